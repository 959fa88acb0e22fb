//! The vnum edge proxy: a Cloudflare Worker serving the v1 contract (the OxgelAPI dialect minus the key).
//!
//! The provider key lives only here (`OXGEL_API_KEY` and friends, from `env.secret`). Every request is
//! checked in this order, and the provider hears of it only when all pass: origin (CORS is not
//! authentication), route and method, configuration, caller, then every field. Upstream answers are
//! parsed into the protocol's types and written out again, so no upstream header or body passes through.

mod account_object;
mod auth;
mod clock;
mod config;
mod cors;
mod demo;
mod inbound;
mod objects;
mod openapi;
mod order_object;
mod provider;
mod routes;
mod spend_ledger;

use serde::Serialize;
use vnum_protocol::ApiError;
use vnum_protocol::api::Health;
use vnum_protocol::http::{UrlParts, parse_query};
use worker::{Cache, Context, Env, Headers, Request, Response, Result, event};

pub use account_object::AccountObject;
pub use demo::DemoProvider;
pub use order_object::OrderObject;
pub use spend_ledger::SpendLedger;

use crate::config::{AuthMode, Config, Endpoint};
use crate::cors::OriginCheck;
use crate::objects::{AccountCommand, OrderAction, OrderCommand};
use crate::provider::ProviderClient;
use crate::routes::{Route, RouteSpec};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long catalogue answers stay in the edge cache.
const CATALOGUE_TTL_SECONDS: u32 = 3600;
/// The Workers Rate Limiting binding that caps each caller's requests (`[[ratelimits]]` in
/// wrangler.toml); a deployment without it has no such cap.
const CALLER_LIMITER: &str = "CALLER_LIMITER";
/// The period of that binding in wrangler.toml: how long a refused caller is told to wait.
const CALLER_LIMIT_PERIOD_SECONDS: u64 = 10;
const PRICES_TTL_SECONDS: u32 = 10;

/// What a route answers: a JSON answer, or an event stream relayed as it comes.
enum Outgoing {
    Answer(Answer),
    Stream(Response),
}

impl From<Answer> for Outgoing {
    fn from(answer: Answer) -> Self {
        Outgoing::Answer(answer)
    }
}

/// An answer before the common headers are added.
struct Answer {
    status: u16,
    body: Vec<u8>,
    /// `Cache-Control` for the caller.
    cache_control: &'static str,
    extra: Vec<(&'static str, String)>,
}

impl Answer {
    fn json<T: Serialize>(value: &T) -> std::result::Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(|e| ApiError::Internal { reason: e.to_string() })?;
        Ok(Self { status: 200, body, cache_control: "no-store", extra: Vec::new() })
    }

    fn error(error: &ApiError) -> Self {
        let body = serde_json::to_vec(&error.to_body()).unwrap_or_default();
        let mut extra = Vec::new();
        if let Some(seconds) = error.retry_after_seconds() {
            extra.push(("Retry-After", seconds.to_string()));
        }
        Self { status: error.http_status(), body, cache_control: "no-store", extra }
    }
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // The URL is split, not parsed: a full parser would bring its Unicode tables into the wasm.
    let raw_url = req.inner().url();
    let Some(url) = UrlParts::split(&raw_url) else {
        return respond(Answer::error(&ApiError::invalid("url", "is not absolute")), None, None);
    };
    let config = config::from_env(&env);
    let config = config.as_deref();
    let origin = req.headers().get("Origin")?;
    let origin_check =
        cors::check(origin.as_deref(), url.origin, config.map(|c| c.allowed_origins.as_slice()).unwrap_or_default());
    let outgoing = match &origin_check {
        Err(refused) => Answer::error(refused).into(),
        Ok(check) => match handle(&mut req, &url, &env, config, check).await {
            Ok(outgoing) => outgoing,
            Err(error) => Answer::error(&error).into(),
        },
    };
    match outgoing {
        Outgoing::Answer(answer) => respond(answer, origin_check.as_ref().ok(), config.ok()),
        Outgoing::Stream(stream) => {
            let headers = common_headers(origin_check.as_ref().ok(), config.ok())?;
            headers.set("Content-Type", "text/event-stream; charset=utf-8")?;
            headers.set("Cache-Control", "no-store")?;
            Ok(stream.with_headers(headers))
        }
    }
}

/// Headers every answer carries.
fn common_headers(origin: Option<&OriginCheck>, config: Option<&Config>) -> Result<Headers> {
    let headers = Headers::new();
    headers.set("X-Content-Type-Options", "nosniff")?;
    if let Some(config) = config {
        headers.set("X-Vnum-Provider", config.provider.name())?;
        if config.is_demo() {
            headers.set("X-Vnum-Demo", "1")?;
        }
    }
    if let Some(origin) = origin {
        for (name, value) in cors::response_headers(origin) {
            headers.set(name, &value)?;
        }
    }
    Ok(headers)
}

