//! The Leaflet objects behind [`super::MapView`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use std::sync::Arc;

use kolaborasi_shared::{Category, ClientConfig, LocationSummary, MapPoint, NeedLevel};
use leaflet::{
    CircleMarker, CircleOptions, LatLng, LatLngBounds, Layer, LayerGroup, Map, MapOptions,
    TileLayer, TileLayerOptions, Zoom, ZoomOptions,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::format::html_escape;
use crate::i18n::Lang;

/// Category colours: the Okabe–Ito palette, distinguishable with the common
/// forms of colour blindness; the legend and list repeat them as text.
#[must_use]
pub fn category_color(c: Category) -> &'static str {
    c.color()
}

/// What the colour of a point means: its category or how much of its need
/// is still open. Kept in the map's URL as `color=need`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorBy {
    #[default]
    Category,
    Need,
}

impl ColorBy {
    #[must_use]
    pub fn from_param(value: Option<&str>) -> Self {
        if value == Some("need") {
            Self::Need
        } else {
            Self::Category
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Category => "category",
            Self::Need => "need",
        }
    }
}

/// Need-level colours, again from Okabe–Ito and far apart in lightness
/// (dark vermillion, light yellow, dark blue), so they stay distinct with
/// any colour vision and in greyscale; "no needs listed" is a hollow ring.
/// The legend, popups and list say the level in words as well.
#[must_use]
pub fn need_color(level: NeedLevel) -> &'static str {
    match level {
        NeedLevel::Open => "#d55e00",
        NeedLevel::Nearly => "#f0e442",
        NeedLevel::Covered => "#0072b2",
        NeedLevel::Unlisted => "#ffffff",
    }
}

/// Outline of need-coloured points: dark, so the yellow shows on light tiles.
pub const NEED_OUTLINE: &str = "#1b2733";

/// Fill and outline of one point under a colour scheme.
#[must_use]
pub fn point_colors(p: &MapPoint, by: ColorBy) -> (&'static str, &'static str) {
    match by {
        ColorBy::Category => (category_color(p.category), "#ffffff"),
        ColorBy::Need => (need_color(p.need_level()), NEED_OUTLINE),
    }
}

/// South, west, north, east.
type Bounds = [f64; 4];

/// `items` in id order (the same `Arc` when they already are).
fn by_id<T: Clone>(items: &Arc<Vec<T>>, id: impl Fn(&T) -> i64) -> Arc<Vec<T>> {
    if items.windows(2).all(|w| id(&w[0]) < id(&w[1])) {
        Arc::clone(items)
    } else {
        let mut sorted = items.as_ref().clone();
        sorted.sort_by_key(|t| id(t));
        Arc::new(sorted)
    }
}

/// The property of a marker that holds its place's id.
const ID_KEY: &str = "kolaborasiId";

/// What popups are written from. A popup is written when it opens (one
/// function for every marker), not 10,000 strings before the map shows.
struct Popups {
    /// The points on the map, in id order.
    points: Arc<Vec<MapPoint>>,
    /// The places with their names, in id order, once they are loaded.
    names: Option<Arc<Vec<LocationSummary>>>,
    lang: Lang,
    /// Asks for the names (a popup opened before they were loaded).
    want_names: Option<Rc<dyn Fn()>>,
    /// The marker whose popup was written last: rewritten when the names arrive.
    last: Option<Layer>,
}

