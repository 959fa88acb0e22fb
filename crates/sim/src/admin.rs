//! The admin API under `/__sim/`: no key, never counted as API traffic.

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::AdminError;
use crate::faults::FaultState;
use crate::http::body_too_large;
use crate::http::{SimRequest, SimResponse};
use crate::money;
use crate::state::{Account, Simulator};
use crate::wire::{AccountView, ClockView, OrderView, PriceBody};
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
}

/// Body of `POST /__sim/config`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TimingRequest {
    sms_delay_seconds: Option<u64>,
    cancel_after_seconds: Option<u64>,
    order_ttl_seconds: Option<u64>,
}

/// Body of `POST /__sim/prices`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceRequest {
    service: String,
    country: String,
    #[serde(default)]
    price: Option<f64>,
    #[serde(default)]
    stock: Option<u32>,
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
];

/// Answers an admin request. `host_now_ms` is the host's clock (the offset is added here).
pub(crate) fn handle(sim: &mut Simulator, host_now_ms: u64, req: &SimRequest) -> SimResponse {
    route(sim, host_now_ms, req).unwrap_or_else(AdminError::into_response)
}

fn route(sim: &mut Simulator, host_now_ms: u64, req: &SimRequest) -> Result<SimResponse, AdminError> {
    if body_too_large(req) {
        return Err(AdminError::BadRequest("body above 64 KiB".to_owned()));
    }
    fn ok<T: Serialize + ?Sized>(value: &T) -> Result<SimResponse, AdminError> {
        Ok(SimResponse::json_of(200, value))
    }
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
            faults.validate().map_err(AdminError::BadRequest)?;
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
        ("GET", "/__sim/accounts") => ok(&sim.accounts().map(AccountView::from).collect::<Vec<_>>()),
        ("POST", "/__sim/accounts") => {
            let update: AccountRequest = parse(&req.body)?;
            ok(&AccountView::from(upsert_account(sim, update)?))
        }
        ("GET", "/__sim/config") => ok(&sim.timing),
        ("POST", "/__sim/config") => {
            let update: TimingRequest = parse(&req.body)?;
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
            ok(&sim.timing)
        }
        ("GET", "/__sim/prices") => ok(&sim.prices.iter().map(PriceBody::from).collect::<Vec<_>>()),
        ("POST", "/__sim/prices") => {
            let update: PriceRequest = parse(&req.body)?;
            let entry =
                sim.prices.iter_mut().find(|p| p.service == update.service && p.country == update.country).ok_or_else(
                    || AdminError::BadRequest(format!("unknown pair {}/{}", update.service, update.country)),
                )?;
            if let Some(price) = update.price {
                entry.price_micros = money::from_dollars_quantized(price)
                    .ok_or_else(|| AdminError::BadRequest(format!("invalid price {price}")))?;
            }
            if let Some(stock) = update.stock {
                entry.stock = stock;
            }
            ok(&PriceBody::from(&*entry))
        }
        ("GET", "/__sim/orders") => {
            let key = req.query_value("key");
            ok(&sim
                .orders
                .iter()
                .filter(|o| key.is_none_or(|k| k == o.account))
                .map(OrderView::from)
                .collect::<Vec<_>>())
        }
        ("GET", "/__sim/requests") => ok(&sim.request_log.entries().collect::<Vec<_>>()),
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
    let balance = update
        .balance
        .map(|b| money::from_dollars_quantized(b).ok_or_else(|| AdminError::BadRequest(format!("invalid balance {b}"))))
        .transpose()?;
    let account = sim.accounts.entry(update.key.clone()).or_insert_with(|| Account {
        key: update.key.clone(),
        balance_micros: 0,
        escrow_micros: 0,
        charged_micros: 0,
        banned: false,
    });
    if let Some(balance) = balance {
        account.balance_micros = balance;
    }
    if let Some(banned) = update.banned {
        account.banned = banned;
    }
    Ok(account)
}

fn clock_view(sim: &Simulator) -> ClockView {
    ClockView { offset_ms: sim.clock_offset_ms, now_ms: sim.now_ms, now: Timestamp(sim.now_ms).to_rfc3339() }
}
