//! The autovacuum launcher (PostgreSQL's `autovacuum.c`, launcher and one
//! worker folded into one thread).
//!
//! ```text
//!  every autovacuum_naptime:
//!    for each user table (pg_class, relkind 'r'):
//!      skip it if its reloptions say autovacuum_enabled = false
//!      (its autovacuum_* reloptions override the GUCs below)
//!      reltuples  = pg_class.reltuples (0 if never vacuumed/analyzed)
//!      vacuum  if n_dead_tup         > vacuum_threshold  + vacuum_scale_factor  * reltuples
//!             or n_ins_since_vacuum  > insert_threshold  + insert_scale_factor  * reltuples
//!      analyze if n_mod_since_analyze > analyze_threshold + analyze_scale_factor * reltuples
//!      vacuum: lock NOWAIT (skip the table if anyone holds a conflicting lock),
//!              throttled by the cost limit/delay, stopping between pages when
//!              a lock request on the table waits (it yields to DDL)
//!      log the run if it took at least log_autovacuum_min_duration
//! ```
//!
//! Counters come from [`storage::pgstat`]; they are settled at commit, so
//! a long transaction's changes trigger nothing until it ends.
//!
//! # Failure modes
//!
//! An error vacuuming one table is logged and the launcher goes on with the
//! next; it never stops the server. The thread ends when the engine is
//! dropped (it holds only a weak reference between rounds).
//!
//! # Not done (yet)
//!
//! Several workers (`autovacuum_max_workers`), the per-table insert
//! thresholds and cost settings, wraparound vacuums (xids are 64-bit).

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use storage::catalog::TableInfo;
use storage::catalog::defs::PG_CLASS;
use storage::catalog::reloptions::RelOptions;
use storage::datum::Datum;
use storage::engine::Engine;
use storage::txn::{LockWait, OwnerId};
use storage::types::Oid;

use crate::cost::CostParams;
use crate::lazy::{VacuumOptions, read_rel_stats, vacuum_table};

/// The lock-manager identity of the autovacuum launcher (sessions count up
/// from 1).
pub const AUTOVACUUM_OWNER: OwnerId = OwnerId(u64::MAX);

/// The pid `pg_stat_progress_vacuum` shows for autovacuum's work. Sessions
/// get pids from 10 000 up (`server::protocol`), so this one is never a
/// session's; and the server's own OS pid could be.
pub const AUTOVACUUM_PID: i32 = 9_999;

/// The launcher's settings (the `autovacuum_*` GUCs).
#[derive(Clone, Debug)]
pub struct AutovacuumConfig {
    /// `autovacuum_naptime`.
    pub naptime: Duration,
    /// `autovacuum_vacuum_threshold`.
    pub vacuum_threshold: f64,
    /// `autovacuum_vacuum_scale_factor`.
    pub vacuum_scale_factor: f64,
    /// `autovacuum_vacuum_insert_threshold`; `None` (-1) disables insert
    /// vacuums.
    pub insert_threshold: Option<f64>,
    /// `autovacuum_vacuum_insert_scale_factor`.
    pub insert_scale_factor: f64,
    /// `autovacuum_analyze_threshold`.
    pub analyze_threshold: f64,
    /// `autovacuum_analyze_scale_factor`.
    pub analyze_scale_factor: f64,
    /// `autovacuum_vacuum_cost_delay` / `_limit` (resolved against
    /// `vacuum_cost_*` when -1) and the page costs.
    pub cost: CostParams,
    /// `log_autovacuum_min_duration`; `None` (-1) logs nothing.
    pub log_min_duration: Option<Duration>,
    /// `default_statistics_target`, for its analyzes.
    pub statistics_target: usize,
}

impl Default for AutovacuumConfig {
    /// PostgreSQL 15's defaults.
    fn default() -> Self {
        AutovacuumConfig {
            naptime: Duration::from_secs(60),
            vacuum_threshold: 50.0,
            vacuum_scale_factor: 0.2,
            insert_threshold: Some(1000.0),
            insert_scale_factor: 0.2,
            analyze_threshold: 50.0,
            analyze_scale_factor: 0.1,
            cost: CostParams {
                delay: Duration::from_millis(2),
                ..CostParams::default()
            },
            log_min_duration: Some(Duration::from_secs(600)),
            statistics_target: crate::analyze::DEFAULT_STATISTICS_TARGET,
        }
    }
}

