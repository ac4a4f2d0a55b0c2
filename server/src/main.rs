use clap::Parser;
use kolaborasi_server::config::{Command, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    return_large_blocks();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let config = Config::parse();
    match &config.command {
        Some(Command::VerifyLog { since }) => {
            std::process::exit(verify_log(&config, since.as_deref()).await);
        }
        Some(Command::SigningKey) => {
            match kolaborasi_server::signing::LogSigner::load_or_create(&config.signing_key) {
                Ok(signer) => println!("{}", signer.public_key()),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(2);
                }
            }
            return;
        }
        Some(Command::RotateSigningKey) => std::process::exit(rotate_signing_key(&config).await),
        Some(Command::CreateAdmin { email, name }) => {
            std::process::exit(create_admin(&config, email, name).await);
        }
        None => {}
    }
    let running = match kolaborasi_server::start(&config, shutdown_signal()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("could not start: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!(database = running.state.db.engine(), "ready");
    println!("Kolaborasi is running at http://{}/", running.addr);
    match running.task.await {
        Ok(Ok(())) => {
            running.state.db.close().await;
            tracing::info!("stopped cleanly");
        }
        Ok(Err(e)) => {
            tracing::error!("server error: {e}");
            std::process::exit(1);
        }
        Err(e) => {
            tracing::error!("server task failed: {e}");
            std::process::exit(1);
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish in-flight requests, exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// The database, migrated, for a command; `None` (said on stderr) when it fails.
async fn open_migrated(config: &Config) -> Option<kolaborasi_server::db::Db> {
    let db = match kolaborasi_server::db::Db::connect(&config.database_url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("could not open the database: {e}");
            return None;
        }
    };
    if let Err(e) = db.migrate().await {
        eprintln!("could not migrate the database: {e}");
        return None;
    }
    Some(db)
}

/// `kolaborasi-server rotate-signing-key`.
async fn rotate_signing_key(config: &Config) -> i32 {
    let signer = match kolaborasi_server::signing::LogSigner::load(&config.signing_key) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let Some(db) = open_migrated(config).await else {
        return 2;
    };
    let result = signer.rotate(&db).await;
    db.close().await;
    match result {
        Ok(next) => {
            println!("previous key {}", signer.public_key());
            println!("new key      {}", next.public_key());
            println!(
                "the rotation is in the public log; copy {} to every instance and publish the new key",
                config.signing_key.display()
            );
            0
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

/// `SEQ:HASH` of `verify-log --since`.
fn parse_head(s: &str) -> Option<kolaborasi_shared::LogHead> {
    let (seq, hash) = s.trim().split_once(':')?;
    let seq = seq.parse::<i64>().ok().filter(|n| *n >= 0)?;
    let hash = hash.trim().to_ascii_lowercase();
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(kolaborasi_shared::LogHead { seq, hash })
}

/// `kolaborasi-server verify-log [--since SEQ:HASH]`: prints what it
/// checked; 0 when all agrees.
async fn verify_log(config: &Config, since: Option<&str>) -> i32 {
    let since = match since.map(|s| (s, parse_head(s))) {
        None => None,
        Some((_, Some(head))) => Some(head),
        Some((raw, None)) => {
            eprintln!(
                "--since takes SEQ:HASH (an entry number, a colon, its 64-character hash), not {raw:?}"
            );
            return 2;
        }
    };
    let db = match kolaborasi_server::db::Db::connect(&config.database_url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("could not open the database: {e}");
            return 2;
        }
    };
    let report = match kolaborasi_server::log::verify(&db).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("could not read the log: {e:?}");
            return 2;
        }
    };
    let extends = match &since {
        None => None,
        Some(head) => match kolaborasi_server::log::verify_since(&db, head).await {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("could not read the log: {e:?}");
                return 2;
            }
        },
    };
    db.close().await;
    let mut ok = true;
    if let (Some(head), Some(extends)) = (&since, &extends) {
        ok &= print_since(head, extends);
    }
    match &report.mismatch {
        None => println!(
            "chain: verified {} entries, head hash {}",
            report.head.seq, report.head.hash
        ),
        Some(m) => {
            ok = false;
            println!(
                "chain: BROKEN at entry {} (position {}): {:?}; verified up to entry {}",
                m.seq, m.position, m.problem, report.head.seq
            );
        }
    }
    if let Some(stored) = &report.head_row {
        ok = false;
        println!(
            "head: the stored head ({}, {}) is not the last entry",
            stored.seq, stored.hash
        );
    }
    let from_log = serde_json::to_value(report.from_log).unwrap_or_default();
    let counters = serde_json::to_value(report.counters).unwrap_or_default();
    if let (Some(a), Some(b)) = (from_log.as_object(), counters.as_object()) {
        for (name, value) in a {
            let same = b.get(name) == Some(value);
            ok &= same;
            println!(
                "{:<20} log {:>16}  counters {:>16}  {}",
                name,
                value.to_string(),
                b.get(name).map(ToString::to_string).unwrap_or_default(),
                if same { "ok" } else { "DIFFERS" }
            );
        }
    }
    println!("{}", if ok { "verified" } else { "NOT verified" });
    i32::from(!ok)
}

/// Prints what `--since` found; true when the log extends the kept head.
fn print_since(head: &kolaborasi_shared::LogHead, extends: &kolaborasi_server::log::Since) -> bool {
    use kolaborasi_server::log::Since;
    match extends {
        Since::Extends { to } => println!(
            "since: the log extends entry {} ({}) up to entry {}",
            head.seq, head.hash, to.seq
        ),
        Since::Diverges { found, broken } => {
            match (found.as_deref(), broken) {
                (_, Some(m)) => println!(
                    "since: NOT extended: the entries after {} break the chain at entry {} ({:?})",
                    head.seq, m.seq, m.problem
                ),
                (Some(found), None) => println!(
                    "since: NOT extended: entry {} was {} and is now {}: the log was rewritten from there or before",
                    head.seq, head.hash, found
                ),
                (None, None) => println!(
                    "since: NOT extended: the log no longer has an entry {}",
                    head.seq
                ),
            }
            return false;
        }
    }
    true
}

/// `kolaborasi-server create-admin --email … --name …`, password on stdin.
async fn create_admin(config: &Config, email: &str, name: &str) -> i32 {
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() {
        eprintln!("could not read the password from standard input");
        return 2;
    }
    let password = password.trim_end_matches(['\r', '\n']);
    let Some(db) = open_migrated(config).await else {
        return 2;
    };
    let result = kolaborasi_server::staff::create_admin(&db, email, name, password).await;
    db.close().await;
    match result {
        Ok(id) => {
            println!("created admin {email} (staff id {id})");
            0
        }
        Err(e) => {
            eprintln!("{}", e.describe());
            1
        }
    }
}

/// glibc raises its mmap threshold after a large block is freed, after which
/// blocks of that size come from per-thread heaps and stay there when freed:
/// every blocking thread that ever hashed a password (19 MiB) would keep
/// 19 MiB for good. A fixed threshold keeps large blocks mapped, so they are
/// returned when freed and memory follows what is in use.
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning and is thread-safe (it
    // takes the allocator's own lock); called once, before any request.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    }
}
