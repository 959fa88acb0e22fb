//! Telenumerus's answers that take time: the SSE stream of an order (`GET /order/:id/stream`) and the
//! one-shot `POST /verify`, which holds until the code comes.

use serde::{Deserialize, Serialize};

use super::idempotency::{KeyLookup, KeyedOrder};
use super::requests::VerifyRequest;
use super::wire::{StreamEvent, VerifyBody, VerifyPendingBody};
use super::{TelenumerusError, TelenumerusOrder, TelenumerusStatus, check_status_path, fingerprint};
use crate::hold::{EventStream, Hold, LongPoll, PendingWait, Resumed, StreamStep};
use crate::http::{CONTENT_TYPE_EVENT_STREAM, SimRequest, SimResponse};
use crate::money::to_wire;
use crate::state::Simulator;

/// Simulated milliseconds between keep-alive comments of a stream.
pub(crate) const KEEP_ALIVE_MS: u64 = 15_000;
/// The keep-alive comment.
pub(crate) const KEEP_ALIVE: &str = ": keep-alive\n\n";

/// Where an order's SSE stream is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderStreamCursor {
    /// The order's owner.
    pub(crate) account: String,
    /// The order.
    pub(crate) order_id: String,
    /// When the next keep-alive comment is due (simulated time).
    pub(crate) next_keep_alive_ms: u64,
}

/// A `/verify` waiting for its order's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct VerifyWait {
    /// The order's owner.
    pub(crate) account: String,
    /// The order.
    pub(crate) order_id: String,
    /// When `timeout_seconds` runs out (simulated time).
    pub(crate) deadline_ms: u64,
}

/// One SSE event whose data is `event` as JSON.
fn sse(event: &StreamEvent) -> String {
    format!("data: {}\n\n", serde_json::to_string(event).unwrap_or_default())
}

/// The event that ends an order's stream, once the order has one: its code, or how it ended.
fn final_event(order: &TelenumerusOrder) -> Option<String> {
    let event = match order.status {
        TelenumerusStatus::Pending => return None,
        TelenumerusStatus::Completed => StreamEvent { event: "code".to_owned(), code: order.code().map(str::to_owned) },
        TelenumerusStatus::Cancelled => StreamEvent { event: "cancelled".to_owned(), code: None },
        TelenumerusStatus::Expired => StreamEvent { event: "expired".to_owned(), code: None },
    };
    Some(sse(&event))
}

/// Status 200 with the event-stream headers and `body`.
fn stream_head(body: String) -> SimResponse {
    SimResponse::respond(
        200,
        vec![
            ("Content-Type".to_owned(), CONTENT_TYPE_EVENT_STREAM.to_owned()),
            ("Cache-Control".to_owned(), "no-cache".to_owned()),
        ],
        body.into_bytes(),
    )
}

impl Simulator {
    /// `GET /order/:id/stream`: the whole stream at once when the order already ended, else its
    /// start, held.
    pub(crate) fn tn_order_stream(&mut self, now: u64, key: &str, id: &str) -> Result<SimResponse, TelenumerusError> {
        let order = self.tn_own_order(key, id)?;
        if let Some(event) = final_event(order) {
            return Ok(stream_head(event));
        }
        let cursor = OrderStreamCursor {
            account: key.to_owned(),
            order_id: order.id.clone(),
            next_keep_alive_ms: now.saturating_add(KEEP_ALIVE_MS),
        };
        Ok(stream_head(String::new()).held(Hold::EventStream(EventStream { stream: cursor })))
    }

    /// The next events of an order's stream at simulated time `now`.
    pub(crate) fn order_stream_next(&mut self, now: u64, cursor: &mut OrderStreamCursor) -> StreamStep {
        let Some(order) =
            self.telenumerus.orders.iter().find(|o| o.id == cursor.order_id && o.account == cursor.account)
        else {
            return StreamStep { events: Vec::new(), ended: true, recheck_by_ms: 0 };
        };
        if let Some(event) = final_event(order) {
            return StreamStep { events: vec![event], ended: true, recheck_by_ms: 0 };
        }
        let mut events = Vec::new();
        if now >= cursor.next_keep_alive_ms {
            events.push(KEEP_ALIVE.to_owned());
            cursor.next_keep_alive_ms = now.saturating_add(KEEP_ALIVE_MS);
        }
        let next = order.sms_due_at_ms.into_iter().chain([order.expires_at_ms, cursor.next_keep_alive_ms]).min();
        StreamStep { events, ended: false, recheck_by_ms: self.host_time_of(next.unwrap_or(now)) }
    }

