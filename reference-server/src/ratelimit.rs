//! Fixed-window request counters (runs rate limits, ToolJet throttling).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts requests per key in fixed windows.
#[derive(Debug, Default)]
pub(crate) struct FixedWindow {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl FixedWindow {
    /// Counts one request for `key`; `Err(retry_after_secs)` when over `limit`
    /// within the current `window`.
    pub(crate) fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = window.saturating_sub(now.duration_since(entry.0));
            return Err((left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_with_a_retry_after() {
        let fw = FixedWindow::default();
        let w = Duration::from_secs(60);
        assert!(fw.hit("k", 2, w).is_ok());
        assert!(fw.hit("k", 2, w).is_ok());
        let retry = fw.hit("k", 2, w).unwrap_err();
        assert!((1..=60).contains(&retry));
        assert!(fw.hit("other", 2, w).is_ok());
    }
}
