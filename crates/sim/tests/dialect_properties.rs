//! Property tests of the Telenumerus and Agent OTP dialects: arbitrary requests never panic and get
//! the dialect's own answers; random operations keep money, the one-open-order rule, the pools and the
//! quota consistent; held answers resume without panicking; a restored copy continues identically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::T0;
use proptest::prelude::*;
use serde_json::{Value, json};
use vnum_sim::agentotp::RentalStatus;
use vnum_sim::telenumerus::TelenumerusStatus;
use vnum_sim::{
    AGENTOTP_DEFAULT_KEY, AGENTOTP_DEFAULT_TOKEN, AccountConfig, Dialect, Hold, Resumed, SimConfig, SimRequest,
    SimResponse, Simulator, TELENUMERUS_DEFAULT_KEY,
};

const OTHER: &str = "other-account";

// ---------------------------------------------------------------- arbitrary input

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "/api/v1/register",
            "/api/v1/services",
            "/api/v1/availability",
            "/api/v1/health",
            "/api/v1/deposit/addresses",
            "/api/v1/deposit/verify",
            "/api/v1/order",
            "/api/v1/verify",
            "/api/v1/agent",
            "/api/v1/batch",
            "/api/v1/order/x",
            "/api/v1/order/x/stream",
            "/api/v1/order/x/cancel",
            "/api/v1/account",
            "/api/v1/usage",
            "/api/v1/webhook",
            "/api/v1/numbers/rent",
            "/api/v1/numbers/%2B15550000000",
            "/api/v1/numbers/+15550000000/wait-for-otp",
            "/api/v1/numbers/+15550000000/messages",
            "/api/v1/auth/usage/quota",
            "/__sim/sms",
            "/__sim/prices",
            "/__sim/accounts",
            "/__sim/config",
        ])
        .prop_map(str::to_owned),
        "/api/v1/\\PC{0,24}",
        "/api/v1/numbers/\\PC{0,16}",
        "/api/v1/order/\\PC{0,16}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,16}",
        Just(TELENUMERUS_DEFAULT_KEY.to_owned()),
        Just(AGENTOTP_DEFAULT_KEY.to_owned()),
        Just(format!("Bearer {AGENTOTP_DEFAULT_TOKEN}")),
        Just(format!("Bearer {TELENUMERUS_DEFAULT_KEY}")),
        Just(String::new()),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        (text(), text(), any::<i64>(), any::<bool>()).prop_map(|(a, b, n, flag)| {
            let mut body = json!({"platform": a, "country": b, "timeout_seconds": n, "query": a,
                                  "expected_sender": b, "id": a, "code": b, "idempotency_key": b});
            if flag {
                body["orders"] = json!([{"platform": "google"}, {"platform": a}]);
                body["country"] = json!("US");
                body["platform"] = json!("google");
            }
            body.to_string().into_bytes()
        }),
    ]
}

fn arbitrary_request() -> impl Strategy<Value = SimRequest> {
    (
        prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("DELETE".to_owned()), Just("PUT".to_owned())],
        path(),
        proptest::collection::vec((prop_oneof![Just("country".to_owned()), Just("api_key".to_owned())], text()), 0..2),
        proptest::collection::vec(
            (prop_oneof![Just("X-API-Key".to_owned()), Just("Authorization".to_owned()), text()], text()),
            0..3,
        ),
        body(),
    )
        .prop_map(|(method, path, query, headers, body)| SimRequest { method, path, query, headers, body })
}

/// Whether a 5xx is one the dialect documents: Telenumerus's `PROVIDER_UNAVAILABLE` (no stock) and
/// Agent OTP's 500 (an exhausted pool).
fn documented_5xx(dialect: Dialect, response: &SimResponse) -> bool {
    let body = response.json_body().unwrap_or(Value::Null);
    match dialect {
        Dialect::Telenumerus => response.status() == Some(503) && body["error_code"] == "PROVIDER_UNAVAILABLE",
        Dialect::Agentotp => response.status() == Some(500) && body["success"] == false,
        Dialect::Oxgel => false,
    }
}

/// Resumes whatever a response holds, as a host would, a few times.
fn resume_held(sim: &mut Simulator, now: u64, response: &SimResponse) -> Result<(), TestCaseError> {
    match &response.hold {
        None => {}
        Some(Hold::LongPoll(poll)) => {
            for step in [0, 60_000, 600_000, 4_000_000] {
                if let Resumed::Answer(answer) = sim.resume(now + step, poll) {
                    prop_assert!(answer.status().is_some());
                    prop_assert!(answer.hold.is_none());
                    return Ok(());
                }
            }
            prop_assert!(false, "a long-poll past its deadline must answer");
        }
        Some(Hold::EventStream(stream)) => {
            let mut stream = stream.clone();
            for step in [0, 15_000, 600_000] {
                let next = sim.stream_next(now + step, &mut stream);
                if next.ended {
                    return Ok(());
                }
            }
            prop_assert!(false, "a stream past its order's expiry must end");
        }
    }
    Ok(())
}

