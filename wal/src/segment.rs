//! WAL segment files: 16 MiB pieces of the WAL stream under `pg_wal/`, named
//! as PostgreSQL names them (`XLogFileName`).
//!
//! ```text
//! pg_wal/TTTTTTTTLLLLLLLLSSSSSSSS      24 upper-case hex digits
//!        │       │       └ segment within the 4 GiB "log id": segno % 256
//!        │       └ log id: segno / 256 (the LSN's high 32 bits)
//!        └ timeline
//! segno = LSN / 16 MiB;  offset in file = LSN % 16 MiB
//!
//! LSN 0/1000000  -> 000000010000000000000001 offset 0   (the first segment)
//! LSN 0/16B3F48  -> 000000010000000000000001 offset 0x6B3F48
//! LSN 1/2000000  -> 000000010000000100000002
//! ```
//!
//! The stream is continuous: no per-page headers, a record that crosses a
//! segment boundary simply continues at offset 0 of the next file. A new
//! segment is created at its full 16 MiB length with `set_len` (a sparse
//! file of zeros: cheap, and `fdatasync` never has to grow the file); the
//! zeros after the last record read as a zero-length record, which ends the
//! WAL.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::Lsn;
use crate::error::{Result, WalError};

/// Size of one segment file (`wal_segment_size`, PostgreSQL's default).
pub const WAL_SEGMENT_SIZE: u64 = 16 << 20;

/// Segments per 4 GiB "log id" (the middle eight digits of a file name).
pub const SEGMENTS_PER_XLOGID: u64 = 0x1_0000_0000 / WAL_SEGMENT_SIZE;

/// The LSN of the first record of a new cluster: the start of segment 1,
/// as in PostgreSQL (LSN 0 is [`Lsn::INVALID`]).
pub const FIRST_LSN: Lsn = Lsn(WAL_SEGMENT_SIZE);

/// A timeline id (PostgreSQL's `TimeLineID`); a new cluster is on 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeLineId(pub u32);

impl TimeLineId {
    /// The timeline a new cluster starts on.
    pub const FIRST: TimeLineId = TimeLineId(1);
}

