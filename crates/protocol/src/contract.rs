//! The v1 contract in one table: every route the proxy serves (method, path, parameters, whether a
//! caller must authenticate, whether repeating it is safe, what it answers), and the numbers both sides
//! agree on. The Worker routes by it and writes `/openapi.json` from it; the client builds its requests
//! from it; the npm package's methods and types are checked against it.

use crate::ApiError;
use crate::api::API_PREFIX;
use crate::http::Method;

/// How long `/numbers/wait` waits when the caller does not say (`timeout`).
pub const WAIT_DEFAULT_SECONDS: u32 = 25;
/// The longest `/numbers/wait` a caller may ask for.
pub const WAIT_MAX_SECONDS: u32 = 60;
/// How often a client asks `/numbers/status` when it polls instead of long-polling.
pub const STATUS_POLL_SECONDS: u32 = 4;

/// One operation of the v1 contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Health,
    OpenApi,
    Balance,
    Services,
    Countries,
    Prices,
    Buy,
    Status,
    Cancel,
    Finish,
    Another,
    Wait,
    Stream,
    Orders,
}

/// A query parameter a route takes.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    pub description: &'static str,
}

/// A route: where it is, what it does, what it takes and answers.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub route: Route,
    pub method: Method,
    /// Below [`API_PREFIX`].
    pub path: &'static str,
    pub summary: &'static str,
    /// Whether the caller must be authenticated.
    pub authenticated: bool,
    pub params: &'static [Param],
    /// The JSON schema name of a success answer (see the OpenAPI document's components).
    pub response: &'static str,
    /// Whether the success answer is a list of `response`.
    pub list: bool,
    /// Whether sending it twice has the effect of sending it once (a purchase is, with its
    /// `Idempotency-Key`).
    pub idempotent: bool,
    /// The npm package's method that sends it (`Vnum.<name>`), if any.
    pub js_method: Option<&'static str>,
}

const ID: Param = Param { name: "id", required: true, description: "The order id from /numbers/buy" };

/// Every route, in the order the documentation lists them.
pub const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        route: Route::Health,
        method: Method::Get,
        path: "/health",
        summary: "Liveness, and which provider serves",
        authenticated: false,
        params: &[],
        response: "Health",
        list: false,
        idempotent: true,
        js_method: Some("health"),
    },
    RouteSpec {
        route: Route::OpenApi,
        method: Method::Get,
        path: "/openapi.json",
        summary: "This document",
        authenticated: false,
        params: &[],
        response: "OpenApi",
        list: false,
        idempotent: true,
        js_method: None,
    },
    RouteSpec {
        route: Route::Balance,
        method: Method::Get,
        path: "/balance",
        summary: "The provider balance and the money held for open orders",
        authenticated: true,
        params: &[],
        response: "Balance",
        list: false,
        idempotent: true,
        js_method: Some("balance"),
    },
    RouteSpec {
        route: Route::Services,
        method: Method::Get,
        path: "/services",
        summary: "Services numbers can be bought for (cached at the edge for an hour)",
        authenticated: true,
        params: &[],
        response: "Service",
        list: true,
        idempotent: true,
        js_method: Some("services"),
    },
    RouteSpec {
        route: Route::Countries,
        method: Method::Get,
        path: "/countries",
        summary: "Countries numbers can be bought in (cached at the edge for an hour)",
        authenticated: true,
        params: &[],
        response: "Country",
        list: true,
        idempotent: true,
        js_method: Some("countries"),
    },
    RouteSpec {
        route: Route::Prices,
        method: Method::Get,
        path: "/prices",
        summary: "Price and stock per service and country (cached for a few seconds)",
        authenticated: true,
        params: &[
            Param { name: "service", required: false, description: "A service code such as wa" },
            Param { name: "country", required: false, description: "A country code such as 187 or US" },
        ],
        response: "Price",
        list: true,
        idempotent: true,
        js_method: Some("prices"),
    },
    RouteSpec {
        route: Route::Buy,
        method: Method::Post,
        path: "/numbers/buy",
        summary: "Buy a number; an Idempotency-Key header makes a retry return the same order",
        authenticated: true,
        params: &[],
        response: "BoughtNumber",
        list: false,
        idempotent: false,
        js_method: Some("buy"),
    },
    RouteSpec {
        route: Route::Status,
        method: Method::Get,
        path: "/numbers/status",
        summary: "An order's status and its code once it arrived",
        authenticated: true,
        params: &[ID],
        response: "StatusResponse",
        list: false,
        idempotent: true,
        js_method: Some("status"),
    },
    RouteSpec {
        route: Route::Cancel,
        method: Method::Post,
        path: "/numbers/cancel",
        summary: "Cancel and refund an order; refused within the provider's cancel window (OxgelAPI: its first 2 minutes)",
        authenticated: true,
        params: &[ID],
        response: "ActionResponse",
        list: false,
        idempotent: false,
        js_method: Some("cancel"),
    },
    RouteSpec {
        route: Route::Finish,
        method: Method::Post,
        path: "/numbers/finish",
        summary: "Finish an order whose code arrived",
        authenticated: true,
        params: &[ID],
        response: "ActionResponse",
        list: false,
        idempotent: false,
        js_method: Some("finish"),
    },
    RouteSpec {
        route: Route::Another,
        method: Method::Post,
        path: "/numbers/another",
        summary: "Ask for another SMS to the same number",
        authenticated: true,
        params: &[ID],
        response: "ActionResponse",
        list: false,
        idempotent: false,
        js_method: Some("another"),
    },
    RouteSpec {
        route: Route::Wait,
        method: Method::Get,
        path: "/numbers/wait",
        summary: "Long-poll: answers as soon as the order leaves `waiting` (a code arrived), or at the timeout",
        authenticated: true,
        params: &[
            ID,
            Param {
                name: "timeout",
                required: false,
                description: "Seconds to wait, 1 to 60 (default 25; WAIT_DEFAULT_SECONDS)",
            },
        ],
        response: "StatusResponse",
        list: false,
        idempotent: true,
        js_method: Some("wait"),
    },
    RouteSpec {
        route: Route::Stream,
        method: Method::Get,
        path: "/numbers/stream",
        summary: "Server-Sent Events: every status change and code, ending after a final state; resumable with Last-Event-ID",
        authenticated: true,
        params: &[ID],
        response: "StatusResponse",
        list: false,
        idempotent: true,
        js_method: None,
    },
    RouteSpec {
        route: Route::Orders,
        method: Method::Get,
        path: "/orders",
        summary: "The caller's orders, newest first, to recover every order it paid for",
        authenticated: true,
        params: &[],
        response: "OrdersResponse",
        list: false,
        idempotent: true,
        js_method: Some("orders"),
    },
];

