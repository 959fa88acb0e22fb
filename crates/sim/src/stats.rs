//! Traffic counters and the request log that `GET /__sim/stats` and `GET /__sim/requests` expose.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;

/// Which API endpoint a request addressed, by path alone (whatever the method). The names (serde,
/// snake case) are what `GET /__sim/stats` counts under and what a fault's `"for"` names; each dialect
/// has its own set ([`Dialect::endpoint_kinds`]), `services` and `other` are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// OxgelAPI `/api/v1/balance`
    Balance,
    /// OxgelAPI and Telenumerus `/api/v1/services`
    Services,
    /// OxgelAPI `/api/v1/countries`
    Countries,
    /// OxgelAPI `/api/v1/prices`
    Prices,
    /// OxgelAPI `/api/v1/numbers/buy`
    Buy,
    /// OxgelAPI `/api/v1/numbers/status`
    Status,
    /// OxgelAPI `/api/v1/numbers/cancel`
    Cancel,
    /// OxgelAPI `/api/v1/numbers/finish`
    Finish,
    /// OxgelAPI `/api/v1/numbers/another`
    Another,
    /// Telenumerus `/api/v1/register`
    Register,
    /// Telenumerus `/api/v1/availability`
    Availability,
    /// Telenumerus `/api/v1/health`
    Health,
    /// Telenumerus `/api/v1/deposit/addresses`
    DepositAddresses,
    /// Telenumerus `/api/v1/deposit/verify`
    DepositVerify,
    /// Telenumerus `/api/v1/order`
    Order,
    /// Telenumerus `/api/v1/verify`
    Verify,
    /// Telenumerus `/api/v1/agent`
    Agent,
    /// Telenumerus `/api/v1/batch`
    Batch,
    /// Telenumerus `/api/v1/order/:id`
    OrderStatus,
    /// Telenumerus `/api/v1/order/:id/stream`
    OrderStream,
    /// Telenumerus `/api/v1/order/:id/cancel`
    OrderCancel,
    /// Telenumerus `/api/v1/account`
    Account,
    /// Telenumerus `/api/v1/usage`
    Usage,
    /// Telenumerus `/api/v1/webhook`
    Webhook,
    /// Agent OTP `/api/v1/numbers/rent`
    Rent,
    /// Agent OTP `/api/v1/numbers/{number}/wait-for-otp`
    WaitForOtp,
    /// Agent OTP `/api/v1/numbers/{number}/messages`
    Messages,
    /// Agent OTP `/api/v1/numbers/{number}`
    Release,
    /// Agent OTP `/api/v1/auth/usage/quota`
    Quota,
    /// Any other path.
    Other,
}

impl EndpointKind {
    /// Classifies an OxgelAPI request path.
    #[must_use]
    pub fn from_path(path: &str) -> Self {
        Self::classify(Dialect::Oxgel, path)
    }

    /// Classifies a request path in `dialect`.
    #[must_use]
    pub fn classify(dialect: Dialect, path: &str) -> Self {
        match dialect {
            Dialect::Oxgel => match path {
                "/api/v1/balance" => Self::Balance,
                "/api/v1/services" => Self::Services,
                "/api/v1/countries" => Self::Countries,
                "/api/v1/prices" => Self::Prices,
                "/api/v1/numbers/buy" => Self::Buy,
                "/api/v1/numbers/status" => Self::Status,
                "/api/v1/numbers/cancel" => Self::Cancel,
                "/api/v1/numbers/finish" => Self::Finish,
                "/api/v1/numbers/another" => Self::Another,
                _ => Self::Other,
            },
            Dialect::Telenumerus => classify_telenumerus(path),
            Dialect::Agentotp => classify_agentotp(path),
        }
    }

