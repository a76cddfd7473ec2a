//! Continuous archiving and point-in-time recovery through the real binary
//! (issue #10): the archiver (directory target, a failing then recovering
//! `archive_command`, `archive_timeout`), `heapgres basebackup` under
//! concurrent writes, restores to each recovery target kind with each
//! action, a dropped table brought back, promotion to a new timeline and a
//! later restore following it, recoveries that must refuse to open, and the
//! same round trip through an `object_store` archive (`file://` URL).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tests::{TestServer, heapgres_bin};
use tokio_postgres::types::PgLsn;

fn archive_args(archive: &Path) -> Vec<String> {
    vec![
        "-c".into(),
        "archive_mode=on".into(),
        "-c".into(),
        "archive_library=basic_archive".into(),
        "-c".into(),
        format!("basic_archive.archive_directory={}", archive.display()),
    ]
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The WAL segment files (24 hex digits) in `dir`, sorted.
fn segments_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.len() == 24 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    v.sort();
    v
}

async fn archived_count(c: &tokio_postgres::Client) -> i64 {
    c.query_one("SELECT archived_count FROM pg_stat_archiver", &[])
        .await
        .expect("pg_stat_archiver")
        .get(0)
}

/// Switches to a new segment and waits until the archive holds the one
/// just finished; returns its name.
async fn switch_and_archive(c: &tokio_postgres::Client, archive: &Path) -> String {
    let row = c
        .query_one("SELECT pg_walfile_name(pg_switch_wal())", &[])
        .await
        .expect("pg_switch_wal");
    let name: String = row.get(0);
    wait_for(|| archive.join(&name).exists(), &format!("{name} archived")).await;
    name
}

async fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for e in std::fs::read_dir(from).expect("read directory") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).expect("copy file");
        }
    }
}

/// A fresh copy of `backup` with `recovery.signal`, in a new temporary
/// directory (kept alive by the returned guard).
fn restore_copy(backup: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("data");
    copy_dir(backup, &dir);
    std::fs::write(dir.join("recovery.signal"), b"").expect("write recovery.signal");
    (tmp, dir)
}

fn settings(pairs: &[(&str, String)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(k, v)| ["-c".to_string(), format!("{k}={v}")])
        .collect()
}

