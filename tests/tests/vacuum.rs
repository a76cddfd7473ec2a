//! VACUUM (issue #6) through the real binary: the statement's rules, that
//! nothing a snapshot can still see is removed, that freed space is reused
//! (the file does not grow), that autovacuum keeps an update-heavy table
//! near its live size, and that a crash in the middle of VACUUM loses
//! nothing.
//!
//! `HEAPGRES_BLOAT_FULL=1` runs the bloat test at the size
//! (100,000 rows, 1,000,000 updates); the default is CI-sized.

use std::path::Path;
use std::time::{Duration, Instant};

use tests::TestServer;

/// The size in bytes of the main fork of the only user table in `data_dir`
/// (a relfilenode >= 16384 in `base/5`), summed over its segments.
fn user_table_size(data_dir: &Path) -> u64 {
    let mut total = 0;
    let mut found = false;
    for e in std::fs::read_dir(data_dir.join("base/5")).expect("read base/5") {
        let e = e.expect("dir entry");
        let name = e.file_name().to_string_lossy().to_string();
        let stem = name.split('.').next().unwrap_or("");
        if let Ok(n) = stem.parse::<u32>()
            && n >= 16384
        {
            found = true;
            total += e.metadata().expect("metadata").len();
        }
    }
    assert!(found, "no user table file in {}", data_dir.display());
    total
}

/// Inserts rows `(g, repeat(pad, padlen))` for g in `from..=to` (the SQL
/// layer has no generate_series yet), 500 per statement.
async fn load(c: &tokio_postgres::Client, table: &str, from: i32, to: i32, pad: usize) {
    let padding = "x".repeat(pad);
    let mut g = from;
    while g <= to {
        let end = (g + 499).min(to);
        let values: Vec<String> = (g..=end).map(|i| format!("({i}, '{padding}')")).collect();
        c.batch_execute(&format!("insert into {table} values {}", values.join(", ")))
            .await
            .expect("load");
        g = end + 1;
    }
}

async fn count(c: &tokio_postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

#[tokio::test]
async fn vacuum_statement_rules() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int, v text)")
        .await
        .expect("create");
    let err = c
        .batch_execute("begin; vacuum t")
        .await
        .expect_err("vacuum in a transaction block");
    assert_eq!(err.code().map(|c| c.code()), Some("25001"));
    assert_eq!(
        err.as_db_error().map(|e| e.message()),
        Some("VACUUM cannot run inside a transaction block")
    );
    c.batch_execute("rollback").await.expect("rollback");
    let err = c.batch_execute("vacuum nosuch").await.expect_err("missing");
    assert_eq!(err.code().map(|c| c.code()), Some("42P01"));
    let err = c.batch_execute("vacuum full t").await.expect_err("full");
    assert_eq!(err.code().map(|c| c.code()), Some("0A000"));
    load(&c, "t", 1, 500, 10).await;
    c.batch_execute("delete from t where id <= 200")
        .await
        .expect("delete");
    for stmt in [
        "vacuum",
        "vacuum t",
        "vacuum analyze t",
        "analyze t",
        "analyze",
    ] {
        c.batch_execute(stmt).await.expect(stmt);
    }
    assert_eq!(count(&c, "select count(*) from t").await, 300);

    // VERBOSE reports what it did as INFO notices.
    c.batch_execute("delete from t where id <= 250")
        .await
        .expect("delete");
    let out = server.psql(&["-c", "vacuum verbose t"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "psql failed: {stderr}");
    assert!(
        stderr.contains("INFO:  vacuuming \"postgres.public.t\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("finished vacuuming \"postgres.public.t\": index scans: 0"),
        "{stderr}"
    );
    assert!(stderr.contains("tuples: 50 removed, "), "{stderr}");
    assert!(
        stderr.contains("0 are dead but not yet removable"),
        "{stderr}"
    );
    assert!(stderr.contains("removable cutoff: "), "{stderr}");
}

