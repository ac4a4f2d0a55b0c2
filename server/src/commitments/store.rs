//! SQL for commitments. A reservation is one conditional UPDATE per line
//! inside one transaction: the row lock (PostgreSQL) or the database write
//! lock (SQLite) makes "check what remains, then take it" a single step, so
//! two donors racing for the last units can never both get them.

use kolaborasi_shared::{
    CollaboratorKind, CommitmentLine, CommitmentPlace, CommitmentStatus, CommitmentView,
    PackageRemaining,
};

use kolaborasi_shared::log::{CollaboratorFacts, LineFacts, MadeFacts, PlaceFacts, kind};

use super::expiry::release_in;
use super::input::Checked;
use crate::db::{Db, values_placeholders};
use crate::error::{AppError, FieldIssue};
use crate::log::{self, append_in};
use crate::{on_db, secrets};
use sqlx::Acquire as _;

/// What a create attempt came to.
#[derive(Debug)]
pub enum Outcome {
    Created {
        /// The commitment as stored, for the receipt (no read after).
        record: Box<(Row, Vec<CommitmentLine>)>,
    },
    /// The idempotency key was used before with the same request.
    Replayed {
        code: String,
    },
    /// The idempotency key was used before with another request.
    KeyReused,
    LocationUnknown,
    LocationInactive,
    /// Lines naming packages that do not exist or are not needed here.
    BadLines(Vec<FieldIssue>),
    /// Less remains than asked for; nothing was reserved.
    Insufficient,
}

/// One reservation as the handler checked it (owned: it may wait in the
/// group committer's queue).
pub struct Request {
    pub checked: Checked,
    pub idempotency_key: String,
    pub request_hash: String,
    pub account_id: Option<i64>,
    pub now: i64,
    pub expires_at: i64,
    pub demo: bool,
    /// See `log::collaborator_ref`.
    pub collaborator_ref: String,
    /// Whether the contact is confirmed (an account with a confirmed
    /// address): else the hold is short and each line is capped by
    /// `share_percent` of what remains.
    pub confirmed: bool,
    pub share_percent: u32,
    /// The donor's language (`id`, `en`) and the site address they used,
    /// for e-mail about the commitment.
    pub lang: &'static str,
    pub base_url: String,
    /// Rate-limit events this commitment counts as (`rate::events`),
    /// recorded in its own transaction: no commit of their own.
    pub rate_events: Vec<(&'static str, String)>,
}

/// The most one unconfirmed commitment may take of `remaining` units:
/// `share_percent` of it, at least one.
#[must_use]
pub fn unconfirmed_cap(remaining: i64, share_percent: u32) -> i64 {
    (remaining * i64::from(share_percent) / 100).max(1)
}

#[derive(sqlx::FromRow)]
struct NeedInfo {
    package_id: i64,
    unit_value: i64,
    slug: String,
    program: String,
    target: i64,
    taken: i64,
    once_per_family: bool,
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    active: bool,
    headcount: i32,
    name: String,
    category: String,
    kelurahan_code: String,
    kota_code: String,
    kecamatan_code: String,
    headcount_unit: String,
}

/// Errors worth one more attempt: a unique key taken by a concurrent
/// transaction (the replay then finds it), or a PostgreSQL deadlock or
/// serialisation failure.
fn retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation() || matches!(d.code().as_deref(), Some("40P01" | "40001"))
        }
        _ => false,
    }
}

