//! Staff: sign-in, CSRF, lock-out, sign-out everywhere, and the
//! authorization table — every staff route × {anonymous, collaborator,
//! verifier, operator in scope, operator out of scope, admin}.

use kolaborasi_server::on_db;
use kolaborasi_shared::{
    CSRF_HEADER, LocationInput, NeedInput, ProgramList, QueueCounts, QueuePage, Role,
    StaffLocation, StaffMember, StaffSession,
};
use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::commitments::{order, scene};
use crate::deliveries::{PDF, jpeg_with_gps, report_of, upload};
use crate::support::{CONTACT_NAME, Engine, TestApp, error_envelope, header_text, ok_json, send};

pub const ADMIN_EMAIL: &str = "admin@dinsos.example.id";
pub const PASSWORD: &str = "kata-sandi-yang-panjang";

/// A signed-in staff member: the session cookie and the CSRF token.
#[derive(Clone)]
pub struct Staffer {
    pub cookie: String,
    pub csrf: String,
    pub member: StaffMember,
}

impl Staffer {
    pub async fn request(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut r = app
            .client
            .request(method, app.url(path))
            .header(header::COOKIE, &self.cookie)
            .header(CSRF_HEADER, &self.csrf);
        if let Some(body) = body {
            r = r.json(body);
        }
        send(r).await
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> Response {
        self.request(app, Method::GET, path, None).await
    }

    pub async fn post(&self, app: &TestApp, path: &str, body: &impl serde::Serialize) -> Response {
        let body = serde_json::to_value(body).unwrap();
        self.request(app, Method::POST, path, Some(&body)).await
    }
}

pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Response {
    app.post(
        "/api/v1/staff/session",
        &json!({ "email": email, "password": password }),
        &[],
    )
    .await
}

pub async fn signed_in(app: &TestApp, email: &str) -> Staffer {
    let response = sign_in(app, email, PASSWORD).await;
    let cookie = header_text(&response, header::SET_COOKIE);
    let session: StaffSession = ok_json(response).await;
    Staffer {
        cookie: cookie.split(';').next().unwrap().to_owned(),
        csrf: session.csrf_token,
        member: session.staff,
    }
}

/// The first admin, made as `kolaborasi-server create-admin` makes it, signed in.
pub async fn admin(app: &TestApp) -> Staffer {
    let exists: i64 = on_db!(app.db(), pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff WHERE email = $1").bind(ADMIN_EMAIL).fetch_one(pool).await.unwrap());
    if exists == 0 {
        kolaborasi_server::staff::create_admin(app.db(), ADMIN_EMAIL, "Admin Dinsos", PASSWORD)
            .await
            .unwrap();
    }
    signed_in(app, ADMIN_EMAIL).await
}

/// Creates a staff member through the API, as an admin does.
pub async fn create_staff(
    app: &TestApp,
    admin: &Staffer,
    email: &str,
    role: Role,
    scope: Option<&str>,
) -> Staffer {
    let response = admin
        .post(
            app,
            "/api/v1/staff/members",
            &json!({ "email": email, "name": format!("Petugas {}", role.as_str()), "role": role.as_str(), "scope": scope, "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    signed_in(app, email).await
}

pub async fn sign_in_sets_a_strict_cookie_checks_csrf_and_locks_out(engine: Engine) {
    let app = TestApp::start(engine).await;
    // The first admin comes from the server command: a bad password is refused.
    let short =
        kolaborasi_server::staff::create_admin(app.db(), ADMIN_EMAIL, "Admin", "pendek").await;
    assert!(short.is_err());
    let admin = admin(&app).await;
    assert_eq!(admin.member.role, Role::Admin);

    let response = sign_in(&app, ADMIN_EMAIL, PASSWORD).await;
    let cookie = header_text(&response, header::SET_COOKIE);
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let second = {
        let session: StaffSession = ok_json(response).await;
        Staffer {
            cookie: cookie.split(';').next().unwrap().to_owned(),
            csrf: session.csrf_token,
            member: session.staff,
        }
    };
    assert_ne!(second.csrf, admin.csrf, "a CSRF token per session");

    // A state-changing request without the CSRF header, or with another
    // session's token, changes nothing.
    let body = json!({ "slug": "ksbb-csrf", "name_id": "Uji", "name_en": "Test" });
    for csrf in ["", second.csrf.as_str()] {
        let response = send(
            app.client
                .post(app.url("/api/v1/staff/programs"))
                .header(header::COOKIE, &admin.cookie)
                .header(CSRF_HEADER, csrf)
                .json(&body),
        )
        .await;
        let error = error_envelope(response, StatusCode::FORBIDDEN).await;
        assert!(error.message.contains("token"), "{}", error.message);
    }
    let programs: ProgramList = ok_json(app.get("/api/v1/programs").await).await;
    assert!(programs.programs.iter().all(|p| p.slug != "ksbb-csrf"));
    assert_eq!(
        admin
            .post(&app, "/api/v1/staff/programs", &body)
            .await
            .status(),
        StatusCode::CREATED
    );

    // A collaborator's session is no staff session.
    let registered = app
        .register(&json!({ "name": "Budi", "kind": "individual", "email": "budi@example.id", "phone": "081234567890", "password": PASSWORD }))
        .await;
    let collaborator = header_text(&registered, header::SET_COOKIE);
    let response = send(
        app.client
            .get(app.url("/api/v1/staff/queues"))
            .header(header::COOKIE, collaborator.split(';').next().unwrap()),
    )
    .await;
    error_envelope(response, StatusCode::UNAUTHORIZED).await;

    // Five wrong passwords lock the address out, even for the right one.
    for _ in 0..5 {
        error_envelope(
            sign_in(&app, ADMIN_EMAIL, "salah-salah-salah").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let locked = sign_in(&app, ADMIN_EMAIL, PASSWORD).await;
    assert!(!header_text(&locked, header::RETRY_AFTER).is_empty());
    error_envelope(locked, StatusCode::TOO_MANY_REQUESTS).await;
    // The attack of finding 1: a collaborator account whose address is the
    // old staff key signs in and so cleared the staff count. Counts are
    // kept apart now, whatever an address looks like.
    let decoy = format!("staff:{ADMIN_EMAIL}");
    let registered = app
        .register(&json!({ "name": "Decoy", "kind": "individual", "email": decoy, "phone": "081234567891", "password": PASSWORD }))
        .await;
    assert_eq!(registered.status(), StatusCode::OK);
    let signed = app
        .post(
            "/api/v1/session",
            &json!({ "email": decoy, "password": PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(signed.status(), StatusCode::OK);
    error_envelope(
        sign_in(&app, ADMIN_EMAIL, "salah-salah-salah").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    on_db!(app.db(), pool => sqlx::query("DELETE FROM rate_events").execute(pool).await.map(drop).unwrap());

    // Signing out everywhere ends both sessions.
    let r = admin
        .request(&app, Method::POST, "/api/v1/staff/session/everywhere", None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    error_envelope(
        second.get(&app, "/api/v1/staff/session").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    error_envelope(
        admin.get(&app, "/api/v1/staff/session").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // A deactivated member can no longer sign in, and their sessions end.
    let admin = signed_in(&app, ADMIN_EMAIL).await;
    let verifier = create_staff(
        &app,
        &admin,
        "verif@dinsos.example.id",
        Role::Verifier,
        None,
    )
    .await;
    let r = admin
        .post(
            &app,
            &format!("/api/v1/staff/members/{}", verifier.member.id),
            &json!({ "role": "verifier", "active": false }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    error_envelope(
        verifier.get(&app, "/api/v1/staff/queues").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    error_envelope(
        sign_in(&app, "verif@dinsos.example.id", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // An admin cannot demote themselves; an operator needs an area.
    let r = admin
        .post(
            &app,
            &format!("/api/v1/staff/members/{}", admin.member.id),
            &json!({ "role": "verifier", "active": true }),
        )
        .await;
    error_envelope(r, StatusCode::CONFLICT).await;
    let r = admin
        .post(
            &app,
            "/api/v1/staff/members",
            &json!({ "email": "op@x.id", "name": "Op", "role": "operator", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        error_envelope(r, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("scope")
    );
    let r = admin
        .post(&app, "/api/v1/staff/members", &json!({ "email": "op@x.id", "name": "Op", "role": "operator", "scope": "31.71.01.1002", "password": PASSWORD }))
        .await;
    assert_eq!(
        error_envelope(r, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("scope")
    );
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Collaborator,
    Verifier,
    OperatorIn,
    OperatorOut,
    Admin,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::Collaborator,
    Who::Verifier,
    Who::OperatorIn,
    Who::OperatorOut,
    Who::Admin,
];

/// What the table expects: not signed in as staff, refused, or let through
/// (any answer but 401/403/404/5xx: the action itself may then find a
/// conflict or a bad field, which is not an authorization matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Unauthenticated,
    Forbidden,
    Allowed,
}

use Expect::{Allowed as A, Forbidden as F, Unauthenticated as U};

/// One row: method, path (`{in}`/`{out}` choose the subject inside or
/// outside the operator's area), the body, and the six expectations.
struct Row {
    method: Method,
    path: &'static str,
    body: fn(&Ids, bool, usize) -> Option<Value>,
    expect: [Expect; 6],
}

/// The subjects the table acts on.
struct Ids {
    code_in: String,
    code_out: String,
    report_in: String,
    report_out: String,
    location_in: i64,
    location_out: i64,
    account: i64,
    spare_staff: i64,
    program: i64,
}

fn no_body(_: &Ids, _: bool, _: usize) -> Option<Value> {
    None
}

#[allow(clippy::unnecessary_wraps)] // one signature for every row's body
fn empty(_: &Ids, _: bool, _: usize) -> Option<Value> {
    Some(json!({}))
}

fn location_body(inside: bool) -> Value {
    let (kelurahan, lat, lon) = if inside {
        ("31.71.01.1002", -6.169, 106.814)
    } else {
        ("31.74.01.1001", -6.231, 106.857)
    };
    serde_json::to_value(LocationInput {
        name: "Panti Asuhan Uji".into(),
        category: "panti_asuhan".into(),
        kelurahan: kelurahan.into(),
        lat,
        lon,
        headcount: 30,
        address: "Jl. Uji 1".into(),
        description: String::new(),
        contact_name: CONTACT_NAME.into(),
        contact_phone: "081234567890".into(),
        needs: Vec::<NeedInput>::new(),
        ..LocationInput::default()
    })
    .unwrap()
}

#[rustfmt::skip]
fn table() -> Vec<Row> {
    vec![
        Row { method: Method::GET, path: "/api/v1/staff/session", body: no_body, expect: [U, U, A, A, A, A] },
        Row { method: Method::GET, path: "/api/v1/staff/queues", body: no_body, expect: [U, U, A, A, A, A] },
        Row { method: Method::GET, path: "/api/v1/staff/queues/commitments", body: no_body, expect: [U, U, A, A, A, A] },
        Row { method: Method::GET, path: "/api/v1/staff/queues/collaborators", body: no_body, expect: [U, U, A, F, F, A] },
        Row { method: Method::GET, path: "/api/v1/staff/commitments/{code}", body: no_body, expect: [U, U, A, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/commitments/{code}/verify", body: empty, expect: [U, U, A, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/commitments/{code}/confirm-contact", body: empty, expect: [U, U, A, A, F, A] },
        // The delivery endpoints are shared with the collaborator's token; staff may report in their area.
        Row { method: Method::POST, path: "/api/v1/commitments/{code}/evidence", body: no_body, expect: [F, F, F, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/commitments/{code}/delivery", body: |_, _, _| Some(json!({ "delivered_on": "2026-01-01", "lines": [], "photos": [], "documents": [] })), expect: [F, F, F, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/commitments/{code}/delivery/verify", body: empty, expect: [U, U, A, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/commitments/{code}/slip", body: empty, expect: [U, U, F, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/corrections", body: |ids, inside, _| Some(json!({ "code": if inside { &ids.code_in } else { &ids.code_out }, "reason": "Tanggal rencana salah ketik." })), expect: [U, U, F, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/accounts/{account}/verify", body: empty, expect: [U, U, A, F, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/locations", body: |_, inside, _| Some(location_body(inside)), expect: [U, U, F, A, F, A] },
        Row { method: Method::GET, path: "/api/v1/staff/locations/{location}", body: no_body, expect: [U, U, A, A, F, A] },
        Row { method: Method::PUT, path: "/api/v1/staff/locations/{location}", body: |_, inside, _| Some(location_body(inside)), expect: [U, U, F, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/locations/{location}/verify", body: empty, expect: [U, U, A, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/programs", body: |_, _, n| Some(json!({ "slug": format!("ksbb-uji-{n}"), "name_id": "Uji", "name_en": "Test" })), expect: [U, U, F, F, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/packages", body: |ids, _, n| Some(json!({ "program_id": ids.program, "slug": format!("paket-uji-{n}"), "name_id": "Paket", "name_en": "Parcel", "unit_id": "paket", "unit_en": "parcel", "unit_value": 100_000, "once_per_family": false })), expect: [U, U, F, F, F, A] },
        Row { method: Method::GET, path: "/api/v1/staff/members", body: no_body, expect: [U, U, F, F, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/members", body: |_, _, n| Some(json!({ "email": format!("baru{n}@dinsos.example.id"), "name": "Baru", "role": "verifier", "password": PASSWORD })), expect: [U, U, F, F, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/members/{spare}", body: |_, _, _| Some(json!({ "role": "verifier", "active": true })), expect: [U, U, F, F, F, A] },
        Row { method: Method::GET, path: "/api/v1/staff/audit", body: no_body, expect: [U, U, F, F, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/locations/{location}/deactivate", body: empty, expect: [U, U, F, A, F, A] },
        Row { method: Method::GET, path: "/api/v1/staff/queues/reports", body: no_body, expect: [U, U, A, A, A, A] },
        Row { method: Method::GET, path: "/api/v1/staff/reports/{report}", body: no_body, expect: [U, U, A, A, F, A] },
        Row { method: Method::GET, path: "/api/v1/staff/reports/{report}/photo", body: no_body, expect: [U, U, A, A, F, A] },
        Row { method: Method::POST, path: "/api/v1/staff/reports/{report}", body: |_, _, _| Some(json!({ "status": "checking" })), expect: [U, U, F, A, F, A] },
        // Last: these end sessions (everyone signs in again before each).
        Row { method: Method::POST, path: "/api/v1/staff/session/everywhere", body: no_body, expect: [U, U, A, A, A, A] },
        Row { method: Method::DELETE, path: "/api/v1/staff/session", body: no_body, expect: [U, U, A, A, A, A] },
    ]
}

pub async fn every_staff_route_checks_role_and_area_for_everyone(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let admin_session = admin(app).await;
    // RW 03 Cideng (the scene's place) is in Jakarta Pusat (31.71); the
    // operator's area. Panti Jompo Tebet Barat is in Jakarta Selatan.
    let outside = app.id_of("Panti Jompo Tebet Barat").await;
    kolaborasi_server::locations::store::set_needs(app.db(), &[(outside, s.sembako, 50)])
        .await
        .unwrap();
    let inside_receipt = s
        .commit_ok("authz-0001-key", &order(s.location, &[(s.sembako, 5)]))
        .await;
    let outside_receipt = s
        .commit_ok("authz-0002-key", &order(outside, &[(s.sembako, 5)]))
        .await;
    let registered = app
        .register(&json!({ "name": "Budi", "kind": "individual", "email": "budi@example.id", "phone": "081234567890", "password": PASSWORD }))
        .await;
    let collaborator_cookie = header_text(&registered, header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let account: kolaborasi_shared::Account = registered.json().await.unwrap();
    create_staff(
        app,
        &admin_session,
        "verifier@dinsos.example.id",
        Role::Verifier,
        None,
    )
    .await;
    create_staff(
        app,
        &admin_session,
        "operator@dinsos.example.id",
        Role::Operator,
        Some("31.71"),
    )
    .await;
    let spare = create_staff(
        app,
        &admin_session,
        "cadangan@dinsos.example.id",
        Role::Verifier,
        None,
    )
    .await;
    let programs: ProgramList = ok_json(app.get("/api/v1/programs").await).await;
    let report = |location: i64| async move {
        let r = app
            .post(
                "/api/v1/reports",
                &json!({ "location_id": location, "kind": "other", "description": "Papan nama tempat ini hilang.",
                         "photo": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, jpeg_with_gps()) }),
                &[],
            )
            .await;
        crate::support::json_with::<kolaborasi_shared::ReportView>(r, StatusCode::CREATED)
            .await
            .code
    };
    let ids = Ids {
        code_in: inside_receipt.commitment.code.clone(),
        code_out: outside_receipt.commitment.code.clone(),
        report_in: report(s.location).await,
        report_out: report(outside).await,
        location_in: s.location,
        location_out: outside,
        account: account.id,
        spare_staff: spare.member.id,
        program: programs.programs[0].id,
    };
    let sessions = || async {
        [
            signed_in(app, "verifier@dinsos.example.id").await,
            signed_in(app, "operator@dinsos.example.id").await,
            signed_in(app, ADMIN_EMAIL).await,
        ]
    };
    let mut staff = sessions().await;
    let rows = table();
    let mut n = 0;
    let mut failures = Vec::new();
    for row in &rows {
        let ends_sessions = row.path.contains("/session") && row.method != Method::GET;
        for (column, who) in EVERYONE.iter().enumerate() {
            n += 1;
            if ends_sessions {
                staff = sessions().await;
            }
            let inside = *who != Who::OperatorOut;
            let path = row
                .path
                .replace("{code}", if inside { &ids.code_in } else { &ids.code_out })
                .replace(
                    "{location}",
                    &(if inside {
                        ids.location_in
                    } else {
                        ids.location_out
                    })
                    .to_string(),
                )
                .replace(
                    "{report}",
                    if inside {
                        &ids.report_in
                    } else {
                        &ids.report_out
                    },
                )
                .replace("{account}", &ids.account.to_string())
                .replace("{spare}", &ids.spare_staff.to_string());
            let body = (row.body)(&ids, inside, n);
            let mut request = app.client.request(row.method.clone(), app.url(&path));
            let staffer = match who {
                Who::Verifier => Some(&staff[0]),
                Who::OperatorIn | Who::OperatorOut => Some(&staff[1]),
                Who::Admin => Some(&staff[2]),
                _ => None,
            };
            if let Some(st) = staffer {
                request = request
                    .header(header::COOKIE, &st.cookie)
                    .header(CSRF_HEADER, &st.csrf);
            }
            if *who == Who::Collaborator {
                request = request.header(header::COOKIE, &collaborator_cookie);
            }
            request = if path.ends_with("/evidence") {
                request
                    .header(header::CONTENT_TYPE, "image/jpeg")
                    .body(jpeg_with_gps())
            } else if let Some(body) = &body {
                request.json(body)
            } else {
                request
            };
            let status = send(request).await.status();
            let got = match status {
                StatusCode::UNAUTHORIZED => Expect::Unauthenticated,
                StatusCode::FORBIDDEN => Expect::Forbidden,
                s if s == StatusCode::NOT_FOUND || s.is_server_error() => {
                    failures.push(format!("{} {path} as {who:?}: {status}", row.method));
                    continue;
                }
                _ => Expect::Allowed,
            };
            if got != row.expect[column] {
                failures.push(format!(
                    "{} {path} as {who:?}: expected {:?}, got {status}",
                    row.method, row.expect[column]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The table covers every staff operation the OpenAPI document lists,
    // and the document marks each with the staff session.
    let doc: Value = ok_json(app.get("/api/v1/openapi.json").await).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"].to_string();
            if !security.contains("staffSession") {
                assert!(
                    !path.contains("/staff/")
                        || path.ends_with("/staff/session") && method == "post",
                    "{method} {path} is not marked as staff-only"
                );
                continue;
            }
            if method != "get" {
                assert!(
                    security.contains("staffCsrf"),
                    "{method} {path} does not require CSRF"
                );
            }
            let documented = path.trim_start_matches("/api/v1");
            let covered = rows.iter().any(|r| {
                r.method.as_str().eq_ignore_ascii_case(method)
                    && r.path
                        .trim_start_matches("/api/v1")
                        .replace("{location}", "{id}")
                        .replace("{account}", "{id}")
                        .replace("{spare}", "{id}")
                        .replace("{report}", "{code}")
                        == documented.replace("{queue}", "commitments")
            });
            assert!(
                covered,
                "{method} {path} has no row in the authorization table"
            );
        }
    }
}

pub async fn queues_locations_catalogue_and_corrections_work_within_scope(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let admin = admin(app).await;
    let operator = create_staff(
        app,
        &admin,
        "operator@dinsos.example.id",
        Role::Operator,
        Some("31.71"),
    )
    .await;
    let outside = app.id_of("Panti Jompo Tebet Barat").await;
    kolaborasi_server::locations::store::set_needs(app.db(), &[(outside, s.sembako, 50)])
        .await
        .unwrap();
    let inside = s
        .commit_ok("queue-0001-key", &order(s.location, &[(s.sembako, 5)]))
        .await;
    s.commit_ok("queue-0002-key", &order(outside, &[(s.sembako, 5)]))
        .await;

    // Queues: the admin sees both commitments, the operator only theirs.
    let count = |c: &QueueCounts, q: kolaborasi_shared::Queue| {
        c.counts.iter().find(|x| x.queue == q).map(|x| x.count)
    };
    let all: QueueCounts = ok_json(admin.get(app, "/api/v1/staff/queues").await).await;
    let mine: QueueCounts = ok_json(operator.get(app, "/api/v1/staff/queues").await).await;
    assert_eq!(count(&all, kolaborasi_shared::Queue::Commitments), Some(2));
    assert_eq!(count(&mine, kolaborasi_shared::Queue::Commitments), Some(1));
    assert_eq!(count(&mine, kolaborasi_shared::Queue::Collaborators), None);
    // Unverified fixtures: the two with odd headcounts, both in the operator's
    // area; Tebet Barat (outside) is marked unverified too.
    on_db!(app.db(), pool => sqlx::query("UPDATE locations SET verified = FALSE WHERE id = $1")
        .bind(outside).execute(pool).await.map(drop).unwrap());
    app.edited();
    let all: QueueCounts = ok_json(admin.get(app, "/api/v1/staff/queues").await).await;
    assert_eq!(count(&all, kolaborasi_shared::Queue::Locations), Some(3));
    assert_eq!(count(&mine, kolaborasi_shared::Queue::Locations), Some(2));
    let page: QueuePage = ok_json(
        admin
            .get(
                app,
                "/api/v1/staff/queues/commitments?area=31.74&per_page=1",
            )
            .await,
    )
    .await;
    assert_eq!(page.total, 1);
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.items[0]
            .area
            .as_deref()
            .map(|a| a.starts_with("31.74")),
        Some(true)
    );
    error_envelope(
        admin.get(app, "/api/v1/staff/queues/nope").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_envelope(
        admin
            .get(app, "/api/v1/staff/queues/commitments?per_page=500")
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_envelope(
        admin
            .get(app, "/api/v1/staff/queues/commitments?area=99")
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Overdue: nothing yet; a commitment made 8 days ago is.
    let overdue: QueuePage = ok_json(operator.get(app, "/api/v1/staff/queues/overdue").await).await;
    assert_eq!(overdue.total, 0);
    on_db!(app.db(), pool => sqlx::query("UPDATE commitments SET created_at = created_at - 8 * 86400 WHERE code = $1")
        .bind(&inside.commitment.code).execute(pool).await.map(drop).unwrap());
    app.edited();
    let overdue: QueuePage = ok_json(operator.get(app, "/api/v1/staff/queues/overdue").await).await;
    assert_eq!(
        overdue
            .items
            .iter()
            .map(|i| i.code.clone().unwrap())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&inside.commitment.code)
    );

    // The operator creates a place in their area, with needs; it is logged
    // without its contact, and its private contact is for staff only.
    let mut body = location_body(true);
    body["needs"] = json!([{ "package_id": s.sembako, "target": 40 }]);
    let created = operator.post(app, "/api/v1/staff/locations", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: StaffLocation = created.json().await.unwrap();
    assert_eq!(created.contact_name, CONTACT_NAME);
    assert!(!created.location.verified);
    assert_eq!(
        created
            .location
            .needs
            .iter()
            .map(|n| n.target)
            .collect::<Vec<_>>(),
        [40]
    );
    let public = app
        .get(&format!("/api/v1/locations/{}", created.location.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains("Panti Asuhan Uji") && !public.contains(CONTACT_NAME));
    let log = app
        .get("/api/v1/log?limit=5000")
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("location_updated") && !log.contains(CONTACT_NAME));
    // Outside the area: refused, nothing written.
    error_envelope(
        operator
            .post(app, "/api/v1/staff/locations", &location_body(false))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Bad fields are each named.
    let mut bad = location_body(true);
    bad["kelurahan"] = json!("31.71");
    bad["lat"] = json!(95.0);
    bad["headcount"] = json!(-1);
    let error = error_envelope(
        operator.post(app, "/api/v1/staff/locations", &bad).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["kelurahan", "lat", "headcount"]);

    // Editing: a target below what is committed is refused; the headcount
    // change is logged, so the log still derives the live totals.
    let mut edit = location_body(true);
    edit["name"] = json!("RW 03 Cideng");
    edit["category"] = json!("rw_prioritas");
    edit["headcount"] = json!(150);
    edit["needs"] = json!([{ "package_id": s.sembako, "target": 3 }]);
    let error = error_envelope(
        operator
            .request(
                app,
                Method::PUT,
                &format!("/api/v1/staff/locations/{}", s.location),
                Some(&edit),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error.field.as_deref(), Some("needs.0.target"));
    edit["needs"] = json!([{ "package_id": s.sembako, "target": 90 }]);
    let saved: StaffLocation = ok_json(
        operator
            .request(
                app,
                Method::PUT,
                &format!("/api/v1/staff/locations/{}", s.location),
                Some(&edit),
            )
            .await,
    )
    .await;
    assert_eq!(saved.location.headcount, 150);
    assert_eq!(
        saved
            .location
            .needs
            .iter()
            .find(|n| n.package_id == s.sembako)
            .unwrap()
            .target,
        90
    );

    // Catalogue: a new program and package appear in the public catalogue.
    let program = admin
        .post(app, "/api/v1/staff/programs", &json!({ "slug": "ksbb-air", "name_id": "KSBB Air Bersih", "name_en": "KSBB Clean Water" }))
        .await;
    assert_eq!(program.status(), StatusCode::CREATED);
    let program: kolaborasi_shared::Program = program.json().await.unwrap();
    let package = admin
        .post(app, "/api/v1/staff/packages", &json!({ "program_id": program.id, "slug": "air-galon", "name_id": "Air galon", "name_en": "Water jug", "unit_id": "galon", "unit_en": "jug", "unit_value": 20_000, "once_per_family": true }))
        .await;
    assert_eq!(package.status(), StatusCode::CREATED);
    let catalogue: ProgramList = ok_json(app.get("/api/v1/programs").await).await;
    let found = catalogue
        .programs
        .iter()
        .find(|p| p.slug == "ksbb-air")
        .expect("the new program");
    assert_eq!(
        found
            .packages
            .iter()
            .map(|p| (p.slug.as_str(), p.unit_value, p.once_per_family))
            .collect::<Vec<_>>(),
        [("air-galon", 20_000, true)]
    );
    let taken = admin
        .post(
            app,
            "/api/v1/staff/programs",
            &json!({ "slug": "ksbb-air", "name_id": "X", "name_en": "X" }),
        )
        .await;
    assert_eq!(
        error_envelope(taken, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("slug")
    );

    // A correction is a new public record; the original stays as it was.
    let before: kolaborasi_shared::CommitmentView = ok_json(
        app.get(&format!("/api/v1/commitments/{}", inside.commitment.code))
            .await,
    )
    .await;
    let corrected: kolaborasi_shared::CommitmentView = ok_json(
        operator
            .post(app, "/api/v1/staff/corrections", &json!({ "code": inside.commitment.code, "reason": "Tanggal rencana seharusnya 1 Desember." }))
            .await,
    )
    .await;
    assert_eq!(corrected.corrections.len(), 1);
    assert_eq!(
        corrected.corrections[0].reason,
        "Tanggal rencana seharusnya 1 Desember."
    );
    assert_eq!(corrected.planned_date, before.planned_date);
    assert_eq!(
        corrected.history.last().map(|h| h.kind.as_str()),
        Some("correction")
    );
    let short = operator
        .post(
            app,
            "/api/v1/staff/corrections",
            &json!({ "code": inside.commitment.code, "reason": "x" }),
        )
        .await;
    assert_eq!(
        error_envelope(short, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("reason")
    );

    // The log still verifies and derives the live totals (headcount 150 included).
    let report = kolaborasi_server::log::verify(app.db()).await.unwrap();
    assert!(report.mismatch.is_none());
    assert_eq!(report.from_log, report.counters);

    // The audit trail attributes each action to the operator or the admin.
    let audit: kolaborasi_shared::AuditPage =
        ok_json(admin.get(app, "/api/v1/staff/audit").await).await;
    let by_operator: Vec<&str> = audit
        .entries
        .iter()
        .filter(|e| e.staff_id == operator.member.id)
        .map(|e| e.action.as_str())
        .collect();
    for action in ["location_created", "location_updated", "correction"] {
        assert!(by_operator.contains(&action), "{by_operator:?}");
    }
    let _ = (PDF, report_of, upload);
}
