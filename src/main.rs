//! Entry point: mount the app. Everything else is in `lib.rs`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::{document, request_animation_frame, set_timeout, window};

/// How long a start in English waits for its texts.
const ENGLISH_PATIENCE_MS: i32 = 2000;

fn main() {
    console_error_panic_hook::set_once();
    // The page's own chunk first (`lazy.rs`; the server's HTML preloads
    // it): the app then mounts with the page whole, never an empty frame.
    let path = window().location().pathname().unwrap_or_default();
    // Before `mount_to_body` has set up Leptos' executor.
    // English, when chosen here before, is fetched meanwhile
    // (`i18n::load`); at most two seconds are waited for it, then the app
    // starts in Indonesian (a later switch fetches English again).
    wasm_bindgen_futures::spawn_local(async move {
        let english = wasm_bindgen_futures::future_to_promise(async {
            Ok(kolaborasi::i18n::load(kolaborasi::i18n::stored())
                .await
                .into())
        });
        let patience = js_sys::Promise::new(&mut |resolve, _| {
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ENGLISH_PATIENCE_MS,
            );
        });
        let english = js_sys::Promise::race(&js_sys::Array::of2(&english, &patience));
        kolaborasi::lazy::preload(&path).await;
        let _ = wasm_bindgen_futures::JsFuture::from(english).await;
        start();
    });
}

fn start() {
    let Some(first_paint) = document().get_element_by_id("prerender") else {
        // A shell without the server's first paint (the service worker's copy).
        leptos::mount::mount_to_body(kolaborasi::App);
        return;
    };
    // The server's first paint (header and heading, `#prerender`) is shown
    // at least once before the app replaces it, so a fast start never skips
    // it (it is the page's largest paint); then it gives way to the app in
    // the same task, so the browser never paints both or neither. A hidden
    // tab has no frames: a timer mounts it anyway.
    let mounted = Rc::new(Cell::new(false));
    let mount = move || {
        if !mounted.replace(true) {
            first_paint.remove();
            leptos::mount::mount_to_body(kolaborasi::App);
        }
    };
    let after_frame = mount.clone();
    request_animation_frame(move || request_animation_frame(after_frame));
    set_timeout(mount, Duration::from_millis(200));
}
