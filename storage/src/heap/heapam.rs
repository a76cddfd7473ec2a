//! The heap access method: inserting, reading, updating, deleting and
//! locking row versions (PostgreSQL's `heapam.c` and `hio.c`).
//!
//! Interface routines:
//!
//! ```text
//! Heap::insert          store a new row version, stamped with xmin/cmin
//! Heap::scan            a sequential scan under a snapshot (page at a time)
//! Heap::fetch           one row version by TID, if the snapshot sees it
//! Heap::fetch_any       one row version by TID, whatever its visibility (EPQ)
//! tuple_liveness        a version's liveness for a unique index check (dirty)
//! Heap::delete          set xmax/cmax on a version (waits for running writers)
//! Heap::update          delete + insert of the new version, linked by t_ctid
//! Heap::lock_tuple      set a lock-only xmax (SELECT ... FOR UPDATE / SHARE)
//! ```
//!
//! Rules kept here:
//!
//! 1. A page is read under a shared content lock and changed under an
//!    exclusive one; no lock is held while waiting for another transaction.
//! 2. A scan copies the visible tuples of one page into its own buffer
//!    under one shared lock, so each page is pinned and locked once per
//!    scan, not once per tuple; tuples are returned from that buffer.
//! 3. Hint bits learned during a scan are set afterwards under a
//!    conditional exclusive lock: if the page is busy they are simply
//!    learned again next time.
//! 4. An update or delete that meets a row version whose xmax belongs to a
//!    running transaction waits for that transaction (through the lock
//!    manager, so deadlocks are detected), then re-examines the version.
//!    If a committed transaction updated or deleted it meanwhile, the caller
//!    is told ([`ModifyResult::Updated`] with the newer version's TID), and
//!    decides: READ COMMITTED re-checks its condition on the newer version
//!    (EvalPlanQual), REPEATABLE READ fails with 40001.
//! 5. An update whose new version does not fit on the old version's page
//!    first marks the old version as locked by the updating transaction,
//!    releases the page, places the new version elsewhere and then re-locks
//!    the old page to set xmax and t_ctid, so no two heap pages are ever
//!    locked at once.
//!
//! 6. Every page change is WAL-logged before the exclusive lock is released
//!    (the recipe in `wal/README.md`; record formats in
//!    [`crate::heap::heapam_xlog`]): the WAL is checked usable, the page is
//!    changed, and from there to the insert that sets the page LSN nothing
//!    returns early (`// NO ERROR RETURNS UNTIL LOGGED`). Hint bits are not
//!    logged, except that the first hint-bit change of a page after the redo
//!    point logs the page's image (torn-page protection under checksums).
//!
//! 7. Before a page's tuples are changed, its all-visible flag and
//!    visibility-map bit are cleared ([`crate::heap::visibilitymap`]); a
//!    delete or update notes its xid in `pd_prune_xid`, and an update that
//!    finds no room on its page sets `PD_PAGE_FULL`; a scan or an index
//!    fetch may prune a nearly full page it reads
//!    ([`crate::heap::prune::prune_opt`]).
//!
//! Not done yet: HOT chains (issue #6), shared row locks held by several transactions at
//! once (FOR SHARE takes an exclusive row lock), TOAST.

use std::collections::HashMap;

use parking_lot::Mutex;

use crate::buffer::{BufferPool, BufferRing, BufferTag, BufferWriteGuard};
use crate::error::{Result, StorageError};
use crate::fsm;
use crate::heap::heapam_xlog::{
    HeapOps, XLOG_HEAP_DELETE, XLOG_HEAP_INIT_PAGE, XLOG_HEAP_INSERT, XLOG_HEAP_LOCK,
    XLOG_HEAP_UPDATE,
};
use crate::heap::htup::{
    HEAP_KEYS_UPDATED, HEAP_UPDATED, HEAP_XMAX_COMMITTED, HEAP_XMAX_EXCL_LOCK, HEAP_XMAX_INVALID,
    HEAP_XMAX_KEYSHR_LOCK, HEAP_XMAX_LOCK_ONLY, HeapTupleHeader, HeapTupleHeaderMut,
};
use crate::heap::visibility::{
    Liveness, TmResult, satisfies_dirty, satisfies_mvcc, satisfies_update,
};
use crate::heap::{prune, visibilitymap};
use crate::page;
use crate::pgstat::Change;
use crate::txn::{LockWait, OwnXids, OwnerId, Snapshot, TransactionManager};
use crate::types::{
    BlockNumber, CommandId, ForkNumber, ItemPointer, OffsetNumber, RelFileLocator, Xid,
};
use crate::xlog::XLog;

