//! JSON request bodies with our error envelope: 415 when the body is not
//! declared as JSON, 413 when it is larger than [`BODY_LIMIT`], 400 when it
//! does not parse into the expected shape. Requiring `application/json`
//! also means a cross-site HTML form can never submit to the API (such a
//! request needs a CORS preflight this server never grants).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Largest request body the API reads. A commitment is well under 2 KiB.
pub const BODY_LIMIT: usize = 16 * 1024;

/// A parsed JSON body.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else if crate::conn::is_too_slow(&e) {
                AppError::TooSlow
            } else {
                // The client went away or sent a broken body.
                AppError::invalid("body", "error.body.malformed")
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| AppError::invalid("body", "error.body.malformed"))
    }
}
