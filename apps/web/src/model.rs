//! The app's state and rules as plain data: saved orders and how they merge, search, offers, the cancel
//! window, retry delays, and every sentence a person reads. No browser, no clock (times are passed in as
//! milliseconds since the Unix epoch), no IO, so `cargo test` runs all of it natively.

use serde::{Deserialize, Serialize};
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::api::{BoughtNumber, Country, OrderStatus, OrderView, Price, Service, StatusResponse};
use vnum_client::vnum_protocol::contract;
use vnum_client::{Error, NETWORK_ERROR};

/// `localStorage` key of the saved orders (JSON array of [`SavedOrder`]).
pub const ORDERS_KEY: &str = "vnum.orders.v1";
/// `localStorage` key of the access token.
pub const TOKEN_KEY: &str = "vnum.token";
/// How many orders are kept locally: every open one, then the newest closed ones.
pub const MAX_SAVED: usize = 100;
/// Pause between two status requests of an order (the contract's polling pace).
pub const POLL_INTERVAL_MS: u64 = contract::STATUS_POLL_SECONDS as u64 * 1000;
/// Length of one long-poll (`GET /numbers/wait`).
pub const LONG_POLL_SECONDS: u32 = contract::WAIT_DEFAULT_SECONDS;
/// The longest pause between retries of a failed request.
pub const MAX_BACKOFF_MS: u64 = 30_000;

/// One order as the app keeps it (in memory and in `localStorage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedOrder {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_code: Option<String>,
    pub phone: String,
    /// Service code, e.g. `wa`.
    pub service: String,
    /// Country code, e.g. `187`.
    pub country: String,
    pub cost: f64,
    /// Milliseconds since the epoch, like every time here.
    pub created_at: u64,
    pub expires_at: u64,
    /// When cancelling becomes allowed, once the proxy said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_at: Option<u64>,
    pub status: OrderStatus,
    /// The latest code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The latest whole message, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Since when the order waits for an SMS (purchase, or the last "another SMS").
    #[serde(default)]
    pub waiting_since: u64,
    /// The person closed the finished card: the order is only in the history.
    #[serde(default)]
    pub closed: bool,
}

impl SavedOrder {
    /// The order just bought.
    pub fn bought(bought: &BoughtNumber, service: &str, country: &str, now: u64) -> Self {
        Self {
            id: bought.id.clone(),
            order_code: bought.order_code.clone(),
            phone: bought.phone.clone(),
            service: service.to_owned(),
            country: country.to_owned(),
            cost: bought.cost,
            created_at: now,
            expires_at: bought.expires_at.as_millis(),
            cancel_at: None,
            status: OrderStatus::Waiting,
            code: None,
            text: None,
            waiting_since: now,
            closed: false,
        }
    }

    /// An order of the proxy's list (`GET /orders`) that this browser did not know.
    pub fn from_view(view: &OrderView) -> Self {
        let created_at = view.created_at.as_millis();
        Self {
            id: view.id.clone(),
            order_code: view.order_code.clone(),
            phone: view.phone.clone(),
            service: view.service.clone(),
            country: view.country.clone(),
            cost: view.cost,
            created_at,
            expires_at: view.expires_at.as_millis(),
            cancel_at: Some(view.cancel_available_at.as_millis()),
            status: view.status.clone(),
            code: view.sms_code.clone(),
            text: view.sms_text.clone(),
            waiting_since: view.codes.last().map_or(created_at, |c| c.received_at.as_millis()),
            // Past orders found on the server go straight to the history.
            closed: view.status.is_final(),
        }
    }

    /// Whether the order can still change (unknown statuses count as open, so they are watched).
    pub fn is_open(&self) -> bool {
        !self.status.is_final()
    }

    /// Whether the card shows the order (open, or ended and not closed yet).
    pub fn is_active(&self) -> bool {
        self.is_open() || !self.closed
    }

    /// Whether a code is there to show: received, or kept after the order finished.
    pub fn shows_code(&self) -> bool {
        self.code.is_some() && matches!(self.status, OrderStatus::Received | OrderStatus::Finished)
    }

