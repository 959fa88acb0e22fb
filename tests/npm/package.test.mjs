// The npm package `vnum` as a user installs it (npm pack → npm install <tarball>), without any server:
// its files, its exports map, its TypeScript types (tsc --strict), and the behaviour of the JS API over
// a scripted `fetch` (validation before any request, request and answer shapes, errors, waitForCode's
// long-poll, fallback, Retry-After, abort and timeout).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT } from "../support/harness.mjs";
import { installPackage, rejection } from "./support.mjs";

let pkg;
let esm;
let cjs;

before(async () => {
  pkg = await installPackage();
  esm = await pkg.import();
  cjs = pkg.require();
});

const BASE = "https://proxy.example/api/v1";
const WAITING = { status: "waiting", phone: "+15551234567" };
const RECEIVED = { status: "received", sms_code: "482913", sms_text: "Your WhatsApp code is 482-913", phone: "+15551234567" };
const errorBody = (code, error, retry = null, retryable = false) =>
  ({ error, error_code: code, retryable, retry_after_seconds: retry });

/**
 * A scripted `fetch`: `reply(call, index)` returns `{ status, body, headers }`, or "hang" for a request
 * that only ends when its signal aborts it. Every call is recorded with its time and whether it was
 * aborted.
 */
function scripted(reply) {
  const calls = [];
  const started = Date.now();
  const fetch = async (url, init) => {
    const call = { url, method: init.method, headers: Object.fromEntries(init.headers), body: init.body, at: Date.now() - started, aborted: false };
    init.signal.addEventListener("abort", () => (call.aborted = true));
    calls.push(call);
    const answer = reply(call, calls.length - 1);
    if (answer === "hang") {
      return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    }
    const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    return new Response(body, { status: answer.status ?? 200, headers: answer.headers ?? { "content-type": "application/json" } });
  };
  return { fetch, calls };
}

function client(reply, options = {}) {
  const fake = scripted(reply);
  return { vnum: new esm.Vnum({ baseUrl: BASE, token: "tok-1", fetch: fake.fetch, ...options }), calls: fake.calls };
}

