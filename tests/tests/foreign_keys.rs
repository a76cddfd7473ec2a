//! Foreign keys through the real binary: PostgreSQL 15's messages and
//! details for 23503 (compared with a temporary PostgreSQL), COPY refusing
//! a missing key and loading nothing, and the concurrent cases a row lock
//! must get right: an insert racing a delete of the row it references, in
//! either order, and many clients doing both at once never leave an
//! orphan. (The SQL behaviour is in `tests/slt/foreign_keys.slt`.)

use std::time::Duration;

use futures::{SinkExt, pin_mut};
use tests::TestServer;
use tests::oracle::Oracle;
use tokio_postgres::Client;

const SCHEMA: &str = "create table parent (id int primary key, name text);
    create table child (id int primary key, pid int references parent on delete restrict, note text);
    create table item (id int primary key, pid int, sku text,
        constraint item_owner foreign key (pid) references parent (id) on delete cascade);
    insert into parent values (1, 'one'), (2, 'two');
    insert into child values (10, 1, 'a');";

/// (SQLSTATE, message, detail) of a failing statement.
async fn failure(c: &Client, sql: &str) -> (String, String, Option<String>) {
    let e = c.batch_execute(sql).await.expect_err(sql);
    let db = e.as_db_error().expect("a server error");
    (
        db.code().code().to_string(),
        db.message().to_string(),
        db.detail().map(str::to_string),
    )
}

/// Rows of `child` whose `pid` names no row of `parent`.
async fn orphans(c: &Client) -> i64 {
    c.query_one(
        "select count(*) from child c where not exists \
         (select 1 from parent p where p.id = c.pid)",
        &[],
    )
    .await
    .expect("orphans")
    .get(0)
}

#[tokio::test]
async fn violations_say_what_postgresql_says() {
    let Some(oracle) = Oracle::start() else {
        panic!("PostgreSQL 15 is needed for this test");
    };
    let server = TestServer::start();
    let ours = server.connect().await;
    let theirs = oracle.connect().await;
    for c in [&ours, &theirs] {
        c.batch_execute("drop table if exists item, child, parent")
            .await
            .expect("clean");
        c.batch_execute(SCHEMA).await.expect("schema");
    }
    for sql in [
        "insert into child values (11, 7, 'b')",
        "update child set pid = 8 where id = 10",
        "delete from parent where id = 1",
        "update parent set id = 5 where id = 1",
        "insert into item values (1, 3, 'x')",
        "drop table parent",
        "truncate parent",
        "alter table child add constraint c2 foreign key (note) references parent (id)",
    ] {
        assert_eq!(
            failure(&ours, sql).await,
            failure(&theirs, sql).await,
            "{sql}"
        );
    }
}

#[tokio::test]
async fn copy_with_a_missing_key_loads_nothing() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(SCHEMA).await.expect("schema");
    let sink = c.copy_in("copy child from stdin").await.expect("copy in");
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"20\t2\tok\n21\t9\tmissing\n"))
        .await
        .expect("send");
    let e = sink.finish().await.expect_err("line 2 has no parent");
    let db = e.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "23503");
    assert_eq!(
        db.detail(),
        Some("Key (pid)=(9) is not present in table \"parent\".")
    );
    let n: i64 = c
        .query_one("select count(*) from child", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 1, "the failed COPY loaded nothing");
}

#[tokio::test]
async fn an_insert_waits_for_a_delete_of_its_parent_and_then_fails() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute(SCHEMA).await.expect("schema");
    a.batch_execute("begin; delete from parent where id = 2")
        .await
        .expect("delete in a");
    let insert = tokio::spawn(async move {
        b.batch_execute("insert into child values (30, 2, 'late')")
            .await
            .map_err(|e| e.code().map(|c| c.code().to_string()))
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!insert.is_finished(), "the insert waits for the deleter");
    a.batch_execute("commit").await.expect("commit");
    let r = insert.await.expect("task");
    assert_eq!(r, Err(Some("23503".to_string())));
}

#[tokio::test]
async fn a_delete_waits_for_an_insert_of_a_child_and_then_fails() {
    for isolation in ["read committed", "repeatable read"] {
        let server = TestServer::start();
        let a = server.connect().await;
        let b = server.connect().await;
        a.batch_execute(SCHEMA).await.expect("schema");
        a.batch_execute("begin; insert into child values (40, 2, 'new')")
            .await
            .expect("insert in a");
        let delete = tokio::spawn(async move {
            b.batch_execute(&format!(
                "begin isolation level {isolation}; delete from parent where id = 2; commit"
            ))
            .await
            .map_err(|e| e.code().map(|c| c.code().to_string()))
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!delete.is_finished(), "the delete waits for the inserter");
        a.batch_execute("commit").await.expect("commit");
        let r = delete.await.expect("task");
        let code = r
            .expect_err("the parent is referenced now")
            .unwrap_or_default();
        assert!(code == "23503" || code == "40001", "{isolation}: {code}");
        assert_eq!(orphans(&a).await, 0, "{isolation}");
    }
}

#[tokio::test]
async fn concurrent_inserts_and_deletes_leave_no_orphans() {
    let server = TestServer::start();
    let setup = server.connect().await;
    setup
        .batch_execute(
            "create table parent (id int primary key);
             create table child (id serial primary key, pid int not null references parent);
             insert into parent select g from generate_series(1, 40) g",
        )
        .await
        .expect("schema");
    let mut tasks = Vec::new();
    for worker in 0..6u32 {
        let c = server.connect().await;
        tasks.push(tokio::spawn(async move {
            for i in 0..60u32 {
                let key = ((worker * 7 + i * 13) % 40 + 1) as i32;
                let sql = if (worker + i) % 3 == 0 {
                    format!("delete from parent where id = {key}")
                } else {
                    format!("insert into child (pid) values ({key})")
                };
                if let Err(e) = c.batch_execute(&sql).await {
                    let code = e.code().map(|c| c.code().to_string());
                    assert_eq!(code.as_deref(), Some("23503"), "{sql}: {e}");
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    assert_eq!(orphans(&setup).await, 0);
    let children: i64 = setup
        .query_one("select count(*) from child", &[])
        .await
        .expect("count")
        .get(0);
    assert!(children > 0, "some inserts succeeded");
}
