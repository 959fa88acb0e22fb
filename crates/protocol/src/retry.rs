//! How long to wait before trying again: one exponential backoff for every retry in vnum (the order
//! object's polls, the client's waits, the web app's requests), each caller choosing its numbers.

/// `base`, doubled for each earlier `attempt` (from 0), at most `max`: with base 1 and max 30,
/// 1, 2, 4, 8, 16, 30, 30, … (in whatever unit `base` is).
pub fn backoff(base: u64, attempt: u32, max: u64) -> u64 {
    base.saturating_mul(1 << attempt.min(6)).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let waits: Vec<u64> = (0..8).map(|n| backoff(1_000, n, 30_000)).collect();
        assert_eq!(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
        assert_eq!(backoff(4, 1, 60), 8);
        assert_eq!(backoff(4_000, 3, 4_000), 4_000, "a constant pace when base is the cap");
        assert_eq!(backoff(u64::MAX, 40, u64::MAX), u64::MAX, "no overflow");
    }
}
