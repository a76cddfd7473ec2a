//! Lazy VACUUM of one table (PostgreSQL's `vacuumlazy.c`).
//!
//! ```text
//!  lock the table ShareUpdateExclusive (conflicts only with DDL and other vacuums)
//!  horizon = oldest xmin of every running transaction and registered snapshot
//!  pass 1, block 0 .. nblocks:
//!     skip if the visibility map says all-visible
//!     cleanup-lock the page; prune (HEAP2 PRUNE):
//!         no index:  dead tuples -> LP_UNUSED at once (one pass)
//!         indexes:   dead tuples -> LP_DEAD, TIDs collected
//!     all tuples visible to everyone -> PD_ALL_VISIBLE + VM bit (HEAP2 VISIBLE)
//!     record the page's free space in the FSM
//!     (collected TIDs over `max_dead_items`: run the index and heap passes now)
//!  index pass: every index hook is called once with "is this TID dead?"
//!  pass 2 (heap), each page with collected TIDs:
//!     cleanup-lock; LP_DEAD -> LP_UNUSED (HEAP2 VACUUM); maybe all-visible; FSM
//!  truncate: trailing empty pages, under AccessExclusive taken with NOWAIT
//!     (a few tries, then give up: never block foreground work); SMGR TRUNCATE
//!     logged and flushed first; FSM and VM cut too
//!  pg_class.relpages / reltuples / relallvisible: updated in place (HEAP2 INPLACE)
//! ```
//!
//! # Progress
//!
//! Each step is reported into `engine.progress` (`storage::progress`) as
//! it happens, for `pg_stat_progress_vacuum`: the phase, pages scanned in
//! pass 1 (after each page, skipped ones included), the block pass 2 is
//! at, index passes and the dead TIDs held. The entry goes when the
//! vacuum ends, however it ends.
//!
//! # The index hook
//!
//! VACUUM does not know the index access methods. The caller passes one
//! [`IndexCleanup`] per index of the table; its `bulk_delete` is called with
//! a predicate telling whether a heap TID is dead, must remove every index
//! entry for which it answers true, and returns how many it removed. It is
//! called after the TIDs' line pointers were made LP_DEAD and before they
//! are made LP_UNUSED (so an index never points at a reused line pointer).
//! For a B-tree:
//!
//! ```text
//!  IndexCleanup { name, bulk_delete: Box::new(|is_dead| btree.bulk_delete(idx, &mut |tid| is_dead(tid))) }
//! ```
//!
//! # Failure modes
//!
//! * An error in the middle leaves a consistent table: every page change
//!   was logged on its own; LP_DEAD line pointers simply wait for the next
//!   VACUUM.
//! * A crash in the middle: redo replays the PRUNE / VACUUM / VISIBLE
//!   records that made it to the WAL; nothing else changed.
//! * A waiter for a conflicting lock (autovacuum only, `yield_to_waiters`):
//!   the vacuum stops between pages, skipping truncation, and says so.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use storage::buffer::BufferRing;
use storage::catalog::TableInfo;
use storage::catalog::defs::PG_CLASS;
use storage::datum::Datum;
use storage::engine::Engine;
use storage::fsm;
use storage::heap::prune::{self, PruneMode};
use storage::heap::tuple::form_tuple;
use storage::heap::visibilitymap as vm;
use storage::page::{self, LpFlags, MAX_HEAP_TUPLES_PER_PAGE, PD_ALL_VISIBLE};
use storage::progress::{VacuumPhase, VacuumProgressHandle};
use storage::txn::{LockMode, LockTag, LockWait, OwnerId};
use storage::types::{BlockNumber, ForkNumber, ItemPointer, OffsetNumber, RelFileLocator, Xid};
use storage::{Result, StorageError};

use crate::cost::{CostBalance, CostParams};

/// An index's bulk delete: called with "is this heap TID dead?", removes
/// those entries, returns how many it removed.
pub type BulkDelete<'a> = Box<dyn FnMut(&dyn Fn(ItemPointer) -> bool) -> Result<u64> + 'a>;

