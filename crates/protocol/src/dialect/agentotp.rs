//! Agent OTP: the numbers API with `X-API-Key: ak_…`, the account API (quota) with
//! `Authorization: Bearer <account token>`, paths under `/api/v1`.
//!
//! An order is a rental (`rental_id`), addressed upstream by its number (E.164, URL-encoded in the
//! path): `POST /numbers/rent`, `POST /numbers/{number}/wait-for-otp` (the provider's long-poll),
//! `GET /numbers/{number}/messages`, `DELETE /numbers/{number}` (release). A number can be rented
//! again: only messages from the rental's own `rented_at` on belong to it. Agent OTP publishes no
//! services, countries or prices: those come from the deployment's [`AgentOtpSettings`]. Errors are
//! `{success:false, error}` with 400, 401, 403 (quota), 404 and 500. What the document leaves open is in
//! `docs/assumptions.md`.

use serde::Deserialize;
use serde_json::json;

use super::{Ask, Dialect, EXCERPT, OrderRef, Push, Rules, generic_status_error, json_body, known};
use crate::ApiError;
use crate::api::{
    ActionResponse, Balance, BoughtNumber, BuyRequest, Country, OrderStatus, Price, Quota, Service, StatusResponse,
};
use crate::http::{HttpRequest, HttpResponse, Method, Secret};
use crate::time::Timestamp;
use crate::validate::{CountryCode, IdempotencyKey, OrderId, PhoneNumber, ServiceCode};

/// The documented base URL.
pub const DEFAULT_BASE_URL: &str = "https://agent-otp-production-d7d7.up.railway.app/api/v1";
/// A rental's length when none is asked: "Rental duration (default: 300)".
pub const RENTAL_SECONDS: u64 = 300;
/// How often `GET /numbers/{n}/messages` is asked when the long-poll fails (not documented).
pub const POLL_INTERVAL_SECONDS: u64 = 5;
/// The currency of `/balance` where a rental's price is not configured: Agent OTP counts rentals left
/// in the plan, not money.
pub const QUOTA_CURRENCY: &str = "RENTALS";

/// A service vnum offers through Agent OTP, which has no service parameter: the code and name shown,
/// and the sender its SMS comes from (sent as `expected_sender`), when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredService {
    pub code: String,
    pub name: String,
    pub sender: Option<String>,
}

/// What Agent OTP does not publish, as the deployment configures it (see the README).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentOtpSettings {
    /// `AGENTOTP_SERVICES`: `code:Name[:sender]`, comma-separated.
    pub services: Vec<ConfiguredService>,
    /// `AGENTOTP_COUNTRIES`: ISO codes, comma-separated.
    pub countries: Vec<String>,
    /// `AGENTOTP_PRICE`: what one rental costs, when the operator knows it.
    pub price: Option<f64>,
    /// `AGENTOTP_CURRENCY` of that price.
    pub currency: String,
    /// The secret `AGENTOTP_ACCOUNT_TOKEN`: the Bearer token of the account API (the quota).
    pub account_token: Option<Secret>,
}

impl Default for AgentOtpSettings {
    fn default() -> Self {
        Self {
            services: vec![ConfiguredService { code: "any".to_owned(), name: "Any service".to_owned(), sender: None }],
            countries: vec!["US".to_owned(), "CA".to_owned()],
            price: None,
            currency: "USD".to_owned(),
            account_token: None,
        }
    }
}

impl AgentOtpSettings {
    /// Reads `AGENTOTP_SERVICES`: `any:Any service, google:Google:GOOGLE`.
    pub fn parse_services(text: &str) -> Result<Vec<ConfiguredService>, String> {
        let services: Vec<ConfiguredService> = entries(text)
            .map(|entry| {
                let mut parts = entry.splitn(3, ':').map(str::trim);
                let code = ServiceCode::parse(parts.next().unwrap_or_default())
                    .map_err(|_| format!("{entry:?}: the code must be 1 to 16 of a-z, 0-9 and _"))?;
                let name = parts.next().filter(|n| !n.is_empty()).unwrap_or(code.as_str()).to_owned();
                let sender = parts.next().filter(|s| !s.is_empty()).map(str::to_owned);
                Ok(ConfiguredService { code: code.as_str().to_owned(), name, sender })
            })
            .collect::<Result<_, String>>()?;
        if services.is_empty() {
            return Err("lists no service".to_owned());
        }
        Ok(services)
    }

