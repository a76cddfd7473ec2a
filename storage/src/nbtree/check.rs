//! Structural verification of an index (amcheck's `bt_index_check`, with
//! the parent/child checks of `bt_index_parent_check`).
//!
//! Level by level from the root down, following right-links:
//!
//! 1. the metapage is valid and names a root page at its level, alone on
//!    the top level;
//! 2. every page has the level it is reached at, the leaf flag iff level 0,
//!    and a left-link naming the page before it in the chain; the chain
//!    has no cycle;
//! 3. the items of a page are in strictly ascending (key, heap TID) order,
//!    at or above the page's lower bound (its left sibling's high key) and
//!    strictly below its own high key;
//! 4. internal pages start with minus infinity; their downlinks appear in
//!    the child level's chain in the same order, and each child's lower
//!    bound equals its separator (minus infinity: the parent's lower
//!    bound) — a child without a downlink (a crash between a split and its
//!    parent insertion) is allowed;
//! 5. every leaf entry's heap TID passes the caller's `heap_check`.
//!
//! Run it against a quiescent index (see "Not done" in [`crate::nbtree`]).

use std::cmp::Ordering;

use crate::datum::Datum;
use crate::error::{Result, StorageError};
use crate::page;
use crate::types::{BlockNumber, ForkNumber, ItemPointer, RelFileLocator};

use super::page::{BTP_META, BTP_ROOT, item, opaque};
use super::{BTree, IndexKeyDesc};

/// A key with its heap TID tiebreaker: a bound or an entry.
type KeyTid = (Vec<Datum>, Option<ItemPointer>);

/// A downlink found on an internal page: the child and its lower bound
/// (`None`: minus infinity of the whole level).
struct Downlink {
    /// The child page.
    child: BlockNumber,
    /// The child's lower bound: the separator, or for minus infinity the
    /// parent's own lower bound.
    lo: Option<KeyTid>,
}

fn corrupt(rel: RelFileLocator, msg: String) -> StorageError {
    StorageError::IndexCorrupted(format!("index {rel}: {msg}"))
}

fn cmp_kt(desc: &IndexKeyDesc, a: &KeyTid, b: &KeyTid) -> Ordering {
    desc.compare(&a.0, &b.0).then(a.1.cmp(&b.1))
}

