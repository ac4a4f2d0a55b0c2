//! Serves the built web client.
//!
//! - Files are sent as they are on disk: the build made a brotli and a gzip
//!   copy of every compressible asset, and those are sent to clients that
//!   accept them, so nothing static is compressed per request. Files with a
//!   content hash in their name are `immutable`.
//! - A page of the app (`kolaborasi_shared::routes`) gets `index.html`, read
//!   into memory once per build, with that page's title, description and
//!   Open Graph tags for link previews; any other path gets the same shell
//!   with a 404, so the app shows its not-found page and crawlers see one.
//! - `/robots.txt` and `/sitemap.xml` tell search engines what is public.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use std::collections::HashMap;
use std::fmt::Write as _;

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use kolaborasi_shared::{Category, CommitmentStatus, routes, validate};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::i18n::Lang;
use crate::read_model::Public;
use crate::state::AppState;
use crate::{first_paint, on_db, seo};

#[derive(Clone)]
struct Spa {
    app: AppState,
    /// The donor's app (`index.html`).
    shell: Arc<Shell>,
    /// The staff console, a build of its own under [`CONSOLE`].
    console: Arc<Shell>,
}

/// The staff console's pages and files live under this path.
const CONSOLE: &str = "/konsol";

fn is_console(path: &str) -> bool {
    path.strip_prefix(CONSOLE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Spa {
    /// The shell a path's page is built from.
    fn shell_for(&self, path: &str) -> &Arc<Shell> {
        if is_console(path) {
            &self.console
        } else {
            &self.shell
        }
    }
}

pub fn router(app: AppState, static_dir: &Path) -> Router {
    let index = static_dir.join("index.html");
    if !index.exists() {
        tracing::warn!(
            path = %index.display(),
            "web client not built: run `cargo xtask run` (or `cargo xtask build-client`)"
        );
    }
    let tiles = app.client_config.tile_url.clone();
    let console = static_dir.join(&CONSOLE[1..]).join("index.html");
    let spa = Spa {
        shell: Arc::new(Shell::new(index, tiles.clone())),
        console: Arc::new(Shell::new(console, tiles)),
        app,
    };
    // Pages come compressed from the read model; a 404 is compressed here.
    let pages = get(app_page)
        .layer(CompressionLayer::new())
        .with_state(spa.clone());
    let disk = ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        // `/` is a page of the app, with its own head, not the raw file.
        .append_index_html_on_directories(false)
        .fallback(pages.clone());
    // Pages of the app straight to their handler (no file has their
    // names); then files from memory; then the disk for what memory does
    // not hold, and the 404 page for what the disk does not have either.
    let assets = Arc::new(crate::assets::Assets::load(static_dir));
    let files = tower::service_fn(move |request: Request| {
        // Only the service that answers is cloned (one per request).
        let path = request.uri().path();
        let answerer = if routes::is_app_path(path) {
            Answerer::Page(pages.clone())
        } else if let Some(response) = assets.respond(request.method(), path, request.headers()) {
            Answerer::Memory(response)
        } else {
            Answerer::Disk(disk.clone())
        };
        async move {
            Ok::<_, std::convert::Infallible>(match answerer {
                Answerer::Page(pages) => tower::ServiceExt::oneshot(pages, request)
                    .await?
                    .map(axum::body::Body::new),
                Answerer::Memory(response) => response,
                Answerer::Disk(disk) => tower::ServiceExt::oneshot(disk, request)
                    .await?
                    .map(axum::body::Body::new),
            })
        }
    });
    let router = Router::new()
        // The navigation says "Lacak": people type that address too.
        .route(
            "/lacak",
            get(|| async { Redirect::permanent("/kolaborasi") }),
        )
        .route(
            "/lacak/{code}",
            get(
                |axum::extract::Path(code): axum::extract::Path<String>| async move {
                    match kolaborasi_shared::validate::tracking_code(&code) {
                        Some(code) => Redirect::permanent(&format!("/kolaborasi/{code}")),
                        None => Redirect::permanent("/kolaborasi"),
                    }
                },
            ),
        )
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap).layer(CompressionLayer::new()))
        .with_state(spa.clone())
        .fallback_service(files);
    // Around the router as one service, not `Router::layer` (a box per
    // route and per request).
    Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(middleware::from_fn_with_state(spa, cache_headers))
            .service(router),
    )
}

/// Who answers a request that is not an API call or a named route.
enum Answerer<P, D> {
    /// A page of the app.
    Page(P),
    /// A built file held in memory, already answered.
    Memory(Response),
    /// Anything else: the disk, then the not-found page.
    Disk(D),
}

