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

impl Limit {
    /// Seconds until a client whose oldest counted event is at `oldest`
    /// may try again (at least one).
    #[must_use]
    pub fn retry_after(&self, oldest: i64, now: i64) -> u64 {
        u64::try_from((oldest + self.window - now).max(1)).unwrap_or(1)
    }
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

/// How long events are kept: longer than every window. The hourly
/// [`spawn_forgetter`] removes older ones (a request never deletes).
pub const KEPT: i64 = 86_400;

/// `Err(RateLimited)` with the time until the oldest counted event leaves
/// the window, when the client has used up `limit`. Reads at most
/// `per_client` events per bucket, however many there are.
pub async fn check(db: &Db, limit: &Limit, client: &RateKey, now: i64) -> AppResult<()> {
    debug_assert!(limit.window <= KEPT);
    for (key, allowed) in client.buckets(limit.per_client) {
        let (count, oldest): (i64, Option<i64>) = on_db!(db, pool => sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM (SELECT at FROM rate_events \
             WHERE scope = $1 AND key = $2 AND at > $3 ORDER BY at LIMIT $4) AS counted",
        )
        .bind(limit.scope)
        .bind(&key)
        .bind(now - limit.window)
        .bind(allowed)
        .fetch_one(pool)
        .await?);
        if count >= allowed {
            return Err(AppError::RateLimited {
                key: limit.message,
                retry_after: limit.retry_after(oldest.unwrap_or(now), now),
            });
        }
    }
    Ok(())
}

/// The rows one event against `client` adds: `(scope, key)` per bucket.
fn events(limit: &Limit, client: &RateKey) -> Vec<(&'static str, String)> {
    client
        .buckets(limit.per_client)
        .into_iter()
        .map(|(key, _)| (limit.scope, key))
        .collect()
}

/// `INSERT` of `n` events, binding scope, key and time for each.
#[must_use]
pub fn insert_sql(n: usize) -> String {
    format!(
        "INSERT INTO rate_events (scope, key, at) VALUES {}",
        values_placeholders(n, 3)
    )
}

/// Counts one event against the client.
pub async fn record(db: &Db, limit: &Limit, client: &RateKey, now: i64) -> AppResult<()> {
    let rows = events(limit, client);
    let sql = insert_sql(rows.len());
    on_db!(db, pool => {
        let mut insert = sqlx::query(&sql);
        for (scope, key) in &rows {
            insert = insert.bind(*scope).bind(key).bind(now);
        }
        insert.execute(pool).await?;
    });
    Ok(())
}

/// Forgets events older than [`KEPT`]; the number removed.
pub async fn forget_old(db: &Db, now: i64) -> AppResult<u64> {
    Ok(
        on_db!(db, pool => sqlx::query("DELETE FROM rate_events WHERE at <= $1")
        .bind(now - KEPT)
        .execute(pool)
        .await?
        .rows_affected()),
    )
}

/// Runs [`forget_old`] at start and every hour.
#[must_use]
pub fn spawn_forgetter(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = forget_old(&db, crate::clock::now()).await {
                tracing::warn!(?e, "could not forget old rate-limit events");
            }
            tokio::time::sleep(std::time::Duration::from_hours(1)).await;
        }
    })
}

/// Whose sign-in failures are counted: collaborators' and staff members'
/// apart, each under scopes of its own (an address a user types can never
/// reach the other's counters; finding 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    Account,
    Staff,
}

/// Failures counted for sign-ins, in seconds.
pub const SIGN_IN_WINDOW: i64 = 15 * 60;
/// Wrong passwords one client may try for one address in the window.
pub const SIGN_IN_PER_CLIENT: i64 = 5;
/// Wrong passwords one client may try over all addresses in the window
/// (one password sprayed over many accounts; finding 11).
pub const SIGN_IN_PER_NETWORK: i64 = 50;
/// Failures of one address, from everywhere, after which each further try
/// waits 2, 4, 8, … seconds after the last failure, at most a minute: a
/// growing delay, never a lock the owner cannot get through (finding 8).
pub const SIGN_IN_FREE_FAILURES: i64 = 5;
pub const SIGN_IN_MAX_DELAY: i64 = 60;

