//! The system views of `pg_catalog` and `information_schema`: SQL text over
//! the real system tables, bound like a subquery in FROM wherever a query
//! names one, so the planner joins, filters and sorts them like any table.
//!
//! Three kinds of relation live here:
//!
//! - **Views of PostgreSQL** (`pg_roles`, `pg_tables`, `pg_indexes`,
//!   `pg_sequences`, `information_schema.columns`, ...) defined over the
//!   system tables as PostgreSQL defines them, with PostgreSQL 15's column
//!   names and types.
//! - **Widened system tables** (`pg_class`, `pg_attribute`, `pg_database`,
//!   `pg_index`, `pg_constraint`, `pg_type`, `pg_namespace`): heapgres stores a prefix of PostgreSQL's
//!   columns; the view adds the rest (NULL or their one possible value) so
//!   tools that name them work (`pg_class.relchecks` is counted from
//!   `pg_constraint`). Inside a view's own definition a name
//!   means the stored table ([`SysView`] bodies are bound in "raw" mode).
//! - **Catalogs of features heapgres does not have** (`pg_inherits`,
//!   `pg_policy`, `pg_publication`, `pg_extension`, `pg_enum`, ...): empty
//!   relations with the right columns, or the fixed rows PostgreSQL has
//!   (`pg_am`, `pg_collation`, `pg_tablespace`).
//!
//! Array columns have their array types (NULL), except that `aclitem[]`
//! is `text[]`; the `int2vector` and `oidvector` columns and the arrays
//! the stored tables keep as text are `text` (`pg_index.indkey` is `1 3`,
//! `pg_constraint.conkey` is `{1,3}`).
//! `pg_stats` reads `pg_statistic`'s fixed slots (see
//! `storage::catalog::statistic`) and shows the values as `text[]` where
//! PostgreSQL shows `anyarray`.
//! The views are not rows of `pg_class`, so `\\d pg_am` finds nothing.
//! `pg_stat_activity` shows the calling session only, and `pg_locks` is
//! empty: neither reads shared server state yet. `pg_settings` is built
//! from the settings heapgres knows (see `settings_sql`).
//! `pg_stat_progress_vacuum` is PostgreSQL's definition over
//! `pg_stat_get_progress_info('VACUUM')` (see `super::srf`: one `bigint[]`
//! per running VACUUM), read when the statement runs.

use std::sync::OnceLock;

use sqlparser::ast;

use crate::error::{SqlError, SqlResult};
use storage::types::Oid;

/// A system view.
pub struct SysView {
    /// Its schema: `pg_catalog` or `information_schema`.
    pub schema: &'static str,
    /// Its name.
    pub name: &'static str,
    /// PostgreSQL's OID for it (so `'pg_catalog.pg_am'::regclass` works).
    pub oid: u32,
    /// Its definition.
    pub sql: &'static str,
}

impl SysView {
    /// True for the views of features heapgres lacks, which never have
    /// rows.
    pub fn is_empty(&self) -> bool {
        self.sql.ends_with("WHERE false")
    }
}

/// Finds the view `name` in `schema` (or, unqualified, in `pg_catalog`,
/// which is searched first).
pub fn lookup(schema: Option<&str>, name: &str) -> Option<&'static SysView> {
    VIEWS.iter().find(|v| {
        v.name == name
            && match schema {
                Some(s) => s == v.schema,
                None => v.schema == "pg_catalog",
            }
    })
}

/// True for the stored system tables that a view of the same name widens.
pub fn widens_stored_table(name: &str) -> bool {
    matches!(
        name,
        "pg_class"
            | "pg_attribute"
            | "pg_database"
            | "pg_index"
            | "pg_constraint"
            | "pg_type"
            | "pg_namespace"
    )
}

/// The name of the view with OID `oid`, for `regclass` output.
pub fn name_of_virtual(oid: Oid) -> Option<&'static str> {
    VIEWS.iter().find(|v| v.oid == oid.0).map(|v| v.name)
}

/// The OID of the view `name`, for `regclass` input.
pub fn oid_of(schema: Option<&str>, name: &str) -> Option<Oid> {
    lookup(schema, name).map(|v| Oid(v.oid))
}

/// The parsed definition of `view` (parsed once per process).
pub fn query(view: &SysView) -> SqlResult<ast::Query> {
    static PARSED: OnceLock<Vec<Result<ast::Query, String>>> = OnceLock::new();
    let all = PARSED.get_or_init(|| {
        VIEWS
            .iter()
            .map(|v| {
                let dialect = sqlparser::dialect::PostgreSqlDialect {};
                let text = if v.name == "pg_settings" {
                    settings_sql()
                } else if v.name == "pg_proc" {
                    proc_sql()
                } else {
                    v.sql.to_string()
                };
                let mut stmts = sqlparser::parser::Parser::parse_sql(&dialect, &text)
                    .map_err(|e| format!("{}.{}: {e}", v.schema, v.name))?;
                match stmts.pop() {
                    Some(ast::Statement::Query(q)) => Ok(*q),
                    _ => Err(format!("{}.{} is not a query", v.schema, v.name)),
                }
            })
            .collect()
    });
    let i = VIEWS
        .iter()
        .position(|v| std::ptr::eq(v, view))
        .ok_or_else(|| SqlError::internal("unknown system view"))?;
    all[i]
        .clone()
        .map_err(|e| SqlError::internal(format!("system view definition: {e}")))
}