/// The [`Liveness`] of the row version at `tid` of heap `rel` as a unique
/// index check by the transaction owning `own` judges it
/// ([`satisfies_dirty`]). A TID past the end of the relation or at an
/// unused line pointer is [`Liveness::Dead`] (vacuum removed the version).
/// Takes the heap page's shared lock briefly; the B-tree calls it while
/// holding a leaf page's exclusive lock, as PostgreSQL's `_bt_check_unique`
/// does (index page locks are always taken before heap page locks).
pub fn tuple_liveness(
    pool: &BufferPool,
    txns: &TransactionManager,
    rel: RelFileLocator,
    tid: ItemPointer,
    own: &OwnXids,
) -> Result<Liveness> {
    if tid.block.0 >= pool.nblocks(rel, ForkNumber::Main)?.0 {
        return Ok(Liveness::Dead);
    }
    let buf = pool.read_buffer(rel, ForkNumber::Main, tid.block, None)?;
    let g = buf.read();
    let Some(item) = page::get_item(&g, tid.offset) else {
        return Ok(Liveness::Dead);
    };
    if item.len() < crate::heap::htup::SIZEOF_HEAP_TUPLE_HEADER {
        return Ok(Liveness::Dead);
    }
    Ok(satisfies_dirty(HeapTupleHeader(item), own, txns)?.0)
}

/// Scans of relations larger than this many blocks use a buffer ring.
const BULK_SCAN_THRESHOLD_BLOCKS: u32 = 1024;

/// The outcome of an update, delete or row lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModifyResult {
    /// Done.
    Ok,
    /// The version was already changed by this command: skip it.
    SelfModified,
    /// A committed transaction updated the row; its newer version is here.
    Updated(ItemPointer),
    /// A committed transaction deleted the row.
    Deleted,
}

/// Who is changing rows, and how long they may wait.
pub struct Writer<'a> {
    /// The writing transaction's current xid.
    pub xid: Xid,
    /// The writing command.
    pub cid: CommandId,
    /// The writing transaction's own xids (top and live subtransactions).
    pub own: &'a OwnXids,
    /// The session, for lock waits.
    pub owner: OwnerId,
    /// Timeouts and cancellation for waits.
    pub wait: &'a LockWait,
}

/// The heap access method over a buffer pool.
pub struct Heap {
    pool: std::sync::Arc<BufferPool>,
    txns: std::sync::Arc<TransactionManager>,
    /// The block each relation last inserted into (PostgreSQL keeps this in
    /// the relcache as `rd_targblock`).
    targets: Mutex<HashMap<RelFileLocator, BlockNumber>>,
    /// The WAL, once the engine has opened it (unset: changes are not
    /// logged, as during recovery and in unit tests of the heap alone).
    xlog: std::sync::OnceLock<std::sync::Arc<XLog>>,
}

/// Tuple lock strength, PostgreSQL's `LockTupleMode` subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowLockMode {
    /// FOR SHARE / FOR KEY SHARE (taken exclusively for now).
    Share,
    /// FOR UPDATE / FOR NO KEY UPDATE.
    Exclusive,
}

impl Heap {
    /// A heap access method over `pool`.
    pub fn new(pool: std::sync::Arc<BufferPool>, txns: std::sync::Arc<TransactionManager>) -> Self {
        Heap {
            pool,
            txns,
            targets: Mutex::new(HashMap::new()),
            xlog: std::sync::OnceLock::new(),
        }
    }

    /// Starts WAL-logging every page change (once; later calls are ignored).
    pub fn set_xlog(&self, xlog: std::sync::Arc<XLog>) {
        let _ = self.xlog.set(xlog);
    }

    /// The WAL, if logging.
    pub fn xlog(&self) -> Option<&std::sync::Arc<XLog>> {
        self.xlog.get()
    }

    /// Fails if the WAL cannot be written: called before a page is changed.
    fn check_wal(&self) -> Result<()> {
        match self.xlog.get() {
            Some(x) => x.check_usable(),
            None => Ok(()),
        }
    }

    /// Logs the change just made to a heap page and sets its LSN: the end
    /// of a critical section, never fails (see [`XLog::log_page_change`]).
    fn log_heap(
        &self,
        g: &mut BufferWriteGuard<'_>,
        tag: BufferTag,
        info: u8,
        xid: Xid,
        ops: HeapOps,
        init: bool,
    ) {
        if let Some(x) = self.xlog.get() {
            let info = if init {
                info | XLOG_HEAP_INIT_PAGE
            } else {
                info
            };
            x.log_page_change(
                g,
                tag,
                wal::rmgr::RM_HEAP_ID,
                info,
                xid,
                ops.0,
                init,
                Vec::new(),
            );
        }
    }

