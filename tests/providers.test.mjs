// Every provider end to end: the Worker in workerd against vnum-sim speaking each provider's dialect
// (OxgelAPI, Telenumerus, Agent OTP), through the v1 API — the catalogue, a whole order, cancel with its
// refund, one Idempotency-Key under ten concurrent buys, every documented error, the provider's limits
// (Telenumerus: requests per minute and one open order), and a number rented twice (Agent OTP).
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SIM_KEY, startWorker } from "./support/harness.mjs";
import { OTHER_TOKEN, PROVIDERS, TOKEN, client, startProvider } from "./support/providers.mjs";

function assertError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.error_code, code, res.text);
  assert.equal(typeof res.json.error, "string");
  assert.equal(typeof res.json.retryable, "boolean");
  assert.ok("retry_after_seconds" in res.json);
}

/** Waits for the order's code through the long-poll; answers the status that carried it. */
async function waitForCode(api, id, deadlineMs = 20_000) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const res = await api(`/numbers/wait?id=${id}&timeout=10`);
    assert.equal(res.status, 200, res.text);
    if (res.json.sms_code) return res.json;
  }
  throw new Error(`no code for ${id} within ${deadlineMs} ms`);
}

for (const dialect of Object.keys(PROVIDERS)) {
  describe(`${dialect} through the Worker`, () => {
    let sim;
    let worker;
    let setup;
    let api;

    before(async () => {
      ({ sim, worker, setup } = await startProvider(dialect));
      api = client(worker);
    });

    after(async () => {
      await worker?.stop();
      await sim?.stop();
    });

    // Orders left waiting would hold Telenumerus's one open order: each test ends its own.
    afterEach(async () => {
      const listed = await api("/orders");
      for (const order of listed.json?.orders ?? []) {
        if (order.status === "waiting") await api(`/numbers/cancel?id=${order.id}`, { method: "POST" });
      }
      await sim.faults({});
    });

    test("the catalogue comes from the provider or its documented configuration", async () => {
      const health = await api("/health");
      assert.equal(health.json.provider, dialect);
      const services = await api("/services");
      assert.equal(services.status, 200, services.text);
      assert.ok(services.json.some((s) => s.code === setup.buy.service && s.name), services.text);
      const countries = await api("/countries");
      assert.equal(countries.status, 200, countries.text);
      const country = countries.json.find((c) => c.code === setup.buy.country);
      assert.ok(country?.name, countries.text);
      const prices = await api(`/prices?service=${setup.buy.service}&country=${setup.buy.country}`);
      assert.equal(prices.status, 200, prices.text);
      const pair = prices.json.find((p) => p.service === setup.buy.service && p.country === setup.buy.country);
      assert.ok(pair && pair.price > 0 && pair.stock > 0, prices.text);
      const balance = await api("/balance");
      assert.equal(balance.status, 200, balance.text);
      assert.equal(typeof balance.json.balance, "number");
      if (dialect === "agentotp") {
        assert.equal(balance.json.currency, "USD");
        assert.equal(balance.json.balance, balance.json.quota.remaining * setup.price, "the rentals left, priced");
      }
      const stats = await sim.stats();
      assert.equal(stats.unauthorized, 0, "the Worker presents the key the provider documents");
    });

    test("a whole order: buy, the code, finish", async () => {
      const bought = await api("/numbers/buy", { method: "POST", body: setup.buy });
      assert.equal(bought.status, 200, bought.text);
      assert.match(bought.json.phone, /^\+\d+$/);
      const simOrders = await sim.orders();
      const upstream = simOrders.find((o) => o.id === bought.json.id);
      assert.ok(upstream, `the v1 id is the provider's order (or rental) id: ${bought.json.id}`);
      const status = await waitForCode(api, bought.json.id);
      assert.equal(status.status, "received");
      assert.equal(status.sms_code, (await sim.orders()).find((o) => o.id === bought.json.id).messages.at(-1).code);
      const finished = await api(`/numbers/finish?id=${bought.json.id}`, { method: "POST" });
      assert.equal(finished.status, 200, finished.text);
      assert.equal(finished.json.status, "finished");
      const after = await api(`/numbers/status?id=${bought.json.id}`);
      assert.equal(after.json.status, "finished");
    });

    test("cancel right away refunds (no window but OxgelAPI's, set to 0 here)", async () => {
      await sim.config({ sms_delay_seconds: 600 });
      const before = await sim.accounts();
      const bought = await api("/numbers/buy", { method: "POST", body: setup.buy });
      assert.equal(bought.status, 200, bought.text);
      const cancelled = await api(`/numbers/cancel?id=${bought.json.id}`, { method: "POST" });
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.json.status, "cancelled");
      if (dialect === "telenumerus") assert.equal(cancelled.json.refunded, bought.json.cost, "the refund is reported");
      const upstream = (await sim.orders()).find((o) => o.id === bought.json.id);
      // Agent OTP's cancel is its documented release.
      assert.equal(upstream.status, dialect === "agentotp" ? "released" : "cancelled");
      if (dialect !== "agentotp") {
        const after = await sim.accounts();
        assert.equal(after[0].balance, before[0].balance, "the money is back");
      }
      await sim.config({ sms_delay_seconds: 2 });
    });

    test("ten concurrent buys under one Idempotency-Key buy one number", async () => {
      await sim.config({ sms_delay_seconds: 600 });
      const key = `providers-${dialect}-${Date.now()}`;
      const ordersBefore = (await sim.orders()).length;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          api("/numbers/buy", { method: "POST", body: setup.buy, headers: { "idempotency-key": key } })),
      );
      for (const a of answers) assert.equal(a.status, 200, a.text);
      assert.equal(new Set(answers.map((a) => a.json.id)).size, 1);
      const ordered = (await sim.orders()).filter((o) => o.id === answers[0].json.id);
      assert.equal(ordered.length, 1);
      assert.equal((await sim.orders()).length, ordersBefore + 1, "one purchase upstream");
      await api(`/numbers/cancel?id=${answers[0].json.id}`, { method: "POST" });
      await sim.config({ sms_delay_seconds: 2 });
    });
  });
}

