//! The write-ahead log: record format, LSNs, segment files, the writer with
//! group commit, the reader used by recovery and `global/pg_control`
//! (DESIGN.md, sections WAL and Checkpoints and recovery; issue #4).
//!
//! # What this crate owns
//!
//! | module        | PostgreSQL               | owns                                            |
//! |---------------|--------------------------|-------------------------------------------------|
//! | [`lsn`]       | `xlogdefs.h`             | [`Lsn`], printed `0/16B3F48`                     |
//! | [`record`]    | `xlogrecord.h`, `xloginsert.c` | record bytes, encoding, validating decode  |
//! | [`segment`]   | `xlog_internal.h`        | 16 MiB segment files and their names            |
//! | [`writer`]    | `xlog.c` (`XLogInsert`, `XLogFlush`) | WAL buffer, group-commit flush      |
//! | [`reader`]    | `xlogreader.c`           | reading records until the end of valid WAL      |
//! | [`control`]   | `pg_control.h`           | `global/pg_control`, written atomically         |
//! | [`failpoint`] | —                        | ENOSPC injection for tests (debug builds only)  |
//! | [`rmgr`]      | `rmgrlist.h`, `pg_control.h` | resource-manager ids and trait, checkpoints |
//! | [`archive`]   | `pgarch.c`, `xlogarchive.c` | archive status files, archiver, restore source |
//! | [`timeline`]  | `timeline.c`             | timeline history files                          |
//!
//! It knows records, LSNs and files, not tuples or pages: the storage layer
//! builds records, implements [`rmgr::ResourceManager`] for its redo, and
//! decides when to flush.
//!
//! # The WAL stream
//!
//! ```text
//!  LSN  0/1000000                                  0/2000000
//!       │ pg_wal/000000010000000000000001          │ ...0000000000000002
//!       ▼                                          ▼
//!       ┌────────┬──┬──────────────┬───┬─── ... ──┬────────────────┬────
//!       │ rec A  │0 │ rec B        │ 0 │          │ rec Y (cont.)  │ ...
//!       └────────┴──┴──────────────┴───┴─── ... ──┴────────────────┴────
//!        B.prev = A.lsn; records start 8-byte aligned; zeros = padding / end
//! ```
//!
//! * An LSN is a byte position in one continuous stream; there are no
//!   per-page headers (unlike PostgreSQL's 8 KiB WAL pages). A record that
//!   crosses a segment boundary just continues in the next file. Validity
//!   rests on each record's CRC-32C and back-link alone.
//! * The first record of a cluster is at 0/1000000, the start of segment 1,
//!   so LSN 0 stays "invalid" as in PostgreSQL.
//! * A page changed by a record carries the record's *end* LSN; redo applies
//!   a block change only if the page LSN is older (idempotent redo).
//!
//! # Rules (the WAL-logging recipe, after PostgreSQL's `transam/README`)
//!
//! 1. Pin and exclusively lock every page the change touches.
//! 2. Change the pages and mark them dirty. From here on nothing may fail:
//!    `// NO ERROR RETURNS UNTIL LOGGED`.
//! 3. Build the record (block references with a full-page image for a page
//!    first changed since the last checkpoint's redo point) and
//!    [`writer::WalWriter::insert`] it.
//! 4. Set each page's LSN to the returned end LSN, then release the locks.
//! 5. A dirty page is written only after [`writer::WalWriter::flush`] up to
//!    its LSN (the buffer pool's WAL flush hook).
//! 6. A commit is acknowledged only after its commit record is flushed.
//!
//! # Not done (yet)
//!
//! Compression of full-page images; an object-store archive target;
//! parallel insertion slots (the insert mutex covers the copy of the whole
//! record, full-page images included).

#![deny(unsafe_code)]

pub mod archive;
pub mod archive_object;
pub mod control;
pub mod error;
pub mod failpoint;
pub mod lsn;
pub mod reader;
pub mod record;
pub mod rmgr;
pub mod segment;
pub mod timeline;
pub mod writer;

#[cfg(test)]
mod tests;

pub use control::{ControlFile, DbState};
pub use error::{Result, WalError};
pub use lsn::Lsn;
pub use reader::WalReader;
pub use record::{BlockRef, BlockTarget, DecodedRecord, WalRecord};
pub use segment::{FIRST_LSN, TimeLineId, WAL_SEGMENT_SIZE};
pub use writer::{WalWriter, WalWriterOptions};
