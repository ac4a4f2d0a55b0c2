//! The public log: every public state change, appended in order, each entry
//! chained to the one before by SHA-256. Anyone can download it, recompute
//! the chain and the public totals, and compare both with what the platform
//! shows. The browser does it (`/verifikasi`), and so does the server's
//! `verify-log` command — with this one implementation.
//!
//! An entry's hash is the SHA-256 (lower-case hex) of its *canonical form*:
//! the JSON object `{"at":…,"facts":…,"kind":…,"prev":…,"seq":…}` with the
//! keys of every object sorted by their UTF-8 bytes, no whitespace, integers
//! written in full, and strings escaped as `serde_json` does (`\"`, `\\`,
//! control characters as `\n`/`\u00XX`; everything else literal UTF-8).
//! `prev` is the previous entry's hash, and [`GENESIS`] for entry 1.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::stats::Totals;

/// The `prev` of the first entry: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Most entries one `GET /api/v1/log` page returns.
pub const MAX_PAGE: u32 = 5000;

/// Entry kinds. Unknown kinds still verify (the chain does not care), and
/// are ignored by the totals.
pub mod kind {
    pub const COMMITMENT_MADE: &str = "commitment_made";
    pub const COMMITMENT_CANCELLED: &str = "commitment_cancelled";
    pub const COMMITMENT_EXPIRED: &str = "commitment_expired";
    pub const COMMITMENT_DELIVERED: &str = "commitment_delivered";
    /// Staff checked a commitment.
    pub const COMMITMENT_VERIFIED: &str = "commitment_verified";
    /// The place confirmed what it received (OK and damaged per line).
    pub const DELIVERY_CONFIRMED: &str = "delivery_confirmed";
    /// The place disputed the delivery report.
    pub const DELIVERY_DISPUTED: &str = "delivery_disputed";
    /// Staff checked the delivery report and its evidence.
    pub const DELIVERY_VERIFIED: &str = "delivery_verified";
    /// A public correction with its reason; nothing earlier is rewritten.
    pub const CORRECTION: &str = "correction";
    /// A place was created or its public facts changed (headcount among them).
    pub const LOCATION_UPDATED: &str = "location_updated";
    /// The deployment's head-signing key was replaced ([`super::KeyRotationFacts`]).
    pub const SIGNING_KEY_ROTATED: &str = "signing_key_rotated";
    /// A resident reported a problem at a place (its kind, never its text).
    pub const REPORT_RECEIVED: &str = "report_received";
    /// Staff moved a report on (checking, resolved or declined, with the
    /// public answer).
    pub const REPORT_UPDATED: &str = "report_updated";
}

/// One entry as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LogEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub kind: String,
    /// The public facts of the change; never contact data.
    pub facts: Value,
    /// Hash of the previous entry ([`GENESIS`] for the first).
    pub prev: String,
    /// SHA-256 of this entry's canonical form.
    pub hash: String,
}

/// The newest entry: `GET /api/v1/log/head`. `seq` 0 and [`GENESIS`] when empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LogHead {
    pub seq: i64,
    pub hash: String,
}

/// A head signed with the deployment's Ed25519 key: `GET /api/v1/log/head`,
/// one line of `GET /api/v1/log/heads`, the `Kolaborasi-Log-Head` header of
/// the open data downloads. The signature covers [`head_message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignedHead {
    pub seq: i64,
    pub hash: String,
    /// When it was signed, Unix seconds.
    pub at: i64,
    /// The Ed25519 public key that signed it, hex (as in `/api/v1/config`).
    pub key: String,
    /// Ed25519 signature of [`head_message`], hex (64 bytes).
    pub signature: String,
}

impl SignedHead {
    #[must_use]
    pub fn head(&self) -> LogHead {
        LogHead {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }

    /// The bytes its signature covers.
    #[must_use]
    pub fn message(&self) -> String {
        head_message(self.seq, &self.hash, self.at)
    }
}

/// What a head's signature covers: `kolaborasi-log-head/v1`, the sequence
/// number, the hash and the signing time, each on its own line (ASCII).
#[must_use]
pub fn head_message(seq: i64, hash: &str, at: i64) -> String {
    format!("kolaborasi-log-head/v1\n{seq}\n{hash}\n{at}\n")
}

/// What a key rotation's signature covers: the new key, signed by the old one.
#[must_use]
pub fn rotation_message(previous: &str, key: &str) -> String {
    format!("kolaborasi-key-rotation/v1\n{previous}\n{key}\n")
}

/// Facts of `signing_key_rotated`: heads from this entry on are signed by
/// `key`; `signature` is `previous`'s signature of [`rotation_message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyRotationFacts {
    pub previous: String,
    pub key: String,
    pub signature: String,
}

