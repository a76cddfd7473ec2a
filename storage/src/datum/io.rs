//! Text and binary forms of values, as PostgreSQL's type input/output and
//! send/receive functions produce and accept them.
//!
//! Text output follows PostgreSQL 15 with `DateStyle = ISO, MDY`,
//! `IntervalStyle = postgres`, `bytea_output = hex` and the session's
//! `TimeZone` and `extra_float_digits`. Binary forms are PostgreSQL's
//! `*send`/`*recv` formats (big-endian), which tokio-postgres, asyncpg and
//! pgjdbc parse byte for byte.

use std::fmt::Write as _;

use jiff::tz::TimeZone;

use super::types::TypeOid;
use super::{Date, Datum, DatumError, Interval, Numeric, SqlType, Time, Timestamp, TimestampTz};

/// Session settings that change how values print.
#[derive(Clone, Debug)]
pub struct OutputOptions {
    /// `TimeZone`, for timestamptz.
    pub time_zone: TimeZone,
    /// `extra_float_digits`: 1 (the default) and above print the shortest
    /// exact form; 0 and below print 15 (float8) or 6 (float4) significant
    /// digits, reduced by the negative amount.
    pub extra_float_digits: i32,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            time_zone: TimeZone::UTC,
            extra_float_digits: 1,
        }
    }
}

