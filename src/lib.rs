//! # trigger-sdk
//!
//! Start workflow runs on n8n, ToolJet, Flowmatic and the runs API (JustPaid
//! Workflows) from Rust, and follow each run to its result, through one typed
//! interface: [`Trigger`] starts a run, [`RunHandle`] follows it.
//!
//! The core items are re-exported at the top; each provider is a module behind
//! a cargo feature of the same name (all on by default): [`n8n`], [`tooljet`],
//! [`flowmatic`], [`runs`].
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
#![warn(missing_docs)]

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
