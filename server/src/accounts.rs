//! Optional collaborator accounts: register, sign in and out, "my
//! commitments". Passwords are argon2id hashes; sessions live on the server
//! (only a SHA-256 of the cookie value is stored); the cookie is `HttpOnly`
//! and `SameSite=Strict`. Failed sign-ins are limited in the database (so
//! across instances) per client and address, per client over all addresses,
//! and per address with a growing delay that never locks the owner out
//! (`rate::SignIn`).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use kolaborasi_shared::{
    Account, CollaboratorKind, CommitmentList, Credentials, Registration, validate,
};

use crate::body::JsonBody;
use crate::client::RateKey;
use crate::collaborator::{self, Identity, Typed};
use crate::db::now_unix;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::rate::SignIn;
use crate::state::AppState;
use crate::{on_db, secrets};

pub const SESSION_COOKIE: &str = "kolaborasi_session";
const SESSION_DAYS: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", post(register))
        .route("/account/confirm", post(confirm))
        .route("/account/commitments", get(my_commitments))
        .route("/session", get(current).post(sign_in).delete(sign_out))
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    name: String,
    kind: String,
    email: String,
    phone: String,
    email_confirmed: bool,
}

impl AccountRow {
    fn into_account(self) -> Result<Account, AppError> {
        Ok(Account {
            id: self.id,
            kind: CollaboratorKind::parse(&self.kind)
                .ok_or_else(|| AppError::Internal(format!("bad account kind {}", self.kind)))?,
            name: self.name,
            email: self.email,
            phone: self.phone,
            email_confirmed: self.email_confirmed,
        })
    }
}

/// The signed-in account, if the request carries a live session cookie.
pub struct MaybeAccount(pub Option<Account>);

/// The value of the session cookie `cookie` (collaborator or staff), when it
/// has the shape of our tokens (64 hex digits).
pub(crate) fn session_token(headers: &HeaderMap, cookie: &str) -> Option<String> {
    cookie_value(headers, cookie)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The value of the first cookie called `cookie` the request carries.
pub(crate) fn cookie_value(headers: &HeaderMap, cookie: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .map(|(_, value)| value.to_owned())
}

impl FromRequestParts<AppState> for MaybeAccount {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        const SQL: &str = "SELECT a.id, a.name, a.kind, a.email, a.phone, \
            a.email_confirmed_at IS NOT NULL AS email_confirmed FROM sessions s \
            JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1 AND s.expires_at > $2";
        let Some(token) = session_token(&parts.headers, SESSION_COOKIE) else {
            return Ok(Self(None));
        };
        let hash = secrets::sha256_hex(token.as_bytes());
        let row: Option<AccountRow> = on_db!(&state.db, pool => sqlx::query_as(SQL)
            .bind(hash)
            .bind(now_unix())
            .fetch_optional(pool)
            .await?);
        Ok(Self(row.map(AccountRow::into_account).transpose()?))
    }
}

/// A session cookie (`Set-Cookie` value): API only, never readable by
/// scripts, never sent by other sites; `Secure` with `--cookie-secure`.
pub(crate) fn session_cookie(
    state: &AppState,
    cookie: &str,
    value: &str,
    max_age: i64,
) -> Result<HeaderValue, AppError> {
    let secure = if state.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{cookie}={value}; Path=/api; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .map_err(AppError::internal)
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, AppError> {
    session_cookie(state, SESSION_COOKIE, value, max_age)
}

async fn start_session(
    state: &AppState,
    account: Account,
    status: StatusCode,
) -> AppResult<Response> {
    let token = secrets::token()?;
    let now = now_unix();
    on_db!(&state.db, pool => sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(secrets::sha256_hex(token.as_bytes()))
    .bind(account.id)
    .bind(now)
    .bind(now + SESSION_DAYS * 86_400)
    .execute(pool)
    .await
    .map(drop)?);
    let mut response = (status, Json(account)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(state, &token, SESSION_DAYS * 86_400)?,
    );
    Ok(response)
}

/// Password hashes computed at once: each holds 19 MiB while it runs, so
/// this bounds their memory (finding 2: unbounded, 300 sign-ins took the
/// server to 5.7 GB).
const HASHING_AT_ONCE: usize = 4;
/// Requests waiting for a hash beyond which the next is told to come back.
const HASHING_QUEUE: usize = 64;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHING_AT_ONCE);
static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs `work` (a hash or a verification) on the blocking pool within the
/// bounds above; a full queue answers 429 with a retry time.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    use std::sync::atomic::Ordering;
    if WAITING.fetch_add(1, Ordering::SeqCst) >= HASHING_QUEUE {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Err(AppError::RateLimited {
            retry_after: 2,
            key: "error.auth.busy",
        });
    }
    let permit = HASHING.acquire().await;
    WAITING.fetch_sub(1, Ordering::SeqCst);
    let permit = permit.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _held = permit;
        work()
    })
    .await
    .map_err(AppError::internal)?
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), off the async threads.
pub(crate) async fn hash_password(password: String) -> AppResult<String> {
    hashing(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(AppError::internal)
    })
    .await
}

