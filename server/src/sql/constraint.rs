//! The row constraints every stored row must satisfy: NOT NULL and CHECK
//! (PostgreSQL's `ExecConstraints`), and the generated columns computed
//! just before (`ExecComputeStoredGenerated`).
//!
//! INSERT, UPDATE, `ON CONFLICT DO UPDATE` and COPY bind their table's
//! generation expressions and check constraints once, when the statement
//! is planned ([`RowChecks`]), and prepare each new row version before it
//! is stored: generated columns first (each from the row's other columns,
//! which a generation expression may only read), then NOT NULL (23502),
//! then each CHECK in creation order (23514). A CHECK whose expression is
//! NULL is satisfied, as in SQL.
//!
//! A check constraint's expression is validated when it is created
//! ([`bind_check`]): it reads only the table's own columns, has no
//! subquery (0A000), no aggregate, and is boolean (42804). Its default
//! name is PostgreSQL's: `<table>_<column>_check` when it reads exactly
//! one column, `<table>_check` otherwise, with a number appended while the
//! name is taken ([`choose_check_name`]).

use sqlparser::ast;
use storage::catalog::{Generation, TableInfo};
use storage::datum::Datum;
use storage::datum::io::OutputOptions;
use storage::datum::types::TypeOid;

use super::bind::Binder;
use super::expr::{EvalCtx, Expr};
use crate::error::{SqlError, SqlResult};

/// A table's generated columns and check constraints, bound over its row.
#[derive(Clone, Debug, Default)]
pub struct RowChecks {
    generated: Vec<(usize, Expr)>,
    checks: Vec<(String, Expr)>,
}

impl RowChecks {
    /// Binds `table`'s generation expressions and check constraints.
    pub fn bind(binder: &mut Binder<'_>, table: &TableInfo) -> SqlResult<RowChecks> {
        let mut generated = Vec::new();
        for (i, c) in table.columns.iter().enumerate() {
            if let (Generation::Stored, Some(text)) = (c.generation, &c.default) {
                generated.push((i, bind_generation(binder, table, i, text)?));
            }
        }
        let mut checks = Vec::with_capacity(table.checks.len());
        for c in &table.checks {
            let e = super::parse::parse_expr(&c.expr)?;
            checks.push((c.name.clone(), binder.bind_row_expr(&e, table)?));
        }
        Ok(RowChecks { generated, checks })
    }

    /// Computes the generated columns of `row`, a new version of a row of
    /// `table`, then verifies NOT NULL and every check constraint on it.
    pub fn prepare(
        &self,
        table: &TableInfo,
        row: &mut [Datum],
        ecx: &EvalCtx<'_>,
        opts: &OutputOptions,
    ) -> SqlResult<()> {
        for (i, e) in &self.generated {
            let v = e.eval(row, ecx)?;
            if let Some(slot) = row.get_mut(*i) {
                *slot = v;
            }
        }
        check_not_null(table, row, opts)?;
        for (name, e) in &self.checks {
            if let Datum::Bool(false) = e.eval(row, ecx)? {
                return Err(SqlError::new(
                    "23514",
                    format!(
                        "new row for relation \"{}\" violates check constraint \"{name}\"",
                        table.name
                    ),
                )
                .with_detail(failing_row(table, row, opts)));
            }
        }
        Ok(())
    }
}

/// Checks NOT NULL constraints (23502 with PostgreSQL's message and detail).
pub fn check_not_null(table: &TableInfo, row: &[Datum], opts: &OutputOptions) -> SqlResult<()> {
    for (i, c) in table.columns.iter().enumerate() {
        if c.not_null && matches!(row.get(i), Some(Datum::Null) | None) {
            return Err(SqlError::new(
                "23502",
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    c.name, table.name
                ),
            )
            .with_detail(failing_row(table, row, opts)));
        }
    }
    Ok(())
}

/// `Failing row contains (...).`, the detail of 23502 and 23514.
fn failing_row(table: &TableInfo, row: &[Datum], opts: &OutputOptions) -> String {
    let shown: Vec<String> = row
        .iter()
        .zip(&table.columns)
        .map(|(d, col)| {
            storage::datum::io::to_text(d, col.typ.oid, opts).unwrap_or_else(|| "null".into())
        })
        .collect();
    format!("Failing row contains ({}).", shown.join(", "))
}

/// Binds the generation expression `text` of column `col` of `table`,
/// coerced to the column's type: it may read only the table's other
/// plain columns (42P17 for a generated one) and has no subquery (0A000).
pub fn bind_generation(
    binder: &mut Binder<'_>,
    table: &TableInfo,
    col: usize,
    text: &str,
) -> SqlResult<Expr> {
    let e = super::parse::parse_expr(text)?;
    let (bound, cols) = bind_row_expression(binder, table, &e, "generation expression")?;
    if let Some(&g) = cols
        .iter()
        .find(|&&c| table.columns[c].generation == Generation::Stored)
    {
        return Err(SqlError::new(
            "42P17",
            "cannot use generated column in column generation expression",
        )
        .with_detail(format!(
            "A generated column cannot reference another generated column: \"{}\".",
            table.columns[g].name
        )));
    }
    super::bind::coerce(
        bound,
        table.columns[col].typ,
        super::cast::CastContext::Assignment,
    )
}

/// Validates a new check constraint's expression over `table`'s row and
/// returns it bound, with the 0-based columns it reads (in table order).
pub fn bind_check(
    binder: &mut Binder<'_>,
    table: &TableInfo,
    expr: &ast::Expr,
) -> SqlResult<(Expr, Vec<usize>)> {
    let (bound, cols) = bind_row_expression(binder, table, expr, "check constraint")?;
    let typ = bound.typ();
    if typ.oid != TypeOid::BOOL && typ.oid != TypeOid::UNKNOWN {
        return Err(SqlError::new(
            "42804",
            format!(
                "argument of CHECK must be type boolean, not type {}",
                typ.oid.sql_name()
            ),
        ));
    }
    Ok((bound, cols))
}

/// Binds `expr` over `table`'s row (no subquery: 0A000 naming `what`);
/// with the 0-based columns it reads, in table order.
fn bind_row_expression(
    binder: &mut Binder<'_>,
    table: &TableInfo,
    expr: &ast::Expr,
    what: &str,
) -> SqlResult<(Expr, Vec<usize>)> {
    let has_subquery = ast::visit_expressions(expr, |e| match e {
        ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. } => {
            std::ops::ControlFlow::Break(())
        }
        _ => std::ops::ControlFlow::Continue(()),
    });
    if has_subquery.is_break() {
        return Err(SqlError::unsupported(format!(
            "cannot use subquery in {what}"
        )));
    }
    let bound = binder.bind_row_expr(expr, table)?;
    let mut cols = Vec::new();
    bound.walk(&mut |x| {
        if let Expr::Column(i, _) = x {
            cols.push(*i);
        }
    });
    cols.sort_unstable();
    cols.dedup();
    Ok((bound, cols))
}

/// PostgreSQL's default name for a check constraint reading `cols` of
/// `table`, avoiding the names in `taken`.
pub fn choose_check_name(table: &TableInfo, cols: &[usize], taken: &[String]) -> String {
    let base = match cols {
        [one] => format!("{}_{}_check", table.name, table.columns[*one].name),
        _ => format!("{}_check", table.name),
    };
    let mut name = base.clone();
    let mut n = 0;
    while taken.contains(&name) {
        n += 1;
        name = format!("{base}{n}");
    }
    name
}
