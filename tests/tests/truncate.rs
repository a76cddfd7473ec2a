//! TRUNCATE is transactional: rolled back it leaves the rows, committed it
//! removes them (and the old relation file) for good, across a restart.

use tests::TestServer;

#[tokio::test]
async fn truncate_is_transactional_and_durable() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int); insert into t values (1), (2), (3)")
        .await
        .expect("setup");
    c.batch_execute("begin; truncate t; insert into t values (42)")
        .await
        .expect("truncate in txn");
    let n: i64 = c
        .query_one("select count(*) from t", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 1);
    c.batch_execute("rollback").await.expect("rollback");
    let n: i64 = c
        .query_one("select count(*) from t", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 3, "rolled-back TRUNCATE keeps the rows");

    c.batch_execute("truncate table t; insert into t values (7)")
        .await
        .expect("truncate");
    drop(c);
    server.restart();
    let c = server.connect().await;
    let rows = c.query("select id from t", &[]).await.expect("select");
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, vec![7]);
    let err = c
        .batch_execute("truncate nosuch")
        .await
        .expect_err("missing table");
    assert_eq!(err.code().map(|c| c.code()), Some("42P01"));
}
