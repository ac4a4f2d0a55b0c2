//! Residents' reports (issue 19): filed without an account, followed by
//! code, grouped, limited, handled by staff within their area, and public
//! only in what staff publish.

use kolaborasi_server::on_db;
use kolaborasi_shared::{
    ErrorCode, LogPage, PlaceReports, QueuePage, ReportKind, ReportStatus, ReportView, Role,
    StaffReport,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::commitments::{Scene, order, scene};
use crate::staff::{Staffer, admin, create_staff, signed_in};
use crate::support::{Engine, TestApp, TestDb, error_envelope, json_with, ok_json};

/// Files a report from the default test client; panics unless 201.
pub async fn file(s: &Scene, kind: ReportKind, description: &str, contact: &str) -> ReportView {
    file_at(&s.app, s.location, kind, description, contact, None).await
}

async fn file_at(
    app: &TestApp,
    location: i64,
    kind: ReportKind,
    description: &str,
    contact: &str,
    network: Option<&str>,
) -> ReportView {
    let response = post_report(app, location, kind.as_str(), description, contact, network).await;
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "a report's answer is the reporter's"
    );
    json_with(response, StatusCode::CREATED).await
}

async fn post_report(
    app: &TestApp,
    location: i64,
    kind: &str,
    description: &str,
    contact: &str,
    network: Option<&str>,
) -> reqwest::Response {
    let body = json!({ "location_id": location, "kind": kind, "description": description, "contact": contact });
    match network {
        Some(n) => {
            app.post("/api/v1/reports", &body, &[("X-Forwarded-For", n)])
                .await
        }
        None => app.post("/api/v1/reports", &body, &[]).await,
    }
}

