//! A location as the server stores it, private fields included.

use kolaborasi_shared::{Category, HeadcountUnit};

/// A location to insert. Contact fields are private: stored, never served
/// by any public endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLocation {
    pub name: String,
    pub category: Category,
    /// Kelurahan code, e.g. `31.71.01.1001`; must exist in the area data.
    pub kelurahan_code: String,
    pub lat: f64,
    pub lon: f64,
    pub headcount: u32,
    pub headcount_unit: HeadcountUnit,
    pub address: String,
    pub description: String,
    /// Private: e.g. the RW head's name.
    pub contact_name: String,
    /// Private: Indonesian phone number.
    pub contact_phone: String,
    pub verified: bool,
    /// Generated demo data, labelled as such in the UI.
    pub demo: bool,
}
