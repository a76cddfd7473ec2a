//! Check constraints in the catalog: `pg_constraint` rows with
//! `contype = 'c'`.
//!
//! A check constraint belongs to its table (`conrelid`) and names the
//! columns its expression reads in `conkey` (`{1,3}`). The expression is
//! kept as SQL text in `conbin`, written in terms of the table's column
//! names; the SQL layer binds it against the table's row when it plans an
//! INSERT, UPDATE or COPY, so a constraint costs nothing to load beyond
//! its text. Its name shares the table's constraint namespace with primary
//! keys and unique constraints (42710 on a clash, as in PostgreSQL).
//!
//! The constraints are read with the table ([`TableInfo::checks`]) and
//! cached with it; DROP TABLE removes them.

use crate::datum::Datum;
use crate::error::Result;
use crate::heap::heapam::Writer;
use crate::txn::Snapshot;
use crate::types::Oid;

use super::defs::PG_CONSTRAINT;
use super::{Catalog, TableInfo, ch, oid, text};

/// A check constraint as DML sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckConstraint {
    /// `pg_constraint.oid`
    pub oid: Oid,
    /// `conname`
    pub name: String,
    /// The boolean expression, as SQL text over the table's column names.
    pub expr: String,
}

impl Catalog {
    /// Adds check constraint `name` on `table` under `w`. `attnums` are the
    /// 1-based numbers of the columns the expression reads.
    pub fn create_check_constraint(
        &self,
        table: &TableInfo,
        ns: Oid,
        name: &str,
        expr: &str,
        attnums: &[i16],
        w: &Writer<'_>,
    ) -> Result<Oid> {
        let con_oid = self.new_oid()?;
        let row = constraint_row(
            con_oid,
            name,
            ns,
            'c',
            table.oid,
            Oid(0),
            attnums,
            Some(expr),
        );
        self.insert_row(&PG_CONSTRAINT, &row, w.xid, w.cid)?;
        Ok(con_oid)
    }

    /// The check constraints of table `rel`, in creation (OID) order.
    pub(crate) fn load_checks(&self, rel: Oid, snap: &Snapshot) -> Result<Vec<CheckConstraint>> {
        let conrelid = PG_CONSTRAINT.col("conrelid");
        let contype = PG_CONSTRAINT.col("contype");
        let conbin = PG_CONSTRAINT.col("conbin");
        let mut out = Vec::new();
        self.scan_table(&PG_CONSTRAINT, snap, |_, row| {
            if oid(&row[conrelid]) == rel && text(&row[contype]) == "c" {
                out.push(CheckConstraint {
                    oid: oid(&row[0]),
                    name: text(&row[1]).to_string(),
                    expr: text(&row[conbin]).to_string(),
                });
            }
            Ok(true)
        })?;
        out.sort_by_key(|c| c.oid.0);
        Ok(out)
    }

    /// Deletes the check constraint or foreign key whose
    /// `pg_constraint.oid` is `con` under `w` (an index-backed constraint
    /// goes with its index).
    pub fn drop_constraint(&self, con: Oid, snap: &Snapshot, w: &Writer<'_>) -> Result<()> {
        self.delete_rows(&PG_CONSTRAINT, snap, w, |row| oid(&row[0]) == con)?;
        Ok(())
    }

    /// Deletes every check constraint of table `rel` (DROP TABLE).
    pub(crate) fn drop_checks_of(&self, rel: Oid, snap: &Snapshot, w: &Writer<'_>) -> Result<()> {
        let conrelid = PG_CONSTRAINT.col("conrelid");
        let contype = PG_CONSTRAINT.col("contype");
        self.delete_rows(&PG_CONSTRAINT, snap, w, |row| {
            oid(&row[conrelid]) == rel && text(&row[contype]) == "c"
        })?;
        Ok(())
    }
}

/// A `pg_constraint` row: constraint `oid` named `name` in namespace `ns`,
/// of kind `contype` (`p`, `u`, `c`, `f`) on relation `rel`, backed by index
/// `index` (0 for none), over columns `attnums`, with a check's expression.
#[allow(clippy::too_many_arguments)]
pub(crate) fn constraint_row(
    oid: Oid,
    name: &str,
    ns: Oid,
    contype: char,
    rel: Oid,
    index: Oid,
    attnums: &[i16],
    conbin: Option<&str>,
) -> Vec<Datum> {
    vec![
        Datum::Oid(oid.0),
        Datum::Text(name.to_string()),
        Datum::Oid(ns.0),
        ch(contype),
        Datum::Bool(false),
        Datum::Bool(false),
        Datum::Bool(true),
        Datum::Oid(rel.0),
        Datum::Oid(0),
        Datum::Oid(index.0),
        Datum::Oid(0),
        Datum::Oid(0),
        ch(' '),
        ch(' '),
        ch(' '),
        Datum::Bool(true),
        Datum::Int4(0),
        // Primary keys and unique constraints are not inherited.
        Datum::Bool(contype != 'c'),
        Datum::Text(int2_array(attnums)),
        // confkey: set by foreign keys.
        Datum::Null,
        conbin.map_or(Datum::Null, |e| Datum::Text(e.to_string())),
    ]
}

/// The text form of an int2 array of column numbers (`{1,3}`).
pub(crate) fn int2_array(attnums: &[i16]) -> String {
    let items: Vec<String> = attnums.iter().map(|a| a.to_string()).collect();
    format!("{{{}}}", items.join(","))
}
