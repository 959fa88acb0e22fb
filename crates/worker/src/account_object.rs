//! One Durable Object per caller: it buys (so that one `Idempotency-Key` buys once, even when two
//! requests arrive together or the first answer was lost) and keeps the caller's list of orders, so a
//! client that lost its local state can recover every order it paid for.

use std::cell::RefCell;
use std::collections::HashMap;

use futures_channel::oneshot;
use serde::{Deserialize, Serialize};
use vnum_protocol::ApiError;
use vnum_protocol::api::{BoughtNumber, BuyRequest, OrderView, OrdersResponse};
use vnum_protocol::validate::IdempotencyKey;
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use crate::clock::now;
use crate::config::{self, Config};
use crate::objects::{self, AccountCommand, NewOrder, OrderCommand};
use crate::provider::ProviderClient;
use crate::{meter, spend_ledger};

const ORDERS_KEY: &str = "orders";
/// How many orders the list keeps.
pub const MAX_LISTED: usize = 200;
/// How long a finished purchase answers retries of its key.
const IDEMPOTENCY_TTL_MS: u64 = 24 * 3600 * 1000;
/// Storage key of the times of recent purchases, by whom they count for (JSON object).
const PURCHASES_KEY: &str = "purchases";
/// The window of the purchase rate limit (`BUYS_PER_MINUTE`).
pub const PURCHASE_WINDOW_MS: u64 = vnum_protocol::limits::MINUTE_MS;

/// A purchase's answer, shared with the concurrent requests that carried the same key.
type Outcome = Result<BoughtNumber, ApiError>;

/// A purchase remembered under its idempotency key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remembered {
    /// The request it answered, canonically serialised.
    pub fingerprint: String,
    pub bought: BoughtNumber,
    pub at: u64,
}

/// What a key's earlier use means for a new request with the same key.
pub fn replay(remembered: &Remembered, fingerprint: &str) -> Result<BoughtNumber, ApiError> {
    if remembered.fingerprint == fingerprint {
        Ok(remembered.bought.clone())
    } else {
        Err(ApiError::invalid("Idempotency-Key", "was already used for a different purchase"))
    }
}

/// The canonical form of a purchase request.
pub fn fingerprint(request: &BuyRequest) -> String {
    serde_json::to_string(request).unwrap_or_default()
}

/// Inserts or replaces `view` in a newest-first list, keeping at most [`MAX_LISTED`].
pub fn upsert(list: &mut Vec<OrderView>, view: OrderView) {
    if let Some(slot) = list.iter_mut().find(|v| v.id == view.id) {
        *slot = view;
        return;
    }
    // The list stays newest first: insert before the first older order.
    let at = list.iter().position(|v| v.created_at < view.created_at).unwrap_or(list.len());
    list.insert(at, view);
    list.truncate(MAX_LISTED);
}

/// Admits one more purchase at `now` when fewer than `limit` were made in the [`PURCHASE_WINDOW_MS`]
/// before it, recording it in `times`. Otherwise refuses with the wait until a slot frees.
pub fn admit_purchase(times: &mut Vec<u64>, now: u64, limit: u32) -> Result<(), ApiError> {
    vnum_protocol::limits::admit(times, now, limit, PURCHASE_WINDOW_MS)
        .map_err(|wait| ApiError::RateLimited { retry_after_seconds: Some(wait) })
}

/// Whether a purchase made `at` still counts `now`.
fn in_window(at: u64, now: u64) -> bool {
    at.saturating_add(PURCHASE_WINDOW_MS) > now
}

/// Whether a failed purchase may still have bought a number upstream: no clear answer came back.
pub fn may_have_bought(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::UpstreamTimeout { .. }
            | ApiError::UpstreamUnavailable { .. }
            | ApiError::UpstreamInvalidResponse { .. }
            | ApiError::Internal { .. }
    )
}

