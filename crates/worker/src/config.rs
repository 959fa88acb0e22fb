//! Configuration: wrangler's `[vars]` and secrets, read into one typed struct once per isolate
//! ([`from_env`]), by the Worker and its objects alike.

use vnum_protocol::ApiError;
use vnum_protocol::dialect::{AgentOtp, AgentOtpSettings, Dialect, Oxgel, Rules, Telenumerus};
use vnum_protocol::http::Secret;
use vnum_protocol::order::OrderPolicy;

/// Which provider serves the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Oxgel,
    Telenumerus,
    AgentOtp,
    /// The simulated provider from `vnum-sim`, inside a Durable Object: no key, no money.
    Demo,
}

impl ProviderKind {
    /// The name used in `PROVIDER` and in `/health`.
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::Oxgel => "oxgel",
            ProviderKind::Telenumerus => "telenumerus",
            ProviderKind::AgentOtp => "agentotp",
            ProviderKind::Demo => "demo",
        }
    }

    /// The secret that holds this provider's key.
    pub fn key_secret(self) -> Option<&'static str> {
        match self {
            ProviderKind::Oxgel => Some("OXGEL_API_KEY"),
            ProviderKind::Telenumerus => Some("TELENUMERUS_API_KEY"),
            ProviderKind::AgentOtp => Some("AGENTOTP_API_KEY"),
            ProviderKind::Demo => None,
        }
    }

    fn default_base_url(self) -> Option<&'static str> {
        match self {
            ProviderKind::Oxgel => Some(vnum_protocol::dialect::oxgel::DEFAULT_BASE_URL),
            ProviderKind::AgentOtp => Some(vnum_protocol::dialect::agentotp::DEFAULT_BASE_URL),
            // Telenumerus publishes its paths, not its host: UPSTREAM_URL says where it is.
            ProviderKind::Telenumerus | ProviderKind::Demo => None,
        }
    }
}

/// How callers prove who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// `Authorization: Bearer <token>`, tokens from the secret `ACCESS_TOKENS`.
    Token(Vec<AccessToken>),
    /// Cloudflare Access in front of the Worker: its signed `Cf-Access-Jwt-Assertion` names the caller.
    Access(AccessSettings),
    /// No authentication: only with the demo provider, or on loopback during `wrangler dev`.
    None,
}

/// Where the Cloudflare Access tokens come from and whom they must be for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessSettings {
    /// `https://<team>.cloudflareaccess.com`: the tokens' `iss`.
    pub issuer: String,
    /// The Access application's audience tags (`ACCESS_AUD`, comma-separated): a token must be for one.
    pub audiences: Vec<String>,
    /// The team's signing keys (JWKS): `<issuer>/cdn-cgi/access/certs` unless `ACCESS_CERTS_URL` says.
    pub certs_url: String,
}

impl AccessSettings {
    fn read(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let set = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let team = set("ACCESS_TEAM_DOMAIN").ok_or_else(|| {
            not_configured("AUTH_MODE=access needs ACCESS_TEAM_DOMAIN, e.g. myteam.cloudflareaccess.com")
        })?;
        let host = team.trim_start_matches("https://").trim_end_matches('/').to_ascii_lowercase();
        let host_name = |h: &str| h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if host.is_empty() || !host_name(&host) {
            return Err(not_configured("ACCESS_TEAM_DOMAIN must be a host name such as myteam.cloudflareaccess.com"));
        }
        let issuer = format!("https://{host}");
        let audiences: Vec<String> = entries(&set("ACCESS_AUD").unwrap_or_default()).map(str::to_owned).collect();
        if audiences.is_empty() {
            return Err(not_configured("AUTH_MODE=access needs ACCESS_AUD, the Access application's audience tag"));
        }
        let certs_url = set("ACCESS_CERTS_URL").unwrap_or_else(|| format!("{issuer}/cdn-cgi/access/certs"));
        // The keys decide who may spend: only over TLS, or from this machine while developing.
        let (tls, rest) = match (certs_url.strip_prefix("https://"), certs_url.strip_prefix("http://")) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => return Err(not_configured("ACCESS_CERTS_URL must be an https:// URL")),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (name, port) = authority.rsplit_once(':').unwrap_or((authority, ""));
        let valid = !name.is_empty() && host_name(name) && port.bytes().all(|b| b.is_ascii_digit());
        if !valid || !(tls || matches!(name, "127.0.0.1" | "localhost")) {
            return Err(not_configured(
                "ACCESS_CERTS_URL must be an https:// URL (http only to 127.0.0.1 or localhost)",
            ));
        }
        Ok(Self { issuer, audiences, certs_url })
    }
}

