//! ANALYZE of one table (PostgreSQL's `analyze.c`): a random sample of
//! its rows, per-column statistics into `pg_statistic`, and the row and
//! page counts into `pg_class`.
//!
//! ```text
//!  under a fresh registered snapshot:
//!   1. pick up to `300 × target` blocks at random (selection sampling,
//!      every block equally likely, read in block order)
//!   2. reservoir-sample up to `300 × target` of the visible rows of those
//!      blocks; rows seen / blocks read × all blocks estimates reltuples
//!   3. put the sample back in physical (TID) order
//!  then, per analyzed column:  column_stats::compute
//!  then, in a transaction of its own:
//!      pg_statistic rows of the analyzed columns replaced
//!  and pg_class.relpages / reltuples updated in place (relallvisible kept)
//! ```
//!
//! 300 × target rows is the sample size for which PostgreSQL's histogram
//! bounds are within a few percent of the true quantiles (Chaudhuri,
//! Motwani and Narasayya, 1998); small tables are read whole, so their
//! statistics are exact.
//!
//! The pg_statistic rows are MVCC rows written by a transaction of the
//! analyzing session (or of autovacuum): readers see the old statistics or
//! the new ones, never a mix, and a failure leaves the old ones.
//!
//! # Not done (yet)
//!
//! ANALYZE takes no table lock (PostgreSQL's ShareUpdateExclusive), and
//! dead rows are not counted for `pg_stat_user_tables`.

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;

use storage::Result;
use storage::catalog::TableInfo;
use storage::catalog::statistic::ColumnStats;
use storage::datum::Datum;
use storage::engine::Engine;
use storage::heap::heapam::Writer;
use storage::heap::tuple::deform_tuple;
use storage::txn::xact::TransactionState;
use storage::txn::{LockWait, OwnerId, Snapshot};
use storage::types::{BlockNumber, ItemPointer};

use crate::column_stats::{ColumnSample, compute};

/// `default_statistics_target`'s default.
pub const DEFAULT_STATISTICS_TARGET: usize = 100;

/// What to analyze and how.
#[derive(Clone, Debug)]
pub struct AnalyzeOptions {
    /// `default_statistics_target` (1..=10000).
    pub target: usize,
    /// 0-based columns to analyze; `None`: all of them.
    pub columns: Option<Vec<usize>>,
    /// The session (or autovacuum) writing the statistics.
    pub owner: OwnerId,
    /// The snapshot to sample with when ANALYZE runs inside a transaction
    /// block: it sees the block's own writes, as PostgreSQL's ANALYZE
    /// counts rows its own transaction inserted. `None`: a fresh one.
    pub snapshot: Option<Snapshot>,
}

/// What ANALYZE counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnalyzeCounts {
    /// Pages in the table.
    pub pages: u32,
    /// Pages read for the sample.
    pub pages_scanned: u32,
    /// Visible rows in the pages read.
    pub live_scanned: u64,
    /// Rows in the sample.
    pub sample_rows: usize,
    /// Estimated rows in the table (`reltuples`).
    pub live: u64,
}

/// A random sample of a table's rows in TID order.
struct Sample {
    rows: Vec<(ItemPointer, Vec<Datum>)>,
    counts: AnalyzeCounts,
}

/// ANALYZE of `table`: samples it, stores the statistics of the chosen
/// columns and `reltuples` / `relpages`.
pub fn analyze_table(
    engine: &Engine,
    table: &TableInfo,
    opts: &AnalyzeOptions,
) -> Result<AnalyzeCounts> {
    let target_rows = 300 * opts.target.clamp(1, 10_000);
    let mut rng = StdRng::from_entropy();
    let sample = match &opts.snapshot {
        Some(snapshot) => acquire_sample(engine, table, snapshot, target_rows, &mut rng)?,
        None => {
            let registered = engine.txns.snapshot_registered();
            acquire_sample(engine, table, registered.snapshot(), target_rows, &mut rng)?
        }
    };
    let total = sample.counts.live as f64;
    let columns: Vec<usize> = match &opts.columns {
        Some(c) => c.clone(),
        None => (0..table.columns.len()).collect(),
    };
    let stats: Vec<ColumnStats> = columns
        .iter()
        .map(|&c| column_statistics(table, &sample, c, total, opts.target))
        .collect();
    store_statistics(engine, table, &stats, opts.owner)?;
    crate::lazy::write_rel_stats(engine, table, sample.counts.pages, total, None)?;
    Ok(sample.counts)
}

fn column_statistics(
    table: &TableInfo,
    sample: &Sample,
    col: usize,
    total_rows: f64,
    target: usize,
) -> ColumnStats {
    let values: Vec<Datum> = sample
        .rows
        .iter()
        .map(|(_, row)| row.get(col).cloned().unwrap_or(Datum::Null))
        .collect();
    compute(&ColumnSample {
        attnum: i16::try_from(col + 1).unwrap_or(i16::MAX),
        typ: table.columns[col].typ,
        values: &values,
        total_rows,
        target,
    })
}

