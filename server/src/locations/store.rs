//! SQL for locations. One text per query, `$n` placeholders, run on either
//! engine. Public queries select public columns only: contact fields are
//! never read here, so they cannot leak into a response by accident.

use std::fmt::Write as _;

use kolaborasi_shared::catalogue::{received_percent, remaining_percent};
use kolaborasi_shared::{
    AreaLevel, AreaTree, Category, HeadcountUnit, LocationDetail, LocationQuery, LocationSummary,
    Need,
};

use super::NewLocation;
use crate::db::{Db, now_unix};
use crate::error::AppError;
use crate::on_db;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: String,
    category: String,
    kelurahan_code: String,
    lat: f64,
    lon: f64,
    headcount: i32,
    total_value: Option<i64>,
    remaining_value: Option<i64>,
    delivered_value: Option<i64>,
    last_delivered_on: Option<String>,
    open_reports: Option<i64>,
}

enum Bind {
    Text(String),
    Float(f64),
    Int(i64),
}

fn parse_category(s: &str) -> Result<Category, AppError> {
    Category::parse(s).ok_or_else(|| AppError::Internal(format!("bad category in database: {s}")))
}

fn headcount(n: i32) -> Result<u32, AppError> {
    u32::try_from(n).map_err(|_| AppError::Internal(format!("negative headcount {n}")))
}

/// The map list: active locations passing the filters, ordered by id.
pub async fn list(
    db: &Db,
    query: &LocationQuery,
    area_level: Option<AreaLevel>,
) -> Result<Vec<LocationSummary>, AppError> {
    list_of(db, query, area_level, None).await
}

