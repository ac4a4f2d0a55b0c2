//! Input rules shared by the form (inline hints) and the server (the rules
//! that count). Each check returns the translation key of its problem.

/// Longest collaborator or account name.
pub const NAME_MAX: usize = 120;
/// RFC 5321's limit on an address in a mail path.
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 10;
/// Argon2 hashes any length, but an unbounded password is a denial of service.
pub const PASSWORD_MAX: usize = 256;

/// Characters that change how text around them is shown without being
/// seen: direction overrides and isolates (a right-to-left override makes
/// `Yayasan\u{202E}atoK` read as another name), zero-width spaces and joiners,
/// the word joiner, invisible operators, the byte-order mark, the soft
/// hyphen. Nobody types them in a name or a note; they are refused there.
#[must_use]
pub fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Whether `text` has any [`is_hidden`] character.
#[must_use]
pub fn has_hidden(text: &str) -> bool {
    text.chars().any(is_hidden)
}

/// Free text a person writes (a report, a receipt's comment, a correction's
/// reason): trimmed, line breaks as `\n`, `min..=max` characters, no
/// other control character and nothing [`is_hidden`]; `None` otherwise.
#[must_use]
pub fn free_text(raw: &str, min: usize, max: usize) -> Option<String> {
    let text = raw.trim().replace("\r\n", "\n");
    let n = text.chars().count();
    ((min..=max).contains(&n)
        && !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || is_hidden(c)))
    .then_some(text)
}

/// A trimmed, non-empty name of at most [`NAME_MAX`] characters.
pub fn name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("error.field.name_required");
    }
    if has_hidden(name) {
        return Err("error.field.hidden_characters");
    }
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err("error.field.name_invalid");
    }
    Ok(name.to_owned())
}

/// A plausible e-mail address, lower-cased: `local@domain.tld`, no spaces.
/// Deliverability is not checked here.
pub fn email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("error.field.email_required");
    }
    let valid = email.len() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                })
        });
    if valid {
        Ok(email)
    } else {
        Err("error.field.email_invalid")
    }
}

/// An Indonesian mobile or landline number, written `08…`, `+62…` or `62…`
/// with optional spaces, dots, dashes or brackets; returned as `+62…`.
/// National significant numbers have 8 to 12 digits after the 0.
pub fn phone(raw: &str) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("error.field.phone_required");
    }
    let mut digits = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err("error.field.phone_invalid"),
        }
    }
    let national = if let Some(rest) = digits.strip_prefix("62") {
        rest
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest
    } else {
        return Err("error.field.phone_invalid");
    };
    let plus = trimmed.starts_with('+');
    if plus && !digits.starts_with("62") {
        return Err("error.field.phone_invalid");
    }
    if !(8..=12).contains(&national.len()) || national.starts_with('0') {
        return Err("error.field.phone_invalid");
    }
    Ok(format!("+62{national}"))
}

pub fn password(raw: &str) -> Result<(), &'static str> {
    let n = raw.chars().count();
    if n < PASSWORD_MIN {
        Err("error.field.password_short")
    } else if n > PASSWORD_MAX {
        Err("error.field.password_long")
    } else {
        Ok(())
    }
}

/// A calendar date `YYYY-MM-DD` as days since 1970-01-01.
pub fn date(raw: &str) -> Result<i64, &'static str> {
    parse_date(raw.trim()).ok_or("error.field.date_invalid")
}

fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        text.get(r)?.bytes().try_fold(0i64, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
#[must_use]
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of a day number (inverse of [`days_from_civil`]).
#[must_use]
pub fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Characters of tracking codes: Crockford's base 32 without I, L, O, U,
/// so a code read aloud or typed from paper is not misread.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Tracking codes are `XXXX-XXXX`.
pub const CODE_LEN: usize = 8;

/// A tracking code `XXXX-XXXX` from `CODE_LEN` random values, each taken
/// modulo 32 into [`CODE_ALPHABET`].
#[must_use]
pub fn format_tracking_code(symbols: [u8; CODE_LEN]) -> String {
    let mut code = String::with_capacity(CODE_LEN + 1);
    for (i, s) in symbols.iter().enumerate() {
        if i == CODE_LEN / 2 {
            code.push('-');
        }
        code.push(char::from(CODE_ALPHABET[usize::from(s & 31)]));
    }
    code
}

/// Normalises a typed tracking code: upper case, `-` and spaces ignored,
/// O→0 and I/L→1 as Crockford reads them. `None` when it cannot be one.
#[must_use]
pub fn tracking_code(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN + 1);
    for c in raw.chars().filter(|c| !matches!(c, '-' | ' ')) {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        if out.len() == CODE_LEN / 2 {
            out.push('-');
        }
        out.push(c);
    }
    (out.len() == CODE_LEN + 1).then_some(out)
}

