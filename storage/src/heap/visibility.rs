//! Tuple visibility: PostgreSQL's `heapam_visibility.c` over our header
//! ([`super::htup`]).
//!
//! Interface routines:
//!
//! - [`satisfies_mvcc`] — is this row version visible to a snapshot?
//!   (`HeapTupleSatisfiesMVCC`)
//! - [`satisfies_update`] — may the current command update/delete/lock it,
//!   and if not, why? (`HeapTupleSatisfiesUpdate`, returns [`TmResult`])
//! - [`satisfies_vacuum`] — is it dead to everyone below a horizon?
//!   (`HeapTupleSatisfiesVacuum`, returns [`VacuumResult`])
//! - [`satisfies_dirty`] — is it live, dead, or waiting on a running
//!   writer, as a unique index check sees it? (`HeapTupleSatisfiesDirty`,
//!   returns [`Liveness`])
//!
//! Each returns the hint bits it learned (`HEAP_XMIN_COMMITTED`,
//! `HEAP_XMIN_INVALID`, `HEAP_XMAX_COMMITTED`, `HEAP_XMAX_INVALID`) instead of
//! setting them: the caller may hold only a shared page lock and ORs them in
//! later ([`super::htup::HeapTupleHeaderMut::add_hint_bits`]). With the WAL,
//! a COMMITTED hint may only be set once the commit record is flushed: with
//! a synchronous commit that is always true when the clog says committed;
//! after an asynchronous one the hint is left off until the walwriter has
//! flushed the record ([`TransactionManager::hint_committed_ok`]).
//!
//! No function allocates: own-xid and snapshot lookups are binary searches.
//!
//! # MVCC rules (`satisfies_mvcc`)
//!
//! "own" = xid in `snap.own` (top-level or a live subtransaction of the
//! reader); "in snap" = [`Snapshot::xid_in_snapshot`]; lock-only = xmax has
//! `HEAP_XMAX_LOCK_ONLY`.
//!
//! ```text
//!  xmin                                   xmax                               visible  hints
//!  ------------------------------------   --------------------------------   -------  -----------
//!  hint XMIN_INVALID                      any                                no       -
//!  aborted (clog)                         any                                no       XMIN_INVALID
//!  frozen (XMIN_FROZEN, FROZEN/BOOTSTRAP) (as for committed, below)
//!  own, cmin >= curcid                    any                                no       -
//!  own, cmin <  curcid                    none / lock-only                   yes      -
//!  own, cmin <  curcid                    own, cmax >= curcid                yes      -
//!  own, cmin <  curcid                    own, cmax <  curcid                no       -
//!  own, cmin <  curcid                    not own (aborted subxact)          yes      XMAX_INVALID
//!  in snap (running or later)             any                                no       -
//!  committed, not in snap                 none (0 or XMAX_INVALID)           yes      XMIN_COMMITTED
//!  committed, not in snap                 lock-only                          yes      XMIN_COMMITTED
//!  committed, not in snap                 own, cmax >= curcid                yes
//!  committed, not in snap                 own, cmax <  curcid                no
//!  committed, not in snap                 in snap                            yes
//!  committed, not in snap                 aborted / crashed                  yes      XMAX_INVALID
//!  committed, not in snap                 committed, not in snap             no       XMAX_COMMITTED
//! ```
//!
//! As in PostgreSQL, the snapshot is consulted before the clog: an xid the
//! snapshot considers running is invisible even if it has committed since.
//!
//! # Update rules (`satisfies_update`)
//!
//! ```text
//!  Invisible      xmin aborted, in progress (not own), or own with cmin >= curcid,
//!                 or own-deleted by an earlier command
//!  SelfModified   updated/deleted by the current transaction at cmax >= curcid
//!  Ok             xmax none, aborted, or a lock-only locker that has finished
//!  BeingModified  xmax running (or own lock): caller waits (or locks) and retries
//!  Updated        xmax committed, ctid points elsewhere (follow the chain)
//!  Deleted        xmax committed, ctid points to itself
//! ```
//! `WouldBlock` is produced by the row-locking code (NOWAIT / SKIP LOCKED),
//! never here.
//!
//! # Vacuum rules (`satisfies_vacuum`)
//!
//! ```text
//!  Dead              xmin aborted; or xmax committed below oldest_xmin
//!  RecentlyDead      xmax committed at or above oldest_xmin
//!  InsertInProgress  xmin running (and not deleted by itself)
//!  DeleteInProgress  xmin committed and xmax running; or xmin running, xmax == xmin
//!  Live              otherwise (including lock-only xmax and aborted xmax)
//! ```
//!
//! # Dirty rules (`satisfies_dirty`)
//!
//! What a unique-index insertion must judge a conflicting row version by:
//! committed and in-progress changes both count, no snapshot is involved.
//! "own" = xid in the inserter's own xids.
//!
//! ```text
//!  xmin                       xmax                                 result
//!  -------------------------  -----------------------------------  --------------------
//!  aborted / invalid          any                                  Dead
//!  own                        none, lock-only, aborted subxact     Live
//!  own                        own (deleted by me)                  Dead
//!  running (not own)          any                                  InProgress(xmin)
//!  committed                  none / lock-only / aborted           Live
//!  committed                  own (deleted by me)                  Dead
//!  committed                  committed                            Dead
//!  committed                  running (not own)                    InProgress(xmax)
//! ```
//!
//! There are no multixacts: a row has one xmax, so a second locker waits for
//! the first (the row-locking code's concern).

