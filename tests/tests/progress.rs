//! `pg_stat_progress_vacuum` through the real binary: a throttled VACUUM
//! is watched from a second connection (through a statement prepared
//! before it started), the view's columns are
//! PostgreSQL 15's, and autovacuum's work shows under its own pid.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use tokio_postgres::types::Type;

use tests::TestServer;

/// The phases PostgreSQL 15 names.
const PHASES: &[&str] = &[
    "initializing",
    "scanning heap",
    "vacuuming indexes",
    "vacuuming heap",
    "cleaning up indexes",
    "truncating heap",
    "performing final cleanup",
];

/// One row of the view, as polled.
#[derive(Debug)]
struct Row {
    pid: i32,
    datname: String,
    relid: u32,
    phase: String,
    total: i64,
    scanned: i64,
    vacuumed: i64,
    index_passes: i64,
    max_dead: i64,
    num_dead: i64,
}

/// The view's rows, read through a statement prepared by [`prepare_poll`].
async fn poll_with(c: &tokio_postgres::Client, stmt: &tokio_postgres::Statement) -> Vec<Row> {
    c.query(stmt, &[])
        .await
        .expect("poll pg_stat_progress_vacuum")
        .iter()
        .map(|r| Row {
            pid: r.get(0),
            datname: r.get(1),
            relid: r.get(2),
            phase: r.get(3),
            total: r.get(4),
            scanned: r.get(5),
            vacuumed: r.get(6),
            index_passes: r.get(7),
            max_dead: r.get(8),
            num_dead: r.get(9),
        })
        .collect()
}

/// The polling query, prepared once: it must read the progress each time
/// it runs, not when it was prepared.
async fn prepare_poll(c: &tokio_postgres::Client) -> tokio_postgres::Statement {
    c.prepare(
        "select pid, datname::text, relid, phase, heap_blks_total, heap_blks_scanned, \
         heap_blks_vacuumed, index_vacuum_count, max_dead_tuples, num_dead_tuples \
         from pg_stat_progress_vacuum",
    )
    .await
    .expect("prepare the poll")
}

async fn poll(c: &tokio_postgres::Client) -> Vec<Row> {
    poll_with(c, &prepare_poll(c).await).await
}

/// Creates `t` with about 1,200 pages (and a primary key), deletes every
/// tenth row so VACUUM has index work, and returns (its OID, its pages).
async fn big_table(c: &tokio_postgres::Client, table: &str) -> (u32, i64) {
    c.batch_execute(&format!(
        "create table {table} (id int primary key, v text);
         insert into {table} select g, repeat('x', 200) from generate_series(1, 40000) g;
         delete from {table} where id % 10 = 0;"
    ))
    .await
    .expect("load");
    let r = c
        .query_one(
            &format!(
                "select '{table}'::regclass::oid, pg_relation_size('{table}') / 8192 \
                 from pg_class where relname = '{table}'"
            ),
            &[],
        )
        .await
        .expect("table size");
    (r.get(0), r.get(1))
}