/// One reservation inside the transaction (or savepoint) `$tx`, either
/// engine: an async block that evaluates to the outcome and, when
/// [`Outcome::Created`], the log events to append (expiries of the place's
/// overdue commitments, then the commitment). Anything but `Created` must
/// be rolled back by the caller; appending and committing are the caller's.
macro_rules! reserve_in {
    ($tx:expr, $req:expr, $expire:expr) => {
        async {
        let c = &$req.checked;
        let location_id = c.location_id;
        // First statement: a write (see expiry::release_in!). A group
        // expires its places once, before its reservations.
        let mut events = if $expire {
            release_in!($tx, location_id, $req.now)
        } else {
            Vec::new()
        };

        let previous: Option<(String, String)> = sqlx::query_as(
            "SELECT code, request_hash FROM commitments WHERE idempotency_key = $1",
        )
        .bind(&$req.idempotency_key)
        .fetch_optional(&mut *$tx)
        .await?;
        if let Some((code, hash)) = previous {
            return Ok((if secrets::constant_time_eq(hash.as_bytes(), $req.request_hash.as_bytes()) {
                Outcome::Replayed { code }
            } else {
                Outcome::KeyReused
            }, Vec::new()));
        }

        // A no-op write locks the place's row (PostgreSQL): a concurrent
        // staff edit of its headcount is logged entirely before or after
        // this commitment, so the log's facts follow the order of changes.
        let location: Option<PlaceRow> = sqlx::query_as(
            "UPDATE locations SET headcount = headcount WHERE id = $1 \
             RETURNING active, headcount, name, category, kelurahan_code, kota_code, kecamatan_code, \
             headcount_unit",
        )
        .bind(location_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let Some(place) = location else {
            return Ok((Outcome::LocationUnknown, Vec::new()));
        };
        let headcount = place.headcount;
        if !place.active {
            return Ok((Outcome::LocationInactive, Vec::new()));
        }

        let needed: Vec<NeedInfo> = sqlx::query_as(
            "SELECT n.package_id, p.unit_value, p.slug, g.slug AS program, \
             n.target, n.committed + n.delivered AS taken, p.once_per_family \
             FROM needs n JOIN packages p ON p.id = n.package_id JOIN programs g ON g.id = p.program_id \
             WHERE n.location_id = $1 AND p.active = TRUE",
        )
        .bind(location_id)
        .fetch_all(&mut *$tx)
        .await?;
        // Which packages exist: only asked when a line is not needed here.
        let known: Vec<i64> = if c.lines.iter().all(|(p, _)| needed.iter().any(|n| n.package_id == *p)) {
            Vec::new()
        } else {
            sqlx::query_scalar("SELECT id FROM packages WHERE active = TRUE")
                .fetch_all(&mut *$tx)
                .await?
        };
        let mut bad = Vec::new();
        let mut priced = Vec::with_capacity(c.lines.len());
        let mut logged = Vec::with_capacity(c.lines.len());
        for (package_id, quantity) in &c.lines {
            let index = original_index(&$req.checked, *package_id);
            match needed.iter().find(|n| n.package_id == *package_id) {
                Some(n) => {
                    priced.push((*package_id, *quantity, n.unit_value));
                    logged.push(LineFacts {
                        package: n.slug.clone(),
                        program: n.program.clone(),
                        quantity: *quantity,
                        unit_value: n.unit_value,
                    });
                }
                None if known.contains(package_id) => bad.push(FieldIssue::new(
                    format!("lines.{index}.package_id"),
                    "error.commitment.package_not_needed",
                )),
                None => bad.push(FieldIssue::new(
                    format!("lines.{index}.package_id"),
                    "error.commitment.package_unknown",
                )),
            }
        }
        // Without a confirmed contact, one commitment takes at most a share
        // of what remains (finding 3: one request could hold a place's
        // whole need). The place's row is locked, so what remains is current.
        if !$req.confirmed {
            for (package_id, quantity, _) in &priced {
                let Some(n) = needed.iter().find(|n| n.package_id == *package_id) else {
                    continue;
                };
                let ceiling = if n.once_per_family { n.target.min(i64::from(headcount)) } else { n.target };
                let remaining = ceiling - n.taken;
                let cap = unconfirmed_cap(remaining, $req.share_percent);
                // More than remains is the 409 below, with what remains.
                if *quantity <= remaining && *quantity > cap {
                    let index = original_index(&$req.checked, *package_id);
                    bad.push(
                        FieldIssue::new(format!("lines.{index}.quantity"), "error.commitment.unconfirmed_share")
                            .with("max", cap),
                    );
                }
            }
        }
        if !bad.is_empty() {
            return Ok((Outcome::BadLines(bad), Vec::new()));
        }

        // Once-per-family packages are also capped by the headcount, across
        // every commitment ever made (delivered ones included).
        for (package_id, quantity, _) in &priced {
            let taken = sqlx::query(
                "UPDATE needs SET committed = committed + $3 \
                 WHERE location_id = $1 AND package_id = $2 \
                   AND committed + delivered + $3 <= target \
                   AND (committed + delivered + $3 <= $4 OR NOT EXISTS \
                        (SELECT 1 FROM packages p WHERE p.id = $2 AND p.once_per_family = TRUE))",
            )
            .bind(location_id)
            .bind(*package_id)
            .bind(*quantity)
            .bind(i64::from(headcount))
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if taken != 1 {
                return Ok((Outcome::Insufficient, Vec::new()));
            }
        }

        // 40 random bits: a clash with an existing code is a unique
        // violation, and the reservation is tried again with a new one.
        let code = secrets::tracking_code().map_err(|e| sqlx::Error::Protocol(format!("{e:?}")))?;
        let total: i64 = priced.iter().map(|(_, q, v)| q * v).sum();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO commitments (code, location_id, account_id, status, planned_date, \
             collaborator_name, collaborator_kind, show_name, contact_email, contact_phone, \
             idempotency_key, request_hash, total_value, demo, created_at, expires_at, collaborator_ref, \
             confirmed_at, lang, base_url) \
             VALUES ($1, $2, $3, 'committed', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19) RETURNING id",
        )
        .bind(&code)
        .bind(location_id)
        .bind($req.account_id)
        .bind(&c.planned_date)
        .bind(&c.identity.name)
        .bind(c.identity.kind.as_str())
        .bind(c.show_name)
        .bind(&c.identity.email)
        .bind(&c.identity.phone)
        .bind(&$req.idempotency_key)
        .bind(&$req.request_hash)
        .bind(total)
        .bind($req.demo)
        .bind($req.now)
        .bind($req.expires_at)
        .bind(&$req.collaborator_ref)
        .bind($req.confirmed.then_some($req.now))
        .bind($req.lang)
        .bind(&$req.base_url)
        .fetch_one(&mut *$tx)
        .await?;
        if !$req.demo {
            // The receipt e-mail, in the same transaction: an acknowledged
            // commitment always has its message.
            sqlx::query(
                "INSERT INTO outbox (kind, commitment_id, created_at, next_attempt_at) \
                 VALUES ('committed', $1, $2, $2)",
            )
            .bind(id)
            .bind($req.now)
            .execute(&mut *$tx)
            .await?;
        }
        if !$req.rate_events.is_empty() {
            let sql = crate::rate::insert_sql($req.rate_events.len());
            let mut q = sqlx::query(&sql);
            for (scope, key) in &$req.rate_events {
                q = q.bind(*scope).bind(key).bind($req.now);
            }
            q.execute(&mut *$tx).await?;
        }
        let sql = format!(
            "INSERT INTO commitment_lines (commitment_id, package_id, quantity, unit_value) VALUES {}",
            values_placeholders(priced.len(), 4)
        );
        let mut q = sqlx::query(&sql);
        for (package_id, quantity, unit_value) in &priced {
            q = q.bind(id).bind(*package_id).bind(*quantity).bind(*unit_value);
        }
        q.execute(&mut *$tx).await?;
        let record = Box::new((
            Row {
                id,
                code: code.clone(),
                status: "committed".to_owned(),
                planned_date: c.planned_date.clone(),
                collaborator_name: c.identity.name.clone(),
                collaborator_kind: c.identity.kind.as_str().to_owned(),
                show_name: c.show_name,
                total_value: total,
                created_at: $req.now,
                expires_at: $req.expires_at,
                closed_at: None,
                location_id,
                location_name: place.name.clone(),
                location_category: place.category.clone(),
                location_area: place.kelurahan_code.clone(),
                contact_email: c.identity.email.clone(),
                contact_phone: c.identity.phone.clone(),
                account_id: $req.account_id,
                kota_code: place.kota_code.clone(),
                kecamatan_code: place.kecamatan_code.clone(),
                verified_at: None,
                confirmed_at: $req.confirmed.then_some($req.now),
            },
            priced
                .iter()
                .map(|(package_id, quantity, unit_value)| {
                    Ok(CommitmentLine {
                        package_id: *package_id,
                        quantity: u32::try_from(*quantity)
                            .map_err(|_| sqlx::Error::Protocol(format!("quantity {quantity}")))?,
                        unit_value: *unit_value,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?,
        ));
        let made = MadeFacts {
            code: code.clone(),
            location: PlaceFacts {
                id: location_id,
                name: place.name,
                category: place.category,
                kelurahan: place.kelurahan_code,
                kota: place.kota_code,
                headcount: i64::from(place.headcount),
                unit: place.headcount_unit,
            },
            collaborator: CollaboratorFacts {
                reference: $req.collaborator_ref.clone(),
                kind: c.identity.kind.as_str().to_owned(),
                // The log is forever: a name only for a confirmed contact.
                name: (c.show_name && $req.confirmed).then(|| c.identity.name.clone()),
            },
            // Logged in the order the lines were stored (by package).
            lines: logged,
            planned_date: c.planned_date.clone(),
            total_value: total,
            demo: $req.demo,
        };
        events.push(log::Event::made(&made, $req.now));
        Ok::<_, sqlx::Error>((Outcome::Created { record }, events))
        }
    };
}

/// Reserves and records a commitment, or says why not; writes nothing
/// unless it returns [`Outcome::Created`]. On its own transaction: the
/// group committer's way when a group could not be committed as one.
pub async fn create_alone(db: &Db, req: &Request) -> Result<Outcome, AppError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_create(db, req).await {
            Err(e) if attempt < 4 && retryable(&e) => {
                tracing::debug!(?e, attempt, "retrying a commitment transaction");
            }
            other => return other.map_err(AppError::from),
        }
    }
}

async fn try_create(db: &Db, req: &Request) -> Result<Outcome, sqlx::Error> {
    let notify = db.engine() == "postgres";
    let outcome = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let (outcome, events) = reserve_in!(tx, req, true).await?;
        if matches!(outcome, Outcome::Created { .. }) {
            append_in!(tx, notify, &events);
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        outcome
    });
    if matches!(outcome, Outcome::Created { .. }) {
        log::announce_places(&[req.checked.location_id]);
    }
    Ok(outcome)
}

/// One transaction for the whole group; the outcome of each reservation
/// (an `Err` only for that reservation), valid once this returns `Ok`.
/// Also the group's places when it wrote anything public there (a
/// reservation made, or an overdue one returned), else none.
pub(crate) async fn commit_group(
    db: &Db,
    requests: &[Request],
) -> Result<(Vec<Result<Outcome, sqlx::Error>>, Vec<i64>), sqlx::Error> {
    let notify = db.engine() == "postgres";
    let now = requests.iter().map(|r| r.now).max().unwrap_or_default();
    let mut places: Vec<i64> = requests.iter().map(|r| r.checked.location_id).collect();
    places.dedup(); // sorted by the committer
    Ok(on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        // First statements: writes (SQLite takes its lock at once). The
        // group's places return their overdue reservations, once each.
        let mut events = Vec::new();
        for &place in &places {
            events.extend(release_in!(tx, place, now));
        }
        let mut outcomes = Vec::with_capacity(requests.len());
        for request in requests {
            if request.checked.lines.len() == 1 {
                // One line writes nothing before its conditional update, and
                // nothing at all when refused: no savepoint needed. An error
                // fails the group, which then runs one by one.
                let (outcome, made) = reserve_in!(tx, request, false).await?;
                events.extend(made);
                outcomes.push(Ok(outcome));
                continue;
            }
            let mut attempt = 0;
            let outcome = loop {
                attempt += 1;
                let mut savepoint = tx.begin().await?;
                match reserve_in!(savepoint, request, false).await {
                    Ok((created @ Outcome::Created { .. }, made)) => {
                        savepoint.commit().await?;
                        events.extend(made);
                        break Ok(created);
                    }
                    Ok((other, _)) => {
                        savepoint.rollback().await?;
                        break Ok(other);
                    }
                    Err(e) => {
                        savepoint.rollback().await?;
                        if attempt < 3 && retryable(&e) {
                            continue;
                        }
                        break Err(e);
                    }
                }
            };
            outcomes.push(outcome);
        }
        append_in!(tx, notify, &events);
        tx.commit().await?;
        (outcomes, if events.is_empty() { Vec::new() } else { places })
    }))
}

