//! The executor: runs plans over the storage engine.
//!
//! Each plan node becomes a row iterator pulled by its parent. Scans,
//! filters, projections, limits and DISTINCT stream; sorts, aggregation,
//! the inner side of joins and INTERSECT / EXCEPT read their input fully
//! first. Expressions are evaluated with the statement's parameters, the
//! session's settings and, inside correlated subqueries, the enclosing
//! rows.
//!
//! DML runs here too: INSERT forms tuples and stores them; UPDATE and
//! DELETE scan the target under the statement's snapshot and modify each
//! qualifying row version, following a concurrently updated row to its
//! newest version and re-checking the WHERE clause under READ COMMITTED
//! (PostgreSQL's EvalPlanQual), failing with 40001 under REPEATABLE READ.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use storage::catalog::{IndexInfo, TableInfo};
use storage::datum::{Datum, Interval, Numeric, SqlType, TypeOid};
use storage::engine::Engine;
use storage::heap::heapam::{HeapScan, ModifyResult, Writer};
use storage::heap::tuple::{deform_tuple, form_tuple};
use storage::txn::Snapshot;
use storage::types::ItemPointer;

use super::bind::{DeletePlan, InsertPlan, UpdatePlan};
use super::compare::{GroupKey, cmp_sort_key, cmp_values};
use super::expr::{EvalCtx, Expr, SeqOp, SessionEnv, SubPlan, SubplanRunner};
use super::plan::{AggCall, AggFunc, JoinKind, Plan, RowWaitPolicy, SetOpKind, SortKey};
use crate::error::{SqlError, SqlResult};

mod ordered_set;
mod recursive;
mod srf;
pub mod tuplesort;
mod window;

/// A row of values.
pub type Row = Vec<Datum>;

/// What EXPLAIN ANALYZE counts for one plan node, over every time the
/// node was opened (a loop: an inner side is opened once per outer row).
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeStats {
    /// Rows returned, over all loops.
    pub rows: u64,
    /// Times the node was opened.
    pub loops: u64,
    /// Time to the first row, summed over loops (children included).
    pub startup: std::time::Duration,
    /// Time in the node's `next` calls, summed over loops (children
    /// included).
    pub total: std::time::Duration,
}

/// Per-node counts of an instrumented run, by [`node_key`].
pub type Instrumentation = RefCell<HashMap<usize, NodeStats>>;

/// The key of `plan`'s counts: the node's address, which the plan being
/// run and the plan being printed share.
pub fn node_key(plan: &Plan) -> usize {
    plan as *const Plan as usize
}

/// Everything a statement's execution reads.
pub struct ExecCtx<'a> {
    /// The storage engine.
    pub engine: &'a Engine,
    /// The statement's snapshot.
    pub snapshot: &'a Snapshot,
    /// Parameter values.
    pub params: &'a [Datum],
    /// Session facts.
    pub env: &'a SessionEnv,
    /// The session's settings (`current_setting`).
    pub settings: &'a crate::guc::Settings,
    /// The writer, for DML.
    pub writer: Option<Writer<'a>>,
    /// REPEATABLE READ or SERIALIZABLE: concurrent updates fail with 40001.
    pub serializable_conflicts: bool,
    /// Results of uncorrelated subqueries, computed once.
    pub subplan_cache: RefCell<HashMap<usize, Vec<Row>>>,
    /// EXPLAIN ANALYZE's per-node counts, when it runs the plan.
    pub instrument: Option<&'a Instrumentation>,
    /// Set when the client cancels; checked between rows.
    pub cancel: &'a std::sync::atomic::AtomicBool,
    /// When `statement_timeout` expires, if set.
    pub deadline: Option<std::time::Instant>,
}

impl SubplanRunner for ExecCtx<'_> {
    fn run_subplan(&self, sub: &SubPlan, outer: &[&[Datum]]) -> SqlResult<Vec<Vec<Datum>>> {
        if !sub.correlated
            && let Some(rows) = self.subplan_cache.borrow().get(&sub.id)
        {
            return Ok(rows.clone());
        }
        let limit = match sub.kind {
            super::expr::SubKind::Exists => Some(1),
            super::expr::SubKind::Scalar => Some(2),
            _ => None,
        };
        let mut it = open(&sub.plan, self)?;
        let mut rows = Vec::new();
        while let Some(r) = it.next(self, outer)? {
            rows.push(r);
            if limit.is_some_and(|l| rows.len() >= l) {
                break;
            }
        }
        if !sub.correlated {
            self.subplan_cache.borrow_mut().insert(sub.id, rows.clone());
        }
        Ok(rows)
    }

    fn wal_function(&self, f: super::func::Builtin, args: &[Datum]) -> SqlResult<Datum> {
        super::walfuncs::call(f, args, self.engine, self.env)
    }

    fn catalog_function(
        &self,
        f: super::catalogfuncs::CatalogFn,
        args: &[Datum],
    ) -> SqlResult<Datum> {
        super::catalogfuncs::call(f, args, self.engine, self.snapshot, self.env, self.settings)
    }

    fn sequence(&self, op: SeqOp, seq: Option<&TableInfo>, args: &[Datum]) -> SqlResult<Datum> {
        let catalog = &self.engine.catalog;
        let env = self.env;
        let value = match (op, seq) {
            (SeqOp::LastVal, _) => env.lastval.get().ok_or_else(|| {
                SqlError::new("55000", "lastval is not yet defined in this session")
            })?,
            (SeqOp::NextVal | SeqOp::SetVal, Some(_)) if self.engine.is_in_recovery() => {
                let name = if op == SeqOp::NextVal {
                    "nextval"
                } else {
                    "setval"
                };
                return Err(SqlError::new(
                    "25006",
                    format!("cannot execute {name}() in a read-only transaction"),
                ));
            }
            (SeqOp::NextVal, Some(seq)) => catalog.nextval(seq, self.snapshot)?,
            (SeqOp::CurrVal, Some(seq)) => {
                return env
                    .currvals
                    .borrow()
                    .get(&seq.oid.0)
                    .map(|v| Datum::Int8(*v))
                    .ok_or_else(|| {
                        SqlError::new(
                            "55000",
                            format!(
                                "currval of sequence \"{}\" is not yet defined in this session",
                                seq.name
                            ),
                        )
                    });
            }
            (SeqOp::SetVal, Some(seq)) => {
                let Some(Datum::Int8(v)) = args.first() else {
                    return Ok(Datum::Null);
                };
                let called = !matches!(args.get(1), Some(Datum::Bool(false)));
                catalog.setval(seq, self.snapshot, *v, called)?;
                if !called {
                    return Ok(Datum::Int8(*v));
                }
                *v
            }
            (_, None) => return Err(SqlError::internal("sequence function without a sequence")),
        };
        if let Some(seq) = seq {
            env.currvals.borrow_mut().insert(seq.oid.0, value);
        }
        env.lastval.set(Some(value));
        Ok(Datum::Int8(value))
    }

    fn index_check(&self, index: &TableInfo) -> SqlResult<Datum> {
        let catalog = &self.engine.catalog;
        let table = catalog
            .index_table(index.oid, self.snapshot)?
            .and_then(|t| catalog.table_by_oid(t, self.snapshot).transpose())
            .transpose()?
            .ok_or_else(|| SqlError::internal(format!("index \"{}\" has no table", index.name)))?;
        let info = table
            .indexes
            .iter()
            .find(|i| i.oid == index.oid)
            .ok_or_else(|| SqlError::internal(format!("index \"{}\" not loaded", index.name)))?;
        storage::indexing::check_index(self.engine, &table, info)?;
        // void's text output is the empty string.
        Ok(Datum::Text(String::new()))
    }
}