use crate::error::Result;
use crate::txn::clog::XidStatus;
use crate::txn::snapshot::{OwnXids, Snapshot};
use crate::txn::xact::TransactionManager;
use crate::types::{CommandId, ItemPointer, Xid};

use super::htup::{
    HEAP_XMAX_COMMITTED, HEAP_XMAX_INVALID, HEAP_XMIN_COMMITTED, HEAP_XMIN_INVALID, HeapTupleHeader,
};

/// PostgreSQL's `TM_Result`: the outcome of trying to update, delete or lock
/// a row version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TmResult {
    /// The row version may be modified.
    Ok,
    /// Not visible to the command at all (should not happen for a version
    /// found by a scan with the same snapshot).
    Invisible,
    /// Already modified by the current command (or a later one of ours).
    SelfModified,
    /// Updated by a committed transaction; the newer version is at `ctid`.
    Updated,
    /// Deleted by a committed transaction.
    Deleted,
    /// Being modified or locked by a running transaction: wait and retry.
    BeingModified,
    /// The lock could not be taken without waiting (NOWAIT / SKIP LOCKED).
    WouldBlock,
}

/// PostgreSQL's `HTSV_Result`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VacuumResult {
    /// Visible to someone, not deleted.
    Live,
    /// Invisible to everyone: removable.
    Dead,
    /// Deleted, but some snapshot may still see it.
    RecentlyDead,
    /// The inserting transaction is still running.
    InsertInProgress,
    /// The deleting transaction is still running.
    DeleteInProgress,
}

/// A row version as a unique-index check sees it ([`satisfies_dirty`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// Deleted by a committed (or the checking) transaction, or never
    /// committed: no conflict.
    Dead,
    /// Inserted by a committed (or the checking) transaction and not
    /// deleted: a conflict.
    Live,
    /// Inserted or deleted by this running transaction: wait for it, then
    /// look again.
    InProgress(Xid),
}

/// Is xmax only a locker (so it never hides the row)?
fn xmax_lock_only(tup: &HeapTupleHeader) -> bool {
    tup.xmax_is_lock_only()
}

/// xmax invalid: the hint, or no xid at all.
fn xmax_none(tup: &HeapTupleHeader, mask: u16) -> bool {
    mask & HEAP_XMAX_INVALID != 0 || !tup.xmax().is_valid()
}

/// The status of a writer not found in the snapshot (PostgreSQL's
/// `TransactionIdIsInProgress` + `TransactionIdDidCommit`).
fn did_commit(txns: &TransactionManager, xid: Xid) -> Result<XidStatus> {
    txns.status(xid)
}

/// `bit` (a COMMITTED hint for committed `xid`) if it may be set now: not
/// before an asynchronous commit's record is flushed (`SetHintBits`).
fn committed_hint(txns: &TransactionManager, xid: Xid, bit: u16) -> Result<u16> {
    Ok(if txns.hint_committed_ok(xid)? { bit } else { 0 })
}

