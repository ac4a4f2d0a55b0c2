//! The read model: what anonymous visitors read (the map list for each
//! filter, a place, programs, breakdowns, the directory, the log head) is
//! built once per version of the public data, serialised once, compressed
//! once per encoding a client asks for (brotli, gzip; an answer whose JSON
//! did not change keeps its compressed copies), and then served from memory.
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

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;

use tokio::sync::OnceCell;

use crate::commitments::expiry::Schedule;
use crate::error::{AppError, AppResult};
use crate::http_cache::{content_tag, matches_if_none_match};
use crate::log;

/// At most this many answers are kept, whatever their size (each distinct
/// map filter or directory page is one).
pub const MAX_ANSWERS: usize = 2048;

/// At most this many URLs are remembered for the front (several URLs may
/// name one answer: parameters in another order, a trailing `&`).
pub const MAX_URLS: usize = 4 * MAX_ANSWERS;

/// Brotli quality for answers: a fraction of quality 11's time, most of
/// its gain on JSON. Gzip at its best level: with the zlib-rs backend it
/// takes less time than level 6 did with `miniz_oxide`, for smaller output
/// (the 1,500-place list: 6.4 ms and 40.2 KB against 11.2 ms and 40.6 KB).
const BROTLI_QUALITY: i32 = 5;
const GZIP_LEVEL: u32 = 9;

/// Under a stream of changes — a crowd committing while a crowd reads — a
/// large answer that replaced one younger than [`SETTLED`] is first
/// compressed fast (these levels: gzip 2 a quarter of level 9's time and
/// 40 % larger, brotli 1 a third of quality 5's time, a fifth larger), so
/// readers do not queue behind compressions of answers that live for
/// milliseconds. One still alive [`SETTLED`] later is compressed again at
/// the full levels above, once, in the background, and then sent that way.
/// At rest, answers are compressed at the full levels at once.
const QUICK_BROTLI_QUALITY: i32 = 1;
const QUICK_GZIP_LEVEL: u32 = 2;
const SETTLED: std::time::Duration = std::time::Duration::from_millis(500);

/// Public answers held in memory, per key (route and canonical query).
pub struct ReadModel {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    /// The slot each public URL was last answered from (see
    /// [`Answer::respond_public`] and `front.rs`); cleared when it holds
    /// [`MAX_URLS`].
    urls: RwLock<HashMap<Box<str>, Public>>,
    /// Requests [`Self::respond_current`] answered (for tests).
    front_hits: AtomicU64,
    /// Bytes held by all answers alive (JSON and compressed copies).
    bytes: Arc<AtomicUsize>,
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

/// One answer as it is sent: the body, its compressed copies (each made
/// when a client first asks for it), its tag.
pub struct Answer {
    generation: u64,
    /// The slot it was built for (none for a fixed answer).
    slot: Weak<Slot>,
    content_type: &'static str,
    etag: HeaderValue,
    json: Bytes,
    gzip: OnceCell<Bytes>,
    brotli: OnceCell<Bytes>,
    /// When it was made, and whether it replaced an answer younger than
    /// [`SETTLED`] (then its large copies are first made quickly).
    born: std::time::Instant,
    busy: bool,
    /// The copies compressed again at the full levels, for a large answer
    /// that lasted (see [`SETTLED`]); sent instead of the first ones.
    gzip_settled: std::sync::OnceLock<Bytes>,
    brotli_settled: std::sync::OnceLock<Bytes>,
    /// The byte count of the model holding it: this answer's bytes are in
    /// it while the answer lives (none for a fixed answer).
    counted: Option<Arc<AtomicUsize>>,
    /// The value it was serialised from, kept for a builder that brings it
    /// up to date ([`ReadModel::respond_from`]); counted as its JSON's size.
    data: Option<Arc<dyn Any + Send + Sync>>,
}

/// Put in a response by [`Answer::respond_public`]: the answer depends on
/// the URL alone (for a page: the URL, the language and the host, which
/// the front keys it by), and the front may answer that URL from its slot.
#[derive(Clone)]
pub struct Public {
    slot: Weak<Slot>,
    /// A header the layers behind the handler add to a 200 (a page's policy).
    header: Option<(header::HeaderName, HeaderValue)>,
    /// Whether what the answer was made from besides the data is still
    /// current (a page: the client's build).
    current: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
}

impl Public {
    /// The front adds `name: value` to its 200s of this answer.
    pub fn with_header(&mut self, name: header::HeaderName, value: HeaderValue) {
        self.header = Some((name, value));
    }

