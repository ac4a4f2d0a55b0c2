//! The home page: filters, the map and the list. The filter state lives in
//! the URL (`?category=…&area=…&view=list&color=need&need=open`), so a shared link or
//! a reload reproduces the view.

use std::sync::Arc;

use kolaborasi_shared::{Category, LocationQuery, LocationSummary, MapPoint, NeedLevel};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api;
use crate::components::filters::{AreaPicker, CategoryFilter};
use crate::components::legend::Legend;
use crate::components::location_list::LocationList;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::map::{ColorBy, MapView};
use crate::route::{COLOR_PARAM, NEED_PARAM, Page, REPORTS_PARAM, VIEW_PARAM, quiet_navigation};
use crate::{Shared, set_title};

/// Reads the filters from the URL, ignoring keys that are not filters (such
/// as `view` and `color`, which this page reads itself) and falling back to
/// "no filter" on a malformed link rather than failing.
fn query_from_url(params: &ParamsMap) -> LocationQuery {
    let pairs: Vec<(&str, String)> = LocationQuery::KEYS
        .iter()
        .flat_map(|k| {
            params
                .get_all(k)
                .unwrap_or_default()
                .into_iter()
                .map(move |v| (*k, v))
        })
        .collect();
    LocationQuery::from_pairs(pairs).unwrap_or_default()
}

#[component]
pub fn MapPage() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let params = use_query_map();
    let query = Memo::new(move |_| query_from_url(&params.read()));
    let list_view = Memo::new(move |_| params.read().get(VIEW_PARAM).as_deref() == Some("list"));
    let color_by =
        Memo::new(move |_| ColorBy::from_param(params.read().get(COLOR_PARAM).as_deref()));
    let open_only = Memo::new(move |_| params.read().get(NEED_PARAM).as_deref() == Some("open"));
    let reported = Memo::new(move |_| params.read().get(REPORTS_PARAM).as_deref() == Some("open"));
    let navigate = use_navigate();
    let set_color = Callback::new(move |color: ColorBy| {
        let href = Page::Map {
            query: query.get_untracked(),
            list: list_view.get_untracked(),
            color,
            open: open_only.get_untracked(),
            reported: reported.get_untracked(),
        }
        .href();
        navigate(&href, quiet_navigation());
    });

    // Each answer keeps the area it was fetched for: the map frames that
    // area when its points arrive, not when the URL changes. The map's
    // points come in columns (a tenth of the list's bytes).
    let locations = LocalResource::new(move || {
        let q = query.get();
        let area = q.area.clone();
        // Called outside the async block, so the stored copy's key is tracked.
        let read = api::location_points(q, api::Read::Live);
        async move { read.await.map(|l| (area, Arc::new(l))) }
    });
    // Memos: a refetch that is still loading (or returns the same list)
    // must not redraw thousands of markers and list rows.
    let all_points: Memo<Option<Arc<Vec<MapPoint>>>> =
        Memo::new(move |_| locations.get().and_then(Result::ok).map(|(_, p)| p));
    let points = shown(all_points, open_only, reported, |p| {
        (p.remaining_percent, p.open_reports)
    });
    // The map has drawn its points: the list may come now.
    let drawn = RwSignal::new(false);
    let details = details(query, list_view, drawn.read_only());
    let (all_details, want_names) = (details.all, details.want);
    let points_area: Signal<Option<String>> = Memo::new(move |_| {
        locations
            .get()
            .and_then(Result::ok)
            .and_then(|(area, _)| area)
    })
    .into();
    let retry = Callback::new(move |()| locations.refetch());
    Effect::new(move |_| {
        set_title(&lang().text("map.heading"));
        shared.last_map.set(
            Page::Map {
                query: query.get(),
                list: list_view.get(),
                color: color_by.get(),
                open: open_only.get(),
                reported: reported.get(),
            }
            .href(),
        );
    });
    let count_text = move || {
        points.get().map(|p| {
            let l = lang();
            tr_with(
                l,
                "map.points_shown",
                &[("count", &l.number(p.len() as u64))],
            )
        })
    };

    view! {
        <div class="map-page" class:show-list=move || list_view.get()>
            <div class="sidebar">
                <FilterPanel query list_view color_by open_only reported />
                <ListSlot details open_only reported color_by />
            </div>
            <section class="map-panel">
                {move || {
                    locations.get().and_then(Result::err).map(|e| view! { <LoadError failure=e retry /> })
                }}
                // One line, loading or counted: nothing below it moves.
                <p class="map-count" data-testid="map-count" role="status" aria-live="polite">
                    {move || count_text().unwrap_or_else(|| lang().text("status.loading"))}
                </p>
                // The map's own box while its settings load.
                <Transition fallback=|| view! { <div class="map-frame"><div class="map"></div></div> }>
                    {move || Suspend::new(async move {
                        match shared.config.await {
                            Ok(config) => {
                                view! {
                                    <MapView config points fit_key=points_area color_by names=all_details want_names drawn />
                                }
                                .into_any()
                            }
                            Err(e) => view! { <LoadError failure=e retry=shared.retry_config() /> }.into_any(),
                        }
                    })}
                </Transition>
                <Legend points color_by on_change=set_color />
                <p class="suggest-link">
                    {tr("map.suggest_lead")} " "
                    <A href=Page::Suggest(None).href() attr:data-testid="suggest-link">{tr("map.suggest")}</A>
                </p>
            </section>
        </div>
    }
}

