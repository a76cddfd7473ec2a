//! The commit log, `pg_xact/` (PostgreSQL's `clog.c` over `slru.c`): two bits
//! of status per transaction id.
//!
//! # File format
//!
//! ```text
//! status of xid X:  2 bits          00 IN_PROGRESS   01 COMMITTED
//!                                   10 ABORTED       11 SUB_COMMITTED
//! byte:   4 xids    bits 1..0 = xid 4k, bits 3..2 = 4k+1, 5..4 = 4k+2, 7..6 = 4k+3
//! page:   8192 bytes = 32768 xids        page number  = X / 32768
//! segment: 32 pages = 256 KiB = 1,048,576 xids
//!          file pg_xact/<segment number as 12 upper-case hex digits>
//!          e.g. xid 5_000_000 -> page 152 -> segment 4 -> pg_xact/000000000004,
//!          at byte offset (152 % 32) * 8192 + (5_000_000 % 32768) / 4
//!
//! pg_xact/000000000000   xids          0 ..  1,048,575
//!         000000000001   xids  1,048,576 ..  2,097,151
//!         ...
//! ```
//!
//! PostgreSQL names segments with 4 hex digits because its 32-bit xids wrap
//! after 4096 segments; our xids are 64 bits and never wrap, so the segment
//! number (at most 2^44) gets 12 digits. A missing file, or a page past the
//! end of a file, reads as zeros: every xid in it is IN_PROGRESS, which is
//! what a never-written xid is.
//!
//! # Cache and durability
//!
//! Pages are cached in memory (at most [`DEFAULT_CACHE_PAGES`], least recently
//! used evicted; a dirty victim is written, not fsynced). All reads and writes
//! go through one mutex, so a tree update ([`Clog::set_tree_status`]) is atomic
//! for readers. [`Clog::flush`] writes every dirty page, fsyncs every file
//! written since the last flush, and fsyncs `pg_xact/` when a file was
//! created.
//!
//! On disk, a tree commit whose subtransactions fall on other pages is not
//! atomic if the machine crashes in the middle of `flush` (PostgreSQL marks
//! such children SUB_COMMITTED first; with its WAL the commit record is the
//! real source of truth and redo sets the bits again). Until our WAL exists,
//! that window is accepted and documented here.
//!
//! # Asynchronous commit
//!
//! With `synchronous_commit = off` a commit's clog bits are set before its
//! commit record is flushed. Two rules keep a crash from making such a
//! transaction look committed once its commit record is lost (as
//! PostgreSQL's clog "group LSNs" do):
//!
//! 1. Each cached page remembers, per group of 32 xids, the end LSN of the
//!    latest asynchronous commit record in the group; before a dirty page
//!    is written (eviction or [`Clog::flush`]) the WAL is flushed past the
//!    largest of them (the engine's hook, [`Clog::set_wal_flush_hook`]).
//! 2. [`Clog::commit_lsn`] gives that LSN for an xid; tuple visibility sets
//!    a COMMITTED hint bit only once the WAL is flushed past it
//!    ([`crate::txn::TransactionManager::hint_committed_ok`]). A page read
//!    back from disk has no group LSNs: it was written after the flush.
//!
//! # Not done (yet)
//!
//! Truncation of segments below the oldest xid still needed; WAL-logging of
//! page zeroing; group commit. `flush` writes and fsyncs while holding the
//! clog mutex, so status lookups that miss nothing still wait behind a
//! commit's fsync (PostgreSQL's SLRU has per-bank locks and writes outside
//! them).

use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use crate::error::{Result, StorageError};
use crate::types::Xid;

/// Bytes per clog page.
pub const CLOG_PAGE_SIZE: usize = 8192;
/// Status bits per transaction.
pub const CLOG_BITS_PER_XACT: u64 = 2;
/// Transactions per byte.
pub const CLOG_XACTS_PER_BYTE: u64 = 4;
/// Transactions per page.
pub const CLOG_XACTS_PER_PAGE: u64 = CLOG_PAGE_SIZE as u64 * CLOG_XACTS_PER_BYTE;
/// Pages per segment file (PostgreSQL's SLRU_PAGES_PER_SEGMENT).
pub const SLRU_PAGES_PER_SEGMENT: u64 = 32;
/// Transactions per segment file.
pub const CLOG_XACTS_PER_SEGMENT: u64 = CLOG_XACTS_PER_PAGE * SLRU_PAGES_PER_SEGMENT;
/// How many pages the cache holds by default (2 MiB covers 8M xids).
pub const DEFAULT_CACHE_PAGES: usize = 256;

