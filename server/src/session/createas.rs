//! CREATE TABLE ... AS and SELECT ... INTO (PostgreSQL's
//! `commands/createas.c`).
//!
//! The query is bound first, for the new table's columns (names from the
//! query or the column list; an untyped literal's column is `text`); the
//! table is created, and then filled by an `INSERT INTO table query` in the
//! same transaction, so a failing query leaves no table behind. `WITH NO
//! DATA` creates the table only. The command tag is `SELECT n`, as in
//! PostgreSQL.

use sqlparser::ast;
use storage::catalog::{ColumnInfo, Generation};
use storage::datum::{Datum, SqlType, TypeOid};

use super::{Lookup, Notice, QueryResult, Session, txn_writer};
use crate::error::{SqlError, SqlResult};
use crate::sql::bind::{Binder, ident_name, quote_ident, schema_and_name, view_column_type};
use crate::sql::parse::{StatementKind, parse_statements};

/// What a CREATE TABLE AS / SELECT INTO asks for.
pub(super) struct CreateTableAs<'a> {
    pub name: &'a ast::ObjectName,
    /// Column names given after the table name.
    pub column_names: Vec<String>,
    pub query: &'a ast::Query,
    pub if_not_exists: bool,
    /// False for `WITH NO DATA`.
    pub with_data: bool,
    /// `CREATE TEMP TABLE ... AS`, with its ON COMMIT.
    pub temporary: Option<Option<&'a ast::OnCommit>>,
}

impl Session {
    /// CREATE TABLE ... AS query.
    pub(super) fn create_table_as(
        &mut self,
        ct: &ast::CreateTable,
        query: &ast::Query,
        params: &[Datum],
    ) -> SqlResult<QueryResult> {
        if ct
            .columns
            .iter()
            .any(|c| !matches!(c.data_type, ast::DataType::Unspecified) || !c.options.is_empty())
        {
            return Err(SqlError::syntax(
                "syntax error: CREATE TABLE AS takes column names only",
            ));
        }
        super::check_on_commit(ct)?;
        if !ct.constraints.is_empty() || !matches!(ct.table_options, ast::CreateTableOptions::None)
        {
            return Err(SqlError::unsupported(
                "constraints or storage parameters in CREATE TABLE AS",
            ));
        }
        self.run_create_table_as(
            &CreateTableAs {
                name: &ct.name,
                column_names: ct.columns.iter().map(|c| ident_name(&c.name)).collect(),
                query,
                if_not_exists: ct.if_not_exists,
                with_data: ct.with_data.as_ref().is_none_or(|w| w.data),
                temporary: ct.temporary.then_some(ct.on_commit.as_ref()),
            },
            params,
        )
    }

