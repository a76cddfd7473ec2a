//! The `heapgres` binary: `heapgres [-D DIR] [-p PORT] [-c name=value]...`;
//! `heapgres waldump [-D DIR] [START_LSN]`, which prints the WAL one
//! record a line, like pg_waldump; and `heapgres basebackup -D DIR [-h HOST]
//! [-p PORT]`, an online base backup of a running server
//! ([`server::basebackup`]).

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

/// `heapgres waldump`: print WAL records like pg_waldump.
#[derive(Parser, Debug)]
#[command(name = "heapgres waldump")]
struct WaldumpArgs {
    /// Data directory whose pg_wal is read.
    #[arg(short = 'D', long = "pgdata", default_value = "./data")]
    data_dir: PathBuf,
    /// LSN to start at (`0/1000028`); default: the oldest segment's start.
    start: Option<String>,
}

fn waldump(args: WaldumpArgs) -> ExitCode {
    let start = match args.start.as_deref().map(str::parse::<wal::Lsn>) {
        None => None,
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => {
            eprintln!("heapgres waldump: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    match storage::recovery::waldump(&args.data_dir, start, &mut out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heapgres waldump: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `heapgres basebackup`: an online base backup of a running server.
#[derive(Parser, Debug)]
#[command(name = "heapgres basebackup", disable_help_flag = true)]
struct BaseBackupCli {
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// Directory to write the backup into (must not exist or be empty).
    #[arg(short = 'D', long = "pgdata")]
    dir: PathBuf,
    /// Server host.
    #[arg(short = 'h', long = "host", default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(short = 'p', long = "port", default_value_t = 5432)]
    port: u16,
    /// User name.
    #[arg(short = 'U', long = "username", default_value = "postgres")]
    user: String,
    /// The backup label.
    #[arg(short = 'l', long = "label", default_value = "heapgres basebackup")]
    label: String,
}

fn basebackup(cli: BaseBackupCli) -> ExitCode {
    let args = server::basebackup::BaseBackupArgs {
        dir: cli.dir,
        host: cli.host,
        port: cli.port,
        user: cli.user,
        label: cli.label,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("heapgres basebackup: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::basebackup::run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heapgres basebackup: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("basebackup") {
        let argv = std::env::args().skip(2);
        return basebackup(BaseBackupCli::parse_from(
            std::iter::once("heapgres basebackup".to_string()).chain(argv),
        ));
    }
    if std::env::args().nth(1).as_deref() == Some("waldump") {
        let argv = std::env::args().skip(2);
        return waldump(WaldumpArgs::parse_from(
            std::iter::once("heapgres waldump".to_string()).chain(argv),
        ));
    }
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
