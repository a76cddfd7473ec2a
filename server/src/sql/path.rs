//! Access paths: reading a table through a B-tree index instead of
//! scanning it (PostgreSQL's `optimizer/path/indxpath.c`, much simplified).
//!
//! After binding, [`optimize`] rewrites
//!
//! ```text
//!   Filter(pred, SeqScan t)        →  IndexScan(t, index, quals, filter = pred)
//!   Sort(keys, Project(.., Scan))  →  Project(.., IndexScan in key order)
//!       (under a LIMIT, or when the scan already uses that index)
//! ```
//!
//! and [`choose_index`] gives UPDATE, DELETE and SELECT FOR UPDATE the same
//! choice for their target rows.
//!
//! # Index quals
//!
//! A conjunct of the WHERE clause is usable on index column `c` when it is
//! `c op v` or `v op c` with `op` one of `= < <= > >=`, `c BETWEEN v AND w`
//! (bound as two conjuncts), `c IN (v, ...)` or `c = ANY (a)` (an array
//! constant, parameter or `ARRAY[...]`), where every `v` and `a` is a
//! pseudo-constant: built from constants, parameters and columns of
//! enclosing queries, with no volatile function. Quals are used on a prefix
//! of the key: equalities on the leading columns, then at most one range or
//! IN list on the next one.
//!
//! The index scan's quals only narrow the entries visited; the whole WHERE
//! clause is still evaluated on every row the scan returns (`filter`). So a
//! bound that cannot be used exactly (an `int8` value outside an `int4`
//! column's range, say) may simply be dropped without changing the result.
//!
//! # Choosing
//!
//! Equality on every column of a unique index always takes the index: it
//! returns at most one row, and a plan of a prepared statement should not
//! turn into a scan because the table was tiny when it was planned
//! (PostgreSQL prefers a sequential scan for a one-page analyzed table;
//! this is a deliberate difference). Otherwise each index with usable
//! quals is costed against a sequential scan ([`super::cost`]), with
//! selectivities from `pg_statistic` ([`super::selectivity`]), and the
//! cheapest wins. ORDER BY ... LIMIT is served by an index whose leading
//! columns (after those fixed by equalities) match the sort keys, forwards
//! or backwards, whatever the costs (the LIMIT is not costed).

use std::sync::Arc;

use storage::catalog::{IndexInfo, TableInfo};
use storage::datum::{SqlType, TypeOid};

use super::cost::{self, CostSettings, PlannerInfo, TableEstimates};
use super::expr::{ArraySubscript, Expr};
use super::func::Builtin;
use super::ops::BinOp;
use super::plan::{JoinKind, Plan, SortKey};
use super::selectivity::Estimator;

/// How an index scan narrows one key column.
#[derive(Clone, Debug)]
pub enum ColumnQual {
    /// `c = v`
    Eq(Expr),
    /// `lower < / <= c < / <= upper`; either side may be open.
    Range {
        /// (bound, inclusive)
        lower: Option<(Expr, bool)>,
        /// (bound, inclusive)
        upper: Option<(Expr, bool)>,
    },
    /// `c IN (v, ...)`: one descent per distinct value.
    In(Vec<Expr>),
    /// `c = ANY (array)`: one descent per distinct non-NULL element, in
    /// index order (PostgreSQL's ScalarArrayOpExpr index qual).
    InArray(Expr),
}

/// An index scan's choice of index and bounds.
#[derive(Clone, Debug)]
pub struct IndexPath {
    /// The index.
    pub index: Arc<IndexInfo>,
    /// Quals on the key's leading columns, in key order: equalities, then
    /// at most one range or IN list.
    pub quals: Vec<ColumnQual>,
    /// Read the index backwards (ORDER BY the reverse of its order).
    pub backward: bool,
}

impl IndexPath {
    /// Equality on every column of a unique index: at most one row.
    pub fn is_unique_lookup(&self) -> bool {
        self.index.unique && self.eq_prefix() == self.index.columns.len()
    }

    /// The number of leading key columns fixed by equality.
    fn eq_prefix(&self) -> usize {
        self.quals
            .iter()
            .take_while(|q| matches!(q, ColumnQual::Eq(_)))
            .count()
    }
}

/// One usable conjunct: on table column `column`.
enum Qual {
    Cmp(BinOp, usize, Expr),
    In(usize, Vec<Expr>),
    InArray(usize, Expr),
}

