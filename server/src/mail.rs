//! E-mail to donors, never on a request's path: what a change wants sent is
//! a row in `outbox`, written in the same transaction as the change (so an
//! acknowledged commitment always has its message); one task per instance
//! sends due rows over SMTP, or writes them as `.eml` files when no SMTP
//! server is configured, and retries failures with growing delays.
//!
//! Messages are rendered when sent, from the commitment as it stands then,
//! in the language the donor used, with links to the address the donor
//! used: the receipt (tracking and manage links, and the confirmation link
//! while the contact is unconfirmed), a reminder before a confirmed
//! commitment expires, and the notice that the place confirmed a delivery.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::Config;
use crate::db::{Db, now_unix};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::on_db;
use crate::secrets::InstanceSecret;

/// Wakes the sender (something was queued). A permit is kept when the
/// sender is busy, so no wake is lost.
static WAKE: Notify = Notify::const_new();

/// Tells this process's senders that a message was queued: every waiting
/// one (several servers share a process in the tests; one woken at random
/// could be another's, leaving the message for a minute), and a permit for
/// one that is busy (it would otherwise look again within a second).
pub fn wake() {
    WAKE.notify_waiters();
    WAKE.notify_one();
}

/// Seconds a sender holds a message it took before another may try it (a
/// sender killed mid-send leaves it to the next).
const LEASE: i64 = 300;
/// The longest delay between two tries of one message.
const MAX_DELAY: i64 = 3_600;
/// How long before a confirmed commitment's expiry its donor is reminded.
pub const REMIND_BEFORE: i64 = 2 * 86_400;
/// Longest wait between two looks at the outbox (messages queued by other
/// instances, reminders falling due).
const IDLE: u64 = 60;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    secret: InstanceSecret,
    retry_base: i64,
    utc_offset_minutes: i32,
    full_days: u32,
}

impl Mailer {
    /// The transport `config` names; a start-up error saying which flag is
    /// wrong (never echoing the SMTP password).
    pub fn new(config: &Config, secret: InstanceSecret) -> Result<Self, String> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| format!("--mail-from {:?} is not an address: {e}", config.mail_from))?;
        let transport = if let Some(url) = &config.smtp_url {
            Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("--smtp-url is not a usable SMTP URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            )
        } else {
            std::fs::create_dir_all(&config.mail_dir).map_err(|e| {
                format!(
                    "--mail-dir {}: cannot create it: {e}",
                    config.mail_dir.display()
                )
            })?;
            tracing::info!(
                dir = %config.mail_dir.display(),
                "no SMTP server set (--smtp-url): e-mail is written to this folder as .eml files"
            );
            Transport::Folder(AsyncFileTransport::new(&config.mail_dir))
        };
        Ok(Self {
            transport,
            from,
            secret,
            retry_base: i64::try_from(config.mail_retry_secs).unwrap_or(30),
            utc_offset_minutes: config.utc_offset_minutes,
            full_days: config.commitment_expiry_days,
        })
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Transport::Folder(folder) => folder
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }

    /// A plain-text message from the deployment's sender to `name <email>`.
    fn letter(
        &self,
        name: String,
        email: &str,
        subject: String,
        body: String,
    ) -> Result<Message, AppError> {
        let to = Mailbox::new(
            (!name.is_empty()).then_some(name),
            email
                .parse()
                .map_err(|e| AppError::Internal(format!("recipient address: {e}")))?,
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| AppError::Internal(format!("message: {e}")))
    }

    /// The delay before try `attempts + 1`: the base, doubled per failure.
    fn delay(&self, attempts: i32) -> i64 {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(16);
        self.retry_base
            .saturating_mul(1_i64 << doublings)
            .min(MAX_DELAY)
    }
}

/// The sender: queues reminders that fall due, sends what is due, then
/// sleeps until the next message is due, a wake, or a minute.
#[must_use]
pub fn spawn(db: Db, mailer: Arc<Mailer>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut moved = crate::clock::moved();
        loop {
            if let Err(e) = queue_reminders(&db, now_unix()).await {
                tracing::warn!(?e, "could not queue reminders");
            }
            loop {
                match send_next(&db, &mailer).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        tracing::warn!(?e, "could not read the outbox");
                        break;
                    }
                }
            }
            let next: Option<i64> = match next_due(&db).await {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(?e, "could not read the outbox");
                    None
                }
            };
            let wait = next.map_or(IDLE, |at| {
                u64::try_from((at - now_unix()).clamp(1, 60)).unwrap_or(IDLE)
            });
            tokio::select! {
                () = WAKE.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(wait)) => {}
                _ = moved.changed() => {}
            }
        }
    })
}

