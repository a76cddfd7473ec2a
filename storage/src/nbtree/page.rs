//! B-tree page and index tuple layout (PostgreSQL's `nbtree.h`, `itup.h`):
//! the metapage, the special area of every other page, index tuples and
//! the comparison of a search key with them. The byte layouts are drawn in
//! the module doc of [`crate::nbtree`].

use std::cmp::Ordering;

use crate::datum::Datum;
use crate::datum::compare::cmp_sort_key;
use crate::error::{Result, StorageError};
use crate::heap::tuple::{TupleDesc, decode_attrs, encode_attrs};
use crate::page::{self, BLCKSZ, ITEM_ID_SIZE, PAGE_HEADER_SIZE, maxalign};
use crate::types::{BlockNumber, ItemPointer, OffsetNumber};

use super::IndexKeyDesc;

/// Size of the special area ("opaque" data) at the end of every page.
pub const OPAQUE_SIZE: usize = 16;
/// Size of the metapage's fields, stored just before its opaque data.
pub const META_SIZE: usize = 16;
/// The metapage's magic number (`BTREE_MAGIC`).
pub const BTREE_MAGIC: u32 = 0x053162;
/// heapgres's B-tree format version (not PostgreSQL's).
pub const BTREE_VERSION: u32 = 1;
/// The metapage's block.
pub const META_BLOCK: BlockNumber = BlockNumber(0);

/// Page flag: a leaf page (level 0).
pub const BTP_LEAF: u16 = 0x0001;
/// Page flag: the root page (the only page of the top level).
pub const BTP_ROOT: u16 = 0x0002;
/// Page flag: the metapage.
pub const BTP_META: u16 = 0x0008;

/// Tuple info bit: a NULL bitmap follows the 8-byte header.
const INDEX_HAS_NULLS: u16 = 0x8000;
/// Tuple info bit: a pivot tuple that carries the heap TID tiebreaker in
/// its last 6 bytes.
const INDEX_PIVOT_HEAP_TID: u16 = 0x4000;
/// Tuple info bits: the number of key columns stored (0 = minus infinity).
const INDEX_NATTS_MASK: u16 = 0x00ff;
/// Size of the fixed tuple header.
const ITUP_HEADER: usize = 8;
/// Size of the header with the NULL bitmap (a u32, padded to MAXALIGN).
const ITUP_HEADER_NULLS: usize = 16;

/// The most key columns an index may have (`INDEX_MAX_KEYS`).
pub const INDEX_MAX_KEYS: usize = 32;

/// The largest leaf tuple accepted: a third of a page's usable space,
/// less room for the heap TID its pivot copies carry (`BTMaxItemSize`).
pub const MAX_ITEM_SIZE: usize =
    (BLCKSZ - PAGE_HEADER_SIZE - OPAQUE_SIZE) / 3 - ITEM_ID_SIZE - 2 * page::MAXALIGN;

/// The special area of a B-tree page (`BTPageOpaqueData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opaque {
    /// Left sibling, or INVALID for the leftmost page of a level.
    pub prev: BlockNumber,
    /// Right sibling, or INVALID for the rightmost page of a level.
    pub next: BlockNumber,
    /// Level: 0 for leaves, the root's is the tree's height - 1.
    pub level: u32,
    /// `BTP_*` flags.
    pub flags: u16,
}

impl Opaque {
    /// Is this the rightmost page of its level (no high key)?
    pub fn is_rightmost(&self) -> bool {
        self.next == BlockNumber::INVALID
    }

    /// Is this a leaf?
    pub fn is_leaf(&self) -> bool {
        self.flags & BTP_LEAF != 0
    }

    /// The offset of the first data item (after the high key, if any).
    pub fn first_data(&self) -> u16 {
        if self.is_rightmost() { 1 } else { 2 }
    }
}

fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::IndexCorrupted(what.into())
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

/// Reads a page's special area; a page whose special area is not ours is
/// corrupt.
pub fn opaque(pg: &[u8]) -> Result<Opaque> {
    if !page::header_is_sane(pg) || page::special_offset(pg) > BLCKSZ - OPAQUE_SIZE {
        return Err(corrupt("index page has a corrupt header or special area"));
    }
    let o = BLCKSZ - OPAQUE_SIZE;
    Ok(Opaque {
        prev: BlockNumber(u32_at(pg, o)),
        next: BlockNumber(u32_at(pg, o + 4)),
        level: u32_at(pg, o + 8),
        flags: u16_at(pg, o + 12),
    })
}

