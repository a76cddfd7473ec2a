//! The `heapgres` binary: `heapgres [-D DIR] [-p PORT] [-c name=value]...`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// A PostgreSQL-compatible database server.
#[derive(Parser, Debug)]
#[command(name = "heapgres", version, about, disable_help_flag = true)]
struct Args {
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// Data directory (created and initialised on first start).
    #[arg(short = 'D', long = "pgdata", default_value = "./data")]
    data_dir: PathBuf,
    /// TCP port to listen on (overrides the `port` setting).
    #[arg(short = 'p', long)]
    port: Option<u16>,
    /// Host address to listen on (overrides `listen_addresses`).
    #[arg(short = 'h', long = "host")]
    host: Option<String>,
    /// Sets a configuration parameter, as `-c name=value`.
    #[arg(short = 'c', value_name = "NAME=VALUE")]
    settings: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HEAPGRES_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut overrides = Vec::new();
    for s in &args.settings {
        match s.split_once('=') {
            Some((k, v)) => overrides.push((k.trim().to_string(), v.trim().to_string())),
            None => {
                eprintln!("heapgres: -c {s} requires a value");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(p) = args.port {
        overrides.push(("port".into(), p.to_string()));
    }
    if let Some(h) = args.host {
        overrides.push(("listen_addresses".into(), h));
    }
    match server::server::run(&args.data_dir, &overrides) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heapgres: {e}");
            ExitCode::FAILURE
        }
    }
}
