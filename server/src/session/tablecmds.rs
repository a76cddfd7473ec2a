//! ALTER TABLE's column and name changes (part of PostgreSQL's
//! `commands/tablecmds.c`): `ADD COLUMN [IF NOT EXISTS]`, `RENAME [COLUMN]
//! a TO b`, `RENAME TO`, `ALTER COLUMN ... SET DEFAULT / DROP DEFAULT /
//! SET NOT NULL / DROP NOT NULL`; storage parameters (`SET (...)`,
//! `RESET (...)`, CREATE TABLE's `WITH (...)`; checked and stored by
//! [`storage::catalog::reloptions`]).
//!
//! The caller holds AccessExclusiveLock on the table. A column added with
//! a default is filled in on the existing rows by an UPDATE of the whole
//! table in the same transaction (PostgreSQL avoids the rewrite for a
//! constant default by storing it as the missing value; the result is the
//! same). `SET NOT NULL` and a `NOT NULL` column added without a default
//! check the existing rows first (23502).

use std::sync::Arc;

use sqlparser::ast;
use storage::catalog::reloptions::RelOptionsChange;
use storage::catalog::{ColumnInfo, TableInfo};

use super::{Notice, Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::{ident_name, parse_type_name, quote_ident};

/// One column or name change of an ALTER TABLE.
pub(super) enum ColumnChange {
    Add {
        if_not_exists: bool,
        def: Box<ast::ColumnDef>,
    },
    Rename {
        from: String,
        to: String,
    },
    RenameTable(String),
    SetNotNull(String, bool),
    SetDefault(String, Option<Box<ast::Expr>>),
    SetType {
        column: String,
        data_type: Box<ast::DataType>,
        using: Option<Box<ast::Expr>>,
    },
    Drop {
        column: String,
        if_exists: bool,
        cascade: bool,
    },
}

impl ColumnChange {
    /// The change `op` asks for, `None` if it is not a column change.
    pub(super) fn from_op(op: &ast::AlterTableOperation) -> SqlResult<Option<ColumnChange>> {
        use ast::AlterColumnOperation as Op;
        Ok(Some(match op {
            ast::AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                column_position: None,
                ..
            } => ColumnChange::Add {
                if_not_exists: *if_not_exists,
                def: Box::new(column_def.clone()),
            },
            ast::AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => ColumnChange::Rename {
                from: ident_name(old_column_name),
                to: ident_name(new_column_name),
            },
            ast::AlterTableOperation::RenameTable { table_name } => {
                let (ast::RenameTableNameKind::To(n) | ast::RenameTableNameKind::As(n)) =
                    table_name;
                let name = crate::sql::bind::schema_and_name(n)?.1;
                ColumnChange::RenameTable(name)
            }
            ast::AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                let [column] = column_names.as_slice() else {
                    return Err(SqlError::syntax("syntax error at or near \",\""));
                };
                ColumnChange::Drop {
                    column: ident_name(column),
                    if_exists: *if_exists,
                    cascade: matches!(drop_behavior, Some(ast::DropBehavior::Cascade)),
                }
            }
            ast::AlterTableOperation::AlterColumn { column_name, op } => {
                let col = ident_name(column_name);
                match op {
                    Op::SetNotNull => ColumnChange::SetNotNull(col, true),
                    Op::DropNotNull => ColumnChange::SetNotNull(col, false),
                    Op::SetDefault { value } => {
                        ColumnChange::SetDefault(col, Some(Box::new(value.clone())))
                    }
                    Op::DropDefault => ColumnChange::SetDefault(col, None),
                    Op::SetDataType {
                        data_type, using, ..
                    } => ColumnChange::SetType {
                        column: col,
                        data_type: Box::new(data_type.clone()),
                        using: using.clone().map(Box::new),
                    },
                    other => {
                        return Err(SqlError::unsupported(format!(
                            "ALTER TABLE ... ALTER COLUMN ... {other}"
                        )));
                    }
                }
            }
            _ => return Ok(None),
        }))
    }
}

/// The `(name, value)` pairs of a `WITH (...)` / `SET (...)` list, each
/// value as PostgreSQL keeps it: the literal's text, an unquoted word
/// folded to lower case.
pub(super) fn reloption_items(options: &[ast::SqlOption]) -> SqlResult<Vec<(String, String)>> {
    options
        .iter()
        .map(|o| {
            let ast::SqlOption::KeyValue { key, value } = o else {
                return Err(SqlError::syntax(format!("syntax error at or near \"{o}\"")));
            };
            Ok((ident_name(key), reloption_value(value)?))
        })
        .collect()
}

