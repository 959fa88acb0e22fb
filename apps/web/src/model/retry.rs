//! The pace of requests: polling, long-polls, and when a failed request is tried again.

use vnum_client::Error;
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::contract;

/// Pause between two status requests of an order (the contract's polling pace).
pub const POLL_INTERVAL_MS: u64 = contract::STATUS_POLL_SECONDS as u64 * 1000;
/// Length of one long-poll (`GET /numbers/wait`).
pub const LONG_POLL_SECONDS: u32 = contract::WAIT_DEFAULT_SECONDS;
/// The longest pause between retries of a failed request.
pub const MAX_BACKOFF_MS: u64 = 30_000;

/// How long to wait before trying `error`'s request again on its own (the `attempt`-th retry, from
/// 0), or `None` when it should not be retried automatically: not retryable, an answer that only time
/// on the person's side fixes (cancel window, daily limit), or a wait longer than two minutes.
pub fn retry_delay_ms(error: &Error, attempt: u32) -> Option<u64> {
    if !error.retryable
        || matches!(
            error.code,
            ErrorCode::CancelTooEarly | ErrorCode::SpendLimitReached | ErrorCode::NoSmsYet | ErrorCode::OrderClosed
        )
    {
        return None;
    }
    match error.retry_after_seconds {
        Some(seconds) if seconds > 120 => None,
        Some(seconds) => Some(seconds.max(1) * 1000),
        None => Some(backoff_ms(attempt)),
    }
}

/// 1 s, 2 s, 4 s, … up to [`MAX_BACKOFF_MS`].
pub fn backoff_ms(attempt: u32) -> u64 {
    vnum_client::vnum_protocol::retry::backoff(1_000, attempt, MAX_BACKOFF_MS)
}
