//! What the app says when the network or the device is not to be trusted:
//! the age of data the server could not confirm.

use std::time::Duration;

use leptos::prelude::*;

use crate::cache::{Freshness, now_ms};
use crate::format;
use crate::i18n::{Lang, lang, tr, tr_with};

/// "3 jam yang lalu" for a moment `at` (ms since 1970).
#[must_use]
pub fn age_text(l: Lang, at: f64, now: f64) -> String {
    let (key, n) = format::age((now - at) / 1000.0);
    tr_with(l, key, &[("n", &l.number(n))])
}

/// A clock that ticks every 30 s, for texts such as "5 minutes ago".
fn minute_clock() -> ReadSignal<f64> {
    let (now, set_now) = signal(now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || set_now.set(now_ms()), Duration::from_secs(30))
    {
        on_cleanup(move || handle.clear());
    }
    now
}

/// Shown while any answer on screen is a stored copy the server could not
/// confirm: nothing pretends to be live that is not.
#[component]
pub fn DataAge() -> impl IntoView {
    let freshness = expect_context::<Freshness>();
    let now = minute_clock();
    let text = move || {
        freshness.oldest().map(|at| {
            let l = lang();
            tr_with(l, "offline.stale", &[("age", &age_text(l, at, now.get()))])
        })
    };
    view! {
        <div class="data-age" role="status" data-testid="data-age">
            {move || {
                text()
                    .map(|t| {
                        view! {
                            <p>
                                <strong>{t}</strong>
                                " "
                                {tr("offline.stale_hint")}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A new build has installed: it runs on the next start, or now on request.
#[component]
pub fn UpdateNotice() -> impl IntoView {
    let shell = expect_context::<crate::shell::Shell>();
    view! {
        <Show when=move || shell.update_ready.get()>
            <div class="update-notice" role="status" data-testid="update-notice">
                <span>{tr("update.ready")}</span>
                <button
                    type="button"
                    class="button button-quiet"
                    data-testid="update-now"
                    on:click=move |_| crate::shell::Shell::apply_now()
                >
                    {tr("update.now")}
                </button>
            </div>
        </Show>
    }
}

/// Commitments waiting on this device: a link to the queue on every page.
#[component]
pub fn OutboxBanner() -> impl IntoView {
    let outbox = crate::outbox::use_outbox();
    let text = move || {
        let n = outbox.open_count();
        (n > 0).then(|| {
            let l = lang();
            tr_with(l, "outbox.banner", &[("count", &l.number(n as u64))])
        })
    };
    view! {
        {move || {
            text()
                .map(|t| {
                    view! {
                        <p class="outbox-banner" data-testid="outbox-banner">
                            <leptos_router::components::A href=crate::route::Page::Outbox.href()>
                                {t}
                            </leptos_router::components::A>
                        </p>
                    }
                })
        }}
    }
}
