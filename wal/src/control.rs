//! The control file, `global/pg_control` (PostgreSQL's `pg_control.h` and
//! `xlog.c`'s `ReadControlFile` / `UpdateControlFile`): where recovery starts.
//!
//! ```text
//! global/pg_control, 60 bytes, little-endian
//! offset size
//!   0     4   magic "HGPC"
//!   4     4   format version (1)
//!   8     4   state (DbState: 1 shut down, 4 in crash recovery, 6 in production, ...)
//!  12     4   timeline of the last checkpoint
//!  16     8   checkpoint LSN: start of the last checkpoint record
//!  24     8   redo LSN: where replay starts for that checkpoint
//!  32     8   next xid at the checkpoint
//!  40     4   next oid at the checkpoint
//!  44     4   reserved, 0
//!  48     8   time of the checkpoint (seconds since the Unix epoch)
//!  56     4   CRC-32C of bytes 0..56
//! ```
//!
//! Written atomically: the new contents go to `global/pg_control.tmp`, which
//! is fsynced, renamed over `global/pg_control`, and the directory fsynced.
//! A reader therefore sees the old file or the new one, never a mix; a file
//! whose CRC does not match is an error, never silently used.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Lsn;
use crate::error::{Result, WalError};
use crate::segment::{TimeLineId, fsync_dir};

const MAGIC: &[u8; 4] = b"HGPC";
const VERSION: u32 = 1;
/// Size of the control file.
pub const CONTROL_FILE_SIZE: usize = 60;

/// The cluster's state as the control file records it (PostgreSQL's
/// `DBState`, same numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbState {
    /// Being created.
    Startup = 0,
    /// Shut down cleanly: no recovery needed.
    Shutdowned = 1,
    /// Shut down while in recovery (standby); unused for now.
    ShutdownedInRecovery = 2,
    /// Shutting down.
    Shutdowning = 3,
    /// Crash recovery is running.
    InCrashRecovery = 4,
    /// Archive recovery is running.
    InArchiveRecovery = 5,
    /// Running normally: a crash since then needs recovery.
    InProduction = 6,
}

impl DbState {
    fn from_u32(v: u32) -> Option<DbState> {
        Some(match v {
            0 => DbState::Startup,
            1 => DbState::Shutdowned,
            2 => DbState::ShutdownedInRecovery,
            3 => DbState::Shutdowning,
            4 => DbState::InCrashRecovery,
            5 => DbState::InArchiveRecovery,
            6 => DbState::InProduction,
            _ => return None,
        })
    }

    /// The text `pg_controldata` prints.
    pub fn name(self) -> &'static str {
        match self {
            DbState::Startup => "starting up",
            DbState::Shutdowned => "shut down",
            DbState::ShutdownedInRecovery => "shut down in recovery",
            DbState::Shutdowning => "shutting down",
            DbState::InCrashRecovery => "in crash recovery",
            DbState::InArchiveRecovery => "in archive recovery",
            DbState::InProduction => "in production",
        }
    }
}

/// The contents of `global/pg_control`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlFile {
    /// The cluster's state.
    pub state: DbState,
    /// Timeline of the last checkpoint.
    pub timeline: TimeLineId,
    /// Start of the last checkpoint record.
    pub checkpoint: Lsn,
    /// Where replay starts for the last checkpoint.
    pub redo: Lsn,
    /// Next xid at the last checkpoint (raw).
    pub next_xid: u64,
    /// Next oid at the last checkpoint (raw).
    pub next_oid: u32,
    /// Seconds since the Unix epoch when the checkpoint was taken.
    pub time: u64,
}

