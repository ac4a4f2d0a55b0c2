//! Generated demo locations, so a fresh deployment has a map worth looking at.
//!
//! The output depends only on the area file, the count and the seed: it uses
//! its own small PRNG rather than `rand`, whose generators may change their
//! streams between versions. Every location is marked `demo: true`.

mod names;
pub mod needs;

use kolaborasi_shared::{Category, HeadcountUnit};

use crate::area_data::AreaFile;
use crate::locations::NewLocation;

/// The seed used unless the deployment sets another one.
pub const DEFAULT_SEED: u64 = 0x4B53_4242_0031_0001;

/// Category shares in percent, roughly those of the KSBB programme's targets.
const MIX: [(Category, usize); 6] = [
    (Category::RwPrioritas, 40),
    (Category::Umkm, 25),
    (Category::Pesantren, 12),
    (Category::PantiAsuhan, 10),
    (Category::PantiJompo, 7),
    (Category::PantiDisabilitas, 6),
];
/// Below this spread a kelurahan is a small island: it gets a tenth of the
/// extra locations a mainland kelurahan gets.
const SMALL_PLACE_KM: f64 = 0.3;
const KM_PER_DEG_LAT: f64 = 110.574;
const KM_PER_DEG_LON_AT_EQUATOR: f64 = 111.320;

/// `SplitMix64` (Steele, Lea and Flood, 2014): a 64-bit state advanced by a
/// constant, then scrambled. Small, fast, and its stream is fixed forever.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`: 52 random mantissa bits under the exponent of 1.0.
    fn unit(&mut self) -> f64 {
        f64::from_bits(0x3FF0_0000_0000_0000 | (self.next_u64() >> 12)) - 1.0
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2⁻⁴⁰ here).
    #[allow(clippy::cast_possible_truncation)] // the high half of a u64 × u64 product fits in u64
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, len: usize) -> usize {
        let n = u64::try_from(len).expect("usize fits in u64");
        usize::try_from(self.below(n)).expect("below len fits in usize")
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let offset = self.below(u64::from(hi - lo) + 1);
        lo + u32::try_from(offset).expect("below a u32 span fits in u32")
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.index(i + 1));
        }
    }
}

/// A kelurahan that can hold points: its disc and the RW numbers used so far.
struct Place<'a> {
    code: &'a str,
    name: &'a str,
    lat: f64,
    lon: f64,
    spread_km: f64,
    last_rw: u32,
}

/// `count` demo locations over the kelurahan of `areas`. When `count` is at
/// least the number of kelurahan, every kelurahan gets one; the rest go to
/// random kelurahan, mainland ones ten times as likely as small islands.
/// Kelurahan without an anchor point cannot be placed and are skipped.
#[must_use]
pub fn generate(areas: &AreaFile, count: usize, seed: u64) -> Vec<NewLocation> {
    let mut rng = SplitMix64(seed);
    let mut places: Vec<Place> = areas
        .kelurahan()
        .filter_map(|a| {
            Some(Place {
                code: &a.code,
                name: &a.name,
                lat: a.lat?,
                lon: a.lon?,
                spread_km: a.spread_km?,
                last_rw: 0,
            })
        })
        .collect();
    if places.is_empty() {
        return Vec::new();
    }

    let mut targets: Vec<usize> = (0..places.len()).collect();
    rng.shuffle(&mut targets);
    targets.truncate(count);
    let weights: Vec<f64> = places
        .iter()
        .map(|p| {
            if p.spread_km < SMALL_PLACE_KM {
                1.0
            } else {
                10.0
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    while targets.len() < count {
        let mut left = rng.unit() * total;
        let chosen = weights.iter().position(|w| {
            left -= w;
            left < 0.0
        });
        targets.push(chosen.unwrap_or(places.len() - 1));
    }

    let mut categories = category_quotas(count);
    rng.shuffle(&mut categories);
    targets
        .into_iter()
        .zip(categories)
        .map(|(target, category)| location(&mut rng, &mut places[target], category))
        .collect()
}

/// Exactly `count` categories in the shares of [`MIX`] (largest remainder).
fn category_quotas(count: usize) -> Vec<Category> {
    let mut quotas: Vec<(Category, usize, usize)> = MIX
        .iter()
        .map(|&(c, pct)| (c, count * pct / 100, count * pct % 100))
        .collect();
    let assigned: usize = quotas.iter().map(|q| q.1).sum();
    let mut by_remainder: Vec<usize> = (0..quotas.len()).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse(quotas[i].2));
    for &i in by_remainder.iter().cycle().take(count - assigned) {
        quotas[i].1 += 1;
    }
    quotas
        .into_iter()
        .flat_map(|(c, n, _)| std::iter::repeat_n(c, n))
        .collect()
}

fn location(rng: &mut SplitMix64, place: &mut Place, category: Category) -> NewLocation {
    // RW numbers rise within a kelurahan, so repeated RW prioritas differ.
    let rw = if category == Category::RwPrioritas {
        let step = if place.last_rw == 0 { 6 } else { 3 };
        place.last_rw += rng.range(1, step);
        place.last_rw
    } else {
        rng.range(1, 12)
    };
    let (headcount, unit) = match category {
        Category::RwPrioritas => (rng.range(150, 600), HeadcountUnit::Families),
        Category::Pesantren => (rng.range(40, 400), HeadcountUnit::People),
        Category::PantiAsuhan => (rng.range(15, 80), HeadcountUnit::People),
        Category::PantiJompo => (rng.range(20, 120), HeadcountUnit::People),
        Category::PantiDisabilitas => (rng.range(20, 100), HeadcountUnit::People),
        Category::Umkm => (rng.range(1, 12), HeadcountUnit::People),
        Category::Lainnya => (rng.range(10, 100), HeadcountUnit::People),
    };
    // Uniform over the disc: the radius grows with the square root.
    let radius_km = place.spread_km * rng.unit().sqrt();
    let angle = std::f64::consts::TAU * rng.unit();
    let lat = place.lat + radius_km * angle.sin() / KM_PER_DEG_LAT;
    let lon_km_per_deg = KM_PER_DEG_LON_AT_EQUATOR * place.lat.to_radians().cos();
    let lon = place.lon + radius_km * angle.cos() / lon_km_per_deg;
    NewLocation {
        name: names::location(rng, category, place.name, rw),
        category,
        kelurahan_code: place.code.to_owned(),
        lat: round5(lat),
        lon: round5(lon),
        headcount,
        headcount_unit: unit,
        address: names::address(rng, rw, place.name),
        description: names::description(rng, category).to_owned(),
        contact_name: names::person(rng),
        contact_phone: names::phone(rng),
        verified: rng.chance(0.8),
        demo: true,
    }
}

fn round5(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

#[cfg(test)]
mod tests;
