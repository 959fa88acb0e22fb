//! Agent OTP rentals: a number rented until it is released or its time runs out, and the SMS it
//! receives meanwhile.

use serde::{Deserialize, Serialize};

use crate::rng::digits;
use crate::sms::Sms;

/// Where a rental is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RentalStatus {
    /// The number is the renter's and receives SMS.
    Rented,
    /// Released by the renter (final; the number is back in the pool).
    Released,
    /// Its time ran out (final; the number is back in the pool).
    Expired,
}

impl RentalStatus {
    /// The wire name, such as `rented`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rented => "rented",
            Self::Released => "released",
            Self::Expired => "expired",
        }
    }
}

/// One rental of a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rental {
    /// Rental id (`rent_…`).
    pub rental_id: String,
    /// Renter's API key.
    pub account: String,
    /// The number, E.164.
    pub number: String,
    /// ISO country code.
    pub country: String,
    /// Start, simulated unix-epoch milliseconds.
    pub rented_at_ms: u64,
    /// End, unless released before.
    pub expires_at_ms: u64,
    /// Current status.
    pub status: RentalStatus,
    /// When the automatic SMS arrives, while it is expected.
    pub sms_due_at_ms: Option<u64>,
    /// Every SMS received during the rental, oldest first.
    pub messages: Vec<Sms>,
    /// Seed of the automatic SMS's code and id.
    pub sms_seed: u64,
    /// When the rental ended.
    pub closed_at_ms: Option<u64>,
}

impl Rental {
    /// Whether the number is still the renter's.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status == RentalStatus::Rented
    }

    /// Moves the rental to `now`: the automatic SMS from `sender` arrives (if before the end), then
    /// the rental expires at its `expires_at`.
    pub(crate) fn advance(&mut self, now: u64, sender: &str) {
        if self.is_active()
            && let Some(due) = self.sms_due_at_ms
            && due <= now
            && due < self.expires_at_ms
        {
            let sms = self.automatic_sms(due, sender);
            self.messages.push(sms);
            self.sms_due_at_ms = None;
        }
        if self.is_active() && now >= self.expires_at_ms {
            self.status = RentalStatus::Expired;
            self.sms_due_at_ms = None;
            self.closed_at_ms = Some(self.expires_at_ms);
        }
    }

    /// Records an SMS; only an active rental receives (`false` otherwise).
    pub(crate) fn receive(&mut self, sms: Sms) -> bool {
        if !self.is_active() {
            return false;
        }
        self.messages.push(sms);
        true
    }

    /// Ends the rental now, at the renter's request.
    pub(crate) fn release(&mut self, now: u64) {
        self.status = RentalStatus::Released;
        self.sms_due_at_ms = None;
        self.closed_at_ms = Some(now);
    }

    /// The latest SMS of this rental that carries a code, from `expected_sender` when given (compared
    /// case-insensitively).
    #[must_use]
    pub fn latest_otp(&self, expected_sender: Option<&str>) -> Option<&Sms> {
        self.messages
            .iter()
            .rev()
            .filter(|m| m.code.is_some())
            .find(|m| expected_sender.is_none_or(|sender| m.from.trim().eq_ignore_ascii_case(sender.trim())))
    }

    /// `Your verification code is NNNNNN`, six digits, from `sender`.
    pub(crate) fn automatic_sms(&self, at_ms: u64, sender: &str) -> Sms {
        let position = u64::try_from(self.messages.len()).unwrap_or(u64::MAX);
        let mut rng =
            fastrand::Rng::with_seed(self.sms_seed ^ position.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let code = digits(&mut rng, 6);
        Sms {
            id: crate::sms::message_id(self.sms_seed, self.messages.len()),
            from: sender.to_owned(),
            text: format!("Your verification code is {code}"),
            code: Some(code),
            received_at_ms: at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rental() -> Rental {
        Rental {
            rental_id: "rent_a".to_owned(),
            account: "ak".to_owned(),
            number: "+14165551234".to_owned(),
            country: "CA".to_owned(),
            rented_at_ms: 0,
            expires_at_ms: 300_000,
            status: RentalStatus::Rented,
            sms_due_at_ms: Some(10_000),
            messages: Vec::new(),
            sms_seed: 3,
            closed_at_ms: None,
        }
    }

    fn sms(from: &str, code: Option<&str>) -> Sms {
        Sms {
            id: "m".to_owned(),
            from: from.to_owned(),
            text: "t".to_owned(),
            code: code.map(str::to_owned),
            received_at_ms: 1,
        }
    }

    #[test]
    fn the_automatic_sms_then_expiry() {
        let mut r = rental();
        r.advance(9_999, "+15551234567");
        assert!(r.messages.is_empty());
        r.advance(10_000, "+15551234567");
        let m = &r.messages[0];
        assert_eq!(m.from, "+15551234567");
        assert_eq!(m.text, format!("Your verification code is {}", m.code.as_deref().unwrap_or_default()));
        assert!(r.is_active());
        r.advance(300_000, "+15551234567");
        assert_eq!(r.status, RentalStatus::Expired);
        assert_eq!(r.closed_at_ms, Some(300_000));
        assert!(!r.receive(sms("x", Some("1234"))));
    }

    #[test]
    fn the_latest_otp_by_sender() {
        let mut r = rental();
        assert!(r.receive(sms("Google", Some("1111"))));
        assert!(r.receive(sms("+15550000000", Some("2222"))));
        assert!(r.receive(sms("Google", None)));
        assert_eq!(r.latest_otp(None).and_then(|m| m.code.as_deref()), Some("2222"));
        assert_eq!(r.latest_otp(Some("google")).and_then(|m| m.code.as_deref()), Some("1111"));
        assert_eq!(r.latest_otp(Some("Telegram")), None);
        r.release(5);
        assert_eq!(r.status, RentalStatus::Released);
    }
}
