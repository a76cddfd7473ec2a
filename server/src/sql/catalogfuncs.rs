//! System information functions that read the catalog (PostgreSQL's
//! `ruleutils.c`, `format_type.c`, `dbsize.c`, `namespace.c` visibility
//! tests, `regproc.c` output): what psql's meta-commands and drivers call.
//!
//! | function                                   | returns | here                                          |
//! |--------------------------------------------|---------|-----------------------------------------------|
//! | `pg_get_userbyid(oid)`                     | name    | `pg_authid.rolname`, or `unknown (OID=n)`     |
//! | `pg_table_is_visible(oid)`                 | bool    | found first by its name on the search path    |
//! | `pg_type_is_visible(oid)`                  | bool    | built-in types live in `pg_catalog`: true     |
//! | `format_type(oid, typmod)`                 | text    | SQL spelling with modifier (`character varying(100)`) |
//! | `pg_get_expr(text, oid [, bool])`          | text    | a stored default's text (SQL value functions upper-cased) |
//! | `pg_get_indexdef(oid [, int, bool])`       | text    | `CREATE [UNIQUE] INDEX ... USING btree (...)` (column `n` alone when `n > 0`) |
//! | `pg_get_constraintdef(oid [, bool])`       | text    | `PRIMARY KEY (a, b)`, `UNIQUE (a)`, `CHECK ((a > 0))` |
//! | `pg_get_viewdef(oid [, bool])`             | text    | the view's stored query (its `*`s expanded), not PostgreSQL's deparsed layout |
//! | `pg_get_ruledef(oid [, bool])`             | text    | a view's `CREATE RULE "_RETURN" AS ON SELECT ... DO INSTEAD` over that query |
//! | `pg_relation_size(regclass [, fork])`, `pg_table_size`, `pg_indexes_size`, `pg_total_relation_size` | bigint | file sizes in bytes |
//! | `pg_size_pretty(bigint)`                   | text    | `8192 bytes`, `16 kB`, ... as PostgreSQL rounds |
//! | `pg_encoding_to_char(int)`                 | name    | `UTF8` (the only encoding)                    |
//! | `current_setting(text [, bool])`           | text    | the session's setting, as `SHOW` shows it     |
//! | `pg_get_serial_sequence(text, text)`       | text    | `schema.sequence` a serial column owns        |
//! | `regclass`/`regtype`/`regnamespace`/`regrole`/`regproc` to text | text | the object's name (quoted, schema-qualified when not visible) |
//!
//! Each runs with the statement's snapshot, so it sees the catalog as the
//! statement does (its own uncommitted DDL included). Functions whose
//! subject heapgres lacks are bound as constants elsewhere
//! ([`super::func`]): `obj_description` and friends are NULL (there is no
//! `COMMENT`), privilege tests are true (every role is a superuser).
//! `set_config(name, value, is_local)` checks the name and value when it
//! is called and returns the new value; the session applies it, as `SET
//! [LOCAL]` would, when the statement succeeds, so `current_setting()` in
//! the same statement still shows the old value.

use storage::catalog::defs::{PG_AUTHID, PG_CLASS, PG_CONSTRAINT, PG_DEPEND, PG_INDEX};
use storage::catalog::{FkAction, ForeignKey, TableInfo};
use storage::datum::{Datum, SqlType, TypeOid};
use storage::engine::Engine;
use storage::txn::Snapshot;
use storage::types::{ForkNumber, Oid};

use super::bind::{coerce, quote_ident};
use super::cast::CastContext;
use super::expr::{Expr, SessionEnv};
use super::func::Builtin;
use crate::error::{SqlError, SqlResult};
use crate::guc::Settings;

/// A catalog-reading function, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogFn {
    /// `pg_get_userbyid(oid)`
    GetUserById,
    /// `pg_table_is_visible(oid)`
    TableIsVisible,
    /// `pg_type_is_visible(oid)`
    TypeIsVisible,
    /// `format_type(oid, typmod)`
    FormatType,
    /// `pg_get_expr(expr, relation [, pretty])`
    GetExpr,
    /// `pg_get_indexdef(index [, column, pretty])`
    GetIndexDef,
    /// `pg_get_constraintdef(constraint [, pretty])`
    GetConstraintDef,
    /// `pg_get_viewdef(view [, pretty])`
    GetViewDef,
    /// `pg_get_ruledef(rule [, pretty])`
    GetRuleDef,
    /// `pg_relation_size(rel [, fork])`: one fork of one relation.
    RelationSize,
    /// `pg_table_size(rel)`: every fork of the relation.
    TableSize,
    /// `pg_indexes_size(rel)`: every fork of its indexes.
    IndexesSize,
    /// `pg_total_relation_size(rel)`: table and indexes.
    TotalRelationSize,
    /// `pg_size_pretty(bigint)`
    SizePretty,
    /// `pg_encoding_to_char(int)`
    EncodingToChar,
    /// The output function of a `reg*` type (the type named).
    RegOut(TypeOid),
    /// `quote_ident(text)`
    QuoteIdent,
    /// `current_setting(name [, missing_ok])`: a setting as `SHOW` shows it.
    CurrentSetting,
    /// `set_config(name, value, is_local)`
    SetConfig,
    /// `pg_get_serial_sequence(table, column)`
    GetSerialSequence,
    /// `current_schemas(include_implicit)`: the existing schemas of the
    /// search path, `pg_catalog` first when implicit ones are included
    /// (pgjdbc's type lookups and pgbench's partition probe use it).
    CurrentSchemas,
    /// `to_regtype(text)`: the type named, or NULL if there is none
    /// (psycopg 3 looks types up with it).
    ToRegtype,
    /// `pg_stat_get_*(oid)`: one counter of a table ([`super::statfuncs`]).
    Stat(super::statfuncs::StatField),
}

