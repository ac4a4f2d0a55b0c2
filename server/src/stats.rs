//! Public totals, pushed live; breakdowns; the collaborator directory.
//!
//! The totals are computed from the tables (not from the log), in one
//! snapshot together with the log head they include, so the verifier's
//! log-derived totals are an independent check. A hub task recomputes them
//! when entries are appended — in this process (`log::announce`), in
//! another instance on the same PostgreSQL (`LISTEN kolaborasi_log`), or,
//! as a fallback, when a cheap poll of the head sees it move — and every
//! SSE subscriber gets the new snapshot from one `watch` channel.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use kolaborasi_shared::stats::{MAX_DIRECTORY_PAGE, STATS_EVENT};
use kolaborasi_shared::validate::civil_from_days;
use kolaborasi_shared::{
    AnonymousTotals, BreakdownRow, Breakdowns, CollaboratorDirectory, CollaboratorEntry,
    CollaboratorKind, DayRow, Localized, Stats, Totals,
};
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::{log, on_db, query};

/// Commitments that count (see `wire::stats`).
const COUNTING: &str = "c.status IN ('committed', 'delivered')";
/// A commitment shown under its collaborator's name: with consent and a
/// confirmed contact (finding 5: an address typed by anyone named nobody).
const NAMED: &str = "c.show_name = TRUE AND c.confirmed_at IS NOT NULL";
const UNNAMED: &str = "(c.show_name = FALSE OR c.confirmed_at IS NULL)";

/// Totals and the log entry they include, read in one snapshot.
pub async fn compute(db: &Db) -> Result<Stats, AppError> {
    let (seq, a, b, c) = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        if matches!(db, Db::Postgres(_)) {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let seq: i64 = sqlx::query_scalar("SELECT seq FROM public_log_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let a: (i64, i64, i64, i64) = sqlx::query_as(&format!(
            "SELECT COUNT(*), COUNT(DISTINCT c.collaborator_ref), COUNT(DISTINCT c.location_id), \
             CAST(COALESCE(SUM(c.total_value), 0) AS BIGINT) \
             FROM commitments c WHERE {COUNTING}"
        ))
        .fetch_one(&mut *tx)
        .await?;
        // What was handed over may be less than what was committed.
        let b: (i64, i64, i64) = sqlx::query_as(&format!(
            "SELECT CAST(COALESCE(SUM(q.quantity), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN c.status = 'delivered' THEN COALESCE(q.delivered_quantity, q.quantity) ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN c.status = 'delivered' THEN COALESCE(q.delivered_quantity, q.quantity) * q.unit_value ELSE 0 END), 0) AS BIGINT) \
             FROM commitment_lines q JOIN commitments c ON c.id = q.commitment_id WHERE {COUNTING}"
        ))
        .fetch_one(&mut *tx)
        .await?;
        let c: (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN headcount_unit = 'people' THEN 0 ELSE headcount END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN headcount_unit = 'people' THEN headcount ELSE 0 END), 0) AS BIGINT) \
             FROM locations WHERE id IN (SELECT location_id FROM commitments WHERE status = 'delivered')",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.rollback().await?;
        (seq, a, b, c)
    });
    Ok(Stats {
        log_seq: seq,
        totals: Totals {
            collaborations: a.0,
            collaborators: a.1,
            locations_helped: a.2,
            value_committed: a.3,
            value_delivered: b.2,
            packages_committed: b.0,
            packages_delivered: b.1,
            families_reached: c.0,
            people_reached: c.1,
        },
    })
}

/// A snapshot as every subscriber receives it: serialised once, and its
/// server-sent event framed once, so the fan-out to every subscriber only
/// shares these bytes.
#[derive(Debug)]
pub struct Snapshot {
    pub stats: Stats,
    pub json: String,
    pub frame: axum::body::Bytes,
}