/// `GET /api/v1/log?after=N&limit=M`: entries with `seq > N`, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// The head when the page was read.
    pub head: LogHead,
    /// Pass as `after` for the next page; `None` when this page reaches the head.
    pub next_after: Option<i64>,
}

/// One commitment's public history, from the log (`GET /api/v1/commitments/{code}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: i64,
    pub kind: String,
}

/// The canonical form hashed for an entry (see the module documentation).
#[must_use]
pub fn canonical(seq: i64, at: i64, kind: &str, facts: &Value, prev: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("{\"at\":");
    let _ = write!(out, "{at}");
    out.push_str(",\"facts\":");
    write_canonical(&mut out, facts);
    out.push_str(",\"kind\":");
    write_string(&mut out, kind);
    out.push_str(",\"prev\":");
    write_string(&mut out, prev);
    let _ = write!(out, ",\"seq\":{seq}}}");
    out
}

/// SHA-256 (lower-case hex) of the canonical form.
#[must_use]
pub fn entry_hash(seq: i64, at: i64, kind: &str, facts: &Value, prev: &str) -> String {
    let digest = Sha256::digest(canonical(seq, at, kind, facts, prev).as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

fn write_string(out: &mut String, s: &str) {
    // serde_json's escaping of a plain string cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// Writes `v` with every object's keys sorted — independent of whether
/// `serde_json` keeps insertion order in this build.
pub fn write_canonical(out: &mut String, v: &Value) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_canonical(out, &map[*k]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::String(s) => write_string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

/// `facts` with sorted keys and no whitespace: how facts are stored.
#[must_use]
pub fn canonical_facts(facts: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, facts);
    out
}

/// Public facts of a location, as of the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlaceFacts {
    pub id: i64,
    pub name: String,
    pub category: String,
    /// Kelurahan, kecamatan and kota codes.
    pub kelurahan: String,
    pub kota: String,
    pub headcount: i64,
    /// `families` or `people`.
    pub unit: String,
}

/// Who committed: a pseudonymous reference (the same for every commitment
/// with the same e-mail address; not reversible), the kind, and the name
/// only with consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CollaboratorFacts {
    #[serde(rename = "ref")]
    pub reference: String,
    pub kind: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineFacts {
    /// Package slug.
    pub package: String,
    /// Program slug.
    pub program: String,
    pub quantity: i64,
    /// Whole Rupiah per unit.
    pub unit_value: i64,
}

/// Facts of `commitment_made`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MadeFacts {
    pub code: String,
    pub location: PlaceFacts,
    pub collaborator: CollaboratorFacts,
    pub lines: Vec<LineFacts>,
    pub planned_date: String,
    pub total_value: i64,
    /// Generated demonstration data, not a real pledge.
    pub demo: bool,
}

/// Facts of `commitment_cancelled`, `commitment_expired`,
/// `commitment_verified`, `delivery_*` and `correction` (which add more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeFacts {
    pub code: String,
}

/// Facts of `commitment_delivered`. Entries written before partial
/// deliveries existed carry only the code: everything committed was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveredFacts {
    pub code: String,
    /// Per line: the package and how many were handed over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<DeliveredLineFacts>>,
    /// Sum of the delivered quantities, and their reference value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_on: Option<String>,
    /// `collaborator` or `staff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveredLineFacts {
    pub package: String,
    pub quantity: i64,
}

/// Why verification stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The entry's `seq` is not the one after the previous entry.
    Sequence,
    /// Its `prev` is not the previous entry's hash.
    Chain,
    /// Its `hash` is not the hash of its contents.
    Hash,
    /// A known kind whose facts do not fit it, or refer to an unknown commitment.
    Facts,
}

/// The first entry that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Mismatch {
    pub seq: i64,
    /// 1-based position in the downloaded log.
    pub position: u64,
    pub problem: Problem,
}

#[derive(Debug, Clone)]
struct Commitment {
    live: bool,
    delivered: bool,
    collaborator: String,
    location: i64,
    quantity: i64,
    value: i64,
    delivered_quantity: i64,
    delivered_value: i64,
}

