//! SQL: parsing, binding, planning and execution.

pub mod array;
pub mod bind;
pub mod cast;
pub mod catalogfuncs;
pub mod compare;
pub mod constraint;
pub mod cost;
pub mod exec;
pub mod explain;
pub mod expr;
pub mod func;
pub mod index_scan;
pub mod jsonb;
pub mod ops;
pub mod parse;
pub mod path;
pub mod plan;
pub mod ri;
pub mod selectivity;
pub mod srf;
pub mod statfuncs;
pub mod sysviews;
pub mod upsert;
pub mod walfuncs;
pub mod window;
