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
    let err = c
        .query("select * from t for update nowait", &[])
        .await
        .expect_err("nowait unsupported");
    assert_eq!(err.code().map(|c| c.code()), Some("0A000"));
}
