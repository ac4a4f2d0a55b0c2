//! Staff actions on commitments and collaborators: verify, verify the
//! delivery, issue a new confirmation code, correct. Each is attributed in
//! the audit trail, and the public ones are logged, in one transaction.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderMap, StatusCode};
use kolaborasi_shared::log::kind;
use kolaborasi_shared::{
    CommitmentView, NewCorrection, ReceiptSlip, Role, StaffCommitment, validate,
};
use serde_json::json;

use super::{Act, Place, Staff, audit_in};
use crate::body::JsonBody;
use crate::commitments::{code_from, store};
use crate::db::now_unix;
use crate::deliveries;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::log::{self, Event, append_in};
use crate::state::AppState;
use crate::{on_db, secrets};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/commitments/{code}", get(show))
        .route("/staff/commitments/{code}/verify", post(verify))
        .route(
            "/staff/commitments/{code}/confirm-contact",
            post(confirm_contact),
        )
        .route(
            "/staff/commitments/{code}/delivery/verify",
            post(verify_delivery),
        )
        .route("/staff/commitments/{code}/slip", post(new_slip))
        .route("/staff/corrections", post(correct))
        .route("/staff/accounts/{id}/verify", post(verify_account))
}

/// An empty JSON object body (`{}`): state-changing requests are JSON, so a
/// cross-site form can never send them.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Loads the commitment and checks the staff member may `act` at its place.
async fn authorised(
    state: &AppState,
    staff: &Staff,
    act: Act,
    code: &str,
) -> AppResult<store::Row> {
    // The role is checked before anything is read: no existence oracle.
    staff.require(act, None)?;
    let (row, _) = crate::commitments::load(state, code).await?;
    staff.require(
        act,
        Some(&Place {
            kota: &row.kota_code,
            kecamatan: &row.kecamatan_code,
        }),
    )?;
    Ok(row)
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<Json<StaffCommitment>> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Verify, &code).await?;
    let commitment = deliveries::public_view(&state.db, &code).await?;
    let (comment, documents): (Option<String>, Vec<String>) = on_db!(&state.db, pool => {
        let comment: Option<String> = sqlx::query_scalar(
            "SELECT dispute_comment FROM deliveries WHERE commitment_id = $1",
        )
        .bind(row.id)
        .fetch_optional(pool)
        .await?;
        let documents = sqlx::query_scalar(
            "SELECT evidence_id FROM delivery_evidence WHERE commitment_id = $1 AND role = 'document' ORDER BY position",
        )
        .bind(row.id)
        .fetch_all(pool)
        .await?;
        (comment, documents)
    });
    Ok(Json(StaffCommitment {
        commitment,
        contact_name: row.collaborator_name,
        contact_email: row.contact_email,
        contact_phone: row.contact_phone,
        dispute_comment: comment.filter(|c| !c.is_empty()),
        documents,
    }))
}

fn conflict(key: &'static str) -> AppError {
    AppError::Conflict {
        key,
        args: Vec::new(),
    }
}

async fn verify(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
    JsonBody(Empty {}): JsonBody<Empty>,
) -> AppResult<Json<CommitmentView>> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Verify, &code).await?;
    if !matches!(row.status.as_str(), "committed" | "delivered") {
        return Err(conflict("error.staff.verify_closed"));
    }
    let now = now_unix();
    let event = Event {
        at: now,
        kind: kind::COMMITMENT_VERIFIED,
        subject: row.code.clone(),
        facts: json!({ "code": row.code }),
    };
    let notify = state.db.engine() == "postgres";
    let done = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let done = sqlx::query(
            "UPDATE commitments SET verified_at = $2 WHERE id = $1 AND verified_at IS NULL \
             AND status IN ('committed', 'delivered')",
        )
        .bind(row.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected() == 1;
        if done {
            audit_in!(tx, staff.id(), "commitment_verified", &row.code, "");
            append_in!(tx, notify, std::slice::from_ref(&event));
        }
        tx.commit().await?;
        done
    });
    if !done {
        return Err(conflict("error.staff.already_verified"));
    }
    log::announce();
    Ok(Json(deliveries::public_view(&state.db, &code).await?))
}

/// A donor without e-mail (a kiosk, a phone call) is confirmed by staff who
/// reached them: the commitment keeps its quantities for the full period.
async fn confirm_contact(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
    JsonBody(Empty {}): JsonBody<Empty>,
) -> AppResult<Json<CommitmentView>> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Verify, &code).await?;
    crate::commitments::confirm_contact(&state, &row, Some(staff.id())).await?;
    Ok(Json(deliveries::public_view(&state.db, &code).await?))
}