/// One accepted bearer token and the name its orders are recorded under.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub name: String,
    pub token: Secret,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Where the provider is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A provider over HTTPS (or the local simulator over HTTP), with its key.
    Http { base_url: String, api_key: Secret },
    /// The demo provider's Durable Object.
    Demo,
}

/// Everything the Worker is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    pub provider: ProviderKind,
    pub endpoint: Endpoint,
    pub auth: AuthMode,
    /// Origins allowed to call from a browser (`*` allows any); empty means same-origin only.
    pub allowed_origins: Vec<String>,
    /// The most one number may cost, whatever the caller asks.
    pub max_price: Option<f64>,
    pub upstream_timeout_ms: u64,
    /// The most all numbers may cost in one UTC day.
    pub daily_spend_limit: Option<f64>,
    /// How often an open order's status is polled upstream (`POLL_INTERVAL_SECONDS`), when set;
    /// otherwise the provider's own interval.
    pub poll_interval_seconds: Option<u64>,
    /// Cancelling is refused this long after purchase (`CANCEL_AFTER_SECONDS`), when set; otherwise the
    /// provider's own window (OxgelAPI: 2 minutes; the others: none).
    pub cancel_after_seconds: Option<u64>,
    /// Requests per minute to the provider for the whole deployment (`UPSTREAM_REQUESTS_PER_MINUTE`),
    /// when set (`0`: none); otherwise the provider's documented limit.
    pub upstream_requests_per_minute: Option<u32>,
    /// What Agent OTP does not publish: its services, countries, price, and the account token.
    pub agentotp: AgentOtpSettings,
    /// The provider's rules with this deployment's overrides, worked out once ([`Config::rules`]).
    rules: Rules,
    /// The most purchases one caller may make in any 60 s (`BUYS_PER_MINUTE`, default
    /// [`DEFAULT_BUYS_PER_MINUTE`]); `None` (`0`) sets no such limit.
    pub buys_per_minute: Option<u32>,
}

/// Purchases per caller per minute unless `BUYS_PER_MINUTE` says otherwise.
pub const DEFAULT_BUYS_PER_MINUTE: u32 = 10;

/// Upstream requests give up after this long unless `UPSTREAM_TIMEOUT_SECONDS` says otherwise.
pub const DEFAULT_UPSTREAM_TIMEOUT_MS: u64 = 10_000;

fn not_configured(reason: impl Into<String>) -> ApiError {
    ApiError::NotConfigured { reason: reason.into() }
}

fn number<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<Option<T>, ApiError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => {
            text.parse().map(Some).map_err(|_| not_configured(format!("{name} must be a number, not {text:?}")))
        }
    }
}