/// `HeapTupleSatisfiesMVCC`: is this row version visible to `snap`? Returns
/// the visibility and the hint bits learned. See the module table.
pub fn satisfies_mvcc(
    tup: HeapTupleHeader,
    snap: &Snapshot,
    txns: &TransactionManager,
) -> Result<(bool, u16)> {
    let mask = tup.infomask();
    let mut hints = 0u16;
    let xmin = tup.xmin();

    if mask & HEAP_XMIN_COMMITTED == 0 {
        if mask & HEAP_XMIN_INVALID != 0 {
            return Ok((false, 0));
        }
        if !xmin.is_normal() {
            if xmin == Xid::INVALID {
                return Ok((false, HEAP_XMIN_INVALID));
            }
            // BOOTSTRAP / FROZEN: committed before everything.
            hints |= HEAP_XMIN_COMMITTED;
        } else if snap.own.contains(xmin) {
            if tup.cmin() >= snap.curcid {
                return Ok((false, 0)); // inserted after scan started
            }
            if xmax_none(&tup, mask) || xmax_lock_only(&tup) {
                return Ok((true, 0));
            }
            if !snap.own.contains(tup.xmax()) {
                // deleting subtransaction must have aborted
                return Ok((true, HEAP_XMAX_INVALID));
            }
            return Ok((tup.cmax() >= snap.curcid, 0)); // deleted after scan started?
        } else if snap.xid_in_snapshot(xmin) {
            return Ok((false, 0));
        } else {
            match did_commit(txns, xmin)? {
                XidStatus::Committed => hints |= committed_hint(txns, xmin, HEAP_XMIN_COMMITTED)?,
                XidStatus::InProgress => return Ok((false, 0)),
                _ => return Ok((false, HEAP_XMIN_INVALID)),
            }
        }
    } else if !tup.xmin_frozen() && xmin.is_normal() && snap.xid_in_snapshot(xmin) {
        // Committed, but after our snapshot was taken.
        return Ok((false, 0));
    }

    // By here the inserting transaction committed (and is visible to us).
    if xmax_none(&tup, mask) {
        if mask & HEAP_XMAX_INVALID == 0 {
            hints |= HEAP_XMAX_INVALID;
        }
        return Ok((true, hints));
    }
    if xmax_lock_only(&tup) {
        return Ok((true, hints));
    }
    let xmax = tup.xmax();
    if mask & HEAP_XMAX_COMMITTED == 0 {
        if snap.own.contains(xmax) {
            return Ok((tup.cmax() >= snap.curcid, hints));
        }
        if snap.xid_in_snapshot(xmax) {
            return Ok((true, hints));
        }
        match did_commit(txns, xmax)? {
            XidStatus::Committed => hints |= committed_hint(txns, xmax, HEAP_XMAX_COMMITTED)?,
            XidStatus::InProgress => return Ok((true, hints)),
            _ => return Ok((true, hints | HEAP_XMAX_INVALID)),
        }
    } else if snap.xid_in_snapshot(xmax) {
        return Ok((true, hints));
    }
    Ok((false, hints))
}

/// `HeapTupleSatisfiesUpdate`: may command `curcid` of the transaction
/// owning `own` update, delete or lock this row version, whose own address
/// is `self_tid`? Returns the [`TmResult`] and the hint bits learned.
pub fn satisfies_update(
    tup: HeapTupleHeader,
    self_tid: ItemPointer,
    curcid: CommandId,
    own: &OwnXids,
    txns: &TransactionManager,
) -> Result<(TmResult, u16)> {
    let mask = tup.infomask();
    let mut hints = 0u16;
    let xmin = tup.xmin();

    if mask & HEAP_XMIN_COMMITTED == 0 {
        if mask & HEAP_XMIN_INVALID != 0 {
            return Ok((TmResult::Invisible, 0));
        }
        if !xmin.is_normal() {
            if xmin == Xid::INVALID {
                return Ok((TmResult::Invisible, HEAP_XMIN_INVALID));
            }
            hints |= HEAP_XMIN_COMMITTED;
        } else if own.contains(xmin) {
            if tup.cmin() >= curcid {
                return Ok((TmResult::Invisible, 0)); // inserted after scan started
            }
            if xmax_none(&tup, mask) {
                return Ok((TmResult::Ok, 0));
            }
            let xmax = tup.xmax();
            if xmax_lock_only(&tup) {
                // Locked by ourselves or (after an update of a locked row)
                // by someone else: only a running locker matters.
                if own.contains(xmax) || txns.is_in_progress(xmax) {
                    return Ok((TmResult::BeingModified, 0));
                }
                return Ok((TmResult::Ok, 0));
            }
            if !own.contains(xmax) {
                // deleting subtransaction must have aborted
                return Ok((TmResult::Ok, HEAP_XMAX_INVALID));
            }
            return Ok(if tup.cmax() >= curcid {
                (TmResult::SelfModified, 0) // updated after scan started
            } else {
                (TmResult::Invisible, 0) // updated before scan started
            });
        } else {
            match did_commit(txns, xmin)? {
                XidStatus::InProgress => return Ok((TmResult::Invisible, 0)),
                XidStatus::Committed => hints |= committed_hint(txns, xmin, HEAP_XMIN_COMMITTED)?,
                _ => return Ok((TmResult::Invisible, HEAP_XMIN_INVALID)),
            }
        }
    }

    // By here, the inserting transaction has committed.
    if xmax_none(&tup, mask) {
        if mask & HEAP_XMAX_INVALID == 0 {
            hints |= HEAP_XMAX_INVALID;
        }
        return Ok((TmResult::Ok, hints));
    }
    let updated_or_deleted = || {
        if tup.ctid() != self_tid {
            TmResult::Updated
        } else {
            TmResult::Deleted
        }
    };
    if mask & HEAP_XMAX_COMMITTED != 0 {
        if xmax_lock_only(&tup) {
            return Ok((TmResult::Ok, hints));
        }
        return Ok((updated_or_deleted(), hints));
    }
    let xmax = tup.xmax();
    if own.contains(xmax) {
        if xmax_lock_only(&tup) {
            return Ok((TmResult::BeingModified, hints));
        }
        return Ok(if tup.cmax() >= curcid {
            (TmResult::SelfModified, hints)
        } else {
            (TmResult::Invisible, hints)
        });
    }
    match did_commit(txns, xmax)? {
        XidStatus::InProgress => Ok((TmResult::BeingModified, hints)),
        XidStatus::Committed => {
            if xmax_lock_only(&tup) {
                // A finished locker leaves nothing of interest.
                Ok((TmResult::Ok, hints | HEAP_XMAX_INVALID))
            } else {
                Ok((
                    updated_or_deleted(),
                    hints | committed_hint(txns, xmax, HEAP_XMAX_COMMITTED)?,
                ))
            }
        }
        // it must have aborted or crashed
        _ => Ok((TmResult::Ok, hints | HEAP_XMAX_INVALID)),
    }
}

