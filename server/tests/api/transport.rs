//! HTTP around the JSON: conditional GET, compression, and the web client
//! served for every path that is not the API.

use reqwest::{Client, StatusCode, header};

use crate::support::{
    APP_MARKER, Engine, FIXTURES, TestApp, content_type, error_envelope, header_text, location,
    send,
};

pub async fn list_and_area_responses_revalidate_with_etags(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let conditional = |path: &str, etag: &str| {
        send(
            app.request(path)
                .header(header::IF_NONE_MATCH, etag.to_owned()),
        )
    };

    for path in [
        "/api/v1/locations",
        "/api/v1/locations?category=umkm",
        "/api/v1/areas",
    ] {
        let first = app.get(path).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let etag = header_text(&first, header::ETAG);
        assert!(
            etag.starts_with("W/\"") && etag.ends_with('"'),
            "{path}: ETag {etag:?}"
        );
        assert_eq!(
            header_text(&first, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );

        let again = conditional(path, &etag).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(header_text(&again, header::ETAG), etag, "{path}");
        assert!(
            again.bytes().await.expect("a body").is_empty(),
            "{path}: 304 with a body"
        );

        // Among others, and without the weak prefix: weak comparison.
        let listed = format!("\"0000\", {}", etag.trim_start_matches("W/"));
        assert_eq!(
            conditional(path, &listed).await.status(),
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(
            conditional(path, "\"0000\"").await.status(),
            StatusCode::OK,
            "{path}"
        );
    }

    // Different filters, different bodies, different tags.
    let all = header_text(&app.get("/api/v1/locations").await, header::ETAG);
    let umkm = header_text(
        &app.get("/api/v1/locations?category=umkm").await,
        header::ETAG,
    );
    assert_ne!(all, umkm);

    // A new location changes the list: the old tag no longer matches.
    let mut new = FIXTURES[4];
    new.0 = "UMKM Batik Tebet Timur";
    app.insert(&[location(new)]).await;
    let after = conditional("/api/v1/locations", &all).await;
    assert_eq!(after.status(), StatusCode::OK);
    let new_etag = header_text(&after, header::ETAG);
    assert_ne!(new_etag, all);
    assert!(
        after
            .text()
            .await
            .expect("a body")
            .contains("UMKM Batik Tebet Timur")
    );
    let current = conditional("/api/v1/locations", &new_etag).await;
    assert_eq!(current.status(), StatusCode::NOT_MODIFIED);
}

pub async fn responses_are_compressed_when_the_client_accepts_it(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    // This client shows the bytes on the wire: it neither asks for nor decodes gzip.
    let raw = Client::builder().no_gzip().build().expect("an HTTP client");
    let url = app.url("/api/v1/locations");

    let plain = send(raw.get(&url)).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(header_text(&plain, header::CONTENT_ENCODING), "");
    let plain = plain.bytes().await.expect("a body");
    assert!(serde_json::from_slice::<serde_json::Value>(&plain).is_ok());

    for encoding in ["gzip", "br"] {
        let response = send(raw.get(&url).header(header::ACCEPT_ENCODING, encoding)).await;
        assert_eq!(response.status(), StatusCode::OK, "{encoding}");
        assert_eq!(header_text(&response, header::CONTENT_ENCODING), encoding);
        assert!(
            header_text(&response, header::VARY)
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{encoding}: caches must key on Accept-Encoding"
        );
        assert!(content_type(&response).starts_with("application/json"));
        let body = response.bytes().await.expect("a body");
        if encoding == "gzip" {
            assert_eq!(body.get(..2), Some(&[0x1f, 0x8b][..]), "gzip magic");
        }
        assert!(
            body.len() < plain.len(),
            "{encoding}: {} ≥ {} bytes",
            body.len(),
            plain.len()
        );
    }

    // The ordinary client asks for gzip and decodes it transparently.
    assert_eq!(app.list("").await.locations.len(), FIXTURES.len());
}

pub async fn deep_links_get_the_web_client_but_api_paths_never_get_html(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    for path in ["/", "/tentang", "/transparansi?x=1", "/kolaborasi"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(content_type(&response).starts_with("text/html"), "{path}");
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        let text = response.text().await.expect("a body");
        assert!(text.contains(APP_MARKER), "{path}: {text}");
    }

    for path in [
        "/api",
        "/api/v1",
        "/api/v1/",
        "/api/v1/nope",
        "/api/v1/locations/abc",
        "/api/v1/lokasi/12",
        "/api/v1/index.html",
    ] {
        let response = app.get(path).await;
        let status = response.status();
        assert!(status.is_client_error(), "GET {path}: {status}");
        error_envelope(response, status).await;
    }
}

/// `nest("/api", …)` matches `/api` and `/api/<something>`, but not `/api/`
/// itself, which falls through to the web client.
pub async fn the_api_root_with_a_trailing_slash_is_404_json_not_the_web_client(engine: Engine) {
    let app = TestApp::start(engine).await;
    let response = app.get("/api/").await;
    let error = error_envelope(response, StatusCode::NOT_FOUND).await;
    assert_eq!(error.code, kolaborasi_shared::ErrorCode::NotFound);
}

pub async fn every_response_carries_the_security_headers(engine: Engine) {
    let app = TestApp::start(engine).await;
    for path in ["/api/v1/locations", "/api/v1/nope", "/", "/lokasi/1"] {
        let response = app.get(path).await;
        for (name, value) in [
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        ] {
            assert_eq!(
                header_text(&response, name.clone()),
                value,
                "{path}: {name}"
            );
        }
        assert_eq!(
            header_text(
                &response,
                header::HeaderName::from_static("permissions-policy")
            ),
            "geolocation=(self), camera=(), microphone=(), payment=(), usb=()",
            "{path}"
        );
        // Plain HTTP (no --cookie-secure): no HSTS.
        assert_eq!(
            header_text(&response, header::STRICT_TRANSPORT_SECURITY),
            "",
            "{path}"
        );
        let csp = header_text(&response, header::CONTENT_SECURITY_POLICY);
        if path.starts_with("/api") {
            assert_eq!(csp, "", "{path}: JSON needs no policy");
        } else {
            for part in [
                "script-src 'self' 'wasm-unsafe-eval'",
                "object-src 'none'",
                "frame-ancestors 'none'",
                "base-uri 'self'",
            ] {
                assert!(csp.contains(part), "{path}: {csp}");
            }
        }
    }
    app.stop().await;

    // Behind HTTPS: HSTS; and the shell's inline loader is allowed by its
    // hash only, so an injected inline script would not run.
    let db = crate::support::TestDb::fresh(engine).await;
    let loader = "import init from '/kolaborasi-0123456789abcdef.js'; await init();";
    let app = TestApp::start_configured(db, |c| {
        c.cookie_secure = true;
        std::fs::write(
            c.static_dir.join("index.html"),
            format!(
                "<!doctype html><html><head><script src=\"/leaflet.js\" defer></script>\
                 <script type=\"module\">{loader}</script></head><body><div id=\"app\">spa shell</div></body></html>"
            ),
        )
        .unwrap();
    })
    .await;
    let response = app.get("/").await;
    assert_eq!(
        header_text(&response, header::STRICT_TRANSPORT_SECURITY),
        "max-age=31536000; includeSubDomains"
    );
    let csp = header_text(&response, header::CONTENT_SECURITY_POLICY);
    let hash = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader.as_bytes()))
    };
    assert!(
        csp.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}';"
        )),
        "{csp}"
    );
    app.stop().await;
}

