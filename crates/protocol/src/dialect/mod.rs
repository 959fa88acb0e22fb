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

pub use agentotp::{AgentOtp, AgentOtpSettings};
pub use oxgel::Oxgel;
pub use telenumerus::Telenumerus;

/// An order as the provider addresses it: by its id, or (Agent OTP) by its number, and the rental's
/// start where the provider says when it was.
#[derive(Debug, Clone, Copy)]
pub struct OrderRef<'a> {
    pub id: &'a OrderId,
    /// The service it was bought for (Agent OTP: whose sender its SMS comes from).
    pub service: &'a str,
    pub phone: &'a str,
    pub rented_at: Option<Timestamp>,
}

/// What an operation needs: a request to the provider, or an answer the dialect already knows (from
/// the provider's document or the deployment's configuration), so nothing is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask<T> {
    Send(HttpRequest),
    Known(T),
}

/// How a provider pushes an order's code, when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// Server-Sent Events: each event's `data:` is read by [`Dialect::parse_event`] (Telenumerus).
    EventStream,
    /// A request held until a code arrives or its timeout; read by [`Dialect::parse_listen`] (Agent OTP).
    LongPoll,
}

/// A provider's own rules, from its document (see `docs/assumptions.md` where it is silent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Cancelling is refused until this long after purchase (OxgelAPI: 120 s; others: 0).
    pub cancel_after_seconds: u64,
    /// How often an order's status may be asked for.
    pub poll_interval_seconds: u64,
    /// How the provider pushes codes, if it does.
    pub push: Option<Push>,
    /// Requests per minute the provider allows one key, for the whole deployment.
    pub requests_per_minute: Option<u32>,
    /// Orders the provider allows open (waiting for a code) at once, for the whole account.
    pub open_orders: Option<u32>,
    /// Whether `/prices` carries the real price (false: Agent OTP without `AGENTOTP_PRICE`, whose
    /// prices read 0 and cannot be checked against a limit).
    pub prices_known: bool,
}

/// One provider's API: how to ask, and how to read the answer.
///
/// Operations a provider does not offer answer [`ApiError::NotSupported`] when the request is built,
/// so nothing is sent.
pub trait Dialect {
    /// The provider's name in configuration (`oxgel`, `telenumerus`, `agentotp`).
    fn name(&self) -> &'static str;

    /// The provider's rules: cancel window, poll interval, push, limits.
    fn rules(&self) -> Rules;

    fn balance(&self) -> Result<Ask<Balance>, ApiError>;
    fn parse_balance(&self, response: &HttpResponse) -> Result<Balance, ApiError>;

    fn services(&self) -> Result<Ask<Vec<Service>>, ApiError>;
    fn parse_services(&self, response: &HttpResponse) -> Result<Vec<Service>, ApiError>;

    fn countries(&self) -> Result<Ask<Vec<Country>>, ApiError>;
    fn parse_countries(&self, response: &HttpResponse) -> Result<Vec<Country>, ApiError>;

    /// Prices and stock, for one service and/or one country when given.
    fn prices(&self, service: Option<&ServiceCode>, country: Option<&CountryCode>)
    -> Result<Ask<Vec<Price>>, ApiError>;
    fn parse_prices(
        &self,
        response: &HttpResponse,
        service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Vec<Price>, ApiError>;

    /// Buys a number; the idempotency key is forwarded where the provider supports one.
    fn buy(&self, request: &BuyRequest, idempotency_key: Option<&IdempotencyKey>) -> Result<HttpRequest, ApiError>;
    /// Reads a purchase; `now` turns relative expiry (`"expires_in": 300`) into an instant.
    fn parse_buy(&self, response: &HttpResponse, now: Timestamp) -> Result<BoughtNumber, ApiError>;

    fn status(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError>;
    fn parse_status(&self, response: &HttpResponse, order: &OrderRef<'_>) -> Result<StatusResponse, ApiError>;

    fn cancel(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError>;
    fn parse_cancel(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError>;

    /// Finishing: a request, or (where the provider has no such operation) the answer of closing the
    /// order on vnum's side only.
    fn finish(&self, order: &OrderRef<'_>) -> Result<Ask<ActionResponse>, ApiError>;
    fn parse_finish(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError>;

    fn another(&self, _order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "another SMS to the same number"))
    }
    fn parse_another(&self, _response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        Err(unsupported(self.name(), "another SMS to the same number"))
    }

    /// The provider's push for one order ([`Rules::push`]), held at most `seconds`.
    fn listen(&self, _order: &OrderRef<'_>, _seconds: u64) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "pushing codes"))
    }
    /// Reads a long-poll's answer ([`Push::LongPoll`]): a code, or still waiting.
    fn parse_listen(&self, _response: &HttpResponse, _order: &OrderRef<'_>) -> Result<StatusResponse, ApiError> {
        Err(unsupported(self.name(), "pushing codes"))
    }
    /// Reads one Server-Sent Event's `data` ([`Push::EventStream`]): `None` for events that change
    /// nothing.
    fn parse_event(&self, _data: &str) -> Option<StatusResponse> {
        None
    }
    /// Reads the error answer of a push request (its status was not a success).
    fn listen_error(&self, response: &HttpResponse) -> ApiError {
        generic_status_error(response, response.body_excerpt(EXCERPT))
    }
}

/// The answer of an operation the dialect always knows without asking (its parser then reads no
/// response: it gives that same answer).
pub(crate) fn known<T>(ask: Result<Ask<T>, ApiError>) -> Result<T, ApiError> {
    match ask? {
        Ask::Known(answer) => Ok(answer),
        Ask::Send(_) => Err(ApiError::Internal { reason: "an answer known without asking was asked for".to_owned() }),
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
        500..=599 => ApiError::UpstreamUnavailable {
            status: Some(response.status),
            retry_after_seconds: response.retry_after_seconds(),
        },
        status => ApiError::UpstreamRejected { status, message },
    }
}

/// The operation is not offered by this provider.
pub fn unsupported(provider: &str, operation: &str) -> ApiError {
    ApiError::NotSupported { provider: provider.to_owned(), operation: operation.to_owned() }
}

/// How long an error excerpt of a provider's body may be.
pub(crate) const EXCERPT: usize = 200;
