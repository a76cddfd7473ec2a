//! Relation files: the storage manager (placeholder, being written).
