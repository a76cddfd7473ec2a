//! B-tree tests: ordering of every indexable type, prefix bounds, large
//! random workloads with splits on several levels, bulk delete, bulk
//! build, concurrent inserts under a scanner, unique checks against heap
//! rows of running, committed and aborted transactions, and crash recovery
//! including a torn index page.
//!
//! Randomised tests print their seed; set `BTREE_TEST_SEED` to replay one.
//! `BTREE_TEST_KEYS` / `BTREE_BUILD_KEYS` raise the sizes of the big tests.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::datum::{self as dt, Numeric, TypeOid};
use crate::engine::{Engine, EngineOptions};
use crate::heap::heapam::Writer;
use crate::heap::tuple::{TupleDesc, form_tuple};
use crate::txn::TransactionState;
use crate::types::{ItemPointer, OffsetNumber, Oid};

const IDX: RelFileLocator = RelFileLocator {
    db_oid: Oid(5),
    rel_number: Oid(70_000),
};
const HEAP: RelFileLocator = RelFileLocator {
    db_oid: Oid(5),
    rel_number: Oid(70_001),
};

/// xorshift64*: deterministic, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn new(name: &str) -> Rng {
        let seed = std::env::var("BTREE_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
                    | 1
            });
        eprintln!("{name}: BTREE_TEST_SEED={seed}");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn open(dir: &Path, shared_buffers: usize) -> Arc<Engine> {
    let opts = EngineOptions {
        shared_buffers,
        fsync: false,
        full_page_writes: true,
        ..Default::default()
    };
    Engine::open(dir, &opts).expect("engine opens")
}

fn engine() -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let e = open(dir.path(), 4096);
    (dir, e)
}

fn tid(n: u64) -> ItemPointer {
    ItemPointer::new(
        BlockNumber((n / 100) as u32),
        OffsetNumber((n % 100) as u16 + 1),
    )
}

fn int8_desc() -> IndexKeyDesc {
    IndexKeyDesc {
        columns: vec![IndexColumn::asc(SqlType::new(TypeOid::INT8))],
    }
}

/// Every entry of a scan.
fn collect(
    bt: &BTree,
    desc: &IndexKeyDesc,
    lower: Bound<Vec<Datum>>,
    upper: Bound<Vec<Datum>>,
    dir: ScanDirection,
) -> Vec<(Vec<Datum>, ItemPointer)> {
    let mut s = bt.scan(IDX, desc, lower, upper, dir).expect("scan");
    let mut out = Vec::new();
    while let Some((t, k)) = s.next().expect("next") {
        out.push((k.to_vec(), t));
    }
    out
}

fn all(bt: &BTree, desc: &IndexKeyDesc) -> Vec<(Vec<Datum>, ItemPointer)> {
    collect(
        bt,
        desc,
        Bound::Unbounded,
        Bound::Unbounded,
        ScanDirection::Forward,
    )
}

fn check_ok(bt: &BTree, desc: &IndexKeyDesc) {
    bt.check(IDX, desc, &mut |_| Ok(true))
        .expect("index checks out");
}

fn root_level(bt: &BTree) -> u32 {
    bt.read_meta(IDX).expect("meta").level
}

fn num(s: &str) -> Datum {
    Datum::Numeric(Numeric::parse(s).expect("numeric"))
}

