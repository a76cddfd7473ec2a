//! The ALTER TABLE changes that rewrite a table (PostgreSQL's
//! `ATRewriteTable`): `ALTER [COLUMN] c [SET DATA] TYPE t [USING e]` and
//! `DROP [COLUMN] [IF EXISTS] c [RESTRICT | CASCADE]`.
//!
//! The caller holds AccessExclusiveLock. Every row the statement's
//! snapshot sees is copied, converted, into a new relation file (the old
//! one goes at commit, the new one if the transaction aborts), and every
//! index is rebuilt on it; like PostgreSQL's rewrites this is not MVCC-safe
//! for transactions whose snapshots predate it. The catalog changes go in
//! the same transaction.
//!
//! Views store their queries as text, so a view whose text names the
//! column depends on it: ALTER TYPE then answers 0A000 and DROP COLUMN
//! 2BP01 unless CASCADE drops the view, as PostgreSQL does for the views
//! that use the column (a view naming another table's column of the same
//! name counts too). DROP COLUMN takes with it the indexes, check
//! constraints and foreign keys of this table that name the column, and
//! the sequence a serial column owns; a foreign key of another table
//! referencing it, or a generated column computed from it, needs CASCADE.

use std::sync::Arc;

use sqlparser::ast;
use storage::catalog::{Generation, TableInfo};
use storage::datum::{Datum, SqlType};
use storage::heap::tuple::{TupleDesc, deform_tuple, form_tuple};
use storage::txn::LockMode;

