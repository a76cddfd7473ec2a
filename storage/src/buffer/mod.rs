//! The shared buffer pool: a fixed set of 8 KiB frames caching relation
//! pages (PostgreSQL's `src/backend/storage/buffer/`, see its `README`).
//!
//! This module owns the frames, the page table from [`BufferTag`] to frame,
//! pins, content locks, usage counts, the dirty bit, clock-sweep eviction and
//! buffer rings. Below it is [`crate::smgr`] (file I/O); page checksums and
//! header checks come from [`crate::page`]; the WAL plugs in through
//! [`BufferPool::set_wal_flush_hook`].
//!
//! # Structure
//!
//! ```text
//!   page table: 128 partitions, each Mutex<HashMap<BufferTag, frame>>
//!        │ (hash of tag picks the partition)
//!        ▼
//!   frames[0..nbuffers]
//!     ┌───────────────────────────────────────────────────────────────┐
//!     │ hdr: Mutex{tag, valid, io_in_progress} + Condvar (I/O waits)   │
//!     │ pin_count: AtomicU32   usage_count: AtomicU32  dirty: AtomicBool│
//!     │ flush_lock: Mutex<()>  (one writer of this frame at a time)    │
//!     │ content: RwLock<Box<[u8]>>  (the page; the content lock)       │
//!     └───────────────────────────────────────────────────────────────┘
//!   clock hand: AtomicUsize        relation sizes + extension locks
//! ```
//!
//! # Buffer access rules
//!
//! (After PostgreSQL's `storage/buffer/README`, "Buffer Access Rules".)
//!
//! 1. To look at a page you must hold a pin ([`PinnedBuffer`]) and a shared
//!    content lock ([`PinnedBuffer::read`]). A pin alone keeps the frame from
//!    being reused for another page but gives no right to read its bytes.
//! 2. Once you have looked at a tuple under a share lock you may keep using
//!    it after releasing the lock only while you still hold the pin and only
//!    for fields that cannot change under a pin (PostgreSQL: tuple data; here
//!    copy what you need — the borrow checker ends the slice with the guard).
//! 3. To change a page you must hold a pin and the exclusive content lock
//!    ([`PinnedBuffer::write`]), and call [`BufferWriteGuard::mark_dirty`]
//!    before releasing it. A change that must survive a crash is WAL-logged
//!    and the page LSN set while the exclusive lock is held
//!    (NO ERROR RETURNS UNTIL LOGGED).
//! 4. Hint bits may be set under [`PinnedBuffer::try_write`] (a conditional
//!    exclusive lock): if the lock is busy, skip setting them. They are not
//!    WAL-logged; checksums are computed on a private copy at write time, so
//!    a torn hint-bit write cannot invalidate a page that is being flushed.
//! 5. Physically removing tuples or compacting a page (pruning, VACUUM)
//!    needs a cleanup lock: the exclusive lock while yours is the only pin
//!    ([`PinnedBuffer::cleanup_lock`], [`PinnedBuffer::try_cleanup_lock`]).
//!    Holders of a bare pin may rely on the line pointers they saw.
//!
//! # Pool invariants
//!
//! * A frame's tag changes only while the changer holds the only pin and the
//!   page-table partition locks of the old and new tags. Lookups pin under
//!   the partition lock, so a pinned frame never changes identity.
//! * A frame being read in has `io_in_progress` set; others who find it pin
//!   it and wait on the frame's condvar. If the read fails, the mapping is
//!   removed and the waiters retry (and report the error themselves).
//! * A dirty page is written before its frame is reused. Before writing,
//!   the WAL flush hook is called with the page LSN (WAL before data). The
//!   checksum is set on a private copy of the page; the dirty bit is cleared
//!   before the copy is taken, so a concurrent change re-dirties the page.
//! * No global lock is held across I/O: smgr I/O happens with at most the
//!   frame's own flush lock, its content lock, and (for extension) the
//!   relation's extension lock.
//! * Every page read from disk is verified ([`crate::page::verify`]); a bad
//!   page is [`crate::error::StorageError::DataCorrupted`] (XX001) and is not cached.
//!
//! # Eviction
//!
//! Clock sweep (`StrategyGetBuffer`): the hand moves over the frames;
//! an unpinned frame with usage count 0 is taken, an unpinned frame with a
//! higher count is decremented. Each access bumps the count up to
//! [`MAX_USAGE_COUNT`] (5). If a whole pass without finding any unpinned
//! frame goes by, the pool answers [`crate::error::StorageError::NoFreeBuffers`].
//!
//! A [`BufferRing`] (`BAS_BULKREAD` and friends) limits a bulk operation to a
//! handful of frames it recycles; accesses through a ring raise a usage count
//! only from 0 to 1, so ring pages are the first to go.
//!
//! # Relation size and extension
//!
//! [`BufferPool::extend`] takes a per-(relation, fork) extension lock, writes
//! a zero block at the end of the file through smgr (so ENOSPC is reported
//! at extension time, as PostgreSQL does), and returns the new block pinned
//! with an all-zero page: the caller initialises it. The pool caches each
//! fork's size; all extension, truncation and dropping must go through the
//! pool so the cache stays right.
//!
//! # Not done (yet)
//!
//! * A background writer; dirty pages are written on eviction and by
//!   [`BufferPool::flush_all`] at checkpoint.
//! * Per-ring "reject if the WAL flush would be needed" (PostgreSQL's
//!   `StrategyRejectBuffer`): ring victims are simply written.
//! * Local (temporary-table) buffers.

mod pool;
mod ring;

pub use pool::{
    BufferPool, BufferReadGuard, BufferWriteGuard, MAX_USAGE_COUNT, PinnedBuffer, WalFlushHook,
};
pub use ring::BufferRing;

use crate::types::{BlockNumber, ForkNumber, RelFileLocator};

/// Identifies a page: which block of which fork of which relation
/// (PostgreSQL's `BufferTag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BufferTag {
    /// The relation's files.
    pub rel: RelFileLocator,
    /// Which fork.
    pub fork: ForkNumber,
    /// The block within the fork.
    pub block: BlockNumber,
}