/// Appends the text form of `d` (which must not be NULL) to `out`.
pub fn output_text(d: &Datum, typ: TypeOid, opts: &OutputOptions, out: &mut String) {
    match d {
        Datum::Null => {}
        Datum::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Datum::Int2(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::Int4(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::Int8(v) if typ == TypeOid::PG_LSN => {
            let _ = write!(out, "{}", wal::Lsn(*v as u64));
        }
        Datum::Int8(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::Oid(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::Float4(v) => format_float(
            f64::from(*v),
            *v as f64,
            6,
            opts.extra_float_digits,
            true,
            out,
        ),
        Datum::Float8(v) => format_float(*v, *v, 15, opts.extra_float_digits, false, out),
        Datum::Numeric(n) => {
            let _ = write!(out, "{n}");
        }
        Datum::Text(s) | Datum::Json(s) | Datum::Jsonb(s) => {
            let _ = typ;
            out.push_str(s)
        }
        Datum::Bytea(b) => {
            out.push_str("\\x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
        }
        Datum::Date(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::Time(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::Timestamp(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::TimestampTz(v) => out.push_str(&v.format(&opts.time_zone)),
        Datum::Interval(v) => {
            let _ = write!(out, "{v}");
        }
        Datum::Array(a) => {
            super::array::output_array(a, typ.elem_type().unwrap_or(TypeOid::TEXT), opts, out)
        }
        Datum::Uuid(u) => {
            for (i, byte) in u.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push('-');
                }
                let _ = write!(out, "{byte:02x}");
            }
        }
    }
}

/// The text form of `d` as a new string (NULL gives `None`).
pub fn to_text(d: &Datum, typ: TypeOid, opts: &OutputOptions) -> Option<String> {
    if matches!(d, Datum::Null) {
        return None;
    }
    let mut s = String::new();
    output_text(d, typ, opts, &mut s);
    Some(s)
}

/// PostgreSQL's float output: `NaN`, `Infinity`, shortest round-trip digits
/// in plain notation for decimal exponents in `-4..precision`, otherwise
/// `d.ddde+XX`.
fn format_float(
    v: f64,
    shortest_src: f64,
    precision: i32,
    extra: i32,
    is_f4: bool,
    out: &mut String,
) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    let sci = if extra > 0 {
        if is_f4 {
            format!("{:e}", shortest_src as f32)
        } else {
            format!("{shortest_src:e}")
        }
    } else {
        let digits = (precision + extra).max(1) as usize;
        format!("{:.*e}", digits - 1, v)
    };
    let Some((mantissa, exp)) = sci.split_once('e') else {
        out.push_str(&sci);
        return;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if extra <= 0 {
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
    }
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= precision {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

fn parse_int<T: std::str::FromStr>(
    s: &str,
    name: &'static str,
    range: &str,
) -> Result<T, DatumError> {
    let t = s.trim();
    match t.parse::<T>() {
        Ok(v) => Ok(v),
        Err(_) => {
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                Err(DatumError::NumericValueOutOfRange(format!(
                    "value \"{s}\" is out of range for type {range}"
                )))
            } else {
                Err(DatumError::invalid_text(name, s))
            }
        }
    }
}

fn parse_float(s: &str, name: &'static str) -> Result<f64, DatumError> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let v = match lower.as_str() {
        "nan" => f64::NAN,
        "infinity" | "+infinity" | "inf" | "+inf" => f64::INFINITY,
        "-infinity" | "-inf" => f64::NEG_INFINITY,
        _ => {
            if lower.contains("inf") || lower.contains("nan") || lower.is_empty() {
                return Err(DatumError::invalid_text(name, s));
            }
            t.parse::<f64>()
                .map_err(|_| DatumError::invalid_text(name, s))?
        }
    };
    if v.is_infinite() && !lower.contains("inf") {
        return Err(DatumError::NumericValueOutOfRange(format!(
            "\"{s}\" is out of range for type {name}"
        )));
    }
    Ok(v)
}

fn parse_bool(s: &str) -> Result<bool, DatumError> {
    let t = s.trim().to_ascii_lowercase();
    let accepted = |full: &str| !t.is_empty() && full.starts_with(t.as_str());
    if accepted("true") || accepted("yes") || t == "on" || t == "1" {
        Ok(true)
    } else if accepted("false") || (t.len() >= 2 && accepted("off")) || accepted("no") || t == "0" {
        Ok(false)
    } else {
        Err(DatumError::invalid_text("boolean", s))
    }
}

fn bad_hex_digit(c: char) -> DatumError {
    DatumError::InvalidParameterValue(format!("invalid hexadecimal digit: \"{c}\""))
}

fn parse_bytea(s: &str) -> Result<Vec<u8>, DatumError> {
    if let Some(hex) = s.strip_prefix("\\x") {
        let digits: Vec<char> = hex.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let mut out = Vec::with_capacity(digits.len() / 2);
        for pair in digits.chunks(2) {
            let hi = pair[0].to_digit(16).ok_or_else(|| bad_hex_digit(pair[0]))?;
            let Some(&lo_c) = pair.get(1) else {
                return Err(DatumError::InvalidParameterValue(
                    "invalid hexadecimal data: odd number of digits".into(),
                ));
            };
            let lo = lo_c.to_digit(16).ok_or_else(|| bad_hex_digit(lo_c))?;
            out.push((hi * 16 + lo) as u8);
        }
        return Ok(out);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
        } else if bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            let oct = bytes
                .get(i + 1..i + 4)
                .ok_or_else(|| DatumError::invalid_text("bytea", s))?;
            if !oct.iter().all(|b| (b'0'..=b'7').contains(b)) || oct[0] > b'3' {
                return Err(DatumError::invalid_text("bytea", s));
            }
            out.push((oct[0] - b'0') * 64 + (oct[1] - b'0') * 8 + (oct[2] - b'0'));
            i += 4;
        }
    }
    Ok(out)
}

/// PostgreSQL's `string_to_uuid`: 32 hex digits, a hyphen allowed after
/// any group of four, the whole optionally in braces; nothing else (no
/// surrounding spaces, no `urn:uuid:` prefix).
fn parse_uuid(s: &str) -> Result<[u8; 16], DatumError> {
    let bad = || DatumError::invalid_text("uuid", s);
    let mut b = s.as_bytes();
    let braces = b.first() == Some(&b'{');
    if braces {
        b = &b[1..];
    }
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        let (Some(&h), Some(&l)) = (b.first(), b.get(1)) else {
            return Err(bad());
        };
        *byte = hex(h).ok_or_else(bad)? * 16 + hex(l).ok_or_else(bad)?;
        b = &b[2..];
        if b.first() == Some(&b'-') && i % 2 == 1 && i < 15 {
            b = &b[1..];
        }
    }
    if braces {
        if b.first() != Some(&b'}') {
            return Err(bad());
        }
        b = &b[1..];
    }
    if !b.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// Applies a `varchar(n)` / `char(n)` length limit as an explicit or
/// assignment cast would with `explicit` false: too-long values are an error
/// unless the excess is spaces; `char(n)` pads with spaces.
pub fn apply_char_typmod(s: String, typ: SqlType, explicit: bool) -> Result<String, DatumError> {
    if typ.typmod < 4 || !matches!(typ.oid, TypeOid::VARCHAR | TypeOid::BPCHAR) {
        return Ok(s);
    }
    let max = (typ.typmod - 4) as usize;
    let len = s.chars().count();
    if len > max {
        let cut: usize = s.char_indices().nth(max).map_or(s.len(), |(i, _)| i);
        if !explicit && !s[cut..].bytes().all(|b| b == b' ') {
            let name = if typ.oid == TypeOid::VARCHAR {
                "character varying"
            } else {
                "character"
            };
            return Err(DatumError::StringDataRightTruncation(format!(
                "value too long for type {name}({max})"
            )));
        }
        return Ok(s[..cut].to_string());
    }
    if typ.oid == TypeOid::BPCHAR && len < max {
        let mut padded = s;
        padded.extend(std::iter::repeat_n(' ', max - len));
        return Ok(padded);
    }
    Ok(s)
}

/// Rounds a time, timestamp or interval to the fractional-second
/// precision of its type modifier (`time(p)`, `timestamp(p)`, ...).
pub fn apply_time_typmod(d: Datum, typmod: i32) -> Datum {
    let Ok(p) = u8::try_from(typmod) else {
        return d;
    };
    if p >= 6 {
        return d;
    }
    match d {
        Datum::Time(t) => Datum::Time(t.round_to_precision(p)),
        Datum::Timestamp(t) => Datum::Timestamp(t.round_to_precision(p)),
        Datum::TimestampTz(t) => Datum::TimestampTz(t.round_to_precision(p)),
        Datum::Interval(i) => Datum::Interval(i.round_to_precision(p)),
        other => other,
    }
}

/// Reads the text form `s` as a value of `typ` (PostgreSQL's input
/// function, then the type modifier).
pub fn input_text(s: &str, typ: SqlType, opts: &OutputOptions) -> Result<Datum, DatumError> {
    if let Some(elem) = typ.oid.elem_type() {
        let elem = SqlType::with_typmod(elem, typ.typmod);
        return Ok(Datum::Array(std::sync::Arc::new(
            super::array::input_array(s, elem, opts)?,
        )));
    }
    Ok(match typ.oid {
        TypeOid::BOOL => Datum::Bool(parse_bool(s)?),
        TypeOid::INT2 => Datum::Int2(parse_int(s, "smallint", "smallint")?),
        TypeOid::INT4 => Datum::Int4(parse_int(s, "integer", "integer")?),
        TypeOid::INT8 => Datum::Int8(parse_int(s, "bigint", "bigint")?),
        TypeOid::OID
        | TypeOid::REGCLASS
        | TypeOid::REGTYPE
        | TypeOid::REGPROC
        | TypeOid::REGNAMESPACE
        | TypeOid::REGROLE => Datum::Oid(parse_int(s, "oid", "oid")?),
        TypeOid::FLOAT4 => {
            let v = parse_float(s, "real")?;
            let f = v as f32;
            // Overflow, or underflow below the smallest subnormal.
            if (f.is_infinite() && v.is_finite()) || (f == 0.0 && v != 0.0) {
                return Err(DatumError::NumericValueOutOfRange(format!(
                    "\"{s}\" is out of range for type real"
                )));
            }
            Datum::Float4(f)
        }
        TypeOid::FLOAT8 => Datum::Float8(parse_float(s, "double precision")?),
        TypeOid::NUMERIC => Datum::Numeric(Numeric::parse(s)?.apply_typmod(typ.typmod)?),
        TypeOid::TEXT | TypeOid::NAME | TypeOid::UNKNOWN | TypeOid::CHAR => {
            Datum::Text(s.to_string())
        }
        TypeOid::VARCHAR | TypeOid::BPCHAR => {
            Datum::Text(apply_char_typmod(s.to_string(), typ, false)?)
        }
        TypeOid::BYTEA => Datum::Bytea(parse_bytea(s)?),
        TypeOid::DATE => Datum::Date(Date::parse(s)?),
        TypeOid::TIME | TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ | TypeOid::INTERVAL => {
            let d = match typ.oid {
                TypeOid::TIME => Datum::Time(Time::parse(s)?),
                TypeOid::TIMESTAMP => Datum::Timestamp(Timestamp::parse(s)?),
                TypeOid::TIMESTAMPTZ => Datum::TimestampTz(TimestampTz::parse(s, &opts.time_zone)?),
                _ => Datum::Interval(Interval::parse(s)?),
            };
            apply_time_typmod(d, typ.typmod)
        }
        TypeOid::UUID => Datum::Uuid(parse_uuid(s)?),
        TypeOid::PG_LSN => Datum::Int8(
            s.trim()
                .parse::<wal::Lsn>()
                .map_err(|_| DatumError::invalid_text("pg_lsn", s))?
                .0 as i64,
        ),
        TypeOid::JSON => {
            serde_json::from_str::<serde_json::Value>(s)
                .map_err(|_| DatumError::invalid_text("json", s))?;
            Datum::Json(s.to_string())
        }
        TypeOid::JSONB => Datum::Jsonb(super::jsonb::normalize(s)?),
        other => {
            return Err(DatumError::Other {
                code: "0A000",
                message: format!("input of type {} is not supported", other.sql_name()),
            });
        }
    })
}

/// Appends PostgreSQL's binary (send) form of `d` to `out`.
pub fn send_binary(d: &Datum, typ: TypeOid, out: &mut Vec<u8>) {
    match d {
        Datum::Null => {}
        Datum::Bool(b) => out.push(u8::from(*b)),
        Datum::Int2(v) => out.extend_from_slice(&v.to_be_bytes()),
        Datum::Int4(v) => out.extend_from_slice(&v.to_be_bytes()),
        Datum::Int8(v) => out.extend_from_slice(&v.to_be_bytes()),
        Datum::Oid(v) => out.extend_from_slice(&v.to_be_bytes()),
        Datum::Float4(v) => out.extend_from_slice(&v.to_be_bytes()),
        Datum::Float8(v) => out.extend_from_slice(&v.to_be_bytes()),
        Datum::Numeric(n) => n.write_binary(out),
        Datum::Text(s) | Datum::Json(s) => {
            if typ == TypeOid::CHAR {
                out.push(s.as_bytes().first().copied().unwrap_or(0));
            } else {
                out.extend_from_slice(s.as_bytes())
            }
        }
        Datum::Jsonb(s) => {
            out.push(1);
            out.extend_from_slice(s.as_bytes());
        }
        Datum::Bytea(b) => out.extend_from_slice(b),
        Datum::Date(v) => v.write_binary(out),
        Datum::Time(v) => v.write_binary(out),
        Datum::Timestamp(v) => v.write_binary(out),
        Datum::TimestampTz(v) => v.write_binary(out),
        Datum::Interval(v) => v.write_binary(out),
        Datum::Uuid(u) => out.extend_from_slice(u),
        Datum::Array(a) => {
            super::array::send_array(a, typ.elem_type().unwrap_or(TypeOid::TEXT), out)
        }
    }
}

fn exact<const N: usize>(buf: &[u8], name: &str) -> Result<[u8; N], DatumError> {
    buf.try_into().map_err(|_| {
        DatumError::InvalidBinaryRepresentation(format!(
            "incorrect binary data format in {name} value"
        ))
    })
}

/// Reads PostgreSQL's binary (receive) form of a `typ` value.
pub fn recv_binary(buf: &[u8], typ: SqlType) -> Result<Datum, DatumError> {
    let bad_utf8 = || DatumError::Other {
        code: "22021",
        message: "invalid byte sequence for encoding \"UTF8\"".into(),
    };
    if let Some(elem) = typ.oid.elem_type() {
        let elem = SqlType::with_typmod(elem, typ.typmod);
        return Ok(Datum::Array(std::sync::Arc::new(super::array::recv_array(
            buf, elem,
        )?)));
    }
    Ok(match typ.oid {
        TypeOid::BOOL => Datum::Bool(exact::<1>(buf, "boolean")?[0] != 0),
        TypeOid::INT2 => Datum::Int2(i16::from_be_bytes(exact(buf, "smallint")?)),
        TypeOid::INT4 => Datum::Int4(i32::from_be_bytes(exact(buf, "integer")?)),
        TypeOid::INT8 => Datum::Int8(i64::from_be_bytes(exact(buf, "bigint")?)),
        TypeOid::PG_LSN => Datum::Int8(i64::from_be_bytes(exact(buf, "pg_lsn")?)),
        TypeOid::OID | TypeOid::REGCLASS | TypeOid::REGTYPE | TypeOid::REGPROC => {
            Datum::Oid(u32::from_be_bytes(exact(buf, "oid")?))
        }
        TypeOid::FLOAT4 => Datum::Float4(f32::from_be_bytes(exact(buf, "real")?)),
        TypeOid::FLOAT8 => Datum::Float8(f64::from_be_bytes(exact(buf, "double precision")?)),
        TypeOid::NUMERIC => Datum::Numeric(Numeric::read_binary(buf)?.apply_typmod(typ.typmod)?),
        TypeOid::TEXT | TypeOid::NAME | TypeOid::UNKNOWN | TypeOid::VARCHAR | TypeOid::BPCHAR => {
            let s = std::str::from_utf8(buf)
                .map_err(|_| bad_utf8())?
                .to_string();
            Datum::Text(apply_char_typmod(s, typ, false)?)
        }
        TypeOid::CHAR => Datum::Text(
            buf.first()
                .map(|b| char::from(*b).to_string())
                .unwrap_or_default(),
        ),
        TypeOid::BYTEA => Datum::Bytea(buf.to_vec()),
        TypeOid::DATE => Datum::Date(Date::read_binary(buf)?),
        TypeOid::TIME => Datum::Time(Time::read_binary(buf)?),
        TypeOid::TIMESTAMP => Datum::Timestamp(Timestamp::read_binary(buf)?),
        TypeOid::TIMESTAMPTZ => Datum::TimestampTz(TimestampTz::read_binary(buf)?),
        TypeOid::INTERVAL => Datum::Interval(Interval::read_binary(buf)?),
        TypeOid::UUID => Datum::Uuid(exact(buf, "uuid")?),
        TypeOid::JSON => {
            let s = std::str::from_utf8(buf).map_err(|_| bad_utf8())?;
            serde_json::from_str::<serde_json::Value>(s)
                .map_err(|_| DatumError::invalid_text("json", s))?;
            Datum::Json(s.to_string())
        }
        TypeOid::JSONB => {
            let (version, rest) = buf.split_first().ok_or_else(|| {
                DatumError::InvalidBinaryRepresentation("unsupported jsonb version number".into())
            })?;
            if *version != 1 {
                return Err(DatumError::InvalidBinaryRepresentation(format!(
                    "unsupported jsonb version number {version}"
                )));
            }
            Datum::Jsonb(super::jsonb::normalize(
                std::str::from_utf8(rest).map_err(|_| bad_utf8())?,
            )?)
        }
        other => {
            return Err(DatumError::Other {
                code: "0A000",
                message: format!("binary input of type {} is not supported", other.sql_name()),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f8(v: f64) -> String {
        let mut s = String::new();
        output_text(
            &Datum::Float8(v),
            TypeOid::FLOAT8,
            &OutputOptions::default(),
            &mut s,
        );
        s
    }

    fn f4(v: f32) -> String {
        let mut s = String::new();
        output_text(
            &Datum::Float4(v),
            TypeOid::FLOAT4,
            &OutputOptions::default(),
            &mut s,
        );
        s
    }

    #[test]
    fn floats_print_like_postgres() {
        // Expected values from PostgreSQL 15 with extra_float_digits = 1.
        for (v, want) in [
            (1.0, "1"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (123456789012345.0, "123456789012345"),
            (1234567890123456.0, "1.234567890123456e+15"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-10, "-2.5e-10"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::NAN, "NaN"),
            (0.30000000000000004, "0.30000000000000004"),
        ] {
            assert_eq!(f8(v), want, "{v}");
        }
        assert_eq!(f4(1e6), "1e+06");
        assert_eq!(f4(123456.0), "123456");
        assert_eq!(f4(0.1), "0.1");
    }

    #[test]
    fn booleans_accept_postgres_spellings() {
        for t in ["t", "TRUE", "yes", "on", "1", " y "] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["f", "false", "no", "off", "0"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert_eq!(parse_bool("o").unwrap_err().sqlstate(), "22P02");
    }

    #[test]
    fn integers_distinguish_syntax_from_range() {
        assert_eq!(
            parse_int::<i16>("40000", "smallint", "smallint")
                .unwrap_err()
                .sqlstate(),
            "22003"
        );
        assert_eq!(
            parse_int::<i32>("12a", "integer", "integer")
                .unwrap_err()
                .sqlstate(),
            "22P02"
        );
        assert_eq!(parse_int::<i32>(" 42 ", "integer", "integer"), Ok(42));
    }

    #[test]
    fn char_typmods_pad_and_truncate() {
        let vc = SqlType::with_typmod(TypeOid::VARCHAR, 7);
        assert_eq!(apply_char_typmod("abc  ".into(), vc, false).unwrap(), "abc");
        assert_eq!(
            apply_char_typmod("abcd".into(), vc, false)
                .unwrap_err()
                .sqlstate(),
            "22001"
        );
        let bp = SqlType::with_typmod(TypeOid::BPCHAR, 9);
        assert_eq!(apply_char_typmod("ab".into(), bp, false).unwrap(), "ab   ");
    }

    #[test]
    fn bytea_hex_and_escape_input() {
        assert_eq!(parse_bytea("\\x0aff").unwrap(), vec![10, 255]);
        assert_eq!(parse_bytea("a\\\\b\\001").unwrap(), b"a\\b\x01".to_vec());
        assert_eq!(parse_bytea("\\x0").unwrap_err().sqlstate(), "22023");
        assert_eq!(parse_bytea("\\xzz").unwrap_err().sqlstate(), "22023");
    }
}
