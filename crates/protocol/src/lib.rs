//! vnum's protocol: everything about renting a number and reading its SMS code that is not IO.
//!
//! - [`contract`]: the v1 routes in one table, and the numbers both sides agree on;
//! - [`api`]: the v1 contract's types, which are the OxgelAPI dialect minus the key;
//! - [`error`]: the one error model and its wire form;
//! - [`validate`]: allow-listed shapes for every client-supplied field;
//! - [`dialect`]: request builders and response parsers for OxgelAPI, Telenumerus and Agent OTP;
//! - [`order`]: the order state machine (time is an input), and [`driver`]: what an order's host does
//!   next (poll, store, notify, wake);
//! - [`sms`]: finding the one-time code in a message;
//! - [`retry`]: the one backoff; [`limits`]: requests and purchases per window, orders open at once;
//! - [`countries`]: names of the ISO country codes the providers use; [`sse`]: reading an event stream;
//! - [`http`], [`time`]: HTTP messages and instants as plain data.
//!
//! No IO, no clock, no async: the Worker, the client and the tests do those and pass `now` in.

pub mod api;
pub mod contract;
pub mod countries;
pub mod dialect;
pub mod driver;
pub mod error;
pub mod http;
pub mod limits;
pub mod order;
pub mod retry;
pub mod sms;
pub mod sse;
pub mod time;
pub mod validate;

pub use error::{ApiError, ErrorBody, ErrorCode};
pub use time::Timestamp;