async fn next_due(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE sent_at IS NULL",
    )
    .fetch_one(pool)
    .await?))
}

/// Queues the reminder of every confirmed open commitment that expires
/// within [`REMIND_BEFORE`] and was not reminded yet. Reads first, so an
/// idle server writes nothing.
pub async fn queue_reminders(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    const DUE: &str = "status = 'committed' AND expires_at <= $1 AND expires_at > $2 \
        AND reminded_at IS NULL AND confirmed_at IS NOT NULL AND demo = FALSE AND base_url <> ''";
    let any: Option<i64> = on_db!(db, pool => sqlx::query_scalar(
        &format!("SELECT id FROM commitments WHERE {DUE} LIMIT 1"),
    )
    .bind(now + REMIND_BEFORE)
    .bind(now)
    .fetch_optional(pool)
    .await?);
    if any.is_none() {
        return Ok(0);
    }
    let queued = on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "UPDATE commitments SET reminded_at = $3 WHERE {DUE} RETURNING id"
        ))
        .bind(now + REMIND_BEFORE)
        .bind(now)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            sqlx::query(
                "INSERT INTO outbox (kind, commitment_id, created_at, next_attempt_at) \
                 VALUES ('reminder', $1, $2, $2)",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        ids.len()
    });
    Ok(u64::try_from(queued).unwrap_or(0))
}

/// Messages taken at once: a burst of commitments is mailed with two
/// write transactions and one read per batch, not per message (each write
/// shares the database's one writer with the commitments themselves).
const BATCH: usize = 128;

/// Takes the oldest due messages and sends them; `false` when none is due.
async fn send_next(db: &Db, mailer: &Mailer) -> Result<bool, AppError> {
    let now = now_unix();
    let due: Vec<i64> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(i64::try_from(BATCH).unwrap_or(32))
    .fetch_all(pool)
    .await?);
    if due.is_empty() {
        return Ok(false);
    }
    // Taken only if still due: another instance that took one first moved it.
    let list = crate::db::placeholders_from(3, due.len());
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1 \
         WHERE sent_at IS NULL AND next_attempt_at <= $2 AND id IN ({list}) \
         RETURNING id, kind, commitment_id, account_id, report_id, lang, base_url, attempts"
    );
    let claimed: Vec<Claimed> = on_db!(db, pool => {
        let mut q = sqlx::query_as(&sql).bind(now + LEASE).bind(now);
        for id in &due {
            q = q.bind(id);
        }
        q.fetch_all(pool).await?
    });
    let mut ids: Vec<i64> = claimed.iter().filter_map(|m| m.commitment_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut abouts = about(db, &ids).await?;
    let mut sent = Vec::with_capacity(claimed.len());
    for message in &claimed {
        let rendered = match (message.commitment_id, message.account_id, message.report_id) {
            (Some(commitment), _, _) => {
                // Two messages about one commitment in a batch: the second
                // reads it again.
                let about = match abouts.remove(&commitment) {
                    Some(a) => Some(a),
                    None => about(db, &[commitment]).await?.remove(&commitment),
                };
                render(mailer, &message.kind, about)
            }
            (None, Some(account), _) => render_account(db, mailer, message, account).await,
            (None, None, Some(report)) => render_report(db, mailer, report).await,
            (None, None, None) => Ok(None),
        };
        let outcome = match rendered {
            Ok(Some(letter)) => mailer.send(letter).await,
            // Nothing to say any more (a reminder for a closed commitment).
            Ok(None) => Ok(()),
            Err(e) => Err(format!("{e:?}")),
        };
        match outcome {
            Ok(()) => sent.push(message.id),
            Err(error) => {
                let retry = now_unix() + mailer.delay(message.attempts);
                tracing::warn!(id = message.id, kind = message.kind, attempts = message.attempts, %error, retry_at = retry, "e-mail not sent; it will be tried again");
                on_db!(db, pool => sqlx::query("UPDATE outbox SET next_attempt_at = $2 WHERE id = $1")
                    .bind(message.id)
                    .bind(retry)
                    .execute(pool)
                    .await
                    .map(drop)?);
            }
        }
    }
    if !sent.is_empty() {
        let list = crate::db::placeholders_from(2, sent.len());
        let sql = format!("UPDATE outbox SET sent_at = $1 WHERE id IN ({list})");
        on_db!(db, pool => {
            let mut q = sqlx::query(&sql).bind(now_unix());
            for id in &sent {
                q = q.bind(id);
            }
            q.execute(pool).await.map(drop)?;
        });
    }
    Ok(true)
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    kind: String,
    commitment_id: Option<i64>,
    account_id: Option<i64>,
    report_id: Option<i64>,
    lang: Option<String>,
    base_url: Option<String>,
    attempts: i32,
}

