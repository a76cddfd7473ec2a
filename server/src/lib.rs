//! heapgres: a PostgreSQL-compatible SQL server.
//!
//! This crate is the server process: settings ([`guc`]), the wire protocol
//! front end ([`protocol`]), sessions and transaction blocks ([`session`]),
//! and SQL (parse → bind → plan → execute, in [`sql`]). Storage, the
//! catalog and transactions live in the `storage` crate.
//!
//! One SELECT, from the socket to the page and back:
//!
//! 1. [`protocol::serve`] reads a Query message and hands the text to
//!    [`session::Session::exec_simple`] on a blocking thread.
//! 2. [`sql::parse::parse_statements`] splits and parses it with sqlparser.
//! 3. The session starts an implicit transaction and takes a snapshot;
//!    [`sql::bind::Binder`] resolves names through the catalog and builds a
//!    typed [`sql::plan::Plan`].
//! 4. [`sql::exec::run_query`] pulls rows: a sequential scan
//!    (`storage::heap::heapam::HeapScan`) reads each page once through the
//!    buffer pool, keeps the versions the snapshot sees and deforms them.
//! 5. The protocol encodes each value in text or binary and sends
//!    RowDescription, DataRows, CommandComplete and ReadyForQuery.

#![deny(unsafe_code)]

pub mod basebackup;
pub mod copy;
pub mod error;
pub mod guc;
pub mod notify;
pub mod protocol;
pub mod server;
pub mod session;
pub mod sql;

/// What `version()` returns: PostgreSQL's shape, so tools that parse it work.
pub const VERSION_STRING: &str = concat!(
    "PostgreSQL 15.0 (heapgres ",
    env!("CARGO_PKG_VERSION"),
    ") on x86_64-pc-linux-gnu, compiled by rustc, 64-bit"
);