/// Verifies entries one at a time (page by page while downloading) and
/// folds them into the public totals.
#[derive(Debug, Clone)]
pub struct Verifier {
    /// False when continuing from a head (a witness): the chain only.
    facts: bool,
    seq: i64,
    hash: String,
    position: u64,
    commitments: BTreeMap<String, Commitment>,
    /// Latest headcount and unit per location.
    places: BTreeMap<i64, (i64, String)>,
    /// The signing key the last rotation handed on to.
    key: Option<String>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    #[must_use]
    pub fn new() -> Self {
        Self {
            facts: true,
            seq: 0,
            hash: GENESIS.to_owned(),
            position: 0,
            commitments: BTreeMap::new(),
            places: BTreeMap::new(),
            key: None,
        }
    }

    /// Checks that the entries after `head` chain to it and to each other:
    /// a witness's check that today's log extends a head it saw earlier.
    /// The facts are not folded (the totals need the log from its start).
    #[must_use]
    pub fn continuing(head: &LogHead) -> Self {
        Self {
            facts: false,
            seq: head.seq,
            hash: head.hash.clone(),
            ..Self::new()
        }
    }

    /// The last verified entry (`seq` 0 and [`GENESIS`] before any).
    #[must_use]
    pub fn head(&self) -> LogHead {
        LogHead {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }

    /// Checks the next entry; after an error the verifier must not be fed further.
    pub fn push(&mut self, e: &LogEntry) -> Result<(), Mismatch> {
        self.position += 1;
        let position = self.position;
        let fail = |problem| Mismatch {
            seq: e.seq,
            position,
            problem,
        };
        if e.seq != self.seq + 1 {
            return Err(fail(Problem::Sequence));
        }
        if e.prev != self.hash {
            return Err(fail(Problem::Chain));
        }
        if entry_hash(e.seq, e.at, &e.kind, &e.facts, &e.prev) != e.hash {
            return Err(fail(Problem::Hash));
        }
        if self.facts && !self.fold(e) {
            return Err(fail(Problem::Facts));
        }
        self.seq = e.seq;
        self.hash.clone_from(&e.hash);
        Ok(())
    }

    fn fold(&mut self, e: &LogEntry) -> bool {
        match e.kind.as_str() {
            kind::COMMITMENT_MADE => {
                let Ok(f) = serde_json::from_value::<MadeFacts>(e.facts.clone()) else {
                    return false;
                };
                if self.commitments.contains_key(&f.code) {
                    return false;
                }
                self.places
                    .insert(f.location.id, (f.location.headcount, f.location.unit));
                self.commitments.insert(
                    f.code,
                    Commitment {
                        live: true,
                        delivered: false,
                        collaborator: f.collaborator.reference,
                        location: f.location.id,
                        quantity: f.lines.iter().map(|l| l.quantity).sum(),
                        value: f.total_value,
                        delivered_quantity: 0,
                        delivered_value: 0,
                    },
                );
                true
            }
            // Each rotation starts from the key the one before handed on to
            // (its signature is checked where Ed25519 is at hand).
            kind::SIGNING_KEY_ROTATED => {
                let Ok(f) = serde_json::from_value::<KeyRotationFacts>(e.facts.clone()) else {
                    return false;
                };
                if self.key.as_ref().is_some_and(|k| *k != f.previous) {
                    return false;
                }
                self.key = Some(f.key);
                true
            }
            kind::LOCATION_UPDATED => {
                let Ok(f) = serde_json::from_value::<PlaceFacts>(e.facts.clone()) else {
                    return false;
                };
                self.places.insert(f.id, (f.headcount, f.unit));
                true
            }
            kind::COMMITMENT_CANCELLED | kind::COMMITMENT_EXPIRED | kind::COMMITMENT_DELIVERED => {
                let Ok(f) = serde_json::from_value::<DeliveredFacts>(e.facts.clone()) else {
                    return false;
                };
                let Some(c) = self.commitments.get_mut(&f.code) else {
                    return false;
                };
                // Only an open commitment can be closed.
                if !c.live || c.delivered {
                    return false;
                }
                if e.kind == kind::COMMITMENT_DELIVERED {
                    c.delivered = true;
                    c.delivered_quantity = f.quantity.unwrap_or(c.quantity);
                    c.delivered_value = f.value.unwrap_or(c.value);
                    let lines_sum = f
                        .lines
                        .as_ref()
                        .map(|l| l.iter().map(|l| l.quantity).sum::<i64>());
                    if c.delivered_quantity < 0
                        || c.delivered_quantity > c.quantity
                        || c.delivered_value < 0
                        || c.delivered_value > c.value
                        || lines_sum.is_some_and(|n| n != c.delivered_quantity)
                    {
                        return false;
                    }
                } else {
                    c.live = false;
                }
                true
            }
            _ => true,
        }
    }

    /// The public totals as of the last verified entry, derived from the log alone.
    #[must_use]
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        let mut collaborators = BTreeSet::new();
        let mut helped = BTreeSet::new();
        let mut reached = BTreeSet::new();
        for c in self.commitments.values().filter(|c| c.live) {
            t.collaborations += 1;
            t.packages_committed += c.quantity;
            t.value_committed += c.value;
            collaborators.insert(c.collaborator.as_str());
            helped.insert(c.location);
            if c.delivered {
                t.packages_delivered += c.delivered_quantity;
                t.value_delivered += c.delivered_value;
                reached.insert(c.location);
            }
        }
        for id in &reached {
            if let Some((headcount, unit)) = self.places.get(id) {
                if unit == "people" {
                    t.people_reached += headcount;
                } else {
                    t.families_reached += headcount;
                }
            }
        }
        t.collaborators = i64::try_from(collaborators.len()).unwrap_or(i64::MAX);
        t.locations_helped = i64::try_from(helped.len()).unwrap_or(i64::MAX);
        t
    }
}