/// The service worker and the manifest keep their names across releases, so
/// they are revalidated like HTML; hashed assets are kept for a day; and
/// the manifest carries its registered type. The API never serves them.
pub async fn the_offline_shell_files_are_revalidated_and_the_manifest_has_its_type(engine: Engine) {
    let app = TestApp::start(engine).await;
    let dir = app.static_dir();
    let worker = "self.addEventListener('fetch', () => {});\n";
    let manifest = r#"{"name":"Kolaborasi","start_url":"/","display":"standalone"}"#;
    std::fs::write(dir.join("sw.js"), worker).expect("write sw.js");
    std::fs::write(dir.join("manifest.webmanifest"), manifest).expect("write the manifest");
    std::fs::write(dir.join("kolaborasi-3f2a9c.js"), "export {};\n").expect("write an asset");

    for (path, content_types, body) in [
        (
            "/sw.js",
            &["text/javascript", "application/javascript"][..],
            worker,
        ),
        (
            "/manifest.webmanifest",
            &["application/manifest+json"][..],
            manifest,
        ),
        ("/", &["text/html"][..], APP_MARKER),
        ("/tentang", &["text/html"][..], APP_MARKER),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let ct = content_type(&response);
        assert!(
            content_types.iter().any(|t| ct.starts_with(t)),
            "{path}: content-type {ct}"
        );
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        let text = response.text().await.expect("a body");
        assert!(text.contains(body), "{path}: {text}");
    }

    let asset = app.get("/kolaborasi-3f2a9c.js").await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(
        header_text(&asset, header::CACHE_CONTROL),
        "public, max-age=86400"
    );

    for path in [
        "/api/sw.js",
        "/api/manifest.webmanifest",
        "/api/v1/sw.js",
        "/api/v1/manifest.webmanifest",
    ] {
        let response = app.get(path).await;
        error_envelope(response, StatusCode::NOT_FOUND).await;
    }
}

