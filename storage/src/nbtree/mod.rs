//! The B-tree index access method (PostgreSQL's `nbtree`): a Lehman & Yao
//! B-link tree of (key, heap TID) entries in 8 KiB pages of the buffer
//! pool, WAL-logged.
//!
//! Interface routines (all on [`BTree`]):
//!
//! ```text
//! BTree::create          new index file: metapage + empty root leaf (btbuildempty)
//! BTree::build           sort entries and load the tree bottom-up (btbuild)
//! BTree::insert          one entry, with an optional unique check (btinsert)
//! BTree::scan            entries between two (prefix) bounds, either direction
//! BTree::bulk_delete     remove entries whose heap TID a callback says is dead
//! BTree::check           amcheck's bt_index_check
//! BTree::truncate        empty the index (TRUNCATE): back to create's state
//! BTree::drop_relation   forget and unlink the file
//! ```
//!
//! Files: [`page`] (layouts, tuples, key comparison), [`search`] (descent,
//! scans), [`insert`] (unique checks, splits), [`build`], [`vacuum`],
//! [`check`], [`xlog`] (WAL records, redo, waldump).
//!
//! # Keys and order
//!
//! An index has up to 32 key columns ([`IndexKeyDesc`]), each ASC or DESC
//! with NULLS FIRST or LAST. Values compare exactly as ORDER BY does
//! ([`crate::datum::compare::cmp_sort_key`]): NULLs equal each other, NaN
//! above every other float, numerics by value (1.0 = 1.00), text by bytes.
//! Duplicate keys are allowed; every entry is made unique by ordering on
//! (key, heap TID), so an insertion or a deletion always knows the one
//! place of its entry, and the separators between pages (pivots) carry
//! the heap TID of the entry they were copied from as the last "column"
//! (PostgreSQL 12's heapkeyspace).
//!
//! # On-disk format
//!
//! Block 0 is the metapage; every other block is a tree page. Pages use
//! the common layout of [`crate::page`] with a 16-byte special area:
//!
//! ```text
//!  special area (last 16 bytes of every page, BTPageOpaqueData)
//!    0  4  prev     left sibling, INVALID (0xFFFFFFFF) if leftmost
//!    4  4  next     right sibling (right-link), INVALID if rightmost
//!    8  4  level    0 = leaf
//!   12  2  flags    LEAF 0x1, ROOT 0x2, META 0x8
//!   14  2  zero
//!
//!  metapage: the 16 bytes before the special area
//!    0  4  magic    0x053162
//!    4  4  version  1 (heapgres's own)
//!    8  4  root     root block
//!   12  4  level    root level
//!
//!  tree page
//!  +--------+-----------------------------+------+----------------+---------+
//!  | header | lp1 (high key) lp2 lp3 ... → | free | ← items        | special |
//!  +--------+-----------------------------+------+----------------+---------+
//! ```
//!
//! On every page but the rightmost of its level, item 1 is the high key: an
//! upper bound (exclusive) of the keys on the page, equal to the first
//! entry of the right sibling when it was split off. Data items follow in
//! (key, heap TID) order. On internal pages the first data item is "minus
//! infinity" (no key columns) and points at the leftmost child; each other
//! item is a pivot, the inclusive lower bound of its child's keys.
//!
//! An index tuple (`IndexTupleData`, items are MAXALIGNed on the page):
//!
//! ```text
//!    0  4  block    leaf: heap block; internal: child block; high key: INVALID
//!    4  2  offset   leaf: heap line pointer; otherwise 0
//!    6  2  info     0x8000 has NULLs, 0x4000 pivot with heap TID, 0x00FF key columns
//!    8  8  [NULL bitmap: u32, bit i = column i is NULL; 4 bytes zero]  if has NULLs
//!   8/16   key columns laid out as in a heap tuple's data area
//!          (heap::tuple::encode_attrs: typalign relative to the item start,
//!          varlena headers, NULLs absent)
//!   end-6  [heap TID tiebreaker: u32 block, u16 offset]  pivots only
//! ```
//!
//! A leaf entry may take at most [`page::MAX_ITEM_SIZE`] bytes (a third of a
//! page, as PostgreSQL's `BTMaxItemSize`), so any page split leaves both
//! halves room.
//!
//! # Concurrency (Lehman & Yao, as PostgreSQL's nbtree README)
//!
//! 1. Readers descend one page at a time under shared content locks: the
//!    metapage for the root, then at each level the child the downlink
//!    names, releasing the parent first (no lock coupling).
//! 2. A page split since its parent was read is detected by the high key:
//!    if the search key is at or beyond it, the reader follows the
//!    right-link ("move right"). Splits only ever move keys to the right,
//!    into a new page linked in between, so moving right always finds them.
//! 3. A split exclusively locks the page, the new right page, then the old
//!    right sibling (to fix its left-link) — always left to right — and,
//!    for the root, the new root and then the metapage; it changes them
//!    all and logs one WAL record while holding every lock. It then
//!    releases them and inserts the separator into the parent level as a
//!    separate step, starting at the parent the descent passed and moving
//!    right. In between, searches reach the new page through the
//!    right-link. A reader never waits for a split beyond one page lock.
//! 4. Locks are taken left to right within a level and a lower level's
//!    page is never locked while an upper level's page is held, except
//!    that a split holds its pages at one level while locking the metapage
//!    last; nobody holds the metapage while waiting. So there are no
//!    deadlocks among B-tree locks. (A root split also locks the new root
//!    before the metapage; nobody else can reach the new root yet.) A
//!    unique check takes heap page locks (shared) while holding leaf
//!    locks, never the reverse.
//! 5. Scans copy the matching items of one leaf into their own buffer
//!    under a shared lock, remember the right-link (or left-link), release
//!    the page, and return entries from the copy (`_bt_readpage`). They
//!    hold no pin between calls, so bulk delete never waits for them; a
//!    TID they return may meanwhile have been removed and reused, which is
//!    harmless under MVCC because the heap fetch re-checks visibility (the
//!    executor must recheck the key for non-MVCC uses).
//! 6. Backward scans move left by reading the remembered left sibling and
//!    moving right until the page whose right-link is the current page
//!    (`_bt_walk_left`); pages are never deleted, so this terminates.
//! 7. Pages are never deleted or reused, so a block number seen once stays
//!    a page of the same level of the same index.
//!
//! # Unique checks
//!
//! `insert` with a [`UniqueCheck`] and no NULL key column (NULLs never
//! conflict) descends to the first leaf where the key can be, locks it
//! exclusively, and looks at every entry with an equal key, there and on
//! following pages (shared-locking each). Each entry's heap version is
//! judged by [`crate::heap::visibility::satisfies_dirty`]: dead, or deleted
//! by a committed or by the inserting transaction: no conflict; live:
//! [`StorageError::UniqueViolation`]; inserted or deleted by a running
//! transaction: release every lock, wait for it
//! ([`crate::txn::TransactionManager::wait_for`], deadlock-checked), start
//! over. With no conflict the entry is inserted while the first page is
//! still locked, so two inserters of one key take turns on that page.
//!
//! # WAL and crash safety
//!
//! Every page change is logged before its lock is released, following the
//! recipe in [`crate::xlog`] (records in [`xlog`]). A split is one record
//! covering all its pages. A crash between a split and the insertion of its
//! downlink leaves a page that only its left sibling's right-link reaches:
//! searches and inserts stay correct (rule 2), and a later split of it
//! inserts its own separator at its key's place. A root split logs the new
//! root and the metapage in the same record, so the top level always has
//! exactly one page. Index builds log every page as an image.
//!
//! # Not done (yet)
//!
//! * Page deletion: pages emptied by bulk delete stay in the tree (their
//!   space is reused by later inserts into their key range) and the index
//!   never shrinks; no half-dead/deleted states exist.
//! * Suffix truncation of pivot keys, deduplication (posting lists),
//!   bottom-up and simple (LP_DEAD) deletion, the fast root, and the
//!   rightmost-page insertion cache.
//! * Finishing incomplete splits eagerly (`INCOMPLETE_SPLIT`): not needed
//!   for correctness here (see above; tested by cutting the WAL between a
//!   split and its downlink), only the downlink stays missing.
//! * `check` is `bt_index_check` against a quiescent index: run it without
//!   concurrent inserts (callers take a lock that blocks writers).
//! * Parallel builds; builds go through the buffer pool.

