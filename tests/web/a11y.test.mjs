// Accessibility of the web app, checked in Chromium by axe-core (WCAG 2.0/2.1 A and AA, and axe's best
// practices) in every state a person meets, each at desktop and 360 px width, light and dark; and the
// whole purchase by keyboard alone, with the focus always visible.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startWorker } from "../support/harness.mjs";
import {
  DESKTOP, PHONE, assertClean, buy, byId, demoVars, open, openApp, pick, screenshot, text, useBrowser, waitForText,
} from "./support.mjs";

const AXE_SOURCE = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const LAYOUTS = [
  { name: "desktop-light", viewport: DESKTOP, colorScheme: "light" },
  { name: "desktop-dark", viewport: DESKTOP, colorScheme: "dark" },
  { name: "phone-light", viewport: PHONE, colorScheme: "light" },
  { name: "phone-dark", viewport: PHONE, colorScheme: "dark" },
];
const SMS_DELAY_SECONDS = 3;
const CANCEL_AFTER_SECONDS = 2;
const DEMO = demoVars({ smsDelay: SMS_DELAY_SECONDS, cancelAfter: CANCEL_AFTER_SECONDS });

const browser = useBrowser();

/** One violation as a person fixing it needs it: the rule, the element, and for contrast the numbers. */
function describeViolation(state, layout, v) {
  const nodes = v.nodes.map((n) => {
    const data = n.any.find((c) => c.data?.contrastRatio !== undefined)?.data;
    const numbers = data
      ? ` (${data.fgColor} on ${data.bgColor}: ${data.contrastRatio}:1, needs ${data.expectedContrastRatio})`
      : "";
    return `    ${n.target.join(" ")}${numbers}\n      ${n.html.slice(0, 160)}`;
  });
  return `[${state} @ ${layout}] ${v.id} (${v.impact}): ${v.help}\n${nodes.join("\n")}`;
}

/**
 * Records what axe-core finds on `page` in each layout, then puts the page back in its first layout.
 * The checks are counted so that the test can say how many states × layouts it saw.
 */
