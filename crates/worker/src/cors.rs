//! CORS for configured origins. CORS is not authentication: a request from an origin that is neither
//! allowed nor the Worker's own is refused outright, so a page elsewhere cannot make a browser spend.

use vnum_protocol::ApiError;

/// Request headers a browser may send.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
/// Response headers a browser script may read.
pub const EXPOSE_HEADERS: &str = "Retry-After, X-Vnum-Demo, X-Vnum-Provider";

/// What to do about a request's `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginCheck {
    /// No `Origin`, or the Worker's own: no CORS headers needed.
    SameOrigin,
    /// An allowed other origin: echo it in `Access-Control-Allow-Origin`.
    Allowed(String),
}

/// Checks `origin` against the allowed list and the Worker's own origin (`self_origin`).
pub fn check(origin: Option<&str>, self_origin: &str, allowed: &[String]) -> Result<OriginCheck, ApiError> {
    let Some(origin) = origin.map(str::trim).filter(|o| !o.is_empty() && *o != "null") else {
        return Ok(OriginCheck::SameOrigin);
    };
    let origin = origin.trim_end_matches('/');
    if origin.eq_ignore_ascii_case(self_origin) {
        return Ok(OriginCheck::SameOrigin);
    }
    if allowed.iter().any(|a| a == "*" || a.eq_ignore_ascii_case(origin)) {
        return Ok(OriginCheck::Allowed(origin.to_owned()));
    }
    Err(ApiError::Forbidden {
        reason: format!("origin {} is not in ALLOWED_ORIGINS", origin.chars().take(100).collect::<String>()),
    })
}

/// The headers an answer to an allowed origin carries.
pub fn response_headers(check: &OriginCheck) -> Vec<(&'static str, String)> {
    match check {
        OriginCheck::SameOrigin => Vec::new(),
        OriginCheck::Allowed(origin) => vec![
            ("Access-Control-Allow-Origin", origin.clone()),
            ("Access-Control-Expose-Headers", EXPOSE_HEADERS.to_owned()),
            ("Vary", "Origin".to_owned()),
        ],
    }
}

/// The extra headers of a preflight answer.
pub fn preflight_headers(allow_methods: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Access-Control-Allow-Methods", format!("{allow_methods}, OPTIONS")),
        ("Access-Control-Allow-Headers", ALLOW_HEADERS.to_owned()),
        ("Access-Control-Max-Age", "600".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let allowed = vec!["https://app.example".to_owned()];
        let me = "https://proxy.example";
        assert_eq!(check(None, me, &allowed), Ok(OriginCheck::SameOrigin));
        assert_eq!(check(Some("https://proxy.example"), me, &allowed), Ok(OriginCheck::SameOrigin));
        assert_eq!(
            check(Some("https://app.example"), me, &allowed),
            Ok(OriginCheck::Allowed("https://app.example".into()))
        );
        assert!(matches!(check(Some("https://evil.example"), me, &allowed), Err(ApiError::Forbidden { .. })));
        assert!(check(Some("https://evil.example"), me, &["*".to_owned()]).is_ok());
        assert!(response_headers(&OriginCheck::SameOrigin).is_empty());
    }
}