fn respond(answer: Answer, origin: Option<&OriginCheck>, config: Option<&Config>) -> Result<Response> {
    let headers = common_headers(origin, config)?;
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", answer.cache_control)?;
    for (name, value) in &answer.extra {
        headers.set(name, value)?;
    }
    if answer.status == 204 {
        return Ok(Response::empty()?.with_status(204).with_headers(headers));
    }
    Ok(Response::from_bytes(answer.body)?.with_status(answer.status).with_headers(headers))
}

async fn handle(
    req: &mut Request,
    url: &UrlParts<'_>,
    env: &Env,
    config: std::result::Result<&Config, &ApiError>,
    origin: &OriginCheck,
) -> std::result::Result<Outgoing, ApiError> {
    let method = req.method().to_string();
    if method == "OPTIONS" {
        let allow =
            routes::allowed_methods(url.path).ok_or_else(|| ApiError::not_found(format!("route {}", url.path)))?;
        let mut answer = Answer { status: 204, body: Vec::new(), cache_control: "no-store", extra: Vec::new() };
        if matches!(origin, OriginCheck::Allowed(_)) {
            answer.extra = cors::preflight_headers(&allow);
        }
        answer.extra.push(("Allow", allow));
        return Ok(answer.into());
    }
    let spec = routes::resolve(&method, url.path)?;
    let pairs = parse_query(url.query);
    let query = inbound::Query::check(spec, pairs)?;

    match spec.route {
        Route::Health => {
            return Answer::json(&Health {
                ok: config.is_ok(),
                provider: config.map(|c| c.provider.name()).unwrap_or("unconfigured").to_owned(),
                demo: config.is_ok_and(Config::is_demo),
                version: VERSION.to_owned(),
                max_price: config.ok().and_then(|c| c.max_price),
            })
            .map(Outgoing::from);
        }
        Route::OpenApi => {
            let server = format!("{}{}", url.origin, vnum_protocol::api::API_PREFIX);
            let mut answer = Answer::json(&openapi::document(&server, VERSION))?;
            answer.cache_control = "public, max-age=300";
            return Ok(answer.into());
        }
        _ => {}
    }

    let config = config.map_err(Clone::clone)?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let ip = header("CF-Connecting-IP");
    let authorized = match &config.auth {
        AuthMode::None => auth::without_token(config, url.host),
        AuthMode::Token(tokens) => auth::by_token(tokens, header("Authorization").as_deref()),
        AuthMode::Access(settings) => {
            auth::access_keys::authorize(settings, header(auth::access_jwt::ASSERTION_HEADER).as_deref()).await
        }
    };
    let caller = match authorized {
        Ok(caller) => caller,
        // Refused credentials count against the address they come from: guessing is limited too.
        Err(ApiError::Unauthorized) => {
            if let Some(address) = ip.as_deref().and_then(auth::address_key) {
                limit_rate(env, address).await?;
            }
            return Err(ApiError::Unauthorized);
        }
        Err(error) => return Err(error),
    };
    let rate_key = auth::rate_key(&caller, ip.as_deref());
    limit_rate(env, rate_key.clone()).await?;
    inbound::check_declared_length(req.headers().get("Content-Length").ok().flatten().as_deref())?;
    let body = if spec.method == vnum_protocol::http::Method::Post { read_body(req).await? } else { Vec::new() };

    let proxy = ProviderClient::new(config, env);
    let owner = caller.name.as_str();
    route(req, url, env, &proxy, spec, &query, &body, owner, &rate_key).await
}

