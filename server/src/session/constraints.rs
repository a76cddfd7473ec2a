//! Check constraint DDL (the constraint half of PostgreSQL's
//! `commands/tablecmds.c`): `CHECK` in CREATE TABLE (column and table
//! constraints) and `ALTER TABLE ... ADD [CONSTRAINT name] CHECK (...)`,
//! and `ALTER TABLE ... DROP CONSTRAINT [IF EXISTS] name` for every kind
//! of constraint (a key that a foreign key references cannot be dropped:
//! 2BP01).
//!
//! Adding a check constraint to a table that has rows verifies every row
//! under the AccessExclusiveLock ALTER TABLE holds (23514, "is violated by
//! some row"). Dropping a primary key or unique constraint drops its index.
//! A constraint name is unique per table (42710).

use sqlparser::ast;
use storage::catalog::TableInfo;
use storage::datum::Datum;
use storage::types::Oid;

use super::{Lookup, Notice, Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::{Binder, ident_name};
use crate::sql::constraint::{bind_check, choose_check_name};

use crate::sql::expr::Expr;

/// A CHECK constraint of a CREATE TABLE or ALTER TABLE, before it exists.
pub(super) struct CheckDef {
    name: Option<String>,
    expr: ast::Expr,
}

impl CheckDef {
    /// A CHECK column or table constraint; `None` for other kinds.
    pub(super) fn from_check(
        name: Option<&ast::Ident>,
        c: &ast::CheckConstraint,
    ) -> SqlResult<CheckDef> {
        if c.enforced == Some(false) {
            return Err(SqlError::unsupported("NOT ENFORCED check constraints"));
        }
        if c.no_inherit {
            return Err(SqlError::unsupported("NO INHERIT check constraints"));
        }
        Ok(CheckDef {
            name: name.or(c.name.as_ref()).map(ident_name),
            expr: (*c.expr).clone(),
        })
    }
}

/// The names of `table`'s constraints (primary key, unique, check,
/// foreign key).
pub(super) fn constraint_names(table: &TableInfo) -> Vec<String> {
    table
        .indexes
        .iter()
        .filter(|i| i.constraint.is_some())
        .map(|i| i.name.clone())
        .chain(table.checks.iter().map(|c| c.name.clone()))
        .chain(table.foreign_keys.iter().map(|c| c.name.clone()))
        .collect()
}

impl Session {
    /// Creates the check constraints `defs` on `table` (in namespace `ns`);
    /// with `validate`, first verifies that every existing row satisfies
    /// each of them.
    pub(super) fn add_check_constraints(
        &mut self,
        table: &TableInfo,
        ns: Oid,
        defs: &[CheckDef],
        validate: bool,
    ) -> SqlResult<()> {
        let mut taken = constraint_names(table);
        let mut bound = Vec::with_capacity(defs.len());
        {
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, vec![]);
            for d in defs {
                let (expr, cols) = bind_check(&mut binder, table, &d.expr)?;
                let name = match &d.name {
                    Some(n) if taken.contains(n) => {
                        return Err(SqlError::new(
                            "42710",
                            format!(
                                "constraint \"{n}\" for relation \"{}\" already exists",
                                table.name
                            ),
                        ));
                    }
                    Some(n) => n.clone(),
                    None => choose_check_name(table, &cols, &taken),
                };
                taken.push(name.clone());
                let attnums: Vec<i16> = cols.iter().map(|&c| c as i16 + 1).collect();
                bound.push((name, expr, attnums, d.expr.to_string()));
            }
        }
        if validate {
            for (name, expr, _, _) in &bound {
                self.validate_check(table, name, expr)?;
            }
        }
        let wait = self.lock_wait();
        let w = txn_writer(&self.txn, &wait)?;
        for (name, _, attnums, text) in &bound {
            self.engine
                .catalog
                .create_check_constraint(table, ns, name, text, attnums, &w)?;
        }
        self.txn.command_counter_increment();
        Ok(())
    }

    /// 23514 if a visible row of `table` makes `expr` false.
    pub(super) fn validate_check(
        &mut self,
        table: &TableInfo,
        name: &str,
        expr: &Expr,
    ) -> SqlResult<()> {
        let snap = self.statement_snapshot();
        self.with_reader(&snap, None, |cx| {
            let ecx = cx.eval_ctx(&[]);
            let mut scan = cx.engine.heap.scan(table.locator, (*snap).clone())?;
            let mut row = Vec::with_capacity(table.columns.len());
            while let Some((_, tuple)) = scan.next_tuple()? {
                storage::heap::tuple::deform_tuple(&table.desc, tuple, &mut row)?;
                if let Datum::Bool(false) = expr.eval(&row, &ecx)? {
                    return Err(SqlError::new(
                        "23514",
                        format!(
                            "check constraint \"{name}\" of relation \"{}\" is violated by some row",
                            table.name
                        ),
                    ));
                }
            }
            Ok(())
        })
    }

    /// `ALTER TABLE ... DROP CONSTRAINT [IF EXISTS] name`.
    pub(super) fn drop_constraint(
        &mut self,
        table: &TableInfo,
        name: &str,
        if_exists: bool,
    ) -> SqlResult<()> {
        let snap = self.statement_snapshot();
        let wait = self.lock_wait();
        let w = txn_writer(&self.txn, &wait)?;
        let engine = self.engine.clone();
        if let Some(c) = table.checks.iter().find(|c| c.name == name) {
            engine.catalog.drop_constraint(c.oid, &snap, &w)?;
        } else if let Some(fk) = table.foreign_keys.iter().find(|c| c.name == name) {
            engine.catalog.drop_constraint(fk.oid, &snap, &w)?;
        } else if let Some(i) = table
            .indexes
            .iter()
            .find(|i| i.constraint.is_some() && i.name == name)
        {
            if let Some(fk) = table.referenced_by.iter().find(|f| f.index == i.oid) {
                return Err(SqlError::new(
                    "2BP01",
                    format!(
                        "cannot drop constraint {name} on table {} because other objects depend on it",
                        table.name
                    ),
                )
                .with_detail(format!(
                    "constraint {} depends on index {name}",
                    fk.name
                ))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            engine.catalog.drop_index(i, &snap, &w, &mut self.pending)?;
        } else if if_exists {
            self.notices.push(Notice {
                severity: "NOTICE",
                code: "00000",
                message: format!(
                    "constraint \"{name}\" of relation \"{}\" does not exist, skipping",
                    table.name
                ),
            });
            return Ok(());
        } else {
            return Err(SqlError::new(
                "42704",
                format!(
                    "constraint \"{name}\" of relation \"{}\" does not exist",
                    table.name
                ),
            ));
        }
        self.txn.command_counter_increment();
        Ok(())
    }
}
