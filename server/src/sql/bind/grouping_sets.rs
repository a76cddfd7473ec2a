//! GROUP BY ROLLUP / CUBE / GROUPING SETS.
//!
//! The GROUP BY list is expanded into its grouping sets, as PostgreSQL
//! defines them: a plain expression is one set of one key, `ROLLUP (a, b)`
//! is `(a, b), (a), ()`, `CUBE (a, b)` every subset, `GROUPING SETS (...)`
//! the sets listed, and several items combine as a cross product
//! (`GROUP BY a, ROLLUP (b)` is `(a, b), (a)`). The distinct key
//! expressions form one key list that the rest of the binder sees as an
//! ordinary GROUP BY, so targets, HAVING and ORDER BY bind unchanged.
//!
//! The plan runs one Aggregate per set over the same input and appends
//! their rows (UNION ALL); each branch puts NULL in the key columns its
//! set leaves out, so every branch has the full key list's layout:
//!
//! ```text
//!   Append ─┬─ Project(a, b, NULL..., aggs) ─ Aggregate(a, b) ─ input
//!           ├─ Project(a, NULL, aggs)       ─ Aggregate(a)    ─ input
//!           └─ Project(NULL, NULL, aggs)    ─ Aggregate()     ─ input
//! ```
//!
//! The input is read once per set. Not done: the `grouping()` function
//! (it is not known to the function resolver, so it fails as undefined).

use sqlparser::ast;
use storage::datum::Datum;

use crate::error::{SqlError, SqlResult};
use crate::sql::expr::Expr;
use crate::sql::plan::{AggCall, Plan, SetOpKind};

/// The distinct key expressions and the grouping sets as key indexes.
type Expanded = (Vec<ast::Expr>, Option<Vec<Vec<usize>>>);

/// Expands `items` into (distinct key expressions, grouping sets as key
/// indexes), or returns `items` unchanged with `None` when it has no
/// ROLLUP, CUBE or GROUPING SETS.
/// More than 4096 sets fails with 54001, as in PostgreSQL.
pub(super) fn expand(items: Vec<ast::Expr>) -> SqlResult<Expanded> {
    let special = |e: &ast::Expr| {
        matches!(
            e,
            ast::Expr::Rollup(_) | ast::Expr::Cube(_) | ast::Expr::GroupingSets(_)
        )
    };
    if !items.iter().any(special) {
        return Ok((items, None));
    }
    let mut keys: Vec<ast::Expr> = Vec::new();
    let mut index = |e: &ast::Expr| match keys.iter().position(|k| k == e) {
        Some(i) => i,
        None => {
            keys.push(e.clone());
            keys.len() - 1
        }
    };
    let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
    for item in &items {
        let group = |g: &[ast::Expr], index: &mut dyn FnMut(&ast::Expr) -> usize| {
            g.iter().map(&mut *index).collect::<Vec<usize>>()
        };
        let options: Vec<Vec<usize>> = match item {
            ast::Expr::Rollup(groups) => {
                let gs: Vec<Vec<usize>> = groups.iter().map(|g| group(g, &mut index)).collect();
                (0..=gs.len()).rev().map(|n| gs[..n].concat()).collect()
            }
            ast::Expr::Cube(groups) => {
                let gs: Vec<Vec<usize>> = groups.iter().map(|g| group(g, &mut index)).collect();
                let n = gs.len();
                if n > 12 {
                    return Err(too_many());
                }
                (0..(1usize << n))
                    .rev()
                    .map(|mask| {
                        (0..n)
                            .filter(|i| mask & (1 << (n - 1 - i)) != 0)
                            .flat_map(|i| gs[i].iter().copied())
                            .collect()
                    })
                    .collect()
            }
            ast::Expr::GroupingSets(groups) => {
                groups.iter().map(|g| group(g, &mut index)).collect()
            }
            e => vec![vec![index(e)]],
        };
        sets = sets
            .iter()
            .flat_map(|s| {
                options.iter().map(move |o| {
                    let mut v = s.clone();
                    for k in o {
                        if !v.contains(k) {
                            v.push(*k);
                        }
                    }
                    v
                })
            })
            .collect();
        if sets.len() > 4096 {
            return Err(too_many());
        }
    }
    Ok((keys, Some(sets)))
}

fn too_many() -> SqlError {
    SqlError::new("54001", "too many grouping sets present (maximum 4096)")
}

/// One Aggregate per grouping set, appended.
pub(super) fn plan(input: Plan, keys: Vec<Expr>, aggs: Vec<AggCall>, sets: &[Vec<usize>]) -> Plan {
    let mut branches = sets.iter().map(|set| {
        let agg = Plan::Aggregate {
            input: Box::new(input.clone()),
            group_by: set.iter().map(|&k| keys[k].clone()).collect(),
            aggs: aggs.clone(),
        };
        let mut exprs = Vec::with_capacity(keys.len() + aggs.len());
        for (k, key) in keys.iter().enumerate() {
            exprs.push(match set.iter().position(|&s| s == k) {
                Some(pos) => Expr::Column(pos, key.typ()),
                None => Expr::Const(Datum::Null, key.typ()),
            });
        }
        for (a, call) in aggs.iter().enumerate() {
            exprs.push(Expr::Column(set.len() + a, call.typ));
        }
        Plan::Project {
            input: Box::new(agg),
            exprs,
        }
    });
    let first = branches.next().unwrap_or(Plan::Values {
        rows: Vec::new(),
        width: keys.len() + aggs.len(),
    });
    branches.fold(first, |acc, b| Plan::SetOp {
        op: SetOpKind::Union,
        all: true,
        left: Box::new(acc),
        right: Box::new(b),
    })
}
