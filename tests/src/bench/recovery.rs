//! Recovery: how long a server takes to accept connections again after a
//! crash under load.
//!
//! ```text
//!   pgbench -i (or the inline-key fallback, see super::pgbench)
//!   pgbench TPC-B -c 8 -j 2 -M prepared, running
//!   ... <recovery_load> seconds ...
//!   kill -9 every server process (heapgres; postmaster and backends)
//!   start the server again (heapgres binary; pg_ctl start)   ─┐ timed
//!   until a new connection runs `select 1`                   ─┘
//! ```
//!
//! The time covers WAL replay from the last checkpoint and whatever the
//! server does before it accepts (PostgreSQL's end-of-recovery checkpoint,
//! heapgres's likewise). With the default 5 min checkpoint_timeout and a
//! 60 s load, the whole load's WAL is replayed.

use std::process::Stdio;
use std::time::Duration;

use super::pgbench;
use super::report::{Better, Metric, Results};
use super::server::Server;
use super::{BenchError, BenchResult, Config};

/// Restart time after kill -9.
pub const RESTART: Metric = Metric {
    name: "recovery: kill -9 under TPC-B, until accepting",
    unit: "s",
    better: Better::Lower,
};

async fn measure(server: &mut Server, cfg: &Config, results: &mut Results) -> BenchResult<f64> {
    pgbench::initialize(server, cfg.pgbench_scale, results, false).await?;
    // pgbench outlives the kill; it is told to run well past it.
    let mut load = pgbench::command(server)
        .args(["-n", "-c", "8", "-j", "2", "-M", "prepared", "-T"])
        .arg((cfg.recovery_load.as_secs() + 600).to_string())
        .arg("postgres")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| BenchError(format!("cannot run pgbench: {e}")))?;
    tokio::time::sleep(cfg.recovery_load).await;
    let early_exit = load.try_wait()?;
    server.kill9();
    let _ = load.kill();
    let _ = load.wait();
    if let Some(status) = early_exit {
        server.restart_after_kill().await?;
        return Err(format!("the TPC-B load stopped before the kill ({status})").into());
    }
    let took: Duration = server.restart_after_kill().await?;
    Ok(took.as_secs_f64())
}

/// The whole workload on one system for one round.
pub async fn run(server: &mut Server, cfg: &Config, results: &mut Results) {
    let outcome = measure(server, cfg, results).await;
    results.record(server.system, RESTART, outcome);
}
