//! Transparency: the public log and its verification, live totals over
//! server-sent events (also across instances), breakdowns, the collaborator
//! directory, open data exports, the OpenAPI document, and that no public
//! response carries contact data.

use std::time::Duration;

use kolaborasi_server::commitments::store;
use kolaborasi_server::log::verify;
use kolaborasi_server::on_db;
use kolaborasi_shared::log::{Problem, Verifier};
use kolaborasi_shared::{
    Breakdowns, CancelRequest, CollaboratorDirectory, CommitmentReceipt, CommitmentView, LogHead,
    LogPage, NewCommitment, Stats, Totals,
};
use reqwest::{StatusCode, header};

use crate::commitments::{DONOR_EMAIL, Scene, order, scene};
use crate::support::{
    CONTACT_NAME, CONTACT_PHONE, Engine, TestApp, TestDb, error_envelope, header_text, ok_json,
    send,
};

fn by(
    name: &str,
    email: &str,
    kind: &str,
    consent: bool,
    mut body: NewCommitment,
) -> NewCommitment {
    body.collaborator.name = name.into();
    body.collaborator.email = email.into();
    body.collaborator.kind = kind.into();
    body.collaborator.show_name = consent;
    body
}

/// Every entry, page by page (small pages, to exercise paging).
async fn whole_log(app: &TestApp) -> Vec<kolaborasi_shared::LogEntry> {
    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let page: LogPage =
            ok_json(app.get(&format!("/api/v1/log?after={after}&limit=3")).await).await;
        entries.extend(page.entries);
        match page.next_after {
            Some(n) => after = n,
            None => return entries,
        }
    }
}

