//! [`RateLimit`]: a client-side token bucket that keeps a client under a
//! provider's published limit instead of collecting 429s.

use std::time::Duration;

use tokio::{sync::Mutex, time::Instant};

/// At most `requests` per `per`, with bursts up to `requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many requests.
    pub requests: u32,
    /// Per how long.
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `per`.
    pub fn new(requests: u32, per: Duration) -> Self {
        Self { requests, per }
    }

    /// `requests` per minute.
    pub fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
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
