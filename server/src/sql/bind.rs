//! The binder: sqlparser's AST to typed plans.
//!
//! It resolves names (case-folding unquoted identifiers as PostgreSQL does),
//! types every expression, inserts the implicit coercions PostgreSQL's parser
//! would, infers the types of `$n` parameters from their context, and builds
//! the plan tree for queries and the target descriptions for DML.
//!
//! A SELECT is planned in PostgreSQL's clause order: FROM (joins), WHERE,
//! GROUP BY / aggregates, HAVING, the target list, DISTINCT, ORDER BY (which
//! may add hidden sort columns), LIMIT / OFFSET.

use std::sync::Arc;

use sqlparser::ast;
use storage::catalog::{Generation, TableInfo};
use storage::datum::{Datum, Numeric, SqlType, TypeOid};

use super::cast::{CastContext, cast_context, cast_value, is_string, numeric_rank};
use super::expr::{ArraySubscript, Expr, SeqOp, SubKind, SubPlan};
use super::func::{common_type, resolve_function};
use super::ops::BinOp;
use super::plan::{AggCall, AggFunc, JoinKind, Plan, RowWaitPolicy, SetOpKind, SortKey};
use crate::error::{SqlError, SqlResult};

mod aggregate;
mod cte;
mod from_function;
mod grouping_sets;
mod view;
pub use view::{ViewQuery, view_column_type};
mod window;

/// Name lookups the binder needs from the catalog.
pub trait CatalogLookup: super::cost::PlannerInfo {
    /// The table `schema.name` (or `name` on the search path).
    fn table(&self, schema: Option<&str>, name: &str) -> SqlResult<Option<Arc<TableInfo>>>;

    /// The relation with OID `oid`.
    fn table_by_oid(&self, oid: storage::types::Oid) -> SqlResult<Option<Arc<TableInfo>>>;

    /// The OID of schema `name`.
    fn namespace(&self, name: &str) -> SqlResult<Option<storage::types::Oid>>;

    /// The OID of role `name`.
    fn role(&self, name: &str) -> SqlResult<Option<storage::types::Oid>>;
}

/// One column visible in a scope.
#[derive(Clone, Debug)]
pub struct ScopeCol {
    /// The table name or alias that qualifies it.
    pub qualifier: Option<String>,
    /// The column name.
    pub name: String,
    /// Its type.
    pub typ: SqlType,
}

/// The columns a FROM clause makes visible, in plan-row order.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Columns in the order of the plan's output row.
    pub cols: Vec<ScopeCol>,
}

/// A bound query: its plan and output columns.
#[derive(Clone, Debug)]
pub struct BoundQuery {
    /// The plan.
    pub plan: Plan,
    /// Output column names and types.
    pub columns: Vec<(String, SqlType)>,
}

/// A bound INSERT.
#[derive(Clone, Debug)]
pub struct InsertPlan {
    /// Target table.
    pub table: Arc<TableInfo>,
    /// Produces full-width rows for the table, already coerced.
    pub source: Plan,
    /// RETURNING expressions over the stored row, with names.
    pub returning: Option<Vec<(String, Expr)>>,
    /// ON CONFLICT.
    pub on_conflict: Option<OnConflict>,
    /// The table's check constraints.
    pub checks: super::constraint::RowChecks,
}

/// INSERT's ON CONFLICT clause, bound.
#[derive(Clone, Debug)]
pub struct OnConflict {
    /// The unique indexes whose conflicts it handles (all unique indexes
    /// for a bare DO NOTHING).
    pub arbiters: Vec<Arc<storage::catalog::IndexInfo>>,
    /// What to do with a conflicting row.
    pub action: ConflictAction,
}

/// DO NOTHING or DO UPDATE.
#[derive(Clone, Debug)]
pub enum ConflictAction {
    /// Skip the proposed row.
    Nothing,
    /// Update the existing row.
    Update(DoUpdate),
}

/// `DO UPDATE SET ... [WHERE ...]`: expressions over (existing row,
/// excluded row).
#[derive(Clone, Debug)]
pub struct DoUpdate {
    /// (column, new value).
    pub assignments: Vec<(usize, Expr)>,
    /// DO UPDATE ... WHERE.
    pub filter: Option<Expr>,
    /// The table's check constraints, verified on the updated row.
    pub checks: super::constraint::RowChecks,
}

/// A bound UPDATE.
#[derive(Clone, Debug)]
pub struct UpdatePlan {
    /// Target table.
    pub table: Arc<TableInfo>,
    /// WHERE over the table row.
    pub filter: Option<Expr>,
    /// The index reaching the target rows, if one is used.
    pub access: Option<super::path::IndexPath>,
    /// (column index, new value over the old row).
    pub assignments: Vec<(usize, Expr)>,
    /// RETURNING over the new row.
    pub returning: Option<Vec<(String, Expr)>>,
    /// The table's check constraints.
    pub checks: super::constraint::RowChecks,
}

/// A bound DELETE.
#[derive(Clone, Debug)]
pub struct DeletePlan {
    /// Target table.
    pub table: Arc<TableInfo>,
    /// WHERE over the table row.
    pub filter: Option<Expr>,
    /// The index reaching the target rows, if one is used.
    pub access: Option<super::path::IndexPath>,
    /// RETURNING over the deleted row.
    pub returning: Option<Vec<(String, Expr)>>,
}

/// Aggregation state while binding a grouped SELECT's target list.
struct AggState {
    group_asts: Vec<ast::Expr>,
    group_exprs: Vec<Expr>,
    aggs: Vec<AggCall>,
    from_scope: Scope,
}

/// Binds statements against a catalog.
pub struct Binder<'a> {
    catalog: &'a dyn CatalogLookup,
    /// Parameter types; `UNKNOWN` until inferred.
    pub params: Vec<SqlType>,
    outer: Vec<Scope>,
    outer_refs: usize,
    subplans: usize,
    ctes: Vec<(String, BoundQuery)>,
    /// FOR UPDATE / FOR SHARE of the top-level SELECT, taken by it.
    row_lock: Option<storage::heap::heapam::RowLockMode>,
    /// FOR UPDATE's NOWAIT / SKIP LOCKED.
    row_wait: RowWaitPolicy,
    /// Window calls of the target list being bound (see `bind::window`).
    windows: Option<window::WindowCollector>,
    /// Set-returning calls of the target list being bound.
    srfs: Option<Vec<super::srf::SrfCall>>,
    /// True while a system view's definition is bound: there a system
    /// table's name means the stored table, not the view widening it.
    raw_catalog: bool,
    /// The user views enclosing what is being bound, outermost first.
    view_stack: Vec<storage::types::Oid>,
    /// While a view is being defined: what its query names.
    view_log: Option<view::DefinitionLog>,
}

/// Quotes an identifier when PostgreSQL's `quote_ident` would.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Folds an identifier as PostgreSQL does: unquoted names to lower case.
pub fn ident_name(id: &ast::Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// The parts of an object name, folded.
pub fn object_name_parts(name: &ast::ObjectName) -> SqlResult<Vec<String>> {
    name.0
        .iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(id) => Ok(ident_name(id)),
            other => Err(SqlError::unsupported(format!("object name {other}"))),
        })
        .collect()
}

/// Splits `[schema.]name`.
pub fn schema_and_name(name: &ast::ObjectName) -> SqlResult<(Option<String>, String)> {
    let mut parts = object_name_parts(name)?;
    match parts.len() {
        1 => Ok((None, parts.remove(0))),
        2 => {
            let n = parts.remove(1);
            Ok((Some(parts.remove(0)), n))
        }
        3 => {
            let n = parts.remove(2);
            Ok((Some(parts.remove(1)), n))
        }
        _ => Err(SqlError::syntax(format!(
            "improper qualified name (too many dotted names): {name}"
        ))),
    }
}

/// Coerces `e` to `to` if a cast in `context` exists; unknown literals and
/// untyped parameters take the target type.
pub fn coerce(e: Expr, to: SqlType, context: CastContext) -> SqlResult<Expr> {
    let from = e.typ();
    if from.oid == to.oid && (to.typmod < 0 || from.typmod == to.typmod) {
        return Ok(e);
    }
    if matches!(
        from.oid,
        TypeOid::REGCLASS
            | TypeOid::REGTYPE
            | TypeOid::REGNAMESPACE
            | TypeOid::REGROLE
            | TypeOid::REGPROC
    ) && is_string(to.oid)
        && cast_context(from.oid, to.oid).is_some_and(|c| c >= context)
    {
        // A reg* value shows as the name of the object it identifies.
        let name = Expr::Func(
            super::func::Builtin::Catalog(super::catalogfuncs::CatalogFn::RegOut(from.oid)),
            vec![e],
            t(TypeOid::TEXT),
        );
        return coerce(name, to, context);
    }
    match e {
        Expr::Param(i, t) if t.oid == TypeOid::UNKNOWN => return Ok(Expr::Param(i, to)),
        Expr::Const(Datum::Null, _) => return Ok(Expr::Const(Datum::Null, to)),
        Expr::Const(ref d, t)
            if (t.oid == TypeOid::UNKNOWN || context == CastContext::Explicit || e.is_const())
                && cast_context(from.oid, to.oid).is_some_and(|c| c >= context) =>
        {
            let v = cast_value(
                d.clone(),
                t,
                to,
                context == CastContext::Explicit,
                &Default::default(),
            );
            // Time-zone dependent conversions are left to run time, and so
            // are object names cast to reg* types (a sequence function
            // resolves its argument's name itself).
            let object_name = matches!(
                to.oid,
                TypeOid::REGCLASS | TypeOid::REGTYPE | TypeOid::REGPROC | TypeOid::REGNAMESPACE
            ) && matches!(d, Datum::Text(s) if s.trim().parse::<u32>().is_err());
            if !object_name
                && !matches!(to.oid, TypeOid::TIMESTAMPTZ)
                && !matches!(from.oid, TypeOid::TIMESTAMPTZ)
            {
                return Ok(Expr::Const(v?, to));
            }
        }
        _ => {}
    }
    let length_limited = matches!(to.oid, TypeOid::VARCHAR | TypeOid::BPCHAR) && to.typmod >= 4;
    match cast_context(from.oid, to.oid) {
        Some(c) if c >= context && context != CastContext::Explicit && length_limited => {
            Ok(Expr::AssignCast(Box::new(e), to))
        }
        Some(c) if c >= context => Ok(Expr::Cast(Box::new(e), to)),
        _ if from.oid == to.oid && context != CastContext::Explicit && length_limited => {
            Ok(Expr::AssignCast(Box::new(e), to))
        }
        _ if from.oid == to.oid => Ok(Expr::Cast(Box::new(e), to)),
        _ => Err(SqlError::new(
            if context == CastContext::Explicit {
                "42846"
            } else {
                "42804"
            },
            format!(
                "{} {} to {}",
                if context == CastContext::Explicit {
                    "cannot cast type"
                } else {
                    "cannot coerce type"
                },
                from.oid.sql_name(),
                to.oid.sql_name()
            ),
        )),
    }
}

fn t(oid: TypeOid) -> SqlType {
    SqlType::new(oid)
}

/// Maps a SQL type name (as sqlparser prints it) to a type with modifier.
pub fn parse_type_name(dt: &ast::DataType) -> SqlResult<SqlType> {
    let text = dt.to_string();
    // `t[]`, `t[][]`, `t[3]`: PostgreSQL ignores the number of dimensions
    // and any size, and so does this.
    let trimmed = text.trim_end();
    if trimmed.ends_with(']') {
        let base = trimmed
            .find('[')
            .map_or(trimmed, |i| trimmed[..i].trim_end());
        let elem = parse_type_name_text(base)?;
        return super::array::array_of(elem);
    }
    if let Some(elem) = text.strip_suffix(" ARRAY") {
        return super::array::array_of(parse_type_name_text(elem)?);
    }
    parse_type_name_text(&text)
}

