//! The daily spend cap (`DAILY_SPEND_LIMIT`), kept in one Durable Object so every purchase, from any
//! caller and any edge location, counts against the same total. Amounts are whole micro-units.

use std::cell::Cell;

use vnum_protocol::ApiError;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use crate::clock::now;
use crate::objects::{self, LedgerEntry};

const DAY_MS: u64 = 86_400_000;

/// Money as whole micro-units, so sums are exact.
pub fn micros(amount: f64) -> i64 {
    (amount * 1_000_000.0).round() as i64
}

/// What a reservation decides, given today's total.
pub fn decide(spent: i64, entry: LedgerEntry, now_ms: u64) -> Result<i64, ApiError> {
    let total = spent.saturating_add(entry.amount).max(0);
    match entry.limit {
        Some(limit) if entry.amount > 0 && total > limit => Err(ApiError::SpendLimitReached {
            limit: limit as f64 / 1_000_000.0,
            retry_after_seconds: (DAY_MS - now_ms % DAY_MS).div_ceil(1000),
        }),
        _ => Ok(total),
    }
}

/// The ledger object.
#[durable_object]
pub struct SpendLedger {
    state: State,
    today: Cell<Option<(u64, i64)>>,
}

impl std::fmt::Debug for SpendLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpendLedger").finish_non_exhaustive()
    }
}

impl SpendLedger {
    async fn record(&self, entry: LedgerEntry) -> Result<i64, ApiError> {
        let now_ms = now().as_millis();
        let day = now_ms / DAY_MS;
        let key = format!("day:{day}");
        let spent = match self.today.get() {
            Some((d, spent)) if d == day => spent,
            _ => self.state.storage().get::<i64>(&key).await.map_err(|e| objects::internal("ledger", e))?.unwrap_or(0),
        };
        let total = decide(spent, entry, now_ms)?;
        self.today.set(Some((day, total)));
        self.state.storage().put(&key, total).await.map_err(|e| objects::internal("ledger", e))?;
        Ok(total)
    }
}

impl DurableObject for SpendLedger {
    fn new(state: State, _env: Env) -> Self {
        Self { state, today: Cell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        match objects::receive::<LedgerEntry>(&mut req).await {
            Ok(message) => objects::answer(self.record(message.command).await),
            Err(e) => objects::error(&e),
        }
    }
}

/// Adds `amount` to today's spend, refused past `limit`.
pub async fn record(env: &Env, amount: f64, limit: Option<f64>) -> Result<(), ApiError> {
    let entry = LedgerEntry { amount: micros(amount), limit: limit.map(micros) };
    let reply = objects::send(&objects::ledger(env)?, "ledger", &entry).await?;
    if (200..300).contains(&reply.status) {
        return Ok(());
    }
    match vnum_protocol::ErrorBody::parse(&reply.body) {
        Some(body) if body.error_code == vnum_protocol::ErrorCode::SpendLimitReached => {
            Err(ApiError::SpendLimitReached {
                limit: limit.unwrap_or_default(),
                retry_after_seconds: body.retry_after_seconds.unwrap_or(0),
            })
        }
        _ => reply.into_result::<i64>().map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_cap_until_midnight() {
        let cap = Some(micros(1.0));
        assert_eq!(decide(micros(0.8), LedgerEntry { amount: micros(0.18), limit: cap }, 0), Ok(980_000));
        let refused = decide(micros(0.9), LedgerEntry { amount: micros(0.18), limit: cap }, DAY_MS - 61_000);
        assert_eq!(refused, Err(ApiError::SpendLimitReached { limit: 1.0, retry_after_seconds: 61 }));
        // Giving back is never refused, and never goes below zero.
        assert_eq!(decide(micros(0.1), LedgerEntry { amount: -micros(0.5), limit: cap }, 0), Ok(0));
    }
}