/// `/api/v1/stats` once it includes entry `seq` (the hub updates it
/// asynchronously, within milliseconds).
async fn stats_at(app: &TestApp, seq: i64) -> Stats {
    for _ in 0..200 {
        let stats: Stats = ok_json(app.get("/api/v1/stats").await).await;
        if stats.log_seq >= seq {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the live totals never reached log entry {seq}");
}

async fn head(app: &TestApp) -> LogHead {
    ok_json(app.get("/api/v1/log/head").await).await
}

pub async fn cancel(s: &Scene, receipt: &CommitmentReceipt) {
    let response = s
        .app
        .post(
            &format!("/api/v1/commitments/{}/cancel", receipt.commitment.code),
            &CancelRequest {
                token: Some(receipt.manage_token.clone()),
            },
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

pub async fn deliver(s: &Scene, code: &str) {
    let (id, location): (i64, i64) = on_db!(s.app.db(), pool => sqlx::query_as(
        "SELECT id, location_id FROM commitments WHERE code = $1")
        .bind(code).fetch_one(pool).await.unwrap());
    let now = kolaborasi_server::db::now_unix();
    assert!(
        store::deliver(s.app.db(), id, code, location, now)
            .await
            .unwrap()
    );
}

/// A scripted day: commitments by three collaborators (one twice), one
/// cancelled, one expired, one delivered.
async fn scripted_day(s: &Scene) -> Vec<CommitmentReceipt> {
    // A company signed in with a confirmed address, twice; the others are
    // guests who confirmed by the e-mailed link (but the anonymous one).
    let account = s
        .confirmed_account(DONOR_EMAIL, "PT Maju Jaya Abadi", "company")
        .await;
    let a1 = s
        .commit_ok_as(
            &account,
            "day-0001-a1-key",
            &by(
                "PT Maju Jaya Abadi",
                DONOR_EMAIL,
                "company",
                true,
                order(s.location, &[(s.sembako, 10)]),
            ),
        )
        .await;
    let b = s
        .commit_ok(
            "day-0002-b-key",
            &by(
                "Hamba Allah",
                "hamba@example.id",
                "individual",
                false,
                order(s.location, &[(s.lebaran, 5)]),
            ),
        )
        .await;
    let a2 = s
        .commit_ok_as(
            &account,
            "day-0003-a2-key",
            &by(
                "PT Maju Jaya Abadi",
                DONOR_EMAIL,
                "company",
                true,
                order(s.location, &[(s.sembako, 5)]),
            ),
        )
        .await;
    let c = s
        .commit_confirmed(
            "day-0004-c-key",
            &by(
                "Baznas Contoh",
                "zakat@example.id",
                "aggregator",
                true,
                order(s.location, &[(s.sembako, 3)]),
            ),
        )
        .await;
    cancel(s, &c).await;
    let d = s
        .commit_confirmed(
            "day-0005-d-key",
            &by(
                "Yayasan Contoh",
                "yayasan@example.id",
                "organisation",
                true,
                order(s.location, &[(s.lebaran, 2)]),
            ),
        )
        .await;
    on_db!(s.app.db(), pool => { sqlx::query("UPDATE commitments SET expires_at = 0 WHERE code = $1")
        .bind(&d.commitment.code).execute(pool).await.unwrap(); });
    s.app.edited();
    // The sweeper, told to look again, expires it before the next read.
    let _ = s.need(s.lebaran).await;
    deliver(s, &a1.commitment.code).await;
    vec![a1, b, a2, c, d]
}

pub async fn every_change_is_logged_and_the_log_derives_the_live_totals(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let r = scripted_day(&s).await;

    let entries = whole_log(&s.app).await;
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "commitment_made",
            "commitment_made",
            "commitment_made",
            "commitment_made",
            "commitment_cancelled",
            "commitment_made",
            "commitment_expired",
            "commitment_delivered"
        ]
    );
    let mut verifier = Verifier::new();
    for e in &entries {
        verifier
            .push(e)
            .unwrap_or_else(|m| panic!("entry {} does not verify: {m:?}", e.seq));
    }
    let head = head(&s.app).await;
    assert_eq!(
        verifier.head(),
        head,
        "the chain ends at the published head"
    );

    let stats = stats_at(&s.app, head.seq).await;
    assert_eq!(stats.log_seq, head.seq);
    assert_eq!(
        verifier.totals(),
        stats.totals,
        "totals from the log equal the live counters"
    );
    assert_eq!(
        stats.totals,
        Totals {
            collaborators: 2,
            collaborations: 3,
            packages_committed: 20,
            packages_delivered: 10,
            value_committed: 15 * 200_000 + 5 * 85_000,
            value_delivered: 10 * 200_000,
            families_reached: 120,
            people_reached: 0,
            locations_helped: 1,
        }
    );

    // The server's own check agrees.
    let report = verify(s.app.db()).await.unwrap();
    assert!(
        report.mismatch.is_none() && report.head_row.is_none(),
        "{report:?}"
    );
    assert_eq!(report.from_log, report.counters);

    // Public facts only, and the name only with consent.
    let text = serde_json::to_string(&entries).unwrap();
    for private in [
        DONOR_EMAIL,
        "hamba@example.id",
        "Hamba Allah",
        "34567890",
        "@",
    ] {
        assert!(!text.contains(private), "the log leaks {private}");
    }
    assert!(text.contains("PT Maju Jaya Abadi"));

    // Each report carries its history.
    let view: CommitmentView = ok_json(
        s.app
            .get(&format!("/api/v1/commitments/{}", r[3].commitment.code))
            .await,
    )
    .await;
    let history: Vec<&str> = view.history.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(history, ["commitment_made", "commitment_cancelled"]);
    s.assert_books_balance().await;
}

async fn drop_guards(app: &TestApp) {
    match app.db() {
        kolaborasi_server::db::Db::Sqlite(pool) => {
            for t in ["public_log_no_update", "public_log_no_delete"] {
                sqlx::query(&format!("DROP TRIGGER {t}"))
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        kolaborasi_server::db::Db::Postgres(pool) => {
            sqlx::query("DROP TRIGGER public_log_no_update ON public_log")
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

async fn first_problem(app: &TestApp) -> Option<(i64, Problem)> {
    // The tampering below is SQL behind the server's back; the server is
    // told, as after any repair, so it does not serve the log page it had.
    app.edited();
    // Both verifiers: the server command's and the one the browser runs.
    let server = verify(app.db())
        .await
        .unwrap()
        .mismatch
        .map(|m| (m.seq, m.problem));
    let mut v = Verifier::new();
    let client = whole_log(app)
        .await
        .iter()
        .find_map(|e| v.push(e).err())
        .map(|m| (m.seq, m.problem));
    assert_eq!(server, client);
    server
}

pub async fn changing_deleting_or_reordering_a_stored_entry_is_detected(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    for i in 0..4 {
        s.commit_ok(
            &format!("tamper-key-{i:04}"),
            &order(s.location, &[(s.sembako, 1)]),
        )
        .await;
    }
    assert_eq!(first_problem(&s.app).await, None);

    // The database refuses to rewrite history in the first place.
    on_db!(s.app.db(), pool => {
        assert!(sqlx::query("UPDATE public_log SET at = at + 1 WHERE seq = 2").execute(pool).await.is_err());
        assert!(sqlx::query("DELETE FROM public_log WHERE seq = 2").execute(pool).await.is_err());
    });
    // Whoever gets around that is still found out.
    drop_guards(&s.app).await;
    let original: (String, i64) = on_db!(s.app.db(), pool => sqlx::query_as(
        "SELECT facts, at FROM public_log WHERE seq = 2").fetch_one(pool).await.unwrap());

    let changed = original.0.replace("\"quantity\":1", "\"quantity\":2");
    assert_ne!(changed, original.0);
    on_db!(s.app.db(), pool => { sqlx::query("UPDATE public_log SET facts = $1 WHERE seq = 2")
        .bind(&changed).execute(pool).await.unwrap(); });
    assert_eq!(first_problem(&s.app).await, Some((2, Problem::Hash)));
    on_db!(s.app.db(), pool => { sqlx::query("UPDATE public_log SET facts = $1 WHERE seq = 2")
        .bind(&original.0).execute(pool).await.unwrap(); });
    assert_eq!(first_problem(&s.app).await, None, "restored");

    on_db!(s.app.db(), pool => { sqlx::query("UPDATE public_log SET at = at + 60 WHERE seq = 3")
        .execute(pool).await.unwrap(); });
    assert_eq!(
        first_problem(&s.app).await,
        Some((3, Problem::Hash)),
        "a changed time"
    );
    on_db!(s.app.db(), pool => { sqlx::query("UPDATE public_log SET at = at - 60 WHERE seq = 3")
        .execute(pool).await.unwrap(); });

    // Reordered: entries 2 and 3 swap places.
    on_db!(s.app.db(), pool => {
        for sql in [
            "UPDATE public_log SET seq = -2 WHERE seq = 2",
            "UPDATE public_log SET seq = 2 WHERE seq = 3",
            "UPDATE public_log SET seq = 3 WHERE seq = -2",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
    });
    let reordered = first_problem(&s.app).await;
    assert!(
        matches!(reordered, Some((2, Problem::Chain | Problem::Hash))),
        "{reordered:?}"
    );
    on_db!(s.app.db(), pool => {
        for sql in [
            "UPDATE public_log SET seq = -2 WHERE seq = 2",
            "UPDATE public_log SET seq = 2 WHERE seq = 3",
            "UPDATE public_log SET seq = 3 WHERE seq = -2",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
    });
    assert_eq!(first_problem(&s.app).await, None, "restored");

    // Deleted: entry 3 is gone.
    on_db!(s.app.db(), pool => { sqlx::query("DELETE FROM public_log WHERE seq = 3")
        .execute(pool).await.unwrap(); });
    assert_eq!(first_problem(&s.app).await, Some((4, Problem::Sequence)));
}

/// Reads `text/event-stream` events from a response.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp) -> Self {
        let response = send(app.request("/api/v1/stats/stream")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next `stats` event (keep-alive comments are skipped).
    async fn next(&mut self) -> Stats {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    assert!(event.lines().any(|l| l == "event: stats"), "{event}");
                    return serde_json::from_str(data).unwrap();
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.response.chunk())
                .await
                .expect("no event within 20 s")
                .expect("the stream failed")
                .expect("the stream ended");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

pub async fn live_totals_reach_every_subscriber_after_a_commitment(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let mut one = Events::open(&s.app).await;
    let mut two = Events::open(&s.app).await;
    let before = one.next().await;
    assert_eq!(two.next().await, before, "the current totals come at once");
    assert_eq!(s.app.running.state.hub.subscribers(), 2);

    s.commit_ok("live-0001-key-x", &order(s.location, &[(s.sembako, 7)]))
        .await;
    for events in [&mut one, &mut two] {
        let after = events.next().await;
        assert!(after.log_seq > before.log_seq);
        assert_eq!(
            after.totals.collaborations,
            before.totals.collaborations + 1
        );
        assert_eq!(
            after.totals.packages_committed,
            before.totals.packages_committed + 7
        );
    }
}

/// A second server as its own process (the built `kolaborasi-server`), on
/// `database_url`, killed when dropped.
pub struct OtherProcess {
    child: std::process::Child,
    pub base: String,
}

impl OtherProcess {
    /// Peak resident memory so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }

    pub fn start(database_url: &str, extra: &[&str]) -> Self {
        use std::io::BufRead;
        let static_dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kolaborasi-server"))
            .args([
                "--bind",
                "127.0.0.1:0",
                "--demo-scale",
                "0",
                "--database-url",
                database_url,
            ])
            .arg("--static-dir")
            .arg(static_dir.path())
            .arg("--mail-dir")
            .arg(static_dir.path().join("mail"))
            .arg("--signing-key")
            .arg(static_dir.path().join("log-signing.key"))
            // As in-process test servers (`support.rs`): reservation
            // tests are not held to the limits on unconfirmed contacts.
            .args([
                "--unconfirmed-share-percent",
                "100",
                "--unconfirmed-per-contact",
                "4294967295",
                "--unconfirmed-per-network-hour",
                "4294967295",
                "--connections-per-address",
                "1000000",
            ])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start kolaborasi-server");
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server printed its address")
                .unwrap();
            if let Some(url) = line.split("running at ").nth(1) {
                break url.trim().trim_end_matches('/').to_owned();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, base }
    }
}

impl Drop for OtherProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// PostgreSQL with two server processes on one database: a commitment made
/// through one reaches the other's subscribers. The other polls only once
/// an hour, so only LISTEN/NOTIFY can carry it in time.
#[tokio::test]
async fn postgres_a_commitment_through_one_process_reaches_subscribers_of_another() {
    let db = TestDb::fresh(Engine::Postgres).await;
    let a = scene(TestApp::start_configured(db.clone(), |c| c.live_poll_secs = 3600).await).await;
    let b = OtherProcess::start(&db.url, &["--live-poll-secs", "3600"]);
    let response = send(a.app.client.get(format!("{}/api/v1/stats/stream", b.base))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    let before = events.next().await;
    a.commit_ok("across-0001-key", &order(a.location, &[(a.sembako, 4)]))
        .await;
    let after = events.next().await;
    assert_eq!(
        after.totals.collaborations,
        before.totals.collaborations + 1
    );
    assert_eq!(
        after.totals.packages_committed,
        before.totals.packages_committed + 4
    );
    drop(b);
}

pub async fn the_log_pages_and_refuses_bad_parameters(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    for i in 0..5 {
        s.commit_ok(
            &format!("page-key-{i:04}"),
            &order(s.location, &[(s.sembako, 1)]),
        )
        .await;
    }
    let first: LogPage = ok_json(s.app.get("/api/v1/log?limit=2").await).await;
    assert_eq!(
        first.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(first.next_after, Some(2));
    assert_eq!(first.head.seq, 5);
    let last: LogPage = ok_json(s.app.get("/api/v1/log?after=4&limit=2").await).await;
    assert_eq!(last.entries.len(), 1);
    assert_eq!(last.next_after, None);
    let past: LogPage = ok_json(s.app.get("/api/v1/log?after=5").await).await;
    assert!(past.entries.is_empty() && past.next_after.is_none());
    for (query, field) in [
        ("after=-1", "after"),
        ("after=x", "after"),
        ("limit=0", "limit"),
        ("limit=5001", "limit"),
        ("from=1", "from"),
        ("after=1&after=2", "after"),
    ] {
        let e = s
            .app
            .expect_invalid(&format!("/api/v1/log?{query}"), field)
            .await;
        assert!(
            !e.message.contains("error."),
            "a message, not a key: {}",
            e.message
        );
    }
}

pub async fn breakdowns_and_the_directory_name_only_those_who_consented(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    scripted_day(&s).await;
    let head = head(&s.app).await;
    let stats = stats_at(&s.app, head.seq).await;

    let response = s.app.get("/api/v1/stats/breakdowns").await;
    let tag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    let b: Breakdowns = ok_json(response).await;
    assert_eq!(b.log_seq, head.seq);
    for rows in [&b.by_program, &b.by_package, &b.by_category, &b.by_kota] {
        assert_eq!(
            rows.iter().map(|r| r.value).sum::<i64>(),
            stats.totals.value_committed
        );
        assert_eq!(
            rows.iter().map(|r| r.value_delivered).sum::<i64>(),
            stats.totals.value_delivered
        );
    }
    assert_eq!(b.by_program[0].key, "ksbb-pangan");
    assert_eq!(b.by_program[0].label.as_ref().unwrap().id, "KSBB Pangan");
    assert_eq!(b.by_kota[0].key, "31.71");
    assert!(
        b.by_kota[0]
            .label
            .as_ref()
            .unwrap()
            .id
            .contains("Jakarta Pusat")
    );
    assert_eq!(b.by_category[0].key, "rw_prioritas");
    assert_eq!(b.by_category[0].collaborations, 3);
    assert_eq!(
        b.by_day.iter().map(|d| d.made).sum::<i64>(),
        5,
        "every commitment made, whatever became of it"
    );
    let again = send(
        s.app
            .request("/api/v1/stats/breakdowns")
            .header(header::IF_NONE_MATCH, &tag),
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let d: CollaboratorDirectory = ok_json(s.app.get("/api/v1/collaborators").await).await;
    let names: Vec<&str> = d.items.iter().map(|i| i.name.as_str()).collect();
    // Baznas cancelled and Yayasan expired: they no longer count.
    assert_eq!(names, ["PT Maju Jaya Abadi"]);
    assert_eq!(d.total, 1);
    assert_eq!(d.items[0].collaborations, 2);
    assert_eq!(d.items[0].packages, 15);
    assert_eq!(d.items[0].value_delivered, 10 * 200_000);
    assert_eq!((d.anonymous.collaborations, d.anonymous.packages), (1, 5));
    let text = serde_json::to_string(&d).unwrap();
    assert!(
        !text.contains("Hamba Allah") && !text.contains('@'),
        "{text}"
    );

    // An aggregator, marked as such, and the kind filter.
    s.commit_confirmed(
        "dir-0001-agg-key",
        &by(
            "Baznas Contoh",
            "zakat@example.id",
            "aggregator",
            true,
            order(s.location, &[(s.sembako, 1)]),
        ),
    )
    .await;
    let d: CollaboratorDirectory =
        ok_json(s.app.get("/api/v1/collaborators?kind=aggregator").await).await;
    assert_eq!(d.items.len(), 1);
    assert!(d.items[0].aggregator);
    let d: CollaboratorDirectory =
        ok_json(s.app.get("/api/v1/collaborators?per_page=1&page=2").await).await;
    assert_eq!((d.total, d.items.len()), (2, 1));
    for (query, field) in [
        ("page=0", "page"),
        ("per_page=201", "per_page"),
        ("kind=king", "kind"),
        ("sort=name", "sort"),
    ] {
        s.app
            .expect_invalid(&format!("/api/v1/collaborators?{query}"), field)
            .await;
    }
}

async fn text_of(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

pub async fn open_data_downloads_stream_filter_and_carry_hxl(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    scripted_day(&s).await;
    // One commitment from long ago, for the date filter.
    on_db!(s.app.db(), pool => { sqlx::query(
        "UPDATE commitments SET created_at = 1768435200 WHERE idempotency_key = 'day-0002-b-key'")
        .execute(pool).await.unwrap(); }); // 2026-01-15
    s.app.edited();

    let response = s.app.get("/api/v1/export/commitments.csv?hxl=1").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert!(
        response.headers().get(header::CONTENT_LENGTH).is_none(),
        "streamed, not buffered"
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("code,status,created_date,planned_date"));
    assert!(lines[1].starts_with("#activity+code,#status,#date+committed"));
    assert_eq!(
        lines.len(),
        2 + 5,
        "one row per line of each of the 5 commitments"
    );
    assert!(csv.contains(",Anonim,individual,"), "no consent, no name");
    assert!(!csv.contains("Hamba Allah"));

    let plain = text_of(&s.app, "/api/v1/export/commitments.csv").await;
    assert!(!plain.contains("#activity"));
    let january = text_of(
        &s.app,
        "/api/v1/export/commitments.csv?from=2026-01-01&to=2026-01-31",
    )
    .await;
    assert_eq!(january.lines().count(), 2);
    let later = text_of(&s.app, "/api/v1/export/commitments.csv?from=2026-02-01").await;
    assert_eq!(later.lines().count(), 1 + 4);
    let pusat = text_of(&s.app, "/api/v1/export/commitments.csv?area=31.71").await;
    assert_eq!(pusat.lines().count(), 1 + 5);
    let timur = text_of(&s.app, "/api/v1/export/commitments.csv?area=31.75").await;
    assert_eq!(timur.lines().count(), 1);
    let umkm = text_of(&s.app, "/api/v1/export/commitments.csv?program=ksbb-umkm").await;
    assert_eq!(umkm.lines().count(), 1);

    let json: serde_json::Value =
        serde_json::from_str(&text_of(&s.app, "/api/v1/export/commitments.json").await).unwrap();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 5);
    assert!(
        all.iter()
            .all(|c| c["lines"].as_array().unwrap().len() == 1)
    );
    assert_eq!(
        all.iter()
            .filter(|c| c["collaborator"]["name"].is_null())
            .count(),
        1
    );

    let geo: serde_json::Value =
        serde_json::from_str(&text_of(&s.app, "/api/v1/export/locations.geojson").await).unwrap();
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), crate::support::fixtures().len());
    let cideng = features
        .iter()
        .find(|f| f["properties"]["id"] == s.location)
        .unwrap();
    assert_eq!(cideng["geometry"]["type"], "Point");
    assert_eq!(cideng["properties"]["needs"].as_array().unwrap().len(), 2);
    let only_food: serde_json::Value = serde_json::from_str(
        &text_of(
            &s.app,
            "/api/v1/export/locations.geojson?program=ksbb-pangan",
        )
        .await,
    )
    .unwrap();
    assert_eq!(
        only_food["features"].as_array().unwrap().len(),
        1,
        "only places with a food need"
    );

    let locations = text_of(&s.app, "/api/v1/export/locations.csv?hxl=1&area=31.71").await;
    assert!(
        locations
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("#loc+id,#loc+name")
    );
    assert!(
        locations.contains("pangan-sembako,100,"),
        "target, then what is committed: {locations}"
    );

    for (query, field) in [
        ("commitments.csv?area=99", "area"),
        ("commitments.csv?area=31.79", "area"),
        ("commitments.csv?from=2026-13-01", "from"),
        ("commitments.csv?from=2026-02-01&to=2026-01-01", "to"),
        ("commitments.csv?hxl=yes", "hxl"),
        ("commitments.json?hxl=1", "hxl"),
        ("locations.csv?from=2026-01-01", "from"),
    ] {
        s.app
            .expect_invalid(&format!("/api/v1/export/{query}"), field)
            .await;
    }
}

/// Fetches a public GET path; for the event stream only its first event.
async fn public_body(app: &TestApp, path: &str) -> String {
    let mut response = send(app.request(path)).await;
    assert!(
        response.status().is_success(),
        "{path} answered {}",
        response.status()
    );
    if path.ends_with("/stream") {
        let chunk = response.chunk().await.unwrap().unwrap();
        return String::from_utf8_lossy(&chunk).into_owned();
    }
    response.text().await.unwrap()
}

pub async fn no_public_endpoint_or_export_carries_contact_data(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let secret = by(
        "Donatur Rahasia Sekali",
        "rahasia.donatur@example.id",
        "individual",
        false,
        order(s.location, &[(s.sembako, 2)]),
    );
    let receipt = s.commit_ok("secret-0001-key", &secret).await;
    s.commit_ok("secret-0002-key", &order(s.location, &[(s.lebaran, 2)]))
        .await;
    let code = receipt.commitment.code.clone();
    // A delivery disputed with a comment naming the place's contact, and one
    // waiting for the place's answer.
    let (disputed, photo, _) =
        crate::deliveries::deliver_with_evidence(&s, &receipt, &[(s.sembako, 2)]).await;
    let answer = kolaborasi_shared::ReceiptAnswer {
        outcome: kolaborasi_shared::ReceiptStatus::Disputed,
        lines: vec![kolaborasi_shared::ReceivedLineInput {
            package_id: s.sembako,
            ok: 1,
            damaged: 0,
        }],
        comment: format!("Hanya satu paket, kata {CONTACT_NAME} ({CONTACT_PHONE})."),
    };
    let answered = s
        .app
        .post(
            &format!("/api/v1/receipts/{}", disputed.confirm_code),
            &answer,
            &[],
        )
        .await;
    assert_eq!(answered.status(), StatusCode::OK);
    let pending_receipt = s
        .commit_ok("secret-0003-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    let (pending, _, _) =
        crate::deliveries::deliver_with_evidence(&s, &pending_receipt, &[(s.sembako, 1)]).await;

    // A resident's report naming people, with a contact, answered publicly
    // by staff (the answer is public; what the resident typed is not).
    let report = crate::reports::file(
        &s,
        kolaborasi_shared::ReportKind::NotArrived,
        &format!("Sembako belum sampai, kata {CONTACT_NAME} ({CONTACT_PHONE})."),
        "rahasia.warga@example.id",
    )
    .await;
    crate::reports::answer(&s, &report.code, "resolved", "Sudah dicek: dikirim ulang.").await;
    // A suggested place with a photo: its name, text, contact and photo are
    // for staff (and its name for its reporter's code) until staff act.
    let suggestion: kolaborasi_shared::ReportView = crate::support::json_with(
        s.app
            .post(
                "/api/v1/reports",
                &serde_json::json!({
                    "kind": "new_place",
                    "description": "Usulan rahasia warga tentang panti ini.",
                    "contact": "usul.rahasia@example.id",
                    "place": { "name": "Panti Rahasia Usulan", "category": "panti_asuhan",
                               "kelurahan_code": "31.71.01.1002" },
                    "photo": base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        crate::evidence::jpeg_with_gps(),
                    ),
                }),
                &[],
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    crate::reports::answer(&s, &suggestion.code, "declined", "Sudah ada di peta.").await;

    let doc: serde_json::Value = ok_json(s.app.get("/api/v1/openapi.json").await).await;
    let mut walked = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if get.get("security").is_some() {
            continue;
        }
        let concrete = if path.contains("/reports/{code}") {
            path.replace("{code}", &report.code)
        } else if path.contains("/receipts/") {
            path.replace("{code}", &pending.confirm_code)
        } else if path.contains("/evidence/") {
            path.replace("{id}", &photo.id)
        } else {
            path.replace("{code}", &code)
                .replace("{id}", &s.location.to_string())
        };
        let mut variants = vec![concrete.clone()];
        if concrete.contains("/export/") && concrete.contains(".csv") {
            variants.push(format!("{concrete}?hxl=1"));
        }
        if concrete.ends_with("/log") {
            variants.push(format!("{concrete}?limit=5000"));
        }
        for p in variants {
            let body = public_body(&s.app, &p).await;
            for private in [
                "rahasia.donatur@example.id",
                "Donatur Rahasia",
                DONOR_EMAIL,
                "81234567890",
                "0812-3456-7890",
                CONTACT_NAME,
                "Sulastri",
                CONTACT_PHONE,
                "5550 4471",
                "55504471",
                &receipt.manage_token,
                &pending.confirm_code,
                "Hanya satu paket",
                "Sembako belum sampai",
                "rahasia.warga@example.id",
                "Panti Rahasia Usulan",
                "Usulan rahasia warga",
                "usul.rahasia@example.id",
            ] {
                assert!(!body.contains(private), "{p} carries {private}");
            }
            walked.push(p);
        }
    }
    // The walk covered what the issue names, from the document itself.
    for must in [
        "/api/v1/locations",
        "/api/v1/commitments/",
        "/api/v1/stats/stream",
        "/api/v1/collaborators",
        "/api/v1/log",
        "/api/v1/export/commitments.csv?hxl=1",
        "/api/v1/export/locations.geojson",
        "/api/v1/receipts/",
        "/api/v1/evidence/",
        "/api/v1/reports/",
    ] {
        assert!(
            walked.iter().any(|p| p.starts_with(must)),
            "{must} not walked: {walked:?}"
        );
    }
    assert!(walked.len() >= 20, "{walked:?}");
}

pub async fn the_openapi_document_describes_every_public_endpoint_with_generated_schemas(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let doc: serde_json::Value = ok_json(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "CommitmentView",
        "NewCommitment",
        "Stats",
        "LogPage",
        "ErrorBody",
        "LocationList",
    ] {
        assert!(schemas.contains_key(name), "{name} missing");
    }
    // Generated from the wire types: the fields are the structs' fields.
    let stats = &schemas["Totals"]["properties"];
    assert!(stats.get("families_reached").is_some());
    let post = &doc["paths"]["/api/v1/commitments"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewCommitment"
    );
    assert!(post["responses"]["409"].is_object());
    assert!(doc["paths"]["/api/v1/session"]["get"]["security"].is_array());
    assert!(doc["components"]["securitySchemes"]["cookieSession"]["in"] == "cookie");
    // Every documented path and method is routed: none gets the answer of
    // an unknown route, or 405.
    let missing = error_envelope(
        app.get("/api/v1/no-such-route").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{code}", "AAAA-AAAA").replace("{id}", "1");
            let request = app
                .client
                .request(method.to_uppercase().parse().unwrap(), app.url(&concrete));
            let mut response = send(
                request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body("{}"),
            )
            .await;
            assert_ne!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            if response.status() == StatusCode::NOT_FOUND {
                let e = error_envelope(response, StatusCode::NOT_FOUND).await;
                assert_ne!(
                    e.message, missing.message,
                    "{method} {path} is documented but not routed"
                );
            } else if concrete.ends_with("/stream") {
                let _ = response.chunk().await;
            }
        }
    }
    app.stop().await;
}

/// Finding 14: downloads cost a full query each, so one client network
/// starts at most its share of them; another network is not affected.
pub async fn downloads_are_limited_per_client_network(engine: Engine) {
    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.trust_proxy = true;
    })
    .await;
    app.insert(&crate::support::fixtures()).await;
    let download = |network: &'static str, path: &'static str| {
        let app = &app;
        async move { send(app.request(path).header("X-Forwarded-For", network)).await }
    };
    let files = [
        "/api/v1/export/commitments.csv",
        "/api/v1/export/commitments.json",
        "/api/v1/export/locations.csv",
        "/api/v1/export/locations.geojson",
    ];
    let per_client = usize::try_from(kolaborasi_server::export::EXPORTS_PER_CLIENT).unwrap();
    for i in 0..per_client {
        let r = download("203.0.113.50", files[i % files.len()]).await;
        assert_eq!(r.status(), StatusCode::OK, "download {i}");
        r.bytes().await.unwrap();
    }
    let refused = download("203.0.113.50", files[0]).await;
    assert!(!header_text(&refused, header::RETRY_AFTER).is_empty());
    let error = error_envelope(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error.message.contains("unduhan"), "{}", error.message);
    let other = download("198.51.100.50", files[2]).await;
    assert_eq!(other.status(), StatusCode::OK);
}
