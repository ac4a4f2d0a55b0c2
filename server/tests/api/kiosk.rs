//! Kiosks: the idle timeout the client is told, and kiosks behind one
//! address (`--kiosk-network`) each with their own receipt-code guesses
//! under a ceiling for the whole address.

use std::time::{Duration, Instant};

use kolaborasi_server::client::{IpNetwork, KIOSK_ADDRESS_FACTOR, KIOSK_COOKIE};
use kolaborasi_server::deliveries::MAX_GUESSES;
use kolaborasi_server::on_db;
use kolaborasi_shared::{ClientConfig, ReceiptRequest};
use reqwest::{StatusCode, header};

use crate::commitments::{order, scene};
use crate::deliveries::deliver_with_evidence;
use crate::support::{Engine, TestApp, TestDb, error_envelope, header_text, ok_json, send};

pub async fn the_config_reports_the_kiosk_idle_timeout(engine: Engine) {
    let app = TestApp::start(engine).await;
    let config: ClientConfig = ok_json(app.get("/api/v1/config").await).await;
    assert_eq!(config.kiosk_idle_secs, 90, "the default");
    app.stop().await;

    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.kiosk_idle_secs = 240;
    })
    .await;
    let config: ClientConfig = ok_json(app.get("/api/v1/config").await).await;
    assert_eq!(config.kiosk_idle_secs, 240);
}

/// The tests' client connects from 127.0.0.1.
fn loopback() -> Vec<IpNetwork> {
    vec!["127.0.0.0/8".parse().expect("a network")]
}

