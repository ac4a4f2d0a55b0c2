//! What every behaviour test shares: the real server on a real port, a fresh
//! database per test on either engine, fixture locations, and helpers that
//! read responses and say clearly what was wrong with them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kolaborasi_server::Running;
use kolaborasi_server::config::Config;
use kolaborasi_server::locations::{NewLocation, store};
use kolaborasi_shared::{ApiError, Category, ErrorBody, LocationList};
use reqwest::{Client, RequestBuilder, Response, StatusCode, header};
use serde::de::DeserializeOwned;
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";

/// A database nobody else uses: a file in a temporary directory, or a
/// database created for this test on the throwaway PostgreSQL server (and
/// dropped again, best effort, when the last server using it is gone).
pub struct TestDb {
    pub url: String,
    _dir: Option<TempDir>,
    /// Admin URL and database name, for the drop.
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn fresh(engine: Engine) -> Arc<Self> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("create a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Arc::new(Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            Engine::Postgres => {
                let admin = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!(
                        "{POSTGRES_ENV} is not set: run `cargo xtask test`, which starts PostgreSQL"
                    )
                });
                let name = unique_database_name();
                let mut conn = PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}={admin}: {e}"));
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
                let _ = conn.close().await;
                let mut url = reqwest::Url::parse(&admin)
                    .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin} is not a URL: {e}"));
                url.set_path(&name);
                Arc::new(Self {
                    url: url.to_string(),
                    _dir: None,
                    postgres: Some((admin, name)),
                })
            }
        }
    }
}

fn unique_database_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "kolaborasi_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop cannot await, and the test's runtime may be unwinding: use a
        // runtime of our own on a thread of our own. FORCE ends the
        // connections the (now abandoned) server still holds.
        let dropper = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = PgConnection::connect(&admin).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                conn.execute(sql.as_str()).await.ok()?;
                conn.close().await.ok()
            })
        });
        let _ = dropper.join();
    }
}

/// The web client shell the SPA fallback must serve.
pub const INDEX_HTML: &str = "<!doctype html><html lang=\"id\"><head><title>Kolaborasi</title></head><body><div id=\"app\">spa shell</div></body></html>\n";

/// What of [`INDEX_HTML`] every page of the app keeps (the server adds
/// each page's head and first paint around it).
pub const APP_MARKER: &str = "<div id=\"app\">spa shell</div>";

/// The staff console's shell (a build of its own, under `/konsol/`).
pub const CONSOLE_HTML: &str = "<!doctype html><html lang=\"id\"><head><title>Konsol</title></head><body><div id=\"app\">console shell</div></body></html>\n";

/// One running server and a client pointed at it.
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub running: Running,
    _db: Arc<TestDb>,
    shutdown: oneshot::Sender<()>,
    static_files: TempDir,
}

impl TestApp {
    /// A server on a fresh, empty database (areas only, no demo data).
    pub async fn start(engine: Engine) -> Self {
        Self::start_on(TestDb::fresh(engine).await, 0).await
    }

    /// A server holding exactly [`FIXTURES`].
    pub async fn with_fixtures(engine: Engine) -> Self {
        let app = Self::start(engine).await;
        app.insert(&fixtures()).await;
        app
    }

    pub async fn start_on(db: Arc<TestDb>, demo_scale: usize) -> Self {
        Self::start_configured(db, |c| c.demo_scale = demo_scale).await
    }

