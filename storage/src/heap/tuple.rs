//! Forming and deforming heap tuples: the bytes after the header.
//!
//! Attributes are laid out as PostgreSQL lays them out (`heap_form_tuple`):
//! in column order, each aligned to its type's `typalign`, nulls taking no
//! space (the header's bitmap says which are null). Fixed-length values are
//! little-endian. Variable-length values (text, bytea, numeric, json, ...)
//! are varlenas:
//!
//! ```text
//! short varlena (total <= 127 bytes): 1 byte  (len << 1) | 1, then data; no alignment
//! long varlena:                       4 bytes (len << 2),     then data; aligned to typalign
//! ```
//!
//! where `len` counts the header itself, as in PostgreSQL on little-endian
//! machines. A value too large for a page is rejected with 54000; values are
//! not yet compressed or moved out of line (TOAST).
//!
//! Per-type storage:
//!
//! ```text
//! bool 1 | int2 2 | int4, oid, date, float4 4 | int8, float8, time,
//! timestamp, timestamptz 8 | interval 16 (micros i64, days i32, months i32) |
//! uuid 16 | "char" 1 | numeric varlena holding numeric_send's bytes |
//! text, varchar, bpchar, name, json, jsonb varlena holding UTF-8 |
//! bytea varlena holding the bytes | arrays varlena holding array_send's
//! bytes (see `datum::array`)
//! ```

use crate::datum::types::Align;
use crate::datum::{
    Date, Datum, Interval, Numeric, SqlType, Time, Timestamp, TimestampTz, TypeOid,
};
use crate::error::{Result, StorageError};
use crate::heap::htup::{
    HEAP_HASNULL, HEAP_HASVARWIDTH, HEAP_XMAX_INVALID, HeapTupleHeader, HeapTupleHeaderMut,
    SIZEOF_HEAP_TUPLE_HEADER,
};

/// The largest tuple that fits on a heap page with its line pointer.
pub const MAX_HEAP_TUPLE_SIZE: usize = crate::page::BLCKSZ - 32 - 4;

/// How one column is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttrDesc {
    /// The column's type.
    pub typ: SqlType,
    /// `typlen`: fixed size, or -1 for varlena.
    pub len: i16,
    /// `typalign`.
    pub align: Align,
}

impl AttrDesc {
    /// The storage properties of a column of type `typ`.
    pub fn new(typ: SqlType) -> Self {
        let (len, align) = storage_of(typ.oid);
        AttrDesc { typ, len, align }
    }
}

/// The storage layout of a relation's rows (PostgreSQL's TupleDesc).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TupleDesc {
    /// One entry per column, in attribute-number order.
    pub attrs: Vec<AttrDesc>,
}

impl TupleDesc {
    /// A descriptor for columns of the given types.
    pub fn new(types: impl IntoIterator<Item = SqlType>) -> Self {
        TupleDesc {
            attrs: types.into_iter().map(AttrDesc::new).collect(),
        }
    }

    /// The number of columns.
    pub fn natts(&self) -> usize {
        self.attrs.len()
    }
}

/// `typlen` and `typalign` as this module stores the type. `name` is stored as
/// a varlena, not PostgreSQL's fixed 64 bytes.
fn storage_of(oid: TypeOid) -> (i16, Align) {
    match oid {
        TypeOid::NAME => (-1, Align::Int),
        TypeOid::REGPROC
        | TypeOid::REGCLASS
        | TypeOid::REGTYPE
        | TypeOid::REGNAMESPACE
        | TypeOid::REGROLE
        | TypeOid::REGOPER
        | TypeOid::REGPROCEDURE => (4, Align::Int),
        other => (other.typlen(), other.align()),
    }
}

fn align_up(off: usize, align: usize) -> usize {
    (off + align - 1) & !(align - 1)
}