/// An admin answers a report (`status`, public `answer`); panics unless 200.
pub async fn answer(s: &Scene, code: &str, status: &str, answer: &str) -> StaffReport {
    let admin = admin(&s.app).await;
    let r = admin
        .post(
            &s.app,
            &format!("/api/v1/staff/reports/{code}"),
            &json!({ "status": status, "answer": answer }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    ok_json(r).await
}

/// The public log, report entries among them, still verifies.
async fn assert_log_verifies(app: &TestApp) {
    let verification = kolaborasi_server::log::verify(app.db()).await.unwrap();
    assert!(
        verification.mismatch.is_none(),
        "{:?}",
        verification.mismatch
    );
}

/// The last `n` entries of the public log.
async fn last_entries(app: &TestApp, n: i64) -> LogPage {
    let head: kolaborasi_shared::LogHead = ok_json(app.get("/api/v1/log/head").await).await;
    ok_json(
        app.get(&format!("/api/v1/log?after={}", head.seq - n))
            .await,
    )
    .await
}

async fn reports_count(app: &TestApp) -> i64 {
    on_db!(app.db(), pool => sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(pool).await.unwrap())
}

async fn place_reports(app: &TestApp, location: i64) -> PlaceReports {
    ok_json(
        app.get(&format!("/api/v1/locations/{location}/reports"))
            .await,
    )
    .await
}

async fn queue(app: &TestApp, who: &Staffer) -> QueuePage {
    ok_json(who.get(app, "/api/v1/staff/queues/reports").await).await
}

pub async fn a_resident_reports_a_problem_and_follows_it_to_the_answer(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let receipt = s
        .commit_ok("report-0001-key", &order(s.location, &[(s.sembako, 4)]))
        .await;
    let head_before: kolaborasi_shared::LogHead = ok_json(app.get("/api/v1/log/head").await).await;

    // The map list, read before any report (so later reads patch it).
    let open_reports_on_map = |list: &kolaborasi_shared::LocationList| {
        list.locations
            .iter()
            .find(|l| l.id == s.location)
            .map(|l| l.open_reports)
    };
    assert_eq!(open_reports_on_map(&app.list("").await), Some(0));
    let raw = app.get("/api/v1/locations").await.text().await.unwrap();
    assert!(!raw.contains("open_reports"), "absent when none");

    // A resident reports, with a contact; two neighbours report the same.
    let first = file(
        &s,
        ReportKind::NotArrived,
        "Sembako yang dijanjikan belum sampai ke RW kami.",
        "0812 3456 7000",
    )
    .await;
    assert_eq!(first.status, ReportStatus::Received);
    assert_eq!(first.kind, ReportKind::NotArrived);
    assert_eq!(first.location_name, "RW 03 Cideng");
    assert!(first.answer.is_none());
    let second = file(
        &s,
        ReportKind::NotArrived,
        "Sama, sudah dua minggu tidak ada kiriman.",
        "Tetangga@Example.id",
    )
    .await;
    assert_ne!(second.code, first.code, "each reporter has a code");
    let other = file(
        &s,
        ReportKind::WrongInfo,
        "Jumlah KK di RW ini sekarang 140, bukan 120.",
        "warga@example.id",
    )
    .await;

    // The reporter's view has nothing they typed.
    let seen = app.get(&format!("/api/v1/reports/{}", first.code)).await;
    let text = seen.text().await.unwrap();
    assert!(
        !text.contains("belum sampai")
            && !text.contains("81234567000")
            && !text.contains("3456 7000"),
        "{text}"
    );
    let seen: ReportView = serde_json::from_str(&text).unwrap();
    assert_eq!(seen.status, ReportStatus::Received);
    // A code typed loosely still finds it.
    let loose = first.code.to_lowercase().replace('-', "");
    assert_eq!(
        ok_json::<ReportView>(app.get(&format!("/api/v1/reports/{loose}")).await)
            .await
            .code,
        first.code
    );

    // The public sees open reports by kind; a group counts once.
    let public = place_reports(app, s.location).await;
    let open: Vec<(ReportKind, i64)> = public.open.iter().map(|o| (o.kind, o.count)).collect();
    assert_eq!(
        open,
        vec![(ReportKind::NotArrived, 1), (ReportKind::WrongInfo, 1)]
    );
    assert!(public.answered.is_empty());

    // The map marks the place: two open groups (not three reports).
    assert_eq!(open_reports_on_map(&app.list("").await), Some(2));
    assert_eq!(
        open_reports_on_map(&app.list("?category=rw_prioritas").await),
        Some(2)
    );

    // Staff: the queue lists the first of each group, in the operator's area.
    let admin_session = admin(app).await;
    create_staff(
        app,
        &admin_session,
        "op.pusat@dinsos.example.id",
        Role::Operator,
        Some("31.71"),
    )
    .await;
    create_staff(
        app,
        &admin_session,
        "op.selatan@dinsos.example.id",
        Role::Operator,
        Some("31.74"),
    )
    .await;
    let inside = signed_in(app, "op.pusat@dinsos.example.id").await;
    let outside = signed_in(app, "op.selatan@dinsos.example.id").await;
    let listed = queue(app, &inside).await;
    let codes: Vec<_> = listed.items.iter().filter_map(|i| i.code.clone()).collect();
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert!(codes.contains(&first.code) && codes.contains(&other.code));
    assert!(!codes.contains(&second.code), "grouped, not multiplied");
    assert_eq!(queue(app, &outside).await.total, 0);

    // The operator reads what the residents wrote, the group included.
    let full: StaffReport = ok_json(
        inside
            .get(app, &format!("/api/v1/staff/reports/{}", first.code))
            .await,
    )
    .await;
    assert!(full.description.contains("belum sampai"));
    assert_eq!(full.contact.as_deref(), Some("+6281234567000"));
    assert_eq!(full.grouped.len(), 1);
    assert_eq!(full.grouped[0].code, second.code);
    let r = outside
        .get(app, &format!("/api/v1/staff/reports/{}", first.code))
        .await;
    error_envelope(r, StatusCode::FORBIDDEN).await;

    // Checking, then resolved with a public answer and the commitment.
    let r = inside
        .post(
            app,
            &format!("/api/v1/staff/reports/{}", first.code),
            &json!({ "status": "checking" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen: ReportView =
        ok_json(app.get(&format!("/api/v1/reports/{}", second.code)).await).await;
    assert_eq!(seen.status, ReportStatus::Checking, "the group follows");
    // A newcomer joins the group in its current state.
    let third = file(
        &s,
        ReportKind::NotArrived,
        "Kami juga belum menerima apa-apa.",
        "",
    )
    .await;
    assert_eq!(third.status, ReportStatus::Checking);
    let r = inside
        .post(
            app,
            &format!("/api/v1/staff/reports/{}", first.code),
            &json!({
                "status": "resolved",
                "answer": "Pengiriman tertunda; donatur mengirim ulang pada 12 Desember.",
                "commitment": receipt.commitment.code,
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let handled: StaffReport = ok_json(r).await;
    assert_eq!(handled.report.status, ReportStatus::Resolved);
    assert_eq!(
        handled.report.commitment.as_deref(),
        Some(receipt.commitment.code.as_str())
    );
    for code in [&first.code, &second.code, &third.code] {
        let seen: ReportView = ok_json(app.get(&format!("/api/v1/reports/{code}")).await).await;
        assert_eq!(seen.status, ReportStatus::Resolved, "{code}");
        assert_eq!(
            seen.answer.as_deref(),
            Some("Pengiriman tertunda; donatur mengirim ulang pada 12 Desember.")
        );
    }
    // The reporter who left an e-mail address hears of the answer, in
    // their language, with their report's link; a phone number gets none.
    app.mail_settled().await;
    let mails: Vec<_> = crate::support::mails_in(&app.static_dir().join("mail"))
        .into_iter()
        .filter(|m| m.header("Subject").contains(&second.code))
        .collect();
    assert_eq!(mails.len(), 1, "one message for the one e-mail address");
    let mail = &mails[0];
    assert!(
        mail.header("To").contains("tetangga@example.id"),
        "{}",
        mail.headers
    );
    assert!(
        mail.header("Subject").contains("Selesai"),
        "{}",
        mail.headers
    );
    assert!(
        mail.body.contains("mengirim ulang pada 12 Desember"),
        "{}",
        mail.body
    );
    assert!(
        mail.link("http")
            .is_some_and(|l| l.ends_with(&format!("/laporan/{}", second.code))),
        "{}",
        mail.body
    );
    assert!(!mail.body.contains("dua minggu"), "not what anyone typed");

    // Answered once: a second answer is refused.
    let again = inside
        .post(
            app,
            &format!("/api/v1/staff/reports/{}", first.code),
            &json!({ "status": "declined", "answer": "x" }),
        )
        .await;
    assert_eq!(
        error_envelope(again, StatusCode::CONFLICT).await.code,
        ErrorCode::Conflict
    );

    // The place's page shows the answer; only the other kind stays open.
    let public = place_reports(app, s.location).await;
    assert_eq!(public.open.len(), 1);
    assert_eq!(public.open[0].kind, ReportKind::WrongInfo);
    assert_eq!(public.answered.len(), 1);
    assert_eq!(public.answered[0].code, first.code);
    assert_eq!(queue(app, &inside).await.total, 1);
    assert_eq!(open_reports_on_map(&app.list("").await), Some(1));

    // The public log has each filing (kind, no text) and each change, and
    // still verifies; the audit trail names the operator.
    let page: LogPage = ok_json(
        app.get(&format!("/api/v1/log?after={}", head_before.seq))
            .await,
    )
    .await;
    let kinds: Vec<&str> = page.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "report_received",
            "report_received",
            "report_received",
            "report_updated",
            "report_received",
            "report_updated"
        ]
    );
    let log_text = serde_json::to_string(&page.entries).unwrap();
    assert!(
        !log_text.contains("belum sampai")
            && !log_text.contains("81234567000")
            && !log_text.contains("3456 7000")
    );
    assert!(log_text.contains("mengirim ulang"), "the answer is public");
    let resolved = &page.entries[5].facts;
    assert_eq!(resolved["reports"].as_array().unwrap().len(), 3);
    assert_eq!(resolved["commitment"], receipt.commitment.code.as_str());
    assert_log_verifies(app).await;
    let audited: i64 = on_db!(app.db(), pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log a JOIN staff s ON s.id = a.staff_id \
         WHERE a.action = 'report_updated' AND s.email = 'op.pusat@dinsos.example.id'")
        .fetch_one(pool).await.unwrap());
    assert_eq!(audited, 2);
    s.app.stop().await;
}

pub async fn bad_reports_get_their_own_error_and_store_nothing(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let good = "Sembako belum sampai ke RW kami.";
    let cases: [(i64, &str, String, &str, &str); 7] = [
        (s.location, "not_arrived", String::new(), "", "description"),
        (
            s.location,
            "not_arrived",
            "   pendek  ".into(),
            "",
            "description",
        ),
        (
            s.location,
            "not_arrived",
            "x".repeat(2001),
            "",
            "description",
        ),
        (
            s.location,
            "not_arrived",
            format!("{good}\u{202e}"),
            "",
            "description",
        ),
        (s.location, "other", good.into(), "bukan kontak", "contact"),
        (s.location, "other", good.into(), "a@b", "contact"),
        (999_999, "other", good.into(), "", "location_id"),
    ];
    for (location, kind, description, contact, field) in cases {
        let r = post_report(app, location, kind, &description, contact, None).await;
        let e = error_envelope(r, StatusCode::BAD_REQUEST).await;
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|f| f.field.clone())
            .chain(e.field.clone())
            .collect();
        assert!(
            fields.iter().any(|f| f == field),
            "{field}: {fields:?} {}",
            e.message
        );
        assert!(!e.message.is_empty());
    }
    // An unknown kind, and not JSON at all.
    let r = post_report(app, s.location, "lost_cat", good, "", None).await;
    error_envelope(r, StatusCode::BAD_REQUEST).await;
    let r = crate::support::send(
        app.client
            .post(app.url("/api/v1/reports"))
            .header("content-type", "text/plain")
            .body(good),
    )
    .await;
    error_envelope(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    // An inactive place takes no reports.
    let other = app.id_of("Panti Jompo Tebet Barat").await;
    let closed = other;
    on_db!(app.db(), pool => sqlx::query("UPDATE locations SET active = FALSE WHERE id = $1")
        .bind(closed).execute(pool).await.map(drop).unwrap());
    app.edited();
    let r = post_report(app, closed, "other", good, "", None).await;
    error_envelope(r, StatusCode::BAD_REQUEST).await;
    // In English when asked.
    let r = send_english(app, s.location).await;
    let e = error_envelope(r, StatusCode::BAD_REQUEST).await;
    assert!(e.message.contains("characters"), "{}", e.message);
    assert_eq!(reports_count(app).await, 0, "nothing was stored");

    // Staff's bad answers change nothing either.
    let report = file(&s, ReportKind::NotArrived, good, "").await;
    let joined = file(&s, ReportKind::NotArrived, "Sama, belum ada kiriman.", "").await;
    let elsewhere = {
        on_db!(app.db(), pool => sqlx::query("UPDATE locations SET active = TRUE WHERE id = $1")
            .bind(other).execute(pool).await.map(drop).unwrap());
        kolaborasi_server::locations::store::set_needs(app.db(), &[(other, s.sembako, 5)])
            .await
            .unwrap();
        app.edited();
        s.commit_ok("report-elsewhere", &order(other, &[(s.sembako, 1)]))
            .await
    };
    let admin = admin(app).await;
    let path = format!("/api/v1/staff/reports/{}", report.code);
    for (body, field) in [
        (json!({ "status": "resolved" }), "answer"),
        (json!({ "status": "declined", "answer": "   " }), "answer"),
        (json!({ "status": "received" }), "status"),
        (
            json!({ "status": "checking", "answer": "Nanti." }),
            "answer",
        ),
        (
            json!({ "status": "resolved", "answer": "Selesai.", "commitment": elsewhere.commitment.code }),
            "commitment",
        ),
        (
            json!({ "status": "resolved", "answer": "Selesai.", "commitment": "ZZZZ-ZZZZ" }),
            "commitment",
        ),
    ] {
        let e = error_envelope(admin.post(app, &path, &body).await, StatusCode::BAD_REQUEST).await;
        assert!(
            e.fields.iter().any(|f| f.field == field),
            "{body}: {:?}",
            e.fields
        );
    }
    let r = admin
        .post(
            app,
            &format!("/api/v1/staff/reports/{}", joined.code),
            &json!({ "status": "checking" }),
        )
        .await;
    error_envelope(r, StatusCode::CONFLICT).await;
    let r = admin
        .post(
            app,
            "/api/v1/staff/reports/AAAA-AAAA",
            &json!({ "status": "checking" }),
        )
        .await;
    error_envelope(r, StatusCode::NOT_FOUND).await;
    let seen: ReportView =
        ok_json(app.get(&format!("/api/v1/reports/{}", report.code)).await).await;
    assert_eq!(seen.status, ReportStatus::Received, "nothing changed");
    assert!(seen.answer.is_none());
    error_envelope(
        app.get("/api/v1/reports/AAAA-AAAA").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error_envelope(
        app.get("/api/v1/reports/not-a-code!").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    error_envelope(
        app.get("/api/v1/locations/999999/reports").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    s.app.stop().await;
}

async fn send_english(app: &TestApp, location: i64) -> reqwest::Response {
    crate::support::send(
        app.client
            .post(app.url("/api/v1/reports"))
            .header("accept-language", "en")
            .json(&json!({ "location_id": location, "kind": "other", "description": "" })),
    )
    .await
}

pub async fn reports_are_limited_per_network_and_per_place(engine: Engine) {
    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.trust_proxy = true;
    })
    .await;
    let s = scene(app).await;
    let app = &s.app;
    let text = "Bantuan belum sampai ke tempat ini.";
    // One network: ten an hour, then 429 with a wait, and nothing stored.
    for _ in 0..10 {
        file_at(
            app,
            s.location,
            ReportKind::Other,
            text,
            "",
            Some("198.51.100.7"),
        )
        .await;
    }
    let r = post_report(app, s.location, "other", text, "", Some("198.51.100.7")).await;
    assert!(r.headers().contains_key("retry-after"));
    let e = error_envelope(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(reports_count(app).await, 10);
    // Another network still reports, until the place has had thirty.
    for i in 0..20 {
        file_at(
            app,
            s.location,
            ReportKind::Other,
            text,
            "",
            Some(&format!("203.0.113.{}", i / 5)),
        )
        .await;
    }
    let r = post_report(app, s.location, "other", text, "", Some("192.0.2.1")).await;
    let e = error_envelope(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(
        e.message.to_lowercase().contains("tempat ini"),
        "{}",
        e.message
    );
    // Another place is not affected.
    let other = app.id_of("Panti Jompo Tebet Barat").await;
    file_at(app, other, ReportKind::Other, text, "", Some("192.0.2.1")).await;
    // Thirty reports of one kind at one place are one item for staff.
    let admin = admin(app).await;
    let q = queue(app, &admin).await;
    assert_eq!(q.total, 2, "one group per place and kind");
    let public = place_reports(app, s.location).await;
    assert_eq!(public.open.len(), 1);
    assert_eq!(public.open[0].count, 1);
    s.app.stop().await;
}

pub async fn a_confirmed_not_arrived_report_disputes_the_delivery(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let receipt = s
        .commit_ok("report-dispute-1", &order(s.location, &[(s.sembako, 3)]))
        .await;
    let code = receipt.commitment.code.clone();
    let (slip, _, _) =
        crate::deliveries::deliver_with_evidence(&s, &receipt, &[(s.sembako, 3)]).await;
    let view: kolaborasi_shared::CommitmentView =
        ok_json(app.get(&format!("/api/v1/commitments/{code}")).await).await;
    assert_eq!(
        view.delivery.unwrap().receipt,
        kolaborasi_shared::ReceiptStatus::Pending
    );
    // A "wrong information" report linked to it changes nothing of the delivery.
    let info = file(
        &s,
        ReportKind::WrongInfo,
        "Nama RW di papan sudah berganti.",
        "",
    )
    .await;
    let admin = admin(app).await;
    let r = admin
        .post(
            app,
            &format!("/api/v1/staff/reports/{}", info.code),
            &json!({ "status": "resolved", "answer": "Nama sudah diperbaiki.", "commitment": code }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let view: kolaborasi_shared::CommitmentView =
        ok_json(app.get(&format!("/api/v1/commitments/{code}")).await).await;
    assert_eq!(
        view.delivery.unwrap().receipt,
        kolaborasi_shared::ReceiptStatus::Pending
    );
    // Residents say it never came; staff check and agree.
    let report = file(
        &s,
        ReportKind::NotArrived,
        "Tidak ada paket yang sampai, padahal sudah dilaporkan terkirim.",
        "",
    )
    .await;
    let r = admin
        .post(
            app,
            &format!("/api/v1/staff/reports/{}", report.code),
            &json!({ "status": "resolved", "answer": "Benar, paket tidak sampai; sedang ditelusuri.", "commitment": code }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let view: kolaborasi_shared::CommitmentView =
        ok_json(app.get(&format!("/api/v1/commitments/{code}")).await).await;
    assert_eq!(
        view.delivery.unwrap().receipt,
        kolaborasi_shared::ReceiptStatus::Disputed,
        "the public report shows the dispute"
    );
    let last = view.history.last().unwrap();
    assert_eq!(last.kind, "delivery_disputed");
    // The place's code no longer confirms what staff found missing.
    error_envelope(
        app.get(&format!("/api/v1/receipts/{}", slip.confirm_code))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let page = last_entries(app, 2).await;
    assert_eq!(page.entries[0].kind, "report_updated");
    assert_eq!(page.entries[1].kind, "delivery_disputed");
    assert_eq!(page.entries[1].facts["report"], report.code.as_str());
    assert_log_verifies(app).await;
    s.app.stop().await;
}

/// Forty residents at once (eight networks, five each) about one place:
/// exactly the place's thirty pass, the rest are told to wait, and the
/// queue holds one item per kind.
pub async fn a_burst_of_reports_keeps_the_limits_and_the_grouping(engine: Engine) {
    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.trust_proxy = true;
    })
    .await;
    let s = scene(app).await;
    let app = &s.app;
    let sends = (0..40).map(|i| {
        let kind = if i % 2 == 0 { "not_arrived" } else { "other" };
        let network = format!("198.51.100.{}", i % 8);
        async move {
            post_report(
                app,
                s.location,
                kind,
                "Bantuan belum sampai ke tempat ini.",
                "",
                Some(&network),
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((created, refused), (30, 10), "{statuses:?}");
    assert_eq!(reports_count(app).await, 30);
    let groups: i64 = on_db!(app.db(), pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM reports WHERE group_id IS NULL")
        .fetch_one(pool).await.unwrap());
    assert_eq!(groups, 2, "one group per kind");
    let admin = admin(app).await;
    assert_eq!(queue(app, &admin).await.total, groups);
    s.app.stop().await;
}

/// A report queued offline is sent again with its key until an answer
/// arrives: every retry gets the first answer, never a second report.
pub async fn a_report_sent_again_with_its_key_is_filed_once(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let body = json!({ "location_id": s.location, "kind": "other", "description": "Lampu jalan di depan RW mati.", "contact": "" });
    let send = |key: &'static str, body: serde_json::Value| async move {
        app.post("/api/v1/reports", &body, &[("Idempotency-Key", key)])
            .await
    };
    let first: ReportView = json_with(
        send("offline-report-0001", body.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    // Five retries at once, as flaky networks and two tabs make them.
    let retries =
        futures_util::future::join_all((0..5).map(|_| send("offline-report-0001", body.clone())))
            .await;
    for r in retries {
        let again: ReportView = ok_json(r).await;
        assert_eq!(again.code, first.code);
    }
    assert_eq!(reports_count(app).await, 1);
    // The key with another report is refused; a malformed key is named.
    let mut other = body.clone();
    other["description"] = json!("Sesuatu yang lain sama sekali.");
    let e = error_envelope(
        send("offline-report-0001", other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e.code, ErrorCode::IdempotencyKeyReused);
    let e = error_envelope(
        send("bad key!", body.clone()).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(e.field.as_deref(), Some("Idempotency-Key"));
    // Keys are concurrent-safe across places too: a fresh key is a new report.
    let second: ReportView =
        json_with(send("offline-report-0002", body).await, StatusCode::CREATED).await;
    assert_ne!(second.code, first.code);
    assert_eq!(reports_count(app).await, 2);
    s.app.stop().await;
}

/// A correct "wrong information" report becomes the location edit it asks
/// for: the edit and the answer in one transaction, both in the log; a
/// refused edit leaves the report open.
pub async fn a_wrong_information_report_becomes_the_location_edit(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let report = file(
        &s,
        ReportKind::WrongInfo,
        "Jumlah KK di RW ini sekarang 140, bukan 120.",
        "",
    )
    .await;
    let other = file(&s, ReportKind::Other, "Papan nama tempat ini hilang.", "").await;
    let admin = admin(app).await;
    let path = format!("/api/v1/staff/locations/{}", s.location);
    let current: kolaborasi_shared::StaffLocation = ok_json(admin.get(app, &path).await).await;
    let place = &current.location;
    let edit = |headcount: i64, report: &str, answer: &str, needs: serde_json::Value| {
        let mut body = json!({
            "name": place.name,
            "category": place.category.as_str(),
            "kelurahan": place.area_path.last().unwrap().code,
            "lat": place.lat,
            "lon": place.lon,
            "address": place.address,
            "description": place.description,
            "contact_name": current.contact_name,
            "contact_phone": current.contact_phone,
        });
        body["headcount"] = json!(headcount);
        body["report"] = json!(report);
        body["report_answer"] = json!(answer);
        body["needs"] = needs;
        body
    };
    let path = path.as_str();
    let put = |body: serde_json::Value| {
        let admin = admin.clone();
        async move {
            admin
                .request(app, reqwest::Method::PUT, path, Some(&body))
                .await
        }
    };
    // Not that report (another kind), or no answer: refused, nothing changes.
    let e = error_envelope(
        put(edit(140, &other.code, "Sudah diperbaiki.", json!([]))).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(e.fields.iter().any(|f| f.field == "report"), "{e:?}");
    let e = error_envelope(
        put(edit(140, &report.code, " ", json!([]))).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(e.fields.iter().any(|f| f.field == "report_answer"), "{e:?}");
    // An edit refused for another reason leaves the report open.
    s.commit_ok("wrong-info-0001", &order(s.location, &[(s.sembako, 30)]))
        .await;
    let e = error_envelope(
        put(edit(
            140,
            &report.code,
            "Jumlah KK diperbarui.",
            json!([{ "package_id": s.sembako, "target": 10 }]),
        ))
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        e.fields.iter().any(|f| f.field == "needs.0.target"),
        "{e:?}"
    );
    let seen: ReportView =
        ok_json(app.get(&format!("/api/v1/reports/{}", report.code)).await).await;
    assert_eq!(seen.status, ReportStatus::Received);
    // The edit with its answer: the place changes and the report is resolved.
    let r = put(edit(
        140,
        &report.code,
        "Jumlah KK diperbarui menjadi 140.",
        json!([]),
    ))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let place: kolaborasi_shared::LocationDetail =
        ok_json(app.get(&format!("/api/v1/locations/{}", s.location)).await).await;
    assert_eq!(place.headcount, 140);
    let seen: ReportView =
        ok_json(app.get(&format!("/api/v1/reports/{}", report.code)).await).await;
    assert_eq!(seen.status, ReportStatus::Resolved);
    assert_eq!(
        seen.answer.as_deref(),
        Some("Jumlah KK diperbarui menjadi 140.")
    );
    let page = last_entries(app, 2).await;
    let kinds: Vec<&str> = page.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["location_updated", "report_updated"]);
    assert_eq!(page.entries[1].facts["report"], report.code.as_str());
    // Creating a place cannot answer a report.
    let mut create = edit(50, &report.code, "x", json!([]));
    create["name"] = json!("Tempat Baru");
    let r = admin.post(app, "/api/v1/staff/locations", &create).await;
    error_envelope(r, StatusCode::BAD_REQUEST).await;
    assert_log_verifies(app).await;
    s.app.stop().await;
}

/// What the error says about `field` (one field named alone or in a list).
fn said_about<'a>(e: &'a kolaborasi_shared::ApiError, field: &str) -> Option<&'a str> {
    e.field_message(field)
        .or_else(|| (e.field.as_deref() == Some(field)).then_some(e.message.as_str()))
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn stored_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    stored_files(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

pub async fn a_report_carries_a_photo_only_staff_see(engine: Engine) {
    use crate::evidence::{PDF, jpeg_with_gps};
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let upload_dir = app.running.state.upload_dir.clone();
    let body = |photo: String| {
        json!({ "location_id": s.location, "kind": "other",
                "description": "Atap balai warga runtuh, lihat foto.", "photo": photo })
    };
    // Each bad photo gets its own error, and nothing is stored.
    let mut truncated = jpeg_with_gps();
    truncated.truncate(truncated.len() - 2);
    let mut oversized = jpeg_with_gps();
    oversized.resize(kolaborasi_shared::report::MAX_REPORT_PHOTO_BYTES + 1, 0);
    let cases: [(String, &str); 5] = [
        (base64(b"<html><script>alert(1)</script></html>"), "JPEG"),
        (base64(PDF), "JPEG"),
        ("bukan-base64!".into(), "JPEG"),
        (base64(&truncated), "tidak lengkap"),
        (base64(&oversized), "2 MiB"),
    ];
    for (photo, says) in cases {
        let e = error_envelope(
            app.post("/api/v1/reports", &body(photo), &[]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        let message = said_about(&e, "photo").unwrap_or_default();
        assert!(message.contains(says), "{says}: {e:?}");
    }
    // A body beyond a report with the largest photo is not read.
    let huge = "A".repeat(3 * 1024 * 1024);
    error_envelope(
        app.post("/api/v1/reports", &body(huge), &[]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(reports_count(app).await, 0);
    assert_eq!(stored_files(&upload_dir), 0, "no file of a refused report");

    // A phone photo with GPS in its EXIF: stored without it.
    let filed: ReportView = json_with(
        app.post("/api/v1/reports", &body(base64(&jpeg_with_gps())), &[])
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(stored_files(&upload_dir), 1);
    let photo_path = format!("/api/v1/staff/reports/{}/photo", filed.code);
    let admin = admin(app).await;
    let seen: StaffReport = ok_json(
        admin
            .get(app, &format!("/api/v1/staff/reports/{}", filed.code))
            .await,
    )
    .await;
    assert!(seen.photo);
    let r = admin.get(app, &photo_path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]));
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!has(b"GPS") && !has(b"camera-X"), "metadata survived");

    // Nobody else sees it: not the public, not an operator elsewhere.
    let r = app.get(&photo_path).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let elsewhere = create_staff(
        app,
        &admin,
        "op-selatan@dinsos.example.id",
        Role::Operator,
        Some("31.74"),
    )
    .await;
    let r = elsewhere.get(app, &photo_path).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let public = app
        .get(&format!("/api/v1/reports/{}", filed.code))
        .await
        .text()
        .await
        .unwrap();
    assert!(!public.contains("photo"), "{public}");
    // A report without one: 404 for its photo.
    let plain = file(
        &s,
        ReportKind::WrongInfo,
        "Alamatnya sudah pindah ke RT 02.",
        "",
    )
    .await;
    let r = admin
        .get(app, &format!("/api/v1/staff/reports/{}/photo", plain.code))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The hourly sweeps leave a report's photo alone: the evidence sweep,
    // when a cancelled commitment uploaded the same bytes ...
    let cancelled = s
        .commit_ok("photo-sweep-0001", &order(s.location, &[(s.sembako, 1)]))
        .await;
    crate::evidence::upload(app, &cancelled, jpeg_with_gps()).await;
    crate::transparency::cancel(&s, &cancelled).await;
    let forgotten = kolaborasi_server::deliveries::sweep_uploads(
        app.db(),
        &upload_dir,
        kolaborasi_server::db::now_unix() + 7 * 86_400,
        std::time::Duration::ZERO,
    )
    .await
    .unwrap();
    assert_eq!(forgotten, 1, "the cancelled commitment's evidence row");
    assert_eq!(admin.get(app, &photo_path).await.status(), StatusCode::OK);
    // ... and the sweep of files nothing holds, which removes a file left
    // by a refused filing and a half-written one.
    let orphan = "ab".repeat(32);
    std::fs::create_dir_all(upload_dir.join("ab")).unwrap();
    std::fs::write(upload_dir.join("ab").join(&orphan), b"left over").unwrap();
    std::fs::write(
        upload_dir.join("ab").join(format!(".{orphan}.tmp")),
        b"half",
    )
    .unwrap();
    let removed = kolaborasi_server::deliveries::sweep_orphan_files(
        app.db(),
        &upload_dir,
        std::time::Duration::ZERO,
    )
    .await
    .unwrap();
    assert_eq!(removed, 2);
    assert_eq!(stored_files(&upload_dir), 1, "the report's photo");
    assert_eq!(admin.get(app, &photo_path).await.status(), StatusCode::OK);
    assert_log_verifies(app).await;
    s.app.stop().await;
}

pub async fn reports_photos_keep_to_a_quarter_of_the_upload_quota(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let s = scene(TestApp::start_configured(db, |c| c.upload_quota_mib = 1).await).await;
    let app = &s.app;
    // A 300 KB photo: more than a quarter of 1 MiB.
    let mut big = crate::evidence::jpeg_with_gps();
    let end = big.len() - 2;
    big.splice(end..end, std::iter::repeat_n(0x11, 300_000));
    let body = |photo: &[u8]| {
        json!({ "location_id": s.location, "kind": "other",
                "description": "Atap balai warga runtuh, lihat foto.", "photo": base64(photo) })
    };
    let e = error_envelope(
        app.post("/api/v1/reports", &body(&big), &[]).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        said_about(&e, "photo").is_some_and(|m| m.contains("tanpa foto")),
        "{e:?}"
    );
    assert_eq!(reports_count(app).await, 0);
    assert_eq!(stored_files(&app.running.state.upload_dir), 0);
    // A small one still fits, and the report without a photo always does.
    let small = json_with::<ReportView>(
        app.post(
            "/api/v1/reports",
            &body(&crate::evidence::jpeg_with_gps()),
            &[],
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(small.kind, ReportKind::Other);
    s.app.stop().await;
}

pub async fn a_suggested_place_becomes_an_unverified_location(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let suggestion = |name: &str, kelurahan: &str, position: Option<(f64, f64)>| {
        let mut place =
            json!({ "name": name, "category": "panti_jompo", "kelurahan_code": kelurahan });
        if let Some((lat, lon)) = position {
            place["lat"] = json!(lat);
            place["lon"] = json!(lon);
        }
        json!({ "kind": "new_place", "description": "Panti ini merawat 30 lansia dan belum pernah dibantu.",
                "place": place, "contact": "warga@example.id" })
    };
    // Bad suggestions: each names its field, nothing is stored.
    let cases: [(serde_json::Value, &str); 5] = [
        (
            suggestion("Panti Werdha Kasih", "31.71.01", None),
            "place.kelurahan_code",
        ),
        (suggestion("  ", "31.71.01.1002", None), "place.name"),
        (
            suggestion(
                "Panti Werdha Kasih",
                "31.71.01.1002",
                Some((f64::from(-95), 106.8)),
            ),
            "place.lat",
        ),
        (
            json!({ "kind": "new_place", "description": "Panti ini belum ada di peta." }),
            "place",
        ),
        (
            {
                let mut both = suggestion("Panti Werdha Kasih", "31.71.01.1002", None);
                both["location_id"] = json!(s.location);
                both
            },
            "location_id",
        ),
    ];
    for (body, field) in cases {
        let e = error_envelope(
            app.post("/api/v1/reports", &body, &[]).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(said_about(&e, field).is_some(), "{field}: {e:?}");
    }
    assert_eq!(reports_count(app).await, 0);

    // A resident suggests a place; a neighbour suggests the same one.
    let body = suggestion(
        "Panti Werdha Kasih",
        "31.71.01.1002",
        Some((-6.1671, 106.8122)),
    );
    let first: ReportView = json_with(
        app.post("/api/v1/reports", &body, &[]).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first.kind, ReportKind::NewPlace);
    assert_eq!(first.location_id, None);
    assert_eq!(first.location_name, "Panti Werdha Kasih");
    let again = suggestion("panti werdha kasih", "31.71.01.1002", None);
    let second: ReportView = json_with(
        app.post("/api/v1/reports", &again, &[]).await,
        StatusCode::CREATED,
    )
    .await;

    // Operators of the area see it (once, the group); others do not.
    let admin = admin(app).await;
    let pusat = create_staff(
        app,
        &admin,
        "op-pusat@dinsos.example.id",
        Role::Operator,
        Some("31.71"),
    )
    .await;
    let selatan = create_staff(
        app,
        &admin,
        "op-selatan@dinsos.example.id",
        Role::Operator,
        Some("31.74"),
    )
    .await;
    let seen = queue(app, &pusat).await;
    let titles: Vec<&str> = seen.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["Panti Werdha Kasih"], "{seen:?}");
    assert!(queue(app, &selatan).await.items.is_empty());
    let staff_view: StaffReport = ok_json(
        pusat
            .get(app, &format!("/api/v1/staff/reports/{}", first.code))
            .await,
    )
    .await;
    let place = staff_view.place.clone().expect("the suggested place");
    assert_eq!(place.kelurahan_code, "31.71.01.1002");
    assert_eq!((place.lat, place.lon), (Some(-6.1671), Some(106.8122)));
    assert_eq!(staff_view.grouped.len(), 1);
    assert_eq!(staff_view.grouped[0].code, second.code);
    assert_eq!(
        selatan
            .get(app, &format!("/api/v1/staff/reports/{}", first.code))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Staff turn it into a place, answering the residents in one step.
    let create = |report: &str| {
        json!({
            "name": "Panti Werdha Kasih", "category": "panti_jompo", "kelurahan": "31.71.01.1002",
            "lat": -6.1671, "lon": 106.8122, "headcount": 30, "address": "Jl. Cideng Barat 12",
            "description": "", "contact_name": "", "contact_phone": "", "needs": [],
            "report": report, "report_answer": "Terima kasih, tempat ini sudah ditambahkan ke peta.",
        })
    };
    let r = selatan
        .post(app, "/api/v1/staff/locations", &create(&first.code))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "not their area");
    let r = pusat
        .post(app, "/api/v1/staff/locations", &create(&second.code))
        .await;
    let e = error_envelope(r, StatusCode::BAD_REQUEST).await;
    assert!(
        said_about(&e, "report").is_some(),
        "the group's first is answered: {e:?}"
    );
    let r = pusat
        .post(app, "/api/v1/staff/locations", &create(&first.code))
        .await;
    let made: kolaborasi_shared::StaffLocation = json_with(r, StatusCode::CREATED).await;
    assert!(!made.location.verified, "unverified until checked");
    for code in [&first.code, &second.code] {
        let view: ReportView = ok_json(app.get(&format!("/api/v1/reports/{code}")).await).await;
        assert_eq!(view.status, ReportStatus::Resolved);
        assert_eq!(view.location_id, Some(made.location.id));
        assert_eq!(
            view.answer.as_deref(),
            Some("Terima kasih, tempat ini sudah ditambahkan ke peta.")
        );
    }
    let page = last_entries(app, 2).await;
    let kinds: Vec<&str> = page.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["location_updated", "report_updated"]);
    assert_eq!(page.entries[1].facts["location_id"], made.location.id);
    // Once made, the suggestion cannot make a second place.
    let r = pusat
        .post(app, "/api/v1/staff/locations", &create(&first.code))
        .await;
    error_envelope(r, StatusCode::BAD_REQUEST).await;
    // Nothing the residents typed is in the public log.
    let log = app.get("/api/v1/log").await.text().await.unwrap();
    assert!(!log.contains("warga@example.id") && !log.contains("30 lansia"));
    app.mail_settled().await;
    assert_log_verifies(app).await;
    s.app.stop().await;
}
