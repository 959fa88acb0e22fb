//! The one HTTP client of vnum, over `fetch`.
//!
//! - [`Client`]: every operation of the proxy's v1 contract (balance, services, countries, prices, buy,
//!   status, cancel, finish, another, orders, the long-poll `wait`) and [`Client::wait_for_code`], as
//!   async methods returning the protocol crate's types or an [`Error`]. The web app uses it directly.
//! - With an OxgelAPI key ([`Options::api_key`]) the same client talks to the provider itself through
//!   [`vnum_protocol::dialect::Oxgel`], for server-side use (Node, Workers); never in a browser.
//! - With the `js` feature, `wasm-bindgen` exports the JavaScript API of the npm package `vnum`
//!   (class `Vnum`, error class `VnumError`), a thin layer over [`Client`]; `scripts/build-npm.sh` builds it.
//!
//! Input is validated with the protocol crate's validators before anything is sent: bad input fails
//! with `INVALID_REQUEST` and no request.
//!
//! ```no_run
//! # async fn run() -> Result<(), vnum_client::Error> {
//! use vnum_client::{Client, WaitOptions};
//! use vnum_protocol::api::BuyRequest;
//!
//! let vnum = Client::with_token("https://proxy.example/api/v1", "my-token")?;
//! let order = vnum
//!     .buy(&BuyRequest { service: "wa".parse()?, country: "187".parse()?, operator: None, max_price: None }, None)
//!     .await?;
//! let code = vnum.wait_for_code(&order.id, &WaitOptions::default(), |status| println!("{}", status.status)).await?;
//! vnum.finish(&order.id).await?;
//! # let _ = code; Ok(()) }
//! ```

mod client;
mod error;
#[cfg(feature = "js")]
mod js;
pub mod transport;
pub mod waiting;

pub use client::{Client, Code, DEFAULT_REQUEST_TIMEOUT_MS, MAX_WAIT_SECONDS, Options, WaitOptions};
pub use error::{ABORTED, Error, NETWORK_ERROR};
pub use transport::{Fetch, Transport};
pub use vnum_protocol;
