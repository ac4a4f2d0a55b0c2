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

/// Files of the offline shell that keep their name from release to release:
/// the service worker script and the web app manifest. Like HTML they must
/// be revalidated, or a phone would keep an old release's worker for a day.
const UNHASHED: [&str; 2] = ["/sw.js", "/manifest.webmanifest"];

/// HTML must be revalidated so a new release is picked up at once, and so
/// must the [`UNHASHED`] shell files; Trunk puts a content hash in every
/// other asset's name, so those can be kept.
async fn cache_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // The manifest's registered type, whatever the MIME table says (unless
    // the file is missing and the fallback answered with the HTML shell).
    if path.ends_with(".webmanifest") && !is_html && res.status().is_success() {
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    let value = if is_html || UNHASHED.contains(&path.as_str()) {
        "no-cache"
    } else {
        "public, max-age=86400"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}
