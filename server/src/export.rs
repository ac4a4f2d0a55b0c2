//! Open data downloads, streamed: a task reads rows from the database one
//! by one and sends the formatted text in ~32 KiB chunks through a small
//! channel, so memory stays flat however many rows there are and a slow
//! client slows the reader instead of filling memory.
//!
//! Public facts only: contact details (e-mail, phone, the contact person of
//! a location) are never selected, and a collaborator's name only with
//! consent ("Anonim" otherwise).

use axum::Router;
use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::TryStreamExt;
use kolaborasi_shared::AreaLevel;
use kolaborasi_shared::validate::civil_from_days;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::client::RateKey;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::on_db;
use crate::query;
use crate::state::AppState;

/// Flush to the client at this size.
const CHUNK: usize = 32 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/export/commitments.csv", get(commitments_csv))
        .route("/export/commitments.json", get(commitments_json))
        .route("/export/locations.csv", get(locations_csv))
        .route("/export/locations.geojson", get(locations_geojson))
}

/// A bound value of a filter.
#[derive(Debug, Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

/// `program`, `area`, `from`, `to` (commitments only) and `hxl` (CSV only),
/// as SQL conditions with their arguments.
#[derive(Debug, Default)]
struct Filter {
    conditions: Vec<String>,
    args: Vec<Arg>,
    hxl: bool,
}

impl Filter {
    fn push(&mut self, condition: impl FnOnce(usize) -> String, arg: Arg) {
        self.args.push(arg);
        self.conditions.push(condition(self.args.len()));
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" AND {}", self.conditions.join(" AND "))
        }
    }
}

fn parse_filter(
    state: &AppState,
    raw: Option<&str>,
    allowed: &[&str],
    program_condition: &str,
) -> AppResult<Filter> {
    let params = query::params(raw, allowed)?;
    let mut f = Filter::default();
    if let Some(slug) = params.get("program") {
        f.push(
            |n| program_condition.replace("$N", &format!("${n}")),
            Arg::Text(slug.trim().to_owned()),
        );
    }
    if let Some(code) = params.get("area") {
        let code = code.trim();
        let level = AreaLevel::of_code(code)
            .ok_or_else(|| AppError::invalid("area", "error.query.invalid_area"))?;
        state
            .areas
            .find(code)
            .ok_or_else(|| AppError::invalid("area", "error.query.unknown_area"))?;
        let column = match level {
            AreaLevel::Province => None,
            AreaLevel::Kota => Some("l.kota_code"),
            AreaLevel::Kecamatan => Some("l.kecamatan_code"),
            AreaLevel::Kelurahan => Some("l.kelurahan_code"),
        };
        if let Some(column) = column {
            f.push(|n| format!("{column} = ${n}"), Arg::Text(code.to_owned()));
        }
    }
    let from = query::date(&params, "from")?;
    let to = query::date(&params, "to")?;
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(AppError::invalid("to", "error.query.range_invalid"));
    }
    if let Some(day) = from {
        f.push(|n| format!("c.created_at >= ${n}"), Arg::Int(day * 86_400));
    }
    if let Some(day) = to {
        f.push(
            |n| format!("c.created_at < ${n}"),
            Arg::Int((day + 1) * 86_400),
        );
    }
    f.hxl = match params.get("hxl").map(|s| s.trim()) {
        None | Some("0" | "false") => false,
        Some("1" | "true") => true,
        Some(_) => return Err(AppError::invalid("hxl", "error.query.hxl_invalid")),
    };
    Ok(f)
}

/// Text safe for a CSV cell: quoted when needed, and text starting with
/// `=`, `+`, `-`, `@` defused so spreadsheets do not run it as a formula
/// (numbers such as a latitude of -6.2 stay numbers).
fn cell(out: &mut String, value: &str) {
    let defuse =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let quote = defuse || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
        if defuse {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn csv_line(out: &mut String, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, c);
    }
    out.push_str("\r\n");
}

/// Downloads one client network may start per [`EXPORT_WINDOW`]: each costs
/// a full query and its formatting (finding 14: sixty kept both cores busy
/// for seconds). The public data is also on the cached API answers.
pub const EXPORTS_PER_CLIENT: i64 = 30;
pub const EXPORT_WINDOW: i64 = 10 * 60;

