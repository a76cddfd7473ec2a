//! Type conversions (`CAST`, `::`, and the coercions the binder inserts),
//! following PostgreSQL's `pg_cast`: which casts exist, which are implicit,
//! and how each converts (rounding, range checks, text I/O).

use storage::datum::datetime as dt;
use storage::datum::io::{OutputOptions, apply_char_typmod, input_text, output_text};
use storage::datum::{Datum, SqlType, TypeOid};

use crate::error::{SqlError, SqlResult};

/// How freely a cast may be applied (PostgreSQL's `castcontext`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CastContext {
    /// Only when written: `CAST(x AS t)` / `x::t`.
    Explicit,
    /// Also when storing into a column (INSERT/UPDATE).
    Assignment,
    /// Also silently inside expressions.
    Implicit,
}

pub fn is_int(t: TypeOid) -> bool {
    matches!(t, TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8)
}

fn is_numeric_family(t: TypeOid) -> bool {
    is_int(t) || matches!(t, TypeOid::NUMERIC | TypeOid::FLOAT4 | TypeOid::FLOAT8)
}

/// True for the string types (text, varchar, bpchar, name).
pub fn is_string(t: TypeOid) -> bool {
    matches!(
        t,
        TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR | TypeOid::NAME
    )
}

pub fn is_oid_like(t: TypeOid) -> bool {
    matches!(
        t,
        TypeOid::OID
            | TypeOid::REGCLASS
            | TypeOid::REGTYPE
            | TypeOid::REGPROC
            | TypeOid::REGNAMESPACE
            | TypeOid::REGROLE
    )
}

/// The rank of a numeric type in PostgreSQL's implicit promotion order.
pub fn numeric_rank(t: TypeOid) -> Option<u8> {
    Some(match t {
        TypeOid::INT2 => 1,
        TypeOid::INT4 => 2,
        TypeOid::INT8 => 3,
        TypeOid::NUMERIC => 4,
        TypeOid::FLOAT4 => 5,
        TypeOid::FLOAT8 => 6,
        _ => return None,
    })
}

/// The weakest context in which a cast from `from` to `to` exists, or `None`
/// if there is no cast at all.
pub fn cast_context(from: TypeOid, to: TypeOid) -> Option<CastContext> {
    use CastContext::*;
    if from == to || from == TypeOid::UNKNOWN {
        return Some(Implicit);
    }
    // An array converts to another array type as its elements convert
    // (PostgreSQL's array coercion).
    if let (Some(a), Some(b)) = (from.elem_type(), to.elem_type()) {
        return cast_context(a, b);
    }
    if let (Some(a), Some(b)) = (numeric_rank(from), numeric_rank(to)) {
        return Some(if a < b { Implicit } else { Assignment });
    }
    if is_string(from) && is_string(to) {
        return Some(Implicit);
    }
    if from == TypeOid::CHAR && to == TypeOid::TEXT {
        // pg_cast: "char" to text is implicit, so `relkind = ANY
        // (ARRAY['r', 'v'])` compares as text.
        return Some(Implicit);
    }
    if is_string(to) {
        // Every type has an I/O conversion to text; it is assignment-level,
        // except from the string types themselves.
        return Some(Assignment);
    }
    if is_string(from) {
        return Some(Explicit);
    }
    Some(match (from, to) {
        (TypeOid::DATE, TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ) => Implicit,
        (TypeOid::TIMESTAMP, TypeOid::TIMESTAMPTZ) => Implicit,
        (TypeOid::TIME, TypeOid::INTERVAL) => Implicit,
        (TypeOid::TIMESTAMPTZ, TypeOid::TIMESTAMP | TypeOid::DATE | TypeOid::TIME) => Assignment,
        (TypeOid::TIMESTAMP, TypeOid::DATE | TypeOid::TIME) => Assignment,
        (TypeOid::INTERVAL, TypeOid::TIME) => Assignment,
        (TypeOid::BOOL, TypeOid::INT4) | (TypeOid::INT4, TypeOid::BOOL) => Explicit,
        (TypeOid::JSON, TypeOid::JSONB) => Assignment,
        (TypeOid::JSONB, TypeOid::JSON) => Assignment,
        (a, b) if is_oid_like(a) && is_oid_like(b) => Implicit,
        (TypeOid::INT8 | TypeOid::INT4 | TypeOid::INT2, b) if is_oid_like(b) => Implicit,
        (a, TypeOid::INT8 | TypeOid::INT4) if is_oid_like(a) => Assignment,
        (TypeOid::JSONB, b) if is_numeric_family(b) || b == TypeOid::BOOL => Explicit,
        _ => return None,
    })
}

fn range_err(name: &str) -> SqlError {
    SqlError::new("22003", format!("{name} out of range"))
}

/// Converts `v` from type `from` to `to`. `explicit` selects the explicit
/// form of length coercion (silent truncation for varchar(n)).
pub fn cast_value(
    v: Datum,
    from: SqlType,
    to: SqlType,
    explicit: bool,
    opts: &OutputOptions,
) -> SqlResult<Datum> {
    let converted = cast_value_inner(v, from, to, explicit, opts)?;
    Ok(storage::datum::io::apply_time_typmod(converted, to.typmod))
}