    /// Takes in a status answer; whether anything changed. An end is final: an answer that was on its
    /// way while the order was finished or cancelled here does not reopen it.
    pub fn apply_status(&mut self, status: &StatusResponse, now: u64) -> bool {
        if self.status.is_final() && !status.status.is_final() {
            return false;
        }
        let before = self.clone();
        if self.status == OrderStatus::Received && status.status == OrderStatus::Waiting {
            self.waiting_since = now;
        }
        self.status = status.status.clone();
        if let Some(code) = status.sms_code.as_ref().filter(|c| !c.is_empty()) {
            if self.code.as_ref() != Some(code) {
                self.text = None;
            }
            self.code = Some(code.clone());
        }
        if status.sms_text.is_some() {
            self.text.clone_from(&status.sms_text);
        }
        if !status.phone.is_empty() {
            self.phone.clone_from(&status.phone);
        }
        if let Some(at) = status.expires_at {
            self.expires_at = at.as_millis();
        }
        if let Some(at) = status.cancel_available_at {
            self.cancel_at = Some(at.as_millis());
        }
        *self != before
    }

    /// Takes in what another source knows (another tab's copy, or the proxy's list), without going
    /// back: an end beats an open state, a code beats none, a closed card stays closed. The order's own
    /// status requests are the truth for everything else. Whether anything changed.
    pub fn absorb(&mut self, other: &SavedOrder) -> bool {
        if other.id != self.id {
            return false;
        }
        let before = self.clone();
        if other.status.is_final() && !self.status.is_final() {
            self.status = other.status.clone();
        }
        if other.code.is_some() && (self.code.is_none() || other.waiting_since > self.waiting_since) {
            self.code.clone_from(&other.code);
            self.text.clone_from(&other.text);
            if self.status == OrderStatus::Waiting && other.status == OrderStatus::Received {
                self.status = OrderStatus::Received;
            }
        }
        if self.cancel_at.is_none() {
            self.cancel_at = other.cancel_at;
        }
        if self.order_code.is_none() {
            self.order_code.clone_from(&other.order_code);
        }
        self.closed |= other.closed && self.status.is_final();
        *self != before
    }
}

/// Merges `incoming` into `list` (absorbing known orders, adding new ones), newest first, trimmed to
/// [`MAX_SAVED`]. Whether `list` changed.
pub fn merge(list: &mut Vec<SavedOrder>, incoming: &[SavedOrder]) -> bool {
    let mut changed = false;
    for other in incoming {
        match list.iter_mut().find(|o| o.id == other.id) {
            Some(known) => changed |= known.absorb(other),
            None => {
                list.push(other.clone());
                changed = true;
            }
        }
    }
    if changed {
        tidy(list);
    }
    changed
}

/// Newest first; every open order kept, then closed ones up to [`MAX_SAVED`] in all.
pub fn tidy(list: &mut Vec<SavedOrder>) {
    // An insertion sort: the list is short and almost always sorted already (a new order comes last,
    // or nothing moved), and it keeps the generic sorts of the standard library out of the wasm.
    let newer = |a: &SavedOrder, b: &SavedOrder| (a.created_at, &b.id) > (b.created_at, &a.id);
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 && newer(&list[j], &list[j - 1]) {
            list.swap(j, j - 1);
            j -= 1;
        }
    }
    let mut kept = 0;
    list.retain(|o| {
        kept += 1;
        o.is_active() || kept <= MAX_SAVED
    });
}

/// The saved orders as stored.
pub fn encode_orders(list: &[SavedOrder]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads stored orders; a list that cannot be read (a hand edit, a future version) is dropped whole:
/// `GET /orders` brings every order back from the proxy.
pub fn decode_orders(text: &str) -> Vec<SavedOrder> {
    // From bytes, like every answer of the client: one JSON reader in the wasm, not two.
    let mut list: Vec<SavedOrder> = serde_json::from_slice(text.as_bytes()).unwrap_or_default();
    tidy(&mut list);
    list
}

// ---- search ----------------------------------------------------------------------------------------

/// One entry of a searchable list: a service or a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What is sent: `wa`, `187`.
    pub code: String,
    /// What people read: `WhatsApp`, `United States`.
    pub name: String,
    /// A second handle to find it by: the ISO2 of a country (`US`); empty for services.
    pub alias: String,
}

