// The two Workers the benchmarks compare, as Miniflare serves them, and the simulated provider behind
// them: the test harness's vnum-sim (here its release build) and wrangler.toml's Durable Objects.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT_DIR = resolve(import.meta.dirname, "..");
process.env.VNUM_SIM_BIN ??= join(ROOT_DIR, "target/release-native/vnum-sim");
const harness = await import("../tests/support/harness.mjs");

export const { ROOT, SIM_KEY, freePort } = harness;

/** vnum-sim (release-native build), with threads enough for the load. */
export const startSim = () => harness.startSim(["--threads", "512"]);

/** wrangler.toml's `[[durable_objects.bindings]]`, as Miniflare's `durableObjects`. */
function durableObjects() {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const bindings = [...toml.matchAll(/\[\[durable_objects\.bindings\]\]\s*name = "(\w+)"\s*class_name = "(\w+)"/g)];
  if (bindings.length === 0) throw new Error("wrangler.toml: no Durable Object bindings found");
  return Object.fromEntries(bindings.map(([, name, className]) => [name, className]));
}

/** The vnum Worker built in `dir` (build/ by default), a real proxy in front of `upstream`. */
export function vnumWorker(upstream, { dir = "build", limiter = true } = {}) {
  return {
    scriptPath: join(ROOT, dir, "index.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    bindings: { PROVIDER: "oxgel", AUTH_MODE: "none", UPSTREAM_URL: upstream, OXGEL_API_KEY: SIM_KEY, BUYS_PER_MINUTE: "0" },
    durableObjects: durableObjects(),
    ...(limiter ? { ratelimits: { CALLER_LIMITER: { simple: { limit: 100_000_000, period: 10 } } } } : {}),
  };
}

/** The bare JavaScript pass-through (bench/js-peer) in front of `upstream`. */
export function jsPeer(upstream) {
  return { scriptPath: join(ROOT, "bench/js-peer/index.js"), bindings: { UPSTREAM_URL: upstream, OXGEL_API_KEY: SIM_KEY } };
}

/** The settings both Workers share: loopback, a free port, the compatibility date of wrangler.toml. */
export const COMMON = {
  host: "127.0.0.1",
  port: 0,
  modules: true,
  compatibilityDate: readFileSync(join(ROOT, "wrangler.toml"), "utf8").match(/compatibility_date = "([\d-]+)"/)[1],
};
