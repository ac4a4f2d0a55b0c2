//! Locations: places that can receive help, and the query that filters them.

use serde::{Deserialize, Serialize};

use crate::area::AreaLevel;

/// What kind of place a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    RwPrioritas,
    Pesantren,
    PantiAsuhan,
    PantiJompo,
    PantiDisabilitas,
    Umkm,
    Lainnya,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Self::RwPrioritas,
        Self::Pesantren,
        Self::PantiAsuhan,
        Self::PantiJompo,
        Self::PantiDisabilitas,
        Self::Umkm,
        Self::Lainnya,
    ];

    /// The category's colour on the map and its badges (Okabe–Ito, safe for
    /// colour-blind readers); the server's first paint uses it too.
    #[must_use]
    pub fn color(self) -> &'static str {
        match self {
            Self::RwPrioritas => "#d55e00",
            Self::Pesantren => "#009e73",
            Self::PantiAsuhan => "#0072b2",
            Self::PantiJompo => "#cc79a7",
            Self::PantiDisabilitas => "#e69f00",
            Self::Umkm => "#56b4e9",
            Self::Lainnya => "#666666",
        }
    }

    /// The wire and database spelling (also the translation key suffix).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RwPrioritas => "rw_prioritas",
            Self::Pesantren => "pesantren",
            Self::PantiAsuhan => "panti_asuhan",
            Self::PantiJompo => "panti_jompo",
            Self::PantiDisabilitas => "panti_disabilitas",
            Self::Umkm => "umkm",
            Self::Lainnya => "lainnya",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// What a headcount of this kind of place counts: families for an RW,
    /// people (santri, residents, workers) everywhere else.
    #[must_use]
    pub fn headcount_unit(self) -> HeadcountUnit {
        match self {
            Self::RwPrioritas => HeadcountUnit::Families,
            _ => HeadcountUnit::People,
        }
    }
}

/// What a location's headcount counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HeadcountUnit {
    /// Families (kepala keluarga, KK) — RW prioritas.
    Families,
    /// People: santri, residents of a home, workers of a micro business.
    People,
}

impl HeadcountUnit {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Families => "families",
            Self::People => "people",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Families, Self::People]
            .into_iter()
            .find(|u| u.as_str() == s)
    }
}

/// One map point: the compact form served by `GET /api/v1/locations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationSummary {
    pub id: i64,
    pub name: String,
    pub category: Category,
    /// Kelurahan code, e.g. `31.71.01.1001`.
    pub area: String,
    pub lat: f64,
    pub lon: f64,
    pub headcount: u32,
    /// Percentage of the value of its listed needs still open (0–100);
    /// `None` when it lists none. See [`crate::NeedLevel`].
    pub remaining_percent: Option<u8>,
    /// Percentage of the value of its listed needs already delivered
    /// (0–100); `None` when it lists none. What residents look for.
    #[serde(default)]
    pub received_percent: Option<u8>,
    /// The day (`YYYY-MM-DD`) of the latest delivery reported there.
    #[serde(default)]
    pub last_delivered_on: Option<String>,
    /// Residents' reports about it still waiting for staff (a group of
    /// duplicates counts once); absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub open_reports: u32,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl LocationSummary {
    #[must_use]
    pub fn need_level(&self) -> crate::NeedLevel {
        crate::NeedLevel::from_remaining_percent(self.remaining_percent)
    }
}

/// What the map draws of a place: where, what kind, how much is still
/// open, and whether residents reported something. Names and the rest come
/// with the list ([`LocationSummary`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapPoint {
    pub id: i64,
    pub lat: f64,
    pub lon: f64,
    pub category: Category,
    /// As in [`LocationSummary::remaining_percent`].
    pub remaining_percent: Option<u8>,
    pub open_reports: u32,
}

impl MapPoint {
    #[must_use]
    pub fn need_level(&self) -> crate::NeedLevel {
        crate::NeedLevel::from_remaining_percent(self.remaining_percent)
    }
}

impl From<&LocationSummary> for MapPoint {
    fn from(l: &LocationSummary) -> Self {
        Self {
            id: l.id,
            lat: l.lat,
            lon: l.lon,
            category: l.category,
            remaining_percent: l.remaining_percent,
            open_reports: l.open_reports,
        }
    }
}

