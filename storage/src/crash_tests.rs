//! Crash recovery tests at the engine level: commits are acknowledged,
//! the engine is dropped without writing anything more (as `kill -9`
//! would), and a reopened engine must show exactly the acknowledged
//! commits.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use crate::datum::Datum;
use crate::datum::types::{SqlType, TypeOid};
use crate::engine::{Engine, EngineOptions};
use crate::heap::heapam::{ModifyResult, Writer};
use crate::heap::tuple::{TupleDesc, deform_tuple, form_tuple};
use crate::page;
use crate::txn::{LockWait, OwnerId, TransactionState};
use crate::types::{ForkNumber, ItemPointer, Oid, RelFileLocator};

const REL: RelFileLocator = RelFileLocator {
    db_oid: Oid(5),
    rel_number: Oid(90_000),
};

fn desc() -> TupleDesc {
    TupleDesc::new([SqlType::new(TypeOid::INT4)])
}

fn open(dir: &Path, shared_buffers: usize) -> Arc<Engine> {
    let opts = EngineOptions {
        shared_buffers,
        fsync: false,
        full_page_writes: true,
        ..Default::default()
    };
    Engine::open(dir, &opts).expect("engine opens")
}

/// Every visible value of REL with its TID.
fn rows(e: &Engine) -> Vec<(ItemPointer, i32)> {
    let mut out = Vec::new();
    let mut scan = e.heap.scan(REL, e.txns.snapshot()).unwrap();
    let mut vals = Vec::new();
    while let Some((tid, t)) = scan.next_tuple().unwrap() {
        deform_tuple(&desc(), t, &mut vals).unwrap();
        match vals[0] {
            Datum::Int4(v) => out.push((tid, v)),
            ref d => panic!("unexpected {d:?}"),
        }
    }
    out
}

/// Asserts the visible set is `expect`, printing only the differences.
fn assert_values(e: &Engine, expect: &BTreeSet<i32>) {
    let got = values(e);
    let missing: Vec<_> = expect.difference(&got).take(20).collect();
    let extra: Vec<_> = got.difference(expect).take(20).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, unexpected {extra:?} (first 20 of each)"
    );
}

fn values(e: &Engine) -> BTreeSet<i32> {
    let v = rows(e);
    let set: BTreeSet<i32> = v.iter().map(|r| r.1).collect();
    assert_eq!(set.len(), v.len(), "duplicate visible rows");
    set
}

fn tuple(v: i32) -> Vec<u8> {
    let mut b = Vec::new();
    form_tuple(&desc(), &[Datum::Int4(v)], &mut b).unwrap();
    b
}

