//! FROM items beyond tables and subqueries: set-returning functions and
//! LATERAL.
//!
//! A function in FROM, and a subquery marked LATERAL, may read the columns
//! of the FROM items to its left (a function always may, as in
//! PostgreSQL). Such an item is bound with the left items' scope pushed as
//! its innermost outer scope, so its references to them become outer
//! references, and it is joined with a [`Plan::LateralJoin`], which runs
//! it once per left row. Only inner (comma, CROSS, INNER) and LEFT joins
//! may be lateral, as in PostgreSQL (42P10 otherwise).

use sqlparser::ast;
use storage::datum::{SqlType, TypeOid};

use super::{
    Binder, Scope, ScopeCol, aliased_scope, coerce, ident_name, if_no_cast, object_name_parts, t,
};
use crate::error::{SqlError, SqlResult};
use crate::sql::cast::CastContext;
use crate::sql::expr::Expr;
use crate::sql::func::Builtin;
use crate::sql::jsonb::{JsonbFn, JsonbSrf};
use crate::sql::plan::{JoinKind, Plan};
use crate::sql::srf::{SrfCall, SrfFunc, is_srf_name, resolve_srf};

/// `FROM pg_backup_stop([wait])`: one row (lsn, labelfile, spcmapfile);
/// the first column stops the backup (see [`crate::sql::walfuncs`]).
fn backup_stop(args: Vec<Expr>, alias: Option<&ast::TableAlias>) -> SqlResult<(Plan, Scope)> {
    if args.len() > 1 {
        return Err(SqlError::undefined_function("pg_backup_stop"));
    }
    let args = args
        .into_iter()
        .map(|a| coerce(a, t(TypeOid::BOOL), CastContext::Implicit))
        .collect::<SqlResult<Vec<_>>>()?;
    let field = |n: i32| {
        Expr::Func(
            Builtin::BackupStopField,
            vec![Expr::Const(
                storage::datum::Datum::Int4(n),
                t(TypeOid::INT4),
            )],
            t(TypeOid::TEXT),
        )
    };
    let row = vec![
        Expr::Func(Builtin::BackupStopLsn, args, t(TypeOid::PG_LSN)),
        field(1),
        field(2),
    ];
    let cols = vec![
        ("lsn".to_string(), t(TypeOid::PG_LSN)),
        ("labelfile".to_string(), t(TypeOid::TEXT)),
        ("spcmapfile".to_string(), t(TypeOid::TEXT)),
    ];
    let qual = alias.map_or("pg_backup_stop".to_string(), |a| ident_name(&a.name));
    let scope = aliased_scope(&qual, &cols, alias);
    Ok((
        Plan::Values {
            rows: vec![row],
            width: 3,
        },
        scope,
    ))
}

/// `FROM jsonb_each[_text](j)`: the keys of `j` in stored order (a
/// [`Plan::FunctionScan`] of [`JsonbSrf::EachKeys`]) and, projected beside
/// each, `j -> key` (`->>` for the `_text` form). `j` is evaluated again for
/// each value, so it must be pseudo-constant (constants, parameters, outer
/// columns of a LATERAL call and non-volatile functions of those); 0A000
/// otherwise, never a different answer.
fn jsonb_each(
    fname: String,
    args: Vec<Expr>,
    alias: Option<&ast::TableAlias>,
    ordinality: bool,
) -> SqlResult<(Plan, Scope)> {
    let as_text = fname == "jsonb_each_text";
    let [arg] = <[Expr; 1]>::try_from(args).map_err(|a| {
        let types: Vec<&str> = a.iter().map(|e| e.typ().oid.sql_name()).collect();
        SqlError::undefined_function(&format!("{fname}({})", types.join(", ")))
    })?;
    let from = arg.typ().oid;
    let arg = coerce(arg, t(TypeOid::JSONB), CastContext::Implicit).map_err(|e| {
        if_no_cast(e, || {
            SqlError::undefined_function(&format!("{fname}({})", from.sql_name()))
        })
    })?;
    if !crate::sql::path::is_pseudo_constant(&arg) {
        return Err(SqlError::unsupported(format!(
            "{fname} over an argument evaluated per row"
        )));
    }
    let value_type = t(if as_text {
        TypeOid::TEXT
    } else {
        TypeOid::JSONB
    });
    let key = Expr::Column(0, t(TypeOid::TEXT));
    let mut exprs = vec![
        key.clone(),
        Expr::Func(
            Builtin::Jsonb(JsonbFn::Field { as_text }),
            vec![arg.clone(), key],
            value_type,
        ),
    ];
    let mut cols = vec![
        ("key".to_string(), t(TypeOid::TEXT)),
        ("value".to_string(), value_type),
    ];
    if ordinality {
        exprs.push(Expr::Column(1, t(TypeOid::INT8)));
        cols.push(("ordinality".into(), t(TypeOid::INT8)));
    }
    let call = SrfCall {
        func: SrfFunc::Jsonb(JsonbSrf::EachKeys { as_text }),
        args: vec![arg],
        typ: t(TypeOid::TEXT),
    };
    let qual = alias.map_or(fname, |a| ident_name(&a.name));
    let scope = aliased_scope(&qual, &cols, alias);
    Ok((
        Plan::Project {
            input: Box::new(Plan::FunctionScan { call, ordinality }),
            exprs,
        },
        scope,
    ))
}