/// [`list`], of the places `only` among them when given (an answer
/// brought up to date after changes at a few places).
pub async fn list_of(
    db: &Db,
    query: &LocationQuery,
    area_level: Option<AreaLevel>,
    only: Option<&[i64]>,
) -> Result<Vec<LocationSummary>, AppError> {
    let mut binds = Vec::new();
    // `(... AND) x IN ($1, $2, …)` for each aggregate and the places, the
    // same placeholders each time.
    let within = |column: &str| -> String {
        only.map_or_else(String::new, |ids| {
            let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            format!(" AND {column} IN ({})", list.join(", "))
        })
    };
    if let Some(ids) = only {
        binds.extend(ids.iter().map(|id| Bind::Int(*id)));
    }
    // The need summary and the latest delivery are aggregates joined in,
    // never a query per location. What remains follows [`remaining`]:
    // once-per-family packages are capped by the headcount. What was received
    // is the `delivered` counter on the same basis (active packages' value).
    // PostgreSQL sums BIGINT into NUMERIC, hence the casts. `delivered_on`
    // is `YYYY-MM-DD`, so its text maximum is the latest day.
    let mut sql = format!(
        "SELECT l.id, l.name, l.category, l.kelurahan_code, l.lat, l.lon, l.headcount, \
         s.total_value, s.remaining_value, s.delivered_value, r.last_delivered_on, o.open_reports \
         FROM locations l LEFT JOIN ( \
           SELECT location_id, \
             CAST(SUM(target * unit_value) AS BIGINT) AS total_value, \
             CAST(SUM(CASE WHEN ceiling > taken THEN (ceiling - taken) * unit_value ELSE 0 END) \
               AS BIGINT) AS remaining_value, \
             CAST(SUM(delivered * unit_value) AS BIGINT) AS delivered_value \
           FROM ( \
             SELECT n.location_id, n.target, n.delivered, n.committed + n.delivered AS taken, \
               p.unit_value, \
               CASE WHEN p.once_per_family = TRUE AND h.headcount < n.target \
                 THEN h.headcount ELSE n.target END AS ceiling \
             FROM needs n JOIN packages p ON p.id = n.package_id \
               JOIN locations h ON h.id = n.location_id \
             WHERE p.active = TRUE{} \
           ) m GROUP BY location_id \
         ) s ON s.location_id = l.id \
         LEFT JOIN ( \
           SELECT c.location_id, MAX(d.delivered_on) AS last_delivered_on \
           FROM deliveries d JOIN commitments c ON c.id = d.commitment_id \
           WHERE TRUE{} \
           GROUP BY c.location_id \
         ) r ON r.location_id = l.id \
         LEFT JOIN ( \
           SELECT location_id, COUNT(*) AS open_reports FROM reports \
           WHERE group_id IS NULL AND status IN ('received', 'checking'){} \
           GROUP BY location_id \
         ) o ON o.location_id = l.id \
         WHERE l.active = TRUE{}",
        within("n.location_id"),
        within("c.location_id"),
        within("location_id"),
        within("l.id"),
    );
    let mut next = |sql: &mut String, bind: Bind| {
        binds.push(bind);
        let _ = write!(sql, "${}", binds.len());
    };
    if !query.category.is_empty() {
        sql.push_str(" AND category IN (");
        for (i, c) in query.category.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            next(&mut sql, Bind::Text(c.as_str().to_owned()));
        }
        sql.push(')');
    }
    if let (Some(code), Some(level)) = (&query.area, area_level) {
        let column = match level {
            // The whole region: every location is inside it.
            AreaLevel::Province => None,
            AreaLevel::Kota => Some("kota_code"),
            AreaLevel::Kecamatan => Some("kecamatan_code"),
            AreaLevel::Kelurahan => Some("kelurahan_code"),
        };
        if let Some(column) = column {
            let _ = write!(sql, " AND {column} = ");
            next(&mut sql, Bind::Text(code.clone()));
        }
    }
    if let Some(b) = query.bbox {
        for (clause, value) in [
            (" AND lon >= ", b.min_lon),
            (" AND lon <= ", b.max_lon),
            (" AND lat >= ", b.min_lat),
            (" AND lat <= ", b.max_lat),
        ] {
            sql.push_str(clause);
            next(&mut sql, Bind::Float(value));
        }
    }
    sql.push_str(" ORDER BY l.id");

    let rows: Vec<SummaryRow> = on_db!(db, pool => {
        let mut q = sqlx::query_as(&sql);
        for b in &binds {
            q = match b {
                Bind::Text(s) => q.bind(s.as_str()),
                Bind::Float(f) => q.bind(*f),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q.fetch_all(pool).await?
    });
    rows.into_iter().map(summary).collect()
}

fn summary(r: SummaryRow) -> Result<LocationSummary, AppError> {
    Ok(LocationSummary {
        id: r.id,
        name: r.name,
        category: parse_category(&r.category)?,
        area: r.kelurahan_code,
        lat: r.lat,
        lon: r.lon,
        headcount: headcount(r.headcount)?,
        remaining_percent: remaining_percent(
            r.remaining_value.unwrap_or(0),
            r.total_value.unwrap_or(0),
        ),
        received_percent: received_percent(
            r.delivered_value.unwrap_or(0),
            r.total_value.unwrap_or(0),
        ),
        last_delivered_on: r.last_delivered_on,
        open_reports: u32::try_from(r.open_reports.unwrap_or(0)).unwrap_or(u32::MAX),
    })
}

#[derive(sqlx::FromRow)]
pub struct DetailRow {
    id: i64,
    name: String,
    category: String,
    kelurahan_code: String,
    lat: f64,
    lon: f64,
    headcount: i32,
    headcount_unit: String,
    address: String,
    description: String,
    verified: bool,
    demo: bool,
    active: bool,
}

impl DetailRow {
    pub fn headcount(&self) -> Result<u32, AppError> {
        headcount(self.headcount)
    }

    pub fn into_detail(
        self,
        areas: &AreaTree,
        needs: Vec<Need>,
    ) -> Result<LocationDetail, AppError> {
        Ok(LocationDetail {
            id: self.id,
            name: self.name,
            category: parse_category(&self.category)?,
            area_path: areas.path_to(&self.kelurahan_code),
            lat: self.lat,
            lon: self.lon,
            headcount: headcount(self.headcount)?,
            headcount_unit: HeadcountUnit::parse(&self.headcount_unit).ok_or_else(|| {
                AppError::Internal(format!("bad unit in database: {}", self.headcount_unit))
            })?,
            address: self.address,
            description: self.description,
            verified: self.verified,
            demo: self.demo,
            active: self.active,
            needs,
        })
    }
}

/// One location's public fields (inactive ones too: links must keep working).
pub async fn get(db: &Db, id: i64) -> Result<Option<DetailRow>, AppError> {
    const SQL: &str = "SELECT id, name, category, kelurahan_code, lat, lon, headcount, \
        headcount_unit, address, description, verified, demo, active FROM locations WHERE id = $1";
    Ok(on_db!(db, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?))
}

pub async fn count(db: &Db) -> Result<i64, AppError> {
    const SQL: &str = "SELECT COUNT(*) FROM locations";
    Ok(on_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await?))
}

/// Columns written by [`insert_many`], in bind order.
const INSERT_COLUMNS: [&str; 16] = [
    "name",
    "category",
    "kota_code",
    "kecamatan_code",
    "kelurahan_code",
    "lat",
    "lon",
    "headcount",
    "headcount_unit",
    "address",
    "description",
    "contact_name",
    "contact_phone",
    "verified",
    "demo",
    "created_at",
];

/// Rows per INSERT statement: 16 binds each stays far below both engines'
/// parameter limits while saving thousands of round trips.
const BATCH: usize = 200;

fn insert_sql(rows: usize) -> String {
    format!(
        "INSERT INTO locations ({}) VALUES {}",
        INSERT_COLUMNS.join(", "),
        crate::db::values_placeholders(rows, INSERT_COLUMNS.len())
    )
}

/// Parent codes of a kelurahan code: (kota, kecamatan).
fn parents(kelurahan: &str) -> Result<(String, String), AppError> {
    let kecamatan = kelurahan
        .rsplit_once('.')
        .map(|(p, _)| p)
        .ok_or_else(|| AppError::Internal(format!("not a kelurahan code: {kelurahan}")))?;
    let kota = kecamatan
        .rsplit_once('.')
        .map(|(p, _)| p)
        .ok_or_else(|| AppError::Internal(format!("not a kelurahan code: {kelurahan}")))?;
    Ok((kota.to_owned(), kecamatan.to_owned()))
}

