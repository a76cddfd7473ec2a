//! The statistics access functions behind `pg_stat_all_tables` and
//! `pg_stat_user_tables` (PostgreSQL's `pgstatfuncs.c`): one function per
//! counter, taking a table's OID, as PostgreSQL defines the views.
//!
//! | function                               | returns     | from                              |
//! |----------------------------------------|-------------|-----------------------------------|
//! | `pg_stat_get_tuples_inserted(oid)`     | bigint      | `n_tup_ins` (committed and aborted) |
//! | `pg_stat_get_tuples_updated(oid)`      | bigint      | `n_tup_upd`                       |
//! | `pg_stat_get_tuples_deleted(oid)`      | bigint      | `n_tup_del`                       |
//! | `pg_stat_get_live_tuples(oid)`         | bigint      | `n_live_tup`                      |
//! | `pg_stat_get_dead_tuples(oid)`         | bigint      | `n_dead_tup`                      |
//! | `pg_stat_get_mod_since_analyze(oid)`   | bigint      | `n_mod_since_analyze`             |
//! | `pg_stat_get_ins_since_vacuum(oid)`    | bigint      | `n_ins_since_vacuum`              |
//! | `pg_stat_get_last_vacuum_time(oid)` and the autovacuum, analyze, autoanalyze ones | timestamptz | NULL until the first one |
//! | `pg_stat_get_vacuum_count(oid)` and the autovacuum, analyze, autoanalyze ones | bigint | how many |
//! | `pg_stat_get_numscans(oid)`, `pg_stat_get_tuples_returned`, `pg_stat_get_tuples_fetched`, `pg_stat_get_tuples_hot_updated` | bigint | 0: not counted yet |
//!
//! The counters live in [`storage::pgstat`], keyed by relation file; an
//! OID that names no table (or a relation without counters) gives 0, as
//! PostgreSQL answers for a relation it has no entry for.

use storage::datum::{Datum, TypeOid};
use storage::engine::Engine;
use storage::pgstat::TableStats;
use storage::txn::Snapshot;
use storage::types::Oid;

use crate::error::SqlResult;

/// One counter of [`TableStats`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatField {
    /// Counters heapgres does not keep (scans, HOT updates): 0.
    Untracked,
    /// `n_tup_ins`
    Inserted,
    /// `n_tup_upd`
    Updated,
    /// `n_tup_del`
    Deleted,
    /// `n_live_tup`
    Live,
    /// `n_dead_tup`
    Dead,
    /// `n_mod_since_analyze`
    ModSinceAnalyze,
    /// `n_ins_since_vacuum`
    InsSinceVacuum,
    /// `last_vacuum`
    LastVacuum,
    /// `last_autovacuum`
    LastAutovacuum,
    /// `last_analyze`
    LastAnalyze,
    /// `last_autoanalyze`
    LastAutoanalyze,
    /// `vacuum_count`
    VacuumCount,
    /// `autovacuum_count`
    AutovacuumCount,
    /// `analyze_count`
    AnalyzeCount,
    /// `autoanalyze_count`
    AutoanalyzeCount,
}

/// The functions bound here: name and counter.
const FUNCTIONS: &[(&str, StatField)] = &[
    ("pg_stat_get_numscans", StatField::Untracked),
    ("pg_stat_get_tuples_returned", StatField::Untracked),
    ("pg_stat_get_tuples_fetched", StatField::Untracked),
    ("pg_stat_get_tuples_hot_updated", StatField::Untracked),
    ("pg_stat_get_tuples_inserted", StatField::Inserted),
    ("pg_stat_get_tuples_updated", StatField::Updated),
    ("pg_stat_get_tuples_deleted", StatField::Deleted),
    ("pg_stat_get_live_tuples", StatField::Live),
    ("pg_stat_get_dead_tuples", StatField::Dead),
    ("pg_stat_get_mod_since_analyze", StatField::ModSinceAnalyze),
    ("pg_stat_get_ins_since_vacuum", StatField::InsSinceVacuum),
    ("pg_stat_get_last_vacuum_time", StatField::LastVacuum),
    (
        "pg_stat_get_last_autovacuum_time",
        StatField::LastAutovacuum,
    ),
    ("pg_stat_get_last_analyze_time", StatField::LastAnalyze),
    (
        "pg_stat_get_last_autoanalyze_time",
        StatField::LastAutoanalyze,
    ),
    ("pg_stat_get_vacuum_count", StatField::VacuumCount),
    ("pg_stat_get_autovacuum_count", StatField::AutovacuumCount),
    ("pg_stat_get_analyze_count", StatField::AnalyzeCount),
    ("pg_stat_get_autoanalyze_count", StatField::AutoanalyzeCount),
];

/// The counter the function `name` reads, if it is one of these.
pub fn lookup(name: &str) -> Option<StatField> {
    FUNCTIONS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

impl StatField {
    /// The function's result type.
    pub fn result_type(self) -> TypeOid {
        match self {
            StatField::LastVacuum
            | StatField::LastAutovacuum
            | StatField::LastAnalyze
            | StatField::LastAutoanalyze => TypeOid::TIMESTAMPTZ,
            _ => TypeOid::INT8,
        }
    }
}

/// Reads counter `field` of the table with OID `rel`, as the statement's
/// snapshot names tables.
pub fn call(field: StatField, rel: Oid, engine: &Engine, snap: &Snapshot) -> SqlResult<Datum> {
    let stats = match engine.catalog.table_by_oid(rel, snap)? {
        Some(info) => engine.txns.stats().table(info.locator),
        None => TableStats::default(),
    };
    let n = |v: u64| Datum::Int8(i64::try_from(v).unwrap_or(i64::MAX));
    Ok(match field {
        StatField::Untracked => Datum::Int8(0),
        StatField::Inserted => n(stats.n_tup_ins),
        StatField::Updated => n(stats.n_tup_upd),
        StatField::Deleted => n(stats.n_tup_del),
        StatField::Live => Datum::Int8(stats.n_live_tup.max(0)),
        StatField::Dead => Datum::Int8(stats.n_dead_tup.max(0)),
        StatField::ModSinceAnalyze => n(stats.n_mod_since_analyze),
        StatField::InsSinceVacuum => n(stats.n_ins_since_vacuum),
        StatField::LastVacuum => super::walfuncs::time_datum(stats.last_vacuum),
        StatField::LastAutovacuum => super::walfuncs::time_datum(stats.last_autovacuum),
        StatField::LastAnalyze => super::walfuncs::time_datum(stats.last_analyze),
        StatField::LastAutoanalyze => super::walfuncs::time_datum(stats.last_autoanalyze),
        StatField::VacuumCount => n(stats.vacuum_count),
        StatField::AutovacuumCount => n(stats.autovacuum_count),
        StatField::AnalyzeCount => n(stats.analyze_count),
        StatField::AutoanalyzeCount => n(stats.autoanalyze_count),
    })
}
