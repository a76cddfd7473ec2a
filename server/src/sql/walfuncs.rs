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

/// Evaluates a WAL function that needs the engine.
pub fn call(f: Builtin, args: &[Datum], engine: &Engine, out: &OutputOptions) -> SqlResult<Datum> {
    let writer = engine.xlog.writer();
    Ok(match f {
        Builtin::CurrentWalLsn | Builtin::CurrentWalFlushLsn => lsn_datum(writer.flushed_lsn()),
        Builtin::CurrentWalInsertLsn => lsn_datum(writer.insert_lsn()),
        Builtin::SwitchWal => lsn_datum(writer.switch_segment().map_err(storage_err)?),
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
