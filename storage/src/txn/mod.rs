//! Transactions, snapshots and locks.
//!
//! PostgreSQL's `src/backend/access/transam/README` is the model; files are
//! named for the PostgreSQL source they mirror:
//!
//! | file            | PostgreSQL          | owns                                              |
//! |-----------------|---------------------|---------------------------------------------------|
//! | [`clog`]        | `clog.c`, `slru.c`  | `pg_xact/`: 2 status bits per xid, cached, fsynced |
//! | [`varsup`]      | `varsup.c`          | `global/xid_state`: the xid prefetch limit         |
//! | [`procarray`]   | `procarray.c`       | running xids, registered snapshot xmins, horizon   |
//! | [`snapshot`]    | `snapmgr.c`         | `Snapshot`, `XidInMVCCSnapshot`, own xids          |
//! | [`xact`]        | `xact.c`, `transam.c` | `TransactionManager`, per-session `TransactionState` |
//! | [`lock`]        | `lock.c`, `deadlock.c` | heavyweight locks, wait queues, deadlock detection |
//!
//! Tuple visibility over these lives in [`crate::heap::visibility`].
//!
//! # Rules
//!
//! 1. An xid is assigned at a transaction's first write
//!    ([`xact::TransactionState::assign_xid`]); read-only transactions never
//!    consume one. Subtransaction xids are assigned after their parents'.
//! 2. Every running xid holds `Exclusive` on `LockTag::Transaction(xid)`;
//!    waiting for a transaction is taking `Share` on it
//!    ([`xact::TransactionManager::wait_for`]), so row waits take part in
//!    deadlock detection.
//! 3. Commit: the XACT commit record is flushed to the WAL (once the engine
//!    has opened it; without a WAL: clog fsynced while `sync_commit`), then
//!    clog COMMITTED, then out of the running set, then the xid locks are
//!    released. A reader checks the
//!    snapshot / running set *before* the clog, as PostgreSQL does.
//! 4. An xid the clog calls IN_PROGRESS that is not running was interrupted
//!    by a crash and counts as aborted.
//! 5. The vacuum horizon (`oldest_xmin`) is the minimum of the next xid, the
//!    running xids and the xmins of registered snapshots.

pub mod clog;
pub mod lock;
pub mod procarray;
pub mod snapshot;
pub mod varsup;
pub mod xact;
pub mod xact_xlog;

pub use clog::{Clog, XidStatus};
pub use lock::{LockManager, LockMode, LockTag, LockWait, OwnerId};
pub use snapshot::{OwnXids, RegisteredSnapshot, Snapshot};
pub use xact::{TransactionManager, TransactionState};

#[cfg(test)]
mod tests;
