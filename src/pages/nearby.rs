//! `/dekat`: aid near me, for residents. Every active place is loaded once;
//! the browser's position (asked for only on a button press, never sent or
//! stored), an area picked in the kota → kecamatan → kelurahan picker and a
//! forgiving search narrow and order that one list in memory.
//!
//! Order: by distance once the position is known, otherwise the places
//! most in need first (as the map's list). The search shows the places it
//! matches exactly; only when there are none, the ones within a few typing
//! mistakes. The area, the search words and the map view are in the URL
//! (reload and sharing keep them); the position never is.

use std::sync::Arc;

use kolaborasi_shared::search::{self, Search, distance_m};
use kolaborasi_shared::{AreaTree, ClientConfig, LocationQuery, LocationSummary, MapPoint};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use wasm_bindgen::{JsCast, JsValue};

use crate::api;
use crate::components::filters::AreaPicker;
use crate::components::legend::Legend;
use crate::components::location_list::{kelurahan_names, most_in_need_first};
use crate::components::need::level_text;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{Lang, lang, tr, tr_with};
use crate::map::{ColorBy, MapView};
use crate::route::{
    AREA_QUERY_PARAM, Page, SEARCH_PARAM, VIEW_PARAM, nearby_href, quiet_navigation,
};
use crate::{Shared, set_title};

/// Places shown at first, and added by each "show more".
const PAGE: usize = 20;
/// `GeolocationPositionError.code` values (web-sys has the error type only
/// behind its unstable APIs, so the answer is read as a plain object).
const PERMISSION_DENIED: f64 = 1.0;
const TIMEOUT: f64 = 3.0;
/// How long the device may take to find its position once allowed.
const LOCATE_TIMEOUT_MS: u32 = 15_000;
/// A position this recent is good enough (a second press answers at once).
const LOCATE_MAX_AGE_MS: u32 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Position {
    lat: f64,
    lon: f64,
}

/// Why the browser gave no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Denied,
    Unavailable,
    Timeout,
    /// No geolocation in this browser (or not on this connection).
    Unsupported,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Locate {
    Idle,
    Locating,
    Found,
    Failed(Failure),
}

/// Asks the browser once for its position (`getCurrentPosition` as a future).
async fn current_position() -> Result<Position, Failure> {
    let geolocation = window()
        .navigator()
        .geolocation()
        .map_err(|_| Failure::Unsupported)?;
    let options = web_sys::PositionOptions::new();
    options.set_timeout(LOCATE_TIMEOUT_MS);
    options.set_maximum_age(LOCATE_MAX_AGE_MS);
    options.set_enable_high_accuracy(false);
    let mut started = Ok(());
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        started = geolocation.get_current_position_with_error_callback_and_options(
            &resolve,
            Some(&reject),
            &options,
        );
    });
    started.map_err(|_| Failure::Unsupported)?;
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(value) => {
            let coords = field(&value, "coords");
            match (
                coords.as_ref().and_then(|c| number(c, "latitude")),
                coords.as_ref().and_then(|c| number(c, "longitude")),
            ) {
                (Some(lat), Some(lon)) => Ok(Position { lat, lon }),
                _ => Err(Failure::Unavailable),
            }
        }
        Err(error) => Err(match number(&error, "code") {
            Some(PERMISSION_DENIED) => Failure::Denied,
            Some(TIMEOUT) => Failure::Timeout,
            _ => Failure::Unavailable,
        }),
    }
}

