//! Deliveries: evidence uploads checked by content, the delivery report,
//! the place's one-time confirmation, staff verification, and how the
//! public report and the log show the three voices.

use kolaborasi_server::commitments::store::audit_needs;
use kolaborasi_server::on_db;
use kolaborasi_shared::log::{Verifier, kind};
use kolaborasi_shared::{
    CommitmentReceipt, CommitmentView, Evidence, EvidenceType, LogPage, ReceiptAnswer,
    ReceiptRequest, ReceiptSlip, ReceiptStatus, ReceivedLineInput, Reporter, StaffCommitment,
    Stats,
};
use reqwest::{StatusCode, header};

use crate::commitments::{Scene, order, scene, today};
pub use crate::evidence::{PDF, jpeg_with_gps, report_delivery, report_of, upload, upload_raw};
use crate::staff::admin;
use crate::support::{CONTACT_NAME, Engine, TestApp, error_envelope, header_text, ok_json, send};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Uploads a photo and a PDF and reports the delivery of `lines`.
pub async fn deliver_with_evidence(
    s: &Scene,
    receipt: &CommitmentReceipt,
    lines: &[(i64, i64)],
) -> (ReceiptSlip, Evidence, Evidence) {
    report_delivery(&s.app, receipt, lines).await
}

async fn view(app: &TestApp, code: &str) -> CommitmentView {
    ok_json(app.get(&format!("/api/v1/commitments/{code}")).await).await
}

async fn kinds(app: &TestApp) -> Vec<String> {
    let page: LogPage = ok_json(app.get("/api/v1/log?limit=5000").await).await;
    page.entries.into_iter().map(|e| e.kind).collect()
}

async fn verified_totals(app: &TestApp) -> (i64, kolaborasi_shared::Totals) {
    let page: LogPage = ok_json(app.get("/api/v1/log?limit=5000").await).await;
    let mut v = Verifier::new();
    for e in &page.entries {
        v.push(e)
            .unwrap_or_else(|m| panic!("log does not verify: {m:?}"));
    }
    (page.head.seq, v.totals())
}

