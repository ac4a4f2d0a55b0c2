//! The read model: public answers come from memory, follow every change at
//! once, keep their tag while unchanged, and never write to the database.

use std::fmt::Write as _;
use std::time::Duration;

use kolaborasi_shared::{
    CollaboratorDirectory, LocationDetail, LocationList, LogHead, ProgramList, Stats,
};
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::commitments::{Scene, order, scene};
use crate::support::{Engine, TestApp, TestDb, header_text, ok_json, send};

/// Every public answer the read model serves, by path.
fn public_paths(s: &Scene, other: i64) -> Vec<String> {
    vec![
        "/api/v1/locations".into(),
        "/api/v1/locations?category=rw_prioritas".into(),
        "/api/v1/locations/points".into(),
        "/api/v1/locations/points?category=rw_prioritas".into(),
        format!("/api/v1/locations/{}", s.location),
        format!("/api/v1/locations/{other}"),
        "/api/v1/programs".into(),
        "/api/v1/stats/breakdowns".into(),
        "/api/v1/collaborators".into(),
        "/api/v1/log/head".into(),
    ]
}

async fn etag(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    header_text(&response, header::ETAG)
}

async fn revalidate(app: &TestApp, path: &str, etag: &str) -> StatusCode {
    send(app.request(path).header(header::IF_NONE_MATCH, etag))
        .await
        .status()
}

async fn remaining_percent(app: &TestApp, id: i64) -> Option<u8> {
    let list: LocationList = ok_json(app.get("/api/v1/locations").await).await;
    list.locations
        .into_iter()
        .find(|l| l.id == id)
        .and_then(|l| l.remaining_percent)
}

async fn collaborations(app: &TestApp) -> i64 {
    let stats: Stats = ok_json(app.get("/api/v1/stats").await).await;
    stats.totals.collaborations
}

