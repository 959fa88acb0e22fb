//! Who may call: bearer tokens, or nobody-needs-one where that is safe.

use vnum_protocol::ApiError;

#[cfg(test)]
use crate::config::AuthMode;
use crate::config::{AccessToken, Config};

pub mod access_jwt;
pub mod access_keys;

/// An authenticated caller; orders are recorded under its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    /// Served without a token (`AUTH_MODE=none`): told apart from others only by its address.
    pub anonymous: bool,
}

impl Caller {
    /// A caller that proved who it is (a token, an Access identity).
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), anonymous: false }
    }
}

/// The name under which callers without a token (`AUTH_MODE=none`) are served.
pub const ANONYMOUS: &str = "anonymous";

/// The key a caller's requests and purchases are counted under: its name, or for callers without a
/// token (the demo) the address they come from, so one visitor cannot use up the share of all.
pub fn rate_key(caller: &Caller, client_ip: Option<&str>) -> String {
    match client_ip.filter(|_| caller.anonymous).and_then(address_key) {
        Some(address) => address,
        None => format!("caller:{}", caller.name),
    }
}

/// An address as the rate limits count it: IPv4 whole, IPv6 by its /64 (what one subscriber gets, so
/// stepping through its addresses does not buy more requests).
pub fn address_key(ip: &str) -> Option<String> {
    let ip = ip.trim();
    if let Ok(v4) = ip.parse::<std::net::Ipv4Addr>() {
        return Some(format!("ip:{v4}"));
    }
    let v6 = ip.parse::<std::net::Ipv6Addr>().ok()?;
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(format!("ip:{v4}"));
    }
    let [a, b, c, d, ..] = v6.segments();
    Some(format!("ip:{a:x}:{b:x}:{c:x}:{d:x}::/64"))
}

/// Compares without leaking, through timing, how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

/// Whether a host name is this machine (`wrangler dev`).
pub fn is_loopback_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1") || host.starts_with("127.")
}

/// `AUTH_MODE=none`: anyone, but only where no money is at stake or on this machine.
pub fn without_token(config: &Config, host: &str) -> Result<Caller, ApiError> {
    if config.is_demo() || is_loopback_host(host) {
        Ok(Caller { name: ANONYMOUS.to_owned(), anonymous: true })
    } else {
        Err(ApiError::Forbidden {
            reason: "AUTH_MODE=none is only allowed with PROVIDER=demo or on loopback; set AUTH_MODE=token".to_owned(),
        })
    }
}

/// `AUTH_MODE=token`: the caller whose token the `Authorization` header carries.
pub fn by_token(tokens: &[AccessToken], authorization: Option<&str>) -> Result<Caller, ApiError> {
    let presented = authorization
        .and_then(|h| h.trim().strip_prefix("Bearer ").or_else(|| h.trim().strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    tokens
        .iter()
        .find(|t| same(t.token.expose().as_bytes(), presented.as_bytes()))
        .map(|t| Caller::named(t.name.clone()))
        .ok_or(ApiError::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::read(
            |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
            |k| match k {
                "OXGEL_API_KEY" => Some("OXGL-1".into()),
                "ACCESS_TOKENS" => Some("alice:secret-a,bob:secret-b".into()),
                _ => None,
            },
        )
        .expect("config")
    }

    #[test]
    fn tokens() {
        let AuthMode::Token(tokens) = config(&[]).auth else { panic!("token mode") };
        assert_eq!(by_token(&tokens, Some("Bearer secret-b")).expect("bob").name, "bob");
        for bad in [None, Some("Bearer"), Some("Bearer secret-"), Some("Basic secret-a"), Some("Bearer secret-aa")] {
            assert_eq!(by_token(&tokens, bad), Err(ApiError::Unauthorized), "{bad:?}");
        }
    }

    #[test]
    fn none_only_for_demo_or_loopback() {
        let open = config(&[("AUTH_MODE", "none")]);
        assert!(without_token(&open, "127.0.0.1").is_ok());
        assert!(without_token(&open, "localhost").is_ok());
        assert!(matches!(without_token(&open, "proxy.example"), Err(ApiError::Forbidden { .. })));
        let demo = config(&[("AUTH_MODE", "none"), ("PROVIDER", "demo")]);
        assert!(without_token(&demo, "demo.example").is_ok());
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd") && !same(b"abc", b"ab") && !same(b"", b"a") && !same(b"a", b""));
    }

    #[test]
    fn requests_are_counted_per_token_or_per_address_without_one() {
        let alice = Caller::named("alice");
        let anonymous = Caller { name: ANONYMOUS.into(), anonymous: true };
        // A token that happens to be named "anonymous" is still one caller.
        assert_eq!(rate_key(&Caller::named(ANONYMOUS), Some("203.0.113.9")), "caller:anonymous");
        // IPv6 by its /64, however it is written.
        assert_eq!(rate_key(&anonymous, Some("2001:db8:1:2:aaaa::1")), "ip:2001:db8:1:2::/64");
        assert_eq!(rate_key(&anonymous, Some("2001:0db8:0001:0002:ffff:1:2:3")), "ip:2001:db8:1:2::/64");
        assert_ne!(rate_key(&anonymous, Some("2001:db8:1:3::1")), rate_key(&anonymous, Some("2001:db8:1:2::1")));
        assert_eq!(rate_key(&anonymous, Some("not an address")), "caller:anonymous");
        assert_eq!(rate_key(&anonymous, Some("::ffff:203.0.113.9")), "ip:203.0.113.9", "IPv4 written as IPv6");
        assert_eq!(
            rate_key(&alice, Some("203.0.113.9")),
            "caller:alice",
            "a token is one caller wherever it comes from"
        );
        assert_eq!(rate_key(&anonymous, Some("203.0.113.9")), "ip:203.0.113.9");
        assert_ne!(rate_key(&anonymous, Some("203.0.113.9")), rate_key(&anonymous, Some("198.51.100.7")));
        assert_eq!(rate_key(&anonymous, None), "caller:anonymous");
        assert_eq!(rate_key(&anonymous, Some(" ")), "caller:anonymous");
    }
}
