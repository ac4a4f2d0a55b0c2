//! The read model: what anonymous visitors read (the map list for each
//! filter, a place, programs, breakdowns, the directory, the log head) is
//! built once per version of the public data, serialised once, compressed
//! once (brotli and gzip), and then served from memory.
//!
//! - **Version.** `log::generation()` moves after every public change
//!   committed by this process and every one another instance announced
//!   (see `log::announce`). A request is answered with an answer whose
//!   database reads began at or after the version it saw on arrival, so a
//!   change acknowledged before a request started is in its answer.
//! - **Expiry.** Reservations are returned by the background sweeper at the
//!   earliest expiry (`commitments::expiry::Schedule`); a read that arrives
//!   at or after that time waits for the sweep instead of writing itself.
//!   No public read writes to the database.
//! - **One build at a time.** Requests for an answer being built wait for
//!   it and take it, rather than all querying the database (a crowd after a
//!   change), or each rebuilding in turn while changes keep coming.
//! - **Bounded.** Answers are dropped least recently used first when their
//!   bytes exceed the budget or their number exceeds [`MAX_ANSWERS`].
//! - **Conditional GET.** The `ETag` is a hash of the JSON, so an unchanged
//!   answer keeps it across versions and instances; a matching
//!   `If-None-Match` gets 304 from memory.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::commitments::expiry::Schedule;
use crate::error::{AppError, AppResult};
use crate::http_cache::{content_tag, matches_if_none_match};
use crate::log;

/// At most this many answers are kept, whatever their size (each distinct
/// map filter or directory page is one).
pub const MAX_ANSWERS: usize = 2048;

/// Brotli quality for answers: a fraction of quality 11's time, most of
/// its gain on JSON.
const BROTLI_QUALITY: i32 = 5;
const GZIP_LEVEL: u32 = 6;

/// Public answers held in memory, per key (route and canonical query).
pub struct ReadModel {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    /// Bytes held by all answers (JSON and both compressed copies).
    bytes: AtomicUsize,
    budget: usize,
    clock: AtomicU64,
    schedule: Arc<Schedule>,
}

#[derive(Default)]
struct Slot {
    answer: Mutex<Option<Arc<Answer>>>,
    building: tokio::sync::Mutex<()>,
    used: AtomicU64,
}

impl Slot {
    /// The answer if it was built from reads that began at or after
    /// `generation`: it then holds every change announced before that.
    fn since(&self, generation: u64) -> Option<Arc<Answer>> {
        self.answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(|a| a.generation >= generation)
    }
}

/// One answer as it is sent: the body, its compressed copies, its tag.
pub struct Answer {
    generation: u64,
    content_type: &'static str,
    etag: HeaderValue,
    json: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

impl Answer {
    /// An answer that never changes (the area tree), compressed once at start.
    pub fn fixed<T: Serialize>(value: &T) -> AppResult<Self> {
        let json = serde_json::to_vec(value).map_err(AppError::internal)?;
        Self::new(0, "application/json", json)
    }

