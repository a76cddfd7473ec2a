//! jsonb operators and functions, with PostgreSQL 15's answers and errors
//! (`jsonfuncs.c`, `jsonb_op.c`, `jsonb_util.c`).
//!
//! Operators (left operand jsonb): `->` / `->>` (key or element, as jsonb
//! or text), `#>` / `#>>` (path), `@>` / `<@` (containment), `?` / `?|` /
//! `?&` (key existence), `||` (concatenation), `-` (delete a key, an element
//! or several keys), `#-` (delete a path). Comparison operators are the
//! generic ones over [`storage::datum::jsonb`]'s ordering.
//!
//! Functions: `jsonb_set`, `jsonb_insert`, `jsonb_strip_nulls`,
//! `jsonb_pretty`, `jsonb_array_length`, `jsonb_typeof`,
//! `jsonb_extract_path[_text]`, `to_jsonb`; the set-returning
//! `jsonb_object_keys`, `jsonb_array_elements[_text]` live in
//! [`super::srf`] and take their values from [`srf_values`]; `FROM
//! jsonb_each[_text](j)` is planned as the keys of `j` with `j -> key`
//! beside each (see `bind::from_function`).
//!
//! Every call parses its jsonb arguments from their canonical text, works
//! on `serde_json` values and prints the result canonically again.
//!
//! Not done: the `json` variants of these operators (0A000), `jsonb_each`
//! and `jsonb_each_text` in a select list (a record) or over an argument
//! that is not pseudo-constant (0A000), `to_jsonb` of a row or of a BC date
//! (0A000).

use serde_json::{Map, Value};
use sqlparser::ast;
use storage::datum::io::{OutputOptions, output_text};
use storage::datum::jsonb as jb;
use storage::datum::{Datum, SqlType, TypeOid};

use super::bind::coerce;
use super::cast::{CastContext, is_int, is_string};
use super::expr::Expr;
use super::func::Builtin;
use super::ops::BinOp;
use crate::error::{SqlError, SqlResult};

/// A jsonb operator or function, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonbFn {
    /// `jsonb -> text`; `as_text` for `->>`.
    Field {
        /// `->>`: the value as text.
        as_text: bool,
    },
    /// `jsonb -> integer`; `as_text` for `->>`.
    Element {
        /// `->>`: the value as text.
        as_text: bool,
    },
    /// `#>` / `#>>` (a text[] path), `jsonb_extract_path[_text]` (the path
    /// as the remaining arguments).
    Path {
        /// `#>>` / `jsonb_extract_path_text`.
        as_text: bool,
    },
    /// `@>`
    Contains,
    /// `<@`
    ContainedBy,
    /// `?`
    Exists,
    /// `?|`
    ExistsAny,
    /// `?&`
    ExistsAll,
    /// `jsonb || jsonb`
    Concat,
    /// `jsonb - text`
    DeleteKey,
    /// `jsonb - integer`
    DeleteIndex,
    /// `jsonb - text[]`
    DeleteKeys,
    /// `#-`
    DeletePath,
    /// `jsonb_set(target, path, new [, create_missing])`
    Set,
    /// `jsonb_insert(target, path, new [, insert_after])`
    Insert,
    /// `jsonb_strip_nulls`
    StripNulls,
    /// `jsonb_pretty`
    Pretty,
    /// `jsonb_array_length`
    ArrayLength,
    /// `jsonb_typeof`
    Typeof,
    /// `to_jsonb(value)` of a value of the given type.
    ToJsonb(TypeOid),
}

/// The set-returning jsonb functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonbSrf {
    /// `jsonb_object_keys`
    ObjectKeys,
    /// `jsonb_array_elements`
    ArrayElements,
    /// `jsonb_array_elements_text`
    ArrayElementsText,
    /// The keys `FROM jsonb_each[_text]` reads (`as_text` for the `_text`
    /// form, which names itself in the error for a non-object).
    EachKeys {
        /// `jsonb_each_text`.
        as_text: bool,
    },
}

fn t(oid: TypeOid) -> SqlType {
    SqlType::new(oid)
}

fn call(f: JsonbFn, args: Vec<Expr>, ret: TypeOid) -> Expr {
    Expr::Func(Builtin::Jsonb(f), args, t(ret))
}

