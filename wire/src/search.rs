//! Forgiving place search and distances, shared by the browser and tests.
//!
//! Text is compared in a folded form ([`fold`]): lower case, without
//! diacritics, spaces or punctuation, with leading zeros of numbers
//! dropped, so "RW 05 Kébon-Jeruk" and "rw5 kebonjeruk" are the same text.
//! [`matches`] then allows a few typing mistakes, more for longer queries,
//! and [`Search`] applies it to a place's fields as people type: the whole
//! query, or each of its words, within one field.

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

/// Separates the fields of a [`haystack`]; [`fold`] never writes it.
pub const FIELD_SEPARATOR: char = ' ';

/// The folded text of several fields (a place's name and its area names),
/// built once per place and searched with [`Search`].
#[must_use]
pub fn haystack<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let folded: Vec<String> = fields.into_iter().map(fold).collect();
    folded.join(&FIELD_SEPARATOR.to_string())
}

/// How a place matched a [`Search`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// The query, or each of its words, occurs as typed (once folded).
    Exact,
    /// Only within the typing mistakes [`matches`] allows.
    Approximate,
}

/// A query as typed, folded once. It matches a haystack when the whole
/// query (spaces ignored: "kebon jeruk" = "kebonjeruk") lies within one
/// field, or when each of its words lies within some field ("RW 05 Kebon
/// Jeruk" finds "RW 05 Kelurahan Kebon Jeruk"). A number stays with the
/// word before it, so "RW 05" is one word and does not find RW 15.
/// Matching within fields, never across them, keeps the end of one name
/// and the start of the next from making up a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    whole: Pattern,
    words: Vec<Pattern>,
}

impl Search {
    #[must_use]
    pub fn new(query: &str) -> Self {
        let mut words: Vec<String> = Vec::new();
        for word in query.split(|c: char| !c.is_alphanumeric()).map(fold) {
            match words.last_mut() {
                _ if word.is_empty() => {}
                Some(last) if word.bytes().all(|b| b.is_ascii_digit()) => last.push_str(&word),
                _ => words.push(word),
            }
        }
        // Every word must match: the longest (the rarest, usually) is
        // tried first, so most places are turned down after one word.
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        Self {
            whole: Pattern::new(&fold(query)),
            words: words.iter().map(|w| Pattern::new(w)).collect(),
        }
    }

    /// Nothing to look for: every place matches.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.whole.text.is_empty()
    }

    /// How `haystack` (from [`haystack`]) matches, if it does.
    #[must_use]
    pub fn fit(&self, haystack: &str) -> Option<Fit> {
        if self.is_exact_in(haystack) {
            Some(Fit::Exact)
        } else if self.is_near(haystack) {
            Some(Fit::Approximate)
        } else {
            None
        }
    }

    /// Whether it matches [`Fit::Exact`]ly: cheap, so a caller that shows
    /// exact matches first can skip [`Search::is_near`] when there are some.
    #[must_use]
    pub fn is_exact_in(&self, haystack: &str) -> bool {
        self.found(haystack, |p, field| field.contains(p.text.as_str()))
    }

    /// Whether it matches at all, exactly or approximately.
    #[must_use]
    pub fn is_near(&self, haystack: &str) -> bool {
        self.found(haystack, Pattern::is_in)
    }

    fn found(&self, haystack: &str, test: impl Fn(&Pattern, &str) -> bool) -> bool {
        let within = |p: &Pattern| haystack.split(FIELD_SEPARATOR).any(|f| test(p, f));
        within(&self.whole) || (self.words.len() > 1 && self.words.iter().all(within))
    }
}

/// A folded query prepared once for [`matches`] against many haystacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    chars: Vec<char>,
    /// The edits allowed ([`allowed_edits`]).
    k: usize,
    /// `k + 1` consecutive pieces of `text` (byte ranges): a haystack
    /// within `k` edits holds at least one of them exactly, since each edit
    /// spoils at most one piece.
    pieces: Vec<std::ops::Range<usize>>,
}

/// Longest query whose table lives on the stack.
const STACK_ROWS: usize = 64;

impl Pattern {
    #[must_use]
    pub fn new(folded: &str) -> Self {
        let chars: Vec<char> = folded.chars().collect();
        let (m, k) = (chars.len(), allowed_edits(chars.len()));
        let cut = |i: usize| {
            folded
                .char_indices()
                .nth(i * m / (k + 1))
                .map_or(folded.len(), |(b, _)| b)
        };
        Self {
            text: folded.to_owned(),
            pieces: (0..=k).map(|i| cut(i)..cut(i + 1)).collect(),
            chars,
            k,
        }
    }

