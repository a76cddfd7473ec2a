//! B-tree indexes through the real binary: primary keys and unique
//! constraints under concurrency, CREATE INDEX on existing rows, the
//! planner's use of indexes (EXPLAIN), MVCC through index scans, and
//! indexes after a crash.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::SinkExt;
use tests::TestServer;
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error().map(|d| d.code().code())
}

async fn plan(c: &Client, sql: &str) -> Vec<String> {
    c.query(&format!("explain (costs off) {sql}"), &[])
        .await
        .expect("explain")
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

async fn ints(c: &Client, sql: &str) -> Vec<i64> {
    c.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get::<_, i64>(0))
        .collect()
}

/// Loads `n` rows (id, id % 100, 'row id') into `t` through COPY.
async fn load(c: &Client, table: &str, n: i64) {
    let sink = c
        .copy_in(&format!("copy {table} from stdin"))
        .await
        .expect("copy in");
    let mut data = String::new();
    for i in 0..n {
        data.push_str(&format!("{i}\t{}\trow {i}\n", i % 100));
    }
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from(data)).await.expect("send");
    sink.finish().await.expect("finish");
}

#[tokio::test]
async fn primary_key_rejects_duplicates_with_postgres_message() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id bigint primary key, v text unique)")
        .await
        .expect("create");
    c.execute("insert into t values (1, 'a'), (2, 'b')", &[])
        .await
        .expect("insert");
    let e = c
        .execute("insert into t values (1, 'c')", &[])
        .await
        .expect_err("duplicate key");
    let db = e.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "23505");
    assert_eq!(
        db.message(),
        "duplicate key value violates unique constraint \"t_pkey\""
    );
    assert_eq!(db.detail(), Some("Key (id)=(1) already exists."));
    let e = c
        .execute("update t set v = 'a' where id = 2", &[])
        .await
        .expect_err("unique v");
    assert_eq!(
        e.as_db_error().map(|d| d.message()),
        Some("duplicate key value violates unique constraint \"t_v_key\"")
    );
    // NULLs never conflict; the primary key column is NOT NULL.
    c.execute("insert into t values (3, null), (4, null)", &[])
        .await
        .expect("nulls are distinct");
    let e = c
        .execute("insert into t values (null, 'z')", &[])
        .await
        .expect_err("pk not null");
    assert_eq!(code(&e), Some("23502"));
    // A deleted key may be inserted again, in the same transaction too.
    c.batch_execute("begin; delete from t where id = 1; insert into t values (1, 'again'); commit")
        .await
        .expect("reuse a deleted key");
    // A rolled-back insert leaves no trace in the index.
    c.batch_execute("begin; insert into t values (10, 'x'); rollback")
        .await
        .expect("rollback");
    c.execute("insert into t values (10, 'x')", &[])
        .await
        .expect("key of an aborted insert is free");
    assert_eq!(
        ints(&c, "select id from t order by id").await,
        vec![1, 2, 3, 4, 10]
    );
}

#[tokio::test]
async fn concurrent_inserters_of_one_key_exactly_one_wins() {
    let server = TestServer::start();
    let setup = server.connect().await;
    setup
        .batch_execute("create table t (k int primary key, who int)")
        .await
        .expect("create");
    let clients = 6;
    let keys = 40;
    let mut tasks = Vec::new();
    for who in 0..clients {
        let c = server.connect().await;
        tasks.push(tokio::spawn(async move {
            let mut won = 0;
            let mut lost = 0;
            for k in 0..keys {
                match c
                    .execute("insert into t values ($1, $2)", &[&k, &who])
                    .await
                {
                    Ok(_) => won += 1,
                    Err(e) => {
                        assert_eq!(code(&e), Some("23505"), "loser gets 23505: {e}");
                        lost += 1;
                    }
                }
            }
            (won, lost)
        }));
    }
    let mut won = 0;
    for t in tasks {
        let (w, l) = t.await.expect("join");
        assert_eq!(w + l, keys);
        won += w;
    }
    assert_eq!(won, keys, "exactly one insert per key succeeds");
    let rows = setup
        .query("select k, count(*) from t group by k", &[])
        .await
        .expect("count");
    assert_eq!(rows.len(), keys as usize);
    assert!(rows.iter().all(|r| r.get::<_, i64>(1) == 1));
}

