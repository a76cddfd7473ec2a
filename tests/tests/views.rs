//! Views beyond what `tests/slt/views.slt` compares with PostgreSQL:
//! writes through a view, the stored definition, recursion and nesting
//! limits, and views surviving a crash.

use tests::TestServer;

async fn sqlstate(c: &tokio_postgres::Client, sql: &str) -> String {
    let err = c.batch_execute(sql).await.expect_err(sql);
    err.code().map(|s| s.code().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn writes_through_views_fail_cleanly() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table t (a int, b text); insert into t values (1, 'x');
         create view simple as select a, b from t where a > 0;
         create view grouped as select b, count(*) from t group by b;",
    )
    .await
    .expect("setup");
    // PostgreSQL would write through this view; heapgres says it cannot.
    assert_eq!(
        sqlstate(&c, "insert into simple values (2, 'y')").await,
        "0A000"
    );
    assert_eq!(sqlstate(&c, "update simple set b = 'z'").await, "0A000");
    // The stored query names t.a: renames under a view are refused.
    assert_eq!(
        sqlstate(&c, "alter table t rename column a to aa").await,
        "0A000"
    );
    assert_eq!(sqlstate(&c, "alter table t rename to t2").await, "0A000");
    c.batch_execute("alter table t add column c int")
        .await
        .expect("adding a column is fine");
    // PostgreSQL cannot either, and says why.
    let err = c
        .batch_execute("delete from grouped")
        .await
        .expect_err("delete from a grouped view");
    let db = err.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "55000");
    assert_eq!(
        db.detail(),
        Some("Views containing GROUP BY are not automatically updatable.")
    );
    let n: i64 = c
        .query_one("select count(*) from t", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 1, "nothing was written");
}

#[tokio::test]
async fn the_stored_definition_expands_star() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table t (a int, \"B\" text);
         create view v as select *, 1 as one from t;",
    )
    .await
    .expect("setup");
    let def: String = c
        .query_one("select pg_get_viewdef('v'::regclass)", &[])
        .await
        .expect("viewdef")
        .get(0);
    assert_eq!(def, " SELECT t.a, t.\"B\", 1 AS one FROM t;");
    let rule: String = c
        .query_one(
            "select pg_get_ruledef(oid) from pg_rewrite where ev_class = 'v'::regclass",
            &[],
        )
        .await
        .expect("ruledef")
        .get(0);
    assert!(
        rule.starts_with("CREATE RULE \"_RETURN\" AS\n    ON SELECT TO public.v DO INSTEAD"),
        "{rule}"
    );
    c.batch_execute("alter table t add column c int; insert into t values (5, 'q', 6)")
        .await
        .expect("add column");
    let row = c.query_one("select * from v", &[]).await.expect("select");
    assert_eq!(row.len(), 3, "the view keeps the columns it was made with");
    assert_eq!(row.get::<_, i32>(0), 5);
    assert_eq!(row.get::<_, &str>(1), "q");
    assert_eq!(row.get::<_, i32>(2), 1);
}

#[tokio::test]
async fn recursive_and_deeply_nested_views_are_refused() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create view a as select 1 as x;
         create view b as select x from a;
         create or replace view a as select x from b;",
    )
    .await
    .expect("a view reading itself through another can be made");
    assert_eq!(sqlstate(&c, "select * from a").await, "42P17");
    c.batch_execute("create table base (x int); create view n0 as select x from base")
        .await
        .expect("base");
    for i in 1..=100 {
        let sql = format!("create view n{i} as select x from n{} where x > 0", i - 1);
        c.batch_execute(&sql).await.expect(&sql);
    }
    assert_eq!(
        sqlstate(&c, "create view n101 as select x from n100 where x > 0").await,
        "54001"
    );
    let n: i64 = c
        .query_one("select count(*) from n99", &[])
        .await
        .expect("99 levels of views bind")
        .get(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn views_survive_a_crash() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table t (a int); insert into t values (1), (2), (3);
         create view evens as select a from t where a % 2 = 0;",
    )
    .await
    .expect("setup");
    c.batch_execute("begin; create view lost as select 1")
        .await
        .expect("uncommitted view");
    drop(c);
    server.kill();
    server.start_again();
    let c = server.connect().await;
    let rows = c.query("select a from evens", &[]).await.expect("select");
    assert_eq!(
        rows.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(sqlstate(&c, "select * from lost").await, "42P01");
    assert_eq!(sqlstate(&c, "drop table t").await, "2BP01");
}
