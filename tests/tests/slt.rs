//! The sqllogictest suite: every `tests/slt/*.slt` file, recorded from
//! PostgreSQL 15, replayed against heapgres (see `tests::slt` for the
//! format and for re-recording with `HEAPGRES_SLT_RECORD=1`).
//!
//! One test per file, each on its own server, so files fail (and run)
//! independently; `every_slt_file_has_a_test` keeps the list in step with
//! the directory.

use std::path::{Path, PathBuf};

use tests::TestServer;
use tests::oracle::Oracle;
use tests::slt::{record_file, run_file};

fn slt_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("slt")
}

async fn slt(name: &str) {
    let file = slt_dir().join(format!("{name}.slt"));
    if std::env::var_os("HEAPGRES_SLT_RECORD").is_some() {
        let oracle = Oracle::start().expect("recording needs PostgreSQL 15");
        let count = record_file(&file, &oracle.conn_str())
            .await
            .unwrap_or_else(|e| panic!("recording {name}.slt: {e}"));
        eprintln!("{name}.slt: {count} records recorded from PostgreSQL 15");
        return;
    }
    let server = TestServer::start();
    let (count, report) = run_file(&file, &server.conn_str()).await;
    eprintln!("{name}.slt: {count} records");
    assert!(
        report.is_empty(),
        "{name}.slt disagrees with PostgreSQL 15:\n{report}"
    );
}

macro_rules! slt_files {
    ($($name:ident),* $(,)?) => {
        const FILES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[tokio::test]
            async fn $name() {
                slt(stringify!($name)).await;
            }
        )*
    };
}

slt_files!(
    aggregate,
    aggregates_more,
    alter_column,
    alter_table,
    analytics,
    basics,
    casts,
    check_constraints,
    conditional,
    create_table_as,
    datetime,
    datetime_format,
    datetime_make,
    dml,
    foreign_keys,
    generated_columns,
    joins,
    json_aggregates,
    cte,
    explain_analyze,
    grouping_sets,
    jsonb,
    jsonb_ops,
    math,
    ordered_set,
    report,
    row_compare,
    settings,
    setops,
    srf,
    strfuncs,
    strings,
    subqueries,
    temp_tables,
    views,
    window
);

#[test]
fn every_slt_file_has_a_test() {
    let mut listed: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        tests::file_stems(&slt_dir(), "slt"),
        listed,
        "list every tests/slt/*.slt file in slt_files!"
    );
}
