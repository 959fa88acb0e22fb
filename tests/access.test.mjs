// AUTH_MODE=access: the Worker behind Cloudflare Access, which names the caller in a signed token
// (`Cf-Access-Jwt-Assertion`, RS256). Here a local key server plays the team's certs endpoint and the
// test signs tokens the way Access does; the Worker runs in workerd against vnum-sim.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { createServer } from "node:http";
import { SIM_KEY, startSim, startWorker } from "./support/harness.mjs";

const TEAM = "vnum-e2e.cloudflareaccess.com";
const AUD = "e2e-application-audience-tag";

let sim;
let worker;
let keyServer;
let certsRequests = 0;

const current = generateKeyPairSync("rsa", { modulusLength: 2048 });
const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = (pair, kid) => ({ ...pair.publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" });

const b64url = (data) => Buffer.from(data).toString("base64url");

/** A token as Access issues it, with `claims` over the defaults; `key` signs it. */
function token(claims = {}, { kid = "key-1", key = current.privateKey, alg = "RS256" } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg, kid, typ: "JWT" }));
  const payload = b64url(JSON.stringify({
    iss: `https://${TEAM}`, aud: [AUD], exp: now + 600, iat: now, nbf: now, email: "ana@example.com",
    sub: "user-ana", type: "app", ...claims,
  }));
  const signature = b64url(sign("sha256", Buffer.from(`${header}.${payload}`), key));
  return `${header}.${payload}.${signature}`;
}

async function api(path, { assertion, method = "GET", body, headers = {} } = {}) {
  const h = { ...(assertion ? { "cf-access-jwt-assertion": assertion } : {}), ...headers };
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await fetch(`${worker.api}${path}`, { method, headers: h, body: body && JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

function assertUnauthorized(res, why) {
  assert.equal(res.status, 401, `${why}: ${res.text}`);
  assert.equal(res.json?.error_code, "UNAUTHORIZED", why);
}

before(async () => {
  keyServer = createServer((req, res) => {
    certsRequests += 1;
    res.setHeader("content-type", "application/json");
    // Another kind of key in the set must not spoil the RSA one.
    const ec = { kty: "EC", kid: "ec-1", crv: "P-256", x: "AAAA", y: "AAAA" };
    res.end(JSON.stringify({ keys: [ec, jwk(current, "key-1")], public_cert: {}, public_certs: [] }));
  });
  await new Promise((ok) => keyServer.listen(0, "127.0.0.1", ok));
  sim = await startSim(["--sms-delay-seconds", "5"]);
  worker = await startWorker({
    vars: {
      PROVIDER: "oxgel",
      UPSTREAM_URL: sim.api,
      AUTH_MODE: "access",
      ACCESS_TEAM_DOMAIN: TEAM,
      ACCESS_AUD: AUD,
      ACCESS_CERTS_URL: `http://127.0.0.1:${keyServer.address().port}/cdn-cgi/access/certs`,
    },
    secrets: { OXGEL_API_KEY: SIM_KEY },
  });
});

after(async () => {
  await worker?.stop();
  await sim?.stop();
  keyServer?.close();
});

describe("AUTH_MODE=access", () => {
  test("a valid Access token names the caller; its orders are its own", async () => {
    const ana = token();
    const balance = await api("/balance", { assertion: ana });
    assert.equal(balance.status, 200, balance.text);
    assert.equal(balance.json.currency, "USD");

    const bought = await api("/numbers/buy", { assertion: ana, method: "POST", body: { service: "wa", country: "187" } });
    assert.equal(bought.status, 200, bought.text);
    const mine = await api("/orders", { assertion: ana });
    assert.ok(mine.json.orders.some((o) => o.id === bought.json.id), "Ana's list has her order");

    // A service token (machine to machine) is another caller, named by its id.
    const service = token({ email: undefined, common_name: "ci-bot.access", sub: "" });
    const theirs = await api("/orders", { assertion: service });
    assert.equal(theirs.status, 200, theirs.text);
    assert.ok(!theirs.json.orders.some((o) => o.id === bought.json.id), "nobody else sees it");
    const status = await api(`/numbers/status?id=${bought.json.id}`, { assertion: service });
    assert.equal(status.status, 404, "nor reads it");
  });

  test("no token, a forged, expired or foreign one: 401, and the provider is not asked", async () => {
    const before = (await sim.stats()).total;
    assertUnauthorized(await api("/balance"), "no token");
    assertUnauthorized(await api("/balance", { headers: { authorization: "Bearer anything" } }), "a bearer token");
    assertUnauthorized(await api("/balance", { assertion: token({}, { key: stranger.privateKey }) }), "signed by another key");
    const [header, , signature] = token().split(".");
    const forged = [header, b64url(JSON.stringify({ iss: `https://${TEAM}`, aud: [AUD], exp: 9e9, email: "eve@example.com" })), signature];
    assertUnauthorized(await api("/balance", { assertion: forged.join(".") }), "claims changed after signing");
    const now = Math.floor(Date.now() / 1000);
    assertUnauthorized(await api("/balance", { assertion: token({ exp: now - 120 }) }), "expired");
    assertUnauthorized(await api("/balance", { assertion: token({ nbf: now + 600 }) }), "not valid yet");
    const [signedPart] = token().split(/\.(?=[^.]*$)/);
    assertUnauthorized(await api("/balance", { assertion: `${signedPart}.` }), "no signature");
    assertUnauthorized(await api("/balance", { assertion: `${signedPart}.${b64url(Buffer.alloc(256, 7))}` }), "a signature of the right length that is wrong");
    assertUnauthorized(await api("/balance", { assertion: token({ aud: ["another-app"] }) }), "another application");
    assertUnauthorized(await api("/balance", { assertion: token({ iss: "https://other.cloudflareaccess.com" }) }), "another team");
    assertUnauthorized(await api("/balance", { assertion: token({}, { alg: "none" }) }), "alg none");
    assertUnauthorized(await api("/balance", { assertion: "not.a.jwt" }), "garbage");
    assert.equal((await sim.stats()).total, before);
    assert.equal((await api("/health")).status, 200, "health needs no token");
  });

  test("keys are fetched once and kept; made-up key ids do not flood the certs endpoint", async () => {
    assert.equal((await api("/balance", { assertion: token() })).status, 200);
    const fetched = certsRequests;
    assert.ok(fetched >= 1, "the keys were fetched");
    for (let i = 0; i < 5; i++) assert.equal((await api("/balance", { assertion: token() })).status, 200);
    assert.equal(certsRequests, fetched, "and kept");
    for (let i = 0; i < 5; i++) {
      assertUnauthorized(await api("/balance", { assertion: token({}, { kid: `made-up-${i}` }) }), "unknown key id");
    }
    assert.ok(certsRequests - fetched <= 1, `at most one refetch for unknown ids (saw ${certsRequests - fetched})`);
  });
});
