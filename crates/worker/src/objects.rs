//! The Durable Objects as the Worker and the objects address each other: their bindings, their names,
//! and the typed messages they accept ([`OrderCommand`], [`AccountCommand`], [`LedgerEntry`]).
//!
//! Every message travels the same way, serialised here and nowhere else: a JSON [`Envelope`] (who asks,
//! and the command) POSTed to the object, answered with the final JSON body (success, or
//! [`vnum_protocol::ErrorBody`] with its status and `Retry-After`) that the Worker passes on.
//!
//! Who calls whom: the Worker calls the caller's [`AccountObject`](crate::AccountObject) (buy, list) and
//! the order's [`OrderObject`](crate::OrderObject) (status, actions, watching); an account creates the
//! order objects it buys; an order object reports each later change to its owner's account. No object
//! awaits a call that calls back into it: an order object reports nothing while it is being created, the
//! account lists a new order itself.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use vnum_protocol::ApiError;
use vnum_protocol::api::{BoughtNumber, BuyRequest, OrderView};
use vnum_protocol::order::OrderPolicy;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Stub};

/// The binding of the order objects (wrangler.toml `[[durable_objects.bindings]]`).
pub const ORDERS: &str = "ORDERS";
/// The binding of the account objects, one per caller.
pub const ACCOUNTS: &str = "ACCOUNTS";
/// The binding of the spend ledger.
pub const LEDGER: &str = "LEDGER";
/// The binding of the demo provider.
pub const DEMO: &str = "DEMO";
/// The binding of the upstream meter.
pub const METER: &str = "METER";

/// The name of the ledger's one object.
const LEDGER_OBJECT: &str = "ledger";
/// The name of the upstream meter's one object.
const METER_OBJECT: &str = "meter";
/// The name of the demo provider's one object.
pub const DEMO_OBJECT: &str = "demo-provider";

/// What an order object is asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum OrderCommand {
    /// Start owning a number just bought (from the account that bought it).
    Create(NewOrder),
    Status,
    Act {
        action: OrderAction,
    },
    /// Answer once the order leaves `waiting`, or after `seconds`.
    Wait {
        seconds: u64,
    },
    /// Server-Sent Events of every change, from after `last_event_id`.
    Stream {
        last_event_id: Option<u64>,
    },
}

/// What a caller may do to an open order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    Cancel,
    Finish,
    Another,
}

/// What creates an order object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewOrder {
    pub service: String,
    pub country: String,
    pub bought: BoughtNumber,
    pub policy: OrderPolicy,
}

/// What a caller's account object is asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum AccountCommand {
    /// Buy, at most once per idempotency key; `rate_key` is whom `BUYS_PER_MINUTE` counts it for (the
    /// caller, or without a token its address).
    Buy { request: BuyRequest, idempotency_key: Option<String>, rate_key: String },
    /// An order of this caller changed (from its order object).
    OrderChanged(OrderView),
    /// The caller's orders, newest first.
    Orders,
}

/// What the spend ledger is asked: a change to today's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Micro-units to add (negative to give back).
    pub amount: i64,
    /// The cap, in micro-units; a reservation that would pass it is refused.
    pub limit: Option<i64>,
}

/// What the upstream meter is asked: the provider's limits for the whole deployment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum MeterCommand {
    /// May one more request go to the provider now, `per_minute` being its limit?
    Request { per_minute: u32 },
    /// Hold a place among the `limit` orders the provider allows open, for a purchase until `until`.
    Reserve { reservation: String, until: vnum_protocol::Timestamp, limit: u32 },
    /// The purchase of `reservation` bought order `id`, open at most until `until`.
    Confirm { reservation: String, id: String, until: vnum_protocol::Timestamp },
    /// Order (or reservation) `id` is no longer open.
    Close { id: String },
}

/// A message as an object receives it: who asks (the authenticated caller's name), and what.
#[derive(Debug, Deserialize)]
pub struct Envelope<C> {
    pub owner: String,
    pub command: C,
}

