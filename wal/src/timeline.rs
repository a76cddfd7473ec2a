//! Timelines and their history files (PostgreSQL's `timeline.c`).
//!
//! Each promotion after archive recovery starts a new timeline, so WAL
//! written after the branch point never overwrites the old timeline's
//! segments: segment names carry the timeline (`00000002...`). The new
//! timeline's history file says where each ancestor ended:
//!
//! ```text
//! pg_wal/00000003.history       one line per ancestor, oldest first
//! 1<TAB>0/3000158<TAB>no recovery target specified
//! 2<TAB>0/5000A28<TAB>before transaction 745
//! ```
//!
//! A line `T<TAB>LSN<TAB>reason` says timeline `T` was followed until `LSN`
//! (the switch point, exclusive), where its child begins. Timeline 1 has no
//! history file. The history file is written (and fsynced) before any WAL
//! of the new timeline, and archived like a segment.
//!
//! Reading WAL across timelines ([`Timeline::for_segment`]): a segment is
//! read from the newest timeline of the history that had begun at or
//! before the segment's start. The first segment of a new timeline is made
//! by copying the parent's segment up to the switch point, so it holds
//! the parent's records before the switch point and the child's after.

use std::path::Path;

use crate::Lsn;
use crate::error::{Result, WalError};
use crate::segment::{SegNo, TimeLineId, fsync_dir};

/// One timeline of a history: followed from `begin` up to `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// Its id.
    pub tli: TimeLineId,
    /// Where it starts (its parent's switch point; invalid for timeline 1).
    pub begin: Lsn,
    /// Its switch point to the next timeline of the history, or `None` for
    /// the newest one (followed to the end of WAL).
    pub end: Option<Lsn>,
}

impl Timeline {
    /// The timeline of `history` (newest first or any order) whose segment
    /// file holds segment `seg`: the newest that had begun by the segment's
    /// start or within it.
    pub fn for_segment(history: &[Timeline], seg: SegNo) -> Option<TimeLineId> {
        history
            .iter()
            .filter(|t| SegNo::of(t.begin) <= seg)
            .map(|t| t.tli)
            .max()
    }

    /// The timeline of `history` that holds `lsn`.
    pub fn of_lsn(history: &[Timeline], lsn: Lsn) -> Option<TimeLineId> {
        history
            .iter()
            .filter(|t| t.begin <= lsn && t.end.is_none_or(|e| lsn < e))
            .map(|t| t.tli)
            .max()
    }
}

/// `0000000N.history`.
pub fn history_file_name(tli: TimeLineId) -> String {
    format!("{:08X}.history", tli.0)
}

/// Parses the history file of timeline `tli` (text `content`) into its
/// whole history, oldest first, ending with `tli` itself.
pub fn parse_history(tli: TimeLineId, content: &str) -> Result<Vec<Timeline>> {
    let mut v = Vec::new();
    let mut begin = Lsn::INVALID;
    for (i, line) in content.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            WalError::Corrupted(format!(
                "syntax error in history file {} line {}: \"{line}\"",
                history_file_name(tli),
                i + 1
            ))
        };
        let mut parts = line.split('\t');
        let parent: u32 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let switch: Lsn = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        if v.last().is_some_and(|t: &Timeline| t.tli.0 >= parent) || parent >= tli.0 {
            return Err(WalError::Corrupted(format!(
                "invalid data in history file {}: timeline IDs must be in increasing sequence",
                history_file_name(tli)
            )));
        }
        v.push(Timeline {
            tli: TimeLineId(parent),
            begin,
            end: Some(switch),
        });
        begin = switch;
    }
    v.push(Timeline {
        tli,
        begin,
        end: None,
    });
    Ok(v)
}

/// The history file text of a new timeline branching off timeline
/// `parent` at `switch`: the parent's own history file text (empty for
/// timeline 1) plus one line for the parent.
pub fn format_history(
    parent_content: &str,
    parent: TimeLineId,
    switch: Lsn,
    reason: &str,
) -> String {
    let mut s = parent_content.to_string();
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s.push_str(&format!("{}\t{switch}\t{reason}\n", parent.0));
    s
}

/// Writes `pg_wal/<tli>.history` durably (temporary file, fsync, rename).
pub fn write_history(wal_dir: &Path, tli: TimeLineId, content: &str, fsync: bool) -> Result<()> {
    let name = history_file_name(tli);
    let path = wal_dir.join(&name);
    let tmp = wal_dir.join(format!("{name}.tmp"));
    let io = |what: &str, e| WalError::io(format!("{what} {}", tmp.display()), e);
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(|e| io("create file", e))?;
        f.write_all(content.as_bytes())
            .map_err(|e| io("write file", e))?;
        if fsync {
            f.sync_all().map_err(|e| io("fsync file", e))?;
        }
    }
    std::fs::rename(&tmp, &path).map_err(|e| io("rename file", e))?;
    if fsync {
        fsync_dir(wal_dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_round_trip_and_segment_choice() {
        let text2 = format_history(
            "",
            TimeLineId(1),
            Lsn(0x3000158),
            "no recovery target specified",
        );
        assert_eq!(text2, "1\t0/3000158\tno recovery target specified\n");
        let h2 = parse_history(TimeLineId(2), &text2).unwrap();
        assert_eq!(h2.len(), 2);
        let text3 = format_history(
            &text2,
            TimeLineId(2),
            Lsn(0x5000A28),
            "before transaction 745",
        );
        assert_eq!(
            text3,
            "1\t0/3000158\tno recovery target specified\n2\t0/5000A28\tbefore transaction 745\n"
        );
        let h3 = parse_history(TimeLineId(3), &text3).unwrap();
        assert_eq!(h3.len(), 3);
        assert_eq!(Timeline::for_segment(&h3, SegNo(2)), Some(TimeLineId(1)));
        assert_eq!(Timeline::for_segment(&h3, SegNo(3)), Some(TimeLineId(2)));
        assert_eq!(Timeline::for_segment(&h3, SegNo(4)), Some(TimeLineId(2)));
        assert_eq!(Timeline::for_segment(&h3, SegNo(5)), Some(TimeLineId(3)));
        assert_eq!(Timeline::of_lsn(&h3, Lsn(0x3000157)), Some(TimeLineId(1)));
        assert_eq!(Timeline::of_lsn(&h3, Lsn(0x3000158)), Some(TimeLineId(2)));
        assert!(parse_history(TimeLineId(2), "5\t0/1\tx\n").is_err());
        assert!(parse_history(TimeLineId(2), "garbage\n").is_err());
    }
}
