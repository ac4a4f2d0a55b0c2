//! What whoever runs the database could do unseen by the chain alone:
//! rewrite the log from one entry on (here: backdate that entry by a
//! minute), recompute every later hash and the head, and put the guards
//! back. Used by the witness tests and by `examples/rewrite_log.rs` (which
//! the browser test runs against its own server's database).

use kolaborasi_server::db::Db;
use kolaborasi_shared::LogHead;
use kolaborasi_shared::log::entry_hash;

/// Rewrites entries `from..` and the head, backdating entry `from` by a
/// minute; returns the new head.
pub async fn rewrite_from(db: &Db, from: i64) -> Result<LogHead, sqlx::Error> {
    rewrite_with(db, from, |seq, at, facts| {
        (if seq == from { at - 60 } else { at }, facts)
    })
    .await
}

/// Rewrites entries `from..` with `change(seq, at, facts)` and recomputes
/// every later hash and the head.
pub async fn rewrite_with(
    db: &Db,
    from: i64,
    change: impl Fn(i64, i64, serde_json::Value) -> (i64, serde_json::Value),
) -> Result<LogHead, sqlx::Error> {
    macro_rules! rewrite {
        ($pool:expr, $drop:expr, $restore:expr) => {{
            let mut tx = $pool.begin().await?;
            for sql in $drop {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            let mut prev: String = if from <= 1 {
                kolaborasi_shared::log::GENESIS.to_owned()
            } else {
                sqlx::query_scalar("SELECT hash FROM public_log WHERE seq = $1")
                    .bind(from - 1)
                    .fetch_one(&mut *tx)
                    .await?
            };
            let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
                "SELECT seq, at, kind, facts FROM public_log WHERE seq >= $1 ORDER BY seq",
            )
            .bind(from)
            .fetch_all(&mut *tx)
            .await?;
            let mut head = LogHead {
                seq: from - 1,
                hash: prev.clone(),
            };
            for (seq, at, kind, facts) in rows {
                let value: serde_json::Value =
                    serde_json::from_str(&facts).unwrap_or(serde_json::Value::Null);
                let (at, value) = change(seq, at, value);
                let hash = entry_hash(seq, at, &kind, &value, &prev);
                sqlx::query(
                    "UPDATE public_log SET at = $1, facts = $2, prev = $3, hash = $4 WHERE seq = $5",
                )
                .bind(at)
                .bind(kolaborasi_shared::log::canonical_facts(&value))
                .bind(&prev)
                .bind(&hash)
                .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                prev = hash.clone();
                head = LogHead { seq, hash };
            }
            sqlx::query("UPDATE public_log_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(head.seq)
                .bind(&head.hash)
                .execute(&mut *tx)
                .await?;
            for sql in $restore {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(head)
        }};
    }
    match db {
        Db::Sqlite(pool) => rewrite!(
            pool,
            [
                "DROP TRIGGER public_log_no_update",
                "DROP TRIGGER public_log_no_delete"
            ],
            [
                "CREATE TRIGGER public_log_no_update BEFORE UPDATE ON public_log \
                 BEGIN SELECT RAISE(ABORT, 'public_log is append-only'); END",
                "CREATE TRIGGER public_log_no_delete BEFORE DELETE ON public_log \
                 BEGIN SELECT RAISE(ABORT, 'public_log is append-only'); END"
            ]
        ),
        Db::Postgres(pool) => rewrite!(
            pool,
            ["ALTER TABLE public_log DISABLE TRIGGER public_log_no_update"],
            ["ALTER TABLE public_log ENABLE TRIGGER public_log_no_update"]
        ),
    }
}