pub(crate) async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    hashing(move || {
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

/// The registration's fields, each checked (all problems at once).
fn checked(input: &Registration) -> AppResult<Identity> {
    let mut issues = Vec::new();
    let identity = collaborator::check(
        &Typed {
            prefix: "",
            name: &input.name,
            kind: &input.kind,
            email: &input.email,
            phone: &input.phone,
        },
        &mut issues,
    );
    if let Err(key) = validate::password(&input.password) {
        issues.push(FieldIssue::new("password", key));
    }
    match identity {
        Some(identity) if issues.is_empty() => Ok(identity),
        _ => Err(AppError::Fields(issues)),
    }
}

async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<Registration>,
) -> AppResult<Response> {
    let Identity {
        name,
        kind,
        email,
        phone,
    } = checked(&input)?;
    // Hashed whether or not the address has an account: the answer and its
    // time are the same either way (finding 12); the e-mail tells the owner.
    let password_hash = hash_password(input.password).await?;
    let now = now_unix();
    let lang = crate::i18n::Lang::current().code();
    let base_url = state.absolute_url(&headers, "");
    on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let existing: Option<(i64, bool)> = sqlx::query_as(
            "SELECT id, email_confirmed_at IS NOT NULL FROM accounts WHERE email = $1",
        )
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        let (account, kind) = match existing {
            None => {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO accounts (email, password_hash, name, kind, phone, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id",
                )
                .bind(&email)
                .bind(&password_hash)
                .bind(&name)
                .bind(kind.as_str())
                .bind(&phone)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                // A registration racing this one made it: that one mails.
                (id, "account_confirm")
            }
            // Not confirmed yet: the latest registration is the one that
            // counts (whoever typed the address first has no hold on it),
            // and sessions of the earlier one end.
            Some((id, false)) => {
                sqlx::query(
                    "UPDATE accounts SET password_hash = $2, name = $3, kind = $4, phone = $5 WHERE id = $1",
                )
                .bind(id)
                .bind(&password_hash)
                .bind(&name)
                .bind(kind.as_str())
                .bind(&phone)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                (Some(id), "account_confirm")
            }
            // The owner is told, at most once an hour.
            Some((id, true)) => {
                let told: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM outbox WHERE account_id = $1 AND kind = 'account_exists' AND created_at > $2",
                )
                .bind(id)
                .bind(now - 3_600)
                .fetch_optional(&mut *tx)
                .await?;
                (told.is_none().then_some(id), "account_exists")
            }
        };
        if let Some(account) = account {
            sqlx::query(
                "INSERT INTO outbox (kind, account_id, lang, base_url, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(kind)
            .bind(account)
            .bind(lang)
            .bind(&base_url)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    });
    crate::mail::wake();
    Ok((
        StatusCode::ACCEPTED,
        Json(kolaborasi_shared::RegistrationSent { email }),
    )
        .into_response())
}

