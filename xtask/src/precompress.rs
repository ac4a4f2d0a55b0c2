//! Compress once, at build time: every compressible file of the built client
//! gets a brotli (quality 11) and a gzip (level 9) copy next to it, which the
//! server sends as they are to clients that accept them. The copies are
//! deterministic (same input, same bytes), so sizes can be tested.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What is worth compressing (images are compressed already).
const COMPRESSIBLE: [&str; 9] = [
    "wasm",
    "js",
    "mjs",
    "css",
    "svg",
    "json",
    "webmanifest",
    "txt",
    "xml",
];

/// Files sent as they are: `index.html` is read into memory by the server
/// and given each page's head; the service worker must be the exact file
/// (the browser compares it byte for byte to find a new release).
const NEVER: [&str; 2] = ["index.html", "sw.js"];

/// Writes `FILE.br` and `FILE.gz` for each compressible file under `dist`,
/// after removing any left from an earlier build. Returns (file, raw, br, gz) sizes.
pub fn precompress(dist: &Path) -> Result<Vec<(String, u64, u64, u64)>, String> {
    let mut names = Vec::new();
    crate::client::list_files(dist, dist, &mut names)?;
    let files: Vec<PathBuf> = names.iter().map(|n| dist.join(n)).collect();
    for stale in files.iter().filter(|f| is_copy(f)) {
        std::fs::remove_file(stale).map_err(|e| format!("{}: {e}", stale.display()))?;
    }
    let mut report = Vec::new();
    for file in files.iter().filter(|f| !is_copy(f) && wanted(f)) {
        let raw = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let br = brotli_11(&raw)?;
        // A copy that saves little is not worth a second lookup.
        if br.len() * 10 >= raw.len() * 9 {
            continue;
        }
        let gz = gzip_9(&raw)?;
        write(&with_suffix(file, "br"), &br)?;
        write(&with_suffix(file, "gz"), &gz)?;
        let name = file
            .strip_prefix(dist)
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        report.push((name, raw.len() as u64, br.len() as u64, gz.len() as u64));
    }
    report.sort();
    Ok(report)
}

pub fn is_copy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("br") || x.eq_ignore_ascii_case("gz"))
}

fn wanted(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !NEVER.contains(&name)
        && path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| COMPRESSIBLE.contains(&x.to_ascii_lowercase().as_str()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn brotli_11(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params).map_err(|e| e.to_string())?;
    Ok(out)
}

fn gzip_9(raw: &[u8]) -> Result<Vec<u8>, String> {
    // No name and no time in the header: the same input gives the same bytes.
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}
