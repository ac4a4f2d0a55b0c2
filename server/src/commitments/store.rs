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
use std::collections::HashMap;

use crate::db::{Db, placeholders_from, values_placeholders};
use crate::error::{AppError, FieldIssue};
use crate::log::{self, append_in};
use crate::{on_db, secrets};

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
    /// The contact already has this many commitments awaiting confirmation.
    ContactWaiting {
        count: i64,
    },
    /// The client's network used up its commitments for now.
    RateLimited {
        message: &'static str,
        retry_after: u64,
    },
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
    /// What an unconfirmed contact is held to (`None` for a confirmed
    /// one): checked and counted in the group's transaction.
    pub limits: Option<Limits>,
}

/// The limits of a commitment without a confirmed contact. Checked inside
/// the group's transaction, for the whole group in two statements, and
/// exactly: the group counts what it made itself. A replay of a key already
/// used is never refused by a limit.
pub struct Limits {
    /// Commitments awaiting confirmation one contact may have.
    pub per_contact: i64,
    /// Commitments per client network and window…
    pub rate: crate::rate::Limit,
    /// …counted in these buckets of the client, each with what it allows
    /// (`RateKey::buckets`).
    pub buckets: Vec<(String, i64)>,
}

/// The most one unconfirmed commitment may take of `remaining` units:
/// `share_percent` of it, at least one.
#[must_use]
pub fn unconfirmed_cap(remaining: i64, share_percent: u32) -> i64 {
    (remaining * i64::from(share_percent) / 100).max(1)
}

#[derive(sqlx::FromRow)]
struct NeedInfo {
    location_id: i64,
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
    id: i64,
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

/// The first key of the PostgreSQL advisory locks under which a group
/// counts a contact's or a network's unconfirmed commitments.
const LIMITS_LOCK: i32 = 0x6b73_6262; // "ksbb"

/// A reservation whose lines were taken, waiting for its rows to be
/// inserted with the rest of its group.
struct Made<'a> {
    /// Its position in the group.
    index: usize,
    request: &'a Request,
    place: &'a PlaceRow,
    code: String,
    /// Package, quantity, unit value, in the order the lines are stored.
    priced: Vec<(i64, i64, i64)>,
    logged: Vec<LineFacts>,
}

/// The need of package `package` at place `place`, by its index in `needs`.
fn need_at(needs: &[NeedInfo], place: i64, package: i64) -> Option<usize> {
    needs
        .iter()
        .position(|n| n.location_id == place && n.package_id == package)
}

