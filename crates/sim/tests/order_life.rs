//! Whole orders, all in memory on one fake clock: the order driver (what the Worker's order object
//! decides), the provider dialect (the requests it sends and the answers it reads), and the simulated
//! provider answering over its HTTP surface, as the Worker's transport meets it: a dropped connection
//! is `UPSTREAM_UNAVAILABLE`, an answer slower than the timeout is `UPSTREAM_TIMEOUT`.
//!
//! Minutes of an order's life run in milliseconds. OxgelAPI is the dialect the simulator speaks;
//! the host below takes any [`Dialect`].

use vnum_protocol::api::{BuyRequest, StatusResponse};
use vnum_protocol::dialect::{Ask, Dialect, OrderRef, Oxgel};
use vnum_protocol::driver::{self, Step, Wake};
use vnum_protocol::http::{HttpRequest, HttpResponse, Secret};
use vnum_protocol::order::{Event, Order, OrderPolicy, OrderState};
use vnum_protocol::validate::OrderId;
use vnum_protocol::{ApiError, ErrorCode, Timestamp};
use vnum_sim::{DEFAULT_KEY, EndpointKind, Fault, FaultKind, FaultState, Outcome, SimConfig, SimRequest, Simulator};

/// 2026-06-03T14:23:00Z.
const START_MS: u64 = 1_780_496_580_000;
/// How long the host waits for an answer (the Worker's `UPSTREAM_TIMEOUT_SECONDS` default).
const TIMEOUT_MS: u64 = 10_000;

/// The order's host: the part of the Worker's order object that does IO, with the provider simulated.
struct Host {
    sim: Simulator,
    now_ms: u64,
    dialect: Box<dyn Dialect>,
    /// Every step the driver answered, in order.
    steps: Vec<Step>,
}

impl Host {
    fn new(config: SimConfig) -> Self {
        Self::resume(Simulator::new(config), START_MS)
    }

    /// A host started again on saved state (a restart of the Worker or of the provider's host).
    fn resume(sim: Simulator, now_ms: u64) -> Self {
        Self { sim, now_ms, dialect: Box::new(Oxgel::new(Secret::new(DEFAULT_KEY))), steps: Vec::new() }
    }

    fn now(&self) -> Timestamp {
        Timestamp(self.now_ms)
    }

    /// One exchange with the provider.
    fn send(&mut self, request: Result<HttpRequest, ApiError>) -> Result<HttpResponse, ApiError> {
        let request = request?;
        let sim_request = SimRequest {
            method: request.method.as_str().to_owned(),
            path: format!("/api/v1{}", request.path),
            query: request.query.clone(),
            headers: request.headers.clone(),
            body: request.body.clone().unwrap_or_default().into_bytes(),
        };
        let answer = self.sim.handle(self.now_ms, &sim_request);
        if answer.delay_ms >= TIMEOUT_MS {
            self.now_ms += TIMEOUT_MS;
            return Err(ApiError::UpstreamTimeout { timeout_seconds: TIMEOUT_MS / 1000 });
        }
        self.now_ms += answer.delay_ms;
        match answer.outcome {
            Outcome::Respond { status, headers, body } => Ok(HttpResponse { status, headers, body }),
            Outcome::Drop => Err(ApiError::UpstreamUnavailable { status: None, retry_after_seconds: None }),
        }
    }

