//! The waiting rule: how a client follows an order, what it asks the proxy next and how long it pauses
//! first. Pure (no IO, no clock): [`Client::wait_for_code`](crate::Client::wait_for_code) and the web
//! app's order watchers both drive it, and tests step it by hand.
//!
//! The rule: ask for the status first; then, while the order waits for an SMS, the proxy's long-poll
//! (`/numbers/wait`, answered as soon as a code arrives) where the proxy offers it, else the status
//! every `interval_ms`. A long-poll that comes back early without news waits out the rest of the
//! interval, so it never becomes a busy loop. A failure is retried after its `Retry-After`, else after
//! the [backoff](vnum_protocol::retry::backoff) of `retry_base_ms` up to `retry_max_ms`; which failures
//! end the following is the caller's [`GiveUp`].

use vnum_protocol::ErrorCode;
use vnum_protocol::api::{OrderStatus, StatusResponse};
use vnum_protocol::retry::backoff;

use crate::Error;

/// A question about the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// `GET /numbers/status`.
    Status,
    /// `GET /numbers/wait`: answered when the order leaves `waiting`, or after its timeout.
    LongPoll,
}

/// Until when the order is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Its code (a program waiting for it).
    Code,
    /// Its end (an app showing it: another SMS, a finish from another tab).
    Ended,
}

/// Which failures end the following.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// Any failure that the proxy says retrying will not fix (`retryable: false`).
    WhenNotRetryable,
    /// Only those that say the order is not the caller's to follow (unknown order, refused token or
    /// id): an app keeps following an order someone paid for through anything else.
    WhenOrderGone,
}

/// The pace of the following.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Between two status requests.
    pub interval_ms: u64,
    /// The first retry of a failure without `Retry-After`; doubled each time after, up to `retry_max_ms`.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
}

/// The next question, and the pause before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Then {
    pub ask: Ask,
    pub after_ms: u64,
}

/// What follows a status answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Ask(Then),
    /// The order has its code ([`Until::Code`]).
    Code,
    /// The order ended without a code to give ([`Until::Code`]), or ended ([`Until::Ended`]).
    Ended,
}

/// One order being followed.
#[derive(Debug, Clone)]
pub struct Waiting {
    until: Until,
    give_up: GiveUp,
    pace: Pace,
    /// Whether to long-poll: wanted, and not refused by the proxy.
    long_poll: bool,
    first: bool,
    failures: u32,
}

impl Waiting {
    pub fn new(until: Until, give_up: GiveUp, pace: Pace, long_poll: bool) -> Self {
        Self { until, give_up, pace, long_poll, first: true, failures: 0 }
    }

