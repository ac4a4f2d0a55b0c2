//! Deliveries: evidence uploads, the delivery report, the place's one-time
//! confirmation, and how a commitment's public view shows all three voices.

pub mod sniff;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use kolaborasi_shared::log::{DeliveredFacts, DeliveredLineFacts, kind};
use kolaborasi_shared::{
    CommitmentStatus, CommitmentView, Correction, DeliveredLine, DeliveryReport, DeliveryView,
    Evidence, EvidenceType, MANAGE_TOKEN_HEADER, MAX_COMMENT, MAX_EVIDENCE_BYTES,
    MAX_EVIDENCE_FILES, MAX_PLACE_DELIVERIES, PlaceDeliveries, PlaceDelivery, ReceiptAnswer,
    ReceiptRequest, ReceiptSlip, ReceiptStatus, Reporter, validate,
};
use serde_json::json;

use crate::accounts::MaybeAccount;
use crate::body::JsonBody;
use crate::client::RateKey;
use crate::commitments::{code_from, may_manage, not_open, store};
use crate::db::{Db, now_unix};
use crate::error::{AppError, AppResult, FieldIssue};
use crate::log::{self, Event, append_in};
use crate::staff::{Act, MaybeStaff, Place, Staff, audit_in};
use crate::state::AppState;
use crate::{on_db, secrets};

/// Uploads one commitment may receive in all (photos, documents, retries).
const MAX_UPLOADS_PER_COMMITMENT: i64 = 40;
/// Bytes of evidence one commitment may hold (a report needs a few photos
/// and a document; 40 files of 8 MiB would be 320 MiB).
pub const MAX_UPLOAD_BYTES_PER_COMMITMENT: i64 = 64 << 20;
/// Evidence kept though attached to no delivery report, in seconds.
pub const UNATTACHED_KEPT: i64 = 86_400;
/// Wrong confirmation codes one client may try per window (on a kiosk
/// network: one kiosk, see [`crate::client`]).
pub const MAX_GUESSES: i64 = 10;
pub const GUESS_WINDOW: i64 = 15 * 60;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/commitments/{code}/evidence",
            // The body is read, bounded, by the handler after authorization.
            post(upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/commitments/{code}/delivery", post(report))
        .route("/evidence/{id}", get(serve))
        .route("/locations/{id}/deliveries", get(at_place))
        .route(
            "/receipts/{code}",
            get(receipt_request).post(receipt_answer),
        )
}

/// Who is acting on a commitment's delivery.
enum Actor {
    Collaborator,
    Staff(Staff),
}

/// The manage token, the owning account, or staff who may edit at the place.
fn actor(
    state: &AppState,
    row: &store::Row,
    token: Option<&str>,
    account: Option<i64>,
    staff: Option<Staff>,
) -> AppResult<Actor> {
    if may_manage(state, row, token, account) {
        return Ok(Actor::Collaborator);
    }
    if let Some(staff) = staff {
        staff.require(
            Act::Edit,
            Some(&Place {
                kota: &row.kota_code,
                kecamatan: &row.kecamatan_code,
            }),
        )?;
        return Ok(Actor::Staff(staff));
    }
    Err(AppError::Forbidden {
        key: "error.commitment.token_invalid",
    })
}

async fn load(
    state: &AppState,
    code: &str,
) -> AppResult<(store::Row, Vec<kolaborasi_shared::CommitmentLine>)> {
    crate::commitments::load(state, code).await
}

#[allow(clippy::too_many_arguments)]
async fn upload(
    State(state): State<AppState>,
    MaybeAccount(account): MaybeAccount,
    MaybeStaff(staff): MaybeStaff,
    code: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> AppResult<Response> {
    let code = code_from(code)?;
    let (row, _) = load(&state, &code).await?;
    let token = headers
        .get(MANAGE_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok());
    actor(&state, &row, token, account.map(|a| a.id), staff)?;
    if row.status != CommitmentStatus::Committed.as_str() {
        return Err(not_open(&row));
    }
    // A declared type a plain HTML form can send (text/plain, form
    // encodings) is refused: only a script that sets it on purpose uploads.
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(
        declared.as_str(),
        "image/jpeg" | "image/png" | "application/pdf" | "application/octet-stream"
    ) {
        return Err(AppError::UnsupportedFile {
            key: "error.evidence.type",
        });
    }
    // Read only now, after the caller is known to be allowed: strangers
    // cannot make the server buffer 8 MiB.
    let body = read_bounded(&headers, body).await?;
    // Judging bytes and hashing up to 8 MiB is CPU work: off the async threads.
    let judged = tokio::task::spawn_blocking(move || {
        sniff::clean(&body).map(|(kind, cleaned)| {
            let id = secrets::sha256_hex(&cleaned);
            (kind, cleaned, id)
        })
    })
    .await
    .map_err(AppError::internal)?;
    let (kind, cleaned, id) = match judged {
        Ok(ok) => ok,
        Err(sniff::Problem::Unsupported) => {
            return Err(AppError::UnsupportedFile {
                key: "error.evidence.type",
            });
        }
        Err(sniff::Problem::Truncated) => {
            return Err(AppError::invalid("body", "error.evidence.truncated"));
        }
    };
    let uploads: i64 = on_db!(&state.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM evidence WHERE uploaded_for = $1",
    )
    .bind(row.id)
    .fetch_one(pool)
    .await?);
    if uploads >= MAX_UPLOADS_PER_COMMITMENT {
        return Err(AppError::Conflict {
            key: "error.evidence.too_many",
            args: Vec::new(),
        });
    }
    let new_bytes = i64::try_from(cleaned.len()).map_err(AppError::internal)?;
    check_quotas(&state, row.id, new_bytes).await?;
    store_file(&state, &id, kind, &cleaned).await?;
    let bytes = i64::try_from(cleaned.len()).map_err(AppError::internal)?;
    // The count is checked again in the insert itself, so parallel uploads
    // cannot pass the bound together (on SQLite; on PostgreSQL by one or two).
    let (inserted, exists): (u64, bool) = on_db!(&state.db, pool => {
        let inserted = sqlx::query(
            "INSERT INTO evidence (id, type, bytes, created_at, uploaded_for) \
             SELECT $1, $2, $3, $4, $5 WHERE (SELECT COUNT(*) FROM evidence WHERE uploaded_for = $5) < $6 \
             ON CONFLICT (uploaded_for, id) DO NOTHING",
        )
        .bind(&id)
        .bind(type_str(kind))
        .bind(bytes)
        .bind(now_unix())
        .bind(row.id)
        .bind(MAX_UPLOADS_PER_COMMITMENT)
        .execute(pool)
        .await?
        .rows_affected();
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM evidence WHERE uploaded_for = $1 AND id = $2)",
        )
        .bind(row.id)
        .bind(&id)
        .fetch_one(pool)
        .await?;
        (inserted, exists)
    });
    if inserted == 0 && !exists {
        return Err(AppError::Conflict {
            key: "error.evidence.too_many",
            args: Vec::new(),
        });
    }
    Ok((
        StatusCode::CREATED,
        Json(Evidence {
            id,
            kind,
            bytes: u64::try_from(bytes).unwrap_or(0),
        }),
    )
        .into_response())
}