/// The header size for `natts` attributes, with or without a null bitmap.
fn header_size(natts: usize, has_nulls: bool) -> usize {
    let bitmap = if has_nulls { natts.div_ceil(8) } else { 0 };
    align_up(SIZEOF_HEAP_TUPLE_HEADER + bitmap, 8)
}

/// Builds a tuple (header and data) for `values` into `out`, replacing its
/// contents. The header's xmin/xmax/cids/ctid are zero and `xmax` is marked
/// invalid; the heap fills them in when it stores the tuple.
pub fn form_tuple(desc: &TupleDesc, values: &[Datum], out: &mut Vec<u8>) -> Result<()> {
    if values.len() != desc.natts() {
        return Err(StorageError::Internal(format!(
            "form_tuple: {} values for {} columns",
            values.len(),
            desc.natts()
        )));
    }
    let has_nulls = values.iter().any(|v| matches!(v, Datum::Null));
    let hoff = header_size(desc.natts(), has_nulls);
    out.clear();
    out.resize(hoff, 0);
    let mut infomask = HEAP_XMAX_INVALID;
    if has_nulls {
        infomask |= HEAP_HASNULL;
    }
    for (i, (attr, value)) in desc.attrs.iter().zip(values).enumerate() {
        if matches!(value, Datum::Null) {
            continue;
        }
        if has_nulls {
            out[SIZEOF_HEAP_TUPLE_HEADER + i / 8] |= 1 << (i % 8);
        }
        if attr.len < 0 {
            infomask |= HEAP_HASVARWIDTH;
        }
        encode_value(attr, value, out)?;
    }
    if out.len() > MAX_HEAP_TUPLE_SIZE {
        return Err(StorageError::ProgramLimitExceeded(format!(
            "row is too big: size {}, maximum size {}",
            out.len(),
            MAX_HEAP_TUPLE_SIZE
        )));
    }
    let natts = u16::try_from(desc.natts())
        .ok()
        .filter(|n| *n <= crate::heap::htup::HEAP_NATTS_MASK)
        .ok_or_else(|| {
            StorageError::ProgramLimitExceeded("tables can have at most 1600 columns".into())
        })?;
    let mut h = HeapTupleHeaderMut(out);
    h.set_infomask(infomask);
    h.set_infomask2(natts);
    // hoff is at most 35 + 256 rounded to 8, which fits a byte.
    h.set_hoff(u8::try_from(hoff).map_err(|_| StorageError::Internal("t_hoff overflow".into()))?);
    Ok(())
}

/// Appends the non-null `values` to `out`, laid out as in a heap tuple's
/// data area: each aligned to its type's `typalign` relative to the start of
/// `out`, NULLs taking no space (the caller records which are NULL). Used
/// for index tuple keys, whose items start MAXALIGNed on the page as heap
/// tuples do.
pub fn encode_attrs(desc: &TupleDesc, values: &[Datum], out: &mut Vec<u8>) -> Result<()> {
    if values.len() != desc.natts() {
        return Err(StorageError::Internal(format!(
            "encode_attrs: {} values for {} columns",
            values.len(),
            desc.natts()
        )));
    }
    for (attr, value) in desc.attrs.iter().zip(values) {
        if !matches!(value, Datum::Null) {
            encode_value(attr, value, out)?;
        }
    }
    Ok(())
}

/// Reads attributes written by [`encode_attrs`] from `data` starting at
/// `off` into `out` (cleared first); `is_null(i)` says which columns were
/// NULL. Corrupt data is an error, never a panic.
pub fn decode_attrs(
    desc: &TupleDesc,
    data: &[u8],
    mut off: usize,
    is_null: impl Fn(usize) -> bool,
    out: &mut Vec<Datum>,
) -> Result<()> {
    out.clear();
    for (i, attr) in desc.attrs.iter().enumerate() {
        if is_null(i) {
            out.push(Datum::Null);
            continue;
        }
        let (value, next) = decode_value(attr, data, off)?;
        out.push(value);
        off = next;
    }
    Ok(())
}