#[tokio::test]
async fn an_inserter_waits_for_an_uncommitted_duplicate() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("create table t (k int primary key)")
        .await
        .expect("create");
    a.batch_execute("begin; insert into t values (1), (2)")
        .await
        .expect("a inserts");
    let waiter = tokio::spawn(async move {
        let one = b.execute("insert into t values (1)", &[]).await;
        let two = b.execute("insert into t values (2)", &[]).await;
        (
            one.map_err(|e| code(&e).map(str::to_string)),
            two.is_ok(),
            b,
        )
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "the duplicate insert must wait");
    a.batch_execute("commit").await.expect("commit");
    let (one, _, b) = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("waiter finishes")
        .expect("join");
    assert_eq!(one, Err(Some("23505".into())), "after commit: duplicate");

    // And when the first inserter rolls back, the waiter succeeds.
    a.batch_execute("begin; insert into t values (3)")
        .await
        .expect("a inserts 3");
    let waiter = tokio::spawn(async move { b.execute("insert into t values (3)", &[]).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "waits for the in-progress insert");
    a.batch_execute("rollback").await.expect("rollback");
    tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("finishes")
        .expect("join")
        .expect("insert succeeds after the other rolled back");
}

#[tokio::test]
async fn create_index_on_existing_rows_and_explain_uses_it() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int not null, grp int, label text)")
        .await
        .expect("create");
    load(&c, "t", 100_000).await;
    assert_eq!(
        plan(&c, "select * from t where id = 42").await,
        vec!["Seq Scan on t", "  Filter: (id = 42)"]
    );
    c.batch_execute("create unique index t_pkey on t (id)")
        .await
        .expect("unique index");
    c.batch_execute("create index on t (grp, id)")
        .await
        .expect("create index");
    assert_eq!(
        plan(&c, "select * from t where id = 42").await,
        vec!["Index Scan using t_pkey on t", "  Index Cond: (id = 42)"]
    );
    assert_eq!(
        plan(
            &c,
            "select * from t where grp = 7 and id < 500 and label <> 'x'"
        )
        .await,
        vec![
            "Index Scan using t_grp_id_idx on t",
            "  Index Cond: ((grp = 7) AND (id < 500))",
            "  Filter: (label <> 'x'::text)",
        ]
    );
    assert_eq!(
        plan(&c, "select id from t order by id desc limit 3").await,
        vec!["Limit", "  ->  Index Scan Backward using t_pkey on t"]
    );
    let rows = c
        .query("select label from t where id = $1", &[&77_777i32])
        .await
        .expect("point lookup");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, &str>(0), "row 77777");
    assert_eq!(
        ints(&c, "select id::int8 from t order by id desc limit 3").await,
        vec![99_999, 99_998, 99_997]
    );
    assert_eq!(
        ints(
            &c,
            "select id::int8 from t where grp = 7 and id between 100 and 400 order by id"
        )
        .await,
        vec![107, 207, 307]
    );
    assert_eq!(
        ints(
            &c,
            "select id::int8 from t where id in (5, 3, 99999, 100000, 3) order by id"
        )
        .await,
        vec![3, 5, 99_999]
    );
    let e = c
        .batch_execute("create unique index dup on t (grp)")
        .await
        .expect_err("duplicate keys in build");
    let db = e.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "23505");
    assert_eq!(db.message(), "could not create unique index \"dup\"");
    assert!(
        db.detail()
            .is_some_and(|d| d.starts_with("Key (grp)=(") && d.ends_with(") is duplicated.")),
        "{:?}",
        db.detail()
    );
}

