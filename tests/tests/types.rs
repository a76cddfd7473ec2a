//! Every supported type: text literals printed exactly as PostgreSQL 15
//! prints them (the oracle runs the same statements), binary round trips
//! through tokio-postgres, and the SQLSTATEs of bad input.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tests::TestServer;
use tests::oracle::Oracle;
use tokio_postgres::{Client, SimpleQueryMessage};

fn code(e: &tokio_postgres::Error) -> Option<String> {
    e.code().map(|c| c.code().to_string())
}

/// The single text cell of a one-row simple query, or the SQLSTATE.
async fn one_text(c: &Client, sql: &str) -> Result<Option<String>, Option<String>> {
    match c.simple_query(sql).await {
        Ok(msgs) => {
            let rows: Vec<Option<String>> = msgs
                .iter()
                .filter_map(|m| match m {
                    SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
                    _ => None,
                })
                .collect();
            assert_eq!(rows.len(), 1, "{sql}: one row");
            Ok(rows.into_iter().next().unwrap())
        }
        Err(e) => Err(code(&e)),
    }
}

/// Runs `sql` (create, insert, select) on a fresh `lit` table: the value
/// read back, or the SQLSTATE.
async fn through_table(c: &Client, sql: &str) -> Result<Option<String>, Option<String>> {
    let _ = c.batch_execute("drop table if exists lit").await;
    match c.simple_query(sql).await {
        Ok(msgs) => Ok(msgs
            .iter()
            .find_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
                _ => None,
            })
            .flatten()),
        Err(e) => Err(code(&e)),
    }
}

