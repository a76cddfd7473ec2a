//! pgbench 15, the real client, against heapgres: `pgbench -i` builds its
//! schema (tables, COPY, VACUUM, primary keys), and TPC-B runs from several
//! clients in both query modes leave the balances consistent with the
//! history.

use std::process::Command;

use tests::TestServer;

/// pgbench from PostgreSQL 15's installation, or from PATH.
fn pgbench() -> String {
    let installed = format!("{}/pgbench", tests::oracle::PG_BIN);
    if std::path::Path::new(&installed).exists() {
        installed
    } else {
        "pgbench".into()
    }
}

fn run_pgbench(server: &TestServer, args: &[&str]) -> String {
    let out = Command::new(pgbench())
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "-U",
            "postgres",
        ])
        .args(args)
        .arg("postgres")
        .output()
        .expect("run pgbench (PostgreSQL 15's client must be installed; .ci/run installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "pgbench {args:?} failed:\n{stdout}\n{stderr}\nserver log:\n{}",
        server.log()
    );
    stdout
}

async fn one_i64(c: &tokio_postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

#[tokio::test]
async fn pgbench_initializes_and_tpcb_keeps_balances_consistent() {
    let server = TestServer::start();
    run_pgbench(&server, &["-i", "-s", "1", "-q"]);
    let c = server.connect().await;
    assert_eq!(
        one_i64(&c, "select count(*) from pgbench_accounts").await,
        100_000
    );
    assert_eq!(
        one_i64(&c, "select count(*) from pgbench_branches").await,
        1
    );
    assert_eq!(
        one_i64(&c, "select count(*) from pgbench_tellers").await,
        10
    );
    let plan: Vec<String> = c
        .query(
            "explain (costs off) select abalance from pgbench_accounts where aid = 7",
            &[],
        )
        .await
        .expect("explain")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        plan[0], "Index Scan using pgbench_accounts_pkey on pgbench_accounts",
        "the primary key that pgbench -i added is used"
    );

    let out = run_pgbench(
        &server,
        &["-c", "4", "-j", "2", "-t", "40", "-M", "prepared"],
    );
    assert!(
        out.contains("number of transactions actually processed: 160/160"),
        "{out}"
    );
    let out = run_pgbench(&server, &["-c", "2", "-t", "20", "-M", "simple", "-n"]);
    assert!(
        out.contains("number of transactions actually processed: 40/40"),
        "{out}"
    );

    assert_eq!(
        one_i64(&c, "select count(*) from pgbench_history").await,
        200
    );
    let history = one_i64(&c, "select sum(delta)::int8 from pgbench_history").await;
    for (table, column) in [
        ("pgbench_accounts", "abalance"),
        ("pgbench_tellers", "tbalance"),
        ("pgbench_branches", "bbalance"),
    ] {
        let balance = one_i64(&c, &format!("select sum({column})::int8 from {table}")).await;
        assert_eq!(balance, history, "{table} balances add up to the history");
    }
    c.batch_execute("select bt_index_check('pgbench_accounts_pkey')")
        .await
        .expect("the accounts index verifies after the run");
}
