//! Per-relation storage parameters (PostgreSQL's `access/common/reloptions.c`):
//! `CREATE TABLE ... WITH (name = value, ...)`, `ALTER TABLE ... SET (...)`
//! and `ALTER TABLE ... RESET (...)`.
//!
//! They are kept as PostgreSQL keeps them, in `pg_class.reloptions`, a
//! `text[]` of `name=value` strings holding each value as the user wrote
//! it (`{autovacuum_enabled=off,fillfactor=70}`); a table without any has
//! NULL there. Values are checked when they are set, so reading them back
//! ([`RelOptions::parse`]) never fails.
//!
//! ```text
//!  name                              kind   range                users
//!  fillfactor                        int    10 .. 100            stored only
//!  autovacuum_enabled                bool                        autovacuum
//!  autovacuum_vacuum_threshold       int    0 .. 2147483647      autovacuum
//!  autovacuum_vacuum_scale_factor    real   0 .. 100             autovacuum
//!  autovacuum_analyze_threshold      int    0 .. 2147483647      autovacuum
//!  autovacuum_analyze_scale_factor   real   0 .. 100             autovacuum
//! ```
//!
//! Errors use PostgreSQL 15's wording, all SQLSTATE 22023.
//!
//! # Not done (yet)
//!
//! The other parameters PostgreSQL knows (`toast.*`, the insert thresholds,
//! cost settings, `parallel_workers`, ...) are rejected as unrecognized;
//! the heap does not leave `fillfactor` free space on its pages.

use crate::error::{Result, StorageError};

/// The value kinds of the parameters.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Int { min: i64, max: i64 },
    Real { min: f64, max: f64 },
}

/// The parameters heapgres knows, with their kinds.
const KNOWN: &[(&str, Kind)] = &[
    ("fillfactor", Kind::Int { min: 10, max: 100 }),
    ("autovacuum_enabled", Kind::Bool),
    (
        "autovacuum_vacuum_threshold",
        Kind::Int {
            min: 0,
            max: i32::MAX as i64,
        },
    ),
    (
        "autovacuum_vacuum_scale_factor",
        Kind::Real {
            min: 0.0,
            max: 100.0,
        },
    ),
    (
        "autovacuum_analyze_threshold",
        Kind::Int {
            min: 0,
            max: i32::MAX as i64,
        },
    ),
    (
        "autovacuum_analyze_scale_factor",
        Kind::Real {
            min: 0.0,
            max: 100.0,
        },
    ),
];

/// A relation's parameters, parsed; `None` where not set (the GUC or the
/// built-in default applies).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RelOptions {
    /// `fillfactor`
    pub fillfactor: Option<i64>,
    /// `autovacuum_enabled`
    pub autovacuum_enabled: Option<bool>,
    /// `autovacuum_vacuum_threshold`
    pub vacuum_threshold: Option<i64>,
    /// `autovacuum_vacuum_scale_factor`
    pub vacuum_scale_factor: Option<f64>,
    /// `autovacuum_analyze_threshold`
    pub analyze_threshold: Option<i64>,
    /// `autovacuum_analyze_scale_factor`
    pub analyze_scale_factor: Option<f64>,
}

impl RelOptions {
    /// Parses stored `name=value` strings (checked when set; anything
    /// unreadable is ignored rather than failing a reader).
    pub fn parse(stored: &[String]) -> RelOptions {
        let mut o = RelOptions::default();
        for item in stored {
            let Some((name, value)) = item.split_once('=') else {
                continue;
            };
            match name {
                "fillfactor" => o.fillfactor = value.parse().ok(),
                "autovacuum_enabled" => o.autovacuum_enabled = parse_bool(value),
                "autovacuum_vacuum_threshold" => o.vacuum_threshold = value.parse().ok(),
                "autovacuum_vacuum_scale_factor" => o.vacuum_scale_factor = value.parse().ok(),
                "autovacuum_analyze_threshold" => o.analyze_threshold = value.parse().ok(),
                "autovacuum_analyze_scale_factor" => o.analyze_scale_factor = value.parse().ok(),
                _ => {}
            }
        }
        o
    }
}

