//! `cargo xtask bench`: measurements written to `docs/benchmarks.md` with
//! the machine they ran on. Timing is measured here, never asserted by tests.

use std::fmt::Write as _;
use std::path::Path;

use crate::cmd::{command, output};
use crate::server_process::ServerProcess;
use crate::{client, run, tools};

const SCALES: [&str; 2] = ["1500", "10000"];

/// The first visit's pages: the map, a place, its commit form, the
/// dashboard and a collaboration (the code is looked up in the log).
const FIRST_LOAD_PAGES: [&str; 5] = [
    "/",
    "/lokasi/20",
    "/lokasi/20/bantu",
    "/transparansi",
    "{collaboration}",
];
const MAP_BEGIN: &str = "<!-- map -->";
const MAP_END: &str = "<!-- /map -->";
const FIRST_LOAD_BEGIN: &str = "<!-- first-load -->";
const FIRST_LOAD_END: &str = "<!-- /first-load -->";

/// `cargo xtask bench [first-load]`: everything, or only the first visit's
/// section of `docs/benchmarks.md` (Lighthouse and the shift recorder).
pub fn bench(root: &Path, only: Option<&str>) -> Result<(), String> {
    tools::ensure_client_tools(root)?;
    tools::ensure_debian_packages(&["chromium"])?;
    client::build(root)?;
    let binary = run::build_server(root)?;
    let section = match only {
        Some("first-load") => Some((first_load(root, &binary)?, FIRST_LOAD_BEGIN, FIRST_LOAD_END)),
        Some("crowd") => Some((
            crate::crowd::crowd(root, &binary)?,
            crate::crowd::BEGIN,
            crate::crowd::END,
        )),
        Some("witness") => Some((witness_section(root, &binary)?, WITNESS_BEGIN, WITNESS_END)),
        Some("map") => Some((
            map_section(root, &map_rows(root, &binary)?),
            MAP_BEGIN,
            MAP_END,
        )),
        Some(other) => {
            return Err(format!(
                "unknown bench section {other:?}: map, first-load, crowd or witness"
            ));
        }
        None => None,
    };
    if let Some((section, begin, end)) = section {
        let path = root.join("docs/benchmarks.md");
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let new = match (old.find(begin), old.find(end)) {
            (Some(a), Some(b)) if a < b => {
                format!("{}{section}{}", &old[..a], &old[b + end.len()..])
            }
            _ => format!("{}\n\n{section}\n", old.trim_end()),
        };
        std::fs::write(&path, new).map_err(|e| e.to_string())?;
        eprintln!(
            "xtask: wrote the {} section of docs/benchmarks.md",
            only.unwrap_or("")
        );
        return Ok(());
    }

    // Commitments and live totals are measured once, in the crowd section.
    let rows = map_rows(root, &binary)?;
    let live = transparency(root, &binary)?;
    let first = first_load(root, &binary)?;
    let crowd = crate::crowd::crowd(root, &binary)?;
    let mut report = render(root, &rows);
    render_transparency(&mut report, &live);
    report.push('\n');
    report.push_str(&first);
    report.push_str("\n\n");
    report.push_str(&crowd);
    report.push('\n');
    std::fs::write(root.join("docs/benchmarks.md"), report).map_err(|e| e.to_string())?;
    eprintln!("xtask: wrote docs/benchmarks.md");
    Ok(())
}

/// `tests/bench/map.mjs` at each scale of demo data.
fn map_rows(root: &Path, binary: &Path) -> Result<Vec<serde_json::Value>, String> {
    // The plain Leaflet page and its leaflet.js and leaflet.css are served
    // by the same server as the app (static files it reads from disk), so
    // both pages come over the same path at the same cost.
    let _plain = BenchFiles::write(root)?;
    let mut rows = Vec::new();
    for scale in SCALES {
        let server = ServerProcess::start(root, binary, "bench", &["--demo-scale", scale])?;
        let json = output(
            command(root, "node")
                .arg("tests/bench/map.mjs")
                .env("BASE_URL", &server.base_url),
        )
        .ok_or("tests/bench/map.mjs failed")?;
        let v: serde_json::Value =
            serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))?;
        eprintln!("xtask: {json}");
        rows.push(v);
    }
    Ok(rows)
}

/// `dist/__bench/`: the map's yardstick page with its leaflet.js and
/// leaflet.css, removed again when dropped.
struct BenchFiles(std::path::PathBuf);

