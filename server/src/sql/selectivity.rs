//! Selectivity: the fraction of a table's rows a WHERE clause keeps,
//! from `pg_statistic` (PostgreSQL's `selfuncs.c` and `clausesel.c`, much
//! reduced).
//!
//! | clause on column `c`          | with statistics                                | without                  |
//! |-------------------------------|------------------------------------------------|--------------------------|
//! | `c = v`                       | v's MCV frequency, else the rest spread evenly over the other distinct values | 0.005 |
//! | `c <> v`                      | 1 − sel(`c = v`) − null_frac                   | 0.995                    |
//! | `c < v` (`<= > >=`)           | MCVs that satisfy it + the histogram's fraction below v (interpolated) | 1/3 |
//! | `lo <= c AND c <= hi`         | sel(≥ lo) + sel(≤ hi) − 1 + null_frac          | 0.005                    |
//! | `c IN (..)`, `c = ANY(const)` | Σ sel(`c = v`)                                 | Σ 0.005                  |
//! | `c IS [NOT] NULL`             | null_frac (1 − null_frac)                      | 0.005 (0.995)            |
//! | `AND` / `OR` / `NOT`          | product / s1 + s2 − s1·s2 / 1 − s              |                          |
//! | anything else                 |                                                | 0.5 for `bool` exprs     |
//!
//! Only constants are looked up in the statistics: a parameter (a prepared
//! statement's `$1`) or an outer column gets the "no statistics" estimate,
//! as PostgreSQL's generic plans do. Every result lies in [0, 1].

use storage::catalog::TableInfo;
use storage::catalog::statistic::{ColumnStats, RelStatistics};
use storage::datum::Datum;
use storage::datum::compare::cmp_values;

use super::expr::Expr;
use super::ops::BinOp;
use super::path::commute;

/// `DEFAULT_EQ_SEL`
pub const DEFAULT_EQ_SEL: f64 = 0.005;
/// `DEFAULT_INEQ_SEL`
pub const DEFAULT_INEQ_SEL: f64 = 1.0 / 3.0;
/// `DEFAULT_RANGE_INEQ_SEL`
pub const DEFAULT_RANGE_INEQ_SEL: f64 = 0.005;
/// `DEFAULT_UNK_SEL`: IS NULL without statistics.
const DEFAULT_UNK_SEL: f64 = 0.005;
/// Any other boolean expression.
const DEFAULT_BOOL_SEL: f64 = 0.5;

/// A table's statistics with the table, for looking up columns.
pub struct Estimator<'a> {
    /// The table the clauses read (column numbers are its columns).
    pub table: &'a TableInfo,
    /// Its statistics.
    pub stats: &'a RelStatistics,
    /// Its estimated row count: an equality on a column that is a unique
    /// index's whole key keeps `1 / tuples` of the rows, as PostgreSQL's
    /// `var_eq_const` assumes for a unique column.
    pub tuples: f64,
}

/// One side of a range on a column: (operator, constant or None).
type Bound<'e> = (BinOp, Option<&'e Datum>);