/// PostgreSQL's `parse_bool`: true/false, yes/no, on/off, 1/0 and their
/// unambiguous prefixes, in any case.
pub fn parse_bool(s: &str) -> Option<bool> {
    let l = s.trim().to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| l.len() >= min && word.starts_with(l.as_str());
    if prefix_of("true", 1) || prefix_of("yes", 1) || l == "on" || l == "1" {
        Some(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || l == "0" {
        Some(false)
    } else {
        None
    }
}

fn invalid(msg: String) -> StorageError {
    StorageError::InvalidParameterValue(msg)
}

/// PostgreSQL adds the bounds as a DETAIL, which a `StorageError` does not
/// carry; the message is the same.
fn out_of_bounds(name: &str, value: &str) -> StorageError {
    invalid(format!("value {value} out of bounds for option \"{name}\""))
}

/// Checks one `name = value` (`value` as written); errors as PostgreSQL's.
pub fn validate(name: &str, value: &str) -> Result<()> {
    let Some((_, kind)) = KNOWN.iter().find(|(n, _)| *n == name) else {
        return Err(invalid(format!("unrecognized parameter \"{name}\"")));
    };
    match *kind {
        Kind::Bool => {
            if parse_bool(value).is_none() {
                return Err(invalid(format!(
                    "invalid value for boolean option \"{name}\": {value}"
                )));
            }
        }
        Kind::Int { min, max } => {
            let v: i64 = value.trim().parse().map_err(|_| {
                invalid(format!(
                    "invalid value for integer option \"{name}\": {value}"
                ))
            })?;
            if v < min || v > max {
                return Err(out_of_bounds(name, value));
            }
        }
        Kind::Real { min, max } => {
            let v: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    invalid(format!(
                        "invalid value for floating point option \"{name}\": {value}"
                    ))
                })?;
            if v < min || v > max {
                return Err(out_of_bounds(name, value));
            }
        }
    }
    Ok(())
}

/// What an ALTER TABLE does to the parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum RelOptionsChange {
    /// `SET (name = value, ...)` (and CREATE TABLE's `WITH (...)`).
    Set(Vec<(String, String)>),
    /// `RESET (name, ...)`.
    Reset(Vec<String>),
}

/// The stored list after `change` is applied to `old` (PostgreSQL's
/// `transformRelOptions`): SET removes the old value and appends the new,
/// RESET removes (a name that is not set, or not known, is no error).
pub fn transform(old: &[String], change: &RelOptionsChange) -> Result<Vec<String>> {
    let names: Vec<&str> = match change {
        RelOptionsChange::Set(items) => items.iter().map(|(n, _)| n.as_str()).collect(),
        RelOptionsChange::Reset(names) => names.iter().map(String::as_str).collect(),
    };
    if let RelOptionsChange::Set(items) = change {
        for (i, (n, v)) in items.iter().enumerate() {
            validate(n, v)?;
            if names[..i].contains(&n.as_str()) {
                return Err(invalid(format!(
                    "parameter \"{n}\" specified more than once"
                )));
            }
        }
    }
    let mut out: Vec<String> = old
        .iter()
        .filter(|item| {
            let name = item.split_once('=').map_or(item.as_str(), |(n, _)| n);
            !names.contains(&name)
        })
        .cloned()
        .collect();
    if let RelOptionsChange::Set(items) = change {
        out.extend(items.iter().map(|(n, v)| format!("{n}={v}")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_and_reset_removes() {
        let set = RelOptionsChange::Set(vec![
            ("autovacuum_enabled".into(), "off".into()),
            ("fillfactor".into(), "70".into()),
        ]);
        let a = transform(&[], &set).unwrap();
        assert_eq!(a, vec!["autovacuum_enabled=off", "fillfactor=70"]);
        let b = transform(
            &a,
            &RelOptionsChange::Set(vec![("autovacuum_enabled".into(), "true".into())]),
        )
        .unwrap();
        assert_eq!(b, vec!["fillfactor=70", "autovacuum_enabled=true"]);
        let c = transform(&b, &RelOptionsChange::Reset(vec!["fillfactor".into()])).unwrap();
        assert_eq!(c, vec!["autovacuum_enabled=true"]);
        assert_eq!(RelOptions::parse(&c).autovacuum_enabled, Some(true));
        assert_eq!(RelOptions::parse(&a).autovacuum_enabled, Some(false));
    }

    #[test]
    fn bad_values_are_rejected_with_postgres_wording() {
        let e = validate("autovacuum_enabled", "maybe").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value for boolean option \"autovacuum_enabled\": maybe"
        );
        assert!(validate("x", "1").is_err());
        assert!(validate("fillfactor", "5").is_err());
        assert!(validate("autovacuum_vacuum_scale_factor", "0.05").is_ok());
        assert!(validate("autovacuum_vacuum_scale_factor", "abc").is_err());
        assert_eq!(parse_bool("OF"), Some(false));
        assert_eq!(parse_bool("o"), None);
    }
}
