//! Checking a commitment request field by field, before any database work.

use kolaborasi_shared::NewCommitment;
use kolaborasi_shared::commitment::{MAX_LINES, MAX_QUANTITY};
use kolaborasi_shared::validate;

use crate::collaborator::{self, Identity, Typed};
use crate::error::{AppError, FieldIssue};

/// A request whose every field passed its rule, normalised.
#[derive(Debug, Clone)]
pub struct Checked {
    pub location_id: i64,
    /// `(package_id, quantity)`, sorted by package so that concurrent
    /// reservations lock need rows in one order.
    pub lines: Vec<(i64, i64)>,
    /// Package ids in the order the client sent them (for field paths).
    pub original_order: Vec<i64>,
    pub planned_date: String,
    pub identity: Identity,
    pub show_name: bool,
}

/// Checks every field and reports all problems at once. `today` is the
/// day number (UTC); a day's slack on each side absorbs time zones.
pub fn check(input: &NewCommitment, today: i64, expiry_days: u32) -> Result<Checked, AppError> {
    let mut issues = Vec::new();
    if input.location_id <= 0 {
        issues.push(FieldIssue::new(
            "location_id",
            "error.commitment.location_unknown",
        ));
    }
    if input.lines.is_empty() {
        issues.push(FieldIssue::new("lines", "error.commitment.no_lines"));
    } else if input.lines.len() > MAX_LINES {
        issues.push(FieldIssue::new("lines", "error.commitment.too_many_lines"));
    }
    let mut lines: Vec<(i64, i64)> = Vec::new();
    for (i, line) in input.lines.iter().enumerate().take(MAX_LINES) {
        if line.package_id <= 0 {
            issues.push(FieldIssue::new(
                format!("lines.{i}.package_id"),
                "error.commitment.package_unknown",
            ));
        } else if lines.iter().any(|(p, _)| *p == line.package_id) {
            issues.push(FieldIssue::new(
                format!("lines.{i}.package_id"),
                "error.commitment.package_repeated",
            ));
        }
        if line.quantity <= 0 {
            issues.push(FieldIssue::new(
                format!("lines.{i}.quantity"),
                "error.commitment.quantity_positive",
            ));
        } else if line.quantity > MAX_QUANTITY {
            issues.push(FieldIssue::new(
                format!("lines.{i}.quantity"),
                "error.commitment.quantity_too_large",
            ));
        }
        lines.push((line.package_id, line.quantity));
    }
    let planned_date = match validate::date(&input.planned_date) {
        Ok(day) if day < today - 1 => {
            issues.push(FieldIssue::new("planned_date", "error.field.date_past"));
            String::new()
        }
        Ok(day) if day > today + i64::from(expiry_days) + 1 => {
            issues.push(
                FieldIssue::new("planned_date", "error.field.date_too_late")
                    .with("days", expiry_days),
            );
            String::new()
        }
        Ok(day) => validate::civil_from_days(day),
        Err(key) => {
            issues.push(FieldIssue::new("planned_date", key));
            String::new()
        }
    };
    let c = &input.collaborator;
    let identity = collaborator::check(
        &Typed {
            prefix: "collaborator.",
            name: &c.name,
            kind: &c.kind,
            email: &c.email,
            phone: &c.phone,
        },
        &mut issues,
    );
    match identity {
        Some(identity) if issues.is_empty() => {
            let original_order = lines.iter().map(|(p, _)| *p).collect();
            lines.sort_unstable();
            Ok(Checked {
                location_id: input.location_id,
                lines,
                original_order,
                planned_date,
                identity,
                show_name: c.show_name,
            })
        }
        _ => Err(AppError::Fields(issues)),
    }
}
