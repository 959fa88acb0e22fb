//! Instants as data: the protocol never reads a clock, callers pass `now` in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MS_PER_DAY: i64 = 86_400_000;
/// `9999-12-31T23:59:59.999Z`, the last instant RFC 3339 can write.
const MAX_MILLIS: u64 = 253_402_300_799_999;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A run of ASCII digits of exactly `len` at `at`, as a number.
fn digits(text: &[u8], at: usize, len: usize) -> Option<i64> {
    let part = text.get(at..at + len)?;
    part.iter().try_fold(0i64, |n, b| b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0')))
}

/// A point in time, in milliseconds since the Unix epoch (UTC).
///
/// On the wire it is an RFC 3339 string such as `2026-06-03T14:23:00.000Z`, the form the providers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// This instant moved `seconds` later.
    pub const fn plus_seconds(self, seconds: u64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1000)))
    }

    /// This instant moved `millis` later.
    pub const fn plus_millis(self, millis: u64) -> Self {
        Self(self.0.saturating_add(millis))
    }

    /// Whole milliseconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn millis_since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Seconds from `self` until `later`, rounded up, zero if `later` is not later.
    pub const fn seconds_until(self, later: Timestamp) -> u64 {
        later.0.saturating_sub(self.0).div_ceil(1000)
    }

    /// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `±HH:MM`.
    /// Instants before 1970 are refused.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let t = text.trim().as_bytes();
        let (year, month, day) = (digits(t, 0, 4)?, digits(t, 5, 2)?, digits(t, 8, 2)?);
        let (hour, minute, second) = (digits(t, 11, 2)?, digits(t, 14, 2)?, digits(t, 17, 2)?);
        let separators_ok = t.get(4) == Some(&b'-')
            && t.get(7) == Some(&b'-')
            && matches!(t.get(10), Some(b'T' | b't' | b' '))
            && t.get(13) == Some(&b':')
            && t.get(16) == Some(&b':');
        if !separators_ok
            || !(1..=12).contains(&month)
            || !(1..=days_in_month(year, month)).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut at = 19;
        let mut millis = 0;
        if t.get(at) == Some(&b'.') {
            let fraction: Vec<u8> = t[at + 1..].iter().copied().take_while(u8::is_ascii_digit).collect();
            if fraction.is_empty() {
                return None;
            }
            millis = fraction.iter().chain(b"00").take(3).fold(0, |n, b| n * 10 + i64::from(b - b'0'));
            at += 1 + fraction.len();
        }
        let offset_minutes = match t.get(at..)? {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let minutes = digits(t, at + 1, 2)? * 60 + digits(t, at + 4, 2)?;
                if *sign == b'+' { minutes } else { -minutes }
            }
            _ => return None,
        };
        let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second.min(59)
            - offset_minutes * 60;
        u64::try_from(seconds * 1000 + millis).ok().map(Self)
    }

    /// Formats as RFC 3339 in UTC with milliseconds: `2026-06-03T14:23:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let ms = self.0.min(MAX_MILLIS) as i64;
        let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
        let in_day = ms.rem_euclid(MS_PER_DAY);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            in_day / 3_600_000,
            in_day / 60_000 % 60,
            in_day / 1000 % 60,
            in_day % 1000
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 date-time: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_providers_example() {
        let at = Timestamp::parse_rfc3339("2026-06-03T14:23:00.000Z").expect("valid");
        assert_eq!(at.as_millis(), 1_780_496_580_000);
        assert_eq!(at.to_rfc3339(), "2026-06-03T14:23:00.000Z");
    }

    #[test]
    fn accepts_offsets_and_missing_fraction() {
        let a = Timestamp::parse_rfc3339("2026-06-03T16:23:00+02:00").expect("valid");
        let b = Timestamp::parse_rfc3339("2026-06-03T14:23:00Z").expect("valid");
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_garbage_and_pre_epoch() {
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
        assert_eq!(Timestamp::parse_rfc3339("1969-12-31T23:59:59Z"), None);
    }

    #[test]
    fn calendar_edges() {
        for (text, millis) in [
            ("1970-01-01T00:00:00.000Z", 0),
            ("2000-02-29T00:00:00.007Z", 951_782_400_007),
            ("2024-12-31T23:59:59.999Z", 1_735_689_599_999),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
        ] {
            assert_eq!(Timestamp::parse_rfc3339(text), Some(Timestamp(millis)), "{text}");
            assert_eq!(Timestamp(millis).to_rfc3339(), text);
        }
        assert_eq!(Timestamp(u64::MAX).to_rfc3339(), "9999-12-31T23:59:59.999Z");
        assert_eq!(Timestamp::parse_rfc3339("2026-06-03T14:23:00.5Z"), Some(Timestamp(1_780_496_580_500)));
        assert_eq!(Timestamp::parse_rfc3339("2026-06-03T14:23:00.123456789Z"), Some(Timestamp(1_780_496_580_123)));
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-06-03T24:00:00Z",
            "2026-06-03T14:23:00",
            "2026-06-03T14:23:00.Z",
            "2026-06-03",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_day_round_trips() {
        for day in (0..200_000).step_by(7) {
            let at = Timestamp(day * 86_400_000 + 12_345_678);
            assert_eq!(Timestamp::parse_rfc3339(&at.to_rfc3339()), Some(at));
        }
    }

    #[test]
    fn rounds_seconds_up() {
        let t = Timestamp(1_000);
        assert_eq!(t.seconds_until(Timestamp(1_001)), 1);
        assert_eq!(t.seconds_until(Timestamp(3_000)), 2);
        assert_eq!(t.seconds_until(Timestamp(500)), 0);
    }
}
