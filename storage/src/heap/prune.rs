//! Heap pruning: removing row versions no transaction can see any more from
//! one page, and the HEAP2 resource manager that logs it (PostgreSQL's
//! `pruneheap.c` and the HEAP2 half of `heapam_xlog.c`).
//!
//! Interface routines:
//!
//! ```text
//! prune_page        prune one page held under a cleanup lock (VACUUM, prune_opt)
//! prune_opt         opportunistic prune of a nearly full page: never waits
//! vacuum_page       VACUUM's second pass: LP_DEAD -> LP_UNUSED once indexes are clean
//! page_set_prunable note on the page that a deleter may make something prunable
//! heap2_redo        redo of HEAP2 PRUNE / VACUUM / VISIBLE / INPLACE
//! ```
//!
//! # Rules
//!
//! 1. Pruning needs a cleanup lock (exclusive content lock with no other
//!    pin): it moves tuples on the page. Scans here copy a page's tuples
//!    under one lock and keep no pin across pages, so a cleanup lock is
//!    normally free; [`prune_opt`] only *tries* for it.
//! 2. A tuple is removed only if [`satisfies_vacuum`] says `Dead` against
//!    the horizon: its deleter committed below the oldest xmin of every
//!    running transaction and registered snapshot, or its inserter aborted.
//!    `RecentlyDead` (some snapshot may still see it), `InsertInProgress`
//!    and `DeleteInProgress` tuples stay.
//! 3. An index may hold the TID of a removed tuple: its line pointer becomes
//!    LP_DEAD (no storage, the number stays taken). Only VACUUM, after every
//!    index dropped those TIDs, turns LP_DEAD into LP_UNUSED
//!    ([`vacuum_page`]), or prunes straight to LP_UNUSED when the relation
//!    has no index ([`PruneMode::Unused`]). Reusing a line pointer an index
//!    still points at would make the index return a different row.
//! 4. HOT chains are not built by updates yet, so every dead tuple is
//!    removed on its own; there are no redirects to collapse. An update
//!    chain A -> B (A's `t_ctid`) never has B removed while A is visible to
//!    anyone: B's xmin is A's xmax, so B dead implies A dead.
//! 5. The page is changed on a private copy first (compaction can find a
//!    corrupt line pointer), then copied back inside the critical section.
//!
//! ```text
//!  before:  lp1 NORMAL(live)  lp2 NORMAL(dead)  lp3 NORMAL(aborted insert)
//!  prune:   lp1 NORMAL        lp2 DEAD          lp3 DEAD      (+ compaction)
//!  vacuum:  lp1 NORMAL        lp2 UNUSED        lp3 UNUSED    (after index cleanup;
//!                                                              trailing UNUSED trimmed)
//! ```
//!
//! # When is a page pruned opportunistically?
//!
//! When a scan reads it and (a) `pd_prune_xid` is set and older than the
//! horizon — some deleter committed long enough ago — and (b) the page has
//! less than `BLCKSZ / 10` bytes free or `PD_PAGE_FULL` is set. System
//! catalogs are never pruned opportunistically: catalog lookups use
//! unregistered snapshots, which do not hold the horizon back.
//!
//! # WAL records (resource manager HEAP2)
//!
//! ```text
//!  PRUNE  0x10  block 0: heap page   data: u8 flags, u64 prune_xid,
//!  VACUUM 0x20  block 0: heap page         u16 ndead, u16 nunused,
//!                                          u16 dead[ndead], u16 unused[nunused]
//!               flags bit 0: set PD_ALL_VISIBLE afterwards
//!  VISIBLE 0x40 block 0: VM page     data: u32 heap block   (visibilitymap.rs)
//!  INPLACE 0x60 block 0: heap page   data: u16 offset, tuple bytes after the
//!                                          header (pg_class relpages/reltuples)
//! ```
//!
//! Redo of PRUNE and VACUUM: mark the DEAD and UNUSED line pointers, compact
//! the page, trim trailing UNUSED line pointers (when any were set unused),
//! set `pd_prune_xid`, clear `PD_PAGE_FULL`, and set `PD_ALL_VISIBLE` if
//! flagged. The normal path performs exactly the same steps, so the page
//! after redo is byte-identical to the page before the crash.
//!
//! # Not done (yet)
//!
//! HOT (heap-only tuples, redirects), `fillfactor` (the target is 100%),
//! conflict horizons for hot standby (there is no standby).

