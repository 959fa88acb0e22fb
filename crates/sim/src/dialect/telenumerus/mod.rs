//! The Telenumerus dialect under `/api/v1`: routing, authentication, the rate limit, and the
//! endpoints. Its order life is in `order.rs`, the long-poll and SSE stream in `stream.rs`.

mod catalogue;
mod error;
mod idempotency;
mod order;
mod rate_limit;
mod requests;
mod stream;
mod wire;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use catalogue::{PlatformPrice, StockLevel};
pub use error::{ErrorBody, ErrorCode};
pub use order::{TelenumerusOrder, TelenumerusStatus};
pub(crate) use stream::{OrderStreamCursor, VerifyWait};
pub use wire::{
    AccountBody, AgentBody, AvailabilityBody, AvailabilityEntry, CancelBody, CodeHints, OrderBody, OrderStatusBody,
    PlatformHints, ServiceEntry, ServicesBody, StreamEvent, VerifyBody, VerifyPendingBody,
};

pub(crate) use error::TelenumerusError;
use idempotency::{IdempotencyKeys, KeyLookup, KeyedOrder};
use order::OrderSettlement;
use rate_limit::RateMeter;
use requests::OrderRequest;

use crate::config::SimConfig;
use crate::dialect::{Dialect, bearer_token, decode_path_segment};
use crate::http::{CONTENT_TYPE_JSON, SimRequest, SimResponse, body_too_large};
use crate::money::to_wire;
use crate::rng;
use crate::sms::{Sms, SmsInjection, message_id};
use crate::state::{Account, Quota, Simulator};
use crate::stats::EndpointKind;

/// Accounts the simulator holds at most; `/register` refuses more.
const MAX_ACCOUNTS: usize = 10_000;

/// Everything the Telenumerus dialect keeps besides the accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TelenumerusState {
    /// Price, stock and delivery figures per (platform, country).
    pub(crate) prices: Vec<PlatformPrice>,
    /// Orders still remembered, oldest first.
    pub(crate) orders: Vec<TelenumerusOrder>,
    /// Orders that got a code, per account (the loyalty tier's basis).
    pub(crate) completed: BTreeMap<String, u64>,
    /// Idempotency keys of the last 24 hours.
    keys: IdempotencyKeys,
    /// Requests per key in the last minute.
    meter: RateMeter,
}

impl TelenumerusState {
    /// The initial state of `config`: the seeded price table, no orders.
    pub(crate) fn new(config: &SimConfig) -> Self {
        Self { prices: catalogue::build_prices(config), ..Self::default() }
    }
}

/// The loyalty tier of an account with `completed` orders, and its discount in percent.
fn tier(completed: u64) -> (&'static str, u64) {
    match completed {
        0..=19 => ("standard", 0),
        20..=49 => ("silver", 5),
        50..=99 => ("gold", 10),
        _ => ("vip", 15),
    }
}

/// `/api/v1/order/<id>`.
fn check_status_path(id: &str) -> String {
    format!("/api/v1/order/{id}")
}

/// The order id in `/api/v1/order/<id>[/…]`.
fn order_id_in(path: &str) -> String {
    let rest = path.strip_prefix("/api/v1/order/").unwrap_or_default();
    decode_path_segment(rest.split('/').next().unwrap_or_default())
}

/// The country a request names (`US` when none; `UK` means `GB`).
fn resolve_country(country: Option<&str>) -> Result<&'static str, TelenumerusError> {
    match country {
        None => Ok(catalogue::DEFAULT_COUNTRY),
        Some(code) => catalogue::country(code).ok_or_else(|| TelenumerusError::UnknownCountry(code.to_owned())),
    }
}

