//! Command progress reporting (PostgreSQL's `backend_progress.c`), read
//! by `pg_stat_progress_vacuum`.
//!
//! # Rules
//!
//! 1. A running VACUUM (manual or automatic) registers an entry when it
//!    starts ([`ProgressRegistry::start_vacuum`]); the entry disappears
//!    when the returned handle is dropped, on success and error alike.
//! 2. The vacuum updates its entry as it goes (once per page): a short
//!    critical section under one mutex, never held across I/O or a sleep.
//! 3. Readers copy every entry under the same mutex
//!    ([`ProgressRegistry::vacuums`]), so each row they see is consistent
//!    (PostgreSQL's `st_changecount` protocol gives the same guarantee).
//!
//! ```text
//!  code  phase                     when
//!  0     initializing              before the first heap page
//!  1     scanning heap             pass 1: heap_blks_scanned counts up
//!  2     vacuuming indexes         an index pass (index_vacuum_count counts them)
//!  3     vacuuming heap            pass 2: heap_blks_vacuumed counts up
//!  4     cleaning up indexes       (never: heapgres's index hooks have no
//!                                  per-index cleanup call after the last pass)
//!  5     truncating heap           cutting empty pages at the end
//!  6     performing final cleanup  pg_class statistics
//! ```
//!
//! The codes are PostgreSQL's `PROGRESS_VACUUM_PHASE_*`; the view turns
//! them into names, as PostgreSQL's `system_views.sql` does.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::types::Oid;

/// The phases of a VACUUM (module doc, the table of codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VacuumPhase {
    /// Starting.
    Initializing,
    /// Pass 1 over the heap.
    ScanningHeap,
    /// Removing the index entries of dead tuples.
    VacuumingIndexes,
    /// Pass 2: dead line pointers made unused.
    VacuumingHeap,
    /// Truncating empty pages at the end.
    TruncatingHeap,
    /// Updating the relation's statistics.
    FinalCleanup,
}

impl VacuumPhase {
    /// PostgreSQL's `PROGRESS_VACUUM_PHASE_*` code.
    pub fn code(self) -> i64 {
        match self {
            VacuumPhase::Initializing => 0,
            VacuumPhase::ScanningHeap => 1,
            VacuumPhase::VacuumingIndexes => 2,
            VacuumPhase::VacuumingHeap => 3,
            VacuumPhase::TruncatingHeap => 5,
            VacuumPhase::FinalCleanup => 6,
        }
    }
}

/// One running VACUUM (a row of `pg_stat_progress_vacuum`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VacuumProgress {
    /// The process id of the session running it (autovacuum: its own
    /// pid-like id).
    pub pid: i32,
    /// The database's OID.
    pub datid: Oid,
    /// The table's OID.
    pub relid: Oid,
    /// What it is doing.
    pub phase: VacuumPhase,
    /// Pages of the table when it started.
    pub heap_blks_total: u64,
    /// Pages pass 1 has got through (skipped all-visible pages included).
    pub heap_blks_scanned: u64,
    /// Pages pass 2 has got through.
    pub heap_blks_vacuumed: u64,
    /// Index passes completed.
    pub index_vacuum_count: u64,
    /// Most dead TIDs held before an index pass.
    pub max_dead_tuples: u64,
    /// Dead TIDs held now.
    pub num_dead_tuples: u64,
}

impl VacuumProgress {
    /// The entry as PostgreSQL's `pg_stat_get_progress_info` returns it:
    /// pid, datid, relid, then `param1` .. `param20` (the unused ones 0).
    pub fn params(&self) -> [i64; 23] {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let mut out = [0i64; 23];
        out[0] = i64::from(self.pid);
        out[1] = i64::from(self.datid.0);
        out[2] = i64::from(self.relid.0);
        out[3] = self.phase.code();
        out[4] = n(self.heap_blks_total);
        out[5] = n(self.heap_blks_scanned);
        out[6] = n(self.heap_blks_vacuumed);
        out[7] = n(self.index_vacuum_count);
        out[8] = n(self.max_dead_tuples);
        out[9] = n(self.num_dead_tuples);
        out
    }
}

/// Every running command's progress.
#[derive(Default)]
pub struct ProgressRegistry {
    /// The next entry's key: entries are listed in the order they started.
    next: AtomicU64,
    /// The running VACUUMs, by key.
    vacuums: Mutex<BTreeMap<u64, VacuumProgress>>,
}

impl ProgressRegistry {
    /// Registers a VACUUM of table `relid` of database `datid` by `pid`;
    /// the entry lives as long as the handle.
    pub fn start_vacuum(&self, pid: i32, datid: Oid, relid: Oid) -> VacuumProgressHandle<'_> {
        let slot = self.next.fetch_add(1, Ordering::Relaxed);
        self.vacuums.lock().insert(
            slot,
            VacuumProgress {
                pid,
                datid,
                relid,
                phase: VacuumPhase::Initializing,
                heap_blks_total: 0,
                heap_blks_scanned: 0,
                heap_blks_vacuumed: 0,
                index_vacuum_count: 0,
                max_dead_tuples: 0,
                num_dead_tuples: 0,
            },
        );
        VacuumProgressHandle {
            registry: self,
            slot,
        }
    }

    /// A copy of every running VACUUM's progress, oldest first.
    pub fn vacuums(&self) -> Vec<VacuumProgress> {
        self.vacuums.lock().values().cloned().collect()
    }
}

/// A registered VACUUM's entry; dropping it removes the entry.
pub struct VacuumProgressHandle<'a> {
    registry: &'a ProgressRegistry,
    slot: u64,
}

impl VacuumProgressHandle<'_> {
    /// Changes the entry (rule 2: `f` must not do I/O).
    pub fn update(&self, f: impl FnOnce(&mut VacuumProgress)) {
        if let Some(p) = self.registry.vacuums.lock().get_mut(&self.slot) {
            f(p);
        }
    }

    /// Moves to `phase`.
    pub fn phase(&self, phase: VacuumPhase) {
        self.update(|p| p.phase = phase);
    }
}

impl Drop for VacuumProgressHandle<'_> {
    fn drop(&mut self) {
        self.registry.vacuums.lock().remove(&self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lives_as_long_as_its_handle() {
        let r = ProgressRegistry::default();
        {
            let h = r.start_vacuum(7, Oid(5), Oid(16384));
            h.update(|p| p.heap_blks_total = 10);
            h.phase(VacuumPhase::ScanningHeap);
            let v = r.vacuums();
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].phase, VacuumPhase::ScanningHeap);
            assert_eq!(v[0].params()[..5], [7, 5, 16384, 1, 10]);
        }
        assert!(r.vacuums().is_empty());
    }
}
