//! Built-in scalar functions: name resolution against argument types, and
//! evaluation.

use std::fmt::Write as _;

use storage::datum::datetime as dt;
use storage::datum::{Datum, Numeric, SqlType, TimestampTz, TypeOid};

use super::bind::coerce;
use super::cast::{CastContext, is_int, is_oid_like, is_string, numeric_rank};
use super::compare::cmp_values;
use super::expr::{EvalCtx, Expr};
use crate::error::{SqlError, SqlResult};

/// A built-in function, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `version()`
    Version,
    /// `current_database()`
    CurrentDatabase,
    /// `current_user`, `session_user`, `user`
    CurrentUser,
    /// `current_schema()`
    CurrentSchema,
    /// `pg_backend_pid()`
    BackendPid,
    /// `now()`, `current_timestamp`, `transaction_timestamp()`
    Now,
    /// `statement_timestamp()`
    StatementTimestamp,
    /// `clock_timestamp()`
    ClockTimestamp,
    /// `current_date`
    CurrentDate,
    /// `localtimestamp`
    LocalTimestamp,
    /// `coalesce(...)`
    Coalesce,
    /// `nullif(a, b)`
    NullIf,
    /// `greatest(...)`
    Greatest,
    /// `least(...)`
    Least,
    /// `abs(x)`
    Abs,
    /// `round(x [, n])`
    Round,
    /// `trunc(x [, n])`
    Trunc,
    /// `ceil(x)`
    Ceil,
    /// `floor(x)`
    Floor,
    /// `sqrt(x)`
    Sqrt,
    /// `power(x, y)`
    Power,
    /// A double precision function of one or two arguments: `exp`, `ln`,
    /// `log`, `cbrt`, `pi`, the trigonometric functions and friends.
    Float(FloatFn),
    /// A date/time constructor: `make_date`, `make_time`, `make_timestamp`,
    /// `make_timestamptz`, `make_interval`, `to_timestamp(float8)`.
    Make(MakeFn),
    /// A jsonb operator or function ([`super::jsonb`]).
    Jsonb(super::jsonb::JsonbFn),
    /// `mod(x, y)`
    Mod,
    /// `sign(x)`
    Sign,
    /// `random()`: from the session's generator once `setseed` made one.
    Random,
    /// `setseed(x)`: seeds the session's `random()`.
    SetSeed,
    /// `length(s)`, `char_length(s)`
    Length,
    /// `octet_length(s)`
    OctetLength,
    /// `lower(s)`
    Lower,
    /// `upper(s)`
    Upper,
    /// `substring(s, from [, for])`, `substr`
    Substr,
    /// `strpos(s, sub)` / `position(sub in s)`
    Strpos,
    /// `btrim(s [, chars])`
    Btrim,
    /// `ltrim(s [, chars])`
    Ltrim,
    /// `rtrim(s [, chars])`
    Rtrim,
    /// `replace(s, from, to)`
    Replace,
    /// `concat(...)`
    Concat,
    /// `concat_ws(sep, ...)`
    ConcatWs,
    /// `left(s, n)`
    Left,
    /// `right(s, n)`
    Right,
    /// `repeat(s, n)`
    Repeat,
    /// `reverse(s)`
    Reverse,
    /// `lpad(s, n [, fill])`
    Lpad,
    /// `rpad(s, n [, fill])`
    Rpad,
    /// `initcap(s)`
    Initcap,
    /// `md5(s)`
    Md5,
    /// `split_part(s, delim, n)`
    SplitPart,
    /// `regexp_replace(s, pattern, replacement [, flags])`
    RegexpReplace,
    /// `regexp_match(s, pattern [, flags])`
    RegexpMatch,
    /// `starts_with(s, prefix)`
    StartsWith,
    /// `extract(field from x)` (numeric)
    Extract,
    /// `date_part(field, x)` (double precision)
    DatePart,
    /// `date_trunc(field, x)`
    DateTrunc,
    /// `age(a, b)` / `age(x)` of timestamps or timestamptzs
    Age,
    /// `justify_days(interval)`
    JustifyDays,
    /// `justify_hours(interval)`
    JustifyHours,
    /// `justify_interval(interval)`
    JustifyInterval,
    /// `timezone(zone, ts)`, `ts AT TIME ZONE zone`: timestamp to
    /// timestamptz and back; the zone is text or an interval
    TimeZone,
    /// `to_char(value, template)` of a timestamp, timestamptz, interval or
    /// number (`storage::datum::datetime::formatting`, `storage::datum::numformat`)
    ToChar,
    /// `to_date(text, template)`
    ToDate,
    /// `to_timestamp(text, template)`
    ToTimestampFmt,
    /// `gen_random_uuid()`
    GenRandomUuid,
    /// `pg_typeof(x)`: resolved at bind time to a constant, kept for completeness.
    TypeOfName,
    /// Any value as text through its type's output function.
    TextOut,
    /// `ascii(s)`: the code point of the first character.
    Ascii,
    /// `chr(n)`: the character with code point `n`.
    Chr,
    /// `pg_current_wal_lsn()` ([`super::walfuncs`])
    CurrentWalLsn,
    /// `pg_current_wal_insert_lsn()`
    CurrentWalInsertLsn,
    /// `pg_current_wal_flush_lsn()`
    CurrentWalFlushLsn,
    /// `pg_walfile_name(lsn)`
    WalfileName,
    /// `pg_switch_wal()`
    SwitchWal,
    /// `pg_control_checkpoint()`
    ControlCheckpoint,
    /// `pg_wal_lsn_diff(a, b)`, `pg_lsn - pg_lsn`
    WalLsnDiff,
    /// `pg_notify(channel, payload)`: NOTIFY as a function ([`crate::notify`]).
    Notify,
    /// `pg_advisory_unlock_all()`: SQL has no way to take advisory locks
    /// here, so a session never holds one; asyncpg's pool calls it when it
    /// resets a connection.
    AdvisoryUnlockAll,
    /// A system information function ([`super::catalogfuncs`]).
    Catalog(super::catalogfuncs::CatalogFn),
    /// A string or integer function of [`super::strfuncs`].
    Str(super::strfuncs::StrFn),
    /// `array_length(a, dim)` ([`super::array`])
    ArrayLength,
    /// `array_lower(a, dim)`
    ArrayLower,
    /// `array_upper(a, dim)`
    ArrayUpper,
    /// `array_ndims(a)`
    ArrayNdims,
    /// `array_dims(a)`
    ArrayDims,
    /// `cardinality(a)`
    Cardinality,
    /// `array_append(a, x)`, `a || x`
    ArrayAppend,
    /// `array_prepend(x, a)`, `x || a`
    ArrayPrepend,
    /// `array_cat(a, b)`, `a || b`
    ArrayCat,
    /// `array_to_string(a, delim [, null_text])`
    ArrayToString,
    /// `string_to_array(s, delim [, null_text])`
    StringToArray,
    /// `array_position(a, x [, start])`
    ArrayPosition,
    /// `array_positions(a, x)`
    ArrayPositions,
    /// `array_remove(a, x)`
    ArrayRemove,
    /// `array_replace(a, from, to)`
    ArrayReplace,
    /// `pg_backup_start(label [, fast])` ([`super::walfuncs`])
    BackupStart,
    /// `pg_backup_stop([wait_for_archive])`, as one record value
    BackupStop,
    /// `FROM pg_backup_stop(...)`: stops the backup, returns the lsn
    /// column and keeps the rest for [`Builtin::BackupStopField`]
    BackupStopLsn,
    /// Column 1 (labelfile) or 2 (spcmapfile) of the backup just stopped
    BackupStopField,
    /// `pg_create_restore_point(name)`
    CreateRestorePoint,
    /// `pg_is_in_recovery()`
    IsInRecovery,
    /// `pg_is_wal_replay_paused()`
    IsWalReplayPaused,
    /// `pg_last_wal_replay_lsn()`
    LastWalReplayLsn,
    /// `pg_wal_replay_resume()`
    WalReplayResume,
    /// Column `n` of the `pg_stat_archiver` view
    StatArchiver,
}

fn t(oid: TypeOid) -> SqlType {
    SqlType::new(oid)
}

