//! Indexes in the catalog: `pg_index`, the index's own `pg_class` and
//! `pg_attribute` rows, and the `pg_constraint` row of a primary key or
//! unique constraint.
//!
//! An index is a relation like a table (`relkind = 'i'`, `relam = 403`,
//! btree) whose name shares the table namespace, so `CREATE INDEX t` next
//! to a table `t` is 42P07 as in PostgreSQL. Its `pg_attribute` rows name
//! the key columns after the table columns they index. `pg_index.indkey`
//! lists the table's attribute numbers, `indoption` the per-column flags
//! (bit 0: DESC, bit 1: NULLS FIRST), both as int2vector text (`1 3`).
//!
//! A constraint-backed index (PRIMARY KEY, UNIQUE) has a `pg_constraint`
//! row of the same name with `conindid` pointing at it; dropping the
//! constraint drops the index, and the index cannot be dropped alone.
//!
//! The index's descriptors are read with the table's ([`IndexInfo`] in
//! [`TableInfo::indexes`]) and cached with it, so plans and DML see every
//! index a committed CREATE INDEX made.

use std::sync::Arc;

use crate::datum::Datum;
use crate::error::{Result, StorageError};
use crate::heap::heapam::Writer;
use crate::heap::tuple::{TupleDesc, form_tuple};
use crate::nbtree::{IndexColumn, IndexKeyDesc};
use crate::txn::Snapshot;
use crate::types::{Oid, RelFileLocator};

use super::defs::{PG_ATTRIBUTE, PG_CLASS, PG_CONSTRAINT, PG_INDEX};
use super::{Catalog, ColumnInfo, PendingFiles, TableInfo, oid, text};

/// `indoption` bit: the column sorts descending.
pub const INDOPTION_DESC: i16 = 0x0001;
/// `indoption` bit: NULLs sort before non-NULLs.
pub const INDOPTION_NULLS_FIRST: i16 = 0x0002;

/// How one key column of an index orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexColumnOrder {
    /// DESC
    pub descending: bool,
    /// NULLS FIRST (the default for DESC, as in PostgreSQL).
    pub nulls_first: bool,
}

impl IndexColumnOrder {
    /// ASC NULLS LAST, the default.
    pub const ASC: IndexColumnOrder = IndexColumnOrder {
        descending: false,
        nulls_first: false,
    };

    fn to_bits(self) -> i16 {
        let mut bits = 0;
        if self.descending {
            bits |= INDOPTION_DESC;
        }
        if self.nulls_first {
            bits |= INDOPTION_NULLS_FIRST;
        }
        bits
    }

    fn from_bits(bits: i16) -> Self {
        IndexColumnOrder {
            descending: bits & INDOPTION_DESC != 0,
            nulls_first: bits & INDOPTION_NULLS_FIRST != 0,
        }
    }
}

/// An index of a table, as DML and the planner see it.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexInfo {
    /// The index's `pg_class.oid`.
    pub oid: Oid,
    /// Its name (also the constraint's, for a constraint index).
    pub name: String,
    /// Where its file is.
    pub locator: RelFileLocator,
    /// The indexed table columns (0-based positions), in key order.
    pub columns: Vec<usize>,
    /// The ordering of each key column.
    pub orders: Vec<IndexColumnOrder>,
    /// UNIQUE (or PRIMARY KEY).
    pub unique: bool,
    /// PRIMARY KEY.
    pub primary: bool,
    /// `'p'` or `'u'` if a constraint owns the index.
    pub constraint: Option<char>,
    /// The B-tree's key description (column types and orderings), made
    /// once here rather than for every entry inserted or probe made.
    pub key: IndexKeyDesc,
}

/// The B-tree key description of an index on `columns` (table column
/// positions) ordered by `orders`, for a table with `table_columns`.
fn key_desc(
    table_columns: &[ColumnInfo],
    columns: &[usize],
    orders: &[IndexColumnOrder],
) -> IndexKeyDesc {
    IndexKeyDesc {
        columns: columns
            .iter()
            .zip(orders)
            .map(|(&c, o)| IndexColumn {
                typ: table_columns[c].typ,
                descending: o.descending,
                nulls_first: o.nulls_first,
            })
            .collect(),
    }
}

/// What CREATE INDEX (or a constraint) asks for.
#[derive(Clone, Debug)]
pub struct IndexDefinition {
    /// The index name.
    pub name: String,
    /// The indexed table columns (0-based), in key order.
    pub columns: Vec<usize>,
    /// Their orderings.
    pub orders: Vec<IndexColumnOrder>,
    /// UNIQUE
    pub unique: bool,
    /// PRIMARY KEY
    pub primary: bool,
    /// `'p'` / `'u'` for a constraint index.
    pub constraint: Option<char>,
}

fn int2vector(values: impl Iterator<Item = i16>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(" ")
}