describe("telenumerus: documented errors, limits and the push", () => {
  let sim;
  let worker;
  let api;

  before(async () => {
    ({ sim, worker } = await startProvider("telenumerus", { vars: { UPSTREAM_REQUESTS_PER_MINUTE: "40" } }));
    api = client(worker);
  });

  after(async () => {
    await worker?.stop();
    await sim?.stop();
  });

  test("every documented error code maps to its v1 code, status, retryable and Retry-After", async () => {
    const cases = [
      ["RATE_LIMITED", 429, "RATE_LIMITED", true],
      ["INVALID_API_KEY", 502, "UPSTREAM_UNAUTHORIZED", false],
      ["ACCOUNT_SUSPENDED", 502, "UPSTREAM_ACCOUNT_SUSPENDED", false],
      ["INSUFFICIENT_BALANCE", 402, "INSUFFICIENT_BALANCE", false],
      ["UNKNOWN_PLATFORM", 400, "INVALID_REQUEST", false],
      ["ORDER_IN_PROGRESS", 409, "ORDER_IN_PROGRESS", true],
      ["PROVIDER_UNAVAILABLE", 503, "UPSTREAM_UNAVAILABLE", true, 30],
      ["ORDER_NOT_FOUND", 404, "NOT_FOUND", false],
      ["INVALID_REQUEST", 400, "INVALID_REQUEST", false],
      ["INTERNAL_ERROR", 503, "UPSTREAM_UNAVAILABLE", true],
    ];
    for (const [code, status, v1, retryable, retryAfter] of cases) {
      await sim.faults({ next: [{ kind: "provider_error", code }] });
      const res = await api("/balance");
      assertError(res, status, v1);
      assert.equal(res.json.retryable, retryable, code);
      if (retryAfter !== undefined) {
        assert.equal(res.json.retry_after_seconds, retryAfter, code);
        assert.equal(res.headers.get("retry-after"), String(retryAfter), code);
      }
      if (code === "ORDER_IN_PROGRESS") assert.match(res.json.error, /one open order at a time/);
    }
  });

  test("one open order at a time: the second buy waits, and the provider is not asked", async () => {
    await sim.config({ sms_delay_seconds: 600 });
    const first = await api("/numbers/buy", { method: "POST", body: { service: "google", country: "US" } });
    assert.equal(first.status, 200, first.text);
    const second = await api("/numbers/buy", { method: "POST", body: { service: "discord", country: "US" } });
    assertError(second, 409, "ORDER_IN_PROGRESS");
    assert.equal(second.json.retryable, true);
    assert.ok(Number(second.headers.get("retry-after")) > 0);
    assert.equal((await sim.orders()).length, 1, "the provider saw one order");
    const cancelled = await api(`/numbers/cancel?id=${first.json.id}`, { method: "POST" });
    assert.equal(cancelled.status, 200, cancelled.text);
    const third = await api("/numbers/buy", { method: "POST", body: { service: "discord", country: "US" } });
    assert.equal(third.status, 200, third.text);
    await api(`/numbers/cancel?id=${third.json.id}`, { method: "POST" });
    await sim.config({ sms_delay_seconds: 2 });
  });

  test("two callers' equal Idempotency-Keys never name one purchase at the provider", async () => {
    const key = `shared-key-${Date.now()}`;
    const mine = await api("/numbers/buy", { method: "POST", body: { service: "google", country: "US" }, headers: { "idempotency-key": key } });
    assert.equal(mine.status, 200, mine.text);
    await waitForCode(api, mine.json.id);
    await api(`/numbers/finish?id=${mine.json.id}`, { method: "POST" });
    const other = client(worker, OTHER_TOKEN);
    const theirs = await other("/numbers/buy", { method: "POST", body: { service: "google", country: "US" }, headers: { "idempotency-key": key } });
    assert.equal(theirs.status, 200, theirs.text);
    assert.notEqual(theirs.json.id, mine.json.id, "a purchase of its own");
    const keys = (await sim.requests())
      .filter((r) => r.path === "/api/v1/order")
      .map((r) => JSON.parse(r.body).idempotency_key)
      .filter((k) => k?.endsWith(`:${key}`));
    assert.equal(new Set(keys).size, 2, `two keys upstream: ${keys}`);
    assert.ok(keys.every((k) => !k.includes("e2e") && !k.includes("other")), `scoped, not named: ${keys}`);
    await other(`/numbers/cancel?id=${theirs.json.id}`, { method: "POST" });
  });

  test("the code comes by the provider's stream, not by polling", async () => {
    await sim.config({ sms_delay_seconds: 600 });
    const bought = await api("/numbers/buy", { method: "POST", body: { service: "google", country: "US" } });
    assert.equal(bought.status, 200, bought.text);
    const waiting = api(`/numbers/wait?id=${bought.json.id}&timeout=20`);
    await new Promise((r) => setTimeout(r, 1500));
    await sim.sms({ id: bought.json.id });
    const got = await waiting;
    assert.equal(got.json.status, "received", got.text);
    const requests = await sim.requests();
    const about = requests.filter((r) => r.path.includes(`/order/${bought.json.id}`));
    assert.ok(about.some((r) => r.path.endsWith("/stream")), "the stream was opened");
    assert.equal(about.filter((r) => r.path === `/api/v1/order/${bought.json.id}`).length, 0, "no status polls");
    await api(`/numbers/finish?id=${bought.json.id}`, { method: "POST" });
    await sim.config({ sms_delay_seconds: 2 });
  });

  test("the deployment's request meter: over the limit, RATE_LIMITED with Retry-After, and the provider is spared", async () => {
    const metered = await startWorker({
      vars: { PROVIDER: "telenumerus", UPSTREAM_URL: sim.api, AUTH_MODE: "token", UPSTREAM_REQUESTS_PER_MINUTE: "3" },
      secrets: { ACCESS_TOKENS: `e2e:${TOKEN}`, TELENUMERUS_API_KEY: SIM_KEY },
    });
    try {
      await sim.reset();
      const call = client(metered);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await call("/balance"));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 429, 429]);
      assertError(answers[3], 429, "RATE_LIMITED");
      assert.ok(Number(answers[3].headers.get("retry-after")) > 0);
      const stats = await sim.stats();
      assert.equal(stats.requests.account, 3, "only the metered requests reached the provider");
    } finally {
      await metered.stop();
    }
  });
});