/// Rewrites `plan` to read tables through indexes where that pays.
pub fn optimize(plan: Plan, info: &dyn PlannerInfo) -> Plan {
    rewrite(plan, false, info)
}

fn rewrite(plan: Plan, limited: bool, info: &dyn PlannerInfo) -> Plan {
    match plan {
        Plan::Filter { input, predicate } if matches!(*input, Plan::Join { .. }) => {
            let plan = push_down(*input, predicate);
            match plan {
                Plan::Filter { input, predicate } => Plan::Filter {
                    input: Box::new(rewrite(*input, false, info)),
                    predicate,
                },
                other => rewrite(other, limited, info),
            }
        }
        Plan::Filter { input, predicate } => match *input {
            Plan::SeqScan { table } => match choose_index(&table, Some(&predicate), info) {
                Some(path) => Plan::IndexScan {
                    table,
                    path,
                    filter: Some(predicate),
                },
                None => Plan::Filter {
                    input: Box::new(Plan::SeqScan { table }),
                    predicate,
                },
            },
            other => Plan::Filter {
                input: Box::new(rewrite(other, false, info)),
                predicate,
            },
        },
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            let limited = limit.is_some();
            Plan::Limit {
                input: Box::new(rewrite(*input, limited, info)),
                limit,
                offset,
            }
        }
        Plan::Truncate { input, width } => Plan::Truncate {
            input: Box::new(rewrite(*input, limited, info)),
            width,
        },
        Plan::Sort { input, keys } => {
            let input = rewrite(*input, false, info);
            match ordered_scan(input, &keys, limited) {
                Ok(plan) => plan,
                Err(input) => Plan::Sort { input, keys },
            }
        }
        Plan::Project { input, exprs } => Plan::Project {
            input: Box::new(rewrite(*input, false, info)),
            exprs,
        },
        Plan::Join {
            left,
            right,
            kind,
            hash_keys,
            condition,
            left_width,
            right_width,
        } => {
            let left = rewrite(*left, false, info);
            if matches!(kind, JoinKind::Inner | JoinKind::Left) && is_small(&left) {
                match index_nest_loop(
                    left,
                    *right,
                    kind,
                    hash_keys,
                    condition,
                    left_width,
                    right_width,
                ) {
                    Ok(plan) => plan,
                    Err(parts) => {
                        let (left, right, hash_keys, condition) = *parts;
                        Plan::Join {
                            left: Box::new(left),
                            right: Box::new(rewrite(right, false, info)),
                            kind,
                            hash_keys,
                            condition,
                            left_width,
                            right_width,
                        }
                    }
                }
            } else {
                Plan::Join {
                    left: Box::new(left),
                    right: Box::new(rewrite(*right, false, info)),
                    kind,
                    hash_keys,
                    condition,
                    left_width,
                    right_width,
                }
            }
        }
        Plan::Aggregate {
            input,
            group_by,
            aggs,
        } => Plan::Aggregate {
            input: Box::new(rewrite(*input, false, info)),
            group_by,
            aggs,
        },
        Plan::Distinct { input } => Plan::Distinct {
            input: Box::new(rewrite(*input, false, info)),
        },
        Plan::Unique { input, keys } => Plan::Unique {
            input: Box::new(rewrite(*input, false, info)),
            keys,
        },
        Plan::SetOp {
            op,
            all,
            left,
            right,
        } => Plan::SetOp {
            op,
            all,
            left: Box::new(rewrite(*left, false, info)),
            right: Box::new(rewrite(*right, false, info)),
        },
        Plan::Window { input, calls } => Plan::Window {
            input: Box::new(rewrite(*input, false, info)),
            calls,
        },
        Plan::ProjectSet { input, calls } => Plan::ProjectSet {
            input: Box::new(rewrite(*input, false, info)),
            calls,
        },
        Plan::RecursiveUnion {
            base,
            recursive,
            all,
            worktable,
        } => Plan::RecursiveUnion {
            base: Box::new(rewrite(*base, false, info)),
            recursive: Box::new(rewrite(*recursive, false, info)),
            all,
            worktable,
        },
        Plan::LateralJoin {
            left,
            right,
            kind,
            condition,
            right_width,
        } => Plan::LateralJoin {
            left: Box::new(rewrite(*left, false, info)),
            right: Box::new(rewrite(*right, false, info)),
            kind,
            condition,
            right_width,
        },
        other => other,
    }
}