function auditor() {
  const found = [];
  const seen = [];
  return {
    found,
    seen,
    async check(page, state) {
      const original = {
        viewport: page.viewportSize(),
        colorScheme: await page.evaluate(() => (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light")),
      };
      for (const layout of LAYOUTS) {
        await page.setViewportSize(layout.viewport);
        await page.emulateMedia({ colorScheme: layout.colorScheme });
        // Two frames, so that layout and styles have settled.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ content: AXE_SOURCE });
        const result = await page.evaluate(
          (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
          AXE_TAGS,
        );
        for (const v of result.violations) found.push(describeViolation(state, layout.name, v));
        seen.push(`${state} @ ${layout.name}`);
      }
      await page.setViewportSize(original.viewport);
      await page.emulateMedia({ colorScheme: original.colorScheme });
    },
  };
}

describe("accessibility (axe-core) in every state", () => {
  test("the shop, an order's life, the history, running out of money and an error sentence", async () => {
    const worker = await startWorker({ assets: true, vars: DEMO });
    const { context, page } = await openApp(worker);
    const audit = auditor();
    try {
      await byId(page, "service-option-wa").waitFor();
      await byId(page, "no-orders").waitFor();
      await audit.check(page, "first load");

      await pick(page, { service: "wa", serviceQuery: "whats", country: "187", countryQuery: "united st" });
      await waitForText(byId(page, "offer-line"), /available/);
      await audit.check(page, "an offer");

      await pick(page, { service: "oi", serviceQuery: "", country: "22", countryQuery: "" });
      await waitForText(byId(page, "offer-line"), /out of stock/);
      await audit.check(page, "sold out");

      // An order waiting for its SMS, with Cancel counting down to its window.
      await pick(page, { service: "go", serviceQuery: "goo", country: "187", countryQuery: "us" });
      await waitForText(byId(page, "offer-line"), /available/);
      const cancelled = await buy(page);
      await waitForText(cancelled.getByTestId("cancel"), /^Cancel in 0:0\d$/);
      await cancelled.getByTestId("waiting").waitFor();
      await audit.check(page, "waiting for the SMS, cancel countdown");
      await waitForText(cancelled.getByTestId("cancel"), /^Cancel$/, (CANCEL_AFTER_SECONDS + 3) * 1000);
      await cancelled.getByTestId("cancel").click();
      await waitForText(cancelled.getByTestId("final-note"), /Cancelled/);
      await audit.check(page, "a cancelled order");

      await pick(page, { service: "wa", serviceQuery: "whats", country: "187", countryQuery: "united st" });
      await waitForText(byId(page, "offer-line"), /available/);
      const finished = await buy(page);
      await waitForText(finished.getByTestId("sms-code"), /^\d{4,8}$/, (SMS_DELAY_SECONDS + 12) * 1000);
      await finished.getByTestId("copy-code").click();
      await waitForText(finished.getByTestId("copy-code"), /^Copied the /);
      await audit.check(page, "the code shown");
      await finished.getByTestId("finish").click();
      await waitForText(finished.getByTestId("final-note"), /Finished/);
      await audit.check(page, "a finished order");

      for (const card of [finished, cancelled]) await card.getByTestId("close-order").click();
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=history-item]").length === 2);
      await byId(page, "no-orders").waitFor();
      await audit.check(page, "a finished and a cancelled order in the history");

      // Another browser that still believes the balance is enough, once the money is on hold.
      const other = await openApp(worker, { viewport: PHONE });
      const stale = other.page;
      await pick(stale, { service: "tg", serviceQuery: "telegram", country: "16", countryQuery: "kingdom" });
      await waitForText(byId(stale, "offer-line"), /available/);
      await pick(page, { service: "tg", serviceQuery: "telegram", country: "16", countryQuery: "kingdom" });
      for (let i = 0; i < 10; i++) {
        if (/too low/.test(await waitForText(byId(page, "offer-line"), /available|too low/))) break;
        const balance = parseFloat(await text(byId(page, "balance-amount")));
        await buy(page);
        await waitForText(byId(page, "balance-amount"), new RegExp(`^${(balance - 1.25).toFixed(2)} USD$`));
      }
      await waitForText(byId(page, "offer-line"), /too low/);
      await audit.check(page, "balance too low, several open orders");
      await byId(stale, "buy").click();
      await waitForText(byId(stale, "buy-error"), /balance/);
      await audit.check(stale, "an error sentence");
      await screenshot(stale, "a11y-error-sentence");

      // A saved order that the Worker does not know: explained on its card.
      const unknown = await browser.newContext({ viewport: DESKTOP });
      await unknown.addInitScript(() => {
        localStorage.setItem("vnum.orders.v1", JSON.stringify([{ id: "3f2b8c1e-9a7d-4e2f-b6a1-0c9d8e7f6a5b",
          phone: "+15550000000", service: "wa", country: "187", cost: 0.18, created_at: Date.now(),
          expires_at: Date.now() + 600_000, status: "waiting" }]));
      });
      const lost = await open(unknown, worker);
      await waitForText(byId(lost, "order-problem"), /does not know this order/);
      await audit.check(lost, "an order problem");

      assertClean(page);
      assertClean(stale);
      await other.context.close();
      await unknown.close();
      assert.deepEqual(audit.found, [], `axe-core found violations:\n${audit.found.join("\n")}`);
      assert.equal(audit.seen.length, 11 * LAYOUTS.length);
    } finally {
      await context.close();
      await worker.stop();
    }
  });

  test("the token form, a refused token, and a number above MAX_PRICE", async () => {
    const TOKEN = "a11y-token-51e0";
    const worker = await startWorker({
      assets: true,
      vars: { ...DEMO, AUTH_MODE: "token", MAX_PRICE: "1.00" },
      secrets: { ACCESS_TOKENS: `a11y:${TOKEN}` },
    });
    const { context, page } = await openApp(worker, { viewport: PHONE });
    const audit = auditor();
    try {
      await byId(page, "token-form").waitFor();
      await audit.check(page, "the token form");
      await byId(page, "token-input").fill("not-the-token");
      await byId(page, "token-input").press("Enter");
      await waitForText(byId(page, "token-reason"), /not accepted/);
      await audit.check(page, "a refused token");

      await byId(page, "token-input").fill(TOKEN);
      await byId(page, "token-save").click();
      await byId(page, "service-option-tg").waitFor();
      await pick(page, { service: "tg", serviceQuery: "telegram", country: "16", countryQuery: "gb" });
      await waitForText(byId(page, "offer-line"), /allows/);
      await audit.check(page, "too dear (above MAX_PRICE), with the forget-token link");
      assertClean(page);
      assert.deepEqual(audit.found, [], `axe-core found violations:\n${audit.found.join("\n")}`);
      assert.equal(audit.seen.length, 3 * LAYOUTS.length);
    } finally {
      await context.close();
      await worker.stop();
    }
  });
});

/** What has the focus: its data-testid (or tag), and whether a person can see that it has it. */
function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { id: "(body)", visible: false };
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    const inView = box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
    return {
      id: el.dataset.testid ?? el.closest("[data-testid]")?.dataset.testid ?? el.tagName,
      visible: outlined && inView && box.width > 0 && box.height > 0,
      matchesFocusVisible: el.matches(":focus-visible"),
    };
  });
}

