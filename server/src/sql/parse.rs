//! From query text to statements.
//!
//! A simple-protocol Query may hold several statements. The text is
//! tokenized once with sqlparser's tokenizer (which knows quoting, dollar
//! quoting and comments), split at top-level semicolons, and each piece is
//! either recognised as one of the utility statements sqlparser does not
//! parse the PostgreSQL way (CHECKPOINT, VACUUM, ANALYZE, ...) or handed to
//! sqlparser's PostgreSQL dialect. Syntax errors become 42601 with
//! PostgreSQL's wording and a 1-based character position in the whole text.

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{SqlError, SqlResult};

/// One statement of a query string.
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    /// The statement's own text (without the trailing semicolon).
    pub text: String,
    /// Character offset of `text` within the whole query string.
    pub offset: usize,
    /// What it is.
    pub kind: StatementKind,
}

/// The parsed form of a statement.
#[derive(Debug, Clone)]
pub enum StatementKind {
    /// Parsed by sqlparser.
    Sql(Box<ast::Statement>),
    /// A statement parsed by our own small parsers.
    Utility(Utility),
}

/// Utility statements parsed here rather than by sqlparser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Utility {
    /// CHECKPOINT
    Checkpoint,
    /// REINDEX {INDEX | TABLE} name
    Reindex(ReindexTarget),
    /// VACUUM / ANALYZE.
    Vacuum(crate::session::vacuum_cmd::VacuumStmt),
    /// `ALTER TABLE [IF EXISTS] [ONLY] name RESET (param, ...)`, which
    /// sqlparser does not parse.
    ResetRelOptions {
        /// The table.
        name: ast::ObjectName,
        /// IF EXISTS was given.
        if_exists: bool,
        /// The parameters to reset, folded.
        params: Vec<String>,
    },
    /// CLUSTER ...: named, not yet supported.
    NotSupported(String),
}

/// `ALTER TABLE [IF EXISTS] [ONLY] name RESET (param, ...)`; `None` for any
/// other ALTER TABLE, which sqlparser parses.
fn parse_alter_table_reset(text: &str, offset: usize) -> SqlResult<Option<Utility>> {
    let d = dialect();
    let mut p = Parser::new(&d)
        .try_with_sql(text)
        .map_err(|e| parser_error(&e.to_string(), text, offset))?;
    let fail = |e: sqlparser::parser::ParserError| parser_error(&e.to_string(), text, offset);
    p.expect_keywords(&[Keyword::ALTER, Keyword::TABLE])
        .map_err(fail)?;
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let _ = p.parse_keyword(Keyword::ONLY);
    let Ok(name) = p.parse_object_name(false) else {
        return Ok(None);
    };
    if !p.parse_keyword(Keyword::RESET) {
        return Ok(None);
    }
    p.expect_token(&Token::LParen).map_err(fail)?;
    let idents = p
        .parse_comma_separated(|p| p.parse_identifier())
        .map_err(fail)?;
    p.expect_token(&Token::RParen).map_err(fail)?;
    let _ = p.consume_token(&Token::SemiColon);
    if p.peek_token().token != Token::EOF {
        return Err(parser_error(
            &format!("Expected: end of statement, found: {}", p.peek_token()),
            text,
            offset,
        ));
    }
    Ok(Some(Utility::ResetRelOptions {
        name,
        if_exists,
        params: idents.iter().map(crate::sql::bind::ident_name).collect(),
    }))
}

/// What REINDEX rebuilds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReindexTarget {
    /// REINDEX INDEX name
    Index(ast::ObjectName),
    /// REINDEX TABLE name: all its indexes.
    Table(ast::ObjectName),
}

