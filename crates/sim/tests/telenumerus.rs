//! The Telenumerus dialect, driven through `Simulator::handle` with a fake clock: every example of
//! its document, an order's whole life, the one-open-order rule, idempotency keys, the rate limit, the
//! error table, the SSE stream and `/verify` held sans-IO, and the admin API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, T0, answered, assert_shape, event_stream, json, long_poll};
use serde_json::{Value, json};
use vnum_sim::telenumerus::{ErrorCode, TelenumerusStatus};
use vnum_sim::{
    AccountConfig, Dialect, PriceOverride, Resumed, SimConfig, SimRequest, SimResponse, TELENUMERUS_DEFAULT_KEY,
};

const KEY: &str = TELENUMERUS_DEFAULT_KEY;

/// The Telenumerus defaults with the pairs these tests buy in stock (the seeded table has some
/// pairs at `none`), changed by `f`.
fn telenumerus(f: impl FnOnce(&mut SimConfig)) -> Harness {
    Harness::with(Dialect::Telenumerus, |c| {
        for (platform, country) in [("telegram", "US"), ("discord", "US"), ("discord", "GB"), ("google", "GB")] {
            c.price_overrides.push(PriceOverride {
                service: platform.to_owned(),
                country: country.to_owned(),
                price: None,
                stock: Some(100),
            });
        }
        f(c);
    })
}

fn harness() -> Harness {
    telenumerus(|_| {})
}

fn authed(req: SimRequest) -> SimRequest {
    req.header("Authorization", &format!("Bearer {KEY}"))
}

fn get(h: &mut Harness, path: &str) -> SimResponse {
    h.send(&authed(SimRequest::get(path)))
}

fn post(h: &mut Harness, path: &str, body: Value) -> SimResponse {
    h.send(&authed(SimRequest::post(path)).json(&body))
}

fn order(h: &mut Harness, body: Value) -> SimResponse {
    post(h, "/api/v1/order", body)
}

/// Places an order for `platform` in the US, asserting success; its answer.
fn order_ok(h: &mut Harness, platform: &str) -> Value {
    let response = order(h, json!({"platform": platform, "country": "US"}));
    assert_eq!(response.status(), Some(200), "{}", response.text_body());
    json(&response)
}

/// Asserts a structured error: status, code, retryable per the document, and the body's shape.
fn assert_error(response: &SimResponse, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), Some(status), "{}", response.text_body());
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = json(response);
    assert_eq!(body["error_code"], code, "{body}");
    assert_eq!(body["retryable"], ErrorCode::parse(code).unwrap().retryable(), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    assert_eq!(body.as_object().unwrap().len(), 4, "{body}");
    if body["retryable"] == true {
        assert!(body["retry_after_seconds"].as_u64().is_some_and(|s| s > 0), "{body}");
    } else {
        assert_eq!(body["retry_after_seconds"], Value::Null, "{body}");
    }
    body
}

fn balance(h: &mut Harness) -> f64 {
    json(&get(h, "/api/v1/account"))["balance"].as_f64().unwrap()
}

// ---------------------------------------------------------------- the document's examples

#[test]
fn register_and_deposit_answer_the_documented_shapes() {
    let mut h = harness();
    let registered = h.send(&SimRequest::post("/api/v1/register").json(&json!({})));
    assert_eq!(registered.status(), Some(200));
    let registered = json(&registered);
    assert_shape(
        &registered,
        &json!({"api_key": "your-key", "webhook_secret": "...", "next_steps": {
            "deposit": "GET /api/v1/deposit/addresses", "browse_services": "GET /api/v1/services"}}),
        &["check_availability", "order"],
        &[],
    );
    assert_eq!(registered["next_steps"]["deposit"], "GET /api/v1/deposit/addresses");
    // The new key works, with nothing to spend.
    let new_key = registered["api_key"].as_str().unwrap();
    let account = h.send(&SimRequest::get("/api/v1/account").key(new_key));
    assert_eq!(json(&account)["balance"], 0.0);
    let broke = h.send(&SimRequest::post("/api/v1/order").key(new_key).json(&json!({"platform":"google"})));
    assert_error(&broke, 402, "INSUFFICIENT_BALANCE");

    let addresses = h.send(&SimRequest::get("/api/v1/deposit/addresses"));
    assert_shape(
        &json(&addresses),
        &json!({"addresses": {"btc": "bc1q...", "ltc": "ltc1q...", "usdt_erc20": "0x..."}, "minimum_deposit_usd": 1.00}),
        &[],
        &[],
    );
    let hash = "ab".repeat(32);
    let verified = post(&mut h, "/api/v1/deposit/verify", json!({"tx_hash": hash}));
    let verified = json(&verified);
    assert_shape(
        &verified,
        &json!({"status": "pending", "transaction_id": "...", "message": "Verifying on-chain..."}),
        &[],
        &[],
    );
    assert_eq!(verified["status"], "pending");
    assert_eq!(verified["message"], "Verifying on-chain...");
    assert_error(&post(&mut h, "/api/v1/deposit/verify", json!({"tx_hash": "nope"})), 400, "INVALID_REQUEST");
    // Deposit verification needs a key.
    let anonymous = h.send(&SimRequest::post("/api/v1/deposit/verify").json(&json!({"tx_hash": hash})));
    assert_error(&anonymous, 401, "INVALID_API_KEY");
}

