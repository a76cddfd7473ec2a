//! The heap tuple header: who inserted and deleted a row version, and where
//! its newer version lives.
//!
//! ```text
//! offset size field
//!   0     8   t_xmin      inserting transaction (64-bit xid)
//!   8     8   t_xmax      deleting or locking transaction, 0 if none
//!  16     4   t_cmin      inserting command within t_xmin
//!  20     4   t_cmax      deleting command within t_xmax
//!  24     4   t_ctid.block   this version's own address, or its newer version's
//!  28     2   t_ctid.offset
//!  30     2   t_infomask2 attribute count (low 11 bits) and HOT / keys-updated bits
//!  32     2   t_infomask  hint bits, lock bits, has-nulls, has-varwidth
//!  34     1   t_hoff      offset of the first attribute (a multiple of 8)
//!  35     .   t_bits      null bitmap, one bit per attribute, 1 = not null
//!             (padding to t_hoff)
//! ```
//!
//! Differences from PostgreSQL's `HeapTupleHeaderData`, on purpose: xids are
//! 64 bits (no wraparound), and `cmin` and `cmax` have their own fields, so a
//! transaction that inserts and deletes the same row needs no combo command
//! ids. The header is therefore 35 bytes plus the bitmap, 40 bytes when padded
//! for a table without nulls (PostgreSQL: 24).
//!
//! Infomask bits keep PostgreSQL's values.

use crate::types::{BlockNumber, CommandId, ItemPointer, OffsetNumber, Xid};

/// Offset of the null bitmap: the fixed part of the header.
pub const SIZEOF_HEAP_TUPLE_HEADER: usize = 35;

/// The tuple has at least one null attribute (bitmap present).
pub const HEAP_HASNULL: u16 = 0x0001;
/// The tuple has variable-width attributes.
pub const HEAP_HASVARWIDTH: u16 = 0x0002;
/// xmax is a key-share locker.
pub const HEAP_XMAX_KEYSHR_LOCK: u16 = 0x0010;
/// xmax is an exclusive locker.
pub const HEAP_XMAX_EXCL_LOCK: u16 = 0x0040;
/// xmax only locks the row, it did not delete or update it.
pub const HEAP_XMAX_LOCK_ONLY: u16 = 0x0080;
/// xmax is a share locker (both lock bits set, as in PostgreSQL).
pub const HEAP_XMAX_SHR_LOCK: u16 = HEAP_XMAX_EXCL_LOCK | HEAP_XMAX_KEYSHR_LOCK;
/// Hint: t_xmin committed.
pub const HEAP_XMIN_COMMITTED: u16 = 0x0100;
/// Hint: t_xmin aborted.
pub const HEAP_XMIN_INVALID: u16 = 0x0200;
/// Hint: both xmin bits: the tuple is frozen.
pub const HEAP_XMIN_FROZEN: u16 = HEAP_XMIN_COMMITTED | HEAP_XMIN_INVALID;
/// Hint: t_xmax committed.
pub const HEAP_XMAX_COMMITTED: u16 = 0x0400;
/// Hint: t_xmax aborted or invalid.
pub const HEAP_XMAX_INVALID: u16 = 0x0800;
/// This is an updated version of a row (it has a predecessor).
pub const HEAP_UPDATED: u16 = 0x2000;

/// infomask2: the attribute count.
pub const HEAP_NATTS_MASK: u16 = 0x07FF;
/// infomask2: the update changed key columns (or it was a delete).
pub const HEAP_KEYS_UPDATED: u16 = 0x2000;
/// infomask2: the tuple was HOT-updated.
pub const HEAP_HOT_UPDATED: u16 = 0x4000;
/// infomask2: the tuple is a heap-only tuple.
pub const HEAP_ONLY_TUPLE: u16 = 0x8000;

const OFF_XMIN: usize = 0;
const OFF_XMAX: usize = 8;
const OFF_CMIN: usize = 16;
const OFF_CMAX: usize = 20;
const OFF_CTID_BLOCK: usize = 24;
const OFF_CTID_OFFSET: usize = 28;
const OFF_INFOMASK2: usize = 30;
/// Byte offset of `t_infomask` within the header (hint bits live there).
pub const OFF_INFOMASK: usize = 32;
const OFF_HOFF: usize = 34;

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(a)
}

/// Read access to a tuple's header. The slice must hold at least
/// [`SIZEOF_HEAP_TUPLE_HEADER`] bytes; callers get tuples from pages whose
/// line pointers were validated, so a shorter slice is a bug.
#[derive(Clone, Copy)]
pub struct HeapTupleHeader<'a>(pub &'a [u8]);

