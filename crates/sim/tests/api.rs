//! The OxgelAPI dialect, driven through `Simulator::handle` with a fake clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, KEY, T0, assert_text, json};
use serde_json::{Value, json};
use vnum_sim::{AccountConfig, SimConfig, SimRequest, Simulator};

fn config_with(f: impl FnOnce(&mut SimConfig)) -> SimConfig {
    let mut config = SimConfig::default();
    f(&mut config);
    config
}

/// A second account and slow SMS so cancel windows can be exercised.
fn two_accounts_slow_sms() -> SimConfig {
    config_with(|c| {
        c.sms_delay_seconds = 600;
        c.accounts.push(AccountConfig { key: "OXGL-other".to_owned(), balance: 5.0, banned: false });
    })
}

fn is_uuid_v4(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && id.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && parts[2].starts_with('4')
        && matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b'))
}

// ---------------------------------------------------------------- catalogue

#[test]
fn balance_reports_balance_escrow_and_currency() {
    let mut h = Harness::new();
    let response = h.get("/api/v1/balance");
    assert_eq!(response.status(), Some(200));
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(response.text_body(), r#"{"balance":10.0,"escrow":0.0,"currency":"USD"}"#);
}

#[test]
fn services_and_countries_list_the_catalogue_in_order() {
    let mut h = Harness::new();
    let services = json(&h.get("/api/v1/services"));
    assert_eq!(
        services,
        json!([
            {"code":"wa","name":"WhatsApp"},{"code":"tg","name":"Telegram"},
            {"code":"go","name":"Google"},{"code":"fb","name":"Facebook"},
            {"code":"ig","name":"Instagram"},{"code":"tk","name":"TikTok"},
            {"code":"oi","name":"OpenAI"},{"code":"ds","name":"Discord"}
        ])
    );
    let countries = h.get("/api/v1/countries");
    assert_eq!(countries.header("content-type"), Some("application/json"));
    assert!(countries.text_body().starts_with(r#"[{"code":"187","iso2":"US","name":"United States"},"#));
    let codes: Vec<String> = json(&countries)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}:{}", c["code"].as_str().unwrap(), c["iso2"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, ["187:US", "16:GB", "43:DE", "78:FR", "22:IN", "6:ID", "73:BR", "36:CA"]);
}

#[test]
fn prices_filter_by_service_and_country() {
    let mut h = Harness::new();
    let one = h.get("/api/v1/prices?service=wa&country=187");
    assert_eq!(one.text_body(), r#"[{"service":"wa","country":"187","price":0.18,"stock":42}]"#);
    let by_service = json(&h.get("/api/v1/prices?service=go"));
    let by_service = by_service.as_array().unwrap();
    assert_eq!(by_service.len(), 8);
    assert!(by_service.iter().all(|p| p["service"] == "go"));
    let by_country = json(&h.get("/api/v1/prices?country=16"));
    let by_country = by_country.as_array().unwrap();
    assert_eq!(by_country.len(), 8);
    assert!(by_country.iter().all(|p| p["country"] == "16"));
    let all = json(&h.get("/api/v1/prices"));
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 64);
    // Empty parameters count as absent.
    assert_eq!(json(&h.get("/api/v1/prices?service=&country=")).as_array().unwrap().len(), 64);

    let find = |s: &str, c: &str| all.iter().find(|p| p["service"] == s && p["country"] == c).unwrap().clone();
    assert_eq!(find("oi", "22")["stock"], 0);
    assert_eq!(find("tg", "16")["price"], 1.25);
    for p in all {
        let price = p["price"].as_f64().unwrap();
        assert!((0.05..=1.50).contains(&price), "{p}");
        // Whole cents.
        assert!(((price * 100.0).round() - price * 100.0).abs() < 1e-9, "{p}");
        assert!(p["stock"].as_u64().unwrap() <= 500);
    }
    let sold_out = all.iter().filter(|p| p["stock"] == 0).count();
    assert!((1..=20).contains(&sold_out), "{sold_out} sold-out pairs");
}

#[test]
fn prices_reject_unknown_codes() {
    let mut h = Harness::new();
    assert_text(&h.get("/api/v1/prices?service=zz"), 400, "Unknown service");
    assert_text(&h.get("/api/v1/prices?country=999"), 400, "Unknown country");
    assert_text(&h.get("/api/v1/prices?service=wa&country=999"), 400, "Unknown country");
}

#[test]
fn price_table_is_seeded() {
    let table = |seed: u64| {
        let mut h = Harness::with_config(config_with(|c| c.seed = seed));
        h.get("/api/v1/prices").text_body()
    };
    assert_eq!(table(7), table(7));
    assert_ne!(table(7), table(8));
    // The pinned pairs hold for every seed.
    for seed in [0, 1, 7, 1234] {
        let mut h = Harness::with_config(config_with(|c| c.seed = seed));
        assert_eq!(
            h.get("/api/v1/prices?service=wa&country=187").text_body(),
            r#"[{"service":"wa","country":"187","price":0.18,"stock":42}]"#
        );
        assert_eq!(json(&h.get("/api/v1/prices?service=oi&country=22"))[0]["stock"], 0);
        assert_eq!(json(&h.get("/api/v1/prices?service=tg&country=16"))[0]["price"], 1.25);
    }
}

// ---------------------------------------------------------------- auth and routing

#[test]
fn missing_and_invalid_keys_are_401() {
    let mut h = Harness::new();
    assert_text(&h.send(&SimRequest::get("/api/v1/balance")), 401, "Missing API key");
    assert_text(&h.send(&SimRequest::get("/api/v1/balance").key("  ")), 401, "Missing API key");
    assert_text(&h.send(&SimRequest::get("/api/v1/balance").key("OXGL-nope")), 401, "Invalid API key");
    // Header names are case-insensitive.
    let lower = SimRequest::get("/api/v1/balance").header("x-api-key", KEY);
    assert_eq!(h.send(&lower).status(), Some(200));
}

#[test]
fn key_in_query_is_accepted_and_header_wins() {
    let mut h = Harness::new();
    let query = SimRequest::get(&format!("/api/v1/balance?api_key={KEY}"));
    assert_eq!(h.send(&query).status(), Some(200));
    let both = SimRequest::get(&format!("/api/v1/balance?api_key={KEY}")).key("OXGL-nope");
    assert_text(&h.send(&both), 401, "Invalid API key");
    let both = SimRequest::get("/api/v1/balance?api_key=OXGL-nope").key(KEY);
    assert_eq!(h.send(&both).status(), Some(200));
}

#[test]
fn banned_account_is_403_everywhere() {
    let mut h = Harness::with_config(config_with(|c| {
        c.accounts.push(AccountConfig { key: "OXGL-banned".to_owned(), balance: 5.0, banned: true });
    }));
    for req in [
        SimRequest::get("/api/v1/balance"),
        SimRequest::get("/api/v1/services"),
        SimRequest::get("/api/v1/numbers/status?id=x"),
        SimRequest::post("/api/v1/numbers/buy").json(&json!({"service":"wa","country":"187"})),
    ] {
        assert_text(&h.send(&req.key("OXGL-banned")), 403, "Account is banned");
    }
    assert_eq!(h.sim.account("OXGL-banned").unwrap().balance_micros, 5_000_000);
    assert!(h.sim.orders().is_empty());
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405() {
    let mut h = Harness::new();
    for path in ["/", "/api/v1", "/api/v1/balance/", "/api/v2/balance", "/api/v1/numbers"] {
        assert_text(&h.get(path), 404, "Not found");
    }
    // Routing comes before authentication.
    assert_text(&h.send(&SimRequest::get("/nope")), 404, "Not found");
    let response = h.post("/api/v1/balance");
    assert_text(&response, 405, "Method not allowed");
    assert_eq!(response.header("allow"), Some("GET"));
    let response = h.get("/api/v1/numbers/buy");
    assert_text(&response, 405, "Method not allowed");
    assert_eq!(response.header("allow"), Some("POST"));
    assert_text(&h.send(&SimRequest::new("DELETE", "/api/v1/numbers/cancel")), 405, "Method not allowed");
}

#[test]
fn oversized_bodies_are_413() {
    let mut h = Harness::new();
    let big = SimRequest::post("/api/v1/numbers/buy").key(KEY).body(vec![b' '; 64 * 1024 + 1]);
    assert_text(&h.send(&big), 413, "Payload too large");
    let at_limit = SimRequest::post("/api/v1/numbers/buy").key(KEY).body(vec![b' '; 64 * 1024]);
    assert_text(&h.send(&at_limit), 400, "Invalid request body");
}

// ---------------------------------------------------------------- buy

#[test]
fn buy_moves_price_to_escrow_and_takes_stock() {
    let mut h = Harness::new();
    let response = h.buy_as(KEY, json!({"service":"wa","country":"187","operator":"any","max_price":0.5}));
    assert_eq!(response.status(), Some(200), "{}", response.text_body());
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = json(&response);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5);
    assert!(is_uuid_v4(body["id"].as_str().unwrap()), "{body}");
    let code = body["order_code"].as_str().unwrap();
    assert!(code.starts_with("ORD-") && code.len() == 10, "{code}");
    assert!(code[4..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    let phone = body["phone"].as_str().unwrap();
    assert!(phone.starts_with("+1555") && phone.len() == 12, "{phone}");
    assert!(phone[1..].chars().all(|c| c.is_ascii_digit()));
    assert_eq!(body["expires_at"], "2026-06-03T14:43:00.000Z");
    assert_eq!(body["cost"], 0.18);
    assert!(response.text_body().ends_with(r#""cost":0.18}"#));

    assert_eq!(h.micros(KEY), (9_820_000, 180_000, 0));
    assert_eq!(h.balance(), (9.82, 0.18));
    assert_eq!(json(&h.get("/api/v1/prices?service=wa&country=187"))[0]["stock"], 41);
    let order = h.sim.order(body["id"].as_str().unwrap()).unwrap();
    assert_eq!(order.operator, "any");
    assert_eq!(order.created_at_ms, T0);
}

#[test]
fn buy_accepts_a_numeric_country_and_defaults_operator() {
    let mut h = Harness::new();
    let response = h.buy_as(KEY, json!({"service":"wa","country":187,"max_price":null}));
    assert_eq!(response.status(), Some(200), "{}", response.text_body());
    assert_eq!(h.sim.orders()[0].operator, "any");
    assert_eq!(h.sim.orders()[0].country, "187");
}

#[test]
fn buy_rejects_bad_bodies_without_side_effects() {
    let mut h = Harness::new();
    let bodies: [&[u8]; 11] = [
        b"",
        b"not json",
        b"[]",
        b"{\"service\":\"wa\"}",
        b"{\"country\":\"187\"}",
        b"{\"service\":1,\"country\":\"187\"}",
        b"{\"service\":\"wa\",\"country\":true}",
        b"{\"service\":\"wa\",\"country\":-5}",
        b"{\"service\":\"wa\",\"country\":\"187\",\"operator\":5}",
        b"{\"service\":\"wa\",\"country\":\"187\",\"max_price\":\"1\"}",
        b"{\"service\":\"wa\",\"country\":\"187\",\"max_price\":-0.1}",
    ];
    for body in bodies {
        let req = SimRequest::post("/api/v1/numbers/buy").key(KEY).body(body);
        assert_text(&h.send(&req), 400, "Invalid request body");
    }
    assert_text(&h.buy("zz", "187"), 400, "Unknown service");
    assert_text(&h.buy("wa", "999"), 400, "Unknown country");
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
    assert!(h.sim.orders().is_empty());
}

#[test]
fn buy_conflicts_and_payment() {
    let mut h = Harness::with_config(config_with(|c| c.accounts[0].balance = 0.20));
    assert_text(&h.buy("oi", "22"), 409, "No numbers available");
    assert_text(&h.buy_as(KEY, json!({"service":"wa","country":"187","max_price":0.17})), 409, "Price above max_price");
    assert_text(&h.buy("tg", "16"), 402, "Insufficient balance");
    assert_eq!(h.micros(KEY), (200_000, 0, 0));
    assert_eq!(json(&h.get("/api/v1/prices?service=wa&country=187"))[0]["stock"], 42);
    // max_price equal to the price is fine; then 0.02 is left.
    let ok = h.buy_as(KEY, json!({"service":"wa","country":"187","max_price":0.18}));
    assert_eq!(ok.status(), Some(200));
    assert_eq!(h.micros(KEY), (20_000, 180_000, 0));
    assert_text(&h.buy("wa", "187"), 402, "Insufficient balance");
}

#[test]
fn buy_until_sold_out() {
    let mut h = Harness::with_config(config_with(|c| {
        c.accounts[0].balance = 100.0;
        c.price_overrides.push(vnum_sim::PriceOverride {
            service: "go".to_owned(),
            country: "43".to_owned(),
            price: Some(0.1),
            stock: Some(3),
        });
    }));
    for left in (0..3).rev() {
        h.buy_ok("go", "43");
        assert_eq!(json(&h.get("/api/v1/prices?service=go&country=43"))[0]["stock"], left);
    }
    assert_text(&h.buy("go", "43"), 409, "No numbers available");
    assert_eq!(h.micros(KEY), (99_700_000, 300_000, 0));
}

#[test]
fn phone_numbers_follow_the_country() {
    let mut h = Harness::with_config(config_with(|c| {
        c.accounts[0].balance = 100.0;
        c.price_overrides = vec![];
        for country in ["187", "16", "43", "78", "22", "6", "73", "36"] {
            c.price_overrides.push(vnum_sim::PriceOverride {
                service: "wa".to_owned(),
                country: country.to_owned(),
                price: None,
                stock: Some(10),
            });
        }
    }));
    for (country, prefix, len) in [
        ("187", "+1555", 12),
        ("16", "+447", 13),
        ("43", "+49151", 14),
        ("78", "+336", 12),
        ("22", "+919", 13),
        ("6", "+628", 14),
        ("73", "+55119", 14),
        ("36", "+1604555", 12),
    ] {
        let phone = json(&h.buy("wa", country))["phone"].as_str().unwrap().to_owned();
        assert!(phone.starts_with(prefix), "{country}: {phone}");
        assert_eq!(phone.len(), len, "{country}: {phone}");
        assert!(phone[1..].chars().all(|c| c.is_ascii_digit()));
    }
}

// ---------------------------------------------------------------- status and SMS

#[test]
fn sms_arrives_after_the_delay() {
    let mut h = Harness::new();
    let id = h.buy_ok("wa", "187");
    let phone = h.sim.order(&id).unwrap().phone.clone();
    let waiting = h.get(&format!("/api/v1/numbers/status?id={id}"));
    assert_eq!(waiting.text_body(), format!(r#"{{"status":"waiting","sms_code":null,"phone":"{phone}"}}"#));
    h.wait_ms(9_999);
    assert_eq!(h.status(&id)["status"], "waiting");
    h.wait_ms(1);
    let received = h.status(&id);
    assert_eq!(received["status"], "received");
    assert_eq!(received["phone"], phone.as_str());
    let code = received["sms_code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(received["sms_text"], format!("Your WhatsApp code is {}-{}. Don't share it.", &code[..3], &code[3..]));
    assert_eq!(received.as_object().unwrap().len(), 4);
    // Reading again changes nothing.
    h.wait(5);
    assert_eq!(h.status(&id), received);
}

#[test]
fn sms_texts_are_worded_per_service() {
    let mut h = Harness::with_config(config_with(|c| {
        c.accounts[0].balance = 100.0;
        for service in ["wa", "tg", "go", "fb", "ig", "tk", "oi", "ds"] {
            c.price_overrides.push(vnum_sim::PriceOverride {
                service: service.to_owned(),
                country: "43".to_owned(),
                price: None,
                stock: Some(5),
            });
        }
    }));
    let ids: Vec<(&str, String)> =
        ["wa", "tg", "go", "fb", "ig", "tk", "oi", "ds"].into_iter().map(|s| (s, h.buy_ok(s, "43"))).collect();
    h.wait(10);
    let mut texts = Vec::new();
    for (service, id) in &ids {
        let status = h.status(id);
        let code = status["sms_code"].as_str().unwrap().to_owned();
        let text = status["sms_text"].as_str().unwrap().to_owned();
        let expected_len = if *service == "tg" { 5 } else { 6 };
        assert_eq!(code.len(), expected_len, "{service}");
        let expected = match *service {
            "go" => format!("G-{code} is your Google verification code."),
            "tg" => format!(
                "Telegram code: {code}. Do not give this code to anyone, even if they say they are from Telegram!"
            ),
            "fb" => format!("FB-{code} is your Facebook confirmation code."),
            "ig" => format!("Use {} {} to verify your Instagram account.", &code[..3], &code[3..]),
            "oi" => format!("Your OpenAI verification code is: {code}"),
            "ds" => format!("Your Discord security code is: {code}"),
            "wa" => format!("Your WhatsApp code is {}-{}. Don't share it.", &code[..3], &code[3..]),
            _ => {
                assert!(text.starts_with(&format!("[TikTok] {code} ")), "{text}");
                text.clone()
            }
        };
        assert_eq!(text, expected, "{service}");
        texts.push(text.replace(&code, "#"));
    }
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 8, "every service words its SMS differently");
}

#[test]
fn status_errors() {
    let mut h = Harness::with_config(two_accounts_slow_sms());
    assert_text(&h.get("/api/v1/numbers/status"), 400, "Missing id");
    assert_text(&h.get("/api/v1/numbers/status?id="), 400, "Missing id");
    assert_text(&h.get("/api/v1/numbers/status?id=00000000-0000-4000-8000-000000000000"), 404, "Order not found");
}

#[test]
fn accounts_are_isolated() {
    let mut h = Harness::with_config(two_accounts_slow_sms());
    let id = h.buy_ok("wa", "187");
    h.wait(200);
    for (method, path) in [("GET", "status"), ("POST", "cancel"), ("POST", "finish"), ("POST", "another")] {
        let req = SimRequest::new(method, &format!("/api/v1/numbers/{path}?id={id}")).key("OXGL-other");
        assert_text(&h.send(&req), 404, "Order not found");
    }
    let other_balance = h.send(&SimRequest::get("/api/v1/balance").key("OXGL-other"));
    assert_eq!(json(&other_balance), json!({"balance":5.0,"escrow":0.0,"currency":"USD"}));
    // The owner's order is untouched by the other account's attempts.
    assert_eq!(h.status(&id)["status"], "waiting");
    assert_eq!(h.micros(KEY), (9_820_000, 180_000, 0));
}

// ---------------------------------------------------------------- cancel

#[test]
fn cancel_is_refused_for_two_minutes_with_retry_after() {
    let mut h = Harness::with_config(two_accounts_slow_sms());
    let id = h.buy_ok("wa", "187");
    let cancel = format!("/api/v1/numbers/cancel?id={id}");
    let early = h.post(&cancel);
    assert_text(&early, 409, "Cancel is allowed 2 minutes after purchase");
    assert_eq!(early.header("Retry-After"), Some("120"));
    h.wait_ms(60_001);
    assert_eq!(h.post(&cancel).header("retry-after"), Some("60"));
    h.wait_ms(59_000);
    let almost = h.post(&cancel);
    assert_eq!(almost.status(), Some(409));
    assert_eq!(almost.header("retry-after"), Some("1"));
    assert_eq!(h.micros(KEY), (9_820_000, 180_000, 0));

    h.wait_ms(999); // exactly 120 s after purchase
    let done = h.post(&cancel);
    assert_eq!(done.status(), Some(200), "{}", done.text_body());
    assert_eq!(done.text_body(), r#"{"status":"cancelled","refunded":0.18}"#);
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
    assert_eq!(h.balance(), (10.0, 0.0));
    let status = h.status(&id);
    assert_eq!(status["status"], "cancelled");
    assert_eq!(status["sms_code"], Value::Null);
    // The number goes back to stock.
    assert_eq!(json(&h.get("/api/v1/prices?service=wa&country=187"))[0]["stock"], 42);

    assert_text(&h.post(&cancel), 409, "Order is cancelled");
    assert_text(&h.post(&format!("/api/v1/numbers/finish?id={id}")), 409, "Order is cancelled");
    assert_text(&h.post(&format!("/api/v1/numbers/another?id={id}")), 409, "Order is cancelled");
    // The SMS that was due later never arrives on a cancelled order.
    h.wait(1000);
    assert_eq!(h.status(&id)["status"], "cancelled");
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
}

#[test]
fn cancel_window_wording_follows_the_configuration() {
    let mut h = Harness::with_config(config_with(|c| {
        c.cancel_after_seconds = 90;
        c.sms_delay_seconds = 600;
    }));
    let id = h.buy_ok("wa", "187");
    let response = h.post(&format!("/api/v1/numbers/cancel?id={id}"));
    assert_text(&response, 409, "Cancel is allowed 90 seconds after purchase");
    assert_eq!(response.header("retry-after"), Some("90"));
}

#[test]
fn cancel_after_an_sms_is_refused() {
    let mut h = Harness::new();
    let id = h.buy_ok("wa", "187");
    h.wait(130);
    assert_eq!(h.status(&id)["status"], "received");
    assert_text(&h.post(&format!("/api/v1/numbers/cancel?id={id}")), 409, "Order already received an SMS");
    // Also while waiting for another SMS.
    assert_eq!(h.post(&format!("/api/v1/numbers/another?id={id}")).status(), Some(200));
    assert_text(&h.post(&format!("/api/v1/numbers/cancel?id={id}")), 409, "Order already received an SMS");
    assert_eq!(h.micros(KEY), (9_820_000, 180_000, 0));
}

#[test]
fn cancel_and_friends_need_an_id() {
    let mut h = Harness::new();
    for action in ["cancel", "finish", "another"] {
        assert_text(&h.post(&format!("/api/v1/numbers/{action}")), 400, "Missing id");
        assert_text(&h.post(&format!("/api/v1/numbers/{action}?id=nope")), 404, "Order not found");
    }
}

// ---------------------------------------------------------------- finish

#[test]
fn finish_charges_the_escrow() {
    let mut h = Harness::new();
    let id = h.buy_ok("wa", "187");
    let finish = format!("/api/v1/numbers/finish?id={id}");
    assert_text(&h.post(&finish), 409, "No SMS received yet");
    h.wait(10);
    let code = h.status(&id)["sms_code"].as_str().unwrap().to_owned();
    let done = h.post(&finish);
    assert_eq!(done.text_body(), r#"{"status":"finished","charged":0.18}"#);
    assert_eq!(h.micros(KEY), (9_820_000, 0, 180_000));
    assert_eq!(h.balance(), (9.82, 0.0));
    let status = h.status(&id);
    assert_eq!(status["status"], "finished");
    assert_eq!(status["sms_code"], code.as_str());
    assert_text(&h.post(&finish), 409, "Order is finished");
    assert_text(&h.post(&format!("/api/v1/numbers/cancel?id={id}")), 409, "Order is finished");
    assert_text(&h.post(&format!("/api/v1/numbers/another?id={id}")), 409, "Order is finished");
    // Expiry later changes nothing.
    h.wait(5000);
    assert_eq!(h.status(&id)["status"], "finished");
    assert_eq!(h.micros(KEY), (9_820_000, 0, 180_000));
}

// ---------------------------------------------------------------- another

#[test]
fn another_sms_brings_a_new_code() {
    let mut h = Harness::new();
    let id = h.buy_ok("go", "187");
    let another = format!("/api/v1/numbers/another?id={id}");
    assert_text(&h.post(&another), 409, "No SMS received yet");
    h.wait(10);
    let first = h.status(&id)["sms_code"].as_str().unwrap().to_owned();
    let response = h.post(&another);
    assert_eq!(response.text_body(), r#"{"status":"waiting"}"#);
    assert_text(&h.post(&another), 409, "Order is waiting");
    let waiting = h.status(&id);
    assert_eq!(waiting["status"], "waiting");
    assert_eq!(waiting["sms_code"], Value::Null);
    h.wait(9);
    assert_eq!(h.status(&id)["status"], "waiting");
    h.wait(1);
    let second = h.status(&id);
    assert_eq!(second["status"], "received");
    let second_code = second["sms_code"].as_str().unwrap();
    assert_ne!(second_code, first);
    assert_eq!(second["sms_text"], format!("G-{second_code} is your Google verification code."));
    // A third one differs from both.
    assert_eq!(h.post(&another).status(), Some(200));
    h.wait(10);
    let third = h.status(&id)["sms_code"].as_str().unwrap().to_owned();
    assert!(third != first && third != second_code);
    assert_eq!(h.sim.order(&id).unwrap().messages.len(), 3);
    // Money stays in escrow until the order is finished.
    let cost = h.sim.order(&id).unwrap().cost_micros;
    assert_eq!(h.micros(KEY), (10_000_000 - cost, cost, 0));
    assert_eq!(h.post(&format!("/api/v1/numbers/finish?id={id}")).status(), Some(200));
    assert_eq!(h.micros(KEY), (10_000_000 - cost, 0, cost));
}

#[test]
fn finish_is_allowed_while_waiting_for_another_sms() {
    let mut h = Harness::new();
    let id = h.buy_ok("wa", "187");
    h.wait(10);
    assert_eq!(h.post(&format!("/api/v1/numbers/another?id={id}")).status(), Some(200));
    let done = h.post(&format!("/api/v1/numbers/finish?id={id}"));
    assert_eq!(done.text_body(), r#"{"status":"finished","charged":0.18}"#);
    let status = h.status(&id);
    assert_eq!(status["status"], "finished");
    // The first code is still shown; the SMS that was on its way never arrives.
    h.wait(60);
    assert_eq!(h.sim.order(&id).unwrap().messages.len(), 1);
    assert_eq!(h.status(&id)["sms_code"], h.sim.order(&id).unwrap().messages[0].code.as_str());
}

// ---------------------------------------------------------------- expiry

#[test]
fn expiry_without_sms_refunds() {
    let mut h = Harness::with_config(config_with(|c| {
        c.sms_delay_seconds = 5000;
        c.order_ttl_seconds = 1200;
    }));
    let id = h.buy_ok("wa", "187");
    h.wait_ms(1_199_999);
    assert_eq!(h.status(&id)["status"], "waiting");
    assert_eq!(h.micros(KEY), (9_820_000, 180_000, 0));
    h.wait_ms(1);
    let status = h.status(&id);
    assert_eq!(status["status"], "expired");
    assert_eq!(status["sms_code"], Value::Null);
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
    assert_eq!(json(&h.get("/api/v1/prices?service=wa&country=187"))[0]["stock"], 42);
    for action in ["cancel", "finish", "another"] {
        assert_text(&h.post(&format!("/api/v1/numbers/{action}?id={id}")), 409, "Order is expired");
    }
    // Much later, still expired, still refunded once.
    h.wait(100_000);
    assert_eq!(h.status(&id)["status"], "expired");
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
}

#[test]
fn expiry_after_a_code_charges() {
    let mut h = Harness::new();
    let id = h.buy_ok("wa", "187");
    h.wait(10);
    let code = h.status(&id)["sms_code"].as_str().unwrap().to_owned();
    h.wait(1190);
    let status = h.status(&id);
    assert_eq!(status["status"], "finished");
    assert_eq!(status["sms_code"], code.as_str());
    assert_eq!(h.micros(KEY), (9_820_000, 0, 180_000));
    assert_eq!(h.sim.order(&id).unwrap().closed_at_ms, Some(T0 + 1_200_000));
}

#[test]
fn expiry_while_waiting_for_another_sms_charges() {
    let mut h = Harness::new();
    let id = h.buy_ok("wa", "187");
    h.wait(1195);
    assert_eq!(h.post(&format!("/api/v1/numbers/another?id={id}")).status(), Some(200));
    // The new SMS would be due after expiry: it never arrives, and the order is charged.
    h.wait(20);
    assert_eq!(h.status(&id)["status"], "finished");
    assert_eq!(h.sim.order(&id).unwrap().messages.len(), 1);
    assert_eq!(h.micros(KEY), (9_820_000, 0, 180_000));
}

#[test]
fn an_sms_due_at_expiry_never_arrives() {
    let mut h = Harness::with_config(config_with(|c| {
        c.sms_delay_seconds = 60;
        c.order_ttl_seconds = 60;
    }));
    let id = h.buy_ok("wa", "187");
    h.wait(61);
    assert_eq!(h.status(&id)["status"], "expired");
    assert_eq!(h.micros(KEY), (10_000_000, 0, 0));
}

#[test]
fn many_orders_settle_in_one_step() {
    let mut h = Harness::with_config(config_with(|c| c.sms_delay_seconds = 30));
    let ids: Vec<String> = (0..5).map(|_| h.buy_ok("wa", "187")).collect();
    h.wait(10);
    let received = h.buy_ok("wa", "187");
    h.wait(35);
    h.post(&format!("/api/v1/numbers/finish?id={received}"));
    // One jump far past every expiry: five were received and never finished (charged), none refunded.
    h.wait(10_000);
    for id in &ids {
        assert_eq!(h.status(id)["status"], "finished");
    }
    assert_eq!(h.micros(KEY), (10_000_000 - 6 * 180_000, 0, 6 * 180_000));
}

// ---------------------------------------------------------------- time, determinism, persistence

#[test]
fn simulated_time_never_goes_backwards() {
    let mut h = Harness::new();
    let id = h.buy_ok("wa", "187");
    h.wait(10);
    assert_eq!(h.status(&id)["status"], "received");
    h.now -= 60_000; // the host clock jumps back
    assert_eq!(h.status(&id)["status"], "received");
    let again = h.buy_ok("wa", "187");
    // Bought "at" the latest time seen, not the host's earlier one.
    assert_eq!(h.sim.order(&again).unwrap().created_at_ms, T0 + 10_000);
}

/// A fixed script of requests at fixed times; returns every response.
fn run_script(sim: &mut Simulator, start: u64) -> Vec<vnum_sim::SimResponse> {
    let mut out = Vec::new();
    let mut now = start;
    let buy =
        |s: &str, c: &str| SimRequest::post("/api/v1/numbers/buy").key(KEY).json(&json!({"service": s, "country": c}));
    for (service, country) in [("wa", "187"), ("go", "43"), ("tg", "16"), ("ig", "78")] {
        out.push(sim.handle(now, &buy(service, country)));
        now += 1_000;
    }
    let ids: Vec<String> = sim.orders().iter().map(|o| o.id.clone()).collect();
    now += 15_000;
    for id in &ids {
        out.push(sim.handle(now, &SimRequest::get(&format!("/api/v1/numbers/status?id={id}")).key(KEY)));
        out.push(sim.handle(now, &SimRequest::post(&format!("/api/v1/numbers/another?id={id}")).key(KEY)));
    }
    now += 20_000;
    for id in &ids {
        out.push(sim.handle(now, &SimRequest::get(&format!("/api/v1/numbers/status?id={id}")).key(KEY)));
    }
    out.push(sim.handle(now, &SimRequest::get("/api/v1/balance").key(KEY)));
    out
}

#[test]
fn same_seed_same_requests_same_responses() {
    let mut a = Simulator::new(SimConfig::default());
    let mut b = Simulator::new(SimConfig::default());
    let ra = run_script(&mut a, T0);
    let rb = run_script(&mut b, T0);
    assert_eq!(ra, rb);
    assert_eq!(a, b);
    // The script saw codes, so codes are part of what must match.
    assert!(ra.iter().any(|r| r.text_body().contains(r#""sms_code":""#)));

    let mut c = Simulator::new(SimConfig { seed: 43, ..SimConfig::default() });
    let rc = run_script(&mut c, T0);
    assert_ne!(json(&ra[0])["id"], json(&rc[0])["id"]);
}

#[test]
fn a_restored_simulator_continues_identically() {
    let mut original = Simulator::new(SimConfig::default());
    let mut now = T0;
    let first = original
        .handle(now, &SimRequest::post("/api/v1/numbers/buy").key(KEY).json(&json!({"service":"wa","country":"187"})));
    assert_eq!(first.status(), Some(200));
    now += 3_000;

    let saved = serde_json::to_string(&original).unwrap();
    let mut restored: Simulator = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, original);

    // Same future for both: the SMS of the open order, new purchases (ids from the RNG), another code.
    let ra = run_script(&mut original, now);
    let rb = run_script(&mut restored, now);
    assert_eq!(ra, rb);
    assert_eq!(restored, original);
    let id = json(&first)["id"].as_str().unwrap().to_owned();
    let status = SimRequest::get(&format!("/api/v1/numbers/status?id={id}")).key(KEY);
    assert_eq!(original.handle(now + 60_000, &status), restored.handle(now + 60_000, &status));
}
