//! The web app's paths, known to both sides: the client's router draws
//! them, and the server answers them with the app (200) while any other
//! path that is not a file gets the app's not-found page with a 404, so
//! search engines and link checkers see what a person sees.

/// One segment of an app path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Exactly this text.
    Lit(&'static str),
    /// A numeric id (`/lokasi/12`).
    Id,
    /// A code as people type it: letters, digits and dashes (`/kolaborasi/AB12-CD34`).
    Code,
}

use Segment::{Code, Id, Lit};

/// The cookie that carries the visitor's language choice (`id` or `en`),
/// set by the client and read by the server for its first paint.
pub const LANG_COOKIE: &str = "kolaborasi_lang";

/// The fragment prefix that carries a manage token: `#kelola=TOKEN`.
/// A fragment is never sent to a server, nor in a `Referer`.
pub const MANAGE_FRAGMENT: &str = "kelola=";

/// The fragment prefix of an e-mailed confirmation link
/// (`/konfirmasi/{code}#t=TOKEN`).
pub const CONFIRM_FRAGMENT: &str = "t=";

/// Every route of the client's router (`src/lib.rs`), in its order.
pub const APP_ROUTES: &[&[Segment]] = &[
    &[],
    &[Lit("dekat")],
    &[Lit("lokasi"), Id],
    &[Lit("lokasi"), Id, Lit("bantu")],
    &[Lit("lokasi"), Id, Lit("lapor")],
    &[Lit("laporan")],
    &[Lit("laporan"), Code],
    &[Lit("usulkan")],
    &[Lit("kolaborasi")],
    &[Lit("kolaborasi"), Code],
    &[Lit("masuk")],
    &[Lit("daftar")],
    &[Lit("daftar"), Lit("konfirmasi")],
    &[Lit("saya")],
    &[Lit("tentang")],
    &[Lit("transparansi")],
    &[Lit("verifikasi")],
    &[Lit("dokumentasi-api")],
    &[Lit("konsol")],
    &[Lit("konsol"), Lit("kolaborasi"), Code],
    &[Lit("konsol"), Lit("lokasi"), Lit("baru")],
    &[Lit("konsol"), Lit("lokasi"), Id],
    &[Lit("konsol"), Lit("katalog")],
    &[Lit("konsol"), Lit("staf")],
    &[Lit("konsol"), Lit("audit")],
    &[Lit("konsol"), Lit("laporan"), Code],
    &[Lit("terima"), Code],
    &[Lit("konfirmasi"), Code],
    &[Lit("antrean")],
    &[Lit("kiosk")],
    &[Lit("kiosk"), Lit("tanda-terima")],
];

/// Whether `path` (without query or fragment) is a page of the app. One
/// trailing slash is forgiven, as the client's router forgives it.
#[must_use]
pub fn is_app_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').collect()
    };
    APP_ROUTES.iter().any(|route| {
        route.len() == segments.len()
            && route.iter().zip(&segments).all(|(want, got)| match want {
                Lit(text) => text == got,
                Id => is_id(got),
                Code => is_code(got),
            })
    })
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The app paths a location's own pages live at.
#[must_use]
pub fn location_path(id: i64) -> String {
    format!("/lokasi/{id}")
}

/// A collaboration's public tracking page.
#[must_use]
pub fn collaboration_path(code: &str) -> String {
    format!("/kolaborasi/{code}")
}

/// Which of the donor build's page chunks (`src/lazy.rs`, split by
/// `cargo xtask build-client`) draws `path`: `None` for the map (in the
/// main wasm) and for paths that are not a page. The client fetches that
/// chunk before it mounts; the server preloads its files with the page's
/// HTML, so both arrive with the main wasm instead of after it.
#[must_use]
pub fn page_chunk(path: &str) -> Option<&'static str> {
    if !is_app_path(path) {
        return None;
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "dekat" | "lokasi" | "usulkan" | "kolaborasi" | "antrean" => Some("place"),
        "laporan" | "masuk" | "daftar" | "saya" | "terima" | "konfirmasi" => Some("mine"),
        "tentang" | "transparansi" | "verifikasi" | "dokumentasi-api" => Some("info"),
        "kiosk" => Some("kiosk"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_app_path, page_chunk};

    #[test]
    fn pages_name_their_chunk() {
        assert_eq!(page_chunk("/"), None);
        assert_eq!(page_chunk("/lokasi/12"), Some("place"));
        assert_eq!(page_chunk("/lokasi/12/bantu"), Some("place"));
        assert_eq!(page_chunk("/kolaborasi/AB12-CD34"), Some("place"));
        assert_eq!(page_chunk("/transparansi"), Some("info"));
        assert_eq!(page_chunk("/saya"), Some("mine"));
        // Where offline forms lead: with the forms, never a fetch away.
        assert_eq!(page_chunk("/antrean"), Some("place"));
        assert_eq!(page_chunk("/kiosk/tanda-terima"), Some("kiosk"));
        assert_eq!(page_chunk("/konsol/staf"), None);
        assert_eq!(page_chunk("/lokasi/abc"), None);
    }

    #[test]
    fn app_pages_are_recognised_with_their_parameters() {
        for path in [
            "/",
            "/lokasi/12",
            "/lokasi/12/",
            "/lokasi/12/bantu",
            "/kolaborasi",
            "/kolaborasi/AB12-CD34",
            "/kolaborasi/ab12cd34",
            "/konsol/lokasi/baru",
            "/konsol/lokasi/7",
            "/terima/K7Q2-9XZP",
            "/kiosk/tanda-terima",
            "/transparansi",
        ] {
            assert!(is_app_path(path), "{path}");
        }
    }

    #[test]
    fn anything_else_is_not_a_page() {
        for path in [
            "",
            "lokasi/12",
            "/robots.txt",
            "/no/such/page",
            "/lokasi/abc",
            "/lokasi/12/bantu/more",
            "/lokasi//bantu",
            "/kolaborasi/a%3Cb",
            "/tentang//",
            "/TENTANG",
            "/api/v1/locations",
        ] {
            assert!(!is_app_path(path), "{path}");
        }
    }
}