async fn stats_at(app: &TestApp, seq: i64) -> Stats {
    for _ in 0..200 {
        let stats: Stats = ok_json(app.get("/api/v1/stats").await).await;
        if stats.log_seq >= seq {
            return stats;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the live totals never reached log entry {seq}");
}

pub async fn a_delivery_is_reported_with_evidence_confirmed_by_the_place_and_verified(
    engine: Engine,
) {
    let s = scene(TestApp::start(engine).await).await;
    let admin = admin(&s.app).await;
    let receipt = s
        .commit_ok(
            "deliver-0001-key",
            &order(s.location, &[(s.sembako, 10), (s.lebaran, 20)]),
        )
        .await;
    let code = receipt.commitment.code.clone();

    // Staff verify the commitment: the report says so, once.
    let verified: CommitmentView = ok_json(
        admin
            .post(
                &s.app,
                &format!("/api/v1/staff/commitments/{code}/verify"),
                &serde_json::json!({}),
            )
            .await,
    )
    .await;
    assert!(verified.verified_at.is_some());
    let again = admin
        .post(
            &s.app,
            &format!("/api/v1/staff/commitments/{code}/verify"),
            &serde_json::json!({}),
        )
        .await;
    error_envelope(again, StatusCode::CONFLICT).await;

    // A photo with GPS in its EXIF is stored without it, under its hash.
    let photo = upload(&s.app, &receipt, jpeg_with_gps()).await;
    assert_eq!(photo.kind, EvidenceType::Jpeg);
    let stored = std::fs::read(
        s.app
            .running
            .state
            .upload_dir
            .join(&photo.id[..2])
            .join(&photo.id),
    )
    .unwrap();
    assert!(!contains(&stored, b"GPS"), "EXIF GPS survived");
    assert!(!contains(&stored, b"camera-X"), "the comment survived");
    assert_eq!(
        kolaborasi_server::secrets::sha256_hex(&stored),
        photo.id,
        "content-addressed"
    );
    let pdf = upload(&s.app, &receipt, PDF.to_vec()).await;
    assert_eq!(pdf.kind, EvidenceType::Pdf);
    // Not attached yet: nobody sees them.
    assert_eq!(
        s.app
            .get(&format!("/api/v1/evidence/{}", photo.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The collaborator reports: 8 of 10 Sembako, all 20 Lebaran.
    let before = s.need(s.sembako).await;
    let slip: ReceiptSlip = {
        let response = s
            .app
            .post(
                &format!("/api/v1/commitments/{code}/delivery"),
                &report_of(
                    &receipt,
                    &[(s.sembako, 8), (s.lebaran, 20)],
                    &[&photo],
                    &[&pdf],
                ),
                &[],
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    };
    assert!(
        slip.qr_svg.starts_with("<?xml") || slip.qr_svg.contains("<svg"),
        "{}",
        slip.qr_svg
    );
    assert_eq!(slip.confirm_path, format!("/terima/{}", slip.confirm_code));
    let after = s.need(s.sembako).await;
    // The 2 undelivered packages returned to the pool.
    assert_eq!(after.remaining, before.remaining + 2);
    s.assert_books_balance().await;

    let reported = view(&s.app, &code).await;
    let delivery = reported.delivery.clone().expect("a delivery");
    assert_eq!(delivery.reported_by, Reporter::Collaborator);
    assert_eq!(delivery.receipt, ReceiptStatus::Pending);
    assert_eq!(delivery.photos, vec![photo.id.clone()]);
    assert_eq!(delivery.documents, 1);
    assert!(delivery.verified_at.is_none());
    let text = serde_json::to_string(&reported).unwrap();
    assert!(!text.contains(&pdf.id), "document ids are not public");
    assert!(!text.contains(&slip.confirm_code), "the code is not public");

    // Photos are public with safe headers; documents only for staff.
    let photo_response = s.app.get(&format!("/api/v1/evidence/{}", photo.id)).await;
    assert_eq!(photo_response.status(), StatusCode::OK);
    assert_eq!(
        header_text(&photo_response, header::CONTENT_TYPE),
        "image/jpeg"
    );
    assert!(header_text(&photo_response, header::CONTENT_SECURITY_POLICY).contains("sandbox"));
    assert_eq!(
        header_text(&photo_response, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    assert_eq!(photo_response.bytes().await.unwrap().to_vec(), stored);
    assert_eq!(
        s.app
            .get(&format!("/api/v1/evidence/{}", pdf.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // An operator of another area does not see it either.
    let elsewhere = crate::staff::create_staff(
        &s.app,
        &admin,
        "operator.selatan@dinsos.example.id",
        kolaborasi_shared::Role::Operator,
        Some("31.74"),
    )
    .await;
    assert_eq!(
        elsewhere
            .get(&s.app, &format!("/api/v1/evidence/{}", pdf.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let doc = admin
        .get(&s.app, &format!("/api/v1/evidence/{}", pdf.id))
        .await;
    assert_eq!(doc.status(), StatusCode::OK);
    assert!(header_text(&doc, header::CONTENT_DISPOSITION).starts_with("attachment"));

    // A second report is refused: the commitment is delivered.
    let twice = s
        .app
        .post(
            &format!("/api/v1/commitments/{code}/delivery"),
            &report_of(
                &receipt,
                &[(s.sembako, 8), (s.lebaran, 20)],
                &[&photo],
                &[&pdf],
            ),
            &[],
        )
        .await;
    error_envelope(twice, StatusCode::CONFLICT).await;

    // The place opens the code (any spelling) and confirms, one damaged.
    let lower = slip.confirm_code.to_lowercase().replace('-', "");
    let asked: ReceiptRequest =
        ok_json(s.app.get(&format!("/api/v1/receipts/{lower}")).await).await;
    assert_eq!(asked.commitment.code, code);
    let answer = ReceiptAnswer {
        outcome: ReceiptStatus::Confirmed,
        lines: vec![
            ReceivedLineInput {
                package_id: s.sembako,
                ok: 7,
                damaged: 1,
            },
            ReceivedLineInput {
                package_id: s.lebaran,
                ok: 20,
                damaged: 0,
            },
        ],
        comment: String::new(),
    };
    // Confirming fewer than delivered is refused: that is a dispute.
    let short = ReceiptAnswer {
        lines: vec![
            ReceivedLineInput {
                package_id: s.sembako,
                ok: 6,
                damaged: 0,
            },
            ReceivedLineInput {
                package_id: s.lebaran,
                ok: 20,
                damaged: 0,
            },
        ],
        ..answer.clone()
    };
    let refused = s
        .app
        .post(
            &format!("/api/v1/receipts/{}", slip.confirm_code),
            &short,
            &[],
        )
        .await;
    let error = error_envelope(refused, StatusCode::BAD_REQUEST).await;
    assert_eq!(error.field.as_deref(), Some("lines.0.ok"));
    let confirmed: CommitmentView = ok_json(
        s.app
            .post(
                &format!("/api/v1/receipts/{}", slip.confirm_code),
                &answer,
                &[],
            )
            .await,
    )
    .await;
    let d = confirmed.delivery.clone().unwrap();
    // The donor is told, by e-mail (written to the mail folder: no SMTP
    // server is configured), in the language they committed in.
    s.app.mail_settled().await;
    let mails = crate::support::mails_in(&s.app.static_dir().join("mail"));
    let notice = mails
        .iter()
        .find(|m| m.body.contains("mengonfirmasi bahwa paket dari kolaborasi"))
        .unwrap_or_else(|| panic!("no delivery notice among {mails:#?}"));
    assert!(notice.body.contains(&code), "{}", notice.body);
    assert!(
        notice
            .header("To")
            .contains(crate::commitments::DONOR_EMAIL)
    );
    assert_eq!(
        notice.link(&s.app.base).as_deref(),
        Some(format!("{}/kolaborasi/{code}", s.app.base).as_str()),
        "the notice links to the public record"
    );
    assert_eq!(d.receipt, ReceiptStatus::Confirmed);
    let sembako_line = d.lines.iter().find(|l| l.package_id == s.sembako).unwrap();
    assert_eq!(
        (
            sembako_line.quantity,
            sembako_line.received_ok,
            sembako_line.received_damaged
        ),
        (8, Some(7), Some(1))
    );

    // Single use.
    let second_use = s
        .app
        .post(
            &format!("/api/v1/receipts/{}", slip.confirm_code),
            &answer,
            &[],
        )
        .await;
    error_envelope(second_use, StatusCode::NOT_FOUND).await;
    error_envelope(
        s.app
            .get(&format!("/api/v1/receipts/{}", slip.confirm_code))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Staff verify the delivery; the three voices are distinct on the report.
    let staff_view: StaffCommitment = ok_json(
        admin
            .get(&s.app, &format!("/api/v1/staff/commitments/{code}"))
            .await,
    )
    .await;
    assert_eq!(staff_view.documents, vec![pdf.id.clone()]);
    assert_eq!(staff_view.contact_email, crate::commitments::DONOR_EMAIL);
    let done: CommitmentView = ok_json(
        admin
            .post(
                &s.app,
                &format!("/api/v1/staff/commitments/{code}/delivery/verify"),
                &serde_json::json!({}),
            )
            .await,
    )
    .await;
    let d = done.delivery.unwrap();
    assert!(d.verified_at.is_some());
    assert_eq!(d.receipt, ReceiptStatus::Confirmed);
    assert_eq!(d.reported_by, Reporter::Collaborator);

    // The place's page lists the delivery with the same three voices.
    let at_place: kolaborasi_shared::PlaceDeliveries = ok_json(
        s.app
            .get(&format!("/api/v1/locations/{}/deliveries", s.location))
            .await,
    )
    .await;
    assert_eq!(at_place.deliveries.len(), 1);
    assert_eq!(at_place.deliveries[0].code, code);
    let listed = &at_place.deliveries[0].delivery;
    assert_eq!(listed.receipt, ReceiptStatus::Confirmed);
    assert!(listed.verified_at.is_some());
    assert_eq!(listed.photos, vec![photo.id.clone()]);
    assert_eq!(listed.lines.iter().map(|l| l.quantity).sum::<u32>(), 28);
    error_envelope(
        s.app.get("/api/v1/locations/999999/deliveries").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Every transition is in the public log, in order, and the log's totals
    // (8 + 20 delivered, not 10 + 20) equal the live counters.
    let k = kinds(&s.app).await;
    assert_eq!(
        k,
        [
            kind::COMMITMENT_MADE,
            kind::COMMITMENT_VERIFIED,
            kind::COMMITMENT_DELIVERED,
            kind::DELIVERY_CONFIRMED,
            kind::DELIVERY_VERIFIED
        ]
    );
    let history: Vec<String> = done.history.iter().map(|h| h.kind.clone()).collect();
    assert_eq!(history, k);
    let (seq, from_log) = verified_totals(&s.app).await;
    let live = stats_at(&s.app, seq).await;
    assert_eq!(from_log, live.totals);
    assert_eq!(live.totals.packages_delivered, 28);
    let log_text = s
        .app
        .get("/api/v1/log?limit=5000")
        .await
        .text()
        .await
        .unwrap();
    for private in [
        crate::commitments::DONOR_EMAIL,
        crate::commitments::DONOR_PHONE,
        &slip.confirm_code,
        &receipt.manage_token,
    ] {
        assert!(!log_text.contains(private), "the log carries {private}");
    }
    let report = kolaborasi_server::log::verify(s.app.db()).await.unwrap();
    assert!(report.mismatch.is_none());
    assert_eq!(report.from_log, report.counters);

    // Every staff action is attributed in the audit trail.
    let audit: kolaborasi_shared::AuditPage =
        ok_json(admin.get(&s.app, "/api/v1/staff/audit").await).await;
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"commitment_verified"), "{actions:?}");
    assert!(actions.contains(&"delivery_verified"), "{actions:?}");
    assert!(
        audit
            .entries
            .iter()
            .all(|e| e.staff_id == admin.member.id || e.action == "sign_in")
    );
    assert_eq!(
        audit_needs(s.app.db()).await.unwrap(),
        Vec::<(i64, i64)>::new()
    );
}

pub async fn uploads_are_refused_by_content_size_and_completeness(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let receipt = s
        .commit_ok("upload-0001-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    let code = receipt.commitment.code.clone();
    let token = Some(receipt.manage_token.as_str());
    let uploads = || async {
        on_db!(s.app.db(), pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM evidence")
            .fetch_one(pool).await.unwrap())
    };
    let files_on_disk = || walk(&s.app.running.state.upload_dir);

    // An HTML page named and declared as a JPEG photo.
    let html = b"<html><body><script>alert(1)</script></body></html>".to_vec();
    let error = error_envelope(
        upload_raw(&s.app, &code, token, "image/jpeg", html).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert!(error.message.contains("JPEG"), "{}", error.message);
    // A type a plain HTML form could send is refused whatever the content.
    error_envelope(
        upload_raw(&s.app, &code, token, "text/plain", jpeg_with_gps()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    // An executable disguised as a PDF.
    error_envelope(
        upload_raw(
            &s.app,
            &code,
            token,
            "application/pdf",
            b"MZ\x90\0\x03\0\0\0".to_vec(),
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    // Too big: 8 MiB + 1 byte of a valid-looking JPEG.
    let mut big = jpeg_with_gps();
    big.resize(kolaborasi_shared::MAX_EVIDENCE_BYTES + 1, 0);
    error_envelope(
        upload_raw(&s.app, &code, token, "image/jpeg", big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    // Truncated: a JPEG cut before its end, a PDF without its trailer.
    let jpeg = jpeg_with_gps();
    let error = error_envelope(
        upload_raw(
            &s.app,
            &code,
            token,
            "image/jpeg",
            jpeg[..jpeg.len() - 3].to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error.field.as_deref(), Some("body"));
    error_envelope(
        upload_raw(&s.app, &code, token, "application/pdf", PDF[..40].to_vec()).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Without the token, or with another commitment's token.
    error_envelope(
        upload_raw(&s.app, &code, None, "image/jpeg", jpeg.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let other = s
        .commit_ok("upload-0002-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    error_envelope(
        upload_raw(
            &s.app,
            &code,
            Some(&other.manage_token),
            "image/jpeg",
            jpeg.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Nothing was stored.
    assert_eq!(uploads().await, 0);
    assert!(files_on_disk().is_empty(), "{:?}", files_on_disk());

    // A PDF cannot be given as a photo, and another commitment's upload cannot be attached.
    let pdf = upload(&s.app, &receipt, PDF.to_vec()).await;
    let foreign = upload(&s.app, &other, jpeg.clone()).await;
    let bad = s
        .app
        .post(
            &format!("/api/v1/commitments/{code}/delivery"),
            &report_of(&receipt, &[(s.sembako, 1)], &[&pdf, &foreign], &[&pdf]),
            &[],
        )
        .await;
    let error = error_envelope(bad, StatusCode::BAD_REQUEST).await;
    let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["photos.0", "photos.1"], "{error:?}");
    // Bad dates and quantities, each named.
    let photo = upload(&s.app, &receipt, jpeg.clone()).await;
    let mut report = report_of(&receipt, &[(s.sembako, 2)], &[&photo], &[&pdf]);
    report.delivered_on = "2999-01-01".into();
    let error = error_envelope(
        s.app
            .post(
                &format!("/api/v1/commitments/{code}/delivery"),
                &report,
                &[],
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let fields: Vec<&str> = error.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["delivered_on", "lines.0.quantity"], "{error:?}");
    let nothing = report_of(&receipt, &[(s.sembako, 0)], &[&photo], &[&pdf]);
    let error = error_envelope(
        s.app
            .post(
                &format!("/api/v1/commitments/{code}/delivery"),
                &nothing,
                &[],
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error.field.as_deref(), Some("lines"));
    // None of that changed the commitment.
    assert_eq!(
        view(&s.app, &code).await.status,
        kolaborasi_shared::CommitmentStatus::Committed
    );
    assert!(view(&s.app, &code).await.delivery.is_none());
    s.assert_books_balance().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

pub async fn confirmation_codes_expire_are_single_use_and_guessing_is_limited(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let admin = admin(&s.app).await;
    let receipt = s
        .commit_ok("codes-0001-key", &order(s.location, &[(s.sembako, 4)]))
        .await;
    let code = receipt.commitment.code.clone();
    let (slip, _, _) = deliver_with_evidence(&s, &receipt, &[(s.sembako, 4)]).await;

    // Expired: the code stops working.
    on_db!(s.app.db(), pool => sqlx::query("UPDATE deliveries SET confirm_expires_at = 1")
        .execute(pool).await.map(drop).unwrap());
    error_envelope(
        s.app
            .get(&format!("/api/v1/receipts/{}", slip.confirm_code))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Staff issue a new one; it works, the old one still does not.
    let fresh: ReceiptSlip = ok_json(
        admin
            .post(
                &s.app,
                &format!("/api/v1/staff/commitments/{code}/slip"),
                &serde_json::json!({}),
            )
            .await,
    )
    .await;
    assert_ne!(fresh.confirm_code, slip.confirm_code);
    let _: ReceiptRequest = ok_json(
        s.app
            .get(&format!("/api/v1/receipts/{}", fresh.confirm_code))
            .await,
    )
    .await;

    // The place disputes: a comment is required, it stays private.
    let dispute = ReceiptAnswer {
        outcome: ReceiptStatus::Disputed,
        lines: vec![ReceivedLineInput {
            package_id: s.sembako,
            ok: 2,
            damaged: 0,
        }],
        comment: String::new(),
    };
    let error = error_envelope(
        s.app
            .post(
                &format!("/api/v1/receipts/{}", fresh.confirm_code),
                &dispute,
                &[],
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error.field.as_deref(), Some("comment"));
    let comment = format!("Hanya 2 paket sampai, kata {CONTACT_NAME}.");
    let disputed: CommitmentView = ok_json(
        s.app
            .post(
                &format!("/api/v1/receipts/{}", fresh.confirm_code),
                &ReceiptAnswer {
                    comment: comment.clone(),
                    ..dispute.clone()
                },
                &[],
            )
            .await,
    )
    .await;
    assert_eq!(
        disputed.delivery.as_ref().unwrap().receipt,
        ReceiptStatus::Disputed
    );
    let public = s
        .app
        .get(&format!("/api/v1/commitments/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !public.contains("Hanya 2 paket"),
        "the comment is public: {public}"
    );
    let log_text = s
        .app
        .get("/api/v1/log?limit=5000")
        .await
        .text()
        .await
        .unwrap();
    assert!(!log_text.contains("Hanya 2 paket"));
    assert!(
        kinds(&s.app)
            .await
            .contains(&kind::DELIVERY_DISPUTED.to_owned())
    );
    let staff_view: StaffCommitment = ok_json(
        admin
            .get(&s.app, &format!("/api/v1/staff/commitments/{code}"))
            .await,
    )
    .await;
    assert_eq!(
        staff_view.dispute_comment.as_deref(),
        Some(comment.as_str())
    );
    // Disputes come first in the staff queue.
    let queue: kolaborasi_shared::QueuePage =
        ok_json(admin.get(&s.app, "/api/v1/staff/queues/deliveries").await).await;
    assert_eq!(queue.items[0].code.as_deref(), Some(code.as_str()));
    assert_eq!(queue.items[0].receipt, Some(ReceiptStatus::Disputed));
    // The admin issued the code the place used: another staff member verifies.
    let own = admin
        .post(
            &s.app,
            &format!("/api/v1/staff/commitments/{code}/delivery/verify"),
            &serde_json::json!({}),
        )
        .await;
    let error = error_envelope(own, StatusCode::CONFLICT).await;
    assert!(error.message.contains("petugas lain"), "{}", error.message);
    let verifier = crate::staff::create_staff(
        &s.app,
        &admin,
        "verifier@dinsos.example.id",
        kolaborasi_shared::Role::Verifier,
        None,
    )
    .await;
    let by_other = verifier
        .post(
            &s.app,
            &format!("/api/v1/staff/commitments/{code}/delivery/verify"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(by_other.status(), StatusCode::OK);
    // After an answer no new code is issued.
    error_envelope(
        admin
            .post(
                &s.app,
                &format!("/api/v1/staff/commitments/{code}/slip"),
                &serde_json::json!({}),
            )
            .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Guessing: ten wrong codes from one address, then even a right code waits.
    let other = s
        .commit_ok("codes-0002-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    let (good, _, _) = deliver_with_evidence(&s, &other, &[(s.sembako, 1)]).await;
    // The expired code above counted as one miss; start from none.
    on_db!(s.app.db(), pool => sqlx::query("DELETE FROM rate_events")
        .execute(pool).await.map(drop).unwrap());
    for i in 0..10 {
        let guess = format!("ZZZZ-ZZ{i:02}");
        let guess = guess.replace('0', "A").replace('1', "B");
        error_envelope(
            s.app.get(&format!("/api/v1/receipts/{guess}")).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let limited = s
        .app
        .get(&format!("/api/v1/receipts/{}", good.confirm_code))
        .await;
    // Without `--kiosk-network` no device cookie is handed out.
    assert_eq!(header_text(&limited, header::SET_COOKIE), "");
    let retry_after = header_text(&limited, header::RETRY_AFTER);
    let error = error_envelope(limited, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error.message.contains("kode"), "{}", error.message);
    assert!(retry_after.parse::<u64>().unwrap() > 0);
    // The limit is per address and window: once the window has passed, it works.
    on_db!(s.app.db(), pool => sqlx::query("UPDATE rate_events SET at = at - 3600")
        .execute(pool).await.map(drop).unwrap());
    let _: ReceiptRequest = ok_json(
        s.app
            .get(&format!("/api/v1/receipts/{}", good.confirm_code))
            .await,
    )
    .await;
}

/// The map list says what a place received (share of its needs' value
/// delivered) and on which day it last received something; a delivery
/// changes the list, so its ETag too.
pub async fn the_location_list_shows_what_a_place_received_and_when(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let pesantren = s.app.id_of("Pesantren Al-Ikhlas Petojo").await;
    kolaborasi_server::locations::store::set_needs(s.app.db(), &[(pesantren, s.sembako, 10)])
        .await
        .unwrap();
    let summary = |list: &kolaborasi_shared::LocationList, id: i64| {
        list.locations
            .iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("location {id} is not listed"))
            .clone()
    };
    let raw_summary = |value: &serde_json::Value, id: i64| {
        value["locations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap()
            .clone()
    };

    // Committed but not delivered: nothing received yet.
    let first = s
        .commit_ok("received-0001-key", &order(s.location, &[(s.sembako, 10)]))
        .await;
    let before = s.app.get("/api/v1/locations").await;
    let etag = header_text(&before, header::ETAG);
    let before: kolaborasi_shared::LocationList = ok_json(before).await;
    let place = summary(&before, s.location);
    assert_eq!(place.received_percent, Some(0));
    assert_eq!(place.last_delivered_on, None);

    // The report moves the 10 packages from committed to delivered: what
    // remains does not change, what was received does, and so does the tag.
    let (_, _, _) = deliver_with_evidence(&s, &first, &[(s.sembako, 10)]).await;
    let after = send(
        s.app
            .request("/api/v1/locations")
            .header(header::IF_NONE_MATCH, etag.clone()),
    )
    .await;
    assert_eq!(after.status(), StatusCode::OK, "the old ETag still matches");
    assert_ne!(header_text(&after, header::ETAG), etag);
    let after: kolaborasi_shared::LocationList = ok_json(after).await;
    let place = summary(&after, s.location);
    assert_eq!(
        place.remaining_percent,
        summary(&before, s.location).remaining_percent
    );
    let catalogue: kolaborasi_shared::ProgramList =
        ok_json(s.app.get("/api/v1/programs").await).await;
    let value = |id| catalogue.package(id).unwrap().unit_value;
    let total = 100 * value(s.sembako) + 120 * value(s.lebaran);
    let expected = kolaborasi_shared::catalogue::received_percent(10 * value(s.sembako), total);
    assert_eq!(place.received_percent, expected);
    assert!(place.received_percent.unwrap() > 0, "{place:?}");
    assert_eq!(place.last_delivered_on.as_deref(), Some(today().as_str()));

    // A later report of an earlier day: the latest day stays.
    let second = s
        .commit_ok("received-0002-key", &order(s.location, &[(s.lebaran, 20)]))
        .await;
    let days = kolaborasi_server::db::now_unix().div_euclid(86_400) - 3;
    on_db!(s.app.db(), pool => sqlx::query("UPDATE commitments SET created_at = created_at - 4 * 86400 WHERE code = $1")
        .bind(&second.commitment.code).execute(pool).await.map(drop).unwrap());
    s.app.edited();
    let photo = upload(&s.app, &second, jpeg_with_gps()).await;
    let pdf = upload(&s.app, &second, PDF.to_vec()).await;
    let mut earlier = report_of(&second, &[(s.lebaran, 20)], &[&photo], &[&pdf]);
    earlier.delivered_on = kolaborasi_shared::validate::civil_from_days(days);
    let response = s
        .app
        .post(
            &format!("/api/v1/commitments/{}/delivery", second.commitment.code),
            &earlier,
            &[],
        )
        .await;
    let status = response.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let list = s.app.list("").await;
    let place = summary(&list, s.location);
    assert_eq!(place.last_delivered_on.as_deref(), Some(today().as_str()));
    let expected = kolaborasi_shared::catalogue::received_percent(
        10 * value(s.sembako) + 20 * value(s.lebaran),
        total,
    );
    assert_eq!(place.received_percent, expected);
    s.assert_books_balance().await;

    // Places without deliveries: `null` on the wire; without needs, no share.
    let raw: serde_json::Value = ok_json(s.app.get("/api/v1/locations").await).await;
    let with_needs = raw_summary(&raw, pesantren);
    assert_eq!(with_needs["last_delivered_on"], serde_json::Value::Null);
    assert_eq!(with_needs["received_percent"], 0);
    let without = raw_summary(&raw, s.app.id_of("RW 05 Pisangan Baru").await);
    assert_eq!(without["last_delivered_on"], serde_json::Value::Null);
    assert_eq!(without["received_percent"], serde_json::Value::Null);
    assert_eq!(without["remaining_percent"], serde_json::Value::Null);
}

/// A PDF of about `size` bytes whose content differs with `n`.
fn pdf_numbered(n: usize, size: usize) -> Vec<u8> {
    let mut f = format!("%PDF-1.4\n% dokumen {n}\n").into_bytes();
    f.extend(std::iter::repeat_n(b' ', size));
    f.extend_from_slice(
        b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    );
    f
}

fn stored(s: &Scene, id: &str) -> bool {
    s.app
        .running
        .state
        .upload_dir
        .join(&id[..2])
        .join(id)
        .exists()
}

/// Finding 7: evidence no report uses does not stay: a cancelled
/// commitment's files go at the next sweep, a file attached to no report a
/// day later; a file another report holds stays; and the disk is bounded
/// by a quota with a clear message.
pub async fn evidence_no_report_uses_is_removed_and_disk_is_bounded(engine: Engine) {
    let db = crate::support::TestDb::fresh(engine).await;
    let s = scene(TestApp::start_configured(db, |c| c.upload_quota_mib = 1).await).await;
    let sweep = |now: i64| {
        kolaborasi_server::deliveries::sweep_uploads(
            s.app.db(),
            &s.app.running.state.upload_dir,
            now,
            std::time::Duration::ZERO,
        )
    };
    // A delivered commitment: its photo and document are attached.
    let delivered = s
        .commit_ok("sweep-0001-key", &order(s.location, &[(s.sembako, 2)]))
        .await;
    let (_, photo, pdf) = deliver_with_evidence(&s, &delivered, &[(s.sembako, 2)]).await;
    // A cancelled one uploaded the same photo and a document of its own.
    let cancelled = s
        .commit_ok("sweep-0002-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    let same_photo = upload(&s.app, &cancelled, jpeg_with_gps()).await;
    assert_eq!(same_photo.id, photo.id, "stored once, by content");
    let own = upload(&s.app, &cancelled, pdf_numbered(1, 100)).await;
    let cancel = s
        .app
        .post(
            &format!("/api/v1/commitments/{}/cancel", cancelled.commitment.code),
            &kolaborasi_shared::CancelRequest {
                token: Some(cancelled.manage_token.clone()),
            },
            &[],
        )
        .await;
    assert_eq!(cancel.status(), StatusCode::OK);
    // An open one uploaded a document but has not reported.
    let open = s
        .commit_ok("sweep-0003-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    let pending = upload(&s.app, &open, pdf_numbered(2, 100)).await;

    let now = kolaborasi_server::db::now_unix();
    assert_eq!(
        sweep(now).await.unwrap(),
        2,
        "the cancelled commitment's two"
    );
    assert!(!stored(&s, &own.id), "its own document is gone");
    assert!(
        stored(&s, &photo.id),
        "the photo another report holds stays"
    );
    assert!(stored(&s, &pdf.id) && stored(&s, &pending.id));
    let public = s.app.get(&format!("/api/v1/evidence/{}", photo.id)).await;
    assert_eq!(public.status(), StatusCode::OK);
    // A day on, the unreported upload goes too; attached ones never.
    assert_eq!(sweep(now + 86_400 + 1).await.unwrap(), 1);
    assert!(!stored(&s, &pending.id));
    assert!(stored(&s, &photo.id) && stored(&s, &pdf.id));

    // The quota (1 MiB here): a clear refusal, nothing stored.
    let big = upload(&s.app, &open, pdf_numbered(3, 600 << 10)).await;
    let refused = upload_raw(
        &s.app,
        &open.commitment.code,
        Some(&open.manage_token),
        "application/pdf",
        pdf_numbered(4, 600 << 10),
    )
    .await;
    let error = error_envelope(refused, StatusCode::CONFLICT).await;
    assert!(error.message.contains("penuh"), "{}", error.message);
    assert!(stored(&s, &big.id));
}