    /// After hint bits were set on a page: logs its image if this is its
    /// first change since the redo point, so a torn write of it can be
    /// repaired (PostgreSQL's `XLogSaveBufferForHint`).
    fn log_hint(&self, g: &mut BufferWriteGuard<'_>, tag: BufferTag) {
        if let Some(x) = self.xlog.get() {
            x.log_hint_image(g, tag);
        }
    }

    /// Runs `apply` on the locked page holding the version at `off` and logs
    /// what it changed: tuples it placed (line pointers that changed) and the
    /// version's header.
    fn apply_logged<R>(
        &self,
        g: &mut BufferWriteGuard<'_>,
        tag: BufferTag,
        off: OffsetNumber,
        xid: Xid,
        apply: &mut impl FnMut(&mut [u8], OffsetNumber) -> Result<R>,
    ) -> Result<R> {
        visibilitymap::clear_for_change(&self.pool, g, tag)?;
        self.check_wal()?;
        let lps_before = g[page::PAGE_HEADER_SIZE..page::lower(g)].to_vec();
        let r = apply(g, off)?;
        // NO ERROR RETURNS UNTIL LOGGED
        g.mark_dirty();
        let mut ops = HeapOps::default();
        let lps_after = &g[page::PAGE_HEADER_SIZE..page::lower(g)];
        let mut placed = Vec::new();
        for (i, lp) in lps_after.chunks(page::ITEM_ID_SIZE).enumerate() {
            let o = OffsetNumber(i as u16 + 1);
            if o != off && lps_before.get(i * 4..i * 4 + 4) != Some(lp) {
                placed.push(o);
            }
        }
        for o in &placed {
            ops.put(*o, page::get_item(g, *o).unwrap_or_default());
        }
        let item = page::get_item(g, off).unwrap_or_default();
        let info = if !placed.is_empty() {
            XLOG_HEAP_UPDATE
        } else if item.len() >= crate::heap::htup::SIZEOF_HEAP_TUPLE_HEADER
            && HeapTupleHeader(item).xmax_is_lock_only()
        {
            XLOG_HEAP_LOCK
        } else {
            XLOG_HEAP_DELETE
        };
        if info != XLOG_HEAP_LOCK {
            prune::page_set_prunable(g, xid);
        }
        let item = page::get_item(g, off).unwrap_or_default();
        ops.header(off, item);
        self.log_heap(g, tag, info, xid, ops, false);
        Ok(r)
    }

    /// The buffer pool.
    pub fn pool(&self) -> &std::sync::Arc<BufferPool> {
        &self.pool
    }

    /// The transaction manager.
    pub fn txns(&self) -> &std::sync::Arc<TransactionManager> {
        &self.txns
    }

    /// Creates the main fork of a new relation (WAL-logged: SMGR CREATE).
    pub fn create_relation(&self, rel: RelFileLocator) -> Result<()> {
        if let Some(x) = self.xlog.get() {
            x.log(&crate::smgr_xlog::create_record(rel, ForkNumber::Main))?;
        }
        self.pool.smgr().create(rel, ForkNumber::Main)
    }

    /// Forgets and unlinks a relation's files.
    pub fn drop_relation(&self, rel: RelFileLocator) -> Result<()> {
        self.pool.drop_relation_buffers(rel);
        self.targets.lock().remove(&rel);
        self.pool.smgr().unlink(rel)
    }

    /// Empties a relation (TRUNCATE of a relation created in this
    /// transaction, or a relation file being replaced).
    /// The truncation is WAL-logged (SMGR TRUNCATE) and flushed first: it
    /// cannot be undone, so redo must know of it before it happens.
    pub fn truncate_relation(&self, rel: RelFileLocator) -> Result<()> {
        if let Some(x) = self.xlog.get() {
            let (_, end) = x.log(&crate::smgr_xlog::truncate_record(rel, BlockNumber(0)))?;
            x.flush(end)?;
        }
        self.targets.lock().remove(&rel);
        self.pool
            .truncate_relation(rel, ForkNumber::Main, BlockNumber(0))?;
        if self.pool.smgr().exists(rel, ForkNumber::Fsm) {
            self.pool
                .truncate_relation(rel, ForkNumber::Fsm, BlockNumber(0))?;
        }
        visibilitymap::truncate(&self.pool, rel, BlockNumber(0))?;
        Ok(())
    }

    /// The number of blocks in the relation's main fork.
    pub fn nblocks(&self, rel: RelFileLocator) -> Result<BlockNumber> {
        self.pool.nblocks(rel, ForkNumber::Main)
    }

