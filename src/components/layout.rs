//! The frame of every page: header with navigation and language switch,
//! demo-data notice, footer with data attribution.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::i18n::{tr, use_i18n};
use crate::route::Page;
use crate::{Session, Shared};

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
                    <A href=Page::TrackLookup.href()>{tr("nav.track")}</A>
                    <A href=Page::About.href()>{tr("nav.about")}</A>
                </nav>
                <AccountNav />
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

/// "Masuk", or the signed-in collaborator's name and "Keluar".
#[component]
fn AccountNav() -> impl IntoView {
    let shared = expect_context::<Shared>();
    // Nothing until known: no "Masuk" flashing for a signed-in user.
    let body = move || match shared.session.get() {
        Session::Unknown => ().into_any(),
        Session::Guest => view! { <SignInLink /> }.into_any(),
        Session::SignedIn(account) => view! { <AccountMenu name=account.name /> }.into_any(),
    };
    view! {
        <div class="account-nav" aria-label=tr("account.nav") role="group">
            {body}
        </div>
    }
}

#[component]
fn SignInLink() -> impl IntoView {
    view! {
        <A
            href=Page::SignIn { next: None }.href()
            attr:class="account-link"
            attr:data-testid="sign-in-link"
        >
            {tr("account.sign_in")}
        </A>
    }
}

#[component]
fn AccountMenu(name: String) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let navigate = use_navigate();
    let sign_out = move |_| crate::pages::account::sign_out(shared, navigate.clone());
    view! {
        <A href=Page::Mine.href() attr:class="account-link" attr:data-testid="account-link">
            <span class="visually-hidden">{tr("account.signed_in_as")} " "</span>
            <span class="account-name">{name}</span>
        </A>
        <button type="button" class="header-button" data-testid="sign-out" on:click=sign_out>
            {tr("account.sign_out")}
        </button>
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