fn cast_value_inner(
    v: Datum,
    from: SqlType,
    to: SqlType,
    explicit: bool,
    opts: &OutputOptions,
) -> SqlResult<Datum> {
    if matches!(v, Datum::Null) {
        return Ok(Datum::Null);
    }
    let (f, t) = (from.oid, to.oid);
    if is_string(t) {
        let s = match v {
            Datum::Text(s) => s,
            // The bool-to-text cast spells the words out (booltext).
            Datum::Bool(b) => (if b { "true" } else { "false" }).to_string(),
            other => {
                let mut s = String::new();
                output_text(&other, f, opts, &mut s);
                s
            }
        };
        let s = if f == TypeOid::BPCHAR && t != TypeOid::BPCHAR {
            s.trim_end_matches(' ').to_string()
        } else {
            s
        };
        return Ok(Datum::Text(apply_char_typmod(s, to, explicit)?));
    }
    if (is_string(f) || f == TypeOid::UNKNOWN)
        && let Datum::Text(s) = &v
    {
        // An array's modifier is applied to its elements afterwards, as an
        // explicit or implicit length coercion (PostgreSQL casts the text
        // to the array type, then coerces each element).
        if to.oid.is_array() && to.typmod >= 0 {
            let array = input_text(s, SqlType::new(t), opts)?;
            return cast_value_inner(array, SqlType::new(t), to, explicit, opts);
        }
        return Ok(input_text(s, to, opts)?);
    }
    if let (Datum::Array(a), Some(fe), Some(te)) = (&v, f.elem_type(), t.elem_type()) {
        let (fe, te) = (SqlType::new(fe), SqlType::with_typmod(te, to.typmod));
        let mut elems = Vec::with_capacity(a.elems.len());
        for e in &a.elems {
            elems.push(cast_value(e.clone(), fe, te, explicit, opts)?);
        }
        return Ok(Datum::Array(std::sync::Arc::new(storage::datum::Array {
            lower: a.lower,
            elems,
        })));
    }
    use Datum::*;
    Ok(match (v, t) {
        (Int2(x), TypeOid::INT2) => Int2(x),
        (Int2(x), TypeOid::INT4) => Int4(i32::from(x)),
        (Int2(x), TypeOid::INT8) => Int8(i64::from(x)),
        (Int4(x), TypeOid::INT2) => Int2(i16::try_from(x).map_err(|_| range_err("smallint"))?),
        (Int4(x), TypeOid::INT4) => Int4(x),
        (Int4(x), TypeOid::INT8) => Int8(i64::from(x)),
        (Int8(x), TypeOid::INT2) => Int2(i16::try_from(x).map_err(|_| range_err("smallint"))?),
        (Int8(x), TypeOid::INT4) => Int4(i32::try_from(x).map_err(|_| range_err("integer"))?),
        (Int8(x), TypeOid::INT8) => Int8(x),
        (Int2(x), TypeOid::FLOAT4) => Float4(f32::from(x)),
        (Int4(x), TypeOid::FLOAT4) => Float4(x as f32),
        (Int8(x), TypeOid::FLOAT4) => Float4(x as f32),
        (Int2(x), TypeOid::FLOAT8) => Float8(f64::from(x)),
        (Int4(x), TypeOid::FLOAT8) => Float8(f64::from(x)),
        (Int8(x), TypeOid::FLOAT8) => Float8(x as f64),
        (Int2(x), TypeOid::NUMERIC) => {
            Numeric(storage::datum::Numeric::from_i64(i64::from(x)).apply_typmod(to.typmod)?)
        }
        (Int4(x), TypeOid::NUMERIC) => {
            Numeric(storage::datum::Numeric::from_i64(i64::from(x)).apply_typmod(to.typmod)?)
        }
        (Int8(x), TypeOid::NUMERIC) => {
            Numeric(storage::datum::Numeric::from_i64(x).apply_typmod(to.typmod)?)
        }
        (Float4(x), TypeOid::FLOAT8) => Float8(f64::from(x)),
        (Float8(x), TypeOid::FLOAT4) => {
            let f = x as f32;
            if f.is_infinite() && x.is_finite() {
                return Err(SqlError::new("22003", "value out of range: overflow"));
            }
            Float4(f)
        }
        (Float4(x), TypeOid::FLOAT4) => Float4(x),
        (Float8(x), TypeOid::FLOAT8) => Float8(x),
        (Float4(x), t) if is_int(t) => float_to_int(f64::from(x).round_ties_even(), t)?,
        (Float8(x), t) if is_int(t) => float_to_int(x.round_ties_even(), t)?,
        (Float4(x), TypeOid::NUMERIC) => {
            Numeric(storage::datum::Numeric::from_f32(x)?.apply_typmod(to.typmod)?)
        }
        (Float8(x), TypeOid::NUMERIC) => {
            Numeric(storage::datum::Numeric::from_f64(x)?.apply_typmod(to.typmod)?)
        }
        (Numeric(n), TypeOid::NUMERIC) => Numeric(n.apply_typmod(to.typmod)?),
        (Numeric(n), TypeOid::INT2) => Int2(n.to_i16()?),
        (Numeric(n), TypeOid::INT4) => Int4(n.to_i32()?),
        (Numeric(n), TypeOid::INT8) => Int8(n.to_i64()?),
        (Numeric(n), TypeOid::FLOAT4) => {
            let f = n.to_f32();
            if f.is_infinite() && !n.is_infinite() {
                return Err(SqlError::new(
                    "22003",
                    format!("\"{n}\" is out of range for type real"),
                ));
            }
            Float4(f)
        }
        (Numeric(n), TypeOid::FLOAT8) => {
            let f = n.to_f64();
            if f.is_infinite() && !n.is_infinite() {
                return Err(SqlError::new(
                    "22003",
                    format!("\"{n}\" is out of range for type double precision"),
                ));
            }
            Float8(f)
        }
        (Bool(b), TypeOid::INT4) => Int4(i32::from(b)),
        (Int4(x), TypeOid::BOOL) => Bool(x != 0),
        (Bool(b), TypeOid::BOOL) => Bool(b),
        (Date(d), TypeOid::DATE) => Date(d),
        (Date(d), TypeOid::TIMESTAMP) => Timestamp(dt::date_to_timestamp(d)?),
        (Date(d), TypeOid::TIMESTAMPTZ) => TimestampTz(dt::timestamp_to_timestamptz(
            dt::date_to_timestamp(d)?,
            &opts.time_zone,
        )?),
        (Timestamp(ts), TypeOid::TIMESTAMP) => Timestamp(ts),
        (Timestamp(ts), TypeOid::DATE) => Date(dt::timestamp_to_date(ts)),
        (Timestamp(ts), TypeOid::TIME) => Time(dt::timestamp_to_time(ts)),
        (Timestamp(ts), TypeOid::TIMESTAMPTZ) => {
            TimestampTz(dt::timestamp_to_timestamptz(ts, &opts.time_zone)?)
        }
        (TimestampTz(ts), TypeOid::TIMESTAMPTZ) => TimestampTz(ts),
        (TimestampTz(ts), TypeOid::TIMESTAMP) => {
            Timestamp(dt::timestamptz_to_timestamp(ts, &opts.time_zone))
        }
        (TimestampTz(ts), TypeOid::DATE) => Date(dt::timestamp_to_date(
            dt::timestamptz_to_timestamp(ts, &opts.time_zone),
        )),
        (TimestampTz(ts), TypeOid::TIME) => Time(dt::timestamp_to_time(
            dt::timestamptz_to_timestamp(ts, &opts.time_zone),
        )),
        (Time(x), TypeOid::TIME) => Time(x),
        (Time(x), TypeOid::INTERVAL) => Interval(storage::datum::Interval {
            months: 0,
            days: 0,
            micros: x.0,
        }),
        (Interval(i), TypeOid::INTERVAL) => Interval(i),
        (Interval(i), TypeOid::TIME) => {
            Time(storage::datum::Time(i.micros.rem_euclid(86_400_000_000)))
        }
        (Json(s), TypeOid::JSONB) => Jsonb(storage::datum::jsonb::normalize(&s)?),
        (Json(s), TypeOid::JSON) => Json(s),
        (Jsonb(s), TypeOid::JSON) => Json(s),
        (Jsonb(s), TypeOid::JSONB) => Jsonb(s),
        (Uuid(u), TypeOid::UUID) => Uuid(u),
        (Bytea(b), TypeOid::BYTEA) => Bytea(b),
        (Oid(o), t) if is_oid_like(t) => Oid(o),
        (Oid(o), TypeOid::INT8) => Int8(i64::from(o)),
        (Oid(o), TypeOid::INT4) => Int4(o as i32),
        (Int4(x), t) if is_oid_like(t) => Oid(x as u32),
        (Int8(x), t) if is_oid_like(t) => Oid(u32::try_from(x).map_err(|_| range_err("OID"))?),
        (Int2(x), t) if is_oid_like(t) => Oid(x as u32),
        (v, _) => {
            return Err(SqlError::new(
                "42846",
                format!(
                    "cannot cast type {} to {}",
                    from.oid.sql_name(),
                    to.oid.sql_name()
                ),
            )
            .with_detail(format!("value: {v:?}")));
        }
    })
}

fn float_to_int(x: f64, t: TypeOid) -> SqlResult<Datum> {
    if x.is_nan() {
        return Err(range_err(t.sql_name()));
    }
    Ok(match t {
        TypeOid::INT2 if (-32768.0..32768.0).contains(&x) => Datum::Int2(x as i16),
        TypeOid::INT4 if (-2147483648.0..2147483648.0).contains(&x) => Datum::Int4(x as i32),
        TypeOid::INT8 if (-9.223372036854776e18..9.223372036854776e18).contains(&x) => {
            Datum::Int8(x as i64)
        }
        TypeOid::INT2 => return Err(range_err("smallint")),
        TypeOid::INT4 => return Err(range_err("integer")),
        _ => return Err(range_err("bigint")),
    })
}
