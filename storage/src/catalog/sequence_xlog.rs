//! SEQUENCE WAL records (PostgreSQL's `sequence.c` `xl_seq_rec` /
//! `seq_redo`): a sequence's single page, rebuilt from its tuple.
//!
//! ```text
//! rmgr SEQUENCE (15), info 0x00 LOG, xid = the creating transaction's (0
//! for nextval / setval: they are not transactional)
//! block reference 0: the sequence's block 0, WILL_INIT
//!   block data: the whole tuple as it is on the page (header included)
//! ```
//!
//! Redo initialises an empty page and adds the tuple as line pointer 1, so
//! the page is rebuilt whatever was on disk. A record is written when a
//! sequence is created, by `setval`, and by `nextval` each time it needs a
//! value beyond the last one logged: it then logs the value 32 increments
//! ahead and flushes that record before handing the value out. After a
//! crash, replay leaves the sequence at the logged value: values may be
//! skipped, none handed out before is ever handed out again.

use wal::DecodedRecord;
use wal::rmgr::RM_SEQ_ID;

use crate::buffer::{BufferPool, BufferWriteGuard};
use crate::error::{Result, StorageError};
use crate::page;
use crate::recovery::redo_block;
use crate::types::{OffsetNumber, Xid};
use crate::xlog::XLog;

/// Info: the sequence page holds this tuple.
pub const XLOG_SEQ_LOG: u8 = 0x00;

/// Rebuilds a sequence page holding `tuple` as its only item.
pub fn init_page(pg: &mut [u8], tuple: &[u8]) -> Result<()> {
    page::init(pg, 0);
    match page::add_item(pg, tuple, None) {
        Some(off) if off == OffsetNumber::FIRST => Ok(()),
        _ => Err(StorageError::Internal(
            "sequence tuple does not fit a page".into(),
        )),
    }
}

/// Logs the sequence page held in `g` (already changed and marked dirty);
/// returns the record's end LSN. The end of a critical section: never
/// fails (see [`XLog::log_page_change`]).
pub fn log_sequence_page(
    xlog: &XLog,
    g: &mut BufferWriteGuard<'_>,
    tag: crate::buffer::BufferTag,
    xid: Xid,
) -> wal::Lsn {
    let tuple = page::get_item(g, OffsetNumber::FIRST)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    xlog.log_page_change(
        g,
        tag,
        RM_SEQ_ID,
        XLOG_SEQ_LOG,
        xid,
        tuple,
        true,
        Vec::new(),
    )
}

/// Redo of a SEQUENCE record.
pub fn seq_redo(pool: &BufferPool, rec: &DecodedRecord) -> Result<()> {
    if rec.record.info != XLOG_SEQ_LOG {
        return Err(StorageError::Corrupted(format!(
            "invalid SEQUENCE WAL record at {}",
            rec.lsn
        )));
    }
    for blk in &rec.record.blocks {
        redo_block(pool, rec, blk, |pg| init_page(pg, &blk.data))?;
    }
    Ok(())
}

/// A waldump description of a SEQUENCE record.
pub fn seq_describe(rec: &DecodedRecord) -> String {
    match rec.record.blocks.first() {
        Some(b) => format!("LOG rel {}/{}", b.target.db_oid, b.target.rel_number),
        None => "LOG (malformed)".into(),
    }
}
