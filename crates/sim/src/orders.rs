//! Orders: their state machine and the SMS messages they receive.

use serde::{Deserialize, Serialize};

use crate::config::ServiceConfig;
use crate::rng::digits;
use crate::sms::SmsInjection;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Waiting for an SMS (after purchase, or after `another`).
    Waiting,
    /// An SMS arrived; its code is readable.
    Received,
    /// Final: charged (finished by the client, or expired after receiving a code).
    Finished,
    /// Final: cancelled and refunded.
    Cancelled,
    /// Final: expired without any SMS, refunded.
    Expired,
}

impl OrderStatus {
    /// The wire name, such as `waiting`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Received => "received",
            Self::Finished => "finished",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Whether the order can no longer change.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Finished | Self::Cancelled | Self::Expired)
    }
}

impl core::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One SMS delivered to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsMessage {
    /// The verification code, digits only.
    pub code: String,
    /// The full message text.
    pub text: String,
    /// Simulated arrival time, unix-epoch milliseconds.
    pub received_at_ms: u64,
}

/// A rented number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The provider's order id (UUID-shaped).
    pub id: String,
    /// Human-readable order code, `ORD-XXXXXX`.
    pub order_code: String,
    /// API key of the owning account.
    pub account: String,
    /// Service code.
    pub service: String,
    /// Country code.
    pub country: String,
    /// Operator requested at purchase (`any` when none was given).
    pub operator: String,
    /// The rented number, E.164.
    pub phone: String,
    /// Price paid into escrow, micro-dollars.
    pub cost_micros: u64,
    /// Purchase time, unix-epoch milliseconds (simulated clock).
    pub created_at_ms: u64,
    /// Expiry time.
    pub expires_at_ms: u64,
    /// Earliest time a cancel is accepted.
    pub cancel_allowed_at_ms: u64,
    /// When the next SMS arrives, while one is expected.
    pub sms_due_at_ms: Option<u64>,
    /// Current status.
    pub status: OrderStatus,
    /// Every SMS received, oldest first.
    pub messages: Vec<SmsMessage>,
    /// Seed of this order's codes, so each code depends only on the order and its position.
    pub sms_seed: u64,
    /// When the order reached its final status.
    pub closed_at_ms: Option<u64>,
    /// How many status requests asked about this order (tests prove polling is shared with it).
    #[serde(default)]
    pub status_requests: u64,
}

/// What advancing an order's clock did to its money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settlement {
    /// The escrowed cost goes back to the balance.
    Refund(u64),
    /// The escrowed cost is consumed.
    Charge(u64),
}

impl Order {
    /// The latest SMS, if any.
    #[must_use]
    pub fn last_message(&self) -> Option<&SmsMessage> {
        self.messages.last()
    }

    /// Moves the order forward to `now_ms`: SMS arrival, then expiry. Returns the settlement of the
    /// escrow if the order expired. `services` names the service in SMS texts.
    pub(crate) fn advance(&mut self, now_ms: u64, services: &[ServiceConfig]) -> Option<Settlement> {
        if self.status == OrderStatus::Waiting
            && let Some(due) = self.sms_due_at_ms
            && due <= now_ms
            && due < self.expires_at_ms
        {
            let name = services
                .iter()
                .find(|s| s.code == self.service)
                .map_or(self.service.as_str(), |s| s.name.as_str())
                .to_owned();
            self.deliver_sms(due, &name);
        }
        if self.status.is_final() || now_ms < self.expires_at_ms {
            return None;
        }
        self.sms_due_at_ms = None;
        self.closed_at_ms = Some(self.expires_at_ms);
        if self.messages.is_empty() {
            self.status = OrderStatus::Expired;
            Some(Settlement::Refund(self.cost_micros))
        } else {
            self.status = OrderStatus::Finished;
            Some(Settlement::Charge(self.cost_micros))
        }
    }

    /// Delivers an SMS given by the admin API at `at_ms` (`POST /__sim/sms`): its code, or the code in
    /// its text, or (neither given) the SMS the service would send. An order in a final state, or a
    /// text without a code, is refused with the reason.
    pub(crate) fn inject_sms(
        &mut self,
        at_ms: u64,
        injection: &SmsInjection,
        services: &[ServiceConfig],
    ) -> Result<(), String> {
        if self.status.is_final() {
            return Err(format!("order {} is {}", self.id, self.status));
        }
        let name = services
            .iter()
            .find(|s| s.code == self.service)
            .map_or(self.service.as_str(), |s| s.name.as_str())
            .to_owned();
        if injection.is_automatic() {
            self.deliver_sms(at_ms, &name);
            return Ok(());
        }
        let code = injection.code().ok_or("the SMS carries no code (give code, or a body with one)")?;
        let text = injection.text.clone().unwrap_or_else(|| sms_text(&self.service, &name, &code));
        self.messages.push(SmsMessage { code, text, received_at_ms: at_ms });
        self.sms_due_at_ms = None;
        self.status = OrderStatus::Received;
        Ok(())
    }

    fn deliver_sms(&mut self, at_ms: u64, service_name: &str) {
        let code = self.next_code();
        let text = sms_text(&self.service, service_name, &code);
        self.messages.push(SmsMessage { code, text, received_at_ms: at_ms });
        self.sms_due_at_ms = None;
        self.status = OrderStatus::Received;
    }

