//! Transaction start, commit and abort (PostgreSQL's `xact.c`, `varsup.c`
//! and `transam.c` in one place): the shared [`TransactionManager`] and the
//! per-session [`TransactionState`].
//!
//! # Life of a transaction
//!
//! ```text
//!  BEGIN                 TransactionState::begin            no xid yet
//!  first write           TransactionState::assign_xid
//!                          -> TransactionManager::assign_xid:
//!                             next_xid++, xid enters the running set,
//!                             owner takes Exclusive on LockTag::Transaction(xid)
//!  LOCK / table access   TransactionState::lock: recorded at the current level
//!  SAVEPOINT s           begin_subxact                       no xid yet
//!  write in s            assign_xid -> assign_subxid(parent) (parents first,
//!                                                              so parent < child)
//!  RELEASE s             release_subxact: s's xids fold into the parent;
//!                        they stay running and keep their xid locks
//!  ROLLBACK TO s         rollback_subxact: clog ABORTED for s and its
//!                        children, out of the running set, xid locks and
//!                        the locks taken in s released
//!  COMMIT                commit: XACT commit record flushed to the WAL
//!                        (one group-commit fdatasync; without a WAL: clog
//!                        fsync if sync_commit), clog COMMITTED for the
//!                        tree, out of the running set, xid locks
//!                        released (waiters wake), then the locks taken
//!                        with TransactionState::lock
//!  ROLLBACK              abort: XACT abort record (not flushed), clog
//!                        ABORTED (no fsync), same cleanup
//! ```
//!
//! With `synchronous_commit = off` ([`TransactionManager::commit_with`])
//! the commit record is inserted but not flushed before the clog says
//! COMMITTED; the clog then remembers the record's LSN (see
//! [`super::clog`], "Asynchronous commit") and hint bits wait for its flush
//! ([`TransactionManager::hint_committed_ok`]). A crash may lose such a
//! commit (at most about `wal_writer_delay` of them), never half of one.
//!
//! Relations dropped by a transaction (DROP TABLE, TRUNCATE's old file)
//! are named in its commit record and their files removed right after the
//! clog update; relations it created are named in its abort record and
//! removed at abort. Redo of either record removes them too, so a crash
//! between the record and the unlink leaves no orphan. (A crash before an
//! abort record is written still leaves the files of relations created by
//! the interrupted transaction behind, as in PostgreSQL.)
//!
//! Commit ordering is the contract readers depend on: the clog says
//! COMMITTED (and, with `sync_commit`, is on disk) *before* the xid leaves
//! the running set, and the xid leaves the running set before its lock is
//! released. So a waiter woken by the lock finds the xid finished, and a
//! reader that finds an xid not running reads its final status. With the
//! WAL ([`TransactionManager::set_xlog`]) the commit record's flush replaces
//! the clog fsync (DESIGN.md: "WAL commit record flushed, then clog
//! updated"), and a checkpoint cannot take its redo point between a commit
//! record and its clog update ([`TransactionManager::hold_commits`]).
//!
//! # Crash recovery
//!
//! A transaction that was running at a crash has IN_PROGRESS in the clog
//! and is not in the (new, empty) running set. [`TransactionManager::status`]
//! reports every such xid as ABORTED, which is exactly PostgreSQL's
//! semantics (`TransactionIdDidCommit` false and not in progress). The clog is
//! not rewritten at startup; [`super::clog::Clog::abort_in_progress`] can
//! make it explicit for a range.
//!
//! # Next xid
//!
//! [`TransactionManager::open`] takes the caller's `next_xid` (from a control
//! file, later from WAL) and the persisted prefetch limit in
//! `global/xid_state` ([`super::varsup`]) and starts at the larger: callers
//! without a control file may pass [`Xid::FIRST_NORMAL`].
//!
//! # Not done (yet)
//!
//! Prepared transactions; subtransaction parent
//! links after a crash (`pg_subtrans`) — not needed, since nothing is
//! written SUB_COMMITTED today.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Result, StorageError};
use crate::types::{CommandId, RelFileLocator, Xid};