/// Writes a page's special area.
pub fn set_opaque(pg: &mut [u8], op: &Opaque) {
    let o = BLCKSZ - OPAQUE_SIZE;
    pg[o..o + 4].copy_from_slice(&op.prev.0.to_le_bytes());
    pg[o + 4..o + 8].copy_from_slice(&op.next.0.to_le_bytes());
    pg[o + 8..o + 12].copy_from_slice(&op.level.to_le_bytes());
    pg[o + 12..o + 14].copy_from_slice(&op.flags.to_le_bytes());
    pg[o + 14..o + 16].fill(0);
}

/// Initialises `pg` as an empty B-tree page with `op` as its special area.
pub fn init_page(pg: &mut [u8], op: &Opaque) {
    page::init(pg, OPAQUE_SIZE);
    set_opaque(pg, op);
}

/// The metapage's fields (`BTMetaPageData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The root page.
    pub root: BlockNumber,
    /// The root's level.
    pub level: u32,
}

/// Initialises `pg` as a metapage pointing at `meta`.
pub fn init_meta(pg: &mut [u8], meta: &Meta) {
    page::init(pg, META_SIZE + OPAQUE_SIZE);
    set_opaque(
        pg,
        &Opaque {
            prev: BlockNumber::INVALID,
            next: BlockNumber::INVALID,
            level: 0,
            flags: BTP_META,
        },
    );
    set_meta(pg, meta);
}

/// Rewrites the root pointer of a metapage.
pub fn set_meta(pg: &mut [u8], meta: &Meta) {
    let o = BLCKSZ - OPAQUE_SIZE - META_SIZE;
    pg[o..o + 4].copy_from_slice(&BTREE_MAGIC.to_le_bytes());
    pg[o + 4..o + 8].copy_from_slice(&BTREE_VERSION.to_le_bytes());
    pg[o + 8..o + 12].copy_from_slice(&meta.root.0.to_le_bytes());
    pg[o + 12..o + 16].copy_from_slice(&meta.level.to_le_bytes());
}

/// Reads a metapage, checking its magic and version.
pub fn meta(pg: &[u8]) -> Result<Meta> {
    let op = opaque(pg)?;
    if op.flags & BTP_META == 0 || page::special_offset(pg) != BLCKSZ - OPAQUE_SIZE - META_SIZE {
        return Err(corrupt("index metapage is not a metapage"));
    }
    let o = BLCKSZ - OPAQUE_SIZE - META_SIZE;
    if u32_at(pg, o) != BTREE_MAGIC {
        return Err(corrupt("index is not a btree"));
    }
    if u32_at(pg, o + 4) != BTREE_VERSION {
        return Err(corrupt(format!(
            "version mismatch in index: file version {}, code version {BTREE_VERSION}",
            u32_at(pg, o + 4)
        )));
    }
    Ok(Meta {
        root: BlockNumber(u32_at(pg, o + 8)),
        level: u32_at(pg, o + 12),
    })
}

/// An index tuple on a page, not decoded (`IndexTupleData`).
#[derive(Clone, Copy, Debug)]
pub struct ITup<'a>(pub &'a [u8]);

