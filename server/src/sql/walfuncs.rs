//! WAL inspection functions (PostgreSQL's `xlogfuncs.c` and
//! `pg_control_checkpoint()` of `pg_controldata.c`), and the `pg_lsn`
//! type's arithmetic.
//!
//! | function                        | returns  | what                                        |
//! |---------------------------------|----------|---------------------------------------------|
//! | `pg_current_wal_lsn()`          | pg_lsn   | end of WAL written (= flushed here)          |
//! | `pg_current_wal_insert_lsn()`   | pg_lsn   | where the next record goes                   |
//! | `pg_current_wal_flush_lsn()`    | pg_lsn   | end of WAL durable on disk                   |
//! | `pg_walfile_name(lsn)`          | text     | segment holding the byte before `lsn`        |
//! | `pg_switch_wal()`               | pg_lsn   | end of the switch record; next record starts a new segment |
//! | `pg_wal_lsn_diff(a, b)`, `a - b`| numeric  | bytes between two LSNs                       |
//! | `pg_control_checkpoint()`       | record   | the last checkpoint, from `global/pg_control` |
//! | `pg_backup_start(label [, fast])` | pg_lsn | starts this session's online backup ([`storage::backup`]) |
//! | `pg_backup_stop([wait_for_archive])` | record | `(lsn, labelfile, spcmapfile)`; also in FROM |
//! | `pg_create_restore_point(name)` | pg_lsn   | a named point for `recovery_target_name`     |
//! | `pg_is_in_recovery()`           | bool     | paused at a recovery target, not promoted    |
//! | `pg_is_wal_replay_paused()`     | bool     | the same: replay only ever pauses at its target |
//! | `pg_last_wal_replay_lsn()`      | pg_lsn   | end of the last record archive recovery replayed (NULL without) |
//! | `pg_wal_replay_resume()`        | void     | promotes a server paused at its recovery target |
//! | `pg_stat_archiver` (view)       | row      | the archiver's counters                       |
//!
//! A backup belongs to the session that started it, as in PostgreSQL 15:
//! one at a time per session (55000 otherwise), forgotten if the session
//! ends. `SELECT * FROM pg_backup_stop(...)` and `FROM pg_stat_archiver`
//! are bound as one-row `VALUES` whose columns call
//! [`Builtin::BackupStopLsn`] / [`Builtin::BackupStopField`] and
//! [`Builtin::StatArchiver`] (sets of rows with several columns do not
//! exist in the SQL layer yet).
//!
//! `pg_lsn` values are [`Datum::Int8`] holding the LSN's 64 bits, typed
//! `pg_lsn` (`TypeOid::PG_LSN`): their binary form is PostgreSQL's (a big-endian
//! 64-bit integer), their text form `16B3F48`-style hex halves
//! (`storage::datum::io`), and they compare as integers.
//!
//! `pg_control_checkpoint()` returns its columns as one value of type
//! `record`, printed as PostgreSQL prints a row value. Not done (yet):
//! selecting its columns (`SELECT * FROM pg_control_checkpoint()` or
//! `(pg_control_checkpoint()).redo_lsn`) needs set-returning functions and
//! composite types in the SQL layer; `pg_walfile_name_offset()` likewise.

use storage::datum::io::OutputOptions;
use storage::datum::{Datum, Numeric, TimestampTz};
use storage::engine::Engine;
use wal::Lsn;
use wal::segment::{SegNo, segment_file_name};

use super::expr::SessionEnv;
use super::func::Builtin;
use crate::error::{SqlError, SqlResult};

/// A `pg_lsn` datum.
pub fn lsn_datum(lsn: Lsn) -> Datum {
    Datum::Int8(lsn.0 as i64)
}

fn lsn_arg(d: &Datum) -> SqlResult<Lsn> {
    match d {
        Datum::Int8(v) => Ok(Lsn(*v as u64)),
        _ => Err(SqlError::internal("pg_lsn argument is not a pg_lsn")),
    }
}

/// `pg_wal_lsn_diff(a, b)` / `a - b`: `a - b` in bytes, as numeric.
pub fn lsn_diff(a: &Datum, b: &Datum) -> SqlResult<Datum> {
    let (a, b) = (lsn_arg(a)?, lsn_arg(b)?);
    Ok(Datum::Numeric(Numeric::from_i128(
        i128::from(a.0) - i128::from(b.0),
    )))
}

