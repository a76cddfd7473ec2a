//! The system catalogs heapgres stores, with PostgreSQL's OIDs, names and
//! column order (a prefix of PostgreSQL 15's columns where we do not yet
//! keep them all).

use crate::datum::{SqlType, TypeOid};
use crate::heap::tuple::TupleDesc;
use crate::types::Oid;

/// A system catalog's definition.
pub struct SystemTable {
    /// Its OID, which is also its relfilenode.
    pub oid: Oid,
    /// `pg_class.relname`.
    pub name: &'static str,
    /// Columns in attribute order.
    pub columns: &'static [(&'static str, TypeOid)],
}

impl SystemTable {
    /// The storage layout of its rows.
    pub fn desc(&self) -> TupleDesc {
        TupleDesc::new(self.columns.iter().map(|(_, t)| SqlType::new(*t)))
    }

    /// The position of column `name`.
    pub fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("system table {} has no column {name}", self.name))
    }
}

use TypeOid as T;

/// `pg_namespace`
pub const PG_NAMESPACE: SystemTable = SystemTable {
    oid: Oid(2615),
    name: "pg_namespace",
    columns: &[("oid", T::OID), ("nspname", T::NAME), ("nspowner", T::OID)],
};

/// `pg_class` (`reloptions` comes right after `relrewrite`: the columns
/// between them in PostgreSQL are not kept)
pub const PG_CLASS: SystemTable = SystemTable {
    oid: Oid(1259),
    name: "pg_class",
    columns: &[
        ("oid", T::OID),
        ("relname", T::NAME),
        ("relnamespace", T::OID),
        ("reltype", T::OID),
        ("reloftype", T::OID),
        ("relowner", T::OID),
        ("relam", T::OID),
        ("relfilenode", T::OID),
        ("reltablespace", T::OID),
        ("relpages", T::INT4),
        ("reltuples", T::FLOAT4),
        ("relallvisible", T::INT4),
        ("reltoastrelid", T::OID),
        ("relhasindex", T::BOOL),
        ("relisshared", T::BOOL),
        ("relpersistence", T::CHAR),
        ("relkind", T::CHAR),
        ("relnatts", T::INT2),
        ("relchecks", T::INT2),
        ("relhasrules", T::BOOL),
        ("relhastriggers", T::BOOL),
        ("relhassubclass", T::BOOL),
        ("relrowsecurity", T::BOOL),
        ("relforcerowsecurity", T::BOOL),
        ("relispopulated", T::BOOL),
        ("relreplident", T::CHAR),
        ("relispartition", T::BOOL),
        ("relrewrite", T::OID),
        ("reloptions", T::TEXT_ARRAY),
    ],
};

/// `pg_attribute`
pub const PG_ATTRIBUTE: SystemTable = SystemTable {
    oid: Oid(1249),
    name: "pg_attribute",
    columns: &[
        ("attrelid", T::OID),
        ("attname", T::NAME),
        ("atttypid", T::OID),
        ("attstattarget", T::INT4),
        ("attlen", T::INT2),
        ("attnum", T::INT2),
        ("attndims", T::INT4),
        ("attcacheoff", T::INT4),
        ("atttypmod", T::INT4),
        ("attbyval", T::BOOL),
        ("attalign", T::CHAR),
        ("attstorage", T::CHAR),
        ("attcompression", T::CHAR),
        ("attnotnull", T::BOOL),
        ("atthasdef", T::BOOL),
        ("atthasmissing", T::BOOL),
        ("attidentity", T::CHAR),
        ("attgenerated", T::CHAR),
        ("attisdropped", T::BOOL),
        ("attislocal", T::BOOL),
        ("attinhcount", T::INT4),
        ("attcollation", T::OID),
    ],
};

/// `pg_attrdef`: column defaults. `adbin` holds the default's SQL text
/// (PostgreSQL stores a node tree there).
pub const PG_ATTRDEF: SystemTable = SystemTable {
    oid: Oid(2604),
    name: "pg_attrdef",
    columns: &[
        ("oid", T::OID),
        ("adrelid", T::OID),
        ("adnum", T::INT2),
        ("adbin", T::TEXT),
    ],
};