/// Disk quotas: per commitment, and for all uploads (finding 7).
async fn check_quotas(state: &AppState, commitment: i64, new_bytes: i64) -> AppResult<()> {
    let (mine, all): (i64, i64) = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN uploaded_for = $1 THEN bytes ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(bytes), 0) + (SELECT COALESCE(SUM(photo_bytes), 0) FROM reports) AS BIGINT) \
         FROM evidence",
    )
    .bind(commitment)
    .fetch_one(pool)
    .await?);
    if mine + new_bytes > MAX_UPLOAD_BYTES_PER_COMMITMENT {
        return Err(AppError::Conflict {
            key: "error.evidence.commitment_quota",
            args: vec![("mib", (MAX_UPLOAD_BYTES_PER_COMMITMENT >> 20).to_string())],
        });
    }
    storage_left(state, all, new_bytes)
}

fn storage_left(state: &AppState, all: i64, new_bytes: i64) -> AppResult<()> {
    if all + new_bytes > state.upload_quota {
        tracing::warn!(
            used = all,
            quota = state.upload_quota,
            "the evidence quota is used up (--upload-quota-mib)"
        );
        return Err(AppError::Conflict {
            key: "error.evidence.storage_full",
            args: Vec::new(),
        });
    }
    Ok(())
}

/// The request body, at most [`MAX_EVIDENCE_BYTES`]: 413 beyond, 400 when
/// the client breaks off. A body that is too large is drained (not kept, up
/// to twice the limit and ten seconds) before answering, so the client,
/// still sending, reads the 413 instead of a reset connection.
async fn read_bounded(headers: &HeaderMap, body: axum::body::Body) -> AppResult<Bytes> {
    use http_body_util::BodyExt as _;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = MAX_EVIDENCE_BYTES as u64;
    let mut body = body;
    if declared.is_none_or(|n| n <= limit) {
        let mut kept = Vec::new();
        loop {
            match body.frame().await {
                None => return Ok(Bytes::from(kept)),
                Some(Err(e)) if crate::conn::is_too_slow(&e) => return Err(AppError::TooSlow),
                Some(Err(_)) => return Err(AppError::invalid("body", "error.body.malformed")),
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        if kept.len() + data.len() > MAX_EVIDENCE_BYTES {
                            break;
                        }
                        kept.extend_from_slice(data);
                    }
                }
            }
        }
    }
    let drain = async {
        let mut seen = 0u64;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, |d| d.len() as u64);
            if seen > 2 * limit {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), drain).await;
    Err(AppError::PayloadTooLarge)
}

pub(crate) fn type_str(kind: EvidenceType) -> &'static str {
    match kind {
        EvidenceType::Jpeg => "jpeg",
        EvidenceType::Png => "png",
        EvidenceType::Pdf => "pdf",
    }
}

pub(crate) fn type_parse(s: &str) -> Option<EvidenceType> {
    [EvidenceType::Jpeg, EvidenceType::Png, EvidenceType::Pdf]
        .into_iter()
        .find(|k| type_str(*k) == s)
}

pub(crate) fn file_path(state: &AppState, id: &str) -> std::path::PathBuf {
    state.upload_dir.join(&id[..2]).join(id)
}