/// Whether `name`'s first parameter is a `regclass` (the size functions),
/// so that an untyped literal there is a relation's name.
pub fn takes_regclass(name: &str) -> bool {
    matches!(
        name,
        "pg_relation_size"
            | "pg_table_size"
            | "pg_indexes_size"
            | "pg_total_relation_size"
            | "pg_get_viewdef"
    )
}

/// Column `attnum` (1-based) of `table`, quoted as an identifier.
fn column_name(table: &TableInfo, attnum: i16) -> String {
    usize::try_from(attnum)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| table.columns.get(i))
        .map_or_else(String::new, |c| quote_ident(&c.name))
}

fn t(oid: TypeOid) -> SqlType {
    SqlType::new(oid)
}

/// The functions [`resolve`] binds.
const NAMES: &[&str] = &[
    "pg_get_userbyid",
    "pg_table_is_visible",
    "pg_type_is_visible",
    "format_type",
    "pg_get_expr",
    "pg_get_indexdef",
    "pg_get_constraintdef",
    "pg_relation_size",
    "pg_table_size",
    "pg_indexes_size",
    "pg_total_relation_size",
    "pg_size_pretty",
    "pg_encoding_to_char",
    "quote_ident",
    "pg_get_serial_sequence",
    "current_setting",
    "current_schemas",
    "to_regtype",
    "set_config",
    "obj_description",
    "col_description",
    "shobj_description",
    "pg_get_function_result",
    "pg_get_function_arguments",
    "pg_get_function_identity_arguments",
    "pg_get_statisticsobjdef_columns",
    "pg_get_viewdef",
    "pg_get_ruledef",
    "pg_relation_is_publishable",
    "pg_function_is_visible",
    "has_table_privilege",
    "has_schema_privilege",
    "has_database_privilege",
    "has_column_privilege",
    "has_sequence_privilege",
    "has_function_privilege",
    "has_any_column_privilege",
    "has_tablespace_privilege",
    "pg_has_role",
];

/// True if `name` is a system information function bound here.
pub fn handles(name: &str) -> bool {
    NAMES.contains(&name) || super::statfuncs::lookup(name).is_some()
}

/// The OID of built-in function `name`, for `'name'::regproc`
/// ([`super::builtin_procs`]): 42725 if several functions have the name.
pub fn builtin_proc_oid(name: &str) -> SqlResult<Option<u32>> {
    let mut found = super::builtin_procs::PROCS
        .iter()
        .filter(|p| p.name == name);
    match (found.next(), found.next()) {
        (Some(p), None) => Ok(Some(p.oid)),
        (Some(_), Some(_)) => Err(SqlError::new(
            "42725",
            format!("more than one function named \"{name}\""),
        )),
        _ => Ok(None),
    }
}

/// The name of built-in function `oid`, for regproc output (`-` for 0).
pub fn builtin_proc_name(oid: u32) -> Option<&'static str> {
    if oid == 0 {
        return Some("-");
    }
    super::builtin_procs::PROCS
        .iter()
        .find(|p| p.oid == oid)
        .map(|p| p.name)
}

