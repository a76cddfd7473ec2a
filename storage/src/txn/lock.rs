//! The heavyweight lock manager (PostgreSQL's `lock.c`, `proc.c` and
//! `deadlock.c` in one small file).
//!
//! # What it locks
//!
//! A [`LockTag`] names the object: a relation, a transaction id (every
//! transaction holds `Exclusive` on its own xid from assignment to end, and a
//! row waiter takes `Share` on it, so row waits go through here and deadlock
//! detection sees them), a tuple (taken while queueing for a row lock, as in
//! `heap_lock_tuple`), or an advisory key. Owners are sessions ([`OwnerId`]):
//! whether a lock is released at transaction end or at session end is the
//! caller's concern ([`LockManager::release_all`] at transaction end).
//!
//! # Modes and the conflict matrix
//!
//! PostgreSQL's eight table lock modes and its conflict table (`X` =
//! conflicts):
//!
//! ```text
//! held \ requested           AS   RS   RX   SUX  S    SRX  X    AX
//! AccessShare (AS)           .    .    .    .    .    .    .    X
//! RowShare (RS)              .    .    .    .    .    .    X    X
//! RowExclusive (RX)          .    .    .    .    X    X    X    X
//! ShareUpdateExclusive (SUX) .    .    .    X    X    X    X    X
//! Share (S)                  .    .    X    X    .    X    X    X
//! ShareRowExclusive (SRX)    .    .    X    X    X    X    X    X
//! Exclusive (X)              .    X    X    X    X    X    X    X
//! AccessExclusive (AX)       X    X    X    X    X    X    X    X
//! ```
//!
//! The matrix is symmetric; [`LockMode::conflicts_with`] encodes it and a
//! test compares it with PostgreSQL's documented table.
//!
//! # Rules
//!
//! 1. Re-entrant: an owner that already holds a mode takes it again by bumping
//!    a count; an owner's own holdings never conflict with its new request.
//! 2. FIFO: a request that conflicts with a mode *held by another owner*, or
//!    with an *earlier waiter's* requested mode, waits. That keeps a stream of
//!    `AccessShare` requests from starving an `AccessExclusive` waiter.
//!    Exception (as PostgreSQL's `ProcSleep`): if the requester already holds
//!    a mode on the lock that conflicts with an earlier waiter's request, that
//!    waiter is waiting for us anyway, so we do not queue behind it.
//! 3. A waiter sleeps on a condition variable in a timed loop (at most
//!    [`POLL_INTERVAL`] per sleep) so that the cancel flag, `lock_timeout`,
//!    the statement deadline and `deadlock_timeout` are all noticed promptly.
//! 4. Deadlock detection runs once per wait, after `deadlock_timeout`
//!    (PostgreSQL's `CheckDeadLock`): it builds the wait-for graph (waiter ->
//!    holders of conflicting modes, and -> earlier waiters requesting
//!    conflicting modes) and if the waiter is on a cycle it leaves the queue
//!    and fails with `40P01`, with a DETAIL naming each edge of the cycle the
//!    way PostgreSQL does. The last member to close a cycle is the one whose
//!    check finds it, and the check runs under the manager's mutex, so only
//!    one member of a cycle is chosen as the victim. Unlike PostgreSQL we do
//!    not try to resolve "soft" cycles by reordering the wait queue.
//! 5. Failures: `nowait` -> `LockNotAvailable` (55P03), `lock_timeout` ->
//!    `LockTimeout` (55P03), cancel flag -> `QueryCanceled` (57014),
//!    statement deadline -> `StatementTimeout` (57014).
//!
//! # Not done (yet)
//!
//! One mutex and one condition variable for the whole table (PostgreSQL
//! partitions the lock table and has a fast path for weak relation locks);
//! every release wakes every waiter, which re-checks its own lock. No
//! `pg_locks` view beyond [`LockManager::holders`].

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::error::{Result, StorageError};
use crate::types::{ItemPointer, Oid, Xid};

/// The longest a waiter sleeps before re-checking cancel and timeouts.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// PostgreSQL's default `deadlock_timeout`.
pub const DEFAULT_DEADLOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// Who holds or waits for a lock: a session (backend) id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OwnerId(pub u64);

