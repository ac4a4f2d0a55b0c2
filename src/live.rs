//! Live totals: one `EventSource` per tab on `GET /api/v1/stats/stream`,
//! shared through context. Every event carries the whole totals and
//! replaces the previous ones, so a reconnect never double counts. On an
//! error the browser's own retry is replaced by ours, with backoff
//! (1 s, 2 s, 4 s … 30 s), and the state says so while it lasts; when the
//! browser reports it is back online, it tries again at once.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use kolaborasi_shared::stats::STATS_EVENT;
use kolaborasi_shared::{API_PREFIX, Stats};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    Connecting,
    Live,
    /// Disconnected; the next attempt is scheduled.
    Reconnecting,
}

#[derive(Debug, Clone, Copy)]
pub struct Live {
    pub stats: RwSignal<Option<Stats>>,
    pub state: RwSignal<LiveState>,
}

/// The open stream and the callbacks it holds (dropped only when the next
/// connection replaces it, never from inside one of its own callbacks).
struct Connection {
    source: web_sys::EventSource,
    _on_stats: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
    static FAILURES: Cell<u32> = const { Cell::new(0) };
    /// Bumped by every connection attempt: a scheduled retry that finds it
    /// changed was overtaken (by the browser coming back online) and skips.
    static ATTEMPT: Cell<u64> = const { Cell::new(0) };
}

const MAX_BACKOFF_SECS: u64 = 30;

impl Live {
    /// Opens the stream and provides the totals to the whole app.
    pub fn provide() {
        let live = Self {
            stats: RwSignal::new(None),
            state: RwSignal::new(LiveState::Connecting),
        };
        connect(live);
        // The last totals known, until the stream sends the current ones.
        let stored = crate::api::stats_cached();
        leptos::task::spawn_local(async move {
            if let Ok(stats) = stored.await
                && live.stats.get_untracked().is_none()
            {
                live.stats.set(Some(stats));
            }
        });
        // Back online: try at once instead of waiting out the backoff.
        let on_online = Closure::<dyn FnMut()>::new(move || {
            if live.state.get_untracked() == LiveState::Reconnecting {
                FAILURES.with(|f| f.set(0));
                connect(live);
            }
        });
        if let Some(w) = web_sys::window() {
            let _ =
                w.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        }
        // Lives as long as the app.
        on_online.forget();
        provide_context(live);
    }
}

#[must_use]
pub fn use_live() -> Live {
    expect_context::<Live>()
}

fn connect(live: Live) {
    ATTEMPT.with(|a| a.set(a.get().wrapping_add(1)));
    let previous = CONNECTION.with(|c| c.borrow_mut().take());
    if let Some(p) = previous {
        p.source.close();
    }
    let Ok(source) = web_sys::EventSource::new(&format!("{API_PREFIX}/stats/stream")) else {
        retry_later(live);
        return;
    };
    let on_stats =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            if let Ok(stats) = serde_json::from_str::<Stats>(&text) {
                FAILURES.with(|f| f.set(0));
                // Totals never go back to an older entry (an old event after a newer one).
                let newer = live
                    .stats
                    .with_untracked(|s| s.as_ref().is_none_or(|s| s.log_seq <= stats.log_seq));
                if newer {
                    live.stats.set(Some(stats));
                }
                if live.state.get_untracked() != LiveState::Live {
                    live.state.set(LiveState::Live);
                }
            }
        });
    let source_for_error = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        // Our backoff instead of the browser's fixed retry.
        source_for_error.close();
        retry_later(live);
    });
    let _ = source.add_event_listener_with_callback(STATS_EVENT, on_stats.as_ref().unchecked_ref());
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    CONNECTION.with(|c| {
        *c.borrow_mut() = Some(Connection {
            source,
            _on_stats: on_stats,
            _on_error: on_error,
        });
    });
}

fn retry_later(live: Live) {
    live.state.set(LiveState::Reconnecting);
    let failures = FAILURES.with(|f| {
        let n = f.get();
        f.set(n.saturating_add(1));
        n
    });
    let secs = 1u64
        .checked_shl(failures)
        .unwrap_or(MAX_BACKOFF_SECS)
        .min(MAX_BACKOFF_SECS);
    set_timeout(move || connect(live), Duration::from_secs(secs));
}
