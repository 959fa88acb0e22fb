//! The admin API under `/__sim/`: no key, never counted as API traffic, the same in every dialect.

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::dialect::Dialect;
use crate::dialect::telenumerus::StockLevel;
use crate::error::AdminError;
use crate::faults::FaultState;
use crate::http::body_too_large;
use crate::http::{SimRequest, SimResponse};
use crate::money;
use crate::sms::SmsInjection;
use crate::state::{Account, Quota, Simulator};
use crate::wire::{AccountView, ClockView, ConfigView, OrderView, PlatformPriceView, PriceBody};
use vnum_protocol::Timestamp;

/// Body of `POST /__sim/clock`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ClockRequest {
    advance_seconds: u64,
    advance_ms: u64,
}

/// Body of `POST /__sim/accounts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountRequest {
    key: String,
    #[serde(default)]
    balance: Option<f64>,
    #[serde(default)]
    banned: Option<bool>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    quota_limit: Option<u64>,
    #[serde(default)]
    quota_used: Option<u64>,
}

/// Body of `POST /__sim/config`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ConfigRequest {
    sms_delay_seconds: Option<u64>,
    cancel_after_seconds: Option<u64>,
    order_ttl_seconds: Option<u64>,
    rate_limit_per_minute: Option<u32>,
    number_pool_size: Option<u32>,
    otp_sender: Option<String>,
}

/// A stock given to `POST /__sim/prices`: a count, or (Telenumerus) a word.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StockInput {
    Count(u32),
    Word(StockLevel),
}

/// Body of `POST /__sim/prices`; Telenumerus also reads `service` as `platform`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceRequest {
    #[serde(alias = "platform")]
    service: String,
    country: String,
    #[serde(default)]
    price: Option<f64>,
    #[serde(default)]
    stock: Option<StockInput>,
}

/// Body of `POST /__sim/sms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmsRequest {
    id: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

const PATHS: &[&str] = &[
    "/__sim/stats",
    "/__sim/reset",
    "/__sim/faults",
    "/__sim/clock",
    "/__sim/accounts",
    "/__sim/config",
    "/__sim/prices",
    "/__sim/orders",
    "/__sim/requests",
    "/__sim/sms",
];

/// Answers an admin request. `host_now_ms` is the host's clock (the offset is added here).
pub(crate) fn handle(sim: &mut Simulator, host_now_ms: u64, req: &SimRequest) -> SimResponse {
    route(sim, host_now_ms, req).unwrap_or_else(AdminError::into_response)
}

fn ok<T: Serialize + ?Sized>(value: &T) -> Result<SimResponse, AdminError> {
    Ok(SimResponse::json_of(200, value))
}

fn route(sim: &mut Simulator, host_now_ms: u64, req: &SimRequest) -> Result<SimResponse, AdminError> {
    if body_too_large(req) {
        return Err(AdminError::BadRequest("body above 64 KiB".to_owned()));
    }
    let dialect = sim.config.dialect;
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/__sim/stats") => ok(&sim.stats),
        ("POST", "/__sim/reset") => {
            sim.reset();
            sim.advance(host_now_ms);
            ok(&json!({"ok": true}))
        }
        ("GET", "/__sim/faults") => ok(&sim.faults),
        ("POST", "/__sim/faults") => {
            let faults: FaultState = parse(&req.body)?;
            faults.validate(dialect).map_err(AdminError::BadRequest)?;
            sim.faults = faults;
            ok(&sim.faults)
        }
        ("GET", "/__sim/clock") => ok(&clock_view(sim)),
        ("POST", "/__sim/clock") => {
            let clock: ClockRequest = parse(&req.body)?;
            sim.advance_clock(clock.advance_seconds.saturating_mul(1000).saturating_add(clock.advance_ms));
            sim.advance(host_now_ms);
            ok(&clock_view(sim))
        }
        ("GET", "/__sim/accounts") => ok(&sim.accounts().map(|a| AccountView::of(a, dialect)).collect::<Vec<_>>()),
        ("POST", "/__sim/accounts") => {
            let update: AccountRequest = parse(&req.body)?;
            ok(&AccountView::of(upsert_account(sim, update)?, dialect))
        }
        ("GET", "/__sim/config") => ok(&ConfigView::of(sim.timing, &sim.settings, dialect)),
        ("POST", "/__sim/config") => {
            let update: ConfigRequest = parse(&req.body)?;
            apply_config(sim, update)?;
            ok(&ConfigView::of(sim.timing, &sim.settings, dialect))
        }
        ("GET", "/__sim/prices") => list_prices(sim),
        ("POST", "/__sim/prices") => {
            let update: PriceRequest = parse(&req.body)?;
            set_price(sim, update)
        }
        ("GET", "/__sim/orders") => {
            let key = req.query_value("key");
            let views = order_views(sim).into_iter().filter(|o| key.is_none_or(|k| k == o.key)).collect::<Vec<_>>();
            ok(&views)
        }
        ("GET", "/__sim/requests") => ok(&sim.request_log.entries().collect::<Vec<_>>()),
        ("POST", "/__sim/sms") => {
            let request: SmsRequest = parse(&req.body)?;
            sim.advance(host_now_ms);
            deliver_sms(sim, request)
        }
        (_, path) if PATHS.contains(&path) => Err(AdminError::MethodNotAllowed),
        _ => Err(AdminError::NotFound),
    }
}

