//! The public proxy contract (v1), which is the OxgelAPI dialect minus the key.
//!
//! Every upstream dialect is normalised into these types, the Worker answers with them, and the client
//! reads them. Parsing is lenient where providers vary (unknown fields are ignored, unknown status values
//! are kept as [`OrderStatus::Unknown`]); what a client sends is strict.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::Timestamp;
use crate::validate::{CountryCode, MaxPrice, Operator, ServiceCode};

/// The path prefix of every v1 route.
pub const API_PREFIX: &str = "/api/v1";

/// `GET /balance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// Money free to spend.
    pub balance: f64,
    /// Money held for open orders.
    #[serde(default)]
    pub escrow: f64,
    /// ISO 4217 currency of both (`RENTALS` where the provider counts rentals, not money).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The provider plan's quota, where the provider sells rentals by plan (Agent OTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
}

/// A provider plan's quota of rentals (Agent OTP's `GET /auth/usage/quota`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// The plan's name, e.g. `pro`.
    pub plan: String,
    /// Rentals the plan allows.
    pub limit: u64,
    /// Rentals used.
    pub used: u64,
    /// Rentals left.
    pub remaining: u64,
}

fn default_currency() -> String {
    "USD".to_owned()
}

/// One entry of `GET /services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The code to buy with, e.g. `wa`.
    pub code: String,
    /// The name people know, e.g. `WhatsApp`.
    pub name: String,
}

/// One entry of `GET /countries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    /// The provider's code, e.g. `187`.
    #[serde(deserialize_with = "string_or_number")]
    pub code: String,
    /// ISO 3166 alpha-2, e.g. `US`, when known.
    #[serde(default, alias = "iso", skip_serializing_if = "Option::is_none")]
    pub iso2: Option<String>,
    /// The name people know.
    pub name: String,
}

/// One entry of `GET /prices`: what a number costs and how many there are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub service: String,
    #[serde(deserialize_with = "string_or_number")]
    pub country: String,
    /// Cost of one number, in the balance's currency.
    #[serde(alias = "cost")]
    pub price: f64,
    /// Numbers available now.
    #[serde(alias = "count", alias = "available")]
    pub stock: u64,
}

/// `POST /numbers/buy` body. Strict: unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuyRequest {
    pub service: ServiceCode,
    pub country: CountryCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    /// Refuse to buy above this price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<MaxPrice>,
}

/// `POST /numbers/buy` answer: the number that was bought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoughtNumber {
    /// The order id to use with every `/numbers/*` call.
    pub id: String,
    /// A short code for people and support requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_code: Option<String>,
    /// E.164, with `+`.
    pub phone: String,
    /// When the provider stops delivering to this number.
    pub expires_at: Timestamp,
    /// What the number cost.
    pub cost: f64,
    /// When the provider started the rental, when it says (Agent OTP): messages from before it belong
    /// to an earlier rental of the same number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rented_at: Option<Timestamp>,
}

/// An order's status as the providers report it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Bought, no (new) SMS yet.
    Waiting,
    /// A code has arrived.
    Received,
    /// Done: the number was used (and paid for).
    Finished,
    /// Cancelled and refunded.
    Cancelled,
    /// The number expired.
    Expired,
    /// A value no provider documents, kept verbatim.
    Unknown(String),
}

impl OrderStatus {
    /// The OxgelAPI spelling.
    pub fn as_str(&self) -> &str {
        match self {
            OrderStatus::Waiting => "waiting",
            OrderStatus::Received => "received",
            OrderStatus::Finished => "finished",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Expired => "expired",
            OrderStatus::Unknown(other) => other,
        }
    }

    /// Reads the v1 (OxgelAPI) spellings; any other value is kept as [`OrderStatus::Unknown`]. Each
    /// dialect maps its own provider's words itself.
    pub fn parse(text: &str) -> Self {
        match text {
            "waiting" => OrderStatus::Waiting,
            "received" => OrderStatus::Received,
            "finished" => OrderStatus::Finished,
            "cancelled" => OrderStatus::Cancelled,
            "expired" => OrderStatus::Expired,
            _ => OrderStatus::Unknown(text.to_owned()),
        }
    }

    /// Whether nothing more can happen to the order.
    pub fn is_final(&self) -> bool {
        matches!(self, OrderStatus::Finished | OrderStatus::Cancelled | OrderStatus::Expired)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OrderStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrderStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(deserializer)?))
    }
}

