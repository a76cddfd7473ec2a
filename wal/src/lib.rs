//! The write-ahead log.
//!
//! This crate will own the WAL record format, the WAL writer (group commit),
//! the reader used by recovery, the 16 MiB segment files and `global/pg_control`
//! (issue #4). Today it holds the one type every layer above already needs: the
//! log sequence number that stamps each page.
//!
//! Not done yet: everything but [`Lsn`] (issue #4).

#![deny(unsafe_code)]

mod lsn;

pub use lsn::Lsn;
