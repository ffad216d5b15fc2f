//! [`RateLimit`]: a client-side token bucket that keeps a client under a
//! provider's published limit instead of collecting 429s.

use std::time::Duration;

use tokio::{sync::Mutex, time::Instant};

/// At most `requests` per `per`, with bursts up to `requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// How many requests.
    pub requests: u32,
    /// Per how long.
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `per`.
    pub const fn new(requests: u32, per: Duration) -> Self {
        Self { requests, per }
    }

    /// `requests` per minute.
    pub const fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    /// A bucket that never sends more than `limit` requests in any span of
    /// `window`, so it stays under a server that counts fixed windows of that
    /// limit (ToolJet's throttler, per-minute API limits).
    ///
    /// A plain `RateLimit::new(limit, window)` starts full and refills, so it
    /// can send its burst and then a window's refill inside one server window
    /// — nearly twice the limit. This one keeps a small burst (a tenth of the
    /// limit) and refills so that burst + refill over a window stays within
    /// 95 % of the limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trigger_sdk_core::RateLimit;
    /// let limit = RateLimit::within_window(500, Duration::from_secs(60));
    /// let refill_per_window = 60.0 / limit.per.as_secs_f64() * f64::from(limit.requests);
    /// assert!(f64::from(limit.requests) + refill_per_window <= 500.0);
    /// ```
    pub fn within_window(limit: u32, window: Duration) -> Self {
        let limit = limit.max(1);
        let burst = (limit / 10).max(1);
        let budget = (limit - limit / 20).max(1);
        let steady = budget.saturating_sub(burst).max(1);
        // `burst` tokens per `per` is a refill of `steady` per `window`.
        Self::new(burst, window.mul_f64(f64::from(burst) / f64::from(steady)))
    }
}

/// A token bucket shared by the clones of one client.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    /// A full bucket for `limit`.
    pub fn new(limit: RateLimit) -> Self {
        let capacity = f64::from(limit.requests.max(1));
        Self {
            limit,
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    /// The limit.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Waits until a request may be sent, then takes a token.
    pub async fn acquire(&self) {
        let capacity = f64::from(self.limit.requests.max(1));
        let per_token = self.limit.per.as_secs_f64() / capacity;
        loop {
            let wait = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                let refill = if per_token > 0.0 {
                    now.duration_since(state.1).as_secs_f64() / per_token
                } else {
                    capacity
                };
                state.0 = (state.0 + refill).min(capacity);
                state.1 = now;
                if state.0 >= 1.0 {
                    state.0 -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - state.0) * per_token)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most sends inside any span of `window`.
    fn busiest(times: &[Instant], window: Duration) -> usize {
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| **t < times[i] + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn within_window_never_exceeds_the_limit_in_any_window() {
        for (limit, secs) in [(500, 60), (100, 60), (20, 2), (7, 1), (1, 1)] {
            let window = Duration::from_secs(secs);
            let limiter = RateLimiter::new(RateLimit::within_window(limit, window));
            let start = Instant::now();
            let mut times = Vec::new();
            let sends = (limit as usize * 3).max(5);
            for _ in 0..sends {
                limiter.acquire().await;
                times.push(Instant::now());
            }
            assert!(
                busiest(&times, window) <= limit as usize,
                "{limit}/{window:?}"
            );
            // Not needlessly slow: at least 80 % of the limit over the run.
            let windows = start.elapsed().as_secs_f64() / window.as_secs_f64();
            if limit >= 10 {
                assert!(
                    sends as f64 >= 0.8 * f64::from(limit) * windows,
                    "{limit}/{window:?}"
                );
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn bucket_spaces_requests_past_the_burst() {
        let limiter = RateLimiter::new(RateLimit::new(2, Duration::from_secs(1)));
        let start = Instant::now();
        for _ in 0..6 {
            limiter.acquire().await;
        }
        // 2 at once, then 4 more at 0.5 s each.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(1990), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(2100), "{elapsed:?}");
    }
}
