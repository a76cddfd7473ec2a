//! The heapgres storage engine.
//!
//! It owns everything below SQL: relation files ([`smgr`]), 8 KiB slotted
//! pages ([`page`]), the shared buffer pool ([`buffer`]), values and their
//! encodings ([`datum`]), the heap access method and tuple visibility
//! ([`heap`]), the B-tree index access method ([`nbtree`]), transactions, snapshots and locks ([`txn`]), and the
//! storage side of the write-ahead log: logging page changes ([`xlog`],
//! with each resource manager's records beside its code:
//! [`heap::heapam_xlog`], [`nbtree::xlog`], [`txn::xact_xlog`], [`smgr_xlog`]), crash
//! recovery and checkpoints ([`recovery`], [`engine`]); pruning and the
//! visibility map for VACUUM ([`heap::prune`], [`heap::visibilitymap`],
//! HEAP2 records), per-table activity counters ([`pgstat`]) and the
//! progress of running commands ([`progress`]).
//!
//! Layering (DESIGN.md): `wal` ← `storage` ← `vacuum` ← `server`. Nothing
//! here knows SQL; the server's catalog and executor call down into these
//! modules.

#![deny(unsafe_code)]

pub mod archive_recovery;
pub mod backup;
pub mod buffer;
pub mod catalog;
pub mod datum;
pub mod engine;
pub mod error;
pub mod fsm;
pub mod heap;
pub mod indexing;
pub mod nbtree;
pub mod page;
pub mod pgstat;
pub mod progress;
pub mod recovery;
pub mod smgr;
pub mod smgr_xlog;
pub mod txn;
pub mod types;
pub mod xlog;

#[cfg(test)]
mod crash_tests;

pub use error::{Result, StorageError};
