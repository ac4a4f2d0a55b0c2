//! The public log (see `kolaborasi_shared::log` for the chain and its
//! canonical form): appended inside the transaction that makes the change,
//! so an acknowledged change always has its entry and a failed one never
//! does. `GET /api/v1/log`, `GET /api/v1/log/head`, the start-up backfill
//! of commitments made before the log existed, and `verify-log`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use kolaborasi_shared::log::{
    CollaboratorFacts, LineFacts, LogEntry, LogHead, LogPage, MAX_PAGE, MadeFacts, Mismatch,
    PlaceFacts, SignedHead, Verifier, canonical_facts, entry_hash, kind,
};
use kolaborasi_shared::{HistoryEntry, Totals};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::on_db;
use crate::secrets::InstanceSecret;
use crate::signing::LogSigner;
use crate::state::AppState;

/// The PostgreSQL channel every instance listens on for new entries.
pub const CHANNEL: &str = "kolaborasi_log";

/// One entry to append.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: i64,
    pub kind: &'static str,
    /// What the entry is about (a tracking code): the key of its history.
    pub subject: String,
    pub facts: Value,
}

impl Event {
    /// An open commitment closed: cancelled, expired or delivered.
    #[must_use]
    pub fn closed(kind: &'static str, code: &str, at: i64) -> Self {
        Self {
            at,
            kind,
            subject: code.to_owned(),
            facts: json!({ "code": code }),
        }
    }

    #[must_use]
    pub fn made(facts: &MadeFacts, at: i64) -> Self {
        Self {
            at,
            kind: kind::COMMITMENT_MADE,
            subject: facts.code.clone(),
            facts: serde_json::to_value(facts).unwrap_or(Value::Null),
        }
    }
}

/// The collaborator reference of an e-mail address (see migration 0004).
#[must_use]
pub fn collaborator_ref(secret: &InstanceSecret, email: &str) -> String {
    format!("c-{}", secret.sign(&format!("collaborator:{email}")))
}

/// Rows of `public_log` to insert: (seq, event, stored facts, prev, hash).
pub(crate) struct Chained<'a> {
    pub rows: Vec<(i64, &'a Event, String, String, String)>,
    pub head: LogHead,
}

/// Chains `events` after the head `(seq, hash)`.
pub(crate) fn chain(seq: i64, hash: String, events: &[Event]) -> Chained<'_> {
    let mut seq = seq;
    let mut prev = hash;
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let hash = entry_hash(seq, e.at, e.kind, &e.facts, &prev);
        rows.push((
            seq,
            e,
            canonical_facts(&e.facts),
            std::mem::replace(&mut prev, hash.clone()),
            hash,
        ));
    }
    Chained {
        rows,
        head: LogHead { seq, hash: prev },
    }
}

