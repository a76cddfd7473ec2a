//! Differential testing: the same SQL on heapgres and on PostgreSQL 15,
//! results compared.
//!
//! # The `.sql` file format
//!
//! A file under `tests/sql/` is plain SQL, read top to bottom:
//!
//! - A line whose first non-blank characters are `--` is a comment, and so
//!   is a blank line between statements; both are skipped.
//! - A statement is a group of consecutive lines that ends with a line
//!   whose last non-blank character is `;` (a `;` elsewhere, e.g. inside a
//!   string literal in the middle of a line, does not end it). Its line
//!   number is that of its first line.
//! - Statements run one by one, in order, on one session per server, so
//!   `SET`, `BEGIN`, tables created earlier etc. carry over; an error does
//!   not stop the file (inside a transaction block both servers then answer
//!   25P02 until `ROLLBACK`, which is compared too).
//!
//! # What is compared
//!
//! Each statement is sent with the simple query protocol, so every value
//! arrives as PostgreSQL's text output (or NULL, kept distinct from the
//! empty string). The outcome on each side is one of:
//!
//! - **rows**: the statement returned a row description — compared are the
//!   column names, the rows as text, and the row count. The rows are
//!   compared in order when the statement has an `ORDER BY` outside any
//!   parentheses (detected automatically, string literals and comments
//!   ignored), and as a sorted multiset otherwise. A statement can force
//!   multiset comparison with a trailing `-- unordered` comment on one of
//!   its lines (for an `ORDER BY` whose ties make the order unspecified).
//! - **command**: no row description — compared is the affected row count
//!   that the command tag carries (tokio-postgres exposes no more of the
//!   tag).
//! - **error**: compared is the SQLSTATE only (messages differ in wording).
//!
//! Every mismatch is reported with `file:line`, the SQL and both outcomes.

use std::fmt;
use std::path::Path;

use tokio_postgres::{Client, SimpleQueryMessage};

/// One statement of a `.sql` file.
#[derive(Debug, Clone)]
pub struct Statement {
    /// 1-based line of its first line.
    pub line: usize,
    /// Its text, without the trailing newline.
    pub sql: String,
    /// Whether rows are compared in order (an `ORDER BY` at the top level
    /// and no `-- unordered` marker).
    pub ordered: bool,
}

/// Splits a `.sql` file into statements (see the module doc).
pub fn split(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if cur.is_empty() && (trimmed.is_empty() || trimmed.starts_with("--")) {
            continue;
        }
        if cur.is_empty() {
            start = i + 1;
        }
        cur.push(line);
        if trimmed.ends_with(';') {
            let sql = cur.join("\n");
            let unordered = cur.iter().any(|l| l.contains("-- unordered"));
            out.push(Statement {
                line: start,
                ordered: !unordered && has_top_level_order_by(&sql),
                sql,
            });
            cur.clear();
        }
    }
    if !cur.is_empty() {
        let sql = cur.join("\n");
        out.push(Statement {
            line: start,
            ordered: has_top_level_order_by(&sql),
            sql,
        });
    }
    out
}

/// Whether `sql` has `ORDER BY` outside parentheses, string literals,
/// quoted identifiers and comments.
pub fn has_top_level_order_by(sql: &str) -> bool {
    let mut depth = 0i32;
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut chars = sql.chars().peekable();
    let flush = |word: &mut String, words: &mut Vec<String>, depth: i32| {
        if !word.is_empty() {
            if depth == 0 {
                words.push(word.to_ascii_lowercase());
            }
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                flush(&mut word, &mut words, depth);
                for d in chars.by_ref() {
                    if d == c {
                        break;
                    }
                }
                // An unrelated marker, so `order 'x' by` is not `order by`.
                words.push(String::new());
            }
            '-' if chars.peek() == Some(&'-') => {
                flush(&mut word, &mut words, depth);
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '(' => {
                flush(&mut word, &mut words, depth);
                depth += 1;
            }
            ')' => {
                flush(&mut word, &mut words, depth);
                depth -= 1;
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, &mut words, depth),
        }
    }
    flush(&mut word, &mut words, depth);
    words.windows(2).any(|w| w[0] == "order" && w[1] == "by")
}

/// What one server answered to one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A result set: column names and rows (NULL is `None`).
    Rows {
        /// Column names, in order.
        columns: Vec<String>,
        /// Rows as text.
        rows: Vec<Vec<Option<String>>>,
    },
    /// A command without a result set, with its affected row count.
    Command(u64),
    /// An error, by SQLSTATE (the message is kept for the report only and
    /// is not compared).
    Error {
        /// SQLSTATE, e.g. `22012`.
        code: String,
        /// The server's message.
        message: String,
    },
}

