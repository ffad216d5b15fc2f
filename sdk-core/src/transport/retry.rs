//! [`RetryPolicy`] and [`Safety`]: when a request may be sent again.

use std::time::Duration;

/// How a request may be retried, by what it does on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Safety {
    /// Reads, status polls, idempotent writes (GET, PUT, DELETE): retried on
    /// network errors, 429 and 5xx.
    Safe,
    /// A request that may start a run but carries an idempotency key, sent
    /// unchanged on every attempt: retried like [`Safety::Safe`].
    Keyed,
    /// A request that may start a run and has no idempotency key: retried
    /// only when the connection was refused before anything was sent. A
    /// failure after sending is [`crate::Error::Ambiguous`]; an error answer
    /// is returned to the caller as is.
    Unkeyed,
}

impl Safety {
    /// Whether error answers (429, 5xx) may be retried.
    pub fn retries_answers(self) -> bool {
        matches!(self, Self::Safe | Self::Keyed)
    }
}

/// Retry with exponential backoff and jitter.
///
/// ```
/// use std::time::Duration;
/// use trigger_sdk_core::RetryPolicy;
/// let retry = RetryPolicy::default()
///     .max_retries(5)
///     .initial_backoff(Duration::from_millis(50))
///     .jitter(false);
/// assert_eq!(retry.max_retries, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retries).
    pub max_retries: usize,
    /// The first backoff delay.
    pub initial_backoff: Duration,
    /// The longest backoff delay.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one ends the retries and
    /// the answer (a 429 or 503) goes back to the caller.
    pub max_retry_after: Duration,
    /// Whether to add random jitter to backoff delays.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the retries after the first attempt.
    pub fn max_retries(mut self, retries: usize) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first backoff delay.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// Sets the longest backoff delay.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Sets whether backoff delays get random jitter.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Whether an answer with this status is worth another attempt.
    pub fn is_retryable_status(status: u16) -> bool {
        matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
    }

    pub(crate) fn backoff(&self) -> backon::ExponentialBuilder {
        let builder = backon::ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_max_times(self.max_retries);
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }
}
