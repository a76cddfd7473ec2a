//! The heap scan that feeds an index build (PostgreSQL's
//! `heapam_index_build_range_scan`).
//!
//! An index must hold an entry for every row version some snapshot may
//! still see, not only the versions the builder's snapshot sees: a
//! REPEATABLE READ transaction that started before CREATE INDEX may later
//! read through the index. So the scan judges each version against the
//! vacuum horizon ([`satisfies_vacuum`]) and passes on everything that is
//! not dead to everyone, saying whether it is *alive* — the versions a
//! unique index must check against each other:
//!
//! ```text
//!   Live               indexed, alive
//!   InsertInProgress   indexed, alive   (only the builder's own: CREATE
//!                                        INDEX holds ShareLock, so no
//!                                        other writer is running)
//!   DeleteInProgress   indexed, not alive (deleted by the builder itself)
//!   RecentlyDead       indexed, not alive
//!   Dead               skipped
//! ```

use crate::error::{Result, StorageError};
use crate::heap::heapam::Heap;
use crate::heap::htup::{HeapTupleHeader, SIZEOF_HEAP_TUPLE_HEADER};
use crate::heap::visibility::{VacuumResult, satisfies_vacuum};
use crate::page;
use crate::types::{BlockNumber, ForkNumber, ItemPointer, OffsetNumber, RelFileLocator};

/// Calls `f(tid, tuple, alive)` for every version of `rel` that is not
/// dead to everyone, in TID order. Reads a page at a time: `f` runs with
/// no buffer locked.
pub fn index_build_scan(
    heap: &Heap,
    rel: RelFileLocator,
    mut f: impl FnMut(ItemPointer, &[u8], bool) -> Result<()>,
) -> Result<()> {
    let horizon = heap.txns().oldest_xmin();
    let nblocks = heap.nblocks(rel)?;
    let ring = crate::buffer::BufferRing::new(crate::buffer::BufferRing::BULK_READ);
    let mut tuples: Vec<u8> = Vec::new();
    let mut items: Vec<(ItemPointer, usize, usize, bool)> = Vec::new();
    for block in 0..nblocks.0 {
        tuples.clear();
        items.clear();
        let block = BlockNumber(block);
        let buf = heap
            .pool()
            .read_buffer(rel, ForkNumber::Main, block, Some(&ring))?;
        {
            let g = buf.read();
            if page::is_new(&g) {
                continue;
            }
            for off in 1..=page::max_offset_number(&g) {
                let off = OffsetNumber(off);
                let Some(item) = page::get_item(&g, off) else {
                    continue;
                };
                if item.len() < SIZEOF_HEAP_TUPLE_HEADER {
                    return Err(StorageError::DataCorrupted { rel, block });
                }
                let (state, _) = satisfies_vacuum(HeapTupleHeader(item), horizon, heap.txns())?;
                let alive = match state {
                    VacuumResult::Dead => continue,
                    VacuumResult::Live | VacuumResult::InsertInProgress => true,
                    VacuumResult::RecentlyDead | VacuumResult::DeleteInProgress => false,
                };
                let start = tuples.len();
                tuples.extend_from_slice(item);
                items.push((ItemPointer::new(block, off), start, tuples.len(), alive));
            }
        }
        for &(tid, start, end, alive) in &items {
            f(tid, &tuples[start..end], alive)?;
        }
    }
    Ok(())
}