/// `Idempotency-Key` values: 8–128 characters of `A–Z a–z 0–9 - _ . :`.
#[must_use]
pub fn idempotency_key(raw: &str) -> bool {
    (8..=128).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {

    #[test]
    fn free_text_is_trimmed_keeps_line_breaks_and_refuses_what_hides() {
        use super::free_text;
        assert_eq!(
            free_text("  Dua baris\r\nkedua  ", 1, 100).as_deref(),
            Some("Dua baris\nkedua")
        );
        assert_eq!(free_text("pendek", 10, 100), None);
        assert_eq!(free_text(&"x".repeat(11), 1, 10), None);
        assert_eq!(free_text("", 0, 10).as_deref(), Some(""));
        for bad in [
            "tab\there",
            "bell\u{7}",
            "lone\rreturn",
            "balik\u{202E}kata",
            "zero\u{200B}width",
        ] {
            assert_eq!(free_text(bad, 1, 100), None, "{bad:?}");
        }
    }

    #[test]
    fn names_with_direction_overrides_or_invisible_characters_are_refused() {
        for bad in [
            "Yayasan\u{202E}atoK",
            "PT\u{200B}Maju",
            "Budi\u{2066}x\u{2069}",
            "\u{FEFF}Siti",
            "Ani\u{00AD}sa",
        ] {
            assert_eq!(name(bad), Err("error.field.hidden_characters"), "{bad:?}");
        }
        assert_eq!(
            name("Koperasi Nūr – Ibu & Anak").as_deref(),
            Ok("Koperasi Nūr – Ibu & Anak")
        );
    }

    use super::*;

    #[test]
    fn indonesian_phone_numbers_normalise_to_plus_62() {
        assert_eq!(phone("0812-3456-7890"), Ok("+6281234567890".into()));
        assert_eq!(phone("+62 812 3456 789"), Ok("+628123456789".into()));
        assert_eq!(phone("6221 5550 1234"), Ok("+622155501234".into()));
        assert_eq!(phone("(021) 555-0123"), Ok("+62215550123".into()));
        for bad in [
            "",
            "12345",
            "+1 415 555 0100",
            "0812",
            "08123456789012345",
            "0812abc4567",
            "+0812345678",
        ] {
            assert!(phone(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn emails_need_a_domain_with_a_dot() {
        assert_eq!(email(" Siti@Contoh.co.id "), Ok("siti@contoh.co.id".into()));
        for bad in [
            "",
            "siti",
            "siti@",
            "@contoh.id",
            "siti@contoh",
            "si ti@contoh.id",
            "a@b@c.id",
            "a@-x.id",
        ] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        for s in ["1970-01-01", "2024-02-29", "2026-11-28", "2000-12-31"] {
            assert_eq!(civil_from_days(date(s).unwrap()), s);
        }
        assert_eq!(date("1970-01-02"), Ok(1));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "28-11-2026",
            "2026-11-31",
            "",
        ] {
            assert!(date(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn tracking_codes_forgive_case_dashes_and_lookalikes() {
        assert_eq!(tracking_code("k7q2m9xd").as_deref(), Some("K7Q2-M9XD"));
        assert_eq!(tracking_code("K7Q2-M9XO").as_deref(), Some("K7Q2-M9X0"));
        assert_eq!(tracking_code("K7Q2-M9X"), None);
        assert_eq!(tracking_code("K7Q2-M9XU"), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  PT Maju  "), Ok("PT Maju".into()));
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(NAME_MAX + 1)).is_err());
    }
}
