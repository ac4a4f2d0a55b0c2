//! The typed API client: the only place that builds API URLs or talks HTTP.

use std::fmt;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder, Response};
use kolaborasi_shared::{
    API_PREFIX, Account, ApiError, AreaTree, CancelRequest, ClientConfig, CommitmentList,
    CommitmentPrivate, CommitmentReceipt, CommitmentView, Credentials, ErrorBody, ErrorCode,
    IDEMPOTENCY_HEADER, LocationDetail, LocationList, LocationQuery, MANAGE_TOKEN_HEADER,
    NewCommitment, ProgramList, Registration,
};
use kolaborasi_shared::{
    AuditPage, CSRF_HEADER, DeliveryReport, Evidence, LocationInput, NewCorrection, NewPackage,
    NewProgram, NewStaff, Package, Program, Queue, QueueCounts, QueuePage, ReceiptAnswer,
    ReceiptRequest, ReceiptSlip, StaffChange, StaffCommitment, StaffCredentials, StaffList,
    StaffLocation, StaffMember, StaffSession,
};
use kolaborasi_shared::{Breakdowns, CollaboratorDirectory, LogPage, Stats};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache;

/// Why a request gave no data.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer: offline, server down, request aborted.
    Network,
    /// The server answered with the error envelope (message already in the
    /// requested language).
    Api { status: u16, error: ApiError },
    /// The answer was not what this client version understands.
    Decode,
}

impl ApiFailure {
    /// What to tell the user, in `lang` (the server's message is already in it).
    #[must_use]
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match self {
            Self::Network => lang.text("status.offline"),
            Self::Decode => lang.text("status.unexpected"),
            Self::Api { error, .. } => {
                crate::i18n::tr_with(lang, "status.error", &[("message", &error.message)])
            }
        }
    }

    /// The server's own message (for forms: it already says what to do),
    /// or the generic text when there was no answer.
    #[must_use]
    pub fn plain_message(&self, lang: crate::i18n::Lang) -> String {
        match self {
            Self::Api { error, .. } => error.message.clone(),
            other => other.message(lang),
        }
    }

    /// The error code the server sent, if it answered.
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    /// A "not found" made up by the client (e.g. an id that cannot exist).
    #[must_use]
    pub fn not_found() -> Self {
        Self::Api {
            status: 404,
            error: ApiError {
                code: ErrorCode::NotFound,
                message: String::new(),
                field: None,
                fields: Vec::new(),
                remaining: Vec::new(),
            },
        }
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(current_lang()))
    }
}

impl std::error::Error for ApiFailure {}

/// The language answers are asked in. Requests started from an event
/// handler's task have no reactive owner to ask: the document knows.
fn current_lang() -> crate::i18n::Lang {
    use_context::<crate::i18n::I18n>()
        .map_or_else(crate::i18n::document_lang, |i| i.lang.get_untracked())
}

/// One request: method, path under `API_PREFIX`, extra headers, JSON body.
struct Call<'a> {
    method: Method,
    path: &'a str,
    headers: Vec<(&'static str, &'a str)>,
    /// Reads are aborted when the reactive owner that started them is
    /// cleaned up (the user navigated away), so stale answers never land.
    /// Writes are never aborted half-way: the server may already have acted.
    abort_on_cleanup: bool,
}

impl<'a> Call<'a> {
    fn get(path: &'a str) -> Self {
        Self {
            method: Method::GET,
            path,
            headers: Vec::new(),
            abort_on_cleanup: true,
        }
    }

    fn write(method: Method, path: &'a str) -> Self {
        Self {
            method,
            path,
            headers: Vec::new(),
            abort_on_cleanup: false,
        }
    }