/// Binds a system information function call, or `None` if `name` is not
/// one.
pub fn resolve(name: &str, args: Vec<Expr>) -> SqlResult<Option<Expr>> {
    use CatalogFn as F;
    let n = args.len();
    let bad_arity = |allowed: &[usize]| -> SqlResult<()> {
        if allowed.contains(&n) {
            return Ok(());
        }
        let types: Vec<&str> = args.iter().map(|a| a.typ().oid.sql_name()).collect();
        Err(SqlError::undefined_function(&format!(
            "{name}({})",
            types.join(", ")
        )))
    };
    if let Some(field) = super::statfuncs::lookup(name) {
        bad_arity(&[1])?;
        let args = args
            .into_iter()
            .map(|a| coerce(a, t(TypeOid::OID), CastContext::Assignment))
            .collect::<SqlResult<Vec<_>>>()?;
        return Ok(Some(Expr::Func(
            Builtin::Catalog(F::Stat(field)),
            args,
            t(field.result_type()),
        )));
    }
    // (function, argument types, result type)
    let (f, arg_types, ret): (F, &[TypeOid], TypeOid) = match name {
        "pg_get_userbyid" => (F::GetUserById, &[TypeOid::OID], TypeOid::NAME),
        "pg_table_is_visible" => (F::TableIsVisible, &[TypeOid::OID], TypeOid::BOOL),
        "pg_type_is_visible" => (F::TypeIsVisible, &[TypeOid::OID], TypeOid::BOOL),
        "format_type" => (F::FormatType, &[TypeOid::OID, TypeOid::INT4], TypeOid::TEXT),
        "pg_get_expr" => (
            F::GetExpr,
            &[TypeOid::TEXT, TypeOid::OID, TypeOid::BOOL],
            TypeOid::TEXT,
        ),
        "pg_get_indexdef" => (
            F::GetIndexDef,
            &[TypeOid::OID, TypeOid::INT4, TypeOid::BOOL],
            TypeOid::TEXT,
        ),
        "pg_get_constraintdef" => (
            F::GetConstraintDef,
            &[TypeOid::OID, TypeOid::BOOL],
            TypeOid::TEXT,
        ),
        "pg_get_viewdef" => (F::GetViewDef, &[TypeOid::OID, TypeOid::BOOL], TypeOid::TEXT),
        "pg_get_ruledef" => (F::GetRuleDef, &[TypeOid::OID, TypeOid::BOOL], TypeOid::TEXT),
        "pg_relation_size" => (
            F::RelationSize,
            &[TypeOid::REGCLASS, TypeOid::TEXT],
            TypeOid::INT8,
        ),
        "pg_table_size" => (F::TableSize, &[TypeOid::REGCLASS], TypeOid::INT8),
        "pg_indexes_size" => (F::IndexesSize, &[TypeOid::REGCLASS], TypeOid::INT8),
        "pg_total_relation_size" => (F::TotalRelationSize, &[TypeOid::REGCLASS], TypeOid::INT8),
        "pg_size_pretty" => (F::SizePretty, &[TypeOid::INT8], TypeOid::TEXT),
        "pg_encoding_to_char" => (F::EncodingToChar, &[TypeOid::INT4], TypeOid::NAME),
        "quote_ident" => (F::QuoteIdent, &[TypeOid::TEXT], TypeOid::TEXT),
        "pg_get_serial_sequence" => (
            F::GetSerialSequence,
            &[TypeOid::TEXT, TypeOid::TEXT],
            TypeOid::TEXT,
        ),
        "current_setting" => (
            F::CurrentSetting,
            &[TypeOid::TEXT, TypeOid::BOOL],
            TypeOid::TEXT,
        ),
        "set_config" => (
            F::SetConfig,
            &[TypeOid::TEXT, TypeOid::TEXT, TypeOid::BOOL],
            TypeOid::TEXT,
        ),
        "current_schemas" => (F::CurrentSchemas, &[TypeOid::BOOL], TypeOid::NAME_ARRAY),
        "to_regtype" => (F::ToRegtype, &[TypeOid::TEXT], TypeOid::REGTYPE),
        // No COMMENT yet: every description is NULL.
        "obj_description" | "col_description" | "shobj_description" => {
            bad_arity(if name == "obj_description" {
                &[1, 2]
            } else {
                &[2]
            })?;
            return Ok(Some(Expr::Const(Datum::Null, t(TypeOid::TEXT))));
        }
        // pg_proc lists no functions and there are no publications or
        // extended statistics to describe.
        "pg_get_function_result"
        | "pg_get_function_arguments"
        | "pg_get_function_identity_arguments"
        | "pg_get_statisticsobjdef_columns" => {
            bad_arity(&[1, 2])?;
            return Ok(Some(Expr::Const(Datum::Null, t(TypeOid::TEXT))));
        }
        "pg_relation_is_publishable" => {
            bad_arity(&[1])?;
            return Ok(Some(Expr::bool_const(false)));
        }
        "pg_function_is_visible" => {
            bad_arity(&[1])?;
            return Ok(Some(Expr::bool_const(true)));
        }
        // Every role is a superuser, which holds every privilege.
        "has_table_privilege"
        | "has_schema_privilege"
        | "has_database_privilege"
        | "has_column_privilege"
        | "has_sequence_privilege"
        | "has_function_privilege"
        | "has_any_column_privilege"
        | "has_tablespace_privilege"
        | "pg_has_role" => {
            bad_arity(&[2, 3, 4])?;
            return Ok(Some(Expr::bool_const(true)));
        }
        _ => {
            debug_assert!(!handles(name), "{name} is listed in NAMES but not bound");
            return Ok(None);
        }
    };
    let min = match f {
        F::GetExpr => 2,
        F::GetIndexDef
        | F::GetConstraintDef
        | F::GetViewDef
        | F::GetRuleDef
        | F::RelationSize
        | F::CurrentSetting => 1,
        _ => arg_types.len(),
    };
    if n < min || n > arg_types.len() || (f == F::GetIndexDef && n == 2) {
        bad_arity(&[])?;
    }
    let args = args
        .into_iter()
        .zip(arg_types)
        .map(|(a, ty)| {
            let ty = if f == F::SizePretty && a.typ().oid == TypeOid::NUMERIC {
                TypeOid::NUMERIC
            } else {
                *ty
            };
            coerce(a, t(ty), CastContext::Assignment)
        })
        .collect::<SqlResult<Vec<_>>>()?;
    Ok(Some(Expr::Func(Builtin::Catalog(f), args, t(ret))))
}

