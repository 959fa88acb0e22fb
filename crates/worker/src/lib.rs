//! The vnum edge proxy: a Cloudflare Worker serving the v1 contract (the OxgelAPI dialect minus the key).
//!
//! The provider key lives only here (`OXGEL_API_KEY` and friends, from `env.secret`). Every request is
//! checked in this order, and the provider hears of it only when all pass: origin (CORS is not
//! authentication), route and method, configuration, caller, then every field. Upstream answers are
//! parsed into the protocol's types and written out again, so no upstream header or body passes through.

mod account_object;
mod auth;
mod body;
mod clock;
mod config;
mod cors;
mod demo;
mod inbound;
mod memo;
mod meter;
mod objects;
mod openapi;
mod order_object;
mod provider;
mod spend_ledger;

use serde::Serialize;
use vnum_protocol::ApiError;
use vnum_protocol::api::Health;
use vnum_protocol::contract::{self, Route, RouteSpec};
use vnum_protocol::http::{UrlParts, parse_query};
use worker::js_sys::futures::JsFuture;
use worker::wasm_bindgen::JsCast;
use worker::web_sys::{self, Request};
use worker::{Cache, Context, Env, Headers, Response, Result, event};

pub use account_object::AccountObject;
pub use demo::DemoProvider;
pub use meter::UpstreamMeter;
pub use order_object::OrderObject;
pub use spend_ledger::SpendLedger;

use crate::config::{AuthMode, Config, Endpoint};
use crate::cors::OriginCheck;
use crate::objects::{AccountCommand, OrderAction, OrderCommand};
use crate::provider::ProviderClient;

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
// The runtime's own Request, not the worker crate's: that wrapper reads `cf` and the path up front on
// every request, which this Worker does not use.
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
    // The URL is split, not parsed: a full parser would bring its Unicode tables into the wasm.
    let raw_url = req.url();
    let Some(url) = UrlParts::split(&raw_url) else {
        return respond(Answer::error(&ApiError::invalid("url", "is not absolute")), None, None);
    };
    let config = config::from_env(&env);
    let config = config.as_deref();
    let origin = req.headers().get("Origin").ok().flatten();
    let origin_check =
        cors::check(origin.as_deref(), url.origin, config.map(|c| c.allowed_origins.as_slice()).unwrap_or_default());
    let outgoing = match &origin_check {
        Err(refused) => Answer::error(refused).into(),
        Ok(check) => match handle(&req, &url, &env, config, check).await {
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
            worker::IntoResponse::into_raw(stream.with_headers(headers)).map_err(|e| {
                let error: Box<dyn std::error::Error> = e.into();
                worker::Error::RustError(error.to_string())
            })
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

/// The answer as the runtime's own Response, built in one step.
fn respond(answer: Answer, origin: Option<&OriginCheck>, config: Option<&Config>) -> Result<web_sys::Response> {
    let headers = common_headers(origin, config)?;
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", answer.cache_control)?;
    for (name, value) in &answer.extra {
        headers.set(name, value)?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(answer.status);
    init.set_headers(&headers.0);
    let response = if answer.status == 204 {
        web_sys::Response::new_with_opt_str_and_init(None, &init)
    } else {
        let mut body = answer.body;
        web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut body), &init)
    };
    response.map_err(worker::Error::from)
}

/// Everything a handler may use: the request as checked so far, and for guarded routes the caller.
struct Ctx<'a> {
    req: &'a Request,
    url: &'a UrlParts<'a>,
    env: &'a Env,
    config: std::result::Result<&'a Config, &'a ApiError>,
    spec: &'static RouteSpec,
    query: inbound::Query,
    /// Who asks, once authenticated and within its request rate (routes the contract guards).
    caller: Option<Guarded>,
    body: Vec<u8>,
}

/// A caller that passed the guard.
struct Guarded {
    /// The name orders are recorded under.
    owner: String,
    /// Whom per-caller limits count against (the caller, or without a token its address).
    rate_key: String,
}

impl Ctx<'_> {
    fn config(&self) -> std::result::Result<&Config, ApiError> {
        self.config.map_err(Clone::clone)
    }

    fn caller(&self) -> std::result::Result<&Guarded, ApiError> {
        self.caller.as_ref().ok_or(ApiError::Unauthorized)
    }

    fn header(&self, name: &str) -> Option<String> {
        self.req.headers().get(name).ok().flatten()
    }

    fn provider(&self) -> std::result::Result<ProviderClient<'_>, ApiError> {
        Ok(ProviderClient::new(self.config()?, self.env))
    }
}