fn op_error(symbol: &str, l: TypeOid, r: TypeOid) -> SqlError {
    SqlError::new(
        "42883",
        format!(
            "operator does not exist: {} {symbol} {}",
            l.sql_name(),
            r.sql_name()
        ),
    )
    .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

/// Coerces `e` to `to` implicitly, turning "no cast" into `err`.
fn coerce_or(e: Expr, to: TypeOid, err: impl FnOnce() -> SqlError) -> SqlResult<Expr> {
    coerce(e, t(to), CastContext::Implicit).map_err(|e| {
        if matches!(e.code, "42804" | "42846") {
            err()
        } else {
            e
        }
    })
}

/// True for the jsonb-only operators sqlparser names (`->`, `->>`, `#>`,
/// `#>>`, `?`, `?|`, `?&`, `#-`), which [`bind_operator`] binds.
pub fn is_jsonb_operator(op: &ast::BinaryOperator) -> bool {
    use ast::BinaryOperator as B;
    matches!(
        op,
        B::Arrow
            | B::LongArrow
            | B::HashArrow
            | B::HashLongArrow
            | B::HashMinus
            | B::QuestionPipe
            | B::QuestionAnd
            | B::Question
    )
}

/// Binds one of the operators [`is_jsonb_operator`] accepts.
pub fn bind_operator(op: &ast::BinaryOperator, l: Expr, r: Expr) -> SqlResult<Expr> {
    use ast::BinaryOperator as B;
    match op {
        B::Arrow => field_op(l, r, false, "->"),
        B::LongArrow => field_op(l, r, true, "->>"),
        B::HashArrow => array_arg_op(l, r, JsonbFn::Path { as_text: false }, "#>"),
        B::HashLongArrow => array_arg_op(l, r, JsonbFn::Path { as_text: true }, "#>>"),
        B::HashMinus => array_arg_op(l, r, JsonbFn::DeletePath, "#-"),
        B::QuestionPipe => array_arg_op(l, r, JsonbFn::ExistsAny, "?|"),
        B::QuestionAnd => array_arg_op(l, r, JsonbFn::ExistsAll, "?&"),
        B::Question => {
            let (lt, rt) = (l.typ().oid, r.typ().oid);
            let l = jsonb_operand(l, "?", rt)?;
            let r = coerce_or(r, TypeOid::TEXT, || op_error("?", lt, rt))?;
            Ok(call(JsonbFn::Exists, vec![l, r], TypeOid::BOOL))
        }
        other => Err(SqlError::unsupported(format!("operator {other}"))),
    }
}

/// The left operand of a jsonb operator: jsonb, or an unknown literal read
/// as jsonb. json answers 0A000 (its operators are not implemented).
fn jsonb_operand(l: Expr, symbol: &str, rt: TypeOid) -> SqlResult<Expr> {
    let lt = l.typ().oid;
    if lt == TypeOid::JSON {
        return Err(SqlError::unsupported(format!("operator json {symbol}")));
    }
    if lt != TypeOid::JSONB && lt != TypeOid::UNKNOWN {
        return Err(op_error(symbol, lt, rt));
    }
    coerce_or(l, TypeOid::JSONB, || op_error(symbol, lt, rt))
}

fn field_op(l: Expr, r: Expr, as_text: bool, symbol: &str) -> SqlResult<Expr> {
    let (lt, rt) = (l.typ().oid, r.typ().oid);
    let l = jsonb_operand(l, symbol, rt)?;
    let ret = if as_text {
        TypeOid::TEXT
    } else {
        TypeOid::JSONB
    };
    if is_int(rt) {
        let r = coerce_or(r, TypeOid::INT4, || op_error(symbol, lt, rt))?;
        return Ok(call(JsonbFn::Element { as_text }, vec![l, r], ret));
    }
    if rt != TypeOid::UNKNOWN && !is_string(rt) {
        return Err(op_error(symbol, lt, rt));
    }
    let r = coerce_or(r, TypeOid::TEXT, || op_error(symbol, lt, rt))?;
    Ok(call(JsonbFn::Field { as_text }, vec![l, r], ret))
}

fn array_arg_op(l: Expr, r: Expr, f: JsonbFn, symbol: &str) -> SqlResult<Expr> {
    let (lt, rt) = (l.typ().oid, r.typ().oid);
    let l = jsonb_operand(l, symbol, rt)?;
    let r = coerce_or(r, TypeOid::TEXT_ARRAY, || op_error(symbol, lt, rt))?;
    let ret = match f {
        JsonbFn::Path { as_text: true } => TypeOid::TEXT,
        JsonbFn::ExistsAny | JsonbFn::ExistsAll => TypeOid::BOOL,
        _ => TypeOid::JSONB,
    };
    Ok(call(f, vec![l, r], ret))
}

/// Resolves `||`, `-`, `@>` and `<@` when an operand is jsonb; gives the
/// operands back otherwise.
pub fn resolve_binop(op: BinOp, l: Expr, r: Expr) -> SqlResult<Result<Expr, (Expr, Expr)>> {
    let (lt, rt) = (l.typ().oid, r.typ().oid);
    let is_jsonb = |o: TypeOid| o == TypeOid::JSONB;
    let either = is_jsonb(lt) || is_jsonb(rt);
    let symbol = op.symbol();
    match op {
        BinOp::Concat | BinOp::Contains | BinOp::ContainedBy
            if either
                && (is_jsonb(lt) || lt == TypeOid::UNKNOWN)
                && (is_jsonb(rt) || rt == TypeOid::UNKNOWN) =>
        {
            let l = coerce_or(l, TypeOid::JSONB, || op_error(symbol, lt, rt))?;
            let r = coerce_or(r, TypeOid::JSONB, || op_error(symbol, lt, rt))?;
            let (f, ret) = match op {
                BinOp::Concat => (JsonbFn::Concat, TypeOid::JSONB),
                BinOp::Contains => (JsonbFn::Contains, TypeOid::BOOL),
                _ => (JsonbFn::ContainedBy, TypeOid::BOOL),
            };
            Ok(Ok(call(f, vec![l, r], ret)))
        }
        BinOp::Contains | BinOp::ContainedBy if either => Err(op_error(symbol, lt, rt)),
        BinOp::Sub if is_jsonb(lt) => {
            let f = if is_int(rt) {
                JsonbFn::DeleteIndex
            } else if rt == TypeOid::TEXT_ARRAY {
                JsonbFn::DeleteKeys
            } else if rt == TypeOid::UNKNOWN || is_string(rt) {
                JsonbFn::DeleteKey
            } else {
                return Err(op_error(symbol, lt, rt));
            };
            let want = match f {
                JsonbFn::DeleteIndex => TypeOid::INT4,
                JsonbFn::DeleteKeys => TypeOid::TEXT_ARRAY,
                _ => TypeOid::TEXT,
            };
            let r = coerce_or(r, want, || op_error(symbol, lt, rt))?;
            Ok(Ok(call(f, vec![l, r], TypeOid::JSONB)))
        }
        _ => Ok(Err((l, r))),
    }
}

/// True for the scalar jsonb functions [`resolve`] knows.
pub fn handles(name: &str) -> bool {
    matches!(
        name,
        "jsonb_set"
            | "jsonb_insert"
            | "jsonb_strip_nulls"
            | "jsonb_pretty"
            | "jsonb_array_length"
            | "jsonb_typeof"
            | "jsonb_extract_path"
            | "jsonb_extract_path_text"
            | "to_jsonb"
            | "jsonb_each"
            | "jsonb_each_text"
    )
}

fn no_function(name: &str, args: &[Expr]) -> SqlError {
    let types: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
    SqlError::undefined_function(&format!("{name}({})", types.join(", ")))
}

/// Resolves a call of one of the functions [`handles`] lists.
pub fn resolve(name: &str, args: Vec<Expr>) -> SqlResult<Option<Expr>> {
    use JsonbFn::*;
    if matches!(name, "jsonb_each" | "jsonb_each_text") {
        return Err(SqlError::unsupported(format!(
            "{name} outside FROM (a record result)"
        )));
    }
    if name == "to_jsonb" {
        let [arg] = <[Expr; 1]>::try_from(args).map_err(|a| no_function(name, &a))?;
        let typ = arg.typ();
        if typ.oid == TypeOid::UNKNOWN {
            return Err(SqlError::new(
                "42804",
                "could not determine polymorphic type because input has type unknown",
            ));
        }
        if typ.oid == TypeOid::RECORD {
            return Err(SqlError::unsupported("to_jsonb of a row"));
        }
        return Ok(Some(call(ToJsonb(typ.oid), vec![arg], TypeOid::JSONB)));
    }
    // Argument types of each signature after the jsonb first argument.
    let (f, rest, optional, ret): (JsonbFn, &[TypeOid], &[TypeOid], TypeOid) = match name {
        "jsonb_set" => (
            Set,
            &[TypeOid::TEXT_ARRAY, TypeOid::JSONB],
            &[TypeOid::BOOL],
            TypeOid::JSONB,
        ),
        "jsonb_insert" => (
            Insert,
            &[TypeOid::TEXT_ARRAY, TypeOid::JSONB],
            &[TypeOid::BOOL],
            TypeOid::JSONB,
        ),
        "jsonb_strip_nulls" => (StripNulls, &[], &[], TypeOid::JSONB),
        "jsonb_pretty" => (Pretty, &[], &[], TypeOid::TEXT),
        "jsonb_array_length" => (ArrayLength, &[], &[], TypeOid::INT4),
        "jsonb_typeof" => (Typeof, &[], &[], TypeOid::TEXT),
        "jsonb_extract_path" | "jsonb_extract_path_text" => {
            let as_text = name == "jsonb_extract_path_text";
            let ret = if as_text {
                TypeOid::TEXT
            } else {
                TypeOid::JSONB
            };
            // A variadic function needs at least one variadic argument.
            if args.len() < 2 {
                return Err(no_function(name, &args));
            }
            let types = args.clone();
            let mut bound = Vec::with_capacity(args.len());
            for (i, a) in args.into_iter().enumerate() {
                let to = if i == 0 {
                    TypeOid::JSONB
                } else {
                    TypeOid::TEXT
                };
                bound.push(coerce_or(a, to, || no_function(name, &types))?);
            }
            return Ok(Some(call(Path { as_text }, bound, ret)));
        }
        _ => return Ok(None),
    };
    let n = args.len();
    if n < 1 + rest.len() || n > 1 + rest.len() + optional.len() {
        return Err(no_function(name, &args));
    }
    let types = args.clone();
    let wanted = std::iter::once(TypeOid::JSONB)
        .chain(rest.iter().copied())
        .chain(optional.iter().copied());
    let bound = args
        .into_iter()
        .zip(wanted)
        .map(|(a, to)| coerce_or(a, to, || no_function(name, &types)))
        .collect::<SqlResult<Vec<_>>>()?;
    Ok(Some(call(f, bound, ret)))
}

fn parse(d: &Datum) -> SqlResult<Value> {
    match d {
        Datum::Jsonb(s) => Ok(jb::parse(s)?),
        _ => Err(SqlError::internal("jsonb argument expected")),
    }
}

fn jsonb(v: &Value) -> Datum {
    Datum::Jsonb(jb::to_text(v))
}

/// A text[] argument's elements (NULL elements as `None`).
fn text_array(d: &Datum) -> Vec<Option<String>> {
    match d {
        Datum::Array(a) => a
            .elems
            .iter()
            .map(|e| match e {
                Datum::Text(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        Datum::Text(s) => vec![Some(s.clone())],
        _ => Vec::new(),
    }
}

fn int_arg(d: &Datum) -> i64 {
    match d {
        Datum::Int2(v) => i64::from(*v),
        Datum::Int4(v) => i64::from(*v),
        Datum::Int8(v) => *v,
        _ => 0,
    }
}

fn bool_arg(vals: &[Datum], i: usize, default: bool) -> bool {
    match vals.get(i) {
        Some(Datum::Bool(b)) => *b,
        _ => default,
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn invalid(message: impl Into<String>) -> SqlError {
    SqlError::new("22023", message)
}

/// `->>` and friends: a string unquoted, JSON null as SQL NULL, anything
/// else as its jsonb text.
fn as_text_datum(v: &Value) -> Datum {
    match v {
        Value::Null => Datum::Null,
        Value::String(s) => Datum::Text(s.clone()),
        other => Datum::Text(jb::to_text(other)),
    }
}

fn result(v: Option<&Value>, as_text: bool) -> Datum {
    match v {
        None => Datum::Null,
        Some(v) if as_text => as_text_datum(v),
        Some(v) => jsonb(v),
    }
}

/// An array subscript as PostgreSQL resolves it: negative counts from the
/// end; `None` when out of range.
fn array_index(idx: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if idx < 0 { len + idx } else { idx };
    if (0..len).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

/// A path element used as an array subscript, read as C's `strtol` reads
/// it for PostgreSQL: leading white space and a sign allowed, nothing
/// after the digits, within `int`.
fn parse_subscript(s: &str) -> Option<i64> {
    let digits = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    digits.parse::<i32>().ok().map(i64::from)
}

fn get_path<'a>(v: &'a Value, path: &[Option<String>]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        let p = p.as_deref()?;
        cur = match cur {
            Value::Object(m) => m.get(p)?,
            Value::Array(a) => a.get(array_index(parse_subscript(p)?, a.len())?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn exists(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key),
        Value::Array(a) => a.iter().any(|e| e.as_str() == Some(key)),
        Value::String(s) => s == key,
        _ => false,
    }
}

fn scalar_eq(a: &Value, b: &Value) -> bool {
    is_scalar(a) && is_scalar(b) && jb::cmp(a, b).is_eq()
}

/// `a @> b` at the top level, where an array contains a bare scalar it has
/// as an element (PostgreSQL's raw-scalar rule).
fn contains_top(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), y) if is_scalar(y) => x.iter().any(|e| scalar_eq(e, y)),
        (x, Value::Array(_)) if is_scalar(x) => false,
        _ => contains(a, b),
    }
}

/// `JsonbDeepContains`: every pair of `b` is in `a` with a contained value
/// of the same type; every element of `b` matches some element of `a`.
fn contains(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            y.len() <= x.len()
                && y.iter().all(|(k, yv)| {
                    x.get(k).is_some_and(|xv| {
                        if is_scalar(yv) {
                            scalar_eq(xv, yv)
                        } else {
                            same_container(xv, yv) && contains(xv, yv)
                        }
                    })
                })
        }
        (Value::Array(x), Value::Array(y)) => y.iter().all(|yv| {
            x.iter().any(|xv| {
                if is_scalar(yv) {
                    scalar_eq(xv, yv)
                } else {
                    same_container(xv, yv) && contains(xv, yv)
                }
            })
        }),
        _ => scalar_eq(a, b),
    }
}

fn same_container(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_))
    )
}

