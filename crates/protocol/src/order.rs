//! The life of an order, as a state machine that takes `now` and events and answers what comes next.
//!
//! ```text
//!            code arrives            finish
//!  Waiting ───────────────► Received ───────► Finished
//!     │  ▲                     │
//!     │  └──── another SMS ────┘
//!     ├── cancel (≥ 2 min, no code yet) ──► Cancelled (refunded)
//!     └── expiry, no code ever ──────────► Expired (refunded)
//!         expiry after a code ───────────► Finished
//! ```
//!
//! Final states are absorbing. The machine never reads a clock: every method that depends on time
//! takes `now`, so minutes of an order's life run in microseconds in tests.

use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::api::{BoughtNumber, OrderStatus, ReceivedCode, StatusResponse};
use crate::time::Timestamp;

/// Timing rules of orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPolicy {
    /// Cancelling is refused until this long after purchase (the providers' 2-minute rule).
    pub cancel_after_seconds: u64,
    /// How often the upstream status is polled while an order is open (the providers ask for 4 s).
    pub poll_interval_seconds: u64,
    /// The longest wait between polls after repeated failures.
    pub max_backoff_seconds: u64,
    /// Whether the provider pushes codes: the host listens instead of polling while that works, and
    /// asks nothing more once a code arrived (another SMS is not offered where there is a push).
    #[serde(default)]
    pub push: bool,
}

impl Default for OrderPolicy {
    fn default() -> Self {
        // OxgelAPI's rules, which the demo provider follows too.
        Self {
            cancel_after_seconds: crate::dialect::oxgel::CANCEL_AFTER_SECONDS,
            poll_interval_seconds: crate::dialect::oxgel::POLL_INTERVAL_SECONDS,
            max_backoff_seconds: 60,
            push: false,
        }
    }
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderState {
    Waiting,
    Received,
    Finished,
    Cancelled,
    Expired,
}

impl OrderState {
    /// Whether nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, OrderState::Finished | OrderState::Cancelled | OrderState::Expired)
    }

    /// The wire status of this state.
    pub fn status(self) -> OrderStatus {
        match self {
            OrderState::Waiting => OrderStatus::Waiting,
            OrderState::Received => OrderStatus::Received,
            OrderState::Finished => OrderStatus::Finished,
            OrderState::Cancelled => OrderStatus::Cancelled,
            OrderState::Expired => OrderStatus::Expired,
        }
    }

    fn name(self) -> &'static str {
        match self {
            OrderState::Waiting => "waiting",
            OrderState::Received => "received",
            OrderState::Finished => "finished",
            OrderState::Cancelled => "cancelled",
            OrderState::Expired => "expired",
        }
    }
}

/// What happened to an order, as input to [`Order::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The upstream answered a status request.
    Polled(StatusResponse),
    /// A status request failed; `retry_after_seconds` when the upstream said when to retry.
    PollFailed { retry_after_seconds: Option<u64> },
    /// The upstream accepted a cancel.
    Cancelled,
    /// The upstream accepted a finish.
    Finished,
    /// The upstream accepted a request for another SMS.
    AnotherRequested,
    /// The provider's push answered (a code, an end, or nothing before its timeout): listen again.
    Listened(StatusResponse),
    /// The provider's push failed: poll instead for a while.
    ListenFailed { retry_after_seconds: Option<u64> },
}

/// What the owner of the order should do because of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tell watchers about a new code.
    CodeArrived(ReceivedCode),
    /// Tell watchers about a new state.
    StateChanged { from: OrderState, to: OrderState },
    /// The order's cost returns to the balance.
    Refunded,
}

/// An order and everything known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The upstream's order id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_code: Option<String>,
    pub phone: String,
    pub cost: f64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub state: OrderState,
    /// Every code received, oldest first.
    pub codes: Vec<ReceivedCode>,
    pub policy: OrderPolicy,
    /// Status requests that failed in a row (for backoff).
    #[serde(default)]
    pub failed_polls: u32,
    /// When the next status request (or push) is due; `None` once final, or once a pushed code came.
    pub next_poll_at: Option<Timestamp>,
    /// When the provider's push last failed (the host polls for a while after that).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen_failed_at: Option<Timestamp>,
    /// When the provider started the rental, when it says (messages before it are not this order's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rented_at: Option<Timestamp>,
}