/// How long a new build of the client may go unnoticed by a running server.
const SHELL_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// `index.html` as built, kept in memory with the Content-Security-Policy
/// that allows its inline loader, and read again only when the file changes
/// (a new build under a running server).
struct Shell {
    path: PathBuf,
    /// Map tiles come from here (the policy names its host).
    tile_url: String,
    /// The build, and when its file was last looked at.
    cached: Mutex<Option<(Instant, Arc<Built>)>>,
}

/// One build's shell.
struct Built {
    modified: SystemTime,
    html: Arc<str>,
    csp: HeaderValue,
    /// For each page chunk of the donor's build
    /// ([`routes::page_chunk`]), the `<link rel="preload">` tags of its
    /// wasm files, from the build's `app-<hash>/manifest.json`.
    preloads: HashMap<String, String>,
}

impl Shell {
    fn new(path: PathBuf, tile_url: String) -> Self {
        Self {
            path,
            tile_url,
            cached: Mutex::new(None),
        }
    }

    /// The current build's shell (`None`: not built). The file is looked
    /// at (one `stat`) at most every [`SHELL_RECHECK`], not per request.
    fn current(&self) -> Option<Arc<Built>> {
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((checked, built)) = cached.as_ref()
            && checked.elapsed() < SHELL_RECHECK
        {
            return Some(built.clone());
        }
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok()?;
        if let Some((checked, built)) = cached.as_mut()
            && built.modified == modified
        {
            *checked = Instant::now();
            return Some(built.clone());
        }
        let html: Arc<str> = std::fs::read_to_string(&self.path).ok()?.into();
        let csp =
            HeaderValue::from_str(&seo::content_security_policy(&html, &self.tile_url)).ok()?;
        let preloads = self
            .path
            .parent()
            .map(|dir| chunk_preloads(dir, &html))
            .unwrap_or_default();
        let built = Arc::new(Built {
            modified,
            html,
            csp,
            preloads,
        });
        *cached = Some((Instant::now(), built.clone()));
        Some(built)
    }
}

