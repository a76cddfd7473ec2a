//! Durability through the real binary: clean restarts, `kill -9` after an
//! acknowledged commit, the data directory lock, and page checksums.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tests::{TestServer, free_port, heapgres_bin};
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> Option<&str> {
    e.code().map(|c| c.code())
}

async fn ints(c: &Client, sql: &str) -> Vec<i32> {
    c.query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn clean_restart_keeps_committed_and_drops_the_rest() {
    let mut server = TestServer::start();
    {
        let c = server.connect().await;
        c.batch_execute("create table t (a int); insert into t values (1), (2)")
            .await
            .unwrap();
        c.batch_execute("begin; insert into t values (3); rollback")
            .await
            .unwrap();
        c.batch_execute("update t set a = 20 where a = 2; delete from t where a = 1")
            .await
            .unwrap();
        c.batch_execute("begin; create table gone (a int); rollback")
            .await
            .unwrap();
        // Left open when the server stops: rolled back by the shutdown.
        let open = server.connect().await;
        open.batch_execute("begin; insert into t values (4); update t set a = 21 where a = 20")
            .await
            .unwrap();
        server.stop();
    }
    server.start_again();
    let c = server.connect().await;
    assert_eq!(ints(&c, "select a from t order by a").await, vec![20]);
    let e = c.simple_query("select * from gone").await.unwrap_err();
    assert_eq!(code(&e), Some("42P01"));
    // And it keeps working after the restart.
    c.batch_execute("insert into t values (5)").await.unwrap();
    assert_eq!(ints(&c, "select a from t order by a").await, vec![5, 20]);
}

#[tokio::test]
async fn kill_9_after_commit_keeps_the_commit() {
    let mut server = TestServer::start();
    {
        let c = server.connect().await;
        c.batch_execute("create table t (a int, s text)")
            .await
            .unwrap();
        for i in 0..20 {
            c.execute("insert into t values ($1, $2)", &[&i, &format!("row {i}")])
                .await
                .unwrap();
        }
        c.batch_execute("update t set s = 'updated' where a < 5; delete from t where a >= 15")
            .await
            .unwrap();
        // Uncommitted work at the crash must not survive.
        let open = server.connect().await;
        open.batch_execute(
            "begin; insert into t values (100, 'uncommitted'); delete from t where a = 0",
        )
        .await
        .unwrap();
        server.kill();
    }
    server.start_again();
    let c = server.connect().await;
    assert_eq!(
        ints(&c, "select a from t order by a").await,
        (0..15).collect::<Vec<i32>>()
    );
    let n: i64 = c
        .query_one("select count(*) from t where s = 'updated'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 5);
    // Crash again right after a single acknowledged commit.
    c.batch_execute("insert into t values (1000, 'last')")
        .await
        .unwrap();
    server.kill();
    server.start_again();
    let c = server.connect().await;
    let n: i64 = c
        .query_one("select count(*) from t where a = 1000", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[tokio::test]
async fn second_server_on_same_data_directory_refuses_to_start() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int); insert into t values (1)")
        .await
        .unwrap();
    let port = free_port();
    let mut second = Command::new(heapgres_bin())
        .arg("-D")
        .arg(&server.data_dir)
        .arg("-p")
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = second.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            panic!("the second server did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success(), "second server must fail: {status}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    // The first one keeps serving, its lock intact.
    c.batch_execute("insert into t values (2)").await.unwrap();
    assert_eq!(ints(&c, "select a from t order by a").await, vec![1, 2]);
    assert!(server.data_dir.join("postmaster.pid").exists());
    let d = server.connect().await;
    assert_eq!(ints(&d, "select a from t order by a").await, vec![1, 2]);
}

#[tokio::test]
async fn flipped_byte_is_xx001_and_server_keeps_serving() {
    let mut server = TestServer::start();
    let oid: u32;
    {
        let c = server.connect().await;
        c.batch_execute(
            "create table t (a int, s text); create table other (a int); insert into other values (7)",
        )
        .await
        .unwrap();
        for i in 0..50 {
            c.execute("insert into t values ($1, 'some text to corrupt')", &[&i])
                .await
                .unwrap();
        }
        oid = c
            .query_one("select oid from pg_class where relname = 't'", &[])
            .await
            .unwrap()
            .get(0);
    }
    server.stop();
    let path = server.data_dir.join("base/5").join(oid.to_string());
    let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() >= 8192, "one page at least");
    // A byte in the tuple area at the end of block 0.
    bytes[8192 - 40] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    server.start_again();
    let c = server.connect().await;
    let e = c.simple_query("select * from t").await.unwrap_err();
    assert_eq!(code(&e), Some("XX001"), "{e}");
    let e = c.simple_query("select count(*) from t").await.unwrap_err();
    assert_eq!(code(&e), Some("XX001"));
    // Other queries and tables are fine, in the same and new sessions.
    assert_eq!(ints(&c, "select a from other").await, vec![7]);
    let d = server.connect().await;
    assert_eq!(ints(&d, "select 1").await, vec![1]);
    d.batch_execute("create table fresh (a int); insert into fresh values (1)")
        .await
        .unwrap();
    assert_eq!(ints(&d, "select a from fresh").await, vec![1]);
}
