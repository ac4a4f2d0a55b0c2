//! Anchor points: the hand-written kecamatan centres, the kelurahan spread
//! around them, and the islands of Kepulauan Seribu.

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::path::Path;

use super::csv::{self, Row};

/// Island kelurahan are small: demo points must stay on the island.
pub const ISLAND_SPREAD_KM: f64 = 0.2;
pub const KM_PER_DEG_LAT: f64 = 110.574;
pub const KM_PER_DEG_LON_AT_EQUATOR: f64 = 111.320;

/// `(lat, lon, spread_km)`.
pub type Anchor = (f64, f64, f64);
/// Kecamatan code → (name, anchor), from the hand-written file.
pub type Positions = BTreeMap<String, (String, Anchor)>;

/// Reads the hand-written table, refusing duplicates and impossible values.
pub fn read_positions(path: &Path) -> Result<Positions, String> {
    let mut out = Positions::new();
    for row in csv::read(path, &["code", "name", "lat", "lon", "spread_km"])? {
        let num = |i: usize| -> Result<f64, String> {
            row[i]
                .parse::<f64>()
                .map_err(|e| format!("{}: {} {:?}: {e}", path.display(), row[0], row[i]))
        };
        let (lat, lon, spread) = (num(2)?, num(3)?, num(4)?);
        if !((-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
            && spread > 0.0
            && spread < 20.0)
        {
            return Err(format!(
                "{}: {} has an implausible position",
                path.display(),
                row[0]
            ));
        }
        if out
            .insert(row[0].clone(), (row[1].clone(), (lat, lon, spread)))
            .is_some()
        {
            return Err(format!("{}: {} appears twice", path.display(), row[0]));
        }
    }
    Ok(out)
}

/// Spreads a kecamatan's kelurahan on a sunflower spiral within half its
/// spread, so their anchors differ and their discs stay inside the kecamatan.
/// (Which kelurahan lands where is arbitrary: this is for demo points only.)
pub fn spiral_anchor((lat, lon, spread): Anchor, index: usize, count: usize) -> Anchor {
    #[allow(clippy::cast_precision_loss)] // a few dozen kelurahan at most
    let (i, n) = (index as f64, count as f64);
    let radius_km = 0.5 * spread * ((i + 0.5) / n).sqrt();
    let angle = i * PI * (3.0 - 5f64.sqrt()); // the golden angle
    let dlat = radius_km * angle.sin() / KM_PER_DEG_LAT;
    let dlon = radius_km * angle.cos() / (KM_PER_DEG_LON_AT_EQUATOR * lat.to_radians().cos());
    (lat + dlat, lon + dlon, spread / 2.0)
}

/// The island a "Pulau …" kelurahan is named after: an exact (case-insensitive)
/// name match in its regency, else the single populated island whose name
/// extends it ("Pulau Tidung" → "Pulau Tidung Besar").
pub fn island_anchor(islands: &[Row], regency: &str, name: &str) -> Result<Anchor, String> {
    let wanted = name.to_lowercase();
    let longer = format!("{wanted} ");
    let here = || islands.iter().filter(|r| r[1] == regency);
    let exact: Vec<&Row> = here().filter(|r| r[5].to_lowercase() == wanted).collect();
    let extended: Vec<&Row> = here()
        .filter(|r| r[5].to_lowercase().starts_with(&longer) && r[3] == "1")
        .collect();
    let (([island], _) | ([], [island])) = (exact.as_slice(), extended.as_slice()) else {
        return Err(format!(
            "kelurahan {name:?}: no single island of that name in regency {regency} of islands.csv"
        ));
    };
    let (lat, lon) =
        csv::parse_dms(&island[2]).map_err(|e| format!("island {}: {e}", island[5]))?;
    Ok((lat, lon, ISLAND_SPREAD_KM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kelurahan_anchors_differ_and_stay_inside_their_kecamatan() {
        let centre = (-6.2, 106.8, 2.0);
        let anchors: Vec<Anchor> = (0..8).map(|i| spiral_anchor(centre, i, 8)).collect();
        for (i, a) in anchors.iter().enumerate() {
            let dy = (a.0 - centre.0) * KM_PER_DEG_LAT;
            let dx = (a.1 - centre.1) * KM_PER_DEG_LON_AT_EQUATOR * centre.0.to_radians().cos();
            assert!(dx.hypot(dy) + a.2 <= centre.2 + 1e-9, "{i}");
            let apart = |b: &Anchor| (a.0 - b.0).abs() + (a.1 - b.1).abs() > 1e-4;
            assert!(anchors[..i].iter().all(apart), "{i}");
        }
    }

    /// Guards the hand-written table against typos: mainland Jakarta lies in
    /// one box, and each kota lies on its own side of Jakarta Pusat.
    #[test]
    fn hand_written_positions_lie_in_the_right_part_of_jakarta() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kecamatan_positions.csv");
        let positions = read_positions(&path).unwrap();
        assert_eq!(positions.len(), 44);
        for (code, (name, (lat, lon, spread))) in &positions {
            if !code.starts_with("31.01.") {
                let dlat = spread / KM_PER_DEG_LAT;
                let inside = |l: f64| (-6.37..=-6.08).contains(&l);
                assert!(inside(lat - dlat) && inside(lat + dlat), "{name}");
                assert!((106.68..=106.98).contains(lon), "{name}");
            }
        }
        let mean = |kota: &str, field: fn(&Anchor) -> f64| {
            let values: Vec<f64> = positions
                .iter()
                .filter(|(c, _)| c.starts_with(kota))
                .map(|(_, (_, a))| field(a))
                .collect();
            #[allow(clippy::cast_precision_loss)] // ten rows at most
            let n = values.len() as f64;
            values.iter().sum::<f64>() / n
        };
        let (lat, lon) = (|a: &Anchor| a.0, |a: &Anchor| a.1);
        let (pusat_lat, pusat_lon) = (mean("31.71.", lat), mean("31.71.", lon));
        assert!(
            mean("31.72.", lat) > -6.16 && mean("31.72.", lat) > pusat_lat + 0.02,
            "utara"
        );
        assert!(mean("31.74.", lat) < pusat_lat - 0.05, "selatan");
        assert!(mean("31.73.", lon) < pusat_lon - 0.03, "barat");
        assert!(mean("31.75.", lon) > pusat_lon + 0.04, "timur");
    }
}
