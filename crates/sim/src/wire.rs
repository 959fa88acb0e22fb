//! The JSON bodies of the OxgelAPI dialect, field order as the provider documents them, and the admin
//! API's views (the same for every dialect). They also deserialise, so tests and hosts can read
//! responses back into types. The other dialects' bodies are in their modules
//! ([`crate::telenumerus`], [`crate::agentotp`]).

use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;
use crate::dialect::agentotp::Rental;
use crate::dialect::telenumerus::{PlatformPrice, StockLevel, TelenumerusOrder};
use crate::money::to_wire;
use crate::orders::Order;
use crate::sms::Sms;
use crate::state::{Account, PriceEntry, Settings, Timing};
use vnum_protocol::Timestamp;

/// `GET /api/v1/balance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceBody {
    /// Spendable balance.
    pub balance: f64,
    /// Held for active orders.
    pub escrow: f64,
    /// Currency code.
    pub currency: String,
}

/// One entry of `GET /api/v1/services`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceBody {
    /// Service code.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// One entry of `GET /api/v1/countries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryBody {
    /// Provider country code.
    pub code: String,
    /// ISO 3166-1 alpha-2.
    pub iso2: String,
    /// English name.
    pub name: String,
}

/// One entry of `GET /api/v1/prices` (and of the admin price views).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceBody {
    /// Service code.
    pub service: String,
    /// Country code.
    pub country: String,
    /// Price in dollars.
    pub price: f64,
    /// Numbers available.
    pub stock: u32,
}

/// `POST /api/v1/numbers/buy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuyBody {
    /// Order id (UUID v4 shape).
    pub id: String,
    /// `ORD-XXXXXX`.
    pub order_code: String,
    /// E.164 number.
    pub phone: String,
    /// RFC 3339 UTC with milliseconds.
    pub expires_at: String,
    /// Price moved into escrow.
    pub cost: f64,
}

/// `GET /api/v1/numbers/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusBody {
    /// `waiting`, `received`, `finished`, `cancelled` or `expired`.
    pub status: String,
    /// The code, `null` while none is shown.
    pub sms_code: Option<String>,
    /// The full SMS, present only with a code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_text: Option<String>,
    /// E.164 number.
    pub phone: String,
}

/// `POST /api/v1/numbers/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelBody {
    /// `cancelled`.
    pub status: String,
    /// Amount returned to the balance.
    pub refunded: f64,
}

/// `POST /api/v1/numbers/finish`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishBody {
    /// `finished`.
    pub status: String,
    /// Amount consumed from escrow.
    pub charged: f64,
}

/// `POST /api/v1/numbers/another`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnotherBody {
    /// `waiting`.
    pub status: String,
}

/// `GET`/`POST /__sim/clock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    /// Offset added to the host clock.
    pub offset_ms: u64,
    /// Current simulated time, unix-epoch milliseconds.
    pub now_ms: u64,
    /// The same, RFC 3339.
    pub now: String,
}

/// An account in the admin API. Agent OTP accounts also show their token and quota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    /// API key.
    pub key: String,
    /// Spendable balance.
    pub balance: f64,
    /// Held for active orders.
    pub escrow: f64,
    /// Consumed by finished orders, in total.
    pub charged: f64,
    /// Whether requests are refused (OxgelAPI 403, Telenumerus `ACCOUNT_SUSPENDED`, Agent OTP 401).
    pub banned: bool,
    /// Agent OTP: the account API's Bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Agent OTP: the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Agent OTP: rentals allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_limit: Option<u64>,
    /// Agent OTP: rentals made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_used: Option<u64>,
}

impl AccountView {
    /// The view of an account in `dialect`.
    #[must_use]
    pub fn of(account: &Account, dialect: Dialect) -> Self {
        let mut view = Self::from(account);
        if dialect == Dialect::Agentotp {
            view.token.clone_from(&account.token);
            view.plan = Some(account.quota.plan.clone());
            view.quota_limit = Some(account.quota.limit);
            view.quota_used = Some(account.quota.used);
        }
        view
    }
}

