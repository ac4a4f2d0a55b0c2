//! The typed API client: the only place that builds API URLs or talks HTTP.

use std::fmt;

use gloo_net::http::Request;
use kolaborasi_shared::{
    API_PREFIX, ApiError, AreaTree, ClientConfig, ErrorBody, LocationDetail, LocationList,
    LocationQuery,
};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
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
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(current_lang()))
    }
}

impl std::error::Error for ApiFailure {}

fn current_lang() -> crate::i18n::Lang {
    use_context::<crate::i18n::I18n>().map_or(crate::i18n::Lang::Id, |i| i.lang.get_untracked())
}

/// GETs `API_PREFIX + path` and decodes JSON. The request is aborted when
/// the reactive owner that started it is cleaned up (e.g. the user
/// navigated away), so stale answers never land.
async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    let controller = SendWrapper::new(web_sys::AbortController::new().ok());
    let signal = controller.as_ref().map(web_sys::AbortController::signal);
    on_cleanup(move || {
        if let Some(c) = controller.take() {
            c.abort();
        }
    });
    let response = Request::get(&format!("{API_PREFIX}{path}"))
        .header("Accept-Language", current_lang().code())
        .abort_signal(signal.as_ref())
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        return response.json::<T>().await.map_err(|_| ApiFailure::Decode);
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Api {
            status,
            error: body.error,
        }),
        Err(_) => Err(ApiFailure::Network),
    }
}

pub async fn config() -> Result<ClientConfig, ApiFailure> {
    get_json("/config").await
}

pub async fn areas() -> Result<AreaTree, ApiFailure> {
    get_json("/areas").await
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
