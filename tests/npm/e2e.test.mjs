// The installed npm package `vnum` for real: in Node against the proxy Worker (workerd) in front of
// vnum-sim and against vnum-sim directly with an API key; its browser build in Chromium; its workerd
// build imported by a small JS Worker in wrangler dev.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { SIM_KEY, freePort, startSim, startWorker } from "../support/harness.mjs";
import { installPackage, rejection, startConsumerWorker } from "./support.mjs";

const TOKEN = "npm-e2e-token-6b1f";
const WAIT = { intervalMs: 200, timeoutMs: 20_000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let pkg;
let esm;
let sim;
let worker;
let page; // the loopback server of the browser test page
let vnum;
const urls = []; // every URL the main client asked for

before(async () => {
  pkg = await installPackage();
  esm = await pkg.import();
  page = await servePage(pkg.dir);
  sim = await startSim(["--sms-delay-seconds", "5", "--cancel-after-seconds", "2"]);
  worker = await startWorker({
    vars: {
      PROVIDER: "oxgel",
      UPSTREAM_URL: sim.api,
      AUTH_MODE: "token",
      ALLOWED_ORIGINS: page.origin,
      MAX_PRICE: "1.00",
      UPSTREAM_TIMEOUT_SECONDS: "5",
      POLL_INTERVAL_SECONDS: "1",
      CANCEL_AFTER_SECONDS: "2",
    },
    secrets: { OXGEL_API_KEY: SIM_KEY, ACCESS_TOKENS: `npm:${TOKEN}` },
  });
  vnum = new esm.Vnum({ baseUrl: worker.api, token: TOKEN, fetch: (url, init) => (urls.push(url), fetch(url, init)) });
});

after(async () => {
  await worker?.stop();
  await sim?.stop();
  page?.server.close();
  pkg?.remove();
});

/**
 * Starts waiting for a code (`start(firstStatus)`), makes the simulated SMS arrive (`clock`), and
 * resolves with what the wait resolves with. The clock moves once the waiter calls `firstStatus` (so
 * that it saw the order still waiting), or after 300 ms for a waiter that cannot tell.
 */
async function codeArrives(start, { provider = sim, tellsFirstStatus = false } = {}) {
  let firstStatus;
  const seenFirst = new Promise((ok) => (firstStatus = ok));
  const waiting = start(firstStatus);
  waiting.catch(() => {}); // the caller awaits it; this only keeps an early rejection from being unhandled
  await (tellsFirstStatus ? Promise.race([seenFirst, sleep(10_000)]) : sleep(300));
  await provider.clock(6);
  return waiting;
}

/** Runs `action` with the simulator's SMS delay set long, so no code arrives meanwhile. */
async function withoutSms(action) {
  await sim.config({ sms_delay_seconds: 600 });
  try {
    return await action();
  } finally {
    await sim.config({ sms_delay_seconds: 5 });
  }
}

describe("Node, through the proxy Worker", () => {
  test("balance, catalogue, buy, waitForCode, finish", async () => {
    const before = await vnum.balance();
    assert.deepEqual(Object.keys(before).sort(), ["balance", "currency", "escrow"]);
    assert.ok((await vnum.services()).some((s) => s.code === "wa" && s.name === "WhatsApp"));
    assert.ok((await vnum.countries()).some((c) => c.code === "187" && c.iso2 === "US"));
    const [price] = await vnum.prices({ service: "wa", country: 187 });
    assert.equal(price.price, 0.18);
    const health = await vnum.health();
    assert.equal(health.provider, "oxgel");
    assert.equal(health.maxPrice, 1, "the Worker's MAX_PRICE");

    const order = await vnum.buy({ service: "wa", country: "187", maxPrice: 0.5 }, { idempotencyKey: crypto.randomUUID() });
    assert.match(order.phone, /^\+\d{8,15}$/);
    assert.equal(order.cost, 0.18);
    assert.match(order.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal((await vnum.status(order.id)).status, "waiting");

    const seen = [];
    const { code, text, status } = await codeArrives(
      (firstStatus) => vnum.waitForCode(order.id, { ...WAIT, onStatus: (s) => (seen.push(s.status), firstStatus()) }),
      { tellsFirstStatus: true },
    );
    assert.match(code, /^\d{4,8}$/);
    assert.match(text, /WhatsApp/);
    assert.equal(status.status, "received");
    assert.deepEqual(seen, ["waiting", "received"]);
    assert.ok(urls.some((u) => u.includes(`/numbers/wait?id=${order.id}&timeout=`)), "the proxy's long-poll was used");

    const finished = await vnum.finish(order.id);
    assert.equal(finished.status, "finished");
    const [latest] = await vnum.orders();
    assert.equal(latest.id, order.id);
    assert.equal(latest.status, "finished");
    assert.equal(latest.smsCode, code);
    assert.match(latest.createdAt, /Z$/);
  });

  test("another SMS to the same number", async () => {
    const order = await vnum.buy({ service: "tg", country: "187" });
    const first = await codeArrives(() => vnum.waitForCode(order.id, WAIT));
    assert.equal((await vnum.another(order.id)).status, "waiting");
    const second = await codeArrives(() => vnum.waitForCode(order.id, WAIT));
    assert.notEqual(second.code, first.code);
    await vnum.finish(order.id);
  });

  test("errors: bad input without a request, 401, CANCEL_TOO_EARLY, ORDER_CLOSED", async () => {
    let requests = 0;
    const counted = new esm.Vnum({ baseUrl: worker.api, token: TOKEN, fetch: (u, i) => (requests++, fetch(u, i)) });
    const bad = await rejection(counted.buy({ service: "w a", country: "187" }));
    assert.ok(bad instanceof esm.VnumError && bad instanceof Error);
    assert.equal(bad.code, "INVALID_REQUEST");
    assert.equal(bad.status, null);
    assert.equal(requests, 0, "bad input sends nothing");

    const stranger = new esm.Vnum({ baseUrl: worker.api, token: "not-a-token" });
    const unauthorized = await rejection(stranger.balance());
    assert.ok(unauthorized instanceof esm.VnumError);
    assert.equal(unauthorized.code, "UNAUTHORIZED");
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.retryable, false);

    await withoutSms(async () => {
      const order = await vnum.buy({ service: "wa", country: "187" });
      const early = await rejection(vnum.cancel(order.id));
      assert.equal(early.code, "CANCEL_TOO_EARLY");
      assert.equal(early.status, 409);
      assert.equal(early.retryable, true);
      assert.ok(early.retryAfterSeconds > 0 && early.retryAfterSeconds <= 2, `${early.retryAfterSeconds}`);
      await sleep(early.retryAfterSeconds * 1000 + 300);
      assert.equal((await vnum.cancel(order.id)).status, "cancelled");
      const closed = await rejection(vnum.waitForCode(order.id, WAIT));
      assert.equal(closed.code, "ORDER_CLOSED");
    });
  });

  test("waitForCode: an AbortSignal stops it at once, and a timeout is TIMEOUT", async () => {
    await withoutSms(async () => {
      const order = await vnum.buy({ service: "wa", country: "187" });
      const controller = new AbortController();
      const waiting = vnum.waitForCode(order.id, { ...WAIT, signal: controller.signal });
      setTimeout(() => controller.abort(), 500);
      const aborted = await rejection(waiting);
      assert.equal(aborted.code, "ABORTED");
      assert.equal(aborted.cause?.name, "AbortError");
      assert.ok(aborted.elapsedMs < 1500, `${aborted.elapsedMs} ms`);

      const timedOut = await rejection(vnum.waitForCode(order.id, { intervalMs: 200, timeoutMs: 1500 }));
      assert.equal(timedOut.code, "TIMEOUT");
      assert.ok(timedOut.elapsedMs >= 1400 && timedOut.elapsedMs < 4000, `${timedOut.elapsedMs} ms`);
      await vnum.cancel(order.id);
    });
  });

  test("require(\"vnum\") works the same", async () => {
    const cjs = pkg.require();
    const balance = await new cjs.Vnum({ baseUrl: worker.api, token: TOKEN }).balance();
    assert.equal(typeof balance.balance, "number");
  });
});

describe("Node, straight to the provider with an API key", () => {
  let provider; // a simulator of its own, so that no proxy polls it meanwhile
  before(async () => {
    provider = await startSim(["--sms-delay-seconds", "5"]);
  });
  after(() => provider?.stop());

  test("the OxgelAPI dialect: key in a header, provider errors mapped", async () => {
    const sim = provider;
    const direct = new esm.Vnum({ apiKey: SIM_KEY, baseUrl: sim.api });
    const before = await sim.stats();
    assert.equal(typeof (await direct.balance()).balance, "number");
    const order = await direct.buy({ service: "wa", country: "187" });
    const { code } = await codeArrives(() => direct.waitForCode(order.id, WAIT), { provider: sim });
    assert.match(code, /^\d{6}$/);
    assert.equal((await direct.finish(order.id)).status, "finished");
    assert.equal((await rejection(direct.orders())).code, "NOT_SUPPORTED");
    const missing = await rejection(direct.status("00000000-0000-4000-8000-000000000000"));
    assert.equal(missing.code, "NOT_FOUND");
    assert.equal(missing.status, 404);

    const wrongKey = await rejection(new esm.Vnum({ apiKey: "OXGL-wrong", baseUrl: sim.api }).balance());
    assert.ok(wrongKey instanceof esm.VnumError);
    assert.equal(wrongKey.code, "UNAUTHORIZED");
    assert.equal(wrongKey.status, 401);

    const after = await sim.stats();
    assert.equal(after.api_key_in_query, before.api_key_in_query, "the key never travels in a URL");
    assert.ok(after.keys_seen[SIM_KEY] > (before.keys_seen[SIM_KEY] ?? 0));
    assert.equal(after.requests.status - before.requests.status >= 1, true, "waitForCode polled /numbers/status");
  });

  test("waitForCode waits Retry-After when the provider rate-limits", async () => {
    const sim = provider;
    const statusAt = [];
    const started = Date.now();
    const direct = new esm.Vnum({
      apiKey: SIM_KEY,
      baseUrl: sim.api,
      fetch: (url, init) => (url.includes("/numbers/status") && statusAt.push(Date.now() - started), fetch(url, init)),
    });
    const order = await direct.buy({ service: "tg", country: "187" });
    await sim.faults({ next: [{ kind: "rate_limit", retry_after_seconds: 1, for: "status" }] });
    try {
      const result = await codeArrives(() => direct.waitForCode(order.id, { ...WAIT, intervalMs: 100 }), { provider: sim });
      assert.match(result.code, /^\d+$/);
    } finally {
      await sim.faults({});
    }
    assert.ok(statusAt.length >= 2);
    assert.ok(statusAt[1] - statusAt[0] >= 950, `the second status came ${statusAt[1] - statusAt[0]} ms after the 429`);
    await direct.finish(order.id);
  });
});

describe("the browser build in Chromium", () => {
  test("buy → code → finish from a page on another origin", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    try {
      const tab = await browser.newPage();
      let pageFirstStatus = () => {};
      await tab.exposeFunction("firstStatus", () => pageFirstStatus());
      const messages = [];
      tab.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
      tab.on("pageerror", (e) => messages.push(`pageerror: ${e.message}`));
      await tab.goto(`${page.origin}/`);
      await tab.waitForFunction(() => window.ready === true || window.failed, null, { timeout: 20_000 });
      assert.equal(await tab.evaluate(() => window.failed ?? null), null, messages.join("\n"));

      const order = await tab.evaluate(([api, token]) => window.buy(api, token), [worker.api, TOKEN]);
      assert.match(order.phone, /^\+\d+$/);
      const result = await codeArrives((firstStatus) => {
        pageFirstStatus = firstStatus;
        return tab.evaluate((id) => window.waitForCode(id), order.id);
      }, { tellsFirstStatus: true });
      assert.match(result.code, /^\d{4,8}$/);
      assert.deepEqual(result.seen, ["waiting", "received"]);
      assert.equal(await tab.evaluate((id) => window.finish(id), order.id), "finished");

      const failure = await tab.evaluate((api) => window.unauthorized(api), worker.api);
      assert.deepEqual(failure, { vnumError: true, error: true, code: "UNAUTHORIZED", status: 401 });
      await tab.evaluate(() => window.withApiKey());
      assert.ok(messages.some((m) => m.startsWith("warning: vnum: an apiKey was given in a browser")), messages.join("\n"));
    } finally {
      await browser.close();
    }
  });
});

