//! Binding window calls and target-list set-returning calls.
//!
//! Both may appear only in a SELECT's target list and ORDER BY. While those
//! are bound, [`Binder::windows`] and [`Binder::srfs`] collect the calls
//! and each call becomes a placeholder column (see `sql::window` and
//! `sql::srf`); [`Binder::finish_select_lists`] then stacks the Window and
//! ProjectSet nodes on the grouped (or FROM) rows and renumbers the
//! placeholders. Outside those clauses the collectors are absent, so a
//! window call in WHERE, GROUP BY, HAVING, a window argument or an
//! aggregate argument fails as in PostgreSQL (42P20; 0A000 for
//! set-returning calls). Each SELECT, subqueries included, has its own
//! collectors: `bind_select` saves and restores the enclosing one's.

use sqlparser::ast;
use storage::datum::TypeOid;

use super::{
    AggState, Binder, BoundQuery, Scope, aggregate_call, coerce, ident_name, is_aggregate_name,
    map_columns, sort_key, t,
};
use crate::error::{SqlError, SqlResult};
use crate::sql::cast::CastContext;
use crate::sql::expr::Expr;
use crate::sql::func::common_type;
use crate::sql::plan::Plan;
use crate::sql::srf::{SRF_BASE, SrfCall, resolve_srf};
use crate::sql::window::{Frame, FrameBound, FrameUnits, WINDOW_BASE, WinFunc, WindowCall};

/// The window calls of the SELECT being bound and its WINDOW clause.
pub(super) struct WindowCollector {
    calls: Vec<WindowCall>,
    named: Vec<(String, ast::WindowSpec)>,
}

/// Collectors suspended while HAVING is bound.
pub(super) type Suspended = (Option<WindowCollector>, Option<Vec<SrfCall>>);

fn window_error(msg: impl Into<String>) -> SqlError {
    SqlError::new("42P20", msg)
}