/// Values of each type in ascending order; entries in one inner vector
/// are equal to each other.
fn ordered_values() -> Vec<(TypeOid, Vec<Vec<Datum>>)> {
    use Datum::*;
    let one = |d: Datum| vec![d];
    vec![
        (
            TypeOid::INT2,
            [i16::MIN, -1, 0, 1, i16::MAX]
                .map(|v| one(Int2(v)))
                .to_vec(),
        ),
        (
            TypeOid::INT4,
            [i32::MIN, -7, 0, 3, i32::MAX]
                .map(|v| one(Int4(v)))
                .to_vec(),
        ),
        (
            TypeOid::INT8,
            [i64::MIN, -1, 0, 1 << 40, i64::MAX]
                .map(|v| one(Int8(v)))
                .to_vec(),
        ),
        (
            TypeOid::FLOAT4,
            vec![
                one(Float4(f32::NEG_INFINITY)),
                one(Float4(-1.5)),
                vec![Float4(-0.0), Float4(0.0)],
                one(Float4(1e-30)),
                one(Float4(3.0e38)),
                one(Float4(f32::INFINITY)),
                one(Float4(f32::NAN)),
            ],
        ),
        (
            TypeOid::FLOAT8,
            vec![
                one(Float8(f64::NEG_INFINITY)),
                one(Float8(-1e300)),
                one(Float8(0.0)),
                one(Float8(0.1)),
                one(Float8(f64::INFINITY)),
                vec![Float8(f64::NAN), Float8(-f64::NAN)],
            ],
        ),
        (
            TypeOid::NUMERIC,
            vec![
                one(num("-Infinity")),
                one(num("-1e100")),
                one(num("-0.5")),
                vec![num("0"), num("0.000")],
                vec![num("1.0"), num("1.00"), num("1")],
                one(num("1.0000000000000000000000000000001")),
                one(num("99999999999999999999999999999999999999")),
                one(num("Infinity")),
                one(num("NaN")),
            ],
        ),
        (
            TypeOid::TEXT,
            ["", "A", "Z", "a", "ab", "abc", "b", "z", "é", "ü", "中"]
                .map(|s| one(Text(s.into())))
                .to_vec(),
        ),
        (
            TypeOid::BYTEA,
            vec![
                one(Bytea(vec![])),
                one(Bytea(vec![0])),
                one(Bytea(vec![0, 0])),
                one(Bytea(vec![1])),
                one(Bytea(vec![255; 200])),
                one(Bytea(vec![255; 201])),
            ],
        ),
        (TypeOid::BOOL, vec![one(Bool(false)), one(Bool(true))]),
        (
            TypeOid::DATE,
            [
                dt::Date::NEG_INFINITY,
                dt::Date(-1),
                dt::Date(0),
                dt::Date(9000),
                dt::Date::INFINITY,
            ]
            .map(|d| one(Date(d)))
            .to_vec(),
        ),
        (
            TypeOid::TIME,
            [0, 1, 86_400_000_000]
                .map(|t| one(Time(dt::Time(t))))
                .to_vec(),
        ),
        (
            TypeOid::TIMESTAMP,
            [
                dt::Timestamp::NEG_INFINITY,
                dt::Timestamp(-5),
                dt::Timestamp(5),
                dt::Timestamp::INFINITY,
            ]
            .map(|t| one(Timestamp(t)))
            .to_vec(),
        ),
        (
            TypeOid::TIMESTAMPTZ,
            [
                dt::TimestampTz::NEG_INFINITY,
                dt::TimestampTz(0),
                dt::TimestampTz(1),
                dt::TimestampTz::INFINITY,
            ]
            .map(|t| one(TimestampTz(t)))
            .to_vec(),
        ),
        (
            TypeOid::INTERVAL,
            vec![
                one(Interval(dt::Interval {
                    months: 0,
                    days: -1,
                    micros: 0,
                })),
                one(Interval(dt::Interval {
                    months: 0,
                    days: 0,
                    micros: 1,
                })),
                vec![
                    Interval(dt::Interval {
                        months: 1,
                        days: 0,
                        micros: 0,
                    }),
                    Interval(dt::Interval {
                        months: 0,
                        days: 30,
                        micros: 0,
                    }),
                ],
                one(Interval(dt::Interval {
                    months: 12,
                    days: 0,
                    micros: 0,
                })),
            ],
        ),
        (
            TypeOid::UUID,
            vec![
                one(Uuid([0; 16])),
                one(Uuid([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
                one(Uuid([255; 16])),
            ],
        ),
    ]
}

/// Inserts the groups in random order (plus two NULLs) and checks that
/// scans return them in order: ASC NULLS LAST, DESC NULLS FIRST, and the
/// non-default null placements, forward and backward.
#[test]
fn every_type_orders_as_sorts_do() {
    let (_dir, e) = engine();
    let bt = &e.btree;
    let mut rng = Rng::new("every_type_orders_as_sorts_do");
    for (n, (typ, groups)) in ordered_values().into_iter().enumerate() {
        for (descending, nulls_first) in
            [(false, false), (true, true), (false, true), (true, false)]
        {
            let rel = RelFileLocator {
                db_oid: Oid(5),
                rel_number: Oid(71_000
                    + n as u32 * 4
                    + u32::from(descending) * 2
                    + u32::from(nulls_first)),
            };
            let desc = IndexKeyDesc {
                columns: vec![IndexColumn {
                    typ: SqlType::new(typ),
                    descending,
                    nulls_first,
                }],
            };
            bt.create(rel).unwrap();
            let mut entries: Vec<(usize, Datum)> = Vec::new();
            for (g, vals) in groups.iter().enumerate() {
                for v in vals {
                    entries.push((g + 1, v.clone()));
                }
            }
            entries.push((0, Datum::Null));
            entries.push((0, Datum::Null));
            let mut shuffled: Vec<(usize, (usize, Datum))> =
                entries.into_iter().enumerate().collect();
            rng.shuffle(&mut shuffled);
            for (i, (_, v)) in &shuffled {
                bt.insert(rel, &desc, std::slice::from_ref(v), tid(*i as u64), None)
                    .unwrap();
            }
            // The group (rank) of each entry in scan order must be sorted
            // by the expected order: NULLs (group 0) first or last.
            let rank = |g: usize| -> i64 {
                let r = if descending { -(g as i64) } else { g as i64 };
                match (g, nulls_first) {
                    (0, true) => i64::MIN,
                    (0, false) => i64::MAX,
                    _ => r,
                }
            };
            let by_tid: BTreeMap<ItemPointer, usize> = shuffled
                .iter()
                .map(|(i, (g, _))| (tid(*i as u64), *g))
                .collect();
            let mut s = bt
                .scan(
                    rel,
                    &desc,
                    Bound::Unbounded,
                    Bound::Unbounded,
                    ScanDirection::Forward,
                )
                .unwrap();
            let mut got = Vec::new();
            while let Some((t, _)) = s.next().unwrap() {
                got.push(rank(by_tid[&t]));
            }
            assert_eq!(got.len(), shuffled.len(), "{typ:?}");
            assert!(
                got.windows(2).all(|w| w[0] <= w[1]),
                "{typ:?} desc={descending} nf={nulls_first}: {got:?}"
            );
            let mut s = bt
                .scan(
                    rel,
                    &desc,
                    Bound::Unbounded,
                    Bound::Unbounded,
                    ScanDirection::Backward,
                )
                .unwrap();
            let mut back = Vec::new();
            while let Some((t, _)) = s.next().unwrap() {
                back.push(rank(by_tid[&t]));
            }
            back.reverse();
            assert_eq!(back, got, "{typ:?} backward");
            // Equal values are found by an equality scan on any of them.
            for vals in &groups {
                let hits = bt
                    .scan(
                        rel,
                        &desc,
                        Bound::Included(vec![vals[0].clone()]),
                        Bound::Included(vec![vals[0].clone()]),
                        ScanDirection::Forward,
                    )
                    .unwrap();
                let mut hits = hits;
                let mut n = 0;
                while hits.next().unwrap().is_some() {
                    n += 1;
                }
                assert_eq!(n, vals.len(), "{typ:?} {vals:?}");
            }
            bt.check(rel, &desc, &mut |_| Ok(true)).unwrap();
        }
    }
}

/// Two-column keys: prefix bounds of every kind against a model.
#[test]
fn multi_column_keys_and_prefix_bounds() {
    let (_dir, e) = engine();
    let bt = &e.btree;
    let desc = IndexKeyDesc {
        columns: vec![
            IndexColumn::asc(SqlType::new(TypeOid::INT4)),
            IndexColumn::desc(SqlType::new(TypeOid::TEXT)),
        ],
    };
    bt.create(IDX).unwrap();
    let mut model = Vec::new();
    let mut n = 0;
    for a in 0..40 {
        for b in ["", "a", "bb", "c", "zz"] {
            for _dup in 0..3 {
                let key = vec![Datum::Int4(a), Datum::Text(format!("{b}{}", a % 3))];
                bt.insert(IDX, &desc, &key, tid(n), None).unwrap();
                model.push((key, tid(n)));
                n += 1;
            }
        }
        let key = vec![Datum::Int4(a), Datum::Null];
        bt.insert(IDX, &desc, &key, tid(n), None).unwrap();
        model.push((key, tid(n)));
        n += 1;
    }
    model.sort_by(|x, y| desc.compare(&x.0, &y.0).then(x.1.cmp(&y.1)));
    assert_eq!(all(bt, &desc), model);
    check_ok(bt, &desc);
    let i = |v: i32| vec![Datum::Int4(v)];
    let it = |v: i32, s: &str| vec![Datum::Int4(v), Datum::Text(s.into())];
    type Range = (Bound<Vec<Datum>>, Bound<Vec<Datum>>);
    let cases: Vec<Range> = vec![
        (Bound::Included(i(7)), Bound::Included(i(7))),
        (Bound::Excluded(i(7)), Bound::Excluded(i(10))),
        (Bound::Included(i(7)), Bound::Excluded(i(8))),
        (Bound::Unbounded, Bound::Included(i(3))),
        (Bound::Excluded(i(38)), Bound::Unbounded),
        (Bound::Included(it(5, "c2")), Bound::Included(it(5, "a2"))),
        (Bound::Excluded(it(5, "c2")), Bound::Excluded(it(6, "c0"))),
        (Bound::Included(i(100)), Bound::Unbounded),
        (Bound::Included(i(9)), Bound::Included(i(8))),
    ];
    for (lo, hi) in cases {
        let expect: Vec<_> = model
            .iter()
            .filter(|(k, _)| {
                let above = match &lo {
                    Bound::Included(b) => desc.compare(b, k) != std::cmp::Ordering::Greater,
                    Bound::Excluded(b) => desc.compare(b, k) == std::cmp::Ordering::Less,
                    Bound::Unbounded => true,
                };
                let below = match &hi {
                    Bound::Included(b) => desc.compare(b, k) != std::cmp::Ordering::Less,
                    Bound::Excluded(b) => desc.compare(b, k) == std::cmp::Ordering::Greater,
                    Bound::Unbounded => true,
                };
                above && below
            })
            .cloned()
            .collect();
        let got = collect(bt, &desc, lo.clone(), hi.clone(), ScanDirection::Forward);
        assert_eq!(got, expect, "{lo:?}..{hi:?}");
        let mut back = collect(bt, &desc, lo.clone(), hi.clone(), ScanDirection::Backward);
        back.reverse();
        assert_eq!(back, expect, "backward {lo:?}..{hi:?}");
    }
}

fn i8key(v: i64) -> Vec<Datum> {
    vec![Datum::Int8(v)]
}

/// Random int8 inserts with duplicates: the tree grows to several levels,
/// every entry is found, ranges match a model, `check` passes; then a
/// random half is bulk-deleted, and the emptied key ranges take new
/// entries.
#[test]
fn random_inserts_lookups_ranges_and_bulk_delete() {
    let (_dir, e) = engine();
    let bt = &e.btree;
    let desc = int8_desc();
    bt.create(IDX).unwrap();
    let n = env_size("BTREE_TEST_KEYS", 200_000) as u64;
    let mut rng = Rng::new("random_inserts");
    let mut model: BTreeMap<(i64, ItemPointer), ()> = BTreeMap::new();
    for i in 0..n {
        let k = rng.below(n / 2) as i64 - (n / 4) as i64;
        bt.insert(IDX, &desc, &i8key(k), tid(i), None).unwrap();
        model.insert((k, tid(i)), ());
    }
    assert!(root_level(bt) >= 2, "expected splits on several levels");
    check_ok(bt, &desc);
    let got: Vec<(i64, ItemPointer)> = all(bt, &desc)
        .into_iter()
        .map(|(k, t)| match k[0] {
            Datum::Int8(v) => (v, t),
            _ => panic!("not int8"),
        })
        .collect();
    let want: Vec<(i64, ItemPointer)> = model.keys().copied().collect();
    assert!(got == want, "full scan differs from the model");
    for _ in 0..200 {
        let k = rng.below(n / 2) as i64 - (n / 4) as i64;
        let hits = collect(
            bt,
            &desc,
            Bound::Included(i8key(k)),
            Bound::Included(i8key(k)),
            ScanDirection::Forward,
        );
        let expect: Vec<ItemPointer> = model
            .range((k, ItemPointer::default())..(k + 1, ItemPointer::default()))
            .map(|(x, _)| x.1)
            .collect();
        assert_eq!(
            hits.iter().map(|h| h.1).collect::<Vec<_>>(),
            expect,
            "lookup {k}"
        );
        let hi = k + rng.below(500) as i64;
        let range = collect(
            bt,
            &desc,
            Bound::Excluded(i8key(k)),
            Bound::Included(i8key(hi)),
            ScanDirection::Backward,
        );
        let expect = model
            .range((k + 1, ItemPointer::default())..(hi + 1, ItemPointer::default()))
            .count();
        assert_eq!(range.len(), expect, "range ({k}, {hi}]");
    }

    // Bulk delete a random half.
    let mut dead = std::collections::HashSet::new();
    for (k, t) in model.keys() {
        if rng.below(2) == 0 {
            dead.insert((*t, *k));
        }
    }
    let dead_tids: std::collections::HashSet<ItemPointer> = dead.iter().map(|d| d.0).collect();
    let stats = bt
        .bulk_delete(IDX, &mut |t| dead_tids.contains(&t))
        .unwrap();
    assert_eq!(stats.tuples_removed, dead.len() as u64);
    assert_eq!(stats.num_index_tuples, n - dead.len() as u64);
    check_ok(bt, &desc);
    for (t, k) in &dead {
        model.remove(&(*k, *t));
    }
    let got: Vec<(i64, ItemPointer)> = all(bt, &desc)
        .into_iter()
        .map(|(k, t)| match k[0] {
            Datum::Int8(v) => (v, t),
            _ => panic!("not int8"),
        })
        .collect();
    assert!(
        got == model.keys().copied().collect::<Vec<_>>(),
        "deleted entries remain or live ones went"
    );
    // Refill the emptied space: no new pages are needed for as many
    // entries as were removed from a key range that now has room.
    let pages_before = e.pool.nblocks(IDX, ForkNumber::Main).unwrap();
    for i in 0..(dead.len() as u64 / 4) {
        let k = rng.below(n / 2) as i64 - (n / 4) as i64;
        bt.insert(IDX, &desc, &i8key(k), tid(n + i), None).unwrap();
    }
    let pages_after = e.pool.nblocks(IDX, ForkNumber::Main).unwrap();
    assert!(
        pages_after.0 <= pages_before.0 + pages_before.0 / 20,
        "{pages_before} -> {pages_after}"
    );
    check_ok(bt, &desc);
}

/// A bottom-up build of many keys is fast and yields a valid tree.
#[test]
fn bulk_build_is_fast_and_valid() {
    let (_dir, e) = engine();
    let bt = &e.btree;
    let desc = int8_desc();
    bt.create(IDX).unwrap();
    let n = env_size("BTREE_BUILD_KEYS", 200_000) as u64;
    let mut rng = Rng::new("bulk_build");
    let mut keys: Vec<(Vec<Datum>, ItemPointer)> =
        (0..n).map(|i| (i8key(i as i64), tid(i))).collect();
    rng.shuffle(&mut keys);
    let start = std::time::Instant::now();
    bt.build(IDX, &desc, keys, true).unwrap();
    let took = start.elapsed();
    eprintln!("built {n} keys in {took:?}");
    assert!(
        took < std::time::Duration::from_secs(30),
        "build took {took:?}"
    );
    check_ok(bt, &desc);
    assert!(root_level(bt) >= 1);
    let got = collect(
        bt,
        &desc,
        Bound::Included(i8key(1000)),
        Bound::Excluded(i8key(1010)),
        ScanDirection::Forward,
    );
    assert_eq!(
        got.iter().map(|g| g.1).collect::<Vec<_>>(),
        (1000..1010).map(tid).collect::<Vec<_>>()
    );
    // Leaves are ~90% full: about 8144 * 0.9 / 20 bytes per entry each.
    let pages = e.pool.nblocks(IDX, ForkNumber::Main).unwrap().0 as u64;
    assert!(pages < n / 300, "{pages} pages for {n} keys");
    // Inserting after a build works, and a second build is refused.
    bt.insert(IDX, &desc, &i8key(-1), tid(n), None).unwrap();
    check_ok(bt, &desc);
    assert!(bt.build(IDX, &desc, vec![], false).is_err());

    // A unique build with a duplicate fails; NULLs do not count.
    let rel2 = RelFileLocator {
        db_oid: Oid(5),
        rel_number: Oid(70_100),
    };
    bt.create(rel2).unwrap();
    let nulls = vec![
        (vec![Datum::Null], tid(1)),
        (vec![Datum::Null], tid(2)),
        (i8key(1), tid(3)),
    ];
    bt.build(rel2, &desc, nulls, true).unwrap();
    bt.truncate(rel2).unwrap();
    let dup = vec![(i8key(1), tid(1)), (i8key(2), tid(2)), (i8key(1), tid(3))];
    match bt.build(rel2, &desc, dup, true) {
        Err(StorageError::UniqueViolation { key }) => assert_eq!(key, i8key(1)),
        other => panic!("expected a unique violation, got {other:?}"),
    }
}

/// Several threads insert while a scanner repeatedly reads everything:
/// each scan sees every pre-existing key exactly once, in order.
#[test]
fn concurrent_inserts_never_hide_or_repeat_entries() {
    let (_dir, e) = engine();
    let desc = int8_desc();
    e.btree.create(IDX).unwrap();
    let pre: Vec<(Vec<Datum>, ItemPointer)> =
        (0..20_000).map(|i| (i8key(i * 4), tid(i as u64))).collect();
    e.btree.build(IDX, &desc, pre, false).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut handles = Vec::new();
    for t in 0..3i64 {
        let e = e.clone();
        let desc = desc.clone();
        handles.push(std::thread::spawn(move || {
            for i in 0..8_000i64 {
                // Keys between the pre-existing ones and duplicates of
                // them (ordered after them by their larger TIDs), in an
                // order that splits pages all over the tree.
                let k = ((i * 7919) % 20_000) * 4 + if i % 3 == 0 { 0 } else { t + 1 };
                e.btree
                    .insert(
                        IDX,
                        &desc,
                        &i8key(k),
                        tid(1_000_000 + (t * 10_000 + i) as u64),
                        None,
                    )
                    .unwrap();
            }
        }));
    }
    let scanner = {
        let e = e.clone();
        let desc = desc.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut scans = 0;
            while !stop.load(std::sync::atomic::Ordering::Acquire) || scans < 2 {
                for dir in [ScanDirection::Forward, ScanDirection::Backward] {
                    let mut s = e
                        .btree
                        .scan(IDX, &desc, Bound::Unbounded, Bound::Unbounded, dir)
                        .unwrap();
                    let mut pre_seen = 0i64;
                    let mut last: Option<i64> = None;
                    while let Some((tid_seen, k)) = s.next().unwrap() {
                        let Datum::Int8(v) = k[0] else {
                            panic!("not int8")
                        };
                        if let Some(l) = last {
                            match dir {
                                ScanDirection::Forward => assert!(l <= v, "{l} then {v}"),
                                ScanDirection::Backward => assert!(l >= v, "{l} then {v}"),
                            }
                        }
                        last = Some(v);
                        if tid_seen < tid(1_000_000) {
                            let expect = match dir {
                                ScanDirection::Forward => pre_seen * 4,
                                ScanDirection::Backward => (19_999 - pre_seen) * 4,
                            };
                            assert_eq!(v, expect, "pre-existing key missed or repeated");
                            pre_seen += 1;
                        }
                    }
                    assert_eq!(pre_seen, 20_000);
                }
                scans += 1;
            }
            scans
        })
    };
    for h in handles {
        h.join().expect("inserter");
    }
    stop.store(true, std::sync::atomic::Ordering::Release);
    let scans = scanner.join().expect("scanner");
    eprintln!("{scans} full scans ran during the inserts");
    assert_eq!(all(&e.btree, &desc).len(), 20_000 + 3 * 8_000);
    check_ok(&e.btree, &desc);
}

/// A heap row with an int4 value, and its index entry, inserted by `t`.
fn heap_row(e: &Engine, t: &mut TransactionState, v: i32) -> ItemPointer {
    let xid = t.assign_xid(&e.txns).unwrap();
    let mut tup = Vec::new();
    form_tuple(
        &TupleDesc::new([SqlType::new(TypeOid::INT4)]),
        &[Datum::Int4(v)],
        &mut tup,
    )
    .unwrap();
    e.heap.insert(HEAP, &mut tup, xid, t.curcid()).unwrap()
}

fn unique_insert(e: &Engine, t: &TransactionState, v: i32, at: ItemPointer) -> Result<()> {
    let wait = LockWait::default();
    let desc = IndexKeyDesc {
        columns: vec![IndexColumn::asc(SqlType::new(TypeOid::INT4))],
    };
    let key = if v < 0 {
        vec![Datum::Null]
    } else {
        vec![Datum::Int4(v)]
    };
    e.btree.insert(
        IDX,
        &desc,
        &key,
        at,
        Some(UniqueCheck {
            heap: HEAP,
            own: t.own_xids(),
            owner: t.owner(),
            wait: &wait,
        }),
    )
}

fn begin(owner: u64) -> TransactionState {
    let mut t = TransactionState::new(OwnerId(owner));
    t.begin().unwrap();
    t
}

#[test]
fn unique_checks_judge_heap_rows_like_postgres() {
    let (_dir, e) = engine();
    e.heap.create_relation(HEAP).unwrap();
    e.btree.create(IDX).unwrap();

    // A committed live row conflicts.
    let mut t1 = begin(1);
    let a = heap_row(&e, &mut t1, 1);
    unique_insert(&e, &t1, 1, a).unwrap();
    t1.commit(&e.txns).unwrap();
    let mut t2 = begin(2);
    let b = heap_row(&e, &mut t2, 1);
    match unique_insert(&e, &t2, 1, b) {
        Err(StorageError::UniqueViolation { key }) => assert_eq!(key, vec![Datum::Int4(1)]),
        other => panic!("expected a unique violation, got {other:?}"),
    }
    t2.abort(&e.txns).unwrap();

    // Deleted and committed: no conflict.
    let mut t3 = begin(3);
    let wait = LockWait::default();
    let xid = t3.assign_xid(&e.txns).unwrap();
    let w = Writer {
        xid,
        cid: t3.curcid(),
        own: t3.own_xids(),
        owner: t3.owner(),
        wait: &wait,
    };
    e.heap.delete(HEAP, a, &w).unwrap();
    t3.commit(&e.txns).unwrap();
    let mut t4 = begin(4);
    let c = heap_row(&e, &mut t4, 1);
    unique_insert(&e, &t4, 1, c).unwrap();
    t4.commit(&e.txns).unwrap();

    // Deleted by my own transaction: no conflict; my own live row: conflict.
    let mut t5 = begin(5);
    let xid = t5.assign_xid(&e.txns).unwrap();
    let w = Writer {
        xid,
        cid: t5.curcid(),
        own: t5.own_xids(),
        owner: t5.owner(),
        wait: &wait,
    };
    e.heap.delete(HEAP, c, &w).unwrap();
    t5.command_counter_increment();
    let d = heap_row(&e, &mut t5, 1);
    unique_insert(&e, &t5, 1, d).unwrap();
    let d2 = heap_row(&e, &mut t5, 1);
    assert!(matches!(
        unique_insert(&e, &t5, 1, d2),
        Err(StorageError::UniqueViolation { .. })
    ));
    t5.commit(&e.txns).unwrap();

    // NULLs never conflict.
    let mut t6 = begin(6);
    for _ in 0..3 {
        let r = heap_row(&e, &mut t6, 0);
        unique_insert(&e, &t6, -1, r).unwrap();
    }
    t6.commit(&e.txns).unwrap();

    // An in-progress insert: the second inserter waits, then fails if the
    // first commits, succeeds if it aborts.
    for commit in [true, false] {
        let v = if commit { 10 } else { 11 };
        let mut t7 = begin(7);
        let r = heap_row(&e, &mut t7, v);
        unique_insert(&e, &t7, v, r).unwrap();
        let e2 = e.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let mut t8 = begin(8);
            let r = heap_row(&e2, &mut t8, v);
            tx.send(()).unwrap();
            let res = unique_insert(&e2, &t8, v, r);
            t8.abort(&e2.txns).unwrap();
            res
        });
        rx.recv().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!waiter.is_finished(), "the second inserter must wait");
        if commit {
            t7.commit(&e.txns).unwrap();
        } else {
            t7.abort(&e.txns).unwrap();
        }
        let res = waiter.join().expect("waiter");
        if commit {
            assert!(
                matches!(res, Err(StorageError::UniqueViolation { .. })),
                "{res:?}"
            );
        } else {
            res.expect("the first inserter aborted");
        }
    }
    let desc = IndexKeyDesc {
        columns: vec![IndexColumn::asc(SqlType::new(TypeOid::INT4))],
    };
    check_ok(&e.btree, &desc);
}