    /// The code of the next SMS: a pure function of the order's seed and how many SMS it had, never
    /// equal to an earlier code of this order.
    fn next_code(&self) -> String {
        let len = code_length(&self.service);
        let position = u64::try_from(self.messages.len()).unwrap_or(u64::MAX);
        let mut rng =
            fastrand::Rng::with_seed(self.sms_seed ^ position.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let seen = |code: &str| self.messages.iter().any(|m| m.code == code);
        for _ in 0..32 {
            let code = digits(&mut rng, len);
            if !seen(&code) {
                return code;
            }
        }
        // Practically unreachable: bump the last code until it is new (always differs from the last).
        let mut code = self.messages.last().map_or_else(|| "0".repeat(usize::from(len)), |m| m.code.clone());
        for _ in 0..1000 {
            code = increment_digits(&code);
            if !seen(&code) {
                break;
            }
        }
        code
    }
}

/// Number of digits in a service's codes (Telegram sends five).
fn code_length(service: &str) -> u8 {
    if service == "tg" { 5 } else { 6 }
}

/// Adds one to a string of decimal digits, wrapping `999…` to `000…`.
fn increment_digits(code: &str) -> String {
    let mut bytes = code.as_bytes().to_vec();
    for byte in bytes.iter_mut().rev() {
        if *byte == b'9' {
            *byte = b'0';
        } else {
            *byte = byte.saturating_add(1);
            break;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A realistic SMS for `service` carrying `code`.
#[must_use]
pub fn sms_text(service: &str, service_name: &str, code: &str) -> String {
    let (head, tail) = code.split_at(code.len() / 2);
    match service {
        "wa" => format!("Your WhatsApp code is {head}-{tail}. Don't share it."),
        "tg" => {
            format!("Telegram code: {code}. Do not give this code to anyone, even if they say they are from Telegram!")
        }
        "go" => format!("G-{code} is your Google verification code."),
        "fb" => format!("FB-{code} is your Facebook confirmation code."),
        "ig" => format!("Use {head} {tail} to verify your Instagram account."),
        "tk" => format!(
            "[TikTok] {code} is your verification code, valid for 5 minutes. To keep your account safe, never forward this code."
        ),
        "oi" => format!("Your OpenAI verification code is: {code}"),
        "ds" => format!("Your Discord security code is: {code}"),
        _ => format!("Your {service_name} verification code is {code}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(service: &str) -> Order {
        Order {
            id: "id".to_owned(),
            order_code: "ORD-AAAAAA".to_owned(),
            account: "k".to_owned(),
            service: service.to_owned(),
            country: "187".to_owned(),
            operator: "any".to_owned(),
            phone: "+15550000000".to_owned(),
            cost_micros: 180_000,
            created_at_ms: 1_000,
            expires_at_ms: 100_000,
            cancel_allowed_at_ms: 50_000,
            sms_due_at_ms: Some(11_000),
            status: OrderStatus::Waiting,
            messages: Vec::new(),
            sms_seed: 99,
            closed_at_ms: None,
            status_requests: 0,
        }
    }

    #[test]
    fn sms_arrives_at_due_time_not_before() {
        let mut o = order("wa");
        assert_eq!(o.advance(10_999, &[]), None);
        assert_eq!(o.status, OrderStatus::Waiting);
        assert_eq!(o.advance(11_000, &[]), None);
        assert_eq!(o.status, OrderStatus::Received);
        let m = o.last_message().expect("message");
        assert_eq!(m.received_at_ms, 11_000);
        assert_eq!(m.code.len(), 6);
        assert_eq!(m.text, format!("Your WhatsApp code is {}-{}. Don't share it.", &m.code[..3], &m.code[3..]));
    }

    #[test]
    fn telegram_codes_have_five_digits_and_codes_never_repeat() {
        let mut o = order("tg");
        for i in 0..50u64 {
            o.status = OrderStatus::Waiting;
            o.sms_due_at_ms = Some(2_000 + i);
            o.advance(2_000 + i, &[]);
        }
        assert_eq!(o.messages.len(), 50);
        let mut codes: Vec<&str> = o.messages.iter().map(|m| m.code.as_str()).collect();
        assert!(codes.iter().all(|c| c.len() == 5));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 50);
    }

    #[test]
    fn expiry_refunds_without_sms_and_charges_after_one() {
        let mut o = order("go");
        o.sms_due_at_ms = Some(200_000); // after expiry: never arrives
        assert_eq!(o.advance(100_000, &[]), Some(Settlement::Refund(180_000)));
        assert_eq!(o.status, OrderStatus::Expired);
        assert!(o.messages.is_empty());
        assert_eq!(o.advance(200_000, &[]), None);

        let mut o = order("go");
        assert_eq!(o.advance(150_000, &[]), Some(Settlement::Charge(180_000)));
        assert_eq!(o.status, OrderStatus::Finished);
        assert_eq!(o.closed_at_ms, Some(100_000));
        assert!(o.messages[0].text.starts_with("G-"));
    }

    #[test]
    fn increment_wraps() {
        assert_eq!(increment_digits("009"), "010");
        assert_eq!(increment_digits("999"), "000");
    }

    #[test]
    fn texts_carry_the_code() {
        for service in ["wa", "tg", "go", "fb", "ig", "tk", "oi", "ds", "zz"] {
            let text = sms_text(service, "Zed", "123456");
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            assert!(digits.contains("123456"), "{service}: {text}");
        }
    }
}