/// `||`: two objects merge (right wins); otherwise both sides become
/// arrays (a scalar or an object as one element) and are concatenated.
fn concat(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut x), Value::Object(y)) => {
            x.extend(y);
            Value::Object(x)
        }
        (a, b) => {
            let mut out = into_elements(a);
            out.extend(into_elements(b));
            Value::Array(out)
        }
    }
}

fn into_elements(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => vec![other],
    }
}

fn delete_keys(v: Value, keys: &[Option<String>]) -> SqlResult<Value> {
    let keys: Vec<&str> = keys.iter().flatten().map(String::as_str).collect();
    match v {
        Value::Object(m) => Ok(Value::Object(
            m.into_iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .collect(),
        )),
        Value::Array(a) => Ok(Value::Array(
            a.into_iter()
                .filter(|e| !e.as_str().is_some_and(|s| keys.contains(&s)))
                .collect(),
        )),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// What [`set_path`] does at the end of the path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PathOp {
    /// `jsonb_set`: replace, or add when missing if `create`.
    Set { create: bool },
    /// `jsonb_insert`: add before (or after) an element; add a missing key.
    Insert { after: bool },
    /// `#-`: remove.
    Delete,
}

impl PathOp {
    fn creates(self) -> bool {
        matches!(self, PathOp::Set { create: true } | PathOp::Insert { .. })
    }
}

/// PostgreSQL's `setPath`: walks `path` from `level` and applies `op` at
/// its end. Scalars on the way and missing intermediate keys leave the
/// value unchanged.
fn set_path(
    v: &mut Value,
    path: &[Option<String>],
    level: usize,
    op: PathOp,
    new: &Value,
) -> SqlResult<()> {
    let Some(step) = path.get(level) else {
        return Ok(());
    };
    let Some(key) = step.as_deref() else {
        return Err(SqlError::new(
            "22004",
            format!("path element at position {} is null", level + 1),
        ));
    };
    let last = level + 1 == path.len();
    match v {
        Value::Object(m) => set_path_object(m, key, path, level, op, new),
        Value::Array(a) => {
            let idx = parse_subscript(key).ok_or_else(|| {
                SqlError::new(
                    "22P02",
                    format!(
                        "path element at position {} is not an integer: \"{key}\"",
                        level + 1
                    ),
                )
            })?;
            let n = i64::try_from(a.len()).unwrap_or(i64::MAX);
            // `None` stands for PostgreSQL's INT_MIN: before the start.
            let pos = if idx < 0 {
                (-idx <= n).then_some(n + idx)
            } else {
                Some(idx.min(n))
            };
            if last && op.creates() && (pos.is_none() || n == 0) {
                a.insert(0, new.clone());
                return Ok(());
            }
            let Some(pos) = pos.and_then(|p| usize::try_from(p).ok()) else {
                return Ok(());
            };
            if pos >= a.len() {
                if last && op.creates() {
                    a.push(new.clone());
                }
                return Ok(());
            }
            if !last {
                return set_path(&mut a[pos], path, level + 1, op, new);
            }
            match op {
                PathOp::Set { .. } => a[pos] = new.clone(),
                PathOp::Insert { after } => a.insert(pos + usize::from(after), new.clone()),
                PathOp::Delete => {
                    a.remove(pos);
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn set_path_object(
    m: &mut Map<String, Value>,
    key: &str,
    path: &[Option<String>],
    level: usize,
    op: PathOp,
    new: &Value,
) -> SqlResult<()> {
    let last = level + 1 == path.len();
    match m.get_mut(key) {
        Some(child) if !last => set_path(child, path, level + 1, op, new),
        Some(child) => {
            match op {
                PathOp::Set { .. } => *child = new.clone(),
                PathOp::Insert { .. } => {
                    return Err(SqlError::new("22023", "cannot replace existing key")
                        .with_hint("Try using the function jsonb_set to replace key value."));
                }
                PathOp::Delete => {
                    m.remove(key);
                }
            }
            Ok(())
        }
        None => {
            if last && op.creates() {
                m.insert(key.to_string(), new.clone());
            }
            Ok(())
        }
    }
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn indent(out: &mut String, level: usize) {
    out.push('\n');
    out.push_str(&" ".repeat(4 * level));
}

/// `jsonb_pretty`'s layout: each element and pair on its own line, four
/// spaces a level, an empty container's brackets on two lines.
fn pretty(v: &Value, level: usize, out: &mut String) {
    match v {
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level + 1);
                pretty(e, level + 1, out);
            }
            indent(out, level);
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, k) in jb::sorted_keys(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level + 1);
                jb::write_string(k, out);
                out.push_str(": ");
                pretty(&m[k.as_str()], level + 1, out);
            }
            indent(out, level);
            out.push('}');
        }
        scalar => out.push_str(&jb::to_text(scalar)),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Evaluates `f` on non-NULL arguments (every jsonb function is strict).
pub fn eval(f: JsonbFn, vals: &[Datum], output: &OutputOptions) -> SqlResult<Datum> {
    use JsonbFn::*;
    if let ToJsonb(oid) = f {
        return Ok(jsonb(&to_value(&vals[0], oid, output)?));
    }
    let target = parse(&vals[0])?;
    Ok(match f {
        Field { as_text } => {
            let key = text_array(&vals[1]);
            result(
                get_path(&target, &key).filter(|_| target.is_object()),
                as_text,
            )
        }
        Element { as_text } => {
            let v = match &target {
                Value::Array(a) => array_index(int_arg(&vals[1]), a.len()).and_then(|i| a.get(i)),
                _ => None,
            };
            result(v, as_text)
        }
        Path { as_text } => {
            let path: Vec<Option<String>> = vals[1..].iter().flat_map(text_array).collect();
            result(get_path(&target, &path), as_text)
        }
        Contains => Datum::Bool(contains_top(&target, &parse(&vals[1])?)),
        ContainedBy => Datum::Bool(contains_top(&parse(&vals[1])?, &target)),
        Exists => Datum::Bool(
            text_array(&vals[1])
                .iter()
                .flatten()
                .all(|k| exists(&target, k)),
        ),
        ExistsAny => Datum::Bool(
            text_array(&vals[1])
                .iter()
                .flatten()
                .any(|k| exists(&target, k)),
        ),
        ExistsAll => Datum::Bool(
            text_array(&vals[1])
                .iter()
                .flatten()
                .all(|k| exists(&target, k)),
        ),
        Concat => jsonb(&concat(target, parse(&vals[1])?)),
        DeleteKey | DeleteKeys => jsonb(&delete_keys(target, &text_array(&vals[1]))?),
        DeleteIndex => match target {
            Value::Array(mut a) => {
                if let Some(i) = array_index(int_arg(&vals[1]), a.len()) {
                    a.remove(i);
                }
                jsonb(&Value::Array(a))
            }
            Value::Object(_) => {
                return Err(invalid("cannot delete from object using integer index"));
            }
            _ => return Err(invalid("cannot delete from scalar")),
        },
        DeletePath => {
            if is_scalar(&target) {
                return Err(invalid("cannot delete path in scalar"));
            }
            let mut target = target;
            set_path(
                &mut target,
                &text_array(&vals[1]),
                0,
                PathOp::Delete,
                &Value::Null,
            )?;
            jsonb(&target)
        }
        Set | Insert => {
            if is_scalar(&target) {
                return Err(invalid("cannot set path in scalar"));
            }
            let op = if f == Set {
                PathOp::Set {
                    create: bool_arg(vals, 3, true),
                }
            } else {
                PathOp::Insert {
                    after: bool_arg(vals, 3, false),
                }
            };
            let mut target = target;
            set_path(&mut target, &text_array(&vals[1]), 0, op, &parse(&vals[2])?)?;
            jsonb(&target)
        }
        StripNulls => jsonb(&strip_nulls(target)),
        Pretty => {
            let mut out = String::new();
            pretty(&target, 0, &mut out);
            Datum::Text(out)
        }
        ArrayLength => match &target {
            Value::Array(a) => Datum::Int4(
                i32::try_from(a.len())
                    .map_err(|_| SqlError::new("54000", "jsonb array too large"))?,
            ),
            Value::Object(_) => return Err(invalid("cannot get array length of a non-array")),
            _ => return Err(invalid("cannot get array length of a scalar")),
        },
        Typeof => Datum::Text(type_name(&target).to_string()),
        ToJsonb(_) => return Err(SqlError::internal("to_jsonb handled above")),
    })
}

/// The rows of a set-returning jsonb function over a non-NULL argument.
pub fn srf_values(f: JsonbSrf, arg: &Datum) -> SqlResult<Vec<Datum>> {
    let v = parse(arg)?;
    match (f, v) {
        (JsonbSrf::ObjectKeys | JsonbSrf::EachKeys { .. }, Value::Object(m)) => {
            Ok(jb::sorted_keys(&m)
                .into_iter()
                .map(|k| Datum::Text(k.clone()))
                .collect())
        }
        (JsonbSrf::ObjectKeys, Value::Array(_)) => {
            Err(invalid("cannot call jsonb_object_keys on an array"))
        }
        (JsonbSrf::ObjectKeys, _) => Err(invalid("cannot call jsonb_object_keys on a scalar")),
        (JsonbSrf::EachKeys { as_text }, _) => Err(invalid(format!(
            "cannot call {} on a non-object",
            if as_text {
                "jsonb_each_text"
            } else {
                "jsonb_each"
            }
        ))),
        (JsonbSrf::ArrayElements, Value::Array(a)) => Ok(a.iter().map(jsonb).collect()),
        (JsonbSrf::ArrayElementsText, Value::Array(a)) => Ok(a.iter().map(as_text_datum).collect()),
        (_, Value::Object(_)) => Err(invalid("cannot extract elements from an object")),
        _ => Err(invalid("cannot extract elements from a scalar")),
    }
}

/// `to_jsonb`: numbers and booleans as themselves, json and jsonb parsed,
/// arrays element by element, dates and timestamps in ISO 8601 with a `T`,
/// anything else as the string of its text output.
fn to_value(d: &Datum, typ: TypeOid, output: &OutputOptions) -> SqlResult<Value> {
    let text = |d: &Datum, typ: TypeOid| {
        let mut s = String::new();
        output_text(d, typ, output, &mut s);
        s
    };
    Ok(match d {
        Datum::Null => Value::Null,
        Datum::Bool(b) => Value::Bool(*b),
        Datum::Json(s) | Datum::Jsonb(s) => jb::parse(s)?,
        Datum::Int2(_)
        | Datum::Int4(_)
        | Datum::Int8(_)
        | Datum::Float4(_)
        | Datum::Float8(_)
        | Datum::Numeric(_) => {
            let s = text(d, typ);
            // NaN and the infinities are not JSON numbers: strings.
            serde_json::from_str::<serde_json::Number>(&s).map_or(Value::String(s), Value::Number)
        }
        Datum::Array(a) => {
            let elem = typ
                .elem_type()
                .ok_or_else(|| SqlError::internal("array without an element type"))?;
            Value::Array(
                a.elems
                    .iter()
                    .map(|e| to_value(e, elem, output))
                    .collect::<SqlResult<Vec<_>>>()?,
            )
        }
        Datum::Date(_) | Datum::Timestamp(_) | Datum::TimestampTz(_) => {
            let s = text(d, typ);
            if s.ends_with(" BC") {
                return Err(SqlError::unsupported("to_jsonb of a BC date"));
            }
            Value::String(json_datetime(&s, matches!(d, Datum::TimestampTz(_))))
        }
        other => Value::String(text(other, typ)),
    })
}

/// ISO output (`2024-01-02 03:04:05+01`) in JSON's form
/// (`2024-01-02T03:04:05+01:00`): a `T` between date and time and, for
/// timestamptz, a zone offset with minutes.
pub(crate) fn json_datetime(s: &str, with_zone: bool) -> String {
    if s == "infinity" || s == "-infinity" {
        return s.to_string();
    }
    let mut out = s.replacen(' ', "T", 1);
    if with_zone {
        let zone_at = out.rfind(['+', '-']).unwrap_or(out.len());
        if out.len() - zone_at == 3 {
            out.push_str(":00");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        jb::parse(s).unwrap()
    }

    #[test]
    fn containment_follows_the_raw_scalar_rule() {
        assert!(contains_top(&v("[1, 2]"), &v("1")));
        assert!(!contains_top(&v("1"), &v("[1]")));
        assert!(contains_top(
            &v(r#"{"a": [1, 2], "b": 3}"#),
            &v(r#"{"a": [2]}"#)
        ));
        assert!(!contains_top(&v(r#"{"a": [1]}"#), &v(r#"{"a": 1}"#)));
        assert!(contains_top(&v("[1.0, [2]]"), &v("[[2], 1]")));
    }

    #[test]
    fn set_path_creates_only_at_the_end() {
        let mut x = v(r#"{"a": [1, 2]}"#);
        set_path(
            &mut x,
            &[Some("a".into()), Some("-9".into())],
            0,
            PathOp::Set { create: true },
            &v("0"),
        )
        .unwrap();
        assert_eq!(x, v(r#"{"a": [0, 1, 2]}"#));
        set_path(
            &mut x,
            &[Some("b".into()), Some("c".into())],
            0,
            PathOp::Set { create: true },
            &v("0"),
        )
        .unwrap();
        assert_eq!(x, v(r#"{"a": [0, 1, 2]}"#));
    }

    #[test]
    fn pretty_layout() {
        let mut out = String::new();
        pretty(&v(r#"{"a": [1, {}], "b": null}"#), 0, &mut out);
        assert_eq!(
            out,
            "{\n    \"a\": [\n        1,\n        {\n        }\n    ],\n    \"b\": null\n}"
        );
    }

    #[test]
    fn timestamps_in_json_form() {
        assert_eq!(
            json_datetime("2024-01-02 03:04:05+01", true),
            "2024-01-02T03:04:05+01:00"
        );
        assert_eq!(
            json_datetime("2024-01-02 03:04:05", false),
            "2024-01-02T03:04:05"
        );
    }
}
