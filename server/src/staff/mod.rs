//! The facilitator's staff: accounts with roles, sessions, CSRF, the audit
//! trail, and who may do what where.
//!
//! - Sessions live on the server (only a SHA-256 of the cookie is stored);
//!   the cookie `kolaborasi_staff` is `HttpOnly`, `SameSite=Strict`, path `/api`.
//! - Every request that is not GET/HEAD and carries a staff session must
//!   send the session's CSRF token in `Kolaborasi-Csrf`; the token is an HMAC
//!   of the session under the deployment secret, so nothing more is stored.
//!   The [`Staff`] extractor checks it, so no handler can forget.
//! - Failed sign-ins lock the address out (the collaborator limit, counted
//!   in a scope of their own), across instances.
//! - Every action is written to `audit_log` in the same transaction as the
//!   action ([`audit_in!`]).

pub mod actions;
pub mod catalogue;
pub mod locations;
pub mod members;
pub mod queues;

use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};
use kolaborasi_shared::{CSRF_HEADER, Role, StaffCredentials, StaffMember, StaffSession, validate};

use crate::body::JsonBody;
use crate::db::{Db, now_unix};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::{accounts, on_db, secrets};

pub const STAFF_COOKIE: &str = "kolaborasi_staff";
/// Staff sessions are short: a console left open overnight signs out.
const SESSION_HOURS: i64 = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/staff/session",
            get(current).post(sign_in).delete(sign_out),
        )
        .route("/staff/session/everywhere", post(sign_out_everywhere))
        .merge(members::router())
        .merge(queues::router())
        .merge(actions::router())
        .merge(locations::router())
        .merge(catalogue::router())
}

/// Writes one attributed audit record inside the transaction `$tx`.
macro_rules! audit_in {
    ($tx:expr, $staff:expr, $action:expr, $subject:expr, $detail:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, staff_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($crate::db::now_unix())
        .bind($staff)
        .bind($action)
        .bind($subject)
        .bind($detail)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use audit_in;

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Verifying: admins, verifiers, operators in scope.
    Verify,
    /// Changing records of a place (locations, deliveries, corrections):
    /// admins and operators in scope.
    Edit,
    /// Staff and the catalogue: admins.
    Administer,
}

/// The signed-in staff member of a request (401 otherwise). On a
/// state-changing method the CSRF header has been checked (403 otherwise).
#[derive(Debug, Clone)]
pub struct Staff {
    pub member: StaffMember,
    token_hash: String,
}

/// A place's kota and kecamatan codes, for scope checks.
pub struct Place<'a> {
    pub kota: &'a str,
    pub kecamatan: &'a str,
}

impl Staff {
    #[must_use]
    pub fn id(&self) -> i64 {
        self.member.id
    }

    /// Whether the role allows `act` at all (anywhere, for operators within scope).
    #[must_use]
    pub fn can(&self, act: Act) -> bool {
        match self.member.role {
            Role::Admin => true,
            Role::Operator => matches!(act, Act::Verify | Act::Edit),
            Role::Verifier => act == Act::Verify,
        }
    }

    /// Whether an operator's scope covers the place (others are not scoped).
    #[must_use]
    pub fn covers(&self, place: &Place<'_>) -> bool {
        match (&self.member.role, &self.member.scope) {
            (Role::Operator, Some(scope)) => scope == place.kota || scope == place.kecamatan,
            (Role::Operator, None) => false,
            _ => true,
        }
    }

    /// 403 unless the staff member may do `act` (at `place`, when given).
    pub fn require(&self, act: Act, place: Option<&Place<'_>>) -> AppResult<()> {
        if !self.can(act) {
            return Err(AppError::Forbidden {
                key: "error.staff.role",
            });
        }
        if let Some(place) = place
            && !self.covers(place)
        {
            return Err(AppError::Forbidden {
                key: "error.staff.scope",
            });
        }
        Ok(())
    }

    /// The area an operator's queues are limited to. An operator without
    /// one (the database forbids it) gets an area that matches nothing.
    #[must_use]
    pub fn scope(&self) -> Option<&str> {
        (self.member.role == Role::Operator).then(|| self.member.scope.as_deref().unwrap_or(""))
    }
}

/// The staff member if the request carries a live staff session, else `None`
/// (for endpoints that staff and others share). CSRF is checked as for [`Staff`].
pub struct MaybeStaff(pub Option<Staff>);