/// A message as it is sent.
#[derive(Debug, Serialize)]
struct Message<'a, C> {
    owner: &'a str,
    command: &'a C,
}

/// The object of order `id`.
pub fn order(env: &Env, id: &str) -> Result<Stub, ApiError> {
    stub(env, ORDERS, &format!("order:{id}"))
}

/// The object of caller `owner`.
pub fn account(env: &Env, owner: &str) -> Result<Stub, ApiError> {
    stub(env, ACCOUNTS, &format!("account:{owner}"))
}

/// The spend ledger's one object.
pub fn ledger(env: &Env) -> Result<Stub, ApiError> {
    stub(env, LEDGER, LEDGER_OBJECT)
}

/// The upstream meter's one object.
pub fn meter(env: &Env) -> Result<Stub, ApiError> {
    stub(env, METER, METER_OBJECT)
}

/// The demo provider's one object.
pub fn demo(env: &Env) -> Result<Stub, ApiError> {
    stub(env, DEMO, DEMO_OBJECT)
}

fn stub(env: &Env, binding: &str, name: &str) -> Result<Stub, ApiError> {
    env.durable_object(binding).and_then(|ns| ns.get_by_name(name)).map_err(|e| internal(binding, e))
}

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

/// An error of the proxy itself (storage, bindings, objects): `what` failed with `error`.
pub fn internal(what: &str, error: impl std::fmt::Display) -> ApiError {
    ApiError::Internal { reason: format!("{what}: {error}") }
}

/// Sends `command` to an object on behalf of `owner`, and reads the whole answer.
pub async fn send<C: Serialize>(stub: &Stub, owner: &str, command: &C) -> Result<Reply, ApiError> {
    read(send_unread(stub, owner, command).await?).await
}

/// Sends `command` to an object and gives back its answer unread (for streams).
pub async fn send_unread<C: Serialize>(stub: &Stub, owner: &str, command: &C) -> Result<Response, ApiError> {
    let text = serde_json::to_string(&Message { owner, command }).map_err(|e| internal("message", e))?;
    let headers = Headers::new();
    headers.set("Content-Type", "application/json").map_err(|e| internal("header", e))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(text.into()));
    let request = Request::new_with_init("https://object.internal/", &init).map_err(|e| internal("request", e))?;
    stub.fetch_with_request(request).await.map_err(|e| internal("object", e))
}

/// Reads an object's answer, its body in one piece (`arrayBuffer()`, not through a stream reader).
pub async fn read(response: Response) -> Result<Reply, ApiError> {
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    let status = response.status_code();
    let raw = worker::IntoResponse::into_raw(response).map_err(|e| {
        let error: Box<dyn std::error::Error> = e.into();
        internal("object answer", error)
    })?;
    let body = crate::body::bytes(raw.array_buffer()).await.map_err(|e| internal("object body", format!("{e:?}")))?;
    Ok(Reply { status, retry_after, body })
}

/// The message an object received.
pub async fn receive<C: DeserializeOwned>(req: &mut Request) -> Result<Envelope<C>, ApiError> {
    if req.method() != Method::Post {
        return Err(internal("object message", "not a POST"));
    }
    req.json::<Envelope<C>>().await.map_err(|e| internal("object message", e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_travel_as_tagged_json() {
        let message = Message { owner: "alice", command: &OrderCommand::Act { action: OrderAction::Cancel } };
        let text = serde_json::to_string(&message).unwrap_or_default();
        assert_eq!(text, r#"{"owner":"alice","command":{"command":"act","action":"cancel"}}"#);
        let back: Envelope<OrderCommand> = serde_json::from_str(&text).expect("reads back");
        assert!(matches!(back.command, OrderCommand::Act { action: OrderAction::Cancel }));
        let wait: Envelope<OrderCommand> =
            serde_json::from_str(r#"{"owner":"a","command":{"command":"wait","seconds":25}}"#).expect("reads");
        assert!(matches!(wait.command, OrderCommand::Wait { seconds: 25 }));
    }
}