    /// Finds a page with `needed` bytes free, pins it and returns it with the
    /// line pointer the tuple was placed at.
    /// Stamps a new version's header: inserted by `xid`/`cid`, not deleted.
    fn stamp_new_version(tuple: &mut [u8], xid: Xid, cid: CommandId, updated: bool) -> Result<()> {
        if tuple.len() > page::MAX_ITEM_SIZE {
            return Err(StorageError::ProgramLimitExceeded(format!(
                "row is too big: size {}, maximum size {}",
                tuple.len(),
                page::MAX_ITEM_SIZE
            )));
        }
        let mut h = HeapTupleHeaderMut(tuple);
        h.set_xmin(xid);
        h.set_cmin(cid);
        h.set_xmax(Xid::INVALID);
        h.set_cmax(CommandId::FIRST);
        let mut mask = h.as_ref().infomask() | HEAP_XMAX_INVALID;
        if updated {
            mask |= HEAP_UPDATED;
        }
        h.set_infomask(mask);
        Ok(())
    }

    /// Finds a page with `needed` bytes free (the relation's target block,
    /// then the free space map, then a new block), and calls `fill` with it
    /// exclusively locked. `fill` returns its result and whether the page
    /// is full for the next caller.
    fn with_room<R>(
        &self,
        rel: RelFileLocator,
        needed: usize,
        ring: Option<&BufferRing>,
        mut fill: impl FnMut(&mut BufferWriteGuard<'_>, BufferTag) -> Result<R>,
    ) -> Result<R> {
        let mut candidate = self.targets.lock().get(&rel).copied();
        let nblocks = self.nblocks(rel)?;
        if candidate.is_none() && nblocks.0 > 0 {
            candidate = Some(BlockNumber(nblocks.0 - 1));
        }
        let mut tried_fsm = false;
        loop {
            let buf = match candidate {
                Some(b) if b.0 < self.nblocks(rel)?.0 => {
                    self.pool.read_buffer(rel, ForkNumber::Main, b, ring)?
                }
                // The new page is visible to other inserters as soon as
                // `extend` returns: one of them may fill it before we lock
                // it, so it is initialised below only if still new.
                _ => self.pool.extend(rel, ForkNumber::Main, ring)?,
            };
            let block = buf.block();
            let mut g = buf.write();
            if page::is_new(&g) {
                page::init(&mut g, 0);
            }
            if page::heap_free_space(&g) >= needed {
                let r = fill(&mut g, buf.tag())?;
                drop(g);
                self.targets.lock().insert(rel, block);
                return Ok(r);
            }
            let free = page::heap_free_space(&g);
            drop(g);
            drop(buf);
            fsm::record_free_space(&self.pool, rel, block, free)?;
            candidate = if tried_fsm {
                None
            } else {
                tried_fsm = true;
                fsm::search(&self.pool, rel, needed, block)?.filter(|b| *b != block)
            };
        }
    }

    fn place_tuple(
        &self,
        rel: RelFileLocator,
        tuple: &mut [u8],
        xid: Xid,
        cid: CommandId,
        updated: bool,
    ) -> Result<ItemPointer> {
        Self::stamp_new_version(tuple, xid, cid, updated)?;
        let needed = page::maxalign(tuple.len()) + page::ITEM_ID_SIZE;
        self.with_room(rel, needed, None, |g, tag| {
            visibilitymap::clear_for_change(&self.pool, g, tag)?;
            self.check_wal()?;
            let was_empty = page::max_offset_number(g) == 0;
            let Some(off) = page::add_item(g, tuple, None) else {
                return Err(StorageError::Internal(
                    "page claimed room but add_item failed".into(),
                ));
            };
            // NO ERROR RETURNS UNTIL LOGGED
            let tid = ItemPointer::new(tag.block, off);
            if let Some(item) = page::get_item_mut(g, off) {
                HeapTupleHeaderMut(item).set_ctid(tid);
            }
            g.mark_dirty();
            let mut ops = HeapOps::default();
            ops.put(off, page::get_item(g, off).unwrap_or_default());
            let info = if updated {
                XLOG_HEAP_UPDATE
            } else {
                XLOG_HEAP_INSERT
            };
            self.log_heap(g, tag, info, xid, ops, was_empty);
            Ok(tid)
        })
    }

    /// Stores many formed tuples (COPY, bulk loads): as many per page as
    /// fit under one lock and one WAL record, through a bulk-write buffer
    /// ring so a large load does not evict the working set. The new
    /// versions' TIDs are appended to `tids`, in order.
    pub fn multi_insert(
        &self,
        rel: RelFileLocator,
        tuples: &mut [Vec<u8>],
        xid: Xid,
        cid: CommandId,
        ring: &BufferRing,
        tids: &mut Vec<ItemPointer>,
    ) -> Result<()> {
        for t in tuples.iter_mut() {
            Self::stamp_new_version(t, xid, cid, false)?;
        }
        tids.reserve(tuples.len());
        self.txns
            .stats()
            .count(xid, rel, Change::Insert, tuples.len() as u64);
        let mut next = 0;
        while next < tuples.len() {
            let needed = page::maxalign(tuples[next].len()) + page::ITEM_ID_SIZE;
            next = self.with_room(rel, needed, Some(ring), |g, tag| {
                visibilitymap::clear_for_change(&self.pool, g, tag)?;
                self.check_wal()?;
                let was_empty = page::max_offset_number(g) == 0;
                let mut ops = HeapOps::default();
                let mut i = next;
                // NO ERROR RETURNS UNTIL LOGGED
                while i < tuples.len()
                    && page::heap_free_space(g)
                        >= page::maxalign(tuples[i].len()) + page::ITEM_ID_SIZE
                {
                    let Some(off) = page::add_item(g, &tuples[i], None) else {
                        break;
                    };
                    if let Some(item) = page::get_item_mut(g, off) {
                        HeapTupleHeaderMut(item).set_ctid(ItemPointer::new(tag.block, off));
                    }
                    ops.put(off, page::get_item(g, off).unwrap_or_default());
                    tids.push(ItemPointer::new(tag.block, off));
                    i += 1;
                }
                g.mark_dirty();
                self.log_heap(g, tag, XLOG_HEAP_INSERT, xid, ops, was_empty);
                Ok(i)
            })?;
        }
        Ok(())
    }

    /// Kills the version at `tid` that transaction `xid` has just inserted
    /// and nobody can have seen (INSERT ... ON CONFLICT lost a race for a
    /// key): its inserter is marked invalid, so the version is dead to
    /// every snapshot at once, this transaction's included (PostgreSQL's
    /// `heap_abort_speculative`). Logged as a header change.
    pub fn abort_speculative(&self, rel: RelFileLocator, tid: ItemPointer, xid: Xid) -> Result<()> {
        let buf = self
            .pool
            .read_buffer(rel, ForkNumber::Main, tid.block, None)?;
        let tag = buf.tag();
        let mut g = buf.write();
        match page::get_item(&g, tid.offset) {
            Some(item)
                if item.len() >= crate::heap::htup::SIZEOF_HEAP_TUPLE_HEADER
                    && HeapTupleHeader(item).xmin() == xid => {}
            _ => {
                return Err(StorageError::Internal(format!(
                    "speculative version {tid} of {rel} is not transaction {xid}'s"
                )));
            }
        }
        self.check_wal()?;
        // NO ERROR RETURNS UNTIL LOGGED
        let mut ops = HeapOps::default();
        if let Some(item) = page::get_item_mut(&mut g, tid.offset) {
            let mut h = HeapTupleHeaderMut(item);
            let mask = h.as_ref().infomask();
            h.set_infomask(
                (mask & !crate::heap::htup::HEAP_XMIN_COMMITTED)
                    | crate::heap::htup::HEAP_XMIN_INVALID,
            );
        }
        ops.header(
            tid.offset,
            page::get_item(&g, tid.offset).unwrap_or_default(),
        );
        g.mark_dirty();
        self.log_heap(&mut g, tag, XLOG_HEAP_DELETE, xid, ops, false);
        Ok(())
    }

    /// Stores a formed tuple as a new row version inserted by `xid`/`cid`.
    pub fn insert(
        &self,
        rel: RelFileLocator,
        tuple: &mut [u8],
        xid: Xid,
        cid: CommandId,
    ) -> Result<ItemPointer> {
        let tid = self.place_tuple(rel, tuple, xid, cid, false)?;
        self.txns.stats().count(xid, rel, Change::Insert, 1);
        Ok(tid)
    }

    /// A sequential scan of `rel` under `snapshot`.
    pub fn scan(&self, rel: RelFileLocator, snapshot: Snapshot) -> Result<HeapScan<'_>> {
        let nblocks = self.nblocks(rel)?;
        let ring = (nblocks.0 > BULK_SCAN_THRESHOLD_BLOCKS)
            .then(|| BufferRing::new(BufferRing::BULK_READ));
        Ok(HeapScan {
            heap: self,
            rel,
            snapshot,
            nblocks,
            next_block: 0,
            tuples: Vec::new(),
            items: Vec::new(),
            pos: 0,
            ring,
            hints: Vec::new(),
        })
    }

