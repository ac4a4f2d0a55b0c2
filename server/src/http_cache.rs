//! Conditional GET: list responses carry a weak ETag over their JSON body and
//! answer a matching `If-None-Match` with 304, so a phone revalidating its
//! cached copy downloads nothing when nothing changed.

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// A JSON body and its ETag, computed once.
#[derive(Debug, Clone)]
pub struct TaggedJson {
    body: Bytes,
    etag: HeaderValue,
}

impl TaggedJson {
    pub fn new<T: Serialize>(value: &T) -> Result<Self, AppError> {
        let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.to_string()))?;
        let digest = Sha256::digest(&body);
        let hex = digest[..16].iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        // Weak: the compression layer may re-encode the bytes on the wire.
        let etag = HeaderValue::from_str(&format!("W/\"{hex}\""))
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Self {
            body: body.into(),
            etag,
        })
    }

    /// 304 when the client already holds this version, else the body.
    pub fn respond(&self, request_headers: &HeaderMap) -> Response {
        let cache = HeaderValue::from_static("no-cache");
        if matches_if_none_match(request_headers, &self.etag) {
            return (
                StatusCode::NOT_MODIFIED,
                [
                    (header::ETAG, self.etag.clone()),
                    (header::CACHE_CONTROL, cache),
                ],
            )
                .into_response();
        }
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::ETAG, self.etag.clone()),
                // Always revalidate: cheap thanks to the ETag, never stale.
                (header::CACHE_CONTROL, cache),
            ],
            Body::from(self.body.clone()),
        )
            .into_response()
    }
}

/// Weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored, `*` matches.
pub(crate) fn matches_if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let strip = |s: &str| s.trim().trim_start_matches("W/").to_owned();
    let ours = strip(etag.to_str().unwrap_or_default());
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| candidate.trim() == "*" || strip(candidate) == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_static(v));
            matches_if_none_match(&h, &etag)
        };
        assert!(with("W/\"abc\""));
        assert!(with("\"abc\""));
        assert!(with("\"x\", W/\"abc\""));
        assert!(with("*"));
        assert!(!with("\"abd\""));
        assert!(!matches_if_none_match(&HeaderMap::new(), &etag));
    }
}
