//! HEAP WAL records: their payload and their redo (PostgreSQL's
//! `heapam_xlog.c`, physiological like it but with one generic payload).
//!
//! Every HEAP record carries one block reference whose data is a list of
//! operations on that page, applied in order:
//!
//! ```text
//! op     byte 0   then
//! PUT    1        u16 offset, u32 length, tuple bytes   place a tuple at exactly
//!                                                       this line pointer
//! HEADER 2        u16 offset, u16 length, header bytes  overwrite the first
//!                                                       bytes of the tuple
//! (all little-endian; with BKP_WILL_INIT / XLOG_HEAP_INIT_PAGE the page is
//!  first initialised empty)
//! ```
//!
//! | change                  | info          | ops                                  |
//! |-------------------------|---------------|--------------------------------------|
//! | insert                  | INSERT        | PUT new                              |
//! | update, same page       | UPDATE        | PUT new, HEADER old (xmax, ctid)     |
//! | update, new page        | UPDATE ×2     | PUT new (new page); HEADER old        |
//! | delete                  | DELETE        | HEADER (xmax, cmax, infomask)         |
//! | row lock                | LOCK          | HEADER (lock-only xmax)               |
//!
//! A cross-page update is two records (the heap never locks two pages at
//! once, see heapam rule 5); a crash between them leaves a new version and
//! a locked old one of a transaction that never committed: invisible.
//!
//! Redo applies the ops only if the page LSN is older than the record's end
//! ([`crate::recovery::redo_block`]), so replaying twice changes nothing.
//! Every HEAP redo also clears the page's `PD_ALL_VISIBLE` and its
//! visibility-map bit, and DELETE / UPDATE set `pd_prune_xid`
//! ([`crate::heap::visibilitymap`], [`crate::heap::prune`]). The HEAP2
//! records (prune, vacuum, visible, in-place) are in [`crate::heap::prune`].

use wal::DecodedRecord;

use crate::buffer::BufferPool;
use crate::error::{Result, StorageError};
use crate::heap::htup::SIZEOF_HEAP_TUPLE_HEADER;
use crate::page;
use crate::types::OffsetNumber;

/// Info: a new tuple.
pub const XLOG_HEAP_INSERT: u8 = 0x00;
/// Info: a tuple deleted.
pub const XLOG_HEAP_DELETE: u8 = 0x10;
/// Info: an update (either half).
pub const XLOG_HEAP_UPDATE: u8 = 0x20;
/// Info: a row lock.
pub const XLOG_HEAP_LOCK: u8 = 0x60;
/// Info bit: the page is initialised first (PostgreSQL's `XLOG_HEAP_INIT_PAGE`).
pub const XLOG_HEAP_INIT_PAGE: u8 = 0x80;

const OP_PUT: u8 = 1;
const OP_HEADER: u8 = 2;

/// A list of page operations being built.
#[derive(Default, Debug)]
pub struct HeapOps(pub Vec<u8>);

impl HeapOps {
    /// Places `tuple` at `off`.
    pub fn put(&mut self, off: OffsetNumber, tuple: &[u8]) {
        self.0.push(OP_PUT);
        self.0.extend_from_slice(&off.0.to_le_bytes());
        self.0
            .extend_from_slice(&(tuple.len() as u32).to_le_bytes());
        self.0.extend_from_slice(tuple);
    }

    /// Overwrites the header of the tuple at `off` with the header of `tuple`.
    pub fn header(&mut self, off: OffsetNumber, tuple: &[u8]) {
        let n = tuple.len().min(SIZEOF_HEAP_TUPLE_HEADER);
        self.0.push(OP_HEADER);
        self.0.extend_from_slice(&off.0.to_le_bytes());
        self.0.extend_from_slice(&(n as u16).to_le_bytes());
        self.0.extend_from_slice(&tuple[..n]);
    }
}

fn bad(why: &str) -> StorageError {
    StorageError::Corrupted(format!("invalid HEAP WAL record: {why}"))
}

