//! The versioned JSON API under `/api/v1`. Unknown routes and methods under
//! `/api` answer with the JSON error envelope, never the web client's HTML.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::HeaderMap;

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let v1 = Router::new()
        .route("/areas", get(areas))
        .route("/config", get(config))
        .merge(crate::locations::router())
        .merge(crate::catalogue::router())
        .merge(crate::commitments::router())
        .merge(crate::accounts::router())
        .merge(crate::log::router())
        .merge(crate::stats::router())
        .merge(crate::export::router())
        .merge(crate::openapi::router())
        .merge(crate::staff::router())
        .merge(crate::deliveries::router())
        .merge(crate::reports::router())
        .method_not_allowed_fallback(method_not_allowed);
    Router::new().nest("/v1", v1).fallback(route_not_found)
}

async fn areas(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> crate::error::AppResult<Response> {
    state.areas_json.respond(&headers).await
}

/// Public and small: revalidated, unlike the private answers' `no-store`.
async fn config(State(state): State<AppState>) -> Response {
    (
        [(http::header::CACHE_CONTROL, "no-cache")],
        Json((*state.client_config).clone()),
    )
        .into_response()
}

pub async fn route_not_found() -> AppError {
    AppError::NotFound {
        key: "error.route_not_found",
    }
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
