//! `cargo xtask gen-areas [--province 31]`: writes `server/data/areas.json`.
//!
//! Codes and names come from the npm package `idn-area-data` (data under
//! ODbL-1.0), read from `node_modules/idn-area-data`, or from the directory
//! named by `IDN_AREA_DATA`. Anchor points come from the hand-written
//! `xtask/data/kecamatan_positions.csv`; kelurahan named "Pulau …" take their
//! island's coordinates from the package's `islands.csv`. Identical input
//! gives a byte-identical file, so regenerating shows no spurious diff.

mod anchors;
mod csv;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anchors::{Anchor, Positions, island_anchor, read_positions, spiral_anchor};
use csv::Row;

const OUTPUT: &str = "server/data/areas.json";
const POSITIONS: &str = "xtask/data/kecamatan_positions.csv";

/// One output record.
struct Area {
    code: String,
    name: String,
    level: &'static str,
    anchor: Option<Anchor>,
}

/// One province's rows of the package, each level sorted by code.
struct Source {
    province_name: String,
    kota: Vec<Row>,
    kecamatan: Vec<Row>,
    kelurahan: Vec<Row>,
    islands: Vec<Row>,
}

pub fn generate(repo_root: &Path, province: &str) -> Result<(), String> {
    let package = std::env::var_os("IDN_AREA_DATA").map_or_else(
        || repo_root.join("node_modules/idn-area-data"),
        PathBuf::from,
    );
    let version = package_version(&package)?;
    let data = package.join("data");
    let licence_path = data.join("LICENSE.md");
    let licence = std::fs::read_to_string(&licence_path)
        .map_err(|e| format!("{}: {e}", licence_path.display()))?;
    // The output states ODbL; stop if a new package version relicensed the data.
    if !licence.contains("Open Database License") {
        return Err(format!(
            "{} is no longer the ODbL: review it first",
            licence_path.display()
        ));
    }
    let source = load(&data, province)?;
    let positions = read_positions(&repo_root.join(POSITIONS))?;
    let areas = build(&source, &positions, province)?;

    let path = repo_root.join(OUTPUT);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&path, render(&areas, &version))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "wrote {OUTPUT}: 1 province, {} kota/kabupaten, {} kecamatan, {} kelurahan (idn-area-data {version})",
        source.kota.len(),
        source.kecamatan.len(),
        source.kelurahan.len()
    );
    Ok(())
}

fn package_version(package: &Path) -> Result<String, String> {
    let path = package.join("package.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (run `npm ci` in the repository root, \
             or set IDN_AREA_DATA to the package directory)",
            path.display()
        )
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    json["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: no version", path.display()))
}

/// Reads one province and checks that every level is present and every child
/// hangs under a parent, so a truncated or reshaped package fails here rather
/// than in the server.
fn load(data: &Path, province: &str) -> Result<Source, String> {
    let prefix = format!("{province}.");
    let select = |file: &str, header: &[&str]| -> Result<Vec<Row>, String> {
        let mut rows: Vec<Row> = csv::read(&data.join(file), header)?
            .into_iter()
            .filter(|r| r[0].starts_with(&prefix))
            .collect();
        rows.sort();
        Ok(rows)
    };
    let provinces = csv::read(&data.join("provinces.csv"), &["code", "name"])?;
    let Some(province_row) = provinces.into_iter().find(|r| r[0] == province) else {
        return Err(format!("province {province:?} is not in provinces.csv"));
    };
    let source = Source {
        province_name: province_row[1].clone(),
        kota: select("regencies.csv", &["code", "province_code", "name"])?,
        kecamatan: select("districts.csv", &["code", "regency_code", "name"])?,
        kelurahan: select("villages.csv", &["code", "district_code", "name"])?,
        islands: select(
            "islands.csv",
            &[
                "code",
                "regency_code",
                "coordinate",
                "is_populated",
                "is_outermost_small",
                "name",
            ],
        )?,
    };
    let levels = [
        ("kota/kabupaten", &source.kota),
        ("kecamatan", &source.kecamatan),
        ("kelurahan", &source.kelurahan),
    ];
    for (what, rows) in levels {
        if rows.is_empty() {
            return Err(format!("no {what} in the data for province {province}"));
        }
    }
    for [(parent_level, parents), (_, children)] in [[levels[0], levels[1]], [levels[1], levels[2]]]
    {
        if let Some(orphan) = children
            .iter()
            .find(|c| !parents.iter().any(|p| p[0] == c[1]))
        {
            return Err(format!(
                "{} {} has no {parent_level} {} in the data",
                orphan[0], orphan[2], orphan[1]
            ));
        }
        if let Some(empty) = parents
            .iter()
            .find(|p| !children.iter().any(|c| c[1] == p[0]))
        {
            return Err(format!(
                "{parent_level} {} {} has nothing below it in the data",
                empty[0], empty[2]
            ));
        }
    }
    Ok(source)
}

