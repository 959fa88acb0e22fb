//! The app's state and rules as plain data: saved orders and how they merge, search, offers, the cancel
//! window, retry delays, and every sentence a person reads. No browser, no clock (times are passed in as
//! milliseconds since the Unix epoch), no IO, so `cargo test` runs all of it natively.

mod offer;
mod orders;
mod retry;
mod search;
mod words;

pub use offer::*;
pub use orders::*;
pub use retry::*;
pub use search::*;
pub use words::*;

#[cfg(test)]
mod tests;
