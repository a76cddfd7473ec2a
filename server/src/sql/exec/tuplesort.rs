//! Sorting within `work_mem`, spilling to temporary files past it
//! (PostgreSQL's `tuplesort.c`, external merge sort).
//!
//! Rows arrive with their evaluated sort keys. While the rows held stay
//! under `work_mem` (estimated from their values), they are kept in memory
//! and sorted there. Past it, the rows held are sorted and written out as
//! a *run*, and memory starts empty again. At the end, with no runs, the
//! memory is sorted and returned; otherwise the last rows become a run too
//! and the runs are merged through a binary heap, one row of each in
//! memory at a time. Equal keys keep their input order (runs are merged
//! in the order they were written), as the in-memory stable sort does.
//!
//! # Temporary files
//!
//! A run is a file `base/pgsql_tmp/pgsql_tmp<pid>.<n>` under the data
//! directory, removed as soon as the sort ends (or fails, or is dropped
//! early under a LIMIT); leftovers of a crash are removed at server start
//! ([`remove_temp_files`]). With `log_temp_files` >= 0 each file at least
//! that many kB large is logged when removed, as PostgreSQL logs it
//! (`temporary file: path "...", size N`).
//!
//! The run format is a sequence of records, each a `u32` byte length and
//! the values: a `u32` count, then per value a tag byte (0 = NULL, else the
//! value's kind) and, for a scalar, a `u32` length and the value in the
//! wire protocol's binary format for its kind; an array is its lower bound
//! (`i32`) and its elements, encoded the same way. Keys and the row are
//! written as two records.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use storage::datum::io::{recv_binary, send_binary};
use storage::datum::{Datum, SqlType, TypeOid};

use super::Row;
use crate::error::{SqlError, SqlResult};
use crate::sql::compare::cmp_sort_key;
use crate::sql::plan::SortKey;

/// The directory of temporary files, under the data directory.
const TEMP_DIR: &str = "base/pgsql_tmp";

/// Numbers the temporary files of this process.
static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

/// Removes every temporary file left behind (by a crash): called at
/// server start, before any session runs.
pub fn remove_temp_files(data_dir: &Path) -> std::io::Result<()> {
    let dir = data_dir.join(TEMP_DIR);
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for e in entries {
                std::fs::remove_file(e?.path())?;
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Where and how a sort may spill.
pub struct SortSpace {
    /// The data directory.
    pub data_dir: PathBuf,
    /// `work_mem` in bytes.
    pub work_mem: usize,
    /// `log_temp_files` in kB (-1: off).
    pub log_temp_files: i64,
}

/// A sort in progress.
pub struct Tuplesort<'a> {
    keys: &'a [SortKey],
    space: SortSpace,
    rows: Vec<(Row, Row)>,
    used: usize,
    runs: Vec<TempFile>,
}

impl<'a> Tuplesort<'a> {
    /// An empty sort by `keys`.
    pub fn new(keys: &'a [SortKey], space: SortSpace) -> Self {
        Tuplesort {
            keys,
            space,
            rows: Vec::new(),
            used: 0,
            runs: Vec::new(),
        }
    }

    /// Adds a row with its evaluated keys, spilling a run when memory is
    /// full.
    pub fn put(&mut self, key: Row, row: Row) -> SqlResult<()> {
        self.used += row_bytes(&key) + row_bytes(&row);
        self.rows.push((key, row));
        if self.used > self.space.work_mem {
            self.spill()?;
        }
        Ok(())
    }

    /// True if the sort wrote temporary files.
    pub fn spilled(&self) -> bool {
        !self.runs.is_empty()
    }

    /// Ends input: the rows in order.
    pub fn finish(mut self) -> SqlResult<SortedRows<'a>> {
        if self.runs.is_empty() {
            sort_rows(&mut self.rows, self.keys);
            let rows = std::mem::take(&mut self.rows);
            return Ok(SortedRows::Memory(rows.into_iter()));
        }
        if !self.rows.is_empty() {
            self.spill()?;
        }
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (i, run) in std::mem::take(&mut self.runs).into_iter().enumerate() {
            let mut r = RunReader::open(run)?;
            if let Some((key, row)) = r.next()? {
                heap.push(Head {
                    key,
                    row,
                    run: i,
                    keys: self.keys,
                });
            }
            readers.push(r);
        }
        Ok(SortedRows::Merge(Merge {
            heap,
            readers,
            keys: self.keys,
        }))
    }

    /// Sorts the rows held and writes them out as a run.
    fn spill(&mut self) -> SqlResult<()> {
        sort_rows(&mut self.rows, self.keys);
        let mut file = TempFile::create(&self.space)?;
        {
            let mut w = BufWriter::new(&file.file);
            let mut buf = Vec::new();
            for (key, row) in self.rows.drain(..) {
                buf.clear();
                encode(&key, &mut buf)?;
                encode(&row, &mut buf)?;
                w.write_all(&buf).map_err(|e| file.error(e))?;
            }
            w.flush().map_err(|e| file.error(e))?;
        }
        file.size = file.file.metadata().map(|m| m.len()).unwrap_or(0);
        self.runs.push(file);
        self.used = 0;
        Ok(())
    }
}