const EXPORT_LIMIT: crate::rate::Limit = crate::rate::Limit {
    scope: "export",
    per_client: EXPORTS_PER_CLIENT,
    window: EXPORT_WINDOW,
    message: "error.export.rate_limited",
};

/// Counts the download against the client's limit (429 when used up).
async fn admit(state: &AppState, client: &RateKey) -> AppResult<()> {
    let now = crate::db::now_unix();
    crate::rate::check(&state.db, &EXPORT_LIMIT, client, now).await?;
    crate::rate::record(&state.db, &EXPORT_LIMIT, client, now).await
}

/// The header that carries the log's signed head as the download began
/// (JSON, as `GET /api/v1/log/head` answers): the download holds every
/// change up to that entry (and perhaps some after it).
pub const LOG_HEAD_HEADER: &str = "kolaborasi-log-head";

/// A streamed download of what arrives on `rx`; the response starts at once.
fn download(
    content_type: &'static str,
    filename: &'static str,
    head: &kolaborasi_shared::SignedHead,
    rx: mpsc::Receiver<Bytes>,
) -> Response {
    let stream = futures_util::StreamExt::map(ReceiverStream::new(rx), Ok::<Bytes, Infallible>);
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response();
    // Hex, digits and ASCII keys only: always a valid header value.
    if let Ok(value) = serde_json::to_string(head)
        .map_err(|_| ())
        .and_then(|json| header::HeaderValue::from_str(&json).map_err(|_| ()))
    {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static(LOG_HEAD_HEADER), value);
    }
    response
}

/// Sends `buf` when it is big enough (or `force`); `false` when the client left.
async fn flush(tx: &mpsc::Sender<Bytes>, buf: &mut String, force: bool) -> bool {
    if buf.is_empty() || (!force && buf.len() < CHUNK) {
        return true;
    }
    tx.send(Bytes::from(std::mem::take(buf))).await.is_ok()
}

#[derive(sqlx::FromRow)]
struct CommitmentRow {
    id: i64,
    code: String,
    status: String,
    created_at: i64,
    planned_date: String,
    closed_at: Option<i64>,
    location_id: i64,
    location_name: String,
    category: String,
    kelurahan_code: String,
    kelurahan: String,
    kecamatan: String,
    kota: String,
    collaborator_name: String,
    show_name: bool,
    collaborator_kind: String,
    program: String,
    package: String,
    quantity: i64,
    unit_value: i64,
    demo: bool,
}

const COMMITMENT_COLUMNS: [(&str, &str); 20] = [
    ("code", "#activity+code"),
    ("status", "#status"),
    ("created_date", "#date+committed"),
    ("planned_date", "#date+planned"),
    ("closed_date", "#date+closed"),
    ("location_id", "#loc+id"),
    ("location_name", "#loc+name"),
    ("category", "#loc+type"),
    ("kelurahan_code", "#adm4+code"),
    ("kelurahan", "#adm4+name"),
    ("kecamatan", "#adm3+name"),
    ("kota", "#adm2+name"),
    ("collaborator", "#org+name"),
    ("collaborator_kind", "#org+type"),
    ("program", "#sector"),
    ("package", "#item+name"),
    ("quantity", "#item+num"),
    ("unit_value_idr", "#value+unit+idr"),
    ("value_idr", "#value+total+idr"),
    ("demo", "#meta+demo"),
];

fn commitments_sql(filter: &Filter) -> String {
    format!(
        "SELECT c.id, c.code, c.status, c.created_at, c.planned_date, c.closed_at, \
         l.id AS location_id, l.name AS location_name, l.category, l.kelurahan_code, \
         a4.name AS kelurahan, a3.name AS kecamatan, a2.name AS kota, \
         c.collaborator_name, (c.show_name AND c.confirmed_at IS NOT NULL) AS show_name, \
         c.collaborator_kind, \
         g.slug AS program, p.slug AS package, q.quantity, q.unit_value, c.demo \
         FROM commitments c JOIN locations l ON l.id = c.location_id \
         JOIN areas a4 ON a4.code = l.kelurahan_code JOIN areas a3 ON a3.code = l.kecamatan_code \
         JOIN areas a2 ON a2.code = l.kota_code \
         JOIN commitment_lines q ON q.commitment_id = c.id \
         JOIN packages p ON p.id = q.package_id JOIN programs g ON g.id = p.program_id \
         WHERE TRUE{} ORDER BY c.id, q.package_id",
        filter.sql()
    )
}

