//! The free space map: roughly how much room each heap page has, so an
//! insert can find a page without reading the whole table (PostgreSQL's
//! `src/backend/storage/freespace/`).
//!
//! This module owns the `_fsm` fork's format. It is deliberately simpler
//! than PostgreSQL's three-level binary tree of max-heaps: one byte per heap
//! page, scanned linearly. A scan of 8160 bytes per FSM page is cheap next to
//! an insert, and a 1 GiB table has only 17 FSM pages.
//!
//! # Format
//!
//! FSM pages are ordinary pages ([`crate::page`]): a 32-byte header (so the
//! buffer pool's checksum and header checks apply unchanged) followed by one
//! category byte per heap block. No line pointers are used; `pd_lower` and
//! `pd_upper` keep their [`crate::page::init`] values and the bytes between
//! them are the map.
//!
//! ```text
//!  FSM block k:
//!  +------------------+-------+-------+-----+----------+
//!  | page header (32) | cat   | cat   | ... | cat      |
//!  |                  | h=k*N | k*N+1 |     | k*N+N-1  |   N = SLOTS_PER_PAGE = 8160
//!  +------------------+-------+-------+-----+----------+
//!  0                 32                              8192
//!
//!  category = min(free bytes / 32, 255)   (PostgreSQL's FSM_CAT_STEP = 32)
//! ```
//!
//! A category `c` promises at least `c * 32` free bytes; 0 means "full or
//! unknown", which is also what a missing or all-zero FSM page says.
//!
//! # Rules
//!
//! 1. The FSM is a hint. [`search`] returns a page *believed* to have room;
//!    the caller locks it, checks [`crate::page::heap_free_space`], and if it
//!    does not fit records the real value with [`record_free_space`] and
//!    searches again.
//! 2. The FSM is not WAL-logged. After a crash it may be stale; a torn FSM
//!    page fails its checksum and is read as all zeros
//!    ([`crate::buffer::BufferPool::read_buffer_zero_on_error`]), i.e. "no
//!    known free space", never an error. VACUUM rebuilds the entries.
//! 3. Entries past the heap's end are ignored by [`search`]; [`truncate`]
//!    clears them when the heap is truncated.
//!
//! # Not done (yet)
//!
//! * No upper tree levels: a search is linear in the table size / 8160.
//! * No `fp_next_slot` to spread concurrent inserters over different pages:
//!   callers pass a `start_hint` (e.g. the last page they inserted into).

use crate::buffer::BufferPool;
use crate::error::Result;
use crate::page::{self, BLCKSZ, PAGE_HEADER_SIZE};
use crate::types::{BlockNumber, ForkNumber, RelFileLocator};

/// Heap pages tracked per FSM page.
pub const SLOTS_PER_PAGE: u32 = (BLCKSZ - PAGE_HEADER_SIZE) as u32;
/// Bytes of free space per category step (`FSM_CAT_STEP`).
pub const CAT_STEP: usize = 32;

/// The category byte recorded for `free_bytes` of free space.
pub fn category(free_bytes: usize) -> u8 {
    (free_bytes / CAT_STEP).min(255) as u8
}

/// The smallest category that guarantees `needed` bytes; `None` if no
/// category does.
fn needed_category(needed: usize) -> Option<u8> {
    let c = needed.div_ceil(CAT_STEP).max(1);
    u8::try_from(c).ok()
}

fn locate(heap_block: BlockNumber) -> (BlockNumber, usize) {
    (
        BlockNumber(heap_block.0 / SLOTS_PER_PAGE),
        PAGE_HEADER_SIZE + (heap_block.0 % SLOTS_PER_PAGE) as usize,
    )
}

/// The FSM fork's size, 0 if it does not exist. Existence is asked first:
/// another backend may create the fork at any moment, and a fork seen to
/// exist is never removed while its relation is in use.
fn fsm_nblocks(pool: &BufferPool, rel: RelFileLocator) -> Result<u32> {
    if !pool.smgr().exists(rel, ForkNumber::Fsm) {
        return Ok(0);
    }
    Ok(pool.nblocks(rel, ForkNumber::Fsm)?.0)
}

