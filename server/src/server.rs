//! The postmaster: data directory, settings, the listener, shutdown.
//!
//! Start-up: create and initialise the data directory if it does not exist
//! (`HEAPGRES_VERSION`, a commented `heapgres.conf`, the bootstrap
//! catalog); take `postmaster.pid`, an exclusive advisory lock that makes a
//! second server on the same directory refuse to start; read
//! `heapgres.conf` then `-c` overrides; open the storage engine; listen.
//!
//! SIGINT / SIGTERM: stop accepting, tell every session to end (their open
//! transactions roll back), wait for them briefly, checkpoint (write every
//! dirty page and fsync), remove `postmaster.pid`.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use storage::archive_recovery::{
    ArchiveRecoveryOptions, RECOVERY_SIGNAL, RecoveryTarget, TargetAction, TargetTimeline,
};
use storage::engine::{CheckpointSchedule, Engine, EngineOptions};
use wal::archive::{ArchiveTarget, ArchiverOptions, RestoreSource};
use wal::archive_object::ObjectArchive;

use crate::guc::{Settings, apply_config_file};
use crate::protocol::{Registry, serve};
use crate::session::Shared;

const DEFAULT_CONF: &str = "# heapgres configuration (postgresql.conf syntax: name = value)\n\
# listen_addresses = '127.0.0.1'\n\
# port = 5432\n\
# max_connections = 100\n\
# shared_buffers = 128MB\n";

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A file or socket operation failed.
    #[error("{0}")]
    Io(String),
    /// A setting is invalid.
    #[error("{0}")]
    Config(String),
    /// The storage engine failed.
    #[error("{0}")]
    Storage(#[from] storage::StorageError),
}

/// The stack of the threads statements run on: deep enough for nested
/// views and subqueries at their limits (54001 past them).
const SESSION_STACK_SIZE: usize = 16 << 20;

fn io_err(what: impl std::fmt::Display, e: std::io::Error) -> ServerError {
    ServerError::Io(format!("{what}: {e}"))
}

/// Holds `postmaster.pid` for the server's lifetime.
struct PidFile {
    path: PathBuf,
    _file: File,
}

