//! Public totals, breakdowns and the collaborator directory
//! (`/api/v1/stats…`, `/api/v1/collaborators`).
//!
//! A commitment *counts* while it is open (`committed`) or `delivered`;
//! cancelled and expired ones do not. The same rules derive the totals from
//! the public log ([`crate::log::Verifier::totals`]), so anyone can check them.

use serde::{Deserialize, Serialize};

use crate::catalogue::Localized;
use crate::commitment::CollaboratorKind;

/// The headline numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Totals {
    /// Distinct collaborators (by e-mail address) with a counting commitment.
    pub collaborators: i64,
    /// Counting commitments.
    pub collaborations: i64,
    /// Units in counting commitments, delivered ones included.
    pub packages_committed: i64,
    /// Units in delivered commitments.
    pub packages_delivered: i64,
    /// Whole Rupiah of counting commitments, delivered ones included.
    pub value_committed: i64,
    pub value_delivered: i64,
    /// Headcount of locations counted in families that received a delivery.
    pub families_reached: i64,
    /// Headcount of locations counted in people that received a delivery.
    pub people_reached: i64,
    /// Locations with a counting commitment.
    pub locations_helped: i64,
}

/// `GET /api/v1/stats` and each event of `GET /api/v1/stats/stream`: the
/// totals as of log entry `log_seq`. Each event replaces the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Stats {
    pub log_seq: i64,
    pub totals: Totals,
}

/// Name of the server-sent event that carries [`Stats`].
pub const STATS_EVENT: &str = "stats";

/// One bar of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BreakdownRow {
    /// Program or package slug, category spelling, or kota code.
    pub key: String,
    /// Display name; `None` for categories (the client names them).
    pub label: Option<Localized>,
    pub collaborations: i64,
    pub packages: i64,
    pub value: i64,
    pub value_delivered: i64,
}

/// Commitments made on one day (UTC), whatever became of them since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DayRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub made: i64,
    pub value: i64,
}

/// `GET /api/v1/stats/breakdowns`: counting commitments by program,
/// package, location category and kota, and commitments made per day.
/// Rows are sorted by value, largest first; days in date order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Breakdowns {
    pub log_seq: i64,
    pub by_program: Vec<BreakdownRow>,
    pub by_package: Vec<BreakdownRow>,
    pub by_category: Vec<BreakdownRow>,
    pub by_kota: Vec<BreakdownRow>,
    pub by_day: Vec<DayRow>,
}

/// One collaborator who consented to showing their name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CollaboratorEntry {
    pub name: String,
    pub kind: CollaboratorKind,
    /// A zakat/donation aggregator (collects from others and gives on their behalf).
    pub aggregator: bool,
    pub collaborations: i64,
    pub packages: i64,
    pub value: i64,
    pub value_delivered: i64,
    /// Date of their first counting commitment, `YYYY-MM-DD`.
    pub since: String,
}

/// Everyone who did not consent, as one line: "Anonim".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AnonymousTotals {
    pub collaborations: i64,
    pub packages: i64,
    pub value: i64,
}

/// `GET /api/v1/collaborators?page=&per_page=&kind=`: named collaborators,
/// largest value first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CollaboratorDirectory {
    /// Named collaborators matching the filter (all pages).
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<CollaboratorEntry>,
    pub anonymous: AnonymousTotals,
}

/// Largest `per_page` of the directory.
pub const MAX_DIRECTORY_PAGE: u32 = 200;