/// Records that heap block `block` of `rel` has `free_bytes` free
/// (`RecordPageWithFreeSpace`). Creates and extends the FSM fork as needed.
pub fn record_free_space(
    pool: &BufferPool,
    rel: RelFileLocator,
    block: BlockNumber,
    free_bytes: usize,
) -> Result<()> {
    let (fblk, slot) = locate(block);
    let cat = category(free_bytes);
    let mut n = fsm_nblocks(pool, rel)?;
    if n <= fblk.0 && cat == 0 {
        return Ok(()); // a missing entry already says "no room"
    }
    while n <= fblk.0 {
        let b = pool.extend(rel, ForkNumber::Fsm, None)?;
        let mut w = b.write();
        if page::is_new(&w) {
            page::init(&mut w, 0);
            w.mark_dirty();
        }
        n = b.block().0 + 1;
    }
    let buf = pool.read_buffer_zero_on_error(rel, ForkNumber::Fsm, fblk, None)?;
    let mut w = buf.write();
    if page::is_new(&w) {
        page::init(&mut w, 0);
        w.mark_dirty();
    }
    if w[slot] != cat {
        w[slot] = cat;
        w.mark_dirty();
    }
    Ok(())
}

/// The free space recorded for `block` (`GetRecordedFreeSpace`): a lower
/// bound in bytes, 0 if unknown.
pub fn recorded_free_space(
    pool: &BufferPool,
    rel: RelFileLocator,
    block: BlockNumber,
) -> Result<usize> {
    let (fblk, slot) = locate(block);
    if fsm_nblocks(pool, rel)? <= fblk.0 {
        return Ok(0);
    }
    let buf = pool.read_buffer_zero_on_error(rel, ForkNumber::Fsm, fblk, None)?;
    let r = buf.read();
    Ok(usize::from(r[slot]) * CAT_STEP)
}

/// A heap block of `rel` believed to have at least `needed` free bytes
/// (`GetPageWithFreeSpace`), searching from `start_hint` to the end of the
/// heap and then from its start. `Ok(None)` when no page is known to have
/// room: the caller extends the relation.
pub fn search(
    pool: &BufferPool,
    rel: RelFileLocator,
    needed: usize,
    start_hint: BlockNumber,
) -> Result<Option<BlockNumber>> {
    let Some(need) = needed_category(needed) else {
        return Ok(None);
    };
    let fsm_n = fsm_nblocks(pool, rel)?;
    if fsm_n == 0 {
        return Ok(None);
    }
    let heap_n = pool.nblocks(rel, ForkNumber::Main)?.0;
    let limit = heap_n.min(fsm_n.saturating_mul(SLOTS_PER_PAGE));
    let start = if start_hint.0 < limit {
        start_hint.0
    } else {
        0
    };
    for (lo, hi) in [(start, limit), (0, start)] {
        let mut b = lo;
        while b < hi {
            let fblk = b / SLOTS_PER_PAGE;
            let end = hi.min((fblk + 1).saturating_mul(SLOTS_PER_PAGE));
            let buf =
                pool.read_buffer_zero_on_error(rel, ForkNumber::Fsm, BlockNumber(fblk), None)?;
            let r = buf.read();
            for h in b..end {
                if r[locate(BlockNumber(h)).1] >= need {
                    return Ok(Some(BlockNumber(h)));
                }
            }
            b = end;
        }
    }
    Ok(None)
}