/// Where the list goes. Its code is a chunk of its own (`list`), fetched
/// when the list is wanted: a phone drawing the map does not wait for it.
#[component]
fn ListSlot(
    details: Details,
    open_only: Memo<bool>,
    reported: Memo<bool>,
    color_by: Memo<ColorBy>,
) -> impl IntoView {
    let wanted = details.wanted;
    view! {
        <Show when=move || wanted.get() fallback=|| view! { <section class="list-panel"></section> }>
            <Transition fallback=|| view! { <section class="list-panel"><Loading /></section> }>
                {move || Suspend::new(async move {
                    crate::lazy::split_call!(list_panel(details, open_only, reported, color_by))
                        .unwrap_or_else(|crate::lazy::Unreachable| crate::lazy::Unreachable::view())
                })}
            </Transition>
        </Show>
    }
}

crate::lazy::split_fn! { list:
    fn list_panel(
        details: Details,
        open_only: Memo<bool>,
        reported: Memo<bool>,
        color_by: Memo<ColorBy>,
    ) -> AnyView {
        view! { <ListPanel details open_only reported color_by /> }.into_any()
    }
}

/// The list beside the map (or instead of it), once its names are read.
#[component]
fn ListPanel(
    details: Details,
    open_only: Memo<bool>,
    reported: Memo<bool>,
    color_by: Memo<ColorBy>,
) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let all = details.all;
    let points = shown(all, open_only, reported, |l| {
        (l.remaining_percent, l.open_reports)
    });
    view! {
        <section class="list-panel">
            {move || details.failed.get().map(|e| view! { <LoadError failure=e retry=details.retry /> })}
            <Show when=move || all.with(Option::is_some) fallback=Loading>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match shared.areas.await {
                            Ok(tree) => view! { <LocationList points tree color_by /> }.into_any(),
                            Err(e) => view! { <LoadError failure=e retry=shared.retry_areas() /> }.into_any(),
                        }
                    })}
                </Transition>
            </Show>
        </section>
    }
}

/// The width from which the list stands beside the map (the style sheet's
/// breakpoint).
const WIDE_SCREEN: &str = "(min-width: 960px)";

/// The list with names, read when something shows it: the list (beside the
/// map on a wide screen, instead of it on a phone) or a popup; and once the
/// map is drawn and the browser idle, so that the list works offline too
/// (unless the browser asks to save data).
#[derive(Clone, Copy)]
struct Details {
    all: Memo<Option<Arc<Vec<LocationSummary>>>>,
    failed: Signal<Option<crate::api::ApiFailure>>,
    retry: Callback<()>,
    /// Asks for the list (a popup wants a name).
    want: Callback<()>,
    /// Whether something shows the list, or soon will.
    wanted: Memo<bool>,
}