    /// The row version at `tid` if `snapshot` sees it.
    pub fn fetch(
        &self,
        rel: RelFileLocator,
        tid: ItemPointer,
        snapshot: &Snapshot,
    ) -> Result<Option<Vec<u8>>> {
        if tid.block.0 >= self.nblocks(rel)?.0 {
            return Ok(None);
        }
        let buf = self
            .pool
            .read_buffer(rel, ForkNumber::Main, tid.block, None)?;
        // Index scans are how most updated rows are found again: prune
        // here as PostgreSQL's index fetch does, so an update-heavy table
        // reuses the room of its dead versions without waiting for VACUUM.
        prune::prune_opt(self, rel, &buf);
        let g = buf.read();
        let Some(item) = page::get_item(&g, tid.offset) else {
            return Ok(None);
        };
        let (visible, _) = satisfies_mvcc(HeapTupleHeader(item), snapshot, &self.txns)?;
        Ok(visible.then(|| item.to_vec()))
    }

    /// The [`Liveness`] of the row version at `tid` for a unique index check
    /// by the transaction owning `own` (see [`tuple_liveness`]).
    pub fn tuple_liveness(
        &self,
        rel: RelFileLocator,
        tid: ItemPointer,
        own: &OwnXids,
    ) -> Result<Liveness> {
        tuple_liveness(&self.pool, &self.txns, rel, tid, own)
    }

