//! The drivers and ORMs people use, unchanged, against the real binary.
//!
//! Each test does what an application does: create a table, insert a row
//! with a parameter of every supported type and a row of NULLs, read them
//! back and compare, update, delete, roll a transaction back, and check
//! that an error's SQLSTATE reaches the driver.
//!
//! - Rust: tokio-postgres (binary parameters and results, LISTEN/NOTIFY
//!   through `AsyncMessage`) and sqlx (its Postgres driver on tokio)
//!   run in this file.
//! - Python (psycopg2, psycopg 3, asyncpg, SQLAlchemy 2), node-postgres and
//!   pgjdbc run as scripts under `tests/clients/`, with the server's port
//!   in `HEAPGRES_PORT`; a failing script fails its test with its output.
//!   `tests/clients/setup.sh` installs the Python and npm packages (pinned
//!   in `requirements.txt` and `node/package-lock.json`) and is run once
//!   per test process; pgjdbc is Debian's `libpostgresql-jdbc-java`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use futures::StreamExt;
use rust_decimal::Decimal;
use tests::TestServer;
use tokio_postgres::AsyncMessage;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type};

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// Runs `tests/clients/setup.sh` once per test process.
fn setup_clients() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let out = Command::new("bash")
            .arg(clients_dir().join("setup.sh"))
            .output()
            .expect("run tests/clients/setup.sh");
        assert!(
            out.status.success(),
            "tests/clients/setup.sh failed (it installs the Python and npm drivers):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// Runs a client script against a new server and fails with its output.
fn run_client(program: &Path, args: &[&str], cwd: &Path) {
    setup_clients();
    let server = TestServer::start();
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env("HEAPGRES_PORT", server.port.to_string())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server log\n{}",
        program.display(),
        server.log()
    );
}

fn python_script(script: &str) {
    let dir = clients_dir();
    let python = dir.join(".venv/bin/python");
    run_client(&python, &[script], &dir.join("python"));
}

#[test]
fn psycopg2_works() {
    python_script("psycopg2_test.py");
}

#[test]
fn psycopg3_works_with_server_side_binding_and_pipelines() {
    python_script("psycopg3_test.py");
}

#[test]
fn asyncpg_works_in_binary_with_a_pool() {
    python_script("asyncpg_test.py");
}

#[test]
fn sqlalchemy_orm_works() {
    python_script("sqlalchemy_test.py");
}

#[test]
fn node_postgres_works() {
    let dir = clients_dir().join("node");
    run_client(Path::new("node"), &["pg_test.js"], &dir);
}

/// pgjdbc from Debian's package (installed by `.ci/run`).
const PGJDBC: &str = "/usr/share/java/postgresql.jar";

#[test]
fn pgjdbc_works_with_database_metadata() {
    assert!(
        Path::new(PGJDBC).exists(),
        "{PGJDBC} is missing: apt-get install libpostgresql-jdbc-java (.ci/run does)"
    );
    let dir = clients_dir().join("java");
    // The script takes the port as its argument.
    run_client(
        Path::new("bash"),
        &[
            "-c",
            &format!("exec java -cp {PGJDBC} JdbcTest.java \"$HEAPGRES_PORT\""),
        ],
        &dir,
    );
}

// ----- tokio-postgres -----

/// `interval` as its binary form: tokio-postgres has no type for it.
#[derive(Debug, PartialEq, Clone, Copy)]
struct Interval {
    micros: i64,
    days: i32,
    months: i32,
}

impl ToSql for Interval {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.micros.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }

    tokio_postgres::types::to_sql_checked!();
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let raw: [u8; 16] = raw.try_into()?;
        let (micros, rest) = raw.split_at(8);
        let (days, months) = rest.split_at(4);
        Ok(Interval {
            micros: i64::from_be_bytes(micros.try_into()?),
            days: i32::from_be_bytes(days.try_into()?),
            months: i32::from_be_bytes(months.try_into()?),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

const ITEMS: &str = "create table items (
    id int primary key, b boolean, i2 smallint, i4 integer, i8 bigint,
    f4 real, f8 double precision, n numeric(12, 3), t text,
    vc varchar(20), c char(3), by bytea, d date, tm time,
    ts timestamp, tstz timestamptz, iv interval, u uuid,
    j json, jb jsonb)";

const COLS: &str = "b, i2, i4, i8, f4, f8, n, t, vc, c, by, d, tm, ts, tstz, iv, u, j, jb";

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.code().map(|c| c.code())
}

