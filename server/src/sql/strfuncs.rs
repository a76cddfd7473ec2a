//! String and integer functions of PostgreSQL's `varlena.c`,
//! `oracle_compat.c`, `like.c` and `int.c` that the rest of the SQL layer
//! does not need:
//!
//! | function                                 | returns | what                                           |
//! |------------------------------------------|---------|------------------------------------------------|
//! | `format(fmt, args...)`                   | text    | `%s`, `%I`, `%L`, `%%`, positions `%2$s`, widths `%-10s`, `%*s` |
//! | `translate(s, from, to)`                 | text    | each char of `from` replaced by the one at its place in `to`, or removed |
//! | `overlay(s placing r from n [for m])`    | text    | `s` with `m` (default: `r`'s length) characters from `n` replaced by `r` |
//! | `like_escape(pattern, escape)`           | text    | `pattern` rewritten to use `\` as its escape (`LIKE ... ESCAPE e`) |
//! | `similar_to_escape(pattern [, escape])`  | text    | a SQL regular expression as the POSIX one `SIMILAR TO` matches with |
//! | `regexp_split_to_array(s, re [, flags])` | text[]  | the pieces between matches                     |
//! | `gcd(a, b)`, `lcm(a, b)`                 | int     | of int2/int4/int8 (22003 on overflow)          |
//! | `width_bucket(x, lo, hi, n)`             | int4    | the bucket of `x` among `n` equal ones (numeric or float8) |
//!
//! `format` is not strict: a NULL argument prints as nothing (`%s`), is an
//! error for `%I` (22004), and prints `NULL` for `%L`.

use std::sync::Arc;

use storage::datum::{Datum, Numeric, SqlType, TypeOid};

use super::bind::coerce;
use super::cast::CastContext;
use super::expr::Expr;
use super::func::Builtin;
use crate::error::{SqlError, SqlResult};

/// A function of this module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrFn {
    /// `format(fmt, ...)`
    Format,
    /// `translate(s, from, to)`
    Translate,
    /// `overlay(s placing r from n [for m])`
    Overlay,
    /// `like_escape(pattern, escape)`
    LikeEscape,
    /// `similar_to_escape(pattern [, escape])`
    SimilarToEscape,
    /// `regexp_split_to_array(s, re [, flags])`
    RegexpSplitToArray,
    /// `gcd(a, b)`
    Gcd,
    /// `lcm(a, b)`
    Lcm,
    /// `width_bucket(x, lo, hi, n)`
    WidthBucket,
}

/// True if `name` is a function of this module.
pub fn handles(name: &str) -> bool {
    matches!(
        name,
        "format"
            | "translate"
            | "overlay"
            | "like_escape"
            | "similar_to_escape"
            | "regexp_split_to_array"
            | "gcd"
            | "lcm"
            | "width_bucket"
    )
}

fn t(oid: TypeOid) -> SqlType {
    SqlType::new(oid)
}

fn no_function(name: &str, args: &[Expr]) -> SqlError {
    let types: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
    SqlError::undefined_function(&format!("{name}({})", types.join(", ")))
}

fn all_text(args: Vec<Expr>) -> SqlResult<Vec<Expr>> {
    args.into_iter()
        .map(|a| coerce(a, t(TypeOid::TEXT), CastContext::Implicit))
        .collect()
}