fn parse_type_name_text(text: &str) -> SqlResult<SqlType> {
    let lower = text.to_lowercase();
    // `_int4` and the other array types' own names.
    if let Some(array) = storage::datum::types::BUILTIN_TYPES
        .iter()
        .find(|b| b.1.starts_with('_') && b.1 == lower.trim_start_matches("pg_catalog."))
    {
        return Ok(SqlType::new(array.0));
    }
    let (base, args) = match lower.find('(') {
        Some(i) => {
            let close = lower.rfind(')').unwrap_or(lower.len());
            let rest = lower[close..].trim_start_matches(')').trim().to_string();
            let base = format!("{} {}", lower[..i].trim(), rest).trim().to_string();
            (base, Some(lower[i + 1..close].to_string()))
        }
        None => (lower.trim().to_string(), None),
    };
    let base = base.trim_start_matches("pg_catalog.").to_string();
    let nums: Vec<i32> = args
        .as_deref()
        .map(|a| a.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let oid = match base.as_str() {
        "bool" | "boolean" => TypeOid::BOOL,
        "smallint" | "int2" | "smallserial" | "serial2" => TypeOid::INT2,
        "int" | "integer" | "int4" | "serial" | "serial4" => TypeOid::INT4,
        "bigint" | "int8" | "bigserial" | "serial8" => TypeOid::INT8,
        "real" | "float4" => TypeOid::FLOAT4,
        "double precision" | "float8" | "double" => TypeOid::FLOAT8,
        "float" => {
            if nums.first().is_some_and(|p| *p <= 24) {
                TypeOid::FLOAT4
            } else {
                TypeOid::FLOAT8
            }
        }
        "numeric" | "decimal" | "dec" => TypeOid::NUMERIC,
        "text" => TypeOid::TEXT,
        "varchar" | "character varying" | "char varying" => TypeOid::VARCHAR,
        "char" | "character" | "bpchar" => TypeOid::BPCHAR,
        "\"char\"" => TypeOid::CHAR,
        "name" => TypeOid::NAME,
        "bytea" => TypeOid::BYTEA,
        "date" => TypeOid::DATE,
        "time" | "time without time zone" => TypeOid::TIME,
        "timestamp" | "timestamp without time zone" => TypeOid::TIMESTAMP,
        "timestamptz" | "timestamp with time zone" => TypeOid::TIMESTAMPTZ,
        "interval" => TypeOid::INTERVAL,
        "uuid" => TypeOid::UUID,
        "pg_lsn" => TypeOid::PG_LSN,
        "json" => TypeOid::JSON,
        "jsonb" => TypeOid::JSONB,
        "oid" => TypeOid::OID,
        "regclass" => TypeOid::REGCLASS,
        "regtype" => TypeOid::REGTYPE,
        "regproc" => TypeOid::REGPROC,
        "regnamespace" => TypeOid::REGNAMESPACE,
        "regrole" => TypeOid::REGROLE,
        "xid" => TypeOid::XID,
        "pg_node_tree" => TypeOid::PG_NODE_TREE,
        _ => {
            return Err(SqlError::new(
                "42704",
                format!("type \"{}\" does not exist", text.to_lowercase()),
            ));
        }
    };
    let typmod = match oid {
        TypeOid::VARCHAR | TypeOid::BPCHAR => match nums.first() {
            Some(n) if *n < 1 => {
                return Err(SqlError::new(
                    "22023",
                    format!("length for type {} must be at least 1", base),
                ));
            }
            Some(n) if *n > 10_485_760 => {
                return Err(SqlError::new(
                    "22023",
                    format!("length for type {} cannot exceed 10485760", base),
                ));
            }
            Some(n) => n + 4,
            None if oid == TypeOid::BPCHAR && base != "bpchar" => 5,
            None => -1,
        },
        TypeOid::NUMERIC => match (nums.first(), nums.get(1)) {
            (Some(p), s) => {
                let s = s.copied().unwrap_or(0);
                if !(1..=1000).contains(p) {
                    return Err(SqlError::new(
                        "22023",
                        format!("NUMERIC precision {p} must be between 1 and 1000"),
                    ));
                }
                if s < 0 || s > *p {
                    return Err(SqlError::new(
                        "22023",
                        format!("NUMERIC scale {s} must be between 0 and precision {p}"),
                    ));
                }
                ((p << 16) | s) + 4
            }
            _ => -1,
        },
        TypeOid::TIME | TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ | TypeOid::INTERVAL => {
            match nums.first() {
                Some(p) if (0..=6).contains(p) => *p,
                Some(p) if *p > 6 => 6,
                Some(p) => {
                    return Err(SqlError::new(
                        "22023",
                        format!("{} precision {p} must not be negative", oid.sql_name()),
                    ));
                }
                None => -1,
            }
        }
        _ => -1,
    };
    Ok(SqlType::with_typmod(oid, typmod))
}

fn is_aggregate_name(name: &str) -> bool {
    matches!(
        name,
        "count"
            | "sum"
            | "avg"
            | "min"
            | "max"
            | "bool_and"
            | "bool_or"
            | "every"
            | "string_agg"
            | "array_agg"
            | "percentile_cont"
            | "percentile_disc"
            | "mode"
            | "json_agg"
            | "jsonb_agg"
            | "json_object_agg"
            | "jsonb_object_agg"
            | "variance"
            | "var_samp"
            | "var_pop"
            | "stddev"
            | "stddev_samp"
            | "stddev_pop"
    )
}

fn func_name(f: &ast::Function) -> SqlResult<String> {
    let parts = object_name_parts(&f.name)?;
    match parts.as_slice() {
        [n] => Ok(n.clone()),
        [s, n] if s == "pg_catalog" => Ok(n.clone()),
        _ => Err(SqlError::undefined_function(&f.name.to_string())),
    }
}

/// True if `e` calls an aggregate of its own query level (aggregates
/// inside a subquery belong to the subquery).
fn contains_aggregate(e: &ast::Expr) -> bool {
    struct Finder {
        /// Subqueries entered.
        depth: usize,
    }
    impl ast::Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, _: &ast::Query) -> std::ops::ControlFlow<()> {
            self.depth += 1;
            std::ops::ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &ast::Query) -> std::ops::ControlFlow<()> {
            self.depth -= 1;
            std::ops::ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, x: &ast::Expr) -> std::ops::ControlFlow<()> {
            if self.depth == 0
                && let ast::Expr::Function(f) = x
                && f.over.is_none()
                && func_name(f).is_ok_and(|n| is_aggregate_name(&n))
            {
                return std::ops::ControlFlow::Break(());
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    ast::Visit::visit(e, &mut Finder { depth: 0 }).is_break()
}

impl<'a> Binder<'a> {
    /// A binder with `param_types` given by the client (`UNKNOWN` for none).
    pub fn new(catalog: &'a dyn CatalogLookup, param_types: Vec<SqlType>) -> Self {
        Binder {
            catalog,
            params: param_types,
            outer: Vec::new(),
            outer_refs: 0,
            subplans: 0,
            ctes: Vec::new(),
            row_lock: None,
            row_wait: RowWaitPolicy::Block,
            windows: None,
            srfs: None,
            raw_catalog: false,
            view_stack: Vec::new(),
            view_log: None,
        }
    }

    /// The system view `schema.name` names, if any ([`super::sysviews`]).
    fn system_view(
        &self,
        schema: Option<&str>,
        name: &str,
    ) -> Option<&'static super::sysviews::SysView> {
        if self.raw_catalog && super::sysviews::widens_stored_table(name) {
            return None;
        }
        super::sysviews::lookup(schema, name)
    }

    /// A SELECT that reads a catalog of a feature heapgres lacks (row
    /// security policies, publications, extended statistics, inheritance)
    /// has no rows whatever its expressions say. When such a SELECT fails
    /// to bind only because an expression uses something not supported yet
    /// (array subscripts and functions, mostly: `'d' = any(stxkind)`),
    /// it is answered with its empty result, its columns typed `text`: the
    /// answer PostgreSQL gives. Any other error (an unknown column, say)
    /// is returned as it was.
    fn empty_catalog_select(&mut self, sel: &ast::Select, err: SqlError) -> SqlResult<BoundQuery> {
        if !matches!(err.code, "0A000" | "42883" | "42704" | "42804" | "42809")
            || !matches!(&sel.group_by, ast::GroupByExpr::Expressions(v, _) if v.is_empty())
            || sel.having.is_some()
            || !sel.from.iter().any(|f| self.always_empty(f))
        {
            return Err(err);
        }
        let mut columns = Vec::new();
        for item in &sel.projection {
            let name = match item {
                ast::SelectItem::UnnamedExpr(e) if !contains_aggregate(e) => column_label(e),
                ast::SelectItem::ExprWithAlias { expr, alias } if !contains_aggregate(expr) => {
                    ident_name(alias)
                }
                _ => return Err(err),
            };
            columns.push((name, t(TypeOid::TEXT)));
        }
        Ok(BoundQuery {
            plan: Plan::Values {
                rows: Vec::new(),
                width: columns.len(),
            },
            columns,
        })
    }

    /// True if the FROM item `f` has no rows: its first relation is an
    /// always-empty system view and every join keeps only rows matching
    /// it, or an inner join brings in such a view.
    fn always_empty(&self, f: &ast::TableWithJoins) -> bool {
        let empty = |tf: &ast::TableFactor| match tf {
            ast::TableFactor::Table {
                name, args: None, ..
            } => schema_and_name(name).is_ok_and(|(s, n)| {
                self.system_view(s.as_deref(), &n)
                    .is_some_and(super::sysviews::SysView::is_empty)
            }),
            _ => false,
        };
        let keeps_left = |op: &ast::JoinOperator| {
            matches!(
                op,
                ast::JoinOperator::Join(_)
                    | ast::JoinOperator::Inner(_)
                    | ast::JoinOperator::Left(_)
                    | ast::JoinOperator::LeftOuter(_)
                    | ast::JoinOperator::CrossJoin(_)
            )
        };
        let inner = |op: &ast::JoinOperator| {
            matches!(
                op,
                ast::JoinOperator::Join(_)
                    | ast::JoinOperator::Inner(_)
                    | ast::JoinOperator::CrossJoin(_)
            )
        };
        (empty(&f.relation) && f.joins.iter().all(|j| keeps_left(&j.join_operator)))
            || f.joins
                .iter()
                .any(|j| empty(&j.relation) && inner(&j.join_operator))
    }

    /// Binds a system view's definition, as a subquery in FROM.
    fn bind_system_view(&mut self, view: &super::sysviews::SysView) -> SqlResult<BoundQuery> {
        let q = super::sysviews::query(view)?;
        let outer = std::mem::take(&mut self.outer);
        let saved = std::mem::replace(&mut self.raw_catalog, true);
        let bound = self.bind_query(&q);
        self.raw_catalog = saved;
        self.outer = outer;
        bound
    }

    /// Binds a top-level `SELECT ... FOR UPDATE / FOR SHARE`.
    pub fn bind_locking_query(&mut self, q: &ast::Query) -> SqlResult<BoundQuery> {
        for lock in &q.locks {
            if lock.of.is_some() {
                return Err(SqlError::unsupported("FOR UPDATE OF"));
            }
        }
        // The strictest wait policy wins, as in PostgreSQL.
        self.row_wait = q
            .locks
            .iter()
            .map(|l| match l.nonblock {
                None => RowWaitPolicy::Block,
                Some(ast::NonBlock::SkipLocked) => RowWaitPolicy::Skip,
                Some(ast::NonBlock::Nowait) => RowWaitPolicy::Error,
            })
            .max_by_key(|p| match p {
                RowWaitPolicy::Block => 0,
                RowWaitPolicy::Skip => 1,
                RowWaitPolicy::Error => 2,
            })
            .unwrap_or(RowWaitPolicy::Block);
        let exclusive = q
            .locks
            .iter()
            .any(|l| matches!(l.lock_type, ast::LockType::Update));
        self.row_lock = Some(if exclusive {
            storage::heap::heapam::RowLockMode::Exclusive
        } else {
            storage::heap::heapam::RowLockMode::Share
        });
        let bound = self.bind_query(q)?;
        if self.row_lock.take().is_some() {
            return Err(SqlError::unsupported(
                "FOR UPDATE/SHARE outside a plain SELECT",
            ));
        }
        Ok(bound)
    }

    /// The number of subplan cache slots the statement needs.
    pub fn subplan_count(&self) -> usize {
        self.subplans
    }

    /// Parameter types with unresolved ones defaulted to text.
    pub fn final_param_types(&self) -> Vec<SqlType> {
        self.params
            .iter()
            .map(|p| {
                if p.oid == TypeOid::UNKNOWN {
                    t(TypeOid::TEXT)
                } else {
                    *p
                }
            })
            .collect()
    }

    fn lookup_table(&self, name: &ast::ObjectName) -> SqlResult<Arc<TableInfo>> {
        let (schema, rel) = schema_and_name(name)?;
        self.catalog.table(schema.as_deref(), &rel)?.ok_or_else(|| {
            let err = SqlError::undefined_table(&name.to_string().to_lowercase());
            match name.0.first() {
                Some(ast::ObjectNamePart::Identifier(id)) => err.at(id.span),
                _ => err,
            }
        })
    }

    // ----- queries -----

    /// Binds a statement's top-level query: as [`Binder::bind_query`],
    /// and `reg*` result columns show the names of the objects they
    /// identify, as PostgreSQL's output functions print them (the columns
    /// are sent as `text`).
    pub fn bind_statement_query(&mut self, q: &ast::Query) -> SqlResult<BoundQuery> {
        let bound = if q.locks.is_empty() {
            self.bind_query(q)?
        } else {
            self.bind_locking_query(q)?
        };
        let is_reg = |t: &SqlType| {
            matches!(
                t.oid,
                TypeOid::REGCLASS
                    | TypeOid::REGTYPE
                    | TypeOid::REGNAMESPACE
                    | TypeOid::REGROLE
                    | TypeOid::REGPROC
            )
        };
        if !bound.columns.iter().any(|(_, t)| is_reg(t)) {
            return Ok(bound);
        }
        let mut exprs = Vec::with_capacity(bound.columns.len());
        let mut columns = Vec::with_capacity(bound.columns.len());
        for (i, (name, typ)) in bound.columns.into_iter().enumerate() {
            let col = Expr::Column(i, typ);
            if is_reg(&typ) {
                exprs.push(coerce(col, t(TypeOid::TEXT), CastContext::Explicit)?);
                columns.push((name, t(TypeOid::TEXT)));
            } else {
                exprs.push(col);
                columns.push((name, typ));
            }
        }
        Ok(BoundQuery {
            plan: Plan::Project {
                input: Box::new(bound.plan),
                exprs,
            },
            columns,
        })
    }

    /// Binds a query (SELECT, VALUES, set operations, WITH).
    pub fn bind_query(&mut self, q: &ast::Query) -> SqlResult<BoundQuery> {
        let saved_ctes = self.ctes.len();
        if let Some(with) = &q.with
            && let Err(e) = self.bind_ctes(with)
        {
            self.ctes.truncate(saved_ctes);
            return Err(e);
        }
        let result = self.bind_query_body(q);
        self.ctes.truncate(saved_ctes);
        result
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> SqlResult<BoundQuery> {
        if !q.locks.is_empty() {
            // Row locking is applied by the executor for FOR UPDATE/SHARE on
            // simple queries; the plan itself is unchanged.
        }
        let order_by: &[ast::OrderByExpr] = match &q.order_by {
            Some(ast::OrderBy {
                kind: ast::OrderByKind::Expressions(v),
                ..
            }) => v,
            Some(_) => return Err(SqlError::unsupported("ORDER BY ALL")),
            None => &[],
        };
        let (limit, offset) = match &q.limit_clause {
            Some(ast::LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) => {
                if !limit_by.is_empty() {
                    return Err(SqlError::unsupported("LIMIT BY"));
                }
                (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
            }
            Some(ast::LimitClause::OffsetCommaLimit { .. }) => {
                return Err(SqlError::syntax("LIMIT #,# syntax is not supported")
                    .with_hint("Use separate LIMIT and OFFSET clauses."));
            }
            None => (None, None),
        };
        let limit = match (&limit, &q.fetch) {
            (None, Some(f)) => f.quantity.clone(),
            _ => limit,
        };
        let mut bound = match q.body.as_ref() {
            ast::SetExpr::Select(sel) => self.bind_select(sel, order_by)?,
            other => {
                let mut b = self.bind_set_expr(other)?;
                if !order_by.is_empty() {
                    let scope = Scope {
                        cols: b
                            .columns
                            .iter()
                            .map(|(n, t)| ScopeCol {
                                qualifier: None,
                                name: n.clone(),
                                typ: *t,
                            })
                            .collect(),
                    };
                    let mut keys = Vec::new();
                    for ob in order_by {
                        let expr = self.bind_order_target(&ob.expr, &b.columns, &scope)?;
                        keys.push(sort_key(expr, &ob.options));
                    }
                    b.plan = Plan::Sort {
                        input: Box::new(b.plan),
                        keys,
                    };
                }
                b
            }
        };
        if limit.is_some() || offset.is_some() {
            let empty = Scope::default();
            let bind_count = |this: &mut Self, e: &Option<ast::Expr>| -> SqlResult<Option<Expr>> {
                e.as_ref()
                    .map(|e| {
                        let x = this.bind_expr(e, &empty, &mut None)?;
                        coerce(x, t(TypeOid::INT8), CastContext::Implicit)
                    })
                    .transpose()
            };
            let limit = bind_count(self, &limit)?;
            let offset = bind_count(self, &offset)?;
            bound.plan = Plan::Limit {
                input: Box::new(bound.plan),
                limit,
                offset,
            };
        }
        bound.plan = super::path::optimize(bound.plan, self.catalog);
        Ok(bound)
    }

    fn bind_set_expr(&mut self, body: &ast::SetExpr) -> SqlResult<BoundQuery> {
        match body {
            ast::SetExpr::Select(sel) => self.bind_select(sel, &[]),
            ast::SetExpr::Query(q) => self.bind_query(q),
            ast::SetExpr::Values(v) => self.bind_values(v),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let l = self.bind_set_expr(left)?;
                let r = self.bind_set_expr(right)?;
                if l.columns.len() != r.columns.len() {
                    return Err(SqlError::syntax(format!(
                        "each {op} query must have the same number of columns"
                    )));
                }
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                let mut types = Vec::new();
                for (a, b) in l.columns.iter().zip(&r.columns) {
                    types.push(common_type(&[a.1, b.1], &op.to_string())?);
                }
                let left = coerce_plan(l.plan, &l.columns, &types)?;
                let right = coerce_plan(r.plan, &r.columns, &types)?;
                let columns = l
                    .columns
                    .iter()
                    .zip(&types)
                    .map(|((n, _), t)| (n.clone(), *t))
                    .collect();
                Ok(BoundQuery {
                    plan: Plan::SetOp {
                        op: kind,
                        all,
                        left: Box::new(left),
                        right: Box::new(right),
                    },
                    columns,
                })
            }
            other => Err(SqlError::unsupported(format!("query form {other}"))),
        }
    }

    fn bind_values(&mut self, v: &ast::Values) -> SqlResult<BoundQuery> {
        let empty = Scope::default();
        let mut rows = Vec::new();
        for row in &v.rows {
            let mut out = Vec::new();
            for e in &row.content {
                out.push(self.bind_expr(e, &empty, &mut None)?);
            }
            rows.push(out);
        }
        let width = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != width) {
            return Err(SqlError::syntax("VALUES lists must all be the same length"));
        }
        let mut types = Vec::new();
        for i in 0..width {
            let col: Vec<SqlType> = rows.iter().map(|r| r[i].typ()).collect();
            types.push(common_type(&col, "VALUES")?);
        }
        let rows = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .zip(&types)
                    .map(|(e, t)| coerce(e, *t, CastContext::Implicit))
                    .collect()
            })
            .collect::<SqlResult<Vec<Vec<Expr>>>>()?;
        let columns = types
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("column{}", i + 1), *t))
            .collect();
        Ok(BoundQuery {
            plan: Plan::Values { rows, width },
            columns,
        })
    }

    fn bind_from(&mut self, from: &[ast::TableWithJoins]) -> SqlResult<(Plan, Scope)> {
        let mut acc: Option<(Plan, Scope)> = None;
        for twj in from {
            if from_function::is_lateral(&twj.relation)
                && let Some((lp, ls)) = acc.take()
            {
                let (mut plan, mut scope) = self.bind_lateral(lp, ls, &twj.relation, None)?;
                for join in &twj.joins {
                    (plan, scope) = self.bind_join_item(plan, scope, join)?;
                }
                acc = Some((plan, scope));
                continue;
            }
            let (mut plan, mut scope) = self.bind_table_factor(&twj.relation)?;
            for join in &twj.joins {
                (plan, scope) = self.bind_join_item(plan, scope, join)?;
            }
            acc = Some(match acc {
                None => (plan, scope),
                Some((lp, ls)) => cross_join(lp, ls, plan, scope),
            });
        }
        Ok(acc.unwrap_or((
            Plan::Values {
                rows: vec![vec![]],
                width: 0,
            },
            Scope::default(),
        )))
    }

    /// One `JOIN` of a FROM item, lateral or not.
    fn bind_join_item(
        &mut self,
        lp: Plan,
        ls: Scope,
        join: &ast::Join,
    ) -> SqlResult<(Plan, Scope)> {
        if from_function::is_lateral(&join.relation) {
            return self.bind_lateral(lp, ls, &join.relation, Some(&join.join_operator));
        }
        let (rplan, rscope) = self.bind_table_factor(&join.relation)?;
        self.bind_join(lp, ls, rplan, rscope, &join.join_operator)
    }

    fn bind_table_factor(&mut self, tf: &ast::TableFactor) -> SqlResult<(Plan, Scope)> {
        match tf {
            ast::TableFactor::Table {
                name,
                alias,
                args: Some(args),
                with_ordinality,
                ..
            } => self.bind_from_function(name, &args.args, alias.as_ref(), *with_ordinality),
            ast::TableFactor::Function {
                name,
                args,
                alias,
                with_ordinality,
                ..
            } => self.bind_from_function(name, args, alias.as_ref(), *with_ordinality),
            unnest @ ast::TableFactor::UNNEST { .. } => self.bind_from_unnest(unnest),
            ast::TableFactor::Table { name, alias, .. } => {
                let parts = object_name_parts(name)?;
                if parts.len() == 1
                    && let Some((_, cte)) = self.ctes.iter().rev().find(|(n, _)| *n == parts[0])
                {
                    let cte = cte.clone();
                    let qual = alias
                        .as_ref()
                        .map_or(parts[0].clone(), |a| ident_name(&a.name));
                    let scope = aliased_scope(&qual, &cte.columns, alias.as_ref());
                    return Ok((cte.plan, scope));
                }
                if matches!(parts.as_slice(), [n] | [_, n] if n == "pg_stat_archiver")
                    && (parts.len() == 1 || parts[0] == "pg_catalog")
                {
                    return Ok(from_function::stat_archiver(alias.as_ref()));
                }
                let (schema, rel) = schema_and_name(name)?;
                if let Some(view) = self.system_view(schema.as_deref(), &rel) {
                    let bound = self.bind_system_view(view)?;
                    let qual = alias.as_ref().map_or(rel, |a| ident_name(&a.name));
                    let scope = aliased_scope(&qual, &bound.columns, alias.as_ref());
                    return Ok((bound.plan, scope));
                }
                let table = self.lookup_table(name)?;
                self.log_relation(table.oid);
                let qual = alias
                    .as_ref()
                    .map_or(table.name.clone(), |a| ident_name(&a.name));
                if table.relkind == 'v' {
                    let bound = self.bind_view(&table)?;
                    let scope = aliased_scope(&qual, &bound.columns, alias.as_ref());
                    return Ok((bound.plan, scope));
                }
                let cols: Vec<(String, SqlType)> = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.typ))
                    .collect();
                let scope = aliased_scope(&qual, &cols, alias.as_ref());
                Ok((Plan::SeqScan { table }, scope))
            }
            // LATERAL with nothing to its left is an ordinary subquery.
            ast::TableFactor::Derived {
                subquery, alias, ..
            } => {
                let bound = self.bind_query(subquery)?;
                let qual = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_default();
                let scope = aliased_scope(&qual, &bound.columns, alias.as_ref());
                Ok((bound.plan, scope))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    return Err(SqlError::unsupported("aliases on parenthesized joins"));
                }
                self.bind_from(std::slice::from_ref(table_with_joins))
            }
            other => Err(SqlError::unsupported(format!("FROM item {other}"))),
        }
    }

    fn bind_join(
        &mut self,
        lp: Plan,
        ls: Scope,
        rp: Plan,
        rs: Scope,
        op: &ast::JoinOperator,
    ) -> SqlResult<(Plan, Scope)> {
        use ast::JoinOperator as J;
        let (kind, constraint) = match op {
            J::Join(c) | J::Inner(c) => (JoinKind::Inner, c),
            J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, c),
            J::Right(c) | J::RightOuter(c) => (JoinKind::Right, c),
            J::FullOuter(c) => (JoinKind::Full, c),
            J::CrossJoin(c) => (JoinKind::Inner, c),
            other => return Err(SqlError::unsupported(format!("join type {other:?}"))),
        };
        let left_width = ls.cols.len();
        let right_width = rs.cols.len();
        let mut scope = Scope {
            cols: ls.cols.iter().chain(&rs.cols).cloned().collect(),
        };
        let mut using: Vec<String> = Vec::new();
        let condition = match constraint {
            ast::JoinConstraint::On(e) => {
                let c = self.bind_expr(e, &scope, &mut None)?;
                Some(
                    coerce(c, t(TypeOid::BOOL), CastContext::Implicit).map_err(|err| {
                        if_no_cast(err, || {
                            SqlError::datatype_mismatch(format!(
                                "argument of JOIN/ON must be type boolean, not type {}",
                                e
                            ))
                        })
                    })?,
                )
            }
            ast::JoinConstraint::Using(names) => {
                for n in names {
                    using.push(object_name_parts(n)?.pop().unwrap_or_default());
                }
                Some(self.using_condition(&ls, &rs, &using)?).filter(|_| !using.is_empty())
            }
            ast::JoinConstraint::Natural => {
                let common: Vec<String> = ls
                    .cols
                    .iter()
                    .filter(|c| rs.cols.iter().any(|r| r.name == c.name))
                    .map(|c| c.name.clone())
                    .collect();
                using.clone_from(&common);
                if common.is_empty() {
                    None
                } else {
                    Some(self.using_condition(&ls, &rs, &common)?)
                }
            }
            ast::JoinConstraint::None => None,
        };
        let (hash_keys, residual) = split_equi_keys(condition, left_width);
        let join = Plan::Join {
            left: Box::new(lp),
            right: Box::new(rp),
            kind,
            hash_keys,
            condition: residual,
            left_width,
            right_width,
        };
        if using.is_empty() {
            return Ok((join, scope));
        }
        // USING / NATURAL: the merged columns come first (what `*` and an
        // unqualified name see: the left value, the right one for a RIGHT
        // join, COALESCE of both for a FULL join); the joined tables'
        // own columns stay reachable through their qualifiers.
        let mut exprs = Vec::new();
        let mut merged = Vec::new();
        for n in &using {
            let li = ls.cols.iter().position(|c| &c.name == n).unwrap_or(0);
            let ri = rs.cols.iter().position(|c| &c.name == n).unwrap_or(0);
            let l = Expr::Column(li, ls.cols[li].typ);
            let r = Expr::Column(left_width + ri, rs.cols[ri].typ);
            let ty = common_type(&[l.typ(), r.typ()], "JOIN/USING")?;
            let e = match kind {
                JoinKind::Inner | JoinKind::Left => coerce(l, ty, CastContext::Implicit)?,
                JoinKind::Right => coerce(r, ty, CastContext::Implicit)?,
                JoinKind::Full => resolve_function("coalesce", vec![l, r])?
                    .ok_or_else(|| SqlError::internal("coalesce"))?,
            };
            merged.push(ScopeCol {
                qualifier: None,
                name: n.clone(),
                typ: e.typ(),
            });
            exprs.push(e);
        }
        for (i, c) in scope.cols.iter_mut().enumerate() {
            exprs.push(Expr::Column(i, c.typ));
            if using.contains(&c.name) {
                c.name = format!("{}\u{0}", c.name);
            }
        }
        merged.extend(scope.cols);
        Ok((
            Plan::Project {
                input: Box::new(join),
                exprs,
            },
            Scope { cols: merged },
        ))
    }

    fn using_condition(&mut self, ls: &Scope, rs: &Scope, names: &[String]) -> SqlResult<Expr> {
        let mut terms = Vec::new();
        for n in names {
            let li = ls.cols.iter().position(|c| &c.name == n).ok_or_else(|| {
                SqlError::undefined_column(n)
                    .with_detail("column specified in USING clause does not exist in left table")
            })?;
            let ri = rs.cols.iter().position(|c| &c.name == n).ok_or_else(|| {
                SqlError::undefined_column(n)
                    .with_detail("column specified in USING clause does not exist in right table")
            })?;
            let l = Expr::Column(li, ls.cols[li].typ);
            let r = Expr::Column(ls.cols.len() + ri, rs.cols[ri].typ);
            terms.push(resolve_binop(BinOp::Eq, l, r)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn bind_select_core(
        &mut self,
        sel: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> SqlResult<BoundQuery> {
        if sel.into.is_some() {
            return Err(SqlError::unsupported("SELECT INTO"));
        }
        let row_lock = self.row_lock.take();
        let (mut plan, scope) = self.bind_from(&sel.from)?;
        if let Some(mode) = row_lock {
            let Plan::SeqScan { table } = &plan else {
                return Err(SqlError::unsupported(
                    "FOR UPDATE/SHARE with joins, subqueries in FROM or VALUES",
                ));
            };
            if !matches!(&sel.group_by, ast::GroupByExpr::Expressions(v, _) if v.is_empty())
                || sel.having.is_some()
                || sel.distinct.is_some()
            {
                return Err(SqlError::new(
                    "0A000",
                    "FOR UPDATE is not allowed with DISTINCT, GROUP BY or HAVING clauses",
                ));
            }
            let filter = match &sel.selection {
                Some(w) => {
                    let pred = self.bind_expr(w, &scope, &mut None)?;
                    Some(
                        coerce(pred, t(TypeOid::BOOL), CastContext::Implicit).map_err(|_| {
                            SqlError::datatype_mismatch("argument of WHERE must be type boolean")
                        })?,
                    )
                }
                None => None,
            };
            plan = Plan::LockRows {
                table: table.clone(),
                filter,
                order: Vec::new(),
                mode,
                wait: self.row_wait,
            };
        } else if let Some(w) = &sel.selection {
            let pred = self.bind_expr(w, &scope, &mut None)?;
            let pred = coerce(pred, t(TypeOid::BOOL), CastContext::Implicit).map_err(|e| {
                if_no_cast(e, || {
                    SqlError::datatype_mismatch("argument of WHERE must be type boolean")
                })
            })?;
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate: pred,
            };
        }
        let group_asts: Vec<ast::Expr> = match &sel.group_by {
            ast::GroupByExpr::Expressions(v, mods) => {
                if !mods.is_empty() {
                    return Err(SqlError::unsupported("GROUP BY modifiers"));
                }
                v.clone()
            }
            ast::GroupByExpr::All(_) => return Err(SqlError::unsupported("GROUP BY ALL")),
        };
        let (group_asts, grouping_sets) = grouping_sets::expand(group_asts)?;
        let has_aggs = sel.projection.iter().any(|item| match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                contains_aggregate(e)
            }
            _ => false,
        }) || sel.having.as_ref().is_some_and(contains_aggregate)
            || order_by.iter().any(|o| contains_aggregate(&o.expr));
        let grouped = has_aggs || !group_asts.is_empty() || sel.having.is_some();
        if row_lock.is_some() && grouped {
            return Err(SqlError::new(
                "0A000",
                "FOR UPDATE is not allowed with aggregate functions",
            ));
        }

        // Expand the target list (wildcards) into (name, ast) pairs.
        let mut targets: Vec<(String, Option<ast::Expr>, Option<usize>)> = Vec::new();
        for item in &sel.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    targets.push((column_label(e), Some(e.clone()), None))
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    targets.push((ident_name(alias), Some(expr.clone()), None))
                }
                ast::SelectItem::Wildcard(_) => {
                    if scope.cols.is_empty() {
                        return Err(SqlError::syntax(
                            "SELECT * with no tables specified is not valid",
                        ));
                    }
                    for (i, c) in scope.cols.iter().enumerate() {
                        if !c.name.ends_with('\u{0}') {
                            targets.push((c.name.clone(), None, Some(i)));
                        }
                    }
                }
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    let q = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                            object_name_parts(n)?.pop().unwrap_or_default()
                        }
                        ast::SelectItemQualifiedWildcardKind::Expr(e) => {
                            return Err(SqlError::unsupported(format!("{e}.*")));
                        }
                    };
                    let mut any = false;
                    for (i, c) in scope.cols.iter().enumerate() {
                        if c.qualifier.as_deref() == Some(q.as_str()) {
                            targets.push((
                                c.name.trim_end_matches('\u{0}').to_string(),
                                None,
                                Some(i),
                            ));
                            any = true;
                        }
                    }
                    if !any {
                        return Err(SqlError::new(
                            "42P01",
                            format!("missing FROM-clause entry for table \"{q}\""),
                        ));
                    }
                }
                other => return Err(SqlError::unsupported(format!("select item {other}"))),
            }
        }

        self.log_wildcards(sel, &scope)?;
        let mut agg_state = None;
        let mut out_scope = scope.clone();
        if grouped {
            let mut group_exprs = Vec::new();
            let mut resolved_group_asts = Vec::new();
            for g in &group_asts {
                // GROUP BY may name an output column by position or alias.
                let target = match g {
                    ast::Expr::Value(v) => match &v.value {
                        ast::Value::Number(n, _) => {
                            let pos: usize = n.parse().map_err(|_| {
                                SqlError::syntax("non-integer constant in GROUP BY")
                            })?;
                            let tgt = targets.get(pos.wrapping_sub(1)).ok_or_else(|| {
                                SqlError::new(
                                    "42P10",
                                    format!("GROUP BY position {pos} is not in select list"),
                                )
                            })?;
                            Some(tgt.clone())
                        }
                        _ => None,
                    },
                    ast::Expr::Identifier(id)
                        if scope.cols.iter().all(|c| c.name != ident_name(id)) =>
                    {
                        targets.iter().find(|t| t.0 == ident_name(id)).cloned()
                    }
                    _ => None,
                };
                let g_ast = match target {
                    Some((_, Some(e), _)) => e,
                    Some((_, None, Some(i))) => {
                        group_exprs.push(Expr::Column(i, scope.cols[i].typ));
                        resolved_group_asts.push(ast::Expr::Identifier(ast::Ident::new("\u{0}")));
                        continue;
                    }
                    _ => g.clone(),
                };
                group_exprs.push(self.bind_expr(&g_ast, &scope, &mut None)?);
                resolved_group_asts.push(g_ast);
            }
            agg_state = Some(AggState {
                group_asts: resolved_group_asts,
                group_exprs,
                aggs: Vec::new(),
                from_scope: scope.clone(),
            });
            out_scope = Scope::default();
        }

        self.begin_select_lists(sel)?;
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for (name, e, col) in &targets {
            let bound = match (e, col) {
                (Some(e), _) => self.bind_expr(e, &out_scope, &mut agg_state)?,
                (None, Some(i)) => {
                    let c = Expr::Column(*i, scope.cols[*i].typ);
                    match &agg_state {
                        Some(st) => grouped_column(st, c, &scope.cols[*i].name)?,
                        None => c,
                    }
                }
                (None, None) => return Err(SqlError::internal("empty target")),
            };
            columns.push((name.clone(), bound.typ()));
            exprs.push(bound);
        }
        let mut having = None;
        if let Some(h) = &sel.having {
            let lists = self.suspend_select_lists();
            let e = self.bind_expr(h, &out_scope, &mut agg_state);
            self.resume_select_lists(lists);
            having = Some(coerce(e?, t(TypeOid::BOOL), CastContext::Implicit)?);
        }
        // ORDER BY keys: output columns by name/position, else expressions
        // over the input (hidden columns).
        let mut sort_keys = Vec::new();
        for ob in order_by {
            let by_output = self.order_by_output(&ob.expr, &columns)?;
            let expr = match by_output {
                Some(i) => Expr::Column(i, columns[i].1),
                None => {
                    if matches!(sel.distinct, Some(ast::Distinct::Distinct)) {
                        return Err(SqlError::new(
                            "42P10",
                            "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                        ));
                    }
                    let e = self.bind_expr(&ob.expr, &out_scope, &mut agg_state)?;
                    exprs.push(e.clone());
                    Expr::Column(exprs.len() - 1, e.typ())
                }
            };
            sort_keys.push(sort_key(expr, &ob.options));
        }
        let distinct_on = match &sel.distinct {
            Some(ast::Distinct::On(on)) => {
                let mut keys = Vec::new();
                for e in on {
                    let expr = match self.order_by_output(e, &columns)? {
                        Some(i) => Expr::Column(i, columns[i].1),
                        None => {
                            let e = self.bind_expr(e, &out_scope, &mut agg_state)?;
                            exprs.push(e.clone());
                            Expr::Column(exprs.len() - 1, e.typ())
                        }
                    };
                    keys.push(expr);
                }
                Some(distinct_on_keys(keys, &mut sort_keys, &exprs)?)
            }
            _ => None,
        };
        let window_base = agg_state
            .as_ref()
            .map_or(scope.cols.len(), |st| st.group_exprs.len() + st.aggs.len());
        if let Some(st) = agg_state {
            plan = match &grouping_sets {
                Some(sets) => grouping_sets::plan(plan, st.group_exprs, st.aggs, sets),
                None => Plan::Aggregate {
                    input: Box::new(plan),
                    group_by: st.group_exprs,
                    aggs: st.aggs,
                },
            };
        }
        if let Some(h) = having {
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate: h,
            };
        }
        plan = self.finish_select_lists(plan, &mut exprs, window_base);
        push_order_into_lock_rows(&mut plan, &mut sort_keys, &exprs);
        let width = columns.len();
        let hidden = exprs.len() > width;
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        match &sel.distinct {
            None | Some(ast::Distinct::All) => {}
            Some(ast::Distinct::Distinct) => {
                plan = Plan::Distinct {
                    input: Box::new(plan),
                }
            }
            Some(ast::Distinct::On(_)) => {}
        }
        if !sort_keys.is_empty() {
            plan = Plan::Sort {
                input: Box::new(plan),
                keys: sort_keys,
            };
        }
        if let Some(keys) = distinct_on {
            plan = Plan::Unique {
                input: Box::new(plan),
                keys,
            };
        }
        if hidden {
            plan = Plan::Truncate {
                input: Box::new(plan),
                width,
            };
        }
        Ok(BoundQuery { plan, columns })
    }

    fn order_by_output(
        &self,
        e: &ast::Expr,
        columns: &[(String, SqlType)],
    ) -> SqlResult<Option<usize>> {
        match e {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => {
                    let pos: usize = n
                        .parse()
                        .map_err(|_| SqlError::syntax("non-integer constant in ORDER BY"))?;
                    if pos == 0 || pos > columns.len() {
                        return Err(SqlError::new(
                            "42P10",
                            format!("ORDER BY position {pos} is not in select list"),
                        ));
                    }
                    Ok(Some(pos - 1))
                }
                _ => Ok(None),
            },
            ast::Expr::Identifier(id) => {
                let name = ident_name(id);
                let hits: Vec<usize> = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.0 == name)
                    .map(|(i, _)| i)
                    .collect();
                Ok(hits.first().copied())
            }
            _ => Ok(None),
        }
    }

    fn bind_order_target(
        &mut self,
        e: &ast::Expr,
        columns: &[(String, SqlType)],
        scope: &Scope,
    ) -> SqlResult<Expr> {
        match self.order_by_output(e, columns)? {
            Some(i) => Ok(Expr::Column(i, columns[i].1)),
            None => self.bind_expr(e, scope, &mut None),
        }
    }

    // ----- expressions -----

    fn resolve_column(&mut self, parts: &[String], scope: &Scope) -> SqlResult<Expr> {
        let (qual, name) = match parts {
            [n] => (None, n.as_str()),
            [q, n] => (Some(q.as_str()), n.as_str()),
            [_, q, n] => (Some(q.as_str()), n.as_str()),
            _ => {
                return Err(SqlError::syntax(format!(
                    "improper qualified name: {}",
                    parts.join(".")
                )));
            }
        };
        if let Some(e) = find_in_scope(scope, qual, name)? {
            return Ok(e);
        }
        for (depth, outer) in self.outer.iter().rev().enumerate() {
            if let Some(Expr::Column(index, typ)) = find_in_scope(outer, qual, name)? {
                self.outer_refs += 1;
                return Ok(Expr::Outer {
                    depth: depth + 1,
                    index,
                    typ,
                });
            }
        }
        if let Some(q) = qual {
            let known = scope.cols.iter().any(|c| c.qualifier.as_deref() == Some(q))
                || self
                    .outer
                    .iter()
                    .any(|s| s.cols.iter().any(|c| c.qualifier.as_deref() == Some(q)));
            if !known {
                return Err(SqlError::new(
                    "42P01",
                    format!("missing FROM-clause entry for table \"{q}\""),
                ));
            }
            return Err(SqlError::undefined_column(&format!("{q}.{name}")));
        }
        Err(SqlError::undefined_column(name))
    }

    fn bind_subquery(&mut self, q: &ast::Query, scope: &Scope, kind: SubKind) -> SqlResult<Expr> {
        self.outer.push(scope.clone());
        let before = self.outer_refs;
        let bound = self.bind_query(q);
        self.outer.pop();
        let bound = bound?;
        let correlated = self.outer_refs != before;
        let typ = match kind {
            SubKind::Scalar => {
                if bound.columns.len() != 1 {
                    return Err(SqlError::syntax("subquery must return only one column"));
                }
                bound.columns[0].1
            }
            SubKind::Array => {
                if bound.columns.len() != 1 {
                    return Err(SqlError::syntax("subquery must return only one column"));
                }
                let col = bound.columns[0].1;
                if col.oid == TypeOid::UNKNOWN {
                    t(TypeOid::TEXT_ARRAY)
                } else {
                    super::array::array_of(SqlType::new(col.oid))?
                }
            }
            _ => t(TypeOid::BOOL),
        };
        let kind = match kind {
            SubKind::Any(op, lhs) | SubKind::All(op, lhs) if bound.columns.len() == 1 => {
                let ty = common_type(&[lhs.typ(), bound.columns[0].1], "IN")?;
                let lhs = coerce(*lhs, ty, CastContext::Implicit)?;
                let plan_ty = bound.columns[0].1;
                if plan_ty.oid != ty.oid {
                    // Coerce the subquery's column via a projection.
                    let plan = Plan::Project {
                        input: Box::new(bound.plan),
                        exprs: vec![coerce(Expr::Column(0, plan_ty), ty, CastContext::Implicit)?],
                    };
                    let id = self.subplans;
                    self.subplans += 1;
                    let k = SubKind::Any(op, Box::new(lhs));
                    return Ok(Expr::SubPlan(Box::new(SubPlan {
                        plan,
                        kind: k,
                        typ,
                        correlated,
                        id,
                    })));
                }
                SubKind::Any(op, Box::new(lhs))
            }
            SubKind::Any(..) | SubKind::All(..) => {
                return Err(SqlError::syntax("subquery has too many columns"));
            }
            k => k,
        };
        let id = self.subplans;
        self.subplans += 1;
        Ok(Expr::SubPlan(Box::new(SubPlan {
            plan: bound.plan,
            kind,
            typ,
            correlated,
            id,
        })))
    }

    fn bind_param(&mut self, text: &str) -> SqlResult<Expr> {
        let n: usize = text
            .trim_start_matches('$')
            .parse()
            .map_err(|_| SqlError::syntax(format!("syntax error at or near \"{text}\"")))?;
        if n == 0 || n > 65535 {
            return Err(SqlError::new(
                "42P02",
                format!("there is no parameter ${n}"),
            ));
        }
        if self.params.len() < n {
            self.params.resize(n, t(TypeOid::UNKNOWN));
        }
        Ok(Expr::Param(n - 1, self.params[n - 1]))
    }

    /// Records inferred parameter types found in `e` (a Param coerced to a
    /// type by its context).
    fn note_params(&mut self, e: &Expr) {
        e.walk(&mut |x| {
            if let Expr::Param(i, ty) = x
                && ty.oid != TypeOid::UNKNOWN
                && let Some(slot) = self.params.get_mut(*i)
                && slot.oid == TypeOid::UNKNOWN
            {
                *slot = *ty;
            }
        });
    }

    /// Binds an expression over one row of `table` (a check constraint).
    pub fn bind_row_expr(&mut self, e: &ast::Expr, table: &TableInfo) -> SqlResult<Expr> {
        self.bind_expr(e, &Self::table_scope(table), &mut None)
    }

    /// Binds an expression that reads no table (a column default).
    pub fn bind_scalar(&mut self, e: &ast::Expr) -> SqlResult<Expr> {
        self.bind_expr(e, &Scope::default(), &mut None)
    }

    /// Binds an expression; with `agg` set, aggregates and grouped columns
    /// become references to the Aggregate node's output.
    fn bind_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let bound = self.bind_expr_inner(e, scope, agg)?;
        self.note_params(&bound);
        Ok(bound)
    }

    fn bind_expr_inner(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        if let Some(st) = agg.as_ref()
            && let Some(i) = st.group_asts.iter().position(|g| g == e)
        {
            return Ok(Expr::Column(i, st.group_exprs[i].typ()));
        }
        use ast::Expr as A;
        match e {
            A::Identifier(id) => self
                .bind_column_ref(&[ident_name(id)], scope, agg)
                .map_err(|e| e.at(id.span)),
            A::CompoundIdentifier(ids) => {
                let parts: Vec<String> = ids.iter().map(ident_name).collect();
                let first = ids.first().map(|i| i.span);
                self.bind_column_ref(&parts, scope, agg)
                    .map_err(|e| match first {
                        Some(span) => e.at(span),
                        None => e,
                    })
            }
            A::Value(v) => self.bind_value(&v.value),
            A::TypedString(ts) => {
                let ty = parse_type_name(&ts.data_type)?;
                let text = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                        s.clone()
                    }
                    other => other.to_string(),
                };
                coerce(
                    Expr::Const(Datum::Text(text), t(TypeOid::UNKNOWN)),
                    ty,
                    CastContext::Explicit,
                )
            }
            A::Nested(inner) => self.bind_expr_inner(inner, scope, agg),
            // sqlparser binds `^` tighter than unary minus; PostgreSQL does
            // the opposite: `-2 ^ 2` is `(-2) ^ 2`.
            A::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } if matches!(
                expr.as_ref(),
                A::BinaryOp {
                    op: ast::BinaryOperator::PGExp,
                    ..
                }
            ) =>
            {
                let A::BinaryOp { left, op, right } = expr.as_ref() else {
                    return Err(SqlError::internal("unary minus over ^"));
                };
                let rewritten = A::BinaryOp {
                    left: Box::new(A::UnaryOp {
                        op: ast::UnaryOperator::Minus,
                        expr: left.clone(),
                    }),
                    op: op.clone(),
                    right: right.clone(),
                };
                self.bind_expr_inner(&rewritten, scope, agg)
            }
            A::UnaryOp { op, expr } => {
                let x = self.bind_expr_inner(expr, scope, agg)?;
                match op {
                    ast::UnaryOperator::Not => Ok(Expr::Not(Box::new(coerce(
                        x,
                        t(TypeOid::BOOL),
                        CastContext::Implicit,
                    )?))),
                    ast::UnaryOperator::Minus => {
                        if let Expr::Const(Datum::Text(s), ty) = &x
                            && ty.oid == TypeOid::UNKNOWN
                        {
                            let _ = s;
                        }
                        let x = if x.typ().oid == TypeOid::UNKNOWN {
                            coerce(x, t(TypeOid::NUMERIC), CastContext::Implicit)?
                        } else {
                            x
                        };
                        match x {
                            // A folded literal widens as PostgreSQL's
                            // doNegate does on the literal's text:
                            // -(-2147483648) is the int8 2147483648.
                            Expr::Const(Datum::Int4(v), ty) => Ok(match v.checked_neg() {
                                Some(n) => Expr::Const(Datum::Int4(n), ty),
                                None => Expr::Const(Datum::Int8(-i64::from(v)), t(TypeOid::INT8)),
                            }),
                            Expr::Const(Datum::Int8(v), _) if v == i64::from(i32::MAX) + 1 => {
                                Ok(Expr::Const(Datum::Int4(i32::MIN), t(TypeOid::INT4)))
                            }
                            Expr::Const(Datum::Int8(v), ty) => Ok(match v.checked_neg() {
                                Some(n) => Expr::Const(Datum::Int8(n), ty),
                                None => Expr::Const(
                                    Datum::Numeric(Numeric::from_i128(-i128::from(v))),
                                    t(TypeOid::NUMERIC),
                                ),
                            }),
                            Expr::Const(Datum::Numeric(n), ty) => {
                                if n == Numeric::from_i128(i128::from(i64::MAX) + 1) {
                                    Ok(Expr::Const(Datum::Int8(i64::MIN), t(TypeOid::INT8)))
                                } else {
                                    Ok(Expr::Const(Datum::Numeric(n.neg()), ty))
                                }
                            }
                            other => Ok(Expr::Neg(Box::new(other))),
                        }
                    }
                    ast::UnaryOperator::Plus => Ok(x),
                    // `~x` is `x # -1`: every bit flipped.
                    ast::UnaryOperator::BitwiseNot => {
                        let ones = match x.typ().oid {
                            TypeOid::INT2 => Expr::Const(Datum::Int2(-1), t(TypeOid::INT2)),
                            TypeOid::INT8 => Expr::Const(Datum::Int8(-1), t(TypeOid::INT8)),
                            TypeOid::INT4 | TypeOid::UNKNOWN => {
                                Expr::Const(Datum::Int4(-1), t(TypeOid::INT4))
                            }
                            other => {
                                return Err(SqlError::undefined_function(&format!(
                                    "operator does not exist: ~ {}",
                                    other.sql_name()
                                )));
                            }
                        };
                        resolve_binop(BinOp::BitXor, x, ones)
                    }
                    other => Err(SqlError::unsupported(format!("operator {other}"))),
                }
            }
            A::BinaryOp { left, op, right }
                if matches!((left.as_ref(), right.as_ref()), (A::Tuple(_), A::Tuple(_))) =>
            {
                let (A::Tuple(l), A::Tuple(r)) = (left.as_ref(), right.as_ref()) else {
                    return Err(SqlError::internal("row comparison"));
                };
                let expanded = row_comparison(l, op, r)?;
                self.bind_expr_inner(&expanded, scope, agg)
            }
            A::BinaryOp { left, op, right } => {
                let l = self.bind_expr_inner(left, scope, agg)?;
                let r = self.bind_expr_inner(right, scope, agg)?;
                self.bind_binary(op, l, r)
            }
            A::IsNull(x) => Ok(Expr::IsNull(
                Box::new(self.bind_expr_inner(x, scope, agg)?),
                false,
            )),
            A::IsNotNull(x) => Ok(Expr::IsNull(
                Box::new(self.bind_expr_inner(x, scope, agg)?),
                true,
            )),
            A::IsTrue(x) | A::IsNotTrue(x) | A::IsFalse(x) | A::IsNotFalse(x) => {
                let v = coerce(
                    self.bind_expr_inner(x, scope, agg)?,
                    t(TypeOid::BOOL),
                    CastContext::Implicit,
                )?;
                let want = matches!(e, A::IsTrue(_) | A::IsNotTrue(_));
                let negated = matches!(e, A::IsNotTrue(_) | A::IsNotFalse(_));
                Ok(Expr::IsBool(Box::new(v), want, negated))
            }
            A::IsUnknown(x) | A::IsNotUnknown(x) => {
                let v = coerce(
                    self.bind_expr_inner(x, scope, agg)?,
                    t(TypeOid::BOOL),
                    CastContext::Implicit,
                )?;
                Ok(Expr::IsNull(Box::new(v), matches!(e, A::IsNotUnknown(_))))
            }
            A::IsDistinctFrom(a, b) | A::IsNotDistinctFrom(a, b) => {
                let l = self.bind_expr_inner(a, scope, agg)?;
                let r = self.bind_expr_inner(b, scope, agg)?;
                let ty = common_type(&[l.typ(), r.typ()], "IS DISTINCT FROM")?;
                Ok(Expr::IsDistinct(
                    Box::new(coerce(l, ty, CastContext::Implicit)?),
                    Box::new(coerce(r, ty, CastContext::Implicit)?),
                    matches!(e, A::IsNotDistinctFrom(..)),
                ))
            }
            A::InList {
                expr,
                list,
                negated,
            } => {
                let x = self.bind_expr_inner(expr, scope, agg)?;
                let mut items = Vec::new();
                for i in list {
                    items.push(self.bind_expr_inner(i, scope, agg)?);
                }
                let mut types = vec![x.typ()];
                types.extend(items.iter().map(Expr::typ));
                let ty = common_type(&types, "IN")?;
                let items = items
                    .into_iter()
                    .map(|i| coerce(i, ty, CastContext::Implicit))
                    .collect::<SqlResult<_>>()?;
                Ok(Expr::InList(
                    Box::new(coerce(x, ty, CastContext::Implicit)?),
                    items,
                    *negated,
                ))
            }
            A::InSubquery {
                expr,
                subquery,
                negated,
            } => {
                let x = self.bind_expr_inner(expr, scope, agg)?;
                let sub =
                    self.bind_subquery(subquery, scope, SubKind::Any(BinOp::Eq, Box::new(x)))?;
                Ok(if *negated {
                    Expr::Not(Box::new(sub))
                } else {
                    sub
                })
            }
            A::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let x = self.bind_expr_inner(expr, scope, agg)?;
                let lo = self.bind_expr_inner(low, scope, agg)?;
                let hi = self.bind_expr_inner(high, scope, agg)?;
                let ge = resolve_binop(BinOp::GtEq, x.clone(), lo)?;
                let le = resolve_binop(BinOp::LtEq, x, hi)?;
                let both = Expr::And(vec![ge, le]);
                Ok(if *negated {
                    Expr::Not(Box::new(both))
                } else {
                    both
                })
            }
            A::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            }
            | A::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => {
                let x = coerce(
                    self.bind_expr_inner(expr, scope, agg)?,
                    t(TypeOid::TEXT),
                    CastContext::Implicit,
                )?;
                let mut p = coerce(
                    self.bind_expr_inner(pattern, scope, agg)?,
                    t(TypeOid::TEXT),
                    CastContext::Implicit,
                )?;
                // `p ESCAPE e` is `like_escape(p, e)`, as in PostgreSQL.
                if let Some(escape) = escape_char {
                    let e = self.bind_expr_inner(escape, scope, agg)?;
                    p = super::strfuncs::resolve("like_escape", vec![p, e])?
                        .ok_or_else(|| SqlError::internal("like_escape"))?;
                }
                let op = BinOp::Like {
                    case_insensitive: matches!(e, A::ILike { .. }),
                    negated: *negated,
                };
                Ok(Expr::Binary(op, Box::new(x), Box::new(p), t(TypeOid::BOOL)))
            }
            A::Cast {
                expr, data_type, ..
            } if matches!(expr.as_ref(), A::Array(a) if a.elem.is_empty()) => {
                let ty = parse_type_name(data_type)?;
                if !ty.oid.is_array() {
                    return Err(SqlError::new(
                        "42846",
                        format!("cannot cast type text[] to {}", ty.oid.sql_name()),
                    ));
                }
                Ok(Expr::Const(
                    Datum::Array(Arc::new(storage::datum::Array::new(Vec::new()))),
                    SqlType::new(ty.oid),
                ))
            }
            A::Array(arr) => {
                let mut elems = Vec::with_capacity(arr.elem.len());
                for x in &arr.elem {
                    elems.push(self.bind_expr_inner(x, scope, agg)?);
                }
                super::array::bind_constructor(elems)
            }
            A::CompoundFieldAccess { root, access_chain } => {
                let base = self.bind_expr_inner(root, scope, agg)?;
                let [ast::AccessExpr::Subscript(sub)] = access_chain.as_slice() else {
                    return Err(SqlError::unsupported(
                        "multidimensional array subscripts and field selection",
                    ));
                };
                match sub {
                    ast::Subscript::Index { index } => {
                        let i = self.bind_expr_inner(index, scope, agg)?;
                        super::array::bind_subscript(base, Some(i), None)
                    }
                    ast::Subscript::Slice {
                        lower_bound,
                        upper_bound,
                        stride: None,
                    } => {
                        let mut bound = |b: &Option<ast::Expr>| -> SqlResult<Option<Expr>> {
                            b.as_ref()
                                .map(|x| self.bind_expr_inner(x, scope, agg))
                                .transpose()
                        };
                        let lo = bound(lower_bound)?;
                        let hi = bound(upper_bound)?;
                        super::array::bind_subscript(base, None, Some((lo, hi)))
                    }
                    ast::Subscript::Slice { .. } => {
                        Err(SqlError::syntax("syntax error at or near \":\""))
                    }
                }
            }
            A::Cast {
                expr, data_type, ..
            } => {
                let ty = parse_type_name(data_type)?;
                let x = self.bind_expr_inner(expr, scope, agg)?;
                if matches!(
                    ty.oid,
                    TypeOid::REGCLASS
                        | TypeOid::REGTYPE
                        | TypeOid::REGNAMESPACE
                        | TypeOid::REGROLE
                        | TypeOid::REGPROC
                ) && let Expr::Const(Datum::Text(name), from) = &x
                    && (from.oid == TypeOid::UNKNOWN || is_string(from.oid))
                {
                    let value = self
                        .reg_input(ty.oid, name)
                        .map_err(|e| e.at(ast::Spanned::span(expr.as_ref())))?;
                    return Ok(Expr::Const(value, ty));
                }
                coerce(x, ty, CastContext::Explicit)
            }
            A::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.bind_case(operand, conditions, else_result, scope, agg),
            A::Function(f) => self.bind_function(f, scope, agg),
            A::Subquery(q) => self.bind_subquery(q, scope, SubKind::Scalar),
            A::Exists { subquery, negated } => {
                let sub = self.bind_subquery(subquery, scope, SubKind::Exists)?;
                Ok(if *negated {
                    Expr::Not(Box::new(sub))
                } else {
                    sub
                })
            }
            A::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | A::AllOp {
                left,
                compare_op,
                right,
            } => {
                let is_all = matches!(e, A::AllOp { .. });
                let op = comparison_op(compare_op)?;
                let x = self.bind_expr_inner(left, scope, agg)?;
                match right.as_ref() {
                    A::Subquery(q) => {
                        let kind = if is_all {
                            SubKind::All(op, Box::new(x))
                        } else {
                            SubKind::Any(op, Box::new(x))
                        };
                        if is_all {
                            self.bind_all_subquery(q, scope, op, kind)
                        } else {
                            self.bind_subquery(q, scope, kind)
                        }
                    }
                    other => {
                        let array = self.bind_expr_inner(other, scope, agg)?;
                        super::array::bind_array_op(op, is_all, x, array)
                    }
                }
            }
            A::Extract { field, expr, .. } => {
                let x = self.bind_expr_inner(expr, scope, agg)?;
                let f = Expr::Const(
                    Datum::Text(field.to_string().to_lowercase()),
                    t(TypeOid::TEXT),
                );
                resolve_function("extract", vec![f, x])?
                    .ok_or_else(|| SqlError::internal("extract"))
            }
            A::SimilarTo {
                negated,
                expr,
                pattern,
                escape_char,
            } => {
                let x = coerce(
                    self.bind_expr_inner(expr, scope, agg)?,
                    t(TypeOid::TEXT),
                    CastContext::Implicit,
                )?;
                let mut args = vec![self.bind_expr_inner(pattern, scope, agg)?];
                if let Some(e) = escape_char {
                    args.push(self.bind_expr_inner(e, scope, agg)?);
                }
                let p = super::strfuncs::resolve("similar_to_escape", args)?
                    .ok_or_else(|| SqlError::internal("similar_to_escape"))?;
                let op = BinOp::Regex {
                    case_insensitive: false,
                    negated: *negated,
                };
                Ok(Expr::Binary(op, Box::new(x), Box::new(p), t(TypeOid::BOOL)))
            }
            A::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                let mut args = vec![
                    self.bind_expr_inner(expr, scope, agg)?,
                    self.bind_expr_inner(overlay_what, scope, agg)?,
                    self.bind_expr_inner(overlay_from, scope, agg)?,
                ];
                if let Some(n) = overlay_for {
                    args.push(self.bind_expr_inner(n, scope, agg)?);
                }
                super::strfuncs::resolve("overlay", args)?
                    .ok_or_else(|| SqlError::internal("overlay"))
            }
            A::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                let ts = self.bind_expr_inner(timestamp, scope, agg)?;
                let zone = self.bind_expr_inner(time_zone, scope, agg)?;
                resolve_function("timezone", vec![zone, ts])?
                    .ok_or_else(|| SqlError::internal("timezone"))
            }
            A::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.bind_expr_inner(expr, scope, agg)?];
                args.push(match substring_from {
                    Some(f) => self.bind_expr_inner(f, scope, agg)?,
                    None => Expr::Const(Datum::Int4(1), t(TypeOid::INT4)),
                });
                if let Some(f) = substring_for {
                    args.push(self.bind_expr_inner(f, scope, agg)?);
                }
                resolve_function("substring", args)?.ok_or_else(|| SqlError::internal("substring"))
            }
            A::Position { expr, r#in } => {
                let needle = self.bind_expr_inner(expr, scope, agg)?;
                let hay = self.bind_expr_inner(r#in, scope, agg)?;
                resolve_function("strpos", vec![hay, needle])?
                    .ok_or_else(|| SqlError::internal("position"))
            }
            A::Trim {
                trim_where,
                trim_what,
                expr,
                trim_characters,
            } => {
                if trim_characters.is_some() {
                    return Err(SqlError::unsupported("TRIM with a character list"));
                }
                let name = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                let mut args = vec![self.bind_expr_inner(expr, scope, agg)?];
                if let Some(w) = trim_what {
                    args.push(self.bind_expr_inner(w, scope, agg)?);
                }
                resolve_function(name, args)?.ok_or_else(|| SqlError::internal("trim"))
            }
            A::Ceil { expr, .. } | A::Floor { expr, .. } => {
                let x = self.bind_expr_inner(expr, scope, agg)?;
                resolve_function(
                    if matches!(e, A::Ceil { .. }) {
                        "ceil"
                    } else {
                        "floor"
                    },
                    vec![x],
                )?
                .ok_or_else(|| SqlError::internal("ceil"))
            }
            A::Interval(iv) => {
                if iv.leading_field.is_some() || iv.last_field.is_some() {
                    return Err(SqlError::unsupported(
                        "interval literals with field qualifiers",
                    ));
                }
                let x = self.bind_expr_inner(&iv.value, scope, agg)?;
                coerce(x, t(TypeOid::INTERVAL), CastContext::Explicit)
            }
            A::Collate { expr, collation } => {
                let c = collation.to_string().to_lowercase();
                if !matches!(
                    c.as_str(),
                    "\"c\""
                        | "c"
                        | "\"posix\""
                        | "pg_catalog.default"
                        | "default"
                        | "pg_catalog.\"c\""
                ) {
                    return Err(SqlError::new(
                        "42704",
                        format!("collation {collation} for encoding \"UTF8\" does not exist"),
                    ));
                }
                self.bind_expr_inner(expr, scope, agg)
            }
            other => Err(SqlError::unsupported(format!("expression {other}"))),
        }
    }

    fn bind_all_subquery(
        &mut self,
        q: &ast::Query,
        scope: &Scope,
        op: BinOp,
        kind: SubKind,
    ) -> SqlResult<Expr> {
        // Bind as ANY to reuse coercion, then flip to ALL.
        let SubKind::All(_, lhs) = kind else {
            return Err(SqlError::internal("ALL"));
        };
        let e = self.bind_subquery(q, scope, SubKind::Any(op, lhs))?;
        match e {
            Expr::SubPlan(mut s) => {
                if let SubKind::Any(op, lhs) = s.kind {
                    s.kind = SubKind::All(op, lhs);
                }
                Ok(Expr::SubPlan(s))
            }
            other => Ok(other),
        }
    }

    fn bind_column_ref(
        &mut self,
        parts: &[String],
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        match agg {
            Some(st) => {
                let from_scope = st.from_scope.clone();
                let c = self.resolve_column(parts, &from_scope)?;
                if let Expr::Outer { .. } = c {
                    return Ok(c);
                }
                grouped_column(st, c, parts.last().map(String::as_str).unwrap_or(""))
            }
            None => {
                if parts.len() == 1 && scope.cols.is_empty() && self.outer.is_empty() {
                    // Function-like keywords without parentheses.
                    if let Some(e) = resolve_function(&parts[0], vec![])
                        .ok()
                        .flatten()
                        .filter(|_| is_niladic_keyword(&parts[0]))
                    {
                        return Ok(e);
                    }
                }
                match self.resolve_column(parts, scope) {
                    Err(err) if parts.len() == 1 && is_niladic_keyword(&parts[0]) => {
                        resolve_function(&parts[0], vec![])?.ok_or(err)
                    }
                    other => other,
                }
            }
        }
    }

    fn bind_value(&mut self, v: &ast::Value) -> SqlResult<Expr> {
        match v {
            ast::Value::Number(n, _) => Ok(number_literal(n)?),
            ast::Value::SingleQuotedString(s)
            | ast::Value::EscapedStringLiteral(s)
            | ast::Value::UnicodeStringLiteral(s) => {
                Ok(Expr::Const(Datum::Text(s.clone()), t(TypeOid::UNKNOWN)))
            }
            ast::Value::DollarQuotedString(d) => Ok(Expr::Const(
                Datum::Text(d.value.clone()),
                t(TypeOid::UNKNOWN),
            )),
            ast::Value::Boolean(b) => Ok(Expr::bool_const(*b)),
            ast::Value::Null => Ok(Expr::Const(Datum::Null, t(TypeOid::UNKNOWN))),
            ast::Value::Placeholder(p) => self.bind_param(p),
            ast::Value::HexStringLiteral(h) => {
                Err(SqlError::unsupported(format!("hexadecimal literal X'{h}'")))
            }
            other => Err(SqlError::unsupported(format!("literal {other}"))),
        }
    }

    fn bind_binary(&mut self, op: &ast::BinaryOperator, l: Expr, r: Expr) -> SqlResult<Expr> {
        use ast::BinaryOperator as B;
        if super::jsonb::is_jsonb_operator(op) {
            return super::jsonb::bind_operator(op, l, r);
        }
        let bop = match op {
            B::And | B::Or => {
                let l = coerce(l, t(TypeOid::BOOL), CastContext::Implicit).map_err(|e| {
                    if_no_cast(e, || {
                        SqlError::datatype_mismatch(format!(
                            "argument of {op} must be type boolean"
                        ))
                    })
                })?;
                let r = coerce(r, t(TypeOid::BOOL), CastContext::Implicit).map_err(|e| {
                    if_no_cast(e, || {
                        SqlError::datatype_mismatch(format!(
                            "argument of {op} must be type boolean"
                        ))
                    })
                })?;
                return Ok(if matches!(op, B::And) {
                    Expr::And(vec![l, r])
                } else {
                    Expr::Or(vec![l, r])
                });
            }
            B::Plus => BinOp::Add,
            B::Minus => BinOp::Sub,
            B::Multiply => BinOp::Mul,
            B::Divide => BinOp::Div,
            B::Modulo => BinOp::Mod,
            B::PGExp => BinOp::Pow,
            B::BitwiseAnd => BinOp::BitAnd,
            B::BitwiseOr => BinOp::BitOr,
            B::PGBitwiseXor => BinOp::BitXor,
            B::PGBitwiseShiftLeft => BinOp::ShiftLeft,
            B::PGBitwiseShiftRight => BinOp::ShiftRight,
            B::StringConcat => BinOp::Concat,
            B::AtArrow => BinOp::Contains,
            B::ArrowAt => BinOp::ContainedBy,
            B::PGOverlap => BinOp::Overlap,
            B::PGLikeMatch => BinOp::Like {
                case_insensitive: false,
                negated: false,
            },
            B::PGNotLikeMatch => BinOp::Like {
                case_insensitive: false,
                negated: true,
            },
            B::PGILikeMatch => BinOp::Like {
                case_insensitive: true,
                negated: false,
            },
            B::PGNotILikeMatch => BinOp::Like {
                case_insensitive: true,
                negated: true,
            },
            B::PGRegexMatch => regex_op(false, false),
            B::PGRegexNotMatch => regex_op(false, true),
            B::PGRegexIMatch => regex_op(true, false),
            B::PGRegexNotIMatch => regex_op(true, true),
            B::PGCustomBinaryOperator(parts) => match parts.as_slice() {
                [schema, o] if schema == "pg_catalog" => match o.as_str() {
                    "~" => regex_op(false, false),
                    "!~" => regex_op(false, true),
                    "~*" => regex_op(true, false),
                    "!~*" => regex_op(true, true),
                    "!~~" => BinOp::Like {
                        case_insensitive: false,
                        negated: true,
                    },
                    "~~*" => BinOp::Like {
                        case_insensitive: true,
                        negated: false,
                    },
                    "!~~*" => BinOp::Like {
                        case_insensitive: true,
                        negated: true,
                    },
                    "*" => BinOp::Mul,
                    "/" => BinOp::Div,
                    "%" => BinOp::Mod,
                    "||" => BinOp::Concat,
                    "=" => BinOp::Eq,
                    "<>" | "!=" => BinOp::NotEq,
                    "<" => BinOp::Lt,
                    "<=" => BinOp::LtEq,
                    ">" => BinOp::Gt,
                    ">=" => BinOp::GtEq,
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "~~" => BinOp::Like {
                        case_insensitive: false,
                        negated: false,
                    },
                    other => {
                        return Err(SqlError::unsupported(format!(
                            "operator pg_catalog.{other}"
                        )));
                    }
                },
                _ => return Err(SqlError::unsupported(format!("operator {op}"))),
            },
            other => comparison_op(other)?,
        };
        if matches!(bop, BinOp::Like { .. } | BinOp::Regex { .. }) {
            // Pattern matching is defined on text (name and char(n)
            // operands are converted), and yields boolean.
            let text = t(TypeOid::TEXT);
            let (lt, rt) = (l.typ().oid, r.typ().oid);
            let l = coerce(l, text, CastContext::Implicit)
                .map_err(|e| if_no_cast(e, || no_operator(bop, lt, rt)))?;
            let r = coerce(r, text, CastContext::Implicit)
                .map_err(|e| if_no_cast(e, || no_operator(bop, lt, rt)))?;
            return Ok(Expr::Binary(
                bop,
                Box::new(l),
                Box::new(r),
                t(TypeOid::BOOL),
            ));
        }
        resolve_binop(bop, l, r)
    }

    fn bind_case(
        &mut self,
        operand: &Option<Box<ast::Expr>>,
        conditions: &[ast::CaseWhen],
        else_result: &Option<Box<ast::Expr>>,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let operand = operand
            .as_ref()
            .map(|o| self.bind_expr_inner(o, scope, agg))
            .transpose()?;
        let mut whens = Vec::new();
        for cw in conditions {
            let c = self.bind_expr_inner(&cw.condition, scope, agg)?;
            let r = self.bind_expr_inner(&cw.result, scope, agg)?;
            whens.push((c, r));
        }
        let otherwise = else_result
            .as_ref()
            .map(|e| self.bind_expr_inner(e, scope, agg))
            .transpose()?;
        let mut rtypes: Vec<SqlType> = whens.iter().map(|w| w.1.typ()).collect();
        if let Some(o) = &otherwise {
            rtypes.push(o.typ());
        }
        let rt = common_type(&rtypes, "CASE")?;
        let operand = match operand {
            Some(o) => {
                let mut ct = vec![o.typ()];
                ct.extend(whens.iter().map(|w| w.0.typ()));
                let ty = common_type(&ct, "CASE/WHEN")?;
                whens = whens
                    .into_iter()
                    .map(|(c, r)| Ok((coerce(c, ty, CastContext::Implicit)?, r)))
                    .collect::<SqlResult<_>>()?;
                Some(Box::new(coerce(o, ty, CastContext::Implicit)?))
            }
            None => {
                whens = whens
                    .into_iter()
                    .map(|(c, r)| Ok((coerce(c, t(TypeOid::BOOL), CastContext::Implicit)?, r)))
                    .collect::<SqlResult<_>>()?;
                None
            }
        };
        let whens = whens
            .into_iter()
            .map(|(c, r)| Ok((c, coerce(r, rt, CastContext::Implicit)?)))
            .collect::<SqlResult<_>>()?;
        let otherwise = otherwise
            .map(|o| coerce(o, rt, CastContext::Implicit))
            .transpose()?
            .map(Box::new);
        Ok(Expr::Case {
            operand,
            whens,
            otherwise,
            typ: rt,
        })
    }

    fn function_args(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<(Vec<Expr>, bool, bool)> {
        let mut out = Vec::new();
        let mut star = false;
        let mut distinct = false;
        match &f.args {
            ast::FunctionArguments::None => {}
            ast::FunctionArguments::Subquery(_) => {
                return Err(SqlError::unsupported("subquery as function argument"));
            }
            ast::FunctionArguments::List(list) => {
                distinct = matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                if !list.clauses.is_empty() {
                    return Err(SqlError::unsupported(format!(
                        "clauses in call of {}",
                        f.name
                    )));
                }
                let mut named = Vec::new();
                for a in &list.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))
                            if named.is_empty() =>
                        {
                            out.push(self.bind_expr_inner(e, scope, agg)?)
                        }
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        ast::FunctionArg::Named {
                            name,
                            arg: ast::FunctionArgExpr::Expr(e),
                            operator: ast::FunctionArgOperator::RightArrow,
                        } => named.push((ident_name(name), self.bind_expr_inner(e, scope, agg)?)),
                        ast::FunctionArg::ExprNamed {
                            name: ast::Expr::Identifier(name),
                            arg: ast::FunctionArgExpr::Expr(e),
                            operator: ast::FunctionArgOperator::RightArrow,
                        } => named.push((ident_name(name), self.bind_expr_inner(e, scope, agg)?)),
                        ast::FunctionArg::Unnamed(_) => {
                            return Err(SqlError::syntax(
                                "positional argument cannot follow named argument",
                            ));
                        }
                        other => {
                            return Err(SqlError::unsupported(format!(
                                "function argument {other}"
                            )));
                        }
                    }
                }
                if !named.is_empty() {
                    let fname = object_name_parts(&f.name)?.join(".");
                    out = super::func::named_arguments(&fname, out, named)?;
                }
            }
        }
        Ok((out, star, distinct))
    }

    fn bind_function(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let name = func_name(f)?;
        if matches!(name.as_str(), "nextval" | "currval" | "setval" | "lastval") {
            return self.bind_sequence_function(&name, f, scope, agg);
        }
        if name == "bt_index_check" {
            return self.bind_index_check(f, scope, agg);
        }
        if let ("array", ast::FunctionArguments::Subquery(q)) = (name.as_str(), &f.args) {
            return self.bind_subquery(q, scope, SubKind::Array);
        }
        if f.over.is_some() {
            return self.bind_window_function(&name, f, scope, agg);
        }
        if super::srf::is_srf_name(&name) {
            return self.bind_srf_target(&name, f, scope, agg);
        }
        if !f.within_group.is_empty() {
            return self.bind_ordered_set_aggregate(&name, f, agg);
        }
        if is_aggregate_name(&name) {
            let Some(st) = agg.as_mut() else {
                return Err(SqlError::new(
                    "42803",
                    format!("aggregate functions are not allowed here ({name})"),
                ));
            };
            window::no_window_in_aggregate(f)?;
            let from_scope = st.from_scope.clone();
            let mut inner = None;
            let (f, order) = aggregate::split_aggregate_order(f)?;
            let lists = self.suspend_select_lists();
            let bound = self.function_args(&f, &from_scope, &mut inner);
            let order_by = self.bind_aggregate_order(&order, &from_scope);
            self.resume_select_lists(lists);
            let (args, star, distinct) = bound?;
            let order_by = order_by?;
            let filter = match &f.filter {
                Some(fe) => Some(coerce(
                    self.bind_expr(fe, &from_scope, &mut None)?,
                    t(TypeOid::BOOL),
                    CastContext::Implicit,
                )?),
                None => None,
            };
            let mut call = aggregate_call(&name, args, star, distinct, filter)?;
            call.order_by = order_by;
            // PostgreSQL computes a DISTINCT aggregate from sorted input, so
            // array_agg(DISTINCT x) lists the values in order.
            if call.distinct && call.order_by.is_empty() && call.func == AggFunc::ArrayAgg {
                call.order_by = call
                    .args
                    .iter()
                    .map(|a| SortKey {
                        expr: a.clone(),
                        descending: false,
                        nulls_first: false,
                    })
                    .collect();
            }
            let Some(st) = agg.as_mut() else {
                return Err(SqlError::internal("aggregate state"));
            };
            let typ = call.typ;
            st.aggs.push(call);
            return Ok(Expr::Column(st.group_exprs.len() + st.aggs.len() - 1, typ));
        }
        if f.filter.is_some() {
            return Err(SqlError::syntax(format!(
                "FILTER specified, but {name} is not an aggregate function"
            )));
        }
        let (args, star, distinct) = self.function_args(f, scope, agg)?;
        if star || distinct {
            return Err(SqlError::syntax(format!(
                "{name}(*) or DISTINCT specified, but {name} is not an aggregate function"
            )));
        }
        let mut args = args;
        // pg_relation_size('t'): the literal names a relation, resolved now
        // as PostgreSQL's regclass input function would.
        if super::catalogfuncs::takes_regclass(&name)
            && let Some(Expr::Const(Datum::Text(text), from)) = args.first()
            && from.oid == TypeOid::UNKNOWN
        {
            let at = |e: SqlError| match &f.args {
                ast::FunctionArguments::List(list) => match list.args.first() {
                    Some(a) => e.at(ast::Spanned::span(a)),
                    None => e,
                },
                _ => e,
            };
            let value = self.reg_input(TypeOid::REGCLASS, text).map_err(at)?;
            args[0] = Expr::Const(value, t(TypeOid::REGCLASS));
        }
        let sig: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
        let sig = format!("{name}({})", sig.join(", "));
        resolve_function(&name, args)?.ok_or_else(|| SqlError::undefined_function(&sig))
    }

    /// The relation a `regclass` argument names: a constant string
    /// (possibly cast), resolved at bind time as PostgreSQL resolves
    /// `'name'::regclass`.
    fn relation_argument(&self, name: &str, target: &Expr) -> SqlResult<Arc<TableInfo>> {
        let rel_name = match &target {
            Expr::Const(Datum::Oid(o), _) => {
                return self
                    .catalog
                    .table_by_oid(storage::types::Oid(*o))?
                    .ok_or_else(|| SqlError::undefined_table(&o.to_string()));
            }
            Expr::Const(Datum::Text(s), _) => s.clone(),
            Expr::Cast(inner, _) => match inner.as_ref() {
                Expr::Const(Datum::Text(s), _) => s.clone(),
                _ => {
                    return Err(SqlError::unsupported(format!(
                        "{name} of a computed relation name"
                    )));
                }
            },
            _ => {
                return Err(SqlError::unsupported(format!(
                    "{name} of a computed relation name"
                )));
            }
        };
        let (schema, rel) = parse_qualified_name(&rel_name)?;
        let rel = self
            .catalog
            .table(schema.as_deref(), &rel)?
            .ok_or_else(|| SqlError::undefined_table(&rel))?;
        Ok(rel)
    }

    /// `'name'::regclass` (and `regtype`, `regnamespace`, `regrole`): the
    /// object's OID, looked up when the statement is bound, as PostgreSQL
    /// folds such constants.
    fn reg_input(&self, to: TypeOid, text: &str) -> SqlResult<Datum> {
        if let Ok(o) = text.trim().parse::<u32>() {
            return Ok(Datum::Oid(o));
        }
        let missing =
            |what: &str| SqlError::new("42704", format!("{what} \"{text}\" does not exist"));
        let oid = match to {
            TypeOid::REGCLASS => {
                let (schema, rel) = parse_qualified_name(text)?;
                match super::sysviews::oid_of(schema.as_deref(), &rel) {
                    Some(o) if o.0 != 0 => o,
                    _ => self
                        .catalog
                        .table(schema.as_deref(), &rel)?
                        .map(|t| t.oid)
                        .ok_or_else(|| SqlError::undefined_table(text))?,
                }
            }
            TypeOid::REGTYPE => {
                let dt = crate::sql::parse::parse_data_type(text).map_err(|_| missing("type"))?;
                storage::types::Oid(parse_type_name(&dt)?.oid.0)
            }
            TypeOid::REGNAMESPACE => {
                let (_, n) = parse_qualified_name(text)?;
                self.catalog
                    .namespace(&n)?
                    .ok_or_else(|| missing("schema"))?
            }
            TypeOid::REGROLE => {
                let (_, n) = parse_qualified_name(text)?;
                self.catalog.role(&n)?.ok_or_else(|| missing("role"))?
            }
            TypeOid::REGPROC => {
                let (schema, n) = parse_qualified_name(text)?;
                let proc = super::catalogfuncs::builtin_proc_oid(&n)?
                    .filter(|_| schema.as_deref().is_none_or(|s| s == "pg_catalog"));
                storage::types::Oid(proc.ok_or_else(|| missing("function"))?)
            }
            _ => {
                return Err(SqlError::unsupported(format!(
                    "input of type {} by name",
                    to.sql_name()
                )));
            }
        };
        Ok(Datum::Oid(oid.0))
    }

    /// `bt_index_check(regclass)`: amcheck's structural check of a B-tree.
    fn bind_index_check(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let (args, _, _) = self.function_args(f, scope, agg)?;
        let [target] = args.as_slice() else {
            return Err(SqlError::undefined_function("bt_index_check(...)"));
        };
        let index = self.relation_argument("bt_index_check", target)?;
        if index.relkind != 'i' {
            return Err(SqlError::new(
                "42809",
                format!("\"{}\" is not an index", index.name),
            ));
        }
        Ok(Expr::IndexCheck(index))
    }

    fn bind_sequence_function(
        &mut self,
        name: &str,
        f: &ast::Function,
        scope: &Scope,
        agg: &mut Option<AggState>,
    ) -> SqlResult<Expr> {
        let (mut args, _, _) = self.function_args(f, scope, agg)?;
        let op = match name {
            "nextval" => SeqOp::NextVal,
            "currval" => SeqOp::CurrVal,
            "setval" => SeqOp::SetVal,
            _ => SeqOp::LastVal,
        };
        let want: &[usize] = match op {
            SeqOp::LastVal => &[0],
            SeqOp::SetVal => &[2, 3],
            _ => &[1],
        };
        if !want.contains(&args.len()) {
            return Err(SqlError::undefined_function(&format!("{name}(...)")));
        }
        if op == SeqOp::LastVal {
            return Ok(Expr::Sequence(op, None, vec![]));
        }
        let target = args.remove(0);
        let seq = self.relation_argument(name, &target)?;
        if seq.relkind != 'S' {
            return Err(SqlError::new(
                "42809",
                format!("\"{}\" is not a sequence", seq.name),
            ));
        }
        if op == SeqOp::SetVal {
            let v = coerce(args.remove(0), t(TypeOid::INT8), CastContext::Implicit)?;
            let mut rest = vec![v];
            if let Some(called) = args.pop() {
                rest.push(coerce(called, t(TypeOid::BOOL), CastContext::Implicit)?);
            }
            args = rest;
        }
        Ok(Expr::Sequence(op, Some(seq), args))
    }

    // ----- DML -----

    /// Binds INSERT.
    pub fn bind_insert(&mut self, ins: &ast::Insert) -> SqlResult<InsertPlan> {
        let ast::TableObject::TableName(name) = &ins.table else {
            return Err(SqlError::unsupported("INSERT into a table function"));
        };
        let table = self.dml_table(name, "insert into")?;
        let target_cols: Vec<usize> = if ins.columns.is_empty() {
            (0..table.columns.len()).collect()
        } else {
            let mut v = Vec::new();
            for c in &ins.columns {
                let cname = object_name_parts(c)?.pop().unwrap_or_default();
                let idx = target_column(&table, &cname)?;
                if v.contains(&idx) {
                    return Err(SqlError::new(
                        "42701",
                        format!("column \"{cname}\" specified more than once"),
                    ));
                }
                v.push(idx);
            }
            v
        };
        let source = match &ins.source {
            // DEFAULT VALUES: one row of every column's default.
            None => Plan::Values {
                rows: vec![self.default_row(&table)?],
                width: table.columns.len(),
            },
            Some(q) => {
                // VALUES rows may contain DEFAULT; handle them here.
                if let (ast::SetExpr::Values(values), None, None) =
                    (q.body.as_ref(), &q.order_by, &q.limit_clause)
                {
                    let mut rows = Vec::new();
                    for row in &values.rows {
                        if row.content.len() > target_cols.len() {
                            return Err(SqlError::syntax(
                                "INSERT has more expressions than target columns",
                            ));
                        }
                        if !ins.columns.is_empty() && row.content.len() < target_cols.len() {
                            return Err(SqlError::syntax(
                                "INSERT has more target columns than expressions",
                            ));
                        }
                        let mut full = self.default_row(&table)?;
                        for (pos, e) in row.content.iter().enumerate() {
                            let col = target_cols[pos];
                            if is_default_keyword(e) {
                                continue;
                            }
                            given_value_allowed(&table, col, true)?;
                            let x = self.bind_expr(e, &Scope::default(), &mut None)?;
                            let x = coerce_assign(x, &table, col)?;
                            self.note_params(&x);
                            full[col] = x;
                        }
                        rows.push(full);
                    }
                    Plan::Values {
                        rows,
                        width: table.columns.len(),
                    }
                } else {
                    let bound = self.bind_query(q)?;
                    if bound.columns.len() > target_cols.len() {
                        return Err(SqlError::syntax(
                            "INSERT has more expressions than target columns",
                        ));
                    }
                    if !ins.columns.is_empty() && bound.columns.len() < target_cols.len() {
                        return Err(SqlError::syntax(
                            "INSERT has more target columns than expressions",
                        ));
                    }
                    let mut exprs = self.default_row(&table)?;
                    for (pos, (_, ty)) in bound.columns.iter().enumerate() {
                        let col = target_cols[pos];
                        given_value_allowed(&table, col, true)?;
                        exprs[col] = coerce_assign(Expr::Column(pos, *ty), &table, col)?;
                    }
                    Plan::Project {
                        input: Box::new(bound.plan),
                        exprs,
                    }
                }
            }
        };
        let on_conflict = match &ins.on {
            None => None,
            Some(ast::OnInsert::OnConflict(oc)) => {
                let alias = ins.table_alias.as_ref().map(|a| ident_name(&a.alias));
                Some(self.bind_on_conflict(oc, &table, alias)?)
            }
            Some(other) => return Err(SqlError::unsupported(format!("{other}"))),
        };
        let returning = self.bind_returning(&ins.returning, &table)?;
        let checks = super::constraint::RowChecks::bind(self, &table)?;
        Ok(InsertPlan {
            table,
            source,
            returning,
            on_conflict,
            checks,
        })
    }

    /// `ON CONFLICT [(cols) | ON CONSTRAINT name] DO NOTHING | DO UPDATE SET
    /// ... [WHERE ...]`. DO UPDATE's expressions see the existing row
    /// (columns `0..n`, qualified by the table name or alias) and the row
    /// proposed for insertion (`n..2n`, qualified `excluded`).
    fn bind_on_conflict(
        &mut self,
        oc: &ast::OnConflict,
        table: &Arc<TableInfo>,
        alias: Option<String>,
    ) -> SqlResult<OnConflict> {
        let arbiters: Vec<Arc<storage::catalog::IndexInfo>> = match &oc.conflict_target {
            None => {
                if matches!(oc.action, ast::OnConflictAction::DoUpdate(_)) {
                    return Err(SqlError::new(
                        "42601",
                        "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                    )
                    .with_hint("For example, ON CONFLICT (column_name)."));
                }
                table.indexes.iter().filter(|i| i.unique).cloned().collect()
            }
            Some(ast::ConflictTarget::Columns(cols)) => {
                let mut wanted = Vec::new();
                for c in cols {
                    wanted.push(target_column(table, &ident_name(c))?);
                }
                wanted.sort_unstable();
                wanted.dedup();
                table
                    .indexes
                    .iter()
                    .filter(|i| {
                        let mut have = i.columns.clone();
                        have.sort_unstable();
                        i.unique && have == wanted
                    })
                    .cloned()
                    .collect()
            }
            Some(ast::ConflictTarget::OnConstraint(name)) => {
                let name = object_name_parts(name)?.pop().unwrap_or_default();
                let found: Vec<_> = table
                    .indexes
                    .iter()
                    .filter(|i| i.constraint.is_some() && i.name == name)
                    .cloned()
                    .collect();
                if found.is_empty() {
                    return Err(SqlError::new(
                        "42704",
                        format!(
                            "constraint \"{name}\" for table \"{}\" does not exist",
                            table.name
                        ),
                    ));
                }
                found
            }
        };
        if arbiters.is_empty() && oc.conflict_target.is_some() {
            return Err(SqlError::new(
                "42P10",
                "there is no unique or exclusion constraint matching the ON CONFLICT specification",
            ));
        }
        let action = match &oc.action {
            ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
            ast::OnConflictAction::DoUpdate(du) => {
                let qualifier = alias.unwrap_or_else(|| table.name.clone());
                let mut scope = Self::table_scope(table);
                scope
                    .cols
                    .iter_mut()
                    .for_each(|c| c.qualifier = Some(qualifier.clone()));
                scope.cols.extend(table.columns.iter().map(|c| ScopeCol {
                    qualifier: Some("excluded".into()),
                    name: c.name.clone(),
                    typ: c.typ,
                }));
                let mut assignments = Vec::new();
                for a in &du.assignments {
                    let ast::AssignmentTarget::ColumnName(n) = &a.target else {
                        return Err(SqlError::unsupported(
                            "multi-column assignment in ON CONFLICT DO UPDATE",
                        ));
                    };
                    let cname = object_name_parts(n)?.pop().unwrap_or_default();
                    let idx = target_column(table, &cname)?;
                    if assignments.iter().any(|(i, _)| *i == idx) {
                        return Err(SqlError::new(
                            "42601",
                            format!("multiple assignments to same column \"{cname}\""),
                        ));
                    }
                    let value = if is_default_keyword(&a.value) {
                        self.default_row(table)?.swap_remove(idx)
                    } else {
                        given_value_allowed(table, idx, false)?;
                        let x = self.bind_expr(&a.value, &scope, &mut None)?;
                        coerce_assign(x, table, idx)?
                    };
                    self.note_params(&value);
                    assignments.push((idx, value));
                }
                let filter = self.bind_where(&du.selection, &scope)?;
                ConflictAction::Update(DoUpdate {
                    assignments,
                    filter,
                    checks: super::constraint::RowChecks::bind(self, table)?,
                })
            }
        };
        Ok(OnConflict { arbiters, action })
    }

    /// Each column's default expression (NULL where there is none),
    /// coerced to the column's type.
    pub fn default_row(&mut self, table: &TableInfo) -> SqlResult<Vec<Expr>> {
        let mut row = Vec::with_capacity(table.columns.len());
        for (i, c) in table.columns.iter().enumerate() {
            row.push(match &c.default {
                // Computed from the rest of the row when it is stored.
                Some(_) if c.generation == Generation::Stored => Expr::Const(Datum::Null, c.typ),
                Some(text) => {
                    let e = crate::sql::parse::parse_expr(text)?;
                    let x = self.bind_expr(&e, &Scope::default(), &mut None)?;
                    coerce_assign(x, table, i)?
                }
                None => Expr::Const(Datum::Null, c.typ),
            });
        }
        Ok(row)
    }

    fn table_scope(table: &TableInfo) -> Scope {
        Scope {
            cols: table
                .columns
                .iter()
                .map(|c| ScopeCol {
                    qualifier: Some(table.name.clone()),
                    name: c.name.clone(),
                    typ: c.typ,
                })
                .collect(),
        }
    }

    fn bind_returning(
        &mut self,
        items: &Option<Vec<ast::SelectItem>>,
        table: &TableInfo,
    ) -> SqlResult<Option<Vec<(String, Expr)>>> {
        let Some(items) = items else { return Ok(None) };
        let scope = Self::table_scope(table);
        let mut out = Vec::new();
        for item in items {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    out.push((column_label(e), self.bind_expr(e, &scope, &mut None)?))
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    out.push((ident_name(alias), self.bind_expr(expr, &scope, &mut None)?))
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    for (i, c) in table.columns.iter().enumerate() {
                        out.push((c.name.clone(), Expr::Column(i, c.typ)));
                    }
                }
                other => return Err(SqlError::unsupported(format!("RETURNING item {other}"))),
            }
        }
        Ok(Some(out))
    }

    /// Binds UPDATE.
    pub fn bind_update(&mut self, up: &ast::Update) -> SqlResult<UpdatePlan> {
        if up.from.is_some() || !up.table.joins.is_empty() {
            return Err(SqlError::unsupported("UPDATE ... FROM"));
        }
        let (table, alias) = self.dml_target(&up.table.relation, "update")?;
        let mut scope = Self::table_scope(&table);
        if let Some(a) = alias {
            scope
                .cols
                .iter_mut()
                .for_each(|c| c.qualifier = Some(a.clone()));
        }
        let filter = self.bind_where(&up.selection, &scope)?;
        let mut assignments = Vec::new();
        for a in &up.assignments {
            let ast::AssignmentTarget::ColumnName(n) = &a.target else {
                return Err(SqlError::unsupported("multi-column assignment in UPDATE"));
            };
            let cname = object_name_parts(n)?.pop().unwrap_or_default();
            let idx = target_column(&table, &cname)?;
            if assignments.iter().any(|(i, _)| *i == idx) {
                return Err(SqlError::new(
                    "42601",
                    format!("multiple assignments to same column \"{cname}\""),
                ));
            }
            let value = if is_default_keyword(&a.value) {
                self.default_row(&table)?.swap_remove(idx)
            } else {
                given_value_allowed(&table, idx, false)?;
                let x = self.bind_expr(&a.value, &scope, &mut None)?;
                coerce_assign(x, &table, idx)?
            };
            self.note_params(&value);
            assignments.push((idx, value));
        }
        let returning = self.bind_returning(&up.returning, &table)?;
        let checks = super::constraint::RowChecks::bind(self, &table)?;
        Ok(UpdatePlan {
            access: super::path::choose_index(&table, filter.as_ref(), self.catalog),
            table,
            filter,
            assignments,
            returning,
            checks,
        })
    }

    fn dml_target(
        &mut self,
        tf: &ast::TableFactor,
        verb: &str,
    ) -> SqlResult<(Arc<TableInfo>, Option<String>)> {
        match tf {
            ast::TableFactor::Table { name, alias, .. } => Ok((
                self.dml_table(name, verb)?,
                alias.as_ref().map(|a| ident_name(&a.name)),
            )),
            other => Err(SqlError::unsupported(format!("DML target {other}"))),
        }
    }

    /// The table INSERT, UPDATE or DELETE (`verb`: "insert into",
    /// "update", "delete from") writes: views are not automatically
    /// updatable here.
    fn dml_table(&self, name: &ast::ObjectName, verb: &str) -> SqlResult<Arc<TableInfo>> {
        let table = self.lookup_table(name)?;
        if table.relkind == 'v' {
            return Err(view::view_write_error(&table, verb));
        }
        Ok(table)
    }

    fn bind_where(&mut self, sel: &Option<ast::Expr>, scope: &Scope) -> SqlResult<Option<Expr>> {
        sel.as_ref()
            .map(|w| {
                let p = self.bind_expr(w, scope, &mut None)?;
                coerce(p, t(TypeOid::BOOL), CastContext::Implicit).map_err(|e| {
                    if_no_cast(e, || {
                        SqlError::datatype_mismatch("argument of WHERE must be type boolean")
                    })
                })
            })
            .transpose()
    }

    /// Binds DELETE.
    pub fn bind_delete(&mut self, del: &ast::Delete) -> SqlResult<DeletePlan> {
        if del.using.is_some() {
            return Err(SqlError::unsupported("DELETE ... USING"));
        }
        let from = match &del.from {
            ast::FromTable::WithFromKeyword(v) | ast::FromTable::WithoutKeyword(v) => v,
        };
        let [twj] = from.as_slice() else {
            return Err(SqlError::unsupported("DELETE from several tables"));
        };
        if !twj.joins.is_empty() {
            return Err(SqlError::unsupported("DELETE with joins"));
        }
        let (table, alias) = self.dml_target(&twj.relation, "delete from")?;
        let mut scope = Self::table_scope(&table);
        if let Some(a) = alias {
            scope
                .cols
                .iter_mut()
                .for_each(|c| c.qualifier = Some(a.clone()));
        }
        let filter = self.bind_where(&del.selection, &scope)?;
        let returning = self.bind_returning(&del.returning, &table)?;
        Ok(DeletePlan {
            access: super::path::choose_index(&table, filter.as_ref(), self.catalog),
            table,
            filter,
            returning,
        })
    }
}