impl Config {
    /// Reads the configuration; `var` looks up a variable, `secret` a secret (both `None` when unset).
    pub fn read(
        var: impl Fn(&str) -> Option<String>,
        secret: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ApiError> {
        let provider = match var("PROVIDER").as_deref().map(str::trim).unwrap_or("oxgel") {
            "oxgel" | "" => ProviderKind::Oxgel,
            "telenumerus" => ProviderKind::Telenumerus,
            "agentotp" => ProviderKind::AgentOtp,
            "demo" => ProviderKind::Demo,
            other => {
                return Err(not_configured(format!(
                    "PROVIDER must be oxgel, telenumerus, agentotp or demo, not {other:?}"
                )));
            }
        };
        let endpoint = match provider.key_secret() {
            None => Endpoint::Demo,
            Some(key_name) => {
                let api_key = secret(key_name).filter(|k| !k.trim().is_empty()).ok_or_else(|| {
                    not_configured(format!(
                        "the secret {key_name} is not set (wrangler secret put {key_name}), or use PROVIDER=demo"
                    ))
                })?;
                let base_url = var("UPSTREAM_URL")
                    .filter(|u| !u.trim().is_empty())
                    .or_else(|| provider.default_base_url().map(str::to_owned))
                    .ok_or_else(|| {
                        not_configured(format!("UPSTREAM_URL is required for PROVIDER={}", provider.name()))
                    })?;
                if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
                    return Err(not_configured("UPSTREAM_URL must start with https:// or http://"));
                }
                Endpoint::Http {
                    base_url: base_url.trim().trim_end_matches('/').to_owned(),
                    api_key: Secret::new(api_key.trim()),
                }
            }
        };
        let auth = match var("AUTH_MODE").as_deref().map(str::trim).unwrap_or("token") {
            "token" | "" => {
                let tokens = parse_tokens(&secret("ACCESS_TOKENS").unwrap_or_default());
                if tokens.is_empty() {
                    return Err(not_configured(
                        "AUTH_MODE=token needs the secret ACCESS_TOKENS (comma-separated tokens, optionally name:token)",
                    ));
                }
                AuthMode::Token(tokens)
            }
            "access" => AuthMode::Access(AccessSettings::read(&var)?),
            "none" => AuthMode::None,
            other => {
                return Err(not_configured(format!("AUTH_MODE must be token, access or none, not {other:?}")));
            }
        };
        let allowed_origins: Vec<String> = entries(&var("ALLOWED_ORIGINS").unwrap_or_default())
            .map(|o| o.trim_end_matches('/'))
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        // Access signs in with a cookie, which a browser sends whichever page asks: any origin could act.
        if matches!(auth, AuthMode::Access(_)) && allowed_origins.iter().any(|o| o == "*") {
            return Err(not_configured("ALLOWED_ORIGINS=* cannot go with AUTH_MODE=access: list the app's origins"));
        }
        let positive = |name: &str| -> Result<Option<f64>, ApiError> {
            match number::<f64>(name, var(name))? {
                Some(v) if !(v.is_finite() && v > 0.0) => Err(not_configured(format!("{name} must be above 0"))),
                other => Ok(other),
            }
        };
        let agentotp = agentotp_settings(&var, &secret)?;
        let buys_per_minute =
            number::<u32>("BUYS_PER_MINUTE", var("BUYS_PER_MINUTE"))?.unwrap_or(DEFAULT_BUYS_PER_MINUTE);
        let mut config = Self {
            rules: vnum_protocol::dialect::Oxgel::new(Secret::new("")).rules(),
            buys_per_minute: (buys_per_minute > 0).then_some(buys_per_minute),
            daily_spend_limit: positive("DAILY_SPEND_LIMIT")?,
            poll_interval_seconds: number::<u64>("POLL_INTERVAL_SECONDS", var("POLL_INTERVAL_SECONDS"))?
                .map(|s| s.max(1)),
            cancel_after_seconds: number("CANCEL_AFTER_SECONDS", var("CANCEL_AFTER_SECONDS"))?,
            upstream_requests_per_minute: number("UPSTREAM_REQUESTS_PER_MINUTE", var("UPSTREAM_REQUESTS_PER_MINUTE"))?,
            agentotp,
            provider,
            endpoint,
            auth,
            allowed_origins,
            max_price: positive("MAX_PRICE")?,
            upstream_timeout_ms: number::<f64>("UPSTREAM_TIMEOUT_SECONDS", var("UPSTREAM_TIMEOUT_SECONDS"))?
                .map_or(DEFAULT_UPSTREAM_TIMEOUT_MS, |s| (s * 1000.0).clamp(100.0, 60_000.0) as u64),
        };
        let mut rules = config.dialect().rules();
        if let Some(limit) = config.upstream_requests_per_minute {
            rules.requests_per_minute = (limit > 0).then_some(limit);
        }
        config.rules = rules;
        Ok(config)
    }