/// Unique checks across many equal keys spread over several leaves.
#[test]
fn unique_check_spans_pages_of_dead_duplicates() {
    let (_dir, e) = engine();
    e.heap.create_relation(HEAP).unwrap();
    e.btree.create(IDX).unwrap();
    // 1000 aborted rows with key 7, and 1000 entries whose heap rows are
    // gone (past the end of the heap): all dead, over several leaves.
    let desc = IndexKeyDesc {
        columns: vec![IndexColumn::asc(SqlType::new(TypeOid::INT4))],
    };
    let mut t = begin(1);
    for _ in 0..1000 {
        let r = heap_row(&e, &mut t, 7);
        e.btree
            .insert(IDX, &desc, &[Datum::Int4(7)], r, None)
            .unwrap();
    }
    t.abort(&e.txns).unwrap();
    let mut t = begin(2);
    for i in 0..1000u64 {
        let r = ItemPointer::new(
            BlockNumber(10_000 + (i / 100) as u32),
            OffsetNumber((i % 100) as u16 + 1),
        );
        e.btree
            .insert(IDX, &desc, &[Datum::Int4(7)], r, None)
            .unwrap();
    }
    assert!(root_level(&e.btree) >= 1);
    let r = heap_row(&e, &mut t, 7);
    unique_insert(&e, &t, 7, r).unwrap();
    t.commit(&e.txns).unwrap();
    let mut t = begin(3);
    let r = heap_row(&e, &mut t, 7);
    assert!(matches!(
        unique_insert(&e, &t, 7, r),
        Err(StorageError::UniqueViolation { .. })
    ));
    t.abort(&e.txns).unwrap();
}

