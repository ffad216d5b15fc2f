//! The run table: runs by id, in creation order, and the retention of
//! finished runs (evicted by age and by count, see [`Retention`]).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use tokio::time::Instant;

use super::RunEntry;
use crate::config::Retention;

/// Runs taken out of the table, for the caller to drop once it has released
/// the table's lock: freeing a run's records is most of the work of evicting
/// it, and no other request should wait on the lock for it.
#[must_use = "drop the evicted runs after releasing the table's lock"]
pub(super) struct Evicted {
    /// The first (usually the only one: no list to allocate).
    first: Option<Arc<RunEntry>>,
    more: Vec<Arc<RunEntry>>,
}

impl Evicted {
    fn push(&mut self, entry: Arc<RunEntry>) {
        if self.first.is_none() {
            self.first = Some(entry);
        } else {
            self.more.push(entry);
        }
    }
}

/// Runs by id and in creation order; finished runs in finish order.
pub(super) struct RunTable {
    by_id: HashMap<Arc<str>, Arc<RunEntry>>,
    /// Creation number → run id, oldest first.
    order: BTreeMap<u64, Arc<str>>,
    /// Finished runs still kept, oldest finish first.
    finished: VecDeque<Finished>,
    next: u64,
    retention: Retention,
}

struct Finished {
    number: u64,
    at: Instant,
}

impl RunTable {
    pub(super) fn new(retention: Retention) -> Self {
        Self {
            by_id: HashMap::new(),
            order: BTreeMap::new(),
            finished: VecDeque::new(),
            next: 0,
            retention,
        }
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// The creation number the next inserted run gets.
    pub(super) fn next_number(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    pub(super) fn insert(&mut self, id: Arc<str>, entry: Arc<RunEntry>) -> Evicted {
        self.order.insert(entry.number, id.clone());
        self.by_id.insert(id, entry);
        self.evict(Instant::now())
    }

    pub(super) fn get(&self, id: &str) -> Option<&Arc<RunEntry>> {
        self.by_id.get(id)
    }

    /// Every run, oldest first.
    pub(super) fn in_order(&self) -> Vec<Arc<RunEntry>> {
        self.order
            .values()
            .filter_map(|id| self.by_id.get(id).cloned())
            .collect()
    }

    pub(super) fn remove(&mut self, id: &str) -> bool {
        let Some(entry) = self.by_id.remove(id) else {
            return false;
        };
        self.order.remove(&entry.number);
        self.finished.retain(|f| f.number != entry.number);
        true
    }

    /// A run ended: it now counts against the retention, and older finished
    /// runs past it are evicted.
    pub(super) fn finished(&mut self, number: u64) -> Evicted {
        let now = Instant::now();
        self.finished.push_back(Finished { number, at: now });
        self.evict(now)
    }

    /// Evicts finished runs older than `max_age`, then the oldest past
    /// `max_finished_runs`. Runs that have not finished are never evicted.
    pub(super) fn evict(&mut self, now: Instant) -> Evicted {
        let mut evicted = Evicted {
            first: None,
            more: Vec::new(),
        };
        while let Some(oldest) = self.finished.front() {
            let too_many = self.finished.len() > self.retention.max_finished_runs;
            let too_old = now.saturating_duration_since(oldest.at) >= self.retention.max_age;
            if !(too_many || too_old) {
                break;
            }
            let number = oldest.number;
            self.finished.pop_front();
            if let Some(id) = self.order.remove(&number)
                && let Some(entry) = self.by_id.remove(&id)
            {
                evicted.push(entry);
            }
        }
        evicted
    }

    /// How many runs are kept: (all, finished).
    pub(super) fn counts(&self) -> (usize, usize) {
        (self.by_id.len(), self.finished.len())
    }
}