/// The timings and settings in force (`GET`/`POST /__sim/config`): the timings of every dialect, plus
/// what only one dialect uses, shown in that dialect only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigView {
    /// Seconds from purchase (or `another`) to the SMS.
    pub sms_delay_seconds: u64,
    /// OxgelAPI: seconds after purchase before cancel is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_after_seconds: Option<u64>,
    /// Seconds from purchase to expiry (Agent OTP: the default rental length).
    pub order_ttl_seconds: u64,
    /// Telenumerus: requests per key per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
    /// Agent OTP: numbers per country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_pool_size: Option<u32>,
    /// Agent OTP: sender of the automatic SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_sender: Option<String>,
}

impl ConfigView {
    /// The view in `dialect`.
    #[must_use]
    pub fn of(timing: Timing, settings: &Settings, dialect: Dialect) -> Self {
        let only = |d: Dialect| dialect == d;
        Self {
            sms_delay_seconds: timing.sms_delay_seconds,
            cancel_after_seconds: only(Dialect::Oxgel).then_some(timing.cancel_after_seconds),
            order_ttl_seconds: timing.order_ttl_seconds,
            rate_limit_per_minute: only(Dialect::Telenumerus).then_some(settings.rate_limit_per_minute),
            number_pool_size: only(Dialect::Agentotp).then_some(settings.number_pool_size),
            otp_sender: only(Dialect::Agentotp).then(|| settings.otp_sender.clone()),
        }
    }
}

/// A Telenumerus (platform, country) pair in `GET`/`POST /__sim/prices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformPriceView {
    /// Platform code.
    pub platform: String,
    /// ISO country code.
    pub country: String,
    /// List price.
    pub price: f64,
    /// Stock word.
    pub stock: StockLevel,
    /// Success rate, `null` when unknown.
    pub success_rate: Option<f64>,
    /// Average seconds until the code.
    pub avg_delivery_seconds: u32,
}

impl From<&PlatformPrice> for PlatformPriceView {
    fn from(entry: &PlatformPrice) -> Self {
        Self {
            platform: entry.platform.clone(),
            country: entry.country.clone(),
            price: to_wire(entry.price_micros),
            stock: entry.stock,
            success_rate: entry.success_rate_permille.map(|r| f64::from(r) / 1000.0),
            avg_delivery_seconds: entry.avg_delivery_seconds,
        }
    }
}

/// An order in `GET /__sim/orders`, the same in every dialect: `id` is the order id (Agent OTP: the
/// rental id). OxgelAPI orders also show `order_code`, `operator`, `cancel_allowed_at` and
/// `status_requests`; Agent OTP rentals have no `service` nor `cost`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    /// Order id, or rental id.
    pub id: String,
    /// OxgelAPI: `ORD-XXXXXX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_code: Option<String>,
    /// Owner's API key.
    pub key: String,
    /// Service code (Telenumerus: platform code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Country code (Telenumerus and Agent OTP: ISO code).
    pub country: String,
    /// OxgelAPI: operator asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// E.164 number.
    pub phone: String,
    /// Price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Status, as the dialect names it.
    pub status: String,
    /// Purchase (rental) time.
    pub created_at: String,
    /// Expiry time.
    pub expires_at: String,
    /// OxgelAPI: earliest cancel time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_allowed_at: Option<String>,
    /// Arrival time of the SMS being waited for.
    pub sms_due_at: Option<String>,
    /// When the order ended.
    pub closed_at: Option<String>,
    /// Every SMS received.
    pub messages: Vec<MessageView>,
    /// OxgelAPI: status requests received for this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_requests: Option<u64>,
}