/// What a table needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needs {
    /// VACUUM.
    pub vacuum: bool,
    /// ANALYZE.
    pub analyze: bool,
}

/// `cfg` with the table's storage parameters (`pg_class.reloptions`)
/// applied; `None` if they disable autovacuum for it.
pub fn table_config(cfg: &AutovacuumConfig, opts: &RelOptions) -> Option<AutovacuumConfig> {
    if opts.autovacuum_enabled == Some(false) {
        return None;
    }
    let mut c = cfg.clone();
    if let Some(t) = opts.vacuum_threshold {
        c.vacuum_threshold = t as f64;
    }
    if let Some(f) = opts.vacuum_scale_factor {
        c.vacuum_scale_factor = f;
    }
    if let Some(t) = opts.analyze_threshold {
        c.analyze_threshold = t as f64;
    }
    if let Some(f) = opts.analyze_scale_factor {
        c.analyze_scale_factor = f;
    }
    Some(c)
}

/// The thresholds of the module doc for a table with `reltuples` rows.
pub fn needs(cfg: &AutovacuumConfig, s: &storage::pgstat::TableStats, reltuples: f64) -> Needs {
    let rt = reltuples.max(0.0);
    let dead_limit = cfg.vacuum_threshold + cfg.vacuum_scale_factor * rt;
    let ins = cfg
        .insert_threshold
        .is_some_and(|t| s.n_ins_since_vacuum as f64 > t + cfg.insert_scale_factor * rt);
    Needs {
        vacuum: s.n_dead_tup as f64 > dead_limit || ins,
        analyze: s.n_mod_since_analyze as f64
            > cfg.analyze_threshold + cfg.analyze_scale_factor * rt,
    }
}

/// Starts the launcher thread. It ends once `engine` is dropped.
pub fn start(engine: &Arc<Engine>, cfg: AutovacuumConfig) {
    let weak = Arc::downgrade(engine);
    let spawned = std::thread::Builder::new()
        .name("autovacuum launcher".into())
        .spawn(move || launcher(weak, cfg));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the autovacuum launcher");
    }
}

fn launcher(weak: Weak<Engine>, cfg: AutovacuumConfig) {
    tracing::info!(naptime = ?cfg.naptime, "autovacuum launcher started");
    let tick = Duration::from_millis(100).min(cfg.naptime);
    loop {
        let mut slept = Duration::ZERO;
        while slept < cfg.naptime {
            std::thread::sleep(tick);
            slept += tick;
            if weak.strong_count() == 0 {
                return;
            }
        }
        let Some(engine) = weak.upgrade() else {
            return;
        };
        if let Err(e) = one_round(&engine, &cfg) {
            tracing::warn!(error = %e, "autovacuum round failed");
        }
    }
}

/// The user tables: every relkind 'r' row of pg_class at or above the first
/// normal OID.
pub fn user_tables(engine: &Engine) -> storage::Result<Vec<Arc<TableInfo>>> {
    let snap = engine.txns.snapshot();
    let kind = PG_CLASS.col("relkind");
    let mut oids = Vec::new();
    engine.catalog.scan_table(&PG_CLASS, &snap, |_, row| {
        if let Datum::Oid(o) = row[0]
            && o >= Oid::FIRST_NORMAL.0
            && matches!(&row[kind], Datum::Text(k) if k == "r")
        {
            oids.push(Oid(o));
        }
        Ok(true)
    })?;
    let mut out = Vec::new();
    for o in oids {
        if let Some(t) = engine.catalog.table_by_oid(o, &snap)? {
            out.push(t);
        }
    }
    Ok(out)
}

