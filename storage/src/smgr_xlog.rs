//! SMGR WAL records: relation file creation and truncation (PostgreSQL's
//! `storage.c` / `smgr` records).
//!
//! ```text
//! CREATE   (info 0x10) main data: u32 db oid, u32 rel number, u8 fork
//! TRUNCATE (info 0x20) main data: u32 db oid, u32 rel number, u32 new nblocks
//!                      (applies to the main fork and the free space map)
//! ```
//!
//! Redo of CREATE makes the file if it is missing; redo of TRUNCATE cuts
//! existing files. Redo of a block change in a relation whose file is gone
//! (dropped later) recreates it (`recovery::redo_block`); the commit record
//! of the transaction that dropped it names it, and its redo removes the
//! file again ([`crate::txn::xact_xlog`]).

use wal::record::WalRecord;
use wal::rmgr::RM_SMGR_ID;

use crate::buffer::BufferPool;
use crate::error::{Result, StorageError};
use crate::types::{BlockNumber, ForkNumber, Oid, RelFileLocator};
use crate::xlog::{fork_from_u8, fork_to_u8};

/// Info: a relation fork was created.
pub const XLOG_SMGR_CREATE: u8 = 0x10;
/// Info: a relation was truncated.
pub const XLOG_SMGR_TRUNCATE: u8 = 0x20;

/// The record for creating `fork` of `rel`.
pub fn create_record(rel: RelFileLocator, fork: ForkNumber) -> WalRecord {
    let mut d = Vec::with_capacity(9);
    d.extend_from_slice(&rel.db_oid.0.to_le_bytes());
    d.extend_from_slice(&rel.rel_number.0.to_le_bytes());
    d.push(fork_to_u8(fork));
    WalRecord::new(RM_SMGR_ID, XLOG_SMGR_CREATE, 0, d)
}

/// The record for truncating `rel` to `nblocks`.
pub fn truncate_record(rel: RelFileLocator, nblocks: BlockNumber) -> WalRecord {
    let mut d = Vec::with_capacity(12);
    d.extend_from_slice(&rel.db_oid.0.to_le_bytes());
    d.extend_from_slice(&rel.rel_number.0.to_le_bytes());
    d.extend_from_slice(&nblocks.0.to_le_bytes());
    WalRecord::new(RM_SMGR_ID, XLOG_SMGR_TRUNCATE, 0, d)
}

fn parse(d: &[u8]) -> Result<(RelFileLocator, &[u8])> {
    if d.len() < 9 {
        return Err(StorageError::Corrupted("invalid SMGR WAL record".into()));
    }
    let u = |o: usize| u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]);
    Ok((
        RelFileLocator {
            db_oid: Oid(u(0)),
            rel_number: Oid(u(4)),
        },
        &d[8..],
    ))
}

/// Redo of an SMGR record.
pub fn smgr_redo(pool: &BufferPool, info: u8, d: &[u8]) -> Result<()> {
    let (rel, rest) = parse(d)?;
    match info {
        XLOG_SMGR_CREATE => {
            let fork = fork_from_u8(rest[0])
                .ok_or_else(|| StorageError::Corrupted("invalid fork in SMGR record".into()))?;
            if !pool.smgr().exists(rel, fork) {
                pool.smgr().create(rel, fork)?;
            }
        }
        XLOG_SMGR_TRUNCATE if rest.len() >= 4 => {
            let n = BlockNumber(u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]));
            for fork in [ForkNumber::Main, ForkNumber::Fsm] {
                if pool.smgr().exists(rel, fork) && pool.nblocks(rel, fork)? > n {
                    pool.truncate_relation(rel, fork, n)?;
                }
            }
            crate::heap::visibilitymap::truncate(pool, rel, n)?;
        }
        _ => return Err(StorageError::Corrupted("invalid SMGR WAL record".into())),
    }
    Ok(())
}

/// A waldump description of an SMGR record.
pub fn smgr_describe(info: u8, d: &[u8]) -> String {
    match (info, parse(d)) {
        (XLOG_SMGR_CREATE, Ok((rel, _))) => format!("CREATE {rel}"),
        (XLOG_SMGR_TRUNCATE, Ok((rel, _))) => format!("TRUNCATE {rel}"),
        _ => "UNKNOWN".into(),
    }
}
