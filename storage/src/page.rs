//! 8 KiB slotted pages, modelled on PostgreSQL's `bufpage.h` / `bufpage.c`.
//!
//! This module owns the byte layout of every page in every fork: heap pages,
//! index pages (which add a special space at the end), free space map pages
//! and, later, visibility map pages. It knows nothing about what a tuple
//! contains; it hands out byte slices.
//!
//! The API is a set of free functions over `&[u8]` / `&mut [u8]` of length
//! [`BLCKSZ`] (the buffer pool's guards deref to exactly such slices), rather
//! than wrapper structs: callers hold a content lock guard and pass `&guard` or
//! `&mut guard` straight in.
//!
//! # Layout
//!
//! All integers are little-endian.
//!
//! ```text
//!  offset size field
//!    0     8   pd_lsn               LSN of the last WAL record that changed the page
//!    8     2   pd_checksum          see "Checksums" below; 0 = never checksummed
//!   10     2   pd_flags             PD_HAS_FREE_LINES | PD_PAGE_FULL | PD_ALL_VISIBLE
//!   12     2   pd_lower             end of the line pointer array
//!   14     2   pd_upper             start of tuple space
//!   16     2   pd_special           start of special space (BLCKSZ if none)
//!   18     2   pd_pagesize_version  BLCKSZ | PAGE_LAYOUT_VERSION
//!   20     8   pd_prune_xid         oldest xid that may be prunable (64-bit xid)
//!   28     4   reserved             zero
//!   32         line pointers (ItemIdData), 4 bytes each, growing up
//!
//!  +---------+-----------------------+------------------+---------------+---------+
//!  | header  | lp1 lp2 lp3 ... lpN → |    free space    | ← tupN .. tup1 | special |
//!  +---------+-----------------------+------------------+---------------+---------+
//!  0        32                    pd_lower          pd_upper      pd_special  8192
//! ```
//!
//! A line pointer (`ItemIdData`) is a 32-bit little-endian word with
//! PostgreSQL's bit fields:
//!
//! ```text
//!  bits  0..15  lp_off    byte offset of the item on the page
//!  bits 15..17  lp_flags  0 UNUSED, 1 NORMAL, 2 REDIRECT (lp_off = target), 3 DEAD
//!  bits 17..32  lp_len    byte length of the item (0 = no storage)
//! ```
//!
//! Items are placed at MAXALIGN (8-byte) boundaries; `lp_len` is the exact
//! length, the space taken is `maxalign(lp_len)`.
//!
//! Offset numbers are 1-based: line pointer `n` lives at `32 + 4 * (n - 1)`.
//!
//! # Differences from PostgreSQL
//!
//! * `pd_prune_xid` is 64 bits (our xids are), which makes the header 32
//!   bytes (PostgreSQL: 24); 4 reserved bytes keep it a multiple of 8.
//!   `PAGE_LAYOUT_VERSION` is heapgres's own (1), not PostgreSQL's 4.
//! * The checksum is CRC-32C, not PostgreSQL's FNV-1a based `pg_checksum_page`
//!   (see below). Pages are therefore not byte-compatible with PostgreSQL's.
//!
//! # Checksums
//!
//! [`set_checksum`] computes CRC-32C over the whole page with `pd_checksum`
//! taken as zero, then over the block number (4 bytes little-endian), so a page
//! written at the wrong block fails verification. The 32-bit CRC is folded to
//! 16 bits (`(crc ^ crc >> 16) % 65535 + 1`, never 0 — like PostgreSQL, so a
//! checksummed page is told from one never checksummed). [`verify`] accepts an
//! all-zero page (a block that was extended but never written) and otherwise
//! requires a sane header and a matching checksum. Every page read through the
//! buffer pool is verified; every page written gets its checksum set at write
//! time (checksums are always on: there is no `data_checksums` switch).
//!
//! # Corruption
//!
//! Nothing here panics on page contents: accessors bounds-check the header and
//! line pointers and return `None` / an error for a corrupt page.
//!
//! # Not done (yet)
//!
//! * A generic `PageIndexMultiDelete`: B-tree pages have their own
//!   (`nbtree::page::multi_delete`, which rebuilds the page); other callers
//!   loop over [`index_delete_item`], highest offset first.
//! * Compaction of index pages that keeps line pointer order
//!   (`PageIndexTupleOverwrite`).

use crate::error::{Result, StorageError};
use crate::types::{OffsetNumber, Xid};
use wal::Lsn;