    /// The row version at `tid`, whatever its visibility.
    pub fn fetch_any(&self, rel: RelFileLocator, tid: ItemPointer) -> Result<Option<Vec<u8>>> {
        if tid.block.0 >= self.nblocks(rel)?.0 {
            return Ok(None);
        }
        let buf = self
            .pool
            .read_buffer(rel, ForkNumber::Main, tid.block, None)?;
        let g = buf.read();
        Ok(page::get_item(&g, tid.offset).map(<[u8]>::to_vec))
    }

    /// Examines the version at `tid` for modification by `w`, waiting for
    /// running writers; on `Ok` calls `apply` with the exclusively locked
    /// page and the tuple's offset.
    fn modify<R>(
        &self,
        rel: RelFileLocator,
        tid: ItemPointer,
        w: &Writer<'_>,
        mut apply: impl FnMut(&mut [u8], OffsetNumber) -> Result<R>,
    ) -> Result<std::result::Result<R, ModifyResult>> {
        loop {
            let buf = self
                .pool
                .read_buffer(rel, ForkNumber::Main, tid.block, None)?;
            let mut g = buf.write();
            let item = page::get_item(&g, tid.offset).ok_or_else(|| {
                StorageError::Internal(format!("no row version at {tid} of relation {rel}"))
            })?;
            let header = HeapTupleHeader(item);
            let (result, hints) = satisfies_update(header, tid, w.cid, w.own, &self.txns)?;
            let xmax = header.xmax();
            let ctid = header.ctid();
            if hints != 0 {
                if let Some(item) = page::get_item_mut(&mut g, tid.offset) {
                    HeapTupleHeaderMut(item).add_hint_bits(hints);
                }
                g.mark_dirty();
                self.log_hint(&mut g, buf.tag());
            }
            match result {
                TmResult::Ok => {
                    let r = self.apply_logged(&mut g, buf.tag(), tid.offset, w.xid, &mut apply)?;
                    return Ok(Ok(r));
                }
                TmResult::BeingModified if w.own.contains(xmax) => {
                    // Our own row lock: we may go ahead.
                    let r = self.apply_logged(&mut g, buf.tag(), tid.offset, w.xid, &mut apply)?;
                    return Ok(Ok(r));
                }
                TmResult::BeingModified => {
                    drop(g);
                    drop(buf);
                    self.txns.wait_for(w.owner, xmax, w.wait)?;
                }
                TmResult::SelfModified => return Ok(Err(ModifyResult::SelfModified)),
                TmResult::Updated => return Ok(Err(ModifyResult::Updated(ctid))),
                TmResult::Deleted => return Ok(Err(ModifyResult::Deleted)),
                TmResult::Invisible | TmResult::WouldBlock => {
                    return Err(StorageError::Internal(format!(
                        "attempted to modify invisible row version {tid} of relation {rel}"
                    )));
                }
            }
        }
    }

    /// Deletes the row version at `tid`.
    pub fn delete(
        &self,
        rel: RelFileLocator,
        tid: ItemPointer,
        w: &Writer<'_>,
    ) -> Result<ModifyResult> {
        let r = self.modify(rel, tid, w, |pg, off| {
            let item = page::get_item_mut(pg, off)
                .ok_or_else(|| StorageError::Internal("tuple vanished".into()))?;
            let mut h = HeapTupleHeaderMut(item);
            set_xmax(&mut h, w.xid, w.cid, 0);
            let m2 = h.as_ref().infomask2() | HEAP_KEYS_UPDATED;
            h.set_infomask2(m2);
            Ok(())
        })?;
        Ok(match r {
            Ok(()) => {
                self.txns.stats().count(w.xid, rel, Change::Delete, 1);
                ModifyResult::Ok
            }
            Err(m) => m,
        })
    }

