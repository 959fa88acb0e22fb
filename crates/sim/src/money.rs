//! Money as integer micro-dollars.
//!
//! Every amount inside the simulator is a `u64` count of micro-dollars (1 USD = 1 000 000), so escrow and
//! refunds are exact. Amounts only become `f64` at the wire boundary, where they are multiples of 0.0001
//! and therefore print with at most four decimals (`0.18`, `12.45`).

/// Micro-dollars per dollar.
pub const MICROS_PER_DOLLAR: u64 = 1_000_000;

/// Amounts read from configuration or admin requests are rounded to this many micro-dollars (0.0001 USD),
/// so that what goes out on the wire never has more than four decimals.
pub const WIRE_QUANTUM_MICROS: u64 = 100;

/// The largest amount the simulator accepts from configuration or requests: one billion dollars.
pub const MAX_MICROS: u64 = 1_000_000_000 * MICROS_PER_DOLLAR;

/// Converts micro-dollars into the JSON number the wire carries.
#[must_use]
pub fn to_wire(micros: u64) -> f64 {
    // Both operands are exactly representable and IEEE division is correctly rounded, so the result is
    // the double nearest to the decimal amount, which serde_json prints in its shortest form.
    micros as f64 / MICROS_PER_DOLLAR as f64
}

/// Converts a dollar amount into micro-dollars, rounded to the nearest micro-dollar.
///
/// Returns `None` for NaN, infinities, negative amounts and amounts above [`MAX_MICROS`].
#[must_use]
pub fn from_dollars(dollars: f64) -> Option<u64> {
    if !dollars.is_finite() || dollars < 0.0 {
        return None;
    }
    let micros = (dollars * MICROS_PER_DOLLAR as f64).round();
    if micros > MAX_MICROS as f64 {
        return None;
    }
    // In range 0..=MAX_MICROS and integral, so the conversion is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(micros as u64)
}

/// Like [`from_dollars`], rounded to [`WIRE_QUANTUM_MICROS`] so the amount prints with four decimals at
/// most. Used for balances and prices that come from configuration.
#[must_use]
pub fn from_dollars_quantized(dollars: f64) -> Option<u64> {
    let micros = from_dollars(dollars)?;
    let rounded = (micros + WIRE_QUANTUM_MICROS / 2) / WIRE_QUANTUM_MICROS * WIRE_QUANTUM_MICROS;
    Some(rounded.min(MAX_MICROS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_print_short() {
        let print = |m: u64| serde_json::to_string(&to_wire(m)).expect("f64 serialises");
        assert_eq!(print(180_000), "0.18");
        assert_eq!(print(12_450_000), "12.45");
        assert_eq!(print(850_000), "0.85");
        assert_eq!(print(10_000_000), "10.0");
        assert_eq!(print(1_234_567_800), "1234.5678");
        assert_eq!(print(0), "0.0");
    }

    #[test]
    fn dollars_round_trip() {
        assert_eq!(from_dollars(0.18), Some(180_000));
        assert_eq!(from_dollars(12.45), Some(12_450_000));
        assert_eq!(from_dollars(-0.01), None);
        assert_eq!(from_dollars(f64::NAN), None);
        assert_eq!(from_dollars(f64::INFINITY), None);
        assert_eq!(from_dollars(2e9), None);
        assert_eq!(from_dollars_quantized(1.234_567_89), Some(1_234_600));
        assert_eq!(from_dollars_quantized(0.000_04), Some(0));
        for cents in 0..10_000u64 {
            let micros = cents * 10_000;
            assert_eq!(from_dollars(to_wire(micros)), Some(micros));
        }
    }
}
