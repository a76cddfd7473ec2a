//! EXPLAIN: a plan printed as PostgreSQL prints it (text format).
//!
//! ```text
//!  Limit  (cost=0.29..0.52 rows=10 width=8)
//!    ->  Index Scan using t_pkey on t  (cost=0.29..2.60 rows=100 width=8)
//!          Index Cond: (id > 5)
//!          Filter: (v <> 3)
//! ```
//!
//! Node names, the `->` indentation, and the `Index Cond:`, `Filter:`,
//! `Hash Cond:`, `Sort Key:` and `Group Key:` lines follow PostgreSQL, and
//! expressions are deparsed the way PostgreSQL deparses them (fully
//! parenthesised, constants with their type), so `EXPLAIN (COSTS OFF)`
//! output can be compared with PostgreSQL's line for line. Projections are
//! folded into the node below, as in PostgreSQL.
//!
//! Scans are costed and their rows estimated exactly as the planner
//! costs them ([`super::path::ScanModel`]: the session's cost settings,
//! the table's size and `pg_statistic`); the nodes above use a smaller
//! model of PostgreSQL's with fixed default costs and selectivities. They
//! rank plans; they are not PostgreSQL's numbers.

use std::collections::HashMap;

use storage::catalog::TableInfo;
use storage::datum::io::OutputOptions;
use storage::datum::{Datum, SqlType, TypeOid};

use super::bind::{DeletePlan, InsertPlan, UpdatePlan, quote_ident};
use super::cost::{PlannerInfo, type_width};
use super::exec::{NodeStats, node_key};
use super::expr::{ArraySubscript, Expr, SubKind};
use super::path::{ColumnQual, IndexPath, ScanModel};
use super::plan::{JoinKind, Plan, SetOpKind, SortKey};

/// EXPLAIN's options.
#[derive(Clone, Copy, Debug)]
pub struct ExplainOptions {
    /// COSTS (default on).
    pub costs: bool,
    /// VERBOSE: output columns of each node.
    pub verbose: bool,
}

/// Estimates of one node.
#[derive(Clone, Copy, Debug)]
struct Estimate {
    startup: f64,
    total: f64,
    rows: f64,
    width: usize,
}

const RANDOM_PAGE_COST: f64 = 4.0;
const CPU_TUPLE_COST: f64 = 0.01;
const CPU_OPERATOR_COST: f64 = 0.0025;
const EQ_SELECTIVITY: f64 = 0.005;
const RANGE_SELECTIVITY: f64 = 1.0 / 3.0;

/// [`Explainer::current`] for a printed node that is not a plan node of
/// its own (an index nested loop's probe): EXPLAIN ANALYZE prints no counts.
const UNCOUNTED: usize = usize::MAX;

/// The printed plan, one line per element.
pub struct Explainer<'a> {
    opts: ExplainOptions,
    output: &'a OutputOptions,
    info: &'a dyn PlannerInfo,
    /// Several relations in the query: qualify column names.
    qualify: bool,
    lines: Vec<String>,
    /// EXPLAIN ANALYZE: what the run counted.
    actual: Option<Actual<'a>>,
    /// The node being printed ([`node_key`]), for its counts.
    current: usize,
}

/// What EXPLAIN ANALYZE ran and how it is printed.
#[derive(Clone, Copy)]
pub struct Actual<'a> {
    /// Per-node counts of the run.
    pub nodes: &'a HashMap<usize, NodeStats>,
    /// `TIMING`: print the nodes' times (else only rows and loops).
    pub timing: bool,
}

/// A node's output columns, as deparsed names.
type Names = Vec<String>;

impl<'a> Explainer<'a> {
    /// An explainer; `info` gives tables' statistics and the cost
    /// settings.
    pub fn new(opts: ExplainOptions, output: &'a OutputOptions, info: &'a dyn PlannerInfo) -> Self {
        Explainer {
            opts,
            output,
            info,
            qualify: false,
            lines: Vec::new(),
            actual: None,
            current: 0,
        }
    }

    /// Prints what `actual` counted beside each node (EXPLAIN ANALYZE).
    pub fn with_actual(mut self, actual: Actual<'a>) -> Self {
        self.actual = Some(actual);
        self
    }

    /// `(actual time=startup..total rows=N loops=L)` of the current node,
    /// per loop as PostgreSQL prints it, or `(never executed)`.
    fn actual_text(&self) -> Option<String> {
        let actual = self.actual?;
        if self.current == UNCOUNTED {
            return None;
        }
        let Some(s) = actual.nodes.get(&self.current).filter(|s| s.loops > 0) else {
            return Some(" (never executed)".into());
        };
        let loops = s.loops as f64;
        let rows = (s.rows as f64 / loops).round();
        Some(if actual.timing {
            let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / loops;
            format!(
                " (actual time={:.3}..{:.3} rows={rows} loops={})",
                ms(s.startup),
                ms(s.total),
                s.loops
            )
        } else {
            format!(" (actual rows={rows} loops={})", s.loops)
        })
    }