/// Applies a change of an order's money to its account.
fn settle_money(
    accounts: &mut BTreeMap<String, Account>,
    completed: &mut BTreeMap<String, u64>,
    account: &str,
    settlement: OrderSettlement,
) {
    let Some(holder) = accounts.get_mut(account) else {
        return;
    };
    match settlement {
        OrderSettlement::Charge(price) => {
            holder.escrow_micros = holder.escrow_micros.saturating_sub(price);
            holder.charged_micros = holder.charged_micros.saturating_add(price);
            *completed.entry(account.to_owned()).or_default() += 1;
        }
        OrderSettlement::Refund(price) => {
            holder.escrow_micros = holder.escrow_micros.saturating_sub(price);
            holder.balance_micros = holder.balance_micros.saturating_add(price);
        }
    }
}

impl Simulator {
    /// Answers a Telenumerus request at simulated time `now`.
    pub(crate) fn telenumerus_api(&mut self, now: u64, kind: EndpointKind, req: &SimRequest) -> SimResponse {
        self.telenumerus_route(now, kind, req).unwrap_or_else(TelenumerusError::into_response)
    }

    /// The rate limit of a valid key (every request that presents one counts, whatever it asks),
    /// then path, method, body size, then the endpoint (authenticated unless public).
    fn telenumerus_route(
        &mut self,
        now: u64,
        kind: EndpointKind,
        req: &SimRequest,
    ) -> Result<SimResponse, TelenumerusError> {
        if let Some(key) = self.telenumerus_valid_key(req) {
            let limit = self.settings.rate_limit_per_minute;
            self.telenumerus
                .meter
                .admit(&key, now, limit)
                .map_err(|retry_after_seconds| TelenumerusError::RateLimited { limit, retry_after_seconds })?;
        }
        let method = kind.method().ok_or(TelenumerusError::UnknownRoute)?;
        if req.method != method {
            return Err(TelenumerusError::MethodNotAllowed { allow: method });
        }
        if body_too_large(req) {
            return Err(TelenumerusError::InvalidRequest("The request body is above 64 KiB".to_owned()));
        }
        match kind {
            EndpointKind::Services => return Ok(self.tn_services()),
            EndpointKind::Availability => return self.tn_availability(req),
            EndpointKind::Health => return Ok(SimResponse::json(200, &json!({"status": "ok"}))),
            EndpointKind::Register => return self.tn_register(),
            EndpointKind::DepositAddresses => return Ok(tn_deposit_addresses()),
            _ => {}
        }
        let key = self.tn_authenticate(req)?;
        match kind {
            EndpointKind::DepositVerify => self.tn_deposit_verify(req),
            EndpointKind::Order => self.tn_order(now, &key, req),
            EndpointKind::Verify => self.tn_verify(now, &key, req),
            EndpointKind::Agent => self.tn_agent(now, &key, req),
            EndpointKind::Batch => Ok(self.tn_batch(now, &key, req)),
            EndpointKind::OrderStatus => self.tn_order_status(&key, &order_id_in(&req.path)),
            EndpointKind::OrderStream => self.tn_order_stream(now, &key, &order_id_in(&req.path)),
            EndpointKind::OrderCancel => self.tn_cancel(now, &key, &order_id_in(&req.path)),
            EndpointKind::Account => Ok(self.tn_account(&key)),
            EndpointKind::Usage => Ok(self.tn_usage(&key)),
            EndpointKind::Webhook => tn_webhook(req),
            _ => Err(TelenumerusError::UnknownRoute),
        }
    }

    /// The key presented in `Authorization: Bearer` (else `X-API-Key`), when it names an account.
    fn telenumerus_valid_key(&self, req: &SimRequest) -> Option<String> {
        let key = header_key(req)?;
        self.accounts.contains_key(key).then(|| key.to_owned())
    }

    /// The caller's account key: `INVALID_API_KEY` without a valid header key, `ACCOUNT_SUSPENDED`
    /// for a banned account.
    fn tn_authenticate(&self, req: &SimRequest) -> Result<String, TelenumerusError> {
        let key = header_key(req).ok_or(TelenumerusError::MissingKey)?;
        let account = self.accounts.get(key).ok_or(TelenumerusError::InvalidKey)?;
        if account.banned {
            return Err(TelenumerusError::Suspended);
        }
        Ok(account.key.clone())
    }