/// Moves the conjuncts of a WHERE clause above `join` that read only one
/// side into that side (only into the left, the preserved side, of a LEFT
/// JOIN), so the sides can use their indexes, and turns `left = right`
/// equalities above an inner join into its hash keys (`FROM a, b WHERE
/// a.x = b.y` hashes instead of pairing every row); what reads both sides
/// otherwise stays above. Conjuncts with subqueries or sequence calls stay
/// where they are.
fn push_down(join: Plan, predicate: Expr) -> Plan {
    let Plan::Join {
        left,
        right,
        kind,
        mut hash_keys,
        condition,
        left_width,
        right_width,
    } = join
    else {
        return Plan::Filter {
            input: Box::new(join),
            predicate,
        };
    };
    let mut to_left = Vec::new();
    let mut to_right = Vec::new();
    let mut stay = Vec::new();
    for term in flatten_and(predicate) {
        match column_span(&term) {
            Some((_, max))
                if max < left_width && kind != JoinKind::Right && kind != JoinKind::Full =>
            {
                to_left.push(term)
            }
            Some((min, _)) if min >= left_width && kind == JoinKind::Inner => {
                let mut t = term;
                shift_columns(&mut t, left_width);
                to_right.push(t);
            }
            None if kind == JoinKind::Inner => to_left.push(term),
            _ if kind == JoinKind::Inner => match equi_join_key(term, left_width) {
                Ok(key) => hash_keys.push(key),
                Err(term) => stay.push(term),
            },
            _ => stay.push(term),
        }
    }
    let filtered = |plan: Box<Plan>, terms: Vec<Expr>| match and_of(terms) {
        Some(p) => Box::new(Plan::Filter {
            input: plan,
            predicate: p,
        }),
        None => plan,
    };
    let join = Plan::Join {
        left: filtered(left, to_left),
        right: filtered(right, to_right),
        kind,
        hash_keys,
        condition,
        left_width,
        right_width,
    };
    match and_of(stay) {
        Some(p) => Plan::Filter {
            input: Box::new(join),
            predicate: p,
        },
        None => join,
    }
}

/// `l = r` with `l` over the left side only and `r` over the right only
/// (either way round) as a hash key (left expr, right expr over the right
/// row); the term back otherwise.
fn equi_join_key(term: Expr, left_width: usize) -> Result<(Expr, Expr), Expr> {
    let Expr::Binary(BinOp::Eq, a, b, t) = term else {
        return Err(term);
    };
    let side = |e: &Expr| match column_span(e) {
        Some((_, max)) if max < left_width => Some(true),
        Some((min, max)) if min >= left_width && max != usize::MAX => Some(false),
        _ => None,
    };
    match (side(&a), side(&b)) {
        (Some(true), Some(false)) => {
            let mut r = *b;
            shift_columns(&mut r, left_width);
            Ok((*a, r))
        }
        (Some(false), Some(true)) => {
            let mut r = *a;
            shift_columns(&mut r, left_width);
            Ok((*b, r))
        }
        _ => Err(Expr::Binary(BinOp::Eq, a, b, t)),
    }
}

fn flatten_and(e: Expr) -> Vec<Expr> {
    match e {
        Expr::And(v) => v.into_iter().flat_map(flatten_and).collect(),
        other => vec![other],
    }
}

fn and_of(mut terms: Vec<Expr>) -> Option<Expr> {
    match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => Some(Expr::And(terms)),
    }
}

/// The lowest and highest input column `e` reads (`None` if it reads
/// none); `(0, usize::MAX)`, which never moves, when it holds a subquery
/// or a sequence call.
fn column_span(e: &Expr) -> Option<(usize, usize)> {
    let mut span: Option<(usize, usize)> = None;
    let mut unmovable = false;
    e.walk(&mut |x| match x {
        Expr::Column(i, _) => {
            span = Some(match span {
                Some((lo, hi)) => (lo.min(*i), hi.max(*i)),
                None => (*i, *i),
            });
        }
        Expr::SubPlan(_) | Expr::Sequence(..) | Expr::IndexCheck(_) => unmovable = true,
        _ => {}
    });
    if unmovable {
        return Some((0, usize::MAX));
    }
    span
}

