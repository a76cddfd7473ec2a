//! The storage engine's error type. Every variant maps to a PostgreSQL
//! SQLSTATE so the server can answer the client with the right code.

use crate::types::{BlockNumber, RelFileLocator, Xid};

/// Result alias used throughout the storage crate.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Errors raised by the storage engine.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// An operating-system I/O error, with what was being done.
    #[error("could not {action}: {source}")]
    Io {
        /// What was being done, e.g. `read block 3 of relation base/5/16384`.
        action: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A page failed its checksum or header sanity check.
    #[error("invalid page in block {block} of relation {rel}")]
    DataCorrupted {
        /// The relation whose page is damaged.
        rel: RelFileLocator,
        /// The damaged block.
        block: BlockNumber,
    },
    /// Some other on-disk structure is damaged (clog, control file, ...).
    #[error("{0}")]
    Corrupted(String),
    /// A value or row does not fit where it must go.
    #[error("{0}")]
    ProgramLimitExceeded(String),
    /// A sequence reached its limit, or setval was out of bounds.
    #[error("{0}")]
    SequenceLimit(String),
    /// REPEATABLE READ or SERIALIZABLE met a concurrent change.
    #[error("could not serialize access due to {0}")]
    SerializationFailure(&'static str),
    /// This transaction was chosen as the deadlock victim.
    #[error("deadlock detected")]
    DeadlockDetected {
        /// Which waits formed the cycle, for the DETAIL line.
        detail: String,
    },
    /// `lock_timeout` expired while waiting for a lock.
    #[error("canceling statement due to lock timeout")]
    LockTimeout,
    /// `statement_timeout` expired.
    #[error("canceling statement due to statement timeout")]
    StatementTimeout,
    /// The client asked to cancel the statement.
    #[error("canceling statement due to user request")]
    QueryCanceled,
    /// `NOWAIT` found the row or table locked.
    #[error("could not obtain lock on {0}")]
    LockNotAvailable(String),
    /// A transaction id's status was asked for but is not known.
    #[error("transaction {0} is not known")]
    UnknownXid(Xid),
    /// Out of buffer pool frames: every frame is pinned.
    #[error("no unpinned buffers available")]
    NoFreeBuffers,
    /// A unique index already holds a live entry with this key. The server
    /// adds the constraint name and the `Key (...)=(...) already exists.`
    /// detail.
    #[error("duplicate key value violates unique constraint")]
    UniqueViolation {
        /// The duplicated key's values, in index column order.
        key: Vec<crate::datum::Datum>,
    },
    /// An index failed a structural check (amcheck's `index_corrupted`).
    #[error("{0}")]
    IndexCorrupted(String),
    /// A write was attempted while the server is in recovery (paused at a
    /// recovery target): PostgreSQL's `read_only_sql_transaction`.
    #[error("{0}")]
    ReadOnlyInRecovery(String),
    /// Archive recovery could not go on or could not end consistently;
    /// the message names the segment file or LSN.
    #[error("{0}")]
    Recovery(String),
    /// Archive recovery reached its target with `recovery_target_action =
    /// shutdown`: the server stops without opening.
    #[error("shutdown at recovery target: {0}")]
    ShutdownAtRecoveryTarget(String),
    /// A backup function was called in the wrong state (PostgreSQL's
    /// `object_not_in_prerequisite_state`).
    #[error("{0}")]
    NotInPrerequisiteState(String),
    /// A setting's value cannot be used (an archive URL whose scheme is not
    /// compiled in, say): PostgreSQL's `invalid_parameter_value`.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// A value outside its parameter's range, with PostgreSQL's DETAIL
    /// naming the range (`Valid values are between "10" and "100".`).
    #[error("{message}")]
    ParameterOutOfRange {
        /// The primary message.
        message: String,
        /// The DETAIL line.
        detail: String,
    },
    /// A request to an external store (the WAL archive's object store)
    /// failed.
    #[error("{0}")]
    ExternalIo(String),
    /// An invariant of the engine did not hold; a bug, reported not panicked.
    #[error("internal error: {0}")]
    Internal(String),
}

impl StorageError {
    /// The SQLSTATE a client sees for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            StorageError::Io { source, .. } if is_disk_full(source) => "53100",
            StorageError::Io { .. } => "58030",
            StorageError::DataCorrupted { .. } => "XX001",
            StorageError::Corrupted(_) => "XX001",
            StorageError::ProgramLimitExceeded(_) => "54000",
            StorageError::SequenceLimit(_) => "2200H",
            StorageError::SerializationFailure(_) => "40001",
            StorageError::DeadlockDetected { .. } => "40P01",
            StorageError::LockTimeout => "55P03",
            StorageError::LockNotAvailable(_) => "55P03",
            StorageError::StatementTimeout => "57014",
            StorageError::QueryCanceled => "57014",
            StorageError::UnknownXid(_) => "XX000",
            StorageError::NoFreeBuffers => "53000",
            StorageError::UniqueViolation { .. } => "23505",
            StorageError::IndexCorrupted(_) => "XX002",
            StorageError::ReadOnlyInRecovery(_) => "25006",
            StorageError::Recovery(_) => "XX000",
            StorageError::ShutdownAtRecoveryTarget(_) => "57P01",
            StorageError::NotInPrerequisiteState(_) => "55000",
            StorageError::InvalidParameterValue(_) => "22023",
            StorageError::ParameterOutOfRange { .. } => "22023",
            StorageError::ExternalIo(_) => "58030",
            StorageError::Internal(_) => "XX000",
        }
    }

    /// Wraps an I/O error with a description of what was being done.
    pub fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        StorageError::Io {
            action: action.into(),
            source,
        }
    }
}

fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

impl From<wal::WalError> for StorageError {
    fn from(e: wal::WalError) -> Self {
        match e {
            wal::WalError::Io { action, source } => StorageError::Io { action, source },
            wal::WalError::Corrupted(m) => StorageError::Corrupted(m),
            wal::WalError::Encode(e) => StorageError::ProgramLimitExceeded(e.to_string()),
            e @ wal::WalError::Failed(_) => StorageError::Internal(e.to_string()),
            e @ wal::WalError::ArchiveUrl { .. } => {
                StorageError::InvalidParameterValue(e.to_string())
            }
            e @ wal::WalError::ObjectStore { .. } => StorageError::ExternalIo(e.to_string()),
        }
    }
}
