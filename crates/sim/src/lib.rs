//! A deterministic, sans-IO simulation of the **OxgelAPI** virtual-number provider.
//!
//! [`Simulator`] holds every piece of provider state (accounts, balances and escrow, stock, orders,
//! fault queue, counters) and answers [`SimRequest`]s with [`SimResponse`]s. It never reads a clock
//! (time is the `now_ms` argument), never sleeps (a response carries `delay_ms` for the host to apply),
//! draws randomness only from its seeded, serialisable generator, and does no IO, so it runs the same
//! natively and inside a Cloudflare Worker (`default-features = false`, wasm32). The whole simulator is
//! `Serialize + Deserialize`: a host persists it and a restored copy continues identically.
//!
//! With the default `server` feature the crate also has [`server`], a small HTTP/1.1 server, and the
//! `vnum-sim` binary around it.
//!
//! ```
//! use vnum_sim::{SimConfig, SimRequest, Simulator, DEFAULT_KEY};
//!
//! let mut sim = Simulator::new(SimConfig::default());
//! let t0 = 1_780_496_580_000; // 2026-06-03T14:23:00Z
//! let buy = SimRequest::post("/api/v1/numbers/buy")
//!     .key(DEFAULT_KEY)
//!     .json(&serde_json::json!({"service": "wa", "country": "187"}));
//! let order = sim.handle(t0, &buy).json_body().unwrap();
//! assert_eq!(order["cost"], 0.18);
//! assert_eq!(order["expires_at"], "2026-06-03T14:43:00.000Z");
//!
//! let id = order["id"].as_str().unwrap();
//! let status = SimRequest::get(&format!("/api/v1/numbers/status?id={id}")).key(DEFAULT_KEY);
//! assert_eq!(sim.handle(t0 + 5_000, &status).json_body().unwrap()["status"], "waiting");
//! let got = sim.handle(t0 + 10_000, &status).json_body().unwrap();
//! assert_eq!(got["status"], "received");
//! assert_eq!(got["sms_code"].as_str().unwrap().len(), 6);
//! ```
//!
//! # The OxgelAPI dialect (base path `/api/v1`)
//!
//! Authentication: header `X-API-Key: <key>`, or (as the real provider allows) the query parameter
//! `?api_key=<key>`; the header wins when both are present. Errors are a status code with a
//! `text/plain; charset=utf-8` body — never JSON. JSON responses carry `Content-Type: application/json`.
//! Money is a JSON number with at most four decimals (internally integer micro-dollars).
//!
//! Checks run in this order: path (404 `Not found`), method (405 `Method not allowed`, with `Allow`),
//! body size (413 `Payload too large` above 64 KiB), key (401 `Missing API key` / `Invalid API key`,
//! 403 `Account is banned`), then the endpoint's own checks.
//!
//! | request | success | errors |
//! |---|---|---|
//! | `GET /balance` | `{"balance":12.45,"escrow":0.85,"currency":"USD"}` | |
//! | `GET /services` | `[{"code":"wa","name":"WhatsApp"},…]` | |
//! | `GET /countries` | `[{"code":"187","iso2":"US","name":"United States"},…]` | |
//! | `GET /prices?service=wa&country=187` (both optional, empty = absent) | `[{"service":"wa","country":"187","price":0.18,"stock":42}]` | 400 `Unknown service`, `Unknown country` |
//! | `POST /numbers/buy` `{"service":"wa","country":"187","operator":"any","max_price":0.5}` | `{"id":"<uuid v4>","order_code":"ORD-LX9F2A","phone":"+15551234567","expires_at":"2026-06-03T14:43:00.000Z","cost":0.18}` | 400 `Invalid request body`, `Unknown service`, `Unknown country`; 409 `No numbers available`, `Price above max_price`; 402 `Insufficient balance` |
//! | `GET /numbers/status?id=` | `{"status":"waiting","sms_code":null,"phone":"+1555…"}`, or with a code `{"status":"received","sms_code":"482913","sms_text":"Your WhatsApp code is 482-913. Don't share it.","phone":"+1555…"}` | 400 `Missing id`; 404 `Order not found` |
//! | `POST /numbers/cancel?id=` | `{"status":"cancelled","refunded":0.18}` | 409 `Cancel is allowed 2 minutes after purchase` + `Retry-After`, `Order already received an SMS`, `Order is cancelled`/`finished`/`expired` |
//! | `POST /numbers/finish?id=` | `{"status":"finished","charged":0.18}` | 409 `No SMS received yet`, `Order is <status>` |
//! | `POST /numbers/another?id=` | `{"status":"waiting"}` | 409 `No SMS received yet`, `Order is waiting`/`cancelled`/`finished`/`expired` |
//!
//! Order life: a purchase moves the price from balance to escrow and takes one number from stock.
//! The SMS arrives `sms_delay_seconds` (10) later; `another` asks for a new, different code that arrives
//! `sms_delay_seconds` after the request. Status values: `waiting`, `received`, `finished`, `cancelled`,
//! `expired`. A `finished` order shows its last code; `waiting` (also after `another`), `cancelled` and
//! `expired` show `sms_code: null` (and no `sms_text`).
//! - **cancel** is allowed only while no SMS was ever received and once `cancel_after_seconds` (120)
//!   have passed since purchase; it refunds the escrow and returns the number to stock. Earlier it is
//!   409 with `Retry-After: <seconds left, rounded up>`; the window is worded from the configured
//!   seconds (`2 minutes`, `90 seconds`).
//! - **finish** is allowed once any SMS was received (also while waiting for another one); it consumes
//!   the escrow (the balance is unchanged).
//! - **expiry** at `expires_at` (`order_ttl_seconds`, 1200, after purchase): an order that never received
//!   an SMS becomes `expired` and is refunded (the number returns to stock); one that received a code
//!   becomes `finished` and is charged. An SMS due at or after expiry never arrives.
//! - Another account's order answers 404 `Order not found`, exactly like an unknown id.
//!
//! Codes are six digits (Telegram: five) and each SMS text is worded like the real service
//! (`G-482913 is your Google verification code.`, `Telegram code: 48291. …`).
//!
//! # Admin API (under `/__sim/`, no key, never counted as API traffic, never faulted)
//!
//! Admin errors are plain text too: 400 `Invalid admin request: <reason>` (bodies are strict JSON,
//! unknown fields rejected; an empty body reads as `{}`), 404, 405.
//!
//! - `GET /__sim/stats` → counters since start or reset:
//!   ```json
//!   {"requests":{"balance":0,"services":0,"countries":0,"prices":0,"buy":1,"status":3,"cancel":0,
//!                "finish":0,"another":0,"other":0},
//!    "total":4,"unauthorized":0,"forbidden":0,"buys_succeeded":1,"faults_applied":0,
//!    "api_key_in_query":0,"statuses":{"200":4},"keys_seen":{"OXGL-demo-key-0000000000000000":4},
//!    "keys_seen_overflow":0}
//!   ```
//!   `requests` counts every API request by endpoint kind whatever its outcome (faulted, 401, 404 —
//!   unknown paths are `other`); `unauthorized`/`forbidden` count 401/403 answers; `statuses` counts
//!   responses by code, `"drop"` for dropped connections; `keys_seen` counts the key each request
//!   presented (header, else query), valid or not; `api_key_in_query` counts keys sent as `?api_key=`.
//! - `POST /__sim/reset` → `{"ok":true}`: back to the initial state of the configuration (accounts,
//!   stock, orders, counters, faults, timings, clock offset).
//! - `POST /__sim/faults` `{"latency_ms":0,"next":[{"kind":"status","status":503},{"kind":"html"},
//!   {"kind":"rate_limit","retry_after_seconds":7},{"kind":"drop"},{"kind":"invalid_json"},
//!   {"kind":"delay","ms":15000},{"kind":"drop","for":"buy"}]}` → the new fault state. Replaces the
//!   whole fault configuration (missing fields: 0 and empty; `{}` clears all faults). Each queued fault
//!   is taken by the first later non-admin request it applies to, before routing and authentication
//!   (FIFO; an entry with `"for":"<kind>"` — `balance`, `services`, `countries`, `prices`, `buy`,
//!   `status`, `cancel`, `finish`, `another`, `other` — applies only to that endpoint kind). `status` answers that status with a text body (optional `"body"`);
//!   `html` answers 502 (or `"status"`) with a CDN-style `text/html` page; `rate_limit` answers 429 with
//!   `Retry-After` (default 1) and `Too many requests`; `invalid_json` answers 200
//!   `application/json` with a truncated body; `drop` closes the connection without a response. These
//!   five never touch state. `delay` handles the request normally — state changes happen at once — and
//!   responds `ms` later. `latency_ms` is added to every API response. `GET /__sim/faults` shows the
//!   current state.
//! - `POST /__sim/clock` `{"advance_seconds":130}` (and/or `"advance_ms"`) → moves simulated time
//!   forward; answers `{"offset_ms":130000,"now_ms":…,"now":"2026-…Z"}`, as does `GET /__sim/clock`.
//! - `POST /__sim/accounts` `{"key":"…","balance":1.0,"banned":false}` → creates (balance 0 unless
//!   given) or updates an account (only the fields given); answers
//!   `{"key":"…","balance":1.0,"escrow":0.0,"charged":0.0,"banned":false}`. `GET /__sim/accounts` lists
//!   them all.
//! - `POST /__sim/config` `{"sms_delay_seconds":1,"cancel_after_seconds":5,"order_ttl_seconds":60}`
//!   (any subset) → the timings now in force, `{"sms_delay_seconds":…,"cancel_after_seconds":…,
//!   "order_ttl_seconds":…}`; `GET` shows them. They apply to orders bought (and `another` asked)
//!   afterwards.
//! - `POST /__sim/prices` `{"service":"wa","country":"187","price":0.2,"stock":1}` (price and stock
//!   optional) → the pair `{"service","country","price","stock"}`; `GET /__sim/prices` lists every pair.
//! - `GET /__sim/orders[?key=]` → every remembered order, oldest first: `{"id","order_code","key",
//!   "service","country","operator","phone","cost","status","created_at","expires_at",
//!   "cancel_allowed_at","sms_due_at","closed_at","messages":[{"code","text","received_at"}]}`.
//! - `GET /__sim/requests` → the most recent API requests (`request_log_capacity`, 50), oldest first:
//!   `{"at_ms","method","path","query":[[k,v]],"headers":[[k,v]],"body","kind","status","fault"}`
//!   (`status` is null for a dropped connection).
//!
//! # Catalogue
//!
//! Services `wa tg go fb ig tk oi ds`; countries `187` US, `16` GB, `43` DE, `78` FR, `22` IN, `6` ID,
//! `73` BR, `36` CA. Every pair gets a seeded price (0.05–1.50) and stock (0..=500, about one pair in
//! ten sold out); the default overrides pin `wa`/`187` at 0.18 with 42 in stock, `oi`/`22` out of stock
//! and `tg`/`16` at 1.25. The default account is [`DEFAULT_KEY`] with 10.00.

