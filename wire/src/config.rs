//! Deployment settings the client needs before it can draw anything.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientConfig {
    /// Map tile URL template (`{z}/{x}/{y}`), set by the deployment.
    pub tile_url: String,
    /// Attribution shown on the map for those tiles (may contain HTML links).
    pub tile_attribution: String,
    /// Initial map view: `[lat, lon]` and zoom.
    pub map_center: [f64; 2],
    pub map_zoom: u8,
    /// Name of the region this deployment serves (e.g. "DKI Jakarta").
    pub region_name: String,
    /// True when the database holds generated demo locations.
    pub demo_data: bool,
    /// Where the administrative areas come from, and their licence (ODbL
    /// requires the attribution the About page shows).
    pub area_data_source: String,
    pub area_data_licence: String,
    /// Days an undelivered commitment keeps its reservation; also the
    /// latest planned delivery date the commitment form accepts.
    pub commitment_expiry_days: u32,
    /// Seconds without a touch after which a kiosk returns to its attract
    /// screen and forgets everything typed (`--kiosk-idle-secs`).
    #[serde(default = "default_kiosk_idle_secs")]
    pub kiosk_idle_secs: u32,
    /// Hours a commitment without a confirmed contact holds its quantities
    /// (`--unconfirmed-hold-hours`).
    #[serde(default = "default_hold_hours")]
    pub unconfirmed_hold_hours: u32,
    /// The largest share (percent) of what a place still needs of a package
    /// that one unconfirmed commitment may take (`--unconfirmed-share-percent`).
    #[serde(default = "default_share_percent")]
    pub unconfirmed_share_percent: u32,
    /// The Ed25519 public key (hex) that signs the public log's heads.
    #[serde(default)]
    pub log_key: String,
}

fn default_hold_hours() -> u32 {
    6
}

fn default_share_percent() -> u32 {
    50
}

fn default_kiosk_idle_secs() -> u32 {
    90
}