/// The preload tags of each page chunk of a split build: the shell loads
/// `/app-<hash>/kolaborasi.js`, and `app-<hash>/manifest.json` lists, per
/// chunk, the wasm files it needs (`{"place": ["split_place", "chunk_3"]}`).
/// A build without them (the console's, or one not split) has none.
fn chunk_preloads(static_dir: &Path, html: &str) -> HashMap<String, String> {
    let Some(start) = html.find("\"/app-") else {
        return HashMap::new();
    };
    let rest = &html[start + 2..];
    let Some(dir) = rest.split('/').next().filter(|d| {
        d.strip_prefix("app-")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
    }) else {
        return HashMap::new();
    };
    let Ok(manifest) = std::fs::read(static_dir.join(dir).join("manifest.json")) else {
        return HashMap::new();
    };
    let Ok(manifest) = serde_json::from_slice::<HashMap<String, Vec<String>>>(&manifest) else {
        return HashMap::new();
    };
    // English beside the wasm (the app fetches it when chosen): under the
    // key [`ENGLISH`], preloaded for a visitor who chose English.
    let english = static_dir.join(dir).join("en.json").is_file().then(|| {
        (
            ENGLISH.to_owned(),
            format!("<link rel=\"preload\" href=\"/{dir}/en.json\" as=\"fetch\" crossorigin>"),
        )
    });
    manifest
        .into_iter()
        .map(|(chunk, files)| {
            let mut tags = String::new();
            for f in files
                .iter()
                .filter(|f| f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            {
                let _ = write!(
                    tags,
                    "<link rel=\"preload\" href=\"/{dir}/{f}.wasm\" as=\"fetch\" \
                     type=\"application/wasm\" crossorigin>"
                );
            }
            (chunk, tags)
        })
        .chain(english)
        .collect()
}

/// The key of English's preload among [`chunk_preloads`] (no chunk is
/// named so: chunks are named after Rust identifiers of split groups).
const ENGLISH: &str = "en.json";

/// A page of the app, from the read model: built once per data version,
/// language and build of the client, compressed once. Anything but a 200
/// (a missing place, the client not built) is rendered each time.
async fn app_page(State(spa): State<Spa>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    let shell = spa.shell_for(path).current();
    let Some(built) = shell.as_deref().filter(|_| routes::is_app_path(path)) else {
        return render(&spa, shell.as_deref(), &uri, &headers).await;
    };
    // Everything the page depends on besides the data: the path, the
    // language of its meta tags and of its first paint, the host its
    // absolute URLs name (when no public URL is configured), the build.
    let host = if spa.app.public_url.is_some() {
        ""
    } else {
        headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let key = format!(
        "html {path} {:?} {:?} {host} {:?}",
        Lang::current(),
        paint_lang(&headers),
        built.modified
    );
    let answer = spa
        .app
        .reads
        .get_bytes(&key, "text/html; charset=utf-8", || async {
            let response = render(&spa, Some(built), &uri, &headers).await;
            if response.status() != StatusCode::OK {
                return Err(crate::error::AppError::NotFound {
                    key: "error.route_not_found",
                });
            }
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .map(|b| b.to_vec())
                .map_err(crate::error::AppError::internal)
        })
        .await;
    match answer {
        Ok(answer) => match answer.respond_public(&headers).await {
            Ok(mut response) => {
                // The front answers this page (by its URL, language and
                // host) while the client's build is the one it was made of.
                if let Some(public) = response.extensions_mut().get_mut::<Public>() {
                    let file = spa.shell_for(path).clone();
                    let made_of = shell.clone();
                    public.while_current(Arc::new(move || {
                        file.current()
                            .zip(made_of.as_ref())
                            .is_some_and(|(now, then)| Arc::ptr_eq(&now, then))
                    }));
                }
                response
            }
            Err(e) => e.into_response(),
        },
        Err(_) => render(&spa, Some(built), &uri, &headers).await,
    }
}

/// The page's HTML: the shell with the page's head and first paint.
async fn render(spa: &Spa, built: Option<&Built>, uri: &Uri, headers: &HeaderMap) -> Response {
    let Some(shell) = built.map(|b| &b.html) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "The web client is not built: run `cargo xtask build-client`.",
        )
            .into_response();
    };
    let path = uri.path();
    let page = if routes::is_app_path(path) {
        page_info(&spa.app, headers, path).await
    } else {
        Err(Missing)
    };
    let (status, info) = match page {
        Ok(info) => (StatusCode::OK, info),
        Err(Missing) => (StatusCode::NOT_FOUND, PageInfo::default()),
    };
    let mut body = match &info.meta {
        Some(meta) => seo::with_meta(shell, meta),
        None => shell.to_string(),
    };
    // The page's own chunk arrives with the main wasm, not after it.
    if status == StatusCode::OK
        && let Some(tags) = routes::page_chunk(path).and_then(|c| built?.preloads.get(c))
    {
        body = body.replacen("</head>", &format!("{tags}</head>"), 1);
    }
    if status == StatusCode::OK
        && paint_lang(headers) == Lang::En
        && let Some(tag) = built.and_then(|b| b.preloads.get(ENGLISH))
    {
        body = body.replacen("</head>", &format!("{tag}</head>"), 1);
    }
    // The first paint: everywhere but the console, the kiosk and a place's
    // confirmation page, which have layouts of their own.
    let own_layout = ["/konsol", "/kiosk", "/terima/"]
        .iter()
        .any(|p| path.starts_with(p));
    if !own_layout {
        let lang = paint_lang(headers);
        let main = info.main.unwrap_or_else(|| {
            let (heading, lead, wide) = if status == StatusCode::NOT_FOUND {
                ("notfound.heading", None, false)
            } else {
                texts_of(path)
            };
            first_paint::FirstMain::Page {
                heading: lang.message(heading, &[]),
                lead: lead.map(|(key, class)| (lang.message(key, &[]), class)),
                wide,
            }
        });
        let demo = spa.app.client_config.demo_data;
        body = first_paint::insert(&body, lang, path, &main, demo);
    }
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The language the app will start in: the visitor's choice (its cookie),
/// else Indonesian, as the app decides, so the first paint matches it.
fn paint_lang(headers: &HeaderMap) -> Lang {
    if crate::accounts::cookie_value(headers, routes::LANG_COOKIE).as_deref() == Some("en") {
        Lang::En
    } else {
        Lang::Id
    }
}

/// The heading, first paragraph (its key and class) and width of a page
/// whose top does not depend on data.
type Texts = (&'static str, Option<(&'static str, &'static str)>, bool);

fn texts_of(path: &str) -> Texts {
    let first = path.trim_matches('/').split('/').next().unwrap_or("");
    match first {
        "transparansi" => (
            "transparency.heading",
            Some(("transparency.lead", "lead")),
            true,
        ),
        "kolaborasi" => (
            "track.lookup_heading",
            Some(("track.lookup_intro", "lead")),
            false,
        ),
        "dekat" => ("nearby.title", Some(("nearby.intro", "lead")), false),
        "tentang" => ("about.heading", Some(("about.body", "")), false),
        "verifikasi" => ("verify.heading", None, false),
        "dokumentasi-api" => ("apidocs.heading", None, false),
        "masuk" => ("account.sign_in", None, false),
        "daftar" => ("account.register", None, false),
        "saya" => ("account.mine", None, false),
        "antrean" => ("outbox.title", None, false),
        _ => ("app.name", None, false),
    }
}

/// The page's subject does not exist.
struct Missing;

/// What the server knows of a page before the app starts.
#[derive(Default)]
struct PageInfo {
    /// Title, description and Open Graph tags for link previews.
    meta: Option<seo::Meta>,
    /// What the first paint shows of the page's content.
    main: Option<first_paint::FirstMain>,
}

/// The head and first paint of a page; `Missing` when its place or
/// collaboration does not exist.
async fn page_info(app: &AppState, headers: &HeaderMap, path: &str) -> Result<PageInfo, Missing> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let lang = Lang::current();
    let paint = paint_lang(headers);
    let url = app.absolute_url(headers, path.trim_end_matches('/'));
    let found = match segments.as_slice() {
        [""] => {
            return Ok(PageInfo {
                meta: None,
                main: Some(first_paint::FirstMain::Map),
            });
        }
        ["lokasi", id] => {
            let id: i64 = id.parse().map_err(|_| Missing)?;
            location_info(app, lang, paint, id, url, false).await
        }
        ["lokasi", id, "bantu"] => {
            let id: i64 = id.parse().map_err(|_| Missing)?;
            location_info(app, lang, paint, id, url, true).await
        }
        ["kolaborasi", code] => {
            let code = validate::tracking_code(code).ok_or(Missing)?;
            collaboration_info(app, lang, paint, &code, url).await
        }
        _ => return Ok(PageInfo::default()),
    };
    match found {
        Ok(Some(info)) => Ok(info),
        Ok(None) => Err(Missing),
        Err(e) => {
            // The page still works without its preview.
            tracing::warn!(error = %e, path, "link preview unavailable");
            Ok(PageInfo::default())
        }
    }
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    name: String,
    category: String,
    kelurahan_code: String,
    verified: bool,
    demo: bool,
}

async fn location_info(
    app: &AppState,
    lang: Lang,
    paint: Lang,
    id: i64,
    url: String,
    commit: bool,
) -> Result<Option<PageInfo>, sqlx::Error> {
    const SQL: &str =
        "SELECT name, category, kelurahan_code, verified, demo FROM locations WHERE id = $1";
    let row: Option<PlaceRow> =
        on_db!(&app.db, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?);
    Ok(row.map(|r| {
        let area = area_text(app, &r.kelurahan_code);
        let parsed = Category::parse(&r.category);
        let category = |lang: Lang| {
            parsed.map_or_else(
                || r.category.clone(),
                |c| lang.message(&format!("category.{}", c.as_str()), &[]),
            )
        };
        let meta = seo::Meta {
            title: format!("{} · Kolaborasi", r.name),
            description: lang.message(
                "preview.location",
                &[("category", &category(lang)), ("area", &area)],
            ),
            url,
            lang,
        };
        let main = if commit {
            first_paint::FirstMain::Commit {
                id,
                place: r.name.clone(),
            }
        } else {
            first_paint::FirstMain::Place {
                name: r.name.clone(),
                category: (category(paint), parsed.map_or("#666666", Category::color)),
                verified: r.verified,
                demo: r.demo,
            }
        };
        PageInfo {
            meta: Some(meta),
            main: Some(main),
        }
    }))
}

#[derive(sqlx::FromRow)]
struct CollaborationRow {
    code: String,
    status: String,
    total_value: i64,
    show_name: bool,
    collaborator_name: String,
    location_name: String,
}

async fn collaboration_info(
    app: &AppState,
    lang: Lang,
    paint: Lang,
    code: &str,
    url: String,
) -> Result<Option<PageInfo>, sqlx::Error> {
    // A name is public only with consent and a confirmed contact (finding 5).
    const SQL: &str = "SELECT c.code, c.status, c.total_value, \
        (c.show_name AND c.confirmed_at IS NOT NULL) AS show_name, \
        c.collaborator_name, l.name AS location_name \
        FROM commitments c JOIN locations l ON l.id = c.location_id WHERE c.code = $1";
    let row: Option<CollaborationRow> =
        on_db!(&app.db, pool => sqlx::query_as(SQL).bind(code).fetch_optional(pool).await?);
    Ok(row.map(|r| {
        let describe = |lang: Lang| {
            // The name only with the collaborator's consent, as everywhere in public.
            let who = if r.show_name {
                r.collaborator_name.clone()
            } else {
                lang.message("preview.anonymous", &[])
            };
            let status = CommitmentStatus::parse(&r.status).map_or_else(
                || r.status.clone(),
                |s| lang.message(&format!("status.{}", s.as_str()), &[]),
            );
            lang.message(
                "preview.collaboration",
                &[
                    ("who", &who),
                    ("value", &seo::rupiah(lang, r.total_value)),
                    ("place", &r.location_name),
                    ("status", &status),
                ],
            )
        };
        PageInfo {
            meta: Some(seo::Meta {
                title: lang.message(
                    "preview.collaboration_title",
                    &[("code", &r.code), ("place", &r.location_name)],
                ),
                description: describe(lang),
                url,
                lang,
            }),
            // The code as the page's heading and what it is in one sentence.
            main: Some(first_paint::FirstMain::Tracking {
                code: r.code.clone(),
                summary: describe(paint),
            }),
        }
    }))
}

/// "Kebon Jeruk, Jakarta Barat": the kelurahan and its kota.
fn area_text(app: &AppState, kelurahan: &str) -> String {
    let path = app.areas.path_to(kelurahan);
    // root (province), kota, kecamatan, kelurahan
    let names: Vec<&str> = path.iter().map(|a| a.name.as_str()).collect();
    match names.as_slice() {
        [.., kota, _kecamatan, kelurahan] => format!("{kelurahan}, {kota}"),
        [.., last] => (*last).to_owned(),
        [] => String::new(),
    }
}

/// Everything public may be crawled; private and per-person pages may not.
async fn robots(State(spa): State<Spa>, headers: HeaderMap) -> Response {
    let sitemap = spa.app.absolute_url(&headers, "/sitemap.xml");
    let body = format!(
        "User-agent: *\n\
         Allow: /\n\
         Disallow: /api/\n\
         Disallow: /konsol\n\
         Disallow: /terima/\n\
         Disallow: /kiosk\n\
         Disallow: /antrean\n\
         Disallow: /saya\n\
         Disallow: /masuk\n\
         Disallow: /daftar\n\
         \n\
         Sitemap: {sitemap}\n"
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// Search engines read at most 50,000 addresses from one sitemap.
const SITEMAP_LIMIT: i64 = 50_000;

async fn sitemap(State(spa): State<Spa>, headers: HeaderMap) -> Response {
    match sitemap_body(&spa.app, &headers).await {
        Ok(body) => (
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "sitemap");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "60")],
                "",
            )
                .into_response()
        }
    }
}

