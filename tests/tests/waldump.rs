//! `heapgres waldump` shows what a transaction wrote: its heap inserts into
//! the new table's file, its commit, and the shutdown checkpoint.

use std::process::Command;

use tests::{TestServer, heapgres_bin};

#[tokio::test]
async fn waldump_shows_a_known_commit() {
    let mut server = TestServer::start();
    {
        let c = server.connect().await;
        c.batch_execute("create table w (a int)")
            .await
            .expect("create");
        c.execute("insert into w values (42)", &[])
            .await
            .expect("insert");
    }
    server.stop();
    let out = Command::new(heapgres_bin())
        .args(["waldump", "-D"])
        .arg(&server.data_dir)
        .output()
        .expect("run heapgres waldump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    // The last transaction: a heap insert, then its commit, then the
    // shutdown checkpoint, then the end of WAL.
    let commit = lines
        .iter()
        .rposition(|l| l.contains("desc: COMMIT"))
        .expect("a commit record");
    let tx = lines[commit]
        .split("tx:")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .map(str::trim)
        .expect("tx field")
        .to_string();
    assert!(
        lines[..commit].iter().any(|l| l.contains("rmgr: Heap")
            && l.contains("desc: INSERT")
            && l.contains(&format!("tx: {tx:>10}"))),
        "no heap insert by {tx} before its commit:\n{text}"
    );
    assert!(
        lines[commit + 1..]
            .iter()
            .any(|l| l.contains("CHECKPOINT_SHUTDOWN"))
    );
    assert!(lines.last().unwrap().starts_with("waldump: end of WAL at"));
}
