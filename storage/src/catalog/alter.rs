//! ALTER TABLE's catalog changes: adding, dropping and retyping a column,
//! renaming a table or a column, setting or dropping a column's default and
//! NOT NULL, setting and resetting storage parameters
//! ([`super::reloptions`]).
//!
//! Each change is an MVCC update of the rows concerned (`pg_class`,
//! `pg_attribute`, `pg_attrdef`) under the caller's transaction, which
//! holds AccessExclusiveLock on the table, so it commits or rolls back
//! with the transaction and other sessions see the old definition until
//! then. A new column gets the next attribute number; rows stored before
//! it existed have fewer attributes and read it as NULL
//! ([`crate::heap::tuple::deform_tuple`]), so adding a column without a
//! default rewrites nothing.
//!
//! Attribute numbers stay dense (PostgreSQL keeps a dropped column's
//! number and marks it `attisdropped`; here the SQL layer rewrites the
//! table without the column): dropping column `k` renumbers the columns
//! after it, and with them every catalog row naming them by number
//! (`pg_attrdef.adnum`, `pg_index.indkey`, `pg_constraint.conkey` and
//! `confkey`, `pg_depend.refobjsubid`); the caller first drops what named
//! column `k` itself. Its statistics go too (ANALYZE makes new ones).

use crate::datum::{Array, Datum};
use crate::error::{Result, StorageError};
use crate::heap::heapam::{ModifyResult, Writer};
use crate::heap::tuple::form_tuple;
use crate::txn::Snapshot;

use super::defs::{
    PG_ATTRDEF, PG_ATTRIBUTE, PG_CLASS, PG_CONSTRAINT, PG_DEPEND, PG_INDEX, SystemTable,
};
use super::reloptions::{RelOptionsChange, transform};
use super::{Catalog, ColumnInfo, TableInfo, attribute_row, oid};

impl Catalog {
    /// Adds `col` as the last column of `table`.
    pub fn add_column(
        &self,
        table: &TableInfo,
        col: &ColumnInfo,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let attnum = i16::try_from(table.columns.len() + 1).map_err(|_| {
            StorageError::ProgramLimitExceeded("tables can have at most 1600 columns".into())
        })?;
        self.insert_row(
            &PG_ATTRIBUTE,
            &attribute_row(table.oid, attnum, col),
            w.xid,
            w.cid,
        )?;
        if let Some(def) = &col.default {
            self.insert_attrdef(table.oid, attnum, def, w.xid, w.cid)?;
        }
        let natts = PG_CLASS.col("relnatts");
        self.update_class_row(table.oid, snap, w, |row| {
            row[natts] = Datum::Int2(attnum);
        })
    }

    /// Applies `change` to the storage parameters of `table`
    /// (`pg_class.reloptions`, NULL once none are left). Errors (22023) if a
    /// name or value is not accepted.
    pub fn alter_reloptions(
        &self,
        table: &TableInfo,
        change: &RelOptionsChange,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let list = transform(&table.reloptions, change)?;
        let col = PG_CLASS.col("reloptions");
        self.update_class_row(table.oid, snap, w, |row| {
            row[col] = if list.is_empty() {
                Datum::Null
            } else {
                Datum::Array(std::sync::Arc::new(Array::new(
                    list.into_iter().map(Datum::Text).collect(),
                )))
            };
        })
    }

    /// Renames relation `table` (`relname`).
    pub fn rename_relation(
        &self,
        table: &TableInfo,
        name: &str,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        self.update_class_row(table.oid, snap, w, |row| {
            row[1] = Datum::Text(name.to_string());
        })
    }

    /// Changes column `col` (0-based) of `table` with `change` applied to
    /// its `pg_attribute` row.
    fn update_attribute(
        &self,
        table: &TableInfo,
        col: usize,
        snap: &Snapshot,
        w: &Writer<'_>,
        change: impl Fn(&mut Vec<Datum>),
    ) -> Result<()> {
        let attnum = col as i16 + 1;
        let num = PG_ATTRIBUTE.col("attnum");
        let rel = table.oid;
        let n = self.update_rows(
            &PG_ATTRIBUTE,
            snap,
            w,
            |row| oid(&row[0]) == rel && matches!(row[num], Datum::Int2(a) if a == attnum),
            change,
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(StorageError::Internal(format!(
                "{n} pg_attribute rows for column {attnum} of relation {rel}"
            )))
        }
    }

    /// Renames column `col` (0-based) of `table`.
    pub fn rename_column(
        &self,
        table: &TableInfo,
        col: usize,
        name: &str,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        self.update_attribute(table, col, snap, w, |row| {
            row[1] = Datum::Text(name.to_string());
        })
    }

    /// Sets or clears NOT NULL on column `col` (0-based) of `table`.
    pub fn set_not_null(
        &self,
        table: &TableInfo,
        col: usize,
        not_null: bool,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let c = PG_ATTRIBUTE.col("attnotnull");
        self.update_attribute(table, col, snap, w, |row| {
            row[c] = Datum::Bool(not_null);
        })
    }

    /// Replaces (or, with `None`, drops) the default of column `col`
    /// (0-based) of `table`.
    pub fn set_default(
        &self,
        table: &TableInfo,
        col: usize,
        default: Option<&str>,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let attnum = col as i16 + 1;
        let rel = table.oid;
        self.delete_rows(&PG_ATTRDEF, snap, w, |row| {
            oid(&row[1]) == rel && matches!(row[2], Datum::Int2(a) if a == attnum)
        })?;
        if let Some(def) = default {
            self.insert_attrdef(rel, attnum, def, w.xid, w.cid)?;
        }
        let c = PG_ATTRIBUTE.col("atthasdef");
        self.update_attribute(table, col, snap, w, |row| {
            row[c] = Datum::Bool(default.is_some());
        })
    }

