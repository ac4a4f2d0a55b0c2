//! Running commands with a readable trace and errors that say what failed.

use std::path::Path;
use std::process::{Command, Stdio};

/// A command in the repository with `node_modules/.bin` and `~/.cargo/bin`
/// first on `PATH`, where xtask installs the client tools.
pub fn command(root: &Path, program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root).env("PATH", tool_path(root));
    c
}

pub fn tool_path(root: &Path) -> String {
    let mut parts = vec![root.join("node_modules/.bin").display().to_string()];
    if let Some(home) = std::env::var_os("HOME") {
        parts.push(Path::new(&home).join(".cargo/bin").display().to_string());
    }
    if let Some(path) = std::env::var_os("PATH") {
        parts.push(path.to_string_lossy().into_owned());
    }
    parts.join(":")
}

/// Runs to completion, streaming output; an error names the command.
pub fn run(c: &mut Command) -> Result<(), String> {
    eprintln!("xtask$ {}", describe(c));
    let status = c
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(c)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(c)))
    }
}

/// Runs quietly and returns trimmed stdout, or `None` if it cannot run or fails.
pub fn output(c: &mut Command) -> Option<String> {
    let out = c.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn describe(c: &Command) -> String {
    std::iter::once(c.get_program().to_string_lossy().into_owned())
        .chain(c.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn is_root() -> bool {
    output(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// Stops `child` with SIGTERM (a server shuts down cleanly; nginx's master
/// stops its workers, which a SIGKILL of the master would leave running),
/// then SIGKILL if it is still there after `grace`.
pub fn terminate(child: &mut std::process::Child, grace: std::time::Duration) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
