//! The front: an anonymous `GET` of a public URL (an API answer or a page
//! of the app) whose answer is current in the read model is answered here,
//! before the layers and the routers, with the very response its handler
//! would give (the same [`Answer`](crate::read_model::Answer) and the same
//! headers: [`protect`](crate::protect), and a page's policy). Everything
//! else goes on to the app.
//!
//! A URL is answered here only after its handler answered it with
//! [`Answer::respond_public`](crate::read_model::Answer::respond_public)
//! (an answer that depends on the URL alone; a page also on the language
//! and the host, which are in its key here), and only while
//! [`ReadModel::respond_current`](crate::read_model::ReadModel::respond_current) holds: no
//! change since the answer was built, no reservation due to expire, and
//! for a page the client's build it was made of still current. A
//! request that carries anything an answer could depend on besides the
//! URL — a cookie, credentials, a manage token, any header not in
//! [`harmless`] — or that comes from a kiosk network (which gets a device
//! cookie) goes to its handler.
//!
//! Why: the smallest public answer went through a dozen layers, two
//! routers and its handler's extractors; here it costs two map lookups
//! (issue 14: public reads at static-file speed).

use std::borrow::Cow;
use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::Response;
use futures_util::future::{BoxFuture, Either, Ready, ready};
use http::{Method, header};

use crate::i18n::Lang;
use crate::read_model::Public;
use crate::state::AppState;

/// The app behind the front.
#[derive(Clone)]
pub struct Front<S> {
    inner: S,
    state: AppState,
}

impl<S> Front<S> {
    pub fn new(inner: S, state: AppState) -> Self {
        Self { inner, state }
    }
}

/// Headers a public answer cannot depend on (or reads itself, as the
/// read model does `Accept-Encoding` and `If-None-Match`).
fn harmless(name: &header::HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host"
            | "accept"
            | "accept-encoding"
            | "accept-language"
            | "if-none-match"
            | "user-agent"
            | "connection"
            | "referer"
            | "cache-control"
            | "pragma"
            | "priority"
            | "dnt"
            | "upgrade-insecure-requests"
            | "x-forwarded-for"
            | "x-forwarded-proto"
            | "x-forwarded-host"
            | "x-real-ip"
            | "via"
    ) || name.as_str().starts_with("sec-")
}

/// Whether `request` may be answered from the read model directly.
fn eligible(request: &Request, state: &AppState) -> bool {
    request.method() == Method::GET
        && request.headers().keys().all(harmless)
        && !crate::client::from_kiosk_network(request.headers(), request.extensions(), state)
}

/// What the front knows an answer by: an API answer by its URL; a page by
/// its URL, the language the request asks for and the host it names.
fn key(request: &Request) -> Cow<'_, str> {
    let url = request
        .uri()
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    if request.uri().path().starts_with("/api/") {
        return Cow::Borrowed(url);
    }
    let headers = request.headers();
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let lang = Lang::from_accept_language(text(header::ACCEPT_LANGUAGE));
    let host = text(header::HOST).unwrap_or("");
    Cow::Owned(format!("{url}\n{lang:?}\n{host}"))
}

type Answered = Ready<Result<Response, Infallible>>;

impl<S> tower::Service<Request> for Front<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        Either<Answered, Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if !eligible(&request, &self.state) {
            return Either::Right(Either::Left(self.inner.call(request)));
        }
        let url = key(&request);
        if let Some(mut response) = self.state.reads.respond_current(&url, request.headers()) {
            crate::protect(response.headers_mut(), self.state.cookie_secure);
            return Either::Left(ready(Ok(response)));
        }
        let url: Box<str> = url.into();
        let reads = self.state.reads.clone();
        let answer = self.inner.call(request);
        Either::Right(Either::Right(Box::pin(async move {
            let response = answer.await?;
            if let Some(public) = response.extensions().get::<Public>() {
                reads.remember(&url, public);
            }
            Ok(response)
        })))
    }
}