    /// Marks relation `rel` temporary (`relpersistence = 't'`).
    pub fn set_temporary(
        &self,
        rel: crate::types::Oid,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let col = PG_CLASS.col("relpersistence");
        self.update_class_row(rel, snap, w, |row| row[col] = Datum::Text("t".into()))
    }

    /// Gives column `col` (0-based) of `table` type `typ` (the caller
    /// rewrites the rows).
    pub fn set_column_type(
        &self,
        table: &TableInfo,
        col: usize,
        typ: crate::datum::SqlType,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let column = ColumnInfo {
            typ,
            ..table.columns[col].clone()
        };
        let attnum = col as i16 + 1;
        let rel = table.oid;
        self.update_attribute(table, col, snap, w, |row| {
            *row = attribute_row(rel, attnum, &column);
        })
    }

    /// Removes column `col` (0-based) of `table` from the catalog and
    /// renumbers the columns after it (see the module comment). Indexes,
    /// constraints and sequences naming the column must be gone already.
    pub fn drop_column(
        &self,
        table: &TableInfo,
        col: usize,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let rel = table.oid;
        let k = col as i16 + 1;
        let shift = |a: i16| if a > k { a - 1 } else { a };
        let num = PG_ATTRIBUTE.col("attnum");
        let int2_at = |row: &[Datum], c: usize| match row[c] {
            Datum::Int2(a) => a,
            _ => 0,
        };
        self.delete_rows(&PG_ATTRIBUTE, snap, w, |row| {
            oid(&row[0]) == rel && int2_at(row, num) == k
        })?;
        self.update_rows(
            &PG_ATTRIBUTE,
            snap,
            w,
            |row| oid(&row[0]) == rel && int2_at(row, num) > k,
            |row| row[num] = Datum::Int2(int2_at(row, num) - 1),
        )?;
        self.delete_rows(&PG_ATTRDEF, snap, w, |row| {
            oid(&row[1]) == rel && int2_at(row, 2) == k
        })?;
        self.update_rows(
            &PG_ATTRDEF,
            snap,
            w,
            |row| oid(&row[1]) == rel && int2_at(row, 2) > k,
            |row| row[2] = Datum::Int2(int2_at(row, 2) - 1),
        )?;
        let indkey = PG_INDEX.col("indkey");
        self.update_rows(
            &PG_INDEX,
            snap,
            w,
            |row| oid(&row[1]) == rel,
            |row| row[indkey] = Datum::Text(map_numbers(text_at(row, indkey), " ", shift)),
        )?;
        for (rel_col, key_col) in [("conrelid", "conkey"), ("confrelid", "confkey")] {
            let (rc, kc) = (PG_CONSTRAINT.col(rel_col), PG_CONSTRAINT.col(key_col));
            self.update_rows(
                &PG_CONSTRAINT,
                snap,
                w,
                |row| oid(&row[rc]) == rel && matches!(row[kc], Datum::Text(_)),
                |row| {
                    let list = text_at(row, kc);
                    let inner =
                        map_numbers(list.trim_matches(|c| c == '{' || c == '}'), ",", shift);
                    row[kc] = Datum::Text(format!("{{{inner}}}"));
                },
            )?;
        }
        self.update_rows(
            &PG_DEPEND,
            snap,
            w,
            |row| oid(&row[3]) == PG_CLASS.oid && oid(&row[4]) == rel,
            |row| {
                if let Datum::Int4(a) = row[5] {
                    row[5] = Datum::Int4(i32::from(shift(a as i16)));
                }
            },
        )?;
        self.drop_statistics(rel, snap, w)?;
        let natts = PG_CLASS.col("relnatts");
        let count = (table.columns.len() as i16).saturating_sub(1);
        self.update_class_row(rel, snap, w, |row| row[natts] = Datum::Int2(count))
    }

    /// Rewrites every visible row of `sys` for which `matches` holds with
    /// `change` applied; returns how many.
    fn update_rows(
        &self,
        sys: &SystemTable,
        snap: &Snapshot,
        w: &Writer<'_>,
        matches: impl Fn(&[Datum]) -> bool,
        change: impl Fn(&mut Vec<Datum>),
    ) -> Result<usize> {
        let mut targets = Vec::new();
        self.scan_table(sys, snap, |tid, row| {
            if matches(row) {
                targets.push((tid, row.to_vec()));
            }
            Ok(true)
        })?;
        let desc = sys.desc();
        let mut buf = Vec::new();
        for (tid, mut row) in targets.iter().cloned() {
            change(&mut row);
            buf.clear();
            form_tuple(&desc, &row, &mut buf)?;
            match self.heap.update(self.locator(sys.oid), tid, &mut buf, w)?.0 {
                ModifyResult::Ok | ModifyResult::SelfModified => {}
                _ => {
                    return Err(StorageError::SerializationFailure(
                        "concurrent catalog change",
                    ));
                }
            }
        }
        Ok(targets.len())
    }
}

fn text_at(row: &[Datum], col: usize) -> &str {
    match &row[col] {
        Datum::Text(t) => t,
        _ => "",
    }
}

/// `list` (numbers separated by `sep`) with `f` applied to each number.
fn map_numbers(list: &str, sep: &str, f: impl Fn(i16) -> i16) -> String {
    list.split(sep)
        .filter_map(|n| n.trim().parse::<i16>().ok())
        .map(|n| f(n).to_string())
        .collect::<Vec<_>>()
        .join(sep)
}
