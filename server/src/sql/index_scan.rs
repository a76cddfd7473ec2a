//! Executing an index scan (PostgreSQL's `nodeIndexscan.c`): turning an
//! [`IndexPath`]'s quals into B-tree key ranges, walking them, and
//! fetching each entry's heap version under the statement's snapshot.
//!
//! # From quals to ranges
//!
//! ```text
//!   a = 1 AND b = 2                  [ (1,2) .. (1,2) ]   (prefix bounds)
//!   a = 1 AND b > 5 AND b <= 9       ( (1,5) .. (1,9) ]
//!   a = 1 AND b IN (7, 3, 3)         [ (1,3) .. (1,3) ], [ (1,7) .. (1,7) ]
//!   a = ANY ('{7,NULL,3}')           [ (3) .. (3) ], [ (7) .. (7) ]
//!   a < 10                           ( -inf  .. (10)  )
//! ```
//!
//! Qual values are evaluated once when the scan starts (they may name
//! parameters or an enclosing query's row) and converted to the key
//! column's type. A value no key of that type can equal (NULL, an `int8`
//! beyond an `int4` column) makes an equality range empty; such a range
//! bound is dropped instead, which only widens the scan: the node's filter
//! re-checks the whole WHERE clause on every row, so no row is returned
//! that the clause rejects.
//!
//! An entry may point at a version the snapshot does not see (every
//! version has its own entries); the heap fetch decides.

use std::cmp::Ordering;
use std::ops::Bound;

use storage::catalog::{IndexInfo, TableInfo};
use storage::datum::compare::{cmp_sort_key, cmp_values};
use storage::datum::{Datum, SqlType, TypeOid};
use storage::engine::Engine;
use storage::heap::tuple::deform_tuple;
use storage::nbtree::{BTreeScan, ScanDirection};
use storage::txn::Snapshot;
use storage::types::ItemPointer;

use super::exec::{ExecCtx, Row, RowIter, join_pair, null_extended};
use super::expr::Expr;
use super::path::{ColumnQual, IndexPath};
use crate::error::SqlResult;

/// One key range: (lower, upper) over a prefix of the key.
type KeyRange = (Bound<Vec<Datum>>, Bound<Vec<Datum>>);

/// The key ranges `path` visits, in scan order, evaluated against the
/// enclosing rows `outer`.
pub fn key_ranges(
    path: &IndexPath,
    table: &TableInfo,
    cx: &ExecCtx<'_>,
    outer: &[&[Datum]],
) -> SqlResult<Vec<KeyRange>> {
    let ecx = cx.eval_ctx(outer);
    let eval = |e: &Expr, col: usize| -> SqlResult<Option<Datum>> {
        let v = e.eval(&[], &ecx)?;
        Ok(to_key_type(v, table.columns[path.index.columns[col]].typ))
    };
    let mut prefix = Vec::with_capacity(path.quals.len());
    for (i, q) in path.quals.iter().enumerate() {
        match q {
            ColumnQual::Eq(e) => match eval(e, i)? {
                Some(v) => prefix.push(v),
                None => return Ok(Vec::new()),
            },
            ColumnQual::Range { lower, upper } => {
                let typ = table.columns[path.index.columns[i]].typ;
                let mut bounds = [Bound::Unbounded, Bound::Unbounded];
                for (slot, b) in bounds.iter_mut().zip([lower, upper]) {
                    *slot = match b {
                        Some((e, inclusive)) => match e.eval(&[], &ecx)? {
                            // `c > NULL` holds for no row.
                            Datum::Null => return Ok(Vec::new()),
                            v => match to_key_type(v, typ) {
                                Some(v) => {
                                    let mut key = prefix.clone();
                                    key.push(v);
                                    if *inclusive {
                                        Bound::Included(key)
                                    } else {
                                        Bound::Excluded(key)
                                    }
                                }
                                None => prefix_bound(&prefix),
                            },
                        },
                        None => prefix_bound(&prefix),
                    };
                }
                let [lower, upper] = bounds;
                return Ok(vec![(lower, upper)]);
            }
            ColumnQual::In(_) | ColumnQual::InArray(_) => {
                let mut values = Vec::new();
                match q {
                    ColumnQual::In(list) => {
                        for e in list {
                            if let Some(v) = eval(e, i)? {
                                values.push(v);
                            }
                        }
                    }
                    ColumnQual::InArray(e) => {
                        // A NULL array matches no row; NULL elements match none.
                        if let Datum::Array(a) = e.eval(&[], &ecx)? {
                            let typ = table.columns[path.index.columns[i]].typ;
                            values
                                .extend(a.elems.iter().filter_map(|v| to_key_type(v.clone(), typ)));
                        }
                    }
                    _ => {}
                }
                let order = path.index.orders[i];
                values.sort_by(|a, b| {
                    let o = cmp_sort_key(a, b, order.descending, order.nulls_first);
                    if path.backward { o.reverse() } else { o }
                });
                values.dedup_by(|a, b| {
                    cmp_sort_key(a, b, order.descending, order.nulls_first) == Ordering::Equal
                });
                return Ok(values
                    .into_iter()
                    .map(|v| {
                        let mut key = prefix.clone();
                        key.push(v);
                        (Bound::Included(key.clone()), Bound::Included(key))
                    })
                    .collect());
            }
        }
    }
    Ok(vec![(prefix_bound(&prefix), prefix_bound(&prefix))])
}

