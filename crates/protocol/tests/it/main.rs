//! Integration tests of the protocol crate: golden fixtures, properties, robustness.

mod dialects;
mod order_properties;
mod robustness;

use vnum_protocol::http::HttpResponse;

/// A fixture file's bytes, from `tests/fixtures/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A 200 response carrying a fixture.
pub fn ok(name: &str) -> HttpResponse {
    HttpResponse::new(200, fixture(name)).with_header("Content-Type", "application/json")
}
