//! The storage engine's side of the WAL (PostgreSQL's `xloginsert.c` and
//! the parts of `xlog.c` that know pages): logging a change to a page with
//! full-page writes, and the conversions between the storage layer's
//! newtypes and the raw values in [`wal::BlockTarget`].
//!
//! The record formats of each resource manager live beside the code that
//! changes the pages: [`crate::heap::heapam_xlog`] (HEAP),
//! [`crate::txn::xact_xlog`] (XACT commit/abort), [`crate::smgr_xlog`] (SMGR).
//! Recovery and checkpoints are in [`crate::recovery`].
//!
//! # Logging a page change
//!
//! ```text
//!   pin, write-lock the page               (BufferWriteGuard)
//!   check the writer is usable             (XLog::check_usable: may fail)
//!   change the page, mark it dirty
//!   // NO ERROR RETURNS UNTIL LOGGED
//!   XLog::log_page_change(page, ...)        builds the record; if the page
//!                                           LSN <= redo point and
//!                                           full_page_writes: attach image;
//!                                           insert; page LSN = end LSN
//!   release the lock
//! ```
//!
//! If the insert fails inside the critical section the process aborts
//! (PostgreSQL PANICs): the page holds a change the WAL does not, and going
//! on could write it to disk unlogged. Recovery at the next start repairs.
//!
//! # Hint bits
//!
//! Hint bits are not logged as changes, but the first hint-bit change of a
//! page after the redo point logs the page's image
//! ([`XLog::log_hint_image`]), as PostgreSQL does with data checksums on, so
//! that a torn write of a page changed only by hints is repaired too.
//! While the server is paused in archive recovery ([`XLog::in_recovery`])
//! nothing is logged: hint bits set then stay unlogged, as in PostgreSQL's
//! recovery.

use std::sync::Arc;

use wal::record::{BKP_WILL_INIT, BlockRef, BlockTarget, WalRecord};
use wal::{Lsn, WalWriter};

use crate::buffer::BufferTag;
use crate::error::Result;
use crate::page;
use crate::types::{BlockNumber, ForkNumber, Oid, RelFileLocator, Xid};

/// The WAL as the storage engine uses it. `Send + Sync`.
pub struct XLog {
    writer: Arc<WalWriter>,
    full_page_writes: bool,
    /// Set while the server is paused in archive recovery: nothing may be
    /// logged (no xid is assigned, hint bits are not logged, pages are not
    /// pruned opportunistically); cleared by promotion.
    in_recovery: std::sync::atomic::AtomicBool,
}