impl Binder<'_> {
    /// Binds a SELECT with its own window and set-returning collectors.
    pub(super) fn bind_select(
        &mut self,
        sel: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> SqlResult<BoundQuery> {
        let saved_windows = self.windows.take();
        let saved_srfs = self.srfs.take();
        let result = self
            .bind_select_core(sel, order_by)
            .or_else(|e| self.empty_catalog_select(sel, e));
        self.windows = saved_windows;
        self.srfs = saved_srfs;
        result
    }

    /// Opens the collectors for the target list and ORDER BY of `sel`,
    /// resolving its WINDOW clause.
    pub(super) fn begin_select_lists(&mut self, sel: &ast::Select) -> SqlResult<()> {
        let mut named: Vec<(String, ast::WindowSpec)> = Vec::new();
        for ast::NamedWindowDefinition(name, expr) in &sel.named_window {
            let n = ident_name(name);
            if named.iter().any(|(m, _)| *m == n) {
                return Err(window_error(format!("window \"{n}\" is already defined")));
            }
            let spec = match expr {
                ast::NamedWindowExpr::NamedWindow(other) => lookup(&named, other)?.clone(),
                ast::NamedWindowExpr::WindowSpec(s) => merge(&named, s)?,
            };
            named.push((n, spec));
        }
        self.windows = Some(WindowCollector {
            calls: Vec::new(),
            named,
        });
        self.srfs = Some(Vec::new());
        Ok(())
    }

    /// Takes the collectors away (HAVING allows neither kind of call).
    pub(super) fn suspend_select_lists(&mut self) -> Suspended {
        (self.windows.take(), self.srfs.take())
    }

    /// Gives back what [`Self::suspend_select_lists`] took.
    pub(super) fn resume_select_lists(&mut self, s: Suspended) {
        (self.windows, self.srfs) = s;
    }

    /// Stacks Window and ProjectSet over `plan` (whose rows are `base`
    /// wide) for the collected calls and renumbers the placeholders in
    /// `exprs`.
    pub(super) fn finish_select_lists(
        &mut self,
        mut plan: Plan,
        exprs: &mut [Expr],
        base: usize,
    ) -> Plan {
        let calls = self.windows.take().map(|c| c.calls).unwrap_or_default();
        let srfs = self.srfs.take().unwrap_or_default();
        let nw = calls.len();
        let remap = move |i: usize| {
            if i >= WINDOW_BASE {
                base + (i - WINDOW_BASE)
            } else if i >= SRF_BASE {
                base + nw + (i - SRF_BASE)
            } else {
                i
            }
        };
        if !calls.is_empty() {
            plan = Plan::Window {
                input: Box::new(plan),
                calls,
            };
        }
        if !srfs.is_empty() {
            let calls = srfs
                .into_iter()
                .map(|mut c| {
                    c.args = c.args.into_iter().map(|a| map_columns(a, &remap)).collect();
                    c
                })
                .collect();
            plan = Plan::ProjectSet {
                input: Box::new(plan),
                calls,
            };
        }
        for e in exprs.iter_mut() {
            let x = std::mem::replace(e, Expr::bool_const(false));
            *e = map_columns(x, &remap);
        }
        plan
    }

    /// A set-returning call in a target list.
    pub(super) fn bind_srf_target(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let Some(mut list) = self.srfs.take() else {
            return Err(SqlError::new(
                "0A000",
                format!("set-returning function {name} is not allowed here"),
            ));
        };
        let windows = self.windows.take();
        let bound = self
            .function_args(f, scope, agg)
            .and_then(|(args, _, _)| resolve_srf(name, args));
        self.windows = windows;
        let call = match bound {
            Ok(c) => c,
            Err(e) => {
                self.srfs = Some(list);
                return Err(e);
            }
        };
        let typ = call.typ;
        list.push(call);
        let k = list.len() - 1;
        self.srfs = Some(list);
        Ok(Expr::Column(SRF_BASE + k, typ))
    }

    /// A window function call (`f(...) OVER ...`).
    pub(super) fn bind_window_function(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let Some(mut coll) = self.windows.take() else {
            return Err(window_error(
                "window functions are not allowed here (or window function calls cannot be nested)",
            ));
        };
        let srfs = self.srfs.take();
        let bound = self.bind_window_call(name, f, scope, agg, &coll.named);
        self.srfs = srfs;
        let call = match bound {
            Ok(c) => c,
            Err(e) => {
                self.windows = Some(coll);
                return Err(e);
            }
        };
        let typ = call.typ;
        coll.calls.push(call);
        let k = coll.calls.len() - 1;
        self.windows = Some(coll);
        Ok(Expr::Column(WINDOW_BASE + k, typ))
    }

    fn bind_window_call(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
        named: &[(String, ast::WindowSpec)],
    ) -> SqlResult<WindowCall> {
        let spec = match &f.over {
            Some(ast::WindowType::NamedWindow(id)) => lookup(named, id)?.clone(),
            Some(ast::WindowType::WindowSpec(s)) => merge(named, s)?,
            None => return Err(SqlError::internal("window call without OVER")),
        };
        let mut partition = Vec::new();
        for e in &spec.partition_by {
            partition.push(self.bind_expr(e, scope, agg)?);
        }
        let mut order = Vec::new();
        for o in &spec.order_by {
            let e = self.bind_expr(&o.expr, scope, agg)?;
            order.push(sort_key(e, &o.options));
        }
        let frame = self.bind_frame(spec.window_frame.as_ref())?;
        let (mut args, star, distinct) = self.function_args(f, scope, agg)?;
        if distinct {
            return Err(SqlError::unsupported(
                "DISTINCT in window functions (PostgreSQL does not implement it either)",
            ));
        }
        let aggregate = is_aggregate_name(name);
        if f.filter.is_some() && !aggregate {
            return Err(SqlError::new(
                "0A000",
                "FILTER is not implemented for non-aggregate window functions",
            ));
        }
        let bad = |args: &[Expr]| {
            let sig: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
            SqlError::undefined_function(&format!("{name}({})", sig.join(", ")))
        };
        let int4 = |e: Expr| coerce(e, t(TypeOid::INT4), CastContext::Implicit);
        let value = |e: Expr| -> SqlResult<Expr> {
            if e.typ().oid == TypeOid::UNKNOWN {
                coerce(e, t(TypeOid::TEXT), CastContext::Implicit)
            } else {
                Ok(e)
            }
        };
        let (func, typ) = match (name, args.len()) {
            ("row_number", 0) => (WinFunc::RowNumber, t(TypeOid::INT8)),
            ("rank", 0) => (WinFunc::Rank, t(TypeOid::INT8)),
            ("dense_rank", 0) => (WinFunc::DenseRank, t(TypeOid::INT8)),
            ("percent_rank", 0) => (WinFunc::PercentRank, t(TypeOid::FLOAT8)),
            ("cume_dist", 0) => (WinFunc::CumeDist, t(TypeOid::FLOAT8)),
            ("ntile", 1) => {
                args = vec![int4(args.remove(0)).map_err(|_| bad(&args))?];
                (WinFunc::Ntile, t(TypeOid::INT4))
            }
            ("lag" | "lead", 1..=3) => {
                let mut v = value(args.remove(0))?;
                let mut rest = Vec::new();
                if !args.is_empty() {
                    rest.push(int4(args.remove(0))?);
                }
                if !args.is_empty() {
                    let d = args.remove(0);
                    let ty = common_type(&[v.typ(), d.typ()], name)?;
                    v = coerce(v, ty, CastContext::Implicit)?;
                    rest.push(coerce(d, ty, CastContext::Implicit)?);
                }
                let ty = v.typ();
                args = std::iter::once(v).chain(rest).collect();
                (
                    if name == "lag" {
                        WinFunc::Lag
                    } else {
                        WinFunc::Lead
                    },
                    ty,
                )
            }
            ("first_value" | "last_value", 1) => {
                let v = value(args.remove(0))?;
                let ty = v.typ();
                args = vec![v];
                (
                    if name == "first_value" {
                        WinFunc::FirstValue
                    } else {
                        WinFunc::LastValue
                    },
                    ty,
                )
            }
            ("nth_value", 2) => {
                let v = value(args.remove(0))?;
                let n = int4(args.remove(0))?;
                let ty = v.typ();
                args = vec![v, n];
                (WinFunc::NthValue, ty)
            }
            _ if aggregate => {
                let filter = match &f.filter {
                    Some(fe) => Some(coerce(
                        self.bind_expr(fe, scope, agg)?,
                        t(TypeOid::BOOL),
                        CastContext::Implicit,
                    )?),
                    None => None,
                };
                let call = aggregate_call(name, std::mem::take(&mut args), star, false, filter)?;
                let ty = call.typ;
                (WinFunc::Agg(call), ty)
            }
            (
                "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" | "ntile"
                | "lag" | "lead" | "first_value" | "last_value" | "nth_value",
                _,
            ) => return Err(bad(&args)),
            _ => {
                return Err(SqlError::new(
                    "42809",
                    format!(
                        "OVER specified, but {name} is not a window function nor an aggregate function"
                    ),
                ));
            }
        };
        if star && !aggregate {
            return Err(bad(&args));
        }
        Ok(WindowCall {
            func,
            args,
            partition,
            order,
            frame,
            typ,
        })
    }

    fn bind_frame(&mut self, wf: Option<&ast::WindowFrame>) -> SqlResult<Frame> {
        let Some(wf) = wf else {
            return Ok(Frame::default_frame());
        };
        let units = match wf.units {
            ast::WindowFrameUnits::Rows => FrameUnits::Rows,
            ast::WindowFrameUnits::Range => FrameUnits::Range,
            ast::WindowFrameUnits::Groups => return Err(SqlError::unsupported("GROUPS frames")),
        };
        let start = self.bind_bound(&wf.start_bound, units)?;
        let end = match &wf.end_bound {
            Some(b) => self.bind_bound(b, units)?,
            None => FrameBound::CurrentRow,
        };
        use FrameBound as B;
        match (&start, &end) {
            (B::UnboundedFollowing, _) => {
                return Err(window_error("frame start cannot be UNBOUNDED FOLLOWING"));
            }
            (_, B::UnboundedPreceding) => {
                return Err(window_error("frame end cannot be UNBOUNDED PRECEDING"));
            }
            (B::CurrentRow, B::Preceding(_)) => {
                return Err(window_error(
                    "frame starting from current row cannot have preceding rows",
                ));
            }
            (B::Following(_), B::Preceding(_) | B::CurrentRow) => {
                return Err(window_error(
                    "frame starting from following row cannot have preceding rows",
                ));
            }
            _ => {}
        }
        Ok(Frame { units, start, end })
    }

    fn bind_bound(
        &mut self,
        b: &ast::WindowFrameBound,
        units: FrameUnits,
    ) -> SqlResult<FrameBound> {
        let offset = |this: &mut Self, e: &ast::Expr| -> SqlResult<Expr> {
            if units == FrameUnits::Range {
                return Err(SqlError::unsupported(
                    "RANGE with an offset PRECEDING/FOLLOWING",
                ));
            }
            let x = this
                .bind_expr(e, &Scope::default(), &mut None)
                .map_err(|err| {
                    if err.code == "42703" {
                        SqlError::new("42P10", "argument of ROWS must not contain variables")
                    } else {
                        err
                    }
                })?;
            coerce(x, t(TypeOid::INT8), CastContext::Implicit)
        };
        Ok(match b {
            ast::WindowFrameBound::CurrentRow => FrameBound::CurrentRow,
            ast::WindowFrameBound::Preceding(None) => FrameBound::UnboundedPreceding,
            ast::WindowFrameBound::Following(None) => FrameBound::UnboundedFollowing,
            ast::WindowFrameBound::Preceding(Some(e)) => FrameBound::Preceding(offset(self, e)?),
            ast::WindowFrameBound::Following(Some(e)) => FrameBound::Following(offset(self, e)?),
        })
    }
}

