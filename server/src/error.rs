//! One error type for every handler. It renders the shared JSON envelope in
//! the request's language and never sends internal details: those are logged.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use kolaborasi_shared::{
    ApiError, ErrorBody, ErrorCode, FieldProblem, PackageRemaining, QueryError,
};

use crate::i18n::Lang;

/// One field's problem: where, which message, and the message's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// Dotted path into the request, e.g. `collaborator.email`.
    pub field: String,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, key: &'static str) -> Self {
        Self {
            field: field.into(),
            key,
            args: Vec::new(),
        }
    }

    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

#[derive(Debug)]
pub enum AppError {
    /// A bad parameter: `field` names it, `key` is the message's translation key.
    InvalidParameter {
        field: String,
        key: &'static str,
    },
    /// Several fields of a body broke their rules (never empty).
    Fields(Vec<FieldIssue>),
    /// No (valid) session; `key` says why.
    Unauthenticated {
        key: &'static str,
    },
    /// Not allowed, e.g. a manage token that does not fit.
    Forbidden {
        key: &'static str,
    },
    /// A resource that does not exist; `key` explains which kind.
    NotFound {
        key: &'static str,
    },
    MethodNotAllowed,
    /// A reservation found less need than asked for.
    InsufficientNeed {
        remaining: Vec<PackageRemaining>,
    },
    /// The resource's state forbids this action.
    Conflict {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    PayloadTooLarge,
    /// The body arrived slower than `conn::MIN_BODY_RATE` allows; the
    /// connection is closed after the answer.
    TooSlow,
    UnsupportedMediaType,
    /// An uploaded file whose content is not an accepted type.
    UnsupportedFile {
        key: &'static str,
    },
    IdempotencyKeyReused,
    /// Too many failed attempts; retry after this many seconds.
    RateLimited {
        retry_after: u64,
        /// The message, with a `{minutes}` argument.
        key: &'static str,
    },
    /// Anything unexpected. The text is logged, the client gets a generic message.
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, key: &'static str) -> Self {
        Self::InvalidParameter {
            field: field.into(),
            key,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// The problem in English, for the command line.
    #[must_use]
    pub fn describe(&self) -> String {
        let lang = Lang::En;
        match self {
            Self::InvalidParameter { field, key } => {
                format!("{field}: {}", lang.message(key, &[("field", field)]))
            }
            Self::Fields(issues) => issues
                .iter()
                .map(|i| format!("{}: {}", i.field, text(lang, i.key, &i.args)))
                .collect::<Vec<_>>()
                .join("; "),
            other => format!("{other:?}"),
        }
    }
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> Self {
        Self::invalid(e.field, e.problem.message_key())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(format!("database: {e}"))
    }
}

fn text(lang: Lang, key: &str, args: &[(&'static str, String)]) -> String {
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    lang.message(key, &args)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let lang = Lang::current();
        let mut retry_after = None;
        let mut error = ApiError {
            code: ErrorCode::Internal,
            message: String::new(),
            field: None,
            fields: Vec::new(),
            remaining: Vec::new(),
        };
        match self {
            Self::InvalidParameter { field, key } => {
                error.code = ErrorCode::InvalidParameter;
                error.message = lang.message(key, &[("field", &field)]);
                error.fields.push(FieldProblem {
                    field: field.clone(),
                    message: error.message.clone(),
                });
                error.field = Some(field);
            }
            Self::Fields(issues) => {
                error.code = ErrorCode::InvalidParameter;
                error.fields = issues
                    .iter()
                    .map(|i| FieldProblem {
                        field: i.field.clone(),
                        message: text(lang, i.key, &i.args),
                    })
                    .collect();
                if let Some(first) = error.fields.first() {
                    error.field = Some(first.field.clone());
                    error.message.clone_from(&first.message);
                }
            }
            Self::Unauthenticated { key } => {
                error.code = ErrorCode::Unauthenticated;
                error.message = lang.message(key, &[]);
            }
            Self::Forbidden { key } => {
                error.code = ErrorCode::Forbidden;
                error.message = lang.message(key, &[]);
            }
            Self::NotFound { key } => {
                error.code = ErrorCode::NotFound;
                error.message = lang.message(key, &[]);
            }
            Self::MethodNotAllowed => {
                error.code = ErrorCode::MethodNotAllowed;
                error.message = lang.message("error.method_not_allowed", &[]);
            }
            Self::InsufficientNeed { remaining } => {
                error.code = ErrorCode::InsufficientNeed;
                error.message = lang.message("error.commitment.insufficient", &[]);
                error.remaining = remaining;
            }
            Self::Conflict { key, args } => {
                error.code = ErrorCode::Conflict;
                error.message = text(lang, key, &args);
            }
            Self::PayloadTooLarge => {
                error.code = ErrorCode::PayloadTooLarge;
                error.message = lang.message("error.body.too_large", &[]);
            }
            Self::TooSlow => {
                error.code = ErrorCode::RequestTimeout;
                error.message = lang.message("error.body.too_slow", &[]);
            }
            Self::UnsupportedMediaType => {
                error.code = ErrorCode::UnsupportedMediaType;
                error.message = lang.message("error.body.not_json", &[]);
            }
            Self::UnsupportedFile { key } => {
                error.code = ErrorCode::UnsupportedMediaType;
                error.message = lang.message(key, &[]);
            }
            Self::IdempotencyKeyReused => {
                error.code = ErrorCode::IdempotencyKeyReused;
                error.field = Some(kolaborasi_shared::IDEMPOTENCY_HEADER.to_owned());
                error.message = lang.message("error.idempotency.reused", &[]);
            }
            Self::RateLimited {
                retry_after: secs,
                key,
            } => {
                error.code = ErrorCode::RateLimited;
                let minutes = secs.div_ceil(60).max(1).to_string();
                error.message = lang.message(key, &[("minutes", &minutes)]);
                retry_after = Some(secs);
            }
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                error.message = lang.message("error.internal", &[]);
            }
        }
        let status =
            StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        with_headers(
            (status, Json(ErrorBody { error })).into_response(),
            retry_after,
        )
    }
}

/// `Retry-After` for a rate limit; `Connection: close` after a body that
/// arrived too slowly (the rest of it is not worth waiting for).
fn with_headers(mut response: Response, retry_after: Option<u64>) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

pub type AppResult<T> = Result<T, AppError>;
