// The Workers' own cost, side by side in one run: the vnum Worker (Rust/wasm, build/) and the bare
// JavaScript pass-through (bench/js-peer), each served by Miniflare on its own workerd socket (no
// `wrangler dev` proxy in between), both in front of the simulated provider (vnum-sim, release build).
// wrk drives each on loopback for a bounded time and this prints requests/s and latency percentiles.
// It asserts nothing.
//
//   node bench/worker-bench.mjs            (DURATION=10 seconds, CONNECTIONS=16, THREADS=2)
//
// Routes: GET /api/v1/balance (both Workers go upstream), GET /api/v1/services (vnum answers from its
// catalogue cache after the first request; the peer goes upstream every time).
import { execFileSync } from "node:child_process";
import { Miniflare } from "miniflare";
import { COMMON, SIM_KEY, jsPeer, startSim, vnumWorker } from "./workers.mjs";

const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const THREADS = Number(process.env.THREADS ?? 2);
const WITHOUT_LIMITER = process.env.WITHOUT_LIMITER === "1";

/**
 * One request before the measured ones. A keep-alive connection left from an earlier route may have been
 * closed by the server meanwhile: then once more, on a new one.
 */
async function warmUp(url, headers, what) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { headers });
    } catch (error) {
      if (attempt >= 2) throw new Error(`${what}: ${error.cause?.message ?? error.message}`);
    }
  }
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
const vnum = new Miniflare({ ...COMMON, ...vnumWorker(sim.api, { limiter: !WITHOUT_LIMITER }) });
const peer = new Miniflare({ ...COMMON, ...jsPeer(sim.api) });
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
      const headers = name === "vnum-sim directly" ? [`X-API-Key: ${SIM_KEY}`] : [];
      const warm = await warmUp(url, Object.fromEntries(headers.map((h) => h.split(": "))), `${name} ${route}`);
      if (!warm.ok) throw new Error(`${name} ${route}: ${warm.status} ${await warm.text()}`);
      rows.push({ route, name, ...wrk(url, headers) });
    }
  }
  const peerOf = (route) => rows.find((r) => r.route === route && r.name === "bare JS pass-through");
  console.log(`\nMiniflare, wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s, ` +
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
  await sim.stop();
}
