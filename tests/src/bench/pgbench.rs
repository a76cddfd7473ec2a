//! The pgbench workload: the real pgbench 15 client against each server.
//!
//! # STEPS, PER SYSTEM AND ROUND
//!
//! 1. `pgbench -i -s <scale>` (steps `dtgvp`: drop, create tables, generate
//!    data with COPY, VACUUM ANALYZE, add primary keys), timed.
//! 2. If that fails (heapgres without VACUUM or `ALTER TABLE ... ADD PRIMARY
//!    KEY`), the init time is skipped with pgbench's error, and the tables
//!    are set up another way so the runs can still happen: CREATE TABLE
//!    with the primary key inline, then `pgbench -i -I g` (generate only).
//!    If even that fails (no PRIMARY KEY at all), every run is skipped: a
//!    TPC-B without the key would time sequential scans, not transactions.
//! 3. The runs, each `-T <duration> -n` (no VACUUM before the run, for both):
//!
//! ```text
//!   TPC-B          -c 1            -M simple | -M prepared
//!   TPC-B          -c 8 -j 2       -M simple | -M prepared   (+ peak RSS)
//!   select-only    -S -c 8 -j 2    -M simple | -M prepared
//!   simple-update  -N -c 8 -j 2    -M simple | -M prepared
//! ```
//!
//! The figure is pgbench's `tps = N (without initial connection time)`.
//! During the first 8-client TPC-B run a sampler adds up the VmRSS of all
//! the server's processes every 100 ms; its peak is the memory figure.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::report::{Better, Metric, Results};
use super::server::{PG_BIN, Processes, Server};
use super::{BenchError, BenchResult, Config};

/// `pgbench -i` time.
pub const INIT: Metric = Metric {
    name: "pgbench: -i (initialize)",
    unit: "s",
    better: Better::Lower,
};

/// Peak resident memory during the 8-client TPC-B run.
pub const MEMORY: Metric = Metric {
    name: "memory: peak RSS during TPC-B -c 8",
    unit: "MiB",
    better: Better::Lower,
};

const fn tps(name: &'static str) -> Metric {
    Metric {
        name,
        unit: "tps",
        better: Better::Higher,
    }
}

/// One timed pgbench run.
struct Run {
    metric: Metric,
    args: &'static [&'static str],
    /// Whether memory is sampled during this run.
    sample_memory: bool,
}

const RUNS: &[Run] = &[
    Run {
        metric: tps("pgbench: TPC-B -c 1 -M simple"),
        args: &["-c", "1", "-j", "1", "-M", "simple"],
        sample_memory: false,
    },
    Run {
        metric: tps("pgbench: TPC-B -c 1 -M prepared"),
        args: &["-c", "1", "-j", "1", "-M", "prepared"],
        sample_memory: false,
    },
    Run {
        metric: tps("pgbench: TPC-B -c 8 -j 2 -M simple"),
        args: &["-c", "8", "-j", "2", "-M", "simple"],
        sample_memory: true,
    },
    Run {
        metric: tps("pgbench: TPC-B -c 8 -j 2 -M prepared"),
        args: &["-c", "8", "-j", "2", "-M", "prepared"],
        sample_memory: false,
    },
    Run {
        metric: tps("pgbench: select-only -S -c 8 -j 2 -M simple"),
        args: &["-S", "-c", "8", "-j", "2", "-M", "simple"],
        sample_memory: false,
    },
    Run {
        metric: tps("pgbench: select-only -S -c 8 -j 2 -M prepared"),
        args: &["-S", "-c", "8", "-j", "2", "-M", "prepared"],
        sample_memory: false,
    },
    Run {
        metric: tps("pgbench: simple-update -N -c 8 -j 2 -M simple"),
        args: &["-N", "-c", "8", "-j", "2", "-M", "simple"],
        sample_memory: false,
    },
    Run {
        metric: tps("pgbench: simple-update -N -c 8 -j 2 -M prepared"),
        args: &["-N", "-c", "8", "-j", "2", "-M", "prepared"],
        sample_memory: false,
    },
];

/// pgbench 15: PostgreSQL's own copy, else whatever `pgbench` is on PATH.
pub fn pgbench_path() -> PathBuf {
    let own = PathBuf::from(PG_BIN).join("pgbench");
    if own.exists() {
        own
    } else {
        PathBuf::from("pgbench")
    }
}

/// A pgbench command with the connection options for `server`.
pub fn command(server: &Server) -> Command {
    let mut c = Command::new(pgbench_path());
    c.args([
        "-h",
        "127.0.0.1",
        "-p",
        &server.port.to_string(),
        "-U",
        "postgres",
    ]);
    c
}