    /// `Rows Removed by Filter: N` for a scan whose filter is `filter`
    /// over `input`, under EXPLAIN ANALYZE.
    fn rows_removed(&mut self, depth: usize, filter: &Plan, input: &Plan) {
        let Some(actual) = self.actual else {
            return;
        };
        let count = |p: &Plan| actual.nodes.get(&node_key(p)).copied().unwrap_or_default();
        let (kept, read) = (count(filter), count(input));
        if kept.loops > 0 {
            let removed = read.rows.saturating_sub(kept.rows) as f64 / kept.loops as f64;
            self.detail(
                depth,
                format!("Rows Removed by Filter: {}", removed.round()),
            );
        }
    }

    /// EXPLAIN of a query.
    pub fn query(mut self, plan: &Plan) -> Vec<String> {
        self.qualify = count_relations(plan) > 1;
        self.node(plan, 0);
        self.lines
    }

    /// EXPLAIN of an INSERT.
    pub fn insert(mut self, p: &InsertPlan) -> Vec<String> {
        self.qualify = count_relations(&p.source) > 0;
        let (child, _) = self.estimate(&p.source);
        let est = Estimate {
            startup: 0.0,
            total: child.total + child.rows * CPU_TUPLE_COST,
            rows: 0.0,
            width: 0,
        };
        self.header(0, &format!("Insert on {}", p.table.name), est);
        self.node(&p.source, 1);
        self.lines
    }

    /// EXPLAIN of an UPDATE.
    pub fn update(self, p: &UpdatePlan) -> Vec<String> {
        self.modify("Update", &p.table, p.filter.as_ref(), p.access.as_ref())
    }

    /// EXPLAIN of a DELETE.
    pub fn delete(self, p: &DeletePlan) -> Vec<String> {
        self.modify("Delete", &p.table, p.filter.as_ref(), p.access.as_ref())
    }

    fn modify(
        mut self,
        what: &str,
        table: &std::sync::Arc<TableInfo>,
        filter: Option<&Expr>,
        access: Option<&IndexPath>,
    ) -> Vec<String> {
        let scan = match access {
            Some(path) => Plan::IndexScan {
                table: table.clone(),
                path: path.clone(),
                filter: filter.cloned(),
            },
            None => {
                let seq = Plan::SeqScan {
                    table: table.clone(),
                };
                match filter {
                    Some(f) => Plan::Filter {
                        input: Box::new(seq),
                        predicate: f.clone(),
                    },
                    None => seq,
                }
            }
        };
        let (child, _) = self.estimate(&scan);
        let est = Estimate {
            startup: child.startup,
            total: child.total + child.rows * CPU_TUPLE_COST,
            rows: 0.0,
            width: 0,
        };
        self.header(0, &format!("{what} on {}", table.name), est);
        self.node(&scan, 1);
        self.lines
    }

    /// The node's first line: at `depth` 0 plain, below with `->`.
    fn header(&mut self, depth: usize, label: &str, est: Estimate) {
        let indent = if depth == 0 {
            String::new()
        } else {
            format!("{}->  ", " ".repeat(6 * depth - 4))
        };
        let costs = if self.opts.costs {
            format!(
                "  (cost={:.2}..{:.2} rows={} width={})",
                est.startup,
                est.total,
                est.rows.round().max(if est.rows > 0.0 { 1.0 } else { 0.0 }) as u64,
                est.width
            )
        } else {
            String::new()
        };
        let actual = self.actual_text().unwrap_or_default();
        self.lines.push(format!("{indent}{label}{costs}{actual}"));
    }

    /// A detail line (`Filter: ...`) of the node at `depth`.
    fn detail(&mut self, depth: usize, text: String) {
        let indent = 6 * depth + 2;
        self.lines.push(format!("{}{text}", " ".repeat(indent)));
    }

