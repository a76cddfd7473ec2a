//! BTREE WAL records: their payload, redo and waldump descriptions
//! (PostgreSQL's `nbtxlog.c`, with one generic per-block payload as the
//! HEAP records have).
//!
//! Each block reference's data is a list of operations on that page,
//! applied in order:
//!
//! ```text
//! op       byte 0  then
//! IMAGE    1       the page without its hole (header + line pointers,
//!                  then items + special area); the page is rebuilt from
//!                  it, so the block is logged BKP_WILL_INIT
//! INSERT   2       u16 offset, item bytes        PageIndexTupleAdd at offset
//! DELETE   3       u16 n, n × u16 offsets        removed (ascending; the page
//!                                                is compacted, PageIndexMultiDelete)
//! SETPREV  4       u32 block                     the left-link in the special area
//! ```
//!
//! | change                   | info         | blocks (op)                                      | main data                  |
//! |--------------------------|--------------|--------------------------------------------------|----------------------------|
//! | leaf insert              | INSERT_LEAF  | leaf (INSERT)                                    | u16 off                    |
//! | downlink insert          | INSERT_UPPER | internal page (INSERT)                           | u16 off                    |
//! | split, new item left     | SPLIT_L      | left (IMAGE), new right (IMAGE), [old right sibling (SETPREV)] | u32 level, u16 firstright, u16 newitemoff |
//! | split, new item right    | SPLIT_R      | same                                             | same                       |
//! | split of the root        | NEWROOT      | left, new right, new root, metapage (all IMAGE)  | u32 new root level + split |
//! | bulk delete              | VACUUM       | leaf (DELETE)                                    | u16 ndeleted               |
//! | create / build           | NEWPAGES     | up to 32 pages (IMAGE)                           | u16 npages                 |
//!
//! A split and the insertion of its downlink into the parent are separate
//! records, as in PostgreSQL; a crash between them leaves a page reachable
//! only through its left sibling's right-link, which searches follow (see
//! "WAL and crash safety" in [`crate::nbtree`]). A root split is one record, so the
//! tree never has two pages on its top level.
//!
//! Redo applies the ops only if the page LSN is older than the record's end
//! ([`crate::recovery::redo_block`]), so replaying twice changes nothing.

use wal::DecodedRecord;

use crate::buffer::BufferPool;
use crate::error::{Result, StorageError};
use crate::page;
use crate::types::{BlockNumber, OffsetNumber};

use super::page::restore_image;

/// Info: an item inserted into a leaf.
pub const XLOG_BTREE_INSERT_LEAF: u8 = 0x00;
/// Info: a downlink inserted into an internal page.
pub const XLOG_BTREE_INSERT_UPPER: u8 = 0x10;
/// Info: a page split, the new item on the left half.
pub const XLOG_BTREE_SPLIT_L: u8 = 0x30;
/// Info: a page split, the new item on the right half.
pub const XLOG_BTREE_SPLIT_R: u8 = 0x40;
/// Info: the root split and a new root was made above it.
pub const XLOG_BTREE_NEWROOT: u8 = 0xA0;
/// Info: leaf items removed by bulk delete.
pub const XLOG_BTREE_VACUUM: u8 = 0xC0;
/// Info: whole pages written (create, build); heapgres's own.
pub const XLOG_BTREE_NEWPAGES: u8 = 0xF0;

const OP_IMAGE: u8 = 1;
const OP_INSERT: u8 = 2;
const OP_DELETE: u8 = 3;
const OP_SETPREV: u8 = 4;

/// Block data: rebuild the page from this image.
pub fn op_image(pg: &[u8]) -> Vec<u8> {
    let mut d = vec![OP_IMAGE];
    d.extend_from_slice(&super::page::compact_image(pg));
    d
}

/// Block data: `item` placed at `off`.
pub fn op_insert(off: OffsetNumber, item: &[u8]) -> Vec<u8> {
    let mut d = Vec::with_capacity(3 + item.len());
    d.push(OP_INSERT);
    d.extend_from_slice(&off.0.to_le_bytes());
    d.extend_from_slice(item);
    d
}