    /// The front answers only while `current` holds.
    pub fn while_current(&mut self, current: Arc<dyn Fn() -> bool + Send + Sync>) {
        self.current = Some(current);
    }
}

/// An earlier answer's value and the generation its reads began after.
pub struct Previous<T> {
    pub generation: u64,
    pub data: Arc<T>,
}

/// What a builder makes: the body, and the value to keep beside it.
type Built = (Vec<u8>, Option<Arc<dyn Any + Send + Sync>>);

/// A compressor of answers.
type Compress = fn(&[u8]) -> AppResult<Bytes>;

/// An encoding's first and settled copies, its full and quick compressors.
type Copies<'a> = (
    &'a OnceCell<Bytes>,
    &'a std::sync::OnceLock<Bytes>,
    Compress,
    Compress,
);

/// Below this size an answer is compressed on the request's own thread.
const INLINE_COMPRESS: usize = 16 * 1024;

fn gzip_at(json: &[u8], level: u32) -> AppResult<Bytes> {
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 6),
        flate2::Compression::new(level),
    );
    gz.write_all(json).map_err(AppError::internal)?;
    Ok(gz.finish().map_err(AppError::internal)?.into())
}

fn brotli_at(json: &[u8], quality: i32) -> AppResult<Bytes> {
    let mut out = Vec::with_capacity(json.len() / 8);
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &json[..], &mut out, &params).map_err(AppError::internal)?;
    Ok(out.into())
}

fn gzip(json: &[u8]) -> AppResult<Bytes> {
    gzip_at(json, GZIP_LEVEL)
}

fn brotli(json: &[u8]) -> AppResult<Bytes> {
    brotli_at(json, BROTLI_QUALITY)
}

fn quick_gzip(json: &[u8]) -> AppResult<Bytes> {
    gzip_at(json, QUICK_GZIP_LEVEL)
}

fn quick_brotli(json: &[u8]) -> AppResult<Bytes> {
    brotli_at(json, QUICK_BROTLI_QUALITY)
}

impl Answer {
    /// An answer that never changes (the area tree), compressed at start.
    pub fn fixed<T: Serialize>(value: &T) -> AppResult<Arc<Self>> {
        let json = serde_json::to_vec(value).map_err(AppError::internal)?;
        let answer = Self::new(0, "application/json", (json, None), None, None, Weak::new())?;
        answer
            .gzip
            .set(gzip(&answer.json)?)
            .map_err(AppError::internal)?;
        answer
            .brotli
            .set(brotli(&answer.json)?)
            .map_err(AppError::internal)?;
        Ok(Arc::new(answer))
    }

    /// `previous`: the answer this one replaces; when its JSON is the same,
    /// its compressed copies are taken over.
    fn new(
        generation: u64,
        content_type: &'static str,
        (json, data): Built,
        previous: Option<&Self>,
        counted: Option<Arc<AtomicUsize>>,
        slot: Weak<Slot>,
    ) -> AppResult<Self> {
        // Weak: the same content may be sent in three encodings.
        let etag = HeaderValue::from_str(&format!("W/\"{}\"", content_tag(&json)))
            .map_err(AppError::internal)?;
        let same = previous.filter(|p| p.json[..] == json[..]);
        let answer = Self {
            generation,
            slot,
            content_type,
            etag,
            json: json.into(),
            // The best copy the previous one had.
            gzip: OnceCell::new_with(
                same.and_then(|p| p.gzip_settled.get().or_else(|| p.gzip.get()).cloned()),
            ),
            brotli: OnceCell::new_with(
                same.and_then(|p| p.brotli_settled.get().or_else(|| p.brotli.get()).cloned()),
            ),
            born: std::time::Instant::now(),
            busy: previous.is_some_and(|p| p.born.elapsed() < SETTLED),
            gzip_settled: std::sync::OnceLock::new(),
            brotli_settled: std::sync::OnceLock::new(),
            counted,
            data,
        };
        if let Some(c) = &answer.counted {
            c.fetch_add(answer.size(), Ordering::Relaxed);
        }
        Ok(answer)
    }

    fn size(&self) -> usize {
        self.json.len() * if self.data.is_some() { 2 } else { 1 }
            + self.gzip.get().map_or(0, Bytes::len)
            + self.brotli.get().map_or(0, Bytes::len)
            + self.gzip_settled.get().map_or(0, Bytes::len)
            + self.brotli_settled.get().map_or(0, Bytes::len)
    }