async fn sitemap_body(app: &AppState, headers: &HeaderMap) -> Result<String, sqlx::Error> {
    let pages = [
        "/",
        "/transparansi",
        "/tentang",
        "/dekat",
        "/verifikasi",
        "/dokumentasi-api",
    ];
    let places: Vec<(i64,)> = on_db!(&app.db, pool => sqlx::query_as(
        "SELECT id FROM locations WHERE active ORDER BY id LIMIT $1",
    )
    .bind(SITEMAP_LIMIT)
    .fetch_all(pool)
    .await?);
    let room = SITEMAP_LIMIT - i64::try_from(places.len() + pages.len()).unwrap_or(SITEMAP_LIMIT);
    let collaborations: Vec<(String,)> = on_db!(&app.db, pool => sqlx::query_as(
        "SELECT code FROM commitments ORDER BY id DESC LIMIT $1",
    )
    .bind(room.max(0))
    .fetch_all(pool)
    .await?);
    let urls = pages
        .iter()
        .map(|p| (*p).to_owned())
        .chain(places.iter().map(|(id,)| routes::location_path(*id)))
        .chain(
            collaborations
                .iter()
                .map(|(code,)| routes::collaboration_path(code)),
        );
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in urls {
        xml.push_str("<url><loc>");
        xml.push_str(&seo::escape(&app.absolute_url(headers, &path)));
        xml.push_str("</loc></url>\n");
    }
    xml.push_str("</urlset>\n");
    Ok(xml)
}