use super::clog::{Clog, XidStatus};
use super::lock::{LockManager, LockMode, LockTag, LockWait, OwnerId};
use super::procarray::ProcArray;
use super::snapshot::{OwnXids, RegisteredSnapshot, Snapshot};
use super::varsup::{read_xid_limit, xid_state_path};

/// The shared transaction machinery of one cluster: commit log, running
/// set, snapshots and the lock manager. `Send + Sync`; share it in an `Arc`.
pub struct TransactionManager {
    clog: Clog,
    procs: Arc<ProcArray>,
    locks: LockManager,
    /// Policy: commit() fsyncs the clog before returning, so a commit is
    /// durable once acknowledged. On by default. Not used once the WAL is
    /// set: the commit record's flush makes the commit durable.
    sync_commit: AtomicBool,
    /// The WAL, once the engine has opened it: commit and abort records.
    xlog: std::sync::OnceLock<Arc<crate::xlog::XLog>>,
    /// Read-held by a committer from its commit record to its clog update
    /// (and the removal of the files its commit drops).
    commit_barrier: parking_lot::RwLock<()>,
    /// End LSN of the latest asynchronous commit record: while the WAL is
    /// flushed past it, no COMMITTED hint needs a clog group-LSN lookup.
    latest_async_commit: std::sync::atomic::AtomicU64,
    /// Removes relation files whose fate a commit or abort decided
    /// (installed by the engine: drop buffers, unlink).
    file_dropper: std::sync::OnceLock<FileDropper>,
    /// Per-table activity counters, settled at commit and abort.
    stats: crate::pgstat::PgStat,
}

/// Removes the files of relations a finished transaction dropped.
pub type FileDropper = Box<dyn Fn(&[RelFileLocator]) + Send + Sync>;

impl TransactionManager {
    /// Opens the clog under `data_dir` and starts assigning xids at the
    /// larger of `next_xid`, the persisted prefetch limit and
    /// [`Xid::FIRST_NORMAL`].
    pub fn open(data_dir: &Path, next_xid: Xid) -> Result<Self> {
        let clog = Clog::open(data_dir)?;
        let state = xid_state_path(data_dir);
        let persisted = read_xid_limit(&state)?.unwrap_or(Xid::FIRST_NORMAL);
        let start = next_xid.max(persisted).max(Xid::FIRST_NORMAL);
        tracing::debug!(next_xid = %start, "transaction manager opened");
        Ok(TransactionManager {
            clog,
            procs: Arc::new(ProcArray::new(start, start, state)),
            locks: LockManager::new(),
            sync_commit: AtomicBool::new(true),
            xlog: std::sync::OnceLock::new(),
            commit_barrier: parking_lot::RwLock::new(()),
            latest_async_commit: std::sync::atomic::AtomicU64::new(0),
            file_dropper: std::sync::OnceLock::new(),
            stats: Default::default(),
        })
    }

    /// Installs what removes dropped relations' files at commit / abort.
    pub fn set_file_dropper(&self, f: FileDropper) {
        let _ = self.file_dropper.set(f);
    }

    fn drop_files(&self, rels: &[RelFileLocator]) {
        if rels.is_empty() {
            return;
        }
        if let Some(f) = self.file_dropper.get() {
            f(rels);
        }
    }

    /// May a COMMITTED hint bit be set for committed `xid`? Only once its
    /// commit record is flushed (PostgreSQL's `SetHintBits` check of the
    /// commit LSN): a page carrying the hint may reach disk before an
    /// asynchronous commit's record, and a crash would then show the
    /// transaction committed although its commit record is lost.
    pub fn hint_committed_ok(&self, xid: Xid) -> Result<bool> {
        let Some(x) = self.xlog.get() else {
            return Ok(true);
        };
        let flushed = x.writer().flushed_lsn();
        if flushed.0 >= self.latest_async_commit.load(Ordering::Acquire) {
            return Ok(true);
        }
        Ok(self.clog.commit_lsn(xid)? <= flushed)
    }

