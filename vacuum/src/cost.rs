//! Cost-based vacuum delay (PostgreSQL's `vacuum_delay_point` and the
//! `vacuum_cost_*` settings).
//!
//! Every page VACUUM touches adds to a balance: `vacuum_cost_page_hit` if it
//! was in the buffer pool, `vacuum_cost_page_miss` if it was read from disk,
//! `vacuum_cost_page_dirty` if VACUUM dirtied it. When the balance reaches
//! the limit, VACUUM sleeps for the delay and starts again from zero, so a
//! background vacuum uses a bounded share of the I/O and CPU.
//!
//! Hits and misses are told apart by the buffer pool's global read counter
//! around the page read: a read by another session at the same moment makes
//! a hit count as a miss. Good enough for throttling.

use std::time::Duration;

/// The throttling settings of one vacuum.
#[derive(Clone, Copy, Debug)]
pub struct CostParams {
    /// Sleep this long each time the balance reaches the limit; zero
    /// disables throttling (manual VACUUM's default `vacuum_cost_delay = 0`).
    pub delay: Duration,
    /// `vacuum_cost_limit` (or `autovacuum_vacuum_cost_limit`).
    pub limit: u32,
    /// `vacuum_cost_page_hit`.
    pub page_hit: u32,
    /// `vacuum_cost_page_miss`.
    pub page_miss: u32,
    /// `vacuum_cost_page_dirty`.
    pub page_dirty: u32,
}

impl Default for CostParams {
    /// PostgreSQL 15's defaults for a manual VACUUM: no delay.
    fn default() -> Self {
        CostParams {
            delay: Duration::ZERO,
            limit: 200,
            page_hit: 1,
            page_miss: 2,
            page_dirty: 20,
        }
    }
}

/// The running balance of one vacuum.
#[derive(Debug)]
pub struct CostBalance {
    params: CostParams,
    balance: u32,
    /// Total time slept.
    pub slept: Duration,
}

impl CostBalance {
    /// A zero balance under `params`.
    pub fn new(params: CostParams) -> Self {
        CostBalance {
            params,
            balance: 0,
            slept: Duration::ZERO,
        }
    }

    /// Charges one page: read from disk or not, dirtied or not.
    pub fn charge(&mut self, miss: bool, dirtied: bool) {
        let p = &self.params;
        let mut c = if miss { p.page_miss } else { p.page_hit };
        if dirtied {
            c += p.page_dirty;
        }
        self.balance = self.balance.saturating_add(c);
    }

    /// Sleeps if the balance reached the limit (`vacuum_delay_point`).
    pub fn delay_point(&mut self) {
        if self.params.delay.is_zero() || self.balance < self.params.limit.max(1) {
            return;
        }
        // PostgreSQL scales the sleep by how far over the limit we are,
        // capped at four times the delay.
        let factor = (f64::from(self.balance) / f64::from(self.params.limit.max(1))).min(4.0);
        let d = self.params.delay.mul_f64(factor);
        std::thread::sleep(d);
        self.slept += d;
        self.balance = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_resets_after_sleeping() {
        let mut b = CostBalance::new(CostParams {
            delay: Duration::from_micros(10),
            limit: 30,
            ..Default::default()
        });
        b.charge(false, true);
        b.delay_point();
        assert_eq!(b.slept, Duration::ZERO);
        b.charge(true, true);
        b.delay_point();
        assert!(b.slept > Duration::ZERO);
        assert_eq!(b.balance, 0);
    }

    #[test]
    fn no_delay_means_no_sleep() {
        let mut b = CostBalance::new(CostParams::default());
        for _ in 0..1000 {
            b.charge(true, true);
        }
        b.delay_point();
        assert_eq!(b.slept, Duration::ZERO);
    }
}
