//! The Cloudflare Access team's signing keys (JWKS), fetched and kept per isolate, and the check of a
//! token's RS256 signature with the runtime's WebCrypto (`crypto.subtle`).

use std::cell::RefCell;
use std::time::Duration;

use futures_util::future::{Either, select};
use js_sys::futures::JsFuture;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use vnum_protocol::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use worker::{AbortController, Delay, Fetch, Request};

use crate::auth::Caller;
use crate::auth::access_jwt::{self, Token};
use crate::config::AccessSettings;

/// Keys are fetched again after this long (Access rotates its key every 6 weeks and keeps the old
/// one valid for 7 days).
const KEYS_TTL_MS: u64 = 3600 * 1000;
/// When the certs endpoint cannot be reached, keys this old still serve.
const KEYS_STALE_MS: u64 = 7 * 24 * 3600 * 1000;
/// Fetches (after an unknown key id, or a failure) are at least this far apart: made-up ids cannot
/// turn into a flood of requests to Access, nor an outage into one fetch per request.
const REFETCH_MIN_MS: u64 = 60 * 1000;
/// How long a fetch of the keys may take.
const FETCH_TIMEOUT_MS: u64 = 5_000;

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<Jwk>,
}

/// An RSA public key as the team's JWKS lists it, with what WebCrypto needs to import it. (Fields
/// default to empty so that a key of another kind in the set does not spoil the others.)
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Jwk {
    kty: String,
    kid: String,
    n: String,
    e: String,
}

/// The team's RSA keys from a JWKS document.
pub fn read_keys(body: &[u8]) -> Option<Vec<Jwk>> {
    let set: KeySet = serde_json::from_slice(body).ok()?;
    Some(
        set.keys
            .into_iter()
            .filter(|key| key.kty == "RSA" && !key.kid.is_empty() && !key.n.is_empty() && !key.e.is_empty())
            .collect(),
    )
}

/// What is known of one certs URL's keys.
#[derive(Debug, Default)]
pub struct KeyCache {
    url: String,
    keys: Vec<Jwk>,
    /// When `keys` were fetched (0: never).
    fetched_at: u64,
    /// When a fetch was last tried, successful or not.
    tried_at: Option<u64>,
}

/// What to do for a key id.
#[derive(Debug, PartialEq)]
pub enum Lookup {
    /// Known and fresh.
    Use(Jwk),
    /// Fetch the keys, then look again.
    Fetch,
    /// Fetching is not due; this key (if any) is what there is.
    Settle(Option<Jwk>),
}

impl KeyCache {
    fn key(&self, kid: &str, now: u64, max_age: u64) -> Option<Jwk> {
        (now.saturating_sub(self.fetched_at) < max_age).then(|| self.keys.iter().find(|k| k.kid == kid).cloned())?
    }

    /// What to do for `kid` from `url` at `now`.
    pub fn lookup(&self, url: &str, kid: &str, now: u64) -> Lookup {
        if self.url != url {
            return Lookup::Fetch;
        }
        if let Some(key) = self.key(kid, now, KEYS_TTL_MS) {
            return Lookup::Use(key);
        }
        match self.tried_at {
            Some(tried) if now.saturating_sub(tried) < REFETCH_MIN_MS => {
                Lookup::Settle(self.key(kid, now, KEYS_STALE_MS))
            }
            _ => Lookup::Fetch,
        }
    }

    /// Records a fetch tried at `now`: its keys, or `None` when it failed (the old keys stay).
    pub fn record(&mut self, url: &str, now: u64, keys: Option<Vec<Jwk>>) {
        if self.url != url {
            *self = Self { url: url.to_owned(), ..Self::default() };
        }
        self.tried_at = Some(now);
        if let Some(keys) = keys {
            self.keys = keys;
            self.fetched_at = now;
        }
    }

    /// After a fetch: the key, possibly stale when the fetch failed.
    pub fn after_fetch(&self, kid: &str, now: u64) -> Option<Jwk> {
        self.key(kid, now, KEYS_STALE_MS)
    }
}