fn push_aligned(out: &mut Vec<u8>, align: Align) {
    let target = align_up(out.len(), align.bytes());
    out.resize(target, 0);
}

fn encode_varlena(data: &[u8], align: Align, out: &mut Vec<u8>) -> Result<()> {
    if data.len() < 127 {
        out.push(((data.len() + 1) << 1) as u8 | 1);
    } else {
        let total = data.len() + 4;
        if total > MAX_HEAP_TUPLE_SIZE {
            return Err(StorageError::ProgramLimitExceeded(format!(
                "row is too big: size {total}, maximum size {MAX_HEAP_TUPLE_SIZE}"
            )));
        }
        push_aligned(out, align);
        out.extend_from_slice(&((total as u32) << 2).to_le_bytes());
    }
    out.extend_from_slice(data);
    Ok(())
}

fn mismatch(attr: &AttrDesc, value: &Datum) -> StorageError {
    StorageError::Internal(format!(
        "value {value:?} cannot be stored in a column of type {}",
        attr.typ.oid.sql_name()
    ))
}

fn encode_value(attr: &AttrDesc, value: &Datum, out: &mut Vec<u8>) -> Result<()> {
    if attr.len > 0 {
        push_aligned(out, attr.align);
    }
    match value {
        Datum::Bool(b) => out.push(u8::from(*b)),
        Datum::Int2(v) => out.extend_from_slice(&v.to_le_bytes()),
        Datum::Int4(v) => out.extend_from_slice(&v.to_le_bytes()),
        Datum::Int8(v) => out.extend_from_slice(&v.to_le_bytes()),
        Datum::Float4(v) => out.extend_from_slice(&v.to_le_bytes()),
        Datum::Float8(v) => out.extend_from_slice(&v.to_le_bytes()),
        Datum::Oid(v) => out.extend_from_slice(&v.to_le_bytes()),
        Datum::Date(d) => out.extend_from_slice(&d.0.to_le_bytes()),
        Datum::Time(t) => out.extend_from_slice(&t.0.to_le_bytes()),
        Datum::Timestamp(t) => out.extend_from_slice(&t.0.to_le_bytes()),
        Datum::TimestampTz(t) => out.extend_from_slice(&t.0.to_le_bytes()),
        Datum::Interval(i) => {
            out.extend_from_slice(&i.micros.to_le_bytes());
            out.extend_from_slice(&i.days.to_le_bytes());
            out.extend_from_slice(&i.months.to_le_bytes());
        }
        Datum::Uuid(u) => out.extend_from_slice(u),
        Datum::Text(s) | Datum::Json(s) | Datum::Jsonb(s) => {
            if attr.typ.oid == TypeOid::CHAR {
                out.push(s.as_bytes().first().copied().unwrap_or(0));
            } else {
                encode_varlena(s.as_bytes(), attr.align, out)?;
            }
        }
        Datum::Bytea(b) => encode_varlena(b, attr.align, out)?,
        Datum::Numeric(n) => {
            let mut buf = Vec::new();
            n.write_binary(&mut buf);
            encode_varlena(&buf, attr.align, out)?;
        }
        Datum::Array(a) => {
            let elem = attr
                .typ
                .oid
                .elem_type()
                .ok_or_else(|| mismatch(attr, value))?;
            let mut buf = Vec::new();
            crate::datum::array::send_array(a, elem, &mut buf);
            encode_varlena(&buf, attr.align, out)?;
        }
        Datum::Null => return Err(mismatch(attr, value)),
    }
    Ok(())
}

/// Reads all attributes of `tuple` into `out` (cleared first). Attributes
/// beyond the tuple's own count (columns added later) read as NULL.
pub fn deform_tuple(desc: &TupleDesc, tuple: &[u8], out: &mut Vec<Datum>) -> Result<()> {
    out.clear();
    if tuple.len() < SIZEOF_HEAP_TUPLE_HEADER {
        return Err(StorageError::Corrupted(
            "heap tuple shorter than its header".into(),
        ));
    }
    let header = HeapTupleHeader(tuple);
    let mut off = header.hoff();
    for (i, attr) in desc.attrs.iter().enumerate() {
        if header.att_is_null(i) {
            out.push(Datum::Null);
            continue;
        }
        let (value, next) = decode_value(attr, tuple, off)?;
        out.push(value);
        off = next;
    }
    Ok(())
}

