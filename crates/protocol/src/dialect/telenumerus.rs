//! Telenumerus: paths under `/api/v1`, key as `Authorization: Bearer` (never in the query).
//!
//! Catalogue: `GET /services` (platforms and prices), `GET /availability?country=` (price and stock per
//! platform), `GET /account` (balance); its 24 countries are a list in its document. Orders:
//! `POST /order`, `GET /order/:id`, `GET /order/:id/stream` (Server-Sent Events), and
//! `POST /order/:id/cancel`, at any time. Errors come as `{error, error_code, retryable,
//! retry_after_seconds}` with the codes of its table. Finish is not an operation of Telenumerus (a
//! `completed` order is done), and another SMS is not offered. What the document leaves open is in
//! `docs/assumptions.md`.

use serde::Deserialize;
use serde_json::json;

use super::{Ask, Dialect, EXCERPT, OrderRef, Push, Rules, generic_status_error, json_body, known};
use crate::ApiError;
use crate::api::{
    ActionResponse, Balance, BoughtNumber, BuyRequest, Country, OrderStatus, Price, Service, StatusResponse,
};
use crate::http::{HttpRequest, HttpResponse, Method, Secret, encode_component};
use crate::time::Timestamp;
use crate::validate::{CountryCode, IdempotencyKey, OrderId, ServiceCode};

/// "Orders expire in 300 seconds."
pub const EXPIRES_IN_SECONDS: u64 = 300;
/// "Poll every 5-10 seconds": vnum polls at the shorter end, and only when the stream fails.
pub const POLL_INTERVAL_SECONDS: u64 = 5;
/// "120 requests/minute per API key."
pub const REQUESTS_PER_MINUTE: u32 = 120;
/// "1 concurrent order per account."
pub const OPEN_ORDERS: u32 = 1;
/// "Default country is US if not specified."
pub const DEFAULT_COUNTRY: &str = "US";
/// "PROVIDER_UNAVAILABLE … retry in 30s."
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 30;
/// "INTERNAL_ERROR … retry in a few seconds."
pub const INTERNAL_ERROR_RETRY_SECONDS: u64 = 5;
/// A `RATE_LIMITED` answer without its wait: the limits are per minute.
pub const RATE_LIMITED_RETRY_SECONDS: u64 = 60;

/// The Telenumerus dialect.
#[derive(Debug, Clone)]
pub struct Telenumerus {
    api_key: Secret,
}

/// The documented error body.
#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    error: Option<String>,
    error_code: String,
    #[serde(default)]
    retryable: Option<bool>,
    #[serde(default)]
    retry_after_seconds: Option<u64>,
}

/// `GET /services`: `{"services":[…]}`, or the list alone.
#[derive(Deserialize)]
#[serde(untagged)]
enum ServicesAnswer {
    Wrapped { services: Vec<Platform> },
    List(Vec<Platform>),
}

#[derive(Deserialize)]
struct Platform {
    platform: String,
    #[serde(default)]
    name: Option<String>,
}

/// `GET /availability?country=`.
#[derive(Deserialize)]
struct Availability {
    platforms: Vec<Available>,
}

#[derive(Deserialize)]
struct Available {
    platform: String,
    price: f64,
    stock: String,
}

/// `GET /account`.
#[derive(Deserialize)]
struct Account {
    balance: f64,
    #[serde(default)]
    currency: Option<String>,
}

/// `POST /order`.
#[derive(Deserialize)]
struct OrderCreated {
    order_id: String,
    phone: String,
    price: f64,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// `GET /order/:id`.
#[derive(Deserialize)]
struct OrderState {
    status: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

/// `POST /order/:id/cancel`.
#[derive(Deserialize)]
struct Cancelled {
    #[serde(default)]
    refunded: Option<f64>,
}

/// One event of `GET /order/:id/stream`.
#[derive(Deserialize)]
struct StreamEvent {
    event: String,
    #[serde(default)]
    code: Option<String>,
}

impl Telenumerus {
    pub fn new(api_key: Secret) -> Self {
        Self { api_key }
    }

    /// An endpoint that needs the key.
    fn authorized(&self, method: Method, path: &str) -> HttpRequest {
        Self::public(method, path).header("Authorization", &format!("Bearer {}", self.api_key.expose()))
    }

    /// An endpoint the document lists without auth: the key is not sent where it is not needed.
    fn public(method: Method, path: &str) -> HttpRequest {
        HttpRequest::new(method, path).header("Accept", "application/json")
    }

    fn ok<'r>(&self, response: &'r HttpResponse) -> Result<&'r HttpResponse, ApiError> {
        if response.is_success() { Ok(response) } else { Err(Self::error(response)) }
    }

