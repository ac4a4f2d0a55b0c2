//! Residents' reports about a place: anyone files one (no account), follows
//! it with its tracking code, and staff answer it publicly.
//!
//! - What a reporter typed (description, contact) is read only by staff
//!   whose area covers the place; public answers carry the kind, the state
//!   and staff's answer.
//! - A report about a place and kind that already has an open report joins
//!   that report's group instead of adding to the queue; staff handle the
//!   first, and the group follows (each reporter keeps their own code).
//! - A resident may also suggest a place that is not on the map yet (kind
//!   `new_place`): its name, category, kelurahan and, when picked, its
//!   position. Operators of that area see it; staff turn it into a new,
//!   unverified location (`staff/locations.rs`), answering it in the same
//!   transaction.
//! - A photo may come with a report, base64 in the JSON body (so the
//!   offline queue keeps it with the rest): judged by its bytes, stripped
//!   of location metadata like delivery evidence, stored under its hash,
//!   served only to staff whose area covers the report.
//! - Filing is limited per client network and per place (a suggestion: per
//!   kelurahan), see `rate.rs`.
//! - Filing and every state change are public log entries, written in the
//!   same transaction as the change; staff changes are audited there too.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use kolaborasi_shared::log::kind;
use kolaborasi_shared::report::{
    MAX_PLACE_ANSWERS, MAX_REPORT_ANSWER, MAX_REPORT_CONTACT, MAX_REPORT_PHOTO_BYTES,
    MAX_REPORT_TEXT, MAX_SUGGESTED_NAME, MIN_REPORT_TEXT, MIN_SUGGESTED_NAME,
};
use kolaborasi_shared::{
    Category, EvidenceType, GroupedReport, IDEMPOTENCY_HEADER, NewReport, OpenReports,
    PlaceReports, ReportAction, ReportKind, ReportStatus, ReportView, StaffReport, SuggestedPlace,
    validate,
};
use serde_json::json;

use crate::body::JsonBody;
use crate::client::RateKey;
use crate::commitments::code_from;
use crate::db::now_unix;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::log::{Event, append_in};
use crate::rate::{self, Limit};
use crate::staff::{Act, Place, Staff};
use crate::state::AppState;
use crate::{on_db, secrets};

/// Reports one client network may file per hour (on a kiosk network: one
/// kiosk, see `client.rs`).
pub const PER_CLIENT: Limit = Limit {
    scope: "report",
    per_client: 10,
    window: 3_600,
    message: "error.report.rate_limited",
};

/// Reports about one place per hour, from everyone: a flood cannot bury
/// a place's queue (duplicates are grouped besides).
pub const PER_PLACE: Limit = Limit {
    scope: "report_place",
    per_client: 30,
    window: 3_600,
    message: "error.report.place_rate_limited",
};

/// Reports with a photo read and judged at once: each holds a few megabytes
/// (the body, the decoded and the cleaned photo) until it is answered; the
/// next is told to come back in a few seconds.
const PHOTOS_AT_ONCE: usize = 8;
static PHOTOS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PHOTOS_AT_ONCE);

/// Largest body of `POST /reports`: a report with the largest photo, in
/// base64 (4 bytes per 3), and the rest of the report.
pub const BODY_LIMIT: usize = MAX_REPORT_PHOTO_BYTES / 3 * 4 + 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/reports",
            // Read by the handler once the client's limit is checked.
            post(file).layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/reports/{code}", get(show))
        .route("/locations/{id}/reports", get(at_place))
        .route("/staff/reports/{code}", get(staff_show).post(act))
        .route("/staff/reports/{code}/photo", get(staff_photo))
}

/// The place a report is about, as far as reports need it.
#[derive(sqlx::FromRow)]
struct PlaceRow {
    name: String,
    active: bool,
}