    /// Locks the row version at `tid` (SELECT ... FOR UPDATE / FOR SHARE).
    pub fn lock_tuple(
        &self,
        rel: RelFileLocator,
        tid: ItemPointer,
        w: &Writer<'_>,
        mode: RowLockMode,
    ) -> Result<ModifyResult> {
        let bits = match mode {
            RowLockMode::Exclusive => HEAP_XMAX_EXCL_LOCK,
            RowLockMode::Share => HEAP_XMAX_EXCL_LOCK | HEAP_XMAX_KEYSHR_LOCK,
        };
        let r = self.modify(rel, tid, w, |pg, off| {
            let item = page::get_item_mut(pg, off)
                .ok_or_else(|| StorageError::Internal("tuple vanished".into()))?;
            let mut h = HeapTupleHeaderMut(item);
            if w.own.contains(h.as_ref().xmax()) && !h.as_ref().xmax_is_lock_only() {
                return Ok(());
            }
            set_xmax(&mut h, w.xid, w.cid, HEAP_XMAX_LOCK_ONLY | bits);
            Ok(())
        })?;
        Ok(match r {
            Ok(()) => ModifyResult::Ok,
            Err(m) => m,
        })
    }

    /// Replaces the row version at `tid` with `new_tuple` (a formed tuple).
    /// Returns the outcome and, on success, the new version's TID.
    pub fn update(
        &self,
        rel: RelFileLocator,
        tid: ItemPointer,
        new_tuple: &mut [u8],
        w: &Writer<'_>,
    ) -> Result<(ModifyResult, Option<ItemPointer>)> {
        // Try the same page first: lock the old version and, if the new one
        // fits, place it right there under the same exclusive lock.
        let needed = page::maxalign(new_tuple.len()) + page::ITEM_ID_SIZE;
        let same_page = self.modify(rel, tid, w, |pg, off| {
            if page::heap_free_space(pg) >= needed {
                {
                    let mut h = HeapTupleHeaderMut(&mut *new_tuple);
                    h.set_xmin(w.xid);
                    h.set_cmin(w.cid);
                    h.set_xmax(Xid::INVALID);
                    let mask = h.as_ref().infomask() | HEAP_XMAX_INVALID | HEAP_UPDATED;
                    h.set_infomask(mask);
                }
                let new_off = page::add_item(pg, new_tuple, None).ok_or_else(|| {
                    StorageError::Internal("page claimed room but add_item failed".into())
                })?;
                let new_tid = ItemPointer::new(tid.block, new_off);
                if let Some(item) = page::get_item_mut(pg, new_off) {
                    HeapTupleHeaderMut(item).set_ctid(new_tid);
                }
                let item = page::get_item_mut(pg, off)
                    .ok_or_else(|| StorageError::Internal("tuple vanished".into()))?;
                let mut h = HeapTupleHeaderMut(item);
                set_xmax(&mut h, w.xid, w.cid, 0);
                h.set_ctid(new_tid);
                Ok(Some(new_tid))
            } else {
                // Rule 5: lock it for ourselves, place the new version after.
                // The page is full for updates: the next reader may prune it.
                page::set_flag(pg, page::PD_PAGE_FULL);
                let item = page::get_item_mut(pg, off)
                    .ok_or_else(|| StorageError::Internal("tuple vanished".into()))?;
                let mut h = HeapTupleHeaderMut(item);
                set_xmax(
                    &mut h,
                    w.xid,
                    w.cid,
                    HEAP_XMAX_LOCK_ONLY | HEAP_XMAX_EXCL_LOCK,
                );
                Ok(None)
            }
        })?;
        match same_page {
            Err(m) => Ok((m, None)),
            Ok(Some(new_tid)) => {
                self.txns.stats().count(w.xid, rel, Change::Update, 1);
                Ok((ModifyResult::Ok, Some(new_tid)))
            }
            Ok(None) => {
                let new_tid = self.place_tuple(rel, new_tuple, w.xid, w.cid, true)?;
                let buf = self
                    .pool
                    .read_buffer(rel, ForkNumber::Main, tid.block, None)?;
                let mut g = buf.write();
                visibilitymap::clear_for_change(&self.pool, &mut g, buf.tag())?;
                self.check_wal()?;
                let item = page::get_item_mut(&mut g, tid.offset)
                    .ok_or_else(|| StorageError::Internal("updated tuple vanished".into()))?;
                // NO ERROR RETURNS UNTIL LOGGED
                let mut h = HeapTupleHeaderMut(item);
                set_xmax(&mut h, w.xid, w.cid, 0);
                h.set_ctid(new_tid);
                prune::page_set_prunable(&mut g, w.xid);
                g.mark_dirty();
                let mut ops = HeapOps::default();
                ops.header(
                    tid.offset,
                    page::get_item(&g, tid.offset).unwrap_or_default(),
                );
                self.log_heap(&mut g, buf.tag(), XLOG_HEAP_UPDATE, w.xid, ops, false);
                self.txns.stats().count(w.xid, rel, Change::Update, 1);
                Ok((ModifyResult::Ok, Some(new_tid)))
            }
        }
    }
}

