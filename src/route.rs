//! Every path of the app in one place, so no page builds a URL by hand.

use std::fmt::Write as _;

use kolaborasi_shared::{LocationQuery, routes};
use leptos_router::NavigateOptions;

use crate::map::ColorBy;

#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    /// The map and list, with its filters (the URL state).
    Map {
        query: LocationQuery,
        list: bool,
        color: ColorBy,
        /// Only the places still in need (`need=open`).
        open: bool,
        /// Only the places with open residents' reports (`reports=open`).
        reported: bool,
    },
    Location(i64),
    /// Places near the user (or in a chosen area), with a search.
    Nearby,
    /// The commitment form of a location ("Beri Bantuan").
    Commit(i64),
    /// A resident's report about a location ("Laporkan").
    Report(i64),
    /// Looking up a report by its code.
    ReportLookup,
    /// Where one report stands, by its normalised code.
    ReportStatus(String),
    /// Suggesting a place that is not on the map, optionally at a point.
    Suggest(Option<(f64, f64)>),
    /// Looking up a tracking code.
    TrackLookup,
    /// One commitment's tracking page, by its normalised code.
    Tracking(String),
    /// The tracking page with the manage token in the fragment (never sent
    /// to the server, nor in a `Referer`).
    Manage {
        code: String,
        token: String,
    },
    /// Sign in, then go to `next` (a path of this app).
    SignIn {
        next: Option<String>,
    },
    Register {
        next: Option<String>,
    },
    /// The e-mailed activation link of a new account (token in the fragment).
    Activate,
    /// The signed-in collaborator's commitments.
    Mine,
    About,
    /// Totals, breakdowns, directory, open data.
    Transparency,
    /// Verifying the public log in the browser.
    Verify,
    /// The API reference.
    ApiDocs,
    /// The staff console: sign-in, then the work queues.
    Console,
    /// A commitment as staff see it.
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    ConsoleCommitment(String),
    /// A new location (staff).
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    ConsoleNewLocation,
    /// Editing a location (staff).
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    ConsoleLocation(i64),
    /// Adding programs and packages (admin).
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    ConsoleCatalogue,
    /// Staff members (admin).
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    ConsoleStaff,
    /// The audit trail (admin).
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    ConsoleAudit,
    /// A resident's report as staff see it.
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    ConsoleReport(String),
    /// The place's page for confirming a delivery, by its one-time code.
    Receipt(String),
    /// Confirming a commitment's contact from the e-mailed link (the token
    /// is in the link's fragment).
    ConfirmContact(String),
    /// Commitments waiting on this device for the network.
    Outbox,
    /// The kiosk's attract screen and menu (starts kiosk mode).
    Kiosk,
    /// The printable receipt of a commitment made at a kiosk.
    KioskReceipt,
}

/// `view=list`, `color=need` and `need=open` live next to the filters in
/// the map's URL.
pub const VIEW_PARAM: &str = "view";
pub const COLOR_PARAM: &str = "color";
pub const NEED_PARAM: &str = "need";
pub const REPORTS_PARAM: &str = "reports";
/// `/dekat` keeps its area (`area`, as the map), its search words (`q`) and
/// its map view (`view=map`) in the URL; never the user's position.
pub const SEARCH_PARAM: &str = "q";
pub const AREA_QUERY_PARAM: &str = "area";

/// The near-me page with its area, search words and view.
#[must_use]
pub fn nearby_href(area: Option<&str>, search: &str, map: bool) -> String {
    let mut parts = Vec::new();
    if let Some(area) = area.filter(|a| !a.is_empty()) {
        parts.push(format!("{AREA_QUERY_PARAM}={}", encode_component(area)));
    }
    let search = search.trim();
    if !search.is_empty() {
        parts.push(format!("{SEARCH_PARAM}={}", encode_component(search)));
    }
    if map {
        parts.push(format!("{VIEW_PARAM}=map"));
    }
    if parts.is_empty() {
        Page::Nearby.href()
    } else {
        format!("{}?{}", Page::Nearby.href(), parts.join("&"))
    }
}

