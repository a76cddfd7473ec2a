//! Referential integrity: the row events foreign keys react to and the
//! queries that check or act on them (PostgreSQL's `ri_triggers.c`).
//!
//! # Events
//!
//! INSERT, UPDATE, DELETE and COPY call [`row_events`] for every row
//! version they store or remove; it queues, per foreign key of the table:
//!
//! ```text
//!   referencing side (table.foreign_keys)   new key, all columns non-NULL,
//!                                           and changed by an UPDATE  → Check
//!   referenced side (table.referenced_by)   old key, all columns non-NULL,
//!                                           removed or changed         → Release
//! ```
//!
//! A key with a NULL column is never checked (MATCH SIMPLE). Tables without
//! foreign keys in either direction queue nothing and pay nothing.
//!
//! # Firing
//!
//! The session fires the queue after the statement's own changes are done
//! and visible (the command counter has moved), like PostgreSQL's
//! non-deferred RI triggers at the end of the statement. Each event runs
//! one parameterised query, planned once per foreign key and kind
//! ([`RiQuery`]), with a fresh snapshot even under REPEATABLE READ, so a
//! concurrently committed referencing row is never missed:
//!
//! ```text
//!   Check          SELECT 1 FROM parent WHERE k1 = $1 AND ... FOR SHARE
//!                  no row → 23503 "insert or update on table ... violates ..."
//!   Release, NO ACTION / RESTRICT
//!                  SELECT 1 FROM child WHERE f1 = $1 AND ... LIMIT 1
//!                  a row → 23503 "update or delete on table ... violates ..."
//!   Release, CASCADE     DELETE FROM child WHERE ...            (delete)
//!                        UPDATE child SET f1 = $n+1, ... WHERE ... (update)
//!   Release, SET NULL    UPDATE child SET f1 = NULL, ... WHERE ...
//!   Release, SET DEFAULT UPDATE child SET f1 = <default>, ... WHERE ...
//! ```
//!
//! The check's row lock on the referenced row is what makes concurrent
//! changes safe: a DELETE of the referenced row waits for the inserting
//! transaction, then its own Release query sees the committed referencing
//! row; an inserter that finds the referenced row being deleted waits for
//! the deleter and then finds no row. Cascaded changes are ordinary DML
//! and queue events of their own, so chains of foreign keys work.
//!
//! Known gaps: the lock taken is `FOR SHARE` (PostgreSQL's weaker `FOR KEY
//! SHARE` would let non-key updates of the referenced row proceed); an
//! `ON CONFLICT DO UPDATE` that changes a referenced key is not seen from
//! the referenced side.

use storage::catalog::{FkAction, ForeignKey, TableInfo};
use storage::datum::io::OutputOptions;
use storage::datum::{Datum, SqlType};

use super::bind::quote_ident;
use crate::error::SqlError;

/// One foreign-key event of one row.
#[derive(Clone, Debug)]
pub enum RiEvent {
    /// A referencing row has key `key`: it must exist in the referenced
    /// table.
    Check { fk: ForeignKey, key: Vec<Datum> },
    /// A referenced row with key `old` was deleted (`new` is `None`) or
    /// its key changed to `new`.
    Release {
        fk: ForeignKey,
        old: Vec<Datum>,
        new: Option<Vec<Datum>>,
    },
}

/// The values of `row` at 1-based column numbers `cols`; `None` when one
/// of them is NULL.
fn key_of(row: &[Datum], cols: &[i16]) -> Option<Vec<Datum>> {
    let mut key = Vec::with_capacity(cols.len());
    for c in cols {
        let v = usize::try_from(*c)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| row.get(i))?;
        if matches!(v, Datum::Null) {
            return None;
        }
        key.push(v.clone());
    }
    Some(key)
}

/// Queues the events of one row of `table` going from `old` to `new`
/// (INSERT: no `old`; DELETE: no `new`).
pub fn row_events(
    table: &TableInfo,
    old: Option<&[Datum]>,
    new: Option<&[Datum]>,
    out: &mut Vec<RiEvent>,
) {
    if let Some(new_row) = new {
        for fk in &table.foreign_keys {
            let Some(key) = key_of(new_row, &fk.cols) else {
                continue;
            };
            if old.and_then(|o| key_of(o, &fk.cols)).as_ref() == Some(&key) {
                continue;
            }
            out.push(RiEvent::Check {
                fk: fk.clone(),
                key,
            });
        }
    }
    if let Some(old_row) = old {
        for fk in &table.referenced_by {
            let Some(old_key) = key_of(old_row, &fk.ref_cols) else {
                continue;
            };
            let new_key = new.map(|n| fk.ref_cols.iter().map(|c| column(n, *c)).collect());
            if new_key.as_ref() == Some(&old_key) {
                continue;
            }
            out.push(RiEvent::Release {
                fk: fk.clone(),
                old: old_key,
                new: new_key,
            });
        }
    }
}

fn column(row: &[Datum], attnum: i16) -> Datum {
    usize::try_from(attnum)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| row.get(i))
        .cloned()
        .unwrap_or(Datum::Null)
}

/// The kinds of query a foreign key runs; with the key's OID, the name of
/// a planned query in the session's cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RiQuery {
    /// Does the referenced row exist? (locks it)
    Check,
    /// Is the referenced key still referenced?
    Referenced,
    /// Delete the referencing rows.
    CascadeDelete,
    /// Give the referencing rows the new key.
    CascadeUpdate,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults.
    SetDefault,
}