fn check_arbitrary(dialect: Dialect, reqs: &[SimRequest], times: &[u64]) -> Result<(), TestCaseError> {
    let mut sim = Simulator::new(SimConfig::for_dialect(dialect));
    let mut now = T0;
    for (req, step) in reqs.iter().zip(times) {
        now += step;
        let response = sim.handle(now, req);
        let status = response.status();
        prop_assert!(
            status.is_some_and(|s| (200..500).contains(&s)) || documented_5xx(dialect, &response),
            "{req:?} -> {status:?} {}",
            response.text_body()
        );
        if status.is_some_and(|s| s >= 400) && !req.path.starts_with("/__sim") {
            let body = response.json_body();
            prop_assert!(body.is_some(), "errors are JSON: {}", response.text_body());
        }
        resume_held(&mut sim, now, &response)?;
    }
    let restored: Simulator = serde_json::from_str(&serde_json::to_string(&sim).unwrap()).unwrap();
    prop_assert_eq!(restored, sim);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_telenumerus_requests_get_its_answers(
        reqs in proptest::collection::vec(arbitrary_request(), 1..12),
        times in proptest::collection::vec(0u64..200_000, 12),
    ) {
        check_arbitrary(Dialect::Telenumerus, &reqs, &times)?;
    }

    #[test]
    fn arbitrary_agentotp_requests_get_its_answers(
        reqs in proptest::collection::vec(arbitrary_request(), 1..12),
        times in proptest::collection::vec(0u64..200_000, 12),
    ) {
        check_arbitrary(Dialect::Agentotp, &reqs, &times)?;
    }
}

// ---------------------------------------------------------------- Telenumerus: money and the one-order rule

#[derive(Debug, Clone)]
enum TnOp {
    Order { other: bool, platform: usize, key: Option<u8> },
    Cancel { other: bool, order: usize },
    Status { other: bool, order: usize },
    Inject { order: usize },
    Wait { ms: u32 },
}

const PLATFORMS: [&str; 4] = ["google", "discord", "wise", "myspace"];

fn tn_op() -> impl Strategy<Value = TnOp> {
    prop_oneof![
        4 => (any::<bool>(), 0..PLATFORMS.len(), proptest::option::of(0u8..3))
            .prop_map(|(other, platform, key)| TnOp::Order { other, platform, key }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(other, order)| TnOp::Cancel { other, order }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(other, order)| TnOp::Status { other, order }),
        1 => any::<usize>().prop_map(|order| TnOp::Inject { order }),
        3 => (0u32..200_000).prop_map(|ms| TnOp::Wait { ms }),
    ]
}

fn tn_config() -> SimConfig {
    let mut config = SimConfig::for_dialect(Dialect::Telenumerus);
    config.sms_delay_seconds = 60;
    config.rate_limit_per_minute = 0;
    config.accounts[0].balance = 3.0;
    config.accounts.push(AccountConfig { key: OTHER.to_owned(), balance: 1.0, banned: false });
    config.price_overrides.push(vnum_sim::PriceOverride {
        service: "discord".to_owned(),
        country: "US".to_owned(),
        price: Some(0.3),
        stock: Some(50),
    });
    config
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn telenumerus_money_and_open_orders_stay_consistent(ops in proptest::collection::vec(tn_op(), 1..60)) {
        let mut sim = Simulator::new(tn_config());
        let initial: Vec<(String, u64)> = sim.accounts().map(|a| (a.key.clone(), a.balance_micros)).collect();
        let mut now = T0;
        let mut ids: Vec<String> = Vec::new();
        for op in &ops {
            let key = |other: bool| if other { OTHER } else { TELENUMERUS_DEFAULT_KEY };
            let id = |order: usize| ids.get(order % ids.len().max(1)).cloned().unwrap_or_default();
            let response = match op {
                TnOp::Order { other, platform, key: idem } => {
                    let mut body = json!({"platform": PLATFORMS[*platform]});
                    if let Some(idem) = idem {
                        body["idempotency_key"] = json!(format!("k{idem}"));
                    }
                    Some(sim.handle(now, &SimRequest::post("/api/v1/order").key(key(*other)).json(&body)))
                }
                TnOp::Cancel { other, order } => Some(sim.handle(
                    now,
                    &SimRequest::post(&format!("/api/v1/order/{}/cancel", id(*order))).key(key(*other)),
                )),
                TnOp::Status { other, order } => {
                    Some(sim.handle(now, &SimRequest::get(&format!("/api/v1/order/{}", id(*order))).key(key(*other))))
                }
                TnOp::Inject { order } => Some(sim.handle(
                    now,
                    &SimRequest::post("/__sim/sms").body(json!({"id": id(*order), "code": "1234"}).to_string()),
                )),
                TnOp::Wait { ms } => {
                    now += u64::from(*ms);
                    None
                }
            };
            if let Some(response) = response {
                prop_assert!(response.status().is_some_and(|s| s < 500) || documented_5xx(Dialect::Telenumerus, &response));
                if let Some(order_id) = response.json_body().and_then(|b| b["order_id"].as_str().map(str::to_owned))
                    && !ids.contains(&order_id)
                {
                    ids.push(order_id);
                }
            }
            for (key, start) in &initial {
                let account = sim.account(key).unwrap();
                prop_assert_eq!(account.balance_micros + account.escrow_micros + account.charged_micros, *start);
                let mine: Vec<_> = sim.telenumerus_orders().iter().filter(|o| &o.account == key).collect();
                let pending: Vec<_> = mine.iter().filter(|o| o.status == TelenumerusStatus::Pending).collect();
                prop_assert!(pending.len() <= 1, "one open order per account");
                prop_assert_eq!(account.escrow_micros, pending.iter().map(|o| o.price_micros).sum::<u64>());
                let completed: u64 =
                    mine.iter().filter(|o| o.status == TelenumerusStatus::Completed).map(|o| o.price_micros).sum();
                prop_assert_eq!(account.charged_micros, completed);
            }
            for order in sim.telenumerus_orders() {
                prop_assert_eq!(order.status == TelenumerusStatus::Completed, order.code().is_some());
                prop_assert!(order.messages.iter().all(|m| m.received_at_ms < order.expires_at_ms));
            }
        }
    }
}

