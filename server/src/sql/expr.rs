//! Bound expressions and their evaluation.
//!
//! The binder turns sqlparser's AST into [`Expr`] trees whose every node has
//! a known result type and whose operators already have operands of matching
//! types (casts are inserted by the binder, as PostgreSQL's parser inserts
//! coercions). Evaluation is then a match on the node and the values, with
//! SQL's three-valued logic: NULL in, NULL out, except where the operator
//! says otherwise (AND, OR, IS NULL, IS DISTINCT FROM, CASE, COALESCE).

use std::cmp::Ordering;

use storage::datum::io::OutputOptions;
use storage::datum::{Datum, SqlType, TypeOid};

use super::cast::cast_value;
use super::compare::cmp_values;
use super::func::{Builtin, call_builtin};
use super::ops::{BinOp, eval_binop};
use super::plan::Plan;
use crate::error::{SqlError, SqlResult};

/// A bound expression.
#[derive(Clone, Debug)]
pub enum Expr {
    /// A constant.
    Const(Datum, SqlType),
    /// Column `index` of the current input row.
    Column(usize, SqlType),
    /// Column `index` of the row `depth` levels out (correlated subqueries).
    Outer {
        /// 1 = the immediately enclosing query's row.
        depth: usize,
        /// Column index within that row.
        index: usize,
        /// The column's type.
        typ: SqlType,
    },
    /// Parameter `$n` (0-based index).
    Param(usize, SqlType),
    /// A binary operator over operands of compatible types.
    Binary(BinOp, Box<Expr>, Box<Expr>, SqlType),
    /// Arithmetic negation.
    Neg(Box<Expr>),
    /// Logical NOT.
    Not(Box<Expr>),
    /// AND of all terms (three-valued).
    And(Vec<Expr>),
    /// OR of all terms (three-valued).
    Or(Vec<Expr>),
    /// `IS [NOT] NULL`.
    IsNull(Box<Expr>, bool),
    /// `IS [NOT] TRUE / FALSE`: (expr, value tested, negated).
    IsBool(Box<Expr>, bool, bool),
    /// `IS [NOT] DISTINCT FROM`.
    IsDistinct(Box<Expr>, Box<Expr>, bool),
    /// `CASE [operand] WHEN ... THEN ... ELSE ... END`.
    Case {
        /// The operand of a simple CASE.
        operand: Option<Box<Expr>>,
        /// (condition or comparison value, result) pairs.
        whens: Vec<(Expr, Expr)>,
        /// The ELSE result.
        otherwise: Option<Box<Expr>>,
        /// The result type.
        typ: SqlType,
    },
    /// A type conversion (as an explicit cast: a too-long string is cut
    /// to a `varchar(n)` / `char(n)` target).
    Cast(Box<Expr>, SqlType),
    /// An assignment cast to a length-limited string type: a too-long
    /// value is an error (22001) unless the excess is spaces.
    AssignCast(Box<Expr>, SqlType),
    /// A built-in function call.
    Func(Builtin, Vec<Expr>, SqlType),
    /// `x [NOT] IN (list)`.
    InList(Box<Expr>, Vec<Expr>, bool),
    /// A subquery.
    SubPlan(Box<SubPlan>),
    /// `nextval` / `currval` / `setval` / `lastval` on a sequence resolved
    /// at bind time (`None` for `lastval`).
    Sequence(
        SeqOp,
        Option<std::sync::Arc<storage::catalog::TableInfo>>,
        Vec<Expr>,
    ),
    /// `bt_index_check(index)`: verifies a B-tree's structure; returns void.
    IndexCheck(std::sync::Arc<storage::catalog::TableInfo>),
    /// `ARRAY[e, ...]` with elements coerced to the element type of `typ`.
    ArrayCons(Vec<Expr>, SqlType),
    /// `x op ANY (array)` / `x op ALL (array)` (PostgreSQL's
    /// ScalarArrayOpExpr); `x IN (...)` lists stay [`Expr::InList`].
    ArrayOp {
        /// The comparison.
        op: BinOp,
        /// ALL rather than ANY.
        all: bool,
        /// The scalar, of the array's element type.
        lhs: Box<Expr>,
        /// The array.
        array: Box<Expr>,
    },
    /// `a[i]` or `a[lo:hi]`; `typ` is the element type or the array type.
    Subscript(Box<Expr>, ArraySubscript, SqlType),
}

