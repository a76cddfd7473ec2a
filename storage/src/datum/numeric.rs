//! Arbitrary-precision `numeric` (placeholder, being written).

/// An arbitrary-precision decimal (placeholder).
#[derive(Clone, Debug, PartialEq)]
pub struct Numeric;
