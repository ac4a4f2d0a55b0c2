//! `GET /api/v1/locations` (the map's compact list) and
//! `GET /api/v1/locations/{id}` (one location, public fields only).

mod model;
pub mod store;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use http::HeaderMap;
use kolaborasi_shared::{AreaLevel, LocationDetail, LocationList, LocationQuery};

pub use model::NewLocation;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/locations", get(list_locations))
        .route("/locations/{id}", get(get_location))
}

/// Decodes the raw query string ourselves: repeated `category` keys and
/// per-parameter errors are beyond a derived `Query<T>`.
pub fn parse_query(raw: Option<&str>) -> AppResult<LocationQuery> {
    let pairs =
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).filter(|(k, _)| !k.is_empty());
    Ok(LocationQuery::from_pairs(pairs)?)
}

#[tracing::instrument(skip(state, headers))]
async fn list_locations(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let query = parse_query(raw.as_deref())?;
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
    state
        .reads
        .respond(&key, &headers, || async {
            Ok(LocationList {
                locations: store::list(db, &query, area_level).await?,
            })
        })
        .await
}

#[tracing::instrument(skip(state, headers))]
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
