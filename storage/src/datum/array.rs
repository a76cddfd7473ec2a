//! One-dimensional arrays: the value ([`Array`]), the built-in array types,
//! and their text, binary-wire and on-disk forms.
//!
//! # The value
//!
//! An array is a lower bound and a list of elements, each a [`Datum`] of the
//! element type or NULL. Only one dimension is supported: text or binary
//! input with more dimensions answers 0A000. The empty array has no
//! dimensions at all (`ndim = 0`), as in PostgreSQL; its lower bound is
//! kept at 1 and never shown. Arrays are shared behind an `Arc` in
//! [`Datum::Array`], so passing one from row to row does not copy it.
//!
//! # Text form (`array_in` / `array_out`)
//!
//! ```text
//!   {1,2,NULL,"a b","say \"hi\"",""}      [0:2]={7,8,9}
//! ```
//!
//! An element is written bare unless it is empty, spells `NULL` (in any
//! case), or contains `"`, `\`, `{`, `}`, `,` or white space; then it is
//! double-quoted with `"` and `\` escaped by a backslash. A lower bound
//! other than 1 is written as a `[lower:upper]=` prefix. On input, white
//! space around elements is ignored, a backslash escapes the next
//! character anywhere, and a bare `NULL` is a null element.
//!
//! # Binary form (`array_send` / `array_recv`) — also the on-disk form
//!
//! ```text
//!   i32 ndim (0 or 1) | i32 has_nulls (0/1) | u32 element type OID
//!   per dimension:  i32 length | i32 lower bound
//!   per element:    i32 byte length (-1 = NULL) | the element's binary form
//! ```
//!
//! all big-endian. A heap tuple stores an array as a varlena holding
//! exactly these bytes (as it stores `numeric` as `numeric_send`'s bytes):
//! one format to read and write, checked on every read. This costs four
//! bytes per element over PostgreSQL's own on-disk `ArrayType` (which
//! aligns elements without length words); documented as a deliberate
//! simplification until arrays become large enough to need TOAST.

use std::cmp::Ordering;
use std::fmt::Write as _;

use super::compare::cmp_values;
use super::io::{OutputOptions, input_text, output_text, recv_binary, send_binary};
use super::{Datum, DatumError, SqlType, TypeOid};

/// The built-in array types: (array type, element type, `format_type` name).
pub const ARRAY_TYPES: &[(TypeOid, TypeOid, &str)] = &[
    (TypeOid::BOOL_ARRAY, TypeOid::BOOL, "boolean[]"),
    (TypeOid::BYTEA_ARRAY, TypeOid::BYTEA, "bytea[]"),
    (TypeOid::CHAR_ARRAY, TypeOid::CHAR, "\"char\"[]"),
    (TypeOid::NAME_ARRAY, TypeOid::NAME, "name[]"),
    (TypeOid::INT2_ARRAY, TypeOid::INT2, "smallint[]"),
    (TypeOid::INT4_ARRAY, TypeOid::INT4, "integer[]"),
    (TypeOid::REGPROC_ARRAY, TypeOid::REGPROC, "regproc[]"),
    (TypeOid::TEXT_ARRAY, TypeOid::TEXT, "text[]"),
    (TypeOid::BPCHAR_ARRAY, TypeOid::BPCHAR, "character[]"),
    (
        TypeOid::VARCHAR_ARRAY,
        TypeOid::VARCHAR,
        "character varying[]",
    ),
    (TypeOid::INT8_ARRAY, TypeOid::INT8, "bigint[]"),
    (TypeOid::FLOAT4_ARRAY, TypeOid::FLOAT4, "real[]"),
    (TypeOid::FLOAT8_ARRAY, TypeOid::FLOAT8, "double precision[]"),
    (TypeOid::OID_ARRAY, TypeOid::OID, "oid[]"),
    (
        TypeOid::TIMESTAMP_ARRAY,
        TypeOid::TIMESTAMP,
        "timestamp without time zone[]",
    ),
    (TypeOid::DATE_ARRAY, TypeOid::DATE, "date[]"),
    (
        TypeOid::TIME_ARRAY,
        TypeOid::TIME,
        "time without time zone[]",
    ),
    (
        TypeOid::TIMESTAMPTZ_ARRAY,
        TypeOid::TIMESTAMPTZ,
        "timestamp with time zone[]",
    ),
    (TypeOid::INTERVAL_ARRAY, TypeOid::INTERVAL, "interval[]"),
    (TypeOid::NUMERIC_ARRAY, TypeOid::NUMERIC, "numeric[]"),
    (TypeOid::REGCLASS_ARRAY, TypeOid::REGCLASS, "regclass[]"),
    (TypeOid::REGTYPE_ARRAY, TypeOid::REGTYPE, "regtype[]"),
    (TypeOid::UUID_ARRAY, TypeOid::UUID, "uuid[]"),
    (TypeOid::PG_LSN_ARRAY, TypeOid::PG_LSN, "pg_lsn[]"),
    (TypeOid::JSON_ARRAY, TypeOid::JSON, "json[]"),
    (TypeOid::JSONB_ARRAY, TypeOid::JSONB, "jsonb[]"),
    (
        TypeOid::REGNAMESPACE_ARRAY,
        TypeOid::REGNAMESPACE,
        "regnamespace[]",
    ),
    (TypeOid::REGROLE_ARRAY, TypeOid::REGROLE, "regrole[]"),
];

