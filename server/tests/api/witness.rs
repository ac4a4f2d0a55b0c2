//! Signed heads (issue 20): the deployment's key signs the log's head; the
//! daily heads form a public file; downloads carry the head they were cut
//! at; a key rotation is itself a log entry; and a rewrite of the log from
//! some entry on — invisible to the chain alone — is caught by whoever kept
//! an earlier head, with `verify-log --since` and with the browser's check.

use kolaborasi_server::log::{Since, published_heads, verify, verify_since};
use kolaborasi_server::signing::{LogSigner, verify as verify_signature, verify_head};
use kolaborasi_shared::log::{KeyRotationFacts, Problem, Verifier, kind, rotation_message};
use kolaborasi_shared::{ClientConfig, LogHead, LogPage, SignedHead};
use reqwest::StatusCode;

use crate::commitments::{order, scene};
use crate::rewrite::{rewrite_from, rewrite_with};
use crate::support::{Engine, TestApp, TestDb, content_type, ok_json};

async fn signed_head(app: &TestApp) -> SignedHead {
    ok_json(app.get("/api/v1/log/head").await).await
}

async fn published_key(app: &TestApp) -> String {
    let config: ClientConfig = ok_json(app.get("/api/v1/config").await).await;
    config.log_key
}

/// `kolaborasi-server verify-log --since SEQ:HASH` on `db`: (exit code, output).
fn verify_log_since(db: &TestDb, head: &LogHead) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kolaborasi-server"))
        .args(["--database-url", &db.url, "verify-log", "--since"])
        .arg(format!("{}:{}", head.seq, head.hash))
        .env("RUST_LOG", "error")
        .output()
        .expect("run verify-log");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// What a browser that kept `kept` does on a later visit: read the entries
/// after it from the public API and check they chain to it, up to the
/// signed head it is shown now.
async fn browser_check(app: &TestApp, kept: &LogHead) -> Result<LogHead, Problem> {
    let now = signed_head(app).await;
    if now.seq < kept.seq || (now.seq == kept.seq && now.hash != kept.hash) {
        return Err(Problem::Chain);
    }
    let mut verifier = Verifier::continuing(kept);
    loop {
        let page: LogPage = ok_json(
            app.get(&format!(
                "/api/v1/log?after={}&limit=2",
                verifier.head().seq
            ))
            .await,
        )
        .await;
        for e in page.entries.iter().filter(|e| e.seq <= now.seq) {
            verifier.push(e).map_err(|m| m.problem)?;
        }
        if verifier.head().seq >= now.seq || page.next_after.is_none() {
            break;
        }
    }
    if verifier.head() == now.head() {
        Ok(verifier.head())
    } else {
        Err(Problem::Hash)
    }
}

pub async fn heads_are_signed_published_daily_and_carried_by_downloads(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("log-signing.key");
    let configure = |c: &mut kolaborasi_server::config::Config| {
        c.demo_scale = 0;
        c.signing_key.clone_from(&key_file);
    };
    let s = scene(TestApp::start_configured(db.clone(), configure).await).await;
    for i in 0..2 {
        s.commit_ok(
            &format!("signed-{i:04}"),
            &order(s.location, &[(s.sembako, 1)]),
        )
        .await;
    }
    let key = published_key(&s.app).await;
    assert_eq!(key.len(), 64, "an Ed25519 public key in hex: {key}");
    let head = signed_head(&s.app).await;
    assert_eq!(head.key, key);
    assert!(
        verify_head(&head),
        "the head verifies with the published key"
    );
    let stored = kolaborasi_server::log::head(s.app.db()).await.unwrap();
    assert_eq!(head.head(), stored);
    // The key file is not in the database: nothing there holds the seed.
    let seed = std::fs::read_to_string(&key_file).unwrap();
    let seed = seed.lines().nth(1).unwrap();
    let dumped: i64 = kolaborasi_server::on_db!(s.app.db(), pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM instance_secrets WHERE value = $1").bind(seed).fetch_one(pool).await.unwrap());
    assert_eq!(dumped, 0);

    // The daily heads: one line a day, each signed, served as a file.
    let response = s.app.get("/api/v1/log/heads").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/x-ndjson"));
    let text = response.text().await.unwrap();
    let lines: Vec<SignedHead> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines.iter().all(verify_head));
    assert!(
        !kolaborasi_server::log::publish_daily_head(s.app.db(), &s.app.running.state.signer)
            .await
            .unwrap(),
        "one head a day, however many instances try"
    );
    assert_eq!(published_heads(s.app.db()).await.unwrap(), lines);
    kolaborasi_server::on_db!(s.app.db(), pool => {
        assert!(sqlx::query("UPDATE log_heads SET seq = seq + 1").execute(pool).await.is_err());
        assert!(sqlx::query("DELETE FROM log_heads").execute(pool).await.is_err());
    });

    // A download carries the head it was cut at.
    for path in [
        "/api/v1/export/commitments.csv",
        "/api/v1/export/commitments.json",
        "/api/v1/export/locations.csv",
        "/api/v1/export/locations.geojson",
    ] {
        let response = s.app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let carried: SignedHead = serde_json::from_str(
            response
                .headers()
                .get("kolaborasi-log-head")
                .unwrap_or_else(|| panic!("{path} carries no head"))
                .to_str()
                .unwrap(),
        )
        .unwrap();
        assert!(verify_head(&carried), "{path}");
        assert_eq!(carried.head(), stored, "{path}");
    }

    // A rotation is a log entry, signed by the old key; the new key signs
    // from the next start on.
    let signer = LogSigner::load(&key_file).unwrap();
    let next = signer.rotate(s.app.db()).await.unwrap();
    assert_ne!(next.public_key(), key);
    s.app.edited();
    let entry = kolaborasi_server::log::page(s.app.db(), stored.seq, 10)
        .await
        .unwrap()
        .entries;
    assert_eq!(entry.len(), 1);
    assert_eq!(entry[0].kind, kind::SIGNING_KEY_ROTATED);
    let facts: KeyRotationFacts = serde_json::from_value(entry[0].facts.clone()).unwrap();
    assert_eq!(
        (facts.previous.as_str(), facts.key.as_str()),
        (key.as_str(), next.public_key())
    );
    assert!(verify_signature(
        &key,
        &rotation_message(&facts.previous, &facts.key),
        &facts.signature
    ));
    assert!(!verify_signature(
        next.public_key(),
        &rotation_message(&facts.previous, &facts.key),
        &facts.signature
    ));
    let report = verify(s.app.db()).await.unwrap();
    assert_eq!(report.mismatch, None);
    assert_eq!(report.from_log, report.counters);
    s.app.stop().await;
    let app = TestApp::start_configured(db.clone(), configure).await;
    assert_eq!(published_key(&app).await, next.public_key());
    let head = signed_head(&app).await;
    assert_eq!(head.key, next.public_key());
    assert!(verify_head(&head));
    assert_eq!(head.seq, stored.seq + 1);

    // A rotation the old key did not sign (whoever swapped the key signed
    // it with the new one) is found by verify-log, chain rewritten or not.
    let forged = next.sign(&rotation_message(&facts.previous, &facts.key));
    rewrite_with(app.db(), entry[0].seq, |_, at, mut f| {
        f["signature"] = forged.clone().into();
        (at, f)
    })
    .await
    .unwrap();
    app.edited();
    let report = verify(app.db()).await.unwrap();
    assert_eq!(
        report.mismatch.map(|m| (m.seq, m.problem)),
        Some((entry[0].seq, Problem::Facts))
    );
}

