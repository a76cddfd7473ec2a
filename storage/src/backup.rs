//! Online base backups: PostgreSQL 15's low-level API (`pg_backup_start`,
//! `pg_backup_stop`, `xlogfuncs.c` / `xlog.c` `do_pg_backup_start` /
//! `do_pg_backup_stop`) and the `backup_label` file.
//!
//! # Protocol
//!
//! ```text
//!  pg_backup_start(label, fast)
//!      immediate checkpoint: its redo LSN is the backup's START WAL
//!      LOCATION, its record the CHECKPOINT LOCATION
//!  copy the data directory with any tool while the server runs
//!      (pages may be torn or stale: replay repairs them from full-page
//!      images, which every first change after the start logs)
//!  pg_backup_stop(wait_for_archive)
//!      insert an XLOG BACKUP_END record holding the start LSN and switch
//!      to a new segment; with wait_for_archive (and archive_mode on) wait
//!      until that segment is archived; return (stop lsn, labelfile, '')
//!  write labelfile as <backup>/backup_label
//! ```
//!
//! Restoring such a copy replays from the label's checkpoint (not the
//! copied `pg_control`, which may be newer) and is consistent only after
//! the `BACKUP_END` record that names the same start
//! ([`crate::archive_recovery`], rule 1).
//!
//! # `backup_label`
//!
//! ```text
//! START WAL LOCATION: 0/9000028 (file 000000010000000000000009)
//! CHECKPOINT LOCATION: 0/9000060
//! BACKUP METHOD: streamed
//! BACKUP FROM: primary
//! START TIME: 2026-11-22 09:30:00 UTC
//! LABEL: nightly
//! START TIMELINE: 1
//! ```
//!
//! Backups need `full_page_writes = on` (PostgreSQL forces it during a
//! backup; heapgres refuses to start one without it). Tablespaces do not
//! exist, so the tablespace map is always empty.

use wal::Lsn;
use wal::segment::{SegNo, TimeLineId, segment_file_name};

use crate::error::{Result, StorageError};

/// The name of the label file in a backup's data directory.
pub const BACKUP_LABEL: &str = "backup_label";

/// What `backup_label` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupLabel {
    /// START WAL LOCATION: the start checkpoint's redo LSN.
    pub start: Lsn,
    /// CHECKPOINT LOCATION: the start checkpoint record.
    pub checkpoint: Lsn,
    /// START TIMELINE.
    pub timeline: TimeLineId,
    /// START TIME, as written.
    pub start_time: String,
    /// LABEL.
    pub label: String,
}

impl BackupLabel {
    /// The file's text (module doc).
    pub fn to_text(&self) -> String {
        format!(
            "START WAL LOCATION: {} (file {})\nCHECKPOINT LOCATION: {}\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: {}\nLABEL: {}\nSTART TIMELINE: {}\n",
            self.start,
            segment_file_name(self.timeline, SegNo::of(self.start)),
            self.checkpoint,
            self.start_time,
            self.label,
            self.timeline
        )
    }

    /// Parses the file's text; the error names what is wrong.
    pub fn parse(text: &str) -> Result<BackupLabel> {
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).map(str::trim))
                .ok_or_else(|| {
                    StorageError::Recovery(format!(
                        "invalid data in file \"{BACKUP_LABEL}\": no \"{key}\" line"
                    ))
                })
        };
        let lsn = |key: &str| -> Result<Lsn> {
            let v = field(key)?;
            v.split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    StorageError::Recovery(format!(
                        "invalid data in file \"{BACKUP_LABEL}\": \"{key} {v}\""
                    ))
                })
        };
        let tli = field("START TIMELINE:")?;
        Ok(BackupLabel {
            start: lsn("START WAL LOCATION:")?,
            checkpoint: lsn("CHECKPOINT LOCATION:")?,
            timeline: TimeLineId(tli.parse().map_err(|_| {
                StorageError::Recovery(format!(
                    "invalid data in file \"{BACKUP_LABEL}\": \"START TIMELINE: {tli}\""
                ))
            })?),
            start_time: field("START TIME:")?.to_string(),
            label: field("LABEL:")?.to_string(),
        })
    }

    /// Reads `<data_dir>/backup_label`, if present.
    pub fn read(data_dir: &std::path::Path) -> Result<Option<BackupLabel>> {
        let p = data_dir.join(BACKUP_LABEL);
        match std::fs::read_to_string(&p) {
            Ok(t) => Self::parse(&t).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StorageError::io(format!("read file {}", p.display()), e)),
        }
    }
}

/// What `pg_backup_stop` returns.
#[derive(Clone, Debug)]
pub struct BackupStop {
    /// The end of the `BACKUP_END` record.
    pub lsn: Lsn,
    /// The `backup_label` text.
    pub labelfile: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_round_trip() {
        let l = BackupLabel {
            start: Lsn(0x9000028),
            checkpoint: Lsn(0x9000060),
            timeline: TimeLineId(2),
            start_time: "2026-11-22 09:30:00 UTC".into(),
            label: "nightly".into(),
        };
        let t = l.to_text();
        assert!(t.starts_with("START WAL LOCATION: 0/9000028 (file 000000020000000000000009)\n"));
        assert_eq!(BackupLabel::parse(&t).unwrap(), l);
        assert!(BackupLabel::parse("LABEL: x\n").is_err());
    }
}
