//! One active order: the number, the code, the timers and the actions.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::api::OrderStatus;

use crate::model::{self, CancelState, SavedOrder};
use crate::web;

use super::watching::watch;
use super::{ACTION_ATTEMPTS, Ask, Reply, app, ask_retrying};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Act {
    Finish,
    Another,
    Cancel,
}

/// One active order: the number, the code, the timers and the actions.
#[component]
pub(super) fn OrderCard(id: String) -> impl IntoView {
    let app = app();
    let order = {
        let id = id.clone();
        Memo::new(move |_| app.orders.with(|list| list.iter().find(|o| o.id == id).cloned()))
    };
    let open = Memo::new(move |_| order.with(|o| o.as_ref().is_some_and(SavedOrder::is_open)));
    let status = Memo::new(move |_| order.with(|o| o.as_ref().map_or(OrderStatus::Waiting, |o| o.status.clone())));
    // What a card shows of the SMS: the code and the message, once there.
    let sms = Memo::new(move |_| {
        order.with(|o| {
            o.as_ref().filter(|o| o.shows_code()).map(|o| (o.code.clone().unwrap_or_default(), o.text.clone()))
        })
    });

    // One clock per card, stopped when the order ends or the card goes.
    let now = RwSignal::new(web::now_ms());
    let ticking = set_interval_with_handle(move || now.set(web::now_ms()), Duration::from_secs(1)).ok();
    let stop_clock = move || {
        if let Some(ticking) = ticking {
            ticking.clear();
        }
    };
    on_cleanup(stop_clock);
    Effect::new(move |_| {
        if !open.get() {
            stop_clock();
        }
    });

    let problem = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<Act>);
    let lost = RwSignal::new(false);
    spawn_local_scoped_with_cancellation(watch(app, id.clone(), problem, lost));

    // What never changes after the purchase.
    let first = app.order(&id);
    let phone = first.as_ref().map(|o| o.phone.clone()).unwrap_or_default();
    let reference = first.as_ref().map(|o| o.order_code.clone().unwrap_or_else(|| o.id.clone())).unwrap_or_default();
    let cost = first.as_ref().map_or(0.0, |o| o.cost);
    let (service, country) = first.map(|o| (o.service, o.country)).unwrap_or_default();

    let label = format!("Order {phone}");
    let id = StoredValue::new(id);
    let act = move |act: Act| {
        busy.set(Some(act));
        error.set(None);
        spawn_local_scoped_with_cancellation(async move {
            let id = id.get_value();
            let client = app.client();
            let note = move |text| error.set(text);
            let request = match act {
                Act::Finish => Ask::Finish(id.clone()),
                Act::Another => Ask::Another(id.clone()),
                Act::Cancel => Ask::Cancel(id.clone()),
            };
            let result = ask_retrying(&client, &request, ACTION_ATTEMPTS, &note).await;
            busy.set(None);
            let at = web::now_ms();
            match result {
                Ok(Reply::Done(answer)) => {
                    app.update_order(&id, |o| {
                        if act == Act::Another {
                            o.waiting_since = at;
                        }
                        let changed = o.status != answer.status;
                        o.status = answer.status;
                        changed || act == Act::Another
                    });
                    if act != Act::Another {
                        app.refresh_balance();
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    if let (ErrorCode::CancelTooEarly, Some(seconds)) = (&e.code, e.retry_after_seconds) {
                        app.update_order(&id, |o| {
                            o.cancel_at = Some(at + seconds * 1000);
                            true
                        });
                    }
                    error.set(Some(app.explain(&e)));
                }
            }
        });
    };
    let close = move |_| app.update_order(&id.get_value(), |o| !std::mem::replace(&mut o.closed, true));
    // An order the proxy does not know (its state was reset, or it belongs to another token).
    let remove = move |_| app.orders.update(|list| list.retain(|o| o.id != id.get_value()));

    let currency = move || app.balance.with(|b| b.as_ref().map(|b| b.currency.clone())).unwrap_or_default();
    let names = move || {
        let service = app.services.with(|c| model::name_of(c, &service));
        let country = app.countries.with(|c| model::name_of(c, &country));
        format!("{service} · {country}")
    };
    let cancel = move || order.with(|o| o.as_ref().map_or(CancelState::Hidden, |o| model::cancel_state(o, now.get())));
    let expires_in = move || {
        order.with(|o| {
            o.as_ref().map(|o| match o.expires_at.checked_sub(now.get()) {
                Some(left) if left > 0 => model::clock(left),
                _ => "now".to_owned(),
            })
        })
    };
    let waiting = move || {
        (open.get() && status.get() == OrderStatus::Waiting).then(|| {
            let again = order.with_untracked(|o| o.as_ref().is_some_and(|o| o.code.is_some()));
            view! {
                <p class="waiting" data-testid="waiting" role="status">
                    <span class="pulse" aria-hidden="true"></span>
                    {if again { "Waiting for another SMS… " } else { "Waiting for SMS… " }}
                    <span class="elapsed" data-testid="elapsed">
                        {move || {
                            let since = order.with(|o| o.as_ref().map_or(0, |o| o.waiting_since));
                            model::elapsed(now.get().saturating_sub(since))
                        }}
                    </span>
                </p>
            }
        })
    };
    let code = move || {
        sms.get().map(|(code, text)| {
            view! {
                <div class="big-row">
                    <span class="code" data-testid="sms-code">{code.clone()}</span>
                    <CopyButton text=code what="code" testid="copy-code"/>
                </div>
                {text.map(|text| view! { <p class="sms-text" data-testid="sms-text">{text}</p> })}
            }
        })
    };
    let actions = move || {
        if lost.get() {
            return view! {
                <div class="actions">
                    <button type="button" data-testid="remove-order" on:click=remove>"Remove from this browser"</button>
                </div>
            }
            .into_any();
        }
        if !open.get() {
            let note = order.with_untracked(|o| o.as_ref().map(|o| model::final_note(o, &currency())));
            return view! {
                <div class="actions">
                    <p class="final" data-testid="final-note">{note}</p>
                    <button type="button" data-testid="close-order" on:click=close>"Close"</button>
                </div>
            }
            .into_any();
        }
        let not_received = move || busy.get().is_some() || status.get() != OrderStatus::Received;
        view! {
            <div class="actions">
                <button type="button" class="primary" data-testid="finish" disabled=not_received on:click=move |_| act(Act::Finish)>
                    {move || if busy.get() == Some(Act::Finish) { "Finishing…" } else { "Finish" }}
                </button>
                <button type="button" data-testid="another" disabled=not_received on:click=move |_| act(Act::Another)>
                    "Another SMS"
                </button>
                <button
                    type="button"
                    data-testid="cancel"
                    hidden=move || cancel() == CancelState::Hidden
                    disabled=move || busy.get().is_some() || cancel() != CancelState::Ready
                    on:click=move |_| act(Act::Cancel)
                >
                    {move || match cancel() {
                        CancelState::Wait(left) => format!("Cancel in {}", model::clock(left)),
                        CancelState::Checking => "Cancel…".to_owned(),
                        _ if busy.get() == Some(Act::Cancel) => "Cancelling…".to_owned(),
                        _ => "Cancel".to_owned(),
                    }}
                </button>
            </div>
        }
        .into_any()
    };

    view! {
        <article
            class="order"
            data-testid="order"
            data-order-id=id.get_value()
            data-status=move || status.get().as_str().to_owned()
            aria-label=label
        >
            <header class="order-head">
                <span class="what">{names}</span>
                <span class=move || format!("badge {}", status.get().as_str()) data-testid="order-status">
                    {move || model::status_label(&status.get()).to_owned()}
                </span>
            </header>
            <div class="big-row">
                <span class="phone" data-testid="phone">{phone.clone()}</span>
                <CopyButton text=phone what="number" testid="copy-phone"/>
            </div>
            <dl class="facts">
                <div>
                    <dt>"Order"</dt>
                    <dd data-testid="order-code">{reference}</dd>
                </div>
                <div>
                    <dt>"Cost"</dt>
                    <dd data-testid="order-cost">{move || model::money(cost, &currency())}</dd>
                </div>
                <div hidden=move || !open.get()>
                    <dt>"Expires in"</dt>
                    <dd data-testid="expires-in">{expires_in}</dd>
                </div>
            </dl>
            {waiting}
            <div class="code-box" aria-live="polite">{code}</div>
            {move || problem.get().map(|text| view! { <p class="notice small" role="status" data-testid="order-problem">{text}</p> })}
            {move || error.get().map(|text| view! { <p class="error" role="alert" data-testid="order-error">{text}</p> })}
            {actions}
        </article>
    }
}

/// Copies `text`, then says "Copied" for two seconds.
#[component]
pub(super) fn CopyButton(text: String, what: &'static str, testid: &'static str) -> impl IntoView {
    let text = StoredValue::new(text);
    let state = RwSignal::new(None::<bool>);
    let reset = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = reset.try_get_value() {
            handle.clear();
        }
    });
    let copy = move |_| {
        let value = text.get_value();
        spawn_local_scoped_with_cancellation(async move {
            state.set(Some(web::copy(&value).await));
            if let Some(handle) = reset.get_value() {
                handle.clear();
            }
            let handle = set_timeout_with_handle(move || state.set(None), Duration::from_secs(2)).ok();
            reset.set_value(handle);
        });
    };
    view! {
        // The name is the visible word and the hidden object ("Copy the code", "Copied the code"), so that
        // what a person sees is what a voice user says (WCAG 2.5.3).
        <button type="button" class="copy" data-testid=testid on:click=copy>
            {move || match state.get() {
                None => "Copy",
                Some(true) => "Copied",
                Some(false) => "Select and copy by hand",
            }}
            <span class="visually-hidden">{format!(" the {what}")}</span>
        </button>
    }
}
