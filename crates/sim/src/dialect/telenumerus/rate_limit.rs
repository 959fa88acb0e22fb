//! Telenumerus's per-key rate limit: at most N requests in any 60 s of simulated time.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// The window the limit counts over.
const WINDOW_MS: u64 = 60_000;

/// Admitted requests per API key within the last minute (a sliding log).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RateMeter {
    admitted: BTreeMap<String, VecDeque<u64>>,
}

impl RateMeter {
    /// Admits a request of `key` at `now` when fewer than `limit` were admitted in the 60 s before
    /// it, and counts it; otherwise counts nothing and returns the whole seconds until one is admitted
    /// again (at least 1). A `limit` of 0 admits everything.
    pub(crate) fn admit(&mut self, key: &str, now: u64, limit: u32) -> Result<(), u64> {
        if limit == 0 {
            return Ok(());
        }
        let log = self.admitted.entry(key.to_owned()).or_default();
        while log.front().is_some_and(|&at| at.saturating_add(WINDOW_MS) <= now) {
            log.pop_front();
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if log.len() >= limit {
            let oldest = log.front().copied().unwrap_or(now);
            let wait_ms = oldest.saturating_add(WINDOW_MS).saturating_sub(now);
            return Err(wait_ms.div_ceil(1000).max(1));
        }
        log.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sliding_minute() {
        let mut meter = RateMeter::default();
        for i in 0..3 {
            assert_eq!(meter.admit("k", 1_000 + i * 10_000, 3), Ok(()));
        }
        // The fourth within the minute of the first is refused until the first leaves the window.
        assert_eq!(meter.admit("k", 30_000, 3), Err(31));
        assert_eq!(meter.admit("k", 60_999, 3), Err(1));
        assert_eq!(meter.admit("other", 30_000, 3), Ok(()));
        assert_eq!(meter.admit("k", 61_000, 3), Ok(()));
        assert_eq!(meter.admit("k", 61_001, 3), Err(10));
        assert_eq!(meter.admit("k", 61_001, 0), Ok(()));
    }
}
