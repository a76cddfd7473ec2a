//! Settings ("GUCs"): PostgreSQL's names, defaults, units and contexts.
//!
//! Values come, in increasing precedence, from the built-in defaults,
//! `heapgres.conf` (postgresql.conf syntax), `-c name=value` on the command
//! line, and per session from the startup packet and `SET`. `SHOW`, `SHOW
//! ALL`, `RESET` and `current_setting()` read them back. Memory and time
//! settings accept PostgreSQL's units (`kB`, `MB`, `GB`, `ms`, `s`, `min`,
//! `h`, `d`) and are shown in PostgreSQL's canonical form.

use std::collections::BTreeMap;

use crate::error::{SqlError, SqlResult};

/// When a setting may change (PostgreSQL's `GucContext`, simplified).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Fixed at server start (`postmaster`).
    Postmaster,
    /// Any session may change it (`user`).
    User,
    /// Cannot be changed (`internal`).
    Internal,
}

/// The kind of value and its checks.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// on/off
    Bool,
    /// An integer, with bounds and an optional unit.
    Int {
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
        /// `None`, `Some("kB")`, `Some("8kB")`, `Some("ms")`, `Some("s")`.
        unit: Option<&'static str>,
    },
    /// A floating point value, with bounds.
    Real {
        /// Lowest value.
        min: f64,
        /// Highest value.
        max: f64,
    },
    /// Free text.
    Text,
    /// One of a list.
    Enum(&'static [&'static str]),
}

/// One setting's definition.
pub struct Def {
    /// The name, lower case.
    pub name: &'static str,
    /// The default, as shown.
    pub default: &'static str,
    /// When it may change.
    pub context: Context,
    /// Value checks.
    pub kind: Kind,
    /// `pg_settings.short_desc`.
    pub description: &'static str,
    /// Whether a change is reported to the client (ParameterStatus).
    pub reported: bool,
}

const fn def(
    name: &'static str,
    default: &'static str,
    context: Context,
    kind: Kind,
    description: &'static str,
) -> Def {
    Def {
        name,
        default,
        context,
        kind,
        description,
        reported: false,
    }
}

const fn reported(
    name: &'static str,
    default: &'static str,
    context: Context,
    kind: Kind,
    description: &'static str,
) -> Def {
    Def {
        name,
        default,
        context,
        kind,
        description,
        reported: true,
    }
}

use Context::*;

const ISOLATION: &[&str] = &[
    "serializable",
    "repeatable read",
    "read committed",
    "read uncommitted",
];

