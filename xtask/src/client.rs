//! The release build of the web client into `dist/` (Trunk + wasm-opt),
//! skipped when nothing it is built from changed since the last build.

use std::path::Path;
use std::time::SystemTime;

use crate::cmd::{self, command};

/// What the client is built from; a change in any of them rebuilds it.
const INPUTS: [&str; 15] = [
    "src",
    "style",
    "public",
    "locales",
    "wire/src",
    "index.html",
    "console.html",
    "build.rs",
    "Cargo.toml",
    "Cargo.lock",
    "wire/Cargo.toml",
    "Trunk.toml",
    "package-lock.json",
    "rust-toolchain.toml",
    // How the donor's wasm is split and where its loader goes.
    "xtask/src/split.rs",
];
const STAMP: &str = "dist/.build-stamp";

/// Where the staff console's build goes, under `dist/` and in URLs: its
/// own download, which a donor's page never requests.
pub const CONSOLE_DIR: &str = "konsol";

/// The most the donor's main wasm may weigh as brotli (what a donor's phone
/// downloads before the map works; other pages' chunks come with their
/// page). Sizes are deterministic, so a build over it fails. The target is
/// 200 KiB (issue 13); this ceiling comes down with every cut and goes up
/// only for a feature, by what it weighs. History: 600 KiB before the
/// console became its own build; 535 with the e-mails, server errors and
/// console texts left out of its locales; 543 → 580 with the browser
/// witness (issue 20) and residents' reports (issue 19); 310 since the
/// wasm is split at its pages and the witness's check (`split.rs`: 309 KiB);
/// 286 with the offline queue's code in a chunk of its own (285 KiB); still
/// 285 with the map's points in columns and popups written on opening
/// (+10 KiB), paid for by the map's list in a chunk of its own (`list`);
/// 278 with English fetched when chosen (278 KiB); 279 with the start in
/// Indonesian when English cannot be fetched in time; 280 with taking over
/// the map and points `index.html` drew before the wasm (+1.5 KiB).
const WASM_BROTLI_BUDGET: u64 = 280 * 1024;
/// The console's wasm (staff, at desks; all of the app and the console):
/// 622 → 651 KiB with residents' reports and their console pages, 665 KiB
/// with reports' photos and suggested places, 668 KiB with the lazy
/// routes' machinery (the console is one module; it does not split), 677
/// with the map's points in columns and popups written on opening, 678 with
/// the language switch that waits for its texts, 679 with the list read
/// once the map has drawn, 681 with taking over the map and points
/// `index.html` drew.
const CONSOLE_WASM_BROTLI_BUDGET: u64 = 681 * 1024;

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
    // The donor's app first: Trunk empties `dist/` before it writes. Trunk
    // makes its shell (styles, leaflet, public files); the wasm is split by
    // xtask (`split.rs`).
    let shell = crate::split::donor_shell(root)?;
    let shell = shell.to_string_lossy().into_owned();
    trunk(root, &[&shell, "--dist", "dist"])?;
    crate::split::build_donor_wasm(root)?;
    let console_dist = format!("dist/{CONSOLE_DIR}");
    let console_url = format!("/{CONSOLE_DIR}/");
    trunk(
        root,
        &[
            "console.html",
            "--dist",
            &console_dist,
            "--public-url",
            &console_url,
        ],
    )?;
    stamp_service_worker(&root.join("dist"))?;
    let sizes = crate::precompress::precompress(&root.join("dist"))?;
    // Before the stamp: a build over budget must fail again next time.
    check_wasm_budget(&sizes)?;
    std::fs::write(root.join(STAMP), b"").map_err(|e| format!("{STAMP}: {e}"))?;
    for (name, raw, br, gz) in sizes {
        if raw >= 16 * 1024 {
            eprintln!(
                "xtask: {name}: {} KiB, {} KiB brotli, {} KiB gzip",
                raw / 1024,
                br / 1024,
                gz / 1024
            );
        }
    }
    Ok(())
}

