//! The admin API under `/__sim/`: stats, faults, reset, clock, accounts, config, prices, orders, log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, KEY, T0, assert_text, json};
use serde_json::{Value, json};
use vnum_sim::{Outcome, SimConfig, SimRequest};

// ---------------------------------------------------------------- stats

#[test]
fn stats_count_every_api_request_by_kind() {
    let mut h = Harness::new();
    let empty = h.stats();
    assert_eq!(
        empty,
        json!({
            "requests": {"balance":0,"services":0,"countries":0,"prices":0,"buy":0,"status":0,
                         "cancel":0,"finish":0,"another":0,"other":0},
            "total":0,"unauthorized":0,"forbidden":0,"buys_succeeded":0,"faults_applied":0,
            "api_key_in_query":0,"statuses":{},"keys_seen":{},"keys_seen_overflow":0
        })
    );

    h.get("/api/v1/balance");
    h.get("/api/v1/services");
    h.get("/api/v1/countries");
    h.get("/api/v1/prices");
    let id = h.buy_ok("wa", "187");
    h.buy("oi", "22"); // 409, still counted
    h.get(&format!("/api/v1/numbers/status?id={id}"));
    h.post(&format!("/api/v1/numbers/cancel?id={id}")); // 409
    h.post(&format!("/api/v1/numbers/finish?id={id}")); // 409
    h.post(&format!("/api/v1/numbers/another?id={id}")); // 409
    h.get("/nowhere");
    h.send(&SimRequest::get("/api/v1/balance")); // 401 missing
    h.send(&SimRequest::get("/api/v1/balance").key("OXGL-wrong")); // 401 invalid
    h.send(&SimRequest::get("/api/v1/balance?api_key=OXGL-wrong")); // 401, key in query
    // Admin traffic is not counted.
    h.admin("GET", "/__sim/orders", Value::Null);

    let stats = h.stats();
    assert_eq!(
        stats["requests"],
        json!({"balance":4,"services":1,"countries":1,"prices":1,"buy":2,"status":1,
               "cancel":1,"finish":1,"another":1,"other":1})
    );
    assert_eq!(stats["total"], 14);
    assert_eq!(stats["unauthorized"], 3);
    assert_eq!(stats["forbidden"], 0);
    assert_eq!(stats["buys_succeeded"], 1);
    assert_eq!(stats["api_key_in_query"], 1);
    assert_eq!(stats["keys_seen"], json!({KEY: 11, "OXGL-wrong": 2}));
    assert_eq!(stats["statuses"], json!({"200":6,"404":1,"409":4,"401":3}));
}

// ---------------------------------------------------------------- faults

fn set_faults(h: &mut Harness, faults: Value) -> Value {
    let response = h.admin("POST", "/__sim/faults", faults);
    assert_eq!(response.status(), Some(200), "{}", response.text_body());
    json(&response)
}

fn buy_request() -> SimRequest {
    SimRequest::post("/api/v1/numbers/buy").key(KEY).json(&json!({"service":"wa","country":"187"}))
}

#[test]
fn faults_are_consumed_fifo_and_never_change_state() {
    let mut h = Harness::new();
    set_faults(
        &mut h,
        json!({"next":[
            {"kind":"status","status":503},
            {"kind":"html"},
            {"kind":"rate_limit","retry_after_seconds":7},
            {"kind":"invalid_json"},
            {"kind":"drop"},
            {"kind":"status","status":500,"body":"boom"}
        ]}),
    );

    let r = h.send(&buy_request());
    assert_text(&r, 503, "Service Unavailable");

    let r = h.send(&buy_request());
    assert_eq!(r.status(), Some(502));
    assert_eq!(r.header("content-type"), Some("text/html; charset=UTF-8"));
    assert!(r.text_body().contains("<title>502 Bad Gateway</title>"));

    let r = h.send(&buy_request());
    assert_text(&r, 429, "Too many requests");
    assert_eq!(r.header("retry-after"), Some("7"));

    let r = h.send(&buy_request());
    assert_eq!(r.status(), Some(200));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(serde_json::from_slice::<Value>(r.body().unwrap()).is_err());

    let r = h.send(&buy_request());
    assert_eq!(r.outcome, Outcome::Drop);
    assert_eq!(r.status(), None);

    assert_text(&h.send(&buy_request()), 500, "boom");

    // Six buys faulted: nothing bought, nothing charged, stock intact.
    assert!(h.sim.orders().is_empty());
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
    assert_eq!(json(&h.get("/api/v1/prices?service=wa&country=187"))[0]["stock"], 42);

    // Queue exhausted: back to normal.
    assert_eq!(h.send(&buy_request()).status(), Some(200));
    let stats = h.stats();
    assert_eq!(stats["faults_applied"], 6);
    assert_eq!(stats["requests"]["buy"], 7);
    assert_eq!(stats["buys_succeeded"], 1);
    assert_eq!(stats["statuses"]["drop"], 1);
    assert_eq!(json(&h.admin("GET", "/__sim/faults", Value::Null)), json!({"latency_ms":0,"next":[]}));
}

