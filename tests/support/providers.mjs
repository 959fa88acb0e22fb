// The three providers as the end-to-end suites set them up: vnum-sim speaking a provider's dialect
// (OxgelAPI, Telenumerus, Agent OTP) and the Worker in front of it, configured for that provider.
import { SIM_KEY, startSim, startWorker } from "./harness.mjs";

export const TOKEN = "providers-token-7c1d";
/** A second caller's token. */
export const OTHER_TOKEN = "providers-token-other-2e8";
const ACCOUNT_TOKEN = "agentotp-account-token-e2e-5a9";

/** What differs per provider: how the Worker and the simulator are set up, and what to buy. */
export const PROVIDERS = {
  oxgel: {
    simArgs: ["--cancel-after-seconds", "0"],
    vars: { CANCEL_AFTER_SECONDS: "0" },
    secrets: { OXGEL_API_KEY: SIM_KEY },
    buy: { service: "wa", country: "187" },
    price: 0.18,
  },
  telenumerus: {
    simArgs: [],
    vars: {},
    secrets: { TELENUMERUS_API_KEY: SIM_KEY },
    buy: { service: "google", country: "US" },
  },
  agentotp: {
    simArgs: ["--account-token", ACCOUNT_TOKEN],
    vars: {
      AGENTOTP_SERVICES: "any:Any service,google:Google:GOOGLE",
      AGENTOTP_COUNTRIES: "US,CA",
      AGENTOTP_PRICE: "0.5",
    },
    secrets: { AGENTOTP_API_KEY: SIM_KEY, AGENTOTP_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    buy: { service: "any", country: "US" },
    price: 0.5,
  },
};

/**
 * Starts the simulator speaking `dialect` (its SMS `smsDelay` s after purchase) and a Worker in front of
 * it, with the built web app when `assets`.
 */
export async function startProvider(dialect, { simArgs = [], vars = {}, smsDelay = 2, assets = false } = {}) {
  const setup = PROVIDERS[dialect];
  const sim = await startSim(["--dialect", dialect, "--sms-delay-seconds", String(smsDelay), ...setup.simArgs, ...simArgs]);
  const worker = await startWorker({
    assets,
    vars: { PROVIDER: dialect, UPSTREAM_URL: sim.api, AUTH_MODE: "token", MAX_PRICE: "2.00", ...setup.vars, ...vars },
    secrets: { ACCESS_TOKENS: `e2e:${TOKEN},other:${OTHER_TOKEN}`, ...setup.secrets },
  });
  return { sim, worker, setup };
}

/** One v1 request with the suite's token (or `token`). */
export function client(worker, token = TOKEN) {
  return async (path, { method = "GET", body, headers = {} } = {}) => {
    const h = { authorization: `Bearer ${token}`, ...headers };
    if (body !== undefined) h["content-type"] = "application/json";
    const res = await fetch(`${worker.api}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, json, text };
  };
}