/// Fails with 42803 if an aggregate call's arguments hold a window call.
pub(super) fn no_window_in_aggregate(f: &ast::Function) -> SqlResult<()> {
    let found = ast::visit_expressions(&f.args, |e| match e {
        ast::Expr::Function(g) if g.over.is_some() => std::ops::ControlFlow::Break(()),
        _ => std::ops::ControlFlow::Continue(()),
    });
    if found.is_break() {
        return Err(SqlError::new(
            "42803",
            "aggregate function calls cannot contain window function calls",
        ));
    }
    Ok(())
}

fn lookup<'s>(
    named: &'s [(String, ast::WindowSpec)],
    id: &ast::Ident,
) -> SqlResult<&'s ast::WindowSpec> {
    let n = ident_name(id);
    named
        .iter()
        .find(|(m, _)| *m == n)
        .map(|(_, s)| s)
        .ok_or_else(|| SqlError::new("42704", format!("window \"{n}\" does not exist")))
}

/// `OVER (w ORDER BY ...)`: `w`'s partitioning and ordering plus this
/// spec's additions, under PostgreSQL's copy rules.
fn merge(named: &[(String, ast::WindowSpec)], s: &ast::WindowSpec) -> SqlResult<ast::WindowSpec> {
    let Some(base_name) = &s.window_name else {
        return Ok(s.clone());
    };
    let base = lookup(named, base_name)?;
    let n = ident_name(base_name);
    if !s.partition_by.is_empty() {
        return Err(window_error(format!(
            "cannot override PARTITION BY clause of window \"{n}\""
        )));
    }
    if !s.order_by.is_empty() && !base.order_by.is_empty() {
        return Err(window_error(format!(
            "cannot override ORDER BY clause of window \"{n}\""
        )));
    }
    if base.window_frame.is_some() {
        return Err(window_error(format!(
            "cannot copy window \"{n}\" because it has a frame clause"
        )));
    }
    Ok(ast::WindowSpec {
        window_name: None,
        partition_by: base.partition_by.clone(),
        order_by: if s.order_by.is_empty() {
            base.order_by.clone()
        } else {
            s.order_by.clone()
        },
        window_frame: s.window_frame.clone(),
    })
}
