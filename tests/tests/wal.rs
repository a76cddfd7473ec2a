//! The WAL through the real binary (issue #4): inspection functions,
//! `synchronous_commit = off`, segment recycling, crash-safe file removal,
//! damaged WAL (torn tail, corrupt CRC), a torn data page repaired from its
//! full-page image, crashes during a checkpoint and during recovery, a full
//! disk, `fsync = off`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tests::{TestServer, heapgres_bin};
use tokio_postgres::types::PgLsn;

async fn ints(c: &tokio_postgres::Client, sql: &str) -> Vec<i32> {
    c.query(sql, &[])
        .await
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn wal_segments(data: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data.join("pg_wal"))
        .expect("read pg_wal")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.len() == 24 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    v.sort();
    v
}

/// Every relation file under `base/`.
fn data_files(data: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for db in std::fs::read_dir(data.join("base")).expect("read base") {
        let db = db.expect("dir entry").path();
        for f in std::fs::read_dir(&db).expect("read database dir") {
            out.insert(f.expect("dir entry").path());
        }
    }
    out
}

/// `heapgres waldump` lines of the data directory.
fn waldump(data: &Path) -> Vec<String> {
    let out = Command::new(heapgres_bin())
        .args(["waldump", "-D"])
        .arg(data)
        .output()
        .expect("run heapgres waldump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The `lsn:` field of a waldump line.
fn lsn_of(line: &str) -> u64 {
    let f = line
        .split("lsn: ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .expect("lsn field");
    let (hi, lo) = f.split_once('/').expect("hi/lo");
    (u64::from_str_radix(hi, 16).expect("hex") << 32) | u64::from_str_radix(lo, 16).expect("hex")
}

/// The segment file and offset of an LSN (16 MiB segments, timeline 1).
fn segment_of(data: &Path, lsn: u64) -> (PathBuf, u64) {
    let seg = lsn / (16 << 20);
    let name = format!("{:08X}{:08X}{:08X}", 1, seg / 256, seg % 256);
    (data.join("pg_wal").join(name), lsn % (16 << 20))
}

#[tokio::test]
async fn inspection_functions_answer_in_postgres_types_and_formats() {
    let server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table t (a int); insert into t values (1)")
        .await
        .expect("setup");
    // pg_lsn in binary (tokio-postgres asks for binary results) and text.
    let r = c
        .query_one(
            "select pg_current_wal_lsn(), pg_current_wal_insert_lsn(), pg_current_wal_flush_lsn()",
            &[],
        )
        .await
        .expect("lsn functions");
    let (cur, ins, flush): (PgLsn, PgLsn, PgLsn) = (r.get(0), r.get(1), r.get(2));
    assert!(u64::from(cur) >= 0x100_0000 && cur <= ins && flush <= ins);
    let text = c
        .simple_query("select pg_current_wal_insert_lsn(), '0/16B3F48'::pg_lsn")
        .await
        .expect("text lsn");
    let tokio_postgres::SimpleQueryMessage::Row(row) = &text[1] else {
        panic!("no row: {text:?}");
    };
    assert!(row.get(0).expect("value").contains('/'));
    assert_eq!(row.get(1), Some("0/16B3F48"));
    // Comparison, difference, file names (PostgreSQL's XLByteToPrevSeg).
    let r = c
        .query_one(
            "select '0/9'::pg_lsn < '0/10'::pg_lsn, \
                    pg_wal_lsn_diff('0/2000000', '0/1000000')::text, \
                    ('0/2000000'::pg_lsn - '0/1000028'::pg_lsn)::text, \
                    pg_walfile_name('0/2000000'), pg_walfile_name('0/2000001')",
            &[],
        )
        .await
        .expect("lsn arithmetic");
    assert!(r.get::<_, bool>(0));
    assert_eq!(r.get::<_, String>(1), "16777216");
    assert_eq!(r.get::<_, String>(2), "16777176");
    assert_eq!(r.get::<_, String>(3), "000000010000000000000001");
    assert_eq!(r.get::<_, String>(4), "000000010000000000000002");
    let err = c
        .query("select 'x'::pg_lsn", &[])
        .await
        .expect_err("bad pg_lsn");
    assert_eq!(err.code().map(|c| c.code()), Some("22P02"));
    // pg_switch_wal: the next record starts a new segment.
    let before: PgLsn = c
        .query_one("select pg_current_wal_insert_lsn()", &[])
        .await
        .expect("insert lsn")
        .get(0);
    let switched: PgLsn = c
        .query_one("select pg_switch_wal()", &[])
        .await
        .expect("switch")
        .get(0);
    assert!(switched > before);
    let after: PgLsn = c
        .query_one("select pg_current_wal_insert_lsn()", &[])
        .await
        .expect("insert lsn")
        .get(0);
    let after = u64::from(after);
    assert_eq!(after % (16 << 20), 0, "{after:X}");
    assert_eq!(after / (16 << 20), u64::from(switched) / (16 << 20) + 1);
    c.execute("insert into t values (2)", &[])
        .await
        .expect("insert");
    // pg_control_checkpoint(): a record printed as PostgreSQL prints one.
    c.batch_execute("checkpoint").await.expect("checkpoint");
    let rows = c
        .simple_query("select pg_control_checkpoint()")
        .await
        .expect("control");
    let tokio_postgres::SimpleQueryMessage::Row(row) = &rows[1] else {
        panic!("no row: {rows:?}");
    };
    let rec = row.get(0).expect("value").to_string();
    assert!(rec.starts_with('(') && rec.ends_with("\")"), "{rec}");
    let fields: Vec<&str> = rec[1..rec.len() - 1].split(',').collect();
    assert_eq!(fields.len(), 18, "{rec}");
    assert!(fields[0].contains('/') && fields[1].contains('/'));
    assert_eq!(
        fields[1], fields[0],
        "a CHECKPOINT's redo is its own record"
    );
    assert_eq!(fields[2].len(), 24);
    assert_eq!(fields[3], "1");
    assert!(fields[6].starts_with("0:"), "{rec}");
}

#[tokio::test]
async fn asynchronous_commits_lose_at_most_the_tail_and_never_half_a_transaction() {
    let mut server = TestServer::start_with(&["-c", "wal_writer_delay=100ms"]);
    let c = server.connect().await;
    c.batch_execute("create table a (txn int not null, k int not null)")
        .await
        .expect("create");
    c.batch_execute("set synchronous_commit = off")
        .await
        .expect("set");
    // Three rows per transaction; record each acknowledged commit.
    let mut acked_early = Vec::new();
    for t in 0..100 {
        c.batch_execute(&format!(
            "begin; insert into a values ({t}, 0); insert into a values ({t}, 1); \
             insert into a values ({t}, 2); commit"
        ))
        .await
        .expect("commit");
        acked_early.push(t);
    }
    // Older than wal_writer_delay: flushed by the walwriter by now.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut acked_late = Vec::new();
    for t in 100..200 {
        c.batch_execute(&format!(
            "begin; insert into a values ({t}, 0); insert into a values ({t}, 1); \
             insert into a values ({t}, 2); commit"
        ))
        .await
        .expect("commit");
        acked_late.push(t);
    }
    drop(c);
    server.kill();
    server.start_again();
    let c = server.connect().await;
    let mut per_txn = std::collections::BTreeMap::<i32, usize>::new();
    for t in ints(&c, "select txn from a").await {
        *per_txn.entry(t).or_default() += 1;
    }
    for t in &acked_early {
        assert_eq!(per_txn.get(t), Some(&3), "commit {t} was flushed long ago");
    }
    for (t, n) in &per_txn {
        assert_eq!(*n, 3, "transaction {t} is partly visible");
    }
    // What survived is a prefix of the commit order (the WAL is a stream).
    let survived: Vec<i32> = per_txn.keys().copied().collect();
    assert_eq!(survived, (0..survived.len() as i32).collect::<Vec<_>>());
    // A later session still commits synchronously by default.
    c.execute("insert into a values (1000, 0)", &[])
        .await
        .expect("insert");
    drop(c);
    server.kill();
    server.start_again();
    let c = server.connect().await;
    assert_eq!(ints(&c, "select k from a where txn = 1000").await, vec![0]);
}

#[tokio::test]
async fn pg_wal_stays_bounded_and_recovery_reads_across_recycled_segments() {
    let mut server =
        TestServer::start_with(&["-c", "min_wal_size=48MB", "-c", "max_wal_size=96MB"]);
    let c = server.connect().await;
    c.batch_execute("create table r (a int)")
        .await
        .expect("create");
    let mut max_files = 0;
    for round in 0..8 {
        c.execute("insert into r values ($1)", &[&round])
            .await
            .expect("insert");
        c.batch_execute("select pg_switch_wal(); checkpoint")
            .await
            .expect("switch and checkpoint");
        max_files = max_files.max(wal_segments(&server.data_dir).len());
    }
    assert!(
        max_files <= 4,
        "pg_wal grew to {max_files} segments: {:?}",
        wal_segments(&server.data_dir)
    );
    // Segments ahead of the insert position are recycled ones, holding old
    // records with valid checksums; recovery must stop at the first of them.
    let segs = wal_segments(&server.data_dir);
    let insert: PgLsn = c
        .query_one("select pg_current_wal_insert_lsn()", &[])
        .await
        .expect("insert lsn")
        .get(0);
    let current = u64::from(insert) / (16 << 20);
    assert!(
        segs.iter()
            .any(|s| u64::from_str_radix(&s[16..], 16).expect("hex") > current),
        "no recycled segment ahead of {current:X}: {segs:?}"
    );
    for v in 100..110 {
        c.execute("insert into r values ($1)", &[&v])
            .await
            .expect("insert");
    }
    drop(c);
    server.kill();
    server.start_again();
    let c = server.connect().await;
    let got: BTreeSet<i32> = ints(&c, "select a from r").await.into_iter().collect();
    let want: BTreeSet<i32> = (0..8).chain(100..110).collect();
    assert_eq!(got, want);
    c.execute("insert into r values (200)", &[])
        .await
        .expect("insert after recovery");
    // waldump still finds the records though the oldest segment starts in
    // the middle of one.
    let dump = waldump(&server.data_dir);
    assert!(
        dump.iter().any(|l| l.contains("desc: CHECKPOINT_")),
        "{dump:?}"
    );
}

#[tokio::test]
async fn dropped_and_rolled_back_relations_leave_no_files() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    let before = data_files(&server.data_dir);
    c.batch_execute("create table d (a int); insert into d values (1)")
        .await
        .expect("create");
    let with_table = data_files(&server.data_dir);
    let new: Vec<_> = with_table.difference(&before).cloned().collect();
    assert!(!new.is_empty());
    c.batch_execute("begin; create table gone (a int); insert into gone values (1); rollback")
        .await
        .expect("rollback");
    assert_eq!(
        data_files(&server.data_dir),
        with_table,
        "rolled back table's file"
    );
    c.batch_execute("truncate d; insert into d values (2)")
        .await
        .expect("truncate");
    c.batch_execute("drop table d").await.expect("drop");
    assert!(
        new.iter().all(|f| !f.exists()),
        "dropped table's files remain: {new:?}"
    );
    drop(c);
    server.kill();
    server.start_again();
    assert_eq!(data_files(&server.data_dir), before);
    let dump = waldump(&server.data_dir).join("\n");
    assert!(
        dump.contains("; rels: "),
        "no commit record names dropped files"
    );
}

/// Ten single-row transactions inserting 1..=10 into `w`, then SIGKILL.
/// Returns the waldump lines of their commit records, in order.
async fn ten_commits_then_kill(server: &mut TestServer) -> Vec<String> {
    let c = server.connect().await;
    c.batch_execute("create table w (a int)")
        .await
        .expect("create");
    for v in 1..=10 {
        c.execute("insert into w values ($1)", &[&v])
            .await
            .expect("insert");
    }
    drop(c);
    server.kill();
    let commits: Vec<String> = waldump(&server.data_dir)
        .into_iter()
        .filter(|l| l.contains("desc: COMMIT"))
        .collect();
    commits[commits.len() - 10..].to_vec()
}

#[tokio::test]
async fn a_torn_wal_tail_ends_recovery_at_the_last_complete_record() {
    let mut server = TestServer::start();
    let commits = ten_commits_then_kill(&mut server).await;
    // Cut the newest segment in the middle of the last commit record.
    let (seg, off) = segment_of(&server.data_dir, lsn_of(&commits[9]) + 20);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .expect("open segment");
    f.set_len(off).expect("truncate segment");
    drop(f);
    server.start_again();
    let c = server.connect().await;
    assert_eq!(
        ints(&c, "select a from w order by a").await,
        (1..=9).collect::<Vec<_>>()
    );
    let log = server.log();
    assert!(log.contains("redo done at"), "{log}");
    assert!(log.contains("incomplete"), "{log}");
    c.execute("insert into w values (11)", &[])
        .await
        .expect("write after recovery");
}

#[tokio::test]
async fn a_corrupt_crc_in_the_middle_stops_redo_there_and_nothing_after_is_applied() {
    let mut server = TestServer::start();
    let commits = ten_commits_then_kill(&mut server).await;
    // Flip a byte in the body of the 5th commit record.
    let (seg, off) = segment_of(&server.data_dir, lsn_of(&commits[4]) + 36);
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&seg)
            .expect("open segment");
        let mut b = [0u8; 1];
        f.read_exact_at(&mut b, off).expect("read");
        f.write_all_at(&[b[0] ^ 0xFF], off).expect("write");
    }
    server.start_again();
    let c = server.connect().await;
    assert_eq!(
        ints(&c, "select a from w order by a").await,
        vec![1, 2, 3, 4],
        "records after the corrupt one must not be applied"
    );
    let log = server.log();
    assert!(log.contains("checksum"), "{log}");
    assert!(log.contains("redo done at"), "{log}");
}

