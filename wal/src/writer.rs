//! The WAL writer: insertion into the in-memory WAL buffer and group-commit
//! flushing (PostgreSQL's `XLogInsert` / `XLogFlush` / `XLogWrite`).
//!
//! # Insertion
//!
//! [`WalWriter::insert`] encodes the record and checksums its payload with no
//! lock held; then, under the short insert mutex, it takes the next position,
//! fills in the back-link and finishes the CRC (28 header bytes), and appends
//! the bytes plus zero padding to the 8-byte boundary to the buffer. It
//! returns the record's end LSN: what a changed page's LSN is set to and what
//! a committer flushes up to. No I/O is ever done under the insert mutex.
//!
//! # Flushing and group commit
//!
//! ```text
//!  flush(upto):
//!    flushed >= upto?                         -> done (no lock, atomic load)
//!    lock flush state
//!      while a flush is in progress: wait on the condvar, re-check flushed
//!      flushed >= upto?                       -> done (someone else synced it)
//!      flushing = true
//!    unlock
//!    take the whole buffer under the insert mutex (swap with an empty Vec)
//!    pwrite it into the segment files, fdatasync each segment written
//!    lock flush state: flushed = end of what was taken, flushing = false,
//!    notify_all
//! ```
//!
//! One flusher at a time writes *everything* inserted so far, so every
//! committer that inserted before the buffer was taken is served by that one
//! `fdatasync`; committers that arrive while it runs wait, and the first of
//! them to wake writes the next batch for all the others. [`WalWriter::sync_count`]
//! counts the `fdatasync` calls (tests check they are fewer than the flushes).
//!
//! # Failure
//!
//! A failed write or fsync cannot be retried safely (after a failed fsync the
//! kernel may have dropped the dirty pages). As PostgreSQL PANICs, the writer
//! records the failure and from then on refuses every insert and flush with
//! [`WalError::Failed`]; no commit can be acknowledged. Restart to recover.
//!
//! # Segment files
//!
//! Segments are created at their full size with `set_len` (sparse zeros; see
//! [`crate::segment`]) and the directory is fsynced. When a writer is opened
//! after recovery at the end of valid WAL, the rest of that segment is
//! overwritten with zeros and later segments of the timeline are removed, so
//! stale bytes from before the crash can never be mistaken for records that
//! follow the new ones.
//!
//! # `fsync = off`
//!
//! Writes happen but nothing is synced; a crash of the machine (not only of
//! the process) can lose acknowledged commits. For throwaway data only.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::{Condvar, Mutex};

use crate::Lsn;
use crate::error::{Result, WalError};
use crate::record::{self, WalRecord};
use crate::segment::{
    self, FIRST_LSN, SegNo, TimeLineId, WAL_SEGMENT_SIZE, segment_file_name, segment_offset,
    segment_path,
};

/// How a writer is opened.
#[derive(Clone, Debug)]
pub struct WalWriterOptions {
    /// `fsync`: make flushes durable with `fdatasync` (on by default).
    pub fsync: bool,
    /// The timeline written.
    pub timeline: TimeLineId,
    /// `wal_buffers`: when more than this many bytes are buffered, the
    /// inserter flushes them itself (write-behind), bounding memory.
    pub buffer_limit: usize,
}

impl Default for WalWriterOptions {
    fn default() -> Self {
        WalWriterOptions {
            fsync: true,
            timeline: TimeLineId::FIRST,
            buffer_limit: 4 << 20,
        }
    }
}

/// Positions and the in-memory buffer, under the insert mutex.
struct InsertState {
    /// Bytes inserted but not yet taken by a flusher.
    buf: Vec<u8>,
    /// The LSN of `buf[0]`.
    buf_start: Lsn,
    /// Where the next record starts (aligned).
    next: Lsn,
    /// Where the last inserted record started (the next record's back-link).
    prev: Lsn,
    /// The current redo point (`RedoRecPtr`): the first change of a page
    /// at or after it logs a full-page image. Moved by a checkpoint.
    redo: Lsn,
}

/// The flush protocol's shared state, under the flush mutex.
struct FlushState {
    /// Everything below this is durable (or written, with `fsync = off`).
    flushed: Lsn,
    /// A flusher is writing now.
    flushing: bool,
    /// Why the writer failed, once it has.
    failed: Option<String>,
}

