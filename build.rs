//! The translations the app embeds (`locales/*.json`, shared with the
//! server). The donor's build leaves out what it never shows: of the
//! e-mails (`mail.*`), the server's error messages (`error.*`, which the
//! server sends already translated) and the console's texts (`console.*`)
//! it keeps only the keys written out in the donor's own code or the wire
//! types' checks (the footer's console link, a form's own validation). The
//! console's build keeps them all.

use std::collections::BTreeSet;
use std::path::Path;

/// Key families the donor's build keeps only as far as its code names them.
const PRUNED: [&str; 3] = ["mail.", "error.", "console."];

fn main() {
    println!("cargo::rerun-if-changed=locales");
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=wire/src");
    let console = std::env::var_os("CARGO_FEATURE_CONSOLE").is_some();
    let keep = if console {
        BTreeSet::new()
    } else {
        let mut keys = BTreeSet::new();
        written_keys(Path::new("src"), &mut keys);
        written_keys(Path::new("wire/src"), &mut keys);
        keys
    };
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for lang in ["id", "en"] {
        let path = format!("locales/{lang}.json");
        let text = std::fs::read_to_string(&path).expect("locale file");
        let all: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).expect("locale file is a JSON object");
        let kept: serde_json::Map<String, serde_json::Value> = all
            .into_iter()
            .filter(|(key, _)| {
                console || !PRUNED.iter().any(|p| key.starts_with(p)) || keep.contains(key)
            })
            .collect();
        let json = serde_json::to_string(&kept).expect("serialisable");
        std::fs::write(Path::new(&out).join(format!("{lang}.json")), json).expect("OUT_DIR");
    }
}

/// Key literals of the pruned families in the source, outside the console's
/// own modules.
fn written_keys(dir: &Path, keys: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("source directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("console") {
                written_keys(&path, keys);
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for family in PRUNED {
            for (i, _) in text.match_indices(&format!("\"{family}")) {
                let rest = &text[i + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                    .unwrap_or(rest.len());
                if rest[end..].starts_with('"') {
                    keys.insert(rest[..end].to_owned());
                }
            }
        }
    }
}
