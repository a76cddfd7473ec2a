//! The visibility map: one bit per heap page saying "every tuple on this
//! page is visible to every transaction, present and future" (PostgreSQL's
//! `visibilitymap.c`, without the all-frozen bit: heapgres's xids are 64
//! bits and never wrap, so nothing is ever frozen).
//!
//! Interface routines:
//!
//! ```text
//! is_all_visible        test a heap page's bit (missing fork or page: false)
//! set_all_visible       set a page's bit, WAL-logged (HEAP2 VISIBLE)
//! clear_for_change      before a heap page is changed: clear its flag and bit
//! truncate              forget the bits of heap pages cut off by truncation
//! ```
//!
//! # Format
//!
//! The `_vm` fork holds ordinary pages ([`crate::page`]: header, checksum)
//! whose bytes after the 32-byte header are a bitmap; bit `b % 8` of byte
//! `32 + b / 8` covers heap block `k * BITS_PER_PAGE + b` of VM block `k`.
//!
//! ```text
//!  VM block k:
//!  +------------------+--------------------------------------------+
//!  | page header (32) | 65280 bits: heap blocks k*65280 ..         |
//!  +------------------+--------------------------------------------+
//! ```
//!
//! # Invariants
//!
//! 1. A set bit implies the heap page's `PD_ALL_VISIBLE` flag is set: the
//!    flag is set (and logged) first, the bit after; the bit is cleared
//!    first, the flag after ([`clear_for_change`]).
//! 2. Any insert, update, delete or row lock on a page clears the page's
//!    flag and bit, under the heap page's exclusive lock, before the change
//!    ([`clear_for_change`], called by [`crate::heap::heapam`]). The clear
//!    itself is not logged: redo of every HEAP record clears the bit again
//!    ([`clear_on_redo`]), so a crash can never leave a set bit over a page
//!    whose change was replayed.
//! 3. VM pages are locked only while the heap page they describe is locked
//!    (or not at all): heap page, then VM page; never the other way round.
//! 4. The map is conservative: a clear bit only costs a page visit by
//!    VACUUM. A VM page that fails verification reads as all zeros.
//!
//! # WAL
//!
//! HEAP2 VISIBLE: one block reference, the VM page; data: the heap block
//! number (u32 LE). Redo sets the bit. It is logged after the record that
//! set the heap page's `PD_ALL_VISIBLE` (HEAP2 PRUNE or VACUUM with the
//! all-visible flag, [`crate::heap::prune`]); a crash between the two leaves
//! the flag without the bit, which invariant 1 allows.
//!
//! # Not done (yet)
//!
//! No all-frozen bit (not needed, see above) and no index-only scans use it
//! yet (issue #6 leaves that to the planner).

use crate::buffer::{BufferPool, BufferTag, BufferWriteGuard};
use crate::error::Result;
use crate::heap::heapam::Heap;
use crate::page::{self, BLCKSZ, PAGE_HEADER_SIZE, PD_ALL_VISIBLE};
use crate::types::{BlockNumber, ForkNumber, RelFileLocator, Xid};

/// Heap pages covered by one VM page.
pub const BITS_PER_PAGE: u32 = ((BLCKSZ - PAGE_HEADER_SIZE) * 8) as u32;

/// HEAP2 info: a VM bit set.
pub const XLOG_HEAP2_VISIBLE: u8 = 0x40;

/// (VM block, byte offset within the page, bit mask) of heap block `b`.
fn locate(b: BlockNumber) -> (BlockNumber, usize, u8) {
    let bit = b.0 % BITS_PER_PAGE;
    (
        BlockNumber(b.0 / BITS_PER_PAGE),
        PAGE_HEADER_SIZE + (bit / 8) as usize,
        1u8 << (bit % 8),
    )
}

fn vm_nblocks(pool: &BufferPool, rel: RelFileLocator) -> Result<u32> {
    if !pool.smgr().exists(rel, ForkNumber::VisibilityMap) {
        return Ok(0);
    }
    Ok(pool.nblocks(rel, ForkNumber::VisibilityMap)?.0)
}

/// True if heap block `block` of `rel` is marked all-visible.
pub fn is_all_visible(pool: &BufferPool, rel: RelFileLocator, block: BlockNumber) -> Result<bool> {
    let (vblk, byte, mask) = locate(block);
    if vm_nblocks(pool, rel)? <= vblk.0 {
        return Ok(false);
    }
    let buf = pool.read_buffer_zero_on_error(rel, ForkNumber::VisibilityMap, vblk, None)?;
    let g = buf.read();
    Ok(!page::is_new(&g) && g[byte] & mask != 0)
}

