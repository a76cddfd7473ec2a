//! The cost model that chooses between a sequential scan and an index
//! scan (PostgreSQL's `costsize.c` `cost_seqscan` / `cost_index` and
//! `btcostestimate`, reduced), and the table sizes it starts from.
//!
//! ```text
//!  seq scan   = pages × seq_page_cost + tuples × (cpu_tuple_cost + quals × cpu_operator_cost)
//!  index scan = descent: (⌈log2 tuples⌉ + 50 × (height + 1)) × cpu_operator_cost
//!             + leaf pages read × random_page_cost
//!             + entries read × (cpu_index_tuple_cost + index quals × cpu_operator_cost)
//!             + heap I/O: between the uncorrelated cost (Mackert-Lohman pages
//!               × random_page_cost) and the correlated one (one random page,
//!               then sequential pages), weighted by correlation²
//!             + rows fetched × (cpu_tuple_cost + quals × cpu_operator_cost)
//! ```
//!
//! Sizes follow PostgreSQL's `estimate_rel_size`: the file's current pages
//! times the density `reltuples / relpages` last measured by VACUUM or
//! ANALYZE, or, for a table never measured, the density the row width
//! implies, with at least 10 pages so that a new table is not taken for an
//! empty one. `enable_seqscan = off` / `enable_indexscan = off` add
//! PostgreSQL's `disable_cost` (1e10) instead of forbidding the path.

use storage::catalog::TableInfo;
use storage::catalog::statistic::RelStatistics;
use storage::datum::SqlType;

/// PostgreSQL's `disable_cost`.
const DISABLE_COST: f64 = 1.0e10;
/// `effective_cache_size` in pages (4GB), for Mackert-Lohman.
const EFFECTIVE_CACHE_PAGES: f64 = 524_288.0;
/// Bytes of a page usable for tuples or index entries.
const PAGE_SPACE: f64 = 8192.0 - 24.0;
/// A heap tuple's header plus its line pointer.
const TUPLE_OVERHEAD: f64 = 24.0 + 4.0;
/// A B-tree entry's header, line pointer and alignment.
const INDEX_ENTRY_OVERHEAD: f64 = 8.0 + 4.0 + 4.0;
/// B-tree leaf fill factor.
const INDEX_FILL: f64 = 0.9;

/// The planner's cost settings (PostgreSQL's names and defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostSettings {
    /// `seq_page_cost`
    pub seq_page_cost: f64,
    /// `random_page_cost`
    pub random_page_cost: f64,
    /// `cpu_tuple_cost`
    pub cpu_tuple_cost: f64,
    /// `cpu_index_tuple_cost`
    pub cpu_index_tuple_cost: f64,
    /// `cpu_operator_cost`
    pub cpu_operator_cost: f64,
    /// `enable_seqscan`
    pub enable_seqscan: bool,
    /// `enable_indexscan`
    pub enable_indexscan: bool,
}

impl Default for CostSettings {
    fn default() -> Self {
        CostSettings {
            seq_page_cost: 1.0,
            random_page_cost: 4.0,
            cpu_tuple_cost: 0.01,
            cpu_index_tuple_cost: 0.005,
            cpu_operator_cost: 0.0025,
            enable_seqscan: true,
            enable_indexscan: true,
        }
    }
}

/// The cost settings of a session.
pub fn settings(s: &crate::guc::Settings) -> CostSettings {
    let d = CostSettings::default();
    let real = |name: &str, default: f64| {
        s.get(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(default)
    };
    CostSettings {
        seq_page_cost: real("seq_page_cost", d.seq_page_cost),
        random_page_cost: real("random_page_cost", d.random_page_cost),
        cpu_tuple_cost: real("cpu_tuple_cost", d.cpu_tuple_cost),
        cpu_index_tuple_cost: real("cpu_index_tuple_cost", d.cpu_index_tuple_cost),
        cpu_operator_cost: real("cpu_operator_cost", d.cpu_operator_cost),
        enable_seqscan: s.get_bool("enable_seqscan"),
        enable_indexscan: s.get_bool("enable_indexscan"),
    }
}

/// What the planner asks about tables and settings. The defaults are for
/// contexts with no tables (a column default): default costs, and an empty
/// table never measured.
pub trait PlannerInfo {
    /// The session's cost settings.
    fn costs(&self) -> CostSettings {
        CostSettings::default()
    }

    /// `table`'s statistics and current size.
    fn estimates(&self, _table: &TableInfo) -> TableEstimates {
        TableEstimates {
            stats: RelStatistics {
                reltuples: -1.0,
                ..Default::default()
            },
            current_pages: 0,
        }
    }
}

/// A table's estimated size now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RelSize {
    /// Pages.
    pub pages: f64,
    /// Rows.
    pub tuples: f64,
}

