//! Arrays through tokio-postgres, which sends and reads every array in
//! PostgreSQL's binary format (`array_send` / `array_recv`): parameters and
//! results of each element type, NULL elements, empty arrays, array
//! columns, and `col = ANY($1)` answered by an index scan.
//! (Text output, operators, functions and errors are compared with
//! PostgreSQL 15 in `tests/sql/arrays.sql`.)

use tests::TestServer;
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error().map(|d| d.code().code())
}

async fn plan(c: &Client, sql: &str) -> Vec<String> {
    c.query(&format!("explain (costs off) {sql}"), &[])
        .await
        .expect("explain")
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

#[tokio::test]
async fn binary_array_parameters_and_results_round_trip() {
    let server = TestServer::start();
    let c = server.connect().await;

    let ints: Vec<i32> = vec![1, -2, i32::MAX, i32::MIN];
    let row = c.query_one("select $1::int4[]", &[&ints]).await.unwrap();
    assert_eq!(row.get::<_, Vec<i32>>(0), ints);

    let with_nulls: Vec<Option<i64>> = vec![Some(1), None, Some(i64::MIN)];
    let row = c
        .query_one("select $1::int8[]", &[&with_nulls])
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<Option<i64>>>(0), with_nulls);

    let empty: Vec<i32> = Vec::new();
    let row = c
        .query_one("select $1::int4[], cardinality($1::int4[])", &[&empty])
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<i32>>(0), empty);
    assert_eq!(row.get::<_, i32>(1), 0);

    let texts: Vec<Option<String>> = vec![
        Some("a b".into()),
        None,
        Some("\"quoted\" \\ {x}".into()),
        Some(String::new()),
        Some("NULL".into()),
    ];
    let row = c
        .query_one(
            "select $1::text[], array_to_string($1::text[], '|', '*')",
            &[&texts],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<Option<String>>>(0), texts);
    assert_eq!(row.get::<_, String>(1), "a b|*|\"quoted\" \\ {x}||NULL");

    let floats = vec![1.5f64, -0.25, f64::INFINITY];
    let row = c
        .query_one("select $1::float8[]", &[&floats])
        .await
        .unwrap();
    assert_eq!(row.get::<_, Vec<f64>>(0), floats);

    let bools = vec![true, false];
    let row = c.query_one("select $1::bool[]", &[&bools]).await.unwrap();
    assert_eq!(row.get::<_, Vec<bool>>(0), bools);

    let blobs: Vec<Vec<u8>> = vec![vec![0, 1, 255], vec![]];
    let row = c.query_one("select $1::bytea[]", &[&blobs]).await.unwrap();
    assert_eq!(row.get::<_, Vec<Vec<u8>>>(0), blobs);

    let ids = vec![uuid::Uuid::from_u128(7), uuid::Uuid::from_u128(u128::MAX)];
    let row = c.query_one("select $1::uuid[]", &[&ids]).await.unwrap();
    assert_eq!(row.get::<_, Vec<uuid::Uuid>>(0), ids);

    // Results computed by the server, read in binary.
    let row = c
        .query_one(
            "select array[1, null, 3], array_agg(x order by x), (array['x','y'])[2:2] \
             from generate_series(1, 3) x",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, Vec<Option<i32>>>(0),
        vec![Some(1), None, Some(3)]
    );
    assert_eq!(row.get::<_, Vec<i32>>(1), vec![1, 2, 3]);
    assert_eq!(row.get::<_, Vec<String>>(2), vec!["y".to_string()]);
}

#[tokio::test]
async fn array_columns_store_and_filter_through_parameters() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table docs (id int primary key, tags text[], scores int4[])")
        .await
        .unwrap();
    let insert = c
        .prepare("insert into docs values ($1, $2, $3)")
        .await
        .unwrap();
    for (id, tags, scores) in [
        (1, vec!["red", "blue"], vec![Some(1), Some(2)]),
        (2, vec!["green"], vec![None]),
        (3, vec![], vec![Some(9), Some(9)]),
    ] {
        c.execute(&insert, &[&id, &tags, &scores]).await.unwrap();
    }
    let rows = c
        .query(
            "select id, tags, scores from docs where $1 = any(tags) or scores @> $2 order by id",
            &[&"green", &vec![9]],
        )
        .await
        .unwrap();
    let got: Vec<(i32, Vec<String>, Vec<Option<i32>>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, vec!["green".to_string()], vec![None]),
            (3, vec![], vec![Some(9), Some(9)]),
        ]
    );
    // A bad subscript type and a malformed literal keep their SQLSTATEs.
    let e = c
        .query("select tags['x'] from docs", &[])
        .await
        .unwrap_err();
    assert_eq!(code(&e), Some("22P02"));
    let e = c.query("select '{1'::int[]", &[]).await.unwrap_err();
    assert_eq!(code(&e), Some("22P02"));
}

#[tokio::test]
async fn any_of_a_parameter_array_is_an_index_scan() {
    let server = TestServer::start();
    // What is checked is that ANY can be served by an index, not the cost
    // choice (without bitmap scans a 50-row estimate reads the table):
    // enable_seqscan = off, as PostgreSQL's own tests do.
    let c = server.connect().await;
    c.batch_execute(
        "create table items (id int8 primary key, name text);
         insert into items select g, 'item ' || g from generate_series(1, 5000) g;
         create index items_name on items (name);
         analyze items;
         set enable_seqscan = off;",
    )
    .await
    .unwrap();

    let lines = plan(&c, "select * from items where id = any('{5,3,3}')").await;
    assert_eq!(
        lines,
        vec![
            "Index Scan using items_pkey on items".to_string(),
            "  Index Cond: (id = ANY ('{5,3,3}'::bigint[]))".to_string(),
        ]
    );
    let lines = plan(
        &c,
        "select * from items where name = any(array['item 7', 'x'])",
    )
    .await;
    assert_eq!(lines[0], "Index Scan using items_name on items");
    assert_eq!(
        lines[1],
        "  Index Cond: (name = ANY ('{\"item 7\",x}'::text[]))"
    );

    // The prepared statement's parameter is inferred as bigint[] and the
    // plan (made once) reads the index once per distinct element, in
    // order, skipping NULLs and values beyond any key.
    let stmt = c
        .prepare("select id from items where id = any($1)")
        .await
        .unwrap();
    assert_eq!(stmt.params()[0], tokio_postgres::types::Type::INT8_ARRAY);
    let ids: Vec<Option<i64>> = vec![Some(4000), None, Some(2), Some(4000), Some(9999), Some(17)];
    let got: Vec<i64> = c
        .query(&stmt, &[&ids])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(got, vec![2, 17, 4000]);
    let none: Vec<i64> = Vec::new();
    assert!(c.query(&stmt, &[&none]).await.unwrap().is_empty());

    let explained: Vec<String> = c
        .query(
            "explain (costs off) select id from items where id = any($1)",
            &[&ids],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        explained,
        vec![
            "Index Scan using items_pkey on items".to_string(),
            "  Index Cond: (id = ANY ($1))".to_string(),
        ]
    );

    // <> ALL is no index qual: a filter over a sequential scan.
    let lines = plan(&c, "select * from items where id <> all('{1,2}')").await;
    assert_eq!(lines[0], "Seq Scan on items");
}
