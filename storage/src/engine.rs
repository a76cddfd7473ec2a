//! One open data directory: the shared pieces every session uses, startup
//! (with crash recovery) and checkpoints.
//!
//! # Durability
//!
//! Every page change is WAL-logged before its exclusive lock is released,
//! and a dirty page is written only after the WAL is flushed up to its LSN
//! (the buffer pool's WAL flush hook). A commit is acknowledged once its
//! commit record is flushed (one `fdatasync`, shared by concurrent
//! committers), or with `synchronous_commit = off` once it is inserted: the
//! walwriter thread flushes such commits every `wal_writer_delay`, and
//! neither their clog page nor a hint bit for them reaches disk first
//! ([`crate::txn::clog`], "Asynchronous commit"). Data files are written
//! lazily by eviction and by checkpoints; a timed or size-triggered
//! checkpoint paces its writes over `checkpoint_completion_target` of the
//! interval ([`CheckpointSchedule`]). A failed WAL write or fsync aborts
//! the process (PostgreSQL's PANIC); recovery repairs at the next start. A crash loses no acknowledged commit: recovery replays the
//! WAL from the last checkpoint's redo point ([`crate::recovery`]). A page
//! torn by a crash mid-write is repaired from the full-page image logged by
//! its first change after the checkpoint.
//!
//! # Startup
//!
//! [`Engine::open`]: directories; smgr, buffer pool, transaction manager;
//! if `global/pg_control` exists, replay the WAL (the heap and transaction
//! manager do not log yet); open the WAL writer at the end of valid WAL;
//! install the flush hook; hand the WAL to the heap, the B-tree and the transaction
//! manager; open (or bootstrap) the catalog; end-of-recovery (or first)
//! checkpoint. Only then are connections accepted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use parking_lot::Mutex;
use wal::rmgr::{CheckPoint, RM_XLOG_ID, XLOG_CHECKPOINT_ONLINE, XLOG_CHECKPOINT_SHUTDOWN};
use wal::{ControlFile, DbState, WalRecord, WalWriter, WalWriterOptions};

use crate::buffer::BufferPool;
use crate::catalog::Catalog;
use crate::error::{Result, StorageError};
use crate::heap::heapam::Heap;
use crate::nbtree::BTree;
use crate::recovery;
use crate::smgr::Smgr;
use crate::txn::TransactionManager;
use crate::types::Xid;
use crate::xlog::XLog;

/// Settings the engine is opened with.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// `shared_buffers`, in 8 KiB pages.
    pub shared_buffers: usize,
    /// `fsync`: when off, nothing is forced to disk (throwaway data only).
    pub fsync: bool,
    /// `full_page_writes`: log a page's image at its first change after a
    /// checkpoint, so a torn page write is repaired by replay.
    pub full_page_writes: bool,
    /// `min_wal_size`, bytes: below this much WAL in `pg_wal/`, segments no
    /// longer needed are recycled rather than removed.
    pub min_wal_size: u64,
    /// `wal_writer_delay`: how often the walwriter flushes asynchronous
    /// commits (`synchronous_commit = off`).
    pub wal_writer_delay: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            shared_buffers: 16384,
            fsync: true,
            full_page_writes: true,
            min_wal_size: 80 << 20,
            wal_writer_delay: Duration::from_millis(200),
        }
    }
}

/// How the checkpointer paces a checkpoint.
#[derive(Clone, Copy, Debug)]
pub struct CheckpointSchedule {
    /// `checkpoint_timeout`: time between timed checkpoints.
    pub timeout: Duration,
    /// `max_wal_size`, bytes.
    pub max_wal_size: u64,
    /// `checkpoint_completion_target`: the fraction of the interval
    /// between checkpoints (in time and in WAL) a timed or size-triggered
    /// checkpoint spreads its writes over.
    pub completion_target: f64,
}

