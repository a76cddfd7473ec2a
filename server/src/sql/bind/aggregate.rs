//! ORDER BY inside an aggregate call (`string_agg(x, ',' ORDER BY y)`),
//! and the ordered-set aggregates `percentile_cont`, `percentile_disc`
//! and `mode` (`... WITHIN GROUP (ORDER BY x)`), which are fed their
//! sorted input the same way.
//!
//! The keys are bound over the aggregate's input row, like its arguments;
//! the executor buffers each group's (keys, arguments) pairs and feeds the
//! aggregate in key order when the group is finished. With DISTINCT, as in
//! PostgreSQL, every key must be one of the arguments (42P10), and
//! duplicates are dropped as the sorted rows are fed.

use std::borrow::Cow;

use sqlparser::ast;

use storage::datum::{SqlType, TypeOid};

use super::{AggState, Binder, Scope, coerce, sort_key};
use crate::error::{SqlError, SqlResult};
use crate::sql::cast::CastContext;
use crate::sql::expr::Expr;
use crate::sql::plan::{AggCall, AggFunc, SortKey};

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
    /// `percentile_cont(f)`, `percentile_disc(f)` or `mode()` `WITHIN
    /// GROUP (ORDER BY x)`: an aggregate over `x` in key order, with the
    /// fraction as a second argument.
    pub(super) fn bind_ordered_set_aggregate(
        &mut self,
        name: &str,
        f: &ast::Function,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let Some(st) = agg.as_mut() else {
            return Err(SqlError::new(
                "42803",
                format!("aggregate functions are not allowed here ({name})"),
            ));
        };
        let scope = st.from_scope.clone();
        let [order] = f.within_group.as_slice() else {
            return Err(SqlError::unsupported(format!(
                "{name} WITHIN GROUP over several keys"
            )));
        };
        let lists = self.suspend_select_lists();
        let direct = self.function_args(f, &scope, &mut None);
        let keys = self.bind_aggregate_order(std::slice::from_ref(order), &scope);
        self.resume_select_lists(lists);
        let (direct, star, distinct) = direct?;
        let mut keys = keys?;
        if star || distinct || f.filter.is_some() {
            return Err(SqlError::unsupported(format!(
                "{name} WITHIN GROUP with *, DISTINCT or FILTER"
            )));
        }
        let key_t = keys[0].expr.typ();
        let float8 = SqlType::new(TypeOid::FLOAT8);
        let (func, value_t, want_direct) = match name {
            "percentile_cont" if key_t.oid == TypeOid::INTERVAL => {
                return Err(SqlError::unsupported("percentile_cont of intervals"));
            }
            "percentile_cont" => (AggFunc::PercentileCont, float8, 1),
            "percentile_disc" => (AggFunc::PercentileDisc, key_t, 1),
            "mode" => (AggFunc::Mode, key_t, 0),
            _ => {
                return Err(SqlError::unsupported(format!(
                    "{name} as an ordered-set aggregate"
                )));
            }
        };
        let no_function = || {
            SqlError::undefined_function(&format!(
                "{name}({}{})",
                direct
                    .iter()
                    .map(|a| format!("{}, ", a.typ().oid.sql_name()))
                    .collect::<String>(),
                key_t.oid.sql_name()
            ))
        };
        if direct.len() != want_direct {
            return Err(no_function());
        }
        let value = coerce(keys[0].expr.clone(), value_t, CastContext::Implicit)
            .map_err(|_| no_function())?;
        keys[0].expr = value.clone();
        let mut args = vec![value];
        for d in direct {
            if d.typ().oid.is_array() {
                return Err(SqlError::unsupported(format!(
                    "{name} of an array of fractions"
                )));
            }
            args.push(coerce(d, float8, CastContext::Implicit)?);
        }
        let call = AggCall {
            func,
            args,
            distinct: false,
            filter: None,
            order_by: keys,
            typ: value_t,
        };
        st.aggs.push(call);
        Ok(Expr::Column(
            st.group_exprs.len() + st.aggs.len() - 1,
            value_t,
        ))
    }

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
