//! The statistics of one column computed from ANALYZE's sample
//! (PostgreSQL's `compute_scalar_stats`, for every type heapgres has: all
//! of them sort with `cmp_values`).
//!
//! ```text
//!  sample values (physical order)  ──sort──▶  runs of equal values
//!     null_frac   = NULLs / sample rows
//!     avg_width   = mean stored size of the non-NULL values
//!     n_distinct  = runs, or the Haas-Stokes estimate when the sample
//!                   shows values seen once (see `estimate_distinct`)
//!     MCVs        = values seen more than once, most frequent first,
//!                   kept while clearly commoner than an average other value
//!     histogram   = equal-frequency bounds over the values not kept as MCVs
//!     correlation = between sample position and sorted position
//! ```
//!
//! Invariants: frequencies are fractions of *all* sample rows (NULLs
//! included), so `null_frac + Σ mcv freqs ≤ 1`; histogram bounds ascend;
//! `n_distinct` is positive (a count), or negative (minus a fraction of the
//! rows) once it exceeds a tenth of the table, as PostgreSQL stores it.

use std::cmp::Ordering;

use storage::catalog::statistic::ColumnStats;
use storage::datum::compare::cmp_values;
use storage::datum::{Datum, SqlType, TypeOid};
use storage::heap::tuple::{TupleDesc, encode_attrs};

/// One column's sample, in physical row order.
pub struct ColumnSample<'a> {
    /// `staattnum`
    pub attnum: i16,
    /// The column's type.
    pub typ: SqlType,
    /// The values, NULLs included, one per sampled row.
    pub values: &'a [Datum],
    /// The estimated number of rows in the table.
    pub total_rows: f64,
    /// `default_statistics_target`: the most MCVs and histogram buckets.
    pub target: usize,
}

/// A run of equal values in the sorted sample.
struct Run {
    /// Index of its first value in the sorted sample.
    start: usize,
    count: usize,
}

/// The statistics of `sample`.
pub fn compute(sample: &ColumnSample<'_>) -> ColumnStats {
    let rows = sample.values.len();
    // (position in the sample, value), then sorted by value.
    let mut sorted: Vec<(usize, &Datum)> = sample
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| !matches!(v, Datum::Null))
        .collect();
    let nulls = rows - sorted.len();
    let null_frac = if rows == 0 {
        0.0
    } else {
        nulls as f64 / rows as f64
    };
    let mut out = ColumnStats {
        attnum: sample.attnum,
        null_frac,
        ..Default::default()
    };
    if sorted.is_empty() {
        return out;
    }
    out.width = average_width(sample.typ, sorted.iter().map(|(_, v)| *v));
    sorted.sort_by(|a, b| cmp_values(a.1, b.1).then(a.0.cmp(&b.0)));
    let runs = runs(&sorted);
    out.n_distinct = estimate_distinct(&runs, sorted.len(), null_frac, sample.total_rows);
    let mcv = choose_mcvs(&runs, &out, rows, sample);
    out.mcv = mcv
        .iter()
        .map(|r| (sorted[r.start].1.clone(), r.count as f64 / rows as f64))
        .collect();
    if is_ordered(sample.typ) {
        out.histogram = histogram(&sorted, &runs, &mcv, sample.target);
        out.correlation = Some(correlation(&sorted));
    }
    out
}

/// Types with no `<` in PostgreSQL get no histogram or correlation.
fn is_ordered(t: SqlType) -> bool {
    t.oid != TypeOid::JSON
}

/// The mean stored size (with the varlena header) of `values`.
fn average_width<'a>(typ: SqlType, values: impl Iterator<Item = &'a Datum>) -> i32 {
    let desc = TupleDesc::new([typ]);
    let mut buf = Vec::new();
    let (mut total, mut n) = (0usize, 0usize);
    for v in values {
        buf.clear();
        if encode_attrs(&desc, std::slice::from_ref(v), &mut buf).is_ok() {
            total += buf.len();
            n += 1;
        }
    }
    total
        .checked_div(n)
        .map_or(0, |w| i32::try_from(w).unwrap_or(i32::MAX))
}

fn runs(sorted: &[(usize, &Datum)]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (i, (_, v)) in sorted.iter().enumerate() {
        match out.last_mut() {
            Some(r) if cmp_values(sorted[r.start].1, v) == Ordering::Equal => r.count += 1,
            _ => out.push(Run { start: i, count: 1 }),
        }
    }
    out
}

