//! Query strings of the reporting endpoints: every parameter known, none
//! repeated, each bad value with its own error (the map list has its own
//! richer parser in `wire::location`).

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use kolaborasi_shared::validate;

use crate::error::{AppError, AppResult};

/// The parameters of `raw`, refusing names not in `allowed` and repeats.
/// Empty values count as absent.
pub fn params(raw: Option<&str>, allowed: &[&str]) -> AppResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if k.is_empty() {
            continue;
        }
        if !allowed.contains(&k.as_ref()) {
            return Err(AppError::invalid(k, "error.query.unknown_parameter"));
        }
        if out.contains_key(k.as_ref()) {
            return Err(AppError::invalid(k, "error.query.repeated"));
        }
        if !v.is_empty() {
            out.insert(k.into_owned(), v.into_owned());
        }
    }
    Ok(out)
}

/// A positive integer parameter within `range`, or `default` when absent.
pub fn number(
    params: &BTreeMap<String, String>,
    name: &str,
    range: std::ops::RangeInclusive<u32>,
    default: u32,
    key: &'static str,
) -> AppResult<u32> {
    match params.get(name) {
        None => Ok(default),
        Some(s) => s
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| AppError::invalid(name, key)),
    }
}

/// A `YYYY-MM-DD` parameter as days since the epoch.
pub fn date(params: &BTreeMap<String, String>, name: &str) -> AppResult<Option<i64>> {
    params
        .get(name)
        .map(|s| {
            validate::date(s.trim())
                .map_err(|_| AppError::invalid(name, "error.query.date_invalid"))
        })
        .transpose()
}

/// A positive integer id of a `{id}` path segment; 400 with `key` otherwise
/// (a segment that is not even UTF-8 included).
pub fn path_id(path: Result<Path<String>, PathRejection>, key: &'static str) -> AppResult<i64> {
    path.ok()
        .and_then(|Path(id)| id.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::invalid("id", key))
}