/// Inserts with splits on several levels through the engine, a checkpoint
/// in the middle, a crash; recovery restores every committed entry, and a
/// torn index page is repaired from its full-page image.
#[test]
fn crash_recovery_restores_the_index_and_repairs_torn_pages() {
    let dir = tempfile::tempdir().unwrap();
    let desc = int8_desc();
    let e = open(dir.path(), 256);
    e.btree.create(IDX).unwrap();
    let n = 120_000u64;
    for i in 0..n / 2 {
        e.btree
            .insert(IDX, &desc, &i8key((i * 7919 % n) as i64), tid(i), None)
            .unwrap();
    }
    e.checkpoint().unwrap();
    let redo = wal::ControlFile::read(dir.path()).unwrap().unwrap().redo;
    for i in n / 2..n {
        e.btree
            .insert(IDX, &desc, &i8key((i * 7919 % n) as i64), tid(i), None)
            .unwrap();
    }
    assert!(root_level(&e.btree) >= 2);
    // Pages changed since the checkpoint: their first change logged an image.
    let nblocks = e.pool.nblocks(IDX, ForkNumber::Main).unwrap().0;
    let mut changed = Vec::new();
    for b in 0..nblocks {
        let buf = e
            .pool
            .read_buffer(IDX, ForkNumber::Main, BlockNumber(b), None)
            .unwrap();
        if crate::page::lsn(&buf.read()) > redo {
            changed.push(b);
        }
    }
    assert!(changed.len() > 10);
    // "Commit": make the WAL durable, write some pages, crash.
    e.xlog.flush(e.xlog.writer().insert_lsn()).unwrap();
    e.pool.flush_all().unwrap();
    e.crash();
    // Tear half of the changed pages (second half of each page garbage).
    let path = dir
        .path()
        .join(crate::smgr::Smgr::relative_path(IDX, ForkNumber::Main, 0));
    let mut bytes = std::fs::read(&path).unwrap();
    for b in changed.iter().step_by(2) {
        let start = *b as usize * crate::page::BLCKSZ;
        for x in &mut bytes[start + crate::page::BLCKSZ / 2..start + crate::page::BLCKSZ] {
            *x = 0xA5;
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    let e = open(dir.path(), 256);
    check_ok(&e.btree, &desc);
    let got = all(&e.btree, &desc);
    assert_eq!(got.len() as u64, n);
    let mut tid_of = vec![ItemPointer::default(); n as usize];
    for j in 0..n {
        tid_of[(j * 7919 % n) as usize] = tid(j);
    }
    for (i, (k, t)) in got.iter().enumerate() {
        assert_eq!(k, &i8key(i as i64));
        assert_eq!(*t, tid_of[i]);
    }
}

/// waldump lines for BTREE records.
#[test]
fn waldump_describes_btree_records() {
    let dir = tempfile::tempdir().unwrap();
    let desc = int8_desc();
    let e = open(dir.path(), 256);
    e.btree.create(IDX).unwrap();
    for i in 0..2000 {
        e.btree
            .insert(IDX, &desc, &i8key(i), tid(i as u64), None)
            .unwrap();
    }
    e.btree.bulk_delete(IDX, &mut |t| t.offset.0 < 10).unwrap();
    e.xlog.flush(e.xlog.writer().insert_lsn()).unwrap();
    let mut out = Vec::new();
    crate::recovery::waldump(dir.path(), None, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "desc: NEWPAGES 1",
        "desc: INSERT_LEAF off ",
        "desc: SPLIT_R level 0",
        "desc: NEWROOT lev 1",
        "desc: VACUUM ndeleted ",
        "desc: INSERT_UPPER off ",
    ] {
        assert!(text.contains(needle), "no {needle:?} in waldump output");
    }
}

/// A crash after a split's record but before its downlink's: the WAL is
/// cut right after a leaf split, so recovery leaves a leaf that only its
/// left sibling's right-link reaches. Searches still find everything,
/// `check` accepts it, and later inserts (splitting that leaf again)
/// keep the tree correct.
#[test]
fn a_crash_between_a_split_and_its_downlink_leaves_a_correct_tree() {
    split_crash_case(false);
    // With one key throughout, only the heap TID orders entries: moving
    // right past the downlink-less leaf compares TIDs with its high key.
    split_crash_case(true);
}

fn split_crash_case(dup: bool) {
    let key = |i: i64| if dup { i8key(7) } else { i8key(i) };
    use super::xlog::{
        XLOG_BTREE_INSERT_UPPER, XLOG_BTREE_NEWROOT, XLOG_BTREE_SPLIT_L, XLOG_BTREE_SPLIT_R,
    };
    let dir = tempfile::tempdir().unwrap();
    let desc = int8_desc();
    let e = open(dir.path(), 256);
    e.btree.create(IDX).unwrap();
    e.checkpoint().unwrap();
    for i in 0..3000 {
        e.btree
            .insert(IDX, &desc, &key(i), tid(i as u64), None)
            .unwrap();
    }
    e.xlog.flush(e.xlog.writer().insert_lsn()).unwrap();
    e.crash();

    // Find the last leaf split followed by its downlink insertion.
    let control = wal::ControlFile::read(dir.path()).unwrap().unwrap();
    let wal_dir = crate::recovery::wal_dir(dir.path());
    let mut reader = wal::WalReader::new(&wal_dir, control.timeline, control.redo);
    let mut prev: Option<wal::DecodedRecord> = None;
    let mut cut = None;
    let mut leaf_entries_before_cut = 0;
    let mut leaf_entries = 0;
    while let Some(r) = reader.next_record().unwrap() {
        let btree = r.record.rmid == wal::rmgr::RM_BTREE_ID;
        if let Some(p) = &prev
            && btree
            && r.record.info == XLOG_BTREE_INSERT_UPPER
            && matches!(p.record.info, XLOG_BTREE_SPLIT_L | XLOG_BTREE_SPLIT_R)
        {
            cut = Some(p.end_lsn);
            leaf_entries_before_cut = leaf_entries;
        }
        // Records that put one entry into a leaf: leaf inserts and splits
        // of leaves (the split level is in the main data; after the new
        // root's level for NEWROOT).
        let m = &r.record.main_data;
        let level_at = |o: usize| u32::from_le_bytes([m[o], m[o + 1], m[o + 2], m[o + 3]]);
        leaf_entries += usize::from(match r.record.info {
            _ if !btree => false,
            0x00 => true,
            XLOG_BTREE_SPLIT_L | XLOG_BTREE_SPLIT_R => level_at(0) == 0,
            XLOG_BTREE_NEWROOT => level_at(4) == 0,
            _ => false,
        });
        prev = Some(r);
    }
    let cut = cut.expect("a leaf split with a downlink insertion");
    let path = wal::segment::segment_path(&wal_dir, control.timeline, wal::segment::SegNo::of(cut));
    let mut bytes = std::fs::read(&path).unwrap();
    let off = wal::segment::segment_offset(cut) as usize;
    bytes[off..].fill(0);
    std::fs::write(&path, &bytes).unwrap();

    let e = open(dir.path(), 256);
    // One leaf more than the root has downlinks.
    let m = e.btree.read_meta(IDX).unwrap();
    assert_eq!(m.level, 1);
    let downlinks = {
        let buf = e
            .pool
            .read_buffer(IDX, ForkNumber::Main, m.root, None)
            .unwrap();
        crate::page::max_offset_number(&buf.read())
    };
    let mut leaves = 0;
    let mut blk = e.btree.leftmost_leaf(IDX).unwrap();
    while blk != BlockNumber::INVALID {
        leaves += 1;
        let buf = e
            .pool
            .read_buffer(IDX, ForkNumber::Main, blk, None)
            .unwrap();
        blk = super::page::opaque(&buf.read()).unwrap().next;
    }
    assert_eq!(leaves, downlinks + 1);
    check_ok(&e.btree, &desc);
    let got = all(&e.btree, &desc);
    assert_eq!(got.len(), leaf_entries_before_cut);
    assert!(
        got.iter()
            .enumerate()
            .all(|(i, (k, t))| *k == key(i as i64) && *t == tid(i as u64))
    );
    // The downlink-less leaf and its neighbours keep taking entries.
    let n = got.len() as i64;
    for i in n..n + 3000 {
        e.btree
            .insert(IDX, &desc, &key(i), tid(i as u64), None)
            .unwrap();
    }
    for i in (0..n).step_by(3) {
        e.btree
            .insert(IDX, &desc, &key(i), tid(100_000 + i as u64), None)
            .unwrap();
    }
    check_ok(&e.btree, &desc);
    let got = all(&e.btree, &desc);
    assert_eq!(got.len() as i64, n + 3000 + (n + 2) / 3);
    for i in [0, n / 2, n - 1, n, n + 2999] {
        let hits = collect(
            &e.btree,
            &desc,
            Bound::Included(key(i)),
            Bound::Included(key(i)),
            ScanDirection::Forward,
        );
        assert!(!hits.is_empty(), "key {i} not found");
    }
}

/// An index created, filled and truncated after the last checkpoint is
/// rebuilt by replay alone: SMGR CREATE, the page images of create and
/// build, then inserts; a truncation and rebuild replay the same way.
#[test]
fn an_index_created_after_the_checkpoint_is_replayed_from_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let desc = int8_desc();
    let e = open(dir.path(), 256);
    let rel2 = RelFileLocator {
        db_oid: Oid(5),
        rel_number: Oid(70_200),
    };
    e.btree.create(IDX).unwrap();
    e.btree
        .build(
            IDX,
            &desc,
            (0..5000).map(|i| (i8key(i), tid(i as u64))).collect(),
            true,
        )
        .unwrap();
    for i in 5000..6000 {
        e.btree
            .insert(IDX, &desc, &i8key(i), tid(i as u64), None)
            .unwrap();
    }
    e.btree.create(rel2).unwrap();
    e.btree
        .insert(rel2, &desc, &i8key(1), tid(1), None)
        .unwrap();
    e.btree.truncate(rel2).unwrap();
    e.btree
        .build(
            rel2,
            &desc,
            (0..300).map(|i| (i8key(i), tid(i as u64))).collect(),
            false,
        )
        .unwrap();
    e.xlog.flush(e.xlog.writer().insert_lsn()).unwrap();
    e.crash();
    let e = open(dir.path(), 256);
    check_ok(&e.btree, &desc);
    assert_eq!(all(&e.btree, &desc).len(), 6000);
    e.btree.check(rel2, &desc, &mut |_| Ok(true)).unwrap();
    let mut s = e
        .btree
        .scan(
            rel2,
            &desc,
            Bound::Unbounded,
            Bound::Unbounded,
            ScanDirection::Forward,
        )
        .unwrap();
    let mut n = 0;
    while s.next().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 300);
}
