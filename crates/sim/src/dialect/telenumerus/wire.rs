//! The JSON bodies of the Telenumerus dialect, field order as its document shows them. They also
//! deserialise, so tests and hosts can read answers back into types.

use serde::{Deserialize, Serialize};

use super::catalogue::StockLevel;

/// `GET /services`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicesBody {
    /// Every platform.
    pub services: Vec<ServiceEntry>,
}

/// One platform of `GET /services`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceEntry {
    /// Platform code.
    pub platform: String,
    /// Display name.
    pub name: String,
    /// Price in the default country (US).
    pub price: f64,
}

/// `GET /availability`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityBody {
    /// Every platform in the country asked for.
    pub platforms: Vec<AvailabilityEntry>,
}

/// One platform of `GET /availability`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityEntry {
    /// Platform code.
    pub platform: String,
    /// Share of recent orders that got a code; `null` with too few.
    pub success_rate: Option<f64>,
    /// `high`, `medium`, `low` or `none`.
    pub stock: StockLevel,
    /// Average seconds until the code.
    pub avg_delivery_seconds: u32,
    /// Price.
    pub price: f64,
    /// What the code looks like.
    pub hints: CodeHints,
}

/// `hints` of `/availability`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeHints {
    /// `numeric`.
    pub code_format: String,
    /// Digits in the code.
    pub expect_code_length: u8,
}

/// `platform_hints` of an order answer: the code's shape and the delivery time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformHints {
    /// `numeric`.
    pub code_format: String,
    /// Digits in the code.
    pub expect_code_length: u8,
    /// Average seconds until the code.
    pub avg_delivery_seconds: u32,
}

/// `GET /account`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBody {
    /// Spendable balance.
    pub balance: f64,
    /// `USD`.
    pub currency: String,
    /// `standard`, `silver`, `gold` or `vip`.
    pub tier: String,
    /// Orders that got a code (the tier's basis).
    pub orders: u64,
}

/// `POST /order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderBody {
    /// `ok`.
    pub status: String,
    /// Order id.
    pub order_id: String,
    /// The number, E.164.
    pub phone: String,
    /// Price charged.
    pub price: f64,
    /// Seconds until the order expires.
    pub expires_in: u64,
    /// Path of `GET /order/:id`.
    pub check_status: String,
    /// Path of the SSE stream.
    pub stream: String,
    /// The code's shape and the delivery time.
    pub platform_hints: PlatformHints,
}

/// `GET /order/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatusBody {
    /// `pending`, `completed`, `cancelled` or `expired`.
    pub status: String,
    /// The clean numeric code, once `completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Order id.
    pub order_id: String,
    /// The number, E.164.
    pub phone: String,
}

/// `POST /order/:id/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelBody {
    /// `ok`.
    pub status: String,
    /// Amount returned to the balance.
    pub refunded: f64,
}

/// `POST /verify` once the code came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyBody {
    /// `ok`.
    pub status: String,
    /// The number, E.164.
    pub phone: String,
    /// The code.
    pub code: String,
    /// Seconds from purchase to the code.
    pub delivery_seconds: u64,
    /// Price charged.
    pub price: f64,
}

/// `POST /verify` when its `timeout_seconds` passed first (the order goes on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyPendingBody {
    /// `pending`.
    pub status: String,
    /// Order id.
    pub order_id: String,
    /// The number, E.164.
    pub phone: String,
    /// Price charged.
    pub price: f64,
    /// Path of `GET /order/:id`.
    pub check_status: String,
    /// Path of the SSE stream.
    pub stream: String,
}

/// `POST /agent` when the query named a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentBody {
    /// `true`.
    pub understood: bool,
    /// Order id.
    pub order_id: String,
    /// The number, E.164.
    pub phone: String,
    /// Price charged.
    pub price: f64,
    /// Path of `GET /order/:id`.
    pub check_status: String,
}

/// The data of one SSE event of `/order/:id/stream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamEvent {
    /// `code`, `expired` or `cancelled`.
    pub event: String,
    /// The code, for `code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