/// Files of the offline shell that keep their name from release to release:
/// the service worker script and the web app manifest. Like HTML they must
/// be revalidated, or a phone would keep an old release's worker for a day.
const UNHASHED: [&str; 2] = ["/sw.js", "/manifest.webmanifest"];

/// Whether a file name carries Trunk's content hash (`name-<hex>` before the
/// extension or `_bg`; a 64-bit hash printed without leading zeros, so 12
/// to 16 digits), or lives in the split build's `app-<hash>/`: such a file
/// never changes under its name.
#[must_use]
pub fn has_content_hash(path: &str) -> bool {
    // The donor's split wasm: a directory named by the hash of its files.
    if let Some((dir, _)) = path.trim_start_matches('/').split_once('/')
        && dir
            .strip_prefix("app-")
            .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split(['.', '_']).next().unwrap_or(name);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// HTML must be revalidated so a new release is picked up at once, and so
/// must the [`UNHASHED`] shell files; hashed assets are immutable, and
/// other files (icons, leaflet's images) are kept for a day.
async fn cache_headers(State(spa): State<Spa>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Every HTML answer carries the policy: the pages, the 404 page, and
    // `/index.html` itself (which the service worker keeps for offline
    // starts, headers included).
    if is_html && let Some(built) = spa.shell_for(&path).current() {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, built.csp.clone());
        if let Some(public) = res.extensions_mut().get_mut::<Public>() {
            public.with_header(header::CONTENT_SECURITY_POLICY, built.csp.clone());
        }
    }
    // The manifest's registered type, whatever the MIME table says (unless
    // the file is missing and the fallback answered with the HTML shell).
    if path.ends_with(".webmanifest") && !is_html && res.status().is_success() {
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    let value = if is_html || UNHASHED.contains(&path.as_str()) || !res.status().is_success() {
        "no-cache"
    } else if has_content_hash(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=86400"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    // A file may be sent as its brotli or gzip copy: caches must key on it.
    if !is_html && res.status().is_success() {
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::has_content_hash;

    #[test]
    fn a_split_build_preloads_each_chunk_files() {
        let dir = std::env::temp_dir().join(format!("kolaborasi-spa-{}", std::process::id()));
        let app = dir.join("app-0123456789abcdef");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(
            app.join("manifest.json"),
            r#"{"place":["chunk_3","split_place"],"info":["split_info","../../etc/x"]}"#,
        )
        .unwrap();
        let html = r#"<script type="module">import init from "/app-0123456789abcdef/kolaborasi.js";</script>"#;
        let tags = super::chunk_preloads(&dir, html);
        assert_eq!(
            tags["place"],
            "<link rel=\"preload\" href=\"/app-0123456789abcdef/chunk_3.wasm\" as=\"fetch\" \
             type=\"application/wasm\" crossorigin>\
             <link rel=\"preload\" href=\"/app-0123456789abcdef/split_place.wasm\" as=\"fetch\" \
             type=\"application/wasm\" crossorigin>"
        );
        // A name that is not a plain file stem is left out.
        assert_eq!(tags["info"].matches("<link").count(), 1);
        assert!(!tags["info"].contains(".."));
        // English only when the build has it beside the wasm.
        assert!(!tags.contains_key(super::ENGLISH));
        std::fs::write(app.join("en.json"), "{}").unwrap();
        assert_eq!(
            super::chunk_preloads(&dir, html)[super::ENGLISH],
            "<link rel=\"preload\" href=\"/app-0123456789abcdef/en.json\" as=\"fetch\" crossorigin>"
        );
        // A shell that is not split (the console's) has none.
        assert!(super::chunk_preloads(&dir, "<script src=\"/kolaborasi-1.js\">").is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(has_content_hash("/kolaborasi-3f2a9c0d1e2b4a5f_bg.wasm"));
        assert!(has_content_hash("/app-1d4d3e822d5a2421/chunk_12.wasm"));
        assert!(has_content_hash("/app-1d4d3e822d5a2421/__wasm_split.js"));
        assert!(!has_content_hash("/app-1d4d/chunk_12.wasm"));
        assert!(has_content_hash("/kolaborasi-3f2a9c0d1e2b4a5f.js"));
        assert!(has_content_hash("/main-0123456789abcdef.css"));
        assert!(has_content_hash("/leaflet-6c92c0056ca7a79.css"));
        assert!(!has_content_hash("/sw.js"));
        assert!(!has_content_hash("/icons/icon-192.png"));
        assert!(!has_content_hash("/kolaborasi-3f2a9c.js"));
        assert!(!has_content_hash("/favicon.svg"));
    }
}