/// The index of column `name` of `table`, the target of an INSERT, UPDATE
/// or COPY (42703 naming the relation, as PostgreSQL words it).
/// Splits `name` or `schema.name` (quoted or not) as `regclass` input does.
pub(crate) fn parse_qualified_name(text: &str) -> SqlResult<(Option<String>, String)> {
    let bad = || SqlError::new("42602", format!("invalid name syntax: \"{text}\""));
    let parsed = crate::sql::parse::parse_expr(text).map_err(|_| bad())?;
    let parts: Vec<String> = match parsed {
        ast::Expr::Identifier(id) => vec![ident_name(&id)],
        ast::Expr::CompoundIdentifier(ids) => ids.iter().map(ident_name).collect(),
        _ => return Err(bad()),
    };
    match parts.as_slice() {
        [n] => Ok((None, n.clone())),
        [s, n] => Ok((Some(s.clone()), n.clone())),
        _ => Err(bad()),
    }
}

pub fn target_column(table: &TableInfo, name: &str) -> SqlResult<usize> {
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
}

fn is_niladic_keyword(name: &str) -> bool {
    matches!(
        name,
        "current_user"
            | "session_user"
            | "user"
            | "current_role"
            | "current_date"
            | "current_timestamp"
            | "localtimestamp"
            | "current_catalog"
            | "current_schema"
    )
}

fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

fn grouped_column(st: &AggState, c: Expr, name: &str) -> SqlResult<Expr> {
    if let Expr::Column(k, _) = &c {
        if let Some(i) = st
            .group_exprs
            .iter()
            .position(|g| matches!(g, Expr::Column(j, _) if j == k))
        {
            return Ok(Expr::Column(i, st.group_exprs[i].typ()));
        }
        let qual = st.from_scope.cols.get(*k).and_then(|c| c.qualifier.clone());
        let full = match qual {
            Some(q) if !q.is_empty() => format!("{q}.{name}"),
            _ => name.to_string(),
        };
        return Err(SqlError::new(
            "42803",
            format!(
                "column \"{full}\" must appear in the GROUP BY clause or be used in an aggregate function"
            ),
        ));
    }
    Ok(c)
}

fn regex_op(case_insensitive: bool, negated: bool) -> BinOp {
    BinOp::Regex {
        case_insensitive,
        negated,
    }
}

fn comparison_op(op: &ast::BinaryOperator) -> SqlResult<BinOp> {
    use ast::BinaryOperator as B;
    Ok(match op {
        B::Eq => BinOp::Eq,
        B::NotEq => BinOp::NotEq,
        B::Lt => BinOp::Lt,
        B::LtEq => BinOp::LtEq,
        B::Gt => BinOp::Gt,
        B::GtEq => BinOp::GtEq,
        other => return Err(SqlError::unsupported(format!("operator {other}"))),
    })
}

