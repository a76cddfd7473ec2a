//! psql 15's meta-commands against heapgres and against PostgreSQL 15.
//!
//! One schema is created on both servers; then each meta-command runs
//! through psql on both and the outputs must be equal, after masking what
//! differs on purpose: OIDs, relation sizes and the port. psql builds its
//! catalog queries itself (see `psql -E`), so each case checks that those
//! queries bind, plan and return what PostgreSQL returns.
//!
//! `\l` is compared for the `postgres` database alone (heapgres has no
//! template databases), and `\dx` and `\dn+` not at all (PostgreSQL
//! lists plpgsql, which heapgres does not have, and shows `public`'s
//! privileges and comment; heapgres has no GRANT on schemas or COMMENT).

use std::process::Command;

use tests::TestServer;
use tests::oracle::Oracle;

const SCHEMA: &str = "\
create table customers (id serial primary key, name text not null, \
    email varchar(100) unique, created date default current_date);
create table orders (id bigint primary key, customer_id int not null references customers on delete cascade, \
    amount numeric(10,2), note text, placed timestamptz(3), flag boolean default true);
create index orders_customer_idx on orders (customer_id);
create index orders_placed_idx on orders (placed desc, id);
create sequence ticket_seq;
create schema sales;
create table sales.regions (code char(2) primary key, label text);
create table \"Mixed Case\" (\"Col\" int, x double precision, y smallint, z bytea);
create table items (id int primary key, qty int check (qty > 0), lo int, hi int, \
    constraint lo_hi check (lo < hi and lo >= 0));
";

/// Runs psql against `port` with `args`; stdout and stderr together.
fn psql(port: u16, args: &[&str]) -> String {
    let o = Command::new("psql")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            "postgres",
        ])
        .args(args)
        .output()
        .expect("run psql");
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Replaces what may differ between the two servers: the port, sizes in
/// unaligned output (`8192 bytes`, `16 kB`).
fn mask(out: &str, port: u16) -> String {
    let sizes = regex::Regex::new(r"\|\d+ (bytes|kB|MB)\|").expect("size pattern");
    let out = out.replace(&format!("port \"{port}\""), "port \"PORT\"");
    sizes.replace_all(&out, "|SIZE|").into_owned()
}

struct Pair {
    heapgres: TestServer,
    postgres: Oracle,
}

impl Pair {
    fn start() -> Option<Pair> {
        let postgres = Oracle::start()?;
        let heapgres = TestServer::start();
        for port in [heapgres.port, postgres.port] {
            let out = psql(port, &["-q", "-v", "ON_ERROR_STOP=1", "-c", SCHEMA]);
            assert!(out.trim().is_empty(), "schema on port {port}: {out}");
        }
        Some(Pair { heapgres, postgres })
    }

    /// Runs `args` on both; returns (heapgres, PostgreSQL) outputs, masked.
    fn run(&self, args: &[&str]) -> (String, String) {
        (
            mask(&psql(self.heapgres.port, args), self.heapgres.port),
            mask(&psql(self.postgres.port, args), self.postgres.port),
        )
    }

    fn same(&self, args: &[&str]) {
        let (h, p) = self.run(args);
        assert_eq!(
            h, p,
            "psql {args:?}\n--- heapgres:\n{h}\n--- PostgreSQL 15:\n{p}"
        );
    }
}

#[test]
fn meta_commands_print_what_postgresql_prints() {
    let Some(pair) = Pair::start() else {
        return;
    };
    for cmd in [
        "\\dn",
        "\\dt",
        "\\d",
        "\\di",
        "\\ds",
        "\\dv",
        "\\df",
        "\\d customers",
        "\\d orders",
        "\\d sales.regions",
        "\\d \"Mixed Case\"",
        "\\d items",
        "\\dt sales.*",
        "\\di orders*",
        "\\d nosuch",
        "\\l postgres",
        "\\du",
        "\\dp",
        "\\d+ customers",
        "\\d+ items",
        "\\d+ orders_placed_idx",
    ] {
        pair.same(&["-c", cmd]);
    }
    // Expanded display.
    pair.same(&["-c", "\\x on", "-c", "\\d customers", "-c", "\\dt"]);
    // Sizes differ (heapgres has no TOAST tables): compare them masked, in
    // unaligned output so the column widths do not depend on them.
    pair.same(&["-A", "-c", "\\dt+"]);
    pair.same(&["-A", "-c", "\\di+"]);
    // The connection line names each server's own port.
    pair.same(&["-c", "\\conninfo"]);
}

