//! The one JSON error envelope every API error uses:
//! `{ "error": { "code": "...", "message": "...", "field": "...", "fields": [...] } }`.

use serde::{Deserialize, Serialize};

use crate::commitment::PackageRemaining;

/// Machine-readable error kinds. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A query parameter, path segment, header or body field is malformed or
    /// breaks a rule; `field` names the first, `fields` lists every one.
    InvalidParameter,
    /// The request needs a signed-in account (or the session has ended).
    Unauthenticated,
    /// Signed in or holding a token, but not allowed to do this.
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// Not enough need remains for a reservation; `remaining` says what is left.
    InsufficientNeed,
    /// The resource is not in a state that allows this (e.g. already cancelled).
    Conflict,
    /// The request arrived too slowly (its connection is closed).
    RequestTimeout,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// An `Idempotency-Key` was reused with a different request.
    IdempotencyKeyReused,
    /// Too many attempts; try again later.
    RateLimited,
    /// Something failed on the server; details are logged, never sent.
    Internal,
    /// A code this client version does not know yet (forward compatibility).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that goes with this code.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidParameter => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::InsufficientNeed | Self::Conflict => 409,
            Self::RequestTimeout => 408,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::IdempotencyKeyReused => 422,
            Self::RateLimited => 429,
            Self::Internal | Self::Unknown => 500,
        }
    }
}

/// One field's problem, for showing next to the field in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldProblem {
    /// Dotted path into the request, e.g. `collaborator.email` or `lines.0.quantity`.
    pub field: String,
    /// In the request's language.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    /// Human-readable, in the language the request asked for (`Accept-Language`).
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    /// With [`ErrorCode::InsufficientNeed`]: what remains of each requested package.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remaining: Vec<PackageRemaining>,
}

impl ApiError {
    /// The message for one field, if the server named it.
    #[must_use]
    pub fn field_message(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}
