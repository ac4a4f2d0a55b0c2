//! Entry point: mount the app. Everything else is in `lib.rs`.

fn main() {
    console_error_panic_hook::set_once();
    // The server's first paint (header and heading, `#prerender`) gives way
    // to the app in the same task, so the browser never paints both or
    // neither.
    if let Some(first_paint) = leptos::prelude::document().get_element_by_id("prerender") {
        first_paint.remove();
    }
    leptos::mount::mount_to_body(kolaborasi::App);
}