    /// Reads `AGENTOTP_COUNTRIES`: `US,CA`.
    pub fn parse_countries(text: &str) -> Result<Vec<String>, String> {
        let countries: Vec<String> = entries(text)
            .map(|entry| match CountryCode::parse(entry) {
                Ok(code) if code.is_iso2() => Ok(code.as_str().to_owned()),
                _ => Err(format!("{entry:?} is not an ISO 3166 alpha-2 code")),
            })
            .collect::<Result<_, String>>()?;
        if countries.is_empty() {
            return Err("lists no country".to_owned());
        }
        Ok(countries)
    }

    fn service(&self, code: &str) -> Option<&ConfiguredService> {
        self.services.iter().find(|s| s.code == code)
    }
}

fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|e| !e.is_empty())
}

/// The Agent OTP dialect.
#[derive(Debug, Clone)]
pub struct AgentOtp {
    api_key: Secret,
    settings: AgentOtpSettings,
}

/// Every answer: `{success, message?, error?, data?}`.
#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default = "Option::default")]
    data: Option<T>,
}

/// `data` of `POST /numbers/rent`.
#[derive(Deserialize)]
struct Rental {
    number: String,
    rented_at: Timestamp,
    expires_at: Timestamp,
    rental_id: String,
}

/// One entry of `GET /numbers/{n}/messages`.
#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    body: Option<String>,
    received_at: Timestamp,
    #[serde(default)]
    otp_code: Option<String>,
}

/// `data` of `POST /numbers/{n}/wait-for-otp`.
#[derive(Deserialize)]
struct Otp {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    raw_message: Option<String>,
    #[serde(default)]
    received_at: Option<Timestamp>,
}

/// `GET /auth/usage/quota`.
#[derive(Deserialize)]
struct QuotaAnswer {
    plan: String,
    limit: u64,
    used: u64,
    remaining: u64,
}

impl AgentOtp {
    pub fn new(api_key: Secret, settings: AgentOtpSettings) -> Self {
        Self { api_key, settings }
    }

    fn request(&self, method: Method, path: &str) -> HttpRequest {
        HttpRequest::new(method, path).header("X-API-Key", self.api_key.expose()).header("Accept", "application/json")
    }

    /// The path of one rented number, as the document writes it: `/numbers/+14165551234…` (`+` and digits
    /// only, nothing to encode).
    fn number_path(order: &OrderRef<'_>, rest: &str) -> Result<String, ApiError> {
        let phone = PhoneNumber::parse(order.phone)?;
        Ok(format!("/numbers/{}{rest}", phone.as_str()))
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

    fn released(&self, response: &HttpResponse, status: OrderStatus) -> Result<ActionResponse, ApiError> {
        if !response.is_success() {
            return Err(Self::error(response));
        }
        let envelope: Envelope<serde_json::Value> = json_body(response)?;
        if envelope.success == Some(false) {
            return Err(ApiError::UpstreamRejected {
                status: response.status,
                message: envelope.error.unwrap_or_else(|| "release failed".to_owned()),
            });
        }
        Ok(ActionResponse { status, refunded: None, charged: None })
    }

    /// Maps an Agent OTP error answer to its meaning, by its documented status.
    pub fn error(response: &HttpResponse) -> ApiError {
        let message: String = serde_json::from_slice::<Envelope<serde_json::Value>>(&response.body)
            .ok()
            .and_then(|e| e.error)
            .map(|e| e.chars().take(EXCERPT).collect())
            .unwrap_or_else(|| response.body_excerpt(EXCERPT));
        match response.status {
            400 => ApiError::invalid("request", format!("the provider says: {message}")),
            403 => ApiError::QuotaExceeded { message },
            404 => ApiError::not_found("rental"),
            _ => generic_status_error(response, message),
        }
    }

    /// Whether a message belongs to this rental: received from its start on, and from the service's
    /// sender when one is configured.
    fn belongs(&self, order: &OrderRef<'_>, received_at: Timestamp, from: Option<&str>) -> bool {
        let in_rental = order.rented_at.is_none_or(|start| received_at > start);
        let sender = self.settings.service(order.service).and_then(|s| s.sender.as_deref());
        let from_sender = match (sender, from) {
            (Some(sender), Some(from)) => sender.eq_ignore_ascii_case(from),
            (Some(_), None) => false,
            (None, _) => true,
        };
        in_rental && from_sender
    }
}

/// The code of a message: the provider's own, else read from the text.
fn code_of(code: Option<String>, text: Option<&str>) -> Option<String> {
    code.filter(|c| !c.is_empty()).or_else(|| text.and_then(crate::sms::extract_code))
}

impl Dialect for AgentOtp {
    fn name(&self) -> &'static str {
        "agentotp"
    }

