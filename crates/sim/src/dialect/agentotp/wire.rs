//! The JSON bodies of the Agent OTP dialect, as its document shows them. They also deserialise, so
//! tests and hosts can read answers back into types.

use serde::{Deserialize, Serialize};

use vnum_protocol::Timestamp;

/// RFC 3339 in UTC like the document's (`2026-01-27T14:00:00Z`), with milliseconds only when there
/// are some (`…14:00:00.250Z`).
#[must_use]
pub fn rfc3339(ms: u64) -> String {
    let text = Timestamp(ms).to_rfc3339();
    match text.strip_suffix(".000Z") {
        Some(whole_seconds) => format!("{whole_seconds}Z"),
        None => text,
    }
}

/// Seconds as the document's `wait_time_seconds` (`15.5`).
pub(crate) fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// `{"success":true,"message":…,"data":…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// `true`.
    pub success: bool,
    /// What happened.
    pub message: String,
    /// The answer.
    pub data: T,
}

/// `data` of `POST /numbers/rent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RentalData {
    /// The number, E.164.
    pub number: String,
    /// ISO country code.
    pub country: String,
    /// `rented`.
    pub status: String,
    /// Start, RFC 3339.
    pub rented_at: String,
    /// End, RFC 3339.
    pub expires_at: String,
    /// Rental id.
    pub rental_id: String,
}

/// `data` of `POST /numbers/{number}/wait-for-otp` once an OTP came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtpData {
    /// `received`.
    pub status: String,
    /// The code.
    pub code: String,
    /// The SMS text.
    pub raw_message: String,
    /// Its sender.
    pub from_number: String,
    /// Its arrival, RFC 3339.
    pub received_at: String,
    /// Seconds the request waited.
    pub wait_time_seconds: f64,
}

/// `data` of `POST /numbers/{number}/wait-for-otp` when the time ran out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeoutData {
    /// `timeout`.
    pub status: String,
    /// Seconds the request waited.
    pub wait_time_seconds: f64,
}

/// `GET /numbers/{number}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesBody {
    /// `true`.
    pub success: bool,
    /// Every message, oldest first.
    pub data: Vec<MessageEntry>,
}

/// One message of `GET /numbers/{number}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntry {
    /// Message id.
    pub id: String,
    /// Sender.
    pub from: String,
    /// The rented number.
    pub to: String,
    /// Text.
    pub body: String,
    /// Arrival, RFC 3339.
    pub received_at: String,
    /// The code in the text, `null` when none.
    pub otp_code: Option<String>,
}

/// `DELETE /numbers/{number}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseBody {
    /// `true`.
    pub success: bool,
    /// `Number +1… released successfully`.
    pub message: String,
}

/// `GET /auth/usage/quota`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaBody {
    /// Plan name.
    pub plan: String,
    /// Rentals allowed.
    pub limit: u64,
    /// Rentals made.
    pub used: u64,
    /// Rentals left.
    pub remaining: u64,
    /// Whether a rental is possible.
    pub has_quota: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_look_like_the_document() {
        assert_eq!(rfc3339(1_769_522_400_000), "2026-01-27T14:00:00Z");
        assert_eq!(rfc3339(1_769_522_400_250), "2026-01-27T14:00:00.250Z");
        assert_eq!(serde_json::to_string(&seconds(15_500)).expect("serialises"), "15.5");
    }
}