/// Subtracts `delta` from every input column `e` reads (it reads none
/// below `delta`; see [`column_span`]).
fn shift_columns(e: &mut Expr, delta: usize) {
    match e {
        Expr::Column(i, _) => *i -= delta,
        Expr::Binary(_, l, r, _) | Expr::IsDistinct(l, r, _) => {
            shift_columns(l, delta);
            shift_columns(r, delta);
        }
        Expr::Neg(x)
        | Expr::Not(x)
        | Expr::IsNull(x, _)
        | Expr::IsBool(x, _, _)
        | Expr::Cast(x, _)
        | Expr::AssignCast(x, _) => shift_columns(x, delta),
        Expr::And(v) | Expr::Or(v) | Expr::Func(_, v, _) => {
            v.iter_mut().for_each(|x| shift_columns(x, delta))
        }
        Expr::InList(x, v, _) => {
            shift_columns(x, delta);
            v.iter_mut().for_each(|y| shift_columns(y, delta));
        }
        Expr::ArrayCons(v, _) => v.iter_mut().for_each(|x| shift_columns(x, delta)),
        Expr::ArrayOp { lhs, array, .. } => {
            shift_columns(lhs, delta);
            shift_columns(array, delta);
        }
        Expr::Subscript(base, sub, _) => {
            shift_columns(base, delta);
            match sub {
                ArraySubscript::Index(i) => shift_columns(i, delta),
                ArraySubscript::Slice(lo, hi) => lo
                    .iter_mut()
                    .chain(hi.iter_mut())
                    .for_each(|x| shift_columns(x, delta)),
            }
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
            ..
        } => {
            if let Some(o) = operand {
                shift_columns(o, delta);
            }
            for (c, r) in whens {
                shift_columns(c, delta);
                shift_columns(r, delta);
            }
            if let Some(o) = otherwise {
                shift_columns(o, delta);
            }
        }
        Expr::Const(..)
        | Expr::Outer { .. }
        | Expr::Param(..)
        | Expr::SubPlan(_)
        | Expr::Sequence(..)
        | Expr::IndexCheck(_) => {}
    }
}

/// The pieces of a join [`index_nest_loop`] hands back when it does not
/// apply: left, right, hash keys, condition.
type JoinParts = (Plan, Plan, Vec<(Expr, Expr)>, Option<Expr>);

/// Rows a left input may produce and still be "small": few enough that a
/// probe of the right table's index per row beats reading all of it.
const SMALL_LEFT_ROWS: usize = 1000;

/// Whether `plan` yields few rows without statistics to say so: an index
/// scan fixed by equalities, a short VALUES list, or a small constant LIMIT.
fn is_small(plan: &Plan) -> bool {
    match plan {
        Plan::IndexScan { path, .. } => {
            path.eq_prefix() > 0
                || matches!(
                    path.quals.last(),
                    Some(ColumnQual::In(_) | ColumnQual::InArray(_))
                )
        }
        Plan::Values { rows, .. } => rows.len() <= SMALL_LEFT_ROWS,
        Plan::Limit {
            limit: Some(Expr::Const(storage::datum::Datum::Int8(n), _)),
            ..
        } => *n >= 0 && (*n as usize) <= SMALL_LEFT_ROWS,
        Plan::Filter { input, .. } | Plan::Project { input, .. } | Plan::Truncate { input, .. } => {
            is_small(input)
        }
        Plan::IndexNestLoop {
            left,
            index,
            probe_keys,
            ..
        } => is_small(left) && index.unique && *probe_keys == index.columns.len(),
        _ => false,
    }
}