    fn tn_price(&self, platform: &str, country: &str) -> Option<&PlatformPrice> {
        self.telenumerus.prices.iter().find(|p| p.platform == platform && p.country == country)
    }

    fn tn_services(&self) -> SimResponse {
        let services = catalogue::PLATFORMS
            .into_iter()
            .map(|(platform, name)| ServiceEntry {
                platform: platform.to_owned(),
                name: name.to_owned(),
                price: to_wire(self.tn_price(platform, catalogue::DEFAULT_COUNTRY).map_or(0, |p| p.price_micros)),
            })
            .collect();
        SimResponse::json_of(200, &ServicesBody { services })
    }

    fn tn_availability(&self, req: &SimRequest) -> Result<SimResponse, TelenumerusError> {
        let country = resolve_country(req.query_value("country").filter(|c| !c.trim().is_empty()))?;
        let platforms = self
            .telenumerus
            .prices
            .iter()
            .filter(|p| p.country == country)
            .map(|p| AvailabilityEntry {
                platform: p.platform.clone(),
                success_rate: p.success_rate_permille.map(|r| f64::from(r) / 1000.0),
                stock: p.stock,
                avg_delivery_seconds: p.avg_delivery_seconds,
                price: to_wire(p.price_micros),
                hints: CodeHints {
                    code_format: "numeric".to_owned(),
                    expect_code_length: catalogue::code_length(&p.platform),
                },
            })
            .collect();
        Ok(SimResponse::json_of(200, &AvailabilityBody { platforms }))
    }

    fn tn_register(&mut self) -> Result<SimResponse, TelenumerusError> {
        if self.accounts.len() >= MAX_ACCOUNTS {
            return Err(TelenumerusError::RegistrationClosed);
        }
        let (api_key, webhook_secret) =
            self.rng.with(|r| (format!("tn_{}", hex(r, 32)), format!("whsec_{}", hex(r, 32))));
        self.accounts.insert(
            api_key.clone(),
            Account {
                key: api_key.clone(),
                balance_micros: 0,
                escrow_micros: 0,
                charged_micros: 0,
                banned: false,
                token: None,
                quota: Quota { plan: self.config.quota_plan.clone(), limit: self.config.quota_limit, used: 0 },
            },
        );
        Ok(SimResponse::json(
            200,
            &json!({
                "api_key": api_key,
                "webhook_secret": webhook_secret,
                "next_steps": {
                    "deposit": "GET /api/v1/deposit/addresses",
                    "browse_services": "GET /api/v1/services",
                    "check_availability": "GET /api/v1/availability",
                    "order": "POST /api/v1/order"
                }
            }),
        ))
    }

    fn tn_deposit_verify(&mut self, req: &SimRequest) -> Result<SimResponse, TelenumerusError> {
        requests::tx_hash(&req.body)?;
        let transaction_id = self.rng.with(|r| format!("tx_{}", hex(r, 16)));
        Ok(SimResponse::json(
            200,
            &json!({"status": "pending", "transaction_id": transaction_id, "message": "Verifying on-chain..."}),
        ))
    }

