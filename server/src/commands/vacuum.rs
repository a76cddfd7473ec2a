//! `VACUUM` and `ANALYZE` statements: parsing (sqlparser does not know
//! PostgreSQL's VACUUM options) and execution through [`vacuum`].
//!
//! ```text
//! VACUUM [ ( option [ value ] [, ...] ) ] [ table [, ...] ]
//! VACUUM [ FULL ] [ FREEZE ] [ VERBOSE ] [ ANALYZE ] [ table [, ...] ]
//! ANALYZE [ ( option [, ...] ) ] [ VERBOSE ] [ table [, ...] ]
//! ```
//!
//! Rules: not inside a transaction block (25001); a missing table is 42P01;
//! no table named means every user table of the database. `FULL` answers
//! 0A000. `ANALYZE [VERBOSE] [table [(column, ...)]]` samples each table
//! and writes `pg_statistic` and `reltuples`/`relpages` (see
//! [`vacuum::analyze`]); a missing column is 42703.
//! VACUUM passes each B-tree index's `bulk_delete` as its index hook
//! ([`vacuum::btree_cleanups`]) and the session's `pg_backend_pid()` as
//! the pid `pg_stat_progress_vacuum` shows.
//!
//! This file is a child module of `session` (declared there with `#[path]`)
//! so it can use the session's catalog lookup and notices.

use storage::catalog::TableInfo;
use vacuum::VacuumOptions;

use std::time::Duration;

use super::{Block, Notice, QueryResult, Session};
use crate::error::{SqlError, SqlResult};
use crate::guc::Settings;

/// A parsed VACUUM or ANALYZE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VacuumStmt {
    /// ANALYZE rather than VACUUM.
    pub is_analyze: bool,
    /// VERBOSE.
    pub verbose: bool,
    /// VACUUM ... ANALYZE.
    pub analyze: bool,
    /// FULL (not supported).
    pub full: bool,
    /// The tables named; none: every user table.
    pub tables: Vec<VacuumTarget>,
}

/// A table to process and its 0-based columns to analyze (`None`: all).
type AnalyzeTarget = (std::sync::Arc<TableInfo>, Option<Vec<usize>>);

/// One table of a VACUUM or ANALYZE, with its column list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VacuumTarget {
    /// Its schema, if qualified.
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// The columns to analyze (`ANALYZE t (a, b)`); empty: all.
    pub columns: Vec<String>,
}

/// Parses the statement's text (first word VACUUM, ANALYZE or ANALYSE).
pub fn parse(text: &str) -> SqlResult<VacuumStmt> {
    let words = tokenize(text)?;
    let mut it = words.into_iter().peekable();
    let first = it.next().unwrap_or_default().to_uppercase();
    let mut s = VacuumStmt {
        is_analyze: first != "VACUUM",
        verbose: false,
        analyze: false,
        full: false,
        tables: Vec::new(),
    };
    if it.peek().map(String::as_str) == Some("(") {
        it.next();
        loop {
            let opt = it.next().unwrap_or_default().to_uppercase();
            let mut on = true;
            if let Some(v) = it.peek()
                && v != ","
                && v != ")"
            {
                on = !matches!(v.to_uppercase().as_str(), "FALSE" | "OFF" | "0");
                it.next();
            }
            match opt.as_str() {
                "VERBOSE" => s.verbose = on,
                "ANALYZE" | "ANALYSE" => s.analyze = on,
                "FULL" => s.full = on,
                "FREEZE"
                | "SKIP_LOCKED"
                | "INDEX_CLEANUP"
                | "TRUNCATE"
                | "PROCESS_TOAST"
                | "DISABLE_PAGE_SKIPPING"
                | "PARALLEL" => {}
                "" => return Err(SqlError::syntax("syntax error at end of input")),
                other => {
                    return Err(SqlError::new(
                        "42601",
                        format!(
                            "unrecognized {} option \"{}\"",
                            if s.is_analyze { "ANALYZE" } else { "VACUUM" },
                            other.to_lowercase()
                        ),
                    ));
                }
            }
            match it.next().as_deref() {
                Some(",") => continue,
                Some(")") => break,
                _ => return Err(SqlError::syntax("syntax error at end of input")),
            }
        }
    } else {
        while let Some(w) = it.peek() {
            match w.to_uppercase().as_str() {
                "FULL" if !s.is_analyze => s.full = true,
                "FREEZE" if !s.is_analyze => {}
                "VERBOSE" => s.verbose = true,
                "ANALYZE" | "ANALYSE" if !s.is_analyze => s.analyze = true,
                _ => break,
            }
            it.next();
        }
    }
    let rest: Vec<String> = it.collect();
    // Split at commas outside parentheses.
    let mut parts: Vec<&[String]> = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, w) in rest.iter().enumerate() {
        match w.as_str() {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                parts.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&rest[start..]);
    for part in parts {
        let name: Vec<&String> = part.iter().take_while(|w| *w != "(").collect();
        let columns = column_list(&part[name.len()..])?;
        let (schema, name) = match name.as_slice() {
            [] if part.is_empty() && s.tables.is_empty() && rest.is_empty() => continue,
            [t] => (None, ident(t)),
            [sch, dot, t] if *dot == "." => (Some(ident(sch)), ident(t)),
            _ => return Err(SqlError::syntax("syntax error in table list")),
        };
        s.tables.push(VacuumTarget {
            schema,
            name,
            columns,
        });
    }
    Ok(s)
}

