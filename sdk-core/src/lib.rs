//! # sdk-core
//!
//! The traits and the shared machinery of trigger-sdk.
//!
//! - [`Trigger`] starts a run; [`RunHandle`] follows it (status, wait with a
//!   deadline, an event stream, cancel). Both are object safe.
//! - [`Error`]: one error type; HTTP-born variants keep the status, the
//!   provider's code and message, and the raw body.
//! - [`Secret`] and [`Auth`]: credentials that never print.
//! - [`ClientOptions`] and [`transport::Transport`]: the one HTTP path every
//!   provider request takes (retries that never run a workflow twice,
//!   `Retry-After`, rate limiting, timeouts and deadlines, an answer cap,
//!   no credential across origins or over plain http to a remote host).
//! - [`json`]: the small JSON readings every provider needs, and
//!   [`wire_enum!`] for the providers' string enums.
//! - [`signature`]: HMAC-SHA256 webhook signatures, both sides.
//! - [`paginate`]: cursor loops as streams; [`sse`]: Server-Sent Events with
//!   reconnect.
//!
//! ```
//! use trigger_sdk_core::{RunOutcome, RunStatus};
//! let outcome = RunOutcome::succeeded(None, serde_json::json!({"total": 42}));
//! assert_eq!(outcome.status, RunStatus::Succeeded);
//! assert_eq!(outcome.output_as::<serde_json::Value>()?["total"], 42);
//! # Ok::<(), trigger_sdk_core::Error>(())
//! ```
#![warn(missing_docs)]

pub mod auth;
pub mod error;
pub mod finished;
pub mod handle;
pub mod json;
pub mod paginate;
pub mod poll;
pub mod request;
pub mod run;
pub mod secret;
pub mod signature;
pub mod sse;
pub mod transport;

pub use auth::Auth;
pub use error::{ApiError, BoxError, Error, Result, ValidationDetail};
pub use finished::FinishedRun;
pub use handle::{RunHandle, Trigger};
pub use poll::{PollPolicy, WaitOptions};
pub use request::{TriggerMode, TriggerRequest};
pub use run::{
    Provider, RunEvent, RunFailure, RunId, RunOutcome, RunSnapshot, RunStatus, StepSnapshot,
    StepStatus,
};
pub use secret::Secret;
pub use transport::{
    ClientOptions, RateLimit, Redirects, RetryPolicy, Safety, Timeouts, Transport,
};

// Re-exported so provider crates and users name one version.
pub use async_trait::async_trait;
pub use futures;
pub use reqwest;
pub use serde;
pub use serde_json;