use crate::buffer::{BufferTag, BufferWriteGuard, PinnedBuffer};
use crate::error::{Result, StorageError};
use crate::fsm;
use crate::heap::heapam::Heap;
use crate::heap::htup::{HeapTupleHeader, HeapTupleHeaderMut, SIZEOF_HEAP_TUPLE_HEADER};
use crate::heap::visibility::{VacuumResult, satisfies_vacuum};
use crate::page::{self, BLCKSZ, LpFlags, PD_ALL_VISIBLE, PD_PAGE_FULL};
use crate::types::{ItemPointer, OffsetNumber, RelFileLocator, Xid};

/// HEAP2 info: dead tuples removed by pruning.
pub const XLOG_HEAP2_PRUNE: u8 = 0x10;
/// HEAP2 info: LP_DEAD line pointers made unused by VACUUM.
pub const XLOG_HEAP2_VACUUM: u8 = 0x20;
/// HEAP2 info: a tuple's data overwritten in place (same length).
pub const XLOG_HEAP2_INPLACE: u8 = 0x60;

const FLAG_ALL_VISIBLE: u8 = 1;

/// Relations with a relfilenode below this are system catalogs.
const FIRST_USER_RELFILENODE: u32 = 16384;

/// What removed tuples' line pointers become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PruneMode {
    /// LP_DEAD: an index may point at them (rule 3).
    Dead,
    /// LP_UNUSED: the relation has no index (VACUUM's one-pass mode);
    /// LP_DEAD line pointers already on the page become unused too.
    Unused,
}

/// What pruning one page found and did.
#[derive(Clone, Debug, Default)]
pub struct PruneResult {
    /// Tuples removed by this prune.
    pub removed: usize,
    /// Live tuples left.
    pub live: usize,
    /// Deleted tuples some snapshot may still see (or whose deleter runs).
    pub recently_dead: usize,
    /// LP_DEAD line pointers on the page afterwards: TIDs an index may
    /// still point at ([`PruneMode::Dead`] only).
    pub dead_items: Vec<OffsetNumber>,
    /// Every tuple left is visible to everyone (ignoring `dead_items`).
    pub all_visible: bool,
    /// The page was changed (and logged).
    pub changed: bool,
    /// Bytes free afterwards ([`page::heap_free_space`]).
    pub free_space: usize,
}

/// Records in `pd_prune_xid` that `xid` deleted or updated a tuple on the
/// page (`PageSetPrunable`): the oldest such xid is kept.
pub fn page_set_prunable(pg: &mut [u8], xid: Xid) {
    let old = page::prune_xid(pg);
    if old == Xid::INVALID || xid < old {
        page::set_prune_xid(pg, xid);
    }
}

/// Applies the PRUNE / VACUUM steps (module doc) to `pg`. Shared by the
/// normal path (on a copy) and redo.
fn apply_prune(
    pg: &mut [u8],
    dead: &[OffsetNumber],
    unused: &[OffsetNumber],
    prune_xid: Xid,
    all_visible: bool,
) -> Result<()> {
    for off in dead {
        page::set_item_dead(pg, *off)?;
    }
    for off in unused {
        page::set_item_unused(pg, *off)?;
    }
    page::repair_fragmentation(pg)?;
    if !unused.is_empty() {
        page::truncate_line_pointers(pg);
    }
    page::set_prune_xid(pg, prune_xid);
    page::clear_flag(pg, PD_PAGE_FULL);
    if all_visible {
        page::set_flag(pg, PD_ALL_VISIBLE);
    }
    Ok(())
}