/// Block data: the items at `offs` (ascending) removed.
pub fn op_delete(offs: &[OffsetNumber]) -> Vec<u8> {
    let mut d = Vec::with_capacity(3 + 2 * offs.len());
    d.push(OP_DELETE);
    d.extend_from_slice(&(offs.len() as u16).to_le_bytes());
    for o in offs {
        d.extend_from_slice(&o.0.to_le_bytes());
    }
    d
}

/// Block data: the left-link set to `prev`.
pub fn op_setprev(prev: BlockNumber) -> Vec<u8> {
    let mut d = vec![OP_SETPREV];
    d.extend_from_slice(&prev.0.to_le_bytes());
    d
}

fn bad(why: &str) -> StorageError {
    StorageError::Corrupted(format!("invalid BTREE WAL record: {why}"))
}

fn u16_at(d: &[u8], o: usize) -> Result<u16> {
    d.get(o..o + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| bad("truncated"))
}

fn u32_at(d: &[u8], o: usize) -> Result<u32> {
    d.get(o..o + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| bad("truncated"))
}

/// Applies one block's ops to `pg`.
pub fn apply_ops(pg: &mut [u8], data: &[u8]) -> Result<()> {
    let (&op, rest) = data.split_first().ok_or_else(|| bad("empty block data"))?;
    match op {
        OP_IMAGE => restore_image(pg, rest),
        OP_INSERT => {
            let off = OffsetNumber(u16_at(rest, 0)?);
            if page::index_add_item(pg, &rest[2..], off) != Some(off) {
                return Err(bad("item does not fit where it was placed"));
            }
            Ok(())
        }
        OP_DELETE => {
            let n = usize::from(u16_at(rest, 0)?);
            let offs = (0..n)
                .map(|i| u16_at(rest, 2 + 2 * i).map(OffsetNumber))
                .collect::<Result<Vec<_>>>()?;
            super::page::multi_delete(pg, &offs)
        }
        OP_SETPREV => {
            let prev = BlockNumber(u32_at(rest, 0)?);
            let mut op = super::page::opaque(pg)?;
            op.prev = prev;
            super::page::set_opaque(pg, &op);
            Ok(())
        }
        _ => Err(bad("unknown op")),
    }
}

/// Redo of a BTREE record.
pub fn btree_redo(pool: &BufferPool, rec: &DecodedRecord) -> Result<()> {
    for blk in &rec.record.blocks {
        crate::recovery::redo_block(pool, rec, blk, |pg| apply_ops(pg, &blk.data))?;
    }
    Ok(())
}

/// A waldump description of a BTREE record.
pub fn btree_describe(rec: &DecodedRecord) -> String {
    let d = &rec.record.main_data;
    let split = |o: usize| -> String {
        match (u32_at(d, o), u16_at(d, o + 4), u16_at(d, o + 6)) {
            (Ok(l), Ok(f), Ok(n)) => format!("level {l}, firstrightoff {f}, newitemoff {n}"),
            _ => "?".into(),
        }
    };
    match rec.record.info {
        XLOG_BTREE_INSERT_LEAF => format!("INSERT_LEAF off {}", u16_at(d, 0).unwrap_or(0)),
        XLOG_BTREE_INSERT_UPPER => format!("INSERT_UPPER off {}", u16_at(d, 0).unwrap_or(0)),
        XLOG_BTREE_SPLIT_L => format!("SPLIT_L {}", split(0)),
        XLOG_BTREE_SPLIT_R => format!("SPLIT_R {}", split(0)),
        XLOG_BTREE_NEWROOT => format!(
            "NEWROOT lev {}; split {}",
            u32_at(d, 0).unwrap_or(0),
            split(4)
        ),
        XLOG_BTREE_VACUUM => format!("VACUUM ndeleted {}", u16_at(d, 0).unwrap_or(0)),
        XLOG_BTREE_NEWPAGES => format!("NEWPAGES {}", u16_at(d, 0).unwrap_or(0)),
        other => format!("UNKNOWN {other:#x}"),
    }
}

/// Main data of a split record (after the new root level for NEWROOT).
pub fn split_main_data(level: u32, firstright: u16, newitemoff: u16) -> Vec<u8> {
    let mut d = Vec::with_capacity(8);
    d.extend_from_slice(&level.to_le_bytes());
    d.extend_from_slice(&firstright.to_le_bytes());
    d.extend_from_slice(&newitemoff.to_le_bytes());
    d
}
