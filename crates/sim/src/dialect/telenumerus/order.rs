//! Telenumerus orders: `pending` until a code arrives (`completed`), is cancelled, or expires.

use serde::{Deserialize, Serialize};

use super::catalogue;
use crate::rng::digits;
use crate::sms::Sms;

/// Where a Telenumerus order is in its life (the wire names of `GET /order/:id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TelenumerusStatus {
    /// Waiting for the SMS; the account's one open order.
    Pending,
    /// A code arrived (final: charged, shows `code`).
    Completed,
    /// Cancelled and refunded (final).
    Cancelled,
    /// Expired without a code and refunded (final).
    Expired,
}

impl TelenumerusStatus {
    /// The wire name, such as `pending`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }
}

/// One Telenumerus order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelenumerusOrder {
    /// Order id (`ord_…`).
    pub id: String,
    /// Owner's API key.
    pub account: String,
    /// Platform code.
    pub platform: String,
    /// ISO country code.
    pub country: String,
    /// The number, E.164.
    pub phone: String,
    /// Price charged at purchase (after the loyalty discount), micro-dollars.
    pub price_micros: u64,
    /// Purchase time, simulated unix-epoch milliseconds.
    pub created_at_ms: u64,
    /// Expiry time.
    pub expires_at_ms: u64,
    /// When the SMS arrives, while one is expected.
    pub sms_due_at_ms: Option<u64>,
    /// Current status.
    pub status: TelenumerusStatus,
    /// Every SMS received, oldest first.
    pub messages: Vec<Sms>,
    /// Seed of the order's code and message id.
    pub sms_seed: u64,
    /// When the order left `pending`.
    pub closed_at_ms: Option<u64>,
}

/// What a change of an order means for its money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderSettlement {
    /// A code arrived: the held price is charged.
    Charge(u64),
    /// Cancelled or expired without a code: the held price goes back to the balance.
    Refund(u64),
}