fn encode(
    all_visible: bool,
    prune_xid: Xid,
    dead: &[OffsetNumber],
    unused: &[OffsetNumber],
) -> Vec<u8> {
    let mut d = Vec::with_capacity(13 + 2 * (dead.len() + unused.len()));
    d.push(if all_visible { FLAG_ALL_VISIBLE } else { 0 });
    d.extend_from_slice(&prune_xid.0.to_le_bytes());
    d.extend_from_slice(&(dead.len() as u16).to_le_bytes());
    d.extend_from_slice(&(unused.len() as u16).to_le_bytes());
    for o in dead.iter().chain(unused) {
        d.extend_from_slice(&o.0.to_le_bytes());
    }
    d
}

type Decoded = (bool, Xid, Vec<OffsetNumber>, Vec<OffsetNumber>);

fn decode(d: &[u8]) -> Option<Decoded> {
    let flags = *d.first()?;
    let xid = Xid(u64::from_le_bytes(d.get(1..9)?.try_into().ok()?));
    let nd = usize::from(u16::from_le_bytes(d.get(9..11)?.try_into().ok()?));
    let nu = usize::from(u16::from_le_bytes(d.get(11..13)?.try_into().ok()?));
    let mut offs = Vec::with_capacity(nd + nu);
    for i in 0..nd + nu {
        let p = 13 + 2 * i;
        offs.push(OffsetNumber(u16::from_le_bytes(
            d.get(p..p + 2)?.try_into().ok()?,
        )));
    }
    let unused = offs.split_off(nd);
    Some((flags & FLAG_ALL_VISIBLE != 0, xid, offs, unused))
}

/// Copies `work` into the locked page and logs it as `info`: the critical
/// section of a prune or vacuum. `check_usable` was called by the caller.
fn install_logged(
    heap: &Heap,
    g: &mut BufferWriteGuard<'_>,
    tag: BufferTag,
    work: &[u8],
    info: u8,
    data: Vec<u8>,
) {
    // NO ERROR RETURNS UNTIL LOGGED
    g.copy_from_slice(work);
    g.mark_dirty();
    if let Some(x) = heap.xlog() {
        x.log_page_change(
            g,
            tag,
            wal::rmgr::RM_HEAP2_ID,
            info,
            Xid::INVALID,
            data,
            false,
            Vec::new(),
        );
    }
}

fn check_wal(heap: &Heap) -> Result<()> {
    match heap.xlog() {
        Some(x) => x.check_usable(),
        None => Ok(()),
    }
}

