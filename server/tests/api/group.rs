//! Group commit: a crowd of reservations shares transactions, yet each
//! keeps its own all-or-nothing outcome, and what was acknowledged survives
//! a `kill -9`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kolaborasi_server::on_db;
use kolaborasi_shared::CommitmentReceipt;
use reqwest::StatusCode;

use crate::commitments::{order, scene};
use crate::support::{Engine, TestApp, TestDb, send};
use crate::transparency::OtherProcess;

/// What one request came to: its key, status and (when 2xx) its code.
type Answer = (String, StatusCode, Option<String>);

async fn burst(
    client: &reqwest::Client,
    url: &str,
    requests: Vec<(String, kolaborasi_shared::NewCommitment)>,
    acknowledged: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Vec<Answer> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(key, body)| {
            let (client, url) = (client.clone(), url.to_owned());
            let acknowledged = acknowledged.clone();
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .header("Idempotency-Key", &key)
                    .json(&body)
                    .send()
                    .await;
                let Ok(response) = response else {
                    return (key, StatusCode::SERVICE_UNAVAILABLE, None);
                };
                let status = response.status();
                let code = if status.is_success() {
                    response
                        .json::<CommitmentReceipt>()
                        .await
                        .ok()
                        .map(|r| r.commitment.code)
                } else {
                    None
                };
                if code.is_some() {
                    acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                (key, status, code)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

pub async fn a_burst_shares_commits_and_each_reservation_keeps_its_own_outcome(engine: Engine) {
    let s = scene(TestApp::start(engine).await).await;
    let mut requests = Vec::new();
    // 150 donors for 100 units of one package, 30 asking 5 of the 120
    // Lebaran packages, and 5 keys each sent twice at the same moment.
    for i in 0..150 {
        requests.push((
            format!("burst-s-{i:04}"),
            order(s.location, &[(s.sembako, 1)]),
        ));
    }
    for i in 0..30 {
        requests.push((
            format!("burst-l-{i:04}"),
            order(s.location, &[(s.lebaran, 5)]),
        ));
    }
    // Two lines, the second far beyond what remains: refused whole, in the
    // middle of groups, without keeping the first line's units.
    for i in 0..10 {
        requests.push((
            format!("burst-x-{i:04}"),
            order(s.location, &[(s.sembako, 1), (s.lebaran, 500)]),
        ));
    }
    for i in 0..5 {
        for _ in 0..2 {
            requests.push((
                format!("burst-d-{i:04}"),
                order(s.location, &[(s.lebaran, 1)]),
            ));
        }
    }
    let answers = burst(
        &s.app.client,
        &s.app.url("/api/v1/commitments"),
        requests,
        &std::sync::Arc::default(),
    )
    .await;

    let mut codes_by_key: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut refused = Vec::new();
    for (key, status, code) in &answers {
        match *status {
            StatusCode::CREATED | StatusCode::OK => {
                let code = code.as_deref().expect("a receipt with a code");
                codes_by_key.entry(key).or_default().insert(code);
            }
            StatusCode::CONFLICT => refused.push(key.as_str()),
            other => panic!("{key}: unexpected {other}"),
        }
    }
    // A key sent twice: one commitment, both answers name it.
    for (key, codes) in &codes_by_key {
        assert_eq!(codes.len(), 1, "{key} got two commitments: {codes:?}");
    }
    let sembako_won = codes_by_key
        .keys()
        .filter(|k| k.starts_with("burst-s-"))
        .count();
    assert_eq!(sembako_won, 100, "exactly the target, never more");
    let need = s.need(s.lebaran).await;
    assert!(need.committed <= 120);
    assert_eq!(need.remaining, 120 - need.committed);

    // Each acknowledged reservation has its row and its log entry; each
    // refused one has neither.
    let rows: Vec<(String, String)> = on_db!(s.app.db(), pool => sqlx::query_as(
        "SELECT idempotency_key, code FROM commitments").fetch_all(pool).await.unwrap());
    let logged: Vec<String> = on_db!(s.app.db(), pool => sqlx::query_scalar(
        "SELECT subject FROM public_log WHERE kind = 'commitment_made'").fetch_all(pool).await.unwrap());
    assert_eq!(
        rows.len(),
        codes_by_key.len(),
        "one row per acknowledged key"
    );
    for (key, code) in &rows {
        assert!(
            codes_by_key
                .get(key.as_str())
                .is_some_and(|c| c.contains(code.as_str())),
            "row {key} {code} was not acknowledged"
        );
        assert!(logged.contains(code), "{code} has no log entry");
    }
    assert_eq!(logged.len(), rows.len());
    for key in refused {
        if !codes_by_key.contains_key(key) {
            assert!(
                rows.iter().all(|(k, _)| k != key),
                "refused {key} has a row"
            );
        }
    }
    s.assert_books_balance().await;
    let verified = kolaborasi_server::log::verify(s.app.db()).await.unwrap();
    assert!(
        verified.mismatch.is_none() && verified.head_row.is_none(),
        "{verified:?}"
    );
    assert_eq!(verified.from_log, verified.counters);
    s.app.stop().await;
}

/// A server process killed with SIGKILL in the middle of a burst, then
/// started again on the same database: every acknowledged commitment is
/// there, and the log verifies.
pub async fn a_kill_during_a_burst_loses_no_acknowledged_commitment(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    // The places and needs, made by an in-process server, then stopped.
    let s = scene(TestApp::start_on(db.clone(), 0).await).await;
    let (location, sembako, lebaran) = (s.location, s.sembako, s.lebaran);
    let client = s.app.client.clone();
    s.app.stop().await;

    let server = OtherProcess::start(&db.url, &[]);
    let url = format!("{}/api/v1/commitments", server.base);
    let requests: Vec<_> = (0..400)
        .map(|i| {
            let package = if i % 2 == 0 { sembako } else { lebaran };
            (format!("kill-{i:04}"), order(location, &[(package, 1)]))
        })
        .collect();
    let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let running = tokio::spawn({
        let client = client.clone();
        let acknowledged = acknowledged.clone();
        async move { burst(&client, &url, requests, &acknowledged).await }
    });
    // Kill once some have been acknowledged (answered, not only logged).
    for waited in 0.. {
        if acknowledged.load(std::sync::atomic::Ordering::SeqCst) >= 20 {
            break;
        }
        assert!(waited < 4_000, "not 20 commitments acknowledged in 20 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(server); // SIGKILL
    let answers = running.await.unwrap();
    let acknowledged: Vec<&str> = answers
        .iter()
        .filter(|(_, status, _)| status.is_success())
        .filter_map(|(_, _, code)| code.as_deref())
        .collect();
    assert!(
        !acknowledged.is_empty(),
        "nothing was acknowledged before the kill"
    );

    let again = OtherProcess::start(&db.url, &[]);
    for code in &acknowledged {
        let response = send(client.get(format!("{}/api/v1/commitments/{code}", again.base))).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "acknowledged {code} was lost"
        );
    }
    drop(again);
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_kolaborasi-server"))
        .args(["--database-url", &db.url, "verify-log"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "verify-log: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}
