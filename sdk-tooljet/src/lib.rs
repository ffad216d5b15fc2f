//! # sdk-tooljet
//!
//! ToolJet workflow webhooks for trigger-sdk: run a workflow and get its
//! Response node's value in one call, or start it asynchronously and follow
//! it by status polls or its live event stream.
//!
//! - [`ToolJetWorkflow`]: one workflow (host, workflow id, token,
//!   environment — `development` by default —, optional version, optional
//!   declared parameters checked before sending, optional client-side rate
//!   limit matching ToolJet's throttle). It implements [`trigger_sdk_core::Trigger`]:
//!   `TriggerMode::Wait` uses `POST …/trigger` and gives a finished handle,
//!   `TriggerMode::Follow` uses `POST …/trigger-async` and gives a
//!   [`ToolJetRun`].
//! - [`ToolJetRun`]: a [`trigger_sdk_core::RunHandle`] — `status()` from the status
//!   endpoint (both state vocabularies and the bare `status: bool` form),
//!   `events()` from the SSE stream with `Last-Event-ID` resume and a
//!   polling fallback, `wait()` with a deadline; rebuilt from the workflow
//!   and execution ids with [`ToolJetWorkflow::run`].
//! - Errors are [`trigger_sdk_core::Error`], mapped from the HTTP status of
//!   ToolJet's `{statusCode,timestamp,path,message}` body (never from its
//!   wording); the decoded body is attached as a [`ToolJetError`] detail.
//!
//! Trigger requests carry no idempotency key, so they are sent once
//! ([`trigger_sdk_core::Safety::Unkeyed`]): a request that was sent but not answered
//! is [`trigger_sdk_core::Error::Ambiguous`]. A 429 is reported as
//! [`trigger_sdk_core::Error::RateLimited`] rather than retried: ToolJet's throttler
//! refuses before any workflow code runs, so it is safe to send again after
//! `retry_after`, and [`ToolJetWorkflowBuilder::default_rate_limit`] avoids
//! it in the first place.
//!
//! ```no_run
//! use futures::StreamExt;
//! use trigger_sdk_core::{RunEvent, RunHandle, WaitOptions};
//! use trigger_sdk_tooljet::{DataType, ToolJetWorkflow};
//! use std::time::Duration;
//!
//! #[derive(serde::Serialize)]
//! struct Employee<'a> {
//!     name: &'a str,
//!     emp_id: u32,
//! }
//!
//! # async fn demo() -> trigger_sdk_core::Result<()> {
//! let workflow = ToolJetWorkflow::builder(
//!     "https://tooljet.example.com",
//!     "2f6c3e8a-1d4b-4c5e-9f7a-0b1c2d3e4f50",
//!     std::env::var("TOOLJET_TOKEN").unwrap_or_default(),
//! )
//! .environment("production")
//! .param("name", DataType::String)
//! .param("emp_id", DataType::Number)
//! .default_rate_limit()
//! .build()?;
//!
//! // One call: the Response node's value and status code.
//! let answer = workflow.trigger_sync(&Employee { name: "Ada", emp_id: 7 }).await?;
//! println!("{} {}", answer.status, answer.output);
//!
//! // Async: follow the live events, then read the outcome.
//! let run = workflow.trigger_async(&Employee { name: "Grace", emp_id: 8 }).await?;
//! let mut events = run.events();
//! while let Some(event) = events.next().await {
//!     if let RunEvent::Finished(outcome) = event? {
//!         println!("finished: {}", outcome.output);
//!     }
//! }
//!
//! // Or rebuild the handle elsewhere and wait with a deadline.
//! let again = workflow.run(run.execution_id().to_owned());
//! let outcome = again.wait(WaitOptions::timeout(Duration::from_secs(120))).await?;
//! assert!(outcome.is_success());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod contract;
pub mod error;
pub mod params;
pub mod run;
pub mod status;
pub mod stream;
pub mod workflow;

pub use error::{ErrorBody, Route, ToolJetError, error_from_response};
pub use params::{DataType, ParamSpec, check_params};
pub use run::ToolJetRun;
pub use status::{ExecutionNode, ExecutionState, ExecutionStatus};
pub use stream::{StreamEvent, StreamEventKind};
pub use workflow::{
    DEFAULT_ENVIRONMENT, DEFAULT_SYNC_TIMEOUT, DEFAULT_THROTTLE, SERVER_WORKFLOW_TIMEOUT,
    SyncResponse, ToolJetWorkflow, ToolJetWorkflowBuilder,
};

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