pub mod build;
pub mod check;
pub mod insert;
pub mod page;
pub mod search;
pub mod vacuum;
pub mod xlog;

#[cfg(test)]
mod tests;

use std::sync::{Arc, OnceLock};

use crate::buffer::BufferPool;
use crate::datum::compare::cmp_sort_key;
use crate::datum::{Datum, SqlType};
use crate::error::{Result, StorageError};
use crate::heap::tuple::TupleDesc;
use crate::txn::{LockWait, OwnXids, OwnerId, TransactionManager};
use crate::types::{BlockNumber, ForkNumber, RelFileLocator, Xid};
use crate::xlog::XLog;

pub use search::BTreeScan;

use self::page::{BTP_LEAF, BTP_ROOT, META_BLOCK, Meta, Opaque, init_meta, init_page};
use self::xlog::{XLOG_BTREE_NEWPAGES, op_image};

/// One key column of an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexColumn {
    /// The column's type.
    pub typ: SqlType,
    /// DESC: larger values first.
    pub descending: bool,
    /// NULLS FIRST (PostgreSQL's default is NULLS LAST for ASC, NULLS FIRST
    /// for DESC; see [`IndexColumn::asc`] / [`IndexColumn::desc`]).
    pub nulls_first: bool,
}

impl IndexColumn {
    /// `ASC` with the default `NULLS LAST`.
    pub fn asc(typ: SqlType) -> Self {
        IndexColumn {
            typ,
            descending: false,
            nulls_first: false,
        }
    }