impl XLog {
    /// Wraps an open writer.
    pub fn new(writer: Arc<WalWriter>, full_page_writes: bool) -> Self {
        XLog {
            writer,
            full_page_writes,
            in_recovery: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// True while the server is paused in archive recovery (read-only).
    pub fn in_recovery(&self) -> bool {
        self.in_recovery.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Enters (true) or leaves (false, at promotion) the read-only
    /// recovery state.
    pub fn set_in_recovery(&self, on: bool) {
        self.in_recovery
            .store(on, std::sync::atomic::Ordering::Release);
    }

    /// Whether full-page images are logged (`full_page_writes`).
    pub fn full_page_writes(&self) -> bool {
        self.full_page_writes
    }

    /// The writer.
    pub fn writer(&self) -> &Arc<WalWriter> {
        &self.writer
    }

    /// Fails if the WAL can no longer be written; call before changing a
    /// page so the critical section's insert cannot fail for that reason.
    pub fn check_usable(&self) -> Result<()> {
        Ok(self.writer.check_usable()?)
    }

    /// Inserts a record that changes no page; returns its (start, end).
    pub fn log(&self, rec: &WalRecord) -> Result<(Lsn, Lsn)> {
        Ok(self.writer.insert_at(rec)?)
    }

    /// Makes the WAL durable up to `lsn`.
    pub fn flush(&self, lsn: Lsn) -> Result<()> {
        Ok(self.writer.flush(lsn)?)
    }

    /// Logs a change just made to `page` (held exclusively, already changed
    /// and marked dirty) and sets its LSN; returns the record's end LSN.
    /// `block_data` is the rmgr's per-block payload; `will_init` says redo
    /// rebuilds the page from nothing (no image needed). Never returns an
    /// error: it is the end of a critical section (module doc).
    #[allow(clippy::too_many_arguments)]
    pub fn log_page_change(
        &self,
        page: &mut [u8],
        tag: BufferTag,
        rmid: u8,
        info: u8,
        xid: Xid,
        block_data: Vec<u8>,
        will_init: bool,
        main_data: Vec<u8>,
    ) -> Lsn {
        let target = block_target(tag);
        let old_lsn = page::lsn(page);
        let mut block_data = Some(block_data);
        let mut main_data = Some(main_data);
        loop {
            let redo = self.writer.redo_ptr();
            let image = self.full_page_writes && !will_init && old_lsn <= redo;
            let mut b = BlockRef::new(target, block_data.take().unwrap_or_default());
            if will_init {
                b.flags |= BKP_WILL_INIT;
            }
            if image {
                b = b.with_image(page);
            }
            let rec = WalRecord::new(rmid, info, xid.0, main_data.take().unwrap_or_default())
                .with_block(b);
            match self.writer.insert_if_redo(&rec, redo) {
                Ok(Some((_, end))) => {
                    page::set_lsn(page, end);
                    return end;
                }
                Ok(None) => {
                    // A checkpoint moved the redo point: rebuild.
                    let mut rec = rec;
                    main_data = Some(std::mem::take(&mut rec.main_data));
                    block_data = rec.blocks.pop().map(|b| b.data);
                }
                Err(e) => critical_failure(&e),
            }
        }
    }
}

/// One page of a multi-page change ([`XLog::log_multi_page_change`]).
pub struct PageChange<'a> {
    /// The page, held exclusively, already changed and marked dirty.
    pub page: &'a mut [u8],
    /// Which page it is.
    pub tag: BufferTag,
    /// The rmgr's payload for this block.
    pub data: Vec<u8>,
    /// Redo rebuilds the page from `data` alone (no image needed).
    pub will_init: bool,
}

impl XLog {
    /// Logs one change that spans several pages (a B-tree split) as one
    /// record with a block reference per page, in the given order, and sets
    /// every page's LSN; each page gets its image under the same rule as
    /// [`XLog::log_page_change`]. All pages must still be locked, so no one
    /// sees any of them changed before the record is in. Never returns an
    /// error: it is the end of a critical section.
    pub fn log_multi_page_change(
        &self,
        pages: &mut [PageChange<'_>],
        rmid: u8,
        info: u8,
        xid: Xid,
        main_data: &[u8],
    ) -> Lsn {
        loop {
            let redo = self.writer.redo_ptr();
            let mut rec = WalRecord::new(rmid, info, xid.0, main_data.to_vec());
            for p in pages.iter() {
                let mut b = BlockRef::new(block_target(p.tag), p.data.clone());
                if p.will_init {
                    b.flags |= BKP_WILL_INIT;
                } else if self.full_page_writes && page::lsn(p.page) <= redo {
                    b = b.with_image(p.page);
                }
                rec = rec.with_block(b);
            }
            match self.writer.insert_if_redo(&rec, redo) {
                Ok(Some((_, end))) => {
                    for p in pages.iter_mut() {
                        page::set_lsn(p.page, end);
                    }
                    return end;
                }
                // A checkpoint moved the redo point: rebuild.
                Ok(None) => continue,
                Err(e) => critical_failure(&e),
            }
        }
    }
}

impl XLog {
    /// After a hint-bit-only change to `page` (held exclusively): if this is
    /// the page's first change since the redo point, logs its image as an
    /// XLOG `FPI_FOR_HINT` record and sets the page LSN, so a torn write of
    /// the page is repaired by replay. Not a critical section: on failure
    /// the hint bits simply stay unlogged (a warning is logged).
    pub fn log_hint_image(&self, page: &mut [u8], tag: BufferTag) {
        if !self.full_page_writes || self.in_recovery() {
            return;
        }
        loop {
            let redo = self.writer.redo_ptr();
            if page::lsn(page) > redo {
                return;
            }
            let rec = WalRecord::new(
                wal::rmgr::RM_XLOG_ID,
                wal::rmgr::XLOG_FPI_FOR_HINT,
                0,
                Vec::new(),
            )
            .with_block(BlockRef::new(block_target(tag), Vec::new()).with_image(page));
            match self.writer.insert_if_redo(&rec, redo) {
                Ok(Some((_, end))) => {
                    page::set_lsn(page, end);
                    return;
                }
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "could not log a hint-bit page image");
                    return;
                }
            }
        }
    }
}

/// A failure inside a critical section: PANIC.
pub fn critical_failure(e: &dyn std::fmt::Display) -> ! {
    tracing::error!(error = %e, "PANIC: could not insert WAL record in a critical section");
    eprintln!("PANIC: could not insert WAL record in a critical section: {e}");
    std::process::abort()
}

/// The fork's number in WAL records (PostgreSQL's ForkNumber values).
pub fn fork_to_u8(f: ForkNumber) -> u8 {
    match f {
        ForkNumber::Main => 0,
        ForkNumber::Fsm => 1,
        ForkNumber::VisibilityMap => 2,
    }
}

/// The fork a WAL record names, if valid.
pub fn fork_from_u8(v: u8) -> Option<ForkNumber> {
    Some(match v {
        0 => ForkNumber::Main,
        1 => ForkNumber::Fsm,
        2 => ForkNumber::VisibilityMap,
        _ => return None,
    })
}

/// A buffer tag as a WAL block target.
pub fn block_target(tag: BufferTag) -> BlockTarget {
    BlockTarget {
        db_oid: tag.rel.db_oid.0,
        rel_number: tag.rel.rel_number.0,
        fork: fork_to_u8(tag.fork),
        block: tag.block.0,
    }
}

/// A WAL block target as a buffer tag (`None` for an unknown fork).
pub fn buffer_tag(t: &BlockTarget) -> Option<BufferTag> {
    Some(BufferTag {
        rel: RelFileLocator {
            db_oid: Oid(t.db_oid),
            rel_number: Oid(t.rel_number),
        },
        fork: fork_from_u8(t.fork)?,
        block: BlockNumber(t.block),
    })
}
