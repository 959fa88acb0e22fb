//! Buying: the searchable service and country pickers, the offer for the pair (price and stock, or why
//! it cannot be bought), and Buy.

use std::time::Duration;

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::api::{BuyRequest, Price};
use vnum_client::vnum_protocol::validate::{CountryCode, ServiceCode};

use crate::model::{self, Choice, Offer, SavedOrder};
use crate::web;

use super::history::History;
use super::order_card::OrderCard;
use super::{ACTION_ATTEMPTS, Ask, Reply, app, ask_retrying};

/// How often the balance is asked for while nothing else changes it.
const BALANCE_REFRESH: Duration = Duration::from_secs(30);

/// Buying and the orders: mounted once the proxy accepts the caller, so a new token reloads it all.
#[component]
pub(super) fn Shop() -> impl IntoView {
    let app = app();
    let note = move |text: Option<String>| app.notice.set(text);

    // The catalogue, once per mount.
    spawn_local_scoped_with_cancellation(async move {
        let client = app.client();
        match ask_retrying(&client, &Ask::Services, 0, &note).await {
            Ok(Reply::Services(list)) => app.services.set(list.iter().map(Choice::service).collect()),
            Ok(_) => {}
            Err(e) => return app.notice.set(Some(app.explain(&e))),
        }
        match ask_retrying(&client, &Ask::Countries, 0, &note).await {
            Ok(Reply::Countries(list)) => app.countries.set(list.iter().map(Choice::country).collect()),
            Ok(_) => {}
            Err(e) => app.notice.set(Some(app.explain(&e))),
        }
    });
    // The caller's orders as the proxy records them: a lost or older local list catches up.
    spawn_local_scoped_with_cancellation(async move {
        let client = app.client();
        match ask_retrying(&client, &Ask::Orders, 0, &|_| {}).await {
            Ok(Reply::Orders(views)) => app.merge(&views.iter().map(SavedOrder::from_view).collect::<Vec<_>>()),
            Err(e) if e.code == ErrorCode::Unauthorized => app.ask_for_token(),
            _ => {}
        }
    });
    // The balance: now, after anything that moves money, and every 30 s.
    Effect::new(move |_| {
        app.balance_version.track();
        spawn_local_scoped_with_cancellation(async move {
            let client = app.client();
            match ask_retrying(&client, &Ask::Balance, 0, &note).await {
                Ok(Reply::Balance(balance)) => app.balance.set(Some(balance)),
                Ok(_) => {}
                Err(e) => app.notice.set(Some(app.explain(&e))),
            }
        });
    });
    let tick = set_interval_with_handle(move || app.refresh_balance(), BALANCE_REFRESH).ok();
    on_cleanup(move || {
        if let Some(tick) = tick {
            tick.clear();
        }
    });

    let service = RwSignal::new(None::<String>);
    let country = RwSignal::new(None::<String>);
    let active = Memo::new(move |_| {
        app.orders.with(|list| list.iter().filter(|o| o.is_active()).map(|o| o.id.clone()).collect::<Vec<_>>())
    });

    view! {
        <main class="layout">
            <section class="panel buy" aria-labelledby="buy-title">
                <h2 id="buy-title">"Buy a number"</h2>
                <Picker
                    label="Service"
                    search_label="Search services"
                    name="service"
                    placeholder="e.g. whats"
                    choices=app.services
                    selected=service
                />
                <Picker
                    label="Country"
                    search_label="Search countries"
                    name="country"
                    placeholder="Name or code, e.g. GB"
                    choices=app.countries
                    selected=country
                />
                <OfferPanel service country/>
            </section>
            <section class="panel orders" aria-labelledby="orders-title">
                <h2 id="orders-title">"Your numbers"</h2>
                {move || {
                    active
                        .with(Vec::is_empty)
                        .then(|| {
                            view! {
                                <p class="empty" data-testid="no-orders">
                                    "No open orders. Pick a service and a country, then buy a number."
                                </p>
                            }
                        })
                }}
                <For each=move || active.get() key=|id| id.clone() let:id>
                    <OrderCard id/>
                </For>
                <History/>
            </section>
        </main>
    }
}

/// A searchable list of radio buttons: type to filter, arrow keys to move, Enter takes the best match.
#[component]
pub(super) fn Picker(
    label: &'static str,
    /// The search field's name for screen readers.
    search_label: &'static str,
    name: &'static str,
    placeholder: &'static str,
    choices: RwSignal<Vec<Choice>>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let matches = Memo::new(move |_| {
        let query = query.get();
        choices.with(|c| model::search(c, &query).into_iter().take(80).cloned().collect::<Vec<_>>())
    });
    let pick_best = move |event: KeyboardEvent| {
        if event.key() == "Enter" {
            event.prevent_default();
            if let Some(best) = matches.with(|m| m.first().map(|c| c.code.clone())) {
                selected.set(Some(best));
            }
        }
    };
    let chosen = move || {
        let code = selected.get()?;
        Some(choices.with(|c| model::name_of(c, &code)))
    };
    view! {
        <fieldset class="picker" data-testid=format!("{name}-picker")>
            <legend>
                {label} <span class="chosen" data-testid=format!("{name}-chosen")>{chosen}</span>
            </legend>
            <input
                type="search"
                class="search"
                placeholder=placeholder
                autocomplete="off"
                aria-label=search_label
                data-testid=format!("{name}-search")
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=pick_best
            />
            <div class="choices" role="radiogroup" aria-label=label>
                {move || {
                    let empty = if choices.with(Vec::is_empty) {
                        Some("Loading…")
                    } else if matches.with(Vec::is_empty) {
                        Some("Nothing matches.")
                    } else {
                        None
                    };
                    empty.map(|text| view! { <p class="empty">{text}</p> })
                }}
                <For each=move || matches.get() key=|c| c.code.clone() let:choice>
                    {
                        let code = StoredValue::new(choice.code.clone());
                        let is_chosen = move || selected.with(|s| s.as_deref() == Some(code.get_value().as_str()));
                        let hint = if choice.alias.is_empty() { choice.code.clone() } else { choice.alias.clone() };
                        view! {
                            <label class="choice" class:chosen=is_chosen>
                                <input
                                    type="radio"
                                    name=name
                                    value=choice.code.clone()
                                    data-testid=format!("{name}-option-{}", choice.code)
                                    prop:checked=is_chosen
                                    on:change=move |_| selected.set(Some(code.get_value()))
                                />
                                <span class="name">{choice.name.clone()}</span>
                                <span class="hint">{hint}</span>
                            </label>
                        }
                    }
                </For>
            </div>
        </fieldset>
    }
}