impl Estimator<'_> {
    /// The selectivity of `e` as a filter on the table's rows.
    pub fn clause(&self, e: &Expr) -> f64 {
        match e {
            Expr::And(terms) => self.conjunction(terms),
            Expr::Or(terms) => terms
                .iter()
                .fold(0.0, |s, t| {
                    let x = self.clause(t);
                    s + x - s * x
                })
                .clamp(0.0, 1.0),
            Expr::Not(x) => (1.0 - self.clause(x)).clamp(0.0, 1.0),
            _ => self.simple(e),
        }
    }

    /// A product over the terms, except that a lower and an upper bound on
    /// the same column are estimated together.
    fn conjunction(&self, terms: &[Expr]) -> f64 {
        let mut sel = 1.0;
        let mut ranges: Vec<(usize, Option<Bound<'_>>, Option<Bound<'_>>)> = Vec::new();
        for t in terms {
            match self.range_side(t) {
                Some((col, op, v)) => {
                    let at = match ranges.iter().position(|r| r.0 == col) {
                        Some(i) => i,
                        None => {
                            ranges.push((col, None, None));
                            ranges.len() - 1
                        }
                    };
                    let slot = if matches!(op, BinOp::Gt | BinOp::GtEq) {
                        &mut ranges[at].1
                    } else {
                        &mut ranges[at].2
                    };
                    match slot {
                        None => *slot = Some((op, v)),
                        // A second bound on the same side: estimate it alone.
                        Some(_) => sel *= self.simple(t),
                    }
                }
                None => sel *= self.clause(t),
            }
        }
        for (col, lo, hi) in ranges {
            sel *= self.range(col, lo, hi);
        }
        sel.clamp(0.0, 1.0)
    }

    fn range(&self, col: usize, lo: Option<Bound<'_>>, hi: Option<Bound<'_>>) -> f64 {
        let stats = self.column(col);
        let one = |b: Bound<'_>| match (stats, b.1) {
            (Some(s), Some(v)) => Some(inequality(s, b.0, v)),
            _ => None,
        };
        match (lo, hi) {
            (Some(l), Some(h)) => match (one(l), one(h)) {
                (Some(a), Some(b)) => {
                    let null_frac = stats.map_or(0.0, |s| s.null_frac);
                    (a + b - 1.0 + null_frac).clamp(1e-10, 1.0)
                }
                _ => DEFAULT_RANGE_INEQ_SEL,
            },
            (Some(b), None) | (None, Some(b)) => one(b).unwrap_or(DEFAULT_INEQ_SEL),
            (None, None) => 1.0,
        }
    }

    /// `col op v` for a range operator, normalised to the column on the
    /// left; `v` is None when it is not a constant.
    fn range_side<'e>(&self, e: &'e Expr) -> Option<(usize, BinOp, Option<&'e Datum>)> {
        let (op, col, v) = self.column_op(e)?;
        matches!(op, BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq).then_some((col, op, v))
    }

    /// `col op x` or `x op col` as (op with the column on the left,
    /// column, the constant if `x` is one).
    fn column_op<'e>(&self, e: &'e Expr) -> Option<(BinOp, usize, Option<&'e Datum>)> {
        let Expr::Binary(op, l, r, _) = e else {
            return None;
        };
        if !op.is_comparison() {
            return None;
        }
        if let Some(c) = self.column_of(l) {
            return Some((*op, c, constant(r)));
        }
        let c = self.column_of(r)?;
        Some((commute(*op), c, constant(l)))
    }

    fn simple(&self, e: &Expr) -> f64 {
        match e {
            Expr::Binary(..) => match self.column_op(e) {
                Some((op, col, v)) => self.comparison(op, col, v),
                None => default_for(e),
            },
            Expr::InList(x, list, negated) => {
                let sel = match self.column_of(x) {
                    Some(col) => list
                        .iter()
                        .map(|v| self.comparison(BinOp::Eq, col, constant(v)))
                        .sum::<f64>(),
                    None => DEFAULT_EQ_SEL * list.len() as f64,
                }
                .min(1.0);
                if *negated { 1.0 - sel } else { sel }
            }
            Expr::ArrayOp {
                op: BinOp::Eq,
                all: false,
                lhs,
                array,
            } => self.any_eq(lhs, array),
            Expr::IsNull(x, negated) => {
                let null_frac = match self.column_of(x) {
                    Some(col) => self.column(col).map_or(DEFAULT_UNK_SEL, |s| s.null_frac),
                    None => DEFAULT_UNK_SEL,
                };
                if *negated { 1.0 - null_frac } else { null_frac }
            }
            _ => DEFAULT_BOOL_SEL,
        }
    }

    /// `x = ANY (array)`: a sum over a constant array's elements, ten
    /// default equalities for anything else (PostgreSQL assumes ten
    /// elements when it cannot see them).
    fn any_eq(&self, lhs: &Expr, array: &Expr) -> f64 {
        let Some(col) = self.column_of(lhs) else {
            return DEFAULT_EQ_SEL * 10.0;
        };
        let elems: Option<Vec<Option<&Datum>>> = match array {
            Expr::Const(Datum::Array(a), _) => Some(a.elems.iter().map(Some).collect()),
            Expr::ArrayCons(v, _) => Some(v.iter().map(constant).collect()),
            _ => None,
        };
        match elems {
            Some(elems) => elems
                .into_iter()
                .map(|v| self.comparison(BinOp::Eq, col, v))
                .sum::<f64>()
                .min(1.0),
            None => DEFAULT_EQ_SEL * 10.0,
        }
    }

    fn comparison(&self, op: BinOp, col: usize, v: Option<&Datum>) -> f64 {
        if matches!(v, Some(Datum::Null)) {
            return 0.0;
        }
        let stats = self.column(col);
        match op {
            BinOp::Eq if self.unique(col) => 1.0 / self.tuples.max(1.0),
            BinOp::Eq => equality(stats, v, self.stats.reltuples),
            BinOp::NotEq => {
                let null_frac = stats.map_or(0.0, |s| s.null_frac);
                (1.0 - equality(stats, v, self.stats.reltuples) - null_frac).clamp(0.0, 1.0)
            }
            _ => match (stats, v) {
                (Some(s), Some(v)) => inequality(s, op, v),
                _ => DEFAULT_INEQ_SEL,
            },
        }
    }

    /// Whether `col` alone is the key of a unique index.
    fn unique(&self, col: usize) -> bool {
        self.table
            .indexes
            .iter()
            .any(|i| i.unique && i.columns.as_slice() == [col])
    }

    fn column(&self, col: usize) -> Option<&ColumnStats> {
        self.stats.column(i16::try_from(col + 1).ok()?)
    }

    /// The table column `e` reads (through a cast between integer types).
    fn column_of(&self, e: &Expr) -> Option<usize> {
        match e {
            Expr::Column(c, _) if *c < self.table.columns.len() => Some(*c),
            Expr::Cast(inner, _) => match &**inner {
                Expr::Column(c, _) if *c < self.table.columns.len() => Some(*c),
                _ => None,
            },
            _ => None,
        }
    }
}

