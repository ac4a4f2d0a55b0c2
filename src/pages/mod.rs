//! One module per route.

pub mod about;
pub mod location;
pub mod map;
pub mod not_found;