impl fmt::Display for OwnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// PostgreSQL's eight lock modes, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    /// SELECT.
    AccessShare = 1,
    /// SELECT FOR UPDATE/SHARE.
    RowShare = 2,
    /// INSERT, UPDATE, DELETE.
    RowExclusive = 3,
    /// VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY.
    ShareUpdateExclusive = 4,
    /// CREATE INDEX; waiting for a transaction.
    Share = 5,
    /// CREATE TRIGGER, some ALTER TABLE.
    ShareRowExclusive = 6,
    /// REFRESH MATERIALIZED VIEW CONCURRENTLY; held on one's own xid.
    Exclusive = 7,
    /// DROP, TRUNCATE, most ALTER TABLE, LOCK TABLE default.
    AccessExclusive = 8,
}

impl LockMode {
    /// All modes, weakest first.
    pub const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The set of modes this mode conflicts with, as a bit mask over
    /// `1 << mode` (PostgreSQL's `LockConflicts[]`).
    fn conflict_mask(self) -> u16 {
        use LockMode::*;
        let b = |ms: &[LockMode]| ms.iter().fold(0u16, |m, x| m | x.bit());
        match self {
            AccessShare => b(&[AccessExclusive]),
            RowShare => b(&[Exclusive, AccessExclusive]),
            RowExclusive => b(&[Share, ShareRowExclusive, Exclusive, AccessExclusive]),
            ShareUpdateExclusive => b(&[
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            Share => b(&[
                RowExclusive,
                ShareUpdateExclusive,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            ShareRowExclusive => b(&[
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            Exclusive => b(&[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ]),
            AccessExclusive => b(&LockMode::ALL),
        }
    }

    /// True if a holder of `self` blocks a request for `other` (and vice
    /// versa: the table is symmetric).
    pub fn conflicts_with(self, other: LockMode) -> bool {
        self.conflict_mask() & other.bit() != 0
    }

    /// PostgreSQL's name, as shown in `pg_locks.mode` and error details.
    pub fn name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is locked (PostgreSQL's LOCKTAG).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockTag {
    /// A table, index or other relation.
    Relation {
        /// The database.
        db: Oid,
        /// The relation's OID.
        rel: Oid,
    },
    /// A transaction (top-level or sub-): held Exclusive by its owner.
    Transaction(Xid),
    /// One row version, while queueing for a row lock.
    Tuple {
        /// The database.
        db: Oid,
        /// The relation.
        rel: Oid,
        /// The row version's address.
        tid: ItemPointer,
    },
    /// `pg_advisory_lock(key)`.
    Advisory {
        /// The database.
        db: Oid,
        /// The user's key.
        key: i64,
    },
}

impl fmt::Display for LockTag {
    /// The object as PostgreSQL describes it in a deadlock DETAIL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockTag::Relation { db, rel } => write!(f, "relation {rel} of database {db}"),
            LockTag::Transaction(xid) => write!(f, "transaction {xid}"),
            LockTag::Tuple { db, rel, tid } => {
                write!(f, "tuple {tid} of relation {rel} of database {db}")
            }
            LockTag::Advisory { db, key } => {
                let hi = (*key as u64) >> 32;
                let lo = (*key as u64) & 0xFFFF_FFFF;
                write!(f, "advisory lock [{db},{hi},{lo},1]")
            }
        }
    }
}

/// How to wait for a lock.
#[derive(Clone, Debug)]
pub struct LockWait {
    /// Fail at once with `LockNotAvailable` instead of waiting (NOWAIT).
    pub nowait: bool,
    /// `lock_timeout`: give up with `LockTimeout` after this long.
    pub lock_timeout: Option<Duration>,
    /// `deadlock_timeout`: how long to wait before checking for a deadlock.
    pub deadlock_timeout: Duration,
    /// Set by a cancel request; checked at least every [`POLL_INTERVAL`].
    pub cancel: Option<Arc<AtomicBool>>,
    /// When `statement_timeout` expires; waiting past it fails with
    /// `StatementTimeout`.
    pub statement_deadline: Option<Instant>,
}

impl Default for LockWait {
    fn default() -> Self {
        LockWait {
            nowait: false,
            lock_timeout: None,
            deadlock_timeout: DEFAULT_DEADLOCK_TIMEOUT,
            cancel: None,
            statement_deadline: None,
        }
    }
}

impl LockWait {
    /// Never wait.
    pub fn nowait() -> Self {
        LockWait {
            nowait: true,
            ..Default::default()
        }
    }
}

/// One owner's holdings on one lock: a count per mode (re-entrancy).
#[derive(Default)]
struct Holding {
    counts: [u32; 9],
    /// Bit `1 << mode` set for each mode with a non-zero count.
    mask: u16,
}

struct Waiter {
    owner: OwnerId,
    mode: LockMode,
    seq: u64,
}

#[derive(Default)]
struct LockState {
    holders: HashMap<OwnerId, Holding>,
    waiters: VecDeque<Waiter>,
}

impl LockState {
    /// Can `owner` be granted `mode` now, standing at queue position `pos`
    /// (`waiters.len()` for a new request)?
    fn grantable(&self, owner: OwnerId, mode: LockMode, pos: usize) -> bool {
        let mine = self.holders.get(&owner).map_or(0, |h| h.mask);
        let conflicts = mode.conflict_mask();
        for (o, h) in &self.holders {
            if *o != owner && h.mask & conflicts != 0 {
                return false;
            }
        }
        for w in self.waiters.iter().take(pos) {
            if w.owner != owner && w.mode.conflicts_with(mode) && mine & w.mode.conflict_mask() == 0
            {
                return false;
            }
        }
        true
    }

    /// The owners `owner` (waiting for `mode` at `pos`) waits on.
    fn blockers(&self, owner: OwnerId, mode: LockMode, pos: usize) -> Vec<OwnerId> {
        let mine = self.holders.get(&owner).map_or(0, |h| h.mask);
        let mut out: Vec<OwnerId> = self
            .holders
            .iter()
            .filter(|(o, h)| **o != owner && h.mask & mode.conflict_mask() != 0)
            .map(|(o, _)| *o)
            .collect();
        out.sort();
        for w in self.waiters.iter().take(pos) {
            if w.owner != owner
                && w.mode.conflicts_with(mode)
                && mine & w.mode.conflict_mask() == 0
                && !out.contains(&w.owner)
            {
                out.push(w.owner);
            }
        }
        out
    }

    fn grant(&mut self, owner: OwnerId, mode: LockMode) {
        let h = self.holders.entry(owner).or_default();
        h.counts[mode as usize] += 1;
        h.mask |= mode.bit();
    }
}

#[derive(Default)]
struct Table {
    locks: HashMap<LockTag, LockState>,
    /// Which locks each owner holds, for `release_all`.
    by_owner: HashMap<OwnerId, HashSet<LockTag>>,
    /// What each waiting owner waits for: (tag, mode, queue sequence number).
    waiting: HashMap<OwnerId, (LockTag, LockMode, u64)>,
    next_seq: u64,
}

impl Table {
    fn position(&self, tag: &LockTag, seq: u64) -> Option<usize> {
        self.locks
            .get(tag)
            .and_then(|l| l.waiters.iter().position(|w| w.seq == seq))
    }

    fn dequeue(&mut self, owner: OwnerId, tag: &LockTag, seq: u64) {
        self.waiting.remove(&owner);
        if let Some(l) = self.locks.get_mut(tag) {
            l.waiters.retain(|w| w.seq != seq);
            if l.holders.is_empty() && l.waiters.is_empty() {
                self.locks.remove(tag);
            }
        }
    }

    fn grant(&mut self, owner: OwnerId, tag: LockTag, mode: LockMode) {
        self.locks.entry(tag).or_default().grant(owner, mode);
        self.by_owner.entry(owner).or_default().insert(tag);
    }

    /// The owners `owner` currently waits on (empty if it is not waiting).
    fn edges(&self, owner: OwnerId) -> Vec<OwnerId> {
        let Some((tag, mode, seq)) = self.waiting.get(&owner) else {
            return Vec::new();
        };
        let Some(l) = self.locks.get(tag) else {
            return Vec::new();
        };
        let pos = l
            .waiters
            .iter()
            .position(|w| w.seq == *seq)
            .unwrap_or(l.waiters.len());
        l.blockers(owner, *mode, pos)
    }

    /// A cycle through `start` in the wait-for graph, as the list of owners
    /// along it (starting with `start`), or None.
    fn find_cycle(&self, start: OwnerId) -> Option<Vec<OwnerId>> {
        let mut path = vec![start];
        let mut visited = HashSet::new();
        if self.dfs(start, start, &mut path, &mut visited) {
            Some(path)
        } else {
            None
        }
    }

    fn dfs(
        &self,
        start: OwnerId,
        at: OwnerId,
        path: &mut Vec<OwnerId>,
        visited: &mut HashSet<OwnerId>,
    ) -> bool {
        for next in self.edges(at) {
            if next == start {
                return true;
            }
            if visited.insert(next) {
                path.push(next);
                if self.dfs(start, next, path, visited) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }

    /// PostgreSQL-style DETAIL for a cycle: one line per edge.
    fn describe_cycle(&self, cycle: &[OwnerId]) -> String {
        let mut lines = Vec::with_capacity(cycle.len());
        for (i, o) in cycle.iter().enumerate() {
            let next = cycle[(i + 1) % cycle.len()];
            if let Some((tag, mode, _)) = self.waiting.get(o) {
                lines.push(format!(
                    "Process {o} waits for {mode} on {tag}; blocked by process {next}."
                ));
            }
        }
        lines.join("\n")
    }
}

/// The lock table. Shared by all sessions (put it in an `Arc`, or use the one
/// inside the transaction manager).
pub struct LockManager {
    table: Mutex<Table>,
    wakeup: Condvar,
}

impl Default for LockManager {
    fn default() -> Self {
        Self::new()
    }
}

impl LockManager {
    /// An empty lock table.
    pub fn new() -> Self {
        LockManager {
            table: Mutex::new(Table::default()),
            wakeup: Condvar::new(),
        }
    }

    /// Acquires `mode` on `tag` for `owner`, waiting as `wait` allows.
    ///
    /// Returns at once if the owner already holds `mode` (the count goes up;
    /// release it as many times). On failure nothing is held or queued.
    pub fn acquire(
        &self,
        owner: OwnerId,
        tag: LockTag,
        mode: LockMode,
        wait: &LockWait,
    ) -> Result<()> {
        let mut t = self.table.lock();
        // Re-entrant fast path.
        if let Some(l) = t.locks.get_mut(&tag)
            && let Some(h) = l.holders.get_mut(&owner)
            && h.counts[mode as usize] > 0
        {
            h.counts[mode as usize] += 1;
            return Ok(());
        }
        let grantable = t
            .locks
            .get(&tag)
            .is_none_or(|l| l.grantable(owner, mode, l.waiters.len()));
        if grantable {
            t.grant(owner, tag, mode);
            return Ok(());
        }
        if wait.nowait {
            return Err(StorageError::LockNotAvailable(tag.to_string()));
        }

        // Queue up.
        let seq = t.next_seq;
        t.next_seq += 1;
        t.locks
            .entry(tag)
            .or_default()
            .waiters
            .push_back(Waiter { owner, mode, seq });
        t.waiting.insert(owner, (tag, mode, seq));

        let start = Instant::now();
        let lock_deadline = wait.lock_timeout.map(|d| start + d);
        let deadlock_at = start + wait.deadlock_timeout;
        let mut deadlock_checked = false;
        loop {
            let Some(pos) = t.position(&tag, seq) else {
                t.waiting.remove(&owner);
                return Err(StorageError::Internal(format!(
                    "lock waiter for {tag} vanished from its queue"
                )));
            };
            let ok = t
                .locks
                .get(&tag)
                .is_some_and(|l| l.grantable(owner, mode, pos));
            if ok {
                t.dequeue(owner, &tag, seq);
                t.grant(owner, tag, mode);
                // Leaving the queue may let later waiters in.
                self.wakeup.notify_all();
                return Ok(());
            }

            let now = Instant::now();
            let failure = if wait
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                Some(StorageError::QueryCanceled)
            } else if wait.statement_deadline.is_some_and(|d| now >= d) {
                Some(StorageError::StatementTimeout)
            } else if lock_deadline.is_some_and(|d| now >= d) {
                Some(StorageError::LockTimeout)
            } else if !deadlock_checked && now >= deadlock_at {
                deadlock_checked = true;
                t.find_cycle(owner).map(|cycle| {
                    let detail = t.describe_cycle(&cycle);
                    tracing::debug!(%owner, %detail, "deadlock detected");
                    StorageError::DeadlockDetected { detail }
                })
            } else {
                None
            };
            if let Some(e) = failure {
                t.dequeue(owner, &tag, seq);
                self.wakeup.notify_all();
                return Err(e);
            }

            let mut until = now + POLL_INTERVAL;
            if !deadlock_checked {
                until = until.min(deadlock_at);
            }
            if let Some(d) = lock_deadline {
                until = until.min(d);
            }
            if let Some(d) = wait.statement_deadline {
                until = until.min(d);
            }
            self.wakeup.wait_until(&mut t, until);
        }
    }

    /// Releases one count of `mode` on `tag` held by `owner`. Releasing a lock
    /// not held is a no-op (returns false).
    pub fn release(&self, owner: OwnerId, tag: LockTag, mode: LockMode) -> bool {
        let mut t = self.table.lock();
        let Some(l) = t.locks.get_mut(&tag) else {
            return false;
        };
        let Entry::Occupied(mut he) = l.holders.entry(owner) else {
            return false;
        };
        let h = he.get_mut();
        if h.counts[mode as usize] == 0 {
            return false;
        }
        h.counts[mode as usize] -= 1;
        if h.counts[mode as usize] == 0 {
            h.mask &= !mode.bit();
        }
        let gone = h.mask == 0;
        if gone {
            he.remove();
        }
        let empty = l.holders.is_empty() && l.waiters.is_empty();
        if empty {
            t.locks.remove(&tag);
        }
        if gone && let Some(set) = t.by_owner.get_mut(&owner) {
            set.remove(&tag);
            if set.is_empty() {
                t.by_owner.remove(&owner);
            }
        }
        drop(t);
        self.wakeup.notify_all();
        true
    }

    /// Releases every lock `owner` holds, all counts (transaction end).
    pub fn release_all(&self, owner: OwnerId) {
        let mut t = self.table.lock();
        let Some(tags) = t.by_owner.remove(&owner) else {
            return;
        };
        for tag in tags {
            if let Some(l) = t.locks.get_mut(&tag) {
                l.holders.remove(&owner);
                if l.holders.is_empty() && l.waiters.is_empty() {
                    t.locks.remove(&tag);
                }
            }
        }
        drop(t);
        self.wakeup.notify_all();
    }

    /// Does `owner` hold `mode` on `tag`?
    pub fn holds(&self, owner: OwnerId, tag: LockTag, mode: LockMode) -> bool {
        let t = self.table.lock();
        t.locks
            .get(&tag)
            .and_then(|l| l.holders.get(&owner))
            .is_some_and(|h| h.counts[mode as usize] > 0)
    }

    /// The holders of `tag` and their modes, sorted (for `pg_locks` and tests).
    pub fn holders(&self, tag: LockTag) -> Vec<(OwnerId, LockMode)> {
        let t = self.table.lock();
        let mut out = Vec::new();
        if let Some(l) = t.locks.get(&tag) {
            for (o, h) in &l.holders {
                for m in LockMode::ALL {
                    if h.counts[m as usize] > 0 {
                        out.push((*o, m));
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Is anyone waiting for `tag`?
    pub fn has_waiters(&self, tag: LockTag) -> bool {
        let t = self.table.lock();
        t.locks.get(&tag).is_some_and(|l| !l.waiters.is_empty())
    }
}