/// CREATE TABLE's `WITH (oids = false)`, which PostgreSQL 12+ still
/// accepts and drops (`transformRelOptions` with `acceptOidsOff`): the
/// items without it. `oids` true is 0A000, not a boolean 42601, as there.
pub(super) fn without_oids_off(items: Vec<(String, String)>) -> SqlResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(items.len());
    for (name, value) in items {
        if name != "oids" {
            out.push((name, value));
            continue;
        }
        match storage::catalog::reloptions::parse_bool(&value) {
            Some(false) => {}
            Some(true) => {
                return Err(SqlError::new(
                    "0A000",
                    "tables declared WITH OIDS are not supported",
                ));
            }
            None => {
                return Err(SqlError::new("42601", "oids requires a Boolean value"));
            }
        }
    }
    Ok(out)
}

fn reloption_value(e: &ast::Expr) -> SqlResult<String> {
    use ast::Value as V;
    Ok(match e {
        ast::Expr::Value(v) => match &v.value {
            V::Boolean(b) => b.to_string(),
            V::Number(n, _) => n.to_string(),
            V::SingleQuotedString(s) => s.clone(),
            other => {
                return Err(SqlError::syntax(format!(
                    "syntax error at or near \"{other}\""
                )));
            }
        },
        ast::Expr::Identifier(i) => ident_name(i),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => format!("-{}", reloption_value(expr)?),
        other => {
            return Err(SqlError::syntax(format!(
                "syntax error at or near \"{other}\""
            )));
        }
    })
}

impl Session {
    /// Applies the storage-parameter `changes` to `table` in order.
    /// Returns the table as it is afterwards.
    pub(super) fn alter_reloptions(
        &mut self,
        mut table: Arc<TableInfo>,
        changes: &[RelOptionsChange],
    ) -> SqlResult<Arc<TableInfo>> {
        for change in changes {
            let snap = self.statement_snapshot();
            let wait = self.lock_wait();
            let engine = self.engine.clone();
            let w = txn_writer(&self.txn, &wait)?;
            engine.catalog.alter_reloptions(&table, change, &snap, &w)?;
            self.txn.command_counter_increment();
            table = self.current_table(table.oid)?;
        }
        Ok(table)
    }

    /// Applies `changes` to `table` in order, each seeing the ones before.
    /// Returns the table as it is afterwards.
    pub(super) fn alter_columns(
        &mut self,
        mut table: Arc<TableInfo>,
        changes: &[ColumnChange],
    ) -> SqlResult<Arc<TableInfo>> {
        for change in changes {
            self.alter_column(&table, change)?;
            self.txn.command_counter_increment();
            table = self.current_table(table.oid)?;
        }
        Ok(table)
    }

    /// Views store their queries as text naming tables and columns, so
    /// renaming what one reads would break it: 0A000 (PostgreSQL's views
    /// follow the rename).
    fn refuse_rename_under_views(
        &self,
        table: &TableInfo,
        what: &str,
        snap: &storage::txn::Snapshot,
    ) -> SqlResult<()> {
        if self
            .engine
            .catalog
            .dependent_views(table.oid, snap)?
            .is_empty()
        {
            return Ok(());
        }
        Err(SqlError::unsupported(format!(
            "renaming {what}relation \"{}\" while views read it",
            table.name
        )))
    }

