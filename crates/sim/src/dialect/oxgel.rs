//! The OxgelAPI dialect: its endpoints under `/api/v1`, answered with JSON or plain-text errors.

use serde_json::Value;

use crate::ApiError;
use crate::dialect::{Dialect, presented_key};
use crate::error::window_words;
use crate::http::body_too_large;
use crate::http::{SimRequest, SimResponse};
use crate::money::{self, to_wire};
use crate::orders::{Order, OrderStatus};
use crate::rng;
use crate::state::{Account, Simulator};
use crate::stats::EndpointKind;
use crate::wire::{
    AnotherBody, BalanceBody, BuyBody, CancelBody, CountryBody, FinishBody, PriceBody, ServiceBody, StatusBody,
};
use vnum_protocol::Timestamp;

/// A parsed `POST /numbers/buy` body.
struct BuyRequest {
    service: String,
    country: String,
    operator: Option<String>,
    max_price_micros: Option<u64>,
}

impl BuyRequest {
    /// Parses `{"service":"wa","country":"187","operator":"any","max_price":0.5}`. `service` and
    /// `country` are required strings (a country given as a JSON integer is accepted too); `operator` is
    /// an optional string and `max_price` an optional non-negative number (`null` means absent).
    fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| ApiError::InvalidBody)?;
        let object = value.as_object().ok_or(ApiError::InvalidBody)?;
        let service = object.get("service").and_then(Value::as_str).ok_or(ApiError::InvalidBody)?.to_owned();
        let country = match object.get("country") {
            Some(Value::String(code)) => code.clone(),
            Some(Value::Number(n)) if n.is_u64() => n.to_string(),
            _ => return Err(ApiError::InvalidBody),
        };
        let operator = match object.get("operator") {
            None | Some(Value::Null) => None,
            Some(Value::String(op)) => Some(op.clone()),
            Some(_) => return Err(ApiError::InvalidBody),
        };
        let max_price_micros = match object.get("max_price") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_f64().and_then(money::from_dollars).ok_or(ApiError::InvalidBody)?),
            Some(_) => return Err(ApiError::InvalidBody),
        };
        Ok(Self { service, country, operator, max_price_micros })
    }
}

impl Simulator {
    /// Routes and answers an OxgelAPI request (not admin) at simulated time `now`.
    pub(crate) fn oxgel_api(
        &mut self,
        now: u64,
        kind: EndpointKind,
        req: &SimRequest,
    ) -> Result<SimResponse, ApiError> {
        let method = kind.method().ok_or(ApiError::NotFound)?;
        if req.method != method {
            return Err(ApiError::MethodNotAllowed { allow: method });
        }
        if body_too_large(req) {
            return Err(ApiError::PayloadTooLarge);
        }
        let key = self.authenticate(req)?;
        match kind {
            EndpointKind::Balance => Ok(self.balance(&key)),
            EndpointKind::Services => Ok(self.services()),
            EndpointKind::Countries => Ok(self.countries()),
            EndpointKind::Prices => self.list_prices(req),
            EndpointKind::Buy => self.buy(now, &key, req),
            EndpointKind::Status => self.status(&key, req),
            EndpointKind::Cancel => self.cancel(now, &key, req),
            EndpointKind::Finish => self.finish(now, &key, req),
            EndpointKind::Another => self.another(now, &key, req),
            _ => Err(ApiError::NotFound),
        }
    }

    /// The key of the account the request authenticates as.
    fn authenticate(&self, req: &SimRequest) -> Result<String, ApiError> {
        let key = presented_key(Dialect::Oxgel, req).0.ok_or(ApiError::MissingKey)?;
        let account = self.accounts.get(key).ok_or(ApiError::InvalidKey)?;
        if account.banned {
            return Err(ApiError::Banned);
        }
        Ok(account.key.clone())
    }

    fn account_mut(&mut self, key: &str) -> Result<&mut Account, ApiError> {
        self.accounts.get_mut(key).ok_or(ApiError::InvalidKey)
    }

    fn balance(&self, key: &str) -> SimResponse {
        let (balance, escrow) = self.accounts.get(key).map_or((0, 0), |a| (a.balance_micros, a.escrow_micros));
        SimResponse::json_of(
            200,
            &BalanceBody { balance: to_wire(balance), escrow: to_wire(escrow), currency: self.config.currency.clone() },
        )
    }