/// `GET /numbers/status` answer.
///
/// The OxgelAPI fields come first; the proxy adds what it knows beyond them (all optional, so
/// OxgelAPI clients read it unchanged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusResponse {
    pub status: OrderStatus,
    /// The latest code, when one has arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_code: Option<String>,
    /// The whole latest message, when the provider gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_text: Option<String>,
    #[serde(default)]
    pub phone: String,
    /// Proxy extra: when the number stops receiving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Proxy extra: when cancelling becomes allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_available_at: Option<Timestamp>,
    /// Proxy extra: every code received so far, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<ReceivedCode>,
}

impl StatusResponse {
    /// A status with only the OxgelAPI fields.
    pub fn new(status: OrderStatus, sms_code: Option<String>, sms_text: Option<String>, phone: String) -> Self {
        Self { status, sms_code, sms_text, phone, expires_at: None, cancel_available_at: None, codes: Vec::new() }
    }
}

/// One order as the proxy records it (`GET /orders`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_code: Option<String>,
    pub phone: String,
    pub service: String,
    pub country: String,
    pub cost: f64,
    pub status: OrderStatus,
    /// The latest code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_text: Option<String>,
    #[serde(default)]
    pub codes: Vec<ReceivedCode>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub cancel_available_at: Timestamp,
}

/// `GET /orders`: the caller's orders, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdersResponse {
    pub orders: Vec<OrderView>,
}

/// Answer of `POST /numbers/cancel`, `/numbers/finish` and `/numbers/another`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResponse {
    pub status: OrderStatus,
    /// Money returned to the balance (cancel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded: Option<f64>,
    /// Money taken from escrow (finish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charged: Option<f64>,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub ok: bool,
    /// Which provider serves: `oxgel`, `telenumerus`, `agentotp` or `demo`.
    pub provider: String,
    /// True when the simulated demo provider serves: no real numbers, no real money.
    pub demo: bool,
    /// The proxy's version.
    pub version: String,
    /// The most one number may cost through this proxy (the operator's `MAX_PRICE`), when there is
    /// such a limit: a client can show a dearer number as out of reach before anyone tries to buy it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<f64>,
}

/// A code that some providers send as a JSON number (`187`) and others as a string (`"187"`).
fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    // A visitor rather than an untagged enum: no buffering of the value, and far less code in the wasm.
    struct Code;
    impl serde::de::Visitor<'_> for Code {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or an integer")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<String, E> {
            Ok(text.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, text: String) -> Result<String, E> {
            Ok(text)
        }
        fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<String, E> {
            Ok(number.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<String, E> {
            Ok(number.to_string())
        }
    }
    deserializer.deserialize_any(Code)
}

/// One code received for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedCode {
    pub code: String,
    /// The whole message, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub received_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buy_request_is_strict() {
        let ok: BuyRequest = serde_json::from_str(r#"{"service":"wa","country":"187","operator":"any"}"#).expect("ok");
        assert_eq!(ok.service.as_str(), "wa");
        assert!(serde_json::from_str::<BuyRequest>(r#"{"service":"wa","country":"187","extra":1}"#).is_err());
        assert!(serde_json::from_str::<BuyRequest>(r#"{"service":"w a","country":"187"}"#).is_err());
        assert!(serde_json::from_str::<BuyRequest>(r#"{"service":"wa","country":"187","max_price":-1}"#).is_err());
    }

    #[test]
    fn statuses_parse_the_v1_spellings_and_keep_others() {
        assert_eq!(OrderStatus::parse("received"), OrderStatus::Received);
        assert_eq!(OrderStatus::parse("completed"), OrderStatus::Unknown("completed".into()));
        assert_eq!(OrderStatus::parse("cancelled"), OrderStatus::Cancelled);
        assert_eq!(OrderStatus::parse("on_hold"), OrderStatus::Unknown("on_hold".into()));
        assert_eq!(serde_json::to_string(&OrderStatus::Unknown("x".into())).expect("json"), "\"x\"");
    }

    #[test]
    fn country_code_may_be_a_number() {
        let c: Country = serde_json::from_str(r#"{"code":187,"iso":"US","name":"United States"}"#).expect("ok");
        assert_eq!(c.code, "187");
        assert_eq!(c.iso2.as_deref(), Some("US"));
    }
}
