//! VACUUM, ANALYZE and the autovacuum launcher (issue #6; DESIGN.md,
//! "Vacuum").
//!
//! This crate decides *what* to clean and *when*; the page-level work —
//! pruning a page, making LP_DEAD line pointers unused, the visibility map,
//! the HEAP2 WAL records and their redo — lives in `storage`
//! (`storage::heap::prune`, `storage::heap::visibilitymap`), because redo
//! must run without this crate.
//!
//! | module          | PostgreSQL        | owns                                               |
//! |-----------------|-------------------|----------------------------------------------------|
//! | [`lazy`]        | `vacuumlazy.c`    | VACUUM of one table: passes, index hook, truncation, relstats |
//! | [`cost`]        | `vacuum.c` delay  | cost-based throttling                              |
//! | [`analyze`]     | `analyze.c`       | ANALYZE: the row sample, pg_statistic, reltuples    |
//! | [`column_stats`]| `compute_scalar_stats` | one column's statistics from the sample     |
//! | [`autovacuum`]  | `autovacuum.c`    | the launcher: which tables, when, with what limits |
//!
//! # Rules
//!
//! 1. Nothing visible to any snapshot is removed: the horizon is the oldest
//!    xmin of every running transaction and registered snapshot, taken once
//!    at the start of each table's vacuum.
//! 2. VACUUM never runs inside a transaction block and holds no snapshot
//!    while it works (it would hold its own horizon back).
//! 3. VACUUM takes ShareUpdateExclusive on the table (DML goes on
//!    alongside); truncation wants AccessExclusive and only *tries* for it.
//! 4. Autovacuum never blocks DDL for long: it takes its table lock with
//!    NOWAIT and stops between pages when someone waits for the table.
//! 5. Index cleanup is a hook ([`lazy::IndexCleanup`]) supplied by the
//!    caller, called before dead line pointers are made reusable.
//! 6. A running vacuum reports its phase and counts into
//!    `engine.progress` (`pg_stat_progress_vacuum`), never holding that
//!    lock across I/O.
//!
//! # Not done (yet)
//!
//! VACUUM FULL (answers 0A000), FREEZE (xids are 64-bit: nothing to
//! freeze), parallel index vacuuming, vacuuming
//! system catalogs (a database-wide VACUUM covers user tables only).

#![deny(unsafe_code)]

pub mod analyze;
pub mod autovacuum;
pub mod column_stats;
pub mod cost;
pub mod lazy;

pub use lazy::{IndexCleanup, VacuumOptions, VacuumReport, vacuum_table};

/// The index hooks of `table`: one [`IndexCleanup`] per B-tree index,
/// whose bulk delete removes the entries whose heap TID vacuum calls dead.
/// Every vacuum of a table with indexes must pass them: without hooks,
/// VACUUM makes dead line pointers reusable at once.
pub fn btree_cleanups<'a>(
    engine: &'a storage::engine::Engine,
    table: &'a storage::catalog::TableInfo,
) -> Vec<IndexCleanup<'a>> {
    table
        .indexes
        .iter()
        .map(|index| IndexCleanup {
            name: index.name.clone(),
            bulk_delete: Box::new(move |is_dead| {
                let stats = engine
                    .btree
                    .bulk_delete(index.locator, &mut |tid| is_dead(tid))?;
                Ok(stats.tuples_removed)
            }),
        })
        .collect()
}
