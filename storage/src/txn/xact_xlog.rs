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
//!   .  4  number of relations r whose files go (optional: absent = 0)
//!   .  8r relations: u32 db oid, u32 relfilenode (PostgreSQL's
//!         `xl_xact_relfilelocators`: dropped by a commit, created by an
//!         aborted transaction)
//! ```
//!
//! The commit record is flushed before the clog says COMMITTED and before
//! the client hears COMMIT; that flush is the commit's only fsync (shared
//! with concurrent committers by the writer's group commit). Abort records
//! are not flushed: an xid with no commit record is aborted after a crash.
//! Redo sets the clog bits of the tree, then removes the relations' files.

use wal::DecodedRecord;
use wal::record::WalRecord;
use wal::rmgr::RM_XACT_ID;

use crate::buffer::BufferPool;
use crate::error::{Result, StorageError};
use crate::txn::clog::{Clog, XidStatus};
use crate::types::{Oid, RelFileLocator, Xid};

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

/// A commit or abort record for `xid` and `subxids`, naming the relations
/// whose files go with it.
pub fn xact_record(info: u8, xid: Xid, subxids: &[Xid], rels: &[RelFileLocator]) -> WalRecord {
    let mut d = Vec::with_capacity(16 + 8 * subxids.len() + 8 * rels.len());
    d.extend_from_slice(&now_timestamp().to_le_bytes());
    d.extend_from_slice(&(subxids.len() as u32).to_le_bytes());
    for s in subxids {
        d.extend_from_slice(&s.0.to_le_bytes());
    }
    if !rels.is_empty() {
        d.extend_from_slice(&(rels.len() as u32).to_le_bytes());
        for r in rels {
            d.extend_from_slice(&r.db_oid.0.to_le_bytes());
            d.extend_from_slice(&r.rel_number.0.to_le_bytes());
        }
    }
    WalRecord::new(RM_XACT_ID, info, xid.0, d)
}

/// A parsed XACT payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XactPayload {
    /// Commit or abort time (`TimestampTz`).
    pub timestamp: i64,
    /// Subtransaction xids.
    pub subxids: Vec<Xid>,
    /// Relations whose files go.
    pub rels: Vec<RelFileLocator>,
}

fn u32_at(d: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]])
}

/// Parses an XACT record's main data.
pub fn parse_xact(d: &[u8]) -> Result<XactPayload> {
    let bad = || StorageError::Corrupted("invalid XACT WAL record".into());
    if d.len() < 12 {
        return Err(bad());
    }
    let mut t = [0u8; 8];
    t.copy_from_slice(&d[..8]);
    let n = u32_at(d, 8) as usize;
    let subs_end = n
        .checked_mul(8)
        .and_then(|b| b.checked_add(12))
        .filter(|e| *e <= d.len())
        .ok_or_else(bad)?;
    let subxids = d[12..subs_end]
        .chunks_exact(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            Xid(u64::from_le_bytes(a))
        })
        .collect();
    let mut rels = Vec::new();
    if d.len() > subs_end {
        if d.len() < subs_end + 4 {
            return Err(bad());
        }
        let r = u32_at(d, subs_end) as usize;
        if r.checked_mul(8) != Some(d.len() - subs_end - 4) {
            return Err(bad());
        }
        rels = d[subs_end + 4..]
            .chunks_exact(8)
            .map(|c| RelFileLocator {
                db_oid: Oid(u32_at(c, 0)),
                rel_number: Oid(u32_at(c, 4)),
            })
            .collect();
    }
    Ok(XactPayload {
        timestamp: i64::from_le_bytes(t),
        subxids,
        rels,
    })
}

/// Redo of an XACT record: the clog status of the tree, then the files of
/// the relations it names are removed (if still there).
pub fn xact_redo(pool: &BufferPool, clog: &Clog, rec: &DecodedRecord) -> Result<()> {
    let p = parse_xact(&rec.record.main_data)?;
    let status = match rec.record.info {
        XLOG_XACT_COMMIT => XidStatus::Committed,
        XLOG_XACT_ABORT => XidStatus::Aborted,
        _ => return Err(StorageError::Corrupted("invalid XACT WAL record".into())),
    };
    clog.set_tree_status(Xid(rec.record.xid), &p.subxids, status)?;
    for rel in &p.rels {
        pool.drop_relation_buffers(*rel);
        pool.smgr().unlink(*rel)?;
    }
    Ok(())
}

/// A waldump description of an XACT record.
pub fn xact_describe(rec: &DecodedRecord) -> String {
    let kind = match rec.record.info {
        XLOG_XACT_COMMIT => "COMMIT",
        XLOG_XACT_ABORT => "ABORT",
        _ => "UNKNOWN",
    };
    match parse_xact(&rec.record.main_data) {
        Ok(p) => {
            let mut out = format!("{kind} ts {}", p.timestamp);
            if !p.subxids.is_empty() {
                let s: Vec<String> = p.subxids.iter().map(|x| x.to_string()).collect();
                out.push_str(&format!("; subxacts: {}", s.join(" ")));
            }
            if !p.rels.is_empty() {
                let s: Vec<String> = p.rels.iter().map(|r| r.to_string()).collect();
                out.push_str(&format!("; rels: {}", s.join(" ")));
            }
            out
        }
        Err(_) => format!("{kind} (malformed)"),
    }
}
