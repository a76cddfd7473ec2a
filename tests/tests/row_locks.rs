//! SELECT ... FOR UPDATE / FOR SHARE: locked rows make concurrent writers
//! wait, and a waiting READ COMMITTED update re-reads the newest version.

use std::time::Duration;

use tests::TestServer;

#[tokio::test]
async fn for_update_blocks_writers_until_commit_and_they_see_the_new_value() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    a.batch_execute("create table t (id int not null, v int); insert into t values (1, 0), (2, 0)")
        .await
        .expect("setup");
    a.batch_execute("begin").await.expect("begin");
    let locked = a
        .query("select id, v from t where id = 1 for update", &[])
        .await
        .expect("lock");
    assert_eq!(locked.len(), 1);

    let writer = tokio::spawn(async move {
        b.execute("update t set v = v + 1 where id = 1", &[])
            .await
            .expect("update after wait");
        b
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !writer.is_finished(),
        "the update must wait for the row lock"
    );

    // Unlocked rows are not blocked.
    let c = server.connect().await;
    c.execute("update t set v = 5 where id = 2", &[])
        .await
        .expect("other row");

    a.execute("update t set v = 10 where id = 1", &[])
        .await
        .expect("update own locked row");
    a.batch_execute("commit").await.expect("commit");
    let b = tokio::time::timeout(Duration::from_secs(10), writer)
        .await
        .expect("writer finishes after commit")
        .expect("join");
    let v: i32 = b
        .query_one("select v from t where id = 1", &[])
        .await
        .expect("read")
        .get(0);
    assert_eq!(
        v, 11,
        "the waiting update applies to the committed new version"
    );
}

#[tokio::test]
async fn for_update_with_aggregates_is_rejected() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (id int)")
        .await
        .expect("create");
    let err = c
        .query("select count(*) from t for update", &[])
        .await
        .expect_err("not allowed");
    assert_eq!(err.code().map(|c| c.code()), Some("0A000"));
}

/// A job queue: each worker takes the first pending job no one else has
/// locked (`ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`), so only the
/// rows returned are locked; NOWAIT fails at once with 55P03.
#[tokio::test]
async fn skip_locked_hands_each_worker_its_own_job_and_nowait_fails_at_once() {
    let server = TestServer::start();
    let a = server.connect().await;
    let b = server.connect().await;
    let c = server.connect().await;
    a.batch_execute(
        "create table jobs (id int primary key, state text);
         insert into jobs select g, 'new' from generate_series(1, 5) g",
    )
    .await
    .expect("setup");
    let take = "select id from jobs where state = 'new' order by id limit 1 for update skip locked";
    a.batch_execute("begin").await.expect("begin a");
    let got_a: i32 = a.query_one(take, &[]).await.expect("a takes").get(0);
    b.batch_execute("begin").await.expect("begin b");
    let got_b: i32 = b.query_one(take, &[]).await.expect("b takes").get(0);
    assert_eq!((got_a, got_b), (1, 2), "each worker gets its own job");

    // Row 1 is locked by a: NOWAIT fails, SKIP LOCKED passes it by, and
    // rows 3..5 (which no LIMIT returned) are not locked at all.
    let err = c
        .query("select id from jobs where id = 1 for update nowait", &[])
        .await
        .expect_err("locked by a");
    let db = err.as_db_error().expect("server error");
    assert_eq!(db.code().code(), "55P03");
    assert_eq!(
        db.message(),
        "could not obtain lock on row in relation \"jobs\""
    );
    let free: Vec<i32> = c
        .query(
            "select id from jobs order by id for update skip locked",
            &[],
        )
        .await
        .expect("skip locked")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(free, vec![3, 4, 5]);

    a.batch_execute("update jobs set state = 'done' where id = 1; commit")
        .await
        .expect("a done");
    b.batch_execute("rollback").await.expect("b gives up");
    let next: i32 = c.query_one(take, &[]).await.expect("next").get(0);
    assert_eq!(next, 2, "b's job is free again, a's is done");
}
