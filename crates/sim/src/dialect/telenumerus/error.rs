//! Telenumerus's structured errors: the document's error codes with their `retryable` flag, the HTTP
//! status vnum assumes for each (docs/assumptions.md), and the JSON body
//! `{"error","error_code","retryable","retry_after_seconds"}`.

use serde::{Deserialize, Serialize};

use crate::http::SimResponse;

/// An error code of Telenumerus's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Too many requests.
    RateLimited,
    /// Bad API key.
    InvalidApiKey,
    /// Account banned.
    AccountSuspended,
    /// Need more funds.
    InsufficientBalance,
    /// Platform not supported.
    UnknownPlatform,
    /// Wait for the current order.
    OrderInProgress,
    /// Temporarily unavailable.
    ProviderUnavailable,
    /// Invalid order id.
    OrderNotFound,
    /// Missing or invalid parameters.
    InvalidRequest,
    /// Server error.
    InternalError,
}

impl ErrorCode {
    /// Every code, in the document's order.
    pub const ALL: [Self; 10] = [
        Self::RateLimited,
        Self::InvalidApiKey,
        Self::AccountSuspended,
        Self::InsufficientBalance,
        Self::UnknownPlatform,
        Self::OrderInProgress,
        Self::ProviderUnavailable,
        Self::OrderNotFound,
        Self::InvalidRequest,
        Self::InternalError,
    ];

    /// The wire name, such as `ORDER_IN_PROGRESS`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateLimited => "RATE_LIMITED",
            Self::InvalidApiKey => "INVALID_API_KEY",
            Self::AccountSuspended => "ACCOUNT_SUSPENDED",
            Self::InsufficientBalance => "INSUFFICIENT_BALANCE",
            Self::UnknownPlatform => "UNKNOWN_PLATFORM",
            Self::OrderInProgress => "ORDER_IN_PROGRESS",
            Self::ProviderUnavailable => "PROVIDER_UNAVAILABLE",
            Self::OrderNotFound => "ORDER_NOT_FOUND",
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::InternalError => "INTERNAL_ERROR",
        }
    }

    /// The code with this wire name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == name)
    }

    /// The HTTP status vnum assumes for the code.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidRequest | Self::UnknownPlatform => 400,
            Self::InvalidApiKey => 401,
            Self::InsufficientBalance => 402,
            Self::AccountSuspended => 403,
            Self::OrderNotFound => 404,
            Self::OrderInProgress => 409,
            Self::RateLimited => 429,
            Self::InternalError => 500,
            Self::ProviderUnavailable => 503,
        }
    }

    /// The document's `Retryable` column.
    #[must_use]
    pub fn retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::OrderInProgress | Self::ProviderUnavailable | Self::InternalError)
    }

    /// `retry_after_seconds` of a retryable code when nothing more precise is known: `RATE_LIMITED` 60,
    /// `PROVIDER_UNAVAILABLE` 30 ("retry in 30s"), `INTERNAL_ERROR` 5 ("a few seconds"),
    /// `ORDER_IN_PROGRESS` 30; `None` for the others.
    #[must_use]
    pub fn default_retry_after_seconds(self) -> Option<u64> {
        match self {
            Self::RateLimited => Some(60),
            Self::ProviderUnavailable | Self::OrderInProgress => Some(30),
            Self::InternalError => Some(5),
            _ => None,
        }
    }

    /// The first code answered with `status`, if any (`INVALID_REQUEST` for 400).
    #[must_use]
    pub fn for_status(status: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.status() == status && *code != Self::UnknownPlatform)
    }

    /// The document's meaning of the code, used as the sentence of an injected error.
    #[must_use]
    pub fn meaning(self) -> &'static str {
        match self {
            Self::RateLimited => "Too many requests. Wait retry_after_seconds.",
            Self::InvalidApiKey => "Bad API key",
            Self::AccountSuspended => "Account banned",
            Self::InsufficientBalance => "Need more funds",
            Self::UnknownPlatform => "Platform not supported",
            Self::OrderInProgress => "Wait for current order",
            Self::ProviderUnavailable => "Temporarily unavailable — retry in 30s",
            Self::OrderNotFound => "Invalid order ID",
            Self::InvalidRequest => "Missing or invalid parameters",
            Self::InternalError => "Server error — retry in a few seconds",
        }
    }
}

