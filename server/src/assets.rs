//! The built client's files, held in memory with their build-time brotli
//! and gzip copies, so a crowd of first visits costs no disk reads and no
//! compression: each request picks the copy the client accepts and sends
//! those bytes. Read once at start; a file that changes on disk afterwards
//! (a new build under a running server) is served from disk instead, so a
//! stale copy is never sent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use crate::http_cache::{content_tag, matches_if_none_match};
use crate::read_model::Encoding;

/// Files larger than this stay on disk (none of the client's are).
const MAX_FILE: u64 = 16 * 1024 * 1024;
/// All files together at most this.
const MAX_TOTAL: u64 = 128 * 1024 * 1024;

struct Asset {
    source: PathBuf,
    modified: Option<SystemTime>,
    content_type: HeaderValue,
    etag: HeaderValue,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// The client's files by URL path (`/kolaborasi-….wasm`).
#[derive(Default)]
pub struct Assets {
    files: HashMap<String, Asset>,
}

impl Assets {
    /// Reads every file under `dir` (but not into sub-directories' depths
    /// beyond the client's own layout), with its `.br` and `.gz` siblings.
    #[must_use]
    pub fn load(dir: &Path) -> Self {
        let mut assets = Self::default();
        let mut total = 0;
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    pending.push(path);
                    continue;
                }
                let name = path.to_string_lossy();
                if name.ends_with(".br") || name.ends_with(".gz") || meta.len() > MAX_FILE {
                    continue;
                }
                let Ok(identity) = std::fs::read(&path) else {
                    continue;
                };
                let sibling = |ext: &str| {
                    std::fs::read(format!("{}.{ext}", path.display()))
                        .ok()
                        .map(Bytes::from)
                };
                let (brotli, gzip) = (sibling("br"), sibling("gz"));
                total += identity.len() as u64
                    + brotli.as_ref().map_or(0, |b| b.len() as u64)
                    + gzip.as_ref().map_or(0, |b| b.len() as u64);
                if total > MAX_TOTAL {
                    tracing::warn!(
                        "the client's files exceed the memory bound; the rest is served from disk"
                    );
                    return assets;
                }
                let Ok(relative) = path.strip_prefix(dir) else {
                    continue;
                };
                let url = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
                let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", content_tag(&identity)))
                else {
                    continue;
                };
                assets.files.insert(
                    url,
                    Asset {
                        source: path.clone(),
                        modified: meta.modified().ok(),
                        content_type: HeaderValue::from_static(content_type(&path)),
                        etag,
                        identity: identity.into(),
                        brotli,
                        gzip,
                    },
                );
            }
        }
        assets
    }

    /// The file's response, or `None` to let the disk server answer (not
    /// held, changed since start, a range request, not a GET or HEAD).
    #[must_use]
    pub fn respond(&self, method: &Method, path: &str, request: &HeaderMap) -> Option<Response> {
        if !(method == Method::GET || method == Method::HEAD) || request.contains_key(header::RANGE)
        {
            return None;
        }
        let asset = self.files.get(path)?;
        // Hashed names never change; the others are checked against the disk.
        if !crate::spa::has_content_hash(path) {
            let now = std::fs::metadata(&asset.source)
                .and_then(|m| m.modified())
                .ok();
            if now != asset.modified {
                return None;
            }
        }
        let mut response = if matches_if_none_match(request, &asset.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let (brotli, gzip) = Encoding::accepted(request);
            let (encoding, body) = match (&asset.brotli, &asset.gzip) {
                (Some(b), _) if brotli => (Some("br"), b.clone()),
                (_, Some(g)) if gzip => (Some("gzip"), g.clone()),
                _ => (None, asset.identity.clone()),
            };
            let length = body.len();
            let mut response = if method == Method::HEAD {
                Response::new(Body::empty())
            } else {
                Response::new(Body::from(body))
            };
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
            if let Some(encoding) = encoding {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, asset.content_type.clone());
        headers.insert(header::ETAG, asset.etag.clone());
        Some(response)
    }
}

/// The client's file types; anything else is bytes.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}