/// The WAL writer of one cluster. `Send + Sync`; share it in an `Arc`.
pub struct WalWriter {
    wal_dir: PathBuf,
    opts: WalWriterOptions,
    insert: Mutex<InsertState>,
    flush: Mutex<FlushState>,
    flushed_cv: Condvar,
    /// Mirror of `FlushState::flushed` for the lock-free fast path.
    flushed_lsn: AtomicU64,
    /// Set once the writer has failed (mirror of `FlushState::failed`).
    failed: AtomicBool,
    /// The segment file the flusher has open; only the flusher uses it.
    file: Mutex<Option<(SegNo, File)>>,
    /// `fdatasync` calls made.
    syncs: AtomicU64,
    /// Calls of `flush` that found work to wait for.
    flush_calls: AtomicU64,
}

impl WalWriter {
    /// A writer for a new cluster: the WAL starts at [`FIRST_LSN`] in
    /// segment 1. `wal_dir` is created if needed.
    pub fn create(wal_dir: &Path, opts: WalWriterOptions) -> Result<Arc<WalWriter>> {
        Self::open(wal_dir, opts, FIRST_LSN, Lsn::INVALID)
    }

    /// A writer continuing the WAL at `end` (the end of valid WAL found by
    /// the reader, aligned up) whose last record started at `prev`. Zeroes
    /// the rest of `end`'s segment and removes later segments (see the
    /// module doc).
    pub fn open(
        wal_dir: &Path,
        opts: WalWriterOptions,
        end: Lsn,
        prev: Lsn,
    ) -> Result<Arc<WalWriter>> {
        std::fs::create_dir_all(wal_dir)
            .map_err(|e| WalError::io(format!("create directory {}", wal_dir.display()), e))?;
        let next = Lsn(record::align(end.0.max(FIRST_LSN.0)));
        let w = WalWriter {
            wal_dir: wal_dir.to_path_buf(),
            opts,
            insert: Mutex::new(InsertState {
                buf: Vec::new(),
                buf_start: next,
                next,
                prev,
                redo: next,
            }),
            flush: Mutex::new(FlushState {
                flushed: next,
                flushing: false,
                failed: None,
            }),
            flushed_cv: Condvar::new(),
            flushed_lsn: AtomicU64::new(next.0),
            failed: AtomicBool::new(false),
            file: Mutex::new(None),
            syncs: AtomicU64::new(0),
            flush_calls: AtomicU64::new(0),
        };
        w.clean_tail(next)?;
        Ok(Arc::new(w))
    }

    /// Zeroes `from`'s segment from `from` on and removes later segments.
    fn clean_tail(&self, from: Lsn) -> Result<()> {
        let tli = self.opts.timeline;
        let cur = SegNo::of(from);
        let mut removed = false;
        for s in segment::list_segments(&self.wal_dir, tli)? {
            if s > cur {
                let p = segment_path(&self.wal_dir, tli, s);
                std::fs::remove_file(&p)
                    .map_err(|e| WalError::io(format!("remove file {}", p.display()), e))?;
                removed = true;
            }
        }
        let path = segment_path(&self.wal_dir, tli, cur);
        if path.exists() {
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(|e| WalError::io(format!("open file {}", path.display()), e))?;
            let io = |e| WalError::io(format!("zero the tail of file {}", path.display()), e);
            f.set_len(WAL_SEGMENT_SIZE).map_err(io)?;
            const CHUNK: usize = 1 << 20;
            let zeros = vec![0u8; CHUNK];
            let mut buf = vec![0u8; CHUNK];
            let mut off = segment_offset(from);
            let mut wrote = false;
            while off < WAL_SEGMENT_SIZE {
                let n = ((WAL_SEGMENT_SIZE - off) as usize).min(CHUNK);
                f.read_exact_at(&mut buf[..n], off).map_err(io)?;
                if buf[..n].iter().any(|b| *b != 0) {
                    f.write_all_at(&zeros[..n], off).map_err(io)?;
                    wrote = true;
                }
                off += n as u64;
            }
            if wrote && self.opts.fsync {
                f.sync_data().map_err(io)?;
            }
        }
        if removed && self.opts.fsync {
            segment::fsync_dir(&self.wal_dir)?;
        }
        Ok(())
    }

    /// The directory the segments live in.
    pub fn wal_dir(&self) -> &Path {
        &self.wal_dir
    }

    /// The timeline written.
    pub fn timeline(&self) -> TimeLineId {
        self.opts.timeline
    }

