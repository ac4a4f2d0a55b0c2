//! The web client as browsers, crawlers and link previews see it: files
//! sent as precompressed at build time, app pages 200 and anything else 404,
//! robots.txt and the sitemap, and each shared place or collaboration link
//! carrying its own title and description, escaped and without contact data.

use kolaborasi_server::locations::NewLocation;
use kolaborasi_shared::Category;
use reqwest::{Client, StatusCode, header};

use crate::commitments::{DONOR_EMAIL, DONOR_PHONE, order, scene};
use crate::support::{
    APP_MARKER, CONTACT_NAME, CONTACT_PHONE, Engine, TestApp, content_type, header_text, location,
    send,
};

const WASM: &str = "kolaborasi-0123456789abcdef_bg.wasm";

const RAW_WASM: &[u8] = b"\0asm raw module bytes, raw raw raw raw raw raw";

/// The client's files, with distinct bytes per copy so the test sees
/// which file was sent.
fn write_client(dir: &std::path::Path) {
    std::fs::write(dir.join(WASM), RAW_WASM).unwrap();
    std::fs::write(dir.join(format!("{WASM}.br")), b"brotli copy").unwrap();
    std::fs::write(dir.join(format!("{WASM}.gz")), b"gzip copy").unwrap();
    std::fs::write(
        dir.join("extra-0123456789abcdef.js"),
        "console.log('kolaborasi');\n".repeat(400),
    )
    .unwrap();
    std::fs::write(
        dir.join("sw.js"),
        "self.addEventListener('fetch', () => {});\n",
    )
    .unwrap();
}

/// Files written before the server started are sent from memory, files
/// written later from the disk: the same answers either way.
pub async fn built_assets_are_sent_as_their_precompressed_copies_and_kept_forever(engine: Engine) {
    let app = TestApp::start(engine).await;
    write_client(app.static_dir());
    client_files_answer(&app, false).await;
    app.stop().await;

    let db = crate::support::TestDb::fresh(engine).await;
    let app = TestApp::start_configured(db, |c| write_client(&c.static_dir)).await;
    client_files_answer(&app, true).await;
    // A file changed on disk after the start is never sent stale.
    std::fs::write(app.static_dir().join("sw.js"), "// a new build\n").unwrap();
    assert_eq!(
        app.get("/sw.js").await.text().await.unwrap(),
        "// a new build\n"
    );
    app.stop().await;
}

/// `from_memory`: files held in memory are revalidated by `ETag` only (the
/// disk server also sends `Last-Modified`).
async fn client_files_answer(app: &TestApp, from_memory: bool) {
    // This client shows the bytes on the wire: it neither asks for nor decodes gzip.
    let wire = Client::builder().no_gzip().build().unwrap();
    let url = app.url(&format!("/{WASM}"));

    for (accept, encoding, body) in [
        ("br, gzip", "br", &b"brotli copy"[..]),
        ("gzip, deflate, br;q=0", "gzip", &b"gzip copy"[..]),
        ("identity", "", RAW_WASM),
    ] {
        let response = send(wire.get(&url).header(header::ACCEPT_ENCODING, accept)).await;
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        assert_eq!(
            header_text(&response, header::CONTENT_ENCODING),
            encoding,
            "{accept}"
        );
        assert_eq!(content_type(&response), "application/wasm", "{accept}");
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{accept}"
        );
        assert!(
            header_text(&response, header::VARY)
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{accept}: caches must key on Accept-Encoding"
        );
        assert_eq!(
            response.headers().contains_key(header::LAST_MODIFIED),
            !from_memory,
            "{accept}"
        );
        assert_eq!(response.bytes().await.unwrap(), body, "{accept}");
    }

    // A file without copies is sent as it is, never compressed per request.
    let response = send(
        wire.get(app.url("/extra-0123456789abcdef.js"))
            .header(header::ACCEPT_ENCODING, "br, gzip"),
    )
    .await;
    assert_eq!(header_text(&response, header::CONTENT_ENCODING), "");
    assert_eq!(
        response.text().await.unwrap(),
        "console.log('kolaborasi');\n".repeat(400)
    );

    // HTML and the service worker are revalidated on every visit.
    for path in ["/", "/sw.js", "/transparansi"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
    }
}

