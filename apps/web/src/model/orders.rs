//! Orders as the app keeps them (in memory and in `localStorage`): how they are saved, merged with
//! what the proxy and other tabs know, tidied, and when one can be cancelled.

use serde::{Deserialize, Serialize};
use vnum_client::vnum_protocol::api::{BoughtNumber, OrderStatus, OrderView, StatusResponse};

/// `localStorage` key of the saved orders (JSON array of [`SavedOrder`]).
pub const ORDERS_KEY: &str = "vnum.orders.v1";
/// `localStorage` key of the access token.
pub const TOKEN_KEY: &str = "vnum.token";
/// How many orders are kept locally: every open one, then the newest closed ones.
pub const MAX_SAVED: usize = 100;

/// One order as the app keeps it (in memory and in `localStorage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedOrder {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_code: Option<String>,
    pub phone: String,
    /// Service code, e.g. `wa`.
    pub service: String,
    /// Country code, e.g. `187`.
    pub country: String,
    pub cost: f64,
    /// Milliseconds since the epoch, like every time here.
    pub created_at: u64,
    pub expires_at: u64,
    /// When cancelling becomes allowed, once the proxy said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_at: Option<u64>,
    pub status: OrderStatus,
    /// The latest code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The latest whole message, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Since when the order waits for an SMS (purchase, or the last "another SMS").
    #[serde(default)]
    pub waiting_since: u64,
    /// The person closed the finished card: the order is only in the history.
    #[serde(default)]
    pub closed: bool,
}

impl SavedOrder {
    /// The order just bought.
    pub fn bought(bought: &BoughtNumber, service: &str, country: &str, now: u64) -> Self {
        Self {
            id: bought.id.clone(),
            order_code: bought.order_code.clone(),
            phone: bought.phone.clone(),
            service: service.to_owned(),
            country: country.to_owned(),
            cost: bought.cost,
            created_at: now,
            expires_at: bought.expires_at.as_millis(),
            cancel_at: None,
            status: OrderStatus::Waiting,
            code: None,
            text: None,
            waiting_since: now,
            closed: false,
        }
    }

    /// An order of the proxy's list (`GET /orders`) that this browser did not know.
    pub fn from_view(view: &OrderView) -> Self {
        let created_at = view.created_at.as_millis();
        Self {
            id: view.id.clone(),
            order_code: view.order_code.clone(),
            phone: view.phone.clone(),
            service: view.service.clone(),
            country: view.country.clone(),
            cost: view.cost,
            created_at,
            expires_at: view.expires_at.as_millis(),
            cancel_at: Some(view.cancel_available_at.as_millis()),
            status: view.status.clone(),
            code: view.sms_code.clone(),
            text: view.sms_text.clone(),
            waiting_since: view.codes.last().map_or(created_at, |c| c.received_at.as_millis()),
            // Past orders found on the server go straight to the history.
            closed: view.status.is_final(),
        }
    }

    /// Whether the order can still change (unknown statuses count as open, so they are watched).
    pub fn is_open(&self) -> bool {
        !self.status.is_final()
    }

    /// Whether the card shows the order (open, or ended and not closed yet).
    pub fn is_active(&self) -> bool {
        self.is_open() || !self.closed
    }

    /// Whether a code is there to show: received, or kept after the order finished.
    pub fn shows_code(&self) -> bool {
        self.code.is_some() && matches!(self.status, OrderStatus::Received | OrderStatus::Finished)
    }

    /// Takes in a status answer; whether anything changed. An end is final: an answer that was on its
    /// way while the order was finished or cancelled here does not reopen it.
    pub fn apply_status(&mut self, status: &StatusResponse, now: u64) -> bool {
        if self.status.is_final() && !status.status.is_final() {
            return false;
        }
        let before = self.clone();
        if self.status == OrderStatus::Received && status.status == OrderStatus::Waiting {
            self.waiting_since = now;
        }
        self.status = status.status.clone();
        if let Some(code) = status.sms_code.as_ref().filter(|c| !c.is_empty()) {
            if self.code.as_ref() != Some(code) {
                self.text = None;
            }
            self.code = Some(code.clone());
        }
        if status.sms_text.is_some() {
            self.text.clone_from(&status.sms_text);
        }
        if !status.phone.is_empty() {
            self.phone.clone_from(&status.phone);
        }
        if let Some(at) = status.expires_at {
            self.expires_at = at.as_millis();
        }
        if let Some(at) = status.cancel_available_at {
            self.cancel_at = Some(at.as_millis());
        }
        *self != before
    }