/// Parses a JSON body; an empty body reads as `{}`.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|e| AdminError::BadRequest(e.to_string()))
}

fn upsert_account(sim: &mut Simulator, update: AccountRequest) -> Result<&Account, AdminError> {
    if update.key.trim().is_empty() {
        return Err(AdminError::BadRequest("key must not be empty".to_owned()));
    }
    if update.token.as_ref().is_some_and(|t| t.trim().is_empty()) {
        return Err(AdminError::BadRequest("token must not be empty".to_owned()));
    }
    let balance = update
        .balance
        .map(|b| money::from_dollars_quantized(b).ok_or_else(|| AdminError::BadRequest(format!("invalid balance {b}"))))
        .transpose()?;
    let quota = Quota { plan: sim.config.quota_plan.clone(), limit: sim.config.quota_limit, used: 0 };
    let account = sim.accounts.entry(update.key.clone()).or_insert_with(|| Account {
        key: update.key.clone(),
        balance_micros: 0,
        escrow_micros: 0,
        charged_micros: 0,
        banned: false,
        token: None,
        quota,
    });
    if let Some(balance) = balance {
        account.balance_micros = balance;
    }
    if let Some(banned) = update.banned {
        account.banned = banned;
    }
    if let Some(token) = update.token {
        account.token = Some(token);
    }
    if let Some(plan) = update.plan {
        account.quota.plan = plan;
    }
    if let Some(limit) = update.quota_limit {
        account.quota.limit = limit;
    }
    if let Some(used) = update.quota_used {
        account.quota.used = used;
    }
    Ok(account)
}

fn apply_config(sim: &mut Simulator, update: ConfigRequest) -> Result<(), AdminError> {
    if update.otp_sender.as_ref().is_some_and(|s| s.trim().is_empty()) {
        return Err(AdminError::BadRequest("otp_sender must not be empty".to_owned()));
    }
    let timing = &mut sim.timing;
    if let Some(v) = update.sms_delay_seconds {
        timing.sms_delay_seconds = v;
    }
    if let Some(v) = update.cancel_after_seconds {
        timing.cancel_after_seconds = v;
    }
    if let Some(v) = update.order_ttl_seconds {
        timing.order_ttl_seconds = v;
    }
    let settings = &mut sim.settings;
    if let Some(v) = update.rate_limit_per_minute {
        settings.rate_limit_per_minute = v;
    }
    if let Some(v) = update.number_pool_size {
        settings.number_pool_size = v;
    }
    if let Some(v) = update.otp_sender {
        settings.otp_sender = v;
    }
    Ok(())
}

