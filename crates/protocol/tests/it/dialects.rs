//! Golden fixtures: every example in the providers' documents, read by the dialects.

use vnum_protocol::api::{BuyRequest, OrderStatus};
use vnum_protocol::dialect::{AgentOtp, Dialect, Oxgel, Telenumerus};
use vnum_protocol::http::{HttpResponse, Method, Secret};
use vnum_protocol::validate::{CountryCode, IdempotencyKey, OrderId, ServiceCode};
use vnum_protocol::{ApiError, Timestamp};

use crate::{fixture, ok};

const KEY: &str = "OXGL-test-key-123";

fn oxgel() -> Oxgel {
    Oxgel::new(Secret::new(KEY))
}

fn id(text: &str) -> OrderId {
    OrderId::parse(text).expect("valid id")
}

fn header<'a>(req: &'a vnum_protocol::http::HttpRequest, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[test]
fn oxgel_requests_put_the_key_in_a_header_never_in_the_url() {
    let d = oxgel();
    let buy: BuyRequest = serde_json::from_slice(&fixture("oxgel/buy-request.json")).expect("buy request");
    let requests = [
        d.balance(),
        d.services(),
        d.countries(),
        d.prices(Some(&ServiceCode::parse("wa").expect("wa")), Some(&CountryCode::parse("187").expect("187"))),
        d.buy(&buy, None),
        d.status(&id("abc")),
        d.cancel(&id("abc")),
        d.finish(&id("abc")),
        d.another(&id("abc")),
    ];
    for req in requests {
        let req = req.expect("oxgel offers every operation");
        assert_eq!(header(&req, "X-API-Key"), Some(KEY));
        let url = req.url("https://oxgelapi.com/api/v1");
        assert!(!url.contains(KEY) && !url.contains("api_key"), "{url}");
    }
    let prices = d.prices(Some(&ServiceCode::parse("wa").expect("wa")), Some(&CountryCode::parse("187").expect("187")));
    assert_eq!(
        prices.expect("prices").url("https://oxgelapi.com/api/v1"),
        "https://oxgelapi.com/api/v1/prices?service=wa&country=187"
    );
    let cancel = d.cancel(&id("3f2b")).expect("cancel");
    assert_eq!((cancel.method, cancel.path_and_query().as_str()), (Method::Post, "/numbers/cancel?id=3f2b"));
}

#[test]
fn oxgel_buy_body_is_the_documented_one() {
    let buy: BuyRequest = serde_json::from_slice(&fixture("oxgel/buy-request.json")).expect("buy request");
    let req = oxgel().buy(&buy, None).expect("buy");
    let body: serde_json::Value = serde_json::from_str(req.body.as_deref().expect("body")).expect("json");
    assert_eq!(body, serde_json::json!({"service":"wa","country":"187","operator":"any"}));
}

#[test]
fn oxgel_golden_responses() {
    let d = oxgel();
    let balance = d.parse_balance(&ok("oxgel/balance.json")).expect("balance");
    assert_eq!((balance.balance, balance.escrow, balance.currency.as_str()), (12.45, 0.85, "USD"));

    let services = d.parse_services(&ok("oxgel/services.json")).expect("services");
    let codes: Vec<&str> = services.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["wa", "tg", "go", "fb", "ig", "tk", "oi"]);

    let countries = d.parse_countries(&ok("oxgel/countries.json")).expect("countries");
    assert_eq!((countries[0].code.as_str(), countries[0].iso2.as_deref()), ("187", Some("US")));

    let prices = d.parse_prices(&ok("oxgel/prices.json")).expect("a single object is read as one price");
    assert_eq!((prices.len(), prices[0].price, prices[0].stock), (1, 0.18, 1243));

    let bought = d.parse_buy(&ok("oxgel/buy.json"), Timestamp(0)).expect("buy");
    assert_eq!(bought.order_code.as_deref(), Some("ORD-LX9F2A"));
    assert_eq!(bought.phone, "+15551234567");
    assert_eq!(bought.expires_at.to_rfc3339(), "2026-06-03T14:23:00.000Z");
    assert_eq!(bought.cost, 0.18);

    let received = d.parse_status(&ok("oxgel/status-received.json")).expect("status");
    assert_eq!((received.status, received.sms_code.as_deref()), (OrderStatus::Received, Some("482913")));
    let waiting = d.parse_status(&ok("oxgel/status-waiting.json")).expect("status");
    assert_eq!((waiting.status, waiting.sms_code), (OrderStatus::Waiting, None));
    let unknown = d.parse_status(&ok("oxgel/status-unknown.json")).expect("unknown statuses are not errors");
    assert_eq!(unknown.status, OrderStatus::Unknown("on_hold".into()));
}