pub async fn a_rewritten_log_is_caught_by_whoever_kept_an_earlier_head(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let s = scene(TestApp::start_configured(db.clone(), |c| c.demo_scale = 0).await).await;
    for i in 0..4 {
        s.commit_ok(
            &format!("witness-{i:04}"),
            &order(s.location, &[(s.sembako, 1)]),
        )
        .await;
    }
    // A witness keeps today's signed head.
    let kept = signed_head(&s.app).await;
    assert!(verify_head(&kept));
    assert_eq!(
        verify_since(s.app.db(), &kept.head()).await.unwrap(),
        Since::Extends { to: kept.head() }
    );

    // An honest append extends it, for the command and for the browser.
    s.commit_ok("witness-0004", &order(s.location, &[(s.sembako, 1)]))
        .await;
    let later = signed_head(&s.app).await;
    assert_eq!(later.seq, kept.seq + 1);
    assert_eq!(
        verify_since(s.app.db(), &kept.head()).await.unwrap(),
        Since::Extends { to: later.head() }
    );
    let (code, out) = verify_log_since(&db, &kept.head());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("the log extends entry {}", kept.seq)),
        "{out}"
    );
    assert_eq!(browser_check(&s.app, &kept.head()).await, Ok(later.head()));

    // Whoever runs the database rewrites history from entry 2 on, head
    // included. The chain alone cannot tell: it is whole again.
    let rewritten = rewrite_from(s.app.db(), 2).await.unwrap();
    s.app.edited();
    assert_eq!(rewritten.seq, later.seq);
    assert_ne!(rewritten.hash, later.hash);
    let report = verify(s.app.db()).await.unwrap();
    assert_eq!(
        report.mismatch, None,
        "a consistent rewrite passes the chain check"
    );
    assert_eq!(report.head, rewritten);

    // Whoever kept a head from before sees it.
    let now = signed_head(&s.app).await;
    assert_eq!(now.head(), rewritten);
    assert!(verify_head(&now), "the server signs the rewritten head too");
    match verify_since(s.app.db(), &kept.head()).await.unwrap() {
        Since::Diverges {
            found: Some(found),
            broken: None,
        } => assert_ne!(found, kept.hash),
        other => panic!("the rewrite was not caught: {other:?}"),
    }
    let (code, out) = verify_log_since(&db, &kept.head());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NOT extended"), "{out}");
    assert!(out.contains(&kept.hash), "{out}");
    assert!(out.contains("NOT verified"), "{out}");
    assert!(browser_check(&s.app, &kept.head()).await.is_err());
    // A head kept from before the rewritten entry still verifies: the
    // witness proves what it saw, nothing more.
    let first = kolaborasi_server::log::page(s.app.db(), 0, 1)
        .await
        .unwrap()
        .entries
        .remove(0);
    let before = LogHead {
        seq: first.seq,
        hash: first.hash,
    };
    assert!(browser_check(&s.app, &before).await.is_ok());
    assert_eq!(verify_log_since(&db, &before).0, 0);
}
