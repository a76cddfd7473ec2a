//! Temporary tables (PostgreSQL's temporary namespace, `namespace.c`).
//!
//! `CREATE TEMP[ORARY] TABLE` puts the table in this session's schema
//! `pg_temp_<pid>` (made on first use, with `relpersistence = 't'` on its
//! tables); unqualified names look there before `pg_catalog` and the
//! `search_path`, and `pg_temp.name` names it explicitly, so other
//! sessions do not see the table. When the session ends its temporary
//! tables are dropped; a schema of that name left by a session that ended
//! in a crash is emptied the first time it is used again.
//!
//! `ON COMMIT DROP` drops the table when its transaction commits,
//! `ON COMMIT DELETE ROWS` empties it at every commit, `ON COMMIT
//! PRESERVE ROWS` (the default) does neither. Unlike PostgreSQL's, the
//! tables live in shared buffers and are WAL-logged like any other.

use sqlparser::ast;
use storage::types::Oid;

use super::{Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::quote_ident;
use crate::sql::parse::{StatementKind, parse_statements};

/// What a temporary table's `ON COMMIT` asks for at each commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum OnCommitAction {
    /// Drop it (then forget it).
    Drop,
    /// Delete its rows.
    DeleteRows,
}

impl Session {
    /// The schema a CREATE puts its relation in: the temporary schema for
    /// a temporary one (42P16 if another schema is named), else the named
    /// schema or the first of the `search_path`.
    pub(super) fn creation_namespace(
        &mut self,
        schema: Option<&str>,
        temporary: bool,
        snap: &storage::txn::Snapshot,
    ) -> SqlResult<(Oid, String)> {
        if !temporary {
            return self.target_namespace(schema, snap);
        }
        let own = self.temp_schema_name();
        if schema.is_some_and(|s| s != "pg_temp" && s != own) {
            return Err(SqlError::new(
                "42P16",
                "cannot create temporary relation in non-temporary schema",
            ));
        }
        self.temp_namespace(snap)
    }

    fn temp_schema_name(&self) -> String {
        format!("pg_temp_{}", self.env.backend_pid)
    }

    /// This session's temporary schema, made (or, if a crashed session
    /// left it, emptied) on first use.
    fn temp_namespace(&mut self, snap: &storage::txn::Snapshot) -> SqlResult<(Oid, String)> {
        let name = self.temp_schema_name();
        let engine = self.engine.clone();
        if let Some(ns) = engine.catalog.namespace_oid(&name, snap)? {
            if self.env.temp_schema.is_none() {
                self.env.temp_schema = Some(name.clone());
                self.drop_relations_in(ns, &name)?;
            }
            return Ok((ns, name));
        }
        let wait = self.lock_wait();
        let w = txn_writer(&self.txn, &wait)?;
        let ns = engine.catalog.create_namespace(&name, &w)?;
        self.txn.command_counter_increment();
        self.env.temp_schema = Some(name.clone());
        Ok((ns, name))
    }

    /// Marks new temporary table `table` as such and notes its ON COMMIT.
    pub(super) fn register_temp_table(
        &mut self,
        table: Oid,
        on_commit: Option<&ast::OnCommit>,
    ) -> SqlResult<()> {
        self.txn.command_counter_increment();
        let snap = self.statement_snapshot();
        let wait = self.lock_wait();
        let engine = self.engine.clone();
        let w = txn_writer(&self.txn, &wait)?;
        engine.catalog.set_temporary(table, &snap, &w)?;
        let action = match on_commit {
            Some(ast::OnCommit::Drop) => Some(OnCommitAction::Drop),
            Some(ast::OnCommit::DeleteRows) => Some(OnCommitAction::DeleteRows),
            Some(ast::OnCommit::PreserveRows) | None => None,
        };
        if let Some(action) = action {
            self.on_commit.push((table, action));
        }
        Ok(())
    }

    /// Runs the ON COMMIT actions of the temporary tables, just before
    /// the transaction commits.
    pub(super) fn run_on_commit_actions(&mut self) -> SqlResult<()> {
        if self.on_commit.is_empty() {
            return Ok(());
        }
        let snap = self.statement_snapshot();
        let engine = self.engine.clone();
        let mut drops = Vec::new();
        let mut truncates = Vec::new();
        let mut kept = Vec::new();
        for (oid, action) in std::mem::take(&mut self.on_commit) {
            let Some(table) = engine.catalog.table_by_oid(oid, &snap)? else {
                continue;
            };
            let name = format!(
                "{}.{}",
                quote_ident(&table.schema),
                quote_ident(&table.name)
            );
            match action {
                OnCommitAction::Drop => drops.push(name),
                OnCommitAction::DeleteRows => {
                    truncates.push(name);
                    kept.push((oid, action));
                }
            }
        }
        self.on_commit = kept;
        if !truncates.is_empty() {
            self.run_utility(&format!("TRUNCATE {}", truncates.join(", ")))?;
        }
        if !drops.is_empty() {
            self.run_utility(&format!("DROP TABLE {} CASCADE", drops.join(", ")))?;
        }
        Ok(())
    }

    /// Forgets the ON COMMIT DROP of tables whose creation rolled back.
    pub(super) fn forget_aborted_temp_tables(&mut self) {
        self.on_commit
            .retain(|(_, action)| *action != OnCommitAction::Drop);
    }

    /// Drops this session's temporary tables (the session is ending).
    pub(super) fn drop_temp_tables(&mut self) {
        let Some(name) = self.env.temp_schema.clone() else {
            return;
        };
        let r = (|| -> SqlResult<()> {
            let snap = self.statement_snapshot();
            let Some(ns) = self.engine.catalog.namespace_oid(&name, &snap)? else {
                return Ok(());
            };
            self.drop_relations_in(ns, &name)?;
            if self.txn.in_transaction() {
                self.commit_transaction()?;
            }
            Ok(())
        })();
        if let Err(e) = r {
            tracing::warn!("dropping the temporary tables of a closed session failed: {e}");
        }
    }

    /// Drops the tables (with their indexes, sequences and views) of
    /// schema `ns`.
    fn drop_relations_in(&mut self, ns: Oid, schema: &str) -> SqlResult<()> {
        let snap = self.statement_snapshot();
        let engine = self.engine.clone();
        let mut tables = Vec::new();
        for rel in engine.catalog.tables_in_namespace(ns, &snap)? {
            if let Some(t) = engine
                .catalog
                .lookup_table(ns, schema, &rel, &snap, false)?
                && t.relkind == 'r'
            {
                tables.push(format!("{}.{}", quote_ident(schema), quote_ident(&t.name)));
            }
        }
        if tables.is_empty() {
            return Ok(());
        }
        self.run_utility(&format!(
            "DROP TABLE IF EXISTS {} CASCADE",
            tables.join(", ")
        ))
    }

    /// Runs a statement of heapgres's own in the current transaction; its
    /// notices are not the client's.
    fn run_utility(&mut self, sql: &str) -> SqlResult<()> {
        let notices = self.notices.len();
        for stmt in parse_statements(sql)? {
            let StatementKind::Sql(ast) = &stmt.kind else {
                return Err(SqlError::internal(format!("not a SQL statement: {sql}")));
            };
            self.dispatch_sql(ast, &[])?;
        }
        self.notices.truncate(notices);
        Ok(())
    }
}