/// Whether a failed purchase does not count against `BUYS_PER_MINUTE`: the answer says nothing was
/// bought, and it was not the provider asking everyone to slow down (its limit is shared by all callers).
pub fn gives_slot_back(error: &ApiError) -> bool {
    !may_have_bought(error) && !matches!(error, ApiError::RateLimited { .. })
}

/// Recent purchase times by rate key.
type PurchaseTimes = std::collections::BTreeMap<String, Vec<u64>>;

struct InFlight {
    fingerprint: String,
    waiters: Vec<oneshot::Sender<Outcome>>,
}

/// The Durable Object class of one caller.
#[durable_object]
pub struct AccountObject {
    state: State,
    env: Env,
    in_flight: RefCell<HashMap<String, InFlight>>,
}

impl std::fmt::Debug for AccountObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountObject").finish_non_exhaustive()
    }
}

impl AccountObject {
    fn config(&self) -> Result<std::rc::Rc<Config>, ApiError> {
        config::from_env(&self.env)
    }

    async fn list(&self) -> Result<Vec<OrderView>, ApiError> {
        let stored: Option<String> =
            self.state.storage().get(ORDERS_KEY).await.map_err(|e| objects::internal("storage", e))?;
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    async fn index(&self, view: OrderView) -> Result<(), ApiError> {
        let mut list = self.list().await?;
        upsert(&mut list, view);
        let json = serde_json::to_string(&list).map_err(|e| objects::internal("orders", e))?;
        self.state.storage().put(ORDERS_KEY, json).await.map_err(|e| objects::internal("storage", e))
    }

    /// A purchase, at most once per idempotency key.
    async fn buy(&self, owner: &str, rate_key: &str, key: Option<IdempotencyKey>, request: BuyRequest) -> Outcome {
        let Some(key) = key else {
            return self.purchase(owner, rate_key, &request, None).await;
        };
        let fingerprint = fingerprint(&request);
        // Claim the key before anything awaits: a second request with it waits for the first.
        let waiting = {
            let mut in_flight = self.in_flight.borrow_mut();
            match in_flight.get_mut(key.as_str()) {
                Some(flight) if flight.fingerprint != fingerprint => {
                    return Err(ApiError::invalid("Idempotency-Key", "is in use for a different purchase"));
                }
                Some(flight) => {
                    let (tx, rx) = oneshot::channel();
                    flight.waiters.push(tx);
                    Some(rx)
                }
                None => {
                    in_flight.insert(
                        key.as_str().to_owned(),
                        InFlight { fingerprint: fingerprint.clone(), waiters: Vec::new() },
                    );
                    None
                }
            }
        };
        if let Some(rx) = waiting {
            return rx.await.unwrap_or_else(|_| Err(ApiError::Internal { reason: "purchase abandoned".into() }));
        }
        let storage_key = format!("idem:{}", key.as_str());
        let remembered: Option<Remembered> = self
            .state
            .storage()
            .get::<String>(&storage_key)
            .await
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok())
            .filter(|r: &Remembered| now().as_millis().saturating_sub(r.at) < IDEMPOTENCY_TTL_MS);
        let result = match remembered {
            Some(remembered) => replay(&remembered, &fingerprint),
            None => {
                let result = self.purchase(owner, rate_key, &request, Some(&key)).await;
                if let Ok(bought) = &result {
                    let remembered = Remembered { fingerprint, bought: bought.clone(), at: now().as_millis() };
                    if let Ok(json) = serde_json::to_string(&remembered) {
                        let _ = self.state.storage().put(&storage_key, json).await;
                    }
                }
                result
            }
        };
        if let Some(flight) = self.in_flight.borrow_mut().remove(key.as_str()) {
            for waiter in flight.waiters {
                let _ = waiter.send(result.clone());
            }
        }
        result
    }

