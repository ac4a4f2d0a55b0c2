//! Word lists for plausible, generic Indonesian demo names. Institution
//! names are common generic ones (many real places share them); none is
//! meant to point at a real place, and the UI labels all of them as demo.

use kolaborasi_shared::Category;

use super::SplitMix64;
use words::{
    DISABILITAS, DISABILITAS_KINDS, MARGA, MEN, MEN_LAST, MOBILE_PREFIXES, PANTI_ASUHAN, PESANTREN,
    PESANTREN_KINDS, SHOP_WORDS, STREET_SUFFIXES, STREETS, UMKM_BU, UMKM_PAK, UMKM_SHOP, WERDHA,
    WERDHA_KINDS, WOMEN, WOMEN_LAST,
};

#[rustfmt::skip] // word lists read better packed than one word per line
mod words {
    pub const MEN: &[&str] = &[
        "Joko", "Budi", "Agus", "Slamet", "Dedi", "Hendra", "Rahmat", "Ahmad", "Yusuf", "Bambang",
        "Andi", "Eko", "Hasan", "Iwan", "Ridwan", "Sutrisno", "Wahyu", "Fauzi", "Irfan", "Rudi",
        "Heru", "Imam", "Teguh", "Arif", "Dimas", "Supriadi", "Mulyadi", "Rizki", "Taufik", "Yanto",
    ];
    pub const WOMEN: &[&str] = &[
        "Sari", "Siti", "Dewi", "Rina", "Yanti", "Nur", "Lestari", "Wati", "Ani", "Endang", "Fitri",
        "Ratna", "Sri", "Yuni", "Aisyah", "Nurhayati", "Kartini", "Murni", "Ida", "Rohmah", "Tuti",
        "Eka", "Wulan", "Maryam", "Lilis", "Nining", "Rosita", "Dian", "Indah", "Susi",
    ];
    /// Second names: men's, women's, and Batak family names used by both.
    pub const MEN_LAST: &[&str] = &[
        "Hidayat", "Saputra", "Santoso", "Setiawan", "Gunawan", "Kurniawan", "Nugroho", "Prasetyo",
        "Pratama", "Rahman", "Hakim", "Susanto", "Wibowo", "Firmansyah", "Permana", "Sulistyo",
        "Maulana", "Syahputra", "Purnomo", "Hidayatullah",
    ];
    pub const WOMEN_LAST: &[&str] = &[
        "Rahmawati", "Wulandari", "Utami", "Handayani", "Puspitasari", "Safitri", "Kusumawati",
        "Anggraini", "Susanti", "Purnamasari", "Hartati", "Maharani",
    ];
    pub const MARGA: &[&str] = &[
        "Siregar", "Nasution", "Simanjuntak", "Lubis", "Harahap", "Hutapea", "Sitompul", "Pane",
    ];
    pub const STREETS: &[&str] = &[
        "Melati", "Kenanga", "Mawar", "Anggrek", "Flamboyan", "Cempaka", "Dahlia", "Kamboja",
        "Nusa Indah", "Masjid", "Musholla", "Swadaya", "Gotong Royong", "Bhakti", "Karya", "Damai",
        "Sejahtera", "Pemuda", "Kali Baru", "Kebon Pisang", "Rawa Indah", "Pinang", "Sawo",
        "Rambutan", "Manggis", "Duku", "Belimbing", "Nangka", "Sukarela", "Harapan", "Rukun",
        "Delima", "Teratai", "Asem", "Bambu", "Waru", "Beringin", "Haji Ridi", "Haji Sanusi",
    ];
    pub const STREET_SUFFIXES: &[&str] = &[
        "", "", "", " Raya", " Dalam", " I", " II", " III", " IV",
    ];
    pub const PESANTREN: &[&str] = &[
        "Al-Hikmah", "Darul Ulum", "Al-Falah", "Nurul Huda", "Darussalam", "Al-Ikhlas",
        "Miftahul Jannah", "Nurul Iman", "Al-Muttaqin", "Baitul Makmur", "Darul Quran",
        "Al-Hidayah", "Raudhatul Jannah", "Manbaul Ulum", "Al-Barokah", "Tarbiyatul Islamiyah",
        "Al-Amanah", "Nurul Falah", "Riyadhus Shalihin", "Al-Istiqomah",
    ];
    pub const PESANTREN_KINDS: &[&str] = &[
        "Pondok Pesantren", "Pesantren", "Pondok Pesantren Tahfidz",
    ];
    pub const PANTI_ASUHAN: &[&str] = &[
        "Kasih Bunda", "Yatim Piatu Al-Ikhlas", "Bina Insani", "Putra Harapan", "Tunas Bangsa",
        "Mutiara Hati", "Kasih Ibu", "Darul Aitam", "Cahaya Harapan", "Pelita Kasih",
        "Yatim Dhuafa Nurul Hikmah", "Anak Bangsa", "Harapan Bunda", "Al-Amin", "Kasih Sejati",
    ];
    pub const WERDHA: &[&str] = &[
        "Kasih Sayang", "Bahagia", "Usia Emas", "Senja Bahagia", "Teduh", "Melati", "Harapan Kasih",
        "Sejahtera", "Lansia Mandiri", "Cinta Kasih", "Hari Tua Sentosa", "Kasih Abadi",
    ];
    pub const WERDHA_KINDS: &[&str] = &[
        "Panti Werdha", "Panti Sosial Tresna Werdha", "Rumah Lansia",
    ];
    pub const DISABILITAS: &[&str] = &[
        "Bina Daksa", "Harapan Bersama", "Mandiri", "Cahaya Hati", "Sinar Harapan", "Kasih",
        "Pelita", "Insan Mulia", "Tunas Harapan", "Setia Kawan",
    ];
    pub const DISABILITAS_KINDS: &[&str] = &[
        "Panti Disabilitas", "Yayasan Tuna Netra", "Yayasan Tuna Rungu",
        "Rumah Singgah Disabilitas",
    ];
    /// A shop word for names like "Konveksi Berkah Jaya".
    pub const SHOP_WORDS: &[&str] = &[
        "Berkah", "Barokah", "Jaya", "Makmur", "Sejahtera", "Mandiri", "Sentosa", "Abadi",
        "Sumber Rejeki", "Maju Jaya", "Rezeki", "Lancar", "Amanah", "Mekar", "Sinar", "Berkah Jaya",
    ];
    /// Micro businesses run by a woman ("Bu …").
    pub const UMKM_BU: &[&str] = &[
        "Warung Makan", "Warung Nasi", "Katering", "Warung Sembako", "Kue Basah", "Jamu Gendong",
        "Gado-Gado", "Nasi Uduk",
    ];
    /// Micro businesses run by a man ("Pak …").
    pub const UMKM_PAK: &[&str] = &[
        "Bengkel Motor", "Penjahit", "Bakso", "Sol Sepatu", "Servis Elektronik", "Pangkas Rambut",
        "Soto Betawi",
    ];
    /// Micro businesses named after a shop word.
    pub const UMKM_SHOP: &[&str] = &[
        "Konveksi", "Toko Kelontong", "Laundry", "Sablon", "Kedai Kopi", "Percetakan",
        "Toko Bangunan", "Kerajinan Bambu", "Keripik",
    ];
    /// Indonesian mobile prefixes after the trunk 0 (Telkomsel, Indosat, XL, Tri, Smartfren).
    pub const MOBILE_PREFIXES: &[&str] = &[
        "811", "812", "813", "821", "822", "823", "852", "853", "814", "815", "816", "855", "856",
        "857", "858", "817", "818", "819", "859", "877", "878", "895", "896", "897", "898", "881",
    ];
}

