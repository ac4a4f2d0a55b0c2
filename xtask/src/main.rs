//! `cargo xtask <command>`: the project's automation, in Rust so it runs
//! wherever cargo does. Kept small: a JSON crate, brotli and gzip for the
//! built client, and the wasm splitter (`split.rs`).
//!
//! - `run [server flags…]`: install what is missing, build the client, start the server.
//! - `test`: everything CI runs.
//! - `bench [first-load | crowd | witness]`: measurements into `docs/benchmarks.md` (or only
//!   the first visit's section).
//! - `build-client`: only the release client build (`dist/`).
//! - `gen-areas [--province 31]`: regenerate `server/data/areas.json`.

mod areas;
mod bench;
mod client;
mod cmd;
mod crowd;
mod lint;
mod postgres;
mod precompress;
mod run;
mod server_process;
mod split;
mod test;
mod tiles;
mod tools;

use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(&root, &args[1..]),
        Some("test") => test::test(&root),
        Some("bench") => bench::bench(&root, args.get(1).map(String::as_str)),
        Some("build-client") => tools::ensure_client_tools(&root)
            .and_then(|()| client::build(&root)),
        Some("gen-areas") => {
            let province = flag_value(&args, "--province").unwrap_or_else(|| "31".into());
            areas::generate(&root, &province)
        }
        _ => Err("usage: cargo xtask <run [--demo-scale N …] | test | bench [first-load | crowd | witness] | build-client | gen-areas [--province CODE]>".into()),
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_path_buf()
}

fn flag_value(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}