impl BTree {
    /// Verifies the structure of index `rel` (rules in the module doc);
    /// `heap_check(tid)` says whether a leaf entry's heap row is acceptable
    /// (the caller passes "a heap tuple exists at this TID"). A violation is
    /// [`StorageError::IndexCorrupted`] (SQLSTATE XX002).
    pub fn check(
        &self,
        rel: RelFileLocator,
        desc: &IndexKeyDesc,
        heap_check: &mut dyn FnMut(ItemPointer) -> Result<bool>,
    ) -> Result<()> {
        let m = self.read_meta(rel)?;
        let nblocks = self.pool.nblocks(rel, ForkNumber::Main)?.0;
        if m.root.0 == 0 || m.root.0 >= nblocks {
            return Err(corrupt(
                rel,
                format!("metapage names root block {} of {nblocks}", m.root),
            ));
        }
        let td = desc.tuple_desc();
        let mut downlinks = vec![Downlink {
            child: m.root,
            lo: None,
        }];
        let mut key = Vec::new();
        for level in (0..=m.level).rev() {
            let mut next_level = Vec::new();
            let mut expect = 0usize;
            let Some(leftmost) = downlinks.first() else {
                return Err(corrupt(rel, format!("level {level} has no pages")));
            };
            let mut blk = leftmost.child;
            let mut prev = BlockNumber::INVALID;
            // The lower bound of the current page: its left sibling's high key.
            let mut lo: Option<KeyTid> = None;
            let mut pages = 0u32;
            while blk != BlockNumber::INVALID {
                pages += 1;
                if pages > nblocks || blk.0 >= nblocks || blk.0 == 0 {
                    return Err(corrupt(
                        rel,
                        format!("level {level} chain reaches block {blk} (cycle or past the end)"),
                    ));
                }
                let buf = self.pool.read_buffer(rel, ForkNumber::Main, blk, None)?;
                let g = buf.read();
                let op = opaque(&g)?;
                let here =
                    |msg: String| corrupt(rel, format!("block {blk} (level {level}): {msg}"));
                if op.level != level || op.is_leaf() != (level == 0) || op.flags & BTP_META != 0 {
                    return Err(here(format!(
                        "page has level {} and flags {:#x}",
                        op.level, op.flags
                    )));
                }
                if op.prev != prev {
                    return Err(here(format!("left-link is {}, expected {prev}", op.prev)));
                }
                if level == m.level
                    && (op.flags & BTP_ROOT == 0
                        || !op.is_rightmost()
                        || prev != BlockNumber::INVALID)
                {
                    return Err(here("the root is not alone on the top level".into()));
                }
                if let Some(d) = downlinks.get(expect)
                    && d.child == blk
                {
                    let ok = match (&d.lo, &lo) {
                        (None, None) => true,
                        (Some(a), Some(b)) => cmp_kt(desc, a, b) == Ordering::Equal,
                        _ => false,
                    };
                    if !ok {
                        return Err(here(
                            "the parent's separator differs from the left sibling's high key"
                                .into(),
                        ));
                    }
                    expect += 1;
                }
                let hikey: Option<KeyTid> = if op.is_rightmost() {
                    None
                } else {
                    let t = item(&g, 1)?;
                    t.key(&td, &mut key)?;
                    Some((key.clone(), t.heap_tid(false)))
                };
                let mut last: Option<KeyTid> = None;
                for off in op.first_data()..=page::max_offset_number(&g) {
                    let t = item(&g, off)?;
                    t.key(&td, &mut key)?;
                    if !op.is_leaf() && off == op.first_data() {
                        if t.natts() != 0 {
                            return Err(here(
                                "first item of an internal page is not minus infinity".into(),
                            ));
                        }
                        next_level.push(Downlink {
                            child: t.downlink(),
                            lo: lo.clone(),
                        });
                        continue;
                    }
                    let kt: KeyTid = (key.clone(), t.heap_tid(op.is_leaf()));
                    if let Some(l) = &last
                        && cmp_kt(desc, l, &kt) != Ordering::Less
                    {
                        return Err(here(format!(
                            "items at offsets {} and {off} are out of order",
                            off - 1
                        )));
                    }
                    if let Some(l) = &lo
                        && cmp_kt(desc, l, &kt) == Ordering::Greater
                    {
                        return Err(here(format!(
                            "item at offset {off} is below the page's lower bound"
                        )));
                    }
                    if let Some(h) = &hikey
                        && cmp_kt(desc, &kt, h) != Ordering::Less
                    {
                        return Err(here(format!(
                            "item at offset {off} is not below the high key"
                        )));
                    }
                    if op.is_leaf() {
                        if !heap_check(t.tid())? {
                            return Err(here(format!(
                                "item at offset {off} points to heap tuple {:?}, which does not exist",
                                t.tid()
                            )));
                        }
                    } else {
                        next_level.push(Downlink {
                            child: t.downlink(),
                            lo: Some(kt.clone()),
                        });
                    }
                    last = Some(kt);
                }
                if !op.is_leaf() && page::max_offset_number(&g) < op.first_data() {
                    return Err(here("internal page has no downlinks".into()));
                }
                lo = hikey;
                prev = blk;
                blk = op.next;
            }
            if expect != downlinks.len() {
                return Err(corrupt(
                    rel,
                    format!(
                        "downlink to block {} is not in the chain of level {level} in key order",
                        downlinks[expect].child
                    ),
                ));
            }
            downlinks = next_level;
        }
        Ok(())
    }
}
