//! Commit throughput: N clients, each on its own connection, commit
//! single-row INSERTs (autocommit, a prepared statement) as fast as they can
//! for the run's duration. The figure is commits per second over all
//! clients.
//!
//! ```text
//!   clients      1, 8, 32
//!   synchronous_commit   on  (the server's setting)
//!                        off (SET per session; skipped on a server that
//!                             rejects the SET)
//! ```
//!
//! With `on`, every commit waits for its WAL flush, so the figure measures
//! the WAL writer and group commit; with `off` it measures the rest of the
//! insert path. Each variant starts from an empty table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Barrier;

use super::report::{Better, Metric, Results};
use super::server::{Server, connect};
use super::{BenchError, BenchResult, Config};

const fn m(name: &'static str) -> Metric {
    Metric {
        name,
        unit: "commits/s",
        better: Better::Higher,
    }
}

/// (clients, synchronous_commit, metric)
const VARIANTS: &[(usize, bool, Metric)] = &[
    (1, true, m("commit: 1 client, synchronous_commit on")),
    (8, true, m("commit: 8 clients, synchronous_commit on")),
    (32, true, m("commit: 32 clients, synchronous_commit on")),
    (1, false, m("commit: 1 client, synchronous_commit off")),
    (8, false, m("commit: 8 clients, synchronous_commit off")),
    (32, false, m("commit: 32 clients, synchronous_commit off")),
];

/// One client: connect and prepare, wait for all the others, then INSERT
/// for `duration`. Returns the commits and when its loop started and ended.
async fn client_loop(
    conn_str: String,
    id: i32,
    sync: bool,
    duration: Duration,
    ready: Arc<Barrier>,
) -> BenchResult<(u64, Instant, Instant)> {
    let setup = async {
        let client = connect(&conn_str).await?;
        if !sync {
            client
                .batch_execute("set synchronous_commit = off")
                .await
                .map_err(|e| {
                    BenchError(format!(
                        "SET synchronous_commit = off: {}",
                        BenchError::from(e)
                    ))
                })?;
        }
        let stmt = client
            .prepare("insert into bench_commit (client, n, payload) values ($1, $2, $3)")
            .await?;
        BenchResult::Ok((client, stmt))
    }
    .await;
    // Every client reaches the barrier, failed or not, so none waits forever.
    ready.wait().await;
    let (client, stmt) = setup?;
    let payload = "x".repeat(40);
    let start = Instant::now();
    let deadline = start + duration;
    let mut n: i32 = 0;
    while Instant::now() < deadline {
        client.execute(&stmt, &[&id, &n, &payload]).await?;
        n += 1;
    }
    Ok((n as u64, start, Instant::now()))
}

/// One variant: a fresh table, `clients` loops for `duration`, each a task
/// of its own; commits per second from the first start to the last end.
async fn variant(
    server: &Server,
    clients: usize,
    sync: bool,
    duration: Duration,
) -> BenchResult<f64> {
    let admin = server.connect().await?;
    admin
        .batch_execute(
            "drop table if exists bench_commit;
             create table bench_commit (client int, n int, payload text)",
        )
        .await?;
    let ready = Arc::new(Barrier::new(clients));
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            tokio::spawn(client_loop(
                server.conn_str(),
                i as i32,
                sync,
                duration,
                ready.clone(),
            ))
        })
        .collect();
    let mut runs = Vec::new();
    for t in tasks {
        runs.push(
            t.await
                .map_err(|e| BenchError(format!("client task: {e}")))??,
        );
    }
    let total: u64 = runs.iter().map(|(n, _, _)| n).sum();
    let first = runs.iter().map(|(_, s, _)| *s).min();
    let last = runs.iter().map(|(_, _, e)| *e).max();
    admin.batch_execute("drop table bench_commit").await?;
    match (first, last) {
        (Some(f), Some(l)) => Ok(total as f64 / l.duration_since(f).as_secs_f64()),
        _ => Err("no clients".into()),
    }
}

/// The whole workload on one system for one round.
pub async fn run(server: &Server, cfg: &Config, results: &mut Results) {
    for (clients, sync, metric) in VARIANTS {
        let outcome = variant(server, *clients, *sync, cfg.commit_duration).await;
        results.record(server.system, *metric, outcome);
    }
}
