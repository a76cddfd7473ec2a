//! pgbench 15, the real client, against heapgres: `pgbench -i` builds its
//! schema (tables, COPY, VACUUM, primary keys); then the built-in TPC-B
//! (like), select-only and simple-update scripts each run from several
//! clients in `-M simple`, `-M extended` and `-M prepared`, with no failed
//! transaction, and the balances stay consistent with the history:
//! sum(abalance) = sum(bbalance) = sum(tbalance) = sum(history.delta).
//!
//! Each timed run lasts `HEAPGRES_PGBENCH_SECONDS` seconds (default 10;
//! raise it for a longer soak).

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

/// How long each timed run lasts.
fn run_seconds() -> u64 {
    std::env::var("HEAPGRES_PGBENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(10)
}

/// A number after `label` in pgbench's report.
fn reported(out: &str, label: &str) -> Option<u64> {
    let line = out.lines().find(|l| l.starts_with(label))?;
    let rest = line[label.len()..].trim_start();
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The balance sums: accounts, tellers, branches, history.
async fn sums(c: &tokio_postgres::Client) -> [i64; 4] {
    let mut out = [0; 4];
    for (i, (table, column)) in [
        ("pgbench_accounts", "abalance"),
        ("pgbench_tellers", "tbalance"),
        ("pgbench_branches", "bbalance"),
        ("pgbench_history", "delta"),
    ]
    .into_iter()
    .enumerate()
    {
        out[i] = one_i64(
            c,
            &format!("select coalesce(sum({column}), 0)::int8 from {table}"),
        )
        .await;
    }
    out
}

#[tokio::test]
async fn pgbench_initializes_and_every_builtin_script_runs_in_every_mode() {
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

    let seconds = run_seconds().to_string();
    // TPC-B (like) first: it keeps all four sums equal. `-n`: no vacuum
    // and no truncation of the history between runs, so the history
    // keeps every delta.
    for (script, flag) in [
        ("tpcb-like", None),
        ("select-only", Some("-S")),
        ("simple-update", Some("-N")),
    ] {
        let before = sums(&c).await;
        for mode in ["simple", "extended", "prepared"] {
            let mut args = vec!["-n", "-c", "4", "-j", "2", "-T", &seconds, "-M", mode];
            args.extend(flag);
            let out = run_pgbench(&server, &args);
            let processed = reported(&out, "number of transactions actually processed:");
            assert!(
                processed.is_some_and(|n| n > 0),
                "{script} -M {mode} processed no transaction:\n{out}"
            );
            assert_eq!(
                reported(&out, "number of failed transactions:"),
                Some(0),
                "{script} -M {mode} had failed transactions:\n{out}"
            );
        }
        let after = sums(&c).await;
        match script {
            "tpcb-like" => assert!(
                after.iter().all(|s| *s == after[3]),
                "TPC-B: sum(abalance), sum(tbalance), sum(bbalance), sum(delta) = {after:?}"
            ),
            "select-only" => assert_eq!(after, before, "select-only changed balances"),
            _ => {
                // simple-update changes accounts and the history only.
                assert_eq!(after[0], after[3], "accounts match the history: {after:?}");
                assert_eq!(
                    [after[1], after[2]],
                    [before[1], before[2]],
                    "tellers and branches untouched"
                );
            }
        }
    }
    c.batch_execute("select bt_index_check('pgbench_accounts_pkey')")
        .await
        .expect("the accounts index verifies after the runs");
}