    /// `DESC` with the default `NULLS FIRST`.
    pub fn desc(typ: SqlType) -> Self {
        IndexColumn {
            typ,
            descending: true,
            nulls_first: true,
        }
    }
}

/// The key columns of an index, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexKeyDesc {
    /// At most [`page::INDEX_MAX_KEYS`] columns.
    pub columns: Vec<IndexColumn>,
}

impl IndexKeyDesc {
    /// How the key columns are stored (a heap tuple descriptor of their types).
    pub fn tuple_desc(&self) -> TupleDesc {
        TupleDesc::new(self.columns.iter().map(|c| c.typ))
    }

    /// Compares two keys (full or prefix: the shorter length is compared)
    /// in index order.
    pub fn compare(&self, a: &[Datum], b: &[Datum]) -> std::cmp::Ordering {
        for ((x, y), c) in a.iter().zip(b).zip(&self.columns) {
            let o = cmp_sort_key(x, y, c.descending, c.nulls_first);
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    }
}

/// Scan direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanDirection {
    /// Index order.
    Forward,
    /// Reverse index order (`ORDER BY ... DESC` over an ASC index).
    Backward,
}

/// What a unique insertion needs to judge and wait for conflicting rows.
#[derive(Clone, Copy)]
pub struct UniqueCheck<'a> {
    /// The heap relation the index entries point into.
    pub heap: RelFileLocator,
    /// The inserting transaction's own xids (its row versions, and rows it
    /// deleted, are judged as its own).
    pub own: &'a OwnXids,
    /// The inserting session, for lock waits.
    pub owner: OwnerId,
    /// Timeouts and cancellation for waits.
    pub wait: &'a LockWait,
}

/// What [`BTree::bulk_delete`] did (`IndexBulkDeleteResult`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BulkDeleteStats {
    /// Entries removed.
    pub tuples_removed: u64,
    /// Entries left in the index.
    pub num_index_tuples: u64,
    /// Pages in the index (including the metapage).
    pub pages: u32,
}

/// The B-tree access method over a buffer pool. `Send + Sync`; one per
/// engine, shared by every session.
pub struct BTree {
    pool: Arc<BufferPool>,
    txns: Arc<TransactionManager>,
    /// The WAL, once the engine has opened it (unset: changes are not
    /// logged, as during recovery and in unit tests).
    xlog: OnceLock<Arc<XLog>>,
}