/// `POST /account/confirm`: the activation link. The address is confirmed
/// and the account signed in; the link works once.
async fn confirm(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<kolaborasi_shared::ConfirmRequest>,
) -> AppResult<Response> {
    let invalid = || AppError::Forbidden {
        key: "error.account.confirm_invalid",
    };
    let id: i64 = input
        .token
        .split_once('.')
        .and_then(|(id, _)| id.parse().ok())
        .ok_or_else(invalid)?;
    let row: Option<(String, Option<i64>)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT password_hash, email_confirmed_at FROM accounts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?);
    let (password_hash, confirmed_at) = row.ok_or_else(invalid)?;
    let expected = crate::mail::account_token(&state.secret, id, &password_hash);
    if !secrets::constant_time_eq(expected.as_bytes(), input.token.trim().as_bytes()) {
        return Err(invalid());
    }
    if confirmed_at.is_some() {
        return Err(AppError::Conflict {
            key: "error.account.already_confirmed",
            args: Vec::new(),
        });
    }
    let row: AccountRow = on_db!(&state.db, pool => {
        sqlx::query("UPDATE accounts SET email_confirmed_at = $2 WHERE id = $1 AND email_confirmed_at IS NULL")
            .bind(id)
            .bind(now_unix())
            .execute(pool)
            .await?;
        sqlx::query_as(
            "SELECT id, name, kind, email, phone, email_confirmed_at IS NOT NULL AS email_confirmed \
             FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_one(pool)
        .await?
    });
    start_session(&state, row.into_account()?, StatusCode::OK).await
}

/// An argon2id hash of a random password, made once: verifying against it
/// costs what verifying a real account costs, so response times do not
/// tell which addresses have accounts.
pub(crate) async fn dummy_hash() -> AppResult<String> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let hash = hash_password(secrets::token()?).await?;
    Ok(DUMMY.get_or_init(|| hash).clone())
}

async fn sign_in(
    State(state): State<AppState>,
    client: RateKey,
    JsonBody(input): JsonBody<Credentials>,
) -> AppResult<Response> {
    let email = input.email.trim().to_lowercase();
    let now = now_unix();
    SignIn::Account
        .allowed(&state.db, &email, &client, now)
        .await?;
    let row: Option<(i64, String, bool)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT id, password_hash, email_confirmed_at IS NOT NULL FROM accounts WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(pool)
    .await?);
    let password = input
        .password
        .chars()
        .take(validate::PASSWORD_MAX)
        .collect::<String>();
    let (id, ok, confirmed) = match row {
        Some((id, hash, confirmed)) => (id, verify_password(password, hash).await?, confirmed),
        None => (
            0,
            {
                let _ = verify_password(password, dummy_hash().await?).await;
                false
            },
            false,
        ),
    };
    if !ok {
        SignIn::Account
            .failed(&state.db, &email, &client, now)
            .await?;
        return Err(AppError::Unauthenticated {
            key: "error.auth.bad_credentials",
        });
    }
    SignIn::Account
        .succeeded(&state.db, &email, &client)
        .await?;
    if !confirmed {
        // The right password of an account whose activation link was not
        // opened yet: say what to do (only its owner knows the password).
        return Err(AppError::Forbidden {
            key: "error.account.unconfirmed",
        });
    }
    let row: AccountRow = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT id, name, kind, email, phone, email_confirmed_at IS NOT NULL AS email_confirmed \
         FROM accounts WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?);
    start_session(&state, row.into_account()?, StatusCode::OK).await
}

/// The signed-in account, or 204 when nobody is: asking is part of every
/// page load, and "no session" is an ordinary answer, not an error that
/// browsers report in the console.
async fn current(MaybeAccount(account): MaybeAccount) -> Response {
    match account {
        Some(account) => Json(account).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Some(token) = session_token(&headers, SESSION_COOKIE) {
        on_db!(&state.db, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(secrets::sha256_hex(token.as_bytes()))
            .execute(pool)
            .await
            .map(drop)?);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie(&state, "", 0)?);
    Ok(response)
}

async fn my_commitments(
    State(state): State<AppState>,
    MaybeAccount(account): MaybeAccount,
) -> AppResult<Json<CommitmentList>> {
    let account = account.ok_or(AppError::Unauthenticated {
        key: "error.auth.required",
    })?;
    state.expiry.settled().await;
    Ok(Json(CommitmentList {
        commitments: crate::commitments::store::by_account(&state.db, account.id).await?,
    }))
}
