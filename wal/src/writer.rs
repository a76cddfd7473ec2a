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
//! A failed write or fsync of a segment is fatal for the whole server when
//! [`WalWriterOptions::panic_on_failure`] is set (the engine sets it): the
//! process logs `PANIC` and aborts, and recovery repairs at the next start.
//!
//! # Segment files
//!
//! A new segment is first written in full with zeros under a temporary name
//! (`xlogtemp.<pid>`), fsynced, then renamed into place (PostgreSQL's
//! `XLogFileInit` with `wal_init_zero`): a full disk shows up when the
//! segment is allocated, never as a hole in the middle of a record, and a
//! crash never leaves a half-allocated segment under a real name. After a
//! checkpoint, segments wholly before the redo point are *recycled* (renamed
//! to the next future segment names, their stale content kept) while fewer
//! than `min_wal_size` worth of segments exist, and removed otherwise
//! ([`WalWriter::remove_old_segments`]). Stale records in a recycled segment
//! are never mistaken for new ones: their back-links point into the
//! segment's old life, so the reader stops at the first of them (the
//! back-link check does the work of PostgreSQL's `xlp_pageaddr`).
//!
//! # Segment switch
//!
//! [`WalWriter::switch_segment`] (`pg_switch_wal()`) inserts an XLOG
//! `SWITCH` record and pads the rest of its segment with zeros; the next
//! record starts at the next segment's first byte, and the reader, having
//! read a `SWITCH` record, continues there.
//!
//! # Background flushing (`synchronous_commit = off`)
//!
//! [`WalWriter::start_background_flusher`] runs PostgreSQL's walwriter: every
//! `wal_writer_delay` it flushes whatever was inserted and not yet flushed,
//! so an asynchronous commit reaches disk at most about one delay (plus one
//! flush) after it was acknowledged.
//!
//! # Recovery end
//!
//! When a writer is opened
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
    /// Abort the process when a write or fsync fails (PostgreSQL's PANIC),
    /// instead of only refusing further work. The server sets it.
    pub panic_on_failure: bool,
    /// `archive_mode`: mark each completed segment `.ready` for the
    /// archiver, and never remove or recycle one before it is archived
    /// ([`crate::archive`]).
    pub archive_mode: bool,
}