impl Popups {
    fn html(&self, id: i64) -> (String, bool) {
        let Ok(i) = self.points.binary_search_by_key(&id, |p| p.id) else {
            return (String::new(), false);
        };
        let p = &self.points[i];
        let lang = self.lang;
        let name = self.names.as_ref().and_then(|names| {
            names
                .binary_search_by_key(&id, |l| l.id)
                .ok()
                .map(|i| names[i].name.clone())
        });
        // Names not loaded yet: "loading", and ask for them. Loaded but
        // without this place (read at another version): no name.
        let missing = name.is_none() && self.names.is_none();
        let reports = if p.open_reports > 0 {
            format!(
                "<br><span class=\"reports-meta\">{}</span>",
                html_escape(&crate::i18n::tr_with(
                    lang,
                    "report.open_on_map",
                    &[("count", &lang.number(u64::from(p.open_reports)))],
                ))
            )
        } else {
            String::new()
        };
        let title = match name {
            Some(name) => format!("<strong>{}</strong><br>", html_escape(&name)),
            None if missing => format!(
                "<strong>{}</strong><br>",
                html_escape(&lang.text("status.loading"))
            ),
            None => String::new(),
        };
        let html = format!(
            "{title}<span>{}</span><br><span>{}</span>{reports}<br><a href=\"/lokasi/{}\">{}</a>",
            html_escape(&lang.text(&format!("category.{}", p.category.as_str()))),
            html_escape(&crate::components::need::level_text(
                lang,
                p.remaining_percent
            )),
            p.id,
            html_escape(&lang.text("map.open_location")),
        );
        (html, missing)
    }
}

pub struct MapHandle {
    pub map: Map,
    /// The deployment's default view (centre, zoom), shown with no area filter.
    home: (LatLng, f64),
    /// The points on the map (the group `index.html` drew, if the app kept it).
    points: RefCell<LayerGroup>,
    /// What [`MapHandle::show`] drew last, and in which colours.
    shown: RefCell<Option<(Arc<Vec<MapPoint>>, ColorBy)>>,
    /// The map came from the first paint, already at the default view:
    /// the first [`MapHandle::go_home`] leaves it there (setting the same
    /// view again redraws every point).
    at_home: Cell<bool>,
    /// The points `index.html` drew before the wasm arrived: kept or
    /// replaced in the first [`MapHandle::show`].
    first_points: RefCell<Option<FirstPoints>>,
    /// Zoom buttons, re-created when the language changes (their labels).
    zoom: RefCell<Option<Zoom>>,
    /// A fit asked for while the map had no size (hidden behind the list);
    /// applied as soon as it is laid out.
    pending_fit: Rc<Cell<Option<Bounds>>>,
    /// Kept alive as long as the map: Leaflet calls it on tile failures.
    _tile_error: Closure<dyn Fn(JsValue)>,
    /// Mirrors the zoom level into `data-zoom` (read by the browser tests).
    _zoom_end: Closure<dyn Fn(JsValue)>,
    /// Leaflet measures its container once; this re-measures whenever the
    /// container's size changes (first layout, list/map switch, zoom, rotation).
    resize: Option<(web_sys::ResizeObserver, Closure<dyn Fn()>)>,
    popups: Rc<RefCell<Popups>>,
    /// Writes a marker's popup when it opens (Leaflet calls it with the marker).
    popup_content: Closure<dyn Fn(JsValue) -> JsValue>,
}

/// The map `index.html` drew in the server's first paint before the wasm
/// arrived (`firstMap`: tiles and points, nothing interactive yet), as
/// `window.__kolaborasiMap`.
struct FirstMap {
    map: Map,
    tiles: TileLayer,
    /// Its points, once they were drawn.
    points: Option<FirstPoints>,
    tiles_failed: bool,
}

/// The points of the first map.
struct FirstPoints {
    group: LayerGroup,
    /// Their ids, in the order drawn.
    ids: Vec<f64>,
    /// Their categories, as indexes into [`Category::ALL`].
    kinds: Vec<u8>,
    /// `adopt(key, popup)`: stores each marker's id under `key`, makes it
    /// interactive and binds `popup` (the app's popup writer).
    adopt: js_sys::Function,
}