mod admin;
pub mod config;
mod dialect;
mod error;
pub mod faults;
pub mod hold;
pub mod http;
pub mod money;
pub mod orders;
mod rng;
#[cfg(feature = "server")]
pub mod server;
mod sim;
pub mod sms;
mod state;
pub mod stats;
pub mod wire;

/// The Telenumerus dialect's public types: its orders, price table, error codes and JSON bodies.
pub mod telenumerus {
    pub use crate::dialect::telenumerus::{
        AccountBody, AgentBody, AvailabilityBody, AvailabilityEntry, CancelBody, CodeHints, ErrorBody, ErrorCode,
        OrderBody, OrderStatusBody, PlatformHints, PlatformPrice, ServiceEntry, ServicesBody, StockLevel, StreamEvent,
        TelenumerusOrder, TelenumerusStatus, VerifyBody, VerifyPendingBody,
    };
}

/// The Agent OTP dialect's public types: its rentals and JSON bodies.
pub mod agentotp {
    pub use crate::dialect::agentotp::{
        AgentOtpErrorBody, Envelope, MessageEntry, MessagesBody, OtpData, QuotaBody, ReleaseBody, Rental, RentalData,
        RentalStatus, TimeoutData, rfc3339,
    };
}

pub use config::{AccountConfig, CountryConfig, DEFAULT_KEY, PriceOverride, ServiceConfig, SimConfig};
pub use dialect::{
    AGENTOTP_DEFAULT_KEY, AGENTOTP_DEFAULT_TOKEN, DIALECTS, Dialect, TELENUMERUS_DEFAULT_KEY, UnknownDialect,
};
pub use error::{AdminError, ApiError};
pub use faults::{Fault, FaultKind, FaultState};
pub use hold::{EventStream, Hold, LongPoll, Resumed, StreamStep};
pub use http::{Outcome, SimRequest, SimResponse, parse_query};
pub use orders::{Order, OrderStatus, SmsMessage};
pub use rng::SimRng;
pub use sim::is_admin_path;
pub use sms::Sms;
pub use state::{Account, PriceEntry, Quota, Settings, Simulator, Timing};
pub use stats::{EndpointKind, LoggedRequest, RequestLog, Stats};
