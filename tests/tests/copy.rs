//! COPY FROM STDIN / TO STDOUT through psql (simple protocol) and
//! tokio-postgres (extended protocol), in text and CSV formats.

use futures::{SinkExt, StreamExt, pin_mut};
use tests::TestServer;

#[tokio::test]
async fn copy_in_and_out_through_the_extended_protocol() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int not null, name text, d date default '2020-01-01')")
        .await
        .expect("create");
    let sink = c
        .copy_in("copy t (id, name) from stdin")
        .await
        .expect("copy in");
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(
        b"1\tone\n2\t\\N\n3\ttab\\there\n",
    ))
    .await
    .expect("send data");
    let n = sink.finish().await.expect("finish copy");
    assert_eq!(n, 3);
    let rows = c
        .query("select id, name, d::text from t order by id", &[])
        .await
        .expect("select");
    let got: Vec<(i32, Option<String>, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Some("one".into()), "2020-01-01".into()),
            (2, None, "2020-01-01".into()),
            (3, Some("tab\there".into()), "2020-01-01".into()),
        ]
    );

    let stream = c
        .copy_out("copy (select id, name from t order by id) to stdout with (format csv)")
        .await
        .expect("copy out");
    pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(
        String::from_utf8(out).expect("utf8"),
        "1,one\n2,\n3,tab\there\n"
    );
}

#[tokio::test]
async fn bad_copy_data_fails_with_context_and_loads_nothing() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int not null, name text)")
        .await
        .expect("create");
    let sink = c.copy_in("copy t from stdin").await.expect("copy in");
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\ta\nx\tb\n"))
        .await
        .expect("send");
    let err = sink.finish().await.expect_err("bad integer must fail");
    assert_eq!(err.code().map(|c| c.code()), Some("22P02"));
    let n: i64 = c
        .query_one("select count(*) from t", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0, "a failed COPY loads nothing");

    let sink = c.copy_in("copy t from stdin").await.expect("copy in");
    pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\n"))
        .await
        .expect("send");
    let err = sink.finish().await.expect_err("missing column must fail");
    assert_eq!(err.code().map(|c| c.code()), Some("22P04"));
}

#[test]
fn psql_copy_and_pgbench_style_freeze_option() {
    let server = TestServer::start();
    let out = server.psql(&[
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        "create table t (a int, b text)",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = "copy t from stdin with (freeze on);\n1\tx\n2\ty\n\\.\n\\copy t from stdin csv\n3,\"z,w\"\n\\.\nselect a, b from t order by a;\n";
    let file = server.data_dir.with_extension("copy.sql");
    std::fs::write(&file, script).expect("write script");
    let out = server.psql(&[
        "-v",
        "ON_ERROR_STOP=1",
        "-At",
        "-f",
        file.to_str().expect("path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout.lines().filter(|l| l.contains('|')).collect();
    assert_eq!(rows, vec!["1|x", "2|y", "3|z,w"], "{stdout}");
}