impl Snapshot {
    fn new(stats: Stats) -> Self {
        let json = serde_json::to_string(&stats).unwrap_or_default();
        let frame = format!(
            "event: {STATS_EVENT}\nid: {}\nretry: 2000\ndata: {json}\n\n",
            stats.log_seq
        )
        .into();
        Self { stats, json, frame }
    }
}

/// The live totals of this instance, and its SSE subscribers.
#[derive(Clone)]
pub struct Hub {
    snapshots: watch::Receiver<Arc<Snapshot>>,
    stop: Arc<watch::Sender<bool>>,
    subscribers: Arc<AtomicUsize>,
    /// The data version (`log::generation`) the current snapshot includes.
    covered: watch::Receiver<u64>,
}

impl Hub {
    /// Computes the first snapshot and starts the task that keeps it current.
    pub async fn start(db: Db, poll: Duration) -> Result<Self, AppError> {
        let generation = log::generation();
        let first = compute(&db).await?;
        let (tx, snapshots) = watch::channel(Arc::new(Snapshot::new(first)));
        let (stop, stopping) = watch::channel(false);
        let (covers, covered) = watch::channel(generation);
        tokio::spawn(run(db, tx, covers, stopping, poll));
        Ok(Self {
            snapshots,
            stop: Arc::new(stop),
            subscribers: Arc::new(AtomicUsize::new(0)),
            covered,
        })
    }

    #[must_use]
    pub fn current(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// The totals including every change this process knew of when asked
    /// (waiting, briefly, for the task to recompute them).
    pub async fn fresh(&self) -> Arc<Snapshot> {
        let generation = log::generation();
        let mut covered = self.covered.clone();
        if tokio::time::timeout(
            Duration::from_secs(2),
            covered.wait_for(|g| *g >= generation),
        )
        .await
        .is_err()
        {
            tracing::warn!("live totals lag behind; answering with the last ones");
        }
        self.current()
    }

    /// Ends the task and every open stream (at shutdown: open streams would
    /// otherwise keep a graceful shutdown waiting forever).
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Open `GET /api/v1/stats/stream` connections.
    #[must_use]
    pub fn subscribers(&self) -> usize {
        self.subscribers.load(Ordering::Relaxed)
    }
}

/// `every`: interval of the fallback check (a notification lost while a
/// PostgreSQL listener reconnects, or a second process on one SQLite file).
async fn run(
    db: Db,
    tx: watch::Sender<Arc<Snapshot>>,
    covers: watch::Sender<u64>,
    mut stopping: watch::Receiver<bool>,
    every: Duration,
) {
    let mut local = log::appended();
    let mut listener = match &db {
        Db::Postgres(pool) => match sqlx::postgres::PgListener::connect_with(pool).await {
            Ok(mut l) => match l.listen(log::CHANNEL).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(?e, "LISTEN failed; live totals fall back to polling");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(
                    ?e,
                    "no listener connection; live totals fall back to polling"
                );
                None
            }
        },
        Db::Sqlite(_) => None,
    };
    let mut poll = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut polled = false;
        tokio::select! {
            _ = local.changed() => {}
            closed = async {
                match listener.as_mut() {
                    // `recv` reconnects by itself after a lost connection.
                    Some(l) => match l.recv().await {
                        Ok(n) => {
                            if log::from_elsewhere(n.payload()) {
                                log::heard();
                            }
                            false
                        }
                        // The server is shutting down.
                        Err(sqlx::Error::PoolClosed) => true,
                        Err(e) => {
                            tracing::warn!(?e, "notification listener failed; retrying");
                            // Notifications may have been lost meanwhile.
                            log::heard();
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            false
                        }
                    },
                    None => std::future::pending().await,
                }
            } => if closed {
                break;
            },
            _ = poll.tick() => polled = true,
            _ = stopping.wait_for(|s| *s) => break,
        }
        // What this round will include (read before the database is).
        let generation = log::generation();
        let known = tx.borrow().stats.log_seq;
        match log::head(&db).await {
            Ok(head) if head.seq == known => {
                // No entry since: the totals (made of logged changes only)
                // are still right.
                covers.send_replace(generation);
                continue;
            }
            Ok(_) => {
                // Without a listener, the poll is how this instance learns
                // of another one's changes.
                if polled && listener.is_none() {
                    log::heard();
                }
            }
            Err(e) => {
                tracing::warn!(?e, "reading the log head failed");
                continue;
            }
        }
        match compute(&db).await {
            Ok(stats) => {
                tx.send_replace(Arc::new(Snapshot::new(stats)));
                covers.send_replace(generation);
            }
            Err(e) => tracing::warn!(?e, "recomputing the totals failed"),
        }
        // Under a stream of changes, recompute at most this often: the
        // first change goes out at once, the ones during the pause together.
        tokio::time::sleep(MIN_GAP).await;
    }
}

