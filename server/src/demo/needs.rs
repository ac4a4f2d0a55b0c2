//! Demo needs and commitments for demo locations: every demo location lists
//! what it needs, and some of it is already committed or delivered, so the
//! map's "still needs help / nearly covered / covered" colours mean
//! something on a fresh deployment. Deterministic for a seed, except for the
//! dates, which follow the clock so that open commitments are current.

use kolaborasi_shared::validate::{CODE_LEN, civil_from_days, format_tracking_code};
use kolaborasi_shared::{Category, CollaboratorKind};

use super::SplitMix64;

/// A demo location without needs yet.
pub struct Place {
    pub id: i64,
    pub category: Category,
    pub headcount: u32,
}

/// Package ids by catalogue slug (missing slugs are skipped).
pub struct Packages {
    pub ids: Vec<(&'static str, i64, i64, bool)>, // slug, id, unit value, once per family
}

impl Packages {
    pub const SLUGS: [&'static str; 7] = [
        "pangan-siap-saji",
        "pangan-sembako",
        "pangan-lebaran",
        "pangan-thr",
        "umkm-sarana-prasarana",
        "umkm-pinjaman-modal",
        "umkm-pelatihan",
    ];

    fn get(&self, slug: &str) -> Option<(i64, i64, bool)> {
        self.ids
            .iter()
            .find(|(s, ..)| *s == slug)
            .map(|(_, id, value, opf)| (*id, *value, *opf))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoNeed {
    pub location_id: i64,
    pub package_id: i64,
    pub target: i64,
    pub committed: i64,
    pub delivered: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCommitment {
    pub code: String,
    pub location_id: i64,
    pub delivered: bool,
    pub name: &'static str,
    pub kind: CollaboratorKind,
    pub show_name: bool,
    pub planned_date: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub closed_at: Option<i64>,
    /// `(package_id, quantity, unit_value)`.
    pub lines: Vec<(i64, i64, i64)>,
}

/// Fictional collaborators; the UI labels demo data as such.
const COLLABORATORS: [(&str, CollaboratorKind, bool); 8] = [
    ("PT Maju Bersama Sejahtera", CollaboratorKind::Company, true),
    ("PT Sinar Pangan Lestari", CollaboratorKind::Company, true),
    (
        "Yayasan Kasih Nusantara",
        CollaboratorKind::Organisation,
        true,
    ),
    (
        "Komunitas Berbagi Kota",
        CollaboratorKind::Organisation,
        true,
    ),
    (
        "Lembaga Amil Zakat Amanah Umat",
        CollaboratorKind::Aggregator,
        true,
    ),
    ("Dompet Sedekah Warga", CollaboratorKind::Aggregator, true),
    ("Hamba Allah", CollaboratorKind::Individual, false),
    ("Keluarga Santoso", CollaboratorKind::Individual, true),
];

fn targets(rng: &mut SplitMix64, place: &Place) -> Vec<(&'static str, i64)> {
    let hc = i64::from(place.headcount.max(1));
    let mut out = Vec::new();
    match place.category {
        Category::RwPrioritas => {
            out.push(("pangan-sembako", hc * 4));
            if rng.chance(0.6) {
                out.push(("pangan-lebaran", hc));
            }
            if rng.chance(0.3) {
                out.push(("pangan-thr", hc));
            }
            if rng.chance(0.25) {
                out.push(("pangan-siap-saji", hc * 10));
            }
        }
        Category::Pesantren
        | Category::PantiAsuhan
        | Category::PantiJompo
        | Category::PantiDisabilitas => {
            out.push(("pangan-siap-saji", hc * 30));
            if rng.chance(0.5) {
                out.push(("pangan-sembako", (hc + 3) / 4 * 4));
            }
            if rng.chance(0.5) {
                out.push(("pangan-lebaran", hc));
            }
        }
        Category::Umkm => {
            out.push(("umkm-sarana-prasarana", 1));
            if rng.chance(0.7) {
                out.push(("umkm-pinjaman-modal", 1));
            }
            if rng.chance(0.6) {
                out.push(("umkm-pelatihan", hc.clamp(1, 10)));
            }
        }
        Category::Lainnya => out.push(("pangan-sembako", hc * 2)),
    }
    out
}

fn code(rng: &mut SplitMix64) -> String {
    let symbols: [u8; CODE_LEN] =
        std::array::from_fn(|_| u8::try_from(rng.below(32)).expect("below 32 fits in u8"));
    format_tracking_code(symbols)
}

/// Needs for every place, and for some of them a delivered and/or an open
/// commitment whose quantities the needs' counters already include.
#[must_use]
pub fn generate(
    places: &[Place],
    packages: &Packages,
    seed: u64,
    now: i64,
    expiry_days: u32,
) -> (Vec<DemoNeed>, Vec<DemoCommitment>) {
    let mut rng = SplitMix64(seed ^ 0x6E65_6564_735F_7631);
    let mut needs = Vec::new();
    let mut commitments = Vec::new();
    let day = 86_400;
    let expiry = i64::from(expiry_days) * day;
    for place in places {
        let mut delivered_lines = Vec::new();
        let mut open_lines = Vec::new();
        // Most places are untouched, some partly helped, a few covered.
        let state = rng.unit();
        for (slug, target) in targets(&mut rng, place) {
            let Some((package_id, unit_value, _)) = packages.get(slug) else {
                continue;
            };
            let (mut delivered, mut committed) = (0, 0);
            if state >= 0.45 {
                let share = |rng: &mut SplitMix64, lo: f64, hi: f64| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
                    let q = (target as f64 * (lo + rng.unit() * (hi - lo))).round() as i64;
                    q.clamp(0, target)
                };
                if state < 0.70 {
                    delivered = share(&mut rng, 0.2, 0.6);
                } else if state < 0.85 {
                    committed = share(&mut rng, 0.3, 0.7);
                } else if state < 0.93 {
                    // Nearly covered: a tenth to a fifth left open.
                    delivered = share(&mut rng, 0.5, 0.7);
                    let open = share(&mut rng, 0.1, 0.2).max(1);
                    committed = (target - delivered - open).max(0);
                } else {
                    delivered = target;
                }
            }
            if delivered > 0 {
                delivered_lines.push((package_id, delivered, unit_value));
            }
            if committed > 0 {
                open_lines.push((package_id, committed, unit_value));
            }
            needs.push(DemoNeed {
                location_id: place.id,
                package_id,
                target,
                committed,
                delivered,
            });
        }
        for (lines, delivered) in [(delivered_lines, true), (open_lines, false)] {
            if lines.is_empty() {
                continue;
            }
            let (name, kind, show_name) = rng.pick(&COLLABORATORS);
            let age = i64::try_from(rng.below(u64::from(expiry_days.max(2) / 2))).unwrap_or(0);
            let created_at = now - (if delivered { 20 + age } else { age }) * day;
            let planned = created_at.div_euclid(day) + 3;
            commitments.push(DemoCommitment {
                code: code(&mut rng),
                location_id: place.id,
                delivered,
                name,
                kind,
                show_name,
                planned_date: civil_from_days(planned),
                created_at,
                expires_at: created_at + expiry,
                closed_at: delivered.then_some(planned * day + 12 * 3600),
                lines,
            });
        }
    }
    (needs, commitments)
}