#[tokio::test]
async fn tokio_postgres_round_trips_every_type_in_binary() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(ITEMS).await.expect("create table");

    let n: Decimal = "123456789.125".parse().expect("decimal");
    let d = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
    let tm = NaiveTime::from_hms_micro_opt(13, 14, 15, 123_456).expect("time");
    let ts = NaiveDateTime::new(
        NaiveDate::from_ymd_opt(1999, 12, 31).expect("date"),
        NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time"),
    );
    let tstz: DateTime<Utc> = DateTime::from_timestamp(1_717_243_200, 500_000_000).expect("ts");
    let iv = Interval {
        micros: 14_706_000_000,
        days: 3,
        months: 14,
    };
    let u = uuid::Uuid::parse_str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").expect("uuid");
    let j = serde_json::json!({"a": [1, 2, null], "b": "x"});
    let jb = serde_json::json!({"k": {"nested": true}, "n": 1.5});
    let text = "text with 'quotes', \\backslashes\\ and ünïcödé".to_string();
    let by: Vec<u8> = vec![0, 1, 0xfe, 0xff, b'\'', b'\\'];
    let params: [&(dyn ToSql + Sync); 19] = [
        &true,
        &i16::MIN,
        &i32::MAX,
        &i64::MIN,
        &1.5f32,
        &std::f64::consts::E,
        &n,
        &text,
        &"varchar",
        &"ab ",
        &by,
        &d,
        &tm,
        &ts,
        &tstz,
        &iv,
        &u,
        &j,
        &jb,
    ];
    let marks: Vec<String> = (2..=20).map(|i| format!("${i}")).collect();
    let insert = format!(
        "insert into items (id, {COLS}) values ($1, {})",
        marks.join(", ")
    );
    let stmt = c.prepare(&insert).await.expect("prepare insert");
    let mut with_id: Vec<&(dyn ToSql + Sync)> = vec![&1i32];
    with_id.extend(params);
    assert_eq!(c.execute(&stmt, &with_id).await.expect("insert"), 1);
    let mut null_params: Vec<&(dyn ToSql + Sync)> = vec![&2i32];
    // Typed NULLs: the statement's parameter types say what each is.
    let null_values: Vec<Box<dyn ToSql + Sync>> = stmt.params()[1..]
        .iter()
        .map(|_| Box::new(NullOf) as Box<dyn ToSql + Sync>)
        .collect();
    null_params.extend(null_values.iter().map(|b| b.as_ref()));
    c.execute(&stmt, &null_params).await.expect("insert nulls");

    let row = c
        .query_one(&format!("select {COLS} from items where id = $1"), &[&1i32])
        .await
        .expect("select");
    assert!(row.get::<_, bool>("b"));
    assert_eq!(row.get::<_, i16>("i2"), i16::MIN);
    assert_eq!(row.get::<_, i32>("i4"), i32::MAX);
    assert_eq!(row.get::<_, i64>("i8"), i64::MIN);
    assert_eq!(row.get::<_, f32>("f4"), 1.5);
    assert_eq!(row.get::<_, f64>("f8"), std::f64::consts::E);
    assert_eq!(row.get::<_, Decimal>("n"), n);
    assert_eq!(row.get::<_, String>("t"), text);
    assert_eq!(row.get::<_, String>("vc"), "varchar");
    assert_eq!(row.get::<_, String>("c"), "ab ");
    assert_eq!(row.get::<_, Vec<u8>>("by"), by);
    assert_eq!(row.get::<_, NaiveDate>("d"), d);
    assert_eq!(row.get::<_, NaiveTime>("tm"), tm);
    assert_eq!(row.get::<_, NaiveDateTime>("ts"), ts);
    assert_eq!(row.get::<_, DateTime<Utc>>("tstz"), tstz);
    assert_eq!(row.get::<_, Interval>("iv"), iv);
    assert_eq!(row.get::<_, uuid::Uuid>("u"), u);
    assert_eq!(row.get::<_, serde_json::Value>("j"), j);
    assert_eq!(row.get::<_, serde_json::Value>("jb"), jb);

    let row = c
        .query_one(&format!("select {COLS} from items where id = 2"), &[])
        .await
        .expect("select nulls");
    for i in 0..row.len() {
        assert!(
            row.try_get::<_, Option<NullOf>>(i)
                .expect("a NULL")
                .is_none(),
            "column {i} is NULL"
        );
    }

    // Arrays in binary, NULL elements included.
    c.batch_execute("create table arrays (a int[], t text[])")
        .await
        .expect("create arrays");
    let ints = vec![Some(1i32), None, Some(3)];
    let texts = vec![Some("x".to_string()), Some("q\"uote".to_string()), None];
    c.execute("insert into arrays values ($1, $2)", &[&ints, &texts])
        .await
        .expect("insert arrays");
    let row = c
        .query_one("select a, t from arrays where $1 = any(a)", &[&3i32])
        .await
        .expect("select arrays");
    assert_eq!(row.get::<_, Vec<Option<i32>>>(0), ints);
    assert_eq!(row.get::<_, Vec<Option<String>>>(1), texts);

    // Update and delete with parameters, the counts as the driver sees them.
    let updated = c
        .execute(
            "update items set t = $1, n = n * $2 where id = $3",
            &[&"changed", &Decimal::from(2), &1i32],
        )
        .await
        .expect("update");
    assert_eq!(updated, 1);
    let row = c
        .query_one("select t, n from items where id = 1", &[])
        .await
        .expect("select");
    assert_eq!(row.get::<_, String>(0), "changed");
    assert_eq!(row.get::<_, Decimal>(1), n * Decimal::from(2));

    // A rolled-back transaction leaves nothing behind.
    let mut c = c;
    let tx = c.transaction().await.expect("begin");
    tx.execute("delete from items", &[]).await.expect("delete");
    tx.rollback().await.expect("rollback");
    let count: i64 = c
        .query_one("select count(*) from items", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 2);

    let err = c
        .execute("insert into items (id) values ($1)", &[&1i32])
        .await
        .expect_err("duplicate key");
    assert_eq!(code(&err), Some("23505"));
    let err = c
        .query("select * from no_such_table", &[])
        .await
        .expect_err("undefined table");
    assert_eq!(code(&err), Some("42P01"));

    assert_eq!(
        c.execute("delete from items where id = $1", &[&2i32])
            .await
            .expect("delete"),
        1
    );
}