fn number_literal(n: &str) -> SqlResult<Expr> {
    let is_int = n.bytes().all(|b| b.is_ascii_digit());
    if is_int {
        if let Ok(v) = n.parse::<i32>() {
            return Ok(Expr::Const(Datum::Int4(v), t(TypeOid::INT4)));
        }
        if let Ok(v) = n.parse::<i64>() {
            return Ok(Expr::Const(Datum::Int8(v), t(TypeOid::INT8)));
        }
    }
    let num = Numeric::parse(n)
        .map_err(|_| SqlError::syntax(format!("syntax error at or near \"{n}\"")))?;
    Ok(Expr::Const(Datum::Numeric(num), t(TypeOid::NUMERIC)))
}

/// Resolves a binary operator over bound operands: picks the operand type
/// PostgreSQL's operator resolution would and coerces both sides.
pub fn resolve_binop(op: BinOp, l: Expr, r: Expr) -> SqlResult<Expr> {
    let (l, r) = match super::jsonb::resolve_binop(op, l, r)? {
        Ok(e) => return Ok(e),
        Err(operands) => operands,
    };
    let (l, r) = match super::array::resolve_array_binop(op, l, r)? {
        Ok(e) => return Ok(e),
        Err(operands) => operands,
    };
    let (lt, rt) = (l.typ().oid, r.typ().oid);
    if matches!(op, BinOp::Contains | BinOp::ContainedBy | BinOp::Overlap) {
        return Err(no_operator(op, lt, rt));
    }
    if op.is_bitwise() {
        return resolve_bitwise(op, l, r);
    }
    let bool_t = t(TypeOid::BOOL);
    if op == BinOp::Concat {
        if lt == TypeOid::BYTEA && rt == TypeOid::BYTEA {
            return Ok(Expr::Binary(
                op,
                Box::new(l),
                Box::new(r),
                t(TypeOid::BYTEA),
            ));
        }
        if lt != TypeOid::UNKNOWN && !is_string(lt) && rt != TypeOid::UNKNOWN && !is_string(rt) {
            return Err(no_operator(op, lt, rt));
        }
        let l = coerce(l, t(TypeOid::TEXT), CastContext::Assignment)?;
        let r = coerce(r, t(TypeOid::TEXT), CastContext::Assignment)?;
        return Ok(Expr::Binary(op, Box::new(l), Box::new(r), t(TypeOid::TEXT)));
    }
    // pg_lsn - pg_lsn: the bytes between them (numeric).
    if op == BinOp::Sub && (lt == TypeOid::PG_LSN || rt == TypeOid::PG_LSN) {
        let lsn = t(TypeOid::PG_LSN);
        let args = vec![
            coerce(l, lsn, CastContext::Implicit)?,
            coerce(r, lsn, CastContext::Implicit)?,
        ];
        return Ok(Expr::Func(
            super::func::Builtin::WalLsnDiff,
            args,
            t(TypeOid::NUMERIC),
        ));
    }
    // Mixed date/time arithmetic.
    if matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div) {
        let dt = |o: TypeOid| {
            matches!(
                o,
                TypeOid::DATE
                    | TypeOid::TIME
                    | TypeOid::TIMESTAMP
                    | TypeOid::TIMESTAMPTZ
                    | TypeOid::INTERVAL
            )
        };
        if dt(lt) || dt(rt) {
            return resolve_datetime_arith(op, l, r);
        }
    }
    let ty = if lt == TypeOid::UNKNOWN && rt == TypeOid::UNKNOWN {
        t(TypeOid::TEXT)
    } else if lt == TypeOid::UNKNOWN {
        r.typ()
    } else if rt == TypeOid::UNKNOWN {
        l.typ()
    } else {
        common_type(&[l.typ(), r.typ()], "operator").map_err(|_| no_operator(op, lt, rt))?
    };
    // float4 has operators only with float4 and float8: mixed with an
    // integer or numeric, PostgreSQL computes in float8.
    let mixed_float4 = ty.oid == TypeOid::FLOAT4
        && [lt, rt]
            .iter()
            .any(|o| numeric_rank(*o).is_some_and(|r| r < 5));
    let ty = SqlType::new(if is_string(ty.oid) {
        TypeOid::TEXT
    } else if mixed_float4 {
        TypeOid::FLOAT8
    } else {
        ty.oid
    });
    if matches!(
        op,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow
    ) && numeric_rank(ty.oid).is_none()
    {
        return Err(no_operator(op, lt, rt));
    }
    let ty = if op == BinOp::Pow && numeric_rank(ty.oid).is_some_and(|r| r != 4) {
        t(TypeOid::FLOAT8)
    } else {
        ty
    };
    let l = coerce(l, ty, CastContext::Implicit)
        .map_err(|e| if_no_cast(e, || no_operator(op, lt, rt)))?;
    let r = coerce(r, ty, CastContext::Implicit)
        .map_err(|e| if_no_cast(e, || no_operator(op, lt, rt)))?;
    let result = if op.is_comparison() { bool_t } else { ty };
    Ok(Expr::Binary(op, Box::new(l), Box::new(r), result))
}