    fn header(mut self, name: &'static str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// A staff write: it carries the session's CSRF token.
    fn staff(method: Method, path: &'a str, csrf: &'a str) -> Self {
        Self::write(method, path).header(CSRF_HEADER, csrf)
    }

    /// Sends the request; a non-2xx answer becomes [`ApiFailure::Api`].
    async fn send(self, body: Option<&impl Serialize>) -> Result<Response, ApiFailure> {
        let builder = self.builder();
        let request = match body {
            Some(body) => builder.json(body).map_err(|_| ApiFailure::Decode)?,
            None => builder.build().map_err(|_| ApiFailure::Decode)?,
        };
        finish(request).await
    }

    /// Sends raw bytes (a `File` or `Blob`) as the body, with its type.
    async fn send_raw(
        self,
        body: &wasm_bindgen::JsValue,
        content_type: &str,
    ) -> Result<Response, ApiFailure> {
        let request = self
            .builder()
            .header("Content-Type", content_type)
            .body(body.clone())
            .map_err(|_| ApiFailure::Decode)?;
        finish(request).await
    }

    fn builder(self) -> RequestBuilder {
        let mut builder = RequestBuilder::new(&format!("{API_PREFIX}{}", self.path))
            .method(self.method)
            .header("Accept-Language", current_lang().code());
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let controller = if self.abort_on_cleanup {
            let controller = SendWrapper::new(web_sys::AbortController::new().ok());
            let signal = controller.as_ref().map(web_sys::AbortController::signal);
            on_cleanup(move || {
                if let Some(c) = controller.take() {
                    c.abort();
                }
            });
            signal
        } else {
            None
        };
        builder.abort_signal(controller.as_ref())
    }

    async fn json<T: DeserializeOwned>(
        self,
        body: Option<&impl Serialize>,
    ) -> Result<T, ApiFailure> {
        let response = self.send(body).await?;
        response.json::<T>().await.map_err(|_| ApiFailure::Decode)
    }
}

/// Sends a built request; a non-2xx answer becomes [`ApiFailure::Api`].
async fn finish(request: gloo_net::http::Request) -> Result<Response, ApiFailure> {
    let response = request.send().await.map_err(|_| ApiFailure::Network)?;
    ensure_ok(response).await
}

/// A non-2xx answer becomes [`ApiFailure::Api`].
async fn ensure_ok(response: Response) -> Result<Response, ApiFailure> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Api {
            status,
            error: body.error,
        }),
        // Not our envelope: a proxy or a dropped connection answered.
        Err(_) => Err(ApiFailure::Network),
    }
}

/// No body (for `Call::send(NO_BODY)`).
const NO_BODY: Option<&()> = None;

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    Call::get(path).json(NO_BODY).await
}

/// What a conditional read brought back.
enum Fetched {
    NotModified,
    Body { etag: Option<String>, body: Rc<str> },
}

/// The read of `key` that `index.html` started before the wasm arrived (a
/// first visit: nothing stored, so no `If-None-Match`), taken once.
async fn take_early(key: &str) -> Option<Response> {
    use wasm_bindgen::JsCast as _;
    let early =
        js_sys::Reflect::get(&web_sys::window()?.into(), &"__kolaborasiEarly".into()).ok()?;
    let promise = js_sys::Reflect::get(&early, &key.into())
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let _ = js_sys::Reflect::delete_property(early.unchecked_ref::<js_sys::Object>(), &key.into());
    let response = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    response
        .dyn_into::<web_sys::Response>()
        .ok()
        .map(Response::from)
}

/// `GET` with `If-None-Match` when there is a stored ETag. The browser's
/// HTTP cache is bypassed: the answer is ours to keep.
async fn conditional_get(
    key: &str,
    etag: Option<&str>,
    abort: bool,
) -> Result<Fetched, ApiFailure> {
    let early = if etag.is_none() {
        take_early(key).await
    } else {
        None
    };
    let response = match early {
        Some(response) => response,
        None => fresh_get(key, etag, abort).await?,
    };
    if response.status() == 304 {
        return Ok(Fetched::NotModified);
    }
    let etag = response.headers().get("etag");
    let response = ensure_ok(response).await?;
    let body = response.text().await.map_err(|_| ApiFailure::Network)?;
    Ok(Fetched::Body {
        etag,
        body: body.into(),
    })
}

/// The request [`conditional_get`] sends when no early read answers.
async fn fresh_get(key: &str, etag: Option<&str>, abort: bool) -> Result<Response, ApiFailure> {
    let call = Call {
        method: Method::GET,
        path: key.strip_prefix(API_PREFIX).unwrap_or(key),
        headers: etag.map(|e| vec![("If-None-Match", e)]).unwrap_or_default(),
        abort_on_cleanup: abort,
    };
    let request = call
        .builder()
        .cache(web_sys::RequestCache::NoStore)
        .build()
        .map_err(|_| ApiFailure::Decode)?;
    request.send().await.map_err(|_| ApiFailure::Network)
}