    /// Holds off commits between inserting their commit record and setting
    /// the clog while the guard lives: a checkpoint takes its redo point
    /// under it (PostgreSQL's `DELAY_CHKPT_START`, see [`crate::recovery`]).
    pub fn hold_commits(&self) -> parking_lot::RwLockWriteGuard<'_, ()> {
        self.commit_barrier.write()
    }

    /// Starts writing XACT records: from now on a commit is durable when its
    /// commit record is flushed, and the clog is no longer fsynced at
    /// commit (once; later calls are ignored).
    pub fn set_xlog(&self, xlog: Arc<crate::xlog::XLog>) {
        let _ = self.xlog.set(xlog);
    }

    /// Sets the commit durability policy (see the field's documentation).
    pub fn set_sync_commit(&self, on: bool) {
        self.sync_commit.store(on, Ordering::Relaxed);
    }

    /// The lock manager.
    pub fn locks(&self) -> &LockManager {
        &self.locks
    }

    /// The commit log.
    pub fn clog(&self) -> &Clog {
        &self.clog
    }

    /// The next xid to be assigned (for a control file or checkpoint).
    pub fn next_xid(&self) -> Xid {
        self.procs.next_xid()
    }

    /// After replay: xids up to `seen` were used by the replayed WAL and
    /// are never assigned again.
    pub fn advance_next_xid_past(&self, seen: Xid) {
        self.procs.advance_past(seen);
    }

    /// No xid is assigned while the server is in recovery (paused at its
    /// target): no transaction writes.
    fn check_not_in_recovery(&self) -> Result<()> {
        if self.xlog.get().is_some_and(|x| x.in_recovery()) {
            return Err(StorageError::ReadOnlyInRecovery(
                "cannot assign TransactionIds during recovery".into(),
            ));
        }
        Ok(())
    }

    /// Assigns a top-level xid for `owner`, registers it as running and takes
    /// `Exclusive` on its transaction lock.
    pub fn assign_xid(&self, owner: OwnerId) -> Result<Xid> {
        self.check_not_in_recovery()?;
        let (xid, owner) = self.procs.assign(None, owner)?;
        self.lock_own_xid(xid, owner)?;
        Ok(xid)
    }

    /// Assigns a subtransaction xid under `parent` (top-level or sub-),
    /// owned by the parent's owner.
    pub fn assign_subxid(&self, parent: Xid) -> Result<Xid> {
        self.check_not_in_recovery()?;
        let (xid, owner) = self.procs.assign(Some(parent), OwnerId(0))?;
        self.lock_own_xid(xid, owner)?;
        Ok(xid)
    }

    fn lock_own_xid(&self, xid: Xid, owner: OwnerId) -> Result<()> {
        let r = self.locks.acquire(
            owner,
            LockTag::Transaction(xid),
            LockMode::Exclusive,
            &LockWait::nowait(),
        );
        if r.is_err() {
            self.procs.remove(&[xid]);
        }
        r
    }

    fn owner_of(&self, xid: Xid) -> Result<OwnerId> {
        self.procs
            .get(xid)
            .map(|r| r.owner)
            .ok_or_else(|| StorageError::Internal(format!("transaction {xid} is not running")))
    }

    fn finish(&self, owner: OwnerId, xid: Xid, subxids: &[Xid]) {
        let mut all = Vec::with_capacity(subxids.len() + 1);
        all.extend_from_slice(subxids);
        all.push(xid);
        self.procs.remove(&all);
        for x in all {
            while self
                .locks
                .release(owner, LockTag::Transaction(x), LockMode::Exclusive)
            {}
        }
    }

    /// Commits top-level `xid` with its committed subtransactions: the
    /// commit record is flushed to the WAL (or, with no WAL, the clog is
    /// fsynced if `sync_commit`), clog COMMITTED for the tree, then out of
    /// the running set, then the xid locks are released (waking waiters).
    ///
    /// On an I/O error the transaction stays in the running set (so it stays
    /// invisible) and the error is returned; the caller should treat it as
    /// fatal (PostgreSQL PANICs here).
    pub fn commit(&self, xid: Xid, subxids: &[Xid]) -> Result<()> {
        self.commit_with(xid, subxids, true, &[])
    }

    /// [`Self::commit`] with the session's `synchronous_commit` and the
    /// relation files the commit drops. `synchronous` false: the commit
    /// record is inserted but not flushed (the walwriter flushes it within
    /// `wal_writer_delay`); the clog records its LSN so neither the clog
    /// page nor a hint bit reaches disk before it. `drop_rels` go into the
    /// commit record and are removed once the clog says COMMITTED, before
    /// a checkpoint can take its redo point after the record (so either
    /// the files are gone or redo of the record removes them).
    pub fn commit_with(
        &self,
        xid: Xid,
        subxids: &[Xid],
        synchronous: bool,
        drop_rels: &[RelFileLocator],
    ) -> Result<()> {
        let owner = self.owner_of(xid)?;
        for s in subxids {
            match self.procs.get(*s) {
                Some(r) if r.top == xid => {}
                _ => {
                    return Err(StorageError::Internal(format!(
                        "{s} is not a running subtransaction of {xid}"
                    )));
                }
            }
        }
        if let Some(x) = self.xlog.get() {
            let _in_commit = self.commit_barrier.read();
            let rec = super::xact_xlog::xact_record(
                super::xact_xlog::XLOG_XACT_COMMIT,
                xid,
                subxids,
                drop_rels,
            );
            let (_, end) = x.log(&rec)?;
            if synchronous {
                // WAL first: the commit is durable once this flush returns.
                x.flush(end)?;
                self.clog
                    .set_tree_status(xid, subxids, XidStatus::Committed)?;
            } else {
                self.latest_async_commit.fetch_max(end.0, Ordering::AcqRel);
                self.clog
                    .set_tree_status_async(xid, subxids, XidStatus::Committed, end)?;
            }
            self.drop_files(drop_rels);
        } else {
            self.clog
                .set_tree_status(xid, subxids, XidStatus::Committed)?;
            if self.sync_commit.load(Ordering::Relaxed) {
                self.clog.flush()?;
            }
            self.drop_files(drop_rels);
        }
        self.finish(owner, xid, subxids);
        self.stats.end_of_xact(&[xid], true);
        self.stats.end_of_xact(subxids, true);
        Ok(())
    }

    /// The per-table activity counters.
    pub fn stats(&self) -> &crate::pgstat::PgStat {
        &self.stats
    }

    /// Aborts top-level `xid` and `subxids` (those not already rolled back).
    /// Not fsynced: a crash before the clog page reaches disk leaves the xid
    /// IN_PROGRESS, which reads as aborted anyway.
    pub fn abort(&self, xid: Xid, subxids: &[Xid]) -> Result<()> {
        self.abort_with(xid, subxids, &[])
    }

    /// [`Self::abort`], removing the files of relations the transaction
    /// created (`drop_rels`, also named in the abort record so redo
    /// removes them if the crash comes first).
    pub fn abort_with(
        &self,
        xid: Xid,
        subxids: &[Xid],
        drop_rels: &[RelFileLocator],
    ) -> Result<()> {
        let owner = self.owner_of(xid)?;
        self.log_abort(xid, subxids, drop_rels);
        let r = self.clog.set_tree_status(xid, subxids, XidStatus::Aborted);
        self.drop_files(drop_rels);
        r?;
        self.finish(owner, xid, subxids);
        self.stats.end_of_xact(&[xid], false);
        self.stats.end_of_xact(subxids, false);
        Ok(())
    }

    /// Aborts one subtransaction xid (ROLLBACK TO SAVEPOINT); its parent
    /// keeps running.
    pub fn abort_subxact(&self, subxid: Xid) -> Result<()> {
        let owner = self.owner_of(subxid)?;
        self.log_abort(subxid, &[], &[]);
        self.clog.set_status(subxid, XidStatus::Aborted)?;
        self.finish(owner, subxid, &[]);
        self.stats.end_of_xact(&[subxid], false);
        Ok(())
    }

    /// Logs an abort record (not flushed: without a commit record the xid
    /// is aborted after a crash anyway). A WAL failure is only logged: the
    /// abort must go on.
    fn log_abort(&self, xid: Xid, subxids: &[Xid], drop_rels: &[RelFileLocator]) {
        if let Some(x) = self.xlog.get() {
            let rec = super::xact_xlog::xact_record(
                super::xact_xlog::XLOG_XACT_ABORT,
                xid,
                subxids,
                drop_rels,
            );
            if let Err(e) = x.log(&rec) {
                tracing::warn!(error = %e, %xid, "could not log transaction abort");
            }
        }
    }

    /// Is `xid` running (top-level or a live subtransaction)?
    pub fn is_in_progress(&self, xid: Xid) -> bool {
        self.procs.is_running(xid)
    }

    /// The status of `xid`: InProgress if running; Committed or Aborted
    /// otherwise (never SubCommitted: that resolves to the parent). An xid
    /// that the clog calls IN_PROGRESS but that is not running was cut short
    /// by a crash: Aborted. An xid at or above `next_xid` is unknown.
    pub fn status(&self, xid: Xid) -> Result<XidStatus> {
        if !xid.is_normal() {
            return self.clog.status(xid);
        }
        match self.clog.status(xid)? {
            s @ (XidStatus::Committed | XidStatus::Aborted) => Ok(s),
            XidStatus::InProgress | XidStatus::SubCommitted => {
                if let Some(r) = self.procs.get(xid) {
                    if r.top != xid && self.clog.status(xid)? == XidStatus::SubCommitted {
                        return self.status(r.top);
                    }
                    return Ok(XidStatus::InProgress);
                }
                if xid >= self.procs.next_xid() {
                    return Err(StorageError::UnknownXid(xid));
                }
                // Not running: re-read, since it may have finished between
                // the first read and the running-set check (invariant 2 of
                // procarray).
                Ok(match self.clog.status(xid)? {
                    XidStatus::Committed => XidStatus::Committed,
                    _ => XidStatus::Aborted,
                })
            }
        }
    }

    /// A new snapshot (not registered; `own` empty, `curcid` FIRST).
    pub fn snapshot(&self) -> Snapshot {
        self.procs.snapshot()
    }

    /// A new snapshot whose xmin holds back [`Self::oldest_xmin`] until the
    /// returned guard is dropped.
    pub fn snapshot_registered(&self) -> RegisteredSnapshot {
        RegisteredSnapshot::new(self.procs.snapshot_and_register(), self.procs.clone())
    }

    /// The vacuum horizon: min(next xid, running xids, registered xmins).
    pub fn oldest_xmin(&self) -> Xid {
        self.procs.oldest_xmin()
    }

    /// Blocks `waiter` until `xid` (top-level or sub-) is no longer running,
    /// by taking and dropping `Share` on its transaction lock, so the wait
    /// is covered by deadlock detection, `lock_timeout` and cancel (PostgreSQL's
    /// `XactLockTableWait`). Returns at once if `xid` is not running.
    pub fn wait_for(&self, waiter: OwnerId, xid: Xid, wait: &LockWait) -> Result<()> {
        let mut xid = xid;
        loop {
            let Some(r) = self.procs.get(xid) else {
                return Ok(());
            };
            if r.owner == waiter {
                return Err(StorageError::Internal(format!(
                    "session {waiter} would wait for its own transaction {xid}"
                )));
            }
            let tag = LockTag::Transaction(xid);
            self.locks.acquire(waiter, tag, LockMode::Share, wait)?;
            self.locks.release(waiter, tag, LockMode::Share);
            match self.procs.get(xid) {
                None => return Ok(()),
                // A subtransaction whose lock is gone but which still runs:
                // wait for its top level.
                Some(r) if r.top != xid => xid = r.top,
                Some(_) => std::thread::yield_now(),
            }
        }
    }
}

