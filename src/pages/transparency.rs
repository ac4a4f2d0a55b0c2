//! `/transparansi`: the live totals, breakdowns as charts with their data,
//! the collaborator directory, and the open data downloads.

use kolaborasi_shared::{BreakdownRow, CollaboratorKind, DayRow, Totals};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::chart::{BarChart, ColumnChart, Row};
use crate::components::form::kind_text;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{Lang, lang, tr, tr_with};
use crate::live::{LiveState, use_live};
use crate::route::Page;
use crate::{Shared, set_title};

/// The headline numbers as (test id, translation key, formatted value).
pub fn total_items(l: Lang, t: &Totals) -> Vec<(&'static str, &'static str, String)> {
    let n = |v: i64| l.number(u64::try_from(v).unwrap_or(0));
    vec![
        ("collaborations", "live.collaborations", n(t.collaborations)),
        ("collaborators", "live.collaborators", n(t.collaborators)),
        (
            "packages_committed",
            "live.packages_committed",
            n(t.packages_committed),
        ),
        (
            "packages_delivered",
            "live.packages_delivered",
            n(t.packages_delivered),
        ),
        (
            "value_committed",
            "live.value_committed",
            l.rupiah(t.value_committed),
        ),
        (
            "value_delivered",
            "live.value_delivered",
            l.rupiah(t.value_delivered),
        ),
        (
            "locations_helped",
            "live.locations_helped",
            n(t.locations_helped),
        ),
        (
            "families_reached",
            "live.families_reached",
            n(t.families_reached),
        ),
        ("people_reached", "live.people_reached", n(t.people_reached)),
    ]
}

#[component]
pub fn TransparencyPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("transparency.heading")));
    view! {
        <div class="page wide transparency-page">
            <h1>{tr("transparency.heading")}</h1>
            <p class="lead">{tr("transparency.lead")}</p>
            <nav class="quick-links" aria-label=tr("transparency.more")>
                <A href=Page::Verify.href()>{tr("nav.verify")}</A>
                <A href=Page::ApiDocs.href()>{tr("nav.api")}</A>
                <a href="#data-terbuka">{tr("opendata.heading")}</a>
            </nav>
            <TotalCards />
            <Charts />
            <Directory />
            <OpenData />
        </div>
    }
}