fn constant(e: &Expr) -> Option<&Datum> {
    match e {
        Expr::Const(d, _) => Some(d),
        Expr::Cast(x, _) => constant(x),
        _ => None,
    }
}

fn default_for(e: &Expr) -> f64 {
    match e {
        Expr::Binary(BinOp::Eq, ..) => DEFAULT_EQ_SEL,
        Expr::Binary(BinOp::NotEq, ..) => 1.0 - DEFAULT_EQ_SEL,
        Expr::Binary(op, ..) if op.is_comparison() => DEFAULT_INEQ_SEL,
        _ => DEFAULT_BOOL_SEL,
    }
}

/// `c = v`: v's MCV frequency; else what the MCVs and NULLs leave, spread
/// over the other distinct values.
fn equality(stats: Option<&ColumnStats>, v: Option<&Datum>, reltuples: f64) -> f64 {
    let Some(s) = stats else {
        return DEFAULT_EQ_SEL;
    };
    if let Some(v) = v
        && let Some((_, f)) = s.mcv.iter().find(|(m, _)| same(m, v))
    {
        return *f;
    }
    let distinct = if s.n_distinct < 0.0 {
        -s.n_distinct * reltuples.max(1.0)
    } else {
        s.n_distinct
    };
    let mcv_total: f64 = s.mcv.iter().map(|(_, f)| f).sum();
    let others = distinct - s.mcv.len() as f64;
    if others < 1.0 {
        // Every value is an MCV and v is none of them.
        return if v.is_some() { 0.0 } else { DEFAULT_EQ_SEL };
    }
    ((1.0 - mcv_total - s.null_frac) / others).clamp(0.0, 1.0)
}

