//! Telenumerus's idempotency keys: the same key (per account) with the same request gets the same
//! order, charged once, for 24 hours of simulated time.

use serde::{Deserialize, Serialize};

/// How long a key is remembered.
pub(crate) const RETENTION_MS: u64 = 24 * 3600 * 1000;
/// Keys remembered at most (the oldest are forgotten first).
const CAPACITY: usize = 1000;

/// An order placed under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyedOrder {
    /// The account's API key.
    pub(crate) account: String,
    /// The client's idempotency key.
    pub(crate) key: String,
    /// What was asked, normalised (`/order google US`), to tell a retry from a different request.
    pub(crate) request: String,
    /// The order placed.
    pub(crate) order_id: String,
    /// The answer sent, replayed as it was (`POST /order`); empty for `/verify`, whose answer depends
    /// on the order's state.
    pub(crate) answer: String,
    /// When the key was first used.
    pub(crate) at_ms: u64,
}

/// What a key says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyLookup<'a> {
    /// Never used (or forgotten): go ahead.
    New,
    /// Used for the same request: answer with this.
    Replay(&'a KeyedOrder),
    /// Used for a different request.
    Conflict,
}

/// The remembered keys, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IdempotencyKeys {
    entries: Vec<KeyedOrder>,
}

impl IdempotencyKeys {
    /// Forgets keys older than 24 h, then looks `key` of `account` up for `request`.
    pub(crate) fn lookup(&mut self, now: u64, account: &str, key: &str, request: &str) -> KeyLookup<'_> {
        self.entries.retain(|e| e.at_ms.saturating_add(RETENTION_MS) > now);
        match self.entries.iter().find(|e| e.account == account && e.key == key) {
            None => KeyLookup::New,
            Some(entry) if entry.request == request => KeyLookup::Replay(entry),
            Some(_) => KeyLookup::Conflict,
        }
    }

    /// Remembers a key's order.
    pub(crate) fn remember(&mut self, entry: KeyedOrder) {
        if self.entries.len() >= CAPACITY {
            self.entries.remove(0);
        }
        self.entries.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, at_ms: u64) -> KeyedOrder {
        KeyedOrder {
            account: "a".to_owned(),
            key: key.to_owned(),
            request: "/order google US".to_owned(),
            order_id: "ord_1".to_owned(),
            answer: "{}".to_owned(),
            at_ms,
        }
    }

    #[test]
    fn replays_conflicts_and_forgets_after_a_day() {
        let mut keys = IdempotencyKeys::default();
        assert_eq!(keys.lookup(0, "a", "k", "/order google US"), KeyLookup::New);
        keys.remember(entry("k", 0));
        assert!(matches!(keys.lookup(1, "a", "k", "/order google US"), KeyLookup::Replay(e) if e.order_id == "ord_1"));
        assert_eq!(keys.lookup(1, "a", "k", "/order discord US"), KeyLookup::Conflict);
        assert_eq!(keys.lookup(1, "b", "k", "/order google US"), KeyLookup::New);
        assert_eq!(keys.lookup(RETENTION_MS, "a", "k", "/order google US"), KeyLookup::New);
    }

    #[test]
    fn bounded() {
        let mut keys = IdempotencyKeys::default();
        for i in 0..(CAPACITY + 5) {
            keys.remember(entry(&i.to_string(), 10));
        }
        assert_eq!(keys.entries.len(), CAPACITY);
        assert_eq!(keys.lookup(11, "a", "0", "/order google US"), KeyLookup::New);
        assert!(matches!(keys.lookup(11, "a", "5", "/order google US"), KeyLookup::Replay(_)));
    }
}