/// Appends events inside the transaction `$tx` (either engine); `$notify`
/// is true on PostgreSQL, where the other instances hear of it at commit.
/// Lock the head row last in a transaction: every appender takes it, so it
/// orders them all and is held only until commit.
macro_rules! append_in {
    ($tx:expr, $notify:expr, $events:expr) => {{
        let events: &[$crate::log::Event] = $events;
        if !events.is_empty() {
            let (seq, hash): (i64, String) = sqlx::query_as(
                "UPDATE public_log_head SET seq = seq WHERE id = 1 RETURNING seq, hash",
            )
            .fetch_one(&mut *$tx)
            .await?;
            let chained = $crate::log::chain(seq, hash, events);
            for chunk in chained.rows.chunks(100) {
                let sql = format!(
                    "INSERT INTO public_log (seq, at, kind, subject, facts, prev, hash) VALUES {}",
                    $crate::db::values_placeholders(chunk.len(), 7)
                );
                let mut q = sqlx::query(&sql);
                for (seq, e, facts, prev, hash) in chunk {
                    q = q
                        .bind(*seq)
                        .bind(e.at)
                        .bind(e.kind)
                        .bind(&e.subject)
                        .bind(facts)
                        .bind(prev)
                        .bind(hash);
                }
                q.execute(&mut *$tx).await?;
            }
            sqlx::query("UPDATE public_log_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(chained.head.seq)
                .bind(&chained.head.hash)
                .execute(&mut *$tx)
                .await?;
            if $notify {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind($crate::log::CHANNEL)
                    .bind(format!("{} {}", chained.head.seq, $crate::log::instance()))
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}
pub(crate) use append_in;

/// Bumped after every commit that appended entries in this process; the
/// stats hub watches it (other processes are heard through `CHANNEL`).
static APPENDED: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// The version of the public data as this process knows it: moves after
/// every change committed here ([`announce`]) and every change another
/// instance announced ([`heard`]). The read model (`read_model.rs`) keeps an
/// answer only as long as this has not moved since it was built.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// What each recent generation changed: the places whose public data
/// changed, or `None` for anything at all. Consecutive generations, oldest
/// first, at most [`RECENT_CHANGES`].
static CHANGES: LazyLock<Mutex<VecDeque<Changed>>> = LazyLock::new(Mutex::default);

/// A generation and the places it changed (`None`: anything).
type Changed = (u64, Option<Arc<[i64]>>);

/// Generations whose changes are remembered.
const RECENT_CHANGES: usize = 1024;

/// Moves the version, remembering what changed.
fn moved(places: Option<Arc<[i64]>>) {
    let mut changes = CHANGES.lock().unwrap_or_else(PoisonError::into_inner);
    let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
    if changes.len() == RECENT_CHANGES {
        changes.pop_front();
    }
    changes.push_back((generation, places));
}

/// Tells this process that public data changed: call after the commit of
/// every change the public can see (the one place the version moves).
pub fn announce() {
    announced(None);
}

/// Like [`announce`], for a change of these places' public data only
/// (reservations, expiries): an answer listing many places may then be
/// brought up to date by reading only these (`places_changed`).
pub fn announce_places(places: &[i64]) {
    announced(Some(places.into()));
}

/// A change committed by this process: the version moves and the stats
/// hub is told.
fn announced(places: Option<Arc<[i64]>>) {
    moved(places);
    APPENDED.send_modify(|n| *n = n.wrapping_add(1));
}

/// Another instance committed a change (its notification arrived, or the
/// fallback poll saw the log head move).
pub(crate) fn heard() {
    moved(None);
}

/// The places changed by the generations after `since` up to `until`, or
/// `None` when one of them may have changed anything (or is forgotten).
#[must_use]
pub fn places_changed(since: u64, until: u64) -> Option<Vec<i64>> {
    let changes = CHANGES.lock().unwrap_or_else(PoisonError::into_inner);
    if until <= since {
        return Some(Vec::new());
    }
    if changes.front()?.0 > since + 1 || changes.back()?.0 < until {
        return None;
    }
    let mut places = Vec::new();
    for (generation, changed) in changes.iter() {
        if *generation > since && *generation <= until {
            places.extend_from_slice(changed.as_deref()?);
        }
    }
    places.sort_unstable();
    places.dedup();
    Some(places)
}

/// This process among the instances on one database: notifications carry
/// it, so an instance does not count its own changes twice.
#[must_use]
pub fn instance() -> u64 {
    static ID: LazyLock<u64> = LazyLock::new(|| {
        let mut bytes = [0u8; 8];
        // Without randomness, the process id still tells instances apart
        // on one machine; two machines would only cost a spare rebuild.
        if getrandom::fill(&mut bytes).is_err() {
            return u64::from(std::process::id());
        }
        u64::from_le_bytes(bytes)
    });
    *ID
}

/// Whether a notification on [`CHANNEL`] came from another instance.
#[must_use]
pub fn from_elsewhere(payload: &str) -> bool {
    payload.rsplit(' ').next() != Some(instance().to_string().as_str())
}

#[must_use]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::SeqCst)
}

/// A public change that has no log entry (a staff catalogue edit): this
/// process and, on PostgreSQL, every other instance learn of it.
pub async fn changed_without_entry(db: &Db) -> Result<(), AppError> {
    if let Db::Postgres(pool) = db {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("changed {}", instance()))
            .execute(pool)
            .await?;
    }
    announce();
    Ok(())
}

#[must_use]
pub fn appended() -> watch::Receiver<u64> {
    APPENDED.subscribe()
}

pub async fn head(db: &Db) -> Result<LogHead, AppError> {
    let (seq, hash): (i64, String) = on_db!(db, pool => sqlx::query_as(
        "SELECT seq, hash FROM public_log_head WHERE id = 1"
    )
    .fetch_one(pool)
    .await?);
    Ok(LogHead { seq, hash })
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: i64,
    kind: String,
    facts: String,
    prev: String,
    hash: String,
}

impl EntryRow {
    fn entry(self) -> LogEntry {
        LogEntry {
            seq: self.seq,
            at: self.at,
            kind: self.kind,
            // Stored by us as canonical JSON; a row that is not JSON was
            // tampered with, and shows up as a hash mismatch.
            facts: serde_json::from_str(&self.facts).unwrap_or(Value::String(self.facts)),
            prev: self.prev,
            hash: self.hash,
        }
    }
}

/// Entries after `after`, at most `limit`, and where the next page starts.
pub async fn page(db: &Db, after: i64, limit: u32) -> Result<LogPage, AppError> {
    let rows: Vec<EntryRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT seq, at, kind, facts, prev, hash FROM public_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?);
    // Read after the entries: the head is never behind the page.
    let head = head(db).await?;
    let entries: Vec<LogEntry> = rows.into_iter().map(EntryRow::entry).collect();
    let last = entries.last().map_or(after, |e| e.seq);
    Ok(LogPage {
        next_after: (last < head.seq && !entries.is_empty()).then_some(last),
        entries,
        head,
    })
}

/// A commitment's entries, oldest first.
pub async fn history(db: &Db, code: &str) -> Result<Vec<HistoryEntry>, AppError> {
    let rows: Vec<(i64, i64, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT seq, at, kind FROM public_log WHERE subject = $1 ORDER BY seq"
    )
    .bind(code)
    .fetch_all(pool)
    .await?);
    Ok(rows
        .into_iter()
        .map(|(seq, at, kind)| HistoryEntry { seq, at, kind })
        .collect())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/log", get(log_page))
        .route("/log/head", get(log_head))
        .route("/log/heads", get(log_heads))
}

/// From the read model: a page of up to 5,000 entries costs its query and
/// serialisation once per change, not once per request (finding 14 of the
/// security review: 60 requests kept both cores busy for 4.6 s).
async fn log_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: axum::http::HeaderMap,
) -> AppResult<axum::response::Response> {
    let params = crate::query::params(raw.as_deref(), &["after", "limit"])?;
    let after = match params.get("after") {
        None => 0,
        Some(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AppError::invalid("after", "error.log.after_invalid"))?,
    };
    let limit = crate::query::number(
        &params,
        "limit",
        1..=MAX_PAGE,
        1000,
        "error.log.limit_invalid",
    )?;
    let db = &state.db;
    state
        .reads
        .respond(
            &format!("log?after={after}&limit={limit}"),
            &headers,
            || page(db, after, limit),
        )
        .await
}

