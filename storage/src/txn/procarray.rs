//! The running-transaction set (PostgreSQL's `procarray.c`, keyed by xid
//! rather than by backend).
//!
//! It holds, under one mutex:
//!
//! - `next_xid`, the next xid to assign, and the persisted prefetch limit
//!   ([`super::varsup`]);
//! - every running xid, top-level and sub-, with its top-level xid and the
//!   owning session. A subtransaction xid stays here until it is rolled back
//!   or its top-level transaction ends (RELEASE SAVEPOINT does not remove it:
//!   its effects are still uncommitted);
//! - the xmins of registered snapshots, with reference counts.
//!
//! Invariants:
//!
//! 1. An xid enters the running set in the same critical section that
//!    advances `next_xid`, so a snapshot never sees `xid < xmax` for a
//!    running xid missing from `xip`.
//! 2. At commit the clog is updated (durably) *before* the xid leaves the
//!    running set, so anyone who finds an xid not running and reads the clog
//!    afterwards sees its final status.
//! 3. `oldest_xmin` = min(next_xid, running xids, registered xmins): no
//!    snapshot that is registered, or that any running transaction might
//!    still take, can see a row version deleted by a transaction that
//!    committed below it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use parking_lot::Mutex;

use crate::error::{Result, StorageError};
use crate::types::{CommandId, Xid};

use super::lock::OwnerId;
use super::snapshot::{OwnXids, Snapshot};
use super::varsup::{XID_PREFETCH, write_xid_limit};

/// A running xid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunningXid {
    /// Its top-level transaction (itself for a top-level xid).
    pub top: Xid,
    /// The session running it.
    pub owner: OwnerId,
}

struct ProcInner {
    next_xid: Xid,
    /// No xid at or above this has been made durable as "handed out".
    xid_limit: Xid,
    running: BTreeMap<Xid, RunningXid>,
    snapshot_xmins: BTreeMap<Xid, usize>,
}

/// The running-transaction set. Shared via `Arc` by the transaction manager
/// and registered snapshots.
pub struct ProcArray {
    inner: Mutex<ProcInner>,
    /// Where the xid prefetch limit is persisted.
    xid_state: PathBuf,
}

impl ProcArray {
    pub(crate) fn new(next_xid: Xid, xid_limit: Xid, xid_state: PathBuf) -> Self {
        ProcArray {
            inner: Mutex::new(ProcInner {
                next_xid,
                xid_limit,
                running: BTreeMap::new(),
                snapshot_xmins: BTreeMap::new(),
            }),
            xid_state,
        }
    }

    /// Assigns the next xid and registers it as running: a top-level xid
    /// owned by `owner` if `parent` is None, else a subtransaction of
    /// `parent` (owned by the parent's owner). Persists a new prefetch limit
    /// when needed. Returns the xid and its owner.
    pub(crate) fn assign(&self, parent: Option<Xid>, owner: OwnerId) -> Result<(Xid, OwnerId)> {
        let mut p = self.inner.lock();
        let entry = match parent {
            None => None,
            Some(t) => Some(*p.running.get(&t).ok_or_else(|| {
                StorageError::Internal(format!("parent transaction {t} is not running"))
            })?),
        };
        let xid = p.next_xid;
        if xid >= p.xid_limit {
            let limit = Xid(xid.0 + XID_PREFETCH);
            write_xid_limit(&self.xid_state, limit)?;
            p.xid_limit = limit;
        }
        p.next_xid = xid.next();
        let r = entry.unwrap_or(RunningXid { top: xid, owner });
        p.running.insert(xid, r);
        Ok((xid, r.owner))
    }

    /// Makes the next xid larger than `seen` (an xid found in replayed WAL).
    pub(crate) fn advance_past(&self, seen: Xid) {
        let mut p = self.inner.lock();
        if p.next_xid <= seen {
            p.next_xid = seen.next();
        }
    }

    /// The next xid to be assigned.
    pub fn next_xid(&self) -> Xid {
        self.inner.lock().next_xid
    }

    /// Removes xids from the running set.
    pub(crate) fn remove(&self, xids: &[Xid]) {
        let mut p = self.inner.lock();
        for x in xids {
            p.running.remove(x);
        }
    }

    /// The running entry for `xid`, if it runs.
    pub fn get(&self, xid: Xid) -> Option<RunningXid> {
        self.inner.lock().running.get(&xid).copied()
    }

    /// Is `xid` running?
    pub fn is_running(&self, xid: Xid) -> bool {
        self.inner.lock().running.contains_key(&xid)
    }

    fn snapshot_locked(p: &ProcInner) -> Snapshot {
        let xip: Vec<Xid> = p.running.keys().copied().collect();
        Snapshot {
            xmin: xip.first().copied().unwrap_or(p.next_xid),
            xmax: p.next_xid,
            xip,
            curcid: CommandId::FIRST,
            own: OwnXids::new(),
        }
    }

    /// A new snapshot (not registered).
    pub fn snapshot(&self) -> Snapshot {
        Self::snapshot_locked(&self.inner.lock())
    }

    /// A new snapshot with its xmin registered in the same critical section.
    pub(crate) fn snapshot_and_register(&self) -> Snapshot {
        let mut p = self.inner.lock();
        let s = Self::snapshot_locked(&p);
        *p.snapshot_xmins.entry(s.xmin).or_insert(0) += 1;
        s
    }

    /// Registers one more snapshot with `xmin`.
    pub(crate) fn register_xmin(&self, xmin: Xid) {
        *self.inner.lock().snapshot_xmins.entry(xmin).or_insert(0) += 1;
    }

    /// Unregisters one snapshot with `xmin`.
    pub(crate) fn unregister_xmin(&self, xmin: Xid) {
        let mut p = self.inner.lock();
        if let Some(n) = p.snapshot_xmins.get_mut(&xmin) {
            *n -= 1;
            if *n == 0 {
                p.snapshot_xmins.remove(&xmin);
            }
        }
    }

    /// The vacuum horizon: row versions deleted by transactions that
    /// committed below it are invisible to every snapshot that exists or
    /// will be taken.
    pub fn oldest_xmin(&self) -> Xid {
        let p = self.inner.lock();
        let mut m = p.next_xid;
        if let Some(x) = p.running.keys().next() {
            m = m.min(*x);
        }
        if let Some(x) = p.snapshot_xmins.keys().next() {
            m = m.min(*x);
        }
        m
    }
}