    /// SELECT ... INTO table: the query without its INTO, as CREATE TABLE
    /// AS.
    pub(super) fn select_into(
        &mut self,
        query: &ast::Query,
        into: &ast::SelectInto,
        params: &[Datum],
    ) -> SqlResult<QueryResult> {
        if into.unlogged {
            return Err(SqlError::unsupported("SELECT INTO UNLOGGED"));
        }
        let [ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)] = into.targets.as_slice()
        else {
            return Err(SqlError::syntax("syntax error at or near \"INTO\""));
        };
        let name = ast::ObjectName::from(match &into.targets[0] {
            ast::Expr::Identifier(id) => vec![id.clone()],
            ast::Expr::CompoundIdentifier(ids) => ids.clone(),
            _ => Vec::new(),
        });
        let mut query = query.clone();
        if let ast::SetExpr::Select(sel) = query.body.as_mut() {
            sel.into = None;
        }
        self.run_create_table_as(
            &CreateTableAs {
                name: &name,
                column_names: Vec::new(),
                query: &query,
                if_not_exists: false,
                with_data: true,
                temporary: into.temporary.then_some(None),
            },
            params,
        )
    }

    fn run_create_table_as(
        &mut self,
        ctas: &CreateTableAs<'_>,
        params: &[Datum],
    ) -> SqlResult<QueryResult> {
        let (schema, name) = schema_and_name(ctas.name)?;
        let columns = self.bind_create_as_columns(ctas, params)?;
        let (snap, wait) = self.ddl_prologue()?;
        let (ns, ns_name) =
            self.creation_namespace(schema.as_deref(), ctas.temporary.is_some(), &snap)?;
        if ns_name == "pg_catalog" {
            return Err(SqlError::new(
                "42501",
                format!("permission denied to create \"pg_catalog.{name}\""),
            ));
        }
        let engine = self.engine.clone();
        if engine
            .catalog
            .lookup_table(ns, &ns_name, &name, &snap, false)?
            .is_some()
        {
            if ctas.if_not_exists {
                self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "42P07",
                    message: format!("relation \"{name}\" already exists, skipping"),
                });
                return Ok(QueryResult::Command("CREATE TABLE AS".into()));
            }
            return Err(SqlError::new(
                "42P07",
                format!("relation \"{name}\" already exists"),
            ));
        }
        let w = txn_writer(&self.txn, &wait)?;
        let table = engine
            .catalog
            .create_table(ns, &name, &columns, &w, &mut self.pending)?;
        if let Some(on_commit) = ctas.temporary {
            self.register_temp_table(table, on_commit)?;
        }
        self.txn.command_counter_increment();
        if !ctas.with_data {
            return Ok(QueryResult::Command("SELECT 0".into()));
        }
        let stmt = insert_into(&ns_name, &name, ctas.query)?;
        let inserted = match self.run_dml(&stmt, params)? {
            QueryResult::Command(tag) => tag.rsplit(' ').next().unwrap_or("0").to_string(),
            _ => "0".to_string(),
        };
        Ok(QueryResult::Command(format!("SELECT {inserted}")))
    }

    /// The new table's columns: the query's output, renamed by the
    /// column list.
    fn bind_create_as_columns(
        &mut self,
        ctas: &CreateTableAs<'_>,
        params: &[Datum],
    ) -> SqlResult<Vec<ColumnInfo>> {
        let lookup = Lookup {
            session: self,
            tables: Default::default(),
        };
        let param_types = self
            .prepared_params
            .clone()
            .unwrap_or_else(|| vec![SqlType::new(TypeOid::UNKNOWN); params.len()]);
        let bound = Binder::new(&lookup, param_types).bind_statement_query(ctas.query)?;
        if ctas.column_names.len() > bound.columns.len() {
            return Err(SqlError::new(
                "42601",
                "too many column names were specified",
            ));
        }
        result_columns(&bound.columns, &ctas.column_names)
    }
}

/// `INSERT INTO schema.name query`.
fn insert_into(schema: &str, name: &str, query: &ast::Query) -> SqlResult<ast::Statement> {
    let template = format!(
        "INSERT INTO {}.{} VALUES (NULL)",
        quote_ident(schema),
        quote_ident(name)
    );
    let parsed = parse_statements(&template)?.pop().map(|p| p.kind);
    let Some(StatementKind::Sql(stmt)) = parsed else {
        return Err(SqlError::internal("CREATE TABLE AS: no INSERT"));
    };
    let mut stmt = *stmt;
    let ast::Statement::Insert(ins) = &mut stmt else {
        return Err(SqlError::internal("CREATE TABLE AS: no INSERT"));
    };
    ins.source = Some(Box::new(query.clone()));
    Ok(stmt)
}

/// The `INTO` of a `SELECT ... INTO table`.
pub(super) fn into_clause(q: &ast::Query) -> Option<&ast::SelectInto> {
    match q.body.as_ref() {
        ast::SetExpr::Select(sel) => sel.into.as_ref(),
        _ => None,
    }
}

/// The columns a query's result `bound` gives a new table or view, named
/// by `names` where given (42701 for a name given twice); an untyped
/// literal's column is `text`.
pub(super) fn result_columns(
    bound: &[(String, SqlType)],
    names: &[String],
) -> SqlResult<Vec<ColumnInfo>> {
    let mut columns: Vec<ColumnInfo> = Vec::with_capacity(bound.len());
    for (i, (label, typ)) in bound.iter().enumerate() {
        let name = names.get(i).unwrap_or(label).clone();
        if columns.iter().any(|c| c.name == name) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{name}\" specified more than once"),
            ));
        }
        columns.push(ColumnInfo {
            name,
            typ: view_column_type(*typ),
            not_null: false,
            default: None,
            generation: Generation::Plain,
        });
    }
    Ok(columns)
}