/// Writes the file under its hash, atomically (temp file, then rename); a
/// file already there has the same bytes.
pub(crate) async fn store_file(
    state: &AppState,
    id: &str,
    _kind: EvidenceType,
    bytes: &[u8],
) -> AppResult<()> {
    let path = file_path(state, id);
    // Written again even when the same content is stored: the fresh time
    // keeps the upload sweep from removing a file an upload is using.
    let dir = path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(AppError::internal)?;
    let temp = dir.join(format!(".{id}.{}", secrets::token()?));
    tokio::fs::write(&temp, bytes)
        .await
        .map_err(AppError::internal)?;
    tokio::fs::rename(&temp, &path)
        .await
        .map_err(AppError::internal)
}

/// `GET /evidence/{id}`: photos to anyone, documents to staff only.
async fn serve(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    id: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let id = id
        .ok()
        .map(|Path(id)| id)
        .filter(|id| id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .ok_or_else(|| AppError::invalid("id", "error.evidence.id_invalid"))?;
    let row: Option<(String, bool)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT e.type, EXISTS (SELECT 1 FROM delivery_evidence x WHERE x.evidence_id = e.id AND x.role = 'photo') \
         FROM evidence e WHERE e.id = $1 LIMIT 1",
    )
    .bind(&id)
    .fetch_optional(pool)
    .await?);
    let not_found = AppError::NotFound {
        key: "error.evidence.not_found",
    };
    let Some((kind, public)) = row else {
        return Err(not_found);
    };
    if !public {
        // Unattached uploads and documents are for staff whose area covers
        // the place; anyone else learns nothing, not even that it exists.
        let Some(staff) = staff else {
            return Err(not_found);
        };
        let places: Vec<(String, String)> = on_db!(&state.db, pool => sqlx::query_as(
            "SELECT l.kota_code, l.kecamatan_code FROM evidence e \
             JOIN commitments c ON c.id = e.uploaded_for JOIN locations l ON l.id = c.location_id \
             WHERE e.id = $1",
        )
        .bind(&id)
        .fetch_all(pool)
        .await?);
        let covered = places
            .iter()
            .any(|(kota, kecamatan)| staff.covers(&Place { kota, kecamatan }));
        if !covered {
            return Err(not_found);
        }
    }
    let kind = type_parse(&kind).ok_or_else(|| AppError::Internal(format!("type {kind}")))?;
    file_response(&state, &id, kind, public).await
}

