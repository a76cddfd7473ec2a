//! A client session: settings, the transaction state machine, and the
//! dispatch of each statement to the binder, executor or utility code.
//!
//! Transaction blocks follow PostgreSQL:
//!
//! ```text
//!            BEGIN                         error
//!   Idle ───────────────▶ Explicit ───────────────────▶ Failed
//!    │  ▲   COMMIT/ROLLBACK │ ▲                          │
//!    │  └──────────────────┘ │ ROLLBACK TO savepoint     │ ROLLBACK / COMMIT
//!    │                       └───────────────────────────┤ (COMMIT rolls back)
//!    │ any other statement                               ▼
//!    ▼                                                  Idle
//!  Implicit: the statements of one simple Query (or one Execute) run in
//!  one transaction that commits at the end, or rolls back on error.
//! ```
//!
//! READ COMMITTED takes a snapshot per statement; REPEATABLE READ and
//! SERIALIZABLE (run as REPEATABLE READ: snapshot isolation, not yet SSI)
//! take one per transaction. Every statement's snapshot is registered so
//! vacuum keeps what it may see.

mod constraints;
mod createas;
mod explain;
mod foreign_keys;
mod indexcmds;
mod rewrite;
mod tablecmds;
mod temptables;
#[path = "commands/vacuum.rs"]
pub mod vacuum_cmd;
mod viewcmds;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use sqlparser::ast;
use storage::catalog::{ColumnInfo, Generation, PendingFiles, TableInfo};
use storage::datum::{Datum, SqlType, TimestampTz, TypeOid};
use storage::engine::Engine;
use storage::heap::heapam::Writer;
use storage::txn::{LockMode, LockTag, LockWait, OwnerId, RegisteredSnapshot, TransactionState};
use storage::types::Oid;

use crate::copy::{CopyOptions, format_row, parse_input};
use crate::error::{SqlError, SqlResult};
use crate::guc::Settings;
use crate::notify::ListenAction;
use crate::sql::bind::{
    Binder, CatalogLookup, ident_name, object_name_parts, parse_type_name, schema_and_name,
};
use crate::sql::exec::{self, ExecCtx, Row};
use crate::sql::expr::SessionEnv;
use crate::sql::parse::{ParsedStatement, StatementKind, Utility, parse_statements};

/// A bound statement, ready to execute.
#[derive(Debug)]
enum Bound {
    Query(crate::sql::bind::BoundQuery),
    Insert(Box<crate::sql::bind::InsertPlan>),
    Update(crate::sql::bind::UpdatePlan),
    Delete(crate::sql::bind::DeletePlan),
}

/// A prepared statement's plan, reused by later Executes while the catalog
/// has not changed.
#[derive(Debug)]
pub struct CachedPlan {
    generation: u64,
    bound: Arc<Bound>,
    tables: Vec<Oid>,
}

/// Where a prepared statement keeps its plan.
pub type PlanCache = Arc<parking_lot::Mutex<Option<CachedPlan>>>;

/// COPY FROM stores rows in batches of this many (multi-insert).
const COPY_BATCH_ROWS: usize = 1000;

/// Transaction isolation levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// READ COMMITTED (and READ UNCOMMITTED, which PostgreSQL treats alike).
    ReadCommitted,
    /// REPEATABLE READ.
    RepeatableRead,
    /// SERIALIZABLE (snapshot isolation for now).
    Serializable,
}

impl Isolation {
    fn parse(s: &str) -> Isolation {
        match s {
            "serializable" => Isolation::Serializable,
            "repeatable read" => Isolation::RepeatableRead,
            _ => Isolation::ReadCommitted,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Isolation::ReadCommitted => "read committed",
            Isolation::RepeatableRead => "repeatable read",
            Isolation::Serializable => "serializable",
        }
    }
}

/// Where the session is in PostgreSQL's transaction block state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Idle,
    Implicit,
    Explicit,
    Failed,
}

/// ReadyForQuery's transaction status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// 'I'
    Idle,
    /// 'T'
    InTransaction,
    /// 'E'
    Failed,
}

/// A message to the client that is not an error.
#[derive(Clone, Debug)]
pub struct Notice {
    /// WARNING or NOTICE.
    pub severity: &'static str,
    /// SQLSTATE.
    pub code: &'static str,
    /// Text.
    pub message: String,
}

/// What a statement produced.
#[derive(Clone, Debug)]
pub enum QueryResult {
    /// Rows, with their description.
    Rows {
        /// Column names and types.
        columns: Vec<(String, SqlType)>,
        /// The rows.
        rows: Vec<Row>,
        /// The command tag (`SELECT 3`, `INSERT 0 2` for RETURNING, ...).
        tag: String,
    },
    /// A command tag only.
    Command(String),
    /// COPY ... FROM STDIN: the client sends the data next.
    CopyIn(Arc<CopyIn>),
    /// COPY ... TO STDOUT: the formatted rows.
    CopyOut {
        /// One string per row, with its newline.
        lines: Vec<String>,
        /// The number of columns.
        columns: usize,
    },
}

/// The target of a COPY FROM STDIN, bound when the statement ran.
#[derive(Debug)]
pub struct CopyIn {
    table: Arc<TableInfo>,
    /// Table column index of each input field.
    columns: Vec<usize>,
    opts: CopyOptions,
}

impl CopyIn {
    /// The number of fields per input row.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// True for CSV.
    pub fn is_csv(&self) -> bool {
        self.opts.csv
    }
}

/// A statement's result plus what the client should also be told.
#[derive(Debug)]
pub struct Outcome {
    /// The result or the error.
    pub result: SqlResult<QueryResult>,
    /// Notices raised.
    pub notices: Vec<Notice>,
    /// Settings changed that clients track (ParameterStatus).
    pub parameter_status: Vec<(String, String)>,
}

/// Parameter types and result columns of a statement.
type Description = (Vec<SqlType>, Vec<(String, SqlType)>);

/// A statement prepared through the extended protocol.
#[derive(Debug)]
pub struct Prepared {
    /// The statement.
    pub stmt: Option<ParsedStatement>,
    /// Parameter types, inferred where the client gave none.
    pub param_types: Vec<SqlType>,
    /// Result columns; empty for statements without rows.
    pub columns: Vec<(String, SqlType)>,
    /// The plan, once bound (not re-bound on every Execute).
    pub plan: PlanCache,
}

/// Server-wide facts sessions share.
pub struct Shared {
    /// The storage engine.
    pub engine: Arc<Engine>,
    /// The server's settings (file and command line).
    pub base_settings: Settings,
    /// LISTEN/NOTIFY between sessions.
    pub notify: crate::notify::NotifyHub,
    next_owner: std::sync::atomic::AtomicU64,
}

impl Shared {
    /// Wraps the engine and settings.
    pub fn new(engine: Arc<Engine>, base_settings: Settings) -> Arc<Self> {
        Arc::new(Shared {
            engine,
            base_settings,
            notify: Default::default(),
            next_owner: std::sync::atomic::AtomicU64::new(1),
        })
    }
}

/// One client session.
pub struct Session {
    shared: Arc<Shared>,
    engine: Arc<Engine>,
    /// The session's settings.
    pub settings: Settings,
    txn: TransactionState,
    block: Block,
    isolation: Isolation,
    next_isolation: Option<Isolation>,
    txn_snapshot: Option<RegisteredSnapshot>,
    pending: PendingFiles,
    catalog_changed: bool,
    /// Open savepoints: name and what NOTIFY/LISTEN had queued when it was set.
    savepoints: Vec<(String, (usize, usize))>,
    /// The ON COMMIT actions of temporary tables ([`temptables`]).
    on_commit: Vec<(Oid, temptables::OnCommitAction)>,
    env: SessionEnv,
    cancel: Arc<AtomicBool>,
    notices: Vec<Notice>,
    parameter_status: Vec<(String, String)>,
    /// Settings as they were when this transaction first changed one
    /// (restored if it aborts), and as they will be if it commits (SET
    /// LOCAL changes left out).
    txn_settings: Option<(Settings, Settings)>,
    /// The plan cache and parameter types of the prepared statement being
    /// executed, if any.
    plan_cache: Option<PlanCache>,
    prepared_params: Option<Vec<SqlType>>,
    /// The planned queries of foreign keys (see `session::foreign_keys`).
    ri_plans: foreign_keys::RiPlans,
    /// Set while a foreign key's query runs: it takes a fresh snapshot.
    ri_fresh_snapshot: bool,
    /// Prepared statements by name, `""` being the unnamed one: the
    /// extended protocol's Parse/Close and SQL `DEALLOCATE` share them, as
    /// in PostgreSQL.
    statements: std::collections::HashMap<String, Arc<Prepared>>,
    /// Set by `CLOSE ALL` and `DISCARD ALL`: the protocol loop drops its
    /// portals when it sees it.
    portals_closed: bool,
}

