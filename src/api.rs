//! The typed API client: the only place that builds API URLs or talks HTTP.

use std::fmt;

use gloo_net::http::{Method, RequestBuilder, Response};
use kolaborasi_shared::{
    API_PREFIX, Account, ApiError, AreaTree, CancelRequest, ClientConfig, CommitmentList,
    CommitmentPrivate, CommitmentReceipt, CommitmentView, Credentials, ErrorBody, ErrorCode,
    IDEMPOTENCY_HEADER, LocationDetail, LocationList, LocationQuery, MANAGE_TOKEN_HEADER,
    NewCommitment, ProgramList, Registration,
};
use kolaborasi_shared::{Breakdowns, CollaboratorDirectory, LogPage, Stats};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde::Serialize;
use serde::de::DeserializeOwned;

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

    /// Sends the request; a non-2xx answer becomes [`ApiFailure::Api`].
    async fn send(self, body: Option<&impl Serialize>) -> Result<Response, ApiFailure> {
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
        builder = builder.abort_signal(controller.as_ref());
        let request = match body {
            Some(body) => builder.json(body).map_err(|_| ApiFailure::Decode)?,
            None => builder.build().map_err(|_| ApiFailure::Decode)?,
        };
        let response = request.send().await.map_err(|_| ApiFailure::Network)?;
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

    async fn json<T: DeserializeOwned>(
        self,
        body: Option<&impl Serialize>,
    ) -> Result<T, ApiFailure> {
        let response = self.send(body).await?;
        response.json::<T>().await.map_err(|_| ApiFailure::Decode)
    }
}

/// No body (for `Call::send(NO_BODY)`).
const NO_BODY: Option<&()> = None;

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    Call::get(path).json(NO_BODY).await
}

pub async fn config() -> Result<ClientConfig, ApiFailure> {
    get_json("/config").await
}

pub async fn areas() -> Result<AreaTree, ApiFailure> {
    get_json("/areas").await
}

pub async fn programs() -> Result<ProgramList, ApiFailure> {
    get_json("/programs").await
}

pub async fn locations(query: LocationQuery) -> Result<LocationList, ApiFailure> {
    let qs = query.to_query_string();
    get_json(&if qs.is_empty() {
        "/locations".to_owned()
    } else {
        format!("/locations?{qs}")
    })
    .await
}

pub async fn location(id: i64) -> Result<LocationDetail, ApiFailure> {
    get_json(&format!("/locations/{id}")).await
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

/// The signed-in account; `401` when there is none.
pub async fn session() -> Result<Account, ApiFailure> {
    get_json("/session").await
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

pub async fn register(registration: &Registration) -> Result<Account, ApiFailure> {
    Call::write(Method::POST, "/account")
        .json(Some(registration))
        .await
}

pub async fn my_commitments() -> Result<CommitmentList, ApiFailure> {
    get_json("/account/commitments").await
}

pub async fn stats() -> Result<Stats, ApiFailure> {
    get_json("/stats").await
}

pub async fn breakdowns() -> Result<Breakdowns, ApiFailure> {
    get_json("/stats/breakdowns").await
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
        .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(v)))
        .collect();
    if query.is_empty() {
        format!("{API_PREFIX}/export/{file}")
    } else {
        format!("{API_PREFIX}/export/{file}?{}", query.join("&"))
    }
}
