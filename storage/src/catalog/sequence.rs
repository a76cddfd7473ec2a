//! Sequences: `CREATE SEQUENCE`, `nextval`, `currval`'s source, `setval`.
//!
//! A sequence is a relation (`relkind = 'S'`) whose file holds one page
//! with one tuple `(last_value int8, log_cnt int8, is_called bool)`, and a
//! `pg_sequence` row with its parameters. As in PostgreSQL, `nextval` is
//! not transactional: a value handed out is never handed out again, even
//! if the transaction that took it rolls back.
//!
//! Durability without reusing values after a crash: values are reserved in
//! the WAL ahead of use, as PostgreSQL does. The page's `last_value` is the
//! highest value that may have been handed out ("logged"); when `nextval`
//! needs a value beyond it, it sets `last_value = next + 32 × increment` on
//! the page, logs the page through the SEQUENCE resource manager
//! ([`super::sequence_xlog`]) and flushes that record before returning the
//! value. After a crash replay restores the logged value and the sequence
//! resumes after it, skipping at most 32 values; none is repeated. The
//! in-memory state holds the value really handed out. The page itself
//! reaches disk lazily, like any other page.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::defs::{PG_ATTRIBUTE, PG_CLASS, PG_DEPEND, PG_SEQUENCE};
use super::{Catalog, ColumnInfo, PendingFiles, TableInfo, oid, sequence_xlog};
use crate::datum::{Datum, SqlType, TypeOid};
use crate::error::{Result, StorageError};
use crate::heap::heapam::Writer;
use crate::heap::htup::{HEAP_XMIN_FROZEN, HeapTupleHeaderMut};
use crate::heap::tuple::{TupleDesc, deform_tuple, form_tuple};
use crate::page;
use crate::txn::Snapshot;
use crate::types::{ForkNumber, ItemPointer, OffsetNumber, Oid, RelFileLocator, Xid};

/// Values reserved on disk ahead of use.
const SEQ_LOG_VALS: i64 = 32;

/// A sequence's parameters (`pg_sequence`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequenceDef {
    /// `seqtypid`: int2, int4 or int8.
    pub typ: TypeOid,
    /// START
    pub start: i64,
    /// INCREMENT
    pub increment: i64,
    /// MAXVALUE
    pub max: i64,
    /// MINVALUE
    pub min: i64,
    /// CACHE
    pub cache: i64,
    /// CYCLE
    pub cycle: bool,
}

/// Why a sequence definition is invalid (22023 in PostgreSQL).
pub fn validate(def: &SequenceDef) -> std::result::Result<(), String> {
    if def.increment == 0 {
        return Err("INCREMENT must not be zero".into());
    }
    if def.min >= def.max {
        return Err(format!(
            "MINVALUE ({}) must be less than MAXVALUE ({})",
            def.min, def.max
        ));
    }
    if def.start < def.min {
        return Err(format!(
            "START value ({}) cannot be less than MINVALUE ({})",
            def.start, def.min
        ));
    }
    if def.start > def.max {
        return Err(format!(
            "START value ({}) cannot be greater than MAXVALUE ({})",
            def.start, def.max
        ));
    }
    if def.cache < 1 {
        return Err(format!("CACHE ({}) must be greater than zero", def.cache));
    }
    Ok(())
}

fn seq_desc() -> TupleDesc {
    TupleDesc::new([
        SqlType::new(TypeOid::INT8),
        SqlType::new(TypeOid::INT8),
        SqlType::new(TypeOid::BOOL),
    ])
}

/// The columns a sequence relation shows (`SELECT * FROM seq`).
fn seq_columns() -> Vec<ColumnInfo> {
    [
        ("last_value", TypeOid::INT8),
        ("log_cnt", TypeOid::INT8),
        ("is_called", TypeOid::BOOL),
    ]
    .into_iter()
    .map(|(n, t)| ColumnInfo {
        name: n.into(),
        typ: SqlType::new(t),
        not_null: true,
        default: None,
        generation: Default::default(),
    })
    .collect()
}