/// One pass over every table (public for tests and a future
/// `pg_stat_progress`-style trigger).
pub fn one_round(engine: &Engine, cfg: &AutovacuumConfig) -> storage::Result<()> {
    for t in user_tables(engine)? {
        let Some(table_cfg) = table_config(cfg, &RelOptions::parse(&t.reloptions)) else {
            continue;
        };
        let cfg = &table_cfg;
        let stats = engine.txns.stats().table(t.locator);
        let (_, reltuples) = read_rel_stats(engine, &t)?;
        let need = needs(cfg, &stats, reltuples);
        if need.vacuum
            && let Err(e) = auto_vacuum(engine, cfg, &t)
        {
            tracing::warn!(table = %t.name, error = %e, "automatic vacuum failed");
        }
        if need.analyze {
            let started = Instant::now();
            let opts = crate::analyze::AnalyzeOptions {
                target: cfg.statistics_target,
                columns: None,
                owner: AUTOVACUUM_OWNER,
                snapshot: None,
            };
            match crate::analyze::analyze_table(engine, &t, &opts) {
                Ok(n) => {
                    engine
                        .txns
                        .stats()
                        .report_analyze(t.locator, n.live as i64, true);
                    if cfg.log_min_duration.is_some_and(|d| started.elapsed() >= d) {
                        tracing::info!(
                            "automatic analyze of table \"postgres.{}.{}\": {} rows, elapsed {:.2} s",
                            t.schema,
                            t.name,
                            n.live,
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
                Err(e) => tracing::warn!(table = %t.name, error = %e, "automatic analyze failed"),
            }
        }
    }
    Ok(())
}

fn auto_vacuum(engine: &Engine, cfg: &AutovacuumConfig, t: &TableInfo) -> storage::Result<()> {
    let opts = VacuumOptions {
        cost: cfg.cost,
        yield_to_waiters: true,
        wait: LockWait::nowait(),
        pid: AUTOVACUUM_PID,
        ..Default::default()
    };
    let mut hooks = crate::btree_cleanups(engine, t);
    let report = match vacuum_table(engine, t, AUTOVACUUM_OWNER, &opts, &mut hooks) {
        Ok(r) => r,
        // Someone holds a conflicting lock: try again next round.
        Err(storage::StorageError::LockNotAvailable(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    crate::lazy::report_to_stats(engine, t, &report, true);
    if cfg.log_min_duration.is_some_and(|d| report.elapsed >= d) {
        let [_, done] = report.verbose_messages(&format!("postgres.{}.{}", t.schema, t.name));
        tracing::info!(
            "{}",
            done.replacen("finished vacuuming", "automatic vacuum of table", 1)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::pgstat::TableStats;

    #[test]
    fn thresholds_follow_the_formulas() {
        let cfg = AutovacuumConfig::default();
        let mut s = TableStats {
            n_dead_tup: 250,
            ..Default::default()
        };
        // 50 + 0.2 * 1000 = 250: not over.
        assert!(!needs(&cfg, &s, 1000.0).vacuum);
        s.n_dead_tup = 251;
        assert!(needs(&cfg, &s, 1000.0).vacuum);
        s.n_dead_tup = 0;
        s.n_ins_since_vacuum = 1201;
        assert!(needs(&cfg, &s, 1000.0).vacuum);
        s.n_mod_since_analyze = 151;
        assert!(needs(&cfg, &s, 1000.0).analyze);
        // Never vacuumed: reltuples -1 counts as 0.
        s.n_mod_since_analyze = 51;
        assert!(needs(&cfg, &s, -1.0).analyze);
        let off = AutovacuumConfig {
            insert_threshold: None,
            ..Default::default()
        };
        s.n_ins_since_vacuum = u64::MAX / 2;
        assert!(!needs(&off, &s, 0.0).vacuum);
    }

    #[test]
    fn reloptions_override_or_disable() {
        let cfg = AutovacuumConfig::default();
        let stored = ["autovacuum_vacuum_threshold=5".to_string()];
        let c = table_config(&cfg, &RelOptions::parse(&stored)).expect("enabled");
        let s = TableStats {
            n_dead_tup: 6,
            ..Default::default()
        };
        assert!(needs(&c, &s, 0.0).vacuum);
        assert!(!needs(&cfg, &s, 0.0).vacuum);
        let off = ["autovacuum_enabled=off".to_string()];
        assert!(table_config(&cfg, &RelOptions::parse(&off)).is_none());
    }
}
