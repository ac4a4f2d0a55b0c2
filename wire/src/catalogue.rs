//! The aid catalogue: programs (KSBB Pangan, KSBB UMKM, …) and their standard
//! packages. Both are rows in the database, not enums: a deployment adds a
//! program or a package without a code change.

use serde::{Deserialize, Serialize};

/// A text in both languages the product speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Localized {
    pub id: String,
    pub en: String,
}

impl Localized {
    /// The text for a language code (`"id"` or `"en"`); Indonesian otherwise.
    #[must_use]
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.id }
    }
}

/// A standard aid package a collaborator can commit, counted in `unit`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Package {
    pub id: i64,
    /// Stable identifier, e.g. `pangan-sembako`.
    pub slug: String,
    pub program_id: i64,
    pub name: Localized,
    pub description: Localized,
    /// What one counted unit is, e.g. "keluarga/minggu" / "family-week".
    pub unit: Localized,
    /// Reference value of one unit in whole Rupiah.
    pub unit_value: i64,
    /// Given at most once to each family (or resident): the total ever
    /// committed at a location never exceeds its headcount.
    pub once_per_family: bool,
}

/// A program and its packages, as listed by `GET /api/v1/programs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Program {
    pub id: i64,
    pub slug: String,
    pub name: Localized,
    pub description: Localized,
    pub packages: Vec<Package>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProgramList {
    pub programs: Vec<Program>,
}

impl ProgramList {
    #[must_use]
    pub fn package(&self, id: i64) -> Option<&Package> {
        self.programs
            .iter()
            .flat_map(|p| &p.packages)
            .find(|p| p.id == id)
    }

    #[must_use]
    pub fn program_of(&self, package_id: i64) -> Option<&Program> {
        self.programs
            .iter()
            .find(|p| p.packages.iter().any(|k| k.id == package_id))
    }
}

/// What a location needs of one package. `committed` counts quantities
/// reserved by open commitments, `delivered` those handed over; both are
/// derived from commitments. `remaining = target − committed − delivered`,
/// further capped by the headcount for once-per-family packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Need {
    pub package_id: i64,
    pub target: u32,
    pub committed: u32,
    pub delivered: u32,
    pub remaining: u32,
}

/// How much of a location's need is still open, for colouring the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NeedLevel {
    /// More than a quarter of the need's value is still open.
    Open,
    /// Some need remains, a quarter of its value or less.
    Nearly,
    /// Every listed need is committed or delivered.
    Covered,
    /// The location lists no needs.
    Unlisted,
}

impl NeedLevel {
    pub const ALL: [NeedLevel; 4] = [Self::Open, Self::Nearly, Self::Covered, Self::Unlisted];

    /// Share of the need's value still open above which a place "still needs help".
    pub const NEARLY_PERCENT: u8 = 25;

    /// From the percentage of the need's Rupiah value still open (`None`: no needs).
    #[must_use]
    pub fn from_remaining_percent(percent: Option<u8>) -> Self {
        match percent {
            None => Self::Unlisted,
            Some(0) => Self::Covered,
            Some(p) if p <= Self::NEARLY_PERCENT => Self::Nearly,
            Some(_) => Self::Open,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Nearly => "nearly",
            Self::Covered => "covered",
            Self::Unlisted => "unlisted",
        }
    }
}

/// Percentage (0–100) of `total` still open, rounded up so that any open
/// need shows as at least 1 %; `None` when there is nothing to measure.
#[must_use]
pub fn remaining_percent(remaining_value: i64, total_value: i64) -> Option<u8> {
    if total_value <= 0 {
        return None;
    }
    let remaining = remaining_value.clamp(0, total_value);
    let pct = (remaining * 100 + total_value - 1) / total_value;
    Some(u8::try_from(pct).unwrap_or(100))
}

/// Percentage (0–100) of `total` already delivered, rounded down so that
/// 100 means everything listed was handed over; `None` when there is
/// nothing to measure (the place lists no needs). The same basis as
/// [`remaining_percent`]: Rupiah value of the active packages' targets.
#[must_use]
pub fn received_percent(delivered_value: i64, total_value: i64) -> Option<u8> {
    if total_value <= 0 {
        return None;
    }
    let delivered = i128::from(delivered_value.clamp(0, total_value));
    let pct = delivered * 100 / i128::from(total_value);
    Some(u8::try_from(pct).unwrap_or(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_rounds_down_so_only_everything_is_a_hundred_percent() {
        assert_eq!(received_percent(999_999, 1_000_000), Some(99));
        assert_eq!(received_percent(1_000_000, 1_000_000), Some(100));
        assert_eq!(received_percent(1, 1_000_000), Some(0));
        assert_eq!(received_percent(0, 1_000_000), Some(0));
        assert_eq!(received_percent(250, 1_000), Some(25));
    }

    #[test]
    fn received_is_none_without_needs_and_clamped_to_the_total() {
        assert_eq!(received_percent(0, 0), None);
        assert_eq!(received_percent(5, 0), None);
        assert_eq!(received_percent(5, -1), None);
        assert_eq!(received_percent(2_000, 1_000), Some(100));
        assert_eq!(received_percent(-5, 1_000), Some(0));
        // Values near i64::MAX must not overflow the percentage.
        assert_eq!(received_percent(i64::MAX, i64::MAX), Some(100));
        assert_eq!(received_percent(i64::MAX / 2, i64::MAX), Some(49));
    }

    #[test]
    fn any_open_need_counts_as_at_least_one_percent() {
        assert_eq!(remaining_percent(1, 1_000_000), Some(1));
        assert_eq!(remaining_percent(0, 1_000_000), Some(0));
        assert_eq!(remaining_percent(500, 1_000), Some(50));
        assert_eq!(remaining_percent(0, 0), None);
    }

    #[test]
    fn levels_follow_the_thresholds() {
        assert_eq!(NeedLevel::from_remaining_percent(None), NeedLevel::Unlisted);
        assert_eq!(
            NeedLevel::from_remaining_percent(Some(0)),
            NeedLevel::Covered
        );
        assert_eq!(
            NeedLevel::from_remaining_percent(Some(25)),
            NeedLevel::Nearly
        );
        assert_eq!(NeedLevel::from_remaining_percent(Some(26)), NeedLevel::Open);
    }
}