    fn services(&self) -> SimResponse {
        let list: Vec<ServiceBody> =
            self.config.services.iter().map(|s| ServiceBody { code: s.code.clone(), name: s.name.clone() }).collect();
        SimResponse::json_of(200, &list)
    }

    fn countries(&self) -> SimResponse {
        let list: Vec<CountryBody> = self
            .config
            .countries
            .iter()
            .map(|c| CountryBody { code: c.code.clone(), iso2: c.iso2.clone(), name: c.name.clone() })
            .collect();
        SimResponse::json_of(200, &list)
    }

    fn list_prices(&self, req: &SimRequest) -> Result<SimResponse, ApiError> {
        let service = req.query_value("service").filter(|s| !s.is_empty());
        let country = req.query_value("country").filter(|c| !c.is_empty());
        if let Some(code) = service
            && self.service(code).is_none()
        {
            return Err(ApiError::UnknownService);
        }
        if let Some(code) = country
            && self.country(code).is_none()
        {
            return Err(ApiError::UnknownCountry);
        }
        let list: Vec<PriceBody> = self
            .prices
            .iter()
            .filter(|p| service.is_none_or(|s| s == p.service))
            .filter(|p| country.is_none_or(|c| c == p.country))
            .map(PriceBody::from)
            .collect();
        Ok(SimResponse::json_of(200, &list))
    }