    fn rules(&self) -> Rules {
        Rules {
            cancel_after_seconds: 0,
            poll_interval_seconds: POLL_INTERVAL_SECONDS,
            push: Some(Push::LongPoll),
            requests_per_minute: None,
            open_orders: None,
            prices_known: self.settings.price.is_some(),
        }
    }

    fn balance(&self) -> Result<Ask<Balance>, ApiError> {
        let token = self.settings.account_token.as_ref().ok_or_else(|| ApiError::NotConfigured {
            reason: "the Agent OTP quota needs the secret AGENTOTP_ACCOUNT_TOKEN (the account API's Bearer token)"
                .to_owned(),
        })?;
        Ok(Ask::Send(
            HttpRequest::new(Method::Get, "/auth/usage/quota")
                .header("Authorization", &format!("Bearer {}", token.expose()))
                .header("Accept", "application/json"),
        ))
    }

    fn parse_balance(&self, response: &HttpResponse) -> Result<Balance, ApiError> {
        if !response.is_success() {
            return Err(Self::error(response));
        }
        let quota: QuotaAnswer = json_body(response)?;
        // What the rentals left are worth where a rental's price is known; else the count itself.
        let (balance, currency) = match self.settings.price {
            Some(price) => (quota.remaining as f64 * price, self.settings.currency.clone()),
            None => (quota.remaining as f64, QUOTA_CURRENCY.to_owned()),
        };
        Ok(Balance {
            balance,
            escrow: 0.0,
            currency,
            quota: Some(Quota { plan: quota.plan, limit: quota.limit, used: quota.used, remaining: quota.remaining }),
        })
    }

    fn services(&self) -> Result<Ask<Vec<Service>>, ApiError> {
        Ok(Ask::Known(
            self.settings.services.iter().map(|s| Service { code: s.code.clone(), name: s.name.clone() }).collect(),
        ))
    }

    fn parse_services(&self, _response: &HttpResponse) -> Result<Vec<Service>, ApiError> {
        known(self.services())
    }

    fn countries(&self) -> Result<Ask<Vec<Country>>, ApiError> {
        Ok(Ask::Known(self.settings.countries.iter().map(|c| crate::countries::entry(c)).collect()))
    }

    fn parse_countries(&self, _response: &HttpResponse) -> Result<Vec<Country>, ApiError> {
        known(self.countries())
    }

