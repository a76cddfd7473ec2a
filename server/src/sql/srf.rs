//! Set-returning functions: `generate_series`, `unnest`,
//! `pg_partition_ancestors`, `pg_stat_get_progress_info` and the jsonb ones
//! (`jsonb_object_keys`, `jsonb_array_elements[_text]`, whose values
//! [`super::jsonb`] computes).
//!
//! A set-returning call appears in two places, with PostgreSQL's meaning:
//!
//! - in FROM (`FROM generate_series(1, 3) AS g(n)`, also `LATERAL` and
//!   `WITH ORDINALITY`): a [`Plan::FunctionScan`](super::plan::Plan)
//!   whose rows are the values; arguments may read earlier FROM items
//!   (LATERAL) through outer references;
//! - in the target list (`SELECT generate_series(1, x) FROM t`): a
//!   [`Plan::ProjectSet`](super::plan::Plan) below the projection, bound
//!   with placeholder columns [`SRF_BASE`]` + k` as window calls are. Each
//!   input row yields as many rows as its longest call, shorter calls
//!   padded with NULL (PostgreSQL 10+ semantics); a call yielding no rows
//!   for every SRF drops the input row.
//!
//! Values are produced one at a time by [`Series`], never materialised,
//! so `generate_series(1, 1e9) LIMIT 3` costs three rows.
//!
//! Argument types, as PostgreSQL resolves them: integer (int4 unless an
//! argument is int8), numeric, and timestamp / timestamptz with an
//! interval step (a date start resolves to timestamptz). `unnest(array)`
//! yields the elements (NULLs included) in order; its multi-argument form
//! answers 0A000. `pg_partition_ancestors(regclass)` yields no rows: no
//! relation is a partition or partitioned table here (psql's `\d` asks it
//! which tables' foreign keys to list under "Referenced by").
//!
//! `pg_stat_get_progress_info(command)` reads the running commands'
//! progress (`storage::progress`) when the scan starts, one row per
//! command. PostgreSQL returns a record `(pid, datid, relid, param1 ..
//! param20)`; heapgres, which has no record-returning functions, returns
//! the same 23 numbers as one `bigint[]` (`pid` at `[1]`, `param1` at
//! `[4]`), and `pg_stat_progress_vacuum` picks them apart. `'VACUUM'` has
//! rows; PostgreSQL's other command names (`ANALYZE`, `CLUSTER`, `CREATE
//! INDEX`, `BASEBACKUP`, `COPY`) are not reported and give none; any other
//! name is 22023, as in PostgreSQL.

use std::cmp::Ordering;

use std::sync::Arc;

use storage::datum::{Array, Datum, Interval, Numeric, SqlType, TypeOid};

use super::compare::cmp_values;
use super::expr::{Expr, SessionEnv};
use super::jsonb::JsonbSrf;
use super::ops::{BinOp, eval_binop};
use crate::error::{SqlError, SqlResult};

/// Set-returning calls in a target list are bound as references to column
/// `SRF_BASE + k` until the ProjectSet's input width is known.
pub const SRF_BASE: usize = usize::MAX / 8;

/// Which set-returning function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SrfFunc {
    /// `generate_series(start, stop [, step])`.
    GenerateSeries,
    /// `unnest(array)`.
    Unnest,
    /// `pg_partition_ancestors(regclass)`.
    PartitionAncestors,
    /// `pg_stat_get_progress_info(text)` (module doc).
    ProgressInfo,
    /// `jsonb_object_keys`, `jsonb_array_elements[_text]`
    /// ([`super::jsonb::srf_values`]).
    Jsonb(super::jsonb::JsonbSrf),
}

/// A bound set-returning call.
#[derive(Clone, Debug)]
pub struct SrfCall {
    /// The function.
    pub func: SrfFunc,
    /// Arguments, already coerced to the resolved signature.
    pub args: Vec<Expr>,
    /// The element type.
    pub typ: SqlType,
}

