//! The release build of the web client into `dist/` (Trunk + wasm-opt),
//! skipped when nothing it is built from changed since the last build.

use std::path::Path;
use std::time::SystemTime;

use crate::cmd::{self, command};

/// What the client is built from; a change in any of them rebuilds it.
const INPUTS: [&str; 12] = [
    "src",
    "style",
    "public",
    "locales",
    "wire/src",
    "index.html",
    "Cargo.toml",
    "Cargo.lock",
    "wire/Cargo.toml",
    "Trunk.toml",
    "package-lock.json",
    "rust-toolchain.toml",
];
const STAMP: &str = "dist/.build-stamp";

pub fn build(root: &Path) -> Result<(), String> {
    let stamp = std::fs::metadata(root.join(STAMP)).and_then(|m| m.modified());
    let newest = INPUTS
        .iter()
        .filter_map(|p| newest_mtime(&root.join(p)))
        .max();
    if let (Ok(built), Some(newest)) = (stamp, newest)
        && built >= newest
    {
        eprintln!("xtask: web client is up to date (dist/)");
        return Ok(());
    }
    // Trunk runs cargo offline: fetch the crates first.
    cmd::run(command(root, "cargo").args(["fetch", "--quiet"]))?;
    cmd::run(
        command(root, "trunk")
            .args(["build", "--release"])
            // Must be the literal `true`; Trunk otherwise asks the internet.
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env_remove("NO_COLOR"),
    )?;
    std::fs::write(root.join(STAMP), b"").map_err(|e| format!("{STAMP}: {e}"))?;
    report_size(root);
    Ok(())
}

fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

/// Prints the size of the wasm in dist/, the number phones pay for.
fn report_size(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root.join("dist")) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if Path::new(&name)
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("wasm"))
            && let Ok(m) = e.metadata()
        {
            eprintln!("xtask: {name}: {} KiB", m.len() / 1024);
        }
    }
}