#[tokio::test]
async fn repeatable_read_reader_keeps_its_rows_until_it_ends() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int, pad text)")
        .await
        .expect("create");
    load(&c, "t", 1, 3000, 100).await;
    c.batch_execute("vacuum t").await.expect("vacuum");
    c.batch_execute("checkpoint").await.expect("checkpoint");
    let loaded = user_table_size(&server.data_dir);

    let reader = server.connect().await;
    reader
        .batch_execute("begin isolation level repeatable read")
        .await
        .expect("begin");
    assert_eq!(count(&reader, "select count(*) from t").await, 3000);
    c.batch_execute("delete from t").await.expect("delete");
    // A row deleted by a still-running transaction is kept too.
    let deleter = server.connect().await;
    for _ in 0..3 {
        c.batch_execute("vacuum t").await.expect("vacuum");
        assert_eq!(count(&reader, "select count(*) from t").await, 3000);
        assert_eq!(
            count(&reader, "select sum(id)::int8 from t").await,
            3000 * 3001 / 2
        );
    }
    assert_eq!(count(&c, "select count(*) from t").await, 0);
    reader.batch_execute("commit").await.expect("commit");

    // Now the space is free: VACUUM truncates the empty table, and a new
    // load reuses it without growing past the first load's size.
    c.batch_execute("vacuum t").await.expect("vacuum");
    c.batch_execute("checkpoint").await.expect("checkpoint");
    let after = user_table_size(&server.data_dir);
    assert!(after < loaded, "vacuum freed nothing: {after} >= {loaded}");
    load(&c, "t", 1, 3000, 100).await;
    c.batch_execute("checkpoint").await.expect("checkpoint");
    assert!(user_table_size(&server.data_dir) <= loaded);

    // A delete by a transaction still running is not vacuumed away.
    deleter
        .batch_execute("begin; delete from t where id <= 1000")
        .await
        .expect("open delete");
    c.batch_execute("vacuum t").await.expect("vacuum");
    deleter.batch_execute("rollback").await.expect("rollback");
    assert_eq!(count(&c, "select count(*) from t").await, 3000);

    // Reuse without truncation: delete most rows but keep the last page.
    c.batch_execute("delete from t where id < 2900")
        .await
        .expect("delete");
    c.batch_execute("vacuum t").await.expect("vacuum");
    c.batch_execute("checkpoint").await.expect("checkpoint");
    let before = user_table_size(&server.data_dir);
    load(&c, "t", 1, 2899, 100).await;
    c.batch_execute("checkpoint").await.expect("checkpoint");
    assert_eq!(count(&c, "select count(*) from t").await, 3000);
    assert_eq!(
        user_table_size(&server.data_dir),
        before,
        "freed space was not reused"
    );
}

