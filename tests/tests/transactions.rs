//! Transactions through the real server: rollback, failed blocks,
//! visibility between sessions, transactional DDL, savepoints, snapshot
//! isolation, lost updates, deadlocks and lock timeouts.

use std::time::Duration;

use tests::TestServer;
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.code().map(|c| c.code())
}

async fn count(c: &Client, table: &str) -> i64 {
    c.query_one(&format!("select count(*) from {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

async fn ints(c: &Client, sql: &str) -> Vec<i32> {
    c.query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn rollback_leaves_nothing() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int); insert into t values (1)")
        .await
        .unwrap();
    c.batch_execute(
        "begin; insert into t values (2), (3); update t set a = 10 where a = 1; delete from t where a = 2; rollback",
    )
    .await
    .unwrap();
    assert_eq!(ints(&c, "select a from t order by a").await, vec![1]);
}

#[tokio::test]
async fn failed_block_answers_25p02_until_rollback() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int)").await.unwrap();
    c.batch_execute("begin; insert into t values (1)")
        .await
        .unwrap();
    let e = c.batch_execute("select * from nosuch").await.unwrap_err();
    assert_eq!(code(&e), Some("42P01"));
    for sql in ["select 1", "insert into t values (2)", "savepoint s"] {
        let e = c.simple_query(sql).await.unwrap_err();
        assert_eq!(code(&e), Some("25P02"), "{sql}");
    }
    c.batch_execute("rollback").await.unwrap();
    assert_eq!(count(&c, "t").await, 0);
    c.batch_execute("select 1").await.unwrap();
}

#[tokio::test]
async fn sessions_see_rows_only_after_commit() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("create table t (a int)").await.unwrap();
    a.batch_execute("begin; insert into t values (1), (2)")
        .await
        .unwrap();
    assert_eq!(count(&b, "t").await, 0);
    assert_eq!(count(&a, "t").await, 2, "own writes are visible");
    a.batch_execute("commit").await.unwrap();
    assert_eq!(count(&b, "t").await, 2);
    // Deletes too.
    b.batch_execute("begin; delete from t where a = 1")
        .await
        .unwrap();
    assert_eq!(count(&a, "t").await, 2);
    b.batch_execute("commit").await.unwrap();
    assert_eq!(ints(&a, "select a from t").await, vec![2]);
}

#[tokio::test]
async fn ddl_is_transactional() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("begin; create table gone (a int); insert into gone values (1); rollback")
        .await
        .unwrap();
    let e = c.simple_query("select * from gone").await.unwrap_err();
    assert_eq!(code(&e), Some("42P01"));
    // The name is free again.
    c.batch_execute("create table gone (b text)").await.unwrap();

    c.batch_execute("create table keep (a int); insert into keep values (1), (2), (3)")
        .await
        .unwrap();
    c.batch_execute("begin; drop table keep").await.unwrap();
    let e = c.simple_query("select * from keep").await.unwrap_err();
    assert_eq!(code(&e), Some("42P01"), "dropped inside the transaction");
    c.batch_execute("rollback").await.unwrap();
    assert_eq!(
        ints(&c, "select a from keep order by a").await,
        vec![1, 2, 3]
    );
    // Another session never saw it go, and sees it after restart too.
    let d = server.connect().await;
    assert_eq!(count(&d, "keep").await, 3);
}

#[tokio::test]
async fn savepoints() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int)").await.unwrap();
    c.batch_execute(
        "begin; insert into t values (1); savepoint s1; insert into t values (2); \
         savepoint s2; insert into t values (3); rollback to s2; insert into t values (4); \
         release s1; savepoint s3; insert into t values (5); rollback to s3; commit",
    )
    .await
    .unwrap();
    assert_eq!(ints(&c, "select a from t order by a").await, vec![1, 2, 4]);
    // ROLLBACK TO clears a failed state.
    c.batch_execute("begin; insert into t values (6); savepoint s")
        .await
        .unwrap();
    let e = c.batch_execute("select 1/0").await.unwrap_err();
    assert_eq!(code(&e), Some("22012"));
    let e = c.batch_execute("select 1").await.unwrap_err();
    assert_eq!(code(&e), Some("25P02"));
    c.batch_execute("rollback to savepoint s; insert into t values (7); commit")
        .await
        .unwrap();
    assert_eq!(
        ints(&c, "select a from t order by a").await,
        vec![1, 2, 4, 6, 7]
    );
    // An unknown savepoint is 3B001.
    c.batch_execute("begin").await.unwrap();
    let e = c.batch_execute("rollback to nosuch").await.unwrap_err();
    assert_eq!(code(&e), Some("3B001"));
    c.batch_execute("rollback").await.unwrap();
}