    /// The recent purchases of everyone this object counts for; only those still in the window are
    /// kept, so visitors without a token (one object, many addresses) do not pile up.
    async fn purchase_times(&self) -> Result<PurchaseTimes, ApiError> {
        let stored: Option<String> =
            self.state.storage().get(PURCHASES_KEY).await.map_err(|e| objects::internal("storage", e))?;
        let mut all: PurchaseTimes = stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default();
        let now = now().as_millis();
        all.retain(|_, times| {
            times.retain(|&at| in_window(at, now));
            !times.is_empty()
        });
        Ok(all)
    }

    async fn put_purchase_times(&self, all: &PurchaseTimes) -> Result<(), ApiError> {
        let json = serde_json::to_string(all).map_err(|e| objects::internal("purchases", e))?;
        self.state.storage().put(PURCHASES_KEY, json).await.map_err(|e| objects::internal("storage", e))
    }

    /// Counts a purchase against `BUYS_PER_MINUTE` for `rate_key`, and returns its time. Storage calls
    /// only between the read and the write: the object's input gate keeps other requests out
    /// meanwhile, so two purchases cannot both take the last slot.
    async fn take_purchase_slot(&self, rate_key: &str, limit: u32) -> Result<u64, ApiError> {
        let mut all = self.purchase_times().await?;
        let at = now().as_millis();
        admit_purchase(all.entry(rate_key.to_owned()).or_default(), at, limit)?;
        self.put_purchase_times(&all).await?;
        Ok(at)
    }

    /// Gives back the slot taken at `at`: the purchase failed, and the answer said nothing was bought.
    async fn release_purchase_slot(&self, rate_key: &str, at: u64) {
        let Ok(mut all) = self.purchase_times().await else { return };
        if let Some(times) = all.get_mut(rate_key)
            && let Some(slot) = times.iter().position(|&t| t == at)
        {
            times.remove(slot);
            all.retain(|_, times| !times.is_empty());
            let _ = self.put_purchase_times(&all).await;
        }
    }

