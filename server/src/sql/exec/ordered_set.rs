//! The ordered-set aggregates `percentile_cont`, `percentile_disc` and
//! `mode` (PostgreSQL's `orderedsetaggs.c`). The executor feeds them their
//! `WITHIN GROUP` values already sorted (as it feeds any aggregate with an
//! ORDER BY); NULL values are skipped, and the fraction is taken from the
//! first row, as it must be the same for the whole group.

use storage::datum::Datum;

use crate::error::{SqlError, SqlResult};
use crate::sql::compare::cmp_values;
use crate::sql::plan::AggFunc;

/// The sorted non-NULL values of a group, and its fraction.
#[derive(Clone, Debug, Default)]
pub(super) struct OrderedSetState {
    values: Vec<Datum>,
    fraction: Option<Datum>,
}

impl OrderedSetState {
    /// Adds the next row: its value and (for the percentiles) fraction.
    pub(super) fn push(&mut self, args: &[Datum]) {
        if self.fraction.is_none() {
            self.fraction = args.get(1).cloned();
        }
        if let Some(v) = args.first().filter(|v| !matches!(v, Datum::Null)) {
            self.values.push(v.clone());
        }
    }

    /// The aggregate's result.
    pub(super) fn finish(self, func: AggFunc) -> SqlResult<Datum> {
        let n = self.values.len();
        if n == 0 {
            return Ok(Datum::Null);
        }
        if func == AggFunc::Mode {
            return Ok(self.mode());
        }
        let fraction = match self.fraction {
            Some(Datum::Float8(f)) => f,
            _ => return Ok(Datum::Null),
        };
        if !(0.0..=1.0).contains(&fraction) {
            return Err(SqlError::new(
                "22003",
                format!("percentile value {fraction} is not between 0 and 1"),
            ));
        }
        if func == AggFunc::PercentileDisc {
            // The first value whose cumulative share reaches the fraction.
            let k = ((fraction * n as f64).ceil() as usize).clamp(1, n);
            return Ok(self.values[k - 1].clone());
        }
        let pos = fraction * (n - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        let value = |i: usize| match &self.values[i] {
            Datum::Float8(v) => Ok(*v),
            _ => Err(SqlError::internal("percentile_cont of a non-float8")),
        };
        let (a, b) = (value(lo)?, value(hi)?);
        Ok(Datum::Float8(if lo == hi {
            a
        } else {
            a + (pos - lo as f64) * (b - a)
        }))
    }

    /// The most frequent value; of equally frequent ones, the first in
    /// sort order.
    fn mode(self) -> Datum {
        let mut best: Option<(usize, usize)> = None;
        let mut start = 0;
        for i in 1..=self.values.len() {
            let run_ends =
                i == self.values.len() || cmp_values(&self.values[i], &self.values[start]).is_ne();
            if run_ends {
                let len = i - start;
                if best.is_none_or(|(_, l)| len > l) {
                    best = Some((start, len));
                }
                start = i;
            }
        }
        best.map_or(Datum::Null, |(i, _)| self.values[i].clone())
    }
}