impl Choice {
    pub fn service(service: &Service) -> Self {
        Self { code: service.code.clone(), name: service.name.clone(), alias: String::new() }
    }

    pub fn country(country: &Country) -> Self {
        Self {
            code: country.code.clone(),
            name: country.name.clone(),
            alias: country.iso2.clone().unwrap_or_default().to_ascii_uppercase(),
        }
    }

    /// How well it matches the lowercase `query`; lower is better, `None` is no match. (ASCII case
    /// folding only: Unicode tables would weigh more than the whole search.)
    fn rank(&self, query: &str) -> Option<u8> {
        let name = self.name.to_ascii_lowercase();
        let code = self.code.to_ascii_lowercase();
        let alias = self.alias.to_ascii_lowercase();
        if code == query || (!alias.is_empty() && alias == query) {
            Some(0)
        } else if name.starts_with(query) {
            Some(1)
        } else if name.split([' ', '-', '(']).any(|word| word.starts_with(query)) {
            Some(2)
        } else if name.contains(query) {
            Some(3)
        } else if code.starts_with(query) || (!alias.is_empty() && alias.starts_with(query)) {
            Some(4)
        } else {
            None
        }
    }
}

/// The entries matching `query` (by name, code, or ISO2), best match first, then in the provider's
/// order (which lists the popular ones first); every entry for an empty query.
pub fn search<'a>(choices: &'a [Choice], query: &str) -> Vec<&'a Choice> {
    let query = query.trim().to_ascii_lowercase();
    if query.is_empty() {
        return choices.iter().collect();
    }
    let ranks: Vec<Option<u8>> = choices.iter().map(|c| c.rank(&query)).collect();
    (0..=4u8)
        .flat_map(|rank| choices.iter().zip(&ranks).filter(move |(_, r)| **r == Some(rank)).map(|(c, _)| c))
        .collect()
}

/// The name of `code` in `choices`, or the code itself.
pub fn name_of(choices: &[Choice], code: &str) -> String {
    choices.iter().find(|c| c.code == code).map_or_else(|| code.to_owned(), |c| c.name.clone())
}

// ---- offers ----------------------------------------------------------------------------------------

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

// ---- the cancel window -----------------------------------------------------------------------------

/// What the cancel button can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelState {
    /// Not for this order (a code arrived, or it ended).
    Hidden,
    /// Not known yet when it opens (until the first status answer).
    Checking,
    /// Not yet: this many milliseconds left.
    Wait(u64),
    /// Allowed now.
    Ready,
}

/// The cancel button of `order` at `now`.
pub fn cancel_state(order: &SavedOrder, now: u64) -> CancelState {
    if order.status != OrderStatus::Waiting || order.code.is_some() {
        return CancelState::Hidden;
    }
    match order.cancel_at {
        None => CancelState::Checking,
        Some(at) if now < at => CancelState::Wait(at - now),
        Some(_) => CancelState::Ready,
    }
}

// ---- formatting ------------------------------------------------------------------------------------

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// `0.18 USD` (two decimals, without the float formatter).
pub fn money(amount: f64, currency: &str) -> String {
    let cents = cents(amount);
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let text = format!("{sign}{}.{:02}", cents / 100, cents % 100);
    if currency.is_empty() { text } else { format!("{text} {currency}") }
}

/// A countdown or elapsed time, rounded up to whole seconds: `0:07`, `1:59`, `1:00:00`.
pub fn clock(millis: u64) -> String {
    let seconds = millis.div_ceil(1000);
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// An elapsed time, rounded down: `0:12`.
pub fn elapsed(millis: u64) -> String {
    clock(millis / 1000 * 1000)
}

/// A wait in words: `12 s`, `2 min`, `1 min 5 s`, `3 h 20 min`.
pub fn seconds_in_words(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 if seconds.is_multiple_of(60) => format!("{} min", seconds / 60),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds / 60 % 60),
    }
}

// ---- errors ----------------------------------------------------------------------------------------

