//! Bottom-up index build (PostgreSQL's `nbtsort.c`): sort every entry,
//! fill leaves left to right to 90%, then build each upper level from the
//! first keys of the level below (70% full) until one page, the root,
//! remains. Every page is written through the buffer pool and logged as a
//! page image (will-init), as PostgreSQL logs builds.

use crate::datum::Datum;
use crate::error::{Result, StorageError};
use crate::page::{self, BLCKSZ, PAGE_HEADER_SIZE};
use crate::types::{BlockNumber, ForkNumber, ItemPointer, RelFileLocator};

use super::insert::fill;
use super::page::{
    BTP_LEAF, BTP_ROOT, ITup, META_BLOCK, Meta, OPAQUE_SIZE, Opaque, form_leaf,
    form_minus_infinity, form_pivot, init_meta, init_page, item_space, opaque,
};
use super::{BTree, IndexKeyDesc};

/// Leaf pages are filled to this percentage (`BTREE_DEFAULT_FILLFACTOR`).
const LEAF_FILL_PERCENT: usize = 90;
/// Internal pages are filled to this percentage (`BTREE_NONLEAF_FILLFACTOR`).
const UPPER_FILL_PERCENT: usize = 70;

impl BTree {
    /// Loads `entries` into the empty index `rel` (just made by
    /// [`BTree::create`] or [`BTree::truncate`]). With `unique`, two entries
    /// with equal keys and no NULL column are a
    /// [`crate::StorageError::UniqueViolation`] (the caller passes only
    /// live heap rows) and nothing is written.
    pub fn build(
        &self,
        rel: RelFileLocator,
        desc: &IndexKeyDesc,
        mut entries: Vec<(Vec<Datum>, ItemPointer)>,
        unique: bool,
    ) -> Result<()> {
        self.check_empty(rel)?;
        entries.sort_unstable_by(|a, b| desc.compare(&a.0, &b.0).then(a.1.cmp(&b.1)));
        if unique {
            for w in entries.windows(2) {
                if desc.compare(&w[0].0, &w[1].0) == std::cmp::Ordering::Equal
                    && !w[0].0.iter().any(|d| matches!(d, Datum::Null))
                {
                    return Err(StorageError::UniqueViolation {
                        key: w[0].0.clone(),
                    });
                }
            }
        }
        if entries.is_empty() {
            return Ok(());
        }
        let td = desc.tuple_desc();
        let mut items = Vec::with_capacity(entries.len());
        let mut buf = Vec::new();
        for (key, tid) in &entries {
            form_leaf(&td, key, *tid, &mut buf)?;
            items.push(buf.clone());
        }
        drop(entries);

        let mut next_block = 1u32;
        let mut level = 0u32;
        loop {
            let leaf = level == 0;
            let percent = if leaf {
                LEAF_FILL_PERCENT
            } else {
                UPPER_FILL_PERCENT
            };
            let pages = pack(&items, percent);
            let first_block = next_block;
            let block_of = |i: usize| BlockNumber(first_block + i as u32);
            let mut parent = Vec::with_capacity(pages.len());
            for (i, range) in pages.iter().enumerate() {
                let op = Opaque {
                    prev: if i == 0 {
                        BlockNumber::INVALID
                    } else {
                        block_of(i - 1)
                    },
                    next: if i + 1 == pages.len() {
                        BlockNumber::INVALID
                    } else {
                        block_of(i + 1)
                    },
                    level,
                    flags: if leaf { BTP_LEAF } else { 0 }
                        | if pages.len() == 1 { BTP_ROOT } else { 0 },
                };
                let mut pg = vec![0u8; BLCKSZ];
                init_page(&mut pg, &op);
                let mut on_page: Vec<Vec<u8>> = Vec::with_capacity(range.len() + 1);
                if let Some(next) = pages.get(i + 1) {
                    on_page.push(form_pivot(&items[next.start], leaf, BlockNumber::INVALID));
                }
                for (j, it) in items[range.clone()].iter().enumerate() {
                    if j == 0 && !leaf {
                        on_page.push(form_minus_infinity(ITup::parse(it)?.downlink()));
                    } else {
                        on_page.push(it.clone());
                    }
                }
                fill(&mut pg, &on_page)?;
                self.write_new_page(rel, block_of(i), &pg)?;
                parent.push(if i == 0 {
                    form_minus_infinity(block_of(i))
                } else {
                    form_pivot(&items[range.start], leaf, block_of(i))
                });
            }
            next_block += pages.len() as u32;
            if pages.len() == 1 {
                let mut meta = vec![0u8; BLCKSZ];
                init_meta(
                    &mut meta,
                    &Meta {
                        root: BlockNumber(first_block),
                        level,
                    },
                );
                return self.write_new_page(rel, META_BLOCK, &meta);
            }
            items = parent;
            level += 1;
        }
    }

    /// A build needs the state [`BTree::create`] leaves: metapage and an
    /// empty root leaf, nothing else.
    fn check_empty(&self, rel: RelFileLocator) -> Result<()> {
        let m = self.read_meta(rel)?;
        let nblocks = self.pool.nblocks(rel, ForkNumber::Main)?;
        let root_empty = {
            let buf = self.pool.read_buffer(rel, ForkNumber::Main, m.root, None)?;
            let g = buf.read();
            opaque(&g)?.is_leaf() && page::max_offset_number(&g) == 0
        };
        if m.root != BlockNumber(1) || nblocks != BlockNumber(2) || !root_empty {
            return Err(StorageError::Internal(format!(
                "index {rel} must be empty to be built"
            )));
        }
        Ok(())
    }
}

/// Splits `items` into consecutive pages filled to `percent` of a page,
/// keeping room on each for a high key as large as the largest item plus
/// its heap TID. Every page gets at least one item.
fn pack(items: &[Vec<u8>], percent: usize) -> Vec<std::ops::Range<usize>> {
    let usable = BLCKSZ - PAGE_HEADER_SIZE - OPAQUE_SIZE;
    let reserve = item_space(items.iter().map(Vec::len).max().unwrap_or(0) + 6);
    let target = (usable * percent / 100).saturating_sub(reserve);
    let mut pages = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, it) in items.iter().enumerate() {
        let s = item_space(it.len());
        if i > start && used + s > target {
            pages.push(start..i);
            start = i;
            used = 0;
        }
        used += s;
    }
    pages.push(start..items.len());
    pages
}