    /// The body in `encoding`, compressed now if no client asked for it
    /// before (once, however many ask at the same time): at the full level,
    /// unless it is large and changes keep coming (see [`SETTLED`]).
    async fn encoded(self: &Arc<Self>, encoding: Encoding) -> AppResult<Bytes> {
        let Some((cell, settled, compress, quick)) = self.copies(encoding) else {
            return Ok(self.json.clone());
        };
        if let Some(best) = settled.get() {
            return Ok(best.clone());
        }
        let hurried = self.busy && self.json.len() >= INLINE_COMPRESS;
        let mut first = false;
        let bytes = cell
            .get_or_try_init(|| async {
                first = true;
                let json = self.json.clone();
                let now = if hurried { quick } else { compress };
                let bytes = if json.len() < INLINE_COMPRESS {
                    now(&json)?
                } else {
                    tokio::task::spawn_blocking(move || now(&json))
                        .await
                        .map_err(AppError::internal)??
                };
                self.count(bytes.len());
                Ok::<_, AppError>(bytes)
            })
            .await?
            .clone();
        if first && hurried {
            self.settle_later(encoding);
        }
        Ok(bytes)
    }

    /// The first and the settled copy in `encoding` and the full and quick
    /// compressors that make them (`None`: the plain body).
    fn copies(&self, encoding: Encoding) -> Option<Copies<'_>> {
        match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some((&self.gzip, &self.gzip_settled, gzip, quick_gzip)),
            Encoding::Brotli => Some((&self.brotli, &self.brotli_settled, brotli, quick_brotli)),
        }
    }

    fn count(&self, bytes: usize) {
        if let Some(c) = &self.counted {
            c.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// Compresses again at the full level once [`SETTLED`] has passed, if
    /// the answer is still alive then (still the current one, or being
    /// sent).
    fn settle_later(self: &Arc<Self>, encoding: Encoding) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(SETTLED).await;
            let Some(answer) = weak.upgrade() else {
                return;
            };
            let Some((_, settled, full, _)) = answer.copies(encoding) else {
                return;
            };
            let json = answer.json.clone();
            let Ok(Ok(bytes)) = tokio::task::spawn_blocking(move || full(&json)).await else {
                return;
            };
            let len = bytes.len();
            if settled.set(bytes).is_ok() {
                answer.count(len);
            }
        });
    }

    /// 304 when the client holds this answer, else the best encoding it accepts.
    pub async fn respond(self: &Arc<Self>, request: &HeaderMap) -> AppResult<Response> {
        if let Some(response) = self.respond_now(request) {
            return Ok(response);
        }
        let preferred = Encoding::preferred(request);
        let body = self.encoded(preferred).await?;
        Ok(self.response(Some((body, preferred))))
    }

    /// [`Self::respond`] for an answer that depends on nothing but the
    /// URL (no header but `Accept-Encoding` and `If-None-Match`, no
    /// session; a page also the language and the host): the front may
    /// then answer the same URL from memory.
    pub async fn respond_public(self: &Arc<Self>, request: &HeaderMap) -> AppResult<Response> {
        let mut response = self.respond(request).await?;
        response.extensions_mut().insert(Public {
            slot: self.slot.clone(),
            header: None,
            current: None,
        });
        Ok(response)
    }

    /// [`Self::respond`] when it needs no compression first (the client
    /// holds the answer, or the copy it accepts is made).
    pub fn respond_now(&self, request: &HeaderMap) -> Option<Response> {
        if matches_if_none_match(request, &self.etag) {
            return Some(self.response(None));
        }
        let preferred = Encoding::preferred(request);
        let body = match self.copies(preferred) {
            None => self.json.clone(),
            Some((first, settled, _, _)) => settled.get().or_else(|| first.get())?.clone(),
        };
        Some(self.response(Some((body, preferred))))
    }

    /// A 200 with `body` in its encoding, or a 304 (`None`).
    fn response(&self, body: Option<(Bytes, Encoding)>) -> Response {
        let mut response = match body {
            None => StatusCode::NOT_MODIFIED.into_response(),
            Some((body, encoding)) => {
                let mut response = Body::from(body).into_response();
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                );
                let name = match encoding {
                    Encoding::Brotli => Some("br"),
                    Encoding::Gzip => Some("gzip"),
                    Encoding::Identity => None,
                };
                if let Some(name) = name {
                    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
                }
                response
            }
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, self.etag.clone());
        // Always revalidate: cheap thanks to the ETag, never stale.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if let Some(c) = &self.counted {
            c.fetch_sub(self.size(), Ordering::Relaxed);
        }
    }
}

