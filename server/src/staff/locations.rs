//! Staff editing of locations: create, edit (needs included), verify,
//! deactivate — never delete. Public facts of a change are logged
//! (`location_updated`), so the log's "reached" follows headcount edits.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use kolaborasi_shared::log::{PlaceFacts, kind};
use kolaborasi_shared::{AreaLevel, Category, LocationInput, StaffLocation, validate};

use super::actions::Empty;
use super::{Act, Place, Staff, audit_in};
use crate::body::JsonBody;
use crate::db::now_unix;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::log::{self, Event, append_in};
use crate::state::AppState;
use crate::{locations, on_db};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/locations", post(create))
        .route("/staff/locations/{id}", get(show).put(update))
        .route("/staff/locations/{id}/verify", post(verify))
        .route("/staff/locations/{id}/deactivate", post(deactivate))
}

const TEXT_MAX: usize = 2000;
const HEADCOUNT_MAX: i64 = 1_000_000;
const TARGET_MAX: i64 = 10_000_000;

/// A location input, checked: every problem named by its field.
struct Checked {
    name: String,
    category: Category,
    kota: String,
    kecamatan: String,
    kelurahan: String,
    lat: f64,
    lon: f64,
    headcount: i64,
    address: String,
    description: String,
    contact_name: String,
    contact_phone: String,
    needs: Vec<(i64, i64)>,
}

fn check(state: &AppState, input: &LocationInput, packages: &[i64]) -> AppResult<Checked> {
    let mut issues = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        issues.push(FieldIssue::new("name", "error.location.name"));
    } else if validate::has_hidden(name) {
        issues.push(FieldIssue::new("name", "error.field.hidden_characters"));
    }
    let category = Category::parse(&input.category);
    if category.is_none() {
        issues.push(FieldIssue::new("category", "error.query.invalid_category"));
    }
    let kelurahan = input.kelurahan.trim();
    let is_kelurahan = state.areas.find(kelurahan).is_some()
        && AreaLevel::of_code(kelurahan) == Some(AreaLevel::Kelurahan);
    if !is_kelurahan {
        issues.push(FieldIssue::new("kelurahan", "error.location.kelurahan"));
    }
    if !(-90.0..=90.0).contains(&input.lat) || !input.lat.is_finite() {
        issues.push(FieldIssue::new("lat", "error.location.lat"));
    }
    if !(-180.0..=180.0).contains(&input.lon) || !input.lon.is_finite() {
        issues.push(FieldIssue::new("lon", "error.location.lon"));
    }
    if !(0..=HEADCOUNT_MAX).contains(&input.headcount) {
        issues.push(
            FieldIssue::new("headcount", "error.location.headcount").with("max", HEADCOUNT_MAX),
        );
    }
    for (field, value) in [
        ("address", &input.address),
        ("description", &input.description),
    ] {
        if value.chars().count() > TEXT_MAX {
            issues.push(FieldIssue::new(field, "error.location.text_long").with("max", TEXT_MAX));
        } else if validate::has_hidden(value) {
            issues.push(FieldIssue::new(field, "error.field.hidden_characters"));
        }
    }
    let contact_name = input.contact_name.trim();
    if contact_name.chars().count() > validate::NAME_MAX || validate::has_hidden(contact_name) {
        issues.push(FieldIssue::new("contact_name", "error.field.name_invalid"));
    }
    let contact_phone = if input.contact_phone.trim().is_empty() {
        String::new()
    } else {
        validate::phone(&input.contact_phone)
            .map_err(|key| issues.push(FieldIssue::new("contact_phone", key)))
            .unwrap_or_default()
    };
    let mut needs = Vec::new();
    for (i, need) in input.needs.iter().enumerate() {
        if !packages.contains(&need.package_id) {
            issues.push(FieldIssue::new(
                format!("needs.{i}.package_id"),
                "error.commitment.package_unknown",
            ));
        } else if needs.iter().any(|(p, _)| *p == need.package_id) {
            issues.push(FieldIssue::new(
                format!("needs.{i}.package_id"),
                "error.delivery.package_repeated",
            ));
        } else if !(0..=TARGET_MAX).contains(&need.target) {
            issues.push(
                FieldIssue::new(format!("needs.{i}.target"), "error.location.target")
                    .with("max", TARGET_MAX),
            );
        } else {
            needs.push((need.package_id, need.target));
        }
    }
    let (Some(category), true) = (category, issues.is_empty()) else {
        return Err(AppError::Fields(issues));
    };
    let kecamatan = kelurahan.rsplit_once('.').map_or("", |(p, _)| p);
    let kota = kecamatan.rsplit_once('.').map_or("", |(p, _)| p);
    Ok(Checked {
        name: name.to_owned(),
        category,
        kota: kota.to_owned(),
        kecamatan: kecamatan.to_owned(),
        kelurahan: kelurahan.to_owned(),
        lat: input.lat,
        lon: input.lon,
        headcount: input.headcount,
        address: input.address.trim().to_owned(),
        description: input.description.trim().to_owned(),
        contact_name: contact_name.to_owned(),
        contact_phone,
        needs,
    })
}

