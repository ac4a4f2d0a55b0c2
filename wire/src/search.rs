//! Forgiving place search and distances, shared by the browser and tests.
//!
//! Text is compared in a folded form ([`fold`]): lower case, without
//! diacritics, spaces or punctuation, with leading zeros of numbers
//! dropped, so "RW 05 Kébon-Jeruk" and "rw5 kebonjeruk" are the same text.
//! [`matches`] then allows a few typing mistakes, more for longer queries.

/// Lower-cases `s`, removes Latin diacritics (Latin-1 and Latin Extended-A),
/// drops everything that is not a letter or digit, and drops the leading
/// zeros of each run of digits ("RW 05" → `rw5`, "007" → `7`, "0" → `0`).
#[must_use]
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut digits = Digits::Outside;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits = match (digits, c) {
                (Digits::Number, _) => {
                    out.push(c);
                    Digits::Number
                }
                (_, '0') => Digits::Zeros,
                _ => {
                    out.push(c);
                    Digits::Number
                }
            };
            continue;
        }
        if digits == Digits::Zeros {
            out.push('0');
        }
        digits = Digits::Outside;
        for lower in c.to_lowercase() {
            match unaccented(lower) {
                Some(base) => out.push_str(base),
                None if lower.is_alphanumeric() => out.push(lower),
                None => {}
            }
        }
    }
    if digits == Digits::Zeros {
        out.push('0');
    }
    out
}

/// Where [`fold`] is relative to a run of digits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Digits {
    Outside,
    /// Only zeros so far: held back (one is written if nothing else comes).
    Zeros,
    /// Past the leading zeros: every digit is kept.
    Number,
}

/// The plain letters of a lower-case Latin-1 or Latin Extended-A letter
/// with a diacritic (or a ligature); `None` for every other character.
fn unaccented(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ð' | 'ď' | 'đ' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// The folded text of several fields (a place's name and its area names),
/// searched as one: [`fold`] never writes a space, so an exact match never
/// runs across two fields and an approximate one pays an edit to do so.
#[must_use]
pub fn haystack<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let folded: Vec<String> = fields.into_iter().map(fold).collect();
    folded.join(" ")
}

