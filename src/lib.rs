//! Kolaborasi web client: Leptos (client-side rendering) compiled to wasm.
//!
//! `App` sets up the shared context (language, deployment config, area tree)
//! and the router; each route is one module under `pages/`.

pub mod api;
mod components;
mod format;
mod i18n;
mod map;
mod pages;
mod route;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::layout::{Footer, Header};
use crate::i18n::{I18n, tr};

/// Data every page may need, loaded once per app start.
#[derive(Clone, Copy)]
pub struct Shared {
    pub config: LocalResource<Result<kolaborasi_shared::ClientConfig, api::ApiFailure>>,
    pub areas: LocalResource<Result<kolaborasi_shared::AreaTree, api::ApiFailure>>,
    /// The map view last shown, with its filters: "back to the map" returns there.
    pub last_map: RwSignal<String>,
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

#[component]
pub fn App() -> impl IntoView {
    I18n::provide();
    provide_context(Shared {
        config: LocalResource::new(api::config),
        areas: LocalResource::new(api::areas),
        last_map: RwSignal::new("/".to_owned()),
    });
    view! {
        <Router>
            <a class="skip-link" href="#main">{tr("app.skip_to_content")}</a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::map::MapPage />
                    <Route path=path!("/lokasi/:id") view=pages::location::LocationPage />
                    <Route path=path!("/tentang") view=pages::about::AboutPage />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