/// Percent-encodes a URI component: everything but RFC 3986's unreserved
/// characters (plain Rust, so the URLs built with it are tested on the host).
#[must_use]
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A navigation that changes what a page shows, not where the user is:
/// it replaces the history entry and keeps the scroll position (filters,
/// a view switch, a canonical address).
#[must_use]
pub fn quiet_navigation() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        scroll: false,
        ..NavigateOptions::default()
    }
}

impl Page {
    #[must_use]
    pub fn href(&self) -> String {
        match self {
            Self::Map {
                query,
                list,
                color,
                open,
                reported,
            } => {
                let mut parts = vec![query.to_query_string()];
                if *list {
                    parts.push(format!("{VIEW_PARAM}=list"));
                }
                if *color == ColorBy::Need {
                    parts.push(format!("{COLOR_PARAM}=need"));
                }
                if *open {
                    parts.push(format!("{NEED_PARAM}=open"));
                }
                if *reported {
                    parts.push(format!("{REPORTS_PARAM}=open"));
                }
                let qs = parts
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("&");
                if qs.is_empty() {
                    "/".into()
                } else {
                    format!("/?{qs}")
                }
            }
            Self::Location(id) => routes::location_path(*id),
            Self::Nearby => "/dekat".into(),
            Self::Commit(id) => format!("/lokasi/{id}/bantu"),
            Self::Report(id) => format!("/lokasi/{id}/lapor"),
            Self::ReportLookup => "/laporan".into(),
            Self::ReportStatus(code) => format!("/laporan/{code}"),
            Self::Suggest(None) => "/usulkan".into(),
            Self::Suggest(Some((lat, lon))) => format!("/usulkan?lat={lat:.6}&lon={lon:.6}"),
            Self::TrackLookup => "/kolaborasi".into(),
            Self::Tracking(code) => routes::collaboration_path(code),
            Self::Manage { code, token } => format!(
                "{}#{MANAGE_FRAGMENT}{token}",
                routes::collaboration_path(code)
            ),
            Self::SignIn { next } => with_next("/masuk", next.as_deref()),
            Self::Register { next } => with_next("/daftar", next.as_deref()),
            Self::Activate => "/daftar/konfirmasi".into(),
            Self::Mine => "/saya".into(),
            Self::About => "/tentang".into(),
            Self::Transparency => "/transparansi".into(),
            Self::Verify => "/verifikasi".into(),
            Self::ApiDocs => "/dokumentasi-api".into(),
            Self::Console => "/konsol".into(),
            Self::ConsoleCommitment(code) => format!("/konsol/kolaborasi/{code}"),
            Self::ConsoleNewLocation => "/konsol/lokasi/baru".into(),
            Self::ConsoleLocation(id) => format!("/konsol/lokasi/{id}"),
            Self::ConsoleCatalogue => "/konsol/katalog".into(),
            Self::ConsoleStaff => "/konsol/staf".into(),
            Self::ConsoleAudit => "/konsol/audit".into(),
            Self::ConsoleReport(code) => format!("/konsol/laporan/{code}"),
            Self::Receipt(code) => format!("/terima/{code}"),
            Self::ConfirmContact(code) => format!("/konfirmasi/{code}"),
            Self::Outbox => "/antrean".into(),
            Self::Kiosk => "/kiosk".into(),
            Self::KioskReceipt => "/kiosk/tanda-terima".into(),
        }
    }

    /// The page's full address on this origin, for links that leave the
    /// app: shared, printed, copied or sent as a QR code.
    #[must_use]
    pub fn absolute(&self) -> String {
        let origin = leptos::prelude::window()
            .location()
            .origin()
            .unwrap_or_default();
        format!("{origin}{}", self.href())
    }
}

/// Query parameters of the console's queue view.
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub const QUEUE_PARAM: &str = "antrian";
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub const AREA_PARAM: &str = "wilayah";
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub const PAGE_PARAM: &str = "halaman";

/// The console home showing one queue, optionally within an area, at a page.
#[must_use]
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub fn console_queue_href(queue: &str, area: Option<&str>, page: u32) -> String {
    let mut href = format!("/konsol?{QUEUE_PARAM}={queue}");
    if let Some(area) = area.filter(|a| !a.is_empty()) {
        href = format!("{href}&{AREA_PARAM}={area}");
    }
    if page > 1 {
        href = format!("{href}&{PAGE_PARAM}={page}");
    }
    href
}