/// `object[key]`, unless it is missing, `undefined` or `null` (an object or
/// a function: `is_object` is false for functions).
fn field(object: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

impl FirstPoints {
    fn read(first: &JsValue) -> Option<Self> {
        Some(Self {
            group: field(first, "layer")?.unchecked_into(),
            ids: field(first, "ids")?
                .unchecked_into::<js_sys::Float64Array>()
                .to_vec(),
            kinds: field(first, "kinds")?
                .unchecked_into::<js_sys::Uint8Array>()
                .to_vec(),
            adopt: field(first, "adopt")?.unchecked_into(),
        })
    }

    /// Whether these are `points`, in the same order and categories.
    fn same(&self, points: &[MapPoint]) -> bool {
        #[allow(clippy::cast_precision_loss)] // ids are far below 2^53
        let id = |p: &MapPoint| p.id as f64;
        let kind = |p: &MapPoint| Category::ALL.iter().position(|c| *c == p.category);
        #[allow(clippy::float_cmp)] // integers, copied
        let same = points.len() == self.ids.len()
            && points
                .iter()
                .zip(self.ids.iter().zip(&self.kinds))
                .all(|(p, (i, k))| id(p) == *i && kind(p) == Some(usize::from(*k)));
        same
    }
}

impl FirstMap {
    /// Takes the first map over, once: its element moves into `el` (a
    /// moved element keeps its loaded tiles and its canvas, so nothing
    /// flashes) and loses the first paint's attributes (`el` has its own),
    /// and the script is told not to draw any more.
    fn take(el: &web_sys::HtmlDivElement) -> Option<Self> {
        let window = web_sys::window()?;
        let key = JsValue::from_str("__kolaborasiMap");
        let first = js_sys::Reflect::get(&window, &key)
            .ok()
            .filter(JsValue::is_object)?;
        let _ = js_sys::Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key);
        let _ = js_sys::Reflect::set(&first, &"adopted".into(), &JsValue::TRUE);
        let map: Map = field(&first, "map")?.unchecked_into();
        let tiles: TileLayer = field(&first, "tiles")?.unchecked_into();
        let container = map.get_container();
        for attribute in [
            "id",
            "role",
            "aria-label",
            "data-colors",
            "data-point-count",
        ] {
            let _ = container.remove_attribute(attribute);
        }
        el.append_child(&container).ok()?;
        map.invalidate_size(false);
        Some(Self {
            map,
            tiles,
            points: FirstPoints::read(&first),
            tiles_failed: field(&first, "tilesFailed").is_some_and(|v| v.is_truthy()),
        })
    }
}

fn has_size(map: &Map) -> bool {
    let size = map.get_size();
    size.x() > 0.0 && size.y() > 0.0
}

/// `{ animate: false }` for programmatic view changes: Leaflet silently drops
/// a view change asked for while a zoom animation runs, so quick filter
/// changes would otherwise leave the map on the previous area.
fn no_animation() -> js_sys::Object {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"animate".into(), &JsValue::FALSE);
    options
}