/// One index of the table, as VACUUM sees it (module doc, "The index hook").
pub struct IndexCleanup<'a> {
    /// The index's name, for VERBOSE output.
    pub name: String,
    /// Removes the entries whose heap TID the predicate calls dead; returns
    /// how many it removed.
    pub bulk_delete: BulkDelete<'a>,
}

/// How to vacuum.
#[derive(Clone, Debug)]
pub struct VacuumOptions {
    /// Throttling.
    pub cost: CostParams,
    /// Try to truncate empty pages at the end.
    pub truncate: bool,
    /// Stop between pages when someone waits for a lock on the table
    /// (autovacuum).
    pub yield_to_waiters: bool,
    /// How the table lock is waited for (autovacuum: NOWAIT, skip the table).
    pub wait: LockWait,
    /// Most dead TIDs held before an index pass (`maintenance_work_mem` / 6).
    pub max_dead_items: usize,
    /// The process id shown in `pg_stat_progress_vacuum`: the session's
    /// (`pg_backend_pid()`), or autovacuum's own.
    pub pid: i32,
}

impl Default for VacuumOptions {
    fn default() -> Self {
        VacuumOptions {
            cost: CostParams::default(),
            truncate: true,
            yield_to_waiters: false,
            wait: LockWait::default(),
            // 64 MB of 6-byte TIDs, as PostgreSQL's default maintenance_work_mem.
            max_dead_items: 64 * 1024 * 1024 / 6,
            pid: 0,
        }
    }
}

/// What one VACUUM of a table did.
#[derive(Clone, Debug, Default)]
pub struct VacuumReport {
    /// Pages before.
    pub rel_pages: u32,
    /// Pages read and pruned in pass 1.
    pub scanned_pages: u32,
    /// Pages removed by truncation.
    pub removed_pages: u32,
    /// Tuples removed.
    pub tuples_removed: u64,
    /// Live tuples in scanned pages.
    pub live_tuples: u64,
    /// Estimated live tuples in the whole table (new `reltuples`).
    pub new_rel_tuples: f64,
    /// Dead tuples kept because some snapshot may still see them.
    pub recently_dead: u64,
    /// LP_DEAD items removed from indexes and the heap.
    pub dead_items_removed: u64,
    /// Pages that had LP_DEAD items removed.
    pub pages_with_dead_items: u32,
    /// Index passes.
    pub index_scans: u32,
    /// Index entries removed, per index.
    pub index_removed: Vec<(String, u64)>,
    /// The horizon.
    pub removable_cutoff: Xid,
    /// The next xid when the vacuum ended (for "XIDs old").
    pub next_xid_at_end: Xid,
    /// All-visible pages at the end.
    pub all_visible_pages: u32,
    /// Stopped early because a lock request waited.
    pub interrupted: bool,
    /// Time spent sleeping for cost-based delay.
    pub slept: Duration,
    /// Wall-clock time.
    pub elapsed: Duration,
}