impl<'a> ITup<'a> {
    /// Checks the header fits; every accessor relies on it.
    pub fn parse(b: &'a [u8]) -> Result<ITup<'a>> {
        let t = ITup(b);
        if b.len() < ITUP_HEADER
            || (t.info() & INDEX_HAS_NULLS != 0 && b.len() < ITUP_HEADER_NULLS)
            || (t.info() & INDEX_PIVOT_HEAP_TID != 0 && b.len() < t.data_start() + 6)
        {
            return Err(corrupt("index tuple is too short"));
        }
        Ok(t)
    }

    fn info(&self) -> u16 {
        u16_at(self.0, 6)
    }

    /// The TID field: the heap row of a leaf tuple.
    pub fn tid(&self) -> ItemPointer {
        ItemPointer::new(
            BlockNumber(u32_at(self.0, 0)),
            OffsetNumber(u16_at(self.0, 4)),
        )
    }

    /// The child a pivot tuple of an internal page points to.
    pub fn downlink(&self) -> BlockNumber {
        BlockNumber(u32_at(self.0, 0))
    }

    /// The number of key columns stored (0: the "minus infinity" first item
    /// of an internal page).
    pub fn natts(&self) -> usize {
        usize::from(self.info() & INDEX_NATTS_MASK)
    }

    fn data_start(&self) -> usize {
        if self.info() & INDEX_HAS_NULLS != 0 {
            ITUP_HEADER_NULLS
        } else {
            ITUP_HEADER
        }
    }

    /// The heap TID that orders this tuple among equal keys: a leaf
    /// entry's own TID (`leaf_entry`), a pivot's (high key's or internal
    /// item's) stored tiebreaker; `None` for minus infinity.
    pub fn heap_tid(&self, leaf_entry: bool) -> Option<ItemPointer> {
        if leaf_entry {
            return Some(self.tid());
        }
        if self.info() & INDEX_PIVOT_HEAP_TID == 0 {
            return None;
        }
        let o = self.0.len() - 6;
        Some(ItemPointer::new(
            BlockNumber(u32_at(self.0, o)),
            OffsetNumber(u16_at(self.0, o + 4)),
        ))
    }

    /// Decodes the key columns into `out` (empty for minus infinity).
    pub fn key(&self, td: &TupleDesc, out: &mut Vec<Datum>) -> Result<()> {
        out.clear();
        if self.natts() == 0 {
            return Ok(());
        }
        if self.natts() != td.natts() {
            return Err(corrupt(format!(
                "index tuple has {} key columns, the index {}",
                self.natts(),
                td.natts()
            )));
        }
        let nulls = if self.info() & INDEX_HAS_NULLS != 0 {
            u32_at(self.0, 8)
        } else {
            0
        };
        let end = if self.info() & INDEX_PIVOT_HEAP_TID != 0 {
            self.0.len() - 6
        } else {
            self.0.len()
        };
        decode_attrs(
            td,
            &self.0[..end],
            self.data_start(),
            |i| nulls & (1 << i) != 0,
            out,
        )
        .map_err(|e| corrupt(format!("corrupt index tuple: {e}")))
    }
}

/// Builds a leaf tuple for `key` pointing at heap row `tid` into `out`.
pub fn form_leaf(td: &TupleDesc, key: &[Datum], tid: ItemPointer, out: &mut Vec<u8>) -> Result<()> {
    if key.len() != td.natts() || key.is_empty() || key.len() > INDEX_MAX_KEYS {
        return Err(StorageError::Internal(format!(
            "index key has {} columns, the index {}",
            key.len(),
            td.natts()
        )));
    }
    let mut nulls = 0u32;
    for (i, d) in key.iter().enumerate() {
        if matches!(d, Datum::Null) {
            nulls |= 1 << i;
        }
    }
    let mut info = key.len() as u16;
    out.clear();
    out.extend_from_slice(&tid.block.0.to_le_bytes());
    out.extend_from_slice(&tid.offset.0.to_le_bytes());
    if nulls != 0 {
        info |= INDEX_HAS_NULLS;
        out.extend_from_slice(&info.to_le_bytes());
        out.extend_from_slice(&nulls.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
    } else {
        out.extend_from_slice(&info.to_le_bytes());
    }
    encode_attrs(td, key, out)?;
    if out.len() > MAX_ITEM_SIZE {
        return Err(StorageError::ProgramLimitExceeded(format!(
            "index row size {} exceeds btree maximum, {MAX_ITEM_SIZE}",
            out.len()
        )));
    }
    Ok(())
}

/// A pivot tuple (high key or separator) copied from `item`, an item of a
/// page at level `level`, pointing at `downlink` (INVALID for a high key).
/// A leaf item's TID becomes the pivot's heap TID tiebreaker.
pub fn form_pivot(item: &[u8], leaf: bool, downlink: BlockNumber) -> Vec<u8> {
    let mut out = item.to_vec();
    out[0..4].copy_from_slice(&downlink.0.to_le_bytes());
    out[4..6].fill(0);
    if leaf {
        let info = u16_at(item, 6) | INDEX_PIVOT_HEAP_TID;
        out[6..8].copy_from_slice(&info.to_le_bytes());
        out.extend_from_slice(&item[0..6]);
    }
    out
}

/// The "minus infinity" item that starts every internal page: no key, a
/// downlink to the leftmost child.
pub fn form_minus_infinity(downlink: BlockNumber) -> Vec<u8> {
    let mut out = Vec::with_capacity(ITUP_HEADER);
    out.extend_from_slice(&downlink.0.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out
}

/// Sets the downlink of a pivot tuple in place.
pub fn set_downlink(item: &mut [u8], downlink: BlockNumber) {
    item[0..4].copy_from_slice(&downlink.0.to_le_bytes());
}

/// What a search looks for (PostgreSQL's insertion scan key `BTScanInsert`).
///
/// `values` may be a prefix of the index's columns. Compared with a tuple,
/// the key orders by its columns, then by `tid` if given; when either runs
/// out, the key sorts before every tuple with equal leading values, or
/// after them all if `nextkey` (so a search for `nextkey` finds the first
/// tuple strictly greater than the prefix).
#[derive(Clone, Copy, Debug)]
pub struct SearchKey<'a> {
    /// Leading key values.
    pub values: &'a [Datum],
    /// The heap TID tiebreaker (full keys of an insertion only).
    pub tid: Option<ItemPointer>,
    /// Sort after equal tuples instead of before them.
    pub nextkey: bool,
}

impl SearchKey<'_> {
    /// Compares the key with a tuple whose key columns were decoded into
    /// `tkey` and whose heap TID is `ttid` (`_bt_compare`). Minus infinity
    /// (`tkey` empty) is below every key.
    pub fn compare(
        &self,
        desc: &IndexKeyDesc,
        tkey: &[Datum],
        ttid: Option<ItemPointer>,
    ) -> Ordering {
        if tkey.is_empty() {
            return Ordering::Greater;
        }
        let ord = cmp_prefix(desc, self.values, tkey);
        if ord != Ordering::Equal {
            return ord;
        }
        let past = if self.nextkey {
            Ordering::Greater
        } else {
            Ordering::Less
        };
        if self.values.len() < desc.columns.len() {
            return past;
        }
        match (self.tid, ttid) {
            (Some(a), Some(b)) => a.cmp(&b),
            // A pivot without a tiebreaker cannot exist besides minus
            // infinity; order a TID-less key before equal tuples.
            _ => past,
        }
    }
}

/// Compares the leading `a.len().min(b.len())` columns of two keys under
/// the index's ordering.
pub fn cmp_prefix(desc: &IndexKeyDesc, a: &[Datum], b: &[Datum]) -> Ordering {
    for ((x, y), col) in a.iter().zip(b).zip(&desc.columns) {
        let o = cmp_sort_key(x, y, col.descending, col.nulls_first);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The items of a page from `from` to the last, as line pointers.
pub fn item<'a>(pg: &'a [u8], off: u16) -> Result<ITup<'a>> {
    let b = page::get_item(pg, OffsetNumber(off))
        .ok_or_else(|| corrupt(format!("index page has no valid item at offset {off}")))?;
    ITup::parse(b)
}

/// Removes the items at `dead` (ascending offsets) from a B-tree page by
/// rebuilding it from the items that stay, in order (PostgreSQL's
/// `PageIndexMultiDelete`): linear in the page size, where one
/// [`page::index_delete_item`] per item would be quadratic. The page LSN
/// and special area are kept. On error the page is unchanged.
pub fn multi_delete(pg: &mut [u8], dead: &[OffsetNumber]) -> Result<()> {
    let op = opaque(pg)?;
    let mut fresh = vec![0u8; BLCKSZ];
    init_page(&mut fresh, &op);
    let mut d = dead.iter().peekable();
    let mut next = 1u16;
    for off in 1..=page::max_offset_number(pg) {
        if d.peek().is_some_and(|x| x.0 == off) {
            d.next();
            continue;
        }
        let it = page::get_item(pg, OffsetNumber(off))
            .ok_or_else(|| corrupt(format!("index page has no valid item at offset {off}")))?;
        if page::index_add_item(&mut fresh, it, OffsetNumber(next)).is_none() {
            return Err(corrupt("index page items do not fit when compacted"));
        }
        next += 1;
    }
    if d.next().is_some() {
        return Err(corrupt("deleting an item past the end of an index page"));
    }
    page::set_lsn(&mut fresh, page::lsn(pg));
    pg.copy_from_slice(&fresh);
    Ok(())
}

/// The space an item takes on a page with its line pointer.
pub fn item_space(len: usize) -> usize {
    maxalign(len) + ITEM_ID_SIZE
}

/// Copies the used parts of a page (header and line pointers, then items
/// and special area) for a WAL record: the page without its hole.
pub fn compact_image(pg: &[u8]) -> Vec<u8> {
    let (lo, up) = (page::lower(pg), page::upper(pg));
    let mut out = Vec::with_capacity(lo + BLCKSZ - up);
    out.extend_from_slice(&pg[..lo]);
    out.extend_from_slice(&pg[up..]);
    out
}

/// Restores a page from [`compact_image`]'s output.
pub fn restore_image(pg: &mut [u8], img: &[u8]) -> Result<()> {
    let bad = || StorageError::Corrupted("invalid BTREE page image in WAL record".into());
    if img.len() < PAGE_HEADER_SIZE {
        return Err(bad());
    }
    let lo = usize::from(u16_at(img, 12));
    let up = usize::from(u16_at(img, 14));
    if lo > up || up > BLCKSZ || img.len() != lo + BLCKSZ - up {
        return Err(bad());
    }
    pg[..lo].copy_from_slice(&img[..lo]);
    pg[lo..up].fill(0);
    pg[up..].copy_from_slice(&img[lo..]);
    Ok(())
}