#[tokio::test]
async fn repeatable_read_sees_a_stable_snapshot() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("create table t (id int, v int); insert into t values (1, 1), (2, 2)")
        .await
        .unwrap();
    a.batch_execute("begin isolation level repeatable read")
        .await
        .unwrap();
    assert_eq!(ints(&a, "select v from t order by id").await, vec![1, 2]);
    b.batch_execute("update t set v = 100 where id = 1; insert into t values (3, 3); delete from t where id = 2")
        .await
        .unwrap();
    assert_eq!(ints(&a, "select v from t order by id").await, vec![1, 2]);
    // READ COMMITTED in a third session sees the new state at once.
    let c = server.connect().await;
    c.batch_execute("begin").await.unwrap();
    assert_eq!(ints(&c, "select v from t order by id").await, vec![100, 3]);
    c.batch_execute("commit").await.unwrap();
    // Updating a row changed since the snapshot is a serialization failure.
    let e = a
        .batch_execute("update t set v = v + 1 where id = 1")
        .await
        .unwrap_err();
    assert_eq!(code(&e), Some("40001"));
    a.batch_execute("rollback").await.unwrap();
    assert_eq!(ints(&a, "select v from t order by id").await, vec![100, 3]);
}

const N: i32 = 4;
const K: i32 = 25;

async fn counter_server() -> TestServer {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table counter (id int, v int); insert into counter values (1, 0)")
        .await
        .unwrap();
    server
}