/// `FROM pg_stat_archiver`: the view as one row whose columns read the
/// archiver's counters when evaluated.
pub(super) fn stat_archiver(alias: Option<&ast::TableAlias>) -> (Plan, Scope) {
    let cols: Vec<(String, SqlType)> = crate::sql::walfuncs::STAT_ARCHIVER_COLUMNS
        .iter()
        .map(|(n, o)| (n.to_string(), t(*o)))
        .collect();
    let row = cols
        .iter()
        .enumerate()
        .map(|(i, (_, typ))| {
            Expr::Func(
                Builtin::StatArchiver,
                vec![Expr::Const(
                    storage::datum::Datum::Int4(i as i32),
                    t(TypeOid::INT4),
                )],
                *typ,
            )
        })
        .collect();
    let qual = alias.map_or("pg_stat_archiver".to_string(), |a| ident_name(&a.name));
    let scope = aliased_scope(&qual, &cols, alias);
    (
        Plan::Values {
            rows: vec![row],
            width: cols.len(),
        },
        scope,
    )
}

/// True for a FROM item that may read the items to its left.
pub(super) fn is_lateral(tf: &ast::TableFactor) -> bool {
    matches!(
        tf,
        ast::TableFactor::Derived { lateral: true, .. }
            | ast::TableFactor::Function { .. }
            | ast::TableFactor::UNNEST { .. }
            | ast::TableFactor::Table { args: Some(_), .. }
    )
}

