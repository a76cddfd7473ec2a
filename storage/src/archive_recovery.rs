//! Archive recovery and point-in-time recovery (PostgreSQL's
//! `xlogrecovery.c`: `recovery.signal`, `restore_command`, recovery
//! targets, timelines, promotion).
//!
//! # When
//!
//! A data directory holding `recovery.signal` starts in archive recovery
//! instead of crash recovery ([`crate::engine::Engine::open`]):
//!
//! ```text
//!  start point: backup_label (START WAL LOCATION / CHECKPOINT LOCATION /
//!               START TIMELINE) if present, else pg_control
//!  target timeline: recovery_target_timeline (latest: the newest N with
//!               0000000N.history in the archive or pg_wal; current; N)
//!  read the checkpoint record; pg_control state = in archive recovery
//!  for each record, restoring each segment from the archive first
//!  (restore_command or basic_archive.archive_directory; kept in pg_wal
//!  under its name with a .done status), from the target timeline's
//!  history for each segment:
//!      stop before it?   (xid exclusive, time, lsn)    -> end before it
//!      redo it
//!      BACKUP_END of our backup?                       -> consistent
//!      stop after it?    (xid inclusive, lsn inclusive, restore point name)
//!  end of WAL (next segment not in the archive) -> end of archive
//! ```
//!
//! # Rules
//!
//! 1. Nothing is opened before the end of the base backup has been
//!    replayed (the `BACKUP_END` record naming the label's start): a
//!    target met earlier, or the end of the archive, is an error naming the
//!    LSN ("requested recovery stop point is before consistent recovery
//!    point", "WAL ends before end of online backup") and the segment file
//!    that was missing.
//! 2. A configured target that is never met is an error too ("recovery
//!    ended before configured recovery target was reached"), never a
//!    silent opening at the end of the archive.
//! 3. Targets compare as PostgreSQL's do: an xid matches its commit or
//!    abort record; a time is compared with commit and abort timestamps
//!    (stop before the first one later than the target, or not earlier
//!    when exclusive); an LSN stops before the first record at or after it
//!    (inclusive: after the record starting exactly there); a name stops
//!    after its restore point.
//! 4. After the stop point the server continues on a *new* timeline, one
//!    above the newest known: its first segment is the old segment up to
//!    the stop point ([`wal::segment::begin_timeline_segment`]), so no
//!    file of the old timeline is ever overwritten. The history file is
//!    written and archived at promotion, before the first record of the
//!    new timeline ([`crate::engine::Engine::promote`]).
//! 5. Every xid seen in the replayed WAL is below the next xid assigned
//!    afterwards (a base backup may hold an older xid limit).
//!
//! # Not done (yet)
//!
//! Standby mode (`standby.signal`, streaming replication);
//! `recovery_target = 'immediate'`; `%r` in `restore_command`; the
//! `.partial` copy of the old timeline's last segment.

use std::path::{Path, PathBuf};

use wal::archive::{RestoreSource, mark_done};
use wal::rmgr::{CheckPoint, RM_XACT_ID, RM_XLOG_ID, XLOG_BACKUP_END, XLOG_RESTORE_POINT};
use wal::segment::{SegNo, SegmentSource};
use wal::timeline::{Timeline, history_file_name, parse_history};
use wal::{ControlFile, DbState, DecodedRecord, Lsn, TimeLineId, WAL_SEGMENT_SIZE, WalReader};

use crate::backup::BackupLabel;
use crate::buffer::BufferPool;
use crate::error::{Result, StorageError};
use crate::recovery::{describe, redo, wal_dir};
use crate::txn::Clog;
use crate::txn::xact_xlog::{XLOG_XACT_ABORT, XLOG_XACT_COMMIT, parse_xact};

/// The file that asks for archive recovery.
pub const RECOVERY_SIGNAL: &str = "recovery.signal";

/// Where to stop (`recovery_target_*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RecoveryTarget {
    /// The end of the archive.
    #[default]
    EndOfArchive,
    /// `recovery_target_xid`.
    Xid(u64),
    /// `recovery_target_time`, as `TimestampTz` microseconds.
    Time(i64),
    /// `recovery_target_lsn`.
    Lsn(Lsn),
    /// `recovery_target_name`.
    Name(String),
}

/// `recovery_target_action`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetAction {
    /// Stay in (read-only) recovery until `pg_wal_replay_resume()`.
    #[default]
    Pause,
    /// End recovery and open read-write on a new timeline.
    Promote,
    /// Stop the server.
    Shutdown,
}

