//! The one JSON error envelope every API error uses:
//! `{ "error": { "code": "...", "message": "...", "field": "..." } }`.

use serde::{Deserialize, Serialize};

/// Machine-readable error kinds. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A query parameter, path segment or body field is malformed; `field` names it.
    InvalidParameter,
    NotFound,
    MethodNotAllowed,
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
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Internal | Self::Unknown => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    /// Human-readable, in the language the request asked for (`Accept-Language`).
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ApiError,
}
