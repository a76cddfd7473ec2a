//! Built-in SQL types: their PostgreSQL OIDs, names and storage properties
//! (`typlen`, `typalign`, `typbyval`), which fix how a value is laid out in a
//! heap tuple.

use crate::types::Oid;

/// A column's type: the `pg_type` OID plus the type modifier (`atttypmod`),
/// which is -1 when there is none, `n + 4` for `varchar(n)` / `char(n)`, and
/// `((precision << 16) | scale) + 4` for `numeric(p, s)`, as in PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SqlType {
    /// The type's OID in `pg_type`.
    pub oid: TypeOid,
    /// The type modifier, -1 for none.
    pub typmod: i32,
}

impl SqlType {
    /// A type with no modifier.
    pub const fn new(oid: TypeOid) -> Self {
        SqlType { oid, typmod: -1 }
    }

    /// A type with a modifier.
    pub const fn with_typmod(oid: TypeOid, typmod: i32) -> Self {
        SqlType { oid, typmod }
    }
}

/// The OID of a built-in type in `pg_type` (PostgreSQL's values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeOid(pub u32);

/// How a type's values are aligned in a tuple (`pg_type.typalign`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// `c`: 1 byte.
    Char,
    /// `s`: 2 bytes.
    Short,
    /// `i`: 4 bytes.
    Int,
    /// `d`: 8 bytes.
    Double,
}

impl Align {
    /// The alignment in bytes.
    pub fn bytes(self) -> usize {
        match self {
            Align::Char => 1,
            Align::Short => 2,
            Align::Int => 4,
            Align::Double => 8,
        }
    }
}

