//! What the map's colours mean, with how many of each are shown.

use std::sync::Arc;

use kolaborasi_shared::{Category, LocationSummary};
use leptos::prelude::*;

use crate::i18n::lang;
use crate::map::category_color;

#[component]
pub fn Legend(points: Signal<Option<Arc<Vec<LocationSummary>>>>) -> impl IntoView {
    let rows = move || {
        let points = points.get();
        let l = lang();
        Category::ALL
            .iter()
            .filter_map(|&c| {
                let n = points
                    .as_ref()
                    .map_or(0, |p| p.iter().filter(|x| x.category == c).count());
                (n > 0).then(|| {
                    view! {
                        <li>
                            <span class="dot" style:background=category_color(c)></span>
                            <span>{l.text(&format!("category.{}", c.as_str()))}</span>
                            <span class="legend-count">{l.number(n as u64)}</span>
                        </li>
                    }
                })
            })
            .collect_view()
    };
    view! {
        <section class="legend" aria-label=move || lang().text("map.legend")>
            <ul>{rows}</ul>
        </section>
    }
}
