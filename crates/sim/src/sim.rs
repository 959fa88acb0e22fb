//! The simulator's behaviour: its request entry point, the clock, and the provider's state changes.
//! The state types are in `state.rs`.

use std::collections::BTreeMap;

use crate::admin;
use crate::config::{CountryConfig, ServiceConfig, SimConfig};
use crate::dialect::telenumerus::TelenumerusState;
use crate::dialect::{Dialect, presented_key};
use crate::faults::{FaultKind, FaultState};
use crate::http::{SimRequest, SimResponse};
use crate::money;
use crate::orders::{Order, Settlement};
use crate::rng::SimRng;
use crate::state::{Account, PriceEntry, Quota, Settings, Simulator, Timing};
use crate::stats::{EndpointKind, LOGGED_BODY_BYTES, LoggedRequest, RequestLog, Stats};

/// Largest simulated clock offset: about 100 years.
const MAX_OFFSET_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

impl Simulator {
    /// A simulator in the initial state of `config`. Invalid amounts in the configuration (negative or
    /// non-finite) are treated as zero.
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        let mut accounts = BTreeMap::new();
        for account in &config.accounts {
            accounts.insert(
                account.key.clone(),
                Account {
                    key: account.key.clone(),
                    balance_micros: money::from_dollars_quantized(account.balance).unwrap_or(0),
                    escrow_micros: 0,
                    charged_micros: 0,
                    banned: account.banned,
                    token: config.account_tokens.get(&account.key).cloned(),
                    quota: Quota { plan: config.quota_plan.clone(), limit: config.quota_limit, used: 0 },
                },
            );
        }
        let dialect = config.dialect;
        Self {
            timing: Timing {
                sms_delay_seconds: config.sms_delay_seconds,
                cancel_after_seconds: config.cancel_after_seconds,
                order_ttl_seconds: config.order_ttl_seconds,
            },
            accounts,
            prices: if dialect == Dialect::Oxgel { build_prices(&config) } else { Vec::new() },
            orders: Vec::new(),
            rng: SimRng::new(config.seed),
            clock_offset_ms: 0,
            now_ms: 0,
            faults: FaultState::default(),
            stats: Stats::for_dialect(dialect),
            request_log: RequestLog::default(),
            settings: Settings {
                rate_limit_per_minute: config.rate_limit_per_minute,
                number_pool_size: config.number_pool_size,
                otp_sender: config.otp_sender.clone(),
            },
            telenumerus: if dialect == Dialect::Telenumerus {
                TelenumerusState::new(&config)
            } else {
                TelenumerusState::default()
            },
            agentotp: crate::dialect::agentotp::AgentOtpState::default(),
            config,
        }
    }

    /// Handles one request received at `now_ms` (host time, unix-epoch milliseconds). Simulated time is
    /// `now_ms` plus the admin clock offset, and never goes backwards: SMS arrivals and expiries up to
    /// it are applied first. Never panics, whatever the request.
    pub fn handle(&mut self, now_ms: u64, req: &SimRequest) -> SimResponse {
        let now = self.advance(now_ms);
        if is_admin_path(&req.path) {
            return admin::handle(self, now_ms, req);
        }

        let dialect = self.config.dialect;
        let kind = EndpointKind::classify(dialect, &req.path);
        let (key, key_in_query) = presented_key(dialect, req);
        self.stats.record_request(kind, key, key_in_query);

        let fault = self.faults.take_for(kind);
        if fault.is_some() {
            self.stats.faults_applied += 1;
        }
        let mut response = match fault.as_ref().and_then(|f| f.replacement(dialect)) {
            Some(replacement) => replacement,
            None => self.api(now, kind, req),
        };
        response.delay_ms = self.faults.latency_ms.saturating_add(fault.as_ref().map_or(0, FaultKind::extra_delay_ms));

        self.stats.record_outcome(response.status());
        let body_end = req.body.len().min(LOGGED_BODY_BYTES);
        self.request_log.push(
            LoggedRequest {
                at_ms: now,
                method: req.method.clone(),
                path: req.path.clone(),
                query: bounded_pairs(&req.query),
                headers: bounded_pairs(&req.headers),
                body: String::from_utf8_lossy(&req.body[..body_end]).into_owned(),
                kind,
                status: response.status(),
                fault: fault.map(|f| f.name().to_owned()),
            },
            self.config.request_log_capacity,
        );
        response
    }

    /// Moves simulated time to `host_now_ms` plus the clock offset (never backwards) and applies every
    /// SMS arrival and expiry due by then. Returns the simulated time. [`Simulator::handle`] calls this
    /// itself; a host may call it to settle orders without a request.
    pub fn advance(&mut self, host_now_ms: u64) -> u64 {
        let now = host_now_ms.saturating_add(self.clock_offset_ms).max(self.now_ms);
        self.now_ms = now;
        self.settle();
        now
    }

    /// Applies every SMS arrival and expiry due by the current simulated time, in every dialect's
    /// orders.
    pub(crate) fn settle(&mut self) {
        self.settle_oxgel();
        self.settle_telenumerus();
        self.settle_agentotp();
    }

    /// Applies SMS arrivals and expiries of OxgelAPI orders.
    fn settle_oxgel(&mut self) {
        let now = self.now_ms;
        for order in &mut self.orders {
            let Some(settlement) = order.advance(now, &self.config.services) else {
                continue;
            };
            let Some(account) = self.accounts.get_mut(&order.account) else {
                continue;
            };
            match settlement {
                Settlement::Refund(cost) => {
                    account.escrow_micros = account.escrow_micros.saturating_sub(cost);
                    account.balance_micros = account.balance_micros.saturating_add(cost);
                    if let Some(entry) =
                        self.prices.iter_mut().find(|p| p.service == order.service && p.country == order.country)
                    {
                        entry.stock = entry.stock.saturating_add(1);
                    }
                }
                Settlement::Charge(cost) => {
                    account.escrow_micros = account.escrow_micros.saturating_sub(cost);
                    account.charged_micros = account.charged_micros.saturating_add(cost);
                }
            }
        }
    }

    /// Moves the simulated clock forward by `ms` (what `POST /__sim/clock` does).
    pub fn advance_clock(&mut self, ms: u64) {
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(ms).min(MAX_OFFSET_MS);
    }

    /// Back to the initial state of the configuration (what `POST /__sim/reset` does).
    pub fn reset(&mut self) {
        *self = Self::new(self.config.clone());
    }

    /// The configuration the simulator started from (and resets to).
    #[must_use]
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The timings in force.
    #[must_use]
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// The dialect the simulator speaks.
    #[must_use]
    pub fn dialect(&self) -> Dialect {
        self.config.dialect
    }

    /// The settings in force besides the timings (rate limit, pool size, OTP sender).
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Converts a simulated instant into the host time at which it comes, at the current clock offset
    /// (what a host sleeps until).
    #[must_use]
    pub fn host_time_of(&self, simulated_ms: u64) -> u64 {
        simulated_ms.saturating_sub(self.clock_offset_ms)
    }

    /// The account with this key.
    #[must_use]
    pub fn account(&self, key: &str) -> Option<&Account> {
        self.accounts.get(key)
    }

    /// All accounts, by key.
    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// Price and stock of every pair, services-major in catalogue order.
    #[must_use]
    pub fn prices(&self) -> &[PriceEntry] {
        &self.prices
    }

    /// Every order still remembered, oldest first.
    #[must_use]
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    /// The order with this id.
    #[must_use]
    pub fn order(&self, id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == id)
    }

    /// Traffic counters.
    #[must_use]
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The most recent API requests.
    #[must_use]
    pub fn request_log(&self) -> &RequestLog {
        &self.request_log
    }

    /// The fault configuration.
    #[must_use]
    pub fn faults(&self) -> &FaultState {
        &self.faults
    }

    /// Replaces the fault configuration (what `POST /__sim/faults` does).
    pub fn set_faults(&mut self, faults: FaultState) {
        self.faults = faults;
    }

    /// The admin clock offset added to host time.
    #[must_use]
    pub fn clock_offset_ms(&self) -> u64 {
        self.clock_offset_ms
    }

    /// The latest simulated time seen.
    #[must_use]
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub(crate) fn service(&self, code: &str) -> Option<&ServiceConfig> {
        self.config.services.iter().find(|s| s.code == code)
    }

    pub(crate) fn country(&self, code: &str) -> Option<&CountryConfig> {
        self.config.countries.iter().find(|c| c.code == code)
    }
}

