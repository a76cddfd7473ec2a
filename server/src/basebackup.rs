//! `heapgres basebackup -D DIR [-h HOST] [-p PORT] [-U USER]`: an online
//! base backup of a running server on this machine, through PostgreSQL
//! 15's low-level API ([`storage::backup`]).
//!
//! ```text
//!  connect; SHOW data_directory              (the server's files must be
//!                                             readable from here)
//!  SELECT pg_backup_start(label, true)        checkpoint; backup starts
//!  copy every file of the data directory into DIR, fsyncing each, except
//!    postmaster.pid, pg_wal/* (recovery restores WAL from the archive;
//!    empty pg_wal/ and pg_wal/archive_status/ are created), backup_label*,
//!    recovery.signal, temporary files
//!  SELECT lsn, labelfile FROM pg_backup_stop(true)
//!                                             waits for the last segment
//!                                             to be archived
//!  write DIR/backup_label, fsync DIR
//! ```
//!
//! Progress goes to stderr. Files that vanish during the copy (a table
//! dropped meanwhile) are skipped: replay of the archived WAL recreates or
//! removes whatever changed after the backup started, and repairs pages
//! copied while being written (full-page images). DIR must not exist or be
//! empty.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// The subcommand's arguments.
#[derive(Debug, Clone)]
pub struct BaseBackupArgs {
    /// Where the backup goes.
    pub dir: PathBuf,
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// User name.
    pub user: String,
    /// The backup label.
    pub label: String,
}

/// Why a base backup failed.
#[derive(Debug, thiserror::Error)]
pub enum BaseBackupError {
    /// The server said no, or the connection failed.
    #[error("{0}")]
    Server(#[from] tokio_postgres::Error),
    /// A file could not be copied or written.
    #[error("could not {0}: {1}")]
    Io(String, std::io::Error),
    /// The target directory is not usable.
    #[error("{0}")]
    Usage(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BaseBackupError {
    let what = what.into();
    move |e| BaseBackupError::Io(what, e)
}

/// Files and directories never copied (module doc).
fn skipped(rel: &Path) -> bool {
    let s = rel.to_string_lossy();
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    s == "postmaster.pid"
        || s == "recovery.signal"
        || s.starts_with("backup_label")
        || (s.starts_with("pg_wal/") && s != "pg_wal/archive_status")
        || name.ends_with(".tmp")
        || name.starts_with("xlogtemp.")
}

/// Lists every regular file under `root` (relative paths), and every
/// directory.
fn walk(
    root: &Path,
    rel: &Path,
    files: &mut Vec<PathBuf>,
    dirs: &mut Vec<PathBuf>,
) -> Result<(), BaseBackupError> {
    let dir = root.join(rel);
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(format!("read directory {}", dir.display()))(e)),
    };
    for ent in rd {
        let ent = ent.map_err(io(format!("read directory {}", dir.display())))?;
        let r = rel.join(ent.file_name());
        if skipped(&r) {
            continue;
        }
        let Ok(ft) = ent.file_type() else { continue };
        if ft.is_dir() {
            dirs.push(r.clone());
            walk(root, &r, files, dirs)?;
        } else if ft.is_file() {
            files.push(r);
        }
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> Result<u64, BaseBackupError> {
    let data = match std::fs::read(from) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(format!("read file {}", from.display()))(e)),
    };
    use std::io::Write;
    let mut f = std::fs::File::create(to).map_err(io(format!("create file {}", to.display())))?;
    f.write_all(&data)
        .and_then(|()| f.sync_all())
        .map_err(io(format!("write file {}", to.display())))?;
    Ok(data.len() as u64)
}

fn fsync_dir(dir: &Path) -> Result<(), BaseBackupError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(format!("fsync directory {}", dir.display())))
}

/// Runs the backup (module doc), printing progress to stderr.
pub async fn run(args: &BaseBackupArgs) -> Result<(), BaseBackupError> {
    if args.dir.exists()
        && std::fs::read_dir(&args.dir)
            .map_err(io(format!("read directory {}", args.dir.display())))?
            .next()
            .is_some()
    {
        return Err(BaseBackupError::Usage(format!(
            "directory \"{}\" exists but is not empty",
            args.dir.display()
        )));
    }
    let conn = format!(
        "host={} port={} user={} dbname=postgres",
        args.host, args.port, args.user
    );
    let (client, connection) = tokio_postgres::connect(&conn, tokio_postgres::NoTls).await?;
    let conn_task = tokio::spawn(connection);
    let row = client.query_one("SHOW data_directory", &[]).await?;
    let source = PathBuf::from(row.get::<_, String>(0));
    let started = Instant::now();
    eprintln!("heapgres basebackup: initiating base backup, waiting for checkpoint to complete");
    let row = client
        .query_one("SELECT pg_backup_start($1, true)::text", &[&args.label])
        .await?;
    let start: String = row.get(0);
    eprintln!("heapgres basebackup: checkpoint completed; backup starts at {start}");
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    walk(&source, Path::new(""), &mut files, &mut dirs)?;
    std::fs::create_dir_all(&args.dir)
        .map_err(io(format!("create directory {}", args.dir.display())))?;
    for d in dirs.iter().chain(
        [
            PathBuf::from("pg_wal"),
            PathBuf::from("pg_wal/archive_status"),
        ]
        .iter(),
    ) {
        let p = args.dir.join(d);
        std::fs::create_dir_all(&p).map_err(io(format!("create directory {}", p.display())))?;
    }
    let total = files.len();
    let mut bytes = 0u64;
    let mut last_report = Instant::now();
    for (i, f) in files.iter().enumerate() {
        bytes += copy_file(&source.join(f), &args.dir.join(f))?;
        if last_report.elapsed().as_millis() >= 500 || i + 1 == total {
            last_report = Instant::now();
            eprintln!(
                "heapgres basebackup: {} kB copied, {}/{total} files ({}%)",
                bytes / 1024,
                i + 1,
                (i + 1) * 100 / total.max(1)
            );
        }
    }
    eprintln!("heapgres basebackup: waiting for the backup's last WAL segment to be archived");
    let row = client
        .query_one("SELECT lsn::text, labelfile FROM pg_backup_stop(true)", &[])
        .await?;
    let stop: String = row.get(0);
    let label: String = row.get(1);
    let label_path = args.dir.join("backup_label");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&label_path)
            .map_err(io(format!("create file {}", label_path.display())))?;
        f.write_all(label.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(io(format!("write file {}", label_path.display())))?;
    }
    for d in dirs
        .iter()
        .rev()
        .map(|d| args.dir.join(d))
        .chain([args.dir.clone()])
    {
        fsync_dir(&d)?;
    }
    drop(client);
    let _ = conn_task.await;
    eprintln!(
        "heapgres basebackup: base backup completed: {total} files, {} kB, WAL {start} to {stop}, {:.1} s",
        bytes / 1024,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
