//! XACT WAL records: commit and abort (PostgreSQL's `xact.c`
//! `XactLogCommitRecord` / `xact_redo`).
//!
//! ```text
//! record header xid = the top-level xid (or the subtransaction's, for
//! ROLLBACK TO SAVEPOINT)
//! info 0x00 COMMIT, 0x20 ABORT
//! main data, little-endian:
//!   0  8  timestamp: microseconds since 2000-01-01 00:00 UTC (TimestampTz)
//!   8  4  number of subtransaction xids n
//!  12  8n subtransaction xids
//! ```
//!
//! The commit record is flushed before the clog says COMMITTED and before
//! the client hears COMMIT; that flush is the commit's only fsync (shared
//! with concurrent committers by the writer's group commit). Abort records
//! are not flushed: an xid with no commit record is aborted after a crash.
//! Redo sets the clog bits of the tree.

use wal::DecodedRecord;
use wal::record::WalRecord;
use wal::rmgr::RM_XACT_ID;

use crate::error::{Result, StorageError};
use crate::txn::clog::{Clog, XidStatus};
use crate::types::Xid;

/// Info: the transaction committed.
pub const XLOG_XACT_COMMIT: u8 = 0x00;
/// Info: the transaction (or subtransaction) aborted.
pub const XLOG_XACT_ABORT: u8 = 0x20;

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// Now, as a PostgreSQL `TimestampTz`.
pub fn now_timestamp() -> i64 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    micros - PG_EPOCH_OFFSET_MICROS
}

/// A commit or abort record for `xid` and `subxids`.
pub fn xact_record(info: u8, xid: Xid, subxids: &[Xid]) -> WalRecord {
    let mut d = Vec::with_capacity(12 + 8 * subxids.len());
    d.extend_from_slice(&now_timestamp().to_le_bytes());
    d.extend_from_slice(&(subxids.len() as u32).to_le_bytes());
    for s in subxids {
        d.extend_from_slice(&s.0.to_le_bytes());
    }
    WalRecord::new(RM_XACT_ID, info, xid.0, d)
}

/// The parsed payload: timestamp and subxids.
pub fn parse_xact(d: &[u8]) -> Result<(i64, Vec<Xid>)> {
    let bad = || StorageError::Corrupted("invalid XACT WAL record".into());
    if d.len() < 12 {
        return Err(bad());
    }
    let mut t = [0u8; 8];
    t.copy_from_slice(&d[..8]);
    let n = u32::from_le_bytes([d[8], d[9], d[10], d[11]]) as usize;
    if d.len() != 12 + 8 * n {
        return Err(bad());
    }
    let subs = d[12..]
        .chunks_exact(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            Xid(u64::from_le_bytes(a))
        })
        .collect();
    Ok((i64::from_le_bytes(t), subs))
}

/// Redo of an XACT record: the clog status of the tree.
pub fn xact_redo(clog: &Clog, rec: &DecodedRecord) -> Result<()> {
    let (_, subs) = parse_xact(&rec.record.main_data)?;
    let status = match rec.record.info {
        XLOG_XACT_COMMIT => XidStatus::Committed,
        XLOG_XACT_ABORT => XidStatus::Aborted,
        _ => return Err(StorageError::Corrupted("invalid XACT WAL record".into())),
    };
    clog.set_tree_status(Xid(rec.record.xid), &subs, status)
}

/// A waldump description of an XACT record.
pub fn xact_describe(rec: &DecodedRecord) -> String {
    let kind = match rec.record.info {
        XLOG_XACT_COMMIT => "COMMIT",
        XLOG_XACT_ABORT => "ABORT",
        _ => "UNKNOWN",
    };
    match parse_xact(&rec.record.main_data) {
        Ok((ts, subs)) if subs.is_empty() => format!("{kind} ts {ts}"),
        Ok((ts, subs)) => {
            let s: Vec<String> = subs.iter().map(|x| x.to_string()).collect();
            format!("{kind} ts {ts}; subxacts: {}", s.join(" "))
        }
        Err(_) => format!("{kind} (malformed)"),
    }
}