/// The sorted output.
pub enum SortedRows<'a> {
    /// Everything fit in `work_mem`.
    Memory(std::vec::IntoIter<(Row, Row)>),
    /// A merge of runs on disk.
    Merge(Merge<'a>),
}

impl SortedRows<'_> {
    /// The next row in order.
    pub fn next_row(&mut self) -> SqlResult<Option<Row>> {
        match self {
            SortedRows::Memory(it) => Ok(it.next().map(|(_, row)| row)),
            SortedRows::Merge(m) => m.next_row(),
        }
    }
}

/// The k-way merge of sorted runs.
pub struct Merge<'a> {
    heap: BinaryHeap<Head<'a>>,
    readers: Vec<RunReader>,
    keys: &'a [SortKey],
}

impl Merge<'_> {
    fn next_row(&mut self) -> SqlResult<Option<Row>> {
        let Some(top) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some((key, row)) = self.readers[top.run].next()? {
            self.heap.push(Head {
                key,
                row,
                run: top.run,
                keys: self.keys,
            });
        }
        Ok(Some(top.row))
    }
}

/// The current row of one run, ordered so the max-heap pops the least
/// key first (ties: the earlier run).
struct Head<'a> {
    key: Row,
    row: Row,
    run: usize,
    keys: &'a [SortKey],
}

impl Ord for Head<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_keys(&self.key, &other.key, self.keys)
            .then(self.run.cmp(&other.run))
            .reverse()
    }
}

impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head<'_> {}

fn cmp_keys(a: &[Datum], b: &[Datum], keys: &[SortKey]) -> Ordering {
    for (i, k) in keys.iter().enumerate() {
        let o = cmp_sort_key(&a[i], &b[i], k.descending, k.nulls_first);
        if !o.is_eq() {
            return o;
        }
    }
    Ordering::Equal
}

/// Sorts (key, row) pairs by key, stably.
pub fn sort_rows(rows: &mut [(Row, Row)], keys: &[SortKey]) {
    rows.sort_by(|a, b| cmp_keys(&a.0, &b.0, keys));
}

/// An estimate of the memory a row takes.
fn row_bytes(row: &[Datum]) -> usize {
    let payload: usize = row
        .iter()
        .map(|d| match d {
            Datum::Text(s) | Datum::Json(s) | Datum::Jsonb(s) => s.capacity(),
            Datum::Bytea(b) => b.capacity(),
            Datum::Numeric(_) => 32,
            _ => 0,
        })
        .sum();
    std::mem::size_of::<Row>() + std::mem::size_of_val(row) + payload
}

/// A run's file: removed (and logged, if asked) when dropped.
struct TempFile {
    file: File,
    path: PathBuf,
    shown: String,
    size: u64,
    log_kb: i64,
}