impl Default for WalWriterOptions {
    fn default() -> Self {
        WalWriterOptions {
            fsync: true,
            timeline: TimeLineId::FIRST,
            buffer_limit: 4 << 20,
            panic_on_failure: false,
            archive_mode: false,
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
        let switch = is_switch(rec);
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
            let next = if switch {
                // The rest of the segment is padding (module doc).
                SegNo(SegNo::of(Lsn(end.0 - 1)).0 + 1).start()
            } else {
                Lsn(record::align(end.0))
            };
            let pad = (next.0 - end.0) as usize;
            ins.buf.extend_from_slice(&enc.bytes);
            let len = ins.buf.len();
            ins.buf.resize(len + pad, 0);
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

    /// `pg_switch_wal()`: ends the current segment with an XLOG `SWITCH`
    /// record (the next record starts in a new segment) and flushes it.
    /// Returns the end of the switch record, or the insert position if it
    /// is already at the start of a segment (nothing to switch).
    pub fn switch_segment(&self) -> Result<Lsn> {
        let next = self.insert_lsn();
        if segment_offset(next) == 0 {
            return Ok(next);
        }
        let rec = WalRecord::new(
            crate::rmgr::RM_XLOG_ID,
            crate::rmgr::XLOG_SWITCH,
            0,
            Vec::new(),
        );
        let end = self.insert(&rec)?;
        self.flush(self.insert_lsn())?;
        Ok(end)
    }

    /// Starts PostgreSQL's walwriter: a thread that every `delay` flushes
    /// everything inserted so far (module doc). It ends when the writer is
    /// dropped, or after a failed flush (the writer has failed for good).
    pub fn start_background_flusher(self: &Arc<Self>, delay: std::time::Duration) {
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("walwriter".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(delay);
                    let Some(w) = weak.upgrade() else {
                        return;
                    };
                    let upto = w.insert_lsn();
                    if upto > w.flushed_lsn()
                        && let Err(e) = w.flush(upto)
                    {
                        tracing::error!(error = %e, "walwriter: flush failed");
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start the walwriter");
        }
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
                if self.opts.panic_on_failure {
                    tracing::error!(error = %e, "PANIC: WAL write or fsync failed");
                    eprintln!("PANIC: {e}");
                    std::process::abort();
                }
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
        let mut completed = Vec::new();
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
            if off + n as u64 == WAL_SEGMENT_SIZE {
                completed.push(segno);
            }
        }
        if dirty && let Some((s, f)) = file.as_ref() {
            self.sync(*s, f)?;
        }
        if self.opts.archive_mode {
            // Every completed segment is durable now (synced before the
            // next file was opened, or just above).
            for segno in completed {
                crate::archive::notify_ready(
                    &self.wal_dir,
                    &segment_file_name(self.opts.timeline, segno),
                    self.opts.fsync,
                )?;
            }
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

    /// Opens a segment for writing, allocating it if missing (module doc).
    fn open_segment(&self, segno: SegNo) -> Result<File> {
        let path = segment_path(&self.wal_dir, self.opts.timeline, segno);
        let io = |e| WalError::io(format!("open file {}", path.display()), e);
        match OpenOptions::new().write(true).open(&path) {
            Ok(f) => return Ok(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let tmp = self
            .wal_dir
            .join(format!("xlogtemp.{}", std::process::id()));
        let tio = |e| WalError::io(format!("write to file {}", tmp.display()), e);
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(tio)?;
        let zeros = vec![0u8; 1 << 20];
        let mut off = 0;
        while off < WAL_SEGMENT_SIZE {
            crate::failpoint::enospc("wal_segment_enospc")
                .and_then(|()| f.write_all_at(&zeros, off))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    tio(e)
                })?;
            off += zeros.len() as u64;
        }
        if self.opts.fsync {
            f.sync_all().map_err(tio)?;
        }
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|e| {
            WalError::io(
                format!("rename file {} to {}", tmp.display(), path.display()),
                e,
            )
        })?;
        if self.opts.fsync {
            segment::fsync_dir(&self.wal_dir)?;
        }
        OpenOptions::new().write(true).open(&path).map_err(io)
    }

    /// After a checkpoint: segments wholly before `keep_from`'s segment
    /// (the redo point: not needed for crash recovery) are recycled,
    /// renamed to the next unused future segment names of this timeline,
    /// while the directory holds fewer than `keep_segments` segments
    /// (`min_wal_size`), and removed otherwise (PostgreSQL's
    /// `RemoveOldXlogFiles` / `InstallXLogFileSegment`). Segments of older
    /// timelines (restored by archive recovery) are removed. With
    /// `archive_mode`, a segment not yet archived is kept.
    pub fn remove_old_segments(
        &self,
        keep_from: Lsn,
        keep_segments: u64,
    ) -> Result<SegmentCleanup> {
        let keep = SegNo::of(keep_from);
        let tli = self.opts.timeline;
        // The flusher creates segments under this lock: no new segment can
        // appear under a name this renames to.
        let _no_flush = self.file.lock();
        let all = segment::list_all_segments(&self.wal_dir)?;
        let mut total = all.iter().filter(|(t, _)| *t == tli).count() as u64;
        let current = SegNo::of(self.insert_lsn());
        let mut future = all
            .iter()
            .filter(|(t, _)| *t == tli)
            .map(|(_, s)| *s)
            .max()
            .map_or(current, |m| m.max(current));
        let mut done = SegmentCleanup::default();
        for (t, s) in all.into_iter().filter(|(t, s)| *s < keep && *t <= tli) {
            let name = segment_file_name(t, s);
            if self.opts.archive_mode && !crate::archive::is_archived(&self.wal_dir, &name) {
                continue;
            }
            let p = segment_path(&self.wal_dir, t, s);
            if t == tli && total <= keep_segments {
                future = SegNo(future.0 + 1);
                let to = segment_path(&self.wal_dir, tli, future);
                if to.exists() {
                    return Err(WalError::Corrupted(format!(
                        "cannot recycle {} to {}: it exists",
                        p.display(),
                        to.display()
                    )));
                }
                std::fs::rename(&p, &to).map_err(|e| {
                    WalError::io(
                        format!("rename file {} to {}", p.display(), to.display()),
                        e,
                    )
                })?;
                done.recycled += 1;
            } else {
                std::fs::remove_file(&p)
                    .map_err(|e| WalError::io(format!("remove file {}", p.display()), e))?;
                done.removed += 1;
                if t == tli {
                    total -= 1;
                }
            }
            crate::archive::forget(&self.wal_dir, &name);
        }
        if (done.removed > 0 || done.recycled > 0) && self.opts.fsync {
            segment::fsync_dir(&self.wal_dir)?;
        }
        Ok(done)
    }
}

/// What [`WalWriter::remove_old_segments`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SegmentCleanup {
    /// Segments removed.
    pub removed: u64,
    /// Segments renamed for reuse.
    pub recycled: u64,
}

/// Is `rec` an XLOG `SWITCH` record (the rest of its segment is padding)?
pub fn is_switch(rec: &WalRecord) -> bool {
    rec.rmid == crate::rmgr::RM_XLOG_ID && rec.info == crate::rmgr::XLOG_SWITCH
}
