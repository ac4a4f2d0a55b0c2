//! Start-up data: the area table from the embedded area file (every start,
//! so a newer binary brings newer names), and demo locations into an empty
//! database.

use crate::area_data::AreaFile;
use crate::db::Db;
use crate::error::AppError;
use crate::{demo, locations, on_db};

/// Upserts every area; parents come first in the file, so foreign keys hold.
pub async fn areas(db: &Db, file: &AreaFile) -> Result<(), AppError> {
    const SQL: &str = "INSERT INTO areas (code, parent_code, level, name) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, \
        level = excluded.level, name = excluded.name";
    on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        for a in &file.areas {
            sqlx::query(SQL)
                .bind(&a.code)
                .bind(a.parent_code())
                .bind(a.level.as_str())
                .bind(&a.name)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Generates `count` demo locations when the database has no location yet.
/// Returns how many were inserted. With PostgreSQL several instances may
/// start at once: an advisory lock makes exactly one of them seed.
pub async fn demo_locations(
    db: &Db,
    file: &AreaFile,
    count: usize,
    seed: u64,
) -> Result<usize, AppError> {
    if count == 0 {
        return Ok(0);
    }
    if let Db::Postgres(pool) = db {
        // Held until this connection is returned; the second instance waits,
        // then finds the table filled.
        let mut conn = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(727001)")
            .execute(&mut *conn)
            .await?;
        let result = seed_if_empty(db, file, count, seed).await;
        sqlx::query("SELECT pg_advisory_unlock(727001)")
            .execute(&mut *conn)
            .await?;
        return result;
    }
    seed_if_empty(db, file, count, seed).await
}

async fn seed_if_empty(
    db: &Db,
    file: &AreaFile,
    count: usize,
    seed: u64,
) -> Result<usize, AppError> {
    if locations::store::count(db).await? > 0 {
        return Ok(0);
    }
    let generated = demo::generate(file, count, seed);
    locations::store::insert_many(db, &generated).await?;
    Ok(generated.len())
}