fn decode<T: DeserializeOwned>(body: &str) -> Result<T, ApiFailure> {
    serde_json::from_str(body).map_err(|_| ApiFailure::Decode)
}

/// How a public read uses the browser's stored copy (see `cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// The first read of a key this run answers from the stored copy at
    /// once and asks the server in the background (its ETag makes an
    /// unchanged answer a `304`); a changed answer makes the reading
    /// resource run again. Later reads ask the server conditionally.
    Live,
    /// Like `Live`, but the reader never runs again: for pages holding what
    /// the user typed or chose, which a redraw would reset. The newer
    /// answer is kept for the next visit.
    Once,
    /// Asks the server first; the stored copy only when it cannot be
    /// reached. Never runs the reader again.
    Fresh,
}

/// Whether a failure means "the server gave no usable answer", so the
/// stored copy stands: no answer at all, or the server itself failing
/// (5xx) or shedding load (429). A 404 or 410 says the thing is gone.
fn no_usable_answer(failure: &ApiFailure) -> bool {
    match failure {
        ApiFailure::Network | ApiFailure::Decode => true,
        ApiFailure::Api { status, .. } => *status >= 500 || *status == 429,
    }
}

/// A public read through the stored copy. Not `async`: with [`Read::Live`]
/// the key is tracked while the resource's fetcher runs.
fn read_through<T: DeserializeOwned + 'static>(
    path: String,
    mode: Read,
) -> impl std::future::Future<Output = Result<T, ApiFailure>> {
    let key = format!("{API_PREFIX}{path}");
    if mode == Read::Live {
        cache::track(&key);
    }
    async move {
        // Leaving the page aborts the request: that is no sign of being offline.
        let left = std::rc::Rc::new(std::cell::Cell::new(false));
        {
            let left = SendWrapper::new(left.clone());
            on_cleanup(move || left.set(true));
        }
        let plan = if mode == Read::Fresh {
            cache::Plan::Ask(cache::load(&key).await)
        } else {
            cache::plan(&key).await
        };
        let stored = match plan {
            cache::Plan::Stored { entry, revalidate } => {
                if let Ok(value) = decode(&entry.body) {
                    if revalidate {
                        cache::label_if_unconfirmed(&key, &entry);
                        leptos::task::spawn_local(revalidate_in_background(
                            key,
                            entry.etag.clone(),
                        ));
                    }
                    return Ok(value);
                }
                // An answer this version cannot read: ask afresh.
                None
            }
            cache::Plan::Ask(entry) => entry,
        };
        let etag = stored.as_ref().and_then(|e| e.etag.as_deref());
        match conditional_get(&key, etag, true).await {
            Ok(Fetched::NotModified) => match &stored {
                Some(entry) => {
                    cache::confirmed(&key);
                    decode(&entry.body)
                }
                // We sent no ETag, so this cannot be: treat it as garbage.
                None => Err(ApiFailure::Decode),
            },
            Ok(Fetched::Body { etag, body }) => {
                let value = decode(&body);
                if value.is_ok() {
                    cache::store(&key, etag, body, false);
                }
                value
            }
            Err(e) if left.get() => Err(e),
            Err(e) if no_usable_answer(&e) => match stored.map(|s| (decode(&s.body), s)) {
                Some((Ok(value), entry)) => {
                    cache::unconfirmed(&key, &entry);
                    Ok(value)
                }
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }
}

fn cached<T: DeserializeOwned + 'static>(
    path: String,
) -> impl std::future::Future<Output = Result<T, ApiFailure>> {
    read_through(path, Read::Live)
}

/// Asks the server whether the stored copy of `key` is still current.
pub(crate) async fn revalidate_in_background(key: String, etag: Option<String>) {
    match conditional_get(&key, etag.as_deref(), false).await {
        Ok(Fetched::NotModified) => cache::confirmed(&key),
        // Only JSON replaces a copy (not a captive portal's HTML page).
        Ok(Fetched::Body { etag, body })
            if serde_json::from_str::<serde::de::IgnoredAny>(&body).is_ok() =>
        {
            cache::store(&key, etag, body, true);
        }
        Ok(Fetched::Body { .. }) => {
            if let Some(entry) = cache::peek(&key) {
                cache::unconfirmed(&key, &entry);
            }
        }
        Err(e) if no_usable_answer(&e) => {
            if let Some(entry) = cache::peek(&key) {
                cache::unconfirmed(&key, &entry);
            }
        }
        // Gone (404, 410) or refused: show what the server says.
        Err(_) => cache::forget(&key),
    }
}

pub fn config(mode: Read) -> impl std::future::Future<Output = Result<ClientConfig, ApiFailure>> {
    read_through("/config".to_owned(), mode)
}

pub fn areas() -> impl std::future::Future<Output = Result<AreaTree, ApiFailure>> {
    cached("/areas".to_owned())
}

pub fn programs(mode: Read) -> impl std::future::Future<Output = Result<ProgramList, ApiFailure>> {
    read_through("/programs".to_owned(), mode)
}

pub fn locations(
    query: LocationQuery,
    mode: Read,
) -> impl std::future::Future<Output = Result<LocationList, ApiFailure>> {
    let qs = query.to_query_string();
    read_through(
        if qs.is_empty() {
            "/locations".to_owned()
        } else {
            format!("/locations?{qs}")
        },
        mode,
    )
}

/// The map's points for `query` (`/locations/points`: the list's places
/// in columns, without names).
pub fn location_points(
    query: LocationQuery,
    mode: Read,
) -> impl std::future::Future<Output = Result<Vec<kolaborasi_shared::MapPoint>, ApiFailure>> {
    let qs = query.to_query_string();
    let read = read_through::<kolaborasi_shared::LocationPoints>(
        if qs.is_empty() {
            "/locations/points".to_owned()
        } else {
            format!("/locations/points?{qs}")
        },
        mode,
    );
    async move { read.await?.points().ok_or(ApiFailure::Decode) }
}

pub fn location(
    id: i64,
    mode: Read,
) -> impl std::future::Future<Output = Result<LocationDetail, ApiFailure>> {
    read_through(format!("/locations/{id}"), mode)
}

/// What was delivered at a place, newest first.
pub fn place_deliveries(
    id: i64,
) -> impl std::future::Future<Output = Result<kolaborasi_shared::PlaceDeliveries, ApiFailure>> {
    cached(format!("/locations/{id}/deliveries"))
}

/// The public side of residents' reports about a place.
pub fn place_reports(
    id: i64,
) -> impl std::future::Future<Output = Result<kolaborasi_shared::PlaceReports, ApiFailure>> {
    cached(format!("/locations/{id}/reports"))
}

/// `POST /reports`: a resident's report (no account needed). Sending the
/// same `key` again returns the first answer (the offline queue retries).
pub async fn file_report(
    key: &str,
    report: &kolaborasi_shared::NewReport,
) -> Result<kolaborasi_shared::ReportView, ApiFailure> {
    Call::write(Method::POST, "/reports")
        .header(IDEMPOTENCY_HEADER, key)
        .json(Some(report))
        .await
}

/// Where a report stands (`code` as normalised by `validate::tracking_code`).
pub async fn report(code: &str) -> Result<kolaborasi_shared::ReportView, ApiFailure> {
    get_json(&format!("/reports/{code}")).await
}

/// `POST /commitments`. Sending the same `key` with the same body again
/// returns the first answer, so a retry after a lost response is safe.
pub async fn commit(key: &str, body: &NewCommitment) -> Result<CommitmentReceipt, ApiFailure> {
    Call::write(Method::POST, "/commitments")
        .header(IDEMPOTENCY_HEADER, key)
        .json(Some(body))
        .await
}

/// The public view of a commitment (`code` as normalised by `validate::tracking_code`).
pub async fn commitment(code: &str) -> Result<CommitmentView, ApiFailure> {
    get_json(&format!("/commitments/{code}")).await
}

/// The private view, for the holder of the manage token (or, without a
/// token, the signed-in owner).
pub async fn commitment_private(
    code: &str,
    token: Option<&str>,
) -> Result<CommitmentPrivate, ApiFailure> {
    let path = format!("/commitments/{code}/private");
    let mut call = Call::get(&path);
    if let Some(token) = token {
        call = call.header(MANAGE_TOKEN_HEADER, token);
    }
    call.json(NO_BODY).await
}

pub async fn cancel(code: &str, token: Option<String>) -> Result<CommitmentView, ApiFailure> {
    Call::write(Method::POST, &format!("/commitments/{code}/cancel"))
        .json(Some(&CancelRequest { token }))
        .await
}

/// Confirms a commitment's contact with the token of the e-mailed link.
pub async fn confirm(code: &str, token: String) -> Result<CommitmentView, ApiFailure> {
    Call::write(Method::POST, &format!("/commitments/{code}/confirm"))
        .json(Some(&kolaborasi_shared::ConfirmRequest { token }))
        .await
}

/// The signed-in account; `401` when there is none.
/// The signed-in account; `None` (204) when nobody is signed in.
pub async fn session() -> Result<Option<Account>, ApiFailure> {
    let response = Call::get("/session").send(NO_BODY).await?;
    if response.status() == 204 {
        return Ok(None);
    }
    response
        .json()
        .await
        .map(Some)
        .map_err(|_| ApiFailure::Decode)
}

pub async fn sign_in(credentials: &Credentials) -> Result<Account, ApiFailure> {
    Call::write(Method::POST, "/session")
        .json(Some(credentials))
        .await
}

pub async fn sign_out() -> Result<(), ApiFailure> {
    Call::write(Method::DELETE, "/session")
        .send(NO_BODY)
        .await
        .map(drop)
}

/// Ends the collaborator session without waiting for the answer; the
/// request survives the page being left (`keepalive`).
pub fn sign_out_keepalive() {
    let init = web_sys::RequestInit::new();
    init.set_method("DELETE");
    // (`keepalive` is not in web-sys's stable API.)
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &true.into());
    let _ = window().fetch_with_str_and_init(&format!("{API_PREFIX}/session"), &init);
}

