// Types of the npm package `vnum`, written by hand to match crates/client/src/js.rs exactly:
// answers are plain objects with camelCase keys, absent values are `null`, instants are ISO 8601 strings.

/** What an order can be. Values no provider documents are passed through as they are. */
export type OrderStatus = "waiting" | "received" | "finished" | "cancelled" | "expired" | (string & {});

/** Every `VnumError.code`. Codes a newer proxy adds are passed through as they are. */
export type VnumErrorCode =
  // the proxy's error_code values (see the README's table)
  | "INVALID_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "UNKNOWN_ROUTE"
  | "METHOD_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "INSUFFICIENT_BALANCE"
  | "NO_NUMBERS"
  | "PRICE_ABOVE_LIMIT"
  | "SPEND_LIMIT_REACHED"
  | "CANCEL_TOO_EARLY"
  | "ORDER_CLOSED"
  | "ORDER_IN_PROGRESS"
  | "QUOTA_EXCEEDED"
  | "NO_SMS_YET"
  | "RATE_LIMITED"
  | "NOT_SUPPORTED"
  | "NOT_CONFIGURED"
  | "UPSTREAM_UNAUTHORIZED"
  | "UPSTREAM_ACCOUNT_SUSPENDED"
  | "UPSTREAM_REJECTED"
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_TIMEOUT"
  | "UPSTREAM_INVALID_RESPONSE"
  | "INTERNAL_ERROR"
  // the client's own
  | "TIMEOUT"
  | "ABORTED"
  | "NETWORK_ERROR"
  | (string & {});

/** Every error of the client: a rejection of each method, and what the constructor throws. */
export declare class VnumError extends Error {
  private constructor();
  readonly name: "VnumError";
  /** Machine-readable: the proxy's `error_code`, or `INVALID_REQUEST` (bad input, nothing was sent),
   *  `TIMEOUT`, `ABORTED` (the signal fired; `cause` is its reason), `NETWORK_ERROR` (no answer). */
  readonly code: VnumErrorCode;
  /** Whether the same call may succeed later. */
  readonly retryable: boolean;
  /** How long to wait before retrying, when known (429, CANCEL_TOO_EARLY, …). */
  readonly retryAfterSeconds: number | null;
  /** The HTTP status of the answer, or `null` when there was none. */
  readonly status: number | null;
  /** For `ABORTED`: the signal's reason. */
  readonly cause?: unknown;
}

/** A `fetch`-compatible function, e.g. a Workers service binding's `(u, i) => env.PROXY.fetch(u, i)`. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface VnumOptions {
  /** The proxy's API root, e.g. `https://my-worker.example/api/v1`. With `apiKey`: the provider's,
   *  default `https://oxgelapi.com/api/v1`. */
  baseUrl?: string;
  /** A bearer token of the proxy (its `ACCESS_TOKENS`). */
  token?: string;
  /** An OxgelAPI key: talk to the provider directly. Server side only (Node, Workers): never in a
   *  browser, where every visitor could read it (the browser build warns). Not with `token`. */
  apiKey?: string;
  /** How long one request may take before it fails with `TIMEOUT` (default 30000). */
  timeoutMs?: number;
  /** The `fetch` to use (default `globalThis.fetch`). */
  fetch?: FetchLike;
}

/** Options every method takes. */
export interface CallOptions {
  /** Aborts the call: it rejects at once with `VnumError` code `ABORTED` and the in-flight request is
   *  cancelled. */
  signal?: AbortSignal;
}

export interface Balance {
  /** Money free to spend. */
  balance: number;
  /** Money held for open orders. */
  escrow: number;
  /** ISO 4217, e.g. `USD`; `RENTALS` where the provider counts rentals left in a plan (Agent OTP). */
  currency: string;
  /** The provider plan's quota of rentals, where it sells by plan (Agent OTP). */
  quota?: { plan: string; limit: number; used: number; remaining: number };
}

export interface Service {
  /** The code to buy with, e.g. `wa`. */
  code: string;
  /** e.g. `WhatsApp`. */
  name: string;
}

export interface Country {
  /** The provider's code, e.g. `187`. */
  code: string;
  /** ISO 3166 alpha-2, e.g. `US`, when known. */
  iso2: string | null;
  name: string;
}

export interface Price {
  service: string;
  country: string;
  /** Cost of one number, in the balance's currency. */
  price: number;
  /** Numbers available now. */
  stock: number;
}

export interface PricesQuery {
  service?: string;
  country?: string | number;
}

export interface BuyRequest {
  /** A service code such as `wa` (1 to 16 of a-z 0-9 _). */
  service: string;
  /** The provider's numeric country code (`187`) or ISO 3166 alpha-2 (`US`). */
  country: string | number;
  /** A mobile operator, default `any`. */
  operator?: string;
  /** Refuse to buy above this price (above 0, at most 1000). */
  maxPrice?: number;
}

export interface BuyOptions extends CallOptions {
  /** Makes a retried purchase return the same order and charge once (the proxy keeps it; sent as the
   *  `Idempotency-Key` header; 1 to 128 printable ASCII characters). Not sent with `apiKey`. */
  idempotencyKey?: string;
}

