//! `cargo xtask test`: everything CI runs, in order of cost, stopping at
//! the first failure. PostgreSQL and Chromium are real, started here.

use std::path::Path;
use std::time::Instant;

use crate::cmd::{self, command};
use crate::postgres::TempPostgres;
use crate::server_process::ServerProcess;
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
    tools::ensure_rust_components(root)?;
    cmd::run(command(root, "cargo").args(["fmt", "--all", "--", "--check"]))?;
    lint::translations(root)?;
    tools::ensure_client_tools(root)?;
    tools::ensure_debian_packages(&["postgresql", "chromium", "python3-aiosmtpd"])?;

    cmd::run(
        command(root, "cargo")
            .args(["clippy", "--all-targets"])
            .args(&HOST_PACKAGES[..6])
            .args(["--", "-D", "warnings"]),
    )?;
    // The client three ways: the donor's build as split (`split.rs`), the
    // same without the split (`trunk serve`), and the console's.
    for features in [
        &["--features", "kolaborasi/split"][..],
        &[][..],
        &["--features", "kolaborasi/console"][..],
    ] {
        cmd::run(
            command(root, "cargo")
                .args(["clippy", "--target", "wasm32-unknown-unknown"])
                .args(["-p", "kolaborasi", "-p", "kolaborasi-shared"])
                .args(features)
                .args(["--", "-D", "warnings"]),
        )?;
    }

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

/// The server binary from `cargo test` (debug) with the release client.
fn e2e(root: &Path) -> Result<(), String> {
    // The scale is explicit so a KOLABORASI_DEMO_SCALE in the shell cannot change it.
    let binary = root.join("target/debug/kolaborasi-server");
    // Limits per client address are off (`ServerProcess`): the whole suite
    // comes from one address. The share cap of unconfirmed commitments
    // stays, and has its browser test (holds.test.mjs).
    let server = ServerProcess::start(root, &binary, "e2e", &["--demo-scale", "1500"])?;
    // The facilitator's first admin, made the way an operator makes it.
    let (email, password) = ("admin@e2e.example.id", "e2e-admin-password-123");
    server.create_admin(root, &binary, email, password)?;
    cmd::run(
        command(root, "node")
            .args([
                "--test",
                "--test-reporter=spec",
                "--test-concurrency=1",
                "tests/e2e/",
            ])
            .env("BASE_URL", &server.base_url)
            .env("E2E_ADMIN_EMAIL", email)
            .env("E2E_ADMIN_PASSWORD", password)
            .env("E2E_ARTIFACTS", root.join("tests/e2e/artifacts"))
            .env("E2E_MAIL_DIR", server.mail_dir())
            // The client the server serves (the update test swaps its service worker).
            .env("E2E_DIST", root.join("dist"))
            // The witness test runs its own server, and rewrites its log
            // with the example `cargo test` built.
            .env("E2E_SERVER_BIN", &binary)
            .env(
                "E2E_REWRITE_BIN",
                root.join("target/debug/examples/rewrite_log"),
            ),
    )
}