    fn buy(&mut self) -> Order {
        let request: BuyRequest = serde_json::from_str(r#"{"service":"wa","country":"187"}"#).expect("a buy request");
        let sent = self.dialect.buy(&request, None);
        let response = self.send(sent).expect("the provider answers the purchase");
        let bought = self.dialect.parse_buy(&response, self.now()).expect("a number");
        Order::new(&bought, self.now(), OrderPolicy::default())
    }

    fn status(&mut self, order: &Order) -> Result<StatusResponse, ApiError> {
        let id = id(order);
        let sent = self.dialect.status(&upstream(order, &id));
        let response = self.send(sent)?;
        self.dialect.parse_status(&response, &upstream(order, &id))
    }

    /// Sleeps until the order's next wake-up and does what the driver says, until `done` or `deadline`.
    fn run(&mut self, order: &mut Order, deadline_ms: u64, done: impl Fn(&Order) -> bool) {
        while !done(order) {
            let Some(wake_at) = order.next_wakeup() else { return };
            if wake_at.0 > deadline_ms {
                return;
            }
            self.now_ms = self.now_ms.max(wake_at.0);
            let step = match driver::on_wake(order, self.now()) {
                Wake::Poll => {
                    let answer = self.status(order);
                    driver::on_poll(order, self.now(), answer)
                }
                Wake::Settled(step) => step,
                Wake::Listen { .. } => panic!("OxgelAPI has no push"),
            };
            self.steps.push(step);
        }
    }

    fn account(&self) -> (u64, u64, u64) {
        let account = self.sim.account(DEFAULT_KEY).expect("the account");
        (account.balance_micros, account.escrow_micros, account.charged_micros)
    }

    fn sim_order(&self, order: &Order) -> &vnum_sim::Order {
        self.sim.order(&order.id).expect("the provider knows the order")
    }
}

fn id(order: &Order) -> OrderId {
    OrderId::parse(&order.id).expect("an order id")
}

/// The order as the provider addresses it (OxgelAPI: by id).
fn upstream<'a>(order: &'a Order, id: &'a OrderId) -> OrderRef<'a> {
    OrderRef { id, service: "wa", phone: &order.phone, rented_at: order.rented_at }
}

fn received(order: &Order) -> bool {
    order.state == OrderState::Received
}

const TEN_DOLLARS: u64 = 10_000_000;
const MINUTE_MS: u64 = 60_000;

#[test]
fn a_whole_order_from_purchase_to_finish() {
    let mut host = Host::new(SimConfig::default());
    let mut order = host.buy();
    let cost = host.sim_order(&order).cost_micros;
    assert_eq!(host.account(), (TEN_DOLLARS - cost, cost, 0), "the price is held");

    host.run(&mut order, START_MS + MINUTE_MS, received);
    assert_eq!(order.state, OrderState::Received);
    let sent = host.sim_order(&order).messages.last().expect("the provider sent an SMS").code.clone();
    assert_eq!(order.latest_code().map(|c| c.code.as_str()), Some(sent.as_str()));
    // The SMS comes after 10 s; the driver asks every 4 s: three polls, the last one changed the order.
    assert_eq!(host.steps.len(), 3);
    assert_eq!(host.steps.iter().filter(|s| s.changed).count(), 1);
    assert_eq!(host.sim_order(&order).status_requests, 3);

    order.check_finish().expect("a received order may finish");
    let order_id = id(&order);
    let Ok(Ask::Send(sent)) = host.dialect.finish(&upstream(&order, &order_id)) else {
        panic!("OxgelAPI finishes upstream")
    };
    let sent = Ok(sent);
    let answer = host.send(sent).and_then(|r| host.dialect.parse_finish(&r)).expect("finished upstream");
    assert_eq!(answer.status, vnum_protocol::api::OrderStatus::Finished);
    let step = driver::on_event(&mut order, host.now(), Event::Finished);
    assert_eq!(step, Step { changed: true, ended: true, wake_at: None });
    assert_eq!(host.account(), (TEN_DOLLARS - cost, 0, cost), "charged once");
    assert_eq!(host.sim.orders().len(), 1, "one purchase");
}

#[test]
fn an_order_without_a_code_expires_and_nothing_is_paid() {
    let mut host = Host::new(SimConfig { sms_delay_seconds: 100_000, ..SimConfig::default() });
    let mut order = host.buy();
    host.run(&mut order, START_MS + 30 * MINUTE_MS, |o| o.state.is_final());
    assert_eq!(order.state, OrderState::Expired);
    assert_eq!(host.steps.last().map(|s| (s.ended, s.wake_at)), Some((true, None)));
    assert!(host.now_ms - START_MS <= 20 * MINUTE_MS + 4_000, "ended at the expiry, not later");
    // The provider saw it expire too, and gave the money back.
    assert_eq!(host.status(&order).map(|s| s.status), Ok(vnum_protocol::api::OrderStatus::Expired));
    assert_eq!(host.account(), (TEN_DOLLARS, 0, 0));
}

#[test]
fn cancel_waits_for_the_window_then_refunds() {
    let mut host = Host::new(SimConfig { sms_delay_seconds: 100_000, ..SimConfig::default() });
    let mut order = host.buy();
    host.run(&mut order, START_MS + 10_000, |_| false);

    // Too early, by the order's own rule and by the provider's: both say when to come back.
    let refused = order.check_cancel(host.now()).expect_err("too early");
    assert_eq!(refused.code(), ErrorCode::CancelTooEarly);
    let retry = refused.retry_after_seconds().expect("a retry time");
    assert!((100..=120).contains(&retry), "retry after {retry} s");
    let sent = host.dialect.cancel(&upstream(&order, &id(&order)));
    let refused_upstream =
        host.send(sent).and_then(|r| host.dialect.parse_cancel(&r)).expect_err("the provider refuses");
    assert_eq!(refused_upstream.code(), ErrorCode::CancelTooEarly);

    let window = order.cancel_allowed_at().0;
    host.run(&mut order, window, |_| false);
    host.now_ms = host.now_ms.max(window);
    order.check_cancel(host.now()).expect("the window is open");
    let sent = host.dialect.cancel(&upstream(&order, &id(&order)));
    let answer = host.send(sent).and_then(|r| host.dialect.parse_cancel(&r)).expect("cancelled upstream");
    assert!(answer.refunded.is_some_and(|r| r > 0.0));
    let step = driver::on_event(&mut order, host.now(), Event::Cancelled);
    assert_eq!(step, Step { changed: true, ended: true, wake_at: None });
    assert_eq!(host.account(), (TEN_DOLLARS, 0, 0), "refunded");
}

#[test]
fn another_sms_brings_a_second_code() {
    let mut host = Host::new(SimConfig::default());
    let mut order = host.buy();
    host.run(&mut order, START_MS + MINUTE_MS, received);
    order.check_another(host.now()).expect("another SMS may be asked for");
    let sent = host.dialect.another(&upstream(&order, &id(&order)));
    host.send(sent).and_then(|r| host.dialect.parse_another(&r)).expect("asked upstream");
    let step = driver::on_event(&mut order, host.now(), Event::AnotherRequested);
    assert!(step.changed && !step.ended);
    assert_eq!(order.state, OrderState::Waiting);

    host.run(&mut order, host.now_ms + MINUTE_MS, received);
    assert_eq!(order.codes.len(), 2, "{:?}", order.codes);
    let sent: Vec<&str> = host.sim_order(&order).messages.iter().map(|m| m.code.as_str()).collect();
    let got: Vec<&str> = order.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(got, sent);
}

#[test]
fn upstream_faults_delay_the_code_and_lose_nothing() {
    let mut host = Host::new(SimConfig::default());
    let mut order = host.buy();
    let status_fault = |kind| Fault { kind, target: Some(EndpointKind::Status) };
    host.sim.set_faults(FaultState {
        latency_ms: 0,
        next: vec![
            status_fault(FaultKind::RateLimit { retry_after_seconds: 30 }),
            status_fault(FaultKind::Status { status: 503, body: None }),
            status_fault(FaultKind::Html { status: 502 }),
            status_fault(FaultKind::Delay { ms: 15_000 }),
            status_fault(FaultKind::Drop),
            status_fault(FaultKind::InvalidJson),
        ],
    });
    host.run(&mut order, START_MS + 10 * MINUTE_MS, received);
    assert_eq!(order.state, OrderState::Received, "the code still came");
    assert!(host.sim.faults().next.is_empty(), "every fault was met");
    assert_eq!(host.steps.iter().filter(|s| s.changed).count(), 1);
    // Six failed polls in a row backed off, and the 429 was honoured: the poll after it came 30 s later
    // (the backoff alone would have waited 8 s).
    let polls: Vec<u64> =
        host.sim.request_log().entries().filter(|r| r.path.ends_with("/status")).map(|r| r.at_ms).collect();
    assert_eq!(polls.len(), 7, "six faults, then the answer");
    assert!(polls[1] - polls[0] >= 30_000, "Retry-After honoured: {polls:?}");
    assert!(polls.windows(2).all(|w| w[1] > w[0]), "{polls:?}");
    assert_eq!(host.sim.orders().len(), 1, "nothing bought twice");
    assert_eq!(order.failed_polls, 0, "the backoff resets after an answer");
}

#[test]
fn a_restart_from_saved_state_continues_the_order() {
    let mut host = Host::new(SimConfig::default());
    let mut order = host.buy();
    host.run(&mut order, START_MS + 5_000, |_| false);
    assert_eq!(order.state, OrderState::Waiting);

    // Everything persisted (the order object's record, the simulator's state), then a fresh start.
    let saved_order = serde_json::to_string(&order).expect("the order saves");
    let saved_sim = serde_json::to_string(&host.sim).expect("the provider saves");
    let now_ms = host.now_ms;
    drop(host);
    let mut host = Host::resume(serde_json::from_str(&saved_sim).expect("restores"), now_ms);
    let mut order: Order = serde_json::from_str(&saved_order).expect("restores");

    host.run(&mut order, now_ms + MINUTE_MS, received);
    assert_eq!(order.state, OrderState::Received);
    let order_id = id(&order);
    let Ok(Ask::Send(sent)) = host.dialect.finish(&upstream(&order, &order_id)) else {
        panic!("OxgelAPI finishes upstream")
    };
    host.send(Ok(sent)).and_then(|r| host.dialect.parse_finish(&r)).expect("finished upstream");
    assert!(driver::on_event(&mut order, host.now(), Event::Finished).ended);
    assert_eq!(host.account().2, host.sim_order(&order).cost_micros, "charged once");
}
