//! The one error model of vnum.
//!
//! Every failure anywhere (validation, authentication, the wallet guard, the provider) is an [`ApiError`].
//! Its wire form, the shape Telenumerus documents, is derived from it in exactly one place
//! ([`ApiError::to_body`]):
//!
//! ```json
//! {"error": "human sentence", "error_code": "INSUFFICIENT_BALANCE", "retryable": false, "retry_after_seconds": null}
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// A machine-readable error code, as sent in `error_code`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    UnknownRoute,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    InsufficientBalance,
    NoNumbers,
    PriceAboveLimit,
    SpendLimitReached,
    CancelTooEarly,
    OrderClosed,
    OrderInProgress,
    QuotaExceeded,
    NoSmsYet,
    RateLimited,
    Timeout,
    NotSupported,
    NotConfigured,
    UpstreamUnauthorized,
    UpstreamSuspended,
    UpstreamRejected,
    UpstreamUnavailable,
    UpstreamTimeout,
    UpstreamInvalidResponse,
    InternalError,
    /// A code this version does not know, kept verbatim.
    Unknown(String),
}

impl ErrorCode {
    const KNOWN: [(ErrorCode, &'static str); 28] = [
        (ErrorCode::InvalidRequest, "INVALID_REQUEST"),
        (ErrorCode::Unauthorized, "UNAUTHORIZED"),
        (ErrorCode::Forbidden, "FORBIDDEN"),
        (ErrorCode::NotFound, "NOT_FOUND"),
        (ErrorCode::UnknownRoute, "UNKNOWN_ROUTE"),
        (ErrorCode::MethodNotAllowed, "METHOD_NOT_ALLOWED"),
        (ErrorCode::PayloadTooLarge, "PAYLOAD_TOO_LARGE"),
        (ErrorCode::UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
        (ErrorCode::InsufficientBalance, "INSUFFICIENT_BALANCE"),
        (ErrorCode::NoNumbers, "NO_NUMBERS"),
        (ErrorCode::PriceAboveLimit, "PRICE_ABOVE_LIMIT"),
        (ErrorCode::SpendLimitReached, "SPEND_LIMIT_REACHED"),
        (ErrorCode::CancelTooEarly, "CANCEL_TOO_EARLY"),
        (ErrorCode::OrderClosed, "ORDER_CLOSED"),
        (ErrorCode::OrderInProgress, "ORDER_IN_PROGRESS"),
        (ErrorCode::QuotaExceeded, "QUOTA_EXCEEDED"),
        (ErrorCode::NoSmsYet, "NO_SMS_YET"),
        (ErrorCode::RateLimited, "RATE_LIMITED"),
        (ErrorCode::Timeout, "TIMEOUT"),
        (ErrorCode::NotSupported, "NOT_SUPPORTED"),
        (ErrorCode::NotConfigured, "NOT_CONFIGURED"),
        (ErrorCode::UpstreamUnauthorized, "UPSTREAM_UNAUTHORIZED"),
        (ErrorCode::UpstreamSuspended, "UPSTREAM_ACCOUNT_SUSPENDED"),
        (ErrorCode::UpstreamRejected, "UPSTREAM_REJECTED"),
        (ErrorCode::UpstreamUnavailable, "UPSTREAM_UNAVAILABLE"),
        (ErrorCode::UpstreamTimeout, "UPSTREAM_TIMEOUT"),
        (ErrorCode::UpstreamInvalidResponse, "UPSTREAM_INVALID_RESPONSE"),
        (ErrorCode::InternalError, "INTERNAL_ERROR"),
    ];

    /// The wire spelling, e.g. `"NO_NUMBERS"`.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Unknown(code) => code,
            known => Self::KNOWN.iter().find(|(code, _)| code == known).map_or("INTERNAL_ERROR", |(_, name)| name),
        }
    }

    /// Reads a wire spelling; unknown codes are kept as [`ErrorCode::Unknown`].
    pub fn parse(text: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(_, name)| *name == text)
            .map_or_else(|| ErrorCode::Unknown(text.to_owned()), |(code, _)| code.clone())
    }

    /// Every code this version knows, for documentation and the OpenAPI document.
    pub fn all_known() -> impl Iterator<Item = &'static str> {
        Self::KNOWN.iter().map(|(_, name)| *name)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(deserializer)?))
    }
}