/// The answer to a resident's report, to the address they left; `None`
/// when they left none (or only a phone number).
async fn render_report(db: &Db, mailer: &Mailer, report: i64) -> Result<Option<Message>, AppError> {
    type Row = (
        String,
        Option<String>,
        String,
        Option<String>,
        String,
        String,
        String,
    );
    let row: Option<Row> = on_db!(db, pool => sqlx::query_as(
        "SELECT r.code, r.contact, r.status, r.answer, r.lang, r.base_url, \
         COALESCE(l.name, r.suggested_name) \
         FROM reports r LEFT JOIN locations l ON l.id = r.location_id WHERE r.id = $1",
    )
    .bind(report)
    .fetch_optional(pool)
    .await?);
    let Some((code, Some(email), status, Some(answer), lang, base, place)) = row else {
        return Ok(None);
    };
    if !email.contains('@') {
        return Ok(None);
    }
    let lang = Lang::from_code(&lang);
    let link = format!("{base}/laporan/{code}");
    let state = lang.message(&format!("report.status.{status}"), &[]);
    let args = [
        ("code", code.as_str()),
        ("place", place.as_str()),
        ("state", state.as_str()),
        ("answer", answer.as_str()),
        ("link", link.as_str()),
    ];
    let mut body = lang.message("mail.report_answered.body", &args);
    body.push_str("\n\n-- \n");
    body.push_str(&lang.message("mail.footer_report", &[]));
    mailer
        .letter(
            String::new(),
            &email,
            lang.message("mail.report_answered.subject", &args),
            body,
        )
        .map(Some)
}

/// A message about an account (registration), or `None` when the account
/// is gone or already confirmed.
async fn render_account(
    db: &Db,
    mailer: &Mailer,
    claimed: &Claimed,
    account: i64,
) -> Result<Option<Message>, AppError> {
    let row: Option<(String, String, String, bool)> = on_db!(db, pool => sqlx::query_as(
        "SELECT email, name, password_hash, email_confirmed_at IS NOT NULL FROM accounts WHERE id = $1",
    )
    .bind(account)
    .fetch_optional(pool)
    .await?);
    let Some((email, name, password_hash, confirmed)) = row else {
        return Ok(None);
    };
    let lang = Lang::from_code(claimed.lang.as_deref().unwrap_or("id"));
    let base = claimed.base_url.as_deref().unwrap_or_default();
    let (subject, mut body) = match claimed.kind.as_str() {
        "account_confirm" if !confirmed => {
            let link = format!(
                "{base}/daftar/konfirmasi#{}{}",
                kolaborasi_shared::routes::CONFIRM_FRAGMENT,
                account_token(&mailer.secret, account, &password_hash)
            );
            let args = [("name", name.as_str()), ("link", link.as_str())];
            (
                lang.message("mail.account_confirm.subject", &args),
                lang.message("mail.account_confirm.body", &args),
            )
        }
        "account_exists" => {
            let sign_in = format!("{base}/masuk");
            let args = [("name", name.as_str()), ("link", sign_in.as_str())];
            (
                lang.message("mail.account_exists.subject", &args),
                lang.message("mail.account_exists.body", &args),
            )
        }
        _ => return Ok(None),
    };
    body.push_str("\n\n-- \n");
    body.push_str(&lang.message("mail.footer_account", &[]));
    mailer.letter(name, &email, subject, body).map(Some)
}

/// The token of an account's activation link: its id and an HMAC of the id
/// and the password hash (a new registration of the still unconfirmed
/// address sets a new password, and the older links stop working).
#[must_use]
pub fn account_token(secret: &InstanceSecret, account: i64, password_hash: &str) -> String {
    format!(
        "{account}.{}",
        secret.sign(&format!("confirm-account:{account}:{password_hash}"))
    )
}