fn apply_fit(map: &Map, [s, w, n, e]: Bounds) {
    // Coordinates are copied, never computed, so equal means the same point.
    #[allow(clippy::float_cmp)] // exact equality of copied values is intended
    let one_point = s == n && w == e;
    if one_point {
        // Bounds of one point have no size: show its street instead.
        map.set_view_with_options(&LatLng::new(s, w), 16.0, &no_animation());
    } else {
        let bounds = LatLngBounds::new(&LatLng::new(s, w), &LatLng::new(n, e));
        map.fit_bounds_with_options(&bounds, &no_animation());
    }
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
        want_names: Option<Rc<dyn Fn()>>,
    ) -> Result<Self, JsValue> {
        let home = (
            LatLng::new(config.map_center[0], config.map_center[1]),
            f64::from(config.map_zoom),
        );
        let first = FirstMap::take(el);
        let (map, tiles) = if let Some(first) = &first {
            (first.map.clone(), first.tiles.clone())
        } else {
            let options = MapOptions::default();
            // One canvas for all points instead of one DOM node each.
            options.set_prefer_canvas(true);
            // Added by `set_language`, with translated labels.
            options.set_zoom_control(false);
            options.set_center(home.0.clone());
            options.set_zoom(home.1);
            let map = Map::new_with_element(el, &options)?;
            let tiles = tile_layer(config);
            tiles.add_to(&map);
            (map, tiles)
        };
        if first.as_ref().is_some_and(|f| f.tiles_failed) {
            on_tile_error();
        }
        let tile_error = Closure::<dyn Fn(JsValue)>::new(move |_| on_tile_error());
        tiles
            .unchecked_ref::<leaflet::Evented>()
            .on("tileerror", tile_error.as_ref().unchecked_ref());
        let points = LayerGroup::new();
        points.add_to(&map);
        let zoom_end = {
            let (map, el) = (map.clone(), el.clone());
            Closure::<dyn Fn(JsValue)>::new(move |_| {
                let _ = el.set_attribute("data-zoom", &map.get_zoom().to_string());
            })
        };
        map.unchecked_ref::<leaflet::Evented>()
            .on("zoomend", zoom_end.as_ref().unchecked_ref());
        let pending_fit = Rc::new(Cell::new(None));
        let resize = {
            let map = map.clone();
            let pending_fit = Rc::clone(&pending_fit);
            let callback = Closure::<dyn Fn()>::new(move || {
                map.invalidate_size(false);
                if has_size(&map)
                    && let Some(bounds) = pending_fit.take()
                {
                    apply_fit(&map, bounds);
                }
            });
            web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref())
                .ok()
                .map(|observer| {
                    observer.observe(el);
                    (observer, callback)
                })
        };
        let popups = Rc::new(RefCell::new(Popups {
            points: Arc::default(),
            names: None,
            lang: Lang::Id,
            want_names,
            last: None,
        }));
        let popup_content = {
            let popups = Rc::clone(&popups);
            Closure::<dyn Fn(JsValue) -> JsValue>::new(move |layer: JsValue| {
                #[allow(clippy::cast_possible_truncation)] // ids are integers
                let id = js_sys::Reflect::get(&layer, &ID_KEY.into())
                    .ok()
                    .and_then(|v| v.as_f64())
                    .map_or(0, |v| v as i64);
                let (html, ask) = {
                    let mut popups = popups.borrow_mut();
                    popups.last = Some(layer.unchecked_into());
                    let (html, missing) = popups.html(id);
                    (html, missing.then(|| popups.want_names.clone()).flatten())
                };
                if let Some(ask) = ask {
                    ask();
                }
                JsValue::from_str(&html)
            })
        };
        Ok(Self {
            map,
            home,
            points: RefCell::new(points),
            shown: RefCell::new(None),
            at_home: Cell::new(first.is_some()),
            first_points: RefCell::new(first.and_then(|f| f.points)),
            zoom: RefCell::new(None),
            pending_fit,
            _tile_error: tile_error,
            _zoom_end: zoom_end,
            resize,
            popups,
            popup_content,
        })
    }

    /// Zoom buttons labelled in `lang` (Leaflet's own are English only).
    pub fn set_language(&self, lang: Lang) {
        if let Some(old) = self.zoom.borrow_mut().take() {
            old.remove();
        }
        let mut options = ZoomOptions::new();
        options.set_zoom_in_title(&lang.text("map.zoom_in"));
        options.set_zoom_out_title(&lang.text("map.zoom_out"));
        let zoom = Zoom::new(&options);
        zoom.add_to(&self.map);
        *self.zoom.borrow_mut() = Some(zoom);
    }

    /// Replaces the points (in id order); returns how many are on the map.
    pub fn show(&self, points: &Arc<Vec<MapPoint>>, lang: Lang, by: ColorBy) -> usize {
        {
            let mut popups = self.popups.borrow_mut();
            popups.points = by_id(points, |p| p.id);
            popups.lang = lang;
            popups.last = None;
        }
        // The same points in the same colours (a revalidated answer, another
        // language): nothing to draw. Every redraw of the canvas paints
        // every point, about 0.8 s for 10,000 on a phone.
        let unchanged = self
            .shown
            .borrow()
            .as_ref()
            .is_some_and(|(shown, shown_by)| {
                *shown_by == by && (Arc::ptr_eq(shown, points) || **shown == **points)
            });
        if unchanged {
            return self.points.borrow().get_layers().length() as usize;
        }
        *self.shown.borrow_mut() = Some((Arc::clone(points), by));
        // The points `index.html` drew are these, in these colours: they
        // stay, with the app's popups, instead of being drawn again.
        let first = self.first_points.borrow_mut().take();
        if let Some(first) = &first
            && by == ColorBy::Category
            && first.same(points)
        {
            let _ = first.adopt.call2(
                &JsValue::NULL,
                &JsValue::from_str(ID_KEY),
                self.popup_content.as_ref(),
            );
            *self.points.borrow_mut() = first.group.clone();
            return first.ids.len();
        }
        let group = self.points.borrow();
        group.clear_layers();
        // One options object per colour, shared by its markers.
        let mut styles: Vec<((&str, &str), CircleOptions)> = Vec::new();
        let id_key = JsValue::from_str(ID_KEY);
        for p in points.iter() {
            let colors = point_colors(p, by);
            let index = styles
                .iter()
                .position(|(c, _)| *c == colors)
                .unwrap_or_else(|| {
                    let o = CircleOptions::default();
                    o.set_radius(6.0);
                    o.set_color(colors.1.into());
                    o.set_weight(if by == ColorBy::Need { 1.5 } else { 1.0 });
                    o.set_fill_color(colors.0.into());
                    o.set_fill_opacity(0.9);
                    styles.push((colors, o));
                    styles.len() - 1
                });
            let marker =
                CircleMarker::new_with_options(&LatLng::new(p.lat, p.lon), &styles[index].1);
            #[allow(clippy::cast_precision_loss)] // ids are far below 2^53
            let _ = js_sys::Reflect::set(&marker, &id_key, &JsValue::from_f64(p.id as f64));
            marker.bind_popup_with_options(self.popup_content.as_ref(), &JsValue::UNDEFINED);
            group.add_layer(&marker);
        }
        // Other points than the first paint's: those go in the same task as
        // these are added, so the canvas is redrawn once, never without points.
        if let Some(first) = first {
            first.group.remove();
        }
        // What Leaflet actually holds, not what was asked for.
        group.get_layers().length() as usize
    }

    /// The places with their names (in id order): an open popup that was
    /// waiting for its name is written again.
    pub fn set_names(&self, names: Option<Arc<Vec<LocationSummary>>>) {
        let last = {
            let mut popups = self.popups.borrow_mut();
            popups.names = names.map(|n| by_id(&n, |l| l.id));
            popups.last.clone()
        };
        if let Some(layer) = last
            && layer.is_popup_open()
        {
            layer.get_popup().update();
        }
    }

    /// Back to the deployment's default view (the whole city).
    pub fn go_home(&self) {
        self.pending_fit.set(None);
        if self.at_home.take() {
            return;
        }
        self.map
            .set_view_with_options(&self.home.0, self.home.1, &no_animation());
    }

    /// Frames the points (now, or once the map is laid out).
    pub fn fit(&self, points: &[MapPoint]) {
        self.at_home.set(false);
        let Some(first) = points.first() else { return };
        let mut b = [first.lat, first.lon, first.lat, first.lon];
        for p in points {
            b = [
                b[0].min(p.lat),
                b[1].min(p.lon),
                b[2].max(p.lat),
                b[3].max(p.lon),
            ];
        }
        if has_size(&self.map) {
            self.pending_fit.set(None);
            apply_fit(&self.map, b);
        } else {
            self.pending_fit.set(Some(b));
        }
    }
}

fn tile_layer(config: &ClientConfig) -> TileLayer {
    let options = TileLayerOptions::default();
    options.set_attribution(config.tile_attribution.clone());
    options.set_max_zoom(19.0);
    TileLayer::new_options(&config.tile_url, &options)
}
