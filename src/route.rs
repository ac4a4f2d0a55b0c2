//! Every path of the app in one place, so no page builds a URL by hand.

use kolaborasi_shared::LocationQuery;

#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    /// The map and list, with its filters (the URL state).
    Map {
        query: LocationQuery,
        list: bool,
    },
    Location(i64),
    About,
}

impl Page {
    #[must_use]
    pub fn href(&self) -> String {
        match self {
            Self::Map { query, list } => {
                let mut qs = query.to_query_string();
                if *list {
                    if !qs.is_empty() {
                        qs.push('&');
                    }
                    qs.push_str("view=list");
                }
                if qs.is_empty() {
                    "/".into()
                } else {
                    format!("/?{qs}")
                }
            }
            Self::Location(id) => format!("/lokasi/{id}"),
            Self::About => "/tentang".into(),
        }
    }
}
