// The web app (apps/web) in Debian's Chromium, driven by playwright-core, against the Worker in workerd
// (`wrangler dev`) serving the built app as static assets, with the demo provider: pick → buy → code →
// copy → finish, resume after a reload and in a second tab, the cancel window and its refund, what is
// shown before buying (out of stock, too dear), insufficient balance, and a token-protected Worker.
// Elements are found by data-testid; every test saves a screenshot in tests/artifacts/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "../support/harness.mjs";
import {
  DESKTOP, PHONE, assertClean, buy, byId, demoVars, open, openApp, pick, screenshot, text, useBrowser, waitForText,
} from "./support.mjs";

// The SMS comes 8 s after purchase; cancelling is allowed after 3 s: so a test can cancel before the
// code arrives, and another can reload before it does.
const SMS_DELAY_SECONDS = 8;
const CANCEL_AFTER_SECONDS = 3;
const DEMO = demoVars({ smsDelay: SMS_DELAY_SECONDS, cancelAfter: CANCEL_AFTER_SECONDS });
const CODE_TIMEOUT = (SMS_DELAY_SECONDS + 12) * 1000;

const browser = useBrowser();

describe("the web app with the demo provider", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ assets: true, vars: DEMO });
  });
  after(() => worker?.stop());

  test("pick → buy → the code appears → copy → finish, at desktop width", async () => {
    const { context, page } = await openApp(worker);
    try {
      await byId(page, "demo-badge").waitFor();
      assert.equal(await text(byId(page, "balance-amount")), "10.00 USD");
      assert.match(await text(byId(page, "no-orders")), /No open orders/);

      // "whats" finds WhatsApp and nothing else.
      await byId(page, "service-search").fill("whats");
      await waitForText(byId(page, "service-picker").locator(".choices"), /^WhatsApp\s*wa$/);
      await byId(page, "service-option-wa").check();
      assert.equal(await text(byId(page, "service-chosen")), "WhatsApp");
      // A country by its ISO2, chosen with the keyboard: Enter takes the best match.
      await byId(page, "country-search").fill("US");
      await byId(page, "country-search").press("Enter");
      assert.equal(await text(byId(page, "country-chosen")), "United States");
      assert.equal(await waitForText(byId(page, "offer-line"), /available/), "0.18 USD · 42 available");

      await byId(page, "buy").focus();
      await page.keyboard.press("Enter");
      const card = byId(page, "order").first();
      await card.waitFor();
      assert.match(await text(card.getByTestId("phone")), /^\+\d{8,15}$/);
      assert.match(await text(card.getByTestId("order-code")), /^ORD-/);
      assert.equal(await text(card.getByTestId("order-cost")), "0.18 USD");
      assert.match(await text(card.getByTestId("expires-in")), /^\d+:\d\d$/);
      assert.match(await text(card.getByTestId("waiting")), /Waiting for SMS… \d+:\d\d/);
      assert.equal(await card.getAttribute("data-status"), "waiting");
      assert.equal(await card.getByTestId("finish").isDisabled(), true, "nothing to finish before the code");
      await waitForText(byId(page, "escrow"), /^0\.18 USD on hold$/);

      const code = await waitForText(card.getByTestId("sms-code"), /^\d{4,8}$/, CODE_TIMEOUT);
      assert.match(await text(card.getByTestId("sms-text")), /WhatsApp/);
      assert.equal(await card.getByTestId("waiting").count(), 0);
      await card.getByTestId("copy-code").click();
      await waitForText(card.getByTestId("copy-code"), /^Copied the /);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
      await card.getByTestId("copy-phone").click();
      await waitForText(card.getByTestId("copy-phone"), /^Copied the /);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await text(card.getByTestId("phone")));
      await screenshot(page, "desktop-light-code");

      await card.getByTestId("finish").click();
      assert.equal(await waitForText(card.getByTestId("final-note"), /Finished/), "Finished: 0.18 USD paid.");
      await waitForText(byId(page, "balance-amount"), /^9\.82 USD$/);
      await waitForText(byId(page, "escrow"), /^0\.00 USD on hold$/);

      // Ended: no more polling of the order, and the card goes to the history when closed.
      const asked = [];
      page.on("request", (r) => r.url().includes("/numbers/") && asked.push(r.url()));
      await page.waitForTimeout(5_000);
      assert.deepEqual(asked, [], "no request about an ended order");
      await card.getByTestId("close-order").click();
      const item = byId(page, "history-item").first();
      await item.waitFor();
      assert.equal(await item.getAttribute("data-status"), "finished");
      assert.match(await text(item), new RegExp(code));
      assertClean(page);
    } finally {
      await context.close();
    }
  });

  test("out of stock and too expensive are shown before buying, at 360 px in dark mode", async () => {
    const { context, page } = await openApp(worker, { viewport: PHONE, colorScheme: "dark" });
    try {
      await byId(page, "service-search").fill("zzz");
      await waitForText(byId(page, "service-picker").locator(".choices"), /Nothing matches/);
      await pick(page, { service: "oi", serviceQuery: "", country: "22", countryQuery: "" });
      const line = byId(page, "offer-line");
      await waitForText(line, /out of stock/);
      assert.equal(await line.getAttribute("data-offer"), "out-of-stock");
      assert.equal(await byId(page, "buy").isDisabled(), true);
      await pick(page, { service: "wa", serviceQuery: "whats", country: "187", countryQuery: "united st" });
      await waitForText(line, /available/);
      assert.equal(await byId(page, "buy").isDisabled(), false);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `the page fits 360 px (scrollWidth ${width})`);
      await screenshot(page, "phone-dark-offer");
      assertClean(page);
    } finally {
      await context.close();
    }
  });

  test("a reload mid-wait resumes the order and the code still arrives; other tabs and browsers see it", async () => {
    const { context, page } = await openApp(worker, { viewport: PHONE, colorScheme: "dark" });
    try {
      await pick(page, { service: "tg", serviceQuery: "tele", country: "16", countryQuery: "gb" });
      await waitForText(byId(page, "offer-line"), /available/);
      const card = await buy(page);
      const id = await card.getAttribute("data-order-id");
      await card.getByTestId("waiting").waitFor();

      await page.reload();
      const resumed = page.locator(`[data-testid=order][data-order-id="${id}"]`);
      await resumed.getByTestId("waiting").waitFor();
      assert.equal(await resumed.getAttribute("data-status"), "waiting", "still waiting after the reload");

      // A second tab of the same browser resumes it from localStorage.
      const tab = await open(context, worker);
      const inTab = tab.locator(`[data-testid=order][data-order-id="${id}"]`);
      await inTab.waitFor();

      const code = await waitForText(resumed.getByTestId("sms-code"), /^\d{4,8}$/, CODE_TIMEOUT);
      assert.equal(await waitForText(inTab.getByTestId("sms-code"), /^\d{4,8}$/, CODE_TIMEOUT), code);
      await screenshot(page, "phone-dark-resumed");

      // Another browser (no localStorage) recovers it from the Worker's list of orders.
      const other = await openApp(worker, { viewport: DESKTOP, colorScheme: "dark" });
      try {
        const recovered = other.page.locator(`[data-testid=order][data-order-id="${id}"]`);
        assert.equal(await waitForText(recovered.getByTestId("sms-code"), /^\d{4,8}$/), code);
        await screenshot(other.page, "desktop-dark-recovered");
        assertClean(other.page);
      } finally {
        await other.context.close();
      }

      // Finishing in one tab ends it in the other.
      await resumed.getByTestId("finish").click();
      await waitForText(resumed.getByTestId("final-note"), /Finished/);
      await waitForText(inTab.getByTestId("order-status"), /Finished/);
      assertClean(page);
      assertClean(tab);
    } finally {
      await context.close();
    }
  });

  test("cancel is disabled with a countdown until the window opens, then refunds", async () => {
    const { context, page } = await openApp(worker, { viewport: PHONE });
    try {
      await pick(page, { service: "go", serviceQuery: "goo", country: "187", countryQuery: "us" });
      await waitForText(byId(page, "offer-line"), /available/);
      const start = await waitForText(byId(page, "balance-amount"), /USD$/);
      const card = await buy(page);
      const cancel = card.getByTestId("cancel");
      await waitForText(cancel, /^Cancel in 0:0[1-3]$/);
      assert.equal(await cancel.isDisabled(), true);
      await screenshot(page, "phone-light-cancel-countdown");
      await waitForText(cancel, /^Cancel$/, (CANCEL_AFTER_SECONDS + 3) * 1000);
      assert.equal(await cancel.isDisabled(), false);
      await cancel.click();
      const note = await waitForText(card.getByTestId("final-note"), /Cancelled/);
      assert.match(note, /went back to your balance/);
      assert.equal(await card.getAttribute("data-status"), "cancelled");
      assert.equal(await waitForText(byId(page, "balance-amount"), new RegExp(`^${start}$`)), start, "refunded");
      await screenshot(page, "phone-light-cancelled");
      assertClean(page);
    } finally {
      await context.close();
    }
  });

  test("the app loads on any path (single-page fallback) while /api/* stays the API", async () => {
    const { context, page } = await openApp(worker, { path: "/orders/some/where" });
    try {
      await byId(page, "service-picker").waitFor();
      const res = await page.request.get(`${worker.url}/api/v1/nowhere`);
      assert.equal(res.status(), 404);
      assert.equal((await res.json()).error_code, "UNKNOWN_ROUTE");
      await screenshot(page, "deep-path");
      assertClean(page);
    } finally {
      await context.close();
    }
  });

  test("a saved order the Worker does not know is explained and can be removed", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const id = "3f2b8c1e-9a7d-4e2f-b6a1-0c9d8e7f6a5b";
    const saved = [{ id, phone: "+15550000000", service: "wa", country: "187", cost: 0.18, created_at: Date.now(),
      expires_at: Date.now() + 600_000, status: "waiting" }];
    await context.addInitScript((orders) => {
      if (!sessionStorage.getItem("seeded")) {
        localStorage.setItem("vnum.orders.v1", JSON.stringify(orders));
        sessionStorage.setItem("seeded", "1");
      }
    }, saved);
    try {
      const page = await open(context, worker);
      const card = page.locator(`[data-testid=order][data-order-id="${id}"]`);
      assert.match(await waitForText(card.getByTestId("order-problem"), /does not know this order/), /^vnum does not/);
      await card.getByTestId("remove-order").click();
      await card.waitFor({ state: "detached" });
      await page.reload();
      await byId(page, "service-option-wa").waitFor();
      assert.equal(await card.count(), 0, "gone for good");
      assertClean(page);
    } finally {
      await context.close();
    }
  });
});