/// `stadistinct` from the runs of a sample of `n` non-NULL values out of
/// `total_rows` rows.
///
/// With no value seen once, the sample is taken to hold every value. With
/// every value seen once, the column is taken to be unique. Otherwise the
/// Haas-Stokes "Duj1" estimator `n·d / (n − f1 + f1·n/N)` (d distinct
/// values in the sample, f1 of them seen once, N non-NULL rows in the
/// table), kept between d and N.
fn estimate_distinct(runs: &[Run], n: usize, null_frac: f64, total_rows: f64) -> f64 {
    let d = runs.len() as f64;
    let f1 = runs.iter().filter(|r| r.count == 1).count() as f64;
    if f1 == d {
        return -(1.0 - null_frac);
    }
    let estimate = if f1 == 0.0 {
        d
    } else {
        let n = n as f64;
        let big_n = (total_rows * (1.0 - null_frac)).max(n);
        let duj1 = n * d / ((n - f1) + f1 * n / big_n);
        duj1.clamp(d, big_n).floor().max(d)
    };
    if estimate > 0.1 * total_rows {
        -(estimate / total_rows).min(1.0)
    } else {
        estimate
    }
}

/// The runs to keep as most common values, most frequent first (ties in
/// value order).
fn choose_mcvs<'r>(
    runs: &'r [Run],
    stats: &ColumnStats,
    sample_rows: usize,
    sample: &ColumnSample<'_>,
) -> Vec<&'r Run> {
    let mut repeated: Vec<&Run> = runs.iter().filter(|r| r.count > 1).collect();
    repeated.sort_by(|a, b| b.count.cmp(&a.count).then(a.start.cmp(&b.start)));
    // Every value repeated and all of them fit: the sample saw them all.
    if repeated.len() == runs.len() && stats.n_distinct > 0.0 && repeated.len() <= sample.target {
        return repeated;
    }
    repeated.truncate(sample.target);
    let counts: Vec<usize> = repeated.iter().map(|r| r.count).collect();
    let keep = significant_mcvs(&counts, stats, sample_rows, sample.total_rows);
    repeated.truncate(keep);
    repeated
}

/// How many of the candidate MCV `counts` (descending) to keep: drop the
/// least common while it is not clearly commoner than an average value
/// outside the list, "clearly" meaning two standard deviations of its
/// count's sampling error (hypergeometric) above that average. A sample of
/// the whole table keeps them all.
fn significant_mcvs(
    counts: &[usize],
    stats: &ColumnStats,
    sample_rows: usize,
    total_rows: f64,
) -> usize {
    let n = sample_rows as f64;
    if n >= total_rows || total_rows <= 1.0 {
        return counts.len();
    }
    let distinct = if stats.n_distinct < 0.0 {
        -stats.n_distinct * total_rows
    } else {
        stats.n_distinct
    };
    let mut keep = counts.len();
    while keep > 0 {
        let last = counts[keep - 1] as f64;
        let others: usize = counts[..keep - 1].iter().sum();
        let mut avg_other = (1.0 - others as f64 / n - stats.null_frac).clamp(0.0, 1.0);
        let other_distinct = distinct - (keep as f64 - 1.0);
        if other_distinct > 1.0 {
            avg_other /= other_distinct;
        }
        let expected = avg_other * n;
        if last > expected {
            let big_k = total_rows * last / n;
            let variance = n * big_k * (total_rows - big_k) * (total_rows - n)
                / (total_rows * total_rows * (total_rows - 1.0));
            if last > expected + 2.0 * variance.sqrt() + 0.5 {
                break;
            }
        }
        keep -= 1;
    }
    keep
}

/// Equal-frequency bounds over the sorted values outside `mcv`: at most
/// `target + 1` of them, none if fewer than two distinct values remain.
fn histogram(sorted: &[(usize, &Datum)], runs: &[Run], mcv: &[&Run], target: usize) -> Vec<Datum> {
    let rest: Vec<&Datum> = runs
        .iter()
        .filter(|r| !mcv.iter().any(|m| m.start == r.start))
        .flat_map(|r| sorted[r.start..r.start + r.count].iter().map(|(_, v)| *v))
        .collect();
    let distinct = runs.len() - mcv.len();
    let bounds = distinct.min(target + 1);
    if bounds < 2 {
        return Vec::new();
    }
    (0..bounds)
        .map(|i| rest[i * (rest.len() - 1) / (bounds - 1)].clone())
        .collect()
}