/// Applies a list of ops to `pg`.
pub fn apply_ops(pg: &mut [u8], init: bool, ops: &[u8]) -> Result<()> {
    if init {
        page::init(pg, 0);
    }
    let mut p = 0;
    let take = |p: &mut usize, n: usize| -> Result<&[u8]> {
        let s = ops.get(*p..*p + n).ok_or_else(|| bad("truncated op"))?;
        *p += n;
        Ok(s)
    };
    while p < ops.len() {
        let kind = take(&mut p, 1)?[0];
        let o = take(&mut p, 2)?;
        let off = OffsetNumber(u16::from_le_bytes([o[0], o[1]]));
        match kind {
            OP_PUT => {
                let l = take(&mut p, 4)?;
                let len = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                let tuple = take(&mut p, len)?;
                if page::add_item(pg, tuple, Some(off)) != Some(off) {
                    return Err(bad("tuple does not fit where it was placed"));
                }
            }
            OP_HEADER => {
                let l = take(&mut p, 2)?;
                let len = u16::from_le_bytes([l[0], l[1]]) as usize;
                let h = take(&mut p, len)?;
                let item = page::get_item_mut(pg, off).ok_or_else(|| bad("no tuple to change"))?;
                if item.len() < len {
                    return Err(bad("tuple shorter than its header"));
                }
                item[..len].copy_from_slice(h);
            }
            _ => return Err(bad("unknown op")),
        }
    }
    Ok(())
}

/// Redo of a HEAP record.
pub fn heap_redo(pool: &BufferPool, rec: &DecodedRecord) -> Result<()> {
    let init = rec.record.info & XLOG_HEAP_INIT_PAGE != 0;
    let kind = rec.record.info & 0x70;
    let deleter = kind == XLOG_HEAP_DELETE || kind == XLOG_HEAP_UPDATE;
    for blk in &rec.record.blocks {
        crate::recovery::redo_block(pool, rec, blk, |pg| {
            apply_ops(pg, init, &blk.data)?;
            // The visibility map's invariant 2, and PageSetPrunable.
            page::clear_flag(pg, page::PD_ALL_VISIBLE);
            if deleter {
                crate::heap::prune::page_set_prunable(pg, crate::types::Xid(rec.record.xid));
            }
            Ok(())
        })?;
        if let Some(tag) = crate::xlog::buffer_tag(&blk.target) {
            crate::heap::visibilitymap::clear_on_redo(pool, tag)?;
        }
    }
    Ok(())
}

/// A waldump description of a HEAP record.
pub fn heap_describe(rec: &DecodedRecord) -> String {
    let kind = match rec.record.info & 0x70 {
        XLOG_HEAP_INSERT => "INSERT",
        XLOG_HEAP_DELETE => "DELETE",
        XLOG_HEAP_UPDATE => "UPDATE",
        XLOG_HEAP_LOCK => "LOCK",
        _ => "UNKNOWN",
    };
    let init = if rec.record.info & XLOG_HEAP_INIT_PAGE != 0 {
        "+INIT"
    } else {
        ""
    };
    format!("{kind}{init}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip_on_a_page() {
        let mut pg = vec![0u8; page::BLCKSZ];
        let t1 = vec![7u8; 40];
        let mut ops = HeapOps::default();
        ops.put(OffsetNumber(1), &t1);
        let mut h = vec![9u8; 40];
        h[SIZEOF_HEAP_TUPLE_HEADER..].fill(7);
        ops.header(OffsetNumber(1), &h);
        apply_ops(&mut pg, true, &ops.0).unwrap();
        assert_eq!(page::get_item(&pg, OffsetNumber(1)).unwrap(), &h[..]);
        // Garbage is an error, not a panic.
        assert!(apply_ops(&mut pg, false, &[OP_PUT, 1]).is_err());
        assert!(apply_ops(&mut pg, false, &[9, 1, 0]).is_err());
    }
}
