# Sourced by the project's scripts: runs the setup (quick when all is present) and exports the tools.
# VNUM_SETUP_FOR=test (scripts/test.sh) also installs what only the tests need; the default is `run`.
# shellcheck shell=bash
VNUM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export VNUM_ROOT
if [ "${VNUM_SKIP_SETUP:-}" != 1 ]; then bash "$VNUM_ROOT/scripts/setup.sh" "${VNUM_SETUP_FOR:-run}"; fi
# shellcheck source=/dev/null
. "$VNUM_ROOT/.vnum/toolchain.env"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$VNUM_ROOT/node_modules/.bin:$PATH"
export WASM_OPT_BIN="$VNUM_ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$VNUM_ROOT/node_modules/.bin/esbuild"
# wrangler: no telemetry, no account lookups, no prompts.
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

# Runs cargo with the toolchain that has the wasm32 standard library.
wasm_cargo() { RUSTUP_TOOLCHAIN="$VNUM_WASM_TOOLCHAIN" cargo "$@"; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
