//! Agent OTP's errors: `{"success":false,"error":"…"}` with 400, 401, 403, 404 or 500.

use serde::{Deserialize, Serialize};

use crate::http::SimResponse;

/// Why the Agent OTP dialect refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AgentOtpError {
    /// 401: the numbers API without `X-API-Key`.
    #[error("Missing API key: send X-API-Key: ak_…")]
    MissingKey,
    /// 401: a key that belongs to no account.
    #[error("Invalid API key")]
    InvalidKey,
    /// 401: the account is disabled.
    #[error("API key disabled")]
    KeyDisabled,
    /// 401: the account API without `Authorization: Bearer`.
    #[error("Missing bearer token: the account API needs Authorization: Bearer <token>")]
    MissingToken,
    /// 401: a Bearer token that is no account's (an API key is not a token).
    #[error("Invalid token")]
    InvalidToken,
    /// 403: every rental of the quota is used.
    #[error("Quota exceeded: {used} of {limit} rentals used on the {plan} plan")]
    QuotaExceeded {
        /// Plan name.
        plan: String,
        /// Rentals allowed.
        limit: u64,
        /// Rentals made.
        used: u64,
    },
    /// 400: a body or parameter that is missing or wrong; the text says which.
    #[error("{0}")]
    InvalidRequest(String),
    /// 400: no numbers in that country.
    #[error("Unsupported country: {0}")]
    UnsupportedCountry(String),
    /// 404: the number is not rented by this key.
    #[error("Number not found")]
    NumberNotFound,
    /// 404: a path or method outside the API.
    #[error("Not found")]
    NotFound,
    /// 500: every number of the country's pool is rented.
    #[error("No numbers available in {0}")]
    NoNumbers(String),
    /// An error injected by a `provider_error` fault.
    #[error("{message}")]
    Injected {
        /// HTTP status.
        status: u16,
        /// The text.
        message: String,
    },
}

/// The JSON body of every Agent OTP error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentOtpErrorBody {
    /// `false`.
    pub success: bool,
    /// What went wrong.
    pub error: String,
}

/// The statuses of Agent OTP's table that are errors.
pub(crate) const ERROR_STATUSES: [u16; 5] = [400, 401, 403, 404, 500];

/// The table's description of an error status, used as the text of an injected error.
pub(crate) fn status_description(status: u16) -> &'static str {
    match status {
        400 => "Bad Request - Invalid parameters",
        401 => "Unauthorized - Invalid API key",
        403 => "Forbidden - Quota exceeded",
        404 => "Not Found - Resource doesn't exist",
        _ => "Server Error",
    }
}

impl AgentOtpError {
    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::MissingKey | Self::InvalidKey | Self::KeyDisabled | Self::MissingToken | Self::InvalidToken => 401,
            Self::QuotaExceeded { .. } => 403,
            Self::InvalidRequest(_) | Self::UnsupportedCountry(_) => 400,
            Self::NumberNotFound | Self::NotFound => 404,
            Self::NoNumbers(_) => 500,
            Self::Injected { status, .. } => *status,
        }
    }

    /// The response.
    pub(crate) fn into_response(self) -> SimResponse {
        SimResponse::json_of(self.status(), &AgentOtpErrorBody { success: false, error: self.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shape() {
        let response = AgentOtpError::NumberNotFound.into_response();
        assert_eq!(response.status(), Some(404));
        assert_eq!(response.text_body(), r#"{"success":false,"error":"Number not found"}"#);
        let quota = AgentOtpError::QuotaExceeded { plan: "pro".to_owned(), limit: 2, used: 2 };
        assert_eq!(quota.status(), 403);
        assert_eq!(quota.to_string(), "Quota exceeded: 2 of 2 rentals used on the pro plan");
        for status in ERROR_STATUSES {
            assert!(!status_description(status).is_empty());
        }
    }
}