/// Every setting heapgres knows.
pub static DEFS: &[Def] = &[
    reported(
        "application_name",
        "",
        User,
        Kind::Text,
        "Sets the application name to be reported in statistics and logs.",
    ),
    def(
        "checkpoint_completion_target",
        "0.9",
        Postmaster,
        Kind::Real { min: 0.0, max: 1.0 },
        "Time spent flushing dirty buffers during checkpoint, as fraction of checkpoint interval.",
    ),
    def(
        "autovacuum",
        "on",
        Postmaster,
        Kind::Bool,
        "Starts the autovacuum subprocess.",
    ),
    def(
        "autovacuum_analyze_threshold",
        "50",
        Postmaster,
        Kind::Int {
            min: 0,
            max: 2147483647,
            unit: None,
        },
        "Minimum number of tuple inserts, updates, or deletes prior to analyze.",
    ),
    def(
        "autovacuum_analyze_scale_factor",
        "0.1",
        Postmaster,
        Kind::Real {
            min: 0.0,
            max: 100.0,
        },
        "Number of tuple inserts, updates, or deletes prior to analyze as a fraction of reltuples.",
    ),
    def(
        "autovacuum_naptime",
        "1min",
        Postmaster,
        Kind::Int {
            min: 1,
            max: 2147483,
            unit: Some("s"),
        },
        "Time to sleep between autovacuum runs.",
    ),
    def(
        "autovacuum_vacuum_cost_delay",
        "2ms",
        Postmaster,
        Kind::Int {
            min: -1,
            max: 100,
            unit: Some("ms"),
        },
        "Vacuum cost delay in milliseconds, for autovacuum.",
    ),
    def(
        "autovacuum_vacuum_cost_limit",
        "-1",
        Postmaster,
        Kind::Int {
            min: -1,
            max: 10000,
            unit: None,
        },
        "Vacuum cost amount available before napping, for autovacuum.",
    ),
    def(
        "autovacuum_vacuum_insert_threshold",
        "1000",
        Postmaster,
        Kind::Int {
            min: -1,
            max: 2147483647,
            unit: None,
        },
        "Minimum number of tuple inserts prior to vacuum, or -1 to disable insert vacuums.",
    ),
    def(
        "autovacuum_vacuum_insert_scale_factor",
        "0.2",
        Postmaster,
        Kind::Real {
            min: 0.0,
            max: 100.0,
        },
        "Number of tuple inserts prior to vacuum as a fraction of reltuples.",
    ),
    def(
        "autovacuum_vacuum_scale_factor",
        "0.2",
        Postmaster,
        Kind::Real {
            min: 0.0,
            max: 100.0,
        },
        "Number of tuple updates or deletes prior to vacuum as a fraction of reltuples.",
    ),
    def(
        "autovacuum_vacuum_threshold",
        "50",
        Postmaster,
        Kind::Int {
            min: 0,
            max: 2147483647,
            unit: None,
        },
        "Minimum number of tuple updates or deletes prior to vacuum.",
    ),
    def(
        "archive_mode",
        "off",
        Postmaster,
        Kind::Enum(&["always", "on", "off"]),
        "Allows archiving of WAL files using archive_command.",
    ),
    def(
        "archive_command",
        "",
        Postmaster,
        Kind::Text,
        "Sets the shell command that will be called to archive a WAL file.",
    ),
    def(
        "archive_library",
        "",
        Postmaster,
        Kind::Text,
        "Sets the library that will be called to archive a WAL file (basic_archive or object_store).",
    ),
    def(
        "basic_archive.archive_directory",
        "",
        Postmaster,
        Kind::Text,
        "Archive file destination directory.",
    ),
    def(
        "object_store.archive_url",
        "",
        Postmaster,
        Kind::Text,
        "Archive URL (file://, or s3:// etc. when compiled in) for archive_library object_store.",
    ),
    def(
        "archive_timeout",
        "0",
        Postmaster,
        Kind::Int {
            min: 0,
            max: 1_073_741_823,
            unit: Some("s"),
        },
        "Sets the amount of time to wait before forcing a switch to the next WAL file.",
    ),
    def(
        "restore_command",
        "",
        Postmaster,
        Kind::Text,
        "Sets the shell command that will be called to retrieve an archived WAL file.",
    ),
    def(
        "recovery_target_time",
        "",
        Postmaster,
        Kind::Text,
        "Sets the time stamp up to which recovery will proceed.",
    ),
    def(
        "recovery_target_xid",
        "",
        Postmaster,
        Kind::Text,
        "Sets the transaction ID up to which recovery will proceed.",
    ),
    def(
        "recovery_target_lsn",
        "",
        Postmaster,
        Kind::Text,
        "Sets the LSN of the write-ahead log location up to which recovery will proceed.",
    ),
    def(
        "recovery_target_name",
        "",
        Postmaster,
        Kind::Text,
        "Sets the named restore point up to which recovery will proceed.",
    ),
    def(
        "recovery_target_inclusive",
        "on",
        Postmaster,
        Kind::Bool,
        "Sets whether to include or exclude transaction with recovery target.",
    ),
    def(
        "recovery_target_action",
        "pause",
        Postmaster,
        Kind::Enum(&["pause", "promote", "shutdown"]),
        "Sets the action to perform upon reaching the recovery target.",
    ),
    def(
        "recovery_target_timeline",
        "latest",
        Postmaster,
        Kind::Text,
        "Specifies the timeline to recover into.",
    ),
    def(
        "checkpoint_timeout",
        "5min",
        Postmaster,
        Kind::Int {
            min: 30,
            max: 86_400,
            unit: Some("s"),
        },
        "Sets the maximum time between automatic WAL checkpoints.",
    ),
    reported(
        "client_encoding",
        "UTF8",
        User,
        Kind::Enum(&["utf8", "unicode"]),
        "Sets the client's character set encoding.",
    ),
    reported(
        "DateStyle",
        "ISO, MDY",
        User,
        Kind::Text,
        "Sets the display format for date and time values.",
    ),
    def(
        "deadlock_timeout",
        "1s",
        User,
        Kind::Int {
            min: 1,
            max: 2_147_483_647,
            unit: Some("ms"),
        },
        "Sets the time to wait on a lock before checking for deadlock.",
    ),
    def(
        "default_transaction_isolation",
        "read committed",
        User,
        Kind::Enum(ISOLATION),
        "Sets the transaction isolation level of each new transaction.",
    ),
    def(
        "default_transaction_read_only",
        "off",
        User,
        Kind::Bool,
        "Sets the default read-only status of new transactions.",
    ),
    def(
        "extra_float_digits",
        "1",
        User,
        Kind::Int {
            min: -15,
            max: 3,
            unit: None,
        },
        "Sets the number of digits displayed for floating-point values.",
    ),
    def(
        "fsync",
        "on",
        Postmaster,
        Kind::Bool,
        "Forces synchronization of updates to disk.",
    ),
    def(
        "full_page_writes",
        "on",
        Postmaster,
        Kind::Bool,
        "Writes full pages to WAL when first modified after a checkpoint.",
    ),
    reported(
        "integer_datetimes",
        "on",
        Internal,
        Kind::Bool,
        "Shows whether datetimes are integer based.",
    ),
    reported(
        "IntervalStyle",
        "postgres",
        User,
        Kind::Enum(&["postgres"]),
        "Sets the display format for interval values.",
    ),
    reported(
        "is_superuser",
        "on",
        Internal,
        Kind::Bool,
        "Shows whether the current user is a superuser.",
    ),
    def(
        "listen_addresses",
        "127.0.0.1",
        Postmaster,
        Kind::Text,
        "Sets the host name or IP address(es) to listen to.",
    ),
    def(
        "log_autovacuum_min_duration",
        "10min",
        Postmaster,
        Kind::Int {
            min: -1,
            max: 2147483647,
            unit: Some("ms"),
        },
        "Sets the minimum execution time above which autovacuum actions will be logged.",
    ),
    def(
        "lock_timeout",
        "0",
        User,
        Kind::Int {
            min: 0,
            max: 2_147_483_647,
            unit: Some("ms"),
        },
        "Sets the maximum allowed duration of any wait for a lock.",
    ),
    def(
        "log_min_duration_statement",
        "-1",
        User,
        Kind::Int {
            min: -1,
            max: 2_147_483_647,
            unit: Some("ms"),
        },
        "Sets the minimum execution time above which statements will be logged.",
    ),
    def(
        "log_temp_files",
        "-1",
        User,
        Kind::Int {
            min: -1,
            max: 2_147_483_647,
            unit: Some("kB"),
        },
        "Log the use of temporary files larger than this number of kilobytes.",
    ),
    def(
        "max_connections",
        "100",
        Postmaster,
        Kind::Int {
            min: 1,
            max: 262_143,
            unit: None,
        },
        "Sets the maximum number of concurrent connections.",
    ),
    def(
        "max_wal_size",
        "1GB",
        Postmaster,
        Kind::Int {
            min: 2048,
            max: 2_147_483_647,
            unit: Some("kB"),
        },
        "Sets the WAL size that triggers a checkpoint.",
    ),
    def(
        "min_wal_size",
        "80MB",
        Postmaster,
        Kind::Int {
            min: 32768,
            max: 2_147_483_647,
            unit: Some("kB"),
        },
        "Sets the minimum size to shrink the WAL to.",
    ),
    def(
        "port",
        "5432",
        Postmaster,
        Kind::Int {
            min: 1,
            max: 65535,
            unit: None,
        },
        "Sets the TCP port the server listens on.",
    ),
    def(
        "search_path",
        "\"$user\", public",
        User,
        Kind::Text,
        "Sets the schema search order for names that are not schema-qualified.",
    ),
    reported(
        "server_encoding",
        "UTF8",
        Internal,
        Kind::Text,
        "Shows the server (database) character set encoding.",
    ),
    reported(
        "server_version",
        "15.0",
        Internal,
        Kind::Text,
        "Shows the server version.",
    ),
    def(
        "server_version_num",
        "150000",
        Internal,
        Kind::Text,
        "Shows the server version as an integer.",
    ),
    reported(
        "session_authorization",
        "postgres",
        Internal,
        Kind::Text,
        "Sets the session user name.",
    ),
    def(
        "shared_buffers",
        "128MB",
        Postmaster,
        Kind::Int {
            min: 16,
            max: 1_073_741_823,
            unit: Some("8kB"),
        },
        "Sets the number of shared memory buffers used by the server.",
    ),
    reported(
        "standard_conforming_strings",
        "on",
        User,
        Kind::Enum(&["on"]),
        "Causes '...' strings to treat backslashes literally.",
    ),
    def(
        "statement_timeout",
        "0",
        User,
        Kind::Int {
            min: 0,
            max: 2_147_483_647,
            unit: Some("ms"),
        },
        "Sets the maximum allowed duration of any statement.",
    ),
    def(
        "synchronous_commit",
        "on",
        User,
        Kind::Enum(&["on", "off", "local", "remote_write", "remote_apply"]),
        "Sets the current transaction's synchronization level.",
    ),
    reported(
        "TimeZone",
        "UTC",
        User,
        Kind::Text,
        "Sets the time zone for displaying and interpreting time stamps.",
    ),
    def(
        "transaction_isolation",
        "read committed",
        User,
        Kind::Enum(ISOLATION),
        "Sets the current transaction's isolation level.",
    ),
    def(
        "transaction_read_only",
        "off",
        User,
        Kind::Bool,
        "Sets the current transaction's read-only status.",
    ),
    def(
        "wal_writer_delay",
        "200ms",
        Postmaster,
        Kind::Int {
            min: 1,
            max: 10_000,
            unit: Some("ms"),
        },
        "Time between WAL flushes performed in the WAL writer.",
    ),
    def(
        "vacuum_cost_delay",
        "0",
        User,
        Kind::Int {
            min: 0,
            max: 100,
            unit: Some("ms"),
        },
        "Vacuum cost delay in milliseconds.",
    ),
    def(
        "vacuum_cost_limit",
        "200",
        User,
        Kind::Int {
            min: 1,
            max: 10000,
            unit: None,
        },
        "Vacuum cost amount available before napping.",
    ),
    def(
        "vacuum_cost_page_dirty",
        "20",
        User,
        Kind::Int {
            min: 0,
            max: 10000,
            unit: None,
        },
        "Vacuum cost for a page dirtied by vacuum.",
    ),
    def(
        "vacuum_cost_page_hit",
        "1",
        User,
        Kind::Int {
            min: 0,
            max: 10000,
            unit: None,
        },
        "Vacuum cost for a page found in the buffer cache.",
    ),
    def(
        "vacuum_cost_page_miss",
        "2",
        User,
        Kind::Int {
            min: 0,
            max: 10000,
            unit: None,
        },
        "Vacuum cost for a page not found in the buffer cache.",
    ),
    def(
        "work_mem",
        "4MB",
        User,
        Kind::Int {
            min: 64,
            max: 2_147_483_647,
            unit: Some("kB"),
        },
        "Sets the maximum memory to be used for query workspaces.",
    ),
    def(
        "bytea_output",
        "hex",
        User,
        Kind::Enum(&["hex"]),
        "Sets the output format for bytea.",
    ),
    def(
        "default_transaction_deferrable",
        "off",
        User,
        Kind::Bool,
        "Sets the default deferrable status of new transactions.",
    ),
    def(
        "idle_in_transaction_session_timeout",
        "0",
        User,
        Kind::Int {
            min: 0,
            max: 2_147_483_647,
            unit: Some("ms"),
        },
        "Sets the maximum allowed idle time between queries, when in a transaction.",
    ),
    def(
        "client_min_messages",
        "notice",
        User,
        Kind::Enum(&[
            "debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error",
        ]),
        "Sets the message levels that are sent to the client.",
    ),
    def(
        "row_security",
        "on",
        User,
        Kind::Bool,
        "Enable row security.",
    ),
    // Set by the first lines of every pg_dump script; nothing here reads
    // them (there are no function bodies, XML values, tablespaces or
    // other access methods to choose).
    def(
        "check_function_bodies",
        "on",
        User,
        Kind::Bool,
        "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.",
    ),
    def(
        "xmloption",
        "content",
        User,
        Kind::Enum(&["content", "document"]),
        "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.",
    ),
    def(
        "default_tablespace",
        "",
        User,
        Kind::Enum(&["", "pg_default"]),
        "Sets the default tablespace to create tables and indexes in.",
    ),
    def(
        "default_table_access_method",
        "heap",
        User,
        Kind::Enum(&["heap"]),
        "Sets the default table access method for new tables.",
    ),
    def(
        "max_identifier_length",
        "63",
        Internal,
        Kind::Int {
            min: 63,
            max: 63,
            unit: None,
        },
        "Shows the maximum identifier length.",
    ),
    def(
        "block_size",
        "8192",
        Internal,
        Kind::Int {
            min: 8192,
            max: 8192,
            unit: None,
        },
        "Shows the size of a disk block.",
    ),
    def(
        "data_directory",
        "",
        Postmaster,
        Kind::Text,
        "Sets the server's data directory.",
    ),
    def(
        "lc_collate",
        "C",
        Internal,
        Kind::Text,
        "Shows the collation order locale.",
    ),
    def(
        "lc_ctype",
        "C",
        Internal,
        Kind::Text,
        "Shows the character classification and case conversion locale.",
    ),
    def(
        "default_statistics_target",
        "100",
        User,
        Kind::Int {
            min: 1,
            max: 10000,
            unit: None,
        },
        "Sets the default statistics target.",
    ),
    def(
        "seq_page_cost",
        "1",
        User,
        Kind::Real {
            min: 0.0,
            max: 1.7976931348623157e308,
        },
        "Sets the planner's estimate of the cost of a sequentially fetched disk page.",
    ),
    def(
        "random_page_cost",
        "4",
        User,
        Kind::Real {
            min: 0.0,
            max: 1.7976931348623157e308,
        },
        "Sets the planner's estimate of the cost of a nonsequentially fetched disk page.",
    ),
    def(
        "cpu_tuple_cost",
        "0.01",
        User,
        Kind::Real {
            min: 0.0,
            max: 1.7976931348623157e308,
        },
        "Sets the planner's estimate of the cost of processing each tuple (row).",
    ),
    def(
        "cpu_index_tuple_cost",
        "0.005",
        User,
        Kind::Real {
            min: 0.0,
            max: 1.7976931348623157e308,
        },
        "Sets the planner's estimate of the cost of processing each index entry during an index scan.",
    ),
    def(
        "cpu_operator_cost",
        "0.0025",
        User,
        Kind::Real {
            min: 0.0,
            max: 1.7976931348623157e308,
        },
        "Sets the planner's estimate of the cost of processing each operator or function call.",
    ),
    def(
        "enable_seqscan",
        "on",
        User,
        Kind::Bool,
        "Enables the planner's use of sequential-scan plans.",
    ),
    def(
        "enable_indexscan",
        "on",
        User,
        Kind::Bool,
        "Enables the planner's use of index-scan plans.",
    ),
    def(
        "lc_messages",
        "C",
        User,
        Kind::Text,
        "Sets the language in which messages are displayed.",
    ),
    def(
        "lc_monetary",
        "C",
        User,
        Kind::Text,
        "Sets the locale for formatting monetary amounts.",
    ),
    def(
        "lc_numeric",
        "C",
        User,
        Kind::Text,
        "Sets the locale for formatting numbers.",
    ),
    def(
        "lc_time",
        "C",
        User,
        Kind::Text,
        "Sets the locale for formatting date and time values.",
    ),
];