/// The head, signed when this data version was first asked for.
async fn log_head(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> AppResult<axum::response::Response> {
    let db = &state.db;
    state
        .reads
        .respond("log/head", &headers, || signed_head(db, &state.signer))
        .await
}

/// The current head, signed now.
pub async fn signed_head(db: &Db, signer: &LogSigner) -> Result<SignedHead, AppError> {
    Ok(signer.sign_head(&head(db).await?, crate::clock::now()))
}

/// The daily signed heads, oldest first, one JSON object per line: a file
/// that only grows, for anyone to mirror and compare.
async fn log_heads(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> AppResult<axum::response::Response> {
    let db = &state.db;
    let answer = state
        .reads
        .get_bytes(HEADS_KEY, "application/x-ndjson", || async {
            let mut out = Vec::new();
            for h in published_heads(db).await? {
                serde_json::to_writer(&mut out, &h).map_err(AppError::internal)?;
                out.push(b'\n');
            }
            Ok(out)
        })
        .await?;
    answer.respond_public(&headers).await
}

/// Every published daily head, oldest first.
pub async fn published_heads(db: &Db) -> Result<Vec<SignedHead>, AppError> {
    let rows: Vec<(i64, String, i64, String, String)> = on_db!(db, pool => sqlx::query_as(
        "SELECT seq, hash, at, key, signature FROM log_heads ORDER BY day"
    )
    .fetch_all(pool)
    .await?);
    Ok(rows
        .into_iter()
        .map(|(seq, hash, at, key, signature)| SignedHead {
            seq,
            hash,
            at,
            key,
            signature,
        })
        .collect())
}

/// Signs today's head into `log_heads` unless an instance already did
/// (one row per UTC day); true when this call added it. The answer of
/// `/log/heads` is the caller's to forget ([`spawn_daily_heads`]): a new
/// line is no reason to rebuild every other public answer.
pub async fn publish_daily_head(db: &Db, signer: &LogSigner) -> Result<bool, AppError> {
    let head = signed_head(db, signer).await?;
    let day = utc_day(head.at);
    let added = on_db!(db, pool => sqlx::query(
        "INSERT INTO log_heads (day, seq, hash, at, key, signature) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (day) DO NOTHING"
    )
    .bind(&day)
    .bind(head.seq)
    .bind(&head.hash)
    .bind(head.at)
    .bind(&head.key)
    .bind(&head.signature)
    .execute(pool)
    .await?
    .rows_affected())
        > 0;
    Ok(added)
}

/// `YYYY-MM-DD` (UTC) of Unix seconds.
fn utc_day(at: i64) -> String {
    kolaborasi_shared::validate::civil_from_days(at.div_euclid(86_400))
}

/// The read-model key of `GET /log/heads`.
const HEADS_KEY: &str = "log/heads";

/// Publishes the day's signed head (the server did once before it began
/// serving), then tries every hour: the first instance each day adds it,
/// and every instance then forgets its copy of `/log/heads`, so a line
/// another instance added shows within the hour.
#[must_use]
pub fn spawn_daily_heads(
    db: Db,
    signer: Arc<LogSigner>,
    reads: Arc<crate::read_model::ReadModel>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut moved = crate::clock::moved();
        loop {
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_hours(1)) => {}
                _ = moved.changed() => {}
            }
            if let Err(e) = publish_daily_head(&db, &signer).await {
                tracing::warn!("could not publish the daily signed head: {e:?}");
            }
            reads.forget(HEADS_KEY);
        }
    })
}