/// Turns a hash join whose right side is a table (possibly filtered) with
/// an index on the right join keys into a nested loop probing that index.
#[allow(clippy::too_many_arguments)]
fn index_nest_loop(
    left: Plan,
    right: Plan,
    kind: JoinKind,
    hash_keys: Vec<(Expr, Expr)>,
    condition: Option<Expr>,
    left_width: usize,
    right_width: usize,
) -> Result<Plan, Box<JoinParts>> {
    let (table, right_filter) = match &right {
        Plan::SeqScan { table } => (table.clone(), None),
        Plan::Filter { input, predicate } => match &**input {
            Plan::SeqScan { table } => (table.clone(), Some(predicate.clone())),
            _ => return Err(Box::new((left, right, hash_keys, condition))),
        },
        _ => return Err(Box::new((left, right, hash_keys, condition))),
    };
    // The right key column of each hash key.
    let key_columns: Vec<Option<usize>> = hash_keys
        .iter()
        .map(|(l, r)| {
            key_column(r, &table).filter(|&c| comparable(table.columns[c].typ, Some(l.typ())))
        })
        .collect();
    let best = table
        .indexes
        .iter()
        .filter_map(|index| {
            let mut order = Vec::new();
            for col in &index.columns {
                match key_columns.iter().position(|k| *k == Some(*col)) {
                    Some(i) => order.push(i),
                    None => break,
                }
            }
            (!order.is_empty()).then_some((index, order))
        })
        .max_by_key(|(index, order)| {
            (
                order.len(),
                index.unique && order.len() == index.columns.len(),
            )
        })
        .map(|(index, order)| (index.clone(), order));
    let Some((index, order)) = best else {
        return Err(Box::new((left, right, hash_keys, condition)));
    };
    let probe_keys = order.len();
    let mut keys: Vec<(Expr, Expr)> = Vec::with_capacity(hash_keys.len());
    let mut rest = Vec::new();
    let mut taken = vec![false; hash_keys.len()];
    for &i in &order {
        taken[i] = true;
    }
    let mut hash_keys: Vec<Option<(Expr, Expr)>> = hash_keys.into_iter().map(Some).collect();
    for &i in &order {
        if let Some(k) = hash_keys[i].take() {
            keys.push(k);
        }
    }
    for (i, k) in hash_keys.into_iter().enumerate() {
        if !taken[i]
            && let Some(k) = k
        {
            rest.push(k);
        }
    }
    keys.extend(rest);
    Ok(Plan::IndexNestLoop {
        left: Box::new(left),
        table,
        index,
        keys,
        probe_keys,
        right_filter,
        condition,
        kind,
        left_width,
        right_width,
    })
}

