//! The list view: every location the map shows, as links. It is the
//! keyboard and screen-reader alternative to the map, so it has the same
//! filters and the same count.

use std::collections::HashMap;
use std::sync::Arc;

use kolaborasi_shared::{AreaNode, AreaTree, LocationSummary};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{lang, tr, tr_with};
use crate::map::category_color;
use crate::route::Page;

/// Rows rendered at once; more on request, to keep phones responsive.
const PAGE: usize = 50;

fn kelurahan_names(tree: &AreaTree) -> HashMap<String, String> {
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
) -> impl IntoView {
    let names = StoredValue::new(kelurahan_names(&tree));
    let limit = RwSignal::new(PAGE);
    // A new result set starts from the top again.
    Effect::new(move |_| {
        points.track();
        limit.set(PAGE);
    });
    let sorted = Memo::new(move |_| {
        points.get().map(|p| {
            let mut v: Vec<LocationSummary> = p.as_ref().clone();
            v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            Arc::new(v)
        })
    });
    let total = move || sorted.read().as_ref().map_or(0, |v| v.len());
    let rows = move || {
        let l = lang();
        sorted.get().map(|v| {
            v.iter()
                .take(limit.get())
                .map(|p| {
                    let area = names.with_value(|n| n.get(&p.area).cloned().unwrap_or_default());
                    let category = l.text(&format!("category.{}", p.category.as_str()));
                    let name = p.name.clone();
                    view! {
                        <li class="location-row">
                            <span class="dot" style:background=category_color(p.category)></span>
                            <div>
                                <A href=Page::Location(p.id).href()>{name}</A>
                                <p class="meta">
                                    {category} " · " {area} " · "
                                    {tr_with(
                                        l,
                                        &format!("unit.{}", p.category.headcount_unit().as_str()),
                                        &[("count", &l.number(u64::from(p.headcount)))],
                                    )}
                                </p>
                            </div>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let more = move || {
        let remaining = total().saturating_sub(limit.get());
        (remaining > 0).then(|| {
            let l = lang();
            let n = l.number(remaining.min(PAGE) as u64);
            view! {
                <p class="list-footer">
                    <span>
                        {tr_with(
                            l,
                            "list.showing",
                            &[("shown", &l.number(limit.get() as u64)), ("total", &l.number(total() as u64))],
                        )}
                    </span>
                    <button type="button" class="button" on:click=move |_| limit.update(|x| *x += PAGE)>
                        {tr_with(l, "list.show_more", &[("count", &n)])}
                    </button>
                </p>
            }
        })
    };
    view! {
        <section class="location-list" aria-labelledby="list-heading">
            <h2 id="list-heading">{tr("list.heading")}</h2>
            <p class="list-count" role="status" data-testid="list-count">
                {move || tr_with(lang(), "list.count", &[("count", &lang().number(total() as u64))])}
            </p>
            <Show when=move || sorted.read().as_ref().is_some_and(|v| v.is_empty())>
                <p class="empty">{tr("list.empty")}</p>
            </Show>
            <ul data-testid="location-list">{rows}</ul>
            {more}
        </section>
    }
}
