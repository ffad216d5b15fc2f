//! trigger-sdk provider crate for flowmatic (work in progress).