/// Without autovacuum, updates found through the primary key prune the
/// dead versions of the pages they read (as PostgreSQL's index fetch does),
/// so the table reuses its own room instead of growing by a row version
/// per update. Only for a while: without HOT, each pruned version keeps
/// its line pointer (an index entry points at it) until VACUUM, so after
/// a few rounds a page runs out of line pointers; two rounds stay clear
/// of that. Without pruning, the first round alone grows the table ~1.8×.
#[tokio::test]
async fn index_lookups_prune_what_updates_leave_behind() {
    let server = TestServer::start_with(&["-c", "autovacuum=off", "-c", "fsync=off"]);
    let c = server.connect().await;
    c.batch_execute("create table t (id int primary key, n int not null default 0, pad text)")
        .await
        .expect("create");
    load(&c, "t (id, pad)", 1, 2_000, 100).await;
    let size = "select pg_relation_size('t')";
    let loaded = count(&c, size).await;
    let stmt = c
        .prepare("update t set n = n + 1 where id = $1")
        .await
        .expect("prepare");
    for round in 1..=2 {
        for id in 1..=2_000 {
            c.execute(&stmt, &[&id]).await.expect("update");
        }
        let now = count(&c, size).await;
        assert!(
            now * 4 <= loaded * 5,
            "after {round} update(s) per row the table grew from {loaded} to {now} bytes"
        );
    }
    assert_eq!(count(&c, "select sum(n)::int8 from t").await, 4_000);
    assert_eq!(count(&c, "select count(*) from t where n = 2").await, 2_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn autovacuum_keeps_an_update_heavy_table_small() {
    let full = std::env::var("HEAPGRES_BLOAT_FULL").is_ok_and(|v| v == "1");
    let (rows, updates): (i32, i32) = if full {
        (100_000, 1_000_000)
    } else {
        (1_000, 8_000)
    };
    let clients = 4;
    let server = TestServer::start_with(&[
        "-c",
        "autovacuum_naptime=1s",
        "-c",
        "log_autovacuum_min_duration=0",
        "-c",
        "fsync=off",
    ]);
    let c = server.connect().await;
    c.batch_execute("create table t (id int not null, n int not null default 0, pad text)")
        .await
        .expect("create");
    load(&c, "t (id, pad)", 1, rows, 50).await;
    c.batch_execute("checkpoint").await.expect("checkpoint");
    let loaded = user_table_size(&server.data_dir);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..clients {
        let cl = server.connect().await;
        tasks.push(tokio::spawn(async move {
            let stmt = cl
                .prepare("update t set n = n + 1 where id = $1")
                .await
                .expect("prepare");
            for i in 0..updates / clients {
                let id = (i * clients + k) % rows + 1;
                cl.execute(&stmt, &[&id]).await.expect("update");
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    c.batch_execute("checkpoint").await.expect("checkpoint");
    let peak = user_table_size(&server.data_dir);
    eprintln!(
        "bloat: {rows} rows, {updates} updates in {:?}: loaded {loaded} bytes, after {peak} bytes ({:.2}x)",
        started.elapsed(),
        peak as f64 / loaded as f64
    );
    assert_eq!(
        count(&c, "select sum(n)::int8 from t").await,
        i64::from(updates)
    );
    assert!(
        peak <= 3 * loaded,
        "table grew from {loaded} to {peak} bytes under autovacuum"
    );
    // After a final VACUUM, another round of updates does not grow it.
    c.batch_execute("vacuum t").await.expect("vacuum");
    c.batch_execute("checkpoint").await.expect("checkpoint");
    let settled = user_table_size(&server.data_dir);
    eprintln!("bloat: final vacuum done at {:?}", started.elapsed());
    let stmt = c
        .prepare("update t set n = n + 1 where id = $1")
        .await
        .expect("prepare");
    for id in 1..=rows.min(2_000) {
        c.execute(&stmt, &[&id]).await.expect("update round");
    }
    eprintln!("bloat: second round done at {:?}", started.elapsed());
    c.batch_execute("checkpoint").await.expect("checkpoint");
    assert!(
        user_table_size(&server.data_dir) <= settled,
        "a round of updates after VACUUM grew the file"
    );
    // Autovacuum ran, and logged it (log_autovacuum_min_duration = 0).
    let log = server.log();
    assert!(
        log.contains("automatic vacuum of table \"postgres.public.t\""),
        "autovacuum never ran: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vacuum_alongside_inserts_updates_and_deletes_loses_nothing() {
    let server = TestServer::start_with(&["-c", "fsync=off"]);
    let c = server.connect().await;
    c.batch_execute(
        "create table acct (id int not null, bal int not null);
         create table log (client int not null, k int not null)",
    )
    .await
    .expect("create");
    let values: Vec<String> = (1..=200).map(|i| format!("({i}, 100)")).collect();
    c.batch_execute(&format!("insert into acct values {}", values.join(", ")))
        .await
        .expect("seed");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let vac = {
        let v = server.connect().await;
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                v.batch_execute("vacuum acct").await.expect("vacuum acct");
                v.batch_execute("vacuum log").await.expect("vacuum log");
                n += 1;
            }
            n
        })
    };
    let mut tasks = Vec::new();
    for client in 0..4 {
        let cl = server.connect().await;
        tasks.push(tokio::spawn(async move {
            let mut kept = Vec::new();
            for i in 0..150 {
                let from = (i * 7 + client * 13) % 200 + 1;
                let to = (i * 11 + client * 3) % 200 + 1;
                cl.batch_execute(&format!(
                    "begin; update acct set bal = bal - 1 where id = {from};
                     update acct set bal = bal + 1 where id = {to}; commit"
                ))
                .await
                .expect("transfer");
                cl.batch_execute(&format!("insert into log values ({client}, {i})"))
                    .await
                    .expect("insert");
                if i % 3 == 0 {
                    cl.batch_execute(&format!(
                        "delete from log where client = {client} and k = {i}"
                    ))
                    .await
                    .expect("delete");
                } else {
                    kept.push(i);
                }
            }
            kept.len() as i64
        }));
    }
    let mut expected_log = 0;
    for t in tasks {
        expected_log += t.await.expect("client");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let vacuums = vac.await.expect("vacuum loop");
    assert!(vacuums > 0);
    assert_eq!(count(&c, "select count(*) from acct").await, 200);
    assert_eq!(
        count(&c, "select sum(bal)::int8 from acct").await,
        200 * 100
    );
    assert_eq!(count(&c, "select count(*) from log").await, expected_log);
    assert_eq!(
        count(&c, "select count(*) from log where k % 3 = 0").await,
        0
    );
}

#[tokio::test]
async fn crash_during_vacuum_loses_nothing() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int, pad text)")
        .await
        .expect("create");
    load(&c, "t", 1, 20000, 200).await;
    c.batch_execute("delete from t where id % 3 = 0; checkpoint")
        .await
        .expect("delete");
    let expected = count(&c, "select sum(id)::int8 from t").await;
    // Start a VACUUM and kill the server while it runs (or just after).
    let v = server.connect().await;
    let job = tokio::spawn(async move {
        let _ = v.batch_execute("vacuum t").await;
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    server.kill();
    let _ = job.await;
    drop(c);
    server.start_again();
    let c = server.connect().await;
    assert_eq!(count(&c, "select sum(id)::int8 from t").await, expected);
    assert_eq!(count(&c, "select count(*) from t").await, 20000 - 6666);
    c.batch_execute("vacuum t")
        .await
        .expect("vacuum after recovery");
    c.batch_execute("insert into t values (3, 'again')")
        .await
        .expect("insert");
    assert_eq!(count(&c, "select count(*) from t where id = 3").await, 1);
}
