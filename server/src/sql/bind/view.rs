//! Views in queries, and the definition CREATE VIEW stores.
//!
//! A view is read by parsing its stored query and binding it where the
//! view is named, as a subquery with the view's column names; it sees
//! neither the CTEs nor the outer columns of the query naming it. A view
//! that reads itself (through CREATE OR REPLACE of a view it reads) is
//! found on the stack of views being expanded and answers 42P17, as
//! PostgreSQL's rewriter does; views nested deeper than
//! [`MAX_VIEW_DEPTH`] answer 54001 rather than exhaust the stack.
//!
//! CREATE VIEW stores its query with each top-level `*` replaced by the
//! columns it stood for (recorded while the query is bound), so the view
//! keeps the columns it was made with when its tables gain more.

use std::collections::HashMap;

use sqlparser::ast;
use storage::catalog::TableInfo;
use storage::datum::{SqlType, TypeOid};
use storage::types::Oid;

use super::{Binder, BoundQuery, Scope, object_name_parts};
use crate::error::{SqlError, SqlResult};

/// How deeply views may nest.
const MAX_VIEW_DEPTH: usize = 100;

/// What binding a view's query notes for its definition.
#[derive(Default)]
pub struct DefinitionLog {
    /// The expansions of `*` in its SELECTs, keyed by the address of the
    /// SELECT (the AST is not moved while it is bound).
    wildcards: HashMap<usize, Vec<ast::SelectItem>>,
    /// The relations it names (not those the views it names read).
    relations: Vec<Oid>,
}

/// A bound view definition.
pub struct ViewQuery {
    /// The query bound.
    pub bound: BoundQuery,
    /// The query as the view stores it.
    pub stored: ast::Query,
    /// The tables and views it names, each once.
    pub relations: Vec<Oid>,
}

impl Binder<'_> {
    /// Binds the stored query of view `view`.
    pub(super) fn bind_view(&mut self, view: &TableInfo) -> SqlResult<BoundQuery> {
        if self.view_stack.contains(&view.oid) {
            return Err(SqlError::new(
                "42P17",
                format!(
                    "infinite recursion detected in rules for relation \"{}\"",
                    view.name
                ),
            ));
        }
        if self.view_stack.len() >= MAX_VIEW_DEPTH {
            return Err(SqlError::new("54001", "stack depth limit exceeded"));
        }
        let text = view
            .view_query
            .as_deref()
            .ok_or_else(|| SqlError::internal(format!("view \"{}\" has no rule", view.name)))?;
        let query = crate::sql::parse::parse_query(text)?;
        let outer = std::mem::take(&mut self.outer);
        let ctes = std::mem::take(&mut self.ctes);
        let log = self.view_log.take();
        self.view_stack.push(view.oid);
        let bound = self.bind_query(&query);
        self.view_stack.pop();
        self.view_log = log;
        self.ctes = ctes;
        self.outer = outer;
        let bound = bound?;
        let matches = bound.columns.len() == view.columns.len()
            && bound
                .columns
                .iter()
                .zip(&view.columns)
                .all(|((_, t), c)| view_column_type(*t).oid == c.typ.oid);
        if !matches {
            return Err(SqlError::new(
                "XX000",
                format!(
                    "view \"{}\" no longer matches its stored columns",
                    view.name
                ),
            ));
        }
        Ok(BoundQuery {
            plan: bound.plan,
            columns: view
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.typ))
                .collect(),
        })
    }

    /// Binds the query of a CREATE VIEW.
    pub fn bind_view_definition(&mut self, q: &ast::Query) -> SqlResult<ViewQuery> {
        self.view_log = Some(DefinitionLog::default());
        let bound = self.bind_query(q);
        let mut log = self.view_log.take().unwrap_or_default();
        let bound = bound?;
        let mut stored = q.clone();
        expand_set_expr(&q.body, &mut stored.body, &log.wildcards);
        log.relations.sort();
        log.relations.dedup();
        Ok(ViewQuery {
            bound,
            stored,
            relations: log.relations,
        })
    }

    /// Notes that the view being defined names relation `rel`.
    pub(super) fn log_relation(&mut self, rel: Oid) {
        if let Some(log) = self.view_log.as_mut() {
            log.relations.push(rel);
        }
    }

    /// Notes what the `*`s of `sel` stood for, if a view is being defined.
    pub(super) fn log_wildcards(&mut self, sel: &ast::Select, scope: &Scope) -> SqlResult<()> {
        let Some(log) = self.view_log.as_mut() else {
            return Ok(());
        };
        if !sel.projection.iter().any(is_wildcard) {
            return Ok(());
        }
        let mut items = Vec::with_capacity(sel.projection.len());
        for item in &sel.projection {
            match item {
                ast::SelectItem::Wildcard(_) => items.extend(
                    scope
                        .cols
                        .iter()
                        .filter(|c| !c.name.ends_with('\u{0}'))
                        .map(|c| column_item(c.qualifier.as_deref(), &c.name)),
                ),
                ast::SelectItem::QualifiedWildcard(
                    ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => {
                    let q = object_name_parts(n)?.pop().unwrap_or_default();
                    items.extend(
                        scope
                            .cols
                            .iter()
                            .filter(|c| c.qualifier.as_deref() == Some(q.as_str()))
                            .map(|c| column_item(Some(&q), c.name.trim_end_matches('\u{0}'))),
                    );
                }
                other => items.push(other.clone()),
            }
        }
        log.wildcards
            .insert(sel as *const ast::Select as usize, items);
        Ok(())
    }
}

