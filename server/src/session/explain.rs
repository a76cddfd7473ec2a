//! The EXPLAIN statement: binds and plans the statement as it would run,
//! then prints the plan ([`crate::sql::explain`]) as one `QUERY PLAN` text
//! column, a row per line, as PostgreSQL returns it.
//!
//! Options: `EXPLAIN [VERBOSE] stmt` and `EXPLAIN (COSTS [bool], VERBOSE
//! [bool], FORMAT TEXT) stmt`. ANALYZE, BUFFERS and the JSON, XML and YAML
//! formats answer 0A000.

use sqlparser::ast;
use storage::datum::{Datum, SqlType, TypeOid};

use super::{Bound, Lookup, QueryResult, Session, bind_dml};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::Binder;
use crate::sql::explain::{ExplainOptions, Explainer};

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
                "timing" | "summary" | "settings" | "wal" => {
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
        if analyze {
            return Err(SqlError::unsupported("EXPLAIN ANALYZE"));
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
        let bound = {
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, params);
            bind_dml(&mut binder, statement)?
        };
        let lookup = Lookup {
            session: self,
            tables: Default::default(),
        };
        let explainer = Explainer::new(opts, &self.env.output, &lookup);
        let lines = match &bound {
            Bound::Query(q) => explainer.query(&q.plan),
            Bound::Insert(p) => explainer.insert(p),
            Bound::Update(p) => explainer.update(p),
            Bound::Delete(p) => explainer.delete(p),
        };
        Ok(QueryResult::Rows {
            columns: vec![("QUERY PLAN".into(), SqlType::new(TypeOid::TEXT))],
            rows: lines.into_iter().map(|l| vec![Datum::Text(l)]).collect(),
            tag: "EXPLAIN".into(),
        })
    }
}
