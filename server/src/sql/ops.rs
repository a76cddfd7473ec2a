//! Binary operators: arithmetic, comparison, concatenation and pattern
//! matching, with PostgreSQL's overflow and division-by-zero errors.
//!
//! The binder has already coerced the operands (see `bind::resolve_binop`),
//! so evaluation matches on the value pair; the few mixed pairs PostgreSQL
//! defines (date + integer, timestamp + interval, interval * float, ...)
//! are listed explicitly.

use std::cmp::Ordering;

use storage::datum::datetime as dt;
use storage::datum::{Datum, Interval, Numeric};

use super::compare::cmp_values;
use super::expr::SessionEnv;
use crate::error::{SqlError, SqlResult};

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `^`
    Pow,
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `||`
    Concat,
    /// `@>` (array contains)
    Contains,
    /// `<@` (array is contained by)
    ContainedBy,
    /// `&&` (arrays overlap)
    Overlap,
    /// `LIKE` / `ILIKE` (case-insensitive) / their negations.
    Like {
        /// ILIKE
        case_insensitive: bool,
        /// NOT LIKE
        negated: bool,
    },
    /// `&` (integers)
    BitAnd,
    /// `|`
    BitOr,
    /// `#`
    BitXor,
    /// `<<` (the count is an int4, used modulo the width as in C)
    ShiftLeft,
    /// `>>`
    ShiftRight,
    /// `~`, `~*` (case-insensitive), `!~`, `!~*`: POSIX regular expression
    /// match ([`regex_match`]).
    Regex {
        /// `~*`
        case_insensitive: bool,
        /// `!~`
        negated: bool,
    },
}

impl BinOp {
    /// True for comparison operators (result is boolean).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
        )
    }

    /// True for the integer bit operators.
    pub fn is_bitwise(self) -> bool {
        matches!(
            self,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::ShiftLeft | BinOp::ShiftRight
        )
    }

    /// The operator's symbol, for error messages.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "#",
            BinOp::ShiftLeft => "<<",
            BinOp::ShiftRight => ">>",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Eq => "=",
            BinOp::NotEq => "<>",
            BinOp::Lt => "<",
            BinOp::LtEq => "<=",
            BinOp::Gt => ">",
            BinOp::GtEq => ">=",
            BinOp::Concat => "||",
            BinOp::Contains => "@>",
            BinOp::ContainedBy => "<@",
            BinOp::Overlap => "&&",
            BinOp::Like {
                case_insensitive: false,
                negated: false,
            } => "~~",
            BinOp::Like {
                case_insensitive: false,
                negated: true,
            } => "!~~",
            BinOp::Like {
                case_insensitive: true,
                negated: false,
            } => "~~*",
            BinOp::Like {
                case_insensitive: true,
                negated: true,
            } => "!~~*",
            BinOp::Regex {
                case_insensitive: false,
                negated: false,
            } => "~",
            BinOp::Regex {
                case_insensitive: false,
                negated: true,
            } => "!~",
            BinOp::Regex {
                case_insensitive: true,
                negated: false,
            } => "~*",
            BinOp::Regex {
                case_insensitive: true,
                negated: true,
            } => "!~*",
        }
    }
}

fn out_of_range(name: &str) -> SqlError {
    SqlError::new("22003", format!("{name} out of range"))
}

fn div_zero() -> SqlError {
    SqlError::new("22012", "division by zero")
}

fn check_float(v: f64, a: f64, b: f64) -> SqlResult<f64> {
    if v.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(SqlError::new("22003", "value out of range: overflow"));
    }
    Ok(v)
}

macro_rules! int_arith {
    ($op:expr, $a:expr, $b:expr, $ty:ty, $name:literal, $variant:path) => {{
        let (a, b): ($ty, $ty) = ($a, $b);
        let r = match $op {
            BinOp::Add => a.checked_add(b),
            BinOp::Sub => a.checked_sub(b),
            BinOp::Mul => a.checked_mul(b),
            BinOp::Div => {
                if b == 0 {
                    return Err(div_zero());
                }
                a.checked_div(b)
            }
            BinOp::Mod => {
                if b == 0 {
                    return Err(div_zero());
                }
                Some(a.checked_rem(b).unwrap_or(0))
            }
            _ => return Err(no_operator($op)),
        };
        r.map($variant).ok_or_else(|| out_of_range($name))
    }};
}

fn no_operator(op: BinOp) -> SqlError {
    SqlError::internal(format!("operator {} was not resolved", op.symbol()))
}