/// Inserts locations in batches inside one transaction: all or nothing.
pub async fn insert_many(db: &Db, locations: &[NewLocation]) -> Result<(), AppError> {
    insert_batches(db, locations, None).await.map(drop)
}

/// Inserts locations only into a table that has none, and only once per
/// `step` name, even with several instances starting together (see
/// migration 0002). Returns whether this call inserted them.
pub async fn insert_once_into_empty(
    db: &Db,
    step: &str,
    locations: &[NewLocation],
) -> Result<bool, AppError> {
    insert_batches(db, locations, Some(step)).await
}

async fn insert_batches(
    db: &Db,
    locations: &[NewLocation],
    once: Option<&str>,
) -> Result<bool, AppError> {
    let now = now_unix();
    let mut prepared = Vec::with_capacity(locations.len());
    for l in locations {
        let (kota, kecamatan) = parents(&l.kelurahan_code)?;
        let headcount = i32::try_from(l.headcount)
            .map_err(|_| AppError::Internal(format!("headcount too large: {}", l.headcount)))?;
        prepared.push((l, kota, kecamatan, headcount));
    }
    on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        if let Some(step) = once {
            // The first write of the transaction: a second instance blocks
            // here until this one commits, then inserts nothing.
            let claimed = sqlx::query(
                "INSERT INTO seed_runs (name, ran_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(step)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM locations)")
                .fetch_one(&mut *tx)
                .await?;
            if !claimed || !empty {
                tx.commit().await?;
                return Ok(false);
            }
        }
        for chunk in prepared.chunks(BATCH) {
            let sql = insert_sql(chunk.len());
            let mut q = sqlx::query(&sql);
            for (l, kota, kecamatan, headcount) in chunk {
                q = q
                    .bind(&l.name)
                    .bind(l.category.as_str())
                    .bind(kota)
                    .bind(kecamatan)
                    .bind(&l.kelurahan_code)
                    .bind(l.lat)
                    .bind(l.lon)
                    .bind(*headcount)
                    .bind(l.headcount_unit.as_str())
                    .bind(&l.address)
                    .bind(&l.description)
                    .bind(&l.contact_name)
                    .bind(&l.contact_phone)
                    .bind(l.verified)
                    .bind(l.demo)
                    .bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(true)
}

/// Whether any demo location exists (the UI then shows the demo banner).
pub async fn has_demo(db: &Db) -> Result<bool, AppError> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM locations WHERE demo = TRUE)";
    Ok(on_db!(db, pool => sqlx::query_scalar(SQL).fetch_one(pool).await?))
}

#[derive(sqlx::FromRow)]
struct NeedRow {
    package_id: i64,
    target: i64,
    committed: i64,
    delivered: i64,
    once_per_family: bool,
}

fn quantity(n: i64) -> Result<u32, AppError> {
    u32::try_from(n).map_err(|_| AppError::Internal(format!("quantity out of range: {n}")))
}

/// What may still be committed: the target, capped by the headcount for
/// once-per-family packages, less what is reserved or delivered.
#[must_use]
pub fn remaining(target: i64, committed: i64, delivered: i64, cap: Option<i64>) -> i64 {
    let ceiling = cap.map_or(target, |c| c.min(target));
    (ceiling - committed - delivered).max(0)
}

/// A location's needs of active packages, in catalogue order.
pub async fn needs(db: &Db, location_id: i64, headcount: u32) -> Result<Vec<Need>, AppError> {
    const SQL: &str = "SELECT n.package_id, n.target, n.committed, n.delivered, p.once_per_family \
        FROM needs n JOIN packages p ON p.id = n.package_id JOIN programs g ON g.id = p.program_id \
        WHERE n.location_id = $1 AND p.active = TRUE \
        ORDER BY g.sort_order, g.id, p.sort_order, p.id";
    let rows: Vec<NeedRow> =
        on_db!(db, pool => sqlx::query_as(SQL).bind(location_id).fetch_all(pool).await?);
    rows.into_iter()
        .map(|r| {
            let cap = r.once_per_family.then_some(i64::from(headcount));
            Ok(Need {
                package_id: r.package_id,
                target: quantity(r.target)?,
                committed: quantity(r.committed)?,
                delivered: quantity(r.delivered)?,
                remaining: quantity(remaining(r.target, r.committed, r.delivered, cap))?,
            })
        })
        .collect()
}

/// Sets needs `(location, package, target)`, in batches, in one transaction.
/// A need that exists keeps its commitments; only its target changes.
pub async fn set_needs(db: &Db, needs: &[(i64, i64, i64)]) -> Result<(), AppError> {
    on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        for chunk in needs.chunks(300) {
            let sql = format!(
                "INSERT INTO needs (location_id, package_id, target) VALUES {} \
                 ON CONFLICT (location_id, package_id) DO UPDATE SET target = excluded.target",
                crate::db::values_placeholders(chunk.len(), 3)
            );
            let mut q = sqlx::query(&sql);
            for (location, package, target) in chunk {
                q = q.bind(*location).bind(*package).bind(*target);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}