    fn new(generation: u64, content_type: &'static str, json: Vec<u8>) -> AppResult<Self> {
        // Weak: the same content may be sent in three encodings.
        let etag = HeaderValue::from_str(&format!("W/\"{}\"", content_tag(&json)))
            .map_err(AppError::internal)?;
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 6),
            flate2::Compression::new(GZIP_LEVEL),
        );
        gz.write_all(&json).map_err(AppError::internal)?;
        let gzip = gz.finish().map_err(AppError::internal)?;
        let mut brotli = Vec::with_capacity(json.len() / 8);
        let params = brotli::enc::BrotliEncoderParams {
            quality: BROTLI_QUALITY,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &json[..], &mut brotli, &params).map_err(AppError::internal)?;
        Ok(Self {
            generation,
            content_type,
            etag,
            json: json.into(),
            gzip: gzip.into(),
            brotli: brotli.into(),
        })
    }

    fn size(&self) -> usize {
        self.json.len() + self.gzip.len() + self.brotli.len()
    }

    /// 304 when the client holds this answer, else the best encoding it accepts.
    #[must_use]
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let mut response = if matches_if_none_match(request, &self.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let (encoding, body) = match Encoding::preferred(request) {
                Encoding::Brotli => (Some("br"), self.brotli.clone()),
                Encoding::Gzip => (Some("gzip"), self.gzip.clone()),
                Encoding::Identity => (None, self.json.clone()),
            };
            let mut response = Body::from(body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if let Some(encoding) = encoding {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, self.etag.clone());
        // Always revalidate: cheap thanks to the ETag, never stale.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }
}

impl ReadModel {
    /// `budget`: bytes of answers kept at most (a single answer larger than
    /// the budget is still served, and dropped when the next one is built).
    #[must_use]
    pub fn new(budget: usize, schedule: Arc<Schedule>) -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            bytes: AtomicUsize::new(0),
            budget,
            clock: AtomicU64::new(0),
            schedule,
        }
    }

    /// The answer for `key`, from memory when it is current, else built by
    /// `build` (once, however many requests are waiting for it).
    pub async fn respond<T, F, Fut>(
        &self,
        key: &str,
        request: &HeaderMap,
        build: F,
    ) -> AppResult<Response>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        Ok(self.get(key, build).await?.respond(request))
    }

    pub async fn get<T, F, Fut>(&self, key: &str, build: F) -> AppResult<Arc<Answer>>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.get_bytes(key, "application/json", || async {
            serde_json::to_vec(&build().await?).map_err(AppError::internal)
        })
        .await
    }

    /// Like [`Self::get`], for an answer that is already bytes (an HTML page).
    pub async fn get_bytes<F, Fut>(
        &self,
        key: &str,
        content_type: &'static str,
        build: F,
    ) -> AppResult<Arc<Answer>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<Vec<u8>>>,
    {
        // Reservations due by now are returned (by the sweeper) first.
        self.schedule.settled().await;
        let slot = self.slot(key);
        // What this request must see: every change announced before it came.
        let arrived = log::generation();
        if let Some(answer) = slot.since(arrived) {
            return Ok(answer);
        }
        let _building = slot.building.lock().await;
        // Whoever built while this request waited built from reads that
        // began after it arrived: that answer will do. Without this, under
        // a stream of changes every waiter would rebuild in turn (a convoy
        // that kept some map-list requests waiting for seconds).
        if let Some(answer) = slot.since(arrived) {
            return Ok(answer);
        }
        // Read before the database is: a change committed after this point
        // moves it, and the answer built now is not used again.
        let generation = log::generation();
        let body = build().await?;
        let answer = Arc::new(
            tokio::task::spawn_blocking(move || Answer::new(generation, content_type, body))
                .await
                .map_err(AppError::internal)??,
        );
        let old = slot
            .answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(answer.clone());
        self.bytes.fetch_add(answer.size(), Ordering::Relaxed);
        if let Some(old) = old {
            self.bytes.fetch_sub(old.size(), Ordering::Relaxed);
        }
        self.evict(key);
        Ok(answer)
    }

    /// Bytes held now (JSON and compressed copies of every answer).
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    fn slot(&self, key: &str) -> Arc<Slot> {
        let tick = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = match slots.get(key) {
            Some(slot) => slot.clone(),
            None => slots.entry(key.to_owned()).or_default().clone(),
        };
        slot.used.store(tick, Ordering::Relaxed);
        slot
    }

    /// Drops the least recently used answers until within bounds, never `keep`.
    fn evict(&self, keep: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.len() <= MAX_ANSWERS && self.bytes() <= self.budget {
            return;
        }
        let mut by_age: Vec<(u64, String)> = slots
            .iter()
            .filter(|(k, _)| k.as_str() != keep)
            .map(|(k, s)| (s.used.load(Ordering::Relaxed), k.clone()))
            .collect();
        by_age.sort_unstable();
        for (_, key) in by_age {
            if slots.len() <= MAX_ANSWERS && self.bytes() <= self.budget {
                break;
            }
            if let Some(slot) = slots.remove(&key)
                && let Some(answer) = slot
                    .answer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
            {
                self.bytes.fetch_sub(answer.size(), Ordering::Relaxed);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// Brotli when accepted, else gzip, else none (`q=0` refuses one).
    pub(crate) fn preferred(headers: &HeaderMap) -> Self {
        match Self::accepted(headers) {
            (true, _) => Self::Brotli,
            (false, true) => Self::Gzip,
            _ => Self::Identity,
        }
    }

    /// Whether brotli and gzip are accepted.
    pub(crate) fn accepted(headers: &HeaderMap) -> (bool, bool) {
        let mut brotli = false;
        let mut gzip = false;
        for item in headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
        {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match name.as_str() {
                "br" => brotli = true,
                "gzip" | "x-gzip" => gzip = true,
                "*" => {
                    brotli = true;
                    gzip = true;
                }
                _ => {}
            }
        }
        (brotli, gzip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: header::HeaderName, v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn encoding_prefers_brotli_and_honours_refusals() {
        let e = |v| Encoding::preferred(&with(header::ACCEPT_ENCODING, v));
        assert_eq!(e("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(e("gzip"), Encoding::Gzip);
        assert_eq!(e("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(e("identity"), Encoding::Identity);
        assert_eq!(e("*"), Encoding::Brotli);
        assert_eq!(Encoding::preferred(&HeaderMap::new()), Encoding::Identity);
    }

    #[tokio::test]
    async fn an_answer_is_built_once_per_generation_and_evicted_by_age() {
        let model = ReadModel::new(1, Schedule::new());
        let builds = std::sync::atomic::AtomicUsize::new(0);
        let build = || async {
            builds.fetch_add(1, Ordering::SeqCst);
            Ok(vec![1, 2, 3])
        };
        let first = model.get("a", build).await.unwrap();
        let again = model.get("a", build).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again), "a current answer is reused");
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        log::announce();
        let _ = model.get("a", build).await.unwrap();
        assert_eq!(
            builds.load(Ordering::SeqCst),
            2,
            "a new generation rebuilds"
        );
        // Over the (one-byte) budget: building "b" drops "a".
        let _ = model.get("b", build).await.unwrap();
        assert!(model.slots.lock().unwrap().get("a").is_none());
        assert_eq!(
            model.bytes(),
            model.slots.lock().unwrap()["b"]
                .answer
                .lock()
                .unwrap()
                .as_ref()
                .unwrap()
                .size()
        );
    }
}
