//! The EXPLAIN statement: binds and plans the statement as it would run,
//! then prints the plan ([`crate::sql::explain`]) as one `QUERY PLAN` text
//! column, a row per line, as PostgreSQL returns it.
//!
//! Options: `EXPLAIN [ANALYZE] [VERBOSE] stmt` and `EXPLAIN (ANALYZE
//! [bool], COSTS [bool], VERBOSE [bool], TIMING [bool], SUMMARY [bool],
//! FORMAT TEXT) stmt`. ANALYZE runs a query with every node counted
//! ([`crate::sql::exec::Instrumentation`]), discards its rows, and prints
//! each node's `(actual time=.. rows=.. loops=..)`, `Rows Removed by
//! Filter`, and the planning and execution times. EXPLAIN ANALYZE of
//! INSERT, UPDATE, DELETE or a locking SELECT, BUFFERS, and the JSON, XML
//! and YAML formats answer 0A000.

use std::collections::HashMap;

use sqlparser::ast;
use storage::datum::{Datum, SqlType, TypeOid};

use super::{Bound, Lookup, QueryResult, Session, bind_dml};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::Binder;
use crate::sql::exec::NodeStats;
use crate::sql::explain::{Actual, ExplainOptions, Explainer};

/// An option's boolean argument: absent means true, as in PostgreSQL.
fn option_bool(o: &ast::UtilityOption) -> SqlResult<bool> {
    let Some(arg) = &o.arg else {
        return Ok(true);
    };
    let text = arg.to_string().to_lowercase();
    match text.trim_matches('\'') {
        "true" | "on" | "1" | "yes" => Ok(true),
        "false" | "off" | "0" | "no" => Ok(false),
        _ => Err(SqlError::new(
            "22023",
            format!("{} requires a Boolean value", o.name.value.to_uppercase()),
        )),
    }
}

impl Session {
    /// EXPLAIN.
    pub(super) fn explain(
        &mut self,
        statement: &ast::Statement,
        analyze: bool,
        verbose: bool,
        format: Option<&ast::AnalyzeFormatKind>,
        options: Option<&[ast::UtilityOption]>,
    ) -> SqlResult<QueryResult> {
        let mut opts = ExplainOptions {
            costs: true,
            verbose,
        };
        let mut analyze = analyze;
        let (mut timing, mut summary) = (None, None);
        if let Some(f) = format {
            let (ast::AnalyzeFormatKind::Keyword(kind) | ast::AnalyzeFormatKind::Assignment(kind)) =
                f;
            if !matches!(kind, ast::AnalyzeFormat::TEXT) {
                return Err(SqlError::unsupported(format!("EXPLAIN {f}")));
            }
        }
        for o in options.unwrap_or(&[]) {
            match o.name.value.to_lowercase().as_str() {
                "costs" => opts.costs = option_bool(o)?,
                "verbose" => opts.verbose = option_bool(o)?,
                "analyze" => analyze = option_bool(o)?,
                "format" => {
                    let v = o.arg.as_ref().map(|a| a.to_string().to_lowercase());
                    if v.as_deref() != Some("text") {
                        return Err(SqlError::unsupported(format!(
                            "EXPLAIN format {}",
                            v.unwrap_or_default()
                        )));
                    }
                }
                "timing" => timing = Some(option_bool(o)?),
                "summary" => summary = Some(option_bool(o)?),
                "settings" | "wal" => {
                    option_bool(o)?;
                }
                "buffers" => {
                    if option_bool(o)? {
                        return Err(SqlError::unsupported("EXPLAIN (BUFFERS)"));
                    }
                }
                other => {
                    return Err(SqlError::new(
                        "42601",
                        format!("unrecognized EXPLAIN option \"{other}\""),
                    ));
                }
            }
        }
        if timing == Some(true) && !analyze {
            return Err(SqlError::new(
                "22023",
                "EXPLAIN option TIMING requires ANALYZE",
            ));
        }
        let writes = !matches!(statement, ast::Statement::Query(q) if q.locks.is_empty());
        if analyze && writes {
            return Err(SqlError::unsupported(
                "EXPLAIN ANALYZE of INSERT, UPDATE, DELETE or SELECT ... FOR UPDATE",
            ));
        }
        if !matches!(
            statement,
            ast::Statement::Query(_)
                | ast::Statement::Insert(_)
                | ast::Statement::Update(_)
                | ast::Statement::Delete(_)
        ) {
            return Err(SqlError::unsupported(format!(
                "EXPLAIN of {}",
                statement
                    .to_string()
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
            )));
        }
        self.ensure_transaction()?;
        let params: Vec<SqlType> = self.prepared_params.clone().unwrap_or_default();
        let planning = std::time::Instant::now();
        let (bound, tables) = {
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, params);
            let bound = bind_dml(&mut binder, statement)?;
            (bound, lookup.tables.into_inner())
        };
        let planning = planning.elapsed();
        let run = match &bound {
            Bound::Query(q) if analyze => {
                for oid in &tables {
                    self.lock_relation(*oid, storage::txn::LockMode::AccessShare)?;
                }
                Some(self.run_instrumented(&q.plan)?)
            }
            _ => None,
        };
        let lookup = Lookup {
            session: self,
            tables: Default::default(),
        };
        let mut explainer = Explainer::new(opts, &self.env.output, &lookup);
        if let Some((counts, _)) = &run {
            explainer = explainer.with_actual(Actual {
                nodes: counts,
                timing: timing.unwrap_or(true),
            });
        }
        let mut lines = match &bound {
            Bound::Query(q) => explainer.query(&q.plan),
            Bound::Insert(p) => explainer.insert(p),
            Bound::Update(p) => explainer.update(p),
            Bound::Delete(p) => explainer.delete(p),
        };
        if let Some((_, execution)) = &run
            && summary.unwrap_or(true)
        {
            let ms = |d: &std::time::Duration| d.as_secs_f64() * 1000.0;
            lines.push(format!("Planning Time: {:.3} ms", ms(&planning)));
            lines.push(format!("Execution Time: {:.3} ms", ms(execution)));
        }
        Ok(QueryResult::Rows {
            columns: vec![("QUERY PLAN".into(), SqlType::new(TypeOid::TEXT))],
            rows: lines.into_iter().map(|l| vec![Datum::Text(l)]).collect(),
            tag: "EXPLAIN".into(),
        })
    }

    /// Runs `plan` with every node counted, discarding its rows: the
    /// counts, and how long the run took.
    fn run_instrumented(
        &mut self,
        plan: &crate::sql::plan::Plan,
    ) -> SqlResult<(HashMap<usize, NodeStats>, std::time::Duration)> {
        let snap = self.statement_snapshot();
        let counts = crate::sql::exec::Instrumentation::default();
        let started = std::time::Instant::now();
        self.with_reader(&snap, Some(&counts), |cx| {
            let mut it = crate::sql::exec::open(plan, cx)?;
            while it.next(cx, &[])?.is_some() {}
            Ok(())
        })?;
        Ok((counts.into_inner(), started.elapsed()))
    }
}
