//! The console's work queues, limited to an operator's scope: one indexed
//! count per queue, and one query per page.

use std::fmt::Write as _;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use kolaborasi_shared::{
    MAX_QUEUE_PAGE, Queue, QueueCount, QueueCounts, QueueItem, QueuePage, ReceiptStatus, Role,
};

use super::Staff;
use crate::db::now_unix;
use crate::error::{AppError, AppResult};
use crate::on_db;
use crate::query;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/queues", get(counts))
        .route("/staff/queues/{queue}", get(page))
}

/// A bound value of a dynamically built query.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Text(String),
}

/// `FROM … WHERE …` of a queue, with its arguments, its ordering and
/// the columns of an item.
struct Plan {
    from_where: String,
    args: Vec<Arg>,
    order: &'static str,
    columns: String,
}

/// Collaborators are verified by admins and verifiers; operators work on
/// places, so that queue is not theirs.
fn allowed(staff: &Staff, queue: Queue) -> bool {
    !(queue == Queue::Collaborators && staff.member.role == Role::Operator)
}

const COMMITMENT_COLUMNS: &str = "c.id, c.code, l.name AS title, \
    c.collaborator_name AS detail, l.kelurahan_code AS area, c.total_value AS value";

fn plan(staff: &Staff, queue: Queue, area: Option<&str>, overdue_days: u32) -> Plan {
    let mut args = Vec::new();
    let mut place = String::new();
    for code in staff.scope().into_iter().chain(area) {
        args.push(Arg::Text(code.to_owned()));
        let n = args.len();
        let _ = write!(
            place,
            " AND (l.kota_code = ${n} OR l.kecamatan_code = ${n} OR l.kelurahan_code = ${n})"
        );
    }
    match queue {
        Queue::Commitments => Plan {
            from_where: format!(
                "FROM commitments c JOIN locations l ON l.id = c.location_id \
                 WHERE c.status = 'committed' AND c.verified_at IS NULL{place}"
            ),
            args,
            order: "c.created_at, c.id",
            columns: format!(
                "{COMMITMENT_COLUMNS}, {}",
                "c.created_at AS since, NULL AS receipt"
            ),
        },
        Queue::Overdue => {
            args.push(Arg::Int(now_unix() - i64::from(overdue_days) * 86_400));
            let n = args.len();
            Plan {
                from_where: format!(
                    "FROM commitments c JOIN locations l ON l.id = c.location_id \
                     WHERE c.status = 'committed' AND c.created_at <= ${n}{place}"
                ),
                args,
                order: "c.created_at, c.id",
                columns: format!(
                    "{COMMITMENT_COLUMNS}, {}",
                    "c.created_at AS since, NULL AS receipt"
                ),
            }
        }
        Queue::Deliveries => Plan {
            from_where: format!(
                "FROM deliveries d JOIN commitments c ON c.id = d.commitment_id \
                 JOIN locations l ON l.id = c.location_id WHERE d.verified_at IS NULL{place}"
            ),
            args,
            // Disputes first: two sides disagree.
            order: "CASE WHEN d.receipt = 'disputed' THEN 0 ELSE 1 END, d.reported_at, c.id",
            columns: format!(
                "{COMMITMENT_COLUMNS}, {}",
                "d.reported_at AS since, d.receipt AS receipt"
            ),
        },
        // `l` is the place or, for a suggestion, the name and area suggested.
        Queue::Reports => Plan {
            from_where: format!(
                "FROM reports r JOIN (SELECT o.id AS report_id, COALESCE(p.name, o.suggested_name) AS name, \
                   COALESCE(p.kota_code, o.kota_code) AS kota_code, \
                   COALESCE(p.kecamatan_code, o.kecamatan_code) AS kecamatan_code, \
                   COALESCE(p.kelurahan_code, o.kelurahan_code) AS kelurahan_code \
                   FROM reports o LEFT JOIN locations p ON p.id = o.location_id \
                   WHERE o.status IN ('received', 'checking') AND o.group_id IS NULL) l ON l.report_id = r.id \
                 WHERE r.status IN ('received', 'checking') AND r.group_id IS NULL{place}"
            ),
            args,
            // Unread first, then the oldest.
            order: "CASE WHEN r.status = 'received' THEN 0 ELSE 1 END, r.created_at, r.id",
            columns: "r.id, r.code, l.name AS title, r.kind AS detail, l.kelurahan_code AS area, \
                NULL AS value, r.created_at AS since, NULL AS receipt"
                .to_owned(),
        },
        Queue::Locations => Plan {
            from_where: format!(
                "FROM locations l WHERE l.verified = FALSE AND l.active = TRUE{place}"
            ),
            args,
            order: "l.created_at, l.id",
            columns: "l.id, NULL AS code, l.name AS title, l.address AS detail, \
                l.kelurahan_code AS area, NULL AS value, l.created_at AS since, NULL AS receipt"
                .to_owned(),
        },
        Queue::Collaborators => Plan {
            from_where: "FROM accounts a WHERE a.verified_at IS NULL".to_owned(),
            args: Vec::new(),
            order: "a.created_at, a.id",
            columns: "a.id, NULL AS code, a.name AS title, a.email || ' · ' || a.kind AS detail, \
                NULL AS area, NULL AS value, a.created_at AS since, NULL AS receipt"
                .to_owned(),
        },
    }
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

async fn count(state: &AppState, plan: &Plan) -> AppResult<i64> {
    let sql = format!("SELECT COUNT(*) {}", plan.from_where);
    Ok(
        on_db!(&state.db, pool => bind_all!(sqlx::query_scalar(&sql), &plan.args)
        .fetch_one(pool)
        .await?),
    )
}

async fn counts(State(state): State<AppState>, staff: Staff) -> AppResult<Json<QueueCounts>> {
    let mut counts = Vec::new();
    for queue in Queue::ALL.into_iter().filter(|q| allowed(&staff, *q)) {
        let plan = plan(&staff, queue, None, state.overdue_days);
        counts.push(QueueCount {
            queue,
            count: count(&state, &plan).await?,
        });
    }
    Ok(Json(QueueCounts { counts }))
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    code: Option<String>,
    title: String,
    detail: Option<String>,
    area: Option<String>,
    value: Option<i64>,
    since: i64,
    receipt: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    queue: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<QueuePage>> {
    let params = query::params(raw.as_deref(), &["area", "page", "per_page"])?;
    let queue = queue
        .ok()
        .and_then(|Path(q)| Queue::parse(&q))
        .ok_or_else(|| AppError::invalid("queue", "error.staff.queue_unknown"))?;
    if !allowed(&staff, queue) {
        return Err(AppError::Forbidden {
            key: "error.staff.role",
        });
    }
    let area = params
        .get("area")
        .map(|a| a.trim())
        .filter(|a| !a.is_empty());
    if let Some(code) = area
        && state.areas.find(code).is_none()
    {
        return Err(AppError::invalid("area", "error.query.unknown_area"));
    }
    let page_no = query::number(&params, "page", 1..=100_000, 1, "error.query.page_invalid")?;
    let per_page = query::number(
        &params,
        "per_page",
        1..=MAX_QUEUE_PAGE,
        20,
        "error.staff.per_page_invalid",
    )?;
    let plan = plan(&staff, queue, area, state.overdue_days);
    let total = count(&state, &plan).await?;
    let sql = format!(
        "SELECT {} {} ORDER BY {} LIMIT {} OFFSET {}",
        plan.columns,
        plan.from_where,
        plan.order,
        per_page,
        u64::from(page_no - 1) * u64::from(per_page)
    );
    let rows: Vec<ItemRow> = on_db!(&state.db, pool => bind_all!(sqlx::query_as(&sql), &plan.args)
        .fetch_all(pool)
        .await?);
    Ok(Json(QueuePage {
        queue,
        total,
        page: page_no,
        per_page,
        items: rows
            .into_iter()
            .map(|r| QueueItem {
                id: r.id,
                code: r.code,
                title: r.title,
                detail: r.detail.unwrap_or_default(),
                area: r.area,
                value: r.value,
                since: r.since,
                receipt: r.receipt.as_deref().and_then(ReceiptStatus::parse),
            })
            .collect(),
    }))
}