/// A stored upload as a response: photos inline, documents as downloads;
/// cached for a year when public, never when not.
pub(crate) async fn file_response(
    state: &AppState,
    id: &str,
    kind: EvidenceType,
    public: bool,
) -> AppResult<Response> {
    let bytes = tokio::fs::read(file_path(state, id))
        .await
        .map_err(|e| AppError::Internal(format!("evidence {id}: {e}")))?;
    let disposition = if kind.is_image() {
        format!("inline; filename=\"{id}.{}\"", kind.extension())
    } else {
        format!("attachment; filename=\"{id}.{}\"", kind.extension())
    };
    let cache = if public {
        "public, max-age=31536000, immutable"
    } else {
        "private, no-store"
    };
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(AppError::internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // Even if a file slipped through, it cannot run script or load anything.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Checked delivery report: per line (package, committed, delivered).
struct CheckedReport {
    lines: Vec<(i64, i64, i64)>,
    delivered_on: String,
}

fn check_report(
    report: &DeliveryReport,
    lines: &[kolaborasi_shared::CommitmentLine],
    created_at: i64,
    now: i64,
) -> AppResult<CheckedReport> {
    let mut issues = Vec::new();
    match validate::date(report.delivered_on.trim()) {
        Err(key) => issues.push(FieldIssue::new("delivered_on", key)),
        Ok(day) if day > now.div_euclid(86_400) => {
            issues.push(FieldIssue::new(
                "delivered_on",
                "error.delivery.date_future",
            ));
        }
        Ok(day) if day < created_at.div_euclid(86_400) => {
            issues.push(FieldIssue::new(
                "delivered_on",
                "error.delivery.date_before",
            ));
        }
        Ok(_) => {}
    }
    let mut checked = Vec::with_capacity(lines.len());
    for (i, input) in report.lines.iter().enumerate() {
        let field = format!("lines.{i}.quantity");
        let Some(line) = lines.iter().find(|l| l.package_id == input.package_id) else {
            issues.push(FieldIssue::new(
                format!("lines.{i}.package_id"),
                "error.delivery.package_not_committed",
            ));
            continue;
        };
        if checked.iter().any(|(p, _, _)| *p == input.package_id) {
            issues.push(FieldIssue::new(
                format!("lines.{i}.package_id"),
                "error.delivery.package_repeated",
            ));
            continue;
        }
        let committed = i64::from(line.quantity);
        if !(0..=committed).contains(&input.quantity) {
            issues.push(
                FieldIssue::new(field, "error.delivery.quantity_range").with("max", committed),
            );
            continue;
        }
        checked.push((input.package_id, committed, input.quantity));
    }
    if issues.is_empty() && checked.len() != lines.len() {
        issues.push(FieldIssue::new("lines", "error.delivery.lines_incomplete"));
    }
    if issues.is_empty() && checked.iter().all(|(_, _, q)| *q == 0) {
        issues.push(FieldIssue::new("lines", "error.delivery.nothing"));
    }
    for (field, ids) in [("photos", &report.photos), ("documents", &report.documents)] {
        if ids.is_empty() {
            issues.push(FieldIssue::new(field, "error.delivery.evidence_required"));
        } else if ids.len() > MAX_EVIDENCE_FILES {
            issues.push(
                FieldIssue::new(field, "error.delivery.evidence_too_many")
                    .with("max", MAX_EVIDENCE_FILES),
            );
        }
    }
    if issues.is_empty() {
        Ok(CheckedReport {
            lines: checked,
            delivered_on: report.delivered_on.trim().to_owned(),
        })
    } else {
        Err(AppError::Fields(issues))
    }
}

fn qr_svg(text: &str) -> AppResult<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(AppError::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// A fresh one-time code: (code, its hash, expiry).
fn new_confirm_code(state: &AppState, now: i64) -> AppResult<(String, String, i64)> {
    let code = secrets::tracking_code()?;
    let hash = secrets::sha256_hex(code.as_bytes());
    Ok((
        code,
        hash,
        now + i64::from(state.receipt_code_days) * 86_400,
    ))
}

pub(crate) fn slip(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    confirm: &str,
    expires_at: i64,
) -> AppResult<ReceiptSlip> {
    let confirm_path = format!("/terima/{confirm}");
    Ok(ReceiptSlip {
        code: code.to_owned(),
        qr_svg: qr_svg(&state.absolute_url(headers, &confirm_path))?,
        confirm_code: confirm.to_owned(),
        confirm_path,
        expires_at,
    })
}

#[derive(sqlx::FromRow)]
struct PackageSlug {
    id: i64,
    slug: String,
}

#[allow(clippy::too_many_lines)]
async fn report(
    State(state): State<AppState>,
    MaybeAccount(account): MaybeAccount,
    MaybeStaff(staff): MaybeStaff,
    code: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<DeliveryReport>,
) -> AppResult<Response> {
    let code = code_from(code)?;
    let (row, lines) = load(&state, &code).await?;
    let who = actor(
        &state,
        &row,
        input.token.as_deref(),
        account.map(|a| a.id),
        staff,
    )?;
    if row.status != CommitmentStatus::Committed.as_str() {
        return Err(not_open(&row));
    }
    let now = now_unix();
    let checked = check_report(&input, &lines, row.created_at, now)?;

    // Every evidence id must have been uploaded for this commitment, photos as images.
    let mut wanted: Vec<&str> = input
        .photos
        .iter()
        .chain(&input.documents)
        .map(String::as_str)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let placeholders = crate::db::placeholders_from(2, wanted.len());
    let sql =
        format!("SELECT id, type FROM evidence WHERE uploaded_for = $1 AND id IN ({placeholders})");
    let known: Vec<(String, String)> = on_db!(&state.db, pool => {
        let mut q = sqlx::query_as(&sql).bind(row.id);
        for id in &wanted {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await?
    });
    let mut issues = Vec::new();
    for (field, ids, images_only) in [
        ("photos", &input.photos, true),
        ("documents", &input.documents, false),
    ] {
        for (i, id) in ids.iter().enumerate() {
            match known.iter().find(|(k, _)| k == id) {
                None => issues.push(FieldIssue::new(
                    format!("{field}.{i}"),
                    "error.delivery.evidence_unknown",
                )),
                Some((_, t)) if images_only && t == "pdf" => {
                    issues.push(FieldIssue::new(
                        format!("{field}.{i}"),
                        "error.delivery.photo_not_image",
                    ));
                }
                Some(_) => {}
            }
        }
    }
    if !issues.is_empty() {
        return Err(AppError::Fields(issues));
    }

    let slugs: Vec<PackageSlug> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT p.id, p.slug FROM packages p JOIN commitment_lines q ON q.package_id = p.id \
         WHERE q.commitment_id = $1",
    )
    .bind(row.id)
    .fetch_all(pool)
    .await?);
    let unit_value = |package: i64| {
        lines
            .iter()
            .find(|l| l.package_id == package)
            .map_or(0, |l| l.unit_value)
    };
    let facts = DeliveredFacts {
        code: row.code.clone(),
        lines: Some(
            checked
                .lines
                .iter()
                .map(|(p, _, q)| DeliveredLineFacts {
                    package: slugs
                        .iter()
                        .find(|s| s.id == *p)
                        .map(|s| s.slug.clone())
                        .unwrap_or_default(),
                    quantity: *q,
                })
                .collect(),
        ),
        quantity: Some(checked.lines.iter().map(|(_, _, q)| q).sum()),
        value: Some(
            checked
                .lines
                .iter()
                .map(|(p, _, q)| q * unit_value(*p))
                .sum(),
        ),
        delivered_on: Some(checked.delivered_on.clone()),
        reported_by: Some(
            match who {
                Actor::Collaborator => "collaborator",
                Actor::Staff(_) => "staff",
            }
            .to_owned(),
        ),
    };
    let event = Event {
        at: now,
        kind: kind::COMMITMENT_DELIVERED,
        subject: row.code.clone(),
        facts: serde_json::to_value(&facts).map_err(AppError::internal)?,
    };
    let (confirm, confirm_hash, expires_at) = new_confirm_code(&state, now)?;
    let (reporter, staff_id) = match &who {
        Actor::Collaborator => (Reporter::Collaborator, None),
        Actor::Staff(s) => (Reporter::Staff, Some(s.id())),
    };
    let notify = state.db.engine() == "postgres";
    let done = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE commitments SET status = 'delivered', closed_at = $2 WHERE id = $1 AND status = 'committed'",
        )
        .bind(row.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected() == 1;
        if changed {
            for (package, committed, delivered) in &checked.lines {
                sqlx::query("UPDATE commitment_lines SET delivered_quantity = $3 WHERE commitment_id = $1 AND package_id = $2")
                    .bind(row.id).bind(*package).bind(*delivered)
                    .execute(&mut *tx).await?;
                // What was not handed over returns to the pool.
                sqlx::query("UPDATE needs SET committed = committed - $3, delivered = delivered + $4 \
                             WHERE location_id = $1 AND package_id = $2")
                    .bind(row.location_id).bind(*package).bind(*committed).bind(*delivered)
                    .execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO deliveries (commitment_id, delivered_on, reported_by, reporter_staff_id, reported_at, \
                 confirm_hash, confirm_expires_at, confirm_issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $4)",
            )
            .bind(row.id)
            .bind(&checked.delivered_on)
            .bind(match reporter { Reporter::Collaborator => "collaborator", Reporter::Staff => "staff" })
            .bind(staff_id)
            .bind(now)
            .bind(&confirm_hash)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            for (role, ids) in [("photo", &input.photos), ("document", &input.documents)] {
                let mut seen: Vec<&String> = Vec::new();
                for id in ids {
                    if seen.contains(&id) { continue; }
                    seen.push(id);
                    sqlx::query("INSERT INTO delivery_evidence (commitment_id, evidence_id, role, position) VALUES ($1, $2, $3, $4)")
                        .bind(row.id).bind(id).bind(role).bind(i32::try_from(seen.len()).unwrap_or(0))
                        .execute(&mut *tx).await?;
                }
            }
            if let Some(staff_id) = staff_id {
                audit_in!(tx, staff_id, "delivery_reported", &row.code, "");
            }
            append_in!(tx, notify, std::slice::from_ref(&event));
        }
        tx.commit().await?;
        changed
    });
    if !done {
        let (row, _) = load(&state, &code).await?;
        return Err(not_open(&row));
    }
    log::announce();
    let slip = slip(&state, &headers, &row.code, &confirm, expires_at)?;
    Ok((StatusCode::CREATED, Json(slip)).into_response())
}

