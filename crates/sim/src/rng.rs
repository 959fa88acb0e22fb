//! Serialisable, platform-independent randomness.
//!
//! The generator is `fastrand`'s wyrand, whose whole state is one `u64`: storing it makes a restored
//! simulator continue the exact same sequence. Only `u32`/`u64` draws are used (never `usize`, whose
//! draws differ between 32-bit wasm and 64-bit hosts), so native and Worker runs agree.

use serde::{Deserialize, Serialize};

/// A seeded generator whose state survives serialisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimRng {
    state: u64,
}

impl SimRng {
    /// A generator seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Runs `f` with a live generator and stores its advanced state.
    pub fn with<T>(&mut self, f: impl FnOnce(&mut fastrand::Rng) -> T) -> T {
        let mut rng = fastrand::Rng::with_seed(self.state);
        let out = f(&mut rng);
        self.state = rng.get_seed();
        out
    }
}

const UPPER_ALNUM: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_ALNUM: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// `n` random decimal digits.
pub(crate) fn digits(rng: &mut fastrand::Rng, n: u8) -> String {
    (0..n).map(|_| char::from(b'0' + pick(rng, 10))).collect::<String>()
}

/// `n` random lower-case letters or digits.
pub(crate) fn lower_alnum(rng: &mut fastrand::Rng, n: u8) -> String {
    (0..n).map(|_| char::from(LOWER_ALNUM[usize::from(pick(rng, 36))])).collect()
}

/// A uniformly chosen byte below `bound` (1..=255).
fn pick(rng: &mut fastrand::Rng, bound: u8) -> u8 {
    rng.u8(0..bound.max(1))
}

/// A version-4-shaped UUID in lowercase hex: `xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx` (Y in 8..=b).
pub(crate) fn uuid_v4(rng: &mut fastrand::Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// `ORD-` and six uppercase letters or digits.
pub(crate) fn order_code(rng: &mut fastrand::Rng) -> String {
    let mut out = String::from("ORD-");
    for _ in 0..6 {
        out.push(char::from(UPPER_ALNUM[usize::from(pick(rng, 36))]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_continues() {
        let mut a = SimRng::new(7);
        let first = a.with(|r| r.u64(..));
        let mut b: SimRng = serde_json::from_str(&serde_json::to_string(&a).expect("serialises")).expect("parses");
        assert_eq!(a.with(|r| r.u64(..)), b.with(|r| r.u64(..)));
        assert_ne!(first, a.with(|r| r.u64(..)));
    }

    #[test]
    fn shapes() {
        let mut rng = fastrand::Rng::with_seed(1);
        for _ in 0..200 {
            let id = uuid_v4(&mut rng);
            assert_eq!(id.len(), 36);
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
            assert!(parts[2].starts_with('4'));
            assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
            assert!(id.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
            let code = order_code(&mut rng);
            assert_eq!(code.len(), 10);
            assert!(code.starts_with("ORD-"));
            assert!(code[4..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
            let d = digits(&mut rng, 6);
            assert_eq!(d.len(), 6);
            assert!(d.chars().all(|c| c.is_ascii_digit()));
        }
    }
}