/// Evaluates `f`; NULL arguments give NULL (the functions are strict).
pub fn call(
    f: CatalogFn,
    args: &[Datum],
    engine: &Engine,
    snap: &Snapshot,
    env: &SessionEnv,
    settings: &Settings,
) -> SqlResult<Datum> {
    // Strict, except that format_type's type modifier may be NULL (none).
    let nulls = match f {
        CatalogFn::FormatType => &args[..1.min(args.len())],
        CatalogFn::SetConfig => &[],
        _ => args,
    };
    if nulls.iter().any(|a| matches!(a, Datum::Null)) {
        return Ok(Datum::Null);
    }
    let cat = Cat { engine, snap };
    let oid_arg = |i: usize| -> SqlResult<Oid> {
        match args.get(i) {
            Some(Datum::Oid(o)) => Ok(Oid(*o)),
            Some(Datum::Int4(o)) => Ok(Oid(*o as u32)),
            Some(Datum::Int8(o)) => Ok(Oid(*o as u32)),
            _ => Err(SqlError::internal(
                "catalog function argument is not an oid",
            )),
        }
    };
    let text = |s: String| Ok(Datum::Text(s));
    match f {
        CatalogFn::Stat(field) => super::statfuncs::call(field, oid_arg(0)?, engine, snap),
        CatalogFn::GetUserById => {
            let role = oid_arg(0)?;
            text(
                cat.role_name(role)?
                    .unwrap_or_else(|| format!("unknown (OID={})", role.0)),
            )
        }
        CatalogFn::TableIsVisible => {
            let rel = oid_arg(0)?;
            let Some((ns, name)) = cat.class_name(rel)? else {
                return Ok(Datum::Null);
            };
            Ok(Datum::Bool(cat.visible_relation(&name, env)? == Some(ns)))
        }
        CatalogFn::TypeIsVisible => Ok(Datum::Bool(TypeOid(oid_arg(0)?.0).typname().is_some())),
        CatalogFn::FormatType => {
            let t = TypeOid(oid_arg(0)?.0);
            match args.get(1) {
                Some(Datum::Int4(m)) => text(format_type(t, *m)),
                // Without a modifier, bpchar is spelled as SQL spells it.
                _ if t == TypeOid::BPCHAR => text("character".into()),
                _ => text(format_type(t, -1)),
            }
        }
        CatalogFn::GetExpr => match args.first() {
            Some(Datum::Text(s)) => {
                let e = deparse_default(s);
                // Pretty-printing drops the outermost parentheses.
                if matches!(args.get(2), Some(Datum::Bool(true))) {
                    text(strip_outer_parens(&e).to_string())
                } else {
                    text(e)
                }
            }
            _ => Ok(Datum::Null),
        },
        CatalogFn::GetIndexDef => {
            let column = match args.get(1) {
                Some(Datum::Int4(n)) => *n,
                _ => 0,
            };
            Ok(cat
                .index_def(oid_arg(0)?, column)?
                .map_or(Datum::Null, Datum::Text))
        }
        CatalogFn::GetConstraintDef => Ok(cat
            .constraint_def(
                oid_arg(0)?,
                matches!(args.get(1), Some(Datum::Bool(true))),
                env,
            )?
            .map_or(Datum::Null, Datum::Text)),
        CatalogFn::GetViewDef => Ok(cat.view_def(oid_arg(0)?)?.map_or(Datum::Null, Datum::Text)),
        CatalogFn::GetRuleDef => Ok(cat.rule_def(oid_arg(0)?)?.map_or(Datum::Null, Datum::Text)),
        CatalogFn::RelationSize
        | CatalogFn::TableSize
        | CatalogFn::IndexesSize
        | CatalogFn::TotalRelationSize => {
            let fork = match args.get(1) {
                Some(Datum::Text(s)) => Some(fork_by_name(s)?),
                _ => None,
            };
            cat.size(f, oid_arg(0)?, fork)
        }
        CatalogFn::SizePretty => match args.first() {
            Some(Datum::Int8(n)) => text(size_pretty(*n)),
            Some(Datum::Numeric(n)) => text(size_pretty(n.to_i64().unwrap_or(i64::MAX))),
            _ => Ok(Datum::Null),
        },
        CatalogFn::CurrentSetting => {
            let Some(Datum::Text(name)) = args.first() else {
                return Ok(Datum::Null);
            };
            match settings.get(name) {
                Some(v) => text(v.to_string()),
                None if matches!(args.get(1), Some(Datum::Bool(true))) => Ok(Datum::Null),
                None => Err(SqlError::new(
                    "42704",
                    format!("unrecognized configuration parameter \"{name}\""),
                )),
            }
        }
        CatalogFn::SetConfig => {
            // Not strict: a NULL value resets, a NULL is_local is false.
            let Some(Datum::Text(name)) = args.first() else {
                return Err(SqlError::new("22004", "SET requires parameter name"));
            };
            let value = match args.get(1) {
                Some(Datum::Text(v)) => Some(v.clone()),
                _ => None,
            };
            let local = matches!(args.get(2), Some(Datum::Bool(true)));
            let mut probe = settings.clone();
            let shown = match &value {
                Some(v) => probe.set(name, v, false)?.1,
                None => {
                    let reset = env.reset_settings.get(name).unwrap_or("").to_string();
                    probe.set(name, &reset, false)?.1
                }
            };
            env.set_configs.borrow_mut().push(super::expr::SetConfig {
                name: name.clone(),
                value,
                local,
            });
            text(shown)
        }
        CatalogFn::GetSerialSequence => match (args.first(), args.get(1)) {
            (Some(Datum::Text(table)), Some(Datum::Text(column))) => Ok(cat
                .serial_sequence(table, column, env)?
                .map_or(Datum::Null, Datum::Text)),
            _ => Ok(Datum::Null),
        },
        CatalogFn::CurrentSchemas => {
            let mut names = Vec::new();
            if matches!(args.first(), Some(Datum::Bool(true))) {
                names.push(Datum::Text("pg_catalog".into()));
            }
            for schema in &env.search_path {
                let listed = names
                    .iter()
                    .any(|n| matches!(n, Datum::Text(s) if s == schema));
                if !listed
                    && cat
                        .engine
                        .catalog
                        .namespace_oid(schema, cat.snap)?
                        .is_some()
                {
                    names.push(Datum::Text(schema.clone()));
                }
            }
            Ok(Datum::Array(std::sync::Arc::new(
                storage::datum::Array::new(names),
            )))
        }
        CatalogFn::ToRegtype => {
            let Some(Datum::Text(name)) = args.first() else {
                return Ok(Datum::Null);
            };
            let typ = super::parse::parse_data_type(name)
                .and_then(|dt| super::bind::parse_type_name(&dt))
                .ok()
                .filter(|t| t.oid.typname().is_some());
            Ok(typ.map_or(Datum::Null, |t| Datum::Oid(t.oid.0)))
        }
        CatalogFn::QuoteIdent => match args.first() {
            Some(Datum::Text(s)) => text(quote_ident(s)),
            _ => Ok(Datum::Null),
        },
        CatalogFn::EncodingToChar => match args.first() {
            Some(Datum::Int4(6)) => text("UTF8".into()),
            Some(Datum::Int4(0)) => text("SQL_ASCII".into()),
            _ => text(String::new()),
        },
        CatalogFn::RegOut(t) => {
            let o = oid_arg(0)?;
            let name = match t {
                TypeOid::REGCLASS => cat.regclass_out(o, env)?,
                TypeOid::REGTYPE => TypeOid(o.0)
                    .typname()
                    .map(|_| format_type(TypeOid(o.0), -1)),
                TypeOid::REGNAMESPACE => cat.namespace_name(o)?.map(|n| quote_ident(&n)),
                TypeOid::REGROLE => cat.role_name(o)?.map(|n| quote_ident(&n)),
                TypeOid::REGPROC => builtin_proc_name(o.0).map(str::to_string),
                _ => None,
            };
            text(name.unwrap_or_else(|| o.0.to_string()))
        }
    }
}