    fn buy(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, ApiError> {
        let buy = BuyRequest::parse(&req.body)?;
        if self.service(&buy.service).is_none() {
            return Err(ApiError::UnknownService);
        }
        let country = self.country(&buy.country).ok_or(ApiError::UnknownCountry)?.clone();
        let entry_index = self
            .prices
            .iter()
            .position(|p| p.service == buy.service && p.country == buy.country)
            .ok_or(ApiError::NoNumbers)?;
        let (price, stock) = {
            let entry = &self.prices[entry_index];
            (entry.price_micros, entry.stock)
        };
        if stock == 0 {
            return Err(ApiError::NoNumbers);
        }
        if buy.max_price_micros.is_some_and(|max| price > max) {
            return Err(ApiError::PriceAboveMax);
        }
        let account = self.account_mut(key)?;
        if account.balance_micros < price {
            return Err(ApiError::InsufficientBalance);
        }
        account.balance_micros -= price;
        account.escrow_micros = account.escrow_micros.saturating_add(price);
        self.prices[entry_index].stock = stock - 1;

        let (id, order_code, phone, sms_seed) = self.rng.with(|r| {
            (
                rng::uuid_v4(r),
                rng::order_code(r),
                format!("{}{}", country.phone_prefix, rng::digits(r, country.phone_digits)),
                r.u64(..),
            )
        });
        let timing = self.timing;
        let order = Order {
            id,
            order_code,
            account: key.to_owned(),
            service: buy.service,
            country: buy.country,
            operator: buy.operator.unwrap_or_else(|| "any".to_owned()),
            phone,
            cost_micros: price,
            created_at_ms: now,
            expires_at_ms: now.saturating_add(seconds_to_ms(timing.order_ttl_seconds)),
            cancel_allowed_at_ms: now.saturating_add(seconds_to_ms(timing.cancel_after_seconds)),
            sms_due_at_ms: Some(now.saturating_add(seconds_to_ms(timing.sms_delay_seconds))),
            status: OrderStatus::Waiting,
            messages: Vec::new(),
            sms_seed,
            status_requests: 0,
            closed_at_ms: None,
        };
        let response = BuyBody {
            id: order.id.clone(),
            order_code: order.order_code.clone(),
            phone: order.phone.clone(),
            expires_at: Timestamp(order.expires_at_ms).to_rfc3339(),
            cost: to_wire(price),
        };
        self.prune_orders();
        self.orders.push(order);
        // An SMS due immediately (zero delay) is visible to the very next request.
        self.settle();
        self.stats.buys_succeeded += 1;
        Ok(SimResponse::json_of(200, &response))
    }

    /// Forgets the oldest final orders while the order list is full.
    fn prune_orders(&mut self) {
        while self.orders.len() >= self.config.max_orders.max(1) {
            let Some(index) = self.orders.iter().position(|o| o.status.is_final()) else {
                return;
            };
            self.orders.remove(index);
        }
    }

    /// The caller's order named by the `id` query parameter.
    fn own_order_index(&self, key: &str, req: &SimRequest) -> Result<usize, ApiError> {
        let id = req.query_value("id").filter(|id| !id.is_empty()).ok_or(ApiError::MissingId)?;
        self.orders.iter().position(|o| o.id == id && o.account == key).ok_or(ApiError::OrderNotFound)
    }

    fn status(&mut self, key: &str, req: &SimRequest) -> Result<SimResponse, ApiError> {
        let index = self.own_order_index(key, req)?;
        self.orders[index].status_requests += 1;
        let order = &self.orders[index];
        let shown = match order.status {
            OrderStatus::Received | OrderStatus::Finished => order.last_message(),
            OrderStatus::Waiting | OrderStatus::Cancelled | OrderStatus::Expired => None,
        };
        Ok(SimResponse::json_of(
            200,
            &StatusBody {
                status: order.status.as_str().to_owned(),
                sms_code: shown.map(|m| m.code.clone()),
                sms_text: shown.map(|m| m.text.clone()),
                phone: order.phone.clone(),
            },
        ))
    }

    fn cancel(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, ApiError> {
        let index = self.own_order_index(key, req)?;
        let order = &self.orders[index];
        if order.status.is_final() {
            return Err(ApiError::WrongStatus(order.status));
        }
        if !order.messages.is_empty() {
            return Err(ApiError::AlreadyReceived);
        }
        if now < order.cancel_allowed_at_ms {
            let remaining_ms = order.cancel_allowed_at_ms - now;
            let window_ms = order.cancel_allowed_at_ms.saturating_sub(order.created_at_ms);
            return Err(ApiError::CancelTooEarly {
                window: window_words(window_ms.div_ceil(1000)),
                retry_after_seconds: remaining_ms.div_ceil(1000),
            });
        }
        let order = &mut self.orders[index];
        order.status = OrderStatus::Cancelled;
        order.sms_due_at_ms = None;
        order.closed_at_ms = Some(now);
        let (cost, service, country) = (order.cost_micros, order.service.clone(), order.country.clone());
        let account = self.account_mut(key)?;
        account.escrow_micros = account.escrow_micros.saturating_sub(cost);
        account.balance_micros = account.balance_micros.saturating_add(cost);
        if let Some(entry) = self.prices.iter_mut().find(|p| p.service == service && p.country == country) {
            entry.stock = entry.stock.saturating_add(1);
        }
        Ok(SimResponse::json_of(
            200,
            &CancelBody { status: OrderStatus::Cancelled.as_str().to_owned(), refunded: to_wire(cost) },
        ))
    }

    fn finish(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, ApiError> {
        let index = self.own_order_index(key, req)?;
        let order = &mut self.orders[index];
        if order.status.is_final() {
            return Err(ApiError::WrongStatus(order.status));
        }
        if order.messages.is_empty() {
            return Err(ApiError::NoSmsYet);
        }
        order.status = OrderStatus::Finished;
        order.sms_due_at_ms = None;
        order.closed_at_ms = Some(now);
        let cost = order.cost_micros;
        let account = self.account_mut(key)?;
        account.escrow_micros = account.escrow_micros.saturating_sub(cost);
        account.charged_micros = account.charged_micros.saturating_add(cost);
        Ok(SimResponse::json_of(
            200,
            &FinishBody { status: OrderStatus::Finished.as_str().to_owned(), charged: to_wire(cost) },
        ))
    }

    fn another(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, ApiError> {
        let index = self.own_order_index(key, req)?;
        let delay = seconds_to_ms(self.timing.sms_delay_seconds);
        let order = &mut self.orders[index];
        match order.status {
            OrderStatus::Received => {}
            OrderStatus::Waiting if order.messages.is_empty() => return Err(ApiError::NoSmsYet),
            status => return Err(ApiError::WrongStatus(status)),
        }
        order.status = OrderStatus::Waiting;
        order.sms_due_at_ms = Some(now.saturating_add(delay));
        self.settle();
        Ok(SimResponse::json_of(200, &AnotherBody { status: OrderStatus::Waiting.as_str().to_owned() }))
    }
}

fn seconds_to_ms(seconds: u64) -> u64 {
    seconds.saturating_mul(1000)
}
