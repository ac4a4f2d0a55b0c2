//! `cargo xtask bench crowd`: the server against nginx serving the very
//! same bytes as static files, side by side in one run, under `wrk`
//! (Debian's `wrk` and `nginx-light`, installed when missing). The ratio is
//! what counts on a shared machine: both run on the same cores, one after
//! the other, with the same load generator and the same connections.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::output;
use crate::server_process::ServerProcess;
use crate::tools;

pub const BEGIN: &str = "<!-- crowd -->";
pub const END: &str = "<!-- /crowd -->";

/// Seconds each load runs, connections, threads.
const SECONDS: u32 = 8;
const CONNECTIONS: u32 = 32;

/// One request to measure: its path and what the client sends.
struct Target {
    label: String,
    path: String,
    encoding: &'static str,
    /// Revalidation: `If-None-Match` with the current tag of each server.
    conditional: bool,
}

impl Target {
    fn new(label: &str, path: &str, encoding: &'static str, conditional: bool) -> Self {
        Self {
            label: label.to_owned(),
            path: path.to_owned(),
            encoding,
            conditional,
        }
    }
}

/// One `wrk` run's result.
#[derive(Debug, Clone, Copy, Default)]
struct Load {
    rps: f64,
    p99_ms: f64,
    errors: u64,
}

pub fn crowd(root: &Path, binary: &Path) -> Result<String, String> {
    tools::ensure_debian_packages(&["wrk", "nginx-light"])?;
    let mut rows: Vec<(String, Load, Load)> = Vec::new();
    let mut memory = Vec::new();
    let mut mixed = String::new();
    for scale in ["1500", "10000", "100000"] {
        let server = ServerProcess::start(root, binary, "bench-crowd", &["--demo-scale", scale])?;
        let base = server.base_url.trim_start_matches("http://").to_owned();
        let idle = rss_kib(server.pid());
        let mut targets = vec![
            Target::new(
                "`GET /api/v1/locations`",
                "/api/v1/locations",
                "gzip",
                false,
            ),
            Target::new(
                "`GET /api/v1/locations`, revalidated (304)",
                "/api/v1/locations",
                "gzip",
                true,
            ),
            Target::new(
                "`GET /api/v1/locations/points` (the map's, brotli)",
                "/api/v1/locations/points",
                "br",
                false,
            ),
        ];
        if scale == "100000" {
            // The largest answer only: what a crowd on a big deployment costs.
            targets.truncate(1);
        }
        if scale == "1500" {
            targets.extend([
                Target::new(
                    "`GET /api/v1/locations/20`",
                    "/api/v1/locations/20",
                    "gzip",
                    false,
                ),
                Target::new("`GET /api/v1/stats`", "/api/v1/stats", "gzip", false),
                Target::new("`GET /api/v1/programs`", "/api/v1/programs", "gzip", false),
                Target::new("`GET /` (HTML with first paint)", "/", "gzip", false),
                Target::new(
                    "the wasm (brotli)",
                    &crate::split::main_wasm(root)?,
                    "br",
                    false,
                ),
            ]);
        }
        let nginx = Nginx::start(&base, &targets)?;
        for (i, t) in targets.iter().enumerate() {
            let static_path = format!("/t{i}");
            let ours_tag = if t.conditional {
                Some(get(&base, &t.path, t.encoding, None)?.etag)
            } else {
                None
            };
            let theirs_tag = if t.conditional {
                Some(get(&nginx.addr, &static_path, t.encoding, None)?.etag)
            } else {
                None
            };
            let theirs = wrk(&nginx.addr, &static_path, t.encoding, theirs_tag.as_deref())?;
            let ours = wrk(&base, &t.path, t.encoding, ours_tag.as_deref())?;
            eprintln!(
                "xtask: crowd {scale} {}: nginx {:.0}/s p99 {:.2} ms, kolaborasi {:.0}/s p99 {:.2} ms",
                t.label, theirs.rps, theirs.p99_ms, ours.rps, ours.p99_ms
            );
            rows.push((format!("{} ({scale} places)", t.label), theirs, ours));
        }
        if scale == "1500" {
            mixed = mixed_load(root, binary, &server)?;
        }
        let loaded = rss_kib(server.pid());
        memory.push((scale, idle, loaded));
        drop(nginx);
        drop(server);
    }
    let commits = crate::bench::commitments(root, binary)?;
    let live = subscribers(root, binary)?;
    let mut report = render(&rows, &memory);
    let end = report.rfind("\nMachine:").unwrap_or(report.len());
    report.insert_str(end, &format!("{mixed}{live}"));
    let end = report.rfind("\nMachine:").unwrap_or(report.len());
    let mut table = String::new();
    crate::bench::render_commitments(&mut table, &commits);
    report.insert_str(end, &table.replacen("\n## ", "\n### ", 1));
    Ok(report)
}