fn csrf_token(state: &AppState, token_hash: &str) -> String {
    state.secret.sign(&format!("staff-csrf:{token_hash}"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub scope_code: Option<String>,
    pub active: bool,
}

impl MemberRow {
    pub(crate) fn member(self) -> AppResult<StaffMember> {
        Ok(StaffMember {
            id: self.id,
            role: Role::parse(&self.role)
                .ok_or_else(|| AppError::Internal(format!("bad role {}", self.role)))?,
            email: self.email,
            name: self.name,
            scope: self.scope_code,
            active: self.active,
        })
    }
}

pub(crate) const MEMBER_COLUMNS: &str = "s.id, s.email, s.name, s.role, s.scope_code, s.active";

async fn session_of(parts: &Parts, state: &AppState) -> AppResult<Option<Staff>> {
    let Some(token) = accounts::session_token(&parts.headers, STAFF_COOKIE) else {
        return Ok(None);
    };
    let hash = secrets::sha256_hex(token.as_bytes());
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM staff_sessions x JOIN staff s ON s.id = x.staff_id \
         WHERE x.token_hash = $1 AND x.expires_at > $2 AND s.active = TRUE"
    );
    let row: Option<MemberRow> = on_db!(&state.db, pool => sqlx::query_as(&sql)
        .bind(&hash)
        .bind(now_unix())
        .fetch_optional(pool)
        .await?);
    let Some(row) = row else { return Ok(None) };
    let staff = Staff {
        member: row.member()?,
        token_hash: hash,
    };
    if !matches!(parts.method, Method::GET | Method::HEAD) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !secrets::constant_time_eq(
            sent.as_bytes(),
            csrf_token(state, &staff.token_hash).as_bytes(),
        ) {
            return Err(AppError::Forbidden {
                key: "error.staff.csrf",
            });
        }
    }
    Ok(Some(staff))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        session_of(parts, state)
            .await?
            .ok_or(AppError::Unauthenticated {
                key: "error.staff.required",
            })
    }
}

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        session_of(parts, state).await.map(Self)
    }
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> AppResult<HeaderValue> {
    accounts::session_cookie(state, STAFF_COOKIE, value, max_age)
}

async fn sign_in(
    State(state): State<AppState>,
    client: crate::client::RateKey,
    JsonBody(input): JsonBody<StaffCredentials>,
) -> AppResult<Response> {
    let email = input.email.trim().to_lowercase();
    let now = now_unix();
    let staff = crate::rate::SignIn::Staff;
    staff.allowed(&state.db, &email, &client, now).await?;
    let row: Option<(i64, String, bool)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT id, password_hash, active FROM staff WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(pool)
    .await?);
    let password: String = input
        .password
        .chars()
        .take(validate::PASSWORD_MAX)
        .collect();
    let ok_id = if let Some((id, hash, active)) = row {
        (accounts::verify_password(password, hash).await? && active).then_some(id)
    } else {
        let _ = accounts::verify_password(password, accounts::dummy_hash().await?).await;
        None
    };
    let Some(id) = ok_id else {
        staff.failed(&state.db, &email, &client, now).await?;
        return Err(AppError::Unauthenticated {
            key: "error.auth.bad_credentials",
        });
    };
    staff.succeeded(&state.db, &email, &client).await?;
    let token = secrets::token()?;
    let token_hash = secrets::sha256_hex(token.as_bytes());
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM staff s WHERE s.id = $1");
    let member = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&token_hash)
        .bind(id)
        .bind(now)
        .bind(now + SESSION_HOURS * 3600)
        .execute(&mut *tx)
        .await?;
        // Expired sessions of anyone are pruned here, cheaply (indexed by key).
        sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1 AND expires_at <= $2")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit_in!(tx, id, "sign_in", "", "");
        let row: MemberRow = sqlx::query_as(&sql).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        row
    })
    .member()?;
    let body = StaffSession {
        csrf_token: csrf_token(&state, &token_hash),
        staff: member,
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&state, &token, SESSION_HOURS * 3600)?,
    );
    Ok(response)
}

async fn current(State(state): State<AppState>, staff: Staff) -> Json<StaffSession> {
    Json(StaffSession {
        csrf_token: csrf_token(&state, &staff.token_hash),
        staff: staff.member,
    })
}

async fn end_sessions(state: &AppState, staff: &Staff, everywhere: bool) -> AppResult<Response> {
    let (sql, key) = if everywhere {
        (
            "DELETE FROM staff_sessions WHERE staff_id = $1",
            staff.id().to_string(),
        )
    } else {
        (
            "DELETE FROM staff_sessions WHERE token_hash = $1",
            staff.token_hash.clone(),
        )
    };
    let action = if everywhere {
        "sign_out_everywhere"
    } else {
        "sign_out"
    };
    on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        if everywhere {
            sqlx::query(sql).bind(staff.id()).execute(&mut *tx).await?;
        } else {
            sqlx::query(sql).bind(&key).execute(&mut *tx).await?;
        }
        audit_in!(tx, staff.id(), action, "", "");
        tx.commit().await?;
    });
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(state, "", 0)?);
    Ok(response)
}

async fn sign_out(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    end_sessions(&state, &staff, false).await
}

async fn sign_out_everywhere(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    end_sessions(&state, &staff, true).await
}

/// `kolaborasi-server create-admin`: the first admin (or another one). The
/// password comes from the operator at the terminal, never a default.
pub async fn create_admin(db: &Db, email: &str, name: &str, password: &str) -> AppResult<i64> {
    let email = validate::email(email).map_err(|key| AppError::invalid("email", key))?;
    let name = validate::name(name).map_err(|key| AppError::invalid("name", key))?;
    validate::password(password).map_err(|key| AppError::invalid("password", key))?;
    let hash = accounts::hash_password(password.to_owned()).await?;
    members::insert(db, None, &email, &name, Role::Admin, None, &hash).await
}
