//! Views: a `pg_class` row with `relkind = 'v'` and no file, its columns in
//! `pg_attribute`, and its `_RETURN` rule in `pg_rewrite`.
//!
//! The rule's `ev_action` is the view's query as SQL text, with every `*`
//! of its target list already expanded to the columns it stood for when
//! the view was made (so a column added to a table later does not appear
//! in the view, as in PostgreSQL). The binder parses and binds that text
//! wherever the view is read.
//!
//! Dependencies are `pg_depend` rows from the rule (`classid` =
//! `pg_rewrite`, `objid` = the rule's OID) to each relation the query
//! reads (`refclassid` = `pg_class`, `deptype = 'n'`): DROP of such a
//! relation fails with 2BP01 unless CASCADE drops the views too.

use super::defs::{PG_ATTRIBUTE, PG_CLASS, PG_DEPEND, PG_REWRITE};
use super::{Catalog, ColumnInfo, oid, text};
use crate::datum::Datum;
use crate::error::Result;
use crate::heap::heapam::Writer;
use crate::txn::Snapshot;
use crate::types::Oid;

/// What CREATE VIEW stores.
pub struct ViewDefinition<'a> {
    /// The view's columns (names and types of its query's output).
    pub columns: &'a [ColumnInfo],
    /// The query, as [`self`] describes.
    pub query: &'a str,
    /// The relations the query reads.
    pub depends_on: &'a [Oid],
}

impl Catalog {
    /// Creates view `name` in schema `ns` under `w`.
    pub fn create_view(
        &self,
        ns: Oid,
        name: &str,
        def: &ViewDefinition<'_>,
        w: &Writer<'_>,
    ) -> Result<Oid> {
        let rel = self.new_oid()?;
        self.insert_class_rows(rel, ns, name, Oid(0), def.columns, 'v', w.xid, w.cid)?;
        self.insert_view_rule(rel, def, w)?;
        Ok(rel)
    }

    /// CREATE OR REPLACE VIEW of existing view `rel`: its columns and rule
    /// are written anew (the caller checked that the old columns are a
    /// prefix of the new ones).
    pub fn replace_view(
        &self,
        rel: Oid,
        def: &ViewDefinition<'_>,
        snap: &Snapshot,
        w: &Writer<'_>,
    ) -> Result<()> {
        self.drop_view_rule(rel, snap, w)?;
        self.delete_rows(&PG_ATTRIBUTE, snap, w, |row| oid(&row[0]) == rel)?;
        for (i, col) in def.columns.iter().enumerate() {
            let attnum = i16::try_from(i + 1).unwrap_or(i16::MAX);
            self.insert_row(
                &PG_ATTRIBUTE,
                &super::attribute_row(rel, attnum, col),
                w.xid,
                w.cid,
            )?;
        }
        let natts = PG_CLASS.col("relnatts");
        let count = i16::try_from(def.columns.len()).unwrap_or(i16::MAX);
        self.update_class_row(rel, snap, w, |row| row[natts] = Datum::Int2(count))?;
        self.insert_view_rule(rel, def, w)
    }

    fn insert_view_rule(&self, rel: Oid, def: &ViewDefinition<'_>, w: &Writer<'_>) -> Result<()> {
        let rule = self.new_oid()?;
        self.insert_row(
            &PG_REWRITE,
            &[
                Datum::Oid(rule.0),
                Datum::Text("_RETURN".into()),
                Datum::Oid(rel.0),
                Datum::Text("1".into()),
                Datum::Text("O".into()),
                Datum::Bool(true),
                Datum::Text(String::new()),
                Datum::Text(def.query.to_string()),
            ],
            w.xid,
            w.cid,
        )?;
        for target in def.depends_on {
            self.insert_row(
                &PG_DEPEND,
                &[
                    Datum::Oid(PG_REWRITE.oid.0),
                    Datum::Oid(rule.0),
                    Datum::Int4(0),
                    Datum::Oid(PG_CLASS.oid.0),
                    Datum::Oid(target.0),
                    Datum::Int4(0),
                    Datum::Text("n".into()),
                ],
                w.xid,
                w.cid,
            )?;
        }
        Ok(())
    }

    /// Deletes view `rel`'s rule and the dependencies it records.
    pub(crate) fn drop_view_rule(&self, rel: Oid, snap: &Snapshot, w: &Writer<'_>) -> Result<()> {
        let rules = self.rules_of(|r| r == rel, snap)?;
        self.delete_rows(&PG_REWRITE, snap, w, |row| oid(&row[2]) == rel)?;
        self.delete_rows(&PG_DEPEND, snap, w, |row| {
            oid(&row[0]) == PG_REWRITE.oid && rules.iter().any(|(r, _)| *r == oid(&row[1]))
        })?;
        Ok(())
    }

    /// View `rel`'s query text.
    pub(crate) fn view_query(&self, rel: Oid, snap: &Snapshot) -> Result<Option<String>> {
        let action = PG_REWRITE.col("ev_action");
        let mut found = None;
        self.scan_table(&PG_REWRITE, snap, |_, row| {
            if oid(&row[2]) == rel {
                found = Some(text(&row[action]).to_string());
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(found)
    }

    /// The relation rule `rule` belongs to.
    pub fn rule_relation(&self, rule: Oid, snap: &Snapshot) -> Result<Option<Oid>> {
        Ok(self
            .rules_of(|_| true, snap)?
            .into_iter()
            .find(|(r, _)| *r == rule)
            .map(|(_, view)| view))
    }

    /// The views whose queries read relation `rel`, by OID.
    pub fn dependent_views(&self, rel: Oid, snap: &Snapshot) -> Result<Vec<Oid>> {
        let mut rules = Vec::new();
        self.scan_table(&PG_DEPEND, snap, |_, row| {
            if oid(&row[0]) == PG_REWRITE.oid && oid(&row[4]) == rel {
                rules.push(oid(&row[1]));
            }
            Ok(true)
        })?;
        let mut views: Vec<Oid> = self
            .rules_of(|_| true, snap)?
            .into_iter()
            .filter(|(rule, view)| rules.contains(rule) && *view != rel)
            .map(|(_, view)| view)
            .collect();
        views.sort();
        views.dedup();
        Ok(views)
    }

    /// (rule OID, view OID) of the rules of the views `wanted` accepts.
    fn rules_of(&self, wanted: impl Fn(Oid) -> bool, snap: &Snapshot) -> Result<Vec<(Oid, Oid)>> {
        let mut out = Vec::new();
        self.scan_table(&PG_REWRITE, snap, |_, row| {
            let view = oid(&row[2]);
            if wanted(view) {
                out.push((oid(&row[0]), view));
            }
            Ok(true)
        })?;
        Ok(out)
    }
}
