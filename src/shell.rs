//! The service worker (`public/sw.js`, stamped with the build's version by
//! `cargo xtask build-client`): registered in release builds, where the
//! browser allows it (HTTPS or localhost; a plain-HTTP LAN has none, and
//! the app then simply needs the network to start). When a new build has
//! installed and waits, [`Shell::update_ready`] says so; it takes over on
//! the next start, or at once when the user asks ([`Shell::apply_now`]).

use std::cell::{Cell, RefCell};
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

/// How often a long-open app (a kiosk) asks whether a new build exists.
const UPDATE_CHECK: Duration = Duration::from_mins(30);

#[derive(Clone, Copy)]
pub struct Shell {
    pub update_ready: RwSignal<bool>,
}

thread_local! {
    static REGISTRATION: RefCell<Option<ServiceWorkerRegistration>> = const { RefCell::new(None) };
    /// The user asked for the new version: reload when it has taken over.
    static RELOAD_ASKED: Cell<bool> = const { Cell::new(false) };
    /// Where to go then (`None`: the same page).
    static RELOAD_TO: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn container() -> Option<ServiceWorkerContainer> {
    let navigator = window().navigator();
    // `navigator.serviceWorker` is undefined outside secure contexts.
    let value = js_sys::Reflect::get(&navigator, &"serviceWorker".into()).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    Some(value.unchecked_into())
}

impl Shell {
    pub fn provide() {
        let shell = Self {
            update_ready: RwSignal::new(false),
        };
        provide_context(shell);
        // Debug builds (`trunk serve`) have no stamped worker.
        if cfg!(debug_assertions) {
            return;
        }
        let Some(container) = container() else {
            return;
        };
        let on_change = Closure::<dyn FnMut()>::new(|| {
            if RELOAD_ASKED.with(Cell::get) {
                match RELOAD_TO.with(|t| t.borrow_mut().take()) {
                    Some(to) => {
                        let _ = window().location().replace(&to);
                    }
                    None => {
                        let _ = window().location().reload();
                    }
                }
            }
        });
        container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
        leptos::task::spawn_local(async move {
            let Ok(registration) = JsFuture::from(container.register("/sw.js")).await else {
                return;
            };
            // Some browsers (and automation that blocks workers) answer nothing.
            if registration.is_undefined() || registration.is_null() {
                return;
            }
            let registration: ServiceWorkerRegistration = registration.unchecked_into();
            watch(shell, &container, &registration);
            let check = registration.clone();
            let _ = set_interval_with_handle(
                move || {
                    let _ = check.update();
                },
                UPDATE_CHECK,
            );
            REGISTRATION.with(|r| *r.borrow_mut() = Some(registration));
        });
    }

    /// Whether a new version waits (and so [`Shell::apply_now`] would reload).
    #[must_use]
    pub fn waiting() -> bool {
        REGISTRATION.with(|r| r.borrow().as_ref().is_some_and(|r| r.waiting().is_some()))
    }

    /// Like [`Shell::apply_now`], then opens `path` instead of reloading.
    pub fn apply_now_to(path: &str) {
        RELOAD_TO.with(|t| *t.borrow_mut() = Some(path.to_owned()));
        Self::apply_now();
    }

    /// Lets the waiting version take over now; the page reloads into it.
    pub fn apply_now() {
        let waiting = REGISTRATION.with(|r| {
            r.borrow()
                .as_ref()
                .and_then(ServiceWorkerRegistration::waiting)
        });
        if let Some(worker) = waiting {
            RELOAD_ASKED.with(|a| a.set(true));
            let _ = worker.post_message(&JsValue::from_str("skip-waiting"));
        }
    }
}

/// Marks `update_ready` when a new build has installed behind the running one.
fn watch(
    shell: Shell,
    container: &ServiceWorkerContainer,
    registration: &ServiceWorkerRegistration,
) {
    // The first install (no controller yet) is not an update.
    let has_controller = {
        let container = container.clone();
        move || container.controller().is_some()
    };
    if registration.waiting().is_some() && has_controller() {
        shell.update_ready.set(true);
    }
    let follow = move |installing: web_sys::ServiceWorker| {
        let worker = installing.clone();
        let has_controller = has_controller.clone();
        let on_state = Closure::<dyn FnMut()>::new(move || {
            if worker.state() == ServiceWorkerState::Installed && has_controller() {
                shell.update_ready.set(true);
            }
        });
        installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
        on_state.forget();
    };
    // Already installing when we got here: `updatefound` has been and gone.
    if let Some(installing) = registration.installing() {
        follow(installing);
    }
    let reg = registration.clone();
    let on_found = Closure::<dyn FnMut()>::new(move || {
        if let Some(installing) = reg.installing() {
            follow(installing);
        }
    });
    registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
    on_found.forget();
}