/// `pg_settings`: one row per setting heapgres knows ([`crate::guc::DEFS`]),
/// its value read by `current_setting` when the view is scanned. The
/// `setting` column shows the value as `SHOW` does (`128MB`), so `unit`
/// is NULL; PostgreSQL shows the number in `unit` (`16384`, `8kB`).
fn settings_sql() -> String {
    use crate::guc::{Context, Kind};
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let rows: Vec<String> = crate::guc::DEFS
        .iter()
        .map(|d| {
            let context = match d.context {
                Context::Postmaster => "postmaster",
                Context::User => "user",
                Context::Internal => "internal",
            };
            let (vartype, min, max, enums) = match d.kind {
                Kind::Bool => ("bool", "NULL".into(), "NULL".into(), "NULL".into()),
                Kind::Int { min, max, .. } => (
                    "integer",
                    quote(&min.to_string()),
                    quote(&max.to_string()),
                    "NULL".into(),
                ),
                Kind::Real { min, max } => (
                    "real",
                    quote(&min.to_string()),
                    quote(&max.to_string()),
                    "NULL".into(),
                ),
                Kind::Text => ("string", "NULL".into(), "NULL".into(), "NULL".into()),
                Kind::Enum(values) => (
                    "enum",
                    "NULL".into(),
                    "NULL".into(),
                    quote(&format!("{{{}}}", values.join(","))),
                ),
            };
            format!(
                "({}, {}, {}, {}, {min}, {max}, {enums}, {})",
                quote(d.name),
                quote(d.description),
                quote(context),
                quote(vartype),
                quote(d.default)
            )
        })
        .collect();
    format!(
        "SELECT s.name, pg_catalog.current_setting(s.name) AS setting, NULL::text AS unit, \
         NULL::text AS category, s.short_desc, NULL::text AS extra_desc, s.context, s.vartype, \
         (CASE WHEN pg_catalog.current_setting(s.name) = s.boot_val THEN 'default' \
               ELSE 'session' END)::text AS source, s.min_val, s.max_val, s.enumvals, s.boot_val, \
         s.boot_val AS reset_val, NULL::text AS sourcefile, NULL::int4 AS sourceline, \
         false AS pending_restart \
         FROM (VALUES {}) AS s(name, short_desc, context, vartype, min_val, max_val, enumvals, boot_val)",
        rows.join(", ")
    )
}

/// `pg_proc` over [`super::builtin_procs::PROCS`], with PostgreSQL 15's
/// columns (the internal language, owner `postgres`, default costs).
fn proc_sql() -> String {
    let rows: Vec<String> = super::builtin_procs::PROCS
        .iter()
        .map(|p| {
            format!(
                "({}, '{}', '{}', {}, '{}', {}, {}, {}, '{}', '{}')",
                p.oid,
                p.name,
                p.kind,
                p.retset,
                p.volatile,
                p.strict,
                p.argtypes.split_whitespace().count(),
                p.rettype,
                p.argtypes,
                p.src
            )
        })
        .collect();
    format!(
        "SELECT p.oid::oid AS oid, p.proname::name AS proname, 11::oid AS pronamespace, \
         10::oid AS proowner, 12::oid AS prolang, 1::float4 AS procost, \
         (CASE WHEN p.proretset THEN 1000 ELSE 0 END)::float4 AS prorows, 0::oid AS provariadic, \
         0::oid::regproc AS prosupport, p.prokind::\"char\" AS prokind, false AS prosecdef, \
         false AS proleakproof, p.proisstrict AS proisstrict, p.proretset AS proretset, \
         p.provolatile::\"char\" AS provolatile, 's'::\"char\" AS proparallel, \
         p.pronargs::int2 AS pronargs, 0::int2 AS pronargdefaults, p.prorettype::oid AS prorettype, \
         p.proargtypes::text AS proargtypes, NULL::oid[] AS proallargtypes, \
         NULL::\"char\"[] AS proargmodes, NULL::text[] AS proargnames, \
         NULL::pg_node_tree AS proargdefaults, NULL::text AS protrftypes, p.prosrc::text AS prosrc, \
         NULL::text AS probin, NULL::pg_node_tree AS prosqlbody, NULL::text[] AS proconfig, \
         NULL::text[] AS proacl \
         FROM (VALUES {}) AS p(oid, proname, prokind, proretset, provolatile, proisstrict, \
         pronargs, prorettype, proargtypes, prosrc)",
        rows.join(", ")
    )
}