/// Reserves every request of the group `$requests` (sorted by place) inside
/// the transaction `$tx`, either engine: an async block that evaluates to
/// each request's outcome, in order, and the log events to append (the
/// expiries of the group's overdue commitments, then each commitment made).
///
/// The group shares its statements: one returns the overdue reservations
/// of its places, one finds the keys already used, one locks and reads the
/// places, one reads their needs; then each line is one conditional update
/// (the rule against over-commitment, the same statement as alone); then
/// one multi-row insert per table stores what was made. A reservation
/// refused after some of its lines were taken gives them back in the same
/// transaction (nobody saw them), so each has its own all-or-nothing
/// outcome and one donor's refusal never touches another's commitment.
/// Anything but a database error leaves the transaction fit to commit;
/// appending and committing are the caller's.
macro_rules! reserve_group_in {
    ($tx:expr, $pg:expr, $requests:expr) => {
        async {
        let requests: &[Request] = $requests;
        let now = requests.iter().map(|r| r.now).max().unwrap_or_default();
        let mut places: Vec<i64> = requests.iter().map(|r| r.checked.location_id).collect();
        places.sort_unstable();
        places.dedup();
        // First statement: a write (see expiry::release_in!).
        let mut events = release_in!($tx, &places, now);

        let sql = format!(
            "SELECT idempotency_key, code, request_hash FROM commitments WHERE idempotency_key IN ({})",
            placeholders_from(1, requests.len())
        );
        let mut q = sqlx::query_as(&sql);
        for r in requests {
            q = q.bind(&r.idempotency_key);
        }
        let found: Vec<(String, String, String)> = q.fetch_all(&mut *$tx).await?;
        // Key → (code, request fingerprint); the group's own join it as they are made.
        let mut used: HashMap<String, (String, String)> =
            found.into_iter().map(|(k, code, hash)| (k, (code, hash))).collect();

        // The limits of unconfirmed contacts, for the whole group at once.
        let held: Vec<&Limits> = requests
            .iter()
            .filter(|r| !used.contains_key(&r.idempotency_key))
            .filter_map(|r| r.limits.as_ref())
            .collect();
        // Contact → commitments awaiting confirmation; bucket → (events in
        // the window, the oldest one's time).
        let mut waiting: HashMap<String, i64> = HashMap::new();
        let mut counted: HashMap<String, (i64, i64)> = HashMap::new();
        if let Some(first) = held.first() {
            let mut emails: Vec<&str> = requests
                .iter()
                .filter(|r| r.limits.is_some())
                .map(|r| r.checked.identity.email.as_str())
                .collect();
            emails.sort_unstable();
            emails.dedup();
            // Every commitment is limited under the same scope and window.
            let rate = first.rate;
            let mut keys: Vec<&str> = held.iter().flat_map(|l| l.buckets.iter().map(|(k, _)| k.as_str())).collect();
            keys.sort_unstable();
            keys.dedup();
            if $pg {
                // Other groups (other tasks, other instances) may count the
                // same contact or network at once: each is counted under a
                // lock of its own until this commits, taken in one order.
                let sql = format!(
                    "SELECT COUNT(pg_advisory_xact_lock({LIMITS_LOCK}, h)) FROM \
                     (SELECT DISTINCT hashtext(k) AS h FROM (VALUES {}) AS v(k) ORDER BY h) AS locked",
                    values_placeholders(emails.len() + keys.len(), 1)
                );
                let mut q = sqlx::query(&sql);
                for email in &emails {
                    q = q.bind(format!("contact {email}"));
                }
                for key in &keys {
                    q = q.bind(format!("{} {key}", rate.scope));
                }
                q.execute(&mut *$tx).await?;
            }
            let sql = format!(
                "SELECT contact_email, COUNT(*) FROM commitments \
                 WHERE contact_email IN ({}) AND status = 'committed' AND confirmed_at IS NULL \
                 GROUP BY contact_email",
                placeholders_from(1, emails.len())
            );
            let mut q = sqlx::query_as(&sql);
            for email in &emails {
                q = q.bind(*email);
            }
            let rows: Vec<(String, i64)> = q.fetch_all(&mut *$tx).await?;
            waiting.extend(rows);
            let sql = format!(
                "SELECT key, COUNT(*), MIN(at) FROM rate_events \
                 WHERE scope = $1 AND at > $2 AND key IN ({}) GROUP BY key",
                placeholders_from(3, keys.len())
            );
            let mut q = sqlx::query_as(&sql).bind(rate.scope).bind(now - rate.window);
            for key in &keys {
                q = q.bind(*key);
            }
            let rows: Vec<(String, i64, i64)> = q.fetch_all(&mut *$tx).await?;
            counted.extend(rows.into_iter().map(|(k, n, oldest)| (k, (n, oldest))));
        }

        // A no-op write locks the places' rows (PostgreSQL): a concurrent
        // staff edit of a headcount is logged entirely before or after
        // these commitments, so the log's facts follow the order of changes.
        let sql = format!(
            "UPDATE locations SET headcount = headcount WHERE id IN ({}) \
             RETURNING id, active, headcount, name, category, kelurahan_code, kota_code, \
             kecamatan_code, headcount_unit",
            placeholders_from(1, places.len())
        );
        let mut q = sqlx::query_as(&sql);
        for place in &places {
            q = q.bind(*place);
        }
        let rows: Vec<PlaceRow> = q.fetch_all(&mut *$tx).await?;

        let sql = format!(
            "SELECT n.location_id, n.package_id, p.unit_value, p.slug, g.slug AS program, \
             n.target, n.committed + n.delivered AS taken, p.once_per_family \
             FROM needs n JOIN packages p ON p.id = n.package_id JOIN programs g ON g.id = p.program_id \
             WHERE n.location_id IN ({}) AND p.active = TRUE",
            placeholders_from(1, places.len())
        );
        let mut q = sqlx::query_as(&sql);
        for place in &places {
            q = q.bind(*place);
        }
        let mut needs: Vec<NeedInfo> = q.fetch_all(&mut *$tx).await?;
        // Which packages exist: only asked when a line is not needed at its place.
        let mut known: Option<Vec<i64>> = None;

        let mut outcomes: Vec<Option<Outcome>> = requests.iter().map(|_| None).collect();
        let mut made: Vec<Made<'_>> = Vec::new();
        for (index, req) in requests.iter().enumerate() {
            let c = &req.checked;
            let location_id = c.location_id;
            if let Some((code, hash)) = used.get(&req.idempotency_key) {
                outcomes[index] = Some(
                    if secrets::constant_time_eq(hash.as_bytes(), req.request_hash.as_bytes()) {
                        Outcome::Replayed { code: code.clone() }
                    } else {
                        Outcome::KeyReused
                    },
                );
                continue;
            }
            if let Some(limits) = &req.limits {
                let count = waiting.get(&c.identity.email).copied().unwrap_or(0);
                if count >= limits.per_contact {
                    outcomes[index] = Some(Outcome::ContactWaiting { count });
                    continue;
                }
                let full = limits.buckets.iter().find_map(|(key, allowed)| {
                    counted.get(key).filter(|(n, _)| n >= allowed).map(|(_, oldest)| *oldest)
                });
                if let Some(oldest) = full {
                    outcomes[index] = Some(Outcome::RateLimited {
                        message: limits.rate.message,
                        retry_after: limits.rate.retry_after(oldest, req.now),
                    });
                    continue;
                }
            }
            let Some(place) = rows.iter().find(|p| p.id == location_id) else {
                outcomes[index] = Some(Outcome::LocationUnknown);
                continue;
            };
            if !place.active {
                outcomes[index] = Some(Outcome::LocationInactive);
                continue;
            }
            if known.is_none() && c.lines.iter().any(|(p, _)| need_at(&needs, location_id, *p).is_none()) {
                known = Some(
                    sqlx::query_scalar("SELECT id FROM packages WHERE active = TRUE")
                        .fetch_all(&mut *$tx)
                        .await?,
                );
            }
            let mut bad = Vec::new();
            // Package, quantity, unit value, the need's index.
            let mut priced = Vec::with_capacity(c.lines.len());
            for (package_id, quantity) in &c.lines {
                let line = original_index(c, *package_id);
                match need_at(&needs, location_id, *package_id) {
                    Some(n) => priced.push((*package_id, *quantity, needs[n].unit_value, n)),
                    None if known.as_ref().is_some_and(|k| k.contains(package_id)) => bad.push(
                        FieldIssue::new(format!("lines.{line}.package_id"), "error.commitment.package_not_needed"),
                    ),
                    None => bad.push(FieldIssue::new(
                        format!("lines.{line}.package_id"),
                        "error.commitment.package_unknown",
                    )),
                }
            }
            // Without a confirmed contact, one commitment takes at most a
            // share of what remains (finding 3: one request could hold a
            // place's whole need). The place's row is locked, and what the
            // group took is counted, so what remains is current.
            if !req.confirmed {
                for (package_id, quantity, _, n) in &priced {
                    let n = &needs[*n];
                    let ceiling = if n.once_per_family { n.target.min(i64::from(place.headcount)) } else { n.target };
                    let remaining = ceiling - n.taken;
                    let cap = unconfirmed_cap(remaining, req.share_percent);
                    // More than remains is the 409 below, with what remains.
                    if *quantity <= remaining && *quantity > cap {
                        let line = original_index(c, *package_id);
                        bad.push(
                            FieldIssue::new(format!("lines.{line}.quantity"), "error.commitment.unconfirmed_share")
                                .with("max", cap),
                        );
                    }
                }
            }
            if !bad.is_empty() {
                outcomes[index] = Some(Outcome::BadLines(bad));
                continue;
            }

            // Once-per-family packages are also capped by the headcount,
            // across every commitment ever made (delivered ones included).
            let mut taken = 0;
            for (package_id, quantity, _, _) in &priced {
                let rows = sqlx::query(
                    "UPDATE needs SET committed = committed + $3 \
                     WHERE location_id = $1 AND package_id = $2 \
                       AND committed + delivered + $3 <= target \
                       AND (committed + delivered + $3 <= $4 OR NOT EXISTS \
                            (SELECT 1 FROM packages p WHERE p.id = $2 AND p.once_per_family = TRUE))",
                )
                .bind(location_id)
                .bind(*package_id)
                .bind(*quantity)
                .bind(i64::from(place.headcount))
                .execute(&mut *$tx)
                .await?
                .rows_affected();
                if rows != 1 {
                    break;
                }
                taken += 1;
            }
            if taken < priced.len() {
                // All or nothing: the lines already taken go back.
                for (package_id, quantity, _, _) in &priced[..taken] {
                    sqlx::query(
                        "UPDATE needs SET committed = committed - $3 WHERE location_id = $1 AND package_id = $2",
                    )
                    .bind(location_id)
                    .bind(*package_id)
                    .bind(*quantity)
                    .execute(&mut *$tx)
                    .await?;
                }
                outcomes[index] = Some(Outcome::Insufficient);
                continue;
            }
            let mut logged = Vec::with_capacity(priced.len());
            for (_, quantity, _, n) in &priced {
                let n = &mut needs[*n];
                n.taken += *quantity;
                logged.push(LineFacts {
                    package: n.slug.clone(),
                    program: n.program.clone(),
                    quantity: *quantity,
                    unit_value: n.unit_value,
                });
            }
            // 40 random bits: a clash with an existing code is a unique
            // violation, which fails the group; it is then run one by one,
            // each with a new code.
            let code = secrets::tracking_code().map_err(|e| sqlx::Error::Protocol(format!("{e:?}")))?;
            used.insert(req.idempotency_key.clone(), (code.clone(), req.request_hash.clone()));
            if let Some(limits) = &req.limits {
                *waiting.entry(c.identity.email.clone()).or_default() += 1;
                for (key, _) in &limits.buckets {
                    counted.entry(key.clone()).or_insert((0, req.now)).0 += 1;
                }
            }

            made.push(Made {
                index,
                request: req,
                place,
                code,
                priced: priced.iter().map(|(p, q, v, _)| (*p, *q, *v)).collect(),
                logged,
            });
        }

        if !made.is_empty() {
            let sql = format!(
                "INSERT INTO commitments (code, location_id, account_id, status, planned_date, \
                 collaborator_name, collaborator_kind, show_name, contact_email, contact_phone, \
                 idempotency_key, request_hash, total_value, demo, created_at, expires_at, collaborator_ref, \
                 confirmed_at, lang, base_url) VALUES {} RETURNING id, code",
                values_placeholders(made.len(), 20)
            );
            let mut q = sqlx::query_as(&sql);
            for m in &made {
                let (r, c) = (m.request, &m.request.checked);
                q = q
                    .bind(&m.code)
                    .bind(c.location_id)
                    .bind(r.account_id)
                    .bind("committed")
                    .bind(&c.planned_date)
                    .bind(&c.identity.name)
                    .bind(c.identity.kind.as_str())
                    .bind(c.show_name)
                    .bind(&c.identity.email)
                    .bind(&c.identity.phone)
                    .bind(&r.idempotency_key)
                    .bind(&r.request_hash)
                    .bind(m.total())
                    .bind(r.demo)
                    .bind(r.now)
                    .bind(r.expires_at)
                    .bind(&r.collaborator_ref)
                    .bind(r.confirmed.then_some(r.now))
                    .bind(r.lang)
                    .bind(&r.base_url);
            }
            let inserted: Vec<(i64, String)> = q.fetch_all(&mut *$tx).await?;
            let ids: HashMap<&str, i64> = inserted.iter().map(|(id, code)| (code.as_str(), *id)).collect();
            let id_of = |m: &Made<'_>| {
                ids.get(m.code.as_str())
                    .copied()
                    .ok_or_else(|| sqlx::Error::Protocol(format!("commitment {} not inserted", m.code)))
            };

            let lines = made.iter().map(|m| m.priced.len()).sum();
            let sql = format!(
                "INSERT INTO commitment_lines (commitment_id, package_id, quantity, unit_value) VALUES {}",
                values_placeholders(lines, 4)
            );
            let mut q = sqlx::query(&sql);
            for m in &made {
                let id = id_of(m)?;
                for (package_id, quantity, unit_value) in &m.priced {
                    q = q.bind(id).bind(*package_id).bind(*quantity).bind(*unit_value);
                }
            }
            q.execute(&mut *$tx).await?;

            // The receipt e-mails, in the same transaction: an acknowledged
            // commitment always has its message.
            let mailed: Vec<(i64, i64)> = made
                .iter()
                .filter(|m| !m.request.demo)
                .map(|m| Ok((id_of(m)?, m.request.now)))
                .collect::<Result<_, sqlx::Error>>()?;
            if !mailed.is_empty() {
                let sql = format!(
                    "INSERT INTO outbox (kind, commitment_id, created_at, next_attempt_at) VALUES {}",
                    values_placeholders(mailed.len(), 4)
                );
                let mut q = sqlx::query(&sql);
                for (id, at) in &mailed {
                    q = q.bind("committed").bind(*id).bind(*at).bind(*at);
                }
                q.execute(&mut *$tx).await?;
            }

            // Each unconfirmed commitment is an event in its client's buckets.
            let events_n = made.iter().filter_map(|m| m.request.limits.as_ref()).map(|l| l.buckets.len()).sum();
            if events_n > 0 {
                let sql = crate::rate::insert_sql(events_n);
                let mut q = sqlx::query(&sql);
                for m in &made {
                    if let Some(limits) = &m.request.limits {
                        for (key, _) in &limits.buckets {
                            q = q.bind(limits.rate.scope).bind(key).bind(m.request.now);
                        }
                    }
                }
                q.execute(&mut *$tx).await?;
            }

            for m in made {
                let id = id_of(&m)?;
                let (event, record) = m.into_record(id)?;
                events.push(event);
                outcomes[record.0] = Some(record.1);
            }
        }
        let outcomes = outcomes
            .into_iter()
            .map(|o| o.ok_or_else(|| sqlx::Error::Protocol("a reservation without an outcome".into())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, sqlx::Error>((outcomes, events))
        }
    };
}

impl Made<'_> {
    fn total(&self) -> i64 {
        self.priced.iter().map(|(_, q, v)| q * v).sum()
    }

    /// The log event of the commitment stored as `id`, and its outcome
    /// with its position in the group.
    fn into_record(self, id: i64) -> Result<(log::Event, (usize, Outcome)), sqlx::Error> {
        let (r, c, place) = (self.request, &self.request.checked, self.place);
        let total = self.total();
        let lines = self
            .priced
            .iter()
            .map(|(package_id, quantity, unit_value)| {
                Ok(CommitmentLine {
                    package_id: *package_id,
                    quantity: u32::try_from(*quantity)
                        .map_err(|_| sqlx::Error::Protocol(format!("quantity {quantity}")))?,
                    unit_value: *unit_value,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let row = Row {
            id,
            code: self.code.clone(),
            status: "committed".to_owned(),
            planned_date: c.planned_date.clone(),
            collaborator_name: c.identity.name.clone(),
            collaborator_kind: c.identity.kind.as_str().to_owned(),
            show_name: c.show_name,
            total_value: total,
            created_at: r.now,
            expires_at: r.expires_at,
            closed_at: None,
            location_id: c.location_id,
            location_name: place.name.clone(),
            location_category: place.category.clone(),
            location_area: place.kelurahan_code.clone(),
            contact_email: c.identity.email.clone(),
            contact_phone: c.identity.phone.clone(),
            account_id: r.account_id,
            kota_code: place.kota_code.clone(),
            kecamatan_code: place.kecamatan_code.clone(),
            verified_at: None,
            confirmed_at: r.confirmed.then_some(r.now),
        };
        let facts = MadeFacts {
            code: self.code,
            location: PlaceFacts {
                id: c.location_id,
                name: place.name.clone(),
                category: place.category.clone(),
                kelurahan: place.kelurahan_code.clone(),
                kota: place.kota_code.clone(),
                headcount: i64::from(place.headcount),
                unit: place.headcount_unit.clone(),
            },
            collaborator: CollaboratorFacts {
                reference: r.collaborator_ref.clone(),
                kind: c.identity.kind.as_str().to_owned(),
                // The log is forever: a name only for a confirmed contact.
                name: (c.show_name && r.confirmed).then(|| c.identity.name.clone()),
            },
            // Logged in the order the lines were stored (by package).
            lines: self.logged,
            planned_date: c.planned_date.clone(),
            total_value: total,
            demo: r.demo,
        };
        Ok((
            log::Event::made(&facts, r.now),
            (
                self.index,
                Outcome::Created {
                    record: Box::new((row, lines)),
                },
            ),
        ))
    }
}

/// Reserves and records a commitment, or says why not; writes nothing
/// unless it returns [`Outcome::Created`]. A group of one on its own
/// transaction: the group committer's way when a group could not be
/// committed as one (tried again on a clash of keys or codes, or a
/// PostgreSQL deadlock).
pub async fn create_alone(db: &Db, req: &Request) -> Result<Outcome, AppError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match commit_group(db, std::slice::from_ref(req)).await {
            Ok((mut outcomes, changed)) => {
                if !changed.is_empty() {
                    log::announce_places(&changed);
                }
                return outcomes
                    .pop()
                    .ok_or_else(|| AppError::Internal("a reservation without an outcome".into()));
            }
            Err(e) if attempt < 4 && retryable(&e) => {
                tracing::debug!(?e, attempt, "retrying a commitment transaction");
            }
            Err(e) => return Err(AppError::from(e)),
        }
    }
}

/// One transaction for the whole group (see [`reserve_group_in`]): the
/// outcome of each reservation, valid once this returns `Ok`, and the
/// group's places when it wrote anything public there (a reservation
/// made, or an overdue one returned), else none. An `Err` means nothing of
/// the group was written.
pub(crate) async fn commit_group(
    db: &Db,
    requests: &[Request],
) -> Result<(Vec<Outcome>, Vec<i64>), sqlx::Error> {
    let notify = db.engine() == "postgres";
    let mut places: Vec<i64> = requests.iter().map(|r| r.checked.location_id).collect();
    places.sort_unstable();
    places.dedup();
    Ok(on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let (outcomes, events) = reserve_group_in!(tx, notify, requests).await?;
        if events.is_empty() {
            // Nothing made, nothing returned: nothing to keep.
            tx.rollback().await?;
        } else {
            append_in!(tx, notify, &events);
            tx.commit().await?;
        }
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
