//! RFC 3339 timestamps with milliseconds, as the provider prints them (`2026-06-03T14:23:00.000Z`).

/// Formats unix-epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
///
/// Instants past the year 9999 are clamped to `9999-12-31T23:59:59.999Z`.
#[must_use]
pub fn rfc3339_millis(epoch_ms: u64) -> String {
    vnum_protocol::Timestamp(epoch_ms).to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(1_780_496_580_000), "2026-06-03T14:23:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400_007), "2000-02-29T00:00:00.007Z");
        assert_eq!(rfc3339_millis(u64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_millis(253_402_300_800_000), "9999-12-31T23:59:59.999Z");
    }
}
