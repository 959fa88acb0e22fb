// Type-checked by tests/npm/package.test.mjs with `tsc --noEmit --strict` against the installed package:
// every request, answer and option of `vnum` as a TypeScript user writes them. Never run.
import { Vnum, VnumError } from "vnum";
import type {
  ActionResponse, Balance, BoughtNumber, CodeResult, Country, Health, OrderStatus, OrderView, Price, Service,
  StatusResponse, VnumErrorCode, VnumOptions, WaitForCodeOptions,
} from "vnum";

export async function example(signal: AbortSignal): Promise<string> {
  const options: VnumOptions = { baseUrl: "https://my-worker.example/api/v1", token: "tok", timeoutMs: 10_000 };
  const vnum = new Vnum(options);
  const server = new Vnum({ apiKey: "OXGL-…", fetch: (url, init) => fetch(url, init) });
  const base: string = server.baseUrl;

  const health: Health = await vnum.health();
  const { balance, escrow, currency }: Balance = await vnum.balance({ signal });
  const services: Service[] = await vnum.services();
  const countries: Country[] = await vnum.countries();
  const iso: string | null = countries[0].iso2;
  const prices: Price[] = await vnum.prices({ service: "wa", country: 187 });
  const all: Price[] = await vnum.prices();

  const order: BoughtNumber = await vnum.buy(
    { service: "wa", country: "187", operator: "any", maxPrice: 0.5 },
    { idempotencyKey: crypto.randomUUID(), signal },
  );
  const orderCode: string | null = order.orderCode;
  const status: StatusResponse = await vnum.status(order.id);
  const state: OrderStatus = status.status;
  const polled: StatusResponse = await vnum.wait(order.id, { timeoutSeconds: 30 });

  const wait: WaitForCodeOptions = {
    intervalMs: 4000,
    timeoutMs: 300_000,
    longPoll: true,
    signal,
    onStatus: (s: StatusResponse) => console.log(s.status, s.smsCode, s.codes.map((c) => c.receivedAt)),
  };
  const { code, text, status: last }: CodeResult = await vnum.waitForCode(order.id, wait);
  const more: ActionResponse = await vnum.another(order.id);
  const done: ActionResponse = await vnum.finish(order.id);
  const charged: number | null = done.charged;
  const cancelled: ActionResponse = await vnum.cancel(order.id);
  const refunded: number | null = cancelled.refunded;
  const orders: OrderView[] = await vnum.orders();
  vnum.free();

  try {
    await vnum.balance();
  } catch (error) {
    if (error instanceof VnumError) {
      const code: VnumErrorCode = error.code;
      const retry: number | null = error.retryAfterSeconds;
      const httpStatus: number | null = error.status;
      const again: boolean = error.retryable;
      const message: string = error.message;
      if (code === "RATE_LIMITED" || code === "ABORTED") console.log(retry, httpStatus, again, message, error.cause);
    }
  }

  // Mistakes the types catch:
  // @ts-expect-error country is required
  await vnum.buy({ service: "wa" });
  // @ts-expect-error max_price is spelt maxPrice
  await vnum.buy({ service: "wa", country: "187", max_price: 1 });
  // @ts-expect-error the order id is a string
  await vnum.status(42);
  // @ts-expect-error intervalMs is a number
  await vnum.waitForCode("id", { intervalMs: "4000" });
  // @ts-expect-error options are required
  new Vnum();
  // @ts-expect-error the code may be null
  const notNull: string = status.smsCode;
  // @ts-expect-error VnumError is thrown by vnum, not constructed
  new VnumError("x");

  return [base, health.ok, balance, escrow, currency, services, iso, prices, all, orderCode, state, polled, code, text,
    last, more, charged, refunded, orders, notNull].join();
}
