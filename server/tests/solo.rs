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
//! - E-mail over a real SMTP server (Debian's `python3-aiosmtpd`, which
//!   `cargo xtask test` installs): a commitment made while the server is
//!   down is acknowledged and its receipt arrives once it is up, in the
//!   donor's language, with links that work; the reminder comes before the
//!   expiry (the clock again), and the delivery notice once the place
//!   confirms the receipt.

#![allow(dead_code)] // support.rs serves the other test binary too

#[path = "api/support.rs"]
mod support;

#[path = "api/evidence.rs"]
mod evidence;

use kolaborasi_server::catalogue;
use kolaborasi_server::clock;
use kolaborasi_server::locations::store::set_needs;
use kolaborasi_shared::{
    CollaboratorInput, CommitmentReceipt, LineInput, LocationDetail, LocationList, NewCommitment,
    Stats,
};
use reqwest::StatusCode;
use support::{Engine, Mail, TestApp, TestDb, ok_json, send, today};

const DAY: i64 = 86_400;

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

/// The fixtures, with 100 Sembako packages needed at "RW 03 Cideng":
/// (place, package).
async fn hundred_sembako(app: &TestApp) -> (i64, i64) {
    app.insert(&support::fixtures()).await;
    let location = app.id_of("RW 03 Cideng").await;
    let sembako = catalogue::package_id(app.db(), "pangan-sembako")
        .await
        .unwrap()
        .unwrap();
    set_needs(app.db(), &[(location, sembako, 100)])
        .await
        .unwrap();
    app.edited();
    (location, sembako)
}

