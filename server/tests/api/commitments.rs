//! Commitments: reserving packages at a location, atomically, once per
//! idempotency key, with expiry and cancellation returning quantities.

use std::time::Duration;

use kolaborasi_server::commitments::store::audit_needs;
use kolaborasi_server::locations::store::set_needs;
use kolaborasi_server::{catalogue, on_db};
use kolaborasi_shared::{
    CancelRequest, CollaboratorInput, CommitmentPrivate, CommitmentReceipt, CommitmentStatus,
    CommitmentView, ErrorCode, LineInput, LocationDetail, Need, NeedLevel, NewCommitment,
    ProgramList,
};
use reqwest::{StatusCode, header};

use crate::support::{
    CONTACT_NAME, CONTACT_PHONE, Engine, TestApp, TestDb, error_envelope, fixtures, ok_json, send,
};

/// A server with the fixtures, where "RW 03 Cideng" (120 families) needs
/// 100 Sembako packages and 120 Lebaran packages (once per family).
pub struct Scene {
    pub app: TestApp,
    pub location: i64,
    pub sembako: i64,
    pub lebaran: i64,
    pub siap_saji: i64,
}

pub async fn scene(app: TestApp) -> Scene {
    app.insert(&fixtures()).await;
    let location = app.id_of("RW 03 Cideng").await;
    let id = |slug: &'static str| {
        let db = app.db().clone();
        async move { catalogue::package_id(&db, slug).await.unwrap().expect(slug) }
    };
    let (sembako, lebaran, siap_saji) = (
        id("pangan-sembako").await,
        id("pangan-lebaran").await,
        id("pangan-siap-saji").await,
    );
    set_needs(
        app.db(),
        &[(location, sembako, 100), (location, lebaran, 120)],
    )
    .await
    .unwrap();
    app.edited();
    Scene {
        app,
        location,
        sembako,
        lebaran,
        siap_saji,
    }
}

pub use crate::support::today;

pub const DONOR_EMAIL: &str = "csr@majujaya.example.id";
pub const DONOR_PHONE: &str = "0812-3456-7890";

pub fn order(location: i64, lines: &[(i64, i64)]) -> NewCommitment {
    NewCommitment {
        location_id: location,
        lines: lines
            .iter()
            .map(|&(package_id, quantity)| LineInput {
                package_id,
                quantity,
            })
            .collect(),
        planned_date: today(),
        collaborator: CollaboratorInput {
            name: "PT Maju Jaya Abadi".into(),
            kind: "company".into(),
            email: DONOR_EMAIL.into(),
            phone: DONOR_PHONE.into(),
            show_name: true,
        },
    }
}

impl Scene {
    pub async fn commit(&self, key: &str, body: &NewCommitment) -> reqwest::Response {
        self.app
            .post("/api/v1/commitments", body, &[("Idempotency-Key", key)])
            .await
    }

