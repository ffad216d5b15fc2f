//! Idempotency keys: (workflow, key) → the run it started, for `ttl` (24 h),
//! at most `max_keys` of them (the oldest go first past the bound).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

/// The run a key started, as a replay answers it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Started {
    /// The run id.
    pub run_id: String,
    /// The workflow version it ran.
    pub version: serde_json::Value,
    /// The status last seen (answered when the run itself was already evicted).
    pub status: &'static str,
}

type Key = (String, String);

/// The keys seen, oldest first.
pub(super) struct IdempotencyKeys {
    by_key: HashMap<Key, (Started, Instant)>,
    order: VecDeque<(Key, Instant)>,
    ttl: Duration,
    max_keys: usize,
}

impl IdempotencyKeys {
    pub(super) fn new(ttl: Duration, max_keys: usize) -> Self {
        Self {
            by_key: HashMap::new(),
            order: VecDeque::new(),
            ttl,
            max_keys,
        }
    }

    /// The run `key` started for `workflow`, while the key lives.
    pub(super) fn get(&mut self, workflow: &str, key: &str) -> Option<&mut Started> {
        self.expire(Instant::now());
        self.by_key
            .get_mut(&(workflow.to_owned(), key.to_owned()))
            .map(|(started, _)| started)
    }

    /// Remembers the run `key` started.
    pub(super) fn insert(&mut self, workflow: &str, key: &str, started: Started) {
        let now = Instant::now();
        let k = (workflow.to_owned(), key.to_owned());
        self.order.push_back((k.clone(), now));
        self.by_key.insert(k, (started, now));
        self.expire(now);
    }

    fn expire(&mut self, now: Instant) {
        while let Some((key, at)) = self.order.front() {
            let too_many = self.by_key.len() > self.max_keys;
            if !too_many && now.saturating_duration_since(*at) < self.ttl {
                break;
            }
            // Only the newest insertion of a key owns its entry.
            if self.by_key.get(key).is_some_and(|(_, stored)| stored == at) {
                self.by_key.remove(key);
            }
            self.order.pop_front();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(id: &str) -> Started {
        Started {
            run_id: id.to_owned(),
            version: 1.into(),
            status: "pending",
        }
    }

    #[tokio::test(start_paused = true)]
    async fn keys_live_their_ttl() {
        let mut keys = IdempotencyKeys::new(Duration::from_secs(60), 10);
        keys.insert("wf", "k", started("r1"));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(
            keys.get("wf", "k").map(|s| s.run_id.clone()).as_deref(),
            Some("r1")
        );
        assert!(keys.get("other", "k").is_none(), "keys are per workflow");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(keys.get("wf", "k").is_none());
        assert_eq!(keys.len(), 0);
    }

    #[tokio::test]
    async fn the_oldest_keys_go_past_the_bound() {
        let mut keys = IdempotencyKeys::new(Duration::from_secs(3600), 3);
        for n in 0..5 {
            keys.insert("wf", &format!("k{n}"), started(&format!("r{n}")));
        }
        assert_eq!(keys.len(), 3);
        assert!(keys.get("wf", "k1").is_none());
        assert!(keys.get("wf", "k2").is_some() && keys.get("wf", "k4").is_some());
    }
}
