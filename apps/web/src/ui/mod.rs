//! The app by screen: the shell and the token form (`shell`), the shop with its pickers and offer
//! (`shop`), one card per active order (`order_card`) and the watcher that follows it (`watching`), the
//! history (`history`). Here: the whole app, its state (one [`AppState`] of signals in context) and its
//! requests (every one through `vnum_client::Client`). Every timer and task belongs to the view that
//! started it and ends with it (`on_cleanup`, `spawn_local_scoped_with_cancellation`).

mod history;
mod order_card;
mod shell;
mod shop;
mod watching;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use vnum_client::vnum_protocol::ErrorCode;
use vnum_client::vnum_protocol::api::{
    ActionResponse, Balance, BoughtNumber, BuyRequest, Country, Health, OrderView, Price, Service, StatusResponse,
};
use vnum_client::{Client, Error, Transport};

use crate::model::{self, Choice, LONG_POLL_SECONDS, ORDERS_KEY, SavedOrder, TOKEN_KEY};
use crate::web;

use shell::{Footer, Header, TokenForm};
use shop::Shop;

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