impl Outcome {
    /// Whether two outcomes agree (rows sorted first when `ordered` is
    /// false; error messages ignored).
    pub fn agrees(&self, other: &Outcome, ordered: bool) -> bool {
        match (self, other) {
            (
                Outcome::Rows {
                    columns: c1,
                    rows: r1,
                },
                Outcome::Rows {
                    columns: c2,
                    rows: r2,
                },
            ) => {
                if c1 != c2 || r1.len() != r2.len() {
                    return false;
                }
                if ordered {
                    r1 == r2
                } else {
                    let mut a = r1.clone();
                    let mut b = r2.clone();
                    a.sort();
                    b.sort();
                    a == b
                }
            }
            (Outcome::Command(a), Outcome::Command(b)) => a == b,
            (Outcome::Error { code: a, .. }, Outcome::Error { code: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Rows { columns, rows } => {
                writeln!(f, "{} row(s), columns [{}]", rows.len(), columns.join(", "))?;
                for (i, row) in rows.iter().enumerate() {
                    if i == 20 {
                        writeln!(f, "      ... {} more", rows.len() - 20)?;
                        break;
                    }
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| match v {
                            Some(s) => format!("{s:?}"),
                            None => "NULL".to_string(),
                        })
                        .collect();
                    writeln!(f, "      ({})", cells.join(", "))?;
                }
                Ok(())
            }
            Outcome::Command(n) => writeln!(f, "command, {n} row(s) affected"),
            Outcome::Error { code, message } => writeln!(f, "ERROR {code}: {message}"),
        }
    }
}

/// Runs one statement with the simple query protocol.
pub async fn run(client: &Client, sql: &str) -> Outcome {
    match client.simple_query(sql).await {
        Ok(messages) => {
            let mut columns: Option<Vec<String>> = None;
            let mut rows = Vec::new();
            let mut count = 0;
            for m in messages {
                match m {
                    SimpleQueryMessage::RowDescription(cols) => {
                        columns = Some(cols.iter().map(|c| c.name().to_string()).collect());
                    }
                    SimpleQueryMessage::Row(row) => {
                        if columns.is_none() {
                            columns =
                                Some(row.columns().iter().map(|c| c.name().to_string()).collect());
                        }
                        rows.push(
                            (0..row.len())
                                .map(|i| row.get(i).map(str::to_string))
                                .collect(),
                        );
                    }
                    SimpleQueryMessage::CommandComplete(n) => count = n,
                    _ => {}
                }
            }
            match columns {
                Some(columns) => Outcome::Rows { columns, rows },
                None => Outcome::Command(count),
            }
        }
        Err(e) => match e.as_db_error() {
            Some(db) => Outcome::Error {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
            },
            None => Outcome::Error {
                code: "(no SQLSTATE)".to_string(),
                message: e.to_string(),
            },
        },
    }
}

/// Runs every statement of `file` on both clients and returns the
/// mismatches as a report (empty when all agree) and the number of
/// statements compared.
pub async fn compare_file(file: &Path, heapgres: &Client, postgres: &Client) -> (String, usize) {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
    let statements = split(&text);
    let mut report = String::new();
    let mut mismatches = 0;
    for st in &statements {
        let ours = run(heapgres, &st.sql).await;
        let theirs = run(postgres, &st.sql).await;
        if !ours.agrees(&theirs, st.ordered) {
            mismatches += 1;
            report.push_str(&format!(
                "\n{}:{}: {}\n  heapgres:   {}  postgres:   {}",
                file.display(),
                st.line,
                st.sql,
                ours,
                theirs
            ));
        }
    }
    if mismatches > 0 {
        report = format!(
            "{mismatches} of {} statements disagree{report}",
            statements.len()
        );
    }
    (report, statements.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_trailing_semicolon() {
        let s = split("-- c\nselect 1;\n\nselect ';'\n  , 2;\n-- unordered\nselect 3");
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].line, s[0].sql.as_str()), (2, "select 1;"));
        assert_eq!((s[1].line, s[1].sql.as_str()), (4, "select ';'\n  , 2;"));
        assert_eq!(s[2].line, 7);
    }

    #[test]
    fn detects_top_level_order_by() {
        assert!(has_top_level_order_by("select a from t order by a"));
        assert!(has_top_level_order_by(
            "(select 1) union select 2 ORDER\n BY 1"
        ));
        assert!(!has_top_level_order_by(
            "select (select a from t order by a limit 1)"
        ));
        assert!(!has_top_level_order_by("select 'order by'"));
        assert!(!has_top_level_order_by(
            "select string_agg(a, ',' order by a) from t"
        ));
        assert!(!has_top_level_order_by("select 1 -- order by"));
        assert!(has_top_level_order_by("select 1 order by 1 -- unordered"));
    }
}