const PROGRAM_OF_COMMITMENT: &str = "EXISTS (SELECT 1 FROM commitment_lines q2 \
    JOIN packages p2 ON p2.id = q2.package_id JOIN programs g2 ON g2.id = p2.program_id \
    WHERE q2.commitment_id = c.id AND g2.slug = $N)";

/// Runs `sql` with `args` on a task, handing each row to `row`, which
/// writes into the buffer; `end` writes the closing text.
fn spawn_rows<R, F, E>(
    db: Db,
    sql: String,
    args: Vec<Arg>,
    start: String,
    mut row: F,
    end: E,
) -> mpsc::Receiver<Bytes>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
        + 'static,
    F: FnMut(&mut String, R) + Send + 'static,
    E: FnOnce(&mut String) + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut buf = start;
        let result: Result<(), sqlx::Error> = async {
            on_db!(&db, pool => {
                let mut q = sqlx::query_as::<_, R>(&sql);
                for a in &args {
                    q = match a {
                        Arg::Text(s) => q.bind(s.clone()),
                        Arg::Int(n) => q.bind(*n),
                    };
                }
                let mut rows = q.fetch(pool);
                while let Some(r) = rows.try_next().await? {
                    row(&mut buf, r);
                    if !flush(&tx, &mut buf, false).await {
                        return Ok(());
                    }
                }
            });
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                end(&mut buf);
                let _ = flush(&tx, &mut buf, true).await;
            }
            // The status line is gone; dropping the sender ends the body
            // early, which the client sees as a failed (truncated) download.
            Err(e) => tracing::error!(?e, "export failed mid-stream"),
        }
    });
    rx
}

fn date_of(unix: i64) -> String {
    civil_from_days(unix.div_euclid(86_400))
}

async fn commitments_csv(
    State(state): State<AppState>,
    client: RateKey,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    admit(&state, &client).await?;
    // Read before the rows: the download holds at least this much of the log.
    let signed_head = crate::log::signed_head(&state.db, &state.signer).await?;
    let filter = parse_filter(
        &state,
        raw.as_deref(),
        &["program", "area", "from", "to", "hxl"],
        PROGRAM_OF_COMMITMENT,
    )?;
    let mut head = String::new();
    let names: Vec<&str> = COMMITMENT_COLUMNS.iter().map(|(n, _)| *n).collect();
    csv_line(&mut head, &names);
    if filter.hxl {
        let tags: Vec<&str> = COMMITMENT_COLUMNS.iter().map(|(_, t)| *t).collect();
        csv_line(&mut head, &tags);
    }
    let sql = commitments_sql(&filter);
    let rx = spawn_rows(
        state.db.clone(),
        sql,
        filter.args,
        head,
        |buf, r: CommitmentRow| {
            let collaborator = if r.show_name {
                r.collaborator_name.as_str()
            } else {
                "Anonim"
            };
            csv_line(
                buf,
                &[
                    &r.code,
                    &r.status,
                    &date_of(r.created_at),
                    &r.planned_date,
                    &r.closed_at.map(date_of).unwrap_or_default(),
                    &r.location_id.to_string(),
                    &r.location_name,
                    &r.category,
                    &r.kelurahan_code,
                    &r.kelurahan,
                    &r.kecamatan,
                    &r.kota,
                    collaborator,
                    &r.collaborator_kind,
                    &r.program,
                    &r.package,
                    &r.quantity.to_string(),
                    &r.unit_value.to_string(),
                    &(r.quantity * r.unit_value).to_string(),
                    if r.demo { "1" } else { "0" },
                ],
            );
        },
        |_| {},
    );
    Ok(download(
        "text/csv; charset=utf-8",
        "kolaborasi-commitments.csv",
        &signed_head,
        rx,
    ))
}

