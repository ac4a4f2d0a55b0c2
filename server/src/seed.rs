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

/// Generates `count` demo locations into a database that has no location
/// yet, once. Returns how many were inserted.
pub async fn demo_locations(
    db: &Db,
    file: &AreaFile,
    count: usize,
    seed: u64,
) -> Result<usize, AppError> {
    // Cheap check first: an existing deployment never pays for generating.
    if count == 0 || locations::store::count(db).await? > 0 {
        return Ok(0);
    }
    let generated = demo::generate(file, count, seed);
    let inserted =
        locations::store::insert_once_into_empty(db, "demo_locations", &generated).await?;
    Ok(if inserted { generated.len() } else { 0 })
}
