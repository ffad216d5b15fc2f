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
//! - [`preview`]: the request a provider would send, built by the code that
//!   sends it ([`Trigger::preview`]), credentials redacted unless asked.
//! - [`paginate`]: cursor loops as streams; [`sse`]: Server-Sent Events with
//!   reconnect.
//! - [`env`](mod@env): configuration from environment variables, with errors that name
//!   the variable; [`Report`]: what `main` returns so a failure prints its
//!   message and causes.
//! - TLS by cargo feature ([`transport::tls`]): `rustls-aws-lc` (default),
//!   `rustls-ring`, `native-tls`.
//!
//! # Features
//!
//! The receiving side pulls a server stack (axum) and sits behind features,
//! off by default:
//!
//! - `verify` adds module `verify`: a tower layer and axum extractors that
//!   check signed inbound webhooks on the raw body before any handler
//!   (Flowmatic's `sha256=` and the timestamped `t=…,v1=…` built in, other
//!   schemes pluggable);
//! - `callbacks` (with `verify`) adds module `callback`: a receiver for the
//!   callbacks that finish fire-and-forget runs — per-run URLs, a
//!   `RunHandle` that ends when the callback arrives, an axum `Router` to
//!   mount or a standalone listener.
//!
//! ```
//! use trigger_sdk_core::{RunOutcome, RunStatus};
//! let outcome = RunOutcome::succeeded(None, serde_json::json!({"total": 42}));
//! assert_eq!(outcome.status, RunStatus::Succeeded);
//! assert_eq!(outcome.output_as::<serde_json::Value>()?["total"], 42);
//! # Ok::<(), trigger_sdk_core::Error>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
#[cfg(feature = "callbacks")]
#[cfg_attr(docsrs, doc(cfg(feature = "callbacks")))]
pub mod callback;
pub mod env;
pub mod error;
pub mod finished;
pub mod handle;
pub mod json;
pub mod paginate;
pub mod poll;
pub mod preview;
pub mod report;
pub mod request;
pub mod run;
pub mod secret;
pub mod signature;
pub mod sse;
pub mod transport;
#[cfg(feature = "verify")]
#[cfg_attr(docsrs, doc(cfg(feature = "verify")))]
pub mod verify;

pub use auth::Auth;
pub use error::{ApiError, BoxError, Error, Result, ValidationDetail};
pub use finished::FinishedRun;
pub use handle::{RunHandle, Trigger};
pub use poll::{PollPolicy, WaitOptions};
pub use preview::{PreviewValue, RequestPreview, RequestWriter};
pub use report::Report;
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

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