/// Serves `keys` (a Sort over `input`) from an index if `input` is a
/// projection of a table scan whose index order matches; gives `input`
/// back otherwise.
fn ordered_scan(input: Plan, keys: &[SortKey], limited: bool) -> Result<Plan, Box<Plan>> {
    let Plan::Project { input: scan, exprs } = input else {
        return Err(Box::new(input));
    };
    // The table columns the sort keys name, through the projection.
    let columns: Option<Vec<(usize, &SortKey)>> = keys
        .iter()
        .map(|k| match &k.expr {
            Expr::Column(j, _) => match exprs.get(*j) {
                Some(Expr::Column(c, _)) => Some((*c, k)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let rebuilt = |scan: Plan, exprs: Vec<Expr>| {
        Box::new(Plan::Project {
            input: Box::new(scan),
            exprs,
        })
    };
    let Some(columns) = columns else {
        return Err(rebuilt(*scan, exprs));
    };
    match *scan {
        Plan::IndexScan {
            table,
            mut path,
            filter,
        } => match order_direction(&path.index, path.eq_prefix(), &columns) {
            Some(backward) => {
                path.backward = backward;
                Ok(*rebuilt(
                    Plan::IndexScan {
                        table,
                        path,
                        filter,
                    },
                    exprs,
                ))
            }
            None => Err(rebuilt(
                Plan::IndexScan {
                    table,
                    path,
                    filter,
                },
                exprs,
            )),
        },
        Plan::SeqScan { table } if limited => match full_index_in_order(&table, &columns) {
            Some(path) => Ok(*rebuilt(
                Plan::IndexScan {
                    table,
                    path,
                    filter: None,
                },
                exprs,
            )),
            None => Err(rebuilt(Plan::SeqScan { table }, exprs)),
        },
        Plan::Filter { input, predicate } if limited => match *input {
            Plan::SeqScan { table } => match full_index_in_order(&table, &columns) {
                Some(path) => Ok(*rebuilt(
                    Plan::IndexScan {
                        table,
                        path,
                        filter: Some(predicate),
                    },
                    exprs,
                )),
                None => Err(rebuilt(
                    Plan::Filter {
                        input: Box::new(Plan::SeqScan { table }),
                        predicate,
                    },
                    exprs,
                )),
            },
            other => Err(rebuilt(
                Plan::Filter {
                    input: Box::new(other),
                    predicate,
                },
                exprs,
            )),
        },
        other => Err(rebuilt(other, exprs)),
    }
}

/// An unqualified scan of the first index of `table` whose order serves
/// the sort `columns`.
fn full_index_in_order(table: &TableInfo, columns: &[(usize, &SortKey)]) -> Option<IndexPath> {
    table.indexes.iter().find_map(|index| {
        order_direction(index, 0, columns).map(|backward| IndexPath {
            index: index.clone(),
            quals: Vec::new(),
            backward,
        })
    })
}

/// Whether reading `index` (its first `fixed` columns held equal) forwards
/// (`Some(false)`) or backwards (`Some(true)`) yields rows sorted by
/// `columns`.
fn order_direction(index: &IndexInfo, fixed: usize, columns: &[(usize, &SortKey)]) -> Option<bool> {
    let fixed_columns = &index.columns[..fixed.min(index.columns.len())];
    let mut direction = None;
    // Keys on columns the scan holds equal are satisfied whatever their
    // place; the others must follow the index's next columns in order.
    let rest = columns.iter().filter(|(c, _)| !fixed_columns.contains(c));
    for (i, (col, key)) in rest.enumerate() {
        let at = fixed + i;
        if index.columns.get(at) != Some(col) {
            return None;
        }
        let order = index.orders[at];
        let this = if order.descending == key.descending && order.nulls_first == key.nulls_first {
            false
        } else if order.descending != key.descending && order.nulls_first != key.nulls_first {
            true
        } else {
            return None;
        };
        if *direction.get_or_insert(this) != this {
            return None;
        }
    }
    Some(direction.unwrap_or(false))
}

/// The index to read `table`'s rows satisfying `predicate` with, if one
/// pays (module doc, "Choosing").
pub fn choose_index(
    table: &TableInfo,
    predicate: Option<&Expr>,
    info: &dyn PlannerInfo,
) -> Option<IndexPath> {
    let predicate = predicate?;
    if table.indexes.is_empty() {
        return None;
    }
    let mut quals = Vec::new();
    collect_quals(predicate, table, &mut quals);
    if quals.is_empty() {
        return None;
    }
    let paths: Vec<IndexPath> = table
        .indexes
        .iter()
        .filter_map(|index| index_path(index, &quals))
        .collect();
    if let Some(unique) = paths.iter().find(|p| p.is_unique_lookup()) {
        return Some(unique.clone());
    }
    let model = ScanModel::new(table, predicate, info);
    let seq = model.seq_cost();
    paths
        .into_iter()
        .map(|p| (model.index_cost(&p), p))
        .filter(|(cost, _)| *cost < seq)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
}

/// The costs of reading one table's rows that satisfy a filter (shared
/// with EXPLAIN, which prints them).
pub struct ScanModel<'a> {
    table: &'a TableInfo,
    terms: Vec<&'a Expr>,
    estimates: TableEstimates,
    costs: CostSettings,
    size: cost::RelSize,
}

impl<'a> ScanModel<'a> {
    /// The model of scanning `table` for the rows satisfying `predicate`.
    pub fn new(table: &'a TableInfo, predicate: &'a Expr, info: &dyn PlannerInfo) -> Self {
        let estimates = info.estimates(table);
        ScanModel {
            table,
            terms: conjuncts(predicate),
            size: estimates.size(table),
            estimates,
            costs: info.costs(),
        }
    }

    fn seq_cost(&self) -> f64 {
        self.seq_scan().total
    }

    fn index_cost(&self, path: &IndexPath) -> f64 {
        self.index_scan(path).total
    }

    /// The table's estimated size.
    pub fn size(&self) -> cost::RelSize {
        self.size
    }

    /// The estimated average row width.
    pub fn row_width(&self) -> usize {
        self.estimates.row_width(self.table)
    }

    /// A sequential scan's cost.
    pub fn seq_scan(&self) -> cost::Cost {
        cost::seq_scan(&self.costs, self.size, self.terms.len())
    }

    /// An index scan's cost along `path`.
    pub fn index_scan(&self, path: &IndexPath) -> cost::Cost {
        cost::index_scan(&self.costs, &self.index_input(path))
    }

    /// Rows satisfying the whole filter (at least one, as PostgreSQL
    /// rounds estimates; at most one for a unique lookup).
    pub fn rows(&self, path: Option<&IndexPath>) -> f64 {
        if path.is_some_and(IndexPath::is_unique_lookup) {
            return 1.0;
        }
        let estimator = Estimator {
            table: self.table,
            stats: &self.estimates.stats,
            tuples: self.size.tuples,
        };
        let terms: Vec<Expr> = self.terms.iter().map(|t| (*t).clone()).collect();
        (estimator.clause(&Expr::And(terms)) * self.size.tuples)
            .round()
            .max(1.0)
    }

    /// The cost model's view of `path`.
    fn index_input(&self, path: &IndexPath) -> cost::IndexScanInput {
        let enforced = enforced_conjuncts(&self.terms, path, self.table);
        let index_terms: Vec<Expr> = self
            .terms
            .iter()
            .zip(&enforced)
            .filter(|(_, e)| **e)
            .map(|(t, _)| (*t).clone())
            .collect();
        let estimator = Estimator {
            table: self.table,
            stats: &self.estimates.stats,
            tuples: self.size.tuples,
        };
        let index_selectivity = estimator.clause(&Expr::And(index_terms.clone()));
        let leading = path
            .index
            .columns
            .first()
            .and_then(|c| i16::try_from(c + 1).ok())
            .and_then(|n| self.estimates.stats.column(n));
        cost::IndexScanInput {
            size: self.size,
            index_selectivity,
            entries: if path.is_unique_lookup() {
                1.0
            } else {
                index_selectivity * self.size.tuples
            },
            index_quals: index_terms.len(),
            filter_quals: self.terms.len(),
            key_width: path
                .index
                .columns
                .iter()
                .map(|c| cost::type_width(self.table.columns[*c].typ))
                .sum(),
            correlation: leading.and_then(|s| s.correlation).unwrap_or(0.0),
        }
    }
}

/// The conjuncts of `e`.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::And(v) => v.iter().flat_map(conjuncts).collect(),
        other => vec![other],
    }
}

/// The quals `index` can use, on a prefix of its key.
fn index_path(index: &Arc<IndexInfo>, quals: &[Qual]) -> Option<IndexPath> {
    let mut out = Vec::new();
    for &col in &index.columns {
        if let Some(v) = quals.iter().find_map(|q| match q {
            Qual::Cmp(BinOp::Eq, c, v) if *c == col => Some(v.clone()),
            _ => None,
        }) {
            out.push(ColumnQual::Eq(v));
            continue;
        }
        if let Some(list) = quals.iter().find_map(|q| match q {
            Qual::In(c, list) if *c == col => Some(list.clone()),
            _ => None,
        }) {
            out.push(ColumnQual::In(list));
            break;
        }
        if let Some(array) = quals.iter().find_map(|q| match q {
            Qual::InArray(c, array) if *c == col => Some(array.clone()),
            _ => None,
        }) {
            out.push(ColumnQual::InArray(array));
            break;
        }
        let mut lower = None;
        let mut upper = None;
        for q in quals {
            if let Qual::Cmp(op, c, v) = q
                && *c == col
            {
                match op {
                    BinOp::Gt => lower = lower.or(Some((v.clone(), false))),
                    BinOp::GtEq => lower = lower.or(Some((v.clone(), true))),
                    BinOp::Lt => upper = upper.or(Some((v.clone(), false))),
                    BinOp::LtEq => upper = upper.or(Some((v.clone(), true))),
                    _ => {}
                }
            }
        }
        if lower.is_some() || upper.is_some() {
            out.push(ColumnQual::Range { lower, upper });
        }
        break;
    }
    (!out.is_empty()).then(|| IndexPath {
        index: index.clone(),
        quals: out,
        backward: false,
    })
}

/// Collects the usable conjuncts of `e`.
fn collect_quals(e: &Expr, table: &TableInfo, out: &mut Vec<Qual>) {
    match e {
        Expr::And(terms) => terms.iter().for_each(|t| collect_quals(t, table, out)),
        Expr::Binary(op, l, r, _) if is_index_op(*op) => {
            if let Some(c) = key_column(l, table)
                && is_pseudo_constant(r)
                && comparable(table.columns[c].typ, expr_type(r))
            {
                out.push(Qual::Cmp(*op, c, (**r).clone()));
            } else if let Some(c) = key_column(r, table)
                && is_pseudo_constant(l)
                && comparable(table.columns[c].typ, expr_type(l))
            {
                out.push(Qual::Cmp(commute(*op), c, (**l).clone()));
            }
        }
        Expr::InList(x, list, false) => {
            if let Some(c) = key_column(x, table)
                && list.iter().all(|v| {
                    is_pseudo_constant(v) && comparable(table.columns[c].typ, expr_type(v))
                })
            {
                out.push(Qual::In(c, list.clone()));
            }
        }
        Expr::ArrayOp {
            op: BinOp::Eq,
            all: false,
            lhs,
            array,
        } => {
            if let Some(c) = key_column(lhs, table)
                && is_pseudo_constant(array)
                && comparable(
                    table.columns[c].typ,
                    expr_type(array).and_then(super::array::element_of),
                )
            {
                out.push(Qual::InArray(c, (**array).clone()));
            }
        }
        _ => {}
    }
}

fn is_index_op(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
    )
}

