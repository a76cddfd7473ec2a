//! Bulk load: how fast a large table is written, and how big it is on disk.
//!
//! ```text
//!   COPY bench_copy FROM STDIN          <rows> rows of (int, 40-byte text,
//!                                        timestamp), text format, sent in
//!                                        10,000-row messages
//!   INSERT INTO bench_gs SELECT ...     the same rows from
//!     FROM generate_series(1, <rows>)    generate_series (skipped where the
//!                                        function is missing)
//! ```
//!
//! Figures: rows per second for each load, then the table's size on disk
//! (see [`Server::relation_size`]). The rows are generated before the clock
//! starts; the COPY is timed from its start to the server's acknowledgement.

use std::time::Instant;

use bytes::Bytes;
use futures::SinkExt;

use super::report::{Better, Metric, Results};
use super::server::Server;
use super::{BenchResult, Config};

/// COPY rate.
pub const COPY: Metric = Metric {
    name: "bulk: COPY FROM STDIN",
    unit: "rows/s",
    better: Better::Higher,
};
/// Size after COPY.
pub const COPY_SIZE: Metric = Metric {
    name: "bulk: table size after COPY",
    unit: "MiB",
    better: Better::Lower,
};
/// INSERT ... SELECT rate.
pub const INSERT_SELECT: Metric = Metric {
    name: "bulk: INSERT ... SELECT generate_series",
    unit: "rows/s",
    better: Better::Higher,
};
/// Size after INSERT ... SELECT.
pub const INSERT_SELECT_SIZE: Metric = Metric {
    name: "bulk: table size after INSERT ... SELECT",
    unit: "MiB",
    better: Better::Lower,
};

/// Rows per COPY data message.
const CHUNK_ROWS: u64 = 10_000;

/// One row in COPY text format: `id \t text \t timestamp \t extra... \n`,
/// the text being `id` zero-padded to 40 characters and the timestamp
/// `id` seconds after a day's start, spread over January 2024. `extra`
/// columns come before the newline (the read workload's group key).
pub fn copy_row(out: &mut String, id: u64, extra: &[u64]) {
    use std::fmt::Write;
    let secs = id % 86_400;
    let day = 1 + (id / 86_400) % 28;
    let _ = write!(
        out,
        "{id}\t{id:040}\t2024-01-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    for e in extra {
        let _ = write!(out, "\t{e}");
    }
    out.push('\n');
}

/// Rows `1..=rows` as COPY data messages; `extra(id)` gives extra columns.
pub fn copy_chunks(rows: u64, extra: impl Fn(u64) -> Vec<u64>) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut id = 1;
    while id <= rows {
        let end = (id + CHUNK_ROWS - 1).min(rows);
        let mut s = String::with_capacity(((end - id + 1) * 80) as usize);
        for i in id..=end {
            copy_row(&mut s, i, &extra(i));
        }
        chunks.push(Bytes::from(s));
        id = end + 1;
    }
    chunks
}

/// Sends `chunks` through `copy <table> from stdin`; the rows copied.
pub async fn copy_in(
    client: &tokio_postgres::Client,
    table: &str,
    chunks: &[Bytes],
) -> BenchResult<u64> {
    let sink = client.copy_in(&format!("copy {table} from stdin")).await?;
    let mut sink = std::pin::pin!(sink);
    for c in chunks {
        sink.send(c.clone()).await?;
    }
    Ok(sink.as_mut().finish().await?)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn copy_load(
    server: &Server,
    client: &tokio_postgres::Client,
    rows: u64,
) -> BenchResult<(f64, u64)> {
    client
        .batch_execute(
            "drop table if exists bench_copy;
             create table bench_copy (id int, t text, ts timestamp)",
        )
        .await?;
    let chunks = copy_chunks(rows, |_| Vec::new());
    let t0 = Instant::now();
    let n = copy_in(client, "bench_copy", &chunks).await?;
    let rate = n as f64 / t0.elapsed().as_secs_f64();
    let size = server.relation_size(client, "bench_copy").await?;
    client.batch_execute("drop table bench_copy").await?;
    Ok((rate, size))
}

async fn insert_select(
    server: &Server,
    client: &tokio_postgres::Client,
    rows: u64,
) -> BenchResult<(f64, u64)> {
    client
        .batch_execute(
            "drop table if exists bench_gs;
             create table bench_gs (id int, t text, ts timestamp)",
        )
        .await?;
    let t0 = Instant::now();
    let n = client
        .execute(
            &format!(
                "insert into bench_gs select g, lpad(g::text, 40, '0'), \
                 timestamp '2024-01-01' + g * interval '1 second' \
                 from generate_series(1, {rows}) g"
            ),
            &[],
        )
        .await?;
    let rate = n as f64 / t0.elapsed().as_secs_f64();
    let size = server.relation_size(client, "bench_gs").await?;
    client.batch_execute("drop table bench_gs").await?;
    Ok((rate, size))
}

/// The whole workload on one system for one round.
pub async fn run(server: &Server, cfg: &Config, results: &mut Results) {
    let client = match server.connect().await {
        Ok(c) => c,
        Err(e) => {
            let all = [COPY, COPY_SIZE, INSERT_SELECT, INSERT_SELECT_SIZE];
            results.record_all(server.system, &all, &e);
            return;
        }
    };
    match copy_load(server, &client, cfg.rows).await {
        Ok((rate, size)) => {
            results.record(server.system, COPY, Ok(rate));
            results.record(server.system, COPY_SIZE, Ok(mib(size)));
        }
        Err(e) => results.record_all(server.system, &[COPY, COPY_SIZE], &e),
    }
    match insert_select(server, &client, cfg.rows).await {
        Ok((rate, size)) => {
            results.record(server.system, INSERT_SELECT, Ok(rate));
            results.record(server.system, INSERT_SELECT_SIZE, Ok(mib(size)));
        }
        Err(e) => results.record_all(server.system, &[INSERT_SELECT, INSERT_SELECT_SIZE], &e),
    }
}
