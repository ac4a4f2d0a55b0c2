use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::area_data::AreaRecord;

fn areas() -> &'static AreaFile {
    AreaFile::embedded()
}

fn kelurahan() -> BTreeMap<&'static str, &'static AreaRecord> {
    areas().kelurahan().map(|a| (a.code.as_str(), a)).collect()
}

#[test]
fn the_same_seed_gives_the_same_locations() {
    let first = generate(areas(), 1500, DEFAULT_SEED);
    assert_eq!(first, generate(areas(), 1500, DEFAULT_SEED));
    assert_ne!(first, generate(areas(), 1500, DEFAULT_SEED + 1));
}

#[test]
fn the_requested_count_is_honoured() {
    for count in [0, 1, 100, 267, 1500, 10_000] {
        assert_eq!(generate(areas(), count, DEFAULT_SEED).len(), count);
    }
}

#[test]
fn every_kelurahan_gets_a_location_when_there_are_enough() {
    let all: BTreeSet<&str> = kelurahan().into_keys().collect();
    assert_eq!(all.len(), 267);
    for count in [267, 1500] {
        let locations = generate(areas(), count, DEFAULT_SEED);
        let covered: BTreeSet<&str> = locations
            .iter()
            .map(|l| l.kelurahan_code.as_str())
            .collect();
        assert_eq!(covered, all, "count {count}");
    }
}

#[test]
fn every_point_lies_within_its_kelurahan_disc() {
    let kelurahan = kelurahan();
    for l in generate(areas(), 10_000, DEFAULT_SEED) {
        let a = kelurahan[l.kelurahan_code.as_str()];
        let (lat, lon, spread) = (a.lat.unwrap(), a.lon.unwrap(), a.spread_km.unwrap());
        let dy = (l.lat - lat) * KM_PER_DEG_LAT;
        let dx = (l.lon - lon) * KM_PER_DEG_LON_AT_EQUATOR * lat.to_radians().cos();
        // Rounding to 5 decimals moves a point by at most ~1 m.
        assert!(
            dx.hypot(dy) <= spread + 0.002,
            "{} at {}",
            l.name,
            dx.hypot(dy)
        );
        let five_decimals = |x: f64| ((x * 1e5).round() - x * 1e5).abs() < 1e-6;
        assert!(
            five_decimals(l.lat) && five_decimals(l.lon),
            "{} {}",
            l.lat,
            l.lon
        );
    }
}

#[test]
fn categories_follow_the_target_mix() {
    for count in [1500, 10_000] {
        let locations = generate(areas(), count, DEFAULT_SEED);
        for (category, pct) in MIX {
            let n = locations.iter().filter(|l| l.category == category).count();
            #[allow(clippy::cast_precision_loss)] // counts are far below 2^52
            let share = n as f64 / count as f64 * 100.0;
            #[allow(clippy::cast_precision_loss)] // a percentage
            let target = pct as f64;
            assert!(
                (share - target).abs() < 1.0,
                "{category:?}: {share:.1}% of {count}"
            );
        }
        assert!(locations.iter().all(|l| l.category != Category::Lainnya));
    }
}

#[test]
fn headcounts_fall_in_each_category_range() {
    for l in generate(areas(), 10_000, DEFAULT_SEED) {
        let (range, unit) = match l.category {
            Category::RwPrioritas => (150..=600, HeadcountUnit::Families),
            Category::Pesantren => (40..=400, HeadcountUnit::People),
            Category::PantiAsuhan => (15..=80, HeadcountUnit::People),
            Category::PantiJompo => (20..=120, HeadcountUnit::People),
            Category::PantiDisabilitas => (20..=100, HeadcountUnit::People),
            Category::Umkm => (1..=12, HeadcountUnit::People),
            Category::Lainnya => unreachable!("the mix has no lainnya"),
        };
        assert!(range.contains(&l.headcount), "{}: {}", l.name, l.headcount);
        assert_eq!(l.headcount_unit, unit, "{}", l.name);
    }
}

#[test]
fn small_islands_get_few_of_the_extra_locations() {
    let locations = generate(areas(), 10_000, DEFAULT_SEED);
    let islands = locations
        .iter()
        .filter(|l| l.kelurahan_code.starts_with("31.01."))
        .count();
    // Six island kelurahan at a tenth of the weight of 261 mainland ones: ~0.2%.
    assert!((6..100).contains(&islands), "{islands}");
}

#[test]
fn rw_prioritas_numbers_do_not_repeat_within_a_kelurahan() {
    let locations = generate(areas(), 10_000, DEFAULT_SEED);
    let mut seen = BTreeSet::new();
    for l in locations
        .iter()
        .filter(|l| l.category == Category::RwPrioritas)
    {
        assert!(l.name.starts_with("RW "), "{}", l.name);
        assert!(
            seen.insert((&l.kelurahan_code, &l.name)),
            "{} twice",
            l.name
        );
    }
}

#[test]
fn every_location_is_demo_data_with_a_plausible_private_contact() {
    let locations = generate(areas(), 1500, DEFAULT_SEED);
    let verified = locations.iter().filter(|l| l.verified).count();
    assert!(
        (1125..=1275).contains(&verified),
        "{verified} of 1500 verified"
    );
    for l in &locations {
        assert!(l.demo);
        let digits = l
            .contact_phone
            .strip_prefix("+628")
            .expect("an Indonesian mobile");
        assert_eq!(digits.len(), 10, "{}", l.contact_phone);
        assert!(
            digits.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            l.contact_phone
        );
        assert_eq!(l.contact_name.split(' ').count(), 2, "{}", l.contact_name);
        let kelurahan = &kelurahan()[l.kelurahan_code.as_str()].name;
        assert!(
            l.address.ends_with(&format!(", Kel. {kelurahan}")),
            "{}",
            l.address
        );
        assert!(!l.name.is_empty() && l.description.ends_with('.'));
    }
}

#[test]
fn the_generator_stream_is_fixed() {
    // SplitMix64's published first outputs for seed 0; a change here would
    // silently change every deployment's demo data.
    let mut rng = SplitMix64(0);
    assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    for _ in 0..1000 {
        let u = rng.unit();
        assert!((0.0..1.0).contains(&u));
        assert!((3..=7).contains(&rng.range(3, 7)));
    }
}
