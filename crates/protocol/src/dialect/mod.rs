//! The upstream providers' HTTP dialects, as sans-IO request builders and response parsers.
//!
//! Each dialect turns an operation into an [`HttpRequest`] (with the provider key in the header the
//! provider documents, never in the URL) and reads the provider's [`HttpResponse`] into the proxy's
//! own types from [`crate::api`], mapping the provider's errors into [`ApiError`].

pub mod agentotp;
pub mod oxgel;
pub mod telenumerus;

use serde::de::DeserializeOwned;

use crate::ApiError;
use crate::api::{ActionResponse, Balance, BoughtNumber, BuyRequest, Country, Price, Service, StatusResponse};
use crate::http::{HttpRequest, HttpResponse};
use crate::time::Timestamp;
use crate::validate::{CountryCode, IdempotencyKey, OrderId, ServiceCode};

pub use agentotp::AgentOtp;
pub use oxgel::Oxgel;
pub use telenumerus::Telenumerus;

/// One provider's API: how to ask, and how to read the answer.
///
/// Operations a provider does not offer answer [`ApiError::NotSupported`] when the request is built,
/// so nothing is sent.
pub trait Dialect {
    /// The provider's name in configuration (`oxgel`, `telenumerus`, `agentotp`).
    fn name(&self) -> &'static str;

    // Balance, catalogue, prices and another SMS are not offered by every provider: by default they
    // answer `NOT_SUPPORTED` when the request is built, so nothing is sent.

    fn balance(&self) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "balance"))
    }
    fn parse_balance(&self, _response: &HttpResponse) -> Result<Balance, ApiError> {
        Err(unsupported(self.name(), "balance"))
    }

    fn services(&self) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "services"))
    }
    fn parse_services(&self, _response: &HttpResponse) -> Result<Vec<Service>, ApiError> {
        Err(unsupported(self.name(), "services"))
    }

    fn countries(&self) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "countries"))
    }
    fn parse_countries(&self, _response: &HttpResponse) -> Result<Vec<Country>, ApiError> {
        Err(unsupported(self.name(), "countries"))
    }

    fn prices(&self, _service: Option<&ServiceCode>, _country: Option<&CountryCode>) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "prices"))
    }
    fn parse_prices(&self, _response: &HttpResponse) -> Result<Vec<Price>, ApiError> {
        Err(unsupported(self.name(), "prices"))
    }

    /// Buys a number; the idempotency key is forwarded where the provider supports one.
    fn buy(&self, request: &BuyRequest, idempotency_key: Option<&IdempotencyKey>) -> Result<HttpRequest, ApiError>;
    /// Reads a purchase; `now` turns relative expiry ("expires_in": 300) into an instant.
    fn parse_buy(&self, response: &HttpResponse, now: Timestamp) -> Result<BoughtNumber, ApiError>;

    fn status(&self, id: &OrderId) -> Result<HttpRequest, ApiError>;
    fn parse_status(&self, response: &HttpResponse) -> Result<StatusResponse, ApiError>;

    fn cancel(&self, id: &OrderId) -> Result<HttpRequest, ApiError>;
    fn parse_cancel(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError>;

    fn finish(&self, id: &OrderId) -> Result<HttpRequest, ApiError>;
    fn parse_finish(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError>;

    fn another(&self, _id: &OrderId) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "another SMS"))
    }
    fn parse_another(&self, _response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        Err(unsupported(self.name(), "another SMS"))
    }
}

/// Reads a successful JSON body, or says why it is not one.
pub(crate) fn json_body<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, ApiError> {
    serde_json::from_slice(&response.body).map_err(|e| {
        let kind = if serde_json::from_slice::<serde_json::Value>(&response.body).is_ok() {
            "unexpected JSON shape"
        } else {
            "not JSON"
        };
        ApiError::upstream_invalid(format!("{kind} ({e})"))
    })
}

/// What every provider's non-success statuses mean when nothing more specific applies.
pub(crate) fn generic_status_error(response: &HttpResponse, message: String) -> ApiError {
    match response.status {
        401 => ApiError::UpstreamUnauthorized,
        402 => ApiError::InsufficientBalance,
        403 => ApiError::Forbidden { reason: format!("the provider refused: {message}") },
        404 => ApiError::not_found("order"),
        408 => ApiError::UpstreamTimeout { timeout_seconds: 0 },
        429 => ApiError::RateLimited { retry_after_seconds: response.retry_after_seconds() },
        500..=599 => ApiError::UpstreamUnavailable { status: Some(response.status) },
        status => ApiError::UpstreamRejected { status, message },
    }
}

/// The operation is not offered by this provider.
pub(crate) fn unsupported(provider: &str, operation: &str) -> ApiError {
    ApiError::NotSupported { provider: provider.to_owned(), operation: operation.to_owned() }
}

/// How long an error excerpt of a provider's body may be.
pub(crate) const EXCERPT: usize = 200;