#[test]
fn catalog_views_and_functions_agree_with_postgresql() {
    let Some(pair) = Pair::start() else {
        return;
    };
    for sql in [
        "select schemaname, tablename, tableowner, hasindexes from pg_tables \
         where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2",
        "select schemaname, tablename, indexname, indexdef from pg_indexes \
         where schemaname <> 'pg_catalog' order by 1, 2, 3",
        "select schemaname, sequencename, data_type, start_value, increment_by from pg_sequences order by 2",
        "select rolname, rolsuper, rolcanlogin from pg_roles where rolname = 'postgres'",
        "select usename, usesuper from pg_user",
        "select amname, amtype from pg_am where amname in ('heap', 'btree') order by 1",
        "select spcname from pg_tablespace order by 1",
        "select count(*) from pg_inherits",
        "select table_schema, table_name, table_type from information_schema.tables \
         where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2",
        "select table_name, column_name, ordinal_position, column_default, is_nullable, data_type, \
         character_maximum_length, numeric_precision, numeric_scale, datetime_precision, udt_name \
         from information_schema.columns where table_schema in ('public', 'sales') order by 1, 3",
        "select constraint_name, table_name, constraint_type from information_schema.table_constraints \
         where table_schema = 'public' and constraint_type <> 'CHECK' order by 1",
        "select count(*) from information_schema.table_constraints \
         where table_schema = 'public' and constraint_type = 'CHECK'",
        "select constraint_name, table_name, column_name, ordinal_position \
         from information_schema.key_column_usage where table_schema <> 'pg_catalog' order by 1, 4",
        "select schema_name from information_schema.schemata \
         where schema_name in ('public', 'sales') order by 1",
        "select 'customers'::regclass::text, 'sales.regions'::regclass::text, \
         'pg_class'::regclass::oid, 'int4'::regtype::text, 'sales'::regnamespace::text",
        "select format_type('varchar'::regtype, 104), format_type(1700, 655366), \
         format_type(23, null), format_type('timestamptz'::regtype, 3)",
        "select pg_size_pretty(12345678::bigint), pg_size_pretty(10239::bigint), \
         pg_size_pretty(10240::bigint)",
        "select quote_ident('a b'), quote_ident('abc'), pg_encoding_to_char(6), \
         pg_get_userbyid(10)",
        "select relname from pg_class where oid = 'customers'::regclass",
        "select c.relname, pg_table_is_visible(c.oid) from pg_class c \
         where c.relname in ('customers', 'regions') order by 1",
        "select conname, pg_get_constraintdef(oid) from pg_constraint \
         where connamespace in ('public'::regnamespace, 'sales'::regnamespace) \
         and conname <> 'lo_hi' order by 1",
        "select pg_get_constraintdef(oid, true) from pg_constraint where conname = 'lo_hi'",
        "select pg_get_indexdef('orders_placed_idx'::regclass), \
         pg_get_indexdef('orders_placed_idx'::regclass, 2, true)",
        "select 'abc' ~ '^a', 'abc' !~ 'b$', 'ABC' ~* 'b', 'ABC' !~* 'd', \
         'x' OPERATOR(pg_catalog.~) 'x' COLLATE pg_catalog.default",
        "select has_table_privilege('customers', 'select'), obj_description(1259, 'pg_class')",
        "select pg_get_serial_sequence('customers', 'id'), \
         pg_get_serial_sequence('public.customers', 'name'), \
         pg_get_serial_sequence('\"Mixed Case\"', 'Col')",
        "select pg_get_serial_sequence('customers', 'nope')",
        "select current_setting('search_path'), current_setting('nosuch.x', true), \
         pg_catalog.current_setting('DateStyle')",
        "select current_setting('nosuch')",
        "select name, setting, vartype from pg_settings where name in ('search_path', 'DateStyle') \
         order by 1",
        "select datname, usename, state from pg_stat_activity where pid = pg_backend_pid()",
        "select 'nosuch'::regclass",
    ] {
        pair.same(&["-c", sql]);
    }
}

#[test]
fn unsupported_catalog_functions_answer_0a000() {
    let server = TestServer::start();
    let out = server.psql(&["-c", "select set_config('a.b', '1', false)"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("set_config() (use SET or SET LOCAL) is not supported"),
        "{out:?}"
    );
}

#[test]
fn copy_through_psql_round_trips() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("rows.csv");
    std::fs::write(&file, "1,one\n2,two\n").expect("write rows");
    let path = file.display().to_string();
    let out = server.psql(&[
        "-c",
        "create table t (id int, name text)",
        "-c",
        &format!("\\copy t from '{path}' with (format csv)"),
        "-c",
        &format!("\\copy (select * from t order by id) to '{path}.out' with (format csv)"),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "CREATE TABLE\nCOPY 2\nCOPY 2\n"
    );
    let back = std::fs::read_to_string(format!("{path}.out")).expect("read copied rows");
    assert_eq!(back, "1,one\n2,two\n");
}
