//! Bloat: how much a table grows under updates while autovacuum runs.
//!
//! ```text
//!   bench_bloat (id int PRIMARY KEY, n int, filler text)   <bloat_rows> rows
//!   4 clients × (<bloat_updates> / 4) of
//!       update bench_bloat set n = n + 1 where id = $1     (autocommit)
//!   keys from a fixed pseudo-random sequence per client
//!   synchronous_commit = off in the updating sessions
//! ```
//!
//! The figure that matters is space, not commit latency (the `commit` and
//! `pgbench` workloads time that): with commits not waiting for their
//! WAL flush, a million updates take about a minute per system instead of
//! three, on both systems alike.
//!
//! Each update leaves a dead row version behind; pruning and (auto)vacuum
//! make that space reusable. The figures: the table's size on disk before
//! and after (see [`Server::relation_size`]), and their quotient. The
//! servers run with their default autovacuum settings.
//!
//! Needs `autovacuum` (detected by `show autovacuum`) and PRIMARY KEY (a
//! million updates by sequential scan would time the scan, not the bloat);
//! without either, the system is skipped with the reason.

use std::time::Instant;

use super::report::{Better, Metric, Results};
use super::server::{Server, connect};
use super::{BenchError, BenchResult, Config, Lcg};

/// Size before the updates.
pub const BEFORE: Metric = Metric {
    name: "bloat: table size before updates",
    unit: "MiB",
    better: Better::Lower,
};
/// Size after the updates.
pub const AFTER: Metric = Metric {
    name: "bloat: table size after updates",
    unit: "MiB",
    better: Better::Lower,
};
/// After / before.
pub const GROWTH: Metric = Metric {
    name: "bloat: growth (after / before)",
    unit: "×",
    better: Better::Lower,
};
/// Update rate while bloating.
pub const RATE: Metric = Metric {
    name: "bloat: single-row updates, 4 clients",
    unit: "updates/s",
    better: Better::Higher,
};

const ALL: [Metric; 4] = [BEFORE, AFTER, GROWTH, RATE];

/// Clients doing the updates.
const CLIENTS: u64 = 4;

async fn updater(conn_str: String, seed: u64, rows: u64, updates: u64) -> BenchResult<()> {
    let client = connect(&conn_str).await?;
    client.batch_execute("set synchronous_commit = off").await?;
    let stmt = client
        .prepare("update bench_bloat set n = n + 1 where id = $1")
        .await?;
    let mut keys = Lcg(seed);
    for _ in 0..updates {
        let id = keys.next_in(rows) as i32;
        client.execute(&stmt, &[&id]).await?;
    }
    Ok(())
}

/// Sizes before and after in bytes, and updates per second.
async fn measure(server: &Server, cfg: &Config) -> BenchResult<(u64, u64, f64)> {
    let client = server.connect().await?;
    client
        .simple_query("show autovacuum")
        .await
        .map_err(|e| BenchError(format!("needs autovacuum: {}", BenchError::from(e))))?;
    client
        .batch_execute("drop table if exists bench_bloat")
        .await?;
    client
        .batch_execute("create table bench_bloat (id int primary key, n int, filler text)")
        .await
        .map_err(|e| BenchError(format!("needs PRIMARY KEY: {}", BenchError::from(e))))?;
    let data: String = (1..=cfg.bloat_rows)
        .map(|id| format!("{id}\t0\t{}\n", "f".repeat(60)))
        .collect();
    super::bulk::copy_in(&client, "bench_bloat", &[data.into()]).await?;
    let before = server.relation_size(&client, "bench_bloat").await?;
    let per_client = cfg.bloat_updates / CLIENTS;
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            tokio::spawn(updater(
                server.conn_str(),
                1000 + c,
                cfg.bloat_rows,
                per_client,
            ))
        })
        .collect();
    for t in tasks {
        t.await
            .map_err(|e| BenchError(format!("update task: {e}")))??;
    }
    let rate = (per_client * CLIENTS) as f64 / t0.elapsed().as_secs_f64();
    let after = server.relation_size(&client, "bench_bloat").await?;
    client.batch_execute("drop table bench_bloat").await?;
    Ok((before, after, rate))
}

/// The whole workload on one system for one round.
pub async fn run(server: &Server, cfg: &Config, results: &mut Results) {
    let sys = server.system;
    match measure(server, cfg).await {
        Ok((before, after, rate)) => {
            let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
            results.record(sys, BEFORE, Ok(mib(before)));
            results.record(sys, AFTER, Ok(mib(after)));
            results.record(sys, GROWTH, Ok(after as f64 / before.max(1) as f64));
            results.record(sys, RATE, Ok(rate));
        }
        Err(e) => results.record_all(sys, &ALL, &e),
    }
}
