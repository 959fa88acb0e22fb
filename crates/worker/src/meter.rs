//! The upstream meter: one Durable Object for the whole deployment that holds the provider's own
//! limits, whatever the number of callers, edge locations and order objects — the requests per minute
//! its key allows (Telenumerus: 120), and the orders it allows open at once (Telenumerus: one). Over a
//! limit, vnum's caller gets `RATE_LIMITED` or `ORDER_IN_PROGRESS` with when to retry, and the provider
//! is not asked. The decisions are [`vnum_protocol::limits`]'.

use std::cell::RefCell;

use vnum_protocol::limits::{self, OpenOrders};
use vnum_protocol::{ApiError, ErrorBody, ErrorCode, Timestamp};
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use crate::clock::now;
use crate::objects::{self, MeterCommand};

const OPEN_KEY: &str = "open";

/// The meter object.
#[durable_object]
pub struct UpstreamMeter {
    state: State,
    /// Times of the requests in the last minute. Kept in memory: the object lives while requests come,
    /// and an idle spell long enough to end it has emptied the window anyway.
    requests: RefCell<Vec<u64>>,
    open: RefCell<Option<OpenOrders>>,
}

impl std::fmt::Debug for UpstreamMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamMeter").finish_non_exhaustive()
    }
}

impl UpstreamMeter {
    async fn open_orders(&self) -> Result<OpenOrders, ApiError> {
        if let Some(open) = self.open.borrow().clone() {
            return Ok(open);
        }
        let stored: Option<String> =
            self.state.storage().get(OPEN_KEY).await.map_err(|e| objects::internal("meter", e))?;
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    async fn keep(&self, open: OpenOrders) -> Result<(), ApiError> {
        let json = serde_json::to_string(&open).map_err(|e| objects::internal("meter", e))?;
        self.state.storage().put(OPEN_KEY, json).await.map_err(|e| objects::internal("meter", e))?;
        self.open.replace(Some(open));
        Ok(())
    }

    async fn handle(&self, command: MeterCommand) -> Result<(), ApiError> {
        let at = now();
        match command {
            MeterCommand::Request { per_minute } => {
                limits::admit(&mut self.requests.borrow_mut(), at.as_millis(), per_minute, limits::MINUTE_MS)
                    .map_err(|wait| ApiError::RateLimited { retry_after_seconds: Some(wait) })
            }
            // Storage calls only between the read and the write: the object's input gate keeps other
            // requests out meanwhile, so two purchases cannot both take the last place.
            MeterCommand::Reserve { reservation, until, limit } => {
                let mut open = self.open_orders().await?;
                open.reserve(&reservation, at, until, limit)?;
                self.keep(open).await
            }
            MeterCommand::Confirm { reservation, id, until } => {
                let mut open = self.open_orders().await?;
                open.confirm(&reservation, &id, until);
                self.keep(open).await
            }
            MeterCommand::Close { id } => {
                let mut open = self.open_orders().await?;
                open.close(&id);
                self.keep(open).await
            }
        }
    }
}

impl DurableObject for UpstreamMeter {
    fn new(state: State, _env: Env) -> Self {
        Self { state, requests: RefCell::new(Vec::new()), open: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        match objects::receive::<MeterCommand>(&mut req).await {
            Ok(message) => {
                objects::answer(self.handle(message.command).await.map(|()| serde_json::json!({"ok": true})))
            }
            Err(e) => objects::error(&e),
        }
    }
}

/// Sends `command` to the meter; its refusals come back as the errors they were.
async fn ask(env: &Env, command: &MeterCommand) -> Result<(), ApiError> {
    let reply = objects::send(&objects::meter(env)?, "meter", command).await?;
    if (200..300).contains(&reply.status) {
        return Ok(());
    }
    match ErrorBody::parse(&reply.body) {
        Some(body) if body.error_code == ErrorCode::RateLimited => {
            Err(ApiError::RateLimited { retry_after_seconds: body.retry_after_seconds })
        }
        Some(body) if body.error_code == ErrorCode::OrderInProgress => {
            Err(ApiError::OrderInProgress { retry_after_seconds: body.retry_after_seconds })
        }
        _ => reply.into_result::<serde_json::Value>().map(|_| ()),
    }
}

/// Counts one request to the provider, refused beyond `per_minute` in any minute.
pub async fn request(env: &Env, per_minute: u32) -> Result<(), ApiError> {
    ask(env, &MeterCommand::Request { per_minute }).await
}

/// Holds a place for a purchase among the `limit` open orders, until `until` at the latest.
pub async fn reserve(env: &Env, reservation: &str, until: Timestamp, limit: u32) -> Result<(), ApiError> {
    ask(env, &MeterCommand::Reserve { reservation: reservation.to_owned(), until, limit }).await
}

/// The purchase bought order `id`, open until `until` at the latest.
pub async fn confirm(env: &Env, reservation: &str, id: &str, until: Timestamp) -> Result<(), ApiError> {
    ask(env, &MeterCommand::Confirm { reservation: reservation.to_owned(), id: id.to_owned(), until }).await
}

/// Order (or reservation) `id` is no longer open.
pub async fn close(env: &Env, id: &str) -> Result<(), ApiError> {
    ask(env, &MeterCommand::Close { id: id.to_owned() }).await
}
