//! Fault injection: a FIFO queue of faults for the next API requests, plus constant added latency.

use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::dialect::Dialect;
use crate::dialect::agentotp::{AgentOtpError, ERROR_STATUSES, status_description};
use crate::dialect::telenumerus::{ErrorCode, TelenumerusError};
use crate::http::{CONTENT_TYPE_HTML, CONTENT_TYPE_JSON, SimResponse};
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
    /// One of the dialect's own documented errors, in its own shape, without touching state:
    /// Telenumerus by `code` (`ORDER_IN_PROGRESS` → 409 and its JSON body; or by `status`, the first
    /// code with it), Agent OTP by `status` (400, 401, 403, 404, 500 → `{"success":false,"error":…}`),
    /// OxgelAPI by `status` (400, 401, 402, 403, 404, 409, 429 → its plain text).
    ProviderError {
        /// Telenumerus error code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// HTTP status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// The sentence; the provider's usual one when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// Telenumerus `retry_after_seconds` (and `Retry-After` on 429/503), OxgelAPI `Retry-After` on
        /// 429; the usual value when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_seconds: Option<u64>,
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

/// OxgelAPI's documented errors by status, as `provider_error` injects them.
const OXGEL_ERRORS: [(u16, ApiError); 6] = [
    (400, ApiError::InvalidBody),
    (401, ApiError::InvalidKey),
    (402, ApiError::InsufficientBalance),
    (403, ApiError::Banned),
    (404, ApiError::OrderNotFound),
    (409, ApiError::NoNumbers),
];

impl FaultState {
    /// Checks statuses are within 100..=599, that `for` names an endpoint kind of `dialect`, and that
    /// a `provider_error` names one of the dialect's documented errors.
    pub(crate) fn validate(&self, dialect: Dialect) -> Result<(), String> {
        for fault in &self.next {
            match fault.kind {
                FaultKind::Status { status, .. } | FaultKind::Html { status } if !(100..=599).contains(&status) => {
                    return Err(format!("fault status {status} is not within 100..=599"));
                }
                _ => {}
            }
            if let Some(target) = fault.target
                && !dialect.endpoint_kinds().contains(&target)
            {
                return Err(format!("{} is not an endpoint kind of the {dialect} dialect", target.as_str()));
            }
            if matches!(fault.kind, FaultKind::ProviderError { .. }) && fault.kind.provider_error(dialect).is_none() {
                return Err(format!("provider_error names no documented error of the {dialect} dialect"));
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
    /// The response for a fault that replaces the real handling in `dialect`, or `None` for `delay`
    /// (handled normally, then delayed by the returned extra milliseconds via
    /// [`FaultKind::extra_delay_ms`]). A `provider_error` that names no error of the dialect (one set
    /// without validation) answers its status, or 500, as plain text.
    pub(crate) fn replacement(&self, dialect: Dialect) -> Option<SimResponse> {
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
            Self::Drop => SimResponse::drop_connection(),
            Self::InvalidJson => SimResponse::respond(
                200,
                vec![("Content-Type".to_owned(), CONTENT_TYPE_JSON.to_owned())],
                INVALID_JSON_BODY.as_bytes().to_vec(),
            ),
            Self::Delay { .. } => return None,
            Self::ProviderError { status, message, .. } => self.provider_error(dialect).unwrap_or_else(|| {
                let status = status.filter(|s| (100..=599).contains(s)).unwrap_or(500);
                SimResponse::text(status, message.as_deref().unwrap_or(reason_phrase(status)))
            }),
        })
    }

    /// The documented error a `provider_error` names in `dialect`, if it names one.
    fn provider_error(&self, dialect: Dialect) -> Option<SimResponse> {
        let Self::ProviderError { code, status, message, retry_after_seconds } = self else {
            return None;
        };
        match dialect {
            Dialect::Telenumerus => {
                let code = match (code, status) {
                    (Some(name), _) => ErrorCode::parse(name)?,
                    (None, Some(status)) => ErrorCode::for_status(*status)?,
                    (None, None) => return None,
                };
                if status.is_some_and(|s| s != code.status()) {
                    return None;
                }
                let message = message.clone().unwrap_or_else(|| code.meaning().to_owned());
                Some(
                    TelenumerusError::Injected { code, message, retry_after_seconds: *retry_after_seconds }
                        .into_response(),
                )
            }
            Dialect::Agentotp => {
                let status = status.filter(|s| ERROR_STATUSES.contains(s) && code.is_none())?;
                let message = message.clone().unwrap_or_else(|| status_description(status).to_owned());
                Some(AgentOtpError::Injected { status, message }.into_response())
            }
            Dialect::Oxgel => {
                let status = (*status).filter(|_| code.is_none())?;
                if status == 429 {
                    let text = message.as_deref().unwrap_or("Too many requests");
                    let seconds = retry_after_seconds.unwrap_or(1).to_string();
                    return Some(SimResponse::text(429, text).with_header("Retry-After", &seconds));
                }
                let (_, error) = OXGEL_ERRORS.iter().find(|(s, _)| *s == status)?;
                let text = message.clone().unwrap_or_else(|| error.to_string());
                Some(SimResponse::text(status, &text))
            }
        }
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
            Self::ProviderError { .. } => "provider_error",
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
        assert!(state.validate(Dialect::Oxgel).is_err());
    }

    #[test]
    fn targets_belong_to_the_dialect() {
        let state: FaultState = serde_json::from_str(r#"{"next":[{"kind":"drop","for":"rent"}]}"#).expect("parses");
        assert!(state.validate(Dialect::Agentotp).is_ok());
        assert!(state.validate(Dialect::Oxgel).is_err());
        let shared: FaultState =
            serde_json::from_str(r#"{"next":[{"kind":"drop","for":"services"}]}"#).expect("parses");
        assert!(shared.validate(Dialect::Telenumerus).is_ok());
        assert!(shared.validate(Dialect::Agentotp).is_err());
    }

    #[test]
    fn provider_errors_in_each_dialect() {
        let fault = |json: &str| serde_json::from_str::<FaultKind>(json).expect("parses");
        let busy = fault(r#"{"kind":"provider_error","code":"ORDER_IN_PROGRESS"}"#);
        let response = busy.replacement(Dialect::Telenumerus).expect("a response");
        assert_eq!(response.status(), Some(409));
        let body = response.json_body().expect("JSON");
        assert_eq!(body["error_code"], "ORDER_IN_PROGRESS");
        assert_eq!(body["retryable"], true);
        assert_eq!(body["retry_after_seconds"], 30);
        let by_status = fault(r#"{"kind":"provider_error","status":503,"retry_after_seconds":9}"#);
        let response = by_status.replacement(Dialect::Telenumerus).expect("a response");
        assert_eq!(response.header("retry-after"), Some("9"));
        assert_eq!(response.json_body().expect("JSON")["error_code"], "PROVIDER_UNAVAILABLE");
        let quota = fault(r#"{"kind":"provider_error","status":403}"#);
        assert_eq!(
            quota.replacement(Dialect::Agentotp).expect("a response").text_body(),
            r#"{"success":false,"error":"Forbidden - Quota exceeded"}"#
        );
        let broke = fault(r#"{"kind":"provider_error","status":402}"#);
        let response = broke.replacement(Dialect::Oxgel).expect("a response");
        assert_eq!(response.text_body(), "Insufficient balance");
        assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));

        let states = |json: &str| serde_json::from_str::<FaultState>(json).expect("parses");
        assert!(
            states(r#"{"next":[{"kind":"provider_error","code":"NOPE"}]}"#).validate(Dialect::Telenumerus).is_err()
        );
        assert!(
            states(r#"{"next":[{"kind":"provider_error","code":"ORDER_NOT_FOUND","status":400}]}"#)
                .validate(Dialect::Telenumerus)
                .is_err()
        );
        assert!(states(r#"{"next":[{"kind":"provider_error","status":402}]}"#).validate(Dialect::Agentotp).is_err());
        assert!(
            states(r#"{"next":[{"kind":"provider_error","code":"ORDER_NOT_FOUND"}]}"#)
                .validate(Dialect::Oxgel)
                .is_err()
        );
        // Unvalidated, it still answers, as plain text.
        let stray = fault(r#"{"kind":"provider_error","status":402}"#).replacement(Dialect::Agentotp);
        assert_eq!(stray.map(|r| r.text_body()), Some("Payment Required".to_owned()));
        let nothing = fault(r#"{"kind":"provider_error"}"#).replacement(Dialect::Telenumerus);
        assert_eq!(nothing.and_then(|r| r.status()), Some(500));
    }
}
