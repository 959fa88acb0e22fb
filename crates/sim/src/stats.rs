//! Traffic counters and the request log that `GET /__sim/stats` and `GET /__sim/requests` expose.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Which API endpoint a request addressed, by path alone (whatever the method).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// `/api/v1/balance`
    Balance,
    /// `/api/v1/services`
    Services,
    /// `/api/v1/countries`
    Countries,
    /// `/api/v1/prices`
    Prices,
    /// `/api/v1/numbers/buy`
    Buy,
    /// `/api/v1/numbers/status`
    Status,
    /// `/api/v1/numbers/cancel`
    Cancel,
    /// `/api/v1/numbers/finish`
    Finish,
    /// `/api/v1/numbers/another`
    Another,
    /// Any other path.
    Other,
}

impl EndpointKind {
    /// Classifies a request path.
    #[must_use]
    pub fn from_path(path: &str) -> Self {
        match path {
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
        }
    }

    /// The method the endpoint answers, or `None` for [`EndpointKind::Other`].
    #[must_use]
    pub fn method(self) -> Option<&'static str> {
        match self {
            Self::Balance | Self::Services | Self::Countries | Self::Prices | Self::Status => Some("GET"),
            Self::Buy | Self::Cancel | Self::Finish | Self::Another => Some("POST"),
            Self::Other => None,
        }
    }
}

/// Requests per endpoint kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RequestCounts {
    pub balance: u64,
    pub services: u64,
    pub countries: u64,
    pub prices: u64,
    pub buy: u64,
    pub status: u64,
    pub cancel: u64,
    pub finish: u64,
    pub another: u64,
    pub other: u64,
}

impl RequestCounts {
    fn slot(&mut self, kind: EndpointKind) -> &mut u64 {
        match kind {
            EndpointKind::Balance => &mut self.balance,
            EndpointKind::Services => &mut self.services,
            EndpointKind::Countries => &mut self.countries,
            EndpointKind::Prices => &mut self.prices,
            EndpointKind::Buy => &mut self.buy,
            EndpointKind::Status => &mut self.status,
            EndpointKind::Cancel => &mut self.cancel,
            EndpointKind::Finish => &mut self.finish,
            EndpointKind::Another => &mut self.another,
            EndpointKind::Other => &mut self.other,
        }
    }

    /// The count of one kind.
    #[must_use]
    pub fn get(&self, kind: EndpointKind) -> u64 {
        match kind {
            EndpointKind::Balance => self.balance,
            EndpointKind::Services => self.services,
            EndpointKind::Countries => self.countries,
            EndpointKind::Prices => self.prices,
            EndpointKind::Buy => self.buy,
            EndpointKind::Status => self.status,
            EndpointKind::Cancel => self.cancel,
            EndpointKind::Finish => self.finish,
            EndpointKind::Another => self.another,
            EndpointKind::Other => self.other,
        }
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
    /// Counts an arriving API request.
    pub(crate) fn record_request(&mut self, kind: EndpointKind, key: Option<&str>, key_in_query: bool) {
        *self.requests.slot(kind) += 1;
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