/// Why the Telenumerus dialect refused a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum TelenumerusError {
    /// No `Authorization: Bearer` nor `X-API-Key` header (a key in the query does not count).
    #[error("Missing API key: send Authorization: Bearer <key> or X-API-Key: <key>")]
    MissingKey,
    /// The key belongs to no account.
    #[error("Invalid API key")]
    InvalidKey,
    /// The account is banned.
    #[error("Account suspended")]
    Suspended,
    /// More than the per-key limit in the last 60 s.
    #[error("Rate limit exceeded: {limit} requests per minute per API key")]
    RateLimited {
        /// Requests allowed per minute.
        limit: u32,
        /// Seconds until a request is admitted again.
        retry_after_seconds: u64,
    },
    /// A platform outside the 33.
    #[error("Unknown platform: {0}")]
    UnknownPlatform(String),
    /// A country outside the 24.
    #[error("Unsupported country: {0}")]
    UnknownCountry(String),
    /// A body or parameter that is missing or wrong; the text says which.
    #[error("{0}")]
    InvalidRequest(String),
    /// The balance does not cover the price.
    #[error("Insufficient balance: the order costs {price}, the balance is {balance}")]
    InsufficientBalance {
        /// The price, in dollars.
        price: f64,
        /// The balance, in dollars.
        balance: f64,
    },
    /// The account already has a pending order.
    #[error("Order {order_id} is still pending: one concurrent order per account")]
    OrderInProgress {
        /// The pending order.
        order_id: String,
        /// Seconds until it expires at the latest.
        retry_after_seconds: u64,
    },
    /// The pair's stock is `none`.
    #[error("No numbers available for {platform} in {country}")]
    NoNumbers {
        /// Platform code.
        platform: String,
        /// ISO country code.
        country: String,
    },
    /// The simulator holds as many accounts as it will.
    #[error("Registration is closed")]
    RegistrationClosed,
    /// No such order for this account.
    #[error("Order not found")]
    OrderNotFound,
    /// A path outside the API (404; no documented code, so `INVALID_REQUEST`).
    #[error("Not found")]
    UnknownRoute,
    /// A known path with the wrong method (405; `INVALID_REQUEST`).
    #[error("Method not allowed")]
    MethodNotAllowed {
        /// The method the path answers.
        allow: &'static str,
    },
    /// An error injected by a `provider_error` fault.
    #[error("{message}")]
    Injected {
        /// The code.
        code: ErrorCode,
        /// The sentence.
        message: String,
        /// `retry_after_seconds`, when the fault gives one.
        retry_after_seconds: Option<u64>,
    },
}

/// The JSON body of every Telenumerus error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A sentence.
    pub error: String,
    /// The machine-readable code.
    pub error_code: ErrorCode,
    /// Whether retrying may succeed.
    pub retryable: bool,
    /// Seconds to wait before retrying; `null` for errors that are not retryable.
    pub retry_after_seconds: Option<u64>,
}