/// Finds a setting by name, case-insensitively.
pub fn find(name: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

fn invalid(def: &Def, value: &str) -> SqlError {
    let msg = match def.kind {
        Kind::Bool => format!("parameter \"{}\" requires a Boolean value", def.name),
        Kind::Int { .. } | Kind::Real { .. } => format!(
            "invalid value for parameter \"{}\": \"{}\"",
            def.name, value
        ),
        _ => format!(
            "invalid value for parameter \"{}\": \"{}\"",
            def.name, value
        ),
    };
    SqlError::new("22023", msg)
}

/// Parses an integer with an optional unit into the setting's base unit.
fn parse_int_with_unit(value: &str, unit: Option<&str>) -> Option<i64> {
    let v = value.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+' || c == '.'))
        .unwrap_or(v.len());
    let (num, suffix) = v.split_at(split);
    let n: f64 = num.trim().parse().ok()?;
    let suffix = suffix.trim();
    let factor: f64 = match (unit, suffix) {
        (_, "") => 1.0,
        (Some("kB"), s) => mem_kb(s)?,
        (Some("8kB"), s) => mem_kb(s)? / 8.0,
        (Some("ms"), s) => time_ms(s)?,
        (Some("s"), s) => time_ms(s)? / 1000.0,
        _ => return None,
    };
    let r = (n * factor).round();
    (r.is_finite()).then_some(r as i64)
}

fn mem_kb(s: &str) -> Option<f64> {
    Some(match s {
        "B" => 1.0 / 1024.0,
        "kB" => 1.0,
        "MB" => 1024.0,
        "GB" => 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

fn time_ms(s: &str) -> Option<f64> {
    Some(match s {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    })
}

/// PostgreSQL's display of an integer setting with a unit: the largest unit
/// that divides it exactly.
fn show_int(n: i64, unit: Option<&str>) -> String {
    match unit {
        Some("kB") | Some("8kB") => {
            let kb = if unit == Some("8kB") { n * 8 } else { n };
            for (u, f) in [("TB", 1 << 30), ("GB", 1 << 20), ("MB", 1 << 10)] {
                if kb != 0 && kb % f == 0 {
                    return format!("{}{u}", kb / f);
                }
            }
            format!("{kb}kB")
        }
        Some("ms") | Some("s") => {
            let ms = if unit == Some("s") { n * 1000 } else { n };
            if ms <= 0 {
                return n.to_string();
            }
            for (u, f) in [
                ("d", 86_400_000),
                ("h", 3_600_000),
                ("min", 60_000),
                ("s", 1000),
            ] {
                if ms % f == 0 {
                    return format!("{}{u}", ms / f);
                }
            }
            format!("{ms}ms")
        }
        _ => n.to_string(),
    }
}

/// Checks and canonicalises `value` for `def`.
pub fn normalize(def: &Def, value: &str) -> SqlResult<String> {
    match def.kind {
        Kind::Bool => match value.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" | "t" | "y" => Ok("on".into()),
            "off" | "false" | "no" | "0" | "f" | "n" => Ok("off".into()),
            _ => Err(invalid(def, value)),
        },
        Kind::Int { min, max, unit } => {
            let n = parse_int_with_unit(value, unit).ok_or_else(|| invalid(def, value))?;
            if n < min || n > max {
                return Err(SqlError::new(
                    "22023",
                    format!(
                        "{} is outside the valid range for parameter \"{}\" ({} .. {})",
                        n, def.name, min, max
                    ),
                ));
            }
            Ok(show_int(n, unit))
        }
        Kind::Real { min, max } => {
            let v = value
                .trim()
                .parse::<f64>()
                .map_err(|_| invalid(def, value))?;
            if !(min..=max).contains(&v) {
                return Err(SqlError::new(
                    "22023",
                    format!(
                        "{} is outside the valid range for parameter \"{}\" ({} .. {})",
                        v, def.name, min, max
                    ),
                ));
            }
            Ok(v.to_string())
        }
        Kind::Text if def.name == "DateStyle" => date_style(value),
        Kind::Text => Ok(value.to_string()),
        Kind::Enum(options) => {
            let mut v = value.trim().to_ascii_lowercase();
            if def.name == "client_encoding" {
                // PostgreSQL ignores punctuation in encoding names: "utf-8".
                v.retain(|c| c.is_ascii_alphanumeric());
            }
            if options.contains(&v.as_str()) {
                Ok(if def.name == "client_encoding" {
                    "UTF8".into()
                } else {
                    v
                })
            } else {
                Err(SqlError::new(
                    "22023",
                    format!(
                        "invalid value for parameter \"{}\": \"{}\"",
                        def.name, value
                    ),
                )
                .with_hint(format!("Available values: {}.", options.join(", "))))
            }
        }
    }
}

/// Canonical `DateStyle`: PostgreSQL accepts the output style and the
/// field order in either order, alone or together (`ISO`, `MDY`, `ISO,
/// MDY`, `US`), and shows both. Only the ISO output style and the MDY
/// order are implemented; anything else is 0A000.
fn date_style(value: &str) -> SqlResult<String> {
    for part in value.split(',') {
        let p = part.trim().trim_matches('\'').trim().to_ascii_uppercase();
        if !matches!(
            p.as_str(),
            "ISO" | "MDY" | "US" | "NONEURO" | "NONEUROPEAN" | "DEFAULT"
        ) {
            return Err(SqlError::unsupported(format!(
                "DateStyle \"{}\"",
                part.trim()
            )));
        }
    }
    Ok("ISO, MDY".into())
}

/// The numeric value of an integer setting in its base unit (ms, kB, pages).
pub fn int_value(def: &Def, shown: &str) -> Option<i64> {
    match def.kind {
        Kind::Int { unit, .. } => parse_int_with_unit(shown, unit),
        _ => None,
    }
}

/// A set of setting values: the server-wide base, or one session's.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    values: BTreeMap<String, String>,
}

impl Settings {
    /// Every setting at its default.
    pub fn defaults() -> Self {
        Settings {
            values: DEFS
                .iter()
                .map(|d| (d.name.to_string(), d.default.to_string()))
                .collect(),
        }
    }

    /// The current value of `name` (a known setting or a custom `x.y`).
    pub fn get(&self, name: &str) -> Option<&str> {
        let key = find(name).map_or_else(|| name.to_ascii_lowercase(), |d| d.name.to_string());
        self.values.get(&key).map(String::as_str)
    }

    /// An integer setting in its base unit.
    pub fn get_int(&self, name: &str) -> Option<i64> {
        let d = find(name)?;
        int_value(d, self.get(name)?)
    }

    /// A boolean setting.
    pub fn get_bool(&self, name: &str) -> bool {
        self.get(name) == Some("on")
    }

    /// Sets `name`, checking the value; `allow_postmaster` is true while
    /// reading the configuration file and command line. Returns the name as
    /// defined (for ParameterStatus) and the canonical value.
    pub fn set(
        &mut self,
        name: &str,
        value: &str,
        allow_postmaster: bool,
    ) -> SqlResult<(&'static str, String)> {
        let Some(d) = find(name) else {
            if name.contains('.') {
                self.values
                    .insert(name.to_ascii_lowercase(), value.to_string());
                return Ok(("", value.to_string()));
            }
            return Err(SqlError::new(
                "42704",
                format!("unrecognized configuration parameter \"{name}\""),
            ));
        };
        match d.context {
            Context::Internal if !allow_postmaster => {
                return Err(SqlError::new(
                    "55P02",
                    format!("parameter \"{}\" cannot be changed", d.name),
                ));
            }
            Context::Postmaster if !allow_postmaster => {
                return Err(SqlError::new(
                    "55P02",
                    format!(
                        "parameter \"{}\" cannot be changed without restarting the server",
                        d.name
                    ),
                ));
            }
            _ => {}
        }
        let v = normalize(d, value)?;
        self.values.insert(d.name.to_string(), v.clone());
        Ok((d.name, v))
    }

    /// Iterates over all values, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.values.iter()
    }
}

/// Reads `heapgres.conf` text (postgresql.conf syntax: `name = value`,
/// `#` comments, optional quotes) into `settings`.
pub fn apply_config_file(settings: &mut Settings, text: &str, path: &str) -> Result<(), String> {
    for (lineno, line) in text.lines().enumerate() {
        let line = strip_comment(line).trim().to_string();
        if line.is_empty() {
            continue;
        }
        let (name, value) = match line.split_once('=') {
            Some((n, v)) => (n.trim(), v.trim()),
            None => match line.split_once(char::is_whitespace) {
                Some((n, v)) => (n.trim(), v.trim()),
                None => {
                    return Err(format!(
                        "syntax error in file \"{path}\" line {}",
                        lineno + 1
                    ));
                }
            },
        };
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or(value);
        settings
            .set(name, &value.replace("''", "'"), true)
            .map_err(|e| format!("{} in file \"{path}\" line {}", e.message, lineno + 1))?;
    }
    Ok(())
}

fn strip_comment(line: &str) -> &str {
    let mut in_quote = false;
    for (i, c) in line.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '#' if !in_quote => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_parsed_and_shown_like_postgres() {
        let mut s = Settings::defaults();
        assert_eq!(s.get("shared_buffers"), Some("128MB"));
        assert_eq!(s.get_int("shared_buffers"), Some(16384));
        s.set("statement_timeout", "1500", false).unwrap();
        assert_eq!(s.get("statement_timeout"), Some("1500ms"));
        s.set("statement_timeout", "2min", false).unwrap();
        assert_eq!(s.get("statement_timeout"), Some("2min"));
        assert_eq!(s.get_int("statement_timeout"), Some(120_000));
        s.set("work_mem", "64MB", false).unwrap();
        assert_eq!(s.get("work_mem"), Some("64MB"));
    }

    #[test]
    fn bad_values_and_names_have_postgres_errors() {
        let mut s = Settings::defaults();
        assert_eq!(s.set("nope", "1", false).unwrap_err().code, "42704");
        assert_eq!(s.set("fsync", "off", false).unwrap_err().code, "55P02");
        assert_eq!(
            s.set("checkpoint_completion_target", "1.5", true)
                .unwrap_err()
                .code,
            "22023"
        );
        s.set("checkpoint_completion_target", "0.5", true).unwrap();
        assert_eq!(s.get("checkpoint_completion_target"), Some("0.5"));
        s.set("synchronous_commit", "OFF", false).unwrap();
        assert_eq!(s.get("synchronous_commit"), Some("off"));
        s.set("min_wal_size", "64MB", true).unwrap();
        assert_eq!(s.get_int("min_wal_size"), Some(65536));
        assert_eq!(
            s.set("extra_float_digits", "9", false).unwrap_err().code,
            "22023"
        );
        assert_eq!(
            s.set("lock_timeout", "soon", false).unwrap_err().code,
            "22023"
        );
        s.set("my.custom", "x", false).unwrap();
        assert_eq!(s.get("my.custom"), Some("x"));
        assert_eq!(s.get("timezone"), Some("UTC"));
    }

    #[test]
    fn date_style_and_encoding_are_canonical() {
        let mut s = Settings::defaults();
        for v in ["ISO", "iso, mdy", "MDY", "US, ISO"] {
            s.set("datestyle", v, false).unwrap();
            assert_eq!(s.get("DateStyle"), Some("ISO, MDY"), "{v}");
        }
        assert_eq!(
            s.set("DateStyle", "German", false).unwrap_err().code,
            "0A000"
        );
        s.set("client_encoding", "utf-8", false).unwrap();
        assert_eq!(s.get("client_encoding"), Some("UTF8"));
        assert_eq!(
            s.set("client_encoding", "latin1", false).unwrap_err().code,
            "22023"
        );
    }

    #[test]
    fn config_file_syntax() {
        let mut s = Settings::defaults();
        apply_config_file(
            &mut s,
            "# comment\nshared_buffers = 64MB  # trailing\nport 6543\napplication_name = 'it''s'\n",
            "x",
        )
        .unwrap();
        assert_eq!(s.get("shared_buffers"), Some("64MB"));
        assert_eq!(s.get("port"), Some("6543"));
        assert_eq!(s.get("application_name"), Some("it's"));
        assert!(apply_config_file(&mut s, "bogus\n", "x").is_err());
    }
}