/// True if `name` is a set-returning function heapgres knows.
pub fn is_srf_name(name: &str) -> bool {
    matches!(
        name,
        "generate_series"
            | "unnest"
            | "regexp_split_to_table"
            | "pg_partition_ancestors"
            | "pg_stat_get_progress_info"
            | "jsonb_object_keys"
            | "jsonb_array_elements"
            | "jsonb_array_elements_text"
    )
}

/// Resolves `name(args)` to a set-returning call, coercing the arguments.
pub fn resolve_srf(name: &str, args: Vec<Expr>) -> SqlResult<SrfCall> {
    use super::bind::coerce;
    use super::cast::CastContext;
    let sig = || {
        let t: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
        SqlError::undefined_function(&format!("{name}({})", t.join(", ")))
    };
    if name == "unnest" {
        return resolve_unnest(args);
    }
    // The rows of regexp_split_to_array's array.
    if name == "regexp_split_to_table" {
        let array = super::strfuncs::resolve("regexp_split_to_array", args)?
            .ok_or_else(|| SqlError::internal("regexp_split_to_array"))?;
        return resolve_unnest(vec![array]);
    }
    if let Some((f, typ)) = match name {
        "jsonb_object_keys" => Some((JsonbSrf::ObjectKeys, TypeOid::TEXT)),
        "jsonb_array_elements" => Some((JsonbSrf::ArrayElements, TypeOid::JSONB)),
        "jsonb_array_elements_text" => Some((JsonbSrf::ArrayElementsText, TypeOid::TEXT)),
        _ => None,
    } {
        if args.len() != 1 {
            return Err(sig());
        }
        let error = sig();
        let args = args
            .into_iter()
            .map(|a| coerce(a, SqlType::new(TypeOid::JSONB), CastContext::Implicit))
            .collect::<SqlResult<Vec<_>>>()
            .map_err(|_| error)?;
        return Ok(SrfCall {
            func: SrfFunc::Jsonb(f),
            args,
            typ: SqlType::new(typ),
        });
    }
    if name == "pg_partition_ancestors" && args.len() == 1 {
        let rel = SqlType::new(TypeOid::REGCLASS);
        let args = args
            .into_iter()
            .map(|a| coerce(a, rel, CastContext::Implicit))
            .collect::<SqlResult<Vec<_>>>()?;
        return Ok(SrfCall {
            func: SrfFunc::PartitionAncestors,
            args,
            typ: rel,
        });
    }
    if name == "pg_stat_get_progress_info" && args.len() == 1 {
        let args = args
            .into_iter()
            .map(|a| coerce(a, SqlType::new(TypeOid::TEXT), CastContext::Implicit))
            .collect::<SqlResult<Vec<_>>>()?;
        return Ok(SrfCall {
            func: SrfFunc::ProgressInfo,
            args,
            typ: SqlType::new(TypeOid::INT8_ARRAY),
        });
    }
    if name != "generate_series" || !(2..=3).contains(&args.len()) {
        return Err(sig());
    }
    let bounds = [args[0].typ(), args[1].typ()];
    let step = args.get(2).map(Expr::typ);
    let is_int = |t: TypeOid| matches!(t, TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8);
    let is_num = |t: TypeOid| is_int(t) || t == TypeOid::NUMERIC || t == TypeOid::UNKNOWN;
    let all = |f: &dyn Fn(TypeOid) -> bool| {
        bounds.iter().all(|t| f(t.oid)) && step.is_none_or(|s| f(s.oid))
    };
    if bounds.iter().all(|t| t.oid == TypeOid::UNKNOWN)
        && step.is_none_or(|s| s.oid == TypeOid::UNKNOWN)
    {
        let t: Vec<&str> = args.iter().map(|_| "unknown").collect();
        return Err(SqlError::new(
            "42725",
            format!("function {name}({}) is not unique", t.join(", ")),
        )
        .with_hint("Could not choose a best candidate function. You might need to add explicit type casts."));
    }
    let is_time =
        |t: TypeOid| matches!(t, TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ | TypeOid::DATE);
    let timed = bounds.iter().any(|t| is_time(t.oid))
        && step.is_some_and(|s| matches!(s.oid, TypeOid::INTERVAL | TypeOid::UNKNOWN));
    let (elem, step_t) = if timed || step.is_some_and(|s| s.oid == TypeOid::INTERVAL) {
        let common = super::func::common_type(&bounds, "generate_series").map_err(|_| sig())?;
        let elem = match common.oid {
            TypeOid::TIMESTAMP => TypeOid::TIMESTAMP,
            TypeOid::TIMESTAMPTZ | TypeOid::DATE | TypeOid::UNKNOWN => TypeOid::TIMESTAMPTZ,
            _ => return Err(sig()),
        };
        (elem, TypeOid::INTERVAL)
    } else if all(&|t| is_int(t) || t == TypeOid::UNKNOWN) {
        let wide = bounds
            .iter()
            .chain(step.iter())
            .any(|t| t.oid == TypeOid::INT8);
        let t = if wide { TypeOid::INT8 } else { TypeOid::INT4 };
        (t, t)
    } else if all(&is_num) {
        (TypeOid::NUMERIC, TypeOid::NUMERIC)
    } else {
        return Err(sig());
    };
    let mut out = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        let to = if i < 2 { elem } else { step_t };
        out.push(coerce(a, SqlType::new(to), CastContext::Implicit)?);
    }
    Ok(SrfCall {
        func: SrfFunc::GenerateSeries,
        args: out,
        typ: SqlType::new(elem),
    })
}

