//! Index DDL (PostgreSQL's `commands/indexcmds.c`): CREATE INDEX, DROP
//! INDEX, REINDEX, and the indexes behind PRIMARY KEY and UNIQUE
//! constraints of CREATE TABLE.
//!
//! Locks follow PostgreSQL: CREATE INDEX takes ShareLock on the table
//! (writers wait, readers go on), DROP INDEX and REINDEX take
//! AccessExclusiveLock. An index is built from every row version some
//! snapshot may still see ([`storage::heap::build_scan`]), sorted and loaded
//! bottom-up; a UNIQUE build fails with 23505 on two live equal keys.
//!
//! Names are chosen as PostgreSQL chooses them: `t_pkey` for a primary
//! key, `t_a_key` for a unique constraint on `a`, `t_a_b_idx` for an
//! unnamed index, with a number appended (`t_a_idx1`) while the name is
//! taken.

use std::sync::Arc;

use sqlparser::ast;
use storage::catalog::reloptions::RelOptionsChange;
use storage::catalog::{IndexColumnOrder, IndexDefinition, IndexInfo, TableInfo};
use storage::txn::{LockMode, Snapshot};
use storage::types::Oid;

use super::{Notice, QueryResult, Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::{ident_name, schema_and_name};
use crate::sql::parse::ReindexTarget;

/// PostgreSQL's NAMEDATALEN - 1: the longest identifier.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// An index CREATE TABLE asks for through a constraint, before the table
/// exists: its name (if the user gave one) and its columns by name.
pub(super) struct ConstraintIndex {
    name: Option<String>,
    columns: Vec<String>,
    primary: bool,
}

impl ConstraintIndex {
    /// A PRIMARY KEY or UNIQUE column option of column `column`.
    pub(super) fn from_column_option(
        column: &str,
        def: &ast::ColumnOptionDef,
    ) -> SqlResult<Option<Self>> {
        let primary = match &def.option {
            ast::ColumnOption::PrimaryKey(c) => {
                check_constraint_extras(&c.include, c.characteristics.as_ref())?;
                true
            }
            ast::ColumnOption::Unique(c) => {
                check_constraint_extras(&c.include, c.characteristics.as_ref())?;
                check_nulls_distinct(&c.nulls_distinct)?;
                false
            }
            _ => return Ok(None),
        };
        Ok(Some(ConstraintIndex {
            name: def.name.as_ref().map(ident_name),
            columns: vec![column.to_string()],
            primary,
        }))
    }

    /// A PRIMARY KEY or UNIQUE table constraint; other constraints are
    /// not supported yet.
    pub(super) fn from_table_constraint(c: &ast::TableConstraint) -> SqlResult<Self> {
        let (name, columns, primary) = match c {
            ast::TableConstraint::PrimaryKey(pk) => {
                check_constraint_extras(&pk.include, pk.characteristics.as_ref())?;
                (&pk.name, &pk.columns, true)
            }
            ast::TableConstraint::Unique(u) => {
                check_constraint_extras(&u.include, u.characteristics.as_ref())?;
                check_nulls_distinct(&u.nulls_distinct)?;
                (&u.name, &u.columns, false)
            }
            other => {
                return Err(SqlError::unsupported(format!("table constraint {other}")));
            }
        };
        let columns = columns
            .iter()
            .map(|c| match &c.column.expr {
                ast::Expr::Identifier(id) => Ok(ident_name(id)),
                other => Err(SqlError::syntax(format!(
                    "syntax error at or near \"{other}\""
                ))),
            })
            .collect::<SqlResult<Vec<_>>>()?;
        Ok(ConstraintIndex {
            name: name.as_ref().map(ident_name),
            columns,
            primary,
        })
    }

    /// True for PRIMARY KEY.
    pub(super) fn is_primary(&self) -> bool {
        self.primary
    }

    /// The key columns' names.
    pub(super) fn columns(&self) -> &[String] {
        &self.columns
    }
}

fn check_constraint_extras(
    include: &[ast::Ident],
    characteristics: Option<&ast::ConstraintCharacteristics>,
) -> SqlResult<()> {
    if !include.is_empty() {
        return Err(SqlError::unsupported("INCLUDE columns in an index"));
    }
    if characteristics.is_some() {
        return Err(SqlError::unsupported("deferrable constraints"));
    }
    Ok(())
}

fn check_nulls_distinct(n: &ast::NullsDistinctOption) -> SqlResult<()> {
    if matches!(n, ast::NullsDistinctOption::NotDistinct) {
        return Err(SqlError::unsupported("NULLS NOT DISTINCT"));
    }
    Ok(())
}

/// Cuts `name` to at most `max` bytes on a character boundary.
fn truncate_to(name: &str, max: usize) -> &str {
    let mut end = name.len().min(max);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

impl Session {
    /// `name` in namespace `ns` is taken by some relation.
    fn relation_exists(
        &self,
        ns: Oid,
        ns_name: &str,
        name: &str,
        snap: &Snapshot,
    ) -> SqlResult<bool> {
        Ok(self
            .engine
            .catalog
            .lookup_table(ns, ns_name, name, snap, false)?
            .is_some())
    }

    /// PostgreSQL's `ChooseRelationName`: `table_cols_suffix`, shortened
    /// to fit, with 1, 2, ... appended while the name is taken (also by an
    /// index of the same statement, in `taken`).
    fn choose_index_name(
        &self,
        table: &str,
        columns: &[&str],
        suffix: &str,
        ns: (Oid, &str),
        snap: &Snapshot,
        taken: &[String],
    ) -> SqlResult<String> {
        let mut base = table.to_string();
        for c in columns {
            base.push('_');
            base.push_str(c);
        }
        for n in 0u32.. {
            let tail = if n == 0 {
                format!("_{suffix}")
            } else {
                format!("_{suffix}{n}")
            };
            let head = truncate_to(&base, MAX_IDENTIFIER_BYTES.saturating_sub(tail.len()));
            let candidate = format!("{head}{tail}");
            if !taken.contains(&candidate) && !self.relation_exists(ns.0, ns.1, &candidate, snap)? {
                return Ok(candidate);
            }
        }
        Err(SqlError::internal("no free index name"))
    }

    /// Creates the indexes of PRIMARY KEY and UNIQUE constraints on
    /// `table`: the just-created table of CREATE TABLE, or an existing one
    /// (ALTER TABLE ... ADD, whose caller holds AccessExclusiveLock), whose
    /// rows are indexed and whose primary key columns must hold no NULL.
    pub(super) fn create_constraint_indexes(
        &mut self,
        table: &TableInfo,
        ns: (Oid, &str),
        constraints: &[ConstraintIndex],
    ) -> SqlResult<()> {
        let primaries = constraints.iter().filter(|c| c.primary).count()
            + usize::from(table.indexes.iter().any(|i| i.primary));
        if primaries > 1 {
            return Err(SqlError::new(
                "42P16",
                format!(
                    "multiple primary keys for table \"{}\" are not allowed",
                    table.name
                ),
            ));
        }
        let wait = self.lock_wait();
        let engine = self.engine.clone();
        let mut taken: Vec<String> = Vec::new();
        for c in constraints {
            // A new snapshot each time: it must see the catalog rows the
            // previous constraint's index changed.
            let snap = self.statement_snapshot();
            let columns = c
                .columns
                .iter()
                .map(|name| column_position(table, name))
                .collect::<SqlResult<Vec<_>>>()?;
            let name = match &c.name {
                Some(n) => {
                    if taken.contains(n) || self.relation_exists(ns.0, ns.1, n, &snap)? {
                        return Err(SqlError::new(
                            "42P07",
                            format!("relation \"{n}\" already exists"),
                        ));
                    }
                    n.clone()
                }
                None if c.primary => {
                    self.choose_index_name(&table.name, &[], "pkey", ns, &snap, &taken)?
                }
                None => {
                    let names: Vec<&str> = c.columns.iter().map(String::as_str).collect();
                    self.choose_index_name(&table.name, &names, "key", ns, &snap, &taken)?
                }
            };
            taken.push(name.clone());
            let w = txn_writer(&self.txn, &wait)?;
            if c.primary {
                self.check_no_nulls(table, &columns, &snap)?;
                for &col in &columns {
                    if !table.columns[col].not_null {
                        engine.catalog.set_not_null(table, col, true, &snap, &w)?;
                    }
                }
            }
            let def = IndexDefinition {
                name,
                orders: vec![IndexColumnOrder::ASC; columns.len()],
                columns,
                unique: true,
                primary: c.primary,
                constraint: Some(if c.primary { 'p' } else { 'u' }),
            };
            let index =
                engine
                    .catalog
                    .create_index(table, ns.0, &def, &snap, &w, &mut self.pending)?;
            storage::indexing::build_index(&engine, table, &index)
                .map_err(|e| duplicate_in_build(e, table, &index, &self.env.output))?;
            self.txn.command_counter_increment();
        }
        Ok(())
    }

    /// 23502 if a row of `table` has NULL in one of `columns` (a primary
    /// key being added).
    pub(super) fn check_no_nulls(
        &self,
        table: &TableInfo,
        columns: &[usize],
        snap: &Snapshot,
    ) -> SqlResult<()> {
        let mut scan = self.engine.heap.scan(table.locator, snap.clone())?;
        let mut row = Vec::with_capacity(table.columns.len());
        while let Some((_, tuple)) = scan.next_tuple()? {
            storage::heap::tuple::deform_tuple(&table.desc, tuple, &mut row)?;
            if let Some(&c) = columns
                .iter()
                .find(|&&c| matches!(row.get(c), Some(storage::datum::Datum::Null) | None))
            {
                return Err(SqlError::new(
                    "23502",
                    format!(
                        "column \"{}\" of relation \"{}\" contains null values",
                        table.columns[c].name, table.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// ALTER TABLE t ADD [CONSTRAINT name] {PRIMARY KEY (cols) | UNIQUE
    /// (cols) | CHECK (expr) | FOREIGN KEY (cols) REFERENCES ...}, DROP CONSTRAINT [IF EXISTS] name, and the
    /// column and name changes of [`super::tablecmds`]; other ALTER TABLE
    /// actions are not supported yet. Column changes apply first.
    pub(super) fn alter_table(&mut self, at: &ast::AlterTable) -> SqlResult<QueryResult> {
        let mut constraints = Vec::new();
        let mut checks = Vec::new();
        let mut foreign_keys = Vec::new();
        let mut drops = Vec::new();
        let mut changes = Vec::new();
        let mut option_changes = Vec::new();
        if at.operations.len() > 1
            && at.operations.iter().any(|op| {
                matches!(
                    op,
                    ast::AlterTableOperation::RenameColumn { .. }
                        | ast::AlterTableOperation::RenameTable { .. }
                )
            })
        {
            // RENAME is a statement of its own in PostgreSQL's grammar.
            return Err(SqlError::syntax("syntax error at or near \"RENAME\""));
        }
        for op in &at.operations {
            match op {
                ast::AlterTableOperation::AddConstraint {
                    constraint: ast::TableConstraint::Check(ck),
                    not_valid: false,
                } => checks.push(super::constraints::CheckDef::from_check(None, ck)?),
                ast::AlterTableOperation::AddConstraint {
                    constraint: ast::TableConstraint::ForeignKey(fk),
                    not_valid: false,
                } => foreign_keys.push(super::foreign_keys::FkDef::new(None, None, fk)?),
                ast::AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid: false,
                } => constraints.push(ConstraintIndex::from_table_constraint(constraint)?),
                ast::AlterTableOperation::DropConstraint {
                    if_exists,
                    name,
                    drop_behavior: None | Some(ast::DropBehavior::Restrict),
                } => drops.push((ident_name(name), *if_exists)),
                ast::AlterTableOperation::SetOptionsParens { options } => {
                    option_changes.push(RelOptionsChange::Set(super::tablecmds::reloption_items(
                        options,
                    )?));
                }
                other if let Some(c) = super::tablecmds::ColumnChange::from_op(other)? => {
                    changes.push(c);
                }
                other => {
                    return Err(SqlError::unsupported(format!("ALTER TABLE ... {other}")));
                }
            }
        }
        let (snap, _) = self.ddl_prologue()?;
        let Some(table) = self.alter_table_target(&at.name, at.if_exists)? else {
            return Ok(QueryResult::Command("ALTER TABLE".into()));
        };
        let table = if option_changes.is_empty() {
            table
        } else {
            self.alter_reloptions(table, &option_changes)?
        };
        let engine = self.engine.clone();
        let ns = engine
            .catalog
            .namespace_oid(&table.schema, &snap)?
            .ok_or_else(|| SqlError::internal("table without a schema"))?;
        let schema_name = table.schema.clone();
        let table = if changes.is_empty() {
            table
        } else {
            self.alter_columns(table, &changes)?
        };
        for (name, if_exists) in &drops {
            self.drop_constraint(&table, name, *if_exists)?;
        }
        let table = if drops.is_empty() {
            table
        } else {
            self.current_table(table.oid)?
        };
        self.create_constraint_indexes(&table, (ns, &schema_name), &constraints)?;
        if !checks.is_empty() {
            self.add_check_constraints(&table, ns, &checks, true)?;
        }
        if !foreign_keys.is_empty() {
            let table = self.current_table(table.oid)?;
            self.add_foreign_keys(&table, ns, &foreign_keys, true)?;
        }
        Ok(QueryResult::Command("ALTER TABLE".into()))
    }

    /// The table an ALTER TABLE changes, locked AccessExclusive; `None`
    /// (after a notice) if it does not exist and `if_exists` was given.
    /// Errors if it is not a table or is a system catalog.
    fn alter_table_target(
        &mut self,
        name: &ast::ObjectName,
        if_exists: bool,
    ) -> SqlResult<Option<Arc<TableInfo>>> {
        let (schema, name) = schema_and_name(name)?;
        let Some(table) = self.lookup_relation(schema.as_deref(), &name)? else {
            if if_exists {
                self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "00000",
                    message: format!("relation \"{name}\" does not exist, skipping"),
                });
                return Ok(None);
            }
            return Err(SqlError::undefined_table(&name));
        };
        if table.relkind != 'r' {
            return Err(SqlError::new("42809", format!("\"{name}\" is not a table")));
        }
        if table.schema == "pg_catalog" {
            return Err(SqlError::new(
                "42501",
                format!("permission denied: \"{}\" is a system catalog", table.name),
            ));
        }
        self.lock_relation(table.oid, LockMode::AccessExclusive)?;
        Ok(Some(table))
    }

    /// ALTER TABLE t RESET (param, ...).
    pub(super) fn reset_reloptions(
        &mut self,
        name: &ast::ObjectName,
        if_exists: bool,
        params: &[String],
    ) -> SqlResult<QueryResult> {
        self.ddl_prologue()?;
        if let Some(table) = self.alter_table_target(name, if_exists)? {
            self.alter_reloptions(table, &[RelOptionsChange::Reset(params.to_vec())])?;
        }
        Ok(QueryResult::Command("ALTER TABLE".into()))
    }

    /// CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON t [USING btree] (cols).
    pub(super) fn create_index(&mut self, ci: &ast::CreateIndex) -> SqlResult<QueryResult> {
        check_index_options(ci)?;
        let (table_schema, table_name) = schema_and_name(&ci.table_name)?;
        let (snap, wait) = self.ddl_prologue()?;
        let table = self
            .lookup_relation(table_schema.as_deref(), &table_name)?
            .ok_or_else(|| SqlError::undefined_table(&table_name))?;
        if table.relkind != 'r' {
            return Err(SqlError::new(
                "42809",
                format!("cannot create index on relation \"{}\"", table.name),
            ));
        }
        if table.schema == "pg_catalog" {
            return Err(SqlError::new(
                "42501",
                format!("permission denied: \"{}\" is a system catalog", table.name),
            ));
        }
        self.lock_relation(table.oid, LockMode::Share)?;
        let engine = self.engine.clone();
        let ns = engine
            .catalog
            .namespace_oid(&table.schema, &snap)?
            .ok_or_else(|| SqlError::internal("table without a schema"))?;
        let mut columns = Vec::with_capacity(ci.columns.len());
        let mut orders = Vec::with_capacity(ci.columns.len());
        let mut names = Vec::with_capacity(ci.columns.len());
        for c in &ci.columns {
            if c.operator_class.is_some() {
                return Err(SqlError::unsupported("operator classes in an index"));
            }
            let ast::Expr::Identifier(id) = &c.column.expr else {
                return Err(SqlError::unsupported("indexes on expressions"));
            };
            let name = ident_name(id);
            columns.push(column_position(&table, &name)?);
            names.push(name);
            let descending = matches!(c.column.options.sort, Some(ast::OrderBySort::Desc));
            orders.push(IndexColumnOrder {
                descending,
                nulls_first: c.column.options.nulls_first.unwrap_or(descending),
            });
        }
        let name = match &ci.name {
            Some(n) => {
                let (schema, name) = schema_and_name(n)?;
                if schema.is_some_and(|s| s != table.schema) {
                    return Err(SqlError::new(
                        "42P17",
                        "index must be in the same schema as its table",
                    ));
                }
                if self.relation_exists(ns, &table.schema, &name, &snap)? {
                    if ci.if_not_exists {
                        self.notices.push(Notice {
                            severity: "NOTICE",
                            code: "42P07",
                            message: format!("relation \"{name}\" already exists, skipping"),
                        });
                        return Ok(QueryResult::Command("CREATE INDEX".into()));
                    }
                    return Err(SqlError::new(
                        "42P07",
                        format!("relation \"{name}\" already exists"),
                    ));
                }
                name
            }
            None => {
                let cols: Vec<&str> = names.iter().map(String::as_str).collect();
                self.choose_index_name(&table.name, &cols, "idx", (ns, &table.schema), &snap, &[])?
            }
        };
        let def = IndexDefinition {
            name,
            columns,
            orders,
            unique: ci.unique,
            primary: false,
            constraint: None,
        };
        let w = txn_writer(&self.txn, &wait)?;
        let index = engine
            .catalog
            .create_index(&table, ns, &def, &snap, &w, &mut self.pending)?;
        storage::indexing::build_index(&engine, &table, &index)
            .map_err(|e| duplicate_in_build(e, &table, &index, &self.env.output))?;
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("CREATE INDEX".into()))
    }

    /// The index `name` and its table, for DROP INDEX and REINDEX INDEX.
    fn lookup_index(
        &mut self,
        name: &ast::ObjectName,
        snap: &Snapshot,
    ) -> SqlResult<Option<(Arc<TableInfo>, Arc<IndexInfo>)>> {
        let (schema, index_name) = schema_and_name(name)?;
        let Some(rel) = self.lookup_relation(schema.as_deref(), &index_name)? else {
            return Ok(None);
        };
        if rel.relkind != 'i' {
            return Err(SqlError::new(
                "42809",
                format!("\"{index_name}\" is not an index"),
            ));
        }
        let engine = self.engine.clone();
        let table = engine
            .catalog
            .index_table(rel.oid, snap)?
            .and_then(|t| engine.catalog.table_by_oid(t, snap).transpose())
            .transpose()?
            .ok_or_else(|| SqlError::internal(format!("index \"{index_name}\" has no table")))?;
        let index = table
            .indexes
            .iter()
            .find(|i| i.oid == rel.oid)
            .cloned()
            .ok_or_else(|| SqlError::internal(format!("index \"{index_name}\" not loaded")))?;
        Ok(Some((table, index)))
    }

    /// DROP INDEX [IF EXISTS] name [, ...].
    pub(super) fn drop_indexes(
        &mut self,
        names: &[ast::ObjectName],
        if_exists: bool,
    ) -> SqlResult<QueryResult> {
        let (snap, wait) = self.ddl_prologue()?;
        let engine = self.engine.clone();
        let mut targets = Vec::new();
        for n in names {
            match self.lookup_index(n, &snap)? {
                Some((table, index)) => {
                    if index.constraint.is_some() {
                        return Err(SqlError::new(
                            "2BP01",
                            format!(
                                "cannot drop index {0} because constraint {0} on table {1} requires it",
                                index.name, table.name
                            ),
                        )
                        .with_hint(format!(
                            "You can drop constraint {} on table {} instead.",
                            index.name, table.name
                        )));
                    }
                    targets.push((table, index));
                }
                None if if_exists => {
                    let (_, name) = schema_and_name(n)?;
                    self.notices.push(Notice {
                        severity: "NOTICE",
                        code: "00000",
                        message: format!("index \"{name}\" does not exist, skipping"),
                    });
                }
                None => {
                    let (_, name) = schema_and_name(n)?;
                    return Err(SqlError::new(
                        "42704",
                        format!("index \"{name}\" does not exist"),
                    ));
                }
            }
        }
        for (table, index) in &targets {
            self.lock_relation(table.oid, LockMode::AccessExclusive)?;
            self.lock_relation(index.oid, LockMode::AccessExclusive)?;
        }
        let w = txn_writer(&self.txn, &wait)?;
        for (_, index) in &targets {
            engine
                .catalog
                .drop_index(index, &snap, &w, &mut self.pending)?;
        }
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("DROP INDEX".into()))
    }

    /// REINDEX {INDEX | TABLE} name: rebuilds into new files.
    pub(super) fn reindex(&mut self, target: &ReindexTarget) -> SqlResult<QueryResult> {
        let (snap, wait) = self.ddl_prologue()?;
        let engine = self.engine.clone();
        let (table, indexes) = match target {
            ReindexTarget::Index(name) => match self.lookup_index(name, &snap)? {
                Some((table, index)) => (table, vec![index]),
                None => {
                    let (_, name) = schema_and_name(name)?;
                    return Err(SqlError::new(
                        "42704",
                        format!("index \"{name}\" does not exist"),
                    ));
                }
            },
            ReindexTarget::Table(name) => {
                let (schema, table_name) = schema_and_name(name)?;
                let table = self
                    .lookup_relation(schema.as_deref(), &table_name)?
                    .filter(|t| t.relkind == 'r')
                    .ok_or_else(|| SqlError::undefined_table(&table_name))?;
                let indexes = table.indexes.clone();
                (table, indexes)
            }
        };
        self.lock_relation(table.oid, LockMode::AccessExclusive)?;
        let w = txn_writer(&self.txn, &wait)?;
        for index in &indexes {
            let locator = engine.catalog.new_relfilenode(
                index.oid,
                index.locator,
                &snap,
                &w,
                &mut self.pending,
            )?;
            let rebuilt = IndexInfo {
                locator,
                ..(**index).clone()
            };
            storage::indexing::build_index(&engine, &table, &rebuilt)
                .map_err(|e| duplicate_in_build(e, &table, &rebuilt, &self.env.output))?;
        }
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("REINDEX".into()))
    }

    /// TRUNCATE's part for indexes: each gets a new, empty file.
    pub(super) fn truncate_indexes(&mut self, table: &TableInfo, snap: &Snapshot) -> SqlResult<()> {
        let wait = self.lock_wait();
        let engine = self.engine.clone();
        let w = txn_writer(&self.txn, &wait)?;
        for index in &table.indexes {
            let locator = engine.catalog.new_relfilenode(
                index.oid,
                index.locator,
                snap,
                &w,
                &mut self.pending,
            )?;
            storage::indexing::init_index(
                &engine,
                &IndexInfo {
                    locator,
                    ..(**index).clone()
                },
            )?;
        }
        Ok(())
    }
}

/// Rejects the CREATE INDEX clauses heapgres does not implement.
fn check_index_options(ci: &ast::CreateIndex) -> SqlResult<()> {
    match &ci.using {
        None | Some(ast::IndexType::BTree) => {}
        Some(other) => {
            return Err(SqlError::unsupported(format!(
                "index access method \"{}\"",
                other.to_string().to_lowercase()
            )));
        }
    }
    if !ci.include.is_empty() {
        return Err(SqlError::unsupported("INCLUDE columns in an index"));
    }
    if ci.predicate.is_some() {
        return Err(SqlError::unsupported("partial indexes"));
    }
    if !ci.with.is_empty() {
        return Err(SqlError::unsupported("index storage parameters"));
    }
    if ci.nulls_distinct == Some(false) {
        return Err(SqlError::unsupported("NULLS NOT DISTINCT"));
    }
    Ok(())
}

/// The position of column `name` in `table` (42703 if it has none).
fn column_position(table: &TableInfo, name: &str) -> SqlResult<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| SqlError::new("42703", format!("column \"{name}\" does not exist")))
}

/// A UNIQUE index build that met two live equal keys, worded as
/// PostgreSQL words it.
pub(super) fn duplicate_in_build(
    e: storage::error::StorageError,
    table: &TableInfo,
    index: &IndexInfo,
    opts: &storage::datum::io::OutputOptions,
) -> SqlError {
    match e {
        storage::error::StorageError::UniqueViolation { key } => {
            let (names, values) = crate::sql::exec::key_text(&key, table, index, opts);
            SqlError::new(
                "23505",
                format!("could not create unique index \"{}\"", index.name),
            )
            .with_detail(format!("Key ({names})=({values}) is duplicated."))
        }
        other => other.into(),
    }
}
