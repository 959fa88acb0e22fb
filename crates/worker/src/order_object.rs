//! One Durable Object per order: it owns the order's record (owner, upstream id, phone, cost, times,
//! status, codes), polls the provider for everyone who watches (one upstream status request per
//! interval, however many callers ask), pushes changes to stream and long-poll watchers, enforces the
//! cancel window locally, and keeps everything in storage across restarts.

use std::cell::RefCell;
use std::time::Duration;

use futures_channel::mpsc;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use serde::{Deserialize, Serialize};
use vnum_protocol::ApiError;
use vnum_protocol::api::{ActionResponse, OrderView, StatusResponse};
use vnum_protocol::dialect::OrderRef;
use vnum_protocol::driver::{self, Step, Wake};
use vnum_protocol::order::{Event, Order};
use vnum_protocol::validate::OrderId;
use worker::{Delay, DurableObject, Env, Request, Response, State, durable_object};

use crate::clock::now;
use crate::config::{self, Config};
use crate::meter;
use crate::objects::{self, AccountCommand, NewOrder, OrderAction, OrderCommand};
use crate::provider::ProviderClient;

const RECORD_KEY: &str = "record";
/// Long-polls wait at most this long (the contract's limit).
const MAX_WAIT_SECONDS: u64 = vnum_protocol::contract::WAIT_MAX_SECONDS as u64;

/// Everything the proxy knows about one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub owner: String,
    pub service: String,
    pub country: String,
    pub order: Order,
    /// Grows by one with every change watchers should hear of (the SSE event id).
    pub version: u64,
}

impl OrderRecord {
    /// The order as the provider addresses it.
    pub fn upstream<'a>(&'a self, id: &'a OrderId) -> OrderRef<'a> {
        OrderRef { id, service: &self.service, phone: &self.order.phone, rented_at: self.order.rented_at }
    }

    /// The status answer, with the proxy's extras.
    pub fn status(&self) -> StatusResponse {
        let latest = self.order.latest_code();
        // While waiting for another SMS, the previous code is not the current one.
        let current = latest.filter(|_| self.order.state != vnum_protocol::order::OrderState::Waiting);
        StatusResponse {
            status: self.order.state.status(),
            sms_code: current.map(|c| c.code.clone()),
            sms_text: current.and_then(|c| c.text.clone()),
            phone: self.order.phone.clone(),
            expires_at: Some(self.order.expires_at),
            cancel_available_at: Some(self.order.cancel_allowed_at()),
            codes: self.order.codes.clone(),
        }
    }

    /// The summary listed by `GET /orders`.
    pub fn view(&self) -> OrderView {
        let status = self.status();
        OrderView {
            id: self.order.id.clone(),
            order_code: self.order.order_code.clone(),
            phone: self.order.phone.clone(),
            service: self.service.clone(),
            country: self.country.clone(),
            cost: self.order.cost,
            status: status.status,
            sms_code: status.sms_code,
            sms_text: status.sms_text,
            codes: self.order.codes.clone(),
            created_at: self.order.created_at,
            expires_at: self.order.expires_at,
            cancel_available_at: self.order.cancel_allowed_at(),
        }
    }
}

/// What the provider said when the order object asked it.
enum Heard {
    /// Through its push.
    Pushed(Result<StatusResponse, ApiError>),
    /// To a status request.
    Polled(Result<StatusResponse, ApiError>),
}

/// One Server-Sent Event carrying a status, with the record's version as its id.
pub fn sse_event(record: &OrderRecord) -> String {
    let data = serde_json::to_string(&record.status()).unwrap_or_default();
    let name = if record.order.state.is_final() { "final" } else { "status" };
    format!("id: {}\nevent: {name}\ndata: {data}\n\n", record.version)
}

/// The Durable Object class owning one order.
#[durable_object]
pub struct OrderObject {
    state: State,
    env: Env,
    record: RefCell<Option<OrderRecord>>,
    watchers: RefCell<Vec<mpsc::UnboundedSender<OrderRecord>>>,
}

impl std::fmt::Debug for OrderObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderObject").finish_non_exhaustive()
    }
}