#[tokio::test]
async fn a_torn_data_page_is_repaired_from_its_full_page_image() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute(
        "create table torn (a int, pad text);
         insert into torn select g, repeat('p', 100) from generate_series(1, 40) g;
         checkpoint;
         update torn set a = a + 1000",
    )
    .await
    .expect("setup");
    let oid: u32 = c
        .query_one("select oid from pg_class where relname = 'torn'", &[])
        .await
        .expect("oid")
        .get(0);
    drop(c);
    server.kill();
    // Block 0 was written by the checkpoint and changed after it: tear it,
    // as a power cut in the middle of its 8 KiB write would.
    let path = server.data_dir.join("base/5").join(oid.to_string());
    let mut bytes = std::fs::read(&path).expect("data file");
    assert!(bytes.len() >= 8192, "block 0 is on disk");
    bytes[4096..8192].fill(0xab);
    std::fs::write(&path, &bytes).expect("tear the page");
    server.start_again();
    let c = server.connect().await;
    let got = ints(&c, "select a from torn order by a").await;
    assert_eq!(got, (1001..=1040).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_crash_during_a_checkpoint_is_followed_by_a_complete_recovery() {
    let mut server = TestServer::start_with(&["-c", "shared_buffers=8MB"]);
    let c = server.connect().await;
    c.batch_execute("create table big (a int, pad text)")
        .await
        .expect("create");
    let mut want = 0i64;
    for batch in 0..20 {
        let mut sql = String::from("insert into big values ");
        for i in 0..500 {
            let v = batch * 500 + i;
            want += i64::from(v);
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("({v}, repeat('x', 200))"));
        }
        c.batch_execute(&sql).await.expect("insert");
    }
    // A CHECKPOINT writing the dirty pool, killed while it runs.
    let c2 = server.connect().await;
    let ck = tokio::spawn(async move { c2.batch_execute("checkpoint").await });
    tokio::time::sleep(Duration::from_millis(30)).await;
    server.kill();
    let _ = ck.await;
    drop(c);
    server.start_again();
    let c = server.connect().await;
    let got: i64 = c
        .query_one("select sum(a)::int8 from big", &[])
        .await
        .expect("sum")
        .get(0);
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_crash_during_recovery_is_followed_by_a_complete_recovery() {
    let mut server = TestServer::start();
    let c = server.connect().await;
    c.batch_execute("create table rr (a int)")
        .await
        .expect("create");
    for batch in 0..40 {
        let vals: Vec<String> = (0..250).map(|i| format!("({})", batch * 250 + i)).collect();
        c.batch_execute(&format!("insert into rr values {}", vals.join(",")))
            .await
            .expect("insert");
    }
    drop(c);
    server.kill();
    // Start recovery and kill it as soon as replay has begun.
    server.spawn_again();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.log().contains("redo starts at") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill();
    let first_log = server.log();
    assert!(first_log.contains("redo starts at"), "{first_log}");
    server.start_again();
    let c = server.connect().await;
    let n: i64 = c
        .query_one("select count(*) from rr", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 10_000);
    let log = server.log();
    assert!(log.matches("redo starts at").count() >= 2, "{log}");
}

#[tokio::test]
async fn a_full_disk_answers_53100_and_the_directory_recovers() {
    let fp = tempfile::tempdir().expect("failpoint dir");
    let fp_path = fp.path().to_str().expect("utf8 path").to_string();
    let mut server = TestServer::start_with_env(&[], &[("HEAPGRES_FAILPOINTS", &fp_path)]);
    let c = server.connect().await;
    c.batch_execute("create table f (a int, pad text); insert into f values (1, 'x')")
        .await
        .expect("setup");
    // Extending a data file fails: the statement gets 53100, the session
    // and the server go on.
    std::fs::write(fp.path().join("smgr_extend_enospc"), b"").expect("arm failpoint");
    let mut err = None;
    for i in 0..200 {
        if let Err(e) = c
            .execute("insert into f values ($1, repeat('y', 2000))", &[&i])
            .await
        {
            err = Some(e);
            break;
        }
    }
    let err = err.expect("an insert needing a new page fails");
    assert_eq!(err.code().map(|c| c.code()), Some("53100"), "{err}");
    std::fs::remove_file(fp.path().join("smgr_extend_enospc")).expect("disarm");
    c.execute("insert into f values (2, repeat('z', 2000))", &[])
        .await
        .expect("insert after space is back");
    let n: i64 = c
        .query_one("select count(*) from f", &[])
        .await
        .expect("count")
        .get(0);
    // A WAL segment that cannot be allocated: PANIC (the process exits, as
    // PostgreSQL's does), and the restart recovers every acknowledged commit.
    std::fs::write(fp.path().join("wal_segment_enospc"), b"").expect("arm failpoint");
    let r = c
        .batch_execute("select pg_switch_wal(); insert into f values (3, 'w')")
        .await;
    assert!(r.is_err(), "the WAL cannot grow: no acknowledgement");
    std::fs::remove_file(fp.path().join("wal_segment_enospc")).expect("disarm");
    drop(c);
    server.kill();
    assert!(server.log().contains("PANIC"), "{}", server.log());
    server.start_again();
    let c = server.connect().await;
    let after: i64 = c
        .query_one("select count(*) from f where a <> 3", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(after, n);
}

#[tokio::test]
async fn fsync_off_warns_in_the_log() {
    let server = TestServer::start_with(&["-c", "fsync=off"]);
    assert!(server.log().contains("fsync is off"), "{}", server.log());
}
