//! Query plans: the tree the binder builds and the executor runs.
//!
//! Every node produces rows of a fixed width; `Expr::Column(i)` in a node's
//! expressions indexes its input row (for joins: the left row followed by
//! the right row).

use storage::datum::SqlType;

use super::expr::Expr;
use storage::catalog::TableInfo;

/// A plan node.
#[derive(Clone, Debug)]
pub enum Plan {
    /// Every visible row of a table, all columns in order.
    SeqScan {
        /// The table.
        table: std::sync::Arc<TableInfo>,
    },
    /// The visible rows of a table reached through an index, in index
    /// order (or its reverse), that pass `filter` (the whole WHERE clause;
    /// the index quals only narrow what is visited).
    IndexScan {
        /// The table.
        table: std::sync::Arc<TableInfo>,
        /// The index and its quals.
        path: super::path::IndexPath,
        /// Rechecked on every row.
        filter: Option<Expr>,
    },
    /// SELECT ... FOR UPDATE / FOR SHARE over one table: the visible rows
    /// that pass `filter`, in `order`, each locked as it is pulled (so a
    /// LIMIT above locks only the rows it returns); a row changed
    /// concurrently is followed to its newest version and re-checked (READ
    /// COMMITTED) or fails with 40001 (REPEATABLE READ).
    LockRows {
        /// The table.
        table: std::sync::Arc<TableInfo>,
        /// The WHERE clause over the table row.
        filter: Option<Expr>,
        /// The query's ORDER BY over the table row (empty: scan order).
        order: Vec<SortKey>,
        /// Lock strength.
        mode: storage::heap::heapam::RowLockMode,
        /// What to do about a row another transaction has locked.
        wait: RowWaitPolicy,
    },
    /// Literal rows (VALUES, or one empty row for a FROM-less SELECT).
    Values {
        /// The rows' expressions.
        rows: Vec<Vec<Expr>>,
        /// Output width.
        width: usize,
    },
    /// Rows of `input` for which `predicate` is true.
    Filter {
        /// Input.
        input: Box<Plan>,
        /// Condition.
        predicate: Expr,
    },
    /// Computes `exprs` over each input row.
    Project {
        /// Input.
        input: Box<Plan>,
        /// Output expressions.
        exprs: Vec<Expr>,
    },
    /// A join: output is the left row followed by the right row.
    Join {
        /// Left input.
        left: Box<Plan>,
        /// Right input.
        right: Box<Plan>,
        /// Inner, left, right or full.
        kind: JoinKind,
        /// Equality keys (left expr, right expr) used for hashing, if any.
        hash_keys: Vec<(Expr, Expr)>,
        /// The remaining join condition, over the combined row.
        condition: Option<Expr>,
        /// Left width, to build NULL-extended rows.
        left_width: usize,
        /// Right width.
        right_width: usize,
    },
    /// A nested loop that, for each left row, probes an index of the right
    /// table with the left row's join key values (an equality on the
    /// index's leading columns). Output as for [`Plan::Join`].
    IndexNestLoop {
        /// Left (outer) input.
        left: Box<Plan>,
        /// The right table.
        table: std::sync::Arc<TableInfo>,
        /// The index probed.
        index: std::sync::Arc<storage::catalog::IndexInfo>,
        /// Equality keys (expression over the left row, expression over the
        /// right row); the first `probe_keys` are the index's leading
        /// columns, in order, the rest are rechecked.
        keys: Vec<(Expr, Expr)>,
        /// How many of `keys` are used as index quals.
        probe_keys: usize,
        /// A condition on the right row alone (its WHERE conjuncts).
        right_filter: Option<Expr>,
        /// The remaining join condition, over the combined row.
        condition: Option<Expr>,
        /// Inner or left.
        kind: JoinKind,
        /// Left width.
        left_width: usize,
        /// Right width.
        right_width: usize,
    },
    /// Grouping and aggregates: output is the group keys then the aggregates.
    Aggregate {
        /// Input.
        input: Box<Plan>,
        /// GROUP BY expressions over the input.
        group_by: Vec<Expr>,
        /// Aggregate calls over the input.
        aggs: Vec<AggCall>,
    },
    /// Sorted input.
    Sort {
        /// Input.
        input: Box<Plan>,
        /// Sort keys over the input.
        keys: Vec<SortKey>,
    },
    /// OFFSET / LIMIT.
    Limit {
        /// Input.
        input: Box<Plan>,
        /// Maximum rows (None = all).
        limit: Option<Expr>,
        /// Rows to skip.
        offset: Option<Expr>,
    },
    /// Removes duplicate rows (SELECT DISTINCT), keeping the first.
    Distinct {
        /// Input.
        input: Box<Plan>,
    },
    /// Keeps the first row of each run of rows equal in the `keys`
    /// columns (NULLs equal), over input sorted on them: SELECT DISTINCT
    /// ON, PostgreSQL's Unique node.
    Unique {
        /// Input, sorted so that equal keys are adjacent.
        input: Box<Plan>,
        /// Columns of the input compared.
        keys: Vec<usize>,
    },
    /// UNION / INTERSECT / EXCEPT.
    SetOp {
        /// Which operation.
        op: SetOpKind,
        /// ALL keeps duplicates.
        all: bool,
        /// Left input.
        left: Box<Plan>,
        /// Right input.
        right: Box<Plan>,
    },
    /// Window functions (see `sql::window`): each input row followed by
    /// one column per call.
    Window {
        /// Input (grouped rows when the query aggregates).
        input: Box<Plan>,
        /// The calls, in output column order.
        calls: Vec<super::window::WindowCall>,
    },
    /// WITH RECURSIVE (see `sql::cte`): `base`'s rows, then `recursive`'s
    /// rows run again and again over the rows the previous round added,
    /// until a round adds none.
    RecursiveUnion {
        /// The non-recursive term.
        base: Box<Plan>,
        /// The recursive term; reads the previous round through WorkTable.
        recursive: Box<Plan>,
        /// UNION ALL keeps duplicates; UNION drops rows seen before.
        all: bool,
        /// The statement slot that holds the previous round's rows.
        worktable: usize,
    },
    /// The previous round's rows of the enclosing RecursiveUnion.
    WorkTable {
        /// The slot RecursiveUnion fills.
        worktable: usize,
    },
    /// A set-returning function in FROM (see `sql::srf`); arguments may
    /// read LATERAL columns through outer references.
    FunctionScan {
        /// The call.
        call: super::srf::SrfCall,
        /// WITH ORDINALITY: a bigint row number after the value.
        ordinality: bool,
    },
    /// Set-returning functions in the target list: each input row followed
    /// by one column per call, repeated for the longest call's rows (the
    /// shorter ones padded with NULL), as PostgreSQL's ProjectSet.
    ProjectSet {
        /// Input.
        input: Box<Plan>,
        /// The calls, in output column order.
        calls: Vec<super::srf::SrfCall>,
    },
    /// A join whose right side is run again for each left row, the left
    /// row being its innermost outer row (LATERAL).
    LateralJoin {
        /// Left input.
        left: Box<Plan>,
        /// Right input, bound with the left scope as its innermost outer scope.
        right: Box<Plan>,
        /// Inner or left.
        kind: JoinKind,
        /// The join condition over the combined row.
        condition: Option<Expr>,
        /// Right width, to build NULL-extended rows.
        right_width: usize,
    },
    /// Keeps the first `width` columns (drops sort-only columns).
    Truncate {
        /// Input.
        input: Box<Plan>,
        /// Columns kept.
        width: usize,
    },
}

