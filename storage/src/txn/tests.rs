//! Tests of the transaction machinery: clog persistence through the
//! transaction manager, snapshots and the horizon, the lock manager's
//! conflict table, timeouts and deadlock detection, and transaction waits.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use super::*;
use crate::error::StorageError;
use crate::types::{Oid, Xid};

fn rel(n: u32) -> LockTag {
    LockTag::Relation {
        db: Oid(5),
        rel: Oid(n),
    }
}

fn quick() -> LockWait {
    LockWait {
        deadlock_timeout: Duration::from_millis(100),
        ..Default::default()
    }
}

/// PostgreSQL's conflict table, as printed in the docs ("Conflicting Lock
/// Modes"), one row per requested mode: X = conflicts.
#[rustfmt::skip]
const CONFLICTS: [&str; 8] = [
    //AS RS RX SUX S SRX X AX
    ".......X", // AccessShare
    "......XX", // RowShare
    "....XXXX", // RowExclusive
    "...XXXXX", // ShareUpdateExclusive
    "..XX.XXX", // Share
    "..XXXXXX", // ShareRowExclusive
    ".XXXXXXX", // Exclusive
    "XXXXXXXX", // AccessExclusive
];

#[test]
fn shared_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TransactionManager>();
    check::<LockManager>();
    check::<RegisteredSnapshot>();
}

#[test]
fn conflict_table_matches_postgres() {
    for (i, a) in LockMode::ALL.iter().enumerate() {
        for (j, b) in LockMode::ALL.iter().enumerate() {
            let want = CONFLICTS[i].as_bytes()[j] == b'X';
            assert_eq!(a.conflicts_with(*b), want, "{a} vs {b}");
            assert_eq!(
                a.conflicts_with(*b),
                b.conflicts_with(*a),
                "symmetry {a} {b}"
            );
        }
    }
    // And through the lock manager, with two owners and NOWAIT.
    let lm = LockManager::new();
    for (i, a) in LockMode::ALL.iter().enumerate() {
        for (j, b) in LockMode::ALL.iter().enumerate() {
            lm.acquire(OwnerId(1), rel(1), *a, &LockWait::nowait())
                .unwrap();
            let r = lm.acquire(OwnerId(2), rel(1), *b, &LockWait::nowait());
            let want = CONFLICTS[i].as_bytes()[j] == b'X';
            match r {
                Ok(()) => assert!(!want, "{a} then {b} granted"),
                Err(StorageError::LockNotAvailable(_)) => assert!(want, "{a} then {b} refused"),
                Err(e) => panic!("{e}"),
            }
            lm.release_all(OwnerId(1));
            lm.release_all(OwnerId(2));
            assert!(lm.holders(rel(1)).is_empty());
        }
    }
}

#[test]
fn reentrant_and_own_locks_never_conflict() {
    let lm = LockManager::new();
    let o = OwnerId(1);
    lm.acquire(o, rel(1), LockMode::AccessExclusive, &LockWait::nowait())
        .unwrap();
    lm.acquire(o, rel(1), LockMode::AccessExclusive, &LockWait::nowait())
        .unwrap();
    lm.acquire(o, rel(1), LockMode::AccessShare, &LockWait::nowait())
        .unwrap();
    assert!(lm.release(o, rel(1), LockMode::AccessExclusive));
    assert!(lm.holds(o, rel(1), LockMode::AccessExclusive));
    assert!(
        lm.acquire(
            OwnerId(2),
            rel(1),
            LockMode::AccessShare,
            &LockWait::nowait()
        )
        .is_err()
    );
    assert!(lm.release(o, rel(1), LockMode::AccessExclusive));
    assert!(!lm.release(o, rel(1), LockMode::AccessExclusive));
    // Only AccessShare is left: a reader gets in.
    lm.acquire(
        OwnerId(2),
        rel(1),
        LockMode::AccessShare,
        &LockWait::nowait(),
    )
    .unwrap();
    assert_eq!(
        lm.holders(rel(1)),
        vec![
            (OwnerId(1), LockMode::AccessShare),
            (OwnerId(2), LockMode::AccessShare)
        ]
    );
}

