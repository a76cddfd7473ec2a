//! psql 15 against the real server: `-c` and `-f` scripts, ON_ERROR_STOP,
//! and SHOW / SET.

use std::io::Write;

use tests::TestServer;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn create_insert_select_with_c() {
    let server = TestServer::start();
    let o = server.psql(&[
        "-c",
        "create table t (id int, name text)",
        "-c",
        "insert into t values (1, 'one'), (2, 'two')",
        "-c",
        "select id, name from t order by id",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "CREATE TABLE\nINSERT 0 2\n id | name \n----+------\n  1 | one\n  2 | two\n(2 rows)\n\n"
    );
    // Unaligned, tuples only.
    let o = server.psql(&["-At", "-c", "select id, name from t order by id"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "1|one\n2|two\n");
}

fn script(body: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(body.as_bytes()).unwrap();
    f
}

#[test]
fn script_with_f() {
    let server = TestServer::start();
    let f = script(
        "create table t (a int not null, b numeric, c text);\n\
         insert into t values (1, 1.50, 'x'), (2, null, 'y');\n\
         update t set c = 'z' where a = 2;\n\
         select a, b, c from t order by a;\n\
         begin;\n\
         delete from t;\n\
         rollback;\n\
         select count(*) from t;\n",
    );
    let o = server.psql(&["-f", f.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "CREATE TABLE\nINSERT 0 2\nUPDATE 1\n a |  b   | c \n---+------+---\n 1 | 1.50 | x\n 2 |      | z\n(2 rows)\n\n\
         BEGIN\nDELETE 2\nROLLBACK\n count \n-------\n     2\n(1 row)\n\n"
    );
}

#[test]
fn on_error_stop_exits_non_zero_with_the_message() {
    let server = TestServer::start();
    let f = script(
        "\\set ON_ERROR_STOP on\n\
         create table t (a int);\n\
         insert into t values (1);\n\
         select * from nosuch;\n\
         insert into t values (2);\n",
    );
    let o = server.psql(&["-f", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "psql exits 3 on a script error");
    let err = stderr(&o);
    assert!(
        err.contains("ERROR:  relation \"nosuch\" does not exist"),
        "{err}"
    );
    let o = server.psql(&["-At", "-c", "select a from t"]);
    assert_eq!(
        stdout(&o),
        "1\n",
        "the statement after the error did not run"
    );

    // Without ON_ERROR_STOP the script goes on and psql exits 0.
    let f = script("select 1/0;\ninsert into t values (3);\n");
    let o = server.psql(&["-f", f.path().to_str().unwrap()]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("ERROR:  division by zero"),
        "{}",
        stderr(&o)
    );
    let o = server.psql(&["-At", "-c", "select a from t order by a"]);
    assert_eq!(stdout(&o), "1\n3\n");

    // -c with ON_ERROR_STOP: exit status 1.
    let o = server.psql(&["-v", "ON_ERROR_STOP=1", "-c", "select 'x'::int"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("invalid input syntax for type integer: \"x\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn show_and_set() {
    let server = TestServer::start();
    let o = server.psql(&["-At", "-c", "show server_version"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("15"), "{}", stdout(&o));
    let f = script(
        "set timezone to 'America/New_York';\n\
         show timezone;\n\
         select '2024-07-01 12:00:00+00'::timestamptz;\n\
         set timezone = 'UTC';\n\
         select '2024-07-01 12:00:00+00'::timestamptz;\n\
         set timezone = 'No/Such_Zone';\n\
         show timezone;\n\
         select '02/03/2024'::date;\n",
    );
    let o = server.psql(&["-At", "-f", f.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "SET\nAmerica/New_York\n2024-07-01 08:00:00-04\nSET\n2024-07-01 12:00:00+00\nUTC\n2024-02-03\n"
    );
    assert!(
        stderr(&o).contains("invalid value for parameter \"TimeZone\": \"No/Such_Zone\""),
        "{}",
        stderr(&o)
    );
    // SET is per session: a new psql sees the default again.
    let o = server.psql(&[
        "-At",
        "-c",
        "set timezone = 'Asia/Tokyo'",
        "-c",
        "show timezone",
    ]);
    assert_eq!(stdout(&o), "SET\nAsia/Tokyo\n");
    let o = server.psql(&["-At", "-c", "show timezone"]);
    assert_eq!(stdout(&o), "UTC\n");
    let o = server.psql(&["-At", "-c", "show datestyle"]);
    assert_eq!(stdout(&o), "ISO, MDY\n");
    // An unknown setting is 42704.
    let o = server.psql(&["-c", "show no_such_setting"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unrecognized configuration parameter \"no_such_setting\""),
        "{}",
        stderr(&o)
    );
}

/// PostgreSQL points at the unknown relation (`LINE 1:` and a caret).
#[test]
fn undefined_relation_error_has_a_position() {
    let server = TestServer::start();
    let o = server.psql(&["-c", "select * from nosuch"]);
    let err = stderr(&o);
    assert!(err.contains("LINE 1: select * from nosuch"), "{err}");
}
