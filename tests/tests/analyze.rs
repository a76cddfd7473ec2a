//! ANALYZE, `pg_stats` and the cost-based choice between a sequential and
//! an index scan, compared with PostgreSQL 15 running the same script.
//!
//! The table holds 10,000 rows small enough for ANALYZE to read whole (a
//! sample of 30,000 rows), so both servers compute their statistics from
//! every row: `null_frac` and `n_distinct` must be equal, and the MCV list
//! of the skewed column too. Plans are compared by the name of their scan
//! node only (PostgreSQL may pick a Bitmap Heap Scan where heapgres has
//! only an Index Scan: both count as "not a sequential scan").

use tests::TestServer;
use tests::oracle::Oracle;
use tokio_postgres::Client;

/// `k` is 1 in 99% of the rows and unique in the rest; `v` is NULL in a
/// third of them and takes 7 values; `id` is the primary key.
const SETUP: &str = "
    CREATE TABLE s (id int PRIMARY KEY, k int, v text);
    CREATE INDEX s_k ON s (k);
    INSERT INTO s SELECT g, CASE WHEN g % 100 = 0 THEN g ELSE 1 END,
        CASE WHEN g % 3 = 0 THEN NULL ELSE 'v' || (g % 7) END
        FROM generate_series(1, 10000) g;
    ANALYZE s;
";

/// Predicates and whether PostgreSQL reads them with a sequential scan.
const QUERIES: &[&str] = &[
    "SELECT * FROM s WHERE k = 1",
    "SELECT * FROM s WHERE k = 500",
    "SELECT * FROM s WHERE k <> 1",
    "SELECT * FROM s WHERE id = 42",
    "SELECT * FROM s WHERE id > 100",
    "SELECT * FROM s WHERE id BETWEEN 10 AND 20",
    "SELECT * FROM s WHERE k IN (300, 400)",
    "SELECT * FROM s WHERE v IS NULL",
];

async fn scan_kind(c: &Client, sql: &str) -> &'static str {
    let rows = c
        .query(&format!("EXPLAIN (COSTS off) {sql}"), &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let plan: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    if plan.iter().any(|l| l.contains("Seq Scan")) {
        "seq"
    } else {
        "index"
    }
}

/// (attname, null_frac, n_distinct, most_common_vals) of `s`.
async fn stats(c: &Client) -> Vec<(String, f32, f32, Option<String>)> {
    c.query(
        "SELECT attname::text, null_frac, n_distinct, most_common_vals::text \
         FROM pg_stats WHERE tablename = 's' ORDER BY attname",
        &[],
    )
    .await
    .expect("pg_stats")
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

async fn both() -> Option<(TestServer, Client, Oracle, Client)> {
    let oracle = Oracle::start()?;
    let pg = oracle.connect().await;
    let server = TestServer::start_with(&["-c", "autovacuum=off"]);
    let ours = server.connect().await;
    for c in [&ours, &pg] {
        c.batch_execute(SETUP).await.expect("setup");
    }
    Some((server, ours, oracle, pg))
}

#[tokio::test]
async fn plans_follow_statistics_as_in_postgres() {
    let Some((_server, ours, _oracle, pg)) = both().await else {
        return;
    };
    for sql in QUERIES {
        let (a, b) = (scan_kind(&ours, sql).await, scan_kind(&pg, sql).await);
        assert_eq!(a, b, "{sql}: heapgres {a}, PostgreSQL {b}");
    }
    // The two shapes this test is about, spelled out.
    assert_eq!(scan_kind(&ours, QUERIES[0]).await, "seq");
    assert_eq!(scan_kind(&ours, QUERIES[1]).await, "index");
}

#[tokio::test]
async fn pg_stats_match_postgres_for_a_full_sample() {
    let Some((_server, ours, _oracle, pg)) = both().await else {
        return;
    };
    let (a, b) = (stats(&ours).await, stats(&pg).await);
    assert_eq!(a.len(), 3, "{a:?}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        assert!((x.1 - y.1).abs() < 1e-4, "null_frac {x:?} {y:?}");
        assert!((x.2 - y.2).abs() < 1e-4, "n_distinct {x:?} {y:?}");
    }
    // k: the skewed column; v: seven values, all of them MCVs.
    assert_eq!(a[1].3, b[1].3, "k's MCVs");
    assert_eq!(a[1].3.as_deref(), Some("{1}"));
    let sorted = |s: &Option<String>| {
        let mut v: Vec<String> = s
            .as_deref()
            .unwrap_or("")
            .trim_matches(['{', '}'])
            .split(',')
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    // Equal frequencies leave the order of v's MCVs to the sort's ties.
    assert_eq!(sorted(&a[2].3), sorted(&b[2].3), "v's MCVs");
}

#[tokio::test]
async fn enable_seqscan_off_forces_the_index() {
    let server = TestServer::start_with(&["-c", "autovacuum=off"]);
    let c = server.connect().await;
    c.batch_execute(SETUP).await.expect("setup");
    assert_eq!(scan_kind(&c, QUERIES[0]).await, "seq");
    c.batch_execute("SET enable_seqscan = off")
        .await
        .expect("set");
    assert_eq!(scan_kind(&c, QUERIES[0]).await, "index");
    c.batch_execute("RESET enable_seqscan; SET enable_indexscan = off")
        .await
        .expect("set");
    assert_eq!(scan_kind(&c, QUERIES[1]).await, "seq");
}

#[tokio::test]
async fn analyze_columns_verbose_and_drop() {
    let server = TestServer::start_with(&["-c", "autovacuum=off"]);
    let c = server.connect().await;
    c.batch_execute(
        "CREATE TABLE a (x int, y text); \
         INSERT INTO a SELECT g, NULL FROM generate_series(1, 100) g; \
         ANALYZE a (y)",
    )
    .await
    .expect("analyze");
    let names: Vec<String> = c
        .query(
            "SELECT attname::text FROM pg_stats WHERE tablename = 'a'",
            &[],
        )
        .await
        .expect("pg_stats")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, vec!["y".to_string()]);
    let e = c
        .batch_execute("ANALYZE a (nope)")
        .await
        .expect_err("42703");
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("42703"));
    c.batch_execute("VACUUM ANALYZE a; DROP TABLE a")
        .await
        .expect("drop");
    let left: i64 = c
        .query_one("SELECT count(*) FROM pg_statistic", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(left, 0);
}