/// `a op b` as `b op' a`.
pub(super) fn commute(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::LtEq => BinOp::GtEq,
        BinOp::Gt => BinOp::Lt,
        BinOp::GtEq => BinOp::LtEq,
        other => other,
    }
}

/// The table column `e` reads, looking through a widening integer cast
/// (which the binder adds to compare an `int4` column with an `int8`).
fn key_column(e: &Expr, table: &TableInfo) -> Option<usize> {
    match e {
        Expr::Column(c, _) if *c < table.columns.len() => Some(*c),
        Expr::Cast(inner, to) => match &**inner {
            Expr::Column(c, from)
                if *c < table.columns.len() && is_integer(from.oid) && is_integer(to.oid) =>
            {
                Some(*c)
            }
            _ => None,
        },
        _ => None,
    }
}

fn is_integer(t: TypeOid) -> bool {
    matches!(t, TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8)
}

fn is_text(t: TypeOid) -> bool {
    matches!(t, TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::NAME)
}

/// Whether a value of type `value` can bound an index column of type
/// `column` (converted at scan time; see the module doc).
fn comparable(column: SqlType, value: Option<SqlType>) -> bool {
    let Some(value) = value else {
        return false;
    };
    column.oid == value.oid
        || (is_integer(column.oid) && is_integer(value.oid))
        || (is_text(column.oid) && is_text(value.oid))
}