impl OrderObject {
    async fn load(&self) -> Result<Option<OrderRecord>, ApiError> {
        if let Some(record) = self.record.borrow().clone() {
            return Ok(Some(record));
        }
        let stored: Option<String> =
            self.state.storage().get(RECORD_KEY).await.map_err(|e| objects::internal("storage", e))?;
        let record = stored.and_then(|json| serde_json::from_str::<OrderRecord>(&json).ok());
        if record.is_some() {
            self.record.replace(record.clone());
        }
        Ok(record)
    }

    /// The record, if `owner` owns it; anyone else is told there is no such order.
    async fn owned(&self, owner: &str) -> Result<OrderRecord, ApiError> {
        match self.load().await? {
            Some(record) if record.owner == owner => Ok(record),
            _ => Err(ApiError::not_found("order")),
        }
    }

    /// Carries out a driver's step: stores the record, tells watchers and the owner's list of a change,
    /// and sets the alarm for the next wake-up.
    async fn save(&self, record: OrderRecord, step: Step) -> Result<OrderRecord, ApiError> {
        let record = self.store(record, step).await?;
        if step.changed && record.order.state != vnum_protocol::order::OrderState::Waiting {
            self.no_longer_open(&record).await;
        }
        if step.changed {
            // The owner's list is a convenience copy; the record here stays the truth.
            let change = AccountCommand::OrderChanged(record.view());
            let sent = match objects::account(&self.env, &record.owner) {
                Ok(stub) => objects::send(&stub, &record.owner, &change).await.map(|_| ()),
                Err(error) => Err(error),
            };
            if let Err(error) = sent {
                worker::console_error!("order {} not relisted: {error}", record.order.id);
            }
        }
        Ok(record)
    }

    /// Where the provider allows only so many open orders, tells the meter this one no longer counts (a
    /// code came, or it ended). If the meter does not hear of it, the order stops counting at its expiry.
    async fn no_longer_open(&self, record: &OrderRecord) {
        let Ok(config) = self.config() else { return };
        if config.rules().open_orders.is_some()
            && let Err(error) = meter::close(&self.env, &record.order.id).await
        {
            worker::console_error!("order {} still counted as open: {error}", record.order.id);
        }
    }

    /// [`Self::save`] without telling the owner's list.
    async fn store(&self, mut record: OrderRecord, step: Step) -> Result<OrderRecord, ApiError> {
        if step.changed {
            record.version += 1;
        }
        let json = serde_json::to_string(&record).map_err(|e| objects::internal("record", e))?;
        self.state.storage().put(RECORD_KEY, json).await.map_err(|e| objects::internal("storage", e))?;
        self.record.replace(Some(record.clone()));
        match step.wake_at {
            Some(at) => {
                let offset = at.as_millis().saturating_sub(now().as_millis()).max(10);
                self.state.storage().set_alarm(offset as i64).await.map_err(|e| objects::internal("alarm", e))?;
            }
            None => {
                let _ = self.state.storage().delete_alarm().await;
            }
        }
        if step.changed {
            self.watchers.borrow_mut().retain(|tx| tx.unbounded_send(record.clone()).is_ok());
        }
        if step.ended {
            self.watchers.borrow_mut().clear();
        }
        Ok(record)
    }

    fn config(&self) -> Result<std::rc::Rc<Config>, ApiError> {
        config::from_env(&self.env)
    }

    async fn create(&self, owner: &str, new: NewOrder) -> Result<OrderView, ApiError> {
        if let Some(existing) = self.load().await? {
            return if existing.owner == owner && existing.order.id == new.bought.id {
                Ok(existing.view())
            } else {
                Err(ApiError::Internal { reason: "order object already in use".to_owned() })
            };
        }
        let record = OrderRecord {
            owner: owner.to_owned(),
            service: new.service,
            country: new.country,
            order: Order::new(&new.bought, now(), new.policy),
            version: 0,
        };
        // Not reported to the owner's list: the account that asked lists it itself, and is waiting on
        // this answer (a report now would call back into it).
        let step = driver::on_start(&record.order);
        Ok(self.store(record, step).await?.view())
    }