/// Sets the bit of heap block `block`, whose page the caller holds
/// exclusively with `PD_ALL_VISIBLE` already set and logged (invariant 1),
/// and logs HEAP2 VISIBLE. Extends the fork as needed.
pub fn set_all_visible(heap: &Heap, rel: RelFileLocator, block: BlockNumber) -> Result<()> {
    let pool = heap.pool();
    let (vblk, byte, mask) = locate(block);
    let mut n = vm_nblocks(pool, rel)?;
    while n <= vblk.0 {
        let b = pool.extend(rel, ForkNumber::VisibilityMap, None)?;
        let mut w = b.write();
        if page::is_new(&w) {
            page::init(&mut w, 0);
            w.mark_dirty();
        }
        n = b.block().0 + 1;
    }
    let buf = pool.read_buffer_zero_on_error(rel, ForkNumber::VisibilityMap, vblk, None)?;
    let mut w = buf.write();
    if page::is_new(&w) {
        page::init(&mut w, 0);
        w.mark_dirty();
    }
    if w[byte] & mask != 0 {
        return Ok(());
    }
    if let Some(x) = heap.xlog() {
        x.check_usable()?;
    }
    // NO ERROR RETURNS UNTIL LOGGED
    w[byte] |= mask;
    w.mark_dirty();
    if let Some(x) = heap.xlog() {
        x.log_page_change(
            &mut w,
            buf.tag(),
            wal::rmgr::RM_HEAP2_ID,
            XLOG_HEAP2_VISIBLE,
            Xid::INVALID,
            block.0.to_le_bytes().to_vec(),
            false,
            Vec::new(),
        );
    }
    Ok(())
}

/// Clears the bit of heap block `block` if set (not logged: invariant 2).
fn clear_bit(pool: &BufferPool, rel: RelFileLocator, block: BlockNumber) -> Result<()> {
    let (vblk, byte, mask) = locate(block);
    if vm_nblocks(pool, rel)? <= vblk.0 {
        return Ok(());
    }
    let buf = pool.read_buffer_zero_on_error(rel, ForkNumber::VisibilityMap, vblk, None)?;
    let mut w = buf.write();
    if !page::is_new(&w) && w[byte] & mask != 0 {
        w[byte] &= !mask;
        w.mark_dirty();
    }
    Ok(())
}

/// Called with a heap page exclusively locked, before a tuple on it is
/// inserted, updated, deleted or locked: if the page says all-visible,
/// clears the VM bit and then the flag (invariant 1). Call it before the
/// critical section: it may read the VM page and fail.
pub fn clear_for_change(
    pool: &BufferPool,
    g: &mut BufferWriteGuard<'_>,
    tag: BufferTag,
) -> Result<()> {
    if page::flags(g) & PD_ALL_VISIBLE == 0 {
        return Ok(());
    }
    clear_bit(pool, tag.rel, tag.block)?;
    page::clear_flag(g, PD_ALL_VISIBLE);
    g.mark_dirty();
    Ok(())
}

/// Redo side of invariant 2: after a HEAP record changed heap page `tag`,
/// its VM bit is cleared (the page flag was cleared by the record's redo).
pub fn clear_on_redo(pool: &BufferPool, tag: BufferTag) -> Result<()> {
    clear_bit(pool, tag.rel, tag.block)
}

/// Redo of HEAP2 VISIBLE: sets the bit on the referenced VM page.
pub fn visible_redo(pool: &BufferPool, rec: &wal::DecodedRecord) -> Result<()> {
    for blk in &rec.record.blocks {
        let Some(b) = blk.data.get(..4) else {
            return Err(crate::error::StorageError::Corrupted(format!(
                "invalid HEAP2 VISIBLE record at {}",
                rec.lsn
            )));
        };
        let heap_block = BlockNumber(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        crate::recovery::redo_block(pool, rec, blk, |pg| {
            if page::is_new(pg) {
                page::init(pg, 0);
            }
            let (_, byte, mask) = locate(heap_block);
            pg[byte] |= mask;
            Ok(())
        })?;
    }
    Ok(())
}

/// After the heap of `rel` was cut to `heap_nblocks` blocks: clears the bits
/// of the blocks cut off and truncates the fork to the pages still needed,
/// so a block added later never inherits a stale bit.
pub fn truncate(pool: &BufferPool, rel: RelFileLocator, heap_nblocks: BlockNumber) -> Result<()> {
    let n = vm_nblocks(pool, rel)?;
    if n == 0 {
        return Ok(());
    }
    let (vblk, byte, mask) = locate(heap_nblocks);
    if vblk.0 >= n {
        return Ok(());
    }
    let first_bit_in_page = byte == PAGE_HEADER_SIZE && mask == 1;
    let keep = if first_bit_in_page {
        vblk.0
    } else {
        let buf = pool.read_buffer_zero_on_error(rel, ForkNumber::VisibilityMap, vblk, None)?;
        let mut w = buf.write();
        if !page::is_new(&w) {
            // Bits at and above `mask` in `byte`, and every later byte.
            w[byte] &= mask - 1;
            w[byte + 1..].fill(0);
            w.mark_dirty();
        }
        vblk.0 + 1
    };
    if keep < n {
        pool.truncate_relation(rel, ForkNumber::VisibilityMap, BlockNumber(keep))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_covers_every_bit_once() {
        assert_eq!(locate(BlockNumber(0)), (BlockNumber(0), 32, 1));
        assert_eq!(locate(BlockNumber(9)), (BlockNumber(0), 33, 2));
        assert_eq!(
            locate(BlockNumber(BITS_PER_PAGE - 1)),
            (BlockNumber(0), BLCKSZ - 1, 0x80)
        );
        assert_eq!(locate(BlockNumber(BITS_PER_PAGE)), (BlockNumber(1), 32, 1));
    }
}
