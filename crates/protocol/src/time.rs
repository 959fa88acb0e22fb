//! Instants as data: the protocol never reads a clock, callers pass `now` in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

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

    /// Parses an RFC 3339 date-time (any offset; fractional seconds optional).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let at = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
        let millis = at.unix_timestamp_nanos() / 1_000_000;
        u64::try_from(millis).ok().map(Self)
    }

    /// Formats as RFC 3339 in UTC with milliseconds: `2026-06-03T14:23:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|at| at.format(&format).ok())
            // u64 milliseconds reach far past year 9999, which RFC 3339 cannot write.
            .unwrap_or_else(|| "9999-12-31T23:59:59.999Z".to_owned())
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
    fn rounds_seconds_up() {
        let t = Timestamp(1_000);
        assert_eq!(t.seconds_until(Timestamp(1_001)), 1);
        assert_eq!(t.seconds_until(Timestamp(3_000)), 2);
        assert_eq!(t.seconds_until(Timestamp(500)), 0);
    }
}
