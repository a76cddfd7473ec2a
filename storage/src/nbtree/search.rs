//! Descending the tree and scanning leaves (PostgreSQL's `nbtsearch.c`):
//! `_bt_search`, `_bt_moveright`, `_bt_binsrch`, and index scans that copy
//! one leaf page's matching items at a time (`_bt_readpage`).

use std::ops::Bound;
use std::sync::Arc;

use crate::buffer::BufferPool;
use crate::datum::Datum;
use crate::error::{Result, StorageError};
use crate::heap::tuple::TupleDesc;
use crate::page;
use crate::types::{BlockNumber, ForkNumber, ItemPointer, RelFileLocator};

use super::page::{ITup, META_BLOCK, Meta, Opaque, SearchKey, cmp_prefix, item, meta, opaque};
use super::{BTree, IndexKeyDesc, ScanDirection};

/// A descriptor and a scratch buffer for decoding keys.
pub(super) struct Ctx<'a> {
    /// The index's key columns and their ordering.
    pub desc: &'a IndexKeyDesc,
    /// How the key columns are stored.
    pub td: TupleDesc,
    /// Scratch space for a decoded key, reused to avoid allocations.
    pub key: Vec<Datum>,
}

impl<'a> Ctx<'a> {
    /// A context for `desc`.
    pub fn new(desc: &'a IndexKeyDesc) -> Ctx<'a> {
        Ctx {
            desc,
            td: desc.tuple_desc(),
            key: Vec::with_capacity(desc.columns.len()),
        }
    }

    /// Compares `sk` with item `t` of a page: a leaf entry (`leaf_entry`,
    /// ordered by its own TID) or a pivot (high key or internal item,
    /// ordered by its stored heap TID).
    pub fn compare(
        &mut self,
        sk: &SearchKey<'_>,
        t: ITup<'_>,
        leaf_entry: bool,
    ) -> Result<std::cmp::Ordering> {
        t.key(&self.td, &mut self.key)?;
        Ok(sk.compare(self.desc, &self.key, t.heap_tid(leaf_entry)))
    }

    /// Must a search for `sk` that reached this page go right
    /// (`sk >= high key`)?
    pub fn must_move_right(&mut self, pg: &[u8], op: &Opaque, sk: &SearchKey<'_>) -> Result<bool> {
        if op.is_rightmost() {
            return Ok(false);
        }
        // The high key is a pivot even on a leaf.
        let hk = item(pg, 1)?;
        Ok(self.compare(sk, hk, false)? != std::cmp::Ordering::Less)
    }

    /// `_bt_binsrch`. On a leaf: the first offset whose item is `>= sk`
    /// (max + 1 if none). On an internal page: the offset of the last item
    /// `<= sk`, whose downlink leads to `sk`.
    pub fn binsrch(&mut self, pg: &[u8], op: &Opaque, sk: &SearchKey<'_>) -> Result<u16> {
        let leaf = op.is_leaf();
        let (mut lo, mut hi) = (op.first_data(), page::max_offset_number(pg) + 1);
        // Invariant: items before lo are "below", items at or after hi are not.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let ord = self.compare(sk, item(pg, mid)?, leaf)?;
            let below = if leaf {
                ord == std::cmp::Ordering::Greater
            } else {
                ord != std::cmp::Ordering::Less
            };
            if below {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if leaf {
            return Ok(lo);
        }
        if lo <= op.first_data() {
            return Err(StorageError::IndexCorrupted(
                "internal index page does not start with minus infinity".into(),
            ));
        }
        Ok(lo - 1)
    }
}

impl BTree {
    /// Reads the metapage.
    pub(super) fn read_meta(&self, rel: RelFileLocator) -> Result<Meta> {
        let buf = self
            .pool
            .read_buffer(rel, ForkNumber::Main, META_BLOCK, None)?;
        let g = buf.read();
        meta(&g)
    }

    /// `_bt_search`: descends from the root to the page at `target_level`
    /// whose key range holds `sk`, one shared lock at a time, moving right
    /// past pages split since their parent was read. Returns that page's
    /// block (unlocked: the caller locks it and moves right again) and the
    /// page visited at each level (index = level) for the insertion of
    /// downlinks.
    pub(super) fn descend(
        &self,
        rel: RelFileLocator,
        ctx: &mut Ctx<'_>,
        sk: &SearchKey<'_>,
        target_level: u32,
    ) -> Result<(BlockNumber, Vec<BlockNumber>)> {
        let m = self.read_meta(rel)?;
        if m.level < target_level {
            return Err(StorageError::IndexCorrupted(format!(
                "index has no level {target_level} (root level {})",
                m.level
            )));
        }
        let mut stack = vec![BlockNumber::INVALID; m.level as usize + 1];
        let (mut blk, mut level) = (m.root, m.level);
        loop {
            let buf = self.pool.read_buffer(rel, ForkNumber::Main, blk, None)?;
            let g = buf.read();
            let op = opaque(&g)?;
            if op.level != level {
                return Err(StorageError::IndexCorrupted(format!(
                    "index page {blk} is at level {}, expected {level}",
                    op.level
                )));
            }
            if ctx.must_move_right(&g, &op, sk)? {
                blk = op.next;
                continue;
            }
            stack[level as usize] = blk;
            if level == target_level {
                return Ok((blk, stack));
            }
            let off = ctx.binsrch(&g, &op, sk)?;
            blk = item(&g, off)?.downlink();
            level -= 1;
        }
    }

    /// Starts an index scan of the entries between `lower` and `upper`
    /// (either may be a prefix of the key; see [`BTreeScan`]).
    pub fn scan(
        &self,
        rel: RelFileLocator,
        desc: &IndexKeyDesc,
        lower: Bound<Vec<Datum>>,
        upper: Bound<Vec<Datum>>,
        direction: ScanDirection,
    ) -> Result<BTreeScan> {
        for b in [&lower, &upper] {
            if let Bound::Included(v) | Bound::Excluded(v) = b
                && v.len() > desc.columns.len()
            {
                return Err(StorageError::Internal(format!(
                    "scan bound has {} columns, the index {}",
                    v.len(),
                    desc.columns.len()
                )));
            }
        }
        let mut scan = BTreeScan {
            pool: self.pool.clone(),
            rel,
            desc: desc.clone(),
            td: desc.tuple_desc(),
            lower,
            upper,
            direction,
            items: Vec::new(),
            spans: Vec::new(),
            pos: 0,
            cur: BlockNumber::INVALID,
            link: BlockNumber::INVALID,
            key: Vec::new(),
        };
        scan.first(self)?;
        Ok(scan)
    }
}

/// An index scan: entries between two bounds in index order (forward) or
/// in reverse (backward), with their heap TIDs.
///
/// A bound with fewer columns than the index compares only those columns:
/// `Included([5])` as lower bound starts at the first entry whose first
/// column is 5; equality on a prefix is that prefix as inclusive lower and
/// upper bound. Entries are read a leaf page at a time into the scan's own
/// buffer under a shared lock, which is released before any is returned;
/// the right-link (or left-link) read under the same lock leads on. So a
/// scan never holds a lock or pin between calls and never blocks a split,
/// and sees every entry that existed for its whole duration exactly once
/// (entries inserted or removed meanwhile may or may not be seen: the heap
/// visibility check decides what the caller returns).
pub struct BTreeScan {
    pool: Arc<BufferPool>,
    rel: RelFileLocator,
    desc: IndexKeyDesc,
    td: TupleDesc,
    lower: Bound<Vec<Datum>>,
    upper: Bound<Vec<Datum>>,
    direction: ScanDirection,
    /// The copied items of the current page, back to back.
    items: Vec<u8>,
    /// (start, end) of each copied item in `items`, in return order.
    spans: Vec<(usize, usize)>,
    /// The next span to return.
    pos: usize,
    /// The page the items came from (for walking left).
    cur: BlockNumber,
    /// The page to read next: its right sibling (forward) or left sibling
    /// (backward); INVALID when the scan is over.
    link: BlockNumber,
    /// The key of the last returned entry.
    key: Vec<Datum>,
}

impl BTreeScan {
    /// The next entry, or `None` at the end: its heap TID and key columns
    /// (borrowed from the scan's buffer until the next call, which is why
    /// this is not an `Iterator`).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<(ItemPointer, &[Datum])>> {
        while self.pos >= self.spans.len() {
            if self.link == BlockNumber::INVALID {
                return Ok(None);
            }
            self.read_next_page()?;
        }
        let (s, e) = self.spans[self.pos];
        self.pos += 1;
        let t = ITup::parse(&self.items[s..e])?;
        t.key(&self.td, &mut self.key)?;
        Ok(Some((t.tid(), &self.key)))
    }

    /// Is `key` past the end of the scan in its direction?
    fn past_end(&self, key: &[Datum]) -> bool {
        use std::cmp::Ordering::*;
        match self.direction {
            ScanDirection::Forward => match &self.upper {
                Bound::Included(b) => cmp_prefix(&self.desc, b, key) == Less,
                Bound::Excluded(b) => cmp_prefix(&self.desc, b, key) != Greater,
                Bound::Unbounded => false,
            },
            ScanDirection::Backward => match &self.lower {
                Bound::Included(b) => cmp_prefix(&self.desc, b, key) == Greater,
                Bound::Excluded(b) => cmp_prefix(&self.desc, b, key) != Less,
                Bound::Unbounded => false,
            },
        }
    }

    /// Positions on the first leaf (`_bt_first`).
    fn first(&mut self, tree: &BTree) -> Result<()> {
        let empty: &[Datum] = &[];
        let (bound, forward) = match self.direction {
            ScanDirection::Forward => (&self.lower, true),
            ScanDirection::Backward => (&self.upper, false),
        };
        // Forward: the first entry >= (Included) or > (Excluded) the lower
        // bound. Backward: the first entry > (Included) or >= (Excluded) the
        // upper bound; the scan starts just before it.
        let sk = match bound {
            Bound::Unbounded => SearchKey {
                values: empty,
                tid: None,
                nextkey: !forward,
            },
            Bound::Included(v) => SearchKey {
                values: v,
                tid: None,
                nextkey: !forward,
            },
            Bound::Excluded(v) => SearchKey {
                values: v,
                tid: None,
                nextkey: forward,
            },
        };
        let mut ctx = Ctx::new(&self.desc);
        let (mut blk, _) = tree.descend(self.rel, &mut ctx, &sk, 0)?;
        loop {
            let buf = self
                .pool
                .read_buffer(self.rel, ForkNumber::Main, blk, None)?;
            let g = buf.read();
            let op = opaque(&g)?;
            if ctx.must_move_right(&g, &op, &sk)? {
                blk = op.next;
                continue;
            }
            let off = ctx.binsrch(&g, &op, &sk)?;
            self.cur = blk;
            if forward {
                self.read_page(&g, &op, off, page::max_offset_number(&g))?;
            } else {
                self.read_page(&g, &op, op.first_data(), off - 1)?;
            }
            return Ok(());
        }
    }

    /// Copies the items at offsets `from..=to` of the locked page that are
    /// within the scan, in scan order (`_bt_readpage`), and remembers where
    /// to go next.
    fn read_page(&mut self, pg: &[u8], op: &Opaque, from: u16, to: u16) -> Result<()> {
        self.items.clear();
        self.spans.clear();
        self.pos = 0;
        let mut ended = false;
        let mut key = std::mem::take(&mut self.key);
        let offs: Box<dyn Iterator<Item = u16>> = match self.direction {
            ScanDirection::Forward => Box::new(from..=to),
            ScanDirection::Backward => Box::new((from..=to).rev()),
        };
        for off in offs {
            let t = item(pg, off)?;
            t.key(&self.td, &mut key)?;
            if self.past_end(&key) {
                ended = true;
                break;
            }
            let s = self.items.len();
            self.items.extend_from_slice(t.0);
            self.spans.push((s, self.items.len()));
        }
        self.key = key;
        self.link = match (ended, self.direction) {
            (true, _) => BlockNumber::INVALID,
            (false, ScanDirection::Forward) => op.next,
            (false, ScanDirection::Backward) => op.prev,
        };
        Ok(())
    }

    /// Reads the page at `link`: the right sibling, or for a backward scan
    /// the left sibling, found by moving right from the remembered left-link
    /// until the page whose right-link is the current page (`_bt_walk_left`;
    /// pages are never deleted, so the walk ends).
    fn read_next_page(&mut self) -> Result<()> {
        let mut blk = self.link;
        loop {
            let buf = self
                .pool
                .read_buffer(self.rel, ForkNumber::Main, blk, None)?;
            let g = buf.read();
            let op = opaque(&g)?;
            if self.direction == ScanDirection::Backward && op.next != self.cur {
                if op.is_rightmost() {
                    return Err(StorageError::IndexCorrupted(format!(
                        "left-link of index page {} leads to no page linking back",
                        self.cur
                    )));
                }
                blk = op.next;
                continue;
            }
            self.cur = blk;
            return self.read_page(&g, &op, op.first_data(), page::max_offset_number(&g));
        }
    }
}
