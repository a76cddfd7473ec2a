//! The benchmark tool's pure parts: pgbench output parsing, medians, ratios
//! and spreads, the Markdown and JSON writers, relation file names. The
//! benchmark itself is not run here: it reports, it does not pass or fail.

use serde_json::json;
use tests::bench::pgbench::{error_text, parse_tps};
use tests::bench::report::{Better, Metric, Results, fmt_figure, ratio, summarize};
use tests::bench::server::{is_relation_file, parse_vm_rss};
use tests::bench::{BenchError, Lcg, System};

const PGBENCH_OUTPUT: &str = "\
pgbench (15.8 (Debian 15.8-1.pgdg120+1))
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 10
query mode: prepared
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 30 s
number of transactions actually processed: 61234
number of failed transactions: 0 (0.000%)
latency average = 3.919 ms
initial connection time = 12.345 ms
tps = 2041.233817 (without initial connection time)
";

#[test]
fn pgbench_tps_line() {
    assert_eq!(parse_tps(PGBENCH_OUTPUT), Some(2041.233817));
    assert_eq!(
        parse_tps("tps = 12.5 (including connections establishing)\n"),
        None
    );
    assert_eq!(parse_tps("pgbench: error: connection refused\n"), None);
}

#[test]
fn pgbench_error_lines() {
    let stderr = "dropping old tables...\n\
                  creating tables...\n\
                  pgbench: error: query failed: ERROR:  VACUUM is not supported\n\
                  pgbench: detail: Query was: vacuum analyze pgbench_branches\n";
    assert_eq!(
        error_text(stderr),
        "pgbench: error: query failed: ERROR:  VACUUM is not supported"
    );
    assert_eq!(error_text("something odd\nlast words\n"), "last words");
    assert_eq!(error_text(""), "pgbench failed");
}

#[test]
fn medians_and_spread() {
    let s = summarize(&[3.0, 1.0, 2.0]).expect("values");
    assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
    let s = summarize(&[4.0, 1.0, 2.0, 10.0]).expect("values");
    assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
    assert_eq!(summarize(&[]), None);
}

#[test]
fn ratios_are_oriented_so_above_one_is_heapgres_better() {
    // Throughput: heapgres / PostgreSQL.
    assert_eq!(ratio(Better::Higher, 1000.0, 500.0), Some(0.5));
    // Times and sizes: PostgreSQL / heapgres.
    assert_eq!(ratio(Better::Lower, 2.0, 4.0), Some(0.5));
    assert_eq!(ratio(Better::Lower, 4.0, 2.0), Some(2.0));
    assert_eq!(ratio(Better::Higher, 0.0, 5.0), None);
    assert_eq!(ratio(Better::Lower, 1.0, 0.0), None);
}

#[test]
fn figures_keep_three_significant_digits() {
    assert_eq!(fmt_figure(12345.678), "12346");
    assert_eq!(fmt_figure(123.4), "123");
    assert_eq!(fmt_figure(12.34), "12.3");
    assert_eq!(fmt_figure(1.234), "1.23");
    assert_eq!(fmt_figure(0.01234), "0.0123");
    assert_eq!(fmt_figure(0.0), "0");
}

const TPS: Metric = Metric {
    name: "pgbench: TPC-B",
    unit: "tps",
    better: Better::Higher,
};
const TIME: Metric = Metric {
    name: "recovery",
    unit: "s",
    better: Better::Lower,
};

fn sample() -> Results {
    let mut r = Results::default();
    for (pg, hg) in [(100.0, 50.0), (120.0, 40.0), (110.0, 60.0)] {
        r.record(System::Postgres, TPS, Ok(pg));
        r.record(System::Heapgres, TPS, Ok(hg));
    }
    r.record(System::Postgres, TIME, Ok(2.0));
    r.record(
        System::Heapgres,
        TIME,
        Err(BenchError("0A000: VACUUM is not supported".into())),
    );
    r.record(
        System::Heapgres,
        TIME,
        Err(BenchError("a later failure is not kept".into())),
    );
    r
}

#[test]
fn markdown_table() {
    let md = sample().markdown();
    let expected = "\
| workload | PostgreSQL | heapgres | unit | better | ratio (>1: heapgres better) | spread PostgreSQL | spread heapgres |
|---|---:|---:|---|---|---:|---:|---:|
| pgbench: TPC-B | 110 | 50.0 | tps | higher | 0.45 | 100–120 | 40.0–60.0 |
| recovery | 2.00 | skipped | s | lower |  |  |  |

Skipped or failed:

- recovery on heapgres: 0A000: VACUUM is not supported
";
    assert_eq!(md, expected);
}

#[test]
fn json_report() {
    let j = sample().json(json!({"date": "2026-11-22"}));
    assert_eq!(j["meta"]["date"], "2026-11-22");
    let rows = j["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["workload"], "pgbench: TPC-B");
    assert_eq!(rows[0]["better"], "higher");
    assert_eq!(rows[0]["postgres"]["values"], json!([100.0, 120.0, 110.0]));
    assert_eq!(rows[0]["postgres"]["median"], json!(110.0));
    assert_eq!(rows[0]["heapgres"]["min"], json!(40.0));
    let r = rows[0]["ratio"].as_f64().expect("ratio");
    assert!((r - 50.0 / 110.0).abs() < 1e-12);
    assert_eq!(rows[1]["ratio"], json!(null));
    assert_eq!(
        rows[1]["heapgres"]["skipped"],
        "0A000: VACUUM is not supported"
    );
}

#[test]
fn report_files_are_written() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = dir.path().join("bench");
    sample()
        .write(&out, "Quick run", json!({"quick": true}))
        .expect("write the report");
    let md = std::fs::read_to_string(out.join("bench.md")).expect("bench.md");
    assert!(md.starts_with("Quick run\n\n| workload |"));
    let text = std::fs::read_to_string(out.join("bench.json")).expect("bench.json");
    let j: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(j["meta"]["quick"], true);
}

#[test]
fn relation_files_and_rss() {
    for name in ["16384", "16384.1", "16384_fsm", "16384_vm", "16384_fsm.2"] {
        assert!(is_relation_file(name, "16384"), "{name}");
    }
    for name in ["163841", "16384.", "16384_x", "1638", "16384.a"] {
        assert!(!is_relation_file(name, "16384"), "{name}");
    }
    let status = "Name:\tpostgres\nVmPeak:\t  300 kB\nVmRSS:\t   2048 kB\nThreads:\t1\n";
    assert_eq!(parse_vm_rss(status), Some(2048 * 1024));
    assert_eq!(parse_vm_rss("Name:\tx\n"), None);
}

#[test]
fn key_sequence_is_fixed_and_in_range() {
    let a: Vec<u64> = {
        let mut g = Lcg(42);
        (0..1000).map(|_| g.next_in(100)).collect()
    };
    let mut g = Lcg(42);
    let b: Vec<u64> = (0..1000).map(|_| g.next_in(100)).collect();
    assert_eq!(a, b);
    assert!(a.iter().all(|k| (1..=100).contains(k)));
}
