//! ORDER BY inside an aggregate call (`string_agg(x, ',' ORDER BY y)`).
//!
//! The keys are bound over the aggregate's input row, like its arguments;
//! the executor buffers each group's (keys, arguments) pairs and feeds the
//! aggregate in key order when the group is finished. With DISTINCT, as in
//! PostgreSQL, every key must be one of the arguments (42P10), and
//! duplicates are dropped as the sorted rows are fed.

use std::borrow::Cow;

use sqlparser::ast;

use super::{Binder, Scope, sort_key};
use crate::error::{SqlError, SqlResult};
use crate::sql::plan::SortKey;

/// Splits `f` into the call without its ORDER BY clause and that clause.
/// Fails with 42P10 when DISTINCT is given and a key is not an argument.
pub(super) fn split_aggregate_order(
    f: &ast::Function,
) -> SqlResult<(Cow<'_, ast::Function>, Vec<ast::OrderByExpr>)> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return Ok((Cow::Borrowed(f), Vec::new()));
    };
    let mut order = Vec::new();
    let mut rest = Vec::new();
    for c in &list.clauses {
        match c {
            ast::FunctionArgumentClause::OrderBy(o) => order.extend(o.iter().cloned()),
            other => rest.push(other.clone()),
        }
    }
    if order.is_empty() {
        return Ok((Cow::Borrowed(f), order));
    }
    let distinct = matches!(
        list.duplicate_treatment,
        Some(ast::DuplicateTreatment::Distinct)
    );
    let mut g = f.clone();
    if let ast::FunctionArguments::List(l) = &mut g.args {
        l.clauses = rest;
        if distinct {
            let args: Vec<&ast::Expr> = l
                .args
                .iter()
                .filter_map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect();
            if order.iter().any(|o| !args.contains(&&o.expr)) {
                return Err(SqlError::new(
                    "42P10",
                    "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
                ));
            }
        }
    }
    Ok((Cow::Owned(g), order))
}

impl Binder<'_> {
    /// Binds the ORDER BY keys of an aggregate call over its input scope.
    pub(super) fn bind_aggregate_order(
        &mut self,
        order: &[ast::OrderByExpr],
        scope: &Scope,
    ) -> SqlResult<Vec<SortKey>> {
        let mut keys = Vec::with_capacity(order.len());
        for o in order {
            let e = self.bind_expr(&o.expr, scope, &mut None)?;
            keys.push(sort_key(e, &o.options));
        }
        Ok(keys)
    }
}
