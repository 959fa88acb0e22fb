//! Following an open order: one watcher per card, by the client's waiting rule.

use std::cell::Cell;

use leptos::prelude::*;
use vnum_client::Transport;
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::waiting::{self, GiveUp, Next, Pace, Then, Until, Waiting};

use crate::model::{self, POLL_INTERVAL_MS};
use crate::web;

use super::{AppState, Ask, Reply, ask};

/// How many long-polls may be open at once: browsers allow six HTTP/1.1 connections per origin, and
/// the rest of the app needs some. Orders beyond these poll their status every 4 s instead.
const MAX_LONG_POLLS: u32 = 2;

thread_local! {
    static LONG_POLLS: Cell<u32> = const { Cell::new(0) };
    /// The proxy has no `/numbers/wait` (an older one): poll the status only.
    static NO_LONG_POLL: Cell<bool> = const { Cell::new(false) };
}

/// One of the [`MAX_LONG_POLLS`] long-poll slots, given back when dropped (also when the watcher is
/// cancelled mid-request).
struct LongPollSlot;

impl LongPollSlot {
    fn take() -> Option<Self> {
        if NO_LONG_POLL.get() {
            return None;
        }
        LONG_POLLS.with(|n| (n.get() < MAX_LONG_POLLS).then(|| n.set(n.get() + 1)).map(|()| LongPollSlot))
    }
}

impl Drop for LongPollSlot {
    fn drop(&mut self) {
        LONG_POLLS.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// Follows one open order until it ends or its card is gone, by the client's waiting rule
/// ([`vnum_client::waiting`]): its status at once, then the proxy's long-poll while it waits for an SMS
/// (answered as soon as a code arrives; at most [`MAX_LONG_POLLS`] at once), else its status every 4 s.
/// Failures retry with backoff and are told in `problem`; an order the proxy does not know sets `lost`.
pub(super) async fn watch(app: AppState, id: String, problem: RwSignal<Option<String>>, lost: RwSignal<bool>) {
    let client = app.client();
    let pace = Pace { interval_ms: POLL_INTERVAL_MS, retry_base_ms: 1_000, retry_max_ms: model::MAX_BACKOFF_MS };
    let mut rule = Waiting::new(Until::Ended, GiveUp::WhenOrderGone, pace, !NO_LONG_POLL.get());
    let mut next = rule.first();
    loop {
        let Some(order) = app.order(&id) else { return };
        if !order.is_open() {
            return;
        }
        // Without a free long-poll slot, the status now; the rule asks for the long-poll again next time.
        let slot = if next == waiting::Ask::LongPoll { LongPollSlot::take() } else { None };
        let asked = if slot.is_some() { waiting::Ask::LongPoll } else { waiting::Ask::Status };
        let asked_at = web::now_ms();
        let request = match asked {
            waiting::Ask::LongPoll => Ask::Wait(id.clone()),
            waiting::Ask::Status => Ask::Status(id.clone()),
        };
        let answer = ask(&client, &request).await;
        drop(slot);
        let then = match answer {
            Ok(Reply::Status(status)) => {
                problem.set(None);
                app.apply_status(&id, &status);
                match rule.on_status(asked, &status, web::now_ms().saturating_sub(asked_at)) {
                    Next::Ask(then) => then,
                    Next::Code | Next::Ended => {
                        app.refresh_balance();
                        return;
                    }
                }
            }
            Ok(_) => Then { ask: waiting::Ask::Status, after_ms: POLL_INTERVAL_MS },
            Err(e) => {
                let unsupported = e.code == ErrorCode::NotSupported && asked == waiting::Ask::LongPoll;
                if unsupported {
                    NO_LONG_POLL.set(true);
                }
                match rule.on_error(asked, &e) {
                    Some(then) => {
                        if !unsupported {
                            problem.set(Some(model::retrying(&e, then.after_ms)));
                        }
                        then
                    }
                    None => {
                        lost.set(e.code != ErrorCode::Unauthorized);
                        problem.set(Some(app.explain(&e)));
                        return;
                    }
                }
            }
        };
        next = then.ask;
        if then.after_ms > 0 {
            client.transport().sleep(then.after_ms).await;
        }
    }
}
