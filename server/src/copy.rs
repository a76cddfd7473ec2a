//! COPY's text and CSV formats: options, splitting input into rows and
//! fields, and formatting rows for COPY TO.
//!
//! Text format (PostgreSQL's default): one row per line, fields separated
//! by the delimiter (tab), `\N` for NULL, backslash escapes (`\b \f \n \r
//! \t \v \\`, octal `\NNN`, hex `\xHH`), an optional `\.` end marker.
//! CSV format: fields separated by the delimiter (`,`), quoted with `"`
//! when needed (a quote inside is doubled), NULL as an unquoted empty
//! field, optional header line. Binary format is not supported (0A000).

use sqlparser::ast;

use crate::error::{SqlError, SqlResult};

/// COPY options.
#[derive(Clone, Debug)]
pub struct CopyOptions {
    /// CSV rather than text.
    pub csv: bool,
    /// Field separator.
    pub delimiter: char,
    /// The string that means NULL.
    pub null: String,
    /// A header line is present (input) or written (output).
    pub header: bool,
    /// CSV quote character.
    pub quote: char,
    /// CSV escape character.
    pub escape: char,
}

impl CopyOptions {
    /// Reads the statement's option list.
    pub fn from_ast(
        options: &[ast::CopyOption],
        legacy: &[ast::CopyLegacyOption],
    ) -> SqlResult<CopyOptions> {
        let mut csv = false;
        let mut delimiter = None;
        let mut null = None;
        let mut header = false;
        let mut quote = '"';
        let mut escape = None;
        for o in options {
            match o {
                ast::CopyOption::Format(f) => match f.value.to_lowercase().as_str() {
                    "csv" => csv = true,
                    "text" => csv = false,
                    "binary" => return Err(SqlError::unsupported("COPY BINARY")),
                    other => {
                        return Err(SqlError::new(
                            "22023",
                            format!("COPY format \"{other}\" not recognized"),
                        ));
                    }
                },
                ast::CopyOption::Freeze(_) | ast::CopyOption::Encoding(_) => {}
                ast::CopyOption::Delimiter(c) => delimiter = Some(*c),
                ast::CopyOption::Null(s) => null = Some(s.clone()),
                ast::CopyOption::Header(h) => header = *h,
                ast::CopyOption::Quote(c) => quote = *c,
                ast::CopyOption::Escape(c) => escape = Some(*c),
                other => return Err(SqlError::unsupported(format!("COPY option {other}"))),
            }
        }
        for o in legacy {
            match o {
                ast::CopyLegacyOption::Binary => return Err(SqlError::unsupported("COPY BINARY")),
                ast::CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
                ast::CopyLegacyOption::Null(s) => null = Some(s.clone()),
                ast::CopyLegacyOption::Header => header = true,
                ast::CopyLegacyOption::Csv(opts) => {
                    csv = true;
                    for c in opts {
                        match c {
                            ast::CopyLegacyCsvOption::Header => header = true,
                            ast::CopyLegacyCsvOption::Quote(q) => quote = *q,
                            ast::CopyLegacyCsvOption::Escape(e) => escape = Some(*e),
                            other => {
                                return Err(SqlError::unsupported(format!("COPY option {other}")));
                            }
                        }
                    }
                }
                other => return Err(SqlError::unsupported(format!("COPY option {other}"))),
            }
        }
        if header && !csv {
            return Err(SqlError::unsupported("COPY HEADER in text format"));
        }
        Ok(CopyOptions {
            csv,
            delimiter: delimiter.unwrap_or(if csv { ',' } else { '\t' }),
            null: null.unwrap_or_else(|| if csv { String::new() } else { "\\N".into() }),
            header,
            quote,
            escape: escape.unwrap_or(quote),
        })
    }
}

/// Splits COPY input into rows of fields (`None` = NULL). Calls `row` for
/// each with its 1-based line number.
pub fn parse_input(
    data: &str,
    opts: &CopyOptions,
    mut row: impl FnMut(usize, Vec<Option<String>>) -> SqlResult<()>,
) -> SqlResult<()> {
    if opts.csv {
        return parse_csv(data, opts, row);
    }
    for (i, line) in data.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line == "\\." {
            break;
        }
        if line.is_empty() && i + 1 == data.split('\n').count() {
            break;
        }
        let fields = line
            .split(opts.delimiter)
            .map(|f| {
                if f == opts.null {
                    Ok(None)
                } else {
                    unescape_text(f).map(Some)
                }
            })
            .collect::<SqlResult<Vec<_>>>()
            .map_err(|e| e.with_context(format!("COPY, line {}", i + 1)))?;
        row(i + 1, fields)?;
    }
    Ok(())
}

fn unescape_text(f: &str) -> SqlResult<String> {
    if !f.contains('\\') {
        return Ok(f.to_string());
    }
    let b = f.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xFF) as u8);
            }
            b'x' if i < b.len() && (b[i] as char).is_ascii_hexdigit() => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < b.len() && (b[i] as char).is_ascii_hexdigit() {
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out)
        .map_err(|_| SqlError::new("22021", "invalid byte sequence for encoding \"UTF8\""))
}