    fn node(&mut self, plan: &Plan, depth: usize) {
        self.current = node_key(plan);
        let (est, names) = self.estimate(plan);
        match plan {
            Plan::SeqScan { table } => {
                self.header(depth, &format!("Seq Scan on {}", table.name), est);
                self.verbose_output(depth, &names);
            }
            Plan::IndexScan {
                table,
                path,
                filter,
            } => {
                let direction = if path.backward { " Backward" } else { "" };
                self.header(
                    depth,
                    &format!(
                        "Index Scan{direction} using {} on {}",
                        path.index.name, table.name
                    ),
                    est,
                );
                self.verbose_output(depth, &names);
                let cols = self.table_names(table, self.opts.verbose);
                if !path.quals.is_empty() {
                    let cond = self.index_cond(path, table, &cols);
                    self.detail(depth, format!("Index Cond: {cond}"));
                }
                if let Some(rest) = filter.as_ref().and_then(|f| residual(f, path, table)) {
                    let text = self.expr(&rest, &cols);
                    self.detail(depth, format!("Filter: {text}"));
                }
            }
            Plan::LockRows {
                table,
                filter,
                order,
                ..
            } => {
                self.header(depth, "LockRows", est);
                let seq = Plan::SeqScan {
                    table: table.clone(),
                };
                let mut child = match filter {
                    Some(f) => Plan::Filter {
                        input: Box::new(seq),
                        predicate: f.clone(),
                    },
                    None => seq,
                };
                if !order.is_empty() {
                    child = Plan::Sort {
                        input: Box::new(child),
                        keys: order.clone(),
                    };
                }
                self.node(&child, depth + 1);
            }
            Plan::Values { rows, .. } => {
                if rows.len() == 1 {
                    self.header(depth, "Result", est);
                } else {
                    self.header(depth, "Values Scan on \"*VALUES*\"", est);
                }
                self.verbose_output(depth, &names);
            }
            Plan::Filter { input, predicate } => match &**input {
                Plan::SeqScan { table } => {
                    self.header(depth, &format!("Seq Scan on {}", table.name), est);
                    self.verbose_output(depth, &names);
                    let own = self.table_names(table, self.opts.verbose);
                    let text = self.expr(predicate, &own);
                    self.detail(depth, format!("Filter: {text}"));
                    self.rows_removed(depth, plan, input);
                }
                other => {
                    let (_, inner) = self.estimate(other);
                    let text = self.expr(predicate, &inner);
                    self.header(depth, "Result", est);
                    self.detail(depth, format!("Filter: {text}"));
                    self.node(other, depth + 1);
                }
            },
            Plan::Project { input, .. } | Plan::Truncate { input, .. } => {
                self.node(input, depth);
            }
            Plan::Join {
                left,
                right,
                kind,
                hash_keys,
                condition,
                ..
            } => {
                let (_, lnames) = self.estimate(left);
                let (_, rnames) = self.estimate(right);
                let join = match kind {
                    JoinKind::Inner => "",
                    JoinKind::Left => " Left Join",
                    JoinKind::Right => " Right Join",
                    JoinKind::Full => " Full Join",
                };
                let both: Names = lnames.iter().chain(&rnames).cloned().collect();
                if hash_keys.is_empty() {
                    let label = if join.is_empty() {
                        "Nested Loop".to_string()
                    } else {
                        format!("Nested Loop{join}")
                    };
                    self.header(depth, &label, est);
                    if let Some(c) = condition {
                        let text = self.expr(c, &both);
                        self.detail(depth, format!("Join Filter: {text}"));
                    }
                    self.node(left, depth + 1);
                    self.node(right, depth + 1);
                } else {
                    let label = if join.is_empty() {
                        "Hash Join".to_string()
                    } else {
                        format!("Hash{join}")
                    };
                    self.header(depth, &label, est);
                    let conds: Vec<String> = hash_keys
                        .iter()
                        .map(|(l, r)| {
                            format!(
                                "({} = {})",
                                self.operand(l, &lnames),
                                self.operand(r, &rnames)
                            )
                        })
                        .collect();
                    self.detail(depth, format!("Hash Cond: {}", and_text(conds)));
                    if let Some(c) = condition {
                        let text = self.expr(c, &both);
                        self.detail(depth, format!("Join Filter: {text}"));
                    }
                    self.node(left, depth + 1);
                    let (rest, _) = self.estimate(right);
                    // The Hash node returns (hashes) its input's rows.
                    self.current = node_key(right);
                    self.header(depth + 1, "Hash", rest);
                    self.node(right, depth + 2);
                }
            }
            Plan::IndexNestLoop {
                left,
                table,
                index,
                keys,
                probe_keys,
                right_filter,
                condition,
                kind,
                ..
            } => {
                let label = if *kind == JoinKind::Left {
                    "Nested Loop Left Join"
                } else {
                    "Nested Loop"
                };
                self.header(depth, label, est);
                let (_, lnames) = self.estimate(left);
                let rnames = self.table_names(table, self.qualify);
                let own = self.table_names(table, self.opts.verbose);
                if let Some(c) = condition {
                    let both: Names = lnames.iter().chain(&rnames).cloned().collect();
                    let text = self.expr(c, &both);
                    self.detail(depth, format!("Join Filter: {text}"));
                }
                self.node(left, depth + 1);
                let (inner, _) = self.estimate(&Plan::SeqScan {
                    table: table.clone(),
                });
                let probe = Estimate {
                    startup: 0.29,
                    total: 0.29 + RANDOM_PAGE_COST + CPU_TUPLE_COST,
                    rows: if index.unique {
                        1.0
                    } else {
                        (inner.rows * EQ_SELECTIVITY).max(1.0)
                    },
                    width: inner.width,
                };
                // The probe runs inside the join node: nothing counts it.
                self.current = UNCOUNTED;
                self.header(
                    depth + 1,
                    &format!("Index Scan using {} on {}", index.name, table.name),
                    probe,
                );
                let conds: Vec<String> = keys[..*probe_keys]
                    .iter()
                    .map(|(l, r)| {
                        format!("({} = {})", self.operand(r, &own), self.operand(l, &lnames))
                    })
                    .collect();
                self.detail(depth + 1, format!("Index Cond: {}", and_text(conds)));
                let mut rest: Vec<String> = keys[*probe_keys..]
                    .iter()
                    .map(|(l, r)| {
                        format!("({} = {})", self.operand(r, &own), self.operand(l, &lnames))
                    })
                    .collect();
                if let Some(f) = right_filter {
                    rest.push(self.expr(f, &own));
                }
                if !rest.is_empty() {
                    self.detail(depth + 1, format!("Filter: {}", and_text(rest)));
                }
            }
            Plan::Window { input, .. } => {
                self.header(depth, "WindowAgg", est);
                self.node(input, depth + 1);
            }
            Plan::ProjectSet { input, .. } => {
                self.header(depth, "ProjectSet", est);
                self.node(input, depth + 1);
            }
            Plan::RecursiveUnion {
                base, recursive, ..
            } => {
                self.header(depth, "Recursive Union", est);
                self.node(base, depth + 1);
                self.node(recursive, depth + 1);
            }
            Plan::WorkTable { .. } => self.header(depth, "WorkTable Scan", est),
            Plan::FunctionScan { .. } => {
                self.header(depth, "Function Scan on generate_series", est)
            }
            Plan::LateralJoin {
                left, right, kind, ..
            } => {
                let label = if *kind == JoinKind::Left {
                    "Nested Loop Left Join"
                } else {
                    "Nested Loop"
                };
                self.header(depth, label, est);
                self.node(left, depth + 1);
                self.node(right, depth + 1);
            }
            Plan::Aggregate {
                input, group_by, ..
            } => {
                let (_, inner) = self.estimate(input);
                if group_by.is_empty() {
                    self.header(depth, "Aggregate", est);
                } else {
                    self.header(depth, "HashAggregate", est);
                    let keys: Vec<String> =
                        group_by.iter().map(|g| self.operand(g, &inner)).collect();
                    self.detail(depth, format!("Group Key: {}", keys.join(", ")));
                }
                self.node(input, depth + 1);
            }
            Plan::Sort { input, keys } => {
                let (_, inner) = self.estimate(input);
                self.header(depth, "Sort", est);
                let text: Vec<String> = keys.iter().map(|k| self.sort_key(k, &inner)).collect();
                self.detail(depth, format!("Sort Key: {}", text.join(", ")));
                self.node(input, depth + 1);
            }
            Plan::Limit { input, .. } => {
                self.header(depth, "Limit", est);
                self.node(input, depth + 1);
            }
            Plan::Unique { input, .. } => {
                self.header(depth, "Unique", est);
                self.node(input, depth + 1);
            }
            Plan::Distinct { input } => {
                let (_, inner) = self.estimate(input);
                self.header(depth, "HashAggregate", est);
                self.detail(depth, format!("Group Key: {}", inner.join(", ")));
                self.node(input, depth + 1);
            }
            Plan::SetOp {
                op,
                all,
                left,
                right,
            } => {
                let label = match (op, all) {
                    (SetOpKind::Union, true) => "Append",
                    (SetOpKind::Union, false) => "HashAggregate",
                    (SetOpKind::Intersect, true) => "HashSetOp Intersect All",
                    (SetOpKind::Intersect, false) => "HashSetOp Intersect",
                    (SetOpKind::Except, true) => "HashSetOp Except All",
                    (SetOpKind::Except, false) => "HashSetOp Except",
                };
                self.header(depth, label, est);
                self.node(left, depth + 1);
                self.node(right, depth + 1);
            }
        }
    }

