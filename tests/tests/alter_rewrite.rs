//! ALTER COLUMN ... TYPE and DROP COLUMN rewrite the table into a new
//! file: committed, the rewrite survives a crash with its indexes valid;
//! uncommitted, the crash leaves the old table as it was.

use tests::TestServer;

async fn rows(c: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    c.simple_query(sql)
        .await
        .expect(sql)
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or("NULL").to_string())
                    .collect::<Vec<_>>()
                    .join("|"),
            ),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn rewrites_survive_a_crash_and_uncommitted_ones_vanish() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table t (id int primary key, qty text, junk text, price numeric(6,2));
         insert into t select g, (g * 10)::text, repeat('j', 50), g / 4.0 from generate_series(1, 2000) g;
         create index t_qty on t (qty);",
    )
    .await
    .expect("setup");
    c.batch_execute(
        "alter table t alter column qty type int using qty::int;
         alter table t drop column junk;",
    )
    .await
    .expect("rewrite");
    c.batch_execute(
        "begin; alter table t drop column price; alter table t alter column qty type text",
    )
    .await
    .expect("uncommitted rewrite");
    drop(c);
    server.kill();
    server.start_again();
    let c = server.connect().await;
    assert_eq!(
        rows(&c, "select * from t where id in (1, 2000) order by id").await,
        ["1|10|0.25", "2000|20000|500.00"]
    );
    assert_eq!(
        rows(
            &c,
            "select pg_typeof(qty)::text, count(*), sum(qty) from t group by 1"
        )
        .await,
        ["integer|2000|20010000"]
    );
    assert_eq!(
        rows(&c, "select id from t where qty = 12340").await,
        ["1234"]
    );
    for index in ["t_pkey", "t_qty"] {
        c.simple_query(&format!("select bt_index_check('{index}')"))
            .await
            .expect(index);
    }
    let err = c
        .batch_execute("insert into t values (5, 1, 1)")
        .await
        .expect_err("duplicate key");
    assert_eq!(err.code().map(|s| s.code()), Some("23505"));
}
