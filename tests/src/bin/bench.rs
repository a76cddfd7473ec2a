//! `bench`: heapgres and PostgreSQL 15 side by side (issue #8).
//!
//! ```text
//! cargo run --release -p tests --bin bench -- [--quick] [--rounds N]
//!     [--duration SECS] [--out DIR] [--heapgres-bin PATH] [workload ...]
//! ```
//!
//! Builds heapgres in release mode, starts both servers, runs the selected
//! workloads A B A B over the rounds, prints the table and writes it to
//! `<out>/bench.md` and `<out>/bench.json`. The design is in
//! `tests/src/bench/mod.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use serde_json::json;

use tests::bench::report::Results;
use tests::bench::server::{PG_BIN, Server};
use tests::bench::{
    Config, ONCE, SETTINGS, WORKLOADS, bloat, bulk, commit, pgbench, reads, recovery,
};

/// heapgres and PostgreSQL 15 side by side, as ratios.
#[derive(Parser, Debug)]
#[command(name = "bench")]
struct Args {
    /// Smoke test (under 2 minutes): one round, 3 s runs, a tenth of the
    /// rows.
    #[arg(long)]
    quick: bool,
    /// Rounds of A B alternation (default 3, 1 with --quick).
    #[arg(long)]
    rounds: Option<usize>,
    /// Seconds per timed pgbench run in each round (default 6, 3 with
    /// --quick).
    #[arg(long)]
    duration: Option<u64>,
    /// Where bench.md and bench.json go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Use this heapgres binary instead of building one in release mode.
    #[arg(long)]
    heapgres_bin: Option<PathBuf>,
    /// Workloads to run (default all): pgbench (includes memory), commit,
    /// bulk, reads, bloat, recovery.
    workloads: Vec<String>,
}

/// The workspace root (this crate's parent directory).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `cargo build --release -p server --bin heapgres`; the binary's path.
fn build_heapgres() -> Result<PathBuf, String> {
    println!("building heapgres: cargo build --release -p server --bin heapgres");
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--release", "-p", "server", "--bin", "heapgres"])
        .current_dir(&root);
    // Under `cargo run`, cargo describes this package in the environment
    // (CARGO_PKG_*, CARGO_MANIFEST_DIR, ...); left in, they change the
    // nested build's fingerprints and it rebuilds from scratch.
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if n.starts_with("CARGO_PKG_")
            || n.starts_with("CARGO_BIN_")
            || n.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&n.as_ref())
        {
            build.env_remove(&name);
        }
    }
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --release -p server failed: {status}"));
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    Ok(target.join("release").join("heapgres"))
}

/// Standard output of a command, trimmed; empty when it fails.
fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Total memory in GiB, from /proc/meminfo.
fn memory_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map(|kb| kb / (1024.0 * 1024.0))
        .unwrap_or(0.0)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            let line = c.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_string())
        })
        .unwrap_or_default()
}