impl Order {
    /// A freshly bought order.
    pub fn new(bought: &BoughtNumber, now: Timestamp, policy: OrderPolicy) -> Self {
        Self {
            id: bought.id.clone(),
            order_code: bought.order_code.clone(),
            phone: bought.phone.clone(),
            cost: bought.cost,
            created_at: now,
            expires_at: bought.expires_at,
            state: OrderState::Waiting,
            codes: Vec::new(),
            policy,
            failed_polls: 0,
            // A push is listened to at once; a poll comes after one interval.
            next_poll_at: Some(if policy.push { now } else { now.plus_seconds(policy.poll_interval_seconds) }),
            listen_failed_at: None,
            rented_at: bought.rented_at,
        }
    }

    /// When cancelling becomes allowed.
    pub fn cancel_allowed_at(&self) -> Timestamp {
        self.created_at.plus_seconds(self.policy.cancel_after_seconds)
    }

    /// The latest code, if any.
    pub fn latest_code(&self) -> Option<&ReceivedCode> {
        self.codes.last()
    }

    /// Whether a cancel may be sent now; the error says why not (and when to retry).
    pub fn check_cancel(&self, now: Timestamp) -> Result<(), ApiError> {
        self.check_open()?;
        if self.state == OrderState::Received || !self.codes.is_empty() {
            return Err(ApiError::OrderClosed { status: "received (an SMS arrived; finish it instead)".to_owned() });
        }
        let allowed_at = self.cancel_allowed_at();
        if now < allowed_at {
            return Err(ApiError::CancelTooEarly { retry_after_seconds: now.seconds_until(allowed_at) });
        }
        Ok(())
    }

    /// Whether a finish may be sent now.
    pub fn check_finish(&self) -> Result<(), ApiError> {
        self.check_open()?;
        if self.state != OrderState::Received {
            return Err(ApiError::NoSmsYet);
        }
        Ok(())
    }

    /// Whether another SMS may be requested now.
    pub fn check_another(&self, now: Timestamp) -> Result<(), ApiError> {
        self.check_open()?;
        if self.state != OrderState::Received {
            return Err(ApiError::NoSmsYet);
        }
        if now >= self.expires_at {
            return Err(ApiError::OrderClosed { status: "expired".to_owned() });
        }
        Ok(())
    }

    fn check_open(&self) -> Result<(), ApiError> {
        if self.state.is_final() {
            return Err(ApiError::OrderClosed { status: self.state.name().to_owned() });
        }
        Ok(())
    }

    /// Applies an event at `now` and returns what follows from it.
    pub fn apply(&mut self, now: Timestamp, event: Event) -> Vec<Effect> {
        let mut effects = self.expire_if_due(now);
        if self.state.is_final() {
            return effects;
        }
        match event {
            Event::Polled(status) => {
                self.failed_polls = 0;
                self.next_poll_at = Some(now.plus_seconds(self.policy.poll_interval_seconds));
                self.take_status(now, status, &mut effects);
            }
            Event::Listened(status) => {
                self.failed_polls = 0;
                self.next_poll_at = Some(now);
                self.take_status(now, status, &mut effects);
            }
            Event::ListenFailed { retry_after_seconds } => {
                self.listen_failed_at = Some(now);
                self.next_poll_at = Some(now.plus_seconds(retry_after_seconds.unwrap_or(0)));
            }
            Event::PollFailed { retry_after_seconds } => {
                self.failed_polls = self.failed_polls.saturating_add(1);
                let backoff = crate::retry::backoff(
                    self.policy.poll_interval_seconds,
                    self.failed_polls,
                    self.policy.max_backoff_seconds,
                );
                let wait = backoff.max(retry_after_seconds.unwrap_or(0)).max(1);
                self.next_poll_at = Some(now.plus_seconds(wait));
            }
            Event::Cancelled => effects.extend(self.move_to(OrderState::Cancelled)),
            Event::Finished => effects.extend(self.move_to(OrderState::Finished)),
            Event::AnotherRequested => {
                if self.state == OrderState::Received {
                    effects.extend(self.move_to(OrderState::Waiting));
                    self.next_poll_at = Some(now.plus_seconds(self.policy.poll_interval_seconds));
                }
            }
        }
        effects
    }