/// A delivered line as stored: commitment, package, delivered quantity,
/// received in good order, damaged.
type LineRow = (i64, i64, Option<i64>, Option<i64>, Option<i64>);

const LINE_COLUMNS: &str =
    "q.commitment_id, q.package_id, q.delivered_quantity, q.received_ok, q.received_damaged";

/// A `deliveries` row as the public sees it.
#[derive(sqlx::FromRow)]
struct DeliveryRow {
    delivered_on: String,
    reported_by: String,
    reported_at: i64,
    receipt: String,
    receipt_at: Option<i64>,
    verified_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str =
    "d.delivered_on, d.reported_by, d.reported_at, d.receipt, d.receipt_at, d.verified_at";

impl DeliveryRow {
    /// The view, with this commitment's lines picked out of `lines`.
    fn view(
        self,
        commitment_id: i64,
        lines: &[LineRow],
        photos: Vec<String>,
        documents: u32,
    ) -> DeliveryView {
        let to_u32 = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        DeliveryView {
            delivered_on: self.delivered_on,
            reported_by: if self.reported_by == "staff" {
                Reporter::Staff
            } else {
                Reporter::Collaborator
            },
            reported_at: self.reported_at,
            lines: lines
                .iter()
                .filter(|l| l.0 == commitment_id)
                .map(|(_, package_id, q, ok, damaged)| DeliveredLine {
                    package_id: *package_id,
                    quantity: to_u32(*q).unwrap_or(0),
                    received_ok: to_u32(*ok),
                    received_damaged: to_u32(*damaged),
                })
                .collect(),
            photos,
            documents,
            receipt: ReceiptStatus::parse(&self.receipt).unwrap_or(ReceiptStatus::Pending),
            receipt_at: self.receipt_at,
            verified_at: self.verified_at,
        }
    }
}

/// Fills a view's delivery and corrections (two queries, four with a delivery).
pub async fn decorate(db: &Db, view: &mut CommitmentView, commitment_id: i64) -> AppResult<()> {
    let delivery_sql =
        format!("SELECT {DELIVERY_COLUMNS} FROM deliveries d WHERE d.commitment_id = $1");
    let lines_sql = format!(
        "SELECT {LINE_COLUMNS} FROM commitment_lines q WHERE q.commitment_id = $1 ORDER BY q.package_id"
    );
    let (delivery, lines, evidence, corrections) = on_db!(db, pool => {
        let delivery: Option<DeliveryRow> = sqlx::query_as(&delivery_sql)
            .bind(commitment_id).fetch_optional(pool).await?;
        let (lines, evidence): (Vec<LineRow>, Vec<(String, String)>) = if delivery.is_some() {
            (
                sqlx::query_as(&lines_sql).bind(commitment_id).fetch_all(pool).await?,
                sqlx::query_as("SELECT evidence_id, role FROM delivery_evidence WHERE commitment_id = $1 \
                                ORDER BY role, position")
                    .bind(commitment_id).fetch_all(pool).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let corrections: Vec<(i64, String)> = sqlx::query_as("SELECT at, reason FROM corrections WHERE commitment_id = $1 ORDER BY id")
            .bind(commitment_id).fetch_all(pool).await?;
        (delivery, lines, evidence, corrections)
    });
    view.corrections = corrections
        .into_iter()
        .map(|(at, reason)| Correction { at, reason })
        .collect();
    view.delivery = delivery.map(|d| {
        let photos = evidence
            .iter()
            .filter(|(_, r)| r == "photo")
            .map(|(id, _)| id.clone())
            .collect();
        let documents = evidence.iter().filter(|(_, r)| r == "document").count();
        d.view(
            commitment_id,
            &lines,
            photos,
            u32::try_from(documents).unwrap_or(0),
        )
    });
    Ok(())
}

/// The full public view of a loaded commitment: history, delivery, corrections.
pub async fn full_view(
    db: &Db,
    row: store::Row,
    lines: Vec<kolaborasi_shared::CommitmentLine>,
) -> AppResult<CommitmentView> {
    let mut view = row.view(lines)?;
    view.history = log::history(db, &row.code).await?;
    decorate(db, &mut view, row.id).await?;
    Ok(view)
}

/// A commitment's full public view, read afresh (after a change).
pub async fn public_view(db: &Db, code: &str) -> AppResult<CommitmentView> {
    let (row, lines) = store::by_code(db, code).await?.ok_or(AppError::NotFound {
        key: "error.commitment.not_found",
    })?;
    full_view(db, row, lines).await
}

/// Refuses when the client guessed wrong too often; `Ok(())` otherwise.
async fn guard(db: &Db, client: &RateKey, now: i64) -> AppResult<()> {
    crate::rate::check(db, &crate::rate::RECEIPT_GUESSES, client, now).await
}

async fn miss(db: &Db, client: &RateKey, now: i64) -> AppResult<AppError> {
    crate::rate::record(db, &crate::rate::RECEIPT_GUESSES, client, now).await?;
    Ok(AppError::NotFound {
        key: "error.receipt.unknown",
    })
}

/// The commitment a live confirmation code belongs to: (id, tracking code, expiry).
async fn by_confirm_code(
    state: &AppState,
    client: &RateKey,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<(i64, String, i64, String)> {
    let now = now_unix();
    guard(&state.db, client, now).await?;
    let Some(confirm) = code
        .ok()
        .and_then(|Path(raw)| validate::tracking_code(&raw))
    else {
        return Err(miss(&state.db, client, now).await?);
    };
    let hash = secrets::sha256_hex(confirm.as_bytes());
    let found: Option<(i64, String, i64)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT c.id, c.code, d.confirm_expires_at FROM deliveries d JOIN commitments c ON c.id = d.commitment_id \
         WHERE d.confirm_hash = $1 AND d.confirm_expires_at > $2",
    )
    .bind(&hash)
    .bind(now)
    .fetch_optional(pool)
    .await?);
    match found {
        Some((id, code, expires)) => Ok((id, code, expires, hash)),
        None => Err(miss(&state.db, client, now).await?),
    }
}

async fn receipt_request(
    State(state): State<AppState>,
    client: RateKey,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let (_, code, expires_at, _) = by_confirm_code(&state, &client, code).await?;
    let commitment = public_view(&state.db, &code).await?;
    let mut response = Json(ReceiptRequest {
        commitment,
        expires_at,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// (package, received in good order, damaged).
type Received = (i64, i64, i64);

/// The place's answer, checked against what was reported: per line
/// (package, ok, damaged), and the trimmed comment.
fn check_answer(
    answer: &ReceiptAnswer,
    delivery: &DeliveryView,
) -> AppResult<(Vec<Received>, String)> {
    let mut issues = Vec::new();
    if answer.outcome == ReceiptStatus::Pending {
        issues.push(FieldIssue::new("outcome", "error.receipt.outcome"));
    }
    let comment = kolaborasi_shared::validate::free_text(&answer.comment, 0, MAX_COMMENT);
    if comment.is_none() {
        issues.push(
            FieldIssue::new("comment", "error.receipt.comment_long").with("max", MAX_COMMENT),
        );
    }
    let comment = comment.unwrap_or_default();
    if answer.outcome == ReceiptStatus::Disputed && comment.is_empty() {
        issues.push(FieldIssue::new("comment", "error.receipt.comment_required"));
    }
    let mut received = Vec::new();
    for (i, line) in delivery.lines.iter().enumerate() {
        let Some(input) = answer
            .lines
            .iter()
            .find(|l| l.package_id == line.package_id)
        else {
            issues.push(FieldIssue::new(
                format!("lines.{i}"),
                "error.receipt.line_missing",
            ));
            continue;
        };
        let delivered = i64::from(line.quantity);
        if input.ok < 0 || input.damaged < 0 || input.ok + input.damaged > delivered {
            issues.push(
                FieldIssue::new(format!("lines.{i}.ok"), "error.receipt.line_range")
                    .with("max", delivered),
            );
        } else if answer.outcome == ReceiptStatus::Confirmed
            && input.ok + input.damaged != delivered
        {
            issues.push(
                FieldIssue::new(format!("lines.{i}.ok"), "error.receipt.line_sum")
                    .with("max", delivered),
            );
        }
        received.push((line.package_id, input.ok, input.damaged));
    }
    if answer.lines.len() != delivery.lines.len() && issues.is_empty() {
        issues.push(FieldIssue::new("lines", "error.receipt.line_missing"));
    }
    if !issues.is_empty() {
        return Err(AppError::Fields(issues));
    }
    Ok((received, comment))
}

async fn receipt_answer(
    State(state): State<AppState>,
    client: RateKey,
    code: Result<Path<String>, PathRejection>,
    JsonBody(answer): JsonBody<ReceiptAnswer>,
) -> AppResult<Json<CommitmentView>> {
    let (id, code, _, hash) = by_confirm_code(&state, &client, code).await?;
    let view = public_view(&state.db, &code).await?;
    let delivery = view
        .delivery
        .as_ref()
        .ok_or_else(|| AppError::Internal("a live code without a delivery".into()))?;
    let (received, comment) = check_answer(&answer, delivery)?;
    let comment = comment.as_str();
    let now = now_unix();
    let (log_kind, facts) = if answer.outcome == ReceiptStatus::Confirmed {
        (
            kind::DELIVERY_CONFIRMED,
            json!({
                "code": code,
                "lines": received.iter().map(|(p, ok, damaged)| json!({"package_id": p, "ok": ok, "damaged": damaged})).collect::<Vec<_>>(),
            }),
        )
    } else {
        // The comment may name people: it goes to staff, not the public log.
        (kind::DELIVERY_DISPUTED, json!({ "code": code }))
    };
    let event = Event {
        at: now,
        kind: log_kind,
        subject: code.clone(),
        facts,
    };
    let notify = state.db.engine() == "postgres";
    let used = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        // Single use: only the request that clears the hash proceeds.
        let used = sqlx::query(
            "UPDATE deliveries SET confirm_hash = NULL, receipt = $2, receipt_at = $3, dispute_comment = $4 \
             WHERE commitment_id = $1 AND confirm_hash = $5",
        )
        .bind(id)
        .bind(answer.outcome.as_str())
        .bind(now)
        .bind(comment)
        .bind(&hash)
        .execute(&mut *tx)
        .await?
        .rows_affected() == 1;
        if used {
            for (package, ok, damaged) in &received {
                sqlx::query("UPDATE commitment_lines SET received_ok = $3, received_damaged = $4 \
                             WHERE commitment_id = $1 AND package_id = $2")
                    .bind(id).bind(*package).bind(*ok).bind(*damaged)
                    .execute(&mut *tx).await?;
            }
            if answer.outcome == ReceiptStatus::Confirmed {
                // The donor hears that the place confirmed it.
                sqlx::query(
                    "INSERT INTO outbox (kind, commitment_id, created_at, next_attempt_at) \
                     SELECT 'delivered', id, $2, $2 FROM commitments WHERE id = $1 AND demo = FALSE",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            append_in!(tx, notify, std::slice::from_ref(&event));
        }
        tx.commit().await?;
        used
    });
    crate::mail::wake();
    if !used {
        return Err(AppError::NotFound {
            key: "error.receipt.unknown",
        });
    }
    log::announce();
    Ok(Json(public_view(&state.db, &code).await?))
}

/// `GET /locations/{id}/deliveries`: the latest deliveries at a place with
/// their three voices, in three queries whatever the count.
async fn at_place(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> AppResult<Json<PlaceDeliveries>> {
    #[derive(sqlx::FromRow)]
    struct Listed {
        id: i64,
        code: String,
        #[sqlx(flatten)]
        delivery: DeliveryRow,
    }
    let id = crate::query::path_id(id, "error.path.invalid_id")?;
    if crate::locations::store::get(&state.db, id).await?.is_none() {
        return Err(AppError::NotFound {
            key: "error.location_not_found",
        });
    }
    let listed_sql = format!(
        "SELECT c.id, c.code, {DELIVERY_COLUMNS} FROM deliveries d JOIN commitments c ON c.id = d.commitment_id \
         WHERE c.location_id = $1 ORDER BY d.delivered_on DESC, d.reported_at DESC, c.id DESC LIMIT $2"
    );
    // The lines and photos of the same deliveries: every delivery at the
    // place on or after the oldest one listed (a superset, filtered per item).
    let lines_sql = format!(
        "SELECT {LINE_COLUMNS} FROM commitment_lines q JOIN commitments c ON c.id = q.commitment_id \
         JOIN deliveries d ON d.commitment_id = c.id \
         WHERE c.location_id = $1 AND d.delivered_on >= $2 ORDER BY q.commitment_id, q.package_id"
    );
    let (rows, lines, photos): (Vec<Listed>, Vec<LineRow>, Vec<(i64, String)>) = on_db!(&state.db, pool => {
        let rows: Vec<Listed> = sqlx::query_as(&listed_sql)
            .bind(id)
            .bind(MAX_PLACE_DELIVERIES)
            .fetch_all(pool)
            .await?;
        let oldest = rows.last().map_or(String::new(), |r| r.delivery.delivered_on.clone());
        let lines = sqlx::query_as(&lines_sql).bind(id).bind(&oldest).fetch_all(pool).await?;
        let photos = sqlx::query_as(
            "SELECT x.commitment_id, x.evidence_id FROM delivery_evidence x \
             JOIN commitments c ON c.id = x.commitment_id JOIN deliveries d ON d.commitment_id = c.id \
             WHERE c.location_id = $1 AND d.delivered_on >= $2 AND x.role = 'photo' ORDER BY x.commitment_id, x.position",
        )
        .bind(id)
        .bind(&oldest)
        .fetch_all(pool)
        .await?;
        (rows, lines, photos)
    });
    let deliveries = rows
        .into_iter()
        .map(|r| {
            let mine = photos
                .iter()
                .filter(|p| p.0 == r.id)
                .map(|p| p.1.clone())
                .collect();
            PlaceDelivery {
                delivery: r.delivery.view(r.id, &lines, mine, 0),
                code: r.code,
            }
        })
        .collect();
    Ok(Json(PlaceDeliveries { deliveries }))
}

/// Forgets evidence that no report will use (finding 7): files of a
/// commitment that was cancelled or expired, and files attached to no
/// delivery report a day after their upload. A file is removed from disk
/// once no commitment holds it and it was not written for `min_age` (an
/// upload of the same content in progress rewrites it). Returns the number
/// of evidence rows forgotten.
pub async fn sweep_uploads(
    db: &Db,
    dir: &std::path::Path,
    now: i64,
    min_age: std::time::Duration,
) -> AppResult<u64> {
    const DOOMED: &str = "FROM evidence e JOIN commitments c ON c.id = e.uploaded_for \
        WHERE c.status IN ('cancelled', 'expired') \
           OR (e.created_at <= $1 AND NOT EXISTS (SELECT 1 FROM delivery_evidence d \
               WHERE d.commitment_id = e.uploaded_for AND d.evidence_id = e.id))";
    let doomed: Vec<(i64, String)> = on_db!(db, pool => sqlx::query_as(
        &format!("SELECT e.uploaded_for, e.id {DOOMED}"),
    )
    .bind(now - UNATTACHED_KEPT)
    .fetch_all(pool)
    .await?);
    if doomed.is_empty() {
        return Ok(0);
    }
    let mut forgotten = 0;
    for (commitment, id) in &doomed {
        let (gone, still_held): (u64, bool) = on_db!(db, pool => {
            let gone = sqlx::query(
                "DELETE FROM evidence WHERE uploaded_for = $1 AND id = $2 AND NOT EXISTS \
                 (SELECT 1 FROM delivery_evidence d WHERE d.commitment_id = $1 AND d.evidence_id = $2)",
            )
            .bind(commitment)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected();
            let held: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM evidence WHERE id = $1) \
                 OR EXISTS (SELECT 1 FROM reports WHERE photo_id = $1)",
            )
                .bind(id)
                .fetch_one(pool)
                .await?;
            (gone, held)
        });
        forgotten += gone;
        if !still_held {
            let path = dir.join(&id[..2]).join(id);
            let old_enough = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age >= min_age);
            if old_enough && let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(%e, path = %path.display(), "could not remove an unused evidence file");
            }
        }
    }
    Ok(forgotten)
}

/// Removes files of the upload directory that no evidence row and no
/// report holds and that were not written for `min_age`: left by an upload
/// or a report refused after its file was stored, or cut off mid-way
/// (half-written temporary files too). Returns the number removed.
pub async fn sweep_orphan_files(
    db: &Db,
    dir: &std::path::Path,
    min_age: std::time::Duration,
) -> AppResult<u64> {
    let root = dir.to_path_buf();
    // (file name, path, whether it is a finished upload's name)
    let old: Vec<(String, std::path::PathBuf, bool)> = tokio::task::spawn_blocking(move || {
        let mut old = Vec::new();
        for sub in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            for file in std::fs::read_dir(sub.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let name = file.file_name().to_string_lossy().into_owned();
                let finished = name.len() == 64
                    && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                let old_enough = file
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age >= min_age);
                if old_enough && (finished || name.starts_with('.')) {
                    old.push((name, file.path(), finished));
                }
            }
        }
        old
    })
    .await
    .map_err(AppError::internal)?;
    let mut removed = 0;
    for chunk in old.chunks(200) {
        let ids: Vec<&str> = chunk
            .iter()
            .filter(|(_, _, finished)| *finished)
            .map(|(name, _, _)| name.as_str())
            .collect();
        let held: std::collections::HashSet<String> = if ids.is_empty() {
            std::collections::HashSet::new()
        } else {
            let list = (1..=ids.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id FROM evidence WHERE id IN ({list}) \
                 UNION SELECT photo_id FROM reports WHERE photo_id IN ({list})"
            );
            let found: Vec<String> = on_db!(db, pool => {
                let mut q = sqlx::query_scalar(&sql);
                for id in &ids {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            found.into_iter().collect()
        };
        for (name, path, _) in chunk {
            if held.contains(name) {
                continue;
            }
            match std::fs::remove_file(path) {
                Ok(()) => removed += 1,
                Err(e) => {
                    tracing::warn!(%e, path = %path.display(), "could not remove an unused upload file");
                }
            }
        }
    }
    Ok(removed)
}

/// Runs [`sweep_uploads`] and [`sweep_orphan_files`] at start and every hour.
#[must_use]
pub fn spawn_upload_sweeper(db: Db, dir: std::path::PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let min_age = std::time::Duration::from_mins(10);
            match sweep_uploads(&db, &dir, now_unix(), min_age).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(forgotten = n, "removed evidence no delivery report uses"),
                Err(e) => tracing::warn!(?e, "could not sweep uploads"),
            }
            match sweep_orphan_files(&db, &dir, min_age).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "removed upload files nothing holds"),
                Err(e) => tracing::warn!(?e, "could not sweep upload files"),
            }
            tokio::time::sleep(std::time::Duration::from_hours(1)).await;
        }
    })
}
