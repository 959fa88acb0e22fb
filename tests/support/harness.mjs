// Starts the pieces of vnum on free loopback ports for the end-to-end tests:
// the simulated provider (vnum-sim) and the Worker in workerd (`wrangler dev --local`).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = resolve(import.meta.dirname, "../..");
export const SIM_KEY = "OXGL-e2e-upstream-key-5f1c9a";
const SIM_BIN = process.env.VNUM_SIM_BIN ?? join(ROOT, "target/debug/vnum-sim");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const WORKER_MAIN = join(ROOT, "build/index.js");

/**
 * The Durable Object and rate limit bindings and the migrations of the project's wrangler.toml (its
 * last part), with CALLER_LIMITER allowing `callerLimit` requests per period (default: so many that
 * no suite meets it; the limit has a test of its own).
 */
export function objectBindings({ callerLimit = 1_000_000 } = {}) {
  const text = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const tail = text.slice(text.indexOf("[[durable_objects.bindings]]"));
  if (!/simple = \{ limit = \d+,/.test(tail)) throw new Error("wrangler.toml: CALLER_LIMITER's limit not found");
  return tail.replace(/simple = \{ limit = \d+,/, `simple = { limit = ${callerLimit},`);
}

/**
 * A free TCP port on 127.0.0.1, for a server started next. It is drawn below the kernel's ephemeral
 * range (32768–60999 here), so that no outgoing connection of this or another test process can take it
 * between this check and the server's bind; suites that run side by side draw at random.
 */
export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  throw new Error("no free port between 20000 and 32000 on 127.0.0.1");
}

function canListen(port) {
  return new Promise((ok) => {
    const server = createServer();
    server.once("error", () => ok(false));
    server.listen(port, "127.0.0.1", () => server.close(() => ok(true)));
  });
}

/** Stops a child started `detached` (its whole process group), SIGKILL after 3 s. */
export function stopChild(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once("exit", () => ok());
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      child.kill("SIGTERM");
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, 3000).unref();
  });
}

/** Starts vnum-sim; resolves once it prints its URL. */
export async function startSim(args = []) {
  if (!existsSync(SIM_BIN)) throw new Error(`${SIM_BIN} is missing: cargo build -p vnum-sim`);
  const child = spawn(SIM_BIN, ["--port", "0", "--key", SIM_KEY, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const line = await new Promise((ok, fail) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", ok);
    child.once("exit", (code) => fail(new Error(`vnum-sim exited with ${code}`)));
  });
  const url = line.match(/http:\/\/\S+/)?.[0];
  if (!url) throw new Error(`unexpected vnum-sim output: ${line}`);
  const admin = async (path, body) => {
    const res = await fetch(`${url}/__sim/${path}`, body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sim admin ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    url,
    api: `${url}/api/v1`,
    stats: () => admin("stats"),
    faults: (spec) => admin("faults", spec),
    clock: (seconds) => admin("clock", { advance_seconds: seconds }),
    account: (spec) => admin("accounts", spec),
    accounts: () => admin("accounts"),
    sms: (spec) => admin("sms", spec),
    prices: (spec) => admin("prices", spec),
    config: (spec) => admin("config", spec),
    requests: () => admin("requests"),
    orders: () => admin("orders"),
    clockNow: () => admin("clock"),
    reset: () => admin("reset", {}),
    stop: () => stopChild(child),
  };
}

function toml(value) {
  return JSON.stringify(String(value));
}

/** The built web app (scripts/build-web.sh), which `startWorker({ assets: true })` serves. */
export const WEB_DIST = join(ROOT, "apps/web/dist");

/**
 * Starts the built Worker (build/index.js) in workerd with the given [vars] and secrets (.dev.vars),
 * in a fresh folder, so each test chooses its own configuration. `persistTo` keeps Durable Object
 * state across restarts. `assets: true` also serves the built web app (apps/web/dist) as the
 * project's wrangler.toml does: static files, index.html for other paths, /api/* to the Worker.
 * Suites buy faster than people do, so BUYS_PER_MINUTE is off unless `vars` sets it (the limit has
 * tests of its own).
 */
export async function startWorker({ vars = {}, secrets = {}, persistTo, assets = false, callerLimit } = {}) {
  vars = { BUYS_PER_MINUTE: "0", ...vars };
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: bash scripts/build-worker.sh`);
  if (assets && !existsSync(join(WEB_DIST, "index.html"))) {
    throw new Error(`${WEB_DIST} is missing: bash scripts/build-web.sh`);
  }
  const dir = mkdtempSync(join(tmpdir(), "vnum-worker-"));
  const state = persistTo ?? join(dir, "state");
  writeFileSync(
    join(dir, "wrangler.toml"),
    [
      `name = "vnum-test"`,
      `main = ${toml(WORKER_MAIN)}`,
      `compatibility_date = "2025-09-01"`,
      `[vars]`,
      ...Object.entries(vars).map(([k, v]) => `${k} = ${toml(v)}`),
      ...(assets
        ? [`[assets]`, `directory = ${toml(WEB_DIST)}`, `not_found_handling = "single-page-application"`,
          `run_worker_first = ["/api/*"]`]
        : []),
      objectBindings({ callerLimit }),
    ].join("\n"),
  );
  writeFileSync(join(dir, ".dev.vars"), Object.entries(secrets).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  let port = await freePort();
  const log = join(dir, "wrangler.log");
  const configPath = join(dir, "wrangler.toml");
  const start = async () => {
    const proc = await wranglerDev({ dir, configPath, port, persistTo: state, ready: "/api/v1/health" });
    proc.child.once("exit", () => writeFileSync(log, proc.output()));
    return proc;
  };
  // Another process may still take the port first: then another port (a restart keeps its port).
  let proc;
  for (let attempt = 1; !proc; attempt++) {
    try {
      proc = await start();
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(error.message)) throw error;
      port = await freePort();
    }
  }
  return {
    url: proc.url,
    api: `${proc.url}/api/v1`,
    dir,
    output: () => proc.output(),
    async restart() {
      await proc.stop();
      proc = await start();
    },
    stop: () => proc.stop(),
  };
}

/**
 * Runs `wrangler dev --local` (workerd) for the config at `configPath` on loopback `port`, offline and
 * without prompts, and resolves once `GET ready` answers as `isUp` accepts (by default any status below
 * 500, or 503: a Worker that fails closed is up). Rejects with wrangler's output if it exits or does not
 * answer within 90 s.
 */
export async function wranglerDev({ dir, configPath, port, persistTo, ready, isUp = (res) => res.status < 500 || res.status === 503 }) {
  const child = spawn(
    WRANGLER,
    ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
      "--show-interactive-dev-session=false", "--persist-to", persistTo, "-c", configPath],
    {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true",
        WRANGLER_LOG_PATH: join(dir, "logs") },
    },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    try {
      const res = await fetch(`${url}${ready}`);
      if (isUp(res)) {
        return { child, url, output: () => output, stop: () => stopChild(child) };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopChild(child);
  throw new Error(`wrangler dev did not start:\n${output}`);
}

/**
 * A fetch that records every response (status, headers and body) so a suite can assert that
 * something, such as the provider key, never appears in any of them.
 */
export function recordingFetch() {
  const seen = [];
  const call = async (url, init = {}) => {
    const res = await fetch(url, init);
    const text = await res.text();
    const headers = Object.fromEntries(res.headers.entries());
    seen.push({ url: String(url), status: res.status, headers, text });
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, headers, text, json };
  };
  return { call, seen };
}

export function readLog(path) {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}
