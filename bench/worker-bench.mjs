// The Workers' own cost, side by side in one run: the vnum Worker (Rust/wasm, build/) and the bare
// JavaScript pass-through (bench/js-peer), each served by Miniflare on its own workerd socket (no
// `wrangler dev` proxy in between), both in front of the simulated provider (vnum-sim, release build).
// wrk drives each on loopback for a bounded time and this prints requests/s and latency percentiles.
// It asserts nothing.
//
//   node bench/worker-bench.mjs            (DURATION=10 seconds, CONNECTIONS=16, THREADS=2)
//
// Routes: GET /api/v1/balance (both Workers go upstream), GET /api/v1/services (vnum answers from its
// edge cache after the first request; the peer goes upstream every time).
import { spawn, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";

const ROOT = resolve(import.meta.dirname, "..");
const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const THREADS = Number(process.env.THREADS ?? 2);
const KEY = "OXGL-bench-key-000000";
const WITHOUT_LIMITER = process.env.WITHOUT_LIMITER === "1";

function startSim() {
  const bin = join(ROOT, "target/release-native/vnum-sim");
  const child = spawn(bin, ["--port", "0", "--key", KEY, "--threads", "512"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    createInterface({ input: child.stdout }).once("line", (line) => {
      const url = line.match(/http:\/\/\S+/)?.[0];
      url ? ok({ child, api: `${url}/api/v1` }) : fail(new Error(`vnum-sim said: ${line}`));
    });
    child.once("exit", (code) => fail(new Error(`vnum-sim exited with ${code}`)));
  });
}

/** The vnum Worker as wrangler.toml declares it, with the provider in front of vnum-sim. */
function vnumWorker(upstream) {
  return new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath: join(ROOT, "build/index.js"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
    bindings: { PROVIDER: "oxgel", AUTH_MODE: "none", UPSTREAM_URL: upstream, OXGEL_API_KEY: KEY, BUYS_PER_MINUTE: "0" },
    durableObjects: { ORDERS: "OrderObject", ACCOUNTS: "AccountObject", LEDGER: "SpendLedger", DEMO: "DemoProvider" },
    ...(WITHOUT_LIMITER ? {} : { ratelimits: { CALLER_LIMITER: { simple: { limit: 100_000_000, period: 10 } } } }),
  });
}

function jsPeer(upstream) {
  return new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath: join(ROOT, "bench/js-peer/index.js"),
    compatibilityDate: "2025-09-01",
    bindings: { UPSTREAM_URL: upstream, OXGEL_API_KEY: KEY },
  });
}

/** wrk's figures for one URL: requests/s and the p50/p99 latency in ms. */
function wrk(url, headers = []) {
  const out = execFileSync(
    "wrk",
    ["-t", String(THREADS), "-c", String(CONNECTIONS), "-d", `${DURATION}s`, "--latency", "--timeout", "5s",
      ...headers.flatMap((h) => ["-H", h]), url],
    { encoding: "utf8" },
  );
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
  const ms = (label) => {
    const m = out.match(new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`));
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const non2xx = Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  return { rps, p50: ms("50"), p99: ms("99"), non2xx };
}

const sim = await startSim();
const vnum = vnumWorker(sim.api);
const peer = jsPeer(sim.api);
try {
  const targets = [
    ["vnum-sim directly", new URL(sim.api).origin],
    ["vnum Worker (Rust/wasm)", (await vnum.ready).origin],
    ["bare JS pass-through", (await peer.ready).origin],
  ];
  const rows = [];
  for (const route of ["/api/v1/balance", "/api/v1/services"]) {
    for (const [name, origin] of targets) {
      const url = origin.replace(/\/$/, "") + route;
      // The simulator wants the key; the Workers add it themselves.
      const headers = name === "vnum-sim directly" ? [`X-API-Key: ${KEY}`] : [];
      const warm = await fetch(url, { headers: Object.fromEntries(headers.map((h) => h.split(": "))) });
      if (!warm.ok) throw new Error(`${name} ${route}: ${warm.status} ${await warm.text()}`);
      rows.push({ route, name, ...wrk(url, headers) });
    }
  }
  const peerOf = (route) => rows.find((r) => r.route === route && r.name === "bare JS pass-through");
  console.log(`\nMiniflare ${process.env.npm_package_version ?? ""}, wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s, ` +
    `CALLER_LIMITER ${WITHOUT_LIMITER ? "absent" : "bound"}\n`);
  console.log("| route | Worker | requests/s | p50 | p99 | vs JS peer |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const r of rows) {
    const ratio = r.rps / peerOf(r.route).rps;
    const bad = r.non2xx ? ` (${r.non2xx} non-2xx)` : "";
    console.log(`| ${r.route} | ${r.name} | ${r.rps.toFixed(0)}${bad} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${ratio.toFixed(2)}× |`);
  }
} finally {
  await vnum.dispose();
  await peer.dispose();
  sim.child.kill();
}