    /// The configured provider's dialect, with its key.
    pub fn dialect(&self) -> Box<dyn Dialect> {
        let key = match &self.endpoint {
            Endpoint::Http { api_key, .. } => api_key.clone(),
            Endpoint::Demo => Secret::new(vnum_sim::DEFAULT_KEY),
        };
        match self.provider {
            ProviderKind::Oxgel | ProviderKind::Demo => Box::new(Oxgel::new(key)),
            ProviderKind::Telenumerus => Box::new(Telenumerus::new(key)),
            ProviderKind::AgentOtp => Box::new(AgentOtp::new(key, self.agentotp.clone())),
        }
    }

    /// The provider's rules, with this deployment's overrides.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// The timing rules of orders under this configuration: the provider's, unless set otherwise.
    pub fn order_policy(&self) -> OrderPolicy {
        let rules = self.rules();
        OrderPolicy {
            cancel_after_seconds: self.cancel_after_seconds.unwrap_or(rules.cancel_after_seconds),
            poll_interval_seconds: self.poll_interval_seconds.unwrap_or(rules.poll_interval_seconds),
            push: rules.push.is_some(),
            ..OrderPolicy::default()
        }
    }

    /// Whether the demo provider serves.
    pub fn is_demo(&self) -> bool {
        self.provider == ProviderKind::Demo
    }
}

thread_local! {
    static CACHED: std::cell::RefCell<Option<Result<std::rc::Rc<Config>, ApiError>>> = const { std::cell::RefCell::new(None) };
}

/// The configuration of this isolate, read from `env` once: variables and secrets are fixed for the
/// life of an isolate (a new deployment, or an edit under `wrangler dev`, starts new isolates).
pub fn from_env(env: &worker::Env) -> Result<std::rc::Rc<Config>, ApiError> {
    CACHED.with(|cached| {
        cached
            .borrow_mut()
            .get_or_insert_with(|| {
                Config::read(
                    |name| env.var(name).ok().map(|v| v.to_string()),
                    |name| env.secret(name).ok().map(|v| v.to_string()),
                )
                .map(std::rc::Rc::new)
            })
            .clone()
    })
}

/// `AGENTOTP_SERVICES`, `AGENTOTP_COUNTRIES`, `AGENTOTP_PRICE`, `AGENTOTP_CURRENCY` and the secret
/// `AGENTOTP_ACCOUNT_TOKEN` (read whatever the provider; used only by Agent OTP).
fn agentotp_settings(
    var: &impl Fn(&str) -> Option<String>,
    secret: &impl Fn(&str) -> Option<String>,
) -> Result<AgentOtpSettings, ApiError> {
    let set = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut settings = AgentOtpSettings::default();
    if let Some(text) = set("AGENTOTP_SERVICES") {
        settings.services = AgentOtpSettings::parse_services(&text)
            .map_err(|e| not_configured(format!("AGENTOTP_SERVICES: {e} (code:Name[:sender], comma-separated)")))?;
    }
    if let Some(text) = set("AGENTOTP_COUNTRIES") {
        settings.countries =
            AgentOtpSettings::parse_countries(&text).map_err(|e| not_configured(format!("AGENTOTP_COUNTRIES: {e}")))?;
    }
    settings.price = match number::<f64>("AGENTOTP_PRICE", set("AGENTOTP_PRICE"))? {
        Some(price) if !(price.is_finite() && price >= 0.0) => {
            return Err(not_configured("AGENTOTP_PRICE must be 0 or more"));
        }
        other => other,
    };
    if let Some(currency) = set("AGENTOTP_CURRENCY") {
        settings.currency = currency;
    }
    settings.account_token =
        secret("AGENTOTP_ACCOUNT_TOKEN").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).map(Secret::new);
    Ok(settings)
}

/// The trimmed, non-empty entries of a comma-separated value.
fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|entry| !entry.is_empty())
}