/// `recovery_target_timeline`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetTimeline {
    /// The newest timeline found in the archive.
    #[default]
    Latest,
    /// The timeline the backup was taken on.
    Current,
    /// That timeline.
    Id(u32),
}

/// Settings of archive recovery.
#[derive(Clone, Debug, Default)]
pub struct ArchiveRecoveryOptions {
    /// `restore_command`, or the archive directory.
    pub source: Option<RestoreSource>,
    /// `recovery_target_*`.
    pub target: RecoveryTarget,
    /// `recovery_target_inclusive`.
    pub inclusive: bool,
    /// `recovery_target_action`.
    pub action: TargetAction,
    /// `recovery_target_timeline`.
    pub timeline: TargetTimeline,
}

/// Where archive recovery ended.
#[derive(Clone, Debug)]
pub struct ArchiveRecoveryEnd {
    /// Where the next record goes: the new timeline's switch point.
    pub end: Lsn,
    /// Start of the last replayed record.
    pub last: Lsn,
    /// The timeline the last replayed record is on (the new timeline's
    /// parent).
    pub parent: TimeLineId,
    /// The timeline whose segment holds `end` (copied for the new one).
    pub end_file_timeline: TimeLineId,
    /// The parent's history file text (empty for timeline 1).
    pub parent_history: String,
    /// The newest timeline known; the new one is above it.
    pub newest: TimeLineId,
    /// Why recovery stopped, for the log and the history file.
    pub reason: String,
    /// A recovery target was reached (rather than the end of the archive).
    pub reached_target: bool,
    /// The largest xid seen in the replayed WAL.
    pub max_xid: u64,
}

fn restore_into_wal_dir(
    data_dir: &Path,
    source: Option<&RestoreSource>,
    name: &str,
    expect_len: Option<u64>,
) -> Result<()> {
    let Some(src) = source else {
        return Ok(());
    };
    let dir = wal_dir(data_dir);
    let tmp = dir.join("RECOVERYXLOG");
    if !src.restore(data_dir, name, &tmp)? {
        return Ok(());
    }
    if let Some(want) = expect_len {
        let got = std::fs::metadata(&tmp)
            .map_err(|e| StorageError::io(format!("stat file {}", tmp.display()), e))?
            .len();
        if got != want {
            return Err(StorageError::Recovery(format!(
                "archive file \"{name}\" has wrong size: {got} instead of {want}"
            )));
        }
    }
    let dest = dir.join(name);
    std::fs::rename(&tmp, &dest).map_err(|e| {
        StorageError::io(
            format!("rename file {} to {}", tmp.display(), dest.display()),
            e,
        )
    })?;
    tracing::info!("restored log file \"{name}\" from archive");
    mark_done(&dir, name)?;
    Ok(())
}

/// The text of timeline `tli`'s history file, from the archive or pg_wal.
fn read_history(
    data_dir: &Path,
    source: Option<&RestoreSource>,
    tli: TimeLineId,
) -> Result<Option<String>> {
    if tli == TimeLineId::FIRST {
        return Ok(Some(String::new()));
    }
    let name = history_file_name(tli);
    restore_into_wal_dir(data_dir, source, &name, None)?;
    let p = wal_dir(data_dir).join(&name);
    match std::fs::read_to_string(&p) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StorageError::io(format!("read file {}", p.display()), e)),
    }
}

/// PostgreSQL's `findNewestTimeLine`: the newest timeline from `start` on
/// with a history file in the archive or pg_wal.
pub fn newest_timeline(
    data_dir: &Path,
    source: Option<&RestoreSource>,
    start: TimeLineId,
) -> Result<TimeLineId> {
    let mut newest = start;
    loop {
        let probe = TimeLineId(newest.0 + 1);
        if read_history(data_dir, source, probe)?.is_none() {
            return Ok(newest);
        }
        newest = probe;
    }
}