/// Stamps `xmax`/`cmax` and the lock bits, clearing stale xmax hints.
fn set_xmax(h: &mut HeapTupleHeaderMut<'_>, xid: Xid, cid: CommandId, lock_bits: u16) {
    let clear = HEAP_XMAX_COMMITTED
        | HEAP_XMAX_INVALID
        | HEAP_XMAX_LOCK_ONLY
        | HEAP_XMAX_EXCL_LOCK
        | HEAP_XMAX_KEYSHR_LOCK;
    let mask = (h.as_ref().infomask() & !clear) | lock_bits;
    h.set_infomask(mask);
    h.set_xmax(xid);
    h.set_cmax(cid);
}

/// A sequential scan in page-at-a-time mode (rule 2).
pub struct HeapScan<'a> {
    heap: &'a Heap,
    rel: RelFileLocator,
    snapshot: Snapshot,
    nblocks: BlockNumber,
    next_block: u32,
    /// Copies of the current page's visible tuples, back to back.
    tuples: Vec<u8>,
    /// (tid, start, end) of each tuple in `tuples`.
    items: Vec<(ItemPointer, usize, usize)>,
    pos: usize,
    ring: Option<BufferRing>,
    /// Hint bits to set on the current page: (offset, bits).
    hints: Vec<(OffsetNumber, u16)>,
}

impl HeapScan<'_> {
    /// The snapshot the scan reads with.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Reads block `block` alone: [`Self::next_tuple`] then returns its
    /// visible tuples and ends (ANALYZE's block sample).
    pub fn read_only_block(&mut self, block: BlockNumber) -> Result<()> {
        self.load_page(block)?;
        self.next_block = self.nblocks.0;
        Ok(())
    }

    /// The next visible tuple and its TID, or `None` at the end.
    pub fn next_tuple(&mut self) -> Result<Option<(ItemPointer, &[u8])>> {
        while self.pos >= self.items.len() {
            if self.next_block >= self.nblocks.0 {
                return Ok(None);
            }
            self.load_page(BlockNumber(self.next_block))?;
            self.next_block += 1;
        }
        let (tid, start, end) = self.items[self.pos];
        self.pos += 1;
        Ok(Some((tid, &self.tuples[start..end])))
    }

    fn load_page(&mut self, block: BlockNumber) -> Result<()> {
        self.tuples.clear();
        self.items.clear();
        self.hints.clear();
        self.pos = 0;
        let buf =
            self.heap
                .pool
                .read_buffer(self.rel, ForkNumber::Main, block, self.ring.as_ref())?;
        prune::prune_opt(self.heap, self.rel, &buf);
        {
            let g = buf.read();
            if page::is_new(&g) {
                return Ok(());
            }
            let max = page::max_offset_number(&g);
            for off in 1..=max {
                let off = OffsetNumber(off);
                let Some(item) = page::get_item(&g, off) else {
                    continue;
                };
                if item.len() < crate::heap::htup::SIZEOF_HEAP_TUPLE_HEADER {
                    return Err(StorageError::DataCorrupted {
                        rel: self.rel,
                        block,
                    });
                }
                let (visible, hints) =
                    satisfies_mvcc(HeapTupleHeader(item), &self.snapshot, &self.heap.txns)?;
                if hints != 0 && hints & !HeapTupleHeader(item).infomask() != 0 {
                    self.hints.push((off, hints));
                }
                if visible {
                    let start = self.tuples.len();
                    self.tuples.extend_from_slice(item);
                    self.items
                        .push((ItemPointer::new(block, off), start, self.tuples.len()));
                }
            }
        }
        if !self.hints.is_empty()
            && let Some(mut g) = buf.try_write()
        {
            for (off, bits) in &self.hints {
                if let Some(item) = page::get_item_mut(&mut g, *off) {
                    HeapTupleHeaderMut(item).add_hint_bits(*bits);
                }
            }
            g.mark_dirty();
            self.heap.log_hint(&mut g, buf.tag());
        }
        Ok(())
    }
}
