// vnum for Node 20+ (ES module; `require("vnum")` gets index.cjs, the same code bundled as CommonJS).
import { readFileSync } from "node:fs";
import { initSync, Vnum } from "./vnum.js";

initSync({ module: readFileSync(new URL("./vnum_bg.wasm", import.meta.url)) });

export { Vnum };
export { VnumError } from "@RUNTIME@";