/// Begins a transaction for `owner`, assigns its xid and runs `f` in it.
fn run_in(e: &Engine, owner: u64, f: impl FnOnce(&Engine, &Writer<'_>)) -> TransactionState {
    let mut t = TransactionState::new(OwnerId(owner));
    t.begin().unwrap();
    let xid = t.assign_xid(&e.txns).unwrap();
    let wait = LockWait::nowait();
    {
        let w = Writer {
            xid,
            cid: t.curcid(),
            own: t.own_xids(),
            owner: t.owner(),
            wait: &wait,
        };
        f(e, &w);
    }
    t
}

/// Runs `f` in a transaction; commits if `end` is `Some(true)`, aborts if
/// `Some(false)`, leaves it running if `None`.
fn txn(e: &Engine, owner: u64, end: Option<bool>, f: impl FnOnce(&Engine, &Writer<'_>)) {
    let mut t = run_in(e, owner, f);
    match end {
        Some(true) => t.commit(&e.txns).unwrap(),
        Some(false) => t.abort(&e.txns).unwrap(),
        None => std::mem::forget(t),
    }
}

fn insert(e: &Engine, w: &Writer<'_>, vals: impl IntoIterator<Item = i32>) {
    for v in vals {
        e.heap.insert(REL, &mut tuple(v), w.xid, w.cid).unwrap();
    }
}

/// Updates (v -> f(v)) or deletes (f = None) every visible row matching `pred`.
fn modify(e: &Engine, w: &Writer<'_>, pred: impl Fn(i32) -> bool, f: Option<fn(i32) -> i32>) {
    for (tid, v) in rows(e) {
        if !pred(v) {
            continue;
        }
        let r = match f {
            Some(f) => e.heap.update(REL, tid, &mut tuple(f(v)), w).unwrap().0,
            None => e.heap.delete(REL, tid, w).unwrap(),
        };
        assert_eq!(r, ModifyResult::Ok);
    }
}

#[test]
fn acknowledged_commits_survive_a_crash_and_nothing_else_appears() {
    let dir = tempfile::tempdir().unwrap();
    // A small pool, so pages are evicted (through the WAL flush hook).
    let e = open(dir.path(), 24);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    let mut expect: BTreeSet<i32> = (0..3000).collect();
    txn(&e, 1, Some(true), |e, w| insert(e, w, 0..3000));
    e.checkpoint().unwrap();
    // Changes after the checkpoint: updates (same page and cross-page),
    // deletes, an aborted and an unfinished transaction.
    txn(&e, 1, Some(true), |e, w| {
        modify(e, w, |v| v % 10 == 0, Some(|v| v + 100_000))
    });
    txn(&e, 1, Some(true), |e, w| {
        modify(e, w, |v| v < 100_000 && v % 7 == 3, None)
    });
    for v in 0..3000 {
        if v % 10 == 0 {
            expect.remove(&v);
            expect.insert(v + 100_000);
        }
        if v % 7 == 3 {
            expect.remove(&v);
        }
    }
    txn(&e, 2, Some(false), |e, w| {
        insert(e, w, 200_000..200_500);
        modify(e, w, |v| v % 3 == 0, None);
    });
    txn(&e, 3, None, |e, w| {
        insert(e, w, 300_000..300_500);
        modify(e, w, |v| v % 5 == 1, Some(|v| v + 400_000));
    });
    assert_eq!(
        values(&e).len(),
        expect.len(),
        "before the crash: only committed rows are visible"
    );
    e.crash();

    let e = open(dir.path(), 24);
    assert_values(&e, &expect);
    // The recovered engine keeps working and survives a second crash.
    txn(&e, 1, Some(true), |e, w| insert(e, w, 500_000..500_100));
    expect.extend(500_000..500_100);
    txn(&e, 2, None, |e, w| insert(e, w, 600_000..600_100));
    e.crash();
    let e = open(dir.path(), 1000);
    assert_values(&e, &expect);
    e.shutdown().unwrap();
    drop(e);
    let e = open(dir.path(), 1000);
    assert_values(&e, &expect);
}

#[test]
fn a_torn_page_is_repaired_from_its_full_page_image() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 1000);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    txn(&e, 1, Some(true), |e, w| insert(e, w, 0..100));
    e.checkpoint().unwrap();
    // The first change to block 0 after the checkpoint logs its image.
    txn(&e, 1, Some(true), |e, w| insert(e, w, 100..110));
    // The page reaches disk, then "the crash tears it".
    e.pool.flush_all().unwrap();
    e.crash();
    let path = dir
        .path()
        .join(crate::smgr::Smgr::relative_path(REL, ForkNumber::Main, 0));
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[page::BLCKSZ / 2..page::BLCKSZ] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert!(!page::verify(&bytes[..page::BLCKSZ], 0));
    let e = open(dir.path(), 1000);
    assert_values(&e, &(0..110).collect());
}

#[test]
fn commits_are_one_wal_flush_not_data_file_writes() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 1000);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    let (_, writes_before) = e.pool.io_counts();
    for i in 0..20 {
        txn(&e, 1, Some(true), |e, w| insert(e, w, [i]));
    }
    let (_, writes_after) = e.pool.io_counts();
    assert_eq!(writes_before, writes_after, "commits wrote data pages");
    assert!(e.xlog.writer().flushed_lsn() >= e.xlog.writer().insert_lsn());
}