impl VacuumReport {
    /// PostgreSQL-like VERBOSE lines for `qualified` ("db.schema.table"):
    /// the messages of the two INFO notices.
    pub fn verbose_messages(&self, qualified: &str) -> [String; 2] {
        let remain = self.rel_pages.saturating_sub(self.removed_pages);
        let pct = |n: u32, of: u32| {
            if of == 0 {
                100.0
            } else {
                100.0 * f64::from(n) / f64::from(of)
            }
        };
        let mut done = format!(
            "finished vacuuming \"{qualified}\": index scans: {}\n\
             pages: {} removed, {remain} remain, {} scanned ({:.2}% of total)\n\
             tuples: {} removed, {} remain, {} are dead but not yet removable\n\
             removable cutoff: {}, which was {} XIDs old when operation ended\n",
            self.index_scans,
            self.removed_pages,
            self.scanned_pages,
            pct(self.scanned_pages, self.rel_pages),
            self.tuples_removed,
            self.new_rel_tuples.round() as u64,
            self.recently_dead,
            self.removable_cutoff.0,
            self.next_xid_at_end
                .0
                .saturating_sub(self.removable_cutoff.0),
        );
        if self.index_scans == 0 {
            done.push_str(&format!(
                "index scan not needed: {} pages from table ({:.2}% of total) had {} dead item identifiers removed\n",
                self.pages_with_dead_items,
                pct(self.pages_with_dead_items, self.rel_pages),
                self.dead_items_removed
            ));
        } else {
            for (name, n) in &self.index_removed {
                done.push_str(&format!("index \"{name}\": {n} index entries removed\n"));
            }
        }
        if self.interrupted {
            done.push_str("stopped early: a conflicting lock request was waiting\n");
        }
        done.push_str(&format!(
            "system usage: elapsed: {:.2} s, slept for cost-based delay: {:.2} s",
            self.elapsed.as_secs_f64(),
            self.slept.as_secs_f64()
        ));
        [format!("vacuuming \"{qualified}\""), done]
    }
}

/// The lock tag of a table.
pub fn relation_tag(engine: &Engine, table: &TableInfo) -> LockTag {
    LockTag::Relation {
        db: engine.catalog.database(),
        rel: table.oid,
    }
}

struct Vacuum<'e, 'i, 'x> {
    engine: &'e Engine,
    rel: RelFileLocator,
    tag: LockTag,
    opts: &'e VacuumOptions,
    indexes: &'i mut [IndexCleanup<'x>],
    horizon: Xid,
    cost: CostBalance,
    ring: BufferRing,
    /// Collected LP_DEAD TIDs (indexes only), by block.
    dead: BTreeMap<u32, Vec<OffsetNumber>>,
    ndead: usize,
    report: VacuumReport,
    /// This vacuum's row of `pg_stat_progress_vacuum`.
    progress: VacuumProgressHandle<'e>,
}

