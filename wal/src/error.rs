//! The WAL crate's error type.

/// Result alias for the WAL crate.
pub type Result<T, E = WalError> = std::result::Result<T, E>;

/// Errors from writing, reading or controlling the WAL.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// An operating-system I/O error, with what was being done.
    #[error("could not {action}: {source}")]
    Io {
        /// What was being done, e.g. `fdatasync file pg_wal/000000010000000000000001`.
        action: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be encoded.
    #[error(transparent)]
    Encode(#[from] crate::record::EncodeError),
    /// An on-disk structure (control file) is damaged.
    #[error("{0}")]
    Corrupted(String),
    /// An earlier write or fsync of the WAL failed. PostgreSQL PANICs here;
    /// the writer refuses all further work so no commit can be acknowledged
    /// whose record may not be on disk. Restart (and recover) to go on.
    #[error("WAL writer failed earlier and refuses further work: {0}")]
    Failed(String),
    /// An object-store archive URL that cannot be used (bad syntax, or a
    /// scheme whose `object_store` feature is not compiled in).
    #[error("invalid archive URL \"{url}\": {reason}")]
    ArchiveUrl {
        /// The URL as configured.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// An object-store request (upload or download of an archived file)
    /// failed.
    #[error("could not {action}: {source}")]
    ObjectStore {
        /// What was being done, e.g. `upload 000000010000000000000001 to file:///arch`.
        action: String,
        /// The store's error.
        #[source]
        source: object_store::Error,
    },
}

impl WalError {
    /// Wraps an I/O error with a description of what was being done.
    pub fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        WalError::Io {
            action: action.into(),
            source,
        }
    }

    /// The SQLSTATE a client sees: 53100 for a full disk, 58030 for other
    /// I/O errors, XX001 for corruption, 22023 for an unusable archive URL, XX000
    /// otherwise.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            WalError::Io { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
                ) =>
            {
                "53100"
            }
            WalError::Io { .. } => "58030",
            WalError::Encode(_) => "54000",
            WalError::Corrupted(_) => "XX001",
            WalError::Failed(_) => "XX000",
            WalError::ArchiveUrl { .. } => "22023",
            WalError::ObjectStore { .. } => "58030",
        }
    }
}