/// The directory under the data directory.
pub const CLOG_DIR: &str = "pg_xact";

/// A transaction's status as recorded in the commit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XidStatus {
    /// Running, or never finished (crashed) — the transaction manager tells
    /// the two apart.
    InProgress = 0,
    /// Committed.
    Committed = 1,
    /// Aborted.
    Aborted = 2,
    /// A subtransaction whose parent is committing; resolves to the parent's
    /// status.
    SubCommitted = 3,
}

impl XidStatus {
    fn from_bits(b: u8) -> XidStatus {
        match b & 3 {
            0 => XidStatus::InProgress,
            1 => XidStatus::Committed,
            2 => XidStatus::Aborted,
            _ => XidStatus::SubCommitted,
        }
    }
}

/// Xids per commit-LSN group (PostgreSQL's `CLOG_XACTS_PER_LSN_GROUP`).
pub const CLOG_XACTS_PER_LSN_GROUP: u64 = 32;
/// Commit-LSN groups per page.
const CLOG_LSN_GROUPS_PER_PAGE: usize = (CLOG_XACTS_PER_PAGE / CLOG_XACTS_PER_LSN_GROUP) as usize;

/// Makes the WAL durable up to an LSN (installed by the engine).
pub type WalFlushHook = Box<dyn Fn(wal::Lsn) -> Result<()> + Send + Sync>;

/// The segment file name for segment number `segno`.
pub fn segment_file_name(segno: u64) -> String {
    format!("{segno:012X}")
}

struct CachedPage {
    data: Box<[u8]>,
    dirty: bool,
    last_used: u64,
    /// Per group of [`CLOG_XACTS_PER_LSN_GROUP`] xids, the latest commit
    /// record end LSN of an asynchronous commit recorded on this page;
    /// empty until the page sees one. The page is not written before the
    /// WAL is flushed past the largest (see the module doc).
    group_lsns: Vec<wal::Lsn>,
}

impl CachedPage {
    fn max_lsn(&self) -> wal::Lsn {
        self.group_lsns
            .iter()
            .copied()
            .max()
            .unwrap_or(wal::Lsn::INVALID)
    }
}

struct ClogInner {
    pages: HashMap<u64, CachedPage>,
    capacity: usize,
    tick: u64,
    /// Segments written since the last fsync.
    unsynced: BTreeSet<u64>,
    /// A segment file was created since the directory was last fsynced.
    dir_unsynced: bool,
}

/// The commit log of one cluster.
pub struct Clog {
    dir: PathBuf,
    inner: Mutex<ClogInner>,
    wal_flush: std::sync::OnceLock<WalFlushHook>,
}

fn page_of(xid: Xid) -> (u64, usize, u32) {
    let pageno = xid.0 / CLOG_XACTS_PER_PAGE;
    let byteno = ((xid.0 % CLOG_XACTS_PER_PAGE) / CLOG_XACTS_PER_BYTE) as usize;
    let shift = ((xid.0 % CLOG_XACTS_PER_BYTE) * CLOG_BITS_PER_XACT) as u32;
    (pageno, byteno, shift)
}

impl Clog {
    /// Opens (creating if needed) `<data_dir>/pg_xact` with the default cache.
    pub fn open(data_dir: &Path) -> Result<Clog> {
        Self::open_with_cache(data_dir, DEFAULT_CACHE_PAGES)
    }

    /// Opens with a cache of `cache_pages` pages (at least 1).
    pub fn open_with_cache(data_dir: &Path, cache_pages: usize) -> Result<Clog> {
        let dir = data_dir.join(CLOG_DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| StorageError::io(format!("create directory {}", dir.display()), e))?;
        Ok(Clog {
            dir,
            inner: Mutex::new(ClogInner {
                pages: HashMap::new(),
                capacity: cache_pages.max(1),
                tick: 0,
                unsynced: BTreeSet::new(),
                dir_unsynced: false,
            }),
            wal_flush: std::sync::OnceLock::new(),
        })
    }

