//! The wire protocol through tokio-postgres and a raw socket: simple query
//! strings with several statements (one implicit transaction), the
//! extended protocol with binary parameters and results, text results,
//! portal row limits, transaction status, malformed input and clients
//! that vanish mid-transaction.

use std::io::{Read, Write};
use std::time::Duration;

use tests::TestServer;
use tokio_postgres::SimpleQueryMessage;

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.code().map(|c| c.code())
}

/// Rows of a simple query result as text cells.
fn text_rows(msgs: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn simple_query_runs_every_statement_of_a_string() {
    let server = TestServer::start();
    let c = server.connect().await;
    let msgs = c
        .simple_query(
            "create table t (a int); insert into t values (1); insert into t values (2), (3); select a from t order by a; select 'x' as b",
        )
        .await
        .expect("multi-statement string");
    let completions: Vec<u64> = msgs
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect();
    // CREATE, INSERT 1, INSERT 2, SELECT 3, SELECT 1.
    assert_eq!(completions, vec![0, 1, 2, 3, 1]);
    assert_eq!(
        text_rows(&msgs),
        vec![
            vec![Some("1".to_string())],
            vec![Some("2".to_string())],
            vec![Some("3".to_string())],
            vec![Some("x".to_string())],
        ]
    );
}

/// PostgreSQL 15 runs a multi-statement simple query as one implicit
/// transaction: an error in the middle skips the rest of the string and
/// rolls back the statements before it (checked against the oracle).
#[tokio::test]
async fn error_in_multi_statement_string_rolls_back_the_whole_string() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int)").await.unwrap();
    let err = c
        .simple_query(
            "insert into t values (1); insert into t values (2); select 1/0; insert into t values (3)",
        )
        .await
        .expect_err("division by zero in the middle");
    assert_eq!(code(&err), Some("22012"));
    let rows = c.query("select count(*) from t", &[]).await.unwrap();
    assert_eq!(
        rows[0].get::<_, i64>(0),
        0,
        "earlier statements rolled back"
    );
    // A table created in the failing string does not exist afterwards.
    let err = c
        .simple_query("create table u (a int); insert into u values (1); select * from nosuch")
        .await
        .expect_err("undefined table");
    assert_eq!(code(&err), Some("42P01"));
    let err = c.simple_query("select * from u").await.expect_err("u gone");
    assert_eq!(code(&err), Some("42P01"));
    // The session is usable, not in a failed block.
    assert!(!c.is_closed());
    c.batch_execute("insert into t values (9)").await.unwrap();
    let rows = c.query("select a from t", &[]).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), 9);
}

/// The same strings on PostgreSQL 15 and heapgres leave the same rows.
#[tokio::test]
async fn implicit_transaction_rules_match_postgres() {
    let Some(oracle) = tests::oracle::Oracle::start() else {
        return;
    };
    let server = TestServer::start();
    let h = server.connect().await;
    let p = oracle.connect().await;
    let strings = [
        "insert into t values (1); insert into t values (2); select 1/0; insert into t values (3)",
        "begin; insert into t values (10); commit; insert into t values (11); select 1/0",
        "insert into t values (20); begin; insert into t values (21); select 1/0",
        "rollback",
        "insert into t values (30); select * from nosuch",
        "insert into t values (40); insert into t values (41)",
        "begin; insert into t values (50); savepoint s; select 1/0",
        "rollback to s; insert into t values (51); commit",
    ];
    let mut results = Vec::new();
    for c in [&h, &p] {
        c.batch_execute("create table t (a int)").await.unwrap();
        let mut codes = Vec::new();
        for s in strings {
            codes.push(
                c.simple_query(s)
                    .await
                    .err()
                    .and_then(|e| e.code().map(|c| c.code().to_string())),
            );
        }
        let rows: Vec<i32> = c
            .query("select a from t order by a", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        results.push((codes, rows));
    }
    assert_eq!(
        results[0], results[1],
        "heapgres (left) and PostgreSQL (right)"
    );
    assert_eq!(results[1].1, vec![10, 40, 41, 50, 51]);
}

/// A string with its own COMMIT: the statements before it are committed
/// even when a later statement of the string fails (as in PostgreSQL).
#[tokio::test]
async fn explicit_commit_inside_a_string_keeps_earlier_work() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int)").await.unwrap();
    let err = c
        .simple_query(
            "begin; insert into t values (1); commit; insert into t values (2); select 1/0",
        )
        .await
        .expect_err("division by zero after commit");
    assert_eq!(code(&err), Some("22012"));
    let rows = c.query("select a from t order by a", &[]).await.unwrap();
    let got: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(got, vec![1]);
}