async fn place(state: &AppState, id: i64) -> AppResult<Option<PlaceRow>> {
    Ok(on_db!(&state.db, pool => sqlx::query_as(
        "SELECT name, active FROM locations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?))
}

/// Free text from a person (`validate::free_text`).
fn text(raw: &str, min: usize, max: usize) -> Result<String, ()> {
    validate::free_text(raw, min, max).ok_or(())
}

/// A suggested place, checked: its name, category, area (kota, kecamatan,
/// kelurahan) and position.
struct Suggestion {
    name: String,
    category: Category,
    kota: String,
    kecamatan: String,
    kelurahan: String,
    position: Option<(f64, f64)>,
}

/// What a report is about: a place on the map, or a suggested one.
enum Target {
    Place(i64, String),
    Suggestion(Suggestion),
}

impl Target {
    fn location_id(&self) -> Option<i64> {
        match self {
            Self::Place(id, _) => Some(*id),
            Self::Suggestion(_) => None,
        }
    }

    /// The rate-limit key of the place (a suggestion: of its kelurahan).
    fn rate_key(&self) -> RateKey {
        match self {
            Self::Place(id, _) => RateKey::shared(&format!("location:{id}")),
            Self::Suggestion(s) => RateKey::shared(&format!("kelurahan:{}", s.kelurahan)),
        }
    }
}

/// The kota and kecamatan of a kelurahan code, when it is one.
async fn kelurahan_area(state: &AppState, code: &str) -> AppResult<Option<(String, String)>> {
    Ok(on_db!(&state.db, pool => sqlx::query_as(
        "SELECT kec.parent_code, kec.code FROM areas kel JOIN areas kec ON kec.code = kel.parent_code \
         WHERE kel.code = $1 AND kel.level = 'kelurahan' AND kec.parent_code IS NOT NULL",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?))
}

/// The place a report is about (an active one), or the suggested place,
/// with the problems found added to `issues`.
async fn target(
    state: &AppState,
    input: &NewReport,
    issues: &mut Vec<FieldIssue>,
) -> AppResult<Option<Target>> {
    if input.kind != ReportKind::NewPlace {
        if input.place.is_some() {
            issues.push(FieldIssue::new("place", "error.report.place_unexpected"));
        }
        return Ok(match input.location_id {
            Some(id) if id > 0 => match place(state, id).await? {
                Some(p) if p.active => Some(Target::Place(id, p.name)),
                _ => {
                    issues.push(FieldIssue::new(
                        "location_id",
                        "error.report.location_unknown",
                    ));
                    None
                }
            },
            _ => {
                issues.push(FieldIssue::new(
                    "location_id",
                    "error.report.location_unknown",
                ));
                None
            }
        });
    }
    if input.location_id.is_some() {
        issues.push(FieldIssue::new(
            "location_id",
            "error.report.place_unexpected",
        ));
    }
    let Some(place) = &input.place else {
        issues.push(FieldIssue::new("place", "error.report.place_missing"));
        return Ok(None);
    };
    let name = text(&place.name, MIN_SUGGESTED_NAME, MAX_SUGGESTED_NAME)
        .ok()
        .filter(|n| !n.contains('\n'));
    if name.is_none() {
        issues.push(
            FieldIssue::new("place.name", "error.report.place_name")
                .with("min", MIN_SUGGESTED_NAME)
                .with("max", MAX_SUGGESTED_NAME),
        );
    }
    let area = kelurahan_area(state, place.kelurahan_code.trim()).await?;
    if area.is_none() {
        issues.push(FieldIssue::new(
            "place.kelurahan_code",
            "error.report.place_area",
        ));
    }
    let position = match (place.lat, place.lon) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon))
            if lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon) =>
        {
            Ok(Some((lat, lon)))
        }
        _ => Err(()),
    };
    if position.is_err() {
        issues.push(FieldIssue::new("place.lat", "error.report.place_position"));
    }
    Ok(match (name, area, position) {
        (Some(name), Some((kota, kecamatan)), Ok(position)) => {
            Some(Target::Suggestion(Suggestion {
                name,
                category: place.category,
                kota,
                kecamatan,
                kelurahan: place.kelurahan_code.trim().to_owned(),
                position,
            }))
        }
        _ => None,
    })
}

