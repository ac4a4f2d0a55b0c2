//! The Leaflet objects behind [`super::MapView`].

use kolaborasi_shared::{Category, ClientConfig, LocationSummary};
use leaflet::{
    CircleMarker, CircleOptions, LatLng, LatLngBounds, LayerGroup, Map, MapOptions, TileLayer,
    TileLayerOptions,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::format::html_escape;
use crate::i18n::Lang;

/// Category colours: the Okabe–Ito palette, distinguishable with the common
/// forms of colour blindness; the legend and list repeat them as text.
#[must_use]
pub fn category_color(c: Category) -> &'static str {
    match c {
        Category::RwPrioritas => "#d55e00",
        Category::Pesantren => "#009e73",
        Category::PantiAsuhan => "#0072b2",
        Category::PantiJompo => "#cc79a7",
        Category::PantiDisabilitas => "#e69f00",
        Category::Umkm => "#56b4e9",
        Category::Lainnya => "#666666",
    }
}

pub struct MapHandle {
    pub map: Map,
    points: LayerGroup,
    /// Kept alive as long as the map: Leaflet calls it on tile failures.
    _tile_error: Closure<dyn Fn(JsValue)>,
    /// Leaflet measures its container once; this re-measures whenever the
    /// container's size changes (first layout, list/map switch, zoom, rotation).
    resize: Option<(web_sys::ResizeObserver, Closure<dyn Fn()>)>,
}

impl Drop for MapHandle {
    fn drop(&mut self) {
        if let Some((observer, _)) = &self.resize {
            observer.disconnect();
        }
        self.map.remove();
    }
}

impl MapHandle {
    pub fn new(
        el: &web_sys::HtmlDivElement,
        config: &kolaborasi_shared::ClientConfig,
        on_tile_error: impl Fn() + 'static,
    ) -> Result<Self, JsValue> {
        let options = MapOptions::default();
        // One canvas for all points instead of one DOM node each.
        options.set_prefer_canvas(true);
        options.set_center(LatLng::new(config.map_center[0], config.map_center[1]));
        options.set_zoom(f64::from(config.map_zoom));
        let map = Map::new_with_element(el, &options)?;
        let tiles = tile_layer(config);
        let tile_error = Closure::<dyn Fn(JsValue)>::new(move |_| on_tile_error());
        tiles
            .unchecked_ref::<leaflet::Evented>()
            .on("tileerror", tile_error.as_ref().unchecked_ref());
        tiles.add_to(&map);
        let points = LayerGroup::new();
        points.add_to(&map);
        let resize = {
            let map = map.clone();
            let callback = Closure::<dyn Fn()>::new(move || {
                map.invalidate_size(false);
            });
            web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref())
                .ok()
                .map(|observer| {
                    observer.observe(el);
                    (observer, callback)
                })
        };
        Ok(Self {
            map,
            points,
            _tile_error: tile_error,
            resize,
        })
    }

    /// Replaces the points; returns how many are on the map.
    pub fn show(&self, points: &[LocationSummary], lang: Lang) -> usize {
        self.points.clear_layers();
        // One options object per category, shared by its markers.
        let styles: Vec<(Category, CircleOptions)> = Category::ALL
            .iter()
            .map(|&c| {
                let o = CircleOptions::default();
                o.set_radius(6.0);
                o.set_color("#ffffff".into());
                o.set_weight(1.0);
                o.set_fill_color(category_color(c).into());
                o.set_fill_opacity(0.9);
                (c, o)
            })
            .collect();
        let open_label = html_escape(&lang.text("map.open_location"));
        for p in points {
            let Some((_, style)) = styles.iter().find(|(c, _)| *c == p.category) else {
                continue;
            };
            let marker = CircleMarker::new_with_options(&LatLng::new(p.lat, p.lon), style);
            let popup = format!(
                "<strong>{}</strong><br><span>{}</span><br><a href=\"/lokasi/{}\">{}</a>",
                html_escape(&p.name),
                html_escape(&lang.text(&format!("category.{}", p.category.as_str()))),
                p.id,
                open_label
            );
            marker.bind_popup_with_options(&JsValue::from_str(&popup), &JsValue::UNDEFINED);
            self.points.add_layer(&marker);
        }
        // What Leaflet actually holds, not what was asked for.
        self.points.get_layers().length() as usize
    }

    /// Zooms to the points' bounds.
    pub fn fit(&self, points: &[LocationSummary]) {
        let Some(first) = points.first() else { return };
        if points.len() == 1 {
            // Bounds of one point have no size: show its street instead.
            self.map.set_view(&LatLng::new(first.lat, first.lon), 16.0);
            return;
        }
        let (mut s, mut w, mut n, mut e) = (first.lat, first.lon, first.lat, first.lon);
        for p in points {
            s = s.min(p.lat);
            n = n.max(p.lat);
            w = w.min(p.lon);
            e = e.max(p.lon);
        }
        let bounds = LatLngBounds::new(&LatLng::new(s, w), &LatLng::new(n, e));
        self.map.fit_bounds(&bounds);
    }
}

fn tile_layer(config: &ClientConfig) -> TileLayer {
    let options = TileLayerOptions::default();
    options.set_attribution(config.tile_attribution.clone());
    options.set_max_zoom(19.0);
    TileLayer::new_options(&config.tile_url, &options)
}