/// The type a view column gets: an untyped literal's `unknown` becomes
/// `text`, as PostgreSQL 15 makes it.
pub fn view_column_type(t: SqlType) -> SqlType {
    if t.oid == TypeOid::UNKNOWN {
        SqlType::new(TypeOid::TEXT)
    } else {
        t
    }
}

/// The error of an INSERT, UPDATE or DELETE (`verb`: "insert into",
/// "update", "delete from") on `view`: a view PostgreSQL would update
/// itself answers 0A000 (not supported here); any other, PostgreSQL's
/// 55000 with its reason.
pub(super) fn view_write_error(view: &TableInfo, verb: &str) -> SqlError {
    let query = view
        .view_query
        .as_deref()
        .and_then(|q| crate::sql::parse::parse_query(q).ok());
    let message = format!("cannot {verb} view \"{}\"", view.name);
    match query.as_ref().and_then(not_auto_updatable) {
        Some(reason) => {
            let (event, rule) = match verb {
                "insert into" => ("inserting into", "INSERT"),
                "update" => ("updating", "UPDATE"),
                _ => ("deleting from", "DELETE"),
            };
            SqlError::new("55000", message)
                .with_detail(reason)
                .with_hint(format!(
                    "To enable {event} the view, provide an INSTEAD OF {rule} trigger or an unconditional ON {rule} DO INSTEAD rule."
                ))
        }
        None => SqlError::new("0A000", message)
            .with_detail("Automatically updatable views are not supported."),
    }
}

/// Why PostgreSQL would not update through a view of query `q`
/// (`view_query_is_auto_updatable`), if it would not.
fn not_auto_updatable(q: &ast::Query) -> Option<&'static str> {
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return Some(
            "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.",
        );
    };
    let grouped = !matches!(&sel.group_by, ast::GroupByExpr::Expressions(v, _) if v.is_empty());
    let exprs = || {
        sel.projection.iter().filter_map(|i| match i {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                Some(e)
            }
            _ => None,
        })
    };
    let calls = |pred: &dyn Fn(&ast::Function) -> bool| {
        exprs().any(|e| {
            let mut found = false;
            let _ = ast::visit_expressions(e, |x| {
                if let ast::Expr::Function(f) = x
                    && pred(f)
                {
                    found = true;
                }
                std::ops::ControlFlow::<()>::Continue(())
            });
            found
        })
    };
    if sel.distinct.is_some() {
        Some("Views containing DISTINCT are not automatically updatable.")
    } else if grouped {
        Some("Views containing GROUP BY are not automatically updatable.")
    } else if sel.having.is_some() {
        Some("Views containing HAVING are not automatically updatable.")
    } else if q.with.is_some() {
        Some("Views containing WITH are not automatically updatable.")
    } else if q.limit_clause.is_some() || q.fetch.is_some() {
        Some("Views containing LIMIT or OFFSET are not automatically updatable.")
    } else if exprs().any(super::contains_aggregate) {
        Some("Views that return aggregate functions are not automatically updatable.")
    } else if calls(&|f| f.over.is_some()) {
        Some("Views that return window functions are not automatically updatable.")
    } else if calls(&|f| crate::sql::srf::is_srf_name(&f.name.to_string().to_lowercase())) {
        Some("Views that return set-returning functions are not automatically updatable.")
    } else if !matches!(sel.from.as_slice(), [t] if t.joins.is_empty()
        && matches!(t.relation, ast::TableFactor::Table { args: None, .. }))
    {
        Some(
            "Views that do not select from a single table or view are not automatically updatable.",
        )
    } else {
        None
    }
}

fn is_wildcard(item: &ast::SelectItem) -> bool {
    matches!(
        item,
        ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..)
    )
}

/// `qualifier.name`, quoted where needed.
fn column_item(qualifier: Option<&str>, name: &str) -> ast::SelectItem {
    let ident = |s: &str| {
        if super::quote_ident(s) == s {
            ast::Ident::new(s)
        } else {
            ast::Ident::with_quote('"', s)
        }
    };
    let expr = match qualifier.filter(|q| !q.is_empty()) {
        Some(q) => ast::Expr::CompoundIdentifier(vec![ident(q), ident(name)]),
        None => ast::Expr::Identifier(ident(name)),
    };
    ast::SelectItem::UnnamedExpr(expr)
}

/// Replaces the `*`s of the top-level SELECTs of `stored` (a copy of
/// `bound`, the tree the log's addresses point into).
fn expand_set_expr(
    bound: &ast::SetExpr,
    stored: &mut ast::SetExpr,
    log: &HashMap<usize, Vec<ast::SelectItem>>,
) {
    match (bound, stored) {
        (ast::SetExpr::Select(b), ast::SetExpr::Select(s)) => {
            if let Some(items) = log.get(&(b.as_ref() as *const ast::Select as usize)) {
                s.projection = items.clone();
            }
        }
        (
            ast::SetExpr::SetOperation {
                left: bl,
                right: br,
                ..
            },
            ast::SetExpr::SetOperation {
                left: sl,
                right: sr,
                ..
            },
        ) => {
            expand_set_expr(bl, sl, log);
            expand_set_expr(br, sr, log);
        }
        (ast::SetExpr::Query(b), ast::SetExpr::Query(s)) => {
            expand_set_expr(&b.body, &mut s.body, log);
        }
        _ => {}
    }
}
