//! Optional collaborator accounts: argon2id passwords, server-side
//! sessions in `HttpOnly` `SameSite` cookies, a per-address sign-in limit.

use kolaborasi_server::on_db;
use kolaborasi_shared::{
    Account, CancelRequest, CommitmentList, Credentials, ErrorCode, Registration,
};
use reqwest::{StatusCode, header};

use crate::commitments::{order, scene};
use crate::support::{Engine, TestApp, error_envelope, header_text, ok_json, send};

const PASSWORD: &str = "kolaborasi-rahasia-2026";

fn registration(email: &str) -> Registration {
    Registration {
        name: "Yayasan Peduli Warga".into(),
        kind: "organisation".into(),
        email: email.into(),
        phone: "021 555 0199".into(),
        password: PASSWORD.into(),
    }
}

/// The `name=value` of the session cookie a response set, after checking its flags.
fn session_cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get(header::SET_COOKIE)
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/api"] {
        assert!(set.contains(flag), "cookie without {flag}: {set}");
    }
    set.split(';').next().unwrap().to_owned()
}

async fn with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    send(app.request(path).header(header::COOKIE, cookie)).await
}

pub async fn an_account_registers_signs_in_and_lists_its_own_commitments(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let created = app
        .register(&registration("Pengurus@PeduliWarga.or.id"))
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let cookie = session_cookie(&created);
    let account: Account = created.json().await.unwrap();
    assert_eq!(
        (account.email.as_str(), account.phone.as_str()),
        ("pengurus@peduliwarga.or.id", "+62215550199")
    );
    let stored: String = on_db!(app.db(), pool => sqlx::query_scalar("SELECT password_hash FROM accounts")
        .fetch_one(pool).await.unwrap());
    assert!(
        stored.starts_with("$argon2id$") && !stored.contains(PASSWORD),
        "{stored}"
    );
    let token_rows: Vec<String> = on_db!(app.db(), pool => sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(pool).await.unwrap());
    assert!(
        !token_rows.iter().any(|h| cookie.ends_with(h.as_str())),
        "the cookie value itself is not stored"
    );

    // Finding 12: registering a taken address answers exactly as a new one
    // does; the owner is told by e-mail, and nothing about the account changes.
    let taken = app
        .post(
            "/api/v1/account",
            &registration("pengurus@peduliwarga.or.id"),
            &[],
        )
        .await;
    let fresh = app
        .post(
            "/api/v1/account",
            &registration("baru@peduliwarga.or.id"),
            &[],
        )
        .await;
    assert_eq!(taken.status(), StatusCode::ACCEPTED);
    assert_eq!(fresh.status(), StatusCode::ACCEPTED);
    let (taken, fresh) = (taken.text().await.unwrap(), fresh.text().await.unwrap());
    assert_eq!(
        taken.replace("pengurus", "X"),
        fresh.replace("baru", "X"),
        "the same answer"
    );
    let still: String = on_db!(app.db(), pool => sqlx::query_scalar(
        "SELECT password_hash FROM accounts WHERE email = 'pengurus@peduliwarga.or.id'",
    ).fetch_one(pool).await.unwrap());
    assert_eq!(still, stored, "a taken address keeps its password");
    // Until its link is opened, a new account cannot sign in; it says why.
    let early = app
        .post(
            "/api/v1/session",
            &Credentials {
                email: "baru@peduliwarga.or.id".into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    let error = error_envelope(early, StatusCode::FORBIDDEN).await;
    assert!(
        error.message.contains("belum diaktifkan"),
        "{}",
        error.message
    );
    app.mail_settled().await;
    let mails = crate::support::mails_in(&app.static_dir().join("mail"));
    let to = |who: &str, saying: &str| {
        mails
            .iter()
            .find(|m| m.header("To").contains(who) && m.body.contains(saying))
            .unwrap_or_else(|| panic!("no mail to {who} saying {saying:?} in {mails:#?}"))
    };
    let notice = to("pengurus@peduliwarga.or.id", "sudah punya akun");
    assert!(
        notice
            .link(&format!("{}/daftar/konfirmasi", app.base))
            .is_none()
    );
    let activation = to("baru@peduliwarga.or.id", "/daftar/konfirmasi#t=");
    let link = activation
        .link(&format!("{}/daftar/konfirmasi#t=", app.base))
        .unwrap_or_else(|| panic!("no activation link in {}", activation.body));
    let activation_token = link.split("#t=").nth(1).unwrap();
    let activated = app
        .post(
            "/api/v1/account/confirm",
            &serde_json::json!({ "token": activation_token }),
            &[],
        )
        .await;
    assert_eq!(activated.status(), StatusCode::OK);
    session_cookie(&activated);
    let twice = app
        .post(
            "/api/v1/account/confirm",
            &serde_json::json!({ "token": activation_token }),
            &[],
        )
        .await;
    error_envelope(twice, StatusCode::CONFLICT).await;
    let mut weak = registration("lain@peduliwarga.or.id");
    weak.password = "pendek".into();
    let weak = app.post("/api/v1/account", &weak, &[]).await;
    assert_eq!(
        error_envelope(weak, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("password")
    );

    // A commitment made while signed in is listed; a guest's is not.
    let mine = app
        .post(
            "/api/v1/commitments",
            &order(s.location, &[(s.sembako, 3)]),
            &[("Idempotency-Key", "account-0001"), ("Cookie", &cookie)],
        )
        .await;
    assert_eq!(mine.status(), StatusCode::CREATED);
    s.commit_ok("guest-0001", &order(s.location, &[(s.sembako, 4)]))
        .await;
    let list: CommitmentList =
        ok_json(with_cookie(app, "/api/v1/account/commitments", &cookie).await).await;
    assert_eq!(
        list.commitments
            .iter()
            .map(|c| c.lines[0].quantity)
            .collect::<Vec<_>>(),
        [3]
    );
    // The owner may cancel without the token.
    let code = &list.commitments[0].code;
    let cancelled = app
        .post(
            &format!("/api/v1/commitments/{code}/cancel"),
            &CancelRequest::default(),
            &[("Cookie", &cookie)],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);

    // Sign out ends the session on the server, not just in the browser.
    let out = send(
        app.client
            .delete(app.url("/api/v1/session"))
            .header(header::COOKIE, &cookie),
    )
    .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    // Nobody is signed in any more: an ordinary answer, not an error.
    let gone = with_cookie(app, "/api/v1/session", &cookie).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert!(gone.bytes().await.expect("a body").is_empty());
    let anonymous = app.get("/api/v1/session").await;
    assert_eq!(anonymous.status(), StatusCode::NO_CONTENT);
    let anonymous = app.get("/api/v1/account/commitments").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let back = app
        .post(
            "/api/v1/session",
            &Credentials {
                email: " PENGURUS@peduliwarga.or.id".into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert_eq!(back.status(), StatusCode::OK);
    let cookie = session_cookie(&back);
    let me: Account = ok_json(with_cookie(app, "/api/v1/session", &cookie).await).await;
    assert_eq!(me, account);
    s.app.stop().await;
}

pub async fn sign_in_is_limited_after_five_failures_per_address(engine: Engine) {
    let app = TestApp::start(engine).await;
    assert_eq!(
        app.register(&registration("bendahara@peduliwarga.or.id"))
            .await
            .status(),
        StatusCode::OK
    );
    let attempt = |password: &str| Credentials {
        email: "bendahara@peduliwarga.or.id".into(),
        password: password.into(),
    };
    for i in 0..5 {
        let r = app
            .post(
                "/api/v1/session",
                &attempt(&format!("tebakan-salah-{i}")),
                &[],
            )
            .await;
        assert_eq!(
            error_envelope(r, StatusCode::UNAUTHORIZED).await.code,
            ErrorCode::Unauthenticated
        );
    }
    // Now even the right password waits: the limit cannot be probed around.
    let r = app
        .post(
            "/api/v1/session",
            &attempt(PASSWORD),
            &[("Accept-Language", "en")],
        )
        .await;
    let retry: u64 = r
        .headers()
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let e = error_envelope(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert!(e.message.contains("15 minutes"), "{}", e.message);
    // Another address is not affected (many kiosks share one IP).
    assert_eq!(
        app.register(&registration("sekretaris@peduliwarga.or.id"))
            .await
            .status(),
        StatusCode::OK
    );
    let other = app
        .post(
            "/api/v1/session",
            &Credentials {
                email: "sekretaris@peduliwarga.or.id".into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert_eq!(other.status(), StatusCode::OK);
    // An unknown address fails like a wrong password.
    let unknown = app
        .post(
            "/api/v1/session",
            &Credentials {
                email: "siapa@contoh.id".into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert_eq!(
        error_envelope(unknown, StatusCode::UNAUTHORIZED).await.code,
        ErrorCode::Unauthenticated
    );
    app.stop().await;
}

pub async fn another_account_cannot_see_or_cancel_a_commitment(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let owner = session_cookie(&s.app.register(&registration("pemilik@contoh.id")).await);
    let other = session_cookie(&s.app.register(&registration("orang.lain@contoh.id")).await);
    let r = s
        .app
        .post(
            "/api/v1/commitments",
            &order(s.location, &[(s.sembako, 7)]),
            &[("Idempotency-Key", "owned-0001"), ("Cookie", &owner)],
        )
        .await;
    let code = r
        .json::<kolaborasi_shared::CommitmentReceipt>()
        .await
        .unwrap()
        .commitment
        .code;
    let private = with_cookie(
        &s.app,
        &format!("/api/v1/commitments/{code}/private"),
        &other,
    )
    .await;
    assert_eq!(private.status(), StatusCode::FORBIDDEN);
    let cancel = s
        .app
        .post(
            &format!("/api/v1/commitments/{code}/cancel"),
            &CancelRequest::default(),
            &[("Cookie", &other)],
        )
        .await;
    assert_eq!(cancel.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.need(s.sembako).await.remaining, 93);
    let own = with_cookie(
        &s.app,
        &format!("/api/v1/commitments/{code}/private"),
        &owner,
    )
    .await;
    assert_eq!(own.status(), StatusCode::OK);
    s.app.stop().await;
}

/// Finding 9: answers meant for one person are never stored by a browser
/// or a shared cache; public ones stay revalidatable.
pub async fn private_answers_are_never_stored_and_public_ones_revalidate(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let app = &s.app;
    let created = app.register(&registration("simpan@example.id")).await;
    assert_eq!(created.status(), StatusCode::OK);
    let cookie = header_text(&created, header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let receipt = s
        .commit_ok("store-0001-key", &order(s.location, &[(s.sembako, 1)]))
        .await;
    let admin = crate::staff::admin(app).await;
    let mut private = vec![
        with_cookie(app, "/api/v1/session", &cookie).await,
        with_cookie(app, "/api/v1/account/commitments", &cookie).await,
        send(
            app.request(&format!(
                "/api/v1/commitments/{}/private",
                receipt.commitment.code
            ))
            .header("Kolaborasi-Manage-Token", &receipt.manage_token),
        )
        .await,
    ];
    for path in [
        "/api/v1/staff/queues",
        "/api/v1/staff/session",
        "/api/v1/staff/members",
    ] {
        private.push(admin.get(app, path).await);
    }
    for response in private {
        let url = response.url().path().to_owned();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "no-store",
            "{url}"
        );
    }
    for path in ["/api/v1/locations", "/api/v1/config", "/api/v1/programs"] {
        let response = app.get(path).await;
        assert_eq!(
            header_text(&response, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
    }
    s.app.stop().await;
}

/// Finding 2: a crowd of sign-ins (no account needed) cannot exhaust the
/// server's memory: password hashes run a few at a time, and when too many
/// wait, the rest are told to come back (429) instead of queueing forever.
pub async fn a_crowd_of_sign_ins_keeps_memory_bounded(engine: Engine) {
    let db = crate::support::TestDb::fresh(engine).await;
    let app = TestApp::start_on(db.clone(), 0).await;
    let client = app.client.clone();
    app.stop().await;
    let server = crate::transparency::OtherProcess::start(&db.url, &[]);
    let before = server.peak_rss_kib();
    let url = format!("{}/api/v1/session", server.base);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let body = Credentials {
                    email: format!("crowd-{i}@example.id"),
                    password: "bukan-kata-sandinya".into(),
                };
                send(client.post(url).json(&body)).await.status()
            })
        })
        .collect();
    let (mut refused, mut busy) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => busy += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused + busy, 200);
    assert!(refused >= 4, "some were checked: {refused}");
    let grown_mib = server.peak_rss_kib().saturating_sub(before) / 1024;
    // Four hashes at 19 MiB each, and what the allocator keeps around them.
    assert!(
        grown_mib < 200,
        "peak memory grew by {grown_mib} MiB under 200 sign-ins"
    );
}

/// Findings 8 and 11: wrong passwords lock the network that sent them, not
/// the account: its owner elsewhere signs in, at worst after a short and
/// bounded delay; an IPv6 subscriber cannot rotate through its /64; and
/// one network cannot spray a password over many accounts.
pub async fn wrong_passwords_lock_their_network_not_the_owner(engine: Engine) {
    let app = TestApp::start_configured(crate::support::TestDb::fresh(engine).await, |c| {
        c.trust_proxy = true;
    })
    .await;
    let owner = "bendahara@peduliwarga.or.id";
    let registered = app.register(&registration(owner)).await;
    assert_eq!(registered.status(), StatusCode::OK);
    let from = |network: &str, email: &str, password: &str| {
        let body = Credentials {
            email: email.into(),
            password: password.into(),
        };
        let network = network.to_owned();
        let app = &app;
        async move {
            app.post(
                "/api/v1/session",
                &body,
                &[("X-Forwarded-For", network.as_str())],
            )
            .await
        }
    };
    // An attacker's network: five wrong passwords, then even the right one waits.
    for i in 0..5 {
        let r = from("203.0.113.7", owner, &format!("tebakan-{i}")).await;
        error_envelope(r, StatusCode::UNAUTHORIZED).await;
    }
    let locked = from("203.0.113.7", owner, PASSWORD).await;
    error_envelope(locked, StatusCode::TOO_MANY_REQUESTS).await;
    // The owner, elsewhere, is not locked out.
    let owner_in = from("198.51.100.9", owner, PASSWORD).await;
    assert_eq!(owner_in.status(), StatusCode::OK);

    // Rotating networks only buys a growing delay after the last failure,
    // at most a minute, and the owner gets through after it.
    for (i, network) in [
        "192.0.2.1",
        "192.0.2.2",
        "192.0.2.3",
        "192.0.2.4",
        "192.0.2.5",
        "192.0.2.6",
    ]
    .iter()
    .enumerate()
    {
        let r = from(network, owner, &format!("putar-{i}")).await;
        error_envelope(r, StatusCode::UNAUTHORIZED).await;
    }
    let waiting = from("198.51.100.9", owner, PASSWORD).await;
    let retry: u64 = header_text(&waiting, header::RETRY_AFTER).parse().unwrap();
    assert!(
        (1..=2).contains(&retry),
        "6 failures: 2 s, not a lock ({retry})"
    );
    error_envelope(waiting, StatusCode::TOO_MANY_REQUESTS).await;
    tokio::time::sleep(std::time::Duration::from_secs(retry + 1)).await;
    assert_eq!(
        from("198.51.100.9", owner, PASSWORD).await.status(),
        StatusCode::OK
    );

    // One IPv6 subscriber is one client, whatever address of its /64.
    for i in 1..=5 {
        let r = from(&format!("2001:db8:1:2::{i}"), owner, "salah-lagi").await;
        error_envelope(r, StatusCode::UNAUTHORIZED).await;
    }
    let rotated = from("2001:db8:1:2:ffff::99", owner, PASSWORD).await;
    error_envelope(rotated, StatusCode::TOO_MANY_REQUESTS).await;

    // Spraying one password over many addresses from one network.
    let sprayer = "198.51.100.200";
    for i in 0..kolaborasi_server::rate::SIGN_IN_PER_NETWORK {
        let r = from(sprayer, &format!("orang{i}@contoh.id"), "Jakarta2026!").await;
        error_envelope(r, StatusCode::UNAUTHORIZED).await;
    }
    let one_more = from(sprayer, "lain@contoh.id", "Jakarta2026!").await;
    error_envelope(one_more, StatusCode::TOO_MANY_REQUESTS).await;
}