fn facts(id: i64, c: &Checked) -> PlaceFacts {
    PlaceFacts {
        id,
        name: c.name.clone(),
        category: c.category.as_str().to_owned(),
        kelurahan: c.kelurahan.clone(),
        kota: c.kota.clone(),
        headcount: c.headcount,
        unit: c.category.headcount_unit().as_str().to_owned(),
    }
}

fn not_found() -> AppError {
    AppError::NotFound {
        key: "error.location_not_found",
    }
}

/// The location's place codes, for the scope check; 404 when unknown.
async fn place_of(state: &AppState, id: i64) -> AppResult<(String, String)> {
    let row: Option<(String, String)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT kota_code, kecamatan_code FROM locations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?);
    row.ok_or_else(not_found)
}

async fn authorised(state: &AppState, staff: &Staff, act: Act, id: i64) -> AppResult<()> {
    staff.require(act, None)?;
    let (kota, kecamatan) = place_of(state, id).await?;
    staff.require(
        act,
        Some(&Place {
            kota: &kota,
            kecamatan: &kecamatan,
        }),
    )
}

async fn staff_location(state: &AppState, id: i64) -> AppResult<StaffLocation> {
    let row = locations::store::get(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    let needs = locations::store::needs(&state.db, id, row.headcount()?).await?;
    let (contact_name, contact_phone): (String, String) = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT contact_name, contact_phone FROM locations WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?);
    Ok(StaffLocation {
        location: row.into_detail(&state.areas, needs)?,
        contact_name,
        contact_phone,
    })
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    id: Result<Path<String>, PathRejection>,
) -> AppResult<Json<StaffLocation>> {
    let id = crate::query::path_id(id, "error.path.invalid_id")?;
    authorised(&state, &staff, Act::Verify, id).await?;
    Ok(Json(staff_location(&state, id).await?))
}

async fn active_packages(state: &AppState) -> AppResult<Vec<i64>> {
    Ok(
        on_db!(&state.db, pool => sqlx::query_scalar("SELECT id FROM packages WHERE active = TRUE")
        .fetch_all(pool)
        .await?),
    )
}