#[test]
fn oxgel_plain_text_errors_by_status() {
    let cases: Vec<(HttpResponse, ApiError)> = vec![
        (HttpResponse::new(401, "Invalid API key"), ApiError::UpstreamUnauthorized),
        (HttpResponse::new(402, "Insufficient balance"), ApiError::InsufficientBalance),
        (HttpResponse::new(404, "Order not found"), ApiError::not_found("order")),
        (HttpResponse::new(409, "No numbers available"), ApiError::NoNumbers),
        (
            HttpResponse::new(409, "Cancel is allowed 2 minutes after purchase").with_header("Retry-After", "73"),
            ApiError::CancelTooEarly { retry_after_seconds: 73 },
        ),
        (HttpResponse::new(409, "Order is finished"), ApiError::OrderClosed { status: "finished".into() }),
        (HttpResponse::new(409, "No SMS received yet"), ApiError::NoSmsYet),
        (
            HttpResponse::new(429, "Slow down").with_header("Retry-After", "7"),
            ApiError::RateLimited { retry_after_seconds: Some(7) },
        ),
        (
            HttpResponse::new(503, "<html><body>Service Unavailable</body></html>"),
            ApiError::UpstreamUnavailable { status: Some(503) },
        ),
    ];
    for (response, expected) in cases {
        assert_eq!(oxgel().parse_balance(&response), Err(expected), "{}", response.body_excerpt(80));
    }
    let forbidden = oxgel().parse_balance(&HttpResponse::new(403, "Account is banned")).expect_err("403");
    assert_eq!(forbidden.http_status(), 403);
    let html = oxgel().parse_balance(&HttpResponse::new(200, "<html>oops</html>")).expect_err("not json");
    assert!(matches!(html, ApiError::UpstreamInvalidResponse { .. }) && html.retryable());
}

#[test]
fn telenumerus_both_order_shapes_and_errors() {
    let d = Telenumerus::new(Secret::new("tn-key"));
    let buy: BuyRequest = serde_json::from_str(r#"{"service":"wa","country":"GB"}"#).expect("buy");
    let req = d.buy(&buy, Some(&IdempotencyKey::parse("k-1").expect("key"))).expect("buy request");
    assert_eq!(header(&req, "Authorization"), Some("Bearer tn-key"));
    let body: serde_json::Value = serde_json::from_str(req.body.as_deref().expect("body")).expect("json");
    assert_eq!(body, serde_json::json!({"platform":"wa","country":"GB","idempotency_key":"k-1"}));

    let now = Timestamp::parse_rfc3339("2026-06-03T14:23:00Z").expect("now");
    let a = d.parse_buy(&ok("telenumerus/order-ok.json"), now).expect("ok shape");
    assert_eq!((a.id.as_str(), a.cost), ("tn_8f3a2c", 0.25));
    assert_eq!(a.expires_at, now.plus_seconds(300));
    let b = d.parse_buy(&ok("telenumerus/order-active.json"), now).expect("active shape");
    assert_eq!(b.expires_at.to_rfc3339(), "2026-06-03T14:28:00.000Z");

    let status = d.parse_status(&ok("telenumerus/status-completed.json")).expect("status");
    assert_eq!((status.status, status.sms_code.as_deref()), (OrderStatus::Received, Some("739201")));
    assert_eq!(d.status(&id("tn_8f3a2c")).expect("status").path, "/order/tn_8f3a2c");
    let cancelled = d.parse_cancel(&ok("telenumerus/cancel.json")).expect("cancel");
    assert_eq!((cancelled.status, cancelled.refunded), (OrderStatus::Cancelled, Some(0.25)));

    let low = HttpResponse::new(402, fixture("telenumerus/error-balance.json"));
    assert_eq!(d.parse_buy(&low, now), Err(ApiError::InsufficientBalance));
    let rate = HttpResponse::new(429, fixture("telenumerus/error-rate.json"));
    assert_eq!(d.parse_status(&rate), Err(ApiError::RateLimited { retry_after_seconds: Some(12) }));
    assert!(matches!(d.balance(), Err(ApiError::NotSupported { .. })));
}

#[test]
fn agentotp_addresses_numbers_url_encoded() {
    let d = AgentOtp::new(Secret::new("ak_test"));
    let buy: BuyRequest = serde_json::from_str(r#"{"service":"oi","country":"US"}"#).expect("buy");
    let req = d.buy(&buy, None).expect("rent");
    assert_eq!(req.path, "/numbers/rent");
    let body: serde_json::Value = serde_json::from_str(req.body.as_deref().expect("body")).expect("json");
    assert_eq!(body["country"], "US");

    let bought = d.parse_buy(&ok("agentotp/rent.json"), Timestamp(0)).expect("rent");
    assert_eq!((bought.id.as_str(), bought.phone.as_str()), ("15557654321", "+15557654321"));
    assert_eq!(bought.expires_at.to_rfc3339(), "2026-06-03T14:28:00.000Z");

    let wait = d.wait_for_otp(&id(&bought.id), 60, Some("OpenAI")).expect("wait");
    assert_eq!(wait.path, "/numbers/%2B15557654321/wait-for-otp");
    let otp = d.parse_wait_for_otp(&ok("agentotp/wait-for-otp.json")).expect("otp");
    assert_eq!((otp.status, otp.sms_code.as_deref()), (OrderStatus::Received, Some("551203")));

    let messages = d.parse_status(&ok("agentotp/messages.json")).expect("messages");
    assert_eq!(messages.sms_code.as_deref(), Some("551203"), "the newest message wins, its code extracted");
    let release = d.cancel(&id(&bought.id)).expect("release");
    assert_eq!((release.method, release.path.as_str()), (Method::Delete, "/numbers/%2B15557654321"));

    let quota =
        d.parse_buy(&HttpResponse::new(403, fixture("agentotp/error-quota.json")), Timestamp(0)).expect_err("403");
    assert!(matches!(&quota, ApiError::Forbidden { reason } if reason.contains("Monthly quota exceeded")));
    assert!(matches!(d.cancel(&id("not-a-number")), Err(ApiError::InvalidRequest { .. })));
}