/// The statement's view of the catalog.
struct Cat<'a> {
    engine: &'a Engine,
    snap: &'a Snapshot,
}

fn oid_of(d: &Datum) -> Oid {
    match d {
        Datum::Oid(o) => Oid(*o),
        _ => Oid(0),
    }
}

fn text_of(d: &Datum) -> &str {
    match d {
        Datum::Text(s) => s,
        _ => "",
    }
}

impl Cat<'_> {
    fn role_name(&self, role: Oid) -> SqlResult<Option<String>> {
        let mut found = None;
        self.engine
            .catalog
            .scan_table(&PG_AUTHID, self.snap, |_, row| {
                if oid_of(&row[0]) == role {
                    found = Some(text_of(&row[1]).to_string());
                    return Ok(false);
                }
                Ok(true)
            })?;
        Ok(found)
    }

    fn namespace_name(&self, ns: Oid) -> SqlResult<Option<String>> {
        Ok(self.engine.catalog.namespace_name(ns, self.snap)?)
    }

    /// (namespace, relname) of relation `rel`.
    fn class_name(&self, rel: Oid) -> SqlResult<Option<(Oid, String)>> {
        let ns_col = PG_CLASS.col("relnamespace");
        let mut found = None;
        self.engine
            .catalog
            .scan_table(&PG_CLASS, self.snap, |_, row| {
                if oid_of(&row[0]) == rel {
                    found = Some((oid_of(&row[ns_col]), text_of(&row[1]).to_string()));
                    return Ok(false);
                }
                Ok(true)
            })?;
        Ok(found)
    }

    /// The schema in which an unqualified `name` resolves: the first on
    /// the search path (`pg_catalog` implicitly first) holding a relation
    /// of that name.
    fn visible_relation(&self, name: &str, env: &SessionEnv) -> SqlResult<Option<Oid>> {
        let ns_col = PG_CLASS.col("relnamespace");
        let mut holders = Vec::new();
        self.engine
            .catalog
            .scan_table(&PG_CLASS, self.snap, |_, row| {
                if text_of(&row[1]) == name {
                    holders.push(oid_of(&row[ns_col]));
                }
                Ok(true)
            })?;
        if holders.is_empty() {
            return Ok(None);
        }
        let mut path: Vec<&str> = env.temp_schema.iter().map(String::as_str).collect();
        path.push("pg_catalog");
        path.extend(env.search_path.iter().map(String::as_str));
        for schema in path {
            let ns = self.engine.catalog.namespace_oid(schema, self.snap)?;
            if let Some(ns) = ns
                && holders.contains(&ns)
            {
                return Ok(Some(ns));
            }
        }
        Ok(None)
    }

    fn regclass_out(&self, rel: Oid, env: &SessionEnv) -> SqlResult<Option<String>> {
        let Some((ns, name)) = self.class_name(rel)? else {
            return Ok(super::sysviews::name_of_virtual(rel).map(str::to_string));
        };
        if self.visible_relation(&name, env)? == Some(ns) {
            return Ok(Some(quote_ident(&name)));
        }
        let schema = self.namespace_name(ns)?.unwrap_or_default();
        Ok(Some(format!(
            "{}.{}",
            quote_ident(&schema),
            quote_ident(&name)
        )))
    }

    /// The sequence owned by `table.column` (a serial column's), as
    /// `schema.name`: `table` is parsed as SQL parses a name (case-folded
    /// unless quoted), `column` is taken literally, as in PostgreSQL.
    fn serial_sequence(
        &self,
        table: &str,
        column: &str,
        env: &SessionEnv,
    ) -> SqlResult<Option<String>> {
        let (schema, name) = super::bind::parse_qualified_name(table)?;
        let ns = match &schema {
            Some(s) => self.engine.catalog.namespace_oid(s, self.snap)?,
            None => self.visible_relation(&name, env)?,
        };
        let Some(ns) = ns else {
            return Err(SqlError::undefined_table(table));
        };
        let ns_name = self.namespace_name(ns)?.unwrap_or_default();
        let Some(info) = self
            .engine
            .catalog
            .lookup_table(ns, &ns_name, &name, self.snap, false)?
        else {
            return Err(SqlError::undefined_table(table));
        };
        let Some(attnum) = info.columns.iter().position(|c| c.name == column) else {
            return Err(SqlError::new(
                "42703",
                format!("column \"{column}\" of relation \"{name}\" does not exist"),
            ));
        };
        let attnum = attnum as i32 + 1;
        let mut seq = None;
        self.engine
            .catalog
            .scan_table(&PG_DEPEND, self.snap, |_, row| {
                if oid_of(&row[4]) == info.oid
                    && matches!(row[5], Datum::Int4(n) if n == attnum)
                    && matches!(text_of(&row[6]), "a" | "i")
                    && oid_of(&row[0]) == PG_CLASS.oid
                {
                    seq = Some(oid_of(&row[1]));
                    return Ok(false);
                }
                Ok(true)
            })?;
        let Some(seq) = seq else {
            return Ok(None);
        };
        let Some((seq_ns, seq_name)) = self.class_name(seq)? else {
            return Ok(None);
        };
        let seq_schema = self.namespace_name(seq_ns)?.unwrap_or_default();
        Ok(Some(format!(
            "{}.{}",
            quote_ident(&seq_schema),
            quote_ident(&seq_name)
        )))
    }

    /// `CREATE [UNIQUE] INDEX name ON schema.table USING btree (cols)`, or
    /// column `column`'s name alone when `column > 0`.
    fn index_def(&self, index: Oid, column: i32) -> SqlResult<Option<String>> {
        let mut table = None;
        self.engine
            .catalog
            .scan_table(&PG_INDEX, self.snap, |_, row| {
                if oid_of(&row[0]) == index {
                    table = Some(oid_of(&row[1]));
                    return Ok(false);
                }
                Ok(true)
            })?;
        let Some(table) = table else {
            return Ok(None);
        };
        let Some(info) = self.engine.catalog.table_by_oid(table, self.snap)? else {
            return Ok(None);
        };
        let Some(ix) = info.indexes.iter().find(|i| i.oid == index) else {
            return Ok(None);
        };
        let col_name = |c: usize| {
            info.columns
                .get(c)
                .map_or_else(|| "?".to_string(), |c| quote_ident(&c.name))
        };
        if column > 0 {
            return Ok(usize::try_from(column - 1)
                .ok()
                .and_then(|k| ix.columns.get(k))
                .map(|c| col_name(*c)));
        }
        let keys: Vec<String> = ix
            .columns
            .iter()
            .zip(&ix.orders)
            .map(|(c, o)| {
                let mut s = col_name(*c);
                if o.descending {
                    s.push_str(" DESC");
                }
                match (o.descending, o.nulls_first) {
                    (false, false) | (true, true) => {}
                    (false, true) => s.push_str(" NULLS FIRST"),
                    (true, false) => s.push_str(" NULLS LAST"),
                }
                s
            })
            .collect();
        Ok(Some(format!(
            "CREATE {}INDEX {} ON {}.{} USING btree ({})",
            if ix.unique { "UNIQUE " } else { "" },
            quote_ident(&ix.name),
            quote_ident(&info.schema),
            quote_ident(&info.name),
            keys.join(", ")
        )))
    }

    fn constraint_def(
        &self,
        con: Oid,
        pretty: bool,
        env: &SessionEnv,
    ) -> SqlResult<Option<String>> {
        let (type_col, rel_col, key_col, bin_col) = (
            PG_CONSTRAINT.col("contype"),
            PG_CONSTRAINT.col("conrelid"),
            PG_CONSTRAINT.col("conkey"),
            PG_CONSTRAINT.col("conbin"),
        );
        let mut found = None;
        self.engine
            .catalog
            .scan_table(&PG_CONSTRAINT, self.snap, |_, row| {
                if oid_of(&row[0]) == con {
                    found = Some((
                        text_of(&row[type_col]).to_string(),
                        oid_of(&row[rel_col]),
                        text_of(&row[key_col]).to_string(),
                        text_of(&row[bin_col]).to_string(),
                    ));
                    return Ok(false);
                }
                Ok(true)
            })?;
        let Some((kind, rel, keys, expr)) = found else {
            return Ok(None);
        };
        if kind == "c" {
            return Ok(Some(check_def(&expr, pretty)));
        }
        let Some(info) = self.engine.catalog.table_by_oid(rel, self.snap)? else {
            return Ok(None);
        };
        if kind == "f" {
            let Some(fk) = info.foreign_keys.iter().find(|f| f.oid == con) else {
                return Ok(None);
            };
            return self.foreign_key_def(&info, fk, env);
        }
        let cols: Vec<String> = keys
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .filter_map(|n| n.trim().parse::<i16>().ok())
            .map(|n| column_name(&info, n))
            .collect();
        let what = match kind.as_str() {
            "p" => "PRIMARY KEY",
            "u" => "UNIQUE",
            other => {
                return Err(SqlError::unsupported(format!(
                    "pg_get_constraintdef of a constraint of type '{other}'"
                )));
            }
        };
        Ok(Some(format!("{what} ({})", cols.join(", "))))
    }

    /// `FOREIGN KEY (a) REFERENCES t(b) ON UPDATE ... ON DELETE ...`, the
    /// actions only when not NO ACTION, as `ruleutils.c` prints it.
    fn foreign_key_def(
        &self,
        info: &TableInfo,
        fk: &ForeignKey,
        env: &SessionEnv,
    ) -> SqlResult<Option<String>> {
        let Some(target) = self.engine.catalog.table_by_oid(fk.ref_rel, self.snap)? else {
            return Ok(None);
        };
        let Some(target_name) = self.regclass_out(fk.ref_rel, env)? else {
            return Ok(None);
        };
        let names = |t: &TableInfo, cols: &[i16]| -> String {
            let v: Vec<String> = cols.iter().map(|n| column_name(t, *n)).collect();
            v.join(", ")
        };
        let mut def = format!(
            "FOREIGN KEY ({}) REFERENCES {target_name}({})",
            names(info, &fk.cols),
            names(&target, &fk.ref_cols)
        );
        for (what, action) in [("UPDATE", fk.on_update), ("DELETE", fk.on_delete)] {
            if action != FkAction::NoAction {
                def.push_str(&format!(" ON {what} {}", action.sql()));
            }
        }
        Ok(Some(def))
    }

    /// Sizes in bytes, as `dbsize.c` adds them up.
    /// A view's query as `pg_get_viewdef` returns it: the stored text
    /// (not PostgreSQL's deparsed layout), led by a space and ended by `;`
    /// as PostgreSQL's is.
    fn view_def(&self, view: Oid) -> SqlResult<Option<String>> {
        let info = self.engine.catalog.table_by_oid(view, self.snap)?;
        Ok(info
            .and_then(|v| v.view_query.clone())
            .map(|q| format!(" {q};")))
    }

    /// A view's `_RETURN` rule as `pg_get_ruledef` spells it.
    fn rule_def(&self, rule: Oid) -> SqlResult<Option<String>> {
        let catalog = &self.engine.catalog;
        let Some(view) = catalog.rule_relation(rule, self.snap)? else {
            return Ok(None);
        };
        let Some(info) = catalog.table_by_oid(view, self.snap)? else {
            return Ok(None);
        };
        Ok(info.view_query.as_ref().map(|q| {
            format!(
                "CREATE RULE \"_RETURN\" AS\n    ON SELECT TO {}.{} DO INSTEAD  {q};",
                quote_ident(&info.schema),
                quote_ident(&info.name)
            )
        }))
    }

    fn size(&self, f: CatalogFn, rel: Oid, fork: Option<ForkNumber>) -> SqlResult<Datum> {
        let Some(info) = self.engine.catalog.table_by_oid(rel, self.snap)? else {
            return Ok(Datum::Null);
        };
        let smgr = self.engine.pool.smgr();
        let fork_bytes = |loc, fork| -> SqlResult<i64> {
            if !smgr.exists(loc, fork) {
                return Ok(0);
            }
            Ok(i64::from(smgr.nblocks(loc, fork)?.0) * storage::page::BLCKSZ as i64)
        };
        let all_forks = |loc| -> SqlResult<i64> {
            let mut total = 0;
            for fork in [ForkNumber::Main, ForkNumber::Fsm, ForkNumber::VisibilityMap] {
                total += fork_bytes(loc, fork)?;
            }
            Ok(total)
        };
        let indexes = || -> SqlResult<i64> {
            let mut total = 0;
            for ix in &info.indexes {
                total += all_forks(ix.locator)?;
            }
            Ok(total)
        };
        let bytes = match f {
            CatalogFn::RelationSize => fork_bytes(info.locator, fork.unwrap_or(ForkNumber::Main))?,
            CatalogFn::TableSize => all_forks(info.locator)?,
            CatalogFn::IndexesSize => indexes()?,
            _ => all_forks(info.locator)? + indexes()?,
        };
        Ok(Datum::Int8(bytes))
    }
}