    fn verbose_output(&mut self, depth: usize, names: &Names) {
        if self.opts.verbose {
            self.detail(depth, format!("Output: {}", names.join(", ")));
        }
    }

    /// `table`'s columns as PostgreSQL names them: qualified in
    /// conditions above the scan of a query over several relations, plain
    /// in the scan's own quals (unless VERBOSE).
    fn table_names(&self, table: &TableInfo, qualify: bool) -> Names {
        table
            .columns
            .iter()
            .map(|c| {
                if qualify {
                    format!("{}.{}", table.name, quote_ident(&c.name))
                } else {
                    quote_ident(&c.name)
                }
            })
            .collect()
    }

    /// The node's estimates and output column names.
    fn estimate(&self, plan: &Plan) -> (Estimate, Names) {
        match plan {
            Plan::SeqScan { table } => (
                self.scan_estimate(table, None, None),
                self.table_names(table, self.qualify),
            ),
            Plan::IndexScan {
                table,
                path,
                filter,
            } => (
                self.scan_estimate(table, filter.as_ref(), Some(path)),
                self.table_names(table, self.qualify),
            ),
            Plan::LockRows { table, .. } => {
                let (e, n) = self.estimate(&Plan::SeqScan {
                    table: table.clone(),
                });
                (e, n)
            }
            Plan::Values { rows, width } => (
                Estimate {
                    startup: 0.0,
                    total: rows.len() as f64 * CPU_TUPLE_COST,
                    rows: rows.len() as f64,
                    width: width * 4,
                },
                (1..=*width)
                    .map(|i| format!("\"*VALUES*\".column{i}"))
                    .collect(),
            ),
            Plan::Filter { input, predicate } if matches!(**input, Plan::SeqScan { .. }) => {
                let Plan::SeqScan { table } = &**input else {
                    unreachable!("matched above")
                };
                (
                    self.scan_estimate(table, Some(predicate), None),
                    self.table_names(table, self.qualify),
                )
            }
            Plan::Filter { input, predicate } => {
                let (e, n) = self.estimate(input);
                let sel = selectivity(predicate);
                (
                    Estimate {
                        startup: e.startup,
                        total: e.total + e.rows * CPU_OPERATOR_COST,
                        rows: e.rows * sel,
                        width: e.width,
                    },
                    n,
                )
            }
            Plan::Project { input, exprs } => {
                let (e, n) = self.estimate(input);
                let names = exprs.iter().map(|x| self.operand(x, &n)).collect();
                (
                    Estimate {
                        width: exprs.iter().map(|x| type_width(x.typ())).sum(),
                        ..e
                    },
                    names,
                )
            }
            Plan::Truncate { input, width } => {
                let (e, mut n) = self.estimate(input);
                n.truncate(*width);
                (e, n)
            }
            Plan::Join {
                left,
                right,
                hash_keys,
                ..
            } => {
                let (l, ln) = self.estimate(left);
                let (r, rn) = self.estimate(right);
                let rows = if hash_keys.is_empty() {
                    l.rows * r.rows
                } else {
                    (l.rows * r.rows * EQ_SELECTIVITY).max(l.rows.max(r.rows) * 0.1)
                };
                let total = if hash_keys.is_empty() {
                    l.total + l.rows * r.total
                } else {
                    l.total + r.total + (l.rows + r.rows) * CPU_OPERATOR_COST
                };
                (
                    Estimate {
                        startup: r.total,
                        total: total + rows * CPU_TUPLE_COST,
                        rows,
                        width: l.width + r.width,
                    },
                    ln.into_iter().chain(rn).collect(),
                )
            }
            Plan::IndexNestLoop {
                left, table, index, ..
            } => {
                let (l, ln) = self.estimate(left);
                let (r, _) = self.estimate(&Plan::SeqScan {
                    table: table.clone(),
                });
                let per_probe = if index.unique {
                    1.0
                } else {
                    (r.rows * EQ_SELECTIVITY).max(1.0)
                };
                let rows = l.rows * per_probe;
                (
                    Estimate {
                        startup: l.startup,
                        total: l.total
                            + l.rows * (0.29 + RANDOM_PAGE_COST * per_probe.min(r.total))
                            + rows * CPU_TUPLE_COST,
                        rows,
                        width: l.width + r.width,
                    },
                    ln.into_iter()
                        .chain(self.table_names(table, self.qualify))
                        .collect(),
                )
            }
            Plan::Window { input, calls } => {
                let (e, mut n) = self.estimate(input);
                n.extend(calls.iter().map(|c| format!("{:?}", c.func).to_lowercase()));
                (e, n)
            }
            Plan::ProjectSet { input, calls } => {
                let (e, mut n) = self.estimate(input);
                n.extend(calls.iter().map(|_| "generate_series".to_string()));
                (
                    Estimate {
                        rows: e.rows * 1000.0,
                        ..e
                    },
                    n,
                )
            }
            Plan::RecursiveUnion {
                base, recursive, ..
            } => {
                let (b, n) = self.estimate(base);
                let (r, _) = self.estimate(recursive);
                (
                    Estimate {
                        startup: 0.0,
                        total: b.total + 10.0 * r.total,
                        rows: b.rows + 10.0 * r.rows,
                        width: b.width,
                    },
                    n,
                )
            }
            Plan::WorkTable { .. } => (
                Estimate {
                    startup: 0.0,
                    total: 10.0 * CPU_TUPLE_COST,
                    rows: 10.0,
                    width: 32,
                },
                Vec::new(),
            ),
            Plan::FunctionScan { ordinality, .. } => (
                Estimate {
                    startup: 0.0,
                    total: 1000.0 * CPU_OPERATOR_COST,
                    rows: 1000.0,
                    width: 4,
                },
                if *ordinality {
                    vec!["generate_series".into(), "ordinality".into()]
                } else {
                    vec!["generate_series".into()]
                },
            ),
            Plan::LateralJoin { left, right, .. } => {
                let (l, ln) = self.estimate(left);
                let (r, rn) = self.estimate(right);
                (
                    Estimate {
                        startup: l.startup,
                        total: l.total + l.rows * r.total,
                        rows: l.rows * r.rows,
                        width: l.width + r.width,
                    },
                    ln.into_iter().chain(rn).collect(),
                )
            }
            Plan::Aggregate {
                input,
                group_by,
                aggs,
            } => {
                let (e, n) = self.estimate(input);
                let rows = if group_by.is_empty() {
                    1.0
                } else {
                    (e.rows / 10.0).clamp(1.0, 200.0)
                };
                let mut names: Names = group_by.iter().map(|g| self.operand(g, &n)).collect();
                names.extend(aggs.iter().map(|a| {
                    let args: Vec<String> = a.args.iter().map(|x| self.operand(x, &n)).collect();
                    let name = format!("{:?}", a.func).to_lowercase();
                    if args.is_empty() {
                        "count(*)".to_string()
                    } else {
                        format!("{name}({})", args.join(", "))
                    }
                }));
                (
                    Estimate {
                        startup: e.total,
                        total: e.total + e.rows * CPU_OPERATOR_COST + rows * CPU_TUPLE_COST,
                        rows,
                        width: e.width,
                    },
                    names,
                )
            }
            Plan::Sort { input, .. } => {
                let (e, n) = self.estimate(input);
                let sort = 2.0 * CPU_OPERATOR_COST * e.rows * e.rows.max(2.0).log2();
                (
                    Estimate {
                        startup: e.total + sort,
                        total: e.total + sort + e.rows * CPU_OPERATOR_COST,
                        ..e
                    },
                    n,
                )
            }
            Plan::Limit { input, .. } => {
                let (e, n) = self.estimate(input);
                (e, n)
            }
            Plan::Distinct { input } | Plan::Unique { input, .. } => self.estimate(input),
            Plan::SetOp { left, right, .. } => {
                let (l, n) = self.estimate(left);
                let (r, _) = self.estimate(right);
                (
                    Estimate {
                        startup: 0.0,
                        total: l.total + r.total,
                        rows: l.rows + r.rows,
                        width: l.width.max(r.width),
                    },
                    n,
                )
            }
        }
    }

