//! Commitments: a collaborator promises packages to one location
//! (KSBB's "Beri Bantuan"), and the views of one afterwards.

use serde::{Deserialize, Serialize};

use crate::location::Category;

/// Who is giving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CollaboratorKind {
    Company,
    Organisation,
    Individual,
    /// A zakat, infaq or donation aggregator collecting from many donors.
    Aggregator,
}

impl CollaboratorKind {
    pub const ALL: [CollaboratorKind; 4] = [
        Self::Company,
        Self::Organisation,
        Self::Individual,
        Self::Aggregator,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Organisation => "organisation",
            Self::Individual => "individual",
            Self::Aggregator => "aggregator",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The collaborator's details as typed into the form. Loose types on
/// purpose: the server checks each field and names the one that is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CollaboratorInput {
    pub name: String,
    /// One of [`CollaboratorKind`]'s spellings.
    pub kind: String,
    pub email: String,
    pub phone: String,
    /// Consent to show the name publicly; otherwise "Anonim".
    pub show_name: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub package_id: i64,
    /// Signed so that 0 or a negative number gets its own error, not a parse failure.
    pub quantity: i64,
}

/// `POST /api/v1/commitments` (with an `Idempotency-Key` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCommitment {
    pub location_id: i64,
    pub lines: Vec<LineInput>,
    /// Planned delivery date, `YYYY-MM-DD`.
    pub planned_date: String,
    pub collaborator: CollaboratorInput,
}

/// Most lines one commitment may hold (there are only a handful of packages).
pub const MAX_LINES: usize = 20;
/// Largest quantity of one line.
pub const MAX_QUANTITY: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    /// Promised; its quantities are reserved until delivered or expired.
    Committed,
    Delivered,
    /// Cancelled by the collaborator; quantities returned at once.
    Cancelled,
    /// Not delivered in time; quantities returned to the pool.
    Expired,
}

impl CommitmentStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Committed => "committed",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Committed,
            Self::Delivered,
            Self::Cancelled,
            Self::Expired,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentLine {
    pub package_id: i64,
    pub quantity: u32,
    /// Reference value per unit at the time of committing, whole Rupiah.
    pub unit_value: i64,
}

/// Where a commitment goes (public facts of the location).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentPlace {
    pub id: i64,
    pub name: String,
    pub category: Category,
    /// Kelurahan code.
    pub area: String,
}

/// A commitment's public view: no contact data. The name is `None` unless
/// the collaborator consented to showing it ("Anonim").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentView {
    /// Tracking code, `XXXX-XXXX`.
    pub code: String,
    pub status: CommitmentStatus,
    pub location: CommitmentPlace,
    pub lines: Vec<CommitmentLine>,
    /// Sum of quantity × unit value, whole Rupiah.
    pub total_value: i64,
    pub planned_date: String,
    pub collaborator_name: Option<String>,
    pub collaborator_kind: CollaboratorKind,
    /// Unix seconds.
    pub created_at: i64,
    /// When an undelivered commitment returns its quantities (Unix seconds).
    pub expires_at: i64,
    /// When it was delivered, cancelled or expired.
    pub closed_at: Option<i64>,
    /// Its entries in the public log, oldest first.
    #[serde(default)]
    pub history: Vec<crate::log::HistoryEntry>,
    /// When staff verified the commitment (Unix seconds).
    #[serde(default)]
    pub verified_at: Option<i64>,
    /// When its contact was confirmed (the e-mail link, a confirmed account
    /// or staff). Until then an open commitment holds its quantities only
    /// for a short window (`expires_at`) and is shown as awaiting confirmation.
    #[serde(default)]
    pub confirmed_at: Option<i64>,
    /// The delivery report, the place's answer and staff verification.
    #[serde(default)]
    pub delivery: Option<crate::delivery::DeliveryView>,
    /// Public corrections by staff, oldest first.
    #[serde(default)]
    pub corrections: Vec<Correction>,
}

/// A correction: a new public record with a reason; nothing is rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Correction {
    pub at: i64,
    pub reason: String,
}

/// The answer to a successful `POST /api/v1/commitments`, and to its replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentReceipt {
    pub commitment: CommitmentView,
    /// Secret: whoever holds it may manage (cancel) the commitment.
    pub manage_token: String,
}

/// The private view for the holder of the manage token or the owning account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentPrivate {
    pub commitment: CommitmentView,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub show_name: bool,
}

/// `POST /api/v1/commitments/{code}/cancel`: the manage token, unless the
/// request is made by the signed-in owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub token: Option<String>,
}

/// `POST /api/v1/commitments/{code}/confirm`: the token from the e-mailed link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    pub token: String,
}

/// A signed-in collaborator's commitments, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitmentList {
    pub commitments: Vec<CommitmentView>,
}

/// What remains of one package when a reservation could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PackageRemaining {
    pub package_id: i64,
    pub remaining: u32,
}
