//! The simulator's state types: the whole [`Simulator`] value (which a host persists and restores), its
//! timings, accounts and price list. The behaviour lives in `sim.rs` (the provider's API and the clock)
//! and `admin.rs` (the admin endpoints); both, and the wire views, read these types from here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::SimConfig;
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

/// An account's money, in micro-dollars.
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
    /// Banned accounts get 403 on every request.
    pub banned: bool,
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
