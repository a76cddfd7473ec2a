//! Continuous archiving (PostgreSQL's `pgarch.c`, `xlogarchive.c` and
//! `contrib/basic_archive`): completed WAL files are copied to an archive,
//! and archive recovery copies them back.
//!
//! # Archive status files
//!
//! ```text
//! pg_wal/archive_status/000000010000000000000003.ready   complete, not yet archived
//! pg_wal/archive_status/000000010000000000000002.done    archived (or restored)
//! pg_wal/archive_status/00000002.history.ready           a timeline history file
//! ```
//!
//! With `archive_mode = on` the writer creates `<file>.ready` (empty) as
//! soon as a segment is complete and durable ([`notify_ready`]); the
//! archiver renames it to `<file>.done` once the archive holds the file.
//!
//! # Rules
//!
//! 1. A segment with a `.ready` file is never removed or recycled
//!    ([`is_archived`] is checked by the writer's cleanup).
//! 2. The archiver archives the oldest `.ready` file first (history files
//!    before segments, as PostgreSQL does), and never moves past a file it
//!    could not archive: it retries the same file with a growing delay
//!    (100 ms doubling up to 10 s), counting and logging each failure.
//! 3. `.done` is written only after the archive said it holds the file:
//!    the command exited 0, or for the directory target the copy was
//!    fsynced and renamed into place.
//! 4. An existing archived file is never overwritten with different bytes
//!    (the directory target fails, as `basic_archive` does); archiving the
//!    same bytes again succeeds.
//!
//! # Targets
//!
//! * [`ArchiveTarget::Command`]: `archive_command`, run with `sh -c` in the
//!   data directory; `%p` is the file's path relative to it, `%f` its
//!   name, `%%` a percent sign.
//! * [`ArchiveTarget::Directory`]: `archive_library = 'basic_archive'` with
//!   `basic_archive.archive_directory`: no shell. The file is copied to
//!   `archtemp.<name>.<pid>` in the directory, fsynced, renamed to its name,
//!   and the directory fsynced.
//! * [`ArchiveTarget::ObjectStore`]: `archive_library = 'object_store'`
//!   with `object_store.archive_url` (`file://`, or `s3://` etc. when that
//!   store is compiled in): the file is uploaded as an object that is never
//!   overwritten ([`crate::archive_object`]).
//!
//! The restore side ([`RestoreSource`]) mirrors all three: `restore_command`
//! (`%f`, `%p` the destination, `%r` unsupported and left empty), a copy
//! out of the archive directory, or a download from the object store. A
//! nonzero exit or a missing file means "not in the archive", which ends
//! archive recovery there; an object store that cannot be reached is an
//! error instead.
//!
//! # `archive_timeout`
//!
//! When set, the archiver forces a segment switch once that long has passed
//! since the last switch with WAL written in between, so an idle server
//! still archives its last changes within about `archive_timeout`.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;

use crate::archive_object::ObjectArchive;
use crate::error::{Result, WalError};
use crate::segment::{fsync_dir, segment_offset};
use crate::writer::WalWriter;

/// The status directory under `pg_wal`.
pub fn status_dir(wal_dir: &Path) -> PathBuf {
    wal_dir.join("archive_status")
}

fn status_path(wal_dir: &Path, name: &str, ext: &str) -> PathBuf {
    status_dir(wal_dir).join(format!("{name}.{ext}"))
}

/// Marks `name` (a segment or history file in `wal_dir`) ready for
/// archiving (`XLogArchiveNotify`).
pub fn notify_ready(wal_dir: &Path, name: &str, fsync: bool) -> Result<()> {
    let dir = status_dir(wal_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| WalError::io(format!("create directory {}", dir.display()), e))?;
    let p = status_path(wal_dir, name, "ready");
    File::create(&p).map_err(|e| WalError::io(format!("create file {}", p.display()), e))?;
    if fsync {
        fsync_dir(&dir)?;
    }
    Ok(())
}

/// Marks `name` as already in the archive (a file restored from it).
pub fn mark_done(wal_dir: &Path, name: &str) -> Result<()> {
    let dir = status_dir(wal_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| WalError::io(format!("create directory {}", dir.display()), e))?;
    let p = status_path(wal_dir, name, "done");
    File::create(&p).map_err(|e| WalError::io(format!("create file {}", p.display()), e))?;
    Ok(())
}

/// False while `name` waits for the archiver (rule 1).
pub fn is_archived(wal_dir: &Path, name: &str) -> bool {
    !status_path(wal_dir, name, "ready").exists()
}

/// Removes the status files of a segment that was removed or recycled.
pub fn forget(wal_dir: &Path, name: &str) {
    for ext in ["ready", "done"] {
        let _ = std::fs::remove_file(status_path(wal_dir, name, ext));
    }
}

/// Where completed WAL files go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchiveTarget {
    /// `archive_command`.
    Command(String),
    /// `basic_archive.archive_directory`.
    Directory(PathBuf),
    /// `object_store.archive_url` ([`crate::archive_object`]).
    ObjectStore(Arc<ObjectArchive>),
}

