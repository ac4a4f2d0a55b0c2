//! Serves the built web client. Any path that is not a file gets
//! `index.html`, so deep links such as `/lokasi/12` work on reload.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use http::{HeaderValue, header};
use tower_http::services::{ServeDir, ServeFile};

pub fn router(static_dir: &Path) -> Router {
    let index = static_dir.join("index.html");
    if !index.exists() {
        tracing::warn!(
            path = %index.display(),
            "web client not built: run `cargo xtask run` (or `trunk build --release`)"
        );
    }
    let files = ServeDir::new(static_dir).fallback(ServeFile::new(index));
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
}

/// HTML must be revalidated so a new release is picked up at once; Trunk
/// puts a content hash in every other asset's name, so those can be kept.
async fn cache_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let value = if is_html {
        "no-cache"
    } else {
        "public, max-age=86400"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}
