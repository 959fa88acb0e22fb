//! The vnum web app: pick a service and a country, buy a number, wait for the code, finish or cancel.
//!
//! A Leptos single-page app rendered in the browser (client-side), served by the vnum Worker as static
//! assets and talking to it on the same origin (`/api/v1`) through `vnum_client::Client` only.
//!
//! - [`model`]: the state and rules as plain data (saved orders, search, offers, the cancel window,
//!   retry delays, every sentence), tested natively.
//! - `ui`: the components; `web`: the few browser APIs beyond Leptos.
//!
//! `scripts/build-web.sh` builds it into `apps/web/dist/`.

pub mod model;
mod ui;
mod web;

pub use ui::App;

/// Mounts the app (the wasm module's start function).
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // The page shows a loading line until the module runs.
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}