#[test]
fn order_then_poll_answers_the_documented_shapes() {
    let mut h = harness();
    let placed = order(&mut h, json!({"platform": "google", "country": "US"}));
    assert_eq!(placed.status(), Some(200));
    assert_eq!(placed.header("content-type"), Some("application/json"));
    let placed = json(&placed);
    assert_shape(
        &placed,
        &json!({"status": "ok", "order_id": "abc", "phone": "+12025551234", "price": 0.50, "expires_in": 300,
                "check_status": "/api/v1/order/abc", "stream": "/api/v1/order/abc/stream"}),
        &["platform_hints"],
        &[],
    );
    let id = placed["order_id"].as_str().unwrap().to_owned();
    assert_eq!(placed["status"], "ok");
    assert_eq!(placed["price"], 0.5);
    assert_eq!(placed["expires_in"], 300);
    assert_eq!(placed["check_status"], format!("/api/v1/order/{id}"));
    assert_eq!(placed["stream"], format!("/api/v1/order/{id}/stream"));
    assert_eq!(
        placed["platform_hints"],
        json!({"code_format":"numeric","expect_code_length":6,"avg_delivery_seconds":8})
    );
    let phone = placed["phone"].as_str().unwrap();
    assert!(phone.starts_with("+1202555") && phone.len() == 12, "{phone}");

    let pending = json(&get(&mut h, &format!("/api/v1/order/{id}")));
    assert_eq!(pending, json!({"status": "pending", "order_id": id, "phone": phone}));

    h.wait(10);
    let completed = json(&get(&mut h, &format!("/api/v1/order/{id}")));
    assert_shape(&completed, &json!({"status": "completed", "code": "847291"}), &["order_id", "phone"], &[]);
    assert_eq!(completed["status"], "completed");
    let code = completed["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()), "a clean numeric code: {code}");
    // The raw SMS stays with the simulator (admin view), worded like the real service.
    let text = &h.sim.telenumerus_orders()[0].messages[0].text;
    assert_eq!(text, &format!("G-{code} is your Google verification code."));
}

#[test]
fn the_stream_sends_the_documented_code_event() {
    let mut h = harness();
    let id = order_ok(&mut h, "google")["order_id"].as_str().unwrap().to_owned();
    let start = get(&mut h, &format!("/api/v1/order/{id}/stream"));
    assert_eq!(start.status(), Some(200));
    assert_eq!(start.header("content-type"), Some("text/event-stream"));
    assert_eq!(start.header("cache-control"), Some("no-cache"));
    assert_eq!(start.text_body(), "");
    let mut stream = event_stream(&start);
    h.wait(10);
    let step = h.stream_next(&mut stream);
    assert!(step.ended);
    assert_eq!(step.events.len(), 1);
    let data = step.events[0].strip_prefix("data: ").and_then(|e| e.strip_suffix("\n\n")).expect("one data line");
    let event: Value = serde_json::from_str(data).unwrap();
    assert_shape(&event, &json!({"event": "code", "code": "847291"}), &[], &[]);
    assert_eq!(event["code"], h.sim.telenumerus_orders()[0].messages[0].code.clone().unwrap().as_str());

    // Asked again once the code is there: the whole stream at once, nothing held.
    let again = get(&mut h, &format!("/api/v1/order/{id}/stream"));
    assert!(again.hold.is_none());
    assert_eq!(again.text_body(), format!("data: {data}\n\n"));
}

#[test]
fn verify_holds_until_the_code_and_answers_the_documented_shape() {
    let mut h = harness();
    let held = post(&mut h, "/api/v1/verify", json!({"platform": "google", "country": "US", "timeout_seconds": 120}));
    let poll = long_poll(&held);
    assert_eq!(poll.deadline_ms(), T0 + 120_000);
    // What a host that cannot hold would send: the order goes on.
    let now_answer = json(&held);
    assert_eq!(now_answer["status"], "pending");
    h.wait(5);
    assert_eq!(h.resume(&poll), Resumed::Pending { recheck_by_ms: T0 + 10_000 });
    h.wait(5);
    let answer = answered(h.resume(&poll));
    assert_eq!(answer.status(), Some(200));
    let answer = json(&answer);
    assert_shape(
        &answer,
        &json!({"status": "ok", "phone": "+12025551234", "code": "847291", "delivery_seconds": 8, "price": 0.50}),
        &[],
        &[],
    );
    assert_eq!(answer["delivery_seconds"], 10);
    assert_eq!(answer["price"], 0.5);
    assert_eq!(answer["code"].as_str(), h.sim.telenumerus_orders()[0].code());
    assert_eq!(balance(&mut h), 9.5, "charged once");
}

#[test]
fn verify_times_out_into_a_pending_order_and_ends_with_a_refund_when_the_order_does() {
    let mut h = telenumerus(|c| c.sms_delay_seconds = 1_000);
    let poll = long_poll(&post(&mut h, "/api/v1/verify", json!({"platform": "discord", "timeout_seconds": 30})));
    h.wait(30);
    let timed_out = json(&answered(h.resume(&poll)));
    assert_eq!(timed_out["status"], "pending");
    let id = timed_out["order_id"].as_str().unwrap().to_owned();
    assert_eq!(timed_out["check_status"], format!("/api/v1/order/{id}"));
    assert_eq!(json(&get(&mut h, &format!("/api/v1/order/{id}")))["status"], "pending");

    // A second verify while the first order is open: one concurrent order.
    let busy = post(&mut h, "/api/v1/verify", json!({"platform": "discord"}));
    assert_error(&busy, 409, "ORDER_IN_PROGRESS");

    // The order expires while a verify waits on it (same idempotency key, same order).
    let mut h = telenumerus(|c| c.sms_delay_seconds = 1_000);
    let body = json!({"platform": "discord", "timeout_seconds": 600, "idempotency_key": "v1"});
    let first = long_poll(&post(&mut h, "/api/v1/verify", body.clone()));
    h.wait(100);
    let retried = long_poll(&post(&mut h, "/api/v1/verify", body));
    assert_eq!(h.sim.telenumerus_orders().len(), 1, "the same order");
    h.wait(200);
    for poll in [first, retried] {
        let ended = answered(h.resume(&poll));
        assert_error(&ended, 503, "PROVIDER_UNAVAILABLE");
    }
    assert_eq!(balance(&mut h), 10.0, "refunded");
}

#[test]
fn agent_understands_a_query_and_answers_422_otherwise() {
    let mut h = harness();
    let understood = post(&mut h, "/api/v1/agent", json!({"query": "I need a Google verification number for UK"}));
    assert_eq!(understood.status(), Some(200), "{}", understood.text_body());
    let understood = json(&understood);
    assert_shape(
        &understood,
        &json!({"understood": true, "order_id": "abc", "phone": "+44...", "price": 0.50,
                "check_status": "/api/v1/order/abc"}),
        &[],
        &[],
    );
    assert!(understood["phone"].as_str().unwrap().starts_with("+44"));
    assert_eq!(h.sim.telenumerus_orders()[0].country, "GB");
    assert_eq!(h.sim.telenumerus_orders()[0].platform, "google");

    let puzzled = post(&mut h, "/api/v1/agent", json!({"query": "a number please"}));
    assert_eq!(puzzled.status(), Some(422));
    let puzzled = json(&puzzled);
    assert_eq!(puzzled["understood"], false);
    assert_eq!(puzzled["error_code"], "UNKNOWN_PLATFORM");
}

#[test]
fn batch_places_each_order_and_the_second_meets_the_one_order_rule() {
    let mut h = harness();
    let response = post(
        &mut h,
        "/api/v1/batch",
        json!({"orders": [{"platform": "google"}, {"platform": "discord", "country": "UK"}]}),
    );
    assert_eq!(response.status(), Some(200));
    let body = json(&response);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["orders"][0]["status"], "ok");
    assert_eq!(body["orders"][1]["error_code"], "ORDER_IN_PROGRESS");
    assert_eq!(h.sim.telenumerus_orders().len(), 1);
    let too_many = json!({"orders": vec![json!({"platform": "google"}); 21]});
    assert_error(&post(&mut h, "/api/v1/batch", too_many), 400, "INVALID_REQUEST");
}