impl TempFile {
    fn create(space: &SortSpace) -> SqlResult<TempFile> {
        let dir = space.data_dir.join(TEMP_DIR);
        let n = NEXT_FILE.fetch_add(1, AtomicOrdering::Relaxed);
        let shown = format!("{TEMP_DIR}/pgsql_tmp{}.{n}", std::process::id());
        let path = space.data_dir.join(&shown);
        let io = |e: std::io::Error| {
            SqlError::new(
                "53100",
                format!("could not create temporary file \"{shown}\": {e}"),
            )
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        Ok(TempFile {
            file,
            path,
            shown,
            size: 0,
            log_kb: space.log_temp_files,
        })
    }

    fn error(&self, e: std::io::Error) -> SqlError {
        let code = if e.raw_os_error() == Some(28) {
            "53100"
        } else {
            "58030"
        };
        SqlError::new(
            code,
            format!("could not write to temporary file \"{}\": {e}", self.shown),
        )
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!("could not remove temporary file \"{}\": {e}", self.shown);
            return;
        }
        if self.log_kb >= 0 && self.size >= (self.log_kb as u64).saturating_mul(1024) {
            tracing::info!(
                "temporary file: path \"{}\", size {}",
                self.shown,
                self.size
            );
        }
    }
}

/// Reads a run back, record by record.
struct RunReader {
    input: BufReader<File>,
    file: TempFile,
    buf: Vec<u8>,
}

impl RunReader {
    fn open(file: TempFile) -> SqlResult<RunReader> {
        let f = file.file.try_clone().map_err(|e| file.error(e))?;
        let mut input = BufReader::new(f);
        std::io::Seek::rewind(&mut input).map_err(|e| file.error(e))?;
        Ok(RunReader {
            input,
            file,
            buf: Vec::new(),
        })
    }

    /// The next (key, row), `None` at the end of the run.
    fn next(&mut self) -> SqlResult<Option<(Row, Row)>> {
        let Some(key) = self.record()? else {
            return Ok(None);
        };
        let row = self
            .record()?
            .ok_or_else(|| SqlError::internal(format!("truncated sort run {}", self.file.shown)))?;
        Ok(Some((key, row)))
    }

    fn record(&mut self) -> SqlResult<Option<Row>> {
        let mut len = [0u8; 4];
        match self.input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(self.file.error(e)),
        }
        self.buf.resize(u32::from_le_bytes(len) as usize, 0);
        self.input
            .read_exact(&mut self.buf)
            .map_err(|e| self.file.error(e))?;
        let mut at = &self.buf[..];
        let row = decode_values(&mut at)
            .ok_or_else(|| SqlError::internal(format!("corrupt sort run {}", self.file.shown)))?;
        Ok(Some(row))
    }
}

/// The type each tag stands for: tags are [`Datum::kind`], 1 to 18 for
/// scalars.
const TAG_TYPES: [TypeOid; 18] = [
    TypeOid::BOOL,
    TypeOid::INT2,
    TypeOid::INT4,
    TypeOid::INT8,
    TypeOid::FLOAT4,
    TypeOid::FLOAT8,
    TypeOid::NUMERIC,
    TypeOid::TEXT,
    TypeOid::BYTEA,
    TypeOid::DATE,
    TypeOid::TIME,
    TypeOid::TIMESTAMP,
    TypeOid::TIMESTAMPTZ,
    TypeOid::INTERVAL,
    TypeOid::UUID,
    TypeOid::JSON,
    TypeOid::JSONB,
    TypeOid::OID,
];

fn tag_type(tag: u8) -> Option<TypeOid> {
    TAG_TYPES.get(usize::from(tag).checked_sub(1)?).copied()
}

/// The tag of an array value ([`Datum::kind`] of an array).
const ARRAY_TAG: u8 = 19;

/// Appends one record to `out`.
fn encode(row: &[Datum], out: &mut Vec<u8>) -> SqlResult<()> {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    encode_values(row, out);
    let len = u32::try_from(out.len() - at - 4)
        .map_err(|_| SqlError::internal("sort row too large to spill"))?;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

fn encode_values(values: &[Datum], out: &mut Vec<u8>) {
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for d in values {
        if let Datum::Array(a) = d {
            out.push(ARRAY_TAG);
            out.extend_from_slice(&a.lower.to_le_bytes());
            encode_values(&a.elems, out);
            continue;
        }
        let tag = d.kind();
        out.push(tag);
        let Some(typ) = tag_type(tag) else {
            continue;
        };
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        send_binary(d, typ, out);
        let len = (out.len() - at - 4) as u32;
        out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
}

fn take<'b>(at: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
    if at.len() < n {
        return None;
    }
    let (head, rest) = at.split_at(n);
    *at = rest;
    Some(head)
}

fn take_u32(at: &mut &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(take(at, 4)?.try_into().ok()?))
}