/// The staff console is a build of its own: its pages get its shell, with
/// a policy allowing its own loader and not the donor's; the donor's pages
/// never get it.
pub async fn console_pages_get_the_console_build_and_donor_pages_never_do(engine: Engine) {
    let db = crate::support::TestDb::fresh(engine).await;
    let donor = "import init from '/kolaborasi-0123456789abcdef.js'; await init();";
    let console = "import init from '/konsol/kolaborasi-fedcba9876543210.js'; await init();";
    let shell = |loader: &str, marker: &str| {
        format!(
            "<!doctype html><html><head><script type=\"module\">{loader}</script></head>\
             <body><div id=\"app\">{marker}</div></body></html>"
        )
    };
    let app = TestApp::start_configured(db, |c| {
        std::fs::write(c.static_dir.join("index.html"), shell(donor, "spa shell")).unwrap();
        std::fs::write(
            c.static_dir.join("konsol/index.html"),
            shell(console, "console shell"),
        )
        .unwrap();
    })
    .await;
    let hash = |loader: &str| {
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(loader.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    };
    for (path, status) in [
        ("/konsol", StatusCode::OK),
        ("/konsol/", StatusCode::OK),
        ("/konsol/lokasi/baru", StatusCode::OK),
        ("/konsol/kolaborasi/AB12-CD34", StatusCode::OK),
        ("/konsol/no-such-page", StatusCode::NOT_FOUND),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        let csp = header_text(&response, header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains(&hash(console)), "{path}: {csp}");
        assert!(!csp.contains(&hash(donor)), "{path}: {csp}");
        let text = response.text().await.unwrap();
        assert!(text.contains("console shell"), "{path}: {text}");
        assert!(!text.contains("spa shell"), "{path}");
    }
    for path in ["/", "/konsolidasi", "/transparansi", "/no/such/page"] {
        let response = app.get(path).await;
        let csp = header_text(&response, header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains(&hash(donor)), "{path}: {csp}");
        assert!(!csp.contains(&hash(console)), "{path}: {csp}");
        let text = response.text().await.unwrap();
        assert!(text.contains("spa shell"), "{path}");
        assert!(!text.contains("console shell"), "{path}");
    }
    app.stop().await;
}

pub async fn app_pages_are_200_and_any_other_path_is_a_404_with_the_app(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let place = app.id_of("RW 03 Cideng").await;
    for path in [
        "/".to_owned(),
        "/transparansi".to_owned(),
        "/tentang/".to_owned(),
        format!("/lokasi/{place}"),
        format!("/lokasi/{place}/bantu?x=1"),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(content_type(&response).starts_with("text/html"), "{path}");
        assert!(
            response.text().await.unwrap().contains("spa shell"),
            "{path}"
        );
    }
    // Unknown paths, unknown places and malformed codes: the app's shell
    // (it shows its not-found page) with the status a crawler needs.
    for path in [
        "/no/such/page",
        "/lokasi/999999",
        "/lokasi/abc",
        "/kolaborasi/ZZZZ-ZZZZ",
        "/wp-login.php",
        "/index",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(content_type(&response).starts_with("text/html"), "{path}");
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        let text = response.text().await.unwrap();
        assert!(text.contains(APP_MARKER), "{path}");
        assert!(
            text.contains("<h1>Halaman tidak ditemukan</h1>"),
            "{path}: {text}"
        );
    }
    // The navigation says "Lacak": that address leads to tracking, with a
    // code however it is typed.
    let manual = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, to) in [
        ("/lacak", "/kolaborasi"),
        ("/lacak/ab12cd34", "/kolaborasi/AB12-CD34"),
        ("/lacak/not-a-code!", "/kolaborasi"),
    ] {
        let response = manual.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(header_text(&response, header::LOCATION), to, "{path}");
    }
}