#[test]
fn faults_apply_before_authentication() {
    let mut h = Harness::new();
    set_faults(&mut h, json!({"next":[{"kind":"status","status":503}]}));
    assert_text(&h.send(&SimRequest::get("/api/v1/balance")), 503, "Service Unavailable");
    assert_text(&h.send(&SimRequest::get("/api/v1/balance")), 401, "Missing API key");
}

#[test]
fn targeted_faults_wait_for_their_endpoint() {
    let mut h = Harness::new();
    set_faults(&mut h, json!({"next":[{"kind":"drop","for":"buy"},{"kind":"status","status":503,"for":"status"}]}));
    for _ in 0..3 {
        assert_eq!(h.get("/api/v1/balance").status(), Some(200));
    }
    assert_eq!(h.send(&buy_request()).outcome, Outcome::Drop);
    let id = h.buy_ok("wa", "187");
    assert_text(&h.get(&format!("/api/v1/numbers/status?id={id}")), 503, "Service Unavailable");
    assert_eq!(h.get(&format!("/api/v1/numbers/status?id={id}")).status(), Some(200));
    assert_eq!(h.sim.orders().len(), 1);
}

#[test]
fn delay_faults_handle_the_request_and_latency_applies_to_all() {
    let mut h = Harness::new();
    set_faults(&mut h, json!({"latency_ms":25,"next":[{"kind":"delay","ms":15000}]}));
    let delayed = h.send(&buy_request());
    assert_eq!(delayed.status(), Some(200));
    assert_eq!(delayed.delay_ms, 15_025);
    // The state changed at once: the order exists although the client is still waiting.
    assert_eq!(h.sim.orders().len(), 1);
    assert_eq!(h.micros(KEY), (9_820_000, 180_000, 0));
    assert_eq!(h.get("/api/v1/balance").delay_ms, 25);
    assert_eq!(h.get("/nowhere").delay_ms, 25);
    // Admin requests are never delayed nor faulted.
    assert_eq!(h.admin("GET", "/__sim/stats", Value::Null).delay_ms, 0);
    set_faults(&mut h, json!({"latency_ms":0,"next":[{"kind":"drop"}]}));
    assert_eq!(h.admin("GET", "/__sim/stats", Value::Null).status(), Some(200));
    assert_eq!(h.sim.faults().next.len(), 1);
    assert_eq!(h.get("/api/v1/balance").outcome, Outcome::Drop);
}

#[test]
fn setting_faults_replaces_them_and_validates() {
    let mut h = Harness::new();
    set_faults(&mut h, json!({"latency_ms":5,"next":[{"kind":"drop"},{"kind":"html","status":521}]}));
    let shown = json(&h.admin("GET", "/__sim/faults", Value::Null));
    assert_eq!(shown, json!({"latency_ms":5,"next":[{"kind":"drop"},{"kind":"html","status":521}]}));
    // {} clears everything.
    assert_eq!(set_faults(&mut h, json!({})), json!({"latency_ms":0,"next":[]}));
    for bad in [
        json!({"next":[{"kind":"nope"}]}),
        json!({"next":[{"kind":"status"}]}),
        json!({"next":[{"kind":"status","status":99}]}),
        json!({"next":[{"kind":"html","status":600}]}),
        json!({"next":[{"kind":"drop","for":"everything"}]}),
        json!({"latency":5}),
        json!([1, 2]),
    ] {
        let response = h.admin("POST", "/__sim/faults", bad.clone());
        assert_eq!(response.status(), Some(400), "{bad}");
        assert!(response.text_body().starts_with("Invalid admin request: "), "{bad}");
    }
    assert_eq!(h.sim.faults().next.len(), 0);
}

