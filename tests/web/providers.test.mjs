// The web app with each real provider's dialect (vnum-sim speaking OxgelAPI, Telenumerus or Agent OTP
// behind the Worker): pick → buy → the code appears → finish, with the provider's own codes and the
// names people know.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startProvider } from "../support/providers.mjs";
import { assertClean, buy, byId, openApp, pick, screenshot, text, useBrowser, waitForText } from "./support.mjs";

/** What a person picks with each provider, and the names the app shows for it. */
const PICKS = {
  oxgel: { service: "wa", serviceQuery: "whats", country: "187", countryQuery: "united st", names: ["WhatsApp", "United States"] },
  telenumerus: { service: "google", serviceQuery: "goo", country: "US", countryQuery: "united st", names: ["Google", "United States"] },
  agentotp: { service: "any", serviceQuery: "any", country: "CA", countryQuery: "cana", names: ["Any service", "Canada"] },
};

useBrowser();

for (const [dialect, choice] of Object.entries(PICKS)) {
  describe(`the web app with ${dialect}`, () => {
    let sim;
    let worker;
    before(async () => {
      // No token on loopback: the app is served by the same Worker.
      ({ sim, worker } = await startProvider(dialect, { assets: true, smsDelay: 3, vars: { AUTH_MODE: "none" } }));
    });
    after(async () => {
      await worker?.stop();
      await sim?.stop();
    });

    test("pick → buy → the code appears → finish", async () => {
      const { context, page } = await openApp(worker);
      try {
        await pick(page, choice);
        assert.equal(await text(byId(page, "service-chosen")), choice.names[0]);
        assert.equal(await text(byId(page, "country-chosen")), choice.names[1]);
        await waitForText(byId(page, "offer-line"), /available/);
        const card = await buy(page);
        assert.match(await text(card.getByTestId("phone")), /^\+\d{8,15}$/);
        const id = await card.getAttribute("data-order-id");
        const code = await waitForText(card.getByTestId("sms-code"), /^\d{4,8}$/, 30_000);
        const upstream = (await sim.orders()).find((o) => o.id === id);
        assert.equal(code, upstream.messages.at(-1).code, "the provider's code");
        await screenshot(page, `${dialect}-code`);
        await card.getByTestId("finish").click();
        await waitForText(card.getByTestId("final-note"), /Finished/);
        assertClean(page);
      } finally {
        await context.close();
      }
    });
  });
}
