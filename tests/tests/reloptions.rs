//! Per-table storage parameters (issue #6) through the real binary:
//! `CREATE TABLE ... WITH (...)`, `ALTER TABLE ... SET / RESET (...)`
//! stored in `pg_class.reloptions` the way PostgreSQL stores them, kept
//! across a restart and rolled back with their transaction; a boolean
//! without a value meaning true; PostgreSQL's errors (message and
//! DETAIL) for unknown names and bad values; and autovacuum honouring
//! `autovacuum_enabled = false` and per-table thresholds.

use std::time::{Duration, Instant};

use tests::TestServer;

async fn reloptions(c: &tokio_postgres::Client, table: &str) -> Option<String> {
    c.query_one(
        "select reloptions::text from pg_class where relname = $1",
        &[&table],
    )
    .await
    .expect("reloptions")
    .get(0)
}

#[tokio::test]
async fn set_and_reset_round_trip_and_survive_a_restart() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table t (a int) with (autovacuum_enabled = false, fillfactor = 70, \
         autovacuum_vacuum_scale_factor = 0.05); create table plain (a int)",
    )
    .await
    .expect("create");
    assert_eq!(
        reloptions(&c, "t").await.as_deref(),
        Some("{autovacuum_enabled=false,fillfactor=70,autovacuum_vacuum_scale_factor=0.05}")
    );
    assert_eq!(reloptions(&c, "plain").await, None);
    // SET replaces a value (moving it to the end, as PostgreSQL does) and
    // appends new ones; an unquoted word is folded.
    c.batch_execute("alter table t set (autovacuum_enabled = ON, autovacuum_vacuum_threshold = 5)")
        .await
        .expect("set");
    assert_eq!(
        reloptions(&c, "t").await.as_deref(),
        Some(
            "{fillfactor=70,autovacuum_vacuum_scale_factor=0.05,autovacuum_enabled=on,\
             autovacuum_vacuum_threshold=5}"
        )
    );
    // RESET removes; a name that is not set is no error.
    c.batch_execute("alter table t reset (fillfactor, autovacuum_analyze_threshold)")
        .await
        .expect("reset");
    assert_eq!(
        reloptions(&c, "t").await.as_deref(),
        Some(
            "{autovacuum_vacuum_scale_factor=0.05,autovacuum_enabled=on,autovacuum_vacuum_threshold=5}"
        )
    );
    // Transactional: a rolled-back SET leaves the old list.
    c.batch_execute("begin; alter table t set (fillfactor = 50); rollback")
        .await
        .expect("rolled back set");
    assert_eq!(
        reloptions(&c, "t").await.as_deref(),
        Some(
            "{autovacuum_vacuum_scale_factor=0.05,autovacuum_enabled=on,autovacuum_vacuum_threshold=5}"
        )
    );
    c.batch_execute("alter table plain set (autovacuum_enabled = off)")
        .await
        .expect("set plain");
    drop(c);
    server.restart();
    let c = server.connect().await;
    assert_eq!(
        reloptions(&c, "t").await.as_deref(),
        Some(
            "{autovacuum_vacuum_scale_factor=0.05,autovacuum_enabled=on,autovacuum_vacuum_threshold=5}"
        )
    );
    assert_eq!(
        reloptions(&c, "plain").await.as_deref(),
        Some("{autovacuum_enabled=off}")
    );
    // Resetting everything leaves NULL, as in PostgreSQL.
    c.batch_execute(
        "alter table t reset (autovacuum_vacuum_scale_factor, autovacuum_enabled, \
         autovacuum_vacuum_threshold)",
    )
    .await
    .expect("reset all");
    assert_eq!(reloptions(&c, "t").await, None);
    // The table still works.
    c.batch_execute("insert into t values (1)")
        .await
        .expect("insert");
}

