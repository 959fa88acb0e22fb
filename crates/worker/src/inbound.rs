//! What a caller sends, checked before anything reaches the provider.

use vnum_protocol::ApiError;
use vnum_protocol::api::BuyRequest;
use vnum_protocol::validate::{CountryCode, IdempotencyKey, OrderId, ServiceCode};

use vnum_protocol::contract::RouteSpec;

/// Request bodies larger than this are refused.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The query of a request, checked against what its route takes: unknown or repeated parameters and
/// missing required ones are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Checks decoded query pairs against a route.
    pub fn check(spec: &RouteSpec, pairs: Vec<(String, String)>) -> Result<Self, ApiError> {
        for (i, (name, _)) in pairs.iter().enumerate() {
            if !spec.params.iter().any(|p| p.name == name) {
                let shown: String = name.chars().take(32).collect();
                return Err(ApiError::invalid(shown, "is not a parameter of this route"));
            }
            if pairs[..i].iter().any(|(other, _)| other == name) {
                return Err(ApiError::invalid(name.clone(), "is given more than once"));
            }
        }
        for param in spec.params.iter().filter(|p| p.required) {
            if !pairs.iter().any(|(name, _)| name == param.name) {
                return Err(ApiError::invalid(param.name, "is required"));
            }
        }
        Ok(Self(pairs))
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The order id of `/numbers/*` routes.
    pub fn order_id(&self) -> Result<OrderId, ApiError> {
        OrderId::parse(self.get("id").unwrap_or_default())
    }

    /// The optional service and country of `/prices`.
    pub fn service_and_country(&self) -> Result<(Option<ServiceCode>, Option<CountryCode>), ApiError> {
        let service = self.get("service").map(ServiceCode::parse).transpose()?;
        let country = self.get("country").map(CountryCode::parse).transpose()?;
        Ok((service, country))
    }
}

/// Checks a body's declared size before reading it.
pub fn check_declared_length(content_length: Option<&str>) -> Result<(), ApiError> {
    match content_length.map(|v| v.trim().parse::<u64>()) {
        Some(Ok(n)) if n > MAX_BODY_BYTES as u64 => Err(ApiError::PayloadTooLarge { limit_bytes: MAX_BODY_BYTES }),
        Some(Err(_)) => Err(ApiError::invalid("Content-Length", "is not a number")),
        _ => Ok(()),
    }
}

/// Reads a `POST /numbers/buy` body: JSON, at most 16 KiB, known fields only, every field valid.
pub fn buy_request(content_type: Option<&str>, body: &[u8]) -> Result<BuyRequest, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit_bytes: MAX_BODY_BYTES });
    }
    let is_json = content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    serde_json::from_slice(body).map_err(|e| {
        // serde's message names the field and what was wrong with it; keep it short.
        let reason: String = e.to_string().chars().take(200).collect();
        ApiError::invalid("body", reason)
    })
}

/// Routes without a body must not get one.
pub fn no_body(body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(())
    } else if body.len() > MAX_BODY_BYTES {
        Err(ApiError::PayloadTooLarge { limit_bytes: MAX_BODY_BYTES })
    } else {
        Err(ApiError::invalid("body", "this route takes no body"))
    }
}

/// Reads an optional `Idempotency-Key` header.
pub fn idempotency_key(header: Option<&str>) -> Result<Option<IdempotencyKey>, ApiError> {
    header.map(IdempotencyKey::parse).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vnum_protocol::contract::resolve;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn queries_are_strict() {
        let status = resolve("GET", "/api/v1/numbers/status").expect("route");
        assert_eq!(Query::check(status, pairs(&[("id", "abc")])).expect("ok").order_id().expect("id").as_str(), "abc");
        assert!(
            matches!(Query::check(status, pairs(&[])), Err(ApiError::InvalidRequest { field, .. }) if field == "id")
        );
        assert!(Query::check(status, pairs(&[("id", "a"), ("api_key", "x")])).is_err());
        assert!(Query::check(status, pairs(&[("id", "a"), ("id", "b")])).is_err());
        let bad = Query::check(status, pairs(&[("id", "../x")])).expect("shape checked later");
        assert!(bad.order_id().is_err());
    }

    #[test]
    fn buy_bodies() {
        let ok = buy_request(Some("application/json; charset=utf-8"), br#"{"service":"wa","country":"187"}"#);
        assert_eq!(ok.expect("ok").country.as_str(), "187");
        assert_eq!(buy_request(Some("text/plain"), b"{}"), Err(ApiError::UnsupportedMediaType));
        assert_eq!(buy_request(None, b"{}"), Err(ApiError::UnsupportedMediaType));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(buy_request(Some("application/json"), &big), Err(ApiError::PayloadTooLarge { limit_bytes: 16384 }));
        for bad in [&br#"{"service":"wa"}"#[..], br#"{"service":"wa","country":"187","x":1}"#, b"not json", b"[]"] {
            assert!(matches!(buy_request(Some("application/json"), bad), Err(ApiError::InvalidRequest { .. })));
        }
        assert!(check_declared_length(Some("20000")).is_err());
        assert!(check_declared_length(Some("12")).is_ok());
        assert!(no_body(b"x").is_err() && no_body(b"").is_ok());
    }
}
