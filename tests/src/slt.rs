//! sqllogictest files, recorded from PostgreSQL 15 and replayed against
//! heapgres.
//!
//! # Files
//!
//! `tests/slt/*.slt` are ordinary sqllogictest scripts (the format of the
//! `sqllogictest` crate): `statement ok`, `statement count N`,
//! `statement error (SQLSTATE)`, `query <types> [rowsort|valuesort]`
//! followed by `----` and the expected rows, `query error (SQLSTATE)`.
//! Records run in order on one session (plus any named `connection`s), so
//! tables, settings and transactions carry over.
//!
//! # Recording
//!
//! Expected answers are never written by hand: they are PostgreSQL 15's.
//! `HEAPGRES_SLT_RECORD=1 cargo test -p tests --test slt` runs every file
//! against a fresh PostgreSQL 15 (initialised `--locale=C -E UTF8`, see
//! [`crate::oracle`]) and rewrites it in place with what PostgreSQL
//! answered: the rows of each `query` (and its column type letters, taken
//! from the statement's result description: `I` integers, `R` floating
//! point and numeric, `T` everything else), the row count of each
//! `statement count`, and for a failing statement or query the SQLSTATE
//! alone (`statement error (22012)`), since messages are worded
//! differently. An author therefore writes `statement ok` / `query T`
//! with no expectations and records; the diff shows what PostgreSQL said.
//!
//! # Values
//!
//! Rows come back through the simple query protocol, so every value is
//! PostgreSQL's text output. NULL is written `NULL` and the empty string
//! `(empty)`, so the two stay distinct. Use `rowsort` wherever the order
//! of rows is not fixed by an `ORDER BY` (ties included).
//!
//! # Replaying
//!
//! Without the variable, each file runs against its own heapgres server;
//! every record that disagrees is reported (not just the first) with its
//! location, the SQL, PostgreSQL's recorded answer and heapgres's.

use std::fmt;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use sqllogictest::{
    AsyncDB, DBOutput, DefaultColumnType, ExpectedError, QueryExpect, Record, RecordOutput, Runner,
    StatementExpect,
};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

/// A failed statement as the runner sees it. Its text carries the SQLSTATE
/// (`db error: ERROR 42P01: relation "t" does not exist`), and
/// [`AsyncDB::error_sql_state`] hands the code to `error (SQLSTATE)`
/// records.
#[derive(Debug, Clone)]
pub struct DbError {
    /// The SQLSTATE (`08006` when the connection itself failed).
    pub code: String,
    /// The server's message.
    pub message: String,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "db error: ERROR {}: {}", self.code, self.message)
    }
}

impl std::error::Error for DbError {}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => DbError {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
            },
            None => DbError {
                code: "08006".into(),
                message: e.to_string(),
            },
        }
    }
}

/// One session of a PostgreSQL-protocol server (heapgres or PostgreSQL).
pub struct PgDb {
    client: Client,
    /// Ask the server for result column types (recording only: it costs a
    /// Parse round trip per query).
    describe: bool,
}

impl PgDb {
    /// Connects to `conn_str`.
    pub async fn connect(conn_str: &str, describe: bool) -> Result<PgDb, DbError> {
        let (client, conn) = tokio_postgres::connect(conn_str, NoTls).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(PgDb { client, describe })
    }

    async fn column_types(&self, sql: &str) -> Result<Option<Vec<DefaultColumnType>>, DbError> {
        let head = sql.trim_start().to_ascii_lowercase();
        if !["select", "with", "values", "table", "("]
            .iter()
            .any(|k| head.starts_with(k))
        {
            return Ok(None);
        }
        let st = self.client.prepare(sql).await?;
        Ok(Some(
            st.columns().iter().map(|c| letter(c.type_())).collect(),
        ))
    }
}

fn letter(t: &Type) -> DefaultColumnType {
    match *t {
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => DefaultColumnType::Integer,
        Type::FLOAT4 | Type::FLOAT8 | Type::NUMERIC => DefaultColumnType::FloatingPoint,
        _ => DefaultColumnType::Text,
    }
}

