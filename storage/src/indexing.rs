//! Keeping a table's indexes in step with its heap (PostgreSQL's
//! `catalog/index.c` builds and `executor/execIndexing.c` inserts).
//!
//! Every heap version gets an entry in every index of its table (there are
//! no HOT updates yet), so an UPDATE inserts entries for the new version
//! even when the key did not change, and index scans check each entry's
//! heap version against the snapshot. Entries of dead versions go when
//! vacuum removes the versions.
//!
//! Uniqueness is checked on insert by the B-tree against the heap
//! ([`crate::nbtree`]): a conflicting version that is still being inserted
//! or deleted by another transaction is waited for.

use crate::catalog::{IndexInfo, TableInfo};
use crate::datum::Datum;
use crate::engine::Engine;
use crate::error::{Result, StorageError};
use crate::heap::build_scan::index_build_scan;
use crate::heap::heapam::Writer;
use crate::heap::tuple::deform_tuple;
use crate::nbtree::UniqueCheck;
use crate::page::{self, LpFlags};
use crate::types::{ForkNumber, ItemPointer};

/// The key of `index` in `row` (a full table row).
pub fn index_key(index: &IndexInfo, row: &[Datum]) -> Vec<Datum> {
    index
        .columns
        .iter()
        .map(|&c| row.get(c).cloned().unwrap_or(Datum::Null))
        .collect()
}

/// Initialises `index`'s (new, empty) file as an empty B-tree.
pub fn init_index(engine: &Engine, index: &IndexInfo) -> Result<()> {
    engine.btree.create(index.locator)
}

/// Builds `index` from every version of `table` some snapshot may still
/// see: sorts the keys and loads the tree bottom-up. A UNIQUE index fails
/// with [`StorageError::UniqueViolation`] if two live versions share a key
/// with no NULL in it.
pub fn build_index(engine: &Engine, table: &TableInfo, index: &IndexInfo) -> Result<()> {
    let desc = &index.key;
    let mut entries: Vec<(Vec<Datum>, ItemPointer)> = Vec::new();
    let mut alive_keys: Vec<usize> = Vec::new();
    let mut row = Vec::with_capacity(table.columns.len());
    index_build_scan(&engine.heap, table.locator, |tid, tuple, alive| {
        deform_tuple(&table.desc, tuple, &mut row)?;
        if alive && index.unique {
            alive_keys.push(entries.len());
        }
        entries.push((index_key(index, &row), tid));
        Ok(())
    })?;
    if index.unique {
        alive_keys.sort_by(|&a, &b| desc.compare(&entries[a].0, &entries[b].0));
        for pair in alive_keys.windows(2) {
            let (a, b) = (&entries[pair[0]].0, &entries[pair[1]].0);
            if !a.iter().any(|d| matches!(d, Datum::Null))
                && desc.compare(a, b) == std::cmp::Ordering::Equal
            {
                return Err(StorageError::UniqueViolation { key: a.clone() });
            }
        }
    }
    engine.btree.create(index.locator)?;
    engine.btree.build(index.locator, desc, entries, false)
}

/// Inserts the entry of the new heap version `tid` (with values `row`)
/// into `index`, checking uniqueness for a UNIQUE index.
pub fn insert_index_entry(
    engine: &Engine,
    table: &TableInfo,
    index: &IndexInfo,
    row: &[Datum],
    tid: ItemPointer,
    w: &Writer<'_>,
) -> Result<()> {
    let desc = &index.key;
    let key = index_key(index, row);
    let unique = index.unique.then_some(UniqueCheck {
        heap: table.locator,
        own: w.own,
        owner: w.owner,
        wait: w.wait,
    });
    engine.btree.insert(index.locator, desc, &key, tid, unique)
}

/// `bt_index_check`: verifies `index`'s structure and that every entry
/// points at a line pointer of `table` that is in use: a stored version,
/// or one pruned to LP_DEAD whose entries vacuum has yet to remove. An
/// entry pointing at an unused (reusable) line pointer is corruption:
/// vacuum freed the pointer without removing the entry.
pub fn check_index(engine: &Engine, table: &TableInfo, index: &IndexInfo) -> Result<()> {
    let desc = &index.key;
    let pool = engine.heap.pool();
    let nblocks = engine.heap.nblocks(table.locator)?;
    engine.btree.check(index.locator, desc, &mut |tid| {
        if tid.block.0 >= nblocks.0 {
            return Ok(false);
        }
        let buf = pool.read_buffer(table.locator, ForkNumber::Main, tid.block, None)?;
        let g = buf.read();
        Ok(page::item_id(&g, tid.offset).is_some_and(|lp| lp.flags != LpFlags::Unused))
    })
}