/// The map's points in columns (`GET /api/v1/locations/points`, same
/// filters as the list): a tenth of the list's bytes, and numbers rather
/// than objects to decode. Entry `i` of every column is one place, in id
/// order. Ids and coordinates are each the difference to the entry before
/// (the first to zero); coordinates are whole units of `1 / scale` degree.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationPoints {
    /// Units per degree of the coordinates (100000: about a metre).
    pub scale: u32,
    /// The categories the `category` column points into.
    pub categories: Vec<Category>,
    /// Id differences.
    pub id: Vec<i64>,
    /// Latitude differences, in units of `1 / scale` degree.
    pub lat: Vec<i64>,
    /// Longitude differences, in units of `1 / scale` degree.
    pub lon: Vec<i64>,
    /// Index into `categories`.
    pub category: Vec<u8>,
    /// Percentage of the value of its listed needs still open; `null` when it lists none.
    pub remaining: Vec<Option<u8>>,
    /// Residents' reports waiting for staff.
    pub reports: Vec<u32>,
}

/// The scale of [`LocationPoints`] coordinates.
pub const POINT_SCALE: u32 = 100_000;

impl LocationPoints {
    #[must_use]
    pub fn from_summaries(list: &[LocationSummary]) -> Self {
        let scale = f64::from(POINT_SCALE);
        #[allow(clippy::cast_possible_truncation)] // coordinates are degrees
        let units = |deg: f64| (deg * scale).round() as i64;
        let mut out = Self {
            scale: POINT_SCALE,
            categories: Category::ALL.to_vec(),
            ..Self::default()
        };
        let (mut id, mut lat, mut lon) = (0, 0, 0);
        for l in list {
            let (la, lo) = (units(l.lat), units(l.lon));
            out.id.push(l.id - id);
            out.lat.push(la - lat);
            out.lon.push(lo - lon);
            (id, lat, lon) = (l.id, la, lo);
            #[allow(clippy::cast_possible_truncation)] // seven categories
            out.category.push(
                Category::ALL
                    .iter()
                    .position(|c| *c == l.category)
                    .unwrap_or_default() as u8,
            );
            out.remaining.push(l.remaining_percent);
            out.reports.push(l.open_reports);
        }
        out
    }

    /// The points, or `None` when the columns do not fit together.
    #[must_use]
    pub fn points(&self) -> Option<Vec<MapPoint>> {
        let n = self.id.len();
        if self.scale == 0
            || [
                self.lat.len(),
                self.lon.len(),
                self.category.len(),
                self.remaining.len(),
                self.reports.len(),
            ]
            .iter()
            .any(|len| *len != n)
        {
            return None;
        }
        let scale = f64::from(self.scale);
        let (mut id, mut lat, mut lon) = (0i64, 0i64, 0i64);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            id = id.checked_add(self.id[i])?;
            lat = lat.checked_add(self.lat[i])?;
            lon = lon.checked_add(self.lon[i])?;
            #[allow(clippy::cast_precision_loss)] // far below 2^53
            out.push(MapPoint {
                id,
                lat: lat as f64 / scale,
                lon: lon as f64 / scale,
                category: *self.categories.get(usize::from(self.category[i]))?,
                remaining_percent: self.remaining[i],
                open_reports: self.reports[i],
            });
        }
        Some(out)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationList {
    pub locations: Vec<LocationSummary>,
}

/// One location in full, public fields only (`GET /api/v1/locations/{id}`).
/// Private contact data never appears here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationDetail {
    pub id: i64,
    pub name: String,
    pub category: Category,
    /// Province down to kelurahan.
    pub area_path: Vec<crate::AreaRef>,
    pub lat: f64,
    pub lon: f64,
    pub headcount: u32,
    pub headcount_unit: HeadcountUnit,
    pub address: String,
    pub description: String,
    /// Checked by the facilitator.
    pub verified: bool,
    /// Generated demo data, not a real place.
    pub demo: bool,
    /// Inactive places keep their page and history but take no new commitments.
    pub active: bool,
    /// What it needs, per package (see `GET /api/v1/programs`).
    pub needs: Vec<crate::Need>,
}

/// A bounding box `minLon,minLat,maxLon,maxLat` in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Bbox {
    #[must_use]
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