/// Registers: a message goes to the address (202), whether or not it has
/// an account already.
pub async fn register(
    registration: &Registration,
) -> Result<kolaborasi_shared::RegistrationSent, ApiFailure> {
    Call::write(Method::POST, "/account")
        .json(Some(registration))
        .await
}

/// Opens the e-mailed activation link: the account, signed in.
pub async fn activate(token: String) -> Result<Account, ApiFailure> {
    Call::write(Method::POST, "/account/confirm")
        .json(Some(&kolaborasi_shared::ConfirmRequest { token }))
        .await
}

pub async fn my_commitments() -> Result<CommitmentList, ApiFailure> {
    get_json("/account/commitments").await
}

/// The totals as they are now (never a stored copy).
pub async fn stats() -> Result<Stats, ApiFailure> {
    get_json("/stats").await
}

/// The totals, from the stored copy first (the header before the live stream answers).
pub fn stats_cached() -> impl std::future::Future<Output = Result<Stats, ApiFailure>> {
    cached("/stats".to_owned())
}

pub fn breakdowns() -> impl std::future::Future<Output = Result<Breakdowns, ApiFailure>> {
    cached("/stats/breakdowns".to_owned())
}

/// One page of the collaborator directory, optionally of one kind.
pub async fn collaborators(
    page: u32,
    per_page: u32,
    kind: Option<String>,
) -> Result<CollaboratorDirectory, ApiFailure> {
    let mut path = format!("/collaborators?page={page}&per_page={per_page}");
    if let Some(kind) = kind {
        path.push_str("&kind=");
        path.push_str(&kind);
    }
    get_json(&path).await
}