impl ControlFile {
    /// The path under the data directory.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("global").join("pg_control")
    }

    /// The exact bytes (see the module doc).
    pub fn encode(&self) -> [u8; CONTROL_FILE_SIZE] {
        let mut b = [0u8; CONTROL_FILE_SIZE];
        b[0..4].copy_from_slice(MAGIC);
        b[4..8].copy_from_slice(&VERSION.to_le_bytes());
        b[8..12].copy_from_slice(&(self.state as u32).to_le_bytes());
        b[12..16].copy_from_slice(&self.timeline.0.to_le_bytes());
        b[16..24].copy_from_slice(&self.checkpoint.0.to_le_bytes());
        b[24..32].copy_from_slice(&self.redo.0.to_le_bytes());
        b[32..40].copy_from_slice(&self.next_xid.to_le_bytes());
        b[40..44].copy_from_slice(&self.next_oid.to_le_bytes());
        b[48..56].copy_from_slice(&self.time.to_le_bytes());
        let crc = crc32c::crc32c(&b[..56]);
        b[56..60].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Parses and validates the bytes; the error says what is wrong.
    pub fn decode(b: &[u8]) -> std::result::Result<ControlFile, String> {
        if b.len() != CONTROL_FILE_SIZE {
            return Err(format!(
                "wrong size {} (expected {CONTROL_FILE_SIZE})",
                b.len()
            ));
        }
        if &b[0..4] != MAGIC {
            return Err("bad magic number".into());
        }
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let u64_at = |o: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[o..o + 8]);
            u64::from_le_bytes(a)
        };
        if crc32c::crc32c(&b[..56]) != u32_at(56) {
            return Err("incorrect checksum in control file".into());
        }
        if u32_at(4) != VERSION {
            return Err(format!("unsupported control file version {}", u32_at(4)));
        }
        let state = DbState::from_u32(u32_at(8)).ok_or("invalid state")?;
        Ok(ControlFile {
            state,
            timeline: TimeLineId(u32_at(12)),
            checkpoint: Lsn(u64_at(16)),
            redo: Lsn(u64_at(24)),
            next_xid: u64_at(32),
            next_oid: u32_at(40),
            time: u64_at(48),
        })
    }

    /// Reads `global/pg_control`; `None` if it does not exist.
    pub fn read(data_dir: &Path) -> Result<Option<ControlFile>> {
        let path = Self::path(data_dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(WalError::io(format!("read file {}", path.display()), e)),
        };
        Self::decode(&bytes)
            .map(Some)
            .map_err(|why| WalError::Corrupted(format!("{}: {why}", path.display())))
    }

    /// Writes `global/pg_control` atomically (module doc). With `fsync`
    /// false the file and directory are not synced.
    pub fn write(&self, data_dir: &Path, fsync: bool) -> Result<()> {
        let path = Self::path(data_dir);
        let dir = data_dir.join("global");
        let tmp = dir.join("pg_control.tmp");
        let io = |what: &str, p: &Path, e| WalError::io(format!("{what} {}", p.display()), e);
        {
            let mut f = File::create(&tmp).map_err(|e| io("create file", &tmp, e))?;
            f.write_all(&self.encode())
                .map_err(|e| io("write file", &tmp, e))?;
            if fsync {
                f.sync_all().map_err(|e| io("fsync file", &tmp, e))?;
            }
        }
        std::fs::rename(&tmp, &path).map_err(|e| io("rename file", &tmp, e))?;
        if fsync {
            fsync_dir(&dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ControlFile {
        ControlFile {
            state: DbState::InProduction,
            timeline: TimeLineId::FIRST,
            checkpoint: Lsn(0x1000100),
            redo: Lsn(0x1000028),
            next_xid: 1234,
            next_oid: 16390,
            time: 1_700_000_000,
        }
    }

    #[test]
    fn round_trip_and_atomic_replace() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("global")).unwrap();
        assert_eq!(ControlFile::read(dir.path()).unwrap(), None);
        let c = sample();
        c.write(dir.path(), true).unwrap();
        assert_eq!(ControlFile::read(dir.path()).unwrap(), Some(c));
        let c2 = ControlFile {
            state: DbState::Shutdowned,
            ..c
        };
        c2.write(dir.path(), true).unwrap();
        assert_eq!(ControlFile::read(dir.path()).unwrap(), Some(c2));
        assert!(!dir.path().join("global/pg_control.tmp").exists());
    }

    #[test]
    fn corruption_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("global")).unwrap();
        sample().write(dir.path(), false).unwrap();
        let p = ControlFile::path(dir.path());
        let mut b = std::fs::read(&p).unwrap();
        b[20] ^= 1;
        std::fs::write(&p, &b).unwrap();
        assert!(matches!(
            ControlFile::read(dir.path()),
            Err(WalError::Corrupted(_))
        ));
        std::fs::write(&p, &b[..10]).unwrap();
        assert!(ControlFile::read(dir.path()).is_err());
    }
}