    /// The method the endpoint answers, or `None` for [`EndpointKind::Other`].
    #[must_use]
    pub fn method(self) -> Option<&'static str> {
        match self {
            Self::Balance
            | Self::Services
            | Self::Countries
            | Self::Prices
            | Self::Status
            | Self::Availability
            | Self::Health
            | Self::DepositAddresses
            | Self::OrderStatus
            | Self::OrderStream
            | Self::Account
            | Self::Usage
            | Self::Messages
            | Self::Quota => Some("GET"),
            Self::Buy
            | Self::Cancel
            | Self::Finish
            | Self::Another
            | Self::Register
            | Self::DepositVerify
            | Self::Order
            | Self::Verify
            | Self::Agent
            | Self::Batch
            | Self::OrderCancel
            | Self::Rent
            | Self::WaitForOtp => Some("POST"),
            Self::Webhook => Some("PUT"),
            Self::Release => Some("DELETE"),
            Self::Other => None,
        }
    }

    /// The snake-case name, such as `wait_for_otp`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Balance => "balance",
            Self::Services => "services",
            Self::Countries => "countries",
            Self::Prices => "prices",
            Self::Buy => "buy",
            Self::Status => "status",
            Self::Cancel => "cancel",
            Self::Finish => "finish",
            Self::Another => "another",
            Self::Register => "register",
            Self::Availability => "availability",
            Self::Health => "health",
            Self::DepositAddresses => "deposit_addresses",
            Self::DepositVerify => "deposit_verify",
            Self::Order => "order",
            Self::Verify => "verify",
            Self::Agent => "agent",
            Self::Batch => "batch",
            Self::OrderStatus => "order_status",
            Self::OrderStream => "order_stream",
            Self::OrderCancel => "order_cancel",
            Self::Account => "account",
            Self::Usage => "usage",
            Self::Webhook => "webhook",
            Self::Rent => "rent",
            Self::WaitForOtp => "wait_for_otp",
            Self::Messages => "messages",
            Self::Release => "release",
            Self::Quota => "quota",
            Self::Other => "other",
        }
    }
}

/// Telenumerus paths: fixed ones, and `/api/v1/order/<id>[/stream|/cancel]` with a non-empty id.
fn classify_telenumerus(path: &str) -> EndpointKind {
    use EndpointKind as K;
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return K::Other;
    };
    match rest {
        "register" => K::Register,
        "services" => K::Services,
        "availability" => K::Availability,
        "health" => K::Health,
        "deposit/addresses" => K::DepositAddresses,
        "deposit/verify" => K::DepositVerify,
        "order" => K::Order,
        "verify" => K::Verify,
        "agent" => K::Agent,
        "batch" => K::Batch,
        "account" => K::Account,
        "usage" => K::Usage,
        "webhook" => K::Webhook,
        _ => {
            let Some(order) = rest.strip_prefix("order/") else {
                return K::Other;
            };
            match order.split('/').collect::<Vec<_>>().as_slice() {
                [id] if !id.is_empty() => K::OrderStatus,
                [id, "stream"] if !id.is_empty() => K::OrderStream,
                [id, "cancel"] if !id.is_empty() => K::OrderCancel,
                _ => K::Other,
            }
        }
    }
}

/// Agent OTP paths: `/api/v1/numbers/rent`, `/api/v1/numbers/<number>[/wait-for-otp|/messages]` with a
/// non-empty number, and `/api/v1/auth/usage/quota`.
fn classify_agentotp(path: &str) -> EndpointKind {
    use EndpointKind as K;
    if path == "/api/v1/auth/usage/quota" {
        return K::Quota;
    }
    let Some(rest) = path.strip_prefix("/api/v1/numbers/") else {
        return K::Other;
    };
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        ["rent"] => K::Rent,
        [number] if !number.is_empty() => K::Release,
        [number, "wait-for-otp"] if !number.is_empty() => K::WaitForOtp,
        [number, "messages"] if !number.is_empty() => K::Messages,
        _ => K::Other,
    }
}

/// Requests per endpoint kind: the kinds of one dialect, each counted from zero. Serialised as an
/// object from kind name to count (`{"balance":0,…,"other":0}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestCounts(BTreeMap<EndpointKind, u64>);

impl Default for RequestCounts {
    /// The OxgelAPI dialect's kinds.
    fn default() -> Self {
        Self::for_dialect(Dialect::Oxgel)
    }
}

