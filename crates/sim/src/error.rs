//! Typed errors, each mapped to the provider's plain-text status response.

use crate::http::SimResponse;
use crate::orders::OrderStatus;

/// An OxgelAPI error: the provider answers these with a status code and a `text/plain` body (the
/// `Display` text), never JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: no `X-API-Key` header and no `api_key` query parameter.
    #[error("Missing API key")]
    MissingKey,
    /// 401: the key belongs to no account.
    #[error("Invalid API key")]
    InvalidKey,
    /// 403: the account is banned.
    #[error("Account is banned")]
    Banned,
    /// 404: unknown path.
    #[error("Not found")]
    NotFound,
    /// 405: known path, wrong method; `allow` is the method the path answers.
    #[error("Method not allowed")]
    MethodNotAllowed {
        /// Value of the `Allow` header.
        allow: &'static str,
    },
    /// 413: body above 64 KiB.
    #[error("Payload too large")]
    PayloadTooLarge,
    /// 400: the buy body is not JSON, lacks a field or has a wrong type.
    #[error("Invalid request body")]
    InvalidBody,
    /// 400: unknown service code.
    #[error("Unknown service")]
    UnknownService,
    /// 400: unknown country code.
    #[error("Unknown country")]
    UnknownCountry,
    /// 400: no `id` query parameter.
    #[error("Missing id")]
    MissingId,
    /// 404: no such order for this account.
    #[error("Order not found")]
    OrderNotFound,
    /// 409: the pair is out of stock.
    #[error("No numbers available")]
    NoNumbers,
    /// 409: the price exceeds the buyer's `max_price`.
    #[error("Price above max_price")]
    PriceAboveMax,
    /// 402: the balance does not cover the price.
    #[error("Insufficient balance")]
    InsufficientBalance,
    /// 409: cancel before the cancel window opened; carries `Retry-After`.
    #[error("Cancel is allowed {window} after purchase")]
    CancelTooEarly {
        /// The window in words, such as `2 minutes`.
        window: String,
        /// Seconds until cancel is allowed, rounded up.
        retry_after_seconds: u64,
    },
    /// 409: cancel after a code was received.
    #[error("Order already received an SMS")]
    AlreadyReceived,
    /// 409: finish or another before any SMS.
    #[error("No SMS received yet")]
    NoSmsYet,
    /// 409: the order is in a state that forbids the action (`Order is cancelled`, …).
    #[error("Order is {0}")]
    WrongStatus(OrderStatus),
}

impl ApiError {
    /// The HTTP status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::MissingKey | Self::InvalidKey => 401,
            Self::Banned => 403,
            Self::NotFound | Self::OrderNotFound => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::PayloadTooLarge => 413,
            Self::InvalidBody | Self::UnknownService | Self::UnknownCountry | Self::MissingId => 400,
            Self::InsufficientBalance => 402,
            Self::NoNumbers
            | Self::PriceAboveMax
            | Self::CancelTooEarly { .. }
            | Self::AlreadyReceived
            | Self::NoSmsYet
            | Self::WrongStatus(_) => 409,
        }
    }

    /// The plain-text response.
    #[must_use]
    pub fn into_response(self) -> SimResponse {
        let response = SimResponse::text(self.status(), &self.to_string());
        match self {
            Self::CancelTooEarly { retry_after_seconds, .. } => {
                response.with_header("Retry-After", &retry_after_seconds.to_string())
            }
            Self::MethodNotAllowed { allow } => response.with_header("Allow", allow),
            _ => response,
        }
    }
}

/// An error of the admin API (`/__sim/…`), answered as plain text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// 400: the body could not be understood.
    #[error("Invalid admin request: {0}")]
    BadRequest(String),
    /// 404: unknown admin path.
    #[error("Not found")]
    NotFound,
    /// 405: known admin path, wrong method.
    #[error("Method not allowed")]
    MethodNotAllowed,
}

impl AdminError {
    /// The plain-text response.
    #[must_use]
    pub fn into_response(self) -> SimResponse {
        let status = match self {
            Self::BadRequest(_) => 400,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
        };
        SimResponse::text(status, &self.to_string())
    }
}

/// Words for a cancel window: `2 minutes`, `1 minute`, `90 seconds`, `1 second`.
#[must_use]
pub fn window_words(seconds: u64) -> String {
    let plural = |n: u64, unit: &str| {
        if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
    };
    if seconds != 0 && seconds.is_multiple_of(60) { plural(seconds / 60, "minute") } else { plural(seconds, "second") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_statuses() {
        assert_eq!(ApiError::WrongStatus(OrderStatus::Cancelled).to_string(), "Order is cancelled");
        let early = ApiError::CancelTooEarly { window: window_words(120), retry_after_seconds: 7 };
        assert_eq!(early.to_string(), "Cancel is allowed 2 minutes after purchase");
        let response = early.into_response();
        assert_eq!(response.status(), Some(409));
        assert_eq!(response.header("retry-after"), Some("7"));
        assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(window_words(60), "1 minute");
        assert_eq!(window_words(90), "90 seconds");
        assert_eq!(window_words(1), "1 second");
        assert_eq!(window_words(0), "0 seconds");
    }
}