    /// The first question: the current status, so that the caller hears it at once.
    pub fn first(&self) -> Ask {
        Ask::Status
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The proxy answered `asked` with `status`, after `spent_ms`.
    pub fn on_status(&mut self, asked: Ask, status: &StatusResponse, spent_ms: u64) -> Next {
        self.failures = 0;
        let first = std::mem::replace(&mut self.first, false);
        let has_code = matches!(status.status, OrderStatus::Received | OrderStatus::Finished)
            && status.sms_code.as_deref().is_some_and(|c| !c.is_empty());
        if self.until == Until::Code && has_code {
            return Next::Code;
        }
        if status.status.is_final() {
            return Next::Ended;
        }
        let ask = if self.long_poll && status.status == OrderStatus::Waiting { Ask::LongPoll } else { Ask::Status };
        let after_ms = match (ask, asked, first) {
            // Straight from the first status to the long-poll.
            (Ask::LongPoll, _, true) => 0,
            // A long-poll that came back early without news waits out the rest of the interval.
            (_, Ask::LongPoll, _) => self.pace.interval_ms.saturating_sub(spent_ms),
            _ => self.pace.interval_ms,
        };
        Next::Ask(Then { ask, after_ms })
    }

    /// Asking `asked` failed with `error`: what to ask again and when, or `None` when the failure ends
    /// the following.
    pub fn on_error(&mut self, asked: Ask, error: &Error) -> Option<Then> {
        self.first = false;
        if asked == Ask::LongPoll && error.code == ErrorCode::NotSupported {
            // A proxy without the long-poll: the status, at the usual pace, from now on.
            self.long_poll = false;
            return Some(Then { ask: Ask::Status, after_ms: self.pace.interval_ms });
        }
        let gives_up = match self.give_up {
            GiveUp::WhenNotRetryable => !error.retryable,
            GiveUp::WhenOrderGone => {
                matches!(error.code, ErrorCode::Unauthorized | ErrorCode::NotFound | ErrorCode::InvalidRequest)
            }
        };
        if gives_up {
            return None;
        }
        let after_ms = error.retry_after_seconds.map_or_else(
            || backoff(self.pace.retry_base_ms, self.failures, self.pace.retry_max_ms),
            |seconds| seconds.saturating_mul(1000),
        );
        self.failures = self.failures.saturating_add(1);
        let ask = if self.long_poll && asked == Ask::LongPoll { Ask::LongPoll } else { Ask::Status };
        Some(Then { ask, after_ms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vnum_protocol::ApiError;

    const PACE: Pace = Pace { interval_ms: 4_000, retry_base_ms: 1_000, retry_max_ms: 30_000 };

    fn status(status: OrderStatus, code: Option<&str>) -> StatusResponse {
        StatusResponse::new(status, code.map(str::to_owned), None, "+15550001111".into())
    }

    #[test]
    fn status_first_then_the_long_poll_then_the_code() {
        let mut waiting = Waiting::new(Until::Code, GiveUp::WhenNotRetryable, PACE, true);
        assert_eq!(waiting.first(), Ask::Status);
        let waiting_status = status(OrderStatus::Waiting, None);
        assert_eq!(
            waiting.on_status(Ask::Status, &waiting_status, 30),
            Next::Ask(Then { ask: Ask::LongPoll, after_ms: 0 })
        );
        // Back early without news: the rest of the interval.
        assert_eq!(
            waiting.on_status(Ask::LongPoll, &waiting_status, 1_000),
            Next::Ask(Then { ask: Ask::LongPoll, after_ms: 3_000 })
        );
        assert_eq!(waiting.on_status(Ask::LongPoll, &status(OrderStatus::Received, Some("1234")), 9_000), Next::Code);
    }

    #[test]
    fn an_app_follows_a_received_order_until_it_ends() {
        let mut waiting = Waiting::new(Until::Ended, GiveUp::WhenOrderGone, PACE, true);
        let received = status(OrderStatus::Received, Some("1234"));
        assert_eq!(
            waiting.on_status(Ask::Status, &received, 10),
            Next::Ask(Then { ask: Ask::Status, after_ms: 4_000 })
        );
        assert_eq!(waiting.on_status(Ask::Status, &status(OrderStatus::Finished, Some("1234")), 10), Next::Ended);
    }

    #[test]
    fn failures_wait_for_retry_after_or_back_off() {
        let mut waiting = Waiting::new(Until::Ended, GiveUp::WhenOrderGone, PACE, false);
        let limited: Error = ApiError::RateLimited { retry_after_seconds: Some(7) }.into();
        assert_eq!(waiting.on_error(Ask::Status, &limited), Some(Then { ask: Ask::Status, after_ms: 7_000 }));
        let down: Error = ApiError::UpstreamUnavailable { status: Some(503), retry_after_seconds: None }.into();
        assert_eq!(waiting.on_error(Ask::Status, &down), Some(Then { ask: Ask::Status, after_ms: 2_000 }));
        assert_eq!(waiting.on_error(Ask::Status, &down), Some(Then { ask: Ask::Status, after_ms: 4_000 }));
        assert_eq!(waiting.failures(), 3);
        // Not retryable, but the order may still be there: an app keeps following.
        let refused: Error = ApiError::UpstreamUnauthorized.into();
        assert!(waiting.on_error(Ask::Status, &refused).is_some());
        assert_eq!(waiting.on_error(Ask::Status, &ApiError::not_found("order").into()), None);
        let mut program = Waiting::new(Until::Code, GiveUp::WhenNotRetryable, PACE, false);
        assert_eq!(program.on_error(Ask::Status, &refused), None);
    }

    #[test]
    fn a_proxy_without_the_long_poll_is_polled() {
        let mut waiting = Waiting::new(Until::Code, GiveUp::WhenNotRetryable, PACE, true);
        let unsupported: Error =
            ApiError::NotSupported { provider: "vnum".into(), operation: "/numbers/wait".into() }.into();
        assert_eq!(waiting.on_error(Ask::LongPoll, &unsupported), Some(Then { ask: Ask::Status, after_ms: 4_000 }));
        let waiting_status = status(OrderStatus::Waiting, None);
        assert_eq!(
            waiting.on_status(Ask::Status, &waiting_status, 10),
            Next::Ask(Then { ask: Ask::Status, after_ms: 4_000 })
        );
    }
}
