#!/usr/bin/env bash
# Installs everything vnum needs to build, run and test, and does nothing when it is all present.
#
#   scripts/setup.sh [run|test]   # called by scripts/run.sh (run) and scripts/test.sh (test, the default)
#
# Routes for the wasm32-unknown-unknown standard library:
#   1. rustup:  `rustup target add wasm32-unknown-unknown` (any ordinary machine with internet);
#   2. Debian:  where rustup cannot download, Debian's rustc-web + rust-web-src + lld, with the wasm32
#               std built once from Debian's source and installed into that toolchain's sysroot, linked
#               into rustup as the toolchain `debian-web`.
# The one host tool compiled from crates.io is wasm-bindgen-cli, at the version the workspace pins, built
# for a quick build rather than a quick run (it runs for a second per build). The JS tools come from the
# npm registry (package.json: wrangler, binaryen's wasm-opt, esbuild, playwright-core) and, for `test`
# only, the browser tests use Debian's chromium. npm and apt work in the background while cargo compiles.
# The chosen route is written to .vnum/toolchain.env, which scripts/env.sh reads.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PURPOSE=${1:-test}
case "$PURPOSE" in run | test) ;; *) echo "usage: scripts/setup.sh [run|test]" >&2; exit 2 ;; esac
STATE="$ROOT/.vnum"
mkdir -p "$STATE/logs"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/node_modules/.bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

log() { echo "[setup] $*" >&2; }
step() { local s=$SECONDS; log "$*"; "$@"; log "done in $((SECONDS - s)) s: $1 ${2:-}"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $APT_UPDATED = 0 ]; then step as_root apt-get update -qq; APT_UPDATED=1; fi
  step as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Steps that need no compiler run in the background while cargo works; each logs to .vnum/logs/.
declare -A BACKGROUND=()
in_background() { # name command...
  local name=$1
  shift
  log "$name: in the background (log: .vnum/logs/$name.log)"
  ("$@") >"$STATE/logs/$name.log" 2>&1 &
  BACKGROUND[$name]=$!
}
wait_for() { # name: waits for that background step; its log is shown if it failed
  local name=$1 pid=${BACKGROUND[$1]:-}
  [ -n "$pid" ] || return 0
  unset "BACKGROUND[$name]"
  if ! wait "$pid"; then
    cat "$STATE/logs/$name.log" >&2
    log "$name failed"
    exit 1
  fi
  log "$name: ready"
}

# The exact wasm-bindgen the workspace pins (`wasm-bindgen = "=X"`): the CLI must match it.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)

# ---- JavaScript tools from the npm registry (package.json + package-lock.json) ------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  in_background npm step npm ci --no-audit --no-fund --loglevel=error
fi

# ---- Debian's chromium for the browser tests (`test` only) --------------------------------------
if [ "$PURPOSE" = test ] && [ "${VNUM_SETUP_SKIP_BROWSER:-}" != 1 ]; then
  dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'ok installed' || in_background chromium apt_install chromium
fi

# ---- 1. a Rust toolchain that can target wasm32 -------------------------------------------------
wasm_std_present() { # $1: rustc to ask
  local libdir
  libdir="$("$1" --print sysroot 2>/dev/null)/lib/rustlib/wasm32-unknown-unknown/lib"
  compgen -G "$libdir/libcore-*.rlib" >/dev/null
}

