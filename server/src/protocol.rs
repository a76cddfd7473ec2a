//! The PostgreSQL v3 wire protocol front end.
//!
//! pgwire decodes and encodes the messages; this module runs the message
//! loop itself, so that the protocol's rules are ours to keep exactly:
//!
//! 1. Startup: SSLRequest and GSSENCRequest are answered `N` (no TLS yet);
//!    a CancelRequest sets the target session's cancel flag and closes; a
//!    StartupMessage is answered with AuthenticationOk (trust, loopback),
//!    ParameterStatus for every reported setting, BackendKeyData and
//!    ReadyForQuery.
//! 2. Simple query: every statement of the string runs; each answers with
//!    RowDescription + DataRows + CommandComplete, CommandComplete alone, or
//!    ErrorResponse (which ends the string). One ReadyForQuery follows.
//! 3. Extended query: Parse / Bind / Describe / Execute / Close / Flush /
//!    Sync over named and unnamed statements and portals. After an error,
//!    messages are discarded until Sync, which answers ReadyForQuery.
//!    Execute honours its row limit with PortalSuspended.
//! 4. Statements run on a blocking thread (`spawn_blocking`), never on the
//!    async workers. A panic while running one becomes an XX000 error for
//!    that session; the server keeps running.
//! 5. A malformed or oversized message ends the connection with a FATAL
//!    08P01; other connections are unaffected. A client that disconnects
//!    has its open transaction rolled back.
//! 6. Notifications (LISTEN/NOTIFY, [`crate::notify`]) go out only between
//!    transactions: those that arrived are sent just before a
//!    ReadyForQuery reporting idle, and one that arrives while the session
//!    waits idle for its client is sent at once.
//! 7. Prepared statements live in the session (Parse, Close and SQL
//!    `DEALLOCATE` share them); portals live here, and `CLOSE ALL` /
//!    `DISCARD ALL` drop them.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bytes::{Buf, BufMut, BytesMut};
use parking_lot::Mutex;
use pgwire::messages::copy::{CopyData, CopyDone, CopyInResponse, CopyOutResponse};
use pgwire::messages::data::{
    DataRow, FieldDescription, NoData, ParameterDescription, RowDescription,
};
use pgwire::messages::extendedquery::{
    BindComplete, CloseComplete, ParseComplete, PortalSuspended,
};
use pgwire::messages::response::{
    CommandComplete, EmptyQueryResponse, ErrorResponse, NoticeResponse, NotificationResponse,
    ReadyForQuery, SslResponse, TransactionStatus,
};
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus, SecretKey};
use pgwire::messages::{
    DecodeContext, PgWireBackendMessage, PgWireFrontendMessage, SslNegotiationMetaMessage,
};
use storage::datum::io::{input_text, output_text, recv_binary, send_binary};
use storage::datum::{Datum, SqlType, TypeOid};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::error::{SqlError, SqlResult};
use crate::notify::Notification;
use crate::session::{CopyIn, Notice, Outcome, Prepared, QueryResult, Session, Shared, TxStatus};
use crate::sql::exec::Row;

/// The largest message accepted from a client (PostgreSQL: 1 GB).
const MAX_MESSAGE_LEN: usize = 1 << 30;

/// Running sessions by backend pid, for cancel requests.
#[derive(Default)]
pub struct Registry {
    sessions: Mutex<HashMap<i32, (i32, Arc<AtomicBool>)>>,
    next_pid: AtomicUsize,
    /// Connections currently open.
    pub active: AtomicUsize,
}

impl Registry {
    fn register(&self, cancel: Arc<AtomicBool>) -> (i32, i32) {
        let pid = 10_000 + self.next_pid.fetch_add(1, Ordering::Relaxed) as i32;
        let secret = secret_key();
        self.sessions.lock().insert(pid, (secret, cancel));
        (pid, secret)
    }

    fn unregister(&self, pid: i32) {
        self.sessions.lock().remove(&pid);
    }

