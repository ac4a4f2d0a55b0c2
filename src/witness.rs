//! Every browser a witness (issue 20). The server signs the public log's
//! head with the deployment's Ed25519 key. This browser keeps the last
//! signed head it saw (local storage; never on a kiosk), and on a later
//! visit checks — in the background, after the first screen — that today's
//! log extends it: the entries after the kept head must chain to it, up to
//! the head signed now. When nothing changed that costs one small request
//! (`/api/v1/log/head`, revalidated). When it does not hold, the log was
//! rewritten after this browser saw it, and every page says so, with both
//! heads (both signed, so the difference is provable).
//!
//! Signatures are checked with the browser's own Web Crypto (Ed25519), so no
//! signature code is in the wasm.

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use kolaborasi_shared::log::{KeyRotationFacts, MAX_PAGE, Verifier, kind, rotation_message};
use kolaborasi_shared::{LogHead, SignedHead};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, ApiFailure};
use crate::i18n::{lang, tr, tr_with};
use crate::{Shared, storage};

const STORAGE_KEY: &str = "kolaborasi_witness";

/// Entries a background check reads at most (four pages); a longer gap is
/// left to `/verifikasi`, where the visitor asked for the work.
pub const BACKGROUND_ENTRIES: i64 = 4 * MAX_PAGE as i64;

/// The head this browser keeps, and when it last checked it (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub head: SignedHead,
    pub checked: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Witness {
    /// Not checked yet in this visit.
    Pending,
    /// Checking; entries done of those to read.
    Checking {
        done: i64,
        total: i64,
    },
    /// Nothing kept here: a kiosk, or storage refused (private browsing).
    Keeps,
    /// This browser kept its first head just now.
    First(SignedHead),
    /// Today's log extends the kept head (`from`, possibly equal to `to`).
    Extends {
        from: SignedHead,
        to: SignedHead,
    },
    /// It does not: the log was rewritten after this browser kept `kept`.
    Diverged {
        kept: SignedHead,
        now: SignedHead,
    },
    /// The head shown now is not signed by the published key.
    BadSignature(SignedHead),
    /// More new entries than a background check reads.
    Behind {
        kept: SignedHead,
        now: SignedHead,
    },
    /// This browser cannot check Ed25519 signatures.
    Unsupported,
    Failed(ApiFailure),
}

/// Stored as one line of space-separated fields (`seq hash at key
/// signature checked`): plain text, no JSON machinery in the wasm for it.
#[must_use]
pub fn kept() -> Option<Kept> {
    let text = storage::local_get(STORAGE_KEY)?;
    let mut f = text.split(' ');
    let mut next = || f.next().map(str::to_owned);
    let seq = next()?.parse().ok()?;
    let hash = next()?;
    let at = next()?.parse().ok()?;
    let key = next()?;
    let signature = next()?;
    let checked = next()?.parse().ok()?;
    Some(Kept {
        head: SignedHead {
            seq,
            hash,
            at,
            key,
            signature,
        },
        checked,
    })
}

fn keep(h: &SignedHead) {
    storage::local_set(
        STORAGE_KEY,
        &format!(
            "{} {} {} {} {} {}",
            h.seq,
            h.hash,
            h.at,
            h.key,
            h.signature,
            now_unix()
        ),
    );
}

fn now_unix() -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let s = (js_sys::Date::now() / 1000.0) as i64;
    s
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn call(target: &JsValue, method: &str, args: &Array) -> Option<Promise> {
    let f: Function = Reflect::get(target, &method.into()).ok()?.dyn_into().ok()?;
    f.apply(target, args).ok()?.dyn_into().ok()
}

