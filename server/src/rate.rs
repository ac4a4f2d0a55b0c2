//! Rate limits as one mechanism: events counted per client in a sliding
//! window, stored in the database (so they hold across instances), each
//! limit under a scope of its own that no user input can produce.
//!
//! Who the client is comes from [`RateKey`]: the address (an IPv6 client
//! by its /64, which one subscriber can rotate through) and, on a kiosk
//! network, the kiosk.

use crate::client::RateKey;
use crate::db::{Db, values_placeholders};
use crate::error::{AppError, AppResult};
use crate::on_db;

/// One limit: at most `per_client` events in `window` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// The namespace in the table; a constant, never user input.
    pub scope: &'static str,
    pub per_client: i64,
    pub window: i64,
    /// The message a refused client reads.
    pub message: &'static str,
}

/// Wrong confirmation codes of a place (guessing a code).
pub const RECEIPT_GUESSES: Limit = Limit {
    scope: "receipt",
    per_client: crate::deliveries::MAX_GUESSES,
    window: crate::deliveries::GUESS_WINDOW,
    message: "error.receipt.rate_limited",
};

/// Commitments without a confirmed contact per client network and hour
/// (finding 3: anonymous requests could reserve the city's whole need).
#[must_use]
pub fn unconfirmed_commitments(per_hour: u32) -> Limit {
    Limit {
        scope: "unconfirmed_commitment",
        per_client: i64::from(per_hour),
        window: 3_600,
        message: "error.commitment.rate_limited",
    }
}

/// `Err(RateLimited)` with the time until the oldest counted event leaves
/// the window, when the client has used up `limit`.
pub async fn check(db: &Db, limit: &Limit, client: &RateKey, now: i64) -> AppResult<()> {
    for (key, allowed) in client.buckets(limit.per_client) {
        let (count, oldest): (i64, Option<i64>) = on_db!(db, pool => sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM rate_events WHERE scope = $1 AND key = $2 AND at > $3",
        )
        .bind(limit.scope)
        .bind(&key)
        .bind(now - limit.window)
        .fetch_one(pool)
        .await?);
        if count >= allowed {
            let until = oldest.unwrap_or(now) + limit.window;
            return Err(AppError::RateLimited {
                key: limit.message,
                retry_after: u64::try_from((until - now).max(1)).unwrap_or(1),
            });
        }
    }
    Ok(())
}

/// Counts one event against the client (and forgets events older than
/// the window of this scope).
pub async fn record(db: &Db, limit: &Limit, client: &RateKey, now: i64) -> AppResult<()> {
    let buckets = client.buckets(limit.per_client);
    let sql = format!(
        "INSERT INTO rate_events (scope, key, at) VALUES {}",
        values_placeholders(buckets.len(), 3)
    );
    on_db!(db, pool => {
        sqlx::query("DELETE FROM rate_events WHERE scope = $1 AND at <= $2")
            .bind(limit.scope)
            .bind(now - limit.window)
            .execute(pool)
            .await?;
        let mut insert = sqlx::query(&sql);
        for (key, _) in &buckets {
            insert = insert.bind(limit.scope).bind(key).bind(now);
        }
        insert.execute(pool).await?;
    });
    Ok(())
}