// ---------------------------------------------------------------- Agent OTP: pools and quota

#[derive(Debug, Clone)]
enum AoOp {
    Rent { other: bool, us: bool, seconds: Option<u16> },
    Release { other: bool, rental: usize },
    Wait { other: bool, rental: usize },
    Clock { ms: u32 },
}

fn ao_op() -> impl Strategy<Value = AoOp> {
    prop_oneof![
        3 => (any::<bool>(), any::<bool>(), proptest::option::of(1u16..600))
            .prop_map(|(other, us, seconds)| AoOp::Rent { other, us, seconds }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(other, rental)| AoOp::Release { other, rental }),
        2 => (any::<bool>(), any::<usize>()).prop_map(|(other, rental)| AoOp::Wait { other, rental }),
        2 => (0u32..400_000).prop_map(|ms| AoOp::Clock { ms }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn agentotp_pools_and_quota_stay_consistent(ops in proptest::collection::vec(ao_op(), 1..60)) {
        let mut config = SimConfig::for_dialect(Dialect::Agentotp);
        config.number_pool_size = 2;
        config.quota_limit = 12;
        config.accounts.push(AccountConfig { key: OTHER.to_owned(), balance: 0.0, banned: false });
        let mut sim = Simulator::new(config);
        let mut now = T0;
        let mut numbers: Vec<String> = Vec::new();
        for op in &ops {
            let key = |other: bool| if other { OTHER } else { AGENTOTP_DEFAULT_KEY };
            let number = |i: usize| numbers.get(i % numbers.len().max(1)).cloned().unwrap_or_default();
            let response = match op {
                AoOp::Rent { other, us, seconds } => {
                    let mut body = json!({"country": if *us { "US" } else { "CA" }});
                    if let Some(seconds) = seconds {
                        body["timeout_seconds"] = json!(seconds);
                    }
                    Some(sim.handle(now, &SimRequest::post("/api/v1/numbers/rent").key(key(*other)).json(&body)))
                }
                AoOp::Release { other, rental } => Some(sim.handle(
                    now,
                    &SimRequest::new("DELETE", &format!("/api/v1/numbers/{}", number(*rental))).key(key(*other)),
                )),
                AoOp::Wait { other, rental } => Some(sim.handle(
                    now,
                    &SimRequest::post(&format!("/api/v1/numbers/{}/wait-for-otp", number(*rental)))
                        .key(key(*other))
                        .json(&json!({"timeout_seconds": 5})),
                )),
                AoOp::Clock { ms } => {
                    now += u64::from(*ms);
                    None
                }
            };
            if let Some(response) = response {
                prop_assert!(response.status().is_some_and(|s| s < 500) || documented_5xx(Dialect::Agentotp, &response));
                if let Some(n) = response.json_body().and_then(|b| b["data"]["number"].as_str().map(str::to_owned))
                    && !numbers.contains(&n)
                {
                    numbers.push(n);
                }
                resume_held(&mut sim.clone(), now, &response)?;
            }
            let active: Vec<&str> =
                sim.rentals().iter().filter(|r| r.status == RentalStatus::Rented).map(|r| r.number.as_str()).collect();
            let distinct: BTreeSet<&str> = active.iter().copied().collect();
            prop_assert_eq!(distinct.len(), active.len(), "a number is rented once at a time");
            prop_assert!(numbers.len() <= 4, "two pools of two numbers: {:?}", numbers);
            for key in [AGENTOTP_DEFAULT_KEY, OTHER] {
                let made = sim.rentals().iter().filter(|r| r.account == key).count() as u64;
                prop_assert_eq!(sim.account(key).unwrap().quota.used, made);
                prop_assert!(made <= 12);
            }
            for rental in sim.rentals() {
                prop_assert!(rental.messages.iter().all(|m| m.received_at_ms >= rental.rented_at_ms));
                prop_assert!(rental.messages.iter().all(|m| m.received_at_ms < rental.expires_at_ms));
            }
        }
    }
}