/// The page size, as PostgreSQL's default `BLCKSZ`.
pub const BLCKSZ: usize = 8192;
/// Size of the page header (`SizeOfPageHeaderData`).
pub const PAGE_HEADER_SIZE: usize = 32;
/// Size of one line pointer (`sizeof(ItemIdData)`).
pub const ITEM_ID_SIZE: usize = 4;
/// Alignment of items on the page (`MAXIMUM_ALIGNOF`).
pub const MAXALIGN: usize = 8;
/// heapgres's page layout version, stored in the low byte of
/// `pd_pagesize_version`.
pub const PAGE_LAYOUT_VERSION: u16 = 1;
/// The largest item that fits on an empty page without special space.
pub const MAX_ITEM_SIZE: usize = BLCKSZ - PAGE_HEADER_SIZE - ITEM_ID_SIZE;
/// The most heap tuples a page can hold: every tuple needs at least a padded
/// tuple header (40 bytes) and a line pointer (`MaxHeapTuplesPerPage`).
pub const MAX_HEAP_TUPLES_PER_PAGE: usize = (BLCKSZ - PAGE_HEADER_SIZE)
    / (maxalign(crate::heap::htup::SIZEOF_HEAP_TUPLE_HEADER) + ITEM_ID_SIZE);

/// Flag: there are UNUSED line pointers before `pd_lower` (a hint).
pub const PD_HAS_FREE_LINES: u16 = 0x0001;
/// Flag: the last UPDATE found no room on the page (a hint for pruning).
pub const PD_PAGE_FULL: u16 = 0x0002;
/// Flag: every tuple on the page is visible to everyone.
pub const PD_ALL_VISIBLE: u16 = 0x0004;
/// All valid `pd_flags` bits.
pub const PD_VALID_FLAG_BITS: u16 = 0x0007;

const OFF_LSN: usize = 0;
const OFF_CHECKSUM: usize = 8;
const OFF_FLAGS: usize = 10;
const OFF_LOWER: usize = 12;
const OFF_UPPER: usize = 14;
const OFF_SPECIAL: usize = 16;
const OFF_PAGESIZE_VERSION: usize = 18;
const OFF_PRUNE_XID: usize = 20;

/// Rounds `len` up to a multiple of [`MAXALIGN`].
pub const fn maxalign(len: usize) -> usize {
    (len + MAXALIGN - 1) & !(MAXALIGN - 1)
}

/// The state of a line pointer (`lp_flags`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpFlags {
    /// Free for reuse; `lp_off` and `lp_len` are 0.
    Unused,
    /// Points at a live item of `lp_len` bytes at `lp_off`.
    Normal,
    /// HOT redirect: `lp_off` is the offset number of the chain's next member.
    Redirect,
    /// Dead; may or may not still have storage (`lp_len != 0`).
    Dead,
}

impl LpFlags {
    fn from_bits(bits: u32) -> LpFlags {
        match bits & 3 {
            0 => LpFlags::Unused,
            1 => LpFlags::Normal,
            2 => LpFlags::Redirect,
            _ => LpFlags::Dead,
        }
    }

    fn bits(self) -> u32 {
        match self {
            LpFlags::Unused => 0,
            LpFlags::Normal => 1,
            LpFlags::Redirect => 2,
            LpFlags::Dead => 3,
        }
    }
}

/// A decoded line pointer (`ItemIdData`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemId {
    /// Byte offset of the item (or redirect target offset number).
    pub off: u16,
    /// The line pointer's state.
    pub flags: LpFlags,
    /// Byte length of the item; 0 when it has no storage.
    pub len: u16,
}

impl ItemId {
    /// An UNUSED line pointer.
    pub const UNUSED: ItemId = ItemId {
        off: 0,
        flags: LpFlags::Unused,
        len: 0,
    };

    /// True if the line pointer owns bytes on the page (`ItemIdHasStorage`).
    pub fn has_storage(&self) -> bool {
        self.len != 0
    }

    fn encode(self) -> u32 {
        (u32::from(self.off) & 0x7FFF)
            | (self.flags.bits() << 15)
            | ((u32::from(self.len) & 0x7FFF) << 17)
    }

    fn decode(word: u32) -> ItemId {
        ItemId {
            off: (word & 0x7FFF) as u16,
            flags: LpFlags::from_bits(word >> 15),
            len: ((word >> 17) & 0x7FFF) as u16,
        }
    }
}

fn get_u16(page: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([page[off], page[off + 1]])
}

