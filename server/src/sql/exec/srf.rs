//! FunctionScan, ProjectSet and LateralJoin: set-returning functions (see
//! `sql::srf`) and LATERAL.
//!
//! LATERAL reuses the machinery of correlated subqueries: the right side
//! was bound with the left scope as its innermost outer scope, so here it
//! is simply run once per left row with that row pushed in front of the
//! outer rows. Each run is read to completion before its rows are joined.

use std::collections::VecDeque;

use storage::datum::Datum;

use super::{ExecCtx, Iter, Row, RowIter, join_pair, null_extended, open};
use crate::error::SqlResult;
use crate::sql::expr::Expr;
use crate::sql::plan::{JoinKind, Plan};
use crate::sql::srf::{Series, SrfCall};

fn start(call: &SrfCall, row: &[Datum], cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Series> {
    let ecx = cx.eval_ctx(outer);
    let args = call
        .args
        .iter()
        .map(|a| a.eval(row, &ecx))
        .collect::<SqlResult<Vec<Datum>>>()?;
    Series::start(call, args, cx.engine)
}

pub(super) struct FunctionScanIter<'a> {
    pub(super) call: &'a SrfCall,
    pub(super) ordinality: bool,
    pub(super) series: Option<Series>,
    pub(super) count: i64,
}

impl RowIter for FunctionScanIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if self.series.is_none() {
            self.series = Some(start(self.call, &[], cx, outer)?);
        }
        let Some(series) = self.series.as_mut() else {
            return Ok(None);
        };
        cx.check_cancel()?;
        let Some(v) = series.next_value(cx.env)? else {
            return Ok(None);
        };
        self.count += 1;
        Ok(Some(if self.ordinality {
            vec![v, Datum::Int8(self.count)]
        } else {
            vec![v]
        }))
    }
}

pub(super) struct ProjectSetIter<'a> {
    pub(super) input: Iter<'a>,
    pub(super) calls: &'a [SrfCall],
    pub(super) current: Option<(Row, Vec<Series>)>,
}

impl RowIter for ProjectSetIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        loop {
            if let Some((row, series)) = self.current.as_mut() {
                let mut values = Vec::with_capacity(series.len());
                let mut any = false;
                for s in series.iter_mut() {
                    let v = s.next_value(cx.env)?;
                    any |= v.is_some();
                    values.push(v.unwrap_or(Datum::Null));
                }
                if any {
                    let mut out = Vec::with_capacity(row.len() + values.len());
                    out.extend(row.iter().cloned());
                    out.extend(values);
                    return Ok(Some(out));
                }
                self.current = None;
            }
            let Some(row) = self.input.next(cx, outer)? else {
                return Ok(None);
            };
            let series = self
                .calls
                .iter()
                .map(|c| start(c, &row, cx, outer))
                .collect::<SqlResult<Vec<Series>>>()?;
            self.current = Some((row, series));
        }
    }
}

pub(super) struct LateralJoinIter<'a> {
    pub(super) left: Iter<'a>,
    pub(super) right: &'a Plan,
    pub(super) kind: JoinKind,
    pub(super) condition: Option<&'a Expr>,
    pub(super) right_width: usize,
    pub(super) pending: VecDeque<Row>,
}

impl RowIter for LateralJoinIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            let Some(lrow) = self.left.next(cx, outer)? else {
                return Ok(None);
            };
            cx.check_cancel()?;
            let mut inner_outer: Vec<&[Datum]> = Vec::with_capacity(outer.len() + 1);
            inner_outer.push(&lrow);
            inner_outer.extend_from_slice(outer);
            let mut rights = Vec::new();
            {
                let mut it = open(self.right, cx)?;
                while let Some(r) = it.next(cx, &inner_outer)? {
                    rights.push(r);
                }
            }
            let ecx = cx.eval_ctx(outer);
            let mut any = false;
            for r in rights {
                if let Some(row) = join_pair(&lrow, r, self.condition, &ecx)? {
                    any = true;
                    self.pending.push_back(row);
                }
            }
            if !any && self.kind == JoinKind::Left {
                self.pending
                    .push_back(null_extended(lrow, self.right_width));
            }
        }
    }
}