fn details(query: Memo<LocationQuery>, list_view: Memo<bool>, drawn: ReadSignal<bool>) -> Details {
    let wide = wide_screen();
    let asked = RwSignal::new(false);
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !drawn.get() {
            return done.unwrap_or(false);
        }
        if !saves_data() {
            when_idle(move || asked.set(true));
        }
        true
    });
    // Once wanted, kept: the list and its names stay when the view changes.
    let wanted = Memo::new(move |before: Option<&bool>| {
        before == Some(&true) || list_view.get() || wide.get() || asked.get()
    });
    let read = LocalResource::new(move || {
        let read = wanted
            .get()
            .then(|| api::locations(query.get(), api::Read::Live));
        async move {
            match read {
                Some(read) => Some(read.await.map(|l| Arc::new(l.locations))),
                None => None,
            }
        }
    });
    Details {
        all: Memo::new(move |_| read.get().flatten().and_then(Result::ok)),
        failed: Signal::derive(move || read.get().flatten().and_then(Result::err)),
        retry: Callback::new(move |()| read.refetch()),
        // A popup asking again after the list failed asks the server again.
        want: Callback::new(move |()| {
            asked.set(true);
            if read.get_untracked().flatten().is_some_and(|r| r.is_err()) {
                read.refetch();
            }
        }),
        wanted,
    }
}

/// Whether the browser asks sites to save data (`Save-Data`).
fn saves_data() -> bool {
    js_sys::Reflect::get(&window().navigator(), &"connection".into())
        .ok()
        .filter(wasm_bindgen::JsValue::is_object)
        .and_then(|c| js_sys::Reflect::get(&c, &"saveData".into()).ok())
        .is_some_and(|v| v.is_truthy())
}

/// Runs `f` once the browser has nothing more urgent to do (at most two
/// seconds from now; browsers without `requestIdleCallback`: one second).
fn when_idle(f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast as _;
    let callback = wasm_bindgen::closure::Closure::once_into_js(f);
    let idle = js_sys::Reflect::get(&window(), &"requestIdleCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let _ = match idle {
        Some(idle) => {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"timeout".into(), &2000.into());
            idle.call2(&window(), &callback, &options)
        }
        None => window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 1000)
            .map(wasm_bindgen::JsValue::from),
    };
}

/// Whether the screen is wide now, following changes (a rotated tablet, a
/// resized window).
fn wide_screen() -> Signal<bool> {
    use wasm_bindgen::JsCast as _;
    let list = window().match_media(WIDE_SCREEN).ok().flatten();
    let wide = RwSignal::new(list.as_ref().is_some_and(web_sys::MediaQueryList::matches));
    if let Some(list) = list {
        let on_change = wasm_bindgen::closure::Closure::<dyn Fn()>::new({
            let list = list.clone();
            move || wide.set(list.matches())
        });
        let _ = list.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        let kept = send_wrapper::SendWrapper::new((list, on_change));
        on_cleanup(move || {
            let (list, on_change) = kept.take();
            let _ = list
                .remove_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        });
    }
    wide.into()
}

/// The points the map and the list show: all of the answer, or with "only
/// places still in need" or "only places with open reports" those alone
/// (filtered here, from the same answer). `facts`: a place's share still
/// open and its open reports.
fn shown<T: Clone + PartialEq + Send + Sync + 'static>(
    all: Memo<Option<Arc<Vec<T>>>>,
    open_only: Memo<bool>,
    reported: Memo<bool>,
    facts: fn(&T) -> (Option<u8>, u32),
) -> Signal<Option<Arc<Vec<T>>>> {
    Memo::new(move |_| {
        let all = all.get()?;
        let (open, reported) = (open_only.get(), reported.get());
        if !open && !reported {
            return Some(all);
        }
        Some(Arc::new(
            all.iter()
                .filter(|l| {
                    let (remaining, reports) = facts(l);
                    (!open || still_in_need(remaining)) && (!reported || reports > 0)
                })
                .cloned()
                .collect(),
        ))
    })
    .into()
}

/// Whether a place still needs something: part of a target is not yet
/// committed (a place without targets has nothing to give to).
fn still_in_need(remaining_percent: Option<u8>) -> bool {
    matches!(
        NeedLevel::from_remaining_percent(remaining_percent),
        NeedLevel::Open | NeedLevel::Nearly
    )
}

/// How giving works, in three steps, folded into one line (the server's
/// first paint has the same line, so nothing moves when the app starts).
#[component]
fn HowItWorks() -> impl IntoView {
    view! {
        <details class="how-it-works" data-testid="how-it-works">
            <summary>{tr("how.summary")}</summary>
            <crate::pages::about::HowSteps />
        </details>
    }
}

