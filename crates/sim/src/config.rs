//! Simulator configuration: accounts, timings and the catalogue of services, countries and prices.

use serde::{Deserialize, Serialize};

/// The API key of the account that [`SimConfig::default`] creates.
pub const DEFAULT_KEY: &str = "OXGL-demo-key-0000000000000000";

/// Everything a [`Simulator`](crate::Simulator) starts from. `POST /__sim/reset` returns to exactly this.
///
/// Deserialising fills every missing field from [`SimConfig::default`], so a host may pass a partial
/// JSON object such as `{"seed":7,"sms_delay_seconds":3}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Seed of every random choice (prices, stock, order ids, phone numbers, codes).
    pub seed: u64,
    /// Accounts and their API keys. A key listed twice keeps its last entry.
    pub accounts: Vec<AccountConfig>,
    /// Seconds from purchase (or from `another`) until the SMS arrives.
    pub sms_delay_seconds: u64,
    /// Seconds after purchase before a waiting order may be cancelled (the provider's 2-minute rule).
    pub cancel_after_seconds: u64,
    /// Seconds from purchase until the order expires.
    pub order_ttl_seconds: u64,
    /// Currency reported by `GET /balance`.
    pub currency: String,
    /// Services, in the order `GET /services` lists them.
    pub services: Vec<ServiceConfig>,
    /// Countries, in the order `GET /countries` lists them.
    pub countries: Vec<CountryConfig>,
    /// Fixed prices or stock for some (service, country) pairs, applied over the seeded table.
    pub price_overrides: Vec<PriceOverride>,
    /// Orders kept in memory at most; beyond it the oldest orders in a final state are forgotten
    /// (their ids then answer 404). Active orders are never dropped.
    pub max_orders: usize,
    /// API requests kept for `GET /__sim/requests` (the most recent ones).
    pub request_log_capacity: usize,
}

/// One account of the simulated provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountConfig {
    /// The API key (`X-API-Key`).
    pub key: String,
    /// Starting balance in dollars (rounded to 0.0001; negative or non-finite values become 0).
    #[serde(default)]
    pub balance: f64,
    /// A banned account answers every request with 403 `Account is banned`.
    #[serde(default)]
    pub banned: bool,
}

/// A service (the site the SMS comes from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceConfig {
    /// Short code used on the wire, such as `wa`.
    pub code: String,
    /// Display name, such as `WhatsApp`.
    pub name: String,
}

/// A country numbers are rented in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryConfig {
    /// The provider's numeric country code, such as `187`.
    pub code: String,
    /// ISO 3166-1 alpha-2 code, such as `US`.
    pub iso2: String,
    /// English name.
    pub name: String,
    /// Leading part of the generated E.164 phone numbers, including `+`, such as `+1555`.
    #[serde(default = "default_phone_prefix")]
    pub phone_prefix: String,
    /// Random digits appended to `phone_prefix`.
    #[serde(default = "default_phone_digits")]
    pub phone_digits: u8,
}

fn default_phone_prefix() -> String {
    "+999".to_owned()
}

fn default_phone_digits() -> u8 {
    8
}

/// Pins the price and/or stock of one (service, country) pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceOverride {
    /// Service code.
    pub service: String,
    /// Country code.
    pub country: String,
    /// Price in dollars, if pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Stock, if pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<u32>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            accounts: vec![AccountConfig { key: DEFAULT_KEY.to_owned(), balance: 10.0, banned: false }],
            sms_delay_seconds: 10,
            cancel_after_seconds: 120,
            order_ttl_seconds: 1200,
            currency: "USD".to_owned(),
            services: default_services(),
            countries: default_countries(),
            price_overrides: default_price_overrides(),
            max_orders: 500,
            request_log_capacity: 50,
        }
    }
}

/// The default services: `wa tg go fb ig tk oi ds`.
#[must_use]
pub fn default_services() -> Vec<ServiceConfig> {
    [
        ("wa", "WhatsApp"),
        ("tg", "Telegram"),
        ("go", "Google"),
        ("fb", "Facebook"),
        ("ig", "Instagram"),
        ("tk", "TikTok"),
        ("oi", "OpenAI"),
        ("ds", "Discord"),
    ]
    .into_iter()
    .map(|(code, name)| ServiceConfig { code: code.to_owned(), name: name.to_owned() })
    .collect()
}

/// The default countries: US (187), GB (16), DE (43), FR (78), IN (22), ID (6), BR (73), CA (36).
#[must_use]
pub fn default_countries() -> Vec<CountryConfig> {
    [
        ("187", "US", "United States", "+1555", 7),
        ("16", "GB", "United Kingdom", "+447", 9),
        ("43", "DE", "Germany", "+49151", 8),
        ("78", "FR", "France", "+336", 8),
        ("22", "IN", "India", "+919", 9),
        ("6", "ID", "Indonesia", "+628", 10),
        ("73", "BR", "Brazil", "+55119", 8),
        ("36", "CA", "Canada", "+1604555", 4),
    ]
    .into_iter()
    .map(|(code, iso2, name, prefix, digits)| CountryConfig {
        code: code.to_owned(),
        iso2: iso2.to_owned(),
        name: name.to_owned(),
        phone_prefix: prefix.to_owned(),
        phone_digits: digits,
    })
    .collect()
}

/// The pinned pairs the documentation relies on: `wa`/`187` costs 0.18 with 42 in stock, `oi`/`22` is
/// out of stock, `tg`/`16` costs 1.25.
#[must_use]
pub fn default_price_overrides() -> Vec<PriceOverride> {
    vec![
        PriceOverride { service: "wa".to_owned(), country: "187".to_owned(), price: Some(0.18), stock: Some(42) },
        PriceOverride { service: "oi".to_owned(), country: "22".to_owned(), price: None, stock: Some(0) },
        PriceOverride { service: "tg".to_owned(), country: "16".to_owned(), price: Some(1.25), stock: None },
    ]
}
