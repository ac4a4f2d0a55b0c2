//! The aid catalogue: `GET /api/v1/programs`, and its first-start seed from
//! the embedded `data/catalogue.json`.
//!
//! Rows are inserted by slug and never overwritten, so a deployment's own
//! edits in the database survive upgrades, and a newer file only adds.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use http::HeaderMap;
use kolaborasi_shared::{Localized, Package, Program, ProgramList};
use serde::Deserialize;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::on_db;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/programs", get(programs))
}

async fn programs(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let db = &state.db;
    state.reads.respond("programs", &headers, || list(db)).await
}

#[derive(Deserialize)]
struct CatalogueFile {
    programs: Vec<ProgramSeed>,
}

#[derive(Deserialize)]
struct ProgramSeed {
    slug: String,
    name: Localized,
    description: Localized,
    packages: Vec<PackageSeed>,
}

#[derive(Deserialize)]
struct PackageSeed {
    slug: String,
    name: Localized,
    description: Localized,
    unit: Localized,
    unit_value: i64,
    once_per_family: bool,
}

const CATALOGUE_JSON: &str = include_str!("../data/catalogue.json");

/// Inserts the programs and packages of the embedded file that the
/// database does not have yet (by slug).
pub async fn seed(db: &Db) -> Result<(), AppError> {
    let file: CatalogueFile = serde_json::from_str(CATALOGUE_JSON)
        .map_err(|e| AppError::Internal(format!("data/catalogue.json: {e}")))?;
    on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        for (p_order, program) in (0i32..).zip(&file.programs) {
            sqlx::query(
                "INSERT INTO programs (slug, name_id, name_en, description_id, description_en, sort_order) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING",
            )
            .bind(&program.slug)
            .bind(&program.name.id)
            .bind(&program.name.en)
            .bind(&program.description.id)
            .bind(&program.description.en)
            .bind(p_order)
            .execute(&mut *tx)
            .await?;
            let program_id: i64 = sqlx::query_scalar("SELECT id FROM programs WHERE slug = $1")
                .bind(&program.slug)
                .fetch_one(&mut *tx)
                .await?;
            for (k_order, package) in (0i32..).zip(&program.packages) {
                sqlx::query(
                    "INSERT INTO packages (program_id, slug, name_id, name_en, description_id, \
                     description_en, unit_id, unit_en, unit_value, once_per_family, sort_order) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (slug) DO NOTHING",
                )
                .bind(program_id)
                .bind(&package.slug)
                .bind(&package.name.id)
                .bind(&package.name.en)
                .bind(&package.description.id)
                .bind(&package.description.en)
                .bind(&package.unit.id)
                .bind(&package.unit.en)
                .bind(package.unit_value)
                .bind(package.once_per_family)
                .bind(k_order)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
    });
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ProgramRow {
    id: i64,
    slug: String,
    name_id: String,
    name_en: String,
    description_id: String,
    description_en: String,
}

#[derive(sqlx::FromRow)]
struct PackageRow {
    id: i64,
    program_id: i64,
    slug: String,
    name_id: String,
    name_en: String,
    description_id: String,
    description_en: String,
    unit_id: String,
    unit_en: String,
    unit_value: i64,
    once_per_family: bool,
}

/// Active programs with their active packages, in catalogue order.
pub async fn list(db: &Db) -> Result<ProgramList, AppError> {
    const PROGRAMS: &str = "SELECT id, slug, name_id, name_en, description_id, description_en \
        FROM programs WHERE active = TRUE ORDER BY sort_order, id";
    const PACKAGES: &str = "SELECT id, program_id, slug, name_id, name_en, description_id, \
        description_en, unit_id, unit_en, unit_value, once_per_family \
        FROM packages WHERE active = TRUE ORDER BY sort_order, id";
    let (programs, packages): (Vec<ProgramRow>, Vec<PackageRow>) = on_db!(db, pool => (
        sqlx::query_as(PROGRAMS).fetch_all(pool).await?,
        sqlx::query_as(PACKAGES).fetch_all(pool).await?,
    ));
    let programs = programs
        .into_iter()
        .map(|p| Program {
            packages: packages
                .iter()
                .filter(|k| k.program_id == p.id)
                .map(|k| Package {
                    id: k.id,
                    slug: k.slug.clone(),
                    program_id: k.program_id,
                    name: Localized {
                        id: k.name_id.clone(),
                        en: k.name_en.clone(),
                    },
                    description: Localized {
                        id: k.description_id.clone(),
                        en: k.description_en.clone(),
                    },
                    unit: Localized {
                        id: k.unit_id.clone(),
                        en: k.unit_en.clone(),
                    },
                    unit_value: k.unit_value,
                    once_per_family: k.once_per_family,
                })
                .collect(),
            id: p.id,
            slug: p.slug,
            name: Localized {
                id: p.name_id,
                en: p.name_en,
            },
            description: Localized {
                id: p.description_id,
                en: p.description_en,
            },
        })
        .collect();
    Ok(ProgramList { programs })
}

/// Package id by slug (seeding and tests).
pub async fn package_id(db: &Db, slug: &str) -> Result<Option<i64>, AppError> {
    const SQL: &str = "SELECT id FROM packages WHERE slug = $1";
    Ok(on_db!(db, pool => sqlx::query_scalar(SQL).bind(slug).fetch_optional(pool).await?))
}
