//! WITH: common table expressions, recursive ones included.
//!
//! A non-recursive CTE is bound once and its plan is copied into every
//! place that names it (each reference runs it again; its rows are the
//! same because the statement has one snapshot).
//!
//! `WITH RECURSIVE name AS (base UNION [ALL] recursive)` whose recursive
//! term names `name` becomes a [`Plan::RecursiveUnion`]: `base` is bound
//! first and fixes the column names and types (an unknown literal becomes
//! text, as PostgreSQL resolves it); while `recursive` is bound, `name`
//! means a [`Plan::WorkTable`], the rows the previous round added. As in
//! PostgreSQL, a recursive column whose type would have to widen beyond
//! the base term's is an error (42804) rather than a silent cast. Rounds
//! repeat until one adds no row, with no cap on their number: the
//! executor checks for cancellation and `statement_timeout` each round.
//! A CTE of a WITH RECURSIVE that does not name itself is an ordinary CTE.

use std::ops::ControlFlow;

use sqlparser::ast;
use storage::datum::{SqlType, TypeOid};

use super::{Binder, BoundQuery, coerce_plan, ident_name, object_name_parts};
use crate::error::{SqlError, SqlResult};
use crate::sql::func::common_type;
use crate::sql::plan::Plan;

impl Binder<'_> {
    /// Binds the CTEs of `with`, making each visible to the ones after it
    /// and to the query body.
    pub(super) fn bind_ctes(&mut self, with: &ast::With) -> SqlResult<()> {
        for cte in &with.cte_tables {
            let name = ident_name(&cte.alias.name);
            if cte.from.is_some() {
                return Err(SqlError::unsupported("CTE FROM"));
            }
            let bound = if with.recursive && names_itself(&cte.query, &name) {
                self.bind_recursive(&name, cte)?
            } else {
                let mut b = self.bind_query(&cte.query)?;
                rename(&mut b, cte, &name)?;
                b
            };
            self.ctes.push((name, bound));
        }
        Ok(())
    }

    fn bind_recursive(&mut self, name: &str, cte: &ast::Cte) -> SqlResult<BoundQuery> {
        let q = &cte.query;
        let ast::SetExpr::SetOperation {
            left,
            op: ast::SetOperator::Union,
            set_quantifier,
            right,
        } = q.body.as_ref()
        else {
            return Err(SqlError::new(
                "42P19",
                format!(
                    "recursive query \"{name}\" does not have the form non-recursive-term UNION [ALL] recursive-term"
                ),
            ));
        };
        if q.order_by.is_some() || q.limit_clause.is_some() || q.with.is_some() {
            return Err(SqlError::unsupported(
                "ORDER BY, LIMIT or WITH in a recursive query",
            ));
        }
        let all = matches!(set_quantifier, ast::SetQuantifier::All);
        let mut base = self.bind_set_expr(left)?;
        rename(&mut base, cte, name)?;
        let base_types: Vec<SqlType> = base
            .columns
            .iter()
            .map(|(_, t)| {
                if t.oid == TypeOid::UNKNOWN {
                    SqlType::new(TypeOid::TEXT)
                } else {
                    *t
                }
            })
            .collect();
        let base_plan = coerce_plan(base.plan, &base.columns, &base_types)?;
        let columns: Vec<(String, SqlType)> = base
            .columns
            .iter()
            .zip(&base_types)
            .map(|((n, _), t)| (n.clone(), *t))
            .collect();
        let worktable = self.subplans;
        self.subplans += 1;
        self.ctes.push((
            name.to_string(),
            BoundQuery {
                plan: Plan::WorkTable { worktable },
                columns: columns.clone(),
            },
        ));
        let rec = self.bind_set_expr(right);
        self.ctes.pop();
        let rec = rec?;
        if rec.columns.len() != columns.len() {
            return Err(SqlError::syntax(
                "each UNION query must have the same number of columns",
            ));
        }
        for (i, ((_, l), (_, r))) in columns.iter().zip(&rec.columns).enumerate() {
            let common = common_type(&[*l, *r], "UNION")?;
            if common.oid != l.oid {
                return Err(SqlError::new(
                    "42804",
                    format!(
                        "recursive query \"{name}\" column {} has type {} in non-recursive term but type {} overall",
                        i + 1,
                        l.oid.sql_name(),
                        common.oid.sql_name()
                    ),
                )
                .with_hint("Cast the output of the non-recursive term to the correct type."));
            }
        }
        let recursive = coerce_plan(rec.plan, &rec.columns, &base_types)?;
        Ok(BoundQuery {
            plan: Plan::RecursiveUnion {
                base: Box::new(base_plan),
                recursive: Box::new(recursive),
                all,
                worktable,
            },
            columns,
        })
    }
}

/// Applies `name(col, ...)`'s column names.
fn rename(b: &mut BoundQuery, cte: &ast::Cte, name: &str) -> SqlResult<()> {
    let cols = &cte.alias.columns;
    if cols.len() > b.columns.len() {
        return Err(SqlError::new(
            "42P10",
            format!(
                "WITH query \"{name}\" has {} columns available but {} columns specified",
                b.columns.len(),
                cols.len()
            ),
        ));
    }
    for (c, col) in b.columns.iter_mut().zip(cols) {
        c.0 = ident_name(&col.name);
    }
    Ok(())
}

/// True if `q` reads a relation called `name` (unqualified).
fn names_itself(q: &ast::Query, name: &str) -> bool {
    let found = ast::visit_relations(q, |rel| match object_name_parts(rel) {
        Ok(parts) if parts.len() == 1 && parts[0] == name => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    found.is_break()
}
