//! The Agent OTP dialect, driven through `Simulator::handle` with a fake clock: every example of its
//! document, a rental's whole life, renting the same number again, `expected_sender`, the quota, the
//! errors, `wait-for-otp` held sans-IO, and the admin API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, T0, answered, assert_shape, json, long_poll};
use serde_json::{Value, json};
use vnum_sim::agentotp::RentalStatus;
use vnum_sim::{
    AGENTOTP_DEFAULT_KEY, AGENTOTP_DEFAULT_TOKEN, AccountConfig, Dialect, Resumed, SimConfig, SimRequest, SimResponse,
};

const KEY: &str = AGENTOTP_DEFAULT_KEY;
const TOKEN: &str = AGENTOTP_DEFAULT_TOKEN;
/// 2026-06-03T14:23:00Z, as the document writes times.
const T0_TEXT: &str = "2026-06-03T14:23:00Z";

fn agentotp(f: impl FnOnce(&mut SimConfig)) -> Harness {
    Harness::with(Dialect::Agentotp, f)
}

fn rent(h: &mut Harness, body: Value) -> SimResponse {
    h.send(&SimRequest::post("/api/v1/numbers/rent").key(KEY).json(&body))
}

/// Rents a number in `country`, asserting success; the answer's `data`.
fn rent_ok(h: &mut Harness, country: &str) -> Value {
    let response = rent(h, json!({"country": country}));
    assert_eq!(response.status(), Some(200), "{}", response.text_body());
    json(&response)["data"].clone()
}

fn wait_for_otp(h: &mut Harness, number: &str, body: Value) -> SimResponse {
    h.send(&SimRequest::post(&format!("/api/v1/numbers/{number}/wait-for-otp")).key(KEY).json(&body))
}

fn messages(h: &mut Harness, number: &str) -> SimResponse {
    h.send(&SimRequest::get(&format!("/api/v1/numbers/{number}/messages")).key(KEY))
}

fn release(h: &mut Harness, number: &str) -> SimResponse {
    h.send(&SimRequest::new("DELETE", &format!("/api/v1/numbers/{number}")).key(KEY))
}

fn quota(h: &mut Harness, token: &str) -> SimResponse {
    h.send(&SimRequest::get("/api/v1/auth/usage/quota").header("Authorization", &format!("Bearer {token}")))
}

/// Asserts `{"success":false,"error":…}` with `status`.
fn assert_error(response: &SimResponse, status: u16, text: &str) {
    assert_eq!(response.status(), Some(status), "{}", response.text_body());
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(json(response), json!({"success": false, "error": text}));
}

// ---------------------------------------------------------------- the document's examples

#[test]
fn rent_answers_the_documented_shape() {
    let mut h = agentotp(|_| {});
    let response = rent(&mut h, json!({"country": "CA"}));
    assert_eq!(response.status(), Some(200));
    let body = json(&response);
    assert_shape(
        &body,
        &json!({"success": true, "message": "Number rented successfully", "data": {"number": "+14165551234",
            "country": "CA", "status": "rented", "rented_at": "2026-01-27T14:00:00Z",
            "expires_at": "2026-01-27T14:05:00Z", "rental_id": "rent_abc123"}}),
        &[],
        &[],
    );
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "Number rented successfully");
    let data = &body["data"];
    assert_eq!(data["country"], "CA");
    assert_eq!(data["status"], "rented");
    assert_eq!(data["rented_at"], T0_TEXT);
    assert_eq!(data["expires_at"], "2026-06-03T14:28:00Z", "300 s by default");
    assert!(data["rental_id"].as_str().unwrap().starts_with("rent_"));
    let number = data["number"].as_str().unwrap();
    assert!(number.starts_with("+1604555") && number.len() == 12, "{number}");

    // timeout_seconds sets the rental's length; the country's case does not matter.
    let longer = rent(&mut h, json!({"country": "us", "timeout_seconds": 600}));
    let longer = json(&longer)["data"].clone();
    assert_eq!(longer["expires_at"], "2026-06-03T14:33:00Z");
    assert_eq!(longer["country"], "US");
}