/// `HeapTupleSatisfiesDirty`: the row version's [`Liveness`] for a unique
/// check by the transaction owning `own` (table in the module doc), with
/// the hint bits learned.
pub fn satisfies_dirty(
    tup: HeapTupleHeader,
    own: &OwnXids,
    txns: &TransactionManager,
) -> Result<(Liveness, u16)> {
    let mask = tup.infomask();
    let mut hints = 0u16;
    let xmin = tup.xmin();

    if mask & HEAP_XMIN_COMMITTED == 0 {
        if mask & HEAP_XMIN_INVALID != 0 || xmin == Xid::INVALID {
            return Ok((Liveness::Dead, 0));
        }
        if !xmin.is_normal() {
            hints |= HEAP_XMIN_COMMITTED;
        } else if own.contains(xmin) {
            if xmax_none(&tup, mask) || xmax_lock_only(&tup) {
                return Ok((Liveness::Live, 0));
            }
            if own.contains(tup.xmax()) {
                return Ok((Liveness::Dead, 0));
            }
            // deleting subtransaction must have aborted
            return Ok((Liveness::Live, HEAP_XMAX_INVALID));
        } else {
            match did_commit(txns, xmin)? {
                XidStatus::InProgress => return Ok((Liveness::InProgress(xmin), 0)),
                XidStatus::Committed => hints |= HEAP_XMIN_COMMITTED,
                _ => return Ok((Liveness::Dead, HEAP_XMIN_INVALID)),
            }
        }
    }

    // By here, the inserting transaction has committed.
    if xmax_none(&tup, mask) {
        if mask & HEAP_XMAX_INVALID == 0 {
            hints |= HEAP_XMAX_INVALID;
        }
        return Ok((Liveness::Live, hints));
    }
    if xmax_lock_only(&tup) {
        return Ok((Liveness::Live, hints));
    }
    if mask & HEAP_XMAX_COMMITTED != 0 {
        return Ok((Liveness::Dead, hints));
    }
    let xmax = tup.xmax();
    if own.contains(xmax) {
        return Ok((Liveness::Dead, hints));
    }
    match did_commit(txns, xmax)? {
        XidStatus::InProgress => Ok((Liveness::InProgress(xmax), hints)),
        XidStatus::Committed => Ok((Liveness::Dead, hints | HEAP_XMAX_COMMITTED)),
        _ => Ok((Liveness::Live, hints | HEAP_XMAX_INVALID)),
    }
}

