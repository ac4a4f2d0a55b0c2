//! The frame of every page: header with navigation and language switch,
//! demo-data notice, footer with data attribution.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::Shared;
use crate::i18n::{tr, use_i18n};
use crate::route::Page;

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let shared = expect_context::<Shared>();
    let demo = move || {
        shared
            .config
            .get()
            .and_then(Result::ok)
            .is_some_and(|c| c.demo_data)
    };
    view! {
        <header class="site-header">
            <div class="bar">
                // A plain link (the router still handles it): `<A>` would also
                // mark the brand as the current page.
                <a href="/" class="brand">
                    <img src="/favicon.svg" alt="" width="36" height="36" />
                    <span class="brand-text">
                        <span class="brand-name">{tr("app.name")}</span>
                        <span class="brand-tagline">{tr("app.tagline")}</span>
                    </span>
                </a>
                <nav aria-label=tr("nav.main") class="main-nav">
                    <A href="/" exact=true>
                        {tr("nav.map")}
                    </A>
                    <A href=Page::About.href()>{tr("nav.about")}</A>
                </nav>
                <button
                    type="button"
                    class="lang-switch"
                    data-testid="lang-switch"
                    aria-label=tr("lang.switch_hint")
                    on:click=move |_| i18n.lang.update(|l| *l = l.other())
                >
                    // The name of the other language, in that language.
                    <span lang=move || i18n.lang.get().other().code()>{tr("lang.switch_to")}</span>
                </button>
            </div>
            <Show when=demo>
                <p class="demo-banner" role="note">
                    {tr("demo.banner")}
                </p>
            </Show>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                <A href=Page::About.href()>{tr("nav.about")}</A>
                " · "
                {tr("footer.data_licence")}
                " · "
                {tr("footer.open_source")}
            </p>
        </footer>
    }
}