struct SeqState {
    def: SequenceDef,
    name: String,
    locator: RelFileLocator,
    /// The last value handed out (or to start from when `!is_called`).
    last: i64,
    is_called: bool,
    /// The `last_value` on disk: nothing above it has been handed out.
    logged: i64,
}

/// Loaded sequences, by OID.
#[derive(Default)]
pub struct SequenceStates {
    states: Mutex<HashMap<Oid, Arc<Mutex<SeqState>>>>,
}

impl Catalog {
    /// Creates a sequence named `name` in schema `ns`.
    pub fn create_sequence(
        &self,
        ns: Oid,
        name: &str,
        def: &SequenceDef,
        w: &Writer<'_>,
        pending: &mut PendingFiles,
    ) -> Result<Oid> {
        let rel_oid = self.new_oid()?;
        let locator = self.locator(rel_oid);
        self.heap.create_relation(locator)?;
        pending.on_abort.push(locator);
        self.insert_class_rows(
            rel_oid,
            ns,
            name,
            rel_oid,
            &seq_columns(),
            'S',
            w.xid,
            w.cid,
        )?;
        self.insert_row(
            &PG_SEQUENCE,
            &[
                Datum::Oid(rel_oid.0),
                Datum::Oid(def.typ.0),
                Datum::Int8(def.start),
                Datum::Int8(def.increment),
                Datum::Int8(def.max),
                Datum::Int8(def.min),
                Datum::Int8(def.cache),
                Datum::Bool(def.cycle),
            ],
            w.xid,
            w.cid,
        )?;
        let mut tuple = Vec::new();
        form_tuple(
            &seq_desc(),
            &[Datum::Int8(def.start), Datum::Int8(0), Datum::Bool(false)],
            &mut tuple,
        )?;
        {
            let mut h = HeapTupleHeaderMut(&mut tuple);
            h.set_xmin(Xid::FROZEN);
            h.add_hint_bits(HEAP_XMIN_FROZEN);
            h.set_ctid(ItemPointer::new(
                crate::types::BlockNumber(0),
                OffsetNumber::FIRST,
            ));
        }
        let buf = self.heap.pool().extend(locator, ForkNumber::Main, None)?;
        let mut g = buf.write();
        self.check_sequence_wal()?;
        sequence_xlog::init_page(&mut g, &tuple)?;
        g.mark_dirty();
        self.log_sequence(&mut g, buf.tag(), w.xid)?;
        Ok(rel_oid)
    }

    /// Records that sequence `seq` belongs to column `attnum` of `table`
    /// (a serial column): dropping the table drops the sequence.
    pub fn set_sequence_owner(
        &self,
        seq: Oid,
        table: Oid,
        attnum: i32,
        w: &Writer<'_>,
    ) -> Result<()> {
        self.insert_row(
            &PG_DEPEND,
            &[
                Datum::Oid(PG_CLASS.oid.0),
                Datum::Oid(seq.0),
                Datum::Int4(0),
                Datum::Oid(PG_CLASS.oid.0),
                Datum::Oid(table.0),
                Datum::Int4(attnum),
                Datum::Text("a".into()),
            ],
            w.xid,
            w.cid,
        )?;
        Ok(())
    }