/// `REINDEX [(VERBOSE)] {INDEX | TABLE} [CONCURRENTLY] name`; SCHEMA,
/// DATABASE and SYSTEM are not supported.
fn parse_reindex(text: &str, offset: usize) -> SqlResult<Utility> {
    let d = dialect();
    let mut p = Parser::new(&d)
        .try_with_sql(text)
        .map_err(|e| parser_error(&e.to_string(), text, offset))?;
    let fail = |e: sqlparser::parser::ParserError| parser_error(&e.to_string(), text, offset);
    p.expect_keyword(Keyword::REINDEX).map_err(fail)?;
    if p.consume_token(&Token::LParen) {
        p.expect_keyword(Keyword::VERBOSE).map_err(fail)?;
        p.expect_token(&Token::RParen).map_err(fail)?;
    }
    let kind = p
        .expect_one_of_keywords(&[
            Keyword::INDEX,
            Keyword::TABLE,
            Keyword::SCHEMA,
            Keyword::DATABASE,
            Keyword::SYSTEM,
        ])
        .map_err(fail)?;
    if p.parse_keyword(Keyword::CONCURRENTLY) {
        return Err(SqlError::unsupported("REINDEX CONCURRENTLY"));
    }
    let name = p.parse_object_name(false).map_err(fail)?;
    let _ = p.consume_token(&Token::SemiColon);
    if p.peek_token().token != Token::EOF {
        return Err(parser_error(
            &format!("Expected: end of statement, found: {}", p.peek_token()),
            text,
            offset,
        ));
    }
    match kind {
        Keyword::INDEX => Ok(Utility::Reindex(ReindexTarget::Index(name))),
        Keyword::TABLE => Ok(Utility::Reindex(ReindexTarget::Table(name))),
        other => Err(SqlError::unsupported(format!("REINDEX {other:?}"))),
    }
}

fn dialect() -> PostgreSqlDialect {
    PostgreSqlDialect {}
}

/// Maps (line, column) positions of the tokenizer to character offsets.
struct LineIndex {
    /// Character offset at which each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        for (i, c) in text.chars().enumerate() {
            if c == '\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    fn offset(&self, line: u64, column: u64) -> usize {
        let l = (line.max(1) - 1) as usize;
        self.starts.get(l).copied().unwrap_or(0) + (column.max(1) - 1) as usize
    }
}

/// The character offset of (line, column) — 1-based, as the tokenizer
/// reports them — within `text`.
pub fn char_offset(text: &str, line: u64, column: u64) -> usize {
    LineIndex::new(text).offset(line, column)
}

fn char_slice(text: &str, from: usize, to: usize) -> String {
    text.chars()
        .skip(from)
        .take(to.saturating_sub(from))
        .collect()
}

/// Splits and parses a query string.
pub fn parse_statements(sql: &str) -> SqlResult<Vec<ParsedStatement>> {
    let d = dialect();
    let tokens = Tokenizer::new(&d, sql)
        .tokenize_with_location()
        .map_err(|e| tokenizer_error(&e.to_string(), sql, 0))?;
    let index = LineIndex::new(sql);
    let total_chars = sql.chars().count();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut first_words: Vec<String> = Vec::new();
    let mut flush =
        |start: &mut Option<usize>, end: usize, words: &mut Vec<String>| -> SqlResult<()> {
            if let Some(s) = start.take() {
                let text = char_slice(sql, s, end);
                out.push(parse_one(&text, s, words)?);
            }
            words.clear();
            Ok(())
        };
    for tok in &tokens {
        match &tok.token {
            Token::SemiColon => {
                let end = index.offset(tok.span.start.line, tok.span.start.column);
                flush(&mut start, end, &mut first_words)?;
            }
            Token::Whitespace(_) => {}
            other => {
                if start.is_none() {
                    start = Some(index.offset(tok.span.start.line, tok.span.start.column));
                }
                if first_words.len() < 3 {
                    if let Token::Word(w) = other {
                        first_words.push(w.value.to_uppercase());
                    } else {
                        first_words.push(String::new());
                    }
                }
            }
        }
    }
    flush(&mut start, total_chars, &mut first_words)?;
    Ok(out)
}

