//! Scenarios that need the process to themselves, run one after the other
//! inside single tests:
//!
//! - Time moves; nobody writes: a reservation that expires is no longer
//!   counted from its expiry time on, in the map list, the place and the
//!   live totals — returned by the background sweep, not by the reads. The
//!   clock (`kolaborasi_server::clock::advance_for_tests`) is process-wide.
//! - Public answers come from memory: with the database closed, a repeated
//!   answer and its 304 are still sent. The data version is process-wide
//!   too, and another test's change would make this server rebuild.

#![allow(dead_code)] // support.rs serves the other test binary too

#[path = "api/support.rs"]
mod support;

use kolaborasi_server::catalogue;
use kolaborasi_server::clock;
use kolaborasi_server::locations::store::set_needs;
use kolaborasi_shared::{
    CollaboratorInput, CommitmentReceipt, LineInput, LocationDetail, LocationList, NewCommitment,
    Stats,
};
use reqwest::StatusCode;
use support::{Engine, TestApp, ok_json, send};

const DAY: i64 = 86_400;

fn today() -> String {
    kolaborasi_shared::validate::civil_from_days(kolaborasi_server::db::now_unix().div_euclid(DAY))
}

async fn remaining(app: &TestApp, location: i64) -> (u32, Option<u8>) {
    let detail: LocationDetail =
        ok_json(app.get(&format!("/api/v1/locations/{location}")).await).await;
    let list: LocationList = ok_json(app.get("/api/v1/locations").await).await;
    let summary = list.locations.iter().find(|l| l.id == location).unwrap();
    (detail.needs[0].remaining, summary.remaining_percent)
}

async fn committed_packages(app: &TestApp) -> i64 {
    let stats: Stats = ok_json(app.get("/api/v1/stats").await).await;
    stats.totals.packages_committed
}

async fn expiry_without_writers(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let location = app.id_of("RW 03 Cideng").await;
    let sembako = catalogue::package_id(app.db(), "pangan-sembako")
        .await
        .unwrap()
        .unwrap();
    set_needs(app.db(), &[(location, sembako, 100)])
        .await
        .unwrap();
    app.edited();
    let response = app
        .post(
            "/api/v1/commitments",
            &NewCommitment {
                location_id: location,
                lines: vec![LineInput {
                    package_id: sembako,
                    quantity: 30,
                }],
                planned_date: today(),
                collaborator: CollaboratorInput {
                    name: "Yayasan Waktu".into(),
                    kind: "organisation".into(),
                    email: "waktu@example.id".into(),
                    phone: "0812-0000-1111".into(),
                    show_name: true,
                },
            },
            &[("Idempotency-Key", &format!("clock-{engine:?}-0001"))],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: CommitmentReceipt = response.json().await.unwrap();
    let expires_at = receipt.commitment.expires_at;

    assert_eq!(remaining(&app, location).await, (70, Some(70)));
    assert_eq!(committed_packages(&app).await, 30);

    // One second before its expiry: still reserved.
    clock::advance_for_tests(expires_at - 1 - kolaborasi_server::db::now_unix());
    assert_eq!(remaining(&app, location).await, (70, Some(70)));
    assert_eq!(committed_packages(&app).await, 30);

    // At its expiry: returned, in every answer, with nobody writing.
    clock::advance_for_tests(1);
    assert_eq!(remaining(&app, location).await, (100, Some(100)));
    assert_eq!(committed_packages(&app).await, 0);
    let view: kolaborasi_shared::CommitmentView = ok_json(
        app.get(&format!("/api/v1/commitments/{}", receipt.commitment.code))
            .await,
    )
    .await;
    assert_eq!(view.status, kolaborasi_shared::CommitmentStatus::Expired);
    app.stop().await;
}

/// Public answers are served from memory: once built, they (and their
/// 304s) are sent with the database gone.
async fn answers_without_the_database(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let place = app.id_of("RW 05 Pisangan Baru").await;
    let paths = [
        "/api/v1/locations".to_owned(),
        "/api/v1/locations?category=rw_prioritas".to_owned(),
        format!("/api/v1/locations/{place}"),
        "/api/v1/programs".to_owned(),
        "/api/v1/stats/breakdowns".to_owned(),
        "/api/v1/collaborators".to_owned(),
        "/api/v1/log/head".to_owned(),
        "/api/v1/log?limit=5000".to_owned(),
    ];
    let mut bodies = Vec::new();
    for path in &paths {
        let response = app.get(path).await;
        let tag = support::header_text(&response, reqwest::header::ETAG);
        bodies.push((tag, response.bytes().await.unwrap()));
    }
    app.db().close().await;
    for (path, (tag, body)) in paths.iter().zip(&bodies) {
        let again = app.get(path).await;
        let status = again.status();
        let bytes = again.bytes().await.unwrap();
        assert_eq!(
            status,
            StatusCode::OK,
            "{path} without the database: {bytes:?}"
        );
        assert_eq!(&bytes, body, "{path}");
        assert_eq!(
            send(
                app.request(path)
                    .header(reqwest::header::IF_NONE_MATCH, tag)
            )
            .await
            .status(),
            StatusCode::NOT_MODIFIED,
            "{path} without the database"
        );
    }
}

/// One test: the scenarios must not overlap (see the module comment).
#[tokio::test]
async fn alone_in_the_process() {
    answers_without_the_database(Engine::Sqlite).await;
    answers_without_the_database(Engine::Postgres).await;
    expiry_without_writers(Engine::Sqlite).await;
    expiry_without_writers(Engine::Postgres).await;
}
