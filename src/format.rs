//! Numbers as each language groups them (`1.500` in Indonesian, `1,500` in
//! English), Rupiah amounts and calendar dates.

#[must_use]
pub fn grouped(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(ch);
    }
    out
}

/// A whole-Rupiah amount: `Rp1.250.000` (Indonesian), `Rp1,250,000` (English).
#[must_use]
pub fn rupiah(value: i64, separator: char) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}Rp{}", grouped(value.unsigned_abs(), separator))
}

/// A large amount shortened to three significant digits with a unit word:
/// `Rp72,6 miliar` / `Rp72.6 billion`, `Rp104 miliar`; amounts under a
/// million in full.
/// `units` are the words for 10^6, 10^9 and 10^12; `decimal` the decimal mark.
#[must_use]
pub fn rupiah_short(value: i64, separator: char, decimal: char, units: [&str; 3]) -> String {
    let v = value.unsigned_abs();
    let (scale, unit) = if v >= 1_000_000_000_000 {
        (1_000_000_000_000, units[2])
    } else if v >= 1_000_000_000 {
        (1_000_000_000, units[1])
    } else if v >= 1_000_000 {
        (1_000_000, units[0])
    } else {
        return rupiah(value, separator);
    };
    // One decimal below 100 units, none above (always three digits or fewer).
    let tenths = (v * 10 + scale / 2) / scale;
    let sign = if value < 0 { "-" } else { "" };
    if tenths >= 1000 {
        format!(
            "{sign}Rp{} {unit}",
            grouped((v + scale / 2) / scale, separator)
        )
    } else {
        format!("{sign}Rp{}{decimal}{} {unit}", tenths / 10, tenths % 10)
    }
}

/// `YYYY-MM-DD` as "12 Desember 2026", with the month names of a language
/// (January first); `None` when it is not a date.
#[must_use]
pub fn long_date(iso: &str, months: &[&str]) -> Option<String> {
    let days = kolaborasi_shared::validate::date(iso).ok()?;
    let canonical = kolaborasi_shared::validate::civil_from_days(days);
    let (year, rest) = canonical.split_once('-')?;
    let (month, day) = rest.split_once('-')?;
    let month = months.get(month.parse::<usize>().ok()?.checked_sub(1)?)?;
    Some(format!("{} {month} {year}", day.trim_start_matches('0')))
}

/// A distance as people judge it on foot or by motorbike: `350 m` (to
/// 10 m), `1,2 km` (to 100 m, with the language's decimal mark) below
/// 10 km, whole kilometres beyond; `< 10 m` on the spot.
#[must_use]
pub fn distance(metres: f64, separator: char, decimal: char) -> String {
    // Non-negative and far below 2^53 for any two points on Earth.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let round = |x: f64| x.max(0.0).round() as u64;
    let tens = round(metres / 10.0);
    if tens == 0 {
        "< 10 m".to_owned()
    } else if tens < 100 {
        format!("{} m", tens * 10)
    } else if round(metres / 100.0) < 100 {
        let tenths = round(metres / 100.0);
        format!("{}{decimal}{} km", tenths / 10, tenths % 10)
    } else {
        format!("{} km", grouped(round(metres / 1000.0), separator))
    }
}

/// Escapes text for inclusion in HTML built outside the view macro
/// (Leaflet popups take an HTML string).
#[must_use]
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// How long ago, as a translation key and its count: `("age.hours", 3)`.
#[must_use]
pub fn age(seconds: f64) -> (&'static str, u64) {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = seconds.max(0.0) as u64;
    match s {
        0..60 => ("age.just_now", 0),
        60..120 => ("age.minute", 1),
        120..3_600 => ("age.minutes", s / 60),
        3_600..7_200 => ("age.hour", 1),
        7_200..86_400 => ("age.hours", s / 3_600),
        86_400..172_800 => ("age.day", 1),
        _ => ("age.days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_round_down_to_the_largest_unit() {
        assert_eq!(age(-5.0), ("age.just_now", 0));
        assert_eq!(age(59.9), ("age.just_now", 0));
        assert_eq!(age(60.0), ("age.minute", 1));
        assert_eq!(age(179.0), ("age.minutes", 2));
        assert_eq!(age(3.0 * 3_600.0 + 59.0), ("age.hours", 3));
        assert_eq!(age(86_400.0 * 1.5), ("age.day", 1));
        assert_eq!(age(86_400.0 * 9.0), ("age.days", 9));
    }

    #[test]
    fn large_amounts_are_shortened() {
        let id = ["juta", "miliar", "triliun"];
        assert_eq!(rupiah_short(103_565_425_000, '.', ',', id), "Rp104 miliar");
        assert_eq!(rupiah_short(72_606_080_000, '.', ',', id), "Rp72,6 miliar");
        assert_eq!(rupiah_short(999_999, '.', ',', id), "Rp999.999");
        assert_eq!(rupiah_short(2_500_000, '.', ',', id), "Rp2,5 juta");
        assert_eq!(
            rupiah_short(6_738_977_090_000, '.', ',', id),
            "Rp6,7 triliun"
        );
        assert_eq!(
            rupiah_short(1_234_000_000_000_000, '.', ',', id),
            "Rp1.234 triliun"
        );
    }

    #[test]
    fn groups_thousands_with_the_given_separator() {
        assert_eq!(grouped(0, '.'), "0");
        assert_eq!(grouped(999, '.'), "999");
        assert_eq!(grouped(1500, '.'), "1.500");
        assert_eq!(grouped(1_250_000, ','), "1,250,000");
    }

    #[test]
    fn rupiah_has_no_space_and_groups_thousands() {
        assert_eq!(rupiah(1_250_000, '.'), "Rp1.250.000");
        assert_eq!(rupiah(0, '.'), "Rp0");
        assert_eq!(rupiah(-5000, ','), "-Rp5,000");
    }

    #[test]
    fn long_dates_name_the_month() {
        let months = [
            "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
        ];
        assert_eq!(
            long_date("2026-12-05", &months).as_deref(),
            Some("5 Des 2026")
        );
        assert_eq!(long_date("2026-02-30", &months), None);
    }

    #[test]
    fn distances_are_rounded_to_what_matters() {
        assert_eq!(distance(0.0, '.', ','), "< 10 m");
        assert_eq!(distance(4.9, '.', ','), "< 10 m");
        assert_eq!(distance(347.0, '.', ','), "350 m");
        assert_eq!(distance(994.0, '.', ','), "990 m");
        assert_eq!(distance(996.0, '.', ','), "1,0 km");
        assert_eq!(distance(1_234.0, '.', ','), "1,2 km");
        assert_eq!(distance(1_250.0, ',', '.'), "1.3 km");
        assert_eq!(distance(9_960.0, '.', ','), "10 km");
        assert_eq!(distance(12_345_678.0, '.', ','), "12.346 km");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            html_escape("<b>\"A&B\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
        );
    }
}
