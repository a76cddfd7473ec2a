//! `pg_statistic`: the per-column statistics ANALYZE gathers and the
//! planner reads (PostgreSQL's `catalog/pg_statistic.h`).
//!
//! One row per analyzed column (`starelid`, `staattnum`), with
//! `stainherit` always false (there is no inheritance). The row carries
//! PostgreSQL 15's columns: `stanullfrac`, `stawidth`, `stadistinct`
//! (positive: a count; negative: minus a fraction of the rows, when the
//! number of distinct values grows with the table; 0: unknown), and five
//! "slots" `stakindN / staopN / stacollN / stanumbersN / stavaluesN`.
//!
//! # Slot layout
//!
//! PostgreSQL packs the kinds it has into the first slots. heapgres gives
//! each kind a fixed slot, leaving it empty (kind 0, NULL arrays) when the
//! column has none, so readers need not search:
//!
//! ```text
//!  slot 1  kind 1 STATISTIC_KIND_MCV          numbers: frequencies  values: the MCVs
//!  slot 2  kind 2 STATISTIC_KIND_HISTOGRAM    numbers: NULL         values: bounds
//!  slot 3  kind 3 STATISTIC_KIND_CORRELATION  numbers: {corr}       values: NULL
//!  slot 4, 5  unused (kind 0)
//! ```
//!
//! # Values as text
//!
//! PostgreSQL's `stavaluesN` are `anyarray`: arrays of the column's own
//! type. heapgres has no `anyarray` storage, so the values are kept as
//! `text[]` holding each value's text output (`output_text` with UTC and
//! `extra_float_digits = 1`, which round-trips exactly); the planner reads
//! them back with the column type's input function. `pg_stats` shows
//! these arrays as `text[]`.
//!
//! Rows are ordinary MVCC rows: ANALYZE replaces a table's rows inside its
//! own transaction, so a concurrent reader sees the old set or the new
//! one, and DROP TABLE deletes them with the table's other catalog rows.

use crate::datum::array::Array;
use crate::datum::io::{OutputOptions, input_text, to_text};
use crate::datum::{Datum, SqlType, TypeOid};
use crate::error::Result;
use crate::heap::heapam::Writer;
use crate::txn::Snapshot;
use crate::types::Oid;

use super::defs::{PG_CLASS, PG_STATISTIC};
use super::{Catalog, oid};

/// `STATISTIC_KIND_MCV`
pub const STATISTIC_KIND_MCV: i16 = 1;
/// `STATISTIC_KIND_HISTOGRAM`
pub const STATISTIC_KIND_HISTOGRAM: i16 = 2;
/// `STATISTIC_KIND_CORRELATION`
pub const STATISTIC_KIND_CORRELATION: i16 = 3;

/// The number of slots in a row, as in PostgreSQL.
const SLOTS: usize = 5;

/// The OID of the "C" collation, which text columns compare with.
const C_COLLATION: u32 = 950;

/// The statistics of one column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnStats {
    /// `staattnum`: the column's 1-based number.
    pub attnum: i16,
    /// `stanullfrac`: the fraction of rows where it is NULL.
    pub null_frac: f64,
    /// `stawidth`: the average stored width of its non-NULL values.
    pub width: i32,
    /// `stadistinct` (see the module doc for the sign convention).
    pub n_distinct: f64,
    /// The most common values, most common first, with the fraction of
    /// all rows holding each.
    pub mcv: Vec<(Datum, f64)>,
    /// Equal-frequency histogram bounds of the values not in `mcv`,
    /// ascending (empty: none, or fewer than two distinct such values).
    pub histogram: Vec<Datum>,
    /// Correlation between the physical order of the rows and the order of
    /// the values, in -1..=1.
    pub correlation: Option<f64>,
}

/// What the planner knows about a table.
#[derive(Clone, Debug, Default)]
pub struct RelStatistics {
    /// `pg_class.relpages`
    pub relpages: u32,
    /// `pg_class.reltuples`: -1 if never vacuumed or analyzed.
    pub reltuples: f64,
    /// Analyzed columns, by attnum.
    pub columns: Vec<ColumnStats>,
}