/// The price and stock of the chosen pair, and the Buy button.
#[component]
pub(super) fn OfferPanel(service: RwSignal<Option<String>>, country: RwSignal<Option<String>>) -> impl IntoView {
    let app = app();
    let retry_note = RwSignal::new(None::<String>);
    // The answer for a pair: (service, country, prices or the sentence of the error).
    let prices = RwSignal::new(None::<(String, String, Result<Vec<Price>, String>)>);
    let asked = RwSignal::new(0u32);
    // Asked again when the pair changes or after a purchase; the task of an older question is
    // cancelled when the effect runs again.
    Effect::new(move |_| {
        asked.track();
        let Some((s, c)) = service.get().zip(country.get()) else { return };
        spawn_local_scoped_with_cancellation(async move {
            let client = app.client();
            let note = move |text| retry_note.set(text);
            let answer = match ask_retrying(&client, &Ask::Prices(s.clone(), c.clone()), 0, &note).await {
                Ok(Reply::Prices(list)) => Ok(list),
                Ok(_) => Ok(Vec::new()),
                Err(e) => Err(app.explain(&e)),
            };
            prices.set(Some((s, c, answer)));
        });
    });
    // The offer for the pair chosen now (None while its price is being asked).
    let offer = move || -> Option<Result<Offer, String>> {
        let (s, c) = service.get().zip(country.get())?;
        let (ps, pc, answer) = prices.get()?;
        if (ps.as_str(), pc.as_str()) != (s.as_str(), c.as_str()) {
            return None;
        }
        let free = app.balance.with(|b| b.as_ref().map(|b| b.balance));
        let limit = app.health.with(|h| h.as_ref().and_then(|h| h.max_price));
        Some(answer.map(|list| Offer::of(&list, &s, &c, free, limit)))
    };
    let buying = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let buy = move |_| {
        let (Some(s), Some(c)) = (service.get_untracked(), country.get_untracked()) else { return };
        let (Ok(service_code), Ok(country_code)) = (ServiceCode::parse(&s), CountryCode::parse(&c)) else { return };
        buying.set(true);
        problem.set(None);
        spawn_local_scoped_with_cancellation(async move {
            let request = BuyRequest { service: service_code, country: country_code, operator: None, max_price: None };
            // One key for this purchase and its retries: the proxy buys once.
            let purchase = Ask::Buy(request, web::purchase_key());
            let client = app.client();
            let note = move |text| problem.set(text);
            let result = ask_retrying(&client, &purchase, ACTION_ATTEMPTS, &note).await;
            buying.set(false);
            match result {
                Ok(Reply::Bought(bought)) => {
                    app.add_order(SavedOrder::bought(&bought, &s, &c, web::now_ms()));
                    asked.update(|n| *n = n.wrapping_add(1));
                    // On a phone the card may be out of sight: show it once it is there.
                    leptos::task::tick().await;
                    web::reveal(&bought.id);
                }
                Ok(_) => {}
                Err(e) => problem.set(Some(app.explain(&e))),
            }
            app.refresh_balance();
        });
    };
    let can_buy = move || offer().is_some_and(|o| o.is_ok_and(|o| o.can_buy()));
    let currency = move || app.balance.with(|b| b.as_ref().map_or_else(|| "USD".to_owned(), |b| b.currency.clone()));
    view! {
        <div class="offer" data-testid="offer" aria-live="polite">
            {move || match (service.get().zip(country.get()), offer()) {
                (None, _) => view! { <p class="hint-text">"Choose a service and a country to see the price."</p> }.into_any(),
                (Some(_), None) => view! {
                    <p class="hint-text" data-testid="offer-loading">
                        {move || retry_note.get().unwrap_or_else(|| "Checking price and stock…".to_owned())}
                    </p>
                }
                    .into_any(),
                (Some(_), Some(Ok(offer))) => {
                    let kind = match offer {
                        Offer::Available { .. } => "available",
                        Offer::OutOfStock { .. } => "out-of-stock",
                        Offer::AboveLimit { .. } => "above-limit",
                        Offer::TooExpensive { .. } => "too-expensive",
                        Offer::NotListed => "not-listed",
                    };
                    view! {
                        <p class=format!("offer-line {kind}") data-testid="offer-line" data-offer=kind>
                            {offer.sentence(&currency())}
                        </p>
                    }
                        .into_any()
                }
                (Some(_), Some(Err(sentence))) => view! {
                    <p class="error" data-testid="offer-error">{sentence}</p>
                }
                    .into_any(),
            }}
            <button
                type="button"
                class="primary buy"
                data-testid="buy"
                disabled=move || buying.get() || !can_buy()
                on:click=buy
            >
                {move || if buying.get() { "Buying…" } else { "Buy number" }}
            </button>
            {move || problem.get().map(|text| view! { <p class="error" role="alert" data-testid="buy-error">{text}</p> })}
        </div>
    }
}
