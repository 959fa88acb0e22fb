//! Reading the Telenumerus request bodies; every mistake is an `INVALID_REQUEST` that says what is
//! wrong.

use serde_json::{Map, Value};

use super::error::TelenumerusError;

/// Longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;
/// Most orders in one `/batch`.
pub(crate) const MAX_BATCH: usize = 20;
/// `timeout_seconds` of `/verify` when absent.
pub(crate) const DEFAULT_VERIFY_TIMEOUT_SECONDS: u64 = 120;
/// Largest `timeout_seconds` of `/verify`.
const MAX_VERIFY_TIMEOUT_SECONDS: u64 = 600;

fn invalid(message: impl Into<String>) -> TelenumerusError {
    TelenumerusError::InvalidRequest(message.into())
}

/// The body as a JSON object (an empty body reads as `{}`).
fn object(body: &[u8]) -> Result<Map<String, Value>, TelenumerusError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid("The request body must be a JSON object")),
    }
}

/// A required string field.
fn required_string(object: &Map<String, Value>, field: &str) -> Result<String, TelenumerusError> {
    match object.get(field) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        None | Some(Value::Null) => Err(invalid(format!("Missing {field}"))),
        Some(_) => Err(invalid(format!("{field} must be a non-empty string"))),
    }
}

/// An optional string field (`null` means absent).
fn optional_string(object: &Map<String, Value>, field: &str) -> Result<Option<String>, TelenumerusError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(Some(text.trim().to_owned())),
        Some(_) => Err(invalid(format!("{field} must be a non-empty string"))),
    }
}

/// What one order asks for: `{"platform":"google","country":"US","idempotency_key":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderRequest {
    /// The platform as given.
    pub(crate) platform: String,
    /// The country as given, if any.
    pub(crate) country: Option<String>,
    /// The idempotency key, if any.
    pub(crate) idempotency_key: Option<String>,
}

impl OrderRequest {
    /// Reads a `/order` body.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, TelenumerusError> {
        Self::from_object(&object(body)?)
    }

    fn from_object(object: &Map<String, Value>) -> Result<Self, TelenumerusError> {
        let idempotency_key = optional_string(object, "idempotency_key")?;
        if idempotency_key.as_ref().is_some_and(|k| k.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS) {
            return Err(invalid(format!("idempotency_key is longer than {MAX_IDEMPOTENCY_KEY_CHARS} characters")));
        }
        Ok(Self {
            platform: required_string(object, "platform")?,
            country: optional_string(object, "country")?,
            idempotency_key,
        })
    }
}

/// `/verify`: an order plus how long to wait for its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerifyRequest {
    /// The order.
    pub(crate) order: OrderRequest,
    /// Seconds to wait (1..=600, default 120).
    pub(crate) timeout_seconds: u64,
}

impl VerifyRequest {
    /// Reads a `/verify` body.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, TelenumerusError> {
        let object = object(body)?;
        let timeout_seconds = match object.get("timeout_seconds") {
            None | Some(Value::Null) => DEFAULT_VERIFY_TIMEOUT_SECONDS,
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|s| (1..=MAX_VERIFY_TIMEOUT_SECONDS).contains(s))
                .ok_or_else(|| invalid(format!("timeout_seconds must be 1 to {MAX_VERIFY_TIMEOUT_SECONDS}")))?,
            Some(_) => return Err(invalid("timeout_seconds must be a number")),
        };
        Ok(Self { order: OrderRequest::from_object(&object)?, timeout_seconds })
    }
}

/// `/batch`: `{"orders":[{"platform":"google"},…]}`, 1 to 20 of them.
pub(crate) fn batch(body: &[u8]) -> Result<Vec<OrderRequest>, TelenumerusError> {
    let object = object(body)?;
    let Some(Value::Array(items)) = object.get("orders") else {
        return Err(invalid("orders must be a list"));
    };
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(invalid(format!("orders must hold 1 to {MAX_BATCH} orders")));
    }
    items
        .iter()
        .map(|item| match item {
            Value::Object(map) => OrderRequest::from_object(map),
            _ => Err(invalid("each order must be a JSON object")),
        })
        .collect()
}

/// `/agent`: `{"query":"I need a Google verification number for UK"}`.
pub(crate) fn agent_query(body: &[u8]) -> Result<String, TelenumerusError> {
    required_string(&object(body)?, "query")
}

/// `/deposit/verify`: `{"tx_hash":"<64 hex digits>"}`.
pub(crate) fn tx_hash(body: &[u8]) -> Result<String, TelenumerusError> {
    let hash = required_string(&object(body)?, "tx_hash")?;
    let hex = hash.strip_prefix("0x").unwrap_or(&hash);
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hash)
    } else {
        Err(invalid("tx_hash must be a 64-character hex hash"))
    }
}

/// `PUT /webhook`: `{"url":"https://…"}`.
pub(crate) fn webhook_url(body: &[u8]) -> Result<String, TelenumerusError> {
    let url = required_string(&object(body)?, "url")?;
    if (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2048 {
        Ok(url)
    } else {
        Err(invalid("url must be an http(s) URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_bodies() {
        let order = OrderRequest::parse(br#"{"platform":"google","country":"US","idempotency_key":"k1"}"#)
            .expect("a valid order");
        assert_eq!(order.platform, "google");
        assert_eq!(order.country.as_deref(), Some("US"));
        assert_eq!(order.idempotency_key.as_deref(), Some("k1"));
        let minimal = OrderRequest::parse(br#"{"platform":"discord","country":null}"#).expect("valid");
        assert_eq!(minimal.country, None);
        for bad in [&b""[..], b"[]", b"{}", br#"{"platform":1}"#, br#"{"platform":"g","country":7}"#, b"{"] {
            assert!(OrderRequest::parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let long = format!(r#"{{"platform":"google","idempotency_key":"{}"}}"#, "k".repeat(256));
        assert!(OrderRequest::parse(long.as_bytes()).is_err());
    }

    #[test]
    fn verify_batch_and_the_rest() {
        let verify = VerifyRequest::parse(br#"{"platform":"google","timeout_seconds":30}"#).expect("valid");
        assert_eq!(verify.timeout_seconds, 30);
        assert_eq!(VerifyRequest::parse(br#"{"platform":"google"}"#).map(|v| v.timeout_seconds), Ok(120));
        assert!(VerifyRequest::parse(br#"{"platform":"google","timeout_seconds":0}"#).is_err());
        assert_eq!(
            batch(br#"{"orders":[{"platform":"google"},{"platform":"discord","country":"UK"}]}"#).map(|b| b.len()),
            Ok(2)
        );
        assert!(batch(br#"{"orders":[]}"#).is_err());
        let many = format!(r#"{{"orders":[{}]}}"#, vec![r#"{"platform":"google"}"#; 21].join(","));
        assert!(batch(many.as_bytes()).is_err());
        assert_eq!(agent_query(br#"{"query":"a Google number"}"#).as_deref(), Ok("a Google number"));
        assert!(tx_hash(format!(r#"{{"tx_hash":"{}"}}"#, "ab".repeat(32)).as_bytes()).is_ok());
        assert!(tx_hash(br#"{"tx_hash":"nope"}"#).is_err());
        assert!(webhook_url(br#"{"url":"https://example.com/hook"}"#).is_ok());
        assert!(webhook_url(br#"{"url":"ftp://x"}"#).is_err());
    }
}