/// `&`, `|`, `#` over one integer type (the wider of the two); `<<` and
/// `>>` over the left operand's type with an int4 count.
fn resolve_bitwise(op: BinOp, l: Expr, r: Expr) -> SqlResult<Expr> {
    let (lt, rt) = (l.typ().oid, r.typ().oid);
    let rank = |o: TypeOid| match o {
        TypeOid::INT2 => Some(1),
        TypeOid::INT4 | TypeOid::UNKNOWN => Some(2),
        TypeOid::INT8 => Some(3),
        _ => None,
    };
    let (Some(a), Some(b)) = (rank(lt), rank(rt)) else {
        return Err(no_operator(op, lt, rt));
    };
    let of_rank = |r: i32| match r {
        1 => t(TypeOid::INT2),
        3 => t(TypeOid::INT8),
        _ => t(TypeOid::INT4),
    };
    let (lty, rty) = if matches!(op, BinOp::ShiftLeft | BinOp::ShiftRight) {
        (of_rank(a), t(TypeOid::INT4))
    } else {
        (of_rank(a.max(b)), of_rank(a.max(b)))
    };
    let l = coerce(l, lty, CastContext::Implicit)?;
    let r = coerce(r, rty, CastContext::Implicit)?;
    Ok(Expr::Binary(op, Box::new(l), Box::new(r), lty))
}