/// PostgreSQL's `XLByteToPrevSeg`: the segment holding the byte before
/// `lsn` (so a segment's end LSN names that segment).
fn prev_seg(lsn: Lsn) -> SegNo {
    SegNo::of(Lsn(lsn.0.saturating_sub(1)))
}

fn not_in_recovery(engine: &Engine) -> SqlResult<()> {
    if engine.is_in_recovery() {
        return Err(SqlError::new("55000", "recovery is in progress")
            .with_hint("WAL control functions cannot be executed during recovery."));
    }
    Ok(())
}

fn bool_arg(args: &[Datum], i: usize, default: bool) -> bool {
    match args.get(i) {
        Some(Datum::Bool(b)) => *b,
        _ => default,
    }
}

/// A `SystemTime` as a `timestamptz` datum.
pub(crate) fn time_datum(t: Option<std::time::SystemTime>) -> Datum {
    match t.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()) {
        Some(d) => Datum::TimestampTz(TimestampTz(d.as_micros() as i64 - 946_684_800_000_000)),
        None => Datum::Null,
    }
}

fn text_or_null(s: Option<String>) -> Datum {
    s.map_or(Datum::Null, Datum::Text)
}

/// The `pg_stat_archiver` columns: name and type.
pub const STAT_ARCHIVER_COLUMNS: [(&str, storage::datum::TypeOid); 7] = {
    use storage::datum::TypeOid as T;
    [
        ("archived_count", T::INT8),
        ("last_archived_wal", T::TEXT),
        ("last_archived_time", T::TIMESTAMPTZ),
        ("failed_count", T::INT8),
        ("last_failed_wal", T::TEXT),
        ("last_failed_time", T::TIMESTAMPTZ),
        ("stats_reset", T::TIMESTAMPTZ),
    ]
};

fn stat_archiver(engine: &Engine, column: i64) -> Datum {
    let s = engine.archiver_stats().unwrap_or_default();
    match column {
        0 => Datum::Int8(s.archived_count as i64),
        1 => text_or_null(s.last_archived_wal),
        2 => time_datum(s.last_archived_time),
        3 => Datum::Int8(s.failed_count as i64),
        4 => text_or_null(s.last_failed_wal),
        5 => time_datum(s.last_failed_time),
        _ => time_datum(s.stats_reset),
    }
}

fn backup_stop(
    engine: &Engine,
    env: &SessionEnv,
    wait: bool,
) -> SqlResult<storage::backup::BackupStop> {
    not_in_recovery(engine)?;
    let started = env.backup.borrow_mut().take().ok_or_else(|| {
        SqlError::new("55000", "backup is not in progress")
            .with_hint("Did you call pg_backup_start()?")
    })?;
    Ok(engine.backup_stop(&started, wait)?)
}

/// A row value's text field, quoted as PostgreSQL's `record_out` quotes.
fn record_field(s: &str) -> String {
    let plain = !s.is_empty()
        && !s
            .chars()
            .any(|c| matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_whitespace());
    if plain {
        return s.to_string();
    }
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\"\""))
}

