#!/usr/bin/env bash
# Builds the Worker into build/ (index.js + index_bg.wasm; wrangler.toml's `main` is build/index.js).
# wrangler.toml's [build] command runs it through scripts/build.sh before `wrangler dev` and `deploy`.
#
#   scripts/build-worker.sh
#
# The steps of workers-rs's worker-build, without compiling that tool: a wasm32 release build of
# crates/worker, wasm-bindgen's module output, wasm-opt -O, and the JS entry (scripts/worker-entry.mjs)
# bundled by esbuild. A build whose wasm did not change since build/ was made from it stops early.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"

# VNUM_WORKER_OUT (default build) is where it goes; VNUM_WORKER_NAMES=1 keeps the wasm's function names
# (for CPU profiles: bench/worker-profile.mjs).
out=${VNUM_WORKER_OUT:-build}
target_dir=${CARGO_TARGET_DIR:-target}
built="$target_dir/wasm32-unknown-unknown/release/vnum_worker.wasm"
stamp="$target_dir/vnum-worker-$(basename "$out")${VNUM_WORKER_NAMES:+-names}.stamp"

# The Worker's #[wasm_bindgen] async exports use js_sys's futures (as worker-build sets it up).
WASM_BINDGEN_USE_JS_SYS=1 wasm_cargo build --locked --release --target wasm32-unknown-unknown --lib \
  -p vnum-worker >&2

if [ -f "$out/index.js" ] && [ -f "$out/index_bg.wasm" ] && [ -f "$stamp" ] && [ ! "$built" -nt "$stamp" ] \
  && [ ! scripts/worker-entry.mjs -nt "$stamp" ]; then
  echo "build/ is up to date" >&2
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target module --no-typescript --out-dir "$tmp" --out-name index \
  --experimental-reset-state-function --force-enable-abort-handler "$built"
# -O as worker-build runs it; the name section (function names, ~60 KB gzip) is not needed at the edge.
strip=(--strip-debug --strip-producers)
if [ "${VNUM_WORKER_NAMES:-}" = 1 ]; then strip=(--debuginfo); fi
"$WASM_OPT_BIN" -O "${strip[@]}" \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
  --enable-multivalue --enable-reference-types --enable-exception-handling \
  "$tmp/index_bg.wasm" -o "$tmp/index_bg.wasm"
node scripts/worker-entry.mjs "$tmp" "$tmp/out"
mkdir -p "$out"
cp "$tmp/out/index.js" "$tmp/out/index_bg.wasm" "$out/"
touch "$stamp"
