//! OxgelAPI: base `https://oxgelapi.com/api/v1`, key in `X-API-Key`.
//!
//! Its errors are a bare status and a line of plain text; statuses other than 401/402/403/404 are not
//! published, so 4xx texts are read by what they say (see [`Oxgel::error`]).

use serde::Deserialize;
use serde_json::json;

use super::{Ask, Dialect, EXCERPT, OrderRef, Rules, generic_status_error, json_body};
use crate::ApiError;
use crate::api::{
    ActionResponse, Balance, BoughtNumber, BuyRequest, Country, OrderStatus, Price, Service, StatusResponse,
};
use crate::http::{HttpRequest, HttpResponse, Method, Secret};
use crate::time::Timestamp;
use crate::validate::{CountryCode, IdempotencyKey, OrderId, ServiceCode};

/// The documented production base URL.
pub const DEFAULT_BASE_URL: &str = "https://oxgelapi.com/api/v1";
/// OxgelAPI refuses to cancel an order in its first two minutes.
pub const CANCEL_AFTER_SECONDS: u64 = 120;
/// OxgelAPI asks callers to poll an order's status every 4 seconds.
pub const POLL_INTERVAL_SECONDS: u64 = 4;

/// The OxgelAPI dialect, holding the key it authenticates with.
#[derive(Debug, Clone)]
pub struct Oxgel {
    api_key: Secret,
}

impl Oxgel {
    /// A dialect that sends `api_key` as `X-API-Key` (never as `?api_key=`, which lands in logs).
    pub fn new(api_key: Secret) -> Self {
        Self { api_key }
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        HttpRequest::new(method, path).header("X-API-Key", self.api_key.expose()).header("Accept", "application/json")
    }