async fn handle(
    req: &Request,
    url: &UrlParts<'_>,
    env: &Env,
    config: std::result::Result<&Config, &ApiError>,
    origin: &OriginCheck,
) -> std::result::Result<Outgoing, ApiError> {
    let method = req.method();
    if method == "OPTIONS" {
        return preflight(url, origin).map(Outgoing::from);
    }
    let spec = contract::resolve(&method, url.path)?;
    let query = inbound::Query::check(spec, parse_query(url.query))?;
    // The contract says which routes are guarded: configuration, caller, its request rate, the body.
    let (caller, body) = if spec.authenticated {
        let config = config.map_err(Clone::clone)?;
        let caller = guard(req, url, env, config).await?;
        inbound::check_declared_length(req.headers().get("Content-Length").ok().flatten().as_deref())?;
        let body = if spec.method == vnum_protocol::http::Method::Post { read_body(req).await? } else { Vec::new() };
        (Some(caller), body)
    } else {
        (None, Vec::new())
    };
    let ctx = Ctx { req, url, env, config, spec, query, caller, body };
    match spec.route {
        Route::Health => health(&ctx),
        Route::OpenApi => openapi(&ctx),
        Route::Balance => balance(&ctx).await,
        Route::Services | Route::Countries | Route::Prices => catalogue(&ctx).await,
        Route::Buy => buy(&ctx).await,
        Route::Orders => orders(&ctx).await,
        Route::Status => order_command(&ctx, OrderCommand::Status).await,
        Route::Cancel => order_command(&ctx, OrderCommand::Act { action: OrderAction::Cancel }).await,
        Route::Finish => order_command(&ctx, OrderCommand::Act { action: OrderAction::Finish }).await,
        Route::Another => order_command(&ctx, OrderCommand::Act { action: OrderAction::Another }).await,
        Route::Wait => {
            let seconds = order_object::wait_seconds(ctx.query.get("timeout"))?;
            order_command(&ctx, OrderCommand::Wait { seconds }).await
        }
        Route::Stream => stream(&ctx).await,
    }
}

/// `OPTIONS`: the methods a path allows, and for an allowed origin the CORS preflight answer.
fn preflight(url: &UrlParts<'_>, origin: &OriginCheck) -> std::result::Result<Answer, ApiError> {
    let allow = contract::allowed_methods(url.path)
        .ok_or_else(|| ApiError::UnknownRoute { path: url.path.chars().take(64).collect() })?;
    let mut answer = Answer { status: 204, body: Vec::new(), cache_control: "no-store", extra: Vec::new() };
    if matches!(origin, OriginCheck::Allowed(_)) {
        answer.extra = cors::preflight_headers(&allow);
    }
    answer.extra.push(("Allow", allow));
    Ok(answer)
}

