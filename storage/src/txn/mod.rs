//! Transactions, snapshots and locks (placeholder, being written).
