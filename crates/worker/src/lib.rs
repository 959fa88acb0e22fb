//! The vnum edge proxy: a Cloudflare Worker serving the v1 contract (the OxgelAPI dialect minus the key).
//!
//! The provider key lives only here (`OXGEL_API_KEY` and friends, from `env.secret`). Every request is
//! checked in this order, and the provider hears of it only when all pass: origin (CORS is not
//! authentication), route and method, configuration, caller, then every field. Upstream answers are
//! parsed into the protocol's types and written out again, so no upstream header or body passes through.

mod access;
mod config;
mod cors;
mod demo;
mod inbound;
mod openapi;
mod routes;
mod upstream;

use serde::Serialize;
use vnum_protocol::ApiError;
use vnum_protocol::api::{BuyRequest, Health};
use vnum_protocol::dialect::{AgentOtp, Dialect, Oxgel, Telenumerus};
use vnum_protocol::http::{HttpRequest, HttpResponse, Secret};
use worker::{Cache, Context, Date, Env, Headers, Request, Response, Result, Url, event};

pub use demo::DemoProvider;

use crate::config::{Config, Provider, Upstream};
use crate::cors::OriginCheck;
use crate::routes::{Route, RouteSpec};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long catalogue answers stay in the edge cache.
const CATALOGUE_TTL_SECONDS: u32 = 3600;
const PRICES_TTL_SECONDS: u32 = 10;

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
    let url = req.url()?;
    let config = Config::read(
        |name| env.var(name).ok().map(|v| v.to_string()),
        |name| env.secret(name).ok().map(|v| v.to_string()),
    );
    let origin = req.headers().get("Origin")?;
    let origin_check = cors::check(
        origin.as_deref(),
        &url.origin().ascii_serialization(),
        config.as_ref().map(|c| c.allowed_origins.as_slice()).unwrap_or_default(),
    );
    let answer = match &origin_check {
        Err(refused) => Answer::error(refused),
        Ok(check) => match handle(&mut req, &url, &env, config.as_ref(), check).await {
            Ok(answer) => answer,
            Err(error) => Answer::error(&error),
        },
    };
    respond(answer, origin_check.as_ref().ok(), config.as_ref().ok())
}

fn respond(answer: Answer, origin: Option<&OriginCheck>, config: Option<&Config>) -> Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", answer.cache_control)?;
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
    url: &Url,
    env: &Env,
    config: std::result::Result<&Config, &ApiError>,
    origin: &OriginCheck,
) -> std::result::Result<Answer, ApiError> {
    let method = req.method().to_string();
    if method == "OPTIONS" {
        let allow =
            routes::allowed_methods(url.path()).ok_or_else(|| ApiError::not_found(format!("route {}", url.path())))?;
        let mut answer = Answer { status: 204, body: Vec::new(), cache_control: "no-store", extra: Vec::new() };
        if matches!(origin, OriginCheck::Allowed(_)) {
            answer.extra = cors::preflight_headers(&allow);
        }
        answer.extra.push(("Allow", allow));
        return Ok(answer);
    }
    let spec = routes::resolve(&method, url.path())?;
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let query = inbound::Query::check(spec, pairs)?;

    match spec.route {
        Route::Health => {
            return Answer::json(&Health {
                ok: config.is_ok(),
                provider: config.map(|c| c.provider.name()).unwrap_or("unconfigured").to_owned(),
                demo: config.is_ok_and(Config::is_demo),
                version: VERSION.to_owned(),
            });
        }
        Route::OpenApi => {
            let server = format!("{}{}", url.origin().ascii_serialization(), vnum_protocol::api::API_PREFIX);
            let mut answer = Answer::json(&openapi::document(&server, VERSION))?;
            answer.cache_control = "public, max-age=300";
            return Ok(answer);
        }
        _ => {}
    }

    let config = config.map_err(Clone::clone)?;
    let authorization = req.headers().get("Authorization").ok().flatten();
    access::authorize(config, authorization.as_deref(), url.host_str().unwrap_or_default())?;
    inbound::check_declared_length(req.headers().get("Content-Length").ok().flatten().as_deref())?;
    let body = if spec.method == vnum_protocol::http::Method::Post { read_body(req).await? } else { Vec::new() };

    let proxy = Proxy { config, env, dialect: dialect(config) };
    match spec.route {
        Route::Health | Route::OpenApi => Err(ApiError::Internal { reason: "handled above".to_owned() }),
        Route::Balance => proxy.balance().await,
        Route::Services => proxy.catalogue(spec, &query, url).await,
        Route::Countries => proxy.catalogue(spec, &query, url).await,
        Route::Prices => proxy.catalogue(spec, &query, url).await,
        Route::Buy => {
            let content_type = req.headers().get("Content-Type").ok().flatten();
            let request = inbound::buy_request(content_type.as_deref(), &body)?;
            let key = inbound::idempotency_key(req.headers().get("Idempotency-Key").ok().flatten().as_deref())?;
            proxy.buy(&request, key.as_ref()).await
        }
        Route::Status | Route::Cancel | Route::Finish | Route::Another => {
            inbound::no_body(&body)?;
            proxy.order_action(spec.route, &query).await
        }
    }
}

async fn read_body(req: &mut Request) -> std::result::Result<Vec<u8>, ApiError> {
    let body = req.bytes().await.map_err(|_| ApiError::invalid("body", "could not be read"))?;
    if body.len() > inbound::MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit_bytes: inbound::MAX_BODY_BYTES });
    }
    Ok(body)
}