/// Decodes what [`encode_values`] wrote; `None` if it is malformed.
fn decode_values(at: &mut &[u8]) -> Option<Vec<Datum>> {
    let n = take_u32(at)? as usize;
    let mut values = Vec::with_capacity(n.min(at.len()));
    for _ in 0..n {
        let tag = *take(at, 1)?.first()?;
        values.push(match tag {
            0 => Datum::Null,
            ARRAY_TAG => {
                let lower = i32::from_le_bytes(take(at, 4)?.try_into().ok()?);
                let elems = decode_values(at)?;
                Datum::Array(std::sync::Arc::new(storage::datum::array::Array {
                    lower,
                    elems,
                }))
            }
            _ => {
                let typ = tag_type(tag)?;
                let len = take_u32(at)? as usize;
                recv_binary(take(at, len)?, SqlType::new(typ)).ok()?
            }
        });
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::expr::Expr;

    fn keys() -> Vec<SortKey> {
        vec![SortKey {
            expr: Expr::Column(0, SqlType::new(TypeOid::INT4)),
            descending: false,
            nulls_first: false,
        }]
    }

    #[test]
    fn spills_merges_in_order_and_removes_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let keys = keys();
        let space = SortSpace {
            data_dir: dir.path().to_path_buf(),
            work_mem: 4096,
            log_temp_files: -1,
        };
        let mut s = Tuplesort::new(&keys, space);
        let n = 5000i32;
        for i in 0..n {
            let k = (i * 7919) % n;
            let row = vec![
                Datum::Int4(k),
                Datum::Text(format!("row {i}")),
                Datum::Null,
                Datum::Numeric("1.50".parse().unwrap()),
                Datum::Array(std::sync::Arc::new(storage::datum::Array::new(vec![
                    Datum::Int4(k),
                    Datum::Null,
                    Datum::Text("a b".into()),
                ]))),
            ];
            s.put(vec![Datum::Int4(k)], row).unwrap();
        }
        assert!(s.spilled());
        let mut out = s.finish().unwrap();
        assert!(
            std::fs::read_dir(dir.path().join(TEMP_DIR))
                .unwrap()
                .count()
                > 1
        );
        let mut prev = -1;
        let mut count = 0;
        while let Some(row) = out.next_row().unwrap() {
            let Datum::Int4(k) = row[0] else {
                panic!("{row:?}")
            };
            assert!(k > prev);
            assert_eq!(row[2], Datum::Null);
            let Datum::Array(a) = &row[4] else {
                panic!("{row:?}")
            };
            assert_eq!(
                a.elems,
                vec![Datum::Int4(k), Datum::Null, Datum::Text("a b".into())]
            );
            prev = k;
            count += 1;
        }
        assert_eq!(count, n);
        drop(out);
        assert_eq!(
            std::fs::read_dir(dir.path().join(TEMP_DIR))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn equal_keys_keep_their_input_order_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        let keys = keys();
        let space = SortSpace {
            data_dir: dir.path().to_path_buf(),
            work_mem: 1024,
            log_temp_files: -1,
        };
        let mut s = Tuplesort::new(&keys, space);
        for i in 0..600i64 {
            s.put(
                vec![Datum::Int4((i % 3) as i32)],
                vec![Datum::Int4((i % 3) as i32), Datum::Int8(i)],
            )
            .unwrap();
        }
        let mut out = s.finish().unwrap();
        let mut got = Vec::new();
        while let Some(row) = out.next_row().unwrap() {
            got.push((row[0].clone(), row[1].clone()));
        }
        let mut want = got.clone();
        want.sort_by_key(|(k, v)| {
            let (Datum::Int4(k), Datum::Int8(v)) = (k, v) else {
                unreachable!()
            };
            (*k, *v)
        });
        assert_eq!(got, want);
    }
}
