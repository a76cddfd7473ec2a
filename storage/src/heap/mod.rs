//! The heap access method: row versions in slotted pages.

pub mod htup;
pub mod visibility;