/// Log entries after `after`.
pub async fn log_page(after: i64, limit: u32) -> Result<LogPage, ApiFailure> {
    get_json(&format!("/log?after={after}&limit={limit}")).await
}

/// The log's head, signed by the deployment's key.
pub async fn log_head() -> Result<kolaborasi_shared::SignedHead, ApiFailure> {
    get_json("/log/head").await
}

/// The OpenAPI document, as plain JSON.
pub async fn openapi() -> Result<serde_json::Value, ApiFailure> {
    get_json("/openapi.json").await
}

/// The address of an open-data download (a plain link: the browser saves it).
#[must_use]
pub fn export_href(file: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::route::encode_component(v)))
        .collect();
    if query.is_empty() {
        format!("{API_PREFIX}/export/{file}")
    } else {
        format!("{API_PREFIX}/export/{file}?{}", query.join("&"))
    }
}

/// `{}`: the body of staff actions that need no data.
#[derive(Serialize)]
struct Empty {}

/// Staff: the signed-in staff member and the CSRF token; `401` when none.
pub async fn staff_session() -> Result<StaffSession, ApiFailure> {
    get_json("/staff/session").await
}

pub async fn staff_sign_in(credentials: &StaffCredentials) -> Result<StaffSession, ApiFailure> {
    Call::write(Method::POST, "/staff/session")
        .json(Some(credentials))
        .await
}