/// Whether today's log extends an earlier head (`verify-log --since`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// Entry `seq` still has the kept hash, and every entry after it
    /// chains to it, up to `to`.
    Extends { to: LogHead },
    /// It does not: entry `seq` has `found` (`None`: the log is shorter),
    /// or the entries after it break the chain at `broken`.
    Diverges {
        found: Option<String>,
        broken: Option<Mismatch>,
    },
}

/// Checks that the stored log extends `earlier`: the entry at its `seq`
/// has its hash, and the entries after it chain to it.
pub async fn verify_since(db: &Db, earlier: &LogHead) -> Result<Since, AppError> {
    let found: Option<String> = if earlier.seq == 0 {
        Some(kolaborasi_shared::log::GENESIS.to_owned())
    } else {
        on_db!(db, pool => sqlx::query_scalar("SELECT hash FROM public_log WHERE seq = $1")
            .bind(earlier.seq)
            .fetch_optional(pool)
            .await?)
    };
    if found.as_deref() != Some(earlier.hash.as_str()) {
        return Ok(Since::Diverges {
            found,
            broken: None,
        });
    }
    let mut verifier = Verifier::continuing(earlier);
    loop {
        let page = page(db, verifier.head().seq, MAX_PAGE).await?;
        for e in &page.entries {
            if let Err(m) = verifier.push(e) {
                return Ok(Since::Diverges {
                    found,
                    broken: Some(m),
                });
            }
        }
        if page.next_after.is_none() || page.entries.is_empty() {
            return Ok(Since::Extends {
                to: verifier.head(),
            });
        }
    }
}

#[derive(sqlx::FromRow)]
struct BackfillRow {
    id: i64,
    code: String,
    status: String,
    planned_date: String,
    collaborator_name: String,
    collaborator_kind: String,
    show_name: bool,
    contact_email: String,
    collaborator_ref: String,
    total_value: i64,
    demo: bool,
    created_at: i64,
    closed_at: Option<i64>,
    location_id: i64,
    location_name: String,
    category: String,
    kelurahan_code: String,
    kota_code: String,
    headcount: i32,
    headcount_unit: String,
}

