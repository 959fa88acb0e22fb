//! Catalogue answers kept in the isolate's memory for as long as the edge cache keeps them: a request
//! that finds one is answered without a round trip to the cache or the provider. Each isolate has its
//! own, bounded to a few entries; the edge cache behind it is shared across isolates.

/// The answers kept, by cache key.
#[derive(Debug)]
pub struct Memo {
    entries: Vec<Entry>,
    capacity: usize,
}

#[derive(Debug)]
struct Entry {
    key: String,
    body: Vec<u8>,
    expires_at_ms: u64,
}

impl Memo {
    pub const fn new(capacity: usize) -> Self {
        Self { entries: Vec::new(), capacity }
    }

    /// The answer for `key`, while it is fresh at `now_ms`.
    pub fn get(&mut self, key: &str, now_ms: u64) -> Option<Vec<u8>> {
        self.entries.retain(|e| e.expires_at_ms > now_ms);
        self.entries.iter().find(|e| e.key == key).map(|e| e.body.clone())
    }

    /// Keeps `body` for `ttl_seconds`; when full, the entry closest to expiry goes.
    pub fn put(&mut self, key: &str, body: &[u8], now_ms: u64, ttl_seconds: u32) {
        self.entries.retain(|e| e.key != key && e.expires_at_ms > now_ms);
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity
            && let Some(soonest) = (0..self.entries.len()).min_by_key(|&i| self.entries[i].expires_at_ms)
        {
            self.entries.swap_remove(soonest);
        }
        let expires_at_ms = now_ms.saturating_add(u64::from(ttl_seconds) * 1000);
        self.entries.push(Entry { key: key.to_owned(), body: body.to_vec(), expires_at_ms });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_while_fresh_then_forgets() {
        let mut memo = Memo::new(2);
        memo.put("services", b"[1]", 1_000, 10);
        assert_eq!(memo.get("services", 10_999).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(memo.get("services", 11_000), None, "expired at its TTL");
        assert_eq!(memo.get("countries", 1_000), None);
    }

    #[test]
    fn stays_within_its_capacity() {
        let mut memo = Memo::new(2);
        memo.put("a", b"a", 0, 100);
        memo.put("b", b"b", 0, 10);
        memo.put("c", b"c", 0, 100);
        assert_eq!(memo.get("b", 1), None, "the one closest to expiry went");
        assert!(memo.get("a", 1).is_some() && memo.get("c", 1).is_some());
        memo.put("a", b"a2", 5, 100);
        assert_eq!(memo.get("a", 6).as_deref(), Some(&b"a2"[..]), "replaced, not duplicated");
    }
}
