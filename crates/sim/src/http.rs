//! The host-facing request and response types, and small helpers to build and read them.

use serde::{Deserialize, Serialize};

use crate::hold::Hold;

/// Content type of every JSON response.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// Content type of every plain-text error.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; charset=utf-8";
/// Content type of a Server-Sent Events stream.
pub const CONTENT_TYPE_EVENT_STREAM: &str = "text/event-stream";
/// Content type of the HTML error page fault.
pub const CONTENT_TYPE_HTML: &str = "text/html; charset=UTF-8";
/// Request bodies larger than this are answered with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One HTTP request, as the host received it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimRequest {
    /// Method, such as `GET` (compared case-sensitively, as HTTP does).
    pub method: String,
    /// Path without the query string, such as `/api/v1/balance`.
    pub path: String,
    /// Query parameters, already percent-decoded, in order (see [`parse_query`]).
    pub query: Vec<(String, String)>,
    /// Headers; names are compared case-insensitively.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
}

impl SimRequest {
    /// A request with the given method and target. The target may carry a query string
    /// (`/api/v1/numbers/status?id=…`), which is split off and decoded with [`parse_query`].
    #[must_use]
    pub fn new(method: &str, target: &str) -> Self {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, parse_query(query)),
            None => (target, Vec::new()),
        };
        Self { method: method.to_owned(), path: path.to_owned(), query, headers: Vec::new(), body: Vec::new() }
    }

    /// A `GET` request; see [`SimRequest::new`].
    #[must_use]
    pub fn get(target: &str) -> Self {
        Self::new("GET", target)
    }

    /// A `POST` request; see [`SimRequest::new`].
    #[must_use]
    pub fn post(target: &str) -> Self {
        Self::new("POST", target)
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds the `X-API-Key` header.
    #[must_use]
    pub fn key(self, key: &str) -> Self {
        self.header("X-API-Key", key)
    }

    /// Adds a query parameter (not encoded: the query is stored decoded).
    #[must_use]
    pub fn query_param(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and the `Content-Type: application/json` header.
    #[must_use]
    pub fn json(self, value: &serde_json::Value) -> Self {
        self.header("Content-Type", CONTENT_TYPE_JSON).body(value.to_string())
    }

    /// The first value of a header, by case-insensitive name.
    #[must_use]
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The first value of a query parameter.
    #[must_use]
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the host must do with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimResponse {
    /// Milliseconds the host waits before carrying out `outcome` (added latency and `delay` faults).
    pub delay_ms: u64,
    /// Respond, or drop the connection.
    pub outcome: Outcome,
    /// Present when the answer takes time (a long-poll or an event stream): how a host that can hold
    /// requests carries on (see [`crate::hold`]). A host that cannot hold carries out `outcome`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
}

/// The end of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Send this response.
    Respond {
        /// HTTP status code.
        status: u16,
        /// Response headers (never `Content-Length`, `Connection` or `Transfer-Encoding`: the host
        /// frames the body).
        headers: Vec<(String, String)>,
        /// Response body.
        body: Vec<u8>,
    },
    /// Close the connection without sending anything.
    Drop,
}

impl SimResponse {
    /// An immediate response.
    #[must_use]
    pub fn respond(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Self { delay_ms: 0, outcome: Outcome::Respond { status, headers, body }, hold: None }
    }

    /// A connection closed without a response.
    #[must_use]
    pub fn drop_connection() -> Self {
        Self { delay_ms: 0, outcome: Outcome::Drop, hold: None }
    }

    /// The same response, held: see [`SimResponse::hold`].
    #[must_use]
    pub fn held(mut self, hold: Hold) -> Self {
        self.hold = Some(hold);
        self
    }

    /// A JSON response.
    #[must_use]
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::respond(
            status,
            vec![("Content-Type".to_owned(), CONTENT_TYPE_JSON.to_owned())],
            value.to_string().into_bytes(),
        )
    }

    /// A JSON response from any serialisable value (a 500 if it cannot serialise, which plain data
    /// structs never fail to do).
    #[must_use]
    pub fn json_of<T: Serialize + ?Sized>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::respond(status, vec![("Content-Type".to_owned(), CONTENT_TYPE_JSON.to_owned())], body),
            Err(_) => Self::text(500, "Internal error"),
        }
    }

    /// A plain-text response.
    #[must_use]
    pub fn text(status: u16, text: &str) -> Self {
        Self::respond(status, vec![("Content-Type".to_owned(), CONTENT_TYPE_TEXT.to_owned())], text.as_bytes().to_vec())
    }

    /// Adds a header (no effect on [`Outcome::Drop`]).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Outcome::Respond { headers, .. } = &mut self.outcome {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// The status code, or `None` for [`Outcome::Drop`].
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match &self.outcome {
            Outcome::Respond { status, .. } => Some(*status),
            Outcome::Drop => None,
        }
    }

    /// The body, or `None` for [`Outcome::Drop`].
    #[must_use]
    pub fn body(&self) -> Option<&[u8]> {
        match &self.outcome {
            Outcome::Respond { body, .. } => Some(body),
            Outcome::Drop => None,
        }
    }

    /// The body as text (lossy), or an empty string for [`Outcome::Drop`].
    #[must_use]
    pub fn text_body(&self) -> String {
        String::from_utf8_lossy(self.body().unwrap_or_default()).into_owned()
    }

    /// The body parsed as JSON, if it is JSON.
    #[must_use]
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(self.body()?).ok()
    }

    /// The first value of a response header, by case-insensitive name.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        match &self.outcome {
            Outcome::Respond { headers, .. } => find_header(headers, name),
            Outcome::Drop => None,
        }
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

pub use vnum_protocol::http::parse_query;

/// Whether the body exceeds the 64 KiB limit.
pub(crate) fn body_too_large(req: &SimRequest) -> bool {
    req.body.len() > MAX_BODY_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("id=a%2Fb&x=1+2&&flag&e=%zz&u=%E2%9C%93"),
            vec![
                ("id".to_owned(), "a/b".to_owned()),
                ("x".to_owned(), "1 2".to_owned()),
                ("flag".to_owned(), String::new()),
                ("e".to_owned(), "%zz".to_owned()),
                ("u".to_owned(), "\u{2713}".to_owned()),
            ]
        );
        assert_eq!(parse_query("bad=%FF"), vec![("bad".to_owned(), "\u{FFFD}".to_owned())]);
    }

    #[test]
    fn request_builder_splits_target() {
        let req = SimRequest::get("/api/v1/prices?service=wa&country=187").key("k");
        assert_eq!(req.path, "/api/v1/prices");
        assert_eq!(req.query_value("service"), Some("wa"));
        assert_eq!(req.query_value("country"), Some("187"));
        assert_eq!(req.header_value("x-api-key"), Some("k"));
    }
}
