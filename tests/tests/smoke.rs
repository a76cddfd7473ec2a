//! The first things a newcomer does: connect, create a table, write and
//! read rows, restart and find them again.

use tests::TestServer;

#[tokio::test]
async fn create_insert_select_survives_restart() {
    let mut server = TestServer::start();
    {
        let c = server.connect().await;
        c.batch_execute("create table t (id int not null, name text); insert into t values (1, 'one'), (2, 'two')")
            .await
            .expect("create and insert");
        let rows = c
            .query("select id, name from t order by id", &[])
            .await
            .expect("select");
        let got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(got, vec![(1, "one".to_string()), (2, "two".to_string())]);
    }
    server.restart();
    let c = server.connect().await;
    let rows = c
        .query("select count(*) from t", &[])
        .await
        .expect("count after restart");
    assert_eq!(rows[0].get::<_, i64>(0), 2);
}
