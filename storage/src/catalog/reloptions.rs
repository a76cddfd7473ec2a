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
//! Errors use PostgreSQL 15's wording, all SQLSTATE 22023; a value out of
//! range adds PostgreSQL's DETAIL with the bounds. A boolean parameter
//! written without a value (`WITH (autovacuum_enabled)`) means true and
//! is stored as `autovacuum_enabled=true`, as PostgreSQL stores it (the
//! SQL parser supplies the `true`). Integers, as PostgreSQL's `parse_int`,
//! accept a fraction and round it (`autovacuum_vacuum_threshold = 1.5` is
//! 2; the text stays as written).
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
                "fillfactor" => o.fillfactor = parse_int(value),
                "autovacuum_enabled" => o.autovacuum_enabled = parse_bool(value),
                "autovacuum_vacuum_threshold" => o.vacuum_threshold = parse_int(value),
                "autovacuum_vacuum_scale_factor" => o.vacuum_scale_factor = value.parse().ok(),
                "autovacuum_analyze_threshold" => o.analyze_threshold = parse_int(value),
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

/// PostgreSQL's error for a value outside `min .. max` (already spelled as
/// its DETAIL spells them: `"10"`, `"0.000000"`).
fn out_of_bounds(name: &str, value: &str, min: String, max: String) -> StorageError {
    StorageError::ParameterOutOfRange {
        message: format!("value {value} out of bounds for option \"{name}\""),
        detail: format!("Valid values are between \"{min}\" and \"{max}\"."),
    }
}

/// PostgreSQL's `parse_int` for a storage parameter: an integer, or a
/// number with a fraction or exponent rounded to the nearest integer
/// (`1.5` is 2); `None` if it is neither.
fn parse_int(value: &str) -> Option<i64> {
    let v = value.trim();
    if let Ok(n) = v.parse::<i64>() {
        return Some(n);
    }
    let f: f64 = v.parse().ok().filter(|f: &f64| f.is_finite())?;
    let r = f.round_ties_even();
    (r >= i64::MIN as f64 && r <= i64::MAX as f64).then_some(r as i64)
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
            let v = parse_int(value).ok_or_else(|| {
                invalid(format!(
                    "invalid value for integer option \"{name}\": {value}"
                ))
            })?;
            if v < min || v > max {
                return Err(out_of_bounds(name, value, min.to_string(), max.to_string()));
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
                return Err(out_of_bounds(
                    name,
                    value,
                    format!("{min:.6}"),
                    format!("{max:.6}"),
                ));
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
        assert!(matches!(
            validate("fillfactor", "5"),
            Err(StorageError::ParameterOutOfRange { detail, .. })
                if detail == "Valid values are between \"10\" and \"100\"."
        ));
        assert!(matches!(
            validate("autovacuum_vacuum_scale_factor", "101"),
            Err(StorageError::ParameterOutOfRange { detail, .. })
                if detail == "Valid values are between \"0.000000\" and \"100.000000\"."
        ));
        assert!(validate("autovacuum_analyze_threshold", "1.5").is_ok());
        assert_eq!(
            RelOptions::parse(&["autovacuum_analyze_threshold=1.5".into()]).analyze_threshold,
            Some(2)
        );
        assert!(validate("autovacuum_vacuum_scale_factor", "0.05").is_ok());
        assert!(validate("autovacuum_vacuum_scale_factor", "abc").is_err());
        assert_eq!(parse_bool("OF"), Some(false));
        assert_eq!(parse_bool("o"), None);
    }
}
