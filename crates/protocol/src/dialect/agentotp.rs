//! Agent OTP: key in `X-API-Key` (`ak_…`); numbers are rented per country and addressed by the number
//! itself (E.164 with `+`, URL-encoded in the path).
//!
//! The proxy's order id for an Agent OTP rental is the number's digits without `+`, so that it fits the
//! order-id shape and still addresses the number. Errors are `{success:false, error}` with 400, 401,
//! 403 (quota), 404 and 500. Balance, catalogue, prices and another SMS are not offered.

use serde::Deserialize;
use serde_json::json;

use super::{Dialect, EXCERPT, generic_status_error, json_body};
use crate::ApiError;
use crate::api::{ActionResponse, BoughtNumber, BuyRequest, OrderStatus, StatusResponse};
use crate::http::{HttpRequest, HttpResponse, Method, Secret, encode_component};
use crate::time::Timestamp;
use crate::validate::{IdempotencyKey, OrderId, PhoneNumber};

/// How long a rental is asked to last.
pub const RENTAL_SECONDS: u64 = 900;

/// The Agent OTP dialect.
#[derive(Debug, Clone)]
pub struct AgentOtp {
    api_key: Secret,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    data: Option<T>,
}

#[derive(Deserialize)]
struct Rental {
    number: String,
    #[serde(default)]
    expires_at: Option<Timestamp>,
    #[serde(default, alias = "price")]
    cost: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Messages {
    List(Vec<Message>),
    Wrapped { messages: Vec<Message> },
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    code: Option<String>,
    #[serde(default, alias = "message", alias = "body", alias = "text")]
    raw_message: Option<String>,
    #[serde(default)]
    received_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Otp {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    raw_message: Option<String>,
}

impl AgentOtp {
    pub fn new(api_key: Secret) -> Self {
        Self { api_key }
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        HttpRequest::new(method, path).header("X-API-Key", self.api_key.expose()).header("Accept", "application/json")
    }

    /// The path of one rented number: `/numbers/%2B15551234567`.
    fn number_path(id: &OrderId, rest: &str) -> Result<String, ApiError> {
        let phone = PhoneNumber::parse(id.as_str())?;
        Ok(format!("/numbers/{}{rest}", encode_component(phone.as_str())))
    }

    fn data<T: serde::de::DeserializeOwned>(&self, response: &HttpResponse) -> Result<T, ApiError> {
        if !response.is_success() {
            return Err(Self::error(response));
        }
        let envelope: Envelope<T> = json_body(response)?;
        if envelope.success == Some(false) {
            return Err(ApiError::UpstreamRejected {
                status: response.status,
                message: envelope.error.unwrap_or_else(|| "request failed".to_owned()),
            });
        }
        envelope.data.ok_or_else(|| ApiError::upstream_invalid("the answer has no data"))
    }

    fn done(&self, response: &HttpResponse, status: OrderStatus) -> Result<ActionResponse, ApiError> {
        if !response.is_success() {
            return Err(Self::error(response));
        }
        Ok(ActionResponse { status, refunded: None, charged: None })
    }

    /// Maps an Agent OTP error response to its meaning.
    pub fn error(response: &HttpResponse) -> ApiError {
        let message = serde_json::from_slice::<Envelope<serde_json::Value>>(&response.body)
            .ok()
            .and_then(|e| e.error)
            .map(|e| e.chars().take(EXCERPT).collect())
            .unwrap_or_else(|| response.body_excerpt(EXCERPT));
        match response.status {
            400 => ApiError::invalid("request", format!("the provider says: {message}")),
            403 => ApiError::Forbidden { reason: format!("the provider quota is used up: {message}") },
            _ => generic_status_error(response, message),
        }
    }

    /// `POST /numbers/{number}/wait-for-otp`: the provider's own long-poll.
    pub fn wait_for_otp(
        &self,
        id: &OrderId,
        timeout_seconds: u64,
        expected_sender: Option<&str>,
    ) -> Result<HttpRequest, ApiError> {
        let mut body = json!({ "timeout_seconds": timeout_seconds });
        if let Some(sender) = expected_sender {
            body["expected_sender"] = json!(sender);
        }
        Ok(self.request(Method::Post, &Self::number_path(id, "/wait-for-otp")?).json(&body))
    }

    /// Reads a `wait-for-otp` answer.
    pub fn parse_wait_for_otp(&self, response: &HttpResponse) -> Result<StatusResponse, ApiError> {
        let otp: Otp = self.data(response)?;
        let code = otp.code.or_else(|| otp.raw_message.as_deref().and_then(crate::sms::extract_code));
        let status = match (&code, otp.status.as_deref().map(OrderStatus::parse)) {
            (Some(_), _) => OrderStatus::Received,
            (None, Some(OrderStatus::Received) | None) => OrderStatus::Waiting,
            (None, Some(other)) => other,
        };
        Ok(StatusResponse::new(status, code, otp.raw_message, String::new()))
    }
}

impl Dialect for AgentOtp {
    fn name(&self) -> &'static str {
        "agentotp"
    }

    fn buy(&self, request: &BuyRequest, _idempotency_key: Option<&IdempotencyKey>) -> Result<HttpRequest, ApiError> {
        let body = json!({ "country": request.country, "timeout_seconds": RENTAL_SECONDS });
        Ok(self.request(Method::Post, "/numbers/rent").json(&body))
    }

    fn parse_buy(&self, response: &HttpResponse, now: Timestamp) -> Result<BoughtNumber, ApiError> {
        let rental: Rental = self.data(response)?;
        let phone = PhoneNumber::parse(&rental.number)
            .map_err(|_| ApiError::upstream_invalid("the rented number is not E.164"))?;
        Ok(BoughtNumber {
            id: phone.as_str().trim_start_matches('+').to_owned(),
            order_code: None,
            phone: phone.as_str().to_owned(),
            expires_at: rental.expires_at.unwrap_or_else(|| now.plus_seconds(RENTAL_SECONDS)),
            cost: rental.cost.unwrap_or(0.0),
        })
    }

    fn status(&self, id: &OrderId) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Get, &Self::number_path(id, "/messages")?))
    }

    fn parse_status(&self, response: &HttpResponse) -> Result<StatusResponse, ApiError> {
        let messages = match self.data::<Messages>(response)? {
            Messages::List(list) | Messages::Wrapped { messages: list } => list,
        };
        // The newest message carries the current code.
        let latest = messages.into_iter().max_by_key(|m| m.received_at.unwrap_or_default());
        let Some(latest) = latest else {
            return Ok(StatusResponse::new(OrderStatus::Waiting, None, None, String::new()));
        };
        let code = latest.code.or_else(|| latest.raw_message.as_deref().and_then(crate::sms::extract_code));
        Ok(StatusResponse::new(OrderStatus::Received, code, latest.raw_message, String::new()))
    }

    fn cancel(&self, id: &OrderId) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Delete, &Self::number_path(id, "")?))
    }

    fn parse_cancel(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        self.done(response, OrderStatus::Cancelled)
    }

    fn finish(&self, id: &OrderId) -> Result<HttpRequest, ApiError> {
        // Releasing the number is how a rental ends.
        Ok(self.request(Method::Delete, &Self::number_path(id, "")?))
    }

    fn parse_finish(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        self.done(response, OrderStatus::Finished)
    }
}
