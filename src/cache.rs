//! The last good copy of public API answers, kept in `IndexedDB` so the app
//! starts from it at once (and offline) while `api` revalidates it with the
//! server's ETag.
//!
//! - Keys are the API path with its version prefix (`/api/v1/areas`), so a
//!   new API version never reads an old answer.
//! - [`SCHEMA`] is the record layout: opening a database of any other
//!   version (older or newer), or one missing its stores, deletes it and
//!   starts empty.
//! - Storage is bounded ([`MAX_ENTRIES`], [`MAX_BYTES`], oldest dropped
//!   first); a write refused for quota empties the cache instead of failing.
//! - Nothing here ever fails start-up: every `IndexedDB` problem (private
//!   mode, a blocked upgrade, a corrupt record) is a cache miss.
//!
//! Only public answers are cached; nothing personal goes through here.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

const DB_NAME: &str = "kolaborasi-cache";
/// The record layout. Bump it when records change shape: every older (or
/// newer) database is then dropped instead of misread.
const SCHEMA: u32 = 1;
const ANSWERS: &str = "answers";
/// `{bytes, saved}` per key: what pruning reads without loading bodies.
const SIZES: &str = "sizes";
pub const MAX_ENTRIES: usize = 48;
pub const MAX_BYTES: f64 = 12.0 * 1024.0 * 1024.0;
/// How long opening may take before the app goes on without the cache
/// (another tab may block an upgrade indefinitely).
const OPEN_TIMEOUT_MS: i32 = 2_000;

/// A stored answer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub etag: Option<String>,
    pub body: Rc<str>,
    /// When the server last confirmed it (ms since 1970).
    pub saved: f64,
}

/// What this app run knows about one key.
#[derive(Default)]
struct Known {
    entry: Option<Rc<Entry>>,
    /// Already served from storage once this run (the start-up answer).
    served: bool,
    /// Revalidation found a newer answer the resource has not read yet.
    changed: bool,
    /// Read from `IndexedDB` already (a miss there is remembered too).
    loaded: bool,
}

thread_local! {
    static OPEN: RefCell<Option<Promise>> = const { RefCell::new(None) };
    static KNOWN: RefCell<HashMap<String, Known>> = RefCell::new(HashMap::new());
    static TRIGGERS: RefCell<HashMap<String, ArcTrigger>> = RefCell::new(HashMap::new());
    static STALE: RefCell<Option<RwSignal<BTreeMap<String, f64>>>> = const { RefCell::new(None) };
}

/// The answers shown that the server could not confirm (key → saved at),
/// for the "data from 3 hours ago" notice.
#[derive(Clone, Copy)]
pub struct Freshness {
    pub stale: RwSignal<BTreeMap<String, f64>>,
}

impl Freshness {
    pub fn provide() {
        let stale = RwSignal::new(BTreeMap::new());
        STALE.with(|s| *s.borrow_mut() = Some(stale));
        // Every answer still unconfirmed is asked for again when the browser
        // says it is back online, and every 30 s (a server that was down
        // says nothing when it is back): a `304` clears its label, a newer
        // answer replaces it wherever it is shown.
        let retry = move || {
            let keys: Vec<String> = stale.with_untracked(|s| s.keys().cloned().collect());
            for key in keys {
                let etag = peek(&key).and_then(|e| e.etag.clone());
                leptos::task::spawn_local(crate::api::revalidate_in_background(key, etag));
            }
        };
        let on_online = Closure::<dyn FnMut()>::new(retry);
        let _ =
            window().add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
        let _ = set_interval_with_handle(retry, std::time::Duration::from_secs(30));
        provide_context(Self { stale });
    }

    /// When the oldest answer shown without the server's confirmation was saved.
    #[must_use]
    pub fn oldest(self) -> Option<f64> {
        self.stale.with(|s| s.values().copied().reduce(f64::min))
    }
}

fn set_stale(key: &str, saved: Option<f64>) {
    STALE.with(|s| {
        if let Some(signal) = *s.borrow() {
            let present = signal.with_untracked(|m| m.get(key).copied());
            match (present, saved) {
                (None, None) => {}
                (Some(a), Some(b)) if (a - b).abs() < f64::EPSILON => {}
                (_, Some(at)) => signal.update(|m| {
                    m.insert(key.to_owned(), at);
                }),
                (Some(_), None) => signal.update(|m| {
                    m.remove(key);
                }),
            }
        }
    });
}

/// Makes the running reactive computation (a resource's fetcher) run again
/// when revalidation changes `key`. Call it synchronously in the fetcher.
pub fn track(key: &str) {
    TRIGGERS.with(|t| {
        t.borrow_mut()
            .entry(key.to_owned())
            .or_insert_with(ArcTrigger::new)
            .track();
    });
}