impl ExecCtx<'_> {
    pub(crate) fn eval_ctx<'b>(&'b self, outer: &'b [&'b [Datum]]) -> EvalCtx<'b> {
        EvalCtx {
            params: self.params,
            env: self.env,
            runner: self,
            outer,
        }
    }

    /// Where a sort may spill: `work_mem` and `log_temp_files` of the
    /// session, temporary files under the data directory.
    pub(crate) fn sort_space(&self) -> tuplesort::SortSpace {
        tuplesort::SortSpace {
            data_dir: self.engine.data_dir().to_path_buf(),
            work_mem: self.env.work_mem,
            log_temp_files: self.env.log_temp_files,
        }
    }

    /// Fails with 57014 if the client cancelled or the statement timed out.
    pub fn check_cancel_pub(&self) -> SqlResult<()> {
        self.check_cancel()
    }

    pub(crate) fn check_cancel(&self) -> SqlResult<()> {
        if self.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(SqlError::new(
                "57014",
                "canceling statement due to user request",
            ));
        }
        if self
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
        {
            return Err(SqlError::new(
                "57014",
                "canceling statement due to statement timeout",
            ));
        }
        Ok(())
    }
}

/// A pull-based row source.
pub trait RowIter {
    /// The next row, or `None` at the end.
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>>;
}

type Iter<'a> = Box<dyn RowIter + 'a>;

/// Opens a plan for execution (counting it, under EXPLAIN ANALYZE).
pub fn open<'a>(plan: &'a Plan, cx: &ExecCtx<'a>) -> SqlResult<Iter<'a>> {
    let inner = open_node(plan, cx)?;
    let Some(counts) = cx.instrument else {
        return Ok(inner);
    };
    let key = node_key(plan);
    counts.borrow_mut().entry(key).or_default().loops += 1;
    Ok(Box::new(Instrumented {
        inner,
        key,
        first: true,
    }))
}

/// A node under EXPLAIN ANALYZE: counts its rows and times its calls.
struct Instrumented<'a> {
    inner: Iter<'a>,
    key: usize,
    /// No row asked for yet in this loop.
    first: bool,
}

impl RowIter for Instrumented<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        let started = std::time::Instant::now();
        let row = self.inner.next(cx, outer)?;
        let took = started.elapsed();
        if let Some(counts) = cx.instrument {
            let mut counts = counts.borrow_mut();
            let s = counts.entry(self.key).or_default();
            s.total += took;
            if self.first {
                s.startup += took;
                self.first = false;
            }
            if row.is_some() {
                s.rows += 1;
            }
        }
        Ok(row)
    }
}

fn open_node<'a>(plan: &'a Plan, cx: &ExecCtx<'a>) -> SqlResult<Iter<'a>> {
    Ok(match plan {
        Plan::SeqScan { table } => Box::new(SeqScanIter {
            scan: cx.engine.heap.scan(table.locator, cx.snapshot.clone())?,
            table: table.clone(),
        }),
        Plan::IndexScan {
            table,
            path,
            filter,
        } => Box::new(super::index_scan::IndexScanIter::new(
            table,
            path,
            filter.as_ref(),
            cx,
        )),
        Plan::IndexNestLoop {
            left,
            table,
            index,
            keys,
            probe_keys,
            right_filter,
            condition,
            kind,
            right_width,
            ..
        } => Box::new(super::index_scan::IndexNestLoopIter {
            left: open(left, cx)?,
            table,
            index,
            keys,
            probe_keys: *probe_keys,
            right_filter: right_filter.as_ref(),
            condition: condition.as_ref(),
            left_join: *kind == JoinKind::Left,
            right_width: *right_width,
            engine: cx.engine,
            snapshot: cx.snapshot,
            pending: VecDeque::new(),
        }),
        Plan::Values { rows, .. } => Box::new(ValuesIter { rows, pos: 0 }),
        Plan::LockRows {
            table,
            filter,
            order,
            mode,
            wait,
        } => Box::new(LockRowsIter {
            table,
            filter: filter.as_ref(),
            order,
            mode: *mode,
            wait: *wait,
            candidates: None,
        }),
        Plan::Filter { input, predicate } => Box::new(FilterIter {
            input: open(input, cx)?,
            predicate,
        }),
        Plan::Project { input, exprs } => Box::new(ProjectIter {
            input: open(input, cx)?,
            exprs,
        }),
        Plan::Join {
            left,
            right,
            kind,
            hash_keys,
            condition,
            left_width,
            right_width,
        } => Box::new(JoinIter {
            left: open(left, cx)?,
            right_plan: right,
            right: None,
            kind: *kind,
            hash_keys,
            condition: condition.as_ref(),
            left_width: *left_width,
            right_width: *right_width,
            pending: VecDeque::new(),
            done_left: false,
        }),
        Plan::Aggregate {
            input,
            group_by,
            aggs,
        } => Box::new(AggIter {
            input: Some(open(input, cx)?),
            group_by,
            aggs,
            out: VecDeque::new(),
        }),
        Plan::Sort { input, keys } => Box::new(SortIter {
            input: Some(open(input, cx)?),
            keys,
            sorted: None,
        }),
        Plan::Limit {
            input,
            limit,
            offset,
        } => Box::new(LimitIter {
            input: open(input, cx)?,
            limit: limit.as_ref(),
            offset: offset.as_ref(),
            state: None,
        }),
        Plan::Distinct { input } => Box::new(DistinctIter {
            input: open(input, cx)?,
            seen: HashSet::new(),
        }),
        Plan::Unique { input, keys } => Box::new(UniqueIter {
            input: open(input, cx)?,
            keys,
            last: None,
        }),
        Plan::SetOp {
            op,
            all,
            left,
            right,
        } => Box::new(SetOpIter {
            op: *op,
            all: *all,
            left: open(left, cx)?,
            right: Some(open(right, cx)?),
            seen: HashSet::new(),
            counts: HashMap::new(),
            left_done: false,
        }),
        Plan::Window { input, calls } => Box::new(window::WindowIter {
            input: Some(open(input, cx)?),
            calls,
            out: VecDeque::new(),
        }),
        Plan::RecursiveUnion {
            base,
            recursive,
            all,
            worktable,
        } => Box::new(recursive::RecursiveUnionIter {
            base: Some(open(base, cx)?),
            recursive,
            all: *all,
            worktable: *worktable,
            seen: HashSet::new(),
            next: Vec::new(),
            pending: VecDeque::new(),
        }),
        Plan::WorkTable { worktable } => Box::new(recursive::WorkTableIter {
            rows: None,
            worktable: *worktable,
        }),
        Plan::FunctionScan { call, ordinality } => Box::new(srf::FunctionScanIter {
            call,
            ordinality: *ordinality,
            series: None,
            count: 0,
        }),
        Plan::ProjectSet { input, calls } => Box::new(srf::ProjectSetIter {
            input: open(input, cx)?,
            calls,
            current: None,
        }),
        Plan::LateralJoin {
            left,
            right,
            kind,
            condition,
            right_width,
        } => Box::new(srf::LateralJoinIter {
            left: open(left, cx)?,
            right,
            kind: *kind,
            condition: condition.as_ref(),
            right_width: *right_width,
            pending: VecDeque::new(),
        }),
        Plan::Truncate { input, width } => Box::new(TruncateIter {
            input: open(input, cx)?,
            width: *width,
        }),
    })
}