fn dialect(config: &Config) -> Box<dyn Dialect> {
    let key = match &config.upstream {
        Upstream::Http { api_key, .. } => api_key.clone(),
        Upstream::Demo => Secret::new(vnum_sim::DEFAULT_KEY),
    };
    match config.provider {
        Provider::Oxgel | Provider::Demo => Box::new(Oxgel::new(key)),
        Provider::Telenumerus => Box::new(Telenumerus::new(key)),
        Provider::AgentOtp => Box::new(AgentOtp::new(key)),
    }
}

/// The handlers: each builds the provider request, sends it, and answers with the parsed result.
struct Proxy<'a> {
    config: &'a Config,
    env: &'a Env,
    dialect: Box<dyn Dialect>,
}

impl Proxy<'_> {
    async fn send(
        &self,
        request: std::result::Result<HttpRequest, ApiError>,
    ) -> std::result::Result<HttpResponse, ApiError> {
        upstream::send(self.config, self.env, &request?).await
    }

    async fn balance(&self) -> std::result::Result<Answer, ApiError> {
        let response = self.send(self.dialect.balance()).await?;
        Answer::json(&self.dialect.parse_balance(&response)?)
    }

    /// Services, countries and prices: the same for every caller, so kept in the edge cache.
    async fn catalogue(
        &self,
        spec: &RouteSpec,
        query: &inbound::Query,
        url: &Url,
    ) -> std::result::Result<Answer, ApiError> {
        let ttl = if spec.route == Route::Prices { PRICES_TTL_SECONDS } else { CATALOGUE_TTL_SECONDS };
        let upstream_id = match &self.config.upstream {
            Upstream::Http { base_url, .. } => base_url.as_str(),
            Upstream::Demo => "demo",
        };
        let key = format!(
            "https://vnum-cache.internal/{}{}?{}&upstream={}",
            self.config.provider.name(),
            spec.path,
            url.query().unwrap_or_default(),
            vnum_protocol::http::encode_component(upstream_id)
        );
        let cache = Cache::default();
        if let Ok(Some(mut hit)) = cache.get(key.as_str(), false).await
            && let Ok(body) = hit.bytes().await
        {
            return Ok(Answer { status: 200, body, cache_control: cache_control(ttl), extra: Vec::new() });
        }
        let body = match spec.route {
            Route::Services => {
                let response = self.send(self.dialect.services()).await?;
                serde_json::to_vec(&self.dialect.parse_services(&response)?)
            }
            Route::Countries => {
                let response = self.send(self.dialect.countries()).await?;
                serde_json::to_vec(&self.dialect.parse_countries(&response)?)
            }
            _ => {
                let (service, country) = query.service_and_country()?;
                let response = self.send(self.dialect.prices(service.as_ref(), country.as_ref())).await?;
                serde_json::to_vec(&self.dialect.parse_prices(&response)?)
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

    async fn buy(
        &self,
        request: &BuyRequest,
        key: Option<&vnum_protocol::validate::IdempotencyKey>,
    ) -> std::result::Result<Answer, ApiError> {
        self.check_price(request).await?;
        let response = self.send(self.dialect.buy(request, key)).await?;
        let bought = self.dialect.parse_buy(&response, vnum_protocol::Timestamp(Date::now().as_millis()))?;
        Answer::json(&bought)
    }

    /// The wallet guard before a purchase: the price against `MAX_PRICE` and the caller's `max_price`,
    /// and the stock, from a fresh price list. Providers without a price list skip this check.
    async fn check_price(&self, request: &BuyRequest) -> std::result::Result<(), ApiError> {
        let limit = match (self.config.max_price, request.max_price.map(|m| m.value())) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let price_request = match self.dialect.prices(Some(&request.service), Some(&request.country)) {
            Err(ApiError::NotSupported { .. }) => return Ok(()),
            other => other,
        };
        let response = self.send(price_request).await?;
        let prices = self.dialect.parse_prices(&response)?;
        let entry = prices
            .iter()
            .find(|p| p.service == request.service.as_str() && p.country == request.country.as_str())
            .or(prices.first())
            .ok_or(ApiError::NoNumbers)?;
        if entry.stock == 0 {
            return Err(ApiError::NoNumbers);
        }
        if let Some(limit) = limit
            && entry.price > limit
        {
            return Err(ApiError::PriceAboveLimit { price: entry.price, limit });
        }
        Ok(())
    }

    async fn order_action(&self, route: Route, query: &inbound::Query) -> std::result::Result<Answer, ApiError> {
        let id = query.order_id()?;
        let d = &self.dialect;
        match route {
            Route::Status => Answer::json(&d.parse_status(&self.send(d.status(&id)).await?)?),
            Route::Cancel => Answer::json(&d.parse_cancel(&self.send(d.cancel(&id)).await?)?),
            Route::Finish => Answer::json(&d.parse_finish(&self.send(d.finish(&id)).await?)?),
            _ => Answer::json(&d.parse_another(&self.send(d.another(&id)).await?)?),
        }
    }
}

fn cache_control(ttl: u32) -> &'static str {
    if ttl >= CATALOGUE_TTL_SECONDS { "private, max-age=3600" } else { "private, max-age=10" }
}
