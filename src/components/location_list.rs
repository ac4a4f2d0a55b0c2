//! The list view: every location the map shows, as links. It is the
//! keyboard and screen-reader alternative to the map, so it has the same
//! filters and the same count.

use std::collections::HashMap;
use std::sync::Arc;

use kolaborasi_shared::{AreaNode, AreaTree, LocationSummary};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::need::{NeedDot, level_text};
use crate::i18n::{lang, tr, tr_with};
use crate::map::{ColorBy, category_color};
use crate::route::Page;

/// Rows rendered at once; more on request, to keep phones responsive.
const PAGE: usize = 50;

/// The name of every area in the tree, by code.
pub fn kelurahan_names(tree: &AreaTree) -> HashMap<String, String> {
    fn walk(n: &AreaNode, out: &mut HashMap<String, String>) {
        out.insert(n.code.clone(), n.name.clone());
        n.children.iter().for_each(|c| walk(c, out));
    }
    let mut out = HashMap::new();
    walk(&tree.root, &mut out);
    out
}

#[component]
pub fn LocationList(
    points: Signal<Option<Arc<Vec<LocationSummary>>>>,
    tree: AreaTree,
    /// The map's colour scheme: each row's dot means the same as on the map.
    #[prop(into)]
    color_by: Signal<ColorBy>,
) -> impl IntoView {
    let names = StoredValue::new(kelurahan_names(&tree));
    let limit = RwSignal::new(PAGE);
    // Most needed first (what a donor looks for), or by name.
    let by_need = RwSignal::new(true);
    // A new result set, or a new order, starts from the top again.
    Effect::new(move |_| {
        points.track();
        by_need.track();
        limit.set(PAGE);
    });
    let sorted = Memo::new(move |_| {
        let need_first = by_need.get();
        points.get().map(|p| {
            let mut v: Vec<LocationSummary> = p.as_ref().clone();
            if need_first {
                // Highest share still open first; places listing no needs last.
                v.sort_by(|a, b| {
                    most_in_need_first(a, b)
                        .then_with(|| a.name.cmp(&b.name))
                        .then(a.id.cmp(&b.id))
                });
            } else {
                v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            }
            Arc::new(v)
        })
    });
    let total = move || sorted.read().as_ref().map_or(0, |v| v.len());
    // Keyed rows: "show more" appends, existing rows (and focus) stay.
    let visible = move || {
        sorted
            .get()
            .map(|v| v.iter().take(limit.get()).cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let remaining = move || total().saturating_sub(limit.get());
    let showing = move || {
        let l = lang();
        tr_with(
            l,
            "list.showing",
            &[
                ("shown", &l.number(total().min(limit.get()) as u64)),
                ("total", &l.number(total() as u64)),
            ],
        )
    };
    let more_label = move || {
        let l = lang();
        tr_with(
            l,
            "list.show_more",
            &[("count", &l.number(remaining().min(PAGE) as u64))],
        )
    };
    view! {
        <section class="location-list" aria-labelledby="list-heading">
            <h2 id="list-heading">{tr("list.heading")}</h2>
            <p class="list-count" role="status" data-testid="list-count">
                {move || tr_with(lang(), "list.count", &[("count", &lang().number(total() as u64))])}
            </p>
            <div class="list-sort" role="group" aria-label=tr("list.sort") data-testid="list-sort">
                <span aria-hidden="true">{tr("list.sort")}</span>
                {[(true, "list.sort_need", "sort-need"), (false, "list.sort_name", "sort-name")]
                    .map(|(need, label, testid)| {
                        view! {
                            <button
                                type="button"
                                class="chip"
                                aria-pressed=move || if by_need.get() == need { "true" } else { "false" }
                                data-testid=testid
                                on:click=move |_| by_need.set(need)
                            >
                                {tr(label)}
                            </button>
                        }
                    })}
            </div>
            <Show when=move || sorted.read().as_ref().is_some_and(|v| v.is_empty())>
                <p class="empty">{tr("list.empty")}</p>
            </Show>
            <ul data-testid="location-list">
                <For each=visible key=|p| p.id let:p>
                    <Row location=p names color_by />
                </For>
            </ul>
            // Always in the document (hidden when done), so the button keeps
            // keyboard focus while rows are added.
            <p class="list-footer" hidden=move || remaining() == 0>
                <span role="status">{showing}</span>
                <button type="button" class="button" on:click=move |_| limit.update(|x| *x += PAGE)>
                    {more_label}
                </button>
            </p>
        </section>
    }
}

#[component]
fn Row(
    location: LocationSummary,
    names: StoredValue<HashMap<String, String>>,
    color_by: Signal<ColorBy>,
) -> impl IntoView {
    let p = location;
    let level = p.need_level();
    let need = {
        let remaining = p.remaining_percent;
        move || level_text(lang(), remaining)
    };
    let dot = move || match color_by.get() {
        ColorBy::Category => {
            view! { <span class="dot" style:background=category_color(p.category)></span> }
                .into_any()
        }
        ColorBy::Need => view! { <NeedDot level /> }.into_any(),
    };
    let area = names.with_value(|n| n.get(&p.area).cloned().unwrap_or_default());
    let headcount = move || {
        let l = lang();
        tr_with(
            l,
            &format!("unit.{}", p.category.headcount_unit().as_str()),
            &[("count", &l.number(u64::from(p.headcount)))],
        )
    };
    view! {
        <li class="location-row">
            {dot}
            <div>
                <A href=Page::Location(p.id).href()>{p.name.clone()}</A>
                <p class="meta">
                    {move || lang().text(&format!("category.{}", p.category.as_str()))} " · " {area} " · "
                    {headcount}
                </p>
                // In words, whichever scheme colours the dot.
                <p class="meta need-meta" data-level=level.as_str()>{need}</p>
                {(p.open_reports > 0).then(|| {
                    let n = p.open_reports;
                    view! {
                        <p class="meta reports-meta" data-testid="row-reports">
                            {move || {
                                let l = lang();
                                tr_with(l, "report.open_on_map", &[("count", &l.number(u64::from(n)))])
                            }}
                        </p>
                    }
                })}
            </div>
        </li>
    }
}

/// The places with the highest share still open first; places listing no
/// needs last (equal shares: equal, so a stable sort keeps the prior order).
#[must_use]
pub fn most_in_need_first(a: &LocationSummary, b: &LocationSummary) -> std::cmp::Ordering {
    let open = |l: &LocationSummary| l.remaining_percent.map_or(-1, i16::from);
    open(b).cmp(&open(a))
}