fn trunk(root: &Path, args: &[&str]) -> Result<(), String> {
    cmd::run(
        command(root, "trunk")
            .arg("build")
            .args(args)
            // After the target: Trunk reads `--release`'s next word as its value.
            .arg("--release")
            // Must be the literal `true`; Trunk otherwise asks the internet.
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env_remove("NO_COLOR"),
    )
}

/// Writes this build's version and file list into `dist/sw.js` (copied
/// from `public/sw.js` with placeholders). The version is a hash of every
/// file's name and bytes, so any change to the build is a new version and
/// the browser installs it; an unchanged build keeps its version.
pub fn stamp_service_worker(dist: &Path) -> Result<(), String> {
    let sw = dist.join("sw.js");
    let template = std::fs::read_to_string(&sw).map_err(|e| format!("{}: {e}", sw.display()))?;
    let mut files = Vec::new();
    list_files(dist, dist, &mut files)?;
    // Not the worker itself, hidden files, compressed copies of a build
    // before (the server picks a copy by the request's Accept-Encoding), or
    // the staff console (a donor's phone never stores it).
    let console = format!("{CONSOLE_DIR}/");
    files.retain(|f| {
        f != "sw.js"
            && !f.starts_with(&console)
            && !f.starts_with('.')
            && !f.contains("/.")
            && !crate::precompress::is_copy(Path::new(f))
    });
    files.sort();
    let hash = hash_files(dist, &files)?;
    let shell: Vec<String> = files.iter().map(|f| format!("'/{f}'")).collect();
    let stamped = template
        .replace("__KOLABORASI_BUILD__", &format!("{hash:016x}"))
        .replace("'__KOLABORASI_SHELL__'", &shell.join(", "));
    if stamped == template {
        return Err("dist/sw.js has no placeholders to fill (is it the template?)".into());
    }
    std::fs::write(&sw, stamped).map_err(|e| format!("{}: {e}", sw.display()))
}

/// FNV-1a (64 bits) over each file's name and bytes, in the order given:
/// a version tag, not a security boundary.
pub fn hash_files(dir: &Path, files: &[String]) -> Result<u64, String> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for f in files {
        eat(f.as_bytes());
        eat(&std::fs::read(dir.join(f)).map_err(|e| format!("{f}: {e}"))?);
    }
    Ok(hash)
}

pub fn list_files(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), String> {
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = e.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            list_files(base, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
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

/// Fails the build when the donor's main wasm (what the map needs; the
/// pages' chunks come later) exceeds [`WASM_BROTLI_BUDGET`] or the
/// console's wasm [`CONSOLE_WASM_BROTLI_BUDGET`].
fn check_wasm_budget(sizes: &[(String, u64, u64, u64)]) -> Result<(), String> {
    let console = format!("{CONSOLE_DIR}/");
    let mains: Vec<_> = sizes
        .iter()
        .filter(|(name, ..)| name.ends_with("_bg.wasm"))
        .collect();
    let (consoles, donors): (Vec<_>, Vec<_>) = mains
        .into_iter()
        .partition(|(name, ..)| name.starts_with(&console));
    if donors.len() != 1 || consoles.len() != 1 {
        return Err(format!(
            "dist/ should hold one compressed main wasm for donors and one under {console}, \
             not {} and {}: the build went wrong",
            donors.len(),
            consoles.len()
        ));
    }
    for (list, budget) in [
        (donors, WASM_BROTLI_BUDGET),
        (consoles, CONSOLE_WASM_BROTLI_BUDGET),
    ] {
        for (name, _, br, _) in list {
            if *br > budget {
                return Err(format!(
                    "{name} is {} KiB as brotli, over its budget of {} KiB",
                    br / 1024,
                    budget / 1024
                ));
            }
        }
    }
    Ok(())
}
