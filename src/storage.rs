//! Browser storage and clock: small wrappers that never fail loudly.
//! Private browsing may refuse storage; then things last only this visit.

use leptos::prelude::window;
use wasm_bindgen::JsCast;

#[must_use]
pub fn local() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn session() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

#[must_use]
pub fn local_get(key: &str) -> Option<String> {
    local().and_then(|s| s.get_item(key).ok().flatten())
}

/// Whether `key` may be written now: on a kiosk, only the kiosk's own
/// settings are (nothing personal is ever stored there).
fn writable(key: &str) -> bool {
    !crate::kiosk::active() || key.starts_with(crate::kiosk::KEY_PREFIX)
}

pub fn local_set(key: &str, value: &str) {
    if !writable(key) {
        return;
    }
    if let Some(s) = local() {
        let _ = s.set_item(key, value);
    }
}

/// Like [`local_set`], saying whether the value was stored (a full quota,
/// or a kiosk, refuses).
#[must_use]
pub fn local_try_set(key: &str, value: &str) -> bool {
    writable(key) && local().is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn local_remove(key: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(key);
    }
}

/// Per-tab storage: survives a reload and a detour to another page of the
/// app, not the closing of the tab.
#[must_use]
pub fn session_get(key: &str) -> Option<String> {
    session().and_then(|s| s.get_item(key).ok().flatten())
}

pub fn session_set(key: &str, value: &str) {
    if !writable(key) {
        return;
    }
    session_set_raw(key, value);
}

/// Writes without the kiosk check (the kiosk's own settings, at start).
pub fn session_set_raw(key: &str, value: &str) {
    if let Some(s) = session() {
        let _ = s.set_item(key, value);
    }
}

pub fn session_remove(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}

/// Empties both storages but for keys starting with `keep` (a kiosk's
/// reset: nothing else should be there, and now nothing else is).
pub fn wipe_except(keep: &str) {
    for storage in [local(), session()].into_iter().flatten() {
        let len = storage.length().unwrap_or(0);
        let doomed: Vec<String> = (0..len)
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| !k.starts_with(keep))
            .collect();
        for k in doomed {
            let _ = storage.remove_item(&k);
        }
    }
}

/// Where a commitment's manage token is kept on the donor's device.
#[must_use]
pub fn manage_token_key(code: &str) -> String {
    format!("{MANAGE_PREFIX}{code}")
}

const MANAGE_PREFIX: &str = "kolaborasi.manage.";

/// Every (code, manage token) this device keeps, at most `limit`.
#[must_use]
pub fn manage_tokens(limit: usize) -> Vec<(String, String)> {
    let Some(s) = local() else {
        return Vec::new();
    };
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter_map(|k| k.strip_prefix(MANAGE_PREFIX).map(str::to_owned))
        .filter_map(|code| local_get(&manage_token_key(&code)).map(|t| (code, t)))
        .take(limit)
        .collect()
}

/// Today in the browser's time zone, as days since 1970-01-01.
#[must_use]
pub fn today() -> i64 {
    let now = js_sys::Date::new_0();
    local_days(&now)
}

/// The browser-local calendar day of a Unix timestamp (seconds).
#[must_use]
pub fn local_day_of(unix_seconds: i64) -> i64 {
    #[allow(clippy::cast_precision_loss)] // seconds since 1970 fit in f64 exactly
    let millis = unix_seconds as f64 * 1000.0;
    local_days(&js_sys::Date::new(&millis.into()))
}

fn local_days(date: &js_sys::Date) -> i64 {
    kolaborasi_shared::validate::days_from_civil(
        i64::from(date.get_full_year()),
        i64::from(date.get_month()) + 1,
        i64::from(date.get_date()),
    )
}

/// 32 random hex characters from the browser's CSPRNG (an `Idempotency-Key`).
/// `crypto.getRandomValues` works on plain-HTTP LAN deployments too, where
/// `crypto.randomUUID` does not exist.
#[must_use]
pub fn random_key() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    let filled = window()
        .crypto()
        .ok()
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto at all (a very old browser): Math.random still makes
        // a collision between two form submissions implausible.
        for b in &mut bytes {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let r = (js_sys::Math::random() * 256.0) as u8;
            *b = r;
        }
    }
    bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// Copies text to the clipboard; `done(true)` once it is there.
pub fn copy_to_clipboard(text: &str, done: impl Fn(bool) + 'static) {
    // Only in secure contexts (HTTPS, localhost); a LAN address has none.
    let clipboard = js_sys::Reflect::get(&window().navigator(), &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(clipboard) = clipboard else {
        done(false);
        return;
    };
    let promise = clipboard
        .unchecked_into::<web_sys::Clipboard>()
        .write_text(text);
    let done = std::rc::Rc::new(done);
    let ok = {
        let done = done.clone();
        wasm_bindgen::closure::Closure::once_into_js(move |_: wasm_bindgen::JsValue| done(true))
    };
    let failed =
        wasm_bindgen::closure::Closure::once_into_js(move |_: wasm_bindgen::JsValue| done(false));
    // `then` with callbacks that free themselves once called.
    if let Ok(then) = js_sys::Reflect::get(&promise, &"then".into()) {
        let _ = then
            .unchecked_into::<js_sys::Function>()
            .call2(&promise, &ok, &failed);
    }
}
