//! Xid assignment's persistent state (PostgreSQL's `varsup.c`).
//!
//! The next xid must never go backwards across a restart, or two transactions
//! would share an xid. PostgreSQL logs `nextXid` in checkpoints and WAL; we
//! do what PostgreSQL does for OIDs (`XLOG_NEXTOID`): prefetch a range.
//!
//! Before handing out xid `X` with `X >= limit`, the transaction manager
//! durably writes `limit = X + XID_PREFETCH` to `global/xid_state`. After a
//! crash it starts at the stored limit (or the caller's value, if larger),
//! skipping at most [`XID_PREFETCH`] xids that were never used. Those skipped
//! xids read IN_PROGRESS in the clog and are not running, so they count as
//! aborted (see [`super::xact::TransactionManager::status`]). The write
//! (two fsyncs and a rename) happens inside the running-set mutex once per
//! [`XID_PREFETCH`] xids, briefly stalling snapshots.
//!
//! ```text
//! global/xid_state (20 bytes, little-endian, replaced via rename)
//! offset size
//!   0     4   magic  "XIDS"
//!   4     4   format version (1)
//!   8     8   limit: no xid at or above it has been handed out
//!  16     4   CRC-32C of bytes 0..16
//! ```

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::error::{Result, StorageError};
use crate::types::Xid;

/// How many xids are reserved with each write of the state file.
pub const XID_PREFETCH: u64 = 1024;

const MAGIC: &[u8; 4] = b"XIDS";
const VERSION: u32 = 1;
const LEN: usize = 20;

/// The state file's path under the data directory.
pub fn xid_state_path(data_dir: &Path) -> PathBuf {
    data_dir.join("global").join("xid_state")
}

/// Reads the stored limit, or None if the file does not exist.
pub fn read_xid_limit(path: &Path) -> Result<Option<Xid>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StorageError::io(format!("read file {}", path.display()), e)),
    };
    let bad = |why: &str| {
        StorageError::Corrupted(format!("invalid xid state file {}: {why}", path.display()))
    };
    if bytes.len() != LEN {
        return Err(bad("wrong length"));
    }
    if &bytes[0..4] != MAGIC {
        return Err(bad("bad magic"));
    }
    let mut w = [0u8; 4];
    w.copy_from_slice(&bytes[4..8]);
    if u32::from_le_bytes(w) != VERSION {
        return Err(bad("unknown version"));
    }
    w.copy_from_slice(&bytes[16..20]);
    if u32::from_le_bytes(w) != crc32c::crc32c(&bytes[0..16]) {
        return Err(bad("checksum mismatch"));
    }
    let mut l = [0u8; 8];
    l.copy_from_slice(&bytes[8..16]);
    Ok(Some(Xid(u64::from_le_bytes(l))))
}

/// Durably replaces the stored limit (write temp, fsync, rename, fsync dir).
pub fn write_xid_limit(path: &Path, limit: Xid) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| StorageError::Internal("xid state path has no parent".into()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| StorageError::io(format!("create directory {}", dir.display()), e))?;
    let mut buf = [0u8; LEN];
    buf[0..4].copy_from_slice(MAGIC);
    buf[4..8].copy_from_slice(&VERSION.to_le_bytes());
    buf[8..16].copy_from_slice(&limit.0.to_le_bytes());
    let crc = crc32c::crc32c(&buf[0..16]);
    buf[16..20].copy_from_slice(&crc.to_le_bytes());
    let tmp = path.with_extension("tmp");
    let io = |what: &str, p: &Path| {
        let what = format!("{what} {}", p.display());
        move |e| StorageError::io(what, e)
    };
    let mut f = File::create(&tmp).map_err(io("create file", &tmp))?;
    f.write_all(&buf).map_err(io("write file", &tmp))?;
    f.sync_all().map_err(io("fsync file", &tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("rename file", &tmp))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("fsync directory", dir))?;
    Ok(())
}