    fn prices(
        &self,
        service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Ask<Vec<Price>>, ApiError> {
        let price = self.settings.price.unwrap_or(0.0);
        let mut list = Vec::new();
        for s in self.settings.services.iter().filter(|s| service.is_none_or(|w| w.as_str() == s.code)) {
            for c in self.settings.countries.iter().filter(|c| country.is_none_or(|w| w.as_str() == c.as_str())) {
                // Stock is not published: 1 means available, amount unknown.
                list.push(Price { service: s.code.clone(), country: c.clone(), price, stock: 1 });
            }
        }
        Ok(Ask::Known(list))
    }

    fn parse_prices(
        &self,
        _response: &HttpResponse,
        service: Option<&ServiceCode>,
        country: Option<&CountryCode>,
    ) -> Result<Vec<Price>, ApiError> {
        known(self.prices(service, country))
    }

    fn buy(&self, request: &BuyRequest, _idempotency_key: Option<&IdempotencyKey>) -> Result<HttpRequest, ApiError> {
        if self.settings.service(request.service.as_str()).is_none() {
            let offered: Vec<&str> = self.settings.services.iter().map(|s| s.code.as_str()).collect();
            return Err(ApiError::invalid("service", format!("this vnum offers {}", offered.join(", "))));
        }
        // The quick start's request: the country alone, for the documented default rental.
        Ok(self.request(Method::Post, "/numbers/rent").json(&json!({ "country": request.country })))
    }

    fn parse_buy(&self, response: &HttpResponse, _now: Timestamp) -> Result<BoughtNumber, ApiError> {
        let rental: Rental = self.data(response)?;
        let phone = PhoneNumber::parse(&rental.number)
            .map_err(|_| ApiError::upstream_invalid("the rented number is not E.164"))?;
        OrderId::parse(&rental.rental_id)
            .map_err(|_| ApiError::upstream_invalid("the rental id has an unexpected shape"))?;
        Ok(BoughtNumber {
            id: rental.rental_id,
            order_code: None,
            phone: phone.as_str().to_owned(),
            expires_at: rental.expires_at,
            cost: self.settings.price.unwrap_or(0.0),
            rented_at: Some(rental.rented_at),
        })
    }

    fn status(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Get, &Self::number_path(order, "/messages")?))
    }

    fn parse_status(&self, response: &HttpResponse, order: &OrderRef<'_>) -> Result<StatusResponse, ApiError> {
        let messages: Vec<Message> = self.data(response)?;
        // The newest message of this rental that carries a code.
        let latest = messages
            .into_iter()
            .filter(|m| self.belongs(order, m.received_at, m.from.as_deref()))
            .filter_map(|m| code_of(m.otp_code, m.body.as_deref()).map(|code| (m.received_at, code, m.body)))
            .max_by_key(|(at, _, _)| *at);
        Ok(match latest {
            Some((_, code, body)) => {
                StatusResponse::new(OrderStatus::Received, Some(code), body, order.phone.to_owned())
            }
            None => StatusResponse::new(OrderStatus::Waiting, None, None, order.phone.to_owned()),
        })
    }

    fn cancel(&self, order: &OrderRef<'_>) -> Result<HttpRequest, ApiError> {
        Ok(self.request(Method::Delete, &Self::number_path(order, "")?))
    }

    fn parse_cancel(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        self.released(response, OrderStatus::Cancelled)
    }

    fn finish(&self, order: &OrderRef<'_>) -> Result<Ask<ActionResponse>, ApiError> {
        // The code was used: the number is released, as the document asks once done with it.
        Ok(Ask::Send(self.request(Method::Delete, &Self::number_path(order, "")?)))
    }

    fn parse_finish(&self, response: &HttpResponse) -> Result<ActionResponse, ApiError> {
        self.released(response, OrderStatus::Finished)
    }

    fn listen(&self, order: &OrderRef<'_>, seconds: u64) -> Result<HttpRequest, ApiError> {
        let mut body = json!({ "timeout_seconds": seconds });
        if let Some(sender) = self.settings.service(order.service).and_then(|s| s.sender.as_deref()) {
            body["expected_sender"] = json!(sender);
        }
        Ok(self.request(Method::Post, &Self::number_path(order, "/wait-for-otp")?).json(&body))
    }

    fn parse_listen(&self, response: &HttpResponse, order: &OrderRef<'_>) -> Result<StatusResponse, ApiError> {
        let waiting = StatusResponse::new(OrderStatus::Waiting, None, None, order.phone.to_owned());
        // A 408 is the long-poll's timeout too.
        if response.status == 408 {
            return Ok(waiting);
        }
        let otp: Otp = self.data(response)?;
        // A code from before this rental began is an earlier renter's.
        if otp.received_at.is_some_and(|at| order.rented_at.is_some_and(|start| at <= start)) {
            return Ok(waiting);
        }
        Ok(match code_of(otp.code, otp.raw_message.as_deref()) {
            Some(code) => {
                StatusResponse::new(OrderStatus::Received, Some(code), otp.raw_message, order.phone.to_owned())
            }
            None => waiting,
        })
    }

    fn listen_error(&self, response: &HttpResponse) -> ApiError {
        Self::error(response)
    }
}