#[test]
fn nowait_and_lock_timeout_and_cancel() {
    let lm = LockManager::new();
    lm.acquire(OwnerId(1), rel(1), LockMode::Exclusive, &LockWait::nowait())
        .unwrap();
    let e = lm
        .acquire(OwnerId(2), rel(1), LockMode::RowShare, &LockWait::nowait())
        .unwrap_err();
    assert_eq!(e.sqlstate(), "55P03");
    assert!(matches!(e, StorageError::LockNotAvailable(ref s) if s == "relation 1 of database 5"));

    let t0 = Instant::now();
    let w = LockWait {
        lock_timeout: Some(Duration::from_millis(150)),
        ..Default::default()
    };
    let e = lm
        .acquire(OwnerId(2), rel(1), LockMode::Share, &w)
        .unwrap_err();
    assert!(matches!(e, StorageError::LockTimeout), "{e}");
    assert_eq!(e.sqlstate(), "55P03");
    assert!(t0.elapsed() >= Duration::from_millis(150));
    assert!(
        !lm.has_waiters(rel(1)),
        "a timed-out waiter leaves the queue"
    );

    let cancel = Arc::new(AtomicBool::new(false));
    let w = LockWait {
        cancel: Some(cancel.clone()),
        ..Default::default()
    };
    let c2 = cancel.clone();
    let h = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        c2.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let e = lm
        .acquire(OwnerId(2), rel(1), LockMode::Share, &w)
        .unwrap_err();
    h.join().unwrap();
    assert!(matches!(e, StorageError::QueryCanceled), "{e}");
    assert_eq!(e.sqlstate(), "57014");

    let w = LockWait {
        statement_deadline: Some(Instant::now() + Duration::from_millis(50)),
        ..Default::default()
    };
    let e = lm
        .acquire(OwnerId(2), rel(1), LockMode::Share, &w)
        .unwrap_err();
    assert!(matches!(e, StorageError::StatementTimeout), "{e}");
}

#[test]
fn fifo_does_not_starve_exclusive_waiter() {
    let lm = Arc::new(LockManager::new());
    lm.acquire(
        OwnerId(1),
        rel(1),
        LockMode::AccessShare,
        &LockWait::nowait(),
    )
    .unwrap();
    let lm2 = lm.clone();
    let h =
        thread::spawn(move || lm2.acquire(OwnerId(2), rel(1), LockMode::AccessExclusive, &quick()));
    while !lm.has_waiters(rel(1)) {
        thread::sleep(Duration::from_millis(5));
    }
    // A new reader queues behind the exclusive waiter...
    assert!(
        lm.acquire(
            OwnerId(3),
            rel(1),
            LockMode::AccessShare,
            &LockWait::nowait()
        )
        .is_err()
    );
    // ...but the holder itself may take more (it is waited for anyway).
    lm.acquire(OwnerId(1), rel(1), LockMode::RowShare, &LockWait::nowait())
        .unwrap();
    lm.release_all(OwnerId(1));
    h.join().unwrap().unwrap();
    assert_eq!(
        lm.holders(rel(1)),
        vec![(OwnerId(2), LockMode::AccessExclusive)]
    );
}