struct SeqScanIter<'a> {
    scan: HeapScan<'a>,
    table: Arc<TableInfo>,
}

impl RowIter for SeqScanIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, _outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        cx.check_cancel()?;
        match self.scan.next_tuple()? {
            Some((_, tuple)) => {
                let mut row = Vec::with_capacity(self.table.desc.natts());
                deform_tuple(&self.table.desc, tuple, &mut row)?;
                Ok(Some(row))
            }
            None => Ok(None),
        }
    }
}

struct LockRowsIter<'a> {
    table: &'a Arc<TableInfo>,
    filter: Option<&'a Expr>,
    order: &'a [SortKey],
    mode: storage::heap::heapam::RowLockMode,
    wait: RowWaitPolicy,
    /// The rows that passed the filter, in order, not yet locked.
    candidates: Option<std::vec::IntoIter<(ItemPointer, Row)>>,
}

impl LockRowsIter<'_> {
    /// The visible rows passing the filter, sorted by the query's ORDER BY.
    fn candidates(&self, cx: &ExecCtx<'_>) -> SqlResult<Vec<(ItemPointer, Row)>> {
        let mut scan = cx
            .engine
            .heap
            .scan(self.table.locator, cx.snapshot.clone())?;
        let ecx = cx.eval_ctx(&[]);
        let mut keyed = Vec::new();
        let mut row = Vec::new();
        while let Some((tid, tuple)) = scan.next_tuple()? {
            cx.check_cancel()?;
            deform_tuple(&self.table.desc, tuple, &mut row)?;
            if let Some(p) = self.filter
                && !p.eval_qual(&row, &ecx)?
            {
                continue;
            }
            let key: Row = self
                .order
                .iter()
                .map(|k| k.expr.eval(&row, &ecx))
                .collect::<SqlResult<_>>()?;
            keyed.push((key, (tid, row.clone())));
        }
        keyed.sort_by(|a, b| {
            for (i, k) in self.order.iter().enumerate() {
                let o = cmp_sort_key(&a.0[i], &b.0[i], k.descending, k.nulls_first);
                if !o.is_eq() {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
        Ok(keyed.into_iter().map(|(_, c)| c).collect())
    }

    /// Locks the row at `tid` (or its newest version, re-checked against
    /// the filter): the locked row, or `None` if it is gone, no longer
    /// qualifies, or is locked by another transaction under SKIP LOCKED.
    fn lock(&self, cx: &ExecCtx<'_>, mut tid: ItemPointer, mut row: Row) -> SqlResult<Option<Row>> {
        let w = writer(cx)?;
        let nowait = storage::txn::LockWait::nowait();
        let w = match self.wait {
            RowWaitPolicy::Block => Writer { ..*w },
            RowWaitPolicy::Error | RowWaitPolicy::Skip => Writer {
                wait: &nowait,
                ..*w
            },
        };
        let heap = &cx.engine.heap;
        loop {
            let outcome = match heap.lock_tuple(self.table.locator, tid, &w, self.mode) {
                Ok(o) => o,
                Err(storage::error::StorageError::LockNotAvailable(_)) => {
                    if self.wait == RowWaitPolicy::Skip {
                        return Ok(None);
                    }
                    return Err(SqlError::new(
                        "55P03",
                        format!(
                            "could not obtain lock on row in relation \"{}\"",
                            self.table.name
                        ),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            match outcome {
                ModifyResult::Ok | ModifyResult::SelfModified => return Ok(Some(row)),
                ModifyResult::Updated(_) | ModifyResult::Deleted if cx.serializable_conflicts => {
                    return Err(SqlError::new(
                        "40001",
                        "could not serialize access due to concurrent update",
                    ));
                }
                ModifyResult::Deleted => return Ok(None),
                ModifyResult::Updated(next) => {
                    // EvalPlanQual: re-check the newest version.
                    let Some(tuple) = heap.fetch_any(self.table.locator, next)? else {
                        return Ok(None);
                    };
                    deform_tuple(&self.table.desc, &tuple, &mut row)?;
                    if let Some(p) = self.filter
                        && !p.eval_qual(&row, &cx.eval_ctx(&[]))?
                    {
                        return Ok(None);
                    }
                    tid = next;
                }
            }
        }
    }
}

impl RowIter for LockRowsIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, _outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if self.candidates.is_none() {
            self.candidates = Some(self.candidates(cx)?.into_iter());
        }
        while let Some((tid, row)) = self.candidates.as_mut().and_then(Iterator::next) {
            if let Some(locked) = self.lock(cx, tid, row)? {
                return Ok(Some(locked));
            }
        }
        Ok(None)
    }
}

struct ValuesIter<'a> {
    rows: &'a [Vec<Expr>],
    pos: usize,
}

impl RowIter for ValuesIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        let Some(exprs) = self.rows.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        let ecx = cx.eval_ctx(outer);
        exprs
            .iter()
            .map(|e| e.eval(&[], &ecx))
            .collect::<SqlResult<Row>>()
            .map(Some)
    }
}

struct FilterIter<'a> {
    input: Iter<'a>,
    predicate: &'a Expr,
}

impl RowIter for FilterIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        while let Some(row) = self.input.next(cx, outer)? {
            if self.predicate.eval_qual(&row, &cx.eval_ctx(outer))? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

struct ProjectIter<'a> {
    input: Iter<'a>,
    exprs: &'a [Expr],
}

impl RowIter for ProjectIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        let Some(row) = self.input.next(cx, outer)? else {
            return Ok(None);
        };
        let ecx = cx.eval_ctx(outer);
        self.exprs
            .iter()
            .map(|e| e.eval(&row, &ecx))
            .collect::<SqlResult<Row>>()
            .map(Some)
    }
}

struct TruncateIter<'a> {
    input: Iter<'a>,
    width: usize,
}

impl RowIter for TruncateIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        Ok(self.input.next(cx, outer)?.map(|mut r| {
            r.truncate(self.width);
            r
        }))
    }
}