/// An inclusive bound on the equality prefix, or none if it is empty.
fn prefix_bound(prefix: &[Datum]) -> Bound<Vec<Datum>> {
    if prefix.is_empty() {
        Bound::Unbounded
    } else {
        Bound::Included(prefix.to_vec())
    }
}

/// `v` as a key of type `typ`, or `None` if no key equals it.
fn to_key_type(v: Datum, typ: SqlType) -> Option<Datum> {
    let int = match v {
        Datum::Null => return None,
        Datum::Int2(x) => i64::from(x),
        Datum::Int4(x) => i64::from(x),
        Datum::Int8(x) => x,
        other => return Some(other),
    };
    match typ.oid {
        TypeOid::INT2 => i16::try_from(int).ok().map(Datum::Int2),
        TypeOid::INT4 => i32::try_from(int).ok().map(Datum::Int4),
        _ => Some(Datum::Int8(int)),
    }
}

/// Rows of a table through an index, rechecked by `filter`.
pub struct IndexScanIter<'a> {
    engine: &'a Engine,
    snapshot: &'a Snapshot,
    table: &'a TableInfo,
    index: &'a IndexInfo,
    /// The quals to turn into ranges when the scan starts; `None` when the
    /// ranges were given.
    path: Option<&'a IndexPath>,
    backward: bool,
    filter: Option<&'a Expr>,
    ranges: Option<std::vec::IntoIter<KeyRange>>,
    scan: Option<BTreeScan>,
    row: Row,
}

impl<'a> IndexScanIter<'a> {
    /// A scan of `table` along `path`, reading with `cx`'s snapshot.
    pub fn new(
        table: &'a TableInfo,
        path: &'a IndexPath,
        filter: Option<&'a Expr>,
        cx: &ExecCtx<'a>,
    ) -> Self {
        IndexScanIter {
            engine: cx.engine,
            snapshot: cx.snapshot,
            table,
            index: &path.index,
            path: Some(path),
            backward: path.backward,
            filter,
            ranges: None,
            scan: None,
            row: Vec::new(),
        }
    }

    /// A probe of `index` for the entries whose leading columns equal
    /// `key` (values of any integer width; see [`key_ranges`]).
    pub fn probe(
        table: &'a TableInfo,
        index: &'a IndexInfo,
        key: Vec<Datum>,
        filter: Option<&'a Expr>,
        engine: &'a Engine,
        snapshot: &'a Snapshot,
    ) -> Self {
        let converted: Option<Vec<Datum>> = key
            .into_iter()
            .zip(&index.columns)
            .map(|(v, &c)| to_key_type(v, table.columns[c].typ))
            .collect();
        let ranges = match converted {
            Some(k) => vec![(Bound::Included(k.clone()), Bound::Included(k))],
            None => Vec::new(),
        };
        IndexScanIter {
            engine,
            snapshot,
            table,
            index,
            path: None,
            backward: false,
            filter,
            ranges: Some(ranges.into_iter()),
            scan: None,
            row: Vec::new(),
        }
    }