#[test]
fn relation_deadlock_one_victim() {
    let lm = Arc::new(LockManager::new());
    let barrier = Arc::new(Barrier::new(2));
    let mut hs = Vec::new();
    for (me, first, second) in [(1u64, 1u32, 2u32), (2, 2, 1)] {
        let lm = lm.clone();
        let barrier = barrier.clone();
        hs.push(thread::spawn(move || {
            let o = OwnerId(me);
            lm.acquire(o, rel(first), LockMode::AccessExclusive, &quick())
                .unwrap();
            barrier.wait();
            let r = lm.acquire(o, rel(second), LockMode::AccessExclusive, &quick());
            lm.release_all(o);
            r
        }));
    }
    let rs: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    let victims: Vec<_> = rs.iter().filter(|r| r.is_err()).collect();
    assert_eq!(victims.len(), 1, "{rs:?}");
    match victims[0] {
        Err(e @ StorageError::DeadlockDetected { detail }) => {
            assert_eq!(e.sqlstate(), "40P01");
            assert!(
                detail.contains("waits for AccessExclusiveLock on relation"),
                "{detail}"
            );
            assert_eq!(detail.lines().count(), 2, "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

fn manager() -> (tempfile::TempDir, Arc<TransactionManager>) {
    let dir = tempfile::tempdir().unwrap();
    let tm = TransactionManager::open(dir.path(), Xid::FIRST_NORMAL).unwrap();
    (dir, Arc::new(tm))
}

#[test]
fn row_wait_deadlock_exactly_one_victim() {
    let (_d, tm) = manager();
    let a = tm.assign_xid(OwnerId(1)).unwrap();
    let b = tm.assign_xid(OwnerId(2)).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let mut hs = Vec::new();
    for (me, mine, theirs) in [(1u64, a, b), (2, b, a)] {
        let tm = tm.clone();
        let barrier = barrier.clone();
        hs.push(thread::spawn(move || {
            barrier.wait();
            let r = tm.wait_for(OwnerId(me), theirs, &quick());
            // The victim rolls back; the survivor commits after its wait.
            match &r {
                Err(_) => tm.abort(mine, &[]).unwrap(),
                Ok(()) => tm.commit(mine, &[]).unwrap(),
            }
            r
        }));
    }
    let rs: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    let errs: Vec<_> = rs.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errs.len(), 1, "{rs:?}");
    let StorageError::DeadlockDetected { detail } = errs[0] else {
        panic!("{:?}", errs[0]);
    };
    assert!(detail.starts_with("Process "), "{detail}");
    assert!(
        detail.contains("waits for ShareLock on transaction")
            && detail.contains("; blocked by process"),
        "{detail}"
    );
    let statuses = [tm.status(a).unwrap(), tm.status(b).unwrap()];
    assert!(statuses.contains(&XidStatus::Committed) && statuses.contains(&XidStatus::Aborted));
}

#[test]
fn wait_for_wakes_on_commit_and_abort() {
    let (_d, tm) = manager();
    for commit in [true, false] {
        let x = tm.assign_xid(OwnerId(1)).unwrap();
        let tm2 = tm.clone();
        let h = thread::spawn(move || {
            let t0 = Instant::now();
            tm2.wait_for(OwnerId(2), x, &LockWait::default()).unwrap();
            (t0.elapsed(), tm2.status(x).unwrap())
        });
        thread::sleep(Duration::from_millis(100));
        if commit {
            tm.commit(x, &[]).unwrap();
        } else {
            tm.abort(x, &[]).unwrap();
        }
        let (waited, status) = h.join().unwrap();
        assert!(waited >= Duration::from_millis(90), "{waited:?}");
        let want = if commit {
            XidStatus::Committed
        } else {
            XidStatus::Aborted
        };
        assert_eq!(status, want);
    }
    // Not running: returns at once.
    tm.wait_for(OwnerId(2), Xid(3), &LockWait::nowait())
        .unwrap();
}

#[test]
fn wait_for_timeout_and_released_subxact() {
    let (_d, tm) = manager();
    let mut s = TransactionState::new(OwnerId(1));
    s.begin().unwrap();
    let top = s.assign_xid(&tm).unwrap();
    s.begin_subxact().unwrap();
    let sub = s.assign_xid(&tm).unwrap();
    assert!(sub > top);
    s.release_subxact().unwrap();
    // A released subtransaction is still running, and waiting for it waits
    // for the top level.
    assert_eq!(tm.status(sub).unwrap(), XidStatus::InProgress);
    let w = LockWait {
        lock_timeout: Some(Duration::from_millis(50)),
        ..Default::default()
    };
    assert!(matches!(
        tm.wait_for(OwnerId(2), sub, &w),
        Err(StorageError::LockTimeout)
    ));
    assert!(matches!(
        tm.wait_for(OwnerId(2), top, &LockWait::nowait()),
        Err(StorageError::LockNotAvailable(_))
    ));
    s.commit(&tm).unwrap();
    assert_eq!(tm.status(sub).unwrap(), XidStatus::Committed);
    tm.wait_for(OwnerId(2), sub, &LockWait::nowait()).unwrap();
    assert!(tm.locks().holders(LockTag::Transaction(top)).is_empty());
    assert!(tm.locks().holders(LockTag::Transaction(sub)).is_empty());
}

#[test]
fn snapshots_and_oldest_xmin() {
    let (_d, tm) = manager();
    let a = tm.assign_xid(OwnerId(1)).unwrap();
    let b = tm.assign_xid(OwnerId(2)).unwrap();
    let s = tm.snapshot();
    assert_eq!((s.xmin, s.xmax, s.xip.clone()), (a, b.next(), vec![a, b]));
    assert!(s.xid_in_snapshot(a) && s.xid_in_snapshot(b.next()));
    assert!(!s.xid_in_snapshot(Xid(a.0 - 1)));

    let reg = tm.snapshot_registered();
    assert_eq!(reg.xmin, a);
    tm.commit(a, &[]).unwrap();
    tm.commit(b, &[]).unwrap();
    // Nothing runs, but the registered snapshot still holds the horizon.
    assert_eq!(tm.oldest_xmin(), a);
    let reg2 = reg.clone();
    drop(reg);
    assert_eq!(tm.oldest_xmin(), a);
    drop(reg2);
    assert_eq!(tm.oldest_xmin(), tm.next_xid());
    let c = tm.assign_xid(OwnerId(3)).unwrap();
    assert_eq!(tm.oldest_xmin(), c);
    let s = tm.snapshot();
    assert_eq!((s.xmin, s.xip.clone()), (c, vec![c]));
}

#[test]
fn subxact_rollback_and_own_xids() {
    let (_d, tm) = manager();
    let mut s = TransactionState::new(OwnerId(1));
    s.begin().unwrap();
    // A savepoint opened before the first write: the top gets its xid first.
    s.begin_subxact().unwrap();
    let sub1 = s.assign_xid(&tm).unwrap();
    let top = s.top_xid().unwrap();
    assert!(top < sub1);
    s.begin_subxact().unwrap();
    let sub2 = s.assign_xid(&tm).unwrap();
    s.release_subxact().unwrap(); // sub2 folds into sub1
    assert_eq!(s.own_xids().as_slice(), &[top, sub1, sub2]);
    s.rollback_subxact(&tm).unwrap(); // aborts sub1 and sub2
    assert_eq!(s.own_xids().as_slice(), &[top]);
    assert_eq!(tm.status(sub1).unwrap(), XidStatus::Aborted);
    assert_eq!(tm.status(sub2).unwrap(), XidStatus::Aborted);
    assert!(!tm.is_in_progress(sub2));
    assert_eq!(tm.snapshot().xip, vec![top]);
    s.commit(&tm).unwrap();
    assert_eq!(tm.status(top).unwrap(), XidStatus::Committed);
    assert_eq!(tm.status(sub1).unwrap(), XidStatus::Aborted);
    assert!(!s.in_transaction());
    // Read-only transactions consume no xid.
    let next = tm.next_xid();
    s.begin().unwrap();
    s.commit(&tm).unwrap();
    assert_eq!(tm.next_xid(), next);
}

#[test]
fn commit_survives_reopen_and_crashed_xids_are_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let (committed, crashed, aborted, next);
    {
        let tm = TransactionManager::open(dir.path(), Xid::FIRST_NORMAL).unwrap();
        committed = tm.assign_xid(OwnerId(1)).unwrap();
        let sub = tm.assign_subxid(committed).unwrap();
        crashed = tm.assign_xid(OwnerId(2)).unwrap();
        aborted = tm.assign_xid(OwnerId(3)).unwrap();
        tm.abort(aborted, &[]).unwrap();
        tm.commit(committed, &[sub]).unwrap();
        assert_eq!(tm.status(crashed).unwrap(), XidStatus::InProgress);
        next = tm.next_xid();
        // "crash": drop without committing `crashed` or flushing the abort.
    }
    let tm = TransactionManager::open(dir.path(), Xid::FIRST_NORMAL).unwrap();
    assert_eq!(tm.status(committed).unwrap(), XidStatus::Committed);
    assert_eq!(tm.status(committed.next()).unwrap(), XidStatus::Committed);
    assert_eq!(tm.status(crashed).unwrap(), XidStatus::Aborted);
    assert_eq!(tm.status(aborted).unwrap(), XidStatus::Aborted);
    // xids are never reused: the prefetch limit was persisted.
    assert!(tm.next_xid() >= next);
    let fresh = tm.assign_xid(OwnerId(1)).unwrap();
    assert!(fresh >= next);
    assert!(matches!(
        tm.status(Xid(fresh.0 + 10)),
        Err(StorageError::UnknownXid(_))
    ));
    // A larger caller-supplied next xid wins.
    drop(tm);
    let tm = TransactionManager::open(dir.path(), Xid(1_000_000)).unwrap();
    assert_eq!(tm.next_xid(), Xid(1_000_000));
}

#[test]
fn lock_modes_exclude_under_contention() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let lm = Arc::new(LockManager::new());
    // > 0: that many AccessShare holders inside; -1: one AccessExclusive.
    let inside = Arc::new(AtomicI64::new(0));
    let hs: Vec<_> = (0..4u64)
        .map(|t| {
            let lm = lm.clone();
            let inside = inside.clone();
            thread::spawn(move || {
                for i in 0..200u64 {
                    let excl = (i + t).is_multiple_of(5);
                    let mode = if excl {
                        LockMode::AccessExclusive
                    } else {
                        LockMode::AccessShare
                    };
                    lm.acquire(OwnerId(t), rel(1), mode, &LockWait::default())
                        .unwrap();
                    if excl {
                        assert_eq!(
                            inside.compare_exchange(0, -1, Ordering::SeqCst, Ordering::SeqCst),
                            Ok(0)
                        );
                        thread::yield_now();
                        inside.store(0, Ordering::SeqCst);
                    } else {
                        assert!(inside.fetch_add(1, Ordering::SeqCst) >= 0);
                        thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                    assert!(lm.release(OwnerId(t), rel(1), mode));
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert!(lm.holders(rel(1)).is_empty() && !lm.has_waiters(rel(1)));
}

#[test]
fn snapshots_are_consistent_under_concurrent_commits() {
    let (_d, tm) = manager();
    tm.set_sync_commit(false);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3u64)
        .map(|t| {
            let tm = tm.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let x = tm.assign_xid(OwnerId(t)).unwrap();
                    if i.is_multiple_of(3) {
                        tm.abort(x, &[]).unwrap();
                    } else {
                        tm.commit(x, &[]).unwrap();
                    }
                    i += 1;
                }
            })
        })
        .collect();
    // Every xid below xmax that the snapshot does not list as running must
    // have a final status by the time the snapshot is used.
    for _ in 0..300 {
        let s = tm.snapshot();
        for x in s.xmin.0..s.xmax.0 {
            if !s.xid_in_snapshot(Xid(x)) {
                let st = tm.status(Xid(x)).unwrap();
                assert!(
                    matches!(st, XidStatus::Committed | XidStatus::Aborted),
                    "{x}: {st:?}"
                );
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in writers {
        h.join().unwrap();
    }
}

#[test]
fn subxact_locks_released_on_rollback_to_and_at_end() {
    let (_d, tm) = manager();
    let o = OwnerId(1);
    let mut s = TransactionState::new(o);
    // A session-level advisory lock, outside the transaction machinery.
    let adv = LockTag::Advisory {
        db: Oid(5),
        key: 42,
    };
    tm.locks()
        .acquire(o, adv, LockMode::Exclusive, &LockWait::nowait())
        .unwrap();
    s.begin().unwrap();
    s.lock(&tm, rel(1), LockMode::AccessShare, &LockWait::nowait())
        .unwrap();
    s.begin_subxact().unwrap();
    s.lock(&tm, rel(2), LockMode::AccessExclusive, &LockWait::nowait())
        .unwrap();
    s.lock(&tm, rel(1), LockMode::AccessShare, &LockWait::nowait())
        .unwrap();
    s.rollback_subxact(&tm).unwrap();
    assert!(!tm.locks().holds(o, rel(2), LockMode::AccessExclusive));
    assert!(tm.locks().holds(o, rel(1), LockMode::AccessShare));
    s.begin_subxact().unwrap();
    s.lock(&tm, rel(3), LockMode::RowExclusive, &LockWait::nowait())
        .unwrap();
    s.release_subxact().unwrap();
    assert!(tm.locks().holds(o, rel(3), LockMode::RowExclusive));
    s.commit(&tm).unwrap();
    assert!(!tm.locks().holds(o, rel(1), LockMode::AccessShare));
    assert!(!tm.locks().holds(o, rel(3), LockMode::RowExclusive));
    assert!(tm.locks().holds(o, adv, LockMode::Exclusive));
}