impl RequestCounts {
    /// Zero for every kind of `dialect`.
    #[must_use]
    pub fn for_dialect(dialect: Dialect) -> Self {
        Self(dialect.endpoint_kinds().iter().map(|kind| (*kind, 0)).collect())
    }

    fn count(&mut self, kind: EndpointKind) {
        *self.0.entry(kind).or_default() += 1;
    }

    /// The count of one kind.
    #[must_use]
    pub fn get(&self, kind: EndpointKind) -> u64 {
        self.0.get(&kind).copied().unwrap_or(0)
    }
}

/// Distinct keys remembered in `keys_seen`; later new keys only count in `keys_seen_overflow`.
pub const MAX_KEYS_SEEN: usize = 100;
/// Keys longer than this are truncated in `keys_seen`.
pub const MAX_KEY_CHARS: usize = 128;

/// Counters of API traffic (admin requests under `/__sim/` are never counted). Serialised as the body
/// of `GET /__sim/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests received per endpoint kind, whatever their outcome (faulted ones included).
    pub requests: RequestCounts,
    /// All API requests received.
    pub total: u64,
    /// Requests answered 401 (missing or invalid key).
    pub unauthorized: u64,
    /// Requests answered 403 (banned account).
    pub forbidden: u64,
    /// Purchases that created an order.
    pub buys_succeeded: u64,
    /// Requests that took a queued fault.
    pub faults_applied: u64,
    /// Requests that carried the key as `?api_key=` (a well-behaved client never does).
    pub api_key_in_query: u64,
    /// Responses by status code (`"200"`, `"409"`, …), and `"drop"` for dropped connections.
    pub statuses: BTreeMap<String, u64>,
    /// Requests per API key presented (header, else query), valid or not.
    pub keys_seen: BTreeMap<String, u64>,
    /// Requests whose key was not recorded because `keys_seen` already held [`MAX_KEYS_SEEN`] keys.
    pub keys_seen_overflow: u64,
}

impl Stats {
    /// Counters at zero for the endpoint kinds of `dialect`.
    #[must_use]
    pub fn for_dialect(dialect: Dialect) -> Self {
        Self { requests: RequestCounts::for_dialect(dialect), ..Self::default() }
    }

    /// Counts an arriving API request.
    pub(crate) fn record_request(&mut self, kind: EndpointKind, key: Option<&str>, key_in_query: bool) {
        self.requests.count(kind);
        self.total += 1;
        if key_in_query {
            self.api_key_in_query += 1;
        }
        if let Some(key) = key {
            let key: String = key.chars().take(MAX_KEY_CHARS).collect();
            if let Some(count) = self.keys_seen.get_mut(&key) {
                *count += 1;
            } else if self.keys_seen.len() < MAX_KEYS_SEEN {
                self.keys_seen.insert(key, 1);
            } else {
                self.keys_seen_overflow += 1;
            }
        }
    }

    /// Counts how a request ended: `None` for a dropped connection.
    pub(crate) fn record_outcome(&mut self, status: Option<u16>) {
        let label = status.map_or_else(|| "drop".to_owned(), |s| s.to_string());
        *self.statuses.entry(label).or_default() += 1;
        match status {
            Some(401) => self.unauthorized += 1,
            Some(403) => self.forbidden += 1,
            _ => {}
        }
    }
}

/// One API request as the simulator saw it (`GET /__sim/requests`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// Simulated time of arrival, unix-epoch milliseconds.
    pub at_ms: u64,
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Decoded query parameters (the first 32, each name and value cut to 256 characters).
    pub query: Vec<(String, String)>,
    /// Headers as received (the first 32, each name and value cut to 256 characters).
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy), cut to 1 KiB.
    pub body: String,
    /// Endpoint kind.
    pub kind: EndpointKind,
    /// Response status, `None` when the connection was dropped.
    pub status: Option<u16>,
    /// Name of the fault the request took, if any.
    pub fault: Option<String>,
}

/// Bytes of body kept per logged request.
pub const LOGGED_BODY_BYTES: usize = 1024;

/// The most recent API requests, oldest first, bounded by the configured capacity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLog {
    entries: VecDeque<LoggedRequest>,
}