function assertVnumError(error, code, status = null) {
  assert.ok(error instanceof esm.VnumError, `not a VnumError: ${error?.stack ?? error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "VnumError");
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status);
  assert.equal(typeof error.message, "string");
  assert.equal(typeof error.retryable, "boolean");
  assert.ok("retryAfterSeconds" in error);
}

describe("the package", () => {
  test("the tarball holds exactly the whitelisted files, and the wasm is small", () => {
    const files = execFileSync("tar", ["-tzf", pkg.tarball], { encoding: "utf8" }).trim().split("\n").sort();
    const runtime = files.find((f) => f.startsWith("package/snippets/"));
    assert.match(runtime ?? "", /^package\/snippets\/vnum-client-[0-9a-f]+\/js\/runtime\.js$/);
    assert.deepEqual(files, [
      "package/README.md", "package/browser.js", "package/index.cjs", "package/index.d.cts", "package/index.d.ts",
      "package/node.js", "package/package.json", runtime, "package/vnum.js", "package/vnum_bg.wasm", "package/workerd.js",
    ].sort());
    const wasm = readFileSync(join(pkg.dir, "node_modules/vnum/vnum_bg.wasm"));
    const gzip = gzipSync(wasm, { level: 9 }).length;
    assert.ok(gzip <= 150 * 1024, `vnum_bg.wasm is ${gzip} bytes gzipped, above the 150 KB budget`);
    assert.ok(statSync(pkg.tarball).size < 400 * 1024);
  });

  test("package.json: conditional exports, types first, every target present", () => {
    const meta = JSON.parse(readFileSync(join(pkg.dir, "node_modules/vnum/package.json"), "utf8"));
    assert.equal(meta.name, "vnum");
    assert.equal(meta.type, "module");
    const root = meta.exports["."];
    assert.equal(Object.keys(root)[0], "types");
    assert.deepEqual(Object.keys(root), ["types", "workerd", "browser", "node", "import", "require", "default"]);
    const targets = [root.types.require, root.types.default, root.workerd, root.browser, root.node.import,
      root.node.require, root.import, root.require, root.default, meta.main, meta.module, meta.types];
    for (const file of targets) statSync(join(pkg.dir, "node_modules/vnum", file));
    assert.ok(readFileSync(join(pkg.dir, "node_modules/vnum/workerd.js"), "utf8").includes(`import wasm from "./vnum_bg.wasm"`));
  });

  test("import and require both give Vnum and VnumError", () => {
    for (const api of [esm, cjs]) {
      assert.equal(typeof api.Vnum, "function");
      assert.ok(api.VnumError.prototype instanceof Error);
      let thrown;
      try {
        new api.Vnum({ baseUrl: "ftp://nope" });
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof api.VnumError && thrown instanceof Error);
      assert.equal(thrown.code, "INVALID_REQUEST");
    }
    assert.deepEqual(Object.keys(esm).sort(), ["Vnum", "VnumError"]);
  });

  test("tsc --noEmit --strict accepts the example and rejects the mistakes it marks", () => {
    for (const file of ["example.ts", "example.cts"]) copyFileSync(join(ROOT, "tests/npm", file), join(pkg.dir, file));
    const tsc = join(ROOT, "node_modules/.bin/tsc");
    const common = { strict: true, noEmit: true, target: "es2022", lib: ["es2022", "dom"], skipLibCheck: false };
    const configs = {
      "tsconfig.node.json": { compilerOptions: { ...common, module: "nodenext", moduleResolution: "nodenext" }, files: ["example.ts", "example.cts"] },
      "tsconfig.bundler.json": { compilerOptions: { ...common, module: "esnext", moduleResolution: "bundler" }, files: ["example.ts"] },
    };
    for (const [name, config] of Object.entries(configs)) {
      writeFileSync(join(pkg.dir, name), JSON.stringify(config));
      try {
        execFileSync(tsc, ["-p", name], { cwd: pkg.dir, encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        assert.fail(`tsc -p ${name}:\n${error.stdout}${error.stderr}`);
      }
    }
  });
});

describe("requests and answers", () => {
  test("bad input is refused with INVALID_REQUEST before any request", async () => {
    const { vnum, calls } = client(() => assert.fail("nothing may be sent"));
    const refused = [
      vnum.buy({ service: "w a", country: "187" }),
      vnum.buy({ service: "wa", country: "USA" }),
      vnum.buy({ service: "wa", country: "187", maxPrice: -1 }),
      vnum.buy({ service: "wa", country: "187", max_price: 0.5 }),
      vnum.buy({ service: "wa" }),
      vnum.buy(),
      vnum.buy({ service: "wa", country: "187" }, { idempotencyKey: "has space" }),
      vnum.status("../balance"),
      vnum.status(42),
      vnum.finish(undefined),
      vnum.prices({ service: "wa&x=1" }),
      vnum.balance({ sigal: null }),
      vnum.waitForCode("abc", { intervalMs: "fast" }),
      vnum.waitForCode("abc", { timeout: 5 }),
      vnum.waitForCode("abc", { signal: "stop" }),
      vnum.wait("abc", { timeoutSeconds: 61 }),
    ];
    for (const promise of refused) assertVnumError(await rejection(promise), "INVALID_REQUEST");
    assert.equal(calls.length, 0);
    const invalid = [{}, { baseUrl: "proxy.example" }, { baseUrl: BASE, token: "a b" }, { baseUrl: BASE, token: "t", apiKey: "k" },
      { baseUrl: BASE, tokne: "t" }, { baseUrl: BASE, timeoutMs: -1 }, { baseUrl: BASE, fetch: "no" }];
    for (const options of invalid) {
      assert.throws(() => new esm.Vnum(options), (e) => e instanceof esm.VnumError && e.code === "INVALID_REQUEST", JSON.stringify(options));
    }
    assert.throws(() => new esm.Vnum(), esm.VnumError);
  });

  test("requests carry the token, the body and the idempotency key; answers are camelCase with nulls", async () => {
    const { vnum, calls } = client((call) => {
      if (call.url.endsWith("/numbers/buy")) {
        return { body: { id: "ord-1", order_code: "ORD-LX9F2A", phone: "+15551234567", expires_at: "2026-06-03T14:43:00Z", cost: 0.18 } };
      }
      if (call.url.includes("/prices")) return { body: [{ service: "wa", country: 187, price: 0.18, stock: 42 }] };
      if (call.url.includes("/countries")) return { body: [{ code: 187, iso2: "US", name: "United States" }, { code: "999", name: "Nowhere" }] };
      if (call.url.includes("/status")) return { body: { status: "received", sms_code: "1234", phone: "+1555", codes: [{ code: "1234", received_at: "2026-06-03T14:24:00.000Z" }] } };
      return { body: { status: "finished", charged: 0.18 } };
    });
    const bought = await vnum.buy({ service: "WA", country: 187, maxPrice: 0.5 }, { idempotencyKey: "order-1" });
    assert.deepEqual(bought, { id: "ord-1", orderCode: "ORD-LX9F2A", phone: "+15551234567", expiresAt: "2026-06-03T14:43:00.000Z", cost: 0.18 });
    assert.equal(calls[0].url, `${BASE}/numbers/buy`);
    assert.equal(calls[0].method, "POST");
    assert.deepEqual(JSON.parse(calls[0].body), { service: "wa", country: "187", max_price: 0.5 });
    assert.equal(calls[0].headers["Authorization"], "Bearer tok-1");
    assert.equal(calls[0].headers["Idempotency-Key"], "order-1");
    assert.equal(calls[0].headers["Content-Type"], "application/json");

    assert.deepEqual(await vnum.prices({ service: "wa", country: 187 }), [{ service: "wa", country: "187", price: 0.18, stock: 42 }]);
    assert.equal(calls[1].url, `${BASE}/prices?service=wa&country=187`);
    assert.deepEqual(await vnum.countries(), [{ code: "187", iso2: "US", name: "United States" }, { code: "999", iso2: null, name: "Nowhere" }]);
    assert.deepEqual(await vnum.status("ord-1"), {
      status: "received", smsCode: "1234", smsText: null, phone: "+1555", expiresAt: null, cancelAvailableAt: null,
      codes: [{ code: "1234", text: null, receivedAt: "2026-06-03T14:24:00.000Z" }],
    });
    assert.equal(calls[3].method, "GET");
    assert.deepEqual(await vnum.finish("ord-1"), { status: "finished", refunded: null, charged: 0.18 });
    assert.equal(calls[4].url, `${BASE}/numbers/finish?id=ord-1`);
    assert.equal(calls[4].method, "POST");
    assert.equal(calls[4].body, undefined);
  });

  test("error answers become VnumError with code, retryable, retryAfterSeconds and status", async () => {
    const { vnum } = client((call) => {
      if (call.url.endsWith("/balance")) return { status: 401, body: errorBody("UNAUTHORIZED", "a valid access token is required") };
      if (call.url.includes("/cancel")) {
        return { status: 409, body: errorBody("CANCEL_TOO_EARLY", "an order can be cancelled 2 minutes after purchase; retry in 73 s", 73, true) };
      }
      if (call.url.endsWith("/services")) return { status: 502, body: "<html>Bad gateway</html>", headers: { "content-type": "text/html" } };
      if (call.url.endsWith("/orders")) return { status: 404, body: errorBody("UNKNOWN_ROUTE", "vnum has no route /api/v1/orders") };
      return { status: 429, body: "slow down", headers: { "retry-after": "9" } };
    });
    const unauthorized = await rejection(vnum.balance());
    assertVnumError(unauthorized, "UNAUTHORIZED", 401);
    assert.equal(unauthorized.message, "a valid access token is required");
    const early = await rejection(vnum.cancel("ord-1"));
    assertVnumError(early, "CANCEL_TOO_EARLY", 409);
    assert.equal(early.retryable, true);
    assert.equal(early.retryAfterSeconds, 73);
    const gateway = await rejection(vnum.services());
    assertVnumError(gateway, "UPSTREAM_UNAVAILABLE", 502);
    assert.equal(gateway.retryable, true);
    assertVnumError(await rejection(vnum.orders()), "NOT_SUPPORTED", 404);
    const limited = await rejection(vnum.countries());
    assertVnumError(limited, "RATE_LIMITED", 429);
    assert.equal(limited.retryAfterSeconds, 9);
  });

  test("no answer at all is NETWORK_ERROR; a hung request times out", async () => {
    const refused = new esm.Vnum({ baseUrl: "http://127.0.0.1:9/api/v1", token: "t" });
    const error = await rejection(refused.balance());
    assertVnumError(error, "NETWORK_ERROR");
    assert.equal(error.retryable, true);
    const { vnum, calls } = client(() => "hang", { timeoutMs: 300 });
    const slow = await rejection(vnum.balance());
    assertVnumError(slow, "TIMEOUT");
    assert.ok(slow.elapsedMs >= 250 && slow.elapsedMs < 2000, `${slow.elapsedMs} ms`);
    assert.equal(calls[0].aborted, true, "the request was cancelled");
  });

  test("calls on one client run concurrently", async () => {
    const { vnum } = client((call) => ({ body: call.url.endsWith("/balance") ? { balance: 1, escrow: 0, currency: "USD" } : [] }));
    const [balance, services, countries] = await Promise.all([vnum.balance(), vnum.services(), vnum.countries()]);
    assert.deepEqual([balance.balance, services, countries], [1, [], []]);
  });
});

describe("waitForCode", () => {
  test("asks for the status, then prefers the long-poll /numbers/wait", async () => {
    const { vnum, calls } = client((call) => ({ body: call.url.includes("/numbers/status") ? WAITING : RECEIVED }));
    const seen = [];
    const result = await vnum.waitForCode("ord-1", { onStatus: (s) => seen.push(s.status) });
    assert.equal(result.code, "482913");
    assert.equal(result.text, "Your WhatsApp code is 482-913");
    assert.equal(result.status.status, "received");
    assert.deepEqual(seen, ["waiting", "received"]);
    assert.deepEqual(calls.map((c) => c.url), [`${BASE}/numbers/status?id=ord-1`, `${BASE}/numbers/wait?id=ord-1&timeout=60`]);
    assert.ok(calls[1].at < 50, "the long-poll follows the first status at once");
  });

  test("falls back to polling /numbers/status every intervalMs where /numbers/wait is not offered", async () => {
    const { vnum, calls } = client((call, i) => {
      if (call.url.includes("/numbers/wait")) return { status: 404, body: errorBody("UNKNOWN_ROUTE", "vnum has no route /api/v1/numbers/wait") };
      return { body: i < 3 ? WAITING : RECEIVED };
    });
    const seen = [];
    const result = await vnum.waitForCode("ord-1", { intervalMs: 100, onStatus: (s) => seen.push(s.status) });
    assert.equal(result.code, "482913");
    assert.deepEqual(calls.map((c) => c.url.replace(BASE, "")), [
      "/numbers/status?id=ord-1", "/numbers/wait?id=ord-1&timeout=60", "/numbers/status?id=ord-1", "/numbers/status?id=ord-1",
    ]);
    assert.ok(calls[3].at - calls[2].at >= 90, "polls are intervalMs apart");
    assert.deepEqual(seen, ["waiting", "received"], "onStatus on the first status and on each change");
    await vnum.waitForCode("ord-1", { intervalMs: 100 });
    assert.equal(calls.at(-1).url, `${BASE}/numbers/status?id=ord-1`, "the fallback is remembered");
  });

  test("waits retryAfterSeconds after a 429, and goes on after a failing onStatus", async () => {
    const { vnum, calls } = client((_, i) =>
      i === 0 ? { status: 429, body: errorBody("RATE_LIMITED", "too many requests; retry in 1 s", 1, true) } : { body: i < 2 ? WAITING : RECEIVED });
    const reported = [];
    const consoleError = console.error;
    console.error = (...args) => reported.push(args);
    try {
      const result = await vnum.waitForCode("ord-1", {
        longPoll: false,
        intervalMs: 50,
        onStatus: () => {
          throw new Error("a bug in the page");
        },
      });
      assert.equal(result.code, "482913");
    } finally {
      console.error = consoleError;
    }
    assert.ok(calls[1].at - calls[0].at >= 950, `retried after ${calls[1].at - calls[0].at} ms`);
    assert.equal(reported.length, 2);
    assert.equal(reported[0][1].message, "a bug in the page");
  });

  test("rejects with ORDER_CLOSED when the order is cancelled or expired", async () => {
    for (const status of ["cancelled", "expired"]) {
      const { vnum } = client(() => ({ body: { status, phone: "+1555" } }));
      const error = await rejection(vnum.waitForCode("ord-1"));
      assertVnumError(error, "ORDER_CLOSED");
      assert.match(error.message, new RegExp(status));
    }
  });

  test("an AbortSignal rejects at once with ABORTED, its reason as cause, and cancels the request", async () => {
    const { vnum, calls } = client(() => "hang");
    const controller = new AbortController();
    const reason = new Error("the user left");
    const waiting = vnum.waitForCode("ord-1", { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    const error = await rejection(waiting);
    assertVnumError(error, "ABORTED");
    assert.equal(error.cause, reason);
    assert.ok(error.elapsedMs < 1000, `${error.elapsedMs} ms`);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].aborted, true, "the request was aborted");

    const before = calls.length;
    const already = await rejection(vnum.buy({ service: "wa", country: "187" }, { signal: AbortSignal.abort("gone") }));
    assertVnumError(already, "ABORTED");
    assert.equal(already.cause, "gone");
    assert.equal(calls.length, before, "an aborted signal sends nothing");
  });

  test("rejects with TIMEOUT after timeoutMs, also while a long-poll hangs", async () => {
    const { vnum, calls } = client((call) => (call.url.includes("/numbers/status") ? { body: WAITING } : "hang"));
    const error = await rejection(vnum.waitForCode("ord-1", { timeoutMs: 400 }));
    assertVnumError(error, "TIMEOUT");
    assert.equal(error.retryable, false);
    assert.ok(error.elapsedMs >= 350 && error.elapsedMs < 2000, `${error.elapsedMs} ms`);
    assert.equal(calls.length, 2);
    assert.equal(calls[1].url, `${BASE}/numbers/wait?id=ord-1&timeout=1`);
    assert.equal(calls[1].aborted, true, "the long-poll was cancelled");
  });
});

after(() => pkg?.remove());