/// Replaces `%p`, `%f`, `%r` and `%%` in a command (PostgreSQL's
/// `replace_percent_placeholders`).
fn substitute(cmd: &str, path: &str, name: &str) -> String {
    let mut out = String::new();
    let mut chars = cmd.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('p') => out.push_str(path),
            Some('f') => out.push_str(name),
            Some('r') => {}
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

fn run_shell(data_dir: &Path, cmd: &str) -> std::result::Result<(), String> {
    match Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(data_dir)
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(match s.code() {
            Some(c) => format!("command failed with exit code {c}: {cmd}"),
            None => format!("command was terminated by a signal: {cmd}"),
        }),
        Err(e) => Err(format!("could not run command \"{cmd}\": {e}")),
    }
}

/// Copies `from` to `dir/name` durably and atomically (rules 3 and 4).
fn copy_into_dir(from: &Path, dir: &Path, name: &str) -> std::result::Result<(), String> {
    let dest = dir.join(name);
    let data =
        std::fs::read(from).map_err(|e| format!("could not read {}: {e}", from.display()))?;
    if dest.exists() {
        let old =
            std::fs::read(&dest).map_err(|e| format!("could not read {}: {e}", dest.display()))?;
        if old == data {
            return Ok(());
        }
        return Err(format!(
            "archive file \"{}\" already exists with different contents",
            dest.display()
        ));
    }
    let tmp = dir.join(format!("archtemp.{name}.{}", std::process::id()));
    let res = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(&data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &dest)?;
        File::open(dir)?.sync_all()
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!(
            "could not copy {} to {}: {e}",
            from.display(),
            dest.display()
        )
    })
}

impl ArchiveTarget {
    /// Archives `pg_wal/<name>` of `data_dir`; the error says why not.
    pub fn archive(&self, data_dir: &Path, name: &str) -> std::result::Result<(), String> {
        match self {
            ArchiveTarget::Command(cmd) => {
                run_shell(data_dir, &substitute(cmd, &format!("pg_wal/{name}"), name))
            }
            ArchiveTarget::Directory(dir) => {
                copy_into_dir(&data_dir.join("pg_wal").join(name), dir, name)
            }
            ArchiveTarget::ObjectStore(store) => store
                .archive(&data_dir.join("pg_wal").join(name), name)
                .map_err(|e| e.to_string()),
        }
    }
}

/// Where archive recovery finds WAL files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestoreSource {
    /// `restore_command`.
    Command(String),
    /// The `basic_archive.archive_directory`.
    Directory(PathBuf),
    /// The `object_store.archive_url`.
    ObjectStore(Arc<ObjectArchive>),
}

impl RestoreSource {
    /// Copies archived file `name` to `dest` (under `data_dir`). `Ok(false)`:
    /// the archive does not have it.
    pub fn restore(&self, data_dir: &Path, name: &str, dest: &Path) -> Result<bool> {
        let _ = std::fs::remove_file(dest);
        match self {
            RestoreSource::Command(cmd) => {
                let rel = dest.strip_prefix(data_dir).unwrap_or(dest);
                let cmd = substitute(cmd, &rel.display().to_string(), name);
                match run_shell(data_dir, &cmd) {
                    Ok(()) => Ok(dest.exists()),
                    Err(why) => {
                        tracing::debug!("could not restore file \"{name}\" from archive: {why}");
                        Ok(false)
                    }
                }
            }
            RestoreSource::Directory(dir) => {
                let src = dir.join(name);
                if !src.exists() {
                    return Ok(false);
                }
                std::fs::copy(&src, dest).map_err(|e| {
                    WalError::io(format!("copy {} to {}", src.display(), dest.display()), e)
                })?;
                Ok(true)
            }
            RestoreSource::ObjectStore(store) => store.restore(name, dest),
        }
    }
}

/// What `pg_stat_archiver` shows.
#[derive(Clone, Debug, Default)]
pub struct ArchiverStats {
    /// Files archived.
    pub archived_count: u64,
    /// The last file archived.
    pub last_archived_wal: Option<String>,
    /// When it was archived.
    pub last_archived_time: Option<SystemTime>,
    /// Failed attempts.
    pub failed_count: u64,
    /// The last file that failed.
    pub last_failed_wal: Option<String>,
    /// When it failed.
    pub last_failed_time: Option<SystemTime>,
    /// When counting started.
    pub stats_reset: Option<SystemTime>,
}

/// The archiver: a thread archiving `.ready` files in order (module doc).
pub struct Archiver {
    stats: Mutex<ArchiverStats>,
}

/// How the archiver is started.
#[derive(Clone, Debug)]
pub struct ArchiverOptions {
    /// The data directory (commands run there).
    pub data_dir: PathBuf,
    /// Where files go.
    pub target: ArchiveTarget,
    /// `archive_timeout`; zero disables it.
    pub archive_timeout: Duration,
}

const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

/// The `.ready` files, history files first, then by name (rule 2).
fn ready_files(wal_dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(status_dir(wal_dir)) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".ready").map(str::to_string)
        })
        .collect();
    v.sort_by_key(|n| (!n.ends_with(".history"), n.clone()));
    v
}