/// A photo, checked by its bytes and stripped of metadata: its type, its
/// bytes and their SHA-256 (its file name).
async fn photo(raw: &str) -> Result<(EvidenceType, Vec<u8>, String), FieldIssue> {
    use base64::Engine as _;
    let max_mib = MAX_REPORT_PHOTO_BYTES >> 20;
    // Larger than the limit however it decodes: not decoded at all.
    if raw.len() > MAX_REPORT_PHOTO_BYTES / 3 * 4 + 4 {
        return Err(FieldIssue::new("photo", "error.report.photo_size").with("mib", max_mib));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .map_err(|_| FieldIssue::new("photo", "error.report.photo_type"))?;
    if bytes.len() > MAX_REPORT_PHOTO_BYTES {
        return Err(FieldIssue::new("photo", "error.report.photo_size").with("mib", max_mib));
    }
    // Judging and hashing a few megabytes is CPU work: off the async threads.
    let judged = tokio::task::spawn_blocking(move || {
        crate::deliveries::sniff::clean(&bytes).map(|(kind, cleaned)| {
            let id = secrets::sha256_hex(&cleaned);
            (kind, cleaned, id)
        })
    })
    .await
    .map_err(|_| FieldIssue::new("photo", "error.report.photo_type"))?;
    match judged {
        Ok((kind @ (EvidenceType::Jpeg | EvidenceType::Png), cleaned, id)) => {
            Ok((kind, cleaned, id))
        }
        Ok(_) | Err(crate::deliveries::sniff::Problem::Unsupported) => {
            Err(FieldIssue::new("photo", "error.report.photo_type"))
        }
        Err(crate::deliveries::sniff::Problem::Truncated) => {
            Err(FieldIssue::new("photo", "error.report.photo_truncated"))
        }
    }
}

/// A report, checked: what it is about, what the reporter typed, and the
/// photo.
struct Checked {
    target: Target,
    description: String,
    contact: Option<String>,
    photo: Option<(EvidenceType, Vec<u8>, String)>,
}

/// Everything a report carries, checked; every problem at once.
async fn checked(state: &AppState, input: &NewReport) -> AppResult<Checked> {
    let (description, contact, mut issues) = typed(input);
    let target = target(state, input, &mut issues).await?;
    let photo = match &input.photo {
        Some(raw) if issues.is_empty() => match photo(raw).await {
            Ok(p) => Some(p),
            Err(issue) => {
                issues.push(issue);
                None
            }
        },
        _ => None,
    };
    match (description, target) {
        (Some(description), Some(target)) if issues.is_empty() => Ok(Checked {
            target,
            description,
            contact,
            photo,
        }),
        _ => Err(AppError::Fields(issues)),
    }
}

/// The description and the contact (an e-mail address or a phone number,
/// normalised), and the problems with them.
fn typed(input: &NewReport) -> (Option<String>, Option<String>, Vec<FieldIssue>) {
    let mut issues = Vec::new();
    let description = text(&input.description, MIN_REPORT_TEXT, MAX_REPORT_TEXT)
        .map_err(|()| {
            issues.push(
                FieldIssue::new("description", "error.report.description")
                    .with("min", MIN_REPORT_TEXT)
                    .with("max", MAX_REPORT_TEXT),
            );
        })
        .ok();
    let raw = input.contact.trim();
    let contact = if raw.is_empty() {
        None
    } else if raw.chars().count() > MAX_REPORT_CONTACT {
        issues.push(FieldIssue::new("contact", "error.report.contact"));
        None
    } else if raw.contains('@') {
        validate::email(raw)
            .map_err(|_| issues.push(FieldIssue::new("contact", "error.report.contact")))
            .ok()
    } else {
        validate::phone(raw)
            .map_err(|_| issues.push(FieldIssue::new("contact", "error.report.contact")))
            .ok()
    };
    (description, contact, issues)
}

fn private(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The `Idempotency-Key`, optional: a report sent again from the offline
/// queue carries the key it was first sent with, and gets the first answer.
fn key_of(headers: &HeaderMap) -> AppResult<Option<String>> {
    headers
        .get(IDEMPOTENCY_HEADER)
        .map(|v| {
            v.to_str()
                .ok()
                .filter(|k| validate::idempotency_key(k))
                .map(str::to_owned)
                .ok_or_else(|| AppError::invalid(IDEMPOTENCY_HEADER, "error.idempotency.invalid"))
        })
        .transpose()
}

/// Every counter a report counts in, with its limit and what it allows:
/// the client's (one or two buckets, see `client.rs`), then the place's.
fn counters(client: &RateKey, place: &RateKey) -> Vec<(Limit, String, i64)> {
    client
        .buckets(PER_CLIENT.per_client)
        .into_iter()
        .map(|(key, allowed)| (PER_CLIENT, key, allowed))
        .chain(
            place
                .buckets(PER_PLACE.per_client)
                .into_iter()
                .map(|(key, allowed)| (PER_PLACE, key, allowed)),
        )
        .collect()
}

/// `POST /reports`: files a report; 201 with its public view (and its code).
// One transaction with its limits and its log entry, written once for both
// engines; issue 15's single write path is where it will get shorter.
#[allow(clippy::too_many_lines)]
async fn file(
    State(state): State<AppState>,
    client: RateKey,
    headers: HeaderMap,
    request: Request,
) -> AppResult<Response> {
    let key = key_of(&headers)?;
    // The body (up to a few megabytes with a photo) is read only for a
    // client within its limit, or to answer a retry of a filed report.
    let retry = match &key {
        Some(key) => on_db!(&state.db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM reports WHERE idempotency_key = $1",
        )
        .bind(key)
        .fetch_optional(pool)
        .await?)
        .is_some(),
        None => false,
    };
    if !retry {
        rate::check(&state.db, &PER_CLIENT, &client, now_unix()).await?;
    }
    // A body beyond a report without a photo (or of unknown length) is read
    // only with one of a few permits: each holds megabytes until answered.
    let large = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_none_or(|n| n > crate::body::BODY_LIMIT);
    let _permit = if large {
        Some(PHOTOS.try_acquire().map_err(|_| AppError::RateLimited {
            key: "error.report.busy",
            retry_after: 5,
        })?)
    } else {
        None
    };
    let JsonBody(input) = JsonBody::<NewReport>::from_request(request, &()).await?;
    let request_hash =
        secrets::sha256_hex(&serde_json::to_vec(&input).map_err(AppError::internal)?);
    if let Some(key) = &key
        && let Some(answer) = replay(&state, key, &request_hash).await?
    {
        return Ok(answer);
    }
    let Checked {
        target,
        description,
        contact,
        photo,
    } = checked(&state, &input).await?;
    let location_id = target.location_id();
    let now = now_unix();
    let at_place = target.rate_key();
    rate::check(&state.db, &PER_CLIENT, &client, now).await?;
    rate::check(&state.db, &PER_PLACE, &at_place, now).await?;
    let code = secrets::tracking_code()?;
    let buckets = counters(&client, &at_place);
    let rate_sql = rate::insert_sql(buckets.len());
    let suggestion = match &target {
        Target::Suggestion(s) => Some(s),
        Target::Place(..) => None,
    };
    let event = Event {
        at: now,
        kind: kind::REPORT_RECEIVED,
        subject: subject(&code),
        facts: json!({
            "report": code,
            "location_id": location_id,
            "kind": input.kind.as_str(),
            "kelurahan_code": suggestion.map(|s| s.kelurahan.as_str()),
        }),
    };
    let photo_size = match &photo {
        Some((_, bytes, _)) => Some(i64::try_from(bytes.len()).map_err(AppError::internal)?),
        None => None,
    };
    if let (Some((kind, bytes, id)), Some(size)) = (&photo, photo_size) {
        photo_room(&state, size).await?;
        crate::deliveries::store_file(&state, id, *kind, bytes).await?;
    }
    let photo_id = photo.as_ref().map(|(_, _, id)| id.as_str());
    let photo_type = photo
        .as_ref()
        .map(|(kind, _, _)| crate::deliveries::type_str(*kind));
    // The open report this one joins: the same place and kind; for a
    // suggestion, the same name in the same kelurahan.
    let group = if suggestion.is_some() {
        "SELECT id, status FROM reports WHERE kind = 'new_place' AND kelurahan_code = $13 \
         AND lower(suggested_name) = lower($12) AND group_id IS NULL \
         AND status IN ('received', 'checking') ORDER BY id LIMIT 1"
    } else {
        "SELECT id, status FROM reports WHERE location_id = $2 AND kind = $3 AND group_id IS NULL \
         AND status IN ('received', 'checking') ORDER BY id LIMIT 1"
    };
    let insert = format!(
        "INSERT INTO reports (code, location_id, kind, description, contact, status, group_id, created_at, \
         updated_at, lang, base_url, idempotency_key, request_hash, suggested_name, category, kota_code, \
         kecamatan_code, kelurahan_code, lat, lon, photo_id, photo_type, photo_bytes) \
         SELECT $1, $2, $3, $4, $5, COALESCE(g.status, 'received'), g.id, $6, $6, $7, $8, $9, $10, \
         $12, $11, $14, $15, $13, $16, $17, $18, $19, $20 \
         FROM (SELECT 1 AS one) AS one LEFT JOIN ({group}) AS g ON TRUE \
         RETURNING status"
    );
    let postgres = state.db.engine() == "postgres";
    // The limits hold under a burst: the counters are written first and
    // read back in the same transaction, which holds SQLite's write lock
    // from its first statement and, on PostgreSQL, a lock per counter
    // (taken in one order, the place last), so no two reports count the
    // same free slot.
    // The same locks serialise the reports about one place, so the group
    // the insert itself finds is the one every later report joins.
    let filed: AppResult<Result<String, Response>> = async {
        Ok(on_db!(&state.db, pool => {
            let mut tx = pool.begin().await?;
            if postgres {
                for (limit, key, _) in &buckets {
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                        .bind(format!("{}\n{key}", limit.scope))
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let mut q = sqlx::query(&rate_sql);
            for (limit, key, _) in &buckets {
                q = q.bind(limit.scope).bind(key).bind(now);
            }
            q.execute(&mut *tx).await?;
            for (limit, key, allowed) in &buckets {
                let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), MIN(at) FROM (SELECT at FROM rate_events \
                     WHERE scope = $1 AND key = $2 AND at > $3 ORDER BY at LIMIT $4) AS counted",
                )
                .bind(limit.scope)
                .bind(key)
                .bind(now - limit.window)
                .bind(allowed + 1)
                .fetch_one(&mut *tx)
                .await?;
                if count > *allowed {
                    // Dropping the transaction forgets this report's counts.
                    return Err(AppError::RateLimited {
                        key: limit.message,
                        retry_after: u64::try_from((oldest.unwrap_or(now) + limit.window - now).max(1))
                            .unwrap_or(1),
                    });
                }
            }
            let status: Result<String, sqlx::Error> = sqlx::query_scalar(&insert)
                .bind(&code)
                .bind(location_id)
                .bind(input.kind.as_str())
                .bind(&description)
                .bind(contact.as_deref())
                .bind(now)
                .bind(crate::i18n::Lang::current().code())
                .bind(state.absolute_url(&headers, ""))
                .bind(key.as_deref())
                .bind(&request_hash)
                .bind(suggestion.map(|s| s.category.as_str()))
                .bind(suggestion.map(|s| s.name.as_str()))
                .bind(suggestion.map(|s| s.kelurahan.as_str()))
                .bind(suggestion.map(|s| s.kota.as_str()))
                .bind(suggestion.map(|s| s.kecamatan.as_str()))
                .bind(suggestion.and_then(|s| s.position).map(|p| p.0))
                .bind(suggestion.and_then(|s| s.position).map(|p| p.1))
                .bind(photo_id)
                .bind(photo_type)
                .bind(photo_size)
                .fetch_one(&mut *tx)
                .await;
            let status: String = match status {
                Ok(status) => status,
                // The same key sent twice at once: the other one was filed.
                Err(e) if key.is_some() && is_unique_violation(&e) => {
                    drop(tx);
                    if let Some(key) = &key
                        && let Some(answer) = replay(&state, key, &request_hash).await?
                    {
                        return Ok(Err(answer));
                    }
                    return Err(AppError::internal(e));
                }
                Err(e) => return Err(e.into()),
            };
            append_in!(tx, postgres, std::slice::from_ref(&event));
            tx.commit().await?;
            Ok(status)
        }))
    }
    .await;
    // A photo stored for a report that was not filed stays until the
    // hourly sweep finds that nothing holds it (deleting it here could race
    // another report with the same bytes).
    let status = match filed? {
        Ok(status) => status,
        Err(replayed) => return Ok(replayed),
    };
    if let Some(id) = location_id {
        crate::log::announce_places(&[id]);
    } else {
        crate::log::announce();
    }
    let view = ReportView {
        code,
        kind: input.kind,
        status: ReportStatus::parse(&status).unwrap_or(ReportStatus::Received),
        location_id,
        location_name: match target {
            Target::Place(_, name) => name,
            Target::Suggestion(s) => s.name,
        },
        created_at: now,
        updated_at: now,
        answer: None,
        commitment: None,
    };
    Ok(private((StatusCode::CREATED, Json(view)).into_response()))
}

/// Room for a report's photo: reports' photos may fill a quarter of the
/// upload quota (`--upload-quota-mib`), so a flood of them never leaves
/// delivery evidence without room; and the quota as a whole.
async fn photo_room(state: &AppState, new_bytes: i64) -> AppResult<()> {
    let (photos, all): (i64, i64) = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT CAST((SELECT COALESCE(SUM(photo_bytes), 0) FROM reports) AS BIGINT), \
         CAST((SELECT COALESCE(SUM(bytes), 0) FROM evidence) \
         + (SELECT COALESCE(SUM(photo_bytes), 0) FROM reports) AS BIGINT)",
    )
    .fetch_one(pool)
    .await?);
    if photos + new_bytes > state.upload_quota / 4 || all + new_bytes > state.upload_quota {
        tracing::warn!(
            photos,
            all,
            quota = state.upload_quota,
            "no room for reports' photos (a quarter of --upload-quota-mib)"
        );
        return Err(AppError::Fields(vec![FieldIssue::new(
            "photo",
            "error.report.photo_no_room",
        )]));
    }
    Ok(())
}