    /// A scan of `table` (through `path`, or sequential) returning the
    /// rows that satisfy `filter`, costed as the planner costs it.
    fn scan_estimate(
        &self,
        table: &TableInfo,
        filter: Option<&Expr>,
        path: Option<&IndexPath>,
    ) -> Estimate {
        let everything = Expr::And(Vec::new());
        let model = ScanModel::new(table, filter.unwrap_or(&everything), self.info);
        let cost = match path {
            Some(p) => model.index_scan(p),
            None => model.seq_scan(),
        };
        Estimate {
            startup: cost.startup,
            total: cost.total,
            rows: model.rows(path),
            width: model.row_width(),
        }
    }

    fn index_cond(&self, path: &IndexPath, table: &TableInfo, cols: &Names) -> String {
        let mut conds = Vec::new();
        for (i, q) in path.quals.iter().enumerate() {
            let col = &cols[path.index.columns[i]];
            let _ = table;
            match q {
                ColumnQual::Eq(v) => conds.push(format!("({col} = {})", self.operand(v, cols))),
                ColumnQual::Range { lower, upper } => {
                    if let Some((v, inc)) = lower {
                        let op = if *inc { ">=" } else { ">" };
                        conds.push(format!("({col} {op} {})", self.operand(v, cols)));
                    }
                    if let Some((v, inc)) = upper {
                        let op = if *inc { "<=" } else { "<" };
                        conds.push(format!("({col} {op} {})", self.operand(v, cols)));
                    }
                }
                ColumnQual::In(list) => conds.push(format!("({col} = ANY ({}))", self.array(list))),
                ColumnQual::InArray(a) => {
                    conds.push(format!("({col} = ANY ({}))", self.operand(a, cols)))
                }
            }
        }
        and_text(conds)
    }