    /// Places an order for the caller: platform, country, one open order, stock, then money. Returns
    /// the new order's id.
    fn tn_place_order(&mut self, now: u64, key: &str, request: &OrderRequest) -> Result<String, TelenumerusError> {
        let (platform, _) = catalogue::platform(&request.platform)
            .ok_or_else(|| TelenumerusError::UnknownPlatform(request.platform.clone()))?;
        let country = resolve_country(request.country.as_deref())?;
        if let Some(open) =
            self.telenumerus.orders.iter().find(|o| o.account == key && o.status == TelenumerusStatus::Pending)
        {
            return Err(TelenumerusError::OrderInProgress {
                order_id: open.id.clone(),
                retry_after_seconds: open.expires_at_ms.saturating_sub(now).div_ceil(1000).max(1),
            });
        }
        let entry = self.tn_price(platform, country).ok_or_else(|| TelenumerusError::NoNumbers {
            platform: platform.to_owned(),
            country: country.to_owned(),
        })?;
        if entry.stock == StockLevel::Out {
            return Err(TelenumerusError::NoNumbers { platform: platform.to_owned(), country: country.to_owned() });
        }
        let completed = self.telenumerus.completed.get(key).copied().unwrap_or(0);
        let price = entry.price_micros / 100 * (100 - tier(completed).1);
        let account = self.accounts.get_mut(key).ok_or(TelenumerusError::InvalidKey)?;
        if account.balance_micros < price {
            return Err(TelenumerusError::InsufficientBalance {
                price: to_wire(price),
                balance: to_wire(account.balance_micros),
            });
        }
        account.balance_micros -= price;
        account.escrow_micros = account.escrow_micros.saturating_add(price);

        let (prefix, digits) = catalogue::phone_shape(country);
        let (id, phone, sms_seed) = self.rng.with(|r| {
            (format!("ord_{}", rng::lower_alnum(r, 16)), format!("{prefix}{}", rng::digits(r, digits)), r.u64(..))
        });
        let timing = self.timing;
        self.tn_prune_orders();
        self.telenumerus.orders.push(TelenumerusOrder {
            id: id.clone(),
            account: key.to_owned(),
            platform: platform.to_owned(),
            country: country.to_owned(),
            phone,
            price_micros: price,
            created_at_ms: now,
            expires_at_ms: now.saturating_add(timing.order_ttl_seconds.saturating_mul(1000)),
            sms_due_at_ms: Some(now.saturating_add(timing.sms_delay_seconds.saturating_mul(1000))),
            status: TelenumerusStatus::Pending,
            messages: Vec::new(),
            sms_seed,
            closed_at_ms: None,
        });
        // An SMS due immediately (zero delay) is visible to the very next request.
        self.settle();
        self.stats.buys_succeeded += 1;
        Ok(id)
    }

    /// Forgets the oldest ended orders while the order list is full.
    fn tn_prune_orders(&mut self) {
        let orders = &mut self.telenumerus.orders;
        while orders.len() >= self.config.max_orders.max(1) {
            let Some(index) = orders.iter().position(|o| o.status != TelenumerusStatus::Pending) else {
                return;
            };
            orders.remove(index);
        }
    }

    /// The caller's order with this id.
    fn tn_own_order(&self, key: &str, id: &str) -> Result<&TelenumerusOrder, TelenumerusError> {
        self.telenumerus.orders.iter().find(|o| o.id == id && o.account == key).ok_or(TelenumerusError::OrderNotFound)
    }

    /// The answer of `POST /order` for an order.
    fn tn_order_body(&self, order: &TelenumerusOrder) -> OrderBody {
        let avg_delivery_seconds = self.tn_price(&order.platform, &order.country).map_or(0, |p| p.avg_delivery_seconds);
        OrderBody {
            status: "ok".to_owned(),
            order_id: order.id.clone(),
            phone: order.phone.clone(),
            price: to_wire(order.price_micros),
            expires_in: order.expires_at_ms.saturating_sub(order.created_at_ms) / 1000,
            check_status: check_status_path(&order.id),
            stream: format!("{}/stream", check_status_path(&order.id)),
            platform_hints: PlatformHints {
                code_format: "numeric".to_owned(),
                expect_code_length: catalogue::code_length(&order.platform),
                avg_delivery_seconds,
            },
        }
    }