/// The first answer to a report filed with `key`: the report again (200)
/// for the same request, 422 for another; `None` when the key is new.
async fn replay(state: &AppState, key: &str, request_hash: &str) -> AppResult<Option<Response>> {
    let found: Option<(String, Option<String>)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT code, request_hash FROM reports WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?);
    match found {
        None => Ok(None),
        Some((code, hash)) if hash.as_deref() == Some(request_hash) => {
            let row = by_code(state, &code).await?;
            Ok(Some(private(Json(row.view()?).into_response())))
        }
        Some(_) => Err(AppError::IdempotencyKeyReused),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// Moves a report's group on inside a transaction `$tx` (either engine):
/// the new state and public answer (and linked commitment id), the audit
/// row, and the reporters' e-mails when answered. Evaluates to the codes
/// changed, the `report_updated` log entry for the caller to append (none
/// when nothing was open any more) and the linked commitment's code.
/// `$report` is `(id, code, location_id)` of the group's first report (no
/// location for a suggestion).
macro_rules! answer_in {
    ($tx:expr, $staff_id:expr, $report:expr, $status:expr, $answer:expr, $commitment:expr, $now:expr) => {{
        let (report_id, report_code, location_id): (i64, &str, Option<i64>) = $report;
        let (status, answer, commitment): (&str, Option<&str>, Option<i64>) =
            ($status, $answer, $commitment);
        let changed: Vec<String> = sqlx::query_scalar(
            "UPDATE reports SET status = $2, answer = $3, commitment_id = COALESCE($4, commitment_id), updated_at = $5 \
             WHERE (id = $1 OR group_id = $1) AND status IN ('received', 'checking') RETURNING code",
        )
        .bind(report_id)
        .bind(status)
        .bind(answer)
        .bind(commitment)
        .bind($now)
        .fetch_all(&mut *$tx)
        .await?;
        let linked: Option<String> = match commitment {
            Some(id) if !changed.is_empty() => {
                sqlx::query_scalar("SELECT code FROM commitments WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *$tx)
                    .await?
            }
            _ => None,
        };
        let event = if changed.is_empty() {
            None
        } else {
            let mut codes = changed.clone();
            codes.sort();
            $crate::staff::audit_in!($tx, $staff_id, "report_updated", report_code, status);
            if answer.is_some() {
                // Each reporter of the group who left an e-mail address
                // hears of the answer.
                sqlx::query(
                    "INSERT INTO outbox (kind, report_id, created_at, next_attempt_at) \
                     SELECT 'report_answered', id, $2, $2 FROM reports \
                     WHERE (id = $1 OR group_id = $1) AND contact LIKE '%@%'",
                )
                .bind(report_id)
                .bind($now)
                .execute(&mut *$tx)
                .await?;
            }
            Some($crate::log::Event {
                at: $now,
                kind: kolaborasi_shared::log::kind::REPORT_UPDATED,
                subject: $crate::reports::subject(report_code),
                facts: serde_json::json!({
                    "report": report_code,
                    "reports": codes,
                    "location_id": location_id,
                    "status": status,
                    "answer": answer,
                    "commitment": linked,
                }),
            })
        };
        (changed, event, linked)
    }};
}
pub(crate) use answer_in;

/// Inside a location write's transaction `$tx`: resolves the report group
/// `$answers` (`Option<(id, code, answer)>` from [`for_edit`] or
/// [`for_suggestion`]) with its public answer, points the group at the place
/// `$place` (a suggestion becomes that place; an edited place's reports are
/// at it already), and pushes the `report_updated` entry onto `$events`.
/// Answered by someone else meanwhile: the transaction is rolled back and
/// the handler answers 409 — nothing of the write is kept.
macro_rules! resolve_by_place_in {
    ($tx:expr, $staff_id:expr, $answers:expr, $place:expr, $now:expr, $events:expr) => {
        if let Some((report_id, code, answer)) = $answers {
            let (changed, answered, _) = $crate::reports::answer_in!(
                $tx,
                $staff_id,
                (*report_id, code.as_str(), Some($place)),
                "resolved",
                Some(answer.as_str()),
                None,
                $now
            );
            if changed.is_empty() {
                $tx.rollback().await?;
                return Err(AppError::Conflict {
                    key: "error.report.closed",
                    args: Vec::new(),
                });
            }
            sqlx::query("UPDATE reports SET location_id = $2 WHERE id = $1 OR group_id = $1")
                .bind(*report_id)
                .bind($place)
                .execute(&mut *$tx)
                .await?;
            $events.extend(answered);
        }
    };
}
pub(crate) use resolve_by_place_in;

/// A report's key in the public log (its history).
pub(crate) fn subject(code: &str) -> String {
    format!("report:{code}")
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    code: String,
    location_id: Option<i64>,
    location_name: String,
    kota_code: String,
    kecamatan_code: String,
    kind: String,
    status: String,
    group_id: Option<i64>,
    description: String,
    contact: Option<String>,
    answer: Option<String>,
    commitment: Option<String>,
    created_at: i64,
    updated_at: i64,
    suggested_name: Option<String>,
    category: Option<String>,
    kelurahan_code: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    photo_id: Option<String>,
    photo_type: Option<String>,
}

// A suggestion's area is its own until staff create its location.
const COLUMNS: &str = "r.id, r.code, r.location_id, \
    COALESCE(l.name, r.suggested_name) AS location_name, \
    COALESCE(l.kota_code, r.kota_code) AS kota_code, \
    COALESCE(l.kecamatan_code, r.kecamatan_code) AS kecamatan_code, \
    r.kind, r.status, r.group_id, r.description, r.contact, r.answer, \
    c.code AS commitment, r.created_at, r.updated_at, r.suggested_name, r.category, \
    r.kelurahan_code, r.lat, r.lon, r.photo_id, r.photo_type";
const FROM: &str = "FROM reports r LEFT JOIN locations l ON l.id = r.location_id \
    LEFT JOIN commitments c ON c.id = r.commitment_id";

impl Row {
    fn view(&self) -> AppResult<ReportView> {
        Ok(ReportView {
            code: self.code.clone(),
            kind: ReportKind::parse(&self.kind)
                .ok_or_else(|| AppError::Internal(format!("report kind {}", self.kind)))?,
            status: ReportStatus::parse(&self.status)
                .ok_or_else(|| AppError::Internal(format!("report status {}", self.status)))?,
            location_id: self.location_id,
            location_name: self.location_name.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            answer: self.answer.clone(),
            commitment: self.commitment.clone(),
        })
    }

    fn place(&self) -> Place<'_> {
        Place {
            kota: &self.kota_code,
            kecamatan: &self.kecamatan_code,
        }
    }

    /// The suggested place (a `new_place` report).
    fn suggested(&self) -> Option<SuggestedPlace> {
        Some(SuggestedPlace {
            name: self.suggested_name.clone()?,
            category: Category::parse(self.category.as_deref()?)?,
            kelurahan_code: self.kelurahan_code.clone()?,
            lat: self.lat,
            lon: self.lon,
        })
    }
}

async fn by_code(state: &AppState, code: &str) -> AppResult<Row> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE r.code = $1");
    let row: Option<Row> = on_db!(&state.db, pool => sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(pool)
        .await?);
    row.ok_or(AppError::NotFound {
        key: "error.report.not_found",
    })
}

