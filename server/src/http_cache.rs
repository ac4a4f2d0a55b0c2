//! Conditional GET: answers carry an ETag over their body and answer a
//! matching `If-None-Match` with 304, so a phone revalidating its cached
//! copy downloads nothing when nothing changed (`read_model.rs`,
//! `assets.rs`).

use std::fmt::Write as _;

use http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

/// The tag of a body: the first 128 bits of its SHA-256, in hex, so equal
/// bytes have equal tags on every instance and across versions.
#[must_use]
pub fn content_tag(body: &[u8]) -> String {
    Sha256::digest(body)[..16]
        .iter()
        .fold(String::with_capacity(32), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored, `*` matches.
pub(crate) fn matches_if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    fn strip(s: &str) -> &str {
        s.trim().trim_start_matches("W/")
    }
    let ours = strip(etag.to_str().unwrap_or_default());
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| candidate.trim() == "*" || strip(candidate) == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_static(v));
            matches_if_none_match(&h, &etag)
        };
        assert!(with("W/\"abc\""));
        assert!(with("\"abc\""));
        assert!(with("\"x\", W/\"abc\""));
        assert!(with("*"));
        assert!(!with("\"abd\""));
        assert!(!matches_if_none_match(&HeaderMap::new(), &etag));
    }
}