    fn alter_column(&mut self, table: &TableInfo, change: &ColumnChange) -> SqlResult<()> {
        let snap = self.statement_snapshot();
        let wait = self.lock_wait();
        let engine = self.engine.clone();
        let column = |name: &str| {
            table
                .columns
                .iter()
                .position(|c| c.name == name)
                .ok_or_else(|| {
                    SqlError::new(
                        "42703",
                        format!(
                            "column \"{name}\" of relation \"{}\" does not exist",
                            table.name
                        ),
                    )
                })
        };
        match change {
            ColumnChange::Add { if_not_exists, def } => {
                return self.add_column(table, *if_not_exists, def);
            }
            ColumnChange::Rename { from, to } => {
                let col = column(from)?;
                self.refuse_rename_under_views(table, &format!("column \"{from}\" of "), &snap)?;
                if table.columns.iter().any(|c| &c.name == to) {
                    return Err(SqlError::new(
                        "42701",
                        format!(
                            "column \"{to}\" of relation \"{}\" already exists",
                            table.name
                        ),
                    ));
                }
                let w = txn_writer(&self.txn, &wait)?;
                engine.catalog.rename_column(table, col, to, &snap, &w)?;
            }
            ColumnChange::RenameTable(to) => {
                self.refuse_rename_under_views(table, "", &snap)?;
                let ns = engine
                    .catalog
                    .namespace_oid(&table.schema, &snap)?
                    .ok_or_else(|| SqlError::internal("table without a schema"))?;
                if engine
                    .catalog
                    .lookup_table(ns, &table.schema, to, &snap, false)?
                    .is_some()
                {
                    return Err(SqlError::new(
                        "42P07",
                        format!("relation \"{to}\" already exists"),
                    ));
                }
                let w = txn_writer(&self.txn, &wait)?;
                engine.catalog.rename_relation(table, to, &snap, &w)?;
            }
            ColumnChange::SetNotNull(name, not_null) => {
                let col = column(name)?;
                if let Some(index) = table.indexes.iter().find(|i| i.primary)
                    && !not_null
                    && index.columns.contains(&col)
                {
                    return Err(SqlError::new(
                        "42P16",
                        format!("column \"{name}\" is in a primary key"),
                    ));
                }
                if *not_null {
                    self.check_no_nulls(table, &[col], &snap)?;
                }
                let w = txn_writer(&self.txn, &wait)?;
                engine
                    .catalog
                    .set_not_null(table, col, *not_null, &snap, &w)?;
            }
            ColumnChange::SetType {
                column: name,
                data_type,
                using,
            } => {
                let col = column(name)?;
                return self.alter_column_type(table, col, data_type, using.as_deref());
            }
            ColumnChange::Drop {
                column,
                if_exists,
                cascade,
            } => return self.drop_column(table, column, *if_exists, *cascade),
            ColumnChange::SetDefault(name, default) => {
                let col = column(name)?;
                let text = match default {
                    Some(e) => Some(self.checked_default(e, table.columns[col].typ)?),
                    None => None,
                };
                let w = txn_writer(&self.txn, &wait)?;
                engine
                    .catalog
                    .set_default(table, col, text.as_deref(), &snap, &w)?;
            }
        }
        Ok(())
    }

    /// `ADD [COLUMN] [IF NOT EXISTS] name type [NOT NULL | NULL] [DEFAULT e]`.
    fn add_column(
        &mut self,
        table: &TableInfo,
        if_not_exists: bool,
        def: &ast::ColumnDef,
    ) -> SqlResult<()> {
        let name = ident_name(&def.name);
        if table.columns.iter().any(|c| c.name == name) {
            if if_not_exists {
                self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "42701",
                    message: format!(
                        "column \"{name}\" of relation \"{}\" already exists, skipping",
                        table.name
                    ),
                });
                return Ok(());
            }
            return Err(SqlError::new(
                "42701",
                format!(
                    "column \"{name}\" of relation \"{}\" already exists",
                    table.name
                ),
            ));
        }
        let typ = parse_type_name(&def.data_type)?;
        if matches!(
            def.data_type.to_string().to_lowercase().as_str(),
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
        ) {
            return Err(SqlError::unsupported("ADD COLUMN of a serial column"));
        }
        let mut col = ColumnInfo {
            name: name.clone(),
            typ,
            not_null: false,
            default: None,
            generation: Default::default(),
        };
        for opt in &def.options {
            match &opt.option {
                ast::ColumnOption::NotNull => col.not_null = true,
                ast::ColumnOption::Null => col.not_null = false,
                ast::ColumnOption::Default(e) => col.default = Some(self.checked_default(e, typ)?),
                other => {
                    return Err(SqlError::unsupported(format!(
                        "ADD COLUMN with constraint {other}"
                    )));
                }
            }
        }
        let snap = self.statement_snapshot();
        let has_rows = self
            .engine
            .heap
            .scan(table.locator, (*snap).clone())?
            .next_tuple()?
            .is_some();
        if has_rows && col.not_null && col.default.is_none() {
            return Err(SqlError::new(
                "23502",
                format!(
                    "column \"{name}\" of relation \"{}\" contains null values",
                    table.name
                ),
            ));
        }
        {
            let wait = self.lock_wait();
            let w = txn_writer(&self.txn, &wait)?;
            self.engine.catalog.add_column(table, &col, &snap, &w)?;
        }
        if has_rows && col.default.is_some() {
            self.txn.command_counter_increment();
            let sql = format!(
                "UPDATE {}.{} SET {} = DEFAULT",
                quote_ident(&table.schema),
                quote_ident(&table.name),
                quote_ident(&name)
            );
            for stmt in crate::sql::parse::parse_statements(&sql)? {
                self.dispatch(&stmt, &[])?;
            }
        }
        Ok(())
    }

    /// A default expression's SQL text, once it is known to bind and to
    /// convert to `typ`.
    fn checked_default(&self, e: &ast::Expr, typ: storage::datum::SqlType) -> SqlResult<String> {
        let lookup_free = super::NoTables;
        let mut b = crate::sql::bind::Binder::new(&lookup_free, vec![]);
        let x = b.bind_scalar(e)?;
        crate::sql::bind::coerce(x, typ, crate::sql::cast::CastContext::Assignment)?;
        Ok(e.to_string())
    }
}