/// `pg_type` (the columns drivers read).
pub const PG_TYPE: SystemTable = SystemTable {
    oid: Oid(1247),
    name: "pg_type",
    columns: &[
        ("oid", T::OID),
        ("typname", T::NAME),
        ("typnamespace", T::OID),
        ("typowner", T::OID),
        ("typlen", T::INT2),
        ("typbyval", T::BOOL),
        ("typtype", T::CHAR),
        ("typcategory", T::CHAR),
        ("typispreferred", T::BOOL),
        ("typisdefined", T::BOOL),
        ("typdelim", T::CHAR),
        ("typrelid", T::OID),
        ("typelem", T::OID),
        ("typarray", T::OID),
        ("typalign", T::CHAR),
        ("typstorage", T::CHAR),
        ("typnotnull", T::BOOL),
        ("typbasetype", T::OID),
        ("typtypmod", T::INT4),
        ("typndims", T::INT4),
        ("typcollation", T::OID),
    ],
};

/// `pg_database`
pub const PG_DATABASE: SystemTable = SystemTable {
    oid: Oid(1262),
    name: "pg_database",
    columns: &[
        ("oid", T::OID),
        ("datname", T::NAME),
        ("datdba", T::OID),
        ("encoding", T::INT4),
        ("datlocprovider", T::CHAR),
        ("datistemplate", T::BOOL),
        ("datallowconn", T::BOOL),
        ("datconnlimit", T::INT4),
        ("datcollate", T::TEXT),
        ("datctype", T::TEXT),
    ],
};

/// `pg_authid`
pub const PG_AUTHID: SystemTable = SystemTable {
    oid: Oid(1260),
    name: "pg_authid",
    columns: &[
        ("oid", T::OID),
        ("rolname", T::NAME),
        ("rolsuper", T::BOOL),
        ("rolinherit", T::BOOL),
        ("rolcreaterole", T::BOOL),
        ("rolcreatedb", T::BOOL),
        ("rolcanlogin", T::BOOL),
        ("rolreplication", T::BOOL),
        ("rolbypassrls", T::BOOL),
        ("rolconnlimit", T::INT4),
        ("rolpassword", T::TEXT),
        ("rolvaliduntil", T::TIMESTAMPTZ),
    ],
};

/// `pg_sequence`: one row per sequence.
pub const PG_SEQUENCE: SystemTable = SystemTable {
    oid: Oid(2224),
    name: "pg_sequence",
    columns: &[
        ("seqrelid", T::OID),
        ("seqtypid", T::OID),
        ("seqstart", T::INT8),
        ("seqincrement", T::INT8),
        ("seqmax", T::INT8),
        ("seqmin", T::INT8),
        ("seqcache", T::INT8),
        ("seqcycle", T::BOOL),
    ],
};

/// `pg_depend`: dependencies between objects (here: a serial column's
/// sequence on its table, `deptype = 'a'`).
pub const PG_DEPEND: SystemTable = SystemTable {
    oid: Oid(2608),
    name: "pg_depend",
    columns: &[
        ("classid", T::OID),
        ("objid", T::OID),
        ("objsubid", T::INT4),
        ("refclassid", T::OID),
        ("refobjid", T::OID),
        ("refobjsubid", T::INT4),
        ("deptype", T::CHAR),
    ],
};

/// `pg_rewrite`: a view's `_RETURN` rule. `ev_action` holds the view's
/// query as SQL text (PostgreSQL stores a node tree), its `*` already
/// expanded to the columns it meant when the view was made; `ev_qual` is
/// empty.
pub const PG_REWRITE: SystemTable = SystemTable {
    oid: Oid(2618),
    name: "pg_rewrite",
    columns: &[
        ("oid", T::OID),
        ("rulename", T::NAME),
        ("ev_class", T::OID),
        ("ev_type", T::CHAR),
        ("ev_enabled", T::CHAR),
        ("is_instead", T::BOOL),
        ("ev_qual", T::TEXT),
        ("ev_action", T::TEXT),
    ],
};

/// Every system catalog, in bootstrap order.
pub const SYSTEM_TABLES: &[&SystemTable] = &[
    &PG_NAMESPACE,
    &PG_CLASS,
    &PG_ATTRIBUTE,
    &PG_ATTRDEF,
    &PG_TYPE,
    &PG_DATABASE,
    &PG_AUTHID,
    &PG_SEQUENCE,
    &PG_DEPEND,
    &PG_INDEX,
    &PG_CONSTRAINT,
    &PG_STATISTIC,
    &PG_REWRITE,
];