describe("running out of money", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ assets: true, vars: { ...DEMO, DEMO_SMS_DELAY_SECONDS: "600" } });
  });
  after(() => worker?.stop());

  test("several open orders at once, then the balance is too low: shown before buying, and the sentence", async () => {
    const { context, page } = await openApp(worker, { viewport: DESKTOP, colorScheme: "dark" });
    try {
      // Another browser that still believes the balance is 10.00 when the money is gone.
      const other = await openApp(worker, { viewport: DESKTOP });
      const stale = other.page;
      await pick(stale, { service: "tg", serviceQuery: "telegram", country: "16", countryQuery: "kingdom" });
      await waitForText(byId(stale, "offer-line"), /^1\.25 USD · \d+ available$/);

      await pick(page, { service: "tg", serviceQuery: "telegram", country: "16", countryQuery: "kingdom" });
      const line = byId(page, "offer-line");
      for (let i = 1; i <= 8; i++) {
        await waitForText(line, /available/);
        await buy(page);
        await waitForText(byId(page, "balance-amount"), new RegExp(`^${(10 - 1.25 * i).toFixed(2)} USD$`));
      }
      assert.equal(await byId(page, "order").count(), 8, "eight orders open at once");
      assert.equal(await waitForText(byId(page, "escrow"), /^10\.00/), "10.00 USD on hold");
      const shown = await waitForText(line, /too low/);
      assert.equal(shown, "Your balance is too low for this number: it costs 1.25 USD and 0.00 USD is free to spend.");
      assert.equal(await line.getAttribute("data-offer"), "too-expensive");
      assert.equal(await byId(page, "buy").isDisabled(), true);
      await page.waitForTimeout(500);
      await screenshot(page, "desktop-dark-eight-orders");

      // The stale tab may still try: the proxy refuses, and the answer is a sentence, not JSON.
      await byId(stale, "buy").click();
      const sentence = await waitForText(byId(stale, "buy-error"), /balance/);
      assert.match(sentence, /^Your balance is too low for this number\./);
      assert.doesNotMatch(sentence, /[{}]|INSUFFICIENT/);
      await screenshot(stale, "desktop-light-insufficient");
      assertClean(page);
      assertClean(stale);
      await other.context.close();
    } finally {
      await context.close();
    }
  });
});

