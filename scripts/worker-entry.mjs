// Writes the Worker's JavaScript entry around wasm-bindgen's output, and bundles it with esbuild.
//
//   node scripts/worker-entry.mjs BINDGEN_DIR OUT_DIR
//
// BINDGEN_DIR holds `wasm-bindgen --target module --out-name index` output (index.js, index_bg.wasm,
// snippets/). OUT_DIR receives index.js (the entry wrangler.toml's `main` names) and index_bg.wasm.
//
// This is the module shim of workers-rs's worker-build (Apache-2.0, github.com/cloudflare/workers-rs,
// worker-build/src/js/shim.js), written here so that the build needs no tool compiled from source
// beyond wasm-bindgen. One change: the default export is a plain module-worker object whose handlers
// call the wasm exports, rather than a WorkerEntrypoint class behind a Proxy, which built a Proxy per
// request and another per call. A trap still resets the module's state before the next call. Each
// Durable Object class is wrapped so that a trapped instance is rebuilt after the module resets its
// state (wasm-bindgen's --experimental-reset-state-function).
import { build } from "esbuild";
import { copyFileSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const [bindgenDir, outDir] = process.argv.slice(2).map((p) => resolve(p));
if (!bindgenDir || !outDir) {
  console.error("usage: node scripts/worker-entry.mjs BINDGEN_DIR OUT_DIR");
  process.exit(2);
}

const glue = readFileSync(join(bindgenDir, "index.js"), "utf8");
/** Handlers the runtime calls with (event, env, ctx). */
const EVENT_HANDLERS = new Set(["fetch", "queue", "scheduled", "email", "connect"]);

const functions = [];
const classes = [];
for (const [, name] of glue.matchAll(/^export (?:async )?function (\w+)\s*\(/gm)) functions.push(name);
for (const [, name] of glue.matchAll(/^export \{\s*\w+ as (\w+)\s*\}/gm)) functions.push(name);
for (const [, name] of glue.matchAll(/^export class (\w+)\s*\{/gm)) classes.push(name);
if (!functions.includes("fetch")) throw new Error(`${bindgenDir}/index.js exports no fetch handler`);

const handlers = functions
  .filter((name) => EVENT_HANDLERS.has(name))
  .map(
    (name) => `  async ${name}(arg, env, ctx) {
    checkReinitialize();
    try {
      return await exports.${name}(arg, env, ctx);
    } catch (e) {
      handleMaybeCritical(e);
      throw e;
    }
  },`,
  )
  .join("\n");
const wrappers = classes
  .map((name) => `export const ${name} = new Proxy(exports.${name}, classProxyHooks);`)
  .join("\n");

const shim = `import * as exports from "./index.js";

Error.stackTraceLimit = 100;
const initState = exports.__worker_init_state();

function checkReinitialize() {
  if (initState.criticalError) {
    console.log("Reinitializing Wasm application");
    exports.__wbg_reset_state();
    initState.criticalError = false;
    initState.instanceId++;
  }
}

addEventListener("error", (e) => handleMaybeCritical(e.error));

function handleMaybeCritical(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    console.error("Critical", e);
    initState.criticalError = true;
  }
}

const handlers = {
${handlers}
};

const instanceProxyHooks = {
  set: (target, prop, value, receiver) => Reflect.set(target.instance, prop, value, receiver),
  has: (target, prop) => Reflect.has(target.instance, prop),
  deleteProperty: (target, prop) => Reflect.deleteProperty(target.instance, prop),
  apply: (target, thisArg, args) => Reflect.apply(target.instance, thisArg, args),
  construct: (target, args, newTarget) => Reflect.construct(target.instance, args, newTarget),
  getPrototypeOf: (target) => Reflect.getPrototypeOf(target.instance),
  setPrototypeOf: (target, proto) => Reflect.setPrototypeOf(target.instance, proto),
  isExtensible: (target) => Reflect.isExtensible(target.instance),
  preventExtensions: (target) => Reflect.preventExtensions(target.instance),
  getOwnPropertyDescriptor: (target, prop) => Reflect.getOwnPropertyDescriptor(target.instance, prop),
  defineProperty: (target, prop, descriptor) => Reflect.defineProperty(target.instance, prop, descriptor),
  ownKeys: (target) => Reflect.ownKeys(target.instance),
};

const classProxyHooks = {
  construct(ctor, args, newTarget) {
    try {
      checkReinitialize();
      const instance = {
        instance: Reflect.construct(ctor, args, newTarget),
        instanceId: initState.instanceId,
        ctor,
        args,
        newTarget,
      };
      return new Proxy(instance, {
        ...instanceProxyHooks,
        get(target, prop, receiver) {
          if (target.instanceId !== initState.instanceId) {
            target.instance = Reflect.construct(target.ctor, target.args, target.newTarget);
            target.instanceId = initState.instanceId;
          }
          const original = Reflect.get(target.instance, prop, receiver);
          if (typeof original !== "function") return original;
          if (original.constructor === Function) {
            return new Proxy(original, {
              apply(target, thisArg, argArray) {
                checkReinitialize();
                try {
                  return target.apply(thisArg, argArray);
                } catch (e) {
                  handleMaybeCritical(e);
                  throw e;
                }
              },
            });
          }
          return new Proxy(original, {
            async apply(target, thisArg, argArray) {
              checkReinitialize();
              try {
                return await target.apply(thisArg, argArray);
              } catch (e) {
                handleMaybeCritical(e);
                throw e;
              }
            },
          });
        },
      });
    } catch (e) {
      initState.criticalError = true;
      throw e;
    }
  },
};

export default handlers;
${wrappers}
`;

writeFileSync(join(bindgenDir, "shim.js"), shim);
mkdirSync(outDir, { recursive: true });
const result = await build({
  absWorkingDir: bindgenDir,
  entryPoints: ["./shim.js"],
  bundle: true,
  format: "esm",
  minify: !process.env.NO_MINIFY,
  external: ["./index_bg.wasm", "cloudflare:*"],
  write: false,
  outfile: join(outDir, "index.js"),
  logLevel: "warning",
});
// wasm-bindgen's module target imports the wasm as a source-phase import; wrangler compiles a plain
// import of a .wasm file into a WebAssembly.Module.
const entry = result.outputFiles[0].text.replaceAll("import source ", "import ");
writeFileSync(join(outDir, "index.js"), entry);
copyFileSync(join(bindgenDir, "index_bg.wasm"), join(outDir, "index_bg.wasm"));
console.error(`worker entry: handlers ${functions.filter((n) => EVENT_HANDLERS.has(n)).join(", ")}; classes ${classes.join(", ")}`);
