//! What the host of an order (the Worker's order object, a test) does next, decided in plain Rust.
//!
//! The host owns the IO: storage, the alarm, the provider, the watchers. It asks the driver at each
//! turn, and carries out what it answers:
//!
//! - on waking ([`on_wake`]): listen to the provider's push ([`Wake::Listen`]) where it has one and it
//!   works, else ask for the status ([`Wake::Poll`]), or neither, with the order possibly changed by
//!   expiry ([`Wake::Settled`]);
//! - on the provider's answer to that ([`on_listen`], [`on_poll`]), or on an action that succeeded
//!   upstream ([`on_event`]): a [`Step`].
//!
//! A [`Step`] says whether the order changed (store it, raise its version, tell the watchers and the
//! owner's list), whether it is over (close the watchers), and when to wake up next.

use crate::ApiError;
use crate::api::StatusResponse;
use crate::order::{Effect, Event, Order};
use crate::time::Timestamp;

/// What the host does after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The order changed in a way watchers hear of (a code, a new state).
    pub changed: bool,
    /// The order reached a final state: watchers are told, then let go.
    pub ended: bool,
    /// When to wake up next; `None` once there is nothing left to do.
    pub wake_at: Option<Timestamp>,
}

/// The longest a push is held before it is asked again.
pub const LISTEN_SECONDS: u64 = 60;
/// A push that ends sooner than this with no news counts as failed, so a provider that closes it at
/// once is not asked again and again.
pub const LISTEN_MIN_SECONDS: u64 = 2;
/// After a push failed, the order is polled for this long before the push is tried again.
pub const LISTEN_RETRY_SECONDS: u64 = 60;

/// What the host does when it wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Ask the provider for the order's status, then pass the answer to [`on_poll`].
    Poll,
    /// Hold the provider's push for at most `seconds`, then pass what it said to [`on_listen`].
    Listen { seconds: u64 },
    /// Nothing to ask now.
    Settled(Step),
}

/// A freshly bought order: store it, and wake for its first poll.
pub fn on_start(order: &Order) -> Step {
    Step { changed: true, ended: false, wake_at: order.next_wakeup() }
}

/// The host woke at `now` (its alarm, or a restart): expire the order if due, and say whether a
/// status request is due.
pub fn on_wake(order: &mut Order, now: Timestamp) -> Wake {
    let expired = order.tick(now);
    if !expired.is_empty() {
        return Wake::Settled(step(order, &expired));
    }
    if order.state.is_final() || order.next_poll_at.is_none_or(|due| due > now) {
        return Wake::Settled(step(order, &[]));
    }
    let push_works = order.listen_failed_at.is_none_or(|failed| now >= failed.plus_seconds(LISTEN_RETRY_SECONDS));
    if order.policy.push && push_works {
        let left = now.seconds_until(order.expires_at);
        return Wake::Listen { seconds: left.clamp(1, LISTEN_SECONDS) };
    }
    Wake::Poll
}

/// The push held since `started` answered at `now` (a status, or an error). A push that ended early
/// with no news counts as failed: the order is polled for a while.
pub fn on_listen(
    order: &mut Order,
    started: Timestamp,
    now: Timestamp,
    answer: Result<StatusResponse, ApiError>,
) -> Step {
    let event = match answer {
        Ok(status)
            if status.sms_code.is_none()
                && !status.status.is_final()
                && now.millis_since(started) < LISTEN_MIN_SECONDS * 1000 =>
        {
            Event::ListenFailed { retry_after_seconds: None }
        }
        Ok(status) => Event::Listened(status),
        Err(error) => Event::ListenFailed { retry_after_seconds: error.retry_after_seconds() },
    };
    on_event(order, now, event)
}

/// The provider answered a status request (or failed to: then the next poll backs off, at least as
/// long as its `Retry-After`).
pub fn on_poll(order: &mut Order, now: Timestamp, answer: Result<StatusResponse, ApiError>) -> Step {
    let event = match answer {
        Ok(status) => Event::Polled(status),
        Err(error) => Event::PollFailed { retry_after_seconds: error.retry_after_seconds() },
    };
    on_event(order, now, event)
}

/// Applies `event` at `now`.
pub fn on_event(order: &mut Order, now: Timestamp, event: Event) -> Step {
    let effects = order.apply(now, event);
    step(order, &effects)
}