/// 200 connections reading the map list while 32 clients commit, at once;
/// then the log is verified (counters and entries agree: nothing was
/// committed twice or past its target, which the table's CHECK forbids).
fn mixed_load(root: &Path, binary: &Path, server: &ServerProcess) -> Result<String, String> {
    let base = server.base_url.trim_start_matches("http://").to_owned();
    let readers = std::thread::spawn(move || {
        let mut c = Command::new("wrk");
        c.args(["-t1", "-c200", "-d20s", "--latency"])
            .args(["-H", "Accept-Encoding: gzip"])
            .arg(format!("http://{base}/api/v1/locations"));
        output(&mut c).and_then(|t| parse_wrk(&t))
    });
    std::thread::sleep(Duration::from_millis(300));
    let json = output(
        crate::cmd::command(root, "node")
            .arg("tests/bench/commit.mjs")
            .env("BASE_URL", &server.base_url),
    )
    .ok_or("tests/bench/commit.mjs failed")?;
    let list = readers
        .join()
        .map_err(|_| "wrk thread panicked")?
        .ok_or("wrk failed")?;
    let commits: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))?;
    let verified = Command::new(binary)
        .arg("--database-url")
        .arg(server.database_url())
        .arg("verify-log")
        .output()
        .map_err(|e| e.to_string())?
        .status
        .success();
    eprintln!("xtask: mixed: list {list:?}, commits {json}, log verified {verified}");
    let mut s = format!(
        "\n### Mixed: the map list under 200 connections while 32 clients commit\n\n\
         `wrk -t1 -c200 -d20s` on `GET /api/v1/locations` (1,500 places, gzip) while \
         `tests/bench/commit.mjs` runs its two 8 s rounds. Every commitment changes the \
         list, so its answer is rebuilt after each group. `verify-log` afterwards: {}.\n\n\
         | list req/s | list p99 | list errors | commit mode | commitments/s | commit p99 |\n\
         |---:|---:|---:|---|---:|---:|\n",
        if verified { "passed" } else { "FAILED" }
    );
    for r in commits["results"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "| {:.0} | {:.2} ms | {} | {} | {} | {} ms |",
            list.rps,
            list.p99_ms,
            list.errors,
            r["mode"].as_str().unwrap_or("?"),
            r["per_second"],
            r["p99_ms"],
        );
    }
    Ok(s)
}

/// Live totals for 10,000 subscribers on one server (`tests/bench/live.mjs`).
fn subscribers(root: &Path, binary: &Path) -> Result<String, String> {
    let server = ServerProcess::start(root, binary, "bench-crowd-live", &[])?;
    let json = output(
        crate::cmd::command(root, "node")
            .arg("tests/bench/live.mjs")
            .env("BASE_URL", &server.base_url)
            .env("SERVER_PID", server.pid().to_string())
            .env("MODE", "sse")
            .env("SUBSCRIBERS", "10000")
            .env("ROUNDS", "5"),
    )
    .ok_or("tests/bench/live.mjs failed")?;
    eprintln!("xtask: live: {json}");
    let v: serde_json::Value = serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))?;
    let mut s = String::from(
        "\n### Live totals, 10,000 subscribers\n\n\
         10,000 `GET /api/v1/stats/stream` connections from one node process; one \
         commitment, five times, 500 ms apart; time from sending it until every \
         subscriber has the new totals, and the server's resident memory.\n\n\
         | subscribers | all connected | all received (median of 5) | slowest round | p99 per subscriber | server RSS | per subscriber |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in v["rows"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "| {} | {} ms | {} ms | {} ms | {} ms | {} MiB | {} KiB |",
            r["subscribers"],
            r["connect_all_ms"],
            r["all_received_median_ms"],
            r["all_received_max_ms"],
            r["delivery_p99_ms"],
            r["rss_kib"].as_u64().unwrap_or(0) / 1024,
            r["rss_per_subscriber_kib"],
        );
    }
    Ok(s)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A response read with a plain HTTP/1.1 client.
struct Fetched {
    content_type: String,
    encoding: Option<String>,
    etag: String,
    body: Vec<u8>,
}

