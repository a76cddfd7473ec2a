//! ANALYZE of one table (PostgreSQL's `analyze.c`), reduced for now to
//! what the planner and autovacuum need first: the live row count.
//!
//! ```text
//!  scan the whole table under a fresh registered snapshot
//!  count rows it sees; count versions it does not see (dead or in flight)
//!  pg_class.relpages / reltuples updated in place (relallvisible kept)
//! ```
//!
//! ANALYZE takes ShareUpdateExclusive like VACUUM would, but only for the
//! scan; it changes no heap page, so it writes no WAL beyond the in-place
//! pg_class update.
//!
//! # Not done (yet)
//!
//! Sampling (the scan reads every page) and per-column statistics
//! (`null_frac`, `n_distinct`, most common values, histogram bounds into a
//! `pg_statistic`-like table): issue #6, left for the planner work.

use storage::Result;
use storage::catalog::TableInfo;
use storage::engine::Engine;

/// What ANALYZE counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnalyzeCounts {
    /// Pages in the table.
    pub pages: u32,
    /// Rows visible to the snapshot.
    pub live: u64,
}

/// ANALYZE of `table`: counts its rows and stores `reltuples` / `relpages`.
pub fn analyze_table(engine: &Engine, table: &TableInfo) -> Result<AnalyzeCounts> {
    let snap = engine.txns.snapshot_registered();
    let pages = engine.heap.nblocks(table.locator)?.0;
    let mut scan = engine.heap.scan(table.locator, snap.snapshot().clone())?;
    let mut live = 0u64;
    while scan.next_tuple()?.is_some() {
        live += 1;
    }
    drop(scan);
    drop(snap);
    crate::lazy::write_rel_stats(engine, table, pages, live as f64, None)?;
    Ok(AnalyzeCounts { pages, live })
}