/// What a subscript selects.
#[derive(Clone, Debug)]
pub enum ArraySubscript {
    /// `[i]`: one element.
    Index(Box<Expr>),
    /// `[lo:hi]`, either bound optional: a slice.
    Slice(Option<Box<Expr>>, Option<Box<Expr>>),
}

/// Sequence functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqOp {
    /// `nextval(seq)`
    NextVal,
    /// `currval(seq)`
    CurrVal,
    /// `setval(seq, value [, is_called])`
    SetVal,
    /// `lastval()`
    LastVal,
}

/// What a subquery expression computes.
#[derive(Clone, Debug)]
pub enum SubKind {
    /// `(SELECT x ...)`: the single value, NULL if no row, error if several.
    Scalar,
    /// `EXISTS (...)`.
    Exists,
    /// `x IN (SELECT ...)` / `x op ANY (SELECT ...)`.
    Any(BinOp, Box<Expr>),
    /// `x op ALL (SELECT ...)`.
    All(BinOp, Box<Expr>),
    /// `ARRAY(SELECT ...)`: the single column's values as an array.
    Array,
}

/// A subquery inside an expression.
#[derive(Clone, Debug)]
pub struct SubPlan {
    /// The subquery's plan.
    pub plan: Plan,
    /// What to compute from its rows.
    pub kind: SubKind,
    /// The result type (scalar subqueries) or bool.
    pub typ: SqlType,
    /// True if it refers to an outer row; otherwise its result is computed once.
    pub correlated: bool,
    /// Index into the statement's cache of uncorrelated results.
    pub id: usize,
}

/// Facts about the session that functions read.
#[derive(Clone, Debug)]
pub struct SessionEnv {
    /// Output settings (time zone, float digits).
    pub output: OutputOptions,
    /// `current_user`.
    pub user: String,
    /// `current_database()`.
    pub database: String,
    /// `pg_backend_pid()`.
    pub backend_pid: i32,
    /// `now()`: the transaction's start time.
    pub txn_start: storage::datum::TimestampTz,
    /// `statement_timestamp()`.
    pub stmt_start: storage::datum::TimestampTz,
    /// The search path's first schema, for `current_schema()`.
    pub current_schema: String,
    /// The schemas of `search_path` (`$user` resolved), for visibility
    /// tests such as `pg_table_is_visible`.
    pub search_path: Vec<String>,
    /// This session's temporary schema, once it has made one: relations
    /// are looked up there first.
    pub temp_schema: Option<String>,
    /// `random()`'s generator after `setseed()`; before, a fresh
    /// thread-local one.
    pub prng: std::cell::RefCell<Option<rand::rngs::StdRng>>,
    /// `currval` of each sequence this session used, by OID.
    pub currvals: std::cell::RefCell<std::collections::HashMap<u32, i64>>,
    /// `lastval()`.
    pub lastval: std::cell::Cell<Option<i64>>,
    /// `work_mem` in bytes: what a sort holds before spilling to disk.
    pub work_mem: usize,
    /// `log_temp_files` in kB (-1: temporary files are not logged).
    pub log_temp_files: i64,
    /// NOTIFY / `pg_notify()` and LISTEN / UNLISTEN of the current
    /// transaction, sent or applied at commit ([`crate::notify`]).
    pub notify: std::cell::RefCell<crate::notify::PendingNotify>,
    /// The online backup this session started (`pg_backup_start`).
    pub backup: std::cell::RefCell<Option<storage::backup::BackupLabel>>,
    /// The backup `FROM pg_backup_stop(...)` just stopped, for its later
    /// columns.
    pub backup_stopped: std::cell::RefCell<Option<storage::backup::BackupStop>>,
    /// `set_config(name, value, is_local)` calls of the running statement,
    /// checked when called and applied by the session when the statement
    /// succeeds, as if by `SET [LOCAL] name = value`.
    pub set_configs: std::cell::RefCell<Vec<SetConfig>>,
    /// The settings `RESET` returns to (the server's configuration), for
    /// `set_config(name, NULL, ...)`.
    pub reset_settings: crate::guc::Settings,
}

/// One `set_config()` call waiting for its statement to finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetConfig {
    /// The setting's name as given.
    pub name: String,
    /// The new value; `None` resets it.
    pub value: Option<String>,
    /// `is_local`: like `SET LOCAL`, undone at the end of the transaction.
    pub local: bool,
}