/// `format_type`'s name of an array type (`integer[]`), if `t` is one.
pub fn array_sql_name(t: TypeOid) -> Option<&'static str> {
    ARRAY_TYPES.iter().find(|a| a.0 == t).map(|a| a.2)
}

/// A one-dimensional array value.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// The subscript of the first element (1 unless written otherwise).
    pub lower: i32,
    /// The elements, NULLs included; empty for the empty array.
    pub elems: Vec<Datum>,
}

impl Array {
    /// An array of `elems` with lower bound 1.
    pub fn new(elems: Vec<Datum>) -> Self {
        Array { lower: 1, elems }
    }

    /// The number of dimensions: 0 for the empty array, else 1.
    pub fn ndim(&self) -> i32 {
        i32::from(!self.elems.is_empty())
    }

    /// The subscript of the last element (`lower - 1` when empty).
    pub fn upper(&self) -> i64 {
        i64::from(self.lower) + self.elems.len() as i64 - 1
    }

    /// The element at subscript `i`, or `None` outside the bounds.
    pub fn get(&self, i: i64) -> Option<&Datum> {
        let at = i.checked_sub(i64::from(self.lower))?;
        usize::try_from(at).ok().and_then(|at| self.elems.get(at))
    }
}

fn malformed(s: &str, detail: &str) -> DatumError {
    DatumError::Other {
        code: "22P02",
        message: format!("malformed array literal: \"{s}\" ({detail})"),
    }
}

fn multidimensional() -> DatumError {
    DatumError::Other {
        code: "0A000",
        message: "multidimensional arrays are not supported".into(),
    }
}

/// PostgreSQL's `array_isspace`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Appends the text form of `a` (elements of type `elem`) to `out`.
pub fn output_array(a: &Array, elem: TypeOid, opts: &OutputOptions, out: &mut String) {
    if a.elems.is_empty() {
        out.push_str("{}");
        return;
    }
    if a.lower != 1 {
        let _ = write!(out, "[{}:{}]=", a.lower, a.upper());
    }
    out.push('{');
    let mut scratch = String::new();
    for (i, e) in a.elems.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if matches!(e, Datum::Null) {
            out.push_str("NULL");
            continue;
        }
        scratch.clear();
        output_text(e, elem, opts, &mut scratch);
        let quote = scratch.is_empty()
            || scratch.eq_ignore_ascii_case("NULL")
            || scratch
                .chars()
                .any(|c| matches!(c, '"' | '\\' | '{' | '}' | ',') || is_space(c));
        if !quote {
            out.push_str(&scratch);
            continue;
        }
        out.push('"');
        for c in scratch.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
}