/// A sentence a person understands, for any error of the client.
pub fn sentence(error: &Error) -> String {
    let retry = |prefix: &str| match error.retry_after_seconds {
        Some(s) if s > 0 => format!("{prefix} in {}.", seconds_in_words(s)),
        _ => format!("{prefix} in a moment."),
    };
    match &error.code {
        ErrorCode::InsufficientBalance => {
            "Your balance is too low for this number. Top up, or pick a cheaper service or country.".to_owned()
        }
        ErrorCode::NoNumbers => "No numbers are left for this service in this country right now. \
                                 Try another country, or again in a few minutes."
            .to_owned(),
        ErrorCode::PriceAboveLimit => "This number costs more than this vnum allows for one number. \
                                       Pick a cheaper service or country."
            .to_owned(),
        ErrorCode::SpendLimitReached => format!("Today's spending limit is reached. {}", retry("You can buy again")),
        ErrorCode::RateLimited => format!("Too many requests for now. {}", retry("Try again")),
        ErrorCode::CancelTooEarly => {
            format!("An order can only be cancelled a while after it was bought. {}", retry("You can cancel"))
        }
        ErrorCode::OrderClosed => "This order is already closed.".to_owned(),
        ErrorCode::NoSmsYet => "No SMS has arrived for this order yet.".to_owned(),
        ErrorCode::NotFound => {
            "vnum does not know this order (it may belong to another access token, or was removed).".to_owned()
        }
        ErrorCode::Unauthorized => "This vnum needs a valid access token.".to_owned(),
        ErrorCode::Forbidden => format!("The request was refused: {}.", trim_sentence(&error.message)),
        ErrorCode::UpstreamUnavailable => "The number provider is not answering right now.".to_owned(),
        ErrorCode::UpstreamTimeout => "The number provider took too long to answer.".to_owned(),
        ErrorCode::UpstreamInvalidResponse => "The number provider answered something unreadable.".to_owned(),
        ErrorCode::UpstreamUnauthorized => {
            "The number provider refused vnum's API key: the operator of this vnum has to fix it.".to_owned()
        }
        ErrorCode::UpstreamRejected => format!("The number provider refused: {}.", trim_sentence(&error.message)),
        ErrorCode::NotConfigured => format!("This vnum is not set up yet: {}.", trim_sentence(&error.message)),
        ErrorCode::Timeout => "vnum took too long to answer.".to_owned(),
        ErrorCode::InternalError => "Something went wrong inside vnum.".to_owned(),
        ErrorCode::Unknown(code) if code == NETWORK_ERROR => {
            "vnum cannot be reached: check your connection.".to_owned()
        }
        _ => format!("{}.", capitalised(trim_sentence(&error.message))),
    }
}