/// Lines of a history text for timelines below `below`.
fn history_prefix(text: &str, below: TimeLineId) -> String {
    text.lines()
        .filter(|l| {
            l.split('\t')
                .next()
                .and_then(|t| t.trim().parse::<u32>().ok())
                .is_some_and(|t| t < below.0)
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn err_at(msg: String, src: &SegmentSource) -> StorageError {
    match src.missing_file() {
        Some(f) => StorageError::Recovery(format!(
            "{msg}; could not find WAL file \"{f}\" in the archive or pg_wal"
        )),
        None => StorageError::Recovery(msg),
    }
}

/// Replays archived WAL to the target (module doc). `control` is the data
/// directory's control file; `label` the backup label, if any.
pub fn recover(
    data_dir: &Path,
    pool: &BufferPool,
    clog: &Clog,
    control: &ControlFile,
    label: Option<&BackupLabel>,
    opts: &ArchiveRecoveryOptions,
    fsync: bool,
) -> Result<ArchiveRecoveryEnd> {
    let source = opts.source.as_ref();
    let (checkpoint, redo_lsn, start_tli) = match label {
        Some(l) => (l.checkpoint, l.start, l.timeline),
        None => (control.checkpoint, control.redo, control.timeline),
    };
    tracing::info!(
        "starting point-in-time recovery from checkpoint {checkpoint} on timeline {start_tli}{}",
        match &opts.target {
            RecoveryTarget::EndOfArchive => String::new(),
            RecoveryTarget::Xid(x) => format!(" to XID {x}"),
            RecoveryTarget::Time(_) => " to a time".into(),
            RecoveryTarget::Lsn(l) => format!(" to WAL location (LSN) \"{l}\""),
            RecoveryTarget::Name(n) => format!(" to \"{n}\""),
        }
    );
    let newest = newest_timeline(data_dir, source, start_tli.max(control.timeline))?;
    let target_tli = match opts.timeline {
        TargetTimeline::Latest => newest,
        TargetTimeline::Current => start_tli,
        TargetTimeline::Id(n) => TimeLineId(n),
    };
    let target_text = read_history(data_dir, source, target_tli)?.ok_or_else(|| {
        StorageError::Recovery(format!(
            "recovery target timeline {target_tli} does not exist (no file \"{}\")",
            history_file_name(target_tli)
        ))
    })?;
    let history = parse_history(target_tli, &target_text)?;
    if !history
        .iter()
        .any(|t| t.tli == start_tli && t.end.is_none_or(|e| checkpoint < e))
    {
        return Err(StorageError::Recovery(format!(
            "requested timeline {target_tli} is not a child of this server's history (checkpoint {checkpoint} on timeline {start_tli})"
        )));
    }
    let dir = wal_dir(data_dir);
    let make_reader = |start: Lsn| {
        let dd: PathBuf = data_dir.to_path_buf();
        let src = source.cloned();
        let hook = Box::new(move |name: &str| {
            restore_into_wal_dir(&dd, src.as_ref(), name, Some(WAL_SEGMENT_SIZE))
                .map_err(|e| wal::WalError::Corrupted(e.to_string()))
        });
        WalReader::with_source(
            SegmentSource::new(&dir, target_tli)
                .with_history(history.clone())
                .with_restore(hook),
            start,
        )
    };
    let mut ck = make_reader(checkpoint);
    match ck.next_record()? {
        Some(r)
            if r.record.rmid == RM_XLOG_ID
                && CheckPoint::decode(&r.record.main_data).is_some_and(|c| c.redo == redo_lsn) => {}
        _ => {
            return Err(err_at(
                format!("could not locate required checkpoint record at {checkpoint}"),
                ck.source(),
            ));
        }
    }
    ControlFile {
        state: DbState::InArchiveRecovery,
        timeline: start_tli,
        checkpoint,
        redo: redo_lsn,
        ..*control
    }
    .write(data_dir, fsync)?;
    tracing::info!("redo starts at {redo_lsn}");
    let mut consistent = label.is_none();
    let mut reader = make_reader(redo_lsn);
    let mut records = 0u64;
    let mut max_xid = 0u64;
    let mut stop: Option<(Lsn, Lsn, String)> = None;
    while let Some(rec) = reader.next_record()? {
        if let Some(why) = stops_before(&rec, opts) {
            stop = Some((rec.lsn, rec.prev, why));
            break;
        }
        redo(pool, clog, &rec).inspect_err(|e| {
            tracing::error!(lsn = %rec.lsn, error = %e, "redo failed: {}", describe(&rec));
        })?;
        records += 1;
        max_xid = max_xid.max(rec.record.xid);
        if let Some(l) = label
            && !consistent
            && is_backup_end_of(&rec, l.start)
        {
            consistent = true;
            tracing::info!("consistent recovery state reached at {}", rec.end_lsn);
        }
        if let Some(why) = stops_after(&rec, opts) {
            stop = Some((Lsn(wal::record::align(rec.end_lsn.0)), rec.lsn, why));
            break;
        }
    }
    let (end, last, reason, reached) = match stop {
        Some((end, last, why)) => {
            if !consistent {
                return Err(StorageError::Recovery(format!(
                    "requested recovery stop point is before consistent recovery point: {why} at {end}, before the end of the base backup that started at {}",
                    label.map_or(Lsn::INVALID, |l| l.start)
                )));
            }
            tracing::info!("recovery stopping {why}");
            (end, last, why, true)
        }
        None => {
            let end = reader.end_of_wal();
            let why = reader.end_reason().unwrap_or("end of files").to_string();
            if !consistent {
                return Err(err_at(
                    format!(
                        "WAL ends before end of online backup: replayed to {end} ({why}), but the backup that started at {} has no end record before it",
                        label.map_or(Lsn::INVALID, |l| l.start)
                    ),
                    reader.source(),
                ));
            }
            if opts.target != RecoveryTarget::EndOfArchive {
                return Err(err_at(
                    format!(
                        "recovery ended before configured recovery target was reached: WAL ends at {end} ({why})"
                    ),
                    reader.source(),
                ));
            }
            (
                end,
                reader.last_record_lsn(),
                "no recovery target specified".to_string(),
                false,
            )
        }
    };
    tracing::info!("redo done at {last}: {records} records; stop point {end}");
    let parent = Timeline::of_lsn(&history, last).unwrap_or(target_tli);
    let end_file_timeline = Timeline::for_segment(&history, SegNo::of(end)).unwrap_or(parent);
    Ok(ArchiveRecoveryEnd {
        end,
        last,
        parent,
        end_file_timeline,
        parent_history: history_prefix(&target_text, parent),
        newest,
        reason,
        reached_target: reached,
        max_xid,
    })
}

fn is_backup_end_of(rec: &DecodedRecord, start: Lsn) -> bool {
    rec.record.rmid == RM_XLOG_ID
        && rec.record.info == XLOG_BACKUP_END
        && rec.record.main_data.len() >= 8
        && rec.record.main_data[..8] == start.0.to_le_bytes()
}

/// A commit or abort: (is commit, xid, timestamp).
fn xact_of(rec: &DecodedRecord) -> Option<(bool, u64, i64)> {
    let r = &rec.record;
    if r.rmid != RM_XACT_ID || (r.info != XLOG_XACT_COMMIT && r.info != XLOG_XACT_ABORT) {
        return None;
    }
    let p = parse_xact(&r.main_data).ok()?;
    Some((r.info == XLOG_XACT_COMMIT, r.xid, p.timestamp))
}

fn xact_word(commit: bool) -> &'static str {
    if commit { "commit" } else { "abort" }
}

/// PostgreSQL's `recoveryStopsBefore`.
fn stops_before(rec: &DecodedRecord, opts: &ArchiveRecoveryOptions) -> Option<String> {
    match &opts.target {
        RecoveryTarget::Lsn(t) => {
            let hit = if opts.inclusive {
                rec.lsn > *t
            } else {
                rec.lsn >= *t
            };
            hit.then(|| format!("before WAL location (LSN) \"{t}\""))
        }
        RecoveryTarget::Xid(x) => {
            let (commit, xid, _) = xact_of(rec)?;
            (xid == *x && !opts.inclusive)
                .then(|| format!("before transaction {xid} {}", xact_word(commit)))
        }
        RecoveryTarget::Time(t) => {
            let (commit, xid, ts) = xact_of(rec)?;
            let hit = if opts.inclusive { ts > *t } else { ts >= *t };
            hit.then(|| format!("before transaction {xid} {}, time {ts}", xact_word(commit)))
        }
        RecoveryTarget::Name(_) | RecoveryTarget::EndOfArchive => None,
    }
}

/// PostgreSQL's `recoveryStopsAfter`.
fn stops_after(rec: &DecodedRecord, opts: &ArchiveRecoveryOptions) -> Option<String> {
    match &opts.target {
        RecoveryTarget::Lsn(t) => {
            (opts.inclusive && rec.lsn >= *t).then(|| format!("after WAL location (LSN) \"{t}\""))
        }
        RecoveryTarget::Xid(x) => {
            let (commit, xid, _) = xact_of(rec)?;
            (xid == *x && opts.inclusive)
                .then(|| format!("after transaction {xid} {}", xact_word(commit)))
        }
        RecoveryTarget::Name(n) => {
            let r = &rec.record;
            (r.rmid == RM_XLOG_ID
                && r.info == XLOG_RESTORE_POINT
                && r.main_data.len() >= 8
                && r.main_data[8..] == *n.as_bytes())
            .then(|| format!("at restore point \"{n}\""))
        }
        RecoveryTarget::Time(_) | RecoveryTarget::EndOfArchive => None,
    }
}
