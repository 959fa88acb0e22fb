//! The npm package's hand-written TypeScript types (npm/index.d.ts) against the contract table: every
//! route the package serves has its method on `class Vnum`, and the numbers the types promise are the
//! contract's.

use vnum_protocol::ErrorCode;
use vnum_protocol::contract::{ROUTES, WAIT_DEFAULT_SECONDS, WAIT_MAX_SECONDS};

const TYPES: &str = include_str!("../npm/index.d.ts");

/// The body of `export declare class Vnum { … }`.
fn vnum_class() -> &'static str {
    let start = TYPES.find("export declare class Vnum {").expect("index.d.ts declares class Vnum");
    let body = &TYPES[start..];
    let end = body.find("\n}").expect("class Vnum ends");
    &body[..end]
}

#[test]
fn every_route_of_the_package_has_its_method_in_the_types() {
    let class = vnum_class();
    let mut served = 0;
    for spec in ROUTES {
        if let Some(method) = spec.js_method {
            served += 1;
            assert!(
                class.contains(&format!("\n  {method}(")),
                "index.d.ts: class Vnum lacks {method}(…) for {} {}",
                spec.method.as_str(),
                spec.path
            );
        }
    }
    assert!(served >= 12, "the table names the package's methods");
}

#[test]
fn the_types_state_the_contracts_long_poll_limits() {
    let promised = format!("Long-poll seconds, 1 to {WAIT_MAX_SECONDS} (default {WAIT_DEFAULT_SECONDS})");
    assert!(TYPES.contains(&promised), "index.d.ts should say: {promised}");
}

#[test]
fn the_types_name_every_error_code() {
    for code in ErrorCode::all_known() {
        assert!(TYPES.contains(&format!("| \"{code}\"")), "index.d.ts: VnumErrorCode lacks {code}");
    }
}

/// `waitForCode` → `wait_for_code`.
fn snake(name: &str) -> String {
    name.chars().fold(String::new(), |mut out, c| {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
        out
    })
}

#[test]
fn every_route_of_the_package_is_exported_by_the_js_layer() {
    let js = include_str!("../src/js.rs");
    for spec in ROUTES {
        if let Some(method) = spec.js_method {
            assert!(
                js.contains(&format!("pub fn {}(&self", snake(method))),
                "src/js.rs: Vnum lacks {method} for {} {}",
                spec.method.as_str(),
                spec.path
            );
        }
    }
}