    /// Takes in what another source knows (another tab's copy, or the proxy's list), without going
    /// back: an end beats an open state, a code beats none, a closed card stays closed. The order's own
    /// status requests are the truth for everything else. Whether anything changed.
    pub fn absorb(&mut self, other: &SavedOrder) -> bool {
        if other.id != self.id {
            return false;
        }
        let before = self.clone();
        if other.status.is_final() && !self.status.is_final() {
            self.status = other.status.clone();
        }
        if other.code.is_some() && (self.code.is_none() || other.waiting_since > self.waiting_since) {
            self.code.clone_from(&other.code);
            self.text.clone_from(&other.text);
            if self.status == OrderStatus::Waiting && other.status == OrderStatus::Received {
                self.status = OrderStatus::Received;
            }
        }
        if self.cancel_at.is_none() {
            self.cancel_at = other.cancel_at;
        }
        if self.order_code.is_none() {
            self.order_code.clone_from(&other.order_code);
        }
        self.closed |= other.closed && self.status.is_final();
        *self != before
    }
}

/// Merges `incoming` into `list` (absorbing known orders, adding new ones), newest first, trimmed to
/// [`MAX_SAVED`]. Whether `list` changed.
pub fn merge(list: &mut Vec<SavedOrder>, incoming: &[SavedOrder]) -> bool {
    let mut changed = false;
    for other in incoming {
        match list.iter_mut().find(|o| o.id == other.id) {
            Some(known) => changed |= known.absorb(other),
            None => {
                list.push(other.clone());
                changed = true;
            }
        }
    }
    if changed {
        tidy(list);
    }
    changed
}

/// Newest first; every open order kept, then closed ones up to [`MAX_SAVED`] in all.
pub fn tidy(list: &mut Vec<SavedOrder>) {
    // An insertion sort: the list is short and almost always sorted already (a new order comes last,
    // or nothing moved), and it keeps the generic sorts of the standard library out of the wasm.
    let newer = |a: &SavedOrder, b: &SavedOrder| (a.created_at, &b.id) > (b.created_at, &a.id);
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 && newer(&list[j], &list[j - 1]) {
            list.swap(j, j - 1);
            j -= 1;
        }
    }
    let mut kept = 0;
    list.retain(|o| {
        kept += 1;
        o.is_active() || kept <= MAX_SAVED
    });
}

/// The saved orders as stored.
pub fn encode_orders(list: &[SavedOrder]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads stored orders; a list that cannot be read (a hand edit, a future version) is dropped whole:
/// `GET /orders` brings every order back from the proxy.
pub fn decode_orders(text: &str) -> Vec<SavedOrder> {
    // From bytes, like every answer of the client: one JSON reader in the wasm, not two.
    let mut list: Vec<SavedOrder> = serde_json::from_slice(text.as_bytes()).unwrap_or_default();
    tidy(&mut list);
    list
}

/// What the cancel button can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelState {
    /// Not for this order (a code arrived, or it ended).
    Hidden,
    /// Not known yet when it opens (until the first status answer).
    Checking,
    /// Not yet: this many milliseconds left.
    Wait(u64),
    /// Allowed now.
    Ready,
}

/// The cancel button of `order` at `now`.
pub fn cancel_state(order: &SavedOrder, now: u64) -> CancelState {
    if order.status != OrderStatus::Waiting || order.code.is_some() {
        return CancelState::Hidden;
    }
    match order.cancel_at {
        None => CancelState::Checking,
        Some(at) if now < at => CancelState::Wait(at - now),
        Some(_) => CancelState::Ready,
    }
}
