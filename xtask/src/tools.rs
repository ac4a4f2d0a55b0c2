//! Installs what the build and tests need, and only what is missing:
//! every check is cheap, so a machine that has everything pays nothing.

use std::path::Path;
use std::process::Command;

use crate::cmd::{self, command, is_root, output};

const TRUNK_LINE: &str = "0.21";

/// rustfmt and clippy, which `cargo xtask test` runs first.
pub fn ensure_rust_components(root: &Path) -> Result<(), String> {
    let missing: Vec<&str> = [("fmt", "rustfmt"), ("clippy", "clippy")]
        .into_iter()
        .filter(|(sub, _)| output(command(root, "cargo").args([sub, "--version"])).is_none())
        .map(|(_, component)| component)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    cmd::run(
        command(root, "rustup")
            .args(["component", "add"])
            .args(&missing),
    )
}

/// The wasm target, Trunk, wasm-bindgen-cli and the npm packages.
pub fn ensure_client_tools(root: &Path) -> Result<(), String> {
    ensure_wasm_target(root)?;
    ensure_trunk(root)?;
    ensure_wasm_bindgen(root)?;
    ensure_npm_packages(root)
}

fn ensure_wasm_target(root: &Path) -> Result<(), String> {
    let installed =
        output(command(root, "rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    cmd::run(command(root, "rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_trunk(root: &Path) -> Result<(), String> {
    // "trunk 0.21.14"
    let version = output(command(root, "trunk").arg("--version")).unwrap_or_default();
    if version
        .split_whitespace()
        .nth(1)
        .is_some_and(|v| v.starts_with(&format!("{TRUNK_LINE}.")))
    {
        return Ok(());
    }
    eprintln!(
        "xtask: installing trunk {TRUNK_LINE} (0.22 needs a newer rustc); this takes ~12 minutes once"
    );
    cmd::run(command(root, "cargo").args([
        "install",
        "trunk",
        "--version",
        &format!("^{TRUNK_LINE}"),
        "--locked",
    ]))
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen(root: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e} (run `cargo generate-lockfile`)"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn ensure_wasm_bindgen(root: &Path) -> Result<(), String> {
    let want = locked_wasm_bindgen(root)?;
    let trunk_toml = std::fs::read_to_string(root.join("Trunk.toml")).unwrap_or_default();
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{want}\"")) {
        return Err(format!(
            "Trunk.toml must pin [tools] wasm_bindgen = \"{want}\" (the version in Cargo.lock)"
        ));
    }
    // "wasm-bindgen 0.2.130"
    let have = output(command(root, "wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!("xtask: installing wasm-bindgen-cli {want} (~4 minutes once)");
    // Not --locked: its lock names a webpki-roots release the registry lacks.
    // Without a lock, prefer dependency versions that build on this rustc.
    cmd::run(
        command(root, "cargo")
            .args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &format!("={want}"),
            ])
            .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback"),
    )
}

/// `npm ci` when `node_modules` is missing or older than `package-lock.json`.
fn ensure_npm_packages(root: &Path) -> Result<(), String> {
    let stamp = root.join("node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(&stamp).and_then(|m| m.modified()),
        std::fs::metadata(root.join("package-lock.json")).and_then(|m| m.modified()),
    ) {
        (Ok(installed), Ok(wanted)) => installed >= wanted,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    cmd::run(command(root, "npm").args(["ci", "--no-audit", "--no-fund"]))
}

/// Debian packages (Chromium for browser tests, PostgreSQL for the server
/// tests). Installed with apt-get when running as root, else explained.
pub fn ensure_debian_packages(packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            output(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]))
                .is_none_or(|s| !s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "missing Debian packages: {}; install them with `sudo apt-get install -y {}`",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    cmd::run(Command::new("apt-get").arg("update").arg("-qq"))?;
    cmd::run(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}
