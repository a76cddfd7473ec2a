//! Differential tests: every `tests/sql/*.sql` file runs statement by
//! statement on heapgres and on PostgreSQL 15 (the oracle), and every
//! answer must agree — column names and rows as text (in order when the
//! statement has a top-level `ORDER BY`, as a multiset otherwise), the
//! SQLSTATE of an error, the affected row count of a command. The file
//! format and the comparison are documented in `tests::diff`.
//!
//! One test per file, so files fail independently; a file in
//! `tests/sql/pending/` holds SQL for features heapgres does not have yet
//! (it answers 0A000) and is not run. `every_sql_file_has_a_test` keeps the
//! list below in step with the directory.

use std::path::{Path, PathBuf};

use tests::TestServer;
use tests::diff::compare_file;
use tests::oracle::Oracle;

fn sql_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sql")
}

async fn differential(name: &str) {
    let Some(oracle) = Oracle::start() else {
        return;
    };
    let server = TestServer::start();
    let ours = server.connect().await;
    let theirs = oracle.connect().await;
    let file = sql_dir().join(format!("{name}.sql"));
    let (report, count) = compare_file(&file, &ours, &theirs).await;
    eprintln!("{name}.sql: {count} statements compared");
    assert!(report.is_empty(), "{report}");
}

macro_rules! sql_files {
    ($($name:ident),* $(,)?) => {
        const FILES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[tokio::test]
            async fn $name() {
                differential(stringify!($name)).await;
            }
        )*
    };
}

sql_files!(types, expressions, queries, dml, ddl, indexes, arrays);

#[test]
fn every_sql_file_has_a_test() {
    let mut listed: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        tests::file_stems(&sql_dir(), "sql"),
        listed,
        "list every tests/sql/*.sql file in sql_files!"
    );
}
