//! Admins add programs and packages without touching code.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use http::StatusCode;
use kolaborasi_shared::{NewPackage, NewProgram};

use super::{Act, Staff, audit_in};
use crate::body::JsonBody;
use crate::catalogue;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::on_db;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/programs", post(create_program))
        .route("/staff/packages", post(create_package))
}

fn slug_ok(s: &str) -> bool {
    (1..=60).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn text(issues: &mut Vec<FieldIssue>, field: &str, value: &str, required: bool) -> String {
    let v = value.trim();
    if (required && v.is_empty()) || v.chars().count() > 200 || v.chars().any(char::is_control) {
        issues.push(FieldIssue::new(field, "error.catalogue.text"));
    } else if kolaborasi_shared::validate::has_hidden(v) {
        issues.push(FieldIssue::new(field, "error.field.hidden_characters"));
    }
    v.to_owned()
}

fn unique_or(e: sqlx::Error) -> AppError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            AppError::Fields(vec![FieldIssue::new("slug", "error.catalogue.slug_taken")])
        }
        other => other.into(),
    }
}

async fn create_program(
    State(state): State<AppState>,
    staff: Staff,
    JsonBody(input): JsonBody<NewProgram>,
) -> AppResult<Response> {
    staff.require(Act::Administer, None)?;
    let mut issues = Vec::new();
    if !slug_ok(&input.slug) {
        issues.push(FieldIssue::new("slug", "error.catalogue.slug"));
    }
    let name_id = text(&mut issues, "name_id", &input.name_id, true);
    let name_en = text(&mut issues, "name_en", &input.name_en, true);
    let description_id = text(&mut issues, "description_id", &input.description_id, false);
    let description_en = text(&mut issues, "description_en", &input.description_en, false);
    if !issues.is_empty() {
        return Err(AppError::Fields(issues));
    }
    let inserted: Result<i64, sqlx::Error> = on_db!(&state.db, pool => async {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO programs (slug, name_id, name_en, description_id, description_en, sort_order) \
             VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM programs)) RETURNING id",
        )
        .bind(&input.slug)
        .bind(&name_id)
        .bind(&name_en)
        .bind(&description_id)
        .bind(&description_en)
        .fetch_one(&mut *tx)
        .await?;
        audit_in!(tx, staff.id(), "program_created", &input.slug, "");
        tx.commit().await?;
        Ok(id)
    }.await);
    let id = inserted.map_err(unique_or)?;
    crate::log::changed_without_entry(&state.db).await?;
    let list = catalogue::list(&state.db).await?;
    let program = list
        .programs
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| AppError::Internal("program vanished".into()))?;
    Ok((StatusCode::CREATED, Json(program)).into_response())
}

async fn create_package(
    State(state): State<AppState>,
    staff: Staff,
    JsonBody(input): JsonBody<NewPackage>,
) -> AppResult<Response> {
    staff.require(Act::Administer, None)?;
    let mut issues = Vec::new();
    if !slug_ok(&input.slug) {
        issues.push(FieldIssue::new("slug", "error.catalogue.slug"));
    }
    let name_id = text(&mut issues, "name_id", &input.name_id, true);
    let name_en = text(&mut issues, "name_en", &input.name_en, true);
    let unit_id = text(&mut issues, "unit_id", &input.unit_id, true);
    let unit_en = text(&mut issues, "unit_en", &input.unit_en, true);
    if !(0..=1_000_000_000).contains(&input.unit_value) {
        issues.push(FieldIssue::new("unit_value", "error.catalogue.unit_value"));
    }
    let program: Option<i64> = on_db!(&state.db, pool => sqlx::query_scalar(
        "SELECT id FROM programs WHERE id = $1 AND active = TRUE",
    )
    .bind(input.program_id)
    .fetch_optional(pool)
    .await?);
    if program.is_none() {
        issues.push(FieldIssue::new(
            "program_id",
            "error.catalogue.program_unknown",
        ));
    }
    if !issues.is_empty() {
        return Err(AppError::Fields(issues));
    }
    let inserted: Result<i64, sqlx::Error> = on_db!(&state.db, pool => async {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO packages (program_id, slug, name_id, name_en, unit_id, unit_en, unit_value, \
             once_per_family, sort_order) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM packages)) \
             RETURNING id",
        )
        .bind(input.program_id)
        .bind(&input.slug)
        .bind(&name_id)
        .bind(&name_en)
        .bind(&unit_id)
        .bind(&unit_en)
        .bind(input.unit_value)
        .bind(input.once_per_family)
        .fetch_one(&mut *tx)
        .await?;
        audit_in!(tx, staff.id(), "package_created", &input.slug, "");
        tx.commit().await?;
        Ok(id)
    }.await);
    let id = inserted.map_err(unique_or)?;
    crate::log::changed_without_entry(&state.db).await?;
    let list = catalogue::list(&state.db).await?;
    let package = list
        .package(id)
        .cloned()
        .ok_or_else(|| AppError::Internal("package vanished".into()))?;
    Ok((StatusCode::CREATED, Json(package)).into_response())
}
