#!/usr/bin/env bash
# Prints the sizes of what vnum ships: the Worker's wasm and JS glue, raw and gzip -9.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build-worker.sh   # quick when build/ is up to date
row() { printf '%-32s %10s %10s\n' "$1" "$(stat -c %s "$2")" "$(gzip -9c "$2" | wc -c)"; }
printf '%-32s %10s %10s\n' "file" "bytes" "gzip -9"
row "Worker wasm (build/index_bg.wasm)" build/index_bg.wasm
row "Worker JS (build/index.js)" build/index.js