describe("the workerd build in a Worker", () => {
  test("a JS Worker imports vnum and calls the proxy", async () => {
    const consumer = await startConsumerWorker(pkg.dir, CONSUMER_WORKER, { PROXY_API: worker.api, TOKEN });
    try {
      const call = async (path) => (await fetch(`${consumer.url}${path}`)).json();
      const balance = await call("/balance");
      assert.equal(typeof balance.balance, "number", JSON.stringify(balance));
      assert.deepEqual(await call("/balance?token=wrong"), { vnumError: true, error: true, code: "UNAUTHORIZED", status: 401 });
      const order = await call("/buy");
      assert.match(order.id ?? "", /^[\w-]+$/, JSON.stringify(order));
      const result = await codeArrives(() => call(`/code?id=${order.id}`));
      assert.match(result.code ?? "", /^\d{4,8}$/, JSON.stringify(result));
      await vnum.finish(order.id);
    } finally {
      await consumer.stop();
    }
  });
});

// A Worker that uses the package: wrangler bundles `vnum` through its `workerd` export.
const CONSUMER_WORKER = `
import { Vnum, VnumError } from "vnum";

const json = (value) => Response.json(value);
const failure = (e) => json({ vnumError: e instanceof VnumError, error: e instanceof Error, code: e.code, status: e.status });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/ready") return new Response("ok");
    const vnum = new Vnum({ baseUrl: env.PROXY_API, token: url.searchParams.get("token") ?? env.TOKEN });
    try {
      if (url.pathname === "/balance") return json(await vnum.balance());
      if (url.pathname === "/buy") return json(await vnum.buy({ service: "wa", country: "187" }));
      if (url.pathname === "/code") return json(await vnum.waitForCode(url.searchParams.get("id"), { intervalMs: 200, timeoutMs: 20000 }));
      return new Response("not found", { status: 404 });
    } catch (e) {
      return failure(e);
    }
  },
};
`;

