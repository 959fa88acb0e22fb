//! A fake-clock harness around the sans-IO simulator, for every dialect, and a check that an answer has
//! the shape of a documented example.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use vnum_sim::{
    DEFAULT_KEY, Dialect, EventStream, Hold, LongPoll, Resumed, SimConfig, SimRequest, SimResponse, Simulator,
    StreamStep,
};

/// 2026-06-03T14:23:00.000Z
pub const T0: u64 = 1_780_496_580_000;
pub const KEY: &str = DEFAULT_KEY;

pub struct Harness {
    pub sim: Simulator,
    pub now: u64,
}

impl Harness {
    pub fn new() -> Self {
        Self::with_config(SimConfig::default())
    }

    pub fn with_config(config: SimConfig) -> Self {
        Self { sim: Simulator::new(config), now: T0 }
    }

    /// The defaults of `dialect`.
    pub fn dialect(dialect: Dialect) -> Self {
        Self::with_config(SimConfig::for_dialect(dialect))
    }

    /// The defaults of `dialect`, changed by `f`.
    pub fn with(dialect: Dialect, f: impl FnOnce(&mut SimConfig)) -> Self {
        let mut config = SimConfig::for_dialect(dialect);
        f(&mut config);
        Self::with_config(config)
    }

    pub fn send(&mut self, req: &SimRequest) -> SimResponse {
        self.sim.handle(self.now, req)
    }

    /// Moves the fake host clock.
    pub fn wait(&mut self, seconds: u64) {
        self.now += seconds * 1000;
    }

    pub fn wait_ms(&mut self, ms: u64) {
        self.now += ms;
    }

    pub fn get(&mut self, target: &str) -> SimResponse {
        self.send(&SimRequest::get(target).key(KEY))
    }

    pub fn post(&mut self, target: &str) -> SimResponse {
        self.send(&SimRequest::post(target).key(KEY))
    }

    pub fn admin(&mut self, method: &str, path: &str, body: Value) -> SimResponse {
        let body = if body.is_null() { String::new() } else { body.to_string() };
        self.send(&SimRequest::new(method, path).body(body))
    }

    pub fn buy_as(&mut self, key: &str, body: Value) -> SimResponse {
        self.send(&SimRequest::post("/api/v1/numbers/buy").key(key).json(&body))
    }

    pub fn buy(&mut self, service: &str, country: &str) -> SimResponse {
        self.buy_as(KEY, json!({"service": service, "country": country}))
    }

    /// Buys and returns the order id, asserting success.
    pub fn buy_ok(&mut self, service: &str, country: &str) -> String {
        let response = self.buy(service, country);
        assert_eq!(response.status(), Some(200), "{}", response.text_body());
        json(&response)["id"].as_str().unwrap().to_owned()
    }

    pub fn status(&mut self, id: &str) -> Value {
        let response = self.get(&format!("/api/v1/numbers/status?id={id}"));
        assert_eq!(response.status(), Some(200), "{}", response.text_body());
        json(&response)
    }

    pub fn balance(&mut self) -> (f64, f64) {
        let body = json(&self.get("/api/v1/balance"));
        (body["balance"].as_f64().unwrap(), body["escrow"].as_f64().unwrap())
    }

    pub fn micros(&self, key: &str) -> (u64, u64, u64) {
        let account = self.sim.account(key).unwrap();
        (account.balance_micros, account.escrow_micros, account.charged_micros)
    }

    /// An admin request that must succeed; its JSON answer.
    pub fn admin_ok(&mut self, method: &str, path: &str, body: Value) -> Value {
        let response = self.admin(method, path, body);
        assert_eq!(response.status(), Some(200), "{method} {path}: {}", response.text_body());
        json(&response)
    }

    pub fn resume(&mut self, poll: &LongPoll) -> Resumed {
        self.sim.resume(self.now, poll)
    }

    pub fn stream_next(&mut self, stream: &mut EventStream) -> StreamStep {
        self.sim.stream_next(self.now, stream)
    }

    pub fn stats(&mut self) -> Value {
        self.admin_ok("GET", "/__sim/stats", Value::Null)
    }
}

pub fn json(response: &SimResponse) -> Value {
    response.json_body().unwrap_or_else(|| panic!("not JSON: {:?}", response.text_body()))
}

/// Asserts a plain-text error.
pub fn assert_text(response: &SimResponse, status: u16, text: &str) {
    assert_eq!(response.status(), Some(status), "{}", response.text_body());
    assert_eq!(response.text_body(), text);
    assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
}

/// The long-poll a response holds.
pub fn long_poll(response: &SimResponse) -> LongPoll {
    match &response.hold {
        Some(Hold::LongPoll(poll)) => poll.clone(),
        other => panic!("expected a held long-poll, got {other:?}"),
    }
}

/// The event stream a response holds.
pub fn event_stream(response: &SimResponse) -> EventStream {
    match &response.hold {
        Some(Hold::EventStream(stream)) => stream.clone(),
        other => panic!("expected a held event stream, got {other:?}"),
    }
}

/// The answer of a resumed long-poll that must be over.
pub fn answered(resumed: Resumed) -> SimResponse {
    match resumed {
        Resumed::Answer(answer) => answer,
        Resumed::Pending { recheck_by_ms } => panic!("still pending (recheck by {recheck_by_ms})"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Asserts `actual` has the shape of the documented `example`: the same keys (plus, at most, the
/// `extra` ones) with values of the same JSON types, recursively; every element of an array has the
/// shape of the example's first element. A key in `nullable` may also be `null`.
pub fn assert_shape(actual: &Value, example: &Value, extra: &[&str], nullable: &[&str]) {
    check_shape("$", actual, example, extra, nullable);
}

fn check_shape(at: &str, actual: &Value, example: &Value, extra: &[&str], nullable: &[&str]) {
    match (actual, example) {
        (Value::Object(actual), Value::Object(example)) => {
            for key in example.keys() {
                assert!(actual.contains_key(key), "{at}: missing {key:?} in {actual:?}");
            }
            for key in actual.keys() {
                assert!(
                    example.contains_key(key) || extra.contains(&key.as_str()),
                    "{at}: undocumented {key:?} in {actual:?}"
                );
            }
            for (key, value) in example {
                let actual = &actual[key];
                if actual.is_null() && nullable.contains(&key.as_str()) {
                    continue;
                }
                check_shape(&format!("{at}.{key}"), actual, value, extra, nullable);
            }
        }
        (Value::Array(actual), Value::Array(example)) => {
            if let Some(first) = example.first() {
                assert!(!actual.is_empty(), "{at}: an empty list");
                for (i, item) in actual.iter().enumerate() {
                    check_shape(&format!("{at}[{i}]"), item, first, extra, nullable);
                }
            }
        }
        _ => assert_eq!(kind(actual), kind(example), "{at}: {actual} is not like {example}"),
    }
}