/// How many edits a query of `len` characters may be away from the text:
/// none below 4 characters, one up to 7, two from 8.
#[must_use]
pub fn allowed_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether the folded `query` occurs in the folded `haystack`, exactly or
/// within [`allowed_edits`] insertions, deletions or substitutions
/// (approximate substring matching, Sellers 1980: O(len(query)·len(haystack))
/// time, O(len(query)) memory). An empty query matches everything.
#[must_use]
pub fn matches(query: &str, haystack: &str) -> bool {
    if haystack.contains(query) {
        return true;
    }
    let q: Vec<char> = query.chars().collect();
    let k = allowed_edits(q.len());
    if k == 0 {
        return false;
    }
    // `col[i]`: the fewest edits that turn `q[..i]` into some substring of
    // the haystack ending at the current character. Row 0 is always 0: a
    // match may start anywhere.
    let mut col: Vec<usize> = (0..=q.len()).collect();
    for h in haystack.chars() {
        let mut diagonal = col[0];
        for i in 1..=q.len() {
            let left = col[i];
            let substitute = diagonal + usize::from(q[i - 1] != h);
            col[i] = substitute.min(left + 1).min(col[i - 1] + 1);
            diagonal = left;
        }
        if col[q.len()] <= k {
            return true;
        }
    }
    false
}

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS84 points in degrees
/// (haversine on a sphere: within 0.5 % of the ellipsoid, plenty for "near").
#[must_use]
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A place as the "near me" page searches it: name, kelurahan,
    /// kecamatan, kota.
    fn place(name: &str) -> String {
        haystack([name, "Kebon Jeruk", "Kebon Jeruk", "Jakarta Barat"])
    }

    fn finds(query: &str, hay: &str) -> bool {
        matches(&fold(query), hay)
    }

    #[test]
    fn folding_ignores_case_accents_punctuation_and_leading_zeros() {
        assert_eq!(fold("Kebon Jeruk"), "kebonjeruk");
        assert_eq!(fold("KEBON-JERUK"), "kebonjeruk");
        assert_eq!(fold("Kébon Jeruk"), "kebonjeruk");
        assert_eq!(fold("RW 05"), "rw5");
        assert_eq!(fold("rw 5"), "rw5");
        assert_eq!(fold("rw05"), "rw5");
        assert_eq!(fold("RT 003/RW 010"), "rt3rw10");
        assert_eq!(fold("RW 00"), "rw0");
        assert_eq!(fold("0"), "0");
        assert_eq!(fold("100"), "100");
        assert_eq!(
            fold("Jl. H. Ñandú, Straße Œuvre Æsir"),
            "jlhnandustrasseoeuvreaesir"
        );
        assert_eq!(fold("ĄĆĘŁŃŚŹŻ İstanbul Ğ Ÿ"), "acelnszzistanbulgy");
        assert_eq!(fold("  .-/ "), "");
    }

    #[test]
    fn spellings_of_kebon_jeruk_find_a_place_there() {
        let hay = place("Posko Warga Kebon Jeruk");
        for query in [
            "Kebon Jeruk",
            "kebonjeruk",
            "KEBON-JERUK",
            "Kébon Jeruk",
            "kebon jeruck",
            "kebn jeruk",
        ] {
            assert!(finds(query, &hay), "{query}");
        }
        // Through the area names alone, whatever the place is called.
        let hay = place("Panti Asuhan Harapan");
        assert!(finds("kebon jeruck", &hay));
        assert!(finds("Jakarta Brat", &hay));
    }

    #[test]
    fn rw_numbers_match_with_or_without_leading_zeros() {
        let hay = place("RW 05 Kebon Jeruk");
        for query in ["rw 5", "RW 05", "rw05", "RW5"] {
            assert!(finds(query, &hay), "{query}");
        }
        // Short queries must match exactly: RW 6 is another place.
        assert!(!finds("rw 6", &hay));
        assert!(!finds("rw 06", &hay));
    }

    #[test]
    fn other_places_do_not_match() {
        let hay = place("RW 05 Kebon Jeruk");
        assert!(!finds("tebet", &hay));
        assert!(!finds("menteng", &hay));
        assert!(!finds("pesantren", &hay));
        assert!(!finds("kebayoran lama", &hay));
    }

    #[test]
    fn the_number_of_edits_grows_with_the_query() {
        assert_eq!(allowed_edits(3), 0);
        assert_eq!(allowed_edits(4), 1);
        assert_eq!(allowed_edits(7), 1);
        assert_eq!(allowed_edits(8), 2);
        // 3 characters: exact only.
        assert!(matches("abc", "xxabcxx"));
        assert!(!matches("abd", "xxabcxx"));
        // 5 characters: one substitution, insertion or deletion.
        assert!(matches("tebet", "xtebatx"));
        assert!(matches("tebet", "xtebxetx"));
        assert!(matches("tebet", "xtbetx"));
        assert!(!matches("tebet", "xtabatx"));
        // 8 characters: two.
        assert!(matches("cempakap", "cempakaputih"));
        assert!(matches("cempxkxp", "cempakaputih"));
        assert!(!matches("cxmpxkxp", "cempakaputih"));
    }

    #[test]
    fn an_empty_query_matches_everything() {
        assert!(matches("", ""));
        assert!(matches("", &place("RW 05 Kebon Jeruk")));
        assert!(matches(&fold(" - "), "anything"));
    }

    #[test]
    fn monas_to_bundaran_hi_is_about_two_kilometres() {
        let d = distance_m(-6.175_392, 106.827_153, -6.194_888, 106.823_060);
        assert!((1_900.0..=2_300.0).contains(&d), "{d}");
        assert!(distance_m(-6.2, 106.8, -6.2, 106.8).abs() < 1e-9);
        // Symmetric.
        let back = distance_m(-6.194_888, 106.823_060, -6.175_392, 106.827_153);
        assert!((d - back).abs() < 1e-6);
    }
}
