//! One error type for every handler. It renders the shared JSON envelope in
//! the request's language and never sends internal details: those are logged.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use kolaborasi_shared::{ApiError, ErrorBody, ErrorCode, QueryError};

use crate::i18n::Lang;

#[derive(Debug)]
pub enum AppError {
    /// A bad parameter: `field` names it, `key` is the message's translation key.
    InvalidParameter {
        field: String,
        key: &'static str,
    },
    /// A resource that does not exist; `key` explains which kind.
    NotFound {
        key: &'static str,
    },
    MethodNotAllowed,
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let lang = Lang::current();
        let (code, field, message) = match self {
            Self::InvalidParameter { field, key } => {
                let message = lang.message(key, &[("field", &field)]);
                (ErrorCode::InvalidParameter, Some(field), message)
            }
            Self::NotFound { key } => (ErrorCode::NotFound, None, lang.message(key, &[])),
            Self::MethodNotAllowed => (
                ErrorCode::MethodNotAllowed,
                None,
                lang.message("error.method_not_allowed", &[]),
            ),
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    ErrorCode::Internal,
                    None,
                    lang.message("error.internal", &[]),
                )
            }
        };
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ApiError {
                code,
                message,
                field,
            },
        };
        (status, Json(body)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;