    fn cancel(&self, pid: i32, secret: &SecretKey) {
        if let Some((s, flag)) = self.sessions.lock().get(&pid)
            && SecretKey::I32(*s).eq_value(secret)
        {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

fn secret_key() -> i32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish() as i32
}

/// A prepared statement and the portals bound from it.
struct Portal {
    stmt: Arc<Prepared>,
    params: Vec<Datum>,
    formats: Vec<i16>,
    /// Rows produced by a first Execute and not yet sent (row limits).
    pending: Option<(std::collections::VecDeque<Row>, String)>,
}

struct Conn {
    stream: TcpStream,
    inbuf: BytesMut,
    out: BytesMut,
    ctx: DecodeContext,
}

enum ConnError {
    Closed,
    Protocol(String),
}

impl From<std::io::Error> for ConnError {
    fn from(_: std::io::Error) -> Self {
        ConnError::Closed
    }
}

impl Conn {
    fn send(&mut self, msg: PgWireBackendMessage) {
        if let Err(e) = msg.encode(&mut self.out) {
            tracing::error!("could not encode a message: {e}");
        }
    }

    async fn flush(&mut self) -> Result<(), ConnError> {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await?;
            self.out.clear();
        }
        Ok(())
    }

    /// Reads the next frontend message.
    async fn next(&mut self) -> Result<PgWireFrontendMessage, ConnError> {
        loop {
            // Check a length as soon as it is readable: a regular
            // message's after its type byte, a startup packet's at the start
            // (the first four bytes of a regular message are not one).
            let starting = self.ctx.awaiting_frontend_startup || self.ctx.awaiting_frontend_ssl;
            if !starting && self.inbuf.len() >= 5 {
                let len = (&self.inbuf[1..5]).get_u32() as usize;
                if !(4..=MAX_MESSAGE_LEN).contains(&len) {
                    return Err(ConnError::Protocol(format!("invalid message length {len}")));
                }
            } else if starting && self.inbuf.len() >= 4 {
                let len = (&self.inbuf[0..4]).get_u32() as usize;
                if !(8..=10_000).contains(&len) {
                    return Err(ConnError::Protocol(format!(
                        "invalid length of startup packet {len}"
                    )));
                }
            }
            match PgWireFrontendMessage::decode(&mut self.inbuf, &self.ctx) {
                Ok(Some(m)) => return Ok(m),
                Ok(None) => {}
                Err(e) => return Err(ConnError::Protocol(e.to_string())),
            }
            if self.stream.read_buf(&mut self.inbuf).await? == 0 {
                return Err(ConnError::Closed);
            }
        }
    }
}

fn error_fields(severity: &str, e: &SqlError) -> Vec<(u8, String)> {
    let mut f = vec![
        (b'S', severity.to_string()),
        (b'V', severity.to_string()),
        (b'C', e.code.to_string()),
        (b'M', e.message.clone()),
    ];
    if let Some(d) = &e.detail {
        f.push((b'D', d.clone()));
    }
    if let Some(h) = &e.hint {
        f.push((b'H', h.clone()));
    }
    if let Some(p) = e.position {
        f.push((b'P', p.to_string()));
    }
    if let Some(w) = &e.context {
        f.push((b'W', w.clone()));
    }
    f
}

fn error_message(e: &SqlError) -> PgWireBackendMessage {
    PgWireBackendMessage::ErrorResponse(ErrorResponse::new(error_fields("ERROR", e)))
}

fn notice_message(n: &Notice) -> PgWireBackendMessage {
    PgWireBackendMessage::NoticeResponse(NoticeResponse::new(vec![
        (b'S', n.severity.to_string()),
        (b'V', n.severity.to_string()),
        (b'C', n.code.to_string()),
        (b'M', n.message.clone()),
    ]))
}

fn ready(status: TxStatus) -> PgWireBackendMessage {
    PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(match status {
        TxStatus::Idle => TransactionStatus::Idle,
        TxStatus::InTransaction => TransactionStatus::Transaction,
        TxStatus::Failed => TransactionStatus::Error,
    }))
}