/// What the planner knows of a table: its statistics and its file's
/// current length.
#[derive(Clone, Debug, Default)]
pub struct TableEstimates {
    /// `pg_class` sizes and `pg_statistic` rows.
    pub stats: RelStatistics,
    /// The main fork's current length in pages.
    pub current_pages: u32,
}

impl TableEstimates {
    /// The table's size now (module doc).
    pub fn size(&self, table: &TableInfo) -> RelSize {
        let mut pages = f64::from(self.current_pages);
        if pages < 10.0 && self.stats.reltuples < 0.0 {
            pages = 10.0;
        }
        if pages == 0.0 {
            return RelSize {
                pages: 0.0,
                tuples: 0.0,
            };
        }
        let density = if self.stats.reltuples >= 0.0 && self.stats.relpages > 0 {
            self.stats.reltuples / f64::from(self.stats.relpages)
        } else {
            PAGE_SPACE / (self.row_width(table) as f64 + TUPLE_OVERHEAD)
        };
        RelSize {
            pages,
            tuples: (density * pages).round(),
        }
    }

    /// The average width of a row: analyzed columns' `avg_width`, the
    /// type's estimate for the others.
    pub fn row_width(&self, table: &TableInfo) -> usize {
        table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let analyzed = i16::try_from(i + 1)
                    .ok()
                    .and_then(|n| self.stats.column(n))
                    .map(|s| usize::try_from(s.width).unwrap_or(0));
                analyzed.unwrap_or_else(|| type_width(c.typ))
            })
            .sum()
    }
}

/// The average stored width of a value of type `t`, as PostgreSQL's
/// `get_typavgwidth` guesses it.
pub fn type_width(t: SqlType) -> usize {
    match t.oid.typlen() {
        n if n > 0 => n as usize,
        _ => 32,
    }
}

/// A scan's startup and total cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// Before the first row.
    pub startup: f64,
    /// For all rows.
    pub total: f64,
}

/// A sequential scan evaluating `quals` operators per row.
pub fn seq_scan(c: &CostSettings, size: RelSize, quals: usize) -> Cost {
    let disabled = if c.enable_seqscan { 0.0 } else { DISABLE_COST };
    Cost {
        startup: disabled,
        total: disabled
            + size.pages * c.seq_page_cost
            + size.tuples * (c.cpu_tuple_cost + quals as f64 * c.cpu_operator_cost),
    }
}

/// What [`index_scan`] needs to know about one index path.
#[derive(Clone, Copy, Debug)]
pub struct IndexScanInput {
    /// The table's size.
    pub size: RelSize,
    /// The fraction of the table's rows the index quals select.
    pub index_selectivity: f64,
    /// Entries read: 1 for equality on every column of a unique index,
    /// else `index_selectivity × tuples`.
    pub entries: f64,
    /// Operators in the index quals.
    pub index_quals: usize,
    /// Operators in the whole filter, evaluated on each row fetched.
    pub filter_quals: usize,
    /// Width in bytes of the index's key.
    pub key_width: usize,
    /// Correlation of the leading key column with the heap order (0 when
    /// unknown).
    pub correlation: f64,
}

