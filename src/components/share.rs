//! Sharing a page: the phone's own share sheet where the browser has one
//! (Web Share API), a `wa.me` link always (most donors share in chat apps), and
//! copying the address. Not on a kiosk, which leads nowhere else.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{lang, tr};
use crate::route::Page;
use crate::storage;

/// `navigator.share`, when this browser has it.
fn share_function() -> Option<js_sys::Function> {
    js_sys::Reflect::get(&window().navigator(), &"share".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
}

/// Opens the share sheet with the page's title, a sentence and its address.
fn share_now(title: &str, text: &str, url: &str) {
    let Some(share) = share_function() else {
        return;
    };
    let data = js_sys::Object::new();
    for (key, value) in [("title", title), ("text", text), ("url", url)] {
        let _ = js_sys::Reflect::set(&data, &key.into(), &value.into());
    }
    // Dismissing the sheet rejects the promise: nothing to report.
    if let Ok(promise) = share.call1(&window().navigator(), &data) {
        let ignore = wasm_bindgen::closure::Closure::once_into_js(|_: wasm_bindgen::JsValue| {});
        if let Ok(catch) = js_sys::Reflect::get(&promise, &"catch".into()) {
            let _ = catch
                .unchecked_into::<js_sys::Function>()
                .call1(&promise, &ignore);
        }
    }
}

/// The share buttons for `page`: `title` names it, `text` says in one
/// sentence why someone might open it.
#[component]
pub fn ShareButtons(
    page: Page,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] text: Signal<String>,
) -> impl IntoView {
    if crate::kiosk::active() {
        return ().into_any();
    }
    let url = StoredValue::new(page.absolute());
    let has_sheet = share_function().is_some();
    let whatsapp = move || {
        let message = format!("{}\n{}", text.get(), url.get_value());
        let encoded = crate::route::encode_component(&message);
        format!("https://wa.me/?text={encoded}")
    };
    view! {
        <div class="share" role="group" aria-label=tr("share.label") data-testid="share">
            {has_sheet
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="button button-quiet button-small"
                            data-testid="share-sheet"
                            on:click=move |_| share_now(&title.get(), &text.get(), &url.get_value())
                        >
                            {tr("share.button")}
                        </button>
                    }
                })}
            <a
                class="button button-quiet button-small"
                href=whatsapp
                target="_blank"
                rel="noopener noreferrer external"
                data-testid="share-whatsapp"
            >
                {tr("share.whatsapp")}
            </a>
            <CopyButton text=url.get_value() label="share.copy" done="share.copied" testid="share-copy" />
        </div>
    }
    .into_any()
}

/// A button that copies `text`, and says `done` once it is on the
/// clipboard (nothing where the browser allows no clipboard).
#[component]
pub fn CopyButton(
    text: String,
    label: &'static str,
    done: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let text = StoredValue::new(text);
    let copied = RwSignal::new(false);
    view! {
        <button
            type="button"
            class="button button-quiet button-small"
            data-testid=testid
            on:click=move |_| storage::copy_to_clipboard(&text.get_value(), move |ok| copied.set(ok))
        >
            {tr(label)}
        </button>
        <span class="copy-status" role="status">
            {move || copied.get().then(|| lang().text(done))}
        </span>
    }
}
