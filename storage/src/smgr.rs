//! The storage manager: relation files on disk (PostgreSQL's `smgr.c` +
//! `md.c`).
//!
//! This module owns the mapping from (relation, fork, block) to a byte range
//! of a file, and the open file handles. It knows nothing about page contents
//! (no checksums, no headers — that is [`crate::page`], applied by the buffer
//! pool) and nothing about caching pages (that is [`crate::buffer`]).
//!
//! # Files
//!
//! ```text
//!  <data_dir>/base/<db_oid>/<rel_number><fork suffix>[.<segno>]
//!
//!  base/5/16384        main fork, blocks 0 .. 131071       (segment 0, 1 GiB)
//!  base/5/16384.1      main fork, blocks 131072 .. 262143  (segment 1)
//!  base/5/16384_fsm    free space map fork
//!  base/5/16384_vm     visibility map fork
//! ```
//!
//! Block `b` lives in segment `b / RELSEG_BLOCKS` at byte offset
//! `(b % RELSEG_BLOCKS) * BLCKSZ`. Every segment but the last is exactly full;
//! [`Smgr::nblocks`] walks segments until it finds one that is not.
//!
//! # Rules
//!
//! 1. I/O is positional (`pread`/`pwrite` through [`FileExt`]); handles are
//!    shared as `Arc<File>`. The handle cache's mutex is held only to look a
//!    handle up or insert it, never across a read, write, fsync or open.
//! 2. [`Smgr::write`] requires the segment to exist; only [`Smgr::extend`]
//!    (and `write` at a block in a new segment past a full one) creates
//!    segment files. [`Smgr::create`] creates segment 0 and the directories.
//! 3. Every I/O failure, including a short read past EOF and ENOSPC, is a
//!    [`StorageError::Io`] whose action names the block and file, like
//!    PostgreSQL's `could not read block 3 in file "base/5/16384": ...`.
//! 4. Callers serialise structural changes (extend, truncate, unlink) of one
//!    relation: the buffer pool holds its per-relation extension lock, DDL
//!    holds AccessExclusiveLock.
//!
//! # Not done (yet)
//!
//! * No deferred fsync queue (PostgreSQL's checkpointer "sync requests"):
//!   [`Smgr::sync_all`] fsyncs every open file at a checkpoint.
//! * Truncated-away segments are unlinked at once (PostgreSQL truncates them
//!   to zero length and unlinks them after the next checkpoint).
//! * A file-descriptor limit: handles stay open until `unlink` or drop.
//! * An open racing with [`Smgr::unlink`] of the same relation can leave a
//!   handle to the unlinked file in the cache; harmless while relfilenodes
//!   are never reused (rule 4 keeps such races out).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::{Result, StorageError};
use crate::page::BLCKSZ;
use crate::types::{BlockNumber, ForkNumber, RelFileLocator};

/// Blocks per 1 GiB segment file (PostgreSQL's `RELSEG_SIZE`).
pub const RELSEG_BLOCKS: u32 = (1 << 30) / BLCKSZ as u32;

const ALL_FORKS: [ForkNumber; 3] = [ForkNumber::Main, ForkNumber::Fsm, ForkNumber::VisibilityMap];

/// Key of one open segment file.
type SegKey = (RelFileLocator, ForkNumber, u32);

/// The storage manager: reads and writes blocks of relation forks.
pub struct Smgr {
    /// The data directory; relation files live under `base/`.
    data_dir: PathBuf,
    /// Blocks per segment file: [`RELSEG_BLOCKS`], smaller in tests.
    segment_blocks: u32,
    /// Open segment files. Held only for lookups, never across I/O.
    files: Mutex<HashMap<SegKey, Arc<File>>>,
}

