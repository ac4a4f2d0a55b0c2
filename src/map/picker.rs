//! A map for choosing one point: click to place the marker, drag it to
//! move it. It only mirrors two text signals (latitude and longitude), so
//! every choice can be made with the inputs alone.

use kolaborasi_shared::ClientConfig;
use leaflet::{LatLng, Marker, MarkerOptions};
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::layer::MapHandle;
use crate::i18n::{lang, tr};

/// A coordinate as typed, when it is one.
#[must_use]
pub fn parse_point(lat: &str, lon: &str) -> Option<(f64, f64)> {
    let lat = lat.trim().replace(',', ".").parse::<f64>().ok()?;
    let lon = lon.trim().replace(',', ".").parse::<f64>().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// Six decimals: about 10 cm.
#[must_use]
pub fn coordinate_text(v: f64) -> String {
    format!("{v:.6}")
}

struct Picker {
    handle: MapHandle,
    marker: Marker,
    placed: std::cell::Cell<bool>,
    _click: Closure<dyn Fn(JsValue)>,
    _drag: Closure<dyn Fn(JsValue)>,
}

impl Picker {
    fn place(&self, lat: f64, lon: f64) {
        self.marker.set_lat_lng(&LatLng::new(lat, lon));
        if !self.placed.get() {
            self.marker.add_to(&self.handle.map);
            self.placed.set(true);
        }
    }
}

#[component]
pub fn PointPicker(
    config: ClientConfig,
    lat: RwSignal<String>,
    lon: RwSignal<String>,
) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    let picker = StoredValue::new_local(None::<Picker>);
    let config = StoredValue::new(config);
    let (tiles_failed, set_tiles_failed) = signal(false);
    let set_both = move |p: &LatLng| {
        lat.set(coordinate_text(p.lat()));
        lon.set(coordinate_text(p.lng()));
    };
    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        let point = parse_point(&lat.get(), &lon.get());
        if picker.with_value(Option::is_none) {
            let created = config
                .with_value(|c| MapHandle::new(&el, c, move || set_tiles_failed.set(true), None));
            let handle = match created {
                Ok(h) => h,
                Err(e) => {
                    leptos::logging::error!("map could not start: {e:?}");
                    return;
                }
            };
            handle.set_language(lang());
            let options = MarkerOptions::default();
            options.set_draggable(true);
            options.set_title(lang().text("picker.marker"));
            options.set_alt(lang().text("picker.marker"));
            let start = point.unwrap_or((0.0, 0.0));
            let marker = Marker::new_with_options(&LatLng::new(start.0, start.1), &options);
            let click = Closure::<dyn Fn(JsValue)>::new(move |ev: JsValue| {
                if let Ok(p) = js_sys::Reflect::get(&ev, &"latlng".into()) {
                    set_both(p.unchecked_ref::<LatLng>());
                }
            });
            handle
                .map
                .unchecked_ref::<leaflet::Evented>()
                .on("click", click.as_ref().unchecked_ref());
            let drag = {
                let marker = marker.clone();
                Closure::<dyn Fn(JsValue)>::new(move |_| set_both(&marker.get_lat_lng()))
            };
            marker
                .unchecked_ref::<leaflet::Evented>()
                .on("dragend", drag.as_ref().unchecked_ref());
            if let Some((la, lo)) = point {
                handle.map.set_view(&LatLng::new(la, lo), 16.0);
            }
            let p = Picker {
                handle,
                marker,
                placed: std::cell::Cell::new(false),
                _click: click,
                _drag: drag,
            };
            picker.set_value(Some(p));
        }
        if let Some((la, lo)) = point {
            picker.with_value(|p| {
                if let Some(p) = p {
                    p.place(la, lo);
                }
            });
        }
    });
    on_cleanup(move || picker.update_value(|p| drop(p.take())));
    view! {
        <div class="point-map picker-map">
            <div class="map-frame">
                <div
                    class="map"
                    node_ref=node
                    role="region"
                    aria-label=tr("picker.label")
                    data-testid="location-map"
                ></div>
                <Show when=move || tiles_failed.get()>
                    <p class="map-notice" role="status">{tr("map.tiles_unavailable")}</p>
                </Show>
            </div>
            <p class="hint">{tr("picker.hint")}</p>
        </div>
    }
}