impl RequestLog {
    pub(crate) fn push(&mut self, entry: LoggedRequest, capacity: usize) {
        if capacity == 0 {
            return;
        }
        while self.entries.len() >= capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Logged requests, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &LoggedRequest> {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths_and_methods() {
        assert_eq!(EndpointKind::from_path("/api/v1/numbers/buy"), EndpointKind::Buy);
        assert_eq!(EndpointKind::from_path("/api/v1/numbers/buy/"), EndpointKind::Other);
        assert_eq!(EndpointKind::Buy.method(), Some("POST"));
        assert_eq!(EndpointKind::Status.method(), Some("GET"));
        assert_eq!(EndpointKind::Other.method(), None);
    }

    #[test]
    fn classifies_the_other_dialects() {
        let tn = |p: &str| EndpointKind::classify(Dialect::Telenumerus, p);
        assert_eq!(tn("/api/v1/order"), EndpointKind::Order);
        assert_eq!(tn("/api/v1/order/abc"), EndpointKind::OrderStatus);
        assert_eq!(tn("/api/v1/order/abc/stream"), EndpointKind::OrderStream);
        assert_eq!(tn("/api/v1/order/abc/cancel"), EndpointKind::OrderCancel);
        assert_eq!(tn("/api/v1/order//cancel"), EndpointKind::Other);
        assert_eq!(tn("/api/v1/order/abc/x"), EndpointKind::Other);
        assert_eq!(tn("/api/v1/deposit/addresses"), EndpointKind::DepositAddresses);
        assert_eq!(tn("/api/v1/balance"), EndpointKind::Other);
        let ao = |p: &str| EndpointKind::classify(Dialect::Agentotp, p);
        assert_eq!(ao("/api/v1/numbers/rent"), EndpointKind::Rent);
        assert_eq!(ao("/api/v1/numbers/%2B14165551234"), EndpointKind::Release);
        assert_eq!(ao("/api/v1/numbers/+14165551234/wait-for-otp"), EndpointKind::WaitForOtp);
        assert_eq!(ao("/api/v1/numbers/+1/messages"), EndpointKind::Messages);
        assert_eq!(ao("/api/v1/numbers/"), EndpointKind::Other);
        assert_eq!(ao("/api/v1/auth/usage/quota"), EndpointKind::Quota);
        assert_eq!(EndpointKind::Release.method(), Some("DELETE"));
        assert_eq!(EndpointKind::Webhook.method(), Some("PUT"));
        for dialect in crate::dialect::DIALECTS {
            for kind in dialect.endpoint_kinds() {
                let name = serde_json::to_string(kind).expect("serialises");
                assert_eq!(name, format!("\"{}\"", kind.as_str()));
            }
        }
    }

    #[test]
    fn keys_seen_is_bounded() {
        let mut stats = Stats::default();
        for i in 0..(MAX_KEYS_SEEN + 5) {
            stats.record_request(EndpointKind::Balance, Some(&format!("k{i}")), false);
        }
        stats.record_request(EndpointKind::Balance, Some("k0"), true);
        assert_eq!(stats.keys_seen.len(), MAX_KEYS_SEEN);
        assert_eq!(stats.keys_seen_overflow, 5);
        assert_eq!(stats.keys_seen["k0"], 2);
        assert_eq!(stats.api_key_in_query, 1);
        assert_eq!(stats.requests.get(EndpointKind::Balance), 106);
        assert_eq!(stats.total, 106);
    }

    #[test]
    fn log_keeps_the_newest() {
        let mut log = RequestLog::default();
        for i in 0..5 {
            log.push(
                LoggedRequest {
                    at_ms: i,
                    method: "GET".to_owned(),
                    path: "/".to_owned(),
                    query: Vec::new(),
                    headers: Vec::new(),
                    body: String::new(),
                    kind: EndpointKind::Other,
                    status: Some(404),
                    fault: None,
                },
                3,
            );
        }
        let times: Vec<u64> = log.entries().map(|e| e.at_ms).collect();
        assert_eq!(times, [2, 3, 4]);
    }
}
