#!/usr/bin/env bash
# Builds the web app (apps/web, Leptos) into apps/web/dist/ (git-ignored), which the Worker serves as
# static assets (wrangler.toml [assets]):
#   index.html, style.css      copied from apps/web/
#   vnum_web.js                wasm-bindgen's `web` glue, minified by esbuild
#   vnum_web_bg.wasm           release build (opt-level z, lto), then wasm-opt -Oz
#
#   scripts/build-web.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"

app=apps/web
out=$app/dist
target_dir=${CARGO_TARGET_DIR:-target}

say "web app: wasm32 release build of vnum-web"
wasm_cargo build --locked --release --target wasm32-unknown-unknown -p vnum-web

built="$target_dir/wasm32-unknown-unknown/release/vnum_web.wasm"
stamp="$target_dir/vnum-web-dist.stamp"
if [ -f "$out/vnum_web_bg.wasm" ] && [ -f "$stamp" ] && [ ! "$built" -nt "$stamp" ]; then
  # The module did not change since dist/ was made from it (wrangler dev builds again on start).
  cp "$app/index.html" "$app/style.css" "$out/"
  echo "apps/web/dist/ is up to date" >&2
  exit 0
fi

say "web app: wasm-bindgen, wasm-opt -Oz, esbuild into $out/"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$tmp" --out-name vnum_web "$built"
"$WASM_OPT_BIN" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-multivalue --enable-reference-types \
  "$tmp/vnum_web_bg.wasm" -o "$tmp/vnum_web_bg.wasm"
# The glue with any snippets it imports, as one minified module that still finds the wasm next to it.
"$ESBUILD_BIN" "$tmp/vnum_web.js" --bundle --format=esm --minify --target=es2020 --log-level=warning \
  --outfile="$tmp/vnum_web.min.js"

mkdir -p "$out"
cp "$tmp/vnum_web_bg.wasm" "$out/vnum_web_bg.wasm"
cp "$tmp/vnum_web.min.js" "$out/vnum_web.js"
cp "$app/index.html" "$app/style.css" "$out/"
touch "$stamp"

printf '%s\n' "built $out/: $(stat -c %s "$out/vnum_web_bg.wasm") bytes of wasm ($(gzip -9c "$out/vnum_web_bg.wasm" | wc -c) gzipped)" >&2