#[test]
fn a_crash_during_recovery_is_followed_by_a_complete_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 1000);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    txn(&e, 1, Some(true), |e, w| insert(e, w, 0..2000));
    e.checkpoint().unwrap();
    txn(&e, 1, Some(true), |e, w| {
        modify(e, w, |v| v % 4 == 0, Some(|v| v + 10_000))
    });
    txn(&e, 1, Some(true), |e, w| insert(e, w, 2000..2500));
    let expect = values(&e);
    e.crash();
    // First recovery: replays everything and writes every page it touched
    // (as evictions would), then "crashes" before its checkpoint.
    {
        let smgr = Arc::new(crate::smgr::Smgr::new(dir.path()));
        let pool = crate::buffer::BufferPool::new(16, smgr);
        let clog = crate::txn::Clog::open(dir.path()).unwrap();
        let control = wal::ControlFile::read(dir.path()).unwrap().unwrap();
        let end = crate::recovery::recover(dir.path(), &pool, &clog, &control, false).unwrap();
        assert!(end.records > 10);
        pool.flush_all().unwrap();
        clog.flush().unwrap();
        let control = wal::ControlFile::read(dir.path()).unwrap().unwrap();
        assert_eq!(control.state, wal::DbState::InCrashRecovery);
    }
    // Second recovery over pages that already carry the records' LSNs.
    let e = open(dir.path(), 1000);
    assert_values(&e, &expect);
}

#[test]
fn a_torn_wal_tail_loses_only_the_unacknowledged_last_commit() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 1000);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    txn(&e, 1, Some(true), |e, w| insert(e, w, 0..50));
    txn(&e, 1, Some(true), |e, w| insert(e, w, 50..60));
    let writer = e.xlog.writer().clone();
    let last = writer.last_record_lsn();
    let end = writer.insert_lsn();
    e.crash();
    drop(writer);
    // Cut the last record (the second commit's) in half, as a torn write
    // of the WAL tail would: that commit was never acknowledged.
    use std::os::unix::fs::FileExt;
    let seg = dir
        .path()
        .join("pg_wal")
        .join(wal::segment::segment_file_name(
            wal::TimeLineId::FIRST,
            wal::segment::SegNo::of(last),
        ));
    let f = std::fs::OpenOptions::new().write(true).open(seg).unwrap();
    let mid = last.0 + (end.0 - last.0) / 2;
    f.write_all_at(
        &vec![0u8; (end.0 - mid) as usize],
        wal::segment::segment_offset(wal::Lsn(mid)),
    )
    .unwrap();
    let e = open(dir.path(), 1000);
    assert_values(&e, &(0..50).collect());
    // The WAL goes on after the cut and survives another crash.
    txn(&e, 1, Some(true), |e, w| insert(e, w, 70..80));
    e.crash();
    let e = open(dir.path(), 1000);
    assert_values(&e, &(0..50).chain(70..80).collect());
}

#[test]
fn concurrent_committers_share_fdatasyncs() {
    let dir = tempfile::tempdir().unwrap();
    let opts = EngineOptions {
        shared_buffers: 1000,
        fsync: true,
        full_page_writes: true,
        ..Default::default()
    };
    let e = Engine::open(dir.path(), &opts).unwrap();
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    let syncs_before = e.xlog.writer().sync_count();
    const THREADS: i32 = 8;
    const PER: i32 = 25;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let e = e.clone();
            std::thread::spawn(move || {
                for k in 0..PER {
                    txn(&e, 10 + t as u64, Some(true), |e, w| {
                        insert(e, w, [t * 1000 + k])
                    });
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let syncs = e.xlog.writer().sync_count() - syncs_before;
    let commits = (THREADS * PER) as u64;
    eprintln!("{commits} commits, {syncs} fdatasyncs");
    assert!(syncs < commits, "{syncs} fdatasyncs for {commits} commits");
    e.crash();
    let e = open(dir.path(), 1000);
    let expect = (0..THREADS)
        .flat_map(|t| (0..PER).map(move |k| t * 1000 + k))
        .collect();
    assert_values(&e, &expect);
}

#[test]
fn commits_racing_checkpoints_survive_a_crash() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 64);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (e, stop) = (e.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let mut k = 0;
                while !stop.load(Ordering::Relaxed) {
                    let v = t * 100_000 + k;
                    txn(&e, 10 + t as u64, Some(true), |e, w| insert(e, w, [v]));
                    acked.push(v);
                    k += 1;
                }
                acked
            })
        })
        .collect();
    for _ in 0..4 {
        e.checkpoint().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    let expect: BTreeSet<i32> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(expect.len() > 20);
    e.crash();
    let e = open(dir.path(), 64);
    assert_values(&e, &expect);
}

