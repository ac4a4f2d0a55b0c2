//! Confirmed contacts and bounded holds (issue 16, finding 3): one
//! anonymous request cannot lock a place up. An unconfirmed commitment
//! takes at most a share of what remains and holds it for hours; the
//! e-mailed link (once, for its commitment only), a confirmed account or
//! staff give it the full period; contacts and networks are limited.

use kolaborasi_shared::{CommitmentReceipt, CommitmentView, ErrorCode};
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::commitments::{Scene, order, scene};
use crate::staff::admin;
use crate::support::{Engine, TestApp, TestDb, error_envelope, ok_json, production_limits};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn from(email: &str, location: i64, lines: &[(i64, i64)]) -> kolaborasi_shared::NewCommitment {
    let mut body = order(location, lines);
    email.clone_into(&mut body.collaborator.email);
    body
}

async fn confirm(s: &Scene, code: &str, token: &str) -> reqwest::Response {
    s.app
        .post(
            &format!("/api/v1/commitments/{code}/confirm"),
            &json!({ "token": token }),
            &[],
        )
        .await
}

async fn guarded(engine: Engine) -> TestApp {
    TestApp::start_configured(TestDb::fresh(engine).await, production_limits).await
}

async fn created(response: reqwest::Response) -> CommitmentReceipt {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn token_of(s: &Scene, code: &str) -> String {
    s.app.running.state.secret.confirm_token(code)
}

pub async fn an_unconfirmed_commitment_of_a_whole_need_leaves_room_for_a_second_donor(
    engine: Engine,
) {
    let s = scene(guarded(engine).await).await;
    // Sembako: 100 needed. The whole need is refused, with the most allowed.
    let whole = s
        .commit(
            "holds-whole-key",
            &from("a@donor.example.id", s.location, &[(s.sembako, 100)]),
        )
        .await;
    let error = error_envelope(whole, StatusCode::BAD_REQUEST).await;
    assert_eq!(error.code, ErrorCode::InvalidParameter);
    let field = error
        .fields
        .iter()
        .find(|f| f.field == "lines.0.quantity")
        .unwrap_or_else(|| panic!("no quantity problem in {error:?}"));
    assert!(field.message.contains("50"), "{}", field.message);
    assert_eq!(
        s.need(s.sembako).await.remaining,
        100,
        "a refusal takes nothing"
    );

    // Half is allowed, and held for hours, not days.
    let first = s
        .commit_ok(
            "holds-half-key",
            &from("a@donor.example.id", s.location, &[(s.sembako, 50)]),
        )
        .await
        .commitment;
    assert_eq!(first.confirmed_at, None);
    let hold = first.expires_at - first.created_at;
    assert_eq!(hold, 6 * HOUR, "the default unconfirmed hold");
    // A second donor still finds room: half of what remains.
    let refused = s
        .commit(
            "holds-second-all-key",
            &from("b@donor.example.id", s.location, &[(s.sembako, 50)]),
        )
        .await;
    error_envelope(refused, StatusCode::BAD_REQUEST).await;
    s.commit_ok(
        "holds-second-key",
        &from("b@donor.example.id", s.location, &[(s.sembako, 25)]),
    )
    .await;
    assert_eq!(s.need(s.sembako).await.remaining, 25);
    // At the last unit, one unit is always allowed.
    let lebaran_all = s
        .commit(
            "holds-one-key",
            &from("c@donor.example.id", s.location, &[(s.lebaran, 1)]),
        )
        .await;
    assert_eq!(lebaran_all.status(), StatusCode::CREATED);
    s.assert_books_balance().await;
}

pub async fn the_confirmation_link_works_once_and_only_for_its_commitment(engine: Engine) {
    let s = scene(guarded(engine).await).await;
    let a = s
        .commit_ok(
            "holds-a-key",
            &from("a@donor.example.id", s.location, &[(s.sembako, 10)]),
        )
        .await
        .commitment;
    let b = s
        .commit_ok(
            "holds-b-key",
            &from("b@donor.example.id", s.location, &[(s.sembako, 10)]),
        )
        .await
        .commitment;
    // B's token does not confirm A; nothing changes.
    let wrong = confirm(&s, &a.code, &token_of(&s, &b.code)).await;
    error_envelope(wrong, StatusCode::FORBIDDEN).await;
    let garbage = confirm(&s, &a.code, "not-a-token").await;
    error_envelope(garbage, StatusCode::FORBIDDEN).await;
    let still: CommitmentView =
        ok_json(s.app.get(&format!("/api/v1/commitments/{}", a.code)).await).await;
    assert_eq!(still.confirmed_at, None);

    // A's own token confirms it: the full period, from when it was made.
    let done: CommitmentView = ok_json(confirm(&s, &a.code, &token_of(&s, &a.code)).await).await;
    assert!(done.confirmed_at.is_some());
    assert_eq!(done.expires_at, a.created_at + 14 * DAY);
    let public: CommitmentView =
        ok_json(s.app.get(&format!("/api/v1/commitments/{}", a.code)).await).await;
    assert_eq!(
        public.expires_at,
        a.created_at + 14 * DAY,
        "the public view shows it at once"
    );
    // Once.
    let again = confirm(&s, &a.code, &token_of(&s, &a.code)).await;
    let error = error_envelope(again, StatusCode::CONFLICT).await;
    assert!(
        error.message.contains("sudah dikonfirmasi"),
        "{}",
        error.message
    );
    // B is untouched; once cancelled, its link no longer confirms it.
    let b_now: CommitmentView =
        ok_json(s.app.get(&format!("/api/v1/commitments/{}", b.code)).await).await;
    assert_eq!(b_now.confirmed_at, None);
    assert_eq!(b_now.expires_at, b.expires_at);
    let manage = s.app.running.state.secret.manage_token(&b.code);
    let cancelled = s
        .app
        .post(
            &format!("/api/v1/commitments/{}/cancel", b.code),
            &json!({ "token": manage }),
            &[],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let late = confirm(&s, &b.code, &token_of(&s, &b.code)).await;
    error_envelope(late, StatusCode::CONFLICT).await;
}

/// A burst: the limits are checked where the commitments are made, with
/// the group, so a crowd arriving at once gets exactly what the limits
/// allow, not what a check made before another's commit let through.
pub async fn a_burst_gets_exactly_what_the_limits_allow(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let app = TestApp::start_configured(db, |c| {
        production_limits(c);
        c.unconfirmed_per_contact = 3;
        c.unconfirmed_per_network_hour = 7;
    })
    .await;
    let s = scene(app).await;
    // Sends them all at once; how many got each status.
    let burst = async |bodies: Vec<(String, kolaborasi_shared::NewCommitment)>| {
        let responses =
            futures_util::future::join_all(bodies.iter().map(|(k, b)| s.commit(k, b))).await;
        let mut counted = std::collections::BTreeMap::new();
        for r in responses {
            *counted.entry(r.status().as_u16()).or_insert(0) += 1;
        }
        counted
    };
    // Ten at once from one address: three wait for its confirmation.
    let same = (0..10)
        .map(|i| {
            (
                format!("holds-burst-same-{i:02}"),
                from("same@donor.example.id", s.location, &[(s.sembako, 1)]),
            )
        })
        .collect();
    assert_eq!(
        burst(same).await,
        [(201, 3), (409, 7)].into_iter().collect(),
        "one contact, ten at once"
    );
    // Twenty at once from the same network, each its own address: the
    // network had made 3, so 4 more, and the rest wait for the hour.
    let network = (0..20)
        .map(|i| {
            (
                format!("holds-burst-net-{i:02}"),
                from(
                    &format!("n{i}@donor.example.id"),
                    s.location,
                    &[(s.sembako, 1)],
                ),
            )
        })
        .collect();
    assert_eq!(
        burst(network).await,
        [(201, 4), (429, 16)].into_iter().collect(),
        "one network, twenty at once"
    );
    assert_eq!(s.commitment_count().await, 7);
    // What was held is exactly what was acknowledged.
    assert_eq!(s.need(s.sembako).await.remaining, 100 - 7);
}

pub async fn a_contact_and_a_network_are_limited_but_a_retry_always_answers(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let app = TestApp::start_configured(db, |c| {
        production_limits(c);
        c.unconfirmed_per_network_hour = 5;
    })
    .await;
    let s = scene(app).await;
    let same = "same@donor.example.id";
    let mut codes = Vec::new();
    for i in 0..3 {
        let r = s
            .commit_ok(
                &format!("holds-same-{i}-key"),
                &from(same, s.location, &[(s.sembako, 1)]),
            )
            .await;
        codes.push(r.commitment.code);
    }
    // A fourth awaiting confirmation for the same address is refused, and
    // says why; a retry of one already made still answers with it.
    let fourth = s
        .commit(
            "holds-same-3-key",
            &from(same, s.location, &[(s.sembako, 1)]),
        )
        .await;
    let error = error_envelope(fourth, StatusCode::CONFLICT).await;
    assert!(
        error.message.contains("menunggu konfirmasi"),
        "{}",
        error.message
    );
    let replay = s
        .commit(
            "holds-same-0-key",
            &from(same, s.location, &[(s.sembako, 1)]),
        )
        .await;
    assert_eq!(replay.status(), StatusCode::OK);
    // Confirming one makes room for another.
    let ok = confirm(&s, &codes[0], &token_of(&s, &codes[0])).await;
    assert_eq!(ok.status(), StatusCode::OK);
    s.commit_ok(
        "holds-same-4-key",
        &from(same, s.location, &[(s.sembako, 1)]),
    )
    .await;

    // The network made 4 unconfirmed commitments; one more is allowed,
    // then 429 with a retry time, whatever the address typed.
    s.commit_ok(
        "holds-other-0-key",
        &from("x0@donor.example.id", s.location, &[(s.sembako, 1)]),
    )
    .await;
    let limited = s
        .commit(
            "holds-other-1-key",
            &from("x1@donor.example.id", s.location, &[(s.sembako, 1)]),
        )
        .await;
    let retry: u64 = limited
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header");
    assert!((1..=3_600).contains(&retry), "{retry}");
    let error = error_envelope(limited, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(error.message.contains("jaringan ini"), "{}", error.message);
    assert_eq!(s.commitment_count().await, 5);

    // A day on, the network may commit again, and the hourly sweep forgets
    // the old events (the five counted, not the new one).
    kolaborasi_server::on_db!(s.app.db(), pool => sqlx::query("UPDATE rate_events SET at = at - $1")
        .bind(DAY)
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
    s.commit_ok(
        "holds-other-2-key",
        &from("x2@donor.example.id", s.location, &[(s.sembako, 1)]),
    )
    .await;
    let now = kolaborasi_server::clock::now();
    let forgotten = kolaborasi_server::rate::forget_old(s.app.db(), now)
        .await
        .unwrap();
    assert_eq!(forgotten, 5);
    let left: i64 = kolaborasi_server::on_db!(s.app.db(), pool => sqlx::query_scalar("SELECT COUNT(*) FROM rate_events")
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(left, 1);
}

pub async fn a_confirmed_account_commits_for_the_full_period_and_staff_confirm_others(
    engine: Engine,
) {
    let s = scene(guarded(engine).await).await;
    // An account, activated by the link e-mailed to its address.
    let cookie = s
        .confirmed_account("csr@majujaya.example.id", "PT Maju Jaya Abadi", "company")
        .await;
    let signed = |key: &str, lines: &[(i64, i64)]| {
        let body = order(s.location, lines);
        s.app
            .client
            .post(s.app.url("/api/v1/commitments"))
            .header("Idempotency-Key", key)
            .header(header::COOKIE, cookie.clone())
            .json(&body)
            .send()
    };
    // An activated account's address is confirmed.
    let session: kolaborasi_shared::Account = ok_json(
        s.app
            .client
            .get(s.app.url("/api/v1/session"))
            .header(header::COOKIE, cookie.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(session.email_confirmed);
    // Now everything that remains may be taken, for the full period.
    let all = created(
        signed("holds-acc-2-key", &[(s.sembako, 100)])
            .await
            .unwrap(),
    )
    .await;
    assert!(all.commitment.confirmed_at.is_some());
    assert_eq!(
        all.commitment.expires_at - all.commitment.created_at,
        14 * DAY
    );
    assert_eq!(s.need(s.sembako).await.remaining, 0);

    // A kiosk donor without e-mail: staff confirm after reaching them.
    let kiosk = s
        .commit_ok(
            "holds-kiosk-key",
            &from("kiosk@donor.example.id", s.location, &[(s.lebaran, 10)]),
        )
        .await
        .commitment;
    let staff = admin(&s.app).await;
    let confirmed = staff
        .post(
            &s.app,
            &format!("/api/v1/staff/commitments/{}/confirm-contact", kiosk.code),
            &json!({}),
        )
        .await;
    let view: CommitmentView = ok_json(confirmed).await;
    assert!(view.confirmed_at.is_some());
    assert_eq!(view.expires_at, kiosk.created_at + 14 * DAY);
    // Named in the audit trail.
    let audit: i64 = kolaborasi_server::on_db!(s.app.db(), pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'contact_confirmed' AND subject = $1",
    ).bind(&kiosk.code).fetch_one(pool).await.unwrap());
    assert_eq!(audit, 1);
    // Without a staff session: refused.
    let anonymous = s
        .app
        .post(
            &format!("/api/v1/staff/commitments/{}/confirm-contact", kiosk.code),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// Findings 4 and 5: the log's reference of a guest's commitment is its own
/// (a typed address links nothing), and a name is public only for a
/// confirmed contact (a stranger typing a donor's address renames nobody).
pub async fn names_and_references_belong_to_confirmed_contacts(engine: Engine) {
    let s = scene(guarded(engine).await).await;
    let victim = "csr@majujaya.example.id";
    let account = s
        .confirmed_account(victim, "PT Maju Jaya Abadi", "company")
        .await;
    let mut real = from(victim, s.location, &[(s.sembako, 10)]);
    real.collaborator.name = "PT Maju Jaya Abadi".into();
    let named = s.commit_ok_as(&account, "holds-real-key", &real).await;

    // A stranger types the same address with another name, consenting.
    let mut fake = from(victim, s.location, &[(s.sembako, 5)]);
    fake.collaborator.name = "PT Palsu Sekali".into();
    let faked = s.commit_ok("holds-fake-key", &fake).await.commitment;
    assert_eq!(faked.collaborator_name, None, "no public name unconfirmed");
    // An anonymous guest commitment with the same address, twice.
    let mut hidden = from(victim, s.location, &[(s.lebaran, 1)]);
    hidden.collaborator.show_name = false;
    let h1 = s.commit_ok("holds-hidden-1-key", &hidden).await.commitment;
    let h2 = s.commit_ok("holds-hidden-2-key", &hidden).await.commitment;

    let d: kolaborasi_shared::CollaboratorDirectory =
        ok_json(s.app.get("/api/v1/collaborators").await).await;
    let listed: Vec<&str> = d.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        listed,
        ["PT Maju Jaya Abadi"],
        "the stranger renamed nobody"
    );
    assert_eq!(d.items[0].collaborations, 1);

    let log: kolaborasi_shared::LogPage = ok_json(s.app.get("/api/v1/log").await).await;
    let reference = |code: &str| {
        let entry = log
            .entries
            .iter()
            .find(|e| e.kind == "commitment_made" && e.facts["code"] == code)
            .unwrap_or_else(|| panic!("no log entry for {code}"));
        (
            entry.facts["collaborator"]["ref"]
                .as_str()
                .unwrap()
                .to_owned(),
            entry.facts["collaborator"]["name"].clone(),
        )
    };
    let (real_ref, real_name) = reference(&named.commitment.code);
    assert_eq!(real_name, "PT Maju Jaya Abadi");
    let (fake_ref, fake_name) = reference(&faked.code);
    assert!(fake_name.is_null(), "{fake_name}");
    let (r1, _) = reference(&h1.code);
    let (r2, _) = reference(&h2.code);
    let refs = [&real_ref, &fake_ref, &r1, &r2];
    for (i, a) in refs.iter().enumerate() {
        for b in &refs[i + 1..] {
            assert_ne!(a, b, "two commitments linked by a typed address");
        }
    }
    // Once the stranger's commitment is confirmed (the address's owner
    // clicked), its name shows, as its own entry.
    s.confirm(&faked.code).await;
    let d: kolaborasi_shared::CollaboratorDirectory =
        ok_json(s.app.get("/api/v1/collaborators").await).await;
    assert_eq!(d.total, 2);
}