impl BackfillRow {
    fn facts(&self, reference: String, lines: Vec<LineFacts>) -> MadeFacts {
        MadeFacts {
            code: self.code.clone(),
            location: PlaceFacts {
                id: self.location_id,
                name: self.location_name.clone(),
                category: self.category.clone(),
                kelurahan: self.kelurahan_code.clone(),
                kota: self.kota_code.clone(),
                headcount: i64::from(self.headcount),
                unit: self.headcount_unit.clone(),
            },
            collaborator: CollaboratorFacts {
                reference,
                kind: self.collaborator_kind.clone(),
                name: self.show_name.then(|| self.collaborator_name.clone()),
            },
            lines,
            planned_date: self.planned_date.clone(),
            total_value: self.total_value,
            demo: self.demo,
        }
    }
}

#[derive(sqlx::FromRow)]
struct BackfillLine {
    commitment_id: i64,
    package: String,
    program: String,
    quantity: i64,
    unit_value: i64,
}

/// Gives commitments made before the log existed (and the demo seed's,
/// which are written directly) their reference and their entries. Runs at
/// every start; cheap when there is nothing to do. Returns how many
/// entries it appended.
pub async fn backfill(db: &Db, secret: &InstanceSecret) -> Result<usize, AppError> {
    let notify = db.engine() == "postgres";
    let appended = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        // The head lock first: a second instance starting at the same time
        // waits here, then finds nothing left to do.
        sqlx::query("UPDATE public_log_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let missing: Vec<BackfillRow> = sqlx::query_as(
            "SELECT c.id, c.code, c.status, c.planned_date, c.collaborator_name, c.collaborator_kind, \
             c.show_name, c.contact_email, c.collaborator_ref, c.total_value, c.demo, c.created_at, \
             c.closed_at, c.location_id, l.name AS location_name, l.category, l.kelurahan_code, \
             l.kota_code, l.headcount, l.headcount_unit \
             FROM commitments c JOIN locations l ON l.id = c.location_id \
             WHERE NOT EXISTS (SELECT 1 FROM public_log g WHERE g.subject = c.code) \
             ORDER BY c.created_at, c.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        if missing.is_empty() {
            tx.rollback().await?;
            0
        } else {
            let lines: Vec<BackfillLine> = sqlx::query_as(
                "SELECT q.commitment_id, p.slug AS package, g.slug AS program, q.quantity, q.unit_value \
                 FROM commitment_lines q JOIN packages p ON p.id = q.package_id \
                 JOIN programs g ON g.id = p.program_id \
                 WHERE NOT EXISTS (SELECT 1 FROM commitments c JOIN public_log e ON e.subject = c.code \
                                   WHERE c.id = q.commitment_id) \
                 ORDER BY q.commitment_id, q.package_id",
            )
            .fetch_all(&mut *tx)
            .await?;
            // Lines by commitment (both lists are in commitment order).
            let mut by_commitment: std::collections::HashMap<i64, Vec<LineFacts>> =
                std::collections::HashMap::with_capacity(missing.len());
            for l in lines {
                by_commitment.entry(l.commitment_id).or_default().push(LineFacts {
                    package: l.package,
                    program: l.program,
                    quantity: l.quantity,
                    unit_value: l.unit_value,
                });
            }
            // References for rows without one: one UPDATE per collaborator.
            // Demo rows share one placeholder address; their fictional names
            // tell them apart.
            let mut refs: std::collections::HashMap<(bool, String), String> = std::collections::HashMap::new();
            for r in missing.iter().filter(|r| r.collaborator_ref.is_empty()) {
                let key = if r.demo { r.collaborator_name.clone() } else { r.contact_email.clone() };
                refs.entry((r.demo, key)).or_insert_with_key(|(demo, key)| {
                    collaborator_ref(secret, &if *demo { format!("demo:{key}") } else { key.clone() })
                });
            }
            for ((demo, key), reference) in &refs {
                let column = if *demo { "collaborator_name" } else { "contact_email" };
                sqlx::query(&format!(
                    "UPDATE commitments SET collaborator_ref = $1 \
                     WHERE collaborator_ref = '' AND demo = $2 AND {column} = $3"
                ))
                .bind(reference)
                .bind(*demo)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            }
            let mut events = Vec::with_capacity(missing.len() * 2);
            for r in &missing {
                let reference = if r.collaborator_ref.is_empty() {
                    let key = if r.demo { r.collaborator_name.clone() } else { r.contact_email.clone() };
                    refs.get(&(r.demo, key)).cloned().unwrap_or_default()
                } else {
                    r.collaborator_ref.clone()
                };
                let facts = r.facts(reference, by_commitment.remove(&r.id).unwrap_or_default());
                events.push(Event::made(&facts, r.created_at));
                let closing = match r.status.as_str() {
                    "delivered" => Some(kind::COMMITMENT_DELIVERED),
                    "cancelled" => Some(kind::COMMITMENT_CANCELLED),
                    "expired" => Some(kind::COMMITMENT_EXPIRED),
                    _ => None,
                };
                if let Some(k) = closing {
                    events.push(Event::closed(k, &r.code, r.closed_at.unwrap_or(r.created_at)));
                }
            }
            // In time order, each commitment made before it closes.
            events.sort_by_key(|e| (e.at, e.kind != kind::COMMITMENT_MADE));
            append_in!(tx, notify, &events);
            tx.commit().await?;
            events.len()
        }
    });
    if appended > 0 {
        announce();
    }
    Ok(appended)
}