macro_rules! builtin_types {
    ($( $konst:ident = $oid:literal, $name:literal, $len:literal, $align:ident; )*) => {
        impl TypeOid {
            $( #[doc = concat!("`", $name, "`")] pub const $konst: TypeOid = TypeOid($oid); )*
        }

        /// Every built-in type: (OID, `typname`, `typlen`, `typalign`).
        pub const BUILTIN_TYPES: &[(TypeOid, &str, i16, Align)] = &[
            $( (TypeOid($oid), $name, $len, Align::$align), )*
        ];
    };
}

builtin_types! {
    BOOL = 16, "bool", 1, Char;
    BYTEA = 17, "bytea", -1, Int;
    CHAR = 18, "char", 1, Char;
    NAME = 19, "name", 64, Char;
    INT8 = 20, "int8", 8, Double;
    INT2 = 21, "int2", 2, Short;
    INT2VECTOR = 22, "int2vector", -1, Int;
    INT4 = 23, "int4", 4, Int;
    REGPROC = 24, "regproc", 4, Int;
    TEXT = 25, "text", -1, Int;
    OID = 26, "oid", 4, Int;
    TID = 27, "tid", 6, Short;
    XID = 28, "xid", 4, Int;
    CID = 29, "cid", 4, Int;
    OIDVECTOR = 30, "oidvector", -1, Int;
    JSON = 114, "json", -1, Int;
    PG_NODE_TREE = 194, "pg_node_tree", -1, Int;
    FLOAT4 = 700, "float4", 4, Int;
    FLOAT8 = 701, "float8", 8, Double;
    UNKNOWN = 705, "unknown", -2, Char;
    ACLITEM = 1033, "aclitem", 12, Int;
    BPCHAR = 1042, "bpchar", -1, Int;
    VARCHAR = 1043, "varchar", -1, Int;
    DATE = 1082, "date", 4, Int;
    TIME = 1083, "time", 8, Double;
    TIMESTAMP = 1114, "timestamp", 8, Double;
    TIMESTAMPTZ = 1184, "timestamptz", 8, Double;
    INTERVAL = 1186, "interval", 16, Double;
    TIMETZ = 1266, "timetz", 12, Double;
    NUMERIC = 1700, "numeric", -1, Int;
    REGPROCEDURE = 2202, "regprocedure", 4, Int;
    REGOPER = 2203, "regoper", 4, Int;
    REGCLASS = 2205, "regclass", 4, Int;
    REGTYPE = 2206, "regtype", 4, Int;
    RECORD = 2249, "record", -1, Double;
    CSTRING = 2275, "cstring", -2, Char;
    ANY = 2276, "any", 4, Int;
    ANYARRAY = 2277, "anyarray", -1, Double;
    VOID = 2278, "void", 4, Int;
    TRIGGER = 2279, "trigger", 4, Int;
    ANYELEMENT = 2283, "anyelement", 4, Int;
    UUID = 2950, "uuid", 16, Char;
    PG_LSN = 3220, "pg_lsn", 8, Double;
    JSONB = 3802, "jsonb", -1, Int;
    REGNAMESPACE = 4089, "regnamespace", 4, Int;
    REGROLE = 4096, "regrole", 4, Int;
    JSON_ARRAY = 199, "_json", -1, Int;
    BOOL_ARRAY = 1000, "_bool", -1, Int;
    BYTEA_ARRAY = 1001, "_bytea", -1, Int;
    CHAR_ARRAY = 1002, "_char", -1, Int;
    NAME_ARRAY = 1003, "_name", -1, Int;
    INT2_ARRAY = 1005, "_int2", -1, Int;
    INT4_ARRAY = 1007, "_int4", -1, Int;
    REGPROC_ARRAY = 1008, "_regproc", -1, Int;
    TEXT_ARRAY = 1009, "_text", -1, Int;
    BPCHAR_ARRAY = 1014, "_bpchar", -1, Int;
    VARCHAR_ARRAY = 1015, "_varchar", -1, Int;
    INT8_ARRAY = 1016, "_int8", -1, Double;
    FLOAT4_ARRAY = 1021, "_float4", -1, Int;
    FLOAT8_ARRAY = 1022, "_float8", -1, Double;
    OID_ARRAY = 1028, "_oid", -1, Int;
    TIMESTAMP_ARRAY = 1115, "_timestamp", -1, Double;
    DATE_ARRAY = 1182, "_date", -1, Int;
    TIME_ARRAY = 1183, "_time", -1, Double;
    TIMESTAMPTZ_ARRAY = 1185, "_timestamptz", -1, Double;
    INTERVAL_ARRAY = 1187, "_interval", -1, Double;
    NUMERIC_ARRAY = 1231, "_numeric", -1, Int;
    REGCLASS_ARRAY = 2210, "_regclass", -1, Int;
    REGTYPE_ARRAY = 2211, "_regtype", -1, Int;
    UUID_ARRAY = 2951, "_uuid", -1, Int;
    PG_LSN_ARRAY = 3221, "_pg_lsn", -1, Double;
    JSONB_ARRAY = 3807, "_jsonb", -1, Int;
    REGNAMESPACE_ARRAY = 4090, "_regnamespace", -1, Int;
    REGROLE_ARRAY = 4097, "_regrole", -1, Int;
}

impl TypeOid {
    /// The type's row in [`BUILTIN_TYPES`], if it is built in.
    fn builtin(self) -> Option<&'static (TypeOid, &'static str, i16, Align)> {
        BUILTIN_TYPES.iter().find(|t| t.0 == self)
    }

    /// `pg_type.typname`, or `None` for a type that is not built in.
    pub fn typname(self) -> Option<&'static str> {
        self.builtin().map(|t| t.1)
    }

    /// `pg_type.typlen`: the fixed size in bytes, -1 for varlena, -2 for C strings.
    pub fn typlen(self) -> i16 {
        self.builtin().map_or(-1, |t| t.2)
    }

    /// `pg_type.typalign`.
    pub fn align(self) -> Align {
        self.builtin().map_or(Align::Int, |t| t.3)
    }

    /// The name `format_type` prints and error messages use
    /// (`integer`, `character varying`, `timestamp with time zone`, ...).
    pub fn sql_name(self) -> &'static str {
        match self {
            TypeOid::BOOL => "boolean",
            TypeOid::INT2 => "smallint",
            TypeOid::INT4 => "integer",
            TypeOid::INT8 => "bigint",
            TypeOid::FLOAT4 => "real",
            TypeOid::FLOAT8 => "double precision",
            TypeOid::VARCHAR => "character varying",
            TypeOid::BPCHAR => "character",
            TypeOid::CHAR => "\"char\"",
            TypeOid::TIME => "time without time zone",
            TypeOid::TIMETZ => "time with time zone",
            TypeOid::TIMESTAMP => "timestamp without time zone",
            TypeOid::TIMESTAMPTZ => "timestamp with time zone",
            other => match super::array::array_sql_name(other) {
                Some(name) => name,
                None => other.typname().unwrap_or("unknown"),
            },
        }
    }

    /// For an array type, its element type (`pg_type.typelem`).
    pub fn elem_type(self) -> Option<TypeOid> {
        super::array::ARRAY_TYPES
            .iter()
            .find(|a| a.0 == self)
            .map(|a| a.1)
    }

    /// The array type whose elements are of this type (`pg_type.typarray`).
    pub fn array_type(self) -> Option<TypeOid> {
        super::array::ARRAY_TYPES
            .iter()
            .find(|a| a.1 == self)
            .map(|a| a.0)
    }

    /// True for the built-in array types.
    pub fn is_array(self) -> bool {
        self.elem_type().is_some()
    }
}

impl From<TypeOid> for Oid {
    fn from(t: TypeOid) -> Oid {
        Oid(t.0)
    }
}