fn field(object: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn number(object: &JsValue, name: &str) -> Option<f64> {
    field(object, name).and_then(|v| v.as_f64())
}

/// One place, prepared once for searching: its kelurahan's name and the
/// folded text of its name and area names.
struct Entry {
    place: LocationSummary,
    kelurahan: String,
    haystack: String,
}

/// Every place with its search text, ordered by name (so "by name" needs no
/// sort and a stable sort by distance breaks ties by name).
fn entries(places: Vec<LocationSummary>, tree: &AreaTree) -> Vec<Entry> {
    let names = kelurahan_names(tree);
    let name = |code: &str| names.get(code).map_or("", String::as_str);
    let mut all: Vec<Entry> = places
        .into_iter()
        .map(|place| {
            let kecamatan = place.area.rsplit_once('.').map_or("", |(k, _)| k);
            let kota = kecamatan.rsplit_once('.').map_or("", |(k, _)| k);
            let haystack = search::haystack([
                place.name.as_str(),
                name(&place.area),
                name(kecamatan),
                name(kota),
            ]);
            Entry {
                kelurahan: name(&place.area).to_owned(),
                place,
                haystack,
            }
        })
        .collect();
    all.sort_by(|a, b| {
        a.place
            .name
            .cmp(&b.place.name)
            .then(a.place.id.cmp(&b.place.id))
    });
    all
}

/// Whether a kelurahan code lies in the chosen area (any level), or no area
/// is chosen.
fn within(kelurahan: &str, area: Option<&str>) -> bool {
    area.is_none_or(|a| {
        kelurahan
            .strip_prefix(a)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// What the list shows: the matching places in order, and whether they
/// matched only approximately.
#[derive(Debug, Clone, PartialEq)]
struct Results {
    hits: Vec<Hit>,
    approximate: bool,
}

/// A place in the result: its index in the entries, and how far it is when
/// the user's position is known.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hit {
    index: usize,
    metres: Option<f64>,
}

/// What a row shows.
#[derive(Debug, Clone)]
struct Row {
    place: LocationSummary,
    kelurahan: String,
    metres: Option<f64>,
}

#[component]
pub fn NearbyPage() -> impl IntoView {
    let shared = expect_context::<Shared>();
    Effect::new(move |_| set_title(&lang().text("nearby.title")));
    let locations =
        LocalResource::new(|| api::locations(LocationQuery::default(), api::Read::Once));
    let retry = Callback::new(move |()| locations.refetch());
    view! {
        <div class="page narrow nearby-page">
            <h1>{tr("nearby.title")}</h1>
            <p class="lead">{tr("nearby.intro")}</p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let tree = match shared.areas.await {
                        Ok(tree) => tree,
                        Err(e) => {
                            return view! { <LoadError failure=e retry=shared.retry_areas() /> }
                                .into_any();
                        }
                    };
                    let config = match shared.config.await {
                        Ok(config) => config,
                        Err(e) => {
                            return view! { <LoadError failure=e retry=shared.retry_config() /> }
                                .into_any();
                        }
                    };
                    match locations.await {
                        Ok(list) => view! { <Nearby tree config places=list.locations /> }.into_any(),
                        Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Nearby(tree: AreaTree, config: ClientConfig, places: Vec<LocationSummary>) -> impl IntoView {
    // The map's popups name the places from these.
    let names = Signal::stored(Some(Arc::new(places.clone())));
    // Built once per load: typing only filters these.
    let all = StoredValue::new(Arc::new(entries(places, &tree)));
    let position = RwSignal::new(None::<Position>);
    let locate = RwSignal::new(Locate::Idle);
    // What the address says when the page opens (a known area only); from
    // then on the page writes its state there.
    let params = use_query_map().get_untracked();
    let area = RwSignal::new(
        params
            .get(AREA_QUERY_PARAM)
            .filter(|a| tree.find(a).is_some()),
    );
    let query = RwSignal::new(params.get(SEARCH_PARAM).unwrap_or_default());
    let map_view = RwSignal::new(params.get(VIEW_PARAM).as_deref() == Some("map"));
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let href = nearby_href(area.get().as_deref(), &query.get(), map_view.get());
        let (path, search) = (
            location.pathname.get_untracked(),
            location.search.get_untracked(),
        );
        let current = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        if current != href {
            navigate(&href, quiet_navigation());
        }
    });
    // Folded once per keystroke; the haystacks never again.
    let search = Memo::new(move |_| query.with(|q| Search::new(q)));
    let limit = RwSignal::new(PAGE);
    let heading = NodeRef::<leptos::html::H2>::new();

    let results = Memo::new(move |_| {
        let area = area.get();
        let here = position.get();
        search.with(|search| {
            if search.is_empty() && area.is_none() && here.is_none() {
                return None;
            }
            let all = all.get_value();
            let pick = |test: &dyn Fn(&Search, &str) -> bool| -> Vec<Hit> {
                all.iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        within(&e.place.area, area.as_deref()) && test(search, &e.haystack)
                    })
                    .map(|(index, e)| Hit {
                        index,
                        metres: here.map(|h| distance_m(h.lat, h.lon, e.place.lat, e.place.lon)),
                    })
                    .collect()
            };
            // Typing mistakes are allowed for only when nothing matches as
            // typed (the cheap test first: most searches stop there).
            let mut hits = pick(&Search::is_exact_in);
            let approximate = hits.is_empty() && !search.is_empty();
            if approximate {
                hits = pick(&Search::is_near);
            }
            if here.is_some() {
                // Stable: equally far places stay in name order.
                hits.sort_by(|a, b| {
                    a.metres
                        .unwrap_or_default()
                        .total_cmp(&b.metres.unwrap_or_default())
                });
            } else {
                hits.sort_by(|a, b| most_in_need_first(&all[a.index].place, &all[b.index].place));
            }
            let approximate = approximate && !hits.is_empty();
            Some(Results { hits, approximate })
        })
    });
    // A new result set starts from the top again.
    Effect::new(move |_| {
        results.track();
        limit.set(PAGE);
    });
    let total = move || results.with(|r| r.as_ref().map_or(0, |r| r.hits.len()));
    let visible = move || {
        let all = all.get_value();
        results.with(|r| {
            r.iter()
                .flat_map(|r| &r.hits)
                .take(limit.get())
                .map(|hit| {
                    let e = &all[hit.index];
                    Row {
                        place: e.place.clone(),
                        kelurahan: e.kelurahan.clone(),
                        metres: hit.metres,
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let remaining = move || total().saturating_sub(limit.get());
    // The map shows every result (the list pages them).
    let points = Memo::new(move |_| {
        let all = all.get_value();
        results.with(|r| {
            r.as_ref().map(|r| {
                Arc::new(
                    r.hits
                        .iter()
                        .map(|hit| MapPoint::from(&all[hit.index].place))
                        .collect::<Vec<_>>(),
                )
            })
        })
    });
    // A new result set is framed anew.
    let fit_key = Memo::new(move |_| {
        let mut key = area.get().unwrap_or_default();
        key.push('|');
        key.push_str(&query.get());
        if let Some(p) = position.get() {
            key.push('|');
            key.push_str(&p.lat.to_string());
            key.push(',');
            key.push_str(&p.lon.to_string());
        }
        Some(key)
    });
    let color_by = RwSignal::new(ColorBy::Need);
    let config = StoredValue::new(config);

    let on_locate = move |_| {
        if locate.get_untracked() == Locate::Locating {
            return;
        }
        locate.set(Locate::Locating);
        leptos::task::spawn_local(async move {
            // The page may be gone by the time the answer comes.
            match current_position().await {
                Ok(p) => {
                    // `Some` back: the signal is gone with its page.
                    if position.try_set(Some(p)).is_some()
                        || locate.try_set(Locate::Found).is_some()
                    {
                        return;
                    }
                    // What was asked for: the nearest places, next for the
                    // keyboard and in view on a phone (once they are drawn,
                    // so the page is long enough to scroll there).
                    request_animation_frame(move || {
                        if let Some(h) = heading.try_get_untracked().flatten() {
                            let _ = h.focus();
                            h.scroll_into_view_with_bool(true);
                        }
                    });
                }
                Err(f) => {
                    let _ = locate.try_set(Locate::Failed(f));
                }
            }
        });
    };
    let status = move || {
        let l = lang();
        match locate.get() {
            Locate::Idle => String::new(),
            Locate::Locating => l.text("nearby.locating"),
            Locate::Found => l.text("nearby.located"),
            Locate::Failed(f) => failure_text(l, f),
        }
    };
    let failed = move || matches!(locate.get(), Locate::Failed(_));
    let button_text = move || {
        lang().text(if position.get().is_some() {
            "nearby.locate_again"
        } else {
            "nearby.locate"
        })
    };

    view! {
        <section class="nearby-locate">
            <button
                type="button"
                class="button button-cta"
                data-testid="locate"
                aria-disabled=move || (locate.get() == Locate::Locating).then_some("true")
                on:click=on_locate
            >
                {button_text}
            </button>
            <p class="hint">{tr("nearby.privacy")}</p>
            <p
                class="locate-status"
                class:locate-failed=failed
                role="status"
                aria-live="polite"
                data-testid="locate-status"
            >
                {status}
            </p>
            <Show when=failed>
                <button type="button" class="button button-quiet" on:click=move |_| open_area_picker()>
                    {tr("nearby.pick_area")}
                </button>
            </Show>
        </section>
        <section class="nearby-area" aria-labelledby="nearby-area-heading">
            <h2 id="nearby-area-heading">{tr("nearby.area_heading")}</h2>
            <AreaPicker
                tree
                selected=area.into()
                on_change=Callback::new(move |a| area.set(a))
            />
        </section>
        <div class="field nearby-search">
            <label for="nearby-search">{tr("nearby.search")}</label>
            <input
                id="nearby-search"
                type="search"
                autocomplete="off"
                aria-describedby="nearby-search-hint"
                data-testid="nearby-search"
                prop:value=move || query.get()
                on:input:target=move |ev| query.set(ev.target().value())
            />
            <p class="hint" id="nearby-search-hint">{tr("nearby.search_hint")}</p>
        </div>
        <section class="nearby-results" aria-labelledby="nearby-results-heading">
            <h2 id="nearby-results-heading" tabindex="-1" node_ref=heading>
                {tr("nearby.results_heading")}
            </h2>
            <p class="list-count" role="status" data-testid="nearby-count">
                {move || {
                    let l = lang();
                    if results.with(Option::is_none) {
                        return l.text("nearby.prompt");
                    }
                    let order = if position.get().is_some() {
                        "nearby.sorted_by_distance"
                    } else {
                        "nearby.sorted_by_need"
                    };
                    let mut text = format!(
                        "{} · {}",
                        tr_with(l, "nearby.count", &[("count", &l.number(total() as u64))]),
                        l.text(order),
                    );
                    if results.with(|r| r.as_ref().is_some_and(|r| r.approximate)) {
                        text = format!("{text} · {}", l.text("nearby.approximate"));
                    }
                    text
                }}
            </p>
            <Show when=move || results.with(|r| r.as_ref().is_some_and(|r| r.hits.is_empty()))>
                <p class="empty">{tr("nearby.empty")}</p>
            </Show>
            // The map is an addition: the list below stays the keyboard's
            // and the screen reader's way through the same places.
            <Show when=move || results.with(|r| r.as_ref().is_some_and(|r| !r.hits.is_empty()))>
                <button
                    type="button"
                    class="button button-quiet nearby-map-toggle"
                    data-testid="nearby-map-toggle"
                    aria-pressed=move || if map_view.get() { "true" } else { "false" }
                    on:click=move |_| map_view.update(|m| *m = !*m)
                >
                    {move || lang().text(if map_view.get() { "nearby.hide_map" } else { "nearby.show_map" })}
                </button>
            </Show>
            <Show when=move || map_view.get() && points.with(|p| p.as_ref().is_some_and(|p| !p.is_empty()))>
                <div class="nearby-map" data-testid="nearby-map">
                    <MapView
                        config=config.get_value()
                        points=points.into()
                        fit_key=fit_key.into()
                        color_by=color_by
                        names
                    />
                    <Legend
                        points=points.into()
                        color_by=color_by
                        on_change=Callback::new(move |c| color_by.set(c))
                    />
                </div>
            </Show>
            <ol class="nearby-list" data-testid="nearby-list">
                <For each=visible key=|r| (r.place.id, r.metres.map(f64::to_bits)) let:row>
                    <Place row />
                </For>
            </ol>
            // Always in the document (hidden when done), so the button keeps
            // keyboard focus while rows are added.
            <p class="list-footer" hidden=move || remaining() == 0>
                <span>
                    {move || {
                        let l = lang();
                        tr_with(
                            l,
                            "list.showing",
                            &[
                                ("shown", &l.number(total().min(limit.get()) as u64)),
                                ("total", &l.number(total() as u64)),
                            ],
                        )
                    }}
                </span>
                <button
                    type="button"
                    class="button"
                    data-testid="nearby-more"
                    on:click=move |_| limit.update(|x| *x += PAGE)
                >
                    {move || {
                        let l = lang();
                        tr_with(l, "list.show_more", &[("count", &l.number(remaining().min(PAGE) as u64))])
                    }}
                </button>
            </p>
        </section>
    }
}

fn failure_text(l: Lang, f: Failure) -> String {
    match f {
        Failure::Denied => l.text("nearby.denied"),
        Failure::Unavailable => l.text("nearby.unavailable"),
        Failure::Timeout => tr_with(
            l,
            "nearby.timeout",
            &[("seconds", &(LOCATE_TIMEOUT_MS / 1000).to_string())],
        ),
        Failure::Unsupported => l.text("nearby.unsupported"),
    }
}

/// Unfolds the area picker and puts the keyboard on its first choice.
fn open_area_picker() {
    let doc = document();
    if let Ok(Some(details)) = doc.query_selector(".nearby-area details") {
        let _ = details.set_attribute("open", "");
    }
    if let Some(select) = doc
        .get_element_by_id("area-kota")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = select.focus();
    }
}

#[component]
fn Place(row: Row) -> impl IntoView {
    let Row {
        place: p,
        kelurahan,
        metres,
    } = row;
    let category = p.category;
    let distance = metres.map(|m| {
        view! {
            <p class="nearby-distance" data-testid="distance" data-metres=format!("{m:.0}")>
                {move || {
                    let l = lang();
                    tr_with(l, "nearby.distance", &[("distance", &l.distance(m))])
                }}
            </p>
        }
    });
    let need = {
        let remaining = p.remaining_percent;
        move || level_text(lang(), remaining)
    };
    let received = {
        let (percent, day) = (p.received_percent, p.last_delivered_on.clone());
        move || received_text(lang(), percent, day.as_deref())
    };
    let delivered = p.last_delivered_on.is_some();
    let level = p.need_level();
    let href = Page::Location(p.id).href();
    let report_href = Page::Report(p.id).href();
    let name = p.name.clone();
    view! {
        <li class="nearby-item" data-testid="nearby-item" data-id=p.id data-area=p.area.clone()>
            <h3>
                <A href=href>{p.name.clone()}</A>
            </h3>
            {distance}
            <p class="meta">
                {move || lang().text(&format!("category.{}", category.as_str()))} " · " {kelurahan}
            </p>
            <p class="meta need-meta" data-level=level.as_str()>{need}</p>
            <p class="meta received" class:received-none=!delivered>{received}</p>
            <p class="meta">
                <A href=report_href attr:class="report-here" attr:data-testid="nearby-report">
                    {tr("report.link")}
                    <span class="visually-hidden">{format!(": {name}")}</span>
                </A>
            </p>
        </li>
    }
}

/// What a place has received: "Sudah diterima 40% · terakhir diterima
/// 12 November 2026", or "Belum ada kiriman".
fn received_text(l: Lang, percent: Option<u8>, last: Option<&str>) -> String {
    match (percent, last) {
        (Some(p), Some(day)) => tr_with(
            l,
            "nearby.received",
            &[("percent", &p.to_string()), ("date", &l.date(day))],
        ),
        (None, Some(day)) => tr_with(l, "nearby.received_on", &[("date", &l.date(day))]),
        (Some(p), None) if p > 0 => {
            tr_with(l, "nearby.received_percent", &[("percent", &p.to_string())])
        }
        _ => l.text("nearby.nothing_received"),
    }
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn areas_contain_their_kelurahan_only() {
        assert!(within("31.73.05.1001", None));
        assert!(within("31.73.05.1001", Some("31.73")));
        assert!(within("31.73.05.1001", Some("31.73.05")));
        assert!(within("31.73.05.1001", Some("31.73.05.1001")));
        assert!(!within("31.73.05.1001", Some("31.73.05.1002")));
        assert!(!within("31.73.05.1001", Some("31.73.0")));
        assert!(!within("31.73.05.1001", Some("31.71")));
    }
}
