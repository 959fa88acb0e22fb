//! Golden fixtures: every example in the providers' documents, read by the dialects.

use vnum_protocol::api::{BuyRequest, OrderStatus};
use vnum_protocol::dialect::{AgentOtp, AgentOtpSettings, Ask, Dialect, OrderRef, Oxgel, Telenumerus};
use vnum_protocol::http::{HttpRequest, HttpResponse, Method, Secret};
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

fn order(id: &OrderId) -> OrderRef<'_> {
    OrderRef { id, service: "wa", phone: "+15551234567", rented_at: None }
}

fn sent<T: std::fmt::Debug>(ask: Result<Ask<T>, ApiError>) -> HttpRequest {
    match ask.expect("offered") {
        Ask::Send(request) => request,
        Ask::Known(known) => panic!("expected a request, got {known:?}"),
    }
}

fn body(request: &HttpRequest) -> serde_json::Value {
    serde_json::from_str(request.body.as_deref().expect("a body")).expect("JSON body")
}

fn header<'a>(req: &'a vnum_protocol::http::HttpRequest, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[test]
fn oxgel_requests_put_the_key_in_a_header_never_in_the_url() {
    let d = oxgel();
    let buy: BuyRequest = serde_json::from_slice(&fixture("oxgel/buy-request.json")).expect("buy request");
    let abc = id("abc");
    let requests = [
        sent(d.balance()),
        sent(d.services()),
        sent(d.countries()),
        sent(d.prices(Some(&ServiceCode::parse("wa").expect("wa")), Some(&CountryCode::parse("187").expect("187")))),
        d.buy(&buy, None).expect("buy"),
        d.status(&order(&abc)).expect("status"),
        d.cancel(&order(&abc)).expect("cancel"),
        sent(d.finish(&order(&abc))),
        d.another(&order(&abc)).expect("another"),
    ];
    for req in requests {
        assert_eq!(header(&req, "X-API-Key"), Some(KEY));
        let url = req.url("https://oxgelapi.com/api/v1");
        assert!(!url.contains(KEY) && !url.contains("api_key"), "{url}");
    }
    let prices =
        sent(d.prices(Some(&ServiceCode::parse("wa").expect("wa")), Some(&CountryCode::parse("187").expect("187"))));
    assert_eq!(prices.url("https://oxgelapi.com/api/v1"), "https://oxgelapi.com/api/v1/prices?service=wa&country=187");
    let cancel = d.cancel(&order(&id("3f2b"))).expect("cancel");
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

    let prices = d.parse_prices(&ok("oxgel/prices.json"), None, None).expect("a single object is read as one price");
    assert_eq!((prices.len(), prices[0].price, prices[0].stock), (1, 0.18, 1243));

    let bought = d.parse_buy(&ok("oxgel/buy.json"), Timestamp(0)).expect("buy");
    assert_eq!(bought.order_code.as_deref(), Some("ORD-LX9F2A"));
    assert_eq!(bought.phone, "+15551234567");
    assert_eq!(bought.expires_at.to_rfc3339(), "2026-06-03T14:23:00.000Z");
    assert_eq!(bought.cost, 0.18);

    let received = d.parse_status(&ok("oxgel/status-received.json"), &order(&id("abc"))).expect("status");
    assert_eq!((received.status, received.sms_code.as_deref()), (OrderStatus::Received, Some("482913")));
    let waiting = d.parse_status(&ok("oxgel/status-waiting.json"), &order(&id("abc"))).expect("status");
    assert_eq!((waiting.status, waiting.sms_code), (OrderStatus::Waiting, None));
    let unknown =
        d.parse_status(&ok("oxgel/status-unknown.json"), &order(&id("abc"))).expect("unknown statuses are not errors");
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
            ApiError::UpstreamUnavailable { status: Some(503), retry_after_seconds: None },
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

fn telenumerus() -> Telenumerus {
    Telenumerus::new(Secret::new("tn-key"))
}

fn service(code: &str) -> ServiceCode {
    ServiceCode::parse(code).expect("service")
}

fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).expect("country")
}