impl HeapTupleHeader<'_> {
    /// t_xmin
    pub fn xmin(&self) -> Xid {
        Xid(u64_at(self.0, OFF_XMIN))
    }
    /// t_xmax
    pub fn xmax(&self) -> Xid {
        Xid(u64_at(self.0, OFF_XMAX))
    }
    /// t_cmin
    pub fn cmin(&self) -> CommandId {
        CommandId(u32_at(self.0, OFF_CMIN))
    }
    /// t_cmax
    pub fn cmax(&self) -> CommandId {
        CommandId(u32_at(self.0, OFF_CMAX))
    }
    /// t_ctid
    pub fn ctid(&self) -> ItemPointer {
        ItemPointer::new(
            BlockNumber(u32_at(self.0, OFF_CTID_BLOCK)),
            OffsetNumber(u16_at(self.0, OFF_CTID_OFFSET)),
        )
    }
    /// t_infomask
    pub fn infomask(&self) -> u16 {
        u16_at(self.0, OFF_INFOMASK)
    }
    /// t_infomask2
    pub fn infomask2(&self) -> u16 {
        u16_at(self.0, OFF_INFOMASK2)
    }
    /// t_hoff
    pub fn hoff(&self) -> usize {
        usize::from(self.0[OFF_HOFF])
    }
    /// The number of attributes stored.
    pub fn natts(&self) -> usize {
        usize::from(self.infomask2() & HEAP_NATTS_MASK)
    }
    /// The null bitmap, if the tuple has nulls.
    pub fn null_bitmap(&self) -> Option<&[u8]> {
        (self.infomask() & HEAP_HASNULL != 0).then(|| {
            let n = self.natts().div_ceil(8);
            &self.0[SIZEOF_HEAP_TUPLE_HEADER..SIZEOF_HEAP_TUPLE_HEADER + n]
        })
    }
    /// True if attribute `i` (0-based) is null.
    pub fn att_is_null(&self, i: usize) -> bool {
        if i >= self.natts() {
            return true;
        }
        match self.null_bitmap() {
            Some(bits) => bits[i / 8] & (1 << (i % 8)) == 0,
            None => false,
        }
    }
    /// xmax only locks the row.
    pub fn xmax_is_lock_only(&self) -> bool {
        self.infomask() & HEAP_XMAX_LOCK_ONLY != 0
    }
    /// Both xmin hint bits: frozen.
    pub fn xmin_frozen(&self) -> bool {
        self.infomask() & HEAP_XMIN_FROZEN == HEAP_XMIN_FROZEN
    }
}

/// Write access to a tuple's header.
pub struct HeapTupleHeaderMut<'a>(pub &'a mut [u8]);

impl HeapTupleHeaderMut<'_> {
    /// Reads through the mutable view.
    pub fn as_ref(&self) -> HeapTupleHeader<'_> {
        HeapTupleHeader(self.0)
    }
    /// Sets t_xmin.
    pub fn set_xmin(&mut self, xid: Xid) {
        self.0[OFF_XMIN..OFF_XMIN + 8].copy_from_slice(&xid.0.to_le_bytes());
    }
    /// Sets t_xmax.
    pub fn set_xmax(&mut self, xid: Xid) {
        self.0[OFF_XMAX..OFF_XMAX + 8].copy_from_slice(&xid.0.to_le_bytes());
    }
    /// Sets t_cmin.
    pub fn set_cmin(&mut self, cid: CommandId) {
        self.0[OFF_CMIN..OFF_CMIN + 4].copy_from_slice(&cid.0.to_le_bytes());
    }
    /// Sets t_cmax.
    pub fn set_cmax(&mut self, cid: CommandId) {
        self.0[OFF_CMAX..OFF_CMAX + 4].copy_from_slice(&cid.0.to_le_bytes());
    }
    /// Sets t_ctid.
    pub fn set_ctid(&mut self, tid: ItemPointer) {
        self.0[OFF_CTID_BLOCK..OFF_CTID_BLOCK + 4].copy_from_slice(&tid.block.0.to_le_bytes());
        self.0[OFF_CTID_OFFSET..OFF_CTID_OFFSET + 2].copy_from_slice(&tid.offset.0.to_le_bytes());
    }
    /// Replaces t_infomask.
    pub fn set_infomask(&mut self, mask: u16) {
        self.0[OFF_INFOMASK..OFF_INFOMASK + 2].copy_from_slice(&mask.to_le_bytes());
    }
    /// Replaces t_infomask2.
    pub fn set_infomask2(&mut self, mask: u16) {
        self.0[OFF_INFOMASK2..OFF_INFOMASK2 + 2].copy_from_slice(&mask.to_le_bytes());
    }
    /// Sets t_hoff.
    pub fn set_hoff(&mut self, hoff: u8) {
        self.0[OFF_HOFF] = hoff;
    }
    /// ORs hint bits into t_infomask.
    pub fn add_hint_bits(&mut self, bits: u16) {
        let m = self.as_ref().infomask() | bits;
        self.set_infomask(m);
    }
}