/// Whether `signature` (hex) is `key`'s (hex) Ed25519 signature of
/// `message`: `None` when this browser has no Ed25519 in Web Crypto.
async fn verified(key: &str, message: &str, signature: &str) -> Option<bool> {
    let (Some(key), Some(signature)) = (from_hex(key), from_hex(signature)) else {
        return Some(false);
    };
    let crypto = Reflect::get(&window(), &"crypto".into()).ok()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
    if subtle.is_undefined() {
        return None;
    }
    let algorithm = js_sys::Object::new();
    Reflect::set(&algorithm, &"name".into(), &"Ed25519".into()).ok()?;
    let import = call(
        &subtle,
        "importKey",
        &Array::of5(
            &"raw".into(),
            &Uint8Array::from(&key[..]),
            &algorithm,
            &false.into(),
            &Array::of1(&"verify".into()),
        ),
    )?;
    let key = JsFuture::from(import).await.ok()?;
    let verify = call(
        &subtle,
        "verify",
        &Array::of4(
            &algorithm,
            &key,
            &Uint8Array::from(&signature[..]),
            &Uint8Array::from(message.as_bytes()),
        ),
    )?;
    JsFuture::from(verify).await.ok()?.as_bool()
}

/// Whether `head` is signed by `key`.
async fn signed_by(head: &SignedHead, key: &str) -> Option<bool> {
    if head.key != key {
        return Some(false);
    }
    verified(key, &head.message(), &head.signature).await
}

crate::lazy::split_fn! { witness:
    /// [`run`], boxed, as the witness chunk's entry.
    fn checker(key: String, limit: Option<i64>, state: RwSignal<Witness>) -> crate::lazy::Task<Witness> {
        Box::pin(async move { run(&key, limit, state).await })
    }
}

/// Checks today's log against the kept head; keeps the head signed now
/// when it extends it. `limit`: most entries to read (`None`: all).
async fn run(key: &str, limit: Option<i64>, state: RwSignal<Witness>) -> Witness {
    if crate::kiosk::active() || storage::local().is_none() {
        return Witness::Keeps;
    }
    if !window().navigator().on_line() {
        return Witness::Pending;
    }
    let now = match api::log_head().await {
        Ok(h) => h,
        Err(e) => return Witness::Failed(e),
    };
    let Some(kept) = kept() else {
        // The first head: signed by the key the deployment publishes (asked
        // for again when the stored configuration names another).
        let mut key = key.to_owned();
        if now.key != key
            && let Ok(config) = api::config(api::Read::Fresh).await
        {
            key = config.log_key;
        }
        return match signed_by(&now, &key).await {
            None => Witness::Unsupported,
            Some(false) => Witness::BadSignature(now),
            Some(true) => {
                keep(&now);
                Witness::First(now)
            }
        };
    };
    let from = kept.head;
    if now.seq < from.seq {
        // A shorter log, or an instance whose answers lag behind the
        // database: the kept entry itself decides.
        return match api::log_page(from.seq - 1, 1).await {
            Ok(p)
                if p.entries
                    .first()
                    .is_some_and(|e| e.seq == from.seq && e.hash == from.hash) =>
            {
                Witness::Pending
            }
            Ok(_) => Witness::Diverged { kept: from, now },
            Err(e) => Witness::Failed(e),
        };
    }
    if now.seq == from.seq && now.hash != from.hash {
        return Witness::Diverged { kept: from, now };
    }
    if limit.is_some_and(|l| now.seq - from.seq > l) {
        return Witness::Behind { kept: from, now };
    }
    let rotations = match extends(&from.head(), &now, state).await {
        Ok(Some(r)) => r,
        Ok(None) => return Witness::Diverged { kept: from, now },
        Err(e) => return Witness::Failed(e),
    };
    // Today's head is signed by the kept head's key, or by one the log
    // handed it on to: each rotation signed by the key before it.
    let mut key = from.key.clone();
    for r in rotations {
        let message = rotation_message(&r.previous, &r.key);
        if r.previous != key || verified(&key, &message, &r.signature).await == Some(false) {
            return Witness::BadSignature(now);
        }
        key = r.key;
    }
    match signed_by(&now, &key).await {
        None => Witness::Unsupported,
        Some(false) => Witness::BadSignature(now),
        Some(true) => {
            keep(&now);
            Witness::Extends { from, to: now }
        }
    }
}