    fn ok<'r>(&self, response: &'r HttpResponse) -> Result<&'r HttpResponse, ApiError> {
        if response.is_success() { Ok(response) } else { Err(Self::error(response)) }
    }

    /// Maps an OxgelAPI error response to its meaning.
    pub fn error(response: &HttpResponse) -> ApiError {
        let text = response.body_excerpt(EXCERPT);
        let lower = text.to_ascii_lowercase();
        let says = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        match response.status {
            400 => ApiError::invalid("request", format!("the provider says: {text}")),
            409 | 422 if says(&["no numbers", "out of stock", "no stock"]) => ApiError::NoNumbers,
            409 if says(&["2 minutes", "too early", "cancel is allowed"]) => {
                ApiError::CancelTooEarly { retry_after_seconds: response.retry_after_seconds().unwrap_or(0) }
            }
            409 if says(&["no sms"]) => ApiError::NoSmsYet,
            409 if says(&["already received"]) => ApiError::OrderClosed { status: "received".to_owned() },
            409 if says(&["is finished", "is cancelled", "is expired"]) => {
                let status =
                    ["finished", "cancelled", "expired"].into_iter().find(|s| lower.contains(s)).unwrap_or("closed");
                ApiError::OrderClosed { status: status.to_owned() }
            }
            _ => generic_status_error(response, text),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> From<OneOrMany<T>> for Vec<T> {
    fn from(value: OneOrMany<T>) -> Self {
        match value {
            OneOrMany::Many(items) => items,
            OneOrMany::One(item) => vec![item],
        }
    }
}

impl Dialect for Oxgel {
    fn name(&self) -> &'static str {
        "oxgel"
    }

    fn rules(&self) -> Rules {
        Rules {
            cancel_after_seconds: CANCEL_AFTER_SECONDS,
            poll_interval_seconds: POLL_INTERVAL_SECONDS,
            push: None,
            requests_per_minute: None,
            open_orders: None,
            prices_known: true,
        }
    }

    fn balance(&self) -> Result<Ask<Balance>, ApiError> {
        Ok(Ask::Send(self.request(Method::Get, "/balance")))
    }

    fn parse_balance(&self, response: &HttpResponse) -> Result<Balance, ApiError> {
        json_body(self.ok(response)?)
    }

    fn services(&self) -> Result<Ask<Vec<Service>>, ApiError> {
        Ok(Ask::Send(self.request(Method::Get, "/services")))
    }

    fn parse_services(&self, response: &HttpResponse) -> Result<Vec<Service>, ApiError> {
        json_body(self.ok(response)?)
    }

    fn countries(&self) -> Result<Ask<Vec<Country>>, ApiError> {
        Ok(Ask::Send(self.request(Method::Get, "/countries")))
    }

    fn parse_countries(&self, response: &HttpResponse) -> Result<Vec<Country>, ApiError> {
        json_body(self.ok(response)?)
    }

    fn prices(
        &self,
        service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Ask<Vec<Price>>, ApiError> {
        let mut request = self.request(Method::Get, "/prices");
        if let Some(service) = service {
            request = request.query("service", service.as_str());
        }
        if let Some(country) = country {
            request = request.query("country", country.as_str());
        }
        Ok(Ask::Send(request))
    }

    fn parse_prices(
        &self,
        response: &HttpResponse,
        _service: Option<&ServiceCode>,
        _country: Option<&CountryCode>,
    ) -> Result<Vec<Price>, ApiError> {
        json_body::<OneOrMany<Price>>(self.ok(response)?).map(Vec::from)
    }

    fn buy(&self, request: &BuyRequest, _idempotency_key: Option<&IdempotencyKey>) -> Result<HttpRequest, ApiError> {
        let mut body = json!({
            "service": request.service,
            "country": request.country,
            "operator": request.operator.as_ref().map_or("any", |o| o.as_str()),
        });
        if let Some(max_price) = request.max_price {
            body["max_price"] = json!(max_price.value());
        }
        Ok(self.request(Method::Post, "/numbers/buy").json(&body))
    }

    fn parse_buy(&self, response: &HttpResponse, _now: Timestamp) -> Result<BoughtNumber, ApiError> {
        let bought: BoughtNumber = json_body(self.ok(response)?)?;
        OrderId::parse(&bought.id).map_err(|_| ApiError::upstream_invalid("the order id has an unexpected shape"))?;
        Ok(bought)
    }

    fn status(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Get, "/numbers/status").query("id", order.id.as_str()))
    }

    fn parse_status(&self, response: &HttpResponse, _order: &OrderRef<'_>) -> Result<StatusResponse, ApiError> {
        let mut status: StatusResponse = json_body(self.ok(response)?)?;
        // A code without an explicit status change still means a code arrived.
        if status.sms_code.is_none() {
            status.sms_code = status.sms_text.as_deref().and_then(crate::sms::extract_code);
        }
        if status.sms_code.is_some() && status.status == OrderStatus::Waiting {
            status.status = OrderStatus::Received;
        }
        Ok(status)
    }

    fn cancel(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Post, "/numbers/cancel").query("id", order.id.as_str()))
    }

    fn parse_cancel(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        action(self.ok(response)?, OrderStatus::Cancelled)
    }

    fn finish(&self, order: &OrderRef<'_>) -> Result<Ask<ActionResponse>, ApiError> {
        Ok(Ask::Send(self.request(Method::Post, "/numbers/finish").query("id", order.id.as_str())))
    }

    fn parse_finish(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        action(self.ok(response)?, OrderStatus::Finished)
    }

    fn another(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Post, "/numbers/another").query("id", order.id.as_str()))
    }

    fn parse_another(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        action(self.ok(response)?, OrderStatus::Waiting)
    }
}

/// Action answers are not published in detail: an empty or non-object body means the expected status.
pub(crate) fn action(response: &HttpResponse, expected: OrderStatus) -> Result<ActionResponse, ApiError> {
    let fallback = ActionResponse { status: expected, refunded: None, charged: None };
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(fallback);
    }
    match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(value @ serde_json::Value::Object(_)) => {
            let mut parsed: ActionResponse = serde_json::from_value(value).unwrap_or_else(|_| fallback.clone());
            if matches!(parsed.status, OrderStatus::Unknown(_)) {
                parsed.status = fallback.status;
            }
            Ok(parsed)
        }
        Ok(_) => Ok(fallback),
        Err(_) => Err(ApiError::upstream_invalid("not JSON")),
    }
}