impl ReadModel {
    /// `budget`: bytes of answers kept at most (a single answer larger than
    /// the budget is still served, and dropped when the next one is built).
    #[must_use]
    pub fn new(budget: usize, schedule: Arc<Schedule>) -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            urls: RwLock::new(HashMap::new()),
            front_hits: AtomicU64::new(0),
            bytes: Arc::default(),
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
        self.get(key, build).await?.respond_public(request).await
    }

    /// Like [`Self::respond`], for an answer its builder can bring up to
    /// date from the previous one (given with the generation its reads
    /// began after; the builder gets the generation it builds for).
    pub async fn respond_from<T, F, Fut>(
        &self,
        key: &str,
        request: &HeaderMap,
        build: F,
    ) -> AppResult<Response>
    where
        T: Serialize + Send + Sync + 'static,
        F: FnOnce(Option<Previous<T>>, u64) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.get_from(key, build)
            .await?
            .0
            .respond_public(request)
            .await
    }

    /// The answer of [`Self::respond_from`] and the value it was made from
    /// (for an answer derived from another one, such as the map's points
    /// from the list).
    pub async fn get_from<T, F, Fut>(&self, key: &str, build: F) -> AppResult<(Arc<Answer>, Arc<T>)>
    where
        T: Serialize + Send + Sync + 'static,
        F: FnOnce(Option<Previous<T>>, u64) -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let answer = self
            .get_with(key, "application/json", |previous, generation| {
                let previous = previous.and_then(|a| {
                    let data = a.data.clone()?.downcast::<T>().ok()?;
                    Some(Previous {
                        generation: a.generation,
                        data,
                    })
                });
                async move {
                    let value = build(previous, generation).await?;
                    let json = serde_json::to_vec(&value).map_err(AppError::internal)?;
                    let data: Arc<dyn Any + Send + Sync> = Arc::new(value);
                    Ok((json, Some(data)))
                }
            })
            .await?;
        let value = answer
            .data
            .clone()
            .and_then(|d| d.downcast::<T>().ok())
            .ok_or_else(|| AppError::internal("an answer kept no value of its type"))?;
        Ok((answer, value))
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
        self.get_with(key, content_type, |_, _| async {
            Ok((build().await?, None))
        })
        .await
    }

    async fn get_with<F, Fut>(
        &self,
        key: &str,
        content_type: &'static str,
        build: F,
    ) -> AppResult<Arc<Answer>>
    where
        F: FnOnce(Option<Arc<Answer>>, u64) -> Fut,
        Fut: Future<Output = AppResult<Built>>,
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
        let previous = slot
            .answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let made = build(previous.clone(), generation).await?;
        let answer = Arc::new(Answer::new(
            generation,
            content_type,
            made,
            previous.as_deref(),
            Some(self.bytes.clone()),
            Arc::downgrade(&slot),
        )?);
        drop(previous);
        // The answer replaced leaves the count when its last user is done.
        slot.answer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(answer.clone());
        self.evict(key);
        Ok(answer)
    }

    /// The response to an anonymous request for `url` with `request`'s
    /// headers, from the answer the URL was last answered with (a
    /// [`Public`] one), if nothing is due to expire, no change came since
    /// it was built and the copy it needs is made: what the request would
    /// get from its handler, without the handler.
    pub fn respond_current(&self, url: &str, request: &HeaderMap) -> Option<Response> {
        if self.schedule.due() {
            return None;
        }
        let urls = self.urls.read().unwrap_or_else(PoisonError::into_inner);
        let public = urls.get(url)?;
        if public.current.as_ref().is_some_and(|current| !current()) {
            return None;
        }
        let slot = public.slot.upgrade()?;
        let mut response = slot.since(log::generation())?.respond_now(request)?;
        // With the body only, as its layer adds it (a 304 has no type).
        if let Some((name, value)) = &public.header
            && response.status() == StatusCode::OK
        {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        drop(urls);
        slot.used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        self.front_hits.fetch_add(1, Ordering::Relaxed);
        Some(response)
    }

    /// `url` was answered with `public`: [`Self::respond_current`] finds it.
    pub fn remember(&self, url: &str, public: &Public) {
        let known = self
            .urls
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(url)
            .is_some_and(|p| p.slot.ptr_eq(&public.slot));
        if known || public.slot.strong_count() == 0 {
            return;
        }
        let mut urls = self.urls.write().unwrap_or_else(PoisonError::into_inner);
        if urls.len() >= MAX_URLS {
            urls.retain(|_, p| p.slot.strong_count() > 0);
            if urls.len() >= MAX_URLS {
                urls.clear();
            }
        }
        urls.insert(url.into(), public.clone());
    }

    /// How many requests [`Self::respond_current`] answered.
    #[must_use]
    pub fn front_hits(&self) -> u64 {
        self.front_hits.load(Ordering::Relaxed)
    }

    /// Bytes held now (JSON and compressed copies of every answer).
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Drops the answer for `key`: for data that changes without a new
    /// version (the daily signed heads), so nothing else is rebuilt.
    pub fn forget(&self, key: &str) {
        let removed = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        if let Some(slot) = removed {
            drop(
                slot.answer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take(),
            );
        }
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
            if let Some(slot) = slots.remove(&key) {
                // Leaves the count as it is dropped (Answer's Drop).
                drop(
                    slot.answer
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take(),
                );
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

    /// At rest a large answer is compressed at the full level; one that
    /// replaced an answer of a moment ago goes out quickly compressed
    /// first, then, once it has lasted, at the full level: smaller, the
    /// same JSON.
    #[tokio::test]
    async fn a_large_answer_is_compressed_quickly_then_fully_once_it_lasts() {
        use std::io::Read as _;
        // 200 KiB of JSON-like text with some repetition, as the list is.
        let json: Vec<u8> = (0..4000)
            .flat_map(|i| {
                format!("{{\"id\":{i},\"name\":\"Tempat {}\"}},", i * 7919 % 1000).into_bytes()
            })
            .collect();
        assert!(json.len() >= INLINE_COMPRESS);
        let at_rest = Arc::new(
            Answer::new(
                1,
                "application/json",
                (json.clone(), None),
                None,
                None,
                Weak::new(),
            )
            .unwrap(),
        );
        // A change of a moment ago: a different JSON replacing it.
        let mut changed = json.clone();
        changed[10] = b'9';
        let answer = Arc::new(
            Answer::new(
                2,
                "application/json",
                (changed.clone(), None),
                Some(&at_rest),
                None,
                Weak::new(),
            )
            .unwrap(),
        );
        assert!(answer.busy && !at_rest.busy);
        assert!(
            at_rest.encoded(Encoding::Gzip).await.unwrap() == gzip(&json).unwrap(),
            "at rest, the full level at once"
        );
        let gunzip = |b: &Bytes| {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&b[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        };
        let unbrotli = |b: &Bytes| {
            let mut out = Vec::new();
            brotli::BrotliDecompress(&mut &b[..], &mut out).unwrap();
            out
        };
        let quick_gz = answer.encoded(Encoding::Gzip).await.unwrap();
        let quick_br = answer.encoded(Encoding::Brotli).await.unwrap();
        assert!(gunzip(&quick_gz) == changed);
        assert!(unbrotli(&quick_br) == changed);
        assert!(
            quick_gz == quick_gzip(&changed).unwrap(),
            "first, the quick level"
        );
        // Later (polled: the background compression takes its time).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while answer.gzip_settled.get().is_none() || answer.brotli_settled.get().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "never compressed again"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let full_gz = answer.encoded(Encoding::Gzip).await.unwrap();
        let full_br = answer.encoded(Encoding::Brotli).await.unwrap();
        assert!(gunzip(&full_gz) == changed);
        assert!(unbrotli(&full_br) == changed);
        assert!(
            full_gz.len() < quick_gz.len(),
            "{} vs {}",
            full_gz.len(),
            quick_gz.len()
        );
        assert!(
            full_br.len() < quick_br.len(),
            "{} vs {}",
            full_br.len(),
            quick_br.len()
        );
        // The next answer with the same JSON starts from the full copies.
        let next = Answer::new(
            3,
            "application/json",
            (changed, None),
            Some(&answer),
            None,
            Weak::new(),
        )
        .unwrap();
        assert!(next.gzip.get() == Some(&full_gz));
        assert!(next.brotli.get() == Some(&full_br));
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
        drop((first, again));
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
