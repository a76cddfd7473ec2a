//! Crash recovery and checkpoints (PostgreSQL's `xlogrecovery.c`,
//! `xlog.c` `StartupXLOG` / `CreateCheckPoint`, `xlogutils.c`).
//!
//! # Startup
//!
//! ```text
//!  global/pg_control missing  -> new cluster: WAL starts at 0/1000000,
//!                                bootstrap, then a checkpoint writes pg_control
//!  otherwise:
//!    read the checkpoint record at pg_control.checkpoint (must be valid)
//!    state = in crash recovery (unless shut down cleanly)
//!    replay every record from pg_control.redo to the end of valid WAL
//!      ("redo starts at", "redo done at" in the log)
//!    the writer continues at the end of valid WAL
//!    end-of-recovery checkpoint, state = in production
//! ```
//!
//! # Redo rules
//!
//! 1. A block change is applied only if the page LSN is older than the
//!    record's end LSN; the page LSN is then set to it ([`redo_block`]).
//!    Replaying a record twice, or a crash during recovery followed by
//!    another recovery, therefore changes nothing twice.
//! 2. A full-page image is restored whatever the page holds (it may be
//!    torn: its checksum is not checked), then the page LSN set.
//! 3. A relation file or block that does not exist is created (the relation
//!    may have been created after the checkpoint, or its tail not written).
//! 4. XACT records set the clog and remove the files of the relations they
//!    name (dropped by a commit, created by an aborted transaction). An xid
//!    with no commit record stays IN_PROGRESS in the clog and, not
//!    running, reads as aborted.
//! 5. Nothing is WAL-logged during redo (the heap and the transaction
//!    manager get the WAL only after recovery).
//!
//! # Checkpoint ([`crate::engine::Engine::checkpoint`])
//!
//! ```text
//!  hold off commits between "commit record inserted" and "clog set"
//!    redo = writer.begin_checkpoint()        (insert position; FPW restart here)
//!  write every dirty buffer (each after the WAL flush to its LSN), fsync files
//!    timed / size-triggered: paced over checkpoint_completion_target
//!    CHECKPOINT, shutdown, end of recovery: at full speed
//!  write and fsync dirty clog pages (each after the WAL flush to its
//!    asynchronous commits' LSN)
//!  insert the checkpoint record (redo, next xid, next oid), flush it
//!  write pg_control atomically (checkpoint LSN, redo LSN, state)
//!  segments wholly before the redo point: recycled while pg_wal holds
//!    less than min_wal_size, removed otherwise
//! ```
//!
//! The commit hold-off is PostgreSQL's `DELAY_CHKPT_START`: without it a
//! commit record just before the redo point whose clog bit was set after
//! the clog flush would be lost by a crash (replay starts after it). It
//! also covers the removal of files a commit drops, so a crash can never
//! leave such a file behind with the commit record before the redo point.
//!
//! # Not done (yet)
//!
//! (Archive and point-in-time recovery are in [`crate::archive_recovery`].)
//! A crash-safe bootstrap (a crash
//! before the first checkpoint of a new data directory is detected at the
//! next start, which asks for the directory to be removed); files of
//! relations created by a transaction interrupted by a crash (no abort
//! record) stay behind as orphans, as in PostgreSQL; recycled segments
//! ahead of the end of WAL are removed, not kept, when a writer opens after
//! recovery.

use std::path::Path;

use wal::record::{BKP_WILL_INIT, BlockRef};
use wal::rmgr::{
    CheckPoint, RM_BTREE_ID, RM_HEAP_ID, RM_HEAP2_ID, RM_SEQ_ID, RM_SMGR_ID, RM_XACT_ID,
    RM_XLOG_ID, XLOG_CHECKPOINT_ONLINE, XLOG_CHECKPOINT_SHUTDOWN, XLOG_FPI_FOR_HINT,
};
use wal::{ControlFile, DbState, DecodedRecord, Lsn, TimeLineId, WalReader};

use crate::buffer::BufferPool;
use crate::error::{Result, StorageError};
use crate::page;
use crate::txn::Clog;

/// The WAL directory under a data directory.
pub fn wal_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("pg_wal")
}