fn notify(key: &str) {
    let trigger = TRIGGERS.with(|t| t.borrow().get(key).cloned());
    if let Some(t) = trigger {
        t.notify();
    }
}

#[must_use]
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// How a read should go.
pub enum Plan {
    /// Show this stored answer now (start-up, or just revalidated). `revalidate`
    /// says the server has not been asked yet this run.
    Stored { entry: Rc<Entry>, revalidate: bool },
    /// Ask the server, conditionally on this entry's ETag when there is one.
    Ask(Option<Rc<Entry>>),
}

/// The copy for `key`, read from `IndexedDB` once per run.
pub async fn load(key: &str) -> Option<Rc<Entry>> {
    ensure_loaded(key).await;
    peek(key)
}

async fn ensure_loaded(key: &str) {
    let loaded = KNOWN.with(|k| k.borrow().get(key).is_some_and(|k| k.loaded));
    if !loaded {
        let entry = read(key).await.map(Rc::new);
        KNOWN.with(|k| {
            let mut k = k.borrow_mut();
            let known = k.entry(key.to_owned()).or_default();
            if !known.loaded {
                known.loaded = true;
                known.entry = entry;
            }
        });
    }
}

/// Decides between the stored answer and the network for `key`.
pub async fn plan(key: &str) -> Plan {
    ensure_loaded(key).await;
    KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        let known = k.entry(key.to_owned()).or_default();
        match known.entry.clone() {
            Some(entry) if !known.served => {
                known.served = true;
                Plan::Stored {
                    entry,
                    revalidate: true,
                }
            }
            Some(entry) if known.changed => {
                known.changed = false;
                Plan::Stored {
                    entry,
                    revalidate: false,
                }
            }
            other => {
                known.served = true;
                Plan::Ask(other)
            }
        }
    })
}

/// The copy this run holds for `key`, if any.
#[must_use]
pub fn peek(key: &str) -> Option<Rc<Entry>> {
    KNOWN.with(|k| k.borrow().get(key).and_then(|k| k.entry.clone()))
}

/// The server confirmed the stored answer (`304`).
pub fn confirmed(key: &str) {
    let saved = now_ms();
    let entry = KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        let known = k.get_mut(key)?;
        let e = known.entry.as_ref()?;
        let fresh = Rc::new(Entry {
            saved,
            ..(**e).clone()
        });
        known.entry = Some(fresh.clone());
        Some(fresh)
    });
    set_stale(key, None);
    if let Some(e) = entry {
        let key = key.to_owned();
        leptos::task::spawn_local(async move {
            let _ = write(&key, &e).await;
        });
    }
}

/// A new answer from the server. Returns true when it differs from the
/// stored one. `announce` wakes the resources reading `key` (background
/// revalidation); a foreground read returns the answer itself.
pub fn store(key: &str, etag: Option<String>, body: Rc<str>, announce: bool) -> bool {
    let entry = Rc::new(Entry {
        etag,
        body,
        saved: now_ms(),
    });
    let changed = KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        let known = k.entry(key.to_owned()).or_default();
        let changed = known.entry.as_ref().is_none_or(|e| e.body != entry.body);
        known.entry = Some(entry.clone());
        known.loaded = true;
        known.served = true;
        if changed && announce {
            known.changed = true;
        }
        changed
    });
    set_stale(key, None);
    let owned = key.to_owned();
    leptos::task::spawn_local(async move {
        if write(&owned, &entry).await.is_err() {
            clear().await;
        } else {
            prune().await;
        }
    });
    if changed && announce {
        notify(key);
    }
    changed
}

/// How long a stored copy may be shown before the server's confirmation
/// before it is labelled with its age anyway (a check that hangs instead of
/// failing must not pass an old copy off as current).
const CONFIRM_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

/// Shows `entry` (served from storage) as unconfirmed unless the server
/// confirms or replaces it within [`CONFIRM_WITHIN`].
pub fn label_if_unconfirmed(key: &str, entry: &Entry) {
    let key = key.to_owned();
    let saved = entry.saved;
    set_timeout(
        move || {
            let same = peek(&key).is_some_and(|e| (e.saved - saved).abs() < f64::EPSILON);
            if same {
                set_stale(&key, Some(saved));
            }
        },
        CONFIRM_WITHIN,
    );
}

/// The server could not be reached: the stored answer is shown, labelled
/// with its age.
pub fn unconfirmed(key: &str, entry: &Entry) {
    set_stale(key, Some(entry.saved));
}

