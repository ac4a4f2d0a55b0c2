//! One data layer over two engines. SQLite is the embedded default;
//! PostgreSQL serves deployments with several app instances on one database.
//!
//! Queries are written once with `$n` placeholders (SQLite accepts them too)
//! and run on either pool through [`on_db!`]. Migrations need one folder per
//! engine because their DDL differs (types, identity columns).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool `db` holds; `$pool` is
/// bound to the concrete pool, so the body is type-checked for both engines.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Prepared statements kept per connection. Group commits and batched
/// reads have a statement text per size of their batch (`IN (…)` lists,
/// multi-row inserts, up to `commitments::group::MAX_GROUP` rows): a few
/// hundred texts, which the default of 100 would keep preparing again.
const STATEMENT_CACHE: usize = 1024;

impl Db {
    /// Connects, creating the SQLite file (and its directory) when missing.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(
                    PgConnectOptions::from_str(url)?.statement_cache_capacity(STATEMENT_CACHE),
                )
                .await?;
            return Ok(Self::Postgres(pool));
        }
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL: readers never block the writer, and the writer never blocks readers.
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: every commit is on disk before it is acknowledged, power
            // loss included (NORMAL may lose the last commits). Reservations
            // share commits (`commitments::group`), so this costs one fsync
            // per group, not per donor.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Writers queue instead of failing at once when another holds the lock.
            .busy_timeout(Duration::from_secs(10))
            .statement_cache_capacity(STATEMENT_CACHE);
        if let Some(dir) = opts.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Ok(Self::Sqlite(pool))
    }

    /// Applies the embedded migrations of this engine.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Self::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
    }

    #[must_use]
    pub fn engine(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await);
    }
}

/// `$first, $first+1, …`: `count` placeholders for an `IN (…)` list.
#[must_use]
pub fn placeholders_from(first: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 5);
    for i in 0..count {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('$');
        out.push_str(&(first + i).to_string());
    }
    out
}

/// `($1, $2, …), ($n+1, …)`: placeholders for a multi-row INSERT of
/// `rows` rows of `width` columns.
#[must_use]
pub fn values_placeholders(rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * width + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Seconds since the Unix epoch: the portable timestamp stored by both engines.
#[must_use]
pub fn now_unix() -> i64 {
    crate::clock::now()
}
