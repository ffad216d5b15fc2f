//! # sdk-n8n
//!
//! Start and follow [n8n](https://n8n.io) workflow runs, typed, behind
//! [`trigger_sdk_core::Trigger`] and [`trigger_sdk_core::RunHandle`]; and the n8n public API
//! (workflows, executions, tags). Written to [the contract](crate::contract), checked
//! against real n8n 2.41.1 and 1.123.81 answers.
//!
//! Three things blog posts get wrong, and what this crate does instead:
//!
//! - **n8n has no "execute workflow by id" endpoint.** Workflows start
//!   through triggers; from outside, that is a Webhook trigger node, called
//!   with [`WebhookTrigger`]. [`N8nClient::execute_workflow`] exists for
//!   servers that do have one, and otherwise returns
//!   [`trigger_sdk_core::Error::Unsupported`] saying so.
//! - **No webhook answer is `[{"json": {...}}]`.** That is n8n's internal item
//!   format. Answers come back exactly as sent; [`n8n_items`] reads either
//!   shape when a workflow returns the internal one on purpose.
//! - **Webhook auth failures are 401 *or* 403** (header auth is always 403,
//!   basic auth 401 on 2.x and 403 on 1.x), plain text: both are
//!   [`trigger_sdk_core::Error::Unauthorized`].
//!
//! ## Call a webhook with header auth and a payload
//!
//! The Webhook node answers "When last node finishes" (`lastNode`), so the
//! handle is finished at once and holds the answer exactly as n8n sent it.
//!
//! ```no_run
//! use trigger_sdk_core::{Trigger, TriggerRequest, WaitOptions};
//! use trigger_sdk_n8n::{ResponseMode, WebhookTrigger};
//!
//! # async fn example() -> trigger_sdk_core::Result<()> {
//! let send_email = WebhookTrigger::builder("http://localhost:5678", "send-email")
//!     .header_auth("x-webhook-secret", std::env::var("WEBHOOK_SECRET").unwrap_or_default())
//!     .response_mode(ResponseMode::LastNode)
//!     .build()?;
//! let run = send_email
//!     .trigger(TriggerRequest::new(serde_json::json!({
//!         "to": "ada@example.com",
//!         "subject": "Welcome",
//!     })))
//!     .await?;
//! let outcome = run.wait(WaitOptions::default()).await?;
//! assert_eq!(outcome.output["success"], true);
//! # Ok(()) }
//! ```
//!
//! ## Fire and forget
//!
//! An `onReceived` ("Immediately") webhook answers before the run ends and
//! gives no execution id: the handle reports [`trigger_sdk_core::RunStatus::Accepted`],
//! and `wait()` is [`trigger_sdk_core::Error::NotTrackable`], unless the trigger
//! has an API client to follow it: [`WebhookTriggerBuilder::track_by_marker`]
//! (any workflow, n8n 1.x and 2.x) or [`WebhookTriggerBuilder::track_execution_id`]
//! (the workflow returns `{{$execution.id}}`).
//!
//! ```no_run
//! use trigger_sdk_core::{RunStatus, Trigger, TriggerRequest};
//! use trigger_sdk_n8n::WebhookTrigger;
//!
//! # async fn example() -> trigger_sdk_core::Result<()> {
//! let notify = WebhookTrigger::builder("http://localhost:5678", "send-email-async").build()?;
//! let run = notify
//!     .trigger(TriggerRequest::new(serde_json::json!({"to": "ada@example.com"})))
//!     .await?;
//! assert_eq!(run.status().await?.status, RunStatus::Accepted);
//! # Ok(()) }
//! ```
//!
//! ## Read executions with the API key
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use trigger_sdk_n8n::{ExecutionFilter, ExecutionStatus, N8nClient};
//!
//! # async fn example() -> trigger_sdk_core::Result<()> {
//! let api_key = std::env::var("N8N_API_KEY").unwrap_or_default();
//! let client = N8nClient::new("http://localhost:5678", api_key)?;
//! // Follows nextCursor page by page.
//! let failures: Vec<_> = client
//!     .executions(ExecutionFilter::default().status(ExecutionStatus::Error))
//!     .try_collect()
//!     .await?;
//! for execution in &failures {
//!     let full = client.execution(&execution.id, true).await?;
//!     println!("{} failed: {:?}", full.id, full.failure().map(|f| f.message));
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accepted;
mod body;
mod client;
pub mod contract;
mod correlate;
mod error;
mod execution;
mod items;
mod models;
mod streaming;
mod tracking;
mod webhook;

pub use accepted::AcceptedRun;
pub use body::{BodyFormat, WebhookBody, WebhookResponse};
pub use client::{API_KEY_HEADER, N8nClient, N8nClientBuilder};
pub use correlate::CorrelatedRun;
pub use error::{N8nErrorKind, WEBHOOK_METHODS};
pub use execution::ExecutionHandle;
pub use items::n8n_items;
pub use models::{
    Execution, ExecutionFilter, ExecutionStatus, ListPage, NewWorkflow, Tag, WebhookNode, Workflow,
    WorkflowFilter,
};
pub use streaming::StreamingRun;
pub use tracking::MARKER_HEADER;
pub use webhook::{ResponseMode, WebhookTrigger, WebhookTriggerBuilder};

/// The HTTP method type used by the builders and errors.
pub use reqwest::Method;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