/// An SMS in [`OrderView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// Message id (Telenumerus, Agent OTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Sender (Telenumerus, Agent OTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The code; `null` for a text without one.
    pub code: Option<String>,
    /// The text.
    pub text: String,
    /// Arrival time.
    pub received_at: String,
}

impl From<&Sms> for MessageView {
    fn from(sms: &Sms) -> Self {
        Self {
            id: Some(sms.id.clone()),
            from: Some(sms.from.clone()),
            code: sms.code.clone(),
            text: sms.text.clone(),
            received_at: Timestamp(sms.received_at_ms).to_rfc3339(),
        }
    }
}

impl From<&PriceEntry> for PriceBody {
    fn from(entry: &PriceEntry) -> Self {
        Self {
            service: entry.service.clone(),
            country: entry.country.clone(),
            price: to_wire(entry.price_micros),
            stock: entry.stock,
        }
    }
}

impl From<&Account> for AccountView {
    fn from(account: &Account) -> Self {
        Self {
            key: account.key.clone(),
            balance: to_wire(account.balance_micros),
            escrow: to_wire(account.escrow_micros),
            charged: to_wire(account.charged_micros),
            banned: account.banned,
            token: None,
            plan: None,
            quota_limit: None,
            quota_used: None,
        }
    }
}

impl From<&Order> for OrderView {
    fn from(order: &Order) -> Self {
        Self {
            id: order.id.clone(),
            order_code: Some(order.order_code.clone()),
            key: order.account.clone(),
            service: Some(order.service.clone()),
            country: order.country.clone(),
            operator: Some(order.operator.clone()),
            phone: order.phone.clone(),
            cost: Some(to_wire(order.cost_micros)),
            status: order.status.as_str().to_owned(),
            created_at: Timestamp(order.created_at_ms).to_rfc3339(),
            expires_at: Timestamp(order.expires_at_ms).to_rfc3339(),
            cancel_allowed_at: Some(Timestamp(order.cancel_allowed_at_ms).to_rfc3339()),
            sms_due_at: order.sms_due_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            closed_at: order.closed_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            messages: order
                .messages
                .iter()
                .map(|m| MessageView {
                    id: None,
                    from: None,
                    code: Some(m.code.clone()),
                    text: m.text.clone(),
                    received_at: Timestamp(m.received_at_ms).to_rfc3339(),
                })
                .collect(),
            status_requests: Some(order.status_requests),
        }
    }
}

impl From<&TelenumerusOrder> for OrderView {
    fn from(order: &TelenumerusOrder) -> Self {
        Self {
            id: order.id.clone(),
            order_code: None,
            key: order.account.clone(),
            service: Some(order.platform.clone()),
            country: order.country.clone(),
            operator: None,
            phone: order.phone.clone(),
            cost: Some(to_wire(order.price_micros)),
            status: order.status.as_str().to_owned(),
            created_at: Timestamp(order.created_at_ms).to_rfc3339(),
            expires_at: Timestamp(order.expires_at_ms).to_rfc3339(),
            cancel_allowed_at: None,
            sms_due_at: order.sms_due_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            closed_at: order.closed_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            messages: order.messages.iter().map(MessageView::from).collect(),
            status_requests: None,
        }
    }
}

impl From<&Rental> for OrderView {
    fn from(rental: &Rental) -> Self {
        Self {
            id: rental.rental_id.clone(),
            order_code: None,
            key: rental.account.clone(),
            service: None,
            country: rental.country.clone(),
            operator: None,
            phone: rental.number.clone(),
            cost: None,
            status: rental.status.as_str().to_owned(),
            created_at: Timestamp(rental.rented_at_ms).to_rfc3339(),
            expires_at: Timestamp(rental.expires_at_ms).to_rfc3339(),
            cancel_allowed_at: None,
            sms_due_at: rental.sms_due_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            closed_at: rental.closed_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            messages: rental.messages.iter().map(MessageView::from).collect(),
            status_requests: None,
        }
    }
}
