//! MVCC snapshots (PostgreSQL's `snapmgr.c` and `XidInMVCCSnapshot`).
//!
//! A snapshot is taken from the running-transaction set ([`super::procarray`])
//! under its mutex:
//!
//! ```text
//!   xmin  = the smallest running xid (or xmax if none runs)
//!   xmax  = the next xid to be assigned
//!   xip   = every running xid, top-level and sub-, sorted
//!
//!   xids:  ... committed/aborted ... | xmin ... xmax | not yet assigned
//!                                    '--- in xip? --'
//! ```
//!
//! An xid is "in the snapshot" (still running as far as the snapshot is
//! concerned, so its effects are invisible) iff `xid >= xmax`, or
//! `xmin <= xid < xmax` and `xid` is in `xip` (binary search: no allocation).
//! Because subtransaction xids stay in the running set until their top-level
//! transaction ends, `xip` never "overflows" as PostgreSQL's subxip can.
//!
//! A snapshot also carries what the reading session needs to tell its own
//! writes apart: `curcid` (the current command: rows written by this command
//! or later are invisible to it) and [`OwnXids`] (the session's top xid and
//! every live subtransaction xid, aborted subtransactions excluded). The
//! transaction manager fills neither; [`super::xact::TransactionState`]
//! does, per statement.
//!
//! READ COMMITTED takes a new snapshot per statement; REPEATABLE READ keeps
//! one for the transaction and refreshes only `curcid` and `own` per
//! statement ([`super::xact::TransactionState::refresh_snapshot`]). That is
//! the caller's choice.
//!
//! A snapshot whose xmin must hold back vacuum is registered
//! ([`RegisteredSnapshot`]): its xmin counts in
//! [`super::xact::TransactionManager::oldest_xmin`] until it is dropped.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::types::{CommandId, Xid};

use super::procarray::ProcArray;

/// The xids that belong to the current session's transaction: the top-level
/// xid and its live (not rolled back) subtransaction xids. Sorted; lookups
/// are a binary search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnXids {
    xids: Vec<Xid>,
}

impl OwnXids {
    /// No xids: a transaction that has not written.
    pub fn new() -> Self {
        OwnXids { xids: Vec::new() }
    }

    /// Is `xid` one of ours (PostgreSQL's `TransactionIdIsCurrentTransactionId`)?
    pub fn contains(&self, xid: Xid) -> bool {
        xid.is_normal() && self.xids.binary_search(&xid).is_ok()
    }

    /// Adds `xid`.
    pub fn insert(&mut self, xid: Xid) {
        if let Err(i) = self.xids.binary_search(&xid) {
            self.xids.insert(i, xid);
        }
    }

    /// Removes `xid` (its subtransaction rolled back).
    pub fn remove(&mut self, xid: Xid) {
        if let Ok(i) = self.xids.binary_search(&xid) {
            self.xids.remove(i);
        }
    }

    /// Forgets everything (transaction end).
    pub fn clear(&mut self) {
        self.xids.clear();
    }

    /// The xids, sorted.
    pub fn as_slice(&self) -> &[Xid] {
        &self.xids
    }

    /// True if no xid has been assigned.
    pub fn is_empty(&self) -> bool {
        self.xids.is_empty()
    }
}

impl<const N: usize> From<[Xid; N]> for OwnXids {
    fn from(a: [Xid; N]) -> Self {
        let mut o = OwnXids::new();
        for x in a {
            o.insert(x);
        }
        o
    }
}

/// An MVCC snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Every xid below this had finished when the snapshot was taken.
    pub xmin: Xid,
    /// Every xid at or above this had not started (the next xid to assign).
    pub xmax: Xid,
    /// The xids running when the snapshot was taken, sorted.
    pub xip: Vec<Xid>,
    /// The reading command: own writes with cid >= curcid are not seen.
    pub curcid: CommandId,
    /// The reading transaction's own xids.
    pub own: OwnXids,
}

impl Snapshot {
    /// A snapshot that sees every committed transaction below `xmax` and
    /// none running: for tests and bootstrap.
    pub fn new(xmin: Xid, xmax: Xid, xip: Vec<Xid>) -> Self {
        let mut xip = xip;
        xip.sort();
        Snapshot {
            xmin,
            xmax,
            xip,
            curcid: CommandId::FIRST,
            own: OwnXids::new(),
        }
    }

    /// Is `xid` still running as far as this snapshot is concerned
    /// (PostgreSQL's `XidInMVCCSnapshot`)? Own xids are not special here:
    /// callers test [`OwnXids::contains`] first.
    pub fn xid_in_snapshot(&self, xid: Xid) -> bool {
        if xid < self.xmin {
            return false;
        }
        if xid >= self.xmax {
            return true;
        }
        self.xip.binary_search(&xid).is_ok()
    }
}

/// A snapshot whose xmin is registered with the transaction manager: vacuum
/// will not remove row versions it may still see until this is dropped.
pub struct RegisteredSnapshot {
    snap: Snapshot,
    /// The xmin that was registered (the snapshot's own may be edited).
    registered: Xid,
    procs: Arc<ProcArray>,
}

impl RegisteredSnapshot {
    pub(crate) fn new(snap: Snapshot, procs: Arc<ProcArray>) -> Self {
        RegisteredSnapshot {
            registered: snap.xmin,
            snap,
            procs,
        }
    }

    /// The snapshot.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snap
    }
}

impl Deref for RegisteredSnapshot {
    type Target = Snapshot;
    fn deref(&self) -> &Snapshot {
        &self.snap
    }
}

impl DerefMut for RegisteredSnapshot {
    /// For refreshing `curcid` and `own`. The registration keeps the xmin
    /// the snapshot was taken with, whatever is written here.
    fn deref_mut(&mut self) -> &mut Snapshot {
        &mut self.snap
    }
}

impl Clone for RegisteredSnapshot {
    /// Registers the same xmin again (safe: the original still holds it).
    fn clone(&self) -> Self {
        self.procs.register_xmin(self.registered);
        RegisteredSnapshot {
            snap: self.snap.clone(),
            registered: self.registered,
            procs: self.procs.clone(),
        }
    }
}

impl Drop for RegisteredSnapshot {
    fn drop(&mut self) {
        self.procs.unregister_xmin(self.registered);
    }
}
