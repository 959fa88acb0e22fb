//! Agent OTP's numbers: a small pool per country, so that a number released or expired is rented
//! again. Number `i` of a country's pool is the same for a given seed, and no two are equal.

use crate::config::CountryConfig;

/// Numbers per country at most, whatever the configured pool size.
pub(crate) const MAX_POOL: u32 = 10_000;
/// Digits of a number that vary between pool members at most (the rest are fixed per country).
const VARYING_DIGITS: u8 = 12;
/// Steps through the varying digits; coprime with 10, so `i ↦ offset + i·STEP` never repeats within
/// 10^digits.
const STEP: u128 = 7_919;

/// How many numbers a country's pool holds with `pool_size` asked for.
pub(crate) fn pool_len(country: &CountryConfig, pool_size: u32) -> u32 {
    let distinct = 10u64.saturating_pow(u32::from(country.phone_digits.min(VARYING_DIGITS)));
    u32::try_from(distinct).unwrap_or(u32::MAX).min(pool_size).min(MAX_POOL)
}

/// Number `index` of the country's pool, E.164: the country's prefix and its `phone_digits` digits.
pub(crate) fn pool_number(country: &CountryConfig, seed: u64, index: u32) -> String {
    let salt =
        country.iso2.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut rng = fastrand::Rng::with_seed(seed ^ salt ^ 0x4147_454E_544F_5450);
    let varying = country.phone_digits.min(VARYING_DIGITS);
    let fixed: String = (varying..country.phone_digits).map(|_| char::from(b'0' + rng.u8(0..10))).collect();
    let modulus = 10u128.pow(u32::from(varying));
    let offset = u128::from(rng.u64(..)) % modulus;
    let value = (offset + u128::from(index) * STEP) % modulus;
    let width = usize::from(varying);
    if width == 0 {
        return format!("{}{fixed}", country.phone_prefix);
    }
    format!("{}{fixed}{value:0width$}", country.phone_prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_countries;

    #[test]
    fn numbers_are_distinct_shaped_and_stable() {
        for country in default_countries() {
            let len = pool_len(&country, 500);
            let mut numbers: Vec<String> = (0..len).map(|i| pool_number(&country, 42, i)).collect();
            for number in &numbers {
                assert!(number.starts_with(&country.phone_prefix), "{number}");
                assert_eq!(number.len(), country.phone_prefix.len() + usize::from(country.phone_digits));
                assert!(number[1..].chars().all(|c| c.is_ascii_digit()));
            }
            assert_eq!(pool_number(&country, 42, 3), pool_number(&country, 42, 3));
            numbers.sort();
            numbers.dedup();
            assert_eq!(numbers.len(), len as usize, "{}", country.iso2);
        }
    }

    #[test]
    fn pools_are_bounded_by_the_digits() {
        let mut tiny = default_countries().remove(0);
        tiny.phone_digits = 1;
        assert_eq!(pool_len(&tiny, 20), 10);
        let mut numbers: Vec<String> = (0..10).map(|i| pool_number(&tiny, 1, i)).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 10);
        assert_eq!(pool_len(&default_countries()[0], u32::MAX), MAX_POOL);
        tiny.phone_digits = 0;
        assert_eq!(pool_len(&tiny, 20), 1);
        assert_eq!(pool_number(&tiny, 1, 0), tiny.phone_prefix);
    }
}