impl Session {
    /// A new session for `user` on `database`, with startup `options`.
    pub fn new(
        shared: Arc<Shared>,
        user: &str,
        database: &str,
        backend_pid: i32,
        cancel: Arc<AtomicBool>,
    ) -> Self {
        let owner = OwnerId(
            shared
                .next_owner
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        let settings = shared.base_settings.clone();
        let now = TimestampTz::now();
        Session {
            engine: shared.engine.clone(),
            shared,
            txn: TransactionState::new(owner),
            block: Block::Idle,
            isolation: Isolation::ReadCommitted,
            next_isolation: None,
            txn_snapshot: None,
            pending: PendingFiles::default(),
            catalog_changed: false,
            savepoints: Vec::new(),
            on_commit: Vec::new(),
            env: SessionEnv {
                output: Default::default(),
                user: user.to_string(),
                database: database.to_string(),
                backend_pid,
                txn_start: now,
                stmt_start: now,
                current_schema: "public".into(),
                search_path: vec!["public".into()],
                temp_schema: None,
                prng: Default::default(),
                currvals: Default::default(),
                lastval: Default::default(),
                work_mem: work_mem_bytes(settings.get_int("work_mem")),
                log_temp_files: settings.get_int("log_temp_files").unwrap_or(-1),
                notify: Default::default(),
                backup: Default::default(),
                backup_stopped: Default::default(),
                set_configs: Default::default(),
                reset_settings: settings.clone(),
            },
            cancel,
            notices: Vec::new(),
            parameter_status: Vec::new(),
            txn_settings: None,
            plan_cache: None,
            prepared_params: None,
            ri_plans: Default::default(),
            ri_fresh_snapshot: false,
            statements: Default::default(),
            portals_closed: false,
            settings,
        }
    }

    /// Applies a startup-packet or SET value, updating derived state.
    pub fn set_setting(&mut self, name: &str, value: &str) -> SqlResult<()> {
        let old = self.settings.get(name).map(str::to_string);
        let (canonical, v) = self.settings.set(name, value, false)?;
        if let Err(e) = self.apply_setting(canonical, &v) {
            // A rejected value must not stay visible to SHOW.
            if let Some(old) = old {
                let _ = self.settings.set(canonical, &old, false);
            }
            return Err(e);
        }
        if let Some(d) = crate::guc::find(canonical)
            && d.reported
        {
            self.parameter_status.push((d.name.to_string(), v));
        }
        Ok(())
    }

    fn apply_setting(&mut self, name: &str, value: &str) -> SqlResult<()> {
        match name {
            "TimeZone" => {
                let tz = storage::datum::datetime::parse_time_zone(value).map_err(|_| {
                    SqlError::new(
                        "22023",
                        format!("invalid value for parameter \"TimeZone\": \"{value}\""),
                    )
                })?;
                self.env.output.time_zone = tz;
            }
            "work_mem" => {
                self.env.work_mem = work_mem_bytes(self.settings.get_int("work_mem"));
            }
            "log_temp_files" => {
                self.env.log_temp_files = self.settings.get_int("log_temp_files").unwrap_or(-1);
            }
            "extra_float_digits" => {
                self.env.output.extra_float_digits = value.parse().unwrap_or(1);
            }
            "transaction_isolation" => {
                if self.block != Block::Idle && self.txn_snapshot.is_some() {
                    return Err(SqlError::new(
                        "25001",
                        "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                    ));
                }
                self.isolation = Isolation::parse(value);
            }
            _ => {}
        }
        Ok(())
    }

    /// Parameter statuses to report at startup.
    pub fn startup_parameters(&self) -> Vec<(String, String)> {
        crate::guc::DEFS
            .iter()
            .filter(|d| d.reported)
            .map(|d| {
                (
                    d.name.to_string(),
                    self.settings.get(d.name).unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// ReadyForQuery status.
    pub fn tx_status(&self) -> TxStatus {
        match self.block {
            Block::Idle | Block::Implicit => TxStatus::Idle,
            Block::Explicit => TxStatus::InTransaction,
            Block::Failed => TxStatus::Failed,
        }
    }

    fn take_outcome(&mut self, result: SqlResult<QueryResult>) -> Outcome {
        Outcome {
            result,
            notices: std::mem::take(&mut self.notices),
            parameter_status: std::mem::take(&mut self.parameter_status),
        }
    }

    fn warn(&mut self, code: &'static str, message: impl Into<String>) {
        self.notices.push(Notice {
            severity: "WARNING",
            code,
            message: message.into(),
        });
    }

    /// Runs a simple-protocol query string: every statement in it, stopping
    /// at the first error.
    pub fn exec_simple(&mut self, sql: &str) -> Vec<Outcome> {
        let stmts = match parse_statements(sql) {
            Ok(s) => s,
            Err(e) => {
                self.fail_block();
                return vec![self.take_outcome(Err(e))];
            }
        };
        let mut out = Vec::with_capacity(stmts.len());
        for stmt in &stmts {
            let r = self.run_statement(stmt, &[]);
            let failed = r.is_err();
            out.push(self.take_outcome(r));
            if failed {
                break;
            }
        }
        if self.block == Block::Implicit {
            let r = self.commit_transaction();
            if let Err(e) = r {
                out.push(self.take_outcome(Err(e)));
            }
        }
        out
    }

    /// Parse (extended protocol): prepares `sql` as statement `name`. A
    /// named statement must not exist yet (42P05); the unnamed one is
    /// replaced.
    pub fn parse_named(
        &mut self,
        name: &str,
        sql: &str,
        param_types: &[Option<SqlType>],
    ) -> SqlResult<()> {
        if !name.is_empty() && self.statements.contains_key(name) {
            return Err(SqlError::new(
                "42P05",
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        let prepared = self.prepare(sql, param_types)?;
        self.statements.insert(name.to_string(), Arc::new(prepared));
        Ok(())
    }

    /// The prepared statement called `name`.
    pub fn statement(&self, name: &str) -> Option<Arc<Prepared>> {
        self.statements.get(name).cloned()
    }

    /// Close (extended protocol): forgets statement `name`, if it exists.
    pub fn close_statement(&mut self, name: &str) {
        self.statements.remove(name);
    }

    /// True once after `CLOSE ALL` or `DISCARD ALL` ran.
    pub fn take_portals_closed(&mut self) -> bool {
        std::mem::take(&mut self.portals_closed)
    }

    /// Parses and binds a statement for the extended protocol.
    fn prepare(&mut self, sql: &str, param_types: &[Option<SqlType>]) -> SqlResult<Prepared> {
        let mut stmts = parse_statements(sql)?;
        if stmts.len() > 1 {
            return Err(SqlError::new(
                "42601",
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let Some(stmt) = stmts.pop() else {
            return Ok(Prepared {
                stmt: None,
                param_types: vec![],
                columns: vec![],
                plan: Default::default(),
            });
        };
        let given: Vec<SqlType> = param_types
            .iter()
            .map(|t| t.unwrap_or(SqlType::new(TypeOid::UNKNOWN)))
            .collect();
        // SHOW returns rows: describe them, or the DataRows that Execute
        // sends do not match the (empty) RowDescription.
        let show = match &stmt.kind {
            StatementKind::Sql(ast) => match ast.as_ref() {
                ast::Statement::ShowVariable { variable } => match self.show(variable)? {
                    QueryResult::Rows { columns, .. } => Some(columns),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let (param_types, columns) = match &stmt.kind {
            _ if show.is_some() => (given, show.unwrap_or_default()),
            StatementKind::Sql(ast) if is_bindable(ast) => self.describe(ast, given)?,
            _ => (
                given
                    .iter()
                    .map(|t| {
                        if t.oid == TypeOid::UNKNOWN {
                            SqlType::new(TypeOid::TEXT)
                        } else {
                            *t
                        }
                    })
                    .collect(),
                vec![],
            ),
        };
        Ok(Prepared {
            stmt: Some(stmt),
            param_types,
            columns,
            plan: Default::default(),
        })
    }

    /// Binds a statement (in a throwaway snapshot) to learn its parameter
    /// and result types.
    fn describe(&mut self, stmt: &ast::Statement, given: Vec<SqlType>) -> SqlResult<Description> {
        let had_txn = self.txn.in_transaction();
        if !had_txn {
            self.txn.begin()?;
        }
        let result = (|| {
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, given);
            let columns = match stmt {
                ast::Statement::Query(q) => binder.bind_statement_query(q)?.columns,
                ast::Statement::Insert(i) => returning_columns(&binder.bind_insert(i)?.returning),
                ast::Statement::Update(u) => returning_columns(&binder.bind_update(u)?.returning),
                ast::Statement::Delete(d) => returning_columns(&binder.bind_delete(d)?.returning),
                ast::Statement::Explain { statement, .. } => {
                    // Bind the explained statement for its parameter types
                    // (`EXPLAIN SELECT ... WHERE id = ANY($1)`).
                    match statement.as_ref() {
                        ast::Statement::Query(q) => {
                            binder.bind_query(q)?;
                        }
                        ast::Statement::Insert(i) => {
                            binder.bind_insert(i)?;
                        }
                        ast::Statement::Update(u) => {
                            binder.bind_update(u)?;
                        }
                        ast::Statement::Delete(d) => {
                            binder.bind_delete(d)?;
                        }
                        _ => {}
                    }
                    vec![("QUERY PLAN".into(), SqlType::new(TypeOid::TEXT))]
                }
                _ => vec![],
            };
            Ok((binder.final_param_types(), columns))
        })();
        if !had_txn {
            let _ = self.txn.abort(&self.engine.txns);
        }
        result
    }

    /// Runs a prepared statement with parameter values (extended protocol).
    pub fn exec_prepared(&mut self, p: &Prepared, params: &[Datum]) -> Outcome {
        let Some(stmt) = &p.stmt else {
            return self.take_outcome(Ok(QueryResult::Command(String::new())));
        };
        self.plan_cache = Some(p.plan.clone());
        self.prepared_params = Some(p.param_types.clone());
        let mut r = self.run_statement(stmt, params);
        self.plan_cache = None;
        self.prepared_params = None;
        if let Ok(QueryResult::Rows { columns, .. }) = &r {
            let same = columns.len() == p.columns.len()
                && columns
                    .iter()
                    .zip(&p.columns)
                    .all(|(a, b)| a.1.oid == b.1.oid);
            if !same && !p.columns.is_empty() {
                r = Err(SqlError::new(
                    "0A000",
                    "cached plan must not change result type",
                ));
                self.fail_block();
            }
        }
        self.take_outcome(r)
    }

    /// Sync (extended protocol): ends the implicit transaction that the
    /// Executes since the last Sync ran in, as PostgreSQL does, so a
    /// pipelined batch commits or fails as a whole.
    pub fn sync(&mut self) -> SqlResult<()> {
        if self.block == Block::Implicit {
            self.commit_transaction()?;
        }
        Ok(())
    }

    /// Ends whatever transaction is open (the client went away).
    pub fn terminate(&mut self) {
        if self.txn.in_transaction()
            && let Err(e) = self.abort_transaction()
        {
            tracing::warn!("rolling back the transaction of a closed session failed: {e}");
        }
        self.drop_temp_tables();
    }

    fn fail_block(&mut self) {
        match self.block {
            Block::Explicit => self.block = Block::Failed,
            Block::Implicit => {
                let _ = self.abort_transaction();
            }
            _ => {}
        }
    }

    fn run_statement(
        &mut self,
        stmt: &ParsedStatement,
        params: &[Datum],
    ) -> SqlResult<QueryResult> {
        self.cancel
            .store(false, std::sync::atomic::Ordering::Relaxed);
        self.env.stmt_start = TimestampTz::now();
        self.env.search_path = search_path(&self.settings, &self.env.user);
        let started = Instant::now();
        if self.block == Block::Failed && !allowed_in_failed(&stmt.kind) {
            return Err(SqlError::in_failed_transaction());
        }
        let r = self.dispatch(stmt, params).and_then(|done| {
            self.apply_set_configs()?;
            Ok(done)
        });
        if r.is_err() {
            self.env.set_configs.borrow_mut().clear();
            self.fail_block();
        }
        if let Some(limit) = self.settings.get_int("log_min_duration_statement") {
            let ms = started.elapsed().as_millis() as i64;
            if limit >= 0 && ms >= limit {
                tracing::info!("duration: {ms} ms  statement: {}", stmt.text);
            }
        }
        r.map_err(|mut e| {
            if let (None, Some((line, col))) = (e.position, e.location) {
                e.position =
                    Some(stmt.offset + crate::sql::parse::char_offset(&stmt.text, line, col) + 1);
            }
            e
        })
    }

    fn ensure_transaction(&mut self) -> SqlResult<()> {
        if !self.txn.in_transaction() {
            self.txn.begin()?;
            if self.block == Block::Idle {
                self.block = Block::Implicit;
            }
            self.isolation = self.next_isolation.take().unwrap_or_else(|| {
                Isolation::parse(
                    self.settings
                        .get("default_transaction_isolation")
                        .unwrap_or(""),
                )
            });
            self.env.txn_start = TimestampTz::now();
            self.txn_snapshot = None;
        }
        Ok(())
    }

    /// Runs `f` with an executor context that reads as `snap` sees and
    /// writes nothing (ALTER TABLE's checks and rewrites, EXPLAIN
    /// ANALYZE's run, with `instrument` counting what each node does).
    fn with_reader<R>(
        &self,
        snap: &storage::txn::Snapshot,
        instrument: Option<&exec::Instrumentation>,
        f: impl FnOnce(&ExecCtx<'_>) -> SqlResult<R>,
    ) -> SqlResult<R> {
        let wait = self.lock_wait();
        let cx = ExecCtx {
            engine: &self.engine,
            snapshot: snap,
            params: &[],
            env: &self.env,
            settings: &self.settings,
            writer: None,
            serializable_conflicts: false,
            subplan_cache: Default::default(),
            instrument,
            cancel: &self.cancel,
            deadline: wait.statement_deadline,
        };
        f(&cx)
    }

    fn lock_wait(&self) -> LockWait {
        let ms = |name| {
            self.settings
                .get_int(name)
                .filter(|v| *v > 0)
                .map(|v| Duration::from_millis(v as u64))
        };
        LockWait {
            nowait: false,
            lock_timeout: ms("lock_timeout"),
            deadlock_timeout: ms("deadlock_timeout").unwrap_or(Duration::from_secs(1)),
            cancel: Some(self.cancel.clone()),
            statement_deadline: ms("statement_timeout").map(|d| Instant::now() + d),
        }
    }

    /// The snapshot for the next statement (always a fresh one for the
    /// queries of foreign keys, see `sql::ri`).
    fn statement_snapshot(&mut self) -> RegisteredSnapshot {
        if self.ri_fresh_snapshot {
            return self.txn.snapshot_registered(&self.engine.txns);
        }
        match self.isolation {
            Isolation::ReadCommitted => self.txn.snapshot_registered(&self.engine.txns),
            _ => {
                if self.txn_snapshot.is_none() {
                    self.txn_snapshot = Some(self.txn.snapshot_registered(&self.engine.txns));
                }
                let mut s = self
                    .txn_snapshot
                    .clone()
                    .unwrap_or_else(|| self.txn.snapshot_registered(&self.engine.txns));
                self.txn.refresh_snapshot(&mut s);
                s
            }
        }
    }

    fn commit_transaction(&mut self) -> SqlResult<()> {
        if let Err(e) = self.run_on_commit_actions() {
            let _ = self.abort_transaction();
            return Err(e);
        }
        let engine = self.engine.clone();
        if self.catalog_changed {
            engine.catalog.invalidate();
        }
        let pending = std::mem::take(&mut self.pending);
        let synchronous = self.settings.get("synchronous_commit") != Some("off");
        let r = self
            .txn
            .commit_with(&engine.txns, synchronous, &pending.on_commit);
        let notify = self.env.notify.take();
        if r.is_err() {
            engine.catalog.remove_files(&pending.on_abort);
        } else if !notify.is_empty() {
            self.shared.notify.commit(self.env.backend_pid, notify);
        }
        self.end_transaction();
        r.map_err(Into::into)
    }

    fn abort_transaction(&mut self) -> SqlResult<()> {
        if let Some((start, _)) = self.txn_settings.take() {
            self.restore_settings(start);
        }
        let engine = self.engine.clone();
        let pending = std::mem::take(&mut self.pending);
        self.env.notify.take();
        self.forget_aborted_temp_tables();
        let r = self.txn.abort_with(&engine.txns, &pending.on_abort);
        self.end_transaction();
        r.map_err(Into::into)
    }

    /// Replaces the settings, re-deriving session state and reporting
    /// changed settings to the client.
    fn restore_settings(&mut self, to: Settings) {
        let before = std::mem::replace(&mut self.settings, to);
        let changed: Vec<(String, String)> = self
            .settings
            .iter()
            .filter(|(k, v)| before.get(k) != Some(v.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in changed {
            if let Err(e) = self.apply_setting(&k, &v) {
                tracing::warn!("restoring setting {k}: {}", e.message);
            }
            if crate::guc::find(&k).is_some_and(|d| d.reported) {
                self.parameter_status.push((k, v));
            }
        }
    }

    fn end_transaction(&mut self) {
        if let Some((_, session_view)) = self.txn_settings.take() {
            self.restore_settings(session_view);
        }
        if self.catalog_changed {
            self.engine.catalog.invalidate();
        }
        self.catalog_changed = false;
        self.savepoints.clear();
        self.txn_snapshot = None;
        self.block = Block::Idle;
        let _ = self.settings.set(
            "transaction_isolation",
            self.settings
                .get("default_transaction_isolation")
                .unwrap_or("read committed")
                .to_string()
                .as_str(),
            false,
        );
    }

    fn dispatch(&mut self, stmt: &ParsedStatement, params: &[Datum]) -> SqlResult<QueryResult> {
        if self.engine.is_in_recovery()
            && let Some(e) = read_only_violation(&stmt.kind)
        {
            return Err(e);
        }
        match &stmt.kind {
            StatementKind::Utility(Utility::Checkpoint) => {
                self.engine.checkpoint()?;
                Ok(QueryResult::Command("CHECKPOINT".into()))
            }
            StatementKind::Utility(Utility::Reindex(target)) => self.reindex(target),
            StatementKind::Utility(Utility::Vacuum(v)) => self.run_vacuum(v),
            StatementKind::Utility(Utility::ResetRelOptions {
                name,
                if_exists,
                params,
            }) => self.reset_reloptions(name, *if_exists, params),
            StatementKind::Utility(Utility::NotSupported(what)) => Err(SqlError::unsupported(what)),
            StatementKind::Sql(ast) => self.dispatch_sql(ast, params),
        }
    }

    fn dispatch_sql(&mut self, stmt: &ast::Statement, params: &[Datum]) -> SqlResult<QueryResult> {
        use ast::Statement as S;
        match stmt {
            S::StartTransaction { modes, .. } => self.begin(modes),
            S::Commit { chain, .. } => {
                if *chain {
                    return Err(SqlError::unsupported("COMMIT AND CHAIN"));
                }
                self.commit()
            }
            S::Rollback {
                savepoint: Some(name),
                ..
            } => self.rollback_to(&ident_name(name)),
            S::Rollback { chain, .. } => {
                if *chain {
                    return Err(SqlError::unsupported("ROLLBACK AND CHAIN"));
                }
                self.rollback()
            }
            S::Savepoint { name } => self.savepoint(&ident_name(name)),
            S::ReleaseSavepoint { name } => self.release(&ident_name(name)),
            S::Set(set) => self.set(set),
            S::ShowVariable { variable } => self.show(variable),
            S::Reset(r) => self.reset(&r.reset),
            S::Discard { object_type } => self.discard(*object_type),
            S::Deallocate { name, .. } => self.deallocate(name),
            S::Close { cursor } => match cursor {
                ast::CloseCursor::All => {
                    self.portals_closed = true;
                    Ok(QueryResult::Command("CLOSE CURSOR ALL".into()))
                }
                ast::CloseCursor::Specific { name } => Err(SqlError::new(
                    "34000",
                    format!("cursor \"{}\" does not exist", ident_name(name)),
                )),
            },
            S::LISTEN { channel } => {
                self.ensure_transaction()?;
                let action = ListenAction::Listen(ident_name(channel));
                self.env.notify.borrow_mut().action(action)?;
                Ok(QueryResult::Command("LISTEN".into()))
            }
            S::UNLISTEN { channel } => {
                self.ensure_transaction()?;
                let action = if channel.value == "*" && channel.quote_style.is_none() {
                    ListenAction::UnlistenAll
                } else {
                    ListenAction::Unlisten(ident_name(channel))
                };
                self.env.notify.borrow_mut().action(action)?;
                Ok(QueryResult::Command("UNLISTEN".into()))
            }
            S::NOTIFY { channel, payload } => {
                self.ensure_transaction()?;
                let payload = payload.as_deref().unwrap_or("");
                self.env
                    .notify
                    .borrow_mut()
                    .notify(&ident_name(channel), payload)?;
                Ok(QueryResult::Command("NOTIFY".into()))
            }
            S::Query(q) => match createas::into_clause(q) {
                Some(into) => self.select_into(q, into, params),
                None => self.run_dml(stmt, params),
            },
            S::Insert(_) | S::Update(_) | S::Delete(_) => self.run_dml(stmt, params),
            S::Copy {
                source,
                to,
                target,
                options,
                legacy_options,
                values,
            } => {
                if !values.is_empty() {
                    return Err(SqlError::unsupported("COPY with inline data"));
                }
                let opts = CopyOptions::from_ast(options, legacy_options)?;
                match (to, target) {
                    (false, ast::CopyTarget::Stdin) => self.copy_from(source, opts),
                    (true, ast::CopyTarget::Stdout) => self.copy_to(source, opts, params),
                    _ => Err(SqlError::unsupported(
                        "COPY to or from a server file or program",
                    )),
                }
            }
            S::CreateTable(ct) => match &ct.query {
                Some(q) => self.create_table_as(ct, q, params),
                None => self.create_table(ct),
            },
            S::CreateView(cv) => self.create_view(cv),
            S::CreateIndex(ci) => self.create_index(ci),
            S::AlterTable(at) => self.alter_table(at),
            S::Explain {
                analyze,
                verbose,
                statement,
                format,
                options,
                ..
            } => self.explain(
                statement,
                *analyze,
                *verbose,
                format.as_ref(),
                options.as_deref(),
            ),
            S::Truncate(t) => self.truncate(t),
            S::CreateSequence {
                temporary,
                if_not_exists,
                name,
                data_type,
                sequence_options,
                owned_by,
            } => {
                if *temporary {
                    return Err(SqlError::unsupported("temporary sequences"));
                }
                self.create_sequence(name, *if_not_exists, data_type, sequence_options, owned_by)
            }
            S::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => self.create_schema(schema_name, *if_not_exists),
            S::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                ..
            } => self.drop(object_type, *if_exists, names, *cascade),
            other => {
                let text = other.to_string();
                let words: Vec<&str> = text.split_whitespace().take(2).collect();
                Err(SqlError::unsupported(words.join(" ")))
            }
        }
    }

    // ----- session state: prepared statements, DISCARD -----

    /// `DEALLOCATE [PREPARE] name | ALL`.
    fn deallocate(&mut self, name: &ast::Ident) -> SqlResult<QueryResult> {
        if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
            self.statements.retain(|n, _| n.is_empty());
            return Ok(QueryResult::Command("DEALLOCATE ALL".into()));
        }
        let n = ident_name(name);
        if n.is_empty() || self.statements.remove(&n).is_none() {
            return Err(SqlError::new(
                "26000",
                format!("prepared statement \"{n}\" does not exist"),
            ));
        }
        Ok(QueryResult::Command("DEALLOCATE".into()))
    }

    /// `DISCARD ALL | PLANS | SEQUENCES | TEMP` (there are no temporary
    /// tables to drop).
    fn discard(&mut self, what: ast::DiscardObject) -> SqlResult<QueryResult> {
        use ast::DiscardObject as D;
        let tag = match what {
            D::ALL => {
                if matches!(self.block, Block::Explicit | Block::Failed) {
                    return Err(SqlError::new(
                        "25001",
                        "DISCARD ALL cannot run inside a transaction block",
                    ));
                }
                self.portals_closed = true;
                self.statements.retain(|n, _| n.is_empty());
                self.reset(&ast::Reset::ALL)?;
                self.ensure_transaction()?;
                self.env
                    .notify
                    .borrow_mut()
                    .action(ListenAction::UnlistenAll)?;
                self.discard_sequences();
                "DISCARD ALL"
            }
            D::PLANS => {
                for p in self.statements.values() {
                    *p.plan.lock() = None;
                }
                "DISCARD PLANS"
            }
            D::SEQUENCES => {
                self.discard_sequences();
                "DISCARD SEQUENCES"
            }
            D::TEMP => "DISCARD TEMP",
        };
        Ok(QueryResult::Command(tag.into()))
    }

    fn discard_sequences(&mut self) {
        self.env.currvals.borrow_mut().clear();
        self.env.lastval.set(None);
    }

    // ----- transaction control -----

    fn apply_modes(&mut self, modes: &[ast::TransactionMode]) -> SqlResult<()> {
        for m in modes {
            match m {
                ast::TransactionMode::IsolationLevel(l) => {
                    let iso = match l {
                        ast::TransactionIsolationLevel::Serializable => Isolation::Serializable,
                        ast::TransactionIsolationLevel::RepeatableRead => Isolation::RepeatableRead,
                        _ => Isolation::ReadCommitted,
                    };
                    self.isolation = iso;
                    let _ = self
                        .settings
                        .set("transaction_isolation", iso.name(), false);
                }
                ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly) => {
                    return Err(SqlError::unsupported("READ ONLY transactions"));
                }
                ast::TransactionMode::AccessMode(_) => {}
            }
        }
        Ok(())
    }

    fn begin(&mut self, modes: &[ast::TransactionMode]) -> SqlResult<QueryResult> {
        match self.block {
            Block::Explicit | Block::Failed => {
                self.warn("25001", "there is already a transaction in progress");
            }
            Block::Idle | Block::Implicit => {
                self.ensure_transaction()?;
                self.block = Block::Explicit;
            }
        }
        self.apply_modes(modes)?;
        Ok(QueryResult::Command("BEGIN".into()))
    }

    fn commit(&mut self) -> SqlResult<QueryResult> {
        match self.block {
            Block::Idle => {
                self.warn("25P01", "there is no transaction in progress");
                Ok(QueryResult::Command("COMMIT".into()))
            }
            Block::Implicit => {
                self.warn("25P01", "there is no transaction in progress");
                self.commit_transaction()?;
                Ok(QueryResult::Command("COMMIT".into()))
            }
            Block::Explicit => {
                self.commit_transaction()?;
                Ok(QueryResult::Command("COMMIT".into()))
            }
            Block::Failed => {
                self.abort_transaction()?;
                Ok(QueryResult::Command("ROLLBACK".into()))
            }
        }
    }

    fn rollback(&mut self) -> SqlResult<QueryResult> {
        if matches!(self.block, Block::Idle | Block::Implicit) {
            self.warn("25P01", "there is no transaction in progress");
        }
        if self.txn.in_transaction() {
            self.abort_transaction()?;
        }
        Ok(QueryResult::Command("ROLLBACK".into()))
    }

    fn require_block(&self, what: &str) -> SqlResult<()> {
        if matches!(self.block, Block::Idle | Block::Implicit) {
            return Err(SqlError::new(
                "25P01",
                format!("{what} can only be used in transaction blocks"),
            ));
        }
        Ok(())
    }

    fn savepoint(&mut self, name: &str) -> SqlResult<QueryResult> {
        self.require_block("SAVEPOINT")?;
        self.txn.begin_subxact()?;
        let mark = self.env.notify.borrow().mark();
        self.savepoints.push((name.to_string(), mark));
        Ok(QueryResult::Command("SAVEPOINT".into()))
    }

    fn find_savepoint(&self, name: &str) -> SqlResult<usize> {
        self.savepoints
            .iter()
            .rposition(|s| s.0 == name)
            .ok_or_else(|| SqlError::new("3B001", format!("savepoint \"{name}\" does not exist")))
    }

    fn release(&mut self, name: &str) -> SqlResult<QueryResult> {
        self.require_block("RELEASE SAVEPOINT")?;
        let idx = self.find_savepoint(name)?;
        while self.savepoints.len() > idx {
            self.txn.release_subxact()?;
            self.savepoints.pop();
        }
        Ok(QueryResult::Command("RELEASE".into()))
    }

    fn rollback_to(&mut self, name: &str) -> SqlResult<QueryResult> {
        self.require_block("ROLLBACK TO SAVEPOINT")?;
        let idx = self.find_savepoint(name)?;
        let engine = self.engine.clone();
        while self.savepoints.len() > idx + 1 {
            self.txn.rollback_subxact(&engine.txns)?;
            self.savepoints.pop();
        }
        // Roll back the savepoint's own level and start it afresh.
        self.txn.rollback_subxact(&engine.txns)?;
        if let Some((_, mark)) = self.savepoints.get(idx) {
            self.env.notify.borrow_mut().truncate(*mark);
        }
        self.txn.begin_subxact()?;
        self.block = Block::Explicit;
        Ok(QueryResult::Command("ROLLBACK".into()))
    }

    // ----- settings -----

    fn set(&mut self, set: &ast::Set) -> SqlResult<QueryResult> {
        match set {
            ast::Set::SingleAssignment {
                variable,
                values,
                scope,
                ..
            } => {
                let name = object_name_parts(variable)?.join(".");
                let value = if name.eq_ignore_ascii_case("search_path") {
                    search_path_value(values)
                } else {
                    set_value(values)?
                };
                if name == "transaction_isolation" {
                    self.ensure_transaction()?;
                }
                let local = matches!(scope, Some(ast::ContextModifier::Local));
                if local && matches!(self.block, Block::Idle | Block::Implicit) {
                    self.warn("25P01", "SET LOCAL can only be used in transaction blocks");
                    return Ok(QueryResult::Command("SET".into()));
                }
                self.transactional_set(local, |s| match &value {
                    Some(v) => s.set_setting(&name, v),
                    None => s.reset_one(&name),
                })?;
            }
            ast::Set::SetTimeZone { value, .. } => {
                let v = set_value(std::slice::from_ref(value))?.unwrap_or_else(|| "UTC".into());
                self.transactional_set(false, |s| s.set_setting("TimeZone", &v))?;
            }
            ast::Set::SetNames { charset_name, .. } => {
                self.set_setting("client_encoding", &charset_name.value)?
            }
            ast::Set::SetTransaction { modes, session, .. } => {
                if *session {
                    for m in modes {
                        if let ast::TransactionMode::IsolationLevel(l) = m {
                            let v = isolation_name(l);
                            self.set_setting("default_transaction_isolation", v)?;
                        }
                    }
                } else {
                    if self.block == Block::Idle || self.block == Block::Implicit {
                        self.warn(
                            "25P01",
                            "SET TRANSACTION can only be used in transaction blocks",
                        );
                        return Ok(QueryResult::Command("SET".into()));
                    }
                    if self.txn_snapshot.is_some() {
                        return Err(SqlError::new(
                            "25001",
                            "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                        ));
                    }
                    self.apply_modes(modes)?;
                }
            }
            other => return Err(SqlError::unsupported(format!("{other}"))),
        }
        Ok(QueryResult::Command("SET".into()))
    }

    /// Applies the statement's `set_config()` calls, as `SET [LOCAL]`
    /// would. A local one outside a transaction block has no effect, as
    /// in PostgreSQL (its transaction has ended).
    fn apply_set_configs(&mut self) -> SqlResult<()> {
        let calls = std::mem::take(&mut *self.env.set_configs.borrow_mut());
        for c in calls {
            if c.local && !self.txn.in_transaction() {
                continue;
            }
            self.transactional_set(c.local, |s| match &c.value {
                Some(v) => s.set_setting(&c.name, v),
                None => s.reset_one(&c.name),
            })?;
        }
        Ok(())
    }

    /// Applies a SET inside the current transaction: remembered so that an
    /// abort undoes it, and (for SET LOCAL) so that commit does too.
    fn transactional_set(
        &mut self,
        local: bool,
        f: impl FnOnce(&mut Self) -> SqlResult<()>,
    ) -> SqlResult<()> {
        if !self.txn.in_transaction() {
            return f(self);
        }
        if self.txn_settings.is_none() {
            self.txn_settings = Some((self.settings.clone(), self.settings.clone()));
        }
        let before = self.settings.clone();
        f(self)?;
        if !local {
            // Carry the change into what commit will keep.
            let changed: Vec<(String, String)> = self
                .settings
                .iter()
                .filter(|(k, v)| before.get(k) != Some(v.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Some((_, view)) = self.txn_settings.as_mut() {
                for (k, v) in changed {
                    let _ = view.set(&k, &v, true);
                }
            }
        }
        Ok(())
    }

    fn reset_one(&mut self, name: &str) -> SqlResult<()> {
        let base = self.shared.base_settings.get(name).map(str::to_string);
        match base {
            Some(v) => self.set_setting(name, &v),
            None => Err(SqlError::new(
                "42704",
                format!("unrecognized configuration parameter \"{name}\""),
            )),
        }
    }

    fn reset(&mut self, r: &ast::Reset) -> SqlResult<QueryResult> {
        match r {
            ast::Reset::ALL => {
                let names: Vec<&'static str> = crate::guc::DEFS
                    .iter()
                    .filter(|d| d.context == crate::guc::Context::User)
                    .map(|d| d.name)
                    .collect();
                for n in names {
                    self.reset_one(n)?;
                }
            }
            ast::Reset::ConfigurationParameter(name) => {
                let n = object_name_parts(name)?.join(".");
                self.reset_one(&n)?;
            }
            ast::Reset::SessionAuthorization => {}
        }
        Ok(QueryResult::Command("RESET".into()))
    }

    fn show(&mut self, variable: &[ast::Ident]) -> SqlResult<QueryResult> {
        let name = variable
            .iter()
            .map(|i| i.value.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        let text = SqlType::new(TypeOid::TEXT);
        if name == "all" {
            let mut defs: Vec<&crate::guc::Def> = crate::guc::DEFS.iter().collect();
            defs.sort_by_key(|d| d.name.to_ascii_lowercase());
            let rows = defs
                .into_iter()
                .map(|d| {
                    vec![
                        Datum::Text(d.name.to_string()),
                        Datum::Text(self.settings.get(d.name).unwrap_or("").to_string()),
                        Datum::Text(d.description.to_string()),
                    ]
                })
                .collect::<Vec<_>>();
            let n = rows.len();
            return Ok(QueryResult::Rows {
                columns: vec![
                    ("name".into(), text),
                    ("setting".into(), text),
                    ("description".into(), text),
                ],
                rows,
                tag: format!("SHOW {n}"),
            });
        }
        let (label, key) = match name.as_str() {
            "transaction isolation level" => (
                "transaction_isolation".to_string(),
                "transaction_isolation".to_string(),
            ),
            "time zone" => ("TimeZone".to_string(), "TimeZone".to_string()),
            _ => (
                crate::guc::find(&name).map_or(name.clone(), |d| d.name.to_string()),
                name.clone(),
            ),
        };
        let value = if key == "transaction_isolation" {
            if self.txn.in_transaction() {
                self.isolation.name().to_string()
            } else {
                self.settings
                    .get("default_transaction_isolation")
                    .unwrap_or("read committed")
                    .to_string()
            }
        } else {
            self.settings
                .get(&key)
                .ok_or_else(|| {
                    SqlError::new(
                        "42704",
                        format!("unrecognized configuration parameter \"{key}\""),
                    )
                })?
                .to_string()
        };
        Ok(QueryResult::Rows {
            // Named as PostgreSQL names it: the setting's canonical
            // spelling ("TimeZone", "DateStyle").
            columns: vec![(label, text)],
            rows: vec![vec![Datum::Text(value)]],
            tag: "SHOW".into(),
        })
    }

    // ----- queries and DML -----

    fn writer_xid(&mut self) -> SqlResult<storage::types::Xid> {
        Ok(self.txn.assign_xid(&self.engine.txns)?)
    }

    fn lock_relation(&mut self, oid: Oid, mode: LockMode) -> SqlResult<()> {
        let wait = self.lock_wait();
        let tag = LockTag::Relation {
            db: self.engine.catalog.database(),
            rel: oid,
        };
        self.txn.lock(&self.engine.txns, tag, mode, &wait)?;
        Ok(())
    }

    fn run_dml(&mut self, stmt: &ast::Statement, params: &[Datum]) -> SqlResult<QueryResult> {
        self.ensure_transaction()?;
        let writes = !matches!(stmt, ast::Statement::Query(q) if q.locks.is_empty());
        if writes {
            self.writer_xid()?;
        }
        let snap = self.statement_snapshot();
        let engine = self.engine.clone();
        let param_types: Vec<SqlType> = self.prepared_params.clone().unwrap_or_else(|| {
            params
                .iter()
                .map(|_| SqlType::new(TypeOid::UNKNOWN))
                .collect()
        });
        let generation = engine.catalog.generation();
        let cache = self.plan_cache.clone().filter(|_| !self.catalog_changed);
        let cached = cache.as_ref().and_then(|c| {
            c.lock()
                .as_ref()
                .filter(|p| p.generation == generation)
                .map(|p| (p.bound.clone(), p.tables.clone()))
        });
        let (bound, tables) = if let Some(hit) = cached {
            hit
        } else {
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, param_types);
            let bound = Arc::new(bind_dml(&mut binder, stmt)?);
            let tables = lookup.tables.into_inner();
            if let Some(c) = &cache {
                *c.lock() = Some(CachedPlan {
                    generation,
                    bound: bound.clone(),
                    tables: tables.clone(),
                });
            }
            (bound, tables)
        };
        for oid in &tables {
            self.lock_relation(*oid, LockMode::AccessShare)?;
        }
        let target: Option<Arc<TableInfo>> = match bound.as_ref() {
            Bound::Insert(p) => Some(p.table.clone()),
            Bound::Update(p) => Some(p.table.clone()),
            Bound::Delete(p) => Some(p.table.clone()),
            Bound::Query(_) => None,
        };
        if let Some(t) = &target {
            if t.schema == "pg_catalog" {
                return Err(SqlError::new(
                    "42501",
                    format!("permission denied for table {}", t.name),
                ));
            }
            self.lock_relation(t.oid, LockMode::RowExclusive)?;
        }
        let wait = self.lock_wait();
        let serializable = self.isolation != Isolation::ReadCommitted;
        let xid = self.txn.current_xid_if_any();
        let cid = self.txn.curcid();
        let cancel = self.cancel.clone();
        let mut ri = Vec::new();
        let result = {
            let writer = xid.map(|xid| Writer {
                xid,
                cid,
                own: self.txn.own_xids(),
                owner: self.txn.owner(),
                wait: &wait,
            });
            let cx = ExecCtx {
                engine: &engine,
                snapshot: &snap,
                params,
                env: &self.env,
                settings: &self.settings,
                writer,
                serializable_conflicts: serializable,
                subplan_cache: Default::default(),
                instrument: None,
                cancel: &cancel,
                deadline: wait.statement_deadline,
            };
            match bound.as_ref() {
                Bound::Query(q) => {
                    let rows = exec::run_query(&q.plan, &cx)?;
                    let tag = format!("SELECT {}", rows.len());
                    QueryResult::Rows {
                        columns: q.columns.clone(),
                        rows,
                        tag,
                    }
                }
                Bound::Insert(p) => {
                    let mut r = exec::run_insert(p, &cx)?;
                    ri = std::mem::take(&mut r.ri);
                    dml_result(r, &p.returning, |n| format!("INSERT 0 {n}"))
                }
                Bound::Update(p) => {
                    let mut r = exec::run_update(p, &cx)?;
                    ri = std::mem::take(&mut r.ri);
                    dml_result(r, &p.returning, |n| format!("UPDATE {n}"))
                }
                Bound::Delete(p) => {
                    let mut r = exec::run_delete(p, &cx)?;
                    ri = std::mem::take(&mut r.ri);
                    dml_result(r, &p.returning, |n| format!("DELETE {n}"))
                }
            }
        };
        if writes {
            self.txn.command_counter_increment();
        }
        self.fire_ri_events(ri)?;
        Ok(result)
    }

    // ----- COPY -----

    fn copy_from(&mut self, source: &ast::CopySource, opts: CopyOptions) -> SqlResult<QueryResult> {
        let ast::CopySource::Table {
            table_name,
            columns,
        } = source
        else {
            return Err(SqlError::syntax("COPY FROM requires a table"));
        };
        self.ensure_transaction()?;
        let (schema, name) = schema_and_name(table_name)?;
        let table = {
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            lookup
                .table(schema.as_deref(), &name)?
                .ok_or_else(|| SqlError::undefined_table(&name))?
        };
        let cols = copy_columns(&table, columns)?;
        Ok(QueryResult::CopyIn(Arc::new(CopyIn {
            table,
            columns: cols,
            opts,
        })))
    }

    fn copy_to(
        &mut self,
        source: &ast::CopySource,
        opts: CopyOptions,
        params: &[Datum],
    ) -> SqlResult<QueryResult> {
        let query = match source {
            ast::CopySource::Query(q) => q.as_ref().clone(),
            ast::CopySource::Table {
                table_name,
                columns,
            } => {
                let cols = if columns.is_empty() {
                    "*".to_string()
                } else {
                    columns
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let sql = format!("SELECT {cols} FROM {table_name}");
                match parse_statements(&sql)?.pop().map(|s| s.kind) {
                    Some(StatementKind::Sql(stmt)) => match *stmt {
                        ast::Statement::Query(q) => *q,
                        _ => return Err(SqlError::internal("COPY TO query")),
                    },
                    _ => return Err(SqlError::internal("COPY TO query")),
                }
            }
        };
        let result = self.run_dml(&ast::Statement::Query(Box::new(query)), params)?;
        let QueryResult::Rows { columns, rows, .. } = result else {
            return Err(SqlError::internal("COPY TO produced no rows"));
        };
        let mut lines = Vec::with_capacity(rows.len() + 1);
        if opts.header {
            let mut line = String::new();
            let names: Vec<Option<String>> = columns.iter().map(|c| Some(c.0.clone())).collect();
            format_row(&names, &opts, &mut line);
            lines.push(line);
        }
        for row in rows {
            let fields: Vec<Option<String>> = row
                .iter()
                .zip(&columns)
                .map(|(d, c)| storage::datum::io::to_text(d, c.1.oid, &self.env.output))
                .collect();
            let mut line = String::new();
            format_row(&fields, &opts, &mut line);
            lines.push(line);
        }
        Ok(QueryResult::CopyOut {
            lines,
            columns: columns.len(),
        })
    }

    /// The client aborted COPY FROM STDIN with CopyFail.
    pub fn fail_copy(&mut self, e: SqlError) -> Outcome {
        self.fail_block();
        self.take_outcome(Err(e))
    }

    /// Loads the data a client sent for COPY FROM STDIN.
    pub fn finish_copy_in(&mut self, copy: &CopyIn, data: &[u8]) -> Outcome {
        let r = self.copy_in_rows(copy, data);
        if r.is_err() {
            self.fail_block();
        } else if self.block == Block::Implicit
            && let Err(e) = self.commit_transaction()
        {
            return self.take_outcome(Err(e));
        }
        self.take_outcome(r)
    }

    fn copy_in_rows(&mut self, copy: &CopyIn, data: &[u8]) -> SqlResult<QueryResult> {
        if self.block == Block::Failed {
            return Err(SqlError::in_failed_transaction());
        }
        let text = std::str::from_utf8(data)
            .map_err(|_| SqlError::new("22021", "invalid byte sequence for encoding \"UTF8\""))?;
        self.ensure_transaction()?;
        let xid = self.writer_xid()?;
        let table = copy.table.clone();
        self.lock_relation(table.oid, LockMode::RowExclusive)?;
        let snap = self.statement_snapshot();
        let (defaults, checks) = {
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, vec![]);
            (
                binder.default_row(&table)?,
                crate::sql::constraint::RowChecks::bind(&mut binder, &table)?,
            )
        };
        let engine = self.engine.clone();
        let cid = self.txn.curcid();
        let cancel = self.cancel.clone();
        let wait = self.lock_wait();
        let cx = ExecCtx {
            engine: &engine,
            snapshot: &snap,
            params: &[],
            env: &self.env,
            settings: &self.settings,
            writer: Some(Writer {
                xid,
                cid,
                own: self.txn.own_xids(),
                owner: self.txn.owner(),
                wait: &wait,
            }),
            serializable_conflicts: false,
            subplan_cache: Default::default(),
            instrument: None,
            cancel: &cancel,
            deadline: wait.statement_deadline,
        };
        let ecx = crate::sql::expr::EvalCtx {
            params: &[],
            env: &self.env,
            runner: &cx,
            outer: &[],
        };
        let mut count = 0u64;
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(COPY_BATCH_ROWS);
        // The batch's rows as values, kept only to make index entries.
        let mut rows: Vec<Vec<Datum>> = Vec::new();
        let ring = storage::buffer::BufferRing::new(storage::buffer::BufferRing::BULK_WRITE);
        let writer = cx
            .writer
            .as_ref()
            .ok_or_else(|| SqlError::internal("COPY without a writing transaction"))?;
        let mut tids = Vec::with_capacity(COPY_BATCH_ROWS);
        let mut flush = |batch: &mut Vec<Vec<u8>>, rows: &mut Vec<Vec<Datum>>| -> SqlResult<()> {
            tids.clear();
            engine
                .heap
                .multi_insert(table.locator, batch, xid, cid, &ring, &mut tids)?;
            for (row, tid) in rows.iter().zip(&tids) {
                exec::insert_index_entries(&engine, &table, row, *tid, writer, &self.env.output)?;
            }
            batch.clear();
            rows.clear();
            Ok(())
        };
        let mut row: Vec<Datum> = Vec::with_capacity(table.columns.len());
        let mut ri = Vec::new();
        let opts = &self.env.output;
        parse_input(text, &copy.opts, |line, fields| {
            let ctx = |col: Option<&str>| match col {
                Some(c) => format!("COPY {}, line {line}, column {c}", table.name),
                None => format!("COPY {}, line {line}", table.name),
            };
            if fields.len() < copy.columns.len() {
                let missing = &table.columns[copy.columns[fields.len()]].name;
                return Err(SqlError::new(
                    "22P04",
                    format!("missing data for column \"{missing}\""),
                )
                .with_context(ctx(None)));
            }
            if fields.len() > copy.columns.len() {
                return Err(
                    SqlError::new("22P04", "extra data after last expected column")
                        .with_context(ctx(None)),
                );
            }
            row.clear();
            for (i, d) in defaults.iter().enumerate() {
                row.push(if copy.columns.contains(&i) {
                    Datum::Null
                } else {
                    d.eval(&[], &ecx)?
                });
            }
            for (field, &col) in fields.iter().zip(&copy.columns) {
                let c = &table.columns[col];
                row[col] = match field {
                    None => Datum::Null,
                    Some(f) => storage::datum::io::input_text(f, c.typ, opts).map_err(|e| {
                        SqlError::from(e).with_context(ctx(Some(&format!("{}: \"{f}\"", c.name))))
                    })?,
                };
            }
            checks
                .prepare(&table, &mut row, &ecx, opts)
                .map_err(|e| e.with_context(ctx(None)))?;
            crate::sql::ri::row_events(&table, None, Some(&row), &mut ri);
            let mut tuple = Vec::new();
            storage::heap::tuple::form_tuple(&table.desc, &row, &mut tuple)?;
            batch.push(tuple);
            if !table.indexes.is_empty() {
                rows.push(row.clone());
            }
            count += 1;
            if batch.len() >= COPY_BATCH_ROWS {
                cx.check_cancel_pub()?;
                flush(&mut batch, &mut rows)?;
            }
            Ok(())
        })?;
        flush(&mut batch, &mut rows)?;
        self.txn.command_counter_increment();
        self.fire_ri_events(ri)?;
        Ok(QueryResult::Command(format!("COPY {count}")))
    }

    // ----- DDL -----

    /// The schema new objects go to, or the named one.
    fn target_namespace(
        &mut self,
        schema: Option<&str>,
        snap: &storage::txn::Snapshot,
    ) -> SqlResult<(Oid, String)> {
        let engine = self.engine.clone();
        let candidates: Vec<String> = match schema {
            Some(s) => vec![s.to_string()],
            None => search_path(&self.settings, &self.env.user),
        };
        for name in &candidates {
            if let Some(oid) = engine.catalog.namespace_oid(name, snap)? {
                return Ok((oid, name.clone()));
            }
        }
        match schema {
            Some(s) => Err(SqlError::new(
                "3F000",
                format!("schema \"{s}\" does not exist"),
            )),
            None => Err(SqlError::new(
                "3F000",
                "no schema has been selected to create in",
            )),
        }
    }

    fn ddl_prologue(&mut self) -> SqlResult<(RegisteredSnapshot, LockWait)> {
        self.ensure_transaction()?;
        self.writer_xid()?;
        self.catalog_changed = true;
        let snap = self.statement_snapshot();
        Ok((snap, self.lock_wait()))
    }

    fn create_table(&mut self, ct: &ast::CreateTable) -> SqlResult<QueryResult> {
        check_on_commit(ct)?;
        let (schema, name) = schema_and_name(&ct.name)?;
        let options = match &ct.table_options {
            ast::CreateTableOptions::None => Vec::new(),
            ast::CreateTableOptions::With(o) => {
                tablecmds::without_oids_off(tablecmds::reloption_items(o)?)?
            }
            other => return Err(SqlError::unsupported(format!("CREATE TABLE ... {other}"))),
        };
        let options = storage::catalog::reloptions::RelOptionsChange::Set(options);
        // Checked before anything is created.
        let with_options = !storage::catalog::reloptions::transform(&[], &options)?.is_empty();
        let mut constraints = Vec::new();
        let mut checks = Vec::new();
        let mut foreign_keys = Vec::new();
        let mut columns: Vec<ColumnInfo> = Vec::new();
        let mut serials: Vec<(usize, TypeOid)> = Vec::new();
        for c in &ct.columns {
            let cname = ident_name(&c.name);
            if columns.iter().any(|x| x.name == cname) {
                return Err(SqlError::new(
                    "42701",
                    format!("column \"{cname}\" specified more than once"),
                ));
            }
            let type_text = c.data_type.to_string().to_lowercase();
            let serial = match type_text.as_str() {
                "serial" | "serial4" => Some(TypeOid::INT4),
                "bigserial" | "serial8" => Some(TypeOid::INT8),
                "smallserial" | "serial2" => Some(TypeOid::INT2),
                _ => None,
            };
            let typ = parse_type_name(&c.data_type)?;
            let mut col = ColumnInfo {
                name: cname,
                typ,
                not_null: false,
                default: None,
                generation: Generation::Plain,
            };
            for opt in &c.options {
                if let Some(ci) = indexcmds::ConstraintIndex::from_column_option(&col.name, opt)? {
                    constraints.push(ci);
                    continue;
                }
                match &opt.option {
                    ast::ColumnOption::Check(ck) => {
                        checks.push(constraints::CheckDef::from_check(opt.name.as_ref(), ck)?);
                    }
                    ast::ColumnOption::Generated {
                        generated_as,
                        sequence_options,
                        generation_expr,
                        generation_expr_mode,
                        ..
                    } => {
                        col.generation = column_generation(
                            &col,
                            generated_as,
                            sequence_options.as_deref(),
                            generation_expr.as_ref(),
                            generation_expr_mode.as_ref(),
                        )?;
                        // Kept parenthesised, as PostgreSQL prints it back.
                        col.default = generation_expr.as_ref().map(|e| match e {
                            ast::Expr::Nested(_) => e.to_string(),
                            _ => format!("({e})"),
                        });
                    }
                    ast::ColumnOption::ForeignKey(fk) => {
                        foreign_keys.push(foreign_keys::FkDef::new(
                            opt.name.as_ref(),
                            Some(&col.name),
                            fk,
                        )?);
                    }
                    ast::ColumnOption::NotNull => col.not_null = true,
                    ast::ColumnOption::Null => col.not_null = false,
                    ast::ColumnOption::Default(e) => {
                        // Check that the default binds and has a usable type now.
                        let lookup_free = NoTables;
                        let mut b = Binder::new(&lookup_free, vec![]);
                        let x = b.bind_scalar(e)?;
                        crate::sql::bind::coerce(
                            x,
                            typ,
                            crate::sql::cast::CastContext::Assignment,
                        )?;
                        col.default = Some(e.to_string());
                    }
                    other => {
                        return Err(SqlError::unsupported(format!("column constraint {other}")));
                    }
                }
            }
            if col.generation.is_identity() {
                if col.default.is_some() {
                    return Err(SqlError::syntax(format!(
                        "both default and identity specified for column \"{}\" of table \"{name}\"",
                        col.name
                    )));
                }
                col.not_null = true;
                serials.push((columns.len(), col.typ.oid));
            }
            if let Some(t) = serial {
                if col.default.is_some() {
                    return Err(SqlError::syntax(format!(
                        "multiple default values specified for column \"{}\" of table \"{name}\"",
                        col.name
                    )));
                }
                col.not_null = true;
                serials.push((columns.len(), t));
            }
            columns.push(col);
        }
        for c in &ct.constraints {
            if let ast::TableConstraint::Check(ck) = c {
                checks.push(constraints::CheckDef::from_check(None, ck)?);
                continue;
            }
            if let ast::TableConstraint::ForeignKey(fk) = c {
                foreign_keys.push(foreign_keys::FkDef::new(None, None, fk)?);
                continue;
            }
            constraints.push(indexcmds::ConstraintIndex::from_table_constraint(c)?);
        }
        for c in &constraints {
            for name in c.columns() {
                match columns.iter_mut().find(|col| &col.name == name) {
                    Some(col) => col.not_null |= c.is_primary(),
                    None => {
                        return Err(SqlError::new(
                            "42703",
                            format!("column \"{name}\" named in key does not exist"),
                        ));
                    }
                }
            }
        }
        if columns.len() > 1600 {
            return Err(SqlError::new(
                "54011",
                "tables can have at most 1600 columns",
            ));
        }
        let (snap, wait) = self.ddl_prologue()?;
        let (ns, ns_name) = self.creation_namespace(schema.as_deref(), ct.temporary, &snap)?;
        if ns_name == "pg_catalog" {
            return Err(SqlError::new(
                "42501",
                "permission denied to create \"pg_catalog.".to_string() + &name + "\"",
            ));
        }
        let engine = self.engine.clone();
        if engine
            .catalog
            .lookup_table(ns, &ns_name, &name, &snap, false)?
            .is_some()
        {
            if ct.if_not_exists {
                self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "42P07",
                    message: format!("relation \"{name}\" already exists, skipping"),
                });
                return Ok(QueryResult::Command("CREATE TABLE".into()));
            }
            return Err(SqlError::new(
                "42P07",
                format!("relation \"{name}\" already exists"),
            ));
        }
        let w = txn_writer(&self.txn, &wait)?;
        let mut owned = Vec::new();
        for (idx, typ) in &serials {
            let seq_name = format!("{name}_{}_seq", columns[*idx].name);
            let qualified = if ns_name == "public" {
                crate::sql::bind::quote_ident(&seq_name)
            } else {
                format!(
                    "{}.{}",
                    crate::sql::bind::quote_ident(&ns_name),
                    crate::sql::bind::quote_ident(&seq_name)
                )
            };
            let def = default_sequence(*typ, None, None, None, 1, 1, false);
            let seq = engine
                .catalog
                .create_sequence(ns, &seq_name, &def, &w, &mut self.pending)?;
            columns[*idx].default = Some(format!(
                "nextval('{}'::regclass)",
                qualified.replace('\'', "''")
            ));
            owned.push((seq, *idx));
        }
        let table_oid = engine
            .catalog
            .create_table(ns, &name, &columns, &w, &mut self.pending)?;
        if ct.temporary {
            self.register_temp_table(table_oid, ct.on_commit.as_ref())?;
        }
        let w = txn_writer(&self.txn, &wait)?;
        for (seq, idx) in owned {
            engine
                .catalog
                .set_sequence_owner(seq, table_oid, idx as i32 + 1, &w)?;
        }
        self.txn.command_counter_increment();
        if with_options {
            let table = self.current_table(table_oid)?;
            self.alter_reloptions(table, &[options])?;
        }
        if !constraints.is_empty() {
            let table = self.current_table(table_oid)?;
            self.create_constraint_indexes(&table, (ns, &ns_name), &constraints)?;
        }
        if !checks.is_empty() {
            let table = self.current_table(table_oid)?;
            self.add_check_constraints(&table, ns, &checks, false)?;
        }
        if !foreign_keys.is_empty() {
            let table = self.current_table(table_oid)?;
            self.add_foreign_keys(&table, ns, &foreign_keys, false)?;
        }
        if columns.iter().any(|c| c.generation == Generation::Stored) {
            // Bind the generation expressions now, so a bad one fails the
            // CREATE rather than every later INSERT.
            let table = self.current_table(table_oid)?;
            let lookup = Lookup {
                session: self,
                tables: Default::default(),
            };
            let mut binder = Binder::new(&lookup, vec![]);
            crate::sql::constraint::RowChecks::bind(&mut binder, &table)?;
        }
        Ok(QueryResult::Command("CREATE TABLE".into()))
    }

    fn create_sequence(
        &mut self,
        name: &ast::ObjectName,
        if_not_exists: bool,
        data_type: &Option<ast::DataType>,
        options: &[ast::SequenceOptions],
        owned_by: &Option<ast::ObjectName>,
    ) -> SqlResult<QueryResult> {
        if owned_by.is_some() {
            return Err(SqlError::unsupported("CREATE SEQUENCE ... OWNED BY"));
        }
        let typ = match data_type {
            Some(dt) => {
                let t = parse_type_name(dt)?;
                if !matches!(t.oid, TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8) {
                    return Err(SqlError::new(
                        "22023",
                        "sequence type must be smallint, integer, or bigint",
                    ));
                }
                t.oid
            }
            None => TypeOid::INT8,
        };
        let (mut inc, mut min, mut max, mut start, mut cache, mut cycle) =
            (1i64, None, None, None, 1i64, false);
        for o in options {
            match o {
                ast::SequenceOptions::IncrementBy(e, _) => inc = const_i64(e)?,
                ast::SequenceOptions::MinValue(e) => min = e.as_ref().map(const_i64).transpose()?,
                ast::SequenceOptions::MaxValue(e) => max = e.as_ref().map(const_i64).transpose()?,
                ast::SequenceOptions::StartWith(e, _) => start = Some(const_i64(e)?),
                ast::SequenceOptions::Cache(e) => cache = const_i64(e)?,
                ast::SequenceOptions::Cycle(no) => cycle = !*no,
            }
        }
        let def = default_sequence(typ, min, max, start, inc, cache, cycle);
        storage::catalog::sequence::validate(&def).map_err(|m| SqlError::new("22023", m))?;
        let (schema, seq_name) = schema_and_name(name)?;
        let (snap, wait) = self.ddl_prologue()?;
        let (ns, ns_name) = self.target_namespace(schema.as_deref(), &snap)?;
        let engine = self.engine.clone();
        if engine
            .catalog
            .lookup_table(ns, &ns_name, &seq_name, &snap, false)?
            .is_some()
        {
            if if_not_exists {
                self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "42P07",
                    message: format!("relation \"{seq_name}\" already exists, skipping"),
                });
                return Ok(QueryResult::Command("CREATE SEQUENCE".into()));
            }
            return Err(SqlError::new(
                "42P07",
                format!("relation \"{seq_name}\" already exists"),
            ));
        }
        let w = txn_writer(&self.txn, &wait)?;
        engine
            .catalog
            .create_sequence(ns, &seq_name, &def, &w, &mut self.pending)?;
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("CREATE SEQUENCE".into()))
    }

    fn truncate(&mut self, t: &ast::Truncate) -> SqlResult<QueryResult> {
        if matches!(t.identity, Some(ast::TruncateIdentityOption::Restart)) {
            return Err(SqlError::unsupported("TRUNCATE ... RESTART IDENTITY"));
        }
        let (snap, wait) = self.ddl_prologue()?;
        let engine = self.engine.clone();
        let mut targets = Vec::new();
        for target in &t.table_names {
            let (schema, name) = schema_and_name(&target.name)?;
            let found = self.lookup_relation(schema.as_deref(), &name)?;
            match found {
                Some(table) if table.schema == "pg_catalog" => {
                    return Err(SqlError::new(
                        "42501",
                        format!("permission denied: \"{}\" is a system catalog", table.name),
                    ));
                }
                Some(table) => targets.push(table),
                None if t.if_exists => {}
                None => return Err(SqlError::undefined_table(&name)),
            }
        }
        for table in &targets {
            self.lock_relation(table.oid, LockMode::AccessExclusive)?;
        }
        let cascade = matches!(t.cascade, Some(ast::CascadeOption::Cascade));
        self.truncate_foreign_keys(&mut targets, cascade)?;
        let w = txn_writer(&self.txn, &wait)?;
        for table in &targets {
            let new = engine.catalog.new_relfilenode(
                table.oid,
                table.locator,
                &snap,
                &w,
                &mut self.pending,
            )?;
            engine.heap.create_relation(new)?;
        }
        for table in &targets {
            self.truncate_indexes(table, &snap)?;
        }
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("TRUNCATE TABLE".into()))
    }

    fn create_schema(
        &mut self,
        schema_name: &ast::SchemaName,
        if_not_exists: bool,
    ) -> SqlResult<QueryResult> {
        let name = match schema_name {
            ast::SchemaName::Simple(n) => object_name_parts(n)?.pop().unwrap_or_default(),
            _ => return Err(SqlError::unsupported("CREATE SCHEMA ... AUTHORIZATION")),
        };
        if name.starts_with("pg_") {
            return Err(
                SqlError::new("42939", format!("unacceptable schema name \"{name}\""))
                    .with_detail("The prefix \"pg_\" is reserved for system schemas."),
            );
        }
        let (snap, wait) = self.ddl_prologue()?;
        let engine = self.engine.clone();
        if engine.catalog.namespace_oid(&name, &snap)?.is_some() {
            if if_not_exists {
                self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "42P06",
                    message: format!("schema \"{name}\" already exists, skipping"),
                });
                return Ok(QueryResult::Command("CREATE SCHEMA".into()));
            }
            return Err(SqlError::new(
                "42P06",
                format!("schema \"{name}\" already exists"),
            ));
        }
        let w = txn_writer(&self.txn, &wait)?;
        engine.catalog.create_namespace(&name, &w)?;
        self.txn.command_counter_increment();
        Ok(QueryResult::Command("CREATE SCHEMA".into()))
    }

    fn drop(
        &mut self,
        object_type: &ast::ObjectType,
        if_exists: bool,
        names: &[ast::ObjectName],
        cascade: bool,
    ) -> SqlResult<QueryResult> {
        match object_type {
            ast::ObjectType::Table => {
                let (snap, wait) = self.ddl_prologue()?;
                let engine = self.engine.clone();
                let targets = self.drop_targets(names, if_exists, 'r')?;
                let dropped: Vec<Oid> = targets.iter().map(|t| t.oid).collect();
                for t in &targets {
                    self.foreign_key_dependents(t, &dropped, cascade)?;
                }
                let views = self.view_dependents(&targets, cascade)?;
                let w = txn_writer(&self.txn, &wait)?;
                for v in &views {
                    engine.catalog.drop_table(v, &snap, &w, &mut self.pending)?;
                }
                for t in &targets {
                    for seq_oid in engine.catalog.owned_sequences(t.oid, &snap)? {
                        if let Some(seq) = self.sequence_by_oid(seq_oid, &snap)? {
                            engine
                                .catalog
                                .drop_sequence(&seq, &snap, &w, &mut self.pending)?;
                        }
                    }
                    engine.catalog.drop_table(t, &snap, &w, &mut self.pending)?;
                }
                self.txn.command_counter_increment();
                Ok(QueryResult::Command("DROP TABLE".into()))
            }
            ast::ObjectType::Index => self.drop_indexes(names, if_exists),
            ast::ObjectType::View => self.drop_views(names, if_exists, cascade),
            ast::ObjectType::Sequence => {
                let (snap, wait) = self.ddl_prologue()?;
                let engine = self.engine.clone();
                let targets = self.drop_targets(names, if_exists, 'S')?;
                let w = txn_writer(&self.txn, &wait)?;
                for t in &targets {
                    engine
                        .catalog
                        .drop_sequence(t, &snap, &w, &mut self.pending)?;
                }
                self.txn.command_counter_increment();
                Ok(QueryResult::Command("DROP SEQUENCE".into()))
            }
            ast::ObjectType::Schema => {
                let (snap, wait) = self.ddl_prologue()?;
                let engine = self.engine.clone();
                for n in names {
                    let name = object_name_parts(n)?.pop().unwrap_or_default();
                    let Some(ns) = engine.catalog.namespace_oid(&name, &snap)? else {
                        if if_exists {
                            self.notices.push(Notice {
                                severity: "NOTICE",
                                code: "00000",
                                message: format!("schema \"{name}\" does not exist, skipping"),
                            });
                            continue;
                        }
                        return Err(SqlError::new(
                            "3F000",
                            format!("schema \"{name}\" does not exist"),
                        ));
                    };
                    if matches!(name.as_str(), "pg_catalog" | "information_schema") {
                        return Err(SqlError::new(
                            "2BP01",
                            format!(
                                "cannot drop schema {name} because it is required by the database system"
                            ),
                        ));
                    }
                    let tables = engine.catalog.tables_in_namespace(ns, &snap)?;
                    if !tables.is_empty() && !cascade {
                        return Err(SqlError::new(
                            "2BP01",
                            format!("cannot drop schema {name} because other objects depend on it"),
                        )
                        .with_detail(
                            tables
                                .iter()
                                .map(|t| format!("table {name}.{t} depends on schema {name}"))
                                .collect::<Vec<_>>()
                                .join("\n"),
                        )
                        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
                    }
                    let xid = self
                        .txn
                        .current_xid_if_any()
                        .ok_or_else(|| SqlError::internal("no xid"))?;
                    for t in &tables {
                        if let Some(info) =
                            engine.catalog.lookup_table(ns, &name, t, &snap, false)?
                        {
                            self.lock_relation(info.oid, LockMode::AccessExclusive)?;
                            let w = Writer {
                                xid,
                                cid: self.txn.curcid(),
                                own: self.txn.own_xids(),
                                owner: self.txn.owner(),
                                wait: &wait,
                            };
                            engine
                                .catalog
                                .drop_table(&info, &snap, &w, &mut self.pending)?;
                        }
                    }
                    if !tables.is_empty() {
                        self.notices.push(Notice {
                            severity: "NOTICE",
                            code: "00000",
                            message: format!(
                                "drop cascades to {} other object{}",
                                tables.len(),
                                if tables.len() == 1 { "" } else { "s" }
                            ),
                        });
                    }
                    let w = Writer {
                        xid,
                        cid: self.txn.curcid(),
                        own: self.txn.own_xids(),
                        owner: self.txn.owner(),
                        wait: &wait,
                    };
                    engine.catalog.drop_namespace(ns, &snap, &w)?;
                }
                self.txn.command_counter_increment();
                Ok(QueryResult::Command("DROP SCHEMA".into()))
            }
            other => Err(SqlError::unsupported(format!("DROP {other}"))),
        }
    }
}

impl Session {
    /// Table `oid` as this transaction sees it now, after its own DDL
    /// (the descriptor a DDL step made stale).
    fn current_table(&mut self, oid: Oid) -> SqlResult<Arc<TableInfo>> {
        let snap = self.statement_snapshot();
        self.engine
            .catalog
            .table_by_oid(oid, &snap)?
            .ok_or_else(|| SqlError::internal("altered table not visible"))
    }

    /// Looks up a relation by (optionally qualified) name.
    fn lookup_relation(
        &self,
        schema: Option<&str>,
        name: &str,
    ) -> SqlResult<Option<Arc<TableInfo>>> {
        Lookup {
            session: self,
            tables: Default::default(),
        }
        .table(schema, name)
    }

    /// The relations DROP TABLE (`kind` 'r'), DROP SEQUENCE ('S') or
    /// DROP VIEW ('v') names, locked AccessExclusive; missing ones are a
    /// NOTICE with IF EXISTS.
    fn drop_targets(
        &mut self,
        names: &[ast::ObjectName],
        if_exists: bool,
        kind: char,
    ) -> SqlResult<Vec<Arc<TableInfo>>> {
        let what = relkind_noun(kind);
        let mut targets = Vec::new();
        for n in names {
            let (schema, name) = schema_and_name(n)?;
            match self.lookup_relation(schema.as_deref(), &name)? {
                Some(t) if t.schema == "pg_catalog" => {
                    return Err(SqlError::new(
                        "42501",
                        format!("permission denied: \"{}\" is a system catalog", t.name),
                    ));
                }
                Some(t) if t.relkind != kind => {
                    let other = relkind_noun(t.relkind);
                    let article = if other == "index" { "an" } else { "a" };
                    return Err(
                        SqlError::new("42809", format!("\"{name}\" is not a {what}")).with_hint(
                            format!(
                                "Use DROP {} to remove {article} {other}.",
                                other.to_uppercase()
                            ),
                        ),
                    );
                }
                Some(t) => targets.push(t),
                None if if_exists => self.notices.push(Notice {
                    severity: "NOTICE",
                    code: "00000",
                    message: format!("{what} \"{name}\" does not exist, skipping"),
                }),
                None => {
                    return Err(SqlError::new(
                        "42P01",
                        format!("{what} \"{name}\" does not exist"),
                    ));
                }
            }
        }
        for t in &targets {
            self.lock_relation(t.oid, LockMode::AccessExclusive)?;
        }
        Ok(targets)
    }

    fn sequence_by_oid(
        &self,
        oid: Oid,
        snap: &storage::txn::Snapshot,
    ) -> SqlResult<Option<Arc<TableInfo>>> {
        Ok(self.engine.catalog.table_by_oid(oid, snap)?)
    }
}

/// Binds a query, INSERT, UPDATE or DELETE.
fn bind_dml(binder: &mut Binder<'_>, stmt: &ast::Statement) -> SqlResult<Bound> {
    Ok(match stmt {
        ast::Statement::Query(q) => Bound::Query(binder.bind_statement_query(q)?),
        ast::Statement::Insert(i) => Bound::Insert(Box::new(binder.bind_insert(i)?)),
        ast::Statement::Update(u) => Bound::Update(binder.bind_update(u)?),
        ast::Statement::Delete(d) => Bound::Delete(binder.bind_delete(d)?),
        _ => return Err(SqlError::internal("not a DML statement")),
    })
}

/// The writer for catalog changes of the current (sub)transaction, whose
/// xid the DDL prologue assigned.
/// ON COMMIT belongs to temporary tables (42P16).
fn check_on_commit(ct: &ast::CreateTable) -> SqlResult<()> {
    if ct.on_commit.is_some() && !ct.temporary {
        return Err(SqlError::new(
            "42P16",
            "ON COMMIT can only be used on temporary tables",
        ));
    }
    Ok(())
}

/// What DROP calls a relation of kind `relkind`.
fn relkind_noun(relkind: char) -> &'static str {
    match relkind {
        'S' => "sequence",
        'v' => "view",
        'i' => "index",
        _ => "table",
    }
}

fn txn_writer<'a>(txn: &'a TransactionState, wait: &'a LockWait) -> SqlResult<Writer<'a>> {
    let xid = txn
        .current_xid_if_any()
        .ok_or_else(|| SqlError::internal("no xid"))?;
    Ok(Writer {
        xid,
        cid: txn.curcid(),
        own: txn.own_xids(),
        owner: txn.owner(),
        wait,
    })
}

/// A sequence definition with PostgreSQL's defaults for the type and
/// direction filled in.
#[allow(clippy::too_many_arguments)]
fn default_sequence(
    typ: TypeOid,
    min: Option<i64>,
    max: Option<i64>,
    start: Option<i64>,
    increment: i64,
    cache: i64,
    cycle: bool,
) -> storage::catalog::sequence::SequenceDef {
    let (type_min, type_max) = match typ {
        TypeOid::INT2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        TypeOid::INT4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let (min, max) = if increment > 0 {
        (min.unwrap_or(1), max.unwrap_or(type_max))
    } else {
        (min.unwrap_or(type_min), max.unwrap_or(-1))
    };
    let start = start.unwrap_or(if increment > 0 { min } else { max });
    storage::catalog::sequence::SequenceDef {
        typ,
        start,
        increment,
        max,
        min,
        cache,
        cycle,
    }
}

/// A sequence option's integer value.
/// The generation of a column with a `GENERATED ...` option: an identity
/// (of an integer type, without sequence options yet) or a stored
/// generated column.
fn column_generation(
    col: &ColumnInfo,
    generated_as: &ast::GeneratedAs,
    sequence_options: Option<&[ast::SequenceOptions]>,
    expr: Option<&ast::Expr>,
    mode: Option<&ast::GeneratedExpressionMode>,
) -> SqlResult<Generation> {
    if expr.is_some() {
        if matches!(mode, Some(ast::GeneratedExpressionMode::Virtual)) {
            return Err(SqlError::unsupported("virtual generated columns"));
        }
        return Ok(Generation::Stored);
    }
    if sequence_options.is_some_and(|o| !o.is_empty()) {
        return Err(SqlError::unsupported(
            "sequence options of an identity column",
        ));
    }
    if !matches!(col.typ.oid, TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8) {
        return Err(SqlError::new(
            "22023",
            "identity column type must be smallint, integer, or bigint",
        ));
    }
    Ok(match generated_as {
        ast::GeneratedAs::ByDefault => Generation::IdentityByDefault,
        _ => Generation::IdentityAlways,
    })
}

fn const_i64(e: &ast::Expr) -> SqlResult<i64> {
    let text = e.to_string().replace(' ', "");
    text.parse::<i64>()
        .map_err(|_| SqlError::new("22023", format!("invalid sequence option value {e}")))
}

fn copy_columns(table: &TableInfo, columns: &[ast::Ident]) -> SqlResult<Vec<usize>> {
    if columns.is_empty() {
        return Ok((0..table.columns.len()).collect());
    }
    let mut out = Vec::new();
    for c in columns {
        let name = ident_name(c);
        let i = crate::sql::bind::target_column(table, &name)?;
        if out.contains(&i) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{name}\" specified more than once"),
            ));
        }
        out.push(i);
    }
    Ok(out)
}

fn dml_result(
    r: exec::DmlResult,
    returning: &Option<Vec<(String, crate::sql::expr::Expr)>>,
    tag: impl Fn(u64) -> String,
) -> QueryResult {
    match returning {
        Some(items) => QueryResult::Rows {
            columns: items.iter().map(|(n, e)| (n.clone(), e.typ())).collect(),
            rows: r.rows,
            tag: tag(r.count),
        },
        None => QueryResult::Command(tag(r.count)),
    }
}

fn returning_columns(r: &Option<Vec<(String, crate::sql::expr::Expr)>>) -> Vec<(String, SqlType)> {
    r.as_ref()
        .map(|items| items.iter().map(|(n, e)| (n.clone(), e.typ())).collect())
        .unwrap_or_default()
}

fn is_bindable(stmt: &ast::Statement) -> bool {
    matches!(
        stmt,
        ast::Statement::Query(_)
            | ast::Statement::Insert(_)
            | ast::Statement::Update(_)
            | ast::Statement::Delete(_)
            | ast::Statement::Explain { .. }
    )
}

/// While the server is in recovery (paused at its target) it is
/// read-only: statements that write get PostgreSQL's 25006. (A write that
/// slips past this list still fails when it asks for an xid.)
fn read_only_violation(kind: &StatementKind) -> Option<SqlError> {
    use ast::Statement as S;
    let what = match kind {
        StatementKind::Utility(Utility::Vacuum(_)) => {
            return Some(SqlError::new(
                "25006",
                "cannot execute VACUUM during recovery",
            ));
        }
        StatementKind::Utility(Utility::Reindex(_)) => "REINDEX".to_string(),
        StatementKind::Utility(Utility::ResetRelOptions { .. }) => "ALTER TABLE".to_string(),
        StatementKind::Utility(_) => return None,
        StatementKind::Sql(s) => match s.as_ref() {
            S::Insert(_) => "INSERT".into(),
            S::Update(_) => "UPDATE".into(),
            S::Delete(_) => "DELETE".into(),
            S::Query(q) if !q.locks.is_empty() => "SELECT FOR UPDATE".into(),
            S::Copy { to: false, .. } => "COPY FROM".into(),
            S::CreateTable(_) => "CREATE TABLE".into(),
            S::CreateView(_) => "CREATE VIEW".into(),
            S::CreateIndex(_) => "CREATE INDEX".into(),
            S::AlterTable(_) => "ALTER TABLE".into(),
            S::Truncate(_) => "TRUNCATE TABLE".into(),
            S::CreateSequence { .. } => "CREATE SEQUENCE".into(),
            S::CreateSchema { .. } => "CREATE SCHEMA".into(),
            S::Drop { object_type, .. } => format!("DROP {object_type}"),
            _ => return None,
        },
    };
    Some(SqlError::new(
        "25006",
        format!("cannot execute {what} in a read-only transaction"),
    ))
}

fn allowed_in_failed(kind: &StatementKind) -> bool {
    matches!(
        kind,
        StatementKind::Sql(s) if matches!(s.as_ref(), ast::Statement::Rollback { .. } | ast::Statement::Commit { .. })
    )
}

fn isolation_name(l: &ast::TransactionIsolationLevel) -> &'static str {
    match l {
        ast::TransactionIsolationLevel::Serializable => "serializable",
        ast::TransactionIsolationLevel::RepeatableRead => "repeatable read",
        ast::TransactionIsolationLevel::ReadUncommitted => "read uncommitted",
        _ => "read committed",
    }
}

/// The text of a SET value list (`SET x = a, b` joins with ", "); `None`
/// for DEFAULT.
fn set_value(values: &[ast::Expr]) -> SqlResult<Option<String>> {
    let mut parts = Vec::new();
    for v in values {
        let s = match v {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                    s.clone()
                }
                ast::Value::DollarQuotedString(d) => d.value.clone(),
                ast::Value::Number(n, _) => n.clone(),
                ast::Value::Boolean(b) => {
                    if *b {
                        "on".into()
                    } else {
                        "off".into()
                    }
                }
                other => other.to_string(),
            },
            ast::Expr::Identifier(id)
                if id.value.eq_ignore_ascii_case("default") && id.quote_style.is_none() =>
            {
                return Ok(None);
            }
            ast::Expr::Identifier(id) => id.value.clone(),
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => format!("-{expr}"),
            other => other.to_string(),
        };
        parts.push(s);
    }
    Ok(Some(parts.join(", ")))
}

/// `SET search_path = ...`: a list of schema names, shown as PostgreSQL
/// shows it (unquoted names folded to lower case; names that need it
/// double-quoted: `"$user", public`). `None` for DEFAULT.
fn search_path_value(values: &[ast::Expr]) -> Option<String> {
    let mut names = Vec::new();
    for v in values {
        let name = match v {
            ast::Expr::Identifier(id)
                if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default") =>
            {
                return None;
            }
            ast::Expr::Identifier(id) if id.quote_style.is_none() => id.value.to_lowercase(),
            ast::Expr::Identifier(id) => id.value.clone(),
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                    s.clone()
                }
                other => other.to_string(),
            },
            other => other.to_string(),
        };
        let plain = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
        names.push(if plain {
            name
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
        });
    }
    Some(names.join(", "))
}

/// The schemas of `search_path`, `$user` resolved.
fn search_path(settings: &Settings, user: &str) -> Vec<String> {
    settings
        .get("search_path")
        .unwrap_or("public")
        .split(',')
        .map(|s| {
            let s = s.trim();
            let s = s
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .map_or_else(|| s.to_lowercase(), str::to_string);
            if s == "$user" { user.to_string() } else { s }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Catalog lookups for the binder within a session's transaction.
struct Lookup<'a> {
    session: &'a Session,
    /// Tables looked up, to lock before execution.
    tables: std::cell::RefCell<Vec<Oid>>,
}

impl CatalogLookup for Lookup<'_> {
    fn table(&self, schema: Option<&str>, name: &str) -> SqlResult<Option<Arc<TableInfo>>> {
        let catalog = &self.session.engine.catalog;
        let use_cache = !self.session.catalog_changed;
        // The catalog snapshot: recent, with our own changes visible.
        let fresh = self.session.txn.snapshot(&self.session.engine.txns);
        let snap = &fresh;
        let temp = self.session.env.temp_schema.clone();
        let schemas: Vec<String> = match schema {
            Some("pg_temp") => temp.into_iter().collect(),
            Some(s) => vec![s.to_string()],
            None => {
                let mut v: Vec<String> = temp.into_iter().collect();
                v.push("pg_catalog".to_string());
                v.extend(search_path(&self.session.settings, &self.session.env.user));
                v
            }
        };
        for s in &schemas {
            let Some(ns) = catalog.namespace_oid_cached(s, snap, use_cache)? else {
                continue;
            };
            if let Some(t) = catalog.lookup_table(ns, s, name, snap, use_cache)? {
                self.tables.borrow_mut().push(t.oid);
                return Ok(Some(t));
            }
        }
        // A missing schema in a qualified name is a missing relation here
        // (42P01), as in PostgreSQL's RangeVarGetRelid.
        Ok(None)
    }
    fn table_by_oid(&self, oid: Oid) -> SqlResult<Option<Arc<TableInfo>>> {
        let snap = self.session.txn.snapshot(&self.session.engine.txns);
        let t = self.session.engine.catalog.table_by_oid(oid, &snap)?;
        if let Some(t) = &t {
            self.tables.borrow_mut().push(t.oid);
        }
        Ok(t)
    }

    fn namespace(&self, name: &str) -> SqlResult<Option<Oid>> {
        let snap = self.session.txn.snapshot(&self.session.engine.txns);
        Ok(self.session.engine.catalog.namespace_oid(name, &snap)?)
    }

    fn role(&self, name: &str) -> SqlResult<Option<Oid>> {
        let snap = self.session.txn.snapshot(&self.session.engine.txns);
        Ok(self.session.engine.catalog.role_oid(name, &snap)?)
    }
}

/// A lookup that knows no tables (column defaults may not name any).
struct NoTables;

impl crate::sql::cost::PlannerInfo for NoTables {}

impl crate::sql::cost::PlannerInfo for Lookup<'_> {
    fn costs(&self) -> crate::sql::cost::CostSettings {
        crate::sql::cost::settings(&self.session.settings)
    }

    fn estimates(&self, table: &TableInfo) -> crate::sql::cost::TableEstimates {
        table_estimates(&self.session.engine, &self.session.txn, table)
    }
}

/// `table`'s statistics as the session's catalog snapshot sees them; a
/// failure to read them plans as for a table never analyzed.
fn table_estimates(
    engine: &storage::engine::Engine,
    txn: &storage::txn::xact::TransactionState,
    table: &TableInfo,
) -> crate::sql::cost::TableEstimates {
    let snap = txn.snapshot(&engine.txns);
    let types: Vec<_> = table.columns.iter().map(|c| c.typ).collect();
    let stats = engine
        .catalog
        .rel_statistics(table.oid, &types, &snap)
        .unwrap_or_else(|e| {
            tracing::warn!(table = %table.name, error = %e, "reading statistics failed");
            storage::catalog::statistic::RelStatistics {
                reltuples: -1.0,
                ..Default::default()
            }
        });
    crate::sql::cost::TableEstimates {
        stats,
        current_pages: engine.heap.nblocks(table.locator).map_or(0, |b| b.0),
    }
}

impl CatalogLookup for NoTables {
    fn table(&self, _schema: Option<&str>, name: &str) -> SqlResult<Option<Arc<TableInfo>>> {
        Err(SqlError::new(
            "0A000",
            format!("cannot use table \"{name}\" in a column default"),
        ))
    }

    fn table_by_oid(&self, oid: Oid) -> SqlResult<Option<Arc<TableInfo>>> {
        self.table(None, &oid.0.to_string())
    }

    fn namespace(&self, name: &str) -> SqlResult<Option<Oid>> {
        Err(SqlError::new(
            "0A000",
            format!("cannot look up schema \"{name}\" in a column default"),
        ))
    }

    fn role(&self, name: &str) -> SqlResult<Option<Oid>> {
        Err(SqlError::new(
            "0A000",
            format!("cannot look up role \"{name}\" in a column default"),
        ))
    }
}

impl Session {
    /// The settings that shape value output.
    pub fn output_options(&self) -> storage::datum::io::OutputOptions {
        self.env.output.clone()
    }
}

/// `work_mem` (kB) in bytes; PostgreSQL's 4MB default if unset.
fn work_mem_bytes(kb: Option<i64>) -> usize {
    usize::try_from(kb.unwrap_or(4096))
        .unwrap_or(4096)
        .saturating_mul(1024)
}