fn row_description(columns: &[(String, SqlType)], formats: &[i16]) -> PgWireBackendMessage {
    let fields = columns
        .iter()
        .enumerate()
        .map(|(i, (name, t))| {
            FieldDescription::new(
                name.clone(),
                0,
                0,
                t.oid.0,
                t.oid.typlen(),
                t.typmod,
                format_for(formats, i),
            )
        })
        .collect();
    PgWireBackendMessage::RowDescription(RowDescription::new(fields))
}

fn format_for(formats: &[i16], i: usize) -> i16 {
    match formats {
        [] => 0,
        [f] => *f,
        many => many.get(i).copied().unwrap_or(0),
    }
}

fn encode_row(
    row: &[Datum],
    columns: &[(String, SqlType)],
    formats: &[i16],
    opts: &storage::datum::io::OutputOptions,
    text: &mut String,
    bin: &mut Vec<u8>,
) -> PgWireBackendMessage {
    let mut data = BytesMut::with_capacity(row.len() * 8);
    for (i, d) in row.iter().enumerate() {
        let typ = columns.get(i).map_or(TypeOid::TEXT, |c| c.1.oid);
        if matches!(d, Datum::Null) {
            data.put_i32(-1);
            continue;
        }
        if format_for(formats, i) == 1 {
            bin.clear();
            send_binary(d, typ, bin);
            data.put_i32(bin.len() as i32);
            data.put_slice(bin);
        } else {
            text.clear();
            output_text(d, typ, opts, text);
            data.put_i32(text.len() as i32);
            data.put_slice(text.as_bytes());
        }
    }
    PgWireBackendMessage::DataRow(DataRow::new(data, row.len() as i16))
}

/// Serves one client connection until it ends.
pub async fn serve(
    stream: TcpStream,
    shared: Arc<Shared>,
    registry: Arc<Registry>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        inbuf: BytesMut::with_capacity(8192),
        out: BytesMut::with_capacity(8192),
        ctx: DecodeContext::default(),
    };
    conn.ctx.protocol_version = pgwire::messages::ProtocolVersion::PROTOCOL3_0;
    let session = match startup(&mut conn, &shared, &registry).await {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(ConnError::Protocol(msg)) => {
            fatal(&mut conn, "08P01", &msg).await;
            return;
        }
        Err(ConnError::Closed) => return,
    };
    let (pid, session) = session;
    registry.active.fetch_add(1, Ordering::AcqRel);
    let notifications = shared.notify.register(pid);
    let result = message_loop(&mut conn, session.clone(), shutdown, notifications).await;
    shared.notify.unregister(pid);
    if let Err(ConnError::Protocol(msg)) = result {
        tracing::warn!("closing connection {pid}: {msg}");
        fatal(&mut conn, "08P01", &msg).await;
    }
    let s = session.clone();
    let _ = tokio::task::spawn_blocking(move || s.lock().terminate()).await;
    registry.unregister(pid);
    registry.active.fetch_sub(1, Ordering::AcqRel);
}

async fn fatal(conn: &mut Conn, code: &'static str, msg: &str) {
    let e = SqlError::new(code, msg);
    conn.send(PgWireBackendMessage::ErrorResponse(ErrorResponse::new(
        error_fields("FATAL", &e),
    )));
    let _ = conn.flush().await;
}

type SharedSession = Arc<Mutex<Session>>;