impl CheckpointSchedule {
    /// WAL written since the last checkpoint that triggers the next one:
    /// `max_wal_size / (1 + checkpoint_completion_target)`, as PostgreSQL
    /// computes `CheckPointSegments`, so the checkpoint ends (spread over
    /// the target) before `max_wal_size` is reached.
    pub fn wal_trigger(&self) -> u64 {
        (self.max_wal_size as f64 / (1.0 + self.completion_target)) as u64
    }
}

/// What kind of checkpoint to take.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CheckpointKind {
    /// `CHECKPOINT`, end of recovery: write everything at once.
    Immediate,
    /// Clean shutdown: immediate, and pg_control says "shut down".
    Shutdown,
    /// Timed or size-triggered: spread the writes (module doc).
    Spread(CheckpointSchedule),
}

/// The storage engine of one data directory.
pub struct Engine {
    data_dir: PathBuf,
    /// The buffer pool.
    pub pool: Arc<BufferPool>,
    /// Transactions, snapshots and locks.
    pub txns: Arc<TransactionManager>,
    /// The heap access method.
    pub heap: Arc<Heap>,
    /// The B-tree index access method.
    pub btree: Arc<BTree>,
    /// The system catalog.
    pub catalog: Catalog,
    /// The write-ahead log.
    pub xlog: Arc<XLog>,
    fsync: bool,
    /// One checkpoint at a time; holds the end LSN of the last checkpoint
    /// record (an idle timed checkpoint is skipped).
    checkpoint_lock: Mutex<wal::Lsn>,
    /// Set by [`Engine::shutdown`]: later checkpoints (the checkpointer's)
    /// must not overwrite "shut down" in pg_control.
    shut_down: std::sync::atomic::AtomicBool,
    /// Set while an immediate checkpoint waits: a spread checkpoint in
    /// progress stops pacing and finishes at full speed.
    hurry: std::sync::atomic::AtomicBool,
    /// `min_wal_size` in segments.
    keep_segments: u64,
}

