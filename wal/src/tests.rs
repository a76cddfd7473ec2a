//! Writer and reader together: round trips, segment crossing, torn and
//! corrupt tails, group commit.

use std::path::Path;
use std::sync::Arc;

use crate::record::{BlockRef, BlockTarget, PAGE_IMAGE_SIZE, WalRecord};
use crate::segment::{
    FIRST_LSN, SegNo, TimeLineId, WAL_SEGMENT_SIZE, segment_offset, segment_path,
};
use crate::{Lsn, WalReader, WalWriter, WalWriterOptions};

fn opts(fsync: bool) -> WalWriterOptions {
    WalWriterOptions {
        fsync,
        ..Default::default()
    }
}

fn rec(i: u64, image: bool) -> WalRecord {
    let t = BlockTarget {
        db_oid: 5,
        rel_number: 16384 + (i % 3) as u32,
        fork: 0,
        block: i as u32,
    };
    let mut b = BlockRef::new(t, format!("tuple {i}").into_bytes());
    if image {
        let page: Vec<u8> = (0..PAGE_IMAGE_SIZE).map(|k| (k as u64 ^ i) as u8).collect();
        b = b.with_image(&page);
    }
    WalRecord::new(10, 0, i, i.to_le_bytes().to_vec()).with_block(b)
}

fn read_all(dir: &Path, from: Lsn) -> (Vec<crate::DecodedRecord>, WalReader) {
    let mut r = WalReader::new(dir, TimeLineId::FIRST, from);
    let mut v = Vec::new();
    while let Some(d) = r.next_record().unwrap() {
        v.push(d);
    }
    (v, r)
}

#[test]
fn round_trip_with_and_without_images() {
    let dir = tempfile::tempdir().unwrap();
    let w = WalWriter::create(dir.path(), opts(true)).unwrap();
    let mut expect = Vec::new();
    for i in 0..20 {
        let r = rec(i, i % 4 == 0);
        let (start, end) = w.insert_at(&r).unwrap();
        expect.push((start, end, r));
    }
    assert_eq!(expect[0].0, FIRST_LSN);
    let last_end = expect.last().unwrap().1;
    w.flush(last_end).unwrap();
    assert!(w.flushed_lsn() >= last_end);
    assert!(segment_path(dir.path(), TimeLineId::FIRST, SegNo(1)).exists());
    let (got, r) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len(), expect.len());
    for (g, (start, end, r)) in got.iter().zip(&expect) {
        assert_eq!(g.lsn, *start);
        assert_eq!(g.end_lsn, *end);
        assert_eq!(&g.record, r);
    }
    for pair in got.windows(2) {
        assert_eq!(pair[1].prev, pair[0].lsn);
    }
    assert_eq!(r.last_record_lsn(), expect.last().unwrap().0);
    assert_eq!(r.end_of_wal(), w.insert_lsn());
}

#[test]
fn records_cross_segment_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let w = WalWriter::create(dir.path(), opts(false)).unwrap();
    let mut n = 0u64;
    let mut crossed = 0;
    let mut end = FIRST_LSN;
    while end.0 < FIRST_LSN.0 + 2 * WAL_SEGMENT_SIZE + 100_000 {
        let (s, e) = w.insert_at(&rec(n, true)).unwrap();
        if SegNo::of(s) != SegNo::of(Lsn(e.0 - 1)) {
            crossed += 1;
        }
        end = e;
        n += 1;
    }
    w.flush(end).unwrap();
    assert_eq!(crossed, 2, "records should straddle both boundaries");
    assert!(segment_path(dir.path(), TimeLineId::FIRST, SegNo(3)).exists());
    let (got, _) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len() as u64, n);
    for (i, g) in got.iter().enumerate() {
        assert_eq!(g.record, rec(i as u64, true));
    }
    // Reading can start in the middle, at any record's start.
    let (tail, _) = read_all(dir.path(), got[(n / 2) as usize].lsn);
    assert_eq!(tail.len() as u64, n - n / 2);
}

/// Writes `n` records, returns their (start, end).
fn write_n(dir: &Path, n: u64) -> Vec<(Lsn, Lsn)> {
    let w = WalWriter::create(dir, opts(false)).unwrap();
    let v: Vec<_> = (0..n)
        .map(|i| w.insert_at(&rec(i, i == 2)).unwrap())
        .collect();
    w.flush(v.last().unwrap().1).unwrap();
    v
}