/// `c op v` for `< <= > >=`: the MCVs satisfying it, plus the part of the
/// histogram's rows on the satisfying side of v.
fn inequality(s: &ColumnStats, op: BinOp, v: &Datum) -> f64 {
    let holds = |m: &Datum| {
        let o = compare(m, v);
        match op {
            BinOp::Lt => o.is_lt(),
            BinOp::LtEq => o.is_le(),
            BinOp::Gt => o.is_gt(),
            _ => o.is_ge(),
        }
    };
    let mcv_sel: f64 = s.mcv.iter().filter(|(m, _)| holds(m)).map(|(_, f)| f).sum();
    let mcv_total: f64 = s.mcv.iter().map(|(_, f)| f).sum();
    let rest = (1.0 - mcv_total - s.null_frac).max(0.0);
    let below = if s.histogram.len() >= 2 {
        histogram_fraction_below(&s.histogram, v)
    } else if s.mcv.is_empty() {
        return DEFAULT_INEQ_SEL;
    } else {
        // No histogram: the non-MCV rest is split as the MCVs are.
        let below_mcv: f64 = s
            .mcv
            .iter()
            .filter(|(m, _)| compare(m, v).is_lt())
            .map(|(_, f)| f)
            .sum();
        if mcv_total > 0.0 {
            below_mcv / mcv_total
        } else {
            0.5
        }
    };
    let side = if matches!(op, BinOp::Lt | BinOp::LtEq) {
        below
    } else {
        1.0 - below
    };
    (mcv_sel + rest * side).clamp(0.0, 1.0)
}

/// The fraction of the histogram's population below `v`: whole buckets
/// below it plus a linear share of the bucket holding it (half a bucket
/// when the values are not numbers).
fn histogram_fraction_below(bounds: &[Datum], v: &Datum) -> f64 {
    let buckets = (bounds.len() - 1) as f64;
    if compare(v, &bounds[0]).is_le() {
        return 0.0;
    }
    if compare(v, &bounds[bounds.len() - 1]).is_ge() {
        return 1.0;
    }
    // bounds[i] < v <= bounds[i + 1]
    let i = bounds.partition_point(|b| compare(b, v).is_lt()) - 1;
    let within = match (number(&bounds[i]), number(&bounds[i + 1]), number(v)) {
        (Some(lo), Some(hi), Some(x)) if hi > lo => ((x - lo) / (hi - lo)).clamp(0.0, 1.0),
        _ => 0.5,
    };
    (i as f64 + within) / buckets
}

/// Compares values of possibly different numeric types (a constant of
/// `int8` against an `int4` column's bounds).
fn compare(a: &Datum, b: &Datum) -> std::cmp::Ordering {
    match (number(a), number(b)) {
        (Some(x), Some(y)) if a.kind() != b.kind() => storage::datum::compare::cmp_f64(x, y),
        _ => cmp_values(a, b),
    }
}

fn same(a: &Datum, b: &Datum) -> bool {
    compare(a, b).is_eq()
}

/// A value's position on the number line, for interpolation.
fn number(d: &Datum) -> Option<f64> {
    match d {
        Datum::Int2(x) => Some(f64::from(*x)),
        Datum::Int4(x) => Some(f64::from(*x)),
        Datum::Int8(x) => Some(*x as f64),
        Datum::Float4(x) => Some(f64::from(*x)),
        Datum::Float8(x) => Some(*x),
        Datum::Oid(x) => Some(f64::from(*x)),
        _ => None,
    }
}