impl Archiver {
    /// Starts the archiver thread for `writer`'s WAL. It ends when the
    /// writer is dropped.
    pub fn start(writer: &Arc<WalWriter>, opts: ArchiverOptions) -> Arc<Archiver> {
        let archiver = Arc::new(Archiver {
            stats: Mutex::new(ArchiverStats {
                stats_reset: Some(SystemTime::now()),
                ..Default::default()
            }),
        });
        let weak_writer: Weak<WalWriter> = Arc::downgrade(writer);
        let me = archiver.clone();
        let spawned = std::thread::Builder::new()
            .name("archiver".into())
            .spawn(move || me.run(weak_writer, opts));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start the archiver");
        }
        archiver
    }

    /// A copy of the counters.
    pub fn stats(&self) -> ArchiverStats {
        self.stats.lock().clone()
    }

    fn run(&self, writer: Weak<WalWriter>, opts: ArchiverOptions) {
        let mut retry = FIRST_RETRY;
        let mut last_switch = Instant::now();
        loop {
            let Some(w) = writer.upgrade() else {
                return;
            };
            let wal_dir = w.wal_dir().to_path_buf();
            if !opts.archive_timeout.is_zero() && last_switch.elapsed() >= opts.archive_timeout {
                last_switch = Instant::now();
                if segment_offset(w.insert_lsn()) != 0
                    && let Err(e) = w.switch_segment()
                {
                    tracing::warn!(error = %e, "archive_timeout: could not switch WAL segment");
                }
            }
            drop(w);
            let mut failed = false;
            for name in ready_files(&wal_dir) {
                match opts.target.archive(&opts.data_dir, &name) {
                    Ok(()) => {
                        let from = status_path(&wal_dir, &name, "ready");
                        let to = status_path(&wal_dir, &name, "done");
                        if let Err(e) = std::fs::rename(&from, &to) {
                            tracing::warn!("could not rename file \"{}\": {e}", from.display());
                            failed = true;
                            break;
                        }
                        tracing::debug!("archived write-ahead log file \"{name}\"");
                        let mut s = self.stats.lock();
                        s.archived_count += 1;
                        s.last_archived_wal = Some(name);
                        s.last_archived_time = Some(SystemTime::now());
                        retry = FIRST_RETRY;
                    }
                    Err(why) => {
                        tracing::warn!(
                            "archiving write-ahead log file \"{name}\" failed: {why}; will try again in {} ms",
                            retry.as_millis()
                        );
                        let mut s = self.stats.lock();
                        s.failed_count += 1;
                        s.last_failed_wal = Some(name);
                        s.last_failed_time = Some(SystemTime::now());
                        failed = true;
                        break;
                    }
                }
            }
            if failed {
                std::thread::sleep(retry);
                retry = (retry * 2).min(MAX_RETRY);
            } else {
                std::thread::sleep(POLL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_like_postgres() {
        assert_eq!(
            substitute("cp %p /a/%f && echo 100%%", "pg_wal/X", "X"),
            "cp pg_wal/X /a/X && echo 100%"
        );
        assert_eq!(substitute("x %r y %q", "p", "f"), "x  y %q");
    }

    #[test]
    fn directory_target_never_overwrites_different_bytes() {
        let data = tempfile::tempdir().unwrap();
        let arch = tempfile::tempdir().unwrap();
        std::fs::create_dir(data.path().join("pg_wal")).unwrap();
        let seg = data.path().join("pg_wal/000000010000000000000001");
        std::fs::write(&seg, b"one").unwrap();
        let t = ArchiveTarget::Directory(arch.path().to_path_buf());
        t.archive(data.path(), "000000010000000000000001").unwrap();
        t.archive(data.path(), "000000010000000000000001").unwrap();
        std::fs::write(&seg, b"two").unwrap();
        let err = t
            .archive(data.path(), "000000010000000000000001")
            .unwrap_err();
        assert!(err.contains("different contents"), "{err}");
        let back = data.path().join("pg_wal/RECOVERYXLOG");
        let src = RestoreSource::Directory(arch.path().to_path_buf());
        assert!(
            src.restore(data.path(), "000000010000000000000001", &back)
                .unwrap()
        );
        assert_eq!(std::fs::read(&back).unwrap(), b"one");
        assert!(
            !src.restore(data.path(), "000000010000000000000002", &back)
                .unwrap()
        );
    }

    #[test]
    fn ready_files_in_archiving_order() {
        let d = tempfile::tempdir().unwrap();
        for n in [
            "000000010000000000000003",
            "000000010000000000000002",
            "00000002.history",
        ] {
            notify_ready(d.path(), n, false).unwrap();
        }
        assert_eq!(
            ready_files(d.path()),
            [
                "00000002.history",
                "000000010000000000000002",
                "000000010000000000000003"
            ]
        );
        assert!(!is_archived(d.path(), "000000010000000000000002"));
        assert!(is_archived(d.path(), "000000010000000000000009"));
    }
}
