//! Simulator configuration: the dialect, accounts, timings and the catalogue of services, countries and
//! prices.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dialect::{AGENTOTP_DEFAULT_TOKEN, Dialect};

/// The API key of the account that [`SimConfig::default`] creates.
pub const DEFAULT_KEY: &str = "OXGL-demo-key-0000000000000000";

/// Everything a [`Simulator`](crate::Simulator) starts from. `POST /__sim/reset` returns to exactly this.
///
/// Deserialising fills every missing field from [`SimConfig::for_dialect`] of the `dialect` given
/// (OxgelAPI when absent), so a host may pass a partial JSON object such as
/// `{"seed":7,"sms_delay_seconds":3}` or `{"dialect":"telenumerus"}` (whose orders then expire after
/// Telenumerus's 300 s, and whose default account has [`TELENUMERUS_DEFAULT_KEY`](crate::TELENUMERUS_DEFAULT_KEY)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "SimConfigInput")]
pub struct SimConfig {
    /// The provider the simulator plays (`oxgel`, `telenumerus`, `agentotp`).
    pub dialect: Dialect,
    /// Seed of every random choice (prices, stock, order ids, phone numbers, codes).
    pub seed: u64,
    /// Accounts and their API keys. A key listed twice keeps its last entry.
    pub accounts: Vec<AccountConfig>,
    /// Seconds from purchase (or from `another`) until the SMS arrives.
    pub sms_delay_seconds: u64,
    /// Seconds after purchase before a waiting order may be cancelled (the provider's 2-minute rule).
    pub cancel_after_seconds: u64,
    /// Seconds from purchase until the order expires (Agent OTP: the rental length when the request
    /// names none).
    pub order_ttl_seconds: u64,
    /// Currency reported by `GET /balance`.
    pub currency: String,
    /// OxgelAPI: services, in the order `GET /services` lists them.
    pub services: Vec<ServiceConfig>,
    /// OxgelAPI: countries, in the order `GET /countries` lists them. Agent OTP rents numbers in these
    /// countries, named by their ISO code, with their phone prefixes.
    pub countries: Vec<CountryConfig>,
    /// Fixed prices or stock for some (service, country) pairs, applied over the seeded table (OxgelAPI
    /// and Telenumerus).
    pub price_overrides: Vec<PriceOverride>,
    /// Orders kept in memory at most; beyond it the oldest orders in a final state are forgotten
    /// (their ids then answer 404). Active orders are never dropped.
    pub max_orders: usize,
    /// API requests kept for `GET /__sim/requests` (the most recent ones).
    pub request_log_capacity: usize,
    /// Telenumerus: requests per API key in any 60 s of simulated time before `RATE_LIMITED`.
    pub rate_limit_per_minute: u32,
    /// Agent OTP: numbers in each country's pool (a released or expired number is rented again).
    pub number_pool_size: u32,
    /// Agent OTP: the sender of the automatic SMS.
    pub otp_sender: String,
    /// Agent OTP: every account's rental quota (`limit` of `GET /auth/usage/quota`).
    pub quota_limit: u64,
    /// Agent OTP: every account's plan name.
    pub quota_plan: String,
    /// Agent OTP: Bearer tokens of the account API, by the account's API key.
    pub account_tokens: BTreeMap<String, String>,
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

/// Pins the price and/or stock of one (service, country) pair. In the Telenumerus dialect `service` is
/// a platform code and `country` an ISO code, and the stock count becomes a word: 0 `none`, 1–5 `low`,
/// 6–20 `medium`, more `high`.
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
    /// The OxgelAPI dialect's defaults.
    fn default() -> Self {
        Self::for_dialect(Dialect::Oxgel)
    }
}