    /// The sequence owned by column `attnum` of `table` (a serial column's;
    /// dropped with the column).
    pub fn owned_sequences_of_column(
        &self,
        table: Oid,
        attnum: i16,
        snap: &Snapshot,
    ) -> Result<Vec<Oid>> {
        let mut out = Vec::new();
        self.scan_table(&PG_DEPEND, snap, |_, row| {
            if oid(&row[4]) == table
                && matches!(row[5], Datum::Int4(a) if a == i32::from(attnum))
                && matches!(&row[6], Datum::Text(t) if t == "a")
            {
                out.push(oid(&row[1]));
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// The sequences owned by `table` (dropped with it).
    pub fn owned_sequences(&self, table: Oid, snap: &Snapshot) -> Result<Vec<Oid>> {
        let mut out = Vec::new();
        self.scan_table(&PG_DEPEND, snap, |_, row| {
            if oid(&row[4]) == table && matches!(&row[6], Datum::Text(t) if t == "a") {
                out.push(oid(&row[1]));
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// Drops a sequence's catalog rows; its file goes at commit.
    pub fn drop_sequence(
        &self,
        seq: &TableInfo,
        snap: &Snapshot,
        w: &Writer<'_>,
        pending: &mut PendingFiles,
    ) -> Result<()> {
        let rel = seq.oid;
        self.delete_rows(&PG_CLASS, snap, w, |row| oid(&row[0]) == rel)?;
        self.delete_rows(&PG_ATTRIBUTE, snap, w, |row| oid(&row[0]) == rel)?;
        self.delete_rows(&PG_SEQUENCE, snap, w, |row| oid(&row[0]) == rel)?;
        self.delete_rows(&PG_DEPEND, snap, w, |row| oid(&row[1]) == rel)?;
        pending.on_commit.push(seq.locator);
        self.sequences.states.lock().remove(&rel);
        Ok(())
    }

    /// Fails if the WAL cannot be written (before a sequence page changes).
    fn check_sequence_wal(&self) -> Result<()> {
        match self.heap.xlog() {
            Some(x) => x.check_usable(),
            None => Ok(()),
        }
    }

    /// Logs the changed sequence page in `g` and flushes the record: the
    /// values it reserves are durable before any is handed out. Without a
    /// WAL (never in a running server) the page is written and fsynced.
    fn log_sequence(
        &self,
        g: &mut crate::buffer::BufferWriteGuard<'_>,
        tag: crate::buffer::BufferTag,
        xid: Xid,
    ) -> Result<()> {
        match self.heap.xlog() {
            Some(x) => {
                let end = sequence_xlog::log_sequence_page(x, g, tag, xid);
                x.flush(end)
            }
            None => Err(StorageError::Internal(
                "sequence change without a WAL".into(),
            )),
        }
    }

    fn sequence_state(&self, seq: &TableInfo, snap: &Snapshot) -> Result<Arc<Mutex<SeqState>>> {
        if let Some(s) = self.sequences.states.lock().get(&seq.oid)
            && s.lock().locator == seq.locator
        {
            return Ok(s.clone());
        }
        let mut def = None;
        self.scan_table(&PG_SEQUENCE, snap, |_, row| {
            if oid(&row[0]) == seq.oid {
                let i = |d: &Datum| if let Datum::Int8(v) = d { *v } else { 0 };
                def = Some(SequenceDef {
                    typ: TypeOid(oid(&row[1]).0),
                    start: i(&row[2]),
                    increment: i(&row[3]),
                    max: i(&row[4]),
                    min: i(&row[5]),
                    cache: i(&row[6]),
                    cycle: matches!(row[7], Datum::Bool(true)),
                });
                return Ok(false);
            }
            Ok(true)
        })?;
        let def = def.ok_or_else(|| {
            StorageError::Internal(format!("no pg_sequence row for \"{}\"", seq.name))
        })?;
        let buf = self.heap.pool().read_buffer(
            seq.locator,
            ForkNumber::Main,
            crate::types::BlockNumber(0),
            None,
        )?;
        let mut values = Vec::new();
        {
            let g = buf.read();
            let item = page::get_item(&g, OffsetNumber::FIRST).ok_or_else(|| {
                StorageError::Corrupted(format!("sequence \"{}\" has no tuple", seq.name))
            })?;
            deform_tuple(&seq_desc(), item, &mut values)?;
        }
        let last = if let Datum::Int8(v) = values[0] {
            v
        } else {
            def.start
        };
        let def_increment = def.increment;
        let is_called = matches!(values[2], Datum::Bool(true));
        let state = Arc::new(Mutex::new(SeqState {
            def,
            name: seq.name.clone(),
            locator: seq.locator,
            last,
            is_called,
            logged: if is_called {
                last
            } else {
                last.saturating_sub(def_increment)
            },
        }));
        self.sequences.states.lock().insert(seq.oid, state.clone());
        Ok(state)
    }

    fn write_sequence_tuple(
        &self,
        locator: RelFileLocator,
        last: i64,
        log_cnt: i64,
        is_called: bool,
    ) -> Result<()> {
        let mut tuple = Vec::new();
        form_tuple(
            &seq_desc(),
            &[
                Datum::Int8(last),
                Datum::Int8(log_cnt),
                Datum::Bool(is_called),
            ],
            &mut tuple,
        )?;
        let buf = self.heap.pool().read_buffer(
            locator,
            ForkNumber::Main,
            crate::types::BlockNumber(0),
            None,
        )?;
        let mut g = buf.write();
        self.check_sequence_wal()?;
        let item = page::get_item_mut(&mut g, OffsetNumber::FIRST)
            .ok_or_else(|| StorageError::Corrupted("sequence page has no tuple".into()))?;
        if item.len() != tuple.len() {
            return Err(StorageError::Corrupted(
                "sequence tuple has the wrong size".into(),
            ));
        }
        let hoff = crate::heap::htup::HeapTupleHeader(item).hoff();
        item[hoff..].copy_from_slice(&tuple[hoff..]);
        // NO ERROR RETURNS UNTIL LOGGED
        g.mark_dirty();
        self.log_sequence(&mut g, buf.tag(), Xid::INVALID)
    }

    /// `nextval`: the next value of the sequence.
    pub fn nextval(&self, seq: &TableInfo, snap: &Snapshot) -> Result<i64> {
        let state = self.sequence_state(seq, snap)?;
        let mut s = state.lock();
        let next = if s.is_called {
            let inc = s.def.increment;
            match s
                .last
                .checked_add(inc)
                .filter(|v| *v <= s.def.max && *v >= s.def.min)
            {
                Some(v) => v,
                None if s.def.cycle => {
                    if inc > 0 {
                        s.def.min
                    } else {
                        s.def.max
                    }
                }
                None => {
                    let (which, bound) = if inc > 0 {
                        ("maximum", s.def.max)
                    } else {
                        ("minimum", s.def.min)
                    };
                    return Err(StorageError::SequenceLimit(format!(
                        "nextval: reached {which} value of sequence \"{}\" ({bound})",
                        s.name
                    )));
                }
            }
        } else {
            s.last
        };
        let inc = s.def.increment;
        let beyond = if inc > 0 {
            next > s.logged
        } else {
            next < s.logged
        };
        if beyond {
            let ahead = next.saturating_add(inc.saturating_mul(SEQ_LOG_VALS));
            let ahead = ahead.clamp(s.def.min, s.def.max);
            self.write_sequence_tuple(s.locator, ahead, SEQ_LOG_VALS, true)?;
            s.logged = ahead;
        }
        s.last = next;
        s.is_called = true;
        Ok(next)
    }

    /// `setval`: sets the sequence's current value.
    pub fn setval(
        &self,
        seq: &TableInfo,
        snap: &Snapshot,
        value: i64,
        is_called: bool,
    ) -> Result<i64> {
        let state = self.sequence_state(seq, snap)?;
        let mut s = state.lock();
        if value < s.def.min || value > s.def.max {
            return Err(StorageError::SequenceLimit(format!(
                "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                s.name, s.def.min, s.def.max
            )));
        }
        self.write_sequence_tuple(s.locator, value, 0, is_called)?;
        s.last = value;
        s.is_called = is_called;
        s.logged = if is_called {
            value
        } else {
            value.saturating_sub(s.def.increment)
        };
        Ok(value)
    }
}