/// The filter of `GET /api/v1/locations`, also the map page's URL state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationQuery {
    /// Empty means every category. Kept sorted and without duplicates.
    pub category: Vec<Category>,
    /// Any level's code: kota, kecamatan or kelurahan (or the province).
    pub area: Option<String>,
    pub bbox: Option<Bbox>,
}

/// Why a query string was refused; `field` names the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub field: String,
    pub problem: QueryProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryProblem {
    UnknownParameter,
    Repeated,
    InvalidCategory,
    InvalidArea,
    InvalidBbox,
}

impl QueryProblem {
    /// Translation key of the message that explains the problem.
    #[must_use]
    pub fn message_key(self) -> &'static str {
        match self {
            Self::UnknownParameter => "error.query.unknown_parameter",
            Self::Repeated => "error.query.repeated",
            Self::InvalidCategory => "error.query.invalid_category",
            Self::InvalidArea => "error.query.invalid_area",
            Self::InvalidBbox => "error.query.invalid_bbox",
        }
    }
}

impl LocationQuery {
    pub const KEYS: [&'static str; 3] = ["category", "area", "bbox"];

    /// Parses decoded `key=value` pairs ("parse, don't validate"): every
    /// unknown key, repeated single-valued key or malformed value is refused
    /// with the parameter's name.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, QueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let err = |field: &str, problem| QueryError {
            field: field.to_owned(),
            problem,
        };
        let mut q = Self::default();
        let mut seen_bbox = false;
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref().trim());
            match key {
                "category" => {
                    // `category=a,b` and `category=a&category=b` both work.
                    for part in value.split(',') {
                        let c = Category::parse(part)
                            .ok_or_else(|| err(key, QueryProblem::InvalidCategory))?;
                        q.category.push(c);
                    }
                }
                "area" => {
                    if q.area.is_some() {
                        return Err(err(key, QueryProblem::Repeated));
                    }
                    AreaLevel::of_code(value).ok_or_else(|| err(key, QueryProblem::InvalidArea))?;
                    q.area = Some(value.to_owned());
                }
                "bbox" => {
                    if seen_bbox {
                        return Err(err(key, QueryProblem::Repeated));
                    }
                    seen_bbox = true;
                    q.bbox =
                        Some(parse_bbox(value).ok_or_else(|| err(key, QueryProblem::InvalidBbox))?);
                }
                other => return Err(err(other, QueryProblem::UnknownParameter)),
            }
        }
        q.category.sort_unstable();
        q.category.dedup();
        Ok(q)
    }

    /// The canonical query string (without `?`); empty for "no filter".
    /// Values are slugs, codes and numbers, so nothing needs escaping.
    #[must_use]
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<String> = self
            .category
            .iter()
            .map(|c| format!("category={}", c.as_str()))
            .collect();
        if let Some(area) = &self.area {
            parts.push(format!("area={area}"));
        }
        if let Some(b) = &self.bbox {
            parts.push(format!(
                "bbox={},{},{},{}",
                b.min_lon, b.min_lat, b.max_lon, b.max_lat
            ));
        }
        parts.join("&")
    }

    /// True when a location passes the category and area filters (not bbox).
    #[must_use]
    pub fn matches(&self, category: Category, area_code: &str) -> bool {
        (self.category.is_empty() || self.category.contains(&category))
            && self.area.as_deref().is_none_or(|a| {
                area_code == a
                    || area_code
                        .strip_prefix(a)
                        .is_some_and(|r| r.starts_with('.'))
            })
    }
}