/// Runs subqueries for expressions; the executor implements it.
pub trait SubplanRunner {
    /// Runs `sub` with `outer` rows available to its correlated references.
    fn run_subplan(&self, sub: &SubPlan, outer: &[&[Datum]]) -> SqlResult<Vec<Vec<Datum>>>;

    /// Runs a sequence function.
    fn sequence(
        &self,
        op: SeqOp,
        seq: Option<&storage::catalog::TableInfo>,
        args: &[Datum],
    ) -> SqlResult<Datum>;

    /// Runs `bt_index_check` on `index`.
    fn index_check(&self, index: &storage::catalog::TableInfo) -> SqlResult<Datum>;

    /// Runs a WAL inspection function ([`super::walfuncs`]).
    fn wal_function(&self, f: Builtin, args: &[Datum]) -> SqlResult<Datum>;

    /// Runs a system information function ([`super::catalogfuncs`]).
    fn catalog_function(
        &self,
        f: super::catalogfuncs::CatalogFn,
        args: &[Datum],
    ) -> SqlResult<Datum>;
}

/// Everything evaluation needs beyond the row.
pub struct EvalCtx<'a> {
    /// Bound parameter values.
    pub params: &'a [Datum],
    /// Session facts.
    pub env: &'a SessionEnv,
    /// Runs subqueries.
    pub runner: &'a dyn SubplanRunner,
    /// Enclosing queries' rows, innermost first.
    pub outer: &'a [&'a [Datum]],
}