/// Prunes the page `g` (held under a cleanup lock, rule 1) against the
/// horizon `oldest_xmin`, WAL-logging what it removes (HEAP2 PRUNE). With
/// `set_all_visible`, a page left with only tuples visible to everyone and
/// no LP_DEAD line pointer gets `PD_ALL_VISIBLE` (the caller then sets the
/// VM bit). Does not update the FSM. Errors leave the page unchanged.
pub fn prune_page(
    heap: &Heap,
    g: &mut BufferWriteGuard<'_>,
    tag: BufferTag,
    oldest_xmin: Xid,
    mode: PruneMode,
    set_all_visible: bool,
) -> Result<PruneResult> {
    let mut r = PruneResult {
        all_visible: true,
        ..Default::default()
    };
    if page::is_new(g) {
        r.free_space = page::heap_free_space(g);
        return Ok(r);
    }
    let max = page::max_offset_number(g);
    let mut dead = Vec::new();
    let mut unused = Vec::new();
    let mut hints: Vec<(OffsetNumber, u16)> = Vec::new();
    let mut prune_xid = Xid::INVALID;
    for i in 1..=max {
        let off = OffsetNumber(i);
        let Some(lp) = page::item_id(g, off) else {
            continue;
        };
        match lp.flags {
            LpFlags::Unused => continue,
            LpFlags::Dead => {
                match mode {
                    PruneMode::Dead => r.dead_items.push(off),
                    PruneMode::Unused => unused.push(off),
                }
                continue;
            }
            LpFlags::Redirect => {
                // No HOT yet (rule 4): a redirect is never made here.
                r.all_visible = false;
                continue;
            }
            LpFlags::Normal => {}
        }
        let item = page::get_item(g, off).ok_or(StorageError::DataCorrupted {
            rel: tag.rel,
            block: tag.block,
        })?;
        if item.len() < SIZEOF_HEAP_TUPLE_HEADER {
            return Err(StorageError::DataCorrupted {
                rel: tag.rel,
                block: tag.block,
            });
        }
        let h = HeapTupleHeader(item);
        let (state, bits) = satisfies_vacuum(h, oldest_xmin, heap.txns())?;
        if bits != 0 && bits & !h.infomask() != 0 {
            hints.push((off, bits));
        }
        match state {
            VacuumResult::Dead => {
                r.removed += 1;
                match mode {
                    PruneMode::Dead => {
                        dead.push(off);
                        r.dead_items.push(off);
                    }
                    PruneMode::Unused => unused.push(off),
                }
            }
            VacuumResult::Live => {
                r.live += 1;
                if h.xmin() >= oldest_xmin {
                    r.all_visible = false;
                }
            }
            VacuumResult::RecentlyDead | VacuumResult::DeleteInProgress => {
                if state == VacuumResult::RecentlyDead {
                    r.recently_dead += 1;
                } else {
                    r.live += 1;
                }
                r.all_visible = false;
                let x = h.xmax();
                if prune_xid == Xid::INVALID || x < prune_xid {
                    prune_xid = x;
                }
            }
            VacuumResult::InsertInProgress => {
                r.live += 1;
                r.all_visible = false;
            }
        }
    }
    if !r.dead_items.is_empty() {
        r.all_visible = false;
    }
    let set_av = set_all_visible && r.all_visible && page::flags(g) & PD_ALL_VISIBLE == 0;
    let page_full = page::flags(g) & PD_PAGE_FULL != 0;
    let needs_record = !dead.is_empty()
        || !unused.is_empty()
        || set_av
        || page::prune_xid(g) != prune_xid
        || page_full;
    if !hints.is_empty() {
        for (off, bits) in &hints {
            if let Some(item) = page::get_item_mut(g, *off) {
                HeapTupleHeaderMut(item).add_hint_bits(*bits);
            }
        }
        g.mark_dirty();
        if !needs_record && let Some(x) = heap.xlog() {
            x.log_hint_image(g, tag);
        }
    }
    if needs_record {
        let mut work = g.to_vec();
        apply_prune(&mut work, &dead, &unused, prune_xid, set_av)?;
        check_wal(heap)?;
        install_logged(
            heap,
            g,
            tag,
            &work,
            XLOG_HEAP2_PRUNE,
            encode(set_av, prune_xid, &dead, &unused),
        );
        r.changed = true;
    }
    r.free_space = page::heap_free_space(g);
    Ok(r)
}

/// VACUUM's second pass over one page (`lazy_vacuum_heap_page`): the
/// LP_DEAD line pointers in `dead` (whose index entries are gone) become
/// LP_UNUSED; with `set_all_visible`, the page is flagged all-visible if
/// every tuple on it is (checked again here). Logged as HEAP2 VACUUM.
/// Returns (whether the page is now all-visible, its free space).
pub fn vacuum_page(
    heap: &Heap,
    g: &mut BufferWriteGuard<'_>,
    tag: BufferTag,
    dead: &[OffsetNumber],
    oldest_xmin: Xid,
    set_all_visible: bool,
) -> Result<(bool, usize)> {
    let dead: Vec<OffsetNumber> = dead
        .iter()
        .copied()
        .filter(|o| page::item_id(g, *o).is_some_and(|lp| lp.flags == LpFlags::Dead))
        .collect();
    let mut all_visible = set_all_visible && page::flags(g) & PD_ALL_VISIBLE == 0;
    if all_visible {
        for i in 1..=page::max_offset_number(g) {
            let off = OffsetNumber(i);
            let Some(lp) = page::item_id(g, off) else {
                continue;
            };
            match lp.flags {
                LpFlags::Unused => {}
                LpFlags::Dead if dead.contains(&off) => {}
                LpFlags::Dead | LpFlags::Redirect => all_visible = false,
                LpFlags::Normal => {
                    let Some(item) = page::get_item(g, off) else {
                        all_visible = false;
                        continue;
                    };
                    if item.len() < SIZEOF_HEAP_TUPLE_HEADER {
                        all_visible = false;
                        continue;
                    }
                    let h = HeapTupleHeader(item);
                    let (state, _) = satisfies_vacuum(h, oldest_xmin, heap.txns())?;
                    if state != VacuumResult::Live || h.xmin() >= oldest_xmin {
                        all_visible = false;
                    }
                }
            }
            if !all_visible {
                break;
            }
        }
    }
    if !dead.is_empty() || all_visible {
        let prune_xid = page::prune_xid(g);
        let mut work = g.to_vec();
        apply_prune(&mut work, &[], &dead, prune_xid, all_visible)?;
        check_wal(heap)?;
        install_logged(
            heap,
            g,
            tag,
            &work,
            XLOG_HEAP2_VACUUM,
            encode(all_visible, prune_xid, &[], &dead),
        );
    }
    Ok((
        page::flags(g) & PD_ALL_VISIBLE != 0,
        page::heap_free_space(g),
    ))
}

