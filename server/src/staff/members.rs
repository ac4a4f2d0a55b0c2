//! Staff management (admins) and the audit trail.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use kolaborasi_shared::{
    AreaLevel, AuditEntry, AuditPage, NewStaff, Role, StaffChange, StaffList, StaffMember, validate,
};

use super::{Act, MEMBER_COLUMNS, MemberRow, Staff, audit_in};
use crate::body::JsonBody;
use crate::db::{Db, now_unix};
use crate::error::{AppError, AppResult, FieldIssue};
use crate::state::AppState;
use crate::{accounts, on_db};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/members", get(list).post(create))
        .route("/staff/members/{id}", post(change))
        .route("/staff/audit", get(audit))
}

/// Inserts a staff member; `by` is the admin creating them (none for `create-admin`).
pub(crate) async fn insert(
    db: &Db,
    by: Option<i64>,
    email: &str,
    name: &str,
    role: Role,
    scope: Option<&str>,
    password_hash: &str,
) -> AppResult<i64> {
    let inserted: Result<i64, sqlx::Error> = on_db!(db, pool => async {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO staff (email, name, password_hash, role, scope_code, active, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(scope)
        .bind(now_unix())
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
        audit_in!(tx, by.unwrap_or(id), "staff_created", format!("staff:{id}"), role.as_str());
        tx.commit().await?;
        Ok(id)
    }.await);
    match inserted {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(AppError::Fields(vec![FieldIssue::new(
                "email",
                "error.field.email_taken",
            )]))
        }
        Err(e) => Err(e.into()),
    }
}

/// Role and scope as typed: operators need a kota or kecamatan, others none.
fn role_and_scope(
    state: &AppState,
    role: &str,
    scope: Option<&str>,
    issues: &mut Vec<FieldIssue>,
) -> Option<(Role, Option<String>)> {
    let Some(role) = Role::parse(role) else {
        issues.push(FieldIssue::new("role", "error.staff.role_unknown"));
        return None;
    };
    let scope = scope.map(str::trim).filter(|s| !s.is_empty());
    match (role, scope) {
        (Role::Operator, None) => {
            issues.push(FieldIssue::new("scope", "error.staff.scope_required"));
            None
        }
        (Role::Operator, Some(code)) => {
            let level = state
                .areas
                .find(code)
                .and_then(|n| AreaLevel::of_code(&n.code));
            if matches!(level, Some(AreaLevel::Kota | AreaLevel::Kecamatan)) {
                Some((role, Some(code.to_owned())))
            } else {
                issues.push(FieldIssue::new("scope", "error.staff.scope_invalid"));
                None
            }
        }
        (_, Some(_)) => {
            issues.push(FieldIssue::new("scope", "error.staff.scope_only_operator"));
            None
        }
        (_, None) => Some((role, None)),
    }
}

async fn member(db: &Db, id: i64) -> AppResult<Option<StaffMember>> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM staff s WHERE s.id = $1");
    let row: Option<MemberRow> =
        on_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
    row.map(MemberRow::member).transpose()
}

async fn list(State(state): State<AppState>, staff: Staff) -> AppResult<Json<StaffList>> {
    staff.require(Act::Administer, None)?;
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM staff s ORDER BY s.active DESC, s.name, s.id");
    let rows: Vec<MemberRow> =
        on_db!(&state.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
    Ok(Json(StaffList {
        staff: rows
            .into_iter()
            .map(MemberRow::member)
            .collect::<AppResult<_>>()?,
    }))
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    JsonBody(input): JsonBody<NewStaff>,
) -> AppResult<Response> {
    staff.require(Act::Administer, None)?;
    let mut issues = Vec::new();
    let email = validate::email(&input.email)
        .map_err(|key| issues.push(FieldIssue::new("email", key)))
        .ok();
    let name = validate::name(&input.name)
        .map_err(|key| issues.push(FieldIssue::new("name", key)))
        .ok();
    let role = role_and_scope(&state, &input.role, input.scope.as_deref(), &mut issues);
    if let Err(key) = validate::password(&input.password) {
        issues.push(FieldIssue::new("password", key));
    }
    let (Some(email), Some(name), Some((role, scope)), true) =
        (email, name, role, issues.is_empty())
    else {
        return Err(AppError::Fields(issues));
    };
    let hash = accounts::hash_password(input.password).await?;
    let id = insert(
        &state.db,
        Some(staff.id()),
        &email,
        &name,
        role,
        scope.as_deref(),
        &hash,
    )
    .await?;
    let created = member(&state.db, id)
        .await?
        .ok_or_else(|| AppError::Internal("staff vanished".into()))?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn change(
    State(state): State<AppState>,
    staff: Staff,
    id: Result<Path<String>, PathRejection>,
    JsonBody(input): JsonBody<StaffChange>,
) -> AppResult<Json<StaffMember>> {
    staff.require(Act::Administer, None)?;
    let id = crate::query::path_id(id, "error.path.staff_id")?;
    let mut issues = Vec::new();
    let Some((role, scope)) =
        role_and_scope(&state, &input.role, input.scope.as_deref(), &mut issues)
    else {
        return Err(AppError::Fields(issues));
    };
    // An admin cannot lock themselves out (nor leave the deployment without one).
    if id == staff.id() && (role != Role::Admin || !input.active) {
        return Err(AppError::Conflict {
            key: "error.staff.self_demotion",
            args: Vec::new(),
        });
    }
    let detail = format!(
        "{} {} {}",
        role.as_str(),
        scope.as_deref().unwrap_or("-"),
        if input.active { "active" } else { "inactive" }
    );
    let changed = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query("UPDATE staff SET role = $2, scope_code = $3, active = $4 WHERE id = $1")
            .bind(id)
            .bind(role.as_str())
            .bind(scope.as_deref())
            .bind(input.active)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            if !input.active {
                sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            audit_in!(tx, staff.id(), "staff_changed", format!("staff:{id}"), &detail);
        }
        tx.commit().await?;
        n == 1
    });
    if !changed {
        return Err(AppError::NotFound {
            key: "error.staff.not_found",
        });
    }
    member(&state.db, id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound {
            key: "error.staff.not_found",
        })
}

#[derive(serde::Deserialize)]
struct AuditQuery {
    before: Option<i64>,
}

/// Newest first, 100 per page.
async fn audit(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> AppResult<Json<AuditPage>> {
    const PAGE: i64 = 100;
    staff.require(Act::Administer, None)?;
    let Ok(Query(query)) = query else {
        return Err(AppError::invalid("before", "error.staff.before_invalid"));
    };
    let before = query.before.unwrap_or(i64::MAX);
    let rows: Vec<(i64, i64, i64, String, String, String)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT a.id, a.at, a.staff_id, s.name, a.action, a.subject FROM audit_log a \
         JOIN staff s ON s.id = a.staff_id WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2",
    )
    .bind(before)
    .bind(PAGE + 1)
    .fetch_all(pool)
    .await?);
    let more = rows.len() > usize::try_from(PAGE).unwrap_or(usize::MAX);
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(usize::try_from(PAGE).unwrap_or(usize::MAX))
        .map(
            |(id, at, staff_id, staff_name, action, subject)| AuditEntry {
                id,
                at,
                staff_id,
                staff_name,
                action,
                subject,
            },
        )
        .collect();
    Ok(Json(AuditPage {
        next_before: if more {
            entries.last().map(|e| e.id)
        } else {
            None
        },
        entries,
    }))
}