#[test]
fn a_page_torn_after_only_hint_bits_changed_is_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 1000);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    txn(&e, 1, Some(true), |e, w| insert(e, w, 0..100));
    e.checkpoint().unwrap();
    // A scan sets hint bits: the page's only change since the checkpoint.
    assert_eq!(values(&e).len(), 100);
    e.pool.flush_all().unwrap();
    e.crash();
    let path = dir
        .path()
        .join(crate::smgr::Smgr::relative_path(REL, ForkNumber::Main, 0));
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[page::BLCKSZ / 2..page::BLCKSZ].fill(0x5A);
    std::fs::write(&path, &bytes).unwrap();
    let e = open(dir.path(), 1000);
    assert_values(&e, &(0..100).collect());
}

#[test]
fn an_interrupted_initialisation_is_refused_not_half_used() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 100);
    drop(e);
    assert!(!dir.path().join("global/bootstrap_in_progress").exists());
    // Simulate a crash before the first checkpoint of a new directory.
    std::fs::remove_file(dir.path().join("global/pg_control")).unwrap();
    std::fs::write(dir.path().join("global/bootstrap_in_progress"), b"").unwrap();
    let err = Engine::open(dir.path(), &EngineOptions::default())
        .err()
        .expect("must refuse");
    assert!(err.to_string().contains("interrupted"), "{err}");
}

#[test]
fn a_multi_insert_survives_a_crash_whole_and_an_unfinished_one_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 24);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    let ring = crate::buffer::BufferRing::new(crate::buffer::BufferRing::BULK_WRITE);
    txn(&e, 1, Some(true), |e, w| {
        let mut batch: Vec<Vec<u8>> = (0..5000).map(tuple).collect();
        e.heap
            .multi_insert(REL, &mut batch, w.xid, w.cid, &ring, &mut Vec::new())
            .unwrap();
    });
    txn(&e, 2, None, |e, w| {
        let mut batch: Vec<Vec<u8>> = (10_000..12_000).map(tuple).collect();
        e.heap
            .multi_insert(REL, &mut batch, w.xid, w.cid, &ring, &mut Vec::new())
            .unwrap();
    });
    let pages = e.heap.nblocks(REL).unwrap().0;
    assert!(
        pages > 10 && pages < 80,
        "rows are packed many to a page, got {pages} pages"
    );
    e.crash();
    let e = open(dir.path(), 24);
    assert_values(&e, &(0..5000).collect());
}

/// Runs `f` in a transaction committed with `synchronous_commit = off`
/// (commit record inserted, not flushed).
fn txn_async(e: &Engine, f: impl FnOnce(&Engine, &Writer<'_>)) {
    let mut t = run_in(e, 7, f);
    t.commit_with(&e.txns, false, &[]).unwrap();
}

fn open_no_walwriter(dir: &Path) -> Arc<Engine> {
    let opts = EngineOptions {
        shared_buffers: 100,
        fsync: false,
        wal_writer_delay: std::time::Duration::from_secs(3600),
        ..Default::default()
    };
    Engine::open(dir, &opts).expect("engine opens")
}

#[test]
fn an_async_commit_lost_in_a_crash_leaves_no_committed_hint_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let e = open_no_walwriter(dir.path());
    txn(&e, 1, Some(true), |e, w| {
        e.heap.create_relation(REL).unwrap();
        insert(e, w, 0..10);
    });
    // Writing a clog page with an async commit on it flushes that commit's
    // record first.
    txn_async(&e, |e, w| insert(e, w, 10..20));
    let before = e.xlog.writer().flushed_lsn();
    e.txns.clog().flush().unwrap();
    assert!(e.xlog.writer().flushed_lsn() > before);
    // The rows' insert records are flushed (by anyone), then the async
    // commit record is inserted and never flushed. A scan sees the rows
    // and must not set COMMITTED hints: the data page then goes to disk
    // without any further WAL flush (its LSN is already flushed).
    txn_async(&e, |e, w| {
        insert(e, w, 20..30);
        e.xlog.flush(e.xlog.writer().insert_lsn()).unwrap();
    });
    assert_eq!(values(&e), (0..30).collect());
    let flushed = e.xlog.writer().flushed_lsn();
    e.pool.flush_all().unwrap();
    assert_eq!(
        e.xlog.writer().flushed_lsn(),
        flushed,
        "no WAL flush needed"
    );
    e.crash();
    let e = open_no_walwriter(dir.path());
    assert_eq!(
        values(&e),
        (0..20).collect(),
        "the commit whose record was lost is not visible, not even partly"
    );
}

