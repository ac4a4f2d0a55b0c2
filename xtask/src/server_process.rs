//! A server process for browser tests and benchmarks: a fresh SQLite file,
//! a free port, map tiles pointing at a closed port (as when the network is
//! down), stopped with SIGTERM when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::command;

pub struct ServerProcess {
    child: Child,
    dir: PathBuf,
    database_url: String,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
}

/// One machine plays every client in the browser tests and most benchmarks
/// (one address): limits per client address would count them as one. The
/// limits have their own tests (server/tests/api).
const RELAXED: &[&str] = &[
    "--connections-per-address",
    "1000000",
    "--unconfirmed-per-contact",
    "1000000",
    "--unconfirmed-per-network-hour",
    "1000000",
];

impl ServerProcess {
    /// Where the server writes its e-mail (no SMTP server is set).
    #[must_use]
    pub fn mail_dir(&self) -> PathBuf {
        self.dir.join("mail")
    }

    pub fn start(root: &Path, binary: &Path, name: &str, extra: &[&str]) -> Result<Self, String> {
        Self::start_on(root, binary, name, None, extra)
    }

    /// Like [`Self::start`], on `database_url` instead of a fresh SQLite file.
    pub fn start_on(
        root: &Path,
        binary: &Path,
        name: &str,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> Result<Self, String> {
        Self::launch(root, binary, name, database_url, extra, RELAXED)
    }

    /// Like [`Self::start_on`], with the limits per client as deployed: for
    /// a load generator that plays many clients from many addresses.
    pub fn start_deployed(
        root: &Path,
        binary: &Path,
        name: &str,
        database_url: Option<&str>,
    ) -> Result<Self, String> {
        Self::launch(root, binary, name, database_url, &[], &[])
    }

    fn launch(
        root: &Path,
        binary: &Path,
        name: &str,
        database_url: Option<&str>,
        extra: &[&str],
        limits: &[&str],
    ) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("kolaborasi-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let database_url = database_url.map_or_else(
            || format!("sqlite://{}/{name}.db", dir.display()),
            str::to_owned,
        );
        let mut child = command(root, &binary.display().to_string())
            .args(["--bind", "127.0.0.1:0", "--static-dir", "dist"])
            .arg("--database-url")
            .arg(&database_url)
            .arg("--upload-dir")
            .arg(dir.join("uploads"))
            .arg("--mail-dir")
            .arg(dir.join("mail"))
            .arg("--signing-key")
            .arg(dir.join("log-signing.key"))
            // Unless the caller serves tiles: a closed port (no internet here).
            .args(if extra.contains(&"--tile-url") {
                &[][..]
            } else {
                &["--tile-url", "http://127.0.0.1:9/{z}/{x}/{y}.png"][..]
            })
            .args(limits)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        match wait_for_url(&mut child) {
            Ok(base_url) => Ok(Self {
                child,
                dir,
                database_url,
                base_url,
            }),
            Err(e) => {
                let _ = child.kill();
                Err(e)
            }
        }
    }
}

impl ServerProcess {
    /// Creates a staff admin on the server's database, as an operator
    /// would: `kolaborasi-server create-admin`, the password on stdin.
    pub fn create_admin(
        &self,
        root: &Path,
        binary: &Path,
        email: &str,
        password: &str,
    ) -> Result<(), String> {
        use std::io::Write as _;
        let mut child = command(root, &binary.display().to_string())
            .arg("--database-url")
            .arg(&self.database_url)
            .args(["create-admin", "--email", email, "--name", "Admin E2E"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not run create-admin: {e}"))?;
        child
            .stdin
            .take()
            .ok_or("no stdin")?
            .write_all(format!("{password}\n").as_bytes())
            .map_err(|e| e.to_string())?;
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("create-admin failed: {status}"))
        }
    }

    /// The server's process id (for reading its memory use).
    #[must_use]
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Reads the server's stdout until it prints the URL it listens on.
fn wait_for_url(child: &mut Child) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("no server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_mins(2);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(url) = line.split("running at ").nth(1) {
            let url = url.trim().trim_end_matches('/').to_owned();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(url);
        }
    }
    Err("the server did not report its address".into())
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        crate::cmd::terminate(&mut self.child, Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