fn original_index(checked: &Checked, package_id: i64) -> usize {
    // Lines are sorted for locking; field paths name the position the client sent.
    checked
        .original_order
        .iter()
        .position(|p| *p == package_id)
        .unwrap_or(0)
}

/// Whether a commitment was made with this idempotency key (its replay
/// must answer, whatever the limits say now).
pub async fn key_used(db: &Db, key: &str) -> Result<bool, AppError> {
    let found: Option<i64> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM commitments WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?);
    Ok(found.is_some())
}

/// Open commitments of this contact still awaiting confirmation, counted
/// up to `up_to` (a limit needs no more, and an address with thousands of
/// them costs no more than one with a few).
pub async fn unconfirmed_of(db: &Db, email: &str, up_to: i64) -> Result<i64, AppError> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM commitments \
         WHERE contact_email = $1 AND status = 'committed' AND confirmed_at IS NULL LIMIT $2) AS open",
    )
    .bind(email)
    .bind(up_to)
    .fetch_one(pool)
    .await?))
}

/// What remains of each package, as the 409 answer reports it.
pub async fn remaining_of(
    db: &Db,
    location_id: i64,
    packages: &[i64],
) -> Result<Vec<PackageRemaining>, AppError> {
    let headcount = crate::locations::store::get(db, location_id)
        .await?
        .map(|r| r.headcount())
        .transpose()?
        .unwrap_or(0);
    let needs = crate::locations::store::needs(db, location_id, headcount).await?;
    Ok(packages
        .iter()
        .map(|p| PackageRemaining {
            package_id: *p,
            remaining: needs
                .iter()
                .find(|n| n.package_id == *p)
                .map_or(0, |n| n.remaining),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub code: String,
    pub status: String,
    pub planned_date: String,
    pub collaborator_name: String,
    pub collaborator_kind: String,
    pub show_name: bool,
    pub total_value: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub closed_at: Option<i64>,
    pub location_id: i64,
    pub location_name: String,
    pub location_category: String,
    pub location_area: String,
    /// PRIVATE (only for the private view).
    pub contact_email: String,
    /// PRIVATE (only for the private view).
    pub contact_phone: String,
    pub account_id: Option<i64>,
    /// The place's kota and kecamatan (staff scope checks).
    pub kota_code: String,
    pub kecamatan_code: String,
    /// When staff verified it.
    pub verified_at: Option<i64>,
    /// When its contact was confirmed.
    pub confirmed_at: Option<i64>,
}

/// Never the contact fields, so a logged outcome cannot leak them.
impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("id", &self.id)
            .field("code", &self.code)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

const SELECT_ROW: &str = "SELECT c.id, c.code, c.status, c.planned_date, c.collaborator_name, \
    c.collaborator_kind, c.show_name, c.total_value, c.created_at, c.expires_at, c.closed_at, \
    c.location_id, l.name AS location_name, l.category AS location_category, \
    l.kelurahan_code AS location_area, c.contact_email, c.contact_phone, c.account_id, \
    l.kota_code, l.kecamatan_code, c.verified_at, c.confirmed_at FROM commitments c JOIN locations l ON l.id = c.location_id";

#[derive(sqlx::FromRow)]
struct LineRow {
    commitment_id: i64,
    package_id: i64,
    quantity: i64,
    unit_value: i64,
}

impl Row {
    /// The public view: contact fields are left out, the name only with consent.
    pub fn view(&self, lines: Vec<CommitmentLine>) -> Result<CommitmentView, AppError> {
        Ok(CommitmentView {
            code: self.code.clone(),
            status: CommitmentStatus::parse(&self.status)
                .ok_or_else(|| AppError::Internal(format!("bad status {}", self.status)))?,
            location: CommitmentPlace {
                id: self.location_id,
                name: self.location_name.clone(),
                category: kolaborasi_shared::Category::parse(&self.location_category)
                    .ok_or_else(|| AppError::Internal("bad category".into()))?,
                area: self.location_area.clone(),
            },
            lines,
            total_value: self.total_value,
            planned_date: self.planned_date.clone(),
            // With consent and a confirmed contact only (finding 5).
            collaborator_name: (self.show_name && self.confirmed_at.is_some())
                .then(|| self.collaborator_name.clone()),
            collaborator_kind: CollaboratorKind::parse(&self.collaborator_kind)
                .ok_or_else(|| AppError::Internal("bad collaborator kind".into()))?,
            created_at: self.created_at,
            expires_at: self.expires_at,
            closed_at: self.closed_at,
            history: Vec::new(),
            verified_at: self.verified_at,
            confirmed_at: self.confirmed_at,
            delivery: None,
            corrections: Vec::new(),
        })
    }
}

fn to_line(r: &LineRow) -> Result<CommitmentLine, AppError> {
    Ok(CommitmentLine {
        package_id: r.package_id,
        quantity: u32::try_from(r.quantity)
            .map_err(|_| AppError::Internal(format!("quantity {}", r.quantity)))?,
        unit_value: r.unit_value,
    })
}

/// One commitment and its lines, by tracking code.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<(Row, Vec<CommitmentLine>)>, AppError> {
    let sql = format!("{SELECT_ROW} WHERE c.code = $1");
    let row: Option<Row> =
        on_db!(db, pool => sqlx::query_as(&sql).bind(code).fetch_optional(pool).await?);
    let Some(row) = row else { return Ok(None) };
    let lines: Vec<LineRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT commitment_id, package_id, quantity, unit_value FROM commitment_lines \
         WHERE commitment_id = $1 ORDER BY package_id",
    )
    .bind(row.id)
    .fetch_all(pool)
    .await?);
    let lines = lines.iter().map(to_line).collect::<Result<_, _>>()?;
    Ok(Some((row, lines)))
}