impl std::fmt::Display for TimeLineId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A segment number: LSN / [`WAL_SEGMENT_SIZE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SegNo(pub u64);

impl SegNo {
    /// The segment holding `lsn`.
    pub fn of(lsn: Lsn) -> SegNo {
        SegNo(lsn.0 / WAL_SEGMENT_SIZE)
    }

    /// The LSN of the segment's first byte.
    pub fn start(self) -> Lsn {
        Lsn(self.0 * WAL_SEGMENT_SIZE)
    }
}

/// The byte offset of `lsn` within its segment.
pub fn segment_offset(lsn: Lsn) -> u64 {
    lsn.0 % WAL_SEGMENT_SIZE
}

/// PostgreSQL's `XLogFileName`: `000000010000000000000001`.
pub fn segment_file_name(tli: TimeLineId, segno: SegNo) -> String {
    format!(
        "{:08X}{:08X}{:08X}",
        tli.0,
        segno.0 / SEGMENTS_PER_XLOGID,
        segno.0 % SEGMENTS_PER_XLOGID
    )
}

/// Parses a segment file name back into its timeline and segment number.
pub fn parse_segment_file_name(name: &str) -> Option<(TimeLineId, SegNo)> {
    if name.len() != 24 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let tli = u32::from_str_radix(&name[0..8], 16).ok()?;
    let log = u64::from_str_radix(&name[8..16], 16).ok()?;
    let seg = u64::from_str_radix(&name[16..24], 16).ok()?;
    if seg >= SEGMENTS_PER_XLOGID {
        return None;
    }
    Some((TimeLineId(tli), SegNo(log * SEGMENTS_PER_XLOGID + seg)))
}

/// The path of a segment file under `wal_dir`.
pub fn segment_path(wal_dir: &Path, tli: TimeLineId, segno: SegNo) -> PathBuf {
    wal_dir.join(segment_file_name(tli, segno))
}

/// Every segment of timeline `tli` present in `wal_dir`, in order.
pub fn list_segments(wal_dir: &Path, tli: TimeLineId) -> Result<Vec<SegNo>> {
    Ok(list_all_segments(wal_dir)?
        .into_iter()
        .filter(|(t, _)| *t == tli)
        .map(|(_, s)| s)
        .collect())
}

/// Every segment of every timeline present in `wal_dir`, by timeline then
/// segment.
pub fn list_all_segments(wal_dir: &Path) -> Result<Vec<(TimeLineId, SegNo)>> {
    let mut v = Vec::new();
    let rd = match std::fs::read_dir(wal_dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(v),
        Err(e) => {
            return Err(WalError::io(
                format!("read directory {}", wal_dir.display()),
                e,
            ));
        }
    };
    for ent in rd {
        let ent =
            ent.map_err(|e| WalError::io(format!("read directory {}", wal_dir.display()), e))?;
        if let Some(name) = ent.file_name().to_str()
            && let Some(ts) = parse_segment_file_name(name)
        {
            v.push(ts);
        }
    }
    v.sort();
    Ok(v)
}

/// Fsyncs a directory so a created, renamed or removed entry is durable.
pub fn fsync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| WalError::io(format!("fsync directory {}", dir.display()), e))
}

/// Called with a segment file's name before it is opened, so archive
/// recovery can restore it from the archive into the WAL directory.
pub type RestoreHook = Box<dyn FnMut(&str) -> Result<()> + Send>;

/// Reads byte ranges of the WAL stream from segment files, keeping the last
/// file open.
pub struct SegmentSource {
    wal_dir: PathBuf,
    tli: TimeLineId,
    /// For reading across timelines: which timeline's file holds each
    /// segment ([`crate::timeline::Timeline::for_segment`]).
    history: Option<Vec<crate::timeline::Timeline>>,
    restore: Option<RestoreHook>,
    open: Option<(SegNo, File)>,
    /// The first segment file found missing.
    missing: Option<String>,
}

impl SegmentSource {
    /// Reads timeline `tli` under `wal_dir`.
    pub fn new(wal_dir: &Path, tli: TimeLineId) -> Self {
        SegmentSource {
            wal_dir: wal_dir.to_path_buf(),
            tli,
            history: None,
            restore: None,
            open: None,
            missing: None,
        }
    }

    /// Reads each segment from the timeline of `history` that holds it
    /// (archive recovery following a timeline history).
    pub fn with_history(mut self, history: Vec<crate::timeline::Timeline>) -> Self {
        self.history = Some(history);
        self
    }

    /// Calls `hook` with each segment file's name before opening it.
    pub fn with_restore(mut self, hook: RestoreHook) -> Self {
        self.restore = Some(hook);
        self
    }

    /// The name of the segment file that holds `segno` for this source.
    pub fn file_name(&self, segno: SegNo) -> String {
        let tli = self
            .history
            .as_deref()
            .and_then(|h| crate::timeline::Timeline::for_segment(h, segno))
            .unwrap_or(self.tli);
        segment_file_name(tli, segno)
    }

    /// The first segment file that was looked for and not found.
    pub fn missing_file(&self) -> Option<&str> {
        self.missing.as_deref()
    }

    /// Fills `buf` from the stream at `lsn`, crossing segment files; returns
    /// how many bytes were available (fewer at a missing file or a short
    /// file: both are the end of the WAL).
    pub fn read_at(&mut self, lsn: Lsn, buf: &mut [u8]) -> Result<usize> {
        use std::os::unix::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            let pos = Lsn(lsn.0 + done as u64);
            let segno = SegNo::of(pos);
            let name = self.file_name(segno);
            if self.open.as_ref().map(|(s, _)| *s) != Some(segno) {
                self.open = None;
                if let Some(hook) = self.restore.as_mut() {
                    hook(&name)?;
                }
                let path = self.wal_dir.join(&name);
                match File::open(&path) {
                    Ok(f) => self.open = Some((segno, f)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        self.missing.get_or_insert(name);
                        return Ok(done);
                    }
                    Err(e) => return Err(WalError::io(format!("open file {}", path.display()), e)),
                }
            }
            let Some((_, f)) = &self.open else {
                return Ok(done);
            };
            let off = segment_offset(pos);
            let want = ((WAL_SEGMENT_SIZE - off) as usize).min(buf.len() - done);
            let n = f
                .read_at(&mut buf[done..done + want], off)
                .map_err(|e| WalError::io(format!("read file {name}"), e))?;
            if n == 0 {
                return Ok(done);
            }
            done += n;
        }
        Ok(done)
    }
}

/// Starts timeline `new` at `switch`: its first segment is a copy of
/// `old`'s segment up to the switch point, zeros after (the module doc of
/// [`crate::timeline`]). Nothing to copy when `switch` starts a segment.
pub fn begin_timeline_segment(
    wal_dir: &Path,
    old: TimeLineId,
    new: TimeLineId,
    switch: Lsn,
    fsync: bool,
) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let segno = SegNo::of(switch);
    let keep = segment_offset(switch) as usize;
    let dest = segment_path(wal_dir, new, segno);
    if keep == 0 {
        return Ok(());
    }
    // A copy left by an earlier recovery that stopped elsewhere (and was
    // never promoted) is stale: make it again.
    let src = segment_path(wal_dir, old, segno);
    let mut prefix = vec![0u8; keep];
    File::open(&src)
        .and_then(|f| f.read_exact_at(&mut prefix, 0))
        .map_err(|e| WalError::io(format!("read file {}", src.display()), e))?;
    let tmp = wal_dir.join(format!("xlogtemp.{}", std::process::id()));
    let io = |e| WalError::io(format!("write file {}", tmp.display()), e);
    let f = File::create(&tmp).map_err(io)?;
    f.set_len(WAL_SEGMENT_SIZE).map_err(io)?;
    f.write_all_at(&prefix, 0).map_err(io)?;
    if fsync {
        f.sync_all().map_err(io)?;
    }
    drop(f);
    std::fs::rename(&tmp, &dest).map_err(|e| {
        WalError::io(
            format!("rename file {} to {}", tmp.display(), dest.display()),
            e,
        )
    })?;
    if fsync {
        fsync_dir(wal_dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_postgres() {
        let t = TimeLineId::FIRST;
        assert_eq!(
            segment_file_name(t, SegNo::of(FIRST_LSN)),
            "000000010000000000000001"
        );
        assert_eq!(
            segment_file_name(t, SegNo::of(Lsn(0x16B3F48))),
            "000000010000000000000001"
        );
        assert_eq!(
            segment_file_name(t, SegNo::of("1/2000000".parse().unwrap())),
            "000000010000000100000002"
        );
        assert_eq!(
            segment_file_name(TimeLineId(2), SegNo::of(Lsn(0xFF00_0000))),
            "0000000200000000000000FF"
        );
        for s in [1u64, 255, 256, 257, 123_456] {
            let n = segment_file_name(t, SegNo(s));
            assert_eq!(parse_segment_file_name(&n), Some((t, SegNo(s))));
        }
        assert_eq!(parse_segment_file_name("000000010000000000000100"), None);
        assert_eq!(parse_segment_file_name("archive_status"), None);
    }
}