#[tokio::test]
async fn bad_parameters_fail_like_postgresql() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int)")
        .await
        .expect("create");
    // Recorded from PostgreSQL 15: (statement, message, DETAIL).
    let int_range = Some("Valid values are between \"10\" and \"100\".");
    let real_range = Some("Valid values are between \"0.000000\" and \"100.000000\".");
    for (sql, message, detail) in [
        (
            "create table u (a int) with (x = 1)",
            "unrecognized parameter \"x\"",
            None,
        ),
        (
            "create table u (a int) with (foo)",
            "unrecognized parameter \"foo\"",
            None,
        ),
        (
            "create table u (a int) with (autovacuum_enabled = maybe)",
            "invalid value for boolean option \"autovacuum_enabled\": maybe",
            None,
        ),
        (
            "create table u (a int) with (fillfactor = 5)",
            "value 5 out of bounds for option \"fillfactor\"",
            int_range,
        ),
        (
            "create table u (a int) with (fillfactor = 101)",
            "value 101 out of bounds for option \"fillfactor\"",
            int_range,
        ),
        (
            "create table u (a int) with (fillfactor)",
            "invalid value for integer option \"fillfactor\": true",
            None,
        ),
        (
            "create table u (a int) with (fillfactor = 'abc')",
            "invalid value for integer option \"fillfactor\": abc",
            None,
        ),
        (
            "create table u (a int) with (fillfactor = 50, fillfactor = 60)",
            "parameter \"fillfactor\" specified more than once",
            None,
        ),
        (
            "create table u (a int) with (autovacuum_vacuum_scale_factor = 101)",
            "value 101 out of bounds for option \"autovacuum_vacuum_scale_factor\"",
            real_range,
        ),
        (
            "create table u (a int) with (autovacuum_vacuum_threshold = -1)",
            "value -1 out of bounds for option \"autovacuum_vacuum_threshold\"",
            Some("Valid values are between \"0\" and \"2147483647\"."),
        ),
        (
            "alter table t set (autovacuum_vacuum_scale_factor = 'abc')",
            "invalid value for floating point option \"autovacuum_vacuum_scale_factor\": abc",
            None,
        ),
        (
            "alter table t set (autovacuum_analyze_scale_factor = -1)",
            "value -1 out of bounds for option \"autovacuum_analyze_scale_factor\"",
            real_range,
        ),
        (
            "alter table t set (fillfactor = 9)",
            "value 9 out of bounds for option \"fillfactor\"",
            int_range,
        ),
        (
            "alter table t set (nosuch = 1)",
            "unrecognized parameter \"nosuch\"",
            None,
        ),
        (
            "alter table t set (nosuch)",
            "unrecognized parameter \"nosuch\"",
            None,
        ),
        // Only CREATE TABLE accepts (and drops) `oids = false`.
        (
            "alter table t set (oids = false)",
            "unrecognized parameter \"oids\"",
            None,
        ),
    ] {
        let e = c.batch_execute(sql).await.expect_err(sql);
        let db = e.as_db_error().expect("a server error");
        assert_eq!(db.code().code(), "22023", "{sql}: {db:?}");
        assert_eq!(db.message(), message, "{sql}");
        assert_eq!(db.detail(), detail, "{sql}");
    }
    // Nothing was created or changed.
    let n: i64 = c
        .query_one("select count(*) from pg_class where relname = 'u'", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);
    assert_eq!(reloptions(&c, "t").await, None);
    let e = c
        .batch_execute("alter table nosuch reset (fillfactor)")
        .await
        .expect_err("missing table");
    assert_eq!(e.code().map(|s| s.code()), Some("42P01"));
    c.batch_execute("alter table if exists nosuch reset (fillfactor)")
        .await
        .expect("if exists");
}