// ---------------------------------------------------------------- reset

#[test]
fn reset_restores_the_initial_state() {
    let mut h = Harness::new();
    let pristine = h.sim.clone();
    let id = h.buy_ok("wa", "187");
    h.admin("POST", "/__sim/accounts", json!({"key":"OXGL-new","balance":3.0}));
    h.admin("POST", "/__sim/config", json!({"sms_delay_seconds":1}));
    h.admin("POST", "/__sim/clock", json!({"advance_seconds":100}));
    set_faults(&mut h, json!({"latency_ms":9,"next":[{"kind":"drop"}]}));
    h.get("/api/v1/prices");

    let response = h.admin("POST", "/__sim/reset", Value::Null);
    assert_eq!(json(&response), json!({"ok":true}));
    assert_eq!(h.sim.clock_offset_ms(), 0);
    assert!(h.sim.orders().is_empty());
    assert!(h.sim.account("OXGL-new").is_none());
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
    assert_eq!(h.sim.timing().sms_delay_seconds, 10);
    assert_eq!(h.sim.faults(), pristine.faults());
    assert_eq!(h.sim.stats(), pristine.stats());
    assert_eq!(h.sim.prices(), pristine.prices());
    assert_text(&h.get(&format!("/api/v1/numbers/status?id={id}")), 404, "Order not found");
    // The same seed again: the next order gets the very first id again.
    assert_eq!(h.buy_ok("wa", "187"), id);
}

// ---------------------------------------------------------------- clock

