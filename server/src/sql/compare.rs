//! Ordering and equality of values: the functions live in
//! [`storage::datum::compare`] so that B-tree indexes order keys exactly as
//! sorts do; they are re-exported here for the SQL layer.

pub use storage::datum::compare::*;