/// Every round: each selected workload on PostgreSQL, then on heapgres.
async fn run_rounds(
    selected: &[&str],
    cfg: &Config,
    pg: &mut Server,
    hg: &mut Server,
    results: &mut Results,
) {
    for round in 1..=cfg.rounds {
        println!("round {round}/{}", cfg.rounds);
        for w in selected {
            if round > 1 && ONCE.contains(w) {
                continue;
            }
            for server in [&mut *pg, &mut *hg] {
                println!("  {w} on {}", server.system.name());
                let started = Instant::now();
                if let Err(e) = server.ensure_running().await {
                    println!("    {} cannot be restarted: {e}", server.system.name());
                    continue;
                }
                match *w {
                    "pgbench" => pgbench::run(server, cfg, results).await,
                    "commit" => commit::run(server, cfg, results).await,
                    "bulk" => bulk::run(server, cfg, results).await,
                    "reads" => reads::run(server, cfg, results).await,
                    "bloat" => bloat::run(server, cfg, results).await,
                    "recovery" => recovery::run(server, cfg, results).await,
                    other => unreachable!("workload {other} was validated against WORKLOADS"),
                }
                println!("    {:.0} s", started.elapsed().as_secs_f64());
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut cfg = if args.quick {
        Config::quick()
    } else {
        Config::full()
    };
    if let Some(r) = args.rounds {
        cfg.rounds = r.max(1);
    }
    if let Some(d) = args.duration {
        cfg.duration = std::time::Duration::from_secs(d.max(1));
    }
    let mut selected: Vec<&str> = Vec::new();
    for w in &args.workloads {
        let w = if w == "memory" { "pgbench" } else { w.as_str() };
        match WORKLOADS.iter().find(|k| **k == w) {
            Some(k) if !selected.contains(k) => selected.push(k),
            Some(_) => {}
            None => {
                eprintln!("unknown workload {w:?}; known: {}", WORKLOADS.join(", "));
                std::process::exit(2);
            }
        }
    }
    if selected.is_empty() {
        selected = WORKLOADS.to_vec();
    }

    let bin = match args.heapgres_bin {
        Some(b) => b,
        None => match build_heapgres() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
    };
    let started = Instant::now();
    println!(
        "starting PostgreSQL 15 ({PG_BIN}) and heapgres ({})",
        bin.display()
    );
    let mut pg = match Server::start_postgres().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("PostgreSQL did not start: {e}");
            std::process::exit(1);
        }
    };
    let mut hg = match Server::start_heapgres(&bin).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("heapgres did not start: {e}");
            drop(pg);
            std::process::exit(1);
        }
    };
    println!(
        "PostgreSQL on port {}, heapgres on port {}; {} round(s), {} s pgbench runs, {} rows, workloads: {}",
        pg.port,
        hg.port,
        cfg.rounds,
        cfg.duration.as_secs(),
        cfg.rows,
        selected.join(" ")
    );

    let mut results = Results::default();
    tokio::select! {
        () = run_rounds(&selected, &cfg, &mut pg, &mut hg, &mut results) => {}
        _ = tokio::signal::ctrl_c() => {
            println!("interrupted: the report has what was measured so far");
        }
    }
    drop(pg);
    drop(hg);

    let commit = command_output("git", &["rev-parse", "--short", "HEAD"]);
    let dirty =
        !command_output("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    let date = jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = memory_gib();
    let pg_version = command_output(&format!("{PG_BIN}/postgres"), &["--version"]);
    let header = format!(
        "{} run of {date}, heapgres commit {commit}{}, {cores} cores ({}), {mem:.1} GiB memory; \
         {pg_version}; {} round(s), {} s pgbench runs and {} s commit runs per round, \
         pgbench scale {}, {} rows, {} lookups, bloat {} rows / {} updates (first round \
         only), recovery after {} s of load (first round only). Figures are medians over \
         the rounds; spread is min–max.",
        if cfg.quick { "Quick (--quick)" } else { "Full" },
        if dirty { " (with local changes)" } else { "" },
        cpu_model(),
        cfg.rounds,
        cfg.duration.as_secs(),
        cfg.commit_duration.as_secs(),
        cfg.pgbench_scale,
        cfg.rows,
        cfg.lookups,
        cfg.bloat_rows,
        cfg.bloat_updates,
        cfg.recovery_load.as_secs(),
    );
    let settings: serde_json::Map<String, serde_json::Value> = SETTINGS
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let meta = json!({
        "date": date,
        "git_commit": commit,
        "git_dirty": dirty,
        "machine": { "cores": cores, "memory_gib": (mem * 10.0).round() / 10.0, "cpu": cpu_model() },
        "postgres": pg_version,
        "settings": settings,
        "quick": cfg.quick,
        "rounds": cfg.rounds,
        "duration_s": cfg.duration.as_secs(),
        "commit_duration_s": cfg.commit_duration.as_secs(),
        "pgbench_scale": cfg.pgbench_scale,
        "rows": cfg.rows,
        "lookups": cfg.lookups,
        "bloat_rows": cfg.bloat_rows,
        "bloat_updates": cfg.bloat_updates,
        "recovery_load_s": cfg.recovery_load.as_secs(),
        "workloads": selected,
        "elapsed_s": started.elapsed().as_secs(),
    });
    println!("\n{header}\n\n{}", results.markdown());
    match results.write(&args.out, &header, meta) {
        Ok(()) => println!(
            "wrote {} and {} ({} s)",
            args.out.join("bench.md").display(),
            args.out.join("bench.json").display(),
            started.elapsed().as_secs()
        ),
        Err(e) => eprintln!("cannot write the report to {}: {e}", args.out.display()),
    }
}