/// Reads until the server closes the socket; `None` if it stays open for
/// `within`.
async fn closed_within(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    within: std::time::Duration,
) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read_all).await.ok()?;
    Some(seen)
}

/// Finding 6: a half-sent header and a silent socket are closed after the
/// idle time; one address's connections beyond the cap are closed at once
/// while its others keep working.
pub async fn idle_and_excess_connections_are_closed(engine: Engine) {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let idle = TestApp::start_configured(crate::support::TestDb::fresh(engine).await, |c| {
        c.connection_idle_secs = 1;
    })
    .await;
    let addr = idle.running.addr;
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /api/v1/config HTTP/1.1\r\nHost: kolaborasi\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let started = std::time::Instant::now();
    let answered = closed_within(&mut half, std::time::Duration::from_secs(5))
        .await
        .expect("a half-sent header is closed within 5 s");
    assert!(
        answered.is_empty() || answered.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answered)
    );
    closed_within(&mut silent, std::time::Duration::from_secs(5))
        .await
        .expect("a silent socket is closed within 5 s");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "not before the idle time"
    );
    // A whole request on a fresh connection is answered as ever.
    assert_eq!(idle.get("/api/v1/config").await.status(), StatusCode::OK);
    idle.stop().await;

    let capped = TestApp::start_configured(crate::support::TestDb::fresh(engine).await, |c| {
        c.connections_per_address = 4;
    })
    .await;
    let addr = capped.running.addr;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Let the server accept the four before the fifth arrives.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    closed_within(&mut fifth, std::time::Duration::from_secs(2))
        .await
        .expect("the fifth connection of one address is closed at once");
    let first = &mut held[0];
    first
        .write_all(b"GET /api/v1/config HTTP/1.1\r\nHost: kolaborasi\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = closed_within(first, std::time::Duration::from_secs(5))
        .await
        .expect("answered and closed");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    drop(held);
    capped.stop().await;
}

/// Finding 6, the trickle: bytes sent one at a time keep a connection busy
/// but never finish a request. A header must be complete within
/// `--request-read-secs`; a body may take as long and then must arrive at
/// 1 KiB/s on average, else 408 in the client's language and the
/// connection is closed. Nothing is written.
pub async fn trickled_headers_and_bodies_are_cut_off(engine: Engine) {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let app = TestApp::start_configured(crate::support::TestDb::fresh(engine).await, |c| {
        c.request_read_secs = 1;
    })
    .await;
    let addr = app.running.addr;
    // One byte every 200 ms: never idle, never done.
    let trickle = |start: &'static [u8]| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (read, mut write) = stream.into_split();
        write.write_all(start).await.unwrap();
        let writer = tokio::spawn(async move {
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                if write.write_all(b"x").await.is_err() {
                    break;
                }
            }
        });
        (read, writer)
    };

    let (mut header, writer) =
        trickle(b"GET /api/v1/config HTTP/1.1\r\nHost: kolaborasi\r\nX-Slow: ").await;
    let answer = closed_within(&mut header, std::time::Duration::from_secs(5))
        .await
        .expect("a trickled header is cut off within 5 s");
    writer.abort();
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    let count = || async {
        let n: i64 = kolaborasi_server::on_db!(app.db(), pool => sqlx::query_scalar("SELECT COUNT(*) FROM commitments")
            .fetch_one(pool)
            .await
            .unwrap());
        n
    };
    let before = count().await;
    let (mut body, writer) = trickle(
        b"POST /api/v1/commitments HTTP/1.1\r\nHost: kolaborasi\r\n\
          Content-Type: application/json\r\nAccept-Language: id\r\n\
          Idempotency-Key: trickle-body-key-1\r\nContent-Length: 4000\r\n\r\n{",
    )
    .await;
    let answer = closed_within(&mut body, std::time::Duration::from_secs(6))
        .await
        .expect("a trickled body is answered and closed within 6 s");
    writer.abort();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"request_timeout\""), "{text}");
    assert!(text.contains("terlalu lambat"), "{text}");
    assert_eq!(count().await, before);

    // A whole request is served as ever.
    assert_eq!(app.get("/api/v1/config").await.status(), StatusCode::OK);
    app.stop().await;
}