impl BTree {
    /// A B-tree access method over `pool`.
    pub fn new(pool: Arc<BufferPool>, txns: Arc<TransactionManager>) -> Self {
        BTree {
            pool,
            txns,
            xlog: OnceLock::new(),
        }
    }

    /// Starts WAL-logging every page change (once; later calls are ignored).
    pub fn set_xlog(&self, xlog: Arc<XLog>) {
        let _ = self.xlog.set(xlog);
    }

    /// Fails if the WAL cannot be written: called before a page is changed.
    fn check_wal(&self) -> Result<()> {
        match self.xlog.get() {
            Some(x) => x.check_usable(),
            None => Ok(()),
        }
    }

    /// Creates the index file with a metapage and an empty root leaf
    /// (WAL-logged: SMGR CREATE, then the pages as images).
    pub fn create(&self, rel: RelFileLocator) -> Result<()> {
        if let Some(x) = self.xlog.get() {
            x.log(&crate::smgr_xlog::create_record(rel, ForkNumber::Main))?;
        }
        self.pool.smgr().create(rel, ForkNumber::Main)?;
        self.init_empty(rel)
    }

    /// Writes the metapage and an empty root leaf into the empty file.
    fn init_empty(&self, rel: RelFileLocator) -> Result<()> {
        let mut meta = vec![0u8; crate::page::BLCKSZ];
        init_meta(
            &mut meta,
            &Meta {
                root: BlockNumber(1),
                level: 0,
            },
        );
        let mut root = vec![0u8; crate::page::BLCKSZ];
        init_page(
            &mut root,
            &Opaque {
                prev: BlockNumber::INVALID,
                next: BlockNumber::INVALID,
                level: 0,
                flags: BTP_LEAF | BTP_ROOT,
            },
        );
        self.write_new_page(rel, META_BLOCK, &meta)?;
        self.write_new_page(rel, BlockNumber(1), &root)
    }

    /// Empties the index (TRUNCATE): the file is cut to nothing (logged and
    /// flushed first, as for heaps) and re-initialised as by
    /// [`BTree::create`].
    pub fn truncate(&self, rel: RelFileLocator) -> Result<()> {
        if let Some(x) = self.xlog.get() {
            let (_, end) = x.log(&crate::smgr_xlog::truncate_record(rel, BlockNumber(0)))?;
            x.flush(end)?;
        }
        self.pool
            .truncate_relation(rel, ForkNumber::Main, BlockNumber(0))?;
        self.init_empty(rel)
    }

    /// Forgets and unlinks the index file (DROP INDEX).
    pub fn drop_relation(&self, rel: RelFileLocator) -> Result<()> {
        self.pool.drop_relation_buffers(rel);
        self.pool.smgr().unlink(rel)
    }

    /// Writes `image` as block `blk` (the next block of the file, or an
    /// existing one being rebuilt) and logs it as a page image.
    fn write_new_page(&self, rel: RelFileLocator, blk: BlockNumber, image: &[u8]) -> Result<()> {
        let buf = if blk.0 < self.pool.nblocks(rel, ForkNumber::Main)?.0 {
            self.pool.read_buffer(rel, ForkNumber::Main, blk, None)?
        } else {
            self.pool.extend(rel, ForkNumber::Main, None)?
        };
        if buf.block() != blk {
            return Err(StorageError::Internal(format!(
                "index {rel} was extended to block {} while block {blk} was being built",
                buf.block()
            )));
        }
        self.check_wal()?;
        let mut g = buf.write();
        // NO ERROR RETURNS UNTIL LOGGED
        g.copy_from_slice(image);
        g.mark_dirty();
        if let Some(x) = self.xlog.get() {
            x.log_page_change(
                &mut g,
                buf.tag(),
                wal::rmgr::RM_BTREE_ID,
                XLOG_BTREE_NEWPAGES,
                Xid::INVALID,
                op_image(image),
                true,
                1u16.to_le_bytes().to_vec(),
            );
        }
        Ok(())
    }
}