    /// Applies an event and saves what changed.
    async fn apply(&self, mut record: OrderRecord, event: Event) -> Result<OrderRecord, ApiError> {
        let step = driver::on_event(&mut record.order, now(), event);
        self.save(record, step).await
    }

    async fn act(&self, owner: &str, action: OrderAction) -> Result<ActionResponse, ApiError> {
        let record = self.owned(owner).await?;
        let id = OrderId::parse(&record.order.id)?;
        let config = self.config()?;
        let proxy = ProviderClient::new(&config, &self.env);
        let at = now();
        let upstream = record.upstream(&id);
        let (answer, event) = match action {
            OrderAction::Cancel => {
                record.order.check_cancel(at)?;
                (proxy.cancel(&upstream).await?, Event::Cancelled)
            }
            OrderAction::Finish => {
                record.order.check_finish()?;
                (proxy.finish(&upstream).await?, Event::Finished)
            }
            OrderAction::Another => {
                record.order.check_another(at)?;
                (proxy.another(&upstream).await?, Event::AnotherRequested)
            }
        };
        // The record as it is now: it may have changed while the provider answered.
        let record = self.owned(owner).await?;
        self.apply(record, event).await?;
        Ok(answer)
    }

    /// On the alarm: what the driver says (expire, listen to the provider's push, poll it, or only plan
    /// the next wake-up).
    async fn poll(&self) -> Result<(), ApiError> {
        let Some(mut record) = self.load().await? else { return Ok(()) };
        let wake = driver::on_wake(&mut record.order, now());
        if let Wake::Settled(step) = wake {
            self.save(record, step).await?;
            return Ok(());
        }
        let config = self.config()?;
        let id = OrderId::parse(&record.order.id)?;
        let provider = ProviderClient::new(&config, &self.env);
        let started = now();
        let heard = match wake {
            Wake::Listen { seconds } => Heard::Pushed(provider.listen(&record.upstream(&id), seconds).await),
            _ => Heard::Polled(provider.status(&record.upstream(&id)).await),
        };
        // The record as it is now: a caller may have acted while the provider answered.
        let Some(mut record) = self.load().await? else { return Ok(()) };
        let step = match heard {
            Heard::Pushed(answer) => driver::on_listen(&mut record.order, started, now(), answer),
            Heard::Polled(answer) => driver::on_poll(&mut record.order, now(), answer),
        };
        self.save(record, step).await?;
        Ok(())
    }

    /// Waits until the order is no longer waiting, or `timeout`.
    async fn wait(&self, owner: &str, timeout: Duration) -> Result<StatusResponse, ApiError> {
        let record = self.owned(owner).await?;
        if record.order.state != vnum_protocol::order::OrderState::Waiting {
            return Ok(record.status());
        }
        let (tx, mut rx) = mpsc::unbounded();
        self.watchers.borrow_mut().push(tx);
        let mut deadline = Delay::from(timeout);
        while let Either::Left((Some(update), _)) = select(rx.next(), &mut deadline).await {
            if update.order.state != vnum_protocol::order::OrderState::Waiting {
                return Ok(update.status());
            }
        }
        Ok(self.owned(owner).await?.status())
    }

    /// A Server-Sent Events stream of the order's status, ending after a final state.
    async fn stream(&self, owner: &str, last_event_id: Option<u64>) -> Result<Response, ApiError> {
        let record = self.owned(owner).await?;
        let (tx, rx) = mpsc::unbounded::<OrderRecord>();
        if last_event_id != Some(record.version) {
            let _ = tx.unbounded_send(record.clone());
        }
        if record.order.state.is_final() {
            drop(tx);
        } else {
            self.watchers.borrow_mut().push(tx);
        }
        let retry = futures_util::stream::iter([Ok::<Vec<u8>, worker::Error>(b"retry: 2000\n\n".to_vec())]);
        let events = rx
            .scan(false, |ended, record| {
                if *ended {
                    return futures_util::future::ready(None);
                }
                *ended = record.order.state.is_final();
                futures_util::future::ready(Some(Ok::<Vec<u8>, worker::Error>(sse_event(&record).into_bytes())))
            })
            .fuse();
        let response = Response::from_stream(retry.chain(events)).map_err(|e| objects::internal("stream", e))?;
        let headers = worker::Headers::new();
        let _ = headers.set("Content-Type", "text/event-stream");
        let _ = headers.set("Cache-Control", "no-store");
        Ok(response.with_headers(headers))
    }
}