    /// Maps a Telenumerus error answer to its meaning for vnum's caller, by its `error_code`.
    pub fn error(response: &HttpResponse) -> ApiError {
        let Ok(body) = serde_json::from_slice::<ErrorAnswer>(&response.body) else {
            return generic_status_error(response, response.body_excerpt(EXCERPT));
        };
        let said: String = body.error.as_deref().unwrap_or(&body.error_code).chars().take(EXCERPT).collect();
        let retry_after = body.retry_after_seconds.or_else(|| response.retry_after_seconds());
        let status = Some(response.status);
        match body.error_code.as_str() {
            "RATE_LIMITED" => {
                ApiError::RateLimited { retry_after_seconds: Some(retry_after.unwrap_or(RATE_LIMITED_RETRY_SECONDS)) }
            }
            // The provider's caller is vnum: its key is the operator's.
            "INVALID_API_KEY" => ApiError::UpstreamUnauthorized,
            "ACCOUNT_SUSPENDED" => ApiError::UpstreamSuspended,
            "INSUFFICIENT_BALANCE" => ApiError::InsufficientBalance,
            "UNKNOWN_PLATFORM" => ApiError::invalid("service", "the provider does not offer this platform"),
            "ORDER_IN_PROGRESS" => ApiError::OrderInProgress { retry_after_seconds: retry_after },
            "PROVIDER_UNAVAILABLE" => ApiError::UpstreamUnavailable {
                status,
                retry_after_seconds: Some(retry_after.unwrap_or(UNAVAILABLE_RETRY_SECONDS)),
            },
            "INTERNAL_ERROR" => ApiError::UpstreamUnavailable {
                status,
                retry_after_seconds: Some(retry_after.unwrap_or(INTERNAL_ERROR_RETRY_SECONDS)),
            },
            "ORDER_NOT_FOUND" => ApiError::not_found("order"),
            "INVALID_REQUEST" => ApiError::invalid("request", format!("the provider says: {said}")),
            // A code the document does not list: its own `retryable` says whether to try again.
            _ if body.retryable == Some(true) => {
                ApiError::UpstreamUnavailable { status, retry_after_seconds: retry_after }
            }
            _ => ApiError::UpstreamRejected { status: response.status, message: said },
        }
    }

    fn order_path(id: &OrderId, action: &str) -> String {
        format!("/order/{}{action}", encode_component(id.as_str()))
    }

    /// The country asked of `/availability`: the one given, else the provider's default.
    fn country(country: Option<&CountryCode>) -> &str {
        country.map_or(DEFAULT_COUNTRY, CountryCode::as_str)
    }
}

/// The documented stock words as a count (see `docs/assumptions.md`).
pub fn stock_count(word: &str) -> u64 {
    match word {
        "high" => 100,
        "medium" => 20,
        "low" => 5,
        "none" => 0,
        _ => 1,
    }
}

/// The documented order statuses (see `docs/assumptions.md` for `pending` and `failed`).
fn order_status(word: &str) -> OrderStatus {
    match word {
        "pending" => OrderStatus::Waiting,
        "completed" => OrderStatus::Received,
        "cancelled" => OrderStatus::Cancelled,
        "expired" | "failed" => OrderStatus::Expired,
        other => OrderStatus::Unknown(other.to_owned()),
    }
}

