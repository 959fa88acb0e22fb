//! The provider dialects the simulator speaks, and the entry point that sends an API request to the
//! dialect in force. Each dialect lives in its own module: [`oxgel`] (OxgelAPI), [`telenumerus`]
//! (Telenumerus) and [`agentotp`] (Agent OTP).

pub(crate) mod agentotp;
pub(crate) mod oxgel;
pub(crate) mod telenumerus;

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::http::{SimRequest, SimResponse};
use crate::state::Simulator;
use crate::stats::EndpointKind;

/// The API key of the default account of the Telenumerus dialect.
pub const TELENUMERUS_DEFAULT_KEY: &str = "tn_demo_key_00000000000000000000";
/// The API key (`X-API-Key`) of the default account of the Agent OTP dialect.
pub const AGENTOTP_DEFAULT_KEY: &str = "ak_demo_key_00000000000000000000";
/// The Bearer token of the default account of the Agent OTP dialect (its account API).
pub const AGENTOTP_DEFAULT_TOKEN: &str = "agentotp_demo_token_000000000000";

/// Which provider the simulator plays. Fixed for a simulator's life (it is part of its
/// [`SimConfig`](crate::SimConfig)); the wire name is lower case: `oxgel`, `telenumerus`, `agentotp`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// OxgelAPI: `X-API-Key`, plain-text errors, escrow, a cancel window.
    #[default]
    Oxgel,
    /// Telenumerus: Bearer or `X-API-Key`, structured JSON errors, one open order per account, SSE.
    Telenumerus,
    /// Agent OTP: rented numbers from a pool, a quota, a long-poll for the OTP.
    Agentotp,
}

/// Every dialect, in documentation order.
pub const DIALECTS: [Dialect; 3] = [Dialect::Oxgel, Dialect::Telenumerus, Dialect::Agentotp];

/// A dialect name that is none of `oxgel`, `telenumerus`, `agentotp`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dialect {0:?} (expected oxgel, telenumerus or agentotp)")]
pub struct UnknownDialect(pub String);

impl Dialect {
    /// The wire name, such as `telenumerus`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oxgel => "oxgel",
            Self::Telenumerus => "telenumerus",
            Self::Agentotp => "agentotp",
        }
    }

    /// The API key of the account a default configuration of this dialect creates.
    #[must_use]
    pub fn default_key(self) -> &'static str {
        match self {
            Self::Oxgel => crate::config::DEFAULT_KEY,
            Self::Telenumerus => TELENUMERUS_DEFAULT_KEY,
            Self::Agentotp => AGENTOTP_DEFAULT_KEY,
        }
    }

    /// Seconds from purchase to expiry when the configuration does not say: OxgelAPI 1200 (an
    /// assumption), Telenumerus 300 and Agent OTP 300 (their documents).
    #[must_use]
    pub fn default_order_ttl_seconds(self) -> u64 {
        match self {
            Self::Oxgel => 1200,
            Self::Telenumerus | Self::Agentotp => 300,
        }
    }

    /// The endpoint kinds of this dialect, in the order `GET /__sim/stats` lists them; `other` last.
    #[must_use]
    pub fn endpoint_kinds(self) -> &'static [EndpointKind] {
        use EndpointKind as K;
        match self {
            Self::Oxgel => &[
                K::Balance,
                K::Services,
                K::Countries,
                K::Prices,
                K::Buy,
                K::Status,
                K::Cancel,
                K::Finish,
                K::Another,
                K::Other,
            ],
            Self::Telenumerus => &[
                K::Register,
                K::Services,
                K::Availability,
                K::Health,
                K::DepositAddresses,
                K::DepositVerify,
                K::Order,
                K::Verify,
                K::Agent,
                K::Batch,
                K::OrderStatus,
                K::OrderStream,
                K::OrderCancel,
                K::Account,
                K::Usage,
                K::Webhook,
                K::Other,
            ],
            Self::Agentotp => &[K::Rent, K::WaitForOtp, K::Messages, K::Release, K::Quota, K::Other],
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dialect {
    type Err = UnknownDialect;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        DIALECTS.into_iter().find(|d| d.as_str() == name).ok_or_else(|| UnknownDialect(name.to_owned()))
    }
}

