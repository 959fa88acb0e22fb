// The edge proxy in workerd against the simulated OxgelAPI provider over real HTTP.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SIM_KEY, recordingFetch, startSim, startWorker } from "./support/harness.mjs";

const TOKEN = "e2e-token-alice-3c9d";
const OTHER_TOKEN = "e2e-token-bob-77aa";
const APP_ORIGIN = "https://app.example";

let sim;
let worker;
const { call, seen } = recordingFetch();
const auth = { authorization: `Bearer ${TOKEN}` };

function api(path, { method = "GET", headers = {}, body, token = TOKEN } = {}) {
  const h = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers };
  if (body !== undefined && typeof body !== "string") {
    h["content-type"] ??= "application/json";
    body = JSON.stringify(body);
  }
  return call(`${worker.api}${path}`, { method, headers: h, body });
}

/** Runs `action` and returns how many requests the simulator saw meanwhile. */
/** How many requests reached the provider during `action`; only those of `kind` (services, buy, …) if given. */
async function upstreamRequestsDuring(action, kind) {
  const count = (stats) => (kind ? stats.requests[kind] : stats.total);
  const before = count(await sim.stats());
  await action();
  return count(await sim.stats()) - before;
}

function assertError(res, status, code) {
  assert.equal(res.status, status, `${code}: ${res.text}`);
  assert.equal(res.json?.error_code, code, res.text);
  assert.equal(typeof res.json.error, "string");
  assert.equal(typeof res.json.retryable, "boolean");
  assert.ok("retry_after_seconds" in res.json);
}

before(async () => {
  sim = await startSim(["--sms-delay-seconds", "5"]);
  worker = await startWorker({
    vars: {
      PROVIDER: "oxgel",
      UPSTREAM_URL: sim.api,
      AUTH_MODE: "token",
      ALLOWED_ORIGINS: APP_ORIGIN,
      MAX_PRICE: "1.00",
      UPSTREAM_TIMEOUT_SECONDS: "1",
      POLL_INTERVAL_SECONDS: "1",
    },
    secrets: { OXGEL_API_KEY: SIM_KEY, ACCESS_TOKENS: `alice:${TOKEN},bob:${OTHER_TOKEN}` },
  });
});

after(async () => {
  await worker?.stop();
  await sim?.stop();
});

describe("happy paths", () => {
  test("health and the OpenAPI document need no token", async () => {
    const health = await api("/health", { token: null });
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { ok: true, provider: "oxgel", demo: false, version: health.json.version, max_price: 1 });
    assert.equal(health.headers["x-vnum-demo"], undefined);
    const doc = await api("/openapi.json", { token: null });
    assert.equal(doc.json.openapi, "3.1.0");
  });

  test("balance, services, countries and prices", async () => {
    const balance = await api("/balance");
    assert.equal(balance.status, 200);
    assert.deepEqual(Object.keys(balance.json).sort(), ["balance", "currency", "escrow"]);
    const services = await api("/services");
    assert.ok(services.json.some((s) => s.code === "wa" && s.name === "WhatsApp"));
    const countries = await api("/countries");
    assert.ok(countries.json.some((c) => c.code === "187" && c.iso2 === "US"));
    const prices = await api("/prices?service=wa&country=187");
    assert.deepEqual(prices.json, [{ service: "wa", country: "187", price: 0.18, stock: prices.json[0].stock }]);
    assert.ok(prices.json[0].stock > 0);
  });

  test("buy, wait for the code, another SMS, finish", async () => {
    const bought = await api("/numbers/buy", { method: "POST", body: { service: "wa", country: "187" } });
    assert.equal(bought.status, 200, bought.text);
    assert.match(bought.json.phone, /^\+\d{8,15}$/);
    assert.equal(bought.json.cost, 0.18);
    const id = bought.json.id;

    const waiting = await api(`/numbers/status?id=${id}`);
    assert.equal(waiting.json.status, "waiting");
    assert.equal(waiting.json.sms_code, undefined);

    await sim.clock(6);
    const received = await api(`/numbers/wait?id=${id}&timeout=10`);
    assert.equal(received.json.status, "received");
    assert.match(received.json.sms_code, /^\d{4,8}$/);
    assert.match(received.json.sms_text, /WhatsApp/);

    const another = await api(`/numbers/another?id=${id}`, { method: "POST" });
    assert.equal(another.status, 200, another.text);
    assert.equal(another.json.status, "waiting");
    await sim.clock(6);
    const second = await api(`/numbers/wait?id=${id}&timeout=10`);
    assert.equal(second.json.status, "received");
    assert.notEqual(second.json.sms_code, received.json.sms_code);

    const finished = await api(`/numbers/finish?id=${id}`, { method: "POST" });
    assert.equal(finished.status, 200, finished.text);
    assert.equal(finished.json.status, "finished");
  });

  test("cancel is refused in the first 2 minutes, saying when it opens", async () => {
    const bought = await api("/numbers/buy", { method: "POST", body: { service: "tg", country: "187" } });
    assert.equal(bought.status, 200, bought.text);
    const early = await api(`/numbers/cancel?id=${bought.json.id}`, { method: "POST" });
    assertError(early, 409, "CANCEL_TOO_EARLY");
    assert.ok(early.json.retry_after_seconds > 110 && early.json.retry_after_seconds <= 120, early.text);
    assert.equal(early.headers["retry-after"], String(early.json.retry_after_seconds));
    assert.equal(early.json.retryable, true);
  });
});