/// Evaluates a WAL function that needs the engine.
pub fn call(f: Builtin, args: &[Datum], engine: &Engine, env: &SessionEnv) -> SqlResult<Datum> {
    let out = &env.output;
    let writer = engine.xlog.writer();
    Ok(match f {
        Builtin::CurrentWalLsn | Builtin::CurrentWalFlushLsn => lsn_datum(writer.flushed_lsn()),
        Builtin::CurrentWalInsertLsn => lsn_datum(writer.insert_lsn()),
        Builtin::SwitchWal => {
            not_in_recovery(engine)?;
            lsn_datum(writer.switch_segment().map_err(storage_err)?)
        }
        Builtin::BackupStart => {
            not_in_recovery(engine)?;
            if env.backup.borrow().is_some() {
                return Err(SqlError::new(
                    "55000",
                    "a backup is already in progress in this session",
                ));
            }
            let label = match args.first() {
                Some(Datum::Text(s)) => s.clone(),
                _ => String::new(),
            };
            // PostgreSQL's default for `fast` is false: a spread checkpoint.
            let fast = matches!(args.get(1), Some(Datum::Bool(true)));
            let started = engine.backup_start(&label, fast)?;
            let lsn = started.start;
            *env.backup.borrow_mut() = Some(started);
            lsn_datum(lsn)
        }
        Builtin::BackupStop => {
            let stop = backup_stop(engine, env, bool_arg(args, 0, true))?;
            Datum::Text(format!(
                "({},{},\"\")",
                stop.lsn,
                record_field(&stop.labelfile)
            ))
        }
        Builtin::BackupStopLsn => {
            let stop = backup_stop(engine, env, bool_arg(args, 0, true))?;
            let lsn = stop.lsn;
            *env.backup_stopped.borrow_mut() = Some(stop);
            lsn_datum(lsn)
        }
        Builtin::BackupStopField => match (args.first(), env.backup_stopped.borrow().as_ref()) {
            (Some(Datum::Int4(1)), Some(s)) => Datum::Text(s.labelfile.clone()),
            (_, Some(_)) => Datum::Text(String::new()),
            (_, None) => return Err(SqlError::internal("no backup was just stopped")),
        },
        Builtin::CreateRestorePoint => {
            not_in_recovery(engine)?;
            let name = match args.first() {
                Some(Datum::Text(s)) => s.clone(),
                _ => String::new(),
            };
            if name.len() >= 64 {
                return Err(SqlError::new(
                    "22023",
                    "value too long for restore point (maximum 63 characters)",
                ));
            }
            lsn_datum(engine.create_restore_point(&name)?)
        }
        Builtin::IsInRecovery | Builtin::IsWalReplayPaused => Datum::Bool(engine.is_in_recovery()),
        Builtin::LastWalReplayLsn => engine.last_replay_lsn().map_or(Datum::Null, lsn_datum),
        Builtin::WalReplayResume => {
            if !engine.is_in_recovery() {
                return Err(
                    SqlError::new("55000", "recovery is not in progress").with_hint(
                        "Recovery control functions can only be executed during recovery.",
                    ),
                );
            }
            engine.promote()?;
            Datum::Null
        }
        Builtin::StatArchiver => match args.first() {
            Some(Datum::Int4(c)) => stat_archiver(engine, i64::from(*c)),
            _ => return Err(SqlError::internal("pg_stat_archiver column")),
        },
        Builtin::WalfileName => {
            let lsn = lsn_arg(
                args.first()
                    .ok_or_else(|| SqlError::internal("no argument"))?,
            )?;
            Datum::Text(segment_file_name(writer.timeline(), prev_seg(lsn)))
        }
        Builtin::ControlCheckpoint => control_checkpoint(engine, out)?,
        _ => return Err(SqlError::internal("not a WAL function")),
    })
}

fn storage_err(e: wal::WalError) -> SqlError {
    storage::error::StorageError::from(e).into()
}

/// `pg_control_checkpoint()` as PostgreSQL prints the row: checkpoint_lsn,
/// redo_lsn, redo_wal_file, timeline_id, prev_timeline_id,
/// full_page_writes, next_xid (epoch:xid), next_oid, next_multixact_id,
/// next_multi_offset, oldest_xid, oldest_xid_dbid, oldest_active_xid,
/// oldest_multi_xid, oldest_multi_dbid, oldest_commit_ts_xid,
/// newest_commit_ts_xid, checkpoint_time. There are no multixacts and no
/// commit timestamps: those columns hold PostgreSQL's values for a cluster
/// that never used them.
fn control_checkpoint(engine: &Engine, out: &OutputOptions) -> SqlResult<Datum> {
    let c = wal::ControlFile::read(engine.data_dir())
        .map_err(storage_err)?
        .ok_or_else(|| SqlError::new("58P01", "could not read file \"global/pg_control\""))?;
    let time = TimestampTz((c.time as i64 - 946_684_800) * 1_000_000).format(&out.time_zone);
    let fields = [
        c.checkpoint.to_string(),
        c.redo.to_string(),
        segment_file_name(c.timeline, SegNo::of(c.redo)),
        c.timeline.to_string(),
        c.timeline.to_string(),
        if engine.xlog.full_page_writes() {
            "t"
        } else {
            "f"
        }
        .to_string(),
        format!("{}:{}", c.next_xid >> 32, c.next_xid & 0xffff_ffff),
        c.next_oid.to_string(),
        "1".into(),
        "0".into(),
        "3".into(),
        "1".into(),
        "0".into(),
        "1".into(),
        "1".into(),
        "0".into(),
        "0".into(),
        format!("\"{time}\""),
    ];
    Ok(Datum::Text(format!("({})", fields.join(","))))
}