/// `HeapTupleSatisfiesVacuum`: the row version's state with respect to the
/// horizon `oldest_xmin` ([`TransactionManager::oldest_xmin`]). Returns the
/// result and the hint bits learned.
pub fn satisfies_vacuum(
    tup: HeapTupleHeader,
    oldest_xmin: Xid,
    txns: &TransactionManager,
) -> Result<(VacuumResult, u16)> {
    let mask = tup.infomask();
    let mut hints = 0u16;
    let xmin = tup.xmin();

    if mask & HEAP_XMIN_COMMITTED == 0 {
        if mask & HEAP_XMIN_INVALID != 0 {
            return Ok((VacuumResult::Dead, 0));
        }
        match did_commit(txns, xmin)? {
            XidStatus::InProgress => {
                if xmax_none(&tup, mask) || xmax_lock_only(&tup) {
                    return Ok((VacuumResult::InsertInProgress, 0));
                }
                if tup.xmax() == xmin {
                    return Ok((VacuumResult::DeleteInProgress, 0));
                }
                return Ok((VacuumResult::InsertInProgress, 0));
            }
            XidStatus::Committed => hints |= committed_hint(txns, xmin, HEAP_XMIN_COMMITTED)?,
            _ => return Ok((VacuumResult::Dead, HEAP_XMIN_INVALID)),
        }
    }

    // Okay, the inserter committed, so it was good at some point.
    if xmax_none(&tup, mask) {
        if mask & HEAP_XMAX_INVALID == 0 {
            hints |= HEAP_XMAX_INVALID;
        }
        return Ok((VacuumResult::Live, hints));
    }
    let xmax = tup.xmax();
    if xmax_lock_only(&tup) {
        // A lock never makes a row dead; forget a finished locker.
        if mask & HEAP_XMAX_COMMITTED == 0 && !txns.is_in_progress(xmax) {
            hints |= HEAP_XMAX_INVALID;
        }
        return Ok((VacuumResult::Live, hints));
    }
    if mask & HEAP_XMAX_COMMITTED == 0 {
        match did_commit(txns, xmax)? {
            XidStatus::InProgress => return Ok((VacuumResult::DeleteInProgress, hints)),
            XidStatus::Committed => hints |= committed_hint(txns, xmax, HEAP_XMAX_COMMITTED)?,
            _ => return Ok((VacuumResult::Live, hints | HEAP_XMAX_INVALID)),
        }
    }

    // Deleted by a committed transaction: dead once no snapshot can see it.
    if xmax >= oldest_xmin {
        return Ok((VacuumResult::RecentlyDead, hints));
    }
    Ok((VacuumResult::Dead, hints))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::htup::{
        HEAP_XMAX_EXCL_LOCK, HEAP_XMAX_LOCK_ONLY, HEAP_XMIN_FROZEN, HeapTupleHeaderMut,
    };
    use crate::txn::{OwnerId, TransactionState};
    use crate::types::{BlockNumber, OffsetNumber};

    /// The cast of transactions every case refers to by name.
    struct World {
        _dir: tempfile::TempDir,
        txns: TransactionManager,
        /// The reading session: top `me`, live subxact `sub`, rolled-back `subab`.
        me: TransactionState,
        snap: Snapshot,
        /// committed before the snapshot
        c1: Xid,
        /// aborted
        ab: Xid,
        /// running at snapshot time, committed after it
        ca: Xid,
        /// running throughout
        run: Xid,
        /// assigned and committed after the snapshot
        late: Xid,
        /// committed, then a snapshot-independent "old" deleter for vacuum
        top: Xid,
        sub: Xid,
        subab: Xid,
    }

    fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let txns = TransactionManager::open(dir.path(), Xid::FIRST_NORMAL).unwrap();
        let other = OwnerId(2);
        let c1 = txns.assign_xid(other).unwrap();
        txns.commit(c1, &[]).unwrap();
        let ab = txns.assign_xid(other).unwrap();
        txns.abort(ab, &[]).unwrap();
        let ca = txns.assign_xid(OwnerId(3)).unwrap();
        let run = txns.assign_xid(OwnerId(4)).unwrap();

        let mut me = TransactionState::new(OwnerId(1));
        me.begin().unwrap();
        let top = me.assign_xid(&txns).unwrap();
        me.begin_subxact().unwrap();
        let subab = me.assign_xid(&txns).unwrap();
        me.rollback_subxact(&txns).unwrap();
        me.begin_subxact().unwrap();
        let sub = me.assign_xid(&txns).unwrap();
        for _ in 0..5 {
            me.command_counter_increment();
        }
        let snap = me.snapshot(&txns);
        assert_eq!(snap.curcid, CommandId(5));

        txns.commit(ca, &[]).unwrap();
        let late = txns.assign_xid(other).unwrap();
        txns.commit(late, &[]).unwrap();
        World {
            _dir: dir,
            txns,
            me,
            snap,
            c1,
            ab,
            ca,
            run,
            late,
            top,
            sub,
            subab,
        }
    }

    /// Symbolic xids in the golden table.
    #[derive(Clone, Copy, Debug)]
    enum X {
        None,
        Frozen,
        Boot,
        C1,
        Ab,
        Ca,
        Run,
        Late,
        Top,
        Sub,
        SubAb,
    }

    impl World {
        fn xid(&self, x: X) -> Xid {
            match x {
                X::None => Xid::INVALID,
                X::Frozen => Xid::FROZEN,
                X::Boot => Xid::BOOTSTRAP,
                X::C1 => self.c1,
                X::Ab => self.ab,
                X::Ca => self.ca,
                X::Run => self.run,
                X::Late => self.late,
                X::Top => self.top,
                X::Sub => self.sub,
                X::SubAb => self.subab,
            }
        }
    }

    const SELF_TID: ItemPointer = ItemPointer {
        block: BlockNumber(0),
        offset: OffsetNumber(1),
    };
    const OTHER_TID: ItemPointer = ItemPointer {
        block: BlockNumber(0),
        offset: OffsetNumber(2),
    };

    /// A row version: xmin, cmin, xmax, cmax, infomask, ctid moved elsewhere?
    #[derive(Clone, Copy, Debug)]
    struct Tup(X, u32, X, u32, u16, bool);

    fn build(w: &World, t: Tup) -> [u8; 40] {
        let mut buf = [0u8; 40];
        let mut h = HeapTupleHeaderMut(&mut buf);
        h.set_xmin(w.xid(t.0));
        h.set_cmin(CommandId(t.1));
        h.set_xmax(w.xid(t.2));
        h.set_cmax(CommandId(t.3));
        let mut mask = t.4;
        if matches!(t.2, X::None) {
            mask |= HEAP_XMAX_INVALID;
        }
        h.set_infomask(mask);
        h.set_ctid(if t.5 { OTHER_TID } else { SELF_TID });
        h.set_hoff(40);
        buf
    }

    const LOCK: u16 = HEAP_XMAX_LOCK_ONLY | HEAP_XMAX_EXCL_LOCK;
    const XC: u16 = HEAP_XMIN_COMMITTED;
    const XI: u16 = HEAP_XMIN_INVALID;
    const MC: u16 = HEAP_XMAX_COMMITTED;
    const MI: u16 = HEAP_XMAX_INVALID;

    /// (case, tuple, visible to the snapshot at curcid 5, hint bits learned)
    #[rustfmt::skip]
    const MVCC_CASES: &[(&str, Tup, bool, u16)] = &[
        ("own insert, earlier command",            Tup(X::Top, 3, X::None, 0, 0, false),   true,  0),
        ("own insert, same command",               Tup(X::Top, 5, X::None, 0, 0, false),   false, 0),
        ("own insert, later command",              Tup(X::Top, 6, X::None, 0, 0, false),   false, 0),
        ("own subxact insert",                     Tup(X::Sub, 4, X::None, 0, 0, false),   true,  0),
        ("aborted subxact insert",                 Tup(X::SubAb, 1, X::None, 0, 0, false), false, XI),
        ("own insert, deleted by own earlier cmd", Tup(X::Top, 1, X::Top, 2, 0, false),    false, 0),
        ("own insert, deleted by own this cmd",    Tup(X::Top, 1, X::Top, 5, 0, false),    true,  0),
        ("own insert, deleted by aborted subxact", Tup(X::Top, 1, X::SubAb, 2, 0, false),  true,  MI),
        ("own insert, locked by self",             Tup(X::Top, 1, X::Top, 2, LOCK, false), true,  0),
        ("concurrent uncommitted insert",          Tup(X::Run, 0, X::None, 0, 0, false),   false, 0),
        ("committed after snapshot (in xip)",      Tup(X::Ca, 0, X::None, 0, 0, false),    false, 0),
        ("committed after snapshot, hinted",       Tup(X::Ca, 0, X::None, 0, XC, false),   false, 0),
        ("started after snapshot (>= xmax)",       Tup(X::Late, 0, X::None, 0, 0, false),  false, 0),
        ("committed before snapshot",              Tup(X::C1, 0, X::None, 0, 0, false),    true,  XC),
        ("committed before, already hinted",       Tup(X::C1, 0, X::None, 0, XC | MI, false), true, 0),
        ("aborted insert",                         Tup(X::Ab, 0, X::None, 0, 0, false),    false, XI),
        ("hinted invalid insert",                  Tup(X::C1, 0, X::None, 0, XI, false),   false, 0),
        ("frozen by hint bits",                    Tup(X::Late, 0, X::None, 0, HEAP_XMIN_FROZEN, false), true, 0),
        ("xmin FROZEN",                            Tup(X::Frozen, 0, X::None, 0, 0, false), true, XC),
        ("xmin BOOTSTRAP",                         Tup(X::Boot, 0, X::None, 0, 0, false),  true,  XC),
        ("deleted by committed before snapshot",   Tup(X::C1, 0, X::C1, 0, 0, true),       false, XC | MC),
        ("deleted by committed, hinted",           Tup(X::C1, 0, X::C1, 0, XC | MC, true), false, 0),
        ("deleted by aborted",                     Tup(X::C1, 0, X::Ab, 0, XC, true),      true,  MI),
        ("deleted by in-progress other",           Tup(X::C1, 0, X::Run, 0, XC, true),     true,  0),
        ("deleted by committed after snapshot",    Tup(X::C1, 0, X::Ca, 0, XC, true),      true,  0),
        ("deleted after snapshot, hinted",         Tup(X::C1, 0, X::Late, 0, XC | MC, true), true, 0),
        ("deleted by self, earlier command",       Tup(X::C1, 0, X::Top, 4, XC, true),     false, 0),
        ("deleted by self, this command",          Tup(X::C1, 0, X::Top, 5, XC, true),     true,  0),
        ("deleted by own subxact, earlier command",Tup(X::C1, 0, X::Sub, 4, XC, true),     false, 0),
        ("deleted by aborted own subxact",         Tup(X::C1, 0, X::SubAb, 1, XC, true),   true,  MI),
        ("locked by running other (lock-only)",    Tup(X::C1, 0, X::Run, 0, XC | LOCK, false), true, 0),
        ("locked by committed (lock-only)",        Tup(X::C1, 0, X::C1, 0, XC | LOCK, false), true, 0),
        ("xmax 0 without hint",                    Tup(X::C1, 0, X::None, 0, XC, false),   true,  0),
    ];

    #[test]
    fn mvcc_golden() {
        let w = world();
        let mut failures = Vec::new();
        for (name, t, vis, hints) in MVCC_CASES {
            let buf = build(&w, *t);
            let got = satisfies_mvcc(HeapTupleHeader(&buf), &w.snap, &w.txns).unwrap();
            if got != (*vis, *hints) {
                failures.push(format!("{name}: got {got:?}, want ({vis}, {hints:#06x})"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // The own-xid set excludes the rolled-back subtransaction.
        assert!(w.me.own_xids().contains(w.sub) && !w.me.own_xids().contains(w.subab));
    }

    #[rustfmt::skip]
    const UPDATE_CASES: &[(&str, Tup, TmResult, u16)] = &[
        ("plain committed row",              Tup(X::C1, 0, X::None, 0, 0, false),        TmResult::Ok, XC),
        ("own insert, earlier command",      Tup(X::Top, 1, X::None, 0, 0, false),       TmResult::Ok, 0),
        ("own insert, this command",         Tup(X::Top, 5, X::None, 0, 0, false),       TmResult::Invisible, 0),
        ("own insert, own delete this cmd",  Tup(X::Top, 1, X::Top, 5, 0, false),        TmResult::SelfModified, 0),
        ("own insert, own delete earlier",   Tup(X::Top, 1, X::Top, 2, 0, false),        TmResult::Invisible, 0),
        ("own insert, aborted subxact del",  Tup(X::Top, 1, X::SubAb, 2, 0, false),      TmResult::Ok, MI),
        ("own insert, locked by self",       Tup(X::Top, 1, X::Top, 2, LOCK, false),     TmResult::BeingModified, 0),
        ("uncommitted insert by other",      Tup(X::Run, 0, X::None, 0, 0, false),       TmResult::Invisible, 0),
        ("aborted insert",                   Tup(X::Ab, 0, X::None, 0, 0, false),        TmResult::Invisible, XI),
        ("being deleted by other",           Tup(X::C1, 0, X::Run, 0, XC, true),         TmResult::BeingModified, 0),
        ("locked by running other",          Tup(X::C1, 0, X::Run, 0, XC | LOCK, false), TmResult::BeingModified, 0),
        ("locked by finished locker",        Tup(X::C1, 0, X::C1, 0, XC | LOCK, false),  TmResult::Ok, MI),
        ("updated by committed",             Tup(X::C1, 0, X::Ca, 0, XC, true),          TmResult::Updated, MC),
        ("deleted by committed",             Tup(X::C1, 0, X::Ca, 0, XC, false),         TmResult::Deleted, MC),
        ("deleted by committed, hinted",     Tup(X::C1, 0, X::Ca, 0, XC | MC, false),    TmResult::Deleted, 0),
        ("deleted by aborted",               Tup(X::C1, 0, X::Ab, 0, XC, true),          TmResult::Ok, MI),
        ("deleted by self this command",     Tup(X::C1, 0, X::Top, 5, XC, true),         TmResult::SelfModified, 0),
        ("deleted by self earlier",          Tup(X::C1, 0, X::Sub, 2, XC, true),         TmResult::Invisible, 0),
    ];

    #[test]
    fn update_golden() {
        let w = world();
        let mut failures = Vec::new();
        for (name, t, res, hints) in UPDATE_CASES {
            let buf = build(&w, *t);
            let got = satisfies_update(
                HeapTupleHeader(&buf),
                SELF_TID,
                w.snap.curcid,
                w.me.own_xids(),
                &w.txns,
            )
            .unwrap();
            if got != (*res, *hints) {
                failures.push(format!("{name}: got {got:?}, want ({res:?}, {hints:#06x})"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[rustfmt::skip]
    const VACUUM_CASES: &[(&str, Tup, VacuumResult, u16)] = &[
        ("live committed row",            Tup(X::C1, 0, X::None, 0, 0, false),        VacuumResult::Live, XC),
        ("aborted insert",                Tup(X::Ab, 0, X::None, 0, 0, false),        VacuumResult::Dead, XI),
        ("insert in progress",            Tup(X::Run, 0, X::None, 0, 0, false),       VacuumResult::InsertInProgress, 0),
        ("insert+delete in progress",     Tup(X::Run, 0, X::Run, 0, 0, false),        VacuumResult::DeleteInProgress, 0),
        ("delete in progress",            Tup(X::C1, 0, X::Run, 0, XC, false),        VacuumResult::DeleteInProgress, 0),
        ("deleted below horizon",         Tup(X::C1, 0, X::C1, 0, XC, false),         VacuumResult::Dead, MC),
        ("deleted at/above horizon",      Tup(X::C1, 0, X::Late, 0, XC, false),       VacuumResult::RecentlyDead, MC),
        ("deleted by aborted",            Tup(X::C1, 0, X::Ab, 0, XC, false),         VacuumResult::Live, MI),
        ("locked by running",             Tup(X::C1, 0, X::Run, 0, XC | LOCK, false), VacuumResult::Live, 0),
        ("locked by finished",            Tup(X::C1, 0, X::C1, 0, XC | LOCK, false),  VacuumResult::Live, MI),
        ("aborted subxact insert",        Tup(X::SubAb, 0, X::None, 0, 0, false),     VacuumResult::Dead, XI),
        ("frozen",                        Tup(X::Frozen, 0, X::None, 0, 0, false),    VacuumResult::Live, XC),
    ];

    #[test]
    fn vacuum_golden() {
        let w = world();
        // A horizon between c1 and late: as if a snapshot with xmin = late
        // were the oldest.
        let horizon = w.late;
        let mut failures = Vec::new();
        for (name, t, res, hints) in VACUUM_CASES {
            let buf = build(&w, *t);
            let got = satisfies_vacuum(HeapTupleHeader(&buf), horizon, &w.txns).unwrap();
            if got != (*res, *hints) {
                failures.push(format!("{name}: got {got:?}, want ({res:?}, {hints:#06x})"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[rustfmt::skip]
    const DIRTY_CASES: &[(&str, Tup, Liveness, u16)] = &[
        ("live committed row",             Tup(X::C1, 0, X::None, 0, 0, false),        Liveness::Live, XC),
        ("live committed, hinted",         Tup(X::C1, 0, X::None, 0, XC | MI, false),  Liveness::Live, 0),
        ("aborted insert",                 Tup(X::Ab, 0, X::None, 0, 0, false),        Liveness::Dead, XI),
        ("hinted invalid insert",          Tup(X::C1, 0, X::None, 0, XI, false),       Liveness::Dead, 0),
        ("insert in progress (other)",     Tup(X::Run, 0, X::None, 0, 0, false),       Liveness::InProgress(Xid(0)), 0),
        ("own insert",                     Tup(X::Top, 9, X::None, 0, 0, false),       Liveness::Live, 0),
        ("own subxact insert",             Tup(X::Sub, 1, X::None, 0, 0, false),       Liveness::Live, 0),
        ("own insert, deleted by me",      Tup(X::Top, 1, X::Top, 2, 0, false),        Liveness::Dead, 0),
        ("own insert, aborted subxact del",Tup(X::Top, 1, X::SubAb, 2, 0, false),      Liveness::Live, MI),
        ("own insert, locked by me",       Tup(X::Top, 1, X::Top, 2, LOCK, false),     Liveness::Live, 0),
        ("deleted by committed",           Tup(X::C1, 0, X::Ca, 0, XC, false),         Liveness::Dead, MC),
        ("deleted by committed, hinted",   Tup(X::C1, 0, X::Ca, 0, XC | MC, false),    Liveness::Dead, 0),
        ("deleted by me",                  Tup(X::C1, 0, X::Sub, 3, XC, false),        Liveness::Dead, 0),
        ("delete in progress (other)",     Tup(X::C1, 0, X::Run, 0, XC, false),        Liveness::InProgress(Xid(0)), 0),
        ("deleted by aborted",             Tup(X::C1, 0, X::Ab, 0, XC, false),         Liveness::Live, MI),
        ("locked by running other",        Tup(X::C1, 0, X::Run, 0, XC | LOCK, false), Liveness::Live, 0),
        ("frozen",                         Tup(X::Frozen, 0, X::None, 0, 0, false),    Liveness::Live, XC),
    ];

    #[test]
    fn dirty_golden() {
        let w = world();
        let mut failures = Vec::new();
        for (name, t, res, hints) in DIRTY_CASES {
            let buf = build(&w, *t);
            // InProgress(_) in the table stands for "the running xid".
            let want = match res {
                Liveness::InProgress(_) => Liveness::InProgress(w.run),
                r => *r,
            };
            let got = satisfies_dirty(HeapTupleHeader(&buf), w.me.own_xids(), &w.txns).unwrap();
            if got != (want, *hints) {
                failures.push(format!(
                    "{name}: got {got:?}, want ({want:?}, {hints:#06x})"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn rr_snapshot_refresh_sees_own_later_writes() {
        let mut w = world();
        // Repeatable read: the old snapshot, refreshed for a later command,
        // sees the own row inserted at command 5.
        let buf = build(&w, Tup(X::Top, 5, X::None, 0, 0, false));
        assert!(
            !satisfies_mvcc(HeapTupleHeader(&buf), &w.snap, &w.txns)
                .unwrap()
                .0
        );
        w.me.command_counter_increment();
        let mut snap = w.snap.clone();
        w.me.refresh_snapshot(&mut snap);
        assert!(
            satisfies_mvcc(HeapTupleHeader(&buf), &snap, &w.txns)
                .unwrap()
                .0
        );
        // Still does not see `ca`, which committed after the snapshot.
        let buf = build(&w, Tup(X::Ca, 0, X::None, 0, 0, false));
        assert!(
            !satisfies_mvcc(HeapTupleHeader(&buf), &snap, &w.txns)
                .unwrap()
                .0
        );
        // A new (read committed) snapshot does.
        let fresh = w.me.snapshot(&w.txns);
        assert!(
            satisfies_mvcc(HeapTupleHeader(&buf), &fresh, &w.txns)
                .unwrap()
                .0
        );
    }
}