/// The device id a response hands out, when it sets the kiosk cookie.
fn issued(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{KIOSK_COOKIE}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

async fn as_kiosk(app: &TestApp, path: &str, kiosk: Option<&str>) -> reqwest::Response {
    let mut request = app.request(path);
    if let Some(id) = kiosk {
        request = request.header(header::COOKIE, format!("{KIOSK_COOKIE}={id}"));
    }
    send(request).await
}

pub async fn kiosks_behind_one_address_each_get_their_own_receipt_guesses_under_a_ceiling(
    engine: Engine,
) {
    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.kiosk_network = loopback();
    })
    .await;
    let s = scene(app).await;
    let receipt = s
        .commit_ok("kiosk-0001-key", &order(s.location, &[(s.sembako, 2)]))
        .await;
    let (slip, _, _) = deliver_with_evidence(&s, &receipt, &[(s.sembako, 2)]).await;
    let good = format!("/api/v1/receipts/{}", slip.confirm_code);
    let wrong = "/api/v1/receipts/ZZZZ-ZZZZ";

    // Any API response to a kiosk without a device cookie hands one out:
    // 128 random bits, for the whole site, not readable by scripts, not
    // sent cross-site, kept long; not `Secure` on a plain-HTTP LAN.
    let first = as_kiosk(&s.app, "/api/v1/config", None).await;
    let cookie = header_text(&first, header::SET_COOKIE);
    let kiosk_a = issued(&first).unwrap_or_else(|| panic!("no kiosk cookie: {cookie:?}"));
    assert_eq!(kiosk_a.len(), 32, "{cookie}");
    assert!(kiosk_a.bytes().all(|b| b.is_ascii_hexdigit()), "{cookie}");
    for attribute in ["Path=/;", "HttpOnly", "SameSite=Strict", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let max_age: i64 = cookie
        .split("Max-Age=")
        .nth(1)
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{cookie}"));
    assert!(max_age >= 365 * 86_400, "{cookie}");
    // Kept while it is well-formed; a malformed one is replaced.
    assert_eq!(
        issued(&as_kiosk(&s.app, "/api/v1/config", Some(&kiosk_a)).await),
        None
    );
    let kiosk_b = issued(&as_kiosk(&s.app, "/api/v1/config", Some("not-a-device-id")).await)
        .expect("a new cookie for a malformed one");
    assert_ne!(kiosk_a, kiosk_b);
    // Error responses get it too.
    let unknown = as_kiosk(&s.app, "/api/v1/nope", None).await;
    assert!(issued(&unknown).is_some());
    error_envelope(unknown, StatusCode::NOT_FOUND).await;

    // Kiosk A guesses wrong ten times and has to wait, even with the right code…
    for _ in 0..MAX_GUESSES {
        error_envelope(
            as_kiosk(&s.app, wrong, Some(&kiosk_a)).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let limited = as_kiosk(&s.app, &good, Some(&kiosk_a)).await;
    assert!(!header_text(&limited, header::RETRY_AFTER).is_empty());
    error_envelope(limited, StatusCode::TOO_MANY_REQUESTS).await;
    // …while kiosk B, at the same address, still gets its answers.
    error_envelope(
        as_kiosk(&s.app, wrong, Some(&kiosk_b)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let _: ReceiptRequest = ok_json(as_kiosk(&s.app, &good, Some(&kiosk_b)).await).await;

    // New cookies do not buy unlimited guesses: the address as a whole
    // stops after ten times the limit, whichever kiosks spent them.
    let ceiling = MAX_GUESSES * KIOSK_ADDRESS_FACTOR;
    let mut spent = MAX_GUESSES + 1;
    for _ in 1..MAX_GUESSES {
        error_envelope(
            as_kiosk(&s.app, wrong, Some(&kiosk_b)).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        spent += 1;
    }
    let mut n = 0u32;
    while spent < ceiling {
        n += 1;
        let kiosk = format!("{n:032x}");
        for _ in 0..MAX_GUESSES.min(ceiling - spent) {
            error_envelope(
                as_kiosk(&s.app, wrong, Some(&kiosk)).await,
                StatusCode::NOT_FOUND,
            )
            .await;
            spent += 1;
        }
    }
    assert_eq!(spent, 100);
    let fresh = "f".repeat(32);
    error_envelope(
        as_kiosk(&s.app, &good, Some(&fresh)).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    let without = as_kiosk(&s.app, &good, None).await;
    assert!(issued(&without).is_some());
    error_envelope(without, StatusCode::TOO_MANY_REQUESTS).await;

    // Once the window has passed, the right code works again.
    on_db!(s.app.db(), pool => sqlx::query("UPDATE rate_events SET at = at - 3600")
        .execute(pool).await.map(drop).unwrap());
    let _: ReceiptRequest = ok_json(as_kiosk(&s.app, &good, Some(&fresh)).await).await;
}

pub async fn the_kiosk_cookie_is_secure_with_cookie_secure_and_absent_elsewhere(engine: Engine) {
    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.kiosk_network = loopback();
        c.cookie_secure = true;
    })
    .await;
    let cookie = header_text(&app.get("/api/v1/config").await, header::SET_COOKIE);
    assert!(
        cookie.starts_with(&format!("{KIOSK_COOKIE}=")) && cookie.contains("; Secure"),
        "{cookie}"
    );
    app.stop().await;

    // A kiosk network that does not hold the client: nothing changes.
    let app = TestApp::start_configured(TestDb::fresh(engine).await, |c| {
        c.kiosk_network = vec![
            "10.0.0.0/8".parse().expect("a network"),
            "fd00::/8".parse().expect("a network"),
        ];
    })
    .await;
    assert_eq!(
        header_text(&app.get("/api/v1/config").await, header::SET_COOKIE),
        ""
    );
}

/// A bad `--kiosk-network` stops the real binary before it starts, naming
/// the flag, the value and what is wrong with it.
#[test]
fn a_bad_kiosk_network_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = format!("sqlite://{}", dir.path().join("never.db").display());
    for (value, says) in [
        ("192.168.1.0/33", "from 0 to 32"),
        ("kantor", "not an IP address"),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kolaborasi-server"))
            .args([
                "--database-url",
                &database,
                "--bind",
                "127.0.0.1:0",
                "--demo-scale",
                "0",
                "--kiosk-network",
                "10.0.0.0/8",
                "--kiosk-network",
                value,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the server binary runs");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().expect("a child process") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the server started with --kiosk-network {value}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
            .expect("stderr text");
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("--kiosk-network") && stderr.contains(value) && stderr.contains(says),
            "{stderr}"
        );
        assert!(
            !dir.path().join("never.db").exists(),
            "it touched the database"
        );
    }
}