// One transaction (the place, its targets, the suggestion it answers, audit
// and log), written once for both engines.
#[allow(clippy::too_many_lines)]
async fn create(
    State(state): State<AppState>,
    staff: Staff,
    JsonBody(input): JsonBody<LocationInput>,
) -> AppResult<Response> {
    staff.require(Act::Edit, None)?;
    let c = check(&state, &input, &active_packages(&state).await?)?;
    // A resident's suggestion this new place answers, resolved with it.
    let answers = if input.report.trim().is_empty() {
        None
    } else {
        Some(
            crate::reports::for_suggestion(&state, &staff, &input.report, &input.report_answer)
                .await?,
        )
    };
    staff.require(
        Act::Edit,
        Some(&Place {
            kota: &c.kota,
            kecamatan: &c.kecamatan,
        }),
    )?;
    let now = now_unix();
    let notify = state.db.engine() == "postgres";
    let id = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO locations (name, category, kota_code, kecamatan_code, kelurahan_code, lat, lon, \
             headcount, headcount_unit, address, description, contact_name, contact_phone, verified, demo, \
             created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, FALSE, FALSE, $14, $15) RETURNING id",
        )
        .bind(&c.name)
        .bind(c.category.as_str())
        .bind(&c.kota)
        .bind(&c.kecamatan)
        .bind(&c.kelurahan)
        .bind(c.lat)
        .bind(c.lon)
        .bind(i32::try_from(c.headcount).unwrap_or(i32::MAX))
        .bind(c.category.headcount_unit().as_str())
        .bind(&c.address)
        .bind(&c.description)
        .bind(&c.contact_name)
        .bind(&c.contact_phone)
        .bind(now)
        .bind(staff.id())
        .fetch_one(&mut *tx)
        .await?;
        for (package, target) in c.needs.iter().filter(|(_, t)| *t > 0) {
            sqlx::query("INSERT INTO needs (location_id, package_id, target) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(*package)
                .bind(*target)
                .execute(&mut *tx)
                .await?;
        }
        audit_in!(tx, staff.id(), "location_created", format!("location:{id}"), "");
        let event = Event {
            at: now,
            kind: kind::LOCATION_UPDATED,
            subject: format!("location:{id}"),
            facts: serde_json::to_value(facts(id, &c)).unwrap_or_default(),
        };
        let mut events = vec![event];
        // Answered by someone else meanwhile: no second place.
        crate::reports::resolve_by_place_in!(tx, staff.id(), &answers, id, now, events);
        append_in!(tx, notify, &events);
        tx.commit().await?;
        id
    });
    log::announce();
    if answers.is_some() {
        crate::mail::wake();
    }
    Ok((StatusCode::CREATED, Json(staff_location(&state, id).await?)).into_response())
}

// One transaction (the place, its targets, the report it answers, audit and
// log), written once for both engines; issue 15's single write path is
// where it gets shorter.
#[allow(clippy::too_many_lines)]
async fn update(
    State(state): State<AppState>,
    staff: Staff,
    id: Result<Path<String>, PathRejection>,
    JsonBody(input): JsonBody<LocationInput>,
) -> AppResult<Json<StaffLocation>> {
    let id = crate::query::path_id(id, "error.path.invalid_id")?;
    authorised(&state, &staff, Act::Edit, id).await?;
    let c = check(&state, &input, &active_packages(&state).await?)?;
    // Moving a place out of one's scope is not allowed either.
    staff.require(
        Act::Edit,
        Some(&Place {
            kota: &c.kota,
            kecamatan: &c.kecamatan,
        }),
    )?;
    // A "wrong information" report this edit answers, resolved with it.
    let answers = if input.report.trim().is_empty() {
        None
    } else {
        Some(crate::reports::for_edit(&state, &input.report, &input.report_answer, id).await?)
    };
    let now = now_unix();
    let notify = state.db.engine() == "postgres";
    let refused: Vec<(usize, i64)> = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "UPDATE locations SET name = $2, category = $3, kota_code = $4, kecamatan_code = $5, \
             kelurahan_code = $6, lat = $7, lon = $8, headcount = $9, headcount_unit = $10, address = $11, \
             description = $12, contact_name = $13, contact_phone = $14 WHERE id = $1",
        )
        .bind(id)
        .bind(&c.name)
        .bind(c.category.as_str())
        .bind(&c.kota)
        .bind(&c.kecamatan)
        .bind(&c.kelurahan)
        .bind(c.lat)
        .bind(c.lon)
        .bind(i32::try_from(c.headcount).unwrap_or(i32::MAX))
        .bind(c.category.headcount_unit().as_str())
        .bind(&c.address)
        .bind(&c.description)
        .bind(&c.contact_name)
        .bind(&c.contact_phone)
        .execute(&mut *tx)
        .await?;
        // A target below what is already taken is refused, line by line.
        let mut refused = Vec::new();
        for (i, (package, target)) in c.needs.iter().enumerate() {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT committed + delivered FROM needs WHERE location_id = $1 AND package_id = $2",
            )
            .bind(id)
            .bind(*package)
            .fetch_optional(&mut *tx)
            .await?;
            match taken {
                Some(taken) if *target < taken.max(1) => refused.push((i, taken)),
                Some(_) => {
                    sqlx::query("UPDATE needs SET target = $3 WHERE location_id = $1 AND package_id = $2")
                        .bind(id)
                        .bind(*package)
                        .bind(*target)
                        .execute(&mut *tx)
                        .await?;
                }
                None if *target > 0 => {
                    sqlx::query("INSERT INTO needs (location_id, package_id, target) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(*package)
                        .bind(*target)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {}
            }
        }
        if refused.is_empty() {
            audit_in!(tx, staff.id(), "location_updated", format!("location:{id}"), "");
            let event = Event {
                at: now,
                kind: kind::LOCATION_UPDATED,
                subject: format!("location:{id}"),
                facts: serde_json::to_value(facts(id, &c)).unwrap_or_default(),
            };
            let mut events = vec![event];
            // Answered by someone else meanwhile: the edit waits too.
            crate::reports::resolve_by_place_in!(tx, staff.id(), &answers, id, now, events);
            append_in!(tx, notify, &events);
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        refused
    });
    if !refused.is_empty() {
        return Err(AppError::Fields(
            refused
                .into_iter()
                .map(|(i, taken)| {
                    FieldIssue::new(format!("needs.{i}.target"), "error.location.target_below")
                        .with("taken", taken)
                })
                .collect(),
        ));
    }
    log::announce();
    if answers.is_some() {
        crate::mail::wake();
    }
    Ok(Json(staff_location(&state, id).await?))
}

