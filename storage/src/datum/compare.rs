//! Ordering and equality of values, with PostgreSQL's semantics: NaN equals
//! NaN and sorts above every other float, text compares by bytes (the "C"
//! collation), intervals compare as spans, jsonb compares as PostgreSQL's
//! jsonb B-tree order (see [`crate::datum::jsonb`]).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::datum::Datum;

/// Compares two non-null values of the same type. Values of different
/// variants (which the binder never lets meet) order by variant so sorting
/// stays total.
pub fn cmp_values(a: &Datum, b: &Datum) -> Ordering {
    use Datum::*;
    match (a, b) {
        (Bool(x), Bool(y)) => x.cmp(y),
        (Int2(x), Int2(y)) => x.cmp(y),
        (Int4(x), Int4(y)) => x.cmp(y),
        (Int8(x), Int8(y)) => x.cmp(y),
        (Oid(x), Oid(y)) => x.cmp(y),
        (Float4(x), Float4(y)) => cmp_f64(f64::from(*x), f64::from(*y)),
        (Float8(x), Float8(y)) => cmp_f64(*x, *y),
        (Numeric(x), Numeric(y)) => x.cmp(y),
        (Text(x), Text(y)) | (Json(x), Json(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Jsonb(x), Jsonb(y)) => crate::datum::jsonb::cmp_text(x, y),
        (Bytea(x), Bytea(y)) => x.cmp(y),
        (Date(x), Date(y)) => x.cmp(y),
        (Time(x), Time(y)) => x.cmp(y),
        (Timestamp(x), Timestamp(y)) => x.cmp(y),
        (TimestampTz(x), TimestampTz(y)) => x.cmp(y),
        (Interval(x), Interval(y)) => x.cmp(y),
        (Uuid(x), Uuid(y)) => x.cmp(y),
        (Array(x), Array(y)) => crate::datum::array::cmp_arrays(x, y),
        (Null, Null) => Ordering::Equal,
        _ => a.kind().cmp(&b.kind()),
    }
}

impl Datum {
    /// The value's kind: its variant's number in declaration order (NULL
    /// 0). Values of different kinds sort by it; spilled sort runs tag
    /// values with it.
    pub fn kind(&self) -> u8 {
        match self {
            Datum::Null => 0,
            Datum::Bool(_) => 1,
            Datum::Int2(_) => 2,
            Datum::Int4(_) => 3,
            Datum::Int8(_) => 4,
            Datum::Float4(_) => 5,
            Datum::Float8(_) => 6,
            Datum::Numeric(_) => 7,
            Datum::Text(_) => 8,
            Datum::Bytea(_) => 9,
            Datum::Date(_) => 10,
            Datum::Time(_) => 11,
            Datum::Timestamp(_) => 12,
            Datum::TimestampTz(_) => 13,
            Datum::Interval(_) => 14,
            Datum::Uuid(_) => 15,
            Datum::Json(_) => 16,
            Datum::Jsonb(_) => 17,
            Datum::Oid(_) => 18,
            Datum::Array(_) => 19,
        }
    }
}

/// PostgreSQL's float ordering: NaN is equal to itself and above everything.
pub fn cmp_f64(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        // Neither is NaN, so partial_cmp is total here; -0 equals 0.
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

/// Sort order for one key, NULLs placed as asked.
pub fn cmp_sort_key(a: &Datum, b: &Datum, descending: bool, nulls_first: bool) -> Ordering {
    match (a, b) {
        (Datum::Null, Datum::Null) => Ordering::Equal,
        (Datum::Null, _) => {
            if nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (_, Datum::Null) => {
            if nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        _ => {
            let o = cmp_values(a, b);
            if descending { o.reverse() } else { o }
        }
    }
}

/// A row of values used as a hash key (GROUP BY, DISTINCT, hash joins):
/// equal values hash equally, NULLs group together.
#[derive(Clone, Debug)]
pub struct GroupKey(pub Vec<Datum>);

impl PartialEq for GroupKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| cmp_values(a, b) == Ordering::Equal)
    }
}

impl Eq for GroupKey {}

impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for d in &self.0 {
            hash_value(d, state);
        }
    }
}

fn hash_value<H: Hasher>(d: &Datum, state: &mut H) {
    use Datum::*;
    match d {
        Null => 0u8.hash(state),
        Bool(b) => b.hash(state),
        Int2(v) => v.hash(state),
        Int4(v) => v.hash(state),
        Int8(v) => v.hash(state),
        Oid(v) => v.hash(state),
        Float4(v) => hash_f64(f64::from(*v), state),
        Float8(v) => hash_f64(*v, state),
        Numeric(n) => n.hash(state),
        Text(s) | Json(s) => s.hash(state),
        Jsonb(s) => crate::datum::jsonb::hash_text(s, state),
        Bytea(b) => b.hash(state),
        Date(v) => v.hash(state),
        Time(v) => v.hash(state),
        Timestamp(v) => v.hash(state),
        TimestampTz(v) => v.hash(state),
        Interval(v) => v.hash(state),
        Uuid(v) => v.hash(state),
        Array(a) => {
            a.elems.len().hash(state);
            a.lower.hash(state);
            a.elems.iter().for_each(|e| hash_value(e, state));
        }
    }
}

fn hash_f64<H: Hasher>(v: f64, state: &mut H) {
    if v.is_nan() {
        u64::MAX.hash(state);
    } else if v == 0.0 {
        0u64.hash(state);
    } else {
        v.to_bits().hash(state);
    }
}