#[test]
fn cancel_answers_the_documented_shape_and_refunds() {
    let mut h = telenumerus(|c| c.sms_delay_seconds = 1_000);
    let id = order_ok(&mut h, "google")["order_id"].as_str().unwrap().to_owned();
    assert_eq!(balance(&mut h), 9.5);
    let cancelled = post(&mut h, &format!("/api/v1/order/{id}/cancel"), Value::Null);
    assert_eq!(cancelled.status(), Some(200));
    assert_eq!(cancelled.text_body(), r#"{"status":"ok","refunded":0.5}"#);
    assert_shape(&json(&cancelled), &json!({"status": "ok", "refunded": 0.25}), &[], &[]);
    assert_eq!(balance(&mut h), 10.0);
    assert_eq!(json(&get(&mut h, &format!("/api/v1/order/{id}")))["status"], "cancelled");
    let again = post(&mut h, &format!("/api/v1/order/{id}/cancel"), Value::Null);
    assert_error(&again, 400, "INVALID_REQUEST");
    assert_eq!(balance(&mut h), 10.0, "refunded once");
}

#[test]
fn availability_answers_the_documented_shape() {
    let mut h = harness();
    let response = h.send(&SimRequest::get("/api/v1/availability?country=US"));
    assert_eq!(response.status(), Some(200));
    let body = json(&response);
    let example = json!({"platforms": [{"platform": "google", "success_rate": 0.92, "stock": "high",
        "avg_delivery_seconds": 8, "price": 0.50, "hints": {"code_format": "numeric", "expect_code_length": 6}}]});
    assert_shape(&body, &example, &[], &["success_rate"]);
    // The document's example is the first entry, exactly.
    assert_eq!(body["platforms"][0], example["platforms"][0]);
    let platforms = body["platforms"].as_array().unwrap();
    assert_eq!(platforms.len(), 33);
    assert!(platforms.iter().any(|p| p["success_rate"].is_null()), "null when too few recent orders");
    for platform in platforms {
        assert!(["high", "medium", "low", "none"].contains(&platform["stock"].as_str().unwrap()), "{platform}");
    }
    let telegram = platforms.iter().find(|p| p["platform"] == "telegram").unwrap();
    assert_eq!(telegram["hints"]["expect_code_length"], 5);
    // Without a country: the US. UK is GB.
    assert_eq!(json(&h.send(&SimRequest::get("/api/v1/availability"))), body);
    let uk = json(&h.send(&SimRequest::get("/api/v1/availability?country=UK")));
    assert_eq!(uk, json(&h.send(&SimRequest::get("/api/v1/availability?country=GB"))));
    assert_ne!(uk, body);
    assert_error(&h.send(&SimRequest::get("/api/v1/availability?country=ZZ")), 400, "INVALID_REQUEST");
}

#[test]
fn services_account_health_usage_and_webhook() {
    let mut h = harness();
    let services = json(&h.send(&SimRequest::get("/api/v1/services")));
    let list = services["services"].as_array().unwrap();
    assert_eq!(list.len(), 33);
    assert_eq!(list[0], json!({"platform": "google", "name": "Google", "price": 0.5}));
    let codes: Vec<&str> = list.iter().map(|s| s["platform"].as_str().unwrap()).collect();
    for code in ["twitter", "protonmail", "wechat", "ebay", "wise"] {
        assert!(codes.contains(&code), "{code}");
    }
    assert_eq!(list.iter().find(|s| s["platform"] == "twitter").unwrap()["name"], "Twitter/X");

    assert_eq!(
        json(&get(&mut h, "/api/v1/account")),
        json!({"balance":10.0,"currency":"USD","tier":"standard","orders":0})
    );
    assert_eq!(json(&h.send(&SimRequest::get("/api/v1/health"))), json!({"status": "ok"}));
    order_ok(&mut h, "google");
    let usage = json(&get(&mut h, "/api/v1/usage"));
    assert_eq!((usage["orders"].as_u64(), usage["pending"].as_u64()), (Some(1), Some(1)));
    let hook =
        h.send(&authed(SimRequest::new("PUT", "/api/v1/webhook")).json(&json!({"url": "https://example.com/h"})));
    assert_eq!(json(&hook)["events"], json!(["sms.received", "order.failed", "balance.low"]));
    let bad_hook = h.send(&authed(SimRequest::new("PUT", "/api/v1/webhook")).json(&json!({"url": "nope"})));
    assert_error(&bad_hook, 400, "INVALID_REQUEST");
}

// ---------------------------------------------------------------- an order's life

#[test]
fn a_whole_order_completes_and_stays_completed() {
    let mut h = harness();
    let id = order_ok(&mut h, "telegram")["order_id"].as_str().unwrap().to_owned();
    let price = h.sim.telenumerus_orders()[0].price_micros;
    let account = h.sim.account(KEY).unwrap();
    assert_eq!((account.balance_micros, account.escrow_micros, account.charged_micros), (10_000_000 - price, price, 0));
    h.wait_ms(9_999);
    assert_eq!(json(&get(&mut h, &format!("/api/v1/order/{id}")))["status"], "pending");
    h.wait_ms(1);
    let completed = json(&get(&mut h, &format!("/api/v1/order/{id}")));
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["code"].as_str().unwrap().len(), 5, "Telegram codes have five digits");
    let account = h.sim.account(KEY).unwrap();
    assert_eq!((account.escrow_micros, account.charged_micros), (0, price));

    // Long after its expiry it is still completed, with its code; it cannot be cancelled.
    h.wait(3_600);
    assert_eq!(json(&get(&mut h, &format!("/api/v1/order/{id}"))), completed);
    let refused = post(&mut h, &format!("/api/v1/order/{id}/cancel"), Value::Null);
    let body = assert_error(&refused, 400, "INVALID_REQUEST");
    assert!(body["error"].as_str().unwrap().contains("completed"), "{body}");
    assert_eq!(json(&get(&mut h, "/api/v1/account"))["orders"], 1);
    // The slot is free: the next order goes through.
    order_ok(&mut h, "google");
}

