//! Prepared statements keep their plan across executions, and are
//! re-planned when the catalog changes under them.

use tests::TestServer;

#[tokio::test]
async fn prepared_statements_follow_catalog_changes() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int, v text)")
        .await
        .expect("create");
    let insert = c
        .prepare("insert into t values ($1, $2)")
        .await
        .expect("prepare insert");
    let count = c
        .prepare("select count(*) from t")
        .await
        .expect("prepare count");
    for i in 0..5 {
        c.execute(&insert, &[&i, &"x"]).await.expect("insert");
    }
    assert_eq!(
        c.query_one(&count, &[])
            .await
            .expect("count")
            .get::<_, i64>(0),
        5
    );

    // The table is replaced: the prepared statements must use the new one.
    c.batch_execute("drop table t; create table t (id int, v text)")
        .await
        .expect("replace");
    c.execute(&insert, &[&42i32, &"y"])
        .await
        .expect("insert into the new table");
    assert_eq!(
        c.query_one(&count, &[])
            .await
            .expect("count")
            .get::<_, i64>(0),
        1
    );

    // A change of result type is refused, as PostgreSQL does.
    let select = c.prepare("select * from t").await.expect("prepare select");
    c.batch_execute("drop table t; create table t (id text)")
        .await
        .expect("replace again");
    let err = c
        .query(&select, &[])
        .await
        .expect_err("result type changed");
    assert_eq!(err.code().map(|c| c.code()), Some("0A000"));
}
