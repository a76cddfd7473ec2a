//! Array expressions: the `ARRAY[...]` constructor, subscripts and slices,
//! `x op ANY/ALL (array)`, the array operators (`||`, `@>`, `<@`, `&&`)
//! and the array functions, resolved and evaluated as PostgreSQL 15 does
//! for one-dimensional arrays. The value and its formats live in
//! `storage::datum::array`; `unnest` is in [`super::srf`] and `array_agg`
//! with the other aggregates.
//!
//! Semantics worth knowing (all PostgreSQL's):
//!
//! - A subscript outside the bounds, or a NULL subscript, gives NULL; a
//!   slice is clipped to the bounds, returns lower bound 1, and is empty
//!   when nothing is left.
//! - `x = ANY (a)` is false for an empty `a` and true for `ALL` — even when
//!   `x` is NULL; otherwise a NULL `x` or a NULL element without a match
//!   makes the answer NULL.
//! - Containment and overlap never match NULL elements.
//! - `array_append` / `array_prepend` / `array_cat` / `array_remove` keep
//!   the first array's lower bound; the functions that search
//!   (`array_position`, `array_remove`) use IS NOT DISTINCT FROM, so they
//!   find NULLs.
//!
//! Multi-dimensional arrays are not supported: building one (an `ARRAY[...]`
//! of arrays, `{{...}}` input, `array_agg` of arrays) answers 0A000.

use std::cmp::Ordering;
use std::sync::Arc;

use storage::datum::io::{OutputOptions, output_text};
use storage::datum::{Array, Datum, SqlType, TypeOid};

use super::bind::coerce;
use super::cast::CastContext;
use super::compare::cmp_values;
use super::expr::Expr;
use super::func::{Builtin, common_type};
use super::ops::BinOp;
use crate::error::{SqlError, SqlResult};

fn t(oid: TypeOid) -> SqlType {
    SqlType::new(oid)
}

/// The array type of elements of `elem` (keeping its modifier), or 0A000.
pub fn array_of(elem: SqlType) -> SqlResult<SqlType> {
    if elem.oid.is_array() {
        return Err(multidimensional());
    }
    let oid = elem
        .oid
        .array_type()
        .ok_or_else(|| SqlError::unsupported(format!("arrays of type {}", elem.oid.sql_name())))?;
    Ok(SqlType::with_typmod(oid, elem.typmod))
}

/// The element type of an array type (keeping its modifier).
pub fn element_of(array: SqlType) -> Option<SqlType> {
    array
        .oid
        .elem_type()
        .map(|e| SqlType::with_typmod(e, array.typmod))
}

fn multidimensional() -> SqlError {
    SqlError::new("0A000", "multidimensional arrays are not supported")
}

fn array_value(a: Array) -> Datum {
    Datum::Array(Arc::new(a))
}

/// Binds `ARRAY[elems]`: the elements' common type, folded to a constant
/// when every element is one.
pub fn bind_constructor(elems: Vec<Expr>) -> SqlResult<Expr> {
    if elems.is_empty() {
        return Err(
            SqlError::new("42P18", "cannot determine type of empty array")
                .with_hint("Explicitly cast to the desired type, for example ARRAY[]::integer[]."),
        );
    }
    let types: Vec<SqlType> = elems.iter().map(Expr::typ).collect();
    let elem = common_type(&types, "ARRAY")?;
    let typ = array_of(elem)?;
    let elems = elems
        .into_iter()
        .map(|e| coerce(e, elem, CastContext::Implicit))
        .collect::<SqlResult<Vec<_>>>()?;
    if elems.iter().all(Expr::is_const) {
        let values = elems
            .into_iter()
            .map(|e| match e {
                Expr::Const(d, _) => d,
                _ => Datum::Null,
            })
            .collect();
        return Ok(Expr::Const(array_value(Array::new(values)), typ));
    }
    Ok(Expr::ArrayCons(elems, typ))
}