export interface BoughtNumber {
  /** The order id for every other call. */
  id: string;
  /** A short code for people and support requests. */
  orderCode: string | null;
  /** E.164, with `+`. */
  phone: string;
  /** When the number stops receiving (ISO 8601). */
  expiresAt: string;
  /** What the number cost. */
  cost: number;
}

export interface ReceivedCode {
  code: string;
  /** The whole message, when known. */
  text: string | null;
  /** ISO 8601. */
  receivedAt: string;
}

export interface StatusResponse {
  status: OrderStatus;
  /** The latest code, once one arrived. */
  smsCode: string | null;
  /** The whole latest message, when known. */
  smsText: string | null;
  phone: string;
  /** Proxy extra: when the number stops receiving (ISO 8601). */
  expiresAt: string | null;
  /** Proxy extra: when cancelling becomes allowed (ISO 8601). */
  cancelAvailableAt: string | null;
  /** Proxy extra: every code so far, oldest first. */
  codes: ReceivedCode[];
}

export interface ActionResponse {
  status: OrderStatus;
  /** Money returned to the balance (cancel). */
  refunded: number | null;
  /** Money taken from escrow (finish). */
  charged: number | null;
}

export interface OrderView {
  id: string;
  orderCode: string | null;
  phone: string;
  service: string;
  country: string;
  cost: number;
  status: OrderStatus;
  smsCode: string | null;
  smsText: string | null;
  codes: ReceivedCode[];
  createdAt: string;
  expiresAt: string;
  cancelAvailableAt: string;
}

export interface Health {
  ok: boolean;
  /** `oxgel`, `telenumerus`, `agentotp` or `demo`. */
  provider: string;
  /** True when the simulated demo provider serves: no real numbers, no real money. */
  demo: boolean;
  version: string;
  /** The most one number may cost through this proxy (its operator's `MAX_PRICE`), when limited. */
  maxPrice?: number;
}

export interface WaitOptions extends CallOptions {
  /** Long-poll seconds, 1 to 60 (default 25). */
  timeoutSeconds?: number;
}

export interface WaitForCodeOptions extends CallOptions {
  /** Pause between status requests when polling (default 4000). */
  intervalMs?: number;
  /** Give up with `VnumError` code `TIMEOUT` after this long (default 300000). */
  timeoutMs?: number;
  /** Use the proxy's long-poll `/numbers/wait` where it is offered (default true). */
  longPoll?: boolean;
  /** Called with the first status and on each change of status or code. An exception it throws is
   *  reported with `console.error` and does not stop the wait. */
  onStatus?: (status: StatusResponse) => void;
}

export interface CodeResult {
  /** The one-time code, e.g. `482913`. */
  code: string;
  /** The whole message, when known. */
  text: string | null;
  /** The status answer that carried the code. */
  status: StatusResponse;
}

/** The vnum client. Every method returns a Promise that rejects with a `VnumError`. */
export declare class Vnum {
  /** Throws `VnumError` (`INVALID_REQUEST`) on bad options. */
  constructor(options: VnumOptions);
  /** The API root requests go to. */
  readonly baseUrl: string;
  /** `GET /health` (proxy only). */
  health(options?: CallOptions): Promise<Health>;
  /** `GET /balance`. */
  balance(options?: CallOptions): Promise<Balance>;
  /** `GET /services`. */
  services(options?: CallOptions): Promise<Service[]>;
  /** `GET /countries`. */
  countries(options?: CallOptions): Promise<Country[]>;
  /** `GET /prices`. */
  prices(query?: PricesQuery | null, options?: CallOptions): Promise<Price[]>;
  /** `POST /numbers/buy`. */
  buy(request: BuyRequest, options?: BuyOptions): Promise<BoughtNumber>;
  /** `GET /numbers/status`. */
  status(id: string, options?: CallOptions): Promise<StatusResponse>;
  /** `POST /numbers/cancel`: refunds; `CANCEL_TOO_EARLY` in the first 2 minutes. */
  cancel(id: string, options?: CallOptions): Promise<ActionResponse>;
  /** `POST /numbers/finish`. */
  finish(id: string, options?: CallOptions): Promise<ActionResponse>;
  /** `POST /numbers/another`: another SMS to the same number. */
  another(id: string, options?: CallOptions): Promise<ActionResponse>;
  /** `GET /orders`: your orders, newest first (`NOT_SUPPORTED` where the proxy does not offer it, and
   *  with `apiKey`). */
  orders(options?: CallOptions): Promise<OrderView[]>;
  /** `GET /numbers/wait`: one long-poll (`NOT_SUPPORTED` where not offered). */
  wait(id: string, options?: WaitOptions): Promise<StatusResponse>;
  /** Resolves when the code arrives; rejects with `ORDER_CLOSED` when the order is cancelled or expired,
   *  `TIMEOUT` after `timeoutMs`, `ABORTED` when `signal` fires. */
  waitForCode(id: string, options?: WaitForCodeOptions): Promise<CodeResult>;
  /** Frees the wasm memory now (otherwise the garbage collector does). */
  free(): void;
}