/// The server no longer has it (or refuses): forget the copy and let the
/// resource ask again, so it shows the server's answer.
pub fn forget(key: &str) {
    KNOWN.with(|k| {
        if let Some(known) = k.borrow_mut().get_mut(key) {
            known.entry = None;
            known.changed = false;
        }
    });
    set_stale(key, None);
    let key_for_delete = key.to_owned();
    leptos::task::spawn_local(async move {
        let _ = remove(&key_for_delete).await;
    });
    notify(key);
}

// ---------------------------------------------------------------------------
// IndexedDB, through promises.

/// A promise settled by an `IdbRequest`: its result, or a rejection.
fn request_promise(req: &IdbRequest) -> Promise {
    let req = req.clone();
    Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(
                &JsValue::UNDEFINED,
                &r.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let failed = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::UNDEFINED, &JsValue::from_str("indexeddb"));
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(failed.unchecked_ref()));
    })
}

async fn request(req: &IdbRequest) -> Result<JsValue, JsValue> {
    JsFuture::from(request_promise(req)).await
}

/// Resolves when the transaction commits; rejects when it fails or aborts
/// (a full quota aborts it).
async fn committed(tx: &IdbTransaction) -> Result<(), JsValue> {
    let tx = tx.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let reject_abort = reject.clone();
        let failed = Closure::once_into_js(move || {
            let _ = reject.call0(&JsValue::UNDEFINED);
        });
        let aborted = Closure::once_into_js(move || {
            let _ = reject_abort.call0(&JsValue::UNDEFINED);
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onerror(Some(failed.unchecked_ref()));
        tx.set_onabort(Some(aborted.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(drop)
}

/// A promise resolving to `value` after `ms`.
fn after(ms: i32, value: JsValue) -> Promise {
    Promise::new(&mut |resolve, _| {
        let _ =
            window().set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, ms, &value);
    })
}

enum OpenFailure {
    /// Opening did not finish in time (an upgrade blocked by another tab).
    Timeout,
    /// Refused, wrong version, missing stores: delete and start again.
    Broken,
    /// No `IndexedDB` at all (private mode in some browsers).
    Unavailable,
}

async fn open_once() -> Result<IdbDatabase, OpenFailure> {
    let factory = window()
        .indexed_db()
        .ok()
        .flatten()
        .ok_or(OpenFailure::Unavailable)?;
    let req = factory
        .open_with_u32(DB_NAME, SCHEMA)
        .map_err(|_| OpenFailure::Unavailable)?;
    let upgrade_req = req.clone();
    let upgrade = Closure::once_into_js(move || {
        let Ok(db) = upgrade_req.result() else {
            return;
        };
        let db: IdbDatabase = db.unchecked_into();
        // Whatever an earlier layout left is dropped, not migrated: it is a cache.
        let names = db.object_store_names();
        let old: Vec<String> = (0..names.length()).filter_map(|i| names.item(i)).collect();
        for name in old {
            let _ = db.delete_object_store(&name);
        }
        let _ = db.create_object_store(ANSWERS);
        let _ = db.create_object_store(SIZES);
    });
    req.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let timeout_marker: JsValue = Object::new().into();
    let opened = Promise::race(&Array::of2(
        &request_promise(&req),
        &after(OPEN_TIMEOUT_MS, timeout_marker.clone()),
    ));
    let value = JsFuture::from(opened)
        .await
        .map_err(|_| OpenFailure::Broken)?;
    if Object::is(&value, &timeout_marker) {
        return Err(OpenFailure::Timeout);
    }
    let db: IdbDatabase = value.dyn_into().map_err(|_| OpenFailure::Broken)?;
    let names = db.object_store_names();
    if !(names.contains(ANSWERS) && names.contains(SIZES)) {
        db.close();
        return Err(OpenFailure::Broken);
    }
    // Another tab upgrading: step aside instead of blocking it.
    let closing = db.clone();
    let on_version_change = Closure::<dyn FnMut()>::new(move || {
        closing.close();
        OPEN.with(|o| *o.borrow_mut() = None);
    });
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget();
    Ok(db)
}

async fn open() -> JsValue {
    for attempt in 0..2 {
        match open_once().await {
            Ok(db) => return db.into(),
            Err(OpenFailure::Broken) if attempt == 0 => {
                if let Some(factory) = window().indexed_db().ok().flatten()
                    && let Ok(req) = factory.delete_database(DB_NAME)
                {
                    let done = Promise::race(&Array::of2(
                        &request_promise(&req),
                        &after(OPEN_TIMEOUT_MS, JsValue::NULL),
                    ));
                    let _ = JsFuture::from(done).await;
                }
            }
            Err(_) => break,
        }
    }
    JsValue::NULL
}

/// The open database, or `None` when there is none to be had.
async fn database() -> Option<IdbDatabase> {
    let promise = OPEN.with(|o| {
        o.borrow_mut()
            .get_or_insert_with(|| {
                wasm_bindgen_futures::future_to_promise(async { Ok(open().await) })
            })
            .clone()
    });
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

fn stores(
    db: &IdbDatabase,
    mode: IdbTransactionMode,
) -> Option<(IdbTransaction, IdbObjectStore, IdbObjectStore)> {
    let names = Array::of2(&ANSWERS.into(), &SIZES.into());
    let tx = db
        .transaction_with_str_sequence_and_mode(&names, mode)
        .ok()?;
    let answers = tx.object_store(ANSWERS).ok()?;
    let sizes = tx.object_store(SIZES).ok()?;
    Some((tx, answers, sizes))
}

async fn read(key: &str) -> Option<Entry> {
    let db = database().await?;
    let (_tx, answers, _) = stores(&db, IdbTransactionMode::Readonly)?;
    let value = request(&answers.get(&key.into()).ok()?).await.ok()?;
    let body = Reflect::get(&value, &"body".into()).ok()?.as_string()?;
    let saved = Reflect::get(&value, &"saved".into()).ok()?.as_f64()?;
    let etag = Reflect::get(&value, &"etag".into())
        .ok()
        .and_then(|v| v.as_string());
    Some(Entry {
        etag,
        body: body.into(),
        saved,
    })
}

async fn write(key: &str, entry: &Entry) -> Result<(), JsValue> {
    let db = database().await.ok_or(JsValue::NULL)?;
    let (tx, answers, sizes) = stores(&db, IdbTransactionMode::Readwrite).ok_or(JsValue::NULL)?;
    let record = Object::new();
    Reflect::set(&record, &"body".into(), &JsValue::from_str(&entry.body))?;
    Reflect::set(&record, &"saved".into(), &entry.saved.into())?;
    if let Some(etag) = &entry.etag {
        Reflect::set(&record, &"etag".into(), &JsValue::from_str(etag))?;
    }
    let size = Object::new();
    #[allow(clippy::cast_precision_loss)] // bodies are far below 2^52 bytes
    let bytes = entry.body.len() as f64;
    Reflect::set(&size, &"bytes".into(), &bytes.into())?;
    Reflect::set(&size, &"saved".into(), &entry.saved.into())?;
    answers.put_with_key(&record, &key.into())?;
    sizes.put_with_key(&size, &key.into())?;
    committed(&tx).await
}

async fn remove(key: &str) -> Result<(), JsValue> {
    let db = database().await.ok_or(JsValue::NULL)?;
    let (tx, answers, sizes) = stores(&db, IdbTransactionMode::Readwrite).ok_or(JsValue::NULL)?;
    answers.delete(&key.into())?;
    sizes.delete(&key.into())?;
    committed(&tx).await
}

/// Empties the cache (a write was refused: most likely the quota).
async fn clear() {
    let Some(db) = database().await else {
        return;
    };
    if let Some((tx, answers, sizes)) = stores(&db, IdbTransactionMode::Readwrite) {
        let _ = answers.clear();
        let _ = sizes.clear();
        let _ = committed(&tx).await;
    }
}

/// Drops the oldest answers until the cache is within its bounds.
async fn prune() {
    let Some(db) = database().await else {
        return;
    };
    let Some((_tx, _, sizes)) = stores(&db, IdbTransactionMode::Readonly) else {
        return;
    };
    let (Ok(keys_req), Ok(values_req)) = (sizes.get_all_keys(), sizes.get_all()) else {
        return;
    };
    let (Ok(keys), Ok(values)) = (request(&keys_req).await, request(&values_req).await) else {
        return;
    };
    let keys: Array = keys.unchecked_into();
    let values: Array = values.unchecked_into();
    let mut items: Vec<(f64, f64, JsValue)> = keys
        .iter()
        .zip(values.iter())
        .map(|(k, v)| {
            let num = |name: &str| {
                Reflect::get(&v, &name.into())
                    .ok()
                    .and_then(|x| x.as_f64())
                    .unwrap_or(0.0)
            };
            (num("saved"), num("bytes"), k)
        })
        .collect();
    let mut total: f64 = items.iter().map(|i| i.1).sum();
    let mut count = items.len();
    if count <= MAX_ENTRIES && total <= MAX_BYTES {
        return;
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some((tx, answers, sizes)) = stores(&db, IdbTransactionMode::Readwrite) else {
        return;
    };
    for (_, bytes, key) in items {
        if count <= MAX_ENTRIES && total <= MAX_BYTES {
            break;
        }
        let _ = answers.delete(&key);
        let _ = sizes.delete(&key);
        count -= 1;
        total -= bytes;
    }
    let _ = committed(&tx).await;
}