#[async_trait::async_trait]
impl AsyncDB for PgDb {
    type Error = DbError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DbError> {
        // A statement that fails to parse or bind fails the same way when
        // run, so the Parse error stands for the run's.
        let types = if self.describe {
            self.column_types(sql).await?
        } else {
            None
        };
        let messages = self.client.simple_query(sql).await?;
        let mut width = None;
        let mut rows = Vec::new();
        let mut count = 0;
        for m in messages {
            match m {
                SimpleQueryMessage::RowDescription(cols) => width = Some(cols.len()),
                SimpleQueryMessage::Row(row) => {
                    width.get_or_insert(row.len());
                    rows.push(
                        (0..row.len())
                            .map(|i| match row.get(i) {
                                None => "NULL".to_string(),
                                Some("") => "(empty)".to_string(),
                                Some(v) => v.to_string(),
                            })
                            .collect(),
                    );
                }
                SimpleQueryMessage::CommandComplete(n) => count = n,
                _ => {}
            }
        }
        Ok(match width {
            Some(w) => DBOutput::Rows {
                types: types
                    .filter(|t| t.len() == w)
                    .unwrap_or_else(|| vec![DefaultColumnType::Any; w]),
                rows,
            },
            None => DBOutput::StatementComplete(count),
        })
    }

    async fn shutdown(&mut self) {}

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }

    fn error_sql_state(err: &DbError) -> Option<String> {
        Some(err.code.clone())
    }
}

fn runner(
    conn_str: &str,
    describe: bool,
) -> Runner<PgDb, impl sqllogictest::MakeConnection<Conn = PgDb>> {
    let conn_str = conn_str.to_string();
    Runner::new(move || {
        let conn_str = conn_str.clone();
        async move { PgDb::connect(&conn_str, describe).await }
    })
}

fn sqlstate_of(e: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    e.downcast_ref::<DbError>()
        .map_or_else(|| "XX000".to_string(), |d| d.code.clone())
}

/// Rewrites `path` with the answers of the server at `conn_str`
/// (PostgreSQL 15): see the module doc.
pub async fn record_file(path: &Path, conn_str: &str) -> Result<usize, String> {
    let records = sqllogictest::parse_file::<DefaultColumnType>(path).map_err(|e| e.to_string())?;
    let mut runner = runner(conn_str, true);
    let mut out = String::new();
    let mut count = 0;
    for record in records {
        let updated = match &record {
            Record::Statement { .. } | Record::Query { .. } => {
                count += 1;
                let output = runner.apply_record(record.clone()).await;
                let error = match &output {
                    RecordOutput::Statement { error: Some(e), .. }
                    | RecordOutput::Query { error: Some(e), .. } => Some(sqlstate_of(e.as_ref())),
                    _ => None,
                };
                match (error, record.clone()) {
                    (
                        Some(code),
                        Record::Statement {
                            loc,
                            conditions,
                            connection,
                            sql,
                            retry,
                            ..
                        },
                    ) => Record::Statement {
                        loc,
                        conditions,
                        connection,
                        sql,
                        expected: StatementExpect::Error(ExpectedError::SqlState(code)),
                        retry,
                    },
                    (
                        Some(code),
                        Record::Query {
                            loc,
                            conditions,
                            connection,
                            sql,
                            retry,
                            ..
                        },
                    ) => Record::Query {
                        loc,
                        conditions,
                        connection,
                        sql,
                        expected: QueryExpect::Error(ExpectedError::SqlState(code)),
                        retry,
                    },
                    (_, record) => sqllogictest::update_record_with_output(
                        &record,
                        &output,
                        " ",
                        sqllogictest::default_validator,
                        sqllogictest::default_normalizer,
                        sqllogictest::strict_column_validator,
                    )
                    .unwrap_or(record),
                }
            }
            Record::Injected(_) => continue,
            _ => {
                runner.apply_record(record.clone()).await;
                record
            }
        };
        let _ = writeln!(out, "{updated}");
    }
    runner.shutdown_async().await;
    let trimmed = format!("{}\n", out.trim_end_matches('\n'));
    std::fs::write(path, trimmed).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(count)
}

/// Runs `path` against the server at `conn_str` (heapgres). Returns the
/// number of statement and query records and a report of every record
/// that disagreed with the recorded answer (empty when all agreed).
pub async fn run_file(path: &Path, conn_str: &str) -> (usize, String) {
    let records = match sqllogictest::parse_file::<DefaultColumnType>(path) {
        Ok(r) => r,
        Err(e) => return (0, format!("{}: {e}\n", path.display())),
    };
    let mut runner = runner(conn_str, false);
    let mut report = String::new();
    let mut count = 0;
    for record in records {
        if matches!(record, Record::Statement { .. } | Record::Query { .. }) {
            count += 1;
        }
        let shown = record.to_string();
        if let Err(e) = runner.run_async(record).await {
            let _ = writeln!(
                report,
                "---- {}\nPostgreSQL 15 (recorded):\n{}\nheapgres:\n{}\n",
                e.location(),
                shown.trim_end(),
                e.display(false)
            );
        }
    }
    runner.shutdown_async().await;
    (count, report)
}