/// `GET /reports/{code}`: the reporter's view (nothing they typed).
async fn show(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let code = code_from(code)?;
    let row = by_code(&state, &code).await?;
    Ok(private(Json(row.view()?).into_response()))
}

/// `GET /locations/{id}/reports`: open reports by kind, and the answers.
async fn at_place(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = crate::query::path_id(id, "error.path.invalid_id")?;
    let state = &state;
    state
        .reads
        .respond(
            &format!("locations/{id}/reports"),
            &headers,
            || async move { place_reports(state, id).await },
        )
        .await
}

async fn place_reports(state: &AppState, id: i64) -> AppResult<PlaceReports> {
    if place(state, id).await?.is_none() {
        return Err(AppError::NotFound {
            key: "error.location_not_found",
        });
    }
    let answered_sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE r.location_id = $1 AND r.group_id IS NULL \
         AND r.status IN ('resolved', 'declined') ORDER BY r.updated_at DESC, r.id DESC LIMIT $2"
    );
    let (open, answered): (Vec<(String, i64)>, Vec<Row>) = on_db!(&state.db, pool => {
        let open = sqlx::query_as(
            "SELECT kind, COUNT(*) FROM reports WHERE location_id = $1 AND group_id IS NULL \
             AND status IN ('received', 'checking') GROUP BY kind ORDER BY kind",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let answered = sqlx::query_as(&answered_sql)
            .bind(id)
            .bind(MAX_PLACE_ANSWERS)
            .fetch_all(pool)
            .await?;
        (open, answered)
    });
    Ok(PlaceReports {
        open: open
            .into_iter()
            .filter_map(|(k, count)| ReportKind::parse(&k).map(|kind| OpenReports { kind, count }))
            .collect(),
        answered: answered.iter().map(Row::view).collect::<AppResult<_>>()?,
    })
}