/// Whether a path belongs to the admin API.
#[must_use]
pub fn is_admin_path(path: &str) -> bool {
    path == "/__sim" || path.starts_with("/__sim/")
}

/// Seeded price table: every service × country pair, price 0.05–1.50 in whole cents, stock 0..=500
/// (about one pair in ten sold out), then the configured overrides.
fn build_prices(config: &SimConfig) -> Vec<PriceEntry> {
    let mut rng = fastrand::Rng::with_seed(config.seed ^ 0x5052_4943_4553_0001);
    let mut prices = Vec::with_capacity(config.services.len() * config.countries.len());
    for service in &config.services {
        for country in &config.countries {
            let cents = u64::from(rng.u32(5..=150));
            let stock = if rng.u32(0..10) == 0 { 0 } else { rng.u32(1..=500) };
            prices.push(PriceEntry {
                service: service.code.clone(),
                country: country.code.clone(),
                price_micros: cents * 10_000,
                stock,
            });
        }
    }
    for pin in &config.price_overrides {
        if let Some(entry) = prices.iter_mut().find(|p| p.service == pin.service && p.country == pin.country) {
            if let Some(price) = pin.price {
                entry.price_micros = money::from_dollars_quantized(price).unwrap_or(0);
            }
            if let Some(stock) = pin.stock {
                entry.stock = stock;
            }
        }
    }
    prices
}

