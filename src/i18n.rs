//! Translations: every user-facing string comes from `locales/*.json`
//! (shared with the server's error messages). Indonesian is the default;
//! the choice is remembered in `localStorage`.

use std::collections::HashMap;
use std::sync::LazyLock;

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

const STORAGE_KEY: &str = "kolaborasi.lang";
/// The language cookie the server reads for its first paint.
const LANG_COOKIE: &str = kolaborasi_shared::routes::LANG_COOKIE;

// `locales/*.json` as this build needs them (build.rs: the donor's build
// leaves out the e-mails and the console's texts).
static ID: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/id.json"))).unwrap_or_default()
});
#[cfg(not(feature = "split"))]
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/en.json"))).unwrap_or_default()
});
// The donor's split build leaves English out of its wasm: most donors read
// Indonesian. `cargo xtask build-client` puts `en.json` beside the wasm
// (immutable, in the service worker's shell), and [`load`] fetches it the
// first time English is wanted.
#[cfg(feature = "split")]
static EN: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();

/// Makes `lang`'s texts available; `false` when they cannot be fetched (the
/// caller keeps the language it has). Only English in the donor's split
/// build ever needs a fetch.
#[cfg_attr(not(feature = "split"), allow(clippy::unused_async))]
pub async fn load(lang: Lang) -> bool {
    #[cfg(feature = "split")]
    if lang == Lang::En && EN.get().is_none() {
        let Some(url) = english_url() else {
            return false;
        };
        let Ok(response) = gloo_net::http::Request::get(&url).send().await else {
            return false;
        };
        let Ok(body) = response.text().await else {
            return false;
        };
        let Ok(texts) = serde_json::from_str::<HashMap<String, String>>(&body) else {
            return false;
        };
        if !response.ok() {
            return false;
        }
        let _ = EN.set(texts);
    }
    #[cfg(not(feature = "split"))]
    let _ = lang;
    true
}

/// Whether `lang`'s texts are here.
#[cfg(feature = "split")]
fn loaded(lang: Lang) -> bool {
    lang == Lang::Id || EN.get().is_some()
}

#[cfg(not(feature = "split"))]
fn loaded(_: Lang) -> bool {
    true
}

/// `en.json` beside this build's wasm (whose preload the page's HTML has).
#[cfg(feature = "split")]
fn english_url() -> Option<String> {
    let link = document()
        .query_selector("link[rel=preload][href$='/kolaborasi_bg.wasm']")
        .ok()??;
    let href = link.get_attribute("href")?;
    Some(format!(
        "{}en.json",
        href.strip_suffix("kolaborasi_bg.wasm")?
    ))
}

/// The language chosen on this device before (Indonesian when none).
#[must_use]
pub fn stored() -> Lang {
    if crate::storage::local_get(STORAGE_KEY).as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Id
    }
}

impl Lang {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    #[must_use]
    pub fn other(self) -> Self {
        match self {
            Self::Id => Self::En,
            Self::En => Self::Id,
        }
    }

    fn catalog(self) -> &'static HashMap<String, String> {
        match self {
            Self::Id => &ID,
            #[cfg(not(feature = "split"))]
            Self::En => &EN,
            // Not fetched (yet): Indonesian rather than keys.
            #[cfg(feature = "split")]
            Self::En => EN.get().unwrap_or(&ID),
        }
    }

    /// The text for `key`; the key itself if a translation is missing, so a
    /// gap is visible instead of silent.
    #[must_use]
    pub fn text(self, key: &str) -> String {
        self.catalog()
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }

    fn separator(self) -> char {
        if self == Self::Id { '.' } else { ',' }
    }

    fn decimal_mark(self) -> char {
        if self == Self::Id { ',' } else { '.' }
    }

    #[must_use]
    pub fn number(self, n: u64) -> String {
        crate::format::grouped(n, self.separator())
    }

    /// A whole-Rupiah amount, `Rp1.250.000`.
    #[must_use]
    pub fn rupiah(self, value: i64) -> String {
        crate::format::rupiah(value, self.separator())
    }

    /// A large Rupiah amount shortened: `Rp72,6 miliar`.
    #[must_use]
    pub fn rupiah_short(self, value: i64) -> String {
        let units = [
            self.text("amount.million"),
            self.text("amount.billion"),
            self.text("amount.trillion"),
        ];
        crate::format::rupiah_short(
            value,
            self.separator(),
            self.decimal_mark(),
            [&units[0], &units[1], &units[2]],
        )
    }

    /// A distance in metres as text: `350 m`, `1,2 km`.
    #[must_use]
    pub fn distance(self, metres: f64) -> String {
        crate::format::distance(metres, self.separator(), self.decimal_mark())
    }

    /// A `YYYY-MM-DD` date written out ("5 Desember 2026"); the text as
    /// given when it is not a date.
    #[must_use]
    pub fn date(self, iso: &str) -> String {
        let months = self.text("date.months");
        let months: Vec<&str> = months.split(',').map(str::trim).collect();
        crate::format::long_date(iso, &months).unwrap_or_else(|| iso.to_owned())
    }
}

/// The current language, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    pub fn provide() {
        // English chosen before but its texts not here (offline without
        // the service worker's copy): Indonesian this time, the choice kept.
        let chosen = stored();
        let fallback = chosen == Lang::En && !loaded(Lang::En);
        let lang = RwSignal::new(if fallback { Lang::Id } else { chosen });
        Effect::new(move |first_done: Option<()>| {
            let l = lang.get();
            if first_done.is_none() && fallback {
                if let Some(html) = document().document_element() {
                    let _ = html.set_attribute("lang", l.code());
                }
                return;
            }
            // Private browsing may refuse; the choice then lasts this visit.
            // A kiosk keeps it for the current visitor only (storage refuses).
            crate::storage::local_set(STORAGE_KEY, l.code());
            // For the server's first paint of the next page load (not
            // private: it only names a language).
            if let Ok(doc) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlDocument>(document()) {
                let _ = doc.set_cookie(&format!(
                    "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    l.code()
                ));
            }
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute("lang", l.code());
            }
        });
        provide_context(Self { lang });
    }
}

impl I18n {
    /// Switches to the other language once its texts are here.
    pub fn switch(self) {
        let next = self.lang.get_untracked().other();
        leptos::task::spawn_local(async move {
            if load(next).await {
                self.lang.set(next);
            }
        });
    }
}

#[must_use]
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The current language (reactive when read inside a reactive closure).
/// Outside the component tree (in a task spawned by an event handler) it
/// is read from `<html lang>`, which always follows the choice.
#[must_use]
pub fn lang() -> Lang {
    use_context::<I18n>().map_or_else(document_lang, |i| i.lang.get())
}

/// The language the document is shown in.
#[must_use]
pub fn document_lang() -> Lang {
    let code = document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"));
    if code.as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Id
    }
}

/// A reactive translated string for views: `{tr("nav.map")}`.
pub fn tr(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.lang.get().text(key)
}

/// A translated string with `{name}` placeholders filled in.
#[must_use]
pub fn tr_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    args.iter().fold(lang.text(key), |s, (name, value)| {
        s.replace(&format!("{{{name}}}"), value)
    })
}
