//! Fault injection: a FIFO queue of faults for the next API requests, plus constant added latency.

use serde::{Deserialize, Serialize};

use crate::http::{CONTENT_TYPE_HTML, CONTENT_TYPE_JSON, Outcome, SimResponse};
use crate::stats::EndpointKind;

/// The fault configuration, as `POST /__sim/faults` sets it and `GET /__sim/faults` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultState {
    /// Milliseconds added before every API response (faulted or not).
    pub latency_ms: u64,
    /// Faults for the next API requests, first first.
    pub next: Vec<Fault>,
}

/// One queued fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only a request of this endpoint kind takes the fault (`"for":"buy"`); others pass it by.
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub target: Option<EndpointKind>,
}

/// What a fault does to the request that takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status and a short text body, without touching state.
    Status {
        /// HTTP status (100..=599).
        status: u16,
        /// Body text; the status's reason phrase when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// A CDN-style HTML error page (`text/html`), status 502 unless given.
    Html {
        /// HTTP status.
        #[serde(default = "default_html_status")]
        status: u16,
    },
    /// 429 with `Retry-After` and a text body.
    RateLimit {
        /// Value of `Retry-After`, in seconds.
        #[serde(default = "default_retry_after")]
        retry_after_seconds: u64,
    },
    /// Close the connection without a response.
    Drop,
    /// 200 with `Content-Type: application/json` and a truncated, unparseable body.
    InvalidJson,
    /// Handle the request normally (state changes happen now), but respond only after `ms`.
    Delay {
        /// Extra delay in milliseconds.
        ms: u64,
    },
}

fn default_html_status() -> u16 {
    502
}

fn default_retry_after() -> u64 {
    1
}

/// The body of the `invalid_json` fault.
pub const INVALID_JSON_BODY: &str = "{\"status\":\"waiting\",\"sms_code\":nu";

impl FaultState {
    /// Checks statuses are within 100..=599.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for fault in &self.next {
            match fault.kind {
                FaultKind::Status { status, .. } | FaultKind::Html { status } if !(100..=599).contains(&status) => {
                    return Err(format!("fault status {status} is not within 100..=599"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Removes and returns the first queued fault that applies to a request of `kind`.
    pub(crate) fn take_for(&mut self, kind: EndpointKind) -> Option<FaultKind> {
        let index = self.next.iter().position(|f| f.target.is_none_or(|target| target == kind))?;
        Some(self.next.remove(index).kind)
    }
}

impl FaultKind {
    /// The response for a fault that replaces the real handling, or `None` for `delay` (handled
    /// normally, then delayed by the returned extra milliseconds via [`FaultKind::extra_delay_ms`]).
    pub(crate) fn replacement(&self) -> Option<SimResponse> {
        Some(match self {
            Self::Status { status, body } => {
                let text = body.clone().unwrap_or_else(|| reason_phrase(*status).to_owned());
                SimResponse::text(*status, &text)
            }
            Self::Html { status } => SimResponse::respond(
                *status,
                vec![("Content-Type".to_owned(), CONTENT_TYPE_HTML.to_owned())],
                html_error_page(*status).into_bytes(),
            ),
            Self::RateLimit { retry_after_seconds } => {
                SimResponse::text(429, "Too many requests").with_header("Retry-After", &retry_after_seconds.to_string())
            }
            Self::Drop => SimResponse { delay_ms: 0, outcome: Outcome::Drop },
            Self::InvalidJson => SimResponse::respond(
                200,
                vec![("Content-Type".to_owned(), CONTENT_TYPE_JSON.to_owned())],
                INVALID_JSON_BODY.as_bytes().to_vec(),
            ),
            Self::Delay { .. } => return None,
        })
    }

    /// Extra delay a `delay` fault adds.
    pub(crate) fn extra_delay_ms(&self) -> u64 {
        match self {
            Self::Delay { ms } => *ms,
            _ => 0,
        }
    }

    /// The fault's `kind` name, for logs.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Status { .. } => "status",
            Self::Html { .. } => "html",
            Self::RateLimit { .. } => "rate_limit",
            Self::Drop => "drop",
            Self::InvalidJson => "invalid_json",
            Self::Delay { .. } => "delay",
        }
    }
}

fn html_error_page(status: u16) -> String {
    let title = format!("{status} {}", reason_phrase(status));
    format!(
        "<!DOCTYPE html>\n<html>\n<head><title>{title}</title></head>\n<body>\n<center><h1>{title}</h1></center>\n<hr><center>cloudflare</center>\n</body>\n</html>\n"
    )
}

/// The standard reason phrase of a status code (`Error` for unknown codes).
#[must_use]
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        520 => "Web Server Returned an Unknown Error",
        521 => "Web Server Is Down",
        522 => "Connection Timed Out",
        523 => "Origin Is Unreachable",
        524 => "A Timeout Occurred",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_shapes() {
        let state: FaultState = serde_json::from_str(
            r#"{"latency_ms":5,"next":[{"kind":"status","status":503},{"kind":"html"},
            {"kind":"rate_limit","retry_after_seconds":7},{"kind":"drop"},{"kind":"invalid_json"},
            {"kind":"delay","ms":15000},{"kind":"drop","for":"buy"}]}"#,
        )
        .expect("documented shape parses");
        assert_eq!(state.latency_ms, 5);
        assert_eq!(state.next.len(), 7);
        assert_eq!(state.next[2].kind, FaultKind::RateLimit { retry_after_seconds: 7 });
        assert_eq!(state.next[1].kind, FaultKind::Html { status: 502 });
        assert_eq!(state.next[6].target, Some(EndpointKind::Buy));
        let back: FaultState =
            serde_json::from_value(serde_json::to_value(&state).expect("serialises")).expect("round-trips");
        assert_eq!(back, state);
    }

    #[test]
    fn targeted_faults_wait_for_their_kind() {
        let mut state: FaultState =
            serde_json::from_str(r#"{"next":[{"kind":"drop","for":"buy"},{"kind":"html"}]}"#).expect("parses");
        assert_eq!(state.take_for(EndpointKind::Balance), Some(FaultKind::Html { status: 502 }));
        assert_eq!(state.take_for(EndpointKind::Balance), None);
        assert_eq!(state.take_for(EndpointKind::Buy), Some(FaultKind::Drop));
        assert!(state.next.is_empty());
    }

    #[test]
    fn rejects_unknown_kinds_and_bad_statuses() {
        assert!(serde_json::from_str::<FaultState>(r#"{"next":[{"kind":"explode"}]}"#).is_err());
        assert!(serde_json::from_str::<FaultState>(r#"{"latency":1}"#).is_err());
        let state: FaultState = serde_json::from_str(r#"{"next":[{"kind":"status","status":700}]}"#).expect("parses");
        assert!(state.validate().is_err());
    }
}
