//! Inserting entries: unique checks, page splits and downlink insertion
//! (PostgreSQL's `nbtinsert.c`: `_bt_doinsert`, `_bt_check_unique`,
//! `_bt_findinsertloc`, `_bt_split`, `_bt_insert_parent`, `_bt_newroot`).

use crate::buffer::{BufferWriteGuard, PinnedBuffer};
use crate::datum::Datum;
use crate::error::{Result, StorageError};
use crate::heap::heapam::tuple_liveness;
use crate::heap::visibility::Liveness;
use crate::page::{self, BLCKSZ, PAGE_HEADER_SIZE};
use crate::types::{BlockNumber, ForkNumber, OffsetNumber, RelFileLocator, Xid};
use crate::xlog::PageChange;

use super::page::{
    BTP_ROOT, ITup, META_BLOCK, Meta, OPAQUE_SIZE, Opaque, SearchKey, cmp_prefix, form_leaf,
    form_minus_infinity, form_pivot, init_page, item, item_space, meta, opaque, set_meta,
    set_opaque,
};
use super::search::Ctx;
use super::xlog::{
    XLOG_BTREE_INSERT_LEAF, XLOG_BTREE_INSERT_UPPER, XLOG_BTREE_NEWROOT, XLOG_BTREE_SPLIT_L,
    XLOG_BTREE_SPLIT_R, op_image, op_insert, op_setprev, split_main_data,
};
use super::{BTree, IndexKeyDesc, UniqueCheck};

/// Space for items on a page: everything but the header and special area.
const USABLE: usize = BLCKSZ - PAGE_HEADER_SIZE - OPAQUE_SIZE;

/// A split whose downlink still has to go into the parent level.
struct Pending {
    /// The level of the page that split.
    level: u32,
    /// The separator: the right half's lower bound, pointing at it.
    pivot: Vec<u8>,
}