describe("a Worker that demands an access token", () => {
  const TOKEN = "web-e2e-token-7c2d";
  let worker;
  before(async () => {
    worker = await startWorker({
      assets: true,
      // And a price limit: a dearer number is shown as out of reach before anyone tries to buy it.
      vars: { ...DEMO, AUTH_MODE: "token", MAX_PRICE: "1.00" },
      secrets: { ACCESS_TOKENS: `web:${TOKEN}` },
    });
  });
  after(() => worker?.stop());

  test("asks for the token, refuses a wrong one, keeps the right one; MAX_PRICE is shown before buying", async () => {
    const { context, page } = await openApp(worker, { viewport: PHONE });
    try {
      const form = byId(page, "token-form");
      await form.waitFor();
      await byId(page, "demo-badge").waitFor();
      assert.match(await text(byId(page, "token-reason")), /private/);
      assert.equal(await byId(page, "buy").count(), 0, "nothing to buy without a token");
      await screenshot(page, "phone-light-token");

      await byId(page, "token-input").fill("not-the-token");
      await byId(page, "token-input").press("Enter");
      await waitForText(byId(page, "token-reason"), /not accepted/);

      await byId(page, "token-input").fill(TOKEN);
      await byId(page, "token-save").click();
      await waitForText(byId(page, "balance-amount"), /^10\.00 USD$/);
      await byId(page, "service-option-wa").waitFor();
      assert.equal(await byId(page, "token-form").count(), 0);

      // Kept in this browser: a reload goes straight to the shop.
      await page.reload();
      await waitForText(byId(page, "balance-amount"), /^10\.00 USD$/);
      assert.equal(await byId(page, "token-form").count(), 0);
      assert.equal(await page.evaluate(() => localStorage.getItem("vnum.token")), TOKEN);

      // tg/16 costs 1.25, above this Worker's MAX_PRICE of 1.00: said before buying, Buy stays off.
      await pick(page, { service: "tg", serviceQuery: "telegram", country: "16", countryQuery: "gb" });
      const line = byId(page, "offer-line");
      assert.equal(
        await waitForText(line, /allows/),
        "This number costs 1.25 USD, above the 1.00 USD that this vnum allows for one number.",
      );
      assert.equal(await line.getAttribute("data-offer"), "above-limit");
      assert.equal(await byId(page, "buy").isDisabled(), true);
      await pick(page, { service: "wa", serviceQuery: "whats", country: "187", countryQuery: "us" });
      await waitForText(line, /available/);
      assert.equal(await byId(page, "buy").isDisabled(), false);
      await screenshot(page, "phone-light-token-accepted");
      assertClean(page);
    } finally {
      await context.close();
    }
  });
});
