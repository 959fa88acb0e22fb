//! Telenumerus: base `/api/v1`, key as `Authorization: Bearer`.
//!
//! Orders are `POST /order`, `GET /order/:id`, `POST /order/:id/cancel`; errors already come in vnum's
//! own shape (`error`, `error_code`, `retryable`, `retry_after_seconds`). It publishes no balance,
//! catalogue, finish or another-SMS operation: those answer [`ApiError::NotSupported`].

use serde::Deserialize;
use serde_json::json;

use super::{Dialect, EXCERPT, generic_status_error, json_body, oxgel::action, unsupported};
use crate::ApiError;
use crate::api::{ActionResponse, BoughtNumber, BuyRequest, OrderStatus, StatusResponse};
use crate::error::{ErrorBody, ErrorCode};
use crate::http::{HttpRequest, HttpResponse, Method, Secret, encode_component};
use crate::time::Timestamp;
use crate::validate::{IdempotencyKey, OrderId};

/// Orders live this long when the provider does not say.
pub const DEFAULT_EXPIRES_IN_SECONDS: u64 = 300;

/// The Telenumerus dialect.
#[derive(Debug, Clone)]
pub struct Telenumerus {
    api_key: Secret,
}

impl Telenumerus {
    pub fn new(api_key: Secret) -> Self {
        Self { api_key }
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        HttpRequest::new(method, path)
            .header("Authorization", &format!("Bearer {}", self.api_key.expose()))
            .header("Accept", "application/json")
    }

    fn ok<'r>(&self, response: &'r HttpResponse) -> Result<&'r HttpResponse, ApiError> {
        if response.is_success() { Ok(response) } else { Err(Self::error(response)) }
    }

    /// Maps a Telenumerus error body (vnum's own shape) to its meaning for the proxy's caller.
    pub fn error(response: &HttpResponse) -> ApiError {
        let Some(body) = ErrorBody::parse(&response.body) else {
            return generic_status_error(response, response.body_excerpt(EXCERPT));
        };
        let retry_after = body.retry_after_seconds.or_else(|| response.retry_after_seconds());
        match body.error_code {
            ErrorCode::InvalidRequest => ApiError::invalid("request", format!("the provider says: {}", body.error)),
            // The provider's caller is the proxy: its 401 is about the proxy's key.
            ErrorCode::Unauthorized => ApiError::UpstreamUnauthorized,
            ErrorCode::InsufficientBalance => ApiError::InsufficientBalance,
            ErrorCode::NoNumbers => ApiError::NoNumbers,
            ErrorCode::NotFound => ApiError::not_found("order"),
            ErrorCode::RateLimited => ApiError::RateLimited { retry_after_seconds: retry_after },
            ErrorCode::CancelTooEarly => ApiError::CancelTooEarly { retry_after_seconds: retry_after.unwrap_or(0) },
            _ => generic_status_error(response, body.error.chars().take(EXCERPT).collect()),
        }
    }

    fn order_path(id: &OrderId, action: &str) -> String {
        format!("/order/{}{action}", encode_component(id.as_str()))
    }
}

#[derive(Deserialize)]
struct OrderCreated {
    #[serde(deserialize_with = "id_text")]
    order_id: String,
    phone: String,
    #[serde(default, alias = "cost")]
    price: f64,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    expires_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct OrderState {
    status: OrderStatus,
    #[serde(default)]
    code: Option<String>,
    #[serde(default, alias = "sms", alias = "text")]
    message: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

fn id_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => Ok(text),
        serde_json::Value::Number(number) => Ok(number.to_string()),
        other => Err(serde::de::Error::custom(format!("order_id must be a string or number, not {other}"))),
    }
}

impl Dialect for Telenumerus {
    fn name(&self) -> &'static str {
        "telenumerus"
    }

    fn buy(&self, request: &BuyRequest, idempotency_key: Option<&IdempotencyKey>) -> Result<HttpRequest, ApiError> {
        let mut body = json!({ "platform": request.service, "country": request.country });
        if let Some(key) = idempotency_key {
            body["idempotency_key"] = json!(key.as_str());
        }
        Ok(self.request(Method::Post, "/order").json(&body))
    }

    fn parse_buy(&self, response: &HttpResponse, now: Timestamp) -> Result<BoughtNumber, ApiError> {
        let created: OrderCreated = json_body(self.ok(response)?)?;
        OrderId::parse(&created.order_id)
            .map_err(|_| ApiError::upstream_invalid("the order id has an unexpected shape"))?;
        // Both documented shapes: `expires_in` seconds, or an `expires_at` instant.
        let expires_at = created
            .expires_at
            .unwrap_or_else(|| now.plus_seconds(created.expires_in.unwrap_or(DEFAULT_EXPIRES_IN_SECONDS)));
        Ok(BoughtNumber {
            id: created.order_id,
            order_code: None,
            phone: created.phone,
            expires_at,
            cost: created.price,
        })
    }

    fn status(&self, id: &OrderId) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Get, &Self::order_path(id, "")))
    }

    fn parse_status(&self, response: &HttpResponse) -> Result<StatusResponse, ApiError> {
        let state: OrderState = json_body(self.ok(response)?)?;
        let code = state.code.or_else(|| state.message.as_deref().and_then(crate::sms::extract_code));
        let status = match state.status {
            OrderStatus::Waiting if code.is_some() => OrderStatus::Received,
            other => other,
        };
        Ok(StatusResponse::new(status, code, state.message, state.phone.unwrap_or_default()))
    }

    fn cancel(&self, id: &OrderId) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Post, &Self::order_path(id, "/cancel")))
    }

    fn parse_cancel(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        // `refunded` may be an amount or a flag; only an amount is kept.
        let ok = self.ok(response)?;
        let value: serde_json::Value = json_body(ok)?;
        Ok(ActionResponse {
            status: OrderStatus::Cancelled,
            refunded: value.get("refunded").and_then(serde_json::Value::as_f64),
            charged: None,
        })
    }

    fn finish(&self, _id: &OrderId) -> Result<HttpRequest, ApiError> {
        Err(unsupported(self.name(), "finish"))
    }

    fn parse_finish(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        action(self.ok(response)?, OrderStatus::Finished)
    }
}

/// One Server-Sent Event of `GET /order/:id/stream`: `data: {"event":"code","code":"123456"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StreamEvent {
    pub event: String,
    #[serde(default)]
    pub code: Option<String>,
}

impl StreamEvent {
    /// Reads the `data:` payload of one event; `None` for anything else (comments, keep-alives).
    pub fn parse(data: &str) -> Option<Self> {
        serde_json::from_str(data.trim()).ok()
    }
}
