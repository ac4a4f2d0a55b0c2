//! The boundary between the Kolaborasi client and server.
//!
//! Every request, response, query and error that crosses the wire is defined
//! here once and used by both sides. The crate depends on serde only, so it
//! compiles for the browser (wasm32) and the server alike.

pub mod area;
pub mod config;
pub mod error;
pub mod location;

pub use area::{AreaLevel, AreaNode, AreaRef, AreaTree};
pub use config::ClientConfig;
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use location::{
    Bbox, Category, HeadcountUnit, LocationDetail, LocationList, LocationQuery, LocationSummary,
    QueryError,
};

/// Path prefix of the current API version; clients build every URL from it.
pub const API_PREFIX: &str = "/api/v1";