    /// Checks the purchase rate, the price and the day's spend, buys upstream, and records the order.
    /// A purchase that failed without buying anything does not count against the rate.
    async fn purchase(
        &self,
        owner: &str,
        rate_key: &str,
        request: &BuyRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<BoughtNumber, ApiError> {
        let config = self.config()?;
        let slot = match config.buys_per_minute {
            Some(limit) => Some(self.take_purchase_slot(rate_key, limit).await?),
            None => None,
        };
        let result = self.purchase_counted(owner, &config, request, key).await;
        if let (Err(error), Some(at)) = (&result, slot)
            && gives_slot_back(error)
        {
            self.release_purchase_slot(rate_key, at).await;
        }
        result
    }

    async fn purchase_counted(
        &self,
        owner: &str,
        config: &Config,
        request: &BuyRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<BoughtNumber, ApiError> {
        // Where the provider allows only so many open orders, a place is held before anything is asked.
        let Some(limit) = config.rules().open_orders else {
            return self.purchase_priced(owner, config, request, key).await;
        };
        let reservation = format!("buy:{owner}:{}", now().as_millis());
        // Held at most as long as the purchase can take: its own requests' timeouts, with room to spare.
        let until = now().plus_seconds(config.upstream_timeout_ms.div_ceil(1000).saturating_mul(3).saturating_add(30));
        meter::reserve(&self.env, &reservation, until, limit).await?;
        let result = self.purchase_priced(owner, config, request, key).await;
        let settled = match &result {
            Ok(bought) => meter::confirm(&self.env, &reservation, &bought.id, bought.expires_at).await,
            // Nothing bought: the place is free again. Unclear: it stays held until its deadline.
            Err(error) if !may_have_bought(error) => meter::close(&self.env, &reservation).await,
            Err(_) => Ok(()),
        };
        if let Err(error) = settled {
            worker::console_error!("open order not recorded by the meter: {error}");
        }
        result
    }

    async fn purchase_priced(
        &self,
        owner: &str,
        config: &Config,
        request: &BuyRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<BoughtNumber, ApiError> {
        let proxy = ProviderClient::new(config, &self.env);
        let price = proxy.check_price(request).await?;
        let reserved = match config.daily_spend_limit {
            Some(limit) => {
                // An unknown price cannot be counted against the day's cap: refused (see check_price).
                let amount = price.ok_or_else(|| ApiError::NotConfigured {
                    reason: format!(
                        "the {} provider publishes no price, so DAILY_SPEND_LIMIT cannot be counted: set AGENTOTP_PRICE",
                        config.provider.name()
                    ),
                })?;
                spend_ledger::record(&self.env, amount, Some(limit)).await?;
                Some(amount)
            }
            None => None,
        };
        // The provider's keys are one space for the whole account: the caller's key goes up within this
        // caller's own (this object's id, which does not name the caller).
        let scope = self.state.id().to_string();
        let upstream_key = key.map(|k| k.scoped(scope.get(..32).unwrap_or(&scope)));
        let bought = match proxy.buy(request, upstream_key.as_ref()).await {
            Ok(bought) => bought,
            Err(error) => {
                // What was reserved for the day is given back, unless the number may have been bought.
                if let Some(amount) = reserved.filter(|_| !may_have_bought(&error)) {
                    let _ = spend_ledger::record(&self.env, -amount, None).await;
                }
                return Err(error);
            }
        };
        if let Some(amount) = reserved
            && (bought.cost - amount).abs() > f64::EPSILON
        {
            let _ = spend_ledger::record(&self.env, bought.cost - amount, None).await;
        }
        // The number is paid for: from here on nothing may lose it.
        let new = NewOrder {
            service: request.service.as_str().to_owned(),
            country: request.country.as_str().to_owned(),
            bought: bought.clone(),
            policy: config.order_policy(),
        };
        // Failures from here on are logged, never returned: the caller gets the number it paid for, and
        // its Idempotency-Key remembers the purchase, so a retry cannot buy a second one.
        let mut created = None;
        let create = OrderCommand::Create(new);
        match objects::order(&self.env, &bought.id) {
            Ok(stub) => {
                for _ in 0..3 {
                    if let Ok(reply) = objects::send(&stub, owner, &create).await
                        && let Ok(view) = reply.into_result::<OrderView>()
                    {
                        created = Some(view);
                        break;
                    }
                }
            }
            Err(error) => worker::console_error!("order {}: {error}", bought.id),
        }
        match created {
            Some(view) => {
                if let Err(error) = self.index(view).await {
                    worker::console_error!("order {} bought but not listed: {error}", bought.id);
                }
            }
            None => worker::console_error!("order {} bought but its object could not be created", bought.id),
        }
        Ok(bought)
    }
}

impl DurableObject for AccountObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, in_flight: RefCell::new(HashMap::new()) }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let message = match objects::receive::<AccountCommand>(&mut req).await {
            Ok(message) => message,
            Err(e) => return objects::error(&e),
        };
        let owner = message.owner.as_str();
        match message.command {
            AccountCommand::Buy { request, idempotency_key, rate_key } => {
                let key = match idempotency_key.as_deref().map(IdempotencyKey::parse).transpose() {
                    Ok(key) => key,
                    Err(e) => return objects::error(&e),
                };
                objects::answer(self.buy(owner, &rate_key, key, request).await)
            }
            AccountCommand::OrderChanged(view) => {
                objects::answer(self.index(view).await.map(|()| serde_json::json!({"ok": true})))
            }
            AccountCommand::Orders => objects::answer(self.list().await.map(|orders| OrdersResponse { orders })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vnum_protocol::Timestamp;
    use vnum_protocol::api::OrderStatus;

    fn bought(id: &str) -> BoughtNumber {
        BoughtNumber {
            id: id.into(),
            order_code: None,
            phone: "+15550000000".into(),
            expires_at: Timestamp(9),
            cost: 0.18,
            rented_at: None,
        }
    }

    #[test]
    fn purchases_are_limited_per_minute_with_the_wait_until_a_slot_frees() {
        let mut times = Vec::new();
        for at in [0, 10_000, 20_000] {
            assert_eq!(admit_purchase(&mut times, at, 3), Ok(()));
        }
        // The fourth within the minute waits until the first leaves the window (at 60 s).
        assert_eq!(admit_purchase(&mut times, 30_500, 3), Err(ApiError::RateLimited { retry_after_seconds: Some(30) }));
        assert_eq!(times, [0, 10_000, 20_000], "a refused purchase is not counted");
        assert_eq!(admit_purchase(&mut times, 59_999, 3), Err(ApiError::RateLimited { retry_after_seconds: Some(1) }));
        assert_eq!(admit_purchase(&mut times, 60_000, 3), Ok(()), "the first one has left the window");
        assert_eq!(times, [10_000, 20_000, 60_000]);
        // A limit lowered below what is recorded counts the newest ones.
        assert_eq!(admit_purchase(&mut times, 61_000, 1), Err(ApiError::RateLimited { retry_after_seconds: Some(59) }));
    }

    #[test]
    fn only_an_answer_that_says_so_proves_nothing_was_bought() {
        for nothing in [
            ApiError::NoNumbers,
            ApiError::InsufficientBalance,
            ApiError::PriceAboveLimit { price: 1.25, limit: 1.0 },
            ApiError::UpstreamRejected { status: 400, message: "bad country".into() },
        ] {
            assert!(!may_have_bought(&nothing), "{nothing}");
            assert!(gives_slot_back(&nothing), "{nothing}");
        }
        // The provider's own 429: nothing bought, but the attempt still counts (its limit is everyone's).
        let slow_down = ApiError::RateLimited { retry_after_seconds: Some(3) };
        assert!(!may_have_bought(&slow_down) && !gives_slot_back(&slow_down));
        for unclear in [
            ApiError::UpstreamTimeout { timeout_seconds: 10 },
            ApiError::UpstreamUnavailable { status: Some(502), retry_after_seconds: None },
            ApiError::upstream_invalid("html"),
        ] {
            assert!(may_have_bought(&unclear), "{unclear}");
            assert!(!gives_slot_back(&unclear), "{unclear}");
        }
    }

    #[test]
    fn a_key_replays_only_the_same_purchase() {
        let wa: BuyRequest = serde_json::from_str(r#"{"service":"wa","country":"187"}"#).expect("wa");
        let tg: BuyRequest = serde_json::from_str(r#"{"service":"tg","country":"187"}"#).expect("tg");
        let remembered = Remembered { fingerprint: fingerprint(&wa), bought: bought("a"), at: 0 };
        assert_eq!(replay(&remembered, &fingerprint(&wa)), Ok(bought("a")));
        assert!(matches!(replay(&remembered, &fingerprint(&tg)), Err(ApiError::InvalidRequest { .. })));
    }

    #[test]
    fn the_list_is_newest_first_and_updates_in_place() {
        let view = |id: &str, at: u64, status: OrderStatus| OrderView {
            id: id.into(),
            order_code: None,
            phone: String::new(),
            service: "wa".into(),
            country: "187".into(),
            cost: 0.1,
            status,
            sms_code: None,
            sms_text: None,
            codes: Vec::new(),
            created_at: Timestamp(at),
            expires_at: Timestamp(at),
            cancel_available_at: Timestamp(at),
        };
        let mut list = Vec::new();
        upsert(&mut list, view("old", 1, OrderStatus::Waiting));
        upsert(&mut list, view("new", 2, OrderStatus::Waiting));
        upsert(&mut list, view("old", 1, OrderStatus::Finished));
        assert_eq!(list.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["new", "old"]);
        assert_eq!(list[1].status, OrderStatus::Finished);
    }
}