    /// Takes a status the provider reported (by a poll or a push): a new code, a new state.
    fn take_status(&mut self, now: Timestamp, status: StatusResponse, effects: &mut Vec<Effect>) {
        if let Some(code) = status.sms_code.filter(|c| !c.is_empty()) {
            // The same code is reported on every poll (even after asking for another SMS, until it
            // arrives): a code is new when it differs from the latest one.
            if self.latest_code().is_none_or(|c| c.code != code) {
                let received = ReceivedCode { code, text: status.sms_text, received_at: now };
                self.codes.push(received.clone());
                effects.push(Effect::CodeArrived(received));
                effects.extend(self.move_to(OrderState::Received));
            }
        }
        match status.status {
            OrderStatus::Finished => effects.extend(self.move_to(OrderState::Finished)),
            OrderStatus::Cancelled => effects.extend(self.move_to(OrderState::Cancelled)),
            OrderStatus::Expired if self.codes.is_empty() => effects.extend(self.move_to(OrderState::Expired)),
            OrderStatus::Expired => effects.extend(self.move_to(OrderState::Finished)),
            // Waiting, Received and values nobody documents leave the state as it is.
            _ => {}
        }
        // Where the provider pushes, a code is its last word: nothing more is asked until expiry.
        if self.policy.push && self.state == OrderState::Received {
            self.next_poll_at = None;
        }
    }

    /// Moves time forward: an order past its expiry ends (refunded when no code ever came).
    pub fn tick(&mut self, now: Timestamp) -> Vec<Effect> {
        self.expire_if_due(now)
    }