pub async fn robots_and_the_sitemap_list_the_public_pages_and_nothing_private(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let receipt = s
        .commit_ok("sitemap-1", &order(s.location, &[(s.sembako, 2)]))
        .await;
    let code = receipt.commitment.code;

    let robots = s.app.get("/robots.txt").await;
    assert_eq!(robots.status(), StatusCode::OK);
    assert!(content_type(&robots).starts_with("text/plain"));
    let robots = robots.text().await.unwrap();
    let lines: Vec<&str> = robots.lines().collect();
    assert_eq!(lines.first(), Some(&"User-agent: *"));
    for private in ["Disallow: /konsol", "Disallow: /terima/", "Disallow: /api/"] {
        assert!(lines.contains(&private), "{private} in {robots}");
    }
    let sitemap_url = format!("Sitemap: {}/sitemap.xml", s.app.base);
    assert!(lines.contains(&sitemap_url.as_str()), "{robots}");
    // Every line is a directive robots.txt parsers know, or blank.
    for line in lines.iter().filter(|l| !l.is_empty()) {
        let (name, _) = line.split_once(':').unwrap_or_else(|| panic!("{line}"));
        assert!(
            ["User-agent", "Allow", "Disallow", "Sitemap"].contains(&name),
            "{line}"
        );
    }

    let sitemap = s.app.get("/sitemap.xml").await;
    assert_eq!(sitemap.status(), StatusCode::OK);
    assert!(content_type(&sitemap).starts_with("application/xml"));
    let xml = sitemap.text().await.unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let locs: Vec<&str> = xml
        .split("<loc>")
        .skip(1)
        .filter_map(|l| l.split("</loc>").next())
        .collect();
    let base = &s.app.base;
    assert!(locs.contains(&format!("{base}/").as_str()));
    assert!(locs.contains(&format!("{base}/transparansi").as_str()));
    assert!(locs.contains(&format!("{base}/kolaborasi/{code}").as_str()));
    // Every active place, once; nothing private.
    let listed = s.app.list("").await.locations;
    for l in &listed {
        let url = format!("{base}/lokasi/{}", l.id);
        assert_eq!(locs.iter().filter(|u| **u == url).count(), 1, "{url}");
    }
    assert_eq!(locs.len(), 6 + listed.len() + 1, "{xml}");
    for private in [
        "/konsol",
        "/terima/",
        "/bantu",
        "/api/",
        DONOR_EMAIL,
        CONTACT_PHONE,
    ] {
        assert!(!xml.contains(private), "{private} in the sitemap");
    }
    s.app.stop().await;
}

pub async fn shared_links_carry_the_page_title_and_description_escaped_and_without_contacts(
    engine: Engine,
) {
    let s = scene(TestApp::start(engine).await).await;
    // A name with everything HTML must escape.
    let tricky: NewLocation = location((
        "Panti <Kasih> \"Ibu\" & Anak",
        Category::PantiAsuhan,
        "31.71.02.1001",
        -6.152,
        106.8334,
        35,
    ));
    s.app.insert(&[tricky]).await;
    let tricky = s.app.id_of("Panti <Kasih> \"Ibu\" & Anak").await;

    let html = s
        .app
        .get(&format!("/lokasi/{tricky}"))
        .await
        .text()
        .await
        .unwrap();
    let escaped = "Panti &lt;Kasih&gt; &quot;Ibu&quot; &amp; Anak";
    assert!(
        html.contains(&format!("<title>{escaped} · Kolaborasi</title>")),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<meta property=\"og:title\" content=\"{escaped} · Kolaborasi\" />"
        )),
        "{html}"
    );
    assert!(!html.contains("<Kasih>"), "{html}");
    let description = og(&html, "og:description");
    assert!(
        description.starts_with("Panti asuhan di Pasar Baru, "),
        "{description}"
    );
    assert!(html.contains(&format!("content=\"{}/lokasi/{tricky}\"", s.app.base)));
    assert!(html.contains("spa shell"), "the app still loads");
    for private in [CONTACT_NAME, CONTACT_PHONE, "@"] {
        assert!(!html.contains(private), "{private} in the page head");
    }
    // In English for an English-speaking client.
    let english = send(
        s.app
            .request(&format!("/lokasi/{tricky}"))
            .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        og(&english, "og:description").starts_with("Orphanage in Pasar Baru, "),
        "{english}"
    );

    // A collaboration: the donor's name only with consent, never contacts.
    let named = s
        .commit_confirmed("preview-1", &order(s.location, &[(s.sembako, 2)]))
        .await;
    let mut anonymous_order = order(s.location, &[(s.sembako, 1)]);
    anonymous_order.collaborator.show_name = false;
    let anonymous = s.commit_ok("preview-2", &anonymous_order).await;

    let html = s
        .app
        .get(&format!("/kolaborasi/{}", named.commitment.code))
        .await;
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    assert_eq!(
        og(&html, "og:title"),
        format!("Kolaborasi {} untuk RW 03 Cideng", named.commitment.code)
    );
    let description = og(&html, "og:description");
    assert!(
        description.starts_with("PT Maju Jaya Abadi berkomitmen"),
        "{description}"
    );
    assert!(
        description.contains(&kolaborasi_server::seo::rupiah(
            kolaborasi_server::i18n::Lang::Id,
            named.commitment.total_value
        )),
        "{description}"
    );
    // Any case and no dash, as people type codes, finds the same page.
    let typed = named.commitment.code.replace('-', "").to_lowercase();
    let again = s.app.get(&format!("/kolaborasi/{typed}")).await;
    assert_eq!(again.status(), StatusCode::OK);

    let html = s
        .app
        .get(&format!("/kolaborasi/{}", anonymous.commitment.code))
        .await
        .text()
        .await
        .unwrap();
    let description = og(&html, "og:description");
    assert!(
        description.starts_with("Seorang kolaborator berkomitmen"),
        "{description}"
    );
    for private in ["PT Maju Jaya", DONOR_EMAIL, DONOR_PHONE, "@"] {
        assert!(
            !html.contains(private),
            "{private} in an anonymous collaboration's head"
        );
    }
    s.app.stop().await;
}