fn build(source: &Source, positions: &Positions, province: &str) -> Result<Vec<Area>, String> {
    let area = |row: &Row, level, anchor| Area {
        code: row[0].clone(),
        name: row[2].clone(),
        level,
        anchor,
    };
    let mut areas = vec![Area {
        code: province.into(),
        name: source.province_name.clone(),
        level: "province",
        anchor: None,
    }];
    areas.extend(source.kota.iter().map(|r| area(r, "kota", None)));
    for row in &source.kecamatan {
        let Some((name, anchor)) = positions.get(&row[0]) else {
            return Err(format!(
                "{POSITIONS} has no row for kecamatan {} {}",
                row[0], row[2]
            ));
        };
        // Guards against a row whose code and name were swapped or mistyped.
        if *name != row[2] {
            return Err(format!(
                "{POSITIONS}: {} is {name:?} there but {:?} in districts.csv",
                row[0], row[2]
            ));
        }
        areas.push(area(row, "kecamatan", Some(*anchor)));
    }
    let prefix = format!("{province}.");
    let known = |code: &String| source.kecamatan.iter().any(|r| &r[0] == code);
    if let Some(stale) = positions
        .keys()
        .find(|c| c.starts_with(&prefix) && !known(c))
    {
        return Err(format!(
            "{POSITIONS}: {stale} is not a kecamatan in districts.csv"
        ));
    }
    for kecamatan in &source.kecamatan {
        let centre = positions[&kecamatan[0]].1;
        let villages: Vec<&Row> = source
            .kelurahan
            .iter()
            .filter(|r| r[1] == kecamatan[0])
            .collect();
        for (i, row) in villages.iter().enumerate() {
            let anchor = if row[2].starts_with("Pulau ") {
                island_anchor(&source.islands, &kecamatan[1], &row[2])?
            } else {
                spiral_anchor(centre, i, villages.len())
            };
            areas.push(area(row, "kelurahan", Some(anchor)));
        }
    }
    Ok(areas)
}

/// One area per line with keys in a fixed order; coordinates to 5 decimals (~1 m).
fn render(areas: &[Area], version: &str) -> String {
    let string = |s: &str| serde_json::to_string(s).expect("strings serialise");
    let number = |x: f64| {
        serde_json::to_string(&((x * 1e5).round() / 1e5)).expect("finite numbers serialise")
    };
    let source = format!(
        "idn-area-data {version} (npm, github.com/fityannugroho/idn-area-data) + {POSITIONS}"
    );
    let mut out = format!(
        "{{\n  \"source\": {},\n  \"licence\": \"ODbL-1.0\",\n  \"areas\": [\n",
        string(&source)
    );
    for (i, a) in areas.iter().enumerate() {
        let (code, name) = (string(&a.code), string(&a.name));
        let _ = write!(
            out,
            "    {{\"code\": {code}, \"name\": {name}, \"level\": \"{}\"",
            a.level
        );
        if let Some((lat, lon, spread)) = a.anchor {
            let (lat, lon, spread) = (number(lat), number(lon), number(spread));
            let _ = write!(
                out,
                ", \"lat\": {lat}, \"lon\": {lon}, \"spread_km\": {spread}"
            );
        }
        out.push_str(if i + 1 == areas.len() { "}\n" } else { "},\n" });
    }
    out.push_str("  ]\n}\n");
    out
}