fn parse_csv(
    data: &str,
    opts: &CopyOptions,
    mut row: impl FnMut(usize, Vec<Option<String>>) -> SqlResult<()>,
) -> SqlResult<()> {
    let mut chars = data.chars().peekable();
    let mut line = 1usize;
    let mut first = true;
    loop {
        if chars.peek().is_none() {
            return Ok(());
        }
        let start_line = line;
        let mut fields: Vec<Option<String>> = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut in_quotes = false;
        let mut at_start = true;
        loop {
            let Some(c) = chars.next() else {
                if in_quotes {
                    return Err(SqlError::new("22P04", "unterminated CSV quoted field")
                        .with_context(format!("COPY, line {start_line}")));
                }
                break;
            };
            if in_quotes {
                if c == opts.escape
                    && (chars.peek() == Some(&opts.quote)
                        || (opts.escape != opts.quote && chars.peek() == Some(&opts.escape)))
                {
                    // An escaped quote (doubled, by default) or escape.
                    if let Some(next) = chars.next() {
                        field.push(next);
                    }
                } else if c == opts.quote {
                    in_quotes = false;
                } else {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
                continue;
            }
            if c == opts.quote && at_start {
                in_quotes = true;
                quoted = true;
                at_start = false;
            } else if c == opts.delimiter {
                fields.push(csv_value(std::mem::take(&mut field), quoted, opts));
                quoted = false;
                at_start = true;
            } else if c == '\n' {
                line += 1;
                break;
            } else if c == '\r' && chars.peek() == Some(&'\n') {
                continue;
            } else {
                field.push(c);
                at_start = false;
            }
        }
        fields.push(csv_value(field, quoted, opts));
        if fields.len() == 1 && fields[0].as_deref() == Some("\\.") {
            return Ok(());
        }
        if first && opts.header {
            first = false;
            continue;
        }
        first = false;
        row(start_line, fields)?;
    }
}

fn csv_value(field: String, quoted: bool, opts: &CopyOptions) -> Option<String> {
    if !quoted && field == opts.null {
        None
    } else {
        Some(field)
    }
}

/// Appends one output row in COPY's format.
pub fn format_row(fields: &[Option<String>], opts: &CopyOptions, out: &mut String) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(opts.delimiter);
        }
        match f {
            None => out.push_str(&opts.null),
            Some(s) if opts.csv => {
                let needs = s.is_empty() && opts.null.is_empty()
                    || s.contains(opts.delimiter)
                    || s.contains(opts.quote)
                    || s.contains('\n')
                    || s.contains('\r')
                    || *s == opts.null;
                if needs {
                    out.push(opts.quote);
                    for c in s.chars() {
                        if c == opts.quote || c == opts.escape {
                            out.push(opts.escape);
                        }
                        out.push(c);
                    }
                    out.push(opts.quote);
                } else {
                    out.push_str(s);
                }
            }
            Some(s) => {
                for c in s.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\u{8}' => out.push_str("\\b"),
                        '\u{c}' => out.push_str("\\f"),
                        '\u{b}' => out.push_str("\\v"),
                        c if c == opts.delimiter => {
                            out.push('\\');
                            out.push(c);
                        }
                        c => out.push(c),
                    }
                }
            }
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> CopyOptions {
        CopyOptions::from_ast(&[], &[]).unwrap()
    }

    fn csv() -> CopyOptions {
        CopyOptions::from_ast(&[ast::CopyOption::Format(ast::Ident::new("csv"))], &[]).unwrap()
    }

    fn rows(data: &str, o: &CopyOptions) -> Vec<Vec<Option<String>>> {
        let mut v = Vec::new();
        parse_input(data, o, |_, r| {
            v.push(r);
            Ok(())
        })
        .unwrap();
        v
    }

    #[test]
    fn text_format_escapes_and_nulls() {
        let r = rows("1\ta\\tb\t\\N\n2\tx\\\\y\t\\101\n\\.\n", &text());
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], vec![Some("1".into()), Some("a\tb".into()), None]);
        assert_eq!(r[1][1].as_deref(), Some("x\\y"));
        assert_eq!(r[1][2].as_deref(), Some("A"));
        let mut out = String::new();
        format_row(&r[0], &text(), &mut out);
        assert_eq!(out, "1\ta\\tb\t\\N\n");
    }

    #[test]
    fn csv_quotes_and_nulls() {
        let r = rows(
            "1,\"a,b\",,\"\"\n2,\"say \"\"hi\"\"\",\"line\nbreak\",x\n",
            &csv(),
        );
        assert_eq!(
            r[0],
            vec![
                Some("1".into()),
                Some("a,b".into()),
                None,
                Some(String::new())
            ]
        );
        assert_eq!(r[1][1].as_deref(), Some("say \"hi\""));
        assert_eq!(r[1][2].as_deref(), Some("line\nbreak"));
        let mut out = String::new();
        format_row(&r[1], &csv(), &mut out);
        assert_eq!(out, "2,\"say \"\"hi\"\"\",\"line\nbreak\",x\n");
    }
}