/// An account's commitments, newest first: two queries whatever the count.
pub async fn by_account(db: &Db, account_id: i64) -> Result<Vec<CommitmentView>, AppError> {
    let sql = format!("{SELECT_ROW} WHERE c.account_id = $1 ORDER BY c.created_at DESC, c.id DESC");
    let rows: Vec<Row> =
        on_db!(db, pool => sqlx::query_as(&sql).bind(account_id).fetch_all(pool).await?);
    let lines: Vec<LineRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT q.commitment_id, q.package_id, q.quantity, q.unit_value FROM commitment_lines q \
         JOIN commitments c ON c.id = q.commitment_id WHERE c.account_id = $1 \
         ORDER BY q.commitment_id, q.package_id",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?);
    rows.iter()
        .map(|r| {
            let mine = lines
                .iter()
                .filter(|l| l.commitment_id == r.id)
                .map(to_line)
                .collect::<Result<_, _>>()?;
            r.view(mine)
        })
        .collect()
}

/// Cancels an open commitment and returns its quantities at once.
/// `false` when it was not open (any more).
pub async fn cancel(
    db: &Db,
    id: i64,
    code: &str,
    location_id: i64,
    now: i64,
) -> Result<bool, AppError> {
    let notify = db.engine() == "postgres";
    let changed = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE commitments SET status = 'cancelled', closed_at = $2 \
             WHERE id = $1 AND status = 'committed'",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            sqlx::query(super::expiry::RETURN_QUANTITIES)
                .bind(id)
                .bind(location_id)
                .execute(&mut *tx)
                .await?;
            let event = log::Event::closed(kind::COMMITMENT_CANCELLED, code, now);
            append_in!(tx, notify, std::slice::from_ref(&event));
        }
        tx.commit().await?;
        changed
    });
    if changed {
        log::announce_places(&[location_id]);
    }
    Ok(changed)
}

