//! Where pending callbacks and their results live: the [`CallbackStore`]
//! trait and [`InMemoryCallbackStore`].

use std::{collections::HashMap, fmt, sync::Mutex, time::SystemTime};

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::{ApiError, Error, Result};

/// How a callback says the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackStatus {
    /// The run succeeded; the body is its output.
    Succeeded,
    /// The run failed; the body describes the failure.
    Failed,
}

impl CallbackStatus {
    /// `succeeded` or `failed`, as the callback URL's `status` parameter
    /// spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

/// A callback as it arrived: its status and raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackResult {
    /// What the caller reported.
    pub status: CallbackStatus,
    /// The body, exactly as received.
    pub body: Bytes,
    /// Its `Content-Type`, when it had one.
    pub content_type: Option<String>,
    /// When it arrived.
    pub received_at: SystemTime,
}

impl CallbackResult {
    /// A result that arrived now.
    pub fn new(status: CallbackStatus, body: Bytes) -> Self {
        Self {
            status,
            body,
            content_type: None,
            received_at: SystemTime::now(),
        }
    }

    /// Sets the content type.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets the arrival time (a store reading a result back).
    pub fn received_at(mut self, at: SystemTime) -> Self {
        self.received_at = at;
        self
    }
}

/// One registered callback: pending until its result arrives.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackRecord {
    /// The correlation id (the last segment of the callback URL).
    pub id: String,
    /// SHA-256 (lower-case hex) of the run's URL token, when the receiver
    /// uses tokens; the token itself is never stored.
    pub token_hash: Option<String>,
    /// When it was registered.
    pub created_at: SystemTime,
    /// When the store may forget it (a callback after that is unknown).
    pub expires_at: SystemTime,
    /// The callback, once it arrived.
    pub result: Option<CallbackResult>,
}

impl fmt::Debug for CallbackRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackRecord")
            .field("id", &self.id)
            .field(
                "token_hash",
                &self.token_hash.as_ref().map(|_| "[REDACTED]"),
            )
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("result", &self.result)
            .finish()
    }
}

impl CallbackRecord {
    /// A pending record registered now.
    pub fn new(id: impl Into<String>, token_hash: Option<String>, expires_at: SystemTime) -> Self {
        Self {
            id: id.into(),
            token_hash,
            created_at: SystemTime::now(),
            expires_at,
            result: None,
        }
    }

    /// Sets the registration time (a store reading a record back).
    pub fn created_at(mut self, at: SystemTime) -> Self {
        self.created_at = at;
        self
    }

    /// Sets the result (a store reading a completed record back).
    pub fn with_result(mut self, result: Option<CallbackResult>) -> Self {
        self.result = result;
        self
    }

    /// Whether `now` is past the record's expiry.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

/// What [`CallbackStore::complete`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    /// The record was pending and now holds the result.
    Completed,
    /// The record already had a result; the new one was dropped.
    Duplicate,
    /// No record with this id (never registered, forgotten or expired).
    Unknown,
}

/// Keeps pending callbacks and their results.
///
/// [`InMemoryCallbackStore`] serves one process. To survive a restart, or
/// to let any instance behind a load balancer take a callback, implement it
/// over a shared store (a database table keyed by `id`, Redis): `insert`
/// and `complete` must be atomic (`INSERT` refusing a duplicate key,
/// `UPDATE … WHERE result IS NULL`). Waiting handles poll
/// [`CallbackStore::get`] besides being woken by their own process.
#[async_trait]
pub trait CallbackStore: Send + Sync + fmt::Debug {
    /// Adds a pending record.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] when a live record has this id; the store's own
    /// failures otherwise.
    async fn insert(&self, record: CallbackRecord) -> Result<()>;

    /// The live record with this id, if any (an expired one is `None`).
    async fn get(&self, id: &str) -> Result<Option<CallbackRecord>>;

    /// Stores `result` in the record if it is still pending — atomically,
    /// so that of two callbacks racing exactly one completes it.
    async fn complete(&self, id: &str, result: CallbackResult) -> Result<Completion>;

    /// Forgets a record; `true` when there was one.
    async fn remove(&self, id: &str) -> Result<bool>;
}

/// A [`CallbackStore`] in process memory. Expired records are dropped as
/// new ones come in (amortized: the map is swept when it doubled since the
/// last sweep), and are never returned.
#[derive(Debug, Default)]
pub struct InMemoryCallbackStore {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    records: HashMap<String, CallbackRecord>,
    swept_at_len: usize,
}

impl InMemoryCallbackStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records are held (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // Every change is one map operation: a panic cannot leave it half done.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl CallbackStore for InMemoryCallbackStore {
    async fn insert(&self, record: CallbackRecord) -> Result<()> {
        let now = SystemTime::now();
        let mut state = self.lock();
        if state.records.len() >= (2 * state.swept_at_len).max(1024) {
            state.records.retain(|_, r| !r.is_expired(now));
            state.swept_at_len = state.records.len();
        }
        if state
            .records
            .get(&record.id)
            .is_some_and(|r| !r.is_expired(now))
        {
            return Err(Error::Conflict(Box::new(ApiError::new(
                None,
                format!("a callback is already registered under {:?}", record.id),
            ))));
        }
        state.records.insert(record.id.clone(), record);
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<CallbackRecord>> {
        let now = SystemTime::now();
        Ok(self
            .lock()
            .records
            .get(id)
            .filter(|r| !r.is_expired(now))
            .cloned())
    }

    async fn complete(&self, id: &str, result: CallbackResult) -> Result<Completion> {
        let now = SystemTime::now();
        let mut state = self.lock();
        Ok(match state.records.get_mut(id) {
            Some(record) if !record.is_expired(now) => {
                if record.result.is_some() {
                    Completion::Duplicate
                } else {
                    record.result = Some(result);
                    Completion::Completed
                }
            }
            _ => Completion::Unknown,
        })
    }

    async fn remove(&self, id: &str) -> Result<bool> {
        Ok(self.lock().records.remove(id).is_some())
    }
}
