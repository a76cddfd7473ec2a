//! Results of a benchmark run: the values per metric, system and round; the
//! medians, spreads and ratios computed from them; the table as Markdown
//! and as JSON.
//!
//! Everything here is pure (no I/O but the final file writes), so the
//! arithmetic and the formats are unit-tested in `tests/tests/bench.rs`.
//!
//! # ORIENTATION
//!
//! Each metric says which way is better ([`Better`]). The ratio is always
//! "how many times better heapgres is": for throughput heapgres /
//! PostgreSQL, for times, sizes and memory PostgreSQL / heapgres. A ratio of
//! 0.5 means heapgres is half as good, whichever the unit.

use std::path::Path;

use serde_json::{Value, json};

use super::{BenchError, System};

/// Which direction of a metric is good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Throughput: transactions or rows per second.
    Higher,
    /// Elapsed time, bytes on disk, resident memory.
    Lower,
}

impl Better {
    fn word(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
        }
    }
}

/// A metric a workload reports: its row in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    /// The row label, `workload: what` (e.g. `pgbench: TPC-B -c 1 simple`).
    pub name: &'static str,
    /// The unit of the figures (`tps`, `s`, `MiB`, ...).
    pub unit: &'static str,
    /// Which way is better.
    pub better: Better,
}

/// Median, minimum and maximum of one system's values across rounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The middle value (mean of the two middle ones for an even count).
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// Summarises values; `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some(Summary {
        median,
        min: v[0],
        max: v[n - 1],
    })
}

/// The ratio oriented so that > 1 means heapgres is better (see the module
/// docs); `None` when the divisor is zero.
pub fn ratio(better: Better, postgres: f64, heapgres: f64) -> Option<f64> {
    let (num, den) = match better {
        Better::Higher => (heapgres, postgres),
        Better::Lower => (postgres, heapgres),
    };
    (den != 0.0).then(|| num / den)
}

/// Formats a figure with three significant digits or more (no exponent):
/// `12345`, `123`, `12.3`, `1.23`, `0.0123`.
pub fn fmt_figure(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        // Enough decimals for three significant digits.
        let decimals = (-a.log10()).floor() as usize + 3;
        format!("{x:.decimals$}")
    }
}

/// One system's values for one metric.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Side {
    /// One value per round that succeeded.
    pub values: Vec<f64>,
    /// The first failure, if any round failed (the reason printed).
    pub skipped: Option<String>,
}

impl Side {
    /// The cell shown in the table: the median, or `skipped`.
    fn cell(&self) -> String {
        match summarize(&self.values) {
            Some(s) => fmt_figure(s.median),
            None if self.skipped.is_some() => "skipped".into(),
            None => "–".into(),
        }
    }

    /// The spread shown in the table: `min–max`, or empty.
    fn spread(&self) -> String {
        match summarize(&self.values) {
            Some(s) if self.values.len() > 1 => {
                format!("{}–{}", fmt_figure(s.min), fmt_figure(s.max))
            }
            _ => String::new(),
        }
    }

    fn json(&self) -> Value {
        let mut o = serde_json::Map::new();
        o.insert("values".into(), json!(self.values));
        if let Some(s) = summarize(&self.values) {
            o.insert("median".into(), json!(s.median));
            o.insert("min".into(), json!(s.min));
            o.insert("max".into(), json!(s.max));
        }
        if let Some(r) = &self.skipped {
            o.insert("skipped".into(), json!(r));
        }
        Value::Object(o)
    }
}

/// One row of the table: a metric and both systems' values.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// What is measured.
    pub metric: Metric,
    /// PostgreSQL's values.
    pub postgres: Side,
    /// heapgres's values.
    pub heapgres: Side,
}

impl Row {
    /// The ratio of the medians, when both systems have values.
    pub fn ratio(&self) -> Option<f64> {
        let pg = summarize(&self.postgres.values)?;
        let hg = summarize(&self.heapgres.values)?;
        ratio(self.metric.better, pg.median, hg.median)
    }
}