#[test]
fn redo_of_a_commit_record_removes_the_dropped_relation_files() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 100);
    let other = RelFileLocator {
        db_oid: Oid(5),
        rel_number: Oid(90_001),
    };
    txn(&e, 1, Some(true), |e, w| {
        e.heap.create_relation(REL).unwrap();
        e.heap.create_relation(other).unwrap();
        insert(e, w, 0..5);
    });
    e.checkpoint().unwrap();
    let mut t = TransactionState::new(OwnerId(1));
    t.begin().unwrap();
    t.assign_xid(&e.txns).unwrap();
    t.commit_with(&e.txns, true, &[other]).unwrap();
    assert!(!e.pool.smgr().exists(other, ForkNumber::Main));
    e.crash();
    // As if the crash came between the commit record and the unlink.
    crate::smgr::Smgr::new(dir.path())
        .create(other, ForkNumber::Main)
        .unwrap();
    let e = open(dir.path(), 100);
    assert!(!e.pool.smgr().exists(other, ForkNumber::Main));
    assert_eq!(values(&e), (0..5).collect());
}

#[test]
fn asynchronous_commits_need_far_fewer_fdatasyncs() {
    let dir = tempfile::tempdir().unwrap();
    let opts = EngineOptions {
        shared_buffers: 1000,
        fsync: true,
        wal_writer_delay: std::time::Duration::from_millis(50),
        ..Default::default()
    };
    let e = Engine::open(dir.path(), &opts).unwrap();
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    let w = e.xlog.writer().clone();
    let s0 = w.sync_count();
    for v in 0..50 {
        txn(&e, 1, Some(true), |e, w| insert(e, w, [v]));
    }
    let sync_on = w.sync_count() - s0;
    let s1 = w.sync_count();
    for v in 50..100 {
        txn_async(&e, |e, w| insert(e, w, [v]));
    }
    let sync_off = w.sync_count() - s1;
    assert!(sync_on >= 50, "{sync_on}");
    assert!(sync_off < 10, "{sync_off} fdatasyncs for 50 async commits");
    // The walwriter makes them durable within a few delays.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while w.flushed_lsn() < w.insert_lsn() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(w.flushed_lsn(), w.insert_lsn());
    e.crash();
    let e = open(dir.path(), 100);
    assert_eq!(values(&e), (0..100).collect());
}