/// One switch of a location: who may flip it, how, what the audit calls
/// it, and the answer when it was already flipped.
struct Switch {
    act: Act,
    sql: &'static str,
    action: &'static str,
    already: &'static str,
}

const VERIFY: Switch = Switch {
    act: Act::Verify,
    sql: "UPDATE locations SET verified = TRUE WHERE id = $1 AND verified = FALSE",
    action: "location_verified",
    already: "error.staff.already_verified",
};

const DEACTIVATE: Switch = Switch {
    act: Act::Edit,
    sql: "UPDATE locations SET active = FALSE WHERE id = $1 AND active = TRUE",
    action: "location_deactivated",
    already: "error.location.already_inactive",
};

async fn switch(
    state: &AppState,
    staff: &Staff,
    id: Result<Path<String>, PathRejection>,
    change: &Switch,
) -> AppResult<Json<StaffLocation>> {
    let id = crate::query::path_id(id, "error.path.invalid_id")?;
    authorised(state, staff, change.act, id).await?;
    let changed = on_db!(&state.db, pool => {
        let mut tx = pool.begin().await?;
        let changed = sqlx::query(change.sql).bind(id).execute(&mut *tx).await?.rows_affected() == 1;
        if changed {
            audit_in!(tx, staff.id(), change.action, format!("location:{id}"), "");
        }
        tx.commit().await?;
        changed
    });
    if !changed {
        return Err(AppError::Conflict {
            key: change.already,
            args: Vec::new(),
        });
    }
    // Public (the map list, the place's badge) but not in the public log.
    log::changed_without_entry(&state.db).await?;
    Ok(Json(staff_location(state, id).await?))
}

async fn verify(
    State(state): State<AppState>,
    staff: Staff,
    id: Result<Path<String>, PathRejection>,
    JsonBody(Empty {}): JsonBody<Empty>,
) -> AppResult<Json<StaffLocation>> {
    switch(&state, &staff, id, &VERIFY).await
}

async fn deactivate(
    State(state): State<AppState>,
    staff: Staff,
    id: Result<Path<String>, PathRejection>,
    JsonBody(Empty {}): JsonBody<Empty>,
) -> AppResult<Json<StaffLocation>> {
    switch(&state, &staff, id, &DEACTIVATE).await
}