impl DurableObject for OrderObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, record: RefCell::new(None), watchers: RefCell::new(Vec::new()) }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let message = match objects::receive::<OrderCommand>(&mut req).await {
            Ok(message) => message,
            Err(e) => return objects::error(&e),
        };
        let owner = message.owner.as_str();
        match message.command {
            OrderCommand::Create(new) => objects::answer(self.create(owner, new).await),
            OrderCommand::Status => objects::answer(self.owned(owner).await.map(|r| r.status())),
            OrderCommand::Act { action } => objects::answer(self.act(owner, action).await),
            OrderCommand::Wait { seconds } => {
                let seconds = seconds.clamp(1, MAX_WAIT_SECONDS);
                objects::answer(self.wait(owner, Duration::from_secs(seconds)).await)
            }
            OrderCommand::Stream { last_event_id } => match self.stream(owner, last_event_id).await {
                Ok(response) => Ok(response),
                Err(e) => objects::error(&e),
            },
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        if let Err(e) = self.poll().await {
            // Try again later rather than stop watching an order someone paid for.
            worker::console_error!("order poll failed: {e}");
            let _ = self.state.storage().set_alarm(5_000).await;
        }
        Response::ok("")
    }
}

/// Reads the `timeout` of `/numbers/wait`.
pub fn wait_seconds(text: Option<&str>) -> Result<u64, ApiError> {
    match text {
        None => Ok(u64::from(vnum_protocol::contract::WAIT_DEFAULT_SECONDS)),
        Some(t) => match t.parse::<u64>() {
            Ok(n) if (1..=MAX_WAIT_SECONDS).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                "timeout",
                format!("must be a whole number of seconds from 1 to {MAX_WAIT_SECONDS}"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vnum_protocol::Timestamp;
    use vnum_protocol::api::{BoughtNumber, OrderStatus};
    use vnum_protocol::order::OrderPolicy;

    fn record() -> OrderRecord {
        let bought = BoughtNumber {
            id: "o-1".into(),
            order_code: None,
            phone: "+15550001111".into(),
            expires_at: Timestamp(1_200_000),
            cost: 0.18,
            rented_at: None,
        };
        OrderRecord {
            owner: "alice".into(),
            service: "wa".into(),
            country: "187".into(),
            order: Order::new(&bought, Timestamp(0), OrderPolicy::default()),
            version: 3,
        }
    }

    #[test]
    fn status_hides_the_old_code_while_waiting_for_another() {
        let mut r = record();
        r.order.apply(
            Timestamp(5_000),
            Event::Polled(StatusResponse::new(OrderStatus::Received, Some("1234".into()), None, String::new())),
        );
        assert_eq!(r.status().sms_code.as_deref(), Some("1234"));
        r.order.apply(Timestamp(6_000), Event::AnotherRequested);
        let status = r.status();
        assert_eq!((status.status, status.sms_code), (OrderStatus::Waiting, None));
        assert_eq!(status.codes.len(), 1, "earlier codes stay listed");
        assert_eq!(r.view().cancel_available_at, Timestamp(120_000));
    }

    #[test]
    fn sse_events_carry_the_version() {
        let event = sse_event(&record());
        assert!(event.starts_with("id: 3\nevent: status\ndata: {\"status\":\"waiting\""), "{event}");
        assert!(event.ends_with("\n\n"));
    }

    #[test]
    fn wait_timeouts() {
        assert_eq!(wait_seconds(None), Ok(25));
        assert_eq!(wait_seconds(Some("60")), Ok(60));
        assert!(
            wait_seconds(Some("0")).is_err() && wait_seconds(Some("61")).is_err() && wait_seconds(Some("x")).is_err()
        );
    }
}