/// The common type of several values (UNION, CASE, COALESCE, ...), with
/// PostgreSQL's rules simplified: unknown literals take the other type;
/// numbers promote along int2 < int4 < int8 < numeric < float4 < float8;
/// strings become text; otherwise the types must match.
pub fn common_type(types: &[SqlType], context: &str) -> SqlResult<SqlType> {
    let mut result: Option<SqlType> = None;
    for ty in types {
        if ty.oid == TypeOid::UNKNOWN {
            continue;
        }
        result = Some(match result {
            None => *ty,
            Some(r) if r.oid == ty.oid => {
                if r.typmod == ty.typmod {
                    r
                } else {
                    SqlType::new(r.oid)
                }
            }
            Some(r) => match (numeric_rank(r.oid), numeric_rank(ty.oid)) {
                (Some(a), Some(b)) => {
                    if a >= b {
                        SqlType::new(r.oid)
                    } else {
                        SqlType::new(ty.oid)
                    }
                }
                _ if is_string(r.oid) && is_string(ty.oid) => t(TypeOid::TEXT),
                // "char" meets the string types as text (its implicit cast).
                (None, None)
                    if (r.oid == TypeOid::CHAR && is_string(ty.oid))
                        || (is_string(r.oid) && ty.oid == TypeOid::CHAR) =>
                {
                    t(TypeOid::TEXT)
                }
                // Integers meet OIDs as OIDs (int4 casts implicitly to oid).
                _ if is_oid_like(r.oid) && (is_int(ty.oid) || is_oid_like(ty.oid)) => {
                    SqlType::new(r.oid)
                }
                _ if is_int(r.oid) && is_oid_like(ty.oid) => SqlType::new(ty.oid),
                _ => match (r.oid, ty.oid) {
                    (TypeOid::DATE, TypeOid::TIMESTAMP) | (TypeOid::TIMESTAMP, TypeOid::DATE) => {
                        t(TypeOid::TIMESTAMP)
                    }
                    (TypeOid::TIMESTAMPTZ, TypeOid::TIMESTAMP | TypeOid::DATE)
                    | (TypeOid::TIMESTAMP | TypeOid::DATE, TypeOid::TIMESTAMPTZ) => {
                        t(TypeOid::TIMESTAMPTZ)
                    }
                    _ => {
                        return Err(SqlError::datatype_mismatch(format!(
                            "{context} types {} and {} cannot be matched",
                            r.oid.sql_name(),
                            ty.oid.sql_name()
                        )));
                    }
                },
            },
        });
    }
    Ok(result.unwrap_or(t(TypeOid::TEXT)))
}

fn coerce_all(args: Vec<Expr>, to: SqlType) -> SqlResult<Vec<Expr>> {
    args.into_iter()
        .map(|a| coerce(a, to, CastContext::Implicit))
        .collect()
}

/// Arguments of type "any" shown as text through their type's output
/// function (as `concat` does: `true` becomes `t`).
fn output_args(args: Vec<Expr>) -> SqlResult<Vec<Expr>> {
    args.into_iter()
        .map(|a| {
            let oid = a.typ().oid;
            if oid == TypeOid::UNKNOWN || is_string(oid) {
                coerce(a, t(TypeOid::TEXT), CastContext::Implicit)
            } else {
                Ok(Expr::Func(Builtin::TextOut, vec![a], t(TypeOid::TEXT)))
            }
        })
        .collect()
}

