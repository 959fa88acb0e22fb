//! The JSON bodies the simulator sends, field order as the provider documents them. They also
//! deserialise, so tests and hosts can read responses back into types.

use serde::{Deserialize, Serialize};

use crate::money::to_wire;
use crate::orders::Order;
use crate::state::{Account, PriceEntry};
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

/// An account in the admin API.
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
    /// Whether requests get 403.
    pub banned: bool,
}

/// An order in `GET /__sim/orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    /// Order id.
    pub id: String,
    /// `ORD-XXXXXX`.
    pub order_code: String,
    /// Owner's API key.
    pub key: String,
    /// Service code.
    pub service: String,
    /// Country code.
    pub country: String,
    /// Operator asked for.
    pub operator: String,
    /// E.164 number.
    pub phone: String,
    /// Price.
    pub cost: f64,
    /// Status.
    pub status: String,
    /// Purchase time.
    pub created_at: String,
    /// Expiry time.
    pub expires_at: String,
    /// Earliest cancel time.
    pub cancel_allowed_at: String,
    /// Arrival time of the SMS being waited for.
    pub sms_due_at: Option<String>,
    /// When the order became final.
    pub closed_at: Option<String>,
    /// Every SMS received.
    pub messages: Vec<MessageView>,
    /// Status requests received for this order.
    #[serde(default)]
    pub status_requests: u64,
}

/// An SMS in [`OrderView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// The code.
    pub code: String,
    /// The text.
    pub text: String,
    /// Arrival time.
    pub received_at: String,
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
        }
    }
}

impl From<&Order> for OrderView {
    fn from(order: &Order) -> Self {
        Self {
            id: order.id.clone(),
            order_code: order.order_code.clone(),
            key: order.account.clone(),
            service: order.service.clone(),
            country: order.country.clone(),
            operator: order.operator.clone(),
            phone: order.phone.clone(),
            cost: to_wire(order.cost_micros),
            status: order.status.as_str().to_owned(),
            created_at: Timestamp(order.created_at_ms).to_rfc3339(),
            expires_at: Timestamp(order.expires_at_ms).to_rfc3339(),
            cancel_allowed_at: Timestamp(order.cancel_allowed_at_ms).to_rfc3339(),
            sms_due_at: order.sms_due_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            closed_at: order.closed_at_ms.map(|ms| Timestamp(ms).to_rfc3339()),
            messages: order
                .messages
                .iter()
                .map(|m| MessageView {
                    code: m.code.clone(),
                    text: m.text.clone(),
                    received_at: Timestamp(m.received_at_ms).to_rfc3339(),
                })
                .collect(),
            status_requests: order.status_requests,
        }
    }
}