/// The left row followed by the right one, if `condition` (over the
/// combined row) holds: one candidate pair of a join.
pub(crate) fn join_pair(
    left: &[Datum],
    right: Row,
    condition: Option<&Expr>,
    ecx: &EvalCtx<'_>,
) -> SqlResult<Option<Row>> {
    let mut row = Vec::with_capacity(left.len() + right.len());
    row.extend(left.iter().cloned());
    row.extend(right);
    let ok = match condition {
        Some(c) => c.eval_qual(&row, ecx)?,
        None => true,
    };
    Ok(ok.then_some(row))
}

/// An unmatched left row of a LEFT JOIN, NULL-extended by `right_width`.
pub(crate) fn null_extended(mut left: Row, right_width: usize) -> Row {
    left.extend(std::iter::repeat_n(Datum::Null, right_width));
    left
}

/// The inner side of a join, read once.
struct JoinInner {
    rows: Vec<Row>,
    index: Option<HashMap<GroupKey, Vec<usize>>>,
    matched: Vec<bool>,
}

struct JoinIter<'a> {
    left: Iter<'a>,
    right_plan: &'a Plan,
    right: Option<JoinInner>,
    kind: JoinKind,
    hash_keys: &'a [(Expr, Expr)],
    condition: Option<&'a Expr>,
    left_width: usize,
    right_width: usize,
    pending: VecDeque<Row>,
    done_left: bool,
}

impl JoinIter<'_> {
    fn load_right(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<()> {
        if self.right.is_some() {
            return Ok(());
        }
        let mut it = open(self.right_plan, cx)?;
        let mut rows = Vec::new();
        while let Some(r) = it.next(cx, outer)? {
            rows.push(r);
        }
        let index = if self.hash_keys.is_empty() {
            None
        } else {
            let ecx = cx.eval_ctx(outer);
            let mut map: HashMap<GroupKey, Vec<usize>> = HashMap::new();
            for (i, r) in rows.iter().enumerate() {
                let key: Row = self
                    .hash_keys
                    .iter()
                    .map(|(_, rk)| rk.eval(r, &ecx))
                    .collect::<SqlResult<_>>()?;
                if key.iter().any(|d| matches!(d, Datum::Null)) {
                    continue;
                }
                map.entry(GroupKey(key)).or_default().push(i);
            }
            Some(map)
        };
        let n = rows.len();
        self.right = Some(JoinInner {
            rows,
            index,
            matched: vec![false; n],
        });
        Ok(())
    }
}

impl RowIter for JoinIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        self.load_right(cx, outer)?;
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            if self.done_left {
                return Ok(None);
            }
            cx.check_cancel()?;
            let Some(lrow) = self.left.next(cx, outer)? else {
                self.done_left = true;
                if matches!(self.kind, JoinKind::Right | JoinKind::Full) {
                    let inner = self
                        .right
                        .as_ref()
                        .ok_or_else(|| SqlError::internal("join inner"))?;
                    for (i, r) in inner.rows.iter().enumerate() {
                        if !inner.matched[i] {
                            let mut row = vec![Datum::Null; self.left_width];
                            row.extend(r.iter().cloned());
                            self.pending.push_back(row);
                        }
                    }
                }
                continue;
            };
            let ecx = cx.eval_ctx(outer);
            let inner = self
                .right
                .as_mut()
                .ok_or_else(|| SqlError::internal("join inner"))?;
            let candidates: Vec<usize> = match &inner.index {
                Some(map) => {
                    let key: Row = self
                        .hash_keys
                        .iter()
                        .map(|(lk, _)| lk.eval(&lrow, &ecx))
                        .collect::<SqlResult<_>>()?;
                    if key.iter().any(|d| matches!(d, Datum::Null)) {
                        Vec::new()
                    } else {
                        map.get(&GroupKey(key)).cloned().unwrap_or_default()
                    }
                }
                None => (0..inner.rows.len()).collect(),
            };
            let mut any = false;
            for i in candidates {
                if let Some(row) = join_pair(&lrow, inner.rows[i].clone(), self.condition, &ecx)? {
                    any = true;
                    inner.matched[i] = true;
                    self.pending.push_back(row);
                }
            }
            if !any && matches!(self.kind, JoinKind::Left | JoinKind::Full) {
                self.pending
                    .push_back(null_extended(lrow, self.right_width));
            }
        }
    }
}

/// Running state of one aggregate in one group.
#[derive(Clone)]
enum AggState {
    Count(i64),
    SumInt(Option<i128>),
    SumNumeric(Option<Numeric>),
    SumFloat(Option<f64>),
    SumInterval(Option<Interval>),
    Avg {
        sum: Numeric,
        count: i64,
    },
    AvgFloat {
        sum: f64,
        count: i64,
    },
    AvgInterval {
        sum: Interval,
        count: i64,
    },
    MinMax(Option<Datum>),
    Bool(Option<bool>),
    Str(Option<String>),
    /// array_agg's values so far, NULLs included.
    Array(Vec<Datum>),
    /// The JSON aggregates' values ([`super::json`]).
    Json(super::json::JsonAggState),
    /// An ordered-set aggregate's sorted values ([`ordered_set`]).
    OrderedSet(ordered_set::OrderedSetState),
    /// Youngs-Cramer running sums, as PostgreSQL's float8_accum.
    VarFloat {
        n: f64,
        sx: f64,
        sxx: f64,
    },
    /// Exact sums of x and x², as PostgreSQL's numeric_accum.
    VarNumeric {
        n: i64,
        sx: Numeric,
        sxx: Numeric,
    },
}

fn new_state(call: &AggCall) -> AggState {
    let arg_t = call.args.first().map(|a| a.typ().oid);
    match call.func {
        AggFunc::CountStar | AggFunc::Count => AggState::Count(0),
        AggFunc::Sum => match call.typ.oid {
            TypeOid::INT8 => AggState::SumInt(None),
            TypeOid::NUMERIC if arg_t == Some(TypeOid::INT8) => AggState::SumInt(None),
            TypeOid::NUMERIC => AggState::SumNumeric(None),
            TypeOid::INTERVAL => AggState::SumInterval(None),
            _ => AggState::SumFloat(None),
        },
        AggFunc::Avg => match call.typ.oid {
            TypeOid::NUMERIC => AggState::Avg {
                sum: Numeric::zero(),
                count: 0,
            },
            TypeOid::INTERVAL => AggState::AvgInterval {
                sum: Interval {
                    months: 0,
                    days: 0,
                    micros: 0,
                },
                count: 0,
            },
            _ => AggState::AvgFloat { sum: 0.0, count: 0 },
        },
        AggFunc::Min | AggFunc::Max => AggState::MinMax(None),
        AggFunc::BoolAnd | AggFunc::BoolOr => AggState::Bool(None),
        AggFunc::StringAgg => AggState::Str(None),
        AggFunc::ArrayAgg => AggState::Array(Vec::new()),
        AggFunc::JsonAgg { .. } | AggFunc::JsonObjectAgg { .. } => {
            AggState::Json(Default::default())
        }
        AggFunc::PercentileCont | AggFunc::PercentileDisc | AggFunc::Mode => {
            AggState::OrderedSet(Default::default())
        }
        AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop => {
            if call.typ.oid == TypeOid::NUMERIC {
                AggState::VarNumeric {
                    n: 0,
                    sx: Numeric::zero(),
                    sxx: Numeric::zero(),
                }
            } else {
                AggState::VarFloat {
                    n: 0.0,
                    sx: 0.0,
                    sxx: 0.0,
                }
            }
        }
    }
}

