//! Temporary tables belong to their session: others do not see them, they
//! go when the session ends, and a crash's leftovers are emptied when the
//! schema is used again.

use std::time::{Duration, Instant};

use tests::TestServer;

async fn count(c: &tokio_postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

const TEMP_RELATIONS: &str = "select count(*) from pg_class c join pg_namespace n \
    on n.oid = c.relnamespace where n.nspname like 'pg\\_temp\\_%'";

async fn wait_for_no_temp_relations(c: &tokio_postgres::Client) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(c, TEMP_RELATIONS).await != 0 {
        assert!(
            Instant::now() < deadline,
            "temporary tables outlived their session"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn temporary_tables_are_private_and_go_with_their_session() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute(
        "create table shared (x int); insert into shared values (1);
         create temp table shared (x int, y serial primary key); insert into shared values (2), (3);",
    )
    .await
    .expect("temp table shadowing a table");
    assert_eq!(count(&a, "select count(*) from shared").await, 2);
    assert_eq!(
        count(&b, "select count(*) from shared").await,
        1,
        "b sees the real table"
    );
    let err = b
        .batch_execute("select * from pg_temp.shared")
        .await
        .expect_err("b has no temporary schema");
    assert_eq!(err.code().map(|s| s.code()), Some("42P01"));
    assert!(
        count(&b, TEMP_RELATIONS).await >= 3,
        "table, sequence and index"
    );
    drop(a);
    wait_for_no_temp_relations(&b).await;
    assert_eq!(count(&b, "select count(*) from shared").await, 1);
}

#[tokio::test]
async fn a_crash_leaves_nothing_a_new_session_would_see() {
    let mut server = TestServer::start();
    let a = server.connect().await;
    a.batch_execute("create temp table left_behind (x int); insert into left_behind values (1)")
        .await
        .expect("temp table");
    server.kill();
    server.start_again();
    let c = server.connect().await;
    let err = c
        .batch_execute("select * from left_behind")
        .await
        .expect_err("a temporary table of a dead session");
    assert_eq!(err.code().map(|s| s.code()), Some("42P01"));
    // Session numbers start again after a restart, so this session's
    // temporary schema is the dead one's: its first use empties it.
    assert_eq!(
        count(
            &c,
            "select count(*) from pg_class where relname = 'left_behind'"
        )
        .await,
        1,
        "the leftover is still in the catalog"
    );
    c.batch_execute("create temp table fresh (x int)")
        .await
        .expect("temp table");
    assert_eq!(
        count(
            &c,
            "select count(*) from pg_class where relname = 'left_behind'"
        )
        .await,
        0
    );
    assert_eq!(count(&c, "select count(*) from fresh").await, 0);
}