macro_rules! views {
    ($( $schema:literal . $name:literal = $oid:literal : $sql:expr ; )*) => {
        /// Every system view.
        pub static VIEWS: &[SysView] = &[
            $( SysView { schema: $schema, name: $name, oid: $oid, sql: $sql }, )*
        ];
    };
}

views! {
    "pg_catalog"."pg_class" = 1259: "SELECT c.oid, c.relname, c.relnamespace, c.reltype, c.reloftype, \
        c.relowner, c.relam, c.relfilenode, c.reltablespace, c.relpages, c.reltuples, c.relallvisible, \
        c.reltoastrelid, c.relhasindex, c.relisshared, c.relpersistence, c.relkind, c.relnatts, \
        (SELECT count(*) FROM pg_catalog.pg_constraint k \
         WHERE k.conrelid = c.oid AND k.contype = 'c')::int2 AS relchecks, \
        c.relhasrules, c.relhastriggers, c.relhassubclass, c.relrowsecurity, c.relforcerowsecurity, \
        c.relispopulated, c.relreplident, c.relispartition, c.relrewrite, \
        NULL::xid AS relfrozenxid, NULL::xid AS relminmxid, NULL::text[] AS relacl, \
        c.reloptions, NULL::pg_node_tree AS relpartbound \
        FROM pg_catalog.pg_class c";
    "pg_catalog"."pg_attribute" = 1249: "SELECT a.*, NULL::text[] AS attacl, NULL::text[] AS attoptions, \
        NULL::text[] AS attfdwoptions, NULL::text AS attmissingval FROM pg_catalog.pg_attribute a";
    "pg_catalog"."pg_database" = 1262: "SELECT d.*, NULL::text AS daticulocale, \
        NULL::text AS datcollversion, NULL::text[] AS datacl, 1663::oid AS dattablespace, \
        NULL::xid AS datfrozenxid, NULL::xid AS datminmxid, 0::oid AS datlastsysoid \
        FROM pg_catalog.pg_database d";
    "pg_catalog"."pg_index" = 2610: "SELECT i.*, NULL::text AS indcollation, NULL::text AS indclass, \
        NULL::pg_node_tree AS indexprs, NULL::pg_node_tree AS indpred FROM pg_catalog.pg_index i";
    "pg_catalog"."pg_constraint" = 2606: "SELECT c.*, NULL::oid[] AS conpfeqop, \
        NULL::oid[] AS conppeqop, NULL::oid[] AS conffeqop, NULL::int2[] AS confdelsetcols, \
        NULL::oid[] AS conexclop FROM pg_catalog.pg_constraint c";
    "pg_catalog"."pg_type" = 1247: "SELECT t.*, 0::oid AS typsubscript, \
        (CASE WHEN t.typcategory = 'A' THEN 750 ELSE 0 END)::oid::regproc AS typinput, \
        (CASE WHEN t.typcategory = 'A' THEN 751 ELSE 0 END)::oid::regproc AS typoutput, \
        (CASE WHEN t.typcategory = 'A' THEN 2400 ELSE 0 END)::oid::regproc AS typreceive, \
        (CASE WHEN t.typcategory = 'A' THEN 2401 ELSE 0 END)::oid::regproc AS typsend, 0::oid AS typmodin, \
        0::oid AS typmodout, 0::oid AS typanalyze, NULL::pg_node_tree AS typdefaultbin, \
        NULL::text AS typdefault, NULL::text[] AS typacl FROM pg_catalog.pg_type t";
    "pg_catalog"."pg_namespace" = 2615: "SELECT n.*, NULL::text[] AS nspacl FROM pg_catalog.pg_namespace n";
    "pg_catalog"."pg_am" = 2601: "SELECT * FROM (VALUES (2::oid, 'heap'::name, 3::regproc, 't'::\"char\"), \
        (403::oid, 'btree'::name, 330::regproc, 'i'::\"char\")) AS am(oid, amname, amhandler, amtype)";
    "pg_catalog"."pg_roles" = 0: "SELECT a.rolname, a.rolsuper, a.rolinherit, a.rolcreaterole, \
        a.rolcreatedb, a.rolcanlogin, a.rolreplication, a.rolconnlimit, '********'::text AS rolpassword, \
        a.rolvaliduntil, a.rolbypassrls, NULL::text[] AS rolconfig, a.oid FROM pg_catalog.pg_authid a";
    "pg_catalog"."pg_user" = 0: "SELECT a.rolname AS usename, a.oid AS usesysid, a.rolcreatedb AS usecreatedb, \
        a.rolsuper AS usesuper, a.rolreplication AS userepl, a.rolbypassrls AS usebypassrls, \
        '********'::text AS passwd, a.rolvaliduntil AS valuntil, NULL::text[] AS useconfig \
        FROM pg_catalog.pg_authid a WHERE a.rolcanlogin";
    "pg_catalog"."pg_auth_members" = 1261: "SELECT NULL::oid AS roleid, NULL::oid AS member, \
        NULL::oid AS grantor, NULL::bool AS admin_option WHERE false";
    "pg_catalog"."pg_proc" = 1255: "(generated: proc_sql)";
    "pg_catalog"."pg_description" = 2609: "SELECT NULL::oid AS objoid, NULL::oid AS classoid, \
        NULL::int4 AS objsubid, NULL::text AS description WHERE false";
    "pg_catalog"."pg_shdescription" = 2396: "SELECT NULL::oid AS objoid, NULL::oid AS classoid, \
        NULL::text AS description WHERE false";
    "pg_catalog"."pg_sequences" = 0: "SELECT n.nspname AS schemaname, c.relname AS sequencename, \
        pg_catalog.pg_get_userbyid(c.relowner) AS sequenceowner, s.seqtypid::regtype AS data_type, \
        s.seqstart AS start_value, s.seqmin AS min_value, s.seqmax AS max_value, \
        s.seqincrement AS increment_by, s.seqcycle AS cycle, s.seqcache AS cache_size, \
        NULL::int8 AS last_value \
        FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
        LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S'";
    "pg_catalog"."pg_views" = 0: "SELECT n.nspname AS schemaname, c.relname AS viewname, \
        pg_catalog.pg_get_userbyid(c.relowner) AS viewowner, \
        pg_catalog.pg_get_viewdef(c.oid) AS definition \
        FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.relkind = 'v'";
    "pg_catalog"."pg_matviews" = 0: "SELECT NULL::name AS schemaname, NULL::name AS matviewname, \
        NULL::name AS matviewowner, NULL::name AS tablespace, NULL::bool AS hasindexes, \
        NULL::bool AS ispopulated, NULL::text AS definition WHERE false";
    "pg_catalog"."pg_tables" = 0: "SELECT n.nspname AS schemaname, c.relname AS tablename, \
        pg_catalog.pg_get_userbyid(c.relowner) AS tableowner, NULL::name AS tablespace, \
        c.relhasindex AS hasindexes, c.relhasrules AS hasrules, c.relhastriggers AS hastriggers, \
        c.relrowsecurity AS rowsecurity \
        FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.relkind IN ('r', 'p')";
    "pg_catalog"."pg_indexes" = 0: "SELECT n.nspname AS schemaname, c.relname AS tablename, \
        i.relname AS indexname, NULL::name AS tablespace, \
        pg_catalog.pg_get_indexdef(i.oid) AS indexdef \
        FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indrelid \
        JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
        LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.relkind IN ('r', 'm', 'p') AND i.relkind IN ('i', 'I')";
    "pg_catalog"."pg_stat_all_tables" = 0: "SELECT c.oid AS relid, n.nspname AS schemaname, c.relname, \
        pg_catalog.pg_stat_get_numscans(c.oid) AS seq_scan, \
        pg_catalog.pg_stat_get_tuples_returned(c.oid) AS seq_tup_read, \
        (SELECT sum(pg_catalog.pg_stat_get_numscans(i.indexrelid)) FROM pg_catalog.pg_index i \
         WHERE i.indrelid = c.oid)::int8 AS idx_scan, \
        (SELECT sum(pg_catalog.pg_stat_get_tuples_fetched(i.indexrelid)) FROM pg_catalog.pg_index i \
         WHERE i.indrelid = c.oid)::int8 + pg_catalog.pg_stat_get_tuples_fetched(c.oid) AS idx_tup_fetch, \
        pg_catalog.pg_stat_get_tuples_inserted(c.oid) AS n_tup_ins, \
        pg_catalog.pg_stat_get_tuples_updated(c.oid) AS n_tup_upd, \
        pg_catalog.pg_stat_get_tuples_deleted(c.oid) AS n_tup_del, \
        pg_catalog.pg_stat_get_tuples_hot_updated(c.oid) AS n_tup_hot_upd, \
        pg_catalog.pg_stat_get_live_tuples(c.oid) AS n_live_tup, \
        pg_catalog.pg_stat_get_dead_tuples(c.oid) AS n_dead_tup, \
        pg_catalog.pg_stat_get_mod_since_analyze(c.oid) AS n_mod_since_analyze, \
        pg_catalog.pg_stat_get_ins_since_vacuum(c.oid) AS n_ins_since_vacuum, \
        pg_catalog.pg_stat_get_last_vacuum_time(c.oid) AS last_vacuum, \
        pg_catalog.pg_stat_get_last_autovacuum_time(c.oid) AS last_autovacuum, \
        pg_catalog.pg_stat_get_last_analyze_time(c.oid) AS last_analyze, \
        pg_catalog.pg_stat_get_last_autoanalyze_time(c.oid) AS last_autoanalyze, \
        pg_catalog.pg_stat_get_vacuum_count(c.oid) AS vacuum_count, \
        pg_catalog.pg_stat_get_autovacuum_count(c.oid) AS autovacuum_count, \
        pg_catalog.pg_stat_get_analyze_count(c.oid) AS analyze_count, \
        pg_catalog.pg_stat_get_autoanalyze_count(c.oid) AS autoanalyze_count \
        FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.relkind IN ('r', 't', 'm', 'p')";
    "pg_catalog"."pg_stat_user_tables" = 0: "SELECT * FROM pg_catalog.pg_stat_all_tables \
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname !~ '^pg_toast'";
    "pg_catalog"."pg_stat_sys_tables" = 0: "SELECT * FROM pg_catalog.pg_stat_all_tables \
        WHERE schemaname IN ('pg_catalog', 'information_schema') OR schemaname ~ '^pg_toast'";
    "pg_catalog"."pg_stat_activity" = 0: "SELECT 5::oid AS datid, pg_catalog.current_database() AS datname, \
        pg_catalog.pg_backend_pid() AS pid, NULL::int4 AS leader_pid, 10::oid AS usesysid, \
        current_user AS usename, NULL::text AS application_name, NULL::text AS client_addr, \
        NULL::text AS client_hostname, NULL::int4 AS client_port, NULL::timestamptz AS backend_start, \
        pg_catalog.now() AS xact_start, pg_catalog.statement_timestamp() AS query_start, \
        pg_catalog.statement_timestamp() AS state_change, NULL::text AS wait_event_type, \
        NULL::text AS wait_event, 'active'::text AS state, NULL::xid AS backend_xid, \
        NULL::xid AS backend_xmin, NULL::int8 AS query_id, NULL::text AS query, \
        'client backend'::text AS backend_type";
    "pg_catalog"."pg_settings" = 0: "(generated by settings_sql)";
    "pg_catalog"."pg_stat_progress_vacuum" = 0: "SELECT (s.p)[1]::int4 AS pid, (s.p)[2]::oid AS datid, \
        d.datname, (s.p)[3]::oid AS relid, \
        (CASE (s.p)[4] WHEN 0 THEN 'initializing' WHEN 1 THEN 'scanning heap' \
              WHEN 2 THEN 'vacuuming indexes' WHEN 3 THEN 'vacuuming heap' \
              WHEN 4 THEN 'cleaning up indexes' WHEN 5 THEN 'truncating heap' \
              WHEN 6 THEN 'performing final cleanup' END)::text AS phase, \
        (s.p)[5] AS heap_blks_total, (s.p)[6] AS heap_blks_scanned, \
        (s.p)[7] AS heap_blks_vacuumed, (s.p)[8] AS index_vacuum_count, \
        (s.p)[9] AS max_dead_tuples, (s.p)[10] AS num_dead_tuples \
        FROM pg_catalog.pg_stat_get_progress_info('VACUUM') AS s(p) \
        LEFT JOIN pg_catalog.pg_database d ON (s.p)[2]::oid = d.oid";
    "pg_catalog"."pg_locks" = 0: "SELECT NULL::text AS locktype, NULL::oid AS database, \
        NULL::oid AS relation, NULL::int4 AS page, NULL::int2 AS tuple, NULL::text AS virtualxid, \
        NULL::xid AS transactionid, NULL::oid AS classid, NULL::oid AS objid, NULL::int2 AS objsubid, \
        NULL::text AS virtualtransaction, NULL::int4 AS pid, NULL::text AS mode, \
        NULL::bool AS granted, NULL::bool AS fastpath, NULL::timestamptz AS waitstart WHERE false";
    "pg_catalog"."pg_inherits" = 2611: "SELECT NULL::oid AS inhrelid, NULL::oid AS inhparent, \
        NULL::int4 AS inhseqno, NULL::bool AS inhdetachpending WHERE false";
    "pg_catalog"."pg_partitioned_table" = 3350: "SELECT NULL::oid AS partrelid, NULL::\"char\" AS partstrat, \
        NULL::int2 AS partnatts, NULL::oid AS partdefid, NULL::text AS partattrs, \
        NULL::text AS partclass, NULL::text AS partcollation, NULL::pg_node_tree AS partexprs WHERE false";
    "pg_catalog"."pg_collation" = 3456: "SELECT * FROM (VALUES \
        (100::oid, 'default'::name, 11::oid, 10::oid, 'd'::\"char\", true, -1, NULL::text, NULL::text, NULL::text, NULL::text), \
        (950::oid, 'C'::name, 11::oid, 10::oid, 'c'::\"char\", true, -1, 'C'::text, 'C'::text, NULL::text, NULL::text), \
        (951::oid, 'POSIX'::name, 11::oid, 10::oid, 'c'::\"char\", true, -1, 'POSIX'::text, 'POSIX'::text, NULL::text, NULL::text)) \
        AS c(oid, collname, collnamespace, collowner, collprovider, collisdeterministic, collencoding, \
        collcollate, collctype, colliculocale, collversion)";
    "pg_catalog"."pg_range" = 3541: "SELECT NULL::oid AS rngtypid, NULL::oid AS rngsubtype, \
        NULL::oid AS rngmultitypid, NULL::oid AS rngcollation, NULL::oid AS rngsubopc, \
        NULL::regproc AS rngcanonical, NULL::regproc AS rngsubdiff WHERE false";
    "pg_catalog"."pg_enum" = 3501: "SELECT NULL::oid AS oid, NULL::oid AS enumtypid, \
        NULL::float4 AS enumsortorder, NULL::name AS enumlabel WHERE false";
    "pg_catalog"."pg_extension" = 3079: "SELECT NULL::oid AS oid, NULL::name AS extname, NULL::oid AS extowner, \
        NULL::oid AS extnamespace, NULL::bool AS extrelocatable, NULL::text AS extversion, \
        NULL::oid[] AS extconfig, NULL::text[] AS extcondition WHERE false";
    "pg_catalog"."pg_tablespace" = 1213: "SELECT * FROM (VALUES \
        (1663::oid, 'pg_default'::name, 10::oid, NULL::text[], NULL::text[]), \
        (1664::oid, 'pg_global'::name, 10::oid, NULL::text[], NULL::text[])) \
        AS t(oid, spcname, spcowner, spcacl, spcoptions)";
    "pg_catalog"."pg_policy" = 3256: "SELECT NULL::oid AS oid, NULL::name AS polname, NULL::oid AS polrelid, \
        NULL::\"char\" AS polcmd, NULL::bool AS polpermissive, NULL::oid[] AS polroles, \
        NULL::pg_node_tree AS polqual, NULL::pg_node_tree AS polwithcheck WHERE false";
    "pg_catalog"."pg_statistic_ext" = 3381: "SELECT NULL::oid AS oid, NULL::oid AS stxrelid, NULL::name AS stxname, \
        NULL::oid AS stxnamespace, NULL::oid AS stxowner, NULL::int4 AS stxstattarget, \
        NULL::text AS stxkeys, NULL::\"char\"[] AS stxkind, NULL::pg_node_tree AS stxexprs WHERE false";
    "pg_catalog"."pg_stats" = 0: "SELECT n.nspname AS schemaname, c.relname AS tablename, \
        a.attname, s.stainherit AS inherited, s.stanullfrac AS null_frac, \
        s.stawidth AS avg_width, s.stadistinct AS n_distinct, \
        CASE WHEN s.stakind1 = 1 THEN s.stavalues1 END AS most_common_vals, \
        CASE WHEN s.stakind1 = 1 THEN s.stanumbers1 END AS most_common_freqs, \
        CASE WHEN s.stakind2 = 2 THEN s.stavalues2 END AS histogram_bounds, \
        CASE WHEN s.stakind3 = 3 THEN (s.stanumbers3)[1] END AS correlation, \
        NULL::text[] AS most_common_elems, NULL::float4[] AS most_common_elem_freqs, \
        NULL::float4[] AS elem_count_histogram \
        FROM pg_catalog.pg_statistic s JOIN pg_catalog.pg_class c ON c.oid = s.starelid \
        JOIN pg_catalog.pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum \
        LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace";
    "pg_catalog"."pg_publication" = 6104: "SELECT NULL::oid AS oid, NULL::name AS pubname, NULL::oid AS pubowner, \
        NULL::bool AS puballtables, NULL::bool AS pubinsert, NULL::bool AS pubupdate, \
        NULL::bool AS pubdelete, NULL::bool AS pubtruncate, NULL::bool AS pubviaroot WHERE false";
    "pg_catalog"."pg_publication_rel" = 6106: "SELECT NULL::oid AS oid, NULL::oid AS prpubid, \
        NULL::oid AS prrelid, NULL::pg_node_tree AS prqual, NULL::text AS prattrs WHERE false";
    "pg_catalog"."pg_publication_namespace" = 6237: "SELECT NULL::oid AS oid, NULL::oid AS pnpubid, \
        NULL::oid AS pnnspid WHERE false";
    "pg_catalog"."pg_trigger" = 2620: "SELECT NULL::oid AS oid, NULL::oid AS tgrelid, NULL::oid AS tgparentid, \
        NULL::name AS tgname, NULL::oid AS tgfoid, NULL::int2 AS tgtype, NULL::\"char\" AS tgenabled, \
        NULL::bool AS tgisinternal, NULL::oid AS tgconstrrelid, NULL::oid AS tgconstrindid, \
        NULL::oid AS tgconstraint, NULL::bool AS tgdeferrable, NULL::bool AS tginitdeferred, \
        NULL::int2 AS tgnargs, NULL::text AS tgattr, NULL::bytea AS tgargs, NULL::pg_node_tree AS tgqual, \
        NULL::name AS tgoldtable, NULL::name AS tgnewtable WHERE false";
    "information_schema"."schemata" = 0: "SELECT pg_catalog.current_database()::name AS catalog_name, \
        n.nspname AS schema_name, pg_catalog.pg_get_userbyid(n.nspowner) AS schema_owner, \
        NULL::name AS default_character_set_catalog, NULL::name AS default_character_set_schema, \
        NULL::name AS default_character_set_name, NULL::varchar AS sql_path \
        FROM pg_catalog.pg_namespace n";
    "information_schema"."tables" = 0: "SELECT pg_catalog.current_database()::name AS table_catalog, \
        n.nspname AS table_schema, c.relname AS table_name, \
        (CASE WHEN n.nspname LIKE 'pg\\_temp\\_%' THEN 'LOCAL TEMPORARY' \
              WHEN c.relkind IN ('r', 'p') THEN 'BASE TABLE' WHEN c.relkind = 'v' THEN 'VIEW' \
              WHEN c.relkind = 'f' THEN 'FOREIGN' ELSE NULL END)::varchar AS table_type, \
        NULL::name AS self_referencing_column_name, NULL::varchar AS reference_generation, \
        NULL::name AS user_defined_type_catalog, NULL::name AS user_defined_type_schema, \
        NULL::name AS user_defined_type_name, \
        (CASE WHEN c.relkind IN ('r', 'p') THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_insertable_into, \
        'NO'::varchar(3) AS is_typed, NULL::varchar AS commit_action \
        FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON n.oid = c.relnamespace \
        WHERE c.relkind IN ('r', 'v', 'f', 'p')";
    "information_schema"."columns" = 0: "SELECT pg_catalog.current_database()::name AS table_catalog, \
        n.nspname AS table_schema, c.relname AS table_name, a.attname AS column_name, \
        a.attnum::int4 AS ordinal_position, \
        (CASE WHEN a.attgenerated = '' AND a.attidentity = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END)::varchar AS column_default, \
        (CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END)::varchar(3) AS is_nullable, \
        (CASE WHEN t.typcategory = 'A' THEN 'ARRAY' \
              ELSE pg_catalog.format_type(a.atttypid, NULL) END)::varchar AS data_type, \
        (CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod >= 4 THEN a.atttypmod - 4 END)::int4 \
            AS character_maximum_length, \
        (CASE WHEN a.atttypid IN (25, 1042, 1043) THEN \
              CASE WHEN a.atttypmod >= 4 THEN (a.atttypmod - 4) * 4 ELSE 1073741824 END END)::int4 \
            AS character_octet_length, \
        (CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 \
              WHEN 701 THEN 53 WHEN 1700 THEN CASE WHEN a.atttypmod >= 4 \
                   THEN ((a.atttypmod - 4) / 65536) END END)::int4 AS numeric_precision, \
        (CASE WHEN a.atttypid IN (21, 23, 20, 700, 701) THEN 2 WHEN a.atttypid = 1700 THEN 10 END)::int4 \
            AS numeric_precision_radix, \
        (CASE WHEN a.atttypid IN (21, 23, 20) THEN 0 WHEN a.atttypid = 1700 AND a.atttypmod >= 4 \
              THEN ((a.atttypmod - 4) % 65536) END)::int4 AS numeric_scale, \
        (CASE WHEN a.atttypid = 1082 THEN 0 \
              WHEN a.atttypid IN (1083, 1114, 1184, 1266, 1186) THEN \
                   CASE WHEN a.atttypmod < 0 THEN 6 ELSE a.atttypmod END END)::int4 AS datetime_precision, \
        NULL::varchar AS interval_type, NULL::int4 AS interval_precision, \
        NULL::name AS character_set_catalog, NULL::name AS character_set_schema, \
        NULL::name AS character_set_name, \
        (CASE WHEN a.attcollation <> 0 THEN pg_catalog.current_database() END)::name AS collation_catalog, \
        (CASE WHEN a.attcollation <> 0 THEN 'pg_catalog' END)::name AS collation_schema, \
        (CASE WHEN a.attcollation <> 0 THEN 'default' END)::name AS collation_name, \
        NULL::name AS domain_catalog, NULL::name AS domain_schema, NULL::name AS domain_name, \
        pg_catalog.current_database()::name AS udt_catalog, 'pg_catalog'::name AS udt_schema, \
        t.typname AS udt_name, NULL::name AS scope_catalog, NULL::name AS scope_schema, \
        NULL::name AS scope_name, NULL::int4 AS maximum_cardinality, a.attnum::name AS dtd_identifier, \
        'NO'::varchar(3) AS is_self_referencing, \
        (CASE WHEN a.attidentity IN ('a', 'd') THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_identity, \
        (CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END)::varchar AS identity_generation, \
        NULL::varchar AS identity_start, NULL::varchar AS identity_increment, \
        NULL::varchar AS identity_maximum, NULL::varchar AS identity_minimum, \
        NULL::varchar(3) AS identity_cycle, \
        (CASE WHEN a.attgenerated <> '' THEN 'ALWAYS' ELSE 'NEVER' END)::varchar AS is_generated, \
        (CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END)::varchar AS generation_expression, \
        (CASE WHEN c.relkind IN ('r', 'p') THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_updatable \
        FROM pg_catalog.pg_attribute a \
        LEFT JOIN pg_catalog.pg_attrdef ad ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
        JOIN pg_catalog.pg_class c ON a.attrelid = c.oid \
        JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid \
        JOIN pg_catalog.pg_type t ON a.atttypid = t.oid \
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'f', 'p')";
    "information_schema"."table_constraints" = 0: "SELECT pg_catalog.current_database()::name AS constraint_catalog, \
        nc.nspname AS constraint_schema, c.conname AS constraint_name, \
        pg_catalog.current_database()::name AS table_catalog, nr.nspname AS table_schema, \
        r.relname AS table_name, \
        (CASE c.contype WHEN 'c' THEN 'CHECK' WHEN 'f' THEN 'FOREIGN KEY' WHEN 'p' THEN 'PRIMARY KEY' \
              WHEN 'u' THEN 'UNIQUE' END)::varchar AS constraint_type, \
        (CASE WHEN c.condeferrable THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_deferrable, \
        (CASE WHEN c.condeferred THEN 'YES' ELSE 'NO' END)::varchar(3) AS initially_deferred, \
        'YES'::varchar(3) AS enforced, \
        (CASE WHEN c.contype = 'u' THEN 'YES' END)::varchar(3) AS nulls_distinct \
        FROM pg_catalog.pg_constraint c \
        JOIN pg_catalog.pg_namespace nc ON nc.oid = c.connamespace \
        JOIN pg_catalog.pg_class r ON r.oid = c.conrelid \
        JOIN pg_catalog.pg_namespace nr ON nr.oid = r.relnamespace \
        WHERE c.contype IN ('c', 'f', 'p', 'u') AND r.relkind IN ('r', 'p') \
        UNION ALL \
        SELECT pg_catalog.current_database()::name, nr.nspname, \
        (nr.oid::text || '_' || r.oid::text || '_' || a.attnum::text || '_not_null')::name, \
        pg_catalog.current_database()::name, nr.nspname, r.relname, 'CHECK'::varchar, \
        'NO'::varchar(3), 'NO'::varchar(3), 'YES'::varchar(3), NULL::varchar(3) \
        FROM pg_catalog.pg_namespace nr \
        JOIN pg_catalog.pg_class r ON nr.oid = r.relnamespace \
        JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid \
        WHERE a.attnotnull AND a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p')";
    "information_schema"."key_column_usage" = 0: "SELECT pg_catalog.current_database()::name AS constraint_catalog, \
        nc.nspname AS constraint_schema, c.conname AS constraint_name, \
        pg_catalog.current_database()::name AS table_catalog, nr.nspname AS table_schema, \
        r.relname AS table_name, a.attname AS column_name, \
        (pg_catalog.length(substr(c.keys, 1, pg_catalog.strpos(c.keys, ',' || a.attnum::text || ','))) \
         - pg_catalog.length(pg_catalog.replace(substr(c.keys, 1, \
              pg_catalog.strpos(c.keys, ',' || a.attnum::text || ',')), ',', '')))::int4 AS ordinal_position, \
        NULL::int4 AS position_in_unique_constraint \
        FROM (SELECT con.conname, con.connamespace, con.conrelid, \
              ',' || pg_catalog.btrim(con.conkey, '{}') || ',' AS keys \
              FROM pg_catalog.pg_constraint con WHERE con.contype IN ('p', 'u', 'f')) AS c \
        JOIN pg_catalog.pg_namespace nc ON nc.oid = c.connamespace \
        JOIN pg_catalog.pg_class r ON r.oid = c.conrelid \
        JOIN pg_catalog.pg_namespace nr ON nr.oid = r.relnamespace \
        JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid \
        WHERE pg_catalog.strpos(c.keys, ',' || a.attnum::text || ',') > 0 AND r.relkind IN ('r', 'p')";
    "information_schema"."views" = 0: "SELECT pg_catalog.current_database()::name AS table_catalog, \
        n.nspname AS table_schema, c.relname AS table_name, \
        pg_catalog.pg_get_viewdef(c.oid)::varchar AS view_definition, 'NONE'::varchar AS check_option, \
        'NO'::varchar(3) AS is_updatable, 'NO'::varchar(3) AS is_insertable_into, \
        'NO'::varchar(3) AS is_trigger_updatable, 'NO'::varchar(3) AS is_trigger_deletable, \
        'NO'::varchar(3) AS is_trigger_insertable_into \
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.relkind = 'v' AND n.nspname NOT IN ('pg_catalog', 'information_schema')";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_parses() {
        for v in VIEWS {
            if let Err(e) = query(v) {
                panic!("{}.{}: {e}", v.schema, v.name);
            }
        }
    }
}
