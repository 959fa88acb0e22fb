#!/usr/bin/env bash
# Prints the sizes of the npm package `vnum` (pkg/, built by scripts/build-npm.sh): raw and gzip -9 for
# each runtime's entry and the one wasm module they share, and the tarball `npm pack` makes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f pkg/vnum_bg.wasm ] || bash scripts/build-npm.sh
row() { printf '%-40s %10s %10s\n' "$1" "$(stat -c %s "$2")" "$(gzip -9c "$2" | wc -c)"; }
printf '%-40s %10s %10s\n' "file" "bytes" "gzip -9"
row "wasm, shared by every target (vnum_bg.wasm)" pkg/vnum_bg.wasm
row "JS glue, shared (vnum.js)" pkg/vnum.js
row "JS runtime, shared (snippets/*/runtime.js)" "$(find pkg/snippets -name runtime.js)"
for entry in workerd.js browser.js node.js index.cjs; do row "entry $entry" "pkg/$entry"; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm pack ./pkg --pack-destination "$tmp" --silent >/dev/null
printf '%-40s %10s\n' "npm pack tarball" "$(stat -c %s "$tmp"/*.tgz)"