/// VACUUM of one table: the steps in the module doc. `owner` takes the
/// table lock. Returns what was done; on error the table is consistent
/// (module doc, "Failure modes").
pub fn vacuum_table(
    engine: &Engine,
    table: &TableInfo,
    owner: OwnerId,
    opts: &VacuumOptions,
    indexes: &mut [IndexCleanup<'_>],
) -> Result<VacuumReport> {
    let tag = relation_tag(engine, table);
    let locks = engine.txns.locks();
    locks.acquire(owner, tag, LockMode::ShareUpdateExclusive, &opts.wait)?;
    let started = Instant::now();
    let progress = engine
        .progress
        .start_vacuum(opts.pid, engine.catalog.database(), table.oid);
    let mut v = Vacuum {
        engine,
        rel: table.locator,
        tag,
        opts,
        indexes,
        horizon: engine.txns.oldest_xmin(),
        cost: CostBalance::new(opts.cost),
        ring: BufferRing::new(BufferRing::VACUUM),
        dead: BTreeMap::new(),
        ndead: 0,
        report: VacuumReport::default(),
        progress,
    };
    let r = v.run(table, owner);
    locks.release(owner, tag, LockMode::ShareUpdateExclusive);
    r?;
    v.report.slept = v.cost.slept;
    v.report.elapsed = started.elapsed();
    v.report.next_xid_at_end = engine.txns.next_xid();
    Ok(v.report)
}

impl Vacuum<'_, '_, '_> {
    fn run(&mut self, table: &TableInfo, owner: OwnerId) -> Result<()> {
        let heap = &self.engine.heap;
        let pool = heap.pool();
        self.report.removable_cutoff = self.horizon;
        let nblocks = heap.nblocks(self.rel)?.0;
        self.report.rel_pages = nblocks;
        let (old_pages, old_tuples) = read_rel_stats(self.engine, table)?;
        let mode = if self.indexes.is_empty() {
            PruneMode::Unused
        } else {
            PruneMode::Dead
        };
        // PostgreSQL's dead_items_max_items: no more than the table can
        // hold; one page's worth without indexes (one pass).
        let per_page = MAX_HEAP_TUPLES_PER_PAGE as u64;
        let max_dead = match mode {
            PruneMode::Unused => per_page,
            PruneMode::Dead => (self.opts.max_dead_items as u64)
                .min(u64::from(nblocks) * per_page)
                .max(per_page),
        };
        self.progress.update(|p| {
            p.phase = VacuumPhase::ScanningHeap;
            p.heap_blks_total = u64::from(nblocks);
            p.max_dead_tuples = max_dead;
        });
        let mut skipped = 0u32;
        for b in 0..nblocks {
            let ndead = self.ndead as u64;
            self.progress.update(|p| {
                p.heap_blks_scanned = u64::from(b);
                p.num_dead_tuples = ndead;
            });
            if self.opts.yield_to_waiters && self.engine.txns.locks().has_waiters(self.tag) {
                self.report.interrupted = true;
                break;
            }
            self.cost.delay_point();
            let block = BlockNumber(b);
            if vm::is_all_visible(pool, self.rel, block)? {
                skipped += 1;
                self.report.all_visible_pages += 1;
                continue;
            }
            let reads = pool.io_counts().0;
            let buf = pool.read_buffer(self.rel, ForkNumber::Main, block, Some(&self.ring))?;
            let miss = pool.io_counts().0 != reads;
            let mut g = buf.cleanup_lock();
            self.report.scanned_pages += 1;
            if page::is_new(&g) {
                drop(g);
                fsm::record_free_space(pool, self.rel, block, page::MAX_ITEM_SIZE)?;
                self.cost.charge(miss, false);
                continue;
            }
            let r = prune::prune_page(heap, &mut g, buf.tag(), self.horizon, mode, true)?;
            self.report.tuples_removed += r.removed as u64;
            self.report.live_tuples += r.live as u64;
            self.report.recently_dead += r.recently_dead as u64;
            if mode == PruneMode::Unused && r.removed > 0 {
                self.progress
                    .update(|p| p.heap_blks_vacuumed = u64::from(b));
                self.report.pages_with_dead_items += 1;
                self.report.dead_items_removed += r.removed as u64;
            }
            if page::flags(&g) & PD_ALL_VISIBLE != 0 {
                // Invariant 1 of the visibility map: flag first, bit while
                // the heap page is still locked.
                vm::set_all_visible(heap, self.rel, block)?;
                self.report.all_visible_pages += 1;
            }
            drop(g);
            drop(buf);
            fsm::record_free_space(pool, self.rel, block, r.free_space)?;
            self.cost.charge(miss, r.changed);
            if !r.dead_items.is_empty() {
                self.ndead += r.dead_items.len();
                self.dead.insert(b, r.dead_items);
                if self.ndead >= self.opts.max_dead_items {
                    self.index_and_heap_pass()?;
                }
            }
        }
        if !self.report.interrupted {
            self.progress
                .update(|p| p.heap_blks_scanned = u64::from(nblocks));
        }
        self.index_and_heap_pass()?;
        // reltuples: live tuples seen, plus the old density over the pages
        // skipped as all-visible (PostgreSQL's vac_estimate_reltuples).
        let density = if old_pages > 0 && old_tuples >= 0.0 {
            old_tuples / f64::from(old_pages)
        } else {
            0.0
        };
        self.report.new_rel_tuples = self.report.live_tuples as f64 + density * f64::from(skipped);
        if self.opts.truncate && !self.report.interrupted {
            self.truncate(owner)?;
        }
        self.progress.phase(VacuumPhase::FinalCleanup);
        let pages = nblocks - self.report.removed_pages;
        write_rel_stats(
            self.engine,
            table,
            pages,
            self.report.new_rel_tuples,
            Some(self.report.all_visible_pages.min(pages)),
        )
    }

    /// The index pass over the collected TIDs, then pass 2 over their pages.
    fn index_and_heap_pass(&mut self) -> Result<()> {
        if self.dead.is_empty() {
            return Ok(());
        }
        let dead = std::mem::take(&mut self.dead);
        self.ndead = 0;
        self.progress.phase(VacuumPhase::VacuumingIndexes);
        {
            let is_dead = |tid: ItemPointer| {
                dead.get(&tid.block.0)
                    .is_some_and(|v| v.contains(&tid.offset))
            };
            if self.report.index_removed.len() != self.indexes.len() {
                self.report.index_removed =
                    self.indexes.iter().map(|i| (i.name.clone(), 0)).collect();
            }
            for (i, idx) in self.indexes.iter_mut().enumerate() {
                let n = (idx.bulk_delete)(&is_dead)?;
                self.report.index_removed[i].1 += n;
            }
        }
        self.report.index_scans += 1;
        self.progress.update(|p| {
            p.index_vacuum_count += 1;
            p.phase = VacuumPhase::VacuumingHeap;
        });
        let heap = &self.engine.heap;
        let pool = heap.pool();
        for (b, offs) in &dead {
            self.cost.delay_point();
            self.progress
                .update(|p| p.heap_blks_vacuumed = u64::from(*b));
            let block = BlockNumber(*b);
            let buf = pool.read_buffer(self.rel, ForkNumber::Main, block, Some(&self.ring))?;
            let mut g = buf.cleanup_lock();
            let (all_visible, free) =
                prune::vacuum_page(heap, &mut g, buf.tag(), offs, self.horizon, true)?;
            if all_visible {
                vm::set_all_visible(heap, self.rel, block)?;
                self.report.all_visible_pages += 1;
            }
            drop(g);
            drop(buf);
            fsm::record_free_space(pool, self.rel, block, free)?;
            self.cost.charge(false, true);
            self.report.dead_items_removed += offs.len() as u64;
            self.report.pages_with_dead_items += 1;
        }
        // Pass 1 goes on (or the vacuum ends) with no dead TIDs held.
        self.progress.update(|p| {
            p.phase = VacuumPhase::ScanningHeap;
            p.num_dead_tuples = 0;
        });
        Ok(())
    }

    /// Is block `b` empty (no line pointer in use)?
    fn page_is_empty(&self, b: u32) -> Result<bool> {
        let buf = self.engine.heap.pool().read_buffer(
            self.rel,
            ForkNumber::Main,
            BlockNumber(b),
            Some(&self.ring),
        )?;
        let g = buf.read();
        if page::is_new(&g) {
            return Ok(true);
        }
        Ok((1..=page::max_offset_number(&g)).all(|i| {
            page::item_id(&g, OffsetNumber(i)).is_none_or(|lp| lp.flags == LpFlags::Unused)
        }))
    }

    /// The number of blocks once the trailing empty ones are cut off.
    fn nonempty_end(&self, nblocks: u32) -> Result<u32> {
        let mut end = nblocks;
        while end > 0 && self.page_is_empty(end - 1)? {
            end -= 1;
        }
        Ok(end)
    }

    /// Cuts trailing empty pages (module doc): gives up rather than wait.
    fn truncate(&mut self, owner: OwnerId) -> Result<()> {
        self.progress.phase(VacuumPhase::TruncatingHeap);
        let heap = &self.engine.heap;
        let pool = heap.pool();
        let nblocks = heap.nblocks(self.rel)?.0;
        if self.nonempty_end(nblocks)? == nblocks {
            return Ok(());
        }
        let locks = self.engine.txns.locks();
        let mut got = false;
        for _ in 0..5 {
            match locks.acquire(
                owner,
                self.tag,
                LockMode::AccessExclusive,
                &LockWait::nowait(),
            ) {
                Ok(()) => {
                    got = true;
                    break;
                }
                Err(StorageError::LockNotAvailable(_)) => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
        if !got {
            return Ok(());
        }
        let r = (|| {
            // Under AccessExclusive nobody inserts: re-check, then cut.
            let nblocks = heap.nblocks(self.rel)?.0;
            let end = self.nonempty_end(nblocks)?;
            if end == nblocks {
                return Ok(());
            }
            let xlog = &self.engine.xlog;
            let (_, lsn) = xlog.log(&storage::smgr_xlog::truncate_record(
                self.rel,
                BlockNumber(end),
            ))?;
            xlog.flush(lsn)?;
            pool.truncate_relation(self.rel, ForkNumber::Main, BlockNumber(end))?;
            fsm::truncate(pool, self.rel, BlockNumber(end))?;
            vm::truncate(pool, self.rel, BlockNumber(end))?;
            self.report.removed_pages = nblocks - end;
            Ok(())
        })();
        locks.release(owner, self.tag, LockMode::AccessExclusive);
        r
    }
}

/// Tells the activity counters what a VACUUM found: live and
/// not-yet-removable dead tuples, and that (auto)vacuum ran.
pub fn report_to_stats(engine: &Engine, table: &TableInfo, r: &VacuumReport, auto: bool) {
    engine.txns.stats().report_vacuum(
        table.locator,
        r.new_rel_tuples.round() as i64,
        r.recently_dead as i64,
        auto,
    );
}

/// The pg_class row of `table`: its TID and values.
fn class_row(engine: &Engine, table: &TableInfo) -> Result<Option<(ItemPointer, Vec<Datum>)>> {
    let snap = engine.txns.snapshot();
    let mut found = None;
    engine.catalog.scan_table(&PG_CLASS, &snap, |tid, row| {
        if matches!(row[0], Datum::Oid(o) if o == table.oid.0) {
            found = Some((tid, row.to_vec()));
            return Ok(false);
        }
        Ok(true)
    })?;
    Ok(found)
}

/// `pg_class.relpages` and `reltuples` of `table` (reltuples -1: never
/// vacuumed or analyzed).
pub fn read_rel_stats(engine: &Engine, table: &TableInfo) -> Result<(u32, f64)> {
    let Some((_, row)) = class_row(engine, table)? else {
        return Ok((0, -1.0));
    };
    let pages = match row[PG_CLASS.col("relpages")] {
        Datum::Int4(n) => n.max(0) as u32,
        _ => 0,
    };
    let tuples = match row[PG_CLASS.col("reltuples")] {
        Datum::Float4(t) => f64::from(t),
        _ => -1.0,
    };
    Ok((pages, tuples))
}

/// Writes `relpages`, `reltuples` and (if given) `relallvisible` of `table`
/// in place (non-transactionally, as PostgreSQL's `vac_update_relstats`).
pub fn write_rel_stats(
    engine: &Engine,
    table: &TableInfo,
    pages: u32,
    tuples: f64,
    all_visible: Option<u32>,
) -> Result<()> {
    let Some((tid, mut row)) = class_row(engine, table)? else {
        return Ok(());
    };
    row[PG_CLASS.col("relpages")] = Datum::Int4(i32::try_from(pages).unwrap_or(i32::MAX));
    row[PG_CLASS.col("reltuples")] = Datum::Float4(tuples as f32);
    if let Some(av) = all_visible {
        row[PG_CLASS.col("relallvisible")] = Datum::Int4(i32::try_from(av).unwrap_or(i32::MAX));
    }
    let mut buf = Vec::new();
    form_tuple(&PG_CLASS.desc(), &row, &mut buf)?;
    let hoff = storage::heap::htup::HeapTupleHeader(&buf).hoff();
    let rel = RelFileLocator {
        db_oid: engine.catalog.database(),
        rel_number: PG_CLASS.oid,
    };
    prune::inplace_update(&engine.heap, rel, tid, &buf[hoff.min(buf.len())..])
}
