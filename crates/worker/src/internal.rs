//! How the Worker and its Durable Objects talk: small JSON requests to made-up internal URLs, answered
//! with the final JSON body (success or [`vnum_protocol::ErrorBody`]) that the Worker passes on.

use serde::Serialize;
use serde::de::DeserializeOwned;
use vnum_protocol::ApiError;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Stub};

/// The header that carries the authenticated caller's name to an object.
pub const OWNER_HEADER: &str = "X-Vnum-Owner";
/// Header of a purchase sent to an account object: whom `BUYS_PER_MINUTE` counts it for (the caller,
/// or without a token its address).
pub const RATE_KEY_HEADER: &str = "X-Vnum-Rate-Key";

/// An object's answer: status, `Retry-After` if any, and the body to pass on.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    /// Reads a success body as `T`; an error body becomes an error carrying the same sentence and code.
    pub fn into_result<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        if (200..300).contains(&self.status) {
            return serde_json::from_slice(&self.body).map_err(|e| ApiError::Internal { reason: e.to_string() });
        }
        let reason = vnum_protocol::ErrorBody::parse(&self.body).map_or_else(
            || String::from_utf8_lossy(&self.body).into_owned(),
            |body| format!("{}: {}", body.error_code, body.error),
        );
        Err(ApiError::Internal { reason })
    }
}

pub fn internal(what: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal { reason: format!("{what}: {error}") }
}

/// The stub of the object `name` of class binding `binding`.
pub fn stub(env: &Env, binding: &str, name: &str) -> Result<Stub, ApiError> {
    env.durable_object(binding).and_then(|ns| ns.get_by_name(name)).map_err(|e| internal(binding, e))
}

/// Sends `body` (JSON) to `path` of an object on behalf of `owner`, and reads the whole answer.
pub async fn call<B: Serialize>(
    stub: &Stub,
    method: Method,
    path: &str,
    owner: &str,
    extra_headers: &[(&str, &str)],
    body: Option<&B>,
) -> Result<Reply, ApiError> {
    let response = call_raw(stub, method, path, owner, extra_headers, body).await?;
    read(response).await
}

/// Reads an object's answer.
pub async fn read(mut response: Response) -> Result<Reply, ApiError> {
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    let status = response.status_code();
    let body = response.bytes().await.map_err(|e| internal("object body", e))?;
    Ok(Reply { status, retry_after, body })
}

/// Sends a request to an object and gives back its answer unread (for streams).
pub async fn call_raw<B: Serialize>(
    stub: &Stub,
    method: Method,
    path: &str,
    owner: &str,
    extra_headers: &[(&str, &str)],
    body: Option<&B>,
) -> Result<Response, ApiError> {
    let headers = Headers::new();
    headers.set(OWNER_HEADER, owner).map_err(|e| internal("header", e))?;
    for (name, value) in extra_headers {
        headers.set(name, value).map_err(|e| internal("header", e))?;
    }
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        let text = serde_json::to_string(body).map_err(|e| internal("body", e))?;
        init.with_body(Some(text.into()));
    }
    let request =
        Request::new_with_init(&format!("https://object.internal{path}"), &init).map_err(|e| internal("request", e))?;
    stub.fetch_with_request(request).await.map_err(|e| internal("object", e))
}

/// A JSON answer from an object.
pub fn json<T: Serialize>(status: u16, value: &T) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    Ok(Response::from_json(value)?.with_status(status).with_headers(headers))
}

/// An error answer from an object, in the wire shape.
pub fn error(error: &ApiError) -> worker::Result<Response> {
    let response = json(error.http_status(), &error.to_body())?;
    if let Some(seconds) = error.retry_after_seconds() {
        response.headers().set("Retry-After", &seconds.to_string())?;
    }
    Ok(response)
}

/// Turns a handler's result into an object's answer.
pub fn answer<T: Serialize>(result: Result<T, ApiError>) -> worker::Result<Response> {
    match result {
        Ok(value) => json(200, &value),
        Err(e) => error(&e),
    }
}