impl BenchFiles {
    fn write(root: &Path) -> Result<Self, String> {
        let dir = root.join("dist/__bench");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let files = Self(dir.clone());
        let leaflet = root.join("node_modules/leaflet/dist");
        for (from, to) in [
            (
                root.join("tests/bench/fixtures/plain-leaflet.html"),
                "plain.html",
            ),
            (leaflet.join("leaflet.js"), "leaflet.js"),
            (leaflet.join("leaflet.css"), "leaflet.css"),
        ] {
            std::fs::copy(&from, dir.join(to)).map_err(|e| format!("{}: {e}", from.display()))?;
        }
        Ok(files)
    }
}

impl Drop for BenchFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Commitments per second and latency with 32 concurrent clients, per engine.
pub fn commitments(root: &Path, binary: &Path) -> Result<Vec<(String, serde_json::Value)>, String> {
    let postgres = crate::postgres::TempPostgres::start()?;
    let mut out = Vec::new();
    for (engine, url) in [
        ("SQLite", None),
        ("PostgreSQL", Some(postgres.url.as_str())),
    ] {
        let server = ServerProcess::start_deployed(root, binary, "bench-commit", url)?;
        let json = output(
            command(root, "node")
                .arg("tests/bench/commit.mjs")
                .env("BASE_URL", &server.base_url),
        )
        .ok_or("tests/bench/commit.mjs failed")?;
        eprintln!("xtask: {engine}: {json}");
        out.push((
            engine.to_owned(),
            serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))?,
        ));
    }
    Ok(out)
}

/// Runs `tests/bench/live.mjs` in `mode` against `server`.
fn live(root: &Path, server: &ServerProcess, mode: &str) -> Result<serde_json::Value, String> {
    let json = output(
        command(root, "node")
            .arg("tests/bench/live.mjs")
            .env("BASE_URL", &server.base_url)
            .env("SERVER_PID", server.pid().to_string())
            .env("MODE", mode),
    )
    .ok_or_else(|| format!("tests/bench/live.mjs {mode} failed"))?;
    eprintln!("xtask: {mode}: {json}");
    serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))
}

/// Exports and in-browser log verification with ~100,000 log entries.
fn transparency(root: &Path, binary: &Path) -> Result<[serde_json::Value; 2], String> {
    let (export, verify) = with_big_log(root, binary, |server| {
        Ok((live(root, server, "export")?, live(root, server, "verify")?))
    })?;
    Ok([export, verify])
}

fn render_transparency(s: &mut String, [export, verify]: &[serde_json::Value; 2]) {
    let kib = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN) / 1024.0;
    let _ = write!(
        s,
        "\n## Open data exports at scale\n\n\
         102,000 demo locations (SQLite), a fresh server process (idle RSS {:.0} MiB); each \
         export downloaded once, uncompressed, while the server's RSS is sampled every 20 ms. \
         Rows are streamed in 32 KiB chunks through a 4-chunk channel, so memory stays flat.\n\n\
         | export | rows (lines) | size | time | peak RSS |\n|---|---:|---:|---:|---:|\n",
        kib(&export["rss_idle_kib"])
    );
    for r in export["rows"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "| `{}` | {} | {:.1} MiB | {} s | {:.0} MiB |",
            r["path"].as_str().unwrap_or("?"),
            r["lines"],
            kib(&r["bytes"]) / 1024.0,
            r["seconds"],
            kib(&r["rss_peak_kib"]),
        );
    }
    let _ = write!(
        s,
        "\n## Verifying the public log in the browser\n\n\
         `/verifikasi` in headless Chromium downloads the whole log ({} entries, pages of \
         5,000) and recomputes every SHA-256 link and the totals in the wasm client. \
         \"chain\" is the verification as the page measures it; \"total\" includes \
         downloading and comparing with the live counters.\n\n\
         | device | entries verified | chain | total |\n|---|---:|---:|---:|\n",
        verify["entries"]
    );
    for r in verify["rows"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "| {} | {} | {} ms | {} ms |",
            r["device"].as_str().unwrap_or("?"),
            r["verified_entries"],
            r["chain_ms"],
            r["total_ms"],
        );
    }
    render_witness(s, verify);
}

const WITNESS_BEGIN: &str = "<!-- witness -->";
const WITNESS_END: &str = "<!-- /witness -->";