fn text_args(args: Vec<Expr>) -> SqlResult<Vec<Expr>> {
    coerce_all(args, t(TypeOid::TEXT))
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

/// The numeric argument type a math function computes in: integers keep
/// their type for abs/sign-like functions when `keep_int`, otherwise
/// numeric stays numeric and everything else becomes double precision.
fn math_type(arg: &Expr, keep_int: bool) -> SqlType {
    match arg.typ().oid {
        TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8 if keep_int => arg.typ(),
        TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8 | TypeOid::NUMERIC | TypeOid::UNKNOWN => {
            t(TypeOid::NUMERIC)
        }
        _ => t(TypeOid::FLOAT8),
    }
}

/// The flags of `regexp_replace` / `regexp_match`: whether to replace
/// every match (`g`, allowed only when `global_allowed`) and whether to
/// ignore case (`i`; `c` turns it back off). Any other flag is 22023, as
/// in PostgreSQL.
pub(crate) fn regex_flags(flags: Option<&str>, global_allowed: bool) -> SqlResult<(bool, bool)> {
    let (mut global, mut ci) = (false, false);
    for c in flags.unwrap_or("").chars() {
        match c {
            'g' if global_allowed => global = true,
            'i' => ci = true,
            'c' => ci = false,
            'g' => {
                return Err(SqlError::new(
                    "22023",
                    "regexp_match() does not support the \"global\" option",
                ));
            }
            other => {
                return Err(SqlError::new(
                    "22023",
                    format!("invalid regular expression option: \"{other}\""),
                ));
            }
        }
    }
    Ok((global, ci))
}

/// `regexp_replace`: the first match (every match when `global`) of `re`
/// in `s` replaced by `replacement`, in which `\1`..`\9` stand for the
/// captured groups, `\&` for the whole match and `\\` for a backslash.
fn regexp_replace(s: &str, re: &regex::Regex, replacement: &str, global: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for caps in re.captures_iter(s) {
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&s[last..whole.start()]);
        let mut chars = replacement.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.peek().copied() {
                Some(d @ '1'..='9') => {
                    chars.next();
                    let n = d as usize - '0' as usize;
                    out.push_str(caps.get(n).map_or("", |m| m.as_str()));
                }
                Some('&') => {
                    chars.next();
                    out.push_str(whole.as_str());
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            }
        }
        last = whole.end();
        if !global {
            break;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// The date/time constructors behind [`Builtin::Make`]: integer fields
/// (int4) and seconds (float8), checked as PostgreSQL checks them
/// (`storage::datum::datetime::make`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MakeFn {
    /// `make_date(year, month, day)`
    Date,
    /// `make_time(hour, min, sec)`
    Time,
    /// `make_timestamp(year, month, day, hour, min, sec)`
    Timestamp,
    /// `make_timestamptz(year, month, day, hour, min, sec)` in the session
    /// time zone
    TimestampTz,
    /// `make_interval(years, months, weeks, days, hours, mins, secs)`,
    /// trailing arguments 0
    Interval,
    /// `to_timestamp(seconds)`: Unix seconds as timestamptz
    ToTimestamp,
}

impl MakeFn {
    /// The function named `name`, its parameter types (the seconds are
    /// float8, the rest int4) and result type.
    fn signature(name: &str) -> Option<(MakeFn, &'static [TypeOid], TypeOid)> {
        use TypeOid as T;
        const YMD: &[TypeOid] = &[T::INT4, T::INT4, T::INT4];
        const HMS: &[TypeOid] = &[T::INT4, T::INT4, T::FLOAT8];
        const YMDHMS: &[TypeOid] = &[T::INT4, T::INT4, T::INT4, T::INT4, T::INT4, T::FLOAT8];
        const IV: &[TypeOid] = &[
            T::INT4,
            T::INT4,
            T::INT4,
            T::INT4,
            T::INT4,
            T::INT4,
            T::FLOAT8,
        ];
        Some(match name {
            "make_date" => (MakeFn::Date, YMD, T::DATE),
            "make_time" => (MakeFn::Time, HMS, T::TIME),
            "make_timestamp" => (MakeFn::Timestamp, YMDHMS, T::TIMESTAMP),
            "make_timestamptz" => (MakeFn::TimestampTz, YMDHMS, T::TIMESTAMPTZ),
            "make_interval" => (MakeFn::Interval, IV, T::INTERVAL),
            "to_timestamp" => (MakeFn::ToTimestamp, &[T::FLOAT8], T::TIMESTAMPTZ),
            _ => return None,
        })
    }

    fn eval(self, vals: &[Datum], output: &storage::datum::io::OutputOptions) -> SqlResult<Datum> {
        use storage::datum::datetime as dt;
        let i = |k: usize| match vals.get(k) {
            Some(Datum::Int4(v)) => *v,
            _ => 0,
        };
        let f = |k: usize| match vals.get(k) {
            Some(Datum::Float8(v)) => *v,
            _ => 0.0,
        };
        Ok(match self {
            MakeFn::Date => Datum::Date(dt::make_date(i(0), i(1), i(2))?),
            MakeFn::Time => Datum::Time(dt::make_time(i(0), i(1), f(2))?),
            MakeFn::Timestamp => {
                Datum::Timestamp(dt::make_timestamp(i(0), i(1), i(2), i(3), i(4), f(5))?)
            }
            MakeFn::TimestampTz => Datum::TimestampTz(dt::make_timestamptz(
                i(0),
                i(1),
                i(2),
                i(3),
                i(4),
                f(5),
                &output.time_zone,
            )?),
            MakeFn::Interval => {
                Datum::Interval(dt::make_interval(i(0), i(1), i(2), i(3), i(4), i(5), f(6))?)
            }
            MakeFn::ToTimestamp => Datum::TimestampTz(dt::timestamptz_from_unix(f(0))?),
        })
    }
}

/// The arguments of a call with named arguments (`name => value`) in
/// parameter order; a parameter left out gets its default. Only
/// `make_interval`'s parameters have names here.
pub fn named_arguments(
    function: &str,
    positional: Vec<Expr>,
    named: Vec<(String, Expr)>,
) -> SqlResult<Vec<Expr>> {
    let name = function.strip_prefix("pg_catalog.").unwrap_or(function);
    let params: &[&str] = match name {
        "make_interval" => &["years", "months", "weeks", "days", "hours", "mins", "secs"],
        _ => {
            return Err(SqlError::unsupported(format!(
                "named arguments in a call of {function}"
            )));
        }
    };
    let mut slots: Vec<Option<Expr>> = positional.into_iter().map(Some).collect();
    slots.resize(params.len().max(slots.len()), None);
    for (arg, value) in named {
        let Some(k) = params.iter().position(|p| *p == arg) else {
            return Err(SqlError::undefined_function(&format!(
                "{name}({arg} => {})",
                value.typ().oid.sql_name()
            )));
        };
        if slots[k].is_some() {
            return Err(SqlError::syntax(format!(
                "argument name \"{arg}\" used more than once"
            )));
        }
        slots[k] = Some(value);
    }
    Ok(slots
        .into_iter()
        .enumerate()
        .map(|(k, v)| {
            v.unwrap_or_else(|| {
                if params.get(k) == Some(&"secs") {
                    Expr::Const(Datum::Float8(0.0), t(TypeOid::FLOAT8))
                } else {
                    Expr::Const(Datum::Int4(0), t(TypeOid::INT4))
                }
            })
        })
        .collect())
}

/// Binds a [`MakeFn`]; `make_interval` may leave trailing arguments out.
fn make_function(name: &str, args: Vec<Expr>) -> SqlResult<Option<Expr>> {
    let Some((mf, params, ret)) = MakeFn::signature(name) else {
        return Ok(None);
    };
    if name == "to_timestamp" && args.len() == 2 {
        let ty = t(TypeOid::TIMESTAMPTZ);
        return Ok(Some(Expr::Func(
            Builtin::ToTimestampFmt,
            text_args(args)?,
            ty,
        )));
    }
    let fits = if mf == MakeFn::Interval {
        args.len() <= params.len()
    } else {
        args.len() == params.len()
    };
    if !fits {
        let sig: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
        return Err(SqlError::undefined_function(&format!(
            "{name}({})",
            sig.join(", ")
        )));
    }
    let mut bound = Vec::with_capacity(params.len());
    for (k, ty) in params.iter().enumerate() {
        bound.push(match args.get(k) {
            Some(a) => coerce(a.clone(), t(*ty), CastContext::Implicit)?,
            None if *ty == TypeOid::FLOAT8 => Expr::Const(Datum::Float8(0.0), t(*ty)),
            None => Expr::Const(Datum::Int4(0), t(*ty)),
        });
    }
    Ok(Some(Expr::Func(Builtin::Make(mf), bound, t(ret))))
}

/// The double precision functions behind [`Builtin::Float`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatFn {
    /// `exp(x)`
    Exp,
    /// `ln(x)`
    Ln,
    /// `log(x)`, `log10(x)`: base 10
    Log10,
    /// `cbrt(x)`
    Cbrt,
    /// `degrees(x)`
    Degrees,
    /// `radians(x)`
    Radians,
    /// `sin(x)`
    Sin,
    /// `cos(x)`
    Cos,
    /// `tan(x)`
    Tan,
    /// `asin(x)`
    Asin,
    /// `acos(x)`
    Acos,
    /// `atan(x)`
    Atan,
    /// `atan2(y, x)`
    Atan2,
    /// `pi()`
    Pi,
}

impl FloatFn {
    /// Computes the function over non-NULL float8 arguments, with
    /// PostgreSQL's errors (2201E for the logarithm of zero or a negative
    /// number, 22003 for overflow, 22003 for an argument out of range).
    fn eval(self, vals: &[Datum]) -> SqlResult<f64> {
        let x = |i: usize| match vals.get(i) {
            Some(Datum::Float8(v)) => Ok(*v),
            _ => Err(SqlError::internal("float function argument")),
        };
        let log_arg = |v: f64| {
            if v == 0.0 {
                Err(SqlError::new("2201E", "cannot take logarithm of zero"))
            } else if v < 0.0 {
                Err(SqlError::new(
                    "2201E",
                    "cannot take logarithm of a negative number",
                ))
            } else {
                Ok(v)
            }
        };
        let r = match self {
            FloatFn::Exp => x(0)?.exp(),
            FloatFn::Ln => log_arg(x(0)?)?.ln(),
            FloatFn::Log10 => log_arg(x(0)?)?.log10(),
            FloatFn::Cbrt => x(0)?.cbrt(),
            FloatFn::Degrees => x(0)?.to_degrees(),
            FloatFn::Radians => x(0)?.to_radians(),
            FloatFn::Sin => x(0)?.sin(),
            FloatFn::Cos => x(0)?.cos(),
            FloatFn::Tan => x(0)?.tan(),
            FloatFn::Asin | FloatFn::Acos => {
                let v = x(0)?;
                if !(-1.0..=1.0).contains(&v) {
                    return Err(SqlError::new("22003", "input is out of range"));
                }
                if self == FloatFn::Asin {
                    v.asin()
                } else {
                    v.acos()
                }
            }
            FloatFn::Atan => x(0)?.atan(),
            FloatFn::Atan2 => x(0)?.atan2(x(1)?),
            FloatFn::Pi => std::f64::consts::PI,
        };
        if r.is_infinite()
            && vals
                .iter()
                .all(|v| matches!(v, Datum::Float8(f) if f.is_finite()))
        {
            return Err(SqlError::new("22003", "value out of range: overflow"));
        }
        Ok(r)
    }
}

/// Binds a [`FloatFn`]: arguments become double precision. The numeric
/// variants of `exp`, `ln` and `log` (PostgreSQL computes them to a
/// numeric's precision) answer 0A000 rather than a float's digits.
fn float_function(name: &str, args: Vec<Expr>) -> SqlResult<Option<Expr>> {
    let (ff, allowed): (FloatFn, &[usize]) = match name {
        "exp" => (FloatFn::Exp, &[1]),
        "ln" => (FloatFn::Ln, &[1]),
        // PostgreSQL has log(b, x) for numeric only.
        "log" if args.len() == 2 => {
            return Err(SqlError::unsupported("log(b, x) of numeric values"));
        }
        "log" | "log10" => (FloatFn::Log10, &[1]),
        "cbrt" => (FloatFn::Cbrt, &[1]),
        "degrees" => (FloatFn::Degrees, &[1]),
        "radians" => (FloatFn::Radians, &[1]),
        "sin" => (FloatFn::Sin, &[1]),
        "cos" => (FloatFn::Cos, &[1]),
        "tan" => (FloatFn::Tan, &[1]),
        "asin" => (FloatFn::Asin, &[1]),
        "acos" => (FloatFn::Acos, &[1]),
        "atan" => (FloatFn::Atan, &[1]),
        "atan2" => (FloatFn::Atan2, &[2]),
        _ => (FloatFn::Pi, &[0]),
    };
    arity(name, &args, allowed)?;
    let numeric_variant = matches!(ff, FloatFn::Exp | FloatFn::Ln | FloatFn::Log10);
    if numeric_variant
        && args
            .iter()
            .any(|a| matches!(a.typ().oid, TypeOid::NUMERIC | TypeOid::UNKNOWN))
    {
        return Err(SqlError::unsupported(format!(
            "{name}() of a numeric value"
        )));
    }
    let ty = t(TypeOid::FLOAT8);
    Ok(Some(Expr::Func(
        Builtin::Float(ff),
        coerce_all(args, ty)?,
        ty,
    )))
}

/// Resolves `name(args)` to a built-in and binds its arguments; `None` if no
/// function of that name exists.
pub fn resolve_function(name: &str, mut args: Vec<Expr>) -> SqlResult<Option<Expr>> {
    use Builtin::*;
    let func = |b: Builtin, args: Vec<Expr>, ret: SqlType| Ok(Some(Expr::Func(b, args, ret)));
    match name {
        "version" => {
            arity(name, &args, &[0])?;
            func(Version, args, t(TypeOid::TEXT))
        }
        "current_database" | "current_catalog" => {
            arity(name, &args, &[0])?;
            func(CurrentDatabase, args, t(TypeOid::NAME))
        }
        "current_user" | "session_user" | "user" | "current_role" => {
            arity(name, &args, &[0])?;
            func(CurrentUser, args, t(TypeOid::NAME))
        }
        "current_schema" => {
            arity(name, &args, &[0])?;
            func(CurrentSchema, args, t(TypeOid::NAME))
        }
        "pg_backend_pid" => {
            arity(name, &args, &[0])?;
            func(BackendPid, args, t(TypeOid::INT4))
        }
        "now" | "current_timestamp" | "transaction_timestamp" => {
            arity(name, &args, &[0])?;
            func(Now, args, t(TypeOid::TIMESTAMPTZ))
        }
        "statement_timestamp" => {
            arity(name, &args, &[0])?;
            func(StatementTimestamp, args, t(TypeOid::TIMESTAMPTZ))
        }
        "clock_timestamp" => {
            arity(name, &args, &[0])?;
            func(ClockTimestamp, args, t(TypeOid::TIMESTAMPTZ))
        }
        "current_date" => {
            arity(name, &args, &[0])?;
            func(CurrentDate, args, t(TypeOid::DATE))
        }
        "localtimestamp" => {
            arity(name, &args, &[0])?;
            func(LocalTimestamp, args, t(TypeOid::TIMESTAMP))
        }
        "coalesce" | "greatest" | "least" => {
            if args.is_empty() {
                return Err(SqlError::syntax(format!(
                    "syntax error at or near \")\" in {name}()"
                )));
            }
            let types: Vec<SqlType> = args.iter().map(Expr::typ).collect();
            let ty = common_type(&types, &name.to_uppercase())?;
            let b = match name {
                "coalesce" => Coalesce,
                "greatest" => Greatest,
                _ => Least,
            };
            func(b, coerce_all(args, ty)?, ty)
        }
        "nullif" => {
            arity(name, &args, &[2])?;
            let types: Vec<SqlType> = args.iter().map(Expr::typ).collect();
            let ty = common_type(&types, "NULLIF")?;
            let ret = args[0].typ();
            let ret = if ret.oid == TypeOid::UNKNOWN { ty } else { ret };
            func(NullIf, coerce_all(args, ty)?, ret)
        }
        "abs" | "sign" | "ceil" | "ceiling" | "floor" | "sqrt" => {
            arity(name, &args, &[1])?;
            let keep = name == "abs";
            let ty = math_type(&args[0], keep);
            let b = match name {
                "abs" => Abs,
                "sign" => Sign,
                "ceil" | "ceiling" => Ceil,
                "floor" => Floor,
                _ => Sqrt,
            };
            let ty =
                if b == Sqrt && ty.oid == TypeOid::NUMERIC && args[0].typ().oid != TypeOid::NUMERIC
                {
                    t(TypeOid::FLOAT8)
                } else {
                    ty
                };
            func(b, coerce_all(args, ty)?, ty)
        }
        "round" | "trunc" => {
            arity(name, &args, &[1, 2])?;
            let b = if name == "round" { Round } else { Trunc };
            if args.len() == 2 {
                let places = args
                    .pop()
                    .map(|a| coerce(a, t(TypeOid::INT4), CastContext::Implicit))
                    .transpose()?;
                let x = coerce(args.remove(0), t(TypeOid::NUMERIC), CastContext::Implicit)?;
                return func(
                    b,
                    vec![
                        x,
                        places.unwrap_or(Expr::Const(Datum::Int4(0), t(TypeOid::INT4))),
                    ],
                    t(TypeOid::NUMERIC),
                );
            }
            let ty = math_type(&args[0], false);
            func(b, coerce_all(args, ty)?, ty)
        }
        "exp" | "ln" | "log" | "log10" | "cbrt" | "degrees" | "radians" | "sin" | "cos" | "tan"
        | "asin" | "acos" | "atan" | "atan2" | "pi" => float_function(name, args),
        "make_date" | "make_time" | "make_timestamp" | "make_timestamptz" | "make_interval"
        | "to_timestamp" => make_function(name, args),
        "power" | "pow" | "mod" => {
            arity(name, &args, &[2])?;
            let types: Vec<SqlType> = args.iter().map(Expr::typ).collect();
            let mut ty = common_type(&types, name)?;
            if name != "mod" && numeric_rank(ty.oid).is_some_and(|r| r <= 3) {
                ty = t(TypeOid::FLOAT8);
            }
            if name != "mod" && ty.oid == TypeOid::FLOAT4 {
                ty = t(TypeOid::FLOAT8);
            }
            func(
                if name == "mod" { Mod } else { Power },
                coerce_all(args, ty)?,
                ty,
            )
        }
        "random" => {
            arity(name, &args, &[0])?;
            func(Random, args, t(TypeOid::FLOAT8))
        }
        "setseed" => {
            arity(name, &args, &[1])?;
            let args = coerce_all(args, t(TypeOid::FLOAT8))?;
            func(SetSeed, args, t(TypeOid::VOID))
        }
        "length" | "char_length" | "character_length" => {
            arity(name, &args, &[1])?;
            if args[0].typ().oid == TypeOid::BYTEA {
                return func(OctetLength, args, t(TypeOid::INT4));
            }
            func(Length, text_args(args)?, t(TypeOid::INT4))
        }
        "octet_length" => {
            arity(name, &args, &[1])?;
            // bytea counts bytes, char(n) counts its padding too.
            if matches!(args[0].typ().oid, TypeOid::BYTEA | TypeOid::BPCHAR) {
                return func(OctetLength, args, t(TypeOid::INT4));
            }
            func(OctetLength, text_args(args)?, t(TypeOid::INT4))
        }
        "lower" | "upper" | "reverse" | "initcap" | "md5" => {
            arity(name, &args, &[1])?;
            let b = match name {
                "lower" => Lower,
                "upper" => Upper,
                "reverse" => Reverse,
                "initcap" => Initcap,
                _ => Md5,
            };
            func(b, text_args(args)?, t(TypeOid::TEXT))
        }
        "substring" | "substr" => {
            arity(name, &args, &[2, 3])?;
            let s = coerce(args.remove(0), t(TypeOid::TEXT), CastContext::Implicit)?;
            let mut rest = coerce_all(args, t(TypeOid::INT4))?;
            rest.insert(0, s);
            func(Substr, rest, t(TypeOid::TEXT))
        }
        "strpos" | "position" => {
            arity(name, &args, &[2])?;
            func(Strpos, text_args(args)?, t(TypeOid::INT4))
        }
        "btrim" | "ltrim" | "rtrim" => {
            arity(name, &args, &[1, 2])?;
            let b = match name {
                "btrim" => Btrim,
                "ltrim" => Ltrim,
                _ => Rtrim,
            };
            func(b, text_args(args)?, t(TypeOid::TEXT))
        }
        "replace" => {
            arity(name, &args, &[3])?;
            func(Replace, text_args(args)?, t(TypeOid::TEXT))
        }
        "concat" => func(Concat, output_args(args)?, t(TypeOid::TEXT)),
        "concat_ws" => {
            if args.is_empty() {
                arity(name, &args, &[1])?;
            }
            let mut rest = args.split_off(1);
            rest = output_args(rest)?;
            rest.insert(
                0,
                coerce(args.remove(0), t(TypeOid::TEXT), CastContext::Implicit)?,
            );
            func(ConcatWs, rest, t(TypeOid::TEXT))
        }
        "left" | "right" | "repeat" => {
            arity(name, &args, &[2])?;
            let n = coerce(
                args.pop().ok_or_else(|| SqlError::internal("arity"))?,
                t(TypeOid::INT4),
                CastContext::Implicit,
            )?;
            let s = coerce(args.remove(0), t(TypeOid::TEXT), CastContext::Implicit)?;
            let b = match name {
                "left" => Left,
                "right" => Right,
                _ => Repeat,
            };
            func(b, vec![s, n], t(TypeOid::TEXT))
        }
        "lpad" | "rpad" => {
            arity(name, &args, &[2, 3])?;
            let fill = if args.len() == 3 {
                Some(coerce(
                    args.remove(2),
                    t(TypeOid::TEXT),
                    CastContext::Implicit,
                )?)
            } else {
                None
            };
            let n = coerce(args.remove(1), t(TypeOid::INT4), CastContext::Implicit)?;
            let s = coerce(args.remove(0), t(TypeOid::TEXT), CastContext::Implicit)?;
            let mut v = vec![s, n];
            v.extend(fill);
            func(
                if name == "lpad" { Lpad } else { Rpad },
                v,
                t(TypeOid::TEXT),
            )
        }
        "split_part" => {
            arity(name, &args, &[3])?;
            let n = coerce(args.remove(2), t(TypeOid::INT4), CastContext::Implicit)?;
            let mut v = text_args(args)?;
            v.push(n);
            func(SplitPart, v, t(TypeOid::TEXT))
        }
        // The argument's type, known at bind time; like PostgreSQL's
        // (a regtype), it prints as the type's SQL name.
        "pg_typeof" => {
            arity(name, &args, &[1])?;
            Ok(Some(Expr::Const(
                Datum::Oid(args[0].typ().oid.0),
                t(TypeOid::REGTYPE),
            )))
        }
        "regexp_replace" => {
            arity(name, &args, &[3, 4])?;
            func(RegexpReplace, text_args(args)?, t(TypeOid::TEXT))
        }
        "regexp_match" => {
            arity(name, &args, &[2, 3])?;
            func(RegexpMatch, text_args(args)?, t(TypeOid::TEXT_ARRAY))
        }
        "starts_with" => {
            arity(name, &args, &[2])?;
            func(StartsWith, text_args(args)?, t(TypeOid::BOOL))
        }
        "extract" | "date_part" | "date_trunc" => {
            arity(name, &args, &[2])?;
            let field = coerce(args.remove(0), t(TypeOid::TEXT), CastContext::Implicit)?;
            let mut v = args.remove(0);
            if v.typ().oid == TypeOid::UNKNOWN {
                v = coerce(v, t(TypeOid::TIMESTAMPTZ), CastContext::Implicit)?;
            }
            let vt = v.typ().oid;
            if !matches!(
                vt,
                TypeOid::DATE
                    | TypeOid::TIME
                    | TypeOid::TIMESTAMP
                    | TypeOid::TIMESTAMPTZ
                    | TypeOid::INTERVAL
            ) {
                return Err(SqlError::undefined_function(&format!(
                    "{name}(text, {})",
                    vt.sql_name()
                )));
            }
            match name {
                "extract" => func(Extract, vec![field, v], t(TypeOid::NUMERIC)),
                "date_part" => func(DatePart, vec![field, v], t(TypeOid::FLOAT8)),
                _ => {
                    if vt == TypeOid::DATE {
                        v = coerce(v, t(TypeOid::TIMESTAMPTZ), CastContext::Implicit)?;
                    }
                    if !matches!(v.typ().oid, TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ) {
                        return Err(SqlError::unsupported(format!(
                            "date_trunc on {}",
                            v.typ().oid.sql_name()
                        )));
                    }
                    let rt = v.typ();
                    func(DateTrunc, vec![field, v], rt)
                }
            }
        }
        "age" => {
            arity(name, &args, &[1, 2])?;
            no_such_function(name, &args, |ty| {
                matches!(
                    ty,
                    TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ | TypeOid::DATE | TypeOid::UNKNOWN
                )
            })?;
            // age(timestamp, ...) when every argument is a timestamp or an
            // untyped literal; otherwise the preferred type, timestamptz.
            let all_plain = args
                .iter()
                .all(|a| matches!(a.typ().oid, TypeOid::TIMESTAMP | TypeOid::UNKNOWN));
            let any_plain = args.iter().any(|a| a.typ().oid == TypeOid::TIMESTAMP);
            let ty = if all_plain && any_plain {
                TypeOid::TIMESTAMP
            } else {
                TypeOid::TIMESTAMPTZ
            };
            func(Age, coerce_all(args, t(ty))?, t(TypeOid::INTERVAL))
        }
        "justify_days" | "justify_hours" | "justify_interval" => {
            arity(name, &args, &[1])?;
            no_such_function(name, &args, |ty| {
                matches!(ty, TypeOid::INTERVAL | TypeOid::UNKNOWN)
            })?;
            let b = match name {
                "justify_days" => JustifyDays,
                "justify_hours" => JustifyHours,
                _ => JustifyInterval,
            };
            let ty = t(TypeOid::INTERVAL);
            func(b, coerce_all(args, ty)?, ty)
        }
        "timezone" => {
            arity(name, &args, &[2])?;
            let mut ts = args.remove(1);
            let mut zone = args.remove(0);
            if zone.typ().oid != TypeOid::INTERVAL {
                zone = coerce(zone, t(TypeOid::TEXT), CastContext::Implicit)?;
            }
            if matches!(ts.typ().oid, TypeOid::UNKNOWN | TypeOid::DATE) {
                ts = coerce(ts, t(TypeOid::TIMESTAMPTZ), CastContext::Implicit)?;
            }
            let ret = match ts.typ().oid {
                TypeOid::TIMESTAMP => TypeOid::TIMESTAMPTZ,
                TypeOid::TIMESTAMPTZ => TypeOid::TIMESTAMP,
                other => {
                    return Err(SqlError::undefined_function(&format!(
                        "timezone({}, {})",
                        zone.typ().oid.sql_name(),
                        other.sql_name()
                    )));
                }
            };
            func(TimeZone, vec![zone, ts], t(ret))
        }
        "to_char" => {
            arity(name, &args, &[2])?;
            let fmt = coerce(args.remove(1), t(TypeOid::TEXT), CastContext::Implicit)?;
            let mut v = args.remove(0);
            match v.typ().oid {
                TypeOid::TIMESTAMP
                | TypeOid::TIMESTAMPTZ
                | TypeOid::INTERVAL
                | TypeOid::INT4
                | TypeOid::INT8
                | TypeOid::NUMERIC
                | TypeOid::FLOAT4
                | TypeOid::FLOAT8 => {}
                TypeOid::DATE => v = coerce(v, t(TypeOid::TIMESTAMPTZ), CastContext::Implicit)?,
                TypeOid::INT2 => v = coerce(v, t(TypeOid::INT4), CastContext::Implicit)?,
                TypeOid::UNKNOWN => {
                    return Err(SqlError::new(
                        "42725",
                        "function to_char(unknown, unknown) is not unique",
                    ));
                }
                other => {
                    return Err(SqlError::undefined_function(&format!(
                        "to_char({}, text)",
                        other.sql_name()
                    )));
                }
            }
            func(ToChar, vec![v, fmt], t(TypeOid::TEXT))
        }
        "to_date" => {
            arity(name, &args, &[2])?;
            func(ToDate, text_args(args)?, t(TypeOid::DATE))
        }
        "ascii" => {
            arity(name, &args, &[1])?;
            func(Ascii, text_args(args)?, t(TypeOid::INT4))
        }
        "chr" => {
            arity(name, &args, &[1])?;
            func(Chr, coerce_all(args, t(TypeOid::INT4))?, t(TypeOid::TEXT))
        }
        "gen_random_uuid" => {
            arity(name, &args, &[0])?;
            func(GenRandomUuid, args, t(TypeOid::UUID))
        }
        "pg_notify" => {
            arity(name, &args, &[2])?;
            func(Notify, text_args(args)?, t(TypeOid::VOID))
        }
        "pg_advisory_unlock_all" => {
            arity(name, &args, &[0])?;
            func(AdvisoryUnlockAll, args, t(TypeOid::VOID))
        }
        "pg_current_wal_lsn"
        | "pg_current_wal_insert_lsn"
        | "pg_current_wal_flush_lsn"
        | "pg_switch_wal" => {
            arity(name, &args, &[0])?;
            let b = match name {
                "pg_current_wal_lsn" => CurrentWalLsn,
                "pg_current_wal_insert_lsn" => CurrentWalInsertLsn,
                "pg_current_wal_flush_lsn" => CurrentWalFlushLsn,
                _ => SwitchWal,
            };
            func(b, args, t(TypeOid::PG_LSN))
        }
        "pg_walfile_name" => {
            arity(name, &args, &[1])?;
            func(
                WalfileName,
                coerce_all(args, t(TypeOid::PG_LSN))?,
                t(TypeOid::TEXT),
            )
        }
        "pg_wal_lsn_diff" => {
            arity(name, &args, &[2])?;
            func(
                WalLsnDiff,
                coerce_all(args, t(TypeOid::PG_LSN))?,
                t(TypeOid::NUMERIC),
            )
        }
        "pg_control_checkpoint" => {
            arity(name, &args, &[0])?;
            func(ControlCheckpoint, args, t(TypeOid::RECORD))
        }
        "pg_backup_start" => {
            arity(name, &args, &[1, 2])?;
            let mut it = args.into_iter();
            let mut a = text_args(it.next().into_iter().collect())?;
            a.extend(coerce_all(it.collect(), t(TypeOid::BOOL))?);
            func(BackupStart, a, t(TypeOid::PG_LSN))
        }
        "pg_backup_stop" => {
            arity(name, &args, &[0, 1])?;
            func(
                BackupStop,
                coerce_all(args, t(TypeOid::BOOL))?,
                t(TypeOid::RECORD),
            )
        }
        "pg_create_restore_point" => {
            arity(name, &args, &[1])?;
            func(CreateRestorePoint, text_args(args)?, t(TypeOid::PG_LSN))
        }
        "pg_is_in_recovery" | "pg_is_wal_replay_paused" => {
            arity(name, &args, &[0])?;
            let b = if name == "pg_is_in_recovery" {
                IsInRecovery
            } else {
                IsWalReplayPaused
            };
            func(b, args, t(TypeOid::BOOL))
        }
        "pg_last_wal_replay_lsn" => {
            arity(name, &args, &[0])?;
            func(LastWalReplayLsn, args, t(TypeOid::PG_LSN))
        }
        "pg_wal_replay_resume" => {
            arity(name, &args, &[0])?;
            func(WalReplayResume, args, t(TypeOid::VOID))
        }
        _ if super::jsonb::handles(name) => super::jsonb::resolve(name, args),
        _ if super::catalogfuncs::handles(name) => super::catalogfuncs::resolve(name, args),
        _ if super::strfuncs::handles(name) => super::strfuncs::resolve(name, args),
        _ => super::array::resolve_array_function(name, args),
    }
}

/// 42883 for a call whose argument types no candidate of `name` accepts.
fn no_such_function(name: &str, args: &[Expr], accepts: impl Fn(TypeOid) -> bool) -> SqlResult<()> {
    if args.iter().all(|a| accepts(a.typ().oid)) {
        return Ok(());
    }
    let sig: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
    Err(SqlError::undefined_function(&format!(
        "{name}({})",
        sig.join(", ")
    )))
}

fn text(d: &Datum) -> &str {
    match d {
        Datum::Text(s) => s,
        _ => "",
    }
}

fn int(d: &Datum) -> i64 {
    match d {
        Datum::Int2(v) => i64::from(*v),
        Datum::Int4(v) => i64::from(*v),
        Datum::Int8(v) => *v,
        _ => 0,
    }
}

/// Evaluates a built-in function call.
pub fn call_builtin(
    f: Builtin,
    args: &[Expr],
    row: &[Datum],
    ctx: &EvalCtx<'_>,
) -> SqlResult<Datum> {
    use Builtin::*;
    // Functions that look at their arguments lazily or treat NULL specially.
    match f {
        // Each decides about NULL arguments itself (format_type's typmod).
        Catalog(c) => {
            let vals = args
                .iter()
                .map(|a| a.eval(row, ctx))
                .collect::<SqlResult<Vec<_>>>()?;
            return ctx.runner.catalog_function(c, &vals);
        }
        Str(f) => {
            let vals = args
                .iter()
                .map(|a| a.eval(row, ctx))
                .collect::<SqlResult<Vec<_>>>()?;
            return super::strfuncs::call(f, &vals);
        }
        Coalesce => {
            for a in args {
                let v = a.eval(row, ctx)?;
                if !matches!(v, Datum::Null) {
                    return Ok(v);
                }
            }
            return Ok(Datum::Null);
        }
        Greatest | Least => {
            let mut best: Option<Datum> = None;
            for a in args {
                let v = a.eval(row, ctx)?;
                if matches!(v, Datum::Null) {
                    continue;
                }
                let replace = match &best {
                    None => true,
                    Some(b) => {
                        let o = cmp_values(&v, b);
                        if f == Greatest { o.is_gt() } else { o.is_lt() }
                    }
                };
                if replace {
                    best = Some(v);
                }
            }
            return Ok(best.unwrap_or(Datum::Null));
        }
        NullIf => {
            let a = args[0].eval(row, ctx)?;
            let b = args[1].eval(row, ctx)?;
            if !matches!(a, Datum::Null) && !matches!(b, Datum::Null) && cmp_values(&a, &b).is_eq()
            {
                return Ok(Datum::Null);
            }
            return Ok(a);
        }
        Concat | ConcatWs => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(a.eval(row, ctx)?);
            }
            if f == Concat {
                return Ok(Datum::Text(vals.iter().map(text).collect()));
            }
            let Some((sep, rest)) = vals.split_first() else {
                return Ok(Datum::Null);
            };
            if matches!(sep, Datum::Null) {
                return Ok(Datum::Null);
            }
            let parts: Vec<&str> = rest
                .iter()
                .filter(|v| !matches!(v, Datum::Null))
                .map(text)
                .collect();
            return Ok(Datum::Text(parts.join(text(sep))));
        }
        Notify => {
            // Not strict: a NULL channel is an empty (invalid) one, a NULL
            // payload an empty payload.
            let channel = args[0].eval(row, ctx)?;
            let payload = args[1].eval(row, ctx)?;
            let as_str = |d: &Datum| match d {
                Datum::Text(s) => s.clone(),
                _ => String::new(),
            };
            ctx.env
                .notify
                .borrow_mut()
                .notify(&as_str(&channel), &as_str(&payload))?;
            return Ok(Datum::Text(String::new()));
        }
        AdvisoryUnlockAll => return Ok(Datum::Text(String::new())),
        f if super::array::is_array_function(f) => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(a.eval(row, ctx)?);
            }
            let arg0 = args.first().map_or(t(TypeOid::TEXT), Expr::typ);
            return super::array::call_array_function(f, &vals, arg0, &ctx.env.output);
        }
        _ => {}
    }
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        let v = a.eval(row, ctx)?;
        if matches!(v, Datum::Null) {
            return Ok(Datum::Null);
        }
        vals.push(v);
    }
    let env = ctx.env;
    Ok(match f {
        ArrayLength | ArrayLower | ArrayUpper | ArrayNdims | ArrayDims | Cardinality
        | ArrayAppend | ArrayPrepend | ArrayCat | ArrayToString | StringToArray | ArrayPosition
        | ArrayPositions | ArrayRemove | ArrayReplace | Str(_) => {
            return Err(SqlError::internal(format!(
                "{f:?} is evaluated with its NULL arguments"
            )));
        }
        CurrentWalLsn | CurrentWalInsertLsn | CurrentWalFlushLsn | WalfileName | SwitchWal
        | ControlCheckpoint | BackupStart | BackupStop | BackupStopLsn | BackupStopField
        | CreateRestorePoint | IsInRecovery | IsWalReplayPaused | LastWalReplayLsn
        | WalReplayResume | StatArchiver => ctx.runner.wal_function(f, &vals)?,
        WalLsnDiff => super::walfuncs::lsn_diff(&vals[0], &vals[1])?,
        Version => Datum::Text(crate::VERSION_STRING.to_string()),
        CurrentDatabase => Datum::Text(env.database.clone()),
        CurrentUser => Datum::Text(env.user.clone()),
        CurrentSchema => Datum::Text(env.current_schema.clone()),
        BackendPid => Datum::Int4(env.backend_pid),
        Now => Datum::TimestampTz(env.txn_start),
        StatementTimestamp => Datum::TimestampTz(env.stmt_start),
        ClockTimestamp => Datum::TimestampTz(TimestampTz::now()),
        CurrentDate => Datum::Date(dt::timestamp_to_date(dt::timestamptz_to_timestamp(
            env.txn_start,
            &env.output.time_zone,
        ))),
        LocalTimestamp => Datum::Timestamp(dt::timestamptz_to_timestamp(
            env.txn_start,
            &env.output.time_zone,
        )),
        Abs => match &vals[0] {
            Datum::Int2(v) => Datum::Int2(
                v.checked_abs()
                    .ok_or_else(|| SqlError::new("22003", "smallint out of range"))?,
            ),
            Datum::Int4(v) => Datum::Int4(
                v.checked_abs()
                    .ok_or_else(|| SqlError::new("22003", "integer out of range"))?,
            ),
            Datum::Int8(v) => Datum::Int8(
                v.checked_abs()
                    .ok_or_else(|| SqlError::new("22003", "bigint out of range"))?,
            ),
            Datum::Numeric(n) => Datum::Numeric(n.abs()),
            Datum::Float8(v) => Datum::Float8(v.abs()),
            other => other.clone(),
        },
        Sign => match &vals[0] {
            Datum::Numeric(n) => Datum::Numeric(n.sign()),
            Datum::Float8(v) => Datum::Float8(if *v > 0.0 {
                1.0
            } else if *v < 0.0 {
                -1.0
            } else {
                0.0
            }),
            other => other.clone(),
        },
        Ceil | Floor => match &vals[0] {
            Datum::Numeric(n) => Datum::Numeric(if f == Ceil { n.ceil() } else { n.floor() }),
            Datum::Float8(v) => Datum::Float8(if f == Ceil { v.ceil() } else { v.floor() }),
            other => other.clone(),
        },
        Float(ff) => Datum::Float8(ff.eval(&vals)?),
        Make(mf) => mf.eval(&vals, &env.output)?,
        Jsonb(jf) => super::jsonb::eval(jf, &vals, &env.output)?,
        RegexpReplace => {
            let (global, ci) = regex_flags(vals.get(3).map(text), true)?;
            let re = super::ops::cached_regex(text(&vals[1]), ci)?;
            Datum::Text(regexp_replace(text(&vals[0]), &re, text(&vals[2]), global))
        }
        RegexpMatch => {
            let (_, ci) = regex_flags(vals.get(2).map(text), false)?;
            let re = super::ops::cached_regex(text(&vals[1]), ci)?;
            match re.captures(text(&vals[0])) {
                None => Datum::Null,
                Some(caps) => {
                    let parts: Vec<Datum> = if caps.len() == 1 {
                        vec![Datum::Text(caps[0].to_string())]
                    } else {
                        caps.iter()
                            .skip(1)
                            .map(|m| m.map_or(Datum::Null, |m| Datum::Text(m.as_str().to_string())))
                            .collect()
                    };
                    Datum::Array(std::sync::Arc::new(storage::datum::array::Array::new(
                        parts,
                    )))
                }
            }
        }
        Sqrt => match &vals[0] {
            Datum::Numeric(n) => Datum::Numeric(n.sqrt()?),
            Datum::Float8(v) => {
                if *v < 0.0 {
                    return Err(SqlError::new(
                        "2201F",
                        "cannot take square root of a negative number",
                    ));
                }
                Datum::Float8(v.sqrt())
            }
            other => other.clone(),
        },
        Round | Trunc => match (&vals[0], vals.get(1)) {
            (Datum::Numeric(n), places) => {
                let p = places.map(int).unwrap_or(0) as i32;
                Datum::Numeric(if f == Round { n.round(p) } else { n.trunc(p) })
            }
            (Datum::Float8(v), _) => Datum::Float8(if f == Round {
                v.round_ties_even()
            } else {
                v.trunc()
            }),
            (other, _) => other.clone(),
        },
        Power | Mod => {
            let op = if f == Power {
                super::ops::BinOp::Pow
            } else {
                super::ops::BinOp::Mod
            };
            let mut it = vals.into_iter();
            let (a, b) = (
                it.next().unwrap_or(Datum::Null),
                it.next().unwrap_or(Datum::Null),
            );
            super::ops::eval_binop(op, a, b, env)?
        }
        Random => Datum::Float8(match env.prng.borrow_mut().as_mut() {
            Some(seeded) => rand::Rng::r#gen::<f64>(seeded),
            None => rand::random(),
        }),
        SetSeed => {
            let Datum::Float8(seed) = vals[0] else {
                return Err(SqlError::internal("setseed argument"));
            };
            if !(-1.0..=1.0).contains(&seed) {
                return Err(SqlError::new(
                    "22023",
                    format!("setseed parameter {seed} is out of allowed range [-1,1]"),
                ));
            }
            let seeded = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(
                (seed * i64::MAX as f64) as i64 as u64,
            );
            *env.prng.borrow_mut() = Some(seeded);
            Datum::Null
        }
        Length => Datum::Int4(text(&vals[0]).chars().count() as i32),
        OctetLength => Datum::Int4(match &vals[0] {
            Datum::Bytea(b) => b.len(),
            v => text(v).len(),
        } as i32),
        // The "C" collation changes the case of ASCII letters only.
        Lower => Datum::Text(text(&vals[0]).to_ascii_lowercase()),
        Upper => Datum::Text(text(&vals[0]).to_ascii_uppercase()),
        Reverse => Datum::Text(text(&vals[0]).chars().rev().collect()),
        Initcap => Datum::Text(initcap(text(&vals[0]))),
        Md5 => Datum::Text(format!("{:x}", md5_digest(text(&vals[0]).as_bytes()))),
        Substr => {
            let s: Vec<char> = text(&vals[0]).chars().collect();
            let start = int(&vals[1]);
            let (from, to) = match vals.get(2) {
                Some(len) => {
                    let len = int(len);
                    if len < 0 {
                        return Err(SqlError::new(
                            "22011",
                            "negative substring length not allowed",
                        ));
                    }
                    (start, start.saturating_add(len))
                }
                None => (start, i64::MAX),
            };
            let from = (from.max(1) - 1) as usize;
            let to = (to.max(1) - 1).min(s.len() as i64) as usize;
            Datum::Text(if from < to {
                s[from..to].iter().collect()
            } else {
                String::new()
            })
        }
        Strpos => {
            let (hay, needle) = (text(&vals[0]), text(&vals[1]));
            Datum::Int4(match hay.find(needle) {
                Some(byte) => hay[..byte].chars().count() as i32 + 1,
                None => 0,
            })
        }
        Btrim | Ltrim | Rtrim => {
            let chars: Vec<char> = vals.get(1).map_or(vec![' '], |c| text(c).chars().collect());
            let s = text(&vals[0]);
            let r = match f {
                Btrim => s.trim_matches(|c| chars.contains(&c)),
                Ltrim => s.trim_start_matches(|c| chars.contains(&c)),
                _ => s.trim_end_matches(|c| chars.contains(&c)),
            };
            Datum::Text(r.to_string())
        }
        Replace => {
            let from = text(&vals[1]);
            Datum::Text(if from.is_empty() {
                text(&vals[0]).to_string()
            } else {
                text(&vals[0]).replace(from, text(&vals[2]))
            })
        }
        Left | Right => {
            let s: Vec<char> = text(&vals[0]).chars().collect();
            let n = int(&vals[1]);
            let len = s.len() as i64;
            let keep = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
            Datum::Text(if f == Left {
                s[..keep].iter().collect()
            } else {
                s[s.len() - keep..].iter().collect()
            })
        }
        Repeat => {
            let n = int(&vals[1]).max(0) as usize;
            let s = text(&vals[0]);
            if s.len().saturating_mul(n) > 1 << 30 {
                return Err(SqlError::new("54000", "requested length too large"));
            }
            Datum::Text(s.repeat(n))
        }
        Lpad | Rpad => {
            let s: Vec<char> = text(&vals[0]).chars().collect();
            let n = int(&vals[1]).max(0) as usize;
            if n > 1 << 28 {
                return Err(SqlError::new("54000", "requested length too large"));
            }
            let fill: Vec<char> = vals.get(2).map_or(vec![' '], |v| text(v).chars().collect());
            if s.len() >= n || fill.is_empty() {
                Datum::Text(s[..n.min(s.len())].iter().collect())
            } else {
                let pad: String = fill.iter().cycle().take(n - s.len()).collect();
                let body: String = s.iter().collect();
                Datum::Text(if f == Lpad { pad + &body } else { body + &pad })
            }
        }
        SplitPart => {
            let (s, delim, n) = (text(&vals[0]), text(&vals[1]), int(&vals[2]));
            if n == 0 {
                return Err(SqlError::new("22023", "field position must not be zero"));
            }
            let parts: Vec<&str> = if delim.is_empty() {
                vec![s]
            } else {
                s.split(delim).collect()
            };
            let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
            Datum::Text(
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| parts.get(i))
                    .copied()
                    .unwrap_or("")
                    .to_string(),
            )
        }
        StartsWith => Datum::Bool(text(&vals[0]).starts_with(text(&vals[1]))),
        Ascii => Datum::Int4(text(&vals[0]).chars().next().map_or(0, |c| c as i32)),
        Chr => {
            let n = int(&vals[0]);
            if n == 0 {
                return Err(SqlError::new("54000", "null character not permitted"));
            }
            let c = u32::try_from(n)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    SqlError::new(
                        "54000",
                        "requested character too large for encoding: ".to_string() + &n.to_string(),
                    )
                })?;
            Datum::Text(c.to_string())
        }
        TextOut => {
            let typ = args.first().map_or(TypeOid::TEXT, |a| a.typ().oid);
            Datum::Text(storage::datum::io::to_text(&vals[0], typ, &env.output).unwrap_or_default())
        }
        Extract | DatePart => {
            let field = text(&vals[0]).to_ascii_lowercase();
            let tz = &env.output.time_zone;
            let v = match &vals[1] {
                Datum::Date(d) => dt::DateTimeValue::Date(*d),
                Datum::Time(x) => dt::DateTimeValue::Time(*x),
                Datum::Timestamp(x) => dt::DateTimeValue::Timestamp(*x),
                Datum::TimestampTz(x) => dt::DateTimeValue::TimestampTz(*x, tz),
                Datum::Interval(i) => dt::DateTimeValue::Interval(i),
                _ => return Err(SqlError::internal("extract of a non-datetime value")),
            };
            let (scaled, scale) = dt::extract(&field, v)?;
            let n = Numeric::from_i128(scaled)
                .div(&Numeric::from_i128(10i128.pow(scale)))?
                .round(scale as i32);
            if f == Extract {
                Datum::Numeric(n)
            } else {
                Datum::Float8(n.to_f64())
            }
        }
        DateTrunc => {
            let field = text(&vals[0]).to_ascii_lowercase();
            match &vals[1] {
                Datum::Timestamp(x) => Datum::Timestamp(dt::date_trunc(&field, *x)?),
                Datum::TimestampTz(x) => {
                    Datum::TimestampTz(dt::date_trunc_tz(&field, *x, &env.output.time_zone)?)
                }
                _ => return Err(SqlError::internal("date_trunc of a non-timestamp value")),
            }
        }
        Age => {
            let tz = &env.output.time_zone;
            let today = dt::date_to_timestamp(dt::timestamp_to_date(
                dt::timestamptz_to_timestamp(env.txn_start, tz),
            ))?;
            match (&vals[0], vals.get(1)) {
                (Datum::Timestamp(a), Some(Datum::Timestamp(b))) => {
                    Datum::Interval(dt::timestamp_age(*a, *b)?)
                }
                (Datum::Timestamp(a), None) => Datum::Interval(dt::timestamp_age(today, *a)?),
                (Datum::TimestampTz(a), Some(Datum::TimestampTz(b))) => {
                    Datum::Interval(dt::timestamptz_age(*a, *b, tz)?)
                }
                (Datum::TimestampTz(a), None) => {
                    let midnight = dt::timestamp_to_timestamptz(today, tz)?;
                    Datum::Interval(dt::timestamptz_age(midnight, *a, tz)?)
                }
                _ => return Err(SqlError::internal("age of non-timestamp values")),
            }
        }
        JustifyDays | JustifyHours | JustifyInterval => {
            let Datum::Interval(i) = &vals[0] else {
                return Err(SqlError::internal("justify of a non-interval"));
            };
            Datum::Interval(match f {
                JustifyDays => dt::justify_days(i)?,
                JustifyHours => dt::justify_hours(i)?,
                _ => dt::justify_interval(i)?,
            })
        }
        TimeZone => {
            let zone = match &vals[0] {
                Datum::Interval(i) => dt::time_zone_from_interval(i)?,
                other => dt::parse_at_time_zone(text(other))?,
            };
            match &vals[1] {
                Datum::Timestamp(x) => Datum::TimestampTz(dt::timestamp_to_timestamptz(*x, &zone)?),
                Datum::TimestampTz(x) => Datum::Timestamp(dt::timestamptz_to_timestamp(*x, &zone)),
                _ => return Err(SqlError::internal("timezone of a non-timestamp")),
            }
        }
        ToChar => {
            use storage::datum::numformat;
            let fmt = text(&vals[1]);
            let out = match &vals[0] {
                Datum::Timestamp(x) => dt::formatting::timestamp_to_char(*x, fmt)?,
                Datum::TimestampTz(x) => {
                    dt::formatting::timestamptz_to_char(*x, fmt, &env.output.time_zone)?
                }
                Datum::Interval(i) => dt::formatting::interval_to_char(i, fmt)?,
                Datum::Numeric(n) => Some(numformat::numeric_to_char(n, fmt)?),
                Datum::Int4(v) => Some(numformat::numeric_to_char(
                    &Numeric::from_i64(i64::from(*v)),
                    fmt,
                )?),
                Datum::Int8(v) => Some(numformat::numeric_to_char(&Numeric::from_i64(*v), fmt)?),
                Datum::Float8(v) => Some(numformat::float_to_char(*v, fmt, 15)?),
                Datum::Float4(v) => Some(numformat::float_to_char(f64::from(*v), fmt, 6)?),
                _ => return Err(SqlError::internal("to_char of an unexpected type")),
            };
            out.map_or(Datum::Null, Datum::Text)
        }
        ToDate => Datum::Date(dt::formatting::to_date(text(&vals[0]), text(&vals[1]))?),
        ToTimestampFmt => Datum::TimestampTz(dt::formatting::to_timestamp(
            text(&vals[0]),
            text(&vals[1]),
            &env.output.time_zone,
        )?),
        GenRandomUuid => {
            let mut b: [u8; 16] = rand::random();
            b[6] = (b[6] & 0x0f) | 0x40;
            b[8] = (b[8] & 0x3f) | 0x80;
            Datum::Uuid(b)
        }
        TypeOfName | Coalesce | Greatest | Least | NullIf | Concat | ConcatWs | Catalog(_)
        | Notify | AdvisoryUnlockAll => {
            return Err(SqlError::internal(format!("{f:?} evaluated eagerly")));
        }
    })
}

fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_alnum = false;
    for c in s.chars() {
        if prev_alnum {
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c.to_ascii_uppercase());
        }
        prev_alnum = c.is_alphanumeric();
    }
    out
}

/// A small MD5 for `md5(text)`.
fn md5_digest(data: &[u8]) -> Md5Hex {
    Md5Hex(md5::compute(data).0)
}

struct Md5Hex([u8; 16]);

impl std::fmt::LowerHex for Md5Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::with_capacity(32);
        for b in self.0 {
            let _ = write!(s, "{b:02x}");
        }
        f.write_str(&s)
    }
}
