//! The heap access method: row versions in slotted pages.

pub mod heapam;
pub mod heapam_xlog;
pub mod htup;
pub mod prune;
pub mod tuple;
pub mod visibility;
pub mod visibilitymap;