fn list_prices(sim: &Simulator) -> Result<SimResponse, AdminError> {
    match sim.config.dialect {
        Dialect::Oxgel => ok(&sim.prices.iter().map(PriceBody::from).collect::<Vec<_>>()),
        Dialect::Telenumerus => ok(&sim.platform_prices().iter().map(PlatformPriceView::from).collect::<Vec<_>>()),
        Dialect::Agentotp => ok(&Vec::<PriceBody>::new()),
    }
}

fn set_price(sim: &mut Simulator, update: PriceRequest) -> Result<SimResponse, AdminError> {
    let price = update
        .price
        .map(|p| money::from_dollars_quantized(p).ok_or_else(|| AdminError::BadRequest(format!("invalid price {p}"))))
        .transpose()?;
    let unknown = || AdminError::BadRequest(format!("unknown pair {}/{}", update.service, update.country));
    match sim.config.dialect {
        Dialect::Oxgel => {
            let stock = match update.stock {
                None => None,
                Some(StockInput::Count(count)) => Some(count),
                Some(StockInput::Word(_)) => {
                    return Err(AdminError::BadRequest("stock is a count in the oxgel dialect".to_owned()));
                }
            };
            let entry = sim
                .prices
                .iter_mut()
                .find(|p| p.service == update.service && p.country == update.country)
                .ok_or_else(unknown)?;
            if let Some(price) = price {
                entry.price_micros = price;
            }
            if let Some(stock) = stock {
                entry.stock = stock;
            }
            ok(&PriceBody::from(&*entry))
        }
        Dialect::Telenumerus => {
            let entry = sim.platform_price_mut(&update.service, &update.country).ok_or_else(unknown)?;
            if let Some(price) = price {
                entry.price_micros = price;
            }
            match update.stock {
                None => {}
                Some(StockInput::Count(count)) => entry.stock = StockLevel::from_count(count),
                Some(StockInput::Word(word)) => entry.stock = word,
            }
            ok(&PlatformPriceView::from(&*entry))
        }
        Dialect::Agentotp => Err(AdminError::BadRequest("the agentotp dialect has no prices".to_owned())),
    }
}

/// Every remembered order (rental) of the dialect in force, oldest first.
fn order_views(sim: &Simulator) -> Vec<OrderView> {
    match sim.config.dialect {
        Dialect::Oxgel => sim.orders.iter().map(OrderView::from).collect(),
        Dialect::Telenumerus => sim.telenumerus_orders().iter().map(OrderView::from).collect(),
        Dialect::Agentotp => sim.rentals().iter().map(OrderView::from).collect(),
    }
}

/// `POST /__sim/sms`: an SMS to an order (rental) now; answers the order's view.
fn deliver_sms(sim: &mut Simulator, request: SmsRequest) -> Result<SimResponse, AdminError> {
    if request.code.as_ref().is_some_and(|c| c.is_empty() || c.len() > 16 || !c.chars().all(|d| d.is_ascii_digit())) {
        return Err(AdminError::BadRequest("code must be 1 to 16 digits".to_owned()));
    }
    let injection = SmsInjection { from: request.from, text: request.body, code: request.code };
    let now = sim.now_ms;
    let id = request.id;
    let delivered = match sim.config.dialect {
        Dialect::Oxgel => {
            let services = &sim.config.services;
            let order = sim.orders.iter_mut().find(|o| o.id == id).ok_or_else(|| format!("unknown order {id}"));
            order.and_then(|o| o.inject_sms(now, &injection, services))
        }
        Dialect::Telenumerus => sim.telenumerus_deliver(now, &id, &injection),
        Dialect::Agentotp => sim.agentotp_deliver(now, &id, &injection),
    };
    delivered.map_err(AdminError::BadRequest)?;
    let view = order_views(sim).into_iter().find(|o| o.id == id);
    view.map_or_else(|| Err(AdminError::BadRequest(format!("unknown order {id}"))), |view| ok(&view))
}

fn clock_view(sim: &Simulator) -> ClockView {
    ClockView { offset_ms: sim.clock_offset_ms, now_ms: sim.now_ms, now: Timestamp(sim.now_ms).to_rfc3339() }
}