/// `pg_catalog`'s OID.
pub const PG_CATALOG_NAMESPACE: Oid = Oid(11);
/// `public`'s OID.
pub const PUBLIC_NAMESPACE: Oid = Oid(2200);
/// `pg_toast`'s OID (listed as in PostgreSQL; heapgres has no TOAST tables).
pub const PG_TOAST_NAMESPACE: Oid = Oid(99);
/// `information_schema`'s OID (initdb assigns one near 13000 in
/// PostgreSQL; its views are built in, see `server/src/sql/sysviews.rs`).
pub const INFORMATION_SCHEMA_NAMESPACE: Oid = Oid(13_000);
/// The bootstrap superuser `postgres`.
pub const BOOTSTRAP_SUPERUSER: Oid = Oid(10);
/// The predefined role `pg_database_owner`, owner of `public`.
pub const DATABASE_OWNER_ROLE: Oid = Oid(6171);
/// The `postgres` database.
pub const POSTGRES_DATABASE: Oid = Oid(5);
/// The heap access method (`pg_am`).
pub const HEAP_AM: Oid = Oid(2);

/// `pg_index`: one row per index. `indkey` and `indoption` hold the
/// int2vector's text form (`1 3`), as PostgreSQL prints it.
pub const PG_INDEX: SystemTable = SystemTable {
    oid: Oid(2610),
    name: "pg_index",
    columns: &[
        ("indexrelid", T::OID),
        ("indrelid", T::OID),
        ("indnatts", T::INT2),
        ("indnkeyatts", T::INT2),
        ("indisunique", T::BOOL),
        ("indnullsnotdistinct", T::BOOL),
        ("indisprimary", T::BOOL),
        ("indisexclusion", T::BOOL),
        ("indimmediate", T::BOOL),
        ("indisclustered", T::BOOL),
        ("indisvalid", T::BOOL),
        ("indcheckxmin", T::BOOL),
        ("indisready", T::BOOL),
        ("indislive", T::BOOL),
        ("indisreplident", T::BOOL),
        ("indkey", T::TEXT),
        ("indoption", T::TEXT),
    ],
};

/// `pg_constraint`: primary keys, unique and check constraints. `conkey`
/// holds the int2 array's text form (`{1,3}`); `conbin` holds a check
/// constraint's expression as SQL text (PostgreSQL keeps a node tree there).
pub const PG_CONSTRAINT: SystemTable = SystemTable {
    oid: Oid(2606),
    name: "pg_constraint",
    columns: &[
        ("oid", T::OID),
        ("conname", T::NAME),
        ("connamespace", T::OID),
        ("contype", T::CHAR),
        ("condeferrable", T::BOOL),
        ("condeferred", T::BOOL),
        ("convalidated", T::BOOL),
        ("conrelid", T::OID),
        ("contypid", T::OID),
        ("conindid", T::OID),
        ("conparentid", T::OID),
        ("confrelid", T::OID),
        ("confupdtype", T::CHAR),
        ("confdeltype", T::CHAR),
        ("confmatchtype", T::CHAR),
        ("conislocal", T::BOOL),
        ("coninhcount", T::INT4),
        ("connoinherit", T::BOOL),
        ("conkey", T::TEXT),
        ("confkey", T::TEXT),
        ("conbin", T::TEXT),
    ],
};

/// The B-tree access method (`pg_am`).
pub const BTREE_AM: Oid = Oid(403);

/// `pg_statistic`: per-column statistics from ANALYZE. The `stavaluesN`
/// arrays hold the values' text form (see [`super::statistic`]).
pub const PG_STATISTIC: SystemTable = SystemTable {
    oid: Oid(2619),
    name: "pg_statistic",
    columns: &[
        ("starelid", T::OID),
        ("staattnum", T::INT2),
        ("stainherit", T::BOOL),
        ("stanullfrac", T::FLOAT4),
        ("stawidth", T::INT4),
        ("stadistinct", T::FLOAT4),
        ("stakind1", T::INT2),
        ("stakind2", T::INT2),
        ("stakind3", T::INT2),
        ("stakind4", T::INT2),
        ("stakind5", T::INT2),
        ("staop1", T::OID),
        ("staop2", T::OID),
        ("staop3", T::OID),
        ("staop4", T::OID),
        ("staop5", T::OID),
        ("stacoll1", T::OID),
        ("stacoll2", T::OID),
        ("stacoll3", T::OID),
        ("stacoll4", T::OID),
        ("stacoll5", T::OID),
        ("stanumbers1", T::FLOAT4_ARRAY),
        ("stanumbers2", T::FLOAT4_ARRAY),
        ("stanumbers3", T::FLOAT4_ARRAY),
        ("stanumbers4", T::FLOAT4_ARRAY),
        ("stanumbers5", T::FLOAT4_ARRAY),
        ("stavalues1", T::TEXT_ARRAY),
        ("stavalues2", T::TEXT_ARRAY),
        ("stavalues3", T::TEXT_ARRAY),
        ("stavalues4", T::TEXT_ARRAY),
        ("stavalues5", T::TEXT_ARRAY),
    ],
};