/// Binds a call of `name` (one of [`handles`]).
pub fn resolve(name: &str, args: Vec<Expr>) -> SqlResult<Option<Expr>> {
    let call = |f: StrFn, args: Vec<Expr>, ret: TypeOid| {
        Ok(Some(Expr::Func(Builtin::Str(f), args, t(ret))))
    };
    let n = args.len();
    match name {
        "format" if n >= 1 => {
            // Arguments print through their types' output functions.
            let args = args
                .into_iter()
                .map(|a| match a.typ().oid {
                    TypeOid::TEXT => Ok(a),
                    TypeOid::UNKNOWN => coerce(a, t(TypeOid::TEXT), CastContext::Implicit),
                    _ => Ok(Expr::Func(Builtin::TextOut, vec![a], t(TypeOid::TEXT))),
                })
                .collect::<SqlResult<Vec<_>>>()?;
            call(StrFn::Format, args, TypeOid::TEXT)
        }
        "translate" if n == 3 => call(StrFn::Translate, all_text(args)?, TypeOid::TEXT),
        "overlay" if n == 3 || n == 4 => {
            let mut args = args;
            let counts = args.split_off(2);
            let mut bound = all_text(args)?;
            for c in counts {
                bound.push(coerce(c, t(TypeOid::INT4), CastContext::Implicit)?);
            }
            call(StrFn::Overlay, bound, TypeOid::TEXT)
        }
        "like_escape" if n == 2 => call(StrFn::LikeEscape, all_text(args)?, TypeOid::TEXT),
        "similar_to_escape" if n == 1 || n == 2 => {
            call(StrFn::SimilarToEscape, all_text(args)?, TypeOid::TEXT)
        }
        "regexp_split_to_array" if n == 2 || n == 3 => call(
            StrFn::RegexpSplitToArray,
            all_text(args)?,
            TypeOid::TEXT_ARRAY,
        ),
        "gcd" | "lcm" if n == 2 => {
            let rank = |e: &Expr| match e.typ().oid {
                TypeOid::INT2 | TypeOid::INT4 | TypeOid::UNKNOWN => Some(1),
                TypeOid::INT8 => Some(2),
                TypeOid::NUMERIC => Some(3),
                _ => None,
            };
            let (Some(a), Some(b)) = (rank(&args[0]), rank(&args[1])) else {
                return Err(no_function(name, &args));
            };
            let ty = match a.max(b) {
                1 => TypeOid::INT4,
                2 => TypeOid::INT8,
                _ => return Err(SqlError::unsupported(format!("{name}(numeric, numeric)"))),
            };
            let args = args
                .into_iter()
                .map(|a| coerce(a, t(ty), CastContext::Implicit))
                .collect::<SqlResult<Vec<_>>>()?;
            let f = if name == "gcd" {
                StrFn::Gcd
            } else {
                StrFn::Lcm
            };
            call(f, args, ty)
        }
        "width_bucket" if n == 4 => {
            let float = args[..3]
                .iter()
                .any(|a| matches!(a.typ().oid, TypeOid::FLOAT4 | TypeOid::FLOAT8));
            let ty = if float {
                TypeOid::FLOAT8
            } else {
                TypeOid::NUMERIC
            };
            let mut args = args;
            let count = args.pop().ok_or_else(|| no_function(name, &[]))?;
            let mut bound = args
                .into_iter()
                .map(|a| coerce(a, t(ty), CastContext::Implicit))
                .collect::<SqlResult<Vec<_>>>()?;
            bound.push(coerce(count, t(TypeOid::INT4), CastContext::Implicit)?);
            call(StrFn::WidthBucket, bound, TypeOid::INT4)
        }
        _ => Err(no_function(name, &args)),
    }
}

/// Evaluates `f` on its argument values (NULLs included: only `format`
/// is not strict).
pub fn call(f: StrFn, vals: &[Datum]) -> SqlResult<Datum> {
    if f != StrFn::Format && vals.iter().any(|v| matches!(v, Datum::Null)) {
        return Ok(Datum::Null);
    }
    let text = |i: usize| match vals.get(i) {
        Some(Datum::Text(s)) => Some(s.as_str()),
        _ => None,
    };
    Ok(match f {
        StrFn::Format => match text(0) {
            None => Datum::Null,
            Some(fmt) => Datum::Text(format(fmt, &vals[1..])?),
        },
        StrFn::Translate => Datum::Text(translate(
            text(0).unwrap_or_default(),
            text(1).unwrap_or_default(),
            text(2).unwrap_or_default(),
        )),
        StrFn::Overlay => {
            let int = |i: usize| match vals.get(i) {
                Some(Datum::Int4(v)) => Some(i64::from(*v)),
                _ => None,
            };
            let (s, r) = (text(0).unwrap_or_default(), text(1).unwrap_or_default());
            let from = int(2).unwrap_or(1);
            let count = int(3).unwrap_or(r.chars().count() as i64);
            Datum::Text(overlay(s, r, from, count)?)
        }
        StrFn::SimilarToEscape => Datum::Text(similar_to_escape(
            text(0).unwrap_or_default(),
            if vals.len() > 1 { text(1) } else { Some("\\") },
        )?),
        StrFn::LikeEscape => Datum::Text(like_escape(
            text(0).unwrap_or_default(),
            text(1).unwrap_or_default(),
        )?),
        StrFn::RegexpSplitToArray => {
            let (_, ci) = super::func::regex_flags(text(2), false)?;
            let re = super::ops::cached_regex(text(1).unwrap_or_default(), ci)?;
            let parts = split(&re, text(0).unwrap_or_default());
            Datum::Array(Arc::new(storage::datum::array::Array::new(
                parts.into_iter().map(Datum::Text).collect(),
            )))
        }
        StrFn::Gcd | StrFn::Lcm => int_pair(f, &vals[0], &vals[1])?,
        StrFn::WidthBucket => width_bucket(vals)?,
    })
}