/// At most 32 pairs of at most 256 characters each, so the request log stays small in persisted state.
fn bounded_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let cut = |s: &str| s.chars().take(256).collect::<String>();
    pairs.iter().take(32).map(|(k, v)| (cut(k), cut(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::SimRequest;

    /// Removes what this version added to a saved simulator, leaving the shape of a state saved by
    /// the OxgelAPI-only simulator (which a host such as the Worker may still hold in storage).
    fn as_saved_before_the_dialects(sim: &Simulator) -> serde_json::Value {
        let mut saved = serde_json::to_value(sim).expect("serialises");
        let object = saved.as_object_mut().expect("an object");
        for field in ["settings", "telenumerus", "agentotp"] {
            object.remove(field);
        }
        let config = object["config"].as_object_mut().expect("the config");
        for field in [
            "dialect",
            "rate_limit_per_minute",
            "number_pool_size",
            "otp_sender",
            "quota_limit",
            "quota_plan",
            "account_tokens",
        ] {
            config.remove(field);
        }
        for account in object["accounts"].as_object_mut().expect("accounts").values_mut() {
            let account = account.as_object_mut().expect("an account");
            account.remove("token");
            account.remove("quota");
        }
        saved
    }

    #[test]
    fn a_state_saved_before_the_dialects_still_loads_and_continues() {
        let mut sim = Simulator::new(SimConfig::default());
        let buy =
            SimRequest::post("/api/v1/numbers/buy").key(crate::DEFAULT_KEY).body(r#"{"service":"wa","country":"187"}"#);
        let t0 = 1_780_496_580_000;
        assert_eq!(sim.handle(t0, &buy).status(), Some(200));
        let saved = as_saved_before_the_dialects(&sim);
        let mut restored: Simulator = serde_json::from_value(saved).expect("loads");
        assert_eq!(restored, sim);
        let balance = SimRequest::get("/api/v1/balance").key(crate::DEFAULT_KEY);
        assert_eq!(restored.handle(t0 + 20_000, &balance), sim.handle(t0 + 20_000, &balance));
    }
}