/// Evaluates `a op b`. NULL operands give NULL.
pub fn eval_binop(op: BinOp, a: Datum, b: Datum, env: &SessionEnv) -> SqlResult<Datum> {
    if matches!(a, Datum::Null) || matches!(b, Datum::Null) {
        return Ok(Datum::Null);
    }
    if op.is_comparison() {
        let o = cmp_values(&a, &b);
        return Ok(Datum::Bool(match op {
            BinOp::Eq => o == Ordering::Equal,
            BinOp::NotEq => o != Ordering::Equal,
            BinOp::Lt => o == Ordering::Less,
            BinOp::LtEq => o != Ordering::Greater,
            BinOp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        }));
    }
    if matches!(op, BinOp::Contains | BinOp::ContainedBy | BinOp::Overlap) {
        return super::array::eval_array_binop(op, &a, &b);
    }
    use Datum::*;
    match (op, a, b) {
        (BinOp::Concat, Text(x), Text(y)) => Ok(Text(x + &y)),
        (BinOp::Concat, Bytea(mut x), Bytea(y)) => {
            x.extend_from_slice(&y);
            Ok(Bytea(x))
        }
        (
            BinOp::Like {
                case_insensitive,
                negated,
            },
            Text(s),
            Text(p),
        ) => {
            let m = like_match(&s, &p, case_insensitive)?;
            Ok(Bool(m != negated))
        }
        (
            BinOp::Regex {
                case_insensitive,
                negated,
            },
            Text(s),
            Text(p),
        ) => Ok(Bool(regex_match(&s, &p, case_insensitive)? != negated)),
        (op, x, y) if op.is_bitwise() => bitwise(op, x, y),
        (op, Int2(x), Int2(y)) => int_arith!(op, x, y, i16, "smallint", Datum::Int2),
        (op, Int4(x), Int4(y)) => int_arith!(op, x, y, i32, "integer", Datum::Int4),
        (op, Int8(x), Int8(y)) => int_arith!(op, x, y, i64, "bigint", Datum::Int8),
        (op, Float8(x), Float8(y)) => float_arith(op, x, y).map(Float8),
        (op, Float4(x), Float4(y)) => float_arith(op, f64::from(x), f64::from(y)).and_then(|v| {
            let f = v as f32;
            if f.is_infinite() && v.is_finite() {
                Err(SqlError::new("22003", "value out of range: overflow"))
            } else {
                Ok(Float4(f))
            }
        }),
        (op, Numeric(x), Numeric(y)) => numeric_arith(op, &x, &y).map(Numeric),
        (op, a, b) => datetime_arith(op, a, b, env),
    }
}

/// `&`, `|`, `#` of two integers of one type, `<<` / `>>` of an integer
/// by an int4 count (C's shift of the value widened to at least int,
/// which masks the count to the width, then narrowed back).
fn bitwise(op: BinOp, a: Datum, b: Datum) -> SqlResult<Datum> {
    use Datum::*;
    fn apply(op: BinOp, a: i64, b: i64, bits: u32) -> i64 {
        match op {
            BinOp::BitAnd => a & b,
            BinOp::BitOr => a | b,
            BinOp::BitXor => a ^ b,
            BinOp::ShiftLeft if bits == 64 => a.wrapping_shl(b as u32),
            BinOp::ShiftLeft => i64::from((a as i32).wrapping_shl(b as u32)),
            _ if bits == 64 => a.wrapping_shr(b as u32),
            _ => i64::from((a as i32).wrapping_shr(b as u32)),
        }
    }
    let int = |d: &Datum| match d {
        Int2(v) => Some(i64::from(*v)),
        Int4(v) => Some(i64::from(*v)),
        Int8(v) => Some(*v),
        _ => None,
    };
    let (Some(x), Some(y)) = (int(&a), int(&b)) else {
        return Err(no_operator(op));
    };
    Ok(match a {
        Int2(_) => Int2(apply(op, x, y, 32) as i16),
        Int4(_) => Int4(apply(op, x, y, 32) as i32),
        _ => Int8(apply(op, x, y, 64)),
    })
}

fn float_arith(op: BinOp, a: f64, b: f64) -> SqlResult<f64> {
    let v = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return Err(div_zero());
            }
            a / b
        }
        BinOp::Mod => {
            if b == 0.0 {
                return Err(div_zero());
            }
            a % b
        }
        BinOp::Pow => {
            if a == 0.0 && b < 0.0 {
                return Err(SqlError::new(
                    "2201F",
                    "zero raised to a negative power is undefined",
                ));
            }
            if a < 0.0 && b.fract() != 0.0 {
                return Err(SqlError::new(
                    "2201F",
                    "a negative number raised to a non-integer power yields a complex result",
                ));
            }
            a.powf(b)
        }
        _ => return Err(no_operator(op)),
    };
    check_float(v, a, b)
}

