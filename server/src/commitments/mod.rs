//! `POST /api/v1/commitments` (KSBB's "Beri Bantuan"), the public and
//! private views of a commitment, and cancelling with the manage token.

pub mod expiry;
pub mod group;
mod input;
pub mod store;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderMap, HeaderValue, StatusCode};
use kolaborasi_shared::validate;
use kolaborasi_shared::{
    CancelRequest, CommitmentPrivate, CommitmentReceipt, CommitmentView, ConfirmRequest,
    IDEMPOTENCY_HEADER, MANAGE_TOKEN_HEADER, NewCommitment,
};

use crate::accounts::MaybeAccount;
use crate::body::JsonBody;
use crate::client::RateKey;
use crate::db::now_unix;
use crate::error::{AppError, AppResult};
use crate::secrets;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/commitments", post(create))
        .route("/commitments/{code}", get(public_view))
        .route("/commitments/{code}/private", get(private_view))
        .route("/commitments/{code}/cancel", post(cancel))
        .route("/commitments/{code}/confirm", post(confirm))
}

const DAY: i64 = 86_400;

fn today() -> i64 {
    now_unix().div_euclid(DAY)
}

#[tracing::instrument(level = "debug", skip_all)]
async fn create(
    State(state): State<AppState>,
    MaybeAccount(account): MaybeAccount,
    client: RateKey,
    headers: HeaderMap,
    body: JsonBody<NewCommitment>,
) -> AppResult<Response> {
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .ok_or_else(|| AppError::invalid(IDEMPOTENCY_HEADER, "error.idempotency.missing"))?
        .to_str()
        .ok()
        .filter(|k| validate::idempotency_key(k))
        .ok_or_else(|| AppError::invalid(IDEMPOTENCY_HEADER, "error.idempotency.invalid"))?
        .to_owned();
    let JsonBody(request) = body;
    let expiry_days = state.commitment_expiry_days;
    let checked = input::check(&request, today(), expiry_days)?;
    // The fingerprint of the request as understood, not of its bytes: key
    // order or whitespace in a retried body do not matter.
    let request_hash = secrets::sha256_hex(
        &serde_json::to_vec(&(&request, account.as_ref().map(|a| a.id)))
            .map_err(AppError::internal)?,
    );
    let now = now_unix();
    // A contact is confirmed by an account whose address is confirmed;
    // anyone else holds for a short window until the e-mailed link is used.
    let confirmed = account.as_ref().is_some_and(|a| a.email_confirmed);
    let expires_at = if confirmed {
        now + i64::from(expiry_days) * DAY
    } else {
        now + i64::from(state.unconfirmed_hold_hours) * 3_600
    };
    let packages: Vec<i64> = checked.lines.iter().map(|(p, _)| *p).collect();
    let location_id = checked.location_id;
    // Who the log says made it: a confirmed account's address links its
    // commitments; anyone else gets a reference of this commitment alone, so
    // an anonymous commitment cannot be linked to a named one by a typed
    // address (finding 4).
    let collaborator_ref = match account.as_ref().filter(|a| a.email_confirmed) {
        Some(a) => crate::log::collaborator_ref(&state.secret, &a.email),
        None => format!("c-{}", secrets::hex(&secrets::random_bytes::<16>()?)),
    };
    let outcome = state
        .committer
        .reserve(store::Request {
            checked,
            idempotency_key: key,
            request_hash,
            account_id: account.as_ref().map(|a| a.id),
            now,
            expires_at,
            demo: false,
            collaborator_ref,
            confirmed,
            share_percent: state.unconfirmed_share_percent,
            lang: crate::i18n::Lang::current().code(),
            base_url: state.absolute_url(&headers, ""),
            // An unconfirmed contact is held to its limits (checked with
            // the group: exact, and no query of its own).
            limits: (!confirmed).then(|| store::Limits {
                per_contact: state.unconfirmed_per_contact,
                rate: state.unconfirmed_limit,
                buckets: client.buckets(state.unconfirmed_limit.per_client),
            }),
        })
        .await?;
    let ((row, lines), status) = stored(&state, outcome, location_id, &packages).await?;
    if status == StatusCode::CREATED {
        state.expiry.expires_at(expires_at);
        crate::mail::wake();
    }
    let receipt = CommitmentReceipt {
        manage_token: state.secret.manage_token(&row.code),
        commitment: row.view(lines)?,
    };
    let mut response = (status, Json(receipt)).into_response();
    if status == StatusCode::OK {
        response
            .headers_mut()
            .insert("Idempotent-Replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The commitment a reservation's outcome stands for, with its status
/// (201 made, 200 replayed), or the error it comes to.
async fn stored(
    state: &AppState,
    outcome: store::Outcome,
    location_id: i64,
    packages: &[i64],
) -> AppResult<(
    (store::Row, Vec<kolaborasi_shared::CommitmentLine>),
    StatusCode,
)> {
    Ok(match outcome {
        store::Outcome::Created { record, .. } => (*record, StatusCode::CREATED),
        store::Outcome::Replayed { code } => (
            store::by_code(&state.db, &code)
                .await?
                .ok_or_else(|| AppError::Internal(format!("commitment {code} vanished")))?,
            StatusCode::OK,
        ),
        store::Outcome::KeyReused => return Err(AppError::IdempotencyKeyReused),
        store::Outcome::LocationUnknown => {
            return Err(AppError::invalid(
                "location_id",
                "error.commitment.location_unknown",
            ));
        }
        store::Outcome::LocationInactive => {
            return Err(AppError::Conflict {
                key: "error.commitment.location_inactive",
                args: Vec::new(),
            });
        }
        store::Outcome::BadLines(issues) => return Err(AppError::Fields(issues)),
        store::Outcome::ContactWaiting { count } => {
            return Err(AppError::Conflict {
                key: "error.commitment.contact_unconfirmed",
                args: vec![("count", count.to_string())],
            });
        }
        store::Outcome::RateLimited {
            message,
            retry_after,
        } => {
            return Err(AppError::RateLimited {
                key: message,
                retry_after,
            });
        }
        store::Outcome::Insufficient => {
            let remaining = store::remaining_of(&state.db, location_id, packages).await?;
            return Err(AppError::InsufficientNeed { remaining });
        }
    })
}

/// The tracking code of a `{code}` path segment (any case, dashes optional).
pub(crate) fn code_from(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    path.ok()
        .and_then(|Path(raw)| validate::tracking_code(&raw))
        .ok_or_else(|| AppError::invalid("code", "error.path.invalid_code"))
}

/// 409: the commitment is no longer open, naming its status.
pub(crate) fn not_open(row: &store::Row) -> AppError {
    let lang = crate::i18n::Lang::current();
    AppError::Conflict {
        key: "error.commitment.not_open",
        args: vec![(
            "status",
            lang.message(&format!("status.{}", row.status), &[]),
        )],
    }
}

/// Loads a commitment, after the sweeper expired whatever is due.
pub(crate) async fn load(
    state: &AppState,
    code: &str,
) -> AppResult<(store::Row, Vec<kolaborasi_shared::CommitmentLine>)> {
    state.expiry.settled().await;
    store::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound {
            key: "error.commitment.not_found",
        })
}

async fn public_view(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<Json<CommitmentView>> {
    let code = code_from(code)?;
    let (row, lines) = load(&state, &code).await?;
    Ok(Json(
        crate::deliveries::full_view(&state.db, row, lines).await?,
    ))
}

/// Whether the request may see and manage this commitment: the manage
/// token, or the session of the account that made it.
pub(crate) fn may_manage(
    state: &AppState,
    row: &store::Row,
    token: Option<&str>,
    account: Option<i64>,
) -> bool {
    token.is_some_and(|t| state.secret.manage_token_matches(&row.code, t))
        || (account.is_some() && row.account_id == account)
}

async fn private_view(
    State(state): State<AppState>,
    MaybeAccount(account): MaybeAccount,
    code: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> AppResult<Json<CommitmentPrivate>> {
    let code = code_from(code)?;
    let (row, lines) = load(&state, &code).await?;
    let token = headers
        .get(MANAGE_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok());
    if !may_manage(&state, &row, token, account.map(|a| a.id)) {
        return Err(AppError::Forbidden {
            key: "error.commitment.token_invalid",
        });
    }
    Ok(Json(CommitmentPrivate {
        contact_name: row.collaborator_name.clone(),
        contact_email: row.contact_email.clone(),
        contact_phone: row.contact_phone.clone(),
        show_name: row.show_name,
        commitment: row.view(lines)?,
    }))
}

async fn cancel(
    State(state): State<AppState>,
    MaybeAccount(account): MaybeAccount,
    code: Result<Path<String>, PathRejection>,
    JsonBody(request): JsonBody<CancelRequest>,
) -> AppResult<Json<CommitmentView>> {
    let code = code_from(code)?;
    let (row, _) = load(&state, &code).await?;
    if !may_manage(
        &state,
        &row,
        request.token.as_deref(),
        account.map(|a| a.id),
    ) {
        return Err(AppError::Forbidden {
            key: "error.commitment.token_invalid",
        });
    }
    if !store::cancel(&state.db, row.id, &row.code, row.location_id, now_unix()).await? {
        let (row, _) = load(&state, &code).await?;
        return Err(not_open(&row));
    }
    let (row, lines) = load(&state, &code).await?;
    Ok(Json(
        crate::deliveries::full_view(&state.db, row, lines).await?,
    ))
}

/// The e-mailed link: the contact is confirmed, and the commitment keeps
/// its quantities for the full period. Works once, for its commitment only.
async fn confirm(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
    JsonBody(request): JsonBody<ConfirmRequest>,
) -> AppResult<Json<CommitmentView>> {
    let code = code_from(code)?;
    let (row, _) = load(&state, &code).await?;
    if !state
        .secret
        .confirm_token_matches(&row.code, &request.token)
    {
        return Err(AppError::Forbidden {
            key: "error.confirm.token_invalid",
        });
    }
    confirm_contact(&state, &row, None).await?;
    Ok(Json(
        crate::deliveries::public_view(&state.db, &code).await?,
    ))
}

/// Confirms `row`'s contact (the link, or the staff member `staff`, who is
/// named in the audit trail): 409 when it was confirmed already or is no
/// longer open.
pub(crate) async fn confirm_contact(
    state: &AppState,
    row: &store::Row,
    staff: Option<i64>,
) -> AppResult<()> {
    let already = || AppError::Conflict {
        key: "error.confirm.already",
        args: Vec::new(),
    };
    if row.confirmed_at.is_some() {
        return Err(already());
    }
    if row.status != "committed" {
        return Err(not_open(row));
    }
    let full = row.created_at + i64::from(state.commitment_expiry_days) * DAY;
    if store::confirm(&state.db, row, full, now_unix(), staff).await? {
        return Ok(());
    }
    // Confirmed or closed meanwhile: say which.
    let (row, _) = load(state, &row.code).await?;
    Err(if row.confirmed_at.is_some() {
        already()
    } else {
        not_open(&row)
    })
}
