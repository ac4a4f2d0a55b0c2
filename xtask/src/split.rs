//! The donor's wasm, cut at its pages: `src/lazy.rs` marks each page but the
//! map as a split point (Leptos' `#[lazy]`, the `split` feature), and this
//! build cuts the wasm there with `wasm_split_cli_support` (the splitter
//! `cargo leptos --split` uses), which Trunk 0.21 cannot run. A donor
//! opening the map downloads the app's frame and the map; each other page's
//! code arrives the first time it is shown (or before the app mounts, when
//! the visit starts on it).
//!
//! Steps, as cargo-leptos takes them: `cargo rustc` with the linker's
//! relocations kept (`--emit-relocs`, on the final crate only, so its
//! dependencies are the ones the console's build compiled); split;
//! `wasm-bindgen --keep-lld-exports` on the main module (the chunks link to
//! its exports); `wasm-opt -Oz` on every module. Everything lands in
//! `dist/app-<hash>/`, a directory named by the hash of what it holds (its
//! files keep fixed names, which the splitter's loader refers to), so all of
//! it is immutable; `dist/index.html` gets the loader where the Trunk
//! shell's marker is.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cmd::{self, command};

/// Where the shell's app loader goes (Trunk keeps HTML comments).
pub const MARKER: &str = "<!-- kolaborasi:app -->";
/// The generated JS module's stem, inside `dist/app-<hash>/`.
const STEM: &str = "kolaborasi";
/// What the main wasm is called once split (before wasm-bindgen).
const SPLIT_MAIN: &str = "main_split.wasm";

/// The donor's shell for Trunk: `index.html` without its Rust link (Trunk
/// would build and bind the unsplit wasm), the marker in its place, in a
/// directory of its own (Trunk builds the `Cargo.toml` beside an HTML file
/// that has no Rust link), relative paths pointing back at the repository.
pub fn donor_shell(root: &Path) -> Result<PathBuf, String> {
    let source =
        std::fs::read_to_string(root.join("index.html")).map_err(|e| format!("index.html: {e}"))?;
    let mut out = String::new();
    let mut found = false;
    for line in source.lines() {
        if line.contains("data-trunk") && line.contains("rel=\"rust\"") {
            found = true;
            let indent = &line[..line.len() - line.trim_start().len()];
            let _ = writeln!(out, "{indent}{MARKER}");
            continue;
        }
        let line = line
            .replace("href=\"node_modules/", "href=\"../../node_modules/")
            .replace("src=\"node_modules/", "src=\"../../node_modules/")
            .replace("href=\"style/", "href=\"../../style/")
            .replace("href=\"public\"", "href=\"../../public\"");
        out.push_str(&line);
        out.push('\n');
    }
    if !found {
        return Err("index.html has no <link data-trunk rel=\"rust\" …> to replace".into());
    }
    let dir = root.join("target/donor-shell");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let html = dir.join("index.html");
    std::fs::write(&html, out).map_err(|e| format!("{}: {e}", html.display()))?;
    Ok(html)
}