#[component]
fn TotalCards() -> impl IntoView {
    let live = use_live();
    let cards = move || {
        let l = lang();
        live.stats.with(|s| match s {
            // Cards of the final size, their figures hidden, until the
            // numbers arrive: nothing below them moves when they do.
            None => total_items(l, &Totals::default())
                .into_iter()
                .map(|(id, key, _)| {
                    let money = matches!(id, "value_committed" | "value_delivered");
                    let shown = if money {
                        l.rupiah_short(999_900_000_000)
                    } else {
                        l.number(999_999)
                    };
                    let exact = money
                        .then(|| view! { <span class="exact">{l.rupiah(999_999_999_999)}</span> });
                    view! {
                        <div class="total-card total-card-pending">
                            <dt>{move || lang().text(key)}</dt>
                            <dd aria-hidden="true">{shown} {exact}</dd>
                        </div>
                    }
                })
                .collect_view()
                .into_any(),
            Some(s) => total_items(l, &s.totals)
                .into_iter()
                .map(|(id, key, value)| {
                    // Rupiah amounts short, with the exact amount beneath.
                    let amount = match id {
                        "value_committed" => Some(s.totals.value_committed),
                        "value_delivered" => Some(s.totals.value_delivered),
                        _ => None,
                    };
                    let shown = amount.map_or_else(|| value.clone(), |v| l.rupiah_short(v));
                    let exact =
                        amount.map(|_| view! { <span class="exact">{value.clone()}</span> });
                    view! {
                        <div class="total-card" data-testid=format!("card-{id}")>
                            <dt>{move || lang().text(key)}</dt>
                            <dd>{shown} {exact}</dd>
                        </div>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    let state = move || match live.state.get() {
        LiveState::Live => lang().text("live.live"),
        LiveState::Connecting => lang().text("live.connecting"),
        LiveState::Reconnecting => lang().text("live.reconnecting"),
    };
    view! {
        <section aria-labelledby="totals-heading">
            <h2 id="totals-heading">
                {tr("transparency.totals")}
                <span class="live-badge" data-state=move || format!("{:?}", live.state.get())>
                    {state}
                </span>
            </h2>
            <dl class="total-cards">{cards}</dl>
            <p class="muted">{tr("transparency.counting_rule")}</p>
        </section>
    }
}

fn bar_rows(l: Lang, rows: &[BreakdownRow], label: impl Fn(&BreakdownRow) -> String) -> Vec<Row> {
    rows.iter()
        .map(|r| Row {
            label: label(r),
            value: r.value,
            shown: l.rupiah_short(r.value),
            cells: vec![
                l.number(u64::try_from(r.collaborations).unwrap_or(0)),
                l.number(u64::try_from(r.packages).unwrap_or(0)),
                l.rupiah(r.value),
                l.rupiah(r.value_delivered),
            ],
            raw: vec![
                r.collaborations.to_string(),
                r.packages.to_string(),
                r.value.to_string(),
                r.value_delivered.to_string(),
            ],
        })
        .collect()
}

fn day_rows(l: Lang, days: &[DayRow]) -> Vec<Row> {
    days.iter()
        .map(|d| Row {
            label: l.date(&d.date),
            value: d.made,
            shown: l.number(u64::try_from(d.made).unwrap_or(0)),
            cells: vec![
                l.number(u64::try_from(d.made).unwrap_or(0)),
                l.rupiah(d.value),
            ],
            raw: vec![d.made.to_string(), d.value.to_string()],
        })
        .collect()
}

#[component]
fn Charts() -> impl IntoView {
    let live = use_live();
    // Refetched when the totals move (the server answers 304 when unchanged).
    let seq = Memo::new(move |_| live.stats.with(|s| s.as_ref().map(|s| s.log_seq)));
    let data = LocalResource::new(move || {
        seq.track();
        api::breakdowns()
    });
    let retry = Callback::new(move |()| data.refetch());
    let current = move || data.get().and_then(Result::ok);
    let bar_columns = Signal::derive(move || {
        let l = lang();
        vec![
            l.text("chart.col_group"),
            l.text("chart.col_collaborations"),
            l.text("chart.col_packages"),
            l.text("chart.col_value"),
            l.text("chart.col_delivered"),
        ]
    });
    let day_columns = Signal::derive(move || {
        let l = lang();
        vec![
            l.text("chart.col_date"),
            l.text("chart.col_made"),
            l.text("chart.col_value"),
        ]
    });
    let localized = |l: Lang| {
        move |r: &BreakdownRow| {
            r.label
                .as_ref()
                .map_or_else(|| r.key.clone(), |n| n.get(l.code()).to_owned())
        }
    };
    let program = Signal::derive(move || {
        let l = lang();
        current()
            .map(|b| bar_rows(l, &b.by_program, localized(l)))
            .unwrap_or_default()
    });
    let package = Signal::derive(move || {
        let l = lang();
        current()
            .map(|b| bar_rows(l, &b.by_package, localized(l)))
            .unwrap_or_default()
    });
    let category = Signal::derive(move || {
        let l = lang();
        current()
            .map(|b| {
                bar_rows(l, &b.by_category, |r| {
                    l.text(&format!("category.{}", r.key))
                })
            })
            .unwrap_or_default()
    });
    let kota = Signal::derive(move || {
        let l = lang();
        current()
            .map(|b| bar_rows(l, &b.by_kota, localized(l)))
            .unwrap_or_default()
    });
    let days = Signal::derive(move || {
        let l = lang();
        current()
            .map(|b| day_rows(l, &b.by_day))
            .unwrap_or_default()
    });
    let t = |key: &'static str| Signal::derive(move || lang().text(key));
    view! {
        <section aria-labelledby="charts-heading" class="charts">
            <h2 id="charts-heading">{tr("transparency.breakdowns")}</h2>
            {move || match data.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <LoadError failure=e retry /> }.into_any(),
                Some(Ok(_)) => ().into_any(),
            }}
            <div class="chart-grid">
                <BarChart id="program" title=t("chart.by_program") columns=bar_columns rows=program />
                <BarChart id="category" title=t("chart.by_category") columns=bar_columns rows=category />
                <BarChart id="package" title=t("chart.by_package") columns=bar_columns rows=package />
                <BarChart id="kota" title=t("chart.by_kota") columns=bar_columns rows=kota />
            </div>
            <ColumnChart id="day" title=t("chart.by_day") columns=day_columns rows=days />
        </section>
    }
}

const PER_PAGE: u32 = 20;

#[component]
fn Directory() -> impl IntoView {
    let page = RwSignal::new(1u32);
    let kind = RwSignal::new(String::new());
    let data = LocalResource::new(move || {
        let (page, kind) = (page.get(), kind.get());
        api::collaborators(page, PER_PAGE, (!kind.is_empty()).then_some(kind))
    });
    let retry = Callback::new(move |()| data.refetch());
    let body = move || {
        data.get().map(|r| match r {
            Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
            Ok(d) => {
                let l = lang();
                let pages = u32::try_from((d.total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
                    .unwrap_or(1)
                    .max(1);
                let n = move |v: i64| l.number(u64::try_from(v).unwrap_or(0));
                let rows = d
                    .items
                    .iter()
                    .map(|c| {
                        let badge = c.aggregator.then(|| {
                            view! { <span class="badge" data-testid="aggregator-badge">{l.text("directory.aggregator")}</span> }
                        });
                        view! {
                            <tr data-testid="directory-row">
                                <th scope="row">{c.name.clone()} " " {badge}</th>
                                <td>{kind_text(l, c.kind.as_str())}</td>
                                <td class="num">{n(c.collaborations)}</td>
                                <td class="num">{n(c.packages)}</td>
                                <td class="num">{l.rupiah(c.value)}</td>
                                <td class="num">{l.rupiah(c.value_delivered)}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let anonymous = view! {
                    <tr class="anonymous-row" data-testid="directory-anonymous">
                        <th scope="row">{l.text("track.anonymous")}</th>
                        <td>{l.text("directory.anonymous_note")}</td>
                        <td class="num">{n(d.anonymous.collaborations)}</td>
                        <td class="num">{n(d.anonymous.packages)}</td>
                        <td class="num">{l.rupiah(d.anonymous.value)}</td>
                        <td class="num">"—"</td>
                    </tr>
                };
                let current = d.page;
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label=l.text("directory.heading")>
                        <table class="directory">
                            <caption class="visually-hidden">{l.text("directory.heading")}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{l.text("directory.name")}</th>
                                    <th scope="col">{l.text("directory.kind")}</th>
                                    <th scope="col" class="num">{l.text("chart.col_collaborations")}</th>
                                    <th scope="col" class="num">{l.text("chart.col_packages")}</th>
                                    <th scope="col" class="num">{l.text("chart.col_value")}</th>
                                    <th scope="col" class="num">{l.text("chart.col_delivered")}</th>
                                </tr>
                            </thead>
                            <tbody>{rows} {anonymous}</tbody>
                        </table>
                    </div>
                    <nav class="pager" aria-label=l.text("directory.pages")>
                        <button
                            type="button"
                            class="button button-quiet"
                            disabled={current <= 1}
                            on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
                        >
                            {l.text("directory.previous")}
                        </button>
                        <span aria-live="polite">
                            {tr_with(l, "directory.page_of", &[("page", &current.to_string()), ("pages", &pages.to_string())])}
                        </span>
                        <button
                            type="button"
                            class="button button-quiet"
                            disabled={current >= pages}
                            on:click=move |_| page.update(|p| *p += 1)
                        >
                            {l.text("directory.next")}
                        </button>
                    </nav>
                }
                .into_any()
            }
        })
    };
    let kinds = move || {
        let l = lang();
        [
            CollaboratorKind::Company,
            CollaboratorKind::Organisation,
            CollaboratorKind::Individual,
            CollaboratorKind::Aggregator,
        ]
        .into_iter()
        .map(|k| view! { <option value=k.as_str()>{kind_text(l, k.as_str())}</option> })
        .collect_view()
    };
    view! {
        <section aria-labelledby="directory-heading" class="directory-section">
            <h2 id="directory-heading">{tr("directory.heading")}</h2>
            <p class="muted">{tr("directory.lead")}</p>
            <div class="field inline-field">
                <label for="directory-kind">{tr("directory.filter_kind")}</label>
                <select
                    id="directory-kind"
                    on:change=move |e| {
                        kind.set(event_target_value(&e));
                        page.set(1);
                    }
                >
                    <option value="">{tr("directory.all_kinds")}</option>
                    {kinds}
                </select>
            </div>
            <Transition fallback=Loading>{body}</Transition>
        </section>
    }
}

#[component]
fn OpenData() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let program = RwSignal::new(String::new());
    let area = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let hxl = RwSignal::new(false);
    let programs = move || {
        let l = lang();
        shared.programs.get().and_then(Result::ok).map(|p| {
            p.programs
                .into_iter()
                .map(|p| view! { <option value=p.slug>{p.name.get(l.code()).to_owned()}</option> })
                .collect_view()
        })
    };
    let areas = move || {
        shared.areas.get().and_then(Result::ok).map(|tree| {
            let mut options = Vec::new();
            for kota in &tree.root.children {
                options.push((kota.code.clone(), kota.name.clone()));
                for kec in &kota.children {
                    options.push((kec.code.clone(), format!("— {}", kec.name)));
                }
            }
            options
                .into_iter()
                .map(|(code, name)| view! { <option value=code>{name}</option> })
                .collect_view()
        })
    };
    let link = move |file: &'static str, commitments: bool, csv: bool| {
        move || {
            let mut params = vec![("program", program.get()), ("area", area.get())];
            if commitments {
                params.push(("from", from.get()));
                params.push(("to", to.get()));
            }
            if csv && hxl.get() {
                params.push(("hxl", "1".to_owned()));
            }
            api::export_href(file, &params)
        }
    };
    view! {
        <section aria-labelledby="data-terbuka" class="open-data">
            <h2 id="data-terbuka">{tr("opendata.heading")}</h2>
            <p>{tr("opendata.lead")}</p>
            <div class="filter-grid">
                <div class="field">
                    <label for="od-program">{tr("opendata.program")}</label>
                    <select id="od-program" on:change=move |e| program.set(event_target_value(&e))>
                        <option value="">{tr("opendata.all")}</option>
                        {programs}
                    </select>
                </div>
                <div class="field">
                    <label for="od-area">{tr("opendata.area")}</label>
                    <select id="od-area" on:change=move |e| area.set(event_target_value(&e))>
                        <option value="">{tr("opendata.all")}</option>
                        {areas}
                    </select>
                </div>
                <div class="field">
                    <label for="od-from">{tr("opendata.from")}</label>
                    <input id="od-from" type="date" on:change=move |e| from.set(event_target_value(&e)) />
                </div>
                <div class="field">
                    <label for="od-to">{tr("opendata.to")}</label>
                    <input id="od-to" type="date" on:change=move |e| to.set(event_target_value(&e)) />
                </div>
            </div>
            <div class="check">
                <input type="checkbox" id="od-hxl" on:change=move |e| hxl.set(event_target_checked(&e)) />
                <label for="od-hxl">{tr("opendata.hxl")}</label>
            </div>
            <p class="muted">{tr("opendata.dates_note")}</p>
            <ul class="downloads">
                <li>
                    <a href=link("commitments.csv", true, true) data-testid="download-commitments-csv">{tr("opendata.commitments_csv")}</a>
                </li>
                <li>
                    <a href=link("commitments.json", true, false) data-testid="download-commitments-json">{tr("opendata.commitments_json")}</a>
                </li>
                <li>
                    <a href=link("locations.csv", false, true) data-testid="download-locations-csv">{tr("opendata.locations_csv")}</a>
                </li>
                <li>
                    <a href=link("locations.geojson", false, false) data-testid="download-locations-geojson">{tr("opendata.locations_geojson")}</a>
                </li>
            </ul>
            <p class="muted">{tr("opendata.licence")}</p>
        </section>
    }
}
