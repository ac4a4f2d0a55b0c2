//! Commitments and residents' reports made without a connection: kept on
//! the device (in
//! `localStorage`, so closing the tab loses nothing) with the
//! `Idempotency-Key` they were first sent with, shown in a visible queue and
//! sent when the network returns. Sending the same key again can never
//! commit twice: the server answers a repeat with its first answer.
//!
//! States: waiting for the network → sending → sent (with the tracking
//! code) or refused (with the server's reason; the collaborator may adjust
//! and send again, which is a new commitment with a new key).
//!
//! Kiosks never queue: nothing personal is written to their storage.

use std::cell::Cell;
use std::time::Duration;

use kolaborasi_shared::{CommitmentReceipt, NewCommitment, NewReport, PackageRemaining};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api::{self, ApiFailure};
use crate::storage;

const STORAGE_KEY: &str = "kolaborasi.outbox.v1";
/// How often a waiting commitment is tried again while the page is open
/// (flaky networks do not always say when they are back).
const RETRY_EVERY: Duration = Duration::from_secs(15);
/// Sent entries stay listed this long (ms), so their codes can be read.
const KEEP_SENT_MS: f64 = 7.0 * 24.0 * 3_600_000.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    Waiting,
    Sending,
    Sent {
        code: String,
    },
    Refused {
        message: String,
        /// What the place still needs of each package the server named.
        #[serde(default)]
        remaining: Vec<PackageRemaining>,
        /// The key was already used for something else (e.g. the same
        /// commitment while signed in): it may have been received, so it
        /// is not offered for sending again.
        #[serde(default)]
        maybe_received: bool,
    },
}

/// What waits: a commitment, or a resident's report. Stored untagged, so
/// queues written before reports existed (commitments only) still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Body {
    Commitment(NewCommitment),
    Report(NewReport),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub key: String,
    pub body: Body,
    /// The place's name, for the list (the body only has its id).
    pub place: String,
    pub queued_at: f64,
    pub state: State,
}

#[derive(Clone, Copy)]
pub struct Outbox {
    pub items: RwSignal<Vec<Item>>,
}

thread_local! {
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
}