/// At most this many keys stay imported into WebCrypto (Access serves the current and the previous one).
const MAX_IMPORTED: usize = 4;

thread_local! {
    static KEYS: RefCell<KeyCache> = RefCell::new(KeyCache::default());
    /// Keys imported into WebCrypto, with the JWK each came from: imported once, not per request.
    static IMPORTED: RefCell<Vec<(Jwk, JsValue)>> = const { RefCell::new(Vec::new()) };
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The JWKS document at `url`, or why not.
async fn fetch_keys(url: &str) -> Result<Vec<Jwk>, String> {
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        // A Request from the string: no URL parser in the module for this one fetch.
        let request = Request::new(url, worker::Method::Get).map_err(|e| e.to_string())?;
        let mut response = Fetch::Request(request).send_with_signal(&signal).await.map_err(|e| e.to_string())?;
        if response.status_code() != 200 {
            return Err(format!("HTTP {}", response.status_code()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        read_keys(&body).ok_or_else(|| "not a JWKS document".to_owned())
    };
    match select(Box::pin(exchange), Box::pin(Delay::from(Duration::from_millis(FETCH_TIMEOUT_MS)))).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            controller.abort();
            Err(format!("no answer within {FETCH_TIMEOUT_MS} ms"))
        }
    }
}

/// The JWK of key `kid`, fetching the team's keys when they are due.
async fn key(settings: &AccessSettings, kid: &str) -> Result<Jwk, ApiError> {
    let url = settings.certs_url.as_str();
    let lookup = KEYS.with(|cache| cache.borrow().lookup(url, kid, now_ms()));
    match lookup {
        Lookup::Use(key) => Ok(key),
        Lookup::Settle(key) => key.ok_or(ApiError::Unauthorized),
        Lookup::Fetch => {
            let fetched = fetch_keys(url).await;
            let failure = fetched.as_ref().err().cloned();
            if let Some(reason) = &failure {
                worker::console_error!("Cloudflare Access keys from {url}: {reason}");
            }
            let now = now_ms();
            let key = KEYS.with(|cache| {
                let mut cache = cache.borrow_mut();
                cache.record(url, now, fetched.ok());
                cache.after_fetch(kid, now)
            });
            match (key, failure) {
                (Some(key), _) => Ok(key),
                // No key to check with at all: the Worker cannot tell who calls.
                (None, Some(reason)) => Err(ApiError::NotConfigured {
                    reason: format!("the Cloudflare Access signing keys could not be read: {reason}"),
                }),
                (None, None) => Err(ApiError::Unauthorized),
            }
        }
    }
}

/// `crypto.subtle.<method>(...args)`, awaited.
async fn subtle(method: &str, args: &Array) -> Result<JsValue, JsValue> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into())?;
    let subtle = Reflect::get(&crypto, &"subtle".into())?;
    let function: Function = Reflect::get(&subtle, &method.into())?.unchecked_into();
    let promise: Promise = function.apply(&subtle, args)?.unchecked_into();
    JsFuture::from(promise).await
}

/// `jwk` as a WebCrypto key for RS256 verification.
async fn crypto_key(jwk: &Jwk) -> Result<JsValue, JsValue> {
    let known = IMPORTED.with(|imported| imported.borrow().iter().find(|(k, _)| k == jwk).map(|(_, key)| key.clone()));
    if let Some(key) = known {
        return Ok(key);
    }
    let algorithm = Object::new();
    for (name, value) in [("name", "RSASSA-PKCS1-v1_5"), ("hash", "SHA-256")] {
        Reflect::set(&algorithm, &name.into(), &value.into())?;
    }
    let json = js_sys::JSON::parse(&serde_json::to_string(jwk).unwrap_or_default())?;
    let import = Array::of5(&"jwk".into(), &json, &algorithm, &JsValue::FALSE, &Array::of1(&"verify".into()));
    let key = subtle("importKey", &import).await?;
    IMPORTED.with(|imported| {
        let mut imported = imported.borrow_mut();
        if imported.len() >= MAX_IMPORTED {
            imported.remove(0);
        }
        imported.push((jwk.clone(), key.clone()));
    });
    Ok(key)
}

