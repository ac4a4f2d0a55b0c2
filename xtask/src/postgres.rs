//! A throwaway PostgreSQL for the tests: `initdb` in a temporary directory,
//! listening on a free loopback port, stopped and deleted on drop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd::{self, is_root, output};

pub struct TempPostgres {
    dir: PathBuf,
    bin: PathBuf,
    pub url: String,
}

/// The newest installed server's `bin` directory (Debian layout).
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

/// initdb and postgres refuse to run as root: run them as `postgres`.
fn as_server_user(bin: &Path, program: &str) -> Command {
    let path = bin.join(program).display().to_string();
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        Command::new(path)
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl TempPostgres {
    pub fn start() -> Result<Self, String> {
        let bin =
            bin_dir().ok_or("PostgreSQL server binaries not found under /usr/lib/postgresql")?;
        let dir = std::env::temp_dir().join(format!("kolaborasi-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if is_root() {
            cmd::run(
                Command::new("chown").args(["postgres:postgres", &dir.display().to_string()]),
            )?;
        }
        let data = dir.join("data").display().to_string();
        let initdb = as_server_user(&bin, "initdb")
            .args(["-D", &data, "-A", "trust", "-U", "postgres", "-E", "UTF8"])
            .output()
            .map_err(|e| format!("could not run initdb: {e}"))?;
        if !initdb.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&initdb.stderr).trim()
            ));
        }
        let port = free_port()?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            dir.display()
        );
        let log = dir.join("log").display().to_string();
        cmd::run(
            as_server_user(&bin, "pg_ctl")
                .args(["-D", &data, "-o", &opts, "-l", &log, "-w", "start"]),
        )?;
        let pg = Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            bin,
        };
        // pg_ctl -w waits for the socket; make sure TCP answers too.
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!("PostgreSQL did not answer on port {port}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("xtask: PostgreSQL is up at {}", pg.url);
        Ok(pg)
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ =
            output(as_server_user(&self.bin, "pg_ctl").args(["-D", &data, "-m", "fast", "stop"]));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
