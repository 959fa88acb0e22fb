//! Limits counted over time, decided in plain Rust: a number of events in a sliding window (purchases
//! per caller, requests to the provider per minute), and a number of orders open at once (a provider's
//! "one concurrent order per account"). The hosts keep the state; time is an argument.

use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::time::Timestamp;

/// The window of per-minute limits.
pub const MINUTE_MS: u64 = 60_000;

/// Admits one more event at `now` when fewer than `limit` happened in the `window_ms` before it,
/// recording it in `times` (oldest first; times out of the window are dropped). Otherwise refuses with
/// the seconds until the oldest counted event leaves the window (at least 1). A limit of 0 admits all.
pub fn admit(times: &mut Vec<u64>, now: u64, limit: u32, window_ms: u64) -> Result<(), u64> {
    times.retain(|&at| at.saturating_add(window_ms) > now);
    let limit = limit as usize;
    if limit > 0 && times.len() >= limit {
        let oldest_counted = times[times.len() - limit];
        let wait_ms = oldest_counted.saturating_add(window_ms).saturating_sub(now);
        return Err(wait_ms.div_ceil(1000).max(1));
    }
    times.push(now);
    Ok(())
}

/// One order counted as open, or a purchase under way that may become one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrder {
    /// The order id, or the reservation's name while the purchase is under way.
    pub id: String,
    /// When it stops counting even if nobody says it ended (its expiry).
    pub until: Timestamp,
}

/// The orders open at once for a provider account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrders {
    pub open: Vec<OpenOrder>,
}

impl OpenOrders {
    /// Holds a place for a purchase named `reservation` until `until` (the purchase's own deadline),
    /// when fewer than `limit` orders are open at `now`; otherwise `ORDER_IN_PROGRESS`, retryable once
    /// the first open order can end.
    pub fn reserve(&mut self, reservation: &str, now: Timestamp, until: Timestamp, limit: u32) -> Result<(), ApiError> {
        self.open.retain(|o| o.until > now);
        if self.open.len() >= limit as usize {
            let first_end = self.open.iter().map(|o| o.until).min().unwrap_or(now);
            return Err(ApiError::OrderInProgress { retry_after_seconds: Some(now.seconds_until(first_end).max(1)) });
        }
        self.open.push(OpenOrder { id: reservation.to_owned(), until });
        Ok(())
    }

    /// The purchase held by `reservation` bought order `id`, open until `until` at the latest.
    pub fn confirm(&mut self, reservation: &str, id: &str, until: Timestamp) {
        self.open.retain(|o| o.id != reservation && o.id != id);
        self.open.push(OpenOrder { id: id.to_owned(), until });
    }

    /// The order (or the reservation) `id` is no longer open.
    pub fn close(&mut self, id: &str) {
        self.open.retain(|o| o.id != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_admits_its_limit_then_says_when_a_slot_frees() {
        let mut times = Vec::new();
        for at in [0, 10_000, 20_000] {
            assert_eq!(admit(&mut times, at, 3, MINUTE_MS), Ok(()));
        }
        assert_eq!(admit(&mut times, 30_500, 3, MINUTE_MS), Err(30));
        assert_eq!(times, [0, 10_000, 20_000], "a refused event is not counted");
        assert_eq!(admit(&mut times, 59_999, 3, MINUTE_MS), Err(1));
        assert_eq!(admit(&mut times, 60_000, 3, MINUTE_MS), Ok(()), "the first one has left the window");
        assert_eq!(times, [10_000, 20_000, 60_000]);
        assert_eq!(admit(&mut times, 61_000, 1, MINUTE_MS), Err(59), "a lowered limit counts the newest");
        assert_eq!(admit(&mut times, 61_000, 0, MINUTE_MS), Ok(()), "0 admits all");
    }

    #[test]
    fn one_open_order_at_a_time() {
        let mut open = OpenOrders::default();
        open.reserve("buy-1", Timestamp(0), Timestamp(30_000), 1).expect("first");
        let busy = open.reserve("buy-2", Timestamp(1_000), Timestamp(31_000), 1);
        assert_eq!(busy, Err(ApiError::OrderInProgress { retry_after_seconds: Some(29) }));
        open.confirm("buy-1", "o-1", Timestamp(300_000));
        let busy = open.reserve("buy-2", Timestamp(2_000), Timestamp(32_000), 1);
        assert_eq!(busy, Err(ApiError::OrderInProgress { retry_after_seconds: Some(298) }));
        open.close("o-1");
        open.reserve("buy-2", Timestamp(3_000), Timestamp(33_000), 1).expect("free again");
        // A reservation nobody confirms or closes stops counting at its deadline.
        open.reserve("buy-3", Timestamp(33_000), Timestamp(63_000), 1).expect("buy-2 lapsed");
    }
}
