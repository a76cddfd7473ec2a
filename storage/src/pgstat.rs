//! Per-table activity counters in shared memory (PostgreSQL's
//! `pgstat_relation.c`): what `pg_stat_user_tables` shows and what
//! autovacuum decides by.
//!
//! # How counts arrive
//!
//! 1. The heap reports each insert, update and delete with the xid that
//!    made it ([`PgStat::count`]); the counts wait, per xid, until the
//!    transaction ends.
//! 2. At commit ([`crate::txn::TransactionManager::commit`]) the pending
//!    counts of the xid and its subtransactions are applied as committed; at
//!    abort (top-level or ROLLBACK TO SAVEPOINT), as aborted.
//! 3. Committed: `n_tup_*` grow; inserts add live tuples, deletes move live
//!    to dead, updates add one dead version each. Aborted: `n_tup_*` grow
//!    too (PostgreSQL counts attempted changes), and so does
//!    `n_ins_since_vacuum`; every version the transaction inserted is dead,
//!    and nothing counts as a change since ANALYZE.
//! 4. VACUUM sets `n_dead_tup` to what it could not remove and `n_live_tup`
//!    to its estimate, and resets the inserts-since-vacuum counter; ANALYZE
//!    sets `n_live_tup` and resets the changes-since-analyze counter.
//!
//! Counters are keyed by relation file, so a TRUNCATE (a new relfilenode)
//! starts a table's counters afresh. They live in memory only: a restart
//! starts from zero (PostgreSQL keeps them across a clean shutdown).

use std::collections::HashMap;
use std::time::SystemTime;

use parking_lot::Mutex;

use crate::types::{RelFileLocator, Xid};

/// Which change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new row (INSERT, COPY).
    Insert,
    /// A new version of a row (UPDATE).
    Update,
    /// A row deleted.
    Delete,
}

#[derive(Clone, Copy, Debug, Default)]
struct Pending {
    ins: u64,
    upd: u64,
    del: u64,
}

/// One table's counters (`pg_stat_user_tables` columns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableStats {
    /// `n_tup_ins`
    pub n_tup_ins: u64,
    /// `n_tup_upd`
    pub n_tup_upd: u64,
    /// `n_tup_del`
    pub n_tup_del: u64,
    /// `n_live_tup`
    pub n_live_tup: i64,
    /// `n_dead_tup`
    pub n_dead_tup: i64,
    /// `n_mod_since_analyze`
    pub n_mod_since_analyze: u64,
    /// `n_ins_since_vacuum`
    pub n_ins_since_vacuum: u64,
    /// `last_vacuum`
    pub last_vacuum: Option<SystemTime>,
    /// `last_autovacuum`
    pub last_autovacuum: Option<SystemTime>,
    /// `last_analyze`
    pub last_analyze: Option<SystemTime>,
    /// `last_autoanalyze`
    pub last_autoanalyze: Option<SystemTime>,
    /// `vacuum_count`
    pub vacuum_count: u64,
    /// `autovacuum_count`
    pub autovacuum_count: u64,
    /// `analyze_count`
    pub analyze_count: u64,
    /// `autoanalyze_count`
    pub autoanalyze_count: u64,
}

/// The counters of every table, and the pending counts of running xids.
#[derive(Default)]
pub struct PgStat {
    tables: Mutex<HashMap<RelFileLocator, TableStats>>,
    pending: Mutex<HashMap<Xid, HashMap<RelFileLocator, Pending>>>,
}

impl PgStat {
    /// Notes `n` changes of `kind` to `rel` by `xid` (rule 1).
    pub fn count(&self, xid: Xid, rel: RelFileLocator, kind: Change, n: u64) {
        let mut p = self.pending.lock();
        let e = p.entry(xid).or_default().entry(rel).or_default();
        match kind {
            Change::Insert => e.ins += n,
            Change::Update => e.upd += n,
            Change::Delete => e.del += n,
        }
    }

    /// Applies the pending counts of `xids` as committed or aborted (rules
    /// 2 and 3).
    pub fn end_of_xact(&self, xids: &[Xid], committed: bool) {
        let mut all = Vec::new();
        {
            let mut p = self.pending.lock();
            for x in xids {
                if let Some(m) = p.remove(x) {
                    all.push(m);
                }
            }
        }
        if all.is_empty() {
            return;
        }
        let mut t = self.tables.lock();
        for m in all {
            for (rel, c) in m {
                let s = t.entry(rel).or_default();
                s.n_tup_ins += c.ins;
                s.n_tup_upd += c.upd;
                s.n_tup_del += c.del;
                s.n_ins_since_vacuum += c.ins;
                if committed {
                    s.n_live_tup += c.ins as i64 - c.del as i64;
                    s.n_dead_tup += (c.upd + c.del) as i64;
                    s.n_mod_since_analyze += c.ins + c.upd + c.del;
                } else {
                    s.n_dead_tup += (c.ins + c.upd) as i64;
                }
            }
        }
    }

    /// After a VACUUM of `rel` (rule 4).
    pub fn report_vacuum(&self, rel: RelFileLocator, live: i64, dead: i64, auto: bool) {
        let mut t = self.tables.lock();
        let s = t.entry(rel).or_default();
        s.n_live_tup = live;
        s.n_dead_tup = dead;
        s.n_ins_since_vacuum = 0;
        if auto {
            s.last_autovacuum = Some(SystemTime::now());
            s.autovacuum_count += 1;
        } else {
            s.last_vacuum = Some(SystemTime::now());
            s.vacuum_count += 1;
        }
    }

    /// After an ANALYZE of `rel` (rule 4).
    pub fn report_analyze(&self, rel: RelFileLocator, live: i64, auto: bool) {
        let mut t = self.tables.lock();
        let s = t.entry(rel).or_default();
        s.n_live_tup = live;
        s.n_mod_since_analyze = 0;
        if auto {
            s.last_autoanalyze = Some(SystemTime::now());
            s.autoanalyze_count += 1;
        } else {
            s.last_analyze = Some(SystemTime::now());
            s.analyze_count += 1;
        }
    }

    /// The counters of `rel` (zero if it never changed).
    pub fn table(&self, rel: RelFileLocator) -> TableStats {
        self.tables.lock().get(&rel).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Oid;

    #[test]
    fn counts_are_transactional() {
        let s = PgStat::default();
        let r = RelFileLocator {
            db_oid: Oid(5),
            rel_number: Oid(16384),
        };
        s.count(Xid(10), r, Change::Insert, 100);
        assert_eq!(s.table(r), TableStats::default(), "nothing before commit");
        s.end_of_xact(&[Xid(10)], true);
        s.count(Xid(11), r, Change::Update, 5);
        s.count(Xid(12), r, Change::Delete, 10);
        s.count(Xid(13), r, Change::Insert, 7);
        s.end_of_xact(&[Xid(11), Xid(12)], true);
        s.end_of_xact(&[Xid(13)], false);
        let t = s.table(r);
        assert_eq!((t.n_tup_ins, t.n_tup_upd, t.n_tup_del), (107, 5, 10));
        assert_eq!(t.n_live_tup, 90);
        assert_eq!(t.n_dead_tup, 5 + 10 + 7);
        s.report_vacuum(r, 90, 0, true);
        let t = s.table(r);
        assert_eq!((t.n_dead_tup, t.autovacuum_count), (0, 1));
    }
}
