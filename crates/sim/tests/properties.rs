//! Property tests: random operation sequences conserve money and never panic; arbitrary requests
//! never panic nor produce a 5xx; a restored simulator continues identically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{KEY, T0};
use proptest::prelude::*;
use serde_json::json;
use vnum_sim::{AccountConfig, OrderStatus, SimConfig, SimRequest, SimResponse, Simulator, is_admin_path};

const OTHER: &str = "OXGL-other-account";
const SERVICES: [&str; 9] = ["wa", "tg", "go", "fb", "ig", "tk", "oi", "ds", "zz"];
const COUNTRIES: [&str; 9] = ["187", "16", "43", "78", "22", "6", "73", "36", "999"];

#[derive(Debug, Clone)]
enum Op {
    Buy { as_other: bool, service: usize, country: usize, max_price_cents: Option<u16> },
    Status { as_other: bool, order: usize },
    Cancel { as_other: bool, order: usize },
    Finish { as_other: bool, order: usize },
    Another { as_other: bool, order: usize },
    Balance { as_other: bool },
    Wait { ms: u32 },
    AdminClock { seconds: u16 },
    Fault { kind: u8, for_buy: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), 0..SERVICES.len(), 0..COUNTRIES.len(), proptest::option::of(0u16..200))
            .prop_map(|(as_other, service, country, max_price_cents)| Op::Buy {
                as_other, service, country, max_price_cents
            }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(as_other, order)| Op::Status { as_other, order }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(as_other, order)| Op::Cancel { as_other, order }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(as_other, order)| Op::Finish { as_other, order }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(as_other, order)| Op::Another { as_other, order }),
        1 => any::<bool>().prop_map(|as_other| Op::Balance { as_other }),
        3 => (0u32..400_000).prop_map(|ms| Op::Wait { ms }),
        1 => (0u16..2_000).prop_map(|seconds| Op::AdminClock { seconds }),
        1 => (0u8..6, any::<bool>()).prop_map(|(kind, for_buy)| Op::Fault { kind, for_buy }),
    ]
}

fn config() -> SimConfig {
    SimConfig {
        seed: 9,
        sms_delay_seconds: 30,
        cancel_after_seconds: 120,
        order_ttl_seconds: 600,
        accounts: vec![
            AccountConfig { key: KEY.to_owned(), balance: 3.0, banned: false },
            AccountConfig { key: OTHER.to_owned(), balance: 1.5, banned: false },
        ],
        ..SimConfig::default()
    }
}

/// Turns an operation into a request (or a clock move). `ids` are the order ids seen so far.
fn request(op: &Op, ids: &[String], now: &mut u64) -> Option<SimRequest> {
    let key = |as_other: bool| if as_other { OTHER } else { KEY };
    let id = |order: usize| {
        if ids.is_empty() || order.is_multiple_of(7) {
            "00000000-0000-4000-8000-000000000000".to_owned()
        } else {
            ids[order % ids.len()].clone()
        }
    };
    Some(match op {
        Op::Buy { as_other, service, country, max_price_cents } => {
            let mut body = json!({"service": SERVICES[*service], "country": COUNTRIES[*country]});
            if let Some(cents) = max_price_cents {
                body["max_price"] = json!(f64::from(*cents) / 100.0);
            }
            SimRequest::post("/api/v1/numbers/buy").key(key(*as_other)).json(&body)
        }
        Op::Status { as_other, order } => {
            SimRequest::get(&format!("/api/v1/numbers/status?id={}", id(*order))).key(key(*as_other))
        }
        Op::Cancel { as_other, order } => {
            SimRequest::post(&format!("/api/v1/numbers/cancel?id={}", id(*order))).key(key(*as_other))
        }
        Op::Finish { as_other, order } => {
            SimRequest::post(&format!("/api/v1/numbers/finish?id={}", id(*order))).key(key(*as_other))
        }
        Op::Another { as_other, order } => {
            SimRequest::post(&format!("/api/v1/numbers/another?id={}", id(*order))).key(key(*as_other))
        }
        Op::Balance { as_other } => SimRequest::get("/api/v1/balance").key(key(*as_other)),
        Op::Wait { ms } => {
            *now += u64::from(*ms);
            return None;
        }
        Op::AdminClock { seconds } => {
            SimRequest::post("/__sim/clock").body(json!({"advance_seconds": seconds}).to_string())
        }
        Op::Fault { kind, for_buy } => {
            let fault = match kind {
                0 => json!({"kind":"status","status":503}),
                1 => json!({"kind":"html"}),
                2 => json!({"kind":"rate_limit","retry_after_seconds":3}),
                3 => json!({"kind":"drop"}),
                4 => json!({"kind":"invalid_json"}),
                _ => json!({"kind":"delay","ms":10}),
            };
            let mut fault = fault;
            if *for_buy {
                fault["for"] = json!("buy");
            }
            SimRequest::post("/__sim/faults").body(json!({"next": [fault]}).to_string())
        }
    })
}