/** Presses Tab until `testid` has the focus, checking at every stop that the focus can be seen. */
async function tabTo(page, testid, trail, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const focus = await focusState(page);
    trail.push(focus.id);
    assert.ok(focus.visible && focus.matchesFocusVisible, `the focus on ${focus.id} is not visible (after ${trail.join(" → ")})`);
    if (focus.id === testid) return;
  }
  assert.fail(`Tab never reached ${testid}: ${trail.join(" → ")}`);
}

describe("by keyboard alone", () => {
  test("first load → a service and a country → Buy → copy the code → Finish, the focus always visible", async () => {
    const worker = await startWorker({ assets: true, vars: DEMO });
    const { context, page } = await openApp(worker, { viewport: DESKTOP });
    const trail = [];
    try {
      await byId(page, "service-option-wa").waitFor();
      await tabTo(page, "service-search", trail);
      await page.keyboard.type("whats");
      // The list has filtered what was typed (the catalogue may still be loading on a busy machine).
      await waitForText(byId(page, "service-picker").locator(".choices"), /^WhatsApp\s*wa$/);
      await page.keyboard.press("Enter");
      await waitForText(byId(page, "service-chosen"), /^WhatsApp$/);
      await tabTo(page, "country-search", trail);
      await page.keyboard.type("US");
      await byId(page, "country-option-187").waitFor();
      await page.keyboard.press("Enter");
      await waitForText(byId(page, "country-chosen"), /^United States$/);
      await waitForText(byId(page, "offer-line"), /available/);
      await tabTo(page, "buy", trail);
      await page.keyboard.press("Enter");
      const card = byId(page, "order").first();
      const code = await waitForText(card.getByTestId("sms-code"), /^\d{4,8}$/, (SMS_DELAY_SECONDS + 12) * 1000);

      await tabTo(page, "copy-code", trail);
      await page.keyboard.press("Enter");
      await waitForText(card.getByTestId("copy-code"), /^Copied the /);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);
      await tabTo(page, "finish", trail);
      await page.keyboard.press("Enter");
      await waitForText(card.getByTestId("final-note"), /^Finished/);
      await screenshot(page, "a11y-keyboard-finished");
      assertClean(page);
    } finally {
      await context.close();
      await worker.stop();
    }
  });
});