/// The queue as stored (shared by every tab of this browser).
fn read() -> Vec<Item> {
    storage::local_get(STORAGE_KEY)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Stores the queue; `false` when the browser refused it (a full quota).
fn write(items: &[Item]) -> bool {
    if items.is_empty() {
        storage::local_remove(STORAGE_KEY);
        true
    } else {
        serde_json::to_string(items).is_ok_and(|json| storage::local_try_set(STORAGE_KEY, &json))
    }
}

/// The queue at start: old sent entries dropped, and a send cut short by
/// closing the tab tried again (same key: safe).
fn load_at_start() -> Vec<Item> {
    let mut items = read();
    let now = js_sys::Date::now();
    items.retain(|i| !matches!(i.state, State::Sent { .. }) || now - i.queued_at < KEEP_SENT_MS);
    for i in &mut items {
        if i.state == State::Sending {
            i.state = State::Waiting;
        }
    }
    write(&items);
    items
}

/// The chunk entries of the split build (`lazy.rs`): the queue's JSON
/// (commitments and reports, and the answers to sending them) is read only
/// when something is queued, so a donor with an empty queue (nearly all)
/// never downloads that code. A chunk that cannot be fetched leaves the
/// queue as stored; the next try (the retry timer, the network coming
/// back, another tab) fetches it again.
macro_rules! in_chunk {
    ($call:ident($($arg:expr),*)) => {
        if let Ok(task) = crate::lazy::split_call!($call($($arg),*)) {
            task.await;
        }
    };
}

crate::lazy::split_fn! { outbox:
    /// Reads the stored queue into `outbox` (at start: old sent entries
    /// dropped, a send cut short tried again), then sends what waits.
    fn loader(outbox: Outbox, at_start: bool) -> crate::lazy::Task<()> {
        Box::pin(async move {
            outbox
                .items
                .set(if at_start { load_at_start() } else { read() });
            if at_start {
                outbox.flush();
            }
        })
    }
}

crate::lazy::split_fn! { outbox:
    /// Sends every waiting entry, one at a time, oldest first.
    fn sender(outbox: Outbox) -> crate::lazy::Task<()> {
        Box::pin(outbox.send_waiting())
    }
}

impl Outbox {
    pub fn provide() {
        let outbox = Self {
            items: RwSignal::new(Vec::new()),
        };
        provide_context(outbox);
        if crate::kiosk::active() {
            return;
        }
        if storage::local_get(STORAGE_KEY).is_some() {
            leptos::task::spawn_local(async move { in_chunk!(loader(outbox, true)) });
        }
        let flush = move || outbox.flush();
        // Back online, another tab changed the queue, or time passed.
        let on_online = Closure::<dyn FnMut()>::new(flush);
        let on_storage =
            Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |e: web_sys::StorageEvent| {
                if e.key().as_deref() == Some(STORAGE_KEY) {
                    leptos::task::spawn_local(async move { in_chunk!(loader(outbox, false)) });
                }
            });
        let w = window();
        let _ = w.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        let _ = w.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
        on_online.forget();
        on_storage.forget();
        let _ = set_interval_with_handle(flush, RETRY_EVERY);
    }

    /// Changes the stored queue (read afresh, so another tab's entries are
    /// kept) and shows the result.
    fn change(self, f: impl FnOnce(&mut Vec<Item>)) {
        let mut items = read();
        f(&mut items);
        let _ = write(&items);
        self.items.set(items);
    }

    fn set_state(self, key: &str, state: State) {
        self.change(|items| {
            if let Some(i) = items.iter_mut().find(|i| i.key == key) {
                i.state = state;
            }
        });
    }

    /// Keeps a commitment or a report that could not be sent, to send it
    /// later. `false` when the device refused to store it (its storage is
    /// full: a report's photo may not fit): nothing is queued then, so
    /// nothing seems kept that a closed tab would lose.
    #[must_use]
    pub fn enqueue(self, key: String, body: Body, place: String) -> bool {
        let mut items = read();
        if !items.iter().any(|i| i.key == key) {
            items.push(Item {
                key,
                body,
                place,
                queued_at: js_sys::Date::now(),
                state: State::Waiting,
            });
        }
        if !write(&items) {
            return false;
        }
        self.items.set(items);
        // The network may be back already (an answer lost on a flaky line).
        set_timeout(move || self.flush(), Duration::from_secs(2));
        true
    }

    pub fn remove(self, key: &str) {
        self.change(|items| items.retain(|i| i.key != key));
    }

    /// How many are waiting or refused (what still needs the user or the network).
    #[must_use]
    pub fn open_count(self) -> usize {
        self.items.with(|items| {
            items
                .iter()
                .filter(|i| !matches!(i.state, State::Sent { .. }))
                .count()
        })
    }

    /// Sends every waiting commitment, one at a time, oldest first.
    pub fn flush(self) {
        if FLUSHING.with(Cell::get) || !window().navigator().on_line() {
            return;
        }
        let has_waiting = self
            .items
            .with_untracked(|items| items.iter().any(|i| i.state == State::Waiting));
        if !has_waiting {
            return;
        }
        FLUSHING.with(|f| f.set(true));
        leptos::task::spawn_local(async move {
            in_chunk!(sender(self));
            FLUSHING.with(|f| f.set(false));
        });
    }

    async fn send_waiting(self) {
        loop {
            let next = self.items.with_untracked(|items| {
                items
                    .iter()
                    .find(|i| i.state == State::Waiting)
                    .map(|i| (i.key.clone(), i.body.clone()))
            });
            let Some((key, body)) = next else {
                break;
            };
            self.set_state(&key, State::Sending);
            let sent = match &body {
                Body::Commitment(body) => api::commit(&key, body).await.map(|receipt| {
                    let CommitmentReceipt {
                        commitment,
                        manage_token,
                    } = receipt;
                    storage::local_set(&storage::manage_token_key(&commitment.code), &manage_token);
                    commitment.code
                }),
                Body::Report(report) => api::file_report(&key, report).await.map(|r| r.code),
            };
            match sent {
                Ok(code) => self.set_state(&key, State::Sent { code }),
                // A refusal: nothing was committed; the reason is the server's.
                Err(ApiFailure::Api { status, error }) if status < 500 => {
                    self.set_state(
                        &key,
                        State::Refused {
                            maybe_received: error.code
                                == kolaborasi_shared::ErrorCode::IdempotencyKeyReused,
                            message: error.message,
                            remaining: error.remaining,
                        },
                    );
                }
                // No answer (or an unknown outcome): the same key later.
                Err(_) => {
                    self.set_state(&key, State::Waiting);
                    break;
                }
            }
        }
    }
}

#[must_use]
pub fn use_outbox() -> Outbox {
    expect_context::<Outbox>()
}
