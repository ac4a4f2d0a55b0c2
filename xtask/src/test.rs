//! `cargo xtask test`: everything CI runs, in order of cost, stopping at
//! the first failure. PostgreSQL and Chromium are real, started here.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{self, command};
use crate::postgres::TempPostgres;
use crate::{client, lint, tools};

const HOST_PACKAGES: [&str; 8] = [
    "-p",
    "kolaborasi-shared",
    "-p",
    "kolaborasi-server",
    "-p",
    "xtask",
    "-p",
    "kolaborasi",
];

pub fn test(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    cmd::run(command(root, "cargo").args(["fmt", "--all", "--", "--check"]))?;
    lint::translations(root)?;
    tools::ensure_client_tools(root)?;
    tools::ensure_debian_packages(&["postgresql", "chromium"])?;

    cmd::run(
        command(root, "cargo")
            .args(["clippy", "--all-targets"])
            .args(&HOST_PACKAGES[..6])
            .args(["--", "-D", "warnings"]),
    )?;
    cmd::run(command(root, "cargo").args([
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "kolaborasi",
        "-p",
        "kolaborasi-shared",
        "--",
        "-D",
        "warnings",
    ]))?;

    // Unit tests and the server's integration tests, on SQLite and PostgreSQL.
    let pg = TempPostgres::start()?;
    cmd::run(
        command(root, "cargo")
            .arg("test")
            .args(HOST_PACKAGES)
            .env("TEST_POSTGRES_URL", &pg.url),
    )?;
    drop(pg);

    // The browser end-to-end tests against the real server and release client.
    client::build(root)?;
    e2e(root)?;
    eprintln!(
        "xtask: all checks passed in {} s",
        started.elapsed().as_secs()
    );
    Ok(())
}

/// The server binary from `cargo test` (debug), on a fresh SQLite file, on
/// a free port; tiles point at a closed port, as when the network is down.
fn e2e(root: &Path) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("kolaborasi-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let server = command(
        root,
        &root
            .join("target/debug/kolaborasi-server")
            .display()
            .to_string(),
    )
    .args(["--bind", "127.0.0.1:0", "--static-dir", "dist"])
    .arg("--database-url")
    .arg(format!("sqlite://{}/e2e.db", dir.display()))
    .args(["--tile-url", "http://127.0.0.1:9/{z}/{x}/{y}.png"])
    .stdout(Stdio::piped())
    .spawn()
    .map_err(|e| format!("could not start the server: {e}"))?;
    let mut server = KillOnDrop(server);
    let base = wait_for_url(&mut server.0)?;
    let result = cmd::run(
        command(root, "node")
            .args([
                "--test",
                "--test-reporter=spec",
                "--test-concurrency=1",
                "tests/e2e/",
            ])
            .env("BASE_URL", &base)
            .env("E2E_ARTIFACTS", root.join("tests/e2e/artifacts")),
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Reads the server's stdout until it prints the URL it listens on.
fn wait_for_url(child: &mut Child) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("no server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_mins(2);
    while Instant::now() < deadline {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.split("running at ").nth(1) {
                    let url = url.trim().trim_end_matches('/').to_owned();
                    // Keep draining stdout so the server never blocks on a full pipe.
                    std::thread::spawn(move || lines.for_each(drop));
                    return Ok(url);
                }
            }
            _ => break,
        }
    }
    Err("the server did not report its address".into())
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // SIGTERM first: the server shuts down cleanly.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