async fn startup(
    conn: &mut Conn,
    shared: &Arc<Shared>,
    registry: &Arc<Registry>,
) -> Result<Option<(i32, SharedSession)>, ConnError> {
    loop {
        match conn.next().await? {
            PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::PostgresSsl(_)) => {
                conn.send(PgWireBackendMessage::SslResponse(SslResponse::Refuse));
                conn.flush().await?;
                conn.ctx.awaiting_frontend_ssl = false;
            }
            PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::PostgresGss(_)) => {
                conn.stream.write_all(b"N").await?;
                conn.ctx.awaiting_frontend_ssl = false;
            }
            PgWireFrontendMessage::SslNegotiation(_) => conn.ctx.awaiting_frontend_ssl = false,
            PgWireFrontendMessage::CancelRequest(c) => {
                registry.cancel(c.pid, &c.secret_key);
                return Ok(None);
            }
            PgWireFrontendMessage::Startup(s) => {
                conn.ctx.awaiting_frontend_ssl = false;
                conn.ctx.awaiting_frontend_startup = false;
                if s.protocol_number_major != 3 {
                    return Err(ConnError::Protocol(format!(
                        "unsupported frontend protocol {}.{}: server supports 3.0 to 3.0",
                        s.protocol_number_major, s.protocol_number_minor
                    )));
                }
                let user = s.parameters.get("user").cloned().unwrap_or_default();
                let database = s
                    .parameters
                    .get("database")
                    .cloned()
                    .unwrap_or_else(|| user.clone());
                if user != "postgres" {
                    fatal(conn, "28000", &format!("role \"{user}\" does not exist")).await;
                    return Ok(None);
                }
                if database != "postgres" {
                    fatal(
                        conn,
                        "3D000",
                        &format!("database \"{database}\" does not exist"),
                    )
                    .await;
                    return Ok(None);
                }
                let max = shared
                    .base_settings
                    .get_int("max_connections")
                    .unwrap_or(100) as usize;
                if registry.active.load(Ordering::Acquire) >= max {
                    fatal(conn, "53300", "sorry, too many clients already").await;
                    return Ok(None);
                }
                let cancel = Arc::new(AtomicBool::new(false));
                let (pid, secret) = registry.register(cancel.clone());
                let mut session = Session::new(shared.clone(), &user, &database, pid, cancel);
                for (k, v) in &s.parameters {
                    if matches!(k.as_str(), "user" | "database" | "replication") {
                        continue;
                    }
                    if k == "options" {
                        for opt in v.split_whitespace() {
                            if let Some((n, val)) = opt
                                .trim_start_matches("-c")
                                .trim_start_matches("--")
                                .split_once('=')
                                && let Err(e) = session.set_setting(n.trim(), val.trim())
                            {
                                fatal(conn, e.code, &e.message).await;
                                registry.unregister(pid);
                                return Ok(None);
                            }
                        }
                        continue;
                    }
                    if let Err(e) = session.set_setting(k, v) {
                        tracing::debug!("ignoring startup parameter {k}: {}", e.message);
                    }
                }
                conn.send(PgWireBackendMessage::Authentication(Authentication::Ok));
                for (k, v) in session.startup_parameters() {
                    conn.send(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                        k, v,
                    )));
                }
                conn.send(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
                    pid,
                    SecretKey::I32(secret),
                )));
                conn.send(ready(TxStatus::Idle));
                conn.flush().await?;
                return Ok(Some((pid, Arc::new(Mutex::new(session)))));
            }
            other => {
                return Err(ConnError::Protocol(format!(
                    "unexpected message during startup: {other:?}"
                )));
            }
        }
    }
}

/// Runs `f` on the session in a blocking thread, turning a panic into XX000.
async fn with_session<T: Send + 'static>(
    session: &SharedSession,
    f: impl FnOnce(&mut Session) -> T + Send + 'static,
    on_panic: impl FnOnce(SqlError) -> T + Send + 'static,
) -> T {
    let s = session.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let mut guard = s.lock();
        match std::panic::catch_unwind(AssertUnwindSafe(|| f(&mut guard))) {
            Ok(v) => Ok(v),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                tracing::error!("panic while running a statement: {msg}");
                guard.terminate();
                Err(SqlError::internal(format!("internal error: {msg}")))
            }
        }
    })
    .await;
    match joined {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => on_panic(e),
        Err(e) => on_panic(SqlError::internal(format!("statement task failed: {e}"))),
    }
}

fn send_outcome_extras(conn: &mut Conn, o: &Outcome) {
    for n in &o.notices {
        conn.send(notice_message(n));
    }
    for (k, v) in &o.parameter_status {
        conn.send(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
            k.clone(),
            v.clone(),
        )));
    }
}