/// An index scan (module doc).
pub fn index_scan(c: &CostSettings, i: &IndexScanInput) -> Cost {
    let tuples = i.size.tuples.max(1.0);
    let per_leaf = (PAGE_SPACE * INDEX_FILL / (i.key_width as f64 + INDEX_ENTRY_OVERHEAD)).max(2.0);
    let leaf_pages = (tuples / per_leaf).ceil().max(1.0);
    let height = (leaf_pages.ln() / per_leaf.ln()).ceil().max(0.0);
    let descent = (tuples.log2().ceil().max(0.0) + 50.0 * (height + 1.0)) * c.cpu_operator_cost;
    let entries = i.entries.max(1.0);
    let index_pages = (entries * leaf_pages / tuples).ceil().max(1.0);
    let index_cost = index_pages * c.random_page_cost
        + entries * (c.cpu_index_tuple_cost + i.index_quals as f64 * c.cpu_operator_cost);
    let heap_pages = i.size.pages.max(1.0);
    let uncorrelated = mackert_lohman(entries, heap_pages) * c.random_page_cost;
    let correlated_pages = (i.index_selectivity * heap_pages).ceil().max(1.0);
    let correlated = c.random_page_cost + (correlated_pages - 1.0) * c.seq_page_cost;
    let c2 = i.correlation * i.correlation;
    let heap_io = uncorrelated + c2 * (correlated - uncorrelated);
    let cpu = entries * (c.cpu_tuple_cost + i.filter_quals as f64 * c.cpu_operator_cost);
    let disabled = if c.enable_indexscan {
        0.0
    } else {
        DISABLE_COST
    };
    Cost {
        startup: disabled + descent,
        total: disabled + descent + index_cost + heap_io + cpu,
    }
}

/// Pages fetched to read `n` tuples at random from a table of `t` pages
/// that fits in the cache (Mackert and Lohman, 1989).
fn mackert_lohman(n: f64, t: f64) -> f64 {
    if t <= EFFECTIVE_CACHE_PAGES {
        (2.0 * t * n / (2.0 * t + n)).min(t)
    } else {
        n.min(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(sel: f64, correlation: f64) -> IndexScanInput {
        let size = RelSize {
            pages: 45.0,
            tuples: 10_000.0,
        };
        IndexScanInput {
            size,
            index_selectivity: sel,
            entries: sel * size.tuples,
            index_quals: 1,
            filter_quals: 1,
            key_width: 4,
            correlation,
        }
    }

    #[test]
    fn rare_values_favour_the_index_common_ones_the_scan() {
        let c = CostSettings::default();
        let size = input(0.0, 0.0).size;
        let seq = seq_scan(&c, size, 1).total;
        assert!((seq - (45.0 + 10_000.0 * 0.0125)).abs() < 1e-9);
        assert!(index_scan(&c, &input(0.0001, 0.0)).total < seq);
        assert!(index_scan(&c, &input(0.9, 0.0)).total > seq);
    }

    #[test]
    fn correlation_makes_index_reads_cheaper() {
        let c = CostSettings::default();
        let random = index_scan(&c, &input(0.05, 0.0)).total;
        let ordered = index_scan(&c, &input(0.05, 1.0)).total;
        assert!(ordered < random, "{ordered} {random}");
    }

    #[test]
    fn disabled_paths_cost_disable_cost() {
        let c = CostSettings {
            enable_seqscan: false,
            ..Default::default()
        };
        let size = input(0.0, 0.0).size;
        assert!(seq_scan(&c, size, 0).total >= DISABLE_COST);
    }

    #[test]
    fn new_tables_count_ten_pages() {
        let t = TableEstimates {
            stats: RelStatistics {
                reltuples: -1.0,
                ..Default::default()
            },
            current_pages: 1,
        };
        let table = crate::sql::selectivity::tests_table();
        let size = t.size(&table);
        assert_eq!(size.pages, 10.0);
        assert!(size.tuples > 1000.0);
        let measured = TableEstimates {
            stats: RelStatistics {
                reltuples: 3.0,
                relpages: 1,
                columns: Vec::new(),
            },
            current_pages: 1,
        };
        assert_eq!(measured.size(&table).tuples, 3.0);
    }
}
