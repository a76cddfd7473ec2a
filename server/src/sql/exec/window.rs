//! The Window node: see `sql::window` for the design.

use std::cmp::Ordering;
use std::collections::VecDeque;

use storage::datum::Datum;

use super::{AggState, ExecCtx, Iter, Row, RowIter, advance, finish, new_state};
use crate::error::{SqlError, SqlResult};
use crate::sql::compare::cmp_sort_key;
use crate::sql::window::{FrameBound, FrameUnits, WinFunc, WindowCall};

pub(super) struct WindowIter<'a> {
    pub(super) input: Option<Iter<'a>>,
    pub(super) calls: &'a [WindowCall],
    pub(super) out: VecDeque<Row>,
}

impl RowIter for WindowIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if let Some(mut input) = self.input.take() {
            let mut rows = Vec::new();
            while let Some(r) = input.next(cx, outer)? {
                rows.push(r);
            }
            let mut order: Vec<usize> = (0..rows.len()).collect();
            let mut results: Vec<Vec<Datum>> = Vec::with_capacity(self.calls.len());
            for call in self.calls {
                let (col, sorted) = evaluate(call, &rows, cx, outer)?;
                results.push(col);
                order = sorted;
            }
            // Rows leave in the last call's order, as PostgreSQL's last
            // WindowAgg leaves them.
            let mut rows: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
            for i in order {
                let Some(mut row) = rows[i].take() else {
                    continue;
                };
                for col in &mut results {
                    row.push(std::mem::replace(&mut col[i], Datum::Null));
                }
                self.out.push_back(row);
            }
        }
        Ok(self.out.pop_front())
    }
}