impl RelStatistics {
    /// The statistics of column `attnum`, if analyzed.
    pub fn column(&self, attnum: i16) -> Option<&ColumnStats> {
        self.columns.iter().find(|c| c.attnum == attnum)
    }
}

impl Catalog {
    /// Replaces the statistics of `rel`'s columns named in `stats` (other
    /// columns keep theirs) under `w`.
    pub fn replace_statistics(
        &self,
        rel: Oid,
        column_types: &[SqlType],
        stats: &[ColumnStats],
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        self.delete_rows(&PG_STATISTIC, snap, w, |row| {
            oid(&row[0]) == rel
                && matches!(row[1], Datum::Int2(n) if stats.iter().any(|s| s.attnum == n))
        })?;
        for s in stats {
            let typ = column_type(column_types, s.attnum);
            self.insert_row(&PG_STATISTIC, &statistic_row(rel, typ, s), w.xid, w.cid)?;
        }
        Ok(())
    }

    /// Deletes every `pg_statistic` row of `rel` under `w`.
    pub fn drop_statistics(&self, rel: Oid, snap: &Snapshot, w: &Writer<'_>) -> Result<()> {
        self.delete_rows(&PG_STATISTIC, snap, w, |row| oid(&row[0]) == rel)?;
        Ok(())
    }

    /// The size and column statistics of `rel` that `snap` sees; values
    /// that no longer parse as `column_types` (cannot happen without
    /// ALTER COLUMN TYPE) drop the slot.
    pub fn rel_statistics(
        &self,
        rel: Oid,
        column_types: &[SqlType],
        snap: &Snapshot,
    ) -> Result<RelStatistics> {
        let mut out = RelStatistics {
            reltuples: -1.0,
            ..Default::default()
        };
        let (pages_col, tuples_col) = (PG_CLASS.col("relpages"), PG_CLASS.col("reltuples"));
        self.scan_table(&PG_CLASS, snap, |_, row| {
            if oid(&row[0]) != rel {
                return Ok(true);
            }
            if let Datum::Int4(p) = row[pages_col] {
                out.relpages = u32::try_from(p).unwrap_or(0);
            }
            if let Datum::Float4(t) = row[tuples_col] {
                out.reltuples = f64::from(t);
            }
            Ok(false)
        })?;
        self.scan_table(&PG_STATISTIC, snap, |_, row| {
            if oid(&row[0]) == rel
                && let Datum::Int2(attnum) = row[1]
            {
                let typ = column_type(column_types, attnum);
                out.columns.push(parse_statistic_row(attnum, typ, row));
            }
            Ok(true)
        })?;
        Ok(out)
    }
}

/// The type of column `attnum` (1-based); text for an unknown column.
fn column_type(types: &[SqlType], attnum: i16) -> SqlType {
    usize::try_from(attnum - 1)
        .ok()
        .and_then(|i| types.get(i).copied())
        .unwrap_or(SqlType::new(TypeOid::TEXT))
}

fn statistic_row(rel: Oid, typ: SqlType, s: &ColumnStats) -> Vec<Datum> {
    let mut kinds = [0i16; SLOTS];
    let mut numbers = vec![Datum::Null; SLOTS];
    let mut values = vec![Datum::Null; SLOTS];
    if !s.mcv.is_empty() {
        kinds[0] = STATISTIC_KIND_MCV;
        numbers[0] = float4_array(s.mcv.iter().map(|(_, f)| *f));
        values[0] = text_array(s.mcv.iter().map(|(v, _)| v), typ);
    }
    if s.histogram.len() >= 2 {
        kinds[1] = STATISTIC_KIND_HISTOGRAM;
        values[1] = text_array(s.histogram.iter(), typ);
    }
    if let Some(c) = s.correlation {
        kinds[2] = STATISTIC_KIND_CORRELATION;
        numbers[2] = float4_array(std::iter::once(c));
    }
    let collation = if is_collatable(typ.oid) {
        C_COLLATION
    } else {
        0
    };
    let mut row = vec![
        Datum::Oid(rel.0),
        Datum::Int2(s.attnum),
        Datum::Bool(false),
        Datum::Float4(s.null_frac as f32),
        Datum::Int4(s.width),
        Datum::Float4(s.n_distinct as f32),
    ];
    row.extend(kinds.iter().map(|k| Datum::Int2(*k)));
    // staopN: the type's `=` for an MCV list, `<` for the others; heapgres
    // has no pg_operator rows, so the slots record 0.
    row.extend((0..SLOTS).map(|_| Datum::Oid(0)));
    row.extend(
        kinds
            .iter()
            .map(|k| Datum::Oid(if *k != 0 { collation } else { 0 })),
    );
    row.extend(numbers);
    row.extend(values);
    row
}

