//! One module per route.

pub mod about;
pub mod account;
pub mod api_docs;
pub mod commit;
pub mod confirm;
#[cfg(feature = "console")]
pub mod console;
pub mod location;
pub mod map;
pub mod nearby;
pub mod not_found;
pub mod outbox;
pub mod receipt;
pub mod report;
pub mod tracking;
pub mod transparency;
pub mod verify;