fn patch(dir: &Path, at: Lsn, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let p = segment_path(dir, TimeLineId::FIRST, SegNo::of(at));
    let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    f.write_all_at(bytes, segment_offset(at)).unwrap();
}

#[test]
fn torn_tail_stops_at_last_complete_record() {
    let dir = tempfile::tempdir().unwrap();
    let pos = write_n(dir.path(), 6);
    // Zero the second half of the last record: a torn write.
    let (s, e) = pos[5];
    let mid = Lsn(s.0 + (e.0 - s.0) / 2);
    patch(dir.path(), mid, &vec![0u8; (e.0 - mid.0) as usize]);
    let (got, r) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len(), 5);
    assert_eq!(r.end_of_wal().0, crate::record::align(pos[4].1.0));
    assert_eq!(r.last_record_lsn(), pos[4].0);
    assert!(
        r.end_reason().unwrap().contains("checksum"),
        "{:?}",
        r.end_reason()
    );

    // Cut the file itself short in the middle of record 3.
    let p = segment_path(dir.path(), TimeLineId::FIRST, SegNo(1));
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(segment_offset(pos[3].0) + 10).unwrap();
    let (got, r) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len(), 3);
    assert!(r.end_reason().unwrap().contains("incomplete"));
}

#[test]
fn corrupt_crc_in_the_middle_stops_there_and_nothing_after_is_returned() {
    let dir = tempfile::tempdir().unwrap();
    let pos = write_n(dir.path(), 8);
    // Flip a byte in the main data of record 3.
    let at = Lsn(pos[3].1.0 - 1);
    patch(dir.path(), at, &[0xEE]);
    let (got, r) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len(), 3);
    assert_eq!(r.end_of_wal(), pos[3].0);
    assert!(r.end_reason().unwrap().contains("checksum"));
}

#[test]
fn zero_length_and_bad_back_link_end_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let pos = write_n(dir.path(), 4);
    // Nothing was written after the last record: zero length.
    let (got, r) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len(), 4);
    assert!(r.end_reason().unwrap().contains("got 0"));
    // A wrong expected back-link for the first record stops at once.
    let mut r = WalReader::new(dir.path(), TimeLineId::FIRST, pos[1].0).expect_prev(pos[1].0);
    assert!(r.next_record().unwrap().is_none());
    assert!(r.end_reason().unwrap().contains("prev-link"));
}

#[test]
fn reopening_after_a_corrupt_record_never_resurrects_stale_records() {
    let dir = tempfile::tempdir().unwrap();
    // Records of equal size, so a new record would end exactly where a
    // stale one starts and the stale one's back-link would fit.
    let w = WalWriter::create(dir.path(), opts(false)).unwrap();
    let pos: Vec<_> = (0..5)
        .map(|i| w.insert_at(&rec(i, false)).unwrap())
        .collect();
    w.flush(pos[4].1).unwrap();
    drop(w);
    patch(dir.path(), Lsn(pos[2].1.0 - 1), &[0xEE]);
    let (got, r) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len(), 2);
    let w = WalWriter::open(dir.path(), opts(false), r.end_of_wal(), r.last_record_lsn()).unwrap();
    let (s, e) = w.insert_at(&rec(2, false)).unwrap();
    assert_eq!(s, pos[2].0);
    w.flush(e).unwrap();
    let (got, _) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(
        got.len(),
        3,
        "records 3 and 4 were before the crash point's garbage"
    );
    assert_eq!(got[2].prev, pos[1].0);
}