fn corrupt() -> StorageError {
    StorageError::Corrupted("heap tuple data runs past its end".into())
}

fn fixed<const N: usize>(tuple: &[u8], off: usize) -> Result<[u8; N]> {
    tuple
        .get(off..off + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(corrupt)
}

/// Returns the varlena payload starting at `off` (after alignment) and the
/// offset just past it.
fn decode_varlena(tuple: &[u8], mut off: usize, align: Align) -> Result<(&[u8], usize)> {
    let first = *tuple.get(off).ok_or_else(corrupt)?;
    if first & 1 == 1 {
        let total = usize::from(first >> 1);
        let data = tuple.get(off + 1..off + total).ok_or_else(corrupt)?;
        return Ok((data, off + total));
    }
    off = align_up(off, align.bytes());
    let total = (u32::from_le_bytes(fixed::<4>(tuple, off)?) >> 2) as usize;
    if total < 4 {
        return Err(corrupt());
    }
    let data = tuple.get(off + 4..off + total).ok_or_else(corrupt)?;
    Ok((data, off + total))
}

fn utf8(data: &[u8]) -> Result<String> {
    String::from_utf8(data.to_vec())
        .map_err(|_| StorageError::Corrupted("text value is not valid UTF-8".into()))
}

fn decode_value(attr: &AttrDesc, tuple: &[u8], off: usize) -> Result<(Datum, usize)> {
    if attr.len < 0 {
        let (data, next) = decode_varlena(tuple, off, attr.align)?;
        let value = match attr.typ.oid {
            TypeOid::BYTEA => Datum::Bytea(data.to_vec()),
            TypeOid::NUMERIC => Datum::Numeric(
                Numeric::read_binary(data).map_err(|e| StorageError::Corrupted(e.to_string()))?,
            ),
            TypeOid::JSON => Datum::Json(utf8(data)?),
            TypeOid::JSONB => Datum::Jsonb(utf8(data)?),
            array if array.is_array() => {
                let elem = SqlType::new(array.elem_type().unwrap_or(TypeOid::TEXT));
                Datum::Array(std::sync::Arc::new(
                    crate::datum::array::recv_array(data, elem)
                        .map_err(|e| StorageError::Corrupted(e.to_string()))?,
                ))
            }
            _ => Datum::Text(utf8(data)?),
        };
        return Ok((value, next));
    }
    let off = align_up(off, attr.align.bytes());
    let len = attr.len as usize;
    let value = match attr.typ.oid {
        TypeOid::BOOL => Datum::Bool(fixed::<1>(tuple, off)?[0] != 0),
        TypeOid::CHAR => {
            let b = fixed::<1>(tuple, off)?[0];
            Datum::Text(if b == 0 {
                String::new()
            } else {
                char::from(b).to_string()
            })
        }
        TypeOid::INT2 => Datum::Int2(i16::from_le_bytes(fixed(tuple, off)?)),
        TypeOid::INT4 => Datum::Int4(i32::from_le_bytes(fixed(tuple, off)?)),
        TypeOid::INT8 => Datum::Int8(i64::from_le_bytes(fixed(tuple, off)?)),
        TypeOid::FLOAT4 => Datum::Float4(f32::from_le_bytes(fixed(tuple, off)?)),
        TypeOid::FLOAT8 => Datum::Float8(f64::from_le_bytes(fixed(tuple, off)?)),
        TypeOid::DATE => Datum::Date(Date(i32::from_le_bytes(fixed(tuple, off)?))),
        TypeOid::TIME => Datum::Time(Time(i64::from_le_bytes(fixed(tuple, off)?))),
        TypeOid::TIMESTAMP => Datum::Timestamp(Timestamp(i64::from_le_bytes(fixed(tuple, off)?))),
        TypeOid::TIMESTAMPTZ => {
            Datum::TimestampTz(TimestampTz(i64::from_le_bytes(fixed(tuple, off)?)))
        }
        TypeOid::INTERVAL => {
            let b: [u8; 16] = fixed(tuple, off)?;
            let mut micros = [0u8; 8];
            micros.copy_from_slice(&b[0..8]);
            Datum::Interval(Interval {
                micros: i64::from_le_bytes(micros),
                days: i32::from_le_bytes([b[8], b[9], b[10], b[11]]),
                months: i32::from_le_bytes([b[12], b[13], b[14], b[15]]),
            })
        }
        TypeOid::UUID => Datum::Uuid(fixed(tuple, off)?),
        _ if len == 4 => Datum::Oid(u32::from_le_bytes(fixed(tuple, off)?)),
        other => {
            return Err(StorageError::Internal(format!(
                "cannot read stored values of type {}",
                other.sql_name()
            )));
        }
    };
    Ok((value, off + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(types: &[TypeOid], values: Vec<Datum>) {
        let desc = TupleDesc::new(types.iter().map(|t| SqlType::new(*t)));
        let mut buf = Vec::new();
        form_tuple(&desc, &values, &mut buf).expect("form");
        assert_eq!(HeapTupleHeader(&buf).hoff() % 8, 0);
        let mut out = Vec::new();
        deform_tuple(&desc, &buf, &mut out).expect("deform");
        assert_eq!(out, values);
    }

    #[test]
    fn fixed_width_types_round_trip_with_alignment() {
        round_trip(
            &[
                TypeOid::BOOL,
                TypeOid::INT8,
                TypeOid::INT2,
                TypeOid::INT4,
                TypeOid::FLOAT8,
            ],
            vec![
                Datum::Bool(true),
                Datum::Int8(-1 << 40),
                Datum::Int2(-7),
                Datum::Int4(123_456),
                Datum::Float8(2.5),
            ],
        );
    }

    #[test]
    fn int8_after_bool_is_eight_byte_aligned() {
        let desc = TupleDesc::new([SqlType::new(TypeOid::BOOL), SqlType::new(TypeOid::INT8)]);
        let mut buf = Vec::new();
        form_tuple(&desc, &[Datum::Bool(true), Datum::Int8(1)], &mut buf).expect("form");
        // 40-byte header, bool at 40, int8 padded to 48.
        assert_eq!(buf.len(), 56);
        assert_eq!(buf[48], 1);
    }

    #[test]
    fn nulls_take_no_space_and_set_the_bitmap() {
        round_trip(
            &[TypeOid::INT4, TypeOid::TEXT, TypeOid::INT4],
            vec![Datum::Null, Datum::Text("x".into()), Datum::Null],
        );
        let desc = TupleDesc::new([SqlType::new(TypeOid::INT4); 9]);
        let mut values = vec![Datum::Int4(1); 9];
        values[8] = Datum::Null;
        let mut buf = Vec::new();
        form_tuple(&desc, &values, &mut buf).expect("form");
        let h = HeapTupleHeader(&buf);
        assert!(h.att_is_null(8));
        assert!(!h.att_is_null(7));
    }

    #[test]
    fn short_and_long_varlenas() {
        round_trip(
            &[TypeOid::TEXT, TypeOid::BYTEA, TypeOid::VARCHAR],
            vec![
                Datum::Text("héllo".into()),
                Datum::Bytea(vec![7; 300]),
                Datum::Text("y".repeat(126)),
            ],
        );
    }

    #[test]
    fn too_large_row_is_54000() {
        let desc = TupleDesc::new([SqlType::new(TypeOid::TEXT)]);
        let mut buf = Vec::new();
        let err = form_tuple(&desc, &[Datum::Text("z".repeat(9000))], &mut buf).unwrap_err();
        assert_eq!(err.sqlstate(), "54000");
    }

    #[test]
    fn truncated_tuple_is_an_error_not_a_panic() {
        let desc = TupleDesc::new([SqlType::new(TypeOid::INT8), SqlType::new(TypeOid::TEXT)]);
        let mut buf = Vec::new();
        form_tuple(
            &desc,
            &[Datum::Int8(5), Datum::Text("abc".repeat(100))],
            &mut buf,
        )
        .expect("form");
        for cut in [10, 41, 50, buf.len() - 1] {
            let mut out = Vec::new();
            assert!(
                deform_tuple(&desc, &buf[..cut], &mut out).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn date_time_uuid_interval_round_trip() {
        round_trip(
            &[
                TypeOid::DATE,
                TypeOid::TIMESTAMPTZ,
                TypeOid::INTERVAL,
                TypeOid::UUID,
                TypeOid::TIME,
            ],
            vec![
                Datum::Date(Date(-5)),
                Datum::TimestampTz(TimestampTz(i64::MAX)),
                Datum::Interval(Interval {
                    months: 1,
                    days: -2,
                    micros: 3,
                }),
                Datum::Uuid([9; 16]),
                Datum::Time(Time(86_400_000_000)),
            ],
        );
    }

    #[test]
    fn every_supported_type_round_trips_with_nulls_between() {
        use crate::datum::{Date, Interval, Numeric, Time, Timestamp, TimestampTz};
        let cases: Vec<(TypeOid, Datum)> = vec![
            (TypeOid::BOOL, Datum::Bool(false)),
            (TypeOid::INT2, Datum::Int2(i16::MIN)),
            (TypeOid::INT4, Datum::Int4(i32::MAX)),
            (TypeOid::INT8, Datum::Int8(i64::MIN)),
            (TypeOid::FLOAT4, Datum::Float4(-1.25)),
            (TypeOid::FLOAT8, Datum::Float8(f64::INFINITY)),
            (
                TypeOid::NUMERIC,
                Datum::Numeric(Numeric::parse("-12345678901234567890.000123").expect("numeric")),
            ),
            (TypeOid::NUMERIC, Datum::Numeric(Numeric::nan())),
            (TypeOid::TEXT, Datum::Text("héllo wörld".into())),
            (TypeOid::VARCHAR, Datum::Text(String::new())),
            (TypeOid::BPCHAR, Datum::Text("ab   ".into())),
            (TypeOid::NAME, Datum::Text("pg_class".into())),
            (TypeOid::CHAR, Datum::Text("r".into())),
            (TypeOid::BYTEA, Datum::Bytea(vec![0, 255, 10])),
            (TypeOid::DATE, Datum::Date(Date(i32::MIN))),
            (TypeOid::TIME, Datum::Time(Time(1))),
            (TypeOid::TIMESTAMP, Datum::Timestamp(Timestamp(-1))),
            (
                TypeOid::TIMESTAMPTZ,
                Datum::TimestampTz(TimestampTz(1_000_000)),
            ),
            (
                TypeOid::INTERVAL,
                Datum::Interval(Interval {
                    months: -1,
                    days: 2,
                    micros: -3,
                }),
            ),
            (TypeOid::UUID, Datum::Uuid(*b"0123456789abcdef")),
            (TypeOid::JSON, Datum::Json("{\"a\":1}".into())),
            (TypeOid::JSONB, Datum::Jsonb("{\"a\": 1}".into())),
            (TypeOid::OID, Datum::Oid(u32::MAX)),
        ];
        let mut types = Vec::new();
        let mut values = Vec::new();
        for (t, v) in cases {
            // A NULL before each value shifts the alignment it meets.
            types.push(TypeOid::BOOL);
            values.push(Datum::Null);
            types.push(t);
            values.push(v);
        }
        round_trip(&types, values);
    }
}