pub async fn public_answers_show_each_change_in_the_next_read_and_keep_their_tag_otherwise(
    engine: Engine,
) {
    let s = scene(TestApp::start(engine).await).await;
    let other = s.app.id_of("RW 05 Pisangan Baru").await;
    let paths = public_paths(&s, other);
    let mut tags = Vec::new();
    for path in &paths {
        tags.push(etag(&s.app, path).await);
    }
    for (path, tag) in paths.iter().zip(&tags) {
        assert_eq!(
            revalidate(&s.app, path, tag).await,
            StatusCode::NOT_MODIFIED,
            "{path}: nothing changed"
        );
    }
    assert_eq!(remaining_percent(&s.app, s.location).await, Some(100));

    // A commitment: the place, the list, the totals, the breakdowns, the
    // directory and the log head show it at once; the rest stays 304.
    let receipt = s
        .commit_confirmed("reads-0001-key", &order(s.location, &[(s.sembako, 50)]))
        .await;
    assert_eq!(s.need(s.sembako).await.remaining, 50);
    assert!(remaining_percent(&s.app, s.location).await < Some(100));
    assert_eq!(collaborations(&s.app).await, 1);
    let directory: CollaboratorDirectory = ok_json(s.app.get("/api/v1/collaborators").await).await;
    assert_eq!(directory.total, 1);
    let head: LogHead = ok_json(s.app.get("/api/v1/log/head").await).await;
    assert_eq!(head.seq, 1);
    let unchanged = [
        format!("/api/v1/locations/{other}"),
        "/api/v1/programs".to_owned(),
    ];
    for (path, tag) in paths.iter().zip(&tags) {
        let status = revalidate(&s.app, path, tag).await;
        if unchanged.contains(path) {
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{path} did not change");
        } else {
            assert_eq!(status, StatusCode::OK, "{path} changed");
        }
    }

    // A cancellation returns the quantities in the next read.
    crate::transparency::cancel(&s, &receipt).await;
    assert_eq!(s.need(s.sembako).await.remaining, 100);
    assert_eq!(remaining_percent(&s.app, s.location).await, Some(100));
    assert_eq!(collaborations(&s.app).await, 0);

    // A delivery.
    let delivered = s
        .commit_ok("reads-0002-key", &order(s.location, &[(s.lebaran, 20)]))
        .await;
    crate::transparency::deliver(&s, &delivered.commitment.code).await;
    assert_eq!(s.need(s.lebaran).await.delivered, 20);
    let list: LocationList = ok_json(s.app.get("/api/v1/locations").await).await;
    let place = list.locations.iter().find(|l| l.id == s.location).unwrap();
    assert!(place.received_percent > Some(0), "{place:?}");

    // A staff edit: a deactivated place leaves the list in the next read.
    let admin = crate::staff::admin(&s.app).await;
    let response = admin
        .post(
            &s.app,
            &format!("/api/v1/staff/locations/{other}/deactivate"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: LocationList = ok_json(s.app.get("/api/v1/locations").await).await;
    assert!(list.locations.iter().all(|l| l.id != other));
    let detail: LocationDetail =
        ok_json(s.app.get(&format!("/api/v1/locations/{other}")).await).await;
    assert!(!detail.active);

    // A staff catalogue change (no log entry) reaches the programs too.
    let programs: ProgramList = ok_json(s.app.get("/api/v1/programs").await).await;
    let response = admin
        .post(
            &s.app,
            "/api/v1/staff/programs",
            &json!({
                "slug": "ksbb-air",
                "name_id": "KSBB Air",
                "name_en": "KSBB Water",
            }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
    let after: ProgramList = ok_json(s.app.get("/api/v1/programs").await).await;
    assert_eq!(after.programs.len(), programs.programs.len() + 1);
    s.app.stop().await;
}

/// Something that moves whenever any connection commits a write: SQLite's
/// `data_version` seen from a connection of our own; on PostgreSQL, each
/// table's row count and newest row version (`xmin`: an update, even to the
/// same value, makes a new one), which background vacuuming leaves alone.
async fn writes_seen(
    db_url: &str,
    engine: Engine,
    sqlite: &mut Option<sqlx::SqliteConnection>,
) -> String {
    use sqlx::Connection;
    match engine {
        Engine::Sqlite => {
            if sqlite.is_none() {
                *sqlite = Some(sqlx::SqliteConnection::connect(db_url).await.unwrap());
            }
            let conn = sqlite.as_mut().unwrap();
            let version: i64 = sqlx::query_scalar("PRAGMA data_version")
                .fetch_one(conn)
                .await
                .unwrap();
            version.to_string()
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(db_url).await.unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let mut seen = String::new();
            for table in tables {
                let (rows, newest): (i64, Option<i64>) = sqlx::query_as(&format!(
                    "SELECT COUNT(*), MAX(xmin::text::bigint) FROM \"{table}\""
                ))
                .fetch_one(&mut conn)
                .await
                .unwrap();
                let _ = write!(seen, "{table}:{rows}:{newest:?} ");
            }
            seen
        }
    }
}

/// No public read writes: not the list, not a place, not a commitment's
/// page, not the totals, even while a reservation is open.
pub async fn no_public_read_writes_to_the_database(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let s = scene(TestApp::start_on(db.clone(), 0).await).await;
    let other = s.app.id_of("RW 05 Pisangan Baru").await;
    let receipt = s
        .commit_ok("nowrite-0001-key", &order(s.location, &[(s.sembako, 5)]))
        .await;
    let mut paths = public_paths(&s, other);
    paths.extend([
        "/api/v1/locations?area=31.71".to_owned(),
        "/api/v1/stats".to_owned(),
        "/api/v1/areas".to_owned(),
        "/api/v1/config".to_owned(),
        "/api/v1/log".to_owned(),
        format!("/api/v1/commitments/{}", receipt.commitment.code),
        "/api/v1/collaborators?page=2&per_page=10".to_owned(),
        "/".to_owned(),
        format!("/lokasi/{}", s.location),
        format!("/kolaborasi/{}", receipt.commitment.code),
        "/sitemap.xml".to_owned(),
    ]);
    let mut sqlite = None;
    // Let anything the commit set off (the live totals, its e-mail) settle first.
    s.app.mail_settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = writes_seen(&db.url, engine, &mut sqlite).await;
    for _ in 0..3 {
        for path in &paths {
            let response = s.app.get(path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
        }
    }
    let after = writes_seen(&db.url, engine, &mut sqlite).await;
    assert_eq!(before, after, "a public read wrote to the database");
    // The probe works: a write is seen.
    s.commit_ok("nowrite-0002-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    assert_ne!(writes_seen(&db.url, engine, &mut sqlite).await, after);
    s.app.stop().await;
}

/// PostgreSQL, two server processes on one database: a commitment made
/// through one is in the other's next answers once its notification
/// arrives (the other polls only hourly, so only NOTIFY can carry it).
#[tokio::test]
async fn postgres_a_change_through_one_instance_reaches_the_read_model_of_another() {
    let db = TestDb::fresh(Engine::Postgres).await;
    let a = scene(TestApp::start_configured(db.clone(), |c| c.live_poll_secs = 3600).await).await;
    let b = crate::transparency::OtherProcess::start(&db.url, &["--live-poll-secs", "3600"]);
    let on_b = |path: &str| format!("{}{path}", b.base);
    let place = format!("/api/v1/locations/{}", a.location);
    let read = |path: String| {
        let client = a.app.client.clone();
        async move {
            let detail: LocationDetail = ok_json(send(client.get(path)).await).await;
            detail.needs.iter().map(|n| n.committed).sum::<u32>()
        }
    };
    assert_eq!(read(on_b(&place)).await, 0, "b has built its answer");
    a.commit_ok("across-reads-01", &order(a.location, &[(a.sembako, 7)]))
        .await;
    let mut waited = Duration::ZERO;
    while read(on_b(&place)).await != 7 {
        assert!(
            waited < Duration::from_secs(5),
            "the other instance never saw the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    drop(b);
    a.app.stop().await;
}

/// A map list brought up to date place by place after reservations,
/// cancellations and deliveries is the list read whole: with and without
/// a filter, and when a change takes a place out of a filter.
pub async fn a_list_brought_up_to_date_equals_the_list_read_whole(engine: Engine) {
    use kolaborasi_server::locations::store;
    use kolaborasi_shared::LocationQuery;
    let s = scene(TestApp::start(engine).await).await;
    let other = s.app.id_of("RW 05 Pisangan Baru").await;
    let paths = [
        "/api/v1/locations",
        "/api/v1/locations?category=rw_prioritas",
    ];
    let whole = |path: &'static str| {
        let db = s.app.db().clone();
        async move {
            let pairs = path
                .split_once('?')
                .and_then(|(_, q)| q.split_once('='))
                .into_iter();
            let query = LocationQuery::from_pairs(pairs).unwrap();
            LocationList {
                locations: store::list(&db, &query, None).await.unwrap(),
            }
        }
    };
    for path in paths {
        let _: LocationList = ok_json(s.app.get(path).await).await;
    }
    let first = s
        .commit_ok("patch-0001-key", &order(s.location, &[(s.sembako, 30)]))
        .await;
    s.commit_ok("patch-0002-key", &order(s.location, &[(s.lebaran, 10)]))
        .await;
    for path in paths {
        let served: LocationList = ok_json(s.app.get(path).await).await;
        assert_eq!(served, whole(path).await, "{path} after two commitments");
    }
    crate::transparency::cancel(&s, &first).await;
    let delivered = s
        .commit_ok("patch-0003-key", &order(s.location, &[(s.lebaran, 5)]))
        .await;
    crate::transparency::deliver(&s, &delivered.commitment.code).await;
    for path in paths {
        let served: LocationList = ok_json(s.app.get(path).await).await;
        assert_eq!(
            served,
            whole(path).await,
            "{path} after a cancellation and a delivery"
        );
        assert!(served.locations.iter().any(|l| l.id == other));
    }
    s.app.stop().await;
}

/// The headers of a response as a reader compares them: all but `date`.
fn compared_headers(response: &reqwest::Response) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::DATE)
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    headers
}

/// The response of the handler (the request with a cookie) and of the front
/// (the same request without one) to the request `get` makes. Tests in this
/// process share the data version, and another test's change between the
/// two sends the second to the handler as well: then they are asked again.
async fn side_by_side(
    hits: &impl Fn() -> u64,
    get: &impl Fn() -> reqwest::RequestBuilder,
) -> (reqwest::Response, reqwest::Response) {
    for _ in 0..20 {
        let before = hits();
        let handler = send(get().header(header::COOKIE, "unrelated=1")).await;
        assert_eq!(hits(), before, "a request with a cookie reached the front");
        let front = send(get()).await;
        if hits() == before + 1 {
            return (handler, front);
        }
    }
    panic!("the front never answered");
}

/// The front (`front.rs`) answers a public URL it has seen exactly as the
/// URL's handler does — status, headers, bytes — in every encoding and on
/// revalidation; a request with a cookie or a manage token goes to the
/// handler; after a change the next request goes to the handler and sees
/// the change.
pub async fn the_front_answers_a_public_url_exactly_as_its_handler_does(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let other = s.app.id_of("RW 05 Pisangan Baru").await;
    let hits = || s.app.running.state.reads.front_hits();
    let mut paths: Vec<(String, &str)> = public_paths(&s, other)
        .into_iter()
        .chain(["/api/v1/stats".to_owned(), "/api/v1/log?limit=5".to_owned()])
        .map(|p| (p, "id"))
        .collect();
    // Pages of the app, in each language a browser may ask for.
    for page in [
        "/".to_owned(),
        format!("/lokasi/{}", s.location),
        "/transparansi".to_owned(),
    ] {
        paths.push((page.clone(), "id"));
        paths.push((page, "en-US,en;q=0.9"));
    }
    for (path, language) in &paths {
        for encoding in ["br", "gzip", "identity"] {
            let get = || {
                s.app
                    .request(path)
                    .header(header::ACCEPT_ENCODING, encoding)
                    .header(header::ACCEPT_LANGUAGE, *language)
            };
            // The first anonymous request shows the front the way.
            assert_eq!(send(get()).await.status(), StatusCode::OK, "{path}");
            let (handler, front) = side_by_side(&hits, &get).await;
            assert_eq!(front.status(), StatusCode::OK, "{path}");
            assert_eq!(
                compared_headers(&front),
                compared_headers(&handler),
                "{path} {encoding}"
            );
            let etag = header_text(&front, header::ETAG);
            assert_eq!(
                front.bytes().await.unwrap(),
                handler.bytes().await.unwrap(),
                "{path}"
            );
            // Revalidation: the same 304 either way.
            let revalidate = || get().header(header::IF_NONE_MATCH, &etag);
            let (handler, front) = side_by_side(&hits, &revalidate).await;
            assert_eq!(front.status(), StatusCode::NOT_MODIFIED, "{path}");
            assert_eq!(
                compared_headers(&front),
                compared_headers(&handler),
                "{path}"
            );
            let before = hits();
            // A manage token (or any header the front does not know) goes to the handler.
            send(get().header(kolaborasi_shared::MANAGE_TOKEN_HEADER, "x".repeat(43))).await;
            send(get().header("x-unknown", "1")).await;
            assert_eq!(
                hits(),
                before,
                "{path}: a request with a token reached the front"
            );
        }
    }
    // A new build of the client: the next page comes from it.
    let index = s.app.static_dir().join("index.html");
    let built = std::fs::read_to_string(&index).unwrap();
    assert_eq!(send(s.app.request("/")).await.status(), StatusCode::OK);
    let page = || s.app.request("/");
    let (_, front) = side_by_side(&hits, &page).await;
    assert!(!front.text().await.unwrap().contains("a new build"));
    std::fs::write(
        &index,
        built.replace("</body>", "<!-- a new build --></body>"),
    )
    .unwrap();
    // A running server looks at the file at most once a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(
        s.app
            .get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("a new build")
    );
    // A change: the next read goes to the handler and shows it, the one
    // after comes from the front again.
    let place = format!("/api/v1/locations/{}", s.location);
    let committed = |detail: LocationDetail| detail.needs.iter().map(|n| n.committed).sum::<u32>();
    assert_eq!(committed(ok_json(s.app.get(&place).await).await), 0);
    s.commit_ok("front-change-01", &order(s.location, &[(s.sembako, 3)]))
        .await;
    let before = hits();
    assert_eq!(committed(ok_json(s.app.get(&place).await).await), 3);
    assert_eq!(hits(), before, "a stale answer came from the front");
    // The front answers it again (unless other tests' changes, which move
    // the version shared by this process, keep sending reads to the
    // handler: then it is asked again).
    let mut reads = 0;
    while hits() == before {
        reads += 1;
        assert!(reads <= 50, "the new answer is never served by the front");
        assert_eq!(committed(ok_json(s.app.get(&place).await).await), 3);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.app.stop().await;
}