fn numeric_arith(op: BinOp, a: &Numeric, b: &Numeric) -> SqlResult<Numeric> {
    Ok(match op {
        BinOp::Add => a.add(b),
        BinOp::Sub => a.sub(b),
        BinOp::Mul => a.mul(b),
        BinOp::Div => a.div(b)?,
        BinOp::Mod => a.rem(b)?,
        BinOp::Pow => a.pow(b)?,
        _ => return Err(no_operator(op)),
    })
}

fn datetime_arith(op: BinOp, a: Datum, b: Datum, env: &SessionEnv) -> SqlResult<Datum> {
    use Datum::*;
    let tz = &env.output.time_zone;
    Ok(match (op, a, b) {
        (BinOp::Add, Date(d), Int4(n)) | (BinOp::Add, Int4(n), Date(d)) => {
            Date(dt::date_add_days(d, n)?)
        }
        (BinOp::Sub, Date(d), Int4(n)) => Date(dt::date_add_days(
            d,
            n.checked_neg().ok_or_else(|| out_of_range("date"))?,
        )?),
        (BinOp::Sub, Date(x), Date(y)) => Int4(dt::date_sub_date(x, y)?),
        (BinOp::Add, Date(d), Interval(i)) | (BinOp::Add, Interval(i), Date(d)) => {
            Timestamp(dt::timestamp_add_interval(dt::date_to_timestamp(d)?, &i)?)
        }
        (BinOp::Sub, Date(d), Interval(i)) => Timestamp(dt::timestamp_add_interval(
            dt::date_to_timestamp(d)?,
            &dt::interval_neg(&i)?,
        )?),
        (BinOp::Add, Date(d), Time(t)) | (BinOp::Add, Time(t), Date(d)) => {
            let base = dt::date_to_timestamp(d)?;
            Timestamp(storage::datum::Timestamp(
                base.0
                    .checked_add(t.0)
                    .ok_or_else(|| out_of_range("timestamp"))?,
            ))
        }
        (BinOp::Add, Timestamp(t), Interval(i)) | (BinOp::Add, Interval(i), Timestamp(t)) => {
            Timestamp(dt::timestamp_add_interval(t, &i)?)
        }
        (BinOp::Sub, Timestamp(t), Interval(i)) => {
            Timestamp(dt::timestamp_add_interval(t, &dt::interval_neg(&i)?)?)
        }
        (BinOp::Add, TimestampTz(t), Interval(i)) | (BinOp::Add, Interval(i), TimestampTz(t)) => {
            TimestampTz(dt::timestamptz_add_interval(t, &i, tz)?)
        }
        (BinOp::Sub, TimestampTz(t), Interval(i)) => {
            TimestampTz(dt::timestamptz_add_interval(t, &dt::interval_neg(&i)?, tz)?)
        }
        (BinOp::Sub, Timestamp(x), Timestamp(y)) => Interval(dt::timestamp_sub_timestamp(x, y)?),
        (BinOp::Sub, TimestampTz(x), TimestampTz(y)) => Interval(dt::timestamp_sub_timestamp(
            storage::datum::Timestamp(x.0),
            storage::datum::Timestamp(y.0),
        )?),
        (BinOp::Add, Time(t), Interval(i)) | (BinOp::Add, Interval(i), Time(t)) => {
            Time(time_add(t, &i))
        }
        (BinOp::Sub, Time(t), Interval(i)) => Time(time_add(t, &dt::interval_neg(&i)?)),
        (BinOp::Sub, Time(x), Time(y)) => Interval(storage::datum::Interval {
            months: 0,
            days: 0,
            micros: x.0 - y.0,
        }),
        (BinOp::Add, Interval(x), Interval(y)) => Interval(dt::interval_add(&x, &y)?),
        (BinOp::Sub, Interval(x), Interval(y)) => Interval(dt::interval_sub(&x, &y)?),
        (BinOp::Mul, Interval(x), Float8(f)) | (BinOp::Mul, Float8(f), Interval(x)) => {
            Interval(dt::interval_mul_f64(&x, &f)?)
        }
        (BinOp::Div, Interval(x), Float8(f)) => {
            if f == 0.0 {
                return Err(div_zero());
            }
            Interval(dt::interval_div_f64(&x, &f)?)
        }
        (op, a, b) => {
            return Err(SqlError::new(
                "42883",
                format!("operator does not exist: {:?} {} {:?}", a, op.symbol(), b),
            ));
        }
    })
}