#[test]
fn clock_advance_moves_simulated_time() {
    let mut h = Harness::with_config(SimConfig { sms_delay_seconds: 600, ..SimConfig::default() });
    let id = h.buy_ok("wa", "187");
    assert_eq!(h.post(&format!("/api/v1/numbers/cancel?id={id}")).status(), Some(409));
    let clock = json(&h.admin("POST", "/__sim/clock", json!({"advance_seconds":130})));
    assert_eq!(clock["offset_ms"], 130_000);
    assert_eq!(clock["now_ms"], T0 + 130_000);
    assert_eq!(clock["now"], "2026-06-03T14:25:10.000Z");
    let cancelled = h.post(&format!("/api/v1/numbers/cancel?id={id}"));
    assert_eq!(cancelled.text_body(), r#"{"status":"cancelled","refunded":0.18}"#);

    // Milliseconds add up too; GET shows the same view.
    h.admin("POST", "/__sim/clock", json!({"advance_ms":500}));
    let clock = json(&h.admin("GET", "/__sim/clock", Value::Null));
    assert_eq!(clock["offset_ms"], 130_500);
    // And the host clock keeps running under the offset.
    h.wait(1);
    let id = h.buy_ok("wa", "187");
    assert_eq!(h.sim.order(&id).unwrap().created_at_ms, T0 + 131_500);

    for bad in [json!({"advance_seconds":-1}), json!({"advance_minutes":1})] {
        assert_eq!(h.admin("POST", "/__sim/clock", bad).status(), Some(400));
    }
}

#[test]
fn clock_advance_delivers_sms() {
    let mut h = Harness::new();
    let id = h.buy_ok("tg", "16");
    h.admin("POST", "/__sim/clock", json!({"advance_seconds":10}));
    let status = h.status(&id);
    assert_eq!(status["status"], "received");
    assert_eq!(status["sms_code"].as_str().unwrap().len(), 5);
}

// ---------------------------------------------------------------- accounts, config, prices

#[test]
fn accounts_can_be_created_updated_and_banned() {
    let mut h = Harness::new();
    let created = h.admin("POST", "/__sim/accounts", json!({"key":"OXGL-x","balance":1.0}));
    assert_eq!(json(&created), json!({"key":"OXGL-x","balance":1.0,"escrow":0.0,"charged":0.0,"banned":false}));
    let buy = |h: &mut Harness| {
        h.send(&SimRequest::post("/api/v1/numbers/buy").key("OXGL-x").json(&json!({"service":"wa","country":"187"})))
    };
    assert_eq!(buy(&mut h).status(), Some(200));
    let banned = h.admin("POST", "/__sim/accounts", json!({"key":"OXGL-x","banned":true}));
    // Only the given fields change.
    assert_eq!(json(&banned), json!({"key":"OXGL-x","balance":0.82,"escrow":0.18,"charged":0.0,"banned":true}));
    assert_text(&buy(&mut h), 403, "Account is banned");
    h.admin("POST", "/__sim/accounts", json!({"key":"OXGL-x","banned":false,"balance":0.1}));
    assert_text(&buy(&mut h), 402, "Insufficient balance");
    let list = json(&h.admin("GET", "/__sim/accounts", Value::Null));
    assert_eq!(list.as_array().unwrap().len(), 2);

    for bad in [
        json!({"balance":1.0}),
        json!({"key":"","balance":1.0}),
        json!({"key":"k","balance":-1.0}),
        json!({"key":"k","balance":"1"}),
        json!({"key":"k","credit":1.0}),
    ] {
        assert_eq!(h.admin("POST", "/__sim/accounts", bad.clone()).status(), Some(400), "{bad}");
    }
}

#[test]
fn config_changes_timings_for_new_orders() {
    let mut h = Harness::new();
    let old = h.buy_ok("wa", "187");
    let updated = h.admin("POST", "/__sim/config", json!({"sms_delay_seconds":2,"cancel_after_seconds":5}));
    assert_eq!(json(&updated), json!({"sms_delay_seconds":2,"cancel_after_seconds":5,"order_ttl_seconds":1200}));
    assert_eq!(json(&h.admin("GET", "/__sim/config", Value::Null)), json(&updated));
    let new = h.buy_ok("wa", "187");
    h.wait(2);
    assert_eq!(h.status(&new)["status"], "received");
    assert_eq!(h.status(&old)["status"], "waiting");
    h.admin("POST", "/__sim/config", json!({"order_ttl_seconds":30,"sms_delay_seconds":100}));
    let short = h.buy_ok("wa", "187");
    h.wait(5);
    let body = json(&h.post(&format!("/api/v1/numbers/cancel?id={short}")));
    assert_eq!(body["status"], "cancelled");
    assert_eq!(h.sim.order(&short).unwrap().expires_at_ms, h.sim.order(&short).unwrap().created_at_ms + 30_000);
    assert_eq!(h.admin("POST", "/__sim/config", json!({"sms_delay":1})).status(), Some(400));
}

#[test]
fn prices_can_be_pinned_at_runtime() {
    let mut h = Harness::new();
    let pinned = h.admin("POST", "/__sim/prices", json!({"service":"go","country":"16","price":0.3,"stock":1}));
    assert_eq!(json(&pinned), json!({"service":"go","country":"16","price":0.3,"stock":1}));
    let bought = h.buy("go", "16");
    assert_eq!(json(&bought)["cost"], 0.3);
    assert_text(&h.buy("go", "16"), 409, "No numbers available");
    let all = json(&h.admin("GET", "/__sim/prices", Value::Null));
    assert_eq!(all.as_array().unwrap().len(), 64);
    assert_eq!(h.admin("POST", "/__sim/prices", json!({"service":"zz","country":"16","stock":1})).status(), Some(400));
    assert_eq!(h.admin("POST", "/__sim/prices", json!({"service":"go","country":"16","price":-1})).status(), Some(400));
}

// ---------------------------------------------------------------- orders and request log

#[test]
fn orders_lists_every_order_with_its_state() {
    let mut h = Harness::new();
    h.admin("POST", "/__sim/accounts", json!({"key":"OXGL-b","balance":2.0}));
    let mine = h.buy_ok("wa", "187");
    h.send(
        &SimRequest::post("/api/v1/numbers/buy")
            .key("OXGL-b")
            .json(&json!({"service":"wa","country":"187","operator":"vodafone"})),
    );
    h.wait(10);
    let orders = json(&h.admin("GET", "/__sim/orders", Value::Null));
    let orders = orders.as_array().unwrap();
    assert_eq!(orders.len(), 2);
    let first = &orders[0];
    assert_eq!(first["id"], mine.as_str());
    assert_eq!(first["key"], KEY);
    assert_eq!(first["status"], "received");
    assert_eq!(first["cost"], 0.18);
    assert_eq!(first["created_at"], "2026-06-03T14:23:00.000Z");
    assert_eq!(first["expires_at"], "2026-06-03T14:43:00.000Z");
    assert_eq!(first["cancel_allowed_at"], "2026-06-03T14:25:00.000Z");
    assert_eq!(first["sms_due_at"], Value::Null);
    assert_eq!(first["messages"][0]["received_at"], "2026-06-03T14:23:10.000Z");
    assert_eq!(orders[1]["operator"], "vodafone");
    let only_b = json(&h.admin("GET", "/__sim/orders?key=OXGL-b", Value::Null));
    assert_eq!(only_b.as_array().unwrap().len(), 1);
    assert_eq!(only_b[0]["key"], "OXGL-b");
}

#[test]
fn request_log_records_what_arrived() {
    let mut h = Harness::new();
    set_faults(&mut h, json!({"next":[{"kind":"drop"}]}));
    h.send(&SimRequest::get("/api/v1/balance").key(KEY).header("User-Agent", "vnum-test"));
    h.send(&buy_request().header("Idempotency-Key", "abc"));
    let log = json(&h.admin("GET", "/__sim/requests", Value::Null));
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["kind"], "balance");
    assert_eq!(log[0]["status"], Value::Null);
    assert_eq!(log[0]["fault"], "drop");
    assert_eq!(log[0]["at_ms"], T0);
    assert!(log[0]["headers"].as_array().unwrap().contains(&json!(["User-Agent", "vnum-test"])));
    assert_eq!(log[1]["kind"], "buy");
    assert_eq!(log[1]["status"], 200);
    assert_eq!(log[1]["body"], r#"{"country":"187","service":"wa"}"#);
    assert!(log[1]["headers"].as_array().unwrap().contains(&json!(["Idempotency-Key", "abc"])));
}

#[test]
fn request_log_is_bounded() {
    let mut h = Harness::with_config(SimConfig { request_log_capacity: 3, ..SimConfig::default() });
    for i in 0..10 {
        h.get(&format!("/api/v1/numbers/status?id={i}"));
    }
    let log = json(&h.admin("GET", "/__sim/requests", Value::Null));
    let ids: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["query"][0][1].as_str().unwrap()).collect();
    assert_eq!(ids, ["7", "8", "9"]);
}

