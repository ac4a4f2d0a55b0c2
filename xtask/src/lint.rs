//! Checks the translation files: both languages have exactly the same keys,
//! and every key the code names exists. A missing key would show up to a
//! user as `map.heading` instead of text.

use std::collections::BTreeSet;
use std::path::Path;

fn keys(root: &Path, lang: &str) -> Result<BTreeSet<String>, String> {
    let path = root.join(format!("locales/{lang}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some((k, _)) = map
        .iter()
        .find(|(_, v)| v.as_str().is_none_or(str::is_empty))
    {
        return Err(format!(
            "{}: `{k}` must be a non-empty string",
            path.display()
        ));
    }
    Ok(map.keys().cloned().collect())
}

/// String literals in Rust sources that look like translation keys
/// (`"prefix.rest"` whose prefix is a catalog prefix).
fn keys_named_in(dir: &Path, prefixes: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.is_dir() {
            keys_named_in(&path, prefixes, out);
            continue;
        }
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for literal in text.split('"').skip(1).step_by(2) {
            let looks_like_key = literal.contains('.')
                && !literal.ends_with('.')
                && literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
            if looks_like_key
                && literal
                    .split('.')
                    .next()
                    .is_some_and(|p| prefixes.contains(p))
            {
                out.insert(literal.to_owned());
            }
        }
    }
}

pub fn translations(root: &Path) -> Result<(), String> {
    let id = keys(root, "id")?;
    let en = keys(root, "en")?;
    let only_id: Vec<_> = id.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&id).collect();
    if !only_id.is_empty() || !only_en.is_empty() {
        return Err(format!(
            "translation files differ: only in id.json {only_id:?}, only in en.json {only_en:?}"
        ));
    }
    let prefixes: BTreeSet<String> = id
        .iter()
        .filter_map(|k| k.split('.').next().map(str::to_owned))
        .collect();
    let mut named = BTreeSet::new();
    for dir in ["src", "server/src", "wire/src"] {
        keys_named_in(&root.join(dir), &prefixes, &mut named);
    }
    // Keys built at run time from enum spellings.
    for slug in [
        "rw_prioritas",
        "pesantren",
        "panti_asuhan",
        "panti_jompo",
        "panti_disabilitas",
        "umkm",
        "lainnya",
    ] {
        named.insert(format!("category.{slug}"));
    }
    for unit in ["families", "people"] {
        named.insert(format!("unit.{unit}"));
    }
    for level in ["province", "kota", "kecamatan", "kelurahan"] {
        named.insert(format!("level.{level}"));
    }
    // Residents' reports: every kind (wire `ReportKind::ALL`) and state
    // (`ReportStatus::ALL`) has a name; kinds about a place have a hint.
    for kind in ["not_arrived", "wrong_info", "other", "new_place"] {
        named.insert(format!("report.kind.{kind}"));
    }
    for kind in ["not_arrived", "wrong_info", "other"] {
        named.insert(format!("report.kind_hint.{kind}"));
    }
    for status in ["received", "checking", "resolved", "declined"] {
        named.insert(format!("report.status.{status}"));
    }
    let missing: Vec<_> = named.difference(&id).collect();
    if !missing.is_empty() {
        return Err(format!(
            "keys used in code but missing from locales/: {missing:?}"
        ));
    }
    eprintln!("xtask: translations complete ({} keys, id = en)", id.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_translations_name_every_key_the_code_uses() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace");
        super::translations(root).unwrap();
    }
}