fn as_i128(d: &Datum) -> Option<i128> {
    match d {
        Datum::Int2(v) => Some(i128::from(*v)),
        Datum::Int4(v) => Some(i128::from(*v)),
        Datum::Int8(v) => Some(i128::from(*v)),
        _ => None,
    }
}

fn as_f64(d: &Datum) -> f64 {
    match d {
        Datum::Float4(v) => f64::from(*v),
        Datum::Float8(v) => *v,
        Datum::Int2(v) => f64::from(*v),
        Datum::Int4(v) => f64::from(*v),
        Datum::Int8(v) => *v as f64,
        Datum::Numeric(n) => n.to_f64(),
        _ => 0.0,
    }
}

fn as_numeric(d: &Datum) -> Numeric {
    match d {
        Datum::Numeric(n) => n.clone(),
        other => Numeric::from_i128(as_i128(other).unwrap_or(0)),
    }
}

fn advance(state: &mut AggState, call: &AggCall, args: &[Datum]) -> SqlResult<()> {
    if call.func == AggFunc::CountStar {
        if let AggState::Count(n) = state {
            *n += 1;
        }
        return Ok(());
    }
    let Some(v) = args.first() else { return Ok(()) };
    if let AggState::Array(values) = state {
        values.push(v.clone());
        return Ok(());
    }
    if let AggState::OrderedSet(values) = state {
        values.push(args);
        return Ok(());
    }
    if let AggState::Json(items) = state {
        return match args {
            [key, value] => items.push(Some(key.clone()), value.clone()),
            _ => items.push(None, v.clone()),
        };
    }
    if matches!(v, Datum::Null) {
        return Ok(());
    }
    match state {
        AggState::Count(n) => *n += 1,
        AggState::SumInt(acc) => *acc = Some(acc.unwrap_or(0) + as_i128(v).unwrap_or(0)),
        AggState::SumNumeric(acc) => {
            *acc = Some(
                acc.take()
                    .map_or_else(|| as_numeric(v), |a| a.add(&as_numeric(v))),
            )
        }
        AggState::SumFloat(acc) => *acc = Some(acc.unwrap_or(0.0) + as_f64(v)),
        AggState::SumInterval(acc) => {
            if let Datum::Interval(i) = v {
                *acc = Some(match acc.take() {
                    Some(a) => storage::datum::datetime::interval_add(&a, i)?,
                    None => *i,
                });
            }
        }
        AggState::Avg { sum, count } => {
            *sum = sum.add(&as_numeric(v));
            *count += 1;
        }
        AggState::AvgFloat { sum, count } => {
            *sum += as_f64(v);
            *count += 1;
        }
        AggState::AvgInterval { sum, count } => {
            if let Datum::Interval(i) = v {
                *sum = storage::datum::datetime::interval_add(sum, i)?;
                *count += 1;
            }
        }
        AggState::MinMax(best) => {
            let replace = match best {
                None => true,
                Some(b) => {
                    let o = cmp_values(v, b);
                    if call.func == AggFunc::Min {
                        o.is_lt()
                    } else {
                        o.is_gt()
                    }
                }
            };
            if replace {
                *best = Some(v.clone());
            }
        }
        AggState::Bool(acc) => {
            let b = matches!(v, Datum::Bool(true));
            *acc = Some(match (acc.take(), call.func) {
                (None, _) => b,
                (Some(a), AggFunc::BoolAnd) => a && b,
                (Some(a), _) => a || b,
            });
        }
        AggState::VarFloat { n, sx, sxx } => {
            let x = as_f64(v);
            *n += 1.0;
            *sx += x;
            if *n > 1.0 {
                let tmp = x * *n - *sx;
                *sxx += tmp * tmp / (*n * (*n - 1.0));
            }
        }
        AggState::VarNumeric { n, sx, sxx } => {
            let x = as_numeric(v);
            *n += 1;
            *sxx = sxx.add(&x.mul(&x));
            *sx = sx.add(&x);
        }
        AggState::Array(_) | AggState::Json(_) | AggState::OrderedSet(_) => {}
        AggState::Str(acc) => {
            let s = match v {
                Datum::Text(s) => s.as_str(),
                _ => "",
            };
            match acc {
                None => *acc = Some(s.to_string()),
                Some(a) => {
                    if let Some(Datum::Text(sep)) = args.get(1) {
                        a.push_str(sep);
                    }
                    a.push_str(s);
                }
            }
        }
    }
    Ok(())
}

fn finish(
    state: AggState,
    call: &AggCall,
    opts: &storage::datum::io::OutputOptions,
) -> SqlResult<Datum> {
    Ok(match state {
        AggState::OrderedSet(values) => values.finish(call.func)?,
        AggState::Json(items) => {
            let types: Vec<TypeOid> = call.args.iter().map(|a| a.typ().oid).collect();
            let binary = matches!(
                call.func,
                AggFunc::JsonAgg { binary: true } | AggFunc::JsonObjectAgg { binary: true }
            );
            match types.as_slice() {
                [k, v] => items.finish(Some(*k), *v, binary, opts)?,
                [v] => items.finish(None, *v, binary, opts)?,
                _ => return Err(SqlError::internal("JSON aggregate arguments")),
            }
        }
        AggState::Count(n) => Datum::Int8(n),
        AggState::SumInt(None)
        | AggState::SumNumeric(None)
        | AggState::SumFloat(None)
        | AggState::SumInterval(None)
        | AggState::MinMax(None)
        | AggState::Bool(None)
        | AggState::Str(None) => Datum::Null,
        AggState::Array(values) => super::array::aggregate_result(values),
        AggState::SumInt(Some(v)) => {
            if call.typ.oid == TypeOid::INT8 {
                Datum::Int8(
                    i64::try_from(v).map_err(|_| SqlError::new("22003", "bigint out of range"))?,
                )
            } else {
                Datum::Numeric(Numeric::from_i128(v))
            }
        }
        AggState::SumNumeric(Some(n)) => Datum::Numeric(n),
        AggState::SumFloat(Some(f)) => {
            if call.typ.oid == TypeOid::FLOAT4 {
                Datum::Float4(f as f32)
            } else {
                Datum::Float8(f)
            }
        }
        AggState::SumInterval(Some(i)) => Datum::Interval(i),
        AggState::Avg { count: 0, .. }
        | AggState::AvgFloat { count: 0, .. }
        | AggState::AvgInterval { count: 0, .. } => Datum::Null,
        AggState::Avg { sum, count } => Datum::Numeric(sum.div(&Numeric::from_i64(count))?),
        AggState::AvgFloat { sum, count } => Datum::Float8(sum / count as f64),
        AggState::AvgInterval { sum, count } => Datum::Interval(
            storage::datum::datetime::interval_div_f64(&sum, &(count as f64))?,
        ),
        AggState::VarFloat { n, sxx, .. } => {
            let samp = matches!(call.func, AggFunc::VarSamp | AggFunc::StddevSamp);
            let denom = if samp { n - 1.0 } else { n };
            if n == 0.0 || denom <= 0.0 {
                Datum::Null
            } else {
                let var = sxx / denom;
                Datum::Float8(if matches!(call.func, AggFunc::VarSamp | AggFunc::VarPop) {
                    var
                } else {
                    var.sqrt()
                })
            }
        }
        AggState::VarNumeric { n, sx, sxx } => numeric_variance(call.func, n, &sx, &sxx)?,
        AggState::MinMax(Some(d)) => d,
        AggState::Bool(Some(b)) => Datum::Bool(b),
        AggState::Str(Some(s)) => Datum::Text(s),
    })
}