    pub async fn commit_ok(&self, key: &str, body: &NewCommitment) -> CommitmentReceipt {
        let response = self.commit(key, body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Confirms a commitment's contact as its e-mailed link does.
    pub async fn confirm(&self, code: &str) {
        let token = self.app.running.state.secret.confirm_token(code);
        let response = self
            .app
            .post(
                &format!("/api/v1/commitments/{code}/confirm"),
                &serde_json::json!({ "token": token }),
                &[],
            )
            .await;
        let status = response.status();
        assert_eq!(status, StatusCode::OK, "{}", response.text().await.unwrap());
    }

    /// A guest's commitment whose contact then confirmed it (its name may
    /// then be public).
    pub async fn commit_confirmed(&self, key: &str, body: &NewCommitment) -> CommitmentReceipt {
        let receipt = self.commit_ok(key, body).await;
        self.confirm(&receipt.commitment.code).await;
        receipt
    }

    /// A registered collaborator, activated by the link e-mailed to its
    /// address (which confirms the address): the session cookie.
    pub async fn confirmed_account(&self, email: &str, name: &str, kind: &str) -> String {
        let response = self
            .app
            .register(&serde_json::json!({ "email": email, "password": "kata-sandi-panjang-1", "name": name, "kind": kind, "phone": DONOR_PHONE }))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_owned()
    }

    /// A commitment made while signed in with `cookie`.
    pub async fn commit_ok_as(
        &self,
        cookie: &str,
        key: &str,
        body: &NewCommitment,
    ) -> CommitmentReceipt {
        let response = send(
            self.app
                .client
                .post(self.app.url("/api/v1/commitments"))
                .header("Idempotency-Key", key)
                .header(header::COOKIE, cookie)
                .json(body),
        )
        .await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn need(&self, package: i64) -> Need {
        let detail: LocationDetail = ok_json(
            self.app
                .get(&format!("/api/v1/locations/{}", self.location))
                .await,
        )
        .await;
        *detail
            .needs
            .iter()
            .find(|n| n.package_id == package)
            .unwrap_or_else(|| panic!("no need for package {package}"))
    }

    pub async fn commitment_count(&self) -> i64 {
        on_db!(self.app.db(), pool => sqlx::query_scalar("SELECT COUNT(*) FROM commitments")
            .fetch_one(pool).await.unwrap())
    }

    pub async fn assert_books_balance(&self) {
        assert_eq!(
            audit_needs(self.app.db()).await.unwrap(),
            Vec::<(i64, i64)>::new(),
            "needs whose counters disagree with their commitment lines"
        );
    }
}

pub async fn the_catalogue_lists_the_ksbb_programs_and_packages_with_reference_values(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let list: ProgramList = ok_json(app.get("/api/v1/programs").await).await;
    let slugs: Vec<(&str, Vec<&str>)> = list
        .programs
        .iter()
        .map(|p| {
            (
                p.slug.as_str(),
                p.packages.iter().map(|k| k.slug.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        slugs,
        [
            (
                "ksbb-pangan",
                vec![
                    "pangan-siap-saji",
                    "pangan-sembako",
                    "pangan-lebaran",
                    "pangan-thr"
                ]
            ),
            (
                "ksbb-umkm",
                vec![
                    "umkm-sarana-prasarana",
                    "umkm-pinjaman-modal",
                    "umkm-pelatihan"
                ]
            ),
        ]
    );
    let package = |slug: &str| {
        list.programs
            .iter()
            .flat_map(|p| &p.packages)
            .find(|k| k.slug == slug)
            .unwrap()
    };
    assert_eq!(
        (
            package("pangan-siap-saji").unit_value,
            package("pangan-siap-saji").once_per_family
        ),
        (45_000, false)
    );
    assert_eq!(
        (
            package("pangan-sembako").unit_value,
            package("pangan-sembako").unit.id.as_str()
        ),
        (200_000, "keluarga/minggu")
    );
    assert_eq!(
        (
            package("pangan-lebaran").unit_value,
            package("pangan-lebaran").once_per_family
        ),
        (85_000, true)
    );
    assert_eq!(
        (
            package("pangan-thr").unit_value,
            package("pangan-thr").once_per_family
        ),
        (200_000, true)
    );
    // A package added to the tables appears without a code change.
    on_db!(app.db(), pool => sqlx::query(
        "INSERT INTO packages (program_id, slug, name_id, name_en, unit_id, unit_en, unit_value) \
         SELECT id, 'pangan-air-bersih', 'Paket Air Bersih', 'Clean Water Package', 'keluarga', 'family', 60000 \
         FROM programs WHERE slug = 'ksbb-pangan'").execute(pool).await.map(drop).unwrap());
    app.edited();
    let list: ProgramList = ok_json(app.get("/api/v1/programs").await).await;
    assert!(
        list.programs[0]
            .packages
            .iter()
            .any(|k| k.name.en == "Clean Water Package")
    );
    app.stop().await;
}

pub async fn a_location_lists_its_needs_and_the_map_list_summarises_what_remains(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    assert_eq!(
        s.need(s.sembako).await,
        Need {
            package_id: s.sembako,
            target: 100,
            committed: 0,
            delivered: 0,
            remaining: 100
        }
    );
    let summary = |list: kolaborasi_shared::LocationList, id: i64| {
        list.locations
            .into_iter()
            .find(|l| l.id == id)
            .unwrap()
            .remaining_percent
    };
    assert_eq!(summary(s.app.list("").await, s.location), Some(100));
    let other = s.app.id_of("RW 05 Pisangan Baru").await;
    assert_eq!(
        summary(s.app.list("").await, other),
        None,
        "a place without needs has no summary"
    );
    // Sembako 100 × 200,000 + Lebaran 120 × 85,000 = 30,200,000; commit all Sembako.
    s.commit_ok("summary-0001", &order(s.location, &[(s.sembako, 100)]))
        .await;
    let pct = summary(s.app.list("").await, s.location).unwrap();
    assert_eq!(pct, 34, "10,200,000 of 30,200,000 open, rounded up");
    s.app.stop().await;
}

pub async fn a_commitment_reserves_quantities_and_its_public_view_has_no_contact_data(
    engine: Engine,
) {
    let s = scene(TestApp::start(engine).await).await;
    let mut body = order(s.location, &[(s.sembako, 30), (s.lebaran, 20)]);
    body.collaborator.show_name = false;
    let receipt = s.commit_ok("reserve-0001", &body).await;
    let c = &receipt.commitment;
    assert_eq!(
        kolaborasi_shared::validate::tracking_code(&c.code).as_deref(),
        Some(c.code.as_str())
    );
    assert_eq!(c.status, CommitmentStatus::Committed);
    assert_eq!(c.total_value, 30 * 200_000 + 20 * 85_000);
    assert_eq!(c.collaborator_name, None, "no consent, no name");
    assert_eq!(s.need(s.sembako).await.remaining, 70);
    assert_eq!(s.need(s.lebaran).await.remaining, 100);

    let public = s
        .app
        .get(&format!(
            "/api/v1/commitments/{}",
            c.code.to_lowercase().replace('-', "")
        ))
        .await;
    let text = public.text().await.unwrap();
    let mut view: CommitmentView = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&str> = view.history.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["commitment_made"],
        "the report shows its log history"
    );
    view.history.clear();
    assert_eq!(&view, c, "the code is found however it is typed");
    for private in [
        "majujaya",
        "34567890",
        "Maju Jaya",
        CONTACT_NAME,
        CONTACT_PHONE,
        &receipt.manage_token,
    ] {
        assert!(
            !text.contains(private),
            "public view leaks {private}: {text}"
        );
    }
    let private_path = format!("/api/v1/commitments/{}/private", c.code);
    let denied = send(
        s.app
            .request(&private_path)
            .header("Kolaborasi-Manage-Token", "0".repeat(32)),
    )
    .await;
    assert_eq!(
        error_envelope(denied, StatusCode::FORBIDDEN).await.code,
        ErrorCode::Forbidden
    );
    let mine: CommitmentPrivate = ok_json(
        send(
            s.app
                .request(&private_path)
                .header("Kolaborasi-Manage-Token", &receipt.manage_token),
        )
        .await,
    )
    .await;
    assert_eq!(
        (mine.contact_email.as_str(), mine.contact_phone.as_str()),
        (DONOR_EMAIL, "+6281234567890")
    );
    s.assert_books_balance().await;
    s.app.stop().await;
}

pub async fn a_retried_commitment_returns_the_original_and_reserves_once(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let body = order(s.location, &[(s.sembako, 10)]);
    let first = s.commit_ok("retry-key-0001", &body).await;
    let again = s.commit("retry-key-0001", &body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let again: CommitmentReceipt = again.json().await.unwrap();
    assert_eq!(again, first, "same code, same token");
    assert_eq!(s.need(s.sembako).await.remaining, 90, "reserved once");

    let mut other = body.clone();
    other.lines[0].quantity = 11;
    let refused = s.commit("retry-key-0001", &other).await;
    assert_eq!(
        error_envelope(refused, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .code,
        ErrorCode::IdempotencyKeyReused
    );
    assert_eq!(
        (
            s.commitment_count().await,
            s.need(s.sembako).await.remaining
        ),
        (1, 90)
    );

    // Concurrent duplicates (a double tap) also make one commitment.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, body) = (
                s.app.client.clone(),
                s.app.url("/api/v1/commitments"),
                order(s.location, &[(s.sembako, 5)]),
            );
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .header("Idempotency-Key", "double-tap-0001")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                (
                    status,
                    r.json::<CommitmentReceipt>().await.unwrap().commitment.code,
                )
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        let (status, code) = t.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{status}"
        );
        codes.push(code);
    }
    codes.dedup();
    assert_eq!(codes.len(), 1, "one commitment for one key");
    assert_eq!(
        (
            s.commitment_count().await,
            s.need(s.sembako).await.remaining
        ),
        (2, 85)
    );
    s.assert_books_balance().await;
    s.app.stop().await;
}

pub async fn fifty_clients_racing_for_the_last_ten_units_commit_exactly_ten(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    s.commit_ok("race-setup-0001", &order(s.location, &[(s.sembako, 90)]))
        .await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (client, url) = (s.app.client.clone(), s.app.url("/api/v1/commitments"));
            let body = order(s.location, &[(s.sembako, 1)]);
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .header("Idempotency-Key", format!("racer-{i:04}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                (status, r.text().await.unwrap())
            })
        })
        .collect();
    let (mut won, mut lost) = (0, 0);
    for t in tasks {
        let (status, text) = t.await.unwrap();
        match status {
            StatusCode::CREATED => won += 1,
            StatusCode::CONFLICT => {
                assert!(
                    text.contains("\"insufficient_need\"") && text.contains("\"remaining\":0"),
                    "{text}"
                );
                lost += 1;
            }
            other => panic!("unexpected {other}: {text}"),
        }
    }
    assert_eq!((won, lost), (10, 40));
    let need = s.need(s.sembako).await;
    assert_eq!((need.committed, need.remaining), (100, 0));
    assert_eq!(s.commitment_count().await, 11);
    s.assert_books_balance().await;
    s.app.stop().await;
}

pub async fn asking_for_more_than_remains_is_409_with_what_remains_and_writes_nothing(
    engine: Engine,
) {
    let s = scene(TestApp::start(engine).await).await;
    s.commit_ok("over-setup-0001", &order(s.location, &[(s.sembako, 96)]))
        .await;
    // Two lines, the second too large: the first must not be reserved either.
    let refused = s
        .commit(
            "over-ask-0001",
            &order(s.location, &[(s.lebaran, 10), (s.sembako, 5)]),
        )
        .await;
    let error = error_envelope(refused, StatusCode::CONFLICT).await;
    assert_eq!(error.code, ErrorCode::InsufficientNeed);
    let mut remaining: Vec<(i64, u32)> = error
        .remaining
        .iter()
        .map(|r| (r.package_id, r.remaining))
        .collect();
    remaining.sort_unstable();
    let mut expected = vec![(s.sembako, 4), (s.lebaran, 120)];
    expected.sort_unstable();
    assert_eq!(remaining, expected);
    assert_eq!(
        (
            s.need(s.lebaran).await.remaining,
            s.commitment_count().await
        ),
        (120, 1)
    );
    s.app.stop().await;
}

pub async fn once_per_family_packages_never_exceed_the_headcount(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    // The facilitator raised the Lebaran target above the 120 families.
    set_needs(s.app.db(), &[(s.location, s.lebaran, 150)])
        .await
        .unwrap();
    s.app.edited();
    assert_eq!(
        s.need(s.lebaran).await.remaining,
        120,
        "capped by the headcount"
    );
    s.commit_ok("family-0001", &order(s.location, &[(s.lebaran, 100)]))
        .await;
    // The map's summary follows the same cap: 20 Lebaran (not 50) and all
    // 100 Sembako open, of 32,750,000 in all.
    let summary = s
        .app
        .list("")
        .await
        .locations
        .into_iter()
        .find(|l| l.id == s.location)
        .unwrap();
    assert_eq!(summary.remaining_percent, Some(67));
    let refused = s
        .commit("family-0002", &order(s.location, &[(s.lebaran, 21)]))
        .await;
    let error = error_envelope(refused, StatusCode::CONFLICT).await;
    assert_eq!(error.remaining[0].remaining, 20);
    // Delivered packages count too: a family never gets a second one.
    on_db!(s.app.db(), pool => {
        sqlx::query("UPDATE commitments SET status = 'delivered'").execute(pool).await.unwrap();
        sqlx::query("UPDATE needs SET delivered = committed, committed = 0").execute(pool).await.unwrap();
    });
    s.app.edited();
    s.commit_ok("family-0003", &order(s.location, &[(s.lebaran, 20)]))
        .await;
    let refused = s
        .commit("family-0004", &order(s.location, &[(s.lebaran, 1)]))
        .await;
    assert_eq!(
        error_envelope(refused, StatusCode::CONFLICT)
            .await
            .remaining[0]
            .remaining,
        0
    );
    // A package without the flag is bounded by its target only.
    set_needs(s.app.db(), &[(s.location, s.siap_saji, 500)])
        .await
        .unwrap();
    s.commit_ok("family-0005", &order(s.location, &[(s.siap_saji, 500)]))
        .await;
    s.assert_books_balance().await;
    s.app.stop().await;
}

pub async fn every_bad_commitment_gets_its_own_error_and_writes_nothing(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let inactive = s.app.id_of("Panti Jompo Tebet Barat").await;
    set_needs(s.app.db(), &[(inactive, s.sembako, 10)])
        .await
        .unwrap();
    on_db!(s.app.db(), pool => sqlx::query("UPDATE locations SET active = FALSE WHERE id = $1")
        .bind(inactive).execute(pool).await.map(drop).unwrap());
    s.app.edited();
    let good = order(s.location, &[(s.sembako, 1)]);
    let with = |f: &dyn Fn(&mut NewCommitment)| {
        let mut b = good.clone();
        f(&mut b);
        b
    };
    let far = kolaborasi_shared::validate::civil_from_days(
        kolaborasi_server::db::now_unix() / 86_400 + 30,
    );
    let cases: Vec<(&str, NewCommitment, &str)> = vec![
        (
            "unknown package",
            with(&|b| b.lines[0].package_id = 9999),
            "lines.0.package_id",
        ),
        (
            "package not needed",
            with(&|b| b.lines[0].package_id = s.siap_saji),
            "lines.0.package_id",
        ),
        (
            "zero",
            with(&|b| b.lines[0].quantity = 0),
            "lines.0.quantity",
        ),
        (
            "negative",
            with(&|b| b.lines[0].quantity = -3),
            "lines.0.quantity",
        ),
        (
            "absurd",
            with(&|b| b.lines[0].quantity = 5_000_000),
            "lines.0.quantity",
        ),
        ("no lines", with(&|b| b.lines.clear()), "lines"),
        (
            "repeated package",
            with(&|b| {
                b.lines.push(LineInput {
                    package_id: s.sembako,
                    quantity: 1,
                });
            }),
            "lines.1.package_id",
        ),
        (
            "unknown location",
            with(&|b| b.location_id = 99_999),
            "location_id",
        ),
        (
            "impossible date",
            with(&|b| b.planned_date = "2026-02-30".into()),
            "planned_date",
        ),
        (
            "past date",
            with(&|b| b.planned_date = "2020-01-01".into()),
            "planned_date",
        ),
        (
            "date past the expiry window",
            with(&|b| b.planned_date.clone_from(&far)),
            "planned_date",
        ),
        (
            "empty name",
            with(&|b| b.collaborator.name = "  ".into()),
            "collaborator.name",
        ),
        (
            // Finding 13: "PT Maju" followed by a right-to-left override
            // would show the rest of the name reversed in public.
            "direction override in the name",
            with(&|b| b.collaborator.name = "PT Maju \u{202E}ayaJ".into()),
            "collaborator.name",
        ),
        (
            "zero-width space in the name",
            with(&|b| b.collaborator.name = "PT\u{200B}Maju".into()),
            "collaborator.name",
        ),
        (
            "bad kind",
            with(&|b| b.collaborator.kind = "government".into()),
            "collaborator.kind",
        ),
        (
            "bad email",
            with(&|b| b.collaborator.email = "csr@majujaya".into()),
            "collaborator.email",
        ),
        (
            "foreign phone",
            with(&|b| b.collaborator.phone = "+1 415 555 0100".into()),
            "collaborator.phone",
        ),
    ];
    for (i, (what, body, field)) in cases.iter().enumerate() {
        let response = s.commit(&format!("bad-input-{i:04}"), body).await;
        let error = error_envelope(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error.code, ErrorCode::InvalidParameter, "{what}");
        assert_eq!(error.field.as_deref(), Some(*field), "{what}: {error:?}");
        assert!(
            error.field_message(field).is_some_and(|m| !m.is_empty()),
            "{what}"
        );
    }
    let url = s.app.url("/api/v1/commitments");
    let raw = |key: Option<&str>, content_type: &str, body: Vec<u8>| {
        let mut r = s
            .app
            .client
            .post(&url)
            .header(header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        send(r)
    };
    let json = serde_json::to_vec(&good).unwrap();
    let e = error_envelope(
        raw(None, "application/json", json.clone()).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("Idempotency-Key"), "missing key");
    let e = error_envelope(
        raw(Some("short"), "application/json", json.clone()).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("Idempotency-Key"), "malformed key");
    let e = error_envelope(
        raw(
            Some("form-post-0001"),
            "application/x-www-form-urlencoded",
            b"a=1".to_vec(),
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_eq!(e.code, ErrorCode::UnsupportedMediaType);
    let e = error_envelope(
        raw(
            Some("broken-json-01"),
            "application/json",
            b"{\"location_id\": 1,".to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("body"));
    let e = error_envelope(
        raw(
            Some("extra-field-01"),
            "application/json",
            br#"{"location_id":1,"lines":[],"planned_date":"x","collaborator":{},"price":0}"#
                .to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        e.field.as_deref(),
        Some("body"),
        "unknown fields are refused"
    );
    let mut huge = good.clone();
    huge.collaborator.name = "x".repeat(40_000);
    let e = error_envelope(
        raw(
            Some("huge-body-0001"),
            "application/json",
            serde_json::to_vec(&huge).unwrap(),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(e.code, ErrorCode::PayloadTooLarge);
    let e = error_envelope(
        s.commit("inactive-0001", &order(inactive, &[(s.sembako, 1)]))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(e.code, ErrorCode::Conflict, "inactive location");

    assert_eq!(s.commitment_count().await, 0, "nothing was written");
    assert_eq!(s.need(s.sembako).await.remaining, 100);
    // The good request still works after all that.
    s.commit_ok("good-after-bad-01", &good).await;
    s.app.stop().await;
}

/// Makes every open commitment overdue; `tell`: the server is told (its
/// sweeper looks again before the next read), else only a reservation's
/// own transaction can notice.
async fn expire_all_now(s: &Scene, tell: bool) {
    on_db!(s.app.db(), pool => sqlx::query("UPDATE commitments SET expires_at = $1 WHERE status = 'committed'")
        .bind(kolaborasi_server::db::now_unix() - 1).execute(pool).await.map(drop).unwrap());
    if tell {
        s.app.edited();
    }
}

pub async fn an_undelivered_commitment_expires_and_its_quantities_return(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let receipt = s
        .commit_ok("expire-0001", &order(s.location, &[(s.sembako, 40)]))
        .await;
    assert_eq!(
        receipt.commitment.expires_at - receipt.commitment.created_at,
        6 * 3_600,
        "the default window of an unconfirmed contact (holds.rs: confirmed ones get 14 days)"
    );
    assert_eq!(s.need(s.sembako).await.remaining, 60);
    expire_all_now(&s, true).await;
    // The sweep runs before the next read; the read itself writes nothing.
    assert_eq!(s.need(s.sembako).await.remaining, 100);
    let view: CommitmentView = ok_json(
        s.app
            .get(&format!("/api/v1/commitments/{}", receipt.commitment.code))
            .await,
    )
    .await;
    assert_eq!(view.status, CommitmentStatus::Expired);
    assert!(view.closed_at.is_some());
    // A reservation racing an unswept expiry sees the returned quantities.
    let second = s
        .commit_ok("expire-0002", &order(s.location, &[(s.sembako, 100)]))
        .await;
    expire_all_now(&s, false).await;
    s.commit_ok("expire-0003", &order(s.location, &[(s.sembako, 100)]))
        .await;
    let old: CommitmentView = ok_json(
        s.app
            .get(&format!("/api/v1/commitments/{}", second.commitment.code))
            .await,
    )
    .await;
    assert_eq!(old.status, CommitmentStatus::Expired);
    s.assert_books_balance().await;
    s.app.stop().await;
}

pub async fn the_background_sweep_expires_commitments_nobody_reads(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let s = scene(TestApp::start_configured(db, |c| c.expiry_sweep_secs = 1).await).await;
    s.commit_ok("sweep-0001", &order(s.location, &[(s.sembako, 25)]))
        .await;
    expire_all_now(&s, true).await;
    let status = || async {
        on_db!(s.app.db(), pool => sqlx::query_scalar::<_, String>("SELECT status FROM commitments")
            .fetch_one(pool).await.unwrap())
    };
    let mut waited = Duration::ZERO;
    while status().await != "expired" {
        assert!(waited < Duration::from_secs(10), "the sweep never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    let committed: i64 = on_db!(s.app.db(), pool => sqlx::query_scalar("SELECT committed FROM needs WHERE package_id = $1")
        .bind(s.sembako).fetch_one(pool).await.unwrap());
    assert_eq!(committed, 0);
    s.app.stop().await;
}

pub async fn cancelling_with_the_manage_token_returns_the_quantities_at_once(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let receipt = s
        .commit_ok(
            "cancel-0001",
            &order(s.location, &[(s.sembako, 30), (s.lebaran, 5)]),
        )
        .await;
    let path = format!("/api/v1/commitments/{}/cancel", receipt.commitment.code);
    let wrong = s
        .app
        .post(
            &path,
            &CancelRequest {
                token: Some("f".repeat(32)),
            },
            &[],
        )
        .await;
    assert_eq!(
        error_envelope(wrong, StatusCode::FORBIDDEN).await.code,
        ErrorCode::Forbidden
    );
    let none = s.app.post(&path, &CancelRequest { token: None }, &[]).await;
    assert_eq!(none.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        s.need(s.sembako).await.remaining,
        70,
        "a refused cancel changes nothing"
    );
    let done: CommitmentView = ok_json(
        s.app
            .post(
                &path,
                &CancelRequest {
                    token: Some(receipt.manage_token.clone()),
                },
                &[],
            )
            .await,
    )
    .await;
    assert_eq!(done.status, CommitmentStatus::Cancelled);
    assert_eq!(
        (
            s.need(s.sembako).await.remaining,
            s.need(s.lebaran).await.remaining
        ),
        (100, 120)
    );
    let again = s
        .app
        .post(
            &path,
            &CancelRequest {
                token: Some(receipt.manage_token),
            },
            &[],
        )
        .await;
    let e = error_envelope(again, StatusCode::CONFLICT).await;
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("dibatalkan"), "{}", e.message);
    s.assert_books_balance().await;
    s.app.stop().await;
}

pub async fn demo_data_gives_every_demo_location_needs_and_balanced_books(engine: Engine) {
    let app = TestApp::start_on(TestDb::fresh(engine).await, 300).await;
    let without: i64 = on_db!(app.db(), pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM locations l WHERE NOT EXISTS (SELECT 1 FROM needs n WHERE n.location_id = l.id)")
        .fetch_one(pool).await.unwrap());
    assert_eq!(without, 0, "every demo location lists needs");
    let list = app.list("").await;
    let levels: std::collections::HashSet<_> = list
        .locations
        .iter()
        .map(kolaborasi_shared::LocationSummary::need_level)
        .collect();
    assert!(
        [NeedLevel::Open, NeedLevel::Nearly, NeedLevel::Covered]
            .iter()
            .all(|l| levels.contains(l)),
        "{levels:?}"
    );
    assert_eq!(
        audit_needs(app.db()).await.unwrap(),
        Vec::<(i64, i64)>::new()
    );
    // Every delivered demo commitment has its delivery report, so a place's
    // page lists what it received.
    let (delivered, reported, place): (i64, i64, Option<i64>) = on_db!(app.db(), pool => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM commitments WHERE status = 'delivered'), \
                (SELECT COUNT(*) FROM deliveries), \
                (SELECT MIN(location_id) FROM commitments WHERE status = 'delivered')")
        .fetch_one(pool).await.unwrap());
    assert!(delivered > 0);
    assert_eq!(reported, delivered);
    let at_place: kolaborasi_shared::PlaceDeliveries = crate::support::ok_json(
        app.get(&format!("/api/v1/locations/{}/deliveries", place.unwrap()))
            .await,
    )
    .await;
    assert!(!at_place.deliveries.is_empty());
    assert!(at_place.deliveries.iter().all(|d| d.delivery.receipt
        == kolaborasi_shared::ReceiptStatus::Pending
        && d.delivery.lines.iter().all(|l| l.quantity > 0)));
    app.stop().await;
}