/// The commitments made among `entries` that still stand (neither
/// cancelled nor expired later among the same entries), newest first: what
/// a "recent collaborations" list may show. `entries` are a contiguous
/// window ending at the head, so a later closing is always inside it.
#[must_use]
pub fn standing_made(entries: &[LogEntry], limit: usize) -> Vec<MadeFacts> {
    let closed: std::collections::HashSet<&str> = entries
        .iter()
        .filter(|e| e.kind == kind::COMMITMENT_CANCELLED || e.kind == kind::COMMITMENT_EXPIRED)
        .filter_map(|e| e.facts.get("code").and_then(Value::as_str))
        .collect();
    entries
        .iter()
        .rev()
        .filter(|e| e.kind == kind::COMMITMENT_MADE)
        .filter_map(|e| serde_json::from_value::<MadeFacts>(e.facts.clone()).ok())
        .filter(|m| !closed.contains(m.code.as_str()))
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(seq: i64, kind: &str, facts: Value, prev: &str) -> LogEntry {
        let hash = entry_hash(seq, 100 + seq, kind, &facts, prev);
        LogEntry {
            seq,
            at: 100 + seq,
            kind: kind.to_owned(),
            facts,
            prev: prev.to_owned(),
            hash,
        }
    }

    fn made(code: &str, who: &str, location: i64, quantity: i64) -> Value {
        json!({
            "code": code,
            "location": {"id": location, "name": "RW 01", "category": "rw_prioritas",
                         "kelurahan": "31.71.01.1001", "kota": "31.71", "headcount": 40, "unit": "families"},
            "collaborator": {"ref": who, "kind": "company", "name": null},
            "lines": [{"package": "pangan-sembako", "program": "ksbb-pangan", "quantity": quantity, "unit_value": 200_000}],
            "planned_date": "2026-12-01",
            "total_value": quantity * 200_000,
            "demo": false
        })
    }

    #[test]
    fn each_key_rotation_starts_from_the_key_the_last_one_handed_on_to() {
        let rotation = |previous: &str, key: &str| json!({"previous": previous, "key": key, "signature": "00"});
        let first = entry(1, kind::SIGNING_KEY_ROTATED, rotation("k1", "k2"), GENESIS);
        let next = entry(
            2,
            kind::SIGNING_KEY_ROTATED,
            rotation("k2", "k3"),
            &first.hash,
        );
        let skipped = entry(
            2,
            kind::SIGNING_KEY_ROTATED,
            rotation("k1", "k3"),
            &first.hash,
        );
        let mut v = Verifier::new();
        assert_eq!(v.push(&first), Ok(()));
        assert_eq!(v.clone().push(&next), Ok(()));
        assert_eq!(v.push(&skipped).map_err(|m| m.problem), Err(Problem::Facts));
        // A witness checks the chain only; signatures are its own check.
        let mut w = Verifier::continuing(&LogHead {
            seq: 1,
            hash: first.hash.clone(),
        });
        assert_eq!(w.push(&skipped), Ok(()));
    }

    #[test]
    fn recent_collaborations_leave_out_the_cancelled_and_expired() {
        let entries = [
            entry(
                1,
                kind::COMMITMENT_MADE,
                made("AAAA-AAAA", "c-1", 1, 3),
                GENESIS,
            ),
            entry(
                2,
                kind::COMMITMENT_MADE,
                made("BBBB-BBBB", "c-2", 1, 1),
                "x",
            ),
            entry(
                3,
                kind::COMMITMENT_MADE,
                made("CCCC-CCCC", "c-3", 2, 2),
                "x",
            ),
            entry(
                4,
                kind::COMMITMENT_CANCELLED,
                json!({"code": "BBBB-BBBB"}),
                "x",
            ),
            entry(
                5,
                kind::COMMITMENT_MADE,
                made("DDDD-DDDD", "c-4", 2, 2),
                "x",
            ),
            entry(
                6,
                kind::COMMITMENT_EXPIRED,
                json!({"code": "CCCC-CCCC"}),
                "x",
            ),
            entry(
                7,
                kind::COMMITMENT_DELIVERED,
                json!({"code": "AAAA-AAAA"}),
                "x",
            ),
        ];
        let codes = |n| -> Vec<String> {
            standing_made(&entries, n)
                .into_iter()
                .map(|m| m.code)
                .collect()
        };
        // Newest first; delivered still stands.
        assert_eq!(codes(6), ["DDDD-DDDD", "AAAA-AAAA"]);
        assert_eq!(codes(1), ["DDDD-DDDD"]);
    }

    fn chain() -> Vec<LogEntry> {
        let a = entry(
            1,
            kind::COMMITMENT_MADE,
            made("AAAA-AAAA", "c-1", 1, 3),
            GENESIS,
        );
        let b = entry(
            2,
            kind::COMMITMENT_MADE,
            made("BBBB-BBBB", "c-1", 2, 2),
            &a.hash,
        );
        let c = entry(
            3,
            kind::COMMITMENT_DELIVERED,
            json!({"code": "AAAA-AAAA"}),
            &b.hash,
        );
        let d = entry(
            4,
            kind::COMMITMENT_CANCELLED,
            json!({"code": "BBBB-BBBB"}),
            &c.hash,
        );
        vec![a, b, c, d]
    }

    #[test]
    fn canonical_form_sorts_keys_at_every_level() {
        let facts = json!({"b": 1, "a": {"z": "é\n", "y": [2, {"d": 1, "c": null}]}});
        assert_eq!(
            canonical(7, 5, "k", &facts, "p"),
            r#"{"at":5,"facts":{"a":{"y":[2,{"c":null,"d":1}],"z":"é\n"},"b":1},"kind":"k","prev":"p","seq":7}"#
        );
    }

    #[test]
    fn a_whole_chain_verifies_and_folds_into_totals() {
        let mut v = Verifier::new();
        for e in &chain() {
            v.push(e).unwrap();
        }
        assert_eq!(v.head().seq, 4);
        let t = v.totals();
        assert_eq!(t.collaborations, 1);
        assert_eq!(t.collaborators, 1);
        assert_eq!(t.packages_committed, 3);
        assert_eq!(t.packages_delivered, 3);
        assert_eq!(t.value_delivered, 600_000);
        assert_eq!(t.families_reached, 40);
        assert_eq!(t.locations_helped, 1);
    }

    fn first_problem(entries: &[LogEntry]) -> Option<(i64, Problem)> {
        let mut v = Verifier::new();
        entries
            .iter()
            .find_map(|e| v.push(e).err())
            .map(|m| (m.seq, m.problem))
    }

    #[test]
    fn changing_deleting_or_reordering_is_detected() {
        let mut changed = chain();
        changed[1].facts["total_value"] = json!(1);
        assert_eq!(first_problem(&changed), Some((2, Problem::Hash)));

        let mut deleted = chain();
        deleted.remove(1);
        assert_eq!(first_problem(&deleted), Some((3, Problem::Sequence)));

        let mut reordered = chain();
        reordered.swap(2, 3);
        assert_eq!(first_problem(&reordered), Some((4, Problem::Sequence)));

        // Renumbered after a deletion: the chain still breaks.
        let mut renumbered = chain();
        renumbered.remove(1);
        renumbered[1].seq = 2;
        assert_eq!(first_problem(&renumbered), Some((2, Problem::Chain)));
    }

    #[test]
    fn closing_an_unknown_or_closed_commitment_is_a_facts_problem() {
        let mut entries = chain();
        let e = entry(
            5,
            kind::COMMITMENT_EXPIRED,
            json!({"code": "BBBB-BBBB"}),
            &entries[3].hash,
        );
        entries.push(e);
        assert_eq!(first_problem(&entries), Some((5, Problem::Facts)));
    }
}