#[derive(Serialize)]
struct JsonLine {
    program: String,
    package: String,
    quantity: i64,
    unit_value: i64,
    value: i64,
}

#[derive(Serialize)]
struct JsonPlace {
    id: i64,
    name: String,
    category: String,
    kelurahan_code: String,
    kelurahan: String,
    kecamatan: String,
    kota: String,
}

#[derive(Serialize)]
struct JsonCollaborator {
    /// `null` when the collaborator did not consent ("Anonim").
    name: Option<String>,
    kind: String,
}

#[derive(Serialize)]
struct JsonCommitment {
    #[serde(skip)]
    id: i64,
    code: String,
    status: String,
    created_date: String,
    planned_date: String,
    closed_date: Option<String>,
    location: JsonPlace,
    collaborator: JsonCollaborator,
    lines: Vec<JsonLine>,
    total_value: i64,
    demo: bool,
}

/// Writes the finished commitment, separated from the previous one.
fn emit<T: Serialize>(buf: &mut String, first: &mut bool, value: &T) {
    if !*first {
        buf.push_str(",\n");
    }
    *first = false;
    buf.push_str(&serde_json::to_string(value).unwrap_or_default());
}

async fn commitments_json(
    State(state): State<AppState>,
    client: RateKey,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    admit(&state, &client).await?;
    // Read before the rows: the download holds at least this much of the log.
    let signed_head = crate::log::signed_head(&state.db, &state.signer).await?;
    let filter = parse_filter(
        &state,
        raw.as_deref(),
        &["program", "area", "from", "to"],
        PROGRAM_OF_COMMITMENT,
    )?;
    let sql = commitments_sql(&filter);
    // Rows come ordered by commitment: one object per run of rows.
    let pending = std::sync::Arc::new(std::sync::Mutex::new((None::<JsonCommitment>, true)));
    let at_end = pending.clone();
    let rx = spawn_rows(
        state.db.clone(),
        sql,
        filter.args,
        "[\n".to_owned(),
        move |buf, r: CommitmentRow| {
            let Ok(mut guard) = pending.lock() else {
                return;
            };
            let (current, first) = &mut *guard;
            if current.as_ref().is_some_and(|c| c.id != r.id)
                && let Some(done) = current.take()
            {
                emit(buf, first, &done);
            }
            let line = JsonLine {
                value: r.quantity * r.unit_value,
                program: r.program,
                package: r.package,
                quantity: r.quantity,
                unit_value: r.unit_value,
            };
            match current {
                Some(c) => {
                    c.total_value += line.value;
                    c.lines.push(line);
                }
                None => {
                    *current = Some(JsonCommitment {
                        id: r.id,
                        code: r.code,
                        status: r.status,
                        created_date: date_of(r.created_at),
                        planned_date: r.planned_date,
                        closed_date: r.closed_at.map(date_of),
                        location: JsonPlace {
                            id: r.location_id,
                            name: r.location_name,
                            category: r.category,
                            kelurahan_code: r.kelurahan_code,
                            kelurahan: r.kelurahan,
                            kecamatan: r.kecamatan,
                            kota: r.kota,
                        },
                        collaborator: JsonCollaborator {
                            name: r.show_name.then_some(r.collaborator_name),
                            kind: r.collaborator_kind,
                        },
                        total_value: line.value,
                        lines: vec![line],
                        demo: r.demo,
                    });
                }
            }
        },
        move |buf| {
            if let Ok(mut guard) = at_end.lock() {
                let (current, first) = &mut *guard;
                if let Some(done) = current.take() {
                    emit(buf, first, &done);
                }
            }
            buf.push_str("\n]\n");
        },
    );
    Ok(download(
        "application/json",
        "kolaborasi-commitments.json",
        &signed_head,
        rx,
    ))
}

#[derive(sqlx::FromRow)]
struct LocationRow {
    id: i64,
    name: String,
    category: String,
    kelurahan_code: String,
    kelurahan: String,
    kecamatan: String,
    kota: String,
    lat: f64,
    lon: f64,
    headcount: i32,
    headcount_unit: String,
    verified: bool,
    program: Option<String>,
    package: Option<String>,
    once_per_family: Option<bool>,
    target: Option<i64>,
    committed: Option<i64>,
    delivered: Option<i64>,
}

