//! CREATE [OR REPLACE] VIEW and DROP VIEW (PostgreSQL's
//! `commands/view.c`), and the views DROP of a relation takes with it.
//!
//! The view's query is bound when it is created, so a bad one fails the
//! CREATE; its columns and the query text ([`storage::catalog::view`]) are
//! stored with a dependency on every relation it reads. OR REPLACE keeps
//! the old columns as a prefix of the new ones (same names and types), as
//! PostgreSQL requires. Dropping a relation that views read fails with
//! 2BP01 unless CASCADE, which drops those views (and the views on them).

use std::sync::Arc;

use sqlparser::ast;
use storage::catalog::view::ViewDefinition;
use storage::catalog::{ColumnInfo, TableInfo};
use storage::txn::LockMode;
use storage::types::Oid;

use super::{Lookup, Notice, QueryResult, Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::{Binder, ViewQuery, ident_name, schema_and_name};
use crate::sql::catalogfuncs::format_type;

impl Session {
    /// CREATE [OR REPLACE] VIEW.
    pub(super) fn create_view(&mut self, cv: &ast::CreateView) -> SqlResult<QueryResult> {
        if cv.materialized {
            return Err(SqlError::unsupported("materialized views"));
        }
        if cv.temporary {
            return Err(SqlError::unsupported("temporary views"));
        }
        if !matches!(cv.options, ast::CreateTableOptions::None) {
            return Err(SqlError::unsupported(format!(
                "CREATE VIEW ... {}",
                cv.options
            )));
        }
        let (schema, name) = schema_and_name(&cv.name)?;
        // Bound before the transaction counts as changing the catalog, so
        // the views it reads come from the relation cache.
        let (columns, query, read) = self.bind_view_query(cv)?;
        let (snap, wait) = self.ddl_prologue()?;
        let (ns, ns_name) = self.target_namespace(schema.as_deref(), &snap)?;
        if ns_name == "pg_catalog" {
            return Err(SqlError::new(
                "42501",
                format!("permission denied to create \"pg_catalog.{name}\""),
            ));
        }
        for rel in &read {
            self.lock_relation(*rel, LockMode::AccessShare)?;
        }
        let engine = self.engine.clone();
        let existing = engine
            .catalog
            .lookup_table(ns, &ns_name, &name, &snap, false)?;
        match existing {
            Some(old) if cv.or_replace && old.relkind == 'v' => {
                check_replacement(&old.columns, &columns)?;
                let depends_on: Vec<Oid> = read.into_iter().filter(|r| *r != old.oid).collect();
                let def = ViewDefinition {
                    columns: &columns,
                    query: &query,
                    depends_on: &depends_on,
                };
                self.lock_relation(old.oid, LockMode::AccessExclusive)?;
                let w = txn_writer(&self.txn, &wait)?;
                engine.catalog.replace_view(old.oid, &def, &snap, &w)?;
            }
            Some(_) if cv.or_replace => {
                return Err(SqlError::new("42809", format!("\"{name}\" is not a view")));
            }
            Some(_) if cv.if_not_exists => self.notices.push(Notice {
                severity: "NOTICE",
                code: "42P07",
                message: format!("relation \"{name}\" already exists, skipping"),
            }),
            Some(_) => {
                return Err(SqlError::new(
                    "42P07",
                    format!("relation \"{name}\" already exists"),
                ));
            }
            None => {
                let def = ViewDefinition {
                    columns: &columns,
                    query: &query,
                    depends_on: &read,
                };
                let w = txn_writer(&self.txn, &wait)?;
                engine.catalog.create_view(ns, &name, &def, &w)?;
            }
        }
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("CREATE VIEW".into()))
    }

    /// Binds a CREATE VIEW's query: the view's columns, the query text to
    /// store, and the relations it names.
    fn bind_view_query(
        &mut self,
        cv: &ast::CreateView,
    ) -> SqlResult<(Vec<ColumnInfo>, String, Vec<Oid>)> {
        let lookup = Lookup {
            session: self,
            tables: Default::default(),
        };
        let mut binder = Binder::new(&lookup, vec![]);
        let ViewQuery {
            bound,
            stored,
            relations,
        } = binder.bind_view_definition(&cv.query)?;
        if cv.columns.len() > bound.columns.len() {
            return Err(SqlError::new(
                "42601",
                "CREATE VIEW specifies more column names than columns",
            ));
        }
        let names: Vec<String> = cv.columns.iter().map(|c| ident_name(&c.name)).collect();
        let columns = super::createas::result_columns(&bound.columns, &names)?;
        Ok((columns, stored.to_string(), relations))
    }

    /// DROP VIEW.
    pub(super) fn drop_views(
        &mut self,
        names: &[ast::ObjectName],
        if_exists: bool,
        cascade: bool,
    ) -> SqlResult<QueryResult> {
        let (snap, wait) = self.ddl_prologue()?;
        let targets = self.drop_targets(names, if_exists, 'v')?;
        let dependents = self.view_dependents(&targets, cascade)?;
        let engine = self.engine.clone();
        let w = txn_writer(&self.txn, &wait)?;
        for v in targets.iter().chain(&dependents) {
            engine.catalog.drop_table(v, &snap, &w, &mut self.pending)?;
        }
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("DROP VIEW".into()))
    }

    /// The views reading `dropped` (and the views reading those), locked,
    /// which CASCADE drops with them: 2BP01 if there are any and not
    /// `cascade`, else a NOTICE naming them.
    pub(super) fn view_dependents(
        &mut self,
        dropped: &[Arc<TableInfo>],
        cascade: bool,
    ) -> SqlResult<Vec<Arc<TableInfo>>> {
        let snap = self.statement_snapshot();
        let engine = self.engine.clone();
        let catalog = &engine.catalog;
        let mut found: Vec<(Arc<TableInfo>, String)> = Vec::new();
        let mut queue: Vec<Arc<TableInfo>> = dropped.to_vec();
        while let Some(rel) = queue.pop() {
            for oid in catalog.dependent_views(rel.oid, &snap)? {
                let known =
                    dropped.iter().any(|d| d.oid == oid) || found.iter().any(|(v, _)| v.oid == oid);
                if known {
                    continue;
                }
                if let Some(view) = catalog.table_by_oid(oid, &snap)? {
                    let what = if rel.relkind == 'v' { "view" } else { "table" };
                    let line = format!("view {} depends on {what} {}", view.name, rel.name);
                    found.push((view.clone(), line));
                    queue.push(view);
                }
            }
        }
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let first = &dropped[0];
        if !cascade {
            let what = if first.relkind == 'v' {
                "view"
            } else {
                "table"
            };
            return Err(SqlError::new(
                "2BP01",
                format!(
                    "cannot drop {what} {} because other objects depend on it",
                    first.name
                ),
            )
            .with_detail(
                found
                    .iter()
                    .map(|(_, l)| l.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        let message = match found.as_slice() {
            [(v, _)] => format!("drop cascades to view {}", v.name),
            more => format!("drop cascades to {} other objects", more.len()),
        };
        self.notices.push(Notice {
            severity: "NOTICE",
            code: "00000",
            message,
        });
        let views: Vec<Arc<TableInfo>> = found.into_iter().map(|(v, _)| v).collect();
        for v in &views {
            self.lock_relation(v.oid, LockMode::AccessExclusive)?;
        }
        Ok(views)
    }
}

/// CREATE OR REPLACE VIEW: the old columns must stay, in place, with their
/// names and types (42P16, PostgreSQL's messages).
fn check_replacement(old: &[ColumnInfo], new: &[ColumnInfo]) -> SqlResult<()> {
    if new.len() < old.len() {
        return Err(SqlError::new("42P16", "cannot drop columns from view"));
    }
    for (o, n) in old.iter().zip(new) {
        if o.name != n.name {
            return Err(SqlError::new(
                "42P16",
                format!(
                    "cannot change name of view column \"{}\" to \"{}\"",
                    o.name, n.name
                ),
            )
            .with_hint(
                "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.",
            ));
        }
        if o.typ != n.typ {
            return Err(SqlError::new(
                "42P16",
                format!(
                    "cannot change data type of view column \"{}\" from {} to {}",
                    o.name,
                    format_type(o.typ.oid, o.typ.typmod),
                    format_type(n.typ.oid, n.typ.typmod)
                ),
            ));
        }
    }
    Ok(())
}