/// `( a, b )` after a table name: the column names; nothing: none.
fn column_list(words: &[String]) -> SqlResult<Vec<String>> {
    let [open, inner @ .., close] = words else {
        return match words {
            [] => Ok(Vec::new()),
            _ => Err(SqlError::syntax("syntax error in column list")),
        };
    };
    if open != "(" || close != ")" {
        return Err(SqlError::syntax("syntax error in column list"));
    }
    // name (, name)*: names at even positions, commas between.
    let well_formed = inner.len() % 2 == 1
        && inner
            .iter()
            .enumerate()
            .all(|(i, w)| (i % 2 == 1) == (w == ","));
    if !well_formed {
        return Err(SqlError::syntax("syntax error in column list"));
    }
    Ok(inner.iter().step_by(2).map(|w| ident(w)).collect())
}

/// Unquoted identifiers fold to lower case; quoted ones keep theirs.
fn ident(w: &str) -> String {
    match w.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(q) => q.replace("\"\"", "\""),
        None => w.to_lowercase(),
    }
}

/// Words, quoted identifiers and the punctuation `( ) , .`.
fn tokenize(text: &str) -> SqlResult<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if matches!(c, '(' | ')' | ',' | '.') {
            out.push(c.to_string());
            chars.next();
        } else if c == '"' {
            let mut w = String::from('"');
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        w.push_str("\"\"");
                    }
                    Some('"') => break,
                    Some(x) => w.push(x),
                    None => return Err(SqlError::syntax("unterminated quoted identifier")),
                }
            }
            w.push('"');
            out.push(w);
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut w = String::new();
            while let Some(&x) = chars.peek() {
                if x.is_alphanumeric() || x == '_' || x == '$' {
                    w.push(x);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(w);
        } else {
            return Err(SqlError::syntax(format!("syntax error at or near \"{c}\"")));
        }
    }
    Ok(out)
}

impl Session {
    /// Runs VACUUM / ANALYZE.
    pub(super) fn run_vacuum(&mut self, s: &VacuumStmt) -> SqlResult<QueryResult> {
        let what = if s.is_analyze { "ANALYZE" } else { "VACUUM" };
        if s.full {
            return Err(SqlError::unsupported("VACUUM FULL"));
        }
        // ANALYZE alone may run in a transaction block, as in PostgreSQL.
        if !s.is_analyze && self.block != Block::Idle {
            return Err(SqlError::new(
                "25001",
                format!("{what} cannot run inside a transaction block"),
            ));
        }
        let tables = self.vacuum_targets(&s.tables)?;
        let db = self.env.database.clone();
        for (t, columns) in &tables {
            let qualified = format!("{db}.{}.{}", t.schema, t.name);
            if !s.is_analyze {
                let opts = VacuumOptions {
                    wait: self.lock_wait(),
                    cost: manual_cost(&self.settings),
                    pid: self.env.backend_pid,
                    ..Default::default()
                };
                let mut hooks = vacuum::btree_cleanups(&self.engine, t);
                let report =
                    vacuum::vacuum_table(&self.engine, t, self.txn.owner(), &opts, &mut hooks)?;
                drop(hooks);
                vacuum::lazy::report_to_stats(&self.engine, t, &report, false);
                if s.verbose {
                    for m in report.verbose_messages(&qualified) {
                        self.info(m);
                    }
                }
            }
            if s.is_analyze || s.analyze {
                self.analyze_one(t, columns.clone(), s.verbose)?;
            }
        }
        Ok(QueryResult::Command(what.into()))
    }

