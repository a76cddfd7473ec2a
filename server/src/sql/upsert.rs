//! `INSERT ... ON CONFLICT` (PostgreSQL's speculative insertion in
//! `nodeModifyTable.c`).
//!
//! For each proposed row:
//!
//! ```text
//!   loop:
//!     look for a conflicting version in each arbiter index (a "dirty" look:
//!     committed and in-progress versions count)
//!       in progress by another transaction  → wait for it, loop
//!       found, DO NOTHING                    → skip the row
//!       found, DO UPDATE                     → lock it; if it changed
//!                                              meanwhile, loop (READ
//!                                              COMMITTED) or 40001; else
//!                                              check WHERE and update it
//!     none: insert the heap version, then its index entries
//!       an arbiter reports a duplicate       → a concurrent inserter won
//!                                              the race: kill our version
//!                                              (it was never visible to
//!                                              anyone) and loop
//! ```
//!
//! So no proposed row ever ends in a unique violation of an arbiter index:
//! it is inserted, skipped or turned into an update. A row this very
//! command inserted or updated cannot be updated again (21000), as in
//! PostgreSQL.

use storage::catalog::{IndexInfo, TableInfo};
use storage::datum::Datum;
use storage::error::StorageError;
use storage::heap::heapam::{ModifyResult, RowLockMode, Writer};
use storage::heap::htup::HeapTupleHeader;
use storage::heap::tuple::{deform_tuple, form_tuple};
use storage::heap::visibility::Liveness;
use storage::types::ItemPointer;

use super::bind::{ConflictAction, DoUpdate, OnConflict};
use super::exec::{ExecCtx, Row, insert_index_entries, unique_violation};
use crate::error::{SqlError, SqlResult};

/// What happened to one proposed row.
pub enum Upserted {
    /// Inserted as a new row.
    Inserted(Row),
    /// An existing row was updated to this.
    Updated(Row),
    /// Skipped (DO NOTHING, or DO UPDATE whose WHERE failed).
    Skipped,
}

/// What the arbiter indexes say about a proposed row.
enum Probe {
    /// No version with an equal key.
    Clear,
    /// A live version at this TID conflicts.
    Conflict(ItemPointer),
    /// A transaction is inserting or deleting a version with an equal key.
    Wait(storage::types::Xid),
}

/// Inserts `row` into `table` honouring `oc`.
pub fn upsert(
    table: &TableInfo,
    oc: &OnConflict,
    row: Row,
    w: &Writer<'_>,
    cx: &ExecCtx<'_>,
) -> SqlResult<Upserted> {
    let engine = cx.engine;
    let mut buf = Vec::new();
    loop {
        cx.check_cancel()?;
        match probe(table, &oc.arbiters, &row, w, cx)? {
            Probe::Wait(xid) => {
                engine.txns.wait_for(w.owner, xid, w.wait)?;
                continue;
            }
            Probe::Conflict(tid) => match &oc.action {
                ConflictAction::Nothing => return Ok(Upserted::Skipped),
                ConflictAction::Update(du) => match update_existing(table, tid, &row, du, w, cx)? {
                    Some(outcome) => return Ok(outcome),
                    None => continue,
                },
            },
            Probe::Clear => {}
        }
        form_tuple(&table.desc, &row, &mut buf)?;
        let tid = engine.heap.insert(table.locator, &mut buf, w.xid, w.cid)?;
        match insert_entries(table, &oc.arbiters, &row, tid, w, cx)? {
            true => return Ok(Upserted::Inserted(row)),
            false => {
                // A concurrent inserter of the same key committed first.
                engine.heap.abort_speculative(table.locator, tid, w.xid)?;
            }
        }
    }
}

/// Inserts the index entries of the new version `tid`; false if an
/// arbiter index already held the key (other indexes' violations are
/// errors).
fn insert_entries(
    table: &TableInfo,
    arbiters: &[std::sync::Arc<IndexInfo>],
    row: &[Datum],
    tid: ItemPointer,
    w: &Writer<'_>,
    cx: &ExecCtx<'_>,
) -> SqlResult<bool> {
    for index in &table.indexes {
        match storage::indexing::insert_index_entry(cx.engine, table, index, row, tid, w) {
            Ok(()) => {}
            Err(StorageError::UniqueViolation { .. })
                if arbiters.iter().any(|a| a.oid == index.oid) =>
            {
                return Ok(false);
            }
            Err(e) => return Err(unique_violation(e, table, index, &cx.env.output)),
        }
    }
    Ok(true)
}

