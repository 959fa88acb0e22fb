//! Every sentence a person reads: money, times, statuses, errors.

use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::api::OrderStatus;
use vnum_client::{Error, NETWORK_ERROR};

use super::orders::SavedOrder;

pub(super) fn cents(amount: f64) -> i64 {
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