pub fn person(rng: &mut SplitMix64) -> String {
    let (first, last) = if rng.chance(0.5) {
        (MEN, MEN_LAST)
    } else {
        (WOMEN, WOMEN_LAST)
    };
    let last = if rng.chance(0.15) { MARGA } else { last };
    format!("{} {}", rng.pick(first), rng.pick(last))
}

/// `+62`, a 3-digit mobile prefix and 8 digits, the common 13-digit shape.
/// The subscriber part starts with `0000` so a demo number is recognisably
/// made up and unlikely to reach a real person.
pub fn phone(rng: &mut SplitMix64) -> String {
    let mut number = format!("+62{}0000", rng.pick(MOBILE_PREFIXES));
    for _ in 0..4 {
        let digit = u8::try_from(rng.below(10)).expect("a digit fits in u8");
        number.push(char::from(b'0' + digit));
    }
    number
}

/// "Jl. Melati II No. 12, RT 03/RW 05, Kel. Gambir".
pub fn address(rng: &mut SplitMix64, rw: u32, kelurahan: &str) -> String {
    let kind = if rng.chance(0.2) { "Gg." } else { "Jl." };
    let street = format!(
        "{} {}{}",
        kind,
        rng.pick(STREETS),
        rng.pick(STREET_SUFFIXES)
    );
    let number = rng.range(1, 120);
    let rt = rng.range(1, 15);
    format!("{street} No. {number}, RT {rt:02}/RW {rw:02}, Kel. {kelurahan}")
}