/// The `content` of `<meta property="{property}" content="…" />`.
fn og(html: &str, property: &str) -> String {
    let tag = format!("<meta property=\"{property}\" content=\"");
    let start = html
        .find(&tag)
        .unwrap_or_else(|| panic!("no {property} in {html}"))
        + tag.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub async fn the_first_paint_is_html_in_the_visitors_language_with_the_header_and_heading(
    engine: Engine,
) {
    let app = TestApp::with_fixtures(engine).await;
    let place = app.id_of("Pesantren Al-Ikhlas Petojo").await;
    // Before the wasm: the header, the page's heading where the app puts
    // it, and the live strip's reserved line.
    let home = app.get("/").await.text().await.unwrap();
    let paint = home
        .split("<div id=\"prerender\">")
        .nth(1)
        .expect("a first paint");
    assert!(paint.contains("<header class=\"site-header\">"), "{home}");
    assert!(
        paint.contains("<a href=\"/\" aria-current=\"page\">Peta</a>"),
        "{home}"
    );
    assert!(paint.contains("<section class=\"filters\" aria-labelledby=\"filters-heading\"><h1 id=\"filters-heading\">Tempat yang masih membutuhkan bantuan</h1>"), "{home}");
    // The map's box, where index.html's script draws the first map, with
    // the categories' colours it draws them in.
    assert!(
        paint.contains(
            "<div class=\"map\" id=\"first-map\" role=\"region\" aria-label=\"Peta lokasi penerima bantuan\" \
             data-colors=\"{&quot;rw_prioritas&quot;:&quot;#d55e00&quot;,&quot;pesantren&quot;:&quot;#009e73&quot;,"
        ),
        "{home}"
    );
    assert!(paint.contains("<section class=\"live-strip\""), "{home}");
    assert!(
        home.find("id=\"prerender\"") < home.find(APP_MARKER),
        "the first paint comes first"
    );
    assert!(
        home.contains("<body>"),
        "no demo data, no demo hint: {home}"
    );

    let profile = app
        .get(&format!("/lokasi/{place}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        profile.contains("<h1>Pesantren Al-Ikhlas Petojo</h1>"),
        "{profile}"
    );
    assert!(
        profile
            .contains("<span class=\"dot\" style=\"background:#009e73\"></span>Pesantren</span>"),
        "{profile}"
    );

    // The visitor's language choice (the app's cookie) is the first paint's.
    let english = send(
        app.request("/transparansi")
            .header(header::COOKIE, "other=1; kolaborasi_lang=en"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(english.contains("<html lang=\"en\">"), "{english}");
    assert!(english.contains("<a href=\"/\">Map</a>"), "{english}");
    assert!(
        english.contains("<div class=\"page wide\"><h1>Transparency</h1><p class=\"lead\">"),
        "{english}"
    );
    // Without a choice, Indonesian, as the app starts: whatever the browser's language.
    let default = send(
        app.request("/transparansi")
            .header(header::ACCEPT_LANGUAGE, "en"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(default.contains("<a href=\"/\">Peta</a>"), "{default}");
    assert!(default.contains("<html lang=\"id\">"), "{default}");

    // The console, the kiosk and a place's receipt page draw their own.
    for path in ["/konsol", "/kiosk", "/terima/K7Q2-9XZP"] {
        let text = app.get(path).await.text().await.unwrap();
        assert!(!text.contains("prerender"), "{path}");
    }
    app.stop().await;
}

pub async fn the_demo_banner_is_in_the_first_paint_when_the_data_is_demo(engine: Engine) {
    let app = TestApp::start_on(crate::support::TestDb::fresh(engine).await, 40).await;
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("<body data-demo>"), "{home}");
    assert!(
        home.contains("<p class=\"demo-banner\" role=\"note\">"),
        "{home}"
    );
    app.stop().await;
}
