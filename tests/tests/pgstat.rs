//! The statistics views through the real binary (issue #6):
//! `pg_stat_user_tables` counts what a workload did, committed and
//! aborted, as PostgreSQL 15 counts it (compared with a running
//! PostgreSQL 15 when one is installed), VACUUM and autovacuum show in
//! its columns, and the view joins and filters like any table.

use std::time::{Duration, Instant};

use tests::TestServer;
use tests::oracle::Oracle;

/// The workload whose counters are compared: committed inserts, an
/// aborted insert, updates and deletes.
const WORKLOAD: &[&str] = &[
    "create table t (id int, v text)",
    "insert into t select g, 'x' from generate_series(1, 100) g",
    "begin; insert into t select g, 'y' from generate_series(1, 10) g; rollback",
    "update t set v = 'z' where id <= 20",
    "delete from t where id > 95",
    "begin; delete from t where id <= 3; rollback",
];

const COUNTERS: &str = "select n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup, \
    n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum, vacuum_count, autovacuum_count, \
    analyze_count, autoanalyze_count from pg_stat_user_tables where relname = 't'";

async fn counters(c: &tokio_postgres::Client) -> Vec<i64> {
    let row = c.query_one(COUNTERS, &[]).await.expect(COUNTERS);
    (0..row.len()).map(|i| row.get::<_, i64>(i)).collect()
}

#[tokio::test]
async fn counters_match_the_workload() {
    let server = TestServer::start();
    let c = server.connect().await;
    for s in WORKLOAD {
        c.batch_execute(s).await.expect(s);
    }
    // ins 110 (10 aborted), upd 20, del 5 + 3 aborted; live 100 - 5;
    // dead: 10 aborted inserts + 20 old versions + 5 deleted.
    let ours = counters(&c).await;
    assert_eq!(ours, vec![110, 20, 8, 0, 95, 35, 125, 110, 0, 0, 0, 0]);
    if let Some(pg) = Oracle::start() {
        let p = pg.connect().await;
        for s in WORKLOAD {
            p.batch_execute(s).await.expect(s);
        }
        // HOT updates are not counted here; the rest must agree.
        p.batch_execute("select pg_stat_force_next_flush()")
            .await
            .expect("flush");
        let mut theirs = counters(&p).await;
        theirs[3] = 0;
        assert_eq!(ours, theirs, "heapgres vs PostgreSQL 15");
    }

    c.batch_execute("vacuum t").await.expect("vacuum");
    let row = c
        .query_one(
            "select n_live_tup, n_dead_tup, vacuum_count, n_ins_since_vacuum, \
             last_vacuum is not null and last_vacuum <= now() + interval '1 minute', \
             last_autovacuum is null \
             from pg_stat_user_tables where relname = 't'",
            &[],
        )
        .await
        .expect("after vacuum");
    assert_eq!(row.get::<_, i64>(0), 95);
    assert_eq!(row.get::<_, i64>(1), 0);
    assert_eq!(row.get::<_, i64>(2), 1);
    assert_eq!(row.get::<_, i64>(3), 0);
    assert!(row.get::<_, bool>(4), "last_vacuum set");
    assert!(row.get::<_, bool>(5), "no autovacuum yet");
}

#[tokio::test]
async fn views_have_postgres_columns_and_join() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table a (id int primary key); create table b (id int); \
         insert into a values (1), (2); insert into b values (1)",
    )
    .await
    .expect("setup");
    let row = c
        .query_one("select * from pg_stat_user_tables where relname = 'a'", &[])
        .await
        .expect("select *");
    let names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "relid",
            "schemaname",
            "relname",
            "seq_scan",
            "seq_tup_read",
            "idx_scan",
            "idx_tup_fetch",
            "n_tup_ins",
            "n_tup_upd",
            "n_tup_del",
            "n_tup_hot_upd",
            "n_live_tup",
            "n_dead_tup",
            "n_mod_since_analyze",
            "n_ins_since_vacuum",
            "last_vacuum",
            "last_autovacuum",
            "last_analyze",
            "last_autoanalyze",
            "vacuum_count",
            "autovacuum_count",
            "analyze_count",
            "autoanalyze_count",
        ]
    );
    let typ: Vec<String> = row
        .columns()
        .iter()
        .map(|c| c.type_().name().to_string())
        .collect();
    assert_eq!(&typ[..3], ["oid", "name", "name"]);
    assert!(typ[3..15].iter().all(|t| t == "int8"), "{typ:?}");
    assert!(typ[15..19].iter().all(|t| t == "timestamptz"), "{typ:?}");
    assert!(typ[19..].iter().all(|t| t == "int8"), "{typ:?}");
    // idx_scan is NULL for a table without indexes, as in PostgreSQL.
    let rows = c
        .query(
            "select s.relname::text, s.n_tup_ins, s.idx_scan is null, c.relkind::text \
             from pg_stat_user_tables s join pg_class c on c.oid = s.relid \
             order by s.relname",
            &[],
        )
        .await
        .expect("join");
    let got: Vec<(String, i64, bool, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        got,
        [
            ("a".to_string(), 2, false, "r".to_string()),
            ("b".to_string(), 1, true, "r".to_string())
        ]
    );
    let sys: i64 = c
        .query_one(
            "select count(*) from pg_stat_all_tables where relname = 'pg_class'",
            &[],
        )
        .await
        .expect("all tables")
        .get(0);
    assert_eq!(sys, 1);
    let user: i64 = c
        .query_one(
            "select count(*) from pg_stat_user_tables where schemaname = 'pg_catalog'",
            &[],
        )
        .await
        .expect("user tables")
        .get(0);
    assert_eq!(user, 0);
}

#[tokio::test]
async fn autovacuum_shows_in_the_view() {
    let server = TestServer::start_with(&[
        "-c",
        "autovacuum_naptime=1s",
        "-c",
        "autovacuum_vacuum_threshold=10",
        "-c",
        "autovacuum_vacuum_scale_factor=0",
    ]);
    let c = server.connect().await;
    c.batch_execute(
        "create table t (id int); insert into t select generate_series(1, 200); \
         delete from t where id <= 100",
    )
    .await
    .expect("workload");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = c
            .query_one(
                "select autovacuum_count, last_autovacuum is not null, n_dead_tup \
                 from pg_stat_user_tables where relname = 't'",
                &[],
            )
            .await
            .expect("poll");
        if row.get::<_, i64>(0) >= 1 {
            assert!(row.get::<_, bool>(1));
            assert_eq!(row.get::<_, i64>(2), 0);
            break;
        }
        assert!(Instant::now() < deadline, "autovacuum never ran");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