/// Everything that can go wrong, each with a sentence a person understands.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// A field of the request has the wrong shape; the upstream was not asked.
    #[error("invalid {field}: {reason}")]
    InvalidRequest { field: String, reason: String },
    /// No credentials, or credentials this proxy does not accept.
    #[error("a valid access token is required")]
    Unauthorized,
    /// The caller (or the provider account) may not do this.
    #[error("forbidden: {reason}")]
    Forbidden { reason: String },
    /// The thing asked for does not exist, or belongs to someone else.
    #[error("{what} not found")]
    NotFound { what: String },
    /// The proxy serves no such route (an older proxy may lack a newer one).
    #[error("vnum has no route {path}")]
    UnknownRoute { path: String },
    /// The route exists but not with this method.
    #[error("method {method} is not allowed here")]
    MethodNotAllowed { method: String },
    /// The request body is larger than the proxy accepts.
    #[error("the request body is larger than {limit_bytes} bytes")]
    PayloadTooLarge { limit_bytes: usize },
    /// The request body is not JSON.
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// The provider balance cannot pay for this number.
    #[error("the balance is too low for this purchase")]
    InsufficientBalance,
    /// The provider has no numbers for this service and country right now.
    #[error("no numbers are available for this service and country right now")]
    NoNumbers,
    /// The number costs more than the caller's or the operator's limit.
    #[error("the price {price} is above the limit {limit}")]
    PriceAboveLimit { price: f64, limit: f64 },
    /// The operator's daily spend cap would be passed by this purchase.
    #[error("the daily spend limit of {limit} is reached; it resets in {retry_after_seconds} s")]
    SpendLimitReached { limit: f64, retry_after_seconds: u64 },
    /// The provider allows cancelling only once a waiting period after purchase has passed
    /// (OxgelAPI: 2 minutes).
    #[error("the provider allows cancelling this order only after a waiting period; retry in {retry_after_seconds} s")]
    CancelTooEarly { retry_after_seconds: u64 },
    /// The order is finished, cancelled or expired and takes no more actions.
    #[error("the order is already {status}")]
    OrderClosed { status: String },
    /// The provider allows one open order at a time for the whole account, and one is open.
    #[error("the provider allows one open order at a time, and one is waiting for its code; retry{}", retry_after_seconds.map(|s| format!(" in {s} s")).unwrap_or_else(|| " once it ends".to_owned()))]
    OrderInProgress { retry_after_seconds: Option<u64> },
    /// The provider account's plan quota is used up (Agent OTP's 403).
    #[error("the provider account's quota is used up: {message}")]
    QuotaExceeded { message: String },
    /// The order cannot be finished (or asked for another SMS) before a code arrived.
    #[error("no SMS has arrived for this order yet")]
    NoSmsYet,
    /// Too many requests; wait before trying again.
    #[error("too many requests; retry in {} s", retry_after_seconds.unwrap_or(1))]
    RateLimited { retry_after_seconds: Option<u64> },
    /// A client-side wait (for example `waitForCode`) ran out of time.
    #[error("gave up waiting after {waited_seconds} s")]
    Timeout { waited_seconds: u64 },
    /// The configured provider has no such operation.
    #[error("the {provider} provider does not support {operation}")]
    NotSupported { provider: String, operation: String },
    /// The proxy is missing configuration it needs (a secret, a valid variable); it fails closed.
    #[error("the proxy is not configured: {reason}")]
    NotConfigured { reason: String },
    /// The provider refused the proxy's own API key: the operator must fix the secret.
    #[error("the provider rejected the proxy's API key")]
    UpstreamUnauthorized,
    /// The provider suspended the proxy's account: the operator must contact the provider.
    #[error("the provider suspended the account behind the proxy's API key")]
    UpstreamSuspended,
    /// The provider refused the request for a reason of its own.
    #[error("the provider refused the request: {message}")]
    UpstreamRejected { status: u16, message: String },
    /// The provider is down or answered with a server error.
    #[error("the provider is unavailable{}{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(), retry_after_seconds.map(|s| format!("; retry in {s} s")).unwrap_or_default())]
    UpstreamUnavailable { status: Option<u16>, retry_after_seconds: Option<u64> },
    /// The provider did not answer in time.
    #[error("the provider did not answer within {timeout_seconds} s")]
    UpstreamTimeout { timeout_seconds: u64 },
    /// The provider answered with something that is not what its API documents.
    #[error("the provider sent a response that could not be read: {reason}")]
    UpstreamInvalidResponse { reason: String },
    /// A fault of the proxy itself.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl ApiError {
    /// A shortcut for [`ApiError::InvalidRequest`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidRequest { field: field.into(), reason: reason.into() }
    }

    /// A shortcut for [`ApiError::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// A shortcut for [`ApiError::UpstreamInvalidResponse`].
    pub fn upstream_invalid(reason: impl Into<String>) -> Self {
        Self::UpstreamInvalidResponse { reason: reason.into() }
    }

    /// The machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidRequest { .. } => ErrorCode::InvalidRequest,
            Self::Unauthorized => ErrorCode::Unauthorized,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::UnknownRoute { .. } => ErrorCode::UnknownRoute,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::InsufficientBalance => ErrorCode::InsufficientBalance,
            Self::NoNumbers => ErrorCode::NoNumbers,
            Self::PriceAboveLimit { .. } => ErrorCode::PriceAboveLimit,
            Self::SpendLimitReached { .. } => ErrorCode::SpendLimitReached,
            Self::CancelTooEarly { .. } => ErrorCode::CancelTooEarly,
            Self::OrderClosed { .. } => ErrorCode::OrderClosed,
            Self::OrderInProgress { .. } => ErrorCode::OrderInProgress,
            Self::QuotaExceeded { .. } => ErrorCode::QuotaExceeded,
            Self::NoSmsYet => ErrorCode::NoSmsYet,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::NotSupported { .. } => ErrorCode::NotSupported,
            Self::NotConfigured { .. } => ErrorCode::NotConfigured,
            Self::UpstreamUnauthorized => ErrorCode::UpstreamUnauthorized,
            Self::UpstreamSuspended => ErrorCode::UpstreamSuspended,
            Self::UpstreamRejected { .. } => ErrorCode::UpstreamRejected,
            Self::UpstreamUnavailable { .. } => ErrorCode::UpstreamUnavailable,
            Self::UpstreamTimeout { .. } => ErrorCode::UpstreamTimeout,
            Self::UpstreamInvalidResponse { .. } => ErrorCode::UpstreamInvalidResponse,
            Self::Internal { .. } => ErrorCode::InternalError,
        }
    }

    /// The HTTP status the proxy answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::InvalidRequest { .. } => 400,
            Self::Unauthorized => 401,
            Self::InsufficientBalance | Self::QuotaExceeded { .. } => 402,
            Self::Forbidden { .. } => 403,
            Self::NotFound { .. } | Self::UnknownRoute { .. } => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::Timeout { .. } => 408,
            Self::CancelTooEarly { .. } | Self::OrderClosed { .. } | Self::OrderInProgress { .. } | Self::NoSmsYet => {
                409
            }
            Self::PayloadTooLarge { .. } => 413,
            Self::UnsupportedMediaType => 415,
            Self::PriceAboveLimit { .. } => 422,
            Self::RateLimited { .. } | Self::SpendLimitReached { .. } => 429,
            Self::Internal { .. } => 500,
            Self::NotSupported { .. } => 501,
            Self::UpstreamUnauthorized
            | Self::UpstreamSuspended
            | Self::UpstreamRejected { .. }
            | Self::UpstreamInvalidResponse { .. } => 502,
            Self::NoNumbers | Self::UpstreamUnavailable { .. } | Self::NotConfigured { .. } => 503,
            Self::UpstreamTimeout { .. } => 504,
        }
    }

    /// Whether the same request may succeed if simply sent again later.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Self::NoNumbers
                | Self::CancelTooEarly { .. }
                | Self::OrderInProgress { .. }
                | Self::NoSmsYet
                | Self::RateLimited { .. }
                | Self::SpendLimitReached { .. }
                | Self::UpstreamUnavailable { .. }
                | Self::UpstreamTimeout { .. }
                | Self::UpstreamInvalidResponse { .. }
        )
    }

    /// How long to wait before retrying, when that is known.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::CancelTooEarly { retry_after_seconds } | Self::SpendLimitReached { retry_after_seconds, .. } => {
                Some(*retry_after_seconds)
            }
            Self::RateLimited { retry_after_seconds }
            | Self::OrderInProgress { retry_after_seconds }
            | Self::UpstreamUnavailable { retry_after_seconds, .. } => *retry_after_seconds,
            _ => None,
        }
    }

    /// The wire form.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            error: self.to_string(),
            error_code: self.code(),
            retryable: self.retryable(),
            retry_after_seconds: self.retry_after_seconds(),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A sentence for people.
    pub error: String,
    /// The machine-readable code.
    pub error_code: ErrorCode,
    /// Whether sending the same request again later may succeed.
    #[serde(default)]
    pub retryable: bool,
    /// How long to wait first, when known.
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
}

