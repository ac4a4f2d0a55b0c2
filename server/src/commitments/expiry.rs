//! Returning reserved quantities: when a commitment expires undelivered, or
//! is cancelled. Expiry runs in a background task, woken at the earliest
//! expiry ([`Schedule`]); reads never write: one that arrives when a
//! reservation is due waits for the sweep. A reservation expires its
//! location's overdue commitments itself, inside its own transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::db::{Db, now_unix};
use crate::error::AppError;
use crate::log::append_in;
use crate::on_db;

/// Gives a closed commitment's quantities back to its location's needs.
/// Runs inside the caller's transaction, after the status change.
pub(crate) const RETURN_QUANTITIES: &str = "UPDATE needs SET committed = committed - \
    (SELECT q.quantity FROM commitment_lines q WHERE q.commitment_id = $1 AND q.package_id = needs.package_id) \
    WHERE location_id = $2 AND package_id IN \
    (SELECT package_id FROM commitment_lines WHERE commitment_id = $1)";

/// Marks every open commitment past its time as expired, returns its
/// quantities and logs it. Cheap when nothing is due (one indexed lookup).
/// Returns how many expired.
pub async fn release_due(db: &Db) -> Result<u64, AppError> {
    let now = now_unix();
    let notify = db.engine() == "postgres";
    let due: Vec<i64> = on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT DISTINCT location_id FROM commitments \
             WHERE status = 'committed' AND expires_at <= $1",
        )
        .bind(now)
        .fetch_all(pool)
        .await?
    });
    let mut released = 0;
    // One short transaction per location keeps locks small and ordered.
    for &location_id in &due {
        released += on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let expired = release_in!(tx, &[location_id], now);
            append_in!(tx, notify, &expired);
            tx.commit().await?;
            expired.len() as u64
        });
    }
    if released > 0 {
        crate::log::announce_places(&due);
    }
    Ok(released)
}

/// The expiry step inside a transaction `$tx` (either engine), for the
/// places `$places` (a slice of ids; one statement for all of them);
/// evaluates to the log events of the commitments that expired, which the
/// caller appends before committing (last, see `log::append_in!`). Its
/// first statement is a write, so on SQLite the transaction holds the write
/// lock from here on (a deferred transaction that read first could not
/// upgrade safely under contention).
macro_rules! release_in {
    ($tx:expr, $places:expr, $now:expr) => {{
        let places: &[i64] = $places;
        let sql = format!(
            "UPDATE commitments SET status = 'expired', closed_at = $1 \
             WHERE status = 'committed' AND expires_at <= $1 AND location_id IN ({}) \
             RETURNING id, code, location_id",
            $crate::db::placeholders_from(2, places.len())
        );
        let mut q = sqlx::query_as(&sql).bind($now);
        for place in places {
            q = q.bind(*place);
        }
        let mut expired: Vec<(i64, String, i64)> = q.fetch_all(&mut *$tx).await?;
        // Logged in the order they were made.
        expired.sort_unstable_by_key(|(id, _, _)| *id);
        let mut events = Vec::with_capacity(expired.len());
        for (id, code, location_id) in &expired {
            sqlx::query($crate::commitments::expiry::RETURN_QUANTITIES)
                .bind(*id)
                .bind(*location_id)
                .execute(&mut *$tx)
                .await?;
            events.push($crate::log::Event::closed(
                kolaborasi_shared::log::kind::COMMITMENT_EXPIRED,
                code,
                $now,
            ));
        }
        events
    }};
}
pub(crate) use release_in;

/// When the next reservation is due, so that reads never return it
/// themselves: the sweeper sleeps until then (or its interval, or a wake),
/// and a read that arrives at or after it waits for the sweep
/// ([`Schedule::settled`]) instead of writing.
pub struct Schedule {
    /// The earliest expiry among open commitments, as of the last sweep
    /// (`i64::MAX`: none).
    next_due: watch::Sender<i64>,
    /// Counts rechecks: the sweeper publishes its finding only when none
    /// came during its sweep (it may have read the rows before the edit),
    /// else it would overwrite the recheck and a read would not wait.
    rechecks: AtomicU64,
    /// The earliest expiry reported since the sweeper's current pass began:
    /// its own reading of the table may predate that commitment.
    reported: AtomicI64,
    wake: Notify,
}