fn parse_int2vector(s: &str) -> Result<Vec<i16>> {
    s.split_whitespace()
        .map(|v| {
            v.parse::<i16>()
                .map_err(|_| StorageError::Corrupted(format!("invalid int2vector \"{s}\"")))
        })
        .collect()
}

fn bool_at(row: &[Datum], col: usize) -> bool {
    matches!(row[col], Datum::Bool(true))
}

impl Catalog {
    /// Creates the catalog rows of index `def` on `table` in namespace `ns`
    /// and returns its descriptor; the caller creates and fills its file,
    /// which `pending` removes if the transaction aborts.
    pub fn create_index(
        &self,
        table: &TableInfo,
        ns: Oid,
        def: &IndexDefinition,
        snap: &Snapshot,
        w: &Writer<'_>,
        pending: &mut PendingFiles,
    ) -> Result<Arc<IndexInfo>> {
        let index_oid = self.new_oid()?;
        let locator = self.locator(index_oid);
        pending.on_abort.push(locator);
        let key_columns: Vec<ColumnInfo> = def
            .columns
            .iter()
            .map(|&c| ColumnInfo {
                default: None,
                ..table.columns[c].clone()
            })
            .collect();
        self.insert_class_rows(
            index_oid,
            ns,
            &def.name,
            index_oid,
            &key_columns,
            'i',
            w.xid,
            w.cid,
        )?;
        let natts = i16::try_from(def.columns.len()).map_err(|_| {
            StorageError::ProgramLimitExceeded("cannot use more than 32 columns in an index".into())
        })?;
        let attnums = def.columns.iter().map(|&c| c as i16 + 1);
        self.insert_row(
            &PG_INDEX,
            &[
                Datum::Oid(index_oid.0),
                Datum::Oid(table.oid.0),
                Datum::Int2(natts),
                Datum::Int2(natts),
                Datum::Bool(def.unique),
                Datum::Bool(false),
                Datum::Bool(def.primary),
                Datum::Bool(false),
                Datum::Bool(true),
                Datum::Bool(false),
                Datum::Bool(true),
                Datum::Bool(false),
                Datum::Bool(true),
                Datum::Bool(true),
                Datum::Bool(false),
                Datum::Text(int2vector(attnums.clone())),
                Datum::Text(int2vector(def.orders.iter().map(|o| o.to_bits()))),
            ],
            w.xid,
            w.cid,
        )?;
        if let Some(kind) = def.constraint {
            let con_oid = self.new_oid()?;
            let attnums: Vec<i16> = attnums.collect();
            let row = super::constraint::constraint_row(
                con_oid, &def.name, ns, kind, table.oid, index_oid, &attnums, None,
            );
            self.insert_row(&PG_CONSTRAINT, &row, w.xid, w.cid)?;
        }
        self.set_relhasindex(table.oid, true, snap, w)?;
        Ok(Arc::new(IndexInfo {
            oid: index_oid,
            name: def.name.clone(),
            locator,
            columns: def.columns.clone(),
            orders: def.orders.clone(),
            unique: def.unique,
            primary: def.primary,
            constraint: def.constraint,
            key: key_desc(&table.columns, &def.columns, &def.orders),
        }))
    }

    /// Deletes the catalog rows of `index` (and of its constraint) under
    /// `w`; its file goes when the transaction commits.
    pub fn drop_index(
        &self,
        index: &IndexInfo,
        snap: &Snapshot,
        w: &Writer<'_>,
        pending: &mut PendingFiles,
    ) -> Result<()> {
        let rel = index.oid;
        self.delete_rows(&PG_CLASS, snap, w, |row| oid(&row[0]) == rel)?;
        self.delete_rows(&PG_ATTRIBUTE, snap, w, |row| oid(&row[0]) == rel)?;
        self.delete_rows(&PG_INDEX, snap, w, |row| oid(&row[0]) == rel)?;
        let conindid = PG_CONSTRAINT.col("conindid");
        self.delete_rows(&PG_CONSTRAINT, snap, w, |row| oid(&row[conindid]) == rel)?;
        pending.on_commit.push(index.locator);
        Ok(())
    }

