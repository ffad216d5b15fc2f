//! [`TriggerRequest`]: what to start a run with.

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Whether the caller wants the result in one call or a handle to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TriggerMode {
    /// Give me the result: use a provider's synchronous endpoint when it has
    /// one (ToolJet `/trigger`), so the returned handle is already finished.
    Wait,
    /// Give me a handle to poll or stream: use an asynchronous endpoint when
    /// the provider has one (ToolJet `/trigger-async`).
    #[default]
    Follow,
}

/// The input of a run and how to send it.
///
/// ```
/// use trigger_sdk_core::{TriggerMode, TriggerRequest};
/// #[derive(serde::Serialize)]
/// struct Email<'a> { to: &'a str, subject: &'a str }
///
/// let request = TriggerRequest::json(&Email { to: "a@example.com", subject: "Hi" })?
///     .query("source", "docs")
///     .header("x-request-id", "42")
///     .idempotency_key("order-1001")
///     .mode(TriggerMode::Wait);
/// assert_eq!(request.payload["to"], "a@example.com");
/// # Ok::<(), trigger_sdk_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TriggerRequest {
    /// The run's input.
    pub payload: Value,
    /// Query parameters to add to the trigger URL.
    pub query: Vec<(String, String)>,
    /// Extra headers to send.
    pub headers: Vec<(String, String)>,
    /// An idempotency key, for providers that take one; with a key, a failed
    /// trigger is retried safely (the same key on every attempt).
    pub idempotency_key: Option<String>,
    /// Sync result or handle to follow.
    pub mode: TriggerMode,
}

impl TriggerRequest {
    /// A request with a JSON payload.
    pub fn new(payload: Value) -> Self {
        Self {
            payload,
            ..Self::default()
        }
    }

    /// A request whose payload is `value` serialized to JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        serde_json::to_value(value)
            .map(Self::new)
            .map_err(|e| Error::Config(format!("payload does not serialize to JSON: {e}")))
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: TriggerMode) -> Self {
        self.mode = mode;
        self
    }
}
