// Orders as Durable Objects: ownership, idempotent buy, one upstream poll per order, stream and
// long-poll, the cancel window, the spend cap, and nothing lost across a restart.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIM_KEY, startSim, startWorker } from "./support/harness.mjs";

const ALICE = "orders-token-alice-91b2";
const BOB = "orders-token-bob-4d0e";
const POLL_SECONDS = 1;

let sim;
let worker;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(path, { method = "GET", token = ALICE, body, headers = {} } = {}) {
  const h = { authorization: `Bearer ${token}`, ...headers };
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await fetch(`${worker.api}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, json, text };
}

const buy = (body = { service: "wa", country: "187" }, opts = {}) => api("/numbers/buy", { method: "POST", body, ...opts });

async function simOrder(id) {
  return (await sim.orders()).find((o) => o.id === id);
}

/** Reads Server-Sent Events until `until(event)` or the time runs out. */
async function readEvents(path, { token = ALICE, headers = {}, until, timeoutMs = 15000 }) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(`${worker.api}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  const events = [];
  try {
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = { at: Date.now() };
        for (const line of block.split("\n")) {
          const [field, ...rest] = line.split(": ");
          event[field] = rest.join(": ");
        }
        if (event.data) {
          event.data = JSON.parse(event.data);
          events.push(event);
          if (until?.(event)) return events;
        }
      }
    }
    return events;
  } catch (e) {
    if (e.name === "AbortError") return events;
    throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const persistTo = mkdtempSync(join(tmpdir(), "vnum-orders-state-"));

before(async () => {
  sim = await startSim(["--sms-delay-seconds", "600", "--cancel-after-seconds", "2", "--balance", "1000"]);
  worker = await startWorker({
    vars: {
      PROVIDER: "oxgel",
      UPSTREAM_URL: sim.api,
      AUTH_MODE: "token",
      POLL_INTERVAL_SECONDS: String(POLL_SECONDS),
      CANCEL_AFTER_SECONDS: "2",
      DAILY_SPEND_LIMIT: "60.00",
    },
    secrets: { OXGEL_API_KEY: SIM_KEY, ACCESS_TOKENS: `alice:${ALICE},bob:${BOB}` },
    persistTo,
  });
});

after(async () => {
  await worker?.stop();
  await sim?.stop();
});

describe("ownership", () => {
  test("two callers cannot see or touch each other's orders", async () => {
    const mine = await buy();
    assert.equal(mine.status, 200, mine.text);
    const id = mine.json.id;
    assert.equal((await api(`/numbers/status?id=${id}`)).status, 200);
    for (const [method, path] of [["GET", "status"], ["POST", "cancel"], ["POST", "finish"], ["POST", "another"], ["GET", "wait"], ["GET", "stream"]]) {
      const res = await api(`/numbers/${path}?id=${id}${path === "wait" ? "&timeout=1" : ""}`, { method, token: BOB });
      assert.equal(res.status, 404, `${path}: ${res.text}`);
      assert.equal(res.json.error_code, "NOT_FOUND");
    }
    const alices = (await api("/orders")).json.orders.map((o) => o.id);
    const bobs = (await api("/orders", { token: BOB })).json.orders.map((o) => o.id);
    assert.ok(alices.includes(id));
    assert.ok(!bobs.includes(id));
  });
});

describe("idempotent buy", () => {
  test("ten concurrent buys with one key buy once and charge once", async () => {
    const before = await sim.stats();
    const balanceBefore = (await api("/balance")).json.balance;
    const key = `idem-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => buy({ service: "ig", country: "187" }, { headers: { "idempotency-key": key } })),
    );
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const ids = new Set(answers.map((a) => a.json.id));
    assert.equal(ids.size, 1, "every answer is the same order");
    const afterStats = await sim.stats();
    assert.equal(afterStats.requests.buy - before.requests.buy, 1, "one upstream buy");
    assert.equal(afterStats.buys_succeeded - before.buys_succeeded, 1);
    const balanceAfter = (await api("/balance")).json.balance;
    assert.equal(Math.round((balanceBefore - balanceAfter) * 1e6), Math.round(answers[0].json.cost * 1e6), "charged once");

    // The first answer was lost: the retry gets the same order, and nothing is bought.
    const retry = await buy({ service: "ig", country: "187" }, { headers: { "idempotency-key": key } });
    assert.equal(retry.json.id, answers[0].json.id);
    assert.equal((await sim.stats()).requests.buy, afterStats.requests.buy);

    const other = await buy({ service: "tg", country: "187" }, { headers: { "idempotency-key": key } });
    assert.equal(other.status, 400, other.text);
    assert.equal(other.json.error_code, "INVALID_REQUEST");
    assert.equal((await sim.stats()).requests.buy, afterStats.requests.buy);
  });
});

describe("one upstream poll per order", () => {
  test("20 watchers cost no more upstream status requests than 1", async (t) => {
    const windowMs = 6000;
    const measure = async (watchers) => {
      const order = (await buy({ service: "fb", country: "187" })).json;
      await sleep(1500);
      const start = (await simOrder(order.id)).status_requests;
      const deadline = Date.now() + windowMs;
      let answers = 0;
      await Promise.all(
        Array.from({ length: watchers }, async () => {
          while (Date.now() < deadline) {
            const res = await api(`/numbers/status?id=${order.id}`);
            assert.equal(res.status, 200);
            answers++;
            await sleep(100);
          }
        }),
      );
      const polls = (await simOrder(order.id)).status_requests - start;
      return { polls, answers, perMinute: (polls * 60000) / windowMs };
    };
    const one = await measure(1);
    const twenty = await measure(20);
    t.diagnostic(`upstream status requests per order per minute (poll interval ${POLL_SECONDS} s): 1 watcher ${one.perMinute.toFixed(0)}, 20 watchers ${twenty.perMinute.toFixed(0)}; ${twenty.answers} answers to the 20 watchers`);
    const ceiling = windowMs / 1000 / POLL_SECONDS + 2;
    assert.ok(twenty.polls <= ceiling, `20 watchers caused ${twenty.polls} upstream polls in ${windowMs} ms`);
    assert.ok(twenty.polls >= 3, `the object keeps polling (${twenty.polls})`);
    assert.ok(twenty.answers > 20 * 10, `the watchers were answered (${twenty.answers})`);
    assert.ok(Math.abs(twenty.polls - one.polls) <= 2, `1 watcher: ${one.polls}, 20 watchers: ${twenty.polls}`);
  });
});

describe("push", () => {
  test("stream clients get the code within one poll interval of its delivery", async (t) => {
    await sim.config({ sms_delay_seconds: 3 });
    const orders = await Promise.all(Array.from({ length: 20 }, () => buy({ service: "go", country: "187" })));
    for (const o of orders) assert.equal(o.status, 200, o.text);
    const streams = await Promise.all(
      orders.map((o) => readEvents(`/numbers/stream?id=${o.json.id}`, { until: (e) => e.data.sms_code })),
    );
    await sim.config({ sms_delay_seconds: 600 });
    const { offset_ms } = await sim.clockNow();
    const latencies = [];
    for (const [i, events] of streams.entries()) {
      const got = events.find((e) => e.data.sms_code);
      assert.ok(got, `order ${i} got its code by stream`);
      assert.equal(events[0].data.status, "waiting", "the stream starts with the current status");
      const delivered = await simOrder(orders[i].json.id);
      assert.equal(got.data.sms_code, delivered.messages[0].code);
      const deliveredAt = Date.parse(delivered.messages[0].received_at) - offset_ms;
      latencies.push(got.at - deliveredAt);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length / 2)];
    t.diagnostic(`code delivered → stream client: p50 ${p50} ms, max ${latencies.at(-1)} ms over ${latencies.length} orders (poll interval ${POLL_SECONDS} s)`);
    assert.ok(latencies.at(-1) <= POLL_SECONDS * 1000 + 700, `slowest ${latencies.at(-1)} ms`);
  });

  test("a stream resumes with Last-Event-ID and ends after a final state", async () => {
    await sim.config({ sms_delay_seconds: 1 });
    const order = (await buy({ service: "tk", country: "187" })).json;
    await sim.config({ sms_delay_seconds: 600 });
    const first = await readEvents(`/numbers/stream?id=${order.id}`, { until: (e) => e.data.sms_code });
    const last = first.at(-1);
    assert.equal(last.event, "status");
    assert.equal((await api(`/numbers/finish?id=${order.id}`, { method: "POST" })).status, 200);
    const resumed = await readEvents(`/numbers/stream?id=${order.id}`, { headers: { "last-event-id": last.id }, timeoutMs: 5000 });
    assert.deepEqual(resumed.map((e) => [e.event, e.data.status]), [["final", "finished"]]);
    assert.ok(Number(resumed[0].id) > Number(last.id));
  });

  test("long-poll answers at the timeout while waiting, at once when a code is there", async () => {
    const order = (await buy({ service: "ds", country: "187" })).json;
    const t0 = Date.now();
    const waited = await api(`/numbers/wait?id=${order.id}&timeout=2`);
    assert.equal(waited.json.status, "waiting");
    assert.ok(Date.now() - t0 >= 1900, `returned after ${Date.now() - t0} ms`);
    const bad = await api(`/numbers/wait?id=${order.id}&timeout=61`);
    assert.equal(bad.json.error_code, "INVALID_REQUEST");
  });
});

describe("rules enforced locally", () => {
  test("early cancel is refused with the right wait, then refunds", async () => {
    const before = (await api("/balance")).json;
    const order = (await buy({ service: "wa", country: "16" })).json;
    const early = await api(`/numbers/cancel?id=${order.id}`, { method: "POST" });
    assert.equal(early.status, 409, early.text);
    assert.equal(early.json.error_code, "CANCEL_TOO_EARLY");
    assert.ok([1, 2].includes(early.json.retry_after_seconds), early.text);
    const cancelsBefore = (await sim.stats()).requests.cancel;
    assert.equal((await sim.stats()).requests.cancel, cancelsBefore, "the early cancel never reached the provider");
    await sleep(early.json.retry_after_seconds * 1000 + 200);
    const cancelled = await api(`/numbers/cancel?id=${order.id}`, { method: "POST" });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.json.refunded, order.cost);
    assert.equal((await api("/balance")).json.balance, before.balance);
    const again = await api(`/numbers/finish?id=${order.id}`, { method: "POST" });
    assert.equal(again.json.error_code, "ORDER_CLOSED");
    assert.equal((await api(`/numbers/status?id=${order.id}`)).json.status, "cancelled");
  });

});

describe("nothing lost", () => {
  test("a restart of the Worker keeps every order, owner and code", async () => {
    await sim.config({ sms_delay_seconds: 1 });
    const order = (await buy({ service: "oi", country: "187" })).json;
    await sim.config({ sms_delay_seconds: 600 });
    const code = (await api(`/numbers/wait?id=${order.id}&timeout=10`)).json.sms_code;
    assert.ok(code);
    const before = (await api("/orders")).json.orders;
    assert.ok(before.length >= 5);
    assert.ok(before.every((o, i) => i === 0 || Date.parse(before[i - 1].created_at) >= Date.parse(o.created_at)), "newest first");

    await worker.restart();

    const afterList = (await api("/orders")).json.orders;
    assert.deepEqual(afterList.map((o) => o.id), before.map((o) => o.id));
    const status = await api(`/numbers/status?id=${order.id}`);
    assert.equal(status.json.status, "received");
    assert.equal(status.json.sms_code, code);
    assert.equal((await api(`/numbers/status?id=${order.id}`, { token: BOB })).status, 404, "still only the owner's");
    assert.equal((await api(`/numbers/finish?id=${order.id}`, { method: "POST" })).json.status, "finished");
  });
});

describe("spend guard", () => {
  test("the daily spend cap refuses a purchase before it reaches the provider", async () => {
    let refused;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await buy({ service: "tg", country: "16" });
      if (res.status !== 200) refused = res;
    }
    assert.ok(refused, "the cap was reached");
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.error_code, "SPEND_LIMIT_REACHED");
    assert.ok(refused.json.retry_after_seconds > 0 && refused.json.retry_after_seconds <= 86400);
    const buys = (await sim.stats()).requests.buy;
    assert.equal((await buy({ service: "tg", country: "16" })).json.error_code, "SPEND_LIMIT_REACHED");
    assert.equal((await sim.stats()).requests.buy, buys);
  });
});