    /// Appends `rec` to the WAL buffer; returns its end LSN (not yet durable:
    /// call [`Self::flush`]).
    pub fn insert(&self, rec: &WalRecord) -> Result<Lsn> {
        self.insert_at(rec).map(|(_, end)| end)
    }

    /// Like [`Self::insert`], returning the record's start and end LSNs.
    pub fn insert_at(&self, rec: &WalRecord) -> Result<(Lsn, Lsn)> {
        match self.insert_inner(rec, None)? {
            Some(r) => Ok(r),
            None => Err(WalError::Failed(
                "redo pointer check without a redo pointer".into(),
            )),
        }
    }

    /// Inserts `rec` only if the redo point is still `redo_seen`, the value
    /// the caller decided its full-page images with (PostgreSQL's
    /// `XLogInsertRecord` returning `InvalidXLogRecPtr`). `Ok(None)`: a
    /// checkpoint moved the redo point; rebuild the record (now with images)
    /// and try again. Without this check a page first changed after a new
    /// redo point could be logged without its image.
    pub fn insert_if_redo(&self, rec: &WalRecord, redo_seen: Lsn) -> Result<Option<(Lsn, Lsn)>> {
        self.insert_inner(rec, Some(redo_seen))
    }

    /// The current redo point (see [`Self::insert_if_redo`]).
    pub fn redo_ptr(&self) -> Lsn {
        self.insert.lock().redo
    }

    /// Starts a checkpoint: the redo point becomes the current insert
    /// position, atomically with respect to insertion, and is returned.
    /// Every record inserted before it changed pages that are dirty now.
    pub fn begin_checkpoint(&self) -> Lsn {
        let mut ins = self.insert.lock();
        ins.redo = ins.next;
        ins.redo
    }

    fn insert_inner(&self, rec: &WalRecord, redo_seen: Option<Lsn>) -> Result<Option<(Lsn, Lsn)>> {
        let mut enc = record::encode(rec)?;
        self.check_failed()?;
        let (start, end, buffered) = {
            let mut ins = self.insert.lock();
            if let Some(r) = redo_seen
                && r != ins.redo
            {
                return Ok(None);
            }
            let start = ins.next;
            enc.finish(ins.prev);
            let end = Lsn(start.0 + enc.len() as u64);
            let next = Lsn(record::align(end.0));
            let pad = (next.0 - end.0) as usize;
            ins.buf.extend_from_slice(&enc.bytes);
            ins.buf
                .extend_from_slice(&[0u8; record::RECORD_ALIGN as usize][..pad]);
            ins.prev = start;
            ins.next = next;
            (start, end, ins.buf.len())
        };
        if buffered > self.opts.buffer_limit {
            // Write-behind. The record is in; a failure here has failed the
            // writer (every later flush reports it), so it is not this
            // insert's error: the caller may be in a critical section.
            if let Err(e) = self.flush(end) {
                tracing::error!(error = %e, "WAL write-behind failed");
            }
        }
        Ok(Some((start, end)))
    }

    /// Fails with [`WalError::Failed`] if an earlier write or sync failed.
    /// Call before entering a critical section, so the insert at its end
    /// cannot fail for that reason.
    pub fn check_usable(&self) -> Result<()> {
        self.check_failed()
    }

    fn check_failed(&self) -> Result<()> {
        if self.failed.load(Ordering::Acquire) {
            let why = self.flush.lock().failed.clone().unwrap_or_default();
            return Err(WalError::Failed(why));
        }
        Ok(())
    }

    /// Where the next record will start (`GetXLogInsertRecPtr`).
    pub fn insert_lsn(&self) -> Lsn {
        self.insert.lock().next
    }

    /// Where the last inserted record started.
    pub fn last_record_lsn(&self) -> Lsn {
        self.insert.lock().prev
    }

    /// Everything before this LSN is durable (`GetFlushRecPtr`).
    pub fn flushed_lsn(&self) -> Lsn {
        Lsn(self.flushed_lsn.load(Ordering::Acquire))
    }