impl LocationRow {
    /// What is still open, capped by the headcount for once-per-family packages.
    fn remaining(&self) -> Option<i64> {
        let target = self.target?;
        let cap = if self.once_per_family == Some(true) {
            target.min(i64::from(self.headcount))
        } else {
            target
        };
        Some((cap - self.committed.unwrap_or(0) - self.delivered.unwrap_or(0)).max(0))
    }
}

const LOCATION_COLUMNS: [(&str, &str); 19] = [
    ("location_id", "#loc+id"),
    ("name", "#loc+name"),
    ("category", "#loc+type"),
    ("kelurahan_code", "#adm4+code"),
    ("kelurahan", "#adm4+name"),
    ("kecamatan", "#adm3+name"),
    ("kota", "#adm2+name"),
    ("lat", "#geo+lat"),
    ("lon", "#geo+lon"),
    ("headcount", "#population+num"),
    ("headcount_unit", "#population+unit"),
    ("verified", "#status+verified"),
    ("program", "#sector"),
    ("package", "#item+name"),
    ("target", "#item+num+target"),
    ("committed", "#item+num+committed"),
    ("delivered", "#item+num+delivered"),
    ("remaining", "#item+num+remaining"),
    ("once_per_family", "#meta+once"),
];

/// Active locations with their needs (one row per need; a location
/// without needs once, with empty need columns). With `program`, only
/// needs of that program, and only locations that have one.
fn locations_sql(filter: &Filter, program: bool) -> String {
    let join = if program { "JOIN" } else { "LEFT JOIN" };
    format!(
        "SELECT l.id, l.name, l.category, l.kelurahan_code, a4.name AS kelurahan, \
         a3.name AS kecamatan, a2.name AS kota, l.lat, l.lon, l.headcount, l.headcount_unit, \
         l.verified, g.slug AS program, p.slug AS package, p.once_per_family, n.target, \
         n.committed, n.delivered \
         FROM locations l \
         JOIN areas a4 ON a4.code = l.kelurahan_code JOIN areas a3 ON a3.code = l.kecamatan_code \
         JOIN areas a2 ON a2.code = l.kota_code \
         {join} (needs n JOIN packages p ON p.id = n.package_id JOIN programs g ON g.id = p.program_id) \
           ON n.location_id = l.id \
         WHERE l.active = TRUE{} ORDER BY l.id, p.program_id, p.sort_order, p.id",
        filter.sql()
    )
}

fn location_filter(
    state: &AppState,
    raw: Option<&str>,
    allowed: &[&str],
) -> AppResult<(Filter, bool)> {
    let filter = parse_filter(state, raw, allowed, "g.slug = $N")?;
    let program = raw.is_some_and(|r| {
        form_urlencoded::parse(r.as_bytes()).any(|(k, v)| k == "program" && !v.is_empty())
    });
    Ok((filter, program))
}

async fn locations_csv(
    State(state): State<AppState>,
    client: RateKey,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    admit(&state, &client).await?;
    // Read before the rows: the download holds at least this much of the log.
    let signed_head = crate::log::signed_head(&state.db, &state.signer).await?;
    let (filter, program) = location_filter(&state, raw.as_deref(), &["program", "area", "hxl"])?;
    let mut head = String::new();
    let names: Vec<&str> = LOCATION_COLUMNS.iter().map(|(n, _)| *n).collect();
    csv_line(&mut head, &names);
    if filter.hxl {
        let tags: Vec<&str> = LOCATION_COLUMNS.iter().map(|(_, t)| *t).collect();
        csv_line(&mut head, &tags);
    }
    let sql = locations_sql(&filter, program);
    let rx = spawn_rows(
        state.db.clone(),
        sql,
        filter.args,
        head,
        |buf, r: LocationRow| {
            let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            let remaining = r.remaining();
            csv_line(
                buf,
                &[
                    &r.id.to_string(),
                    &r.name,
                    &r.category,
                    &r.kelurahan_code,
                    &r.kelurahan,
                    &r.kecamatan,
                    &r.kota,
                    &format!("{:.6}", r.lat),
                    &format!("{:.6}", r.lon),
                    &r.headcount.to_string(),
                    &r.headcount_unit,
                    if r.verified { "1" } else { "0" },
                    r.program.as_deref().unwrap_or_default(),
                    r.package.as_deref().unwrap_or_default(),
                    &num(r.target),
                    &num(r.committed),
                    &num(r.delivered),
                    &num(remaining),
                    match r.once_per_family {
                        Some(true) => "1",
                        Some(false) => "0",
                        None => "",
                    },
                ],
            );
        },
        |_| {},
    );
    Ok(download(
        "text/csv; charset=utf-8",
        "kolaborasi-locations.csv",
        &signed_head,
        rx,
    ))
}

