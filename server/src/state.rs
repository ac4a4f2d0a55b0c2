//! What every handler shares: the database and data computed once at start-up.

use std::sync::Arc;

use kolaborasi_shared::{AreaTree, ClientConfig};

use crate::db::Db;
use crate::http_cache::TaggedJson;
use crate::secrets::InstanceSecret;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The area tree, for validating `area` filters and building area paths.
    pub areas: Arc<AreaTree>,
    /// `GET /api/v1/areas`, serialised once: the tree never changes at run time.
    pub areas_json: Arc<TaggedJson>,
    pub client_config: Arc<ClientConfig>,
    /// Derives manage tokens; shared by every instance on the database.
    pub secret: InstanceSecret,
    pub commitment_expiry_days: u32,
    pub cookie_secure: bool,
    /// Live totals and their subscribers.
    pub hub: crate::stats::Hub,
    /// Where delivery evidence is stored.
    pub upload_dir: Arc<std::path::PathBuf>,
    pub receipt_code_days: u32,
    pub overdue_days: u32,
    pub public_url: Option<Arc<str>>,
    pub trust_proxy: bool,
    /// `--kiosk-network`: where rate limits count per kiosk.
    pub kiosk_networks: Arc<[crate::client::IpNetwork]>,
}
