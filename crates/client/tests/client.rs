//! The client against a scripted transport with a virtual clock: requests, error mapping, validation
//! before any request, and every path of `wait_for_code` (long-poll, fallback to polling, Retry-After,
//! timeouts, closed orders), deterministically and without waiting.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use vnum_client::{Client, Error, Options, Transport, WaitOptions};
use vnum_protocol::ErrorCode;
use vnum_protocol::api::{BuyRequest, OrderStatus, StatusResponse};
use vnum_protocol::http::{HttpRequest, HttpResponse};

/// What the fake server does with one request.
enum Reply {
    /// Answers at once.
    Now(u16, &'static str),
    /// Answers after this many milliseconds.
    After(u64, u16, &'static str),
    /// Never answers.
    Hang,
    /// No answer: connection refused.
    Refused,
}

#[derive(Debug, Clone)]
struct Sent {
    at: u64,
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

type Handler = Box<dyn FnMut(&Sent, usize) -> Reply>;

/// A transport whose time only moves when every future waits (see [`run`]).
struct Fake {
    now: Cell<u64>,
    timers: RefCell<Vec<u64>>,
    sent: RefCell<Vec<Sent>>,
    handler: RefCell<Handler>,
}

impl Fake {
    fn new(handler: impl FnMut(&Sent, usize) -> Reply + 'static) -> Self {
        Self {
            now: Cell::new(0),
            timers: RefCell::new(Vec::new()),
            sent: RefCell::new(Vec::new()),
            handler: RefCell::new(Box::new(handler)),
        }
    }

    async fn until(&self, deadline: u64) {
        std::future::poll_fn(|_| {
            if self.now.get() >= deadline {
                Poll::Ready(())
            } else {
                self.timers.borrow_mut().push(deadline);
                Poll::Pending
            }
        })
        .await
    }
}

impl Transport for Fake {
    async fn send(&self, url: &str, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let sent = Sent {
            at: self.now.get(),
            method: request.method.as_str(),
            url: url.to_owned(),
            headers: request.headers.clone(),
            body: request.body.clone(),
        };
        let index = self.sent.borrow().len();
        let reply = (self.handler.borrow_mut())(&sent, index);
        self.sent.borrow_mut().push(sent);
        let response = |status, body: &str| HttpResponse::new(status, body.as_bytes().to_vec());
        match reply {
            Reply::Now(status, body) => Ok(response(status, body)),
            Reply::After(ms, status, body) => {
                self.until(self.now.get() + ms).await;
                Ok(response(status, body))
            }
            Reply::Hang => std::future::pending().await,
            Reply::Refused => Err(Error::network("connection refused")),
        }
    }

    async fn sleep(&self, millis: u64) {
        self.until(self.now.get() + millis).await
    }

    fn now_millis(&self) -> u64 {
        self.now.get()
    }
}

/// Runs `future` to completion, moving the virtual clock to the next timer whenever nothing can progress.
fn run<T>(client: &Client<Fake>, future: impl Future<Output = T>) -> T {
    let fake = client.transport();
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        let now = fake.now.get();
        let next = fake.timers.borrow().iter().copied().filter(|&t| t > now).min();
        let next = next.unwrap_or_else(|| panic!("nothing to wait for at {now} ms: the future would hang"));
        fake.now.set(next);
        fake.timers.borrow_mut().retain(|&t| t > next);
    }
    panic!("did not finish");
}

const BASE: &str = "https://proxy.example/api/v1";

fn proxy(handler: impl FnMut(&Sent, usize) -> Reply + 'static) -> Client<Fake> {
    let options = Options { base_url: Some(BASE.to_owned()), token: Some("tok-1".to_owned()), ..Options::default() };
    Client::with_transport(options, Fake::new(handler)).expect("client")
}

fn sent(client: &Client<Fake>) -> Vec<Sent> {
    client.transport().sent.borrow().clone()
}

fn paths(client: &Client<Fake>) -> Vec<String> {
    sent(client).iter().map(|s| format!("{} {}", s.method, s.url.trim_start_matches(BASE))).collect()
}

fn header<'a>(sent: &'a Sent, name: &str) -> Option<&'a str> {
    sent.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

const WAITING: &str = r#"{"status":"waiting","phone":"+15551234567"}"#;
const RECEIVED: &str =
    r#"{"status":"received","sms_code":"482913","sms_text":"Your WhatsApp code is 482-913","phone":"+15551234567"}"#;
const NO_WAIT_ROUTE: &str = r#"{"error":"vnum has no route /api/v1/numbers/wait","error_code":"UNKNOWN_ROUTE","retryable":false,"retry_after_seconds":null}"#;

#[test]
fn proxy_requests_carry_the_token_and_answers_are_typed() {
    let client = proxy(|_, _| Reply::Now(200, r#"{"balance":12.45,"escrow":0.85,"currency":"USD"}"#));
    let balance = run(&client, client.balance()).expect("balance");
    assert_eq!((balance.balance, balance.escrow, balance.currency.as_str()), (12.45, 0.85, "USD"));
    let request = &sent(&client)[0];
    assert_eq!((request.method, request.url.as_str()), ("GET", "https://proxy.example/api/v1/balance"));
    assert_eq!(header(request, "authorization"), Some("Bearer tok-1"));
    assert_eq!(header(request, "x-api-key"), None);
}

#[test]
fn buy_sends_the_body_and_the_idempotency_key() {
    let client = proxy(|_, _| {
        Reply::Now(
            200,
            r#"{"id":"ord-1","order_code":"ORD-1","phone":"+15551234567","expires_at":"2026-06-03T14:43:00.000Z","cost":0.18}"#,
        )
    });
    let request = BuyRequest {
        service: "WA".parse().expect("service"),
        country: "187".parse().expect("country"),
        operator: None,
        max_price: Some(vnum_protocol::validate::MaxPrice::new(0.5).expect("price")),
    };
    let bought = run(&client, client.buy(&request, Some("key-1"))).expect("buy");
    assert_eq!(bought.id, "ord-1");
    assert_eq!(bought.expires_at.as_millis(), 1_780_497_780_000);
    let request = &sent(&client)[0];
    assert_eq!((request.method, request.url.as_str()), ("POST", "https://proxy.example/api/v1/numbers/buy"));
    let body: serde_json::Value = serde_json::from_str(request.body.as_deref().expect("a body")).expect("JSON");
    assert_eq!(body, serde_json::json!({"service": "wa", "country": "187", "max_price": 0.5}));
    assert_eq!(header(request, "idempotency-key"), Some("key-1"));
    assert_eq!(header(request, "content-type"), Some("application/json"));
}

#[test]
fn bad_input_fails_before_any_request() {
    let client = proxy(|_, _| panic!("nothing may be sent"));
    let buy = BuyRequest {
        service: "wa".parse().expect("ok"),
        country: "187".parse().expect("ok"),
        operator: None,
        max_price: None,
    };
    let errors = [
        run(&client, client.status("a b")).expect_err("id"),
        run(&client, client.finish("../balance")).expect_err("id"),
        run(&client, client.prices(Some("w a"), None)).expect_err("service"),
        run(&client, client.prices(None, Some("USA"))).expect_err("country"),
        run(&client, client.buy(&buy, Some("has space"))).expect_err("key"),
        run(&client, client.wait("abc", 61)).expect_err("timeout"),
        run(&client, client.wait_for_code("abc", &WaitOptions { interval_ms: 0, ..WaitOptions::default() }, |_| {}))
            .expect_err("interval"),
    ];
    for error in errors {
        assert_eq!(error.code, ErrorCode::InvalidRequest, "{error:?}");
        assert_eq!((error.status, error.retryable), (None, false));
    }
    assert!(sent(&client).is_empty());
}

#[test]
fn options_are_checked() {
    let with = |options: Options| Client::with_transport(options, Fake::new(|_, _| Reply::Hang)).map(|_| ());
    let base = || Some(BASE.to_owned());
    let both = Options { base_url: base(), token: Some("t".into()), api_key: Some("k".into()), ..Options::default() };
    let invalid = [
        with(both),
        with(Options::default()),
        with(Options { base_url: Some("proxy.example".into()), ..Options::default() }),
        with(Options { base_url: Some("https://".into()), ..Options::default() }),
        with(Options { base_url: base(), token: Some("two words".into()), ..Options::default() }),
        with(Options { base_url: base(), request_timeout_ms: Some(0), ..Options::default() }),
    ];
    for result in invalid {
        assert_eq!(result.expect_err("invalid").code, ErrorCode::InvalidRequest);
    }
    assert!(with(Options { base_url: Some(format!("{BASE}/")), ..Options::default() }).is_ok());
    let direct = Client::with_transport(
        Options { api_key: Some("OXGL-1".into()), ..Options::default() },
        Fake::new(|_, _| Reply::Hang),
    );
    if cfg!(feature = "direct") {
        let direct = direct.expect("direct");
        assert!(direct.is_direct());
        assert_eq!(direct.base_url(), "https://oxgelapi.com/api/v1");
    } else {
        // A build for browsers has no provider dialect: a key is refused, never sent anywhere.
        let Err(error) = direct else { panic!("no direct mode without the feature") };
        assert_eq!(error.code, ErrorCode::InvalidRequest);
        assert!(error.message.contains("apiKey") && error.message.contains("direct"), "{}", error.message);
    }
}

#[test]
fn error_bodies_keep_code_retry_and_status() {
    let client = proxy(|sent, _| match sent.url.as_str() {
        u if u.ends_with("/cancel?id=ord-1") => Reply::Now(
            409,
            r#"{"error":"an order can be cancelled 2 minutes after purchase; retry in 73 s","error_code":"CANCEL_TOO_EARLY","retryable":true,"retry_after_seconds":73}"#,
        ),
        u if u.ends_with("/balance") => Reply::Now(502, "<html>Bad gateway</html>"),
        u if u.ends_with("/services") => Reply::Now(200, "<html>not json</html>"),
        u if u.ends_with("/countries") => Reply::Now(
            401,
            r#"{"error":"a valid access token is required","error_code":"UNAUTHORIZED","retryable":false,"retry_after_seconds":null}"#,
        ),
        _ => Reply::Now(
            418,
            r#"{"error":"teapot","error_code":"SOMETHING_NEW","retryable":false,"retry_after_seconds":null}"#,
        ),
    });
    let early = run(&client, client.cancel("ord-1")).expect_err("early");
    assert_eq!(
        (early.code_str(), early.retryable, early.retry_after_seconds, early.status),
        ("CANCEL_TOO_EARLY", true, Some(73), Some(409))
    );
    assert!(early.message.contains("73 s"));
    let gateway = run(&client, client.balance()).expect_err("502");
    assert_eq!((gateway.code, gateway.retryable, gateway.status), (ErrorCode::UpstreamUnavailable, true, Some(502)));
    let garbage = run(&client, client.services()).expect_err("not json");
    assert_eq!((garbage.code, garbage.status), (ErrorCode::UpstreamInvalidResponse, Some(200)));
    let unauthorized = run(&client, client.countries()).expect_err("401");
    assert_eq!((unauthorized.code, unauthorized.status), (ErrorCode::Unauthorized, Some(401)));
    let unknown = run(&client, client.health()).expect_err("418");
    assert_eq!(unknown.code_str(), "SOMETHING_NEW");
}

#[test]
fn a_hung_request_times_out() {
    let options = Options { base_url: Some(BASE.to_owned()), request_timeout_ms: Some(5_000), ..Options::default() };
    let client = Client::with_transport(options, Fake::new(|_, _| Reply::Hang)).expect("client");
    let error = run(&client, client.balance()).expect_err("timeout");
    assert_eq!((error.code, error.retryable, error.status), (ErrorCode::Timeout, true, None));
    assert_eq!(client.transport().now.get(), 5_000);
}

#[test]
fn orders_are_not_supported_by_an_older_proxy() {
    let client = proxy(|_, _| {
        Reply::Now(
            404,
            r#"{"error":"vnum has no route /api/v1/orders","error_code":"UNKNOWN_ROUTE","retryable":false,"retry_after_seconds":null}"#,
        )
    });
    let error = run(&client, client.orders()).expect_err("not offered");
    assert_eq!((error.code, error.status), (ErrorCode::NotSupported, Some(404)));
    let client = proxy(|_, _| {
        Reply::Now(
            200,
            r#"{"orders":[{"id":"o1","phone":"+15551234567","service":"wa","country":"187","cost":0.18,"status":"received","sms_code":"1234","codes":[{"code":"1234","received_at":"2026-06-03T14:24:00.000Z"}],"created_at":"2026-06-03T14:23:00.000Z","expires_at":"2026-06-03T14:43:00.000Z","cancel_available_at":"2026-06-03T14:25:00.000Z"}]}"#,
        )
    });
    let orders = run(&client, client.orders()).expect("orders");
    assert_eq!(orders[0].sms_code.as_deref(), Some("1234"));
    // A core route that is missing means a wrong base URL, not an old proxy.
    let client = proxy(|_, _| {
        Reply::Now(
            404,
            r#"{"error":"vnum has no route /v1/balance","error_code":"UNKNOWN_ROUTE","retryable":false,"retry_after_seconds":null}"#,
        )
    });
    let error = run(&client, client.balance()).expect_err("wrong base");
    assert_eq!((error.code, error.status), (ErrorCode::UnknownRoute, Some(404)));
    assert!(error.message.contains("ending in /api/v1"), "{}", error.message);
    assert_eq!(orders.len(), 1);
    assert_eq!((orders[0].status.clone(), orders[0].codes.len()), (OrderStatus::Received, 1));
}

#[test]
fn wait_for_code_prefers_the_long_poll() {
    let client = proxy(|sent, _| {
        if sent.url.contains("/numbers/status") { Reply::Now(200, WAITING) } else { Reply::After(3_000, 200, RECEIVED) }
    });
    let mut seen = Vec::new();
    let code = run(&client, client.wait_for_code("ord-1", &WaitOptions::default(), |s| seen.push(s.status.clone())))
        .expect("code");
    assert_eq!((code.code.as_str(), code.text.as_deref()), ("482913", Some("Your WhatsApp code is 482-913")));
    // The current status first (at once), then the long-poll until the code.
    assert_eq!(seen, [OrderStatus::Waiting, OrderStatus::Received]);
    assert_eq!(paths(&client), ["GET /numbers/status?id=ord-1", "GET /numbers/wait?id=ord-1&timeout=60"]);
    assert_eq!(client.transport().now.get(), 3_000);
}

#[test]
fn wait_for_code_long_polls_again_without_a_busy_loop() {
    // A long-poll that comes back at once with "waiting" is not asked again before the interval.
    let client = proxy(|_, n| if n < 3 { Reply::Now(200, WAITING) } else { Reply::After(1_000, 200, RECEIVED) });
    let code = run(&client, client.wait_for_code("ord-1", &WaitOptions::default(), |_| {})).expect("code");
    assert_eq!(code.code, "482913");
    let times: Vec<u64> = sent(&client).iter().map(|s| s.at).collect();
    assert_eq!(times, [0, 0, 4_000, 8_000]);
    assert!(paths(&client)[1..].iter().all(|p| p.contains("/numbers/wait")));
    // The long-poll asks for no more than what is left of the timeout.
    let client = proxy(|sent, _| {
        if sent.url.contains("/numbers/status") { Reply::Now(200, WAITING) } else { Reply::After(500, 200, RECEIVED) }
    });
    run(&client, client.wait_for_code("ord-1", &WaitOptions { timeout_ms: 12_345, ..WaitOptions::default() }, |_| {}))
        .expect("code");
    assert!(paths(&client)[1].ends_with("timeout=13"), "{:?}", paths(&client));
}

#[test]
fn wait_for_code_falls_back_to_polling_where_wait_is_not_offered() {
    let client = proxy(|sent, n| match (sent.url.contains("/numbers/wait"), n) {
        (true, _) => Reply::Now(404, NO_WAIT_ROUTE),
        (false, 0 | 2) => Reply::Now(200, WAITING),
        (false, _) => Reply::Now(200, RECEIVED),
    });
    let mut seen: Vec<StatusResponse> = Vec::new();
    let code =
        run(&client, client.wait_for_code("ord-1", &WaitOptions::default(), |s| seen.push(s.clone()))).expect("code");
    assert_eq!(code.code, "482913");
    assert_eq!(
        paths(&client),
        [
            "GET /numbers/status?id=ord-1",
            "GET /numbers/wait?id=ord-1&timeout=60",
            "GET /numbers/status?id=ord-1",
            "GET /numbers/status?id=ord-1",
        ]
    );
    let times: Vec<u64> = sent(&client).iter().map(|s| s.at).collect();
    assert_eq!(times, [0, 0, 4_000, 8_000]);
    // Called on the first status and on the change only.
    let statuses: Vec<&str> = seen.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(statuses, ["waiting", "received"]);
    // The client remembers: the next wait polls at once.
    run(&client, client.wait_for_code("ord-1", &WaitOptions::default(), |_| {})).expect("code");
    assert_eq!(paths(&client).last().map(String::as_str), Some("GET /numbers/status?id=ord-1"));
    assert_eq!(paths(&client).len(), 5);
}

#[test]
fn wait_for_code_polls_when_asked_to() {
    let client = proxy(|_, n| if n == 0 { Reply::Now(200, WAITING) } else { Reply::Now(200, RECEIVED) });
    let options = WaitOptions { long_poll: false, interval_ms: 1_000, ..WaitOptions::default() };
    run(&client, client.wait_for_code("ord-1", &options, |_| {})).expect("code");
    assert_eq!(paths(&client), ["GET /numbers/status?id=ord-1", "GET /numbers/status?id=ord-1"]);
    assert_eq!(sent(&client)[1].at, 1_000);
}

#[test]
fn wait_for_code_honours_retry_after_and_retries_network_failures() {
    let client = proxy(|_, n| match n {
        0 => Reply::Now(
            429,
            r#"{"error":"too many requests; retry in 7 s","error_code":"RATE_LIMITED","retryable":true,"retry_after_seconds":7}"#,
        ),
        1 => Reply::Refused,
        2 => Reply::Now(
            503,
            r#"{"error":"the provider is unavailable","error_code":"UPSTREAM_UNAVAILABLE","retryable":true,"retry_after_seconds":null}"#,
        ),
        _ => Reply::Now(200, RECEIVED),
    });
    let options = WaitOptions { long_poll: false, ..WaitOptions::default() };
    run(&client, client.wait_for_code("ord-1", &options, |_| {})).expect("code");
    let times: Vec<u64> = sent(&client).iter().map(|s| s.at).collect();
    assert_eq!(times, [0, 7_000, 11_000, 15_000]);
}

#[test]
fn wait_for_code_stops_on_a_non_retryable_error() {
    let client = proxy(|_, _| {
        Reply::Now(
            404,
            r#"{"error":"order not found","error_code":"NOT_FOUND","retryable":false,"retry_after_seconds":null}"#,
        )
    });
    let error = run(&client, client.wait_for_code("ord-1", &WaitOptions::default(), |_| {})).expect_err("404");
    assert_eq!((error.code, error.status), (ErrorCode::NotFound, Some(404)));
    assert_eq!(paths(&client).len(), 1, "an unknown order is not a missing route");
}

#[test]
fn wait_for_code_times_out() {
    let client = proxy(|_, _| Reply::Now(200, WAITING));
    let options = WaitOptions { long_poll: false, timeout_ms: 10_000, ..WaitOptions::default() };
    let error = run(&client, client.wait_for_code("ord-1", &options, |_| {})).expect_err("timeout");
    assert_eq!((error.code, error.retryable, error.status), (ErrorCode::Timeout, false, None));
    assert_eq!(client.transport().now.get(), 10_000);
    assert_eq!(sent(&client).iter().map(|s| s.at).collect::<Vec<_>>(), [0, 4_000, 8_000]);
    // A long-poll or a Retry-After that outlasts the deadline does not delay the timeout.
    let client = proxy(|_, _| Reply::Hang);
    let error = run(
        &client,
        client.wait_for_code("ord-1", &WaitOptions { timeout_ms: 2_500, ..WaitOptions::default() }, |_| {}),
    )
    .expect_err("timeout");
    assert_eq!((error.code, client.transport().now.get()), (ErrorCode::Timeout, 2_500));
    let client = proxy(|_, _| {
        Reply::Now(
            429,
            r#"{"error":"slow down","error_code":"RATE_LIMITED","retryable":true,"retry_after_seconds":600}"#,
        )
    });
    let error = run(
        &client,
        client.wait_for_code("ord-1", &WaitOptions { timeout_ms: 3_000, ..WaitOptions::default() }, |_| {}),
    )
    .expect_err("timeout");
    assert_eq!((error.code, client.transport().now.get()), (ErrorCode::Timeout, 3_000));
}

#[test]
fn wait_for_code_rejects_closed_orders() {
    for (body, status) in [
        (r#"{"status":"cancelled","phone":"+15551234567"}"#, "cancelled"),
        (r#"{"status":"expired","phone":"+15551234567"}"#, "expired"),
        (r#"{"status":"finished","phone":"+15551234567"}"#, "finished"),
    ] {
        let client = proxy(move |_, _| Reply::Now(200, body));
        let error = run(&client, client.wait_for_code("ord-1", &WaitOptions::default(), |_| {})).expect_err(status);
        assert_eq!(error.code, ErrorCode::OrderClosed);
        assert!(error.message.contains(status), "{}", error.message);
    }
    // A finished order still shows its code.
    let client = proxy(|_, _| Reply::Now(200, r#"{"status":"finished","sms_code":"1234","phone":"+15551234567"}"#));
    assert_eq!(
        run(&client, client.wait_for_code("ord-1", &WaitOptions::default(), |_| {})).expect("code").code,
        "1234"
    );
}

#[cfg(feature = "direct")]
#[test]
fn direct_mode_speaks_oxgel_with_the_key_in_a_header() {
    let options = Options {
        api_key: Some("OXGL-secret".to_owned()),
        base_url: Some("http://127.0.0.1:9/api/v1".to_owned()),
        ..Options::default()
    };
    let client = Client::with_transport(
        options,
        Fake::new(|sent, n| match (sent.url.rsplit('/').next().unwrap_or_default(), n) {
            ("balance", _) => Reply::Now(200, r#"{"balance":10,"escrow":0,"currency":"USD"}"#),
            ("services", _) => Reply::Now(401, "Invalid API key"),
            ("status?id=ord-2", _) => Reply::Now(404, "Order not found"),
            (_, 2) => Reply::Now(200, r#"{"status":"waiting","sms_code":null,"phone":"+15551234567"}"#),
            _ => Reply::Now(200, r#"{"status":"received","sms_code":"482913","phone":"+15551234567"}"#),
        }),
    )
    .expect("client");
    assert_eq!(run(&client, client.balance()).expect("balance").balance, 10.0);
    let request = &sent(&client)[0];
    assert_eq!(request.url, "http://127.0.0.1:9/api/v1/balance");
    assert_eq!(header(request, "x-api-key"), Some("OXGL-secret"));
    assert_eq!(header(request, "authorization"), None);
    assert!(!request.url.contains("api_key"));
    let refused = run(&client, client.services()).expect_err("401");
    assert_eq!((refused.code, refused.status), (ErrorCode::Unauthorized, Some(401)));
    // The proxy's own features are not sent to the provider.
    for error in
        [run(&client, client.orders()).expect_err("orders"), run(&client, client.health()).expect_err("health")]
    {
        assert_eq!((error.code, error.status), (ErrorCode::NotSupported, None));
    }
    assert_eq!(sent(&client).len(), 2);
    // wait_for_code polls the status (the provider has no long-poll).
    let options = WaitOptions { interval_ms: 1_000, ..WaitOptions::default() };
    run(&client, client.wait_for_code("ord-1", &options, |_| {})).expect("code");
    let error = run(&client, client.status("ord-2")).expect_err("unknown order");
    assert_eq!((error.code, error.status), (ErrorCode::NotFound, Some(404)));
    assert!(paths(&client)[2..].iter().all(|p| p.contains("/numbers/status?id=")), "{:?}", paths(&client));
}
