// The Worker with its built-in demo provider (what `scripts/run.sh` starts), and failing closed.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./support/harness.mjs";

describe("demo provider", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ vars: { PROVIDER: "demo", AUTH_MODE: "none", DEMO_SMS_DELAY_SECONDS: "1" } });
  });
  after(() => worker?.stop());

  const get = async (path, init) => {
    const res = await fetch(`${worker.api}${path}`, init);
    return { status: res.status, headers: res.headers, json: await res.json() };
  };

  test("is marked as demo", async () => {
    const health = await get("/health");
    assert.deepEqual(health.json, { ok: true, provider: "demo", demo: true, version: health.json.version });
    assert.equal((await get("/balance")).headers.get("x-vnum-demo"), "1");
  });

  test("sells a number whose code arrives, with no key and no internet", async () => {
    const start = (await get("/balance")).json;
    const bought = await get("/numbers/buy", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ service: "wa", country: "187" }),
    });
    assert.equal(bought.status, 200, JSON.stringify(bought.json));
    const held = (await get("/balance")).json;
    assert.equal(Math.round((start.balance - held.balance) * 100), Math.round(bought.json.cost * 100));
    assert.equal(Math.round((held.escrow - start.escrow) * 100), Math.round(bought.json.cost * 100));

    let status;
    for (let i = 0; i < 40; i++) {
      status = (await get(`/numbers/status?id=${bought.json.id}`)).json;
      if (status.status === "received") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status.status, "received");
    assert.match(status.sms_code, /^\d{4,8}$/);
    const finished = await get(`/numbers/finish?id=${bought.json.id}`, { method: "POST" });
    assert.equal(finished.json.status, "finished");
  });
});

describe("a Worker without its key", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ vars: { PROVIDER: "oxgel", AUTH_MODE: "token" }, secrets: { ACCESS_TOKENS: "t" } });
  });
  after(() => worker?.stop());

  test("fails closed with a sentence that says what to set", async () => {
    const health = await (await fetch(`${worker.api}/health`)).json();
    assert.equal(health.ok, false);
    const res = await fetch(`${worker.api}/balance`, { headers: { authorization: "Bearer t" } });
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error_code, "NOT_CONFIGURED");
    assert.match(body.error, /OXGEL_API_KEY/);
  });
});