/// Opportunistic pruning (`heap_page_prune_opt`): if the pinned page looks
/// prunable and nearly full (module doc), tries for a cleanup lock and
/// prunes to LP_DEAD. Never waits; errors are logged and swallowed (the
/// reader goes on; VACUUM will meet the page again).
pub fn prune_opt(heap: &Heap, rel: RelFileLocator, buf: &PinnedBuffer) {
    if rel.rel_number.0 < FIRST_USER_RELFILENODE || heap.xlog().is_some_and(|x| x.in_recovery()) {
        return;
    }
    let looks_prunable = |pg: &[u8], horizon: Option<Xid>| {
        let px = page::prune_xid(pg);
        let full = page::flags(pg) & PD_PAGE_FULL != 0 || page::free_space(pg) < BLCKSZ / 10;
        px != Xid::INVALID && full && horizon.is_none_or(|h| px < h)
    };
    {
        let g = buf.read();
        if page::is_new(&g) || !looks_prunable(&g, None) {
            return;
        }
    }
    let horizon = heap.txns().oldest_xmin();
    let Some(mut g) = buf.try_cleanup_lock() else {
        return;
    };
    if !looks_prunable(&g, Some(horizon)) {
        return;
    }
    match prune_page(heap, &mut g, buf.tag(), horizon, PruneMode::Dead, false) {
        Ok(r) => {
            drop(g);
            if r.changed
                && let Err(e) = fsm::record_free_space(heap.pool(), rel, buf.block(), r.free_space)
            {
                tracing::warn!(error = %e, "could not record free space after pruning");
            }
        }
        Err(e) => tracing::warn!(%rel, block = buf.block().0, error = %e, "pruning failed"),
    }
}

/// Overwrites the data of the tuple at `tid` (everything after its header)
/// with `data` of the same length, WAL-logged as HEAP2 INPLACE: a
/// non-transactional change, as PostgreSQL's `heap_inplace_update` makes to
/// `pg_class.relpages` / `reltuples`. Concurrent readers see either version
/// (the page is locked exclusively for the copy).
pub fn inplace_update(
    heap: &Heap,
    rel: RelFileLocator,
    tid: ItemPointer,
    data: &[u8],
) -> Result<()> {
    let buf = heap
        .pool()
        .read_buffer(rel, crate::types::ForkNumber::Main, tid.block, None)?;
    let mut g = buf.write();
    let item = page::get_item(&g, tid.offset)
        .ok_or_else(|| StorageError::Internal(format!("no tuple at {tid} for in-place update")))?;
    let hoff = HeapTupleHeader(item).hoff();
    if item.len() != hoff + data.len() {
        return Err(StorageError::Internal(format!(
            "in-place update of {tid} changes its length"
        )));
    }
    check_wal(heap)?;
    // NO ERROR RETURNS UNTIL LOGGED
    if let Some(item) = page::get_item_mut(&mut g, tid.offset) {
        item[hoff..].copy_from_slice(data);
    }
    g.mark_dirty();
    if let Some(x) = heap.xlog() {
        let mut d = Vec::with_capacity(2 + data.len());
        d.extend_from_slice(&tid.offset.0.to_le_bytes());
        d.extend_from_slice(data);
        x.log_page_change(
            &mut g,
            buf.tag(),
            wal::rmgr::RM_HEAP2_ID,
            XLOG_HEAP2_INPLACE,
            Xid::INVALID,
            d,
            false,
            Vec::new(),
        );
    }
    Ok(())
}

