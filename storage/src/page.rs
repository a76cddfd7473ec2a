//! 8 KiB slotted pages (placeholder, being written).