/// The report with what its reporter typed, and its group.
async fn staff_view(state: &AppState, row: Row) -> AppResult<StaffReport> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE r.group_id = $1 ORDER BY r.id");
    let (grouped, group_of): (Vec<Row>, Option<String>) = on_db!(&state.db, pool => {
        let grouped = sqlx::query_as(&sql).bind(row.id).fetch_all(pool).await?;
        let group_of = match row.group_id {
            Some(g) => sqlx::query_scalar("SELECT code FROM reports WHERE id = $1")
                .bind(g)
                .fetch_optional(pool)
                .await?,
            None => None,
        };
        (grouped, group_of)
    });
    Ok(StaffReport {
        report: row.view()?,
        grouped: grouped
            .into_iter()
            .map(|g| GroupedReport {
                photo: g.photo_id.is_some(),
                code: g.code,
                created_at: g.created_at,
                description: g.description,
                contact: g.contact,
            })
            .collect(),
        group_of,
        place: row.suggested(),
        photo: row.photo_id.is_some(),
        description: row.description,
        contact: row.contact,
    })
}

/// Loads a report for a staff member who may `act` at its place (the role
/// is checked before anything is read: no existence oracle).
async fn authorised(state: &AppState, staff: &Staff, act: Act, code: &str) -> AppResult<Row> {
    staff.require(act, None)?;
    let row = by_code(state, code).await?;
    staff.require(act, Some(&row.place()))?;
    Ok(row)
}