/// Applies a block change idempotently (redo rules 1–3): `apply` runs on the
/// exclusively locked page only if its LSN is older than the record's end.
pub fn redo_block(
    pool: &BufferPool,
    rec: &DecodedRecord,
    blk: &BlockRef,
    apply: impl FnOnce(&mut [u8]) -> Result<()>,
) -> Result<()> {
    let tag = crate::xlog::buffer_tag(&blk.target).ok_or_else(|| {
        StorageError::Corrupted(format!("invalid fork in WAL record at {}", rec.lsn))
    })?;
    if !pool.smgr().exists(tag.rel, tag.fork) {
        pool.smgr().create(tag.rel, tag.fork)?;
    }
    while pool.nblocks(tag.rel, tag.fork)?.0 <= tag.block.0 {
        drop(pool.extend(tag.rel, tag.fork, None)?);
    }
    let overwrite = blk.image.is_some() || blk.flags & BKP_WILL_INIT != 0;
    let buf = if overwrite {
        // The old content does not matter and may be torn.
        pool.read_buffer_zero_on_error(tag.rel, tag.fork, tag.block, None)?
    } else {
        pool.read_buffer(tag.rel, tag.fork, tag.block, None)?
    };
    let mut g = buf.write();
    if let Some(img) = &blk.image {
        g.copy_from_slice(&img[..]);
        page::set_lsn(&mut g, rec.end_lsn);
        g.mark_dirty();
        return Ok(());
    }
    if page::lsn(&g) >= rec.end_lsn {
        return Ok(());
    }
    apply(&mut g)?;
    page::set_lsn(&mut g, rec.end_lsn);
    g.mark_dirty();
    Ok(())
}

/// Replays one record (the resource-manager dispatch, `RmgrTable`).
pub fn redo(pool: &BufferPool, clog: &Clog, rec: &DecodedRecord) -> Result<()> {
    match rec.record.rmid {
        RM_XLOG_ID if rec.record.info == XLOG_FPI_FOR_HINT => {
            for blk in &rec.record.blocks {
                redo_block(pool, rec, blk, |_| Ok(()))?;
            }
            Ok(())
        }
        RM_XLOG_ID => Ok(()),
        RM_XACT_ID => crate::txn::xact_xlog::xact_redo(pool, clog, rec),
        RM_SMGR_ID => crate::smgr_xlog::smgr_redo(pool, rec.record.info, &rec.record.main_data),
        RM_HEAP_ID => crate::heap::heapam_xlog::heap_redo(pool, rec),
        RM_BTREE_ID => crate::nbtree::xlog::btree_redo(pool, rec),
        RM_SEQ_ID => crate::catalog::sequence_xlog::seq_redo(pool, rec),
        RM_HEAP2_ID => crate::heap::prune::heap2_redo(pool, rec),
        other => Err(StorageError::Corrupted(format!(
            "unknown resource manager {other} in WAL record at {}",
            rec.lsn
        ))),
    }
}

/// One line per record, like pg_waldump:
/// `rmgr: Heap len (rec/tot): 80/80, tx: 7, lsn: 0/01000028, prev 0/00000000, desc: INSERT, blkref #0: rel 5/16384 fork main blk 0 FPW`.
pub fn describe(rec: &DecodedRecord) -> String {
    let r = &rec.record;
    let desc = match r.rmid {
        RM_XLOG_ID => match CheckPoint::decode(&r.main_data) {
            Some(c) if r.info == XLOG_CHECKPOINT_SHUTDOWN || r.info == XLOG_CHECKPOINT_ONLINE => {
                format!(
                    "CHECKPOINT_{} redo {}; tli {}; next xid {}; next oid {}",
                    if r.info == XLOG_CHECKPOINT_SHUTDOWN {
                        "SHUTDOWN"
                    } else {
                        "ONLINE"
                    },
                    c.redo,
                    c.timeline,
                    c.next_xid,
                    c.next_oid
                )
            }
            _ if r.info == XLOG_FPI_FOR_HINT => "FPI_FOR_HINT".into(),
            _ if r.info == wal::rmgr::XLOG_SWITCH => "SWITCH".into(),
            _ if r.info == wal::rmgr::XLOG_BACKUP_END && r.main_data.len() == 8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&r.main_data);
                format!("BACKUP_END {}", Lsn(u64::from_le_bytes(b)))
            }
            _ if r.info == wal::rmgr::XLOG_RESTORE_POINT && r.main_data.len() >= 8 => {
                format!(
                    "RESTORE_POINT {}",
                    String::from_utf8_lossy(&r.main_data[8..])
                )
            }
            _ => format!("info {:#x}", r.info),
        },
        RM_XACT_ID => crate::txn::xact_xlog::xact_describe(rec),
        RM_SMGR_ID => crate::smgr_xlog::smgr_describe(r.info, &r.main_data),
        RM_HEAP_ID => crate::heap::heapam_xlog::heap_describe(rec),
        RM_BTREE_ID => crate::nbtree::xlog::btree_describe(rec),
        RM_SEQ_ID => crate::catalog::sequence_xlog::seq_describe(rec),
        RM_HEAP2_ID => crate::heap::prune::heap2_describe(rec),
        _ => format!("info {:#x}", r.info),
    };
    let mut s = format!(
        "rmgr: {:<11} len (rec/tot): {:>6}/{:>6}, tx: {:>10}, lsn: {}, prev {}, desc: {desc}",
        wal::rmgr::rmgr_name(r.rmid),
        r.encoded_len() - r.blocks.iter().filter(|b| b.has_image()).count() * 8192,
        r.encoded_len(),
        r.xid,
        rec.lsn,
        rec.prev,
    );
    for (i, b) in r.blocks.iter().enumerate() {
        let fork = match b.target.fork {
            0 => "main",
            1 => "fsm",
            2 => "vm",
            _ => "?",
        };
        s.push_str(&format!(
            ", blkref #{i}: rel {}/{} fork {fork} blk {}{}",
            b.target.db_oid,
            b.target.rel_number,
            b.target.block,
            if b.has_image() { " FPW" } else { "" }
        ));
    }
    s
}

