//! Failure injection for tests (the "failpoints behind a testing switch" of
//! STYLE.md), compiled only into debug builds: a release build never reads
//! the environment here and every check is a no-op.
//!
//! A test starts the server with `HEAPGRES_FAILPOINTS=<dir>`; the failpoint
//! named `name` is active while the file `<dir>/<name>` exists, so a test can
//! switch a failure on and off while the server runs. Failpoints:
//!
//! | name                 | where                                   | fails with |
//! |----------------------|-----------------------------------------|------------|
//! | `wal_segment_enospc` | creating (or recycling into) a WAL segment | ENOSPC  |
//! | `smgr_extend_enospc` | extending a relation file by a block     | ENOSPC     |

/// `Err(ENOSPC)` if failpoint `name` is active (debug builds only).
pub fn enospc(name: &str) -> std::io::Result<()> {
    if active(name) {
        return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
    }
    Ok(())
}

#[cfg(debug_assertions)]
fn active(name: &str) -> bool {
    match std::env::var_os("HEAPGRES_FAILPOINTS") {
        Some(dir) => std::path::Path::new(&dir).join(name).exists(),
        None => false,
    }
}

#[cfg(not(debug_assertions))]
fn active(_name: &str) -> bool {
    false
}