/// A browser witness catching up ~100,000 entries (issue 20), between its markers.
fn render_witness(s: &mut String, verify: &serde_json::Value) {
    let _ = writeln!(s, "\n{WITNESS_BEGIN}");
    let _ = write!(
        s,
        "### A browser witness catching up\n\n\
         A browser that kept the signed head of entry 1 opens `/verifikasi` again: it reads \
         every later entry (pages of 5,000), checks each links to the one before, back to \
         the kept head, and that they end in today's signed head (signature checked with \
         Web Crypto), then keeps that head (`src/witness.rs`). \"check\" is from the page's \
         load to the result; a background check on other pages reads at most 20,000.\n\n\
         | device | new entries | page load | check |\n|---|---:|---:|---:|\n"
    );
    for r in verify["witness"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "| {} | {} | {} ms | {} ms |",
            r["device"].as_str().unwrap_or("?"),
            r["entries"],
            r["load_ms"],
            r["check_ms"],
        );
    }
    let _ = writeln!(s, "\nMachine: {}\n{WITNESS_END}", machine());
}

/// Runs `measure` against a server on ~100,000 log entries: 102,000 demo
/// locations, seeded once, then measured in a fresh process (seeding's
/// memory is gone).
fn with_big_log<T>(
    root: &Path,
    binary: &Path,
    measure: impl FnOnce(&ServerProcess) -> Result<T, String>,
) -> Result<T, String> {
    // Not `kolaborasi-bench-big-…`: `ServerProcess` clears its own directory of that name.
    let dir = std::env::temp_dir().join(format!("kolaborasi-bench-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let url = format!("sqlite://{}/big.db", dir.display());
    drop(ServerProcess::start_on(
        root,
        binary,
        "bench-big",
        Some(&url),
        &["--demo-scale", "102000"],
    )?);
    let server = ServerProcess::start_on(root, binary, "bench-big", Some(&url), &[])?;
    let measured = measure(&server);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    measured
}

/// `cargo xtask bench witness`: only the witness's catch-up.
fn witness_section(root: &Path, binary: &Path) -> Result<String, String> {
    let verify = with_big_log(root, binary, |server| live(root, server, "verify"))?;
    let mut s = String::new();
    render_witness(&mut s, &verify);
    Ok(s.trim().to_owned())
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or_else(String::new, |kb| format!("{} GiB", kb / 1024 / 1024));
    let chromium =
        output(std::process::Command::new("chromium").arg("--version")).unwrap_or_default();
    format!("{cpu}, {cores} cores, {mem}; {chromium}")
}

fn render(root: &Path, rows: &[serde_json::Value]) -> String {
    let mut s = String::from(
        "# Benchmarks\n\nGenerated by `cargo xtask bench`; do not edit by hand. \
         Re-run after changes that touch the map, the list endpoint or the client size \
         (`cargo xtask bench map` re-runs the map's sections only).\n\n",
    );
    s.push_str(&map_section(root, rows));
    s
}

/// The map, its side-by-side with plain Leaflet, and start-up, between
/// [`MAP_BEGIN`] and [`MAP_END`].
fn map_section(root: &Path, rows: &[serde_json::Value]) -> String {
    let wasm = crate::split::main_wasm(root)
        .ok()
        .and_then(|p| std::fs::metadata(root.join("dist").join(p.trim_start_matches('/'))).ok())
        .map_or(0, |m| m.len() / 1024);
    let mut s = format!("{MAP_BEGIN}\n");
    let _ = writeln!(s, "Machine: {}.\n", machine());
    let _ = writeln!(
        s,
        "The donor's main wasm: {wasm} KiB (after wasm-opt -Oz; pages other than the map come in chunks).\n"
    );
    s.push_str(
        "## Map with demo locations, phone screen (412×915, DPR 2), CPU slowed 4×\n\n\
         Canvas circle markers (`preferCanvas`). \"load\" is navigation start to all points \
         drawn; \"filter\" is a category chip tap to the redrawn map; frame intervals are \
         measured with `requestAnimationFrame` during a 30-step drag and a wheel zoom \
         (16.7 ms = 60 fps).\n\n\
         | locations | list JSON | gzip on the wire | map points JSON | gzip on the wire | points API median | load | filter | pan frames median / p95 / max | zoom frames median / p95 / max |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    for r in rows {
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        let frames = |k: &str| {
            format!(
                "{} / {} / {} ms",
                r[k]["median_ms"], r[k]["p95_ms"], r[k]["max_ms"]
            )
        };
        let _ = writeln!(
            s,
            "| {} | {:.0} KiB | {:.0} KiB | {:.0} KiB | {:.0} KiB | {} ms | {} ms | {} ms | {} | {} |",
            r["locations"],
            f("list_json_bytes") / 1024.0,
            f("list_gzip_bytes") / 1024.0,
            f("points_json_bytes") / 1024.0,
            f("points_gzip_bytes") / 1024.0,
            r["points_median_ms"],
            r["load_to_all_points_ms"],
            r["filter_to_points_ms"],
            frames("pan_frames"),
            frames("zoom_frames"),
        );
    }
    s.push_str(
        "\nReading: the median and p95 columns are the gesture itself (Leaflet moves the \
         canvas as one image); the max column is the redraw of every point when the gesture \
         ends, the one long frame that grows with the number of points. The map reads \
         its points in columns (`/api/v1/locations/points`); names come with the list, read \
         once the map is drawn.\n",
    );
    s.push_str(
        "\n### Side by side with a plain JavaScript Leaflet page\n\n\
         The same phone and CPU slowdown, fresh profiles, in alternation: the app's map page \
         against `tests/bench/fixtures/plain-leaflet.html`, which reads the same points from \
         the same server and draws the same canvas circles with nothing else. Navigation \
         start to every point drawn (in the page's clock, when the map's element says it \
         holds them all), median of 5 each; target ≤ 1.1×. On a first visit the \
         app's points are drawn by `index.html`'s script into the server's first paint, \
         before the wasm has started; \"app's map\" is when the app has taken that map over \
         with its own points (popups and filters work).\n\n\
         | locations | plain Leaflet | Kolaborasi | ratio | app's map |\n|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let side = &r["side_by_side"];
        let (app, plain) = (
            side["app_ms"].as_f64().unwrap_or(f64::NAN),
            side["plain_ms"].as_f64().unwrap_or(f64::NAN),
        );
        let _ = writeln!(
            s,
            "| {} | {plain} ms | {app} ms | {:.2}× | {} ms |",
            r["locations"],
            app / plain,
            side["app_ready_ms"]
        );
    }
    s.push_str(
        "\n## Start-up: from the network or from the device's copy (phone, CPU slowed 4×)\n\n\
         Navigation start to every point drawn, median of 3. \"network\": a fresh browser \
         profile (no service worker, nothing stored). \"stored copy\": the same phone \
         reopening the app, shell from the service worker and data from IndexedDB (then \
         revalidated with the ETag in the background); \"offline\" the same with no network \
         at all.\n\n\
         | locations | network | stored copy, online | stored copy, offline |\n\
         |---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} ms | {} ms | {} ms |",
            r["locations"],
            r["startup_network_ms"],
            r["startup_cache_ms"],
            r["startup_cache_offline_ms"]
        );
    }
    s.push_str(MAP_END);
    s.push('\n');
    s
}

/// The commitments table (in the crowd section).
pub fn render_commitments(s: &mut String, commits: &[(String, serde_json::Value)]) {
    s.push_str(
        "\n## Commitments, 32 concurrent clients\n\n\
         `POST /api/v1/commitments` of one unit each, with a fresh `Idempotency-Key`, against \
         the 1,500-location demo data, for 8 s per row (`tests/bench/commit.mjs`). \
         \"spread\": each request picks a random open need; \"hot\": every request \
         reserves from the same need (all contend for one row). Server built with the \
         `server` profile, database on local disk (SQLite with `synchronous = FULL`, reservations committed in groups; PostgreSQL with `fsync=off`, as in the tests); the load generator (node) runs on the same cores. \
         A crowd of unconfirmed donors under the deployed limits: each commitment has its own \
         donor address, and each client connects from a loopback address of its own, moving to a \
         new one every 25 commitments (the limit is 30 per network and hour).\n\n\
         | engine | mode | requests | commitments/s | created | 409 | other | p50 | p99 | max |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (engine, v) in commits {
        for r in v["results"].as_array().into_iter().flatten() {
            let _ = writeln!(
                *s,
                "| {engine} | {} | {} | {} | {} | {} | {} | {} ms | {} ms | {} ms |",
                r["mode"].as_str().unwrap_or("?"),
                r["requests"],
                r["per_second"],
                r["created"],
                r["conflicts"],
                r["other"],
                r["p50_ms"],
                r["p99_ms"],
                r["max_ms"],
            );
        }
    }
}

/// Lighthouse 12 into `target/bench-tools` when missing (not a project
/// dependency: only the bench needs it; 13 wants Node 22).
fn ensure_lighthouse(root: &Path) -> Result<std::path::PathBuf, String> {
    let prefix = root.join("target/bench-tools");
    let bin = prefix.join("node_modules/.bin/lighthouse");
    if bin.exists() {
        return Ok(bin);
    }
    crate::cmd::run(command(root, "npm").args([
        "install",
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--prefix",
        &prefix.display().to_string(),
        "lighthouse@12.2.3",
    ]))?;
    Ok(bin)
}

/// The first visit on an emulated phone: Lighthouse's mobile preset
/// (median of 3) and the recorder of paints and shifts, side by side on
/// the same server (release build, 1,500 demo places).
fn first_load(root: &Path, binary: &Path) -> Result<String, String> {
    let lighthouse = ensure_lighthouse(root)?;
    let tiles = crate::tiles::TileServer::start()?;
    let server = ServerProcess::start(
        root,
        binary,
        "bench-first",
        &["--demo-scale", "1500", "--tile-url", &tiles.template],
    )?;
    let log = output(command(root, "node").args([
        "-e",
        "fetch(process.env.BASE_URL + '/api/v1/log?limit=200').then((r) => r.text()).then(console.log)",
    ]).env("BASE_URL", &server.base_url))
    .ok_or("could not read the log")?;
    let log: serde_json::Value = serde_json::from_str(&log).map_err(|e| e.to_string())?;
    let code = log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["kind"] == "commitment_made")
        .and_then(|e| e["facts"]["code"].as_str())
        .ok_or("no commitment in the demo log")?
        .to_owned();
    let pages: Vec<String> = FIRST_LOAD_PAGES
        .iter()
        .map(|p| p.replace("{collaboration}", &format!("/kolaborasi/{code}")))
        .collect();
    let lh = output(
        command(root, "node")
            .arg("tests/bench/lighthouse.mjs")
            .args(&pages)
            .env("BASE_URL", &server.base_url)
            .env("LIGHTHOUSE", &lighthouse),
    )
    .ok_or("tests/bench/lighthouse.mjs failed")?;
    eprintln!("xtask: lighthouse: {lh}");
    let shifts = output(
        command(root, "node")
            .arg("tests/bench/first-load.mjs")
            .args(&pages)
            .env("BASE_URL", &server.base_url),
    )
    .ok_or("tests/bench/first-load.mjs failed")?;
    eprintln!("xtask: first load: {shifts}");
    let lh: serde_json::Value = serde_json::from_str(&lh).map_err(|e| format!("{e}: {lh}"))?;
    let shifts: serde_json::Value =
        serde_json::from_str(&shifts).map_err(|e| format!("{e}: {shifts}"))?;
    let mut s = format!(
        "{FIRST_LOAD_BEGIN}\n## First visit on a phone\n\n\
         Machine: {}. Release server, 1,500 demo places, map tiles from a loopback \
         server (one blank 256×256 PNG, `xtask/src/tiles.rs`). Lighthouse 12.2.3, mobile preset (simulated slow 4G, 4× CPU), \
         median of 3 runs by performance score. \"recorded\": the same pages in Chromium \
         emulating the phone (412×915, 4× CPU, slow 4G: 150 ms, 1.6 Mbit/s), first and \
         largest contentful paint and the sum of layout shifts as the browser reports them, \
         and what came from the site until the page was idle (compressed, map tiles \
         excluded; of which wasm) (`tests/bench/first-load.mjs`).\n\n\
         | page | performance | LCP | TBT | CLS | best practices | SEO | accessibility | recorded LCP | recorded CLS | downloaded | of which wasm | largest paint |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        machine()
    );
    for page in &pages {
        let l = &lh["pages"][page];
        let r = &shifts["pages"][page];
        let _ = writeln!(
            s,
            "| `{}` | {} | {} ms | {} ms | {} | {} | {} | {} | {} ms | {} | {} KiB | {} KiB | {} |",
            page.replace(&code, "{code}"),
            l["performance"],
            l["lcp_ms"],
            l["tbt_ms"],
            l["cls"],
            l["best_practices"],
            l["seo"],
            l["accessibility"],
            r["lcp_ms"],
            r["cls"],
            r["downloaded_kib"],
            r["wasm_kib"],
            r["lcp_element"].as_str().unwrap_or("?").replace('|', "/"),
        );
    }
    s.push_str(FIRST_LOAD_END);
    Ok(s)
}