/// Binds `x op ANY|ALL (array)`: the array (or an untyped literal or
/// parameter, which becomes an array of `x`'s type) and `x` are brought to
/// one element type.
pub fn bind_array_op(op: BinOp, all: bool, lhs: Expr, array: Expr) -> SqlResult<Expr> {
    let at = array.typ();
    let (lhs, array) = if at.oid == TypeOid::UNKNOWN {
        let elem = if lhs.typ().oid == TypeOid::UNKNOWN {
            t(TypeOid::TEXT)
        } else {
            lhs.typ()
        };
        let elem = SqlType::new(elem.oid);
        let lhs = coerce(lhs, elem, CastContext::Implicit)?;
        (lhs, coerce(array, array_of(elem)?, CastContext::Implicit)?)
    } else {
        let elem = element_of(at).ok_or_else(|| {
            SqlError::new(
                "42809",
                format!(
                    "op ANY/ALL (array) requires array on right side, not type {}",
                    at.oid.sql_name()
                ),
            )
        })?;
        let lt = lhs.typ();
        let common = if lt.oid == TypeOid::UNKNOWN {
            SqlType::new(elem.oid)
        } else {
            common_type(&[lt, elem], "ANY/ALL").map_err(|_| {
                SqlError::new(
                    "42883",
                    format!(
                        "operator does not exist: {} {} {}",
                        lt.oid.sql_name(),
                        op.symbol(),
                        elem.oid.sql_name()
                    ),
                )
            })?
        };
        let lhs = coerce(lhs, common, CastContext::Implicit)?;
        let array = if common.oid == elem.oid {
            array
        } else {
            coerce(array, array_of(common)?, CastContext::Implicit)?
        };
        (lhs, array)
    };
    Ok(Expr::ArrayOp {
        op,
        all,
        lhs: Box::new(lhs),
        array: Box::new(array),
    })
}

/// Resolves a binary operator with an array operand (`||`, `@>`, `<@`,
/// `&&`); `None` if neither operand is an array (or the operator is not
/// one of these), so ordinary resolution goes on.
pub fn resolve_array_binop(op: BinOp, l: Expr, r: Expr) -> SqlResult<Result<Expr, (Expr, Expr)>> {
    let (lt, rt) = (l.typ(), r.typ());
    let (la, ra) = (lt.oid.is_array(), rt.oid.is_array());
    if !la && !ra {
        return Ok(Err((l, r)));
    }
    match op {
        BinOp::Concat => {
            let (name, args) = if la && ra {
                if lt.oid != rt.oid {
                    return Err(no_operator(op, lt, rt));
                }
                ("array_cat", vec![l, r])
            } else if la {
                if rt.oid == TypeOid::UNKNOWN {
                    ("array_cat", vec![l, r])
                } else {
                    ("array_append", vec![l, r])
                }
            } else if lt.oid == TypeOid::UNKNOWN {
                ("array_cat", vec![l, r])
            } else {
                ("array_prepend", vec![l, r])
            };
            resolve_array_function(name, args)?
                .map(Ok)
                .ok_or_else(|| SqlError::internal("array ||"))
        }
        BinOp::Contains | BinOp::ContainedBy | BinOp::Overlap => {
            let typ = if la { lt } else { rt };
            let (l, r) = (
                coerce(l, SqlType::new(typ.oid), CastContext::Implicit)
                    .map_err(|_| no_operator(op, lt, rt))?,
                coerce(r, SqlType::new(typ.oid), CastContext::Implicit)
                    .map_err(|_| no_operator(op, lt, rt))?,
            );
            Ok(Ok(Expr::Binary(
                op,
                Box::new(l),
                Box::new(r),
                t(TypeOid::BOOL),
            )))
        }
        _ => Ok(Err((l, r))),
    }
}

