//! Window functions: what the binder hands the executor.
//!
//! # Where windows sit in a SELECT
//!
//! PostgreSQL evaluates window functions after FROM, WHERE, GROUP BY and
//! HAVING and before the target list, DISTINCT and ORDER BY, so a window
//! sees grouped rows and its arguments may be aggregates
//! (`row_number() OVER (ORDER BY sum(amount) DESC)`). The plan is
//!
//! ```text
//!   Sort / Distinct / Project(targets)
//!            │
//!   Window(call 1, call 2, ...)   input row + one column per call
//!            │
//!   Filter(HAVING) ─ Aggregate ─ Filter(WHERE) ─ FROM
//! ```
//!
//! While the target list and ORDER BY are bound, each window call is
//! bound against the Window node's input (the Aggregate's output when the
//! query is grouped, else the FROM row) and replaced by a placeholder
//! column [`WINDOW_BASE`]` + k`; once the input's width is known (all
//! aggregates found), placeholders become `width + k`.
//!
//! # Evaluation (`exec/window.rs`)
//!
//! The node reads its whole input. For each call it sorts the row
//! numbers by (PARTITION BY keys, ORDER BY keys), stably, and walks each
//! partition. Rows whose ORDER BY keys are equal are *peers*; without an
//! ORDER BY every row of the partition is a peer of every other.
//!
//! - row_number, rank, dense_rank, percent_rank, cume_dist and ntile
//!   look at positions and peer groups only.
//! - lag / lead look at the partition, ignoring the frame.
//! - first_value, last_value, nth_value and aggregates look at the frame:
//!
//! ```text
//!   ROWS  BETWEEN 2 PRECEDING AND CURRENT ROW      rows i-2 ..= i
//!   RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (the default with
//!         ORDER BY)                               rows 0 .. end of i's peers
//!   (no ORDER BY, default)                        the whole partition
//! ```
//!
//! A frame that starts at UNBOUNDED PRECEDING only grows, so its aggregate
//! is advanced row by row and finished from a copy of the running state;
//! other frames are aggregated afresh for each row (O(rows × frame)).
//!
//! Not done: RANGE with an offset (`RANGE 5 PRECEDING`), GROUPS frames,
//! EXCLUDE, DISTINCT inside a window aggregate (PostgreSQL lacks it too),
//! and ordered-set aggregates. They answer 0A000.

use storage::datum::SqlType;

use super::expr::Expr;
use super::plan::{AggCall, SortKey};

/// Window calls are bound as references to column `WINDOW_BASE + k` until
/// the width of the Window node's input is known.
pub const WINDOW_BASE: usize = usize::MAX / 4;

/// What a window call computes.
#[derive(Clone, Debug)]
pub enum WinFunc {
    /// `row_number()`: the position in the partition, from 1.
    RowNumber,
    /// `rank()`: the position of the first peer.
    Rank,
    /// `dense_rank()`: the number of the peer group.
    DenseRank,
    /// `percent_rank()`: (rank - 1) / (rows - 1).
    PercentRank,
    /// `cume_dist()`: rows up to the last peer / rows.
    CumeDist,
    /// `ntile(n)`: the bucket, 1..=n, of as equal sizes as possible.
    Ntile,
    /// `lag(x [, offset [, default]])`.
    Lag,
    /// `lead(x [, offset [, default]])`.
    Lead,
    /// `first_value(x)` over the frame.
    FirstValue,
    /// `last_value(x)` over the frame.
    LastValue,
    /// `nth_value(x, n)` over the frame.
    NthValue,
    /// An aggregate over the frame (its arguments and FILTER are in the call).
    Agg(AggCall),
}

/// ROWS or RANGE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    /// Physical rows.
    Rows,
    /// Peer groups (only UNBOUNDED and CURRENT ROW bounds).
    Range,
}

/// One end of a frame.
#[derive(Clone, Debug)]
pub enum FrameBound {
    /// UNBOUNDED PRECEDING
    UnboundedPreceding,
    /// `n PRECEDING` (ROWS only); `n` is a bigint expression without
    /// column references, evaluated once.
    Preceding(Expr),
    /// CURRENT ROW
    CurrentRow,
    /// `n FOLLOWING` (ROWS only).
    Following(Expr),
    /// UNBOUNDED FOLLOWING
    UnboundedFollowing,
}

/// A window frame.
#[derive(Clone, Debug)]
pub struct Frame {
    /// ROWS or RANGE.
    pub units: FrameUnits,
    /// Where the frame starts.
    pub start: FrameBound,
    /// Where it ends (inclusive).
    pub end: FrameBound,
}

impl Frame {
    /// PostgreSQL's default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.
    pub fn default_frame() -> Frame {
        Frame {
            units: FrameUnits::Range,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
        }
    }
}

/// One window function call.
#[derive(Clone, Debug)]
pub struct WindowCall {
    /// The function.
    pub func: WinFunc,
    /// Arguments over the input row (aggregates keep theirs in the call).
    pub args: Vec<Expr>,
    /// PARTITION BY keys over the input row.
    pub partition: Vec<Expr>,
    /// ORDER BY keys over the input row.
    pub order: Vec<SortKey>,
    /// The frame.
    pub frame: Frame,
    /// The result type.
    pub typ: SqlType,
}