    fn array(&self, list: &[Expr]) -> String {
        let consts: Option<Vec<(String, SqlType)>> = list
            .iter()
            .map(|e| match e {
                Expr::Const(d, t) => {
                    storage::datum::io::to_text(d, t.oid, self.output).map(|s| (s, *t))
                }
                _ => None,
            })
            .collect();
        match consts {
            Some(items) if !items.is_empty() => {
                let typ = items[0].1;
                let body: Vec<String> = items.into_iter().map(|(s, _)| s).collect();
                format!("'{{{}}}'::{}[]", body.join(","), typ.oid.sql_name())
            }
            _ => {
                let items: Vec<String> =
                    list.iter().map(|e| self.operand(e, &Vec::new())).collect();
                format!("ARRAY[{}]", items.join(", "))
            }
        }
    }

    fn sort_key(&self, k: &SortKey, names: &Names) -> String {
        let mut s = self.operand(&k.expr, names);
        if k.descending {
            s.push_str(" DESC");
            if !k.nulls_first {
                s.push_str(" NULLS LAST");
            }
        } else if k.nulls_first {
            s.push_str(" NULLS FIRST");
        }
        s
    }

    /// A top-level condition: always parenthesised, as PostgreSQL prints
    /// `Filter:` lines.
    fn expr(&self, e: &Expr, names: &Names) -> String {
        let s = self.operand(e, names);
        if s.starts_with('(') && balanced_outer(&s) {
            s
        } else {
            format!("({s})")
        }
    }