#[test]
fn a_spread_checkpoint_paces_its_writes_and_an_immediate_one_hurries_it() {
    use crate::engine::{CheckpointKind, CheckpointSchedule};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 1000);
    txn(&e, 1, Some(true), |e, w| {
        e.heap.create_relation(REL).unwrap();
        insert(e, w, 0..20_000);
    });
    let dirty = |e: &Engine| e.pool.nblocks(REL, ForkNumber::Main).unwrap().0;
    assert!(dirty(&e) >= 80, "{} pages", dirty(&e));
    // Spread over 0.5 × 2 s: about a second, not at full speed.
    let sched = CheckpointSchedule {
        timeout: Duration::from_secs(2),
        max_wal_size: 1 << 30,
        completion_target: 0.5,
    };
    let t = Instant::now();
    e.create_checkpoint(CheckpointKind::Spread(sched)).unwrap();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(8),
        "{took:?}"
    );
    // Spread over 5 min (100 ms a page: 16 s and more), but a CHECKPOINT
    // arrives: both end promptly.
    txn(&e, 1, Some(true), |e, w| {
        modify(e, w, |_| true, Some(|v| v + 1))
    });
    let slow = CheckpointSchedule {
        timeout: Duration::from_secs(300),
        ..sched
    };
    let t = Instant::now();
    std::thread::scope(|s| {
        let e2 = &e;
        let h = s.spawn(move || e2.create_checkpoint(CheckpointKind::Spread(slow)));
        std::thread::sleep(Duration::from_millis(300));
        e.checkpoint().unwrap();
        h.join().unwrap().unwrap();
    });
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    e.crash();
    let e = open(dir.path(), 1000);
    assert_eq!(values(&e), (1..20_001).collect());
}

/// Prunes every page of REL as VACUUM's one-pass mode does and sets the
/// visibility map; returns the number of NORMAL line pointers left.
fn prune_all(e: &Engine) -> usize {
    use crate::heap::prune::{PruneMode, prune_page};
    let horizon = e.txns.oldest_xmin();
    let mut normal = 0;
    for b in 0..e.heap.nblocks(REL).unwrap().0 {
        let buf = e
            .pool
            .read_buffer(REL, ForkNumber::Main, crate::types::BlockNumber(b), None)
            .unwrap();
        let mut g = buf.cleanup_lock();
        prune_page(&e.heap, &mut g, buf.tag(), horizon, PruneMode::Unused, true).unwrap();
        if page::flags(&g) & page::PD_ALL_VISIBLE != 0 {
            crate::heap::visibilitymap::set_all_visible(&e.heap, REL, buf.block()).unwrap();
        }
        normal += (1..=page::max_offset_number(&g))
            .filter(|i| page::get_item(&g, crate::types::OffsetNumber(*i)).is_some())
            .count();
    }
    normal
}

#[test]
fn pruned_pages_and_visibility_map_bits_survive_a_crash() {
    use crate::heap::visibilitymap::is_all_visible;
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), 24);
    txn(&e, 1, Some(true), |e, _| {
        e.heap.create_relation(REL).unwrap()
    });
    txn(&e, 1, Some(true), |e, w| insert(e, w, 0..2000));
    e.checkpoint().unwrap();
    txn(&e, 1, Some(true), |e, w| modify(e, w, |v| v % 2 == 0, None));
    txn(&e, 1, Some(false), |e, w| insert(e, w, 5000..5100));
    let expect: BTreeSet<i32> = (0..2000).filter(|v| v % 2 == 1).collect();
    assert_eq!(prune_all(&e), 1000, "dead and aborted versions removed");
    assert_eq!(prune_all(&e), 1000, "pruning twice changes nothing");
    assert_values(&e, &expect);
    let nblocks = e.heap.nblocks(REL).unwrap().0;
    for b in 0..nblocks {
        assert!(is_all_visible(&e.pool, REL, crate::types::BlockNumber(b)).unwrap());
    }
    // Pruning does not flush the WAL; the next commit would. Flush it here.
    e.xlog.flush(e.xlog.writer().insert_lsn()).unwrap();
    e.crash();
    let e = open(dir.path(), 24);
    assert_values(&e, &expect);
    for b in 0..nblocks {
        assert!(
            is_all_visible(&e.pool, REL, crate::types::BlockNumber(b)).unwrap(),
            "VM bit of block {b} lost by the crash"
        );
    }
    // Redo rebuilt the pruned pages: nothing left to prune.
    assert_eq!(prune_all(&e), 1000);
    // A change after recovery clears the bit of its page.
    txn(&e, 1, Some(true), |e, w| insert(e, w, [7000]));
    let changed = rows(&e).iter().find(|r| r.1 == 7000).unwrap().0.block;
    assert!(!is_all_visible(&e.pool, REL, changed).unwrap());
}
