//! The Cloudflare Access team's signing keys (JWKS), fetched and kept per isolate, and the check of a
//! token's RS256 signature with the runtime's WebCrypto (`crypto.subtle`).

use std::cell::RefCell;

use js_sys::futures::JsFuture;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use vnum_protocol::ApiError;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Fetch, Request};

use crate::access::Caller;
use crate::access_jwt::{self, Token};
use crate::config::AccessSettings;

/// Keys are fetched again after this long (Access rotates its key every 6 weeks and keeps the old
/// one valid for 7 days).
const KEYS_TTL_MS: u64 = 3600 * 1000;
/// An unknown key id fetches the keys again, at most this often: made-up ids cannot turn into a
/// flood of requests to Access.
const REFETCH_MIN_MS: u64 = 60 * 1000;

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<Jwk>,
}

/// An RSA public key as the team's JWKS lists it, with what WebCrypto needs to import it. (Fields
/// default to empty so that a key of another kind in the set does not spoil the others.)
#[derive(Deserialize, Serialize)]
#[serde(default)]
#[derive(Default)]
struct Jwk {
    kty: String,
    kid: String,
    n: String,
    e: String,
}

struct Cached {
    url: String,
    fetched_at: u64,
    /// Each key's id and its JWK as JSON.
    keys: Vec<(String, String)>,
}

thread_local! {
    static KEYS: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn unavailable(what: impl std::fmt::Display) -> ApiError {
    ApiError::NotConfigured { reason: format!("the Cloudflare Access signing keys could not be read: {what}") }
}

async fn fetch_keys(url: &str) -> Result<Vec<(String, String)>, ApiError> {
    // A Request from the string: no URL parser in the module for this one fetch.
    let request = Request::new(url, worker::Method::Get).map_err(unavailable)?;
    let mut response = Fetch::Request(request).send().await.map_err(unavailable)?;
    if response.status_code() != 200 {
        return Err(unavailable(format!("HTTP {}", response.status_code())));
    }
    let set: KeySet = response.json().await.map_err(unavailable)?;
    Ok(set
        .keys
        .into_iter()
        .filter(|key| key.kty == "RSA" && !key.kid.is_empty() && !key.n.is_empty() && !key.e.is_empty())
        .filter_map(|key| Some((key.kid.clone(), serde_json::to_string(&key).ok()?)))
        .collect())
}

fn cached_key(url: &str, kid: &str) -> (Option<String>, bool) {
    KEYS.with(|keys| match keys.borrow().as_ref() {
        Some(cached) if cached.url == url => {
            let age = now_ms().saturating_sub(cached.fetched_at);
            let key =
                (age < KEYS_TTL_MS).then(|| cached.keys.iter().find(|(id, _)| id == kid).map(|(_, jwk)| jwk.clone()));
            (key.flatten(), age >= REFETCH_MIN_MS)
        }
        _ => (None, true),
    })
}

/// The JWK of key `kid`, fetching the key set when it is not known (yet).
async fn key(settings: &AccessSettings, kid: &str) -> Result<String, ApiError> {
    let (found, may_fetch) = cached_key(&settings.certs_url, kid);
    if let Some(jwk) = found {
        return Ok(jwk);
    }
    if !may_fetch {
        return Err(ApiError::Unauthorized);
    }
    let keys = fetch_keys(&settings.certs_url).await?;
    let found = keys.iter().find(|(id, _)| id == kid).map(|(_, jwk)| jwk.clone());
    KEYS.with(|cached| {
        *cached.borrow_mut() = Some(Cached { url: settings.certs_url.clone(), fetched_at: now_ms(), keys });
    });
    found.ok_or(ApiError::Unauthorized)
}

fn js_error(what: &str) -> impl Fn(JsValue) -> ApiError + '_ {
    move |e| ApiError::Internal { reason: format!("WebCrypto {what}: {}", e.as_string().unwrap_or_default()) }
}

/// `crypto.subtle.<method>(...args)`, awaited.
async fn subtle(method: &str, args: &Array) -> Result<JsValue, ApiError> {
    let global = js_sys::global();
    let crypto = Reflect::get(&global, &"crypto".into()).map_err(js_error("crypto"))?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(js_error("subtle"))?;
    let function: Function = Reflect::get(&subtle, &method.into()).map_err(js_error(method))?.unchecked_into();
    let promise: Promise = function.apply(&subtle, args).map_err(js_error(method))?.unchecked_into();
    JsFuture::from(promise).await.map_err(js_error(method))
}

/// Whether `signature` over `data` is RS256 by the RSA public key `jwk` (JSON).
async fn rs256(jwk: &str, data: &[u8], signature: &[u8]) -> Result<bool, ApiError> {
    let jwk = js_sys::JSON::parse(jwk).map_err(js_error("key"))?;
    let algorithm = Object::new();
    for (name, value) in [("name", "RSASSA-PKCS1-v1_5"), ("hash", "SHA-256")] {
        Reflect::set(&algorithm, &name.into(), &value.into()).map_err(js_error("algorithm"))?;
    }
    let import = Array::of5(&"jwk".into(), &jwk, &algorithm, &JsValue::FALSE, &Array::of1(&"verify".into()));
    let key = subtle("importKey", &import).await?;
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
    if !rs256(&jwk, token.signing_input.as_bytes(), &token.signature).await? {
        return Err(ApiError::Unauthorized);
    }
    Ok(caller)
}
