//! An archive in an object store (`archive_library = 'object_store'` with
//! `object_store.archive_url`): WAL files are uploaded as objects named
//! `<url path>/<file name>` and downloaded from there by archive recovery.
//!
//! # URLs
//!
//! The URL is resolved with `object_store::parse_url_opts`, so every
//! scheme is configured the same way:
//!
//! ```text
//! file:///var/lib/heapgres/archive     LocalFileSystem (always compiled in)
//! s3://bucket/prefix, gs://…, az://…    that store, if its object_store
//!                                       feature is compiled in; credentials
//!                                       from the environment (AWS_*, …)
//! ```
//!
//! A scheme whose feature is not compiled in, or a URL that does not parse,
//! is rejected when the server starts ([`WalError::ArchiveUrl`]), never at
//! the first segment.
//!
//! # Rules
//!
//! 1. An upload is a `PutMode::Create`: it never replaces an object. When
//!    the object exists already, its bytes are compared with the file's:
//!    the same bytes count as archived (a retry after a crash between the
//!    upload and `.done`), different bytes are an error, as
//!    `basic_archive` does ([`crate::archive`] rule 4).
//! 2. A successful `put` means the store holds the object durably (for
//!    `LocalFileSystem` the file is written under a temporary name and
//!    linked into place), so the archiver may write `.done` after it.
//! 3. A download writes the object to the destination and fsyncs it; a
//!    missing object (`NotFound`) means "not in the archive", any other
//!    failure is an error, so a store that cannot be reached stops recovery
//!    instead of ending it early as if the archive had ended.
//! 4. `object_store` is async; the archiver and recovery are plain
//!    threads. Each [`ObjectArchive`] owns a small current-thread tokio
//!    runtime and blocks on it, so it never touches (or needs) the
//!    server's runtime, and must not be called from inside an async task.

use std::io::Write;
use std::path::Path;

use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, ObjectStore, PutMode, PutOptions, PutPayload};

use crate::error::{Result, WalError};

/// A connection to an object-store archive (module doc).
pub struct ObjectArchive {
    /// The URL as configured, for messages and equality.
    url: String,
    /// The store the URL names.
    store: Box<dyn ObjectStore>,
    /// The URL's path inside the store: objects are `prefix/<file name>`.
    prefix: ObjectPath,
    /// The runtime the store's futures run on (rule 4).
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for ObjectArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectArchive")
            .field("url", &self.url)
            .finish()
    }
}

impl PartialEq for ObjectArchive {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
    }
}

impl Eq for ObjectArchive {}

impl ObjectArchive {
    /// Resolves `url` to a store. Cloud stores take their options from the
    /// environment (`AWS_REGION`, `GOOGLE_SERVICE_ACCOUNT`, …: each
    /// variable's name lower-cased, as `parse_url_opts` expects).
    pub fn new(url: &str) -> Result<ObjectArchive> {
        let bad = |reason: String| WalError::ArchiveUrl {
            url: url.to_string(),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let options = std::env::vars().map(|(k, v)| (k.to_ascii_lowercase(), v));
        let (store, prefix) =
            object_store::parse_url_opts(&parsed, options).map_err(|e| match e {
                object_store::Error::Generic { source, .. } => bad(format!(
                    "{source} (this heapgres was built without the object_store feature for \"{}\")",
                    parsed.scheme()
                )),
                other => bad(other.to_string()),
            })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| WalError::io("start the object store runtime", e))?;
        Ok(ObjectArchive {
            url: url.to_string(),
            store,
            prefix,
            runtime,
        })
    }

    /// The URL as configured.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn location(&self, name: &str) -> ObjectPath {
        self.prefix.clone().join(name)
    }

    /// Uploads `file` as object `name` (rules 1 and 2).
    pub fn archive(&self, file: &Path, name: &str) -> Result<()> {
        let data = std::fs::read(file)
            .map_err(|e| WalError::io(format!("read file {}", file.display()), e))?;
        let location = self.location(name);
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        let put = self.runtime.block_on(self.store.put_opts(
            &location,
            PutPayload::from(data.clone()),
            opts,
        ));
        match put {
            Ok(_) => Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => {
                match self.fetch(name)? {
                    Some(old) if old == data => Ok(()),
                    Some(_) => Err(WalError::Corrupted(format!(
                        "archive object \"{location}\" in {} already exists with different contents",
                        self.url
                    ))),
                    // Removed between the put and the get: the next attempt
                    // uploads it again.
                    None => Err(WalError::Corrupted(format!(
                        "archive object \"{location}\" in {} existed but could not be read back",
                        self.url
                    ))),
                }
            }
            Err(source) => Err(WalError::ObjectStore {
                action: format!("upload {name} to {}", self.url),
                source,
            }),
        }
    }

    /// The bytes of object `name`, `None` when the archive does not hold it.
    fn fetch(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let location = self.location(name);
        let got = self.runtime.block_on(async {
            let r = self
                .store
                .get_opts(&location, GetOptions::default())
                .await?;
            r.bytes().await
        });
        match got {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(WalError::ObjectStore {
                action: format!("download {name} from {}", self.url),
                source,
            }),
        }
    }

    /// Downloads object `name` to `dest` (rule 3). `Ok(false)`: the archive
    /// does not hold it.
    pub fn restore(&self, name: &str, dest: &Path) -> Result<bool> {
        let Some(data) = self.fetch(name)? else {
            return Ok(false);
        };
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(dest)?;
            f.write_all(&data)?;
            f.sync_all()
        };
        write().map_err(|e| WalError::io(format!("write file {}", dest.display()), e))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_url(p: &Path) -> String {
        url::Url::from_directory_path(p)
            .expect("absolute temp dir")
            .to_string()
    }

    #[test]
    fn upload_never_overwrites_different_bytes_and_restores() {
        let work = tempfile::tempdir().unwrap();
        let arch = tempfile::tempdir().unwrap();
        let store = ObjectArchive::new(&file_url(arch.path())).unwrap();
        let seg = work.path().join("000000010000000000000001");
        std::fs::write(&seg, b"one").unwrap();
        store.archive(&seg, "000000010000000000000001").unwrap();
        store.archive(&seg, "000000010000000000000001").unwrap();
        assert_eq!(
            std::fs::read(arch.path().join("000000010000000000000001")).unwrap(),
            b"one"
        );
        std::fs::write(&seg, b"two").unwrap();
        let err = store.archive(&seg, "000000010000000000000001").unwrap_err();
        assert!(err.to_string().contains("different contents"), "{err}");
        let back = work.path().join("RECOVERYXLOG");
        assert!(store.restore("000000010000000000000001", &back).unwrap());
        assert_eq!(std::fs::read(&back).unwrap(), b"one");
        assert!(!store.restore("000000010000000000000002", &back).unwrap());
    }

    #[test]
    fn scheme_without_its_feature_is_a_clear_error() {
        let err = ObjectArchive::new("s3://bucket/wal").unwrap_err();
        assert_eq!(err.sqlstate(), "22023");
        let msg = err.to_string();
        assert!(
            msg.contains("s3://bucket/wal") && msg.contains("feature"),
            "{msg}"
        );
        let err = ObjectArchive::new("not a url").unwrap_err();
        assert_eq!(err.sqlstate(), "22023");
        let err = ObjectArchive::new("ftp://host/x").unwrap_err();
        assert!(err.to_string().contains("ftp://host/x"), "{err}");
    }
}