fn step(order: &Order, effects: &[Effect]) -> Step {
    Step {
        changed: effects.iter().any(|e| matches!(e, Effect::CodeArrived(_) | Effect::StateChanged { .. })),
        ended: order.state.is_final(),
        wake_at: order.next_wakeup(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{BoughtNumber, OrderStatus};
    use crate::order::{OrderPolicy, OrderState};

    fn order() -> Order {
        let bought = BoughtNumber {
            id: "o-1".into(),
            order_code: None,
            phone: "+15550001111".into(),
            expires_at: Timestamp(600_000),
            cost: 0.18,
            rented_at: None,
        };
        Order::new(&bought, Timestamp(0), OrderPolicy::default())
    }

    fn status(status: OrderStatus, code: Option<&str>) -> StatusResponse {
        StatusResponse::new(status, code.map(str::to_owned), None, "+15550001111".into())
    }

    #[test]
    fn polls_only_when_due_and_wakes_for_the_next_poll() {
        let mut order = order();
        let Wake::Settled(early) = on_wake(&mut order, Timestamp(1_000)) else { panic!("not due yet") };
        assert_eq!(early, Step { changed: false, ended: false, wake_at: Some(Timestamp(4_000)) });
        assert_eq!(on_wake(&mut order, Timestamp(4_000)), Wake::Poll);
        let waiting = on_poll(&mut order, Timestamp(4_000), Ok(status(OrderStatus::Waiting, None)));
        assert_eq!(waiting, Step { changed: false, ended: false, wake_at: Some(Timestamp(8_000)) });
        let code = on_poll(&mut order, Timestamp(8_000), Ok(status(OrderStatus::Received, Some("1234"))));
        assert!(code.changed && !code.ended);
    }

    #[test]
    fn a_failed_poll_waits_at_least_its_retry_after() {
        let mut order = order();
        let step = on_poll(&mut order, Timestamp(4_000), Err(ApiError::RateLimited { retry_after_seconds: Some(30) }));
        assert_eq!(step, Step { changed: false, ended: false, wake_at: Some(Timestamp(34_000)) });
    }

    fn pushed_order() -> Order {
        let bought = BoughtNumber {
            id: "o-2".into(),
            order_code: None,
            phone: "+15550001111".into(),
            expires_at: Timestamp(300_000),
            cost: 0.5,
            rented_at: None,
        };
        let policy =
            OrderPolicy { cancel_after_seconds: 0, poll_interval_seconds: 5, push: true, ..Default::default() };
        Order::new(&bought, Timestamp(0), policy)
    }

    #[test]
    fn a_push_is_listened_to_at_once_and_again_until_a_code_then_nothing_more_is_asked() {
        let mut order = pushed_order();
        assert_eq!(on_wake(&mut order, Timestamp(0)), Wake::Listen { seconds: LISTEN_SECONDS });
        // The push held its full time with no news: listen again right away.
        let quiet = on_listen(&mut order, Timestamp(0), Timestamp(60_000), Ok(status(OrderStatus::Waiting, None)));
        assert_eq!(quiet, Step { changed: false, ended: false, wake_at: Some(Timestamp(60_000)) });
        // Near the end, no longer than the order has left.
        order.next_poll_at = Some(Timestamp(290_000));
        assert_eq!(on_wake(&mut order, Timestamp(290_000)), Wake::Listen { seconds: 10 });
        let code = on_listen(
            &mut order,
            Timestamp(290_000),
            Timestamp(291_000),
            Ok(status(OrderStatus::Received, Some("847291"))),
        );
        assert!(code.changed && !code.ended);
        assert_eq!(code.wake_at, Some(Timestamp(300_000)), "only the expiry is left to wake for");
        assert!(matches!(on_wake(&mut order, Timestamp(292_000)), Wake::Settled(_)));
    }

    #[test]
    fn a_failed_or_instantly_closed_push_falls_back_to_polling_for_a_while() {
        let mut order = pushed_order();
        let failed = on_listen(
            &mut order,
            Timestamp(0),
            Timestamp(100),
            Err(ApiError::UpstreamUnavailable { status: None, retry_after_seconds: None }),
        );
        assert_eq!(failed.wake_at, Some(Timestamp(100)));
        assert_eq!(on_wake(&mut order, Timestamp(100)), Wake::Poll);
        let polled = on_poll(&mut order, Timestamp(100), Ok(status(OrderStatus::Waiting, None)));
        assert_eq!(polled.wake_at, Some(Timestamp(5_100)), "the provider's poll interval");
        assert_eq!(on_wake(&mut order, Timestamp(55_100)), Wake::Poll, "still within the retry spell");
        order.next_poll_at = Some(Timestamp(60_100));
        assert!(matches!(on_wake(&mut order, Timestamp(60_100)), Wake::Listen { .. }), "the push is tried again");
        // A stream the provider closes at once with no news counts as failed too.
        let closed =
            on_listen(&mut order, Timestamp(60_100), Timestamp(60_200), Ok(status(OrderStatus::Waiting, None)));
        assert_eq!(closed.wake_at, Some(Timestamp(60_200)));
        assert_eq!(on_wake(&mut order, Timestamp(60_200)), Wake::Poll);
        // Told to wait, it waits.
        let mut limited = pushed_order();
        let step = on_listen(
            &mut limited,
            Timestamp(0),
            Timestamp(10),
            Err(ApiError::RateLimited { retry_after_seconds: Some(20) }),
        );
        assert_eq!(step.wake_at, Some(Timestamp(20_010)));
    }

    #[test]
    fn expiry_ends_the_order_on_waking() {
        let mut order = order();
        let Wake::Settled(step) = on_wake(&mut order, Timestamp(600_000)) else { panic!("expired") };
        assert_eq!(step, Step { changed: true, ended: true, wake_at: None });
        assert_eq!(order.state, OrderState::Expired);
        assert_eq!(
            on_wake(&mut order, Timestamp(700_000)),
            Wake::Settled(Step { changed: false, ended: true, wake_at: None })
        );
    }
}