fn resolve_unnest(mut args: Vec<Expr>) -> SqlResult<SrfCall> {
    if args.len() > 1 {
        return Err(SqlError::unsupported("unnest with several arguments"));
    }
    let Some(arg) = args.pop() else {
        return Err(SqlError::undefined_function("unnest()"));
    };
    let typ = arg.typ();
    if typ.oid == TypeOid::UNKNOWN {
        return Err(SqlError::new("42725", "function unnest(unknown) is not unique")
            .with_hint("Could not choose a best candidate function. You might need to add explicit type casts."));
    }
    let elem = super::array::element_of(typ)
        .ok_or_else(|| SqlError::undefined_function(&format!("unnest({})", typ.oid.sql_name())))?;
    Ok(SrfCall {
        func: SrfFunc::Unnest,
        args: vec![arg],
        typ: SqlType::new(elem.oid),
    })
}

/// The values of one call, produced lazily.
pub struct Series {
    next: Option<Datum>,
    stop: Datum,
    step: Datum,
    descending: bool,
    /// `unnest`: the array and the index of its next element.
    elements: Option<(Arc<Array>, usize)>,
}

impl Series {
    /// Starts `call` with its evaluated arguments. NULL arguments give no
    /// rows, as the function is strict. `engine` answers
    /// `pg_stat_get_progress_info`.
    pub fn start(
        call: &SrfCall,
        args: Vec<Datum>,
        engine: &storage::engine::Engine,
    ) -> SqlResult<Series> {
        let empty = Series {
            next: None,
            stop: Datum::Null,
            step: Datum::Null,
            descending: false,
            elements: None,
        };
        if args.iter().any(|a| matches!(a, Datum::Null)) || call.func == SrfFunc::PartitionAncestors
        {
            return Ok(empty);
        }
        if call.func == SrfFunc::ProgressInfo {
            let rows = match args.first() {
                Some(Datum::Text(command)) => progress_rows(command, engine)?,
                _ => Vec::new(),
            };
            return Ok(Series {
                elements: Some((Arc::new(Array::new(rows)), 0)),
                ..empty
            });
        }
        if let SrfFunc::Jsonb(f) = call.func {
            let values = match args.first() {
                Some(arg) => super::jsonb::srf_values(f, arg)?,
                None => Vec::new(),
            };
            return Ok(Series {
                elements: Some((Arc::new(Array::new(values)), 0)),
                ..empty
            });
        }
        if call.func == SrfFunc::Unnest {
            return Ok(match args.into_iter().next() {
                Some(Datum::Array(a)) => Series {
                    elements: Some((a, 0)),
                    ..empty
                },
                _ => empty,
            });
        }
        let mut args = args.into_iter();
        let start = args.next().unwrap_or(Datum::Null);
        let stop = args.next().unwrap_or(Datum::Null);
        let step = match args.next() {
            Some(s) => s,
            None => match call.typ.oid {
                TypeOid::INT4 => Datum::Int4(1),
                TypeOid::INT8 => Datum::Int8(1),
                _ => Datum::Numeric(Numeric::from_i64(1)),
            },
        };
        let zero = match &step {
            Datum::Int4(_) => Datum::Int4(0),
            Datum::Int8(_) => Datum::Int8(0),
            Datum::Interval(_) => Datum::Interval(Interval {
                months: 0,
                days: 0,
                micros: 0,
            }),
            _ => Datum::Numeric(Numeric::zero()),
        };
        if let Datum::Numeric(n) = &step
            && n.is_nan()
        {
            return Err(SqlError::new("22023", "step size cannot be NaN"));
        }
        for d in [&start, &stop] {
            if let Datum::Numeric(n) = d {
                if n.is_nan() {
                    return Err(SqlError::new(
                        "22023",
                        format!(
                            "{} value cannot be NaN",
                            if std::ptr::eq(d, &start) {
                                "start"
                            } else {
                                "stop"
                            }
                        ),
                    ));
                }
                if n.is_infinite() {
                    return Err(SqlError::new(
                        "22023",
                        format!(
                            "{} value cannot be infinity",
                            if std::ptr::eq(d, &start) {
                                "start"
                            } else {
                                "stop"
                            }
                        ),
                    ));
                }
            }
        }
        let descending = match cmp_values(&step, &zero) {
            Ordering::Equal => {
                return Err(SqlError::new("22023", "step size cannot equal zero"));
            }
            o => o == Ordering::Less,
        };
        Ok(Series {
            next: Some(start),
            stop,
            step,
            descending,
            elements: None,
        })
    }

