//! What the map's colours mean, with how many of each are shown, and the
//! switch between colouring by category and by need.

use std::sync::Arc;

use kolaborasi_shared::{Category, MapPoint, NeedLevel};
use leptos::prelude::*;

use crate::components::need::{NeedDot, level_key};
use crate::i18n::{lang, tr};
use crate::map::{ColorBy, category_color};

#[component]
pub fn Legend(
    points: Signal<Option<Arc<Vec<MapPoint>>>>,
    #[prop(into)] color_by: Signal<ColorBy>,
    on_change: Callback<ColorBy>,
) -> impl IntoView {
    let count = move |f: &dyn Fn(&MapPoint) -> bool| {
        points
            .read()
            .as_ref()
            .map_or(0, |p| p.iter().filter(|x| f(x)).count())
    };
    let rows = move || {
        let l = lang();
        match color_by.get() {
            ColorBy::Category => Category::ALL
                .iter()
                .filter_map(|&c| {
                    let n = count(&|x| x.category == c);
                    (n > 0).then(|| {
                        view! {
                            <li>
                                <span class="dot" style:background=category_color(c)></span>
                                <span>{l.text(&format!("category.{}", c.as_str()))}</span>
                                <span class="legend-count">{l.number(n as u64)}</span>
                            </li>
                        }
                        .into_any()
                    })
                })
                .collect_view(),
            ColorBy::Need => NeedLevel::ALL
                .iter()
                .filter_map(|&level| {
                    let n = count(&|x| x.need_level() == level);
                    (n > 0).then(|| {
                        view! {
                            <li data-level=level.as_str()>
                                <NeedDot level />
                                <span>{l.text(level_key(level))}</span>
                                <span class="legend-count">{l.number(n as u64)}</span>
                            </li>
                        }
                        .into_any()
                    })
                })
                .collect_view(),
        }
    };
    let option = move |value: ColorBy, label: &'static str| {
        view! {
            <label class="segment" class:segment-on=move || color_by.get() == value>
                <input
                    type="radio"
                    name="color-by"
                    value=value.as_str()
                    prop:checked=move || color_by.get() == value
                    on:change=move |_| on_change.run(value)
                />
                <span>{tr(label)}</span>
            </label>
        }
    };
    view! {
        <section class="legend" aria-label=move || lang().text("map.legend") data-testid="legend">
            <fieldset class="segmented">
                <legend>{tr("map.color_by")}</legend>
                <div class="segments">
                    {option(ColorBy::Category, "map.color_category")}
                    {option(ColorBy::Need, "map.color_need")}
                </div>
            </fieldset>
            <ul>{rows}</ul>
        </section>
    }
}
