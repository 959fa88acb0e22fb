//! A fake-clock harness around the sans-IO simulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use vnum_sim::{DEFAULT_KEY, SimConfig, SimRequest, SimResponse, Simulator};

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

    pub fn stats(&mut self) -> Value {
        json(&self.admin("GET", "/__sim/stats", Value::Null))
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
