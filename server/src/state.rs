//! What every handler shares: the database and data computed once at start-up.

use std::sync::Arc;

use kolaborasi_shared::{AreaTree, ClientConfig};

use crate::db::Db;
use crate::secrets::InstanceSecret;

/// Cloned for every request (by each layer and extractor that takes state):
/// one reference count, however many fields.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    #[must_use]
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub db: Db,
    /// The area tree, for validating `area` filters and building area paths.
    pub areas: Arc<AreaTree>,
    /// `GET /api/v1/areas`, serialised and compressed once: the tree never changes at run time.
    pub areas_json: Arc<crate::read_model::Answer>,
    pub client_config: Arc<ClientConfig>,
    /// Derives manage tokens; shared by every instance on the database.
    pub secret: InstanceSecret,
    /// Signs the public log's heads (`--signing-key`).
    pub signer: Arc<crate::signing::LogSigner>,
    pub commitment_expiry_days: u32,
    /// `--unconfirmed-hold-hours`, `--unconfirmed-share-percent`.
    pub unconfirmed_hold_hours: u32,
    pub unconfirmed_share_percent: u32,
    /// `--unconfirmed-per-contact` and the per-network limit.
    pub unconfirmed_per_contact: i64,
    pub unconfirmed_limit: crate::rate::Limit,
    /// Sends what the outbox holds (`mail.rs`).
    pub mailer: Arc<crate::mail::Mailer>,
    pub cookie_secure: bool,
    /// Live totals and their subscribers.
    pub hub: crate::stats::Hub,
    /// Where delivery evidence is stored.
    pub upload_dir: Arc<std::path::PathBuf>,
    /// `--upload-quota-mib`, in bytes.
    pub upload_quota: i64,
    pub receipt_code_days: u32,
    pub overdue_days: u32,
    pub public_url: Option<Arc<str>>,
    pub trust_proxy: bool,
    /// `--kiosk-network`: where rate limits count per kiosk.
    pub kiosk_networks: Arc<[crate::client::IpNetwork]>,
    /// When reservations are next due; the sweeper keeps it.
    pub expiry: Arc<crate::commitments::expiry::Schedule>,
    /// Where reservations go to be committed in groups.
    pub committer: crate::commitments::group::Committer,
    /// Public answers, built once per data version (`read_model.rs`).
    pub reads: Arc<crate::read_model::ReadModel>,
}

impl Shared {
    /// The database was written behind the server's back (a test's SQL, an
    /// operator's repair): nothing held in memory is trusted any more.
    #[doc(hidden)]
    pub fn edited_externally(&self) {
        crate::log::announce();
        self.expiry.recheck();
    }

    /// An absolute URL of this site: `--public-url` when set, else the
    /// request's `Host` (only when it looks like a host name, so a forged
    /// header cannot inject markup or another scheme).
    #[must_use]
    pub fn absolute_url(&self, headers: &http::HeaderMap, path: &str) -> String {
        if let Some(base) = &self.public_url {
            return format!("{base}{path}");
        }
        let host = headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                    })
            })
            .unwrap_or("localhost");
        let scheme = if self.cookie_secure { "https" } else { "http" };
        format!("{scheme}://{host}{path}")
    }
}
