//! trigger-sdk (work in progress).
pub use sdk_core;