async fn staff_show(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<Json<StaffReport>> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Verify, &code).await?;
    Ok(Json(staff_view(&state, row).await?))
}

/// `GET /staff/reports/{code}/photo`: the report's photo, for staff whose
/// area covers it (anyone else: 404, as for a report without one).
async fn staff_photo(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Verify, &code).await?;
    let (Some(id), Some(kind)) = (
        row.photo_id,
        row.photo_type
            .as_deref()
            .and_then(crate::deliveries::type_parse),
    ) else {
        return Err(AppError::NotFound {
            key: "error.evidence.not_found",
        });
    };
    crate::deliveries::file_response(&state, &id, kind, false).await
}

fn conflict(key: &'static str) -> AppError {
    AppError::Conflict {
        key,
        args: Vec::new(),
    }
}

/// The answer and the linked commitment's id, or every problem with them.
async fn checked_action(
    state: &AppState,
    action: &ReportAction,
    location_id: Option<i64>,
) -> AppResult<(Option<String>, Option<i64>)> {
    let mut issues = Vec::new();
    let final_state = matches!(
        action.status,
        ReportStatus::Resolved | ReportStatus::Declined
    );
    if action.status == ReportStatus::Received {
        issues.push(FieldIssue::new("status", "error.report.status"));
    }
    let answer = if final_state {
        text(&action.answer, 1, MAX_REPORT_ANSWER)
            .map_err(|()| {
                issues.push(
                    FieldIssue::new("answer", "error.report.answer").with("max", MAX_REPORT_ANSWER),
                );
            })
            .ok()
    } else {
        if !action.answer.trim().is_empty() {
            issues.push(FieldIssue::new("answer", "error.report.answer_when_open"));
        }
        None
    };
    let commitment = match action.commitment.trim() {
        "" => None,
        raw => {
            let found: Option<i64> = match validate::tracking_code(raw) {
                Some(code) => on_db!(&state.db, pool => sqlx::query_scalar(
                    "SELECT id FROM commitments WHERE code = $1 AND location_id = $2",
                )
                .bind(&code)
                .bind(location_id)
                .fetch_optional(pool)
                .await?),
                None => None,
            };
            if found.is_none() {
                issues.push(FieldIssue::new(
                    "commitment",
                    "error.report.commitment_elsewhere",
                ));
            }
            found
        }
    };
    if issues.is_empty() {
        Ok((answer, commitment))
    } else {
        Err(AppError::Fields(issues))
    }
}

