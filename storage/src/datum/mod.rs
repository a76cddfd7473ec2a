//! Values: the in-memory [`Datum`], the built-in types, and their text,
//! binary-wire and on-disk forms.

pub mod array;
pub mod compare;
pub mod datetime;
pub mod error;
pub mod io;
pub mod jsonb;
pub mod numeric;
pub mod numformat;
pub mod types;

pub use array::Array;
pub use datetime::{Date, Interval, Time, Timestamp, TimestampTz};
pub use error::DatumError;
pub use numeric::Numeric;
pub use types::{SqlType, TypeOid};

/// One SQL value in memory.
#[derive(Clone, Debug, PartialEq)]
pub enum Datum {
    /// SQL NULL, of any type.
    Null,
    /// `boolean`
    Bool(bool),
    /// `smallint`
    Int2(i16),
    /// `integer`
    Int4(i32),
    /// `bigint`
    Int8(i64),
    /// `real`
    Float4(f32),
    /// `double precision`
    Float8(f64),
    /// `numeric`
    Numeric(Numeric),
    /// `text`, `varchar`, `char(n)` and `name`: the column's type says which.
    Text(String),
    /// `bytea`
    Bytea(Vec<u8>),
    /// `date`
    Date(Date),
    /// `time`
    Time(Time),
    /// `timestamp`
    Timestamp(Timestamp),
    /// `timestamptz`
    TimestampTz(TimestampTz),
    /// `interval`
    Interval(Interval),
    /// `uuid`
    Uuid([u8; 16]),
    /// `json`: the text exactly as given.
    Json(String),
    /// `jsonb`: normalised text (keys sorted and de-duplicated as PostgreSQL does).
    Jsonb(String),
    /// `oid` and the reg* types.
    Oid(u32),
    /// A one-dimensional array of any of the above; the column's type says
    /// which element type (see [`array`]).
    Array(std::sync::Arc<Array>),
}
