//! What Telenumerus sells: its 33 platforms and 24 countries (from its document), and the seeded table
//! of price, stock word, success rate and delivery time per (platform, country).

use serde::{Deserialize, Serialize};

use crate::config::SimConfig;
use crate::money;

/// The document's 33 platforms: (code, display name). The code is the lower-case name without spaces
/// or punctuation (`twitter` for Twitter/X).
pub(crate) const PLATFORMS: [(&str, &str); 33] = [
    ("google", "Google"),
    ("whatsapp", "WhatsApp"),
    ("instagram", "Instagram"),
    ("telegram", "Telegram"),
    ("facebook", "Facebook"),
    ("twitter", "Twitter/X"),
    ("discord", "Discord"),
    ("tiktok", "TikTok"),
    ("snapchat", "Snapchat"),
    ("uber", "Uber"),
    ("amazon", "Amazon"),
    ("microsoft", "Microsoft"),
    ("yahoo", "Yahoo"),
    ("linkedin", "LinkedIn"),
    ("paypal", "PayPal"),
    ("coinbase", "Coinbase"),
    ("binance", "Binance"),
    ("openai", "OpenAI"),
    ("netflix", "Netflix"),
    ("spotify", "Spotify"),
    ("tinder", "Tinder"),
    ("steam", "Steam"),
    ("viber", "Viber"),
    ("wechat", "WeChat"),
    ("line", "Line"),
    ("reddit", "Reddit"),
    ("airbnb", "Airbnb"),
    ("ebay", "eBay"),
    ("lyft", "Lyft"),
    ("nike", "Nike"),
    ("protonmail", "ProtonMail"),
    ("revolut", "Revolut"),
    ("wise", "Wise"),
];

/// The document's 24 countries: (ISO code, leading part of the generated E.164 numbers, random digits
/// after it).
pub(crate) const COUNTRIES: [(&str, &str, u8); 24] = [
    ("US", "+1202555", 4),
    ("RU", "+7916", 7),
    ("UA", "+38067", 7),
    ("GB", "+447700", 6),
    ("DE", "+49151", 8),
    ("FR", "+336", 8),
    ("IN", "+919", 9),
    ("ID", "+628", 10),
    ("PH", "+639", 9),
    ("BR", "+55119", 8),
    ("CA", "+1416555", 4),
    ("NL", "+316", 8),
    ("PL", "+4850", 7),
    ("ES", "+346", 8),
    ("IT", "+393", 9),
    ("SE", "+4670", 7),
    ("MX", "+5255", 8),
    ("AU", "+614", 8),
    ("KR", "+8210", 8),
    ("JP", "+8190", 8),
    ("CN", "+86138", 8),
    ("TH", "+668", 8),
    ("VN", "+849", 8),
    ("MY", "+6012", 7),
];

/// The country an order goes to when the request names none.
pub(crate) const DEFAULT_COUNTRY: &str = "US";

/// The platform code a request names (case-insensitive), if Telenumerus sells it.
pub(crate) fn platform(code: &str) -> Option<(&'static str, &'static str)> {
    let code = code.trim().to_ascii_lowercase();
    PLATFORMS.into_iter().find(|(known, _)| *known == code)
}

/// The ISO code a request names (case-insensitive; `UK` means `GB`), if Telenumerus has numbers there.
pub(crate) fn country(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    let code = if code == "UK" { "GB" } else { code.as_str() };
    COUNTRIES.into_iter().map(|(iso, _, _)| iso).find(|iso| *iso == code)
}

/// The phone prefix and number of random digits of a country.
pub(crate) fn phone_shape(country: &str) -> (&'static str, u8) {
    COUNTRIES
        .into_iter()
        .find(|(iso, _, _)| *iso == country)
        .map_or(("+999", 8), |(_, prefix, digits)| (prefix, digits))
}

/// Digits in a platform's codes (Telegram sends five).
pub(crate) fn code_length(platform: &str) -> u8 {
    if platform == "telegram" { 5 } else { 6 }
}

/// A realistic SMS for `platform` carrying `code`: the OxgelAPI wording of the same service where there
/// is one, otherwise `Your <Name> verification code is <code>.`.
pub(crate) fn sms_text(platform: &str, name: &str, code: &str) -> String {
    let service = match platform {
        "whatsapp" => "wa",
        "telegram" => "tg",
        "google" => "go",
        "facebook" => "fb",
        "instagram" => "ig",
        "tiktok" => "tk",
        "openai" => "oi",
        "discord" => "ds",
        _ => platform,
    };
    crate::orders::sms_text(service, name, code)
}

/// How much stock a (platform, country) pair has, as `/availability` words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StockLevel {
    /// Plenty.
    High,
    /// Some.
    Medium,
    /// Few.
    Low,
    /// None: an order answers `PROVIDER_UNAVAILABLE`.
    #[serde(rename = "none")]
    Out,
}

