//! trigger-sdk provider crate for runs (work in progress).