/// The result type of a pseudo-constant expression.
fn expr_type(e: &Expr) -> Option<SqlType> {
    match e {
        Expr::Const(_, t)
        | Expr::Param(_, t)
        | Expr::Outer { typ: t, .. }
        | Expr::Cast(_, t)
        | Expr::AssignCast(_, t)
        | Expr::Binary(_, _, _, t)
        | Expr::ArrayCons(_, t)
        | Expr::Func(_, _, t) => Some(*t),
        Expr::Neg(x) => expr_type(x),
        _ => None,
    }
}

/// Built from constants, parameters, outer columns and non-volatile
/// functions of those: one value for the whole scan.
pub(crate) fn is_pseudo_constant(e: &Expr) -> bool {
    match e {
        Expr::Const(..) | Expr::Param(..) | Expr::Outer { .. } => true,
        Expr::Cast(x, _) | Expr::AssignCast(x, _) | Expr::Neg(x) => is_pseudo_constant(x),
        Expr::Binary(op, l, r, _) => {
            !op.is_comparison() && is_pseudo_constant(l) && is_pseudo_constant(r)
        }
        Expr::Func(f, args, _) => !is_volatile(*f) && args.iter().all(is_pseudo_constant),
        Expr::ArrayCons(elems, _) => elems.iter().all(is_pseudo_constant),
        _ => false,
    }
}

fn is_volatile(f: Builtin) -> bool {
    matches!(
        f,
        Builtin::Random | Builtin::GenRandomUuid | Builtin::ClockTimestamp | Builtin::Notify
    )
}

/// Which of the conjuncts `terms` the quals of `path` enforce exactly (for
/// EXPLAIN, which shows the others as the scan's filter).
pub fn enforced_conjuncts(terms: &[&Expr], path: &IndexPath, table: &TableInfo) -> Vec<bool> {
    let qual_columns = &path.index.columns[..path.quals.len().min(path.index.columns.len())];
    terms
        .iter()
        .map(|t| {
            let mut quals = Vec::new();
            collect_quals(t, table, &mut quals);
            quals.len() == 1
                && match &quals[0] {
                    Qual::Cmp(_, c, _) | Qual::In(c, _) | Qual::InArray(c, _) => {
                        qual_columns.contains(c)
                    }
                }
        })
        .collect()
}