use super::{Lookup, Notice, Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::{Binder, coerce, parse_type_name};
use crate::sql::cast::CastContext;
use crate::sql::catalogfuncs::format_type;

use crate::sql::expr::{EvalCtx, Expr};

impl Session {
    /// `ALTER [COLUMN] name [SET DATA] TYPE data_type [USING using]`.
    pub(super) fn alter_column_type(
        &mut self,
        table: &TableInfo,
        col: usize,
        data_type: &ast::DataType,
        using: Option<&ast::Expr>,
    ) -> SqlResult<()> {
        let name = table.columns[col].name.clone();
        let typ = parse_type_name(data_type)?;
        let convert = self.bind_conversion(table, col, typ, using)?;
        if table
            .foreign_keys
            .iter()
            .any(|fk| fk.cols.contains(&(col as i16 + 1)))
            || table
                .referenced_by
                .iter()
                .any(|fk| fk.ref_cols.contains(&(col as i16 + 1)))
        {
            return Err(SqlError::unsupported(format!(
                "altering the type of foreign-key column \"{name}\""
            )));
        }
        if let Some(g) = generated_readers(table, col).first() {
            return Err(SqlError::new(
                "0A000",
                "cannot alter type of a column used by a generated column",
            )
            .with_detail(format!(
                "Column \"{name}\" is used by generated column \"{}\".",
                table.columns[*g].name
            )));
        }
        if let Some(view) = self.views_naming(table, &name)?.first() {
            return Err(SqlError::new(
                "0A000",
                "cannot alter type of a column used by a view or rule",
            )
            .with_detail(format!(
                "rule _RETURN on view {} depends on column \"{name}\"",
                view.name
            )));
        }
        let mut new_desc_types: Vec<SqlType> = table.columns.iter().map(|c| c.typ).collect();
        new_desc_types[col] = typ;
        let new_desc = TupleDesc::new(new_desc_types);
        self.rewrite_heap(table, &new_desc, |row, ecx| {
            row[col] = convert.eval(row, ecx)?;
            Ok(())
        })?;
        let (snap, wait) = (self.statement_snapshot(), self.lock_wait());
        let engine = self.engine.clone();
        let w = txn_writer(&self.txn, &wait)?;
        engine.catalog.set_column_type(table, col, typ, &snap, &w)?;
        engine.catalog.drop_statistics(table.oid, &snap, &w)?;
        self.txn.command_counter_increment();
        let altered = self.current_table(table.oid)?;
        self.rebuild_indexes(&altered)?;
        self.revalidate_checks(&altered)
    }

    /// The conversion of column `col` to `typ`: `using` (over the row) or
    /// the column itself, assignment-cast (42804 as PostgreSQL words it).
    fn bind_conversion(
        &mut self,
        table: &TableInfo,
        col: usize,
        typ: SqlType,
        using: Option<&ast::Expr>,
    ) -> SqlResult<Expr> {
        let name = &table.columns[col].name;
        let source = using
            .cloned()
            .unwrap_or_else(|| ast::Expr::Identifier(ast::Ident::with_quote('"', name.clone())));
        let lookup = Lookup {
            session: self,
            tables: Default::default(),
        };
        let mut binder = Binder::new(&lookup, vec![]);
        let bound = binder.bind_row_expr(&source, table)?;
        coerce(bound, typ, CastContext::Assignment).map_err(|_| {
            let target = format_type(typ.oid, typ.typmod);
            let err = if using.is_some() {
                SqlError::new(
                    "42804",
                    format!(
                        "result of USING clause for column \"{name}\" cannot be cast automatically to type {target}"
                    ),
                )
            } else {
                SqlError::new(
                    "42804",
                    format!("column \"{name}\" cannot be cast automatically to type {target}"),
                )
            };
            err.with_hint(format!(
                "You might need to specify \"USING {}::{target}\".",
                crate::sql::bind::quote_ident(name)
            ))
        })
    }

    /// `DROP [COLUMN] [IF EXISTS] name [CASCADE]`.
    pub(super) fn drop_column(
        &mut self,
        table: &TableInfo,
        name: &str,
        if_exists: bool,
        cascade: bool,
    ) -> SqlResult<()> {
        let Some(col) = table.columns.iter().position(|c| c.name == name) else {
            if if_exists {
                self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "00000",
                    message: format!(
                        "column \"{name}\" of relation \"{}\" does not exist, skipping",
                        table.name
                    ),
                });
                return Ok(());
            }
            return Err(SqlError::new(
                "42703",
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    table.name
                ),
            ));
        };
        let attnum = col as i16 + 1;
        let mut blockers = Vec::new();
        let generated = generated_readers(table, col);
        for g in &generated {
            blockers.push(format!(
                "column {} of table {} depends on column {name} of table {}",
                table.columns[*g].name, table.name, table.name
            ));
        }
        let incoming: Vec<_> = table
            .referenced_by
            .iter()
            .filter(|fk| fk.rel != table.oid && fk.ref_cols.contains(&attnum))
            .collect();
        for fk in &incoming {
            blockers.push(format!(
                "constraint {} on table {} depends on column {name} of table {}",
                fk.name,
                self.relation_name(fk.rel)?,
                table.name
            ));
        }
        let views = self.views_naming(table, name)?;
        for v in &views {
            blockers.push(format!(
                "view {} depends on column {name} of table {}",
                v.name, table.name
            ));
        }
        if !blockers.is_empty() && !cascade {
            return Err(SqlError::new(
                "2BP01",
                format!(
                    "cannot drop column {name} of table {} because other objects depend on it",
                    table.name
                ),
            )
            .with_detail(blockers.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        if !generated.is_empty() {
            return Err(SqlError::unsupported(
                "DROP COLUMN ... CASCADE of a column generated columns read",
            ));
        }
        if !blockers.is_empty() {
            let message = match blockers.as_slice() {
                [one] => format!(
                    "drop cascades to {}",
                    one.split(" depends on ").next().unwrap_or_default()
                ),
                more => format!("drop cascades to {} other objects", more.len()),
            };
            self.notices.push(Notice {
                severity: "NOTICE",
                code: "00000",
                message,
            });
        }
        let (snap, wait) = (self.statement_snapshot(), self.lock_wait());
        let engine = self.engine.clone();
        let mut dropped_views = views.clone();
        dropped_views.extend(self.view_dependents(&views, true)?);
        for v in &dropped_views {
            self.lock_relation(v.oid, LockMode::AccessExclusive)?;
        }
        let w = txn_writer(&self.txn, &wait)?;
        for v in &dropped_views {
            engine.catalog.drop_table(v, &snap, &w, &mut self.pending)?;
        }
        for fk in table
            .foreign_keys
            .iter()
            .filter(|fk| fk.cols.contains(&attnum))
            .chain(incoming.iter().copied())
        {
            engine.catalog.drop_constraint(fk.oid, &snap, &w)?;
        }
        for index in table.indexes.iter().filter(|i| i.columns.contains(&col)) {
            engine
                .catalog
                .drop_index(index, &snap, &w, &mut self.pending)?;
        }
        for check in checks_reading(table, col) {
            engine.catalog.drop_constraint(check, &snap, &w)?;
        }
        for seq in engine
            .catalog
            .owned_sequences_of_column(table.oid, attnum, &snap)?
        {
            if let Some(seq) = engine.catalog.table_by_oid(seq, &snap)? {
                engine
                    .catalog
                    .drop_sequence(&seq, &snap, &w, &mut self.pending)?;
            }
        }
        let kept: Vec<SqlType> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != col)
            .map(|(_, c)| c.typ)
            .collect();
        self.rewrite_heap(table, &TupleDesc::new(kept), |row, _| {
            row.remove(col);
            Ok(())
        })?;
        let w = txn_writer(&self.txn, &wait)?;
        engine.catalog.drop_column(table, col, &snap, &w)?;
        self.txn.command_counter_increment();
        let altered = self.current_table(table.oid)?;
        self.rebuild_indexes(&altered)
    }

    /// Copies every row of `table` the statement sees into a new file,
    /// laid out by `desc`, after `convert` changes it.
    fn rewrite_heap(
        &mut self,
        table: &TableInfo,
        desc: &TupleDesc,
        mut convert: impl FnMut(&mut Vec<Datum>, &EvalCtx<'_>) -> SqlResult<()>,
    ) -> SqlResult<()> {
        let (snap, wait) = (self.statement_snapshot(), self.lock_wait());
        let engine = self.engine.clone();
        let w = txn_writer(&self.txn, &wait)?;
        let (xid, cid) = (w.xid, w.cid);
        let new = engine.catalog.new_relfilenode(
            table.oid,
            table.locator,
            &snap,
            &w,
            &mut self.pending,
        )?;
        engine.heap.create_relation(new)?;
        self.with_reader(&snap, None, |cx| {
            let ecx = cx.eval_ctx(&[]);
            let mut scan = engine.heap.scan(table.locator, (*snap).clone())?;
            let mut row = Vec::with_capacity(table.columns.len());
            let mut buf = Vec::new();
            while let Some((_, tuple)) = scan.next_tuple()? {
                deform_tuple(&table.desc, tuple, &mut row)?;
                convert(&mut row, &ecx)?;
                buf.clear();
                form_tuple(desc, &row, &mut buf)?;
                engine.heap.insert(new, &mut buf, xid, cid)?;
            }
            Ok(())
        })
    }

    /// Gives every index of `table` a new file built from its rows.
    fn rebuild_indexes(&mut self, table: &TableInfo) -> SqlResult<()> {
        let (snap, wait) = (self.statement_snapshot(), self.lock_wait());
        let engine = self.engine.clone();
        let w = txn_writer(&self.txn, &wait)?;
        for index in &table.indexes {
            let locator = engine.catalog.new_relfilenode(
                index.oid,
                index.locator,
                &snap,
                &w,
                &mut self.pending,
            )?;
            let rebuilt = storage::catalog::IndexInfo {
                locator,
                ..(**index).clone()
            };
            storage::indexing::build_index(&engine, table, &rebuilt).map_err(|e| {
                super::indexcmds::duplicate_in_build(e, table, &rebuilt, &self.env.output)
            })?;
        }
        self.txn.command_counter_increment();
        Ok(())
    }

    /// Checks each check constraint of `table` against its (converted)
    /// rows: 23514 if one fails.
    fn revalidate_checks(&mut self, table: &TableInfo) -> SqlResult<()> {
        for check in &table.checks {
            let expr = crate::sql::parse::parse_expr(&check.expr)?;
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, vec![]);
            let (bound, _) = crate::sql::constraint::bind_check(&mut binder, table, &expr)?;
            self.validate_check(table, &check.name, &bound)?;
        }
        Ok(())
    }

    /// The views reading `table` whose stored query names `column`.
    fn views_naming(&mut self, table: &TableInfo, column: &str) -> SqlResult<Vec<Arc<TableInfo>>> {
        let snap = self.statement_snapshot();
        let engine = self.engine.clone();
        let mut out = Vec::new();
        for oid in engine.catalog.dependent_views(table.oid, &snap)? {
            if let Some(v) = engine.catalog.table_by_oid(oid, &snap)?
                && v.view_query.as_deref().is_some_and(|q| mentions(q, column))
            {
                out.push(v);
            }
        }
        Ok(out)
    }

    fn relation_name(&mut self, oid: storage::types::Oid) -> SqlResult<String> {
        let snap = self.statement_snapshot();
        Ok(self
            .engine
            .catalog
            .table_by_oid(oid, &snap)?
            .map_or_else(String::new, |t| t.name.clone()))
    }
}

/// The stored generated columns of `table` computed from column `col`.
fn generated_readers(table: &TableInfo, col: usize) -> Vec<usize> {
    let name = &table.columns[col].name;
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(g, c)| {
            *g != col
                && c.generation == Generation::Stored
                && c.default
                    .as_deref()
                    .is_some_and(|text| mentions(text, name))
        })
        .map(|(g, _)| g)
        .collect()
}

/// The check constraints of `table` that read column `col`.
fn checks_reading(table: &TableInfo, col: usize) -> Vec<storage::types::Oid> {
    let name = &table.columns[col].name;
    table
        .checks
        .iter()
        .filter(|c| mentions(&c.expr, name))
        .map(|c| c.oid)
        .collect()
}

/// True if SQL `text` has an identifier that folds to `name`.
fn mentions(text: &str, name: &str) -> bool {
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = sqlparser::tokenizer::Tokenizer::new(&dialect, text).tokenize() else {
        return true;
    };
    tokens.iter().any(|t| match t {
        sqlparser::tokenizer::Token::Word(w) => {
            if w.quote_style.is_some() {
                w.value == name
            } else {
                w.value.to_lowercase() == name
            }
        }
        _ => false,
    })
}