impl Expr {
    /// The type of the value this expression produces.
    pub fn typ(&self) -> SqlType {
        match self {
            Expr::Const(_, t)
            | Expr::Column(_, t)
            | Expr::Param(_, t)
            | Expr::Binary(_, _, _, t)
            | Expr::Cast(_, t)
            | Expr::AssignCast(_, t)
            | Expr::Func(_, _, t)
            | Expr::ArrayCons(_, t)
            | Expr::Subscript(_, _, t)
            | Expr::Case { typ: t, .. } => *t,
            Expr::Outer { typ, .. } => *typ,
            Expr::Neg(e) => e.typ(),
            Expr::Not(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::IsNull(..)
            | Expr::IsBool(..)
            | Expr::IsDistinct(..)
            | Expr::ArrayOp { .. }
            | Expr::InList(..) => SqlType::new(TypeOid::BOOL),
            Expr::SubPlan(s) => s.typ,
            Expr::Sequence(..) => SqlType::new(TypeOid::INT8),
            Expr::IndexCheck(_) => SqlType::new(TypeOid::VOID),
        }
    }

    /// A boolean constant.
    pub fn bool_const(b: bool) -> Expr {
        Expr::Const(Datum::Bool(b), SqlType::new(TypeOid::BOOL))
    }

    /// True if the expression reads no row, parameter or subquery.
    pub fn is_const(&self) -> bool {
        matches!(self, Expr::Const(..))
    }

    /// Evaluates the expression against `row`.
    pub fn eval(&self, row: &[Datum], ctx: &EvalCtx<'_>) -> SqlResult<Datum> {
        match self {
            Expr::Const(d, _) => Ok(d.clone()),
            Expr::Column(i, _) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| SqlError::internal(format!("column {i} out of range"))),
            Expr::Outer { depth, index, .. } => ctx
                .outer
                .get(depth - 1)
                .and_then(|r| r.get(*index))
                .cloned()
                .ok_or_else(|| SqlError::internal("outer reference out of range")),
            Expr::Param(i, _) => ctx.params.get(*i).cloned().ok_or_else(|| {
                SqlError::new("08P01", format!("no value for parameter ${}", i + 1))
            }),
            Expr::Binary(op, l, r, _) => {
                let a = l.eval(row, ctx)?;
                let b = r.eval(row, ctx)?;
                eval_binop(*op, a, b, ctx.env)
            }
            Expr::Neg(e) => super::ops::negate(e.eval(row, ctx)?),
            Expr::Not(e) => Ok(match e.eval(row, ctx)? {
                Datum::Bool(b) => Datum::Bool(!b),
                _ => Datum::Null,
            }),
            Expr::And(terms) => {
                let mut saw_null = false;
                for t in terms {
                    match t.eval(row, ctx)? {
                        Datum::Bool(false) => return Ok(Datum::Bool(false)),
                        Datum::Bool(true) => {}
                        _ => saw_null = true,
                    }
                }
                Ok(if saw_null {
                    Datum::Null
                } else {
                    Datum::Bool(true)
                })
            }
            Expr::Or(terms) => {
                let mut saw_null = false;
                for t in terms {
                    match t.eval(row, ctx)? {
                        Datum::Bool(true) => return Ok(Datum::Bool(true)),
                        Datum::Bool(false) => {}
                        _ => saw_null = true,
                    }
                }
                Ok(if saw_null {
                    Datum::Null
                } else {
                    Datum::Bool(false)
                })
            }
            Expr::IsNull(e, negated) => {
                let is_null = matches!(e.eval(row, ctx)?, Datum::Null);
                Ok(Datum::Bool(is_null != *negated))
            }
            Expr::IsBool(e, want, negated) => {
                let v = e.eval(row, ctx)?;
                let hit = matches!(v, Datum::Bool(b) if b == *want);
                Ok(Datum::Bool(hit != *negated))
            }
            Expr::IsDistinct(l, r, negated) => {
                let a = l.eval(row, ctx)?;
                let b = r.eval(row, ctx)?;
                let distinct = match (&a, &b) {
                    (Datum::Null, Datum::Null) => false,
                    (Datum::Null, _) | (_, Datum::Null) => true,
                    _ => cmp_values(&a, &b) != Ordering::Equal,
                };
                Ok(Datum::Bool(distinct != *negated))
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                let subject = match operand {
                    Some(o) => Some(o.eval(row, ctx)?),
                    None => None,
                };
                for (cond, result) in whens {
                    let c = cond.eval(row, ctx)?;
                    let hit = match &subject {
                        Some(s) => {
                            !matches!(s, Datum::Null)
                                && !matches!(c, Datum::Null)
                                && cmp_values(s, &c) == Ordering::Equal
                        }
                        None => matches!(c, Datum::Bool(true)),
                    };
                    if hit {
                        return result.eval(row, ctx);
                    }
                }
                match otherwise {
                    Some(e) => e.eval(row, ctx),
                    None => Ok(Datum::Null),
                }
            }
            Expr::Cast(e, t) => {
                let v = e.eval(row, ctx)?;
                cast_value(v, e.typ(), *t, true, &ctx.env.output)
            }
            Expr::AssignCast(e, t) => {
                let v = e.eval(row, ctx)?;
                cast_value(v, e.typ(), *t, false, &ctx.env.output)
            }
            Expr::Func(f, args, _) => call_builtin(*f, args, row, ctx),
            Expr::InList(e, list, negated) => {
                let v = e.eval(row, ctx)?;
                if matches!(v, Datum::Null) {
                    return Ok(Datum::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let w = item.eval(row, ctx)?;
                    if matches!(w, Datum::Null) {
                        saw_null = true;
                    } else if cmp_values(&v, &w) == Ordering::Equal {
                        return Ok(Datum::Bool(!negated));
                    }
                }
                Ok(if saw_null {
                    Datum::Null
                } else {
                    Datum::Bool(*negated)
                })
            }
            Expr::SubPlan(sub) => eval_subplan(sub, row, ctx),
            Expr::Sequence(op, seq, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(a.eval(row, ctx)?);
                }
                ctx.runner.sequence(*op, seq.as_deref(), &values)
            }
            Expr::IndexCheck(index) => ctx.runner.index_check(index),
            Expr::ArrayCons(elems, _) => {
                let mut values = Vec::with_capacity(elems.len());
                for e in elems {
                    values.push(e.eval(row, ctx)?);
                }
                Ok(Datum::Array(std::sync::Arc::new(
                    storage::datum::Array::new(values),
                )))
            }
            Expr::ArrayOp {
                op,
                all,
                lhs,
                array,
            } => {
                let a = array.eval(row, ctx)?;
                let x = lhs.eval(row, ctx)?;
                Ok(super::array::eval_array_op(*op, *all, &x, &a))
            }
            Expr::Subscript(base, sub, _) => {
                let a = base.eval(row, ctx)?;
                match sub {
                    ArraySubscript::Index(i) => Ok(super::array::subscript(&a, &i.eval(row, ctx)?)),
                    ArraySubscript::Slice(lo, hi) => {
                        let lo = match lo {
                            Some(e) => Some(e.eval(row, ctx)?),
                            None => None,
                        };
                        let hi = match hi {
                            Some(e) => Some(e.eval(row, ctx)?),
                            None => None,
                        };
                        Ok(super::array::slice(&a, lo.as_ref(), hi.as_ref()))
                    }
                }
            }
        }
    }

