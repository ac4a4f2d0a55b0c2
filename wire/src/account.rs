//! Optional collaborator accounts. A guest can commit without one.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/account`: register and sign in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub name: String,
    /// One of `CollaboratorKind`'s spellings.
    pub kind: String,
    pub email: String,
    pub phone: String,
    pub password: String,
}

/// The answer to `POST /api/v1/account` (202), the same whether or not the
/// address already had an account: a message went to it (an activation
/// link, or a note to the owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RegistrationSent {
    pub email: String,
}

/// `POST /api/v1/session`: sign in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// The signed-in collaborator (`GET /api/v1/session`). Their own contact
/// data, so the commitment form can be filled in for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub kind: crate::CollaboratorKind,
    pub email: String,
    pub phone: String,
    /// Whether the address was confirmed (by a link sent to it): commitments
    /// made while signed in then hold their quantities for the full period.
    #[serde(default)]
    pub email_confirmed: bool,
}