/// What replay found.
#[derive(Clone, Copy, Debug)]
pub struct RecoveryEnd {
    /// Where the next record goes (end of valid WAL, aligned).
    pub end: Lsn,
    /// Start of the last valid record (the next record's back-link).
    pub last: Lsn,
    /// Records replayed.
    pub records: u64,
}

/// Replays the WAL from `control`'s redo point (the startup steps in the
/// module doc, minus opening the writer and the final checkpoint).
pub fn recover(
    data_dir: &Path,
    pool: &BufferPool,
    clog: &Clog,
    control: &ControlFile,
    fsync: bool,
) -> Result<RecoveryEnd> {
    let dir = wal_dir(data_dir);
    let tli: TimeLineId = control.timeline;
    let mut ck = WalReader::new(&dir, tli, control.checkpoint);
    match ck.next_record()? {
        Some(r)
            if r.record.rmid == RM_XLOG_ID
                && CheckPoint::decode(&r.record.main_data)
                    .is_some_and(|c| c.redo == control.redo) => {}
        _ => {
            return Err(StorageError::Corrupted(format!(
                "could not locate a valid checkpoint record at {}",
                control.checkpoint
            )));
        }
    }
    let clean = control.state == DbState::Shutdowned;
    if !clean {
        tracing::info!(
            "database system was interrupted; last known up at checkpoint {}",
            control.checkpoint
        );
        ControlFile {
            state: DbState::InCrashRecovery,
            ..*control
        }
        .write(data_dir, fsync)?;
        tracing::info!("redo starts at {}", control.redo);
    }
    let mut reader = WalReader::new(&dir, tli, control.redo);
    let mut records = 0u64;
    while let Some(rec) = reader.next_record()? {
        redo(pool, clog, &rec).inspect_err(|e| {
            tracing::error!(lsn = %rec.lsn, error = %e, "redo failed: {}", describe(&rec));
        })?;
        records += 1;
    }
    let end = reader.end_of_wal();
    let last = reader.last_record_lsn();
    if !clean || records > 1 {
        tracing::info!(
            "redo done at {last}: {records} records; end of WAL at {end} ({})",
            reader.end_reason().unwrap_or("end of files")
        );
    }
    if last < control.checkpoint {
        return Err(StorageError::Corrupted(format!(
            "WAL ends at {end}, before the checkpoint record at {}",
            control.checkpoint
        )));
    }
    Ok(RecoveryEnd { end, last, records })
}

/// `heapgres waldump`: prints every valid record of the data directory's
/// WAL from `start` to `out`, one line each ([`describe`]), then why the WAL
/// ends there. Returns the number of records printed. Without `start` it
/// reads from the start of the oldest segment, or, if no record begins
/// there (its first bytes continue a record of a removed segment), from
/// the last checkpoint's redo point.
pub fn waldump(data_dir: &Path, start: Option<Lsn>, out: &mut dyn std::io::Write) -> Result<u64> {
    let dir = wal_dir(data_dir);
    let control = ControlFile::read(data_dir)?;
    let tli = control.map(|c| c.timeline).unwrap_or(TimeLineId::FIRST);
    let mut reader = match start {
        Some(s) => WalReader::new(&dir, tli, s),
        None => {
            let Some(seg) = wal::segment::list_segments(&dir, tli)?.first().copied() else {
                return Err(StorageError::Corrupted(format!(
                    "no WAL segments in {}",
                    dir.display()
                )));
            };
            let mut probe = WalReader::new(&dir, tli, seg.start());
            match (probe.next_record()?, control) {
                (None, Some(c)) if c.redo > seg.start() => WalReader::new(&dir, tli, c.redo),
                _ => WalReader::new(&dir, tli, seg.start()),
            }
        }
    };
    let io = |e| StorageError::io("write waldump output", e);
    let mut n = 0;
    while let Some(rec) = reader.next_record()? {
        writeln!(out, "{}", describe(&rec)).map_err(io)?;
        n += 1;
    }
    writeln!(
        out,
        "waldump: end of WAL at {}: {}",
        reader.end_of_wal(),
        reader.end_reason().unwrap_or("end of files")
    )
    .map_err(io)?;
    Ok(n)
}