/// A table `t (a int4, b int4)` for unit tests.
#[cfg(test)]
pub(crate) fn tests_table() -> TableInfo {
    let col = |name: &str| storage::catalog::ColumnInfo {
        name: name.into(),
        typ: storage::datum::SqlType::new(storage::datum::TypeOid::INT4),
        not_null: false,
        default: None,
        generation: storage::catalog::Generation::Plain,
    };
    TableInfo {
        oid: storage::types::Oid(16384),
        schema: "public".into(),
        name: "t".into(),
        locator: storage::types::RelFileLocator {
            db_oid: storage::types::Oid(5),
            rel_number: storage::types::Oid(16384),
        },
        columns: vec![col("a"), col("b")],
        desc: storage::heap::tuple::TupleDesc::new(
            [storage::datum::SqlType::new(storage::datum::TypeOid::INT4); 2],
        ),
        relkind: 'r',
        view_query: None,
        indexes: Vec::new(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        referenced_by: Vec::new(),
        reloptions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::datum::{SqlType, TypeOid};

    fn table() -> TableInfo {
        tests_table()
    }

    fn stats() -> RelStatistics {
        RelStatistics {
            relpages: 45,
            reltuples: 10_000.0,
            columns: vec![ColumnStats {
                attnum: 1,
                null_frac: 0.1,
                width: 4,
                n_distinct: 1001.0,
                mcv: vec![(Datum::Int4(0), 0.5)],
                histogram: (0..=100).map(|i| Datum::Int4(i * 10)).collect(),
                correlation: Some(1.0),
            }],
        }
    }

    fn col(c: usize) -> Box<Expr> {
        Box::new(Expr::Column(c, SqlType::new(TypeOid::INT4)))
    }

    fn int(v: i32) -> Box<Expr> {
        Box::new(Expr::Const(Datum::Int4(v), SqlType::new(TypeOid::INT4)))
    }

    fn cmp(op: BinOp, l: Box<Expr>, r: Box<Expr>) -> Expr {
        Expr::Binary(op, l, r, SqlType::new(TypeOid::BOOL))
    }

    #[test]
    fn equality_uses_mcvs_then_the_rest() {
        let (t, s) = (table(), stats());
        let e = Estimator {
            table: &t,
            stats: &s,
            tuples: 1000.0,
        };
        assert_eq!(e.clause(&cmp(BinOp::Eq, col(0), int(0))), 0.5);
        let rare = e.clause(&cmp(BinOp::Eq, int(7), col(0)));
        assert!((rare - 0.4 / 1000.0).abs() < 1e-12, "{rare}");
        assert_eq!(e.clause(&cmp(BinOp::Eq, col(1), int(7))), DEFAULT_EQ_SEL);
        let ne = e.clause(&cmp(BinOp::NotEq, col(0), int(0)));
        assert!((ne - 0.4).abs() < 1e-12);
    }

    #[test]
    fn ranges_interpolate_in_the_histogram() {
        let (t, s) = (table(), stats());
        let e = Estimator {
            table: &t,
            stats: &s,
            tuples: 1000.0,
        };
        // 0 is an MCV (0.5) and ≤ 250; the histogram part is 0.4 × 0.25.
        let le = e.clause(&cmp(BinOp::LtEq, col(0), int(250)));
        assert!((le - (0.5 + 0.4 * 0.25)).abs() < 1e-9, "{le}");
        let gt = e.clause(&cmp(BinOp::Gt, col(0), int(250)));
        assert!((gt - 0.4 * 0.75).abs() < 1e-9, "{gt}");
        let between = e.clause(&Expr::And(vec![
            cmp(BinOp::GtEq, col(0), int(100)),
            cmp(BinOp::LtEq, col(0), int(200)),
        ]));
        assert!((between - 0.4 * 0.1).abs() < 1e-9, "{between}");
        let no_stats = e.clause(&Expr::And(vec![
            cmp(BinOp::GtEq, col(1), int(100)),
            cmp(BinOp::LtEq, col(1), int(200)),
        ]));
        assert_eq!(no_stats, DEFAULT_RANGE_INEQ_SEL);
        assert_eq!(e.clause(&cmp(BinOp::Lt, col(1), int(1))), DEFAULT_INEQ_SEL);
    }

    #[test]
    fn lists_and_nulls() {
        let (t, s) = (table(), stats());
        let e = Estimator {
            table: &t,
            stats: &s,
            tuples: 1000.0,
        };
        let list = Expr::InList(col(0), vec![*int(0), *int(7)], false);
        assert!((e.clause(&list) - (0.5 + 0.0004)).abs() < 1e-12);
        assert_eq!(e.clause(&Expr::IsNull(col(0), false)), 0.1);
        assert_eq!(e.clause(&Expr::IsNull(col(0), true)), 0.9);
        assert_eq!(e.clause(&Expr::IsNull(col(1), false)), DEFAULT_UNK_SEL);
    }
}
