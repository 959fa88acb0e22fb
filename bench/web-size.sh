#!/usr/bin/env bash
# Prints the web app's transfer size (apps/web/dist, built by scripts/build-web.sh when missing): every
# file a first visit downloads, raw, gzip -9 and brotli (quality 11; Cloudflare serves static assets
# brotli-compressed to browsers that accept it), and the total against the goal of 120 KB gzip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dist=apps/web/dist
[ -f "$dist/index.html" ] || bash scripts/build-web.sh
total_raw=0
total_gz=0
total_br=0
brotli() { # file: its brotli size (node's zlib, so no extra tool is needed)
  node -e 'const z = require("zlib"); const q = z.constants.BROTLI_PARAM_QUALITY;
    process.stdout.write(String(z.brotliCompressSync(require("fs").readFileSync(process.argv[1]), { params: { [q]: 11 } }).length))' "$1"
}
row() { # label file
  local raw gz br
  raw=$(stat -c %s "$2")
  gz=$(gzip -9c "$2" | wc -c)
  br=$(brotli "$2")
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  total_br=$((total_br + br))
  printf '%-28s %10s %10s %10s\n' "$1" "$raw" "$gz" "$br"
}
printf '%-28s %10s %10s %10s\n' "file" "bytes" "gzip -9" "brotli"
row "wasm (vnum_web_bg.wasm)" "$dist/vnum_web_bg.wasm"
row "js (vnum_web.js)" "$dist/vnum_web.js"
row "html (index.html)" "$dist/index.html"
row "css (style.css)" "$dist/style.css"
printf '%-28s %10s %10s %10s\n' "total" "$total_raw" "$total_gz" "$total_br"
printf '%-28s %10s %10s\n' "goal" "" "122880"