/// PostgreSQL's numeric variance: (N·Σx² − (Σx)²) / (N·(N−1)) (or N² for
/// the population), divided at the usual numeric division scale; the
/// standard deviation is its square root rounded to that scale.
fn numeric_variance(func: AggFunc, n: i64, sx: &Numeric, sxx: &Numeric) -> SqlResult<Datum> {
    let samp = matches!(func, AggFunc::VarSamp | AggFunc::StddevSamp);
    if n == 0 || (samp && n == 1) {
        return Ok(Datum::Null);
    }
    let nn = Numeric::from_i64(n);
    let num = nn.mul(sxx).sub(&sx.mul(sx));
    let var = if num.is_negative() || num.is_zero() {
        Numeric::zero()
    } else {
        let denom = if samp {
            nn.mul(&Numeric::from_i64(n - 1))
        } else {
            nn.mul(&nn)
        };
        num.div(&denom)?
    };
    if matches!(func, AggFunc::VarSamp | AggFunc::VarPop) {
        return Ok(Datum::Numeric(var));
    }
    let scale = var.scale().unwrap_or(0);
    Ok(Datum::Numeric(var.sqrt()?.round(scale)))
}

struct Group {
    key: Row,
    states: Vec<AggState>,
    distinct: Vec<HashSet<GroupKey>>,
    /// Calls with ORDER BY: (sort keys, arguments) of each input row.
    ordered: Vec<Vec<(Row, Row)>>,
}

struct AggIter<'a> {
    input: Option<Iter<'a>>,
    group_by: &'a [Expr],
    aggs: &'a [AggCall],
    out: VecDeque<Row>,
}

impl AggIter<'_> {
    fn compute(
        &mut self,
        mut input: Iter<'_>,
        cx: &ExecCtx<'_>,
        outer: &[&[Datum]],
    ) -> SqlResult<()> {
        let ecx = cx.eval_ctx(outer);
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<GroupKey, usize> = HashMap::new();
        let mut args = Vec::new();
        while let Some(row) = input.next(cx, outer)? {
            let key: Row = self
                .group_by
                .iter()
                .map(|g| g.eval(&row, &ecx))
                .collect::<SqlResult<_>>()?;
            let gk = GroupKey(key);
            let gi = match index.get(&gk) {
                Some(i) => *i,
                None => {
                    groups.push(Group {
                        key: gk.0.clone(),
                        states: self.aggs.iter().map(new_state).collect(),
                        distinct: self.aggs.iter().map(|_| HashSet::new()).collect(),
                        ordered: self.aggs.iter().map(|_| Vec::new()).collect(),
                    });
                    index.insert(gk, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let g = &mut groups[gi];
            for (ai, call) in self.aggs.iter().enumerate() {
                if let Some(f) = &call.filter
                    && !f.eval_qual(&row, &ecx)?
                {
                    continue;
                }
                args.clear();
                for a in &call.args {
                    args.push(a.eval(&row, &ecx)?);
                }
                if !call.order_by.is_empty() {
                    let keys = call
                        .order_by
                        .iter()
                        .map(|k| k.expr.eval(&row, &ecx))
                        .collect::<SqlResult<Row>>()?;
                    g.ordered[ai].push((keys, args.clone()));
                    continue;
                }
                if call.distinct && !g.distinct[ai].insert(GroupKey(args.clone())) {
                    continue;
                }
                advance(&mut g.states[ai], call, &args)?;
            }
        }
        if groups.is_empty() && self.group_by.is_empty() {
            groups.push(Group {
                key: vec![],
                states: self.aggs.iter().map(new_state).collect(),
                distinct: vec![],
                ordered: vec![],
            });
        }
        for mut g in groups {
            let mut row = g.key;
            for (ai, (mut state, call)) in g.states.into_iter().zip(self.aggs).enumerate() {
                if let Some(fed) = g.ordered.get_mut(ai).filter(|f| !f.is_empty()) {
                    feed_ordered(&mut state, call, fed)?;
                }
                row.push(finish(state, call, &cx.env.output)?);
            }
            self.out.push_back(row);
        }
        Ok(())
    }
}

/// Feeds an ORDER BY aggregate its buffered rows in key order (stable, so
/// ties keep input order), dropping repeated arguments under DISTINCT.
fn feed_ordered(state: &mut AggState, call: &AggCall, fed: &mut [(Row, Row)]) -> SqlResult<()> {
    fed.sort_by(|a, b| {
        for (i, k) in call.order_by.iter().enumerate() {
            let o = cmp_sort_key(&a.0[i], &b.0[i], k.descending, k.nulls_first);
            if !o.is_eq() {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    let mut seen = HashSet::new();
    for (_, args) in fed.iter() {
        if call.distinct && !seen.insert(GroupKey(args.clone())) {
            continue;
        }
        advance(state, call, args)?;
    }
    Ok(())
}

impl RowIter for AggIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if let Some(input) = self.input.take() {
            self.compute(input, cx, outer)?;
        }
        Ok(self.out.pop_front())
    }
}

struct SortIter<'a> {
    input: Option<Iter<'a>>,
    keys: &'a [SortKey],
    sorted: Option<tuplesort::SortedRows<'a>>,
}

impl RowIter for SortIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if let Some(mut input) = self.input.take() {
            let ecx = cx.eval_ctx(outer);
            let mut sort = tuplesort::Tuplesort::new(self.keys, cx.sort_space());
            while let Some(row) = input.next(cx, outer)? {
                let k: Row = self
                    .keys
                    .iter()
                    .map(|k| k.expr.eval(&row, &ecx))
                    .collect::<SqlResult<_>>()?;
                sort.put(k, row)?;
            }
            self.sorted = Some(sort.finish()?);
        }
        match &mut self.sorted {
            Some(s) => s.next_row(),
            None => Ok(None),
        }
    }
}

struct LimitIter<'a> {
    input: Iter<'a>,
    limit: Option<&'a Expr>,
    offset: Option<&'a Expr>,
    /// (rows still to skip, rows still to return)
    state: Option<(i64, Option<i64>)>,
}