#[tokio::test]
async fn binary_parameters_round_trip_through_a_table_and_select() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table v (b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, t text, vc varchar(10), by bytea)",
    )
    .await
    .unwrap();
    let bytes: Vec<u8> = vec![0, 1, 2, 255, b'\\', b'\''];
    c.execute(
        "insert into v values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &true,
            &-32768i16,
            &2147483647i32,
            &-9223372036854775808i64,
            &1.5f32,
            &-2.25e300f64,
            &"héllo 'world'",
            &"short",
            &bytes,
        ],
    )
    .await
    .expect("insert with binary parameters");
    let row = c
        .query_one("select b, i2, i4, i8, f4, f8, t, vc, by from v", &[])
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i16>(1), -32768);
    assert_eq!(row.get::<_, i32>(2), 2147483647);
    assert_eq!(row.get::<_, i64>(3), i64::MIN);
    assert_eq!(row.get::<_, f32>(4), 1.5);
    assert_eq!(row.get::<_, f64>(5), -2.25e300);
    assert_eq!(row.get::<_, String>(6), "héllo 'world'");
    assert_eq!(row.get::<_, String>(7), "short");
    assert_eq!(row.get::<_, Vec<u8>>(8), bytes);

    // A parameter in a WHERE clause.
    let rows = c
        .query(
            "select i4 from v where i2 = $1 and t = $2",
            &[&-32768i16, &"héllo 'world'"],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);

    // Straight through `select $1::type`.
    let r = c.query_one("select $1::bool", &[&false]).await.unwrap();
    assert!(!r.get::<_, bool>(0));
    let r = c.query_one("select $1::int2", &[&7i16]).await.unwrap();
    assert_eq!(r.get::<_, i16>(0), 7);
    let r = c.query_one("select $1::int4 + 1", &[&41i32]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), 42);
    let r = c.query_one("select $1::int8", &[&i64::MAX]).await.unwrap();
    assert_eq!(r.get::<_, i64>(0), i64::MAX);
    let r = c
        .query_one("select $1::float4", &[&f32::MIN_POSITIVE])
        .await
        .unwrap();
    assert_eq!(r.get::<_, f32>(0), f32::MIN_POSITIVE);
    let r = c
        .query_one("select $1::float8", &[&f64::INFINITY])
        .await
        .unwrap();
    assert_eq!(r.get::<_, f64>(0), f64::INFINITY);
    let r = c
        .query_one("select $1::float8", &[&f64::NAN])
        .await
        .unwrap();
    assert!(r.get::<_, f64>(0).is_nan());
    let r = c.query_one("select $1::text", &[&""]).await.unwrap();
    assert_eq!(r.get::<_, String>(0), "");
    let r = c
        .query_one("select $1::bytea", &[&Vec::<u8>::new()])
        .await
        .unwrap();
    assert_eq!(r.get::<_, Vec<u8>>(0), Vec::<u8>::new());
    let r = c
        .query_one("select $1::text is null", &[&None::<String>])
        .await
        .unwrap();
    assert!(r.get::<_, bool>(0));
    let r = c
        .query_one("select $1::int4", &[&None::<i32>])
        .await
        .unwrap();
    assert_eq!(r.get::<_, Option<i32>>(0), None);
}

