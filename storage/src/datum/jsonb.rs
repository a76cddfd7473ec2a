//! jsonb: its canonical text form, and PostgreSQL's ordering and hashing of
//! jsonb values (`compareJsonbContainers` and `JsonbHashScalarValue` in
//! PostgreSQL's `jsonb_util.c`).
//!
//! A [`Datum::Jsonb`](super::Datum::Jsonb) holds the canonical text that
//! [`normalize`] produces: object keys sorted by length then bytes (the
//! order PostgreSQL stores them in) and de-duplicated, last wins; `", "` and
//! `": "` as separators; numbers printed as `numeric` prints them. Values
//! are compared by parsing that text again, never by the text itself, so
//! `1.0` equals `1` and `{"a": 1, "b": 2}` equals `{"b": 2, "a": 1}`.
//!
//! # Ordering (PostgreSQL's B-tree order for jsonb)
//!
//! 1. Values of different types order `Null < String < Number < Boolean <
//!    Array < Object` (the order of PostgreSQL's `jbvType`).
//! 2. Strings compare by bytes (heapgres's only collation is "C"); numbers
//!    as `numeric`; `false < true`.
//! 3. Arrays compare first by element count, then element by element.
//! 4. Objects compare first by pair count, then pair by pair in stored key
//!    order: the key (by bytes), then its value.
//! 5. A top-level scalar is stored by PostgreSQL as a one-element "raw
//!    scalar" array, and compares as one against a top-level array: an
//!    array of a different length orders by length (so `'[]' < 'null'`),
//!    and against a one-element array the scalar is less, whatever the
//!    element. Against another scalar or an object, rules 1 and 2 apply.
//!
//! Hashing agrees with equality: numbers hash as `numeric` (scale ignored)
//! and objects in key order.
//!
//! Not done: PostgreSQL's rejection of `\u0000` in jsonb strings (22P05).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use super::{DatumError, Numeric};

/// Parses JSON text (input or a stored jsonb value). 22P02 on bad syntax.
pub fn parse(s: &str) -> Result<Value, DatumError> {
    serde_json::from_str(s).map_err(|_| DatumError::invalid_text("json", s))
}

/// Normalises JSON text into jsonb's canonical form (see the module doc).
pub fn normalize(s: &str) -> Result<String, DatumError> {
    Ok(to_text(&parse(s)?))
}

/// The canonical jsonb text of a parsed value.
pub fn to_text(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// Object keys in jsonb's stored order: by length, then by bytes.
pub fn sorted_keys(map: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| cmp_keys(a, b));
    keys
}

/// jsonb's stored key order: shorter keys first, then by bytes.
pub fn cmp_keys(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Appends a JSON string literal, escaped as PostgreSQL's `escape_json`
/// escapes the characters that must be.
pub fn write_string(s: &str, out: &mut String) {
    out.push_str(&Value::String(s.to_string()).to_string());
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            out.push('{');
            for (i, k) in sorted_keys(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(k, out);
                out.push_str(": ");
                write(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Number(n) => {
            // jsonb keeps numbers as numeric: 1e3 prints as 1000.
            let text = n.to_string();
            match Numeric::parse(&text) {
                Ok(num) => out.push_str(&num.to_string()),
                Err(_) => out.push_str(&text),
            }
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Compares two stored jsonb values in PostgreSQL's order. Text that does
/// not parse (never written by heapgres) falls back to byte order so the
/// order stays total.
pub fn cmp_text(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Ok(x), Ok(y)) => cmp(&x, &y),
        _ => a.as_bytes().cmp(b.as_bytes()),
    }
}

/// Compares two top-level jsonb values in PostgreSQL's order (rules 1–5 of
/// the module doc).
pub fn cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Array(x), y) if is_scalar(y) => raw_scalar_vs_array(x.len()).reverse(),
        (x, Value::Array(y)) if is_scalar(x) => raw_scalar_vs_array(y.len()),
        _ => cmp_nested(a, b),
    }
}