    /// Evaluates a condition: only TRUE passes (NULL and FALSE do not).
    pub fn eval_qual(&self, row: &[Datum], ctx: &EvalCtx<'_>) -> SqlResult<bool> {
        Ok(matches!(self.eval(row, ctx)?, Datum::Bool(true)))
    }

    /// Visits every node, outermost first.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Binary(_, l, r, _) | Expr::IsDistinct(l, r, _) => {
                l.walk(f);
                r.walk(f);
            }
            Expr::Neg(e)
            | Expr::Not(e)
            | Expr::IsNull(e, _)
            | Expr::IsBool(e, _, _)
            | Expr::Cast(e, _)
            | Expr::AssignCast(e, _) => e.walk(f),
            Expr::And(v) | Expr::Or(v) | Expr::Func(_, v, _) | Expr::ArrayCons(v, _) => {
                v.iter().for_each(|e| e.walk(f))
            }
            Expr::ArrayOp { lhs, array, .. } => {
                lhs.walk(f);
                array.walk(f);
            }
            Expr::Subscript(base, sub, _) => {
                base.walk(f);
                match sub {
                    ArraySubscript::Index(i) => i.walk(f),
                    ArraySubscript::Slice(lo, hi) => {
                        lo.iter().chain(hi.iter()).for_each(|e| e.walk(f))
                    }
                }
            }
            Expr::InList(e, v, _) => {
                e.walk(f);
                v.iter().for_each(|e| e.walk(f));
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                if let Some(o) = operand {
                    o.walk(f);
                }
                for (c, r) in whens {
                    c.walk(f);
                    r.walk(f);
                }
                if let Some(o) = otherwise {
                    o.walk(f);
                }
            }
            Expr::SubPlan(s) => match &s.kind {
                SubKind::Any(_, e) | SubKind::All(_, e) => e.walk(f),
                SubKind::Scalar | SubKind::Exists | SubKind::Array => {}
            },
            Expr::Sequence(_, _, args) => args.iter().for_each(|e| e.walk(f)),
            Expr::Const(..)
            | Expr::Column(..)
            | Expr::Outer { .. }
            | Expr::Param(..)
            | Expr::IndexCheck(_) => {}
        }
    }
}

fn eval_subplan(sub: &SubPlan, row: &[Datum], ctx: &EvalCtx<'_>) -> SqlResult<Datum> {
    let mut outer: Vec<&[Datum]> = Vec::with_capacity(ctx.outer.len() + 1);
    outer.push(row);
    outer.extend_from_slice(ctx.outer);
    let rows = ctx.runner.run_subplan(sub, &outer)?;
    match &sub.kind {
        SubKind::Scalar => {
            if rows.len() > 1 {
                return Err(SqlError::new(
                    "21000",
                    "more than one row returned by a subquery used as an expression",
                ));
            }
            Ok(rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
                .unwrap_or(Datum::Null))
        }
        SubKind::Exists => Ok(Datum::Bool(!rows.is_empty())),
        SubKind::Array => Ok(Datum::Array(std::sync::Arc::new(
            storage::datum::Array::new(
                rows.into_iter()
                    .map(|r| r.into_iter().next().unwrap_or(Datum::Null))
                    .collect(),
            ),
        ))),
        SubKind::Any(op, lhs) | SubKind::All(op, lhs) => {
            let is_all = matches!(sub.kind, SubKind::All(..));
            let v = lhs.eval(row, ctx)?;
            let mut saw_null = false;
            for r in rows {
                let w = r.into_iter().next().unwrap_or(Datum::Null);
                let res = eval_binop(*op, v.clone(), w, ctx.env)?;
                match res {
                    Datum::Bool(true) if !is_all => return Ok(Datum::Bool(true)),
                    Datum::Bool(false) if is_all => return Ok(Datum::Bool(false)),
                    Datum::Bool(_) => {}
                    _ => saw_null = true,
                }
            }
            Ok(if saw_null {
                Datum::Null
            } else {
                Datum::Bool(is_all)
            })
        }
    }
}
