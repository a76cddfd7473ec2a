//! The first things a newcomer does: connect, create a table, write and
//! read rows, restart and find them again.

use tests::TestServer;

#[tokio::test]
async fn create_insert_select_survives_restart() {
    let mut server = TestServer::start();
    {
        let c = server.connect().await;
        c.batch_execute("create table t (id int not null, name text); insert into t values (1, 'one'), (2, 'two')")
            .await
            .expect("create and insert");
        let rows = c
            .query("select id, name from t order by id", &[])
            .await
            .expect("select");
        let got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(got, vec![(1, "one".to_string()), (2, "two".to_string())]);
    }
    server.restart();
    let c = server.connect().await;
    let rows = c
        .query("select count(*) from t", &[])
        .await
        .expect("count after restart");
    assert_eq!(rows[0].get::<_, i64>(0), 2);
}

/// EXPLAIN ANALYZE runs the query and prints each node's times, rows and
/// loops, then the planning and execution times, in PostgreSQL's format
/// (tests/slt/explain_analyze.slt compares the timeless form with
/// PostgreSQL 15 itself).
#[tokio::test]
async fn explain_analyze_prints_times_rows_and_loops() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table t (a int, b text); insert into t values (1, 'x'), (2, 'y'), (3, 'x')",
    )
    .await
    .expect("setup");
    let lines: Vec<String> = c
        .query("explain analyze select * from t where b = 'x'", &[])
        .await
        .expect("explain analyze")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let want = [
        r"^Seq Scan on t  \(cost=\d+\.\d\d\.\.\d+\.\d\d rows=\d+ width=\d+\) \(actual time=\d+\.\d{3}\.\.\d+\.\d{3} rows=2 loops=1\)$",
        r"^  Filter: \(b = 'x'::text\)$",
        r"^  Rows Removed by Filter: 1$",
        r"^Planning Time: \d+\.\d{3} ms$",
        r"^Execution Time: \d+\.\d{3} ms$",
    ];
    assert_eq!(lines.len(), want.len(), "{lines:#?}");
    for (line, pattern) in lines.iter().zip(want) {
        let re = regex::Regex::new(pattern).expect("pattern");
        assert!(re.is_match(line), "{line:?} does not match {pattern}");
    }
}