/// The entry of `route`.
pub fn spec(route: Route) -> &'static RouteSpec {
    ROUTES.iter().find(|spec| spec.route == route).unwrap_or(&ROUTES[0])
}

/// Finds the route for a method and a full path; unknown paths are `UNKNOWN_ROUTE`, known paths with
/// another method `METHOD_NOT_ALLOWED`.
pub fn resolve(method: &str, path: &str) -> Result<&'static RouteSpec, ApiError> {
    let Some(below) = path.strip_prefix(API_PREFIX) else {
        return Err(ApiError::UnknownRoute { path: path.chars().take(64).collect() });
    };
    let below = if below.len() > 1 { below.trim_end_matches('/') } else { below };
    let mut on_path = ROUTES.iter().filter(|spec| spec.path == below).peekable();
    if on_path.peek().is_none() {
        return Err(ApiError::UnknownRoute { path: path.chars().take(64).collect() });
    }
    on_path
        .find(|spec| spec.method.as_str() == method || (method == "HEAD" && spec.method == Method::Get))
        .ok_or_else(|| ApiError::MethodNotAllowed { method: method.chars().take(16).collect() })
}

/// The `Allow` header value for a path (for 405 answers and CORS preflights).
pub fn allowed_methods(path: &str) -> Option<String> {
    let below = path.strip_prefix(API_PREFIX)?;
    let methods: Vec<&str> = ROUTES.iter().filter(|s| s.path == below).map(|s| s.method.as_str()).collect();
    (!methods.is_empty()).then(|| methods.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_known_routes_and_refuses_others() {
        assert_eq!(resolve("GET", "/api/v1/balance").expect("balance").route, Route::Balance);
        assert_eq!(resolve("POST", "/api/v1/numbers/buy/").expect("buy").route, Route::Buy);
        assert!(matches!(resolve("GET", "/api/v1/numbers/buy"), Err(ApiError::MethodNotAllowed { .. })));
        assert!(matches!(resolve("DELETE", "/api/v1/balance"), Err(ApiError::MethodNotAllowed { .. })));
        assert!(matches!(resolve("GET", "/api/v1/passthrough/anything"), Err(ApiError::UnknownRoute { .. })));
        assert!(matches!(resolve("GET", "/balance"), Err(ApiError::UnknownRoute { .. })));
        assert_eq!(allowed_methods("/api/v1/numbers/cancel").as_deref(), Some("POST"));
    }

    #[test]
    fn spec_finds_every_route() {
        for entry in ROUTES {
            assert_eq!(spec(entry.route).path, entry.path);
        }
    }

    #[test]
    fn every_route_is_unique() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.path == b.path && a.method == b.method), "{} twice", a.path);
                assert_ne!(a.route, b.route);
            }
        }
    }
}