fn parse_one(text: &str, offset: usize, words: &[String]) -> SqlResult<ParsedStatement> {
    let first = words.first().map(String::as_str).unwrap_or("");
    let kind = match first {
        "CHECKPOINT" if words.len() == 1 => StatementKind::Utility(Utility::Checkpoint),
        "REINDEX" => StatementKind::Utility(parse_reindex(text, offset)?),
        "VACUUM" | "ANALYZE" | "ANALYSE" => {
            StatementKind::Utility(Utility::Vacuum(crate::session::vacuum_cmd::parse(text)?))
        }
        "CLUSTER" => StatementKind::Utility(Utility::NotSupported(first.to_string())),
        "ALTER"
            if words.get(1).is_some_and(|w| w == "TABLE")
                && let Some(u) = parse_alter_table_reset(text, offset)? =>
        {
            StatementKind::Utility(u)
        }
        _ => {
            let d = dialect();
            let normalized;
            let mut inserted = Vec::new();
            let text_to_parse = if first == "COPY" {
                normalized = normalize_copy_options(text);
                normalized.as_str()
            } else if matches!(first, "CREATE" | "ALTER")
                && let Some((n, at)) = valueless_options_to_true(text)
            {
                normalized = n;
                inserted = at;
                normalized.as_str()
            } else {
                text
            };
            if first == "CREATE"
                && let Some(stmt) = parse_create_as_with_column_list(text_to_parse)
            {
                return Ok(ParsedStatement {
                    text: text.to_string(),
                    offset,
                    kind: StatementKind::Sql(Box::new(stmt)),
                });
            }
            let mut stmts = Parser::parse_sql(&d, text_to_parse).map_err(|e| {
                let mut err = parser_error(&e.to_string(), text_to_parse, offset);
                // A position past an inserted ` = true` moves back over it.
                err.position = err.position.map(|p| {
                    let local = p - 1 - offset;
                    let shift: usize = inserted
                        .iter()
                        .map(|&at| local.saturating_sub(at).min(TRUE_SUFFIX.len()))
                        .sum();
                    p - shift
                });
                err
            })?;
            if stmts.len() != 1 {
                return Err(SqlError::syntax("syntax error at or near \";\""));
            }
            StatementKind::Sql(Box::new(stmts.remove(0)))
        }
    };
    Ok(ParsedStatement {
        text: text.to_string(),
        offset,
        kind,
    })
}

/// `CREATE [TEMP] TABLE name (a, b) AS query`, which sqlparser cannot
/// parse (it wants a type after each column name): parsed without the
/// name list, which then becomes the statement's columns, untyped.
fn parse_create_as_with_column_list(text: &str) -> Option<ast::Statement> {
    let d = dialect();
    let tokens = Tokenizer::new(&d, text).tokenize().ok()?;
    let word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i], Token::Whitespace(_)))
        .collect();
    let table = significant
        .iter()
        .position(|&i| word(&tokens[i], "TABLE"))?;
    let open = significant[table..]
        .iter()
        .position(|&i| tokens[i] == Token::LParen)
        .map(|p| table + p)?;
    let mut names = Vec::new();
    let mut k = open + 1;
    loop {
        match tokens.get(*significant.get(k)?)? {
            Token::Word(w) => names.push(ast::Ident {
                value: w.value.clone(),
                quote_style: w.quote_style,
                span: sqlparser::tokenizer::Span::empty(),
            }),
            _ => return None,
        }
        k += 1;
        match tokens.get(*significant.get(k)?)? {
            Token::Comma => k += 1,
            Token::RParen => break,
            _ => return None,
        }
    }
    let close = k;
    if !word(tokens.get(*significant.get(close + 1)?)?, "AS") {
        return None;
    }
    let (from, to) = (significant[open], significant[close]);
    let stripped: String = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < from || *i > to)
        .map(|(_, t)| t.to_string())
        .collect();
    let mut stmts = Parser::parse_sql(&d, &stripped).ok()?;
    let Some(ast::Statement::CreateTable(mut ct)) = stmts.pop().filter(|_| stmts.is_empty()) else {
        return None;
    };
    ct.query.as_ref()?;
    ct.columns = names
        .into_iter()
        .map(|name| ast::ColumnDef {
            name,
            data_type: ast::DataType::Unspecified,
            options: Vec::new(),
        })
        .collect();
    Some(ast::Statement::CreateTable(ct))
}