    /// ANALYZE of `t`'s `columns` (0-based; `None`: all).
    fn analyze_one(
        &mut self,
        t: &TableInfo,
        columns: Option<Vec<usize>>,
        verbose: bool,
    ) -> SqlResult<()> {
        let opts = vacuum::analyze::AnalyzeOptions {
            target: statistics_target(&self.settings),
            columns,
            owner: self.txn.owner(),
            snapshot: (self.block != Block::Idle).then(|| self.txn.snapshot(&self.engine.txns)),
        };
        if verbose {
            self.info(format!("analyzing \"{}.{}\"", t.schema, t.name));
        }
        let n = vacuum::analyze::analyze_table(&self.engine, t, &opts)?;
        self.engine
            .txns
            .stats()
            .report_analyze(t.locator, n.live as i64, false);
        if verbose {
            self.info(format!(
                "\"{}\": scanned {} of {} pages, containing {} live rows and 0 dead rows; {} rows in sample, {} estimated total rows",
                t.name, n.pages_scanned, n.pages, n.live_scanned, n.sample_rows, n.live
            ));
        }
        Ok(())
    }

    fn info(&mut self, message: String) {
        self.notices.push(Notice {
            severity: "INFO",
            code: "00000",
            message,
        });
    }

    /// The named tables with the 0-based columns named (`None`: all), or
    /// every user table.
    fn vacuum_targets(&mut self, names: &[VacuumTarget]) -> SqlResult<Vec<AnalyzeTarget>> {
        let mut out = Vec::new();
        if names.is_empty() {
            let all = vacuum::autovacuum::user_tables(&self.engine)?;
            return Ok(all.into_iter().map(|t| (t, None)).collect());
        }
        let lookup = super::Lookup {
            session: self,
            tables: Default::default(),
        };
        for target in names {
            use crate::sql::bind::CatalogLookup;
            let (schema, name) = (&target.schema, &target.name);
            match lookup.table(schema.as_deref(), name)? {
                Some(t) if t.relkind == 'r' => {
                    let columns = analyzed_columns(&t, &target.columns)?;
                    out.push((t, columns));
                }
                _ => {
                    let full = match schema {
                        Some(s) => format!("{s}.{name}"),
                        None => name.clone(),
                    };
                    return Err(SqlError::new(
                        "42P01",
                        format!("relation \"{full}\" does not exist"),
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// The 0-based positions of `names` in `t` (`None` for no names); a
/// missing column is 42703, as in PostgreSQL.
fn analyzed_columns(t: &TableInfo, names: &[String]) -> SqlResult<Option<Vec<usize>>> {
    if names.is_empty() {
        return Ok(None);
    }
    names
        .iter()
        .map(|n| {
            t.columns.iter().position(|c| &c.name == n).ok_or_else(|| {
                SqlError::new(
                    "42703",
                    format!("column \"{n}\" of relation \"{}\" does not exist", t.name),
                )
            })
        })
        .collect::<SqlResult<Vec<usize>>>()
        .map(Some)
}

/// `default_statistics_target`, 1..=10000.
fn statistics_target(settings: &Settings) -> usize {
    settings
        .get_int("default_statistics_target")
        .unwrap_or(100)
        .clamp(1, 10_000) as usize
}

/// Starts the autovacuum launcher with the server's settings, unless
/// `autovacuum = off`.
pub fn start_autovacuum(engine: &std::sync::Arc<storage::engine::Engine>, settings: &Settings) {
    if !settings.get_bool("autovacuum") {
        return;
    }
    let real = |name: &str, default: f64| {
        settings
            .get(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(default)
    };
    let int = |name: &str, default: i64| settings.get_int(name).unwrap_or(default);
    let cost_limit = match int("autovacuum_vacuum_cost_limit", -1) {
        n if n > 0 => n,
        _ => int("vacuum_cost_limit", 200),
    };
    let cost_delay = match int("autovacuum_vacuum_cost_delay", 2) {
        n if n >= 0 => n,
        _ => int("vacuum_cost_delay", 0),
    };
    let cfg = vacuum::autovacuum::AutovacuumConfig {
        naptime: Duration::from_secs(int("autovacuum_naptime", 60).max(1) as u64),
        vacuum_threshold: int("autovacuum_vacuum_threshold", 50) as f64,
        vacuum_scale_factor: real("autovacuum_vacuum_scale_factor", 0.2),
        insert_threshold: match int("autovacuum_vacuum_insert_threshold", 1000) {
            n if n >= 0 => Some(n as f64),
            _ => None,
        },
        insert_scale_factor: real("autovacuum_vacuum_insert_scale_factor", 0.2),
        analyze_threshold: int("autovacuum_analyze_threshold", 50) as f64,
        analyze_scale_factor: real("autovacuum_analyze_scale_factor", 0.1),
        cost: vacuum::cost::CostParams {
            delay: Duration::from_millis(cost_delay.max(0) as u64),
            limit: cost_limit.clamp(1, 10_000) as u32,
            page_hit: int("vacuum_cost_page_hit", 1).max(0) as u32,
            page_miss: int("vacuum_cost_page_miss", 2).max(0) as u32,
            page_dirty: int("vacuum_cost_page_dirty", 20).max(0) as u32,
        },
        log_min_duration: match int("log_autovacuum_min_duration", 600_000) {
            n if n >= 0 => Some(Duration::from_millis(n as u64)),
            _ => None,
        },
        statistics_target: statistics_target(settings),
    };
    vacuum::autovacuum::start(engine, cfg);
}

/// The cost settings of a manual VACUUM (`vacuum_cost_*`).
fn manual_cost(settings: &Settings) -> vacuum::cost::CostParams {
    let int = |name: &str, default: i64| settings.get_int(name).unwrap_or(default).max(0);
    vacuum::cost::CostParams {
        delay: Duration::from_millis(int("vacuum_cost_delay", 0) as u64),
        limit: int("vacuum_cost_limit", 200).clamp(1, 10_000) as u32,
        page_hit: int("vacuum_cost_page_hit", 1) as u32,
        page_miss: int("vacuum_cost_page_miss", 2) as u32,
        page_dirty: int("vacuum_cost_page_dirty", 20) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_syntaxes() {
        let s = parse("VACUUM").unwrap();
        assert!(!s.verbose && s.tables.is_empty() && !s.is_analyze);
        let s = parse("vacuum verbose analyze t, public.\"U\"").unwrap();
        assert!(s.verbose && s.analyze);
        let names: Vec<_> = s
            .tables
            .iter()
            .map(|t| (t.schema.clone(), t.name.clone()))
            .collect();
        assert_eq!(
            names,
            vec![(None, "t".into()), (Some("public".into()), "U".into())]
        );
        let s = parse("VACUUM (VERBOSE, ANALYZE false) t").unwrap();
        assert!(s.verbose && !s.analyze);
        let s = parse("ANALYZE t (a, b)").unwrap();
        assert!(s.is_analyze);
        assert_eq!(s.tables[0].name, "t");
        assert_eq!(s.tables[0].columns, vec!["a".to_string(), "b".into()]);
        assert!(parse("ANALYZE t (a b)").is_err());
        assert!(parse("ANALYZE t (a,)").is_err());
        assert!(parse("VACUUM FULL t").unwrap().full);
        assert!(parse("VACUUM (BOGUS) t").is_err());
        assert!(parse("VACUUM t,").is_err());
    }
}