fn bad(rec: &wal::DecodedRecord) -> StorageError {
    StorageError::Corrupted(format!("invalid HEAP2 WAL record at {}", rec.lsn))
}

/// Redo of a HEAP2 record.
pub fn heap2_redo(pool: &crate::buffer::BufferPool, rec: &wal::DecodedRecord) -> Result<()> {
    let info = rec.record.info & 0x70;
    if info == crate::heap::visibilitymap::XLOG_HEAP2_VISIBLE {
        return crate::heap::visibilitymap::visible_redo(pool, rec);
    }
    for blk in &rec.record.blocks {
        match info {
            XLOG_HEAP2_PRUNE | XLOG_HEAP2_VACUUM => {
                let (av, px, dead, unused) = decode(&blk.data).ok_or_else(|| bad(rec))?;
                crate::recovery::redo_block(pool, rec, blk, |pg| {
                    apply_prune(pg, &dead, &unused, px, av)
                })?;
            }
            XLOG_HEAP2_INPLACE => {
                let off = blk.data.get(..2).ok_or_else(|| bad(rec))?;
                let off = OffsetNumber(u16::from_le_bytes([off[0], off[1]]));
                let data = &blk.data[2..];
                crate::recovery::redo_block(pool, rec, blk, |pg| {
                    let item = page::get_item_mut(pg, off).ok_or_else(|| bad(rec))?;
                    let hoff = HeapTupleHeader(item).hoff();
                    if item.len() != hoff + data.len() {
                        return Err(bad(rec));
                    }
                    item[hoff..].copy_from_slice(data);
                    Ok(())
                })?;
            }
            _ => return Err(bad(rec)),
        }
    }
    Ok(())
}

/// A waldump description of a HEAP2 record.
pub fn heap2_describe(rec: &wal::DecodedRecord) -> String {
    let info = rec.record.info & 0x70;
    let data = rec
        .record
        .blocks
        .first()
        .map(|b| &b.data[..])
        .unwrap_or(&[]);
    match info {
        XLOG_HEAP2_PRUNE | XLOG_HEAP2_VACUUM => {
            let kind = if info == XLOG_HEAP2_PRUNE {
                "PRUNE"
            } else {
                "VACUUM"
            };
            match decode(data) {
                Some((av, px, d, u)) => format!(
                    "{kind} prune_xid {}; ndead {}; nunused {}{}",
                    px.0,
                    d.len(),
                    u.len(),
                    if av { "; all-visible" } else { "" }
                ),
                None => format!("{kind} (invalid)"),
            }
        }
        crate::heap::visibilitymap::XLOG_HEAP2_VISIBLE => match data.get(..4) {
            Some(b) => format!(
                "VISIBLE heap blk {}",
                u32::from_le_bytes([b[0], b[1], b[2], b[3]])
            ),
            None => "VISIBLE (invalid)".into(),
        },
        XLOG_HEAP2_INPLACE => "INPLACE".into(),
        _ => "UNKNOWN".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip() {
        let d = encode(
            true,
            Xid(42),
            &[OffsetNumber(3), OffsetNumber(5)],
            &[OffsetNumber(7)],
        );
        let (av, px, dead, unused) = decode(&d).unwrap();
        assert!(av);
        assert_eq!(px, Xid(42));
        assert_eq!(dead, vec![OffsetNumber(3), OffsetNumber(5)]);
        assert_eq!(unused, vec![OffsetNumber(7)]);
        assert!(decode(&d[..d.len() - 1]).is_none());
        assert!(decode(&[]).is_none());
    }
}
