//! The two text formats gen-areas reads: simple CSV files and the
//! degree-minute-second coordinates of `islands.csv`.

use std::path::Path;

pub type Row = Vec<String>;

/// Reads a CSV file whose first non-comment line must equal `header`, and
/// whose every row has that many fields. Lines starting with `#` are
/// comments (only the hand-written positions file has them).
pub fn read(path: &Path, header: &[&str]) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let found = lines.next().map(|(_, l)| parse_line(l)).transpose()?;
    if !found.is_some_and(|f| f.iter().map(String::as_str).eq(header.iter().copied())) {
        return Err(format!(
            "{}: expected header {}",
            path.display(),
            header.join(",")
        ));
    }
    lines
        .map(|(n, line)| {
            let at = || format!("{}:{}", path.display(), n + 1);
            let row = parse_line(line).map_err(|e| format!("{}: {e}", at()))?;
            if row.len() == header.len() {
                Ok(row)
            } else {
                Err(format!(
                    "{}: {} fields, expected {}",
                    at(),
                    row.len(),
                    header.len()
                ))
            }
        })
        .collect()
}

/// One CSV line (RFC 4180 without embedded newlines): a field may be quoted,
/// and a quote inside a quoted field is written twice.
pub fn parse_line(line: &str) -> Result<Row, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("unterminated quote in {line:?}"));
    }
    fields.push(field);
    Ok(fields)
}

/// `05°45'48.35" S 106°34'59.31" E` → `(lat, lon)` in signed decimal
/// degrees: south and west are negative.
pub fn parse_dms(text: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [lat, ns, lon, ew] = parts.as_slice() else {
        return Err(format!("coordinate {text:?} is not `DMS N|S DMS E|W`"));
    };
    let sign = |h: &str, pos: &str, neg: &str| {
        if h == pos {
            Ok(1.0)
        } else if h == neg {
            Ok(-1.0)
        } else {
            Err(format!("coordinate {text:?}: hemisphere {h:?}"))
        }
    };
    Ok((
        sign(ns, "N", "S")? * degrees(lat)?,
        sign(ew, "E", "W")? * degrees(lon)?,
    ))
}

fn degrees(dms: &str) -> Result<f64, String> {
    let bad = || format!("{dms:?} is not D°M'S\"");
    let (d, rest) = dms.split_once('°').ok_or_else(bad)?;
    let (m, s) = rest.split_once('\'').ok_or_else(bad)?;
    let s = s.strip_suffix('"').ok_or_else(bad)?;
    let [d, m, s] = [d, m, s].map(|x| x.parse::<f64>().map_err(|_| bad()));
    let (d, m, s) = (d?, m?, s?);
    if !(0.0..60.0).contains(&m) || !(0.0..60.0).contains(&s) {
        return Err(bad());
    }
    Ok(d + m / 60.0 + s / 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_and_undouble_quotes() {
        let line = r#"31.01.40001,31.01,"05°45'48.35"" S 106°34'59.31"" E",0,0,Pulau Air"#;
        let row = parse_line(line).unwrap();
        assert_eq!(row.len(), 6);
        assert_eq!(row[2], r#"05°45'48.35" S 106°34'59.31" E"#);
        assert_eq!(row[5], "Pulau Air");
        assert_eq!(
            parse_line(r#"1,"Lubuk Pakam I,II","Soka""an""#).unwrap(),
            ["1", "Lubuk Pakam I,II", "Soka\"an"]
        );
        assert_eq!(parse_line("a,,b").unwrap(), ["a", "", "b"]);
        assert_eq!(parse_line(r#""""#).unwrap(), [""]);
        assert!(parse_line(r#"a,"open"#).is_err());
    }

    #[test]
    fn south_and_west_coordinates_are_negative() {
        let (lat, lon) = parse_dms(r#"05°45'48.35" S 106°34'59.31" E"#).unwrap();
        assert!((lat + (5.0 + 45.0 / 60.0 + 48.35 / 3600.0)).abs() < 1e-12);
        assert!((lon - (106.0 + 34.0 / 60.0 + 59.31 / 3600.0)).abs() < 1e-12);
        let (lat, lon) = parse_dms(r#"03°19'03.44" N 097°07'41.73" W"#).unwrap();
        assert!((3.3..3.4).contains(&lat) && (-97.2..-97.1).contains(&lon));
    }

    #[test]
    fn malformed_coordinates_are_refused() {
        for bad in [
            "",
            r#"05°45'48.35" S"#,
            r#"05°75'48.35" S 106°34'59.31" E"#,
            r#"05°45'48.35" X 106°34'59.31" E"#,
            r#"05°45' S 106°34'59.31" E"#,
        ] {
            assert!(parse_dms(bad).is_err(), "{bad}");
        }
    }
}
