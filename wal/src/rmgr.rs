//! Resource managers: who owns which records (PostgreSQL's `rmgrlist.h`,
//! same ids), the trait a layer above implements to replay and describe its
//! records, and the XLOG resource manager's own payloads, which this crate
//! owns (checkpoints).
//!
//! The WAL crate knows records, LSNs and files, not tuples: `storage`
//! implements [`ResourceManager`] for HEAP, XACT, SMGR, BTREE and friends.

use crate::Lsn;
use crate::record::DecodedRecord;
use crate::segment::TimeLineId;

/// XLOG: checkpoints, segment switches, backup end, restore points.
pub const RM_XLOG_ID: u8 = 0;
/// XACT: commit and abort.
pub const RM_XACT_ID: u8 = 1;
/// SMGR: relation file create and truncate.
pub const RM_SMGR_ID: u8 = 2;
/// CLOG: commit-log page zeroing and truncation.
pub const RM_CLOG_ID: u8 = 3;
/// HEAP2: prune, vacuum, visible, multi-insert.
pub const RM_HEAP2_ID: u8 = 9;
/// HEAP: insert, update, delete, lock.
pub const RM_HEAP_ID: u8 = 10;
/// BTREE: index inserts, splits, deletes.
pub const RM_BTREE_ID: u8 = 11;
/// SEQUENCE: sequence advances.
pub const RM_SEQ_ID: u8 = 15;

/// The name pg_waldump prints for a resource manager id.
pub fn rmgr_name(id: u8) -> &'static str {
    match id {
        RM_XLOG_ID => "XLOG",
        RM_XACT_ID => "Transaction",
        RM_SMGR_ID => "Storage",
        RM_CLOG_ID => "CLOG",
        RM_HEAP2_ID => "Heap2",
        RM_HEAP_ID => "Heap",
        RM_BTREE_ID => "Btree",
        RM_SEQ_ID => "Sequence",
        _ => "unknown",
    }
}

/// A resource manager: replays and describes the records with its id.
pub trait ResourceManager: Send + Sync {
    /// The error redo can fail with (the implementing layer's error type).
    type Error;

    /// The id its records carry.
    fn id(&self) -> u8;

    /// Applies `rec` during recovery. Must be idempotent: a block change is
    /// applied only if the page's LSN is older than `rec.end_lsn`.
    fn redo(&self, rec: &DecodedRecord) -> Result<(), Self::Error>;

    /// One line describing `rec` for `waldump` (after the common fields).
    fn describe(&self, rec: &DecodedRecord) -> String;
}

/// XLOG info: a checkpoint written at shutdown (or end of recovery).
pub const XLOG_CHECKPOINT_SHUTDOWN: u8 = 0x00;
/// XLOG info: a checkpoint written while running.
pub const XLOG_CHECKPOINT_ONLINE: u8 = 0x10;
/// XLOG info: nothing (padding, tests).
pub const XLOG_NOOP: u8 = 0x20;
/// XLOG info: the rest of the segment is unused; the next record starts
/// in the next segment (`pg_switch_wal()`).
pub const XLOG_SWITCH: u8 = 0x40;
/// XLOG info: the end of an online base backup; main data: the backup's
/// start (redo) LSN, 8 bytes little-endian. Archive recovery from that
/// backup is consistent once it has replayed this record.
pub const XLOG_BACKUP_END: u8 = 0x50;
/// XLOG info: a named restore point (`pg_create_restore_point`); main
/// data: time (`TimestampTz`, 8 bytes little-endian) then the name's
/// UTF-8 bytes.
pub const XLOG_RESTORE_POINT: u8 = 0x70;
/// XLOG info: a full-page image taken because hint bits changed a page for
/// the first time since the redo point (redo restores the image).
pub const XLOG_FPI_FOR_HINT: u8 = 0xA0;

/// A checkpoint record's payload (PostgreSQL's `CheckPoint`).
///
/// ```text
/// main data, 36 bytes, little-endian
///   0  8  redo LSN        8  4  timeline      12  8  next xid
///  20  4  next oid       24  8  time (Unix seconds)   32 4 reserved, 0
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckPoint {
    /// Where replay starts for this checkpoint: every page change before it
    /// was on disk when the checkpoint completed.
    pub redo: Lsn,
    /// The timeline.
    pub timeline: TimeLineId,
    /// The next xid to assign (raw).
    pub next_xid: u64,
    /// The next oid to assign (raw).
    pub next_oid: u32,
    /// Seconds since the Unix epoch.
    pub time: u64,
}

/// Size of an encoded [`CheckPoint`].
pub const CHECKPOINT_SIZE: usize = 36;

impl CheckPoint {
    /// The main data bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(CHECKPOINT_SIZE);
        b.extend_from_slice(&self.redo.0.to_le_bytes());
        b.extend_from_slice(&self.timeline.0.to_le_bytes());
        b.extend_from_slice(&self.next_xid.to_le_bytes());
        b.extend_from_slice(&self.next_oid.to_le_bytes());
        b.extend_from_slice(&self.time.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b
    }

    /// Parses main data; `None` if it is not a checkpoint payload.
    pub fn decode(b: &[u8]) -> Option<CheckPoint> {
        if b.len() != CHECKPOINT_SIZE {
            return None;
        }
        let u64_at = |o: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[o..o + 8]);
            u64::from_le_bytes(a)
        };
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        Some(CheckPoint {
            redo: Lsn(u64_at(0)),
            timeline: TimeLineId(u32_at(8)),
            next_xid: u64_at(12),
            next_oid: u32_at(20),
            time: u64_at(24),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_round_trip() {
        let c = CheckPoint {
            redo: Lsn(0x1000028),
            timeline: TimeLineId::FIRST,
            next_xid: 77,
            next_oid: 16500,
            time: 1_700_000_000,
        };
        assert_eq!(CheckPoint::decode(&c.encode()), Some(c));
        assert_eq!(CheckPoint::decode(&[0; 3]), None);
    }
}