    /// Installs the WAL flush a page with asynchronous commits must wait
    /// for before it is written (set once, by the engine).
    pub fn set_wal_flush_hook(&self, hook: WalFlushHook) {
        let _ = self.wal_flush.set(hook);
    }

    /// Flushes the WAL up to `lsn` before a clog page that depends on it is
    /// written (the WAL rule for clog pages).
    fn wal_flush_to(&self, lsn: wal::Lsn) -> Result<()> {
        match self.wal_flush.get() {
            Some(f) if lsn > wal::Lsn::INVALID => f(lsn),
            _ => Ok(()),
        }
    }

    fn segment_path(&self, segno: u64) -> PathBuf {
        self.dir.join(segment_file_name(segno))
    }

    fn read_page(&self, pageno: u64) -> Result<Box<[u8]>> {
        let mut data = vec![0u8; CLOG_PAGE_SIZE].into_boxed_slice();
        let segno = pageno / SLRU_PAGES_PER_SEGMENT;
        let path = self.segment_path(segno);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(data),
            Err(e) => return Err(StorageError::io(format!("open file {}", path.display()), e)),
        };
        let off = (pageno % SLRU_PAGES_PER_SEGMENT) * CLOG_PAGE_SIZE as u64;
        let mut done = 0;
        while done < CLOG_PAGE_SIZE {
            match file.read_at(&mut data[done..], off + done as u64) {
                Ok(0) => break, // short file: the rest stays zero (in progress)
                Ok(n) => done += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(StorageError::io(
                        format!("read clog page {pageno} from {}", path.display()),
                        e,
                    ));
                }
            }
        }
        Ok(data)
    }

    fn write_page(&self, inner: &mut ClogInner, pageno: u64, data: &[u8]) -> Result<()> {
        let segno = pageno / SLRU_PAGES_PER_SEGMENT;
        let path = self.segment_path(segno);
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StorageError::io(format!("open file {}", path.display()), e))?;
        let off = (pageno % SLRU_PAGES_PER_SEGMENT) * CLOG_PAGE_SIZE as u64;
        file.write_all_at(data, off).map_err(|e| {
            StorageError::io(format!("write clog page {pageno} to {}", path.display()), e)
        })?;
        inner.unsynced.insert(segno);
        if !existed {
            inner.dir_unsynced = true;
        }
        Ok(())
    }

    /// The cached page `pageno`, reading it (and evicting another) if needed.
    fn page<'a>(&self, inner: &'a mut ClogInner, pageno: u64) -> Result<&'a mut CachedPage> {
        inner.tick += 1;
        let tick = inner.tick;
        if !inner.pages.contains_key(&pageno) {
            if inner.pages.len() >= inner.capacity {
                let victim = inner
                    .pages
                    .iter()
                    .min_by_key(|(_, p)| p.last_used)
                    .map(|(n, _)| *n);
                if let Some(v) = victim
                    && let Some(p) = inner.pages.remove(&v)
                    && p.dirty
                    && let Err(e) = self
                        .wal_flush_to(p.max_lsn())
                        .and_then(|()| self.write_page(inner, v, &p.data))
                {
                    // Keep the unwritten page rather than lose the update.
                    inner.pages.insert(v, p);
                    return Err(e);
                }
            }
            let data = self.read_page(pageno)?;
            inner.pages.insert(
                pageno,
                CachedPage {
                    data,
                    dirty: false,
                    last_used: tick,
                    group_lsns: Vec::new(),
                },
            );
        }
        let p = inner
            .pages
            .get_mut(&pageno)
            .ok_or_else(|| StorageError::Internal("clog page vanished from cache".into()))?;
        p.last_used = tick;
        Ok(p)
    }

    fn get_locked(&self, inner: &mut ClogInner, xid: Xid) -> Result<XidStatus> {
        let (pageno, byteno, shift) = page_of(xid);
        let p = self.page(inner, pageno)?;
        Ok(XidStatus::from_bits(p.data[byteno] >> shift))
    }

    fn set_locked(&self, inner: &mut ClogInner, xid: Xid, status: XidStatus) -> Result<()> {
        if !xid.is_normal() {
            return Err(StorageError::Internal(format!(
                "cannot set commit status of special xid {xid}"
            )));
        }
        let (pageno, byteno, shift) = page_of(xid);
        let p = self.page(inner, pageno)?;
        let b = &mut p.data[byteno];
        *b = (*b & !(3 << shift)) | ((status as u8) << shift);
        p.dirty = true;
        Ok(())
    }

    /// The recorded status of `xid`. The special xids: INVALID reads as
    /// aborted, BOOTSTRAP and FROZEN as committed.
    pub fn status(&self, xid: Xid) -> Result<XidStatus> {
        if !xid.is_normal() {
            return Ok(if xid == Xid::INVALID {
                XidStatus::Aborted
            } else {
                XidStatus::Committed
            });
        }
        let mut inner = self.inner.lock();
        self.get_locked(&mut inner, xid)
    }

    /// Records `status` for one xid (not durable until [`Clog::flush`]).
    pub fn set_status(&self, xid: Xid, status: XidStatus) -> Result<()> {
        let mut inner = self.inner.lock();
        self.set_locked(&mut inner, xid, status)
    }

    /// Records `status` for a top-level xid and its subtransactions, atomically
    /// as seen by [`Clog::status`] (PostgreSQL's
    /// `TransactionIdSetTreeStatus`). Not durable until [`Clog::flush`].
    pub fn set_tree_status(&self, xid: Xid, subxids: &[Xid], status: XidStatus) -> Result<()> {
        let mut inner = self.inner.lock();
        for s in subxids {
            self.set_locked(&mut inner, *s, status)?;
        }
        self.set_locked(&mut inner, xid, status)
    }

    /// Like [`Clog::set_tree_status`] for an asynchronous commit whose
    /// commit record ends at `commit_lsn` (not yet flushed): the LSN is
    /// remembered for each xid's group ([`Clog::commit_lsn`]) and the page
    /// is not written before the WAL is flushed past it.
    pub fn set_tree_status_async(
        &self,
        xid: Xid,
        subxids: &[Xid],
        status: XidStatus,
        commit_lsn: wal::Lsn,
    ) -> Result<()> {
        let mut inner = self.inner.lock();
        for x in subxids.iter().chain(std::iter::once(&xid)) {
            self.set_locked(&mut inner, *x, status)?;
            let (pageno, _, _) = page_of(*x);
            let group = ((x.0 % CLOG_XACTS_PER_PAGE) / CLOG_XACTS_PER_LSN_GROUP) as usize;
            let p = self.page(&mut inner, pageno)?;
            if p.group_lsns.is_empty() {
                p.group_lsns = vec![wal::Lsn::INVALID; CLOG_LSN_GROUPS_PER_PAGE];
            }
            if p.group_lsns[group] < commit_lsn {
                p.group_lsns[group] = commit_lsn;
            }
        }
        Ok(())
    }

    /// The WAL position that must be flushed before `xid`'s COMMITTED status
    /// may be relied on outside the clog (hint bits): the latest
    /// asynchronous commit LSN of its group, or [`wal::Lsn::INVALID`]
    /// (PostgreSQL's `TransactionIdGetCommitLSN`). Conservative: another
    /// xid of the group may have set it.
    pub fn commit_lsn(&self, xid: Xid) -> Result<wal::Lsn> {
        if !xid.is_normal() {
            return Ok(wal::Lsn::INVALID);
        }
        let mut inner = self.inner.lock();
        let (pageno, _, _) = page_of(xid);
        let group = ((xid.0 % CLOG_XACTS_PER_PAGE) / CLOG_XACTS_PER_LSN_GROUP) as usize;
        let p = self.page(&mut inner, pageno)?;
        Ok(p.group_lsns
            .get(group)
            .copied()
            .unwrap_or(wal::Lsn::INVALID))
    }

    /// Marks every xid in `range` that is IN_PROGRESS or SUB_COMMITTED as
    /// ABORTED: after a crash, those transactions can never finish. Returns
    /// how many were changed. Not durable until [`Clog::flush`].
    pub fn abort_in_progress(&self, range: Range<Xid>) -> Result<u64> {
        let mut inner = self.inner.lock();
        let mut n = 0;
        let mut x = range.start.max(Xid::FIRST_NORMAL);
        while x < range.end {
            match self.get_locked(&mut inner, x)? {
                XidStatus::InProgress | XidStatus::SubCommitted => {
                    self.set_locked(&mut inner, x, XidStatus::Aborted)?;
                    n += 1;
                }
                _ => {}
            }
            x = x.next();
        }
        Ok(n)
    }

    /// Writes every dirty page, fsyncs every segment written since the last
    /// flush, and fsyncs `pg_xact/` if a segment was created. When this
    /// returns Ok, every status set before the call is durable.
    pub fn flush(&self) -> Result<()> {
        let mut inner = self.inner.lock();
        let dirty: Vec<u64> = inner
            .pages
            .iter()
            .filter(|(_, p)| p.dirty)
            .map(|(n, _)| *n)
            .collect();
        for pageno in dirty {
            let (data, lsn) = match inner.pages.get(&pageno) {
                Some(p) => (p.data.clone(), p.max_lsn()),
                None => continue,
            };
            self.wal_flush_to(lsn)?;
            self.write_page(&mut inner, pageno, &data)?;
            if let Some(p) = inner.pages.get_mut(&pageno) {
                p.dirty = false;
            }
        }
        while let Some(segno) = inner.unsynced.first().copied() {
            let path = self.segment_path(segno);
            let f = File::open(&path)
                .map_err(|e| StorageError::io(format!("open file {}", path.display()), e))?;
            f.sync_all()
                .map_err(|e| StorageError::io(format!("fsync file {}", path.display()), e))?;
            inner.unsynced.remove(&segno);
        }
        if inner.dir_unsynced {
            let d = File::open(&self.dir).map_err(|e| {
                StorageError::io(format!("open directory {}", self.dir.display()), e)
            })?;
            d.sync_all().map_err(|e| {
                StorageError::io(format!("fsync directory {}", self.dir.display()), e)
            })?;
            inner.dir_unsynced = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_across_reopen_and_small_cache() {
        let dir = tempfile::tempdir().unwrap();
        let far = Xid(5_000_000);
        {
            let c = Clog::open_with_cache(dir.path(), 2).unwrap();
            c.set_status(Xid(3), XidStatus::Committed).unwrap();
            c.set_status(Xid(4), XidStatus::Aborted).unwrap();
            c.set_tree_status(
                Xid(40_000),
                &[Xid(70_000), Xid(100_000)],
                XidStatus::Committed,
            )
            .unwrap();
            c.set_status(far, XidStatus::Committed).unwrap();
            c.flush().unwrap();
        }
        assert!(dir.path().join("pg_xact/000000000000").exists());
        assert!(dir.path().join("pg_xact/000000000004").exists());
        let c = Clog::open_with_cache(dir.path(), 2).unwrap();
        assert_eq!(c.status(Xid(3)).unwrap(), XidStatus::Committed);
        assert_eq!(c.status(Xid(4)).unwrap(), XidStatus::Aborted);
        assert_eq!(c.status(Xid(5)).unwrap(), XidStatus::InProgress);
        for x in [40_000, 70_000, 100_000] {
            assert_eq!(c.status(Xid(x)).unwrap(), XidStatus::Committed);
        }
        assert_eq!(c.status(far).unwrap(), XidStatus::Committed);
        assert_eq!(c.status(Xid(900_000_000)).unwrap(), XidStatus::InProgress);
        assert_eq!(c.status(Xid::FROZEN).unwrap(), XidStatus::Committed);
        assert_eq!(c.status(Xid::BOOTSTRAP).unwrap(), XidStatus::Committed);
        assert_eq!(c.status(Xid::INVALID).unwrap(), XidStatus::Aborted);
        assert!(c.set_status(Xid::FROZEN, XidStatus::Aborted).is_err());
        assert_eq!(c.abort_in_progress(Xid(3)..Xid(8)).unwrap(), 3);
        assert_eq!(c.status(Xid(7)).unwrap(), XidStatus::Aborted);
        assert_eq!(c.status(Xid(3)).unwrap(), XidStatus::Committed);
    }

    #[test]
    fn bit_layout_matches_postgres() {
        let dir = tempfile::tempdir().unwrap();
        let c = Clog::open(dir.path()).unwrap();
        c.set_status(Xid(5), XidStatus::Committed).unwrap(); // byte 1, bits 3..2
        c.set_status(Xid(7), XidStatus::Aborted).unwrap(); // byte 1, bits 7..6
        c.flush().unwrap();
        let bytes = std::fs::read(dir.path().join("pg_xact/000000000000")).unwrap();
        assert_eq!(bytes.len(), CLOG_PAGE_SIZE);
        assert_eq!(bytes[1], 0b1000_0100);
    }
}