pub async fn staff_sign_out(csrf: &str) -> Result<(), ApiFailure> {
    Call::staff(Method::DELETE, "/staff/session", csrf)
        .send(NO_BODY)
        .await
        .map(drop)
}

/// Ends every session of the signed-in staff member (on every device).
pub async fn staff_sign_out_everywhere(csrf: &str) -> Result<(), ApiFailure> {
    Call::staff(Method::POST, "/staff/session/everywhere", csrf)
        .send(Some(&Empty {}))
        .await
        .map(drop)
}

pub async fn queue_counts() -> Result<QueueCounts, ApiFailure> {
    get_json("/staff/queues").await
}

/// One page of a work queue, optionally within an area (kota or kecamatan code).
pub async fn queue_page(
    queue: Queue,
    area: Option<String>,
    page: u32,
    per_page: u32,
) -> Result<QueuePage, ApiFailure> {
    let mut path = format!(
        "/staff/queues/{}?page={page}&per_page={per_page}",
        queue.as_str()
    );
    if let Some(area) = area.filter(|a| !a.is_empty()) {
        path.push_str("&area=");
        path.push_str(&crate::route::encode_component(&area));
    }
    get_json(&path).await
}

pub async fn staff_commitment(code: &str) -> Result<StaffCommitment, ApiFailure> {
    get_json(&format!("/staff/commitments/{code}")).await
}

pub async fn verify_commitment(code: &str, csrf: &str) -> Result<CommitmentView, ApiFailure> {
    Call::staff(
        Method::POST,
        &format!("/staff/commitments/{code}/verify"),
        csrf,
    )
    .json(Some(&Empty {}))
    .await
}

pub async fn confirm_contact(code: &str, csrf: &str) -> Result<CommitmentView, ApiFailure> {
    Call::staff(
        Method::POST,
        &format!("/staff/commitments/{code}/confirm-contact"),
        csrf,
    )
    .json(Some(&Empty {}))
    .await
}

pub async fn verify_delivery(code: &str, csrf: &str) -> Result<CommitmentView, ApiFailure> {
    Call::staff(
        Method::POST,
        &format!("/staff/commitments/{code}/delivery/verify"),
        csrf,
    )
    .json(Some(&Empty {}))
    .await
}

/// A fresh confirmation code for the place (the previous one stops working).
pub async fn new_slip(code: &str, csrf: &str) -> Result<ReceiptSlip, ApiFailure> {
    Call::staff(
        Method::POST,
        &format!("/staff/commitments/{code}/slip"),
        csrf,
    )
    .json(Some(&Empty {}))
    .await
}

pub async fn add_correction(
    correction: &NewCorrection,
    csrf: &str,
) -> Result<CommitmentView, ApiFailure> {
    Call::staff(Method::POST, "/staff/corrections", csrf)
        .json(Some(correction))
        .await
}

#[cfg(feature = "console")]
pub async fn staff_report(code: &str) -> Result<kolaborasi_shared::StaffReport, ApiFailure> {
    get_json(&format!("/staff/reports/{code}")).await
}

#[cfg(feature = "console")]
pub async fn act_on_report(
    code: &str,
    action: &kolaborasi_shared::ReportAction,
    csrf: &str,
) -> Result<kolaborasi_shared::StaffReport, ApiFailure> {
    Call::staff(Method::POST, &format!("/staff/reports/{code}"), csrf)
        .json(Some(action))
        .await
}

pub async fn staff_location(id: i64) -> Result<StaffLocation, ApiFailure> {
    get_json(&format!("/staff/locations/{id}")).await
}

pub async fn create_location(
    input: &LocationInput,
    csrf: &str,
) -> Result<StaffLocation, ApiFailure> {
    Call::staff(Method::POST, "/staff/locations", csrf)
        .json(Some(input))
        .await
}

pub async fn update_location(
    id: i64,
    input: &LocationInput,
    csrf: &str,
) -> Result<StaffLocation, ApiFailure> {
    Call::staff(Method::PUT, &format!("/staff/locations/{id}"), csrf)
        .json(Some(input))
        .await
}

pub async fn verify_location(id: i64, csrf: &str) -> Result<StaffLocation, ApiFailure> {
    Call::staff(Method::POST, &format!("/staff/locations/{id}/verify"), csrf)
        .json(Some(&Empty {}))
        .await
}

