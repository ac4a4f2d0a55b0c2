//! Pages whose code is its own download in the donor's release build.
//!
//! Each page here is a [`LazyRoute`]: with the `split` feature (set only by
//! `cargo xtask build-client` for the donor's build, which then splits the
//! wasm with `wasm_split_cli_support`) its code moves into a chunk that the
//! browser fetches the first time the page is shown, so a donor opening the
//! map downloads the map and the app's frame, not the commit form, the
//! transparency charts or the kiosk. The queue page (`/antrean`) is in the
//! `place` group with the forms: an offline report or commitment leads
//! there, so it must not need the network. Without the feature (`trunk
//! serve`, the console's build, clippy, tests) the same routes are plain
//! code. [`preload`] fetches the current page's chunk before the app
//! mounts, so the server's first paint gives way to the finished page, not
//! to an empty frame. Work that is not a page (the browser witness, the
//! offline queue) uses the same two macros: [`split_fn!`] and
//! [`split_call!`].

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// A split point: `fn` whose code moves into the chunk `$group` in the
/// split build (every function of one group lands in one chunk). It
/// returns `Err(Unreachable)` when that chunk cannot be fetched (the split
/// points are `fallible`: a panic would abort the whole wasm). Call it with
/// [`split_call!`].
macro_rules! split_fn {
    ($group:ident: $(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$attr])*
        #[cfg_attr(
            feature = "split",
            leptos::wasm_split::wasm_split($group, wasm_split_path = ::leptos::wasm_split, fallible)
        )]
        #[allow(clippy::unnecessary_wraps)]
        $vis fn $name($($arg: $ty),*) -> Result<$ret, $crate::lazy::Unreachable> {
            Ok($body)
        }
    };
}
pub(crate) use split_fn;

/// Calls a [`split_fn!`] (inside an `async` block): split, the call first
/// fetches its chunk; unsplit, it is a plain call.
macro_rules! split_call {
    ($call:ident($($arg:expr),* $(,)?)) => {{
        #[cfg(feature = "split")]
        let result = $call($($arg),*).await;
        #[cfg(not(feature = "split"))]
        let result = $call($($arg),*);
        result
    }};
}
pub(crate) use split_call;

/// Work a [`split_fn!`] hands back to run once its chunk is there.
pub type Task<T> = std::pin::Pin<Box<dyn Future<Output = T>>>;

macro_rules! lazy_pages {
    ($($group:ident: $route:ident => $load:ident => $($page:ident)::+;)*) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                split_call!($load()).unwrap_or_else(|Unreachable| Unreachable::view())
            }
        }

        split_fn! { $group: fn $load() -> AnyView { $($page)::+().into_any() } }
    )*};
}

/// A page's chunk could not be fetched (the network failed between the
/// app's start and the first visit to that page). Nothing is lost: the page
/// says so, and following any link or reloading tries again (a failed load
/// is not remembered).
pub struct Unreachable;

impl From<leptos::wasm_split::SplitLoaderError> for Unreachable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self
    }
}

impl Unreachable {
    #[must_use]
    pub fn view() -> AnyView {
        fn reload() {
            let _ = window().location().reload();
        }
        // Back online: try again by itself (nothing on this page to lose).
        let handle = window_event_listener(leptos::ev::online, |_| reload());
        on_cleanup(move || handle.remove());
        view! {
            <div class="page narrow" data-testid="page-unreachable">
                <h1>{crate::i18n::tr("page.unreachable")}</h1>
                <p>{crate::i18n::tr("page.unreachable_body")}</p>
                <button type="button" class="button" on:click=|_| reload()>
                    {crate::i18n::tr("page.reload")}
                </button>
            </div>
        }
        .into_any()
    }
}

lazy_pages! {
    place: Nearby => nearby_page => crate::pages::nearby::NearbyPage;
    place: Location => location_page => crate::pages::location::LocationPage;
    place: Commit => commit_page => crate::pages::commit::CommitPage;
    place: Report => report_page => crate::pages::report::ReportPage;
    mine: ReportLookup => report_lookup_page => crate::pages::report::ReportLookupPage;
    mine: ReportStatus => report_status_page => crate::pages::report::ReportStatusPage;
    place: Suggest => suggest_page => crate::pages::report::SuggestPage;
    place: TrackLookup => track_lookup_page => crate::pages::tracking::TrackLookupPage;
    place: Tracking => tracking_page => crate::pages::tracking::TrackingPage;
    place: Outbox => outbox_page => crate::pages::outbox::OutboxPage;
    mine: SignIn => sign_in_page => crate::pages::account::SignInPage;
    mine: Register => register_page => crate::pages::account::RegisterPage;
    mine: Activate => activate_page => crate::pages::account::ActivatePage;
    mine: Mine => mine_page => crate::pages::account::MinePage;
    info: About => about_page => crate::pages::about::AboutPage;
    info: Transparency => transparency_page => crate::pages::transparency::TransparencyPage;
    info: Verify => verify_page => crate::pages::verify::VerifyPage;
    info: ApiDocs => api_docs_page => crate::pages::api_docs::ApiDocsPage;
    mine: Receipt => receipt_page => crate::pages::receipt::ReceiptPage;
    mine: Confirm => confirm_page => crate::pages::confirm::ConfirmPage;
    kiosk: Kiosk => kiosk_page => crate::kiosk::KioskPage;
    kiosk: KioskReceipt => kiosk_receipt_page => crate::kiosk::KioskReceiptPage;
}

/// Fetches the chunk that draws `path` (see
/// [`kolaborasi_shared::routes::page_chunk`], whose names are the groups
/// above), so the first page renders whole when the app mounts. Nothing to
/// do without the `split` feature, or on the map.
#[cfg_attr(not(feature = "split"), allow(clippy::unused_async))]
pub async fn preload(path: &str) {
    // A failure is left to the page itself (see [`Unreachable`]).
    #[cfg(feature = "split")]
    let _ = match kolaborasi_shared::routes::page_chunk(path) {
        Some("place") => __wasm_split_preload_location_page().await,
        Some("mine") => __wasm_split_preload_sign_in_page().await,
        Some("info") => __wasm_split_preload_about_page().await,
        Some("kiosk") => __wasm_split_preload_kiosk_page().await,
        _ => Ok(()),
    };
    #[cfg(not(feature = "split"))]
    let _ = path;
}
