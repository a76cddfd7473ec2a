//! Sequences and serial columns: values are unique across rollbacks and
//! crashes, serial columns default from their sequence, which goes with
//! the table.

use tests::TestServer;

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.code().map(|c| c.code())
}

#[tokio::test]
async fn serial_columns_and_sequence_functions() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id serial, v text)")
        .await
        .expect("create");
    let ids: Vec<i32> = c
        .query("insert into t (v) values ('a'), ('b') returning id", &[])
        .await
        .expect("insert")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, vec![1, 2]);
    c.batch_execute("begin; insert into t (v) values ('rolled back'); rollback")
        .await
        .expect("rollback");
    let id: i32 = c
        .query_one("insert into t (v) values ('c') returning id", &[])
        .await
        .expect("insert")
        .get(0);
    assert_eq!(id, 4, "a rolled-back nextval is not handed out again");
    let row = c
        .query_one("select currval('t_id_seq'), lastval()", &[])
        .await
        .expect("currval");
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (4, 4));

    let err = c
        .batch_execute("insert into t (id, v) values (null, 'x')")
        .await
        .expect_err("serial is not null");
    assert_eq!(code(&err), Some("23502"));

    c.batch_execute("create sequence d increment by -5 minvalue 0 maxvalue 10 start 10")
        .await
        .expect("create sequence");
    let row = c
        .query_one("select nextval('d'), nextval('d'), nextval('d')", &[])
        .await
        .expect("nextval");
    assert_eq!(
        (
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get::<_, i64>(2)
        ),
        (10, 5, 0)
    );
    let err = c
        .query_one("select nextval('d')", &[])
        .await
        .expect_err("exhausted");
    assert_eq!(code(&err), Some("2200H"));
    let v: i64 = c
        .query_one("select setval('d', 7)", &[])
        .await
        .expect("setval")
        .get(0);
    assert_eq!(v, 7);
    let v: i64 = c
        .query_one("select nextval('d')", &[])
        .await
        .expect("after setval")
        .get(0);
    assert_eq!(v, 2);

    let fresh = server.connect().await;
    let err = fresh
        .query_one("select currval('d')", &[])
        .await
        .expect_err("currval before nextval");
    assert_eq!(code(&err), Some("55000"));
    let err = fresh
        .query_one("select nextval('t')", &[])
        .await
        .expect_err("not a sequence");
    assert_eq!(code(&err), Some("42809"));

    c.batch_execute("drop table t").await.expect("drop table");
    let err = c
        .query_one("select nextval('t_id_seq')", &[])
        .await
        .expect_err("owned sequence dropped");
    assert_eq!(code(&err), Some("42P01"));
    c.batch_execute("create table t (id bigserial)")
        .await
        .expect("recreate with the same sequence name");
}

#[tokio::test]
async fn no_value_is_reused_after_kill_9() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create sequence s").await.expect("create");
    let mut last = 0;
    for _ in 0..40 {
        last = c
            .query_one("select nextval('s')", &[])
            .await
            .expect("nextval")
            .get::<_, i64>(0);
    }
    assert_eq!(last, 40);
    drop(c);
    server.kill();
    server.start_again();
    let c = server.connect().await;
    let next: i64 = c
        .query_one("select nextval('s')", &[])
        .await
        .expect("nextval after crash")
        .get(0);
    assert!(
        next > last,
        "after a crash the sequence resumes past {last}, got {next}"
    );
}
