//! A page's head for link previews (chat apps and search results):
//! title, description and Open Graph tags written into the app's shell.
//! Everything written is escaped; nothing private is ever passed in.

use crate::i18n::Lang;

/// What a shared link shows.
#[derive(Debug, Clone)]
pub struct Meta {
    pub title: String,
    pub description: String,
    /// The page's absolute address (`og:url`).
    pub url: String,
    pub lang: Lang,
}

/// Text safe inside an HTML element or a double- or single-quoted attribute.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no place in a head.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Previews cut descriptions at about 160 characters; cut at a word.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', '.', ' ']))
}

/// The shell with this page's title and description in place of its own,
/// and the Open Graph and Twitter card tags before `</head>`.
#[must_use]
pub fn with_meta(shell: &str, meta: &Meta) -> String {
    let title = escape(&clip(&meta.title, 120));
    let description = escape(&clip(&meta.description, 200));
    let url = escape(&meta.url);
    let locale = match meta.lang {
        Lang::Id => "id_ID",
        Lang::En => "en_US",
    };
    let mut html = replace_between(shell, "<title>", "</title>", &title);
    html = replace_description(&html, &description);
    let tags = format!(
        "<meta property=\"og:type\" content=\"website\" />\
         <meta property=\"og:site_name\" content=\"Kolaborasi\" />\
         <meta property=\"og:locale\" content=\"{locale}\" />\
         <meta property=\"og:title\" content=\"{title}\" />\
         <meta property=\"og:description\" content=\"{description}\" />\
         <meta property=\"og:url\" content=\"{url}\" />\
         <meta name=\"twitter:card\" content=\"summary\" />\
         <link rel=\"canonical\" href=\"{url}\" />\n  "
    );
    match html.find("</head>") {
        Some(at) => html.insert_str(at, &tags),
        None => html.insert_str(0, &tags),
    }
    html
}

fn replace_between(html: &str, open: &str, close: &str, with: &str) -> String {
    let Some(start) = html.find(open).map(|i| i + open.len()) else {
        return html.to_owned();
    };
    let Some(end) = html[start..].find(close).map(|i| i + start) else {
        return html.to_owned();
    };
    format!("{}{with}{}", &html[..start], &html[end..])
}

/// Replaces the content of `<meta name="description" content="…">`, or adds one.
fn replace_description(html: &str, description: &str) -> String {
    const TAG: &str = "<meta name=\"description\" content=\"";
    match html.find(TAG) {
        Some(_) => replace_between(html, TAG, "\"", description),
        None => html.replacen(
            "</title>",
            &format!("</title>\n    <meta name=\"description\" content=\"{description}\" />"),
            1,
        ),
    }
}

/// "Rp1.250.000" (Indonesian) or "Rp1,250,000" (English).
#[must_use]
pub fn rupiah(lang: Lang, value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let sep = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let mut grouped = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(d);
    }
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}Rp{grouped}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELL: &str = "<!doctype html><html><head><meta name=\"description\" content=\"Default\" /><title>Kolaborasi</title></head><body></body></html>";

    #[test]
    fn the_page_head_replaces_the_default_and_escapes_everything() {
        let meta = Meta {
            title: "Panti \"Kasih\" <Ibu> & Anak".into(),
            description: "Pesantren di Gambir, Jakarta Pusat. 'Bantu'".into(),
            url: "https://kolaborasi.example.id/lokasi/3".into(),
            lang: Lang::Id,
        };
        let html = with_meta(SHELL, &meta);
        assert!(html.contains("<title>Panti &quot;Kasih&quot; &lt;Ibu&gt; &amp; Anak</title>"));
        assert!(html.contains(
            "<meta name=\"description\" content=\"Pesantren di Gambir, Jakarta Pusat. &#39;Bantu&#39;\" />"
        ));
        assert!(html.contains(
            "<meta property=\"og:title\" content=\"Panti &quot;Kasih&quot; &lt;Ibu&gt; &amp; Anak\" />"
        ));
        assert!(!html.contains("Default"));
        assert!(!html.contains("<Ibu>"));
        assert_eq!(html.matches("<title>").count(), 1);
        assert!(html.find("og:url").unwrap() < html.find("</head>").unwrap());
    }

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let long = "kata ".repeat(100);
        let cut = clip(&long, 160);
        assert!(cut.chars().count() <= 160);
        assert!(cut.ends_with("kata…"));
    }

    #[test]
    fn amounts_are_grouped_as_each_language_writes_them() {
        assert_eq!(rupiah(Lang::Id, 1_250_000), "Rp1.250.000");
        assert_eq!(rupiah(Lang::En, 1_250_000), "Rp1,250,000");
        assert_eq!(rupiah(Lang::Id, 500), "Rp500");
    }
}

/// The Content-Security-Policy of the app's pages: scripts only from this
/// site plus the shell's own inline loader (by its hash, so no other inline
/// script runs), WebAssembly allowed, map tiles from the configured host,
/// nothing framed, no plugins. Styles may be inline (the map positions its
/// tiles with style attributes); scripts may not.
#[must_use]
pub fn content_security_policy(shell: &str, tile_url: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let mut scripts = String::new();
    let mut rest = shell;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        let body = &after[body_start..body_start + close];
        if !tag.contains(" src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            let _ = write!(
                scripts,
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            );
        }
        rest = &after[body_start + close..];
    }
    let tiles = tile_origin(tile_url)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; \
         connect-src 'self'; font-src 'self'; worker-src 'self'; manifest-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `https://{s}.tile.example.org/{z}/{x}/{y}.png` → `https://*.tile.example.org`.
fn tile_origin(template: &str) -> Option<String> {
    let (scheme, rest) = template.split_once("://")?;
    let host = rest.split('/').next()?;
    let host = host.replace("{s}", "*");
    let valid = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'*' | b'[' | b']')
        });
    (valid && matches!(scheme, "http" | "https")).then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod csp_tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_hash_only_and_tiles_by_origin() {
        let shell = "<head><script src=\"/a.js\" defer></script><script type=\"module\">init();</script></head>";
        let csp = content_security_policy(shell, "https://{s}.tile.example.org/{z}/{x}/{y}.png");
        // sha256("init();"), base64.
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        assert!(
            csp.contains("img-src 'self' data: blob: https://*.tile.example.org;"),
            "{csp}"
        );
        assert!(
            !csp.contains("'unsafe-inline'; img")
                || csp.contains("style-src 'self' 'unsafe-inline'")
        );
        assert_eq!(tile_origin("javascript:alert(1)"), None);
        assert_eq!(tile_origin("https://evil.org\"; x/{z}"), None);
    }
}
