//! # sdk-flowmatic
//!
//! Flowmatic for trigger-sdk: signed webhook triggers and the REST API.
//!
//! - [`FlowmaticWebhook`] — a [`trigger_sdk_core::Trigger`] that calls
//!   `{base}/api/webhooks/{webhookId}` (`POST` with a JSON body or `GET` with
//!   a query) and signs each call with `X-Webhook-Signature: sha256=<hex>`
//!   when given the webhook's secret. The answer is either Flowmatic's
//!   acknowledgement — a [`FlowmaticExecution`] to follow — or the body of
//!   the workflow's Response node — a finished run. How the two are told
//!   apart without guessing is documented in [`answer`].
//! - [`FlowmaticClient`] — the REST API with a bearer token: workflows (list
//!   as a stream over pages, get, create, update, delete), execute,
//!   executions (list as a stream with filters, get), connectors.
//! - [`ExecuteTrigger`] — a [`trigger_sdk_core::Trigger`] over the REST API's
//!   execute endpoint, for runs started by workflow id with the API token.
//! - [`FlowmaticExecution`] — the [`trigger_sdk_core::RunHandle`] of an execution:
//!   polls `GET /api/v1/executions/{id}` (this needs the API token; without
//!   it the handle reports `Accepted` and `wait` says a token is needed).
//! - Errors: `{"error":{"code","message"}}` answers become
//!   [`trigger_sdk_core::Error`] variants with the code typed as a
//!   [`FlowmaticErrorCode`] detail ([`error`] has the table).
//!
//! Receiving Flowmatic-style webhooks in your own server (verifying the
//! signature over the raw body, in constant time, with several secrets for
//! rotation) is done with [`trigger_sdk_core::signature`]; its module docs show an
//! axum handler.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use futures::TryStreamExt;
//! use trigger_sdk_core::{RunHandle, Trigger, TriggerRequest, WaitOptions};
//! use trigger_sdk_flowmatic::{ExecutionFilter, FlowmaticClient, FlowmaticWebhook};
//!
//! # async fn run() -> trigger_sdk_core::Result<()> {
//! let base = "https://flowmatic.example.com";
//! let client = FlowmaticClient::new(base, "fm_api_token")?;
//! let webhook = FlowmaticWebhook::builder(base, "abc-123")
//!     .secret("whsec_...")
//!     .client(client.clone())
//!     .build()?;
//!
//! // Signed POST; an acknowledged run is polled to its end, a Response
//! // node's answer is finished at once.
//! let handle = webhook
//!     .trigger(TriggerRequest::new(serde_json::json!({"event": "user.created"})))
//!     .await?;
//! let outcome = handle
//!     .wait(WaitOptions::timeout(Duration::from_secs(60)))
//!     .await?
//!     .into_result()?;
//! println!("output: {}", outcome.output);
//!
//! // The REST API: streams walk every page.
//! let finished: Vec<_> = client
//!     .executions(ExecutionFilter::new().workflow_id("wf-456"))
//!     .try_filter(|e| futures::future::ready(e.status.to_run_status().is_terminal()))
//!     .try_collect()
//!     .await?;
//! println!("{} finished executions", finished.len());
//! # Ok(())
//! # }
//! ```
//!
//! Deciding what an answer is, offline:
//!
//! ```
//! use trigger_sdk_flowmatic::Acknowledgement;
//! let response_node = br#"{"orderId":"A-1","status":"confirmed"}"#;
//! assert!(Acknowledgement::recognize("order-sync", 200, response_node).is_none());
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod answer;
pub mod client;
pub mod contract;
pub mod error;
pub mod execute;
pub mod execution;
pub mod model;
pub mod webhook;

pub use answer::{Acknowledgement, WebhookAnswer};
pub use client::{ExecutionFilter, FlowmaticClient, FlowmaticClientBuilder};
pub use error::{FlowmaticErrorCode, error_code};
pub use execute::ExecuteTrigger;
pub use execution::FlowmaticExecution;
pub use model::{
    Connector, Execution, ExecutionAccepted, ExecutionStatus, ListPage, NewWorkflow, Pagination,
    Workflow, WorkflowStatus, WorkflowTrigger, WorkflowUpdate,
};
pub use webhook::{FlowmaticWebhook, FlowmaticWebhookBuilder, SIGNATURE_HEADER, WebhookMethod};

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