/// The tps figure of a pgbench run's standard output: the line
/// `tps = 1234.567890 (without initial connection time)`.
pub fn parse_tps(stdout: &str) -> Option<f64> {
    stdout.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("tps = ")?;
        if !rest.contains("without initial connection time") {
            return None;
        }
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// The lines of pgbench's stderr worth showing when it failed: those that
/// say `error` or `ERROR`, else the last line.
pub fn error_text(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.to_lowercase().contains("error"))
        .map(str::trim)
        .collect();
    if errors.is_empty() {
        stderr
            .lines()
            .last()
            .unwrap_or("pgbench failed")
            .trim()
            .to_string()
    } else {
        errors.join(" / ")
    }
}

/// Runs a prepared pgbench command off the async runtime.
async fn output(mut cmd: Command) -> BenchResult<Output> {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| BenchError(format!("pgbench task: {e}")))?
        .map_err(|e| BenchError(format!("cannot run pgbench: {e}")))
}

/// Fails with pgbench's error unless it exited with status 0.
fn check(out: &Output) -> BenchResult<()> {
    if out.status.success() {
        Ok(())
    } else {
        Err(BenchError(format!(
            "pgbench: {}",
            error_text(&String::from_utf8_lossy(&out.stderr))
        )))
    }
}

/// The pgbench tables without `pgbench -i`'s VACUUM and ALTER TABLE: the
/// keys inline, then client-side data generation only.
async fn fallback_init(server: &Server, scale: u32) -> BenchResult<()> {
    let client = server.connect().await?;
    client
        .batch_execute(
            "drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers;
             create table pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
             create table pgbench_tellers (tid int not null primary key, bid int, tbalance int, filler char(84));
             create table pgbench_accounts (aid int not null primary key, bid int, abalance int, filler char(84));
             create table pgbench_branches (bid int not null primary key, bbalance int, filler char(88));",
        )
        .await?;
    let mut cmd = command(server);
    cmd.args(["-i", "-I", "g", "-s", &scale.to_string(), "postgres"]);
    check(&output(cmd).await?)
}

/// Initializes the pgbench tables at `scale`, recording the `-i` time when
/// `record_init`; fails when no way of setting them up worked.
pub async fn initialize(
    server: &Server,
    scale: u32,
    results: &mut Results,
    record_init: bool,
) -> BenchResult<()> {
    let mut cmd = command(server);
    cmd.args(["-i", "-q", "-s", &scale.to_string(), "postgres"]);
    let t0 = Instant::now();
    let out = output(cmd).await?;
    let elapsed = t0.elapsed().as_secs_f64();
    match check(&out) {
        Ok(()) => {
            if record_init {
                results.record(server.system, INIT, Ok(elapsed));
            }
            Ok(())
        }
        Err(e) => {
            if record_init {
                results.record(server.system, INIT, Err(e.clone()));
            }
            fallback_init(server, scale).await.map_err(|f| {
                BenchError(format!(
                    "pgbench tables could not be set up: {e}; with inline keys: {f}"
                ))
            })
        }
    }
}

/// Samples the summed VmRSS of `procs` every 100 ms until dropped; the
/// peak is read at the end.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(procs: Processes) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(procs.rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        RssSampler {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    /// Stops sampling; the peak in bytes.
    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// One timed run; its tps.
async fn timed_run(server: &Server, args: &[&str], duration: Duration) -> BenchResult<f64> {
    let mut cmd = command(server);
    cmd.args(["-n", "-T", &duration.as_secs().max(1).to_string()])
        .args(args)
        .arg("postgres");
    let out = output(cmd).await?;
    check(&out)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    parse_tps(&stdout)
        .ok_or_else(|| BenchError(format!("no tps line in pgbench's output: {stdout}")))
}

/// The whole workload on one system for one round.
pub async fn run(server: &Server, cfg: &Config, results: &mut Results) {
    let run_metrics: Vec<Metric> = RUNS.iter().map(|r| r.metric).chain([MEMORY]).collect();
    if let Err(e) = initialize(server, cfg.pgbench_scale, results, true).await {
        results.record_all(server.system, &run_metrics, &e);
        return;
    }
    for r in RUNS {
        let sampler = r
            .sample_memory
            .then(|| RssSampler::start(server.processes()));
        let outcome = timed_run(server, r.args, cfg.duration).await;
        let failed = outcome.is_err();
        results.record(server.system, r.metric, outcome);
        if let Some(s) = sampler {
            let peak = s.finish();
            let memory = if failed {
                Err(BenchError("the 8-client TPC-B run failed".into()))
            } else {
                Ok(peak as f64 / (1024.0 * 1024.0))
            };
            results.record(server.system, MEMORY, memory);
        }
    }
}