/// Up to `target_rows` rows from up to `target_rows` random blocks.
fn acquire_sample(
    engine: &Engine,
    table: &TableInfo,
    snapshot: &Snapshot,
    target_rows: usize,
    rng: &mut impl Rng,
) -> Result<Sample> {
    let nblocks = engine.heap.nblocks(table.locator)?.0;
    let blocks = sample_blocks(nblocks, target_rows, rng);
    let mut rows: Vec<(ItemPointer, Vec<Datum>)> = Vec::new();
    let mut seen = 0u64;
    for &block in &blocks {
        let mut scan = engine.heap.scan(table.locator, snapshot.clone())?;
        scan.read_only_block(BlockNumber(block))?;
        while let Some((tid, tuple)) = scan.next_tuple()? {
            seen += 1;
            let slot = reservoir_slot(seen, target_rows, rng);
            if let Some(i) = slot {
                let mut row = Vec::new();
                deform_tuple(&table.desc, tuple, &mut row)?;
                if i == rows.len() {
                    rows.push((tid, row));
                } else {
                    rows[i] = (tid, row);
                }
            }
        }
    }
    rows.sort_by_key(|(tid, _)| *tid);
    let scanned = blocks.len() as u32;
    let live = if scanned == 0 {
        0
    } else {
        (seen as f64 * f64::from(nblocks) / f64::from(scanned)).round() as u64
    };
    Ok(Sample {
        counts: AnalyzeCounts {
            pages: nblocks,
            pages_scanned: scanned,
            live_scanned: seen,
            sample_rows: rows.len(),
            live,
        },
        rows,
    })
}

/// `k` of the blocks `0..n` (all if `n <= k`), ascending, each subset
/// equally likely (Knuth's selection sampling, algorithm S).
fn sample_blocks(n: u32, k: usize, rng: &mut impl Rng) -> Vec<u32> {
    let mut out = Vec::with_capacity(k.min(n as usize));
    for b in 0..n {
        let needed = k - out.len();
        let left = (n - b) as usize;
        if needed == 0 {
            break;
        }
        if rng.gen_range(0..left) < needed {
            out.push(b);
        }
    }
    out
}

/// Where the `seen`-th row goes in a reservoir of `size` rows (algorithm
/// R): appended while the reservoir fills, then replacing a random row
/// with probability `size / seen`.
fn reservoir_slot(seen: u64, size: usize, rng: &mut impl Rng) -> Option<usize> {
    let filled = seen - 1;
    if filled < size as u64 {
        return Some(filled as usize);
    }
    let j = rng.gen_range(0..seen);
    (j < size as u64).then_some(j as usize)
}

/// Replaces the table's `pg_statistic` rows for `stats` in a transaction
/// of its own.
fn store_statistics(
    engine: &Engine,
    table: &TableInfo,
    stats: &[ColumnStats],
    owner: OwnerId,
) -> Result<()> {
    let mut txn = TransactionState::new(owner);
    txn.begin()?;
    let written = write_in(engine, table, stats, &mut txn);
    match written {
        Ok(()) => {
            engine.catalog.invalidate();
            let done = txn.commit(&engine.txns);
            engine.catalog.invalidate();
            done
        }
        Err(e) => {
            txn.abort(&engine.txns)?;
            Err(e)
        }
    }
}

fn write_in(
    engine: &Engine,
    table: &TableInfo,
    stats: &[ColumnStats],
    txn: &mut TransactionState,
) -> Result<()> {
    let xid = txn.assign_xid(&engine.txns)?;
    let wait = LockWait::default();
    let w = Writer {
        xid,
        cid: txn.curcid(),
        own: txn.own_xids(),
        owner: txn.owner(),
        wait: &wait,
    };
    let snap = txn.snapshot(&engine.txns);
    let types: Vec<_> = table.columns.iter().map(|c| c.typ).collect();
    engine
        .catalog
        .replace_statistics(table.oid, &types, stats, &snap, &w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sample_is_ascending_and_sized() {
        let mut rng = StdRng::seed_from_u64(7);
        let b = sample_blocks(1000, 30, &mut rng);
        assert_eq!(b.len(), 30);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample_blocks(10, 30, &mut rng), (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn reservoir_fills_then_replaces() {
        let mut rng = StdRng::seed_from_u64(7);
        assert_eq!(reservoir_slot(1, 3, &mut rng), Some(0));
        assert_eq!(reservoir_slot(3, 3, &mut rng), Some(2));
        let kept = (4..10_004)
            .filter(|&s| reservoir_slot(s, 3, &mut rng).is_some())
            .count();
        // Σ 3/s for s in 4..10004 ≈ 3 ln(2501) ≈ 23.5
        assert!((5..60).contains(&kept), "{kept}");
    }
}
