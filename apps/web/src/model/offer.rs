//! What the shop says about a pair before buying: price and stock, or why it cannot be bought.

use vnum_client::vnum_protocol::api::Price;

use super::words::{cents, money};

/// What buying the chosen pair would mean, known before buying.
#[derive(Debug, Clone, PartialEq)]
pub enum Offer {
    /// Numbers are there, and the balance pays for one.
    Available { price: f64, stock: u64 },
    /// Listed, but none left.
    OutOfStock { price: f64 },
    /// Dearer than the most this vnum lets one number cost (its operator's `MAX_PRICE`).
    AboveLimit { price: f64, limit: f64 },
    /// Dearer than the free balance.
    TooExpensive { price: f64, balance: f64 },
    /// The provider does not sell this pair.
    NotListed,
}

impl Offer {
    /// The offer for `service` in `country` among `prices`, given the free `balance` and the proxy's
    /// price `limit` when known.
    pub fn of(prices: &[Price], service: &str, country: &str, balance: Option<f64>, limit: Option<f64>) -> Self {
        let Some(price) = prices.iter().find(|p| p.service == service && p.country == country) else {
            return Offer::NotListed;
        };
        if price.stock == 0 {
            return Offer::OutOfStock { price: price.price };
        }
        // Compared as the Worker compares them (not in cents), so what is shown is what buying meets.
        if let Some(limit) = limit.filter(|limit| price.price > *limit) {
            return Offer::AboveLimit { price: price.price, limit };
        }
        match balance {
            Some(balance) if cents(price.price) > cents(balance) => Offer::TooExpensive { price: price.price, balance },
            _ => Offer::Available { price: price.price, stock: price.stock },
        }
    }

    pub fn can_buy(&self) -> bool {
        matches!(self, Offer::Available { .. })
    }

    /// The sentence under the price.
    pub fn sentence(&self, currency: &str) -> String {
        match self {
            Offer::Available { price, stock } => {
                format!("{} · {} available", money(*price, currency), stock)
            }
            Offer::OutOfStock { price } => format!(
                "{} · out of stock: no numbers are left for this service in this country right now. \
                 Try another country, or again later.",
                money(*price, currency)
            ),
            Offer::AboveLimit { price, limit } => format!(
                "This number costs {}, above the {} that this vnum allows for one number.",
                money(*price, currency),
                money(*limit, currency)
            ),
            Offer::TooExpensive { price, balance } => format!(
                "Your balance is too low for this number: it costs {} and {} is free to spend.",
                money(*price, currency),
                money(*balance, currency)
            ),
            Offer::NotListed => "This service is not offered in this country. Pick another country.".to_owned(),
        }
    }
}