pub use kolaborasi_shared::routes::{CONFIRM_FRAGMENT, MANAGE_FRAGMENT};
/// Query parameter of the sign-in and registration pages: where to go after.
pub const NEXT_PARAM: &str = "lanjut";

fn with_next(path: &str, next: Option<&str>) -> String {
    match next.and_then(safe_next) {
        Some(next) => format!("{path}?{NEXT_PARAM}={next}"),
        None => path.to_owned(),
    }
}

/// A `next` target is only ever a path of this app (no `//host`, no
/// scheme), written with characters that need no escaping.
#[must_use]
pub fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/')
        && !next.starts_with("//")
        && next
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_')))
    .then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_urls_keep_filters_view_and_colour() {
        let page = Page::Map {
            query: LocationQuery::default(),
            list: true,
            color: ColorBy::Need,
            open: true,
            reported: true,
        };
        assert_eq!(page.href(), "/?view=list&color=need&need=open&reports=open");
        let page = Page::Map {
            query: LocationQuery::default(),
            list: false,
            color: ColorBy::Category,
            open: false,
            reported: false,
        };
        assert_eq!(page.href(), "/");
    }

    /// The server answers 404 for what `is_app_path` does not know, so every
    /// page the app links to must be known there.
    #[test]
    fn every_page_the_app_links_to_is_an_app_path_for_the_server() {
        let pages = [
            Page::Map {
                query: LocationQuery::default(),
                list: true,
                color: ColorBy::Need,
                open: true,
                reported: true,
            },
            Page::Location(12),
            Page::Nearby,
            Page::Commit(12),
            Page::Report(12),
            Page::ReportLookup,
            Page::ReportStatus("AB12-CD34".into()),
            Page::Suggest(Some((-6.2, 106.8))),
            Page::TrackLookup,
            Page::Tracking("AB12-CD34".into()),
            Page::Manage {
                code: "AB12-CD34".into(),
                token: "t0ken".into(),
            },
            Page::SignIn {
                next: Some("/saya".into()),
            },
            Page::Register { next: None },
            Page::Activate,
            Page::Mine,
            Page::About,
            Page::Transparency,
            Page::Verify,
            Page::ApiDocs,
            Page::Console,
            Page::ConsoleCommitment("AB12-CD34".into()),
            Page::ConsoleNewLocation,
            Page::ConsoleLocation(3),
            Page::ConsoleCatalogue,
            Page::ConsoleStaff,
            Page::ConsoleAudit,
            Page::ConsoleReport("AB12-CD34".into()),
            Page::Receipt("K7Q2-9XZP".into()),
            Page::ConfirmContact("K7Q2-9XZP".into()),
            Page::Outbox,
            Page::Kiosk,
            Page::KioskReceipt,
        ];
        for page in pages {
            let href = page.href();
            let path = href.split(['?', '#']).next().unwrap_or_default();
            assert!(
                kolaborasi_shared::routes::is_app_path(path),
                "{page:?} links to {path}, which the server would answer with 404"
            );
        }
        let queue = console_queue_href("commitments", Some("3171"), 2);
        assert!(kolaborasi_shared::routes::is_app_path(
            queue.split('?').next().unwrap_or_default()
        ));
    }

    #[test]
    fn nearby_urls_keep_area_words_and_view() {
        assert_eq!(nearby_href(None, "  ", false), "/dekat");
        assert_eq!(
            nearby_href(Some("31.73.05"), "masjid al-ikhlas & co", true),
            "/dekat?area=31.73.05&q=masjid%20al-ikhlas%20%26%20co&view=map"
        );
        assert_eq!(
            nearby_href(None, "Panti Wredha Bu\u{e9}", false),
            "/dekat?q=Panti%20Wredha%20Bu%C3%A9"
        );
    }

    #[test]
    fn next_targets_stay_inside_the_app() {
        assert_eq!(safe_next("/lokasi/12/bantu"), Some("/lokasi/12/bantu"));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("/a?b=c"), None);
        assert_eq!(
            Page::SignIn {
                next: Some("/saya".into())
            }
            .href(),
            "/masuk?lanjut=/saya"
        );
    }
}
