//! Sends the protocol's request descriptions to the provider (or to the demo provider's Durable
//! Object), with a timeout, and brings back status, the headers the protocol reads, and the body.
//! Nothing of the upstream's answer reaches the caller directly: handlers re-serialise parsed types.

use std::time::Duration;

use futures_util::future::{Either, select};
use vnum_protocol::ApiError;
use vnum_protocol::http::{HttpRequest, HttpResponse, Method};
use worker::js_sys::{self, Uint8Array};
use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{AbortController, Delay, Env, Headers, Request, RequestInit, Response, web_sys};

use crate::config::{Config, Endpoint};

/// The demo provider answers on this made-up origin inside the Durable Object.
const DEMO_ORIGIN: &str = "https://demo-provider.internal/api/v1";

/// Headers of the upstream answer that the protocol reads; all others are dropped.
const KEPT_HEADERS: [&str; 2] = ["content-type", "retry-after"];

fn method(method: Method) -> worker::Method {
    match method {
        Method::Get => worker::Method::Get,
        Method::Post => worker::Method::Post,
        Method::Delete => worker::Method::Delete,
    }
}

fn internal(what: &str, error: worker::Error) -> ApiError {
    ApiError::Internal { reason: format!("{what}: {error}") }
}

fn build(request: &HttpRequest, url: &str) -> Result<Request, ApiError> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(|e| internal("upstream header", e))?;
    }
    let mut init = RequestInit::new();
    init.with_method(method(request.method)).with_headers(headers);
    if let Some(body) = &request.body {
        init.with_body(Some(body.as_str().into()));
    }
    Request::new_with_init(url, &init).map_err(|e| internal("upstream request", e))
}

async fn read(mut response: Response) -> Result<HttpResponse, ApiError> {
    let status = response.status_code();
    let headers = KEPT_HEADERS
        .iter()
        .filter_map(|name| response.headers().get(name).ok().flatten().map(|v| ((*name).to_owned(), v)))
        .collect();
    let body = response.bytes().await.map_err(|_| ApiError::UpstreamUnavailable { status: None })?;
    Ok(HttpResponse { status, headers, body })
}

/// Reads the runtime's own response: the kept headers, and the body in one piece (`arrayBuffer()`,
/// one crossing, rather than chunk by chunk through a stream reader).
async fn read_raw(response: &web_sys::Response) -> Result<HttpResponse, ApiError> {
    let unavailable = |_| ApiError::UpstreamUnavailable { status: None };
    let all = response.headers();
    let headers =
        KEPT_HEADERS.iter().filter_map(|name| all.get(name).ok().flatten().map(|v| ((*name).to_owned(), v))).collect();
    let buffer = JsFuture::from(response.array_buffer().map_err(unavailable)?).await.map_err(unavailable)?;
    Ok(HttpResponse { status: response.status(), headers, body: Uint8Array::new(&buffer).to_vec() })
}

/// `fetch()` of the runtime itself, without the worker crate's response wrapper.
async fn fetch(request: &Request, signal: &web_sys::AbortSignal) -> Result<HttpResponse, ApiError> {
    let unavailable = |_| ApiError::UpstreamUnavailable { status: None };
    let init = web_sys::RequestInit::new();
    init.set_signal(Some(signal));
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let answer =
        JsFuture::from(global.fetch_with_request_and_init(request.inner(), &init)).await.map_err(unavailable)?;
    let response: web_sys::Response = answer.dyn_into().map_err(unavailable)?;
    read_raw(&response).await
}

/// Sends one request upstream and waits at most `config.upstream_timeout_ms` for the whole answer.
pub async fn send(config: &Config, env: &Env, request: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let timeout_ms = config.upstream_timeout_ms;
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        match &config.endpoint {
            // A refused, reset or dropped connection: the provider is unavailable.
            Endpoint::Http { base_url, .. } => fetch(&build(request, &request.url(base_url))?, &signal).await,
            Endpoint::Demo => {
                let outgoing = build(request, &request.url(DEMO_ORIGIN))?;
                let response = crate::objects::demo(env)?
                    .fetch_with_request(outgoing)
                    .await
                    .map_err(|_| ApiError::UpstreamUnavailable { status: None })?;
                read(response).await
            }
        }
    };
    let timer = Delay::from(Duration::from_millis(timeout_ms));
    match select(Box::pin(exchange), Box::pin(timer)).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            controller.abort();
            Err(ApiError::UpstreamTimeout { timeout_seconds: timeout_ms.div_ceil(1000) })
        }
    }
}