#[test]
fn group_commit_shares_fdatasyncs_and_everything_flushed_is_durable() {
    let dir = tempfile::tempdir().unwrap();
    let w = WalWriter::create(dir.path(), opts(true)).unwrap();
    const THREADS: u64 = 16;
    const PER: u64 = 40;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let w = Arc::clone(&w);
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                for k in 0..PER {
                    let id = t * 1000 + k;
                    let (s, e) = w.insert_at(&rec(id, false)).unwrap();
                    w.flush(e).unwrap();
                    assert!(w.flushed_lsn() >= e);
                    mine.push((s, id));
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<(Lsn, u64)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    let flushes = THREADS * PER;
    let syncs = w.sync_count();
    drop(w);
    let (got, _) = read_all(dir.path(), FIRST_LSN);
    assert_eq!(got.len() as u64, flushes);
    for (g, (lsn, id)) in got.iter().zip(&all) {
        assert_eq!(g.lsn, *lsn);
        assert_eq!(g.record, rec(*id, false));
    }
    eprintln!("{flushes} flushes, {syncs} fdatasyncs");
    assert!(syncs < flushes, "{syncs} fdatasyncs for {flushes} flushes");
}

#[test]
fn write_behind_bounds_the_buffer_and_fsync_off_never_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let w = WalWriter::create(
        dir.path(),
        WalWriterOptions {
            fsync: false,
            buffer_limit: 64 << 10,
            ..Default::default()
        },
    )
    .unwrap();
    for i in 0..40 {
        w.insert(&rec(i, true)).unwrap();
    }
    assert!(
        w.flushed_lsn() > FIRST_LSN,
        "write-behind should have written"
    );
    assert_eq!(w.sync_count(), 0);
}

#[test]
fn insert_if_redo_refuses_after_a_checkpoint_moved_the_redo_point() {
    let dir = tempfile::tempdir().unwrap();
    let w = WalWriter::create(dir.path(), opts(false)).unwrap();
    let redo = w.redo_ptr();
    assert!(w.insert_if_redo(&rec(0, false), redo).unwrap().is_some());
    let new_redo = w.begin_checkpoint();
    assert_eq!(new_redo, w.insert_lsn());
    assert!(w.insert_if_redo(&rec(1, false), redo).unwrap().is_none());
    assert!(w.insert_if_redo(&rec(1, true), new_redo).unwrap().is_some());
}

#[test]
fn switch_and_recycled_segments_never_yield_stale_records() {
    let dir = tempfile::tempdir().unwrap();
    let w = WalWriter::create(dir.path(), opts(false)).unwrap();
    for i in 0..5 {
        w.insert(&rec(i, false)).unwrap();
    }
    let sw = w.switch_segment().unwrap();
    assert_eq!(SegNo::of(sw), SegNo(1));
    assert_eq!(
        w.insert_lsn(),
        SegNo(2).start(),
        "next record starts a segment"
    );
    for i in 0..5 {
        w.insert(&rec(i, false)).unwrap();
    }
    w.switch_segment().unwrap();
    let seg3 = w.insert_lsn();
    assert_eq!(seg3, SegNo(3).start());
    // Segments 1 and 2 are before the "redo point": recycled as 4 and 5.
    let done = w.remove_old_segments(seg3, 10).unwrap();
    assert_eq!(done.recycled, 2);
    assert!(segment_path(dir.path(), TimeLineId::FIRST, SegNo(5)).exists());
    assert!(!segment_path(dir.path(), TimeLineId::FIRST, SegNo(1)).exists());
    let mut new = Vec::new();
    for i in 0..3 {
        new.push(w.insert_at(&rec(i, false)).unwrap());
    }
    w.switch_segment().unwrap();
    // Segment 4 is the recycled segment 1: its old records (same sizes, valid
    // CRCs) follow the two written now.
    for i in 0..2 {
        new.push(w.insert_at(&rec(i, false)).unwrap());
    }
    w.flush(w.insert_lsn()).unwrap();
    let (got, r) = read_all(dir.path(), seg3);
    let lsns: Vec<Lsn> = got.iter().map(|d| d.lsn).collect();
    let switch_lsn = got[3].lsn;
    let want: Vec<Lsn> = new[..3]
        .iter()
        .map(|p| p.0)
        .chain([switch_lsn])
        .chain(new[3..].iter().map(|p| p.0))
        .collect();
    assert_eq!(lsns, want);
    assert!(
        r.end_reason().unwrap().contains("prev-link"),
        "{:?}",
        r.end_reason()
    );
    // Only min_wal_size worth is kept: with a limit of 2, old ones go.
    let redo = w.insert_lsn();
    let done = w.remove_old_segments(redo, 2).unwrap();
    assert!(done.removed >= 1, "{done:?}");
}