/// `ACCESS_TOKENS`: `tok1,tok2` or `alice:tok1,bob:tok2`. A token without a name is named by its position.
pub fn parse_tokens(text: &str) -> Vec<AccessToken> {
    entries(text)
        .enumerate()
        .filter_map(|(i, entry)| {
            let (name, token) = match entry.split_once(':') {
                Some((name, token)) => (name.trim().to_owned(), token.trim()),
                None => (format!("token-{}", i + 1), entry),
            };
            (!token.is_empty()).then(|| AccessToken { name, token: Secret::new(token) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)], secrets: &[(&str, &str)]) -> Result<Config, ApiError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let secrets: HashMap<String, String> = secrets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::read(|k| vars.get(k).cloned(), |k| secrets.get(k).cloned())
    }

    #[test]
    fn fails_closed_without_the_key_or_tokens() {
        let err = read(&[("AUTH_MODE", "none")], &[]).expect_err("no key");
        assert!(matches!(&err, ApiError::NotConfigured { reason } if reason.contains("OXGEL_API_KEY")), "{err}");
        let err = read(&[], &[("OXGEL_API_KEY", "OXGL-1")]).expect_err("token mode without tokens");
        assert!(err.to_string().contains("ACCESS_TOKENS"));
        assert!(read(&[("PROVIDER", "other")], &[]).is_err());
        assert!(read(&[("PROVIDER", "demo"), ("AUTH_MODE", "none"), ("MAX_PRICE", "-1")], &[]).is_err());
    }

    #[test]
    fn reads_a_production_setup() {
        let config = read(
            &[("ALLOWED_ORIGINS", "https://app.example, https://x.example/"), ("MAX_PRICE", "0.5")],
            &[("OXGEL_API_KEY", " OXGL-1 "), ("ACCESS_TOKENS", "alice:t1, t2")],
        )
        .expect("valid");
        assert_eq!(
            config.endpoint,
            Endpoint::Http { base_url: "https://oxgelapi.com/api/v1".into(), api_key: Secret::new("OXGL-1") }
        );
        assert_eq!(config.allowed_origins, ["https://app.example", "https://x.example"]);
        assert_eq!(config.max_price, Some(0.5));
        let AuthMode::Token(tokens) = config.auth else { panic!("token mode") };
        assert_eq!(tokens.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["alice", "token-2"]);
        assert_eq!(config.upstream_timeout_ms, 10_000);
        assert_eq!(config.buys_per_minute, Some(DEFAULT_BUYS_PER_MINUTE), "purchases are limited by default");
    }

    #[test]
    fn the_purchase_rate_is_set_or_turned_off() {
        let demo = [("PROVIDER", "demo"), ("AUTH_MODE", "none")];
        let with = |value| read(&[demo[0], demo[1], ("BUYS_PER_MINUTE", value)], &[]);
        assert_eq!(with("3").expect("3").buys_per_minute, Some(3));
        assert_eq!(with("0").expect("0").buys_per_minute, None, "0 turns the limit off");
        for bad in ["-1", "ten", "2.5"] {
            let err = with(bad).expect_err(bad);
            assert!(err.to_string().contains("BUYS_PER_MINUTE"), "{err}");
        }
    }

    #[test]
    fn access_mode_needs_the_team_and_the_audience() {
        let key = [("OXGEL_API_KEY", "OXGL-1")];
        let config = read(
            &[
                ("AUTH_MODE", "access"),
                ("ACCESS_TEAM_DOMAIN", "https://team.cloudflareaccess.com/"),
                ("ACCESS_AUD", "a1, a2"),
            ],
            &key,
        )
        .expect("access");
        let AuthMode::Access(settings) = config.auth else { panic!("access mode") };
        assert_eq!(settings.issuer, "https://team.cloudflareaccess.com");
        assert_eq!(settings.audiences, ["a1", "a2"]);
        assert_eq!(settings.certs_url, "https://team.cloudflareaccess.com/cdn-cgi/access/certs");
        let local = read(
            &[
                ("AUTH_MODE", "access"),
                ("ACCESS_TEAM_DOMAIN", "Team.CloudflareAccess.com"),
                ("ACCESS_AUD", "a1"),
                ("ACCESS_CERTS_URL", "http://127.0.0.1:8787/cdn-cgi/access/certs"),
            ],
            &key,
        )
        .expect("keys from this machine");
        let AuthMode::Access(local) = local.auth else { panic!("access mode") };
        assert_eq!(local.issuer, "https://team.cloudflareaccess.com", "the issuer is compared in lower case");
        for (vars, needle) in [
            (vec![("AUTH_MODE", "access"), ("ACCESS_AUD", "a1")], "ACCESS_TEAM_DOMAIN"),
            (vec![("AUTH_MODE", "access"), ("ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com")], "ACCESS_AUD"),
            (
                vec![
                    ("AUTH_MODE", "access"),
                    ("ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com"),
                    ("ACCESS_AUD", "a1"),
                    ("ACCESS_CERTS_URL", "http://keys.example/certs"),
                ],
                "https",
            ),
            (
                vec![
                    ("AUTH_MODE", "access"),
                    ("ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com"),
                    ("ACCESS_AUD", "a1"),
                    ("ACCESS_CERTS_URL", "http://localhost:1@evil.example/certs"),
                ],
                "https",
            ),
            (
                vec![
                    ("AUTH_MODE", "access"),
                    ("ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com@evil.example"),
                    ("ACCESS_AUD", "a1"),
                ],
                "host name",
            ),
            (
                vec![
                    ("AUTH_MODE", "access"),
                    ("ACCESS_TEAM_DOMAIN", "team.cloudflareaccess.com"),
                    ("ACCESS_AUD", "a1"),
                    ("ALLOWED_ORIGINS", "*"),
                ],
                "ALLOWED_ORIGINS",
            ),
        ] {
            let err = read(&vars, &key).expect_err(needle);
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn each_provider_has_its_own_rules_unless_set_otherwise() {
        let tokens = [("ACCESS_TOKENS", "t1")];
        let oxgel = read(&[], &[("OXGEL_API_KEY", "k"), tokens[0]]).expect("oxgel");
        assert_eq!((oxgel.order_policy().cancel_after_seconds, oxgel.order_policy().poll_interval_seconds), (120, 4));
        let telenumerus = read(
            &[("PROVIDER", "telenumerus"), ("UPSTREAM_URL", "https://t.example/api/v1")],
            &[("TELENUMERUS_API_KEY", "k"), tokens[0]],
        )
        .expect("telenumerus");
        let policy = telenumerus.order_policy();
        assert_eq!((policy.cancel_after_seconds, policy.poll_interval_seconds, policy.push), (0, 5, true));
        assert_eq!((telenumerus.rules().requests_per_minute, telenumerus.rules().open_orders), (Some(120), Some(1)));
        assert!(read(&[("PROVIDER", "telenumerus")], &[("TELENUMERUS_API_KEY", "k"), tokens[0]]).is_err(), "no host");
        let agentotp = read(
            &[
                ("PROVIDER", "agentotp"),
                ("AGENTOTP_SERVICES", "any:Any service,google:Google:GOOGLE"),
                ("AGENTOTP_PRICE", "0.4"),
                ("UPSTREAM_REQUESTS_PER_MINUTE", "30"),
                ("CANCEL_AFTER_SECONDS", "10"),
            ],
            &[("AGENTOTP_API_KEY", "ak_1"), ("AGENTOTP_ACCOUNT_TOKEN", "tok"), tokens[0]],
        )
        .expect("agentotp");
        assert!(matches!(&agentotp.endpoint, Endpoint::Http { base_url, .. } if base_url.contains("agent-otp")));
        assert_eq!(agentotp.agentotp.services[1].sender.as_deref(), Some("GOOGLE"));
        assert_eq!((agentotp.agentotp.price, agentotp.agentotp.countries.len()), (Some(0.4), 2));
        assert_eq!(agentotp.rules().requests_per_minute, Some(30));
        assert_eq!(agentotp.order_policy().cancel_after_seconds, 10);
        for (name, bad) in [("AGENTOTP_PRICE", "-1"), ("AGENTOTP_COUNTRIES", "187"), ("AGENTOTP_SERVICES", "A B")] {
            let err = read(&[("PROVIDER", "agentotp"), (name, bad)], &[("AGENTOTP_API_KEY", "k"), tokens[0]])
                .expect_err(name);
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn demo_needs_no_key() {
        let config = read(&[("PROVIDER", "demo"), ("AUTH_MODE", "none")], &[]).expect("demo");
        assert_eq!(config.endpoint, Endpoint::Demo);
        assert!(config.is_demo());
    }
}