fn parse_bbox(value: &str) -> Option<Bbox> {
    let nums: Vec<f64> = value
        .split(',')
        .map(|s| s.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect::<Option<_>>()?;
    let [min_lon, min_lat, max_lon, max_lat] = nums.as_slice() else {
        return None;
    };
    let lon_ok = |x: f64| (-180.0..=180.0).contains(&x);
    let lat_ok = |y: f64| (-90.0..=90.0).contains(&y);
    (lon_ok(*min_lon)
        && lon_ok(*max_lon)
        && lat_ok(*min_lat)
        && lat_ok(*max_lat)
        && min_lon <= max_lon
        && min_lat <= max_lat)
        .then_some(Bbox {
            min_lon: *min_lon,
            min_lat: *min_lat,
            max_lon: *max_lon,
            max_lat: *max_lat,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &[(&str, &str)]) -> Result<LocationQuery, QueryError> {
        LocationQuery::from_pairs(q.iter().copied())
    }

    #[test]
    fn map_points_survive_their_columns_to_the_metre() {
        let place = |id, lat, lon, category, remaining, reports| LocationSummary {
            id,
            name: format!("place {id}"),
            category,
            area: "31.71.01.1001".to_owned(),
            lat,
            lon,
            headcount: 10,
            remaining_percent: remaining,
            received_percent: None,
            last_delivered_on: None,
            open_reports: reports,
        };
        let list = [
            place(3, -6.123_456_7, 106.8, Category::Umkm, Some(40), 0),
            place(9, -6.3, 106.700_004, Category::RwPrioritas, None, 2),
            place(12, -5.6, 106.55, Category::Lainnya, Some(0), 0),
        ];
        let columns = LocationPoints::from_summaries(&list);
        assert_eq!(columns.id, [3, 6, 3]);
        let wire: LocationPoints =
            serde_json::from_str(&serde_json::to_string(&columns).unwrap()).unwrap();
        let points = wire.points().unwrap();
        assert_eq!(points.len(), 3);
        for (p, l) in points.iter().zip(&list) {
            assert_eq!((p.id, p.category), (l.id, l.category));
            assert_eq!(
                (p.remaining_percent, p.open_reports),
                (l.remaining_percent, l.open_reports)
            );
            assert!((p.lat - l.lat).abs() <= 0.5e-5 && (p.lon - l.lon).abs() <= 0.5e-5);
        }
        // Columns of different lengths, or an unknown category, are refused.
        let mut short = columns.clone();
        short.reports.pop();
        assert_eq!(short.points(), None);
        let mut unknown = columns;
        unknown.category[1] = 42;
        assert_eq!(unknown.points(), None);
    }

    #[test]
    fn repeated_and_comma_separated_categories_are_both_accepted_and_canonicalised() {
        let q = parse(&[("category", "umkm"), ("category", "pesantren,umkm")]).unwrap();
        assert_eq!(q.category, [Category::Pesantren, Category::Umkm]);
        assert_eq!(q.to_query_string(), "category=pesantren&category=umkm");
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let cases = [
            (
                ("category", "hospital"),
                "category",
                QueryProblem::InvalidCategory,
            ),
            (("category", ""), "category", QueryProblem::InvalidCategory),
            (("area", "31.7"), "area", QueryProblem::InvalidArea),
            (("bbox", "1,2,3"), "bbox", QueryProblem::InvalidBbox),
            (("bbox", "107,-6,106,-5"), "bbox", QueryProblem::InvalidBbox),
            (("bbox", "a,b,c,d"), "bbox", QueryProblem::InvalidBbox),
            (("bbox", "0,-91,1,0"), "bbox", QueryProblem::InvalidBbox),
            (("bbox", "NaN,0,1,1"), "bbox", QueryProblem::InvalidBbox),
            (("colour", "red"), "colour", QueryProblem::UnknownParameter),
        ];
        for ((k, v), field, problem) in cases {
            assert_eq!(
                parse(&[(k, v)]),
                Err(QueryError {
                    field: field.into(),
                    problem
                }),
                "{k}={v}"
            );
        }
        assert_eq!(
            parse(&[("area", "31.71"), ("area", "31.72")])
                .unwrap_err()
                .problem,
            QueryProblem::Repeated
        );
    }

    #[test]
    fn query_string_round_trips() {
        let q = parse(&[
            ("category", "rw_prioritas"),
            ("area", "31.71.01"),
            ("bbox", "106.7,-6.3,106.9,-6.1"),
        ])
        .unwrap();
        let s = q.to_query_string();
        let pairs: Vec<(&str, &str)> = s.split('&').map(|p| p.split_once('=').unwrap()).collect();
        assert_eq!(parse(&pairs).unwrap(), q);
    }

    #[test]
    fn area_filter_matches_whole_code_segments_only() {
        let q = parse(&[("area", "31.71.01")]).unwrap();
        assert!(q.matches(Category::Umkm, "31.71.01.1001"));
        assert!(q.matches(Category::Umkm, "31.71.01"));
        assert!(!q.matches(Category::Umkm, "31.71.010.1001"));
        assert!(!q.matches(Category::Umkm, "31.71.02.1001"));
    }
}