    /// PostgreSQL's deparse of an expression.
    fn operand(&self, e: &Expr, names: &Names) -> String {
        match e {
            Expr::Const(d, t) => self.constant(d, *t),
            Expr::Column(i, _) => names.get(*i).cloned().unwrap_or_else(|| format!("${i}")),
            Expr::Outer { index, .. } => format!("(outer column {})", index + 1),
            Expr::Param(i, _) => format!("${}", i + 1),
            Expr::Binary(op, l, r, _) => format!(
                "({} {} {})",
                self.operand(l, names),
                op.symbol(),
                self.operand(r, names)
            ),
            Expr::Neg(x) => format!("(- {})", self.operand(x, names)),
            Expr::Not(x) => format!("(NOT {})", self.operand(x, names)),
            Expr::And(_) => and_text(
                conjuncts(e)
                    .into_iter()
                    .map(|x| self.operand(x, names))
                    .collect(),
            ),
            Expr::Or(v) => {
                let parts: Vec<String> = v.iter().map(|x| self.operand(x, names)).collect();
                format!("({})", parts.join(" OR "))
            }
            Expr::IsNull(x, negated) => format!(
                "({} IS {}NULL)",
                self.operand(x, names),
                if *negated { "NOT " } else { "" }
            ),
            Expr::IsBool(x, value, negated) => format!(
                "({} IS {}{})",
                self.operand(x, names),
                if *negated { "NOT " } else { "" },
                if *value { "TRUE" } else { "FALSE" }
            ),
            Expr::IsDistinct(l, r, negated) => format!(
                "({} IS {}DISTINCT FROM {})",
                self.operand(l, names),
                if *negated { "NOT " } else { "" },
                self.operand(r, names)
            ),
            Expr::Cast(x, t) | Expr::AssignCast(x, t) => {
                format!("({})::{}", self.operand(x, names), t.oid.sql_name())
            }
            Expr::Func(f, args, _) => {
                let a: Vec<String> = args.iter().map(|x| self.operand(x, names)).collect();
                format!("{}({})", format!("{f:?}").to_lowercase(), a.join(", "))
            }
            Expr::InList(x, list, negated) => format!(
                "({} {} ({}))",
                self.operand(x, names),
                if *negated { "<> ALL" } else { "= ANY" },
                self.array(list)
            ),
            Expr::Case { .. } => "CASE ... END".into(),
            Expr::ArrayCons(v, _) => {
                let items: Vec<String> = v.iter().map(|x| self.operand(x, names)).collect();
                format!("ARRAY[{}]", items.join(", "))
            }
            Expr::ArrayOp {
                op,
                all,
                lhs,
                array,
            } => format!(
                "({} {} {} ({}))",
                self.operand(lhs, names),
                op.symbol(),
                if *all { "ALL" } else { "ANY" },
                self.operand(array, names)
            ),
            Expr::Subscript(base, sub, _) => {
                let b = self.operand(base, names);
                match sub {
                    ArraySubscript::Index(i) => format!("{b}[{}]", self.operand(i, names)),
                    ArraySubscript::Slice(lo, hi) => format!(
                        "{b}[{}:{}]",
                        lo.as_ref()
                            .map_or(String::new(), |x| self.operand(x, names)),
                        hi.as_ref()
                            .map_or(String::new(), |x| self.operand(x, names))
                    ),
                }
            }
            Expr::SubPlan(s) => match &s.kind {
                SubKind::Exists => "(EXISTS (SubPlan))".into(),
                SubKind::Scalar => "(SubPlan)".into(),
                SubKind::Array => "(ARRAY(SubPlan))".into(),
                SubKind::Any(op, x) => {
                    format!("({} {} ANY (SubPlan))", self.operand(x, names), op.symbol())
                }
                SubKind::All(op, x) => {
                    format!("({} {} ALL (SubPlan))", self.operand(x, names), op.symbol())
                }
            },
            Expr::IndexCheck(index) => format!("bt_index_check('{}'::regclass)", index.name),
            Expr::Sequence(op, seq, _) => match seq {
                Some(t) => format!(
                    "{}('{}'::regclass)",
                    format!("{op:?}").to_lowercase(),
                    t.name
                ),
                None => "lastval()".into(),
            },
        }
    }

