//! Kolaborasi web client: Leptos (client-side rendering) compiled to wasm.
//!
//! `App` sets up the shared context (language, deployment config, area tree)
//! and the router; each route is one module under `pages/`.

pub mod api;
mod cache;
mod components;
mod format;
pub mod i18n;
mod kiosk;
pub mod lazy;
mod live;
mod map;
mod outbox;
mod pages;
mod route;
mod shell;
mod storage;
mod witness;

use leptos::prelude::*;
use leptos_router::Lazy;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;

use crate::components::layout::{Footer, Header};
use crate::i18n::{I18n, tr};

/// Who is using the app: asked once at start, changed by signing in or out.
#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// Not known yet (the answer is on its way).
    Unknown,
    Guest,
    SignedIn(kolaborasi_shared::Account),
}

impl Session {
    #[must_use]
    pub fn account(&self) -> Option<&kolaborasi_shared::Account> {
        match self {
            Self::SignedIn(a) => Some(a),
            _ => None,
        }
    }
}

/// Data every page may need, loaded once per app start.
#[derive(Clone, Copy)]
pub struct Shared {
    pub config: LocalResource<Result<kolaborasi_shared::ClientConfig, api::ApiFailure>>,
    pub areas: LocalResource<Result<kolaborasi_shared::AreaTree, api::ApiFailure>>,
    /// The aid catalogue: programs and their packages.
    pub programs: LocalResource<Result<kolaborasi_shared::ProgramList, api::ApiFailure>>,
    pub session: RwSignal<Session>,
    /// The map view last shown, with its filters: "back to the map" returns there.
    pub last_map: RwSignal<String>,
}

impl Shared {
    /// A text of the deployment's configuration (tracked), empty until it arrives.
    #[must_use]
    pub fn config_text(self, field: fn(kolaborasi_shared::ClientConfig) -> String) -> String {
        self.config
            .get()
            .and_then(Result::ok)
            .map(field)
            .unwrap_or_default()
    }

    #[must_use]
    pub fn retry_config(self) -> Callback<()> {
        Callback::new(move |()| self.config.refetch())
    }

    #[must_use]
    pub fn retry_areas(self) -> Callback<()> {
        Callback::new(move |()| self.areas.refetch())
    }

    #[must_use]
    pub fn retry_programs(self) -> Callback<()> {
        Callback::new(move |()| self.programs.refetch())
    }

    /// Asks the server who is signed in (the session cookie is `HttpOnly`).
    pub fn refresh_session(self) {
        leptos::task::spawn_local(async move {
            let next = match api::session().await {
                Ok(Some(account)) => Session::SignedIn(account),
                // Nobody, or no answer: a guest until shown otherwise.
                Ok(None) | Err(_) => Session::Guest,
            };
            self.session.set(next);
        });
    }
}

/// Sets the document title (what tabs, history and screen readers announce).
pub fn set_title(page: &str) {
    let name = i18n::lang().text("app.name");
    document().set_title(&if page.is_empty() {
        name
    } else {
        format!("{page} — {name}")
    });
}

/// After a client-side navigation, focus moves to the new page's content, as
/// it would after a full page load, so keyboard and screen-reader users do
/// not start again from the header. Filter changes (same path) keep focus.
#[component]
fn FocusOnNavigation() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let previous = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let path = location.pathname.get();
        // After the router has pushed the new entry (it does so after this runs).
        set_timeout(kiosk::mark_entry, std::time::Duration::ZERO);
        let moved = previous.with_value(|p| p.as_ref().is_some_and(|p| *p != path));
        previous.set_value(Some(path));
        if moved
            && let Some(main) = document().get_element_by_id("main")
            && let Ok(main) = main.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = main.focus();
        }
    });
}

/// The staff console's pages, in the console's build (`console` feature).
#[cfg(feature = "console")]
#[component(transparent)]
fn ConsoleRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    use pages::console::{audit, catalogue, commitment, home, location, report, staff};
    view! {
        <ParentRoute path=path!("/konsol") view=leptos_router::components::Outlet>
            <Route path=path!("") view=home::ConsoleHome />
            <Route path=path!("kolaborasi/:code") view=commitment::ConsoleCommitmentPage />
            <Route path=path!("lokasi/baru") view=location::NewLocationPage />
            <Route path=path!("lokasi/:id") view=location::EditLocationPage />
            <Route path=path!("katalog") view=catalogue::CataloguePage />
            <Route path=path!("staf") view=staff::StaffPage />
            <Route path=path!("audit") view=audit::AuditPage />
            <Route path=path!("laporan/:code") view=report::ConsoleReportPage />
        </ParentRoute>
    }
    .into_inner()
}

/// In the donor's build, the console is another download: its pages are
/// left to the browser, which loads the console's build from the server.
#[cfg(not(feature = "console"))]
#[component(transparent)]
fn ConsoleRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/konsol") view=ConsoleElsewhere>
            <Route path=path!("") view=|| () />
            <Route path=path!("*rest") view=|| () />
        </ParentRoute>
    }
    .into_inner()
}

