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

/// Gives demo locations that have no needs yet their demo needs and
/// commitments, once (claimed in `seed_runs` in the same transaction, like
/// the locations). Returns how many needs were inserted.
// One transaction, written once for both engines inside `on_db!`.
#[allow(clippy::too_many_lines)]
pub async fn demo_needs(db: &Db, seed: u64, expiry_days: u32) -> Result<usize, AppError> {
    use demo::needs::{Packages, Place};
    const PLACES: &str = "SELECT id, category, headcount FROM locations l WHERE demo = TRUE \
        AND NOT EXISTS (SELECT 1 FROM needs n WHERE n.location_id = l.id) ORDER BY id";
    let rows: Vec<(i64, String, i32)> =
        on_db!(db, pool => sqlx::query_as(PLACES).fetch_all(pool).await?);
    if rows.is_empty() {
        return Ok(0);
    }
    let places: Vec<Place> = rows
        .into_iter()
        .filter_map(|(id, category, headcount)| {
            Some(Place {
                id,
                category: kolaborasi_shared::Category::parse(&category)?,
                headcount: u32::try_from(headcount).ok()?,
            })
        })
        .collect();
    let rows: Vec<(String, i64, i64, bool)> = on_db!(db, pool => sqlx::query_as(
        "SELECT slug, id, unit_value, once_per_family FROM packages WHERE active = TRUE",
    )
    .fetch_all(pool)
    .await?);
    let packages = Packages {
        ids: Packages::SLUGS
            .iter()
            .filter_map(|slug| {
                rows.iter()
                    .find(|r| r.0 == *slug)
                    .map(|r| (*slug, r.1, r.2, r.3))
            })
            .collect(),
    };
    let now = crate::db::now_unix();
    let (needs, commitments) = demo::needs::generate(&places, &packages, seed, now, expiry_days);
    let count = needs.len();
    on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO seed_runs (name, ran_at) VALUES ('demo_needs', $1) ON CONFLICT (name) DO NOTHING",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            tx.commit().await?;
            return Ok(0);
        }
        for chunk in needs.chunks(150) {
            let sql = format!(
                "INSERT INTO needs (location_id, package_id, target, committed, delivered) VALUES {}",
                crate::db::values_placeholders(chunk.len(), 5)
            );
            let mut q = sqlx::query(&sql);
            for n in chunk {
                q = q.bind(n.location_id).bind(n.package_id).bind(n.target).bind(n.committed).bind(n.delivered);
            }
            q.execute(&mut *tx).await?;
        }
        for c in &commitments {
            let total: i64 = c.lines.iter().map(|(_, q, v)| q * v).sum();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO commitments (code, location_id, status, planned_date, collaborator_name, \
                 collaborator_kind, show_name, contact_email, contact_phone, idempotency_key, \
                 request_hash, total_value, demo, created_at, expires_at, closed_at, confirmed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'kontak@demo.invalid', '+62215550000', $8, 'demo', \
                 $9, TRUE, $10, $11, $12, $10) RETURNING id",
            )
            .bind(&c.code)
            .bind(c.location_id)
            .bind(if c.delivered { "delivered" } else { "committed" })
            .bind(&c.planned_date)
            .bind(c.name)
            .bind(c.kind.as_str())
            .bind(c.show_name)
            .bind(format!("demo-{}", c.code))
            .bind(total)
            .bind(c.created_at)
            .bind(c.expires_at)
            .bind(c.closed_at)
            .fetch_one(&mut *tx)
            .await?;
            for (package_id, quantity, unit_value) in &c.lines {
                sqlx::query(
                    "INSERT INTO commitment_lines (commitment_id, package_id, quantity, unit_value) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(*package_id)
                .bind(*quantity)
                .bind(*unit_value)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
    });
    Ok(count)
}

/// Demo commitments generated as delivered get what a delivery report
/// would have given them: the delivered quantities and a report by the
/// collaborator on the planned date, awaiting the place's answer and staff
/// verification (no confirmation code: nobody can answer for demo places).
/// Idempotent, also when two instances start together; returns how many
/// reports it added.
pub async fn demo_deliveries(db: &Db) -> Result<u64, AppError> {
    let added = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let added = sqlx::query(
            "INSERT INTO deliveries (commitment_id, delivered_on, reported_by, reported_at, confirm_expires_at) \
             SELECT c.id, c.planned_date, 'collaborator', COALESCE(c.closed_at, c.created_at), \
                    COALESCE(c.closed_at, c.created_at) \
             FROM commitments c WHERE c.demo = TRUE AND c.status = 'delivered' \
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.commitment_id = c.id) \
             ON CONFLICT (commitment_id) DO NOTHING",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE commitment_lines SET delivered_quantity = quantity WHERE delivered_quantity IS NULL \
             AND commitment_id IN (SELECT id FROM commitments WHERE status = 'delivered')",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        added
    });
    Ok(added)
}