fn count_value(
    e: Option<&Expr>,
    cx: &ExecCtx<'_>,
    outer: &[&[Datum]],
    what: &str,
) -> SqlResult<Option<i64>> {
    let Some(e) = e else { return Ok(None) };
    match e.eval(&[], &cx.eval_ctx(outer))? {
        Datum::Null => Ok(None),
        Datum::Int8(n) if n < 0 => Err(SqlError::new(
            if what == "LIMIT" { "2201W" } else { "2201X" },
            format!("{what} must not be negative"),
        )),
        Datum::Int8(n) => Ok(Some(n)),
        other => Err(SqlError::internal(format!("{what} evaluated to {other:?}"))),
    }
}

impl RowIter for LimitIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if self.state.is_none() {
            let limit = count_value(self.limit, cx, outer, "LIMIT")?;
            let offset = count_value(self.offset, cx, outer, "OFFSET")?.unwrap_or(0);
            self.state = Some((offset, limit));
        }
        let Some((skip, left)) = self.state.as_mut() else {
            return Ok(None);
        };
        if *left == Some(0) {
            return Ok(None);
        }
        while *skip > 0 {
            if self.input.next(cx, outer)?.is_none() {
                return Ok(None);
            }
            *skip -= 1;
        }
        let r = self.input.next(cx, outer)?;
        if r.is_some()
            && let Some(n) = left.as_mut()
        {
            *n -= 1;
        }
        Ok(r)
    }
}

struct DistinctIter<'a> {
    input: Iter<'a>,
    seen: HashSet<GroupKey>,
}

impl RowIter for DistinctIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        while let Some(row) = self.input.next(cx, outer)? {
            if self.seen.insert(GroupKey(row.clone())) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

struct UniqueIter<'a> {
    input: Iter<'a>,
    keys: &'a [usize],
    /// The key of the last row returned.
    last: Option<GroupKey>,
}

impl RowIter for UniqueIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        while let Some(row) = self.input.next(cx, outer)? {
            let key = GroupKey(
                self.keys
                    .iter()
                    .map(|&i| row.get(i).cloned().unwrap_or(Datum::Null))
                    .collect(),
            );
            if self.last.as_ref() != Some(&key) {
                self.last = Some(key);
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

struct SetOpIter<'a> {
    op: SetOpKind,
    all: bool,
    left: Iter<'a>,
    right: Option<Iter<'a>>,
    seen: HashSet<GroupKey>,
    counts: HashMap<GroupKey, i64>,
    left_done: bool,
}

impl RowIter for SetOpIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if self.op == SetOpKind::Union {
            loop {
                let row = if !self.left_done {
                    match self.left.next(cx, outer)? {
                        Some(r) => Some(r),
                        None => {
                            self.left_done = true;
                            continue;
                        }
                    }
                } else {
                    match self.right.as_mut() {
                        Some(r) => r.next(cx, outer)?,
                        None => None,
                    }
                };
                let Some(row) = row else { return Ok(None) };
                if self.all || self.seen.insert(GroupKey(row.clone())) {
                    return Ok(Some(row));
                }
            }
        }
        if let Some(mut right) = self.right.take() {
            while let Some(r) = right.next(cx, outer)? {
                *self.counts.entry(GroupKey(r)).or_insert(0) += 1;
            }
        }
        while let Some(row) = self.left.next(cx, outer)? {
            let key = GroupKey(row);
            let in_right = self.counts.get(&key).copied().unwrap_or(0);
            let emit = match self.op {
                SetOpKind::Intersect => {
                    if in_right > 0 {
                        if self.all {
                            if let Some(c) = self.counts.get_mut(&key) {
                                *c -= 1;
                            }
                            true
                        } else {
                            self.seen.insert(key.clone())
                        }
                    } else {
                        false
                    }
                }
                _ => {
                    if self.all {
                        if in_right > 0 {
                            if let Some(c) = self.counts.get_mut(&key) {
                                *c -= 1;
                            }
                            false
                        } else {
                            true
                        }
                    } else {
                        in_right == 0 && self.seen.insert(key.clone())
                    }
                }
            };
            if emit {
                return Ok(Some(key.0));
            }
        }
        Ok(None)
    }
}

/// Runs a query plan to completion.
pub fn run_query(plan: &Plan, cx: &ExecCtx<'_>) -> SqlResult<Vec<Row>> {
    let mut it = open(plan, cx)?;
    let mut rows = Vec::new();
    while let Some(r) = it.next(cx, &[])? {
        rows.push(r);
    }
    Ok(rows)
}

/// The key columns' names and the key's values as text, for 23505's detail.
pub fn key_text(
    key: &[storage::datum::Datum],
    table: &TableInfo,
    index: &IndexInfo,
    opts: &storage::datum::io::OutputOptions,
) -> (String, String) {
    let names: Vec<&str> = index
        .columns
        .iter()
        .map(|&c| table.columns[c].name.as_str())
        .collect();
    let values: Vec<String> = key
        .iter()
        .zip(&index.columns)
        .map(|(d, &c)| {
            storage::datum::io::to_text(d, table.columns[c].typ.oid, opts)
                .unwrap_or_else(|| "null".into())
        })
        .collect();
    (names.join(", "), values.join(", "))
}

/// Turns a storage error into the client's error, worded as PostgreSQL
/// words a unique violation of `index`.
pub fn unique_violation(
    e: storage::error::StorageError,
    table: &TableInfo,
    index: &IndexInfo,
    opts: &storage::datum::io::OutputOptions,
) -> SqlError {
    match e {
        storage::error::StorageError::UniqueViolation { key } => {
            let (names, values) = key_text(&key, table, index, opts);
            SqlError::new(
                "23505",
                format!(
                    "duplicate key value violates unique constraint \"{}\"",
                    index.name
                ),
            )
            .with_detail(format!("Key ({names})=({values}) already exists."))
        }
        other => other.into(),
    }
}

/// Inserts the index entries of the new heap version `tid` of `row` into
/// every index of `table` (23505 on a unique violation).
pub fn insert_index_entries(
    engine: &storage::engine::Engine,
    table: &TableInfo,
    row: &[Datum],
    tid: ItemPointer,
    w: &Writer<'_>,
    opts: &storage::datum::io::OutputOptions,
) -> SqlResult<()> {
    for index in &table.indexes {
        storage::indexing::insert_index_entry(engine, table, index, row, tid, w)
            .map_err(|e| unique_violation(e, table, index, opts))?;
    }
    Ok(())
}

fn writer<'a, 'b>(cx: &'b ExecCtx<'a>) -> SqlResult<&'b Writer<'a>> {
    cx.writer
        .as_ref()
        .ok_or_else(|| SqlError::internal("DML without a writing transaction"))
}

/// The rows a DML statement returns (RETURNING) and how many it touched.
pub struct DmlResult {
    /// Rows affected.
    pub count: u64,
    /// RETURNING rows.
    pub rows: Vec<Row>,
    /// Foreign-key events for the session to fire after the statement.
    pub ri: Vec<super::ri::RiEvent>,
}