impl SimConfig {
    /// The defaults of `dialect`: one account with its [default key](Dialect::default_key) and 10.00
    /// (Agent OTP: with the Bearer token [`AGENTOTP_DEFAULT_TOKEN`]), SMS after 10 s, expiry after
    /// [`Dialect::default_order_ttl_seconds`], 120 requests a minute, pools of 20 numbers, a `pro` quota
    /// of 200 rentals.
    #[must_use]
    pub fn for_dialect(dialect: Dialect) -> Self {
        let key = dialect.default_key().to_owned();
        let mut account_tokens = BTreeMap::new();
        if dialect == Dialect::Agentotp {
            account_tokens.insert(key.clone(), AGENTOTP_DEFAULT_TOKEN.to_owned());
        }
        Self {
            dialect,
            seed: 42,
            accounts: vec![AccountConfig { key, balance: 10.0, banned: false }],
            sms_delay_seconds: 10,
            cancel_after_seconds: 120,
            order_ttl_seconds: dialect.default_order_ttl_seconds(),
            currency: "USD".to_owned(),
            services: default_services(),
            countries: default_countries(),
            price_overrides: match dialect {
                Dialect::Oxgel => default_price_overrides(),
                Dialect::Telenumerus => telenumerus_price_overrides(),
                Dialect::Agentotp => Vec::new(),
            },
            max_orders: 500,
            request_log_capacity: 50,
            rate_limit_per_minute: 120,
            number_pool_size: 20,
            otp_sender: DEFAULT_OTP_SENDER.to_owned(),
            quota_limit: 200,
            quota_plan: "pro".to_owned(),
            account_tokens,
        }
    }
}

/// The sender of Agent OTP's automatic SMS, as in its document's example.
pub const DEFAULT_OTP_SENDER: &str = "+15551234567";

/// A [`SimConfig`] as read from JSON: every field optional; the missing ones come from
/// [`SimConfig::for_dialect`] of the dialect given.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SimConfigInput {
    dialect: Option<Dialect>,
    seed: Option<u64>,
    accounts: Option<Vec<AccountConfig>>,
    sms_delay_seconds: Option<u64>,
    cancel_after_seconds: Option<u64>,
    order_ttl_seconds: Option<u64>,
    currency: Option<String>,
    services: Option<Vec<ServiceConfig>>,
    countries: Option<Vec<CountryConfig>>,
    price_overrides: Option<Vec<PriceOverride>>,
    max_orders: Option<usize>,
    request_log_capacity: Option<usize>,
    rate_limit_per_minute: Option<u32>,
    number_pool_size: Option<u32>,
    otp_sender: Option<String>,
    quota_limit: Option<u64>,
    quota_plan: Option<String>,
    account_tokens: Option<BTreeMap<String, String>>,
}

impl From<SimConfigInput> for SimConfig {
    fn from(input: SimConfigInput) -> Self {
        let base = Self::for_dialect(input.dialect.unwrap_or_default());
        Self {
            dialect: base.dialect,
            seed: input.seed.unwrap_or(base.seed),
            accounts: input.accounts.unwrap_or(base.accounts),
            sms_delay_seconds: input.sms_delay_seconds.unwrap_or(base.sms_delay_seconds),
            cancel_after_seconds: input.cancel_after_seconds.unwrap_or(base.cancel_after_seconds),
            order_ttl_seconds: input.order_ttl_seconds.unwrap_or(base.order_ttl_seconds),
            currency: input.currency.unwrap_or(base.currency),
            services: input.services.unwrap_or(base.services),
            countries: input.countries.unwrap_or(base.countries),
            price_overrides: input.price_overrides.unwrap_or(base.price_overrides),
            max_orders: input.max_orders.unwrap_or(base.max_orders),
            request_log_capacity: input.request_log_capacity.unwrap_or(base.request_log_capacity),
            rate_limit_per_minute: input.rate_limit_per_minute.unwrap_or(base.rate_limit_per_minute),
            number_pool_size: input.number_pool_size.unwrap_or(base.number_pool_size),
            otp_sender: input.otp_sender.unwrap_or(base.otp_sender),
            quota_limit: input.quota_limit.unwrap_or(base.quota_limit),
            quota_plan: input.quota_plan.unwrap_or(base.quota_plan),
            account_tokens: input.account_tokens.unwrap_or(base.account_tokens),
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

/// Telenumerus's pinned pairs: `google`/`US` costs 0.50 with `high` stock (the document's example),
/// `wise`/`CN` has none.
#[must_use]
pub fn telenumerus_price_overrides() -> Vec<PriceOverride> {
    vec![
        PriceOverride { service: "google".to_owned(), country: "US".to_owned(), price: Some(0.5), stock: Some(100) },
        PriceOverride { service: "wise".to_owned(), country: "CN".to_owned(), price: None, stock: Some(0) },
    ]
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