    /// The next value, or `None` past `stop`.
    pub fn next_value(&mut self, env: &SessionEnv) -> SqlResult<Option<Datum>> {
        if let Some((array, i)) = &mut self.elements {
            let value = array.elems.get(*i).cloned();
            *i += 1;
            return Ok(value);
        }
        let Some(cur) = self.next.take() else {
            return Ok(None);
        };
        let past = match cmp_values(&cur, &self.stop) {
            Ordering::Greater => !self.descending,
            Ordering::Less => self.descending,
            Ordering::Equal => false,
        };
        if past {
            return Ok(None);
        }
        // Integers step in i64/i128 so the last value may sit at the
        // type's limit without the following step overflowing.
        self.next = match (&cur, &self.step) {
            (Datum::Int4(c), Datum::Int4(s)) => i32::try_from(i64::from(*c) + i64::from(*s))
                .ok()
                .map(Datum::Int4),
            (Datum::Int8(c), Datum::Int8(s)) => c.checked_add(*s).map(Datum::Int8),
            _ => Some(eval_binop(BinOp::Add, cur.clone(), self.step.clone(), env)?),
        };
        Ok(Some(cur))
    }
}

/// The rows of `pg_stat_get_progress_info(command)` (module doc), each a
/// `bigint[]` of pid, datid, relid and the 20 parameters.
fn progress_rows(command: &str, engine: &storage::engine::Engine) -> SqlResult<Vec<Datum>> {
    match command.to_ascii_uppercase().as_str() {
        "VACUUM" => Ok(engine
            .progress
            .vacuums()
            .iter()
            .map(|p| {
                let values = p.params().iter().map(|v| Datum::Int8(*v)).collect();
                Datum::Array(Arc::new(Array::new(values)))
            })
            .collect()),
        "ANALYZE" | "CLUSTER" | "CREATE INDEX" | "BASEBACKUP" | "COPY" => Ok(Vec::new()),
        _ => Err(SqlError::new(
            "22023",
            format!("invalid command name: \"{command}\""),
        )),
    }
}