/// Sends ReadyForQuery; when the session is idle (between transactions),
/// first the notifications that arrived for it, as PostgreSQL does.
fn send_ready(
    conn: &mut Conn,
    status: TxStatus,
    notifications: &mut UnboundedReceiver<Notification>,
) {
    if status == TxStatus::Idle {
        while let Ok(n) = notifications.try_recv() {
            conn.send(notification_message(n));
        }
    }
    conn.send(ready(status));
}

fn notification_message(n: Notification) -> PgWireBackendMessage {
    PgWireBackendMessage::NotificationResponse(NotificationResponse::new(
        n.pid, n.channel, n.payload,
    ))
}

async fn message_loop(
    conn: &mut Conn,
    session: SharedSession,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut notifications: UnboundedReceiver<Notification>,
) -> Result<(), ConnError> {
    let mut portals: HashMap<String, Portal> = HashMap::new();
    let mut skipping = false;
    // True while the last thing sent was ReadyForQuery "idle" and the
    // client has sent nothing since: notifications may go out at once.
    let mut idle = true;
    loop {
        if skipping && !conn.out.is_empty() {
            // An error ends the batch: send it now, as PostgreSQL does, so
            // a client that sent Flush rather than Sync (asyncpg's prepare)
            // sees it instead of waiting.
            conn.flush().await?;
        }
        let msg = tokio::select! {
            m = conn.next() => m?,
            Some(n) = notifications.recv(), if idle => {
                conn.send(notification_message(n));
                conn.flush().await?;
                continue;
            }
            _ = shutdown.changed() => {
                fatal(conn, "57P01", "terminating connection due to administrator command").await;
                return Ok(());
            }
        };
        idle = false;
        if skipping
            && !matches!(
                msg,
                PgWireFrontendMessage::Sync(_) | PgWireFrontendMessage::Terminate(_)
            )
        {
            continue;
        }
        match msg {
            PgWireFrontendMessage::Query(q) => {
                portals.remove("");
                if q.query.trim().trim_matches(';').trim().is_empty() {
                    conn.send(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ));
                } else {
                    let sql = q.query.clone();
                    let (outcomes, opts) = with_session(
                        &session,
                        move |s| (s.exec_simple(&sql), s_output(s)),
                        |e| {
                            (
                                vec![Outcome {
                                    result: Err(e),
                                    notices: vec![],
                                    parameter_status: vec![],
                                }],
                                Default::default(),
                            )
                        },
                    )
                    .await;
                    for o in &outcomes {
                        send_outcome_extras(conn, o);
                        match &o.result {
                            Ok(QueryResult::Rows { columns, rows, tag }) => {
                                conn.send(row_description(columns, &[]));
                                let (mut t, mut b) = (String::new(), Vec::new());
                                for r in rows {
                                    let m = encode_row(r, columns, &[], &opts, &mut t, &mut b);
                                    conn.send(m);
                                    if conn.out.len() > 1 << 16 {
                                        conn.flush().await?;
                                    }
                                }
                                conn.send(PgWireBackendMessage::CommandComplete(
                                    CommandComplete::new(tag.clone()),
                                ));
                            }
                            Ok(QueryResult::Command(tag)) => {
                                conn.send(PgWireBackendMessage::CommandComplete(
                                    CommandComplete::new(tag.clone()),
                                ));
                            }
                            Ok(QueryResult::CopyOut { lines, columns }) => {
                                send_copy_out(conn, lines, *columns).await?
                            }
                            Ok(QueryResult::CopyIn(copy)) => {
                                let o = copy_in(conn, &session, copy.clone()).await?;
                                send_outcome_extras(conn, &o);
                                send_copy_result(conn, o.result);
                            }
                            Err(e) => conn.send(error_message(e)),
                        }
                    }
                }
                let (status, closed) = {
                    let mut s = session.lock();
                    (s.tx_status(), s.take_portals_closed())
                };
                if closed {
                    portals.clear();
                }
                send_ready(conn, status, &mut notifications);
                idle = status == TxStatus::Idle;
                conn.flush().await?;
            }
            PgWireFrontendMessage::Parse(p) => {
                let name = p.name.clone().unwrap_or_default();
                let types: Vec<Option<SqlType>> = p
                    .type_oids
                    .iter()
                    .map(|o| {
                        if *o == 0 {
                            None
                        } else {
                            Some(SqlType::new(TypeOid(*o)))
                        }
                    })
                    .collect();
                let sql = p.query.clone();
                let r =
                    with_session(&session, move |s| s.parse_named(&name, &sql, &types), Err).await;
                match r {
                    Ok(()) => {
                        conn.send(PgWireBackendMessage::ParseComplete(ParseComplete::new()));
                    }
                    Err(e) => {
                        conn.send(error_message(&e));
                        skipping = true;
                    }
                }
            }
            PgWireFrontendMessage::Bind(b) => {
                let sname = b.statement_name.clone().unwrap_or_default();
                let pname = b.portal_name.clone().unwrap_or_default();
                let Some(stmt) = session.lock().statement(&sname) else {
                    conn.send(error_message(&SqlError::new(
                        "26000",
                        format!("prepared statement \"{sname}\" does not exist"),
                    )));
                    skipping = true;
                    continue;
                };
                let opts = s_output(&session.lock());
                match decode_params(&stmt, &b.parameter_format_codes, &b.parameters, &opts) {
                    Ok(params) => {
                        let formats = b.result_column_format_codes.clone();
                        if formats.len() > 1 && formats.len() != stmt.columns.len() {
                            conn.send(error_message(&SqlError::new(
                                "08P01",
                                format!(
                                    "bind message has {} result formats but query has {} columns",
                                    formats.len(),
                                    stmt.columns.len()
                                ),
                            )));
                            skipping = true;
                            continue;
                        }
                        portals.insert(
                            pname,
                            Portal {
                                stmt,
                                params,
                                formats,
                                pending: None,
                            },
                        );
                        conn.send(PgWireBackendMessage::BindComplete(BindComplete::new()));
                    }
                    Err(e) => {
                        conn.send(error_message(&e));
                        skipping = true;
                    }
                }
            }
            PgWireFrontendMessage::Describe(d) => {
                let name = d.name.clone().unwrap_or_default();
                if d.target_type == b'S' {
                    let stmt = session.lock().statement(&name);
                    match stmt {
                        Some(st) => {
                            conn.send(PgWireBackendMessage::ParameterDescription(
                                ParameterDescription::new(
                                    st.param_types.iter().map(|t| t.oid.0).collect(),
                                ),
                            ));
                            if st.columns.is_empty() {
                                conn.send(PgWireBackendMessage::NoData(NoData::new()));
                            } else {
                                conn.send(row_description(&st.columns, &[]));
                            }
                        }
                        None => {
                            conn.send(error_message(&SqlError::new(
                                "26000",
                                format!("prepared statement \"{name}\" does not exist"),
                            )));
                            skipping = true;
                        }
                    }
                } else {
                    match portals.get(&name) {
                        Some(p) if p.stmt.columns.is_empty() => {
                            conn.send(PgWireBackendMessage::NoData(NoData::new()))
                        }
                        Some(p) => conn.send(row_description(&p.stmt.columns, &p.formats)),
                        None => {
                            conn.send(error_message(&SqlError::new(
                                "34000",
                                format!("portal \"{name}\" does not exist"),
                            )));
                            skipping = true;
                        }
                    }
                }
            }
            PgWireFrontendMessage::Execute(e) => {
                let name = e.name.clone().unwrap_or_default();
                let Some(portal) = portals.get_mut(&name) else {
                    conn.send(error_message(&SqlError::new(
                        "34000",
                        format!("portal \"{name}\" does not exist"),
                    )));
                    skipping = true;
                    continue;
                };
                if portal.pending.is_none() {
                    if portal.stmt.stmt.is_none() {
                        conn.send(PgWireBackendMessage::EmptyQueryResponse(
                            EmptyQueryResponse::new(),
                        ));
                        continue;
                    }
                    let stmt = portal.stmt.clone();
                    let params = portal.params.clone();
                    let outcome = with_session(
                        &session,
                        move |s| s.exec_prepared(&stmt, &params),
                        |e| Outcome {
                            result: Err(e),
                            notices: vec![],
                            parameter_status: vec![],
                        },
                    )
                    .await;
                    send_outcome_extras(conn, &outcome);
                    match outcome.result {
                        Ok(QueryResult::Rows { rows, tag, .. }) => {
                            portal.pending = Some((rows.into(), tag))
                        }
                        Ok(QueryResult::Command(tag)) => {
                            conn.send(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                                tag,
                            )));
                            continue;
                        }
                        Ok(QueryResult::CopyOut { lines, columns }) => {
                            send_copy_out(conn, &lines, columns).await?;
                            continue;
                        }
                        Ok(QueryResult::CopyIn(copy)) => {
                            let o = copy_in(conn, &session, copy).await?;
                            send_outcome_extras(conn, &o);
                            skipping = o.result.is_err();
                            send_copy_result(conn, o.result);
                            continue;
                        }
                        Err(err) => {
                            conn.send(error_message(&err));
                            skipping = true;
                            continue;
                        }
                    }
                }
                let opts = s_output(&session.lock());
                let columns = portal.stmt.columns.clone();
                let formats = portal.formats.clone();
                let limit = if e.max_rows > 0 {
                    e.max_rows as usize
                } else {
                    usize::MAX
                };
                let (mut t, mut b) = (String::new(), Vec::new());
                let mut sent = 0;
                let mut done = false;
                if let Some((rows, tag)) = portal.pending.as_mut() {
                    while sent < limit {
                        let Some(r) = rows.pop_front() else { break };
                        let m = encode_row(&r, &columns, &formats, &opts, &mut t, &mut b);
                        conn.send(m);
                        sent += 1;
                        if conn.out.len() > 1 << 16 {
                            conn.flush().await?;
                        }
                    }
                    if rows.is_empty() {
                        conn.send(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                            tag.clone(),
                        )));
                        done = true;
                    } else {
                        conn.send(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()));
                    }
                }
                if done {
                    // An exhausted portal stays exhausted: a further Execute
                    // answers no rows and a zero count, as in PostgreSQL,
                    // instead of running the statement again.
                    let tag = portal
                        .pending
                        .as_ref()
                        .map(|(_, t)| t.as_str())
                        .unwrap_or("");
                    let zero = match tag.rsplit_once(' ') {
                        Some((head, n)) if n.parse::<u64>().is_ok() => format!("{head} 0"),
                        _ => tag.to_string(),
                    };
                    portal.pending = Some((Default::default(), zero));
                    if name.is_empty() {
                        portals.remove("");
                    }
                }
            }
            PgWireFrontendMessage::Close(c) => {
                let name = c.name.clone().unwrap_or_default();
                if c.target_type == b'S' {
                    session.lock().close_statement(&name);
                } else {
                    portals.remove(&name);
                }
                conn.send(PgWireBackendMessage::CloseComplete(CloseComplete::new()));
            }
            PgWireFrontendMessage::Flush(_) => conn.flush().await?,
            PgWireFrontendMessage::Sync(_) => {
                skipping = false;
                portals.remove("");
                if let Err(e) = with_session(&session, |s| s.sync(), Err).await {
                    conn.send(error_message(&e));
                }
                let (status, closed) = {
                    let mut s = session.lock();
                    (s.tx_status(), s.take_portals_closed())
                };
                if closed {
                    portals.clear();
                }
                send_ready(conn, status, &mut notifications);
                idle = status == TxStatus::Idle;
                conn.flush().await?;
            }
            PgWireFrontendMessage::Terminate(_) => return Ok(()),
            PgWireFrontendMessage::CopyData(_)
            | PgWireFrontendMessage::CopyDone(_)
            | PgWireFrontendMessage::CopyFail(_) => {}
            other => return Err(ConnError::Protocol(format!("unexpected message {other:?}"))),
        }
    }
}