pub async fn deactivate_location(id: i64, csrf: &str) -> Result<StaffLocation, ApiFailure> {
    Call::staff(
        Method::POST,
        &format!("/staff/locations/{id}/deactivate"),
        csrf,
    )
    .json(Some(&Empty {}))
    .await
}

/// Marks a collaborator account as verified.
pub async fn verify_account(id: i64, csrf: &str) -> Result<(), ApiFailure> {
    Call::staff(Method::POST, &format!("/staff/accounts/{id}/verify"), csrf)
        .send(Some(&Empty {}))
        .await
        .map(drop)
}

pub async fn create_program(program: &NewProgram, csrf: &str) -> Result<Program, ApiFailure> {
    Call::staff(Method::POST, "/staff/programs", csrf)
        .json(Some(program))
        .await
}

pub async fn create_package(package: &NewPackage, csrf: &str) -> Result<Package, ApiFailure> {
    Call::staff(Method::POST, "/staff/packages", csrf)
        .json(Some(package))
        .await
}

pub async fn staff_members() -> Result<StaffList, ApiFailure> {
    get_json("/staff/members").await
}

pub async fn create_staff(member: &NewStaff, csrf: &str) -> Result<StaffMember, ApiFailure> {
    Call::staff(Method::POST, "/staff/members", csrf)
        .json(Some(member))
        .await
}

pub async fn change_staff(
    id: i64,
    change: &StaffChange,
    csrf: &str,
) -> Result<StaffMember, ApiFailure> {
    Call::staff(Method::POST, &format!("/staff/members/{id}"), csrf)
        .json(Some(change))
        .await
}

/// The audit trail, newest first; `before` pages to older entries.
pub async fn audit(before: Option<i64>) -> Result<AuditPage, ApiFailure> {
    get_json(&match before {
        Some(b) => format!("/staff/audit?before={b}"),
        None => "/staff/audit".to_owned(),
    })
    .await
}

/// Who sends a delivery or its evidence: the collaborator with the manage
/// token, or a staff member with the session's CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reporter {
    Token(String),
    /// The signed-in owner (the session cookie goes along by itself).
    Owner,
    Staff {
        csrf: String,
    },
}

/// Uploads one evidence file (photo or handover document) as its raw bytes.
pub async fn upload_evidence(
    code: &str,
    file: &web_sys::File,
    who: &Reporter,
) -> Result<Evidence, ApiFailure> {
    let path = format!("/commitments/{code}/evidence");
    let call = match who {
        Reporter::Token(token) => {
            Call::write(Method::POST, &path).header(MANAGE_TOKEN_HEADER, token)
        }
        Reporter::Owner => Call::write(Method::POST, &path),
        Reporter::Staff { csrf } => Call::staff(Method::POST, &path, csrf),
    };
    let kind = file.type_();
    let content_type = if kind.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        kind
    };
    let response = call.send_raw(file.as_ref(), &content_type).await?;
    response
        .json::<Evidence>()
        .await
        .map_err(|_| ApiFailure::Decode)
}

/// Reports the delivery; the answer is the place's one-time confirmation slip.
pub async fn report_delivery(
    code: &str,
    report: &DeliveryReport,
    who: &Reporter,
) -> Result<ReceiptSlip, ApiFailure> {
    let path = format!("/commitments/{code}/delivery");
    let call = match who {
        Reporter::Token(_) | Reporter::Owner => Call::write(Method::POST, &path),
        Reporter::Staff { csrf } => Call::staff(Method::POST, &path, csrf),
    };
    call.json(Some(report)).await
}

/// The address of an evidence file (photos are public; documents need staff).
#[must_use]
pub fn evidence_href(id: &str) -> String {
    format!("{API_PREFIX}/evidence/{id}")
}

/// What the place is asked to confirm; `404` when the code is unknown,
/// used or expired.
pub async fn receipt(confirm_code: &str) -> Result<ReceiptRequest, ApiFailure> {
    get_json(&format!("/receipts/{confirm_code}")).await
}

pub async fn answer_receipt(
    confirm_code: &str,
    answer: &ReceiptAnswer,
) -> Result<CommitmentView, ApiFailure> {
    Call::write(Method::POST, &format!("/receipts/{confirm_code}"))
        .json(Some(answer))
        .await
}
