//! The simulator's state types: the whole [`Simulator`] value (which a host persists and restores), its
//! timings and settings, accounts and OxgelAPI price list. The behaviour lives in `sim.rs` (the request
//! entry point and the clock), `dialect/` (each provider's API, with its own state types) and
//! `admin.rs` (the admin endpoints); they, and the wire views, read these types from here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::{DEFAULT_OTP_SENDER, SimConfig};
use crate::dialect::agentotp::AgentOtpState;
use crate::dialect::telenumerus::TelenumerusState;
use crate::faults::FaultState;
use crate::orders::Order;
use crate::rng::SimRng;
use crate::stats::{RequestLog, Stats};

/// The simulated provider. Pure state: feed it requests with [`Simulator::handle`]; it never reads a
/// clock, sleeps or does IO. The whole value (de)serialises with serde, so a host can persist it and a
/// restored copy continues identically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulator {
    pub(crate) config: SimConfig,
    pub(crate) timing: Timing,
    pub(crate) accounts: BTreeMap<String, Account>,
    pub(crate) prices: Vec<PriceEntry>,
    pub(crate) orders: Vec<Order>,
    pub(crate) rng: SimRng,
    pub(crate) clock_offset_ms: u64,
    pub(crate) now_ms: u64,
    pub(crate) faults: FaultState,
    pub(crate) stats: Stats,
    pub(crate) request_log: RequestLog,
    #[serde(default)]
    pub(crate) settings: Settings,
    #[serde(default)]
    pub(crate) telenumerus: TelenumerusState,
    #[serde(default)]
    pub(crate) agentotp: AgentOtpState,
}

/// The timings in force; `POST /__sim/config` changes them for orders bought afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// Seconds from purchase (or `another`) to SMS arrival.
    pub sms_delay_seconds: u64,
    /// Seconds after purchase before cancel is allowed.
    pub cancel_after_seconds: u64,
    /// Seconds from purchase to expiry.
    pub order_ttl_seconds: u64,
}

/// The settings besides the timings that `POST /__sim/config` changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Telenumerus: requests per key in any 60 s of simulated time.
    pub rate_limit_per_minute: u32,
    /// Agent OTP: numbers in each country's pool.
    pub number_pool_size: u32,
    /// Agent OTP: sender of the automatic SMS.
    pub otp_sender: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self { rate_limit_per_minute: 120, number_pool_size: 20, otp_sender: DEFAULT_OTP_SENDER.to_owned() }
    }
}

/// An Agent OTP account's rental quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// Plan name, such as `pro`.
    pub plan: String,
    /// Rentals allowed.
    pub limit: u64,
    /// Rentals made.
    pub used: u64,
}

impl Default for Quota {
    fn default() -> Self {
        Self { plan: "pro".to_owned(), limit: 200, used: 0 }
    }
}

impl Quota {
    /// Rentals left.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// An account: its money in micro-dollars, and (Agent OTP) its account token and quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The API key.
    pub key: String,
    /// Spendable balance.
    pub balance_micros: u64,
    /// Held for active orders.
    pub escrow_micros: u64,
    /// Consumed by finished orders, in total.
    pub charged_micros: u64,
    /// Banned accounts get 403 on every request (Telenumerus: `ACCOUNT_SUSPENDED`; Agent OTP: 401).
    pub banned: bool,
    /// Agent OTP: the Bearer token of the account API.
    #[serde(default)]
    pub token: Option<String>,
    /// Agent OTP: the rental quota.
    #[serde(default)]
    pub quota: Quota,
}

/// Price and stock of one (service, country) pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceEntry {
    /// Service code.
    pub service: String,
    /// Country code.
    pub country: String,
    /// Price, micro-dollars.
    pub price_micros: u64,
    /// Numbers available.
    pub stock: u32,
}