/// Filters and the map/list switch. Every change becomes a new URL.
#[component]
fn FilterPanel(
    query: Memo<LocationQuery>,
    list_view: Memo<bool>,
    color_by: Memo<ColorBy>,
    open_only: Memo<bool>,
    reported: Memo<bool>,
) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let navigate = use_navigate();
    let go = StoredValue::new(move |query: LocationQuery, open: bool, reported: bool| {
        let href = Page::Map {
            query,
            list: list_view.get_untracked(),
            color: color_by.get_untracked(),
            open,
            reported,
        }
        .href();
        navigate(&href, quiet_navigation());
    });
    let set_categories = Callback::new(move |category: Vec<Category>| {
        let mut q = query.get_untracked();
        q.category = category;
        go.with_value(|go| go(q, open_only.get_untracked(), reported.get_untracked()));
    });
    let set_area = Callback::new(move |area: Option<String>| {
        let mut q = query.get_untracked();
        q.area = area;
        go.with_value(|go| go(q, open_only.get_untracked(), reported.get_untracked()));
    });
    let set_open = move |ev| {
        let open = event_target_checked(&ev);
        go.with_value(|go| go(query.get_untracked(), open, reported.get_untracked()));
    };
    let set_reported = move |ev| {
        let only = event_target_checked(&ev);
        go.with_value(|go| go(query.get_untracked(), open_only.get_untracked(), only));
    };
    let reset = move |_| go.with_value(|go| go(LocationQuery::default(), false, false));

    view! {
        <section class="filters" aria-labelledby="filters-heading">
            <h1 id="filters-heading">{tr("map.heading")}</h1>
            <p class="intro">{tr("map.intro")}</p>
            <HowItWorks />
            <nav class="view-switch" aria-label=tr("view.switch")>
                <ViewLink query list_view color_by open_only reported list=false />
                <ViewLink query list_view color_by open_only reported list=true />
            </nav>
            <CategoryFilter selected=Signal::derive(move || query.get().category) on_change=set_categories />
            // The picker's closed box while the areas load, so the map
            // below does not move when it arrives.
            <Transition fallback=|| view! {
                <div class="area-picker area-picker-pending" aria-hidden="true">
                    <span class="summary-label">{tr("filter.area")}</span>
                </div>
            }>
                {move || Suspend::new(async move {
                    // A failure is shown (with retry) by the list below.
                    shared.areas.await.ok().map(|tree| {
                        view! {
                            <AreaPicker tree selected=Signal::derive(move || query.get().area) on_change=set_area />
                        }
                    })
                })}
            </Transition>
            <fieldset class="only-filters">
                <legend class="visually-hidden">{tr("filter.only")}</legend>
                <label class="open-only">
                    <input
                        type="checkbox"
                        data-testid="open-only"
                        prop:checked=move || open_only.get()
                        on:change=set_open
                    />
                    {tr("filter.open_only")}
                </label>
                <label class="open-only">
                    <input
                        type="checkbox"
                        data-testid="reported-only"
                        prop:checked=move || reported.get()
                        on:change=set_reported
                    />
                    {tr("filter.reported_only")}
                </label>
            </fieldset>
            <Show when=move || query.get() != LocationQuery::default() || open_only.get() || reported.get()>
                <button type="button" class="button button-quiet" on:click=reset>
                    {tr("filter.reset")}
                </button>
            </Show>
        </section>
    }
}

/// A link to the map or the list with the same filters (phones show one at a time).
#[component]
fn ViewLink(
    query: Memo<LocationQuery>,
    list_view: Memo<bool>,
    color_by: Memo<ColorBy>,
    open_only: Memo<bool>,
    reported: Memo<bool>,
    list: bool,
) -> impl IntoView {
    let href = move || {
        Page::Map {
            query: query.get(),
            list,
            color: color_by.get(),
            open: open_only.get(),
            reported: reported.get(),
        }
        .href()
    };
    let current = move || (list_view.get() == list).then_some("page");
    // A plain link (the router still handles it): `<A>` would mark both
    // views current, since they share the path `/`.
    view! {
        <a href=href aria-current=current>
            {tr(if list { "view.list" } else { "view.map" })}
        </a>
    }
}
