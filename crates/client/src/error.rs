//! The client's one error type: what the proxy (or the provider) said, or what went wrong on the way.

use std::fmt;

use vnum_protocol::http::HttpResponse;
use vnum_protocol::{ApiError, ErrorBody, ErrorCode};

/// `error_code` of a request that was aborted (an `AbortSignal` in JS, a dropped future in Rust never
/// sees it).
pub const ABORTED: &str = "ABORTED";
/// `error_code` of a request that got no HTTP answer at all: connection refused, DNS, TLS, CORS, offline.
pub const NETWORK_ERROR: &str = "NETWORK_ERROR";

/// Everything a call can fail with.
///
/// `code` is the proxy's `error_code` (see the README's table), one of the protocol's client-side codes
/// (`INVALID_REQUEST` for bad input, caught before any request; `TIMEOUT`), or one of this crate's
/// [`ABORTED`] and [`NETWORK_ERROR`] (kept as [`ErrorCode::Unknown`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// The machine-readable code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// Whether sending the same request again later may succeed.
    pub retryable: bool,
    /// How long to wait before retrying, when known.
    pub retry_after_seconds: Option<u64>,
    /// The HTTP status of the answer this error was read from; `None` when there was no answer
    /// (bad input, network failure, abort, client-side timeout).
    pub status: Option<u16>,
}

impl Error {
    /// The request was aborted.
    pub fn aborted() -> Self {
        Self::client(ErrorCode::Unknown(ABORTED.to_owned()), "the operation was aborted", false)
    }

    /// The request got no HTTP answer.
    pub fn network(reason: impl fmt::Display) -> Self {
        Self::client(ErrorCode::Unknown(NETWORK_ERROR.to_owned()), format!("the request failed: {reason}"), true)
    }

    /// One request took longer than the client's request timeout.
    pub fn request_timeout(millis: u64) -> Self {
        Self::client(ErrorCode::Timeout, format!("no answer within {} ms", millis), true)
    }

    fn client(code: ErrorCode, message: impl Into<String>, retryable: bool) -> Self {
        Self { code, message: message.into(), retryable, retry_after_seconds: None, status: None }
    }

    /// Reads an error answer of the vnum proxy (the v1 error body), or makes the best of a body that is
    /// not one (a CDN page, an old proxy) from its status.
    pub fn from_response(response: &HttpResponse) -> Self {
        let status = Some(response.status);
        if let Some(body) = ErrorBody::parse(&response.body) {
            return Self {
                code: body.error_code,
                message: body.error,
                retryable: body.retryable,
                retry_after_seconds: body.retry_after_seconds.or_else(|| response.retry_after_seconds()),
                status,
            };
        }
        let api = match response.status {
            400 => ApiError::invalid("request", response.body_excerpt(200)),
            401 => ApiError::Unauthorized,
            402 => ApiError::InsufficientBalance,
            403 => ApiError::Forbidden { reason: response.body_excerpt(200) },
            404 => ApiError::not_found("resource"),
            408 | 504 => ApiError::UpstreamTimeout { timeout_seconds: 0 },
            429 => ApiError::RateLimited { retry_after_seconds: response.retry_after_seconds() },
            500 => ApiError::Internal { reason: response.body_excerpt(200) },
            501 => ApiError::NotSupported { provider: "proxy".to_owned(), operation: "this request".to_owned() },
            502..=599 => ApiError::UpstreamUnavailable { status, retry_after_seconds: response.retry_after_seconds() },
            other => ApiError::UpstreamRejected { status: other, message: response.body_excerpt(200) },
        };
        Self { status, ..Self::from(api) }
    }

    /// An answer of the proxy that is not the JSON it should be.
    pub(crate) fn unreadable(error: &serde_json::Error, status: u16) -> Self {
        Self {
            code: ErrorCode::UpstreamInvalidResponse,
            message: format!("the proxy sent an answer that could not be read: {error}"),
            retryable: true,
            retry_after_seconds: None,
            status: Some(status),
        }
    }

    /// What reading an answer of the provider itself (direct use, with an API key) found wrong.
    #[cfg(feature = "direct")]
    pub(crate) fn from_provider(error: ApiError, status: u16) -> Self {
        let error = match error {
            // Direct use: the key that was refused is the caller's own.
            ApiError::UpstreamUnauthorized => Self {
                code: ErrorCode::Unauthorized,
                message: "the provider rejected the API key".to_owned(),
                ..Self::from(error)
            },
            other => Self::from(other),
        };
        Self { status: Some(status), ..error }
    }

    /// The code as sent on the wire, e.g. `"NO_NUMBERS"`.
    pub fn code_str(&self) -> &str {
        self.code.as_str()
    }

    /// Whether this is the abort error.
    pub fn is_aborted(&self) -> bool {
        self.code_str() == ABORTED
    }

    /// Whether the proxy answered that it has no such route (`UNKNOWN_ROUTE`: an older proxy without
    /// `/orders` or `/numbers/wait`, or a base URL that is not the proxy's API root).
    pub fn is_route_not_found(&self) -> bool {
        self.code == ErrorCode::UnknownRoute
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Self {
            code: error.code(),
            message: error.to_string(),
            retryable: error.retryable(),
            retry_after_seconds: error.retry_after_seconds(),
            status: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
