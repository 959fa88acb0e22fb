// vnum for Cloudflare Workers (workerd): wrangler's bundler turns the .wasm import into a compiled
// WebAssembly.Module, which is instantiated synchronously at startup (no I/O in the global scope).
import wasm from "./vnum_bg.wasm";
import { initSync, Vnum } from "./vnum.js";

initSync({ module: wasm });

export { Vnum };
export { VnumError } from "@RUNTIME@";