async fn verify_delivery(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
    JsonBody(Empty {}): JsonBody<Empty>,
) -> AppResult<Json<CommitmentView>> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Verify, &code).await?;
    let now = now_unix();
    let event = Event {
        at: now,
        kind: kind::DELIVERY_VERIFIED,
        subject: row.code.clone(),
        facts: json!({ "code": row.code }),
    };
    let notify = state.db.engine() == "postgres";
    // The write comes first (SQLite: a transaction that starts by reading
    // may fail to upgrade). Staff never verify a report they made, nor one
    // confirmed with a code they issued: the voices must be different people.
    let done = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let done = sqlx::query(
            "UPDATE deliveries SET verified_at = $2, verified_by = $3 WHERE commitment_id = $1 \
             AND verified_at IS NULL AND COALESCE(reporter_staff_id, 0) <> $3 \
             AND COALESCE(confirm_issued_by, 0) <> $3",
        )
        .bind(row.id)
        .bind(now)
        .bind(staff.id())
        .execute(&mut *tx)
        .await?
        .rows_affected() == 1;
        if done {
            audit_in!(tx, staff.id(), "delivery_verified", &row.code, "");
            append_in!(tx, notify, std::slice::from_ref(&event));
        }
        tx.commit().await?;
        done
    });
    if !done {
        let found: Option<(Option<i64>, Option<i64>, Option<i64>)> = on_db!(&state.db, pool => sqlx::query_as(
            "SELECT verified_at, reporter_staff_id, confirm_issued_by FROM deliveries WHERE commitment_id = $1",
        )
        .bind(row.id)
        .fetch_optional(pool)
        .await?);
        return Err(conflict(match found {
            None => "error.staff.no_delivery",
            Some((Some(_), _, _)) => "error.staff.already_verified",
            Some(_) => "error.staff.own_report",
        }));
    }
    log::announce();
    Ok(Json(deliveries::public_view(&state.db, &code).await?))
}

/// A fresh confirmation code for a delivery the place has not answered
/// (the slip was lost, or the code expired); the old code stops working.
async fn new_slip(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    JsonBody(Empty {}): JsonBody<Empty>,
) -> AppResult<Json<ReceiptSlip>> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Edit, &code).await?;
    let now = now_unix();
    let confirm = secrets::tracking_code()?;
    let expires_at = now + i64::from(state.receipt_code_days) * 86_400;
    let done = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let done = sqlx::query(
            "UPDATE deliveries SET confirm_hash = $2, confirm_expires_at = $3, confirm_issued_by = $4 \
             WHERE commitment_id = $1 AND receipt = 'pending'",
        )
        .bind(row.id)
        .bind(secrets::sha256_hex(confirm.as_bytes()))
        .bind(expires_at)
        .bind(staff.id())
        .execute(&mut *tx)
        .await?
        .rows_affected() == 1;
        if done {
            audit_in!(tx, staff.id(), "confirmation_code_issued", &row.code, "");
        }
        tx.commit().await?;
        done
    });
    if !done {
        return Err(conflict("error.staff.slip_not_pending"));
    }
    Ok(Json(deliveries::slip(
        &state, &headers, &row.code, &confirm, expires_at,
    )?))
}

const REASON_MIN: usize = 5;
const REASON_MAX: usize = 500;

async fn correct(
    State(state): State<AppState>,
    staff: Staff,
    JsonBody(input): JsonBody<NewCorrection>,
) -> AppResult<Json<CommitmentView>> {
    staff.require(Act::Edit, None)?;
    let code = validate::tracking_code(&input.code)
        .ok_or_else(|| AppError::invalid("code", "error.path.invalid_code"))?;
    let Some(reason) = validate::free_text(&input.reason, REASON_MIN, REASON_MAX) else {
        return Err(AppError::Fields(vec![
            FieldIssue::new("reason", "error.staff.reason_length")
                .with("min", REASON_MIN)
                .with("max", REASON_MAX),
        ]));
    };
    let row = authorised(&state, &staff, Act::Edit, &code).await?;
    let now = now_unix();
    let event = Event {
        at: now,
        kind: kind::CORRECTION,
        subject: row.code.clone(),
        facts: json!({ "code": row.code, "reason": reason }),
    };
    let notify = state.db.engine() == "postgres";
    on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO corrections (commitment_id, at, staff_id, reason) VALUES ($1, $2, $3, $4)")
            .bind(row.id)
            .bind(now)
            .bind(staff.id())
            .bind(&reason)
            .execute(&mut *tx)
            .await?;
        audit_in!(tx, staff.id(), "correction", &row.code, &reason);
        append_in!(tx, notify, std::slice::from_ref(&event));
        tx.commit().await?;
    });
    log::announce();
    Ok(Json(deliveries::public_view(&state.db, &code).await?))
}

async fn verify_account(
    State(state): State<AppState>,
    staff: Staff,
    id: Result<Path<String>, PathRejection>,
    JsonBody(Empty {}): JsonBody<Empty>,
) -> AppResult<Response> {
    staff.require(Act::Verify, None)?;
    if staff.member.role == Role::Operator {
        return Err(AppError::Forbidden {
            key: "error.staff.role",
        });
    }
    let id = crate::query::path_id(id, "error.path.staff_id")?;
    let done = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let done = sqlx::query(
            "UPDATE accounts SET verified_at = $2 WHERE id = $1 AND verified_at IS NULL",
        )
        .bind(id)
        .bind(now_unix())
        .execute(&mut *tx)
        .await?
        .rows_affected() == 1;
        if done {
            audit_in!(tx, staff.id(), "collaborator_verified", format!("account:{id}"), "");
        }
        tx.commit().await?;
        done
    });
    if !done {
        let exists: Option<i64> = on_db!(&state.db, pool => sqlx::query_scalar(
            "SELECT id FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?);
        return Err(match exists {
            None => AppError::NotFound {
                key: "error.staff.account_not_found",
            },
            Some(_) => conflict("error.staff.already_verified"),
        });
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