async fn ids(c: &tokio_postgres::Client) -> Vec<i32> {
    c.query("SELECT id FROM t ORDER BY id", &[])
        .await
        .expect("select ids")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The xid of the first commit record at or after `from`, by `heapgres
/// waldump` of the running server's data directory.
fn commit_xid_after(data: &Path, from: PgLsn) -> u64 {
    let out = Command::new(heapgres_bin())
        .args(["waldump", "-D"])
        .arg(data)
        .arg(from.to_string())
        .output()
        .expect("run heapgres waldump");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("desc: COMMIT"))
        .unwrap_or_else(|| panic!("no commit record after {from}:\n{text}"));
    line.split("tx:")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|x| x.trim().parse().ok())
        .unwrap_or_else(|| panic!("no xid in {line}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archiver_copies_every_segment_in_order_to_a_directory() {
    let archive = tempfile::tempdir().expect("archive dir");
    let mut args = archive_args(archive.path());
    args.extend(["-c".into(), "archive_timeout=1s".into()]);
    let server = TestServer::start_with(&refs(&args));
    let c = server.connect().await;
    c.batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
        .await
        .expect("setup");
    let mut names = Vec::new();
    for i in 0..3 {
        c.execute("INSERT INTO t VALUES ($1)", &[&(i + 2)])
            .await
            .expect("insert");
        names.push(switch_and_archive(&c, archive.path()).await);
    }
    wait_for(
        || {
            names.iter().all(|n| {
                server
                    .data_dir
                    .join(format!("pg_wal/archive_status/{n}.done"))
                    .exists()
            })
        },
        ".done status files",
    )
    .await;
    let row = c
        .query_one(
            "SELECT archived_count, last_archived_wal, failed_count, last_archived_time IS NOT NULL, stats_reset IS NOT NULL FROM pg_stat_archiver",
            &[],
        )
        .await
        .expect("pg_stat_archiver");
    assert!(row.get::<_, i64>(0) >= 3);
    assert_eq!(row.get::<_, i64>(2), 0);
    assert!(row.get::<_, bool>(3) && row.get::<_, bool>(4));
    // Every segment from the first to the last switched one, no gap.
    let archived = segments_in(archive.path());
    let last = names.last().expect("names").clone();
    let first = archived.first().expect("archived").clone();
    assert_eq!(first, "000000010000000000000001");
    let upto: Vec<&String> = archived.iter().take_while(|n| **n <= last).collect();
    for w in upto.windows(2) {
        let a = u64::from_str_radix(&w[0][16..], 16).expect("hex");
        let b = u64::from_str_radix(&w[1][16..], 16).expect("hex");
        assert_eq!(b, a + 1, "gap between {} and {}", w[0], w[1]);
    }
    // archive_timeout: an idle server still archives its last change.
    let before = archived_count(&c).await;
    c.execute("INSERT INTO t VALUES (100)", &[])
        .await
        .expect("insert");
    let deadline = Instant::now() + Duration::from_secs(20);
    while archived_count(&c).await <= before {
        assert!(Instant::now() < deadline, "archive_timeout did not switch");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_archive_command_keeps_segments_and_loses_none() {
    let archive = tempfile::tempdir().expect("archive dir");
    let flag = archive.path().join("FAIL");
    std::fs::write(&flag, b"").expect("flag");
    let cmd = format!(
        "archive_command=test ! -f {} && cp %p {}/%f",
        flag.display(),
        archive.path().display()
    );
    let server = TestServer::start_with(&[
        "-c",
        "archive_mode=on",
        "-c",
        &cmd,
        "-c",
        "min_wal_size=32MB",
    ]);
    let c = server.connect().await;
    c.batch_execute("CREATE TABLE t (id int)")
        .await
        .expect("create");
    let mut names = Vec::new();
    for i in 0..4 {
        c.execute("INSERT INTO t VALUES ($1)", &[&i])
            .await
            .expect("insert");
        let row = c
            .query_one("SELECT pg_walfile_name(pg_switch_wal())", &[])
            .await
            .expect("switch");
        names.push(row.get::<_, String>(0));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = c
            .query_one(
                "SELECT failed_count, last_failed_wal, archived_count, last_failed_time IS NOT NULL FROM pg_stat_archiver",
                &[],
            )
            .await
            .expect("stats");
        if row.get::<_, i64>(0) >= 2 {
            assert_eq!(row.get::<_, i64>(2), 0, "nothing archived while failing");
            assert_eq!(
                row.get::<_, Option<String>>(1).as_deref(),
                Some("000000010000000000000001"),
                "the oldest segment is retried, never skipped"
            );
            assert!(row.get::<_, bool>(3));
            break;
        }
        assert!(Instant::now() < deadline, "no failure counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Checkpoints must not remove or recycle unarchived segments.
    c.batch_execute("CHECKPOINT").await.expect("checkpoint");
    c.batch_execute("CHECKPOINT").await.expect("checkpoint");
    let in_wal = segments_in(&server.data_dir.join("pg_wal"));
    for n in &names {
        assert!(in_wal.contains(n), "{n} was removed before it was archived");
        assert!(
            server
                .data_dir
                .join(format!("pg_wal/archive_status/{n}.ready"))
                .exists()
        );
    }
    assert!(server.log().contains("archiving write-ahead log file"));
    std::fs::remove_file(&flag).expect("remove flag");
    wait_for(
        || names.iter().all(|n| archive.path().join(n).exists()),
        "all segments archived after the command recovered",
    )
    .await;
    let archived = segments_in(archive.path());
    let expected: Vec<String> = (1..=u64::from_str_radix(&names[3][16..], 16).expect("hex"))
        .map(|s| format!("00000001{:08X}{:08X}", 0, s))
        .collect();
    for e in &expected {
        assert!(archived.contains(e), "{e} missing from the archive");
    }
    // Archived and past the redo point: the next checkpoints may now
    // remove or recycle them.
    c.batch_execute("INSERT INTO t VALUES (9); CHECKPOINT")
        .await
        .expect("checkpoint");
    wait_for(
        || !server.data_dir.join("pg_wal").join(&names[0]).exists(),
        "old archived segment removed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn point_in_time_recovery_to_each_target_and_across_timelines() {
    let archive = tempfile::tempdir().expect("archive dir");
    let aargs = archive_args(archive.path());
    let server = TestServer::start_with(&refs(&aargs));
    let c = server.connect().await;
    c.batch_execute("CREATE TABLE t (id int, note text); INSERT INTO t VALUES (1, 'first')")
        .await
        .expect("setup");

    // A base backup while another client keeps inserting.
    let writer_conn = server.connect().await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let writer = tokio::spawn(async move {
        let mut id = 100;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            writer_conn
                .execute("INSERT INTO t VALUES ($1, 'during backup')", &[&id])
                .await
                .expect("insert during backup");
            id += 1;
        }
        id
    });
    let backup_tmp = tempfile::tempdir().expect("backup dir");
    let backup = backup_tmp.path().join("base");
    let port = server.port.to_string();
    let bb = {
        let backup = backup.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(heapgres_bin())
                .args(["basebackup", "-D"])
                .arg(&backup)
                .args(["-h", "127.0.0.1", "-p", &port])
                .output()
                .expect("run heapgres basebackup")
        })
        .await
        .expect("join")
    };
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let next_id = writer.await.expect("writer");
    let progress = String::from_utf8_lossy(&bb.stderr);
    assert!(bb.status.success(), "basebackup failed: {progress}");
    assert!(progress.contains("files (100%)"), "{progress}");
    assert!(progress.contains("base backup completed"), "{progress}");
    let label = std::fs::read_to_string(backup.join("backup_label")).expect("backup_label");
    assert!(label.starts_with("START WAL LOCATION: "), "{label}");
    assert!(!backup.join("postmaster.pid").exists());
    assert!(segments_in(&backup.join("pg_wal")).is_empty());
    let during: Vec<i32> = (100..next_id).collect();

    // Known commits between the targets.
    c.execute("INSERT INTO t VALUES (1001, 'a')", &[])
        .await
        .expect("1001");
    let before_xid: PgLsn = c
        .query_one("SELECT pg_current_wal_lsn()", &[])
        .await
        .expect("lsn")
        .get(0);
    c.execute("INSERT INTO t VALUES (1002, 'xid')", &[])
        .await
        .expect("1002");
    let xid = commit_xid_after(&server.data_dir, before_xid);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let time: String = c
        .query_one("SELECT now()::text", &[])
        .await
        .expect("now")
        .get(0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    c.execute("INSERT INTO t VALUES (1003, 'time')", &[])
        .await
        .expect("1003");
    let lsn: PgLsn = c
        .query_one("SELECT pg_current_wal_lsn()", &[])
        .await
        .expect("lsn")
        .get(0);
    c.execute("INSERT INTO t VALUES (1004, 'lsn')", &[])
        .await
        .expect("1004");
    c.query_one("SELECT pg_create_restore_point('before_drop')", &[])
        .await
        .expect("restore point");
    c.execute("INSERT INTO t VALUES (1005, 'name')", &[])
        .await
        .expect("1005");
    c.batch_execute("DROP TABLE t").await.expect("the mistake");
    switch_and_archive(&c, archive.path()).await;

    let with = |extra: &[i32]| {
        let mut v = vec![1];
        v.extend(&during);
        v.extend(extra);
        v
    };

    // 1. recovery_target_xid, inclusive, pause: read-only until resumed.
    let (_g1, d1) = restore_copy(&backup);
    let mut s1 = TestServer::start_in(
        &d1,
        &refs(
            &[
                aargs[2..].to_vec(),
                settings(&[("recovery_target_xid", xid.to_string())]),
            ]
            .concat(),
        ),
    );
    let c1 = s1.connect().await;
    assert!(
        c1.query_one("SELECT pg_is_in_recovery()", &[])
            .await
            .expect("q")
            .get::<_, bool>(0)
    );
    let replayed: Option<PgLsn> = c1
        .query_one("SELECT pg_last_wal_replay_lsn()", &[])
        .await
        .expect("q")
        .get(0);
    assert!(replayed.is_some());
    assert_eq!(ids(&c1).await, with(&[1001, 1002]));
    let e = c1
        .execute("INSERT INTO t VALUES (5, 'x')", &[])
        .await
        .expect_err("read-only while paused");
    assert_eq!(e.code().map(|c| c.code()), Some("25006"));
    let e = c1
        .batch_execute("CREATE TABLE u (a int)")
        .await
        .expect_err("read-only while paused");
    assert_eq!(e.code().map(|c| c.code()), Some("25006"));
    c1.query_one("SELECT pg_wal_replay_resume()", &[])
        .await
        .expect("resume");
    assert!(
        !c1.query_one("SELECT pg_is_in_recovery()", &[])
            .await
            .expect("q")
            .get::<_, bool>(0)
    );
    c1.execute("INSERT INTO t VALUES (5, 'after promotion')", &[])
        .await
        .expect("writes after promotion");
    let wal: String = c1
        .query_one("SELECT pg_walfile_name(pg_current_wal_lsn())", &[])
        .await
        .expect("q")
        .get(0);
    assert!(wal.starts_with("00000002"), "new timeline: {wal}");
    assert!(d1.join("pg_wal/00000002.history").exists());
    assert!(!d1.join("recovery.signal").exists());
    assert!(d1.join("backup_label.old").exists());
    // It survives a restart (crash recovery on the new timeline).
    s1.restart();
    let c1 = s1.connect().await;
    let mut expect = with(&[1001, 1002]);
    expect.insert(1, 5);
    expect.sort();
    assert_eq!(ids(&c1).await, expect);
    drop(s1);

    // 2. recovery_target_xid exclusive, promote.
    let (_g2, d2) = restore_copy(&backup);
    let s2 = TestServer::start_in(
        &d2,
        &refs(
            &[
                aargs[2..].to_vec(),
                settings(&[
                    ("recovery_target_xid", xid.to_string()),
                    ("recovery_target_inclusive", "off".into()),
                    ("recovery_target_action", "promote".into()),
                ]),
            ]
            .concat(),
        ),
    );
    let c2 = s2.connect().await;
    assert!(
        !c2.query_one("SELECT pg_is_in_recovery()", &[])
            .await
            .expect("q")
            .get::<_, bool>(0)
    );
    assert_eq!(ids(&c2).await, with(&[1001]));
    drop(s2);

    // 3. recovery_target_time.
    let (_g3, d3) = restore_copy(&backup);
    let s3 = TestServer::start_in(
        &d3,
        &refs(
            &[
                aargs[2..].to_vec(),
                settings(&[
                    ("recovery_target_time", time.clone()),
                    ("recovery_target_action", "promote".into()),
                ]),
            ]
            .concat(),
        ),
    );
    assert_eq!(ids(&s3.connect().await).await, with(&[1001, 1002]));
    drop(s3);

    // 4. recovery_target_lsn, with shutdown: the server stops at the
    //    target; started again without a target... it would go on, so it
    //    is checked by starting it with the same target and promote.
    let (_g4, d4) = restore_copy(&backup);
    let lsn_args = [
        aargs[2..].to_vec(),
        settings(&[("recovery_target_lsn", lsn.to_string())]),
    ]
    .concat();
    let (ok, log) = TestServer::run_to_exit(
        &d4,
        &refs(
            &[
                lsn_args.clone(),
                settings(&[("recovery_target_action", "shutdown".into())]),
            ]
            .concat(),
        ),
    );
    assert!(ok, "shutdown at target is a clean exit: {log}");
    assert!(log.contains("recovery stopping"), "{log}");
    assert!(d4.join("recovery.signal").exists());
    let s4 = TestServer::start_in(
        &d4,
        &refs(
            &[
                lsn_args,
                settings(&[("recovery_target_action", "promote".into())]),
            ]
            .concat(),
        ),
    );
    assert_eq!(ids(&s4.connect().await).await, with(&[1001, 1002, 1003]));
    drop(s4);

    // 5. recovery_target_name: the dropped table is back; promote with
    //    archiving on, so the new timeline is archived.
    let (_g5, d5) = restore_copy(&backup);
    let s5 = TestServer::start_in(
        &d5,
        &refs(
            &[
                aargs.clone(),
                settings(&[
                    ("recovery_target_name", "before_drop".into()),
                    ("recovery_target_action", "promote".into()),
                ]),
            ]
            .concat(),
        ),
    );
    let c5 = s5.connect().await;
    assert_eq!(ids(&c5).await, with(&[1001, 1002, 1003, 1004]));
    c5.execute("INSERT INTO t VALUES (2001, 'timeline 2')", &[])
        .await
        .expect("write on the new timeline");
    let seg = switch_and_archive(&c5, archive.path()).await;
    assert!(seg.starts_with("00000002"), "{seg}");
    wait_for(
        || archive.path().join("00000002.history").exists(),
        "history file archived",
    )
    .await;
    let history =
        std::fs::read_to_string(archive.path().join("00000002.history")).expect("history");
    assert!(history.starts_with("1\t"), "{history}");
    drop(c5);
    drop(s5);
    // The old timeline's segments are still there, untouched.
    assert!(archive.path().join("000000010000000000000001").exists());

    // 6. Again from the same backup and archive, to the end of the latest
    //    timeline: follows timeline 2 and lands on timeline 3.
    let (_g6, d6) = restore_copy(&backup);
    let s6 = TestServer::start_in(&d6, &refs(&aargs[2..]));
    let c6 = s6.connect().await;
    assert_eq!(ids(&c6).await, with(&[1001, 1002, 1003, 1004, 2001]));
    let wal: String = c6
        .query_one("SELECT pg_walfile_name(pg_current_wal_lsn())", &[])
        .await
        .expect("q")
        .get(0);
    assert!(wal.starts_with("00000003"), "{wal}");
    drop(s6);

    // 7. The end of timeline 1 (recovery_target_timeline = current): the
    //    mistake is replayed too.
    let (_g7, d7) = restore_copy(&backup);
    let s7 = TestServer::start_in(
        &d7,
        &refs(
            &[
                aargs[2..].to_vec(),
                settings(&[("recovery_target_timeline", "current".into())]),
            ]
            .concat(),
        ),
    );
    let e = s7
        .connect()
        .await
        .query("SELECT id FROM t", &[])
        .await
        .expect_err("t was dropped at the end of timeline 1");
    assert_eq!(e.code().map(|c| c.code()), Some("42P01"));
    drop(s7);

    // Errors: a target before the end of the backup.
    let start_lsn = label
        .split_whitespace()
        .nth(3)
        .expect("start lsn")
        .to_string();
    let (_g8, d8) = restore_copy(&backup);
    let (ok, log) = TestServer::run_to_exit(
        &d8,
        &refs(
            &[
                aargs[2..].to_vec(),
                settings(&[("recovery_target_lsn", start_lsn)]),
            ]
            .concat(),
        ),
    );
    assert!(!ok);
    assert!(!log.contains("listening on"), "never opened: {log}");
    assert!(log.contains("before consistent recovery point"), "{log}");

    // A segment missing from the archive (restore_command this time).
    let gap = tempfile::tempdir().expect("gap archive");
    copy_dir(archive.path(), gap.path());
    let segs: Vec<String> = segments_in(gap.path())
        .into_iter()
        .filter(|n| n.starts_with("00000001"))
        .collect();
    // The last one: after the end of the backup, before the target.
    let missing = segs.last().expect("segments").clone();
    std::fs::remove_file(gap.path().join(&missing)).expect("remove");
    let (_g9, d9) = restore_copy(&backup);
    let (ok, log) = TestServer::run_to_exit(
        &d9,
        &refs(&settings(&[
            (
                "restore_command",
                format!("cp {}/%f %p", gap.path().display()),
            ),
            ("recovery_target_name", "before_drop".into()),
            ("recovery_target_timeline", "current".into()),
        ])),
    );
    assert!(!ok);
    assert!(!log.contains("listening on"), "never opened: {log}");
    assert!(log.contains(&missing), "the message names {missing}: {log}");
    assert!(
        log.contains("recovery ended before configured recovery target was reached"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_level_backup_api_and_a_label_without_its_end_record() {
    let archive = tempfile::tempdir().expect("archive dir");
    let aargs = archive_args(archive.path());
    let server = TestServer::start_with(&refs(&aargs));
    let c = server.connect().await;
    c.batch_execute("CREATE TABLE t (id int, note text); INSERT INTO t VALUES (1, 'x')")
        .await
        .expect("setup");
    let start: PgLsn = c
        .query_one("SELECT pg_backup_start('api', true)", &[])
        .await
        .expect("start")
        .get(0);
    let e = c
        .query_one("SELECT pg_backup_start('again', true)", &[])
        .await
        .expect_err("one backup per session");
    assert_eq!(e.code().map(|c| c.code()), Some("55000"));
    let copy = tempfile::tempdir().expect("copy");
    let dir = copy.path().join("data");
    copy_dir(&server.data_dir, &dir);
    std::fs::remove_file(dir.join("postmaster.pid")).ok();
    for s in segments_in(&dir.join("pg_wal")) {
        std::fs::remove_file(dir.join("pg_wal").join(s)).expect("rm");
    }
    // Everything archived so far: the archive ends before the backup's end.
    let early = tempfile::tempdir().expect("early archive");
    switch_and_archive(&c, archive.path()).await;
    copy_dir(archive.path(), early.path());
    c.execute("INSERT INTO t VALUES (2, 'after start')", &[])
        .await
        .expect("insert");
    let row = c
        .query_one(
            "SELECT lsn, labelfile, spcmapfile FROM pg_backup_stop(true)",
            &[],
        )
        .await
        .expect("stop");
    let stop: PgLsn = row.get(0);
    let labelfile: String = row.get(1);
    assert_eq!(row.get::<_, String>(2), "");
    assert!(stop > start);
    assert!(
        labelfile.contains(&format!("START WAL LOCATION: {start} ")),
        "{labelfile}"
    );
    assert!(labelfile.contains("LABEL: api\n"), "{labelfile}");
    let e = c
        .query_one("SELECT pg_backup_stop(true)", &[])
        .await
        .expect_err("no backup in progress");
    assert_eq!(e.code().map(|c| c.code()), Some("55000"));
    std::fs::write(dir.join("backup_label"), &labelfile).expect("label");
    std::fs::remove_file(dir.join("backup_label.old")).ok();
    std::fs::write(dir.join("recovery.signal"), b"").expect("signal");

    // The archive lacks the BACKUP_END record: recovery refuses to open.
    let bad = copy.path().join("bad");
    copy_dir(&dir, &bad);
    let (ok, log) = TestServer::run_to_exit(
        &bad,
        &refs(&settings(&[(
            "restore_command",
            format!("cp {}/%f %p", early.path().display()),
        )])),
    );
    assert!(!ok);
    assert!(!log.contains("listening on"), "never opened: {log}");
    assert!(
        log.contains("WAL ends before end of online backup"),
        "{log}"
    );
    assert!(log.contains("could not find WAL file"), "{log}");

    // With the whole archive it opens, with both rows.
    let s = TestServer::start_in(&dir, &refs(&aargs[2..]));
    let rows: Vec<i32> = s
        .connect()
        .await
        .query("SELECT id FROM t ORDER BY id", &[])
        .await
        .expect("select")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, [1, 2]);
}

/// `archive_library = 'object_store'` with a `file://` URL: the archiver
/// uploads each finished segment, and archive recovery downloads them from
/// the same URL with no `restore_command`, to a recovery target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_store_archive_and_restore_to_a_target() {
    let archive = tempfile::tempdir().expect("archive dir");
    let url = format!("file://{}", archive.path().display());
    let oargs = settings(&[
        ("archive_mode", "on".into()),
        ("archive_library", "object_store".into()),
        ("object_store.archive_url", url.clone()),
    ]);
    let server = TestServer::start_with(&refs(&oargs));
    let c = server.connect().await;
    c.batch_execute("CREATE TABLE t (id int, note text); INSERT INTO t VALUES (1, 'first')")
        .await
        .expect("setup");
    // Enough rows to fill a few segments while the archiver uploads them.
    c.batch_execute("INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(10, 20000) g")
        .await
        .expect("bulk insert");
    let first = switch_and_archive(&c, archive.path()).await;

    let backup_tmp = tempfile::tempdir().expect("backup dir");
    let backup = backup_tmp.path().join("base");
    let port = server.port.to_string();
    let bb = {
        let backup = backup.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(heapgres_bin())
                .args(["basebackup", "-D"])
                .arg(&backup)
                .args(["-h", "127.0.0.1", "-p", &port])
                .output()
                .expect("run heapgres basebackup")
        })
        .await
        .expect("join")
    };
    assert!(
        bb.status.success(),
        "basebackup failed: {}",
        String::from_utf8_lossy(&bb.stderr)
    );
    c.execute("INSERT INTO t VALUES (30001, 'kept')", &[])
        .await
        .expect("insert");
    // A segment of its own, removed below to make a gap.
    let middle = switch_and_archive(&c, archive.path()).await;
    c.execute("INSERT INTO t VALUES (30002, 'kept too')", &[])
        .await
        .expect("insert");
    switch_and_archive(&c, archive.path()).await;
    let target: PgLsn = c
        .query_one("SELECT pg_current_wal_lsn()", &[])
        .await
        .expect("lsn")
        .get(0);
    c.execute("INSERT INTO t VALUES (30003, 'after target')", &[])
        .await
        .expect("insert");
    let last = switch_and_archive(&c, archive.path()).await;
    assert!(last > first, "{first} then {last}");
    let stats = c
        .query_one("SELECT failed_count FROM pg_stat_archiver", &[])
        .await
        .expect("pg_stat_archiver");
    assert_eq!(stats.get::<_, i64>(0), 0);

    let (_g, d) = restore_copy(&backup);
    let s = TestServer::start_in(
        &d,
        &refs(&settings(&[
            ("archive_library", "object_store".into()),
            ("object_store.archive_url", url.clone()),
            ("recovery_target_lsn", target.to_string()),
            ("recovery_target_action", "promote".into()),
        ])),
    );
    let r = s.connect().await;
    let count: i64 = r
        .query_one("SELECT count(*) FROM t WHERE id BETWEEN 10 AND 20000", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 19991);
    let tail: Vec<i32> = r
        .query(
            "SELECT id FROM t WHERE id < 10 OR id > 20000 ORDER BY id",
            &[],
        )
        .await
        .expect("select")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(tail, [1, 30001, 30002]);
    r.execute("INSERT INTO t VALUES (40000, 'promoted')", &[])
        .await
        .expect("read-write after promotion");
    let log = s.log();
    assert!(
        log.contains(&format!("restored log file \"{middle}\" from archive")),
        "{log}"
    );

    drop(s);

    // A gap: the segment after the backup's end is missing while later
    // ones are there. Recovery stops naming it and never opens.
    let gap = tempfile::tempdir().expect("gap archive");
    copy_dir(archive.path(), gap.path());
    std::fs::remove_file(gap.path().join(&middle)).expect("remove");
    let (_g3, d3) = restore_copy(&backup);
    let (ok, log) = TestServer::run_to_exit(
        &d3,
        &refs(&settings(&[
            ("archive_library", "object_store".into()),
            (
                "object_store.archive_url",
                format!("file://{}", gap.path().display()),
            ),
            ("recovery_target_lsn", target.to_string()),
        ])),
    );
    assert!(!ok, "{log}");
    assert!(log.contains(&middle), "the message names {middle}: {log}");
    assert!(
        log.contains("recovery ended before configured recovery target was reached"),
        "{log}"
    );
    assert!(!log.contains("listening on"), "never opened: {log}");

    // A scheme whose object_store feature is not compiled in stops startup
    // with a message naming the URL.
    let (_g2, bad) = restore_copy(&backup);
    let (ok, log) = TestServer::run_to_exit(
        &bad,
        &refs(&settings(&[
            ("archive_library", "object_store".into()),
            ("object_store.archive_url", "s3://bucket/wal".into()),
        ])),
    );
    assert!(!ok);
    assert!(!log.contains("listening on"), "never opened: {log}");
    assert!(
        log.contains("s3://bucket/wal") && log.contains("feature"),
        "{log}"
    );
}

/// `pg_backup_start(label, fast)`: `fast = true` takes an immediate
/// checkpoint and returns promptly even with a long spread schedule;
/// `fast = false` (the default) takes the spread path, as PostgreSQL does.
/// The log line says which ("immediate force wait" or "force wait").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_start_fast_is_immediate_and_otherwise_spread() {
    let server = TestServer::start_with(&refs(&settings(&[
        ("checkpoint_timeout", "30s".into()),
        ("checkpoint_completion_target", "0.9".into()),
    ])));
    let c = server.connect().await;
    c.batch_execute("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 2000)")
        .await
        .expect("setup");
    let started = Instant::now();
    c.query_one("SELECT pg_backup_start('fast', true)", &[])
        .await
        .expect("fast start");
    // Loose: a spread checkpoint would pace its writes over ~27 s.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    c.query_one("SELECT lsn FROM pg_backup_stop(true)", &[])
        .await
        .expect("stop");
    assert!(
        server
            .log()
            .contains("checkpoint starting: immediate force wait"),
        "{}",
        server.log()
    );
    assert!(!server.log().contains("checkpoint starting: force wait"));

    c.batch_execute("INSERT INTO t SELECT generate_series(1, 10)")
        .await
        .expect("dirty a page");
    c.query_one("SELECT pg_backup_start('spread', false)", &[])
        .await
        .expect("spread start");
    c.query_one("SELECT lsn FROM pg_backup_stop(true)", &[])
        .await
        .expect("stop");
    assert!(
        server.log().contains("checkpoint starting: force wait"),
        "{}",
        server.log()
    );
}
