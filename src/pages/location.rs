//! `/lokasi/{id}`: one location's public profile.

use std::sync::Arc;

use kolaborasi_shared::{AreaLevel, LocationDetail, LocationSummary, MapPoint};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiFailure};
use crate::components::delivery::PlaceDeliveriesList;
use crate::components::need::{NeedProgress, need_rows};
use crate::components::share::ShareButtons;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::map::{MapView, category_color};
use crate::route::Page;
use crate::{Shared, set_title};

/// The location named by the route's `{id}` (not found when it is not a number).
/// `mode`: see [`api::Read`] (forms use `Fresh`: a redraw would reset them).
pub fn location_of_route(mode: api::Read) -> LocalResource<Result<LocationDetail, ApiFailure>> {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    LocalResource::new(move || {
        // Called here, not in the async block: the read is tracked, so a
        // newer answer found in the background shows at once.
        let read = id().map(|id| api::location(id, mode));
        async move {
            match read {
                Some(read) => read.await,
                None => Err(ApiFailure::not_found()),
            }
        }
    })
}

#[component]
pub fn LocationPage() -> impl IntoView {
    let detail = location_of_route(api::Read::Live);
    let retry = Callback::new(move |()| detail.refetch());
    let back = expect_context::<Shared>().last_map;
    view! {
        <div class="page narrow">
            <p class="back">
                <A href=move || back.get()>
                    <span aria-hidden="true">"← "</span>
                    {tr("location.back")}
                </A>
            </p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! { <Profile detail=d /> }.into_any(),
                        // 400 is an id that cannot exist (`/lokasi/0`): retrying cannot help.
                        Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                            set_title(&lang().text("location.not_found"));
                            view! { <h1>{tr("location.not_found")}</h1> }.into_any()
                        }
                        Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Profile(detail: LocationDetail) -> impl IntoView {
    let d = StoredValue::new(detail);
    Effect::new(move |_| d.with_value(|d| set_title(&d.name)));
    let category = d.with_value(|d| d.category);
    let path = move || {
        d.with_value(|d| {
            d.area_path
                .iter()
                .filter(|a| a.level != AreaLevel::Province)
                .map(|a| {
                    let level = format!("level.{}", a.level.as_str());
                    let name = a.name.clone();
                    view! {
                        <li>
                            <span class="visually-hidden">{move || lang().text(&level)} ": "</span>
                            {name}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let headcount = move || {
        d.with_value(|d| {
            let l = lang();
            tr_with(
                l,
                &format!("unit.{}", d.headcount_unit.as_str()),
                &[("count", &l.number(u64::from(d.headcount)))],
            )
        })
    };
    view! {
        <article class="profile" data-testid="location-profile">
            <p class="badges">
                <span class="badge" style:border-color=category_color(category)>
                    <span class="dot" style:background=category_color(category)></span>
                    {move || lang().text(&format!("category.{}", category.as_str()))}
                </span>
                {move || {
                    if d.with_value(|d| d.verified) {
                        view! { <span class="badge badge-ok">{tr("location.verified")}</span> }.into_any()
                    } else {
                        view! { <span class="badge">{tr("location.unverified")}</span> }.into_any()
                    }
                }}
                <Show when=move || d.with_value(|d| d.demo)>
                    <span class="badge badge-demo">{tr("location.demo")}</span>
                </Show>
            </p>
            <h1>{d.with_value(|d| d.name.clone())}</h1>
            <ol class="area-path" aria-label=tr("location.area")>
                {path}
            </ol>
            <dl class="facts">
                <div>
                    <dt>{tr("location.headcount")}</dt>
                    <dd data-testid="headcount">{headcount}</dd>
                </div>
                <div>
                    <dt>{tr("location.address")}</dt>
                    <dd>{d.with_value(|d| d.address.clone())}</dd>
                </div>
                <div>
                    <dt>{tr("location.coordinates")}</dt>
                    <dd>
                        {d.with_value(|d| format!("{:.5}, {:.5}", d.lat, d.lon))} " · "
                        // The donor takes the goods there: the phone's maps app.
                        <a
                            href=d
                                .with_value(|d| {
                                    format!(
                                        "https://www.google.com/maps/dir/?api=1&destination={:.5},{:.5}",
                                        d.lat,
                                        d.lon,
                                    )
                                })
                            target="_blank"
                            rel="noopener noreferrer external"
                            data-testid="directions"
                        >
                            {tr("location.directions")}
                        </a>
                    </dd>
                </div>
            </dl>
            <ShareButtons
                page=Page::Location(d.with_value(|d| d.id))
                title=d.with_value(|d| d.name.clone())
                text=Signal::derive(move || {
                    tr_with(lang(), "share.place_text", &[("place", &d.with_value(|d| d.name.clone()))])
                })
            />
            <Needs detail=d />
            <PlaceDeliveriesList id=d.with_value(|d| d.id) />
            <crate::pages::report::PlaceReportsSection
                id=d.with_value(|d| d.id)
                active=d.with_value(|d| d.active)
            />
            <h2>{tr("location.about")}</h2>
            <p>{d.with_value(|d| d.description.clone())}</p>
            <PointMap detail=d />
        </article>
    }
}

/// What the place needs, per package, and the way to help ("Beri Bantuan").
#[component]
fn Needs(detail: StoredValue<LocationDetail>) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let (id, active, needs) = detail.with_value(|d| (d.id, d.active, d.needs.clone()));
    let needs = StoredValue::new(needs);
    let open = needs.with_value(|n| n.iter().any(|n| n.remaining > 0));
    let listed = needs.with_value(|n| !n.is_empty());
    // The way forward, or why there is none.
    let action = move || {
        if !active {
            view! { <p class="need-closed" data-testid="need-closed">{tr("need.inactive")}</p> }
                .into_any()
        } else if !listed {
            view! { <p class="need-closed" data-testid="need-closed">{tr("need.none_listed")}</p> }
                .into_any()
        } else if !open {
            view! { <p class="need-closed need-done" data-testid="need-closed">{tr("need.all_covered")}</p> }.into_any()
        } else {
            view! {
                <A href=Page::Commit(id).href() attr:class="button button-cta" attr:data-testid="give-help">
                    {tr("need.give")}
                </A>
            }
            .into_any()
        }
    };
    view! {
        <section class="needs" aria-labelledby="needs-heading" data-testid="needs">
            <h2 id="needs-heading">{tr("need.heading")}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match shared.programs.await {
                        Ok(catalogue) => {
                            let rows = needs.with_value(|n| need_rows(n, &catalogue.programs));
                            let value = |f: fn(&kolaborasi_shared::Need) -> u32| -> i64 {
                                rows.iter()
                                    .map(|r| i64::from(f(&r.need)) * r.package.unit_value)
                                    .sum()
                            };
                            let (open_value, target_value) = (value(|n| n.remaining), value(|n| n.target));
                            let summary = move || {
                                let l = lang();
                                tr_with(
                                    l,
                                    "need.summary",
                                    &[("open", &l.rupiah(open_value)), ("total", &l.rupiah(target_value))],
                                )
                            };
                            view! {
                                <Show when=move || listed>
                                    <p class="need-summary" data-testid="need-summary">{summary}</p>
                                </Show>
                                <div class="need-action">{action}</div>
                                <ul class="need-list">
                                    {rows.into_iter().map(|row| view! { <NeedProgress row /> }).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <LoadError failure=e retry=shared.retry_programs() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A small map of this one place.
#[component]
fn PointMap(detail: StoredValue<LocationDetail>) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let point = detail.with_value(|d| LocationSummary {
        id: d.id,
        name: d.name.clone(),
        category: d.category,
        area: d
            .area_path
            .last()
            .map(|a| a.code.clone())
            .unwrap_or_default(),
        lat: d.lat,
        lon: d.lon,
        headcount: d.headcount,
        remaining_percent: None,
        received_percent: None,
        last_delivered_on: None,
        open_reports: 0,
    });
    // Any key frames the point (no key would show the whole city).
    let fit_key = Signal::stored(Some(point.area.clone()));
    let points = Signal::stored(Some(Arc::new(vec![MapPoint::from(&point)])));
    let names = Signal::stored(Some(Arc::new(vec![point])));
    view! {
        <div class="point-map">
            <Transition>
                {move || Suspend::new(async move {
                    shared
                        .config
                        .await
                        .ok()
                        .map(|config| view! { <MapView config points fit_key names /> })
                })}
            </Transition>
        </div>
    }
}