#[tokio::test]
async fn index_scans_respect_snapshots_and_updates() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("create table acct (id int primary key, balance int not null)")
        .await
        .expect("create");
    for i in 0..50 {
        a.execute("insert into acct values ($1, 100)", &[&i])
            .await
            .expect("insert");
    }
    b.batch_execute("begin isolation level repeatable read")
        .await
        .expect("rr");
    let before: i32 = b
        .query_one("select balance from acct where id = 7", &[])
        .await
        .expect("read")
        .get(0);
    assert_eq!(before, 100);
    a.execute("update acct set balance = balance - 30 where id = 7", &[])
        .await
        .expect("update");
    a.execute("delete from acct where id = 8", &[])
        .await
        .expect("delete");
    let seen: Vec<i32> = b
        .query(
            "select balance from acct where id in (7, 8) order by id",
            &[],
        )
        .await
        .expect("read again")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(seen, vec![100, 100], "the old snapshot sees old versions");
    b.batch_execute("commit").await.expect("commit");
    let now: Vec<i32> = b
        .query(
            "select balance from acct where id in (7, 8) order by id",
            &[],
        )
        .await
        .expect("read new")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(now, vec![70]);
    // Transfers through the primary key keep the total.
    for i in 0..49 {
        a.batch_execute(&format!(
            "begin; update acct set balance = balance - 1 where id = {i}; \
             update acct set balance = balance + 1 where id = {}; commit",
            i + 1
        ))
        .await
        .expect("transfer");
    }
    let total: i64 = a
        .query_one("select sum(balance)::int8 from acct", &[])
        .await
        .expect("sum")
        .get(0);
    assert_eq!(total, 49 * 100 - 30);
}

#[tokio::test]
async fn drop_truncate_reindex_and_names() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table t (a int, b int, constraint t_ab unique (a, b)); \
         create index on t (b); create index on t (b)",
    )
    .await
    .expect("create");
    let names: Vec<String> = c
        .query(
            "select relname::text from pg_catalog.pg_class where relkind = 'i' order by relname",
            &[],
        )
        .await
        .expect("pg_class")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, vec!["t_ab", "t_b_idx", "t_b_idx1"]);
    let e = c
        .batch_execute("create index t_b_idx on t (a)")
        .await
        .expect_err("name taken");
    assert_eq!(code(&e), Some("42P07"));
    c.batch_execute("create index if not exists t_b_idx on t (a)")
        .await
        .expect("if not exists");
    let e = c
        .batch_execute("drop index t_ab")
        .await
        .expect_err("constraint");
    assert_eq!(code(&e), Some("2BP01"));
    c.batch_execute("insert into t values (1, 1), (1, 2), (2, 1)")
        .await
        .expect("insert");
    c.batch_execute("truncate t").await.expect("truncate");
    c.batch_execute("insert into t values (1, 1)")
        .await
        .expect("keys free after truncate");
    c.batch_execute("reindex table t; reindex index t_b_idx")
        .await
        .expect("reindex");
    assert_eq!(
        ints(&c, "select count(*) from t where a = 1 and b = 1").await,
        vec![1]
    );
    c.batch_execute("drop index t_b_idx, t_b_idx1; drop index if exists nope")
        .await
        .expect("drop index");
    let e = c
        .batch_execute("drop index nope")
        .await
        .expect_err("missing");
    assert_eq!(code(&e), Some("42704"));
    c.batch_execute("begin; create index t_a on t (a); rollback")
        .await
        .expect("rolled back create");
    c.batch_execute("create index t_a on t (a)")
        .await
        .expect("name free after rollback");
    c.batch_execute("drop table t").await.expect("drop table");
    c.batch_execute("create table t (a int); create index t_a on t (a)")
        .await
        .expect("index names free after drop table");
}

#[tokio::test]
async fn committed_index_entries_survive_kill_9() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int primary key, v int)")
        .await
        .expect("create");
    let mut expect = BTreeMap::new();
    for round in 0..20 {
        let mut sql = String::from("insert into t values ");
        for j in 0..200 {
            let id = round * 200 + j;
            if j > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("({id}, {})", id * 3));
            expect.insert(id, id * 3);
        }
        c.batch_execute(&sql).await.expect("insert");
    }
    c.batch_execute("begin; insert into t values (-1, 0)")
        .await
        .expect("uncommitted");
    server.kill();
    server.start_again();
    let c = server.connect().await;
    for id in [0, 1, 1999, 2500, 3999] {
        let v: i32 = c
            .query_one("select v from t where id = $1", &[&id])
            .await
            .expect("lookup after crash")
            .get(0);
        assert_eq!(v, expect[&id]);
    }
    assert!(
        c.query("select v from t where id = -1", &[])
            .await
            .expect("lookup")
            .is_empty()
    );
    let e = c
        .execute("insert into t values (5, 0)", &[])
        .await
        .expect_err("the index still knows key 5");
    assert_eq!(code(&e), Some("23505"));
    c.execute("insert into t values (-1, 0)", &[])
        .await
        .expect("the uncommitted key is free");
    c.batch_execute("select bt_index_check('t_pkey')")
        .await
        .expect("the recovered index verifies");
}