#[test]
fn wait_for_otp_answers_the_documented_shape() {
    let mut h = agentotp(|_| {});
    let number = rent_ok(&mut h, "CA")["number"].as_str().unwrap().to_owned();
    let held = wait_for_otp(&mut h, &number, json!({"timeout_seconds": 120}));
    let poll = long_poll(&held);
    h.wait(10);
    let answer = answered(h.resume(&poll));
    assert_eq!(answer.status(), Some(200));
    let body = json(&answer);
    assert_shape(
        &body,
        &json!({"success": true, "message": "OTP received", "data": {"status": "received", "code": "847291",
            "raw_message": "Your verification code is 847291", "from_number": "+15551234567",
            "received_at": "2026-01-27T14:01:30Z", "wait_time_seconds": 15.5}}),
        &[],
        &[],
    );
    let data = &body["data"];
    let code = data["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert_eq!(data["raw_message"], format!("Your verification code is {code}"));
    assert_eq!(data["from_number"], "+15551234567");
    assert_eq!(data["received_at"], "2026-06-03T14:23:10Z");
    assert_eq!(data["wait_time_seconds"], 10.0);
    assert_eq!(body["message"], "OTP received");

    // Asked again: the code is there, answered at once.
    let again = wait_for_otp(&mut h, &number, json!({}));
    assert!(again.hold.is_none());
    assert_eq!(json(&again)["data"]["code"], code);
    assert_eq!(json(&again)["data"]["wait_time_seconds"], 0.0);
}

#[test]
fn messages_release_and_quota_answer_the_documented_shapes() {
    let mut h = agentotp(|_| {});
    let number = rent_ok(&mut h, "CA")["number"].as_str().unwrap().to_owned();
    h.wait(10);
    let listed = messages(&mut h, &number);
    assert_eq!(listed.status(), Some(200));
    let listed = json(&listed);
    assert_shape(
        &listed,
        &json!({"success": true, "data": [{"id": "msg_123", "from": "+15551234567", "to": "+14165551234",
            "body": "Your verification code is 847291", "received_at": "2026-01-27T14:01:30Z", "otp_code": "847291"}]}),
        &[],
        &[],
    );
    let message = &listed["data"][0];
    assert_eq!(message["to"], number.as_str());
    assert_eq!(message["body"], format!("Your verification code is {}", message["otp_code"].as_str().unwrap()));
    assert!(message["id"].as_str().unwrap().starts_with("msg_"));

    let released = release(&mut h, &number);
    assert_eq!(released.status(), Some(200));
    assert_eq!(json(&released), json!({"success": true, "message": format!("Number {number} released successfully")}));

    let usage = quota(&mut h, TOKEN);
    assert_eq!(usage.status(), Some(200));
    let usage = json(&usage);
    assert_shape(
        &usage,
        &json!({"plan": "pro", "limit": 200, "used": 45, "remaining": 155, "has_quota": true}),
        &[],
        &[],
    );
    assert_eq!(usage, json!({"plan": "pro", "limit": 200, "used": 1, "remaining": 199, "has_quota": true}));

    let error = release(&mut h, &number);
    assert_shape(&json(&error), &json!({"success": false, "error": "Error message description"}), &[], &[]);
}

// ---------------------------------------------------------------- a rental's life

#[test]
fn a_whole_rental_from_rent_to_expiry() {
    let mut h = agentotp(|c| c.number_pool_size = 1);
    let data = rent(&mut h, json!({"country": "US", "timeout_seconds": 60}));
    let number = json(&data)["data"]["number"].as_str().unwrap().to_owned();
    h.wait(9);
    assert_eq!(json(&messages(&mut h, &number))["data"], json!([]));
    h.wait(1);
    let listed = json(&messages(&mut h, &number));
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    // The pool of one is taken.
    assert_error(&rent(&mut h, json!({"country": "US"})), 500, "No numbers available in US");
    h.wait(50);
    // Expired: the number is no longer the renter's, and back in the pool.
    assert_error(&wait_for_otp(&mut h, &number, json!({})), 404, "Number not found");
    assert_error(&release(&mut h, &number), 404, "Number not found");
    assert_eq!(h.sim.rentals()[0].status, RentalStatus::Expired);
    let again = rent_ok(&mut h, "US");
    assert_eq!(again["number"], number.as_str());
    // Its messages stay readable.
    assert_eq!(json(&messages(&mut h, &number))["data"].as_array().unwrap().len(), 1);
}

#[test]
fn a_number_rented_twice_gets_two_rental_ids_and_the_second_wait_ignores_the_first_code() {
    let mut h = agentotp(|c| c.number_pool_size = 1);
    let first = rent_ok(&mut h, "CA");
    let number = first["number"].as_str().unwrap().to_owned();
    h.wait(10);
    let first_code = json(&wait_for_otp(&mut h, &number, json!({})))["data"]["code"].as_str().unwrap().to_owned();
    assert_eq!(release(&mut h, &number).status(), Some(200));
    h.wait(1);

    h.admin_ok("POST", "/__sim/config", json!({"sms_delay_seconds": 1_000}));
    let second = rent_ok(&mut h, "CA");
    assert_eq!(second["number"], number.as_str(), "the same number comes back");
    assert_ne!(second["rental_id"], first["rental_id"]);

    // The second rental's wait does not answer the first rental's code: it holds, then times out.
    let held = wait_for_otp(&mut h, &number, json!({"timeout_seconds": 30}));
    assert_eq!(json(&held)["data"]["status"], "timeout", "what a host that cannot hold sends");
    let poll = long_poll(&held);
    h.wait(29);
    assert!(matches!(h.resume(&poll), Resumed::Pending { .. }));
    h.wait(1);
    let timed_out = answered(h.resume(&poll));
    assert_eq!(
        json(&timed_out),
        json!({"success": true, "message": "No OTP received", "data": {"status": "timeout", "wait_time_seconds": 30.0}})
    );

    // The messages list shows every rental of the number by this key; the first rental's message is
    // older than the second rental's rented_at.
    let listed = json(&messages(&mut h, &number));
    let listed = listed["data"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["otp_code"], first_code.as_str());
    assert!(listed[0]["received_at"].as_str().unwrap() < second["rented_at"].as_str().unwrap());

    // A code for the second rental is answered.
    let rental_id = second["rental_id"].as_str().unwrap();
    h.admin_ok("POST", "/__sim/sms", json!({"id": rental_id, "code": "424242"}));
    let got = json(&wait_for_otp(&mut h, &number, json!({})));
    assert_eq!(got["data"]["code"], "424242");
    assert_eq!(json(&messages(&mut h, &number))["data"].as_array().unwrap().len(), 2);
}

#[test]
fn expected_sender_filters_case_insensitively() {
    let mut h = agentotp(|c| c.sms_delay_seconds = 1_000);
    let rental = rent_ok(&mut h, "US");
    let number = rental["number"].as_str().unwrap().to_owned();
    let id = rental["rental_id"].as_str().unwrap().to_owned();
    let poll = long_poll(&wait_for_otp(&mut h, &number, json!({"timeout_seconds": 120, "expected_sender": "Google"})));
    h.wait(5);
    h.admin_ok("POST", "/__sim/sms", json!({"id": id, "from": "+15550001111", "body": "Your code is 111111"}));
    assert!(matches!(h.resume(&poll), Resumed::Pending { .. }), "another sender's code does not count");
    h.admin_ok("POST", "/__sim/sms", json!({"id": id, "from": "GOOGLE", "body": "Welcome to Google"}));
    assert!(matches!(h.resume(&poll), Resumed::Pending { .. }), "a text without a code does not count");
    h.wait(2);
    h.admin_ok(
        "POST",
        "/__sim/sms",
        json!({"id": id, "from": "GOOGLE", "body": "G-222222 is your Google verification code."}),
    );
    let answer = json(&answered(h.resume(&poll)));
    assert_eq!(answer["data"]["code"], "222222");
    assert_eq!(answer["data"]["from_number"], "GOOGLE");
    assert_eq!(answer["data"]["wait_time_seconds"], 7.0);
    // Without a filter, the latest OTP of any sender.
    let any = json(&wait_for_otp(&mut h, &number, json!({})));
    assert_eq!(any["data"]["code"], "222222");
    let other = json(&wait_for_otp(&mut h, &number, json!({"expected_sender": "+15550001111"})));
    assert_eq!(other["data"]["code"], "111111");
    // The code-less text is listed with a null otp_code.
    let listed = json(&messages(&mut h, &number));
    assert_eq!(listed["data"][1]["otp_code"], Value::Null);
    assert_eq!(listed["data"][1]["body"], "Welcome to Google");
}

#[test]
fn a_release_ends_a_held_wait_and_timeout_zero_answers_at_once() {
    let mut h = agentotp(|c| c.sms_delay_seconds = 1_000);
    let number = rent_ok(&mut h, "US")["number"].as_str().unwrap().to_owned();
    let at_once = wait_for_otp(&mut h, &number, json!({"timeout_seconds": 0}));
    assert!(at_once.hold.is_none());
    assert_eq!(json(&at_once)["data"], json!({"status": "timeout", "wait_time_seconds": 0.0}));

    let poll = long_poll(&wait_for_otp(&mut h, &number, json!({"timeout_seconds": 120})));
    assert_eq!(h.resume(&poll), Resumed::Pending { recheck_by_ms: T0 + 120_000 });
    h.wait(4);
    release(&mut h, &number);
    let ended = json(&answered(h.resume(&poll)));
    assert_eq!(ended["data"], json!({"status": "timeout", "wait_time_seconds": 4.0}));
}

#[test]
fn numbers_in_paths_may_be_percent_encoded() {
    let mut h = agentotp(|_| {});
    let number = rent_ok(&mut h, "US")["number"].as_str().unwrap().to_owned();
    h.wait(10);
    let encoded = number.replace('+', "%2B");
    assert_eq!(json(&wait_for_otp(&mut h, &encoded, json!({})))["data"]["status"], "received");
    assert_eq!(json(&messages(&mut h, &encoded))["data"].as_array().unwrap().len(), 1);
    assert_eq!(release(&mut h, &encoded).status(), Some(200));
}

// ---------------------------------------------------------------- quota, auth and errors

#[test]
fn the_quota_allows_so_many_rentals_then_403() {
    let mut h = agentotp(|c| c.quota_limit = 2);
    rent_ok(&mut h, "US");
    rent_ok(&mut h, "CA");
    assert_error(&rent(&mut h, json!({"country": "US"})), 403, "Quota exceeded: 2 of 2 rentals used on the pro plan");
    assert_eq!(json(&quota(&mut h, TOKEN)), json!({"plan":"pro","limit":2,"used":2,"remaining":0,"has_quota":false}));
    // A failed rental uses no quota; the admin API can grant more.
    let account = h.admin_ok("POST", "/__sim/accounts", json!({"key": KEY, "quota_limit": 3, "plan": "team"}));
    assert_eq!(account["quota_used"], 2);
    assert_eq!(account["token"], TOKEN);
    rent_ok(&mut h, "US");
    assert_eq!(json(&quota(&mut h, TOKEN))["plan"], "team");
}

#[test]
fn the_numbers_api_takes_the_key_and_the_account_api_the_token() {
    let mut h = agentotp(|c| {
        c.accounts.push(AccountConfig { key: "ak_off".to_owned(), balance: 0.0, banned: true });
    });
    // An API key is not a token, and X-API-Key does not open the account API.
    assert_error(&quota(&mut h, KEY), 401, "Invalid token");
    let keyed = h.send(&SimRequest::get("/api/v1/auth/usage/quota").key(KEY));
    assert_error(&keyed, 401, "Missing bearer token: the account API needs Authorization: Bearer <token>");
    // The token does not open the numbers API, nor does a key in the query.
    let with_token = h.send(
        &SimRequest::post("/api/v1/numbers/rent")
            .header("Authorization", &format!("Bearer {TOKEN}"))
            .json(&json!({"country":"US"})),
    );
    assert_error(&with_token, 401, "Missing API key: send X-API-Key: ak_…");
    let in_query =
        h.send(&SimRequest::post(&format!("/api/v1/numbers/rent?api_key={KEY}")).json(&json!({"country":"US"})));
    assert_eq!(in_query.status(), Some(401));
    assert_error(&h.send(&SimRequest::post("/api/v1/numbers/rent").key("ak_wrong")), 401, "Invalid API key");
    assert_error(&h.send(&SimRequest::post("/api/v1/numbers/rent").key("ak_off")), 401, "API key disabled");
    assert!(h.sim.rentals().is_empty());
}

#[test]
fn bad_requests_and_unknown_numbers() {
    let mut h =
        agentotp(|c| c.accounts.push(AccountConfig { key: "ak_other".to_owned(), balance: 0.0, banned: false }));
    assert_error(&rent(&mut h, json!({"country": "ZZ"})), 400, "Unsupported country: ZZ");
    assert_error(&rent(&mut h, json!({})), 400, "Missing country");
    assert_error(
        &rent(&mut h, json!({"country": "US", "timeout_seconds": 0})),
        400,
        "timeout_seconds must be a whole number from 1 to 86400",
    );
    assert_error(
        &rent(&mut h, json!({"country": "US", "timeout_seconds": "5"})),
        400,
        "timeout_seconds must be a whole number from 1 to 86400",
    );
    assert_error(
        &h.send(&SimRequest::post("/api/v1/numbers/rent").key(KEY).body("{")),
        400,
        "The request body must be a JSON object",
    );
    let number = rent_ok(&mut h, "US")["number"].as_str().unwrap().to_owned();
    assert_error(
        &wait_for_otp(&mut h, &number, json!({"timeout_seconds": -1})),
        400,
        "timeout_seconds must be a whole number from 0 to 3600",
    );
    assert_error(
        &wait_for_otp(&mut h, &number, json!({"expected_sender": 5})),
        400,
        "expected_sender must be a non-empty string",
    );
    // Another key's number, and a number never rented.
    let theirs = |h: &mut Harness, method: &str, path: String| h.send(&SimRequest::new(method, &path).key("ak_other"));
    assert_error(&theirs(&mut h, "POST", format!("/api/v1/numbers/{number}/wait-for-otp")), 404, "Number not found");
    assert_error(&theirs(&mut h, "DELETE", format!("/api/v1/numbers/{number}")), 404, "Number not found");
    assert_error(&theirs(&mut h, "GET", format!("/api/v1/numbers/{number}/messages")), 404, "Number not found");
    assert_error(&messages(&mut h, "+10000000000"), 404, "Number not found");
    // Unknown paths and methods.
    assert_error(&h.send(&SimRequest::get("/api/v1/numbers/rent").key(KEY)), 404, "Not found");
    assert_error(&h.send(&SimRequest::get("/api/v1/balance").key(KEY)), 404, "Not found");
    assert_eq!(h.sim.account(KEY).unwrap().quota.used, 1);
}

#[test]
fn provider_error_faults_answer_every_documented_status() {
    let mut h = agentotp(|_| {});
    for (status, text) in [
        (400, "Bad Request - Invalid parameters"),
        (401, "Unauthorized - Invalid API key"),
        (403, "Forbidden - Quota exceeded"),
        (404, "Not Found - Resource doesn't exist"),
        (500, "Server Error"),
    ] {
        h.admin_ok(
            "POST",
            "/__sim/faults",
            json!({"next": [{"kind": "provider_error", "status": status, "for": "rent"}]}),
        );
        assert_error(&rent(&mut h, json!({"country": "US"})), status, text);
    }
    assert!(h.sim.rentals().is_empty());
    h.admin_ok(
        "POST",
        "/__sim/faults",
        json!({"next": [{"kind": "provider_error", "status": 403, "message": "Upgrade your plan"}]}),
    );
    assert_error(&quota(&mut h, TOKEN), 403, "Upgrade your plan");
    assert_eq!(
        h.admin("POST", "/__sim/faults", json!({"next": [{"kind": "provider_error", "status": 402}]})).status(),
        Some(400)
    );
    // The transport faults work here too.
    h.admin_ok("POST", "/__sim/faults", json!({"next": [{"kind": "drop", "for": "wait_for_otp"}]}));
    let number = rent_ok(&mut h, "US")["number"].as_str().unwrap().to_owned();
    assert_eq!(wait_for_otp(&mut h, &number, json!({})).outcome, vnum_sim::Outcome::Drop);
}

// ---------------------------------------------------------------- admin API

#[test]
fn admin_views_of_rentals_accounts_config_and_stats() {
    let mut h = agentotp(|_| {});
    let rental = rent_ok(&mut h, "US");
    h.wait(10);
    let orders = h.admin_ok("GET", "/__sim/orders", Value::Null);
    let view = &orders[0];
    assert_eq!(view["id"], rental["rental_id"]);
    assert_eq!(view["phone"], rental["number"]);
    assert_eq!(view["status"], "rented");
    assert_eq!(view["country"], "US");
    assert_eq!(view["created_at"], "2026-06-03T14:23:00.000Z");
    assert_eq!(view["messages"][0]["from"], "+15551234567");
    assert!(view.get("cost").is_none() && view.get("service").is_none());

    let accounts = h.admin_ok("GET", "/__sim/accounts", Value::Null);
    assert_eq!(accounts[0]["quota_used"], 1);
    assert_eq!(accounts[0]["plan"], "pro");
    assert_eq!(accounts[0]["token"], TOKEN);
    let created = h.admin_ok("POST", "/__sim/accounts", json!({"key": "ak_new", "token": "tok_new", "quota_limit": 1}));
    assert_eq!(created["quota_limit"], 1);
    assert_eq!(json(&quota(&mut h, "tok_new"))["remaining"], 1);

    assert_eq!(
        h.admin_ok("GET", "/__sim/config", Value::Null),
        json!({"sms_delay_seconds":10,"order_ttl_seconds":300,"number_pool_size":20,"otp_sender":"+15551234567"})
    );
    h.admin_ok("POST", "/__sim/config", json!({"otp_sender": "Acme"}));
    let number = rent_ok(&mut h, "US")["number"].as_str().unwrap().to_owned();
    h.wait(10);
    assert_eq!(json(&wait_for_otp(&mut h, &number, json!({})))["data"]["from_number"], "Acme");

    assert_eq!(h.admin_ok("GET", "/__sim/prices", Value::Null), json!([]));
    assert_eq!(h.admin("POST", "/__sim/prices", json!({"service": "x", "country": "US"})).status(), Some(400));
    let stats = h.admin_ok("GET", "/__sim/stats", Value::Null);
    assert_eq!(
        stats["requests"],
        json!({"rent": 2, "wait_for_otp": 1, "messages": 0, "release": 0, "quota": 1, "other": 0})
    );
    assert_eq!(stats["buys_succeeded"], 2);
}