fn resolve_datetime_arith(op: BinOp, l: Expr, r: Expr) -> SqlResult<Expr> {
    use TypeOid as T;
    let (mut lt, mut rt) = (l.typ().oid, r.typ().oid);
    let (mut l, mut r) = (l, r);
    // An unknown literal next to a date/time value takes the type the
    // operator needs (interval for +/- with timestamps, etc.).
    if rt == T::UNKNOWN {
        let want = match (op, lt) {
            (BinOp::Sub, T::DATE | T::TIMESTAMP | T::TIMESTAMPTZ | T::TIME) => {
                let s = match &r {
                    Expr::Const(Datum::Text(s), _) => s.clone(),
                    _ => String::new(),
                };
                if storage::datum::Interval::parse(&s).is_ok() {
                    T::INTERVAL
                } else {
                    lt
                }
            }
            (_, T::INTERVAL) if matches!(op, BinOp::Mul | BinOp::Div) => T::FLOAT8,
            _ => T::INTERVAL,
        };
        r = coerce(r, t(want), CastContext::Implicit)?;
        rt = want;
    }
    if lt == T::UNKNOWN {
        l = coerce(
            l,
            t(if rt == T::INTERVAL { T::INTERVAL } else { rt }),
            CastContext::Implicit,
        )?;
        lt = l.typ().oid;
    }
    if matches!(lt, T::INT2 | T::INT8) && rt == T::DATE
        || matches!(rt, T::INT2 | T::INT8) && lt == T::DATE
    {
        let (a, b) = if lt == T::DATE { (l, r) } else { (r, l) };
        let b = coerce(b, t(T::INT4), CastContext::Assignment)?;
        return Ok(Expr::Binary(op, Box::new(a), Box::new(b), t(T::DATE)));
    }
    if matches!(op, BinOp::Mul | BinOp::Div) && (lt == T::INTERVAL || rt == T::INTERVAL) {
        let (iv, n) = if lt == T::INTERVAL { (l, r) } else { (r, l) };
        if op == BinOp::Div && lt != T::INTERVAL {
            return Err(no_operator(op, lt, rt));
        }
        let n = coerce(n, t(T::FLOAT8), CastContext::Implicit)
            .map_err(|e| if_no_cast(e, || no_operator(op, lt, rt)))?;
        return Ok(Expr::Binary(op, Box::new(iv), Box::new(n), t(T::INTERVAL)));
    }
    let result = match (op, lt, rt) {
        (BinOp::Add, T::DATE, T::INT4)
        | (BinOp::Add, T::INT4, T::DATE)
        | (BinOp::Sub, T::DATE, T::INT4) => T::DATE,
        (BinOp::Sub, T::DATE, T::DATE) => T::INT4,
        (BinOp::Add, T::DATE, T::INTERVAL)
        | (BinOp::Add, T::INTERVAL, T::DATE)
        | (BinOp::Sub, T::DATE, T::INTERVAL) => T::TIMESTAMP,
        (BinOp::Add, T::DATE, T::TIME) | (BinOp::Add, T::TIME, T::DATE) => T::TIMESTAMP,
        (BinOp::Add, T::TIMESTAMP, T::INTERVAL)
        | (BinOp::Add, T::INTERVAL, T::TIMESTAMP)
        | (BinOp::Sub, T::TIMESTAMP, T::INTERVAL) => T::TIMESTAMP,
        (BinOp::Add, T::TIMESTAMPTZ, T::INTERVAL)
        | (BinOp::Add, T::INTERVAL, T::TIMESTAMPTZ)
        | (BinOp::Sub, T::TIMESTAMPTZ, T::INTERVAL) => T::TIMESTAMPTZ,
        (BinOp::Sub, T::TIMESTAMP, T::TIMESTAMP) | (BinOp::Sub, T::TIMESTAMPTZ, T::TIMESTAMPTZ) => {
            T::INTERVAL
        }
        (BinOp::Sub, T::TIMESTAMPTZ, T::TIMESTAMP | T::DATE) => {
            let r2 = coerce(r, t(T::TIMESTAMPTZ), CastContext::Implicit)?;
            return Ok(Expr::Binary(op, Box::new(l), Box::new(r2), t(T::INTERVAL)));
        }
        (BinOp::Sub, T::TIMESTAMP | T::DATE, T::TIMESTAMPTZ) => {
            let l2 = coerce(l, t(T::TIMESTAMPTZ), CastContext::Implicit)?;
            return Ok(Expr::Binary(op, Box::new(l2), Box::new(r), t(T::INTERVAL)));
        }
        (BinOp::Sub, T::TIMESTAMP, T::DATE) | (BinOp::Sub, T::DATE, T::TIMESTAMP) => {
            let l2 = coerce(l, t(T::TIMESTAMP), CastContext::Implicit)?;
            let r2 = coerce(r, t(T::TIMESTAMP), CastContext::Implicit)?;
            return Ok(Expr::Binary(op, Box::new(l2), Box::new(r2), t(T::INTERVAL)));
        }
        (BinOp::Add, T::TIME, T::INTERVAL)
        | (BinOp::Add, T::INTERVAL, T::TIME)
        | (BinOp::Sub, T::TIME, T::INTERVAL) => T::TIME,
        (BinOp::Sub, T::TIME, T::TIME) => T::INTERVAL,
        (BinOp::Add | BinOp::Sub, T::INTERVAL, T::INTERVAL) => T::INTERVAL,
        _ => return Err(no_operator(op, lt, rt)),
    };
    Ok(Expr::Binary(op, Box::new(l), Box::new(r), t(result)))
}

/// Keeps a coercion error that is about a value (e.g. 22P02 for `'x'` as
/// an integer, 22003, 22001) and replaces a "no such cast" error
/// (42804/42846) with the caller's more specific one, as PostgreSQL does:
/// a literal that cannot be converted is reported as such.
fn if_no_cast(e: SqlError, f: impl FnOnce() -> SqlError) -> SqlError {
    if matches!(e.code, "42804" | "42846") {
        f()
    } else {
        e
    }
}

fn no_operator(op: BinOp, l: TypeOid, r: TypeOid) -> SqlError {
    SqlError::new(
        "42883",
        format!("operator does not exist: {} {} {}", l.sql_name(), op.symbol(), r.sql_name()),
    )
    .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

fn coerce_assign(x: Expr, table: &TableInfo, col: usize) -> SqlResult<Expr> {
    let c = &table.columns[col];
    let from = x.typ();
    coerce(x, c.typ, CastContext::Assignment).map_err(|e| {
        if_no_cast(e, || {
            SqlError::datatype_mismatch(format!(
                "column \"{}\" is of type {} but expression is of type {}",
                c.name,
                c.typ.oid.sql_name(),
                from.oid.sql_name()
            ))
            .with_hint("You will need to rewrite or cast the expression.")
        })
    })
}

fn coerce_plan(plan: Plan, columns: &[(String, SqlType)], types: &[SqlType]) -> SqlResult<Plan> {
    if columns.iter().zip(types).all(|(c, t)| c.1.oid == t.oid) {
        return Ok(plan);
    }
    let exprs = columns
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (c, t))| coerce(Expr::Column(i, c.1), *t, CastContext::Implicit))
        .collect::<SqlResult<_>>()?;
    Ok(Plan::Project {
        input: Box::new(plan),
        exprs,
    })
}

/// The columns SELECT DISTINCT ON compares (`on`, each a column of the
/// projected row), checked against ORDER BY as PostgreSQL checks them: the
/// leading sort keys must be DISTINCT ON expressions (42P10 otherwise), and
/// the DISTINCT ON expressions ORDER BY leaves out are sorted on after
/// them, so that equal keys end up adjacent. Two columns hold the same
/// expression when their bound forms print alike (`Expr` embeds plans and
/// has no equality).
fn distinct_on_keys(
    on: Vec<Expr>,
    sort_keys: &mut Vec<SortKey>,
    exprs: &[Expr],
) -> SqlResult<Vec<usize>> {
    let column = |e: &Expr| match e {
        Expr::Column(i, _) => Some(*i),
        _ => None,
    };
    let same = |a: usize, b: usize| {
        a == b || format!("{:?}", exprs.get(a)) == format!("{:?}", exprs.get(b))
    };
    let keys: Vec<usize> = on.iter().filter_map(column).collect();
    let mut covered = vec![false; keys.len()];
    for sk in sort_keys.iter().take(keys.len()) {
        let hit = column(&sk.expr).and_then(|c| keys.iter().position(|&k| same(c, k)));
        match hit {
            Some(k) => covered[k] = true,
            None => {
                return Err(SqlError::new(
                    "42P10",
                    "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
                ));
            }
        }
    }
    for (k, e) in on.into_iter().enumerate() {
        if !covered[k] {
            sort_keys.insert(
                k.min(sort_keys.len()),
                SortKey {
                    expr: e,
                    descending: false,
                    nulls_first: false,
                },
            );
        }
    }
    Ok(keys)
}

/// `(a1, a2, ...) op (b1, b2, ...)` as the pairwise comparisons it means
/// (PostgreSQL's row comparison): `=` is every pair equal, `<>` any pair
/// unequal, and `<`, `<=`, `>`, `>=` compare left to right, the first
/// unequal pair deciding, so that NULLs give NULL where PostgreSQL's do:
///
/// ```text
/// (a1, a2) < (b1, b2)   =>   a1 < b1 OR (a1 = b1 AND a2 < b2)
/// ```
fn row_comparison(
    left: &[ast::Expr],
    op: &ast::BinaryOperator,
    right: &[ast::Expr],
) -> SqlResult<ast::Expr> {
    use ast::BinaryOperator as B;
    if left.len() != right.len() || left.is_empty() {
        return Err(SqlError::syntax(
            "unequal number of entries in row expressions",
        ));
    }
    let cmp = |l: &ast::Expr, op: B, r: &ast::Expr| ast::Expr::BinaryOp {
        left: Box::new(l.clone()),
        op,
        right: Box::new(r.clone()),
    };
    let join = |a: ast::Expr, op: B, b: ast::Expr| {
        ast::Expr::Nested(Box::new(ast::Expr::BinaryOp {
            left: Box::new(a),
            op,
            right: Box::new(b),
        }))
    };
    let pairs = left.iter().zip(right);
    match op {
        B::Eq | B::NotEq => {
            let link = if *op == B::Eq { B::And } else { B::Or };
            let mut out: Option<ast::Expr> = None;
            for (l, r) in pairs {
                let c = cmp(l, op.clone(), r);
                out = Some(match out {
                    None => c,
                    Some(acc) => join(acc, link.clone(), c),
                });
            }
            out.ok_or_else(|| SqlError::internal("empty row comparison"))
        }
        B::Lt | B::LtEq | B::Gt | B::GtEq => {
            let strict = if matches!(op, B::Lt | B::LtEq) {
                B::Lt
            } else {
                B::Gt
            };
            let n = left.len();
            let mut out = cmp(&left[n - 1], op.clone(), &right[n - 1]);
            for i in (0..n - 1).rev() {
                let tie = join(cmp(&left[i], B::Eq, &right[i]), B::And, out);
                out = join(cmp(&left[i], strict.clone(), &right[i]), B::Or, tie);
            }
            Ok(out)
        }
        other => Err(SqlError::unsupported(format!(
            "operator {other} between row expressions"
        ))),
    }
}