#[test]
fn telenumerus_requests_are_the_documented_ones() {
    let d = telenumerus();
    let abc = id("abc");
    let buy: BuyRequest = serde_json::from_str(r#"{"service":"google","country":"US"}"#).expect("buy");
    let order_request = d.buy(&buy, None).expect("order");
    assert_eq!((order_request.method, order_request.path_and_query().as_str()), (Method::Post, "/order"));
    let documented: serde_json::Value =
        serde_json::from_slice(&fixture("telenumerus/order-request.json")).expect("json");
    assert_eq!(body(&order_request), documented);
    let keyed = d.buy(&buy, Some(&IdempotencyKey::parse("unique-string").expect("key"))).expect("order");
    assert_eq!(body(&keyed)["idempotency_key"], "unique-string");

    let cases = [
        (d.status(&order(&abc)).expect("status"), Method::Get, "/order/abc"),
        (d.listen(&order(&abc), 60).expect("stream"), Method::Get, "/order/abc/stream"),
        (d.cancel(&order(&abc)).expect("cancel"), Method::Post, "/order/abc/cancel"),
        (sent(d.balance()), Method::Get, "/account"),
    ];
    for (request, method, path) in cases {
        assert_eq!((request.method, request.path_and_query().as_str()), (method, path));
        assert_eq!(header(&request, "Authorization"), Some("Bearer tn-key"), "{path}");
        assert!(!request.url("https://t.example/api/v1").contains("tn-key"));
    }
    assert_eq!(header(&d.listen(&order(&abc), 60).expect("stream"), "Accept"), Some("text/event-stream"));
    // The document lists /services and /availability without auth: the key is not sent there.
    let services = sent(d.services());
    assert_eq!((services.path_and_query().as_str(), header(&services, "Authorization")), ("/services", None));
    let availability = sent(d.prices(None, Some(&country("US"))));
    assert_eq!(
        (availability.path_and_query().as_str(), header(&availability, "Authorization")),
        ("/availability?country=US", None)
    );
    let default_country = sent(d.prices(Some(&service("google")), None));
    assert_eq!(default_country.path_and_query(), "/availability?country=US", "the documented default country");
    // Its 24 countries are in its document, not behind an endpoint.
    let Ok(Ask::Known(countries)) = d.countries() else { panic!("countries are known") };
    assert_eq!(countries.len(), 24);
    assert_eq!((countries[3].code.as_str(), countries[3].name.as_str()), ("GB", "United Kingdom"));
    // No finish operation: vnum closes the order itself; no another SMS.
    assert!(matches!(d.finish(&order(&abc)), Ok(Ask::Known(a)) if a.status == OrderStatus::Finished));
    assert!(matches!(d.another(&order(&abc)), Err(ApiError::NotSupported { .. })));
}

#[test]
fn telenumerus_documented_answers_parse() {
    let d = telenumerus();
    let abc = id("abc");
    let bought = d.parse_buy(&ok("telenumerus/order.json"), Timestamp(1_000)).expect("order");
    assert_eq!((bought.id.as_str(), bought.phone.as_str(), bought.cost), ("abc", "+12025551234", 0.50));
    assert_eq!(bought.expires_at, Timestamp(301_000), "expires_in 300 s from now");

    let status = d.parse_status(&ok("telenumerus/status-completed.json"), &order(&abc)).expect("status");
    assert_eq!((status.status, status.sms_code.as_deref()), (OrderStatus::Received, Some("847291")));
    let pending = HttpResponse::new(200, r#"{"status":"pending"}"#);
    assert_eq!(d.parse_status(&pending, &order(&abc)).expect("pending").status, OrderStatus::Waiting);
    let failed = HttpResponse::new(200, r#"{"status":"failed"}"#);
    assert_eq!(d.parse_status(&failed, &order(&abc)).expect("failed").status, OrderStatus::Expired);

    let event = String::from_utf8(fixture("telenumerus/stream-code.json")).expect("utf-8");
    let pushed = d.parse_event(&event).expect("a code event");
    assert_eq!((pushed.status, pushed.sms_code.as_deref()), (OrderStatus::Received, Some("847291")));
    assert_eq!(d.parse_event(r#"{"event":"expired"}"#).map(|s| s.status), Some(OrderStatus::Expired));
    assert_eq!(d.parse_event(r#"{"event":"heartbeat"}"#), None);
    assert_eq!(d.parse_event("not json"), None);

    let cancelled = d.parse_cancel(&ok("telenumerus/cancel.json")).expect("cancel");
    assert_eq!((cancelled.status, cancelled.refunded), (OrderStatus::Cancelled, Some(0.25)), "the refund is reported");

    let prices = d.parse_prices(&ok("telenumerus/availability.json"), None, Some(&country("US"))).expect("prices");
    assert_eq!(prices.len(), 2);
    assert_eq!((prices[0].service.as_str(), prices[0].country.as_str(), prices[0].price), ("google", "US", 0.50));
    assert_eq!((prices[0].stock, prices[1].stock), (100, 0), "high and none");
    let google = d.parse_prices(&ok("telenumerus/availability.json"), Some(&service("google")), None).expect("one");
    assert_eq!(google.len(), 1);

    let services = HttpResponse::new(200, r#"{"services":[{"platform":"google","name":"Google","price":0.5}]}"#);
    let services = d.parse_services(&services).expect("services");
    assert_eq!((services[0].code.as_str(), services[0].name.as_str()), ("google", "Google"));
    let account = HttpResponse::new(200, r#"{"balance":12.5,"tier":"standard","orders":3}"#);
    let balance = d.parse_balance(&account).expect("account");
    assert_eq!((balance.balance, balance.escrow, balance.currency.as_str()), (12.5, 0.0, "USD"));
}

#[test]
fn telenumerus_every_documented_error_maps_to_its_v1_code() {
    let error = |status: u16, code: &str, retryable: bool, retry: Option<u64>| {
        let body =
            serde_json::json!({"error": "x", "error_code": code, "retryable": retryable, "retry_after_seconds": retry});
        telenumerus().parse_balance(&HttpResponse::new(status, body.to_string())).expect_err(code)
    };
    // (provider status, code, retryable, retry_after) → (v1 code, status, retryable, retry_after)
    type Case<'a> = (u16, &'a str, bool, Option<u64>, &'a str, u16, bool, Option<u64>);
    let cases: [Case<'_>; 10] = [
        (429, "RATE_LIMITED", true, Some(12), "RATE_LIMITED", 429, true, Some(12)),
        (401, "INVALID_API_KEY", false, None, "UPSTREAM_UNAUTHORIZED", 502, false, None),
        (403, "ACCOUNT_SUSPENDED", false, None, "UPSTREAM_ACCOUNT_SUSPENDED", 502, false, None),
        (402, "INSUFFICIENT_BALANCE", false, None, "INSUFFICIENT_BALANCE", 402, false, None),
        (400, "UNKNOWN_PLATFORM", false, None, "INVALID_REQUEST", 400, false, None),
        (409, "ORDER_IN_PROGRESS", true, None, "ORDER_IN_PROGRESS", 409, true, None),
        (503, "PROVIDER_UNAVAILABLE", true, None, "UPSTREAM_UNAVAILABLE", 503, true, Some(30)),
        (404, "ORDER_NOT_FOUND", false, None, "NOT_FOUND", 404, false, None),
        (400, "INVALID_REQUEST", false, None, "INVALID_REQUEST", 400, false, None),
        (500, "INTERNAL_ERROR", true, None, "UPSTREAM_UNAVAILABLE", 503, true, Some(5)),
    ];
    for (status, code, retryable, retry, v1, v1_status, v1_retryable, v1_retry) in cases {
        let e = error(status, code, retryable, retry);
        assert_eq!(
            (e.code().as_str(), e.http_status(), e.retryable(), e.retry_after_seconds()),
            (v1, v1_status, v1_retryable, v1_retry),
            "{code}"
        );
    }
    let busy = error(409, "ORDER_IN_PROGRESS", true, None);
    assert!(busy.to_string().contains("one open order at a time"), "{busy}");
    // A code the table does not list keeps the provider's own `retryable`.
    assert!(error(418, "NEW_THING", true, Some(3)).retryable());
    assert!(!error(418, "NEW_THING", false, None).retryable());
}

fn agentotp_with(settings: AgentOtpSettings) -> AgentOtp {
    AgentOtp::new(Secret::new("ak_test"), settings)
}

fn agentotp() -> AgentOtp {
    agentotp_with(AgentOtpSettings::default())
}

fn rental(id: &OrderId) -> OrderRef<'_> {
    OrderRef {
        id,
        service: "any",
        phone: "+14165551234",
        rented_at: Some(Timestamp::parse_rfc3339("2026-01-27T14:00:00Z").expect("time")),
    }
}

#[test]
fn agentotp_requests_are_the_documented_ones() {
    let d = agentotp();
    let rent_id = id("rent_abc123");
    let buy: BuyRequest = serde_json::from_str(r#"{"service":"any","country":"CA"}"#).expect("buy");
    let rent = d.buy(&buy, None).expect("rent");
    assert_eq!((rent.method, rent.path_and_query().as_str()), (Method::Post, "/numbers/rent"));
    let documented: serde_json::Value = serde_json::from_slice(&fixture("agentotp/rent-request.json")).expect("json");
    assert_eq!(body(&rent), documented);
    assert_eq!(header(&rent, "X-API-Key"), Some("ak_test"));

    let wait = d.listen(&rental(&rent_id), 120).expect("wait");
    assert_eq!((wait.method, wait.path_and_query().as_str()), (Method::Post, "/numbers/+14165551234/wait-for-otp"));
    let documented: serde_json::Value = serde_json::from_slice(&fixture("agentotp/wait-request.json")).expect("json");
    assert_eq!(body(&wait), documented);

    let messages = d.status(&rental(&rent_id)).expect("messages");
    assert_eq!((messages.method, messages.path_and_query().as_str()), (Method::Get, "/numbers/+14165551234/messages"));
    let release = d.cancel(&rental(&rent_id)).expect("release");
    assert_eq!((release.method, release.path_and_query().as_str()), (Method::Delete, "/numbers/+14165551234"));
    assert_eq!(sent(d.finish(&rental(&rent_id))).method, Method::Delete, "finish releases the number too");
    assert!(matches!(d.another(&rental(&rent_id)), Err(ApiError::NotSupported { .. })));
    let unknown: BuyRequest = serde_json::from_str(r#"{"service":"wa","country":"CA"}"#).expect("buy");
    assert!(matches!(d.buy(&unknown, None), Err(ApiError::InvalidRequest { .. })), "only configured services");

    // The quota is the account API, with the Bearer token, never the API key.
    assert!(matches!(d.balance(), Err(ApiError::NotConfigured { .. })));
    let with_token =
        agentotp_with(AgentOtpSettings { account_token: Some(Secret::new("tok")), ..AgentOtpSettings::default() });
    let quota = sent(with_token.balance());
    assert_eq!(quota.path_and_query(), "/auth/usage/quota");
    assert_eq!((header(&quota, "Authorization"), header(&quota, "X-API-Key")), (Some("Bearer tok"), None));
}

#[test]
fn agentotp_expected_sender_comes_from_the_configured_service() {
    let services = AgentOtpSettings::parse_services("any:Any service, google:Google:GOOGLE").expect("services");
    let d = agentotp_with(AgentOtpSettings { services, ..AgentOtpSettings::default() });
    let rent_id = id("rent_1");
    let google = OrderRef { service: "google", ..rental(&rent_id) };
    let wait = d.listen(&google, 60).expect("wait");
    assert_eq!(body(&wait), serde_json::json!({"timeout_seconds": 60, "expected_sender": "GOOGLE"}));
    // A message from someone else is not this service's code.
    let messages = HttpResponse::new(
        200,
        r#"{"success":true,"data":[{"id":"m1","from":"+15551234567","to":"+14165551234","body":"Your code is 111111","received_at":"2026-01-27T14:01:00Z","otp_code":"111111"}]}"#,
    );
    assert_eq!(d.parse_status(&messages, &google).expect("messages").sms_code, None);
    assert_eq!(d.parse_status(&messages, &rental(&rent_id)).expect("any").sms_code.as_deref(), Some("111111"));
    assert!(AgentOtpSettings::parse_services("Bad Code:x").is_err());
    assert_eq!(AgentOtpSettings::parse_countries("us, ca").expect("countries"), ["US", "CA"]);
    assert!(AgentOtpSettings::parse_countries("187").is_err());
}

#[test]
fn agentotp_documented_answers_parse() {
    let d = agentotp();
    let rent_id = id("rent_abc123");
    let bought = d.parse_buy(&ok("agentotp/rent.json"), Timestamp(0)).expect("rent");
    assert_eq!((bought.id.as_str(), bought.phone.as_str()), ("rent_abc123", "+14165551234"), "the order is the rental");
    assert_eq!(bought.expires_at.to_rfc3339(), "2026-01-27T14:05:00.000Z");
    assert_eq!(bought.rented_at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-01-27T14:00:00.000Z"));

    let otp = d.parse_listen(&ok("agentotp/wait-for-otp.json"), &rental(&rent_id)).expect("otp");
    assert_eq!((otp.status, otp.sms_code.as_deref()), (OrderStatus::Received, Some("847291")));
    let timeout = HttpResponse::new(
        200,
        r#"{"success":true,"message":"No OTP received","data":{"status":"timeout","wait_time_seconds":120}}"#,
    );
    assert_eq!(d.parse_listen(&timeout, &rental(&rent_id)).expect("timeout").status, OrderStatus::Waiting);

    let messages = d.parse_status(&ok("agentotp/messages.json"), &rental(&rent_id)).expect("messages");
    assert_eq!((messages.status, messages.sms_code.as_deref()), (OrderStatus::Received, Some("847291")));
    // The same number rented again later: the earlier rental's message is not this order's code.
    let later =
        OrderRef { rented_at: Some(Timestamp::parse_rfc3339("2026-01-27T15:00:00Z").expect("t")), ..rental(&rent_id) };
    assert_eq!(d.parse_status(&ok("agentotp/messages.json"), &later).expect("messages").status, OrderStatus::Waiting);
    assert_eq!(d.parse_listen(&ok("agentotp/wait-for-otp.json"), &later).expect("old").status, OrderStatus::Waiting);
    // A message in the very millisecond the rental began belongs to the rental before.
    let same_ms =
        OrderRef { rented_at: Some(Timestamp::parse_rfc3339("2026-01-27T14:01:30Z").expect("t")), ..rental(&rent_id) };
    assert_eq!(d.parse_status(&ok("agentotp/messages.json"), &same_ms).expect("messages").status, OrderStatus::Waiting);
    // A message without a code is not a code.
    let no_code = HttpResponse::new(
        200,
        r#"{"success":true,"data":[{"id":"m","from":"x","to":"y","body":"Welcome!","received_at":"2026-01-27T14:02:00Z","otp_code":null}]}"#,
    );
    assert_eq!(d.parse_status(&no_code, &rental(&rent_id)).expect("no code").status, OrderStatus::Waiting);

    let released = d.parse_cancel(&ok("agentotp/release.json")).expect("release");
    assert_eq!((released.status, released.refunded), (OrderStatus::Cancelled, None));
    assert_eq!(d.parse_finish(&ok("agentotp/release.json")).expect("finish").status, OrderStatus::Finished);

    let balance = d.parse_balance(&ok("agentotp/quota.json")).expect("quota");
    assert_eq!((balance.balance, balance.currency.as_str()), (155.0, "RENTALS"), "rentals left, without a price");
    assert_eq!(balance.quota.map(|q| (q.plan, q.limit, q.used, q.remaining)), Some(("pro".into(), 200, 45, 155)));
    let priced = agentotp_with(AgentOtpSettings { price: Some(0.5), ..AgentOtpSettings::default() });
    let balance = priced.parse_balance(&ok("agentotp/quota.json")).expect("quota");
    assert_eq!((balance.balance, balance.currency.as_str()), (77.5, "USD"), "what they are worth, with one");
}

#[test]
fn agentotp_errors_by_documented_status() {
    let d = agentotp();
    let error = |status: u16| d.parse_buy(&HttpResponse::new(status, fixture("agentotp/error.json")), Timestamp(0));
    let codes: Vec<(u16, String)> = [400, 401, 403, 404, 500]
        .into_iter()
        .map(|s| {
            let e = error(s).expect_err("error");
            (e.http_status(), e.code().as_str().to_owned())
        })
        .collect();
    assert_eq!(
        codes,
        [
            (400, "INVALID_REQUEST".to_owned()),
            (502, "UPSTREAM_UNAUTHORIZED".to_owned()),
            (402, "QUOTA_EXCEEDED".to_owned()),
            (404, "NOT_FOUND".to_owned()),
            (503, "UPSTREAM_UNAVAILABLE".to_owned()),
        ]
    );
    assert!(error(403).expect_err("quota").to_string().contains("Error message description"));
}