    fn constant(&self, d: &Datum, t: SqlType) -> String {
        let Some(text) = storage::datum::io::to_text(d, t.oid, self.output) else {
            return "NULL".into();
        };
        match t.oid {
            TypeOid::INT2 | TypeOid::INT4 | TypeOid::INT8 | TypeOid::NUMERIC
                if !text.starts_with('-') && text != "NaN" =>
            {
                text
            }
            TypeOid::BOOL => match d {
                Datum::Bool(true) => "true".into(),
                _ => "false".into(),
            },
            other => format!("'{}'::{}", text.replace('\'', "''"), other.sql_name()),
        }
    }
}

/// `(a) AND (b)` as PostgreSQL prints a conjunction: `((a) AND (b))`, or
/// the single term alone.
fn and_text(parts: Vec<String>) -> String {
    match parts.len() {
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(" AND ")),
    }
}

/// `s` is wrapped in one pair of parentheses from first to last char.
fn balanced_outer(s: &str) -> bool {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 < s.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// The conjuncts of `filter` the index quals of `path` do not already
/// enforce (what PostgreSQL shows as `Filter:` under an index scan).
fn residual(filter: &Expr, path: &IndexPath, table: &TableInfo) -> Option<Expr> {
    let terms = conjuncts(filter);
    let used = super::path::enforced_conjuncts(&terms, path, table);
    let rest: Vec<Expr> = terms
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(t, _)| (*t).clone())
        .collect();
    match rest.len() {
        0 => None,
        1 => rest.into_iter().next(),
        _ => Some(Expr::And(rest)),
    }
}

/// The terms of `e` as one flat AND list (PostgreSQL flattens nested
/// ANDs before printing them).
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::And(v) => v.iter().flat_map(conjuncts).collect(),
        other => vec![other],
    }
}

/// Default selectivity of a filter with no statistics.
fn selectivity(e: &Expr) -> f64 {
    match e {
        Expr::And(v) => v.iter().map(selectivity).product(),
        Expr::Binary(super::ops::BinOp::Eq, _, _, _) => EQ_SELECTIVITY,
        Expr::Binary(op, _, _, _) if op.is_comparison() => RANGE_SELECTIVITY,
        _ => 0.5,
    }
}

/// The relations scanned in `plan` (outside subqueries).
fn count_relations(plan: &Plan) -> usize {
    match plan {
        Plan::SeqScan { .. } | Plan::IndexScan { .. } | Plan::LockRows { .. } => 1,
        Plan::Values { .. } => 0,
        Plan::Join { left, right, .. } | Plan::SetOp { left, right, .. } => {
            count_relations(left) + count_relations(right)
        }
        Plan::IndexNestLoop { left, .. } => count_relations(left) + 1,
        Plan::LateralJoin { left, right, .. } => count_relations(left) + count_relations(right),
        Plan::RecursiveUnion {
            base, recursive, ..
        } => count_relations(base) + count_relations(recursive),
        Plan::Window { input, .. } | Plan::ProjectSet { input, .. } => count_relations(input),
        Plan::WorkTable { .. } | Plan::FunctionScan { .. } => 1,
        Plan::Filter { input, .. }
        | Plan::Project { input, .. }
        | Plan::Aggregate { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Distinct { input }
        | Plan::Unique { input, .. }
        | Plan::Truncate { input, .. } => count_relations(input),
    }
}