/// Looks for a version whose key equals `row`'s in an arbiter index.
fn probe(
    table: &TableInfo,
    arbiters: &[std::sync::Arc<IndexInfo>],
    row: &[Datum],
    w: &Writer<'_>,
    cx: &ExecCtx<'_>,
) -> SqlResult<Probe> {
    let engine = cx.engine;
    for index in arbiters {
        let key = storage::indexing::index_key(index, row);
        if key.iter().any(|d| matches!(d, Datum::Null)) {
            continue;
        }
        let mut scan = engine.btree.scan(
            index.locator,
            &index.key,
            std::ops::Bound::Included(key.clone()),
            std::ops::Bound::Included(key),
            storage::nbtree::ScanDirection::Forward,
        )?;
        while let Some((tid, _)) = scan.next()? {
            match engine.heap.tuple_liveness(table.locator, tid, w.own)? {
                Liveness::Dead => {}
                Liveness::Live => return Ok(Probe::Conflict(tid)),
                Liveness::InProgress(xid) => return Ok(Probe::Wait(xid)),
            }
        }
    }
    Ok(Probe::Clear)
}

/// DO UPDATE of the conflicting version `tid`; `None` if it changed
/// concurrently and the caller must look again.
fn update_existing(
    table: &TableInfo,
    tid: ItemPointer,
    proposed: &[Datum],
    du: &DoUpdate,
    w: &Writer<'_>,
    cx: &ExecCtx<'_>,
) -> SqlResult<Option<Upserted>> {
    let engine = cx.engine;
    // A version this very command wrote (inserted, or updated to) cannot
    // be locked: it is invisible to the command. That is the 21000 case.
    if let Some(tuple) = engine.heap.fetch_any(table.locator, tid)? {
        let header = HeapTupleHeader(&tuple);
        if w.own.contains(header.xmin()) && header.cmin() == w.cid {
            return Err(second_time());
        }
    }
    match engine
        .heap
        .lock_tuple(table.locator, tid, w, RowLockMode::Exclusive)?
    {
        ModifyResult::Ok => {}
        ModifyResult::SelfModified => return Err(second_time()),
        ModifyResult::Updated(_) | ModifyResult::Deleted if cx.serializable_conflicts => {
            return Err(SqlError::new(
                "40001",
                "could not serialize access due to concurrent update",
            ));
        }
        ModifyResult::Updated(_) | ModifyResult::Deleted => return Ok(None),
    }
    let Some(tuple) = engine.heap.fetch_any(table.locator, tid)? else {
        return Ok(None);
    };
    let mut combined = Vec::with_capacity(2 * table.columns.len());
    deform_tuple(&table.desc, &tuple, &mut combined)?;
    combined.extend_from_slice(proposed);
    let ecx = cx.eval_ctx(&[]);
    if let Some(f) = &du.filter
        && !f.eval_qual(&combined, &ecx)?
    {
        return Ok(Some(Upserted::Skipped));
    }
    let mut new_row: Row = combined[..table.columns.len()].to_vec();
    for (idx, e) in &du.assignments {
        new_row[*idx] = e.eval(&combined, &ecx)?;
    }
    du.checks
        .prepare(table, &mut new_row, &ecx, &cx.env.output)?;
    let mut buf = Vec::new();
    form_tuple(&table.desc, &new_row, &mut buf)?;
    let (outcome, new_tid) = engine.heap.update(table.locator, tid, &mut buf, w)?;
    match (outcome, new_tid) {
        (ModifyResult::Ok, Some(new_tid)) => {
            insert_index_entries(engine, table, &new_row, new_tid, w, &cx.env.output)?;
            Ok(Some(Upserted::Updated(new_row)))
        }
        _ => Ok(None),
    }
}

fn second_time() -> SqlError {
    SqlError::new(
        "21000",
        "ON CONFLICT DO UPDATE command cannot affect row a second time",
    )
    .with_hint(
        "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
    )
}