fn put_u16(page: &mut [u8], off: usize, v: u16) {
    page[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

fn get_u64(page: &[u8], off: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&page[off..off + 8]);
    u64::from_le_bytes(b)
}

fn put_u64(page: &mut [u8], off: usize, v: u64) {
    page[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::Corrupted(what.into())
}

/// Initialises `page` as an empty page with `special_size` bytes (rounded up
/// to MAXALIGN) of special space at the end (`PageInit`). The page is zeroed
/// first.
pub fn init(page: &mut [u8], special_size: usize) {
    debug_assert_eq!(page.len(), BLCKSZ);
    let special = BLCKSZ - maxalign(special_size).min(BLCKSZ - PAGE_HEADER_SIZE);
    page.fill(0);
    put_u16(page, OFF_LOWER, PAGE_HEADER_SIZE as u16);
    put_u16(page, OFF_UPPER, special as u16);
    put_u16(page, OFF_SPECIAL, special as u16);
    put_u16(
        page,
        OFF_PAGESIZE_VERSION,
        BLCKSZ as u16 | PAGE_LAYOUT_VERSION,
    );
}

/// True if the page was never initialised (`PageIsNew`: `pd_upper == 0`). A
/// block that was extended but not yet written reads back as all zeros and is
/// new; callers [`init`] it before use.
pub fn is_new(page: &[u8]) -> bool {
    get_u16(page, OFF_UPPER) == 0
}

/// True if every byte of the page is zero.
pub fn is_all_zero(page: &[u8]) -> bool {
    page.iter().all(|&b| b == 0)
}

/// The LSN of the last WAL record that changed this page.
pub fn lsn(page: &[u8]) -> Lsn {
    Lsn(get_u64(page, OFF_LSN))
}

/// Sets the page LSN; done after the WAL record for a change is inserted.
pub fn set_lsn(page: &mut [u8], lsn: Lsn) {
    put_u64(page, OFF_LSN, lsn.0);
}

/// The stored checksum (meaningful only right after a read or write).
pub fn checksum(page: &[u8]) -> u16 {
    get_u16(page, OFF_CHECKSUM)
}

/// The `pd_flags` bits.
pub fn flags(page: &[u8]) -> u16 {
    get_u16(page, OFF_FLAGS)
}

/// Sets `flag` (one of the `PD_*` constants) in `pd_flags`.
pub fn set_flag(page: &mut [u8], flag: u16) {
    let f = flags(page) | flag;
    put_u16(page, OFF_FLAGS, f);
}

/// Clears `flag` in `pd_flags`.
pub fn clear_flag(page: &mut [u8], flag: u16) {
    let f = flags(page) & !flag;
    put_u16(page, OFF_FLAGS, f);
}

/// `pd_lower`: the end of the line pointer array.
pub fn lower(page: &[u8]) -> usize {
    usize::from(get_u16(page, OFF_LOWER))
}

/// `pd_upper`: the start of tuple space.
pub fn upper(page: &[u8]) -> usize {
    usize::from(get_u16(page, OFF_UPPER))
}

/// `pd_special`: the start of the special space (`BLCKSZ` if there is none).
pub fn special_offset(page: &[u8]) -> usize {
    usize::from(get_u16(page, OFF_SPECIAL))
}

/// The oldest xid whose deletions on this page may be prunable, or
/// [`Xid::INVALID`].
pub fn prune_xid(page: &[u8]) -> Xid {
    Xid(get_u64(page, OFF_PRUNE_XID))
}

/// Sets `pd_prune_xid`.
pub fn set_prune_xid(page: &mut [u8], xid: Xid) {
    put_u64(page, OFF_PRUNE_XID, xid.0);
}

/// Checks the header invariants PostgreSQL's `PageIsVerified` checks: known
/// flag bits, `32 <= lower <= upper <= special <= BLCKSZ`, special MAXALIGNed,
/// and the page size / layout version.
pub fn header_is_sane(page: &[u8]) -> bool {
    if page.len() != BLCKSZ {
        return false;
    }
    let (lo, up, sp) = (lower(page), upper(page), special_offset(page));
    flags(page) & !PD_VALID_FLAG_BITS == 0
        && PAGE_HEADER_SIZE <= lo
        && lo <= up
        && up <= sp
        && sp <= BLCKSZ
        && sp == maxalign(sp)
        && (lo - PAGE_HEADER_SIZE).is_multiple_of(ITEM_ID_SIZE)
        && get_u16(page, OFF_PAGESIZE_VERSION) == BLCKSZ as u16 | PAGE_LAYOUT_VERSION
}

/// The number of line pointers (`PageGetMaxOffsetNumber`); 0 for a new or
/// corrupt page.
pub fn max_offset_number(page: &[u8]) -> u16 {
    let lo = lower(page);
    if lo <= PAGE_HEADER_SIZE || lo > BLCKSZ {
        return 0;
    }
    ((lo - PAGE_HEADER_SIZE) / ITEM_ID_SIZE) as u16
}

fn lp_pos(off: u16) -> usize {
    PAGE_HEADER_SIZE + (usize::from(off) - 1) * ITEM_ID_SIZE
}

fn read_lp(page: &[u8], off: u16) -> ItemId {
    let p = lp_pos(off);
    ItemId::decode(u32::from_le_bytes([
        page[p],
        page[p + 1],
        page[p + 2],
        page[p + 3],
    ]))
}

fn write_lp(page: &mut [u8], off: u16, lp: ItemId) {
    let p = lp_pos(off);
    page[p..p + 4].copy_from_slice(&lp.encode().to_le_bytes());
}

/// The line pointer `off`, or `None` if `off` is 0 or past
/// [`max_offset_number`].
pub fn item_id(page: &[u8], off: OffsetNumber) -> Option<ItemId> {
    if off.0 == 0 || off.0 > max_offset_number(page) {
        return None;
    }
    Some(read_lp(page, off.0))
}

/// Bounds of the storage of a NORMAL (or storage-holding DEAD) line pointer,
/// checked against the page: the item must lie within `[upper, special)`.
fn item_range(page: &[u8], lp: ItemId) -> Option<std::ops::Range<usize>> {
    let start = usize::from(lp.off);
    let end = start + usize::from(lp.len);
    let sp = special_offset(page).min(BLCKSZ);
    if start < upper(page) || start < PAGE_HEADER_SIZE || end > sp || start != maxalign(start) {
        return None;
    }
    Some(start..end)
}

/// The bytes of item `off` if its line pointer is NORMAL and lies within the
/// page's tuple space (`PageGetItem`); `None` otherwise, including for a
/// corrupt line pointer.
pub fn get_item(page: &[u8], off: OffsetNumber) -> Option<&[u8]> {
    let lp = item_id(page, off)?;
    if lp.flags != LpFlags::Normal {
        return None;
    }
    let r = item_range(page, lp)?;
    Some(&page[r])
}

/// Mutable access to item `off`, under the same rules as [`get_item`]. Used to
/// change tuple header bits in place (xmax, hint bits, ctid).
pub fn get_item_mut(page: &mut [u8], off: OffsetNumber) -> Option<&mut [u8]> {
    let lp = item_id(page, off)?;
    if lp.flags != LpFlags::Normal {
        return None;
    }
    let r = item_range(page, lp)?;
    Some(&mut page[r])
}

/// Adds `item` to the page (`PageAddItem` for heap pages) and returns its
/// offset number, or `None` when there is no room, the item is too large, or
/// the header is insane.
///
/// * `offset == None`: reuse the first UNUSED line pointer if the page has
///   any (`PD_HAS_FREE_LINES`), else append a new one.
/// * `offset == Some(n)`: place the item exactly at `n` (WAL redo does this).
///   `n` must be an UNUSED line pointer without storage or `max + 1`;
///   otherwise `None`.
///
/// For index pages, which keep line pointers in key order, use
/// [`index_add_item`].
pub fn add_item(
    page: &mut [u8],
    item: &[u8],
    offset: Option<OffsetNumber>,
) -> Option<OffsetNumber> {
    if !header_is_sane(page) || item.is_empty() || item.len() > MAX_ITEM_SIZE {
        return None;
    }
    let max = max_offset_number(page);
    let target = match offset {
        Some(n) => {
            if n.0 == 0 || n.0 > max + 1 {
                return None;
            }
            if n.0 <= max {
                let lp = read_lp(page, n.0);
                if lp.flags != LpFlags::Unused || lp.has_storage() {
                    return None;
                }
            }
            n.0
        }
        None => {
            let mut found = None;
            if flags(page) & PD_HAS_FREE_LINES != 0 {
                found = (1..=max).find(|&i| {
                    let lp = read_lp(page, i);
                    lp.flags == LpFlags::Unused && !lp.has_storage()
                });
                if found.is_none() {
                    // The hint was stale.
                    clear_flag(page, PD_HAS_FREE_LINES);
                }
            }
            found.unwrap_or(max + 1)
        }
    };
    let new_lower = if target > max {
        lower(page) + ITEM_ID_SIZE
    } else {
        lower(page)
    };
    let size = maxalign(item.len());
    let up = upper(page);
    if size > up || new_lower > up - size {
        return None;
    }
    let new_upper = up - size;
    page[new_upper..new_upper + item.len()].copy_from_slice(item);
    page[new_upper + item.len()..new_upper + size].fill(0);
    write_lp(
        page,
        target,
        ItemId {
            off: new_upper as u16,
            flags: LpFlags::Normal,
            len: item.len() as u16,
        },
    );
    put_u16(page, OFF_LOWER, new_lower as u16);
    put_u16(page, OFF_UPPER, new_upper as u16);
    Some(OffsetNumber(target))
}

/// Inserts `item` at offset `off` of an index page, shifting line pointers
/// `off..=max` up by one (`PageAddItem` with `overwrite = false`); `off` may
/// be `max + 1` to append. `None` when there is no room or `off` is out of
/// range.
pub fn index_add_item(page: &mut [u8], item: &[u8], off: OffsetNumber) -> Option<OffsetNumber> {
    if !header_is_sane(page) || item.is_empty() || item.len() > MAX_ITEM_SIZE {
        return None;
    }
    let max = max_offset_number(page);
    if off.0 == 0 || off.0 > max + 1 {
        return None;
    }
    let size = maxalign(item.len());
    let (lo, up) = (lower(page), upper(page));
    if size > up || lo + ITEM_ID_SIZE > up - size {
        return None;
    }
    let from = lp_pos(off.0);
    page.copy_within(from..lo, from + ITEM_ID_SIZE);
    let new_upper = up - size;
    page[new_upper..new_upper + item.len()].copy_from_slice(item);
    page[new_upper + item.len()..new_upper + size].fill(0);
    write_lp(
        page,
        off.0,
        ItemId {
            off: new_upper as u16,
            flags: LpFlags::Normal,
            len: item.len() as u16,
        },
    );
    put_u16(page, OFF_LOWER, (lo + ITEM_ID_SIZE) as u16);
    put_u16(page, OFF_UPPER, new_upper as u16);
    Some(off)
}

/// Free space between `pd_lower` and `pd_upper`, minus room for one new line
/// pointer (`PageGetFreeSpace`); 0 for a corrupt header.
pub fn free_space(page: &[u8]) -> usize {
    let (lo, up) = (lower(page), upper(page));
    if lo > up {
        return 0;
    }
    (up - lo).saturating_sub(ITEM_ID_SIZE)
}

/// Like [`free_space`], but 0 when the page already has
/// [`MAX_HEAP_TUPLES_PER_PAGE`] line pointers and none is free
/// (`PageGetHeapFreeSpace`). This is what heap inserts and the FSM use.
pub fn heap_free_space(page: &[u8]) -> usize {
    let space = free_space(page);
    let max = max_offset_number(page);
    if space > 0 && usize::from(max) >= MAX_HEAP_TUPLES_PER_PAGE {
        let has_unused = flags(page) & PD_HAS_FREE_LINES != 0
            && (1..=max).any(|i| read_lp(page, i).flags == LpFlags::Unused);
        if !has_unused {
            return 0;
        }
    }
    space
}

/// Free space ignoring the line pointer a new item would need
/// (`PageGetExactFreeSpace`).
pub fn exact_free_space(page: &[u8]) -> usize {
    upper(page).saturating_sub(lower(page))
}

fn check_off(page: &[u8], off: OffsetNumber) -> Result<()> {
    let max = max_offset_number(page);
    if off.0 == 0 || off.0 > max {
        return Err(StorageError::Internal(format!(
            "line pointer {} out of range (page has {})",
            off.0, max
        )));
    }
    Ok(())
}

/// Marks line pointer `off` DEAD without storage (`ItemIdSetDead`): the
/// item's bytes become reclaimable by [`repair_fragmentation`]. Used by
/// pruning.
pub fn set_item_dead(page: &mut [u8], off: OffsetNumber) -> Result<()> {
    check_off(page, off)?;
    write_lp(
        page,
        off.0,
        ItemId {
            off: 0,
            flags: LpFlags::Dead,
            len: 0,
        },
    );
    Ok(())
}

/// Marks line pointer `off` DEAD but keeps its storage (`ItemIdMarkDead`):
/// index pages use this as the "known dead" hint.
pub fn mark_item_dead(page: &mut [u8], off: OffsetNumber) -> Result<()> {
    check_off(page, off)?;
    let mut lp = read_lp(page, off.0);
    lp.flags = LpFlags::Dead;
    write_lp(page, off.0, lp);
    Ok(())
}

/// Marks line pointer `off` UNUSED (`ItemIdSetUnused`) and sets
/// `PD_HAS_FREE_LINES`. Used by VACUUM once index entries are gone.
pub fn set_item_unused(page: &mut [u8], off: OffsetNumber) -> Result<()> {
    check_off(page, off)?;
    write_lp(page, off.0, ItemId::UNUSED);
    set_flag(page, PD_HAS_FREE_LINES);
    Ok(())
}

/// Turns line pointer `off` into a HOT redirect to `target`
/// (`ItemIdSetRedirect`); its storage becomes reclaimable.
pub fn set_item_redirect(page: &mut [u8], off: OffsetNumber, target: OffsetNumber) -> Result<()> {
    check_off(page, off)?;
    check_off(page, target)?;
    write_lp(
        page,
        off.0,
        ItemId {
            off: target.0,
            flags: LpFlags::Redirect,
            len: 0,
        },
    );
    Ok(())
}

/// Compacts the items with storage to the end of the tuple space, keeping
/// every line pointer's number (`PageRepairFragmentation`). Sets or clears
/// `PD_HAS_FREE_LINES`. Errors (without changing the page) if a line pointer
/// is corrupt.
pub fn repair_fragmentation(page: &mut [u8]) -> Result<()> {
    if !header_is_sane(page) {
        return Err(corrupt("corrupted page pointers"));
    }
    let max = max_offset_number(page);
    let mut items: Vec<(u16, ItemId)> = Vec::new();
    let mut has_unused = false;
    for i in 1..=max {
        let lp = read_lp(page, i);
        match lp.flags {
            LpFlags::Unused => has_unused = true,
            LpFlags::Redirect => {}
            LpFlags::Normal | LpFlags::Dead if lp.has_storage() => {
                if item_range(page, lp).is_none() {
                    return Err(corrupt(format!("corrupted line pointer: {i}")));
                }
                items.push((i, lp));
            }
            LpFlags::Normal | LpFlags::Dead => {
                if lp.flags == LpFlags::Normal {
                    return Err(corrupt(format!("corrupted line pointer: {i}")));
                }
            }
        }
    }
    // Highest offset first: each item moves towards the end (or stays), so
    // copies never overwrite an item not yet moved.
    items.sort_by_key(|it| std::cmp::Reverse(it.1.off));
    // Items must not overlap; checked before anything is moved.
    let mut limit = special_offset(page);
    for (i, lp) in &items {
        let start = usize::from(lp.off);
        if start + usize::from(lp.len) > limit {
            return Err(corrupt(format!("corrupted line pointer: {i}")));
        }
        limit = start;
    }
    let mut up = special_offset(page);
    for (i, mut lp) in items {
        let len = usize::from(lp.len);
        let start = usize::from(lp.off);
        up -= maxalign(len);
        page.copy_within(start..start + len, up);
        lp.off = up as u16;
        write_lp(page, i, lp);
    }
    let lo = lower(page);
    page[lo..up].fill(0);
    put_u16(page, OFF_UPPER, up as u16);
    if has_unused {
        set_flag(page, PD_HAS_FREE_LINES);
    } else {
        clear_flag(page, PD_HAS_FREE_LINES);
    }
    Ok(())
}

/// Removes UNUSED line pointers at the end of the array, moving `pd_lower`
/// back (`PageTruncateLinePointerArray`). Returns how many were removed.
pub fn truncate_line_pointers(page: &mut [u8]) -> usize {
    let max = max_offset_number(page);
    let mut n = max;
    while n > 0 && read_lp(page, n) == ItemId::UNUSED {
        n -= 1;
    }
    let removed = usize::from(max - n);
    if removed > 0 {
        let new_lower = PAGE_HEADER_SIZE + usize::from(n) * ITEM_ID_SIZE;
        let old_lower = lower(page);
        page[new_lower..old_lower].fill(0);
        put_u16(page, OFF_LOWER, new_lower as u16);
        if !(1..=n).any(|i| read_lp(page, i).flags == LpFlags::Unused) {
            clear_flag(page, PD_HAS_FREE_LINES);
        }
    }
    removed
}

/// Deletes item `off` of an index page and closes the gaps: later line
/// pointers move down by one and the tuple space is compacted
/// (`PageIndexTupleDelete`).
pub fn index_delete_item(page: &mut [u8], off: OffsetNumber) -> Result<()> {
    if !header_is_sane(page) {
        return Err(corrupt("corrupted page pointers"));
    }
    check_off(page, off)?;
    let lp = read_lp(page, off.0);
    let (lo, up) = (lower(page), upper(page));
    let size = if lp.has_storage() {
        if item_range(page, lp).is_none() {
            return Err(corrupt(format!("corrupted line pointer: {}", off.0)));
        }
        maxalign(usize::from(lp.len))
    } else {
        0
    };
    let offset = usize::from(lp.off);
    if offset + size > special_offset(page) {
        return Err(corrupt(format!("corrupted line pointer: {}", off.0)));
    }
    // Remove the line pointer.
    let from = lp_pos(off.0);
    page.copy_within(from + ITEM_ID_SIZE..lo, from);
    let new_lower = lo - ITEM_ID_SIZE;
    page[new_lower..lo].fill(0);
    put_u16(page, OFF_LOWER, new_lower as u16);
    if size > 0 {
        // Slide the tuples stored below the deleted one up over it.
        page.copy_within(up..offset, up + size);
        page[up..up + size].fill(0);
        put_u16(page, OFF_UPPER, (up + size) as u16);
        let max = max_offset_number(page);
        for i in 1..=max {
            let mut l = read_lp(page, i);
            if l.has_storage() && usize::from(l.off) <= offset {
                l.off += size as u16;
                write_lp(page, i, l);
            }
        }
    }
    Ok(())
}

/// The special space (`PageGetSpecialPointer`); empty if the page has none or
/// `pd_special` is corrupt.
pub fn special(page: &[u8]) -> &[u8] {
    let sp = special_offset(page);
    if !(PAGE_HEADER_SIZE..=BLCKSZ).contains(&sp) {
        return &[];
    }
    &page[sp..BLCKSZ.min(page.len())]
}

/// Mutable special space; empty if there is none or `pd_special` is corrupt.
pub fn special_mut(page: &mut [u8]) -> &mut [u8] {
    let sp = special_offset(page);
    if !(PAGE_HEADER_SIZE..=BLCKSZ).contains(&sp) {
        return &mut [];
    }
    let end = BLCKSZ.min(page.len());
    &mut page[sp..end]
}

/// Computes the page checksum for block `blkno` (see the module doc).
pub fn compute_checksum(page: &[u8], blkno: u32) -> u16 {
    let mut crc = crc32c::crc32c(&page[..OFF_CHECKSUM]);
    crc = crc32c::crc32c_append(crc, &[0, 0]);
    crc = crc32c::crc32c_append(crc, &page[OFF_CHECKSUM + 2..]);
    crc = crc32c::crc32c_append(crc, &blkno.to_le_bytes());
    let folded = (crc ^ (crc >> 16)) & 0xFFFF;
    (folded % 65535 + 1) as u16
}

/// Stores the checksum for block `blkno` in `pd_checksum`; done on a private
/// copy of the page just before it is written.
pub fn set_checksum(page: &mut [u8], blkno: u32) {
    let c = compute_checksum(page, blkno);
    put_u16(page, OFF_CHECKSUM, c);
}

/// True if the stored checksum matches block `blkno`, or the page is all
/// zeros.
pub fn verify_checksum(page: &[u8], blkno: u32) -> bool {
    if page.len() != BLCKSZ {
        return false;
    }
    if is_all_zero(page) {
        return true;
    }
    checksum(page) == compute_checksum(page, blkno)
}

/// The check run on every page read from disk (`PageIsVerified`): an all-zero
/// page passes; otherwise the header must be sane and the checksum match.
pub fn verify(page: &[u8], blkno: u32) -> bool {
    if page.len() != BLCKSZ {
        return false;
    }
    if is_all_zero(page) {
        return true;
    }
    header_is_sane(page) && verify_checksum(page, blkno)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_page(special: usize) -> Vec<u8> {
        let mut p = vec![0u8; BLCKSZ];
        init(&mut p, special);
        p
    }

    fn item(i: usize, len: usize) -> Vec<u8> {
        (0..len).map(|j| (i * 7 + j) as u8).collect()
    }

    #[test]
    fn init_and_header() {
        let mut p = new_page(16);
        assert!(!is_new(&p));
        assert!(header_is_sane(&p));
        assert_eq!(lower(&p), 32);
        assert_eq!(upper(&p), BLCKSZ - 16);
        assert_eq!(special(&p).len(), 16);
        special_mut(&mut p)[0] = 9;
        assert_eq!(special(&p)[0], 9);
        set_lsn(&mut p, Lsn(0x1_0000_0002));
        assert_eq!(lsn(&p), Lsn(0x1_0000_0002));
        set_prune_xid(&mut p, Xid(1 << 40));
        assert_eq!(prune_xid(&p), Xid(1 << 40));
        assert_eq!(max_offset_number(&p), 0);
        assert!(is_new(&[0u8; BLCKSZ]));
    }

    #[test]
    fn header_bytes_are_as_documented() {
        let mut p = new_page(8);
        set_lsn(&mut p, Lsn(0x0102_0304_0506_0708));
        set_prune_xid(&mut p, Xid(0x1122_3344_5566_7788));
        add_item(&mut p, b"abc", None).unwrap();
        set_checksum(&mut p, 0);
        let c = compute_checksum(&p, 0).to_le_bytes();
        #[rustfmt::skip]
        let expected: [u8; 36] = [
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // pd_lsn
            c[0], c[1],                                     // pd_checksum
            0x00, 0x00,                                     // pd_flags
            0x24, 0x00,                                     // pd_lower = 36
            0xF0, 0x1F,                                     // pd_upper = 8176
            0xF8, 0x1F,                                     // pd_special = 8184
            0x01, 0x20,                                     // 8192 | version 1
            0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // pd_prune_xid
            0x00, 0x00, 0x00, 0x00,                         // reserved
            // lp 1: off 8176, NORMAL, len 3 = 8176 | 1 << 15 | 3 << 17
            0xF0, 0x9F, 0x06, 0x00,
        ];
        assert_eq!(&p[..36], &expected);
        assert_eq!(&p[8176..8179], b"abc");
    }

    #[test]
    fn item_id_bits_match_postgres() {
        let lp = ItemId {
            off: 8152,
            flags: LpFlags::Normal,
            len: 40,
        };
        // lp_off | lp_flags << 15 | lp_len << 17
        assert_eq!(lp.encode(), 8152 | (1 << 15) | (40 << 17));
        assert_eq!(ItemId::decode(lp.encode()), lp);
    }

    #[test]
    fn fill_until_full_then_delete_and_repair() {
        let mut p = new_page(0);
        let mut n = 0;
        while let Some(off) = add_item(&mut p, &item(n, 100), None) {
            n += 1;
            assert_eq!(usize::from(off.0), n);
        }
        // 104 bytes + 4 byte line pointer each.
        assert_eq!(n, (BLCKSZ - PAGE_HEADER_SIZE) / 108);
        assert!(free_space(&p) < 104);
        for i in 0..n {
            assert_eq!(
                get_item(&p, OffsetNumber(i as u16 + 1)).unwrap(),
                &item(i, 100)[..]
            );
        }
        // Remove every other item: dead (no storage) then unused.
        let before = free_space(&p);
        for i in (1..=n as u16).step_by(2) {
            set_item_dead(&mut p, OffsetNumber(i)).unwrap();
        }
        assert!(get_item(&p, OffsetNumber(1)).is_none());
        assert_eq!(free_space(&p), before, "no space until repaired");
        repair_fragmentation(&mut p).unwrap();
        let freed = n.div_ceil(2) * 104;
        assert_eq!(free_space(&p), before + freed);
        for i in 0..n {
            let got = get_item(&p, OffsetNumber(i as u16 + 1));
            if i % 2 == 0 {
                assert!(got.is_none());
            } else {
                assert_eq!(got.unwrap(), &item(i, 100)[..]);
            }
        }
        // Dead line pointers are not reused; unused ones are.
        assert_eq!(
            add_item(&mut p, &item(1000, 10), None),
            Some(OffsetNumber(n as u16 + 1))
        );
        set_item_unused(&mut p, OffsetNumber(3)).unwrap();
        assert_eq!(
            add_item(&mut p, &item(1001, 10), None),
            Some(OffsetNumber(3))
        );
        assert_eq!(get_item(&p, OffsetNumber(3)).unwrap(), &item(1001, 10)[..]);
        assert!(header_is_sane(&p));
    }

    #[test]
    fn add_at_offset_and_truncate_line_pointers() {
        let mut p = new_page(0);
        assert_eq!(add_item(&mut p, b"a", Some(OffsetNumber(2))), None);
        assert_eq!(
            add_item(&mut p, b"a", Some(OffsetNumber(1))),
            Some(OffsetNumber(1))
        );
        assert_eq!(add_item(&mut p, b"b", None), Some(OffsetNumber(2)));
        assert_eq!(add_item(&mut p, b"c", None), Some(OffsetNumber(3)));
        assert_eq!(
            add_item(&mut p, b"x", Some(OffsetNumber(2))),
            None,
            "occupied"
        );
        set_item_unused(&mut p, OffsetNumber(2)).unwrap();
        set_item_unused(&mut p, OffsetNumber(3)).unwrap();
        repair_fragmentation(&mut p).unwrap();
        assert_eq!(truncate_line_pointers(&mut p), 2);
        assert_eq!(max_offset_number(&p), 1);
        assert_eq!(flags(&p) & PD_HAS_FREE_LINES, 0);
        assert_eq!(free_space(&p), BLCKSZ - PAGE_HEADER_SIZE - 4 - 8 - 4);
        set_item_redirect(&mut p, OffsetNumber(1), OffsetNumber(1)).unwrap();
        assert_eq!(
            item_id(&p, OffsetNumber(1)).unwrap().flags,
            LpFlags::Redirect
        );
        assert!(set_item_dead(&mut p, OffsetNumber(7)).is_err());
    }

    #[test]
    fn heap_free_space_respects_line_pointer_limit() {
        let mut p = new_page(0);
        for _ in 0..MAX_HEAP_TUPLES_PER_PAGE {
            add_item(&mut p, b"x", None).unwrap();
        }
        assert!(free_space(&p) > 0);
        assert_eq!(heap_free_space(&p), 0);
        set_item_unused(&mut p, OffsetNumber(5)).unwrap();
        assert!(heap_free_space(&p) > 0);
    }

    #[test]
    fn index_insert_and_delete_shift_line_pointers() {
        let mut p = new_page(16);
        index_add_item(&mut p, b"bbbb", OffsetNumber(1)).unwrap();
        index_add_item(&mut p, b"dddddddddd", OffsetNumber(2)).unwrap();
        index_add_item(&mut p, b"a", OffsetNumber(1)).unwrap();
        index_add_item(&mut p, b"cc", OffsetNumber(3)).unwrap();
        let all = |p: &[u8]| -> Vec<Vec<u8>> {
            (1..=max_offset_number(p))
                .map(|i| get_item(p, OffsetNumber(i)).unwrap().to_vec())
                .collect()
        };
        assert_eq!(
            all(&p),
            vec![
                b"a".to_vec(),
                b"bbbb".to_vec(),
                b"cc".to_vec(),
                b"dddddddddd".to_vec()
            ]
        );
        let free = free_space(&p);
        index_delete_item(&mut p, OffsetNumber(2)).unwrap();
        assert_eq!(
            all(&p),
            vec![b"a".to_vec(), b"cc".to_vec(), b"dddddddddd".to_vec()]
        );
        assert_eq!(free_space(&p), free + 8 + 4);
        index_delete_item(&mut p, OffsetNumber(3)).unwrap();
        index_delete_item(&mut p, OffsetNumber(1)).unwrap();
        assert_eq!(all(&p), vec![b"cc".to_vec()]);
        assert_eq!(upper(&p), BLCKSZ - 16 - 8);
        assert!(header_is_sane(&p));
    }

    #[test]
    fn corrupt_line_pointers_do_not_panic() {
        let mut p = new_page(0);
        add_item(&mut p, b"hello", None).unwrap();
        // Point the line pointer past the end of the page.
        write_lp(
            &mut p,
            1,
            ItemId {
                off: 8190,
                flags: LpFlags::Normal,
                len: 100,
            },
        );
        assert!(get_item(&p, OffsetNumber(1)).is_none());
        assert!(get_item_mut(&mut p, OffsetNumber(1)).is_none());
        assert!(repair_fragmentation(&mut p).is_err());
        assert!(index_delete_item(&mut p, OffsetNumber(1)).is_err());
        // An insane header.
        put_u16(&mut p, OFF_LOWER, 9000);
        assert!(!header_is_sane(&p));
        assert_eq!(max_offset_number(&p), 0);
        assert_eq!(add_item(&mut p, b"x", None), None);
        assert_eq!(free_space(&p), 0);
    }

    #[test]
    fn checksum_detects_flips_and_wrong_block() {
        let mut p = new_page(0);
        add_item(&mut p, b"some tuple", None).unwrap();
        set_checksum(&mut p, 7);
        assert!(verify(&p, 7));
        assert!(!verify(&p, 8), "written at the wrong block");
        let mut q = p.clone();
        q[5000] ^= 1;
        assert!(!verify(&q, 7));
        assert!(verify(&[0u8; BLCKSZ], 3), "new pages are valid");
        let mut z = vec![0u8; BLCKSZ];
        z[100] = 1;
        assert!(!verify(&z, 0));
    }
}