debian_route() {
  wait_for chromium # one apt at a time
  apt_install rustc-web cargo-web rust-web-src
  local rustc=/usr/bin/rustc llvm host sysroot libdir want
  llvm=$($rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
  apt_install "lld-$llvm"
  sysroot=$($rustc --print sysroot)
  host=$($rustc -vV | sed -n 's/^host: //p')
  # rustc links wasm with `rust-lld`, which Debian does not ship under that name.
  if [ ! -e "$sysroot/lib/rustlib/$host/bin/rust-lld" ]; then
    as_root mkdir -p "$sysroot/lib/rustlib/$host/bin"
    as_root ln -sf "/usr/lib/llvm-$llvm/bin/lld" "$sysroot/lib/rustlib/$host/bin/rust-lld"
  fi
  libdir="$sysroot/lib/rustlib/wasm32-unknown-unknown/lib"
  want=$($rustc -vV | sed -n 's/^commit-hash: //p')
  if [ "$(cat "$libdir/.rustc-commit" 2>/dev/null || true)" != "$want" ]; then
    log "building the wasm32 standard library from Debian's rust-web-src (once per rustc version)"
    local b
    b=$(mktemp -d)
    mkdir -p "$b/src"
    : >"$b/src/lib.rs"
    cat >"$b/Cargo.toml" <<'EOF'
[package]
name = "sysroot-build"
version = "0.0.0"
edition = "2021"
publish = false
[workspace]
[profile.release]
opt-level = 3
debug = false
panic = "abort"
codegen-units = 1
EOF
    # RUSTC_BOOTSTRAP lets this stable compiler build std; embedded bitcode lets later builds use lto.
    (cd "$b" && step env -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_TARGET -u RUSTUP_TOOLCHAIN \
      RUSTC_BOOTSTRAP=1 RUSTC="$rustc" RUSTFLAGS="-Cembed-bitcode=yes" CARGO_TARGET_DIR="$b/target" \
      /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort,proc_macro,test)
    as_root rm -rf "$libdir"
    as_root mkdir -p "$libdir"
    find "$b/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' ! -name 'libsysroot_build-*' \
      -exec cp {} "$libdir/" \;
    echo "$want" | as_root tee "$libdir/.rustc-commit" >/dev/null
    rm -rf "$b"
    # Artifacts built against an earlier std no longer link (E0460).
    rm -rf "$ROOT/target/wasm32-unknown-unknown" "$ROOT/target/web"
  fi
  if command -v rustup >/dev/null; then
    rustup toolchain list | grep -q '^debian-web' || timeout 30 rustup toolchain link debian-web "$sysroot"
  fi
}

choose_route() {
  if [ "${VNUM_WASM_ROUTE:-}" != debian ] && command -v rustup >/dev/null; then
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
      echo rustup
      return
    fi
    # Remember a failed download so that it costs its timeout once, not on every run.
    if [ ! -f "$STATE/rustup-target-failed" ]; then
      log "rustup target add wasm32-unknown-unknown (30 s at most)"
      if timeout 30 rustup target add wasm32-unknown-unknown >&2; then
        echo rustup
        return
      fi
      touch "$STATE/rustup-target-failed"
      log "rustup could not download the wasm32 target: using Debian's rustc-web instead"
    fi
  fi
  echo debian
}

ROUTE=$(choose_route)
if [ "$ROUTE" = debian ]; then
  debian_route
  WASM_TOOLCHAIN=debian-web
  wasm_std_present /usr/bin/rustc || { log "the wasm32 std is missing after the Debian route"; exit 1; }
else
  WASM_TOOLCHAIN=$(rustup show active-toolchain | cut -d' ' -f1)
fi
cat >"$STATE/toolchain.env" <<EOF
# written by scripts/setup.sh
VNUM_WASM_ROUTE=$ROUTE
VNUM_WASM_TOOLCHAIN=$WASM_TOOLCHAIN
EOF

# rustfmt and clippy for the native toolchain (rustup's default), which `test` uses.
if [ "$PURPOSE" = test ] && command -v rustup >/dev/null; then
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || timeout 60 rustup component add "$c" >&2 || true
  done
fi

# ---- wasm-bindgen-cli from crates.io ------------------------------------------------------------
# Built for speed of building, not of running: unoptimised it builds in ~50 s instead of ~115 s on 2
# cores and takes 0.5 s instead of 0.15 s per run. Its lockfile pins a yanked crate, so no --locked.
if [ -n "$WASM_BINDGEN_VERSION" ] && ! wasm-bindgen --version 2>/dev/null | grep -qw -- "$WASM_BINDGEN_VERSION"; then
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    step cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

for name in "${!BACKGROUND[@]}"; do wait_for "$name"; done
