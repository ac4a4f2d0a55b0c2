//! Building blocks shared by pages.

pub mod chart;
pub mod delivery;
pub mod filters;
pub mod form;
pub mod layout;
pub mod legend;
pub mod lines_table;
pub mod location_list;
pub mod need;
pub mod offline;
pub mod share;
pub mod status;
