//! The frame of every page: header with navigation and language switch,
//! demo-data notice, footer with data attribution.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use crate::i18n::{lang, tr, use_i18n};
use crate::live::{LiveState, use_live};
use crate::route::Page;
use crate::{Session, Shared};

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let shared = expect_context::<Shared>();
    // Until the configuration arrives, the server's hint in the page
    // (`<body data-demo>`) decides, so the banner is there from the first
    // paint and nothing moves when the configuration comes.
    let hinted = document()
        .body()
        .is_some_and(|b| b.has_attribute("data-demo"));
    let demo = move || {
        shared
            .config
            .get()
            .and_then(Result::ok)
            .map_or(hinted, |c| c.demo_data)
    };
    // Phones: the navigation and the account sit behind "Menu", so the bar
    // is one row; wider screens show them in the bar (the toggle hides).
    let menu_open = RwSignal::new(false);
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        location.pathname.track();
        location.search.track();
        menu_open.set(false);
    });
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && menu_open.get_untracked() {
            menu_open.set(false);
            if let Some(toggle) = document().get_element_by_id("menu-toggle") {
                let _ = toggle.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
    };
    view! {
        <header class="site-header">
            <div class="bar" on:keydown=on_key>
                // A plain link (the router still handles it): `<A>` would also
                // mark the brand as the current page.
                <a href=if crate::kiosk::active() { "/kiosk" } else { "/" } class="brand">
                    <img src="/favicon.svg" alt="" width="36" height="36" />
                    <span class="brand-text">
                        <span class="brand-name">{tr("app.name")}</span>
                        <span class="brand-tagline">{tr("app.tagline")}</span>
                    </span>
                </a>
                <button
                    type="button"
                    class="lang-switch"
                    data-testid="lang-switch"
                    aria-label=tr("lang.switch_hint")
                    on:click=move |_| i18n.switch()
                >
                    // The name of the other language, in that language (short
                    // on phones).
                    <span lang=move || i18n.lang.get().other().code()>
                        <span class="lang-long">{tr("lang.switch_to")}</span>
                        <span class="lang-short" aria-hidden="true">{tr("lang.switch_short")}</span>
                    </span>
                </button>
                <button
                    type="button"
                    id="menu-toggle"
                    class="menu-toggle"
                    data-testid="menu-toggle"
                    aria-controls="site-menu"
                    aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                    on:click=move |_| menu_open.update(|o| *o = !*o)
                >
                    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                        <path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" />
                    </svg>
                    <span class="menu-label">{tr("nav.menu")}</span>
                </button>
                <SiteMenu open=menu_open />
            </div>
            <LiveStrip />
            <crate::components::offline::DataAge />
            <crate::components::offline::UpdateNotice />
            <crate::components::offline::OutboxBanner />
            <Show when=demo>
                <p class="demo-banner" role="note">
                    {tr("demo.banner")}
                </p>
            </Show>
        </header>
    }
}

/// The navigation and the account: in the bar on wide screens, behind
/// "Menu" on phones (`open`).
#[component]
fn SiteMenu(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <div id="site-menu" class="site-menu" class:open=move || open.get()>
            <Show when=crate::kiosk::active>
                <nav aria-label=tr("nav.main") class="main-nav kiosk-nav">
                    <A href=Page::Kiosk.href() exact=true>
                        {tr("kiosk.menu_link")}
                    </A>
                    <A href="/" exact=true>
                        {tr("nav.map")}
                    </A>
                </nav>
            </Show>
            <Show when=move || !crate::kiosk::active()>
                <nav aria-label=tr("nav.main") class="main-nav">
                    <A href="/" exact=true>
                        {tr("nav.map")}
                    </A>
                    <A href=Page::Nearby.href()>{tr("nav.nearby")}</A>
                    <A href=Page::TrackLookup.href()>{tr("nav.track")}</A>
                    // On tablets these two live in the footer only (the
                    // bar keeps to two rows); phones have them in the
                    // menu, desktops in the bar.
                    <A href=Page::Transparency.href() attr:class="nav-transparency">
                        {tr("nav.transparency")}
                    </A>
                    <A href=Page::About.href() attr:class="nav-about">
                        {tr("nav.about")}
                    </A>
                </nav>
                <AccountNav />
            </Show>
        </div>
    }
}

