//! The Leaflet map, owned by a component: created once its element mounts,
//! fed new points by an effect, removed on cleanup.
//!
//! Points are canvas circle markers (`preferCanvas`): measured on this
//! project's machines, 10,000 of them are added in about a quarter second
//! and pan without DOM work (see docs/benchmarks.md). The list view is the
//! keyboard and screen-reader equivalent of everything the map shows.

mod layer;
/// Picking a point on a map: the console's location editor, a suggested place.
pub mod picker;

use std::sync::Arc;

use kolaborasi_shared::{ClientConfig, LocationSummary, MapPoint};
use leptos::html::Div;
use leptos::prelude::*;

use crate::i18n::{lang, tr};
use layer::MapHandle;

pub use layer::{ColorBy, NEED_OUTLINE, category_color, need_color};

#[component]
pub fn MapView(
    config: ClientConfig,
    /// The points to show, in id order; `None` while loading.
    points: Signal<Option<Arc<Vec<MapPoint>>>>,
    /// Frame the points whenever this key changes (`None`: the default
    /// view); it
    /// must change together with `points` (the area those points were
    /// fetched for), so the new area is framed, not the old one.
    fit_key: Signal<Option<String>>,
    /// What the colours of the points mean.
    #[prop(optional, into)]
    color_by: Signal<ColorBy>,
    /// The places with their names, in id order, for the popups (`None`
    /// until loaded: a popup says "loading" and calls `want_names`).
    #[prop(optional, into)]
    names: Signal<Option<Arc<Vec<LocationSummary>>>>,
    #[prop(optional)] want_names: Option<Callback<()>>,
    /// Set once points have been drawn (work that can wait waits for it).
    #[prop(optional)]
    drawn: Option<RwSignal<bool>>,
) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    let handle = StoredValue::new_local(None::<MapHandle>);
    let (tiles_failed, set_tiles_failed) = signal(false);
    let (shown, set_shown) = signal(None::<usize>);
    let fitted = StoredValue::new(None::<Option<String>>);

    let config = StoredValue::new(config);
    // Creates the map once its element is mounted; every effect starts here,
    // so none depends on the order effects run in.
    let ensure_map = move || {
        let Some(el) = node.get() else { return };
        if handle.with_value(Option::is_none) {
            let want: Option<std::rc::Rc<dyn Fn()>> =
                want_names.map(|c| std::rc::Rc::new(move || c.run(())) as std::rc::Rc<dyn Fn()>);
            let created = config
                .with_value(|c| MapHandle::new(&el, c, move || set_tiles_failed.set(true), want));
            match created {
                Ok(h) => handle.set_value(Some(h)),
                Err(e) => leptos::logging::error!("map could not start: {e:?}"),
            }
        }
    };
    Effect::new(move |_| {
        let current_lang = lang();
        ensure_map();
        handle.with_value(|h| {
            if let Some(h) = h {
                h.set_language(current_lang);
            }
        });
    });
    Effect::new(move |_| {
        ensure_map();
        let current_lang = lang();
        let Some(points) = points.get() else { return };
        let by = color_by.get();
        let key = fit_key.get();
        let refit = fitted.with_value(|f| f.as_ref() != Some(&key));
        handle.with_value(|h| {
            if let Some(h) = h {
                let n = h.show(&points, current_lang, by);
                set_shown.set(Some(n));
                if let Some(drawn) = drawn {
                    drawn.set(true);
                }
                // Another area: frame it. No area: the city's default view
                // (framing every point would include far-off islands).
                match (&key, refit) {
                    (Some(_), true) => h.fit(&points),
                    (None, true) => h.go_home(),
                    (_, false) => {}
                }
            }
        });
        fitted.set_value(Some(key));
    });

    Effect::new(move |_| {
        ensure_map();
        let names = names.get();
        handle.with_value(|h| {
            if let Some(h) = h {
                h.set_names(names);
            }
        });
    });

    // Dropping the handle disconnects the observer and removes the map.
    on_cleanup(move || handle.update_value(|h| drop(h.take())));

    view! {
        <div class="map-frame">
            <div
                class="map"
                node_ref=node
                role="region"
                aria-label=tr("map.region_label")
                data-testid="map"
                data-point-count=move || shown.get().map(|n| n.to_string())
                data-color-by=move || color_by.get().as_str()
            ></div>
            <Show when=move || tiles_failed.get()>
                <p class="map-notice" role="status">{tr("map.tiles_unavailable")}</p>
            </Show>
        </div>
    }
}