    /// A server on `db` with the test defaults changed by `configure`.
    pub async fn start_configured(db: Arc<TestDb>, configure: impl FnOnce(&mut Config)) -> Self {
        let static_dir = tempfile::tempdir().expect("create a temporary directory");
        std::fs::write(static_dir.path().join("index.html"), INDEX_HTML).expect("write index.html");
        let console = static_dir.path().join("konsol");
        std::fs::create_dir(&console).expect("create konsol/");
        std::fs::write(console.join("index.html"), CONSOLE_HTML).expect("write konsol/index.html");
        let mut config = Config::with_database(db.url.clone());
        config.bind = "127.0.0.1:0".parse().expect("a socket address");
        config.static_dir = static_dir.path().to_owned();
        config.demo_scale = 0;
        config.upload_dir = static_dir.path().join("uploads");
        config.signing_key = static_dir.path().join("log-signing.key");
        config.mail_dir = static_dir.path().join("mail");
        // Tests of reservations (races, bursts, bookkeeping) are about
        // reservations: their donors are not held to the anti-abuse limits
        // of unconfirmed contacts. The tests of those limits restore them
        // (`production_limits`).
        config.unconfirmed_share_percent = 100;
        config.unconfirmed_per_contact = u32::MAX;
        config.unconfirmed_per_network_hour = u32::MAX;
        // Every test client is 127.0.0.1: bursts of hundreds of connections
        // are the point of some tests (the cap has its own, transport.rs).
        config.connections_per_address = 1_000_000;
        configure(&mut config);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let running = kolaborasi_server::start(&config, async {
            let _ = stopped.await;
        })
        .await
        .unwrap_or_else(|e| panic!("server did not start on {}: {e}", db.url));
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Self {
            base: format!("http://{}", running.addr),
            client,
            running,
            _db: db,
            shutdown,
            static_files: static_dir,
        }
    }

    /// Registers an account and opens its activation link, as its owner
    /// does: the activation's answer (200, the session cookie, the account).
    pub async fn register(&self, body: &impl serde::Serialize) -> Response {
        let sent = self.post("/api/v1/account", body, &[]).await;
        let status = sent.status();
        let text = sent.text().await.unwrap();
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
        let email = serde_json::from_str::<serde_json::Value>(&text).unwrap()["email"]
            .as_str()
            .unwrap()
            .to_owned();
        let (id, hash): (i64, String) = kolaborasi_server::on_db!(self.db(), pool => sqlx::query_as(
            "SELECT id, password_hash FROM accounts WHERE email = $1",
        ).bind(&email).fetch_one(pool).await.unwrap());
        let token = kolaborasi_server::mail::account_token(&self.running.state.secret, id, &hash);
        self.post(
            "/api/v1/account/confirm",
            &serde_json::json!({ "token": token }),
            &[],
        )
        .await
    }

    /// Waits until the mail sender has sent everything queued (a background
    /// writer that a test measuring writes must let finish first).
    pub async fn mail_settled(&self) {
        for _ in 0..200 {
            let pending: i64 = kolaborasi_server::on_db!(self.db(), pool => sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL",
            ).fetch_one(pool).await.unwrap());
            if pending == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let left: Vec<(String, i32)> = kolaborasi_server::on_db!(self.db(), pool => sqlx::query_as(
            "SELECT kind, attempts FROM outbox WHERE sent_at IS NULL",
        ).fetch_all(pool).await.unwrap());
        panic!("the outbox did not drain in 10 s: {left:?} (kind, attempts) left");
    }

    /// Graceful shutdown, as on SIGTERM: waits for the server, closes the pool.
    pub async fn stop(self) {
        let Self {
            client,
            running,
            shutdown,
            ..
        } = self;
        drop(client);
        let _ = shutdown.send(());
        running
            .task
            .await
            .expect("server task did not panic")
            .expect("server stopped without error");
        running.state.db.close().await;
    }

    /// The directory the server serves the web client from.
    pub fn static_dir(&self) -> &std::path::Path {
        self.static_files.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A GET request to `path`, to add headers to before [`send`].
    pub fn request(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        send(self.request(path)).await
    }

    /// The server's own database handle, for arranging state and auditing it.
    pub fn db(&self) -> &kolaborasi_server::db::Db {
        &self.running.state.db
    }

    /// POSTs JSON to `path` with extra headers.
    pub async fn post(
        &self,
        path: &str,
        body: &impl serde::Serialize,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        send(request).await
    }

    pub async fn insert(&self, locations: &[NewLocation]) {
        store::insert_many(&self.running.state.db, locations)
            .await
            .expect("insert locations");
        self.edited();
    }

    /// After SQL a test ran on the server's database itself: the server
    /// learns of public changes through its own write paths, so a test that
    /// bypasses them says so (as an operator's repair script would).
    pub fn edited(&self) {
        self.running.state.edited_externally();
    }

    /// The list under `/api/v1/locations{query}` (query with its `?`).
    pub async fn list(&self, query: &str) -> LocationList {
        ok_json(self.get(&format!("/api/v1/locations{query}")).await).await
    }

    /// The names the list returns for `query`, sorted.
    pub async fn names(&self, query: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .list(query)
            .await
            .locations
            .into_iter()
            .map(|l| l.name)
            .collect();
        names.sort();
        names
    }

    /// The id of the listed location called `name`.
    pub async fn id_of(&self, name: &str) -> i64 {
        self.list("")
            .await
            .locations
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("{name} is not listed"))
            .id
    }