/// sqlparser accepts only TRUE/FALSE as COPY option booleans; PostgreSQL
/// (and pgbench: `copy ... with (freeze on)`) also writes ON/OFF.
fn normalize_copy_options(text: &str) -> String {
    let d = dialect();
    let Ok(tokens) = Tokenizer::new(&d, text).tokenize() else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut prev_word = String::new();
    for tok in tokens {
        let replaced = match &tok {
            Token::Word(w) if matches!(prev_word.as_str(), "FREEZE" | "HEADER") => {
                match w.value.to_uppercase().as_str() {
                    "ON" => Some("TRUE"),
                    "OFF" => Some("FALSE"),
                    _ => None,
                }
            }
            _ => None,
        };
        match replaced {
            Some(r) => out.push_str(r),
            None => out.push_str(&tok.to_string()),
        }
        match &tok {
            Token::Word(w) => prev_word = w.value.to_uppercase(),
            Token::Whitespace(_) => {}
            _ => prev_word.clear(),
        }
    }
    out
}

/// PostgreSQL accepts a storage parameter without a value, meaning true
/// (`CREATE TABLE t (a int) WITH (autovacuum_enabled)`, `ALTER TABLE t
/// SET (autovacuum_enabled)`); sqlparser wants `name = value`. In each
/// parenthesised list right after `WITH` or `SET`, an item that is a lone
/// name gets ` = true`. `None` if there is no such item (the text is used
/// as it is); otherwise the new text and the character offsets in it of
/// each inserted [`TRUE_SUFFIX`] (for error positions).
fn valueless_options_to_true(text: &str) -> Option<(String, Vec<usize>)> {
    let d = dialect();
    let tokens = Tokenizer::new(&d, text).tokenize().ok()?;
    let mut out = String::with_capacity(text.len() + 16);
    let mut inserted = Vec::new();
    // The keyword before the next token (whitespace skipped).
    let mut after_with_or_set = false;
    // Inside an option list: the depth of parentheses and the non-blank
    // tokens of the current item, whether its only one is a name.
    let mut depth = 0usize;
    let (mut item_tokens, mut item_is_word) = (0usize, false);
    for tok in tokens {
        if matches!(tok, Token::Whitespace(_)) {
            out.push_str(&tok.to_string());
            continue;
        }
        if depth == 0 {
            if after_with_or_set && tok == Token::LParen {
                depth = 1;
                (item_tokens, item_is_word) = (0, false);
            }
            after_with_or_set = matches!(&tok, Token::Word(w)
                if matches!(w.keyword, Keyword::WITH | Keyword::SET));
            out.push_str(&tok.to_string());
            continue;
        }
        let ends_item = depth == 1 && matches!(tok, Token::Comma | Token::RParen);
        if ends_item {
            if item_tokens == 1 && item_is_word {
                // Before the whitespace that preceded the delimiter, too.
                let trimmed = out.trim_end().len();
                inserted.push(out[..trimmed].chars().count());
                out.insert_str(trimmed, TRUE_SUFFIX);
            }
            (item_tokens, item_is_word) = (0, false);
        } else {
            item_tokens += 1;
            item_is_word = item_tokens == 1 && matches!(tok, Token::Word(_));
        }
        match tok {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        out.push_str(&tok.to_string());
    }
    (!inserted.is_empty()).then_some((out, inserted))
}

/// What [`valueless_options_to_true`] gives a lone name.
const TRUE_SUFFIX: &str = " = true";

/// Parses a standalone expression (column defaults are stored as text).
pub fn parse_expr(text: &str) -> SqlResult<ast::Expr> {
    let d = dialect();
    let mut p = Parser::new(&d)
        .try_with_sql(text)
        .map_err(|e| parser_error(&e.to_string(), text, 0))?;
    let e = p
        .parse_expr()
        .map_err(|e| parser_error(&e.to_string(), text, 0))?;
    Ok(e)
}

/// Parses a stored query (a view's definition).
pub fn parse_query(text: &str) -> SqlResult<ast::Query> {
    let d = dialect();
    let mut p = Parser::new(&d)
        .try_with_sql(text)
        .map_err(|e| parser_error(&e.to_string(), text, 0))?;
    let q = p
        .parse_query()
        .map_err(|e| parser_error(&e.to_string(), text, 0))?;
    Ok(*q)
}

/// Parses a type name (`regtype` input).
pub fn parse_data_type(text: &str) -> SqlResult<ast::DataType> {
    let d = dialect();
    let mut p = Parser::new(&d)
        .try_with_sql(text)
        .map_err(|e| parser_error(&e.to_string(), text, 0))?;
    p.parse_data_type()
        .map_err(|e| parser_error(&e.to_string(), text, 0))
}

fn location_of(msg: &str) -> Option<(u64, u64)> {
    let i = msg.rfind("at Line: ")?;
    let rest = &msg[i + "at Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

fn tokenizer_error(msg: &str, text: &str, offset: usize) -> SqlError {
    let mut err = SqlError::syntax(if msg.contains("Unterminated string literal") {
        "unterminated quoted string at or near \"'\"".to_string()
    } else if msg.contains("Unterminated dollar-quoted") {
        "unterminated dollar-quoted string".to_string()
    } else {
        format!("syntax error: {msg}")
    });
    if let Some((line, col)) = location_of(msg) {
        err.position = Some(offset + LineIndex::new(text).offset(line, col) + 1);
    }
    err
}

/// Converts a sqlparser error into PostgreSQL's `syntax error at or near "x"`.
fn parser_error(msg: &str, text: &str, offset: usize) -> SqlError {
    if msg.contains("Unterminated") {
        return tokenizer_error(msg, text, offset);
    }
    if msg.contains("recursion limit") {
        return SqlError::new("54001", "stack depth limit exceeded");
    }
    let found = msg
        .split_once("found: ")
        .map(|(_, f)| f.split(" at Line:").next().unwrap_or(f).trim().to_string());
    let mut err = match found.as_deref() {
        Some("EOF") | None => SqlError::syntax("syntax error at end of input"),
        Some(tok) => SqlError::syntax(format!(
            "syntax error at or near \"{}\"",
            tok.trim_matches('\'')
        )),
    };
    match location_of(msg) {
        Some((line, col)) => {
            err.position = Some(offset + LineIndex::new(text).offset(line, col) + 1)
        }
        None if found.as_deref() == Some("EOF") || found.is_none() => {
            err.position = Some(offset + text.chars().count() + 1)
        }
        None => {}
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_keeps_offsets() {
        let s = parse_statements("select 1; select ';' ;  checkpoint").unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].text.trim(), "select ';'");
        assert_eq!(s[1].offset, 10);
        assert!(matches!(
            s[2].kind,
            StatementKind::Utility(Utility::Checkpoint)
        ));
    }

    #[test]
    fn a_valueless_storage_parameter_means_true() {
        assert_eq!(
            valueless_options_to_true(
                "CREATE TABLE t (a int) WITH (autovacuum_enabled, fillfactor = 50)"
            )
            .map(|(t, _)| t)
            .as_deref(),
            Some("CREATE TABLE t (a int) WITH (autovacuum_enabled = true, fillfactor = 50)")
        );
        assert_eq!(
            valueless_options_to_true("alter table t set ( autovacuum_enabled , x )"),
            Some((
                "alter table t set ( autovacuum_enabled = true , x = true )".to_string(),
                vec![38, 49]
            ))
        );
        // A syntax error's position is in the text as written.
        let e =
            parse_statements("create table t (a int) with (autovacuum_enabled, b = )").unwrap_err();
        assert_eq!(e.position, Some(54));
        // Column lists and lists with values are left alone.
        assert_eq!(
            valueless_options_to_true("CREATE TABLE t (a int, b text) WITH (fillfactor = 5)"),
            None
        );
        assert_eq!(valueless_options_to_true("CREATE TABLE t (a)"), None);
    }

    #[test]
    fn empty_pieces_are_dropped() {
        assert!(parse_statements(" ; ;").unwrap().is_empty());
    }

    #[test]
    fn syntax_errors_carry_postgres_wording_and_position() {
        let e = parse_statements("select 1;\nselec 2").unwrap_err();
        assert_eq!(e.code, "42601");
        assert_eq!(e.message, "syntax error at or near \"selec\"");
        assert_eq!(e.position, Some(11));
        let e = parse_statements("select (1").unwrap_err();
        assert_eq!(e.message, "syntax error at end of input");
    }
}
