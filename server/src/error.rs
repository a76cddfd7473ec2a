//! SQL-level errors: what the client sees in an ErrorResponse.
//!
//! Every error carries a SQLSTATE. Errors from the storage engine and from
//! value conversion keep their codes; the SQL layer adds its own (42P01,
//! 42703, 42601 with a cursor position, 0A000 naming the feature, ...).

use storage::StorageError;
use storage::datum::DatumError;

/// An error to report to the client. Boxed, so results stay small on the
/// hot path; fields are reached through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError(Box<ErrorFields>);

/// The fields of an ErrorResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorFields {
    /// The SQLSTATE.
    pub code: &'static str,
    /// The primary message.
    pub message: String,
    /// The DETAIL line, if any.
    pub detail: Option<String>,
    /// The HINT line, if any.
    pub hint: Option<String>,
    /// 1-based character position in the statement text, for syntax errors.
    pub position: Option<usize>,
    /// The CONTEXT line, if any (e.g. which COPY line failed).
    pub context: Option<String>,
    /// (line, column) of the offending token within its statement's text,
    /// turned into `position` by the session.
    pub location: Option<(u64, u64)>,
}

/// Result alias for the SQL layer.
pub type SqlResult<T> = Result<T, SqlError>;

impl SqlError {
    /// An error with a code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        SqlError(Box::new(ErrorFields {
            code,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            context: None,
            location: None,
        }))
    }

    /// Records where in the statement the error is (a token's span start).
    pub fn at(mut self, span: sqlparser::tokenizer::Span) -> Self {
        if span.start.line > 0 && self.location.is_none() {
            self.location = Some((span.start.line, span.start.column));
        }
        self
    }

    /// Adds a CONTEXT line.
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// Adds a DETAIL line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a HINT line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// 42601
    pub fn syntax(message: impl Into<String>) -> Self {
        SqlError::new("42601", message)
    }

    /// 0A000, naming what is not supported.
    pub fn unsupported(feature: impl std::fmt::Display) -> Self {
        SqlError::new("0A000", format!("{feature} is not supported"))
    }

    /// 42P01
    pub fn undefined_table(name: &str) -> Self {
        SqlError::new("42P01", format!("relation \"{name}\" does not exist"))
    }

    /// 42703
    pub fn undefined_column(name: &str) -> Self {
        SqlError::new("42703", format!("column \"{name}\" does not exist"))
    }

    /// 42883
    pub fn undefined_function(signature: &str) -> Self {
        SqlError::new("42883", format!("function {signature} does not exist")).with_hint(
            "No function matches the given name and argument types. You might need to add explicit type casts.",
        )
    }

    /// 42804
    pub fn datatype_mismatch(message: impl Into<String>) -> Self {
        SqlError::new("42804", message)
    }

    /// 25P02
    pub fn in_failed_transaction() -> Self {
        SqlError::new(
            "25P02",
            "current transaction is aborted, commands ignored until end of transaction block",
        )
    }

    /// XX000: a bug, reported rather than panicked.
    pub fn internal(message: impl Into<String>) -> Self {
        SqlError::new("XX000", message)
    }
}

impl std::ops::Deref for SqlError {
    type Target = ErrorFields;

    fn deref(&self) -> &ErrorFields {
        &self.0
    }
}

impl std::ops::DerefMut for SqlError {
    fn deref_mut(&mut self) -> &mut ErrorFields {
        &mut self.0
    }
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for SqlError {}

impl From<StorageError> for SqlError {
    fn from(e: StorageError) -> Self {
        let detail = match &e {
            StorageError::DeadlockDetected { detail }
            | StorageError::ParameterOutOfRange { detail, .. } => Some(detail.clone()),
            _ => None,
        };
        let mut err = SqlError::new(e.sqlstate(), e.to_string());
        err.detail = detail;
        err
    }
}

impl From<DatumError> for SqlError {
    fn from(e: DatumError) -> Self {
        SqlError::new(e.sqlstate(), e.to_string())
    }
}