/// Forgets the entries of heap blocks at or past `heap_nblocks` and
/// truncates the FSM fork to the pages still needed (`FreeSpaceMapPrepareTruncateRel`
/// + truncation), when the heap is truncated.
pub fn truncate(pool: &BufferPool, rel: RelFileLocator, heap_nblocks: BlockNumber) -> Result<()> {
    let n = fsm_nblocks(pool, rel)?;
    if n == 0 {
        return Ok(());
    }
    let (fblk, slot) = locate(heap_nblocks);
    if fblk.0 >= n {
        return Ok(());
    }
    let keep = if slot == PAGE_HEADER_SIZE {
        fblk.0
    } else {
        let buf = pool.read_buffer_zero_on_error(rel, ForkNumber::Fsm, fblk, None)?;
        let mut w = buf.write();
        if !page::is_new(&w) {
            w[slot..].fill(0);
            w.mark_dirty();
        }
        fblk.0 + 1
    };
    pool.truncate_relation(rel, ForkNumber::Fsm, BlockNumber(keep))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smgr::Smgr;
    use crate::types::Oid;
    use std::sync::Arc;

    fn setup(heap_blocks: u32) -> (tempfile::TempDir, Arc<BufferPool>, RelFileLocator) {
        let dir = tempfile::tempdir().unwrap();
        let pool = BufferPool::new(32, Arc::new(Smgr::new(dir.path())));
        let rel = RelFileLocator {
            db_oid: Oid(5),
            rel_number: Oid(16384),
        };
        // A sparse heap: only the last block is written.
        let smgr = pool.smgr();
        smgr.create(rel, ForkNumber::Main).unwrap();
        smgr.extend(
            rel,
            ForkNumber::Main,
            BlockNumber(heap_blocks - 1),
            &[0u8; BLCKSZ],
        )
        .unwrap();
        (dir, pool, rel)
    }

    #[test]
    fn record_and_search() {
        let (_dir, pool, rel) = setup(20_000);
        assert_eq!(search(&pool, rel, 100, BlockNumber(0)).unwrap(), None);
        record_free_space(&pool, rel, BlockNumber(3), 200).unwrap();
        record_free_space(&pool, rel, BlockNumber(17_000), 4000).unwrap();
        assert_eq!(pool.nblocks(rel, ForkNumber::Fsm).unwrap(), BlockNumber(3));
        assert_eq!(
            search(&pool, rel, 100, BlockNumber(0)).unwrap(),
            Some(BlockNumber(3))
        );
        assert_eq!(
            search(&pool, rel, 100, BlockNumber(4)).unwrap(),
            Some(BlockNumber(17_000))
        );
        assert_eq!(
            search(&pool, rel, 1000, BlockNumber(0)).unwrap(),
            Some(BlockNumber(17_000))
        );
        // 200 bytes is category 6 (192 bytes): a request for 193 does not fit.
        assert_eq!(
            search(&pool, rel, 193, BlockNumber(18_000)).unwrap(),
            Some(BlockNumber(17_000))
        );
        assert_eq!(search(&pool, rel, 5000, BlockNumber(0)).unwrap(), None);
        assert_eq!(
            recorded_free_space(&pool, rel, BlockNumber(3)).unwrap(),
            192
        );
        record_free_space(&pool, rel, BlockNumber(17_000), 0).unwrap();
        assert_eq!(search(&pool, rel, 1000, BlockNumber(0)).unwrap(), None);
        assert_eq!(search(&pool, rel, 10_000, BlockNumber(0)).unwrap(), None);
    }

    #[test]
    fn survives_flush_and_truncate() {
        let (dir, pool, rel) = setup(10_000);
        record_free_space(&pool, rel, BlockNumber(9000), 800).unwrap();
        record_free_space(&pool, rel, BlockNumber(10), 800).unwrap();
        pool.flush_all().unwrap();
        let fresh = BufferPool::new(8, Arc::new(Smgr::new(dir.path())));
        assert_eq!(
            search(&fresh, rel, 500, BlockNumber(20)).unwrap(),
            Some(BlockNumber(9000))
        );
        truncate(&fresh, rel, BlockNumber(8500)).unwrap();
        fresh
            .truncate_relation(rel, ForkNumber::Main, BlockNumber(8500))
            .unwrap();
        assert_eq!(fresh.nblocks(rel, ForkNumber::Fsm).unwrap(), BlockNumber(2));
        assert_eq!(
            search(&fresh, rel, 500, BlockNumber(20)).unwrap(),
            Some(BlockNumber(10))
        );
        // Heap grows again: the old entry for 9000 must not come back.
        for _ in 8500..9500 {
            fresh.extend(rel, ForkNumber::Main, None).unwrap();
        }
        assert_eq!(
            recorded_free_space(&fresh, rel, BlockNumber(9000)).unwrap(),
            0
        );
    }

    #[test]
    fn corrupt_fsm_page_reads_as_empty() {
        let (dir, pool, rel) = setup(10);
        record_free_space(&pool, rel, BlockNumber(5), 800).unwrap();
        pool.flush_all().unwrap();
        let path = dir.path().join("base/5/16384_fsm");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[PAGE_HEADER_SIZE + 5] ^= 0xFF;
        std::fs::write(&path, &bytes).unwrap();
        let fresh = BufferPool::new(8, Arc::new(Smgr::new(dir.path())));
        assert_eq!(search(&fresh, rel, 10, BlockNumber(0)).unwrap(), None);
        record_free_space(&fresh, rel, BlockNumber(5), 800).unwrap();
        assert_eq!(
            search(&fresh, rel, 10, BlockNumber(0)).unwrap(),
            Some(BlockNumber(5))
        );
    }
}