/// A NULL of whatever type the server asks for.
#[derive(Debug)]
struct NullOf;

impl ToSql for NullOf {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

impl<'a> FromSql<'a> for NullOf {
    fn from_sql(_: &Type, _: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Err("a value where NULL was expected".into())
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// The session settings drivers send at connect time, and `version()`.
#[tokio::test]
async fn session_settings_drivers_send_are_accepted_and_shown() {
    let server = TestServer::start();
    let c = server.connect().await;
    let version: String = c
        .query_one("select version()", &[])
        .await
        .expect("version()")
        .get(0);
    assert!(version.starts_with("PostgreSQL 15."), "{version}");
    let num: String = c
        .query_one("show server_version_num", &[])
        .await
        .expect("server_version_num")
        .get(0);
    assert!(num.starts_with("150"), "{num}");
    for (set, show, want) in [
        ("set extra_float_digits = 3", "extra_float_digits", "3"),
        ("set client_encoding to 'UTF8'", "client_encoding", "UTF8"),
        ("set client_encoding = 'utf-8'", "client_encoding", "UTF8"),
        ("set names 'UTF8'", "client_encoding", "UTF8"),
        ("set datestyle to 'ISO'", "DateStyle", "ISO, MDY"),
        ("set datestyle = ISO, MDY", "DateStyle", "ISO, MDY"),
        (
            "set intervalstyle = 'postgres'",
            "IntervalStyle",
            "postgres",
        ),
        ("set timezone = 'UTC'", "TimeZone", "UTC"),
        ("set time zone 'Europe/Berlin'", "TimeZone", "Europe/Berlin"),
        (
            "set application_name = 'driver test'",
            "application_name",
            "driver test",
        ),
        ("set search_path = public", "search_path", "public"),
        (
            "set search_path to \"$user\", public",
            "search_path",
            "\"$user\", public",
        ),
        ("set statement_timeout = 5000", "statement_timeout", "5s"),
        (
            "set statement_timeout = '1min'",
            "statement_timeout",
            "1min",
        ),
        ("set lock_timeout = 0", "lock_timeout", "0"),
        (
            "set idle_in_transaction_session_timeout = 0",
            "idle_in_transaction_session_timeout",
            "0",
        ),
        (
            "set standard_conforming_strings = on",
            "standard_conforming_strings",
            "on",
        ),
        ("set bytea_output = 'hex'", "bytea_output", "hex"),
        (
            "set client_min_messages = warning",
            "client_min_messages",
            "warning",
        ),
        (
            "set default_transaction_isolation = 'read committed'",
            "default_transaction_isolation",
            "read committed",
        ),
        (
            "set session characteristics as transaction isolation level repeatable read",
            "default_transaction_isolation",
            "repeatable read",
        ),
        ("set synchronous_commit = off", "synchronous_commit", "off"),
        ("set row_security = off", "row_security", "off"),
    ] {
        c.batch_execute(set)
            .await
            .unwrap_or_else(|e| panic!("{set}: {e}"));
        let shown: String = c
            .query_one(&format!("show {show}"), &[])
            .await
            .unwrap_or_else(|e| panic!("show {show}: {e}"))
            .get(0);
        assert_eq!(shown, want, "{set}");
    }
    let err = c
        .batch_execute("set no_such_setting = 1")
        .await
        .expect_err("unknown setting");
    assert_eq!(code(&err), Some("42704"));
    let err = c
        .batch_execute("set extra_float_digits = 'many'")
        .await
        .expect_err("bad value");
    assert_eq!(code(&err), Some("22023"));
}

// ----- LISTEN / NOTIFY -----

/// Connects with tokio-postgres, forwarding notifications to a channel.
async fn listener(
    server: &TestServer,
) -> (
    tokio_postgres::Client,
    tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>,
) {
    let (client, mut conn) = tokio_postgres::connect(&server.conn_str(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut messages = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
    tokio::spawn(async move {
        while let Some(Ok(m)) = messages.next().await {
            if let AsyncMessage::Notification(n) = m {
                let _ = tx.send(n);
            }
        }
    });
    (client, rx)
}

async fn next_note(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>,
) -> Option<(String, String)> {
    tokio::time::timeout(Duration::from_millis(500), rx.recv())
        .await
        .ok()
        .flatten()
        .map(|n| (n.channel().to_string(), n.payload().to_string()))
}

#[tokio::test]
async fn listen_notify_delivers_at_commit() {
    let server = TestServer::start();
    let (a, mut a_rx) = listener(&server).await;
    let (b, mut b_rx) = listener(&server).await;
    a.batch_execute("listen jobs; LISTEN \"Mixed\"")
        .await
        .expect("listen");

    // Outside a transaction: delivered at once, with the sender's pid.
    b.batch_execute("notify jobs, 'one'").await.expect("notify");
    let b_pid: i32 = b
        .query_one("select pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    let n = tokio::time::timeout(Duration::from_secs(5), a_rx.recv())
        .await
        .expect("a notification in time")
        .expect("a notification");
    assert_eq!(
        (n.channel(), n.payload(), n.process_id()),
        ("jobs", "one", b_pid)
    );

    // Inside a transaction: nothing until commit; duplicates fold; order
    // is kept; pg_notify() and quoted channel names work.
    b.batch_execute("begin; notify jobs, 'two'; select pg_notify('jobs', 'three'); notify jobs, 'two'; notify \"Mixed\"")
        .await
        .expect("notify in a transaction");
    assert_eq!(next_note(&mut a_rx).await, None, "nothing before commit");
    b.batch_execute("commit").await.expect("commit");
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(next_note(&mut a_rx).await);
    }
    assert_eq!(
        got,
        vec![
            Some(("jobs".into(), "two".into())),
            Some(("jobs".into(), "three".into())),
            Some(("Mixed".into(), String::new())),
        ]
    );
    assert_eq!(next_note(&mut a_rx).await, None, "two was sent once");

    // A rolled-back transaction's notifications are never sent, nor those
    // of a savepoint rolled back.
    b.batch_execute("begin; notify jobs, 'lost'; rollback")
        .await
        .expect("rollback");
    b.batch_execute(
        "begin; savepoint s; notify jobs, 'lost'; rollback to s; notify jobs, 'kept'; commit",
    )
    .await
    .expect("savepoint");
    assert_eq!(
        next_note(&mut a_rx).await,
        Some(("jobs".into(), "kept".into()))
    );
    assert_eq!(next_note(&mut a_rx).await, None);

    // A listener inside a transaction block gets them when it ends.
    a.batch_execute("begin").await.expect("begin");
    b.batch_execute("notify jobs, 'later'")
        .await
        .expect("notify");
    a.batch_execute("select 1").await.expect("select");
    assert_eq!(next_note(&mut a_rx).await, None, "not while in a block");
    a.batch_execute("commit").await.expect("commit");
    assert_eq!(
        next_note(&mut a_rx).await,
        Some(("jobs".into(), "later".into()))
    );

    // The notifier gets its own notifications if it listens; UNLISTEN
    // stops them; b never listened to anything.
    b.batch_execute("listen self").await.expect("listen");
    b.batch_execute("notify self, 'me'").await.expect("notify");
    assert_eq!(
        next_note(&mut b_rx).await,
        Some(("self".into(), "me".into()))
    );
    a.batch_execute("unlisten jobs").await.expect("unlisten");
    b.batch_execute("notify jobs, 'gone'; notify \"Mixed\", 'still'")
        .await
        .expect("notify");
    assert_eq!(
        next_note(&mut a_rx).await,
        Some(("Mixed".into(), "still".into()))
    );
    a.batch_execute("unlisten *").await.expect("unlisten all");
    b.batch_execute("notify \"Mixed\", 'no'")
        .await
        .expect("notify");
    assert_eq!(next_note(&mut a_rx).await, None);

    // A LISTEN rolled back never took effect.
    a.batch_execute("begin; listen jobs; rollback")
        .await
        .expect("rollback");
    b.batch_execute("notify jobs, 'x'").await.expect("notify");
    assert_eq!(next_note(&mut a_rx).await, None);

    let err = b
        .batch_execute(&format!("notify jobs, '{}'", "x".repeat(8000)))
        .await
        .expect_err("payload too long");
    assert_eq!(code(&err), Some("22023"));
    let err = b
        .query("select pg_notify('', 'x')", &[])
        .await
        .expect_err("empty channel");
    assert_eq!(code(&err), Some("22023"));
}

// ----- sqlx -----

#[tokio::test]
async fn sqlx_works() {
    use sqlx::Row;
    use sqlx::postgres::{PgPoolOptions, PgRow};

    let server = TestServer::start();
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
        server.port
    );
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .expect("connect with sqlx");
    sqlx::query(ITEMS).execute(&pool).await.expect("create");

    let n: Decimal = "123456789.125".parse().expect("decimal");
    let d = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
    let tm = NaiveTime::from_hms_micro_opt(13, 14, 15, 123_456).expect("time");
    let ts = NaiveDateTime::new(d, tm);
    let tstz: DateTime<Utc> = DateTime::from_timestamp(1_717_243_200, 500_000_000).expect("ts");
    let iv = sqlx::postgres::types::PgInterval {
        months: 14,
        days: 3,
        microseconds: 14_706_000_000,
    };
    let u = uuid::Uuid::parse_str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").expect("uuid");
    let j = serde_json::json!({"a": [1, 2, null]});
    let by: Vec<u8> = vec![0, 1, 0xfe, 0xff];
    let marks: Vec<String> = (2..=20).map(|i| format!("${i}")).collect();
    let insert = format!(
        "insert into items (id, {COLS}) values ($1, {})",
        marks.join(", ")
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(insert.as_str()))
        .bind(1i32)
        .bind(true)
        .bind(i16::MIN)
        .bind(i32::MAX)
        .bind(i64::MIN)
        .bind(1.5f32)
        .bind(std::f64::consts::E)
        .bind(n)
        .bind("ünïcödé 'x'")
        .bind("varchar")
        .bind("ab ")
        .bind(&by)
        .bind(d)
        .bind(tm)
        .bind(ts)
        .bind(tstz)
        .bind(iv)
        .bind(u)
        .bind(sqlx::types::Json(&j))
        .bind(sqlx::types::Json(&j))
        .execute(&pool)
        .await
        .expect("insert");
    assert_eq!(done.rows_affected(), 1);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(insert.as_str())).bind(2i32);
    q = q
        .bind(None::<bool>)
        .bind(None::<i16>)
        .bind(None::<i32>)
        .bind(None::<i64>)
        .bind(None::<f32>)
        .bind(None::<f64>)
        .bind(None::<Decimal>)
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(None::<Vec<u8>>)
        .bind(None::<NaiveDate>)
        .bind(None::<NaiveTime>)
        .bind(None::<NaiveDateTime>)
        .bind(None::<DateTime<Utc>>)
        .bind(None::<sqlx::postgres::types::PgInterval>)
        .bind(None::<uuid::Uuid>)
        .bind(None::<sqlx::types::JsonValue>)
        .bind(None::<sqlx::types::JsonValue>);
    q.execute(&pool).await.expect("insert nulls");

    let row: PgRow = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {COLS} from items where id = $1"
    )))
    .bind(1i32)
    .fetch_one(&pool)
    .await
    .expect("select");
    assert!(row.get::<bool, _>("b"));
    assert_eq!(row.get::<i16, _>("i2"), i16::MIN);
    assert_eq!(row.get::<i32, _>("i4"), i32::MAX);
    assert_eq!(row.get::<i64, _>("i8"), i64::MIN);
    assert_eq!(row.get::<f32, _>("f4"), 1.5);
    assert_eq!(row.get::<f64, _>("f8"), std::f64::consts::E);
    assert_eq!(row.get::<Decimal, _>("n"), n);
    assert_eq!(row.get::<String, _>("t"), "ünïcödé 'x'");
    assert_eq!(row.get::<String, _>("vc"), "varchar");
    assert_eq!(row.get::<String, _>("c"), "ab ");
    assert_eq!(row.get::<Vec<u8>, _>("by"), by);
    assert_eq!(row.get::<NaiveDate, _>("d"), d);
    assert_eq!(row.get::<NaiveTime, _>("tm"), tm);
    assert_eq!(row.get::<NaiveDateTime, _>("ts"), ts);
    assert_eq!(row.get::<DateTime<Utc>, _>("tstz"), tstz);
    assert_eq!(row.get::<sqlx::postgres::types::PgInterval, _>("iv"), iv);
    assert_eq!(row.get::<uuid::Uuid, _>("u"), u);
    assert_eq!(row.get::<sqlx::types::JsonValue, _>("j"), j);
    assert_eq!(row.get::<sqlx::types::JsonValue, _>("jb"), j);