/// Reads the text form `s` of an array whose elements have type `elem`
/// (its modifier applies to every element, as for `varchar(3)[]`).
pub fn input_array(s: &str, elem: SqlType, opts: &OutputOptions) -> Result<Array, DatumError> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let skip_space = |i: &mut usize| {
        while *i < chars.len() && is_space(chars[*i]) {
            *i += 1;
        }
    };
    skip_space(&mut i);
    // Optional dimension decoration: [lower:upper]=
    let mut declared: Option<(i32, i32)> = None;
    if chars.get(i) == Some(&'[') {
        let close = chars[i..]
            .iter()
            .position(|c| *c == ']')
            .ok_or_else(|| malformed(s, "missing \"]\" in array dimensions"))?;
        let inner: String = chars[i + 1..i + close].iter().collect();
        let (lo, hi) = match inner.split_once(':') {
            Some((lo, hi)) => (lo.trim().to_string(), hi.trim().to_string()),
            None => ("1".to_string(), inner.trim().to_string()),
        };
        let lo: i32 = lo
            .parse()
            .map_err(|_| malformed(s, "array bound is not an integer"))?;
        let hi: i32 = hi
            .parse()
            .map_err(|_| malformed(s, "array bound is not an integer"))?;
        if hi < lo {
            return Err(DatumError::Other {
                code: "2202E",
                message: "upper bound cannot be less than lower bound".into(),
            });
        }
        i += close + 1;
        if chars.get(i) == Some(&'[') {
            return Err(multidimensional());
        }
        skip_space(&mut i);
        if chars.get(i) != Some(&'=') {
            return Err(malformed(s, "missing \"=\" after array dimensions"));
        }
        i += 1;
        skip_space(&mut i);
        declared = Some((lo, hi));
    }
    if chars.get(i) != Some(&'{') {
        return Err(malformed(
            s,
            "array value must start with \"{\" or dimension information",
        ));
    }
    i += 1;
    let mut elems = Vec::new();
    let mut item = String::new();
    skip_space(&mut i);
    if chars.get(i) == Some(&'}') {
        i += 1;
    } else {
        loop {
            skip_space(&mut i);
            item.clear();
            let mut quoted_or_escaped = false;
            let mut seen_any = false;
            // Length of `item` up to its last character that was quoted or
            // escaped: trailing white space after it is kept.
            let mut keep = 0;
            let mut in_quotes = false;
            let mut after_quote = false;
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err(malformed(s, "unexpected end of input"));
                };
                if c == '\\' {
                    let Some(&n) = chars.get(i + 1) else {
                        return Err(malformed(s, "unexpected end of input"));
                    };
                    item.push(n);
                    keep = item.len();
                    quoted_or_escaped = true;
                    seen_any = true;
                    i += 2;
                    continue;
                }
                if in_quotes {
                    if c == '"' {
                        in_quotes = false;
                        after_quote = true;
                        keep = item.len();
                    } else {
                        item.push(c);
                        keep = item.len();
                    }
                    i += 1;
                    continue;
                }
                match c {
                    ',' | '}' => break,
                    c if after_quote && !is_space(c) => {
                        return Err(malformed(s, "text after a quoted element"));
                    }
                    '"' => {
                        if seen_any && !quoted_or_escaped {
                            return Err(malformed(s, "unexpected \"\"\" character"));
                        }
                        in_quotes = true;
                        quoted_or_escaped = true;
                        seen_any = true;
                    }
                    '{' => {
                        if seen_any {
                            return Err(malformed(s, "unexpected \"{\" character"));
                        }
                        return Err(multidimensional());
                    }
                    c => {
                        item.push(c);
                        if !is_space(c) {
                            seen_any = true;
                            keep = item.len();
                        }
                    }
                }
                i += 1;
            }
            if !seen_any {
                return Err(malformed(
                    s,
                    &format!("unexpected \"{}\" character", chars[i]),
                ));
            }
            item.truncate(keep);
            if !quoted_or_escaped && item.eq_ignore_ascii_case("NULL") {
                elems.push(Datum::Null);
            } else {
                elems.push(input_text(&item, elem, opts)?);
            }
            let c = chars[i];
            i += 1;
            if c == '}' {
                break;
            }
        }
    }
    skip_space(&mut i);
    if i < chars.len() {
        return Err(malformed(s, "junk after closing right brace"));
    }
    let lower = match declared {
        Some((lo, hi)) => {
            if i64::from(hi) - i64::from(lo) + 1 != elems.len() as i64 {
                return Err(malformed(
                    s,
                    "specified array dimensions do not match array contents",
                ));
            }
            lo
        }
        None => 1,
    };
    Ok(Array { lower, elems })
}