/// Drives a simulator with operations, remembering what it saw so far; clone it with the simulator to
/// continue a copy the same way.
#[derive(Debug, Clone)]
struct Runner {
    now: u64,
    ids: Vec<String>,
    final_statuses: BTreeMap<String, OrderStatus>,
    initial: BTreeMap<String, u64>,
    initial_stock: BTreeMap<(String, String), u32>,
}

impl Runner {
    fn new() -> Self {
        let fresh = Simulator::new(config());
        Self {
            now: T0,
            ids: Vec::new(),
            final_statuses: BTreeMap::new(),
            initial: fresh.accounts().map(|a| (a.key.clone(), a.balance_micros)).collect(),
            initial_stock: fresh.prices().iter().map(|p| ((p.service.clone(), p.country.clone()), p.stock)).collect(),
        }
    }

    /// Runs `ops`, checking the invariants after every step; returns every response.
    fn run(&mut self, sim: &mut Simulator, ops: &[Op]) -> Result<Vec<SimResponse>, TestCaseError> {
        let mut responses = Vec::new();
        for op in ops {
            let response = self.step(sim, op)?;
            responses.extend(response);
        }
        Ok(responses)
    }

    fn step(&mut self, sim: &mut Simulator, op: &Op) -> Result<Option<SimResponse>, TestCaseError> {
        let Self { now, ids, final_statuses, initial, initial_stock } = self;
        let Some(req) = request(op, ids, now) else {
            return Ok(None);
        };
        let response = sim.handle(*now, &req);
        // Faults may answer 5xx on purpose; admin requests are never faulted nor logged.
        let faulted =
            !is_admin_path(&req.path) && sim.request_log().entries().last().is_some_and(|e| e.fault.is_some());
        if !faulted {
            let status = response.status();
            prop_assert!(status.is_some_and(|s| s < 500), "{op:?} -> {status:?}");
        }
        if let Op::Buy { .. } = op
            && response.status() == Some(200)
            && let Some(id) = response.json_body().and_then(|b| b["id"].as_str().map(str::to_owned))
        {
            ids.push(id);
        }

        // Money: per account, balance + escrow + charged is what it started with; escrow is the cost
        // of the account's open orders, charged the cost of its finished ones.
        for account in sim.accounts() {
            prop_assert_eq!(
                account.balance_micros + account.escrow_micros + account.charged_micros,
                initial[&account.key],
                "conservation for {}",
                account.key
            );
            let open: u64 = sim
                .orders()
                .iter()
                .filter(|o| o.account == account.key && !o.status.is_final())
                .map(|o| o.cost_micros)
                .sum();
            prop_assert_eq!(account.escrow_micros, open);
            let finished: u64 = sim
                .orders()
                .iter()
                .filter(|o| o.account == account.key && o.status == OrderStatus::Finished)
                .map(|o| o.cost_micros)
                .sum();
            prop_assert_eq!(account.charged_micros, finished);
        }
        // Stock: a number is out of stock while its order is open or finished.
        for entry in sim.prices() {
            let held = sim
                .orders()
                .iter()
                .filter(|o| o.service == entry.service && o.country == entry.country)
                .filter(|o| matches!(o.status, OrderStatus::Waiting | OrderStatus::Received | OrderStatus::Finished))
                .count();
            let start = initial_stock[&(entry.service.clone(), entry.country.clone())];
            prop_assert_eq!(u64::from(entry.stock) + held as u64, u64::from(start));
        }
        // Orders: final states never change; codes of one order never repeat; an SMS is never
        // received after expiry.
        for order in sim.orders() {
            if let Some(previous) = final_statuses.get(&order.id) {
                prop_assert_eq!(*previous, order.status);
            }
            if order.status.is_final() {
                final_statuses.insert(order.id.clone(), order.status);
            }
            let mut codes: Vec<&str> = order.messages.iter().map(|m| m.code.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            prop_assert_eq!(codes.len(), order.messages.len());
            prop_assert!(order.messages.iter().all(|m| m.received_at_ms < order.expires_at_ms));
            prop_assert!(order.status != OrderStatus::Received || !order.messages.is_empty());
        }
        Ok(Some(response))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_conserve_money(ops in proptest::collection::vec(op(), 1..80)) {
        let mut sim = Simulator::new(config());
        Runner::new().run(&mut sim, &ops)?;
    }

    #[test]
    fn a_restored_copy_continues_identically(
        ops in proptest::collection::vec(op(), 1..60),
        split in any::<proptest::sample::Index>(),
    ) {
        let split = split.index(ops.len());
        let mut sim = Simulator::new(config());
        let mut runner = Runner::new();
        runner.run(&mut sim, &ops[..split])?;
        let saved = serde_json::to_vec(&sim).unwrap();
        let mut restored: Simulator = serde_json::from_slice(&saved).unwrap();
        prop_assert_eq!(&restored, &sim);
        let mut copy_runner = runner.clone();
        let a = runner.run(&mut sim, &ops[split..])?;
        let b = copy_runner.run(&mut restored, &ops[split..])?;
        prop_assert_eq!(a, b);
        prop_assert_eq!(restored, sim);
    }

    #[test]
    fn same_seed_same_operations_same_responses(ops in proptest::collection::vec(op(), 1..60)) {
        let a = Runner::new().run(&mut Simulator::new(config()), &ops)?;
        let b = Runner::new().run(&mut Simulator::new(config()), &ops)?;
        prop_assert_eq!(a, b);
    }
}

// ---------------------------------------------------------------- arbitrary input

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "/api/v1/balance",
            "/api/v1/services",
            "/api/v1/countries",
            "/api/v1/prices",
            "/api/v1/numbers/buy",
            "/api/v1/numbers/status",
            "/api/v1/numbers/cancel",
            "/api/v1/numbers/finish",
            "/api/v1/numbers/another",
            "/__sim/stats",
            "/__sim/clock",
            "/__sim/accounts",
            "/__sim/config",
            "/__sim/prices",
            "/__sim/orders",
            "/__sim/requests",
            "/__sim/faults",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,40}",
        "/api/v1/\\PC{0,20}",
        "/__sim/\\PC{0,12}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,24}", ".{0,8}", Just(KEY.to_owned()), Just(String::new())]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "\\PC{0,200}".prop_map(String::into_bytes),
        // JSON-looking bodies with random fields and values.
        (text(), text(), proptest::option::of(any::<f64>()), any::<bool>()).prop_map(
            |(service, country, max_price, numeric_country)| {
                let mut body = json!({"service": service, "country": country});
                if numeric_country {
                    body["country"] = json!(-1);
                }
                if let Some(price) = max_price {
                    body["max_price"] = json!(price);
                    body["balance"] = json!(price);
                    body["advance_seconds"] = json!(price);
                }
                body.to_string().into_bytes()
            }
        ),
    ]
}