fn trim_sentence(text: &str) -> &str {
    text.trim().trim_end_matches('.')
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// How long to wait before trying `error`'s request again on its own (the `attempt`-th retry, from
/// 0), or `None` when it should not be retried automatically: not retryable, an answer that only time
/// on the person's side fixes (cancel window, daily limit), or a wait longer than two minutes.
pub fn retry_delay_ms(error: &Error, attempt: u32) -> Option<u64> {
    if !error.retryable
        || matches!(
            error.code,
            ErrorCode::CancelTooEarly | ErrorCode::SpendLimitReached | ErrorCode::NoSmsYet | ErrorCode::OrderClosed
        )
    {
        return None;
    }
    match error.retry_after_seconds {
        Some(seconds) if seconds > 120 => None,
        Some(seconds) => Some(seconds.max(1) * 1000),
        None => Some(backoff_ms(attempt)),
    }
}

/// 1 s, 2 s, 4 s, … up to [`MAX_BACKOFF_MS`].
pub fn backoff_ms(attempt: u32) -> u64 {
    (1000u64 << attempt.min(5)).min(MAX_BACKOFF_MS)
}

/// The sentence shown while a retry is due: the error, then when it retries.
pub fn retrying(error: &Error, delay_ms: u64) -> String {
    let base = match error.code {
        // Its own sentence says "try again in …"; here the app does.
        ErrorCode::RateLimited => "Too many requests for now.".to_owned(),
        _ => sentence(error),
    };
    format!("{base} Retrying in {}…", seconds_in_words(delay_ms.div_ceil(1000)))
}

/// What a status means to a person.
pub fn status_label(status: &OrderStatus) -> &str {
    match status {
        OrderStatus::Waiting => "Waiting for SMS",
        OrderStatus::Received => "Code received",
        OrderStatus::Finished => "Finished",
        OrderStatus::Cancelled => "Cancelled",
        OrderStatus::Expired => "Expired",
        OrderStatus::Unknown(other) => other,
    }
}

/// The line a card shows once the order ended.
pub fn final_note(order: &SavedOrder, currency: &str) -> String {
    let cost = money(order.cost, currency);
    match order.status {
        OrderStatus::Finished => format!("Finished: {cost} paid."),
        OrderStatus::Cancelled => format!("Cancelled: {cost} went back to your balance."),
        OrderStatus::Expired => format!("Expired without an SMS: {cost} went back to your balance."),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use vnum_client::vnum_protocol::Timestamp;
    use vnum_client::vnum_protocol::api::ReceivedCode;

    use super::*;

    fn order(id: &str, created_at: u64) -> SavedOrder {
        let bought = BoughtNumber {
            id: id.to_owned(),
            order_code: Some("ORD-LX9F2A".to_owned()),
            phone: "+15551234567".to_owned(),
            expires_at: Timestamp::from_millis(created_at + 1_200_000),
            cost: 0.18,
        };
        SavedOrder::bought(&bought, "wa", "187", created_at)
    }

    fn status(status: OrderStatus, code: Option<&str>) -> StatusResponse {
        StatusResponse::new(status, code.map(str::to_owned), None, "+15551234567".to_owned())
    }

    fn error(code: ErrorCode, retryable: bool, retry_after_seconds: Option<u64>) -> Error {
        Error { code, message: "x".to_owned(), retryable, retry_after_seconds, status: None }
    }

    fn services() -> Vec<Choice> {
        [("wa", "WhatsApp"), ("tg", "Telegram"), ("go", "Google"), ("fb", "Facebook"), ("oi", "OpenAI")]
            .iter()
            .map(|(code, name)| Choice::service(&Service { code: (*code).to_owned(), name: (*name).to_owned() }))
            .collect()
    }

    fn countries() -> Vec<Choice> {
        [
            ("187", "US", "United States"),
            ("16", "GB", "United Kingdom"),
            ("43", "DE", "Germany"),
            ("6", "ID", "Indonesia"),
        ]
        .iter()
        .map(|(code, iso, name)| {
            Choice::country(&Country {
                code: (*code).to_owned(),
                iso2: Some((*iso).to_owned()),
                name: (*name).to_owned(),
            })
        })
        .collect()
    }

    fn codes(found: &[&Choice]) -> Vec<String> {
        found.iter().map(|c| c.code.clone()).collect()
    }

    #[test]
    fn search_finds_services_by_part_of_the_name_or_code() {
        let list = services();
        assert_eq!(codes(&search(&list, "whats")), ["wa"]);
        assert_eq!(codes(&search(&list, "  WHATS ")), ["wa"]);
        assert_eq!(codes(&search(&list, "tg")), ["tg"]);
        assert_eq!(codes(&search(&list, "gram")), ["tg"]);
        assert_eq!(codes(&search(&list, "")), ["wa", "tg", "go", "fb", "oi"], "all, in the provider's order");
        assert_eq!(codes(&search(&list, "o")), ["oi", "go", "fb"], "names starting with it first");
        assert!(search(&list, "zzz").is_empty());
    }

    #[test]
    fn search_finds_countries_by_name_iso2_or_code() {
        let list = countries();
        assert_eq!(codes(&search(&list, "gb")), ["16"]);
        assert_eq!(codes(&search(&list, "kingdom")), ["16"], "a word of the name");
        assert_eq!(codes(&search(&list, "187")), ["187"]);
        // "us": the ISO2 first, then names with it inside.
        let us = codes(&search(&list, "us"));
        assert_eq!(us.first().map(String::as_str), Some("187"));
        assert_eq!(codes(&search(&list, "united")), ["187", "16"], "both, in the provider's order");
        assert_eq!(name_of(&list, "16"), "United Kingdom");
        assert_eq!(name_of(&list, "999"), "999");
    }

    #[test]
    fn offers_show_stock_and_price_before_buying() {
        let prices = vec![
            Price { service: "wa".into(), country: "187".into(), price: 0.18, stock: 42 },
            Price { service: "oi".into(), country: "22".into(), price: 0.5, stock: 0 },
            Price { service: "tg".into(), country: "16".into(), price: 1.25, stock: 9 },
        ];
        assert_eq!(Offer::of(&prices, "wa", "187", Some(10.0), None), Offer::Available { price: 0.18, stock: 42 });
        assert_eq!(Offer::of(&prices, "oi", "22", Some(10.0), None), Offer::OutOfStock { price: 0.5 });
        assert_eq!(Offer::of(&prices, "tg", "16", Some(1.0), None), Offer::TooExpensive { price: 1.25, balance: 1.0 });
        assert!(Offer::of(&prices, "tg", "16", Some(1.25), None).can_buy(), "exactly enough is enough");
        assert!(Offer::of(&prices, "tg", "16", None, None).can_buy(), "balance unknown: let the proxy decide");
        assert_eq!(Offer::of(&prices, "wa", "16", Some(10.0), None), Offer::NotListed);
        // The proxy's MAX_PRICE: a dearer number is out of reach whatever the balance; the limit itself is not.
        let limited = Offer::of(&prices, "tg", "16", Some(10.0), Some(1.0));
        assert_eq!(limited, Offer::AboveLimit { price: 1.25, limit: 1.0 });
        assert!(!limited.can_buy());
        assert_eq!(
            limited.sentence("USD"),
            "This number costs 1.25 USD, above the 1.00 USD that this vnum allows for one number."
        );
        assert!(Offer::of(&prices, "tg", "16", Some(10.0), Some(1.25)).can_buy(), "a price at the limit is allowed");
        assert!(
            !Offer::of(&prices, "tg", "16", Some(10.0), Some(1.249)).can_buy(),
            "a fraction of a cent above is above"
        );
        assert_eq!(
            Offer::of(&prices, "oi", "22", Some(10.0), Some(0.1)),
            Offer::OutOfStock { price: 0.5 },
            "stock first"
        );
        assert_eq!(Offer::of(&prices, "wa", "187", None, None).sentence("USD"), "0.18 USD · 42 available");
        let low = Offer::of(&prices, "tg", "16", Some(0.0), None).sentence("USD");
        assert!(low.starts_with("Your balance is too low for this number: it costs 1.25 USD and 0.00 USD"), "{low}");
        assert!(Offer::of(&prices, "oi", "22", None, None).sentence("USD").contains("out of stock"));
    }

    #[test]
    fn money_and_clocks() {
        assert_eq!(money(0.18, "USD"), "0.18 USD");
        assert_eq!(money(10.0, ""), "10.00");
        assert_eq!(money(1.005, "USD"), "1.00 USD");
        assert_eq!(money(0.1 + 0.2, "EUR"), "0.30 EUR");
        assert_eq!(money(-1.5, "USD"), "-1.50 USD");
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(1), "0:01", "a countdown rounds up");
        assert_eq!(clock(59_001), "1:00");
        assert_eq!(clock(119_000), "1:59");
        assert_eq!(clock(3_600_000), "1:00:00");
        assert_eq!(elapsed(12_999), "0:12", "elapsed time rounds down");
        assert_eq!(seconds_in_words(12), "12 s");
        assert_eq!(seconds_in_words(120), "2 min");
        assert_eq!(seconds_in_words(65), "1 min 5 s");
        assert_eq!(seconds_in_words(12_000), "3 h 20 min");
    }

    #[test]
    fn errors_are_sentences() {
        let balance = sentence(&error(ErrorCode::InsufficientBalance, false, None));
        assert!(balance.starts_with("Your balance is too low"), "{balance}");
        assert!(sentence(&error(ErrorCode::NoNumbers, true, None)).starts_with("No numbers are left"));
        assert_eq!(
            sentence(&error(ErrorCode::RateLimited, true, Some(12))),
            "Too many requests for now. Try again in 12 s."
        );
        assert_eq!(
            sentence(&error(ErrorCode::CancelTooEarly, true, Some(73))),
            "An order can only be cancelled a while after it was bought. You can cancel in 1 min 13 s."
        );
        assert_eq!(
            sentence(&error(ErrorCode::UpstreamUnavailable, true, None)),
            "The number provider is not answering right now."
        );
        assert_eq!(
            sentence(&Error::network("TypeError: Failed to fetch")),
            "vnum cannot be reached: check your connection."
        );
        let odd = Error {
            message: "something odd happened.".to_owned(),
            ..error(ErrorCode::Unknown("ODD".into()), false, None)
        };
        assert_eq!(sentence(&odd), "Something odd happened.");
        for e in [error(ErrorCode::InvalidRequest, false, None), error(ErrorCode::InternalError, true, None)] {
            let s = sentence(&e);
            assert!(!s.contains('{') && s.ends_with('.'), "{s}");
        }
    }

    #[test]
    fn retryable_errors_retry_with_backoff() {
        assert_eq!(retry_delay_ms(&error(ErrorCode::UpstreamUnavailable, true, None), 0), Some(1000));
        assert_eq!(retry_delay_ms(&error(ErrorCode::UpstreamUnavailable, true, None), 3), Some(8000));
        assert_eq!(retry_delay_ms(&error(ErrorCode::UpstreamUnavailable, true, None), 30), Some(MAX_BACKOFF_MS));
        assert_eq!(retry_delay_ms(&error(ErrorCode::RateLimited, true, Some(7)), 0), Some(7000));
        assert_eq!(retry_delay_ms(&error(ErrorCode::RateLimited, true, Some(600)), 0), None, "too long: say so");
        assert_eq!(retry_delay_ms(&error(ErrorCode::InsufficientBalance, false, None), 0), None);
        assert_eq!(retry_delay_ms(&error(ErrorCode::CancelTooEarly, true, Some(5)), 0), None);
        assert_eq!(
            retrying(&error(ErrorCode::RateLimited, true, Some(12)), 12_000),
            "Too many requests for now. Retrying in 12 s…"
        );
    }

    #[test]
    fn status_answers_update_the_order() {
        let mut o = order("a", 1_000);
        let mut answer = status(OrderStatus::Waiting, None);
        answer.cancel_available_at = Some(Timestamp::from_millis(121_000));
        assert!(o.apply_status(&answer, 2_000));
        assert_eq!(o.cancel_at, Some(121_000));
        assert!(!o.apply_status(&answer, 3_000), "nothing new");
        assert_eq!(cancel_state(&o, 60_000), CancelState::Wait(61_000));
        assert_eq!(cancel_state(&o, 121_000), CancelState::Ready);

        let mut code = status(OrderStatus::Received, Some("482913"));
        code.sms_text = Some("Your WhatsApp code is 482-913".to_owned());
        assert!(o.apply_status(&code, 9_000));
        assert!(o.shows_code());
        assert_eq!(o.text.as_deref(), Some("Your WhatsApp code is 482-913"));
        assert_eq!(cancel_state(&o, 200_000), CancelState::Hidden, "a code arrived: finish instead");

        // Another SMS: waiting again (the old code is still reported), then a new code.
        assert!(o.apply_status(&status(OrderStatus::Waiting, Some("482913")), 20_000));
        assert_eq!(o.waiting_since, 20_000);
        assert!(!o.shows_code());
        assert_eq!(cancel_state(&o, 200_000), CancelState::Hidden);
        assert!(o.apply_status(&status(OrderStatus::Received, Some("775201")), 25_000));
        assert_eq!(
            (o.code.as_deref(), o.text.as_deref()),
            (Some("775201"), None),
            "the old text went with the old code"
        );

        assert!(o.apply_status(&status(OrderStatus::Finished, None), 30_000));
        assert!(!o.is_open() && o.is_active() && o.shows_code());
        o.closed = true;
        assert!(!o.is_active());
    }

    #[test]
    fn the_cancel_window_is_unknown_until_the_proxy_says() {
        let o = order("a", 1_000);
        assert_eq!(cancel_state(&o, 500_000), CancelState::Checking);
    }

    #[test]
    fn an_ended_order_stays_ended() {
        let mut o = order("a", 1_000);
        o.apply_status(&status(OrderStatus::Received, Some("1234")), 2_000);
        o.status = OrderStatus::Finished;
        // A poll answered just before the finish arrives after it.
        assert!(!o.apply_status(&status(OrderStatus::Received, Some("1234")), 3_000));
        assert_eq!(o.status, OrderStatus::Finished);
        assert!(o.apply_status(&status(OrderStatus::Expired, None), 4_000), "an end may still be corrected");
    }

    #[test]
    fn storage_round_trips_and_skips_what_it_cannot_read() {
        let mut list = vec![order("a", 1_000), order("b", 2_000)];
        list[0].apply_status(&status(OrderStatus::Received, Some("1234")), 5_000);
        let text = encode_orders(&list);
        let back = decode_orders(&text);
        let mut shuffled = vec![order("c", 500), order("d", 3_000), order("e", 1_500), order("f", 3_000)];
        tidy(&mut shuffled);
        assert_eq!(shuffled.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["d", "f", "e", "c"]);
        assert_eq!(back.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["b", "a"], "newest first");
        assert_eq!(back[1], list[0]);
        assert!(decode_orders("not json").is_empty());
        assert!(decode_orders("[{\"id\":1}]").is_empty());
        // Older or newer versions of the app may lack or add fields.
        let lean = r#"[{"id":"x","phone":"+1","service":"wa","country":"187","cost":0.18,
            "created_at":1,"expires_at":2,"status":"waiting","future_field":true}]"#;
        assert_eq!(decode_orders(lean)[0].waiting_since, 0);
    }

    #[test]
    fn merging_adds_unknown_orders_and_never_goes_back() {
        let mut list = vec![order("a", 1_000)];
        let mut done = order("a", 1_000);
        done.apply_status(&status(OrderStatus::Received, Some("1234")), 4_000);
        done.apply_status(&status(OrderStatus::Finished, None), 5_000);
        let other = order("b", 2_000);
        assert!(merge(&mut list, &[done.clone(), other]));
        assert_eq!(list.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(list[1].status, OrderStatus::Finished);
        assert_eq!(list[1].code.as_deref(), Some("1234"));
        assert!(!merge(&mut list, &[done.clone()]), "nothing new: no change (no storage ping-pong)");
        // An older copy does not undo the end.
        assert!(!merge(&mut list, &[order("a", 1_000)]));
        assert_eq!(list[1].status, OrderStatus::Finished);
        // Closing in one tab closes in the others.
        done.closed = true;
        assert!(merge(&mut list, &[done]));
        assert!(list[1].closed);
    }

    #[test]
    fn orders_from_the_proxy_list() {
        let view = OrderView {
            id: "srv".into(),
            order_code: None,
            phone: "+447700900123".into(),
            service: "tg".into(),
            country: "16".into(),
            cost: 1.25,
            status: OrderStatus::Cancelled,
            sms_code: None,
            sms_text: None,
            codes: Vec::new(),
            created_at: Timestamp::from_millis(10_000),
            expires_at: Timestamp::from_millis(1_210_000),
            cancel_available_at: Timestamp::from_millis(130_000),
        };
        let past = SavedOrder::from_view(&view);
        assert!(past.closed && !past.is_active(), "a past order goes to the history");
        let open = SavedOrder::from_view(&OrderView {
            status: OrderStatus::Received,
            sms_code: Some("5555".into()),
            codes: vec![ReceivedCode { code: "5555".into(), text: None, received_at: Timestamp::from_millis(20_000) }],
            ..view
        });
        assert!(open.is_active() && open.shows_code());
        assert_eq!(open.cancel_at, Some(130_000));
        assert_eq!(final_note(&past, "USD"), "Cancelled: 1.25 USD went back to your balance.");
    }

    #[test]
    fn tidy_keeps_every_open_order() {
        let mut list: Vec<SavedOrder> = (0..MAX_SAVED as u64 + 20)
            .map(|i| {
                let mut o = order(&format!("o{i}"), i);
                o.status = OrderStatus::Expired;
                o.closed = true;
                o
            })
            .collect();
        list.push(order("open-and-old", 0));
        tidy(&mut list);
        assert_eq!(list.len(), MAX_SAVED + 1);
        assert!(list.iter().any(|o| o.id == "open-and-old"));
    }
}