impl Simulator {
    /// Answers an API request (not admin) at simulated time `now` in the dialect in force.
    pub(crate) fn api(&mut self, now: u64, kind: EndpointKind, req: &SimRequest) -> SimResponse {
        match self.config.dialect {
            Dialect::Oxgel => self.oxgel_api(now, kind, req).unwrap_or_else(crate::ApiError::into_response),
            Dialect::Telenumerus => self.telenumerus_api(now, kind, req),
            Dialect::Agentotp => self.agentotp_api(now, kind, req),
        }
    }
}

/// The key a request presents, for the counters: per dialect, the header the provider reads first,
/// then the other header it knows, then the `api_key` query parameter. Also tells whether it came from
/// the query. Empty values count as absent. Whether the key is accepted is each dialect's business
/// (Telenumerus and Agent OTP never accept a key in the query).
pub(crate) fn presented_key(dialect: Dialect, req: &SimRequest) -> (Option<&str>, bool) {
    let header = req.header_value("x-api-key").map(str::trim).filter(|k| !k.is_empty());
    let bearer = bearer_token(req);
    let from_headers = match dialect {
        Dialect::Oxgel => header,
        Dialect::Telenumerus => bearer.or(header),
        Dialect::Agentotp => header.or(bearer),
    };
    if let Some(key) = from_headers {
        return (Some(key), false);
    }
    match req.query_value("api_key").filter(|k| !k.is_empty()) {
        Some(key) => (Some(key), true),
        None => (None, false),
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if any.
pub(crate) fn bearer_token(req: &SimRequest) -> Option<&str> {
    let value = req.header_value("authorization")?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Decodes `%XX` escapes of one path segment (`%2B14165551234` → `+14165551234`); `+` stays `+`.
/// Invalid escapes are kept as they are, invalid UTF-8 is replaced.
pub(crate) fn decode_path_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| core::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for dialect in DIALECTS {
            assert_eq!(dialect.as_str().parse::<Dialect>(), Ok(dialect));
            let json = serde_json::to_string(&dialect).expect("serialises");
            assert_eq!(json, format!("\"{}\"", dialect.as_str()));
        }
        assert!("Oxgel".parse::<Dialect>().is_err());
        assert_eq!(Dialect::default(), Dialect::Oxgel);
    }

    #[test]
    fn every_dialect_lists_other_last_and_no_kind_twice() {
        for dialect in DIALECTS {
            let kinds = dialect.endpoint_kinds();
            assert_eq!(kinds.last(), Some(&EndpointKind::Other));
            let mut sorted = kinds.to_vec();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), kinds.len(), "{dialect}");
        }
    }

    #[test]
    fn keys_per_dialect() {
        let req = SimRequest::get("/x?api_key=q").header("Authorization", "Bearer b").key("h");
        assert_eq!(presented_key(Dialect::Oxgel, &req), (Some("h"), false));
        assert_eq!(presented_key(Dialect::Telenumerus, &req), (Some("b"), false));
        assert_eq!(presented_key(Dialect::Agentotp, &req), (Some("h"), false));
        let query_only = SimRequest::get("/x?api_key=q");
        assert_eq!(presented_key(Dialect::Telenumerus, &query_only), (Some("q"), true));
        let basic = SimRequest::get("/x").header("authorization", "Basic abc");
        assert_eq!(bearer_token(&basic), None);
        let lower = SimRequest::get("/x").header("authorization", "bearer  tok ");
        assert_eq!(bearer_token(&lower), Some("tok"));
    }

    #[test]
    fn path_segments_decode() {
        assert_eq!(decode_path_segment("%2B14165551234"), "+14165551234");
        assert_eq!(decode_path_segment("+14165551234"), "+14165551234");
        assert_eq!(decode_path_segment("%2b1%zz%"), "+1%zz%");
        assert_eq!(decode_path_segment("%FF"), "\u{FFFD}");
    }
}
