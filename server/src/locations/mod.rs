//! `GET /api/v1/locations` (the map's compact list) and
//! `GET /api/v1/locations/{id}` (one location, public fields only).

mod model;
pub mod store;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use http::HeaderMap;
use kolaborasi_shared::{AreaLevel, LocationDetail, LocationList, LocationQuery};

pub use model::NewLocation;

use crate::error::{AppError, AppResult};
use crate::http_cache::TaggedJson;
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
    crate::commitments::expiry::release_due(&state.db, None).await?;
    let locations = store::list(&state.db, &query, area_level).await?;
    Ok(TaggedJson::new(&LocationList { locations })?.respond(&headers))
}

#[tracing::instrument(skip(state))]
async fn get_location(
    State(state): State<AppState>,
    // Taking the rejection too: a path that is not even UTF-8 still gets our envelope.
    id: Result<Path<String>, PathRejection>,
) -> AppResult<Json<LocationDetail>> {
    let id = crate::query::path_id(id, "error.path.invalid_id")?;
    // Reservations past their time are returned before anyone reads them,
    // even when the background sweep is not running.
    crate::commitments::expiry::release_due(&state.db, Some(id)).await?;
    let row = store::get(&state.db, id).await?.ok_or(AppError::NotFound {
        key: "error.location_not_found",
    })?;
    let needs = store::needs(&state.db, id, row.headcount()?).await?;
    Ok(Json(row.into_detail(&state.areas, needs)?))
}
