//! The app's frame: the header (balance, what is on hold, the demo badge), the footer, and the token
//! form a private vnum asks for.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use vnum_client::Client;

use crate::model::{self, TOKEN_KEY};
use crate::web;

use super::app;

#[component]
pub(super) fn Header() -> impl IntoView {
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
pub(super) fn Footer() -> impl IntoView {
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
pub(super) fn TokenForm() -> impl IntoView {
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