    /// [`matches`] with this query: Sellers' table, computed only where it
    /// can still be within `k` (Ukkonen's cut-off), and only for haystacks
    /// that hold one of the pieces.
    #[must_use]
    pub fn is_in(&self, haystack: &str) -> bool {
        if haystack.contains(self.text.as_str()) {
            return true;
        }
        let (q, k, m) = (&self.chars, self.k, self.chars.len());
        if k == 0
            || !self
                .pieces
                .iter()
                .any(|r| haystack.contains(&self.text[r.clone()]))
        {
            return false;
        }
        let mut stack = [0_usize; STACK_ROWS + 1];
        let mut heap = Vec::new();
        let col: &mut [usize] = if m <= STACK_ROWS {
            &mut stack[..=m]
        } else {
            heap.resize(m + 1, 0);
            &mut heap
        };
        // `col[i]`: the fewest edits that turn `q[..i]` into some substring
        // of the haystack ending at the current character. Row 0 is always
        // 0: a match may start anywhere. Rows past `last` are not kept up
        // to date: they are known to be over `k`, all that matters of them.
        for (i, c) in col.iter_mut().enumerate() {
            *c = i;
        }
        let mut last = k;
        for h in haystack.chars() {
            let top = (last + 1).min(m);
            let mut diagonal = 0;
            for i in 1..=top {
                let left = if i <= last { col[i] } else { k + 1 };
                let substitute = diagonal + usize::from(q[i - 1] != h);
                col[i] = substitute.min(left + 1).min(col[i - 1] + 1);
                diagonal = left;
            }
            last = top;
            while last > 0 && col[last] > k {
                last -= 1;
            }
            if last == m {
                return true;
            }
        }
        false
    }
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
/// time, O(len(query)) memory). An empty query matches everything. To test
/// one query against many haystacks, prepare it once with [`Pattern`].
#[must_use]
pub fn matches(query: &str, haystack: &str) -> bool {
    Pattern::new(query).is_in(haystack)
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
        Search::new(query).fit(hay).is_some()
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
            assert!(matches(&fold(query), &fold("Kebon Jeruk")), "{query}");
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
            assert!(matches(&fold(query), &fold("RW 05 Kebon Jeruk")), "{query}");
        }
        // Short queries must match exactly: RW 6 is another place.
        assert!(!finds("rw 6", &hay));
        assert!(!finds("rw 06", &hay));
    }

    #[test]
    fn other_places_do_not_match() {
        let hay = place("RW 05 Kebon Jeruk");
        assert!(!matches("tebet", &fold("Kebon Jeruk")));
        assert!(!finds("tebet", &hay));
        assert!(!finds("menteng", &hay));
        assert!(!finds("pesantren", &hay));
        assert!(!finds("kebayoran lama", &hay));
    }

    #[test]
    fn words_may_lie_in_different_fields_but_never_straddle_two() {
        let search = Search::new("RW 05 Kebon Jeruk");
        assert_eq!(
            search.fit(&place("RW 05 Kelurahan Kebon Jeruk")),
            Some(Fit::Exact)
        );
        assert_eq!(search.fit(&place("RW 15 Kelurahan Kebon Jeruk")), None);
        assert_eq!(
            Search::new("kebon jeruck").fit(&place("Sablon Makmur")),
            Some(Fit::Approximate)
        );
        // "…Utara" + "Kebon Jeruk" is two edits from "rw5kebonjeruk" only
        // across the field boundary.
        let other = haystack(["Sablon Makmur", "Sukabumi Utara", "Kebon Jeruk"]);
        assert_eq!(Search::new("RW 05 kebonjeruk").fit(&other), None);
        assert!(Search::new(" ").is_empty());
        assert_eq!(Search::new("").fit(""), Some(Fit::Exact));
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

    /// The whole table, no shortcuts: what [`matches`] must agree with.
    fn reference(query: &str, haystack: &str) -> bool {
        let q: Vec<char> = query.chars().collect();
        let k = allowed_edits(q.len());
        let mut col: Vec<usize> = (0..=q.len()).collect();
        if col[q.len()] <= k {
            return true;
        }
        for h in haystack.chars() {
            let mut diagonal = col[0];
            for i in 1..=q.len() {
                let left = col[i];
                col[i] = (diagonal + usize::from(q[i - 1] != h))
                    .min(left + 1)
                    .min(col[i - 1] + 1);
                diagonal = left;
            }
            if col[q.len()] <= k {
                return true;
            }
        }
        false
    }

    #[test]
    fn the_shortcuts_change_no_answer() {
        // A small alphabet makes near misses common; a fixed generator
        // makes the run repeatable.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        };
        let word = |len: u64, next: &mut dyn FnMut(u64) -> u64| -> String {
            (0..len)
                .map(|_| char::from(b'a' + u8::try_from(next(3)).unwrap_or(0)))
                .collect()
        };
        let mut agreed = [0_u32; 2];
        for _ in 0..20_000 {
            let q_len = 1 + next(11);
            let h_len = next(25);
            let q = word(q_len, &mut next);
            let h = word(h_len, &mut next);
            let expected = reference(&q, &h);
            assert_eq!(matches(&q, &h), expected, "{q} in {h}");
            agreed[usize::from(expected)] += 1;
        }
        // Both answers were exercised.
        assert!(agreed.iter().all(|&n| n > 1000), "{agreed:?}");
        // Non-ASCII letters are whole characters (and pieces end between them).
        assert!(matches("çapkın", "xxçapkinxx"));
        assert!(!matches("çapkın", "xxcapkinxx"));
    }

    #[test]
    fn an_empty_query_matches_everything() {
        assert!(matches("", ""));
        assert!(matches("", &place("RW 05 Kebon Jeruk")));
        assert!(matches(&fold(" - "), "anything"));
        assert!(finds(" - ", "anything"));
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
