//! # sdk-runs
//!
//! The runs API (JustPaid Workflows) for trigger-sdk: start workflow runs
//! with idempotency keys, follow them step by step, read, list, cancel and
//! retry them.
//!
//! - [`RunsClient`]: `run`, `get_run`, `list_runs` (a `Stream` over the
//!   cursor pages), `cancel_run`, `retry_run`, `run_many` (a batch with
//!   bounded concurrency). The API key is a [`trigger_sdk_core::Secret`] sent as
//!   `x-api-key`. An optional client-side limiter keeps a client under the
//!   published limits ([`RateLimits`]: 500 runs per minute).
//! - Every run request carries an idempotency key (the caller's, or a
//!   generated UUID) and the same key on every retry, so retries on 5xx,
//!   429 and network errors never start a second run. A key that had
//!   already started a run gives that run back:
//!   [`RunsHandle::is_existing_run`]; with [`RunRequest::check_replay`] a
//!   replay whose run had another input is a `Conflict` carrying a
//!   [`ReplayConflict`] (one more read, on replays only).
//! - [`RunsHandle`] is a [`trigger_sdk_core::RunHandle`]: `wait` polls
//!   `GET /runs/{id}` with backoff until the run ends, `events()` yields
//!   status and step changes, `cancel()` cancels; rebuild one from a run id
//!   with [`RunsHandle::from_id`] or [`RunsWorkflow`]'s `resume`.
//! - Errors are [`trigger_sdk_core::Error`] variants: `VALIDATION_ERROR` is
//!   `Validation { details }` (each path and message), `INVALID_STATUS` is
//!   `Conflict`, then `NotFound`, `Unauthorized`, `Forbidden`,
//!   `RateLimited { retry_after }`, `PayloadTooLarge`. Each carries a
//!   [`RunsApiError`] (`error.detail::<RunsApiError>()`) with the code, the
//!   details, the missing scope or the current status. A run that fails is
//!   not an error of the call: its outcome is `Failed` with a
//!   [`trigger_sdk_core::RunFailure`] naming the code (`STEP_ERROR`) and the step.
//!
//! ## Run with input
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use futures::StreamExt;
//! use trigger_sdk_core::{RunEvent, RunHandle, WaitOptions};
//! use trigger_sdk_runs::{RunRequest, RunsClient};
//!
//! /// What the last step ("Send Confirmation") answered.
//! #[derive(serde::Deserialize)]
//! struct Confirmation {
//!     subject: String,
//! }
//!
//! # async fn example() -> trigger_sdk_core::Result<()> {
//! let api_key = trigger_sdk_core::Secret::from_env("RUNS_API_KEY")
//!     .unwrap_or_else(|| "wfk_demo0000000000000000000000000000".into());
//! let client = RunsClient::new("http://127.0.0.1:8080/runs", api_key)?;
//!
//! // The docs' "Process Customer Order" input.
//! let input = serde_json::json!({
//!     "customerId": "cus_xxx",
//!     "customerEmail": "ada@example.com",
//!     "items": [{"productId": "p1", "quantity": 2, "price": 1999}]
//! });
//! let run = client
//!     .run("wf_customer_order", RunRequest::new(input).idempotency_key("order-1001"))
//!     .await?;
//!
//! // Step progress as the polls see it, ending with the outcome.
//! let mut events = run.events();
//! while let Some(event) = events.next().await {
//!     match event? {
//!         RunEvent::Status(status) => println!("run {status}"),
//!         RunEvent::Step(step) => println!("step {} {}", step.id, step.status),
//!         RunEvent::Finished(outcome) => {
//!             let sent: Confirmation = outcome.into_result()?.output_as()?;
//!             println!("sent {:?}", sent.subject);
//!         }
//!         _ => {}
//!     }
//! }
//!
//! // Each step's output, typed run: `calculate-total` holds the total.
//! let total = &run.run().await?.step("calculate-total").map(|s| s.output["total"].clone());
//! println!("total {total:?}");
//!
//! // Or simply wait, with a deadline.
//! let outcome = run.wait(WaitOptions::timeout(Duration::from_secs(60))).await?;
//! assert!(outcome.is_success());
//! # Ok(())
//! # }
//! ```
//!
//! ## Batch processing, done right
//!
//! Bounded concurrency instead of one request per item at once, the
//! published rate limit on the client instead of a flood of 429s, and an
//! idempotency key derived from each item, so the whole batch can be sent
//! again after a crash without creating any invoice twice. Each item's
//! result comes back in order, errors included.
//!
//! ```no_run
//! use trigger_sdk_core::{Error, RunHandle, WaitOptions};
//! use trigger_sdk_runs::{RateLimits, RunRequest, RunsClient};
//!
//! # async fn example(customers: Vec<(String, u64)>) -> trigger_sdk_core::Result<()> {
//! let client = RunsClient::builder("http://127.0.0.1:8080/runs", "wfk_demo0000000000000000000000000000")
//!     .rate_limits(RateLimits::published_execute())
//!     .build()?;
//!
//! let requests = customers.iter().map(|(customer_id, amount)| {
//!     let input = serde_json::json!({"customerId": customer_id, "amount": amount});
//!     let key = format!("invoice-2024-11-{customer_id}");
//!     ("wf_create_invoice", RunRequest::new(input).idempotency_key(key))
//! });
//! let handles = client.run_many(requests, 8).await;
//!
//! for ((customer_id, _), handle) in customers.iter().zip(handles) {
//!     match handle {
//!         Ok(run) => {
//!             let outcome = run.wait(WaitOptions::default()).await?;
//!             println!("{customer_id}: {} {}", run.id(), outcome.status);
//!         }
//!         Err(Error::Validation { details, .. }) => {
//!             for detail in details {
//!                 println!("{customer_id}: {detail}");
//!             }
//!         }
//!         Err(other) => println!("{customer_id}: {other}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod batch;
mod client;
pub mod contract;
mod envelope;
mod error;
mod handle;
mod model;
mod replay;
mod workflow;

pub use client::{API_KEY_HEADER, RateLimits, RunsClient, RunsClientBuilder};
pub use error::{RunsApiError, RunsErrorCode};
pub use handle::RunsHandle;
pub use model::{
    ListMeta, ListRuns, Run, RunRequest, RunStarted, RunStep, parse_run_status, parse_step_status,
    wire_status,
};
pub use replay::{REPLAY_CONFLICT_CODE, ReplayConflict};
pub use workflow::RunsWorkflow;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