/// Evaluates one call for every row: its values by input row number and
/// the row numbers in (partition, order) order.
fn evaluate(
    call: &WindowCall,
    rows: &[Row],
    cx: &ExecCtx<'_>,
    outer: &[&[Datum]],
) -> SqlResult<(Vec<Datum>, Vec<usize>)> {
    let ecx = cx.eval_ctx(outer);
    let n = rows.len();
    let mut pkeys = Vec::with_capacity(n);
    let mut okeys = Vec::with_capacity(n);
    let mut args: Vec<Vec<Datum>> = Vec::with_capacity(n);
    let mut passes = Vec::with_capacity(n);
    let (arg_exprs, filter) = match &call.func {
        WinFunc::Agg(a) => (&a.args, a.filter.as_ref()),
        _ => (&call.args, None),
    };
    for row in rows {
        pkeys.push(
            call.partition
                .iter()
                .map(|e| e.eval(row, &ecx))
                .collect::<SqlResult<Row>>()?,
        );
        okeys.push(
            call.order
                .iter()
                .map(|k| k.expr.eval(row, &ecx))
                .collect::<SqlResult<Row>>()?,
        );
        args.push(
            arg_exprs
                .iter()
                .map(|e| e.eval(row, &ecx))
                .collect::<SqlResult<Row>>()?,
        );
        passes.push(match filter {
            Some(f) => f.eval_qual(row, &ecx)?,
            None => true,
        });
    }
    let cmp_part = |a: usize, b: usize| {
        for (x, y) in pkeys[a].iter().zip(&pkeys[b]) {
            let o = cmp_sort_key(x, y, false, false);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    };
    let cmp_order = |a: usize, b: usize| {
        for (k, (x, y)) in call.order.iter().zip(okeys[a].iter().zip(&okeys[b])) {
            let o = cmp_sort_key(x, y, k.descending, k.nulls_first);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    };
    let mut sorted: Vec<usize> = (0..n).collect();
    sorted.sort_by(|&a, &b| cmp_part(a, b).then_with(|| cmp_order(a, b)));

    let offset = |b: &FrameBound, what: &str| -> SqlResult<i64> {
        let e = match b {
            FrameBound::Preceding(e) | FrameBound::Following(e) => e,
            _ => return Ok(0),
        };
        match e.eval(&[], &ecx)? {
            Datum::Null => Err(SqlError::new(
                "22004",
                format!("frame {what} offset must not be null"),
            )),
            Datum::Int8(v) if v < 0 => Err(SqlError::new(
                "22013",
                format!("frame {what} offset must not be negative"),
            )),
            Datum::Int8(v) => Ok(v),
            other => Err(SqlError::internal(format!("frame offset {other:?}"))),
        }
    };
    let start_off = offset(&call.frame.start, "starting")?;
    let end_off = offset(&call.frame.end, "ending")?;

    let mut out = vec![Datum::Null; n];
    let mut p0 = 0;
    while p0 < n {
        let mut p1 = p0 + 1;
        while p1 < n && cmp_part(sorted[p0], sorted[p1]) == Ordering::Equal {
            p1 += 1;
        }
        let part = &sorted[p0..p1];
        // peer[i] = (first, end) positions of i's peer group in `part`.
        let m = part.len();
        let mut peers = vec![(0usize, 0usize); m];
        let mut g0 = 0;
        let mut groups = 0i64;
        let mut dense = vec![0i64; m];
        while g0 < m {
            let mut g1 = g0 + 1;
            while g1 < m && cmp_order(part[g0], part[g1]) == Ordering::Equal {
                g1 += 1;
            }
            groups += 1;
            for i in g0..g1 {
                peers[i] = (g0, g1);
                dense[i] = groups;
            }
            g0 = g1;
        }
        let frame = |i: usize| -> (usize, usize) {
            let clamp = |v: i64| v.clamp(0, m as i64) as usize;
            let i64i = i as i64;
            let start = match &call.frame.start {
                FrameBound::UnboundedPreceding => 0,
                FrameBound::Preceding(_) => clamp(i64i.saturating_sub(start_off)),
                FrameBound::CurrentRow if call.frame.units == FrameUnits::Range => peers[i].0,
                FrameBound::CurrentRow => i,
                FrameBound::Following(_) => clamp(i64i.saturating_add(start_off)),
                FrameBound::UnboundedFollowing => m,
            };
            let end = match &call.frame.end {
                FrameBound::UnboundedPreceding => 0,
                FrameBound::Preceding(_) => clamp(i64i.saturating_sub(end_off).saturating_add(1)),
                FrameBound::CurrentRow if call.frame.units == FrameUnits::Range => peers[i].1,
                FrameBound::CurrentRow => i + 1,
                FrameBound::Following(_) => clamp(i64i.saturating_add(end_off).saturating_add(1)),
                FrameBound::UnboundedFollowing => m,
            };
            (start, end.max(start))
        };
        let value_at = |pos: usize| args[part[pos]].first().cloned().unwrap_or(Datum::Null);
        match &call.func {
            WinFunc::RowNumber => {
                for (i, &r) in part.iter().enumerate() {
                    out[r] = Datum::Int8(i as i64 + 1);
                }
            }
            WinFunc::Rank => {
                for (i, &r) in part.iter().enumerate() {
                    out[r] = Datum::Int8(peers[i].0 as i64 + 1);
                }
            }
            WinFunc::DenseRank => {
                for (i, &r) in part.iter().enumerate() {
                    out[r] = Datum::Int8(dense[i]);
                }
            }
            WinFunc::PercentRank => {
                for (i, &r) in part.iter().enumerate() {
                    out[r] = Datum::Float8(if m <= 1 {
                        0.0
                    } else {
                        peers[i].0 as f64 / (m - 1) as f64
                    });
                }
            }
            WinFunc::CumeDist => {
                for (i, &r) in part.iter().enumerate() {
                    out[r] = Datum::Float8(peers[i].1 as f64 / m as f64);
                }
            }
            WinFunc::Ntile => {
                let buckets = match args[part[0]].first() {
                    Some(Datum::Int4(b)) if *b <= 0 => {
                        return Err(SqlError::new(
                            "22014",
                            "argument of ntile must be greater than zero",
                        ));
                    }
                    Some(Datum::Int4(b)) => *b as usize,
                    _ => 0,
                };
                for (i, &r) in part.iter().enumerate() {
                    out[r] = match m.checked_div(buckets) {
                        None => Datum::Null,
                        Some(per) => {
                            let rem = m % buckets;
                            let big = rem * (per + 1);
                            let b = if i < big {
                                i / (per + 1)
                            } else {
                                rem + (i - big) / per.max(1)
                            };
                            Datum::Int4(b as i32 + 1)
                        }
                    };
                }
            }
            WinFunc::Lag | WinFunc::Lead => {
                let lag = matches!(call.func, WinFunc::Lag);
                for (i, &r) in part.iter().enumerate() {
                    let a = &args[r];
                    let off = match a.get(1) {
                        None => 1,
                        Some(Datum::Int4(o)) => i64::from(*o),
                        Some(_) => {
                            out[r] = Datum::Null;
                            continue;
                        }
                    };
                    let target = if lag { i as i64 - off } else { i as i64 + off };
                    out[r] = if (0..m as i64).contains(&target) {
                        value_at(target as usize)
                    } else {
                        a.get(2).cloned().unwrap_or(Datum::Null)
                    };
                }
            }
            WinFunc::FirstValue | WinFunc::LastValue | WinFunc::NthValue => {
                for (i, &r) in part.iter().enumerate() {
                    let (s, e) = frame(i);
                    out[r] = match call.func {
                        WinFunc::FirstValue if s < e => value_at(s),
                        WinFunc::LastValue if s < e => value_at(e - 1),
                        WinFunc::NthValue => {
                            let nth = match args[r].get(1) {
                                Some(Datum::Int4(k)) if *k <= 0 => {
                                    return Err(SqlError::new(
                                        "22016",
                                        "argument of nth_value must be greater than zero",
                                    ));
                                }
                                Some(Datum::Int4(k)) => *k as usize,
                                _ => usize::MAX,
                            };
                            match s.checked_add(nth - 1) {
                                Some(p) if nth != usize::MAX && p < e => value_at(p),
                                _ => Datum::Null,
                            }
                        }
                        _ => Datum::Null,
                    };
                }
            }
            WinFunc::Agg(agg) => {
                let growing = matches!(call.frame.start, FrameBound::UnboundedPreceding);
                let mut running: AggState = new_state(agg);
                let mut done = 0;
                for (i, &r) in part.iter().enumerate() {
                    let (s, e) = frame(i);
                    if growing {
                        while done < e {
                            let row = part[done];
                            if passes[row] {
                                advance(&mut running, agg, &args[row])?;
                            }
                            done += 1;
                        }
                        out[r] = finish(running.clone(), agg, &cx.env.output)?;
                    } else {
                        let mut st = new_state(agg);
                        for &row in &part[s..e] {
                            if passes[row] {
                                advance(&mut st, agg, &args[row])?;
                            }
                        }
                        out[r] = finish(st, agg, &cx.env.output)?;
                    }
                }
            }
        }
        p0 = p1;
    }
    Ok((out, sorted))
}
