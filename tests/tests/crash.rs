//! Crash recovery under load (issue #4): clients commit single-row and
//! multi-row transactions and record each acknowledged commit; the server
//! is killed with SIGKILL at a random moment; after a restart every
//! acknowledged commit is there, every multi-row transaction is all or
//! nothing, an open transaction left nothing behind, and the transfers
//! between accounts kept the total. `HEAPGRES_CRASH_CYCLES` sets the number
//! of kill/restart cycles (default 2).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tests::TestServer;

const CLIENTS: i32 = 4;
const ACCOUNTS: i32 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_commits_survive_kill_9() {
    let cycles: usize = std::env::var("HEAPGRES_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let mut server = TestServer::start();
    {
        let c = server.connect().await;
        c.batch_execute(
            "create table single (client int not null, n int not null);
             create table batch (client int not null, b int not null, k int not null);
             create table acct (id int not null, bal int not null);
             create table never (x int)",
        )
        .await
        .expect("create tables");
        for id in 0..ACCOUNTS {
            c.execute("insert into acct values ($1, 1000)", &[&id])
                .await
                .expect("seed accounts");
        }
    }
    // acked[client] = (single-row ns, batch bs) acknowledged so far.
    let mut acked: Vec<(BTreeSet<i32>, BTreeSet<i32>)> =
        (0..CLIENTS).map(|_| Default::default()).collect();
    let mut next: Vec<i32> = vec![0; CLIENTS as usize];
    for cycle in 0..cycles {
        let stop = Arc::new(AtomicBool::new(false));
        // An open transaction that must leave no trace.
        let open = server.connect().await;
        open.batch_execute("begin; insert into never values (1), (2), (3)")
            .await
            .expect("open transaction");
        let mut tasks = Vec::new();
        for client in 0..CLIENTS {
            let c = server.connect().await;
            let stop = stop.clone();
            let start = next[client as usize];
            tasks.push(tokio::spawn(async move {
                let mut singles = Vec::new();
                let mut batches = Vec::new();
                let mut n = start;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let r = match n % 3 {
                        0 => c
                            .execute("insert into single values ($1, $2)", &[&client, &n])
                            .await
                            .map(|_| singles.push(n)),
                        1 => c
                            .batch_execute(&format!(
                                "begin; insert into batch values ({client}, {n}, 1), ({client}, {n}, 2);
                                 insert into batch values ({client}, {n}, 3); commit"
                            ))
                            .await
                            .map(|_| batches.push(n)),
                        _ => {
                            let (a, b) = (n % ACCOUNTS, (n * 7 + client) % ACCOUNTS);
                            c.batch_execute(&format!(
                                "begin; update acct set bal = bal - 5 where id = {a};
                                 update acct set bal = bal + 5 where id = {b}; commit"
                            ))
                            .await
                        }
                    };
                    if r.is_err() {
                        break;
                    }
                }
                (singles, batches, n)
            }));
        }
        tokio::time::sleep(Duration::from_millis(500 + random_below(1000))).await;
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for (client, t) in tasks.into_iter().enumerate() {
            let (s, b, n) = t.await.expect("client task");
            acked[client].0.extend(s);
            acked[client].1.extend(b);
            next[client] = n + 1;
        }
        drop(open);
        let acked_total: usize = acked.iter().map(|(s, b)| s.len() + b.len()).sum();
        eprintln!("cycle {cycle}: killed; {acked_total} acknowledged inserts so far");
        server.start_again();
        let c = server.connect().await;
        for client in 0..CLIENTS {
            let rows = c
                .query("select n from single where client = $1", &[&client])
                .await
                .expect("read singles");
            let got: BTreeSet<i32> = rows.iter().map(|r| r.get(0)).collect();
            let missing: Vec<_> = acked[client as usize].0.difference(&got).collect();
            assert!(
                missing.is_empty(),
                "cycle {cycle}: lost single-row commits {missing:?}"
            );
            let rows = c
                .query(
                    "select b, count(*) from batch where client = $1 group by b",
                    &[&client],
                )
                .await
                .expect("read batches");
            let mut got = BTreeSet::new();
            for r in &rows {
                let (b, cnt): (i32, i64) = (r.get(0), r.get(1));
                assert_eq!(
                    cnt, 3,
                    "cycle {cycle}: batch {b} of client {client} is partial"
                );
                got.insert(b);
            }
            let missing: Vec<_> = acked[client as usize].1.difference(&got).collect();
            assert!(
                missing.is_empty(),
                "cycle {cycle}: lost batch commits {missing:?}"
            );
        }
        let never = c
            .query("select count(*) from never", &[])
            .await
            .expect("never");
        assert_eq!(
            never[0].get::<_, i64>(0),
            0,
            "an open transaction left rows"
        );
        let total = c
            .query("select sum(bal)::int from acct", &[])
            .await
            .expect("sum");
        assert_eq!(
            total[0].get::<_, i32>(0),
            1000 * ACCOUNTS,
            "transfers lost money"
        );
        let nacct = c
            .query("select count(*) from acct", &[])
            .await
            .expect("count");
        assert_eq!(nacct[0].get::<_, i64>(0), ACCOUNTS as i64);
    }
    assert!(server.log().contains("redo"), "recovery should have run");
}

/// A number in `0..n` that differs from run to run (the moment of each
/// kill): the clock's nanoseconds through std's randomly keyed hasher.
fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() % n
}
