//! The heap access method: row versions in slotted pages.

pub mod build_scan;
pub mod heapam;
pub mod heapam_xlog;
pub mod htup;
pub mod tuple;
pub mod visibility;