impl Dialect for Telenumerus {
    fn name(&self) -> &'static str {
        "telenumerus"
    }

    fn rules(&self) -> Rules {
        Rules {
            cancel_after_seconds: 0,
            poll_interval_seconds: POLL_INTERVAL_SECONDS,
            push: Some(Push::EventStream),
            requests_per_minute: Some(REQUESTS_PER_MINUTE),
            open_orders: Some(OPEN_ORDERS),
            prices_known: true,
        }
    }

    fn balance(&self) -> Result<Ask<Balance>, ApiError> {
        Ok(Ask::Send(self.authorized(Method::Get, "/account")))
    }

    fn parse_balance(&self, response: &HttpResponse) -> Result<Balance, ApiError> {
        let account: Account = json_body(self.ok(response)?)?;
        Ok(Balance {
            balance: account.balance,
            escrow: 0.0,
            currency: account.currency.unwrap_or_else(|| "USD".to_owned()),
            quota: None,
        })
    }

    fn services(&self) -> Result<Ask<Vec<Service>>, ApiError> {
        Ok(Ask::Send(Self::public(Method::Get, "/services")))
    }

    fn parse_services(&self, response: &HttpResponse) -> Result<Vec<Service>, ApiError> {
        let platforms = match json_body::<ServicesAnswer>(self.ok(response)?)? {
            ServicesAnswer::Wrapped { services } | ServicesAnswer::List(services) => services,
        };
        Ok(platforms
            .into_iter()
            .map(|p| Service { name: p.name.unwrap_or_else(|| p.platform.clone()), code: p.platform })
            .collect())
    }

    fn countries(&self) -> Result<Ask<Vec<Country>>, ApiError> {
        Ok(Ask::Known(crate::countries::codes().map(crate::countries::entry).collect()))
    }

    fn parse_countries(&self, _response: &HttpResponse) -> Result<Vec<Country>, ApiError> {
        known(self.countries())
    }

    fn prices(
        &self,
        _service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Ask<Vec<Price>>, ApiError> {
        Ok(Ask::Send(Self::public(Method::Get, "/availability").query("country", Self::country(country))))
    }

    fn parse_prices(
        &self,
        response: &HttpResponse,
        service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Vec<Price>, ApiError> {
        let availability: Availability = json_body(self.ok(response)?)?;
        let country = Self::country(country);
        Ok(availability
            .platforms
            .into_iter()
            .filter(|p| service.is_none_or(|s| s.as_str() == p.platform))
            .map(|p| Price {
                service: p.platform,
                country: country.to_owned(),
                price: p.price,
                stock: stock_count(&p.stock),
            })
            .collect())
    }

    fn buy(&self, request: &BuyRequest, idempotency_key: Option<&IdempotencyKey>) -> Result<HttpRequest, ApiError> {
        let mut body = json!({ "platform": request.service, "country": request.country });
        if let Some(key) = idempotency_key {
            body["idempotency_key"] = json!(key.as_str());
        }
        Ok(self.authorized(Method::Post, "/order").json(&body))
    }

    fn parse_buy(&self, response: &HttpResponse, now: Timestamp) -> Result<BoughtNumber, ApiError> {
        let created: OrderCreated = json_body(self.ok(response)?)?;
        OrderId::parse(&created.order_id)
            .map_err(|_| ApiError::upstream_invalid("the order id has an unexpected shape"))?;
        Ok(BoughtNumber {
            id: created.order_id,
            order_code: None,
            phone: created.phone,
            expires_at: now.plus_seconds(created.expires_in.unwrap_or(EXPIRES_IN_SECONDS)),
            cost: created.price,
            rented_at: None,
        })
    }

    fn status(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Ok(self.authorized(Method::Get, &Self::order_path(order.id, "")))
    }

    fn parse_status(&self, response: &HttpResponse, order: &OrderRef<'_>) -> Result<StatusResponse, ApiError> {
        let state: OrderState = json_body(self.ok(response)?)?;
        let code = state.code.filter(|c| !c.is_empty());
        let status = match order_status(&state.status) {
            OrderStatus::Waiting if code.is_some() => OrderStatus::Received,
            other => other,
        };
        Ok(StatusResponse::new(status, code, None, state.phone.unwrap_or_else(|| order.phone.to_owned())))
    }

    fn cancel(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Ok(self.authorized(Method::Post, &Self::order_path(order.id, "/cancel")))
    }

    fn parse_cancel(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        let cancelled: Cancelled = json_body(self.ok(response)?)?;
        Ok(ActionResponse { status: OrderStatus::Cancelled, refunded: cancelled.refunded, charged: None })
    }

    fn finish(&self, _order: &OrderRef<'_>) -> Result<Ask<ActionResponse>, ApiError> {
        // A completed order is done at Telenumerus: finishing closes it on vnum's side only.
        Ok(Ask::Known(ActionResponse { status: OrderStatus::Finished, refunded: None, charged: None }))
    }

    fn parse_finish(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        self.ok(response)?;
        Ok(ActionResponse { status: OrderStatus::Finished, refunded: None, charged: None })
    }

    fn listen(&self, order: &OrderRef<'_>, _seconds: u64) -> Result<HttpRequest, ApiError> {
        // The stream holds as long as the provider keeps it; the host bounds it.
        let mut request = self.authorized(Method::Get, &Self::order_path(order.id, "/stream"));
        request.headers.retain(|(name, _)| name != "Accept");
        Ok(request.header("Accept", "text/event-stream"))
    }

    fn parse_event(&self, data: &str) -> Option<StatusResponse> {
        let event: StreamEvent = serde_json::from_str(data.trim()).ok()?;
        let status = match (event.event.as_str(), event.code.filter(|c| !c.is_empty())) {
            ("code", Some(code)) => {
                return Some(StatusResponse::new(OrderStatus::Received, Some(code), None, String::new()));
            }
            ("cancelled", _) => OrderStatus::Cancelled,
            ("expired" | "failed", _) => OrderStatus::Expired,
            _ => return None,
        };
        Some(StatusResponse::new(status, None, None, String::new()))
    }

    fn listen_error(&self, response: &HttpResponse) -> ApiError {
        Self::error(response)
    }
}