#[tokio::test]
async fn simple_query_returns_text() {
    let server = TestServer::start();
    let c = server.connect().await;
    let msgs = c
        .simple_query("select 1::int4, true, 1.50::numeric, 'a b'::text, null::int, '\\x00ff'::bytea, 2.5::float8")
        .await
        .unwrap();
    assert_eq!(
        text_rows(&msgs),
        vec![vec![
            Some("1".into()),
            Some("t".into()),
            Some("1.50".into()),
            Some("a b".into()),
            None,
            Some("\\x00ff".into()),
            Some("2.5".into()),
        ]]
    );
}

#[tokio::test]
async fn portal_row_limits() {
    let server = TestServer::start();
    let mut c = server.connect().await;
    c.batch_execute(
        "create table t (a int); insert into t select * from (values (1),(2),(3),(4),(5)) v",
    )
    .await
    .unwrap();
    let tx = c.transaction().await.unwrap();
    let stmt = tx
        .prepare("select a from t where a >= $1 order by a")
        .await
        .unwrap();
    let portal = tx.bind(&stmt, &[&1i32]).await.unwrap();
    let mut got = Vec::new();
    let mut batches = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, 2).await.unwrap();
        if rows.is_empty() {
            break;
        }
        batches.push(rows.len());
        got.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
    }
    assert_eq!(batches, vec![2, 2, 1]);
    assert_eq!(got, vec![1, 2, 3, 4, 5]);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn transaction_status_across_statements() {
    let server = TestServer::start();
    let mut c = server.connect().await;
    c.batch_execute("create table t (a int)").await.unwrap();
    {
        let tx = c.transaction().await.unwrap();
        tx.execute("insert into t values (1)", &[]).await.unwrap();
        let err = tx
            .execute("select 1/0", &[])
            .await
            .expect_err("error in block");
        assert_eq!(code(&err), Some("22012"));
        let err = tx
            .execute("insert into t values (2)", &[])
            .await
            .expect_err("failed block");
        assert_eq!(code(&err), Some("25P02"));
        // dropped: tokio-postgres sends ROLLBACK
    }
    assert!(!c.is_closed());
    let rows = c.query("select count(*) from t", &[]).await.unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 0);
    // COMMIT of a failed block reports ROLLBACK and leaves the session idle.
    c.batch_execute("begin").await.unwrap();
    let _ = c.batch_execute("select 1/0").await.expect_err("error");
    let msgs = c.simple_query("commit").await.unwrap();
    assert!(
        msgs.iter()
            .any(|m| matches!(m, SimpleQueryMessage::CommandComplete(_)))
    );
    c.batch_execute("insert into t values (3)").await.unwrap();
    let rows = c.query("select count(*) from t", &[]).await.unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 1);
}

/// Reads protocol messages until ReadyForQuery or EOF; returns the bytes.
fn read_until_ready_or_eof(s: &mut std::net::TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
        // A ReadyForQuery is 'Z' 0 0 0 5 status at the end.
        if all.len() >= 6
            && all[all.len() - 6] == b'Z'
            && all[all.len() - 5..all.len() - 1] == [0, 0, 0, 5]
        {
            return all;
        }
    }
}

/// The status byte of the last ReadyForQuery in `bytes`.
fn ready_status(bytes: &[u8]) -> u8 {
    assert!(bytes.len() >= 6, "{bytes:?}");
    assert_eq!(
        bytes[bytes.len() - 6],
        b'Z',
        "ends with ReadyForQuery: {bytes:?}"
    );
    bytes[bytes.len() - 1]
}

fn query_message(sql: &str) -> Vec<u8> {
    let mut m = vec![b'Q'];
    m.extend_from_slice(&((sql.len() + 5) as u32).to_be_bytes());
    m.extend_from_slice(sql.as_bytes());
    m.push(0);
    m
}

#[tokio::test]
async fn ready_for_query_reports_idle_in_transaction_and_failed() {
    let server = TestServer::start();
    let port = server.port;
    let statuses = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(&startup_packet()).unwrap();
        let mut out = vec![ready_status(&read_until_ready_or_eof(&mut s))];
        for sql in [
            "begin",
            "select 1",
            "select 1/0",
            "select 1",
            "rollback",
            "select 1/0",
            "begin; select 1",
            "commit",
        ] {
            s.write_all(&query_message(sql)).unwrap();
            out.push(ready_status(&read_until_ready_or_eof(&mut s)));
        }
        out
    })
    .await
    .unwrap();
    assert_eq!(String::from_utf8(statuses).unwrap(), "ITTEEIITI");
}