#[test]
fn an_order_without_a_code_expires_after_300_seconds_and_is_refunded() {
    let mut h = telenumerus(|c| c.sms_delay_seconds = 1_000);
    let id = order_ok(&mut h, "google")["order_id"].as_str().unwrap().to_owned();
    let start = get(&mut h, &format!("/api/v1/order/{id}/stream"));
    let mut stream = event_stream(&start);
    h.wait(299);
    assert_eq!(json(&get(&mut h, &format!("/api/v1/order/{id}")))["status"], "pending");
    assert_eq!(balance(&mut h), 9.5);
    h.wait(1);
    assert_eq!(json(&get(&mut h, &format!("/api/v1/order/{id}")))["status"], "expired");
    assert_eq!(balance(&mut h), 10.0);
    let account = h.sim.account(KEY).unwrap();
    assert_eq!((account.escrow_micros, account.charged_micros), (0, 0));
    let step = h.stream_next(&mut stream);
    assert_eq!(step.events, [r#"data: {"event":"expired"}"#.to_owned() + "\n\n"]);
    assert!(step.ended);
    // The SMS due after expiry never arrives.
    h.wait(1_000);
    assert!(h.sim.telenumerus_orders()[0].messages.is_empty());
}

#[test]
fn the_stream_keeps_alive_every_15_seconds_and_ends_with_a_cancel() {
    let mut h = telenumerus(|c| c.sms_delay_seconds = 1_000);
    let id = order_ok(&mut h, "google")["order_id"].as_str().unwrap().to_owned();
    let mut stream = event_stream(&get(&mut h, &format!("/api/v1/order/{id}/stream")));
    h.wait(14);
    let quiet = h.stream_next(&mut stream);
    assert!(quiet.events.is_empty() && !quiet.ended);
    assert_eq!(quiet.recheck_by_ms, T0 + 15_000);
    h.wait(1);
    let alive = h.stream_next(&mut stream);
    assert_eq!(alive.events, [": keep-alive\n\n"]);
    assert!(!alive.ended);
    assert!(h.stream_next(&mut stream).events.is_empty(), "one keep-alive per 15 s");
    h.wait(15);
    assert_eq!(h.stream_next(&mut stream).events, [": keep-alive\n\n"]);
    post(&mut h, &format!("/api/v1/order/{id}/cancel"), Value::Null);
    let end = h.stream_next(&mut stream);
    assert_eq!(end.events, ["data: {\"event\":\"cancelled\"}\n\n"]);
    assert!(end.ended);
}

#[test]
fn one_open_order_per_account() {
    let mut h = telenumerus(|c| {
        c.sms_delay_seconds = 1_000;
        c.accounts.push(AccountConfig { key: "other".to_owned(), balance: 5.0, banned: false });
    });
    let id = order_ok(&mut h, "google")["order_id"].as_str().unwrap().to_owned();
    h.wait(100);
    let busy = order(&mut h, json!({"platform": "discord"}));
    let body = assert_error(&busy, 409, "ORDER_IN_PROGRESS");
    assert_eq!(body["retry_after_seconds"], 200, "until the open order expires");
    assert!(body["error"].as_str().unwrap().contains(&id));
    assert_eq!(busy.header("retry-after"), None);
    // Another account is not held up.
    let other = h.send(&SimRequest::post("/api/v1/order").key("other").json(&json!({"platform": "discord"})));
    assert_eq!(other.status(), Some(200));
    // Once the open order ends, the next goes through.
    post(&mut h, &format!("/api/v1/order/{id}/cancel"), Value::Null);
    order_ok(&mut h, "discord");
}

#[test]
fn idempotency_keys_give_the_same_answer_and_charge_once() {
    let mut h = telenumerus(|c| {
        c.sms_delay_seconds = 1_000;
        c.accounts.push(AccountConfig { key: "other".to_owned(), balance: 5.0, banned: false });
    });
    let body = json!({"platform": "google", "country": "US", "idempotency_key": "k-1"});
    let first = order(&mut h, body.clone());
    assert_eq!(first.status(), Some(200));
    h.wait(30);
    let again = order(&mut h, body.clone());
    assert_eq!(again, first, "the same answer");
    // The same request spelt differently is the same request.
    let respelt = order(&mut h, json!({"platform": "Google", "idempotency_key": "k-1"}));
    assert_eq!(respelt.text_body(), first.text_body());
    assert_eq!(h.sim.telenumerus_orders().len(), 1);
    assert_eq!(balance(&mut h), 9.5, "charged once");

    let different = order(&mut h, json!({"platform": "discord", "idempotency_key": "k-1"}));
    let error = assert_error(&different, 400, "INVALID_REQUEST");
    assert!(error["error"].as_str().unwrap().contains("idempotency_key"));
    // Keys belong to an account.
    let other = h.send(&SimRequest::post("/api/v1/order").key("other").json(&body));
    assert_eq!(other.status(), Some(200));
    assert_ne!(json(&other)["order_id"], json(&first)["order_id"]);

    // A failed attempt is not remembered: the retry under the same key goes through later.
    let blocked = order(&mut h, json!({"platform": "discord", "idempotency_key": "k-2"}));
    assert_error(&blocked, 409, "ORDER_IN_PROGRESS");
    let open = json(&first)["order_id"].as_str().unwrap().to_owned();
    post(&mut h, &format!("/api/v1/order/{open}/cancel"), Value::Null);
    let retried = order(&mut h, json!({"platform": "discord", "idempotency_key": "k-2"}));
    assert_eq!(retried.status(), Some(200));

    // After 24 hours the key is forgotten.
    let retried_id = json(&retried)["order_id"].as_str().unwrap().to_owned();
    post(&mut h, &format!("/api/v1/order/{retried_id}/cancel"), Value::Null);
    h.wait(24 * 3600);
    let fresh = order(&mut h, body);
    assert_eq!(fresh.status(), Some(200));
    assert_ne!(json(&fresh)["order_id"], json(&first)["order_id"]);
}

#[test]
fn the_rate_limit_counts_every_request_with_a_valid_key() {
    let mut h = telenumerus(|c| c.rate_limit_per_minute = 3);
    get(&mut h, "/api/v1/account");
    h.wait(10);
    // A public endpoint counts too when it presents a valid key; requests without one do not.
    h.send(&SimRequest::get("/api/v1/services").key(KEY));
    for _ in 0..5 {
        h.send(&SimRequest::get("/api/v1/services"));
        h.send(&SimRequest::get("/api/v1/account").key("not-a-key"));
    }
    h.wait(10);
    assert_eq!(get(&mut h, "/api/v1/nowhere").status(), Some(404), "an unknown path counts too");
    let limited = get(&mut h, "/api/v1/order/nope");
    let body = assert_error(&limited, 429, "RATE_LIMITED");
    assert_eq!(body["retry_after_seconds"], 40);
    assert_eq!(limited.header("retry-after"), Some("40"));
    // Refused requests are not counted: after the wait, one goes through.
    h.wait(39);
    assert_eq!(get(&mut h, "/api/v1/account").status(), Some(429));
    h.wait(1);
    assert_eq!(get(&mut h, "/api/v1/account").status(), Some(200));

    // The limit follows the admin configuration.
    h.admin_ok("POST", "/__sim/config", json!({"rate_limit_per_minute": 0}));
    for _ in 0..10 {
        assert_eq!(get(&mut h, "/api/v1/account").status(), Some(200));
    }
}

#[test]
fn keys_come_in_headers_only() {
    let mut h = telenumerus(|c| {
        c.accounts.push(AccountConfig { key: "banned".to_owned(), balance: 5.0, banned: true });
    });
    assert_eq!(h.send(&SimRequest::get("/api/v1/account").key(KEY)).status(), Some(200));
    let bearer = SimRequest::get("/api/v1/account").header("authorization", &format!("bearer {KEY}"));
    assert_eq!(h.send(&bearer).status(), Some(200));
    let in_query = h.send(&SimRequest::get(&format!("/api/v1/account?api_key={KEY}")));
    assert_error(&in_query, 401, "INVALID_API_KEY");
    assert_error(&h.send(&SimRequest::get("/api/v1/account").key("wrong")), 401, "INVALID_API_KEY");
    let suspended = h.send(&SimRequest::post("/api/v1/order").key("banned").json(&json!({"platform": "google"})));
    assert_error(&suspended, 403, "ACCOUNT_SUSPENDED");
    assert_eq!(h.stats()["api_key_in_query"], 1);
}

#[test]
fn the_error_table() {
    let mut h = telenumerus(|c| {
        c.accounts.push(AccountConfig { key: "poor".to_owned(), balance: 0.1, banned: false });
    });
    assert_error(&order(&mut h, json!({"platform": "myspace"})), 400, "UNKNOWN_PLATFORM");
    assert_error(&order(&mut h, json!({"platform": "google", "country": "ZZ"})), 400, "INVALID_REQUEST");
    assert_error(&order(&mut h, json!({"country": "US"})), 400, "INVALID_REQUEST");
    assert_error(&post(&mut h, "/api/v1/order", Value::Null), 400, "INVALID_REQUEST");
    let sold_out = order(&mut h, json!({"platform": "wise", "country": "CN"}));
    assert_error(&sold_out, 503, "PROVIDER_UNAVAILABLE");
    assert_eq!(sold_out.header("retry-after"), Some("30"));
    let poor = h.send(&SimRequest::post("/api/v1/order").key("poor").json(&json!({"platform": "google"})));
    assert_error(&poor, 402, "INSUFFICIENT_BALANCE");
    assert_error(&get(&mut h, "/api/v1/order/ord_nope"), 404, "ORDER_NOT_FOUND");
    // UK is GB.
    let uk = json(&order(&mut h, json!({"platform": "discord", "country": "UK"})));
    assert!(uk["phone"].as_str().unwrap().starts_with("+44"));
    // Another account's order is not found.
    let id = uk["order_id"].as_str().unwrap();
    let theirs = h.send(&SimRequest::get(&format!("/api/v1/order/{id}")).key("poor"));
    assert_error(&theirs, 404, "ORDER_NOT_FOUND");
    // Routing: unknown paths 404, wrong methods 405, both INVALID_REQUEST.
    assert_error(&get(&mut h, "/api/v1/nope"), 404, "INVALID_REQUEST");
    let wrong = h.send(&authed(SimRequest::get("/api/v1/order")));
    assert_error(&wrong, 405, "INVALID_REQUEST");
    assert_eq!(wrong.header("allow"), Some("POST"));
    // Nothing of this was charged.
    assert_eq!(h.sim.telenumerus_orders().len(), 1);
    assert_eq!(h.sim.account("poor").unwrap().balance_micros, 100_000);
}

#[test]
fn provider_error_faults_answer_every_documented_error() {
    let mut h = harness();
    for code in ErrorCode::ALL {
        h.admin_ok("POST", "/__sim/faults", json!({"next": [{"kind": "provider_error", "code": code.as_str()}]}));
        let response = order(&mut h, json!({"platform": "google"}));
        let body = assert_error(&response, code.status(), code.as_str());
        assert_eq!(body["error"], code.meaning());
        if matches!(code.status(), 429 | 503) {
            assert_eq!(response.header("retry-after"), Some(body["retry_after_seconds"].to_string().as_str()));
        }
    }
    assert!(h.sim.telenumerus_orders().is_empty(), "faults never touch state");
    h.admin_ok(
        "POST",
        "/__sim/faults",
        json!({"next": [{"kind": "provider_error", "status": 429, "retry_after_seconds": 12, "message": "slow down",
                         "for": "order_status"}]}),
    );
    assert_eq!(get(&mut h, "/api/v1/account").status(), Some(200), "the fault waits for its kind");
    let limited = get(&mut h, "/api/v1/order/x");
    assert_eq!(limited.header("retry-after"), Some("12"));
    assert_eq!(json(&limited)["error"], "slow down");
    for bad in [
        json!({"next": [{"kind": "provider_error", "code": "NOPE"}]}),
        json!({"next": [{"kind": "provider_error", "status": 418}]}),
        json!({"next": [{"kind": "drop", "for": "buy"}]}),
    ] {
        assert_eq!(h.admin("POST", "/__sim/faults", bad.clone()).status(), Some(400), "{bad}");
    }
}

#[test]
fn the_loyalty_tier_discounts_after_20_orders() {
    let mut h = telenumerus(|c| {
        c.sms_delay_seconds = 0;
        c.accounts[0].balance = 100.0;
    });
    for _ in 0..20 {
        assert_eq!(order_ok(&mut h, "google")["price"], 0.5);
    }
    assert_eq!(json(&get(&mut h, "/api/v1/account"))["tier"], "silver");
    assert_eq!(order_ok(&mut h, "google")["price"], 0.475);
    assert_eq!(balance(&mut h), 100.0 - 20.0 * 0.5 - 0.475);
}

// ---------------------------------------------------------------- admin API and stats

#[test]
fn stats_count_by_telenumerus_kind() {
    let mut h = harness();
    let empty = h.stats();
    let kinds: Vec<&String> = empty["requests"].as_object().unwrap().keys().collect();
    assert_eq!(kinds.len(), 17);
    let id = order_ok(&mut h, "google")["order_id"].as_str().unwrap().to_owned();
    get(&mut h, &format!("/api/v1/order/{id}"));
    get(&mut h, &format!("/api/v1/order/{id}/stream"));
    post(&mut h, &format!("/api/v1/order/{id}/cancel"), Value::Null);
    get(&mut h, "/api/v1/availability");
    get(&mut h, "/api/v1/nowhere");
    let requests = &h.stats()["requests"];
    for (kind, count) in
        [("order", 1), ("order_status", 1), ("order_stream", 1), ("order_cancel", 1), ("availability", 1), ("other", 1)]
    {
        assert_eq!(requests[kind], count, "{kind}");
    }
    assert_eq!(h.stats()["buys_succeeded"], 1);
}

#[test]
fn admin_prices_orders_sms_and_config() {
    let mut h = telenumerus(|c| c.sms_delay_seconds = 1_000);
    let prices = h.admin_ok("GET", "/__sim/prices", Value::Null);
    assert_eq!(prices.as_array().unwrap().len(), 33 * 24);
    assert_eq!(
        prices[0],
        json!({"platform":"google","country":"US","price":0.5,"stock":"high","success_rate":0.92,"avg_delivery_seconds":8})
    );
    let pinned = h.admin_ok(
        "POST",
        "/__sim/prices",
        json!({"platform": "discord", "country": "UK", "price": 1.2, "stock": "none"}),
    );
    assert_eq!(
        (pinned["country"].as_str(), pinned["stock"].as_str(), pinned["price"].as_f64()),
        (Some("GB"), Some("none"), Some(1.2))
    );
    assert_error(&order(&mut h, json!({"platform": "discord", "country": "GB"})), 503, "PROVIDER_UNAVAILABLE");
    let counted = h.admin_ok("POST", "/__sim/prices", json!({"service": "discord", "country": "GB", "stock": 3}));
    assert_eq!(counted["stock"], "low");
    assert_eq!(h.admin("POST", "/__sim/prices", json!({"platform": "myspace", "country": "US"})).status(), Some(400));

    let config = h.admin_ok("GET", "/__sim/config", Value::Null);
    assert_eq!(config, json!({"sms_delay_seconds":1000,"order_ttl_seconds":300,"rate_limit_per_minute":120}));

    let placed = order_ok(&mut h, "discord");
    let id = placed["order_id"].as_str().unwrap().to_owned();
    let view = h.admin_ok("POST", "/__sim/sms", json!({"id": id, "body": "Your Discord security code is: 555123"}));
    assert_eq!(view["status"], "completed");
    assert_eq!(view["messages"][0]["code"], "555123");
    assert_eq!(view["messages"][0]["from"], "Discord");
    assert_eq!(json(&get(&mut h, &format!("/api/v1/order/{id}")))["code"], "555123");
    let orders = h.admin_ok("GET", "/__sim/orders", Value::Null);
    assert_eq!(orders[0]["id"], id.as_str());
    assert_eq!(orders[0]["service"], "discord");
    assert_eq!(orders[0]["key"], KEY);
    assert_eq!(orders[0]["cost"], placed["price"]);
    assert_eq!(orders[0]["phone"], placed["phone"]);
    assert!(orders[0].get("order_code").is_none());
    // A text without a code completes nothing; an ended order receives nothing.
    let next = order_ok(&mut h, "google")["order_id"].as_str().unwrap().to_owned();
    assert_eq!(h.admin("POST", "/__sim/sms", json!({"id": next, "body": "hello"})).status(), Some(400));
    post(&mut h, &format!("/api/v1/order/{next}/cancel"), Value::Null);
    assert_eq!(h.admin("POST", "/__sim/sms", json!({"id": next, "code": "1234"})).status(), Some(400));
    assert_eq!(h.admin("POST", "/__sim/sms", json!({"id": "nope", "code": "1234"})).status(), Some(400));
    assert_eq!(h.sim.telenumerus_orders()[1].status, TelenumerusStatus::Cancelled);
}
