//! The admin API's additions in every dialect: `POST /__sim/sms`, the `provider_error` fault, the
//! per-dialect config and stats views, reset; and the new dialects' determinism and persistence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, T0, json};
use serde_json::{Value, json};
use vnum_sim::{
    AGENTOTP_DEFAULT_KEY, DEFAULT_KEY, DIALECTS, Dialect, SimConfig, SimRequest, SimResponse, Simulator,
    TELENUMERUS_DEFAULT_KEY,
};

fn oxgel_buy(h: &mut Harness) -> String {
    let response = h
        .send(&SimRequest::post("/api/v1/numbers/buy").key(DEFAULT_KEY).json(&json!({"service":"go","country":"187"})));
    assert_eq!(response.status(), Some(200), "{}", response.text_body());
    json(&response)["id"].as_str().unwrap().to_owned()
}

fn oxgel_status(h: &mut Harness, id: &str) -> Value {
    json(&h.send(&SimRequest::get(&format!("/api/v1/numbers/status?id={id}")).key(DEFAULT_KEY)))
}

#[test]
fn an_sms_delivered_through_the_admin_api_reaches_an_oxgel_order() {
    let mut h = Harness::with(Dialect::Oxgel, |c| c.sms_delay_seconds = 600);
    let id = oxgel_buy(&mut h);
    let view = h.admin_ok("POST", "/__sim/sms", json!({"id": id, "code": "123456"}));
    assert_eq!(view["status"], "received");
    assert_eq!(view["messages"][0]["text"], "G-123456 is your Google verification code.");
    let status = oxgel_status(&mut h, &id);
    assert_eq!((status["status"].as_str(), status["sms_code"].as_str()), (Some("received"), Some("123456")));
    // A text with a code; the code is read from it.
    h.send(&SimRequest::post(&format!("/api/v1/numbers/another?id={id}")).key(DEFAULT_KEY));
    h.admin_ok("POST", "/__sim/sms", json!({"id": id, "body": "Your code: 77-88-99"}));
    let status = oxgel_status(&mut h, &id);
    assert_eq!(
        (status["sms_code"].as_str(), status["sms_text"].as_str()),
        (Some("778899"), Some("Your code: 77-88-99"))
    );
    // Nothing but the id: the service's usual SMS.
    h.send(&SimRequest::post(&format!("/api/v1/numbers/another?id={id}")).key(DEFAULT_KEY));
    let view = h.admin_ok("POST", "/__sim/sms", json!({"id": id}));
    assert_eq!(view["messages"].as_array().unwrap().len(), 3);
    assert!(view["messages"][2]["text"].as_str().unwrap().starts_with("G-"));

    for bad in [
        json!({"id": id, "body": "no code here"}),
        json!({"id": id, "code": "12a4"}),
        json!({"id": "nope", "code": "1234"}),
        json!({"code": "1234"}),
        json!({"id": id, "sender": "x"}),
    ] {
        let response = h.admin("POST", "/__sim/sms", bad.clone());
        assert_eq!(response.status(), Some(400), "{bad}");
        assert!(response.text_body().starts_with("Invalid admin request: "), "{bad}");
    }
    h.send(&SimRequest::post(&format!("/api/v1/numbers/finish?id={id}")).key(DEFAULT_KEY));
    assert_eq!(
        h.admin("POST", "/__sim/sms", json!({"id": id, "code": "1234"})).status(),
        Some(400),
        "a finished order"
    );
    assert_eq!(h.admin("GET", "/__sim/sms", Value::Null).status(), Some(405));
}

