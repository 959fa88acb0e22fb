//! Sends the protocol's request descriptions to the provider (or to the demo provider's Durable
//! Object), with a timeout, and brings back status, the headers the protocol reads, and the body.
//! Nothing of the upstream's answer reaches the caller directly: handlers re-serialise parsed types.

use std::time::Duration;

use futures_util::future::{Either, select};
use vnum_protocol::ApiError;
use vnum_protocol::http::{HttpRequest, HttpResponse, Method};
use worker::{AbortController, Delay, Env, Fetch, Headers, Request, RequestInit, Response};

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

/// Sends one request upstream and waits at most `config.upstream_timeout_ms` for the whole answer.
pub async fn send(config: &Config, env: &Env, request: &HttpRequest) -> Result<HttpResponse, ApiError> {
    let timeout_ms = config.upstream_timeout_ms;
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        let response = match &config.endpoint {
            Endpoint::Http { base_url, .. } => {
                let outgoing = build(request, &request.url(base_url))?;
                Fetch::Request(outgoing).send_with_signal(&signal).await
            }
            Endpoint::Demo => {
                let outgoing = build(request, &request.url(DEMO_ORIGIN))?;
                crate::objects::demo(env)?.fetch_with_request(outgoing).await
            }
        };
        // A refused, reset or dropped connection: the provider is unavailable.
        let response = response.map_err(|_| ApiError::UpstreamUnavailable { status: None })?;
        read(response).await
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