    /// When the owner should act next: the next poll, or expiry, whichever is first; `None` once final.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        if self.state.is_final() {
            return None;
        }
        Some(self.next_poll_at.map_or(self.expires_at, |at| at.min(self.expires_at)))
    }

    fn expire_if_due(&mut self, now: Timestamp) -> Vec<Effect> {
        if self.state.is_final() || now < self.expires_at {
            return Vec::new();
        }
        if self.codes.is_empty() { self.move_to(OrderState::Expired) } else { self.move_to(OrderState::Finished) }
    }

    fn move_to(&mut self, to: OrderState) -> Vec<Effect> {
        let from = self.state;
        if from == to || from.is_final() {
            return Vec::new();
        }
        self.state = to;
        let mut effects = vec![Effect::StateChanged { from, to }];
        if to.is_final() {
            self.next_poll_at = None;
            if matches!(to, OrderState::Cancelled | OrderState::Expired) {
                effects.push(Effect::Refunded);
            }
        }
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bought() -> BoughtNumber {
        BoughtNumber {
            id: "ord-1".into(),
            order_code: Some("ORD-LX9F2A".into()),
            phone: "+15551234567".into(),
            expires_at: Timestamp::from_millis(1_200_000),
            cost: 0.18,
            rented_at: None,
        }
    }

    fn polled(status: OrderStatus, code: Option<&str>) -> Event {
        Event::Polled(StatusResponse::new(status, code.map(str::to_owned), None, String::new()))
    }

    #[test]
    fn cancel_window_counts_down_then_opens() {
        let order = Order::new(&bought(), Timestamp(0), OrderPolicy::default());
        assert_eq!(order.check_cancel(Timestamp(47_000)), Err(ApiError::CancelTooEarly { retry_after_seconds: 73 }));
        assert_eq!(order.check_cancel(Timestamp(119_001)), Err(ApiError::CancelTooEarly { retry_after_seconds: 1 }));
        assert_eq!(order.check_cancel(Timestamp(120_000)), Ok(()));
    }

    #[test]
    fn code_arrives_once_and_another_sms_brings_a_new_one() {
        let mut order = Order::new(&bought(), Timestamp(0), OrderPolicy::default());
        let effects = order.apply(Timestamp(8_000), polled(OrderStatus::Received, Some("482913")));
        assert!(matches!(&effects[0], Effect::CodeArrived(c) if c.code == "482913"));
        assert_eq!(order.state, OrderState::Received);
        assert!(order.apply(Timestamp(12_000), polled(OrderStatus::Received, Some("482913"))).is_empty());
        assert_eq!(order.check_finish(), Ok(()));
        assert!(order.check_cancel(Timestamp(500_000)).is_err());

        order.apply(Timestamp(13_000), Event::AnotherRequested);
        assert_eq!(order.state, OrderState::Waiting);
        // The old code is still reported until the new one arrives: that is not a new code.
        order.apply(Timestamp(17_000), polled(OrderStatus::Waiting, Some("482913")));
        let effects = order.apply(Timestamp(21_000), polled(OrderStatus::Received, Some("771204")));
        assert!(matches!(&effects[0], Effect::CodeArrived(c) if c.code == "771204"));
        assert_eq!(order.codes.len(), 2);
    }

    #[test]
    fn expiry_refunds_only_without_a_code() {
        let mut a = Order::new(&bought(), Timestamp(0), OrderPolicy::default());
        assert!(a.tick(Timestamp(1_199_999)).is_empty());
        assert_eq!(
            a.tick(Timestamp(1_200_000)),
            vec![Effect::StateChanged { from: OrderState::Waiting, to: OrderState::Expired }, Effect::Refunded]
        );
        assert_eq!(a.next_wakeup(), None);

        let mut b = Order::new(&bought(), Timestamp(0), OrderPolicy::default());
        b.apply(Timestamp(5_000), polled(OrderStatus::Received, Some("1234")));
        b.tick(Timestamp(2_000_000));
        assert_eq!(b.state, OrderState::Finished);
    }

    #[test]
    fn failures_back_off_and_honour_retry_after() {
        let mut order = Order::new(&bought(), Timestamp(0), OrderPolicy::default());
        order.apply(Timestamp(4_000), Event::PollFailed { retry_after_seconds: None });
        assert_eq!(order.next_poll_at, Some(Timestamp(12_000)));
        order.apply(Timestamp(12_000), Event::PollFailed { retry_after_seconds: Some(30) });
        assert_eq!(order.next_poll_at, Some(Timestamp(42_000)));
        for _ in 0..10 {
            order.apply(Timestamp(50_000), Event::PollFailed { retry_after_seconds: None });
        }
        assert_eq!(order.next_poll_at, Some(Timestamp(110_000)), "capped at max_backoff_seconds");
        order.apply(Timestamp(60_000), polled(OrderStatus::Waiting, None));
        assert_eq!(order.next_poll_at, Some(Timestamp(64_000)));
    }

    #[test]
    fn unknown_upstream_status_keeps_the_state() {
        let mut order = Order::new(&bought(), Timestamp(0), OrderPolicy::default());
        assert!(order.apply(Timestamp(4_000), polled(OrderStatus::Unknown("on_hold".into()), None)).is_empty());
        assert_eq!(order.state, OrderState::Waiting);
    }

    #[test]
    fn final_orders_refuse_actions() {
        let mut order = Order::new(&bought(), Timestamp(0), OrderPolicy::default());
        order.apply(Timestamp(130_000), Event::Cancelled);
        assert_eq!(order.check_cancel(Timestamp(140_000)), Err(ApiError::OrderClosed { status: "cancelled".into() }));
        assert_eq!(order.check_finish(), Err(ApiError::OrderClosed { status: "cancelled".into() }));
        assert!(order.apply(Timestamp(140_000), polled(OrderStatus::Received, Some("1234"))).is_empty());
    }
}