fn fork_by_name(s: &str) -> SqlResult<ForkNumber> {
    match s {
        "main" => Ok(ForkNumber::Main),
        "fsm" => Ok(ForkNumber::Fsm),
        "vm" => Ok(ForkNumber::VisibilityMap),
        _ => Err(SqlError::new("22023", "invalid fork name".to_string())
            .with_hint("Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\".")),
    }
}

/// A check constraint as `pg_get_constraintdef` prints it. heapgres keeps
/// the expression's SQL text; PostgreSQL deparses the expression, which
/// (unless `pretty`) puts an operator expression in parentheses:
/// `CHECK ((a > 0))`, pretty `CHECK (a > 0)`. Nested operators are not
/// re-parenthesized here (PostgreSQL prints `((k < (v + 100)))`).
fn check_def(expr: &str, pretty: bool) -> String {
    if pretty {
        return format!("CHECK ({expr})");
    }
    let simple = expr
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '"' || c == '.');
    let wrapped = expr.starts_with('(') && balanced_outer(expr);
    if simple || wrapped {
        format!("CHECK ({expr})")
    } else {
        format!("CHECK (({expr}))")
    }
}

/// True if the parenthesis opening `s` closes at its last character.
fn balanced_outer(s: &str) -> bool {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 < s.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// `format_type(type, typmod)`: the SQL spelling of a type with its
/// modifier, `???` for an unknown OID.
pub fn format_type(t: TypeOid, typmod: i32) -> String {
    if t.typname().is_none() {
        return "???".into();
    }
    if let Some(name) = t.typname()
        && let Some(elem) = name.strip_prefix('_')
        && let Some((elem, ..)) = storage::datum::types::BUILTIN_TYPES
            .iter()
            .find(|(_, n, ..)| *n == elem)
    {
        return format!("{}[]", format_type(*elem, typmod));
    }
    let base = t.sql_name();
    match t {
        TypeOid::VARCHAR | TypeOid::BPCHAR if typmod >= 4 => {
            format!("{base}({})", typmod - 4)
        }
        TypeOid::BPCHAR => "bpchar".into(),
        TypeOid::NUMERIC if typmod >= 4 => {
            let m = typmod - 4;
            format!("numeric({},{})", (m >> 16) & 0xffff, m & 0xffff)
        }
        TypeOid::TIME | TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ | TypeOid::TIMETZ
            if typmod >= 0 =>
        {
            let (head, tail) = base.split_once(' ').unwrap_or((base, ""));
            format!("{head}({typmod}) {tail}")
        }
        TypeOid::INTERVAL if typmod >= 0 => format!("interval({typmod})"),
        _ => base.to_string(),
    }
}

/// A stored default as `pg_get_expr` prints it: heapgres keeps the
/// default's SQL text; SQL value functions print in upper case, as
/// PostgreSQL deparses them.
/// `e` without one pair of parentheses enclosing all of it.
fn strip_outer_parens(e: &str) -> &str {
    let Some(inner) = e.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return e;
    };
    let mut depth = 0i32;
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return e;
                }
            }
            _ => {}
        }
    }
    if depth == 0 { inner } else { e }
}

