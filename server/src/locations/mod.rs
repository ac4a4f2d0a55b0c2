//! `GET /api/v1/locations` (every place that matches, as a list),
//! `GET /api/v1/locations/points` (the same places as the map draws them,
//! in columns) and `GET /api/v1/locations/{id}` (one location, public
//! fields only).

mod model;
pub mod store;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use http::HeaderMap;
use kolaborasi_shared::{
    AreaLevel, LocationDetail, LocationList, LocationPoints, LocationQuery, LocationSummary,
};

use crate::read_model::Previous;

pub use model::NewLocation;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/locations", get(list_locations))
        .route("/locations/points", get(map_points))
        .route("/locations/{id}", get(get_location))
}

/// Decodes the raw query string ourselves: repeated `category` keys and
/// per-parameter errors are beyond a derived `Query<T>`.
pub fn parse_query(raw: Option<&str>) -> AppResult<LocationQuery> {
    let pairs =
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).filter(|(k, _)| !k.is_empty());
    Ok(LocationQuery::from_pairs(pairs)?)
}

#[tracing::instrument(level = "debug", skip(state, headers))]
async fn list_locations(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let query = parse_query(raw.as_deref())?;
    list(&state, query).await?.0.respond_public(&headers).await
}

/// The map's points: the list's answer for the same filters, in columns
/// (built from it once per version of the list).
#[tracing::instrument(level = "debug", skip(state, headers))]
async fn map_points(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let query = parse_query(raw.as_deref())?;
    let key = format!("points?{}", query.to_query_string());
    let state = &state;
    state
        .reads
        .respond(&key, &headers, || async move {
            let (_, list) = list(state, query).await?;
            Ok(LocationPoints::from_summaries(&list.locations))
        })
        .await
}

/// The list's answer for `query`, from memory when current.
async fn list(
    state: &AppState,
    query: LocationQuery,
) -> AppResult<(
    std::sync::Arc<crate::read_model::Answer>,
    std::sync::Arc<LocationList>,
)> {
    let area_level = match &query.area {
        Some(code) => {
            state
                .areas
                .find(code)
                .ok_or_else(|| AppError::invalid("area", "error.query.unknown_area"))?;
            AreaLevel::of_code(code)
        }
        None => None,
    };
    // Keyed by the canonical query: equal filters share one answer.
    let key = format!("locations?{}", query.to_query_string());
    let db = &state.db;
    let query = &query;
    state
        .reads
        .get_from(
            &key,
            |previous: Option<Previous<LocationList>>, generation| async move {
                // After reservations and expiries at a few places, only those
                // are read again (the whole list costs the aggregate of every
                // need: tens of milliseconds per rebuild under a crowd).
                if let Some(previous) = previous
                    && let Some(places) =
                        crate::log::places_changed(previous.generation, generation)
                    && places.len() <= PATCH_MAX
                {
                    let fresh = store::list_of(db, query, area_level, Some(&places)).await?;
                    return Ok(LocationList {
                        locations: patched(&previous.data.locations, &places, fresh),
                    });
                }
                Ok(LocationList {
                    locations: store::list(db, query, area_level).await?,
                })
            },
        )
        .await
}

/// Most changed places for which a list is patched rather than read again.
const PATCH_MAX: usize = 256;

/// `list` (ordered by id) with the entries of `places` (sorted) replaced by
/// `fresh` (ordered by id; a place that no longer passes the filter is
/// simply absent from it).
fn patched(
    list: &[LocationSummary],
    places: &[i64],
    fresh: Vec<LocationSummary>,
) -> Vec<LocationSummary> {
    let mut out = Vec::with_capacity(list.len() + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for kept in list.iter().filter(|l| places.binary_search(&l.id).is_err()) {
        while let Some(f) = fresh.next_if(|f| f.id < kept.id) {
            out.push(f);
        }
        out.push(kept.clone());
    }
    out.extend(fresh);
    out
}

#[tracing::instrument(level = "debug", skip(state, headers))]
async fn get_location(
    State(state): State<AppState>,
    // Taking the rejection too: a path that is not even UTF-8 still gets our envelope.
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = crate::query::path_id(id, "error.path.invalid_id")?;
    let state = &state;
    state
        .reads
        .respond(&format!("locations/{id}"), &headers, || async move {
            detail(state, id).await
        })
        .await
}

/// One location with its needs, as the public sees it.
pub async fn detail(state: &AppState, id: i64) -> AppResult<LocationDetail> {
    let row = store::get(&state.db, id).await?.ok_or(AppError::NotFound {
        key: "error.location_not_found",
    })?;
    let needs = store::needs(&state.db, id, row.headcount()?).await?;
    row.into_detail(&state.areas, needs)
}

#[cfg(test)]
mod tests {
    use kolaborasi_shared::{Category, LocationSummary};

    use super::patched;

    fn place(id: i64, name: &str) -> LocationSummary {
        LocationSummary {
            id,
            name: name.to_owned(),
            category: Category::RwPrioritas,
            area: "3171010001".to_owned(),
            lat: -6.2,
            lon: 106.8,
            headcount: 10,
            remaining_percent: Some(100),
            received_percent: None,
            last_delivered_on: None,
            open_reports: 0,
        }
    }

    #[test]
    fn a_patched_list_replaces_changed_places_in_id_order() {
        let list = vec![place(1, "a"), place(3, "c"), place(5, "e"), place(7, "g")];
        // 3 changed, 5 left the filter, 4 and 9 entered it.
        let fresh = vec![place(3, "c2"), place(4, "d"), place(9, "i")];
        let out = patched(&list, &[3, 4, 5, 9], fresh);
        let got: Vec<(i64, &str)> = out.iter().map(|l| (l.id, l.name.as_str())).collect();
        assert_eq!(got, [(1, "a"), (3, "c2"), (4, "d"), (7, "g"), (9, "i")]);
        // Nothing changed: the same list.
        assert_eq!(patched(&list, &[], Vec::new()), list);
    }
}