/// Authenticates the caller and counts the request against its share of `CALLER_LIMITER`.
async fn guard(
    req: &Request,
    url: &UrlParts<'_>,
    env: &Env,
    config: &Config,
) -> std::result::Result<Guarded, ApiError> {
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
    Ok(Guarded { owner: caller.name, rate_key })
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

fn health(ctx: &Ctx<'_>) -> std::result::Result<Outgoing, ApiError> {
    let config = ctx.config.ok();
    Answer::json(&Health {
        ok: config.is_some(),
        provider: config.map(|c| c.provider.name()).unwrap_or("unconfigured").to_owned(),
        demo: config.is_some_and(Config::is_demo),
        version: VERSION.to_owned(),
        max_price: config.and_then(|c| c.max_price),
    })
    .map(Outgoing::from)
}

fn openapi(ctx: &Ctx<'_>) -> std::result::Result<Outgoing, ApiError> {
    let server = format!("{}{}", ctx.url.origin, vnum_protocol::api::API_PREFIX);
    let mut answer = Answer::json(&openapi::document(&server, VERSION))?;
    answer.cache_control = "public, max-age=300";
    Ok(answer.into())
}

async fn balance(ctx: &Ctx<'_>) -> std::result::Result<Outgoing, ApiError> {
    Answer::json(&ctx.provider()?.balance().await?).map(Outgoing::from)
}

/// A purchase, made by the caller's account object (which keeps `Idempotency-Key` and the limits).
async fn buy(ctx: &Ctx<'_>) -> std::result::Result<Outgoing, ApiError> {
    let caller = ctx.caller()?;
    let request = inbound::buy_request(ctx.header("Content-Type").as_deref(), &ctx.body)?;
    let key = inbound::idempotency_key(ctx.header("Idempotency-Key").as_deref())?;
    let buy = AccountCommand::Buy {
        request,
        idempotency_key: key.map(|k| k.as_str().to_owned()),
        rate_key: caller.rate_key.clone(),
    };
    let account = objects::account(ctx.env, &caller.owner)?;
    Ok(relay(objects::send(&account, &caller.owner, &buy).await?).into())
}

async fn orders(ctx: &Ctx<'_>) -> std::result::Result<Outgoing, ApiError> {
    let caller = ctx.caller()?;
    let account = objects::account(ctx.env, &caller.owner)?;
    Ok(relay(objects::send(&account, &caller.owner, &AccountCommand::Orders).await?).into())
}

/// Status, cancel, finish, another and wait: answered by the order's object, for its owner only.
async fn order_command(ctx: &Ctx<'_>, command: OrderCommand) -> std::result::Result<Outgoing, ApiError> {
    let caller = ctx.caller()?;
    inbound::no_body(&ctx.body)?;
    let order = objects::order(ctx.env, ctx.query.order_id()?.as_str())?;
    Ok(relay(objects::send(&order, &caller.owner, &command).await?).into())
}

/// The order's Server-Sent Events, relayed as they come.
async fn stream(ctx: &Ctx<'_>) -> std::result::Result<Outgoing, ApiError> {
    let caller = ctx.caller()?;
    inbound::no_body(&ctx.body)?;
    let order = objects::order(ctx.env, ctx.query.order_id()?.as_str())?;
    let last_event_id = ctx.header("Last-Event-ID").and_then(|l| l.trim().parse().ok());
    let response = objects::send_unread(&order, &caller.owner, &OrderCommand::Stream { last_event_id }).await?;
    if response.status_code() == 200 {
        return Ok(Outgoing::Stream(response));
    }
    Ok(relay(objects::read(response).await?).into())
}

/// The request body in one piece (`arrayBuffer()`).
async fn read_body(req: &Request) -> std::result::Result<Vec<u8>, ApiError> {
    let body = body::bytes(req.array_buffer()).await.map_err(|_| ApiError::invalid("body", "could not be read"))?;
    if body.len() > inbound::MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit_bytes: inbound::MAX_BODY_BYTES });
    }
    Ok(body)
}

/// Services, countries and prices: the same for every caller, so kept in the edge cache.
async fn catalogue(ctx: &Ctx<'_>) -> std::result::Result<Outgoing, ApiError> {
    let (spec, query, url) = (ctx.spec, &ctx.query, ctx.url);
    let proxy = ctx.provider()?;
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
    let now_ms = clock::now().as_millis();
    let answer = |body| Ok(Answer { status: 200, body, cache_control: cache_control(ttl), extra: Vec::new() }.into());
    if let Some(body) = MEMO.with_borrow_mut(|memo| memo.get(&key, now_ms)) {
        return answer(body);
    }
    if let Some(body) = cached(&key).await {
        MEMO.with_borrow_mut(|memo| memo.put(&key, &body, now_ms, ttl));
        return answer(body);
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
        let _ = Cache::default().put(key.as_str(), stored.with_headers(headers)).await;
    }
    MEMO.with_borrow_mut(|memo| memo.put(&key, &body, now_ms, ttl));
    answer(body)
}

thread_local! {
    /// This isolate's catalogue answers (services, countries, a few price lists).
    static MEMO: std::cell::RefCell<memo::Memo> = const { std::cell::RefCell::new(memo::Memo::new(32)) };
}

/// A cached answer's body, read from the runtime's own cache in one piece (`arrayBuffer()`).
async fn cached(key: &str) -> Option<Vec<u8>> {
    use worker::worker_sys::ext::CacheStorageExt;
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let found = JsFuture::from(global.caches().ok()?.default().match_with_str(key)).await.ok()?;
    if found.is_undefined() {
        return None;
    }
    let response: web_sys::Response = found.dyn_into().ok()?;
    body::bytes(response.array_buffer()).await.ok()
}

/// Passes an object's answer on.
fn relay(reply: objects::Reply) -> Answer {
    let extra = reply.retry_after.map(|r| vec![("Retry-After", r)]).unwrap_or_default();
    Answer { status: reply.status, body: reply.body, cache_control: "no-store", extra }
}

fn cache_control(ttl: u32) -> &'static str {
    if ttl >= CATALOGUE_TTL_SECONDS { "private, max-age=3600" } else { "private, max-age=10" }
}