pub fn location(rng: &mut SplitMix64, category: Category, kelurahan: &str, rw: u32) -> String {
    // Half of the institutions carry the kelurahan in their name, as many do.
    let place = |rng: &mut SplitMix64, name: String| {
        if rng.chance(0.5) {
            format!("{name} {kelurahan}")
        } else {
            name
        }
    };
    match category {
        Category::RwPrioritas => format!("RW {rw:02} Kelurahan {kelurahan}"),
        Category::Pesantren => {
            let name = format!("{} {}", rng.pick(PESANTREN_KINDS), rng.pick(PESANTREN));
            place(rng, name)
        }
        Category::PantiAsuhan => format!("Panti Asuhan {}", rng.pick(PANTI_ASUHAN)),
        Category::PantiJompo => format!("{} {}", rng.pick(WERDHA_KINDS), rng.pick(WERDHA)),
        Category::PantiDisabilitas => {
            let name = format!("{} {}", rng.pick(DISABILITAS_KINDS), rng.pick(DISABILITAS));
            place(rng, name)
        }
        Category::Umkm => match rng.below(3) {
            0 => format!("{} Bu {}", rng.pick(UMKM_BU), rng.pick(WOMEN)),
            1 => format!("{} Pak {}", rng.pick(UMKM_PAK), rng.pick(MEN)),
            _ => format!("{} {}", rng.pick(UMKM_SHOP), rng.pick(SHOP_WORDS)),
        },
        Category::Lainnya => format!("Posko Warga {kelurahan}"),
    }
}

/// One generic sentence: it describes the kind of need, not a real place.
pub fn description(rng: &mut SplitMix64, category: Category) -> &'static str {
    let choices: &[&'static str] = match category {
        Category::RwPrioritas => &[
            "Permukiman padat yang membutuhkan dukungan sanitasi dan air bersih.",
            "Banyak keluarga prasejahtera yang membutuhkan bantuan pangan dan gizi anak.",
            "Kawasan rawan banjir dengan kebutuhan perbaikan saluran dan rumah warga.",
            "Warga membutuhkan dukungan kesehatan lingkungan dan fasilitas MCK umum.",
        ],
        Category::Pesantren => &[
            "Pesantren yang membutuhkan dukungan beasiswa santri dan perlengkapan belajar.",
            "Asrama santri memerlukan perbaikan fasilitas air bersih dan MCK.",
            "Pesantren membutuhkan bantuan bahan pangan untuk dapur umum santri.",
        ],
        Category::PantiAsuhan => &[
            "Panti asuhan yang membutuhkan dukungan biaya sekolah dan kebutuhan harian anak.",
            "Anak asuh membutuhkan perlengkapan sekolah, pakaian, dan bahan pangan.",
            "Panti membutuhkan bantuan perbaikan kamar tidur dan ruang belajar.",
        ],
        Category::PantiJompo => &[
            "Panti lansia yang membutuhkan dukungan layanan kesehatan dan obat-obatan.",
            "Penghuni lanjut usia membutuhkan popok dewasa, kursi roda, dan makanan bergizi.",
            "Panti membutuhkan tenaga pendamping dan perbaikan fasilitas kamar mandi.",
        ],
        Category::PantiDisabilitas => &[
            "Lembaga yang membutuhkan alat bantu dan pelatihan keterampilan bagi penyandang disabilitas.",
            "Penghuni membutuhkan terapi rutin dan fasilitas yang ramah disabilitas.",
            "Lembaga membutuhkan dukungan program kemandirian dan bahan pangan.",
        ],
        Category::Umkm => &[
            "Usaha mikro yang membutuhkan tambahan modal dan pendampingan pemasaran.",
            "Usaha keluarga yang membutuhkan peralatan produksi baru.",
            "Usaha mikro yang membutuhkan pelatihan pembukuan dan pemasaran daring.",
        ],
        Category::Lainnya => &["Lokasi yang membutuhkan dukungan warga sekitar."],
    };
    rng.pick(choices)
}