/// The key rotations among the entries after `from`, when they chain to
/// it up to `to`; `None` when they do not.
async fn extends(
    from: &LogHead,
    to: &SignedHead,
    state: RwSignal<Witness>,
) -> Result<Option<Vec<KeyRotationFacts>>, ApiFailure> {
    let mut verifier = Verifier::continuing(from);
    let mut rotations = Vec::new();
    while verifier.head().seq < to.seq {
        let page = api::log_page(verifier.head().seq, MAX_PAGE).await?;
        if page.entries.is_empty() {
            // The log is shorter than the head it signed.
            return Ok(None);
        }
        for e in page.entries.iter().take_while(|e| e.seq <= to.seq) {
            if verifier.push(e).is_err() {
                return Ok(None);
            }
            if e.kind == kind::SIGNING_KEY_ROTATED {
                match serde_json::from_value(e.facts.clone()) {
                    Ok(r) => rotations.push(r),
                    Err(_) => return Ok(None),
                }
            }
        }
        state.set(Witness::Checking {
            done: verifier.head().seq - from.seq,
            total: to.seq - from.seq,
        });
    }
    Ok((verifier.head() == to.head()).then_some(rotations))
}

/// The witness of this visit, in context.
#[derive(Clone, Copy)]
pub struct WitnessCheck {
    pub state: RwSignal<Witness>,
    shared: Shared,
}

impl WitnessCheck {
    /// Starts the background check a few seconds after the app starts
    /// (after the first screen and its data), once per visit.
    pub fn provide(shared: Shared) {
        let check = Self {
            state: RwSignal::new(Witness::Pending),
            shared,
        };
        provide_context(check);
        if crate::kiosk::active() {
            check.state.set(Witness::Keeps);
            return;
        }
        set_timeout(
            move || {
                if check.state.get_untracked() == Witness::Pending {
                    check.start(Some(BACKGROUND_ENTRIES));
                }
            },
            std::time::Duration::from_secs(4),
        );
    }

    /// Runs the check (again), reading at most `limit` new entries.
    pub fn start(self, limit: Option<i64>) {
        if matches!(self.state.get_untracked(), Witness::Checking { .. }) {
            return;
        }
        let (state, shared) = (self.state, self.shared);
        state.set(Witness::Checking { done: 0, total: 0 });
        leptos::task::spawn_local(async move {
            let key = match shared.config.await {
                Ok(c) => c.log_key,
                Err(e) => {
                    state.set(Witness::Failed(e));
                    return;
                }
            };
            // The check's code is a chunk of its own in the split build:
            // it runs after the first screen, so the map does not wait for it.
            let check = crate::lazy::split_call!(checker(key, limit, state));
            let outcome = match check {
                Ok(check) => check.await,
                Err(crate::lazy::Unreachable) => Witness::Failed(ApiFailure::Network),
            };
            state.set(outcome);
        });
    }

    /// After a warning the visitor read: keep the head signed now instead.
    pub fn accept(self, now: &SignedHead) {
        keep(now);
        self.state.set(Witness::Extends {
            from: now.clone(),
            to: now.clone(),
        });
    }
}

/// A signed head as two lines: number and time, then the full hash.
#[component]
pub fn HeadLine(head: SignedHead, testid: &'static str) -> impl IntoView {
    let l = lang();
    view! {
        <span data-testid=testid data-seq=head.seq.to_string() data-hash=head.hash.clone()>
            {tr_with(l, "witness.head", &[
                ("seq", &l.number(u64::try_from(head.seq).unwrap_or(0))),
                ("time", &crate::pages::tracking::local_time(l, head.at)),
            ])}
            " "
            <code class="hash">{head.hash.clone()}</code>
        </span>
    }
}

/// On every page: the warning when the log no longer extends the head this
/// browser kept.
#[component]
pub fn Warning() -> impl IntoView {
    let check = use_context::<WitnessCheck>();
    move || {
        let check = check?;
        let Witness::Diverged { kept, now } = check.state.get() else {
            return None;
        };
        Some(view! {
            <div class="witness-warning" role="alert" data-testid="witness-warning">
                <p class="witness-title">{tr("witness.diverged_title")}</p>
                <p>{tr("witness.diverged_body")}</p>
                <ul>
                    <li>{tr("witness.kept")} " " <HeadLine head=kept testid="witness-kept" /></li>
                    <li>{tr("witness.now")} " " <HeadLine head=now testid="witness-now" /></li>
                </ul>
                <p>
                    <a href="/verifikasi">{tr("witness.more")}</a>
                </p>
            </div>
        })
    }
}