#[test]
fn provider_error_faults_answer_oxgel_s_own_errors() {
    let mut h = Harness::dialect(Dialect::Oxgel);
    for (status, text) in [
        (400, "Invalid request body"),
        (401, "Invalid API key"),
        (402, "Insufficient balance"),
        (403, "Account is banned"),
        (404, "Order not found"),
        (409, "No numbers available"),
    ] {
        h.admin_ok("POST", "/__sim/faults", json!({"next": [{"kind": "provider_error", "status": status}]}));
        let response = h.send(&SimRequest::get("/api/v1/balance").key(DEFAULT_KEY));
        assert_eq!(response.status(), Some(status));
        assert_eq!(response.text_body(), text);
        assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
    }
    h.admin_ok(
        "POST",
        "/__sim/faults",
        json!({"next": [{"kind": "provider_error", "status": 429, "retry_after_seconds": 4}]}),
    );
    let limited = h.send(&SimRequest::get("/api/v1/balance").key(DEFAULT_KEY));
    assert_eq!((limited.status(), limited.header("retry-after")), (Some(429), Some("4")));
    assert_eq!(
        h.admin("POST", "/__sim/faults", json!({"next": [{"kind": "provider_error", "status": 500}]})).status(),
        Some(400)
    );
    let stats = h.admin_ok("GET", "/__sim/stats", Value::Null);
    assert_eq!(stats["faults_applied"], 7);
    let log = h.admin_ok("GET", "/__sim/requests", Value::Null);
    assert_eq!(log[0]["fault"], "provider_error");
}

#[test]
fn config_and_stats_show_what_each_dialect_uses() {
    let views: Vec<Value> = DIALECTS
        .into_iter()
        .map(|dialect| Harness::dialect(dialect).admin_ok("GET", "/__sim/config", Value::Null))
        .collect();
    assert_eq!(views[0], json!({"sms_delay_seconds":10,"cancel_after_seconds":120,"order_ttl_seconds":1200}));
    assert_eq!(views[1], json!({"sms_delay_seconds":10,"order_ttl_seconds":300,"rate_limit_per_minute":120}));
    assert_eq!(
        views[2],
        json!({"sms_delay_seconds":10,"order_ttl_seconds":300,"number_pool_size":20,"otp_sender":"+15551234567"})
    );
    for dialect in DIALECTS {
        let mut h = Harness::dialect(dialect);
        // Every setting is accepted whatever the dialect; unknown ones are not.
        h.admin_ok(
            "POST",
            "/__sim/config",
            json!({"rate_limit_per_minute": 5, "number_pool_size": 3, "cancel_after_seconds": 1}),
        );
        assert_eq!(h.admin("POST", "/__sim/config", json!({"pool": 3})).status(), Some(400));
        assert_eq!(h.admin("POST", "/__sim/config", json!({"otp_sender": " "})).status(), Some(400));
        let stats = h.admin_ok("GET", "/__sim/stats", Value::Null);
        let kinds: Vec<String> = stats["requests"].as_object().unwrap().keys().cloned().collect();
        let mut expected: Vec<String> = dialect.endpoint_kinds().iter().map(|k| k.as_str().to_owned()).collect();
        expected.sort();
        assert_eq!(kinds, expected, "{dialect}");
        // A fault's "for" must be one of the dialect's kinds.
        for kind in dialect.endpoint_kinds() {
            h.admin_ok("POST", "/__sim/faults", json!({"next": [{"kind": "drop", "for": kind.as_str()}]}));
        }
    }
}

/// A script of requests in one of the new dialects, at fixed times; every response.
fn script(dialect: Dialect, sim: &mut Simulator, start: u64) -> Vec<SimResponse> {
    let mut out = Vec::new();
    match dialect {
        Dialect::Telenumerus => {
            let key = |r: SimRequest| r.key(TELENUMERUS_DEFAULT_KEY);
            out.push(sim.handle(start, &key(SimRequest::post("/api/v1/order")).json(&json!({"platform":"google"}))));
            out.push(sim.handle(start + 5_000, &key(SimRequest::post("/api/v1/register"))));
            let id = out[0].json_body().and_then(|b| b["order_id"].as_str().map(str::to_owned)).unwrap_or_default();
            out.push(sim.handle(start + 11_000, &key(SimRequest::get(&format!("/api/v1/order/{id}")))));
            out.push(sim.handle(start + 12_000, &key(SimRequest::get("/api/v1/account"))));
        }
        _ => {
            let key = |r: SimRequest| r.key(AGENTOTP_DEFAULT_KEY);
            out.push(sim.handle(start, &key(SimRequest::post("/api/v1/numbers/rent")).json(&json!({"country":"US"}))));
            out.push(
                sim.handle(
                    start + 1_000,
                    &key(SimRequest::post("/api/v1/numbers/rent")).json(&json!({"country":"CA"})),
                ),
            );
            let number =
                out[0].json_body().and_then(|b| b["data"]["number"].as_str().map(str::to_owned)).unwrap_or_default();
            out.push(sim.handle(start + 11_000, &key(SimRequest::get(&format!("/api/v1/numbers/{number}/messages")))));
            out.push(
                sim.handle(start + 12_000, &key(SimRequest::post(&format!("/api/v1/numbers/{number}/wait-for-otp")))),
            );
        }
    }
    out
}

