// Where a request's CPU time goes in each Worker: V8's sampling profiler, through workerd's inspector
// port, while wrk sends GET /api/v1/balance for a bounded time. Prints, per Worker, the CPU time per
// request by kind (wasm, the JS glue, the runtime's own JS, garbage collection) and the heaviest
// functions. It asserts nothing.
//
//   bash scripts/build-worker.sh                       # the vnum Worker as it ships (build/)
//   VNUM_WORKER_OUT=build-profile VNUM_WORKER_NAMES=1 bash scripts/build-worker.sh
//   node bench/worker-profile.mjs                      (DURATION=5 seconds, TOP=20)
//
// It profiles build-profile/ (the same Worker with its wasm function names kept) when it exists.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import { COMMON, ROOT, freePort, jsPeer, startSim, vnumWorker } from "./workers.mjs";

const DURATION = Number(process.env.DURATION ?? 5);
const TOP = Number(process.env.TOP ?? 20);
const ROUTE = process.env.ROUTE ?? "/api/v1/balance";

/** Runs CDP commands over the inspector's WebSocket. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => ws.once("open", ok).once("error", fail));
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((ok, fail) => {
      const n = ++id;
      pending.set(n, (m) => (m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { send, close: () => ws.close() };
}

function kindOf(frame) {
  const name = frame.functionName || "(anonymous)";
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "(program)" || name === "(idle)" || name === "(root)") return "runtime (native)";
  if (frame.url.startsWith("wasm://") || /^\$?wasm-function/.test(name)) return "wasm";
  if (frame.url.includes("index.js") || frame.url.includes("worker")) return "JS glue and entry";
  return "runtime JS";
}

function summarise(name, profile, requests) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byKind = new Map();
  const byFunction = new Map();
  for (const [id, micros] of self) {
    const frame = byNode.get(id).callFrame;
    if (frame.functionName === "(idle)") continue;
    const kind = kindOf(frame);
    byKind.set(kind, (byKind.get(kind) ?? 0) + micros);
    const key = `${frame.functionName || "(anonymous)"}  [${kind}]`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const busy = [...byKind.values()].reduce((a, b) => a + b, 0);
  const per = (micros) => (micros / requests).toFixed(1);
  console.log(`\n## ${name}: ${requests} requests to ${ROUTE} in ${DURATION} s, ${per(busy)} µs of CPU per request\n`);
  console.log("| kind | µs per request |");
  console.log("|---|---:|");
  for (const [kind, micros] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`| ${kind} | ${per(micros)} |`);
  console.log(`\n| heaviest functions (self time) | µs per request |`);
  console.log("|---|---:|");
  for (const [fn, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`| \`${fn.replace(/\|/g, "\\|").slice(0, 110)}\` | ${per(micros)} |`);
  }
}

async function profile(name, options) {
  const inspectorPort = await freePort();
  const mf = new Miniflare({ ...COMMON, inspectorPort, ...options });
  try {
    const url = new URL(ROUTE, await mf.ready).href;
    const warm = await fetch(url);
    if (!warm.ok) throw new Error(`${name}: ${warm.status} ${await warm.text()}`);
    const cdp = await inspector(inspectorPort);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
    await cdp.send("Profiler.start");
    const out = execFileSync("wrk", ["-t1", "-c8", `-d${DURATION}s`, url], { encoding: "utf8" });
    const { profile: result } = await cdp.send("Profiler.stop");
    cdp.close();
    const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? 0);
    summarise(name, result, requests);
  } finally {
    await mf.dispose();
  }
}

const dir = existsSync(join(ROOT, "build-profile/index.js")) ? "build-profile" : "build";
const sim = await startSim();
try {
  await profile(`vnum Worker (${dir}/)`, vnumWorker(sim.api, { dir }));
  await profile("bare JS pass-through", jsPeer(sim.api));
} finally {
  await sim.stop();
}