fn startup_packet() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196608u32.to_be_bytes());
    for kv in ["user", "postgres", "database", "postgres"] {
        body.extend_from_slice(kv.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut pkt = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    pkt.extend(body);
    pkt
}

#[tokio::test]
async fn garbage_gets_08p01_and_other_clients_keep_working() {
    let server = TestServer::start();
    let other = server.connect().await;
    other
        .batch_execute("create table t (a int); insert into t values (1)")
        .await
        .unwrap();

    let port = server.port;
    let (after_startup, after_messages) = tokio::task::spawn_blocking(move || {
        // 1. Garbage instead of a startup packet.
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(&[0x00, 0x00, 0x00, 0x03, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02])
            .unwrap();
        let a = read_until_ready_or_eof(&mut s);
        // 2. A good startup, then a message of an unknown type.
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(&startup_packet()).unwrap();
        let hello = read_until_ready_or_eof(&mut s);
        assert!(hello.contains(&b'R'), "authentication answer: {hello:?}");
        s.write_all(&[0xfe, 0x00, 0x00, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78])
            .unwrap();
        let b = read_until_ready_or_eof(&mut s);
        (a, b)
    })
    .await
    .unwrap();
    // PostgreSQL closes a connection whose startup packet has a bad length
    // without an answer (COMMERROR); if we answer, it must be 08P01.
    if !after_startup.is_empty() {
        let text = String::from_utf8_lossy(&after_startup);
        assert!(
            text.contains("C08P01"),
            "startup: SQLSTATE 08P01 in {text:?}"
        );
    }
    // An unknown message type after startup: FATAL 08P01, then close.
    assert_eq!(
        after_messages.first(),
        Some(&b'E'),
        "an ErrorResponse, got {after_messages:?}"
    );
    let text = String::from_utf8_lossy(&after_messages);
    assert!(text.contains("C08P01"), "SQLSTATE 08P01 in {text:?}");

    let rows = other.query("select count(*) from t", &[]).await.unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 1);
    other
        .batch_execute("insert into t values (2)")
        .await
        .unwrap();
    let fresh = server.connect().await;
    let rows = fresh.query("select count(*) from t", &[]).await.unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 2);
}

#[tokio::test]
async fn disconnect_mid_transaction_rolls_back_and_releases_locks() {
    let server = TestServer::start();
    let b = server.connect().await;
    b.batch_execute("create table t (id int, v int); insert into t values (1, 10)")
        .await
        .unwrap();
    {
        let a = server.connect().await;
        a.batch_execute("begin; insert into t values (2, 20); update t set v = 11 where id = 1")
            .await
            .unwrap();
        // `a` is dropped here: the socket closes with the transaction open.
    }
    b.batch_execute("set lock_timeout = '5s'").await.unwrap();
    let n = b
        .execute("update t set v = v + 100 where id = 1", &[])
        .await
        .expect("not blocked by the vanished client's row lock");
    assert_eq!(n, 1);
    let rows = b
        .query("select id, v from t order by id", &[])
        .await
        .unwrap();
    let got: Vec<(i32, i32)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![(1, 110)]);
    // Its table lock is gone too: DROP TABLE needs ACCESS EXCLUSIVE.
    b.batch_execute("drop table t")
        .await
        .expect("drop after disconnect");
}