#[test]
fn the_new_dialects_are_seeded_and_a_restored_copy_continues_identically() {
    for dialect in [Dialect::Telenumerus, Dialect::Agentotp] {
        let mut a = Simulator::new(SimConfig::for_dialect(dialect));
        let mut b = Simulator::new(SimConfig::for_dialect(dialect));
        let ra = script(dialect, &mut a, T0);
        assert!(ra.iter().all(|r| r.status() == Some(200)), "{dialect}: {ra:?}");
        assert_eq!(ra, script(dialect, &mut b, T0), "{dialect}");
        let mut other_seed = SimConfig::for_dialect(dialect);
        other_seed.seed = 43;
        assert_ne!(ra[0], script(dialect, &mut Simulator::new(other_seed), T0)[0], "{dialect}");

        let saved = serde_json::to_string(&a).unwrap();
        let mut restored: Simulator = serde_json::from_str(&saved).unwrap();
        assert_eq!(restored, a);
        assert_eq!(script(dialect, &mut a, T0 + 60_000), script(dialect, &mut restored, T0 + 60_000), "{dialect}");
        assert_eq!(restored, a);
    }
}

#[test]
fn reset_returns_a_new_dialect_to_its_initial_state() {
    for dialect in [Dialect::Telenumerus, Dialect::Agentotp] {
        let mut h = Harness::dialect(dialect);
        let pristine = h.sim.clone();
        script(dialect, &mut h.sim, T0);
        h.admin_ok("POST", "/__sim/config", json!({"number_pool_size": 1, "rate_limit_per_minute": 1}));
        assert_ne!(h.sim, pristine);
        h.admin_ok("POST", "/__sim/reset", Value::Null);
        assert!(h.sim.telenumerus_orders().is_empty() && h.sim.rentals().is_empty());
        assert_eq!(h.sim.settings(), pristine.settings());
        assert_eq!(h.sim.accounts().collect::<Vec<_>>(), pristine.accounts().collect::<Vec<_>>());
        assert_eq!(h.sim.stats(), pristine.stats());
        // The same seed again: the same first answer.
        let mut fresh = Simulator::new(SimConfig::for_dialect(dialect));
        assert_eq!(script(dialect, &mut h.sim, T0)[0], script(dialect, &mut fresh, T0)[0]);
    }
}

#[test]
fn partial_json_configs_take_the_defaults_of_their_dialect() {
    let config: SimConfig = serde_json::from_str(r#"{"dialect":"telenumerus","seed":7}"#).unwrap();
    assert_eq!(config.dialect, Dialect::Telenumerus);
    assert_eq!(config.order_ttl_seconds, 300);
    assert_eq!(config.seed, 7);
    assert_eq!(config.accounts[0].key, TELENUMERUS_DEFAULT_KEY);
    let config: SimConfig = serde_json::from_str(r#"{"dialect":"agentotp","order_ttl_seconds":60}"#).unwrap();
    assert_eq!(config.order_ttl_seconds, 60);
    assert_eq!(
        config.account_tokens.get(AGENTOTP_DEFAULT_KEY).map(String::as_str),
        Some(vnum_sim::AGENTOTP_DEFAULT_TOKEN)
    );
    let config: SimConfig = serde_json::from_str(r#"{"sms_delay_seconds":3}"#).unwrap();
    assert_eq!(config, SimConfig { sms_delay_seconds: 3, ..SimConfig::default() });
    assert!(serde_json::from_str::<SimConfig>(r#"{"dialect":"smsfoo"}"#).is_err());
    // A configuration round-trips.
    let full = SimConfig::for_dialect(Dialect::Agentotp);
    assert_eq!(serde_json::from_value::<SimConfig>(serde_json::to_value(&full).unwrap()).unwrap(), full);
}