/// The open "wrong information" report a location edit answers (`code`),
/// as `(id, code)`, with its checked public answer; field errors name
/// `report` and `report_answer`.
pub(crate) async fn for_edit(
    state: &AppState,
    code: &str,
    answer: &str,
    location_id: i64,
) -> AppResult<(i64, String, String)> {
    answered_by_place(
        state,
        code,
        answer,
        |r| r.location_id == Some(location_id) && r.kind == ReportKind::WrongInfo.as_str(),
        "error.report.not_for_edit",
        None,
    )
    .await
}

/// The open suggestion (`new_place`) a new location answers (`code`), as
/// `(id, code)`, with its checked public answer; the staff member must be
/// allowed to edit in the suggestion's area. Field errors name `report`
/// and `report_answer`.
pub(crate) async fn for_suggestion(
    state: &AppState,
    staff: &Staff,
    code: &str,
    answer: &str,
) -> AppResult<(i64, String, String)> {
    answered_by_place(
        state,
        code,
        answer,
        |r| r.location_id.is_none() && r.kind == ReportKind::NewPlace.as_str(),
        "error.report.not_a_suggestion",
        Some(staff),
    )
    .await
}

/// The open first report of a group (`code`) that a location write
/// answers, when it `fits`, with its checked public answer; `refused` is the
/// `report` field's error otherwise. With `staff`, they must be allowed to
/// edit in the report's area.
async fn answered_by_place(
    state: &AppState,
    code: &str,
    answer: &str,
    fits: impl Fn(&Row) -> bool,
    refused: &'static str,
    staff: Option<&Staff>,
) -> AppResult<(i64, String, String)> {
    let mut issues = Vec::new();
    let row = match validate::tracking_code(code) {
        Some(code) => by_code(state, &code).await.ok(),
        None => None,
    };
    let row = row.filter(|r| {
        fits(r)
            && r.group_id.is_none()
            && ReportStatus::parse(&r.status).is_some_and(ReportStatus::is_open)
    });
    match (&row, staff) {
        (Some(row), Some(staff)) => staff.require(Act::Edit, Some(&row.place()))?,
        (Some(_), None) => {}
        (None, _) => issues.push(FieldIssue::new("report", refused)),
    }
    let answer = text(answer, 1, MAX_REPORT_ANSWER)
        .map_err(|()| {
            issues.push(
                FieldIssue::new("report_answer", "error.report.answer")
                    .with("max", MAX_REPORT_ANSWER),
            );
        })
        .ok();
    match (row, answer) {
        (Some(row), Some(answer)) if issues.is_empty() => Ok((row.id, row.code, answer)),
        _ => Err(AppError::Fields(issues)),
    }
}

/// `POST /staff/reports/{code}`: checking, resolved or declined (with the
/// public answer), for the report and its group. Resolving a "not arrived"
/// report linked to a commitment marks its delivery as disputed.
async fn act(
    State(state): State<AppState>,
    staff: Staff,
    code: Result<Path<String>, PathRejection>,
    JsonBody(action): JsonBody<ReportAction>,
) -> AppResult<Json<StaffReport>> {
    let code = code_from(code)?;
    let row = authorised(&state, &staff, Act::Edit, &code).await?;
    if row.group_id.is_some() {
        return Err(conflict("error.report.grouped"));
    }
    if !ReportStatus::parse(&row.status).is_some_and(ReportStatus::is_open) {
        return Err(conflict("error.report.closed"));
    }
    let (answer, commitment) = checked_action(&state, &action, row.location_id).await?;
    let now = now_unix();
    let notify = state.db.engine() == "postgres";
    let status = action.status.as_str();
    let not_arrived_found =
        action.status == ReportStatus::Resolved && row.kind == ReportKind::NotArrived.as_str();
    let changed: Vec<String> = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let (changed, event, linked) = answer_in!(
            tx,
            staff.id(),
            (row.id, &row.code, row.location_id),
            status,
            answer.as_deref(),
            commitment,
            now
        );
        if let Some(event) = event {
            let mut events = vec![event];
            // Staff found that promised aid did not arrive: the delivery
            // reported for that commitment is disputed, in the place's
            // stead (its confirmation code stops working).
            if let (Some(id), Some(code), true) = (commitment, &linked, not_arrived_found) {
                let disputed = sqlx::query(
                    "UPDATE deliveries SET receipt = 'disputed', receipt_at = $2, confirm_hash = NULL, \
                     dispute_comment = $3 WHERE commitment_id = $1 AND receipt <> 'disputed'",
                )
                .bind(id)
                .bind(now)
                .bind(format!("report {}", row.code))
                .execute(&mut *tx)
                .await?
                .rows_affected() == 1;
                if disputed {
                    events.push(Event {
                        at: now,
                        kind: kind::DELIVERY_DISPUTED,
                        subject: code.clone(),
                        facts: json!({ "code": code, "report": row.code }),
                    });
                }
            }
            append_in!(tx, notify, &events);
        }
        tx.commit().await?;
        changed
    });
    if changed.is_empty() {
        // Another staff member answered it meanwhile.
        return Err(conflict("error.report.closed"));
    }
    match row.location_id {
        Some(id) => crate::log::announce_places(&[id]),
        None => crate::log::announce(),
    }
    crate::mail::wake();
    let row = by_code(&state, &code).await?;
    Ok(Json(staff_view(&state, row).await?))
}