/// SHOW through the extended protocol describes its column.
#[tokio::test]
async fn show_through_the_extended_protocol() {
    let server = TestServer::start();
    let c = server.connect().await;
    let row = c.query_one("show server_version", &[]).await.unwrap();
    assert_eq!(row.columns()[0].name(), "server_version");
    assert!(row.get::<_, String>(0).starts_with("15"));
    let stmt = c.prepare("show timezone").await.unwrap();
    assert_eq!(stmt.columns().len(), 1);
    let row = c.query_one(&stmt, &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "UTC");
    // The column is named as PostgreSQL 15 names it.
    if let Some(oracle) = tests::oracle::Oracle::start() {
        let p = oracle.connect().await;
        for sql in [
            "show timezone",
            "show TimeZone",
            "show datestyle",
            "show server_version",
        ] {
            let want = p.prepare(sql).await.unwrap();
            let got = c.prepare(sql).await.unwrap();
            assert_eq!(got.columns()[0].name(), want.columns()[0].name(), "{sql}");
        }
    }
}

/// Parse + Bind + Execute of one unnamed statement without a Sync.
fn execute_messages(sql: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut msg = |tag: u8, body: Vec<u8>| {
        out.push(tag);
        out.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        out.extend(body);
    };
    let mut parse = vec![0u8]; // unnamed statement
    parse.extend_from_slice(sql.as_bytes());
    parse.extend_from_slice(&[0, 0, 0]); // no parameter types
    msg(b'P', parse);
    // unnamed portal, unnamed statement, no formats, no params, no result formats
    msg(b'B', vec![0, 0, 0, 0, 0, 0, 0, 0]);
    msg(b'E', vec![0, 0, 0, 0, 0]);
    out
}

fn sync_message() -> Vec<u8> {
    vec![b'S', 0, 0, 0, 4]
}

/// Statements pipelined before one Sync form one implicit transaction: an
/// error in the second rolls back the first, as in PostgreSQL.
#[tokio::test]
async fn a_pipelined_batch_before_sync_is_one_transaction() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int)").await.unwrap();
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(&startup_packet()).unwrap();
        read_until_ready_or_eof(&mut s);
        let mut batch = execute_messages("insert into t values (1)");
        batch.extend(execute_messages("insert into t values (1/0)"));
        batch.extend(sync_message());
        s.write_all(&batch).unwrap();
        let reply = read_until_ready_or_eof(&mut s);
        assert!(
            String::from_utf8_lossy(&reply).contains("22012"),
            "{reply:?}"
        );
        assert_eq!(ready_status(&reply), b'I');
        let mut ok = execute_messages("insert into t values (2)");
        ok.extend(execute_messages("insert into t values (3)"));
        ok.extend(sync_message());
        s.write_all(&ok).unwrap();
        assert_eq!(ready_status(&read_until_ready_or_eof(&mut s)), b'I');
    })
    .await
    .unwrap();
    let rows = c.query("select id from t order by id", &[]).await.unwrap();
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        ids,
        vec![2, 3],
        "the failed batch left nothing, the good one everything"
    );
}

/// Reads protocol messages until at least `n` bytes or a timeout.
fn read_some(s: &mut std::net::TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 4096];
    match s.read(&mut buf) {
        Ok(n) => buf[..n].to_vec(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn copy_data_split_across_reads_is_reassembled() {
    // libpq's PQputline (pgbench -i) sends many small CopyData messages;
    // TCP may deliver the first four bytes of one on their own.
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int, b text)")
        .await
        .unwrap();
    let port = server.port;
    let status = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        s.write_all(&startup_packet()).unwrap();
        read_until_ready_or_eof(&mut s);
        s.write_all(&query_message("copy t from stdin")).unwrap();
        let response = read_some(&mut s);
        assert_eq!(response.first(), Some(&b'G'), "CopyInResponse");
        for line in ["1\tone\n", "2\ttwo\n"] {
            let mut m = vec![b'd'];
            m.extend_from_slice(&((line.len() + 4) as u32).to_be_bytes());
            m.extend_from_slice(line.as_bytes());
            // One byte at a time, so the server sees partial headers.
            for b in m {
                s.write_all(&[b]).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        s.write_all(&[b'c', 0, 0, 0, 4]).unwrap();
        ready_status(&read_until_ready_or_eof(&mut s))
    })
    .await
    .unwrap();
    assert_eq!(status, b'I');
    let n: i64 = c
        .query_one("select count(*) from t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
}