    /// `POST /verify`: places the order (or finds the one placed under the same idempotency key) and
    /// answers once its code came, holding until then.
    pub(crate) fn tn_verify(&mut self, now: u64, key: &str, req: &SimRequest) -> Result<SimResponse, TelenumerusError> {
        let request = VerifyRequest::parse(&req.body)?;
        let fingerprint = fingerprint("/verify", &request.order);
        let keyed = match &request.order.idempotency_key {
            None => None,
            Some(idempotency_key) => match self.telenumerus.keys.lookup(now, key, idempotency_key, &fingerprint) {
                KeyLookup::New => None,
                KeyLookup::Replay(earlier) => Some(earlier.order_id.clone()),
                KeyLookup::Conflict => return Err(super::idempotency_conflict(idempotency_key)),
            },
        };
        let order_id = match keyed {
            Some(order_id) => order_id,
            None => {
                let order_id = self.tn_place_order(now, key, &request.order)?;
                if let Some(idempotency_key) = request.order.idempotency_key.clone() {
                    self.telenumerus.keys.remember(KeyedOrder {
                        account: key.to_owned(),
                        key: idempotency_key,
                        request: fingerprint,
                        order_id: order_id.clone(),
                        answer: String::new(),
                        at_ms: now,
                    });
                }
                order_id
            }
        };
        let wait = VerifyWait {
            account: key.to_owned(),
            order_id,
            deadline_ms: now.saturating_add(request.timeout_seconds.saturating_mul(1000)),
        };
        if let Some(answer) = self.verify_answer(now, &wait) {
            return Ok(answer);
        }
        let pending = self.verify_pending_answer(&wait);
        Ok(pending.held(Hold::LongPoll(LongPoll { wait: PendingWait::Verify(wait) })))
    }

    /// Resumes a `/verify` at simulated time `now`.
    pub(crate) fn resume_verify(&mut self, now: u64, wait: &VerifyWait) -> Resumed {
        if let Some(answer) = self.verify_answer(now, wait) {
            return Resumed::Answer(answer);
        }
        let order = self.telenumerus.orders.iter().find(|o| o.id == wait.order_id);
        let next = order
            .and_then(|o| o.sms_due_at_ms)
            .into_iter()
            .chain(order.map(|o| o.expires_at_ms))
            .chain([wait.deadline_ms])
            .min()
            .unwrap_or(wait.deadline_ms);
        Resumed::Pending { recheck_by_ms: self.host_time_of(next) }
    }

    /// The answer of a `/verify` if its wait is over at `now`: the code; the order's end
    /// (`PROVIDER_UNAVAILABLE`, refunded); the deadline (the pending order); a vanished order.
    fn verify_answer(&self, now: u64, wait: &VerifyWait) -> Option<SimResponse> {
        let Ok(order) = self.tn_own_order(&wait.account, &wait.order_id) else {
            return Some(TelenumerusError::OrderNotFound.into_response());
        };
        match order.status {
            TelenumerusStatus::Completed => Some(SimResponse::json_of(
                200,
                &VerifyBody {
                    status: "ok".to_owned(),
                    phone: order.phone.clone(),
                    code: order.code().unwrap_or_default().to_owned(),
                    delivery_seconds: order.closed_at_ms.unwrap_or(now).saturating_sub(order.created_at_ms) / 1000,
                    price: to_wire(order.price_micros),
                },
            )),
            TelenumerusStatus::Cancelled | TelenumerusStatus::Expired => Some(
                TelenumerusError::Injected {
                    code: super::ErrorCode::ProviderUnavailable,
                    message: format!(
                        "No code arrived: order {} is {} and was refunded",
                        order.id,
                        order.status.as_str()
                    ),
                    retry_after_seconds: None,
                }
                .into_response(),
            ),
            TelenumerusStatus::Pending if now >= wait.deadline_ms => Some(self.verify_pending_answer(wait)),
            TelenumerusStatus::Pending => None,
        }
    }

    /// A `/verify` whose time ran out: the order goes on, to be polled or streamed.
    fn verify_pending_answer(&self, wait: &VerifyWait) -> SimResponse {
        let Ok(order) = self.tn_own_order(&wait.account, &wait.order_id) else {
            return TelenumerusError::OrderNotFound.into_response();
        };
        SimResponse::json_of(
            200,
            &VerifyPendingBody {
                status: "pending".to_owned(),
                order_id: order.id.clone(),
                phone: order.phone.clone(),
                price: to_wire(order.price_micros),
                check_status: check_status_path(&order.id),
                stream: format!("{}/stream", check_status_path(&order.id)),
            },
        )
    }
}