#[tokio::test]
async fn a_running_vacuum_is_seen_from_another_session() {
    let server = TestServer::start_with(&["-c", "autovacuum=off"]);
    let watcher = server.connect().await;
    let (relid, pages) = big_table(&watcher, "t").await;
    assert!(pages > 1000, "only {pages} pages");
    // Prepared before the vacuum starts, run while it runs.
    let polling = prepare_poll(&watcher).await;
    assert!(
        poll_with(&watcher, &polling).await.is_empty(),
        "nothing runs yet"
    );

    // About 1 ms of cost-based sleep per page and pass: a VACUUM of a few
    // seconds.
    let vacuumer = server.connect().await;
    vacuumer
        .batch_execute(
            "set vacuum_cost_delay = 5; set vacuum_cost_limit = 100; \
             set vacuum_cost_page_hit = 10; set vacuum_cost_page_miss = 10; \
             set vacuum_cost_page_dirty = 10",
        )
        .await
        .expect("throttle");
    let pid: i32 = vacuumer
        .query_one("select pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    let running = tokio::spawn(async move {
        vacuumer.batch_execute("vacuum t").await.expect("vacuum");
        vacuumer
    });

    let started = Instant::now();
    let mut scanned_seen = Vec::new();
    let mut phases = BTreeSet::new();
    let mut vacuumed_seen = Vec::new();
    while !running.is_finished() {
        assert!(started.elapsed() < Duration::from_secs(60), "vacuum hangs");
        for row in poll_with(&watcher, &polling).await {
            assert_eq!(row.pid, pid, "{row:?}");
            assert_eq!(row.datname, "postgres", "{row:?}");
            assert_eq!(row.relid, relid, "{row:?}");
            assert!(PHASES.contains(&row.phase.as_str()), "{row:?}");
            if row.phase != "initializing" {
                assert_eq!(row.total, pages, "{row:?}");
            }
            assert!(row.scanned <= row.total, "{row:?}");
            assert!(row.vacuumed <= row.total, "{row:?}");
            assert!(row.num_dead <= row.max_dead, "{row:?}");
            match row.phase.as_str() {
                // Pass 1 collects the dead rows' TIDs for the index pass.
                "scanning heap" => assert_eq!(row.index_passes, 0, "{row:?}"),
                "vacuuming heap" => {
                    assert_eq!(row.index_passes, 1, "{row:?}");
                    assert_eq!(row.scanned, pages, "{row:?}");
                    vacuumed_seen.push(row.vacuumed);
                }
                _ => {}
            }
            if scanned_seen.last() != Some(&row.scanned) {
                scanned_seen.push(row.scanned);
            }
            phases.insert(row.phase);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let vacuumer = running.await.expect("vacuum task");
    assert!(
        scanned_seen.windows(2).all(|w| w[0] <= w[1]),
        "heap_blks_scanned went back: {scanned_seen:?}"
    );
    assert!(
        scanned_seen.iter().filter(|&&s| s < pages).count() >= 2,
        "heap_blks_scanned was not seen growing: {scanned_seen:?}"
    );
    // Pass 2 dirties every page again: slow enough to be seen too.
    assert!(
        phases.contains("scanning heap") && phases.contains("vacuuming heap"),
        "{phases:?}"
    );
    assert!(
        vacuumed_seen.windows(2).all(|w| w[0] <= w[1]),
        "heap_blks_vacuumed went back: {vacuumed_seen:?}"
    );
    assert!(
        poll(&watcher).await.is_empty(),
        "the row outlives the vacuum"
    );

    // The dead rows are gone, and an error in VACUUM leaves no row behind.
    let dead: i64 = watcher
        .query_one(
            "select n_dead_tup from pg_stat_user_tables where relname = 't'",
            &[],
        )
        .await
        .expect("n_dead_tup")
        .get(0);
    assert_eq!(dead, 0);
    vacuumer
        .batch_execute("vacuum nosuch")
        .await
        .expect_err("missing table");
    assert!(poll(&watcher).await.is_empty());
}

#[tokio::test]
async fn columns_are_postgresql_15s() {
    let server = TestServer::start_with(&["-c", "autovacuum=off"]);
    let c = server.connect().await;
    // Recorded from PostgreSQL 15: `select * from pg_stat_progress_vacuum`.
    let expected = [
        ("pid", Type::INT4),
        ("datid", Type::OID),
        ("datname", Type::NAME),
        ("relid", Type::OID),
        ("phase", Type::TEXT),
        ("heap_blks_total", Type::INT8),
        ("heap_blks_scanned", Type::INT8),
        ("heap_blks_vacuumed", Type::INT8),
        ("index_vacuum_count", Type::INT8),
        ("max_dead_tuples", Type::INT8),
        ("num_dead_tuples", Type::INT8),
    ];
    let stmt = c
        .prepare("select * from pg_stat_progress_vacuum")
        .await
        .expect("prepare");
    let got: Vec<(&str, Type)> = stmt
        .columns()
        .iter()
        .map(|col| (col.name(), col.type_().clone()))
        .collect();
    assert_eq!(got, expected);
    assert!(c.query(&stmt, &[]).await.expect("query").is_empty());

    // The function under the view, as PostgreSQL answers an unknown command.
    let e = c
        .query("select * from pg_stat_get_progress_info('NOSUCH')", &[])
        .await
        .expect_err("unknown command");
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "22023");
    assert_eq!(db.message(), "invalid command name: \"NOSUCH\"");
    let n = c
        .query("select * from pg_stat_get_progress_info('analyze')", &[])
        .await
        .expect("ANALYZE progress");
    assert!(n.is_empty());
}

#[tokio::test]
async fn autovacuum_shows_its_own_pid() {
    let server = TestServer::start_with(&[
        "-c",
        "autovacuum_naptime=1",
        "-c",
        "autovacuum_vacuum_cost_delay=5",
        "-c",
        "autovacuum_vacuum_cost_limit=100",
        "-c",
        "vacuum_cost_page_hit=10",
        "-c",
        "vacuum_cost_page_miss=10",
        "-c",
        "vacuum_cost_page_dirty=10",
    ]);
    let c = server.connect().await;
    let (relid, _) = big_table(&c, "a").await;
    let session_pids: BTreeSet<i32> = [c
        .query_one("select pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get::<_, i32>(0)]
    .into();
    let started = Instant::now();
    let row = loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "autovacuum never showed up in pg_stat_progress_vacuum"
        );
        if let Some(r) = poll(&c).await.into_iter().find(|r| r.relid == relid) {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(!session_pids.contains(&row.pid), "{row:?}");
    assert!(row.pid > 0, "{row:?}");
    assert!(PHASES.contains(&row.phase.as_str()), "{row:?}");
}