    /// `fdatasync` calls made so far.
    pub fn sync_count(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Calls of [`Self::flush`] that had to wait for or do a write.
    pub fn flush_call_count(&self) -> u64 {
        self.flush_calls.load(Ordering::Relaxed)
    }

    /// Makes the WAL durable up to at least `upto` (`XLogFlush`), sharing one
    /// `fdatasync` among concurrent callers (module doc). On error the
    /// writer has failed for good.
    pub fn flush(&self, upto: Lsn) -> Result<()> {
        if upto.0 <= self.flushed_lsn.load(Ordering::Acquire) {
            return Ok(());
        }
        self.flush_calls.fetch_add(1, Ordering::Relaxed);
        {
            let mut st = self.flush.lock();
            loop {
                if let Some(why) = &st.failed {
                    return Err(WalError::Failed(why.clone()));
                }
                if st.flushed >= upto {
                    return Ok(());
                }
                if !st.flushing {
                    break;
                }
                self.flushed_cv.wait(&mut st);
            }
            st.flushing = true;
        }
        let (start, data) = {
            let mut ins = self.insert.lock();
            let data = std::mem::take(&mut ins.buf);
            let start = ins.buf_start;
            ins.buf_start = ins.next;
            (start, data)
        };
        let end = Lsn(start.0 + data.len() as u64);
        if end < upto {
            tracing::warn!(request = %upto, end = %end, "WAL flush request beyond the end of WAL");
        }
        let res = self.write_out(start, &data);
        let mut st = self.flush.lock();
        st.flushing = false;
        match &res {
            Ok(()) => {
                st.flushed = end;
                self.flushed_lsn.store(end.0, Ordering::Release);
            }
            Err(e) => {
                tracing::error!(error = %e, "WAL write failed; refusing further WAL");
                st.failed = Some(e.to_string());
                self.failed.store(true, Ordering::Release);
            }
        }
        self.flushed_cv.notify_all();
        res
    }

    /// Writes `data` at `start` into the segments and syncs them.
    fn write_out(&self, start: Lsn, data: &[u8]) -> Result<()> {
        let mut file = self.file.lock();
        let mut done = 0usize;
        let mut dirty = false;
        while done < data.len() {
            let pos = Lsn(start.0 + done as u64);
            let segno = SegNo::of(pos);
            if file.as_ref().map(|(s, _)| *s) != Some(segno) {
                if let Some((old, f)) = file.take()
                    && dirty
                {
                    self.sync(old, &f)?;
                }
                *file = Some((segno, self.open_segment(segno)?));
            }
            let Some((_, f)) = file.as_ref() else {
                return Err(WalError::Failed("no open WAL segment".into()));
            };
            let off = segment_offset(pos);
            let n = ((WAL_SEGMENT_SIZE - off) as usize).min(data.len() - done);
            f.write_all_at(&data[done..done + n], off).map_err(|e| {
                WalError::io(
                    format!(
                        "write to file {}",
                        segment_file_name(self.opts.timeline, segno)
                    ),
                    e,
                )
            })?;
            dirty = true;
            done += n;
        }
        if dirty && let Some((s, f)) = file.as_ref() {
            self.sync(*s, f)?;
        }
        Ok(())
    }

    fn sync(&self, segno: SegNo, f: &File) -> Result<()> {
        if !self.opts.fsync {
            return Ok(());
        }
        self.syncs.fetch_add(1, Ordering::Relaxed);
        f.sync_data().map_err(|e| {
            WalError::io(
                format!(
                    "fdatasync file {}",
                    segment_file_name(self.opts.timeline, segno)
                ),
                e,
            )
        })
    }

    /// Opens a segment for writing, creating it at full size if missing.
    fn open_segment(&self, segno: SegNo) -> Result<File> {
        let path = segment_path(&self.wal_dir, self.opts.timeline, segno);
        let io = |e| WalError::io(format!("open file {}", path.display()), e);
        match OpenOptions::new().write(true).open(&path) {
            Ok(f) => return Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        f.set_len(WAL_SEGMENT_SIZE).map_err(io)?;
        if self.opts.fsync {
            f.sync_all().map_err(io)?;
            segment::fsync_dir(&self.wal_dir)?;
        }
        Ok(f)
    }

    /// Removes segments of this timeline that end at or before `keep_from`'s
    /// segment start (after a checkpoint: nothing before its redo point is
    /// needed for crash recovery). Returns how many were removed.
    pub fn remove_segments_before(&self, keep_from: Lsn) -> Result<usize> {
        let keep = SegNo::of(keep_from);
        let mut n = 0;
        for s in segment::list_segments(&self.wal_dir, self.opts.timeline)? {
            if s < keep {
                let p = segment_path(&self.wal_dir, self.opts.timeline, s);
                std::fs::remove_file(&p)
                    .map_err(|e| WalError::io(format!("remove file {}", p.display()), e))?;
                n += 1;
            }
        }
        Ok(n)
    }
}
