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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn escapes_markup() {
        assert_eq!(
            html_escape("<b>\"A&B\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
        );
    }
}
