//! A deterministic, sans-IO simulation of virtual-number providers: **OxgelAPI**, **Telenumerus** and
//! **Agent OTP**, each speaking its own dialect as its document describes it (plus what
//! `docs/assumptions.md` settles where the documents are silent).
//!
//! [`Simulator`] holds every piece of provider state (accounts, balances and escrow, stock, orders and
//! rentals, fault queue, counters) and answers [`SimRequest`]s with [`SimResponse`]s. It never reads a
//! clock (time is the `now_ms` argument), never sleeps (a response carries `delay_ms` for the host to
//! apply, and an answer that takes time is [held](hold) for the host to resume), draws randomness only
//! from its seeded, serialisable generator, and does no IO, so it runs the same natively and inside a
//! Cloudflare Worker (`default-features = false`, wasm32). The whole simulator is
//! `Serialize + Deserialize`: a host persists it and a restored copy continues identically.
//!
//! The dialect is [`SimConfig::dialect`] (`oxgel`, the default; `telenumerus`; `agentotp`), fixed for a
//! simulator's life; [`SimConfig::for_dialect`] gives each dialect's defaults. The admin API (under
//! `/__sim/`) and the faults are the same in every dialect.
//!
//! With the default `server` feature the crate also has [`server`], a small HTTP/1.1 server, and the
//! `vnum-sim` binary around it (`vnum-sim --dialect telenumerus`).
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
//! # The Telenumerus dialect (base path `/api/v1`)
//!
//! Authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>` (Bearer wins when both are
//! present). A key in the query string is never read (`?api_key=` answers `INVALID_API_KEY` on an
//! authenticated endpoint; it is still counted in `api_key_in_query`). The default account's key is
//! [`TELENUMERUS_DEFAULT_KEY`], with 10.00.
//!
//! Every error is JSON: `{"error":"<sentence>","error_code":"…","retryable":…,"retry_after_seconds":…}`,
//! with the status vnum assumes for the code and the document's `retryable` column:
//!
//! | `error_code` | status | `retryable` | `retry_after_seconds` | when |
//! |---|---|---|---|---|
//! | `INVALID_REQUEST` | 400 | no | `null` | a body or parameter missing or wrong, an unknown country, an idempotency key reused for another request, cancelling an order that is not pending; also unknown paths (404), wrong methods (405, with `Allow`) and bodies above 64 KiB |
//! | `UNKNOWN_PLATFORM` | 400 | no | `null` | a platform outside the 33 |
//! | `INVALID_API_KEY` | 401 | no | `null` | no key header, or a key of no account |
//! | `INSUFFICIENT_BALANCE` | 402 | no | `null` | the balance does not cover the price |
//! | `ACCOUNT_SUSPENDED` | 403 | no | `null` | a banned account |
//! | `ORDER_NOT_FOUND` | 404 | no | `null` | no such order of this account |
//! | `ORDER_IN_PROGRESS` | 409 | yes | seconds until the open order expires | the account already has a pending order |
//! | `RATE_LIMITED` | 429 | yes | seconds until a request is admitted (also `Retry-After`) | over `rate_limit_per_minute` |
//! | `INTERNAL_ERROR` | 500 | yes | 5 | only as a `provider_error` fault |
//! | `PROVIDER_UNAVAILABLE` | 503 | yes | 30 (also `Retry-After`) | the pair's stock is `none`; `/register` beyond 10 000 accounts |
//!
//! Checks run in this order: the rate limit of a valid key, path, method, body size, key (for the
//! authenticated endpoints), then the endpoint's own checks. **Rate limit**: every request that
//! presents a valid key (header) counts, whatever it asks for; at most `rate_limit_per_minute` (120; 0
//! turns it off) in any 60 s of simulated time; refused requests do not count.
//!
//! | request | auth | success | errors |
//! |---|---|---|---|
//! | `GET /services` | no | `{"services":[{"platform":"google","name":"Google","price":0.5},…]}` (33, US prices) | |
//! | `GET /availability?country=US` (absent: US; `UK` = GB) | no | `{"platforms":[{"platform":"google","success_rate":0.92,"stock":"high","avg_delivery_seconds":8,"price":0.5,"hints":{"code_format":"numeric","expect_code_length":6}},…]}` (`success_rate` may be `null`) | `INVALID_REQUEST` |
//! | `GET /health` | no | `{"status":"ok"}` | |
//! | `POST /register` `{}` | no | `{"api_key":"tn_…","webhook_secret":"whsec_…","next_steps":{"deposit":…,"browse_services":…,…}}` (a new account with 0.00) | `PROVIDER_UNAVAILABLE` |
//! | `GET /deposit/addresses` | no | `{"addresses":{"btc":…,"ltc":…,"usdt_erc20":…},"minimum_deposit_usd":1.0}` (fixed) | |
//! | `POST /deposit/verify` `{"tx_hash":"<64 hex>"}` | yes | `{"status":"pending","transaction_id":"tx_…","message":"Verifying on-chain..."}` (never credits) | `INVALID_REQUEST` |
//! | `POST /order` `{"platform":"google","country":"US","idempotency_key":"…"}` (country and key optional) | yes | `{"status":"ok","order_id":"ord_…","phone":"+1202555…","price":0.5,"expires_in":300,"check_status":"/api/v1/order/<id>","stream":"/api/v1/order/<id>/stream","platform_hints":{"code_format":"numeric","expect_code_length":6,"avg_delivery_seconds":8}}` | `INVALID_REQUEST`, `UNKNOWN_PLATFORM`, `ORDER_IN_PROGRESS`, `PROVIDER_UNAVAILABLE`, `INSUFFICIENT_BALANCE` |
//! | `GET /order/:id` | yes | `{"status":"pending","order_id":…,"phone":…}`; `{"status":"completed","code":"847291","order_id":…,"phone":…}`; `cancelled`, `expired` | `ORDER_NOT_FOUND` |
//! | `GET /order/:id/stream` | yes | Server-Sent Events, see below | `ORDER_NOT_FOUND` |
//! | `POST /order/:id/cancel` | yes | `{"status":"ok","refunded":0.5}` | `ORDER_NOT_FOUND`; `INVALID_REQUEST` unless pending |
//! | `POST /verify` `{"platform","country"?,"timeout_seconds"?: 1–600, default 120,"idempotency_key"?}` | yes | held until the code: `{"status":"ok","phone":…,"code":"847291","delivery_seconds":10,"price":0.5}`; at the timeout the order goes on: `{"status":"pending","order_id","phone","price","check_status","stream"}` | as `/order`; `PROVIDER_UNAVAILABLE` when the order expires or is cancelled meanwhile (refunded) |
//! | `POST /agent` `{"query":"I need a Google verification number for UK"}` | yes | `{"understood":true,"order_id":…,"phone":"+44…","price":…,"check_status":…}` (a platform named as a word, a country as an upper-case ISO code) | 422 `{"understood":false,…UNKNOWN_PLATFORM body}`; as `/order` |
//! | `POST /batch` `{"orders":[{"platform":"google"},…]}` (1–20) | yes | `{"status":"ok","orders":[<order answer or error body>,…]}` (placed in turn; one open order per account) | `INVALID_REQUEST` |
//! | `GET /account` | yes | `{"balance":9.5,"currency":"USD","tier":"standard","orders":1}` | |
//! | `GET /usage` | yes | `{"orders","pending","completed","cancelled","expired","spent","currency"}` | |
//! | `PUT /webhook` `{"url":"https://…"}` | yes | `{"status":"ok","url":…,"events":["sms.received","order.failed","balance.low"]}` (no webhook is ever sent) | `INVALID_REQUEST` |
//!
//! Order life: an order takes the price from the balance at once (held as escrow; `/account` shows the
//! balance) and is `pending`. The SMS arrives `sms_delay_seconds` (10) later; the order is then
//! `completed` with its clean numeric `code` (five digits for Telegram, six otherwise; the full SMS,
//! worded like the service's, is in the admin view), charged, and stays `completed`. A pending order
//! expires `order_ttl_seconds` (300, the document's) after purchase and is refunded; an SMS due at or
//! after expiry never arrives. **Cancel** is allowed while pending and refunds the full price. **One open
//! order per account**: while one is pending, another is `ORDER_IN_PROGRESS`. **Idempotency keys**
//! (`/order`, `/verify`): the same key of the same account with the same request (platform and
//! country, normalised) within 24 h of simulated time gets the same answer and the same order, charged
//! once; with a different request, `INVALID_REQUEST`; a failed attempt is not remembered. **Loyalty
//! tiers** by orders that got a code: `standard` 0–19, `silver` 20–49 (5 % off), `gold` 50–99 (10 %),
//! `vip` 100+ (15 %), applied to the price charged (`/availability` and `/services` show list prices).
//!
//! **SSE** (`GET /order/:id/stream`, `Content-Type: text/event-stream`, `Cache-Control: no-cache`):
//! each event is `data: <JSON>\n\n`. An order that already has its code or has ended answers the
//! whole stream at once: `data: {"event":"code","code":"847291"}`, or `{"event":"cancelled"}`,
//! `{"event":"expired"}`. Otherwise the stream is [held](hold): a `: keep-alive` comment every 15
//! simulated seconds, then the code event when the SMS arrives, or the end event; then it ends.
//!
//! # The Agent OTP dialect (base path `/api/v1`)
//!
//! Two authentications: the numbers API takes `X-API-Key: ak_…` only (a Bearer token there is
//! `Missing API key`); the account API (`/auth/usage/quota`) takes `Authorization: Bearer <token>` only
//! (an API key is not a token: 401). The default account's key is [`AGENTOTP_DEFAULT_KEY`] and its
//! token [`AGENTOTP_DEFAULT_TOKEN`]; each account has a quota (plan `pro`, limit 200). Every error is
//! `{"success":false,"error":"<text>"}`; unknown paths and wrong methods are 404 `Not found`, bodies
//! above 64 KiB 400. Times are RFC 3339 UTC like the document's (`2026-01-27T14:00:00Z`, with
//! milliseconds only when there are some); `{number}` in a path may be raw (`+1416…`) or encoded
//! (`%2B1416…`).
//!
//! | request | success | errors |
//! |---|---|---|
//! | `POST /numbers/rent` `{"country":"CA","timeout_seconds":300}` (seconds optional, 1–86400, default `order_ttl_seconds`, 300) | `{"success":true,"message":"Number rented successfully","data":{"number":"+1604555…","country":"CA","status":"rented","rented_at":"…Z","expires_at":"…Z","rental_id":"rent_…"}}` | 400 `Missing country`, `Unsupported country: XX`, bad `timeout_seconds`; 403 `Quota exceeded: 200 of 200 rentals used on the pro plan`; 500 `No numbers available in CA` (the pool is all rented) |
//! | `POST /numbers/{number}/wait-for-otp` `{"timeout_seconds":120,"expected_sender":"Google"}` (both optional; 0–3600) | `{"success":true,"message":"OTP received","data":{"status":"received","code":"847291","raw_message":"Your verification code is 847291","from_number":"+15551234567","received_at":"…Z","wait_time_seconds":15.5}}`; on timeout `{"success":true,"message":"No OTP received","data":{"status":"timeout","wait_time_seconds":120.0}}` | 400; 404 `Number not found` (not rented by this key now) |
//! | `GET /numbers/{number}/messages` | `{"success":true,"data":[{"id":"msg_…","from":…,"to":…,"body":…,"received_at":…,"otp_code":"847291" or null},…]}`, oldest first: every message of every rental of the number by this key, earlier rentals included | 404 `Number not found` (never rented by this key) |
//! | `DELETE /numbers/{number}` | `{"success":true,"message":"Number +1604555… released successfully"}` | 404 `Number not found` |
//! | `GET /auth/usage/quota` | `{"plan":"pro","limit":200,"used":45,"remaining":155,"has_quota":true}` | 401 |
//!
//! Numbers come from a pool per country (`number_pool_size`, 20, at most 10 000): number *i* of a
//! country's pool is fixed by the seed, and a rent takes a free one at random, so a number released or
//! expired is rented again (with a pool of one, the same number comes back, under a new rental id).
//! Countries are [`SimConfig::countries`] by ISO code (US, GB, DE, FR, IN, ID, BR, CA by default).
//! Each rental uses one unit of quota, whatever happens to it. The rental's SMS arrives
//! `sms_delay_seconds` (10) after renting, from `otp_sender` (`+15551234567`):
//! `Your verification code is NNNNNN`. A rental ends when released or at its `expires_at`; its messages
//! stay listed.
//!
//! **wait-for-otp** answers at once with the current rental's latest OTP (a message of this rental
//! with a code, from `expected_sender` when given, compared case-insensitively), `wait_time_seconds`
//! being the time from the request to the OTP's arrival (0 for one already there). Otherwise it is
//! [held](hold) until such an OTP arrives, or the rental ends (release, expiry: the timeout answer at
//! once), or `timeout_seconds` pass (the timeout answer); `timeout_seconds: 0` answers at once. A
//! message of an earlier rental of the same number never answers it.
//!
//! # Holding answers
//!
//! `wait-for-otp`, `/verify` and the SSE stream take time; [`Simulator::handle`] still answers at once,
//! with a [`SimResponse::hold`] the host carries on with (module [`hold`]):
//!
//! - [`Hold::LongPoll`]: call [`Simulator::resume`]`(now_ms, &poll)` again and again; it returns
//!   [`Resumed::Answer`] (send it) or [`Resumed::Pending`]`{recheck_by_ms}` (ask again by then at the
//!   latest). `outcome` is the answer of a wait that ends at once, for a host that cannot hold.
//! - [`Hold::EventStream`]: send `outcome` (status 200, the headers, the first events) without a
//!   `Content-Length`, then write what [`Simulator::stream_next`]`(now_ms, &mut stream)` returns
//!   ([`StreamStep`]: `events`, `ended`, `recheck_by_ms`) until `ended`.
//!
//! ```
//! use vnum_sim::{AGENTOTP_DEFAULT_KEY, Dialect, Hold, Resumed, SimConfig, SimRequest, Simulator};
//!
//! let mut sim = Simulator::new(SimConfig::for_dialect(Dialect::Agentotp));
//! let t0 = 1_780_496_580_000; // 2026-06-03T14:23:00Z
//! let rent = SimRequest::post("/api/v1/numbers/rent")
//!     .key(AGENTOTP_DEFAULT_KEY)
//!     .json(&serde_json::json!({"country": "CA"}));
//! let rented = sim.handle(t0, &rent).json_body().unwrap();
//! assert_eq!(rented["data"]["rented_at"], "2026-06-03T14:23:00Z");
//! let number = rented["data"]["number"].as_str().unwrap();
//!
//! let wait = SimRequest::post(&format!("/api/v1/numbers/{number}/wait-for-otp")).key(AGENTOTP_DEFAULT_KEY);
//! let held = sim.handle(t0 + 1_000, &wait);
//! let Some(Hold::LongPoll(poll)) = held.hold else { panic!("the wait is held") };
//! // The SMS is due 10 s after renting: ask again by then.
//! assert_eq!(sim.resume(t0 + 5_000, &poll), Resumed::Pending { recheck_by_ms: t0 + 10_000 });
//! let Resumed::Answer(answer) = sim.resume(t0 + 10_000, &poll) else { panic!("answered") };
//! let otp = answer.json_body().unwrap();
//! assert_eq!(otp["data"]["status"], "received");
//! assert_eq!(otp["data"]["wait_time_seconds"], 9.0);
//! ```
//!
//! The native [`server`] does this outside its lock, checking every 50 ms, so an admin clock move or an
//! SMS injected through the admin API reaches a held request within that interval; a long-poll never
//! outlives its deadline, and a stream ends with its order or when the client goes away.
//!
//! # Admin API (under `/__sim/`, no key, never counted as API traffic, never faulted)
//!
//! The same in every dialect. Admin errors are plain text: 400 `Invalid admin request: <reason>`
//! (bodies are strict JSON, unknown fields rejected; an empty body reads as `{}`), 404, 405.
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
//!   unknown paths are `other`), with the kinds of the dialect in force ([`EndpointKind`]):
//!
//!   | dialect | endpoint kinds |
//!   |---|---|
//!   | `oxgel` | `balance`, `services`, `countries`, `prices`, `buy`, `status`, `cancel`, `finish`, `another`, `other` |
//!   | `telenumerus` | `register`, `services`, `availability`, `health`, `deposit_addresses`, `deposit_verify`, `order`, `verify`, `agent`, `batch`, `order_status` (`/order/:id`), `order_stream`, `order_cancel`, `account`, `usage`, `webhook`, `other` |
//!   | `agentotp` | `rent`, `wait_for_otp`, `messages`, `release` (`DELETE /numbers/{number}`), `quota`, `other` |
//!
//!   `unauthorized`/`forbidden` count 401/403 answers; `buys_succeeded` counts orders and rentals
//!   made; `statuses` counts responses by code, `"drop"` for dropped connections (a held answer counts
//!   with the status it started with); `keys_seen` counts the key each request presented (the
//!   dialect's key header — OxgelAPI `X-API-Key`; Telenumerus Bearer, else `X-API-Key`; Agent OTP
//!   `X-API-Key`, else Bearer — else the `api_key` query parameter), valid or not; `api_key_in_query`
//!   counts keys sent as `?api_key=`.
//! - `POST /__sim/reset` → `{"ok":true}`: back to the initial state of the configuration (accounts,
//!   stock, orders, rentals, counters, faults, timings and settings, clock offset).
//! - `POST /__sim/faults` `{"latency_ms":0,"next":[{"kind":"status","status":503},{"kind":"html"},
//!   {"kind":"rate_limit","retry_after_seconds":7},{"kind":"drop"},{"kind":"invalid_json"},
//!   {"kind":"delay","ms":15000},{"kind":"drop","for":"buy"},
//!   {"kind":"provider_error","code":"ORDER_IN_PROGRESS"}]}` → the new fault state. Replaces the
//!   whole fault configuration (missing fields: 0 and empty; `{}` clears all faults). Each queued fault
//!   is taken by the first later non-admin request it applies to, before routing and authentication
//!   (FIFO; an entry with `"for":"<kind>"` applies only to that endpoint kind, which must be one of the
//!   dialect's, table above). `status` answers that status with a text body (optional `"body"`);
//!   `html` answers 502 (or `"status"`) with a CDN-style `text/html` page; `rate_limit` answers 429 with
//!   `Retry-After` (default 1) and `Too many requests`; `invalid_json` answers 200
//!   `application/json` with a truncated body; `drop` closes the connection without a response;
//!   `provider_error` answers one of the dialect's own documented errors in its own shape — Telenumerus
//!   by `"code"` (or by `"status"`, the first code with it: its status, JSON body and `Retry-After`),
//!   Agent OTP by `"status"` (400, 401, 403, 404, 500: `{"success":false,"error":…}` with the status's
//!   description), OxgelAPI by `"status"` (400 `Invalid request body`, 401 `Invalid API key`, 402
//!   `Insufficient balance`, 403 `Account is banned`, 404 `Order not found`, 409 `No numbers available`,
//!   429 `Too many requests` + `Retry-After`); optional `"message"` and `"retry_after_seconds"`. These
//!   six never touch state. `delay` handles the request normally — state changes happen at once — and
//!   responds `ms` later. `latency_ms` is added to every API response. `GET /__sim/faults` shows the
//!   current state.
//! - `POST /__sim/clock` `{"advance_seconds":130}` (and/or `"advance_ms"`) → moves simulated time
//!   forward; answers `{"offset_ms":130000,"now_ms":…,"now":"2026-…Z"}`, as does `GET /__sim/clock`.
//! - `POST /__sim/accounts` `{"key":"…","balance":1.0,"banned":false}` (Agent OTP also `"token"`,
//!   `"plan"`, `"quota_limit"`, `"quota_used"`) → creates (balance 0 unless given) or updates an
//!   account (only the fields given); answers `{"key":"…","balance":1.0,"escrow":0.0,"charged":0.0,
//!   "banned":false}`, plus in the Agent OTP dialect `"token"`, `"plan"`, `"quota_limit"`,
//!   `"quota_used"`. `GET /__sim/accounts` lists them all.
//! - `POST /__sim/config` `{"sms_delay_seconds":1,"cancel_after_seconds":5,"order_ttl_seconds":60,
//!   "rate_limit_per_minute":10,"number_pool_size":1,"otp_sender":"Google"}` (any subset, in any
//!   dialect) → what is in force: `{"sms_delay_seconds":…,"order_ttl_seconds":…}` plus
//!   `cancel_after_seconds` (OxgelAPI), `rate_limit_per_minute` (Telenumerus), `number_pool_size` and
//!   `otp_sender` (Agent OTP); `GET` shows it. Timings apply to orders (rentals) made afterwards; the
//!   others at once.
//! - `POST /__sim/prices` → one pair; `GET /__sim/prices` lists every pair. OxgelAPI
//!   `{"service":"wa","country":"187","price":0.2,"stock":1}` (price and stock optional) → the pair
//!   `{"service","country","price","stock"}`. Telenumerus `{"platform":"discord","country":"UK",
//!   "price":1.2,"stock":"none"}` (`service` also names the platform; stock a word or a count) → the
//!   pair `{"platform","country","price","stock","success_rate","avg_delivery_seconds"}`. Agent OTP has
//!   no prices: `[]`, and 400.
//! - `GET /__sim/orders[?key=]` → every remembered order (Agent OTP: rental), oldest first, the same
//!   view in every dialect: `{"id" (the order id, or the rental id),"key","service" (OxgelAPI service,
//!   Telenumerus platform; none for Agent OTP),"country","phone","cost" (none for Agent OTP),"status"
//!   (the dialect's word),"created_at","expires_at","sms_due_at","closed_at","messages":[{"id"?,
//!   "from"?,"code" (null without one),"text","received_at"}]}`, plus for OxgelAPI `"order_code"`,
//!   `"operator"`, `"cancel_allowed_at"`, `"status_requests"`.
//! - `POST /__sim/sms` `{"id":"<order or rental id>","from":"Google","body":"G-123456 is your Google
//!   verification code.","code":"123456"}` (`from`, `body`, `code` optional) → delivers an SMS to that
//!   order now and answers its view. The code is `code`, else the one in `body` (4–8 digits, groups
//!   joined across one `-` or space); with neither, the SMS the service would send. The text is
//!   `body`, else the service's wording. OxgelAPI and Telenumerus orders need a code (they take the
//!   status `received`/`completed`); an Agent OTP rental takes any text. The sender defaults to the
//!   service's name (Telenumerus) or `otp_sender` (Agent OTP); OxgelAPI keeps none. 400 for an unknown
//!   id or an order that no longer receives (final; a completed Telenumerus order past its expiry).
//! - `GET /__sim/requests` → the most recent API requests (`request_log_capacity`, 50), oldest first:
//!   `{"at_ms","method","path","query":[[k,v]],"headers":[[k,v]],"body","kind","status","fault"}`
//!   (`status` is null for a dropped connection).
//!
//! # Catalogue
//!
//! OxgelAPI: services `wa tg go fb ig tk oi ds`; countries `187` US, `16` GB, `43` DE, `78` FR, `22` IN,
//! `6` ID, `73` BR, `36` CA. Every pair gets a seeded price (0.05–1.50) and stock (0..=500, about one
//! pair in ten sold out); the default overrides pin `wa`/`187` at 0.18 with 42 in stock, `oi`/`22` out
//! of stock and `tg`/`16` at 1.25. The default account is [`DEFAULT_KEY`] with 10.00.
//!
//! Telenumerus: the document's 33 platforms as lower-case codes (`google`, `whatsapp`, …, `twitter` for
//! Twitter/X, `protonmail`, `wechat`, `ebay`, `wise`) and 24 countries (`US RU UA GB DE FR IN ID PH BR CA
//! NL PL ES IT SE MX AU KR JP CN TH VN MY`, `UK` for GB). Every pair gets a seeded price (0.10–2.00),
//! stock word (`high` 4 in 10, `medium` 3, `low` 2, `none` 1), success rate (0.50–0.99, `null` one in
//! eight) and average delivery (5–60 s); `google`/`US` is the document's example (0.50, `high`, 0.92,
//! 8 s) and `wise`/`CN` has stock `none`. [`SimConfig::price_overrides`] pin pairs by platform and ISO
//! code (a count becomes a word: 0 `none`, 1–5 `low`, 6–20 `medium`, more `high`).
//!
//! Agent OTP: the countries of [`SimConfig::countries`] by ISO code, numbers from their phone prefixes.

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