    /// The next visible heap version that passes the filter: its TID and
    /// values.
    pub fn next_match(
        &mut self,
        cx: &ExecCtx<'_>,
        outer: &[&[Datum]],
    ) -> SqlResult<Option<(ItemPointer, Row)>> {
        if self.ranges.is_none()
            && let Some(path) = self.path
        {
            self.ranges = Some(key_ranges(path, self.table, cx, outer)?.into_iter());
        }
        loop {
            cx.check_cancel()?;
            let scan = match &mut self.scan {
                Some(scan) => scan,
                None => {
                    let Some((lower, upper)) = self.ranges.as_mut().and_then(|r| r.next()) else {
                        return Ok(None);
                    };
                    let direction = if self.backward {
                        ScanDirection::Backward
                    } else {
                        ScanDirection::Forward
                    };
                    self.scan.insert(self.engine.btree.scan(
                        self.index.locator,
                        &self.index.key,
                        lower,
                        upper,
                        direction,
                    )?)
                }
            };
            let Some((tid, _)) = scan.next()? else {
                self.scan = None;
                continue;
            };
            let Some(tuple) = self
                .engine
                .heap
                .fetch(self.table.locator, tid, self.snapshot)?
            else {
                continue;
            };
            deform_tuple(&self.table.desc, &tuple, &mut self.row)?;
            let pass = match self.filter {
                Some(f) => f.eval_qual(&self.row, &cx.eval_ctx(outer))?,
                None => true,
            };
            if pass {
                return Ok(Some((tid, std::mem::take(&mut self.row))));
            }
        }
    }
}

impl RowIter for IndexScanIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        Ok(self.next_match(cx, outer)?.map(|(_, row)| row))
    }
}

/// [`Plan::IndexNestLoop`]: each left row's keys probe the right table's
/// index; matches are rechecked on every key and the join condition.
pub struct IndexNestLoopIter<'a> {
    /// Left input.
    pub left: Box<dyn RowIter + 'a>,
    /// The plan node.
    pub table: &'a TableInfo,
    /// The probed index.
    pub index: &'a IndexInfo,
    /// (left, right) key expressions.
    pub keys: &'a [(Expr, Expr)],
    /// Keys used as index quals.
    pub probe_keys: usize,
    /// Right-row filter.
    pub right_filter: Option<&'a Expr>,
    /// Join condition over the combined row.
    pub condition: Option<&'a Expr>,
    /// Emit NULL-extended rows for unmatched left rows.
    pub left_join: bool,
    /// Right width.
    pub right_width: usize,
    /// Snapshot and engine for the probes.
    pub engine: &'a Engine,
    /// The statement's snapshot.
    pub snapshot: &'a Snapshot,
    /// Joined rows not yet returned.
    pub pending: std::collections::VecDeque<Row>,
}

impl RowIter for IndexNestLoopIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            let Some(lrow) = self.left.next(cx, outer)? else {
                return Ok(None);
            };
            let ecx = cx.eval_ctx(outer);
            let lkeys: Vec<Datum> = self
                .keys
                .iter()
                .map(|(l, _)| l.eval(&lrow, &ecx))
                .collect::<SqlResult<_>>()?;
            let mut any = false;
            if !lkeys.iter().any(|d| matches!(d, Datum::Null)) {
                let mut scan = IndexScanIter::probe(
                    self.table,
                    self.index,
                    lkeys[..self.probe_keys].to_vec(),
                    self.right_filter,
                    self.engine,
                    self.snapshot,
                );
                while let Some((_, rrow)) = scan.next_match(cx, outer)? {
                    let mut equal = true;
                    for ((_, r), lv) in self.keys.iter().zip(&lkeys) {
                        let rv = r.eval(&rrow, &ecx)?;
                        if matches!(rv, Datum::Null) || cmp_values(lv, &rv) != Ordering::Equal {
                            equal = false;
                            break;
                        }
                    }
                    if !equal {
                        continue;
                    }
                    if let Some(row) = join_pair(&lrow, rrow, self.condition, &ecx)? {
                        any = true;
                        self.pending.push_back(row);
                    }
                }
            }
            if !any && self.left_join {
                self.pending
                    .push_back(null_extended(lrow, self.right_width));
            }
        }
    }
}
