//! The facilitator's console: staff accounts, their queues and actions.
//!
//! Every state-changing staff request carries the session's CSRF token in
//! the [`crate::delivery::CSRF_HEADER`] header; the token comes with the
//! session (`POST`/`GET /api/v1/staff/session`).

use serde::{Deserialize, Serialize};

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including staff and the catalogue.
    Admin,
    /// Acts on locations inside one kota or kecamatan (`scope`).
    Operator,
    /// Verifies collaborators, locations, commitments and deliveries anywhere;
    /// edits nothing.
    Verifier,
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Admin, Self::Operator, Self::Verifier];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
            Self::Verifier => "verifier",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A staff member as the console shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffMember {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Area code (kota or kecamatan) for operators.
    pub scope: Option<String>,
    pub active: bool,
}

/// `POST /api/v1/staff/session`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffCredentials {
    pub email: String,
    pub password: String,
}

/// The signed-in staff member and the CSRF token of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffSession {
    pub staff: StaffMember,
    pub csrf_token: String,
}

/// `POST /api/v1/staff/members` (admin).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    /// One of [`Role`]'s spellings.
    pub role: String,
    /// Kota or kecamatan code; required for operators, refused otherwise.
    #[serde(default)]
    pub scope: Option<String>,
    pub password: String,
}

/// `POST /api/v1/staff/members/{id}` (admin): change role, scope or deactivate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    pub role: String,
    #[serde(default)]
    pub scope: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
}

/// The console's work queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Collaborator accounts not yet verified.
    Collaborators,
    /// Locations not yet verified (active ones).
    Locations,
    /// Open commitments not yet verified.
    Commitments,
    /// Reported deliveries not yet verified (disputed ones first).
    Deliveries,
    /// Open commitments with no delivery report after the configured days.
    Overdue,
    /// Residents' reports waiting for staff (the first of each group).
    Reports,
}

impl Queue {
    pub const ALL: [Queue; 6] = [
        Self::Commitments,
        Self::Deliveries,
        Self::Overdue,
        Self::Reports,
        Self::Locations,
        Self::Collaborators,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collaborators => "collaborators",
            Self::Locations => "locations",
            Self::Commitments => "commitments",
            Self::Deliveries => "deliveries",
            Self::Overdue => "overdue",
            Self::Reports => "reports",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == s)
    }
}

/// `GET /api/v1/staff/queues`: how many items wait in each queue (within
/// the staff member's scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueCounts {
    pub counts: Vec<QueueCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueCount {
    pub queue: Queue,
    pub count: i64,
}

/// One item of a queue. `code` is the tracking code for commitment and
/// delivery queues, `id` the location or account id otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueItem {
    pub id: i64,
    pub code: Option<String>,
    /// Location name, or the collaborator's name.
    pub title: String,
    /// A second line: the collaborator, the place's address, or the e-mail and kind.
    pub detail: String,
    /// For commitment queues: the total reference value, whole Rupiah.
    #[serde(default)]
    pub value: Option<i64>,
    /// Kelurahan code of the location (none for collaborators).
    pub area: Option<String>,
    /// Unix seconds: when it entered the queue.
    pub since: i64,
    /// For deliveries: the place's answer.
    pub receipt: Option<crate::delivery::ReceiptStatus>,
}

/// `GET /api/v1/staff/queues/{queue}?area&page&per_page`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueuePage {
    pub queue: Queue,
    pub items: Vec<QueueItem>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Most items on one queue page.
pub const MAX_QUEUE_PAGE: u32 = 100;

/// A commitment as staff see it: the public view plus contact data and the
/// place's dispute comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffCommitment {
    pub commitment: crate::CommitmentView,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// The place's comment when it disputed the delivery.
    pub dispute_comment: Option<String>,
    /// Ids of the handover documents.
    pub documents: Vec<String>,
}

/// `POST /api/v1/staff/locations` and `PUT /api/v1/staff/locations/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub name: String,
    /// One of `Category`'s spellings.
    pub category: String,
    /// Kelurahan code.
    pub kelurahan: String,
    pub lat: f64,
    pub lon: f64,
    pub headcount: i64,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub description: String,
    /// PRIVATE: the place's representative.
    #[serde(default)]
    pub contact_name: String,
    /// PRIVATE.
    #[serde(default)]
    pub contact_phone: String,
    /// Target per package; a package left out keeps what it has (a target
    /// below what is committed and delivered is refused).
    #[serde(default)]
    pub needs: Vec<NeedInput>,
    /// With `PUT`: the code of an open "wrong information" report about
    /// this place that the edit answers; with `POST`: the code of an open
    /// suggestion (`new_place`) the new place is made of. It is resolved
    /// with `report_answer` (public) in the same transaction.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub report: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub report_answer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    pub package_id: i64,
    pub target: i64,
}

/// A location as staff edit it: the public detail plus private contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffLocation {
    pub location: crate::LocationDetail,
    pub contact_name: String,
    pub contact_phone: String,
}

/// `POST /api/v1/staff/programs` (admin).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewProgram {
    pub slug: String,
    pub name_id: String,
    pub name_en: String,
    #[serde(default)]
    pub description_id: String,
    #[serde(default)]
    pub description_en: String,
}

/// `POST /api/v1/staff/packages` (admin).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPackage {
    pub program_id: i64,
    pub slug: String,
    pub name_id: String,
    pub name_en: String,
    pub unit_id: String,
    pub unit_en: String,
    /// Whole Rupiah.
    pub unit_value: i64,
    pub once_per_family: bool,
}

/// `POST /api/v1/staff/corrections`: a new, attributed, public record about
/// a commitment; nothing is rewritten.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCorrection {
    /// Tracking code.
    pub code: String,
    /// Public: why, and what is correct. No personal data.
    pub reason: String,
}

/// One audit record (admin: `GET /api/v1/staff/audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub action: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for older entries.
    pub next_before: Option<i64>,
}