/// One level of the transaction stack: the top level or a subtransaction.
#[derive(Debug, Default)]
struct Level {
    /// Its xid, once it has written.
    xid: Option<Xid>,
    /// Xids of released (RELEASE SAVEPOINT) subtransactions folded into it.
    children: Vec<Xid>,
    /// Transaction-level locks taken at this level (one entry per
    /// acquisition), released when the level is rolled back or the
    /// transaction ends; passed to the parent on RELEASE.
    locks: Vec<(LockTag, LockMode)>,
}

/// One session's transaction, at the xid level: the top-level xid, the
/// subtransaction stack, the own-xid set and the command counter. Savepoint
/// names belong to the SQL layer, which keeps a parallel stack.
#[derive(Debug)]
pub struct TransactionState {
    owner: OwnerId,
    /// `levels[0]` is the top level; empty outside a transaction.
    levels: Vec<Level>,
    own: OwnXids,
    curcid: CommandId,
}

impl TransactionState {
    /// An idle session.
    pub fn new(owner: OwnerId) -> Self {
        TransactionState {
            owner,
            levels: Vec::new(),
            own: OwnXids::new(),
            curcid: CommandId::FIRST,
        }
    }

    /// The session that owns the transaction's locks.
    pub fn owner(&self) -> OwnerId {
        self.owner
    }