#[tokio::test]
async fn joins_probe_an_index_for_a_few_outer_rows() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table cust (id int primary key, name text); \
         create table ord (id int primary key, cust_id int, amount int)",
    )
    .await
    .expect("create");
    load_pairs(&c).await;
    assert_eq!(
        plan(&c, "select ord.amount, cust.name from ord join cust on cust.id = ord.cust_id where ord.id = 42").await,
        vec![
            "Nested Loop",
            "  ->  Index Scan using ord_pkey on ord",
            "        Index Cond: (id = 42)",
            "  ->  Index Scan using cust_pkey on cust",
            "        Index Cond: (id = ord.cust_id)",
        ]
    );
    let rows = c
        .query(
            "select ord.amount, cust.name from ord join cust on cust.id = ord.cust_id where ord.id = 42",
            &[],
        )
        .await
        .expect("join");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), 420);
    assert_eq!(rows[0].get::<_, &str>(1), "customer 2");
    // Without a selective outer side, the join hashes.
    assert_eq!(
        plan(
            &c,
            "select count(*) from ord join cust on cust.id = ord.cust_id"
        )
        .await[1],
        "  ->  Hash Join"
    );
}

/// 2,000 orders over 20 customers.
async fn load_pairs(c: &Client) {
    let mut sql = String::from("insert into cust values ");
    for i in 0..20 {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("({i}, 'customer {i}')"));
    }
    c.batch_execute(&sql).await.expect("customers");
    let mut sql = String::from("insert into ord values ");
    for i in 0..2000 {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("({i}, {}, {})", i % 20, i * 10));
    }
    c.batch_execute(&sql).await.expect("orders");
}

#[tokio::test]
async fn concurrent_upserts_never_fail_and_count_every_attempt() {
    let server = TestServer::start();
    let setup = server.connect().await;
    setup
        .batch_execute("create table counter (k int primary key, n int not null)")
        .await
        .expect("create");
    let clients = 6;
    let rounds = 30;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let c = server.connect().await;
        tasks.push(tokio::spawn(async move {
            for i in 0..rounds {
                let k = i % 5;
                c.execute(
                    "insert into counter values ($1, 1) on conflict (k) do update set n = counter.n + 1",
                    &[&k],
                )
                .await
                .expect("an upsert never fails");
            }
        }));
    }
    for t in tasks {
        t.await.expect("join");
    }
    assert_eq!(
        ints(&setup, "select sum(n)::int8 from counter").await,
        vec![i64::from(clients * rounds)]
    );
    assert_eq!(ints(&setup, "select count(*) from counter").await, vec![5]);
    setup
        .batch_execute("select bt_index_check('counter_pkey')")
        .await
        .expect("index verifies");
}

#[tokio::test]
async fn vacuum_removes_dead_index_entries_before_line_pointers_are_reused() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table v (id int primary key, grp int, pad text)")
        .await
        .expect("create");
    load(&c, "v", 2000).await;
    c.batch_execute("delete from v where id % 2 = 0")
        .await
        .expect("delete");
    c.batch_execute("vacuum v").await.expect("vacuum");
    c.batch_execute("select bt_index_check('v_pkey')")
        .await
        .expect("index verifies after vacuum");
    assert_eq!(
        ints(&c, "select count(*) from v where id < 100").await,
        vec![50]
    );
    // The freed line pointers are reused by new rows; lookups through the
    // index must find exactly the new rows, not the vacuumed old ones.
    c.batch_execute("insert into v select id + 1, 0, 'again' from v where id < 1000")
        .await
        .expect("refill");
    for id in [0i32, 2, 500, 998] {
        let rows = c
            .query("select pad from v where id = $1", &[&id])
            .await
            .expect("lookup");
        let expect = if id == 0 { 0 } else { 1 };
        assert_eq!(rows.len(), expect, "id {id}");
        if let Some(r) = rows.first() {
            assert_eq!(r.get::<_, &str>(0), "again");
        }
    }
    c.batch_execute("vacuum v").await.expect("second vacuum");
    c.batch_execute("select bt_index_check('v_pkey')")
        .await
        .expect("second vacuum verifies");
    assert_eq!(ints(&c, "select count(*) from v").await, vec![1500]);
}
