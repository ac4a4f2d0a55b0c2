//! Returning reserved quantities: when a commitment expires undelivered, or
//! is cancelled. Expiry runs in a background task and also lazily, before
//! any read or reservation that depends on it, so a stopped task never
//! leaves quantities reserved past their time.

use std::time::Duration;

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
/// quantities and logs it — for one location, or everywhere. Cheap when
/// nothing is due (one indexed lookup). Returns how many expired.
pub async fn release_due(db: &Db, location: Option<i64>) -> Result<u64, AppError> {
    let now = now_unix();
    let notify = db.engine() == "postgres";
    let due: Vec<i64> = on_db!(db, pool => {
        match location {
            Some(id) => sqlx::query_scalar(
                "SELECT DISTINCT location_id FROM commitments \
                 WHERE status = 'committed' AND expires_at <= $1 AND location_id = $2",
            )
            .bind(now)
            .bind(id)
            .fetch_all(pool)
            .await?,
            None => sqlx::query_scalar(
                "SELECT DISTINCT location_id FROM commitments \
                 WHERE status = 'committed' AND expires_at <= $1",
            )
            .bind(now)
            .fetch_all(pool)
            .await?,
        }
    });
    let mut released = 0;
    // One short transaction per location keeps locks small and ordered.
    for location_id in due {
        released += on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let expired = release_in!(tx, location_id, now);
            append_in!(tx, notify, &expired);
            tx.commit().await?;
            expired.len() as u64
        });
    }
    if released > 0 {
        crate::log::announce();
    }
    Ok(released)
}

/// The expiry step inside a transaction `$tx` (either engine); evaluates
/// to the log events of the commitments that expired, which the caller
/// appends before committing (last, see `log::append_in!`). Its first
/// statement is a write, so on
/// SQLite the transaction holds the write lock from here on (a deferred
/// transaction that read first could not upgrade safely under contention).
macro_rules! release_in {
    ($tx:expr, $location_id:expr, $now:expr) => {{
        let expired: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE commitments SET status = 'expired', closed_at = $1 \
             WHERE status = 'committed' AND expires_at <= $1 AND location_id = $2 RETURNING id, code",
        )
        .bind($now)
        .bind($location_id)
        .fetch_all(&mut *$tx)
        .await?;
        let mut events = Vec::with_capacity(expired.len());
        for (id, code) in &expired {
            sqlx::query($crate::commitments::expiry::RETURN_QUANTITIES)
                .bind(*id)
                .bind($location_id)
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

/// Sweeps expired commitments every `every` until the server stops.
#[must_use]
pub fn spawn_sweeper(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match release_due(&db, None).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "returned quantities of expired commitments"),
                Err(e) => tracing::warn!(?e, "expiry sweep failed; retrying at the next tick"),
            }
        }
    })
}