    fn tn_order(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, TelenumerusError> {
        let request = OrderRequest::parse(&req.body)?;
        let fingerprint = fingerprint("/order", &request);
        if let Some(idempotency_key) = &request.idempotency_key {
            match self.telenumerus.keys.lookup(now, key, idempotency_key, &fingerprint) {
                KeyLookup::New => {}
                KeyLookup::Replay(earlier) => return Ok(json_text(earlier.answer.clone())),
                KeyLookup::Conflict => return Err(idempotency_conflict(idempotency_key)),
            }
        }
        let id = self.tn_place_order(now, key, &request)?;
        let order = self.tn_own_order(key, &id)?;
        let answer = serde_json::to_string(&self.tn_order_body(order)).unwrap_or_default();
        if let Some(idempotency_key) = request.idempotency_key {
            self.telenumerus.keys.remember(KeyedOrder {
                account: key.to_owned(),
                key: idempotency_key,
                request: fingerprint,
                order_id: id,
                answer: answer.clone(),
                at_ms: now,
            });
        }
        Ok(json_text(answer))
    }

    fn tn_agent(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, TelenumerusError> {
        let query = requests::agent_query(&req.body)?;
        let (platform, country) = understand(&query);
        let Some(platform) = platform else {
            let mut body = serde_json::to_value(
                TelenumerusError::UnknownPlatform(format!("no platform named in {query:?}")).body(),
            )
            .unwrap_or_default();
            body["understood"] = Value::Bool(false);
            return Ok(SimResponse::json(422, &body));
        };
        let request =
            OrderRequest { platform: platform.to_owned(), country: country.map(str::to_owned), idempotency_key: None };
        let id = self.tn_place_order(now, key, &request)?;
        let order = self.tn_own_order(key, &id)?;
        Ok(SimResponse::json_of(
            200,
            &AgentBody {
                understood: true,
                order_id: order.id.clone(),
                phone: order.phone.clone(),
                price: to_wire(order.price_micros),
                check_status: check_status_path(&order.id),
            },
        ))
    }

    /// `/batch`: each order placed in turn; each answer is an order answer or an error body (with one
    /// concurrent order per account, the second is `ORDER_IN_PROGRESS`).
    fn tn_batch(&mut self, now: u64, key: &str, req: &SimRequest) -> SimResponse {
        let requests = match requests::batch(&req.body) {
            Ok(requests) => requests,
            Err(error) => return error.into_response(),
        };
        let mut results = Vec::with_capacity(requests.len());
        for request in &requests {
            let result = self.tn_place_order(now, key, request).and_then(|id| {
                let order = self.tn_own_order(key, &id)?;
                Ok(serde_json::to_value(self.tn_order_body(order)).unwrap_or_default())
            });
            results.push(result.unwrap_or_else(|error| serde_json::to_value(error.body()).unwrap_or_default()));
        }
        SimResponse::json(200, &json!({"status": "ok", "orders": results}))
    }

    fn tn_order_status(&self, key: &str, id: &str) -> Result<SimResponse, TelenumerusError> {
        let order = self.tn_own_order(key, id)?;
        Ok(SimResponse::json_of(
            200,
            &OrderStatusBody {
                status: order.status.as_str().to_owned(),
                code: match order.status {
                    TelenumerusStatus::Completed => order.code().map(str::to_owned),
                    _ => None,
                },
                order_id: order.id.clone(),
                phone: order.phone.clone(),
            },
        ))
    }

    fn tn_cancel(&mut self, now: u64, key: &str, id: &str) -> Result<SimResponse, TelenumerusError> {
        let index = self
            .telenumerus
            .orders
            .iter()
            .position(|o| o.id == id && o.account == key)
            .ok_or(TelenumerusError::OrderNotFound)?;
        let order = &mut self.telenumerus.orders[index];
        match order.status {
            TelenumerusStatus::Pending => {}
            TelenumerusStatus::Completed => {
                return Err(TelenumerusError::InvalidRequest(format!(
                    "Order {id} is completed: its code was delivered, it cannot be cancelled"
                )));
            }
            status => return Err(TelenumerusError::InvalidRequest(format!("Order {id} is {}", status.as_str()))),
        }
        let settlement = order.cancel(now);
        let refunded = order.price_micros;
        settle_money(&mut self.accounts, &mut self.telenumerus.completed, key, settlement);
        Ok(SimResponse::json_of(200, &CancelBody { status: "ok".to_owned(), refunded: to_wire(refunded) }))
    }

    fn tn_account(&self, key: &str) -> SimResponse {
        let balance = self.accounts.get(key).map_or(0, |a| a.balance_micros);
        let orders = self.telenumerus.completed.get(key).copied().unwrap_or(0);
        SimResponse::json_of(
            200,
            &AccountBody {
                balance: to_wire(balance),
                currency: self.config.currency.clone(),
                tier: tier(orders).0.to_owned(),
                orders,
            },
        )
    }

    fn tn_usage(&self, key: &str) -> SimResponse {
        let mine: Vec<&TelenumerusOrder> = self.telenumerus.orders.iter().filter(|o| o.account == key).collect();
        let count = |status: TelenumerusStatus| mine.iter().filter(|o| o.status == status).count();
        let spent: u64 = mine.iter().filter(|o| o.status == TelenumerusStatus::Completed).map(|o| o.price_micros).sum();
        SimResponse::json(
            200,
            &json!({
                "orders": mine.len(),
                "pending": count(TelenumerusStatus::Pending),
                "completed": count(TelenumerusStatus::Completed),
                "cancelled": count(TelenumerusStatus::Cancelled),
                "expired": count(TelenumerusStatus::Expired),
                "spent": to_wire(spent),
                "currency": self.config.currency,
            }),
        )
    }

    /// Applies SMS arrivals and expiries of Telenumerus orders.
    pub(crate) fn settle_telenumerus(&mut self) {
        let now = self.now_ms;
        for order in &mut self.telenumerus.orders {
            if let Some(settlement) = order.advance(now) {
                settle_money(&mut self.accounts, &mut self.telenumerus.completed, &order.account, settlement);
            }
        }
    }

    /// Delivers an SMS to the order with this id at `now` (`POST /__sim/sms`): the code given, or the
    /// one in the text, or (neither given) the platform's usual SMS. It must carry a code.
    pub(crate) fn telenumerus_deliver(&mut self, now: u64, id: &str, injection: &SmsInjection) -> Result<(), String> {
        let order =
            self.telenumerus.orders.iter_mut().find(|o| o.id == id).ok_or_else(|| format!("unknown order {id}"))?;
        if !order.accepts_sms(now) {
            return Err(format!("order {id} is {} and receives no more SMS", order.status.as_str()));
        }
        let name = catalogue::platform(&order.platform).map_or_else(|| order.platform.clone(), |(_, n)| n.to_owned());
        let mut sms = if injection.is_automatic() {
            order.automatic_sms(now)
        } else {
            let code = injection.code().ok_or("the SMS carries no code (give code, or a body with one)")?;
            Sms {
                id: message_id(order.sms_seed, order.messages.len()),
                from: name.clone(),
                text: injection.text.clone().unwrap_or_else(|| catalogue::sms_text(&order.platform, &name, &code)),
                code: Some(code),
                received_at_ms: now,
            }
        };
        if let Some(from) = &injection.from {
            sms.from.clone_from(from);
        }
        if let Some(settlement) = order.receive(sms) {
            settle_money(&mut self.accounts, &mut self.telenumerus.completed, &order.account, settlement);
        }
        Ok(())
    }

    /// Every Telenumerus order still remembered, oldest first.
    #[must_use]
    pub fn telenumerus_orders(&self) -> &[TelenumerusOrder] {
        if self.config.dialect == Dialect::Telenumerus { &self.telenumerus.orders } else { &[] }
    }

    /// Telenumerus's price table.
    #[must_use]
    pub fn platform_prices(&self) -> &[PlatformPrice] {
        &self.telenumerus.prices
    }

    /// The admin API's price change for the Telenumerus dialect.
    pub(crate) fn platform_price_mut(&mut self, platform: &str, country: &str) -> Option<&mut PlatformPrice> {
        let (platform, _) = catalogue::platform(platform)?;
        let country = catalogue::country(country)?;
        self.telenumerus.prices.iter_mut().find(|p| p.platform == platform && p.country == country)
    }
}

/// The key a request presents in `Authorization: Bearer` (else `X-API-Key`); a key in the query is
/// never read.
fn header_key(req: &SimRequest) -> Option<&str> {
    let header = req.header_value("x-api-key").map(str::trim).filter(|k| !k.is_empty());
    bearer_token(req).or(header)
}

/// 200 with a JSON text (an order answer as it was first sent).
fn json_text(text: String) -> SimResponse {
    SimResponse::respond(200, vec![("Content-Type".to_owned(), CONTENT_TYPE_JSON.to_owned())], text.into_bytes())
}

/// `PUT /webhook`: the URL is checked and acknowledged (the simulator delivers no webhooks).
fn tn_webhook(req: &SimRequest) -> Result<SimResponse, TelenumerusError> {
    let url = requests::webhook_url(&req.body)?;
    Ok(SimResponse::json(
        200,
        &json!({"status": "ok", "url": url, "events": ["sms.received", "order.failed", "balance.low"]}),
    ))
}

/// `GET /deposit/addresses`: fixed example addresses.
fn tn_deposit_addresses() -> SimResponse {
    SimResponse::json(
        200,
        &json!({
            "addresses": {
                "btc": "bc1qsimulatedtelenumerusdeposit0000000000",
                "ltc": "ltc1qsimulatedtelenumerusdeposit000000000",
                "usdt_erc20": "0x0000000000000000000000000000000000000000"
            },
            "minimum_deposit_usd": 1.0
        }),
    )
}

/// What a keyed request asked for, normalised, so a retry matches whatever the spelling.
fn fingerprint(endpoint: &str, request: &OrderRequest) -> String {
    let platform =
        catalogue::platform(&request.platform).map_or_else(|| request.platform.clone(), |(p, _)| p.to_owned());
    let country = resolve_country(request.country.as_deref())
        .map_or_else(|_| request.country.clone().unwrap_or_default(), str::to_owned);
    format!("{endpoint} {platform} {country}")
}

fn idempotency_conflict(key: &str) -> TelenumerusError {
    TelenumerusError::InvalidRequest(format!("idempotency_key {key:?} was already used for a different request"))
}

/// The platform and country a natural-language query names: a platform's code or name as a word
/// (any case), and a country as an upper-case ISO code word (`UK` too).
fn understand(query: &str) -> (Option<&'static str>, Option<&'static str>) {
    let words: Vec<&str> = query.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let platform = words.iter().find_map(|word| catalogue::platform(word).map(|(code, _)| code));
    let country = words
        .iter()
        .filter(|word| word.len() == 2 && word.chars().all(|c| c.is_ascii_uppercase()))
        .find_map(|word| catalogue::country(word));
    (platform, country)
}

/// `n` random lower-case hex digits.
fn hex(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b"0123456789abcdef"[usize::from(rng.u8(0..16))])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_document() {
        assert_eq!(tier(0), ("standard", 0));
        assert_eq!(tier(19), ("standard", 0));
        assert_eq!(tier(20), ("silver", 5));
        assert_eq!(tier(50), ("gold", 10));
        assert_eq!(tier(100), ("vip", 15));
    }

    #[test]
    fn queries_are_understood() {
        assert_eq!(understand("I need a Google verification number for UK"), (Some("google"), Some("GB")));
        assert_eq!(understand("discord please"), (Some("discord"), None));
        assert_eq!(understand("a number in India"), (None, None));
        assert_eq!(understand("Twitter/X for US"), (Some("twitter"), Some("US")));
    }

    #[test]
    fn order_ids_in_paths() {
        assert_eq!(order_id_in("/api/v1/order/abc"), "abc");
        assert_eq!(order_id_in("/api/v1/order/a%20b/stream"), "a b");
    }
}
