//! The heap access method: row versions in slotted pages ([`heapam`],
//! [`visibility`], WAL in [`heapam_xlog`]), and the page-level side of
//! VACUUM: pruning and the HEAP2 records ([`prune`]), the visibility map
//! ([`visibilitymap`]).

pub mod build_scan;
pub mod heapam;
pub mod heapam_xlog;
pub mod htup;
pub mod prune;
pub mod tuple;
pub mod visibility;
pub mod visibilitymap;