impl RiQuery {
    /// What a Release of `fk` runs (`update`: the key changed rather than
    /// the row being deleted).
    pub fn for_release(fk: &ForeignKey, update: bool) -> RiQuery {
        let action = if update { fk.on_update } else { fk.on_delete };
        match action {
            FkAction::NoAction | FkAction::Restrict => RiQuery::Referenced,
            FkAction::Cascade if update => RiQuery::CascadeUpdate,
            FkAction::Cascade => RiQuery::CascadeDelete,
            FkAction::SetNull => RiQuery::SetNull,
            FkAction::SetDefault => RiQuery::SetDefault,
        }
    }
}

/// `"schema"."name"`
pub fn qualified(t: &TableInfo) -> String {
    format!("{}.{}", quote_ident(&t.schema), quote_ident(&t.name))
}

fn column_info(t: &TableInfo, attnum: i16) -> Option<&storage::catalog::ColumnInfo> {
    usize::try_from(attnum)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| t.columns.get(i))
}

fn column_ident(t: &TableInfo, attnum: i16) -> String {
    column_info(t, attnum).map_or_else(String::new, |c| quote_ident(&c.name))
}

/// `c1 = $1 AND c2 = $2` over `t`'s columns `cols`.
fn key_matches(t: &TableInfo, cols: &[i16]) -> String {
    let parts: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} = ${}", column_ident(t, *c), i + 1))
        .collect();
    parts.join(" AND ")
}

/// The SQL text of query `q` of `fk` from `child` to `parent`, and its
/// parameters' types: the key's, and for CascadeUpdate the new key's too.
pub fn query_text(
    q: RiQuery,
    fk: &ForeignKey,
    child: &TableInfo,
    parent: &TableInfo,
) -> (String, Vec<SqlType>) {
    let types = |t: &TableInfo, cols: &[i16]| -> Vec<SqlType> {
        cols.iter()
            .filter_map(|c| column_info(t, *c).map(|ci| ci.typ))
            .collect()
    };
    let child_where = key_matches(child, &fk.cols);
    let parent_types = types(parent, &fk.ref_cols);
    let set = |value: &dyn Fn(usize, i16) -> String| -> String {
        let parts: Vec<String> = fk
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = {}", column_ident(child, *c), value(i, *c)))
            .collect();
        parts.join(", ")
    };
    let table = qualified(child);
    match q {
        RiQuery::Check => (
            format!(
                "SELECT 1 FROM {} WHERE {} FOR SHARE",
                qualified(parent),
                key_matches(parent, &fk.ref_cols)
            ),
            types(child, &fk.cols),
        ),
        RiQuery::Referenced => (
            format!("SELECT 1 FROM {table} WHERE {child_where} LIMIT 1"),
            parent_types,
        ),
        RiQuery::CascadeDelete => (
            format!("DELETE FROM {table} WHERE {child_where}"),
            parent_types,
        ),
        RiQuery::CascadeUpdate => {
            let n = fk.cols.len();
            let mut all = parent_types.clone();
            all.extend(parent_types);
            (
                format!(
                    "UPDATE {table} SET {} WHERE {child_where}",
                    set(&|i, _| format!("${}", n + i + 1))
                ),
                all,
            )
        }
        RiQuery::SetNull => (
            format!(
                "UPDATE {table} SET {} WHERE {child_where}",
                set(&|_, _| "NULL".into())
            ),
            parent_types,
        ),
        RiQuery::SetDefault => (
            format!(
                "UPDATE {table} SET {} WHERE {child_where}",
                set(&|_, c| {
                    column_info(child, c)
                        .and_then(|ci| ci.default.clone())
                        .unwrap_or_else(|| "NULL".into())
                })
            ),
            parent_types,
        ),
    }
}

/// `Key (a, b)=(1, x)`, the start of 23503's details.
pub fn key_detail(t: &TableInfo, cols: &[i16], key: &[Datum], opts: &OutputOptions) -> String {
    let names: Vec<String> = cols
        .iter()
        .filter_map(|c| column_info(t, *c).map(|ci| ci.name.clone()))
        .collect();
    let values: Vec<String> = key
        .iter()
        .zip(cols)
        .map(|(d, c)| {
            column_info(t, *c)
                .and_then(|ci| storage::datum::io::to_text(d, ci.typ.oid, opts))
                .unwrap_or_else(|| "null".into())
        })
        .collect();
    format!("Key ({})=({})", names.join(", "), values.join(", "))
}

/// 23503 for a referencing row whose key is missing.
pub fn missing_key(
    fk: &ForeignKey,
    child: &TableInfo,
    parent: &TableInfo,
    key: &[Datum],
    opts: &OutputOptions,
) -> SqlError {
    SqlError::new(
        "23503",
        format!(
            "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
            child.name, fk.name
        ),
    )
    .with_detail(format!(
        "{} is not present in table \"{}\".",
        key_detail(child, &fk.cols, key, opts),
        parent.name
    ))
}

/// 23503 for a referenced key that is still referenced.
pub fn still_referenced(
    fk: &ForeignKey,
    child: &TableInfo,
    parent: &TableInfo,
    key: &[Datum],
    opts: &OutputOptions,
) -> SqlError {
    SqlError::new(
        "23503",
        format!(
            "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
            parent.name, fk.name, child.name
        ),
    )
    .with_detail(format!(
        "{} is still referenced from table \"{}\".",
        key_detail(parent, &fk.ref_cols, key, opts),
        child.name
    ))
}
