#!/usr/bin/env bash
# Prints the web app's transfer size (apps/web/dist, built by scripts/build-web.sh when missing): every
# file a first visit downloads, raw and gzip -9, and the total against the goal of 120 KB gzip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dist=apps/web/dist
[ -f "$dist/index.html" ] || bash scripts/build-web.sh
total_raw=0
total_gz=0
row() { # label file
  local raw gz
  raw=$(stat -c %s "$2")
  gz=$(gzip -9c "$2" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-34s %10s %10s\n' "$1" "$raw" "$gz"
}
printf '%-34s %10s %10s\n' "file" "bytes" "gzip -9"
row "wasm (vnum_web_bg.wasm)" "$dist/vnum_web_bg.wasm"
row "js (vnum_web.js)" "$dist/vnum_web.js"
row "html (index.html)" "$dist/index.html"
row "css (style.css)" "$dist/style.css"
printf '%-34s %10s %10s\n' "total" "$total_raw" "$total_gz"
printf '%-34s %10s %10s\n' "goal" "" "122880"
