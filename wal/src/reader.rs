//! Reading the WAL back (PostgreSQL's `xlogreader.c`): records in order from
//! a start LSN until the end of valid WAL.
//!
//! # Where valid WAL ends
//!
//! The reader stops, and reports the position as the end of WAL, at the first
//! record that is:
//!
//! 1. zero-length (never written: segments are zero-filled),
//! 2. torn: its header or body runs past the bytes that exist (a short or
//!    missing segment file),
//! 3. malformed: an impossible length or block reference,
//! 4. corrupt: the CRC does not match,
//! 5. misplaced: its back-link is not the start of the record before it
//!    (stale bytes from an earlier, longer stream).
//!
//! A segment recycled after a checkpoint still holds its old records, with
//! valid CRCs: rule 5 ends the WAL at the first of them, since their
//! back-links point into the segment's earlier life. After an XLOG `SWITCH`
//! record the next record is read at the start of the next segment.
//!
//! Everything before that point is returned; nothing after it ever is, even
//! if valid-looking records follow. [`WalReader::end_reason`] says why it
//! stopped, for the `redo done at` log line. Only I/O errors are errors.

use std::path::Path;

use crate::Lsn;
use crate::error::Result;
use crate::record::{self, DecodeError, DecodedRecord, RECORD_HEADER_SIZE};
use crate::segment::{SegmentSource, TimeLineId};

/// Iterates the records of one timeline from a start LSN.
pub struct WalReader {
    src: SegmentSource,
    /// Where the next record should start.
    next: Lsn,
    /// The back-link the next record must carry, once known.
    expected_prev: Option<Lsn>,
    /// The start of the last valid record returned.
    last: Lsn,
    /// Why reading stopped, once it has.
    end_reason: Option<String>,
}

impl WalReader {
    /// Reads timeline `tli` under `wal_dir` from the record starting at
    /// `start`. The first record's back-link is not checked unless
    /// [`Self::expect_prev`] is called.
    pub fn new(wal_dir: &Path, tli: TimeLineId, start: Lsn) -> Self {
        WalReader {
            src: SegmentSource::new(wal_dir, tli),
            next: start,
            expected_prev: None,
            last: Lsn::INVALID,
            end_reason: None,
        }
    }

    /// Reads from `src` (archive recovery: restore hook, timeline history)
    /// from the record starting at `start`.
    pub fn with_source(src: SegmentSource, start: Lsn) -> Self {
        WalReader {
            src,
            next: start,
            expected_prev: None,
            last: Lsn::INVALID,
            end_reason: None,
        }
    }

    /// The source, to ask which segment file was missing.
    pub fn source(&self) -> &SegmentSource {
        &self.src
    }

    /// Requires the first record's back-link to be `prev`.
    pub fn expect_prev(mut self, prev: Lsn) -> Self {
        self.expected_prev = Some(prev);
        self
    }

    /// The next valid record, or `None` at the end of valid WAL.
    pub fn next_record(&mut self) -> Result<Option<DecodedRecord>> {
        if self.end_reason.is_some() {
            return Ok(None);
        }
        let at = self.next;
        let mut hdr = [0u8; RECORD_HEADER_SIZE];
        let n = self.src.read_at(at, &mut hdr)?;
        if n < RECORD_HEADER_SIZE {
            return self.stop(format!("record header at {at} is incomplete"));
        }
        let h = match record::decode_header(&hdr) {
            Ok(h) => h,
            Err(DecodeError::ZeroLength) => {
                return self.stop(format!(
                    "invalid record length at {at}: expected at least 32, got 0"
                ));
            }
            Err(e) => return self.stop(format!("{e} at {at}")),
        };
        if let Some(p) = self.expected_prev
            && h.prev != p
        {
            return self.stop(format!(
                "record with incorrect prev-link {} at {at} (expected {p})",
                h.prev
            ));
        }
        let total = h.total_len as usize;
        let mut buf = vec![0u8; total];
        let n = self.src.read_at(at, &mut buf)?;
        if n < total {
            return self.stop(format!(
                "record at {at} is incomplete ({n} of {total} bytes)"
            ));
        }
        let (h, rec) = match record::decode(&buf) {
            Ok(r) => r,
            Err(e) => return self.stop(format!("{e} at {at}")),
        };
        let end = Lsn(at.0 + total as u64);
        self.expected_prev = Some(at);
        self.last = at;
        self.next = if crate::writer::is_switch(&rec) {
            crate::segment::SegNo(crate::segment::SegNo::of(Lsn(end.0 - 1)).0 + 1).start()
        } else {
            Lsn(record::align(end.0))
        };
        Ok(Some(DecodedRecord {
            lsn: at,
            end_lsn: end,
            prev: h.prev,
            record: rec,
        }))
    }

    fn stop(&mut self, why: String) -> Result<Option<DecodedRecord>> {
        tracing::debug!(reason = %why, "end of WAL");
        self.end_reason = Some(why);
        Ok(None)
    }

    /// Where the next record would start: after the end of valid WAL once
    /// [`Self::next_record`] has returned `None`.
    pub fn end_of_wal(&self) -> Lsn {
        self.next
    }

    /// The start of the last valid record returned ([`Lsn::INVALID`] if none).
    pub fn last_record_lsn(&self) -> Lsn {
        self.last
    }

    /// Why reading stopped, once it has.
    pub fn end_reason(&self) -> Option<&str> {
        self.end_reason.as_deref()
    }
}

impl Iterator for WalReader {
    type Item = Result<DecodedRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}