/// Builds, splits, binds and optimises the donor's wasm into
/// `dist/app-<hash>/` and puts its loader into `dist/index.html`.
pub fn build_donor_wasm(root: &Path) -> Result<(), String> {
    let mut rustc = command(root, "cargo");
    rustc.args([
        "rustc",
        "--quiet",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "--package",
        "kolaborasi",
        "--bin",
        "kolaborasi",
        "--features",
        "split",
        // Diagnostics as usual on stderr; stdout says where build.rs wrote.
        "--message-format",
        "json-render-diagnostics",
        "--",
        "-C",
        "link-args=--emit-relocs",
    ]);
    eprintln!("xtask$ cargo rustc --release … --features split");
    let built = rustc
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !built.status.success() {
        return Err(format!("the donor's wasm did not build ({})", built.status));
    }
    // The root crate's id: `path+file://<root>#kolaborasi@<version>`, or
    // `…#<version>` when the folder is itself called `kolaborasi`.
    let root_id = format!(
        "path+file://{}#",
        root.canonicalize()
            .map_err(|e| format!("{}: {e}", root.display()))?
            .display()
    );
    let out_dir = String::from_utf8_lossy(&built.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "build-script-executed"
                && m["package_id"]
                    .as_str()
                    .and_then(|id| id.strip_prefix(&root_id))
                    .is_some_and(|rest| rest.starts_with("kolaborasi@") || !rest.contains('@'))
        })
        .find_map(|m| m["out_dir"].as_str().map(std::path::PathBuf::from))
        .ok_or("cargo named no build-script output of the kolaborasi crate")?;
    let input = root.join("target/wasm32-unknown-unknown/release/kolaborasi.wasm");
    let work = root.join("target/donor-split");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let wasm = std::fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    let main_out = work.join(SPLIT_MAIN);
    let main_module = format!("./{STEM}.js");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = &work;
        opts.main_out_path = &main_out;
        opts.main_module = &main_module;
        opts.link_name = "./__wasm_split.js";
        opts
    })
    .map_err(|e| format!("splitting the wasm: {e:#}"))?;
    drop(wasm);
    cmd::run(
        command(root, "wasm-bindgen")
            .args([
                "--target",
                "web",
                "--keep-lld-exports",
                "--no-typescript",
                "--out-name",
                STEM,
                "--out-dir",
            ])
            .arg(&work)
            .arg(&main_out),
    )?;
    // Kept outside `dist/` with its names, for `twiggy` (docs/architecture.md).
    let named = root.join("target/donor-main-split.wasm");
    std::fs::rename(&main_out, &named).map_err(|e| format!("{}: {e}", named.display()))?;
    let mut modules = vec![work.join(format!("{STEM}_bg.wasm"))];
    modules.extend(split.split_modules.iter().cloned());
    for module in &modules {
        cmd::run(
            command(root, "wasm-opt")
                .arg("-Oz")
                .arg("--output")
                .arg(module)
                .arg(module),
        )?;
    }
    // English, fetched when a donor first chooses it (src/i18n.rs).
    std::fs::copy(out_dir.join("en.json"), work.join("en.json"))
        .map_err(|e| format!("{}: {e}", out_dir.join("en.json").display()))?;
    // The manifest: which chunks each split point needs (the server
    // preloads a page's chunks with its first paint).
    let manifest = serde_json::to_string(&split.prefetch_map).map_err(|e| e.to_string())?;
    std::fs::write(work.join("manifest.json"), manifest).map_err(|e| e.to_string())?;
    let dir_name = format!("app-{:016x}", hash_dir(&work)?);
    let dist_dir = root.join("dist").join(&dir_name);
    let _ = std::fs::remove_dir_all(&dist_dir);
    std::fs::rename(&work, &dist_dir).map_err(|e| format!("{}: {e}", dist_dir.display()))?;
    insert_loader(&root.join("dist/index.html"), &dir_name)
}

/// [`crate::client::hash_files`] over every file of `dir`, in name order.
fn hash_dir(dir: &Path) -> Result<u64, String> {
    let mut files = Vec::new();
    crate::client::list_files(dir, dir, &mut files)?;
    files.sort();
    crate::client::hash_files(dir, &files)
}

/// The app's loader at the shell's marker: the main module and its wasm
/// preloaded, then started (module scripts run after the deferred
/// leaflet.js, which comes first in the document).
fn insert_loader(index: &Path, dir: &str) -> Result<(), String> {
    let html = std::fs::read_to_string(index).map_err(|e| format!("{}: {e}", index.display()))?;
    if !html.contains(MARKER) {
        return Err(format!("{} has no {MARKER}", index.display()));
    }
    let loader = format!(
        "<link rel=\"modulepreload\" href=\"/{dir}/{STEM}.js\">\n    \
         <link rel=\"modulepreload\" href=\"/{dir}/__wasm_split.js\">\n    \
         <link rel=\"preload\" href=\"/{dir}/{STEM}_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n    \
         <script type=\"module\">import init from \"/{dir}/{STEM}.js\"; init({{ module_or_path: \"/{dir}/{STEM}_bg.wasm\" }});</script>"
    );
    std::fs::write(index, html.replacen(MARKER, &loader, 1))
        .map_err(|e| format!("{}: {e}", index.display()))
}

/// The donor's main wasm in `dist/`, as its URL path
/// (`/app-<hash>/kolaborasi_bg.wasm`).
pub fn main_wasm(root: &Path) -> Result<String, String> {
    let dist = root.join("dist");
    let entries = std::fs::read_dir(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let main = format!("{name}/{STEM}_bg.wasm");
        if name.starts_with("app-") && dist.join(&main).is_file() {
            return Ok(format!("/{main}"));
        }
    }
    Err("no app-<hash>/ in dist: build the client first".into())
}