    /// Asserts `path` is refused with 400 `invalid_parameter` naming `field`.
    pub async fn expect_invalid(&self, path: &str, field: &str) -> ApiError {
        let error = error_envelope(self.get(path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            error.code,
            kolaborasi_shared::ErrorCode::InvalidParameter,
            "GET {path}"
        );
        assert_eq!(error.field.as_deref(), Some(field), "GET {path}: field");
        assert!(!error.message.is_empty(), "GET {path}: empty message");
        error
    }
}

pub async fn send(request: RequestBuilder) -> Response {
    request
        .send()
        .await
        .expect("the request reaches the server")
}

pub fn content_type(response: &Response) -> String {
    header_text(response, header::CONTENT_TYPE)
}

pub fn header_text(response: &Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(&name)
        .map(|v| v.to_str().expect("an ASCII header").to_owned())
        .unwrap_or_default()
}

/// Asserts 200 with a JSON body of type `T`, and returns it.
pub async fn ok_json<T: DeserializeOwned>(response: Response) -> T {
    json_with(response, StatusCode::OK).await
}

/// Asserts `expected` with a JSON body of type `T`, and returns it.
pub async fn json_with<T: DeserializeOwned>(response: Response, expected: StatusCode) -> T {
    let (status, url, ct) = (
        response.status(),
        response.url().clone(),
        content_type(&response),
    );
    let text = response.text().await.expect("a response body");
    assert_eq!(status, expected, "{url}: {text}");
    assert!(
        ct.starts_with("application/json"),
        "GET {url}: content-type {ct}"
    );
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("GET {url}: unexpected JSON ({e}): {text}"))
}

/// Asserts `status` with exactly the error envelope
/// `{"error": {"code", "message", "field"?, "fields"?, "remaining"?}}` as JSON, and returns the error.
pub async fn error_envelope(response: Response, status: StatusCode) -> ApiError {
    let (actual, url, ct) = (
        response.status(),
        response.url().clone(),
        content_type(&response),
    );
    let text = response.text().await.expect("a response body");
    assert_eq!(actual, status, "{url}: {text}");
    assert!(
        ct.starts_with("application/json"),
        "{url}: content-type {ct}: {text}"
    );
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {text}"));
    assert_eq!(keys(&value), ["error"], "{url}: {text}");
    let mut inner = keys(&value["error"]);
    // Optional members: the field(s) at fault, and what remains after a 409.
    inner.retain(|k| !matches!(k.as_str(), "field" | "fields" | "remaining"));
    assert_eq!(inner, ["code", "message"], "{url}: {text}");
    let body: ErrorBody = serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("{url}: not the envelope ({e}): {text}"));
    body.error
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Private fields every fixture carries; no response may contain them.
pub const CONTACT_NAME: &str = "Sulastri Wijayakusuma";
pub const CONTACT_PHONE: &str = "+62 812 5550 4471";

/// Name, category, kelurahan, lat, lon, headcount.
pub type Fixture = (&'static str, Category, &'static str, f64, f64, u32);