describe("guarding the wallet", () => {
  test("missing or wrong tokens are refused and never reach the provider", async () => {
    const sent = await upstreamRequestsDuring(async () => {
      assertError(await api("/balance", { token: null }), 401, "UNAUTHORIZED");
      assertError(await api("/balance", { token: "wrong" }), 401, "UNAUTHORIZED");
      assertError(await api("/numbers/buy", { method: "POST", token: null, body: { service: "wa", country: "187" } }), 401, "UNAUTHORIZED");
      assertError(await api("/balance", { token: null, headers: { authorization: `Basic ${TOKEN}` } }), 401, "UNAUTHORIZED");
    });
    assert.equal(sent, 0);
  });

  test("invalid requests are refused before the provider hears of them", async () => {
    const sent = await upstreamRequestsDuring(async () => {
      assertError(await api("/numbers/status?id=../../balance"), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/status"), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/status?id=abc&api_key=x"), 400, "INVALID_REQUEST");
      assertError(await api("/prices?service=wa%26x%3D1"), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/buy", { method: "POST", body: { service: "wa", country: "187", extra: true } }), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/buy", { method: "POST", body: { service: "wa", country: "USA" } }), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/buy", { method: "POST", body: { service: "wa", country: "187", max_price: -1 } }), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/buy", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/buy", { method: "POST", body: "service=wa", headers: { "content-type": "application/x-www-form-urlencoded" } }), 415, "UNSUPPORTED_MEDIA_TYPE");
      const huge = JSON.stringify({ service: "wa", country: "187", pad: "x".repeat(17 * 1024) });
      assertError(await api("/numbers/buy", { method: "POST", body: huge }), 413, "PAYLOAD_TOO_LARGE");
      assertError(await api("/numbers/cancel?id=abc", { method: "POST", body: "surprise", headers: { "content-type": "text/plain" } }), 400, "INVALID_REQUEST");
      assertError(await api("/numbers/buy"), 405, "METHOD_NOT_ALLOWED");
      assertError(await api("/balance", { method: "DELETE" }), 405, "METHOD_NOT_ALLOWED");
      assertError(await api("/anything/else"), 404, "UNKNOWN_ROUTE");
      assertError(await call(`${worker.url}/api/v2/balance`, { headers: auth }), 404, "UNKNOWN_ROUTE");
    });
    assert.equal(sent, 0);
  });

  test("MAX_PRICE refuses an expensive number without buying it", async () => {
    const before = await sim.stats();
    const res = await api("/numbers/buy", { method: "POST", body: { service: "tg", country: "16" } });
    assertError(res, 422, "PRICE_ABOVE_LIMIT");
    const after = await sim.stats();
    assert.equal(after.requests.buy, before.requests.buy, "no buy request reached the provider");
    assert.equal(after.buys_succeeded, before.buys_succeeded);
  });

  test("the caller's own max_price is honoured too, and out of stock is NO_NUMBERS", async () => {
    const before = await sim.stats();
    const cheap = await api("/numbers/buy", { method: "POST", body: { service: "wa", country: "187", max_price: 0.1 } });
    assertError(cheap, 422, "PRICE_ABOVE_LIMIT");
    const none = await api("/numbers/buy", { method: "POST", body: { service: "oi", country: "22" } });
    assertError(none, 503, "NO_NUMBERS");
    assert.equal((await sim.stats()).requests.buy, before.requests.buy);
  });

  test("CORS: configured origins only, and a foreign origin cannot spend", async () => {
    const ok = await api("/balance", { headers: { origin: APP_ORIGIN } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["access-control-allow-origin"], APP_ORIGIN);
    const preflight = await call(`${worker.api}/numbers/buy`, {
      method: "OPTIONS",
      headers: { origin: APP_ORIGIN, "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers["access-control-allow-methods"], /POST/);
    assert.match(preflight.headers["access-control-allow-headers"], /Idempotency-Key/);
    const sent = await upstreamRequestsDuring(async () => {
      const evil = await api("/numbers/buy", { method: "POST", headers: { origin: "https://evil.example" }, body: { service: "wa", country: "187" } });
      assertError(evil, 403, "FORBIDDEN");
      assert.equal(evil.headers["access-control-allow-origin"], undefined);
    });
    assert.equal(sent, 0);
  });

  test("BUYS_PER_MINUTE limits each caller's purchases; a retry of a bought key is not a purchase", async () => {
    const limited = await startWorker({
      vars: { PROVIDER: "oxgel", UPSTREAM_URL: sim.api, AUTH_MODE: "token", BUYS_PER_MINUTE: "2" },
      secrets: { OXGEL_API_KEY: SIM_KEY, ACCESS_TOKENS: `alice:${TOKEN},bob:${OTHER_TOKEN}` },
    });
    try {
      const buy = (token, key, pair = { service: "wa", country: "187" }) => call(`${limited.api}/numbers/buy`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(pair),
      });
      const run = crypto.randomUUID();
      // Sold out (NO_NUMBERS): nothing was bought, so nothing is counted, retries included.
      for (let i = 0; i < 3; i++) {
        assertError(await buy(TOKEN, `${run}-none`, { service: "oi", country: "22" }), 503, "NO_NUMBERS");
      }
      const first = await buy(TOKEN, `${run}-1`);
      assert.equal(first.status, 200, first.text);
      assert.equal((await buy(TOKEN, `${run}-2`)).status, 200);

      const before = await sim.stats();
      const third = await buy(TOKEN, `${run}-3`);
      assertError(third, 429, "RATE_LIMITED");
      assert.equal(third.json.retryable, true);
      assert.ok(third.json.retry_after_seconds >= 1 && third.json.retry_after_seconds <= 60, third.text);
      assert.equal(third.headers["retry-after"], String(third.json.retry_after_seconds));
      assert.equal((await sim.stats()).requests.buy, before.requests.buy, "the provider was not asked");

      const replay = await buy(TOKEN, `${run}-1`);
      assert.equal(replay.status, 200, "an answered key still answers");
      assert.equal(replay.json.id, first.json.id);
      const other = await buy(OTHER_TOKEN, `${run}-bob`);
      assert.equal(other.status, 200, "another caller has purchases of its own");
    } finally {
      await limited.stop();
    }
  });

  test("without a token, purchases are counted per address (IPv6 by /64)", async () => {
    const open = await startWorker({
      vars: { PROVIDER: "oxgel", UPSTREAM_URL: sim.api, AUTH_MODE: "none", BUYS_PER_MINUTE: "1" },
      secrets: { OXGEL_API_KEY: SIM_KEY },
    });
    try {
      const buy = (ip) => call(`${open.api}/numbers/buy`, {
        method: "POST",
        headers: { "cf-connecting-ip": ip, "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({ service: "wa", country: "187" }),
      });
      const statuses = [];
      for (const ip of ["203.0.113.1", "203.0.113.1", "203.0.113.2", "2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:3::1"]) {
        statuses.push((await buy(ip)).status);
      }
      assert.deepEqual(statuses, [200, 429, 200, 200, 429, 200]);
    } finally {
      await open.stop();
    }
  });

  test("CALLER_LIMITER caps each caller's requests and says when to retry", async () => {
    const limited = await startWorker({
      vars: { PROVIDER: "oxgel", UPSTREAM_URL: sim.api, AUTH_MODE: "token" },
      secrets: { OXGEL_API_KEY: SIM_KEY, ACCESS_TOKENS: `alice:${TOKEN},bob:${OTHER_TOKEN}` },
      callerLimit: 3,
    });
    try {
      const balance = (token) => call(`${limited.api}/balance`, { headers: { authorization: `Bearer ${token}` } });
      // The limiter counts in fixed 10 s periods: start early in one, so all four requests share it.
      while (Date.now() % 10_000 > 2_000) await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 3; i++) assert.equal((await balance(TOKEN)).status, 200);
      const before = (await sim.stats()).requests.balance;
      const refused = await balance(TOKEN);
      assertError(refused, 429, "RATE_LIMITED");
      assert.equal(refused.json.retryable, true);
      assert.equal(refused.json.retry_after_seconds, 10);
      assert.equal(refused.headers["retry-after"], "10");
      assert.equal((await sim.stats()).requests.balance, before, "a refused request does not reach the provider");
      assert.equal((await balance(OTHER_TOKEN)).status, 200, "another caller has its own share");

      // Wrong tokens are counted against the address they come from: guessing is capped too.
      while (Date.now() % 10_000 > 2_000) await new Promise((r) => setTimeout(r, 100));
      const guesses = [];
      for (let i = 0; i < 4; i++) guesses.push((await balance(`guess-${i}`)).status);
      assert.deepEqual(guesses, [401, 401, 401, 429]);
    } finally {
      await limited.stop();
    }
  });

  test("services and countries are served from the edge cache", async () => {
    await api("/services");
    // Only the catalogue counts: open orders of earlier tests keep polling meanwhile.
    const sent = await upstreamRequestsDuring(async () => {
      for (let i = 0; i < 5; i++) assert.equal((await api("/services")).status, 200);
    }, "services");
    assert.equal(sent, 0);
  });
});

describe("upstream failures map to structured errors", () => {
  const cases = [
    [{ kind: "status", status: 503 }, 503, "UPSTREAM_UNAVAILABLE", true],
    [{ kind: "html" }, 503, "UPSTREAM_UNAVAILABLE", true],
    [{ kind: "rate_limit", retry_after_seconds: 7 }, 429, "RATE_LIMITED", true],
    [{ kind: "drop" }, 503, "UPSTREAM_UNAVAILABLE", true],
    [{ kind: "invalid_json" }, 502, "UPSTREAM_INVALID_RESPONSE", true],
    [{ kind: "delay", ms: 2500 }, 504, "UPSTREAM_TIMEOUT", true],
    [{ kind: "status", status: 401, body: "Invalid API key" }, 502, "UPSTREAM_UNAUTHORIZED", false],
  ];
  for (const [fault, status, code, retryable] of cases) {
    test(`${JSON.stringify(fault)} → ${status} ${code}`, async () => {
      await sim.faults({ next: [fault] });
      const res = await api("/balance");
      assertError(res, status, code);
      assert.equal(res.json.retryable, retryable);
      if (code === "RATE_LIMITED") {
        assert.equal(res.json.retry_after_seconds, 7);
        assert.equal(res.headers["retry-after"], "7");
      }
      await sim.faults({});
    });
  }

  test("provider 402, 403 and 404 keep their meaning", async () => {
    const bought = await api("/numbers/buy", { method: "POST", body: { service: "wa", country: "187" } });
    assert.equal(bought.status, 200, bought.text);
    assertError(await api("/numbers/status?id=00000000-0000-4000-8000-000000000000"), 404, "NOT_FOUND");
    await sim.account({ key: SIM_KEY, balance: 0.01 });
    assertError(await api("/numbers/buy", { method: "POST", body: { service: "wa", country: "187" } }), 402, "INSUFFICIENT_BALANCE");
    await sim.account({ key: SIM_KEY, balance: 10, banned: true });
    assertError(await api("/balance"), 403, "FORBIDDEN");
    await sim.account({ key: SIM_KEY, banned: false });
  });
});

describe("the contract", () => {
  test("the OpenAPI document lists exactly the routes the router serves", async () => {
    const doc = (await api("/openapi.json", { token: null })).json;
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(documented.sort(), [
      "GET /api/v1/balance", "GET /api/v1/countries", "GET /api/v1/health", "GET /api/v1/numbers/status",
      "GET /api/v1/numbers/stream", "GET /api/v1/numbers/wait", "GET /api/v1/orders", "GET /api/v1/openapi.json", "GET /api/v1/prices", "GET /api/v1/services", "POST /api/v1/numbers/another",
      "POST /api/v1/numbers/buy", "POST /api/v1/numbers/cancel", "POST /api/v1/numbers/finish",
    ].sort());
    for (const entry of documented) {
      const [method, path] = entry.split(" ");
      const res = await call(`${worker.url}${path}`, { method, headers: auth });
      assert.notEqual(res.json?.error_code, "UNKNOWN_ROUTE", `${entry} is documented but not served`);
      assert.notEqual(res.json?.error_code, "METHOD_NOT_ALLOWED", `${entry} is documented but not served`);
      const wrong = await call(`${worker.url}${path}`, { method: "PUT", headers: auth });
      assertError(wrong, 405, "METHOD_NOT_ALLOWED");
    }
    for (const code of ["INSUFFICIENT_BALANCE", "CANCEL_TOO_EARLY", "UPSTREAM_TIMEOUT"]) {
      assert.ok(doc.components.schemas.Error.properties.error_code.enum.includes(code));
    }
  });

  test("the provider key reached the provider in a header, and no answer ever carried it", async () => {
    const stats = await sim.stats();
    assert.ok(stats.keys_seen[SIM_KEY] > 0, "the simulator saw the key");
    assert.deepEqual(Object.keys(stats.keys_seen), [SIM_KEY], "no other key was sent");
    assert.equal(stats.api_key_in_query, 0, "the key never travelled in a URL");
    assert.ok(seen.length > 40, `the suite made ${seen.length} requests`);
    for (const res of seen) {
      assert.ok(!res.text.includes(SIM_KEY), `key in the body of ${res.url}`);
      assert.ok(!JSON.stringify(res.headers).includes(SIM_KEY), `key in a header of ${res.url}`);
      assert.equal(res.headers["server"] === "vnum-sim", false, "upstream headers are not passed through");
    }
    assert.ok(!worker.output().includes(SIM_KEY), "the key is not in the Worker's log");
  });
});