#[derive(Serialize)]
struct GeoNeed {
    program: String,
    package: String,
    target: i64,
    committed: i64,
    delivered: i64,
    remaining: i64,
}

#[derive(Serialize)]
struct GeoProperties {
    id: i64,
    name: String,
    category: String,
    kelurahan_code: String,
    kelurahan: String,
    kecamatan: String,
    kota: String,
    headcount: i32,
    headcount_unit: String,
    verified: bool,
    needs: Vec<GeoNeed>,
}

#[derive(Serialize)]
struct GeoGeometry {
    r#type: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct GeoFeature {
    r#type: &'static str,
    geometry: GeoGeometry,
    properties: GeoProperties,
}

async fn locations_geojson(
    State(state): State<AppState>,
    client: RateKey,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    admit(&state, &client).await?;
    // Read before the rows: the download holds at least this much of the log.
    let signed_head = crate::log::signed_head(&state.db, &state.signer).await?;
    let (filter, program) = location_filter(&state, raw.as_deref(), &["program", "area"])?;
    let sql = locations_sql(&filter, program);
    let pending = std::sync::Arc::new(std::sync::Mutex::new((None::<GeoFeature>, true)));
    let at_end = pending.clone();
    let rx = spawn_rows(
        state.db.clone(),
        sql,
        filter.args,
        "{\"type\":\"FeatureCollection\",\"features\":[\n".to_owned(),
        move |buf, r: LocationRow| {
            let Ok(mut guard) = pending.lock() else {
                return;
            };
            let (current, first) = &mut *guard;
            if current.as_ref().is_some_and(|f| f.properties.id != r.id)
                && let Some(done) = current.take()
            {
                emit(buf, first, &done);
            }
            let need = r.remaining().map(|remaining| GeoNeed {
                program: r.program.clone().unwrap_or_default(),
                package: r.package.clone().unwrap_or_default(),
                target: r.target.unwrap_or(0),
                committed: r.committed.unwrap_or(0),
                delivered: r.delivered.unwrap_or(0),
                remaining,
            });
            let feature = current.get_or_insert_with(|| GeoFeature {
                r#type: "Feature",
                geometry: GeoGeometry {
                    r#type: "Point",
                    coordinates: [round6(r.lon), round6(r.lat)],
                },
                properties: GeoProperties {
                    id: r.id,
                    name: r.name.clone(),
                    category: r.category.clone(),
                    kelurahan_code: r.kelurahan_code.clone(),
                    kelurahan: r.kelurahan.clone(),
                    kecamatan: r.kecamatan.clone(),
                    kota: r.kota.clone(),
                    headcount: r.headcount,
                    headcount_unit: r.headcount_unit.clone(),
                    verified: r.verified,
                    needs: Vec::new(),
                },
            });
            if let Some(n) = need {
                feature.properties.needs.push(n);
            }
        },
        move |buf| {
            if let Ok(mut guard) = at_end.lock() {
                let (current, first) = &mut *guard;
                if let Some(done) = current.take() {
                    emit(buf, first, &done);
                }
            }
            buf.push_str("\n]}\n");
        },
    );
    Ok(download(
        "application/geo+json",
        "kolaborasi-locations.geojson",
        &signed_head,
        rx,
    ))
}

/// Six decimals (~10 cm) is all a point needs.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        csv_line(
            &mut out,
            &["plain", "a,b", "say \"hi\"", "=1+1", "-6.2", "-x", "@x"],
        );
        assert_eq!(
            out,
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"'=1+1\",-6.2,\"'-x\",\"'@x\"\r\n"
        );
    }
}