fn send_copy_result(conn: &mut Conn, r: SqlResult<QueryResult>) {
    match r {
        Ok(QueryResult::Command(tag)) => conn.send(PgWireBackendMessage::CommandComplete(
            CommandComplete::new(tag),
        )),
        Err(e) => conn.send(error_message(&e)),
        Ok(_) => conn.send(error_message(&SqlError::internal("unexpected COPY result"))),
    }
}

async fn send_copy_out(conn: &mut Conn, lines: &[String], columns: usize) -> Result<(), ConnError> {
    conn.send(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
        0,
        columns as i16,
        vec![0; columns],
    )));
    for line in lines {
        conn.send(PgWireBackendMessage::CopyData(CopyData::new(
            bytes::Bytes::copy_from_slice(line.as_bytes()),
        )));
        if conn.out.len() > 1 << 16 {
            conn.flush().await?;
        }
    }
    conn.send(PgWireBackendMessage::CopyDone(CopyDone::new()));
    conn.send(PgWireBackendMessage::CommandComplete(CommandComplete::new(
        format!("COPY {}", lines.len()),
    )));
    Ok(())
}

/// Receives COPY FROM STDIN data (Flush and Sync are ignored meanwhile, as
/// PostgreSQL does) and loads it.
async fn copy_in(
    conn: &mut Conn,
    session: &SharedSession,
    copy: Arc<CopyIn>,
) -> Result<Outcome, ConnError> {
    let width = copy.width();
    conn.send(PgWireBackendMessage::CopyInResponse(CopyInResponse::new(
        0,
        width as i16,
        vec![0; width],
    )));
    conn.flush().await?;
    let mut data: Vec<u8> = Vec::new();
    loop {
        match conn.next().await? {
            PgWireFrontendMessage::CopyData(d) => data.extend_from_slice(&d.data),
            PgWireFrontendMessage::CopyDone(_) => break,
            PgWireFrontendMessage::CopyFail(f) => {
                let e = SqlError::new("57014", format!("COPY from stdin failed: {}", f.message));
                let r = with_session(
                    session,
                    move |s| s.fail_copy(e),
                    |e| Outcome {
                        result: Err(e),
                        notices: vec![],
                        parameter_status: vec![],
                    },
                )
                .await;
                return Ok(r);
            }
            PgWireFrontendMessage::Flush(_) | PgWireFrontendMessage::Sync(_) => {}
            other => {
                return Err(ConnError::Protocol(format!(
                    "unexpected message type during COPY from stdin: {other:?}"
                )));
            }
        }
    }
    Ok(with_session(
        session,
        move |s| s.finish_copy_in(&copy, &data),
        |e| Outcome {
            result: Err(e),
            notices: vec![],
            parameter_status: vec![],
        },
    )
    .await)
}

