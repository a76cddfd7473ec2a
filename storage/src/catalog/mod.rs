//! The system catalog: tables describing tables, stored as heap tables.
//!
//! `pg_class`, `pg_attribute`, `pg_attrdef`, `pg_namespace`, `pg_type`,
//! `pg_database`, `pg_authid`, `pg_statistic` (see [`statistic`]) and the
//! others of [`defs::SYSTEM_TABLES`] are ordinary heap relations whose
//! relfilenode is their PostgreSQL OID, living in `base/5/` (the `postgres`
//! database; shared catalogs are not split into `global/` while there is one
//! database). Their rows are MVCC rows, so DDL is transactional: a table
//! created in a transaction that rolls back has no visible catalog rows.
//!
//! Bootstrap (first start) writes the rows describing the catalogs
//! themselves, the built-in types, the `pg_catalog` and `public` schemas,
//! the `postgres` database and superuser, all with `xmin = BOOTSTRAP`
//! (committed before everything).
//!
//! Lookups scan the catalogs with the caller's snapshot; callers pass a
//! fresh one (PostgreSQL's "catalog snapshot"), not a REPEATABLE READ
//! transaction's old one. A relation cache keyed by catalog generation
//! avoids re-reading descriptors: a transaction that wrote catalog rows
//! bumps the generation just before and just after it commits, and a fill
//! is kept only if the generation did not move while it ran, so no entry
//! can predate a committed change. A session whose own transaction has
//! uncommitted catalog changes bypasses the cache.
//!
//! OIDs for new objects come from a counter persisted in
//! `global/oid_state` in steps of [`OID_PREFETCH`], as PostgreSQL's
//! `nextOid` is logged ahead: after a crash some OIDs are skipped, none
//! reused.

pub mod alter;
pub mod constraint;
pub mod defs;
pub mod index;
pub mod sequence;
pub mod sequence_xlog;
pub mod statistic;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::datum::{Datum, SqlType, TypeOid};
use crate::error::{Result, StorageError};
use crate::heap::heapam::{Heap, ModifyResult, Writer};
use crate::heap::tuple::{TupleDesc, deform_tuple, form_tuple};
use crate::txn::Snapshot;
use crate::types::{ItemPointer, Oid, RelFileLocator, Xid};
pub use constraint::CheckConstraint;
use defs::*;
pub use index::{IndexColumnOrder, IndexDefinition, IndexInfo};

/// OIDs are persisted this many ahead of use.
pub const OID_PREFETCH: u32 = 1000;

/// A column of a user table.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnInfo {
    /// `attname`
    pub name: String,
    /// `atttypid` and `atttypmod`
    pub typ: SqlType,
    /// `attnotnull`
    pub not_null: bool,
    /// The default expression's SQL text, if any.
    pub default: Option<String>,
}

/// A table as the SQL layer sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TableInfo {
    /// `pg_class.oid`
    pub oid: Oid,
    /// The schema's name.
    pub schema: String,
    /// `relname`
    pub name: String,
    /// Where its files are.
    pub locator: RelFileLocator,
    /// Its columns in attribute order.
    pub columns: Vec<ColumnInfo>,
    /// Its storage layout.
    pub desc: TupleDesc,
    /// `relkind` (`r` for tables).
    pub relkind: char,
    /// Its indexes, in creation order.
    pub indexes: Vec<Arc<IndexInfo>>,
    /// Its check constraints, in creation order.
    pub checks: Vec<CheckConstraint>,
}

/// Files to remove when a transaction ends, like PostgreSQL's pending
/// deletes: relations created by an aborted transaction, relations dropped
/// by a committed one. The session hands them to
/// [`crate::txn::TransactionState::commit_with`] / `abort_with`, which name
/// them in the commit / abort record and remove them (redo removes them
/// too).
#[derive(Debug, Default)]
pub struct PendingFiles {
    /// Remove if the transaction aborts.
    pub on_abort: Vec<RelFileLocator>,
    /// Remove if the transaction commits.
    pub on_commit: Vec<RelFileLocator>,
}

/// The system catalog.
pub struct Catalog {
    heap: Arc<Heap>,
    db: Oid,
    next_oid: Mutex<OidCounter>,
    generation: AtomicU64,
    cache: Mutex<RelCache>,
    sequences: sequence::SequenceStates,
}

