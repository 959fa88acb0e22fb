// The installed npm package's `waitForCode` against each provider's dialect (vnum-sim speaking
// OxgelAPI, Telenumerus or Agent OTP behind the Worker): buy, wait for the code, finish.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PROVIDERS, TOKEN, startProvider } from "../support/providers.mjs";
import { installPackage } from "./support.mjs";

let pkg;
let esm;

before(async () => {
  pkg = await installPackage();
  esm = await pkg.import();
});

after(() => pkg?.remove());

for (const dialect of Object.keys(PROVIDERS)) {
  describe(`waitForCode with ${dialect}`, () => {
    let sim;
    let worker;
    before(async () => {
      ({ sim, worker } = await startProvider(dialect, { smsDelay: 3 }));
    });
    after(async () => {
      await worker?.stop();
      await sim?.stop();
    });

    test("buy, wait for the code, finish", async () => {
      const vnum = new esm.Vnum({ baseUrl: worker.api, token: TOKEN });
      const order = await vnum.buy(PROVIDERS[dialect].buy);
      const got = await vnum.waitForCode(order.id, { timeoutMs: 30_000 });
      const upstream = (await sim.orders()).find((o) => o.id === order.id);
      assert.equal(got.code, upstream.messages.at(-1).code);
      const finished = await vnum.finish(order.id);
      assert.equal(finished.status, "finished");
    });
  });
}
