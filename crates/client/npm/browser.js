// vnum for browsers (and bundlers that resolve the "browser" condition): compiles vnum_bg.wasm, found
// next to this file (bundlers copy `new URL(…, import.meta.url)` assets), once, with top-level await.
import init, { Vnum, __vnumBrowserBuild } from "./vnum.js";

await init({ module_or_path: new URL("./vnum_bg.wasm", import.meta.url) });
__vnumBrowserBuild();

export { Vnum };
export { VnumError } from "@RUNTIME@";