impl BTree {
    /// Inserts the entry (`key`, `tid`) (`_bt_doinsert`). With `unique`, and
    /// no NULL in `key`, first checks that no other live row has an equal
    /// key, waiting for transactions that are inserting or deleting one
    /// (see "Unique checks" in [`crate::nbtree`]); a live duplicate is
    /// [`StorageError::UniqueViolation`].
    pub fn insert(
        &self,
        rel: RelFileLocator,
        desc: &IndexKeyDesc,
        key: &[Datum],
        tid: crate::types::ItemPointer,
        unique: Option<UniqueCheck<'_>>,
    ) -> Result<()> {
        let mut ctx = Ctx::new(desc);
        let mut itup = Vec::new();
        form_leaf(&ctx.td, key, tid, &mut itup)?;
        let full = SearchKey {
            values: key,
            tid: Some(tid),
            nextkey: false,
        };
        let check = unique.filter(|_| !key.iter().any(|d| matches!(d, Datum::Null)));
        let Some(uc) = check else {
            let (blk, stack) = self.descend(rel, &mut ctx, &full, 0)?;
            let pending = self.insert_moving_right(rel, &mut ctx, blk, &full, &itup, 0)?;
            return self.finish_split(rel, &mut ctx, pending, &stack);
        };
        // Unique: find the first page where an equal key can be, check the
        // equal keys from there on under its exclusive lock, and keep that
        // lock until the entry is in, so inserters of equal keys take turns.
        let nodid = SearchKey {
            values: key,
            tid: None,
            nextkey: false,
        };
        'restart: loop {
            let (mut blk, stack) = self.descend(rel, &mut ctx, &nodid, 0)?;
            let pending = loop {
                let buf = self.pool.read_buffer(rel, ForkNumber::Main, blk, None)?;
                let mut g = buf.write();
                let op = opaque(&g)?;
                if ctx.must_move_right(&g, &op, &nodid)? {
                    blk = op.next;
                    continue;
                }
                if let Some(xid) = self.check_unique(rel, &mut ctx, &g, &op, key, &uc)? {
                    drop(g);
                    drop(buf);
                    self.txns.wait_for(uc.owner, xid, uc.wait)?;
                    continue 'restart;
                }
                if ctx.must_move_right(&g, &op, &full)? {
                    // This page stays locked while the entry goes further right.
                    break self.insert_moving_right(rel, &mut ctx, op.next, &full, &itup, 0)?;
                }
                break self.insert_on_page(rel, &mut ctx, &buf, &mut g, &op, &full, &itup, 0)?;
            };
            return self.finish_split(rel, &mut ctx, pending, &stack);
        }
    }

    /// `_bt_check_unique` on the exclusively locked leaf `pg`, the first
    /// page where `key` can be: looks at every entry with an equal key
    /// here and on the pages to the right (shared-locking them in turn).
    /// Returns the xid to wait for if one is inserting or deleting such a
    /// row, `None` if there is no conflict.
    fn check_unique(
        &self,
        rel: RelFileLocator,
        ctx: &mut Ctx<'_>,
        pg: &[u8],
        op: &Opaque,
        key: &[Datum],
        uc: &UniqueCheck<'_>,
    ) -> Result<Option<Xid>> {
        let sk = SearchKey {
            values: key,
            tid: None,
            nextkey: false,
        };
        let off = ctx.binsrch(pg, op, &sk)?;
        if let Some(r) = self.check_equal_on_page(ctx, pg, op, off, key, uc)? {
            return Ok(r);
        }
        let mut next = op.next;
        loop {
            let buf = self.pool.read_buffer(rel, ForkNumber::Main, next, None)?;
            let g = buf.read();
            let op = opaque(&g)?;
            if let Some(r) = self.check_equal_on_page(ctx, &g, &op, op.first_data(), key, uc)? {
                return Ok(r);
            }
            next = op.next;
        }
    }

    /// The equal-key entries of one page from `off`: `Some(result)` once
    /// the check is decided, `None` to go on to the right sibling.
    fn check_equal_on_page(
        &self,
        ctx: &mut Ctx<'_>,
        pg: &[u8],
        op: &Opaque,
        off: u16,
        key: &[Datum],
        uc: &UniqueCheck<'_>,
    ) -> Result<Option<Option<Xid>>> {
        for o in off..=page::max_offset_number(pg) {
            let t = item(pg, o)?;
            t.key(&ctx.td, &mut ctx.key)?;
            if cmp_prefix(ctx.desc, key, &ctx.key) != std::cmp::Ordering::Equal {
                return Ok(Some(None));
            }
            match tuple_liveness(&self.pool, &self.txns, uc.heap, t.tid(), uc.own)? {
                Liveness::Dead => {}
                Liveness::Live => {
                    return Err(StorageError::UniqueViolation { key: key.to_vec() });
                }
                Liveness::InProgress(xid) => return Ok(Some(Some(xid))),
            }
        }
        if op.is_rightmost() {
            return Ok(Some(None));
        }
        // Equal keys may go on only if the high key is equal too.
        item(pg, 1)?.key(&ctx.td, &mut ctx.key)?;
        if cmp_prefix(ctx.desc, key, &ctx.key) != std::cmp::Ordering::Equal {
            return Ok(Some(None));
        }
        Ok(None)
    }

    /// Exclusively locks `blk`, moves right until the page whose key range
    /// holds `sk` (`_bt_moveright`, one lock at a time), and inserts `itup`
    /// there at `level`. Returns the split to propagate, if any.
    fn insert_moving_right(
        &self,
        rel: RelFileLocator,
        ctx: &mut Ctx<'_>,
        mut blk: BlockNumber,
        sk: &SearchKey<'_>,
        itup: &[u8],
        level: u32,
    ) -> Result<Option<Pending>> {
        loop {
            let buf = self.pool.read_buffer(rel, ForkNumber::Main, blk, None)?;
            let mut g = buf.write();
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
            return self.insert_on_page(rel, ctx, &buf, &mut g, &op, sk, itup, level);
        }
    }

    /// Inserts the downlinks of splits up the tree (`_bt_insert_parent`):
    /// each separator goes into the parent level at its key's place,
    /// starting from the page the descent passed at that level (or, if the
    /// tree grew above the descent, from a new descent).
    fn finish_split(
        &self,
        rel: RelFileLocator,
        ctx: &mut Ctx<'_>,
        mut pending: Option<Pending>,
        stack: &[BlockNumber],
    ) -> Result<()> {
        let mut pkey = Vec::new();
        while let Some(p) = pending {
            let level = p.level + 1;
            let pt = ITup::parse(&p.pivot)?;
            pt.key(&ctx.td, &mut pkey)?;
            let sk = SearchKey {
                values: &pkey,
                tid: pt.heap_tid(false),
                nextkey: false,
            };
            let start = match stack.get(level as usize) {
                Some(&b) if b != BlockNumber::INVALID => b,
                _ => self.descend(rel, ctx, &sk, level)?.0,
            };
            pending = self.insert_moving_right(rel, ctx, start, &sk, &p.pivot, level)?;
        }
        Ok(())
    }

    /// Inserts `itup` into the exclusively locked page `g` (`buf`) of
    /// `level`, at the place of `sk`, splitting the page if it is full.
    #[allow(clippy::too_many_arguments)]
    fn insert_on_page(
        &self,
        rel: RelFileLocator,
        ctx: &mut Ctx<'_>,
        buf: &PinnedBuffer,
        g: &mut BufferWriteGuard<'_>,
        op: &Opaque,
        sk: &SearchKey<'_>,
        itup: &[u8],
        level: u32,
    ) -> Result<Option<Pending>> {
        let leaf = op.is_leaf();
        let off = if leaf {
            let off = ctx.binsrch(g, op, sk)?;
            if off <= page::max_offset_number(g)
                && ctx.compare(sk, item(g, off)?, true)? == std::cmp::Ordering::Equal
            {
                return Err(StorageError::Internal(format!(
                    "index entry for heap tuple {:?} already exists in index {rel}",
                    sk.tid
                )));
            }
            off
        } else {
            ctx.binsrch(g, op, sk)? + 1
        };
        if page::free_space(g) < page::maxalign(itup.len()) {
            return self.split(rel, buf, g, op, off, itup, level);
        }
        self.check_wal()?;
        if page::index_add_item(g, itup, OffsetNumber(off)).is_none() {
            return Err(StorageError::Internal(format!(
                "could not add an item to index page {} of {rel}",
                buf.block()
            )));
        }
        // NO ERROR RETURNS UNTIL LOGGED
        g.mark_dirty();
        let info = if leaf {
            XLOG_BTREE_INSERT_LEAF
        } else {
            XLOG_BTREE_INSERT_UPPER
        };
        if let Some(x) = self.xlog.get() {
            x.log_page_change(
                g,
                buf.tag(),
                wal::rmgr::RM_BTREE_ID,
                info,
                Xid::INVALID,
                op_insert(OffsetNumber(off), itup),
                false,
                off.to_le_bytes().to_vec(),
            );
        }
        Ok(None)
    }

    /// Splits the full page `g` while inserting `itup` at `off`
    /// (`_bt_split`; `_bt_newroot` for the root). Locks the new right page
    /// and, in that order, the old right sibling (or, for the root, the new
    /// root and the metapage), changes them all and logs them in one
    /// record. Returns the separator for the parent, unless the root split.
    #[allow(clippy::too_many_arguments)]
    fn split(
        &self,
        rel: RelFileLocator,
        buf: &PinnedBuffer,
        g: &mut BufferWriteGuard<'_>,
        op: &Opaque,
        off: u16,
        itup: &[u8],
        level: u32,
    ) -> Result<Option<Pending>> {
        let leaf = op.is_leaf();
        let first = op.first_data();
        let max = page::max_offset_number(g);
        let mut items: Vec<Vec<u8>> = Vec::with_capacity(usize::from(max) + 1);
        for o in first..=max {
            items.push(item(g, o)?.0.to_vec());
        }
        let newpos = usize::from(off - first);
        items.insert(newpos, itup.to_vec());
        let hikey = if op.is_rightmost() {
            None
        } else {
            Some(item(g, 1)?.0.to_vec())
        };
        let append = op.is_rightmost() && newpos == items.len() - 1;
        let k = choose_split(&items, hikey.as_deref(), leaf, append).ok_or_else(|| {
            StorageError::Internal(format!("no split point for index page {}", buf.block()))
        })?;
        let is_root = op.flags & BTP_ROOT != 0;

        let rbuf = self.pool.extend(rel, ForkNumber::Main, None)?;
        let rblk = rbuf.block();
        let root_buf = if is_root {
            Some(self.pool.extend(rel, ForkNumber::Main, None)?)
        } else {
            None
        };

        // Build both halves off the page first: nothing shared changes
        // until everything that can fail has been done.
        let left_op = Opaque {
            prev: op.prev,
            next: rblk,
            level,
            flags: op.flags & !BTP_ROOT,
        };
        let right_op = Opaque {
            prev: buf.block(),
            next: op.next,
            level,
            flags: op.flags & !BTP_ROOT,
        };
        let mut lp = vec![0u8; BLCKSZ];
        init_page(&mut lp, &left_op);
        let mut to_add: Vec<Vec<u8>> = vec![form_pivot(&items[k], leaf, BlockNumber::INVALID)];
        to_add.extend(items[..k].iter().cloned());
        fill(&mut lp, &to_add)?;
        let mut rp = vec![0u8; BLCKSZ];
        init_page(&mut rp, &right_op);
        let mut to_add: Vec<Vec<u8>> = hikey.into_iter().collect();
        for (i, it) in items[k..].iter().enumerate() {
            if i == 0 && !leaf {
                to_add.push(form_minus_infinity(ITup::parse(it)?.downlink()));
            } else {
                to_add.push(it.clone());
            }
        }
        fill(&mut rp, &to_add)?;
        let separator = form_pivot(&items[k], leaf, rblk);
        let firstright = (k + 1) as u16;
        let info = if newpos < k {
            XLOG_BTREE_SPLIT_L
        } else {
            XLOG_BTREE_SPLIT_R
        };

        let mut rg = rbuf.write();
        if let Some(nrbuf) = root_buf {
            let mut np = vec![0u8; BLCKSZ];
            init_page(
                &mut np,
                &Opaque {
                    prev: BlockNumber::INVALID,
                    next: BlockNumber::INVALID,
                    level: level + 1,
                    flags: BTP_ROOT,
                },
            );
            fill(&mut np, &[form_minus_infinity(buf.block()), separator])?;
            let mut nrg = nrbuf.write();
            let mbuf = self
                .pool
                .read_buffer(rel, ForkNumber::Main, META_BLOCK, None)?;
            let mut mg = mbuf.write();
            meta(&mg)?;
            self.check_wal()?;
            // NO ERROR RETURNS UNTIL LOGGED
            g.copy_from_slice(&lp);
            rg.copy_from_slice(&rp);
            nrg.copy_from_slice(&np);
            set_meta(
                &mut mg,
                &Meta {
                    root: nrbuf.block(),
                    level: level + 1,
                },
            );
            g.mark_dirty();
            rg.mark_dirty();
            nrg.mark_dirty();
            mg.mark_dirty();
            if let Some(x) = self.xlog.get() {
                let mut main = (level + 1).to_le_bytes().to_vec();
                main.extend_from_slice(&split_main_data(level, firstright, off));
                let (ld, rd, nd, md) = (op_image(g), op_image(&rg), op_image(&nrg), op_image(&mg));
                x.log_multi_page_change(
                    &mut [
                        PageChange {
                            page: g,
                            tag: buf.tag(),
                            data: ld,
                            will_init: true,
                        },
                        PageChange {
                            page: &mut rg,
                            tag: rbuf.tag(),
                            data: rd,
                            will_init: true,
                        },
                        PageChange {
                            page: &mut nrg,
                            tag: nrbuf.tag(),
                            data: nd,
                            will_init: true,
                        },
                        PageChange {
                            page: &mut mg,
                            tag: mbuf.tag(),
                            data: md,
                            will_init: true,
                        },
                    ],
                    wal::rmgr::RM_BTREE_ID,
                    XLOG_BTREE_NEWROOT,
                    Xid::INVALID,
                    &main,
                );
            }
            return Ok(None);
        }

        let sib = if op.is_rightmost() {
            None
        } else {
            Some(
                self.pool
                    .read_buffer(rel, ForkNumber::Main, op.next, None)?,
            )
        };
        let mut sg = sib.as_ref().map(|s| s.write());
        let sib_op = match &sg {
            Some(s) => Some(opaque(s)?),
            None => None,
        };
        self.check_wal()?;
        // NO ERROR RETURNS UNTIL LOGGED
        g.copy_from_slice(&lp);
        rg.copy_from_slice(&rp);
        g.mark_dirty();
        rg.mark_dirty();
        if let (Some(s), Some(mut so)) = (sg.as_mut(), sib_op) {
            so.prev = rblk;
            set_opaque(s, &so);
            s.mark_dirty();
        }
        if let Some(x) = self.xlog.get() {
            let (ld, rd) = (op_image(g), op_image(&rg));
            let mut changes = vec![
                PageChange {
                    page: g,
                    tag: buf.tag(),
                    data: ld,
                    will_init: true,
                },
                PageChange {
                    page: &mut rg,
                    tag: rbuf.tag(),
                    data: rd,
                    will_init: true,
                },
            ];
            if let (Some(s), Some(sb)) = (sg.as_mut(), sib.as_ref()) {
                changes.push(PageChange {
                    page: s,
                    tag: sb.tag(),
                    data: op_setprev(rblk),
                    will_init: false,
                });
            }
            x.log_multi_page_change(
                &mut changes,
                wal::rmgr::RM_BTREE_ID,
                info,
                Xid::INVALID,
                &split_main_data(level, firstright, off),
            );
        }
        Ok(Some(Pending {
            level,
            pivot: separator,
        }))
    }
}