impl Binder<'_> {
    /// Binds `UNNEST(array)` in FROM (sqlparser's own node for it).
    pub(super) fn bind_from_unnest(&mut self, tf: &ast::TableFactor) -> SqlResult<(Plan, Scope)> {
        let ast::TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset,
            with_ordinality,
            ..
        } = tf
        else {
            return Err(SqlError::internal("UNNEST"));
        };
        if *with_offset {
            return Err(SqlError::unsupported("UNNEST ... WITH OFFSET"));
        }
        let args: Vec<ast::FunctionArg> = array_exprs
            .iter()
            .map(|e| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e.clone())))
            .collect();
        let name = ast::ObjectName::from(vec![ast::Ident::new("unnest")]);
        self.bind_from_function(&name, &args, alias.as_ref(), *with_ordinality)
    }

    /// Binds a set-returning function call in FROM.
    pub(super) fn bind_from_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        ordinality: bool,
    ) -> SqlResult<(Plan, Scope)> {
        let fname = match object_name_parts(name)?.as_slice() {
            [n] => n.clone(),
            [s, n] if s == "pg_catalog" => n.clone(),
            _ => return Err(SqlError::undefined_function(&name.to_string())),
        };
        let mut bound = Vec::new();
        let empty = Scope::default();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    bound.push(self.bind_expr(e, &empty, &mut None)?)
                }
                other => {
                    return Err(SqlError::unsupported(format!("function argument {other}")));
                }
            }
        }
        if fname == "pg_backup_stop" {
            return backup_stop(bound, alias);
        }
        if matches!(fname.as_str(), "jsonb_each" | "jsonb_each_text") {
            return jsonb_each(fname, bound, alias, ordinality);
        }
        if !is_srf_name(&fname) {
            return Err(SqlError::unsupported(format!(
                "function {fname} in FROM (only set-returning functions)"
            )));
        }
        let call = resolve_srf(&fname, bound)?;
        let col_name = match alias {
            Some(a) if a.columns.is_empty() => ident_name(&a.name),
            _ => fname.clone(),
        };
        let mut cols: Vec<(String, SqlType)> = vec![(col_name, call.typ)];
        if ordinality {
            cols.push(("ordinality".into(), t(TypeOid::INT8)));
        }
        let qual = alias.map_or(fname, |a| ident_name(&a.name));
        let scope = aliased_scope(&qual, &cols, alias);
        Ok((Plan::FunctionScan { call, ordinality }, scope))
    }

    /// Joins `tf` to the items on its left (`lp`, `ls`) laterally.
    pub(super) fn bind_lateral(
        &mut self,
        lp: Plan,
        ls: Scope,
        tf: &ast::TableFactor,
        op: Option<&ast::JoinOperator>,
    ) -> SqlResult<(Plan, Scope)> {
        use ast::JoinOperator as J;
        let (kind, on) = match op {
            None => (JoinKind::Inner, None),
            Some(J::CrossJoin(c) | J::Join(c) | J::Inner(c)) => (JoinKind::Inner, Some(c)),
            Some(J::Left(c) | J::LeftOuter(c)) => (JoinKind::Left, Some(c)),
            Some(_) => {
                return Err(SqlError::new(
                    "42P10",
                    "invalid reference to FROM-clause entry for table in a LATERAL item",
                )
                .with_hint(
                    "The combining JOIN type must be INNER or LEFT for a LATERAL reference.",
                ));
            }
        };
        self.outer.push(ls.clone());
        let right = match tf {
            ast::TableFactor::Derived {
                subquery, alias, ..
            } => self.bind_query(subquery).map(|b| {
                let qual = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_default();
                let scope = aliased_scope(&qual, &b.columns, alias.as_ref());
                (b.plan, scope)
            }),
            ast::TableFactor::Function {
                name,
                args,
                alias,
                with_ordinality,
                ..
            } => self.bind_from_function(name, args, alias.as_ref(), *with_ordinality),
            ast::TableFactor::Table {
                name,
                alias,
                args: Some(args),
                with_ordinality,
                ..
            } => self.bind_from_function(name, &args.args, alias.as_ref(), *with_ordinality),
            unnest @ ast::TableFactor::UNNEST { .. } => self.bind_from_unnest(unnest),
            other => Err(SqlError::unsupported(format!("LATERAL {other}"))),
        };
        self.outer.pop();
        let (rp, rs) = right?;
        let right_width = rs.cols.len();
        let scope = Scope {
            cols: ls
                .cols
                .iter()
                .chain(&rs.cols)
                .cloned()
                .collect::<Vec<ScopeCol>>(),
        };
        let condition = match on {
            None | Some(ast::JoinConstraint::None) => None,
            Some(ast::JoinConstraint::On(e)) => {
                let c = self.bind_expr(e, &scope, &mut None)?;
                Some(
                    coerce(c, t(TypeOid::BOOL), CastContext::Implicit).map_err(|err| {
                        if_no_cast(err, || {
                            SqlError::datatype_mismatch(format!(
                                "argument of JOIN/ON must be type boolean, not type {e}"
                            ))
                        })
                    })?,
                )
            }
            Some(_) => return Err(SqlError::unsupported("USING or NATURAL with LATERAL")),
        };
        Ok((
            Plan::LateralJoin {
                left: Box::new(lp),
                right: Box::new(rp),
                kind,
                condition,
                right_width,
            },
            scope,
        ))
    }
}