impl PidFile {
    fn acquire(data_dir: &Path, port: i64) -> Result<PidFile, ServerError> {
        let path = data_dir.join("postmaster.pid");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| {
                io_err(
                    format!("could not open lock file \"{}\"", path.display()),
                    e,
                )
            })?;
        if file.try_lock().is_err() {
            return Err(ServerError::Io(format!(
                "lock file \"{}\" is held by another server: is another heapgres running in data directory \"{}\"?",
                path.display(),
                data_dir.display()
            )));
        }
        file.set_len(0)
            .map_err(|e| io_err("could not truncate lock file", e))?;
        writeln!(
            file,
            "{}\n{}\n{}",
            std::process::id(),
            data_dir.display(),
            port
        )
        .map_err(|e| io_err("could not write lock file", e))?;
        Ok(PidFile { path, _file: file })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn init_data_dir(data_dir: &Path) -> Result<(), ServerError> {
    let version = data_dir.join("HEAPGRES_VERSION");
    if version.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(data_dir).map_err(|e| {
        io_err(
            format!("could not create directory \"{}\"", data_dir.display()),
            e,
        )
    })?;
    let conf = data_dir.join("heapgres.conf");
    if !conf.exists() {
        std::fs::write(&conf, DEFAULT_CONF)
            .map_err(|e| io_err("could not write heapgres.conf", e))?;
    }
    std::fs::write(&version, format!("{}\n", env!("CARGO_PKG_VERSION")))
        .map_err(|e| io_err("could not write HEAPGRES_VERSION", e))?;
    tracing::info!("initialised data directory {}", data_dir.display());
    Ok(())
}

/// Loads settings: defaults, then `heapgres.conf`, then overrides.
pub fn load_settings(
    data_dir: &Path,
    overrides: &[(String, String)],
) -> Result<Settings, ServerError> {
    let mut settings = Settings::defaults();
    let conf = data_dir.join("heapgres.conf");
    if let Ok(text) = std::fs::read_to_string(&conf) {
        apply_config_file(&mut settings, &text, &conf.display().to_string())
            .map_err(ServerError::Config)?;
    }
    for (k, v) in overrides {
        settings
            .set(k, v, true)
            .map_err(|e| ServerError::Config(e.message.clone()))?;
    }
    settings
        .set("data_directory", &data_dir.display().to_string(), true)
        .map_err(|e| ServerError::Config(e.message.clone()))?;
    Ok(settings)
}

/// Where completed segments are archived: `archive_library =
/// 'basic_archive'` with `basic_archive.archive_directory`,
/// `archive_library = 'object_store'` with `object_store.archive_url`, else
/// `archive_command` (`None` when none is set: WAL accumulates).
fn archive_target(settings: &Settings) -> Result<Option<ArchiveTarget>, ServerError> {
    let get = |n: &str| settings.get(n).unwrap_or("").trim().to_string();
    let library = get("archive_library");
    let command = get("archive_command");
    if !library.is_empty() && !command.is_empty() {
        return Err(ServerError::Config(
            "both \"archive_command\" and \"archive_library\" set".into(),
        ));
    }
    let required = |setting: &str| {
        let v = get(setting);
        if v.is_empty() {
            Err(ServerError::Config(format!(
                "\"{setting}\" must be set when archive_library is \"{library}\""
            )))
        } else {
            Ok(v)
        }
    };
    match library.as_str() {
        "" if command.is_empty() => Ok(None),
        "" => Ok(Some(ArchiveTarget::Command(command))),
        "basic_archive" => Ok(Some(ArchiveTarget::Directory(PathBuf::from(required(
            "basic_archive.archive_directory",
        )?)))),
        "object_store" => Ok(Some(ArchiveTarget::ObjectStore(object_archive(
            &required("object_store.archive_url")?,
        )?))),
        other => Err(ServerError::Config(format!(
            "archive library \"{other}\" is not supported (only \"basic_archive\" and \"object_store\")"
        ))),
    }
}

/// Connects to the object-store archive at `url`; an unusable URL (or a
/// scheme not compiled in) stops startup.
fn object_archive(url: &str) -> Result<Arc<ObjectArchive>, ServerError> {
    ObjectArchive::new(url)
        .map(Arc::new)
        .map_err(|e| ServerError::Config(e.to_string()))
}

/// Archive recovery settings: `restore_command` (or the basic_archive
/// directory, or the object_store URL) and the `recovery_target_*`
/// settings, checked as PostgreSQL checks them (one target at most).
fn recovery_options(settings: &Settings) -> Result<ArchiveRecoveryOptions, ServerError> {
    let get = |n: &str| settings.get(n).unwrap_or("").trim().to_string();
    let command = get("restore_command");
    let dir = get("basic_archive.archive_directory");
    let url = get("object_store.archive_url");
    let source = if !command.is_empty() {
        Some(RestoreSource::Command(command))
    } else if get("archive_library") == "basic_archive" && !dir.is_empty() {
        Some(RestoreSource::Directory(PathBuf::from(dir)))
    } else if get("archive_library") == "object_store" && !url.is_empty() {
        Some(RestoreSource::ObjectStore(object_archive(&url)?))
    } else {
        None
    };
    let bad = |name: &str, v: &str| {
        ServerError::Config(format!("invalid value for parameter \"{name}\": \"{v}\""))
    };
    let mut targets = Vec::new();
    let xid = get("recovery_target_xid");
    if !xid.is_empty() {
        targets.push(RecoveryTarget::Xid(
            xid.parse().map_err(|_| bad("recovery_target_xid", &xid))?,
        ));
    }
    let time = get("recovery_target_time");
    if !time.is_empty() {
        let tz =
            storage::datum::datetime::parse_time_zone(settings.get("TimeZone").unwrap_or("UTC"))
                .map_err(|e| ServerError::Config(e.to_string()))?;
        let ts = storage::datum::TimestampTz::parse(&time, &tz)
            .map_err(|_| bad("recovery_target_time", &time))?;
        targets.push(RecoveryTarget::Time(ts.0));
    }
    let lsn = get("recovery_target_lsn");
    if !lsn.is_empty() {
        targets.push(RecoveryTarget::Lsn(
            lsn.parse().map_err(|_| bad("recovery_target_lsn", &lsn))?,
        ));
    }
    let name = get("recovery_target_name");
    if !name.is_empty() {
        targets.push(RecoveryTarget::Name(name));
    }
    if targets.len() > 1 {
        return Err(ServerError::Config(
            "multiple recovery targets specified".into(),
        ));
    }
    let tl = get("recovery_target_timeline");
    let timeline = match tl.as_str() {
        "latest" | "" => TargetTimeline::Latest,
        "current" => TargetTimeline::Current,
        n => TargetTimeline::Id(
            n.parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad("recovery_target_timeline", n))?,
        ),
    };
    Ok(ArchiveRecoveryOptions {
        source,
        target: targets.pop().unwrap_or_default(),
        inclusive: settings.get_bool("recovery_target_inclusive"),
        action: match settings.get("recovery_target_action") {
            Some("promote") => TargetAction::Promote,
            Some("shutdown") => TargetAction::Shutdown,
            _ => TargetAction::Pause,
        },
        timeline,
    })
}