#[derive(Default)]
struct RelCache {
    generation: u64,
    by_name: HashMap<(Oid, String), Arc<TableInfo>>,
    namespaces: HashMap<String, Option<Oid>>,
}

impl RelCache {
    /// Empties the cache if the catalog changed since it was filled (the
    /// generation only moves forward).
    fn sync(&mut self, generation: u64) {
        if generation > self.generation {
            self.by_name.clear();
            self.namespaces.clear();
            self.generation = generation;
        }
    }
}

struct OidCounter {
    path: PathBuf,
    next: u32,
    limit: u32,
}

impl OidCounter {
    fn open(data_dir: &Path) -> Result<Self> {
        let path = data_dir.join("global").join("oid_state");
        let limit = match std::fs::read_to_string(&path) {
            Ok(s) => s.trim().parse::<u32>().map_err(|_| {
                StorageError::Corrupted(format!("invalid OID state in {}", path.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Oid::FIRST_NORMAL.0,
            Err(e) => return Err(StorageError::io(format!("read {}", path.display()), e)),
        };
        Ok(OidCounter {
            path,
            next: limit,
            limit,
        })
    }

    fn allocate(&mut self) -> Result<Oid> {
        if self.next >= self.limit {
            let new_limit = self.next.saturating_add(OID_PREFETCH);
            write_durably(&self.path, new_limit.to_string().as_bytes())?;
            self.limit = new_limit;
        }
        let oid = Oid(self.next);
        self.next = self.next.checked_add(1).unwrap_or(Oid::FIRST_NORMAL.0);
        Ok(oid)
    }
}

/// Writes a small file atomically: temp file, fsync, rename, fsync dir.
pub fn write_durably(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let io = |what: &str, e| StorageError::io(format!("{what} {}", path.display()), e);
    let mut f = std::fs::File::create(&tmp).map_err(|e| io("create", e))?;
    f.write_all(data).map_err(|e| io("write", e))?;
    f.sync_all().map_err(|e| io("fsync", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("rename", e))?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("fsync directory of", e))?;
    }
    Ok(())
}

/// The `pg_attribute` row of column `attnum` (1-based) of `rel`.
fn attribute_row(rel: Oid, attnum: i16, col: &ColumnInfo) -> Vec<Datum> {
    let t = col.typ.oid;
    let len = t.typlen();
    vec![
        Datum::Oid(rel.0),
        Datum::Text(col.name.clone()),
        Datum::Oid(t.0),
        Datum::Int4(-1),
        Datum::Int2(len),
        Datum::Int2(attnum),
        Datum::Int4(0),
        Datum::Int4(-1),
        Datum::Int4(col.typ.typmod),
        Datum::Bool(len > 0 && len <= 8),
        ch(align_char(t)),
        ch(if len == -1 { 'x' } else { 'p' }),
        Datum::Text(String::new()),
        Datum::Bool(col.not_null),
        Datum::Bool(col.default.is_some()),
        Datum::Bool(false),
        Datum::Text(String::new()),
        Datum::Text(String::new()),
        Datum::Bool(false),
        Datum::Bool(true),
        Datum::Int4(0),
        Datum::Oid(
            if matches!(t, TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR) {
                100
            } else {
                0
            },
        ),
    ]
}

fn oid(v: &Datum) -> Oid {
    match v {
        Datum::Oid(o) => Oid(*o),
        _ => Oid::INVALID,
    }
}

fn text(v: &Datum) -> &str {
    match v {
        Datum::Text(s) => s,
        _ => "",
    }
}

fn ch(c: char) -> Datum {
    Datum::Text(c.to_string())
}

fn type_category(t: TypeOid) -> char {
    match t {
        TypeOid::BOOL => 'B',
        TypeOid::INT2
        | TypeOid::INT4
        | TypeOid::INT8
        | TypeOid::FLOAT4
        | TypeOid::FLOAT8
        | TypeOid::NUMERIC
        | TypeOid::OID => 'N',
        TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR | TypeOid::NAME | TypeOid::CHAR => 'S',
        TypeOid::DATE | TypeOid::TIME | TypeOid::TIMESTAMP | TypeOid::TIMESTAMPTZ => 'D',
        TypeOid::INTERVAL => 'T',
        TypeOid::UNKNOWN => 'X',
        _ => 'U',
    }
}

fn align_char(t: TypeOid) -> char {
    match t.align() {
        crate::datum::types::Align::Char => 'c',
        crate::datum::types::Align::Short => 's',
        crate::datum::types::Align::Int => 'i',
        crate::datum::types::Align::Double => 'd',
    }
}

impl Catalog {
    /// Opens the catalog, bootstrapping it on a new data directory.
    pub fn open(heap: Arc<Heap>, data_dir: &Path) -> Result<Catalog> {
        let db = POSTGRES_DATABASE;
        let catalog = Catalog {
            heap,
            db,
            next_oid: Mutex::new(OidCounter::open(data_dir)?),
            generation: AtomicU64::new(1),
            cache: Mutex::new(RelCache::default()),
            sequences: Default::default(),
        };
        let class_rel = catalog.locator(PG_CLASS.oid);
        if !catalog
            .heap
            .pool()
            .smgr()
            .exists(class_rel, crate::types::ForkNumber::Main)
        {
            catalog.bootstrap()?;
        }
        Ok(catalog)
    }

    /// The database's OID.
    pub fn database(&self) -> Oid {
        self.db
    }

    pub(crate) fn locator(&self, rel_number: Oid) -> RelFileLocator {
        RelFileLocator {
            db_oid: self.db,
            rel_number,
        }
    }

    /// A new OID for a user object.
    pub fn new_oid(&self) -> Result<Oid> {
        self.next_oid.lock().allocate()
    }

    /// The next OID the counter would hand out (for checkpoint records).
    pub fn next_oid_hint(&self) -> Oid {
        Oid(self.next_oid.lock().next)
    }

    /// The catalog generation: it changes whenever a transaction that
    /// changed catalog rows commits or aborts (plans bound earlier are stale).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks the cached descriptors stale (a transaction that changed
    /// catalog rows has ended).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn insert_row(
        &self,
        table: &SystemTable,
        values: &[Datum],
        xid: Xid,
        cid: crate::types::CommandId,
    ) -> Result<ItemPointer> {
        let mut buf = Vec::new();
        form_tuple(&table.desc(), values, &mut buf)?;
        self.heap
            .insert(self.locator(table.oid), &mut buf, xid, cid)
    }

    fn bootstrap(&self) -> Result<()> {
        tracing::info!("bootstrapping the system catalog");
        for t in SYSTEM_TABLES {
            self.heap.create_relation(self.locator(t.oid))?;
        }
        let x = Xid::BOOTSTRAP;
        let c = crate::types::CommandId::FIRST;
        // `public` belongs to pg_database_owner, as in PostgreSQL 15.
        for (oid, name, owner) in [
            (PG_CATALOG_NAMESPACE, "pg_catalog", BOOTSTRAP_SUPERUSER),
            (PUBLIC_NAMESPACE, "public", DATABASE_OWNER_ROLE),
        ] {
            self.insert_row(
                &PG_NAMESPACE,
                &[
                    Datum::Oid(oid.0),
                    Datum::Text(name.into()),
                    Datum::Oid(owner.0),
                ],
                x,
                c,
            )?;
        }
        for (toid, name, len, _) in crate::datum::types::BUILTIN_TYPES {
            let values = vec![
                Datum::Oid(toid.0),
                Datum::Text((*name).into()),
                Datum::Oid(PG_CATALOG_NAMESPACE.0),
                Datum::Oid(BOOTSTRAP_SUPERUSER.0),
                Datum::Int2(*len),
                Datum::Bool(*len > 0 && *len <= 8),
                ch('b'),
                ch(if name.starts_with('_') {
                    'A'
                } else {
                    type_category(*toid)
                }),
                Datum::Bool(matches!(
                    *toid,
                    TypeOid::FLOAT8 | TypeOid::TEXT | TypeOid::TIMESTAMPTZ | TypeOid::BOOL
                )),
                Datum::Bool(true),
                ch(','),
                Datum::Oid(0),
                Datum::Oid(toid.elem_type().map_or(0, |e| e.0)),
                Datum::Oid(toid.array_type().map_or(0, |a| a.0)),
                ch(align_char(*toid)),
                ch(if *len == -1 { 'x' } else { 'p' }),
                Datum::Bool(false),
                Datum::Oid(0),
                Datum::Int4(-1),
                Datum::Int4(0),
                Datum::Oid(
                    if matches!(
                        *toid,
                        TypeOid::TEXT | TypeOid::VARCHAR | TypeOid::BPCHAR | TypeOid::NAME
                    ) {
                        100
                    } else {
                        0
                    },
                ),
            ];
            self.insert_row(&PG_TYPE, &values, x, c)?;
        }
        for t in SYSTEM_TABLES {
            let cols: Vec<ColumnInfo> = t
                .columns
                .iter()
                .map(|(n, ty)| ColumnInfo {
                    name: (*n).into(),
                    typ: SqlType::new(*ty),
                    not_null: true,
                    default: None,
                })
                .collect();
            self.insert_class_rows(t.oid, PG_CATALOG_NAMESPACE, t.name, t.oid, &cols, 'r', x, c)?;
        }
        self.insert_row(
            &PG_DATABASE,
            &[
                Datum::Oid(POSTGRES_DATABASE.0),
                Datum::Text("postgres".into()),
                Datum::Oid(BOOTSTRAP_SUPERUSER.0),
                Datum::Int4(6),
                ch('c'),
                Datum::Bool(false),
                Datum::Bool(true),
                Datum::Int4(-1),
                Datum::Text("C".into()),
                Datum::Text("C".into()),
            ],
            x,
            c,
        )?;
        self.insert_row(
            &PG_AUTHID,
            &[
                Datum::Oid(BOOTSTRAP_SUPERUSER.0),
                Datum::Text("postgres".into()),
                Datum::Bool(true),
                Datum::Bool(true),
                Datum::Bool(true),
                Datum::Bool(true),
                Datum::Bool(true),
                Datum::Bool(true),
                Datum::Bool(true),
                Datum::Int4(-1),
                Datum::Null,
                Datum::Null,
            ],
            x,
            c,
        )?;
        // The predefined role owning `public`: it cannot log in.
        self.insert_row(
            &PG_AUTHID,
            &[
                Datum::Oid(DATABASE_OWNER_ROLE.0),
                Datum::Text("pg_database_owner".into()),
                Datum::Bool(false),
                Datum::Bool(true),
                Datum::Bool(false),
                Datum::Bool(false),
                Datum::Bool(false),
                Datum::Bool(false),
                Datum::Bool(false),
                Datum::Int4(-1),
                Datum::Null,
                Datum::Null,
            ],
            x,
            c,
        )?;
        self.heap.pool().flush_all()?;
        self.heap.pool().smgr().sync_all()?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_class_rows(
        &self,
        rel_oid: Oid,
        namespace: Oid,
        name: &str,
        filenode: Oid,
        columns: &[ColumnInfo],
        relkind: char,
        xid: Xid,
        cid: crate::types::CommandId,
    ) -> Result<()> {
        let natts = i16::try_from(columns.len()).map_err(|_| {
            StorageError::ProgramLimitExceeded("tables can have at most 1600 columns".into())
        })?;
        let class_row = vec![
            Datum::Oid(rel_oid.0),
            Datum::Text(name.into()),
            Datum::Oid(namespace.0),
            Datum::Oid(0),
            Datum::Oid(0),
            Datum::Oid(BOOTSTRAP_SUPERUSER.0),
            Datum::Oid(if relkind == 'i' {
                BTREE_AM.0
            } else {
                HEAP_AM.0
            }),
            Datum::Oid(filenode.0),
            Datum::Oid(0),
            Datum::Int4(0),
            Datum::Float4(-1.0),
            Datum::Int4(0),
            Datum::Oid(0),
            Datum::Bool(false),
            Datum::Bool(false),
            ch('p'),
            ch(relkind),
            Datum::Int2(natts),
            Datum::Int2(0),
            Datum::Bool(false),
            Datum::Bool(false),
            Datum::Bool(false),
            Datum::Bool(false),
            Datum::Bool(false),
            Datum::Bool(true),
            ch('d'),
            Datum::Bool(false),
            Datum::Oid(0),
        ];
        self.insert_row(&PG_CLASS, &class_row, xid, cid)?;
        for (i, col) in columns.iter().enumerate() {
            let attnum = (i + 1) as i16;
            self.insert_row(
                &PG_ATTRIBUTE,
                &attribute_row(rel_oid, attnum, col),
                xid,
                cid,
            )?;
            if let Some(def) = &col.default {
                self.insert_attrdef(rel_oid, attnum, def, xid, cid)?;
            }
        }
        Ok(())
    }

    /// Inserts the `pg_attrdef` row of column `attnum` of `rel`.
    pub(crate) fn insert_attrdef(
        &self,
        rel: Oid,
        attnum: i16,
        def: &str,
        xid: Xid,
        cid: crate::types::CommandId,
    ) -> Result<()> {
        let def_oid = if xid == Xid::BOOTSTRAP {
            Oid(0)
        } else {
            self.new_oid()?
        };
        self.insert_row(
            &PG_ATTRDEF,
            &[
                Datum::Oid(def_oid.0),
                Datum::Oid(rel.0),
                Datum::Int2(attnum),
                Datum::Text(def.to_string()),
            ],
            xid,
            cid,
        )?;
        Ok(())
    }

    /// Scans a system table, calling `f` with each visible row and its TID
    /// until it returns false.
    pub fn scan_table(
        &self,
        table: &SystemTable,
        snap: &Snapshot,
        mut f: impl FnMut(ItemPointer, &[Datum]) -> Result<bool>,
    ) -> Result<()> {
        let desc = table.desc();
        let mut scan = self.heap.scan(self.locator(table.oid), snap.clone())?;
        let mut row = Vec::with_capacity(desc.natts());
        while let Some((tid, tuple)) = scan.next_tuple()? {
            deform_tuple(&desc, tuple, &mut row)?;
            if !f(tid, &row)? {
                break;
            }
        }
        Ok(())
    }

    /// The OID of schema `name`, from the cache when `use_cache` (see
    /// [`Catalog::lookup_table`]).
    pub fn namespace_oid_cached(
        &self,
        name: &str,
        snap: &Snapshot,
        use_cache: bool,
    ) -> Result<Option<Oid>> {
        if !use_cache {
            return self.namespace_oid(name, snap);
        }
        let generation = self.generation.load(Ordering::Acquire);
        {
            let mut cache = self.cache.lock();
            cache.sync(generation);
            if let Some(found) = cache.namespaces.get(name) {
                return Ok(*found);
            }
        }
        let found = self.namespace_oid(name, snap)?;
        let mut cache = self.cache.lock();
        if self.generation.load(Ordering::Acquire) == generation && cache.generation == generation {
            cache.namespaces.insert(name.to_string(), found);
        }
        Ok(found)
    }

    /// The OID of schema `name`.
    pub fn namespace_oid(&self, name: &str, snap: &Snapshot) -> Result<Option<Oid>> {
        let mut found = None;
        self.scan_table(&PG_NAMESPACE, snap, |_, row| {
            if text(&row[1]) == name {
                found = Some(oid(&row[0]));
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(found)
    }

    /// The name of schema `ns`.
    pub fn namespace_name(&self, ns: Oid, snap: &Snapshot) -> Result<Option<String>> {
        let mut found = None;
        self.scan_table(&PG_NAMESPACE, snap, |_, row| {
            if oid(&row[0]) == ns {
                found = Some(text(&row[1]).to_string());
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(found)
    }

    /// The OID of role `name` (`pg_authid`).
    pub fn role_oid(&self, name: &str, snap: &Snapshot) -> Result<Option<Oid>> {
        let mut found = None;
        self.scan_table(&PG_AUTHID, snap, |_, row| {
            if text(&row[1]) == name {
                found = Some(oid(&row[0]));
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(found)
    }

    /// The table `name` in schema `ns`. With `use_cache`, a descriptor read
    /// since the last catalog change is reused.
    pub fn lookup_table(
        &self,
        ns: Oid,
        ns_name: &str,
        name: &str,
        snap: &Snapshot,
        use_cache: bool,
    ) -> Result<Option<Arc<TableInfo>>> {
        let generation = self.generation.load(Ordering::Acquire);
        if use_cache {
            let cache = self.cache.lock();
            if cache.generation == generation
                && let Some(t) = cache.by_name.get(&(ns, name.to_string()))
            {
                return Ok(Some(t.clone()));
            }
        }
        let mut class: Option<(Oid, Oid, char)> = None;
        let relname_col = PG_CLASS.col("relname");
        let relns_col = PG_CLASS.col("relnamespace");
        let filenode_col = PG_CLASS.col("relfilenode");
        let kind_col = PG_CLASS.col("relkind");
        self.scan_table(&PG_CLASS, snap, |_, row| {
            if oid(&row[relns_col]) == ns && text(&row[relname_col]) == name {
                let kind = text(&row[kind_col]).chars().next().unwrap_or('r');
                class = Some((oid(&row[0]), oid(&row[filenode_col]), kind));
                return Ok(false);
            }
            Ok(true)
        })?;
        let Some((rel_oid, filenode, relkind)) = class else {
            return Ok(None);
        };
        let mut cols: Vec<(i16, ColumnInfo)> = Vec::new();
        self.scan_table(&PG_ATTRIBUTE, snap, |_, row| {
            if oid(&row[0]) == rel_oid {
                let num = match row[5] {
                    Datum::Int2(n) => n,
                    _ => 0,
                };
                let typmod = match row[8] {
                    Datum::Int4(m) => m,
                    _ => -1,
                };
                let dropped = matches!(row[18], Datum::Bool(true));
                if num > 0 && !dropped {
                    cols.push((
                        num,
                        ColumnInfo {
                            name: text(&row[1]).to_string(),
                            typ: SqlType::with_typmod(TypeOid(oid(&row[2]).0), typmod),
                            not_null: matches!(row[13], Datum::Bool(true)),
                            default: None,
                        },
                    ));
                }
            }
            Ok(true)
        })?;
        cols.sort_by_key(|(n, _)| *n);
        self.scan_table(&PG_ATTRDEF, snap, |_, row| {
            if oid(&row[1]) == rel_oid
                && let Datum::Int2(n) = row[2]
                && let Some((_, c)) = cols.iter_mut().find(|(k, _)| *k == n)
            {
                c.default = Some(text(&row[3]).to_string());
            }
            Ok(true)
        })?;
        let columns: Vec<ColumnInfo> = cols.into_iter().map(|(_, c)| c).collect();
        let desc = TupleDesc::new(columns.iter().map(|c| c.typ));
        let (indexes, checks) = if relkind == 'r' {
            (
                self.load_indexes(rel_oid, &columns, snap)?,
                self.load_checks(rel_oid, snap)?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let info = Arc::new(TableInfo {
            oid: rel_oid,
            schema: ns_name.to_string(),
            name: name.to_string(),
            locator: self.locator(filenode),
            columns,
            desc,
            relkind,
            indexes,
            checks,
        });
        if use_cache {
            let mut cache = self.cache.lock();
            cache.sync(generation);
            if self.generation.load(Ordering::Acquire) == generation
                && cache.generation == generation
            {
                cache.by_name.insert((ns, name.to_string()), info.clone());
            }
        }
        Ok(Some(info))
    }

    /// Creates a table: catalog rows under `w`, and its (empty) file, which
    /// `pending` removes if the transaction aborts.
    pub fn create_table(
        &self,
        ns: Oid,
        name: &str,
        columns: &[ColumnInfo],
        w: &Writer<'_>,
        pending: &mut PendingFiles,
    ) -> Result<Oid> {
        let rel_oid = self.new_oid()?;
        let locator = self.locator(rel_oid);
        self.heap.create_relation(locator)?;
        pending.on_abort.push(locator);
        self.insert_class_rows(rel_oid, ns, name, rel_oid, columns, 'r', w.xid, w.cid)?;
        Ok(rel_oid)
    }

    /// Deletes every visible row of `table` for which `matches` holds.
    pub(crate) fn delete_rows(
        &self,
        table: &SystemTable,
        snap: &Snapshot,
        w: &Writer<'_>,
        matches: impl Fn(&[Datum]) -> bool,
    ) -> Result<usize> {
        let mut tids = Vec::new();
        self.scan_table(table, snap, |tid, row| {
            if matches(row) {
                tids.push(tid);
            }
            Ok(true)
        })?;
        for tid in &tids {
            match self.heap.delete(self.locator(table.oid), *tid, w)? {
                ModifyResult::Ok | ModifyResult::SelfModified => {}
                ModifyResult::Updated(_) | ModifyResult::Deleted => {
                    return Err(StorageError::SerializationFailure(
                        "concurrent catalog change",
                    ));
                }
            }
        }
        Ok(tids.len())
    }

    /// Drops a table: deletes its catalog rows under `w`; its files are
    /// removed by `pending` when the transaction commits.
    pub fn drop_table(
        &self,
        table: &TableInfo,
        snap: &Snapshot,
        w: &Writer<'_>,
        pending: &mut PendingFiles,
    ) -> Result<()> {
        let rel = table.oid;
        for index in &table.indexes {
            self.drop_index(index, snap, w, pending)?;
        }
        self.drop_checks_of(rel, snap, w)?;
        self.drop_statistics(rel, snap, w)?;
        self.delete_rows(&PG_CLASS, snap, w, |row| oid(&row[0]) == rel)?;
        self.delete_rows(&PG_ATTRIBUTE, snap, w, |row| oid(&row[0]) == rel)?;
        self.delete_rows(&PG_ATTRDEF, snap, w, |row| oid(&row[1]) == rel)?;
        pending.on_commit.push(table.locator);
        Ok(())
    }

    /// Gives relation `rel` (a table or an index; `old` its current file)
    /// a new relation file (TRUNCATE, REINDEX): updates
    /// `pg_class.relfilenode` under `w` and returns the new file, which the
    /// caller creates as its access method does (`Heap::create_relation`,
    /// `BTree::create`); the old file goes when the transaction commits,
    /// the new one if it aborts.
    pub fn new_relfilenode(
        &self,
        rel: Oid,
        old: RelFileLocator,
        snap: &Snapshot,
        w: &Writer<'_>,
        pending: &mut PendingFiles,
    ) -> Result<RelFileLocator> {
        let filenode = self.new_oid()?;
        let locator = self.locator(filenode);
        pending.on_abort.push(locator);
        let col = PG_CLASS.col("relfilenode");
        self.update_class_row(rel, snap, w, |row| row[col] = Datum::Oid(filenode.0))?;
        pending.on_commit.push(old);
        Ok(locator)
    }

    /// The relation with OID `rel`, if visible.
    pub fn table_by_oid(&self, rel: Oid, snap: &Snapshot) -> Result<Option<Arc<TableInfo>>> {
        let mut found = None;
        let relns_col = PG_CLASS.col("relnamespace");
        self.scan_table(&PG_CLASS, snap, |_, row| {
            if oid(&row[0]) == rel {
                found = Some((oid(&row[relns_col]), text(&row[1]).to_string()));
                return Ok(false);
            }
            Ok(true)
        })?;
        let Some((ns, name)) = found else {
            return Ok(None);
        };
        let ns_name = self.namespace_name(ns, snap)?.unwrap_or_default();
        self.lookup_table(ns, &ns_name, &name, snap, false)
    }

    /// Creates a schema.
    pub fn create_namespace(&self, name: &str, w: &Writer<'_>) -> Result<Oid> {
        let ns = self.new_oid()?;
        self.insert_row(
            &PG_NAMESPACE,
            &[
                Datum::Oid(ns.0),
                Datum::Text(name.into()),
                Datum::Oid(BOOTSTRAP_SUPERUSER.0),
            ],
            w.xid,
            w.cid,
        )?;
        Ok(ns)
    }

    /// Drops a schema's row (its tables must be dropped first).
    pub fn drop_namespace(&self, ns: Oid, snap: &Snapshot, w: &Writer<'_>) -> Result<()> {
        self.delete_rows(&PG_NAMESPACE, snap, w, |row| oid(&row[0]) == ns)?;
        Ok(())
    }

    /// The names of the tables in schema `ns`.
    pub fn tables_in_namespace(&self, ns: Oid, snap: &Snapshot) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let relns_col = PG_CLASS.col("relnamespace");
        self.scan_table(&PG_CLASS, snap, |_, row| {
            if oid(&row[relns_col]) == ns {
                names.push(text(&row[1]).to_string());
            }
            Ok(true)
        })?;
        Ok(names)
    }

    /// Removes the files of relations whose fate is decided outside a commit
    /// or abort record (a commit that failed before its record was written).
    pub fn remove_files(&self, rels: &[RelFileLocator]) {
        for rel in rels {
            if let Err(e) = self.heap.drop_relation(*rel) {
                tracing::warn!("could not remove files of relation {rel}: {e}");
            }
        }
    }
}
