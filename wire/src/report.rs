//! Residents' reports about a place: what they send, what the reporter and
//! the public see, and how staff answer.
//!
//! What a reporter types (the description and an optional contact) is for
//! staff only. The public sees that a place has open reports and their
//! kinds, and the answers staff publish; the reporter follows theirs with
//! its tracking code.

use serde::{Deserialize, Serialize};

/// Longest description, in characters.
pub const MAX_REPORT_TEXT: usize = 2000;
/// Shortest description worth a staff member's time, in characters.
pub const MIN_REPORT_TEXT: usize = 10;
/// Longest contact (an e-mail address or a phone number), in characters.
pub const MAX_REPORT_CONTACT: usize = 120;
/// Longest public answer of staff, in characters.
pub const MAX_REPORT_ANSWER: usize = 1000;
/// Published answers a place's page lists (newest first).
pub const MAX_PLACE_ANSWERS: i64 = 20;
/// Largest photo with a report, in bytes (after base64 decoding). The
/// browser scales a phone photo to [`PHOTO_MAX_SIDE`] pixels first, which
/// leaves a few hundred kilobytes.
pub const MAX_REPORT_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// The longer side, in pixels, the browser scales a report's photo to.
pub const PHOTO_MAX_SIDE: u32 = 1280;
/// Shortest and longest name of a suggested place, in characters.
pub const MIN_SUGGESTED_NAME: usize = 3;
pub const MAX_SUGGESTED_NAME: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Aid promised to the place has not arrived.
    NotArrived,
    /// The place's information is wrong: moved, closed, headcount, name.
    WrongInfo,
    /// Anything else.
    Other,
    /// A place in need that is not on the map yet (a suggestion: it has no
    /// location until staff create one from it).
    NewPlace,
}

impl ReportKind {
    pub const ALL: [Self; 4] = [
        Self::NotArrived,
        Self::WrongInfo,
        Self::Other,
        Self::NewPlace,
    ];
    /// The kinds of a report about a place on the map.
    pub const ABOUT_A_PLACE: [Self; 3] = [Self::NotArrived, Self::WrongInfo, Self::Other];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotArrived => "not_arrived",
            Self::WrongInfo => "wrong_info",
            Self::Other => "other",
            Self::NewPlace => "new_place",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Sent; no staff member has looked yet.
    Received,
    /// Staff are checking it.
    Checking,
    /// Handled, with staff's public answer.
    Resolved,
    /// Not followed up, with the reason.
    Declined,
}

impl ReportStatus {
    pub const ALL: [Self; 4] = [
        Self::Received,
        Self::Checking,
        Self::Resolved,
        Self::Declined,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Checking => "checking",
            Self::Resolved => "resolved",
            Self::Declined => "declined",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Still waiting for staff (received or being checked).
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(self, Self::Received | Self::Checking)
    }
}

/// `POST /api/v1/reports`: a resident's report about a place, or the
/// suggestion of a place that is not on the map yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// The place it is about; absent for a suggestion (`new_place`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<i64>,
    pub kind: ReportKind,
    /// What is wrong, in the reporter's words (for staff only).
    pub description: String,
    /// An e-mail address or phone number for staff's questions; optional,
    /// never public.
    #[serde(default)]
    pub contact: String,
    /// The suggested place (only with `new_place`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<SuggestedPlace>,
    /// A photo, JPEG or PNG, base64 (standard alphabet); optional, for
    /// staff only. Metadata that can carry a location is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

/// A place a resident suggests adding to the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SuggestedPlace {
    pub name: String,
    pub category: crate::Category,
    /// The kelurahan's official code (e.g. `31.71.01.1001`).
    pub kelurahan_code: String,
    /// Where it is, when the resident picked it on the map (both or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// A report as its reporter (anyone holding its code) and the public see it:
/// never the description or the contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportView {
    pub code: String,
    pub kind: ReportKind,
    pub status: ReportStatus,
    /// The place it is about (for a suggestion: the place staff created
    /// from it, once they have).
    pub location_id: Option<i64>,
    /// The place's name (for a suggestion: the name suggested).
    pub location_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// When its state last changed, Unix seconds.
    pub updated_at: i64,
    /// Staff's public answer (resolved or declined).
    pub answer: Option<String>,
    /// The commitment it concerns, when staff linked one.
    pub commitment: Option<String>,
}

/// `GET /api/v1/locations/{id}/reports`: what the public sees of the
/// reports about a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlaceReports {
    /// Open reports by kind (a group of duplicates counts once).
    pub open: Vec<OpenReports>,
    /// Answered reports, newest first (at most [`MAX_PLACE_ANSWERS`]).
    pub answered: Vec<ReportView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OpenReports {
    pub kind: ReportKind,
    pub count: i64,
}

/// A report as staff see it: with what the reporter typed, and how many
/// later reports joined it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffReport {
    pub report: ReportView,
    pub description: String,
    pub contact: Option<String>,
    /// The descriptions of the reports grouped with this one, oldest first.
    pub grouped: Vec<GroupedReport>,
    /// The code of the report this one joined, when it is not the first.
    pub group_of: Option<String>,
    /// The suggested place (`new_place`).
    pub place: Option<SuggestedPlace>,
    /// Whether a photo came with it (`GET /staff/reports/{code}/photo`).
    pub photo: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GroupedReport {
    pub code: String,
    pub created_at: i64,
    pub description: String,
    pub contact: Option<String>,
    pub photo: bool,
}

/// `POST /api/v1/staff/reports/{code}`: staff move a report on. Resolving
/// or declining needs a public answer; the group follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportAction {
    pub status: ReportStatus,
    /// The public answer (required to resolve or decline).
    #[serde(default)]
    pub answer: String,
    /// A commitment at the same place the report concerns (tracking code).
    #[serde(default)]
    pub commitment: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_states_round_trip_through_their_names() {
        for k in ReportKind::ALL {
            assert_eq!(ReportKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::from(k.as_str())
            );
        }
        for s in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::from(s.as_str())
            );
        }
        assert_eq!(ReportKind::parse("lost_cat"), None);
    }
}
