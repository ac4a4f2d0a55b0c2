//! Entry point: mount the app. Everything else is in `lib.rs`.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(kolaborasi::App);
}
