//! Bulk deletion of entries whose heap rows are gone (PostgreSQL's
//! `nbtree.c` `btbulkdelete` / `btvacuumpage`).
//!
//! One pass over the leaf level, left to right by right-links: each leaf
//! is locked exclusively, the entries whose heap TID the callback calls
//! dead are removed and the removal logged (VACUUM). Following right-links
//! rather than physical order means a concurrent split cannot move entries
//! behind the pass (PostgreSQL needs its cycle ids only because it reads
//! blocks in physical order). Emptied pages stay in the tree; later inserts
//! into their key range reuse the space. No page is ever deleted.

use crate::error::Result;
use crate::page;
use crate::types::{BlockNumber, ForkNumber, ItemPointer, OffsetNumber, RelFileLocator, Xid};

use super::page::{item, multi_delete, opaque};
use super::xlog::{XLOG_BTREE_VACUUM, op_delete};
use super::{BTree, BulkDeleteStats};

impl BTree {
    /// Removes every entry for which `callback(heap TID)` is true
    /// (`ambulkdelete`). The callback runs under a leaf page's exclusive
    /// lock: it must not touch the index (VACUUM passes a lookup in its
    /// set of dead TIDs).
    pub fn bulk_delete(
        &self,
        rel: RelFileLocator,
        callback: &mut dyn FnMut(ItemPointer) -> bool,
    ) -> Result<BulkDeleteStats> {
        let mut stats = BulkDeleteStats::default();
        let mut blk = self.leftmost_leaf(rel)?;
        let mut dead: Vec<OffsetNumber> = Vec::new();
        while blk != BlockNumber::INVALID {
            let buf = self.pool.read_buffer(rel, ForkNumber::Main, blk, None)?;
            let mut g = buf.write();
            let op = opaque(&g)?;
            dead.clear();
            let max = page::max_offset_number(&g);
            for off in op.first_data()..=max {
                if callback(item(&g, off)?.tid()) {
                    dead.push(OffsetNumber(off));
                }
            }
            stats.num_index_tuples +=
                u64::from((max + 1).saturating_sub(op.first_data())) - dead.len() as u64;
            if !dead.is_empty() {
                self.check_wal()?;
                multi_delete(&mut g, &dead)?;
                // NO ERROR RETURNS UNTIL LOGGED (multi_delete changes
                // nothing when it fails)
                g.mark_dirty();
                stats.tuples_removed += dead.len() as u64;
                if let Some(x) = self.xlog.get() {
                    x.log_page_change(
                        &mut g,
                        buf.tag(),
                        wal::rmgr::RM_BTREE_ID,
                        XLOG_BTREE_VACUUM,
                        Xid::INVALID,
                        op_delete(&dead),
                        false,
                        (dead.len() as u16).to_le_bytes().to_vec(),
                    );
                }
            }
            blk = op.next;
        }
        stats.pages = self.pool.nblocks(rel, ForkNumber::Main)?.0;
        Ok(stats)
    }

    /// The leftmost leaf: from the root down the minus-infinity downlinks
    /// (a level's leftmost page stays leftmost: splits move keys right).
    pub(super) fn leftmost_leaf(&self, rel: RelFileLocator) -> Result<BlockNumber> {
        let mut blk = self.read_meta(rel)?.root;
        loop {
            let buf = self.pool.read_buffer(rel, ForkNumber::Main, blk, None)?;
            let g = buf.read();
            let op = opaque(&g)?;
            if op.prev != BlockNumber::INVALID {
                return Err(crate::StorageError::IndexCorrupted(format!(
                    "leftmost descent of index {rel} reached block {blk}, which has a left sibling"
                )));
            }
            if op.is_leaf() {
                return Ok(blk);
            }
            blk = item(&g, op.first_data())?.downlink();
        }
    }
}