/// Appends `array_send`'s form of `a` (elements of type `elem`) to `out`.
pub fn send_array(a: &Array, elem: TypeOid, out: &mut Vec<u8>) {
    let has_nulls = a.elems.iter().any(|e| matches!(e, Datum::Null));
    out.extend_from_slice(&a.ndim().to_be_bytes());
    out.extend_from_slice(&i32::from(has_nulls).to_be_bytes());
    out.extend_from_slice(&elem.0.to_be_bytes());
    if a.elems.is_empty() {
        return;
    }
    // An array longer than i32::MAX elements cannot be built (it would
    // exceed any page or message), so the length fits.
    out.extend_from_slice(&(a.elems.len() as i32).to_be_bytes());
    out.extend_from_slice(&a.lower.to_be_bytes());
    for e in &a.elems {
        if matches!(e, Datum::Null) {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            continue;
        }
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        send_binary(e, elem, out);
        let len = (out.len() - at - 4) as i32;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
}

fn bad_binary(what: &str) -> DatumError {
    DatumError::InvalidBinaryRepresentation(format!("invalid array {what}"))
}

fn read_i32(buf: &[u8], at: &mut usize) -> Result<i32, DatumError> {
    let b = buf
        .get(*at..*at + 4)
        .ok_or_else(|| bad_binary("data: too short"))?;
    *at += 4;
    Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads `array_recv`'s form of an array whose elements have type `elem`.
pub fn recv_array(buf: &[u8], elem: SqlType) -> Result<Array, DatumError> {
    let mut at = 0;
    let ndim = read_i32(buf, &mut at)?;
    let flags = read_i32(buf, &mut at)?;
    let elem_oid = read_i32(buf, &mut at)? as u32;
    if !(0..=6).contains(&ndim) {
        return Err(DatumError::InvalidBinaryRepresentation(format!(
            "invalid number of dimensions: {ndim}"
        )));
    }
    if ndim > 1 {
        return Err(multidimensional());
    }
    if flags != 0 && flags != 1 {
        return Err(bad_binary("flags"));
    }
    if elem_oid != elem.oid.0 {
        return Err(DatumError::Other {
            code: "42804",
            message: format!(
                "binary data has array element type {elem_oid} instead of expected {} ({})",
                elem.oid.0,
                elem.oid.sql_name()
            ),
        });
    }
    if ndim == 0 {
        if at != buf.len() {
            return Err(bad_binary("data: trailing bytes"));
        }
        return Ok(Array::new(Vec::new()));
    }
    let len = read_i32(buf, &mut at)?;
    let lower = read_i32(buf, &mut at)?;
    let count = usize::try_from(len).map_err(|_| bad_binary("dimension"))?;
    if i64::from(lower) + i64::from(len) - 1 > i64::from(i32::MAX) {
        return Err(DatumError::Other {
            code: "54000",
            message: "array size exceeds the maximum allowed".into(),
        });
    }
    // Each element takes at least its 4-byte length word: a claimed count
    // the buffer cannot hold is rejected before allocating for it.
    if count > (buf.len() - at) / 4 {
        return Err(bad_binary("data: too short"));
    }
    let mut elems = Vec::with_capacity(count);
    for _ in 0..count {
        let n = read_i32(buf, &mut at)?;
        if n == -1 {
            elems.push(Datum::Null);
            continue;
        }
        let n = usize::try_from(n).map_err(|_| bad_binary("element length"))?;
        let data = buf
            .get(at..at + n)
            .ok_or_else(|| bad_binary("data: too short"))?;
        at += n;
        elems.push(recv_binary(data, elem)?);
    }
    if at != buf.len() {
        return Err(bad_binary("data: trailing bytes"));
    }
    Ok(Array { lower, elems })
}

/// PostgreSQL's `array_cmp`: element by element (a NULL element sorts
/// after every value and equals another NULL), then the shorter array
/// first, then by lower bound.
pub fn cmp_arrays(a: &Array, b: &Array) -> Ordering {
    for (x, y) in a.elems.iter().zip(&b.elems) {
        let o = match (x, y) {
            (Datum::Null, Datum::Null) => Ordering::Equal,
            (Datum::Null, _) => Ordering::Greater,
            (_, Datum::Null) => Ordering::Less,
            _ => cmp_values(x, y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.elems
        .len()
        .cmp(&b.elems.len())
        .then(a.ndim().cmp(&b.ndim()))
        .then(a.lower.cmp(&b.lower))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, elem: TypeOid) -> Result<Array, DatumError> {
        input_array(s, SqlType::new(elem), &OutputOptions::default())
    }

    fn show(a: &Array, elem: TypeOid) -> String {
        let mut out = String::new();
        output_array(a, elem, &OutputOptions::default(), &mut out);
        out
    }

    #[test]
    fn text_round_trips_with_quoting() {
        let a = parse(
            r#"{ a , "b c" ,NULL,"NULL", "x\"y",\\z , "" }"#,
            TypeOid::TEXT,
        )
        .unwrap();
        assert_eq!(
            a.elems,
            vec![
                Datum::Text("a".into()),
                Datum::Text("b c".into()),
                Datum::Null,
                Datum::Text("NULL".into()),
                Datum::Text("x\"y".into()),
                Datum::Text("\\z".into()),
                Datum::Text(String::new()),
            ]
        );
        assert_eq!(
            show(&a, TypeOid::TEXT),
            r#"{a,"b c",NULL,"NULL","x\"y","\\z",""}"#
        );
    }

    #[test]
    fn bounds_and_errors() {
        let a = parse("[0:2]={1,2,3}", TypeOid::INT4).unwrap();
        assert_eq!(a.lower, 0);
        assert_eq!(show(&a, TypeOid::INT4), "[0:2]={1,2,3}");
        assert_eq!(
            show(&parse("{}", TypeOid::INT4).unwrap(), TypeOid::INT4),
            "{}"
        );
        for bad in ["1,2", "{1,2", "{1,,2}", "{1}x", "[1:3]={1,2}", "{,}"] {
            assert_eq!(
                parse(bad, TypeOid::INT4).unwrap_err().sqlstate(),
                "22P02",
                "{bad}"
            );
        }
        assert_eq!(
            parse("{{1}}", TypeOid::INT4).unwrap_err().sqlstate(),
            "0A000"
        );
        assert_eq!(parse("{a}", TypeOid::INT4).unwrap_err().sqlstate(), "22P02");
    }

    #[test]
    fn binary_round_trips() {
        let a = Array::new(vec![Datum::Int4(1), Datum::Null, Datum::Int4(-3)]);
        let mut buf = Vec::new();
        send_array(&a, TypeOid::INT4, &mut buf);
        assert_eq!(recv_array(&buf, SqlType::new(TypeOid::INT4)).unwrap(), a);
        assert!(recv_array(&buf[..buf.len() - 1], SqlType::new(TypeOid::INT4)).is_err());
        assert_eq!(
            recv_array(&buf, SqlType::new(TypeOid::INT8))
                .unwrap_err()
                .sqlstate(),
            "42804"
        );
    }
}