impl Engine {
    /// Opens (creating and bootstrapping if needed) the data directory,
    /// recovering from a crash if the last shutdown was not clean.
    pub fn open(data_dir: &Path, opts: &EngineOptions) -> Result<Arc<Engine>> {
        for sub in ["global", "base", "pg_xact", "pg_wal"] {
            let p = data_dir.join(sub);
            std::fs::create_dir_all(&p)
                .map_err(|e| StorageError::io(format!("create directory {}", p.display()), e))?;
        }
        let smgr = Arc::new(Smgr::new(data_dir));
        let pool = BufferPool::new(opts.shared_buffers.max(16), smgr);
        let control = ControlFile::read(data_dir)?;
        // A new data directory is initialised under a marker removed by its
        // first checkpoint: a crash in between would otherwise leave a
        // half-bootstrapped catalog that looks complete.
        let marker = data_dir.join("global").join("bootstrap_in_progress");
        let bootstrapping = control.is_none();
        if bootstrapping {
            if marker.exists() {
                return Err(StorageError::Corrupted(format!(
                    "initialisation of data directory {} was interrupted; remove it and start again",
                    data_dir.display()
                )));
            }
            crate::catalog::write_durably(&marker, b"")?;
        }
        let next_xid = control
            .map(|c| Xid(c.next_xid))
            .unwrap_or(Xid::FIRST_NORMAL);
        let txns = Arc::new(TransactionManager::open(data_dir, next_xid)?);
        txns.set_sync_commit(opts.fsync);
        let wal_opts = WalWriterOptions {
            fsync: opts.fsync,
            timeline: control
                .map(|c| c.timeline)
                .unwrap_or(wal::TimeLineId::FIRST),
            panic_on_failure: true,
            ..Default::default()
        };
        let wal_dir = recovery::wal_dir(data_dir);
        let writer = match &control {
            None => WalWriter::create(&wal_dir, wal_opts)?,
            Some(c) => {
                let end = recovery::recover(data_dir, &pool, txns.clog(), c, opts.fsync)?;
                WalWriter::open(&wal_dir, wal_opts, end.end, end.last)?
            }
        };
        let hook_writer = writer.clone();
        pool.set_wal_flush_hook(Box::new(move |lsn| Ok(hook_writer.flush(lsn)?)));
        let hook_writer = writer.clone();
        txns.clog()
            .set_wal_flush_hook(Box::new(move |lsn| Ok(hook_writer.flush(lsn)?)));
        writer.start_background_flusher(opts.wal_writer_delay);
        let xlog = Arc::new(XLog::new(writer, opts.full_page_writes));
        let heap = Arc::new(Heap::new(pool.clone(), txns.clone()));
        heap.set_xlog(xlog.clone());
        let btree = Arc::new(BTree::new(pool.clone(), txns.clone()));
        btree.set_xlog(xlog.clone());
        txns.set_xlog(xlog.clone());
        let dropper = heap.clone();
        txns.set_file_dropper(Box::new(move |rels| {
            for rel in rels {
                if let Err(e) = dropper.drop_relation(*rel) {
                    tracing::warn!("could not remove files of relation {rel}: {e}");
                }
            }
        }));
        let catalog = Catalog::open(heap.clone(), data_dir)?;
        let engine = Arc::new(Engine {
            data_dir: data_dir.to_path_buf(),
            pool,
            txns,
            heap,
            btree,
            catalog,
            xlog,
            fsync: opts.fsync,
            checkpoint_lock: Mutex::new(wal::Lsn::INVALID),
            shut_down: std::sync::atomic::AtomicBool::new(false),
            hurry: std::sync::atomic::AtomicBool::new(false),
            keep_segments: (opts.min_wal_size / wal::WAL_SEGMENT_SIZE).max(2),
        });
        // First checkpoint of a new cluster, or the end-of-recovery one.
        engine.create_checkpoint(CheckpointKind::Immediate)?;
        if bootstrapping {
            std::fs::remove_file(&marker)
                .map_err(|e| StorageError::io(format!("remove file {}", marker.display()), e))?;
        }
        Ok(engine)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// CHECKPOINT: bounds the WAL replayed after a crash (see
    /// [`crate::recovery`], "Checkpoint"). Immediate: a spread checkpoint
    /// in progress is hurried to its end first.
    pub fn checkpoint(&self) -> Result<()> {
        self.create_checkpoint(CheckpointKind::Immediate)
    }

    /// A clean shutdown's checkpoint: after it, pg_control says "shut down"
    /// and the next start replays nothing. Nothing may change afterwards.
    pub fn shutdown(&self) -> Result<()> {
        self.create_checkpoint(CheckpointKind::Shutdown)
    }

    /// Starts the checkpointer: a thread that takes a spread checkpoint
    /// every `checkpoint_timeout`, or sooner once
    /// [`CheckpointSchedule::wal_trigger`] bytes of WAL were written since
    /// the last checkpoint ("checkpoint starting: wal"), skipping it when
    /// nothing was logged. It ends when the engine is dropped.
    pub fn start_checkpointer(self: &Arc<Self>, schedule: CheckpointSchedule) {
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("checkpointer".into())
            .spawn(move || {
                let tick = Duration::from_millis(200).min(schedule.timeout);
                let mut waited = Duration::ZERO;
                loop {
                    std::thread::sleep(tick);
                    waited += tick;
                    let Some(engine) = weak.upgrade() else {
                        return;
                    };
                    let last = *engine.checkpoint_lock.lock();
                    let insert = engine.xlog.writer().insert_lsn();
                    let idle = insert <= wal::Lsn(wal::record::align(last.0));
                    let by_size = insert.0.saturating_sub(last.0) >= schedule.wal_trigger();
                    if idle || (waited < schedule.timeout && !by_size) {
                        continue;
                    }
                    waited = Duration::ZERO;
                    tracing::info!(
                        "checkpoint starting: {}",
                        if by_size { "wal" } else { "time" }
                    );
                    if let Err(e) = engine.create_checkpoint(CheckpointKind::Spread(schedule)) {
                        tracing::error!(error = %e, "checkpoint failed");
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start the checkpointer");
        }
    }

    /// Writes every dirty buffer; for a spread checkpoint, paced so the
    /// writes end after `completion_target` of the interval, measured in
    /// time and in WAL, whichever is further along (PostgreSQL's
    /// `IsCheckpointOnSchedule`): while ahead of schedule it sleeps 100 ms
    /// after each page, unless an immediate checkpoint is waiting.
    fn write_buffers(&self, kind: CheckpointKind, redo: wal::Lsn) -> Result<()> {
        let CheckpointKind::Spread(sched) = kind else {
            return self.pool.flush_all();
        };
        let start = std::time::Instant::now();
        let writer = self.xlog.writer().clone();
        let target = sched.completion_target.clamp(0.0, 1.0);
        self.pool.flush_all_paced(&mut |done, total| {
            if target == 0.0 || total == 0 || self.hurry.load(Ordering::Acquire) {
                return;
            }
            let progress = done as f64 / total as f64;
            let by_time = start.elapsed().as_secs_f64() / (sched.timeout.as_secs_f64() * target);
            let wal = writer.insert_lsn().0.saturating_sub(redo.0) as f64;
            let by_wal = wal / (sched.wal_trigger() as f64 * target);
            if progress > by_time && progress > by_wal {
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    }

    pub(crate) fn create_checkpoint(&self, kind: CheckpointKind) -> Result<()> {
        let shutdown = matches!(kind, CheckpointKind::Shutdown);
        let immediate = !matches!(kind, CheckpointKind::Spread(_));
        if immediate {
            self.hurry.store(true, Ordering::Release);
        }
        let mut last = self.checkpoint_lock.lock();
        if immediate {
            self.hurry.store(false, Ordering::Release);
        }
        if self.shut_down.load(Ordering::Acquire) {
            return Ok(());
        }
        let writer = self.xlog.writer();
        let redo = {
            let _no_commits = self.txns.hold_commits();
            writer.begin_checkpoint()
        };
        self.write_buffers(kind, redo)?;
        self.txns.clog().flush()?;
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let cp = CheckPoint {
            redo,
            timeline: writer.timeline(),
            next_xid: self.txns.next_xid().0,
            next_oid: self.catalog.next_oid_hint().0,
            time,
        };
        let info = if shutdown {
            XLOG_CHECKPOINT_SHUTDOWN
        } else {
            XLOG_CHECKPOINT_ONLINE
        };
        let (start, end) = writer.insert_at(&WalRecord::new(RM_XLOG_ID, info, 0, cp.encode()))?;
        writer.flush(end)?;
        *last = end;
        ControlFile {
            state: if shutdown {
                DbState::Shutdowned
            } else {
                DbState::InProduction
            },
            timeline: cp.timeline,
            checkpoint: start,
            redo,
            next_xid: cp.next_xid,
            next_oid: cp.next_oid,
            time,
        }
        .write(&self.data_dir, self.fsync)?;
        if shutdown {
            self.shut_down.store(true, Ordering::Release);
        }
        let cleanup = writer.remove_old_segments(redo, self.keep_segments)?;
        tracing::debug!(
            %redo,
            checkpoint = %start,
            removed = cleanup.removed,
            recycled = cleanup.recycled,
            "checkpoint complete"
        );
        Ok(())
    }

    /// Test support: simulates `kill -9`. Drops everything without writing
    /// a dirty page, the clog cache or unflushed WAL; files written so far
    /// stay as they are (as the OS would keep them after a process crash).
    pub fn crash(self: Arc<Self>) {
        drop(self);
    }
}