thread_local! {
    /// Whether the missing `CALLER_LIMITER` binding was logged (once per isolate).
    static LIMITER_MISSING_LOGGED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Counts a request against `key`'s share of `CALLER_LIMITER`. The binding counts per Cloudflare
/// location; it spares the provider's own rate limit (one key serves every caller) and the Worker.
/// Without the binding, or if it fails, the request goes on (logged): purchases keep their own limit.
async fn limit_rate(env: &Env, key: String) -> std::result::Result<(), ApiError> {
    let limiter = match env.rate_limiter(CALLER_LIMITER) {
        Ok(limiter) => limiter,
        Err(error) => {
            if !LIMITER_MISSING_LOGGED.replace(true) {
                worker::console_warn!("{CALLER_LIMITER} is not usable ({error}): requests are not capped per caller");
            }
            return Ok(());
        }
    };
    match limiter.limit(key).await {
        Ok(outcome) if !outcome.success => {
            Err(ApiError::RateLimited { retry_after_seconds: Some(CALLER_LIMIT_PERIOD_SECONDS) })
        }
        Ok(_) => Ok(()),
        Err(error) => {
            worker::console_error!("rate limiter: {error}");
            Ok(())
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn route(
    req: &Request,
    url: &UrlParts<'_>,
    env: &Env,
    proxy: &ProviderClient<'_>,
    spec: &RouteSpec,
    query: &inbound::Query,
    body: &[u8],
    owner: &str,
    rate_key: &str,
) -> std::result::Result<Outgoing, ApiError> {
    let answer = match spec.route {
        Route::Health | Route::OpenApi => Err(ApiError::Internal { reason: "handled above".to_owned() }),
        Route::Balance => Answer::json(&proxy.balance().await?),
        Route::Services | Route::Countries | Route::Prices => catalogue(proxy, spec, query, url).await,
        Route::Buy => {
            let content_type = req.headers().get("Content-Type").ok().flatten();
            let request = inbound::buy_request(content_type.as_deref(), body)?;
            let key = inbound::idempotency_key(req.headers().get("Idempotency-Key").ok().flatten().as_deref())?;
            let buy = AccountCommand::Buy {
                request,
                idempotency_key: key.map(|k| k.as_str().to_owned()),
                rate_key: rate_key.to_owned(),
            };
            Ok(relay(objects::send(&objects::account(env, owner)?, owner, &buy).await?))
        }
        Route::Orders => {
            Ok(relay(objects::send(&objects::account(env, owner)?, owner, &AccountCommand::Orders).await?))
        }
        Route::Status | Route::Cancel | Route::Finish | Route::Another | Route::Wait | Route::Stream => {
            inbound::no_body(body)?;
            let id = query.order_id()?;
            let order = objects::order(env, id.as_str())?;
            let command = match spec.route {
                Route::Status => OrderCommand::Status,
                Route::Cancel => OrderCommand::Act { action: OrderAction::Cancel },
                Route::Finish => OrderCommand::Act { action: OrderAction::Finish },
                Route::Another => OrderCommand::Act { action: OrderAction::Another },
                Route::Wait => OrderCommand::Wait { seconds: order_object::wait_seconds(query.get("timeout"))? },
                _ => {
                    let last = req.headers().get("Last-Event-ID").ok().flatten();
                    let command = OrderCommand::Stream { last_event_id: last.and_then(|l| l.trim().parse().ok()) };
                    let response = objects::send_unread(&order, owner, &command).await?;
                    if response.status_code() == 200 {
                        return Ok(Outgoing::Stream(response));
                    }
                    return Ok(relay(objects::read(response).await?).into());
                }
            };
            Ok(relay(objects::send(&order, owner, &command).await?))
        }
    };
    answer.map(Outgoing::from)
}

async fn read_body(req: &mut Request) -> std::result::Result<Vec<u8>, ApiError> {
    let body = req.bytes().await.map_err(|_| ApiError::invalid("body", "could not be read"))?;
    if body.len() > inbound::MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit_bytes: inbound::MAX_BODY_BYTES });
    }
    Ok(body)
}

/// Services, countries and prices: the same for every caller, so kept in the edge cache.
async fn catalogue(
    proxy: &ProviderClient<'_>,
    spec: &RouteSpec,
    query: &inbound::Query,
    url: &UrlParts<'_>,
) -> std::result::Result<Answer, ApiError> {
    let ttl = if spec.route == Route::Prices { PRICES_TTL_SECONDS } else { CATALOGUE_TTL_SECONDS };
    let upstream_id = match &proxy.config.endpoint {
        Endpoint::Http { base_url, .. } => base_url.as_str(),
        Endpoint::Demo => "demo",
    };
    let key = format!(
        "https://vnum-cache.internal/{}{}?{}&upstream={}",
        proxy.config.provider.name(),
        spec.path,
        url.query,
        vnum_protocol::http::encode_component(upstream_id)
    );
    let cache = Cache::default();
    if let Ok(Some(mut hit)) = cache.get(key.as_str(), false).await
        && let Ok(body) = hit.bytes().await
    {
        return Ok(Answer { status: 200, body, cache_control: cache_control(ttl), extra: Vec::new() });
    }
    let body = match spec.route {
        Route::Services => serde_json::to_vec(&proxy.services().await?),
        Route::Countries => serde_json::to_vec(&proxy.countries().await?),
        _ => {
            let (service, country) = query.service_and_country()?;
            serde_json::to_vec(&proxy.prices(service.as_ref(), country.as_ref()).await?)
        }
    }
    .map_err(|e| ApiError::Internal { reason: e.to_string() })?;
    if let Ok(stored) = Response::from_bytes(body.clone()) {
        let headers = Headers::new();
        let _ = headers.set("Cache-Control", &format!("public, max-age={ttl}"));
        let _ = cache.put(key.as_str(), stored.with_headers(headers)).await;
    }
    Ok(Answer { status: 200, body, cache_control: cache_control(ttl), extra: Vec::new() })
}

/// Passes an object's answer on.
fn relay(reply: objects::Reply) -> Answer {
    let extra = reply.retry_after.map(|r| vec![("Retry-After", r)]).unwrap_or_default();
    Answer { status: reply.status, body: reply.body, cache_control: "no-store", extra }
}

fn cache_control(ttl: u32) -> &'static str {
    if ttl >= CATALOGUE_TTL_SECONDS { "private, max-age=3600" } else { "private, max-age=10" }
}
