// Test support for the web app's browser suites (tests/web): Debian's Chromium driven by playwright-core,
// a fresh browser profile per test, helpers that find elements by data-testid, pick, buy and wait, and
// screenshots in tests/artifacts/.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/harness.mjs";

export const ARTIFACTS = join(ROOT, "tests/artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 860 };

/** The demo provider with fast timings: the SMS `smsDelay` s after purchase, cancelling after `cancelAfter` s. */
export function demoVars({ smsDelay, cancelAfter }) {
  return { PROVIDER: "demo", AUTH_MODE: "none", POLL_INTERVAL_SECONDS: "1",
    DEMO_SMS_DELAY_SECONDS: String(smsDelay), CANCEL_AFTER_SECONDS: String(cancelAfter) };
}

let browser;

/** Registers the suite's hooks: one Chromium for the file's tests. */
export function useBrowser() {
  before(async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  });
  after(async () => {
    await browser?.close();
  });
  return { newContext: (options) => browser.newContext(options) };
}

/** A fresh browser profile (its own localStorage) with one page; errors on the page fail the test. */
export async function openApp(worker, { viewport = DESKTOP, colorScheme = "light", path = "/" } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: worker.url });
  const page = await open(context, worker, path);
  return { context, page };
}

/** Opens another page of `context` on the app and waits until it runs. */
export async function open(context, worker, path = "/") {
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  // The browser logs every error status it receives (401, 402, …): those are answers the app explains.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) page.problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${worker.url}${path}`);
  await page.getByTestId("brand").waitFor();
  return page;
}

export const byId = (page, id) => page.getByTestId(id);

export async function text(locator) {
  return (await locator.textContent())?.trim() ?? "";
}

/** Waits until `locator`'s text matches `pattern`; returns the text. */
export async function waitForText(locator, pattern, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.count()) > 0 ? await text(locator) : "";
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern}; last text: ${JSON.stringify(last)}`);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `web-${name}.png`), fullPage: true });
}

export function assertClean(page) {
  assert.deepEqual(page.problems, [], page.problems.join("\n"));
}

/** Picks a service and a country by typing into their searches and choosing from the lists. */
export async function pick(page, { service, serviceQuery, country, countryQuery }) {
  await byId(page, "service-search").fill(serviceQuery);
  await byId(page, `service-option-${service}`).check();
  await byId(page, "country-search").fill(countryQuery);
  await byId(page, `country-option-${country}`).check();
}

/** Buys the picked pair and returns the new order's card (the newest is first), found by its order id. */
export async function buy(page) {
  const before = await byId(page, "order").count();
  await byId(page, "buy").click();
  await page.waitForFunction((n) => document.querySelectorAll("[data-testid=order]").length > n, before);
  await waitForText(byId(page, "buy"), /^Buy number$/);
  const id = await byId(page, "order").first().getAttribute("data-order-id");
  return page.locator(`[data-testid=order][data-order-id="${id}"]`);
}