/// Least time between two recomputations of the totals.
const MIN_GAP: Duration = Duration::from_millis(200);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stats", get(current))
        .route("/stats/stream", get(stream))
        .route("/stats/breakdowns", get(breakdowns))
        .route("/collaborators", get(directory))
}

/// The totals as the hub computed them, once per change, from memory.
async fn current(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let hub = &state.hub;
    state
        .reads
        .get_bytes("stats", "application/json", || async {
            Ok(hub.fresh().await.json.clone().into_bytes())
        })
        .await?
        .respond_public(&headers)
        .await
}

/// Counts a subscriber for as long as its stream lives.
struct Subscribed(Arc<AtomicUsize>);

impl Subscribed {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count.clone())
    }
}

impl Drop for Subscribed {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Between comment lines on a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `text/event-stream`: the current totals at once, then each change.
/// Every event carries the whole totals, so a client that reconnects or
/// misses one never double counts.
async fn stream(State(state): State<AppState>) -> Response {
    let hub = state.hub.clone();
    let subscribed = Subscribed::new(&hub.subscribers);
    let mut stopping = hub.stop.subscribe();
    let events = WatchStream::new(hub.snapshots.clone()).map(move |snapshot| {
        let _alive = &subscribed;
        snapshot.frame.clone()
    });
    // A comment line now and then keeps proxies from closing a quiet stream.
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let beats = tokio_stream::wrappers::IntervalStream::new(beat)
        .map(|_| axum::body::Bytes::from_static(b":\n\n"));
    let body = futures_util::stream::select(events, beats)
        .map(Ok::<_, Infallible>)
        .take_until(async move {
            let _ = stopping.wait_for(|s| *s).await;
        });
    let mut response = axum::body::Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Reverse proxies (nginx) must pass events through at once.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    key: String,
    name_id: Option<String>,
    name_en: Option<String>,
    collaborations: i64,
    packages: i64,
    value: i64,
    value_delivered: i64,
}

impl GroupRow {
    fn row(self, named: bool) -> BreakdownRow {
        BreakdownRow {
            label: named.then(|| Localized {
                id: self.name_id.clone().unwrap_or_else(|| self.key.clone()),
                en: self
                    .name_en
                    .or(self.name_id)
                    .unwrap_or_else(|| self.key.clone()),
            }),
            key: self.key,
            collaborations: self.collaborations,
            packages: self.packages,
            value: self.value,
            value_delivered: self.value_delivered,
        }
    }
}

/// One breakdown: `key`, names, and the sums over counting lines.
fn group_sql(key: &str, name_id: &str, name_en: &str, joins: &str) -> String {
    format!(
        "SELECT {key} AS key, {name_id} AS name_id, {name_en} AS name_en, \
         COUNT(DISTINCT c.id) AS collaborations, \
         CAST(SUM(q.quantity) AS BIGINT) AS packages, \
         CAST(SUM(q.quantity * q.unit_value) AS BIGINT) AS value, \
         CAST(SUM(CASE WHEN c.status = 'delivered' THEN COALESCE(q.delivered_quantity, q.quantity) * q.unit_value ELSE 0 END) AS BIGINT) AS value_delivered \
         FROM commitment_lines q JOIN commitments c ON c.id = q.commitment_id {joins} \
         WHERE {COUNTING} GROUP BY {key}, {name_id}, {name_en} ORDER BY value DESC, key"
    )
}

pub async fn compute_breakdowns(db: &Db) -> Result<Breakdowns, AppError> {
    let program = group_sql(
        "g.slug",
        "g.name_id",
        "g.name_en",
        "JOIN packages p ON p.id = q.package_id JOIN programs g ON g.id = p.program_id",
    );
    let package = group_sql(
        "p.slug",
        "p.name_id",
        "p.name_en",
        "JOIN packages p ON p.id = q.package_id",
    );
    let category = group_sql(
        "l.category",
        "l.category",
        "l.category",
        "JOIN locations l ON l.id = c.location_id",
    );
    let kota = group_sql(
        "l.kota_code",
        "a.name",
        "a.name",
        "JOIN locations l ON l.id = c.location_id JOIN areas a ON a.code = l.kota_code",
    );
    let (seq, groups, days) = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        if matches!(db, Db::Postgres(_)) {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let seq: i64 = sqlx::query_scalar("SELECT seq FROM public_log_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let mut groups: Vec<Vec<GroupRow>> = Vec::with_capacity(4);
        for sql in [&program, &package, &category, &kota] {
            groups.push(sqlx::query_as(sql).fetch_all(&mut *tx).await?);
        }
        let days: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT created_at / 86400 AS day, COUNT(*), CAST(SUM(total_value) AS BIGINT) \
             FROM commitments GROUP BY created_at / 86400 ORDER BY day",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        (seq, groups, days)
    });
    let mut groups = groups.into_iter();
    let mut next = |named: bool| -> Vec<BreakdownRow> {
        groups
            .next()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.row(named))
            .collect()
    };
    Ok(Breakdowns {
        log_seq: seq,
        by_program: next(true),
        by_package: next(true),
        by_category: next(false),
        by_kota: next(true),
        by_day: days
            .into_iter()
            .map(|(day, made, value)| DayRow {
                date: civil_from_days(day),
                made,
                value,
            })
            .collect(),
    })
}