fn s_output(s: &Session) -> storage::datum::io::OutputOptions {
    s.output_options()
}

fn decode_params(
    stmt: &Prepared,
    formats: &[i16],
    values: &[Option<bytes::Bytes>],
    opts: &storage::datum::io::OutputOptions,
) -> SqlResult<Vec<Datum>> {
    if values.len() != stmt.param_types.len() {
        return Err(SqlError::new(
            "08P01",
            format!(
                "bind message supplies {} parameters, but prepared statement requires {}",
                values.len(),
                stmt.param_types.len()
            ),
        ));
    }
    if formats.len() > 1 && formats.len() != values.len() {
        return Err(SqlError::new(
            "08P01",
            format!(
                "bind message has {} parameter formats but {} parameters",
                formats.len(),
                values.len()
            ),
        ));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let Some(bytes) = v else {
                return Ok(Datum::Null);
            };
            let typ = stmt.param_types[i];
            if format_for(formats, i) == 1 {
                recv_binary(bytes, typ).map_err(SqlError::from)
            } else {
                let text = std::str::from_utf8(bytes).map_err(|_| {
                    SqlError::new("22021", "invalid byte sequence for encoding \"UTF8\"")
                })?;
                input_text(text, typ, opts).map_err(SqlError::from)
            }
        })
        .collect()
}
