//! One open data directory: the shared pieces every session uses.
//!
//! Durability before the WAL exists (issue #4): a transaction that wrote
//! anything forces its relations' dirty pages to disk and fsyncs them
//! before its commit is recorded (and fsynced) in `pg_xact`; only then is
//! the commit acknowledged. A crash therefore never loses an acknowledged
//! commit; it may leave pages of unfinished transactions on disk, which
//! visibility ignores because their xids never committed. A page torn by a
//! crash mid-write is detected by its checksum (XX001) but not repaired;
//! full-page images in the WAL will repair it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::buffer::BufferPool;
use crate::catalog::Catalog;
use crate::error::{Result, StorageError};
use crate::heap::heapam::Heap;
use crate::smgr::Smgr;
use crate::txn::TransactionManager;
use crate::types::{ForkNumber, RelFileLocator, Xid};

/// Settings the engine is opened with.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// `shared_buffers`, in 8 KiB pages.
    pub shared_buffers: usize,
    /// `fsync`: when off, nothing is forced to disk (throwaway data only).
    pub fsync: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            shared_buffers: 16384,
            fsync: true,
        }
    }
}

/// The storage engine of one data directory.
pub struct Engine {
    data_dir: PathBuf,
    /// The buffer pool.
    pub pool: Arc<BufferPool>,
    /// Transactions, snapshots and locks.
    pub txns: Arc<TransactionManager>,
    /// The heap access method.
    pub heap: Arc<Heap>,
    /// The system catalog.
    pub catalog: Catalog,
    fsync: bool,
}

impl Engine {
    /// Opens (creating and bootstrapping if needed) the data directory.
    pub fn open(data_dir: &Path, opts: &EngineOptions) -> Result<Arc<Engine>> {
        for sub in ["global", "base", "pg_xact"] {
            let p = data_dir.join(sub);
            std::fs::create_dir_all(&p)
                .map_err(|e| StorageError::io(format!("create directory {}", p.display()), e))?;
        }
        let smgr = Arc::new(Smgr::new(data_dir));
        let pool = BufferPool::new(opts.shared_buffers.max(16), smgr);
        let txns = Arc::new(TransactionManager::open(data_dir, Xid::FIRST_NORMAL)?);
        txns.set_sync_commit(opts.fsync);
        let heap = Arc::new(Heap::new(pool.clone(), txns.clone()));
        let catalog = Catalog::open(heap.clone(), data_dir)?;
        Ok(Arc::new(Engine {
            data_dir: data_dir.to_path_buf(),
            pool,
            txns,
            heap,
            catalog,
            fsync: opts.fsync,
        }))
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Forces the pages of `rels` to disk before a commit is recorded.
    pub fn force_relations(&self, rels: &[RelFileLocator]) -> Result<()> {
        for rel in rels {
            if !self.pool.smgr().exists(*rel, ForkNumber::Main) {
                continue;
            }
            self.pool.flush_relation(*rel)?;
            if self.fsync {
                self.pool.smgr().sync(*rel, ForkNumber::Main)?;
            }
        }
        Ok(())
    }

    /// Writes every dirty page and fsyncs every file (CHECKPOINT, clean
    /// shutdown).
    pub fn checkpoint(&self) -> Result<()> {
        self.pool.flush_all()?;
        if self.fsync {
            self.pool.smgr().sync_all()?;
        }
        self.txns.clog().flush()
    }
}