/// From the read model: computed once per change, 304 when unchanged.
async fn breakdowns(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let db = &state.db;
    state
        .reads
        .respond("breakdowns", &headers, || compute_breakdowns(db))
        .await
}

#[derive(sqlx::FromRow)]
struct DirectoryRow {
    reference: String,
    collaborations: i64,
    packages: i64,
    value: i64,
    value_delivered: i64,
    first_at: i64,
}

/// `GET /api/v1/collaborators`: collaborators who consented to their name,
/// grouped by their reference, largest value first; everyone else as one
/// anonymous line. Three queries per page, whatever its size.
async fn directory(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Response> {
    let params = query::params(raw.as_deref(), &["page", "per_page", "kind"])?;
    let page = query::number(&params, "page", 1..=100_000, 1, "error.query.page_invalid")?;
    let per_page = query::number(
        &params,
        "per_page",
        1..=MAX_DIRECTORY_PAGE,
        50,
        "error.query.per_page_invalid",
    )?;
    let kind = params
        .get("kind")
        .map(|k| {
            CollaboratorKind::parse(k.trim())
                .ok_or_else(|| AppError::invalid("kind", "error.query.kind_invalid"))
        })
        .transpose()?;
    let key = format!(
        "collaborators?page={page}&per_page={per_page}&kind={}",
        kind.map_or("", CollaboratorKind::as_str)
    );
    let db = &state.db;
    state
        .reads
        .respond(&key, &headers, || directory_page(db, page, per_page, kind))
        .await
}

/// One page of the directory, named collaborators by value.
async fn directory_page(
    db: &Db,
    page: u32,
    per_page: u32,
    kind: Option<CollaboratorKind>,
) -> AppResult<CollaboratorDirectory> {
    let kind_filter = if kind.is_some() {
        " AND c.collaborator_kind = $1"
    } else {
        ""
    };
    let kind_str = kind.map_or("", CollaboratorKind::as_str);
    let sums = "COUNT(DISTINCT c.id) AS collaborations, \
        CAST(COALESCE(SUM(q.quantity), 0) AS BIGINT) AS packages, \
        CAST(COALESCE(SUM(q.quantity * q.unit_value), 0) AS BIGINT) AS value";
    let named = format!(
        "SELECT c.collaborator_ref AS reference, {sums}, \
         CAST(COALESCE(SUM(CASE WHEN c.status = 'delivered' THEN COALESCE(q.delivered_quantity, q.quantity) * q.unit_value ELSE 0 END), 0) AS BIGINT) AS value_delivered, \
         MIN(c.created_at) AS first_at \
         FROM commitments c JOIN commitment_lines q ON q.commitment_id = c.id \
         WHERE {COUNTING} AND {NAMED}{kind_filter} \
         GROUP BY c.collaborator_ref ORDER BY value DESC, reference \
         LIMIT {per_page} OFFSET {}",
        u64::from(page - 1) * u64::from(per_page)
    );
    let total_sql = format!(
        "SELECT COUNT(DISTINCT c.collaborator_ref) FROM commitments c \
         WHERE {COUNTING} AND {NAMED}{kind_filter}"
    );
    let anonymous_sql = format!(
        "SELECT {sums} FROM commitments c JOIN commitment_lines q ON q.commitment_id = c.id \
         WHERE {COUNTING} AND {UNNAMED}{kind_filter}"
    );
    let (rows, total, anonymous) = on_db!(db, pool => {
        let mut q = sqlx::query_as::<_, DirectoryRow>(&named);
        let mut t = sqlx::query_scalar::<_, i64>(&total_sql);
        let mut a = sqlx::query_as::<_, (i64, i64, i64)>(&anonymous_sql);
        if kind.is_some() {
            q = q.bind(kind_str);
            t = t.bind(kind_str);
            a = a.bind(kind_str);
        }
        (q.fetch_all(pool).await?, t.fetch_one(pool).await?, a.fetch_one(pool).await?)
    });
    let items = name_rows(db, rows).await?;
    Ok(CollaboratorDirectory {
        total,
        page,
        per_page,
        items,
        anonymous: AnonymousTotals {
            collaborations: anonymous.0,
            packages: anonymous.1,
            value: anonymous.2,
        },
    })
}

/// Each row's latest consented name and kind: one query for the page.
async fn name_rows(db: &Db, rows: Vec<DirectoryRow>) -> Result<Vec<CollaboratorEntry>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=rows.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT c.collaborator_ref, c.collaborator_name, c.collaborator_kind FROM commitments c \
         WHERE {COUNTING} AND {NAMED} AND c.collaborator_ref IN ({}) \
         ORDER BY c.created_at DESC, c.id DESC",
        placeholders.join(", ")
    );
    let names: Vec<(String, String, String)> = on_db!(db, pool => {
        let mut q = sqlx::query_as(&sql);
        for r in &rows {
            q = q.bind(&r.reference);
        }
        q.fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| {
            let (name, kind) = names
                .iter()
                .find(|(reference, ..)| *reference == r.reference)
                .map(|(_, n, k)| (n.clone(), k.clone()))
                .unwrap_or_default();
            let kind = CollaboratorKind::parse(&kind).unwrap_or(CollaboratorKind::Individual);
            CollaboratorEntry {
                name,
                aggregator: kind == CollaboratorKind::Aggregator,
                kind,
                collaborations: r.collaborations,
                packages: r.packages,
                value: r.value,
                value_delivered: r.value_delivered,
                since: civil_from_days(r.first_at.div_euclid(86_400)),
            }
        })
        .collect())
}
