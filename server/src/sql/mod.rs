//! SQL: parsing, binding, planning and execution.

pub mod bind;
pub mod cast;
pub mod compare;
pub mod exec;
pub mod expr;
pub mod func;
pub mod ops;
pub mod parse;
pub mod plan;
pub mod srf;
pub mod window;
