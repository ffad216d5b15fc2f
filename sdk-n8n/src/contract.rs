//! The wire contract this crate implements: what the platform answers,
//! where its documentation and the real server disagree, and which one we
//! follow and why.
//!
#![doc = include_str!("../docs/contract.md")]