/// Records an open commitment as delivered in full: its quantities move
/// from `committed` to `delivered`, and the change is logged. `false` when
/// it was not open (any more).
pub async fn deliver(
    db: &Db,
    id: i64,
    code: &str,
    location_id: i64,
    now: i64,
) -> Result<bool, AppError> {
    let notify = db.engine() == "postgres";
    let changed = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE commitments SET status = 'delivered', closed_at = $2 \
             WHERE id = $1 AND status = 'committed'",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            sqlx::query(
                "UPDATE needs SET \
                 committed = committed - (SELECT q.quantity FROM commitment_lines q \
                     WHERE q.commitment_id = $1 AND q.package_id = needs.package_id), \
                 delivered = delivered + (SELECT q.quantity FROM commitment_lines q \
                     WHERE q.commitment_id = $1 AND q.package_id = needs.package_id) \
                 WHERE location_id = $2 AND package_id IN \
                 (SELECT package_id FROM commitment_lines WHERE commitment_id = $1)",
            )
            .bind(id)
            .bind(location_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE commitment_lines SET delivered_quantity = quantity WHERE commitment_id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let event = log::Event::closed(kind::COMMITMENT_DELIVERED, code, now);
            append_in!(tx, notify, std::slice::from_ref(&event));
        }
        tx.commit().await?;
        changed
    });
    if changed {
        log::announce_places(&[location_id]);
    }
    Ok(changed)
}