impl StockLevel {
    /// The word for a count: 0 `none`, 1–5 `low`, 6–20 `medium`, more `high` (the inverse of vnum's
    /// reading: `high` 100, `medium` 20, `low` 5, `none` 0).
    #[must_use]
    pub fn from_count(count: u32) -> Self {
        match count {
            0 => Self::Out,
            1..=5 => Self::Low,
            6..=20 => Self::Medium,
            _ => Self::High,
        }
    }

    /// The word, such as `high`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::Out => "none",
        }
    }
}

/// Price, stock and delivery figures of one (platform, country) pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformPrice {
    /// Platform code.
    pub platform: String,
    /// ISO country code.
    pub country: String,
    /// List price, micro-dollars.
    pub price_micros: u64,
    /// Stock word.
    pub stock: StockLevel,
    /// Success rate in thousandths; `None` when there were too few recent orders (shown as `null`).
    pub success_rate_permille: Option<u16>,
    /// Average seconds until the code arrives, as `/availability` reports it.
    pub avg_delivery_seconds: u32,
}

/// The seeded table: every platform × country, price 0.10–2.00 in whole cents, stock `high` 4 in 10,
/// `medium` 3, `low` 2, `none` 1; success rate 0.50–0.99, or `null` one pair in eight; 5–60 s average
/// delivery. `google`/`US` has the document's figures (0.92, 8 s); then the configured overrides.
pub(crate) fn build_prices(config: &SimConfig) -> Vec<PlatformPrice> {
    let mut rng = fastrand::Rng::with_seed(config.seed ^ 0x5445_4C45_4E55_4D01);
    let mut prices = Vec::with_capacity(PLATFORMS.len() * COUNTRIES.len());
    for (platform, _) in PLATFORMS {
        for (country, _, _) in COUNTRIES {
            let cents = u64::from(rng.u32(10..=200));
            let stock = match rng.u32(0..10) {
                0..=3 => StockLevel::High,
                4..=6 => StockLevel::Medium,
                7 | 8 => StockLevel::Low,
                _ => StockLevel::Out,
            };
            let success_rate_permille = (rng.u32(0..8) != 0).then(|| rng.u16(50..=99) * 10);
            let avg_delivery_seconds = rng.u32(5..=60);
            prices.push(PlatformPrice {
                platform: platform.to_owned(),
                country: country.to_owned(),
                price_micros: cents * 10_000,
                stock,
                success_rate_permille,
                avg_delivery_seconds,
            });
        }
    }
    if let Some(example) = prices.iter_mut().find(|p| p.platform == "google" && p.country == "US") {
        example.success_rate_permille = Some(920);
        example.avg_delivery_seconds = 8;
    }
    for pin in &config.price_overrides {
        let (Some((platform, _)), Some(country)) = (platform(&pin.service), country(&pin.country)) else {
            continue;
        };
        if let Some(entry) = prices.iter_mut().find(|p| p.platform == platform && p.country == country) {
            if let Some(price) = pin.price {
                entry.price_micros = money::from_dollars_quantized(price).unwrap_or(0);
            }
            if let Some(stock) = pin.stock {
                entry.stock = StockLevel::from_count(stock);
            }
        }
    }
    prices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_lower_case_and_unique() {
        let mut codes: Vec<&str> = PLATFORMS.iter().map(|(code, _)| *code).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase())));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 33);
        assert_eq!(platform("Twitter"), Some(("twitter", "Twitter/X")));
        assert_eq!(platform("myspace"), None);
    }

    #[test]
    fn countries_accept_uk_and_any_case() {
        assert_eq!(country("UK"), Some("GB"));
        assert_eq!(country("gb"), Some("GB"));
        assert_eq!(country("us"), Some("US"));
        assert_eq!(country("ZZ"), None);
        assert_eq!(COUNTRIES.len(), 24);
    }

    #[test]
    fn stock_words() {
        assert_eq!(StockLevel::from_count(0), StockLevel::Out);
        assert_eq!(StockLevel::from_count(5), StockLevel::Low);
        assert_eq!(StockLevel::from_count(20), StockLevel::Medium);
        assert_eq!(StockLevel::from_count(21), StockLevel::High);
        assert_eq!(serde_json::to_string(&StockLevel::Out).expect("serialises"), "\"none\"");
    }

    #[test]
    fn the_table_is_seeded_and_pinned() {
        let config = SimConfig::for_dialect(crate::Dialect::Telenumerus);
        let table = build_prices(&config);
        assert_eq!(table.len(), 33 * 24);
        assert_eq!(table, build_prices(&config));
        let google = table.iter().find(|p| p.platform == "google" && p.country == "US").expect("pair");
        assert_eq!((google.price_micros, google.stock), (500_000, StockLevel::High));
        let wise = table.iter().find(|p| p.platform == "wise" && p.country == "CN").expect("pair");
        assert_eq!(wise.stock, StockLevel::Out);
        assert!(table.iter().any(|p| p.success_rate_permille.is_none()));
    }
}