#[test]
fn old_final_orders_are_forgotten_beyond_max_orders() {
    let mut h = Harness::with_config(SimConfig { max_orders: 3, sms_delay_seconds: 0, ..SimConfig::default() });
    let a = h.buy_ok("wa", "187");
    let b = h.buy_ok("wa", "187");
    let c = h.buy_ok("wa", "187");
    h.post(&format!("/api/v1/numbers/finish?id={b}"));
    let d = h.buy_ok("wa", "187");
    // b (final) made room; a and c are active and kept.
    let ids: Vec<&str> = h.sim.orders().iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, [a.as_str(), c.as_str(), d.as_str()]);
    // All active: the limit is exceeded rather than losing money.
    h.buy_ok("wa", "187");
    assert_eq!(h.sim.orders().len(), 4);
    assert_text(&h.get(&format!("/api/v1/numbers/status?id={b}")), 404, "Order not found");
}

#[test]
fn admin_routing() {
    let mut h = Harness::new();
    assert_text(&h.admin("GET", "/__sim/nope", Value::Null), 404, "Not found");
    assert_text(&h.admin("GET", "/__sim", Value::Null), 404, "Not found");
    assert_text(&h.admin("GET", "/__sim/reset", Value::Null), 405, "Method not allowed");
    assert_text(&h.admin("POST", "/__sim/stats", Value::Null), 405, "Method not allowed");
    assert_text(&h.admin("DELETE", "/__sim/orders", Value::Null), 405, "Method not allowed");
    let garbage = h.send(&SimRequest::post("/__sim/clock").body(vec![0xff, 0xfe]));
    assert_eq!(garbage.status(), Some(400));
    assert_eq!(h.sim.stats().total, 0);
}