#[cfg(not(feature = "console"))]
thread_local! {
    /// The address the document was loaded at (see [`ConsoleElsewhere`]).
    static LOADED_AT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// A console page reached by a link inside the donor's app: the browser
/// loads it for real, replacing the history entry the router just made.
/// If this document itself was loaded there (only a service worker of an
/// old release could do that), reloading would loop: it says so instead.
#[cfg(not(feature = "console"))]
#[component]
fn ConsoleElsewhere() -> impl IntoView {
    if kiosk::active() {
        // A kiosk leads nowhere a visitor should not go.
        return view! {
            <div class="page narrow">
                <h1>{tr("console.not_on_kiosk")}</h1>
            </div>
        }
        .into_any();
    }
    let href = window().location().href().unwrap_or_default();
    if LOADED_AT.with(|l| *l.borrow() != href) {
        let _ = window().location().replace(&href);
    }
    view! {
        <div class="page narrow">
            <h1>{tr("console.title")}</h1>
            <p>
                <a href=href rel="external">
                    {tr("console.open")}
                </a>
            </p>
        </div>
    }
    .into_any()
}

#[component]
pub fn App() -> impl IntoView {
    #[cfg(not(feature = "console"))]
    LOADED_AT.with(|l| *l.borrow_mut() = window().location().href().unwrap_or_default());
    kiosk::start();
    I18n::provide();
    cache::Freshness::provide();
    shell::Shell::provide();
    outbox::Outbox::provide();
    let shared = Shared {
        config: LocalResource::new(|| api::config(api::Read::Live)),
        areas: LocalResource::new(api::areas),
        programs: LocalResource::new(|| api::programs(api::Read::Live)),
        session: RwSignal::new(Session::Unknown),
        last_map: RwSignal::new("/".to_owned()),
    };
    shared.refresh_session();
    provide_context(shared);
    witness::WitnessCheck::provide(shared);
    if kiosk::active() {
        Effect::new(move |_| {
            if let Some(Ok(config)) = shared.config.get() {
                kiosk::use_server_idle(config.kiosk_idle_secs);
            }
        });
    }
    #[cfg(feature = "console")]
    pages::console::StaffAuth::provide();
    live::Live::provide();
    view! {
        <Router>
            // `rel=external`: the browser, not the router, follows it, so
            // focus really moves to the content.
            <a class="skip-link" href="#main" rel="external">
                {tr("app.skip_to_content")}
            </a>
            <FocusOnNavigation />
            {kiosk::active().then(|| view! { <kiosk::IdleWarning /> })}
            <Header />
            <witness::Warning />
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::map::MapPage />
                    <Route path=path!("/dekat") view={Lazy::<lazy::Nearby>::new()} />
                    <Route path=path!("/lokasi/:id") view={Lazy::<lazy::Location>::new()} />
                    <Route path=path!("/lokasi/:id/bantu") view={Lazy::<lazy::Commit>::new()} />
                    <Route path=path!("/lokasi/:id/lapor") view={Lazy::<lazy::Report>::new()} />
                    <Route path=path!("/laporan") view={Lazy::<lazy::ReportLookup>::new()} />
                    <Route path=path!("/laporan/:code") view={Lazy::<lazy::ReportStatus>::new()} />
                    <Route path=path!("/usulkan") view={Lazy::<lazy::Suggest>::new()} />
                    <Route path=path!("/kolaborasi") view={Lazy::<lazy::TrackLookup>::new()} />
                    <Route path=path!("/kolaborasi/:code") view={Lazy::<lazy::Tracking>::new()} />
                    // The navigation says "Lacak"; the server redirects these
                    // too, but a service worker answers with the app first.
                    <Route path=path!("/lacak") view=|| view! { <Redirect path="/kolaborasi" /> } />
                    <Route path=path!("/lacak/:code") view={Lazy::<lazy::Tracking>::new()} />
                    <Route path=path!("/masuk") view={Lazy::<lazy::SignIn>::new()} />
                    <Route path=path!("/daftar") view={Lazy::<lazy::Register>::new()} />
                    <Route path=path!("/daftar/konfirmasi") view={Lazy::<lazy::Activate>::new()} />
                    <Route path=path!("/saya") view={Lazy::<lazy::Mine>::new()} />
                    <Route path=path!("/tentang") view={Lazy::<lazy::About>::new()} />
                    <Route path=path!("/transparansi") view={Lazy::<lazy::Transparency>::new()} />
                    <Route path=path!("/verifikasi") view={Lazy::<lazy::Verify>::new()} />
                    <Route path=path!("/dokumentasi-api") view={Lazy::<lazy::ApiDocs>::new()} />
                    <ConsoleRoutes />
                    <Route path=path!("/terima/:code") view={Lazy::<lazy::Receipt>::new()} />
                    <Route path=path!("/konfirmasi/:code") view={Lazy::<lazy::Confirm>::new()} />
                    <Route path=path!("/antrean") view={Lazy::<lazy::Outbox>::new()} />
                    <Route path=path!("/kiosk") view={Lazy::<lazy::Kiosk>::new()} />
                    <Route path=path!("/kiosk/tanda-terima") view={Lazy::<lazy::KioskReceipt>::new()} />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
