//! Sorts larger than `work_mem` spill to temporary files under
//! `base/pgsql_tmp` (external merge sort), return the same rows in the
//! same order, log each file with `log_temp_files = 0`, and leave no file
//! behind; files left by a crash are removed at the next start.

use tests::TestServer;

fn temp_files(server: &TestServer) -> Vec<String> {
    match std::fs::read_dir(server.data_dir.join("base/pgsql_tmp")) {
        Ok(d) => d
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn a_sort_past_work_mem_spills_and_cleans_up() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table s (k int, pad text);
         insert into s select (g * 7919) % 20000, repeat('x', 50) || g from generate_series(1, 20000) g",
    )
    .await
    .expect("load");
    let in_memory: Vec<(i32, String)> = c
        .query("select k, pad from s order by k, pad", &[])
        .await
        .expect("sort in memory")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(
        !server.log().contains("temporary file:"),
        "4MB holds this sort"
    );
    c.batch_execute("set work_mem = '64kB'; set log_temp_files = 0")
        .await
        .expect("set");
    let spilled: Vec<(i32, String)> = c
        .query("select k, pad from s order by k, pad", &[])
        .await
        .expect("external sort")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(spilled.len(), 20000);
    assert_eq!(spilled, in_memory);
    let desc: Vec<i32> = c
        .query("select k from s order by k desc limit 3", &[])
        .await
        .expect("descending")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(desc, vec![19999, 19998, 19997]);
    let log = server.log();
    assert!(
        log.contains("temporary file: path \"base/pgsql_tmp/pgsql_tmp"),
        "{log}"
    );
    assert_eq!(temp_files(&server), Vec::<String>::new());

    // A file left behind by a crash goes at the next start.
    drop(c);
    server.kill();
    let dir = server.data_dir.join("base/pgsql_tmp");
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("pgsql_tmp99999.0"), b"left over").expect("leftover");
    server.start_again();
    let _c = server.connect().await;
    assert_eq!(temp_files(&server), Vec::<String>::new());
}