/// The pieces of `s` between the matches of `re`, as PostgreSQL splits:
/// an empty match at the end of the string or where the previous match
/// ended does not split.
fn split(re: &regex::Regex, s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut start, mut prev_end) = (0, 0);
    for m in re.find_iter(s) {
        let keep = m.start() < m.end() || (m.start() < s.len() && m.end() > prev_end);
        prev_end = m.end();
        if keep {
            parts.push(s[start..m.start()].to_string());
            start = m.end();
        }
    }
    parts.push(s[start..].to_string());
    parts
}

/// `overlay(s placing r from from for count)`: PostgreSQL's
/// `substring(s, 1, from - 1) || r || substring(s, from + count)`.
fn overlay(s: &str, r: &str, from: i64, count: i64) -> SqlResult<String> {
    if from < 1 || count < 0 {
        return Err(SqlError::new(
            "22011",
            "negative substring length not allowed",
        ));
    }
    let chars: Vec<char> = s.chars().collect();
    let head = usize::try_from(from - 1)
        .unwrap_or(usize::MAX)
        .min(chars.len());
    let tail = usize::try_from(from.saturating_add(count) - 1)
        .unwrap_or(usize::MAX)
        .min(chars.len());
    let mut out: String = chars[..head].iter().collect();
    out.push_str(r);
    out.extend(&chars[tail..]);
    Ok(out)
}

