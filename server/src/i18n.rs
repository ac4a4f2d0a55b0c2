//! Server-side messages in the request's language, from the same
//! translation files the web client uses (`locales/*.json`).

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

tokio::task_local! {
    /// The language of the request being handled, set by [`LanguageScope`].
    static LANG: Lang;
}

type Catalog = HashMap<String, String>;

fn catalog(lang: Lang) -> &'static Catalog {
    static ID: OnceLock<Catalog> = OnceLock::new();
    static EN: OnceLock<Catalog> = OnceLock::new();
    let parse = |s: &str| serde_json::from_str(s).expect("locales/*.json is a flat string map");
    match lang {
        Lang::Id => ID.get_or_init(|| parse(include_str!("../../locales/id.json"))),
        Lang::En => EN.get_or_init(|| parse(include_str!("../../locales/en.json"))),
    }
}

impl Lang {
    /// Picks Indonesian or English from an `Accept-Language` header by
    /// quality; Indonesian (the default) when neither is named.
    #[must_use]
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::Id;
        };
        let mut best: Option<(f32, Self)> = None;
        for item in header.split(',') {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("id" | "in") => Self::Id,
                Some("en") => Self::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::Id, |(_, l)| l)
    }

    /// The language tag stored with what a visitor made (`id`, `en`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// The language of a stored tag; Indonesian for anything else.
    #[must_use]
    pub fn from_code(code: &str) -> Self {
        if code == "en" { Self::En } else { Self::Id }
    }

    /// The language of the current request (Indonesian outside a request).
    #[must_use]
    pub fn current() -> Self {
        LANG.try_with(|l| *l).unwrap_or(Self::Id)
    }

    /// The message for `key`, with `{name}` placeholders filled from `args`.
    #[must_use]
    pub fn message(self, key: &str, args: &[(&str, &str)]) -> String {
        let template = catalog(self)
            .get(key)
            .or_else(|| catalog(Self::Id).get(key))
            .map_or(key, String::as_str);
        args.iter().fold(template.to_owned(), |s, (name, value)| {
            s.replace(&format!("{{{name}}}"), value)
        })
    }
}

/// Puts the request's language (its `Accept-Language`) in scope for the
/// service below, its call and its whole answer, so errors produced
/// anywhere below can speak it: a plain service rather than
/// `middleware::from_fn`, which boxes the request's future and the rest of
/// the stack on every request.
#[derive(Clone)]
pub struct LanguageScope<S>(pub S);

impl<S, B> tower::Service<http::Request<B>> for LanguageScope<S>
where
    S: tower::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = tokio::task::futures::TaskLocalFuture<Lang, S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let header = req
            .headers()
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let lang = Lang::from_accept_language(header);
        let future = LANG.sync_scope(lang, || self.0.call(req));
        LANG.scope(lang, future)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_quality_known_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::Id);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("fr, en;q=0.5, id;q=0.8")),
            Lang::Id
        );
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Id);
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let mut id: Vec<_> = catalog(Lang::Id).keys().collect();
        let mut en: Vec<_> = catalog(Lang::En).keys().collect();
        id.sort();
        en.sort();
        assert_eq!(id, en);
        assert_eq!(
            Lang::En.message("error.query.repeated", &[("field", "area")]),
            "Parameter 'area' may be given only once."
        );
    }
}
