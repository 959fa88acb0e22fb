//! The components: the header (balance, demo badge), the token form, the pickers and the offer, one card
//! per active order, the history. Shared state is one [`AppState`] of signals in context; every request
//! goes through `vnum_client::Client`; every timer and task belongs to the view that started it and
//! ends with it (`on_cleanup`, `spawn_local_scoped_with_cancellation`).

use std::cell::Cell;
use std::time::Duration;

use leptos::ev::{self, KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::api::{
    ActionResponse, Balance, BoughtNumber, BuyRequest, Country, Health, OrderStatus, OrderView, Price, Service,
    StatusResponse,
};
use vnum_client::vnum_protocol::validate::{CountryCode, ServiceCode};
use vnum_client::{Client, Error, Transport};

use crate::model::{
    self, CancelState, Choice, LONG_POLL_SECONDS, ORDERS_KEY, Offer, POLL_INTERVAL_MS, SavedOrder, TOKEN_KEY,
};
use crate::web;

/// How many long-polls may be open at once: browsers allow six HTTP/1.1 connections per origin, and
/// the rest of the app needs some. Orders beyond these poll their status every 4 s instead.
const MAX_LONG_POLLS: u32 = 2;
/// How often the balance is asked for while nothing else changes it.
const BALANCE_REFRESH: Duration = Duration::from_secs(30);
/// How many times a purchase or an action is tried when the answer says retrying may help.
const ACTION_ATTEMPTS: u32 = 4;

/// Everything the components share. `Copy`: signals are handles.
#[derive(Clone, Copy)]
struct AppState {
    base_url: StoredValue<String>,
    /// The access token, when the person gave one (kept in `localStorage`).
    token: RwSignal<Option<String>>,
    /// The proxy answered `UNAUTHORIZED`: the token form replaces the shop.
    needs_token: RwSignal<bool>,
    health: RwSignal<Option<Health>>,
    balance: RwSignal<Option<Balance>>,
    /// Bumped to ask for the balance again.
    balance_version: RwSignal<u32>,
    services: RwSignal<Vec<Choice>>,
    countries: RwSignal<Vec<Choice>>,
    /// Every order this browser knows, newest first (mirrored in `localStorage`).
    orders: RwSignal<Vec<SavedOrder>>,
    /// A problem of the whole app (catalogue or balance unreachable), as a sentence.
    notice: RwSignal<Option<String>>,
}

impl AppState {
    fn new() -> Self {
        let orders = web::load(ORDERS_KEY).map(|text| model::decode_orders(&text)).unwrap_or_default();
        Self {
            base_url: StoredValue::new(web::api_base()),
            token: RwSignal::new(web::load(TOKEN_KEY).filter(|t| !t.is_empty())),
            needs_token: RwSignal::new(false),
            health: RwSignal::new(None),
            balance: RwSignal::new(None),
            balance_version: RwSignal::new(0),
            services: RwSignal::new(Vec::new()),
            countries: RwSignal::new(Vec::new()),
            orders: RwSignal::new(orders),
            notice: RwSignal::new(None),
        }
    }

    /// A client for the current token (cheap: no connection is set up).
    fn client(&self) -> Client {
        let base = self.base_url.get_value();
        let client = match self.token.get_untracked() {
            Some(token) => Client::with_token(&base, &token),
            None => Client::new(&base),
        };
        // The base URL is the page's own origin and the token was checked when saved, so only a
        // hand-edited token can fail here: then the proxy asks for a new one.
        client.or_else(|_| Client::new(&base)).unwrap_or_else(|_| unreachable!())
    }

    fn currency(&self) -> String {
        self.balance.with_untracked(|b| b.as_ref().map(|b| b.currency.clone())).unwrap_or_else(|| "USD".to_owned())
    }

    fn order(&self, id: &str) -> Option<SavedOrder> {
        self.orders.with_untracked(|list| list.iter().find(|o| o.id == id).cloned())
    }

    fn update_order(&self, id: &str, change: impl FnOnce(&mut SavedOrder) -> bool) {
        self.orders.maybe_update(|list| list.iter_mut().find(|o| o.id == id).is_some_and(change));
    }

    fn apply_status(&self, id: &str, status: &StatusResponse) {
        let now = web::now_ms();
        self.update_order(id, |o| o.apply_status(status, now));
    }

    /// Takes in orders known elsewhere (another tab, the proxy's list); money may have moved with them.
    fn merge(&self, incoming: &[SavedOrder]) {
        let mut changed = false;
        self.orders.maybe_update(|list| {
            changed = model::merge(list, incoming);
            changed
        });
        if changed {
            self.refresh_balance();
        }
    }

    fn add_order(&self, order: SavedOrder) {
        self.orders.update(|list| {
            list.retain(|o| o.id != order.id);
            list.push(order);
            model::tidy(list);
        });
    }

    fn refresh_balance(&self) {
        self.balance_version.update(|v| *v = v.wrapping_add(1));
    }

    /// The proxy wants a (valid) token: show the form.
    fn ask_for_token(&self) {
        self.balance.set(None);
        self.needs_token.set(true);
    }

    /// A sentence for `error`; asks for a token when that is what it means.
    fn explain(&self, error: &Error) -> String {
        if error.code == ErrorCode::Unauthorized {
            self.ask_for_token();
        }
        model::sentence(error)
    }
}

fn app() -> AppState {
    expect_context::<AppState>()
}

/// One request of the app to the proxy. Every request goes through [`ask`], so each operation of the
/// client is compiled into the wasm once, not once per place that uses it.
enum Ask {
    Health,
    Balance,
    Services,
    Countries,
    Orders,
    Prices(String, String),
    /// The purchase and its idempotency key.
    Buy(BuyRequest, String),
    Finish(String),
    Another(String),
    Cancel(String),
    Status(String),
    /// A long-poll of the order's status.
    Wait(String),
}

/// What the proxy answered to an [`Ask`].
enum Reply {
    Health(Health),
    Balance(Balance),
    Services(Vec<Service>),
    Countries(Vec<Country>),
    Orders(Vec<OrderView>),
    Prices(Vec<Price>),
    Bought(BoughtNumber),
    Done(ActionResponse),
    Status(StatusResponse),
}

async fn ask(client: &Client, ask: &Ask) -> Result<Reply, Error> {
    Ok(match ask {
        Ask::Health => Reply::Health(client.health().await?),
        Ask::Balance => Reply::Balance(client.balance().await?),
        Ask::Services => Reply::Services(client.services().await?),
        Ask::Countries => Reply::Countries(client.countries().await?),
        Ask::Orders => Reply::Orders(client.orders().await?),
        Ask::Prices(service, country) => Reply::Prices(client.prices(Some(service), Some(country)).await?),
        Ask::Buy(request, key) => Reply::Bought(client.buy(request, Some(key)).await?),
        Ask::Finish(id) => Reply::Done(client.finish(id).await?),
        Ask::Another(id) => Reply::Done(client.another(id).await?),
        Ask::Cancel(id) => Reply::Done(client.cancel(id).await?),
        Ask::Status(id) => Reply::Status(client.status(id).await?),
        Ask::Wait(id) => Reply::Status(client.wait(id, LONG_POLL_SECONDS).await?),
    })
}

/// [`ask`]s until it succeeds, fails in a way retrying cannot fix, or `attempts` are spent (0: no
/// limit), telling `note` when it retries and why.
async fn ask_retrying(
    client: &Client,
    request: &Ask,
    attempts: u32,
    note: &dyn Fn(Option<String>),
) -> Result<Reply, Error> {
    let mut attempt = 0;
    loop {
        match ask(client, request).await {
            Err(error) => match model::retry_delay_ms(&error, attempt) {
                Some(delay) if attempts == 0 || attempt + 1 < attempts => {
                    note(Some(model::retrying(&error, delay)));
                    client.transport().sleep(delay).await;
                    attempt = attempt.saturating_add(1);
                }
                _ => {
                    note(None);
                    return Err(error);
                }
            },
            ok => {
                note(None);
                return ok;
            }
        }
    }
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    provide_context(app);

    // Every change of the orders goes to localStorage; other tabs' changes come back from it.
    Effect::new(move |_| app.orders.with(|list| web::store(ORDERS_KEY, &model::encode_orders(list))));
    let listener = window_event_listener(ev::storage, move |event| {
        if event.key().as_deref() == Some(ORDERS_KEY) {
            app.merge(&model::decode_orders(&event.new_value().unwrap_or_default()));
        }
    });
    on_cleanup(move || listener.remove());

    spawn_local_scoped_with_cancellation(async move {
        let client = app.client();
        if let Ok(Reply::Health(health)) = ask_retrying(&client, &Ask::Health, 0, &|_| {}).await {
            app.health.set(Some(health));
        }
    });

    view! {
        <Header/>
        {move || {
            let text = app.notice.get().filter(|_| !app.needs_token.get())?;
            Some(view! { <p class="notice" role="alert" data-testid="notice">{text}</p> })
        }}
        {move || if app.needs_token.get() { view! { <TokenForm/> }.into_any() } else { view! { <Shop/> }.into_any() }}
        <Footer/>
    }
}

#[component]
fn Header() -> impl IntoView {
    let app = app();
    let demo = move || app.health.with(|h| h.as_ref().is_some_and(|h| h.demo));
    view! {
        <header class="top">
            <h1 class="brand" data-testid="brand">"vnum"</h1>
            {move || {
                demo()
                    .then(|| {
                        view! {
                            <span class="demo" data-testid="demo-badge" title="The demo provider serves: simulated numbers, no real money">
                                "DEMO"
                            </span>
                        }
                    })
            }}
            <div class="balance" data-testid="balance" aria-live="polite">
                {move || match app.balance.get().filter(|_| !app.needs_token.get()) {
                    Some(b) => view! {
                        <span class="label">"Balance"</span>
                        <strong data-testid="balance-amount">{model::money(b.balance, &b.currency)}</strong>
                        <span class="escrow" data-testid="escrow" title="Held for open orders">
                            {format!("{} on hold", model::money(b.escrow, &b.currency))}
                        </span>
                    }
                        .into_any(),
                    None => view! { <span class="label">{(!app.needs_token.get()).then_some("Balance …")}</span> }.into_any(),
                }}
            </div>
        </header>
    }
}

#[component]
fn Footer() -> impl IntoView {
    let app = app();
    let forget = move |_| {
        web::forget(TOKEN_KEY);
        app.token.set(None);
        app.needs_token.set(false);
        app.refresh_balance();
    };
    view! {
        <footer class="foot">
            <span>
                {move || app.health.get().map(|h| format!("Provider: {} · vnum {}", h.provider, h.version))}
            </span>
            <button
                type="button"
                class="link"
                data-testid="forget-token"
                hidden=move || app.token.with(Option::is_none)
                on:click=forget
            >
                "Forget the access token"
            </button>
        </footer>
    }
}

/// Asks for the access token when the proxy answered `UNAUTHORIZED`.
#[component]
fn TokenForm() -> impl IntoView {
    let app = app();
    let refused = app.token.get_untracked().is_some();
    let value = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let save = move |event: SubmitEvent| {
        event.prevent_default();
        let token = value.get_untracked().trim().to_owned();
        if token.is_empty() || Client::with_token(&app.base_url.get_value(), &token).is_err() {
            problem.set(Some("An access token is one word of printable characters, without spaces."));
            return;
        }
        web::store(TOKEN_KEY, &token);
        app.notice.set(None);
        app.token.set(Some(token));
        app.needs_token.set(false);
        app.refresh_balance();
    };
    view! {
        <main class="panel token" data-testid="token-form" aria-labelledby="token-title">
            <h2 id="token-title">"Access token"</h2>
            <p data-testid="token-reason">
                {if refused {
                    "That access token was not accepted. Enter a valid one."
                } else {
                    "This vnum is private: enter the access token its operator gave you. It stays in this browser."
                }}
            </p>
            <form on:submit=save>
                <label for="token">"Access token"</label>
                <div class="row">
                    <input
                        id="token"
                        type="password"
                        autocomplete="off"
                        spellcheck="false"
                        data-testid="token-input"
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                    />
                    <button type="submit" class="primary" data-testid="token-save">"Continue"</button>
                </div>
            </form>
            {move || problem.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
        </main>
    }
}

/// Buying and the orders: mounted once the proxy accepts the caller, so a new token reloads it all.
#[component]
fn Shop() -> impl IntoView {
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
fn Picker(
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
fn OfferPanel(service: RwSignal<Option<String>>, country: RwSignal<Option<String>>) -> impl IntoView {
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

/// Follows one open order until it ends or its card is gone: its status at once, then the proxy's
/// long-poll while it waits for an SMS (answered as soon as a code arrives), else its status every 4 s.
/// Failures retry with backoff and are told in `problem`; an order the proxy does not know sets `lost`.
async fn watch(app: AppState, id: String, problem: RwSignal<Option<String>>, lost: RwSignal<bool>) {
    let client = app.client();
    let mut first = true;
    let mut failures = 0u32;
    loop {
        let Some(order) = app.order(&id) else { return };
        if !order.is_open() {
            return;
        }
        let slot = if first || order.status != OrderStatus::Waiting { None } else { LongPollSlot::take() };
        first = false;
        let asked_at = web::now_ms();
        let request = if slot.is_some() { Ask::Wait(id.clone()) } else { Ask::Status(id.clone()) };
        let answer = ask(&client, &request).await;
        let long_poll = slot.is_some();
        drop(slot);
        let pause = match answer {
            Ok(Reply::Status(status)) => {
                failures = 0;
                problem.set(None);
                app.apply_status(&id, &status);
                if status.status.is_final() {
                    app.refresh_balance();
                    return;
                }
                // A long-poll that came back without news must not become a busy loop.
                if long_poll {
                    1000u64.saturating_sub(web::now_ms().saturating_sub(asked_at))
                } else {
                    POLL_INTERVAL_MS
                }
            }
            Ok(_) => POLL_INTERVAL_MS,
            Err(e) if e.code == ErrorCode::NotSupported && long_poll => {
                NO_LONG_POLL.set(true);
                0
            }
            Err(e) if matches!(e.code, ErrorCode::Unauthorized | ErrorCode::NotFound | ErrorCode::InvalidRequest) => {
                lost.set(e.code != ErrorCode::Unauthorized);
                problem.set(Some(app.explain(&e)));
                return;
            }
            Err(e) => {
                let delay = model::retry_delay_ms(&e, failures).unwrap_or_else(|| model::backoff_ms(failures));
                failures = failures.saturating_add(1);
                problem.set(Some(model::retrying(&e, delay)));
                delay
            }
        };
        if pause > 0 {
            client.transport().sleep(pause).await;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Act {
    Finish,
    Another,
    Cancel,
}

/// One active order: the number, the code, the timers and the actions.
#[component]
fn OrderCard(id: String) -> impl IntoView {
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
fn CopyButton(text: String, what: &'static str, testid: &'static str) -> impl IntoView {
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

/// Past orders, newest first.
#[component]
fn History() -> impl IntoView {
    let app = app();
    let past = Memo::new(move |_| {
        app.orders.with(|list| list.iter().filter(|o| !o.is_active()).take(30).cloned().collect::<Vec<_>>())
    });
    view! {
        <section class="history" aria-labelledby="history-title" data-testid="history">
            <h2 id="history-title">"History"</h2>
            {move || past.with(Vec::is_empty).then(|| view! { <p class="empty">"No past orders yet."</p> })}
            <ol>
                <For each=move || past.get() key=|o| o.id.clone() let:o>
                    {
                        let service = o.service.clone();
                        let country = o.country.clone();
                        let what = move || {
                            format!(
                                "{} · {}",
                                app.services.with(|c| model::name_of(c, &service)),
                                app.countries.with(|c| model::name_of(c, &country))
                            )
                        };
                        view! {
                            <li data-testid="history-item" data-status=o.status.as_str().to_owned()>
                                <span class="what">{what}</span>
                                <span class=format!("badge {}", o.status.as_str())>{model::status_label(&o.status).to_owned()}</span>
                                <span class="mono">{format!("{}  {}", o.phone, o.code.clone().unwrap_or_default())}</span>
                                <span class="mono cost">{model::money(o.cost, &app.currency())}</span>
                            </li>
                        }
                    }
                </For>
            </ol>
        </section>
    }
}