/// `translate(s, from, to)`.
fn translate(s: &str, from: &str, to: &str) -> String {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    s.chars()
        .filter_map(|c| match from.iter().position(|&f| f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect()
}

/// `like_escape(pattern, escape)`: the pattern with `escape` as its escape
/// character rewritten for `\`; an empty escape means none.
fn like_escape(pattern: &str, escape: &str) -> SqlResult<String> {
    let mut esc = escape.chars();
    let e = match (esc.next(), esc.next()) {
        (None, _) => None,
        (Some(c), None) => Some(c),
        _ => {
            return Err(SqlError::new("22025", "invalid escape string")
                .with_hint("Escape string must be empty or one character."));
        }
    };
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == e {
            let next = chars.next().ok_or_else(|| {
                SqlError::new("22025", "LIKE pattern must not end with escape character")
            })?;
            out.push('\\');
            out.push(next);
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// PostgreSQL's `similar_escape`: the SQL regular expression `pattern`
/// (escape character `escape`, none if empty) as an anchored POSIX one:
/// `%` is `.*`, `_` is `.`, bracket expressions are kept, and `.`, `^`,
/// `$` and `\` match themselves.
fn similar_to_escape(pattern: &str, escape: Option<&str>) -> SqlResult<String> {
    let mut esc = escape.unwrap_or_default().chars();
    let e = match (esc.next(), esc.next()) {
        (None, _) => None,
        (Some(c), None) => Some(c),
        _ => {
            return Err(SqlError::new("22025", "invalid escape string")
                .with_hint("Escape string must be empty or one character."));
        }
    };
    let mut out = String::from("^(?:");
    let mut in_bracket = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if Some(c) == e && !in_bracket {
            match chars.next() {
                // The separator of SUBSTRING(... SIMILAR ...): no meaning
                // to a match.
                Some('"') => {}
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => {
                    return Err(SqlError::new(
                        "2201B",
                        "invalid regular expression: trailing escape",
                    ));
                }
            }
            continue;
        }
        if in_bracket {
            if c == ']' {
                in_bracket = false;
            } else if c == '\\' {
                out.push('\\');
            }
            out.push(c);
            continue;
        }
        match c {
            '[' => {
                in_bracket = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            '(' => out.push_str("(?:"),
            '.' | '^' | '$' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push_str(")$");
    Ok(out)
}

fn int_pair(f: StrFn, a: &Datum, b: &Datum) -> SqlResult<Datum> {
    let (x, y, wide) = match (a, b) {
        (Datum::Int4(x), Datum::Int4(y)) => (i64::from(*x), i64::from(*y), false),
        (Datum::Int8(x), Datum::Int8(y)) => (*x, *y, true),
        _ => return Err(SqlError::internal("gcd/lcm of non-integers")),
    };
    let overflow = || {
        SqlError::new(
            "22003",
            if wide {
                "bigint out of range"
            } else {
                "integer out of range"
            },
        )
    };
    let gcd = |mut a: i128, mut b: i128| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a.abs()
    };
    let g = gcd(i128::from(x), i128::from(y));
    let v = match f {
        StrFn::Gcd => g,
        _ if x == 0 || y == 0 => 0,
        _ => (i128::from(x) / g * i128::from(y)).abs(),
    };
    if wide {
        i64::try_from(v).map(Datum::Int8).map_err(|_| overflow())
    } else {
        i32::try_from(v).map(Datum::Int4).map_err(|_| overflow())
    }
}

/// `width_bucket(x, lo, hi, n)`: 0 below the range, `n + 1` above it.
fn width_bucket(vals: &[Datum]) -> SqlResult<Datum> {
    let Datum::Int4(count) = vals[3] else {
        return Err(SqlError::internal("width_bucket count"));
    };
    if count <= 0 {
        return Err(SqlError::new("2201G", "count must be greater than zero"));
    }
    let num = |d: &Datum| -> SqlResult<f64> {
        match d {
            Datum::Float8(v) => Ok(*v),
            Datum::Numeric(n) => Ok(n.to_f64()),
            _ => Err(SqlError::internal("width_bucket operand")),
        }
    };
    let (x, lo, hi) = (num(&vals[0])?, num(&vals[1])?, num(&vals[2])?);
    if [x, lo, hi].iter().any(|v| v.is_nan()) {
        return Err(SqlError::new(
            "2201G",
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    if lo == hi {
        return Err(SqlError::new(
            "2201G",
            "lower bound cannot equal upper bound",
        ));
    }
    let n = f64::from(count);
    let bucket = if lo < hi {
        if x < lo {
            0.0
        } else if x >= hi {
            n + 1.0
        } else {
            ((x - lo) / (hi - lo) * n).floor() + 1.0
        }
    } else if x > lo {
        0.0
    } else if x <= hi {
        n + 1.0
    } else {
        ((lo - x) / (lo - hi) * n).floor() + 1.0
    };
    if matches!(vals[0], Datum::Numeric(_)) {
        return numeric_bucket(vals, count).map(Datum::Int4);
    }
    i32::try_from(bucket as i64)
        .map(Datum::Int4)
        .map_err(|_| SqlError::new("22003", "integer out of range"))
}

/// `width_bucket` of numerics, computed exactly.
fn numeric_bucket(vals: &[Datum], count: i32) -> SqlResult<i32> {
    let n = |d: &Datum| match d {
        Datum::Numeric(v) => Ok(v.clone()),
        _ => Err(SqlError::internal("width_bucket operand")),
    };
    let (x, lo, hi) = (n(&vals[0])?, n(&vals[1])?, n(&vals[2])?);
    let ascending = lo < hi;
    let below = if ascending { x < lo } else { x > lo };
    let above = if ascending { x >= hi } else { x <= hi };
    if below {
        return Ok(0);
    }
    if above {
        return count
            .checked_add(1)
            .ok_or_else(|| SqlError::new("22003", "integer out of range"));
    }
    let (num, den) = if ascending {
        (x.sub(&lo), hi.sub(&lo))
    } else {
        (lo.sub(&x), lo.sub(&hi))
    };
    let scaled = num
        .mul(&Numeric::from_i64(i64::from(count)))
        .div(&den)
        .map_err(|e| SqlError::new("22003", e.to_string()))?;
    let bucket = scaled.floor().to_f64() as i64 + 1;
    i32::try_from(bucket).map_err(|_| SqlError::new("22003", "integer out of range"))
}

/// `format(fmt, args)`: PostgreSQL's `text_format`.
fn format(fmt: &str, args: &[Datum]) -> SqlResult<String> {
    let bad = |m: &str| SqlError::new("22023", m.to_string());
    let mut out = String::with_capacity(fmt.len());
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut next_arg = 0usize;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(&first) = chars.get(i) else {
            return Err(bad("unterminated format() type specifier")
                .with_hint("For a single \"%\" use \"%%\"."));
        };
        if first == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        // [position$][flags][width][type]
        let mut position = None;
        let digits = |i: &mut usize| {
            let start = *i;
            while chars.get(*i).is_some_and(char::is_ascii_digit) {
                *i += 1;
            }
            (start != *i).then(|| chars[start..*i].iter().collect::<String>())
        };
        let save = i;
        if let Some(d) = digits(&mut i) {
            if chars.get(i) == Some(&'$') {
                position = Some(parse_count(&d)?);
                i += 1;
            } else {
                i = save;
            }
        }
        let mut left = false;
        while chars.get(i) == Some(&'-') {
            left = true;
            i += 1;
        }
        let mut width: Option<i64> = None;
        if chars.get(i) == Some(&'*') {
            i += 1;
            let save = i;
            let from = match digits(&mut i) {
                Some(d) if chars.get(i) == Some(&'$') => {
                    i += 1;
                    parse_count(&d)?
                }
                _ => {
                    i = save;
                    next_arg += 1;
                    next_arg
                }
            };
            let w = args
                .get(from - 1)
                .ok_or_else(|| bad("too few arguments for format()"))?;
            width = match w {
                Datum::Null => None,
                Datum::Text(s) => Some(s.trim().parse().map_err(|_| {
                    SqlError::new(
                        "22P02",
                        format!("invalid input syntax for type integer: \"{s}\""),
                    )
                })?),
                _ => None,
            };
        } else if let Some(d) = digits(&mut i) {
            width = Some(parse_count(&d)? as i64);
        }
        let Some(&kind) = chars.get(i) else {
            return Err(bad("unterminated format() type specifier")
                .with_hint("For a single \"%\" use \"%%\"."));
        };
        i += 1;
        let index = match position {
            Some(p) => {
                next_arg = p;
                p
            }
            None => {
                next_arg += 1;
                next_arg
            }
        };
        let value = args
            .get(index - 1)
            .ok_or_else(|| bad("too few arguments for format()"))?;
        let piece = match (kind, value) {
            ('s', Datum::Null) => String::new(),
            ('s', Datum::Text(s)) => s.clone(),
            ('I', Datum::Null) => {
                return Err(SqlError::new(
                    "22004",
                    "null values cannot be formatted as an SQL identifier",
                ));
            }
            ('I', Datum::Text(s)) => super::bind::quote_ident(s),
            ('L', Datum::Null) => "NULL".to_string(),
            ('L', Datum::Text(s)) => quote_literal(s),
            (other, _) if !matches!(other, 's' | 'I' | 'L') => {
                return Err(
                    bad(&format!("unrecognized format() type specifier \"{other}\""))
                        .with_hint("For a single \"%\" use \"%%\"."),
                );
            }
            _ => String::new(),
        };
        let (left, width) = match width {
            Some(w) if w < 0 => (true, w.unsigned_abs() as usize),
            Some(w) => (left, w as usize),
            None => (left, 0),
        };
        let len = piece.chars().count();
        if len >= width {
            out.push_str(&piece);
        } else if left {
            out.push_str(&piece);
            out.extend(std::iter::repeat_n(' ', width - len));
        } else {
            out.extend(std::iter::repeat_n(' ', width - len));
            out.push_str(&piece);
        }
    }
    Ok(out)
}

fn parse_count(d: &str) -> SqlResult<usize> {
    match d.parse::<usize>() {
        Ok(0) => Err(SqlError::new(
            "22023",
            "format specifies argument 0, but arguments are numbered from 1",
        )),
        Ok(n) if n <= i32::MAX as usize => Ok(n),
        _ => Err(SqlError::new("22023", "number is out of range")),
    }
}

/// `quote_literal`: single quotes doubled; with a backslash, an `E''`
/// string with the backslashes doubled too.
pub fn quote_literal(s: &str) -> String {
    let body = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Datum {
        Datum::Text(s.into())
    }

    #[test]
    fn format_follows_text_format() {
        let args = [text("a"), text("B c"), text("x'y")];
        assert_eq!(format("%s-%I-%L", &args).unwrap(), "a-\"B c\"-'x''y'");
        assert_eq!(format("%2$s %1$s %s", &args).unwrap(), "B c a B c");
        assert_eq!(format("[%5s][%-5s]", &args).unwrap(), "[    a][B c  ]");
        assert_eq!(
            format("%L %s|", &[Datum::Null, Datum::Null]).unwrap(),
            "NULL |"
        );
        assert_eq!(format("100%%", &[]).unwrap(), "100%");
        assert_eq!(format("%s", &[]).unwrap_err().code, "22023");
        assert_eq!(format("%I", &[Datum::Null]).unwrap_err().code, "22004");
        assert_eq!(format("%x", &args).unwrap_err().code, "22023");
    }

    #[test]
    fn like_escape_rewrites_for_backslash() {
        assert_eq!(like_escape("a!_b", "!").unwrap(), "a\\_b");
        assert_eq!(like_escape("a\\b", "!").unwrap(), "a\\\\b");
        assert_eq!(like_escape("a!", "!").unwrap_err().code, "22025");
        assert_eq!(like_escape("a", "ab").unwrap_err().code, "22025");
    }

    #[test]
    fn translate_replaces_and_removes() {
        assert_eq!(translate("12345", "143", "ax"), "a2x5");
    }
}