/// What `verify-log` found.
#[derive(Debug)]
pub struct Verification {
    pub head: LogHead,
    pub mismatch: Option<kolaborasi_shared::log::Mismatch>,
    /// The stored head row disagrees with the last entry.
    pub head_row: Option<LogHead>,
    pub from_log: Totals,
    pub counters: Totals,
}

/// A key rotation's signature: the new key, signed by the one it replaces
/// (the order of rotations is checked by the `Verifier`).
fn rotation_signed(e: &LogEntry) -> Result<(), Mismatch> {
    if e.kind != kind::SIGNING_KEY_ROTATED {
        return Ok(());
    }
    let signed =
        serde_json::from_value::<kolaborasi_shared::log::KeyRotationFacts>(e.facts.clone())
            .is_ok_and(|f| {
                crate::signing::verify(
                    &f.previous,
                    &kolaborasi_shared::log::rotation_message(&f.previous, &f.key),
                    &f.signature,
                )
            });
    if signed {
        Ok(())
    } else {
        Err(Mismatch {
            seq: e.seq,
            position: u64::try_from(e.seq).unwrap_or(0),
            problem: kolaborasi_shared::log::Problem::Facts,
        })
    }
}

/// Recomputes the chain and the totals from the stored log, and compares
/// them with the head row and the live counters, read at the same entry
/// (entries appended meanwhile are read too, a few times at most).
pub async fn verify(db: &Db) -> Result<Verification, AppError> {
    let mut verifier = Verifier::new();
    let mut after = 0;
    let mut mismatch = None;
    let mut rounds = 0;
    loop {
        let page = page(db, after, MAX_PAGE).await?;
        for e in &page.entries {
            if let Err(m) = verifier.push(e).and_then(|()| rotation_signed(e)) {
                mismatch = Some(m);
                break;
            }
        }
        if mismatch.is_some() {
            break;
        }
        if let Some(next) = page.next_after {
            after = next;
            continue;
        }
        let stats = crate::stats::compute(db).await?;
        rounds += 1;
        if stats.log_seq > verifier.head().seq && rounds < 5 {
            after = verifier.head().seq;
            continue;
        }
        let stored = head(db).await?;
        let head = verifier.head();
        return Ok(Verification {
            head_row: (stored.seq == head.seq && stored != head).then_some(stored),
            mismatch: None,
            from_log: verifier.totals(),
            counters: stats.totals,
            head,
        });
    }
    let stats = crate::stats::compute(db).await?;
    Ok(Verification {
        head: verifier.head(),
        mismatch,
        head_row: None,
        from_log: verifier.totals(),
        counters: stats.totals,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_days_are_civil_dates() {
        assert_eq!(super::utc_day(0), "1970-01-01");
        assert_eq!(super::utc_day(951_782_400), "2000-02-29");
        assert_eq!(super::utc_day(1_796_601_599), "2026-12-06");
        assert_eq!(super::utc_day(1_796_601_600), "2026-12-07");
    }
}
