//! Foreign keys in the session: their DDL (`REFERENCES` and `FOREIGN KEY`
//! in CREATE TABLE and `ALTER TABLE ... ADD [CONSTRAINT name] FOREIGN
//! KEY`) and firing the events DML queues (see `sql::ri` for the design).
//!
//! Creating a foreign key checks what PostgreSQL checks: the referenced
//! columns (the primary key when none are named: 42704 without one) are
//! exactly the columns of a unique index of the referenced table (42830),
//! as many as the
//! referencing columns (42830), of comparable types (42804); the default
//! name is `<table>_<col>[_<col>...]_fkey`. On a table with rows, every
//! existing key is looked up (23503 naming the first missing one). The
//! referenced table is locked ShareRowExclusive, as in PostgreSQL, so no
//! one changes its keys while the constraint is made.
//!
//! Not supported (0A000): DEFERRABLE constraints, MATCH FULL / PARTIAL.

use std::collections::HashMap;
use std::sync::Arc;

use sqlparser::ast;
use storage::catalog::foreign_key::NewForeignKey;
use storage::catalog::{FkAction, ForeignKey, TableInfo};
use storage::datum::{Datum, SqlType, TypeOid};
use storage::txn::LockMode;
use storage::types::Oid;

use super::{PlanCache, QueryResult, Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::ident_name;
use crate::sql::parse::{StatementKind, parse_statements};
use crate::sql::ri::{self, RiEvent, RiQuery};

/// The planned queries of foreign keys, by constraint and kind: the
/// statement and the plan cache it runs with.
pub(super) type RiPlans = HashMap<(Oid, RiQuery), (Arc<ast::Statement>, Vec<SqlType>, PlanCache)>;

/// A foreign key of a CREATE TABLE or ALTER TABLE, before it exists.
pub(super) struct FkDef {
    name: Option<String>,
    columns: Vec<String>,
    table: ast::ObjectName,
    ref_columns: Vec<String>,
    on_update: FkAction,
    on_delete: FkAction,
}

fn action(a: Option<&ast::ReferentialAction>) -> FkAction {
    match a {
        None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

impl FkDef {
    /// A `REFERENCES` column constraint of column `column`, or a `FOREIGN
    /// KEY` table constraint (`column` is `None`).
    pub(super) fn new(
        name: Option<&ast::Ident>,
        column: Option<&str>,
        c: &ast::ForeignKeyConstraint,
    ) -> SqlResult<FkDef> {
        if c.characteristics
            .as_ref()
            .is_some_and(|ch| ch.deferrable == Some(true) || ch.initially.is_some())
        {
            return Err(SqlError::unsupported("DEFERRABLE foreign keys"));
        }
        if matches!(
            c.match_kind,
            Some(
                ast::ConstraintReferenceMatchKind::Full
                    | ast::ConstraintReferenceMatchKind::Partial
            )
        ) {
            return Err(SqlError::unsupported(
                "MATCH FULL and MATCH PARTIAL foreign keys",
            ));
        }
        let columns = match column {
            Some(col) => vec![col.to_string()],
            None => c.columns.iter().map(ident_name).collect(),
        };
        Ok(FkDef {
            name: name.or(c.name.as_ref()).map(ident_name),
            columns,
            table: c.foreign_table.clone(),
            ref_columns: c.referred_columns.iter().map(ident_name).collect(),
            on_update: action(c.on_update.as_ref()),
            on_delete: action(c.on_delete.as_ref()),
        })
    }
}

/// The 1-based numbers of `names` in `table`; 42703 for a missing one.
fn attnums(table: &TableInfo, names: &[String]) -> SqlResult<Vec<i16>> {
    names
        .iter()
        .map(|n| {
            table
                .columns
                .iter()
                .position(|c| &c.name == n)
                .and_then(|i| i16::try_from(i + 1).ok())
                .ok_or_else(|| {
                    SqlError::new(
                        "42703",
                        format!(
                            "column \"{n}\" referenced in foreign key constraint does not exist"
                        ),
                    )
                })
        })
        .collect()
}

/// Types a foreign key may join: equal, or both integers / numbers, or
/// both strings.
fn comparable(a: TypeOid, b: TypeOid) -> bool {
    let numeric = |t| {
        matches!(
            t,
            TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8 | TypeOid::NUMERIC
        )
    };
    let string = |t| matches!(t, TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR);
    a == b || (numeric(a) && numeric(b)) || (string(a) && string(b))
}

impl Session {
    /// Creates the foreign keys `defs` on `table` (in namespace `ns`);
    /// with `validate`, first checks every existing row.
    pub(super) fn add_foreign_keys(
        &mut self,
        table: &TableInfo,
        ns: Oid,
        defs: &[FkDef],
        validate: bool,
    ) -> SqlResult<()> {
        let mut taken = super::constraints::constraint_names(table);
        for d in defs {
            let target = self.referenced_table(table, &d.table)?;
            self.lock_relation(target.oid, LockMode::ShareRowExclusive)?;
            let cols = attnums(table, &d.columns)?;
            let (ref_cols, index) = referenced_key(&target, &d.ref_columns)?;
            if cols.len() != ref_cols.len() {
                return Err(SqlError::new(
                    "42830",
                    "number of referencing and referenced columns for foreign key disagree",
                ));
            }
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
                None => default_name(table, &d.columns, &taken),
            };
            check_types(table, &target, &cols, &ref_cols, &name)?;
            let fk = NewForeignKey {
                name: &name,
                cols: &cols,
                ref_rel: target.oid,
                ref_cols: &ref_cols,
                index,
                on_update: d.on_update,
                on_delete: d.on_delete,
            };
            let snap = self.statement_snapshot();
            let wait = self.lock_wait();
            let w = txn_writer(&self.txn, &wait)?;
            let oid = self
                .engine
                .catalog
                .create_foreign_key(table, ns, &fk, &snap, &w)?;
            self.txn.command_counter_increment();
            if validate {
                let made = ForeignKey {
                    oid,
                    name: name.clone(),
                    rel: table.oid,
                    cols,
                    ref_rel: target.oid,
                    ref_cols,
                    index,
                    on_update: d.on_update,
                    on_delete: d.on_delete,
                };
                self.validate_foreign_key(&made, table, &target)?;
            }
            taken.push(name);
        }
        Ok(())
    }

    /// The referenced table: `table` itself for a self-reference made in
    /// the same CREATE TABLE, else looked up (42P01).
    fn referenced_table(
        &self,
        table: &TableInfo,
        name: &ast::ObjectName,
    ) -> SqlResult<Arc<TableInfo>> {
        let (schema, rel) = crate::sql::bind::schema_and_name(name)?;
        match self.lookup_relation(schema.as_deref(), &rel)? {
            Some(t) if t.relkind == 'r' => Ok(t),
            Some(_) => Err(SqlError::new(
                "42809",
                format!("referenced relation \"{rel}\" is not a table"),
            )),
            None if rel == table.name && schema.as_deref().is_none_or(|s| s == table.schema) => {
                Ok(Arc::new(table.clone()))
            }
            None => Err(SqlError::undefined_table(&rel)),
        }
    }

    /// 23503 if an existing row of `table` has a key missing from `target`.
    fn validate_foreign_key(
        &mut self,
        fk: &ForeignKey,
        table: &TableInfo,
        target: &TableInfo,
    ) -> SqlResult<()> {
        let names = |t: &TableInfo, cols: &[i16]| -> Vec<String> {
            cols.iter()
                .filter_map(|c| {
                    usize::try_from(*c - 1)
                        .ok()
                        .and_then(|i| t.columns.get(i))
                        .map(|ci| crate::sql::bind::quote_ident(&ci.name))
                })
                .collect()
        };
        let (fcols, pcols) = (names(table, &fk.cols), names(target, &fk.ref_cols));
        let not_null: Vec<String> = fcols.iter().map(|c| format!("f.{c} IS NOT NULL")).collect();
        let joins: Vec<String> = fcols
            .iter()
            .zip(&pcols)
            .map(|(f, p)| format!("p.{p} = f.{f}"))
            .collect();
        let select: Vec<String> = fcols.iter().map(|c| format!("f.{c}")).collect();
        let sql = format!(
            "SELECT {} FROM {} f WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {}) LIMIT 1",
            select.join(", "),
            ri::qualified(table),
            not_null.join(" AND "),
            ri::qualified(target),
            joins.join(" AND ")
        );
        let QueryResult::Rows { rows, .. } = self.run_internal(&sql, Vec::new(), &[], None)? else {
            return Ok(());
        };
        match rows.first() {
            Some(key) => Err(ri::missing_key(fk, table, target, key, &self.env.output)),
            None => Ok(()),
        }
    }

    /// Fires the foreign-key events a statement queued, in order.
    pub(super) fn fire_ri_events(&mut self, events: Vec<RiEvent>) -> SqlResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tables: HashMap<Oid, Arc<TableInfo>> = HashMap::new();
        for ev in events {
            let fk = match &ev {
                RiEvent::Check { fk, .. } | RiEvent::Release { fk, .. } => fk.clone(),
            };
            let child = self.table_for_ri(fk.rel, &mut tables)?;
            let parent = self.table_for_ri(fk.ref_rel, &mut tables)?;
            match ev {
                RiEvent::Check { key, .. } => {
                    let found = self.run_ri(RiQuery::Check, &fk, &child, &parent, &key)?;
                    if found == 0 {
                        return Err(ri::missing_key(
                            &fk,
                            &child,
                            &parent,
                            &key,
                            &self.env.output,
                        ));
                    }
                }
                RiEvent::Release { old, new, .. } => {
                    let q = RiQuery::for_release(&fk, new.is_some());
                    let mut params = old.clone();
                    if q == RiQuery::CascadeUpdate {
                        params.extend(new.unwrap_or_default());
                    }
                    let n = self.run_ri(q, &fk, &child, &parent, &params)?;
                    if q == RiQuery::Referenced && n > 0 {
                        return Err(ri::still_referenced(
                            &fk,
                            &child,
                            &parent,
                            &old,
                            &self.env.output,
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn table_for_ri(
        &mut self,
        oid: Oid,
        tables: &mut HashMap<Oid, Arc<TableInfo>>,
    ) -> SqlResult<Arc<TableInfo>> {
        if let Some(t) = tables.get(&oid) {
            return Ok(t.clone());
        }
        let snap = self.statement_snapshot();
        let t = self
            .engine
            .catalog
            .table_by_oid(oid, &snap)?
            .ok_or_else(|| SqlError::internal("table of a foreign key is gone"))?;
        tables.insert(oid, t.clone());
        Ok(t)
    }

    /// Runs query `q` of `fk`; the rows it returned or changed.
    fn run_ri(
        &mut self,
        q: RiQuery,
        fk: &ForeignKey,
        child: &TableInfo,
        parent: &TableInfo,
        params: &[Datum],
    ) -> SqlResult<u64> {
        let generation = self.engine.catalog.generation();
        let key = (fk.oid, q);
        let cached = self
            .ri_plans
            .get(&key)
            .filter(|(_, _, cache)| {
                cache
                    .lock()
                    .as_ref()
                    .is_none_or(|p| p.generation == generation)
            })
            .cloned();
        let (stmt, types, cache) = match cached {
            Some(hit) => hit,
            None => {
                let (sql, types) = ri::query_text(q, fk, child, parent);
                let stmt = Arc::new(parse_one(&sql)?);
                let entry = (stmt, types, PlanCache::default());
                self.ri_plans.insert(key, entry.clone());
                entry
            }
        };
        let r = self.run_prepared_internal(&stmt, types, params, Some(cache))?;
        Ok(match r {
            QueryResult::Rows { rows, .. } => rows.len() as u64,
            QueryResult::Command(tag) => tag
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            _ => 0,
        })
    }

    /// Runs `sql` inside the current statement, with a fresh snapshot.
    fn run_internal(
        &mut self,
        sql: &str,
        types: Vec<SqlType>,
        params: &[Datum],
        cache: Option<PlanCache>,
    ) -> SqlResult<QueryResult> {
        let stmt = parse_one(sql)?;
        self.run_prepared_internal(&stmt, types, params, cache)
    }

    fn run_prepared_internal(
        &mut self,
        stmt: &ast::Statement,
        types: Vec<SqlType>,
        params: &[Datum],
        cache: Option<PlanCache>,
    ) -> SqlResult<QueryResult> {
        let saved_cache = std::mem::replace(&mut self.plan_cache, cache);
        let saved_params = self.prepared_params.replace(types);
        let saved_fresh = std::mem::replace(&mut self.ri_fresh_snapshot, true);
        let r = self.run_dml(stmt, params);
        self.plan_cache = saved_cache;
        self.prepared_params = saved_params;
        self.ri_fresh_snapshot = saved_fresh;
        r
    }

    /// 2BP01 unless `cascade`: tables outside `dropped` whose foreign keys
    /// reference `table`; with `cascade`, a NOTICE for each such key
    /// (DROP TABLE then removes them).
    pub(super) fn foreign_key_dependents(
        &mut self,
        table: &TableInfo,
        dropped: &[Oid],
        cascade: bool,
    ) -> SqlResult<()> {
        let snap = self.statement_snapshot();
        let mut deps = Vec::new();
        for fk in table
            .referenced_by
            .iter()
            .filter(|f| !dropped.contains(&f.rel))
        {
            let child = self
                .engine
                .catalog
                .table_by_oid(fk.rel, &snap)?
                .map_or_else(String::new, |t| t.name.clone());
            deps.push(format!(
                "constraint {} on table {child} depends on table {}",
                fk.name, table.name
            ));
        }
        if deps.is_empty() {
            return Ok(());
        }
        if !cascade {
            return Err(SqlError::new(
                "2BP01",
                format!(
                    "cannot drop table {} because other objects depend on it",
                    table.name
                ),
            )
            .with_detail(deps.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        for d in deps {
            let what = d
                .split(" depends on ")
                .next()
                .unwrap_or_default()
                .to_string();
            self.notices.push(super::Notice {
                severity: "NOTICE",
                code: "00000",
                message: format!("drop cascades to {what}"),
            });
        }
        Ok(())
    }

    /// TRUNCATE and foreign keys: with `cascade`, adds the tables that
    /// reference `targets` (recursively, each locked, with a NOTICE);
    /// without, 0A000 if a table outside `targets` references one of them.
    pub(super) fn truncate_foreign_keys(
        &mut self,
        targets: &mut Vec<Arc<TableInfo>>,
        cascade: bool,
    ) -> SqlResult<()> {
        let snap = self.statement_snapshot();
        let mut i = 0;
        while i < targets.len() {
            let t = targets[i].clone();
            i += 1;
            for fk in &t.referenced_by {
                if targets.iter().any(|x| x.oid == fk.rel) {
                    continue;
                }
                let child = self
                    .engine
                    .catalog
                    .table_by_oid(fk.rel, &snap)?
                    .ok_or_else(|| SqlError::internal("referencing table is gone"))?;
                if !cascade {
                    return Err(SqlError::new(
                        "0A000",
                        "cannot truncate a table referenced in a foreign key constraint",
                    )
                    .with_detail(format!(
                        "Table \"{}\" references \"{}\".",
                        child.name, t.name
                    ))
                    .with_hint(format!(
                        "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                        child.name
                    )));
                }
                self.lock_relation(child.oid, LockMode::AccessExclusive)?;
                self.notices.push(super::Notice {
                    severity: "NOTICE",
                    code: "00000",
                    message: format!("truncate cascades to table \"{}\"", child.name),
                });
                targets.push(child);
            }
        }
        Ok(())
    }
}

fn parse_one(sql: &str) -> SqlResult<ast::Statement> {
    let mut parsed = parse_statements(sql)?;
    match parsed.pop().map(|p| p.kind) {
        Some(StatementKind::Sql(stmt)) if parsed.is_empty() => Ok(*stmt),
        _ => Err(SqlError::internal("a foreign key's query did not parse")),
    }
}

/// The referenced columns (the primary key's when `names` is empty) and
/// the unique index over exactly them.
fn referenced_key(target: &TableInfo, names: &[String]) -> SqlResult<(Vec<i16>, Oid)> {
    if names.is_empty() {
        let pk = target.indexes.iter().find(|i| i.primary).ok_or_else(|| {
            SqlError::new(
                "42704",
                format!(
                    "there is no primary key for referenced table \"{}\"",
                    target.name
                ),
            )
        })?;
        return Ok((key_attnums(&pk.columns), pk.oid));
    }
    let cols = attnums(target, names)?;
    let mut wanted = cols.clone();
    wanted.sort_unstable();
    let index = target.indexes.iter().find(|i| {
        let mut have = key_attnums(&i.columns);
        have.sort_unstable();
        i.unique && have == wanted
    });
    match index {
        Some(i) => Ok((cols, i.oid)),
        None => Err(SqlError::new(
            "42830",
            format!(
                "there is no unique constraint matching given keys for referenced table \"{}\"",
                target.name
            ),
        )),
    }
}

/// 1-based column numbers of 0-based positions.
fn key_attnums(columns: &[usize]) -> Vec<i16> {
    columns
        .iter()
        .filter_map(|c| i16::try_from(c + 1).ok())
        .collect()
}

/// 42804 unless each referencing column can be compared with its
/// referenced column.
fn check_types(
    table: &TableInfo,
    target: &TableInfo,
    cols: &[i16],
    ref_cols: &[i16],
    name: &str,
) -> SqlResult<()> {
    for (c, r) in cols.iter().zip(ref_cols) {
        let col = usize::try_from(*c - 1)
            .ok()
            .and_then(|i| table.columns.get(i));
        let rcol = usize::try_from(*r - 1)
            .ok()
            .and_then(|i| target.columns.get(i));
        let (Some(col), Some(rcol)) = (col, rcol) else {
            return Err(SqlError::internal("foreign key column out of range"));
        };
        if !comparable(col.typ.oid, rcol.typ.oid) {
            return Err(SqlError::new(
                "42804",
                format!("foreign key constraint \"{name}\" cannot be implemented"),
            )
            .with_detail(format!(
                "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                col.name,
                rcol.name,
                col.typ.oid.sql_name(),
                rcol.typ.oid.sql_name()
            )));
        }
    }
    Ok(())
}

/// PostgreSQL's default name: `<table>_<col>[_<col>...]_fkey`, numbered
/// while taken.
fn default_name(table: &TableInfo, columns: &[String], taken: &[String]) -> String {
    let base = format!("{}_{}_fkey", table.name, columns.join("_"));
    let mut name = base.clone();
    let mut n = 0;
    while taken.contains(&name) {
        n += 1;
        name = format!("{}_{}_fkey{n}", table.name, columns.join("_"));
    }
    name
}