#[derive(sqlx::FromRow)]
struct About {
    id: i64,
    code: String,
    status: String,
    lang: String,
    base_url: String,
    contact_email: String,
    collaborator_name: String,
    expires_at: i64,
    confirmed_at: Option<i64>,
    place: String,
}

/// What the messages about `ids` say of their commitments, in one query
/// for a batch (a burst of commitments is a burst of receipts).
async fn about(db: &Db, ids: &[i64]) -> Result<HashMap<i64, About>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT c.id, c.code, c.status, c.lang, c.base_url, c.contact_email, c.collaborator_name, \
         c.expires_at, c.confirmed_at, l.name AS place \
         FROM commitments c JOIN locations l ON l.id = c.location_id WHERE c.id IN ({})",
        crate::db::placeholders_from(1, ids.len())
    );
    let rows: Vec<About> = on_db!(db, pool => {
        let mut q = sqlx::query_as(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(|a| (a.id, a)).collect())
}

/// The message of `kind` about the commitment (`None`: gone), or `None`
/// when there is nothing to say any more.
fn render(mailer: &Mailer, kind: &str, about: Option<About>) -> Result<Option<Message>, AppError> {
    let Some(about) = about else { return Ok(None) };
    let lang = Lang::from_code(&about.lang);
    let code = about.code.as_str();
    let track = format!("{}/kolaborasi/{code}", about.base_url);
    let manage = format!(
        "{track}#{}{}",
        kolaborasi_shared::routes::MANAGE_FRAGMENT,
        mailer.secret.manage_token(code)
    );
    let until = local_time(about.expires_at, mailer.utc_offset_minutes);
    let days = mailer.full_days.to_string();
    let common = [
        ("name", about.collaborator_name.as_str()),
        ("place", about.place.as_str()),
        ("code", code),
        ("track", track.as_str()),
        ("manage", manage.as_str()),
        ("until", until.as_str()),
        ("days", days.as_str()),
    ];
    let (subject, mut body) = match kind {
        "committed" => {
            let mut body = lang.message("mail.committed.body", &common);
            if about.status == "committed" && about.confirmed_at.is_none() {
                let link = format!(
                    "{}/konfirmasi/{code}#{}{}",
                    about.base_url,
                    kolaborasi_shared::routes::CONFIRM_FRAGMENT,
                    mailer.secret.confirm_token(code)
                );
                let mut args = common.to_vec();
                args.push(("link", link.as_str()));
                body.push_str("\n\n");
                body.push_str(&lang.message("mail.committed.confirm", &args));
            }
            (lang.message("mail.committed.subject", &common), body)
        }
        "reminder" if about.status == "committed" => (
            lang.message("mail.reminder.subject", &common),
            lang.message("mail.reminder.body", &common),
        ),
        "delivered" => (
            lang.message("mail.delivered.subject", &common),
            lang.message("mail.delivered.body", &common),
        ),
        _ => return Ok(None),
    };
    body.push_str("\n\n-- \n");
    body.push_str(&lang.message("mail.footer", &[]));
    mailer
        .letter(about.collaborator_name, &about.contact_email, subject, body)
        .map(Some)
}

/// `YYYY-MM-DD HH:MM (UTC+7)` in the deployment's time.
#[must_use]
pub fn local_time(unix: i64, offset_minutes: i32) -> String {
    let local = unix + i64::from(offset_minutes) * 60;
    let day = local.div_euclid(86_400);
    let seconds = local.rem_euclid(86_400);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let (hours, minutes) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
    let zone = if minutes == 0 {
        format!("UTC{sign}{hours}")
    } else {
        format!("UTC{sign}{hours}:{minutes:02}")
    };
    format!(
        "{} {:02}:{:02} ({zone})",
        kolaborasi_shared::validate::civil_from_days(day),
        seconds / 3600,
        seconds % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::local_time;

    #[test]
    fn times_are_written_in_the_deployments_zone() {
        // 2026-12-06 11:00 UTC.
        let t = 1_796_554_800;
        assert_eq!(local_time(t, 420), "2026-12-06 18:00 (UTC+7)");
        assert_eq!(local_time(t, 0), "2026-12-06 11:00 (UTC+0)");
        assert_eq!(local_time(t, -330), "2026-12-06 05:30 (UTC-5:30)");
        assert_eq!(local_time(t + 6 * 3600, 420), "2026-12-07 00:00 (UTC+7)");
    }
}
