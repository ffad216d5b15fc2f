//! # trigger-sdk
//!
//! Start workflow runs on n8n, ToolJet, Flowmatic and the runs API (JustPaid
//! Workflows) from Rust, and follow each run to its result, through one typed
//! interface: [`Trigger`] starts a run, [`RunHandle`] follows it.
//!
//! ```
//! use std::time::Duration;
//! use serde_json::json;
//! use trigger_sdk::{RunHandle, RunStatus, Trigger, TriggerRequest, WaitOptions};
//! use trigger_sdk::runs::RunsClient;
//! // The bundled reference server speaks all four platforms' APIs, in process
//! // (the dev-dependency `trigger-sdk-reference-server`). Against the real
//! // API, use `RunsClient::from_env()` (RUNS_URL, RUNS_API_KEY) instead.
//! use trigger_sdk_reference_server::{ReferenceServer, creds, demo};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), trigger_sdk::Report> {
//! let server = ReferenceServer::start(demo()).await?;
//! let client = RunsClient::new(server.runs_url(), creds::RUNS_API_KEY)?;
//!
//! // A workflow is a `Trigger`; every provider's is used the same way.
//! let orders = client.workflow(creds::RUNS_CUSTOMER_ORDER);
//! let input = json!({
//!     "customerId": "cus_ada",
//!     "customerEmail": "ada@example.com",
//!     "items": [{"productId": "p1", "quantity": 2, "price": 1999}]
//! });
//! let run = orders.trigger(TriggerRequest::new(input)).await?;
//!
//! // Follow the run to its end, within a deadline.
//! let outcome = run.wait(WaitOptions::timeout(Duration::from_secs(30))).await?;
//! assert_eq!(outcome.status, RunStatus::Succeeded);
//! println!("run {:?}: {}", run.run_id(), outcome.output);
//! # Ok(())
//! # }
//! ```
//!
//! The core items are re-exported at the top; each provider is a module behind
//! a cargo feature of the same name (all on by default): [`n8n`], [`tooljet`],
//! [`flowmatic`], [`runs`]. The TLS backend is a feature too: `rustls-aws-lc`
//! (default), `rustls-ring` (a lighter build) or `native-tls`; see
//! [`transport::tls`].
//!
//! Two more features, off by default, add the receiving side (they pull a
//! server stack, axum):
//!
//! - `callbacks`: module `callback`, a `CallbackReceiver` that hands out
//!   per-run callback URLs and a `RunHandle` that ends when the workflow
//!   posts its result back (an axum `Router` to mount, or a standalone
//!   `CallbackServer`); it turns on `verify`;
//! - `verify`: module `verify`, a tower layer and axum extractors that check
//!   signed inbound webhooks on the raw body (Flowmatic's `sha256=`, the
//!   timestamped `t=…,v1=…`, or your own scheme) and answer `401` otherwise.
//!
//! The rules every request follows (retries that never start a run twice,
//! [`Error::Ambiguous`], redirects, answer caps, deadlines) are in the
//! [`transport`] module; the README has the whole tour.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use trigger_sdk_core::*;

/// n8n webhooks and public API (`trigger-sdk-n8n`).
#[cfg(feature = "n8n")]
pub use trigger_sdk_n8n as n8n;

/// ToolJet workflow webhooks (`trigger-sdk-tooljet`).
#[cfg(feature = "tooljet")]
pub use trigger_sdk_tooljet as tooljet;

/// Flowmatic signed webhooks and REST API (`trigger-sdk-flowmatic`).
#[cfg(feature = "flowmatic")]
pub use trigger_sdk_flowmatic as flowmatic;

/// The runs API (`trigger-sdk-runs`).
#[cfg(feature = "runs")]
pub use trigger_sdk_runs as runs;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