fn eval_returning(
    ret: &Option<Vec<(String, Expr)>>,
    row: &[Datum],
    cx: &ExecCtx<'_>,
    out: &mut Vec<Row>,
) -> SqlResult<()> {
    if let Some(items) = ret {
        let ecx = cx.eval_ctx(&[]);
        out.push(
            items
                .iter()
                .map(|(_, e)| e.eval(row, &ecx))
                .collect::<SqlResult<_>>()?,
        );
    }
    Ok(())
}

/// Runs an INSERT.
pub fn run_insert(p: &InsertPlan, cx: &ExecCtx<'_>) -> SqlResult<DmlResult> {
    let w = writer(cx)?;
    let mut it = open(&p.source, cx)?;
    let mut buf = Vec::new();
    let mut result = DmlResult {
        count: 0,
        rows: Vec::new(),
        ri: Vec::new(),
    };
    while let Some(mut row) = it.next(cx, &[])? {
        cx.check_cancel()?;
        p.checks
            .prepare(&p.table, &mut row, &cx.eval_ctx(&[]), &cx.env.output)?;
        if let Some(oc) = &p.on_conflict {
            match super::upsert::upsert(&p.table, oc, row, w, cx)? {
                super::upsert::Upserted::Inserted(row) | super::upsert::Upserted::Updated(row) => {
                    super::ri::row_events(&p.table, None, Some(&row), &mut result.ri);
                    result.count += 1;
                    eval_returning(&p.returning, &row, cx, &mut result.rows)?;
                }
                super::upsert::Upserted::Skipped => {}
            }
            continue;
        }
        form_tuple(&p.table.desc, &row, &mut buf)?;
        let tid = cx
            .engine
            .heap
            .insert(p.table.locator, &mut buf, w.xid, w.cid)?;
        insert_index_entries(cx.engine, &p.table, &row, tid, w, &cx.env.output)?;
        super::ri::row_events(&p.table, None, Some(&row), &mut result.ri);
        result.count += 1;
        eval_returning(&p.returning, &row, cx, &mut result.rows)?;
    }
    Ok(result)
}

/// Applies `f` to each row of `table` that passes `filter`, following
/// concurrent updates as described in the module documentation. `f` gets
/// the row's TID and values and returns the outcome of modifying it.
fn for_each_target<'a>(
    table: &'a TableInfo,
    filter: Option<&'a Expr>,
    access: Option<&'a super::path::IndexPath>,
    cx: &ExecCtx<'a>,
    mut f: impl FnMut(ItemPointer, &Row) -> SqlResult<ModifyResult>,
) -> SqlResult<()> {
    let heap = &cx.engine.heap;
    let mut targets = Vec::new();
    if let Some(path) = access {
        let mut scan = super::index_scan::IndexScanIter::new(table, path, filter, cx);
        while let Some(target) = scan.next_match(cx, &[])? {
            targets.push(target);
        }
    } else {
        let mut scan = heap.scan(table.locator, cx.snapshot.clone())?;
        let mut row = Vec::new();
        while let Some((tid, tuple)) = scan.next_tuple()? {
            cx.check_cancel()?;
            deform_tuple(&table.desc, tuple, &mut row)?;
            let pass = match filter {
                Some(p) => p.eval_qual(&row, &cx.eval_ctx(&[]))?,
                None => true,
            };
            if pass {
                targets.push((tid, row.clone()));
            }
        }
    }
    for (mut tid, mut row) in targets {
        loop {
            match f(tid, &row)? {
                ModifyResult::Ok | ModifyResult::SelfModified => break,
                ModifyResult::Deleted if !cx.serializable_conflicts => break,
                ModifyResult::Updated(_) | ModifyResult::Deleted if cx.serializable_conflicts => {
                    return Err(SqlError::new(
                        "40001",
                        "could not serialize access due to concurrent update",
                    ));
                }
                ModifyResult::Updated(next) => {
                    // EvalPlanQual: re-check the newest version.
                    let Some(tuple) = heap.fetch_any(table.locator, next)? else {
                        break;
                    };
                    deform_tuple(&table.desc, &tuple, &mut row)?;
                    let pass = match filter {
                        Some(p) => p.eval_qual(&row, &cx.eval_ctx(&[]))?,
                        None => true,
                    };
                    if !pass {
                        break;
                    }
                    tid = next;
                }
                ModifyResult::Deleted => break,
            }
        }
    }
    Ok(())
}

/// Runs an UPDATE.
pub fn run_update(p: &UpdatePlan, cx: &ExecCtx<'_>) -> SqlResult<DmlResult> {
    let w = writer(cx)?;
    let mut result = DmlResult {
        count: 0,
        rows: Vec::new(),
        ri: Vec::new(),
    };
    let mut buf = Vec::new();
    for_each_target(
        &p.table,
        p.filter.as_ref(),
        p.access.as_ref(),
        cx,
        |tid, old| {
            let ecx = cx.eval_ctx(&[]);
            let mut new_row = old.clone();
            for (idx, e) in &p.assignments {
                new_row[*idx] = e.eval(old, &ecx)?;
            }
            p.checks
                .prepare(&p.table, &mut new_row, &ecx, &cx.env.output)?;
            form_tuple(&p.table.desc, &new_row, &mut buf)?;
            let (outcome, new_tid) = cx.engine.heap.update(p.table.locator, tid, &mut buf, w)?;
            if outcome == ModifyResult::Ok {
                if let Some(new_tid) = new_tid {
                    insert_index_entries(
                        cx.engine,
                        &p.table,
                        &new_row,
                        new_tid,
                        w,
                        &cx.env.output,
                    )?;
                }
                super::ri::row_events(&p.table, Some(old), Some(&new_row), &mut result.ri);
                result.count += 1;
                eval_returning(&p.returning, &new_row, cx, &mut result.rows)?;
            }
            Ok(outcome)
        },
    )?;
    Ok(result)
}

/// Runs a DELETE.
pub fn run_delete(p: &DeletePlan, cx: &ExecCtx<'_>) -> SqlResult<DmlResult> {
    let w = writer(cx)?;
    let mut result = DmlResult {
        count: 0,
        rows: Vec::new(),
        ri: Vec::new(),
    };
    for_each_target(
        &p.table,
        p.filter.as_ref(),
        p.access.as_ref(),
        cx,
        |tid, old| {
            let outcome = cx.engine.heap.delete(p.table.locator, tid, w)?;
            if outcome == ModifyResult::Ok {
                super::ri::row_events(&p.table, Some(old), None, &mut result.ri);
                result.count += 1;
                eval_returning(&p.returning, old, cx, &mut result.rows)?;
            }
            Ok(outcome)
        },
    )?;
    Ok(result)
}

/// The output type of each column, for result descriptions.
pub fn column_types(columns: &[(String, SqlType)]) -> Vec<SqlType> {
    columns.iter().map(|c| c.1).collect()
}