    /// The table an index belongs to (`pg_index.indrelid`).
    pub fn index_table(&self, index: Oid, snap: &Snapshot) -> Result<Option<Oid>> {
        let mut found = None;
        self.scan_table(&PG_INDEX, snap, |_, row| {
            if oid(&row[0]) == index {
                found = Some(oid(&row[1]));
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(found)
    }

    /// The indexes of table `rel`, in creation (OID) order.
    pub(crate) fn load_indexes(
        &self,
        rel: Oid,
        table_columns: &[ColumnInfo],
        snap: &Snapshot,
    ) -> Result<Vec<Arc<IndexInfo>>> {
        let mut rows: Vec<Vec<Datum>> = Vec::new();
        self.scan_table(&PG_INDEX, snap, |_, row| {
            if oid(&row[1]) == rel {
                rows.push(row.to_vec());
            }
            Ok(true)
        })?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut names: Vec<(Oid, String, Oid)> = Vec::new();
        let filenode_col = PG_CLASS.col("relfilenode");
        self.scan_table(&PG_CLASS, snap, |_, row| {
            let o = oid(&row[0]);
            if rows.iter().any(|r| oid(&r[0]) == o) {
                names.push((o, text(&row[1]).to_string(), oid(&row[filenode_col])));
            }
            Ok(true)
        })?;
        let conindid = PG_CONSTRAINT.col("conindid");
        let contype = PG_CONSTRAINT.col("contype");
        let mut constraints: Vec<(Oid, char)> = Vec::new();
        self.scan_table(&PG_CONSTRAINT, snap, |_, row| {
            let o = oid(&row[conindid]);
            if rows.iter().any(|r| oid(&r[0]) == o) {
                constraints.push((o, text(&row[contype]).chars().next().unwrap_or('u')));
            }
            Ok(true)
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let index_oid = oid(&row[0]);
            let Some((_, name, filenode)) = names.iter().find(|(o, _, _)| *o == index_oid) else {
                return Err(StorageError::Corrupted(format!(
                    "no pg_class row for index {index_oid}"
                )));
            };
            let columns = parse_int2vector(text(&row[PG_INDEX.col("indkey")]))?
                .into_iter()
                .map(|a| usize::try_from(a - 1))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| {
                    StorageError::Corrupted(format!("invalid indkey of index {index_oid}"))
                })?;
            let orders: Vec<IndexColumnOrder> =
                parse_int2vector(text(&row[PG_INDEX.col("indoption")]))?
                    .into_iter()
                    .map(IndexColumnOrder::from_bits)
                    .collect();
            if orders.len() != columns.len() || columns.iter().any(|&c| c >= table_columns.len()) {
                return Err(StorageError::Corrupted(format!(
                    "pg_index row of index {index_oid} does not match its table"
                )));
            }
            out.push(Arc::new(IndexInfo {
                oid: index_oid,
                name: name.clone(),
                locator: self.locator(*filenode),
                unique: bool_at(row, PG_INDEX.col("indisunique")),
                primary: bool_at(row, PG_INDEX.col("indisprimary")),
                constraint: constraints
                    .iter()
                    .find(|(o, _)| *o == index_oid)
                    .map(|(_, k)| *k),
                key: key_desc(table_columns, &columns, &orders),
                columns,
                orders,
            }));
        }
        out.sort_by_key(|i| i.oid);
        Ok(out)
    }

    /// Sets `pg_class.relhasindex` of `rel` (an MVCC update of its row).
    fn set_relhasindex(
        &self,
        rel: Oid,
        value: bool,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        let col = PG_CLASS.col("relhasindex");
        self.update_class_row(rel, snap, w, |row| {
            row[col] = Datum::Bool(value);
        })
    }

    /// Rewrites the `pg_class` row of `rel` with `change` applied.
    pub(crate) fn update_class_row(
        &self,
        rel: Oid,
        snap: &Snapshot,
        w: &Writer<'_>,
        change: impl FnOnce(&mut Vec<Datum>),
    ) -> Result<()> {
        let mut target = None;
        self.scan_table(&PG_CLASS, snap, |tid, row| {
            if oid(&row[0]) == rel {
                target = Some((tid, row.to_vec()));
                return Ok(false);
            }
            Ok(true)
        })?;
        let Some((tid, mut row)) = target else {
            return Err(StorageError::Internal(format!(
                "no pg_class row for relation {rel}"
            )));
        };
        change(&mut row);
        let desc: TupleDesc = PG_CLASS.desc();
        let mut buf = Vec::new();
        form_tuple(&desc, &row, &mut buf)?;
        match self
            .heap
            .update(self.locator(PG_CLASS.oid), tid, &mut buf, w)?
            .0
        {
            crate::heap::heapam::ModifyResult::Ok
            | crate::heap::heapam::ModifyResult::SelfModified => Ok(()),
            _ => Err(StorageError::SerializationFailure(
                "concurrent catalog change",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int2vector_round_trips() {
        let s = int2vector([1i16, 3, 2].into_iter());
        assert_eq!(s, "1 3 2");
        assert_eq!(parse_int2vector(&s).unwrap(), vec![1, 3, 2]);
        assert!(parse_int2vector("1 x").is_err());
    }

    #[test]
    fn index_option_bits_are_postgres_bits() {
        let o = IndexColumnOrder {
            descending: true,
            nulls_first: true,
        };
        assert_eq!(o.to_bits(), 3);
        assert_eq!(IndexColumnOrder::from_bits(3), o);
        assert_eq!(IndexColumnOrder::from_bits(0), IndexColumnOrder::ASC);
    }
}