impl Smgr {
    /// A storage manager over `data_dir` with 1 GiB segments.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self::with_segment_blocks(data_dir, RELSEG_BLOCKS)
    }

    /// A storage manager with `segment_blocks` blocks per segment file (tests
    /// use a handful to exercise segment boundaries).
    pub fn with_segment_blocks(data_dir: impl Into<PathBuf>, segment_blocks: u32) -> Self {
        Smgr {
            data_dir: data_dir.into(),
            segment_blocks: segment_blocks.max(1),
            files: Mutex::new(HashMap::new()),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The path of segment `segno` of a fork, relative to the data directory
    /// (`base/5/16384_fsm.2`).
    pub fn relative_path(rel: RelFileLocator, fork: ForkNumber, segno: u32) -> String {
        if segno == 0 {
            format!("{rel}{}", fork.suffix())
        } else {
            format!("{rel}{}.{segno}", fork.suffix())
        }
    }

    fn seg_path(&self, rel: RelFileLocator, fork: ForkNumber, segno: u32) -> PathBuf {
        self.data_dir.join(Self::relative_path(rel, fork, segno))
    }

    /// The cached handle of a segment, opening (and with `create`, creating)
    /// it if needed. `Ok(None)` if it does not exist and `create` is false.
    fn segment(
        &self,
        rel: RelFileLocator,
        fork: ForkNumber,
        segno: u32,
        create: bool,
    ) -> io::Result<Option<Arc<File>>> {
        let key = (rel, fork, segno);
        if let Some(f) = self.files.lock().get(&key) {
            return Ok(Some(f.clone()));
        }
        // Open outside the lock; a racing opener's handle wins harmlessly.
        let path = self.seg_path(rel, fork, segno);
        let file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => return Ok(None),
            Err(e) => return Err(e),
        };
        let file = Arc::new(file);
        Ok(Some(self.files.lock().entry(key).or_insert(file).clone()))
    }

    fn locate(&self, block: BlockNumber) -> (u32, u64) {
        let segno = block.0 / self.segment_blocks;
        let off = u64::from(block.0 % self.segment_blocks) * BLCKSZ as u64;
        (segno, off)
    }

    /// Creates the fork's first segment file and the database directory
    /// (`smgrcreate`). Idempotent: an existing file is left as it is.
    pub fn create(&self, rel: RelFileLocator, fork: ForkNumber) -> Result<()> {
        let path = self.seg_path(rel, fork, 0);
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.data_dir.clone());
        std::fs::create_dir_all(&dir)
            .map_err(|e| StorageError::io(format!("create directory \"{}\"", dir.display()), e))?;
        self.segment(rel, fork, 0, true).map_err(|e| {
            StorageError::io(
                format!("create file \"{}\"", Self::relative_path(rel, fork, 0)),
                e,
            )
        })?;
        // Make the new directory entry durable.
        if let Ok(d) = File::open(&dir) {
            d.sync_all().map_err(|e| {
                StorageError::io(format!("fsync directory \"{}\"", dir.display()), e)
            })?;
        }
        Ok(())
    }

    /// True if the fork's first segment exists (`smgrexists`).
    pub fn exists(&self, rel: RelFileLocator, fork: ForkNumber) -> bool {
        if self.files.lock().contains_key(&(rel, fork, 0)) {
            return true;
        }
        self.seg_path(rel, fork, 0).exists()
    }

    /// The number of blocks in the fork (`smgrnblocks`). Errors if the fork
    /// does not exist.
    pub fn nblocks(&self, rel: RelFileLocator, fork: ForkNumber) -> Result<BlockNumber> {
        let mut segno = 0u32;
        loop {
            let what = || {
                format!(
                    "get size of file \"{}\"",
                    Self::relative_path(rel, fork, segno)
                )
            };
            let file = match self
                .segment(rel, fork, segno, false)
                .map_err(|e| StorageError::io(what(), e))?
            {
                Some(f) => f,
                None if segno == 0 => {
                    return Err(StorageError::io(
                        what(),
                        io::Error::from(io::ErrorKind::NotFound),
                    ));
                }
                None => return Ok(BlockNumber(segno * self.segment_blocks)),
            };
            let len = file
                .metadata()
                .map_err(|e| StorageError::io(what(), e))?
                .len();
            let blocks = (len / BLCKSZ as u64) as u32;
            if blocks < self.segment_blocks {
                return Ok(BlockNumber(segno * self.segment_blocks + blocks));
            }
            segno += 1;
        }
    }

    /// Reads `block` into `buf` (`BLCKSZ` bytes). Reading a block past the end
    /// of the fork is an error.
    pub fn read(
        &self,
        rel: RelFileLocator,
        fork: ForkNumber,
        block: BlockNumber,
        buf: &mut [u8],
    ) -> Result<()> {
        let (segno, off) = self.locate(block);
        let what = || {
            format!(
                "read block {block} in file \"{}\"",
                Self::relative_path(rel, fork, segno)
            )
        };
        check_len(buf.len(), &what)?;
        let file = self
            .segment(rel, fork, segno, false)
            .map_err(|e| StorageError::io(what(), e))?
            .ok_or_else(|| StorageError::io(what(), io::Error::from(io::ErrorKind::NotFound)))?;
        read_full(&file, buf, off).map_err(|e| StorageError::io(what(), e))
    }

    fn write_at(
        &self,
        rel: RelFileLocator,
        fork: ForkNumber,
        block: BlockNumber,
        buf: &[u8],
        verb: &str,
    ) -> Result<()> {
        let (segno, off) = self.locate(block);
        let what = || {
            format!(
                "{verb} block {block} in file \"{}\"",
                Self::relative_path(rel, fork, segno)
            )
        };
        check_len(buf.len(), &what)?;
        // A new segment is created when the write lands in it (the previous
        // one is full); segment 0 must have been created.
        let file = self
            .segment(rel, fork, segno, segno > 0)
            .map_err(|e| StorageError::io(what(), e))?
            .ok_or_else(|| StorageError::io(what(), io::Error::from(io::ErrorKind::NotFound)))?;
        file.write_all_at(buf, off)
            .map_err(|e| StorageError::io(what(), e))
    }

    /// Overwrites an existing `block` with `buf` (`smgrwrite`). Not durable
    /// until [`Smgr::sync`] / [`Smgr::sync_all`].
    pub fn write(
        &self,
        rel: RelFileLocator,
        fork: ForkNumber,
        block: BlockNumber,
        buf: &[u8],
    ) -> Result<()> {
        self.write_at(rel, fork, block, buf, "write")
    }

    /// Appends `block`, which should be the current [`Smgr::nblocks`], with
    /// contents `buf` (`smgrextend`). Creates the next segment file when the
    /// current one is full. ENOSPC surfaces here.
    pub fn extend(
        &self,
        rel: RelFileLocator,
        fork: ForkNumber,
        block: BlockNumber,
        buf: &[u8],
    ) -> Result<()> {
        if block == BlockNumber::INVALID {
            return Err(StorageError::ProgramLimitExceeded(format!(
                "cannot extend file \"{}\" beyond {} blocks",
                Self::relative_path(rel, fork, 0),
                u32::MAX
            )));
        }
        wal::failpoint::enospc("smgr_extend_enospc").map_err(|e| {
            StorageError::io(
                format!("extend file \"{}\"", Self::relative_path(rel, fork, 0)),
                e,
            )
        })?;
        self.write_at(rel, fork, block, buf, "extend")
    }

    /// Cuts the fork down to `nblocks` blocks (`smgrtruncate`): the segment
    /// holding the new end is shortened, later segments are unlinked.
    pub fn truncate(
        &self,
        rel: RelFileLocator,
        fork: ForkNumber,
        nblocks: BlockNumber,
    ) -> Result<()> {
        let old = self.nblocks(rel, fork)?;
        if nblocks >= old {
            return Ok(());
        }
        let last_seg = old.0.saturating_sub(1) / self.segment_blocks;
        for segno in (0..=last_seg).rev() {
            let seg_start = segno * self.segment_blocks;
            let rel_path = Self::relative_path(rel, fork, segno);
            if seg_start >= nblocks.0 && segno > 0 {
                self.files.lock().remove(&(rel, fork, segno));
                match std::fs::remove_file(self.seg_path(rel, fork, segno)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(StorageError::io(format!("remove file \"{rel_path}\""), e));
                    }
                }
            } else {
                let keep = u64::from(nblocks.0 - seg_start) * BLCKSZ as u64;
                let what = || format!("truncate file \"{rel_path}\" to {} blocks", nblocks.0);
                let file = self
                    .segment(rel, fork, segno, false)
                    .map_err(|e| StorageError::io(what(), e))?
                    .ok_or_else(|| {
                        StorageError::io(what(), io::Error::from(io::ErrorKind::NotFound))
                    })?;
                file.set_len(keep)
                    .map_err(|e| StorageError::io(what(), e))?;
                file.sync_all().map_err(|e| StorageError::io(what(), e))?;
                break;
            }
        }
        Ok(())
    }

    /// fsyncs every segment of the fork (`smgrimmedsync`).
    pub fn sync(&self, rel: RelFileLocator, fork: ForkNumber) -> Result<()> {
        let mut segno = 0;
        loop {
            let what = || format!("fsync file \"{}\"", Self::relative_path(rel, fork, segno));
            match self
                .segment(rel, fork, segno, false)
                .map_err(|e| StorageError::io(what(), e))?
            {
                Some(f) => f.sync_all().map_err(|e| StorageError::io(what(), e))?,
                None => return Ok(()),
            }
            segno += 1;
        }
    }

    /// Removes every segment of every fork of `rel` and forgets their
    /// handles (`smgrdounlinkall`). Missing files are not an error.
    pub fn unlink(&self, rel: RelFileLocator) -> Result<()> {
        self.files.lock().retain(|k, _| k.0 != rel);
        for fork in ALL_FORKS {
            let mut segno = 0;
            loop {
                match std::fs::remove_file(self.seg_path(rel, fork, segno)) {
                    Ok(()) => segno += 1,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                    Err(e) => {
                        return Err(StorageError::io(
                            format!("remove file \"{}\"", Self::relative_path(rel, fork, segno)),
                            e,
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// fsyncs every open segment file (checkpoint, shutdown).
    pub fn sync_all(&self) -> Result<()> {
        let files: Vec<(SegKey, Arc<File>)> = self
            .files
            .lock()
            .iter()
            .map(|(k, f)| (*k, f.clone()))
            .collect();
        for ((rel, fork, segno), f) in files {
            f.sync_all().map_err(|e| {
                StorageError::io(
                    format!("fsync file \"{}\"", Self::relative_path(rel, fork, segno)),
                    e,
                )
            })?;
        }
        Ok(())
    }
}

fn check_len(len: usize, what: &dyn Fn() -> String) -> Result<()> {
    if len != BLCKSZ {
        return Err(StorageError::Internal(format!(
            "{}: buffer is {len} bytes, not {BLCKSZ}",
            what()
        )));
    }
    Ok(())
}

/// `read_exact_at`, with PostgreSQL's message for a short read.
fn read_full(file: &File, buf: &mut [u8], off: u64) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], off + done as u64) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("read only {done} of {} bytes", buf.len()),
                ));
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Oid;

    fn rel() -> RelFileLocator {
        RelFileLocator {
            db_oid: Oid(5),
            rel_number: Oid(16384),
        }
    }

    fn block(n: u32) -> Vec<u8> {
        let mut b = vec![0u8; BLCKSZ];
        b[..4].copy_from_slice(&n.to_le_bytes());
        b[BLCKSZ - 1] = n as u8;
        b
    }

    #[test]
    fn create_extend_read_across_segments() {
        let dir = tempfile::tempdir().unwrap();
        let smgr = Smgr::with_segment_blocks(dir.path(), 4);
        let (r, f) = (rel(), ForkNumber::Main);
        assert!(!smgr.exists(r, f));
        assert!(smgr.nblocks(r, f).is_err());
        smgr.create(r, f).unwrap();
        smgr.create(r, f).unwrap();
        assert!(smgr.exists(r, f));
        assert_eq!(smgr.nblocks(r, f).unwrap(), BlockNumber(0));
        for n in 0..10 {
            smgr.extend(r, f, BlockNumber(n), &block(n)).unwrap();
            assert_eq!(smgr.nblocks(r, f).unwrap(), BlockNumber(n + 1));
        }
        assert!(dir.path().join("base/5/16384").exists());
        assert!(dir.path().join("base/5/16384.1").exists());
        assert!(dir.path().join("base/5/16384.2").exists());
        assert_eq!(
            std::fs::metadata(dir.path().join("base/5/16384.2"))
                .unwrap()
                .len(),
            2 * BLCKSZ as u64
        );
        let mut buf = vec![0u8; BLCKSZ];
        for n in 0..10 {
            smgr.read(r, f, BlockNumber(n), &mut buf).unwrap();
            assert_eq!(buf, block(n));
        }
        smgr.write(r, f, BlockNumber(4), &block(44)).unwrap();
        smgr.read(r, f, BlockNumber(4), &mut buf).unwrap();
        assert_eq!(buf, block(44));
        let err = smgr.read(r, f, BlockNumber(10), &mut buf).unwrap_err();
        assert!(err.to_string().contains("block 10"), "{err}");
        let err = smgr.read(r, f, BlockNumber(13), &mut buf).unwrap_err();
        assert!(err.to_string().contains("base/5/16384.3"), "{err}");
        smgr.sync(r, f).unwrap();
        smgr.sync_all().unwrap();
    }

    #[test]
    fn exactly_full_segment_counts() {
        let dir = tempfile::tempdir().unwrap();
        let smgr = Smgr::with_segment_blocks(dir.path(), 4);
        let (r, f) = (rel(), ForkNumber::Fsm);
        smgr.create(r, f).unwrap();
        for n in 0..4 {
            smgr.extend(r, f, BlockNumber(n), &block(n)).unwrap();
        }
        assert_eq!(smgr.nblocks(r, f).unwrap(), BlockNumber(4));
        assert!(dir.path().join("base/5/16384_fsm").exists());
        assert!(!dir.path().join("base/5/16384_fsm.1").exists());
    }

    #[test]
    fn truncate_and_unlink() {
        let dir = tempfile::tempdir().unwrap();
        let smgr = Smgr::with_segment_blocks(dir.path(), 4);
        let r = rel();
        smgr.create(r, ForkNumber::Main).unwrap();
        smgr.create(r, ForkNumber::VisibilityMap).unwrap();
        for n in 0..11 {
            smgr.extend(r, ForkNumber::Main, BlockNumber(n), &block(n))
                .unwrap();
        }
        smgr.truncate(r, ForkNumber::Main, BlockNumber(6)).unwrap();
        assert_eq!(smgr.nblocks(r, ForkNumber::Main).unwrap(), BlockNumber(6));
        assert!(!dir.path().join("base/5/16384.2").exists());
        let mut buf = vec![0u8; BLCKSZ];
        smgr.read(r, ForkNumber::Main, BlockNumber(5), &mut buf)
            .unwrap();
        assert_eq!(buf, block(5));
        assert!(
            smgr.read(r, ForkNumber::Main, BlockNumber(6), &mut buf)
                .is_err()
        );
        // Truncate at a segment boundary, then grow again.
        smgr.truncate(r, ForkNumber::Main, BlockNumber(4)).unwrap();
        assert_eq!(smgr.nblocks(r, ForkNumber::Main).unwrap(), BlockNumber(4));
        assert!(!dir.path().join("base/5/16384.1").exists());
        smgr.extend(r, ForkNumber::Main, BlockNumber(4), &block(40))
            .unwrap();
        smgr.read(r, ForkNumber::Main, BlockNumber(4), &mut buf)
            .unwrap();
        assert_eq!(buf, block(40));
        smgr.truncate(r, ForkNumber::Main, BlockNumber(0)).unwrap();
        assert_eq!(smgr.nblocks(r, ForkNumber::Main).unwrap(), BlockNumber(0));

        smgr.unlink(r).unwrap();
        assert!(!smgr.exists(r, ForkNumber::Main));
        assert!(!smgr.exists(r, ForkNumber::VisibilityMap));
        assert!(!dir.path().join("base/5/16384").exists());
        smgr.unlink(r).unwrap();
    }

    #[test]
    fn write_to_missing_fork_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let smgr = Smgr::new(dir.path());
        let err = smgr
            .write(rel(), ForkNumber::Main, BlockNumber(0), &block(0))
            .unwrap_err();
        assert_eq!(err.sqlstate(), "58030");
        assert!(err.to_string().contains("base/5/16384"), "{err}");
    }
}