/// How long a read waits for a sweep before answering anyway (the database
/// may be unreachable for writes; the answer is then a little stale).
const SETTLE_WAIT: Duration = Duration::from_secs(3);

impl Schedule {
    /// Until the first sweep, everything may be due.
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            next_due: watch::channel(i64::MIN).0,
            rechecks: AtomicU64::new(0),
            reported: AtomicI64::new(i64::MAX),
            wake: Notify::new(),
        })
    }

    /// Returns once no open commitment is past its expiry (the sweeper has
    /// returned everything due by now). Immediate when nothing is due.
    pub async fn settled(&self) {
        let now = now_unix();
        if *self.next_due.borrow() > now {
            return;
        }
        self.wake.notify_one();
        let mut due = self.next_due.subscribe();
        if tokio::time::timeout(SETTLE_WAIT, due.wait_for(|d| *d > now))
            .await
            .is_err()
        {
            tracing::warn!("expiry sweep did not finish in time; answering without it");
        }
    }

    /// Whether a reservation may be past its expiry now (a read must then
    /// wait in [`Self::settled`]).
    pub fn due(&self) -> bool {
        *self.next_due.borrow() <= now_unix()
    }

    /// Forget what is known about expiries: the next read waits for a sweep.
    /// For data edited behind the server's back (tests set `expires_at`).
    #[doc(hidden)]
    pub fn recheck(&self) {
        self.rechecks.fetch_add(1, Ordering::SeqCst);
        self.next_due.send_replace(i64::MIN);
        self.wake.notify_one();
    }

    /// A new open commitment expires at `at`: the sweeper must wake by then.
    pub fn expires_at(&self, at: i64) {
        self.reported.fetch_min(at, Ordering::SeqCst);
        let earlier = self.next_due.send_if_modified(|due| {
            let earlier = at < *due;
            if earlier {
                *due = at;
            }
            earlier
        });
        if earlier {
            self.wake.notify_one();
        }
    }
}

/// The earliest expiry of an open commitment, if any.
async fn next_due(db: &Db) -> Result<Option<i64>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "SELECT MIN(expires_at) FROM commitments WHERE status = 'committed'"
    )
    .fetch_one(pool)
    .await?))
}

/// Returns reserved quantities when they are due: at the earliest expiry,
/// and at least every `every` (another instance's commitments, a lost wake).
#[must_use]
pub fn spawn_sweeper(
    db: Db,
    schedule: Arc<Schedule>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut moved = crate::clock::moved();
        loop {
            let seen = schedule.rechecks.load(Ordering::SeqCst);
            // Reported before this point means committed before it (the
            // report follows the commit), so the reading below includes it.
            schedule.reported.store(i64::MAX, Ordering::SeqCst);
            let swept = match release_due(&db).await {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(expired = n, "returned quantities of expired commitments");
                    }
                    true
                }
                Err(e) => {
                    tracing::warn!(?e, "expiry sweep failed; retrying");
                    false
                }
            };
            let wait = match next_due(&db).await {
                Ok(due) if swept => {
                    let due = due.unwrap_or(i64::MAX);
                    // Read under the channel's lock: a report or recheck
                    // arriving later is written after this and stands.
                    let published = schedule.next_due.send_if_modified(|d| {
                        let current = schedule.rechecks.load(Ordering::SeqCst) == seen;
                        if current {
                            *d = due.min(schedule.reported.load(Ordering::SeqCst));
                        }
                        current
                    });
                    if published {
                        let due = *schedule.next_due.borrow();
                        let secs = u64::try_from(due.saturating_sub(now_unix())).unwrap_or(0);
                        every.min(Duration::from_secs(secs))
                    } else {
                        // Edited behind the sweep's back: sweep again.
                        Duration::ZERO
                    }
                }
                Ok(_) => Duration::from_secs(1).min(every),
                Err(e) => {
                    tracing::warn!(?e, "reading the next expiry failed; retrying");
                    Duration::from_secs(1).min(every)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = schedule.wake.notified() => {}
                _ = moved.changed() => {}
            }
        }
    })
}