fn get(
    addr: &str,
    path: &str,
    encoding: &str,
    if_none_match: Option<&str>,
) -> Result<Fetched, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_mins(1)))
        .map_err(|e| e.to_string())?;
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n"
    );
    if let Some(tag) = if_none_match {
        let _ = write!(request, "If-None-Match: {tag}\r\n");
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("GET {path}: {}", head.lines().next().unwrap_or("")));
    }
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    }
    Ok(Fetched {
        content_type: header("content-type").unwrap_or_else(|| "application/octet-stream".into()),
        encoding: header("content-encoding"),
        etag: header("etag").unwrap_or_default(),
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| format!("bad chunk size: {e}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("short chunk")?);
        data = data.get(size + 2..).ok_or("short chunk")?;
    }
}

/// nginx on a free port, serving each target's bytes as a file, with the
/// same content type and encoding the server sends.
struct Nginx {
    child: Child,
    dir: PathBuf,
    addr: String,
}

impl Nginx {
    fn start(server: &str, targets: &[Target]) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("kolaborasi-nginx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("www")).map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let mut locations = String::new();
        for (i, t) in targets.iter().enumerate() {
            let fetched = get(server, &t.path, t.encoding, None)?;
            std::fs::write(dir.join("www").join(format!("t{i}")), &fetched.body)
                .map_err(|e| e.to_string())?;
            let encoding = fetched
                .encoding
                .map(|e| format!("add_header Content-Encoding {e};"))
                .unwrap_or_default();
            let _ = writeln!(
                locations,
                "    location = /t{i} {{ default_type \"{}\"; {encoding} add_header Cache-Control no-cache; }}",
                fetched.content_type
            );
        }
        let conf = format!(
            "worker_processes auto;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000000;\n\
               types {{ }}\n  client_body_temp_path {d}/tmp;\n  proxy_temp_path {d}/tmp;\n  fastcgi_temp_path {d}/tmp;\n  uwsgi_temp_path {d}/tmp;\n  scgi_temp_path {d}/tmp;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {d}/www;\n{locations}  }}\n}}\n",
            d = dir.display()
        );
        std::fs::write(dir.join("nginx.conf"), conf).map_err(|e| e.to_string())?;
        let child = Command::new("/usr/sbin/nginx")
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-p")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start nginx: {e}"))?;
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&addr).is_err() {
            if Instant::now() > deadline {
                return Err("nginx did not start".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self { child, dir, addr })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Not SIGKILL: the workers would go on without their master.
        crate::cmd::terminate(&mut self.child, Duration::from_secs(5));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wrk(
    addr: &str,
    path: &str,
    encoding: &str,
    if_none_match: Option<&str>,
) -> Result<Load, String> {
    let mut c = Command::new("wrk");
    c.args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{SECONDS}s"),
        "--latency",
    ])
    .args(["-H", &format!("Accept-Encoding: {encoding}")]);
    if let Some(tag) = if_none_match {
        c.args(["-H", &format!("If-None-Match: {tag}")]);
    }
    c.arg(format!("http://{addr}{path}"));
    let text = output(&mut c).ok_or_else(|| format!("wrk {path} failed"))?;
    parse_wrk(&text).ok_or_else(|| format!("could not read wrk's output:\n{text}"))
}

fn parse_wrk(text: &str) -> Option<Load> {
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .and_then(|v| duration_ms(v.trim()))?;
    let mut errors = 0;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            errors += rest.trim().parse::<u64>().unwrap_or(0);
        }
        if let Some(rest) = line.strip_prefix("Socket errors:") {
            errors += rest
                .split(',')
                .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Some(Load {
        rps,
        p99_ms: p99,
        errors,
    })
}

fn duration_ms(v: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * factor)
}

fn render(rows: &[(String, Load, Load)], memory: &[(&str, u64, u64)]) -> String {
    let mut s = format!(
        "{BEGIN}\n## A crowd on one server: the API against nginx on the same bytes\n\n\
         `cargo xtask bench crowd` (also part of `cargo xtask bench`): a release server \
         with the demo data on SQLite, and nginx (`nginx-light`, `worker_processes auto`) \
         serving the very bytes the server sent for each request as a static file with \
         the same `Content-Type` and `Content-Encoding`. `wrk -t2 -c{CONNECTIONS} -d{SECONDS}s` \
         on the same machine, nginx first, then the server. The ratio is the server's \
         requests/s over nginx's; target ≥ 0.8.\n\n\
         | request | nginx req/s | nginx p99 | Kolaborasi req/s | Kolaborasi p99 | ratio | errors |\n\
         |---|---:|---:|---:|---:|---:|---:|\n"
    );
    for (label, nginx, ours) in rows {
        let ratio = if nginx.rps > 0.0 {
            ours.rps / nginx.rps
        } else {
            0.0
        };
        let _ = writeln!(
            s,
            "| {label} | {:.0} | {:.2} ms | {:.0} | {:.2} ms | {ratio:.2} | {} |",
            nginx.rps,
            nginx.p99_ms,
            ours.rps,
            ours.p99_ms,
            nginx.errors + ours.errors
        );
    }
    s.push_str(
        "\nServer memory (resident set), idle after start and after the loads above:\n\n\
                | demo places | idle | after the loads |\n|---:|---:|---:|\n",
    );
    for (scale, idle, loaded) in memory {
        let _ = writeln!(
            s,
            "| {scale} | {} MiB | {} MiB |",
            idle / 1024,
            loaded / 1024
        );
    }
    let _ = writeln!(s, "\nMachine: {}\n{END}", crate::bench::machine());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 8s test @ http://127.0.0.1:1/\n  2 threads and 32 connections\n  Latency Distribution\n     50%  635.91us\n     99%    1.65ms\n  100 requests in 8.00s, 1MB read\n  Socket errors: connect 0, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 4\nRequests/sec:  12345.67\n";
        let load = parse_wrk(text).unwrap();
        assert!((load.rps - 12345.67).abs() < 0.01);
        assert!((load.p99_ms - 1.65).abs() < 0.001);
        assert_eq!(load.errors, 9);
        assert_eq!(duration_ms("2.00s"), Some(2000.0));
    }

    #[test]
    fn dechunks() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
    }
}