fn no_operator(op: BinOp, l: SqlType, r: SqlType) -> SqlError {
    SqlError::new(
        "42883",
        format!(
            "operator does not exist: {} {} {}",
            l.oid.sql_name(),
            op.symbol(),
            r.oid.sql_name()
        ),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

/// Binds a subscript `base[i]` or slice `base[lo:hi]`.
pub fn bind_subscript(
    base: Expr,
    index: Option<Expr>,
    slice: Option<(Option<Expr>, Option<Expr>)>,
) -> SqlResult<Expr> {
    let typ = base.typ();
    let Some(elem) = element_of(typ) else {
        return Err(SqlError::datatype_mismatch(format!(
            "cannot subscript type {} because it does not support subscripting",
            typ.oid.sql_name()
        )));
    };
    let int = |e: Expr| -> SqlResult<Box<Expr>> {
        // An untyped literal is read as an integer (and may fail to be one).
        if e.typ().oid == TypeOid::UNKNOWN {
            return coerce(e, t(TypeOid::INT4), CastContext::Implicit).map(Box::new);
        }
        coerce(e, t(TypeOid::INT4), CastContext::Assignment)
            .map(Box::new)
            .map_err(|_| SqlError::datatype_mismatch("array subscript must have type integer"))
    };
    match (index, slice) {
        (Some(i), _) => Ok(Expr::Subscript(
            Box::new(base),
            super::expr::ArraySubscript::Index(int(i)?),
            SqlType::new(elem.oid),
        )),
        (None, Some((lo, hi))) => Ok(Expr::Subscript(
            Box::new(base),
            super::expr::ArraySubscript::Slice(lo.map(int).transpose()?, hi.map(int).transpose()?),
            SqlType::new(typ.oid),
        )),
        (None, None) => Err(SqlError::internal("empty subscript")),
    }
}

/// `a[i]`.
pub fn subscript(a: &Datum, i: &Datum) -> Datum {
    match (a, i) {
        (Datum::Array(a), Datum::Int4(i)) => a.get(i64::from(*i)).cloned().unwrap_or(Datum::Null),
        _ => Datum::Null,
    }
}

/// `a[lo:hi]` (a missing bound is the array's own).
pub fn slice(a: &Datum, lo: Option<&Datum>, hi: Option<&Datum>) -> Datum {
    let Datum::Array(a) = a else {
        return Datum::Null;
    };
    let bound = |b: Option<&Datum>, default: i64| match b {
        None => Some(default),
        Some(Datum::Int4(v)) => Some(i64::from(*v)),
        Some(_) => None,
    };
    let (Some(lo), Some(hi)) = (bound(lo, i64::from(a.lower)), bound(hi, a.upper())) else {
        return Datum::Null;
    };
    let lo = lo.max(i64::from(a.lower));
    let hi = hi.min(a.upper());
    if a.elems.is_empty() || lo > hi {
        return array_value(Array::new(Vec::new()));
    }
    let from = (lo - i64::from(a.lower)) as usize;
    let to = (hi - i64::from(a.lower)) as usize;
    array_value(Array::new(a.elems[from..=to].to_vec()))
}

fn holds(op: BinOp, o: Ordering) -> bool {
    match op {
        BinOp::Eq => o == Ordering::Equal,
        BinOp::NotEq => o != Ordering::Equal,
        BinOp::Lt => o == Ordering::Less,
        BinOp::LtEq => o != Ordering::Greater,
        BinOp::Gt => o == Ordering::Greater,
        _ => o != Ordering::Less,
    }
}

/// `x op ANY|ALL (a)` over already evaluated operands.
pub fn eval_array_op(op: BinOp, all: bool, x: &Datum, a: &Datum) -> Datum {
    let Datum::Array(a) = a else {
        return Datum::Null;
    };
    if a.elems.is_empty() {
        return Datum::Bool(all);
    }
    if matches!(x, Datum::Null) {
        return Datum::Null;
    }
    let mut saw_null = false;
    for e in &a.elems {
        if matches!(e, Datum::Null) {
            saw_null = true;
            continue;
        }
        let hit = holds(op, cmp_values(x, e));
        if hit != all {
            return Datum::Bool(hit);
        }
    }
    if saw_null {
        Datum::Null
    } else {
        Datum::Bool(all)
    }
}

fn contains(outer: &Array, inner: &Array) -> bool {
    inner.elems.iter().all(|e| {
        !matches!(e, Datum::Null)
            && outer
                .elems
                .iter()
                .any(|o| !matches!(o, Datum::Null) && cmp_values(o, e).is_eq())
    })
}

/// `@>`, `<@` and `&&` over non-NULL arrays.
pub fn eval_array_binop(op: BinOp, a: &Datum, b: &Datum) -> SqlResult<Datum> {
    let (Datum::Array(a), Datum::Array(b)) = (a, b) else {
        return Err(SqlError::internal(format!(
            "operator {} over non-arrays",
            op.symbol()
        )));
    };
    Ok(Datum::Bool(match op {
        BinOp::Contains => contains(a, b),
        BinOp::ContainedBy => contains(b, a),
        _ => a.elems.iter().any(|x| {
            !matches!(x, Datum::Null)
                && b.elems
                    .iter()
                    .any(|y| !matches!(y, Datum::Null) && cmp_values(x, y).is_eq())
        }),
    }))
}

fn arity(name: &str, args: &[Expr], allowed: &[usize]) -> SqlResult<()> {
    if allowed.contains(&args.len()) {
        return Ok(());
    }
    let types: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
    Err(SqlError::undefined_function(&format!(
        "{name}({})",
        types.join(", ")
    )))
}

/// The array type of a polymorphic call's array argument, taking an
/// untyped argument as an array of `hint`'s type.
fn array_arg(name: &str, arg: Expr, hint: Option<SqlType>) -> SqlResult<Expr> {
    let typ = arg.typ();
    if typ.oid.is_array() {
        return Ok(arg);
    }
    match hint {
        Some(h) if typ.oid == TypeOid::UNKNOWN && h.oid != TypeOid::UNKNOWN => {
            coerce(arg, array_of(SqlType::new(h.oid))?, CastContext::Implicit)
        }
        _ => Err(SqlError::undefined_function(&format!(
            "{name}({})",
            typ.oid.sql_name()
        ))),
    }
}

/// Resolves the array functions; `None` for other names.
pub fn resolve_array_function(name: &str, mut args: Vec<Expr>) -> SqlResult<Option<Expr>> {
    use Builtin::*;
    let int4 = t(TypeOid::INT4);
    let func = |b: Builtin, args: Vec<Expr>, ret: SqlType| Ok(Some(Expr::Func(b, args, ret)));
    match name {
        "array_length" | "array_lower" | "array_upper" => {
            arity(name, &args, &[2])?;
            let dim = coerce(args.remove(1), int4, CastContext::Implicit)?;
            let a = array_arg(name, args.remove(0), None)?;
            let b = match name {
                "array_length" => ArrayLength,
                "array_lower" => ArrayLower,
                _ => ArrayUpper,
            };
            func(b, vec![a, dim], int4)
        }
        "array_ndims" | "cardinality" | "array_dims" => {
            arity(name, &args, &[1])?;
            let a = array_arg(name, args.remove(0), None)?;
            match name {
                "array_ndims" => func(ArrayNdims, vec![a], int4),
                "cardinality" => func(Cardinality, vec![a], int4),
                _ => func(ArrayDims, vec![a], t(TypeOid::TEXT)),
            }
        }
        "array_append" | "array_prepend" => {
            arity(name, &args, &[2])?;
            let (arr, elem) = if name == "array_append" {
                (args.remove(0), args.remove(0))
            } else {
                let e = args.remove(0);
                (args.remove(0), e)
            };
            let arr = array_arg(name, arr, Some(elem.typ()))?;
            let typ = SqlType::new(arr.typ().oid);
            let elem = coerce(elem, element_of(typ).unwrap_or(typ), CastContext::Implicit)?;
            if name == "array_append" {
                func(ArrayAppend, vec![arr, elem], typ)
            } else {
                func(ArrayPrepend, vec![elem, arr], typ)
            }
        }
        "array_cat" => {
            arity(name, &args, &[2])?;
            let (a, b) = (args.remove(0), args.remove(0));
            let (a, b) = match (a.typ().oid.is_array(), b.typ().oid.is_array()) {
                (true, _) => {
                    let typ = SqlType::new(a.typ().oid);
                    (a, coerce(b, typ, CastContext::Implicit)?)
                }
                (false, true) => {
                    let typ = SqlType::new(b.typ().oid);
                    (coerce(a, typ, CastContext::Implicit)?, b)
                }
                _ => return Err(SqlError::undefined_function("array_cat(unknown, unknown)")),
            };
            let typ = a.typ();
            func(ArrayCat, vec![a, b], typ)
        }
        "array_to_string" => {
            arity(name, &args, &[2, 3])?;
            let a = array_arg(name, args.remove(0), None)?;
            let mut rest = Vec::with_capacity(args.len() + 1);
            rest.push(a);
            for x in args {
                rest.push(coerce(x, t(TypeOid::TEXT), CastContext::Implicit)?);
            }
            func(ArrayToString, rest, t(TypeOid::TEXT))
        }
        "string_to_array" => {
            arity(name, &args, &[2, 3])?;
            let args = args
                .into_iter()
                .map(|x| coerce(x, t(TypeOid::TEXT), CastContext::Implicit))
                .collect::<SqlResult<_>>()?;
            func(StringToArray, args, t(TypeOid::TEXT_ARRAY))
        }
        "array_position" | "array_positions" | "array_remove" | "array_replace" => {
            let allowed: &[usize] = match name {
                "array_position" => &[2, 3],
                "array_replace" => &[3],
                _ => &[2],
            };
            arity(name, &args, allowed)?;
            let arr = array_arg(name, args.remove(0), Some(args[0].typ()))?;
            let typ = SqlType::new(arr.typ().oid);
            let elem = SqlType::new(element_of(typ).map_or(typ.oid, |e| e.oid));
            let mut bound = vec![arr];
            for (i, x) in args.into_iter().enumerate() {
                bound.push(if name == "array_position" && i == 1 {
                    coerce(x, int4, CastContext::Implicit)?
                } else {
                    coerce(x, elem, CastContext::Implicit)?
                });
            }
            match name {
                "array_position" => func(ArrayPosition, bound, int4),
                "array_positions" => func(ArrayPositions, bound, t(TypeOid::INT4_ARRAY)),
                "array_remove" => func(ArrayRemove, bound, typ),
                _ => func(ArrayReplace, bound, typ),
            }
        }
        _ => Ok(None),
    }
}

/// True for the functions [`call_array_function`] evaluates; they see NULL
/// arguments themselves (most are not strict).
pub fn is_array_function(f: Builtin) -> bool {
    use Builtin::*;
    matches!(
        f,
        ArrayLength
            | ArrayLower
            | ArrayUpper
            | ArrayNdims
            | ArrayDims
            | Cardinality
            | ArrayAppend
            | ArrayPrepend
            | ArrayCat
            | ArrayToString
            | StringToArray
            | ArrayPosition
            | ArrayPositions
            | ArrayRemove
            | ArrayReplace
    )
}

fn is_distinct(a: &Datum, b: &Datum) -> bool {
    match (a, b) {
        (Datum::Null, Datum::Null) => false,
        (Datum::Null, _) | (_, Datum::Null) => true,
        _ => !cmp_values(a, b).is_eq(),
    }
}

/// Evaluates an array function over its evaluated arguments; `arg0` is the
/// type of the first argument (for `array_to_string`'s element output).
pub fn call_array_function(
    f: Builtin,
    vals: &[Datum],
    arg0: SqlType,
    opts: &OutputOptions,
) -> SqlResult<Datum> {
    use Builtin::*;
    let arr = |i: usize| match vals.get(i) {
        Some(Datum::Array(a)) => Some(a.as_ref()),
        _ => None,
    };
    let int = |i: usize| match vals.get(i) {
        Some(Datum::Int4(v)) => Some(*v),
        _ => None,
    };
    let first_dim = |a: &Array, dim: Option<i32>| dim == Some(1) && !a.elems.is_empty();
    Ok(match f {
        ArrayLength | ArrayLower | ArrayUpper => match arr(0) {
            Some(a) if first_dim(a, int(1)) => Datum::Int4(match f {
                ArrayLength => a.elems.len() as i32,
                ArrayLower => a.lower,
                // The upper bound fits: input and construction check it.
                _ => a.upper() as i32,
            }),
            _ => Datum::Null,
        },
        ArrayNdims => match arr(0) {
            Some(a) if !a.elems.is_empty() => Datum::Int4(1),
            _ => Datum::Null,
        },
        ArrayDims => match arr(0) {
            Some(a) if !a.elems.is_empty() => Datum::Text(format!("[{}:{}]", a.lower, a.upper())),
            _ => Datum::Null,
        },
        Cardinality => match arr(0) {
            Some(a) => Datum::Int4(a.elems.len() as i32),
            None => Datum::Null,
        },
        ArrayAppend | ArrayPrepend => {
            let (a, e) = if f == ArrayAppend {
                (arr(0), vals.get(1))
            } else {
                (arr(1), vals.first())
            };
            let e = e.cloned().unwrap_or(Datum::Null);
            let mut out = match a {
                Some(a) if !a.elems.is_empty() => a.clone(),
                _ => Array::new(Vec::new()),
            };
            if f == ArrayAppend {
                out.elems.push(e);
            } else {
                out.elems.insert(0, e);
            }
            check_size(&out)?;
            array_value(out)
        }
        ArrayCat => match (arr(0), arr(1)) {
            (None, None) => Datum::Null,
            (Some(a), None) => array_value(a.clone()),
            (None, Some(b)) => array_value(b.clone()),
            (Some(a), Some(b)) if a.elems.is_empty() => array_value(b.clone()),
            (Some(a), Some(b)) => {
                let mut out = a.clone();
                out.elems.extend(b.elems.iter().cloned());
                check_size(&out)?;
                array_value(out)
            }
        },
        ArrayToString => {
            let (Some(a), Some(Datum::Text(delim))) = (arr(0), vals.get(1)) else {
                return Ok(Datum::Null);
            };
            let null_text = match vals.get(2) {
                Some(Datum::Text(s)) => Some(s.as_str()),
                _ => None,
            };
            let elem = arg0.oid.elem_type().unwrap_or(TypeOid::TEXT);
            let mut out = String::new();
            let mut first = true;
            for e in &a.elems {
                if matches!(e, Datum::Null) && null_text.is_none() {
                    continue;
                }
                if !first {
                    out.push_str(delim);
                }
                first = false;
                match e {
                    Datum::Null => out.push_str(null_text.unwrap_or_default()),
                    v => output_text(v, elem, opts, &mut out),
                }
            }
            Datum::Text(out)
        }
        StringToArray => {
            let Some(Datum::Text(s)) = vals.first() else {
                return Ok(Datum::Null);
            };
            let null_text = match vals.get(2) {
                Some(Datum::Text(n)) => Some(n.as_str()),
                _ => None,
            };
            let field = |p: &str| match null_text {
                Some(n) if n == p => Datum::Null,
                _ => Datum::Text(p.to_string()),
            };
            let elems: Vec<Datum> = if s.is_empty() {
                Vec::new()
            } else {
                match vals.get(1) {
                    Some(Datum::Text(d)) if d.is_empty() => vec![field(s)],
                    Some(Datum::Text(d)) => s.split(d.as_str()).map(field).collect(),
                    _ => {
                        let mut buf = [0u8; 4];
                        s.chars().map(|c| field(c.encode_utf8(&mut buf))).collect()
                    }
                }
            };
            array_value(Array::new(elems))
        }
        ArrayPosition | ArrayPositions => {
            let Some(a) = arr(0) else {
                return Ok(Datum::Null);
            };
            let needle = vals.get(1).unwrap_or(&Datum::Null);
            let start = if vals.len() > 2 {
                match int(2) {
                    Some(s) => i64::from(s),
                    None => {
                        return Err(SqlError::new("22004", "initial position must not be null"));
                    }
                }
            } else {
                i64::from(a.lower)
            };
            let mut hits = a
                .elems
                .iter()
                .enumerate()
                .map(|(i, e)| (i64::from(a.lower) + i as i64, e))
                .filter(|(pos, e)| *pos >= start && !is_distinct(e, needle))
                .map(|(pos, _)| Datum::Int4(pos as i32));
            if f == ArrayPosition {
                hits.next().unwrap_or(Datum::Null)
            } else {
                array_value(Array::new(hits.collect()))
            }
        }
        ArrayRemove | ArrayReplace => {
            let Some(a) = arr(0) else {
                return Ok(Datum::Null);
            };
            let needle = vals.get(1).unwrap_or(&Datum::Null);
            let elems: Vec<Datum> = if f == ArrayRemove {
                a.elems
                    .iter()
                    .filter(|e| is_distinct(e, needle))
                    .cloned()
                    .collect()
            } else {
                let with = vals.get(2).cloned().unwrap_or(Datum::Null);
                a.elems
                    .iter()
                    .map(|e| {
                        if is_distinct(e, needle) {
                            e.clone()
                        } else {
                            with.clone()
                        }
                    })
                    .collect()
            };
            let lower = if elems.is_empty() { 1 } else { a.lower };
            array_value(Array { lower, elems })
        }
        other => {
            return Err(SqlError::internal(format!(
                "{other:?} is not an array function"
            )));
        }
    })
}

/// An array whose upper bound would pass `i32::MAX` cannot exist (54000).
fn check_size(a: &Array) -> SqlResult<()> {
    if a.upper() > i64::from(i32::MAX) {
        return Err(SqlError::new(
            "54000",
            "array size exceeds the maximum allowed (134217727)",
        ));
    }
    Ok(())
}

/// `array_agg`'s result: the collected values as an array (NULL for no rows).
pub fn aggregate_result(values: Vec<Datum>) -> Datum {
    if values.is_empty() {
        Datum::Null
    } else {
        array_value(Array::new(values))
    }
}
