//! Errors raised while reading, converting or computing values.

/// A value could not be read, converted or computed. Each variant carries the
/// SQLSTATE PostgreSQL raises for the same condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatumError {
    /// 22P02: text that is not a valid value of the type.
    #[error("invalid input syntax for type {type_name}: \"{input}\"")]
    InvalidTextRepresentation {
        /// The SQL name of the type, as PostgreSQL prints it (`integer`, `numeric`, ...).
        type_name: &'static str,
        /// The rejected input.
        input: String,
    },
    /// 22003: the value does not fit the type.
    #[error("{0}")]
    NumericValueOutOfRange(String),
    /// 22012
    #[error("division by zero")]
    DivisionByZero,
    /// 22007: a date/time string that cannot be read.
    #[error("{0}")]
    InvalidDatetimeFormat(String),
    /// 22008: a date/time value out of range.
    #[error("{0}")]
    DatetimeFieldOverflow(String),
    /// 22001: a string too long for `varchar(n)` / `char(n)`.
    #[error("{0}")]
    StringDataRightTruncation(String),
    /// 22023: an argument a function does not accept.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// 22P03: a binary-format value that cannot be read.
    #[error("{0}")]
    InvalidBinaryRepresentation(String),
    /// Any other condition, with its SQLSTATE.
    #[error("{message}")]
    Other {
        /// The SQLSTATE.
        code: &'static str,
        /// The message.
        message: String,
    },
}

impl DatumError {
    /// The SQLSTATE a client sees for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            DatumError::InvalidTextRepresentation { .. } => "22P02",
            DatumError::NumericValueOutOfRange(_) => "22003",
            DatumError::DivisionByZero => "22012",
            DatumError::InvalidDatetimeFormat(_) => "22007",
            DatumError::DatetimeFieldOverflow(_) => "22008",
            DatumError::StringDataRightTruncation(_) => "22001",
            DatumError::InvalidParameterValue(_) => "22023",
            DatumError::InvalidBinaryRepresentation(_) => "22P03",
            DatumError::Other { code, .. } => code,
        }
    }

    /// Shorthand for [`DatumError::InvalidTextRepresentation`].
    pub fn invalid_text(type_name: &'static str, input: &str) -> Self {
        DatumError::InvalidTextRepresentation {
            type_name,
            input: input.to_string(),
        }
    }
}