fn deparse_default(s: &str) -> String {
    const VALUE_FUNCTIONS: &[&str] = &[
        "current_date",
        "current_time",
        "current_timestamp",
        "localtime",
        "localtimestamp",
        "current_user",
        "current_role",
        "session_user",
        "user",
        "current_catalog",
        "current_schema",
    ];
    let trimmed = s.trim();
    if VALUE_FUNCTIONS
        .iter()
        .any(|f| trimmed.eq_ignore_ascii_case(f))
    {
        return trimmed.to_uppercase();
    }
    trimmed.to_string()
}

/// `pg_size_pretty`: bytes below 10 kB, then kB, MB, GB, TB, PB, each unit
/// used while the value stays below 10240 of it (rounded half away from
/// zero, as PostgreSQL's `half_rounded`).
pub fn size_pretty(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes.unsigned_abs() < 10 * 1024 {
        return format!("{bytes} bytes");
    }
    let half_rounded = |x: i64| (x + if x < 0 { -1 } else { 1 }) / 2;
    // Shift by 9 (not 10) so one more bit remains for rounding.
    let mut size = bytes >> 9;
    let mut unit = 0;
    while unit + 1 < UNITS.len() && half_rounded(size).unsigned_abs() >= 10 * 1024 {
        size >>= 10;
        unit += 1;
    }
    format!("{} {}", half_rounded(size), UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_as_postgresql_prints_them() {
        assert_eq!(size_pretty(8192), "8192 bytes");
        assert_eq!(size_pretty(10240), "10 kB");
        assert_eq!(size_pretty(16384), "16 kB");
        assert_eq!(size_pretty(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_pretty(-20000), "-20 kB");
    }

    #[test]
    fn types_format_with_their_modifiers() {
        assert_eq!(format_type(TypeOid::VARCHAR, 104), "character varying(100)");
        assert_eq!(format_type(TypeOid::VARCHAR, -1), "character varying");
        assert_eq!(format_type(TypeOid::BPCHAR, 6), "character(2)");
        assert_eq!(
            format_type(TypeOid::NUMERIC, (10 << 16 | 2) + 4),
            "numeric(10,2)"
        );
        assert_eq!(
            format_type(TypeOid::TIMESTAMPTZ, 3),
            "timestamp(3) with time zone"
        );
        assert_eq!(format_type(TypeOid::INT4_ARRAY, -1), "integer[]");
        assert_eq!(format_type(TypeOid(1), -1), "???");
        assert_eq!(format_type(TypeOid::CHAR, -1), "\"char\"");
    }

    #[test]
    fn check_constraints_print_parenthesized() {
        assert_eq!(check_def("a > 0", false), "CHECK ((a > 0))");
        assert_eq!(check_def("a > 0", true), "CHECK (a > 0)");
        assert_eq!(check_def("flag", false), "CHECK (flag)");
        assert_eq!(
            check_def("(a > 0) AND (b > 0)", false),
            "CHECK (((a > 0) AND (b > 0)))"
        );
        assert_eq!(check_def("(a > 0)", false), "CHECK ((a > 0))");
    }
}

#[cfg(test)]
mod names {
    use super::*;

    #[test]
    fn every_listed_name_binds() {
        for name in NAMES {
            let binds = (1..=3).any(|n| {
                let args = vec![Expr::Const(Datum::Null, t(TypeOid::UNKNOWN)); n];
                match resolve(name, args) {
                    Ok(Some(_)) => true,
                    Err(e) => e.code == "0A000",
                    Ok(None) => false,
                }
            });
            assert!(binds, "{name} does not bind");
        }
    }
}
