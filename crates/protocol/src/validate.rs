//! Validation of every client-supplied field.
//!
//! What is accepted is an allow-list of shapes; everything else is an [`ApiError::InvalidRequest`]
//! naming the field, before anything reaches a provider. Each newtype can only hold a valid value.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ApiError;

fn all_bytes(text: &str, allowed: impl Fn(u8) -> bool) -> bool {
    text.bytes().all(allowed)
}

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The field name used in error messages.
            pub const FIELD: &'static str = $field;

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ApiError;
            fn from_str(text: &str) -> Result<Self, ApiError> {
                Self::parse(text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

validated_string!(
    /// An order id: 1 to 64 characters of `A-Z a-z 0-9 - _` (a UUID, `ORD-LX9F2A`, a numeric id).
    OrderId,
    "id"
);

impl OrderId {
    /// Validates an order id.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        if text.is_empty() || text.len() > 64 {
            return Err(ApiError::invalid(Self::FIELD, "must be 1 to 64 characters"));
        }
        if !all_bytes(text, |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ApiError::invalid(Self::FIELD, "may contain only letters, digits, '-' and '_'"));
        }
        Ok(Self(text.to_owned()))
    }
}

validated_string!(
    /// A service code such as `wa` (WhatsApp) or `tg` (Telegram): 1 to 16 of `a-z 0-9 _`.
    ServiceCode,
    "service"
);

impl ServiceCode {
    /// Validates a service code (upper case is folded to lower case).
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let text = text.to_ascii_lowercase();
        if text.is_empty() || text.len() > 16 {
            return Err(ApiError::invalid(Self::FIELD, "must be 1 to 16 characters"));
        }
        if !all_bytes(&text, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(ApiError::invalid(Self::FIELD, "may contain only letters, digits and '_'"));
        }
        Ok(Self(text))
    }
}

validated_string!(
    /// A country: the provider's numeric code (`187`, 1 to 4 digits) or an ISO 3166 alpha-2 code (`US`).
    CountryCode,
    "country"
);

impl CountryCode {
    /// Validates a country code (ISO codes are folded to upper case).
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let numeric = (1..=4).contains(&text.len()) && all_bytes(text, |b| b.is_ascii_digit());
        let iso2 = text.len() == 2 && all_bytes(text, |b| b.is_ascii_alphabetic());
        if numeric {
            Ok(Self(text.to_owned()))
        } else if iso2 {
            Ok(Self(text.to_ascii_uppercase()))
        } else {
            Err(ApiError::invalid(Self::FIELD, "must be a numeric code of 1 to 4 digits or an ISO 3166 alpha-2 code"))
        }
    }

    /// Whether this is an ISO 3166 alpha-2 code rather than a provider's numeric code.
    pub fn is_iso2(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_alphabetic())
    }
}

validated_string!(
    /// A mobile operator name such as `any`, `tmobile` or `vodafone`: 1 to 32 of `a-z 0-9 _ -`.
    Operator,
    "operator"
);

impl Operator {
    /// Validates an operator name (folded to lower case).
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let text = text.to_ascii_lowercase();
        if text.is_empty() || text.len() > 32 {
            return Err(ApiError::invalid(Self::FIELD, "must be 1 to 32 characters"));
        }
        if !all_bytes(&text, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-') {
            return Err(ApiError::invalid(Self::FIELD, "may contain only letters, digits, '_' and '-'"));
        }
        Ok(Self(text))
    }

    /// The operator that lets the provider choose.
    pub fn any() -> Self {
        Self("any".to_owned())
    }
}

/// A price limit in the provider's currency: finite, above zero, at most 1000.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct MaxPrice(f64);

impl MaxPrice {
    /// The field name used in error messages.
    pub const FIELD: &'static str = "max_price";
    /// The largest limit accepted.
    pub const CEILING: f64 = 1000.0;

    /// Validates a price limit.
    pub fn new(value: f64) -> Result<Self, ApiError> {
        if !value.is_finite() || value <= 0.0 || value > Self::CEILING {
            return Err(ApiError::invalid(Self::FIELD, "must be a number above 0 and at most 1000"));
        }
        Ok(Self(value))
    }

    /// The limit.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for MaxPrice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::new(f64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A phone number in E.164 form: `+` and 7 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Validates an E.164 number; a missing `+` is added.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let digits = text.strip_prefix('+').unwrap_or(text);
        if !(7..=15).contains(&digits.len()) || !all_bytes(digits, |b| b.is_ascii_digit()) {
            return Err(ApiError::invalid("phone", "must be an E.164 number such as +15551234567"));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The number with its leading `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An `Idempotency-Key` header value: 1 to 128 printable ASCII characters without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Validates an idempotency key.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        if text.is_empty() || text.len() > 128 || !all_bytes(text, |b| b.is_ascii_graphic()) {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 128 printable ASCII characters without spaces",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same key within `scope` (one caller's space), as sent to a provider whose keys are one space
    /// for the whole account (Telenumerus): two callers' equal keys must not name one purchase there.
    pub fn scoped(&self, scope: &str) -> Self {
        Self(format!("{scope}:{}", self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids() {
        for ok in ["3f2b8c1e-9a7d-4e2f-b6a1-0c9d8e7f6a5b", "ORD-LX9F2A", "12345", "a_b"] {
            assert_eq!(OrderId::parse(ok).expect(ok).as_str(), ok);
        }
        for bad in ["", "../etc/passwd", "a b", "id?x=1", "ü", &"a".repeat(65), "a/b", "%2e"] {
            let err = OrderId::parse(bad).expect_err(bad);
            assert!(matches!(err, ApiError::InvalidRequest { ref field, .. } if field == "id"));
        }
    }

    #[test]
    fn services_fold_case_and_refuse_punctuation() {
        assert_eq!(ServiceCode::parse("WA").expect("ok").as_str(), "wa");
        for bad in ["", "w a", "wa;drop", "wa&country=1", &"x".repeat(17)] {
            assert!(ServiceCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn countries_are_numeric_or_iso2() {
        assert_eq!(CountryCode::parse("187").expect("ok").as_str(), "187");
        assert_eq!(CountryCode::parse("us").expect("ok").as_str(), "US");
        assert!(CountryCode::parse("us").expect("ok").is_iso2());
        for bad in ["", "12345", "USA", "1a", "-1", "U"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn max_price_bounds() {
        assert_eq!(MaxPrice::new(0.5).expect("ok").value(), 0.5);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1000.01] {
            assert!(MaxPrice::new(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<MaxPrice>("-3").is_err());
    }

    #[test]
    fn phones_and_keys() {
        assert_eq!(PhoneNumber::parse("15551234567").expect("ok").as_str(), "+15551234567");
        assert!(PhoneNumber::parse("+1 555").is_err());
        assert!(IdempotencyKey::parse("order-1").is_ok());
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse("").is_err());
    }
}
