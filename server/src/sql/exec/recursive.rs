//! RecursiveUnion and WorkTable: WITH RECURSIVE (see `sql::bind::cte`).
//!
//! ```text
//!   emit base rows                 ─┐ each emitted row also goes to `next`
//!   loop:                           │ (UNION: only rows never seen before)
//!     worktable slot := next        │
//!     run the recursive term once  ─┘ (it reads the slot via WorkTable)
//!     stop when it added no row
//! ```
//!
//! The base term streams. Each round of the recursive term is run to
//! completion and its rows are then handed out one by one, so a parent
//! that stops pulling (`LIMIT`) stops the recursion: an endless
//! `UNION ALL` recursion under a LIMIT ends, and one without a LIMIT runs
//! until cancelled or `statement_timeout` (each round checks). The slot is
//! the statement's subplan cache entry for the worktable id; a round sets
//! it right before running, so two instances of the same CTE (a
//! self-join) cannot see each other's rounds.

use std::collections::{HashSet, VecDeque};

use storage::datum::Datum;

use super::{ExecCtx, Iter, Row, RowIter, open};
use crate::error::SqlResult;
use crate::sql::compare::GroupKey;
use crate::sql::plan::Plan;

pub(super) struct RecursiveUnionIter<'a> {
    pub(super) base: Option<Iter<'a>>,
    pub(super) recursive: &'a Plan,
    pub(super) all: bool,
    pub(super) worktable: usize,
    pub(super) seen: HashSet<GroupKey>,
    pub(super) next: Vec<Row>,
    pub(super) pending: VecDeque<Row>,
}

impl RecursiveUnionIter<'_> {
    /// Keeps `row` if UNION ALL or not seen before; records it for the
    /// next round.
    fn admit(&mut self, row: Row) -> Option<Row> {
        if !self.all && !self.seen.insert(GroupKey(row.clone())) {
            return None;
        }
        self.next.push(row.clone());
        Some(row)
    }
}

impl RowIter for RecursiveUnionIter<'_> {
    fn next(&mut self, cx: &ExecCtx<'_>, outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        loop {
            if let Some(base) = self.base.as_mut() {
                match base.next(cx, outer)? {
                    Some(row) => {
                        if let Some(r) = self.admit(row) {
                            return Ok(Some(r));
                        }
                        continue;
                    }
                    None => self.base = None,
                }
            }
            if let Some(row) = self.pending.pop_front() {
                return Ok(Some(row));
            }
            if self.next.is_empty() {
                return Ok(None);
            }
            cx.check_cancel()?;
            let work = std::mem::take(&mut self.next);
            cx.subplan_cache.borrow_mut().insert(self.worktable, work);
            let mut produced = Vec::new();
            {
                let mut it = open(self.recursive, cx)?;
                while let Some(r) = it.next(cx, outer)? {
                    produced.push(r);
                }
            }
            for row in produced {
                if let Some(r) = self.admit(row) {
                    self.pending.push_back(r);
                }
            }
        }
    }
}

pub(super) struct WorkTableIter {
    pub(super) rows: Option<VecDeque<Row>>,
    pub(super) worktable: usize,
}

impl RowIter for WorkTableIter {
    fn next(&mut self, cx: &ExecCtx<'_>, _outer: &[&[Datum]]) -> SqlResult<Option<Row>> {
        if self.rows.is_none() {
            let rows = cx
                .subplan_cache
                .borrow()
                .get(&self.worktable)
                .cloned()
                .unwrap_or_default();
            self.rows = Some(rows.into());
        }
        Ok(self.rows.as_mut().and_then(VecDeque::pop_front))
    }
}