async fn expiry_without_writers(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (location, sembako) = hundred_sembako(&app).await;
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
    assert_eq!(
        expires_at - receipt.commitment.created_at,
        6 * 3_600,
        "an unconfirmed contact holds for the short window"
    );

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

/// A real SMTP server storing what it receives in a Maildir.
struct Smtp {
    child: std::process::Child,
    dir: tempfile::TempDir,
}

impl Smtp {
    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    /// Debian's Python with `aiosmtpd` (not a pyenv one without it).
    fn python() -> &'static str {
        for python in ["/usr/bin/python3", "python3"] {
            let ok = std::process::Command::new(python)
                .args(["-c", "import aiosmtpd"])
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return python;
            }
        }
        panic!("no python3 with aiosmtpd: install python3-aiosmtpd (`cargo xtask test` does)");
    }

    fn start(port: u16) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // Waited for in `drop`, or below when it never listens.
        #[allow(clippy::zombie_processes)]
        let mut child = std::process::Command::new(Self::python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("box"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Self { child, dir };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not listen on {port} within 10 s");
    }

    fn mails(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("box/new")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .map(|e| Mail::parse(&std::fs::read_to_string(e.path()).expect("a readable message")))
            .collect()
    }

    async fn wait_for(&self, what: &str, wanted: impl Fn(&Mail) -> bool) -> Mail {
        for _ in 0..400 {
            if let Some(mail) = self.mails().into_iter().find(|m| wanted(m)) {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "no {what} arrived within 20 s; received: {:#?}",
            self.mails()
        );
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server sending e-mail to `port` (retrying every second), with 100
/// Sembako packages needed at "RW 03 Cideng": (app, place, package).
async fn mailing_server(engine: Engine, port: u16) -> (TestApp, i64, i64) {
    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail_retry_secs = 1;
    })
    .await;
    let (location, sembako) = hundred_sembako(&app).await;
    (app, location, sembako)
}

async fn mail_over_smtp(engine: Engine) {
    let port = Smtp::free_port();
    let (app, location, sembako) = mailing_server(engine, port).await;

    // The SMTP server is down: the commitment is acknowledged all the same.
    let body = NewCommitment {
        location_id: location,
        lines: vec![LineInput {
            package_id: sembako,
            quantity: 5,
        }],
        planned_date: today(),
        collaborator: CollaboratorInput {
            name: "Yayasan Surat".into(),
            kind: "organisation".into(),
            email: "surat@example.id".into(),
            phone: "0812-0000-2222".into(),
            show_name: true,
        },
    };
    let response = send(
        app.client
            .post(app.url("/api/v1/commitments"))
            .header("Idempotency-Key", format!("mail-{engine:?}-0001"))
            .header(reqwest::header::ACCEPT_LANGUAGE, "en")
            .json(&body),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: CommitmentReceipt = response.json().await.unwrap();
    let code = receipt.commitment.code.clone();
    let mut tried = false;
    for _ in 0..200 {
        let (attempts, sent): (i32, Option<i64>) = kolaborasi_server::on_db!(app.db(), pool => sqlx::query_as(
            "SELECT attempts, sent_at FROM outbox WHERE kind = 'committed'",
        ).fetch_one(pool).await.unwrap());
        assert_eq!(sent, None, "sent with no SMTP server listening");
        if attempts >= 1 {
            tried = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(tried, "the sender never tried");

    // Up: the receipt arrives, in English, with links that work.
    let smtp = Smtp::start(port);
    let mail = smtp.wait_for("receipt", |m| m.body.contains(&code)).await;
    assert!(mail.header("To").contains("surat@example.id"), "{mail:?}");
    assert!(mail.header("Subject").contains("thank you"), "{mail:?}");
    assert!(
        mail.body.contains("Your commitment to RW 03 Cideng"),
        "{}",
        mail.body
    );
    let manage = mail
        .link(&format!("{}/kolaborasi/{code}#kelola=", app.base))
        .unwrap_or_else(|| panic!("no manage link in {}", mail.body));
    let token = manage.rsplit('=').next().unwrap();
    let private = send(
        app.request(&format!("/api/v1/commitments/{code}/private"))
            .header(kolaborasi_shared::MANAGE_TOKEN_HEADER, token),
    )
    .await;
    assert_eq!(private.status(), StatusCode::OK, "the manage link works");
    let link = mail
        .link(&format!("{}/konfirmasi/{code}#t=", app.base))
        .unwrap_or_else(|| panic!("no confirmation link in {}", mail.body));
    let confirm_token = link.rsplit('=').next().unwrap();
    let confirmed: kolaborasi_shared::CommitmentView = ok_json(
        app.post(
            &format!("/api/v1/commitments/{code}/confirm"),
            &serde_json::json!({ "token": confirm_token }),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        confirmed.expires_at,
        receipt.commitment.created_at + 14 * DAY
    );

    // Two days before the expiry, the reminder.
    let due = confirmed.expires_at - kolaborasi_server::mail::REMIND_BEFORE + 60;
    clock::advance_for_tests(due - kolaborasi_server::db::now_unix());
    let reminder = smtp
        .wait_for("reminder", |m| {
            m.header("Subject").starts_with("Reminder") && m.body.contains(&code)
        })
        .await;
    assert!(reminder.body.contains(&manage), "{}", reminder.body);

    delivery_notice(&app, &smtp, &receipt, sembako).await;
    app.stop().await;
}

/// The commitment is delivered, and the place confirms: the donor is told
/// over SMTP, in the language they committed in (English).
async fn delivery_notice(app: &TestApp, smtp: &Smtp, receipt: &CommitmentReceipt, sembako: i64) {
    let code = &receipt.commitment.code;
    let (slip, _, _) = evidence::report_delivery(app, receipt, &[(sembako, 5)]).await;
    let answer = kolaborasi_shared::ReceiptAnswer {
        outcome: kolaborasi_shared::ReceiptStatus::Confirmed,
        lines: vec![kolaborasi_shared::ReceivedLineInput {
            package_id: sembako,
            ok: 5,
            damaged: 0,
        }],
        comment: String::new(),
    };
    let received = app
        .post(
            &format!("/api/v1/receipts/{}", slip.confirm_code),
            &answer,
            &[],
        )
        .await;
    assert_eq!(received.status(), StatusCode::OK);
    let notice = smtp
        .wait_for("delivery notice", |m| {
            m.body
                .contains("confirmed that the packages of collaboration")
        })
        .await;
    assert!(notice.body.contains(code.as_str()), "{}", notice.body);
    assert!(
        notice.header("To").contains("surat@example.id"),
        "{notice:?}"
    );
    assert!(
        notice
            .body
            .contains(&format!("{}/kolaborasi/{code}", app.base)),
        "{}",
        notice.body
    );
}

/// One test: the scenarios must not overlap (see the module comment).
#[tokio::test]
async fn alone_in_the_process() {
    mail_over_smtp(Engine::Sqlite).await;
    mail_over_smtp(Engine::Postgres).await;
    answers_without_the_database(Engine::Sqlite).await;
    answers_without_the_database(Engine::Postgres).await;
    expiry_without_writers(Engine::Sqlite).await;
    expiry_without_writers(Engine::Postgres).await;
}