    let row: PgRow = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {COLS} from items where id = 2"
    )))
    .fetch_one(&pool)
    .await
    .expect("select nulls");
    assert_eq!(row.get::<Option<bool>, _>("b"), None);
    assert_eq!(row.get::<Option<Decimal>, _>("n"), None);
    assert_eq!(row.get::<Option<String>, _>("t"), None);
    assert_eq!(row.get::<Option<DateTime<Utc>>, _>("tstz"), None);
    assert_eq!(row.get::<Option<sqlx::types::JsonValue>, _>("jb"), None);

    let (t, count): (String, i64) =
        sqlx::query_as("update items set t = $1 where id = $2 returning t, i8 - i8")
            .bind("changed")
            .bind(1i32)
            .fetch_one(&pool)
            .await
            .expect("update returning");
    assert_eq!((t.as_str(), count), ("changed", 0));

    // A transaction rolled back, one committed.
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("delete from items")
        .execute(&mut *tx)
        .await
        .expect("delete");
    tx.rollback().await.expect("rollback");
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("insert into items (id) values ($1)")
        .bind(3i32)
        .execute(&mut *tx)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let count: i64 = sqlx::query_scalar("select count(*) from items")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 3);

    let err = sqlx::query("insert into items (id) values ($1)")
        .bind(1i32)
        .execute(&pool)
        .await
        .expect_err("duplicate key");
    let db = err.as_database_error().expect("a database error");
    assert_eq!(db.code().as_deref(), Some("23505"));
    assert!(db.is_unique_violation());

    // Queries from several pooled connections at once.
    let results = futures::future::join_all((0..16).map(|i| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i32>("select $1 * 2")
                .bind(i)
                .fetch_one(&pool)
                .await
                .expect("pooled query")
        }
    }))
    .await;
    assert_eq!(results, (0..16).map(|i| i * 2).collect::<Vec<_>>());
    let deleted = sqlx::query("delete from items where id > $1")
        .bind(1i32)
        .execute(&pool)
        .await
        .expect("delete");
    assert_eq!(deleted.rows_affected(), 2);
    pool.close().await;
}