fn is_collatable(t: TypeOid) -> bool {
    matches!(
        t,
        TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR | TypeOid::NAME
    )
}

fn float4_array(v: impl Iterator<Item = f64>) -> Datum {
    Datum::Array(std::sync::Arc::new(Array::new(
        v.map(|f| Datum::Float4(f as f32)).collect(),
    )))
}

fn text_array<'a>(v: impl Iterator<Item = &'a Datum>, typ: SqlType) -> Datum {
    let opts = OutputOptions::default();
    Datum::Array(std::sync::Arc::new(Array::new(
        v.map(|d| to_text(d, typ.oid, &opts).map_or(Datum::Null, Datum::Text))
            .collect(),
    )))
}

fn parse_statistic_row(attnum: i16, typ: SqlType, row: &[Datum]) -> ColumnStats {
    let real = |d: &Datum| match d {
        Datum::Float4(f) => f64::from(*f),
        _ => 0.0,
    };
    let slot = |kind: i16| -> Option<(Vec<f64>, Vec<Datum>)> {
        let i = (0..SLOTS).find(|i| row[6 + i] == Datum::Int2(kind))?;
        let numbers = match &row[6 + 3 * SLOTS + i] {
            Datum::Array(a) => a.elems.iter().map(real).collect(),
            _ => Vec::new(),
        };
        let values = match &row[6 + 4 * SLOTS + i] {
            Datum::Array(a) => parse_values(&a.elems, typ)?,
            _ => Vec::new(),
        };
        Some((numbers, values))
    };
    let mcv = slot(STATISTIC_KIND_MCV)
        .map(|(f, v)| v.into_iter().zip(f).collect())
        .unwrap_or_default();
    let histogram = slot(STATISTIC_KIND_HISTOGRAM)
        .map(|(_, v)| v)
        .unwrap_or_default();
    let correlation = slot(STATISTIC_KIND_CORRELATION).and_then(|(n, _)| n.first().copied());
    ColumnStats {
        attnum,
        null_frac: real(&row[3]),
        width: match row[4] {
            Datum::Int4(w) => w,
            _ => 0,
        },
        n_distinct: real(&row[5]),
        mcv,
        histogram,
        correlation,
    }
}

/// The values of a `stavalues` array, or None if one does not parse.
fn parse_values(elems: &[Datum], typ: SqlType) -> Option<Vec<Datum>> {
    let opts = OutputOptions::default();
    elems
        .iter()
        .map(|e| match e {
            Datum::Text(s) => input_text(s, typ, &opts).ok(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_round_trips() {
        let s = ColumnStats {
            attnum: 2,
            null_frac: 0.25,
            width: 4,
            n_distinct: -0.5,
            mcv: vec![(Datum::Int4(7), 0.5), (Datum::Int4(3), 0.125)],
            histogram: vec![Datum::Int4(1), Datum::Int4(5), Datum::Int4(9)],
            correlation: Some(1.0),
        };
        let typ = SqlType::new(TypeOid::INT4);
        let row = statistic_row(Oid(16384), typ, &s);
        assert_eq!(row.len(), PG_STATISTIC.columns.len());
        assert_eq!(parse_statistic_row(2, typ, &row), s);
    }

    #[test]
    fn empty_slots_stay_empty() {
        let s = ColumnStats {
            attnum: 1,
            null_frac: 1.0,
            ..Default::default()
        };
        let typ = SqlType::new(TypeOid::TEXT);
        let row = statistic_row(Oid(16384), typ, &s);
        assert_eq!(row[6], Datum::Int2(0));
        assert_eq!(parse_statistic_row(1, typ, &row), s);
    }
}