fn sort_key(expr: Expr, opts: &ast::OrderByOptions) -> SortKey {
    let descending = matches!(opts.sort, Some(ast::OrderBySort::Desc));
    let nulls_first = opts.nulls_first.unwrap_or(descending);
    SortKey {
        expr,
        descending,
        nulls_first,
    }
}

fn aliased_scope(qual: &str, cols: &[(String, SqlType)], alias: Option<&ast::TableAlias>) -> Scope {
    let renames: Vec<String> = alias
        .map(|a| a.columns.iter().map(|c| ident_name(&c.name)).collect())
        .unwrap_or_default();
    Scope {
        cols: cols
            .iter()
            .enumerate()
            .map(|(i, (n, t))| ScopeCol {
                qualifier: if qual.is_empty() {
                    None
                } else {
                    Some(qual.to_string())
                },
                name: renames.get(i).cloned().unwrap_or_else(|| n.clone()),
                typ: *t,
            })
            .collect(),
    }
}

fn cross_join(lp: Plan, ls: Scope, rp: Plan, rs: Scope) -> (Plan, Scope) {
    let left_width = ls.cols.len();
    let right_width = rs.cols.len();
    let scope = Scope {
        cols: ls.cols.into_iter().chain(rs.cols).collect(),
    };
    (
        Plan::Join {
            left: Box::new(lp),
            right: Box::new(rp),
            kind: JoinKind::Inner,
            hash_keys: vec![],
            condition: None,
            left_width,
            right_width,
        },
        scope,
    )
}

fn find_in_scope(scope: &Scope, qual: Option<&str>, name: &str) -> SqlResult<Option<Expr>> {
    let mut found: Option<usize> = None;
    for (i, c) in scope.cols.iter().enumerate() {
        let name_matches =
            c.name == name || (qual.is_some() && c.name.trim_end_matches('\u{0}') == name);
        if name_matches && qual.is_none_or(|q| c.qualifier.as_deref() == Some(q)) {
            if found.is_some() {
                return Err(SqlError::new(
                    "42702",
                    format!("column reference \"{name}\" is ambiguous"),
                ));
            }
            found = Some(i);
        }
    }
    Ok(found.map(|i| Expr::Column(i, scope.cols[i].typ)))
}

/// Splits a join condition into hashable equalities `left_col = right_col`
/// and the rest.
fn split_equi_keys(cond: Option<Expr>, left_width: usize) -> (Vec<(Expr, Expr)>, Option<Expr>) {
    let Some(cond) = cond else {
        return (vec![], None);
    };
    let terms = match cond {
        Expr::And(v) => v,
        other => vec![other],
    };
    let side = |e: &Expr| -> Option<bool> {
        let mut left = false;
        let mut right = false;
        let mut other = false;
        e.walk(&mut |x| match x {
            Expr::Column(i, _) => {
                if *i < left_width {
                    left = true
                } else {
                    right = true
                }
            }
            Expr::SubPlan(_) | Expr::Outer { .. } => other = true,
            _ => {}
        });
        if other || (left && right) || (!left && !right) {
            None
        } else {
            Some(left)
        }
    };
    let mut keys = Vec::new();
    let mut rest = Vec::new();
    for term in terms {
        match term {
            Expr::Binary(BinOp::Eq, a, b, ty) => match (side(&a), side(&b)) {
                (Some(true), Some(false)) => keys.push((*a, shift(*b, left_width))),
                (Some(false), Some(true)) => keys.push((*b, shift(*a, left_width))),
                _ => rest.push(Expr::Binary(BinOp::Eq, a, b, ty)),
            },
            other => rest.push(other),
        }
    }
    let residual = match rest.len() {
        0 => None,
        1 => rest.pop(),
        _ => Some(Expr::And(rest)),
    };
    (keys, residual)
}

/// Rewrites column indexes of a right-side-only expression to index the
/// right row alone.
fn shift(e: Expr, by: usize) -> Expr {
    map_columns(e, &|i| i - by)
}

fn map_columns(e: Expr, f: &dyn Fn(usize) -> usize) -> Expr {
    let m = |x: Box<Expr>| Box::new(map_columns(*x, f));
    match e {
        Expr::Column(i, t) => Expr::Column(f(i), t),
        Expr::Binary(op, a, b, t) => Expr::Binary(op, m(a), m(b), t),
        Expr::Neg(a) => Expr::Neg(m(a)),
        Expr::Not(a) => Expr::Not(m(a)),
        Expr::Cast(a, t) => Expr::Cast(m(a), t),
        Expr::AssignCast(a, t) => Expr::AssignCast(m(a), t),
        Expr::IsNull(a, n) => Expr::IsNull(m(a), n),
        Expr::IsBool(a, w, n) => Expr::IsBool(m(a), w, n),
        Expr::IsDistinct(a, b, n) => Expr::IsDistinct(m(a), m(b), n),
        Expr::And(v) => Expr::And(v.into_iter().map(|x| map_columns(x, f)).collect()),
        Expr::Or(v) => Expr::Or(v.into_iter().map(|x| map_columns(x, f)).collect()),
        Expr::Func(b, v, t) => Expr::Func(b, v.into_iter().map(|x| map_columns(x, f)).collect(), t),
        Expr::InList(a, v, n) => {
            Expr::InList(m(a), v.into_iter().map(|x| map_columns(x, f)).collect(), n)
        }
        Expr::ArrayCons(v, t) => {
            Expr::ArrayCons(v.into_iter().map(|x| map_columns(x, f)).collect(), t)
        }
        Expr::ArrayOp {
            op,
            all,
            lhs,
            array,
        } => Expr::ArrayOp {
            op,
            all,
            lhs: m(lhs),
            array: m(array),
        },
        Expr::Subscript(base, sub, t) => Expr::Subscript(
            m(base),
            match sub {
                ArraySubscript::Index(i) => ArraySubscript::Index(m(i)),
                ArraySubscript::Slice(lo, hi) => ArraySubscript::Slice(lo.map(m), hi.map(m)),
            },
            t,
        ),
        Expr::Case {
            operand,
            whens,
            otherwise,
            typ,
        } => Expr::Case {
            operand: operand.map(m),
            whens: whens
                .into_iter()
                .map(|(a, b)| (map_columns(a, f), map_columns(b, f)))
                .collect(),
            otherwise: otherwise.map(m),
            typ,
        },
        other => other,
    }
}

/// The column label PostgreSQL gives an unaliased target expression.
pub fn column_label(e: &ast::Expr) -> String {
    use ast::Expr as A;
    match e {
        A::Identifier(id) => ident_name(id),
        A::CompoundIdentifier(ids) => ids.last().map(ident_name).unwrap_or_default(),
        A::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| match p {
                ast::ObjectNamePart::Identifier(id) => Some(ident_name(id)),
                _ => None,
            })
            .unwrap_or_else(|| "?column?".into()),
        // As PostgreSQL's FigureColname: a cast keeps its argument's
        // label only when that label is a strong one (a column, a
        // function); otherwise it is labelled with the target type.
        A::Cast {
            expr, data_type, ..
        } => {
            if label_strength(expr) >= 2 {
                column_label(expr)
            } else {
                type_label(data_type)
            }
        }
        A::Nested(inner) => column_label(inner),
        A::Array(_) => "array".into(),
        A::CompoundFieldAccess { root, .. } => column_label(root),
        A::Case { .. } => "case".into(),
        A::Exists { .. } => "exists".into(),
        A::Subquery(q) => match q.body.as_ref() {
            ast::SetExpr::Select(s) => match s.projection.first() {
                Some(ast::SelectItem::UnnamedExpr(e)) => column_label(e),
                Some(ast::SelectItem::ExprWithAlias { alias, .. }) => ident_name(alias),
                _ => "?column?".into(),
            },
            _ => "?column?".into(),
        },
        A::Extract { .. } => "extract".into(),
        A::Substring {
            shorthand: true, ..
        } => "substr".into(),
        A::Overlay { .. } => "overlay".into(),
        A::Substring { .. } => "substring".into(),
        A::Position { .. } => "position".into(),
        A::Trim { trim_where, .. } => match trim_where {
            Some(ast::TrimWhereField::Leading) => "ltrim".into(),
            Some(ast::TrimWhereField::Trailing) => "rtrim".into(),
            _ => "btrim".into(),
        },
        A::Ceil { .. } => "ceil".into(),
        A::Floor { .. } => "floor".into(),
        A::TypedString(ts) => type_label(&ts.data_type),
        A::Interval(_) => "interval".into(),
        A::Collate { expr, .. } => column_label(expr),
        _ => "?column?".into(),
    }
}

/// How firmly `column_label` names `e`, as PostgreSQL's FigureColname
/// ranks it: 2 for a real name (column, function, EXISTS, ...), 1 for a
/// fallback (CASE, a cast's type name), 0 for none (`?column?`).
/// 428C9 if column `col` of `table` takes no value from an INSERT
/// (`insert`) or UPDATE other than DEFAULT: GENERATED ALWAYS identity and
/// generated columns.
fn given_value_allowed(table: &TableInfo, col: usize, insert: bool) -> SqlResult<()> {
    let c = &table.columns[col];
    let detail = match c.generation {
        Generation::IdentityAlways => format!(
            "Column \"{}\" is an identity column defined as GENERATED ALWAYS.",
            c.name
        ),
        Generation::Stored => format!("Column \"{}\" is a generated column.", c.name),
        Generation::Plain | Generation::IdentityByDefault => return Ok(()),
    };
    let message = if insert {
        format!(
            "cannot insert a non-DEFAULT value into column \"{}\"",
            c.name
        )
    } else {
        format!("column \"{}\" can only be updated to DEFAULT", c.name)
    };
    let e = SqlError::new("428C9", message).with_detail(detail);
    Err(if insert && c.generation == Generation::IdentityAlways {
        e.with_hint("Use OVERRIDING SYSTEM VALUE to override.")
    } else {
        e
    })
}

fn label_strength(e: &ast::Expr) -> u8 {
    use ast::Expr as A;
    match e {
        A::Identifier(_)
        | A::CompoundIdentifier(_)
        | A::Function(_)
        | A::Exists { .. }
        | A::Extract { .. }
        | A::Substring { .. }
        | A::Position { .. }
        | A::Trim { .. }
        | A::Ceil { .. }
        | A::Floor { .. }
        | A::Array(_) => 2,
        A::CompoundFieldAccess { root, .. } => label_strength(root),
        A::Cast { expr, .. } => label_strength(expr).max(1),
        A::Nested(inner) | A::Collate { expr: inner, .. } => label_strength(inner),
        A::Subquery(q) => match q.body.as_ref() {
            ast::SetExpr::Select(s) => match s.projection.first() {
                Some(ast::SelectItem::UnnamedExpr(e)) => label_strength(e),
                Some(ast::SelectItem::ExprWithAlias { .. }) => 2,
                _ => 0,
            },
            _ => 0,
        },
        A::Case { .. } | A::TypedString(_) | A::Interval(_) => 1,
        _ => 0,
    }
}

fn type_label(dt: &ast::DataType) -> String {
    match parse_type_name(dt) {
        Ok(ty) => match ty.oid.elem_type().unwrap_or(ty.oid) {
            TypeOid::BPCHAR => "bpchar".into(),
            TypeOid::VARCHAR => "varchar".into(),
            TypeOid::TIMESTAMPTZ => "timestamptz".into(),
            other => other.typname().unwrap_or("?column?").to_string(),
        },
        Err(_) => "?column?".into(),
    }
}

fn aggregate_call(
    name: &str,
    args: Vec<Expr>,
    star: bool,
    distinct: bool,
    filter: Option<Expr>,
) -> SqlResult<AggCall> {
    let bad = |args: &[Expr]| {
        let sig: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
        SqlError::undefined_function(&format!("{name}({})", sig.join(", ")))
    };
    if star {
        if name != "count" {
            return Err(SqlError::syntax(format!("{name}(*) is not allowed")));
        }
        return Ok(AggCall {
            func: AggFunc::CountStar,
            args: vec![],
            distinct: false,
            filter,
            order_by: Vec::new(),
            typ: t(TypeOid::INT8),
        });
    }
    let want = match name {
        "string_agg" | "json_object_agg" | "jsonb_object_agg" => 2,
        _ => 1,
    };
    if args.len() != want {
        return Err(bad(&args));
    }
    let mut args = args;
    let arg_t = args[0].typ();
    // sum and avg have several numeric candidates and none is preferred
    // for an unknown literal: PostgreSQL calls the call ambiguous.
    if matches!(name, "sum" | "avg")
        && arg_t.oid == TypeOid::UNKNOWN
        && matches!(args[0], Expr::Const(..))
    {
        return Err(SqlError::new(
            "42725",
            format!("function {name}(unknown) is not unique"),
        )
        .with_hint("Could not choose a best candidate function. You might need to add explicit type casts."));
    }
    let (func, typ) = match name {
        "count" => (AggFunc::Count, t(TypeOid::INT8)),
        "sum" => {
            let rt = match arg_t.oid {
                TypeOid::INT2 | TypeOid::INT4 => TypeOid::INT8,
                TypeOid::INT8 | TypeOid::NUMERIC | TypeOid::UNKNOWN => TypeOid::NUMERIC,
                TypeOid::FLOAT4 => TypeOid::FLOAT4,
                TypeOid::FLOAT8 => TypeOid::FLOAT8,
                TypeOid::INTERVAL => TypeOid::INTERVAL,
                _ => return Err(bad(&args)),
            };
            if arg_t.oid == TypeOid::UNKNOWN {
                let a0 = args.remove(0);
                args.insert(0, coerce(a0, t(TypeOid::NUMERIC), CastContext::Implicit)?);
            }
            (AggFunc::Sum, t(rt))
        }
        "avg" => {
            let rt = match arg_t.oid {
                TypeOid::INT2
                | TypeOid::INT4
                | TypeOid::INT8
                | TypeOid::NUMERIC
                | TypeOid::UNKNOWN => TypeOid::NUMERIC,
                TypeOid::FLOAT4 | TypeOid::FLOAT8 => TypeOid::FLOAT8,
                TypeOid::INTERVAL => TypeOid::INTERVAL,
                _ => return Err(bad(&args)),
            };
            if arg_t.oid == TypeOid::UNKNOWN {
                let a0 = args.remove(0);
                args.insert(0, coerce(a0, t(TypeOid::NUMERIC), CastContext::Implicit)?);
            }
            (AggFunc::Avg, t(rt))
        }
        "min" | "max" => {
            if arg_t.oid == TypeOid::UNKNOWN {
                let a0 = args.remove(0);
                args.insert(0, coerce(a0, t(TypeOid::TEXT), CastContext::Implicit)?);
            }
            let ty = args[0].typ();
            if matches!(ty.oid, TypeOid::JSON | TypeOid::JSONB) {
                return Err(bad(&args));
            }
            (
                if name == "min" {
                    AggFunc::Min
                } else {
                    AggFunc::Max
                },
                SqlType::new(ty.oid),
            )
        }
        "bool_and" | "every" | "bool_or" => {
            let a0 = args.remove(0);
            args.insert(
                0,
                coerce(a0, t(TypeOid::BOOL), CastContext::Implicit).map_err(|_| bad(&[]))?,
            );
            (
                if name == "bool_or" {
                    AggFunc::BoolOr
                } else {
                    AggFunc::BoolAnd
                },
                t(TypeOid::BOOL),
            )
        }
        "array_agg" => {
            if arg_t.oid == TypeOid::UNKNOWN {
                return Err(SqlError::new(
                    "42725",
                    "function array_agg(unknown) is not unique",
                )
                .with_hint("Could not choose a best candidate function. You might need to add explicit type casts."));
            }
            let typ = super::array::array_of(SqlType::new(args[0].typ().oid))?;
            (AggFunc::ArrayAgg, typ)
        }
        "json_agg" | "jsonb_agg" | "json_object_agg" | "jsonb_object_agg" => {
            let binary = name.starts_with("jsonb");
            let object = name.ends_with("object_agg");
            if !object && arg_t.oid == TypeOid::UNKNOWN {
                return Err(SqlError::new(
                    "42804",
                    "could not determine polymorphic type because input has type unknown",
                ));
            }
            args = args
                .into_iter()
                .map(|a| {
                    if a.typ().oid == TypeOid::UNKNOWN {
                        coerce(a, t(TypeOid::TEXT), CastContext::Implicit)
                    } else {
                        Ok(a)
                    }
                })
                .collect::<SqlResult<_>>()?;
            let typ = t(if binary {
                TypeOid::JSONB
            } else {
                TypeOid::JSON
            });
            if object {
                (AggFunc::JsonObjectAgg { binary }, typ)
            } else {
                (AggFunc::JsonAgg { binary }, typ)
            }
        }
        "string_agg" => {
            let sep = coerce(args.remove(1), t(TypeOid::TEXT), CastContext::Implicit)?;
            let v = coerce(args.remove(0), t(TypeOid::TEXT), CastContext::Implicit)?;
            args = vec![v, sep];
            (AggFunc::StringAgg, t(TypeOid::TEXT))
        }
        "variance" | "var_samp" | "var_pop" | "stddev" | "stddev_samp" | "stddev_pop" => {
            let rt = match arg_t.oid {
                TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8 | TypeOid::NUMERIC => {
                    TypeOid::NUMERIC
                }
                TypeOid::FLOAT4 | TypeOid::FLOAT8 => TypeOid::FLOAT8,
                _ => return Err(bad(&args)),
            };
            let func = match name {
                "var_pop" => AggFunc::VarPop,
                "stddev" | "stddev_samp" => AggFunc::StddevSamp,
                "stddev_pop" => AggFunc::StddevPop,
                _ => AggFunc::VarSamp,
            };
            (func, t(rt))
        }
        _ => return Err(bad(&args)),
    };
    Ok(AggCall {
        func,
        args,
        distinct,
        filter,
        order_by: Vec::new(),
        typ,
    })
}

/// Gives a FOR UPDATE query's ORDER BY to its LockRows node, so rows are
/// locked one at a time as a LIMIT pulls them rather than all before a
/// sort (a job queue's `ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`
/// locks one row). `sort_keys` are over the select list `exprs`; each is
/// rewritten over the table row, and the sort above is then not needed.
fn push_order_into_lock_rows(plan: &mut Plan, sort_keys: &mut Vec<SortKey>, exprs: &[Expr]) {
    let Plan::LockRows { order, .. } = plan else {
        return;
    };
    let mut over_row = Vec::with_capacity(sort_keys.len());
    for k in sort_keys.iter() {
        let Expr::Column(i, _) = k.expr else {
            return;
        };
        let Some(e) = exprs.get(i) else {
            return;
        };
        over_row.push(SortKey {
            expr: e.clone(),
            descending: k.descending,
            nulls_first: k.nulls_first,
        });
    }
    *order = over_row;
    sort_keys.clear();
}