/// Three kota (Jakarta Pusat, Selatan, Timur) and four kecamatan; the
/// comments say what each location is for in the bbox test, whose box is [`BBOX`].
#[rustfmt::skip]
pub const FIXTURES: [Fixture; 7] = [
    // Jakarta Pusat / Gambir / Cideng: on the box's west edge.
    ("RW 03 Cideng", Category::RwPrioritas, "31.71.01.1002", -6.168, 106.813, 120),
    // Jakarta Pusat / Gambir / Petojo Utara: on the box's south edge.
    ("Pesantren Al-Ikhlas Petojo", Category::Pesantren, "31.71.01.1003", -6.1735, 106.8153, 80),
    // Jakarta Pusat / Gambir / Kebon Kelapa: just west of the box.
    ("Panti Disabilitas Kebon Kelapa", Category::PantiDisabilitas, "31.71.01.1005", -6.1708, 106.8103, 25),
    // Jakarta Pusat / Sawah Besar / Pasar Baru: on the box's north-east corner.
    ("Panti Asuhan Pasar Baru", Category::PantiAsuhan, "31.71.02.1001", -6.152, 106.8334, 35),
    // Jakarta Selatan / Tebet / Tebet Timur and Tebet Barat: far south of the box.
    ("UMKM Keripik Tebet Timur", Category::Umkm, "31.74.01.1001", -6.232, 106.8565, 12),
    ("Panti Jompo Tebet Barat", Category::PantiJompo, "31.74.01.1002", -6.2303, 106.8532, 40),
    // Jakarta Timur / Matraman / Pisangan Baru.
    ("RW 05 Pisangan Baru", Category::RwPrioritas, "31.75.01.1001", -6.205, 106.863, 210),
];

/// `minLon,minLat,maxLon,maxLat` whose edges pass exactly through fixtures.
pub const BBOX: &str = "106.813,-6.1735,106.8334,-6.152";

pub fn location((name, category, kelurahan, lat, lon, headcount): Fixture) -> NewLocation {
    NewLocation {
        name: name.to_owned(),
        category,
        kelurahan_code: kelurahan.to_owned(),
        lat,
        lon,
        headcount,
        headcount_unit: category.headcount_unit(),
        address: format!("Jl. Contoh No. {headcount}, {kelurahan}"),
        description: format!("{name}: needs food parcels and school supplies."),
        contact_name: CONTACT_NAME.to_owned(),
        contact_phone: CONTACT_PHONE.to_owned(),
        // Every other fixture is verified, so both values are exercised.
        verified: headcount % 2 == 0,
        demo: false,
    }
}

pub fn fixtures() -> Vec<NewLocation> {
    FIXTURES.into_iter().map(location).collect()
}

/// The fixture names passing `keep`, sorted (to compare with [`TestApp::names`]).
pub fn fixture_names(keep: impl Fn(&Fixture) -> bool) -> Vec<String> {
    let mut names: Vec<String> = FIXTURES
        .iter()
        .filter(|f| keep(f))
        .map(|f| f.0.to_owned())
        .collect();
    names.sort();
    names
}

/// The limits on unconfirmed contacts as a deployment has them by default.
pub fn production_limits(config: &mut Config) {
    let defaults = Config::with_database("sqlite://unused.db");
    config.unconfirmed_share_percent = defaults.unconfirmed_share_percent;
    config.unconfirmed_per_contact = defaults.unconfirmed_per_contact;
    config.unconfirmed_per_network_hour = defaults.unconfirmed_per_network_hour;
}

/// One e-mail as a reader sees it: its headers (unfolded) and its body,
/// decoded from quoted-printable or base64.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: String,
    pub body: String,
}

impl Mail {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
        let headers = head.replace("\n ", " ").replace("\n\t", " ");
        let encoding = headers
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-transfer-encoding:")
                    .map(|v| v.trim().to_owned())
            })
            .unwrap_or_default();
        let body = match encoding.as_str() {
            "quoted-printable" => quoted_printable(body),
            "base64" => {
                use base64::Engine as _;
                let compact: String = body.split_whitespace().collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .expect("base64 body"),
                )
                .expect("UTF-8 body")
            }
            _ => body.to_owned(),
        };
        Self { headers, body }
    }

    /// A header's value (the first of that name).
    pub fn header(&self, name: &str) -> String {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
            .unwrap_or_default()
    }

    /// The first link in the body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(str::to_owned)
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 body")
}

/// Every message the server wrote to its mail folder (no SMTP set).
pub fn mails_in(dir: &std::path::Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| Mail::parse(&std::fs::read_to_string(e.path()).expect("a readable .eml")))
        .collect()
}

/// Today's date (UTC), as forms send it.
#[must_use]
pub fn today() -> String {
    let days = kolaborasi_server::db::now_unix().div_euclid(86_400);
    kolaborasi_shared::validate::civil_from_days(days)
}