/// Join kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    /// INNER / CROSS
    Inner,
    /// LEFT OUTER
    Left,
    /// RIGHT OUTER
    Right,
    /// FULL OUTER
    Full,
}

/// Set operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOpKind {
    /// UNION
    Union,
    /// INTERSECT
    Intersect,
    /// EXCEPT
    Except,
}

/// One ORDER BY key.
#[derive(Clone, Debug)]
pub struct SortKey {
    /// The key expression over the input row.
    pub expr: Expr,
    /// DESC
    pub descending: bool,
    /// NULLS FIRST (default: true for DESC, false for ASC).
    pub nulls_first: bool,
}

/// FOR UPDATE's handling of rows locked by others (PostgreSQL's
/// `LockWaitPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowWaitPolicy {
    /// Wait for the other transaction.
    Block,
    /// NOWAIT: fail with 55P03.
    Error,
    /// SKIP LOCKED: leave the row out.
    Skip,
}

/// Aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunc {
    /// count(*)
    CountStar,
    /// count(x)
    Count,
    /// sum(x)
    Sum,
    /// avg(x)
    Avg,
    /// min(x)
    Min,
    /// max(x)
    Max,
    /// bool_and(x) / every(x)
    BoolAnd,
    /// bool_or(x)
    BoolOr,
    /// string_agg(x, sep)
    StringAgg,
    /// array_agg(x): NULLs included
    ArrayAgg,
    /// var_samp(x) / variance(x)
    VarSamp,
    /// var_pop(x)
    VarPop,
    /// stddev_samp(x) / stddev(x)
    StddevSamp,
    /// stddev_pop(x)
    StddevPop,
    /// json_agg(x) / jsonb_agg(x) (`binary`): NULLs included
    JsonAgg {
        /// jsonb rather than json
        binary: bool,
    },
    /// percentile_cont(f) WITHIN GROUP (ORDER BY x): args (x, f)
    PercentileCont,
    /// percentile_disc(f) WITHIN GROUP (ORDER BY x): args (x, f)
    PercentileDisc,
    /// mode() WITHIN GROUP (ORDER BY x): args (x)
    Mode,
    /// json_object_agg(k, v) / jsonb_object_agg(k, v)
    JsonObjectAgg {
        /// jsonb rather than json
        binary: bool,
    },
}

/// One aggregate call.
#[derive(Clone, Debug)]
pub struct AggCall {
    /// Which aggregate.
    pub func: AggFunc,
    /// Arguments over the input row.
    pub args: Vec<Expr>,
    /// DISTINCT inside the call.
    pub distinct: bool,
    /// FILTER (WHERE ...).
    pub filter: Option<Expr>,
    /// ORDER BY inside the call: the rows are fed to it in this order.
    pub order_by: Vec<SortKey>,
    /// Result type.
    pub typ: SqlType,
}