describe("agentotp: errors, quota, and a number rented twice", () => {
  let sim;
  let worker;
  let api;

  before(async () => {
    ({ sim, worker } = await startProvider("agentotp"));
    api = client(worker);
  });

  after(async () => {
    await worker?.stop();
    await sim?.stop();
  });

  test("every documented status maps to its v1 code", async () => {
    const cases = [
      [400, 400, "INVALID_REQUEST"],
      [401, 502, "UPSTREAM_UNAUTHORIZED"],
      [403, 402, "QUOTA_EXCEEDED"],
      [404, 404, "NOT_FOUND"],
      [500, 503, "UPSTREAM_UNAVAILABLE"],
    ];
    for (const [status, v1Status, v1] of cases) {
      await sim.faults({ next: [{ kind: "provider_error", status }] });
      const res = await api("/numbers/buy", { method: "POST", body: { service: "any", country: "US" } });
      assertError(res, v1Status, v1);
    }
    assert.equal((await sim.orders()).length, 0);
  });

  test("a number rented twice is two orders that never collide", async () => {
    await sim.config({ number_pool_size: 1 });
    const first = await api("/numbers/buy", { method: "POST", body: { service: "any", country: "US" } });
    assert.equal(first.status, 200, first.text);
    const firstCode = await waitForCode(api, first.json.id);
    assert.equal((await api(`/numbers/finish?id=${first.json.id}`, { method: "POST" })).status, 200);

    await sim.config({ sms_delay_seconds: 600 });
    const second = await api("/numbers/buy", { method: "POST", body: { service: "any", country: "US" } });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.phone, first.json.phone, "the same number again");
    assert.notEqual(second.json.id, first.json.id, "a rental of its own");
    const quiet = await api(`/numbers/wait?id=${second.json.id}&timeout=3`);
    assert.equal(quiet.json.status, "waiting", "the earlier rental's code is not this order's");
    await sim.sms({ id: second.json.id });
    const secondCode = await waitForCode(api, second.json.id);
    assert.notEqual(secondCode.sms_code, firstCode.sms_code);
    const firstAgain = await api(`/numbers/status?id=${first.json.id}`);
    assert.equal(firstAgain.json.status, "finished", "the first order is untouched");
    await api(`/numbers/finish?id=${second.json.id}`, { method: "POST" });
  });

  test("expected_sender: a message from another sender is not the service's code", async () => {
    await sim.config({ sms_delay_seconds: 600, number_pool_size: 20 });
    const bought = await api("/numbers/buy", { method: "POST", body: { service: "google", country: "US" } });
    assert.equal(bought.status, 200, bought.text);
    await sim.sms({ id: bought.json.id, from: "+15550000000", body: "Your bank code is 111111" });
    const quiet = await api(`/numbers/wait?id=${bought.json.id}&timeout=3`);
    assert.equal(quiet.json.status, "waiting", quiet.text);
    await sim.sms({ id: bought.json.id, from: "GOOGLE", body: "G-222333 is your Google verification code." });
    const got = await waitForCode(api, bought.json.id);
    assert.equal(got.sms_code, "222333");
    await api(`/numbers/finish?id=${bought.json.id}`, { method: "POST" });
  });
});