/// Pearson's correlation between each value's sample position and its
/// sorted position (both permutations of 0..n, so their sums agree).
fn correlation(sorted: &[(usize, &Datum)]) -> f64 {
    let n = sorted.len() as f64;
    if sorted.len() < 2 {
        return 1.0;
    }
    // Sample positions with NULLs removed, renumbered 0..n.
    let mut order: Vec<usize> = sorted.iter().map(|(pos, _)| *pos).collect();
    order.sort_unstable();
    let (mut xy, mut x, mut x2) = (0.0, 0.0, 0.0);
    for (rank, (pos, _)) in sorted.iter().enumerate() {
        let physical = order.binary_search(pos).unwrap_or(0) as f64;
        let r = rank as f64;
        xy += r * physical;
        x += r;
        x2 += r * r;
    }
    let denom = n * x2 - x * x;
    if denom == 0.0 {
        1.0
    } else {
        ((n * xy - x * x) / denom).clamp(-1.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(values: &[Datum], total_rows: f64) -> ColumnStats {
        compute(&ColumnSample {
            attnum: 1,
            typ: SqlType::new(TypeOid::INT4),
            values,
            total_rows,
            target: 100,
        })
    }

    fn ints(v: impl Iterator<Item = i32>) -> Vec<Datum> {
        v.map(Datum::Int4).collect()
    }

    #[test]
    fn unique_column_is_minus_one() {
        let s = stats(&ints(0..1000), 1000.0);
        assert_eq!(s.n_distinct, -1.0);
        assert_eq!(s.null_frac, 0.0);
        assert_eq!(s.width, 4);
        assert!(s.mcv.is_empty());
        assert_eq!(s.histogram.len(), 101);
        assert_eq!(s.histogram[0], Datum::Int4(0));
        assert_eq!(s.histogram[100], Datum::Int4(999));
        assert_eq!(s.correlation, Some(1.0));
    }

    #[test]
    fn small_domain_is_counted_and_all_mcvs() {
        let mut v = ints((0..1000).map(|i| i % 10));
        v.push(Datum::Null);
        v.push(Datum::Null);
        let s = stats(&v, 1002.0);
        assert_eq!(s.n_distinct, 10.0);
        assert!((s.null_frac - 2.0 / 1002.0).abs() < 1e-12);
        assert_eq!(s.mcv.len(), 10);
        assert!(s.histogram.is_empty());
    }

    #[test]
    fn skewed_column_keeps_only_common_values() {
        // A sample of 3000 rows of a 100000-row table: 2701 zeros (every
        // row but the multiples of 10, and row 0) and 299 distinct values.
        let v = ints((0..3000).map(|i| if i % 10 == 0 { i } else { 0 }));
        let s = stats(&v, 100_000.0);
        assert_eq!(s.mcv.len(), 1);
        assert_eq!(s.mcv[0].0, Datum::Int4(0));
        assert!((s.mcv[0].1 - 2701.0 / 3000.0).abs() < 1e-9);
        assert_eq!(s.histogram.len(), 101);
    }

    #[test]
    fn haas_stokes_scales_with_the_table() {
        // 1000 values seen once, 500 seen twice, in a table 100× the sample.
        let v = ints((0..1000).chain((1000..1500).flat_map(|i| [i, i])));
        let s = stats(&v, 200_000.0);
        // n = 2000, d = 1500, f1 = 1000, N = 200000: about 2970 distinct
        // values, under a tenth of the table, so kept as a count rather
        // than a negative fraction.
        let expected = (2000.0_f64 * 1500.0 / (1000.0 + 1000.0 * 2000.0 / 200_000.0)).floor();
        assert_eq!(s.n_distinct, expected);
    }

    #[test]
    fn reversed_order_correlates_negatively() {
        let s = stats(&ints((0..500).rev()), 500.0);
        assert_eq!(s.correlation, Some(-1.0));
    }

    #[test]
    fn all_nulls() {
        let s = stats(&[Datum::Null, Datum::Null], 2.0);
        assert_eq!(s.null_frac, 1.0);
        assert_eq!(s.n_distinct, 0.0);
    }
}