/// (type, text literal) pairs whose printed value must match PostgreSQL 15.
const LITERALS: &[(&str, &str)] = &[
    ("bool", "true"),
    ("bool", "f"),
    ("bool", "yes"),
    ("bool", "0"),
    ("int2", "-32768"),
    ("int2", " 12 "),
    ("int4", "2147483647"),
    ("int4", "-0"),
    ("int8", "-9223372036854775808"),
    ("float4", "1.5"),
    ("float4", "0.1"),
    ("float4", "3.14159265"),
    ("float4", "NaN"),
    ("float4", "-Infinity"),
    ("float8", "0.1"),
    ("float8", "1e300"),
    ("float8", "-0"),
    ("float8", "Infinity"),
    ("float8", "123456789.123456789"),
    ("numeric", "0"),
    ("numeric", "-1.500"),
    ("numeric", "NaN"),
    ("numeric", "-Infinity"),
    ("numeric", "123456789012345678901234567890.123456789"),
    ("numeric", "1e30"),
    ("numeric", "0.000001"),
    ("numeric(10,2)", "3.14159"),
    ("text", "hello, world"),
    ("text", ""),
    ("varchar(5)", "abc"),
    ("varchar(5)", "abcdefgh"),
    ("char(5)", "ab"),
    ("char", "xyz"),
    ("bytea", "\\x00ff10"),
    ("bytea", "abc"),
    ("date", "2024-02-29"),
    ("date", "epoch"),
    ("date", "infinity"),
    ("date", "January 8, 1999"),
    ("time", "04:05:06.789"),
    ("time", "23:59:59.999999"),
    ("time", "24:00:00"),
    ("timestamp", "2024-01-02 03:04:05.678"),
    ("timestamp", "infinity"),
    ("timestamp", "1999-01-08 04:05:06"),
    ("timestamptz", "2024-01-02 03:04:05+02"),
    ("timestamptz", "2024-07-01 12:00:00 America/New_York"),
    ("timestamptz", "-infinity"),
    ("interval", "1 day 2 hours"),
    ("interval", "1 year 2 months 3 days 04:05:06.5"),
    ("interval", "-1 mons"),
    ("interval", "P1Y2M3DT4H5M6S"),
    ("interval", "90 minutes"),
    ("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
    ("uuid", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}"),
    ("json", "{\"b\": 1, \"a\": [1, 2]}"),
    ("jsonb", "{\"b\": 1, \"a\": [1, 2.50], \"aa\": null}"),
    ("jsonb", "[true, \"x\", {}]"),
];

/// Statements whose SQLSTATE must match PostgreSQL 15's, with the code we
/// expect.
const ERRORS: &[(&str, &str)] = &[
    ("select 'abc'::int4", "22P02"),
    ("select '1.5'::int8", "22P02"),
    ("select 'maybe'::bool", "22P02"),
    ("select 'x'::numeric", "22P02"),
    ("select '2024-13-01'::date", "22008"),
    ("select 'not a uuid'::uuid", "22P02"),
    ("select '{bad'::jsonb", "22P02"),
    ("select '99999'::int2", "22003"),
    ("select 2147483647::int4 + 1", "22003"),
    ("select '1e400'::float8", "22003"),
    ("select 1/0", "22012"),
    ("select 1.5::numeric / 0", "22012"),
    ("select 5 % 0", "22012"),
    ("select 'a'::text + 1", "42883"),
    ("select true + 1", "42883"),
    ("select 1 where 'x'::text", "42804"),
];

#[tokio::test]
async fn text_output_matches_postgres() {
    let Some(oracle) = Oracle::start() else {
        return;
    };
    let server = TestServer::start();
    let h = server.connect().await;
    let p = oracle.connect().await;
    for c in [&h, &p] {
        c.batch_execute("set timezone = 'UTC'; set datestyle = 'ISO, MDY'")
            .await
            .unwrap();
    }
    let mut mismatches = Vec::new();
    for (ty, lit) in LITERALS {
        let sql = format!("select '{}'::{ty}", lit.replace('\'', "''"));
        let want = one_text(&p, &sql).await;
        let got = one_text(&h, &sql).await;
        assert!(want.is_ok(), "PostgreSQL rejects {sql}: {want:?}");
        if got != want {
            mismatches.push(format!("{sql}: heapgres {got:?}, PostgreSQL {want:?}"));
        }
        // Through a table column too.
        let tsql = format!(
            "create table lit (v {ty}); insert into lit values ('{}'); select v from lit",
            lit.replace('\'', "''")
        );
        let want_t = through_table(&p, &tsql).await;
        let got_t = through_table(&h, &tsql).await;
        if got_t != want_t {
            mismatches.push(format!("{tsql}: heapgres {got_t:?}, PostgreSQL {want_t:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn error_codes_match_postgres() {
    let Some(oracle) = Oracle::start() else {
        return;
    };
    let server = TestServer::start();
    let h = server.connect().await;
    let p = oracle.connect().await;
    let mut mismatches = Vec::new();
    for (sql, want) in ERRORS {
        let pg = p.simple_query(sql).await.err().and_then(|e| code(&e));
        let hg = h.simple_query(sql).await.err().and_then(|e| code(&e));
        assert_eq!(pg.as_deref(), Some(*want), "PostgreSQL's code for {sql}");
        if hg != pg {
            mismatches.push(format!("{sql}: heapgres {hg:?}, PostgreSQL {pg:?}"));
        }
    }
    // Column constraints.
    let setup = "create table t (a int not null, s varchar(3), n int2)";
    let stmts = [
        ("insert into t values (null, 'x', 1)", "23502"),
        ("insert into t (s) values ('x')", "23502"),
        ("insert into t values (1, 'abcd', 1)", "22001"),
        ("insert into t values (1, 'abc', 40000)", "22003"),
        ("insert into t values ('x'::text, 'a', 1)", "42804"),
        ("insert into t values ('zz', 'a', 1)", "22P02"),
    ];
    for c in [&h, &p] {
        c.batch_execute(setup).await.unwrap();
    }
    for (sql, want) in stmts {
        let pg = p.simple_query(sql).await.err().and_then(|e| code(&e));
        let hg = h.simple_query(sql).await.err().and_then(|e| code(&e));
        assert_eq!(pg.as_deref(), Some(want), "PostgreSQL's code for {sql}");
        if hg != pg {
            mismatches.push(format!("{sql}: heapgres {hg:?}, PostgreSQL {pg:?}"));
        }
    }
    let n = h.query_one("select count(*) from t", &[]).await.unwrap();
    assert_eq!(n.get::<_, i64>(0), 0);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// bool, int2, int4, int8, float4, float8, text, bytea, timestamp.
type NativeRow = (bool, i16, i32, i64, f32, f64, String, Vec<u8>, SystemTime);

#[tokio::test]
async fn binary_round_trip_of_native_types() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table b (bo bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, t text, \
         vc varchar(20), by bytea, ts timestamp, tz timestamptz, j json, jb jsonb, u uuid)",
    )
    .await
    .unwrap();
    let when = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
    let before_2000 = UNIX_EPOCH + Duration::from_secs(86_400 * 365);
    let json = serde_json::json!({"a": [1, 2, {"b": null}], "c": "d"});
    let id = uuid::Uuid::parse_str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").unwrap();
    let rows: Vec<NativeRow> = vec![
        (
            true,
            i16::MAX,
            i32::MIN,
            i64::MAX,
            f32::MAX,
            f64::MIN_POSITIVE,
            "x".repeat(100),
            vec![0, 255],
            when,
        ),
        (
            false,
            0,
            0,
            0,
            -0.0,
            1e-300,
            String::new(),
            vec![],
            before_2000,
        ),
    ];
    for (bo, i2, i4, i8, f4, f8, t, by, ts) in &rows {
        c.execute(
            "insert into b values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            &[
                bo, i2, i4, i8, f4, f8, t, &"varchar", by, ts, ts, &json, &json, &id,
            ],
        )
        .await
        .expect("insert binary parameters");
    }
    let got = c
        .query("select * from b order by i2 desc", &[])
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    for (r, (bo, i2, i4, i8, f4, f8, t, by, ts)) in got.iter().zip(&rows) {
        assert_eq!(r.get::<_, bool>("bo"), *bo);
        assert_eq!(r.get::<_, i16>("i2"), *i2);
        assert_eq!(r.get::<_, i32>("i4"), *i4);
        assert_eq!(r.get::<_, i64>("i8"), *i8);
        assert_eq!(r.get::<_, f32>("f4").to_bits(), f4.to_bits());
        assert_eq!(r.get::<_, f64>("f8"), *f8);
        assert_eq!(&r.get::<_, String>("t"), t);
        assert_eq!(r.get::<_, String>("vc"), "varchar");
        assert_eq!(&r.get::<_, Vec<u8>>("by"), by);
        assert_eq!(&r.get::<_, SystemTime>("ts"), ts);
        assert_eq!(&r.get::<_, SystemTime>("tz"), ts);
        assert_eq!(r.get::<_, serde_json::Value>("j"), json);
        assert_eq!(r.get::<_, serde_json::Value>("jb"), json);
        assert_eq!(r.get::<_, uuid::Uuid>("u"), id);
    }
    // What was bound in binary prints as PostgreSQL would print it.
    let msgs = c
        .simple_query("set timezone = 'UTC'; select ts, tz, u, jb from b where i2 = 0")
        .await
        .unwrap();
    let row = msgs
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(row.get(0), Some("1971-01-01 00:00:00"));
    assert_eq!(row.get(1), Some("1971-01-01 00:00:00+00"));
    assert_eq!(row.get(2), Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
    assert_eq!(
        row.get(3),
        Some("{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\"}")
    );
}