impl ErrorBody {
    /// Reads an error body; `None` when the bytes are not one.
    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_is_kept() {
        for name in ErrorCode::all_known() {
            assert_eq!(ErrorCode::parse(name).as_str(), name);
            assert!(!matches!(ErrorCode::parse(name), ErrorCode::Unknown(_)), "{name}");
        }
        assert_eq!(ErrorCode::parse("NEW_THING"), ErrorCode::Unknown("NEW_THING".into()));
    }

    #[test]
    fn body_has_the_documented_shape() {
        let body = serde_json::to_value(ApiError::InsufficientBalance.to_body()).expect("json");
        assert_eq!(
            body,
            serde_json::json!({
                "error": "the balance is too low for this purchase",
                "error_code": "INSUFFICIENT_BALANCE",
                "retryable": false,
                "retry_after_seconds": null
            })
        );
    }

    #[test]
    fn cancel_too_early_carries_its_wait() {
        let e = ApiError::CancelTooEarly { retry_after_seconds: 73 };
        assert_eq!(e.http_status(), 409);
        assert!(e.retryable());
        assert_eq!(e.to_body().retry_after_seconds, Some(73));
        assert!(e.to_string().contains("73 s"));
    }

    #[test]
    fn statuses_are_client_or_server_errors() {
        let samples = [
            ApiError::invalid("id", "x"),
            ApiError::Unauthorized,
            ApiError::RateLimited { retry_after_seconds: None },
            ApiError::UpstreamTimeout { timeout_seconds: 10 },
            ApiError::Internal { reason: "x".into() },
        ];
        for e in samples {
            assert!((400..600).contains(&e.http_status()), "{e:?}");
        }
    }
}