/// Confirms an open commitment's contact: it keeps its quantities until
/// `expires_at` (the full period). `false` when it was confirmed already or
/// is not open. (Accounts sign in only once activated, so an account's
/// commitments are confirmed when made.)
pub async fn confirm(
    db: &Db,
    row: &Row,
    expires_at: i64,
    now: i64,
    staff: Option<i64>,
) -> Result<bool, AppError> {
    let changed = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE commitments SET confirmed_at = $2, \
             expires_at = CASE WHEN expires_at > $3 THEN expires_at ELSE $3 END \
             WHERE id = $1 AND status = 'committed' AND confirmed_at IS NULL",
        )
        .bind(row.id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed && let Some(staff) = staff {
            crate::staff::audit_in!(tx, staff, "contact_confirmed", &row.code, "");
        }
        tx.commit().await?;
        changed
    });
    if changed {
        // Not an entry of the log: the public view and lists change.
        log::changed_without_entry(db).await?;
    }
    Ok(changed)
}

/// Checks the bookkeeping: every need's `committed` equals the sum of its
/// open commitment lines, and `delivered` that of delivered ones. Returns
/// the needs that disagree (tests and the `check` command use it).
pub async fn audit_needs(db: &Db) -> Result<Vec<(i64, i64)>, AppError> {
    const SQL: &str = "SELECT n.location_id, n.package_id FROM needs n WHERE \
        n.committed <> COALESCE((SELECT SUM(q.quantity) FROM commitment_lines q \
            JOIN commitments c ON c.id = q.commitment_id \
            WHERE c.location_id = n.location_id AND q.package_id = n.package_id \
              AND c.status = 'committed'), 0) \
        OR n.delivered <> COALESCE((SELECT SUM(COALESCE(q.delivered_quantity, q.quantity)) FROM commitment_lines q \
            JOIN commitments c ON c.id = q.commitment_id \
            WHERE c.location_id = n.location_id AND q.package_id = n.package_id \
              AND c.status = 'delivered'), 0)";
    Ok(on_db!(db, pool => sqlx::query_as(SQL).fetch_all(pool).await?))
}