/// Everything measured in a run, rows in first-recorded order.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// The rows of the table.
    pub rows: Vec<Row>,
}

impl Results {
    /// Records one round's outcome of `metric` on `system`; a failure is
    /// printed (once per metric and system) and kept as the skip reason.
    pub fn record(&mut self, system: System, metric: Metric, outcome: Result<f64, BenchError>) {
        let i = match self.rows.iter().position(|r| r.metric.name == metric.name) {
            Some(i) => i,
            None => {
                self.rows.push(Row {
                    metric,
                    postgres: Side::default(),
                    heapgres: Side::default(),
                });
                self.rows.len() - 1
            }
        };
        let side = match system {
            System::Postgres => &mut self.rows[i].postgres,
            System::Heapgres => &mut self.rows[i].heapgres,
        };
        match outcome {
            Ok(v) => {
                println!(
                    "    {:<10} {:<44} {} {}",
                    system.name(),
                    metric.name,
                    fmt_figure(v),
                    metric.unit
                );
                side.values.push(v);
            }
            Err(e) => {
                if side.skipped.is_none() {
                    println!("    {:<10} {:<44} skipped: {e}", system.name(), metric.name);
                    side.skipped = Some(e.0);
                }
            }
        }
    }

    /// Records the same failure for each of `metrics` (a workload whose
    /// setup failed).
    pub fn record_all(&mut self, system: System, metrics: &[Metric], e: &BenchError) {
        for m in metrics {
            self.record(system, *m, Err(e.clone()));
        }
    }

    /// The table as Markdown: one row per metric, then the skip reasons.
    pub fn markdown(&self) -> String {
        let mut s = String::from(
            "| workload | PostgreSQL | heapgres | unit | better | ratio (>1: heapgres better) | spread PostgreSQL | spread heapgres |\n\
             |---|---:|---:|---|---|---:|---:|---:|\n",
        );
        for r in &self.rows {
            let ratio = r.ratio().map(|x| format!("{x:.2}")).unwrap_or_default();
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.metric.name,
                r.postgres.cell(),
                r.heapgres.cell(),
                r.metric.unit,
                r.metric.better.word(),
                ratio,
                r.postgres.spread(),
                r.heapgres.spread(),
            ));
        }
        let skips: Vec<String> = self
            .rows
            .iter()
            .flat_map(|r| {
                [
                    (System::Postgres, &r.postgres),
                    (System::Heapgres, &r.heapgres),
                ]
                .into_iter()
                .filter_map(move |(sys, side)| {
                    side.skipped
                        .as_ref()
                        .map(|why| format!("- {} on {}: {}\n", r.metric.name, sys.name(), why))
                })
            })
            .collect();
        if !skips.is_empty() {
            s.push_str("\nSkipped or failed:\n\n");
            for line in skips {
                s.push_str(&line);
            }
        }
        s
    }

    /// The run as JSON: `meta` (date, commit, machine, settings) and the rows.
    pub fn json(&self, meta: Value) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({
                    "workload": r.metric.name,
                    "unit": r.metric.unit,
                    "better": r.metric.better.word(),
                    "postgres": r.postgres.json(),
                    "heapgres": r.heapgres.json(),
                    "ratio": r.ratio(),
                })
            })
            .collect();
        json!({ "meta": meta, "rows": rows })
    }

    /// Writes `bench.md` (a header line from `meta`, then the table) and
    /// `bench.json` into `dir`, creating it.
    pub fn write(&self, dir: &Path, header: &str, meta: Value) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("bench.md"),
            format!("{header}\n\n{}", self.markdown()),
        )?;
        let text = serde_json::to_string_pretty(&self.json(meta))
            .expect("a JSON value built from strings and numbers serializes");
        std::fs::write(dir.join("bench.json"), text + "\n")
    }
}
