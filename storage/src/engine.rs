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
use wal::rmgr::{
    CheckPoint, RM_XLOG_ID, XLOG_BACKUP_END, XLOG_CHECKPOINT_ONLINE, XLOG_CHECKPOINT_SHUTDOWN,
    XLOG_RESTORE_POINT,
};
use wal::segment::{SegNo, segment_file_name};
use wal::{ControlFile, DbState, Lsn, TimeLineId, WalRecord, WalWriter, WalWriterOptions};

use crate::archive_recovery::{ArchiveRecoveryOptions, RECOVERY_SIGNAL, TargetAction};
use crate::backup::{BACKUP_LABEL, BackupLabel, BackupStop};

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
    /// `archive_mode`: completed segments are marked for the archiver and
    /// kept until archived.
    pub archive_mode: bool,
    /// Archive recovery settings, used when `recovery.signal` exists.
    pub recovery: ArchiveRecoveryOptions,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            shared_buffers: 16384,
            fsync: true,
            full_page_writes: true,
            min_wal_size: 80 << 20,
            wal_writer_delay: Duration::from_millis(200),
            archive_mode: false,
            recovery: ArchiveRecoveryOptions::default(),
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

/// The end of archive recovery still to be done: promotion to a new
/// timeline ([`Engine::promote`]).
struct Promotion {
    /// The new timeline (the writer already writes it).
    timeline: TimeLineId,
    /// Its history file's text.
    history: String,
}

