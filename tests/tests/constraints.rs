//! Check constraints through the real binary: PostgreSQL's message and
//! detail for 23514, and COPY refusing a violating line with its line
//! number and loading nothing. (Their SQL behaviour against PostgreSQL 15
//! is in `tests/slt/check_constraints.slt`.)

use futures::{SinkExt, pin_mut};
use tests::TestServer;

#[tokio::test]
async fn a_violated_check_names_the_constraint_and_the_failing_row() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table p (id int, price numeric check (price > 0), name text)")
        .await
        .expect("create");
    let e = c
        .execute("insert into p values (1, -2.50, 'pen')", &[])
        .await
        .expect_err("violates the check");
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "23514");
    assert_eq!(
        db.message(),
        "new row for relation \"p\" violates check constraint \"p_price_check\""
    );
    assert_eq!(db.detail(), Some("Failing row contains (1, -2.50, pen)."));
    // The session goes on.
    c.execute("insert into p values (1, 2.50, 'pen')", &[])
        .await
        .expect("a valid row");

    let sink = c.copy_in("copy p from stdin").await.expect("copy in");
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"2\t1\tink\n3\t0\tcap\n"))
        .await
        .expect("send");
    let e = sink.finish().await.expect_err("line 2 violates the check");
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "23514");
    assert!(
        db.where_().is_some_and(|w| w.contains("line 2")),
        "{:?}",
        db.where_()
    );
    let n: i64 = c
        .query_one("select count(*) from p", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 1, "the failed COPY loaded nothing");
}
