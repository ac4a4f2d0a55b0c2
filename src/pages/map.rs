//! The home page: filters, the map and the list. The filter state lives in
//! the URL (`?category=…&area=…&view=list&color=need&need=open`), so a shared link or
//! a reload reproduces the view.

use std::sync::Arc;

use kolaborasi_shared::{Category, LocationQuery, LocationSummary, NeedLevel};
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
    // area when its points arrive, not when the URL changes.
    let locations = LocalResource::new(move || {
        let q = query.get();
        let area = q.area.clone();
        // Called outside the async block, so the stored copy's key is tracked.
        let read = api::locations(q, api::Read::Live);
        async move { read.await.map(|l| (area, Arc::new(l.locations))) }
    });
    // Memos: a refetch that is still loading (or returns the same list)
    // must not redraw thousands of markers and list rows.
    let all_points: Memo<Option<Arc<Vec<LocationSummary>>>> =
        Memo::new(move |_| locations.get().and_then(Result::ok).map(|(_, p)| p));
    let points = shown(all_points, open_only, reported);
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
                <section class="list-panel">
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move {
                            match shared.areas.await {
                                Ok(tree) => view! { <LocationList points tree color_by /> }.into_any(),
                                Err(e) => view! { <LoadError failure=e retry=shared.retry_areas() /> }.into_any(),
                            }
                        })}
                    </Transition>
                </section>
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
                                view! { <MapView config points fit_key=points_area color_by /> }.into_any()
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

/// The points the map and the list show: all of the answer, or with "only
/// places still in need" or "only places with open reports" those alone
/// (filtered here, from the same answer).
fn shown(
    all: Memo<Option<Arc<Vec<LocationSummary>>>>,
    open_only: Memo<bool>,
    reported: Memo<bool>,
) -> Signal<Option<Arc<Vec<LocationSummary>>>> {
    Memo::new(move |_| {
        let all = all.get()?;
        let (open, reported) = (open_only.get(), reported.get());
        if !open && !reported {
            return Some(all);
        }
        Some(Arc::new(
            all.iter()
                .filter(|l| (!open || still_in_need(l)) && (!reported || l.open_reports > 0))
                .cloned()
                .collect(),
        ))
    })
    .into()
}

/// Whether a place still needs something: part of a target is not yet
/// committed (a place without targets has nothing to give to).
fn still_in_need(place: &LocationSummary) -> bool {
    matches!(place.need_level(), NeedLevel::Open | NeedLevel::Nearly)
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