#[tokio::test]
async fn a_boolean_without_a_value_means_true() {
    let server = TestServer::start();
    let c = server.connect().await;
    // As PostgreSQL 15 stores them.
    c.batch_execute(
        "create table t (a int) with (autovacuum_enabled); \
         create table u (a int) with (autovacuum_enabled, fillfactor = 50); \
         create table v (a int) with (autovacuum_analyze_threshold = 1.5)",
    )
    .await
    .expect("create");
    assert_eq!(
        reloptions(&c, "t").await.as_deref(),
        Some("{autovacuum_enabled=true}")
    );
    assert_eq!(
        reloptions(&c, "u").await.as_deref(),
        Some("{autovacuum_enabled=true,fillfactor=50}")
    );
    assert_eq!(
        reloptions(&c, "v").await.as_deref(),
        Some("{autovacuum_analyze_threshold=1.5}")
    );
    c.batch_execute(
        "alter table u set (fillfactor = 70, autovacuum_enabled = off); \
         alter table t set (fillfactor = 70); alter table t set (autovacuum_enabled)",
    )
    .await
    .expect("alter");
    assert_eq!(
        reloptions(&c, "u").await.as_deref(),
        Some("{fillfactor=70,autovacuum_enabled=off}")
    );
    assert_eq!(
        reloptions(&c, "t").await.as_deref(),
        Some("{fillfactor=70,autovacuum_enabled=true}")
    );

    // PostgreSQL 12+ still takes `WITH (oids = false)` and stores nothing.
    c.batch_execute("create table w (a int) with (oids = off, fillfactor = 50)")
        .await
        .expect("oids off");
    assert_eq!(
        reloptions(&c, "w").await.as_deref(),
        Some("{fillfactor=50}")
    );
    for (sql, code, message) in [
        (
            "create table x (a int) with (oids)",
            "0A000",
            "tables declared WITH OIDS are not supported",
        ),
        (
            "create table x (a int) with (oids = maybe)",
            "42601",
            "oids requires a Boolean value",
        ),
    ] {
        let e = c.batch_execute(sql).await.expect_err(sql);
        let db = e.as_db_error().expect("a server error");
        assert_eq!((db.code().code(), db.message()), (code, message), "{sql}");
    }
}

/// `(autovacuum_count, autoanalyze_count, last_autovacuum is null)` of
/// `table`.
async fn auto_counts(c: &tokio_postgres::Client, table: &str) -> (i64, i64, bool) {
    let r = c
        .query_one(
            "select autovacuum_count, autoanalyze_count, last_autovacuum is null \
             from pg_stat_user_tables where relname = $1",
            &[&table],
        )
        .await
        .expect("pg_stat_user_tables");
    (r.get(0), r.get(1), r.get(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autovacuum_honours_per_table_parameters() {
    // The GUC thresholds are out of reach, so only a table whose own
    // thresholds are low is processed.
    let server = TestServer::start_with(&[
        "-c",
        "autovacuum_naptime=1s",
        "-c",
        "log_autovacuum_min_duration=0",
        "-c",
        "autovacuum_vacuum_threshold=100000",
        "-c",
        "autovacuum_analyze_threshold=100000",
    ]);
    let c = server.connect().await;
    c.batch_execute(
        "create table plain (a int);
         create table low (a int) with (autovacuum_vacuum_threshold = 10, \
             autovacuum_analyze_threshold = 10);
         create table off (a int) with (autovacuum_enabled = false, \
             autovacuum_vacuum_threshold = 10, autovacuum_analyze_threshold = 10)",
    )
    .await
    .expect("create");
    let values: Vec<String> = (1..=200).map(|i| format!("({i})")).collect();
    for t in ["plain", "low", "off"] {
        c.batch_execute(&format!(
            "insert into {t} values {}; delete from {t} where a > 50",
            values.join(", ")
        ))
        .await
        .expect("load");
    }
    let started = Instant::now();
    while auto_counts(&c, "low").await.0 == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "autovacuum never processed low: {}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give the launcher a few more rounds to (wrongly) touch the others.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let low = auto_counts(&c, "low").await;
    assert!(low.0 >= 1 && low.1 >= 1 && !low.2, "low: {low:?}");
    assert_eq!(auto_counts(&c, "plain").await, (0, 0, true));
    assert_eq!(auto_counts(&c, "off").await, (0, 0, true));
    let log = server.log();
    assert!(log.contains("automatic vacuum of table \"postgres.public.low\""));
    assert!(!log.contains("postgres.public.off"), "{log}");
    assert!(!log.contains("postgres.public.plain"), "{log}");
    // Turning it back on takes effect at the next round.
    c.batch_execute("alter table off reset (autovacuum_enabled)")
        .await
        .expect("reset");
    let started = Instant::now();
    while auto_counts(&c, "off").await.0 == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "autovacuum never processed off after RESET: {}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        server
            .log()
            .contains("automatic vacuum of table \"postgres.public.off\"")
    );
}
