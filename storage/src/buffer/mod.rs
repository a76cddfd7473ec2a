//! The shared buffer pool (placeholder, being written).