impl SignIn {
    /// (this client for this address, this client for any, the address).
    fn scopes(self) -> [&'static str; 3] {
        match self {
            Self::Account => ["signin_client", "signin_network", "signin_address"],
            Self::Staff => [
                "staff_signin_client",
                "staff_signin_network",
                "staff_signin_address",
            ],
        }
    }

    fn limits(self) -> [Limit; 2] {
        let [client, network, _] = self.scopes();
        [
            Limit {
                scope: client,
                per_client: SIGN_IN_PER_CLIENT,
                window: SIGN_IN_WINDOW,
                message: "error.auth.rate_limited",
            },
            Limit {
                scope: network,
                per_client: SIGN_IN_PER_NETWORK,
                window: SIGN_IN_WINDOW,
                message: "error.auth.rate_limited",
            },
        ]
    }

    /// `Err(RateLimited)` when this client may not try `email` now.
    pub async fn allowed(self, db: &Db, email: &str, client: &RateKey, now: i64) -> AppResult<()> {
        let [per_address, per_network] = self.limits();
        check(db, &per_address, &client.about(email), now).await?;
        check(db, &per_network, client, now).await?;
        let (count, last): (i64, Option<i64>) = on_db!(db, pool => sqlx::query_as(
            "SELECT COUNT(*), MAX(at) FROM (SELECT at FROM rate_events \
             WHERE scope = $1 AND key = $2 AND at > $3 ORDER BY at DESC LIMIT $4) AS counted",
        )
        .bind(self.scopes()[2])
        .bind(email)
        .bind(now - SIGN_IN_WINDOW)
        // Enough to reach the longest delay; more would change nothing.
        .bind(SIGN_IN_FREE_FAILURES + 17)
        .fetch_one(pool)
        .await?);
        if count > SIGN_IN_FREE_FAILURES {
            let doublings = u32::try_from(count - SIGN_IN_FREE_FAILURES)
                .unwrap_or(u32::MAX)
                .min(16);
            let delay = (1_i64 << doublings).min(SIGN_IN_MAX_DELAY);
            let until = last.unwrap_or(now) + delay;
            if now < until {
                return Err(AppError::RateLimited {
                    key: "error.auth.rate_limited",
                    retry_after: u64::try_from(until - now).unwrap_or(1),
                });
            }
        }
        Ok(())
    }

    /// Counts a wrong password for `email` from `client`.
    pub async fn failed(self, db: &Db, email: &str, client: &RateKey, now: i64) -> AppResult<()> {
        let [per_address, per_network] = self.limits();
        record(db, &per_address, &client.about(email), now).await?;
        record(db, &per_network, client, now).await?;
        on_db!(db, pool => sqlx::query("INSERT INTO rate_events (scope, key, at) VALUES ($1, $2, $3)")
            .bind(self.scopes()[2])
            .bind(email)
            .bind(now)
            .execute(pool)
            .await
            .map(drop)?);
        Ok(())
    }

    /// The right password: this client's failures for the address, and the
    /// address's delay, are forgotten (other clients' are not).
    pub async fn succeeded(self, db: &Db, email: &str, client: &RateKey) -> AppResult<()> {
        let [client_scope, _, address_scope] = self.scopes();
        let keys: Vec<String> = client
            .about(email)
            .buckets(1)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        on_db!(db, pool => {
            for key in &keys {
                sqlx::query("DELETE FROM rate_events WHERE scope = $1 AND key = $2")
                    .bind(client_scope)
                    .bind(key)
                    .execute(pool)
                    .await?;
            }
            sqlx::query("DELETE FROM rate_events WHERE scope = $1 AND key = $2")
                .bind(address_scope)
                .bind(email)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