fn time_add(t: storage::datum::Time, i: &Interval) -> storage::datum::Time {
    const DAY: i64 = 86_400_000_000;
    storage::datum::Time((t.0 + i.micros).rem_euclid(DAY))
}

/// Unary minus.
pub fn negate(v: Datum) -> SqlResult<Datum> {
    use Datum::*;
    Ok(match v {
        Null => Null,
        Int2(x) => Int2(x.checked_neg().ok_or_else(|| out_of_range("smallint"))?),
        Int4(x) => Int4(x.checked_neg().ok_or_else(|| out_of_range("integer"))?),
        Int8(x) => Int8(x.checked_neg().ok_or_else(|| out_of_range("bigint"))?),
        Float4(x) => Float4(-x),
        Float8(x) => Float8(-x),
        Numeric(n) => Numeric(n.neg()),
        Interval(i) => Interval(dt::interval_neg(&i)?),
        other => {
            return Err(SqlError::new(
                "42883",
                format!("operator does not exist: - {other:?}"),
            ));
        }
    })
}

/// Compiled patterns kept per thread, so a regex operator in a scan
/// compiles its pattern once, not once per row.
const REGEX_CACHE_SIZE: usize = 16;

thread_local! {
    static REGEX_CACHE: std::cell::RefCell<Vec<(String, bool, regex::Regex)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `s ~ pattern` (`~*` when `case_insensitive`). PostgreSQL's advanced
/// regular expressions are matched with the `regex` crate, whose syntax
/// agrees for the patterns tools send (anchors, classes, alternation,
/// groups, repetition); a pattern it rejects is an invalid regular
/// expression (2201B). Back-references are not supported by it.
pub fn regex_match(s: &str, pattern: &str, case_insensitive: bool) -> SqlResult<bool> {
    Ok(cached_regex(pattern, case_insensitive)?.is_match(s))
}

/// `pattern` compiled (see [`regex_match`] for the dialect), from the
/// per-thread cache when it was compiled lately.
pub fn cached_regex(pattern: &str, case_insensitive: bool) -> SqlResult<regex::Regex> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, _, re)) = cache
            .iter()
            .find(|(p, ci, _)| p == pattern && *ci == case_insensitive)
        {
            return Ok(re.clone());
        }
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .build()
            .map_err(|e| {
                SqlError::new(
                    "2201B",
                    format!(
                        "invalid regular expression: {}",
                        e.to_string().lines().last().unwrap_or("")
                    ),
                )
            })?;
        if cache.len() >= REGEX_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((pattern.to_string(), case_insensitive, re.clone()));
        Ok(re)
    })
}

/// SQL LIKE with `%`, `_` and backslash escapes.
pub fn like_match(s: &str, pattern: &str, case_insensitive: bool) -> SqlResult<bool> {
    let (s, p): (Vec<char>, Vec<char>) = if case_insensitive {
        (
            s.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    } else {
        (s.chars().collect(), pattern.chars().collect())
    };
    if p.last() == Some(&'\\') && p.iter().rev().take_while(|c| **c == '\\').count() % 2 == 1 {
        return Err(SqlError::new(
            "22025",
            "LIKE pattern must not end with escape character",
        ));
    }
    Ok(like_at(&s, &p))
}

fn like_at(s: &[char], p: &[char]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let (mut star_p, mut star_s) = (None, 0);
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                '%' => {
                    star_p = Some(pi);
                    star_s = si;
                    pi += 1;
                    continue;
                }
                '_' => {
                    si += 1;
                    pi += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == s[si] => {
                    si += 1;
                    pi += 2;
                    continue;
                }
                c if c == s[si] => {
                    si += 1;
                    pi += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star_p {
            Some(sp) => {
                pi = sp + 1;
                star_s += 1;
                si = star_s;
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like_match("hello", "h%o", false).unwrap());
        assert!(like_match("hello", "_ello", false).unwrap());
        assert!(!like_match("hello", "h_o", false).unwrap());
        assert!(like_match("50%", "50\\%", false).unwrap());
        assert!(!like_match("501", "50\\%", false).unwrap());
        assert!(like_match("HeLLo", "hello", true).unwrap());
        assert!(like_match("", "%", false).unwrap());
        assert!(like_match("abcabc", "%bc%bc", false).unwrap());
        assert_eq!(like_match("a", "a\\", false).unwrap_err().code, "22025");
    }
}
