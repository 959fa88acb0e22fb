//! The orders that ended, newest first.

use leptos::prelude::*;

use crate::model;

use super::app;

/// Past orders, newest first.
#[component]
pub(super) fn History() -> impl IntoView {
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