    /// Starts a transaction (no xid yet: read-only transactions never get one).
    pub fn begin(&mut self) -> Result<()> {
        if !self.levels.is_empty() {
            return Err(StorageError::Internal(
                "transaction already in progress".into(),
            ));
        }
        self.levels.push(Level::default());
        self.curcid = CommandId::FIRST;
        Ok(())
    }

    /// True between begin and commit/abort.
    pub fn in_transaction(&self) -> bool {
        !self.levels.is_empty()
    }

    /// How many subtransactions are open.
    pub fn subxact_depth(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    /// The top-level xid, if assigned.
    pub fn top_xid(&self) -> Option<Xid> {
        self.levels.first().and_then(|l| l.xid)
    }

    /// The innermost level's xid, if assigned (`GetCurrentTransactionIdIfAny`).
    pub fn current_xid_if_any(&self) -> Option<Xid> {
        self.levels.last().and_then(|l| l.xid)
    }

    /// The xid to stamp on a write: the innermost level's, assigning it (and
    /// any unassigned outer levels first, so parents precede children).
    pub fn assign_xid(&mut self, txns: &TransactionManager) -> Result<Xid> {
        if self.levels.is_empty() {
            return Err(StorageError::Internal("no transaction in progress".into()));
        }
        let mut parent: Option<Xid> = None;
        for i in 0..self.levels.len() {
            let xid = match self.levels[i].xid {
                Some(x) => x,
                None => {
                    let x = match parent {
                        None => txns.assign_xid(self.owner)?,
                        Some(p) => txns.assign_subxid(p)?,
                    };
                    self.levels[i].xid = Some(x);
                    self.own.insert(x);
                    x
                }
            };
            parent = Some(xid);
        }
        parent.ok_or_else(|| StorageError::Internal("empty transaction stack".into()))
    }

    /// SAVEPOINT: opens a subtransaction.
    pub fn begin_subxact(&mut self) -> Result<()> {
        if self.levels.is_empty() {
            return Err(StorageError::Internal("no transaction in progress".into()));
        }
        self.levels.push(Level::default());
        Ok(())
    }

    /// RELEASE SAVEPOINT: the innermost subtransaction's xids become the
    /// parent's children; they stay running and stay "own".
    pub fn release_subxact(&mut self) -> Result<()> {
        if self.levels.len() < 2 {
            return Err(StorageError::Internal(
                "no subtransaction to release".into(),
            ));
        }
        let l = self.levels.pop().unwrap_or_default();
        let parent = self
            .levels
            .last_mut()
            .ok_or_else(|| StorageError::Internal("empty transaction stack".into()))?;
        parent.children.extend(l.xid);
        parent.children.extend(l.children);
        parent.locks.extend(l.locks);
        Ok(())
    }

    /// ROLLBACK TO SAVEPOINT (the part below SQL): aborts the innermost
    /// subtransaction and everything released into it, and releases the
    /// locks taken there. Its writes become invisible to the session at once.
    /// The SQL layer re-opens the savepoint with [`Self::begin_subxact`] if it
    /// keeps it.
    pub fn rollback_subxact(&mut self, txns: &TransactionManager) -> Result<()> {
        if self.levels.len() < 2 {
            return Err(StorageError::Internal(
                "no subtransaction to roll back".into(),
            ));
        }
        let l = self.levels.pop().unwrap_or_default();
        self.release_locks(txns, &l.locks);
        for x in l.children.iter().rev().chain(l.xid.iter()) {
            txns.abort_subxact(*x)?;
            self.own.remove(*x);
        }
        Ok(())
    }

    /// Takes a transaction-level lock for this session, recorded at the
    /// current (sub)transaction level: released by ROLLBACK TO of that level
    /// or at transaction end. Session-level locks (advisory session locks)
    /// go to [`TransactionManager::locks`] directly.
    pub fn lock(
        &mut self,
        txns: &TransactionManager,
        tag: LockTag,
        mode: LockMode,
        wait: &LockWait,
    ) -> Result<()> {
        let level = self
            .levels
            .last_mut()
            .ok_or_else(|| StorageError::Internal("no transaction in progress".into()))?;
        txns.locks.acquire(self.owner, tag, mode, wait)?;
        level.locks.push((tag, mode));
        Ok(())
    }

    fn release_locks(&self, txns: &TransactionManager, locks: &[(LockTag, LockMode)]) {
        for (tag, mode) in locks.iter().rev() {
            txns.locks.release(self.owner, *tag, *mode);
        }
    }

    fn all_locks(&self) -> Vec<(LockTag, LockMode)> {
        self.levels
            .iter()
            .flat_map(|l| l.locks.iter().copied())
            .collect()
    }

    /// Every subtransaction xid of the tree (open levels and released ones).
    fn all_subxids(&self) -> Vec<Xid> {
        let mut v = Vec::new();
        for (i, l) in self.levels.iter().enumerate() {
            if i > 0 {
                v.extend(l.xid);
            }
            v.extend(l.children.iter().copied());
        }
        v
    }

    /// COMMIT: commits the tree (open subtransactions commit with it),
    /// then releases the locks taken with [`Self::lock`], and returns to
    /// idle. Session-level locks stay.
    pub fn commit(&mut self, txns: &TransactionManager) -> Result<()> {
        self.commit_with(txns, true, &[])
    }

    /// COMMIT with the session's `synchronous_commit` and the files the
    /// transaction drops ([`TransactionManager::commit_with`]).
    pub fn commit_with(
        &mut self,
        txns: &TransactionManager,
        synchronous: bool,
        drop_rels: &[RelFileLocator],
    ) -> Result<()> {
        match self.top_xid() {
            Some(top) => txns.commit_with(top, &self.all_subxids(), synchronous, drop_rels)?,
            None => txns.drop_files(drop_rels),
        }
        self.release_locks(txns, &self.all_locks());
        self.reset();
        Ok(())
    }

    /// ROLLBACK: aborts the tree, releases the locks taken with
    /// [`Self::lock`], and returns to idle.
    pub fn abort(&mut self, txns: &TransactionManager) -> Result<()> {
        self.abort_with(txns, &[])
    }

    /// ROLLBACK, removing the files of relations the transaction created.
    pub fn abort_with(
        &mut self,
        txns: &TransactionManager,
        drop_rels: &[RelFileLocator],
    ) -> Result<()> {
        let r = match self.top_xid() {
            Some(top) => txns.abort_with(top, &self.all_subxids(), drop_rels),
            None => {
                txns.drop_files(drop_rels);
                Ok(())
            }
        };
        self.release_locks(txns, &self.all_locks());
        self.reset();
        r
    }

    fn reset(&mut self) {
        self.levels.clear();
        self.own.clear();
        self.curcid = CommandId::FIRST;
    }

    /// The current command id.
    pub fn curcid(&self) -> CommandId {
        self.curcid
    }

    /// CommandCounterIncrement: later commands see this one's writes.
    pub fn command_counter_increment(&mut self) {
        self.curcid = CommandId(self.curcid.0 + 1);
    }

    /// This transaction's own live xids.
    pub fn own_xids(&self) -> &OwnXids {
        &self.own
    }

    /// A fresh snapshot for the current command (READ COMMITTED statement).
    pub fn snapshot(&self, txns: &TransactionManager) -> Snapshot {
        let mut s = txns.snapshot();
        self.refresh_snapshot(&mut s);
        s
    }

    /// A fresh registered snapshot for the current command.
    pub fn snapshot_registered(&self, txns: &TransactionManager) -> RegisteredSnapshot {
        let mut s = txns.snapshot_registered();
        self.refresh_snapshot(&mut s);
        s
    }

    /// Brings a kept snapshot (REPEATABLE READ) up to the current command:
    /// sets `curcid` and `own`.
    pub fn refresh_snapshot(&self, snap: &mut Snapshot) {
        snap.curcid = self.curcid;
        snap.own.clone_from(&self.own);
    }
}
