//! HTTP as plain data: requests the caller should send and responses it received.
//!
//! The protocol crate never sends anything; the Worker, the client and the tests do the IO.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The request methods vnum uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Characters left as they are in a query component or path segment (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes one path segment or query component.
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// Splits and decodes an `application/x-www-form-urlencoded` query string (without the leading `?`):
/// pairs separated by `&`, `+` as space, `%XX` escapes, invalid UTF-8 replaced. Empty segments are
/// skipped; a segment without `=` has an empty value.
#[must_use]
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    let decode = |raw: &str| percent_decode_str(&raw.replace('+', " ")).decode_utf8_lossy().into_owned();
    query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// The parts of an absolute URL as a runtime serialises it (`https://host:8787/path?query#fragment`),
/// found without a full URL parser (and its Unicode tables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `scheme://host[:port]`.
    pub origin: &'a str,
    /// The host, without port.
    pub host: &'a str,
    /// The path, starting with `/`, still percent-encoded.
    pub path: &'a str,
    /// The query string without `?`, still encoded.
    pub query: &'a str,
}

impl<'a> UrlParts<'a> {
    /// Splits a serialised absolute URL; `None` when it has no `scheme://`.
    pub fn split(url: &'a str) -> Option<Self> {
        let authority_start = url.find("://")? + 3;
        let url = url.split('#').next().unwrap_or(url);
        let path_start = url[authority_start..].find(['/', '?']).map_or(url.len(), |i| authority_start + i);
        let origin = &url[..path_start];
        let authority = &url[authority_start..path_start];
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let host = if authority.starts_with('[') {
            authority.split_inclusive(']').next().unwrap_or(authority)
        } else {
            authority.split(':').next().unwrap_or(authority)
        };
        let (path, query) = url[path_start..].split_once('?').unwrap_or((&url[path_start..], ""));
        Some(Self { origin, host, path: if path.is_empty() { "/" } else { path }, query })
    }
}

/// A secret (an API key) that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A request to send: method, path below the base URL, query, headers and body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// The path below the provider's base URL, already percent-encoded, starting with `/`.
    pub path: String,
    /// Query pairs, not yet encoded.
    pub query: Vec<(String, String)>,
    /// Header pairs. Credentials are among them: never log a request's headers.
    pub headers: Vec<(String, String)>,
    /// A JSON body, if any.
    pub body: Option<String>,
}

impl HttpRequest {
    /// A request with no query, headers or body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self { method, path: path.into(), query: Vec::new(), headers: Vec::new(), body: None }
    }

    /// Adds a query pair.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a JSON body (and its content type).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        // Serialising the contract's types cannot fail (no maps with non-string keys).
        self.body = Some(serde_json::to_string(body).unwrap_or_default());
        self.header("Content-Type", "application/json")
    }

    /// The path with its encoded query string.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let pairs: Vec<String> =
            self.query.iter().map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v))).collect();
        format!("{}?{}", self.path, pairs.join("&"))
    }

    /// The full URL below `base` (for example `https://oxgelapi.com/api/v1`).
    pub fn url(&self, base: &str) -> String {
        format!("{}{}", base.trim_end_matches('/'), self.path_and_query())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are left out: they carry the provider key.
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &header_names)
            .field("body", &self.body)
            .finish()
    }
}

/// A response as received: status, headers and body bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self { status, headers: Vec::new(), body: body.into() }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The first header of that name, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `Retry-After` in seconds, when it is given as a number.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.header("Retry-After")?.trim().parse().ok()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, with invalid UTF-8 replaced, trimmed to `max` characters and without control
    /// characters: safe to put into an error message.
    pub fn body_excerpt(&self, max: usize) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(max)
            .collect::<String>()
            .trim()
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_and_path() {
        let req = HttpRequest::new(Method::Get, "/prices").query("service", "wa&x=1").query("country", "187");
        assert_eq!(
            req.url("https://p.example/api/v1/"),
            "https://p.example/api/v1/prices?service=wa%26x%3D1&country=187"
        );
        assert_eq!(encode_component("+15551234567"), "%2B15551234567");
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("id=a%2Fb&x=1+2&&flag&e=%zz"),
            vec![
                ("id".to_owned(), "a/b".to_owned()),
                ("x".to_owned(), "1 2".to_owned()),
                ("flag".to_owned(), String::new()),
                ("e".to_owned(), "%zz".to_owned()),
            ]
        );
    }

    #[test]
    fn splits_urls() {
        let parts = UrlParts::split("http://127.0.0.1:8787/api/v1/numbers/status?id=abc#x").expect("url");
        assert_eq!(
            parts,
            UrlParts {
                origin: "http://127.0.0.1:8787",
                host: "127.0.0.1",
                path: "/api/v1/numbers/status",
                query: "id=abc"
            }
        );
        let bare = UrlParts::split("https://proxy.example").expect("url");
        assert_eq!(
            (bare.origin, bare.host, bare.path, bare.query),
            ("https://proxy.example", "proxy.example", "/", "")
        );
        let v6 = UrlParts::split("http://[::1]:8787/x?").expect("url");
        assert_eq!((v6.host, v6.path), ("[::1]", "/x"));
        assert_eq!(UrlParts::split("no-scheme"), None);
    }

    #[test]
    fn debug_hides_header_values_and_secrets() {
        let req = HttpRequest::new(Method::Get, "/balance").header("X-API-Key", "OXGL-secret");
        assert!(!format!("{req:?}").contains("OXGL-secret"));
        assert_eq!(format!("{:?}", Secret::new("OXGL-secret")), "Secret(***)");
    }

    #[test]
    fn reads_retry_after_and_excerpt() {
        let resp = HttpResponse::new(429, "slow\n down\u{7}").with_header("retry-after", " 7 ");
        assert_eq!(resp.retry_after_seconds(), Some(7));
        assert_eq!(resp.body_excerpt(100), "slow  down");
        assert_eq!(resp.body_excerpt(2), "sl");
    }
}
