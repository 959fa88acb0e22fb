//! SMS messages of the Telenumerus and Agent OTP dialects (sender, text, the code in it), and reading
//! a code out of a text. OxgelAPI orders keep their own [`SmsMessage`](crate::SmsMessage).

use serde::{Deserialize, Serialize};

/// One SMS received by a Telenumerus order or an Agent OTP rental.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    /// Message id (`msg_…`).
    pub id: String,
    /// Sender, such as `+15551234567` or `Google`.
    pub from: String,
    /// The full text.
    pub text: String,
    /// The verification code in the text, digits only; `None` when the text carries none.
    pub code: Option<String>,
    /// Arrival, simulated unix-epoch milliseconds.
    pub received_at_ms: u64,
}

/// What `POST /__sim/sms` asks to deliver; each dialect fills in what is missing (sender, wording,
/// a generated code when neither text nor code is given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SmsInjection {
    /// Sender.
    pub(crate) from: Option<String>,
    /// Text.
    pub(crate) text: Option<String>,
    /// Code (digits).
    pub(crate) code: Option<String>,
}

impl SmsInjection {
    /// The code: the one given, else the one in the text.
    pub(crate) fn code(&self) -> Option<String> {
        self.code.clone().or_else(|| self.text.as_deref().and_then(extract_code))
    }

    /// Whether nothing but (maybe) a sender was given: the dialect sends its usual SMS.
    pub(crate) fn is_automatic(&self) -> bool {
        self.text.is_none() && self.code.is_none()
    }
}

/// A message id (`msg_` and 12 hex digits) that depends only on a seed and the message's position.
pub(crate) fn message_id(seed: u64, position: usize) -> String {
    let position = u64::try_from(position).unwrap_or(u64::MAX);
    let mut rng = fastrand::Rng::with_seed(seed ^ position.wrapping_add(7).wrapping_mul(0xD1B5_4A32_D192_ED03));
    format!("msg_{:012x}", rng.u64(..) >> 16)
}

/// Fewest and most digits of a verification code.
const CODE_DIGITS: core::ops::RangeInclusive<usize> = 4..=8;

/// The first verification code in `text`: a run of 4 to 8 digits, where a single `-` or space
/// between two digits joins groups (`482-913`, `482 913`). A `+` directly before a run marks a phone
/// number, which is skipped, as are runs of other lengths.
#[must_use]
pub fn extract_code(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let phone = i > 0 && chars[i - 1] == '+';
        let mut digits = String::new();
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                digits.push(c);
                i += 1;
            } else if (c == '-' || c == ' ')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                && i > 0
                && chars[i - 1].is_ascii_digit()
            {
                i += 1;
            } else {
                break;
            }
        }
        if !phone && CODE_DIGITS.contains(&digits.len()) {
            return Some(digits);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_in_the_usual_wordings() {
        assert_eq!(extract_code("Your verification code is 847291").as_deref(), Some("847291"));
        assert_eq!(extract_code("G-482913 is your Google verification code.").as_deref(), Some("482913"));
        assert_eq!(extract_code("Your WhatsApp code is 482-913. Don't share it.").as_deref(), Some("482913"));
        assert_eq!(extract_code("Use 482 913 to verify your Instagram account.").as_deref(), Some("482913"));
        assert_eq!(extract_code("Telegram code: 48291. Do not give").as_deref(), Some("48291"));
    }

    #[test]
    fn texts_without_a_code_have_none() {
        assert_eq!(extract_code("Welcome to the service"), None);
        assert_eq!(extract_code("Call +15551234567 for help"), None);
        assert_eq!(extract_code("Room 12, floor 3"), None);
        assert_eq!(extract_code("123456789012 is too long"), None);
        assert_eq!(extract_code(""), None);
    }
}