/// Called once when the server leaves recovery.
pub type PromoteHook = Box<dyn FnOnce() + Send>;

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
    /// What each running VACUUM is doing (`pg_stat_progress_vacuum`).
    pub progress: crate::progress::ProgressRegistry,
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
    /// The checkpointer's schedule once it runs: what a non-fast
    /// `pg_backup_start` spreads its checkpoint over.
    schedule: Mutex<Option<CheckpointSchedule>>,
    /// `min_wal_size` in segments.
    keep_segments: u64,
    /// `archive_mode`.
    archive_mode: bool,
    /// Set while paused at a recovery target: what promotion must do.
    promotion: Mutex<Option<Promotion>>,
    /// Run at promotion (e.g. start autovacuum).
    promote_hooks: Mutex<Vec<PromoteHook>>,
    /// The end of the last record replayed by archive recovery.
    replay_end: Option<Lsn>,
    /// The archiver, once started.
    archiver: std::sync::OnceLock<Arc<wal::archive::Archiver>>,
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
        let archive_recovery = control.is_some() && data_dir.join(RECOVERY_SIGNAL).exists();
        let label = if archive_recovery {
            BackupLabel::read(data_dir)?
        } else {
            None
        };
        let next_xid = control
            .map(|c| Xid(c.next_xid))
            .unwrap_or(Xid::FIRST_NORMAL);
        let txns = Arc::new(TransactionManager::open(data_dir, next_xid)?);
        txns.set_sync_commit(opts.fsync);
        let mut wal_opts = WalWriterOptions {
            fsync: opts.fsync,
            archive_mode: opts.archive_mode,
            timeline: control
                .map(|c| c.timeline)
                .unwrap_or(wal::TimeLineId::FIRST),
            panic_on_failure: true,
            ..Default::default()
        };
        let wal_dir = recovery::wal_dir(data_dir);
        let mut promotion = None;
        let mut pause = false;
        let mut replay_end = None;
        let writer = match &control {
            None => WalWriter::create(&wal_dir, wal_opts)?,
            Some(c) if archive_recovery => {
                let r = crate::archive_recovery::recover(
                    data_dir,
                    &pool,
                    txns.clog(),
                    c,
                    label.as_ref(),
                    &opts.recovery,
                    opts.fsync,
                )?;
                txns.advance_next_xid_past(Xid(r.max_xid));
                if r.reached_target {
                    match opts.recovery.action {
                        TargetAction::Shutdown => {
                            return Err(StorageError::ShutdownAtRecoveryTarget(r.reason));
                        }
                        TargetAction::Pause => pause = true,
                        TargetAction::Promote => {}
                    }
                }
                // Rule 4 of crate::archive_recovery: a new timeline.
                let timeline = TimeLineId(r.newest.0 + 1);
                wal::segment::begin_timeline_segment(
                    &wal_dir,
                    r.end_file_timeline,
                    timeline,
                    r.end,
                    opts.fsync,
                )?;
                wal_opts.timeline = timeline;
                promotion = Some(Promotion {
                    timeline,
                    history: wal::timeline::format_history(
                        &r.parent_history,
                        r.parent,
                        r.end,
                        &r.reason,
                    ),
                });
                replay_end = Some(r.end);
                WalWriter::open(&wal_dir, wal_opts, r.end, r.last)?
            }
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
        xlog.set_in_recovery(promotion.is_some());
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
            progress: Default::default(),
            fsync: opts.fsync,
            checkpoint_lock: Mutex::new(wal::Lsn::INVALID),
            shut_down: std::sync::atomic::AtomicBool::new(false),
            hurry: std::sync::atomic::AtomicBool::new(false),
            schedule: Mutex::new(None),
            keep_segments: (opts.min_wal_size / wal::WAL_SEGMENT_SIZE).max(2),
            archive_mode: opts.archive_mode,
            promotion: Mutex::new(promotion),
            promote_hooks: Mutex::new(Vec::new()),
            replay_end,
            archiver: std::sync::OnceLock::new(),
        });
        if pause {
            tracing::info!(
                "recovery has paused; execute pg_wal_replay_resume() to promote (read-only queries are allowed)"
            );
        } else if engine.is_in_recovery() {
            engine.promote()?;
        } else {
            // First checkpoint of a new cluster, or the end-of-recovery one.
            engine.create_checkpoint(CheckpointKind::Immediate)?;
        }
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
        *self.schedule.lock() = Some(schedule);
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
        if self.shut_down.load(Ordering::Acquire) || self.xlog.in_recovery() {
            // Paused in recovery nothing is logged; the next start replays
            // from the backup's checkpoint again.
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

    /// Starts the archiver ([`wal::archive`]) for this engine's WAL.
    pub fn start_archiver(&self, opts: wal::archive::ArchiverOptions) {
        let writer = self.xlog.writer();
        self.archiver
            .get_or_init(|| wal::archive::Archiver::start(writer, opts));
    }

    /// `pg_stat_archiver`'s counters (`None` without an archiver).
    pub fn archiver_stats(&self) -> Option<wal::archive::ArchiverStats> {
        self.archiver.get().map(|a| a.stats())
    }

    /// `pg_is_in_recovery()`: paused at a recovery target, not yet
    /// promoted.
    pub fn is_in_recovery(&self) -> bool {
        self.promotion.lock().is_some()
    }

    /// `pg_last_wal_replay_lsn()`: the end of the last record archive
    /// recovery replayed (`None` without archive recovery).
    pub fn last_replay_lsn(&self) -> Option<Lsn> {
        self.replay_end
    }

    /// Runs `hook` at promotion, or now if the server is not in recovery.
    pub fn on_promote(&self, hook: PromoteHook) {
        let pending = self.promotion.lock();
        if pending.is_some() {
            self.promote_hooks.lock().push(hook);
        } else {
            drop(pending);
            hook();
        }
    }

    /// Ends archive recovery (`pg_wal_replay_resume()` at the target, or
    /// the end of the archive): writes and archives the new timeline's
    /// history file, leaves the read-only state, takes the end-of-recovery
    /// checkpoint (the first record of the new timeline), then removes
    /// `recovery.signal` and renames `backup_label` to `backup_label.old`
    /// ([`crate::archive_recovery`], rule 4).
    pub fn promote(&self) -> Result<()> {
        let mut pending = self.promotion.lock();
        let Some(p) = pending.as_ref() else {
            return Err(StorageError::NotInPrerequisiteState(
                "recovery is not in progress".into(),
            ));
        };
        let wal_dir = recovery::wal_dir(&self.data_dir);
        wal::timeline::write_history(&wal_dir, p.timeline, &p.history, self.fsync)?;
        if self.archive_mode {
            wal::archive::notify_ready(
                &wal_dir,
                &wal::timeline::history_file_name(p.timeline),
                self.fsync,
            )?;
        }
        let timeline = p.timeline;
        self.xlog.set_in_recovery(false);
        self.create_checkpoint(CheckpointKind::Immediate)?;
        *pending = None;
        drop(pending);
        let io = |what: &str, p: &Path, e| StorageError::io(format!("{what} {}", p.display()), e);
        let signal = self.data_dir.join(RECOVERY_SIGNAL);
        std::fs::remove_file(&signal).map_err(|e| io("remove file", &signal, e))?;
        let label = self.data_dir.join(BACKUP_LABEL);
        if label.exists() {
            let old = self.data_dir.join("backup_label.old");
            std::fs::rename(&label, &old).map_err(|e| io("rename file", &label, e))?;
        }
        if self.fsync {
            wal::segment::fsync_dir(&self.data_dir)?;
        }
        tracing::info!("selected new timeline ID: {timeline}");
        tracing::info!("archive recovery complete");
        for hook in std::mem::take(&mut *self.promote_hooks.lock()) {
            hook();
        }
        Ok(())
    }

    fn check_not_in_recovery(&self) -> Result<()> {
        if self.is_in_recovery() {
            return Err(StorageError::NotInPrerequisiteState(
                "recovery is in progress".into(),
            ));
        }
        Ok(())
    }

    /// `pg_backup_start(label, fast)`: a checkpoint, whose redo point and
    /// record start the backup ([`crate::backup`]). As in PostgreSQL,
    /// `fast` asks for an immediate checkpoint; otherwise it is spread over
    /// `checkpoint_completion_target` of `checkpoint_timeout` like a timed
    /// one (immediate when no checkpointer runs, as in tests).
    pub fn backup_start(&self, label: &str, fast: bool) -> Result<BackupLabel> {
        self.check_not_in_recovery()?;
        if !self.xlog.full_page_writes() {
            return Err(StorageError::NotInPrerequisiteState(
                "WAL generated with \"full_page_writes=off\" cannot be used for an online backup"
                    .into(),
            ));
        }
        let schedule = *self.schedule.lock();
        match schedule {
            Some(schedule) if !fast => {
                tracing::info!("checkpoint starting: force wait");
                self.create_checkpoint(CheckpointKind::Spread(schedule))?;
            }
            _ => {
                tracing::info!("checkpoint starting: immediate force wait");
                self.checkpoint()?;
            }
        }
        let c = ControlFile::read(&self.data_dir)?
            .ok_or_else(|| StorageError::Internal("no control file after a checkpoint".into()))?;
        let now = crate::datum::TimestampTz::now().format(&jiff::tz::TimeZone::UTC);
        let secs = now.split(['.', '+']).next().unwrap_or(&now).to_string();
        Ok(BackupLabel {
            start: c.redo,
            checkpoint: c.checkpoint,
            timeline: c.timeline,
            start_time: format!("{secs} UTC"),
            label: label.to_string(),
        })
    }

    /// `pg_backup_stop(wait_for_archive)`: logs the backup's end, switches
    /// to a new segment and, with `wait` and `archive_mode`, waits until
    /// the segment holding the end is archived.
    pub fn backup_stop(&self, started: &BackupLabel, wait: bool) -> Result<BackupStop> {
        self.check_not_in_recovery()?;
        let writer = self.xlog.writer();
        let rec = WalRecord::new(
            RM_XLOG_ID,
            XLOG_BACKUP_END,
            0,
            started.start.0.to_le_bytes().to_vec(),
        );
        let (_, end) = writer.insert_at(&rec)?;
        writer.flush(end)?;
        writer.switch_segment()?;
        if wait && self.archive_mode {
            let name = segment_file_name(writer.timeline(), SegNo::of(Lsn(end.0 - 1)));
            let done = wal::archive::status_dir(writer.wal_dir()).join(format!("{name}.done"));
            let started_wait = std::time::Instant::now();
            let mut warned = 0;
            while !done.exists() {
                std::thread::sleep(Duration::from_millis(20));
                let secs = started_wait.elapsed().as_secs();
                if secs >= 60 * (warned + 1) {
                    warned += 1;
                    tracing::warn!(
                        "still waiting for all required WAL segments to be archived ({secs} seconds elapsed): check that archive_command executes properly"
                    );
                }
            }
        }
        Ok(BackupStop {
            lsn: end,
            labelfile: started.to_text(),
        })
    }

    /// `pg_create_restore_point(name)`: logs a named restore point a
    /// recovery can stop at (`recovery_target_name`); returns its end.
    pub fn create_restore_point(&self, name: &str) -> Result<Lsn> {
        self.check_not_in_recovery()?;
        let mut data = crate::txn::xact_xlog::now_timestamp()
            .to_le_bytes()
            .to_vec();
        data.extend_from_slice(name.as_bytes());
        let writer = self.xlog.writer();
        let (_, end) =
            writer.insert_at(&WalRecord::new(RM_XLOG_ID, XLOG_RESTORE_POINT, 0, data))?;
        writer.flush(end)?;
        tracing::info!("restore point \"{name}\" created at {end}");
        Ok(end)
    }

    /// Test support: simulates `kill -9`. Drops everything without writing
    /// a dirty page, the clog cache or unflushed WAL; files written so far
    /// stay as they are (as the OS would keep them after a process crash).
    pub fn crash(self: Arc<Self>) {
        drop(self);
    }
}