/// Whether `signature` over `data` is RS256 by the RSA public key `jwk`.
async fn rs256(jwk: &Jwk, data: &[u8], signature: &[u8]) -> Result<bool, JsValue> {
    let key = crypto_key(jwk).await?;
    let verify = Array::of4(
        &"RSASSA-PKCS1-v1_5".into(),
        &key,
        &Uint8Array::from(signature).into(),
        &Uint8Array::from(data).into(),
    );
    Ok(subtle("verify", &verify).await?.as_bool() == Some(true))
}

/// The caller a request's Access token names, once its signature, issuer, audience and time check out.
pub async fn authorize(settings: &AccessSettings, assertion: Option<&str>) -> Result<Caller, ApiError> {
    let token: Token = access_jwt::parse(assertion.ok_or(ApiError::Unauthorized)?)?;
    let caller = access_jwt::check(&token.claims, settings, now_ms() / 1000)?;
    let jwk = key(settings, &token.kid).await?;
    match rs256(&jwk, token.signing_input.as_bytes(), &token.signature).await {
        Ok(true) => Ok(caller),
        Ok(false) => Err(ApiError::Unauthorized),
        // A key or signature WebCrypto will not take is a token that does not check out.
        Err(error) => {
            worker::console_error!("WebCrypto refused key {}: {error:?}", token.kid);
            Err(ApiError::Unauthorized)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://team.cloudflareaccess.com/cdn-cgi/access/certs";

    fn rsa(kid: &str) -> Jwk {
        Jwk { kty: "RSA".into(), kid: kid.into(), n: "n".into(), e: "AQAB".into() }
    }

    #[test]
    fn reads_the_rsa_keys_of_a_key_set() {
        let body = br#"{"keys":[{"kty":"EC","kid":"ec","crv":"P-256","x":"a","y":"b"},{"kty":"RSA","kid":"k1","n":"n","e":"AQAB","alg":"RS256"}],"public_cert":{}}"#;
        assert_eq!(read_keys(body), Some(vec![rsa("k1")]));
        assert_eq!(read_keys(b"<html>"), None);
    }

    #[test]
    fn keys_are_fetched_when_due_and_kept_through_an_outage() {
        let mut cache = KeyCache::default();
        assert_eq!(cache.lookup(URL, "k1", 0), Lookup::Fetch, "nothing known yet");
        cache.record(URL, 1_000, Some(vec![rsa("k1")]));
        assert_eq!(cache.lookup(URL, "k1", 2_000), Lookup::Use(rsa("k1")));
        // An unknown id fetches again, but not more than once a minute.
        assert_eq!(cache.lookup(URL, "k2", 2_000), Lookup::Settle(None));
        assert_eq!(cache.lookup(URL, "k2", 1_000 + REFETCH_MIN_MS), Lookup::Fetch);
        // A rotation brings the new key.
        cache.record(URL, 70_000, Some(vec![rsa("k1"), rsa("k2")]));
        assert_eq!(cache.lookup(URL, "k2", 70_001), Lookup::Use(rsa("k2")));
        // After an hour the keys are fetched again; if that fails, they still serve (stale)...
        let later = 70_000 + KEYS_TTL_MS;
        assert_eq!(cache.lookup(URL, "k1", later), Lookup::Fetch);
        cache.record(URL, later, None);
        assert_eq!(cache.after_fetch("k1", later), Some(rsa("k1")));
        // ...and the failed fetch is not tried again at once.
        assert_eq!(cache.lookup(URL, "k1", later + 1), Lookup::Settle(Some(rsa("k1"))));
        // A week without a successful fetch: no key is trusted any more.
        assert_eq!(cache.after_fetch("k1", 70_000 + KEYS_STALE_MS), None);
        // Another URL (a new configuration) starts afresh.
        assert_eq!(cache.lookup("https://other.example/certs", "k1", later + 1), Lookup::Fetch);
        cache.record("https://other.example/certs", later + 2, None);
        assert_eq!(cache.after_fetch("k1", later + 2), None);
    }
}
