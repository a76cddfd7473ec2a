//! Foreign keys in the catalog: `pg_constraint` rows with `contype = 'f'`.
//!
//! A foreign key belongs to its referencing table (`conrelid`, columns in
//! `conkey`) and names the referenced table (`confrelid`, columns in
//! `confkey`, in the same order as `conkey`) and the unique index of the
//! referenced table that makes the referenced columns a key (`conindid`).
//! `confupdtype` / `confdeltype` hold the actions as PostgreSQL's letters
//! (`a` NO ACTION, `r` RESTRICT, `c` CASCADE, `n` SET NULL, `d` SET
//! DEFAULT); `confmatchtype` is `s` (MATCH SIMPLE, the only kind kept).
//!
//! A table's descriptor carries both directions ([`TableInfo::foreign_keys`]
//! and [`TableInfo::referenced_by`]), so DML on either side knows what to
//! check without another catalog read. Because any committed catalog change
//! moves the catalog generation, creating a foreign key on one table also
//! refreshes the cached descriptor of the table it references.

use crate::datum::Datum;
use crate::error::Result;
use crate::heap::heapam::Writer;
use crate::txn::Snapshot;
use crate::types::Oid;

use super::constraint::{constraint_row, int2_array};
use super::defs::{PG_CLASS, PG_CONSTRAINT};
use super::{Catalog, TableInfo, ch, oid, text};

/// What happens to referencing rows when the referenced key goes away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    /// `NO ACTION` (the default): an error if referencing rows remain.
    NoAction,
    /// `RESTRICT`: an error if referencing rows exist.
    Restrict,
    /// `CASCADE`: delete them, or give them the new key.
    Cascade,
    /// `SET NULL`: set their key columns to NULL.
    SetNull,
    /// `SET DEFAULT`: set their key columns to their defaults.
    SetDefault,
}

impl FkAction {
    /// The letter `pg_constraint` stores.
    pub fn code(self) -> char {
        match self {
            FkAction::NoAction => 'a',
            FkAction::Restrict => 'r',
            FkAction::Cascade => 'c',
            FkAction::SetNull => 'n',
            FkAction::SetDefault => 'd',
        }
    }

    /// The action a stored letter stands for.
    pub fn from_code(c: &str) -> FkAction {
        match c {
            "r" => FkAction::Restrict,
            "c" => FkAction::Cascade,
            "n" => FkAction::SetNull,
            "d" => FkAction::SetDefault,
            _ => FkAction::NoAction,
        }
    }

    /// The action's SQL spelling (`ON DELETE <sql>`).
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A foreign key as DML and DDL see it.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKey {
    /// `pg_constraint.oid`
    pub oid: Oid,
    /// `conname`
    pub name: String,
    /// The referencing table (`conrelid`).
    pub rel: Oid,
    /// The referencing columns, 1-based (`conkey`).
    pub cols: Vec<i16>,
    /// The referenced table (`confrelid`).
    pub ref_rel: Oid,
    /// The referenced columns, 1-based, pairwise with `cols` (`confkey`).
    pub ref_cols: Vec<i16>,
    /// The referenced table's unique index over `ref_cols` (`conindid`).
    pub index: Oid,
    /// `ON UPDATE` (`confupdtype`).
    pub on_update: FkAction,
    /// `ON DELETE` (`confdeltype`).
    pub on_delete: FkAction,
}

/// A foreign key before it exists: what `create_foreign_key` stores.
#[derive(Clone, Debug)]
pub struct NewForeignKey<'a> {
    /// Its name, unique among the referencing table's constraints.
    pub name: &'a str,
    /// The referencing columns, 1-based.
    pub cols: &'a [i16],
    /// The referenced table.
    pub ref_rel: Oid,
    /// The referenced columns, 1-based.
    pub ref_cols: &'a [i16],
    /// The referenced table's unique index over them.
    pub index: Oid,
    /// `ON UPDATE`
    pub on_update: FkAction,
    /// `ON DELETE`
    pub on_delete: FkAction,
}

/// The 1-based column numbers of an int2 array's text form (`{1,3}`).
fn attnums(text_form: &str) -> Vec<i16> {
    text_form
        .trim_matches(|c| c == '{' || c == '}')
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

impl Catalog {
    /// Adds foreign key `fk` on `table` (in namespace `ns`) under `w`, and
    /// sets `relhastriggers` of both tables, as PostgreSQL's RI triggers do
    /// (psql shows foreign keys only for tables with it set).
    pub fn create_foreign_key(
        &self,
        table: &TableInfo,
        ns: Oid,
        fk: &NewForeignKey<'_>,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<Oid> {
        let con_oid = self.new_oid()?;
        let mut row = constraint_row(
            con_oid, fk.name, ns, 'f', table.oid, fk.index, fk.cols, None,
        );
        let col = |name| PG_CONSTRAINT.col(name);
        row[col("confrelid")] = Datum::Oid(fk.ref_rel.0);
        row[col("confupdtype")] = ch(fk.on_update.code());
        row[col("confdeltype")] = ch(fk.on_delete.code());
        row[col("confmatchtype")] = ch('s');
        row[col("confkey")] = Datum::Text(int2_array(fk.ref_cols));
        self.insert_row(&PG_CONSTRAINT, &row, w.xid, w.cid)?;
        let flag = PG_CLASS.col("relhastriggers");
        let tables = if fk.ref_rel == table.oid {
            vec![table.oid]
        } else {
            vec![table.oid, fk.ref_rel]
        };
        for rel in tables {
            self.update_class_row(rel, snap, w, |row| row[flag] = Datum::Bool(true))?;
        }
        Ok(con_oid)
    }

    /// The foreign keys of table `rel` (outgoing) and those referencing it
    /// (incoming), each in creation (OID) order.
    pub(crate) fn load_foreign_keys(
        &self,
        rel: Oid,
        snap: &Snapshot,
    ) -> Result<(Vec<ForeignKey>, Vec<ForeignKey>)> {
        let col = |name| PG_CONSTRAINT.col(name);
        let (conrelid, confrelid, contype) = (col("conrelid"), col("confrelid"), col("contype"));
        let (conkey, confkey, conindid) = (col("conkey"), col("confkey"), col("conindid"));
        let (upd, del) = (col("confupdtype"), col("confdeltype"));
        let mut outgoing = Vec::new();
        let mut incoming = Vec::new();
        self.scan_table(&PG_CONSTRAINT, snap, |_, row| {
            if text(&row[contype]) != "f" {
                return Ok(true);
            }
            let (from, to) = (oid(&row[conrelid]), oid(&row[confrelid]));
            if from != rel && to != rel {
                return Ok(true);
            }
            let fk = ForeignKey {
                oid: oid(&row[0]),
                name: text(&row[1]).to_string(),
                rel: from,
                cols: attnums(text(&row[conkey])),
                ref_rel: to,
                ref_cols: attnums(text(&row[confkey])),
                index: oid(&row[conindid]),
                on_update: FkAction::from_code(text(&row[upd])),
                on_delete: FkAction::from_code(text(&row[del])),
            };
            if to == rel {
                incoming.push(fk.clone());
            }
            if from == rel {
                outgoing.push(fk);
            }
            Ok(true)
        })?;
        outgoing.sort_by_key(|f| f.oid.0);
        incoming.sort_by_key(|f| f.oid.0);
        Ok((outgoing, incoming))
    }
}
