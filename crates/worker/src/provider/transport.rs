//! Sends the protocol's request descriptions to the provider (or to the demo provider's Durable
//! Object), with a timeout, and brings back status, the headers the protocol reads, and the body.
//! Nothing of the upstream's answer reaches the caller directly: handlers re-serialise parsed types.

use std::time::Duration;

use futures_util::future::{Either, select};
use vnum_protocol::ApiError;
use vnum_protocol::http::{HttpRequest, HttpResponse};
use worker::js_sys::futures::JsFuture;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{Delay, Env, js_sys, web_sys};

use crate::body;
use crate::config::{Config, Endpoint};

/// The demo provider answers on this made-up origin inside the Durable Object.
const DEMO_ORIGIN: &str = "https://demo-provider.internal/api/v1";

/// Headers of the upstream answer that the protocol reads; all others are dropped.
const KEPT_HEADERS: [&str; 2] = ["content-type", "retry-after"];

/// A refused, reset or dropped connection, or an unreadable answer: the provider is unavailable.
fn unavailable(_: JsValue) -> ApiError {
    ApiError::UpstreamUnavailable { status: None, retry_after_seconds: None }
}

/// The runtime's request settings for `request`: method, headers, body.
fn init(request: &HttpRequest) -> Result<web_sys::RequestInit, ApiError> {
    let headers = web_sys::Headers::new().map_err(unavailable)?;
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(|_| ApiError::Internal { reason: format!("upstream header {name}") })?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&body.as_str().into());
    }
    Ok(init)
}

/// The runtime's own response: its status, the kept headers, and the body in one piece.
async fn read(response: &web_sys::Response) -> Result<HttpResponse, JsValue> {
    let all = response.headers();
    let headers =
        KEPT_HEADERS.iter().filter_map(|name| all.get(name).ok().flatten().map(|v| ((*name).to_owned(), v))).collect();
    let body = body::bytes(response.array_buffer()).await?;
    Ok(HttpResponse { status: response.status(), headers, body })
}

/// `fetch()` of the runtime itself, without the worker crate's request and response wrappers. The
/// runtime's own `AbortSignal.timeout` bounds the whole exchange, body included.
async fn fetch(request: &HttpRequest, url: &str, timeout_ms: u64) -> Result<HttpResponse, ApiError> {
    // A timeout aborts with TimeoutError.
    let failed = |error: JsValue| fetch_failed(error, timeout_ms);
    let init = init(request)?;
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(timeout_ms.min(u64::from(u32::MAX)) as u32)));
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let answer = JsFuture::from(global.fetch_with_str_and_init(url, &init)).await.map_err(failed)?;
    let response: web_sys::Response = answer.dyn_into().map_err(failed)?;
    read(&response).await.map_err(failed)
}

/// Holds a long-poll at most `seconds` (and the usual timeout beyond it), and brings its answer.
pub async fn hold(config: &Config, request: &HttpRequest, seconds: u64) -> Result<HttpResponse, ApiError> {
    let Endpoint::Http { base_url, .. } = &config.endpoint else {
        return Err(ApiError::NotSupported { provider: "demo".to_owned(), operation: "pushing codes".to_owned() });
    };
    fetch(request, &request.url(base_url), seconds.saturating_mul(1000).saturating_add(config.upstream_timeout_ms))
        .await
}

/// What an event stream brought.
pub enum Streamed<T> {
    /// An event that `found` was waiting for.
    Found(T),
    /// The stream ended (or its time ran out) with nothing found.
    Ended,
    /// The provider refused the stream: its answer, to read as an error.
    Refused(HttpResponse),
}

/// Reads the provider's Server-Sent Events for at most `seconds`, handing each event's `data` to
/// `found` until it has what it waits for; the stream is then let go.
pub async fn stream<T>(
    config: &Config,
    request: &HttpRequest,
    seconds: u64,
    mut found: impl FnMut(&str) -> Option<T>,
) -> Result<Streamed<T>, ApiError> {
    let Endpoint::Http { base_url, .. } = &config.endpoint else {
        return Err(ApiError::NotSupported { provider: "demo".to_owned(), operation: "pushing codes".to_owned() });
    };
    let init = init(request)?;
    let window_ms = seconds.saturating_mul(1000).min(u64::from(u32::MAX)) as u32;
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(window_ms)));
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let answer = JsFuture::from(global.fetch_with_str_and_init(&request.url(base_url), &init))
        .await
        .map_err(|e| fetch_failed(e, u64::from(window_ms)))?;
    let response: web_sys::Response = answer.dyn_into().map_err(unavailable)?;
    if !(200..300).contains(&response.status()) {
        return read(&response).await.map(Streamed::Refused).map_err(unavailable);
    }
    let Some(body) = response.body() else { return Ok(Streamed::Ended) };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut events = vnum_protocol::sse::SseReader::new();
    loop {
        // The time running out aborts the read: the stream ended with nothing found.
        let Ok(chunk) = JsFuture::from(reader.read()).await else { return Ok(Streamed::Ended) };
        let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true);
        if done {
            return Ok(Streamed::Ended);
        }
        let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) else { continue };
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        for event in events.feed(&bytes) {
            if let Some(hit) = found(&event.data) {
                let _ = reader.cancel();
                return Ok(Streamed::Found(hit));
            }
        }
    }
}

/// What a failed `fetch()` means: a timeout, or an unreachable provider.
fn fetch_failed(error: JsValue, timeout_ms: u64) -> ApiError {
    let name = js_sys::Reflect::get(&error, &"name".into()).ok().and_then(|n| n.as_string());
    if name.as_deref() == Some("TimeoutError") {
        ApiError::UpstreamTimeout { timeout_seconds: timeout_ms.div_ceil(1000) }
    } else {
        unavailable(error)
    }
}

/// Sends one request upstream and waits at most `config.upstream_timeout_ms` for the whole answer.
pub async fn send(config: &Config, env: &Env, request: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let timeout_ms = config.upstream_timeout_ms;
    match &config.endpoint {
        Endpoint::Http { base_url, .. } => fetch(request, &request.url(base_url), timeout_ms).await,
        Endpoint::Demo => demo(env, request, timeout_ms).await,
    }
}

/// The demo provider's object, with the same timeout.
async fn demo(env: &Env, request: &HttpRequest, timeout_ms: u64) -> Result<HttpResponse, ApiError> {
    let exchange = async {
        let outgoing = web_sys::Request::new_with_str_and_init(&request.url(DEMO_ORIGIN), &init(request)?)
            .map_err(|_| ApiError::Internal { reason: "demo provider request".to_owned() })?;
        let response = crate::objects::demo(env)?
            .fetch_with_request(outgoing.into())
            .await
            .map_err(|_| ApiError::UpstreamUnavailable { status: None, retry_after_seconds: None })?;
        let response = worker::IntoResponse::into_raw(response)
            .map_err(|_| ApiError::Internal { reason: "demo provider answer".to_owned() })?;
        read(&response).await.map_err(unavailable)
    };
    let timer = Delay::from(Duration::from_millis(timeout_ms));
    match select(Box::pin(exchange), Box::pin(timer)).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => Err(ApiError::UpstreamTimeout { timeout_seconds: timeout_ms.div_ceil(1000) }),
    }
}