// The test page: loads the package's browser entry through an import map built from its exports.
const PAGE = (entry) => `<!doctype html>
<meta charset="utf-8">
<title>vnum in a browser</title>
<script type="importmap">{ "imports": { "vnum": "/vnum/${entry}" } }</script>
<script type="module">
  import { Vnum, VnumError } from "vnum";
  try {
    window.buy = async (api, token) => {
      window.vnum = new Vnum({ baseUrl: api, token });
      return window.vnum.buy({ service: "fb", country: "187" }, { idempotencyKey: crypto.randomUUID() });
    };
    window.waitForCode = async (id) => {
      const seen = [];
      const { code } = await window.vnum.waitForCode(id, { intervalMs: 200, timeoutMs: 20000, onStatus: (s) => seen.push(s.status) === 1 && window.firstStatus() });
      return { code, seen };
    };
    window.finish = async (id) => (await window.vnum.finish(id)).status;
    window.unauthorized = async (api) => {
      try {
        await new Vnum({ baseUrl: api, token: "wrong" }).balance();
        return null;
      } catch (e) {
        return { vnumError: e instanceof VnumError, error: e instanceof Error, code: e.code, status: e.status };
      }
    };
    window.withApiKey = () => { new Vnum({ apiKey: "OXGL-not-for-browsers" }); };
    window.ready = true;
  } catch (e) {
    window.failed = String(e);
  }
</script>`;

/** Serves the test page and the installed package on a loopback port. */
async function servePage(project) {
  const root = join(project, "node_modules/vnum");
  const meta = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const entry = meta.exports["."].browser.replace(/^\.\//, "");
  const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
  const port = await freePort();
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(PAGE(entry));
    }
    const file = normalize(join(root, path.replace(/^\/vnum\//, "")));
    if (!path.startsWith("/vnum/") || !file.startsWith(root)) {
      res.writeHead(404);
      return res.end();
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return { server, origin: `http://127.0.0.1:${port}` };
}