/// A raw scalar (a one-element pseudo array) against an array of `len`
/// elements: the count decides, and at equal counts the raw scalar is less.
fn raw_scalar_vs_array(len: usize) -> Ordering {
    match 1.cmp(&len) {
        Ordering::Equal => Ordering::Less,
        o => o,
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// The `jbvType` order of a value's type.
fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::String(_) => 1,
        Value::Number(_) => 2,
        Value::Bool(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn numeric(n: &serde_json::Number) -> Option<Numeric> {
    Numeric::parse(&n.to_string()).ok()
}

/// Compares two values inside containers (rules 1–4).
fn cmp_nested(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Number(x), Value::Number(y)) => match (numeric(x), numeric(y)) {
            (Some(p), Some(q)) => p.cmp(&q),
            _ => x.to_string().cmp(&y.to_string()),
        },
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|(p, q)| cmp_nested(p, q))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        (Value::Object(x), Value::Object(y)) => x.len().cmp(&y.len()).then_with(|| {
            sorted_keys(x)
                .into_iter()
                .zip(sorted_keys(y))
                .map(|(p, q)| {
                    p.as_bytes()
                        .cmp(q.as_bytes())
                        .then_with(|| cmp_nested(&x[p.as_str()], &y[q.as_str()]))
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        _ => type_rank(a).cmp(&type_rank(b)),
    }
}

/// Hashes a stored jsonb value consistently with [`cmp_text`] equality.
pub fn hash_text<H: Hasher>(s: &str, state: &mut H) {
    match parse(s) {
        Ok(v) => hash(&v, state),
        Err(_) => s.hash(state),
    }
}

/// Hashes a parsed jsonb value consistently with [`cmp`] equality.
pub fn hash<H: Hasher>(v: &Value, state: &mut H) {
    type_rank(v).hash(state);
    match v {
        Value::Null => {}
        Value::Bool(b) => b.hash(state),
        Value::String(s) => s.hash(state),
        Value::Number(n) => match numeric(n) {
            Some(num) => num.hash(state),
            None => n.to_string().hash(state),
        },
        Value::Array(items) => {
            items.len().hash(state);
            items.iter().for_each(|item| hash(item, state));
        }
        Value::Object(map) => {
            map.len().hash(state);
            for k in sorted_keys(map) {
                k.hash(state);
                hash(&map[k.as_str()], state);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::DefaultHasher;

    use super::*;

    fn ord(a: &str, b: &str) -> Ordering {
        cmp_text(&normalize(a).unwrap(), &normalize(b).unwrap())
    }

    fn hashed(s: &str) -> u64 {
        let mut h = DefaultHasher::new();
        hash_text(&normalize(s).unwrap(), &mut h);
        h.finish()
    }

    #[test]
    fn canonical_text_sorts_keys_by_length_then_bytes() {
        assert_eq!(
            normalize(r#"{"bb":1,"a":[1,2,{"c":null}],"bb":2}"#).unwrap(),
            r#"{"a": [1, 2, {"c": null}], "bb": 2}"#
        );
        assert_eq!(normalize("1e3").unwrap(), "1000");
    }

    #[test]
    fn numbers_compare_as_numeric() {
        assert_eq!(ord("1.0", "1"), Ordering::Equal);
        assert_eq!(ord("[1.50, 2]", "[1.5, 2.0]"), Ordering::Equal);
        assert_eq!(ord("9", "10"), Ordering::Less);
        assert_eq!(ord("-1", "-0.5"), Ordering::Less);
    }

    #[test]
    fn types_order_null_string_number_bool_array_object() {
        let order = [
            "null", r#""z""#, "-5", "100", "false", "true", "[1, 2]", "{}",
        ];
        for w in order.windows(2) {
            assert_eq!(ord(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(ord("[null]", "[\"a\"]"), Ordering::Less);
        assert_eq!(ord("[true]", "[{}]"), Ordering::Less);
        assert_eq!(ord("[[]]", "[{}]"), Ordering::Less);
    }

    #[test]
    fn containers_compare_by_size_first() {
        assert_eq!(ord("[9]", "[1, 1]"), Ordering::Less);
        assert_eq!(ord(r#"{"z": 9}"#, r#"{"a": 1, "b": 1}"#), Ordering::Less);
        assert_eq!(ord(r#"{"b": 1}"#, r#"{"aa": 0}"#), Ordering::Greater);
        assert_eq!(ord(r#"{"a": 1}"#, r#"{"a": 2}"#), Ordering::Less);
        assert_eq!(
            ord(r#"{"a": 1, "b": [1.0]}"#, r#"{"b": [1], "a": 1.00}"#),
            Ordering::Equal
        );
    }

    #[test]
    fn raw_scalars_against_arrays() {
        assert_eq!(ord("[]", "null"), Ordering::Less);
        assert_eq!(ord("1", "[1]"), Ordering::Less);
        assert_eq!(ord("true", "[null]"), Ordering::Less);
        assert_eq!(ord("1", "[1, 2]"), Ordering::Less);
        assert_eq!(ord("1", "{}"), Ordering::Less);
    }

    #[test]
    fn equal_values_hash_equal() {
        assert_eq!(hashed("1.0"), hashed("1"));
        assert_eq!(
            hashed(r#"{"b": [2.00], "a": 1}"#),
            hashed(r#"{"a":1,"b":[2]}"#)
        );
        assert_ne!(hashed("1"), hashed("\"1\""));
    }
}