/// Runs the server until SIGINT or SIGTERM.
pub fn run(data_dir: &Path, overrides: &[(String, String)]) -> Result<(), ServerError> {
    init_data_dir(data_dir)?;
    let settings = load_settings(data_dir, overrides)?;
    let port = settings.get_int("port").unwrap_or(5432);
    let _pid = PidFile::acquire(data_dir, port)?;
    let fsync = settings.get_bool("fsync");
    if !fsync {
        tracing::warn!("fsync is off: data may be lost or corrupted in a crash");
    }
    let kb =
        |name: &str, default: i64| settings.get_int(name).unwrap_or(default).max(1) as u64 * 1024;
    let opts = EngineOptions {
        shared_buffers: settings.get_int("shared_buffers").unwrap_or(16384) as usize,
        fsync,
        full_page_writes: settings.get_bool("full_page_writes"),
        min_wal_size: kb("min_wal_size", 80 << 10),
        wal_writer_delay: Duration::from_millis(
            settings.get_int("wal_writer_delay").unwrap_or(200).max(1) as u64,
        ),
        archive_mode: settings.get("archive_mode") != Some("off"),
        recovery: recovery_options(&settings)?,
    };
    let archive = archive_target(&settings)?;
    if opts.archive_mode && archive.is_none() {
        tracing::warn!(
            "archive_mode enabled, yet archiving is not configured: WAL accumulates in pg_wal"
        );
    }
    if data_dir.join(RECOVERY_SIGNAL).exists() && opts.recovery.source.is_none() {
        return Err(ServerError::Config(
            "must specify restore_command (or archive_library = 'basic_archive') when recovery.signal exists".into(),
        ));
    }
    let engine = match Engine::open(data_dir, &opts) {
        Err(storage::StorageError::ShutdownAtRecoveryTarget(why)) => {
            tracing::info!(
                "recovery stopping {why}; shutting down (recovery_target_action = shutdown)"
            );
            tracing::info!("database system is shut down");
            return Ok(());
        }
        other => other?,
    };
    if let (true, Some(target)) = (opts.archive_mode, archive) {
        engine.start_archiver(ArchiverOptions {
            data_dir: data_dir.to_path_buf(),
            target,
            archive_timeout: Duration::from_secs(
                settings.get_int("archive_timeout").unwrap_or(0).max(0) as u64,
            ),
        });
    }
    crate::sql::exec::tuplesort::remove_temp_files(data_dir)
        .map_err(|e| io_err("could not remove old temporary files", e))?;
    let checkpoint_timeout = settings.get_int("checkpoint_timeout").unwrap_or(300).max(1) as u64;
    engine.start_checkpointer(CheckpointSchedule {
        timeout: Duration::from_secs(checkpoint_timeout),
        max_wal_size: kb("max_wal_size", 1 << 20),
        completion_target: settings
            .get("checkpoint_completion_target")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.9),
    });
    // Autovacuum writes: not while paused in recovery.
    let weak = Arc::downgrade(&engine);
    let av_settings = settings.clone();
    engine.on_promote(Box::new(move || {
        if let Some(engine) = weak.upgrade() {
            crate::session::vacuum_cmd::start_autovacuum(&engine, &av_settings);
        }
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(SESSION_STACK_SIZE)
        .build()
        .map_err(|e| io_err("could not start the runtime", e))?;
    let result = runtime.block_on(listen(engine.clone(), settings, port));
    runtime.shutdown_timeout(Duration::from_secs(5));
    tracing::info!("shutting down: writing dirty pages");
    engine.shutdown()?;
    tracing::info!("database system is shut down");
    result
}

async fn listen(engine: Arc<Engine>, settings: Settings, port: i64) -> Result<(), ServerError> {
    let host = settings
        .get("listen_addresses")
        .unwrap_or("127.0.0.1")
        .to_string();
    let host = if host == "*" {
        "0.0.0.0".to_string()
    } else {
        host
    };
    let addr = format!(
        "{}:{port}",
        host.split(',').next().unwrap_or("127.0.0.1").trim()
    );
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| io_err(format!("could not listen on {addr}"), e))?;
    tracing::info!("listening on {addr}; authentication is trust for loopback connections");
    tracing::info!("database system is ready to accept connections");
    let shared = Shared::new(engine, settings);
    let registry = Arc::new(Registry::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| io_err("signal", e))?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                match accepted {
                    Ok((stream, peer)) => {
                        if !peer.ip().is_loopback() {
                            tracing::warn!("rejecting connection from {peer}: only loopback connections are allowed");
                            continue;
                        }
                        tokio::spawn(serve(stream, shared.clone(), registry.clone(), stop_rx.clone()));
                    }
                    Err(e) => tracing::warn!("accept failed: {e}"),
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = sigterm.recv() => break,
        }
    }
    tracing::info!("received shutdown request; ending sessions");
    let _ = stop_tx.send(true);
    for _ in 0..100 {
        if registry.active.load(Ordering::Acquire) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