fn arbitrary_request() -> impl Strategy<Value = SimRequest> {
    (
        prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), ".{0,8}"],
        path(),
        proptest::collection::vec(
            (prop_oneof![Just("id".to_owned()), Just("api_key".to_owned()), text()], text()),
            0..4,
        ),
        proptest::collection::vec((prop_oneof![Just("X-API-Key".to_owned()), text()], text()), 0..4),
        body(),
    )
        .prop_map(|(method, path, query, headers, body)| SimRequest { method, path, query, headers, body })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_requests_get_a_response_below_500(
        reqs in proptest::collection::vec(arbitrary_request(), 1..12),
        times in proptest::collection::vec(any::<u64>(), 12),
    ) {
        let mut sim = Simulator::new(SimConfig::default());
        for (req, now) in reqs.iter().zip(times) {
            let response = sim.handle(now, req);
            let status = response.status();
            prop_assert!(status.is_some_and(|s| (200..500).contains(&s)), "{req:?} -> {status:?}");
            if status.is_some_and(|s| s >= 400) {
                prop_assert!(response.header("content-type").is_some_and(|c| c.starts_with("text/plain")));
            }
        }
        // Whatever happened, the simulator still serialises and answers.
        let restored: Simulator = serde_json::from_str(&serde_json::to_string(&sim).unwrap()).unwrap();
        prop_assert_eq!(restored, sim);
    }
}
