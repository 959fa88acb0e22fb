#!/usr/bin/env bash
# Builds the npm package `vnum` (crates/client with its `js` feature) into pkg/ (git-ignored).
#
#   scripts/build-npm.sh            # then: npm pack ./pkg
#
# One wasm module serves every runtime: wasm-bindgen's `web` glue (vnum.js) is shared by an entry per
# runtime, chosen by the conditional `exports` of pkg/package.json:
#   workerd.js  Cloudflare Workers: `import wasm from "./vnum_bg.wasm"` (wrangler compiles it), initSync
#   browser.js  browsers and bundlers: fetches vnum_bg.wasm next to it, top-level await
#   node.js     Node 20+ as ES module: reads vnum_bg.wasm from disk, initSync
#   index.cjs   Node `require`: node.js bundled as CommonJS by esbuild
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VNUM_ROOT"

src=crates/client/npm
out=pkg
target_dir=${CARGO_TARGET_DIR:-target}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)

say "npm package vnum: wasm32 build of vnum-client (feature js)"
wasm_cargo build --locked --release --target wasm32-unknown-unknown -p vnum-client --features js

say "npm package vnum: wasm-bindgen, wasm-opt -Oz, entries into $out/"
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name vnum \
  "$target_dir/wasm32-unknown-unknown/release/vnum_client.wasm"
"$WASM_OPT_BIN" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-multivalue --enable-reference-types \
  "$out/vnum_bg.wasm" -o "$out/vnum_bg.wasm"

# The JS half of the client (crates/client/js/runtime.js, with VnumError), where wasm-bindgen put it.
runtime=$(cd "$out" && find snippets -name runtime.js)
[ "$(printf '%s\n' "$runtime" | wc -l)" = 1 ] && [ -n "$runtime" ] || { echo "expected one runtime.js snippet, got: $runtime" >&2; exit 1; }
for entry in browser.js node.js workerd.js; do
  sed "s|@RUNTIME@|./$runtime|" "$src/$entry" >"$out/$entry"
done
"$ESBUILD_BIN" "$out/node.js" --bundle --format=cjs --platform=node --target=node20 --log-level=warning --log-override:duplicate-object-key=silent \
  --define:import.meta.url=__vnum_module_url \
  --banner:js='const __vnum_module_url = require("node:url").pathToFileURL(__filename).href;' \
  --outfile="$out/index.cjs"
cp "$src/index.d.ts" "$out/index.d.ts"
cp "$src/index.d.ts" "$out/index.d.cts"
cp crates/client/README.md "$out/README.md"
sed "s|@VERSION@|$version|" "$src/package.json" >"$out/package.json"

printf '%s\n' "built $out/ (vnum $version): $(stat -c %s "$out/vnum_bg.wasm") bytes of wasm, $(gzip -9c "$out/vnum_bg.wasm" | wc -c) gzipped" >&2