impl TelenumerusOrder {
    /// The code shown by `GET /order/:id`: the latest SMS's.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.messages.iter().rev().find_map(|m| m.code.as_deref())
    }

    /// Moves the order to `now`: the due SMS arrives (if before expiry), then a still pending order
    /// expires at its `expires_at`.
    pub(crate) fn advance(&mut self, now: u64) -> Option<OrderSettlement> {
        if self.status == TelenumerusStatus::Pending
            && let Some(due) = self.sms_due_at_ms
            && due <= now
            && due < self.expires_at_ms
        {
            let sms = self.automatic_sms(due);
            return self.receive(sms);
        }
        if self.status != TelenumerusStatus::Pending || now < self.expires_at_ms {
            return None;
        }
        self.status = TelenumerusStatus::Expired;
        self.sms_due_at_ms = None;
        self.closed_at_ms = Some(self.expires_at_ms);
        Some(OrderSettlement::Refund(self.price_micros))
    }

    /// Whether the number still receives at `now`: while pending, and once completed until the
    /// order's lifetime ends. Cancelled and expired orders receive nothing.
    pub(crate) fn accepts_sms(&self, now: u64) -> bool {
        match self.status {
            TelenumerusStatus::Pending => true,
            TelenumerusStatus::Completed => now < self.expires_at_ms,
            TelenumerusStatus::Cancelled | TelenumerusStatus::Expired => false,
        }
    }

    /// Records an SMS if the number receives at its arrival ([`TelenumerusOrder::accepts_sms`]). One
    /// with a code completes a pending order; returns the charge when it did. A completed order keeps
    /// later SMS too and shows the latest code.
    pub(crate) fn receive(&mut self, sms: Sms) -> Option<OrderSettlement> {
        if !self.accepts_sms(sms.received_at_ms) {
            return None;
        }
        let completes = self.status == TelenumerusStatus::Pending && sms.code.is_some();
        let at = sms.received_at_ms;
        self.messages.push(sms);
        if !completes {
            return None;
        }
        self.status = TelenumerusStatus::Completed;
        self.sms_due_at_ms = None;
        self.closed_at_ms = Some(at);
        Some(OrderSettlement::Charge(self.price_micros))
    }

    /// Cancels a pending order; returns the refund.
    pub(crate) fn cancel(&mut self, now: u64) -> OrderSettlement {
        self.status = TelenumerusStatus::Cancelled;
        self.sms_due_at_ms = None;
        self.closed_at_ms = Some(now);
        OrderSettlement::Refund(self.price_micros)
    }

    /// The SMS the platform sends: a code of the platform's length, worded like the real service.
    pub(crate) fn automatic_sms(&self, at_ms: u64) -> Sms {
        let position = u64::try_from(self.messages.len()).unwrap_or(u64::MAX);
        let mut rng =
            fastrand::Rng::with_seed(self.sms_seed ^ position.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let code = digits(&mut rng, catalogue::code_length(&self.platform));
        let name = catalogue::platform(&self.platform).map_or(self.platform.as_str(), |(_, name)| name);
        Sms {
            id: crate::sms::message_id(self.sms_seed, self.messages.len()),
            from: name.to_owned(),
            text: catalogue::sms_text(&self.platform, name, &code),
            code: Some(code),
            received_at_ms: at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> TelenumerusOrder {
        TelenumerusOrder {
            id: "ord_a".to_owned(),
            account: "k".to_owned(),
            platform: "google".to_owned(),
            country: "US".to_owned(),
            phone: "+12025550000".to_owned(),
            price_micros: 500_000,
            created_at_ms: 0,
            expires_at_ms: 300_000,
            sms_due_at_ms: Some(10_000),
            status: TelenumerusStatus::Pending,
            messages: Vec::new(),
            sms_seed: 7,
            closed_at_ms: None,
        }
    }

    #[test]
    fn the_code_completes_the_order_and_it_stays_completed() {
        let mut o = order();
        assert_eq!(o.advance(9_999), None);
        assert_eq!(o.advance(10_000), Some(OrderSettlement::Charge(500_000)));
        assert_eq!(o.status, TelenumerusStatus::Completed);
        let code = o.code().expect("a code").to_owned();
        assert_eq!(code.len(), 6);
        assert!(o.messages[0].text.contains(&code));
        assert_eq!(o.messages[0].from, "Google");
        assert_eq!(o.advance(1_000_000), None);
        assert_eq!(o.status, TelenumerusStatus::Completed);
        assert!(o.accepts_sms(299_999));
        assert!(!o.accepts_sms(300_000), "the number is no longer the buyer's");
    }

    #[test]
    fn expiry_refunds_and_a_late_sms_never_arrives() {
        let mut o = order();
        o.sms_due_at_ms = Some(300_000);
        assert_eq!(o.advance(300_000), Some(OrderSettlement::Refund(500_000)));
        assert_eq!(o.status, TelenumerusStatus::Expired);
        assert!(o.messages.is_empty());
        assert_eq!(o.closed_at_ms, Some(300_000));
    }

    #[test]
    fn a_text_without_a_code_does_not_complete() {
        let mut o = order();
        let sms = |code: Option<&str>| Sms {
            id: "m".to_owned(),
            from: "x".to_owned(),
            text: "hello".to_owned(),
            code: code.map(str::to_owned),
            received_at_ms: 5,
        };
        assert_eq!(o.receive(sms(None)), None);
        assert_eq!(o.status, TelenumerusStatus::Pending);
        assert_eq!(o.receive(sms(Some("1234"))), Some(OrderSettlement::Charge(500_000)));
        assert_eq!(o.code(), Some("1234"));

        let mut cancelled = order();
        assert_eq!(cancelled.cancel(6), OrderSettlement::Refund(500_000));
        assert!(!cancelled.accepts_sms(6));
        assert_eq!(cancelled.receive(sms(Some("1234"))), None);
        assert!(cancelled.messages.is_empty());
    }
}
