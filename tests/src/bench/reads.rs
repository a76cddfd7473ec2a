//! Reads over a table of `<rows>` rows, loaded by COPY before any clock
//! starts:
//!
//! ```text
//!   bench_reads (id int PRIMARY KEY, t text, ts timestamp, grp int)
//!                grp = id % 100; t and ts as in the bulk load
//!   bench_groups (grp int, name text)           100 rows
//!
//!   count        select count(*) from bench_reads
//!   aggregate    select grp, count(*), sum(id), avg(id) from bench_reads
//!                group by grp
//!   lookups      select t from bench_reads where id = $1     prepared once,
//!                <lookups> executions, keys from a fixed pseudo-random
//!                sequence (the same on both systems); needs the PRIMARY KEY
//!   report       bench_reads join bench_groups on grp, group by name,
//!                count, sum, avg(length(t)), order by name
//! ```
//!
//! Each query runs once to warm the cache and then three times; the figure
//! is the fastest of the three, in milliseconds. Where PRIMARY KEY is
//! missing the table is created without it and only the lookups are
//! skipped.

use std::time::{Duration, Instant};

use super::bulk::{copy_chunks, copy_in};
use super::report::{Better, Metric, Results};
use super::server::Server;
use super::{BenchError, BenchResult, Config, Lcg};

const fn ms(name: &'static str) -> Metric {
    Metric {
        name,
        unit: "ms",
        better: Better::Lower,
    }
}

/// Full-table count.
pub const COUNT: Metric = ms("reads: count(*) full table");
/// Aggregate with GROUP BY.
pub const AGGREGATE: Metric = ms("reads: sum/avg GROUP BY (100 groups)");
/// Point lookups through the primary key.
pub const LOOKUPS: Metric = Metric {
    name: "reads: primary-key lookups, prepared",
    unit: "lookups/s",
    better: Better::Higher,
};
/// Join and GROUP BY report.
pub const REPORT: Metric = ms("reads: join + GROUP BY report");

const ALL: [Metric; 4] = [COUNT, AGGREGATE, LOOKUPS, REPORT];

/// Creates and loads the tables; whether the primary key is there, or why
/// not.
async fn setup(client: &tokio_postgres::Client, rows: u64) -> BenchResult<Result<(), BenchError>> {
    client
        .batch_execute("drop table if exists bench_reads, bench_groups")
        .await?;
    let with_key = client
        .batch_execute(
            "create table bench_reads (id int primary key, t text, ts timestamp, grp int)",
        )
        .await;
    let key = match with_key {
        Ok(()) => Ok(()),
        Err(e) => {
            client
                .batch_execute("create table bench_reads (id int, t text, ts timestamp, grp int)")
                .await?;
            Err(BenchError(format!(
                "needs PRIMARY KEY: {}",
                BenchError::from(e)
            )))
        }
    };
    copy_in(
        client,
        "bench_reads",
        &copy_chunks(rows, |id| vec![id % 100]),
    )
    .await?;
    client
        .batch_execute("create table bench_groups (grp int, name text)")
        .await?;
    let groups: String = (0..100).map(|g| format!("{g}\tgroup {g:03}\n")).collect();
    copy_in(client, "bench_groups", &[groups.into()]).await?;
    Ok(key)
}

/// Fastest of three runs of `sql` after one warm-up, in milliseconds.
async fn time_query(client: &tokio_postgres::Client, sql: &str) -> BenchResult<f64> {
    client.simple_query(sql).await?;
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t0 = Instant::now();
        client.simple_query(sql).await?;
        best = best.min(t0.elapsed());
    }
    Ok(best.as_secs_f64() * 1000.0)
}

/// `lookups` executions of the prepared point lookup; lookups per second.
async fn lookups(client: &tokio_postgres::Client, rows: u64, lookups: u64) -> BenchResult<f64> {
    let stmt = client
        .prepare("select t from bench_reads where id = $1")
        .await?;
    let mut keys = Lcg(42);
    let t0 = Instant::now();
    for _ in 0..lookups {
        let id = keys.next_in(rows) as i32;
        let row = client.query_one(&stmt, &[&id]).await?;
        let _: &str = row.get(0);
    }
    Ok(lookups as f64 / t0.elapsed().as_secs_f64())
}

/// The whole workload on one system for one round.
pub async fn run(server: &Server, cfg: &Config, results: &mut Results) {
    let sys = server.system;
    let client = match server.connect().await {
        Ok(c) => c,
        Err(e) => return results.record_all(sys, &ALL, &e),
    };
    let key = match setup(&client, cfg.rows).await {
        Ok(key) => key,
        Err(e) => return results.record_all(sys, &ALL, &e),
    };
    results.record(
        sys,
        COUNT,
        time_query(&client, "select count(*) from bench_reads").await,
    );
    results.record(
        sys,
        AGGREGATE,
        time_query(
            &client,
            "select grp, count(*), sum(id), avg(id) from bench_reads group by grp",
        )
        .await,
    );
    let lookup = match key {
        Ok(()) => lookups(&client, cfg.rows, cfg.lookups).await,
        Err(e) => Err(e),
    };
    results.record(sys, LOOKUPS, lookup);
    results.record(
        sys,
        REPORT,
        time_query(
            &client,
            "select g.name, count(*), sum(r.id), avg(length(r.t)) \
             from bench_reads r join bench_groups g on g.grp = r.grp \
             group by g.name order by g.name",
        )
        .await,
    );
    let _ = client
        .batch_execute("drop table bench_reads, bench_groups")
        .await;
}
