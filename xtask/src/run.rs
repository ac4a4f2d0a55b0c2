//! `cargo xtask run`: from a fresh clone to a running product.

use std::path::{Path, PathBuf};

use crate::cmd::{self, command};
use crate::{client, tools};

pub fn run(root: &Path, server_args: &[String]) -> Result<(), String> {
    tools::ensure_client_tools(root)?;
    client::build(root)?;
    let binary = build_server(root)?;
    let mut server = command(root, &binary.display().to_string());
    server.args(server_args);
    exec(server)
}

/// Builds the optimised server binary and returns its path. The `server`
/// profile: optimised, without the client's whole-program LTO.
pub fn build_server(root: &Path) -> Result<PathBuf, String> {
    cmd::run(command(root, "cargo").args([
        "build",
        "--profile",
        "server",
        "--package",
        "kolaborasi-server",
    ]))?;
    Ok(root.join("target/server/kolaborasi-server"))
}

/// Replaces xtask with the server, so Ctrl-C reaches it directly and it
/// shuts down cleanly (finishing requests, closing the database).
#[cfg(unix)]
fn exec(mut c: std::process::Command) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    Err(format!("could not start the server: {}", c.exec()))
}

#[cfg(not(unix))]
fn exec(mut c: std::process::Command) -> Result<(), String> {
    cmd::run(&mut c)
}