/// The live totals, compact, on every page; a link to the dashboard.
#[component]
fn LiveStrip() -> impl IntoView {
    let live = use_live();
    let items = move || {
        let l = lang();
        live.stats.with(|s| {
            s.as_ref().map(|s| {
                let t = &s.totals;
                let n = |v: i64| l.number(u64::try_from(v).unwrap_or(0));
                [
                    ("collaborations", "live.collaborations", n(t.collaborations)),
                    (
                        "packages_committed",
                        "live.packages_committed",
                        n(t.packages_committed),
                    ),
                    (
                        "packages_delivered",
                        "live.packages_delivered",
                        n(t.packages_delivered),
                    ),
                    (
                        "locations_helped",
                        "live.locations_helped",
                        n(t.locations_helped),
                    ),
                    (
                        "families_reached",
                        "live.families_reached",
                        n(t.families_reached),
                    ),
                    ("people_reached", "live.people_reached", n(t.people_reached)),
                ]
                .into_iter()
                .map(|(id, key, value)| {
                    view! {
                        <li>
                            <strong data-testid=format!("total-{id}")>{value}</strong>
                            " "
                            {l.text(key)}
                        </li>
                    }
                })
                .collect_view()
            })
        })
    };
    let reconnecting = move || live.state.get() == LiveState::Reconnecting;
    view! {
        <section class="live-strip" data-testid="live-totals" aria-label=tr("live.label")>
            <A href=Page::Transparency.href() attr:class="live-link">
                <ul>{items}</ul>
            </A>
            <p class="live-state" role="status" data-testid="live-state">
                <Show when=reconnecting>{tr("live.reconnecting")}</Show>
            </p>
        </section>
    }
}

/// "Masuk", or the signed-in collaborator's name and "Keluar".
#[component]
fn AccountNav() -> impl IntoView {
    let shared = expect_context::<Shared>();
    // Nothing until known: no "Masuk" flashing for a signed-in user.
    let body = move || match shared.session.get() {
        Session::Unknown => ().into_any(),
        Session::Guest => view! { <GuestSlot /> }.into_any(),
        Session::SignedIn(account) => view! { <AccountMenu name=account.name /> }.into_any(),
    };
    view! {
        <div class="account-nav" aria-label=tr("account.nav") role="group">
            {body}
        </div>
    }
}

/// No collaborator signed in: "Masuk" — unless a staff member is signed in
/// to the console (its build only), who sees their name leading there.
#[cfg(feature = "console")]
#[component]
fn GuestSlot() -> impl IntoView {
    use crate::pages::console::{StaffAuth, StaffState};
    let auth = StaffAuth::get();
    move || match auth.state.get() {
        StaffState::In(s) => view! {
            <A href=Page::Console.href() attr:class="account-link" attr:data-testid="staff-account">
                <span class="visually-hidden">{tr("account.signed_in_as")} " "</span>
                <span class="account-name">{s.staff.name}</span>
            </A>
        }
        .into_any(),
        _ => view! { <SignInLink /> }.into_any(),
    }
}

#[cfg(not(feature = "console"))]
#[component]
fn GuestSlot() -> impl IntoView {
    view! { <SignInLink /> }
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
    if crate::kiosk::active() {
        // A kiosk leads nowhere a visitor should not go (console, API).
        return view! {
            <footer class="site-footer">
                <p>{tr("footer.data_licence")} " · " {tr("footer.open_source")}</p>
            </footer>
        }
        .into_any();
    }
    view! {
        <footer class="site-footer">
            <p>
                <A href=Page::About.href()>{tr("nav.about")}</A>
                " · "
                <A href=Page::Transparency.href()>{tr("nav.transparency")}</A>
                " · "
                <A href=Page::Verify.href()>{tr("nav.verify")}</A>
                " · "
                <A href=Page::ApiDocs.href()>{tr("nav.api")}</A>
                " · "
                // The console is its own build: the browser loads it.
                <a href=Page::Console.href() rel="external" data-testid="console-link">
                    {tr("console.link")}
                </a>
                " · "
                {tr("footer.data_licence")}
                " · "
                {tr("footer.open_source")}
            </p>
        </footer>
    }
    .into_any()
}
