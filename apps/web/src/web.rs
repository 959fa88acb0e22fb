//! The few browser APIs the app uses beyond Leptos: the clock, `localStorage`, the clipboard, the page's
//! origin, randomness. They compile everywhere (so clippy and the native tests see the whole crate) and
//! work in a browser.

use js_sys::futures::JsFuture;
use wasm_bindgen::JsValue;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// A `localStorage` entry (none when storage is off, e.g. some private modes).
pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// Writes a `localStorage` entry; a full or disabled storage is not an error worth showing.
pub fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

/// Removes a `localStorage` entry.
pub fn forget(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// The proxy's API root on this page's origin: `https://host/api/v1`.
pub fn api_base() -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    // Opened from a file or a sandbox (origin "null"): the local `wrangler dev`.
    let origin = if origin.starts_with("http") { origin } else { "http://127.0.0.1:8787".to_owned() };
    format!("{origin}/api/v1")
}

/// Copies `text` to the clipboard; whether it worked (the Clipboard API needs a secure context and,
/// in some browsers, permission).
pub async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let navigator = window.navigator();
    let present = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).is_ok_and(|c| c.is_object());
    if !present {
        return false;
    }
    JsFuture::from(navigator.clipboard().write_text(text)).await.is_ok()
}

/// Scrolls the card of order `id` into view if it is not (`block: nearest`).
pub fn reveal(id: &str) {
    let selector = format!("[data-order-id=\"{id}\"]");
    let card = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&selector).ok().flatten());
    if let Some(card) = card {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        card.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// A fresh `Idempotency-Key` for one purchase (retries of it reuse the key).
pub fn purchase_key() -> String {
    let random = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    format!("web-{:x}-{random:x}", now_ms())
}