impl TelenumerusError {
    /// The error code in the body.
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Self::MissingKey | Self::InvalidKey => ErrorCode::InvalidApiKey,
            Self::Suspended => ErrorCode::AccountSuspended,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::UnknownPlatform(_) => ErrorCode::UnknownPlatform,
            Self::UnknownCountry(_) | Self::InvalidRequest(_) | Self::UnknownRoute | Self::MethodNotAllowed { .. } => {
                ErrorCode::InvalidRequest
            }
            Self::InsufficientBalance { .. } => ErrorCode::InsufficientBalance,
            Self::OrderInProgress { .. } => ErrorCode::OrderInProgress,
            Self::NoNumbers { .. } | Self::RegistrationClosed => ErrorCode::ProviderUnavailable,
            Self::OrderNotFound => ErrorCode::OrderNotFound,
            Self::Injected { code, .. } => *code,
        }
    }

    /// The HTTP status: the code's, except 404 for unknown paths and 405 for wrong methods.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::UnknownRoute => 404,
            Self::MethodNotAllowed { .. } => 405,
            _ => self.code().status(),
        }
    }

    /// `retry_after_seconds`: the computed wait of a rate limit or an order in progress, else the
    /// code's default; `None` when the code is not retryable.
    pub(crate) fn retry_after_seconds(&self) -> Option<u64> {
        let code = self.code();
        if !code.retryable() {
            return None;
        }
        match self {
            Self::RateLimited { retry_after_seconds, .. } | Self::OrderInProgress { retry_after_seconds, .. } => {
                Some(*retry_after_seconds)
            }
            Self::Injected { retry_after_seconds: Some(seconds), .. } => Some(*seconds),
            _ => code.default_retry_after_seconds(),
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> ErrorBody {
        let code = self.code();
        ErrorBody {
            error: self.to_string(),
            error_code: code,
            retryable: code.retryable(),
            retry_after_seconds: self.retry_after_seconds(),
        }
    }

    /// The response: status, JSON body, `Retry-After` on 429 and 503, `Allow` on 405.
    pub(crate) fn into_response(self) -> SimResponse {
        let status = self.status();
        let mut response = SimResponse::json_of(status, &self.body());
        if matches!(status, 429 | 503)
            && let Some(seconds) = self.retry_after_seconds()
        {
            response = response.with_header("Retry-After", &seconds.to_string());
        }
        if let Self::MethodNotAllowed { allow } = self {
            response = response.with_header("Allow", allow);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_assumed_statuses_and_the_documented_retryable_flag() {
        let table: Vec<(&str, u16, bool)> =
            ErrorCode::ALL.iter().map(|c| (c.as_str(), c.status(), c.retryable())).collect();
        assert_eq!(
            table,
            [
                ("RATE_LIMITED", 429, true),
                ("INVALID_API_KEY", 401, false),
                ("ACCOUNT_SUSPENDED", 403, false),
                ("INSUFFICIENT_BALANCE", 402, false),
                ("UNKNOWN_PLATFORM", 400, false),
                ("ORDER_IN_PROGRESS", 409, true),
                ("PROVIDER_UNAVAILABLE", 503, true),
                ("ORDER_NOT_FOUND", 404, false),
                ("INVALID_REQUEST", 400, false),
                ("INTERNAL_ERROR", 500, true),
            ]
        );
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(serde_json::to_value(code).expect("serialises"), code.as_str());
        }
        assert_eq!(ErrorCode::for_status(400), Some(ErrorCode::InvalidRequest));
        assert_eq!(ErrorCode::for_status(418), None);
    }

    #[test]
    fn bodies_and_headers() {
        let limited = TelenumerusError::RateLimited { limit: 120, retry_after_seconds: 7 }.into_response();
        assert_eq!(limited.status(), Some(429));
        assert_eq!(limited.header("retry-after"), Some("7"));
        let body = limited.json_body().expect("JSON");
        assert_eq!(body["error_code"], "RATE_LIMITED");
        assert_eq!(body["retryable"], true);
        assert_eq!(body["retry_after_seconds"], 7);
        let invalid = TelenumerusError::InvalidKey.into_response();
        assert_eq!(invalid.header("retry-after"), None);
        assert_eq!(
            invalid.json_body(),
            Some(
                serde_json::json!({"error":"Invalid API key","error_code":"INVALID_API_KEY","retryable":false,"retry_after_seconds":null})
            )
        );
        let busy = TelenumerusError::OrderInProgress { order_id: "a".to_owned(), retry_after_seconds: 290 };
        assert_eq!(busy.retry_after_seconds(), Some(290));
        assert_eq!(busy.into_response().header("retry-after"), None);
        let down = TelenumerusError::NoNumbers { platform: "wise".to_owned(), country: "CN".to_owned() };
        assert_eq!(down.into_response().header("retry-after"), Some("30"));
    }
}