/// Adds `items` at offsets 1, 2, ... of the empty page `pg`.
pub(super) fn fill(pg: &mut [u8], items: &[Vec<u8>]) -> Result<()> {
    for (i, it) in items.iter().enumerate() {
        let off = OffsetNumber(i as u16 + 1);
        if page::index_add_item(pg, it, off) != Some(off) {
            return Err(StorageError::Internal(
                "index items do not fit on a new page".into(),
            ));
        }
    }
    Ok(())
}

/// Chooses the first item of the right half (`_bt_findsplitloc`, simply):
/// both halves must fit (the left with its new high key, the right with
/// the old high key and, on internal pages, its first item shrunk to minus
/// infinity); among those, the split closest to half the bytes, or to 90%
/// on the left when appending at the end of the rightmost page (so
/// ascending inserts leave pages 90% full, as a build does).
fn choose_split(
    items: &[Vec<u8>],
    hikey: Option<&[u8]>,
    leaf: bool,
    append: bool,
) -> Option<usize> {
    let sizes: Vec<usize> = items.iter().map(|i| item_space(i.len())).collect();
    let total: usize = sizes.iter().sum();
    let target = if append { total * 9 / 10 } else { total / 2 };
    let hk = hikey.map_or(0, |h| item_space(h.len()));
    let mut left = 0;
    let mut best: Option<(usize, usize)> = None;
    for k in 1..items.len() {
        left += sizes[k - 1];
        let pivot = item_space(items[k].len() + if leaf { 6 } else { 0 });
        let right_first = if leaf { sizes[k] } else { item_space(8) };
        let right = total - left - sizes[k] + right_first + hk;
        if left + pivot > USABLE || right > USABLE {
            continue;
        }
        let dist = left.abs_diff(target);
        if best.is_none_or(|(_, d)| dist < d) {
            best = Some((k, dist));
        }
    }
    best.map(|(k, _)| k)
}