#[tokio::test]
async fn no_lost_updates_read_committed() {
    let server = counter_server().await;
    let mut tasks = Vec::new();
    for _ in 0..N {
        let c = server.connect().await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..K {
                let n = c
                    .execute("update counter set v = v + 1 where id = 1", &[])
                    .await
                    .expect("update under read committed");
                assert_eq!(n, 1);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let c = server.connect().await;
    assert_eq!(ints(&c, "select v from counter").await, vec![N * K]);
}

#[tokio::test]
async fn no_lost_updates_repeatable_read_with_retry() {
    let server = counter_server().await;
    let mut tasks = Vec::new();
    for _ in 0..N {
        let c = server.connect().await;
        tasks.push(tokio::spawn(async move {
            let mut retries = 0;
            for _ in 0..K {
                loop {
                    c.batch_execute("begin isolation level repeatable read")
                        .await
                        .unwrap();
                    let r = c
                        .execute("update counter set v = v + 1 where id = 1", &[])
                        .await;
                    match r {
                        Ok(1) => {
                            c.batch_execute("commit").await.unwrap();
                            break;
                        }
                        Ok(n) => panic!("updated {n} rows"),
                        Err(e) => {
                            assert_eq!(code(&e), Some("40001"), "{e}");
                            c.batch_execute("rollback").await.unwrap();
                            retries += 1;
                        }
                    }
                }
            }
            retries
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let c = server.connect().await;
    assert_eq!(ints(&c, "select v from counter").await, vec![N * K]);
}

#[tokio::test]
async fn deadlock_aborts_exactly_one() {
    let server = TestServer::start();
    let setup = server.connect().await;
    setup
        .batch_execute("create table t (id int, v int); insert into t values (1, 0), (2, 0)")
        .await
        .unwrap();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("begin; update t set v = 1 where id = 1")
        .await
        .unwrap();
    b.batch_execute("begin; update t set v = 2 where id = 2")
        .await
        .unwrap();
    let ta = tokio::spawn(async move {
        let r = a.batch_execute("update t set v = 1 where id = 2").await;
        let r = r.map_err(|e| code(&e).map(str::to_string));
        let end = if r.is_ok() { "commit" } else { "rollback" };
        a.batch_execute(end).await.unwrap();
        r
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let tb = tokio::spawn(async move {
        let r = b.batch_execute("update t set v = 2 where id = 1").await;
        let r = r.map_err(|e| code(&e).map(str::to_string));
        let end = if r.is_ok() { "commit" } else { "rollback" };
        b.batch_execute(end).await.unwrap();
        r
    });
    let (ra, rb) = tokio::time::timeout(Duration::from_secs(20), async {
        (ta.await.unwrap(), tb.await.unwrap())
    })
    .await
    .expect("the deadlock is detected");
    let deadlocked: Vec<_> = [&ra, &rb].into_iter().filter(|r| r.is_err()).collect();
    assert_eq!(deadlocked.len(), 1, "exactly one aborted: {ra:?} {rb:?}");
    assert_eq!(deadlocked[0], &Err(Some("40P01".to_string())));
    let want = if ra.is_ok() { vec![1, 1] } else { vec![2, 2] };
    assert_eq!(ints(&setup, "select v from t order by id").await, want);
}

#[tokio::test]
async fn lock_timeout_gives_55p03() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("create table t (id int, v int); insert into t values (1, 0)")
        .await
        .unwrap();
    a.batch_execute("begin; update t set v = 1 where id = 1")
        .await
        .unwrap();
    b.batch_execute("set lock_timeout = '200ms'").await.unwrap();
    let started = std::time::Instant::now();
    let e = b
        .batch_execute("update t set v = 2 where id = 1")
        .await
        .unwrap_err();
    assert_eq!(code(&e), Some("55P03"));
    assert!(started.elapsed() < Duration::from_secs(5));
    // A table lock wait times out the same way.
    let e = b.batch_execute("drop table t").await.unwrap_err();
    assert_eq!(code(&e), Some("55P03"));
    a.batch_execute("commit").await.unwrap();
    b.batch_execute("update t set v = 2 where id = 1")
        .await
        .unwrap();
    assert_eq!(ints(&b, "select v from t").await, vec![2]);
}

#[tokio::test]
async fn statement_timeout_and_cancel_end_a_lock_wait() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("create table t (id int, v int); insert into t values (1, 0)")
        .await
        .unwrap();
    a.batch_execute("begin; update t set v = 1 where id = 1")
        .await
        .unwrap();
    b.batch_execute("set statement_timeout = '200ms'")
        .await
        .unwrap();
    let e = b
        .batch_execute("update t set v = 2 where id = 1")
        .await
        .unwrap_err();
    assert_eq!(code(&e), Some("57014"));
    b.batch_execute("set statement_timeout = 0").await.unwrap();
    // A cancel request from another connection ends the wait with 57014.
    let token = b.cancel_token();
    let waiter = tokio::spawn(async move {
        let r = b.batch_execute("update t set v = 3 where id = 1").await;
        (r.map_err(|e| code(&e).map(str::to_string)), b)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    token
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("send the cancel request");
    let (r, b) = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the cancel ends the wait")
        .unwrap();
    assert_eq!(r, Err(Some("57014".to_string())));
    a.batch_execute("commit").await.unwrap();
    assert_eq!(ints(&b, "select v from t").await, vec![1]);
}

/// PostgreSQL undoes a SET made in a transaction that rolls back, and a
/// SET LOCAL at the end of its transaction either way.
#[tokio::test]
async fn set_is_transactional() {
    let server = TestServer::start();
    let c = server.connect().await;
    let tz =
        async |c: &Client| -> String { c.query_one("show timezone", &[]).await.unwrap().get(0) };
    c.batch_execute("begin; set timezone = 'Asia/Tokyo'; rollback")
        .await
        .unwrap();
    assert_eq!(tz(&c).await, "UTC");
    c.batch_execute("begin; set local timezone = 'Asia/Tokyo'")
        .await
        .unwrap();
    assert_eq!(tz(&c).await, "Asia/Tokyo");
    c.batch_execute("commit").await.unwrap();
    assert_eq!(tz(&c).await, "UTC");
    c.batch_execute("begin; set timezone = 'Asia/Tokyo'; commit")
        .await
        .unwrap();
    assert_eq!(tz(&c).await, "Asia/Tokyo");
}
