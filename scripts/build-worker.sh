#!/usr/bin/env bash
# Builds the Worker into build/ (wrangler.toml's [build] command; `wrangler dev` and `deploy` run it).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"
export RUSTUP_TOOLCHAIN="$VNUM_WASM_TOOLCHAIN"
worker-build --release crates/worker --out-dir "$VNUM_ROOT/build" >&2
# worker-build keeps the wasm name section (function names, ~60 KB gzip); the Worker does not need it.
"$WASM_OPT_BIN" --strip-debug --strip-producers build/index_bg.wasm -o build/index_bg.wasm
